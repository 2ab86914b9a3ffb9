/* SPDX-License-Identifier: ISC */
/*
 * projection.c - point-in-time projections (state, history, explain) and
 * their snapshot cache. See docs/PROJECTIONS.md.
 */
#include "projection.h"

int
projection_on_append(store_w *w, uint64_t index, const avow_event *ev,
                     const unsigned char id[AVOW_EVENT_ID_BYTES], const avow_str *contest)
{
    (void)w;
    (void)index;
    (void)ev;
    (void)id;
    (void)contest;
    return 0;
}

int
projection_invalidate_all(store_w *w)
{
    (void)w;
    return 0;
}
