/* SPDX-License-Identifier: ISC */
/* test_chart.c - the SVG renderer (src/chart.c): steps, escaping, refusals. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "chart.h"
#include "testutil.h"

#define DAY INT64_C(86400000000)
#define T0  INT64_C(1704067200000000) /* 2024-01-01 */

static char *
render(const chart_series *s)
{
    avow_buf b = AVOW_BUF_INIT;
    assert_int_equal(chart_render_svg(&b, s), 0);
    assert_int_equal(avow_buf_put(&b, "", 1), 0);
    return (char *)b.ptr;
}

static void
test_chart__draws_steps_threshold_members_and_decision(void **state)
{
    (void)state;
    chart_point pts[3] = {
        { T0, 31, 31, { 4, 0 } },
        { T0 + 66 * DAY, 32, 32, { 4, 0 } },
        { T0 + 93 * DAY, 32, 32, { 28, 1 } },
    };
    chart_series s = { "NATO Secretary General 2024",
                       "unanimity",
                       2,
                       { "Rutte", "Iohannis" },
                       3,
                       pts,
                       T0,
                       T0 + 180 * DAY,
                       1,
                       T0 + 170 * DAY,
                       "Rutte" };
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
    double plot_h = 520.0 - 64 - 72, top = 64;
    snprintf(expect, sizeof(expect), "M64.0 %.1f H", top + plot_h - plot_h * 4 / 33);
    assert_non_null(strstr(svg, expect));
    snprintf(expect, sizeof(expect), "V%.1f H", top + plot_h - plot_h * 28 / 33);
    assert_non_null(strstr(svg, expect));
    free(svg);
}

static void
test_chart__escapes_text_from_the_ledger(void **state)
{
    (void)state;
    chart_point pts[1] = { { T0, 3, 2, { 1 } } };
    chart_series s = { "a<b>&\"c'", "majority", 1,   { "<script>" }, 1, pts, T0, T0 + 5 * DAY,
                       0,           0,          NULL };
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
    chart_point pts[1] = { { T0, 3, 2, { 1 } } };
    chart_series s = { "t", "majority", 1, { "x" }, 0, pts, T0, T0 + DAY, 0, 0, NULL };
    assert_int_equal(chart_render_svg(&b, &s), AVOW_EINVALID);
    s.n_points = 1;
    s.to = s.from;
    assert_int_equal(chart_render_svg(&b, &s), AVOW_EINVALID);
    assert_int_equal(b.len, 0);
    avow_buf_dispose(&b);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_chart__draws_steps_threshold_members_and_decision),
        cmocka_unit_test(test_chart__escapes_text_from_the_ledger),
        cmocka_unit_test(test_chart__refuses_empty_or_backwards_ranges),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
