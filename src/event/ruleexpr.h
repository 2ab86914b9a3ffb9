/* SPDX-License-Identifier: ISC */
/*
 * ruleexpr.h - the rule expression language (src/event/ruleexpr.c parses it,
 * src/event/ruleeval.c evaluates it): decision rules of real bodies, with
 * shares of members or of a named weight, thresholds as counts, fractions or
 * percentages, and, or, not, and group vetoes (docs/PROJECTIONS.md, "Rule
 * expressions").
 */
#ifndef AVOW_RULEEXPR_H
#define AVOW_RULEEXPR_H

#include <stddef.h>
#include <stdint.h>

#include "util/limits.h"

/* Which members a comparison sums over. */
enum ruleexpr_set {
    RX_FOR = 1,    /* supports */
    RX_AGAINST,    /* opposes */
    RX_ABSTAINING, /* abstains */
    RX_VOTING,     /* supports or opposes: "present and voting" */
    RX_PRESENT,    /* supports, opposes or abstains */
    RX_NOTFOR,     /* every member that does not support (EU: an abstention is not for) */
    RX_ALL         /* every member */
};

enum ruleexpr_cmp { RX_GE = 1, RX_GT, RX_LE, RX_LT, RX_EQ };

enum ruleexpr_op {
    RX_CMP = 1, /* measure.set CMP threshold */
    RX_VETO,    /* no member of a group opposes */
    RX_AND,
    RX_OR,
    RX_NOT
};

typedef struct ruleexpr_node {
    uint8_t op;
    uint8_t set, base, cmp; /* RX_CMP; base: the set a share is of (RX_ALL default) */
    uint8_t is_share;       /* threshold is a share num/den of base; else a total num */
    uint8_t name;           /* RX_CMP: measure (0: members, k: names[k-1]); RX_VETO: group */
    uint8_t lhs, rhs;       /* RX_AND, RX_OR: operands; RX_NOT: lhs */
    unsigned long long num, den;
    size_t pos; /* where the node starts in the text (explain, errors) */
} ruleexpr_node;

typedef struct ruleexpr {
    ruleexpr_node nodes[RULEEXPR_MAX_NODES];
    size_t nnodes;
    uint8_t root;
    size_t nnames;
    char names[RULEEXPR_MAX_NODES][RULEEXPR_MAX_NAME + 1]; /* weights and groups named */
    char text[RULEEXPR_MAX_LEN + 1];                       /* the expression (built-ins expanded) */
} ruleexpr;

/* Why a text is not a rule: where (byte offset) and what was expected. */
typedef struct ruleexpr_error {
    size_t pos;
    char msg[120];
} ruleexpr_error;

/*
 * Parse a rule: a built-in name (unanimity, majority, P/Q, N, eu-qmv,
 * eu-qmv-reinforced, unsc, two-thirds-present) or an expression. Total: any
 * bytes give 0 or -1, in bounded time and without allocating.
 * @return 0, or -1 with err filled (err may be NULL)
 */
int ruleexpr_parse(ruleexpr *out, const char *text, size_t len, ruleexpr_error *err);

/* The expression a built-in rule stands for, or NULL when name is none. */
const char *ruleexpr_builtin(const char *name, size_t len);

/* 1 when the rule is one of today's (format v1) rules: unanimity, majority, P/Q, N. */
int ruleexpr_is_classic(const char *text, size_t len);

#endif /* AVOW_RULEEXPR_H */
