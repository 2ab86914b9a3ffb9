/* SPDX-License-Identifier: ISC */
/*
 * test_codec_v2.c - event format v2 (docs/FORMAT.md, "Event, format v2"):
 * every new field and kind round-trips, the writer picks the lowest version
 * that holds a draft, each v2 rule has a crafted refusal, a v1 event refuses
 * what only v2 has, and uncertain dates parse into the instants the format
 * keeps (avow_at_parse).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "event/codec.h"
#include "testutil.h"

static const unsigned char zero_prev[32];
#define T_REC INT64_C(1712150700000000) /* 2024-04-03T13:25:00Z */

static int64_t
day(const char *text, avow_time_bound bound)
{
    int64_t t = 0;
    assert_int_equal(avow_time_parse(&t, NULL, text, bound), 0);
    return t;
}

static avow_draft
stance_draft(void)
{
    avow_draft d = AVOW_DRAFT_INIT;
    d.kind = AVOW_KIND_STANCE;
    d.effective_at = day("2024-04-02", AVOW_TIME_START);
    d.precision = AVOW_PREC_DAY;
    d.contest = "nato-sg-2024";
    d.actor = "CA";
    d.candidate = "Rutte";
    d.stance = AVOW_STANCE_SUPPORTS;
    d.source = "https://example.org/count";
    return d;
}

/* Sign d and decode it back; returns the rc of the signing. */
static int
sign_decode(avow_buf *out, avow_event *ev, const avow_draft *d)
{
    avow_key *k = tu_key(7);
    out->len = 0;
    int rc = avow_event_sign(out, d, k, 1, zero_prev, T_REC);
    avow_key_free(k);
    if (rc == 0) {
        assert_int_equal(avow_event_decode(ev, out->ptr, out->len), 0);
        assert_int_equal(avow_event_verify(ev), 0);
    }
    return rc;
}

static void
test_codec_v2__a_v1_draft_is_still_written_as_version_1(void **state)
{
    (void)state;
    avow_buf b = AVOW_BUF_INIT;
    avow_event ev;
    avow_draft d = stance_draft();
    assert_int_equal(sign_decode(&b, &ev, &d), 0);
    assert_int_equal(b.ptr[CODEC_OFF_VERSION], 1);
    assert_int_equal(ev.version, 1);
    assert_int_equal(ev.qualifier, AVOW_AT_EXACT);
    assert_null(ev.note.ptr);
    avow_buf_dispose(&b);
}

static void
test_codec_v2__research_fields_round_trip(void **state)
{
    (void)state;
    avow_buf b = AVOW_BUF_INIT;
    avow_event ev;
    avow_draft d = stance_draft();
    avow_at at;
    assert_int_equal(avow_at_parse(&at, "2024-03-28/2024-04-02"), 0);
    d.effective_at = at.at;
    d.precision = at.precision;
    d.qualifier = at.qualifier;
    d.from = at.from;
    d.from_precision = at.from_precision;
    d.confidence = AVOW_CONFIDENCE_LOW;
    d.note = "28 of 32, say insiders;\nno source names Canada";
    d.reported_at = day("2024-04-04", AVOW_TIME_START);
    d.reported_precision = AVOW_PREC_DAY;
    assert_int_equal(sign_decode(&b, &ev, &d), 0);
    assert_int_equal(ev.version, 2);
    assert_int_equal(ev.effective_at, day("2024-04-02", AVOW_TIME_END));
    assert_int_equal(ev.precision, AVOW_PREC_DAY);
    assert_int_equal(ev.qualifier, AVOW_AT_BETWEEN);
    assert_int_equal(ev.from, day("2024-03-28", AVOW_TIME_START));
    assert_int_equal(ev.from_precision, AVOW_PREC_DAY);
    assert_int_equal(ev.confidence, AVOW_CONFIDENCE_LOW);
    assert_int_equal(ev.note.len, strlen(d.note));
    assert_memory_equal(ev.note.ptr, d.note, ev.note.len);
    assert_int_equal(ev.reported_at, d.reported_at);
    assert_int_equal(ev.reported_precision, AVOW_PREC_DAY);

    avow_buf j = AVOW_BUF_INIT;
    assert_int_equal(avow_event_to_json(&j, &ev, 0, 0), 0);
    assert_int_equal(buf_put(&j, "", 1), 0);
    const char *text = (const char *)j.ptr;
    assert_non_null(strstr(text, "\"effective_at\":\"2024-04-02T23:59:59.999999Z\""));
    assert_non_null(strstr(text, "\"at\":\"2024-03-28/2024-04-02\""));
    assert_non_null(strstr(text, "\"confidence\":\"low\""));
    assert_non_null(strstr(text, "\"reported_at\":\"2024-04-04T00:00:00Z\""));
    assert_non_null(strstr(text, "\"at_qualifier\":\"between\""));
    assert_non_null(strstr(text, "\"at_from\":\"2024-03-28T00:00:00Z\""));
    assert_non_null(strstr(text, "\"note\":\"28 of 32, say insiders;\\nno source names Canada\""));
    avow_buf_dispose(&j);
    avow_buf_dispose(&b);
}

static void
test_codec_v2__new_kinds_and_values_round_trip(void **state)
{
    (void)state;
    avow_buf b = AVOW_BUF_INIT;
    avow_event ev;

    avow_draft d = stance_draft();
    d.stance = AVOW_STANCE_ABSTAINS;
    assert_int_equal(sign_decode(&b, &ev, &d), 0);
    assert_int_equal(ev.version, 2);
    assert_int_equal(ev.stance, AVOW_STANCE_ABSTAINS);
    assert_string_equal(avow_stance_name(ev.stance), "abstains");

    avow_draft s = AVOW_DRAFT_INIT;
    s.kind = AVOW_KIND_CANDIDATE_SIGNAL;
    s.effective_at = day("2024-02", AVOW_TIME_START);
    s.precision = AVOW_PREC_MONTH;
    s.qualifier = AVOW_AT_APPROXIMATE;
    s.contest = "nato-sg-2024";
    s.candidate = "Iohannis";
    assert_int_equal(sign_decode(&b, &ev, &s), 0);
    assert_int_equal(ev.kind, AVOW_KIND_CANDIDATE_SIGNAL);
    assert_true(avow_event_kind_known(&ev));
    assert_int_equal(ev.qualifier, AVOW_AT_APPROXIMATE);

    avow_draft c = AVOW_DRAFT_INIT;
    c.kind = AVOW_KIND_CONTEST;
    c.effective_at = day("2024-01-01", AVOW_TIME_START);
    c.precision = AVOW_PREC_DAY;
    c.contest = "nato-sg-2024";
    c.title = "NATO Secretary General 2024";
    c.rule = "unanimity";
    c.choice = AVOW_CHOICE_SINGLE;
    assert_int_equal(sign_decode(&b, &ev, &c), 0);
    assert_int_equal(ev.version, 2);
    assert_int_equal(ev.choice, AVOW_CHOICE_SINGLE);

    avow_draft a = AVOW_DRAFT_INIT;
    a.kind = AVOW_KIND_CONTEST_AMEND;
    a.effective_at = day("2024-02-01", AVOW_TIME_START);
    a.precision = AVOW_PREC_DAY;
    a.contest = "nato-sg-2024";
    a.title = "NATO Secretary General, 2024";
    assert_int_equal(sign_decode(&b, &ev, &a), 0);
    assert_int_equal(ev.kind, AVOW_KIND_CONTEST_AMEND);
    assert_int_equal(ev.title.len, strlen(a.title));

    avow_draft x = AVOW_DRAFT_INIT;
    x.kind = AVOW_KIND_DECISION;
    x.effective_at = day("2024-06-26", AVOW_TIME_START);
    x.precision = AVOW_PREC_DAY;
    x.contest = "nato-sg-2024";
    x.candidate = "Rutte";
    x.takes_effect = day("2024-10-01", AVOW_TIME_START);
    x.takes_effect_precision = AVOW_PREC_DAY;
    assert_int_equal(sign_decode(&b, &ev, &x), 0);
    assert_int_equal(ev.takes_effect, x.takes_effect);
    assert_int_equal(ev.takes_effect_precision, AVOW_PREC_DAY);
    avow_buf_dispose(&b);
}

static void
test_codec_v2__drafts_that_break_a_v2_rule_are_refused(void **state)
{
    (void)state;
    avow_buf b = AVOW_BUF_INIT;
    avow_event ev;
    struct {
        avow_draft d;
        const char *what;
    } cases[10];
    size_t n = 0;
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        cases[i].d = stance_draft();
    }
    cases[n].d.qualifier = AVOW_AT_BY; /* effective_at at the start of the day */
    cases[n++].what = "not the end of its day";
    cases[n].d.qualifier = AVOW_AT_BETWEEN;
    cases[n].d.effective_at = day("2024-04-02", AVOW_TIME_END);
    cases[n++].what = "from goes with qualifier between";
    cases[n].d.from = day("2024-04-01", AVOW_TIME_START);
    cases[n].d.from_precision = AVOW_PREC_DAY;
    cases[n++].what = "from goes with qualifier between";
    cases[n].d.qualifier = AVOW_AT_BETWEEN;
    cases[n].d.effective_at = day("2024-04-02", AVOW_TIME_END);
    cases[n].d.from = day("2024-04-02", AVOW_TIME_START);
    cases[n].d.from_precision = AVOW_PREC_DAY;
    cases[n++].what = "must start before";
    cases[n].d.confidence = 4;
    cases[n++].what = "confidence has unknown value 4";
    cases[n].d.stance = 5;
    cases[n++].what = "stance has unknown value 5";
    cases[n].d.choice = AVOW_CHOICE_SINGLE;
    cases[n++].what = "may not carry choice";
    cases[n].d.reported_at = day("2024-04-04", AVOW_TIME_START) + 1;
    cases[n].d.reported_precision = AVOW_PREC_DAY;
    cases[n++].what = "reported_at is not the start";
    cases[n].d.note = "";
    cases[n++].what = "note is empty";
    cases[n].d.kind = AVOW_KIND_CONTEST_AMEND;
    cases[n].d.actor = cases[n].d.candidate = cases[n].d.source = NULL;
    cases[n].d.stance = 0;
    cases[n++].what = "amends its title, rule or choice";
    for (size_t i = 0; i < n; i++) {
        if (sign_decode(&b, &ev, &cases[i].d) != AVOW_EINVALID ||
            strstr(avow_error_last(), cases[i].what) == NULL) {
            fail_msg("case %zu: '%s', not '%s'", i, avow_error_last(), cases[i].what);
        }
    }
    avow_buf_dispose(&b);
}

/* Re-sign crafted bytes with key 7 so that only the rule under test fails. */
static void
resign(avow_buf *b)
{
    avow_key *k = tu_key(7);
    codec_sign_message(b->ptr + b->len - AVOW_SIG_BYTES, b->ptr, b->len - AVOW_SIG_BYTES, k);
    avow_key_free(k);
}

static void
test_codec_v2__crafted_events_break_each_decoder_rule(void **state)
{
    (void)state;
    avow_buf b = AVOW_BUF_INIT;
    avow_event ev;

    /* A v2 event that holds nothing of v2 must be written as v1. */
    avow_draft d = stance_draft();
    assert_int_equal(sign_decode(&b, &ev, &d), 0);
    b.ptr[CODEC_OFF_VERSION] = 2;
    resign(&b);
    assert_int_equal(avow_event_decode(&ev, b.ptr, b.len), AVOW_EFORMAT);
    assert_non_null(strstr(avow_error_last(), "write it as version 1"));

    /* A v1 event refuses abstains and the tags of v2. */
    d.stance = AVOW_STANCE_ABSTAINS;
    assert_int_equal(sign_decode(&b, &ev, &d), 0);
    b.ptr[CODEC_OFF_VERSION] = 1;
    resign(&b);
    assert_int_equal(avow_event_decode(&ev, b.ptr, b.len), AVOW_EFORMAT);
    assert_non_null(strstr(avow_error_last(), "stance has unknown value 4"));

    d = stance_draft();
    d.confidence = AVOW_CONFIDENCE_HIGH;
    assert_int_equal(sign_decode(&b, &ev, &d), 0);
    b.ptr[CODEC_OFF_VERSION] = 1;
    resign(&b);
    assert_int_equal(avow_event_decode(&ev, b.ptr, b.len), AVOW_EFORMAT);
    assert_non_null(strstr(avow_error_last(), "unknown field 14 in a stance event"));

    /* Version 3 is not read. */
    b.ptr[CODEC_OFF_VERSION] = 3;
    resign(&b);
    assert_int_equal(avow_event_decode(&ev, b.ptr, b.len), AVOW_EFORMAT);
    assert_non_null(strstr(avow_error_last(), "unknown format version 3"));

    /* A time field with a bad precision byte. */
    d = stance_draft();
    d.reported_at = day("2024-04-04", AVOW_TIME_START);
    d.reported_precision = AVOW_PREC_DAY;
    assert_int_equal(sign_decode(&b, &ev, &d), 0);
    b.ptr[b.len - AVOW_SIG_BYTES - 1] = 9; /* reported_at is the last field */
    resign(&b);
    assert_int_equal(avow_event_decode(&ev, b.ptr, b.len), AVOW_EFORMAT);
    assert_non_null(strstr(avow_error_last(), "reported_at"));
    avow_buf_dispose(&b);
}

static void
test_codec_v2__v1_kinds_10_and_11_stay_unknown(void **state)
{
    (void)state;
    /* A v1 event of kind 10 came from some newer avow of the v1 era: opaque,
     * its tags unchecked, its kind without meaning. */
    avow_buf b = AVOW_BUF_INIT;
    avow_event ev;
    avow_draft d = stance_draft();
    assert_int_equal(sign_decode(&b, &ev, &d), 0);
    b.ptr[CODEC_OFF_KIND] = AVOW_KIND_CANDIDATE_SIGNAL;
    resign(&b);
    assert_int_equal(avow_event_decode(&ev, b.ptr, b.len), 0);
    assert_false(avow_event_kind_known(&ev));
    avow_buf j = AVOW_BUF_INIT;
    assert_int_equal(avow_event_to_json(&j, &ev, 0, 0), 0);
    assert_int_equal(buf_put(&j, "", 1), 0);
    assert_non_null(strstr((const char *)j.ptr, "\"kind\":\"unknown\",\"kind_code\":10"));
    avow_buf_dispose(&j);
    avow_buf_dispose(&b);
}

static void
test_codec_v2__uncertain_dates_parse_to_the_instants_kept(void **state)
{
    (void)state;
    avow_at at;
    char text[AVOW_AT_STRLEN];
    static const struct {
        const char *in, *start, *at, *out;
        int q;
        avow_time_bound bound;
    } ok[] = {
        { "2024-04-02", NULL, "2024-04-02", "2024-04-02", AVOW_AT_EXACT, AVOW_TIME_START },
        { "2024-06-05~", NULL, "2024-06-05", "2024-06-05~", AVOW_AT_APPROXIMATE, AVOW_TIME_START },
        { "../2024-04-02", NULL, "2024-04-02", "../2024-04-02", AVOW_AT_BY, AVOW_TIME_END },
        { "2024-03-28/2024-04-02", "2024-03-28", "2024-04-02", "2024-03-28/2024-04-02",
          AVOW_AT_BETWEEN, AVOW_TIME_END },
        { "2024-02~", NULL, "2024-02", "2024-02~", AVOW_AT_APPROXIMATE, AVOW_TIME_START },
        { "2024-03/2024-04-02", "2024-03", "2024-04-02", "2024-03/2024-04-02", AVOW_AT_BETWEEN,
          AVOW_TIME_END },
    };
    for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
        assert_int_equal(avow_at_parse(&at, ok[i].in), 0);
        assert_int_equal(at.qualifier, ok[i].q);
        assert_int_equal(at.at, day(ok[i].at, ok[i].bound));
        if (ok[i].start != NULL) {
            assert_int_equal(at.from, day(ok[i].start, AVOW_TIME_START));
        }
        avow_at_format(text, &at);
        assert_string_equal(text, ok[i].out);
    }
    static const struct {
        const char *in, *what;
    } bad[] = {
        { "2024-04-02?", "use --confidence" },
        { "2024-04-02%", "use --confidence" },
        { "2024-04-XX", "unspecified digits" },
        { "2024-04-02/..", "open end" },
        { "../", "open end" },
        { "2024-04-02/2024-04-02", "starts before" },
        { "2024-04-05/2024-04-02", "starts before" },
        { "2024-13~", "month must be" },
        { "now~", "'now' is a date of its own" },
        { "", "empty" },
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        if (avow_at_parse(&at, bad[i].in) != AVOW_EINVALID ||
            strstr(avow_error_last(), bad[i].what) == NULL) {
            fail_msg("'%s': '%s', not '%s'", bad[i].in, avow_error_last(), bad[i].what);
        }
    }
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_codec_v2__a_v1_draft_is_still_written_as_version_1),
        cmocka_unit_test(test_codec_v2__research_fields_round_trip),
        cmocka_unit_test(test_codec_v2__new_kinds_and_values_round_trip),
        cmocka_unit_test(test_codec_v2__drafts_that_break_a_v2_rule_are_refused),
        cmocka_unit_test(test_codec_v2__crafted_events_break_each_decoder_rule),
        cmocka_unit_test(test_codec_v2__v1_kinds_10_and_11_stay_unknown),
        cmocka_unit_test(test_codec_v2__uncertain_dates_parse_to_the_instants_kept),
    };
    if (sodium_init() < 0) {
        return 1;
    }
    return cmocka_run_group_tests(tests, NULL, NULL);
}
