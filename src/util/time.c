/* SPDX-License-Identifier: ISC */
/*
 * time.c - ISO 8601 times: strict parsing, UTC formatting, the clock.
 *
 * Times are int64_t microseconds since 1970-01-01T00:00:00Z (proleptic
 * Gregorian calendar, no leap seconds). Calendar arithmetic is done by hand
 * (days-from-civil, after Howard Hinnant's algorithms) so that nothing
 * depends on the process time zone, the locale or the range of time_t.
 *
 * Invariants:
 *  1. avow_time_parse() accepts exactly the forms
 *       YYYY | YYYY-MM | YYYY-MM-DD |
 *       YYYY-MM-DDTHH:MM[:SS[.f{1,6}]]ZONE    ZONE = Z | +HH:MM | -HH:MM
 *     and "now"; every digit count is fixed, 'T' and 'Z' are uppercase, and
 *     nothing may follow. A time of day without a zone is refused.
 *  2. Every parsed field is range-checked (month, day per month with leap
 *     years, hour < 24, minute < 60, second < 60, offset <= 18:00) and the
 *     result lies in [AVOW_TIME_MIN, AVOW_TIME_MAX].
 *  3. AVOW_TIME_START yields the first microsecond of the period the text
 *     names, AVOW_TIME_END the last one: the year, month, day, minute or
 *     second (so "2024-04-03T14:05:00Z" ends at 14:05:00.999999Z); a time
 *     with a fraction names one microsecond and both bounds are equal.
 *  4. Division by a period rounds toward negative infinity, so times before
 *     1970 format like any other.
 *  5. avow_time_format() never writes more than AVOW_TIME_STRLEN bytes and
 *     always NUL-terminates.
 *  6. The clock is CLOCK_REALTIME, shifted by $AVOW_TEST_CLOCK_OFFSET seconds
 *     (a signed decimal) when that is set: a test-only seam, so that tools/soak
 *     can run a replica whose clock is set back. Anything else in it is ignored.
 */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "util/common.h"

#define USEC_PER_SEC  INT64_C(1000000)
#define USEC_PER_MIN  (60 * USEC_PER_SEC)
#define USEC_PER_HOUR (60 * USEC_PER_MIN)
#define USEC_PER_DAY  (24 * USEC_PER_HOUR)

#define TIME_HINT "use ISO 8601, e.g. 2024-04-03 or 2024-04-03T14:05:00Z"

/* Days from 1970-01-01 to y-m-d (proleptic Gregorian). */
static int64_t
time_days_from_civil(int64_t y, int m, int d)
{
    y -= m <= 2;
    int64_t era = (y >= 0 ? y : y - 399) / 400;
    int64_t yoe = y - era * 400;
    int64_t doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
    int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

static void
time_civil_from_days(int64_t z, int64_t *y_out, int *m_out, int *d_out)
{
    z += 719468;
    int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    int64_t doe = z - era * 146097;
    int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    int64_t mp = (5 * doy + 2) / 153;
    int d = (int)(doy - (153 * mp + 2) / 5 + 1);
    int m = (int)(mp < 10 ? mp + 3 : mp - 9);
    *y_out = yoe + era * 400 + (m <= 2);
    *m_out = m;
    *d_out = d;
}

static int
time_is_leap(int64_t y)
{
    return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

static int
time_days_in_month(int64_t y, int m)
{
    static const int days[12] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
    return m == 2 && time_is_leap(y) ? 29 : days[m - 1];
}

/* Read exactly n ASCII digits at *p; advances *p. @return 0 or -1 */
static int
time_digits(const char **p, int n, int *out)
{
    int v = 0;
    for (int i = 0; i < n; i++) {
        char c = (*p)[i];
        if (c < '0' || c > '9') {
            return -1;
        }
        v = v * 10 + (c - '0');
    }
    *p += n;
    *out = v;
    return 0;
}

static int
time_bad(const char *text, const char *why)
{
    return error_set(AVOW_EINVALID, "bad time '%.64s%s': %s (" TIME_HINT ")", text,
                     strlen(text) > 64 ? "..." : "", why);
}

int64_t
avow_time_now(void)
{
    struct timespec ts;
    if (clock_gettime(CLOCK_REALTIME, &ts) != 0) {
        return 0;
    }
    int64_t now = (int64_t)ts.tv_sec * USEC_PER_SEC + (int64_t)(ts.tv_nsec / 1000);
    const char *skew = getenv("AVOW_TEST_CLOCK_OFFSET"); /* invariant 6 */
    if (skew != NULL && skew[0] != '\0') {
        char *end = NULL;
        long long s = strtoll(skew, &end, 10);
        if (*end == '\0' && s > -(1LL << 32) && s < (1LL << 32)) {
            now += (int64_t)s * USEC_PER_SEC;
        }
    }
    return now;
}

/* The fields of a time being parsed, and the precision it was written to. */
struct time_fields {
    int year, month, day, hour, minute, second;
    int64_t micro, offset;
    avow_precision pr;
};

/* YYYY[-MM[-DD]] */
static int
time_parse_date(struct time_fields *f, const char **pp, const char *text)
{
    if (time_digits(pp, 4, &f->year) < 0) {
        return time_bad(text, "expected a 4-digit year first");
    }
    if (f->year < 1) {
        return time_bad(text, "year must be 0001-9999");
    }
    f->pr = AVOW_PREC_YEAR;
    if (**pp != '-') {
        return 0;
    }
    (*pp)++;
    if (time_digits(pp, 2, &f->month) < 0) {
        return time_bad(text, "expected a 2-digit month after the year");
    }
    if (f->month < 1 || f->month > 12) {
        return time_bad(text, "month must be 01-12");
    }
    f->pr = AVOW_PREC_MONTH;
    if (**pp != '-') {
        return 0;
    }
    (*pp)++;
    if (time_digits(pp, 2, &f->day) < 0) {
        return time_bad(text, "expected a 2-digit day after the month");
    }
    if (f->day < 1 || f->day > time_days_in_month(f->year, f->month)) {
        return time_bad(text, "no such day in that month");
    }
    f->pr = AVOW_PREC_DAY;
    return 0;
}

/* .ffffff after the seconds: up to six digits, scaled to microseconds. */
static int
time_parse_fraction(struct time_fields *f, const char **pp, const char *text)
{
    const char *p = *pp;
    int n = 0;
    while (*p >= '0' && *p <= '9') {
        if (n == 6) {
            return time_bad(text, "at most 6 fractional digits (microseconds)");
        }
        f->micro = f->micro * 10 + (*p - '0');
        n++;
        p++;
    }
    if (n == 0) {
        return time_bad(text, "expected digits after '.'");
    }
    for (; n < 6; n++) {
        f->micro *= 10;
    }
    f->pr = AVOW_PREC_MICRO;
    *pp = p;
    return 0;
}

/* HH:MM[:SS[.ffffff]] after the 'T'. */
static int
time_parse_clock(struct time_fields *f, const char **pp, const char *text)
{
    if (time_digits(pp, 2, &f->hour) < 0 || **pp != ':') {
        return time_bad(text, "expected HH:MM after 'T'");
    }
    (*pp)++;
    if (time_digits(pp, 2, &f->minute) < 0) {
        return time_bad(text, "expected HH:MM after 'T'");
    }
    if (f->hour > 23) {
        return time_bad(text, "hour must be 00-23");
    }
    if (f->minute > 59) {
        return time_bad(text, "minute must be 00-59");
    }
    f->pr = AVOW_PREC_MINUTE;
    if (**pp != ':') {
        return 0;
    }
    (*pp)++;
    if (time_digits(pp, 2, &f->second) < 0) {
        return time_bad(text, "expected 2-digit seconds after HH:MM:");
    }
    if (f->second > 59) {
        return time_bad(text, "second must be 00-59 (no leap seconds)");
    }
    f->pr = AVOW_PREC_SECOND;
    if (**pp != '.') {
        return 0;
    }
    (*pp)++;
    return time_parse_fraction(f, pp, text);
}

/* Z, +HH:MM or -HH:MM: a time of day needs one. */
static int
time_parse_zone(struct time_fields *f, const char **pp, const char *text)
{
    const char *p = *pp;
    if (*p == 'Z') {
        *pp = p + 1;
        return 0;
    }
    if (*p == '\0') {
        return time_bad(text, "a time of day needs a zone: add Z or an offset such as +02:00");
    }
    if (*p != '+' && *p != '-') {
        return time_bad(text, "expected Z or +HH:MM / -HH:MM after the time of day");
    }
    int sign = *p == '-' ? -1 : 1;
    int oh = 0, om = 0;
    p++;
    if (time_digits(&p, 2, &oh) < 0 || *p != ':') {
        return time_bad(text, "expected a zone offset as +HH:MM or -HH:MM");
    }
    p++;
    if (time_digits(&p, 2, &om) < 0) {
        return time_bad(text, "expected a zone offset as +HH:MM or -HH:MM");
    }
    if (om > 59 || oh > 18 || (oh == 18 && om > 0)) {
        return time_bad(text, "zone offset must be at most 18:00");
    }
    f->offset = sign * (oh * USEC_PER_HOUR + om * USEC_PER_MIN);
    *pp = p;
    return 0;
}

/* How long the period written to precision f->pr lasts. */
static int64_t
time_span(const struct time_fields *f)
{
    switch (f->pr) {
    case AVOW_PREC_YEAR:
        return (time_days_from_civil(f->year + 1, 1, 1) - time_days_from_civil(f->year, 1, 1)) *
               USEC_PER_DAY;
    case AVOW_PREC_MONTH:
        return time_days_in_month(f->year, f->month) * USEC_PER_DAY;
    case AVOW_PREC_DAY:
        return USEC_PER_DAY;
    case AVOW_PREC_MINUTE:
        return USEC_PER_MIN;
    case AVOW_PREC_SECOND:
        return USEC_PER_SEC;
    case AVOW_PREC_MICRO:
    default:
        return 1;
    }
}

int
avow_time_parse(int64_t *out, avow_precision *prec, const char *text, avow_time_bound bound)
{
    struct time_fields f = { 0, 1, 1, 0, 0, 0, 0, 0, AVOW_PREC_YEAR };
    const char *p = text;
    int error;

    if (out == NULL || text == NULL) {
        return error_set(AVOW_EINVALID, "no time given (" TIME_HINT ")");
    }
    if (bound != AVOW_TIME_START && bound != AVOW_TIME_END) {
        return error_set(AVOW_EINVALID, "bad time bound %d", (int)bound);
    }
    if (strcmp(text, "now") == 0) {
        *out = avow_time_now();
        if (prec != NULL) {
            *prec = AVOW_PREC_MICRO;
        }
        return 0;
    }
    if (*text == '\0') {
        return time_bad(text, "empty");
    }
    if ((error = time_parse_date(&f, &p, text)) < 0) {
        return error;
    }
    if (f.pr == AVOW_PREC_DAY && *p == 'T') {
        p++;
        if ((error = time_parse_clock(&f, &p, text)) < 0 ||
            (error = time_parse_zone(&f, &p, text)) < 0) {
            return error;
        }
    }
    if (*p != '\0') {
        return time_bad(text, "unexpected text after the time");
    }
    int64_t t = time_days_from_civil(f.year, f.month, f.day) * USEC_PER_DAY +
                f.hour * USEC_PER_HOUR + f.minute * USEC_PER_MIN + f.second * USEC_PER_SEC +
                f.micro - f.offset;
    if (bound == AVOW_TIME_END) {
        t += time_span(&f) - 1;
    }
    if (t < AVOW_TIME_MIN || t > AVOW_TIME_MAX) {
        return time_bad(text, "outside 0001-01-01 .. 9999-12-31 UTC");
    }
    *out = t;
    if (prec != NULL) {
        *prec = f.pr;
    }
    return 0;
}

/* Invariant 4: t as whole days since the epoch and microseconds into the day. */
static int64_t
time_split(int64_t t, int64_t *rem)
{
    int64_t days = t / USEC_PER_DAY;
    *rem = t % USEC_PER_DAY;
    if (*rem < 0) {
        *rem += USEC_PER_DAY;
        days--;
    }
    return days;
}

int64_t
time_floor(int64_t t, avow_precision prec)
{
    int64_t rem;
    int64_t days = time_split(t, &rem);
    int64_t year;
    int month, day;
    switch (prec) {
    case AVOW_PREC_YEAR:
        time_civil_from_days(days, &year, &month, &day);
        return time_days_from_civil(year, 1, 1) * USEC_PER_DAY;
    case AVOW_PREC_MONTH:
        time_civil_from_days(days, &year, &month, &day);
        return time_days_from_civil(year, month, 1) * USEC_PER_DAY;
    case AVOW_PREC_DAY:
        return days * USEC_PER_DAY;
    case AVOW_PREC_MINUTE:
        return days * USEC_PER_DAY + rem / USEC_PER_MIN * USEC_PER_MIN;
    case AVOW_PREC_SECOND:
        return days * USEC_PER_DAY + rem / USEC_PER_SEC * USEC_PER_SEC;
    case AVOW_PREC_MICRO:
    default:
        return t;
    }
}

void
avow_time_format(char out[AVOW_TIME_STRLEN], int64_t t, avow_precision prec)
{
    int64_t rem;
    int64_t days = time_split(t, &rem);
    int64_t year;
    int month, day;
    time_civil_from_days(days, &year, &month, &day);
    int hour = (int)(rem / USEC_PER_HOUR);
    int minute = (int)(rem / USEC_PER_MIN % 60);
    int second = (int)(rem / USEC_PER_SEC % 60);
    int micro = (int)(rem % USEC_PER_SEC);
    long long y = (long long)year;
    int n;

    switch (prec) {
    case AVOW_PREC_YEAR:
        n = snprintf(out, AVOW_TIME_STRLEN, "%04lld", y);
        break;
    case AVOW_PREC_MONTH:
        n = snprintf(out, AVOW_TIME_STRLEN, "%04lld-%02d", y, month);
        break;
    case AVOW_PREC_DAY:
        n = snprintf(out, AVOW_TIME_STRLEN, "%04lld-%02d-%02d", y, month, day);
        break;
    case AVOW_PREC_MINUTE:
        n = snprintf(out, AVOW_TIME_STRLEN, "%04lld-%02d-%02dT%02d:%02dZ", y, month, day, hour,
                     minute);
        break;
    case AVOW_PREC_SECOND:
    case AVOW_PREC_MICRO:
    default:
        if (micro == 0) {
            n = snprintf(out, AVOW_TIME_STRLEN, "%04lld-%02d-%02dT%02d:%02d:%02dZ", y, month, day,
                         hour, minute, second);
        } else {
            char frac[8];
            int digits = 6;
            while (micro % 10 == 0) {
                micro /= 10;
                digits--;
            }
            (void)snprintf(frac, sizeof(frac), "%0*d", digits, micro); /* <= 6 digits fit */
            n = snprintf(out, AVOW_TIME_STRLEN, "%04lld-%02d-%02dT%02d:%02d:%02d.%sZ", y, month,
                         day, hour, minute, second, frac);
        }
        break;
    }
    /* Invariant 5: the longest int64 time ("-290308-...") still fits. */
    if (n < 0 || n >= AVOW_TIME_STRLEN) {
        out[0] = '\0';
    }
}

int64_t
time_last(int64_t t, avow_precision prec)
{
    int64_t rem;
    int64_t start = time_floor(t, prec);
    int64_t year;
    int month, day;
    time_civil_from_days(time_split(start, &rem), &year, &month, &day);
    struct time_fields f = { (int)year, month, day, 0, 0, 0, 0, 0, prec };
    return start + time_span(&f) - 1;
}

/* ---- uncertain dates (format v2, docs/FORMAT.md "Uncertain dates") -------- */

/* A refusal that names the text and the accepted forms. */
static int
at_bad(const char *text, const char *why)
{
    return error_set(AVOW_EINVALID,
                     "bad date '%.64s%s': %s (use D, D~, ../D or A/B, D in ISO 8601)", text,
                     strlen(text) > 64 ? "..." : "", why);
}

/* One end of a date, copied out of text so that avow_time_parse() sees it
 * alone. */
static int
at_part(int64_t *t, avow_precision *prec, const char *text, const char *p, size_t n,
        avow_time_bound bound)
{
    char part[AVOW_TIME_STRLEN + 8];
    if (n == 0) {
        return at_bad(text, "an open end ('..' or nothing) is not a date");
    }
    if (n >= sizeof(part)) {
        return at_bad(text, "too long");
    }
    memcpy(part, p, n);
    part[n] = '\0';
    if (strcmp(part, "..") == 0) {
        return at_bad(text, "an open end ('..' or nothing) is not a date");
    }
    if (strcmp(part, "now") == 0) {
        return at_bad(text, "'now' is a date of its own, not an end of one");
    }
    if (avow_time_parse(t, prec, part, bound) < 0) {
        /* The detail is rewritten by the next error: copy it first. */
        char why[256];
        (void)snprintf(why, sizeof(why), "%s", avow_error_last());
        return at_bad(text, why);
    }
    return 0;
}

int
avow_at_parse(avow_at *out, const char *text)
{
    avow_precision prec = AVOW_PREC_MICRO, fprec = AVOW_PREC_MICRO;
    if (out == NULL || text == NULL) {
        return error_set(AVOW_EINVALID, "no date given");
    }
    memset(out, 0, sizeof(*out));
    size_t n = strlen(text);
    const char *slash = strchr(text, '/');
    int error;
    if (n > 0 && (text[n - 1] == '?' || text[n - 1] == '%')) {
        return at_bad(text, "an uncertain date ('?', '%') is a confidence: use --confidence, "
                            "and '~' for approximately");
    }
    if (strchr(text, 'X') != NULL || strchr(text, 'x') != NULL) {
        return at_bad(text, "unspecified digits (X) are not supported: give the period, "
                            "such as 2024-06 for some day in June");
    }
    if (strncmp(text, "../", 3) == 0) {
        out->qualifier = AVOW_AT_BY;
        error = at_part(&out->at, &prec, text, text + 3, n - 3, AVOW_TIME_END);
    } else if (slash != NULL) {
        out->qualifier = AVOW_AT_BETWEEN;
        size_t a = (size_t)(slash - text);
        if ((error = at_part(&out->from, &fprec, text, text, a, AVOW_TIME_START)) < 0 ||
            (error = at_part(&out->at, &prec, text, slash + 1, n - a - 1, AVOW_TIME_END)) < 0) {
            return error;
        }
        if (out->from >= time_floor(out->at, prec)) {
            return at_bad(text, "an interval A/B starts before B does");
        }
        out->from_precision = (uint8_t)fprec;
    } else if (n > 0 && text[n - 1] == '~') {
        out->qualifier = AVOW_AT_APPROXIMATE;
        error = at_part(&out->at, &prec, text, text, n - 1, AVOW_TIME_START);
    } else {
        error = avow_time_parse(&out->at, &prec, text, AVOW_TIME_START);
    }
    if (error < 0) {
        return error;
    }
    out->precision = (uint8_t)prec;
    return 0;
}

/*
 * The end D or B of a date, as the text that parses back to it. The text
 * names a period, so it is written from the period's start: the last
 * microsecond of a second would otherwise show its fraction and come back at
 * micro precision. A micro-precision end of by or between keeps its zero
 * fraction: without it the text reads as a second, whose end is 999999 µs
 * later.
 */
static void
at_end_format(char b[AVOW_TIME_STRLEN], const avow_at *at, avow_precision prec)
{
    int late = at->qualifier == AVOW_AT_BY || at->qualifier == AVOW_AT_BETWEEN;
    avow_time_format(b, time_floor(at->at, prec), prec);
    size_t n = strlen(b);
    if (late && prec == AVOW_PREC_MICRO && strchr(b, '.') == NULL && n > 0 && b[n - 1] == 'Z' &&
        n + 7 < AVOW_TIME_STRLEN) {
        memcpy(b + n - 1, ".000000Z", 9);
    }
}

void
avow_at_format(char out[AVOW_AT_STRLEN], const avow_at *at)
{
    char a[AVOW_TIME_STRLEN], b[AVOW_TIME_STRLEN];
    avow_precision prec = at->precision ? (avow_precision)at->precision : AVOW_PREC_MICRO;
    at_end_format(b, at, prec);
    switch (at->qualifier) {
    case AVOW_AT_APPROXIMATE:
        (void)snprintf(out, AVOW_AT_STRLEN, "%s~", b);
        break;
    case AVOW_AT_BY:
        (void)snprintf(out, AVOW_AT_STRLEN, "../%s", b);
        break;
    case AVOW_AT_BETWEEN:
        avow_time_format(a, at->from,
                         at->from_precision ? (avow_precision)at->from_precision : AVOW_PREC_MICRO);
        (void)snprintf(out, AVOW_AT_STRLEN, "%s/%s", a, b);
        break;
    default:
        (void)snprintf(out, AVOW_AT_STRLEN, "%s", b);
        break;
    }
}
