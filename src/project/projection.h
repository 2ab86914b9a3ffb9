/* SPDX-License-Identifier: ISC */
/* projection.h - internals of src/project/projection.c shared with other modules and tests. */
#ifndef AVOW_PROJECTION_H
#define AVOW_PROJECTION_H

#include "ledger/store.h"

/* Drop every projection snapshot (they are a derived cache): called when the
 * trust settings change, since snapshots bake them in. */
int projection_invalidate_all(store_w *w);

/* Tests only: keep a snapshot every n replayed entries (0 restores the
 * default, PROJECTION_SNAPSHOT_INTERVAL). */
#define PROJECTION_SNAPSHOT_INTERVAL 1024
void projection_test_snapshot_interval(size_t n);

/* Tests only: how many snapshots queries of this process have loaded. */
size_t projection_test_snapshot_loads(void);

/* Tests only: how many snapshots the ledger holds (all contests). */
int projection_test_snapshot_count(avow_ledger *ledger, size_t *out);

#endif
