/* SPDX-License-Identifier: ISC */
/*
 * filter.c - avow_event_match(): whether a decoded event passes an
 * avow_event_filter (`avow log --actor --candidate --kind --since --until
 * --grep`), a pure function of the event's own fields.
 *
 * Invariants (tests/unit/test_filter.c, tests/cli/test_logfilter.sh):
 *  1. Every condition given must hold; an absent one holds for every event.
 *  2. Dates compare effective_at, bounds included.
 *  3. --grep matches a substring of source, person, quote or note (format
 *     v2); ASCII letters match either case, other bytes
 *     exactly, so a UTF-8 needle matches the same UTF-8 bytes.
 */
#include <ctype.h>

#include "util/common.h"

/* Whether s has value text (exactly). */
static int
filter_str_is(avow_str s, const char *text)
{
    size_t n = strlen(text);

    return s.ptr != NULL && s.len == n && memcmp(s.ptr, text, n) == 0;
}

/* Invariant 3: needle (n bytes, n >= 1) occurs in s. */
static int
filter_str_has(avow_str s, const char *needle, size_t n)
{
    if (s.ptr == NULL || s.len < n) {
        return 0;
    }
    for (size_t i = 0; i + n <= s.len; i++) {
        size_t j = 0;
        while (j < n && tolower((unsigned char)s.ptr[i + j]) == tolower((unsigned char)needle[j])) {
            j++;
        }
        if (j == n) {
            return 1;
        }
    }
    return 0;
}

int
avow_event_match(const avow_event *ev, const avow_event_filter *f)
{
    if (f == NULL) {
        return 1;
    }
    if (f->kind != 0 && ev->kind != f->kind) {
        return 0;
    }
    if (ev->effective_at < f->since || ev->effective_at > f->until) {
        return 0;
    }
    if (f->actor != NULL && !filter_str_is(ev->actor, f->actor)) {
        return 0;
    }
    if (f->candidate != NULL && !filter_str_is(ev->candidate, f->candidate)) {
        return 0;
    }
    if (f->grep != NULL && f->grep[0] != '\0') {
        size_t n = strlen(f->grep);
        return filter_str_has(ev->source, f->grep, n) || filter_str_has(ev->person, f->grep, n) ||
               filter_str_has(ev->quote, f->grep, n) || filter_str_has(ev->note, f->grep, n);
    }
    return 1;
}
