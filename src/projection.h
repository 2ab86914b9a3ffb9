/* SPDX-License-Identifier: ISC */
/* projection.h - internals of src/projection.c shared with other modules. */
#ifndef AVOW_PROJECTION_H
#define AVOW_PROJECTION_H

#include "store.h"

/* Drop every projection snapshot (they are a derived cache): called when the
 * trust settings change, since snapshots bake them in. */
int projection_invalidate_all(store_w *w);

#endif
