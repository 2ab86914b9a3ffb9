/* SPDX-License-Identifier: ISC */
/*
 * test_time.c - ISO 8601 parsing and formatting (src/util/time.c): every precision,
 * START/END bounds, offsets, leap years, range edges, times before 1970, and
 * a long list of malformed strings that must be refused.
 */
#include "testutil.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

#include "util/common.h"

#define SEC                 INT64_C(1000000)
#define T_2024              INT64_C(1704067200000000)
#define T_2024_04           INT64_C(1711929600000000)
#define T_2024_04_03        INT64_C(1712102400000000)
#define T_2024_04_03_1405   INT64_C(1712153100000000)
#define T_2024_04_03_140507 INT64_C(1712153107000000)
#define T_2024_04_04        INT64_C(1712188800000000)
#define T_2024_03           INT64_C(1709251200000000)
#define T_2025              INT64_C(1735689600000000)

static void
expect_parse(const char *text, avow_time_bound bound, int64_t want, avow_precision want_prec)
{
    int64_t t = 0;
    avow_precision prec = 0;
    int rc = avow_time_parse(&t, &prec, text, bound);
    if (rc != 0) {
        fail_msg("'%s' refused: %s", text, avow_error_last());
    }
    if (t != want) {
        fail_msg("'%s' parsed as %lld, want %lld", text, (long long)t, (long long)want);
    }
    assert_int_equal(prec, want_prec);
}

static void
expect_refused(const char *text, const char *why)
{
    int64_t t = 42;
    avow_precision prec = 0;
    int rc = avow_time_parse(&t, &prec, text, AVOW_TIME_START);
    if (rc != AVOW_EINVALID) {
        fail_msg("'%s' accepted (rc %d, t %lld)", text, rc, (long long)t);
    }
    assert_int_equal(t, 42); /* nothing written on failure */
    assert_non_null(strstr(avow_error_last(), "bad time"));
    if (why != NULL && strstr(avow_error_last(), why) == NULL) {
        fail_msg("'%s': message '%s' lacks '%s'", text, avow_error_last(), why);
    }
}

static void
expect_format(int64_t t, avow_precision prec, const char *want)
{
    char out[AVOW_TIME_STRLEN];
    avow_time_format(out, t, prec);
    assert_string_equal(out, want);
}

static void
test_time__parses_every_precision_at_start(void **state)
{
    (void)state;
    expect_parse("2024", AVOW_TIME_START, T_2024, AVOW_PREC_YEAR);
    expect_parse("2024-04", AVOW_TIME_START, T_2024_04, AVOW_PREC_MONTH);
    expect_parse("2024-04-03", AVOW_TIME_START, T_2024_04_03, AVOW_PREC_DAY);
    expect_parse("2024-04-03T14:05Z", AVOW_TIME_START, T_2024_04_03_1405, AVOW_PREC_MINUTE);
    expect_parse("2024-04-03T14:05:07Z", AVOW_TIME_START, T_2024_04_03_140507, AVOW_PREC_SECOND);
    expect_parse("2024-04-03T14:05:07.5Z", AVOW_TIME_START, T_2024_04_03_140507 + 500000,
                 AVOW_PREC_MICRO);
    expect_parse("2024-04-03T14:05:07.123456Z", AVOW_TIME_START, T_2024_04_03_140507 + 123456,
                 AVOW_PREC_MICRO);
    expect_parse("2024-04-03T14:05:07.000001Z", AVOW_TIME_START, T_2024_04_03_140507 + 1,
                 AVOW_PREC_MICRO);
    expect_parse("2024-04-03T14:05:07.0Z", AVOW_TIME_START, T_2024_04_03_140507, AVOW_PREC_MICRO);
    /* precision may be NULL */
    int64_t t = 0;
    assert_int_equal(avow_time_parse(&t, NULL, "2024-04-03", AVOW_TIME_START), 0);
    assert_int_equal(t, T_2024_04_03);
}

static void
test_time__end_bound_is_last_microsecond_of_period(void **state)
{
    (void)state;
    expect_parse("2024", AVOW_TIME_END, T_2025 - 1, AVOW_PREC_YEAR);
    expect_parse("2024-02", AVOW_TIME_END, T_2024_03 - 1, AVOW_PREC_MONTH);
    expect_parse("2024-12", AVOW_TIME_END, T_2025 - 1, AVOW_PREC_MONTH);
    expect_parse("2024-04-03", AVOW_TIME_END, T_2024_04_04 - 1, AVOW_PREC_DAY);
    expect_parse("2024-04-03T14:05Z", AVOW_TIME_END, T_2024_04_03_1405 + 60 * SEC - 1,
                 AVOW_PREC_MINUTE);
    expect_parse("2024-04-03T14:05:07Z", AVOW_TIME_END, T_2024_04_03_140507 + SEC - 1,
                 AVOW_PREC_SECOND);
    expect_parse("2024-04-03T14:05:07.25Z", AVOW_TIME_END, T_2024_04_03_140507 + 250000,
                 AVOW_PREC_MICRO);

    char out[AVOW_TIME_STRLEN];
    int64_t t = 0;
    assert_int_equal(avow_time_parse(&t, NULL, "2024-04-03", AVOW_TIME_END), 0);
    avow_time_format(out, t, AVOW_PREC_MICRO);
    assert_string_equal(out, "2024-04-03T23:59:59.999999Z");
    assert_int_equal(avow_time_parse(&t, NULL, "2024", AVOW_TIME_END), 0);
    avow_time_format(out, t, AVOW_PREC_MICRO);
    assert_string_equal(out, "2024-12-31T23:59:59.999999Z");
    assert_int_equal(avow_time_parse(&t, NULL, "2023-02", AVOW_TIME_END), 0);
    avow_time_format(out, t, AVOW_PREC_MICRO);
    assert_string_equal(out, "2023-02-28T23:59:59.999999Z");
}

static void
test_time__offsets_convert_to_utc(void **state)
{
    (void)state;
    expect_parse("2024-04-03T16:05:07+02:00", AVOW_TIME_START, T_2024_04_03_140507,
                 AVOW_PREC_SECOND);
    expect_parse("2024-04-03T08:35:07-05:30", AVOW_TIME_START, T_2024_04_03_140507,
                 AVOW_PREC_SECOND);
    expect_parse("2024-04-03T14:05:07+00:00", AVOW_TIME_START, T_2024_04_03_140507,
                 AVOW_PREC_SECOND);
    expect_parse("2024-04-03T14:05:07-00:00", AVOW_TIME_START, T_2024_04_03_140507,
                 AVOW_PREC_SECOND);
    expect_parse("2024-04-04T08:05+18:00", AVOW_TIME_START, T_2024_04_03_1405, AVOW_PREC_MINUTE);
    expect_parse("2024-04-02T20:05-18:00", AVOW_TIME_START, T_2024_04_03_1405, AVOW_PREC_MINUTE);
    expect_parse("2024-04-03T16:05:07.5+02:00", AVOW_TIME_START, T_2024_04_03_140507 + 500000,
                 AVOW_PREC_MICRO);
    /* the END of a minute given with an offset is that minute's last microsecond, in UTC */
    expect_parse("2024-04-03T16:05+02:00", AVOW_TIME_END, T_2024_04_03_1405 + 60 * SEC - 1,
                 AVOW_PREC_MINUTE);
    /* an offset may carry the date across midnight */
    expect_parse("2024-04-04T01:00+02:00", AVOW_TIME_START, T_2024_04_03 + 23 * 3600 * SEC,
                 AVOW_PREC_MINUTE);
}

static void
test_time__leap_years(void **state)
{
    (void)state;
    expect_parse("2024-02-29", AVOW_TIME_START, INT64_C(1709164800000000), AVOW_PREC_DAY);
    expect_parse("2024-02-29", AVOW_TIME_END, T_2024_03 - 1, AVOW_PREC_DAY);
    int64_t t;
    assert_int_equal(avow_time_parse(&t, NULL, "2000-02-29", AVOW_TIME_START), 0);
    assert_int_equal(avow_time_parse(&t, NULL, "2400-02-29", AVOW_TIME_START), 0);
    assert_int_equal(avow_time_parse(&t, NULL, "0004-02-29", AVOW_TIME_START), 0);
    expect_refused("2023-02-29", "no such day");
    expect_refused("1900-02-29", "no such day");
    expect_refused("2100-02-29", "no such day");
    expect_refused("2024-02-30", "no such day");
    expect_refused("2024-04-31", "no such day");
    expect_refused("2024-06-31", "no such day");
    expect_refused("2024-09-31", "no such day");
    expect_refused("2024-11-31", "no such day");
    assert_int_equal(avow_time_parse(&t, NULL, "2024-12-31", AVOW_TIME_START), 0);
    assert_int_equal(avow_time_parse(&t, NULL, "2024-01-31", AVOW_TIME_START), 0);
    /* a leap year is 366 days long */
    int64_t end;
    assert_int_equal(avow_time_parse(&t, NULL, "2024", AVOW_TIME_START), 0);
    assert_int_equal(avow_time_parse(&end, NULL, "2024", AVOW_TIME_END), 0);
    assert_int_equal(end - t + 1, INT64_C(366) * 86400 * SEC);
    assert_int_equal(avow_time_parse(&t, NULL, "2023", AVOW_TIME_START), 0);
    assert_int_equal(avow_time_parse(&end, NULL, "2023", AVOW_TIME_END), 0);
    assert_int_equal(end - t + 1, INT64_C(365) * 86400 * SEC);
}

static void
test_time__range_edges(void **state)
{
    (void)state;
    expect_parse("0001", AVOW_TIME_START, AVOW_TIME_MIN, AVOW_PREC_YEAR);
    expect_parse("0001-01-01T00:00:00Z", AVOW_TIME_START, AVOW_TIME_MIN, AVOW_PREC_SECOND);
    expect_parse("9999", AVOW_TIME_END, AVOW_TIME_MAX, AVOW_PREC_YEAR);
    expect_parse("9999-12-31", AVOW_TIME_END, AVOW_TIME_MAX, AVOW_PREC_DAY);
    expect_parse("9999-12-31T23:59:59.999999Z", AVOW_TIME_START, AVOW_TIME_MAX, AVOW_PREC_MICRO);
    expect_parse("0001-01-01T00:00:00-00:01", AVOW_TIME_START, AVOW_TIME_MIN + 60 * SEC,
                 AVOW_PREC_SECOND);
    expect_refused("0000", "0001-9999");
    expect_refused("0000-12-31", "0001-9999");
    expect_refused("0001-01-01T00:00:00+00:01", "outside");
    expect_refused("9999-12-31T23:59:59-00:01", "outside");
    expect_format(AVOW_TIME_MIN, AVOW_PREC_MICRO, "0001-01-01T00:00:00Z");
    expect_format(AVOW_TIME_MAX, AVOW_PREC_MICRO, "9999-12-31T23:59:59.999999Z");
    /* the format never overflows its buffer, even far outside the range */
    char out[AVOW_TIME_STRLEN];
    avow_time_format(out, INT64_MIN, AVOW_PREC_MICRO);
    assert_true(strlen(out) < AVOW_TIME_STRLEN);
    avow_time_format(out, INT64_MAX, AVOW_PREC_MICRO);
    assert_true(strlen(out) < AVOW_TIME_STRLEN);
}

static void
test_time__before_1970_uses_floor_division(void **state)
{
    (void)state;
    expect_parse("1969-12-31T23:59:59.999999Z", AVOW_TIME_START, -1, AVOW_PREC_MICRO);
    expect_format(-1, AVOW_PREC_MICRO, "1969-12-31T23:59:59.999999Z");
    expect_format(-1, AVOW_PREC_DAY, "1969-12-31");
    expect_format(-1, AVOW_PREC_YEAR, "1969");
    expect_format(-SEC, AVOW_PREC_SECOND, "1969-12-31T23:59:59Z");
    expect_format(-SEC - 1, AVOW_PREC_MICRO, "1969-12-31T23:59:58.999999Z");
    expect_parse("1900-01-01", AVOW_TIME_START, INT64_C(-2208988800000000), AVOW_PREC_DAY);
    expect_format(INT64_C(-2208988800000000), AVOW_PREC_MICRO, "1900-01-01T00:00:00Z");
    expect_parse("1969-07-20T20:17Z", AVOW_TIME_START, INT64_C(-14182980000000), AVOW_PREC_MINUTE);
    expect_format(0, AVOW_PREC_MICRO, "1970-01-01T00:00:00Z");
}

static void
test_time__formats_each_precision(void **state)
{
    (void)state;
    int64_t t = T_2024_04_03_140507 + 500000;
    expect_format(t, AVOW_PREC_YEAR, "2024");
    expect_format(t, AVOW_PREC_MONTH, "2024-04");
    expect_format(t, AVOW_PREC_DAY, "2024-04-03");
    expect_format(t, AVOW_PREC_MINUTE, "2024-04-03T14:05Z");
    expect_format(t, AVOW_PREC_SECOND, "2024-04-03T14:05:07.5Z");
    expect_format(t, AVOW_PREC_MICRO, "2024-04-03T14:05:07.5Z");
    expect_format(T_2024_04_03_140507, AVOW_PREC_MICRO, "2024-04-03T14:05:07Z");
    expect_format(T_2024_04_03_140507 + 120000, AVOW_PREC_MICRO, "2024-04-03T14:05:07.12Z");
    expect_format(T_2024_04_03_140507 + 1, AVOW_PREC_MICRO, "2024-04-03T14:05:07.000001Z");
    expect_format(T_2024_04_03_140507 + 100, AVOW_PREC_MICRO, "2024-04-03T14:05:07.0001Z");
    expect_format(T_2024_04_03_140507 + 999999, AVOW_PREC_MICRO, "2024-04-03T14:05:07.999999Z");
    expect_format(T_2024_04_03, AVOW_PREC_MINUTE, "2024-04-03T00:00Z");
}

static void
check_round_trip(int64_t t)
{
    char out[AVOW_TIME_STRLEN];
    int64_t back = 0;
    avow_precision prec;
    avow_time_format(out, t, AVOW_PREC_MICRO);
    if (avow_time_parse(&back, &prec, out, AVOW_TIME_START) != 0) {
        fail_msg("%lld formats as '%s', which is refused: %s", (long long)t, out,
                 avow_error_last());
    }
    if (back != t) {
        fail_msg("%lld -> '%s' -> %lld", (long long)t, out, (long long)back);
    }
    assert_int_equal(prec, t % SEC == 0 ? AVOW_PREC_SECOND : AVOW_PREC_MICRO);
}

static void
test_time__round_trips(void **state)
{
    (void)state;
    check_round_trip(0);
    check_round_trip(-1);
    check_round_trip(1);
    check_round_trip(AVOW_TIME_MIN);
    check_round_trip(AVOW_TIME_MAX);
    check_round_trip(T_2024_04_03_140507 + 123456);
    /* a deterministic walk across the whole range */
    uint64_t x = UINT64_C(0x9e3779b97f4a7c15);
    uint64_t span = (uint64_t)(AVOW_TIME_MAX - AVOW_TIME_MIN);
    for (int i = 0; i < 20000; i++) {
        x = x * UINT64_C(6364136223846793005) + UINT64_C(1442695040888963407);
        int64_t t = AVOW_TIME_MIN + (int64_t)((x >> 1) % span);
        if (i % 3 == 0) {
            t -= t % SEC; /* also whole seconds */
        }
        if (t < AVOW_TIME_MIN) {
            t += SEC;
        }
        check_round_trip(t);
    }
}

/* Cross-check the calendar against the C library's UTC breakdown. */
static void
test_time__calendar_agrees_with_gmtime(void **state)
{
    (void)state;
    char want[64], got[AVOW_TIME_STRLEN];
    for (int64_t day = -719162; day <= 2932896; day += 97) {
        int64_t secs = day * 86400 + (day % 86400 + 86400) % 86400;
        time_t tt = (time_t)secs;
        struct tm tm;
        assert_non_null(gmtime_r(&tt, &tm));
        snprintf(want, sizeof(want), "%04d-%02d-%02dT%02d:%02d:%02dZ", tm.tm_year + 1900,
                 tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec);
        avow_time_format(got, secs * SEC, AVOW_PREC_SECOND);
        assert_string_equal(got, want);
        int64_t back = 0;
        assert_int_equal(avow_time_parse(&back, NULL, want, AVOW_TIME_START), 0);
        assert_int_equal(back, secs * SEC);
    }
}

static void
test_time__now_is_the_clock_in_microseconds(void **state)
{
    (void)state;
    int64_t before = avow_time_now();
    int64_t t = 0;
    avow_precision prec = 0;
    assert_int_equal(avow_time_parse(&t, &prec, "now", AVOW_TIME_END), 0);
    int64_t after = avow_time_now();
    assert_int_equal(prec, AVOW_PREC_MICRO);
    assert_true(before <= t && t <= after);
    assert_true(t > INT64_C(1700000000000000)); /* after 2023-11 */
}

static void
test_time__refuses_malformed_strings(void **state)
{
    (void)state;
    static const char *const bad[] = {
        "",
        " ",
        "2024-4-3",
        "2024-04-3",
        "2024-4-03",
        "24",
        "202",
        "20245",
        "2024-",
        "2024-04-",
        "2024-4",
        "2024-00",
        "2024-13",
        "2024-04-00",
        "2024-04-32",
        "+2024",
        "-2024",
        " 2024",
        "2024 ",
        "\t2024",
        "2024-04-03T14:05",
        "2024-04-03T14:05:00",
        "2024-04-03T14:05:00.5",
        "2024-04-03T24:00Z",
        "2024-04-03T25:00Z",
        "2024-04-03T14:60Z",
        "2024-04-03T14:05:60Z",
        "2024-04-03T14:05:61Z",
        "2024-04-03t14:05Z",
        "2024-04-03T14:05z",
        "2024-04-03 14:05Z",
        "2024-04-03T14Z",
        "2024-04-03T1:05Z",
        "2024-04-03T14:5Z",
        "2024-04-03T14:05:0Z",
        "2024-04-03T14:05:00.Z",
        "2024-04-03T14:05:00.1234567Z",
        "2024-04-03T14:05:00,5Z",
        "2024-04-03T14:05:00+02",
        "2024-04-03T14:05:00+0200",
        "2024-04-03T14:05:00+2:00",
        "2024-04-03T14:05:00+02:0",
        "2024-04-03T14:05:00+19:00",
        "2024-04-03T14:05:00+18:01",
        "2024-04-03T14:05:00+02:60",
        "2024-04-03T14:05:00+-2:00",
        "2024-04-03T14:05:00Zjunk",
        "2024-04-03T14:05:00ZZ",
        "2024-04-03T14:05:00+02:00Z",
        "2024-04-03T14:05:00Z ",
        "2024-04-03T14:05:00Z\n",
        "2024-04-03T14:05:00.-5Z",
        "2024-04-03T-1:05Z",
        "2024-04-03junk",
        "2024-04-03T",
        "2024-04-03TZ",
        "2024-04T14:05Z",
        "2024T14:05Z",
        "20240403",
        "2024/04/03",
        "2024--04",
        "2024-04--03",
        "2024-0a-03",
        "abcd",
        "now ",
        "NOW",
        "Now",
        "nowx",
        "\xd9\xa2\xd9\xa0\xd9\xa2\xd9\xa4", /* Arabic-Indic digits */
        "2024-04-03\xff",
        "0000",
        "2023-02-29",
        "9999-12-31T23:59:59-00:01",
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        expect_refused(bad[i], NULL);
    }
    assert_true(sizeof(bad) / sizeof(bad[0]) >= 50);
}

static void
test_time__errors_explain_what_is_wrong(void **state)
{
    (void)state;
    expect_refused("2024-13-01", "month must be 01-12");
    assert_non_null(strstr(avow_error_last(), "2024-13-01"));
    assert_non_null(strstr(avow_error_last(), "ISO 8601"));
    expect_refused("2024-04-03T14:05", "add Z or an offset");
    expect_refused("2024-04-03T14:05:00", "add Z or an offset");
    expect_refused("2024-04-03T25:00Z", "hour must be 00-23");
    expect_refused("2024-04-03T14:61Z", "minute must be 00-59");
    expect_refused("2024-04-03T14:05:60Z", "no leap seconds");
    expect_refused("2024-04-03T14:05:00+18:30", "at most 18:00");
    expect_refused("2024-04-03T14:05:00.1234567Z", "at most 6 fractional digits");
    expect_refused("", "empty");
    /* a very long input is cut in the message, not overflowed */
    char longtext[2000];
    memset(longtext, '9', sizeof(longtext) - 1);
    longtext[sizeof(longtext) - 1] = '\0';
    expect_refused(longtext, "...");

    int64_t t = 0;
    assert_int_equal(avow_time_parse(&t, NULL, NULL, AVOW_TIME_START), AVOW_EINVALID);
    assert_int_equal(avow_time_parse(NULL, NULL, "2024", AVOW_TIME_START), AVOW_EINVALID);
    assert_int_equal(avow_time_parse(&t, NULL, "2024", (avow_time_bound)7), AVOW_EINVALID);
}

/* time_floor() is what the codec's period check relies on: it must agree
 * with formatting at a precision and parsing the text back (START), for every
 * precision, across the whole range, before 1970 included. */
static void
test_time__floor_agrees_with_format_then_parse(void **state)
{
    (void)state;
    uint64_t x = UINT64_C(0x9e3779b97f4a7c15);
    const int64_t span = AVOW_TIME_MAX - AVOW_TIME_MIN;
    for (int i = 0; i < 20000; i++) {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        int64_t t = AVOW_TIME_MIN + (int64_t)(x % (uint64_t)span);
        if (i < 8) {
            /* The edges and the epoch too. */
            static const int64_t edge[8] = { AVOW_TIME_MIN, AVOW_TIME_MAX, 0, -1, 1, T_2024 - 1,
                                             T_2024,        T_2024_03 - 1 };
            t = edge[i];
        }
        for (int p = AVOW_PREC_YEAR; p <= AVOW_PREC_MICRO; p++) {
            char text[AVOW_TIME_STRLEN];
            int64_t start = 0;
            avow_time_format(text, t, (avow_precision)p);
            assert_int_equal(avow_time_parse(&start, NULL, text, AVOW_TIME_START), 0);
            if (p == AVOW_PREC_SECOND) {
                /* Second precision prints a fraction when there is one. */
                start -= ((start % SEC) + SEC) % SEC;
            }
            if (time_floor(t, (avow_precision)p) != start) {
                fail_msg("floor(%lld, %d) = %lld, '%s' starts at %lld", (long long)t, p,
                         (long long)time_floor(t, (avow_precision)p), text, (long long)start);
            }
        }
    }
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_time__parses_every_precision_at_start),
        cmocka_unit_test(test_time__end_bound_is_last_microsecond_of_period),
        cmocka_unit_test(test_time__offsets_convert_to_utc),
        cmocka_unit_test(test_time__leap_years),
        cmocka_unit_test(test_time__range_edges),
        cmocka_unit_test(test_time__before_1970_uses_floor_division),
        cmocka_unit_test(test_time__formats_each_precision),
        cmocka_unit_test(test_time__round_trips),
        cmocka_unit_test(test_time__floor_agrees_with_format_then_parse),
        cmocka_unit_test(test_time__calendar_agrees_with_gmtime),
        cmocka_unit_test(test_time__now_is_the_clock_in_microseconds),
        cmocka_unit_test(test_time__refuses_malformed_strings),
        cmocka_unit_test(test_time__errors_explain_what_is_wrong),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
