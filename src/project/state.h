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

#endif /* AVOW_STATE_H */
