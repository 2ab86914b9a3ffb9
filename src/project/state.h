/* SPDX-License-Identifier: ISC */
/* state.h - internals of src/project/state.c shared with tests. */
#ifndef AVOW_STATE_H
#define AVOW_STATE_H

#include "project/fold.h"

/* Turn an accumulator into the sorted, immutable result with its digest:
 * the state of `contest` for the query o (at given). No store.
 * @return 0 or AVOW_ENOMEM */
int state_build_opts(avow_state **out, const fold_acc *a, const char *contest,
                     const avow_state_opts *o);
/* state_build_opts() at (at, known_at) without filters. */
int state_build(avow_state **out, const fold_acc *a, const char *contest, int64_t at,
                int64_t known_at);

#ifdef AVOW_TEST
/* Test seams, in the test build of the library only. Keep a snapshot every
 * n replayed entries (0 restores STATE_SNAPSHOT_INTERVAL). */
void state_test_snapshot_interval(size_t n);
/* How many snapshots queries of this process have loaded. */
size_t state_test_snapshot_loads(void);
/* How many current snapshots the ledger holds (all contests; stale ones,
 * of another generation, are not counted). */
int state_test_snapshot_count(avow_ledger *ledger, size_t *out);
#endif

#endif /* AVOW_STATE_H */
