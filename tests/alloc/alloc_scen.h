/* SPDX-License-Identifier: ISC */
/* alloc_scen.h - the scenarios of the allocation-failure run (alloc_scen.c). */
#ifndef AVOW_ALLOC_SCEN_H
#define AVOW_ALLOC_SCEN_H

#include <stddef.h>

#include "avow.h"

/* A scenario's result is wrong although no call failed. */
#define ALLOC_EWRONG (-100)
/* Blocks are left once a run's objects are freed. */
#define ALLOC_LEAK (-101)

#define ALLOC_NEED_A 0x1u /* ledger a, open, with a contest of 13 events */
#define ALLOC_NEED_B 0x2u /* ledger b, open, empty */

#define ALLOC_EVENTS 13

struct alloc_ctx {
    char *dir;
    char path_a[4200], path_b[4200], file[4200];
    avow_ledger *a, *b;
    avow_key *key;
    unsigned char ids[ALLOC_EVENTS][AVOW_EVENT_ID_BYTES];
    unsigned char *raw[ALLOC_EVENTS];
    size_t raw_len[ALLOC_EVENTS];
};

struct alloc_scenario {
    const char *name;
    unsigned int need;
    int (*run)(struct alloc_ctx *ctx);
};

extern const struct alloc_scenario alloc_scenarios[];

/* Set up what sc needs, with no failure injected. 0 or an error. */
int alloc_ctx_prepare(struct alloc_ctx *ctx, const struct alloc_scenario *sc);
/* Free and remove everything of ctx. */
void alloc_ctx_release(struct alloc_ctx *ctx);

#endif
