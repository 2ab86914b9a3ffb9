/* SPDX-License-Identifier: ISC */
/*
 * rule.h - a contest's decision rule, parsed once into a struct
 * (src/event/rule.c): checked by the codec, evaluated by the projections.
 */
#ifndef AVOW_RULE_H
#define AVOW_RULE_H

#include <stddef.h>

#include "util/limits.h"

enum rule_kind {
    RULE_UNANIMITY = 1, /* "unanimity": every member */
    RULE_MAJORITY,      /* "majority": more than half */
    RULE_FRACTION,      /* "P/Q", 1 <= P <= Q: at least P/Q of the members */
    RULE_COUNT,         /* "N", N >= 1: at least N members */
};

typedef struct rule {
    enum rule_kind kind;
    unsigned long p, q; /* FRACTION: P and Q; COUNT: p = N */
} rule;

/* Parse the len bytes of text strictly (no sign, no leading zero, bounded).
 * @return 0, or -1 when text is not a rule (no error detail is set). */
int rule_parse(rule *out, const char *text, size_t len);
/* How many supporting members meet the rule in an electorate of members. */
size_t rule_needed(const rule *r, size_t members);

#endif /* AVOW_RULE_H */
