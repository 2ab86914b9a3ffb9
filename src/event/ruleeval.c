/* SPDX-License-Identifier: ISC */
/*
 * ruleeval.c - evaluation of rule expressions (src/event/ruleexpr.c) on an
 * electorate of members with stances, named weights and named groups.
 *
 * Invariants (tests/unit/test_ruleexpr.c):
 *  1. Exact: shares are compared as S * den against num * B in integers
 *     (S and B at most RULEEXPR_MAX_TOTAL, num and den at most
 *     RULEEXPR_MAX_SCALE, so no product overflows); a share of an empty
 *     total is 0.
 *  2. Undecided and no stance are the same to every set: neither for,
 *     against, abstaining, voting nor present.
 *  3. ruleeval_pivotal() is exact: it evaluates every member's every other
 *     stance, and equals the brute force of the property test.
 *  4. A rule naming a weight or group the context lacks is AVOW_EINVALID,
 *     never "not met".
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "event/ruleeval.h"
#include "util/common.h"

/* No member overridden. */
#define RE_NONE ((size_t)-1)

typedef struct re_view {
    const ruleeval_ctx *c;
    size_t who; /* a member whose stance is taken as `as` (RE_NONE: none) */
    uint8_t as;
} re_view;

static uint8_t
re_stance(const re_view *v, size_t i)
{
    return i == v->who ? v->as : v->c->stance[i];
}

static int
re_in_set(uint8_t set, uint8_t s)
{
    switch (set) {
    case RX_FOR:
        return s == AVOW_STANCE_SUPPORTS;
    case RX_AGAINST:
        return s == AVOW_STANCE_OPPOSES;
    case RX_ABSTAINING:
        return s == AVOW_STANCE_ABSTAINS;
    case RX_VOTING:
        return s == AVOW_STANCE_SUPPORTS || s == AVOW_STANCE_OPPOSES;
    case RX_PRESENT:
        return s == AVOW_STANCE_SUPPORTS || s == AVOW_STANCE_OPPOSES || s == AVOW_STANCE_ABSTAINS;
    case RX_NOTFOR:
        return s != AVOW_STANCE_SUPPORTS;
    default:
        return 1;
    }
}

static const unsigned long long *
re_weight(const ruleeval_ctx *c, const char *name)
{
    for (size_t i = 0; i < c->nweights; i++) {
        if (strcmp(c->weights[i].name, name) == 0) {
            return c->weights[i].w;
        }
    }
    return NULL;
}

static const uint8_t *
re_group(const ruleeval_ctx *c, const char *name)
{
    for (size_t i = 0; i < c->ngroups; i++) {
        if (strcmp(c->groups[i].name, name) == 0) {
            return c->groups[i].in;
        }
    }
    return NULL;
}

/* The total of measure w (NULL: members) over set. @return 0 or AVOW_EINVALID */
static int
re_sum(const re_view *v, const unsigned long long *w, uint8_t set, unsigned long long *out)
{
    unsigned long long t = 0;
    for (size_t i = 0; i < v->c->n; i++) {
        if (re_in_set(set, re_stance(v, i))) {
            unsigned long long x = w != NULL ? w[i] : 1;
            if (x > RULEEXPR_MAX_TOTAL || t + x > RULEEXPR_MAX_TOTAL) {
                return AVOW_EINVALID;
            }
            t += x;
        }
    }
    *out = t;
    return 0;
}

static int
re_compare(uint8_t cmp, unsigned long long a, unsigned long long b)
{
    switch (cmp) {
    case RX_GE:
        return a >= b;
    case RX_GT:
        return a > b;
    case RX_LE:
        return a <= b;
    case RX_LT:
        return a < b;
    default:
        return a == b;
    }
}

/* A comparison: its sums in *s and *b (b: the base of a share). */
static int
re_cmp(const ruleexpr *e, const ruleexpr_node *n, const re_view *v, unsigned long long *s,
       unsigned long long *b)
{
    const unsigned long long *w = NULL;
    int rc;
    if (n->name != 0 && (w = re_weight(v->c, e->names[n->name - 1])) == NULL) {
        return AVOW_EINVALID;
    }
    if ((rc = re_sum(v, w, n->set, s)) < 0) {
        return rc;
    }
    *b = 0;
    if (!n->is_share) {
        return re_compare(n->cmp, *s, n->num);
    }
    if ((rc = re_sum(v, w, n->base, b)) < 0) {
        return rc;
    }
    if (*b == 0) {
        return re_compare(n->cmp, 0, n->num);
    }
    return re_compare(n->cmp, *s * n->den, n->num * *b);
}

/* The first member of group g opposing, or RE_NONE. */
static int
re_veto(const ruleexpr *e, const ruleexpr_node *n, const re_view *v, size_t *who)
{
    const uint8_t *in = re_group(v->c, e->names[n->name - 1]);
    if (in == NULL) {
        return AVOW_EINVALID;
    }
    *who = RE_NONE;
    for (size_t i = 0; i < v->c->n; i++) {
        if (in[i] && re_stance(v, i) == AVOW_STANCE_OPPOSES) {
            *who = i;
            return 0;
        }
    }
    return 1;
}

static int
re_eval(const ruleexpr *e, uint8_t id, const re_view *v)
{
    const ruleexpr_node *n = &e->nodes[id];
    unsigned long long s, b;
    size_t who;
    int l;
    switch (n->op) {
    case RX_CMP:
        return re_cmp(e, n, v, &s, &b);
    case RX_VETO:
        return re_veto(e, n, v, &who);
    case RX_NOT:
        l = re_eval(e, n->lhs, v);
        return l < 0 ? l : !l;
    case RX_AND:
    case RX_OR: {
        /* Both sides always: an unknown name is an error whatever the other says. */
        l = re_eval(e, n->lhs, v);
        int r = l < 0 ? l : re_eval(e, n->rhs, v);
        if (r < 0) {
            return r;
        }
        return n->op == RX_AND ? (l && r) : (l || r);
    }
    default:
        return AVOW_EINVALID;
    }
}

int
ruleeval_met(const ruleexpr *e, const ruleeval_ctx *c)
{
    re_view v = { c, RE_NONE, 0 };
    if (e->nnodes == 0) {
        return AVOW_EINVALID;
    }
    return re_eval(e, e->root, &v);
}

int
ruleeval_share(const ruleeval_ctx *c, const char *weight, double *out)
{
    re_view v = { c, RE_NONE, 0 };
    const unsigned long long *w = NULL;
    unsigned long long s, t;
    int rc;
    if (weight != NULL && (w = re_weight(c, weight)) == NULL) {
        return AVOW_EINVALID;
    }
    if ((rc = re_sum(&v, w, RX_FOR, &s)) < 0 || (rc = re_sum(&v, w, RX_ALL, &t)) < 0) {
        return rc;
    }
    *out = t == 0 ? 0.0 : (double)s / (double)t;
    return 0;
}

int
ruleeval_pivotal(const ruleexpr *e, const ruleeval_ctx *c, uint8_t *pivotal)
{
    static const uint8_t alternatives[] = { AVOW_STANCE_SUPPORTS, AVOW_STANCE_OPPOSES,
                                            AVOW_STANCE_ABSTAINS, AVOW_STANCE_NONE };
    int met = ruleeval_met(e, c), count = 0;
    if (met < 0) {
        return met;
    }
    for (size_t i = 0; i < c->n; i++) {
        pivotal[i] = 0;
        for (size_t k = 0; k < sizeof(alternatives) && !pivotal[i]; k++) {
            re_view v = { c, i, alternatives[k] };
            int r = re_eval(e, e->root, &v);
            if (r < 0) {
                return r;
            }
            pivotal[i] = (uint8_t)(r != met);
        }
        count += pivotal[i];
    }
    return count;
}

/* ---- explain ------------------------------------------------------------- */

typedef struct re_out {
    char *buf;
    size_t cap, len;
    int full;
} re_out;

static void re_say(re_out *o, const char *fmt, ...) AVOW_PRINTF(2, 3);

static void
re_say(re_out *o, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    /* NOLINTNEXTLINE(clang-analyzer-valist.Uninitialized): va_start is above */
    int n = vsnprintf(o->buf + o->len, o->cap - o->len, fmt, ap);
    va_end(ap);
    if (n < 0 || (size_t)n >= o->cap - o->len) {
        o->full = 1;
        o->buf[o->len] = '\0';
        return;
    }
    o->len += (size_t)n;
}

static const char *const re_set_words[] = { "",       "for",     "against", "abstaining",
                                            "voting", "present", "not for", "all" };
static const char *const re_cmp_words[] = { "", ">=", ">", "<=", "<", "=" };

static void
re_explain_cmp(re_out *o, const ruleexpr *e, const ruleexpr_node *n, const re_view *v, int r,
               unsigned long long s, unsigned long long b)
{
    const char *m = n->name == 0 ? "members" : e->names[n->name - 1];
    re_say(o, "%s %s: %llu", m, re_set_words[n->set], s);
    if (!n->is_share) {
        re_say(o, ", needs %s %llu: %s", re_cmp_words[n->cmp], n->num, r ? "met" : "not met");
        if (!r && (n->cmp == RX_GE || n->cmp == RX_GT)) {
            unsigned long long need = n->num + (n->cmp == RX_GT);
            re_say(o, " (%llu short)", need - s);
        }
        re_say(o, "\n");
        return;
    }
    double pct = b == 0 ? 0.0 : 100.0 * (double)s / (double)b;
    double want = 100.0 * (double)n->num / (double)n->den;
    re_say(o, " of %llu %s (%.2f %%), needs %s %.4g %%: %s", b, re_set_words[n->base], pct,
           re_cmp_words[n->cmp], want, r ? "met" : "not met");
    if (!r && (n->cmp == RX_GE || n->cmp == RX_GT)) {
        re_say(o, " (%.2f points short)", want - pct);
    }
    re_say(o, "\n");
    (void)v;
}

static int
re_explain(re_out *o, const ruleexpr *e, uint8_t id, const re_view *v)
{
    const ruleexpr_node *n = &e->nodes[id];
    unsigned long long s, b;
    size_t who;
    int r;
    if (n->op == RX_AND || n->op == RX_OR) {
        int l = re_explain(o, e, n->lhs, v);
        r = l < 0 ? l : re_explain(o, e, n->rhs, v);
        return r < 0 ? r : n->op == RX_AND ? (l && r) : (l || r);
    }
    if (n->op == RX_NOT) {
        r = re_explain(o, e, n->lhs, v);
        if (r >= 0) {
            re_say(o, "not the line above: %s\n", !r ? "met" : "not met");
        }
        return r < 0 ? r : !r;
    }
    if (n->op == RX_VETO) {
        if ((r = re_veto(e, n, v, &who)) < 0) {
            return r;
        }
        if (r) {
            re_say(o, "no member of %s opposes: met\n", e->names[n->name - 1]);
        } else {
            re_say(o, "no member of %s opposes: not met (%s opposes)\n", e->names[n->name - 1],
                   v->c->actor != NULL ? v->c->actor[who] : "a member");
        }
        return r;
    }
    if ((r = re_cmp(e, n, v, &s, &b)) < 0) {
        return r;
    }
    re_explain_cmp(o, e, n, v, r, s, b);
    return r;
}

int
ruleeval_explain(const ruleexpr *e, const ruleeval_ctx *c, char *buf, size_t cap)
{
    re_view v = { c, RE_NONE, 0 };
    re_out o = { buf, cap, 0, 0 };
    if (cap == 0) {
        return AVOW_ERANGE;
    }
    buf[0] = '\0';
    int r = e->nnodes == 0 ? AVOW_EINVALID : re_explain(&o, e, e->root, &v);
    if (r < 0) {
        return r;
    }
    re_say(&o, "rule %s: %s\n", r ? "met" : "not met", e->text);
    return o.full ? AVOW_ERANGE : 0;
}
