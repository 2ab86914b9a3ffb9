/* SPDX-License-Identifier: ISC */
/* test_chart.c - the SVG renderer (src/io/svg.c): steps, escaping, refusals, and
 * avow_chart_svg() drawing a ledger's contest as avow_state_compute() sees it. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "io/svg.h"
#include "testutil.h"

#define DAY INT64_C(86400000000)
#define T0  INT64_C(1704067200000000) /* 2024-01-01 */

static char *
render(const svg_series *s)
{
    avow_buf b = AVOW_BUF_INIT;
    assert_int_equal(svg_render(&b, s), 0);
    assert_int_equal(buf_put(&b, "", 1), 0);
    return (char *)b.ptr;
}

static void
test_chart__draws_steps_threshold_members_and_decision(void **state)
{
    (void)state;
    svg_point pts[3] = {
        { T0, 31, 31, { 4, 0 }, { 0 }, { 0 }, { 0 } },
        { T0 + 66 * DAY, 32, 32, { 4, 0 }, { 0 }, { 0 }, { 0 } },
        { T0 + 93 * DAY, 32, 32, { 28, 1 }, { 0 }, { 0 }, { 0 } },
    };
    svg_series s = { "NATO Secretary General 2024",
                     "unanimity",
                     2,
                     { "Rutte", "Iohannis" },
                     3,
                     pts,
                     T0,
                     T0 + 180 * DAY,
                     1,
                     T0 + 170 * DAY,
                     "Rutte",
                     0,
                     0,
                     NULL,
                     NULL,
                     NULL };
    char *svg = render(&s);
    assert_non_null(strstr(svg, "<svg xmlns=\"http://www.w3.org/2000/svg\""));
    assert_non_null(strstr(svg, "</svg>\n"));
    assert_non_null(strstr(svg, "31\xe2\x86\x92"
                                "32 members"));
    assert_non_null(strstr(svg, "decision: Rutte"));
    assert_non_null(strstr(svg, "needed (unanimity)"));
    assert_non_null(strstr(svg, ">2024-01<"));
    /* Rutte's line: 4 until day 93, then 28 (ymax = 33). */
    char expect[256];
    double plot_h = 540.0 - 84 - 84, top = 84;
    snprintf(expect, sizeof(expect), "M64.0 %.1f H", top + plot_h - plot_h * 4 / 33);
    assert_non_null(strstr(svg, expect));
    snprintf(expect, sizeof(expect), "V%.1f H", top + plot_h - plot_h * 28 / 33);
    assert_non_null(strstr(svg, expect));
    free(svg);
}

/* Format v2: an uncertain rise is not drawn as a step (no V into it), but
 * dashed; possible support is a hatched rect above the line. */
static void
test_chart__uncertain_rise_is_dashed_and_possible_is_hatched(void **state)
{
    (void)state;
    svg_point pts[3] = {
        { T0, 4, 4, { 1 }, { 0 }, { 0 }, { 0 } },
        { T0 + 10 * DAY, 4, 4, { 1 }, { 2 }, { 0 }, { 0 } },
        { T0 + 20 * DAY, 4, 4, { 3 }, { 0 }, { 1 }, { 0 } },
    };
    svg_series s = { "c", "unanimity", 1,    { "Rutte" }, 3, pts,  T0,   T0 + 40 * DAY,
                     0,   0,           NULL, 0,           0, NULL, NULL, NULL };
    char *svg = render(&s);
    double plot_h = 540.0 - 84 - 84, top = 84;
    char expect[256];
    /* ymax = 4 members + 1 = 5. */
    double y3 = top + plot_h - plot_h * 3 / 5;
    snprintf(expect, sizeof(expect), "V%.1f", y3);
    assert_null(strstr(svg, expect)); /* the rise to 3 is not a solid step */
    snprintf(expect, sizeof(expect), "y2=\"%.1f\"/>", y3);
    assert_non_null(strstr(svg, expect)); /* but a dashed line up to 3 */
    assert_non_null(strstr(svg, "class=\"uncertain\""));
    assert_non_null(strstr(svg, "class=\"possible\""));
    assert_non_null(strstr(svg, "<title>2 possible"));
    assert_non_null(strstr(svg, "id=\"hatch\""));
    free(svg);
}

static void
test_chart__escapes_text_from_the_ledger(void **state)
{
    (void)state;
    svg_point pts[1] = { { T0, 3, 2, { 1 }, { 0 }, { 0 }, { 0 } } };
    svg_series s = { "a<b>&\"c'", "majority", 1, { "<script>" }, 1,    pts, T0, T0 + 5 * DAY, 0, 0,
                     NULL,        0,          0, NULL,           NULL, NULL };
    char *svg = render(&s);
    assert_null(strstr(svg, "<script>"));
    assert_non_null(strstr(svg, "&lt;script&gt;"));
    assert_non_null(strstr(svg, "a&lt;b&gt;&amp;&quot;c&apos;"));
    assert_non_null(strstr(svg, ">2024-01-02<"));
    free(svg);
}

static void
test_chart__refuses_empty_or_backwards_ranges(void **state)
{
    (void)state;
    avow_buf b = AVOW_BUF_INIT;
    svg_point pts[1] = { { T0, 3, 2, { 1 }, { 0 }, { 0 }, { 0 } } };
    svg_series s = { "t", "majority", 1,    { "x" }, 0, pts,  T0,   T0 + DAY,
                     0,   0,          NULL, 0,       0, NULL, NULL, NULL };
    assert_int_equal(svg_render(&b, &s), AVOW_EINVALID);
    s.n_points = 1;
    s.to = s.from;
    assert_int_equal(svg_render(&b, &s), AVOW_EINVALID);
    assert_int_equal(b.len, 0);
    avow_buf_dispose(&b);
}

static void
test_chart__titles_each_step_inside_the_axis_with_its_counts(void **state)
{
    (void)state;
    svg_point pts[3] = {
        { T0 - DAY, 5, 4, { 1, 0 }, { 0 }, { 0 }, { 0 } },
        { T0 + 2 * DAY, 6, 4, { 3, 1 }, { 0 }, { 0 }, { 0 } },
        { T0 + 30 * DAY, 6, 4, { 4, 1 }, { 0 }, { 0 }, { 0 } },
    };
    svg_series s = { "t",  "2/3", 2, { "A&B", "C" }, 3,    pts, T0, T0 + 10 * DAY, 0, 0,
                     NULL, 0,     0, NULL,           NULL, NULL };
    char *svg = render(&s);
    assert_non_null(strstr(svg, "<title>2024-01-03T00:00:00Z: A&amp;B 3 of 6 members support, "
                                "4 needed</title>"));
    assert_non_null(strstr(svg, "<title>2024-01-03T00:00:00Z: C 1 of 6 members support, "
                                "4 needed</title>"));
    /* Before from and after to: drawn as the line's start or cut, never marked. */
    assert_null(strstr(svg, "2023-12-31T00:00:00Z"));
    assert_null(strstr(svg, "2024-01-31T00:00:00Z"));
    free(svg);
}

/* ---- avow_chart_svg: from a ledger -------------------------------------- */

static avow_draft
draft(uint8_t kind, const char *date, const char *actor, const char *candidate, uint8_t stance)
{
    avow_draft d = AVOW_DRAFT_INIT;
    d.kind = kind;
    assert_int_equal(avow_time_parse(&d.effective_at, NULL, date, AVOW_TIME_START), 0);
    d.precision = AVOW_PREC_DAY;
    d.contest = "sg";
    d.actor = actor;
    d.candidate = candidate;
    d.stance = stance;
    if (kind == AVOW_KIND_CONTEST) {
        d.title = "Secretary General";
        d.rule = "unanimity";
    }
    if (kind != AVOW_KIND_CONTEST) {
        d.source = "https://www.example.org/s";
    }
    return d;
}

static avow_ledger *
race(char **dir, avow_key **key)
{
    avow_ledger *l = tu_ledger(dir);
    avow_draft d[] = {
        draft(AVOW_KIND_CONTEST, "2024-01-01", NULL, NULL, 0),
        draft(AVOW_KIND_MEMBER_JOIN, "2024-01-01", "LT", NULL, 0),
        draft(AVOW_KIND_MEMBER_JOIN, "2024-01-01", "EE", NULL, 0),
        draft(AVOW_KIND_MEMBER_JOIN, "2024-01-01", "HU", NULL, 0),
        draft(AVOW_KIND_MEMBER_JOIN, "2024-03-07", "SE", NULL, 0),
        draft(AVOW_KIND_CANDIDATE_ENTER, "2024-02-22", NULL, "Rutte", 0),
        draft(AVOW_KIND_CANDIDATE_ENTER, "2024-03-12", NULL, "Iohannis", 0),
        draft(AVOW_KIND_STANCE, "2024-04-03", "LT", "Rutte", AVOW_STANCE_SUPPORTS),
        draft(AVOW_KIND_STANCE, "2024-04-03", "EE", "Rutte", AVOW_STANCE_SUPPORTS),
        draft(AVOW_KIND_STANCE, "2024-04-03", "HU", "Rutte", AVOW_STANCE_OPPOSES),
        draft(AVOW_KIND_STANCE, "2024-04-20", "SE", "Rutte", AVOW_STANCE_SUPPORTS),
        draft(AVOW_KIND_STANCE, "2024-05-01", "HU", "Rutte", AVOW_STANCE_SUPPORTS),
        draft(AVOW_KIND_DECISION, "2024-06-26", NULL, "Rutte", 0),
    };
    *key = tu_key(7);
    assert_int_equal(avow_ledger_append_drafts(NULL, NULL, l, *key, d, sizeof(d) / sizeof(d[0])),
                     0);
    return l;
}

static char *
chart_of(avow_ledger *l, const avow_chart_opts *opts)
{
    avow_buf b = AVOW_BUF_INIT;
    assert_int_equal(avow_chart_svg(&b, l, "sg", opts), 0);
    assert_int_equal(buf_put(&b, "", 1), 0);
    return (char *)b.ptr;
}

static void
test_chart__ledger_steps_equal_the_state_at_each_change(void **state)
{
    (void)state;
    char *dir, *svg, when[AVOW_TIME_STRLEN], expect[256];
    avow_key *key;
    avow_ledger *l = race(&dir, &key);
    /* The axis starts shortly before the first candidacy (2024-02-22), so the
     * contest's founding day (2024-01-01) is its starting value, not a step. */
    const char *dates[] = { "2024-02-22", "2024-03-07", "2024-03-12", "2024-04-03",
                            "2024-04-20", "2024-05-01", "2024-06-26" };
    size_t steps = 0;

    svg = chart_of(l, NULL);
    for (const char *p = svg; (p = strstr(p, "<title>")) != NULL; p++) {
        steps++;
    }
    /* Seven distinct change times on the axis, two candidates each. */
    assert_int_equal(steps, 14);
    assert_null(strstr(svg, "2024-01-01T00:00:00Z"));
    for (size_t i = 0; i < sizeof(dates) / sizeof(dates[0]); i++) {
        avow_state_opts so = AVOW_STATE_OPTS_INIT;
        avow_state *st = NULL;
        assert_int_equal(avow_time_parse(&so.at, NULL, dates[i], AVOW_TIME_START), 0);
        assert_int_equal(avow_state_compute(&st, l, "sg", &so), 0);
        avow_time_format(when, so.at, AVOW_PREC_MICRO);
        for (size_t c = 0; c < avow_state_candidate_count(st); c++) {
            snprintf(expect, sizeof(expect), "<title>%s: %s %zu of %zu members support, %zu needed",
                     when, avow_state_candidate_name(st, c), avow_state_support_count(st, c),
                     avow_state_member_count(st), avow_state_needed(st));
            assert_non_null(strstr(svg, expect));
        }
        avow_state_free(st);
    }
    assert_non_null(strstr(svg, "Rutte 4 of 4 members support, 4 needed"));
    assert_non_null(strstr(svg, "decision: Rutte"));
    assert_non_null(strstr(svg, "3\xe2\x86\x92"
                                "4 members"));
    assert_non_null(strstr(svg, "Support over time: Secretary General"));
    free(svg);
    avow_ledger_free(l);
    avow_key_free(key);
    tu_rmrf(dir);
    free(dir);
}

static void
test_chart__ledger_axis_follows_from_to_and_known_at(void **state)
{
    (void)state;
    char *dir, *svg;
    avow_key *key;
    avow_ledger *l = race(&dir, &key);
    avow_chart_opts o = AVOW_CHART_OPTS_INIT;

    assert_int_equal(avow_time_parse(&o.from, NULL, "2024-03-01", AVOW_TIME_START), 0);
    assert_int_equal(avow_time_parse(&o.to, NULL, "2024-04-10", AVOW_TIME_END), 0);
    svg = chart_of(l, &o);
    assert_null(strstr(svg, "2024-02-22T00:00:00Z"));
    assert_null(strstr(svg, "2024-04-20T00:00:00Z"));
    assert_null(strstr(svg, "decision: Rutte")); /* after the axis */
    assert_non_null(strstr(svg, "2024-04-03T00:00:00Z: Rutte 2 of 4 members support"));
    free(svg);

    /* Known at a time before anything was recorded: no candidate, no step. */
    o = (avow_chart_opts)AVOW_CHART_OPTS_INIT;
    assert_int_equal(avow_time_parse(&o.known_at, NULL, "2000-01-01", AVOW_TIME_END), 0);
    svg = chart_of(l, &o);
    assert_non_null(strstr(svg, "</svg>"));
    assert_null(strstr(svg, "<title>"));
    free(svg);

    avow_ledger_free(l);
    avow_key_free(key);
    tu_rmrf(dir);
    free(dir);
}

static void
test_chart__ledger_refuses_unknown_contest_backwards_axis_and_too_many_candidates(void **state)
{
    (void)state;
    char *dir;
    avow_key *key;
    avow_ledger *l = race(&dir, &key);
    avow_buf b = AVOW_BUF_INIT;
    avow_chart_opts o = AVOW_CHART_OPTS_INIT;
    char names[AVOW_CHART_MAX_CANDIDATES + 1][8];
    avow_draft d[AVOW_CHART_MAX_CANDIDATES + 1];

    assert_int_equal(avow_chart_svg(&b, l, "nosuch", NULL), AVOW_ENOTFOUND);
    assert_int_equal(avow_time_parse(&o.from, NULL, "2024-05-01", AVOW_TIME_START), 0);
    assert_int_equal(avow_time_parse(&o.to, NULL, "2024-04-01", AVOW_TIME_END), 0);
    assert_int_equal(avow_chart_svg(&b, l, "sg", &o), AVOW_EINVALID);
    assert_int_equal(avow_chart_svg(NULL, l, "sg", NULL), AVOW_EINVALID);

    /* Two candidates already: 17 more make 19, past the limit. */
    for (size_t i = 0; i < AVOW_CHART_MAX_CANDIDATES + 1; i++) {
        snprintf(names[i], sizeof(names[i]), "C%zu", i);
        d[i] = draft(AVOW_KIND_CANDIDATE_ENTER, "2024-03-01", NULL, names[i], 0);
    }
    assert_int_equal(avow_ledger_append_drafts(NULL, NULL, l, key, d, sizeof(d) / sizeof(d[0])), 0);
    assert_int_equal(avow_chart_svg(&b, l, "sg", NULL), AVOW_ERANGE);
    assert_non_null(strstr(avow_error_last(), "candidates"));
    assert_int_equal(b.len, 0);

    avow_buf_dispose(&b);
    avow_ledger_free(l);
    avow_key_free(key);
    tu_rmrf(dir);
    free(dir);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_chart__draws_steps_threshold_members_and_decision),
        cmocka_unit_test(test_chart__escapes_text_from_the_ledger),
        cmocka_unit_test(test_chart__uncertain_rise_is_dashed_and_possible_is_hatched),
        cmocka_unit_test(test_chart__refuses_empty_or_backwards_ranges),
        cmocka_unit_test(test_chart__titles_each_step_inside_the_axis_with_its_counts),
        cmocka_unit_test(test_chart__ledger_steps_equal_the_state_at_each_change),
        cmocka_unit_test(test_chart__ledger_axis_follows_from_to_and_known_at),
        cmocka_unit_test(
          test_chart__ledger_refuses_unknown_contest_backwards_axis_and_too_many_candidates),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
