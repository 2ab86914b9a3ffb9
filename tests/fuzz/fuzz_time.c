/* SPDX-License-Identifier: ISC */
/*
 * fuzz_time.c - fuzz target for the ISO 8601 parser (avow_time_parse, both
 * bounds) and formatter (avow_time_format), and for the uncertain dates of
 * format v2 (avow_at_parse, avow_at_format). Input: the text, up to its first
 * NUL ("now" is skipped: it reads the clock).
 *
 * Invariants asserted:
 *  1. Both bounds accept the same texts, with the same precision; a refusal
 *     is AVOW_EINVALID with a reason in avow_error_last().
 *  2. Results lie in [AVOW_TIME_MIN, AVOW_TIME_MAX]; end - start + 1 is the
 *     length of the period the precision names (1 us, 1 s, 1 min, 1 day, the
 *     month's or the year's days).
 *  3. Round trip: the start, formatted at its precision, parses (start bound)
 *     to the same instant and the same precision (MICRO may come back as
 *     SECOND when the fraction is zero: the formatter omits it); the end,
 *     formatted at its precision, names the same period as the start.
 *  4. Accepted text is short: at most "YYYY-MM-DDTHH:MM:SS.ffffff+HH:MM".
 *  5. avow_at_parse() refuses with AVOW_EINVALID and a reason, or gives a
 *     date the event format holds: qualifier 0..3, times in range at a known
 *     precision, effective_at the first µs of its period (exact,
 *     approximate) or the last (by, between), from (between only) the first
 *     µs of its own period and before the start of the last one; a stance
 *     draft with that date encodes (codec and parser agree).
 *  6. avow_at_format() of it parses back to the same date (a microsecond
 *     precision may come back as second when the fraction is zero).
 */
#include <string.h>

#include "event/codec.h"
#include "util/common.h"
#include "fuzz.h"

#define USEC_PER_DAY (INT64_C(86400) * 1000000)

static int64_t
period(int64_t start, avow_precision prec)
{
    char text[AVOW_TIME_STRLEN];
    int64_t next = 0;
    switch (prec) {
    case AVOW_PREC_MICRO:
        return 1;
    case AVOW_PREC_SECOND:
        return INT64_C(1000000);
    case AVOW_PREC_MINUTE:
        return INT64_C(60000000);
    case AVOW_PREC_DAY:
        return USEC_PER_DAY;
    case AVOW_PREC_MONTH:
    case AVOW_PREC_YEAR:
        /* The next period starts one period later: 28..31 or 365/366 days. */
        avow_time_format(text, start, prec);
        FUZZ_ASSERT(avow_time_parse(&next, NULL, text, AVOW_TIME_END) == 0);
        return next + 1 - start;
    }
    FUZZ_ASSERT(!"unknown precision");
    return 0;
}

/* Invariants 5 and 6 on text. */
static void
check_at(const char *text)
{
    avow_at at, back;
    avow_buf msg = AVOW_BUF_INIT;
    static const unsigned char zero[AVOW_HASH_BYTES];
    char out[AVOW_AT_STRLEN];
    int rc = avow_at_parse(&at, text);
    if (rc != 0) {
        FUZZ_ASSERT(rc == AVOW_EINVALID && avow_error_last()[0] != '\0');
        return;
    }
    avow_precision prec = (avow_precision)at.precision;
    FUZZ_ASSERT(at.qualifier <= AVOW_AT_BETWEEN);
    FUZZ_ASSERT(prec >= AVOW_PREC_YEAR && prec <= AVOW_PREC_MICRO);
    FUZZ_ASSERT(at.at >= AVOW_TIME_MIN && at.at <= AVOW_TIME_MAX);
    int late = at.qualifier == AVOW_AT_BY || at.qualifier == AVOW_AT_BETWEEN;
    FUZZ_ASSERT(at.at == (late ? time_last(at.at, prec) : time_floor(at.at, prec)));
    if (at.qualifier == AVOW_AT_BETWEEN) {
        avow_precision fp = (avow_precision)at.from_precision;
        FUZZ_ASSERT(fp >= AVOW_PREC_YEAR && fp <= AVOW_PREC_MICRO);
        FUZZ_ASSERT(at.from >= AVOW_TIME_MIN && at.from == time_floor(at.from, fp));
        FUZZ_ASSERT(at.from < time_floor(at.at, prec));
    } else {
        FUZZ_ASSERT(at.from == 0 && at.from_precision == 0);
    }
    avow_draft d = AVOW_DRAFT_INIT;
    d.kind = AVOW_KIND_STANCE;
    d.contest = "c";
    d.actor = "a";
    d.candidate = "b";
    d.stance = AVOW_STANCE_SUPPORTS;
    d.source = "s";
    d.effective_at = at.at;
    d.precision = at.precision;
    d.qualifier = at.qualifier;
    d.from = at.from;
    d.from_precision = at.from_precision;
    if (codec_encode_message(&msg, &d, zero, 1, zero, 0) != 0) {
        fprintf(stderr, "'%s' parses but does not encode: %s\n", text, avow_error_last());
        FUZZ_ASSERT(!"a parsed date encodes");
    }
    avow_buf_dispose(&msg);

    avow_at_format(out, &at);
    if (avow_at_parse(&back, out) != 0) {
        fprintf(stderr, "'%s' formats as '%s', which does not parse: %s\n", text, out,
                avow_error_last());
        FUZZ_ASSERT(!"formatted date parses");
    }
    FUZZ_ASSERT(back.qualifier == at.qualifier && back.at == at.at && back.from == at.from);
    FUZZ_ASSERT(back.precision == at.precision ||
                (prec == AVOW_PREC_MICRO && back.precision == AVOW_PREC_SECOND));
    FUZZ_ASSERT(back.from_precision == at.from_precision ||
                (at.from_precision == AVOW_PREC_MICRO && back.from_precision == AVOW_PREC_SECOND));
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *text = fuzz_copy(data, size, 1);
    int64_t start = 0, end = 0, again = 0;
    avow_precision ps = 0, pe = 0, pa = 0;
    char out[AVOW_TIME_STRLEN], out_end[AVOW_TIME_STRLEN];

    if (strcmp(text, "now") == 0) {
        goto done;
    }
    check_at(text);
    int rs = avow_time_parse(&start, &ps, text, AVOW_TIME_START);
    int re = avow_time_parse(&end, &pe, text, AVOW_TIME_END);

    /* Invariant 1. */
    FUZZ_ASSERT(rs == re);
    if (rs != 0) {
        FUZZ_ASSERT(rs == AVOW_EINVALID);
        FUZZ_ASSERT(avow_error_last()[0] != '\0');
        goto done;
    }
    FUZZ_ASSERT(ps == pe);
    FUZZ_ASSERT(ps >= AVOW_PREC_YEAR && ps <= AVOW_PREC_MICRO);
    /* Invariant 4. */
    FUZZ_ASSERT(strlen(text) <= strlen("YYYY-MM-DDTHH:MM:SS.ffffff+HH:MM"));

    /* Invariant 2. */
    FUZZ_ASSERT(start >= AVOW_TIME_MIN && start <= AVOW_TIME_MAX);
    FUZZ_ASSERT(end >= AVOW_TIME_MIN && end <= AVOW_TIME_MAX);
    FUZZ_ASSERT(start <= end);
    if (ps == AVOW_PREC_MONTH) {
        int64_t len = end - start + 1;
        FUZZ_ASSERT(len >= 28 * USEC_PER_DAY && len <= 31 * USEC_PER_DAY);
        FUZZ_ASSERT(len % USEC_PER_DAY == 0);
    } else if (ps == AVOW_PREC_YEAR) {
        int64_t len = end - start + 1;
        FUZZ_ASSERT(len == 365 * USEC_PER_DAY || len == 366 * USEC_PER_DAY);
    } else {
        FUZZ_ASSERT(end - start + 1 == period(start, ps));
    }

    /* Invariant 3. */
    avow_time_format(out, start, ps);
    FUZZ_ASSERT(out[0] != '\0' && strlen(out) < AVOW_TIME_STRLEN);
    if (avow_time_parse(&again, &pa, out, AVOW_TIME_START) != 0) {
        fprintf(stderr, "'%s' formats as '%s', which does not parse: %s\n", text, out,
                avow_error_last());
        FUZZ_ASSERT(!"formatted time parses");
    }
    FUZZ_ASSERT(again == start);
    FUZZ_ASSERT(pa == ps ||
                (ps == AVOW_PREC_MICRO && pa == AVOW_PREC_SECOND && start % 1000000 == 0));
    if (pa == ps) {
        FUZZ_ASSERT(avow_time_parse(&again, NULL, out, AVOW_TIME_END) == 0);
        FUZZ_ASSERT(again == end);
    }
    avow_time_format(out_end, end, ps);
    if (ps != AVOW_PREC_MICRO && ps != AVOW_PREC_SECOND) {
        FUZZ_ASSERT(strcmp(out, out_end) == 0);
    }
    /* Formatting is UTC: the text ends in Z exactly when it carries a time of day. */
    FUZZ_ASSERT((ps >= AVOW_PREC_MINUTE) == (out[strlen(out) - 1] == 'Z'));

done:
    free(text);
    return 0;
}
