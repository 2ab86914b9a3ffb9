/* SPDX-License-Identifier: ISC */
/* projection.h - internals of src/project/projection.c shared with other modules and tests. */
#ifndef AVOW_PROJECTION_H
#define AVOW_PROJECTION_H

#include "ledger/store.h"
#include "ledger/table.h"

/* Projection snapshots and the retraction index, kept in the append transaction. */
extern const store_table projection_table;

/* The store hook (table.h): drop the snapshots an appended event makes stale. */
int projection_on_append(store_w *w, uint64_t index, const avow_event *ev,
                         const unsigned char id[AVOW_EVENT_ID_BYTES], const avow_str *contest);

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
