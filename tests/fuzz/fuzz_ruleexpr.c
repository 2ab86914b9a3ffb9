/* SPDX-License-Identifier: ISC */
/*
 * fuzz_ruleexpr.c - fuzz target for the rule expression parser and
 * evaluator (src/event/ruleexpr.c, ruleeval.c). Input: the rule bytes.
 *
 * Invariants asserted:
 *  1. ruleexpr_parse() is total: 0 or -1; a refusal has a message and a
 *     position within the input (or at its end).
 *  2. An accepted rule parses again from its own text to the same nodes.
 *  3. An accepted rule evaluates on a small fixed electorate that gives
 *     every name it uses: met is 0 or 1, pivotal counts at most the members,
 *     and explain fits or says AVOW_ERANGE.
 */
#include <string.h>

#include "event/ruleeval.h"
#include "fuzz.h"

#define FZ_MEMBERS 7

static void
check_eval(const ruleexpr *x)
{
    static const uint8_t stance[FZ_MEMBERS] = { 1, 2, 4, 3, 0, 1, 1 };
    static const unsigned long long w[FZ_MEMBERS] = { 5, 0, 9, 1, 1000, 7, 3 };
    static const uint8_t in[FZ_MEMBERS] = { 1, 0, 1, 0, 0, 1, 0 };
    ruleeval_weight ws[RULEEXPR_MAX_NODES];
    ruleeval_group gs[RULEEXPR_MAX_NODES];
    for (size_t i = 0; i < x->nnames; i++) {
        ws[i].name = gs[i].name = x->names[i];
        ws[i].w = w;
        gs[i].in = in;
    }
    ruleeval_ctx c = { FZ_MEMBERS, stance, NULL, x->nnames, x->nnames, ws, gs };
    int met = ruleeval_met(x, &c);
    FUZZ_ASSERT(met == 0 || met == 1);
    uint8_t piv[FZ_MEMBERS];
    int n = ruleeval_pivotal(x, &c, piv);
    FUZZ_ASSERT(n >= 0 && n <= FZ_MEMBERS);
    char buf[4096];
    int rc = ruleeval_explain(x, &c, buf, sizeof(buf));
    FUZZ_ASSERT(rc == 0 || rc == AVOW_ERANGE);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    ruleexpr *x = malloc(sizeof(*x)), *y = malloc(sizeof(*y));
    ruleexpr_error err;
    FUZZ_ASSERT(x != NULL && y != NULL);
    int rc = ruleexpr_parse(x, (const char *)data, size, &err);
    FUZZ_ASSERT(rc == 0 || rc == -1);
    if (rc < 0) {
        /* Invariant 1. */
        FUZZ_ASSERT(err.msg[0] != '\0');
        FUZZ_ASSERT(err.pos <= (size > RULEEXPR_MAX_LEN ? RULEEXPR_MAX_LEN : size));
    } else {
        /* Invariant 2. */
        FUZZ_ASSERT(ruleexpr_parse(y, x->text, strlen(x->text), NULL) == 0);
        FUZZ_ASSERT(y->nnodes == x->nnodes && y->root == x->root);
        FUZZ_ASSERT(memcmp(y->nodes, x->nodes, x->nnodes * sizeof(x->nodes[0])) == 0);
        check_eval(x);
    }
    free(x);
    free(y);
    return 0;
}
