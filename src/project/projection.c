/* SPDX-License-Identifier: ISC */
/*
 * projection.c - projection_invalidate_all(), kept for callers that still
 * invalidate the snapshot cache by a call (src/replicate/sync.c), and the
 * test seams of the cache. The projections themselves are fold.c, scan.c,
 * state.c, history.c and explain.c; their cache is src/derived/snapshots.c.
 *
 * Invariants:
 *  1. Invalidating is bumping the ledger's generation: snapshots of another
 *     generation are stale (src/derived/snapshots.c, invariant 2), so this
 *     module writes nothing of its own.
 *  2. The test seams exist in the test build only (AVOW_TEST); their state
 *     is atomic, since tests may query from several threads.
 */
#include "project/projection.h"

#ifdef AVOW_TEST
#include <stdatomic.h>

#include "derived/snapshots.h"
#endif

int
projection_invalidate_all(store_w *w)
{
    return store_w_bump_generation(w);
}

#ifdef AVOW_TEST
static atomic_size_t projection_interval = PROJECTION_SNAPSHOT_INTERVAL;
static atomic_size_t projection_loads;

void
projection_test_snapshot_interval(size_t n)
{
    atomic_store(&projection_interval, n == 0 ? PROJECTION_SNAPSHOT_INTERVAL : n);
}

size_t
projection_test_interval(void)
{
    return atomic_load_explicit(&projection_interval, memory_order_relaxed);
}

size_t
projection_test_snapshot_loads(void)
{
    return atomic_load(&projection_loads);
}

void
projection_test_loaded(void)
{
    atomic_fetch_add(&projection_loads, 1);
}

int
projection_test_snapshot_count(avow_ledger *ledger, size_t *out)
{
    return snapshots_count(out, ledger);
}
#endif
