/* SPDX-License-Identifier: ISC */
/*
 * rule.c - the decision-rule grammar (docs/FORMAT.md): "unanimity",
 * "majority", "P/Q" with 1 <= P <= Q, or "N" with N >= 1, numbers decimal
 * without sign or leading zero and at most RULE_MAX_COUNT.
 *
 * Invariants (tests/unit/test_codec.c, tests/fuzz/fuzz_rule.c):
 *  1. One parser decides validity for the codec (avow_rule_check(), the
 *     strict decoder) and gives the projections the parsed rule, so what is
 *     stored and what is evaluated cannot disagree.
 *  2. rule_needed() is ceil(P * members / Q) for a fraction, members / 2 + 1
 *     for a majority, members for unanimity and N for a count; no overflow
 *     (P <= RULE_MAX_COUNT, members < 2^32).
 */
#include <string.h>

#include "event/rule.h"

/* A decimal number without sign or leading zero, at most max. */
static int
rule_count(const char *s, size_t len, unsigned long max, unsigned long *out)
{
    if (len == 0 || len > 9 || s[0] == '0') {
        return -1;
    }
    unsigned long v = 0;
    for (size_t i = 0; i < len; i++) {
        if (s[i] < '0' || s[i] > '9') {
            return -1;
        }
        v = v * 10 + (unsigned long)(s[i] - '0');
    }
    if (v > max) {
        return -1;
    }
    *out = v;
    return 0;
}

int
rule_parse(rule *out, const char *text, size_t len)
{
    memset(out, 0, sizeof(*out));
    if (text == NULL) {
        return -1;
    }
    if (len == 9 && memcmp(text, "unanimity", 9) == 0) {
        out->kind = RULE_UNANIMITY;
        return 0;
    }
    if (len == 8 && memcmp(text, "majority", 8) == 0) {
        out->kind = RULE_MAJORITY;
        return 0;
    }
    const char *slash = memchr(text, '/', len);
    if (slash != NULL) {
        size_t plen = (size_t)(slash - text);
        if (rule_count(text, plen, RULE_MAX_COUNT, &out->p) == 0 &&
            rule_count(slash + 1, len - plen - 1, RULE_MAX_COUNT, &out->q) == 0 &&
            out->p <= out->q) {
            out->kind = RULE_FRACTION;
            return 0;
        }
    } else if (rule_count(text, len, RULE_MAX_COUNT, &out->p) == 0) {
        out->kind = RULE_COUNT;
        return 0;
    }
    memset(out, 0, sizeof(*out));
    return -1;
}

size_t
rule_needed(const rule *r, size_t members)
{
    unsigned long long n = members;
    switch (r->kind) {
    case RULE_UNANIMITY:
        return members;
    case RULE_MAJORITY:
        return members / 2 + 1;
    case RULE_FRACTION:
        return (size_t)((r->p * n + r->q - 1) / r->q);
    case RULE_COUNT:
        return (size_t)r->p;
    }
    return 0;
}
