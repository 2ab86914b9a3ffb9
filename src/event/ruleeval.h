/* SPDX-License-Identifier: ISC */
/*
 * ruleeval.h - evaluating a parsed rule expression (src/event/ruleexpr.h) on
 * an electorate: whether it is met, each measure's share, who is pivotal, and
 * why in words and numbers (src/event/ruleeval.c).
 */
#ifndef AVOW_RULEEVAL_H
#define AVOW_RULEEVAL_H

#include "event/ruleexpr.h"

/* A named weight: w[i] is member i's figure (0 when not given). */
typedef struct ruleeval_weight {
    const char *name;
    const unsigned long long *w;
} ruleeval_weight;

/* A named group: in[i] is 1 when member i belongs. */
typedef struct ruleeval_group {
    const char *name;
    const uint8_t *in;
} ruleeval_group;

/* The electorate a rule is evaluated on (everything borrowed). */
typedef struct ruleeval_ctx {
    size_t n;                 /* members */
    const uint8_t *stance;    /* per member: avow_stance (undecided and none are alike) */
    const char *const *actor; /* per member: its name, for explain (may be NULL) */
    size_t nweights, ngroups;
    const ruleeval_weight *weights;
    const ruleeval_group *groups;
} ruleeval_ctx;

/* Whether the rule is met. @return 1, 0, or AVOW_EINVALID (a weight or group
 * the rule names is not given, or a total above RULEEXPR_MAX_TOTAL) */
int ruleeval_met(const ruleexpr *e, const ruleeval_ctx *c);

/* The supporters' share of a measure (NULL: members), in [0, 1]; 0 over an
 * empty total. @return 0 or AVOW_EINVALID (no such weight, total too large) */
int ruleeval_share(const ruleeval_ctx *c, const char *weight, double *out);

/*
 * Mark in pivotal[0..n) the members a single change of whose stance (to any
 * of supports, opposes, abstains, none) would flip whether the rule is met.
 * Exact: every alternative is evaluated. @return how many, or AVOW_EINVALID
 */
int ruleeval_pivotal(const ruleexpr *e, const ruleeval_ctx *c, uint8_t *pivotal);

/*
 * Say why the rule is or is not met, one line per term ("members for: 19 of
 * 27 (70.37 %), needs >= 55 %: met"), NUL-terminated in buf.
 * @return 0, AVOW_EINVALID as ruleeval_met(), AVOW_ERANGE when cap is too small
 */
int ruleeval_explain(const ruleexpr *e, const ruleeval_ctx *c, char *buf, size_t cap);

#endif /* AVOW_RULEEVAL_H */
