/* SPDX-License-Identifier: ISC */
/*
 * projection.h - what remains of the projection module's old interface
 * (src/project/projection.c): a shim for callers not yet switched to
 * generations, and the test seams of the snapshot cache.
 */
#ifndef AVOW_PROJECTION_H
#define AVOW_PROJECTION_H

#include "ledger/store.h"

/* Replay keeps a snapshot every this many entries. */
#define PROJECTION_SNAPSHOT_INTERVAL 1024

/* Make every projection snapshot stale: bumps the ledger's generation
 * (store_w_bump_generation()), which is what callers should call. */
int projection_invalidate_all(store_w *w);

#ifdef AVOW_TEST
/* Test seams, in the test build of the library only. */
/* Keep a snapshot every n replayed entries (0 restores the default,
 * PROJECTION_SNAPSHOT_INTERVAL). */
void projection_test_snapshot_interval(size_t n);
/* How many snapshots queries of this process have loaded. */
size_t projection_test_snapshot_loads(void);
/* How many current snapshots the ledger holds (all contests; stale ones,
 * of another generation, are not counted). */
int projection_test_snapshot_count(avow_ledger *ledger, size_t *out);
/* For src/project/state.c: the interval in force, and count one load. */
size_t projection_test_interval(void);
void projection_test_loaded(void);
#endif

#endif /* AVOW_PROJECTION_H */
