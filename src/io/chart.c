/* SPDX-License-Identifier: ISC */
/*
 * chart.c - support over time as a standalone SVG document.
 *
 * Invariants:
 *  1. The output is well-formed XML and valid standalone SVG 1.1: every text
 *     from the ledger is escaped (& < > " '), nothing refers outside the file.
 *  2. A step line holds its value from one point until the next (or the end
 *     of the axis): the chart shows the state, not an interpolation.
 *  3. Coordinates are computed from the series alone: the same series gives
 *     the same bytes.
 *  4. Every point inside the axis carries, per candidate, a marker whose
 *     <title> states the exact time and the counts drawn there, so the drawing
 *     can be checked against `avow state --at TIME` without reading geometry.
 *  5. avow_chart_svg() draws only what avow_state_compute() says at each
 *     distinct effective time of the contest's changes: the chart is a view of
 *     the projection, never a second computation of it.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#include "io/chart.h"

_Static_assert(CHART_MAX_CANDIDATES == AVOW_CHART_MAX_CANDIDATES,
               "the renderer draws as many candidates as the API promises");

#define W      960.0
#define H      520.0
#define LEFT   64.0
#define RIGHT  200.0
#define TOP    64.0
#define BOTTOM 72.0
#define PLOT_W (W - LEFT - RIGHT)
#define PLOT_H (H - TOP - BOTTOM)
#define DAY_US INT64_C(86400000000)

static const char *const palette[] = { "#1f77b4", "#d62728", "#2ca02c", "#9467bd",
                                       "#ff7f0e", "#8c564b", "#e377c2", "#17becf" };
#define PALETTE_N (sizeof(palette) / sizeof(palette[0]))

static int svg_printf(avow_buf *out, const char *fmt, ...) AVOW_PRINTF(2, 3);

static int
svg_printf(avow_buf *out, const char *fmt, ...)
{
    char tmp[1024];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(tmp, sizeof(tmp), fmt, ap);
    va_end(ap);
    if (n < 0 || (size_t)n >= sizeof(tmp)) {
        return avow_error_set(AVOW_EINVALID, "chart: an SVG element is too long");
    }
    return avow_buf_put(out, tmp, (size_t)n);
}

/* Text content or attribute value, escaped for XML (invariant 1). */
static int
svg_text(avow_buf *out, const char *s)
{
    int error = 0;
    for (; *s != '\0' && error == 0; s++) {
        switch (*s) {
        case '&':
            error = avow_buf_put(out, "&amp;", 5);
            break;
        case '<':
            error = avow_buf_put(out, "&lt;", 4);
            break;
        case '>':
            error = avow_buf_put(out, "&gt;", 4);
            break;
        case '"':
            error = avow_buf_put(out, "&quot;", 6);
            break;
        case '\'':
            error = avow_buf_put(out, "&apos;", 6);
            break;
        default:
            error = avow_buf_put(out, s, 1);
            break;
        }
    }
    return error;
}

static double
x_of(const chart_series *s, int64_t t)
{
    if (t < s->from) {
        t = s->from;
    }
    if (t > s->to) {
        t = s->to;
    }
    return LEFT + PLOT_W * (double)(t - s->from) / (double)(s->to - s->from);
}

static double
y_of(unsigned v, unsigned ymax)
{
    return TOP + PLOT_H - PLOT_H * (double)v / (double)ymax;
}

/* Year and month of t (UTC). */
static void
year_month(int64_t t, long *year, long *month)
{
    char text[AVOW_TIME_STRLEN];
    avow_time_format(text, t, AVOW_PREC_MONTH);
    *year = strtol(text, NULL, 10);
    *month = strtol(text + 5, NULL, 10);
}

static int64_t
month_start(long year, long month)
{
    char text[48];
    int64_t t = 0;
    while (month > 12) {
        month -= 12;
        year++;
    }
    (void)snprintf(text, sizeof(text), "%04ld-%02ld", year, month);
    if (avow_time_parse(&t, NULL, text, AVOW_TIME_START) < 0) {
        return AVOW_TIME_MAX;
    }
    return t;
}

/* Date ticks: days, weeks or months, so that at most about eight show. */
static int
draw_time_axis(avow_buf *out, const chart_series *s)
{
    int error;
    int64_t span_days = (s->to - s->from) / DAY_US + 1;
    char label[AVOW_TIME_STRLEN];

    if (span_days <= 120) {
        int64_t step = span_days <= 8 ? 1 : span_days <= 56 ? 7 : 14;
        int64_t t = s->from - ((s->from % DAY_US) + DAY_US) % DAY_US;
        if (t < s->from) {
            t += DAY_US;
        }
        for (; t <= s->to; t += step * DAY_US) {
            double x = x_of(s, t);
            avow_time_format(label, t, AVOW_PREC_DAY);
            if ((error = svg_printf(out,
                                    "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" "
                                    "class=\"grid\"/>\n<text x=\"%.1f\" y=\"%.1f\" "
                                    "class=\"tick\" text-anchor=\"middle\">%s</text>\n",
                                    x, TOP, x, TOP + PLOT_H, x, TOP + PLOT_H + 18, label)) < 0) {
                return error;
            }
        }
        return 0;
    }
    long months = (long)(span_days / 30) + 1;
    long step = months <= 8 ? 1 : months <= 16 ? 2 : months <= 24 ? 3 : months <= 48 ? 6 : 12;
    long y, m;
    year_month(s->from, &y, &m);
    for (long k = 0;; k += step) {
        int64_t t = month_start(y, m + k);
        if (t < s->from) {
            continue;
        }
        if (t > s->to) {
            break;
        }
        double x = x_of(s, t);
        avow_time_format(label, t, AVOW_PREC_MONTH);
        if ((error = svg_printf(out,
                                "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" "
                                "class=\"grid\"/>\n<text x=\"%.1f\" y=\"%.1f\" class=\"tick\" "
                                "text-anchor=\"middle\">%s</text>\n",
                                x, TOP, x, TOP + PLOT_H, x, TOP + PLOT_H + 18, label)) < 0) {
            return error;
        }
    }
    return 0;
}

static int
draw_value_axis(avow_buf *out, unsigned ymax)
{
    int error;
    unsigned step = ymax <= 10 ? 1 : ymax <= 25 ? 2 : ymax <= 60 ? 5 : ymax <= 150 ? 10 : 50;
    for (unsigned v = 0; v <= ymax; v += step) {
        double y = y_of(v, ymax);
        if ((error = svg_printf(out,
                                "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" "
                                "class=\"grid\"/>\n<text x=\"%.1f\" y=\"%.1f\" class=\"tick\" "
                                "text-anchor=\"end\">%u</text>\n",
                                LEFT, y, LEFT + PLOT_W, y, LEFT - 8, y + 4, v)) < 0) {
            return error;
        }
    }
    return 0;
}

/* A step path through (t_i, value_i), holding each value until the next point
 * (invariant 2). which < n_candidates: that candidate's support; else needed. */
static int
draw_steps(avow_buf *out, const chart_series *s, size_t which, unsigned ymax, const char *cls,
           const char *color)
{
    int error;
    int started = 0;
    for (size_t i = 0; i < s->n_points; i++) {
        const chart_point *p = &s->points[i];
        if (p->t > s->to) {
            break;
        }
        unsigned v = which < s->n_candidates ? p->support[which] : p->needed;
        double x = x_of(s, p->t), y = y_of(v, ymax);
        if (!started) {
            error =
              svg_printf(out, "<path class=\"%s\" stroke=\"%s\" d=\"M%.1f %.1f", cls, color, x, y);
            started = 1;
        } else {
            error = svg_printf(out, " H%.1f V%.1f", x, y);
        }
        if (error < 0) {
            return error;
        }
    }
    if (!started) {
        return 0;
    }
    return svg_printf(out, " H%.1f\"/>\n", LEFT + PLOT_W);
}

static int
draw_markers(avow_buf *out, const chart_series *s)
{
    int error;
    for (size_t i = 1; i < s->n_points; i++) {
        const chart_point *p = &s->points[i], *q = &s->points[i - 1];
        if (p->members == q->members || p->t < s->from || p->t > s->to) {
            continue;
        }
        double x = x_of(s, p->t);
        if ((error = svg_printf(out,
                                "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" "
                                "class=\"members\"/>\n<text x=\"%.1f\" y=\"%.1f\" "
                                "class=\"note\">%u\xe2\x86\x92%u members</text>\n",
                                x, TOP, x, TOP + PLOT_H, x + 4, TOP + 14 + 14 * (double)(i % 3),
                                q->members, p->members)) < 0) {
            return error;
        }
    }
    if (s->has_decision && s->decision_at >= s->from && s->decision_at <= s->to) {
        double x = x_of(s, s->decision_at);
        if ((error = svg_printf(out,
                                "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" "
                                "class=\"decision\"/>\n<text x=\"%.1f\" y=\"%.1f\" "
                                "class=\"note\" text-anchor=\"middle\">decision: ",
                                x, TOP - 4, x, TOP + PLOT_H, x, TOP - 10)) < 0 ||
            (error = svg_text(out, s->decision_candidate ? s->decision_candidate : "")) < 0 ||
            (error = svg_printf(out, "</text>\n")) < 0) {
            return error;
        }
    }
    return 0;
}

/* A marker per candidate at each point, titled with the exact counts (invariant 4). */
static int
draw_points(avow_buf *out, const chart_series *s, unsigned ymax)
{
    int error;
    char when[AVOW_TIME_STRLEN];
    for (size_t i = 0; i < s->n_points; i++) {
        const chart_point *p = &s->points[i];
        if (p->t < s->from || p->t > s->to) {
            continue;
        }
        avow_time_format(when, p->t, AVOW_PREC_MICRO);
        for (size_t c = 0; c < s->n_candidates; c++) {
            if ((error = svg_printf(out,
                                    "<circle class=\"step\" cx=\"%.1f\" cy=\"%.1f\" r=\"3\" "
                                    "fill=\"%s\"><title>%s: ",
                                    x_of(s, p->t), y_of(p->support[c], ymax),
                                    palette[c % PALETTE_N], when)) < 0 ||
                (error = svg_text(out, s->candidates[c])) < 0 ||
                (error = svg_printf(out, " %u of %u members support, %u needed</title></circle>\n",
                                    p->support[c], p->members, p->needed)) < 0) {
                return error;
            }
        }
    }
    return 0;
}

static int
draw_legend(avow_buf *out, const chart_series *s)
{
    int error;
    double x = LEFT + PLOT_W + 24, y = TOP + 8;
    for (size_t c = 0; c < s->n_candidates; c++, y += 22) {
        if ((error = svg_printf(out,
                                "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" "
                                "class=\"support\" stroke=\"%s\"/>\n<text x=\"%.1f\" y=\"%.1f\" "
                                "class=\"legend\">",
                                x, y, x + 24, y, palette[c % PALETTE_N], x + 32, y + 4)) < 0 ||
            (error = svg_text(out, s->candidates[c])) < 0 ||
            (error = svg_printf(out, "</text>\n")) < 0) {
            return error;
        }
    }
    if ((error = svg_printf(out,
                            "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" "
                            "class=\"needed\" stroke=\"#555\"/>\n<text x=\"%.1f\" y=\"%.1f\" "
                            "class=\"legend\">needed (",
                            x, y, x + 24, y, x + 32, y + 4)) < 0 ||
        (error = svg_text(out, s->rule ? s->rule : "rule")) < 0 ||
        (error = svg_printf(out, ")</text>\n")) < 0) {
        return error;
    }
    return 0;
}

int
chart_render_svg(avow_buf *out, const chart_series *s)
{
    int error;
    unsigned ymax = 1;
    size_t start = out->len;

    if (s->n_points == 0 || s->from >= s->to || s->n_candidates > CHART_MAX_CANDIDATES) {
        return avow_error_set(AVOW_EINVALID, "chart: nothing to draw between these times");
    }
    for (size_t i = 0; i < s->n_points; i++) {
        const chart_point *p = &s->points[i];
        if (p->members > ymax) {
            ymax = p->members;
        }
        if (p->needed > ymax) {
            ymax = p->needed;
        }
        for (size_t c = 0; c < s->n_candidates; c++) {
            if (p->support[c] > ymax) {
                ymax = p->support[c];
            }
        }
    }
    ymax += 1;

    if ((error = svg_printf(out,
                            "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n"
                            "<svg xmlns=\"http://www.w3.org/2000/svg\" version=\"1.1\" "
                            "width=\"%.0f\" height=\"%.0f\" viewBox=\"0 0 %.0f %.0f\">\n",
                            W, H, W, H)) < 0 ||
        (error = svg_printf(
           out, "<style>\n"
                "text { font-family: sans-serif; font-size: 12px; fill: #222; }\n"
                ".title { font-size: 17px; font-weight: bold; }\n"
                ".grid { stroke: #e3e3e3; stroke-width: 1; }\n"
                ".axis { stroke: #444; stroke-width: 1; }\n"
                ".support { fill: none; stroke-width: 2.5; }\n"
                ".needed { fill: none; stroke-width: 1.5; stroke-dasharray: 6 4; }\n"
                ".members { stroke: #888; stroke-width: 1; stroke-dasharray: 2 3; }\n"
                ".decision { stroke: #000; stroke-width: 2; }\n"
                ".note { font-size: 11px; fill: #555; }\n"
                "</style>\n<rect width=\"100%%\" height=\"100%%\" fill=\"#ffffff\"/>\n")) < 0 ||
        (error = svg_printf(
           out, "<text x=\"%.1f\" y=\"30\" class=\"title\">Support over time: ", LEFT)) < 0 ||
        (error = svg_text(out, s->title ? s->title : "")) < 0 ||
        (error = svg_printf(out, "</text>\n")) < 0 || (error = draw_value_axis(out, ymax)) < 0 ||
        (error = draw_time_axis(out, s)) < 0 ||
        (error = svg_printf(out,
                            "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" "
                            "class=\"axis\"/>\n<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" "
                            "y2=\"%.1f\" class=\"axis\"/>\n",
                            LEFT, TOP + PLOT_H, LEFT + PLOT_W, TOP + PLOT_H, LEFT, TOP, LEFT,
                            TOP + PLOT_H)) < 0 ||
        (error = svg_printf(out,
                            "<text x=\"18\" y=\"%.1f\" class=\"tick\" "
                            "transform=\"rotate(-90 18 %.1f)\" text-anchor=\"middle\">"
                            "members supporting</text>\n",
                            TOP + PLOT_H / 2, TOP + PLOT_H / 2)) < 0 ||
        (error = draw_markers(out, s)) < 0 ||
        (error = draw_steps(out, s, s->n_candidates, ymax, "needed", "#555")) < 0) {
        goto done;
    }
    for (size_t c = 0; c < s->n_candidates; c++) {
        if ((error = draw_steps(out, s, c, ymax, "support", palette[c % PALETTE_N])) < 0) {
            goto done;
        }
    }
    if ((error = draw_points(out, s, ymax)) < 0 || (error = draw_legend(out, s)) < 0 ||
        (error = svg_printf(out, "</svg>\n")) < 0) {
        goto done;
    }
done:
    if (error < 0) {
        out->len = start;
    }
    return error;
}

/* ---- from a ledger ------------------------------------------------------ */

/* The distinct effective times of a contest's changes, ascending. */
typedef struct chart_times {
    int64_t *t;
    size_t n, cap;
} chart_times;

static int
chart_collect(const avow_change *ch, void *payload)
{
    chart_times *ts = payload;
    int64_t t = ch->event->effective_at;

    /* avow_history() reports in effective_at order: equal times are adjacent. */
    if (ts->n > 0 && ts->t[ts->n - 1] == t) {
        return 0;
    }
    if (ts->n == ts->cap) {
        size_t cap = ts->cap == 0 ? 64 : ts->cap * 2;
        int64_t *p = cap > SIZE_MAX / sizeof(*p) ? NULL : realloc(ts->t, cap * sizeof(*p));
        if (p == NULL) {
            return avow_error_set(AVOW_ENOMEM, "chart: out of memory");
        }
        ts->t = p;
        ts->cap = cap;
    }
    ts->t[ts->n++] = t;
    return 0;
}

static int
chart_state(avow_state **out, avow_ledger *ledger, const char *contest, int64_t at,
            const avow_chart_opts *opts)
{
    avow_state_opts so = AVOW_STATE_OPTS_INIT;
    so.at = at;
    so.known_at = opts->known_at;
    so.all_authors = opts->all_authors;
    return avow_state_compute(out, ledger, contest, &so);
}

int
avow_chart_svg(avow_buf *out, avow_ledger *ledger, const char *contest, const avow_chart_opts *opts)
{
    avow_chart_opts def = AVOW_CHART_OPTS_INIT;
    avow_history_opts ho = AVOW_HISTORY_OPTS_INIT;
    chart_times ts = { NULL, 0, 0 };
    chart_point *points = NULL;
    avow_state *last = NULL, *st = NULL;
    chart_series s;
    size_t n_points = 0;
    int error;

    if (out == NULL || ledger == NULL || contest == NULL) {
        return avow_error_set(AVOW_EINVALID, "avow_chart_svg: no output, ledger or contest");
    }
    if (opts == NULL) {
        opts = &def;
    }
    memset(&s, 0, sizeof(s));
    ho.all_authors = opts->all_authors;
    if ((error = avow_history(ledger, contest, &ho, chart_collect, &ts)) != 0) {
        if (error > 0) {
            error = avow_error_set(AVOW_EIO, "chart: history stopped");
        }
        goto done;
    }
    if (ts.n == 0) {
        error = avow_error_set(AVOW_EINVALID, "chart: no change of '%s' counts%s", contest,
                               opts->all_authors ? "" : " (its authors are not trusted?)");
        goto done;
    }

    /* The axis (see avow_chart_opts). */
    s.from = opts->from != AVOW_TIME_MAX ? opts->from : ts.t[0];
    if (opts->to != AVOW_TIME_MAX) {
        s.to = opts->to;
    } else if (ts.t[ts.n - 1] > s.from) {
        int64_t span = ts.t[ts.n - 1] - s.from;
        int64_t margin = span / 10 > DAY_US ? span / 10 : DAY_US;
        s.to = ts.t[ts.n - 1] <= AVOW_TIME_MAX - margin ? ts.t[ts.n - 1] + margin : AVOW_TIME_MAX;
    } else {
        int64_t now = avow_time_now();
        s.to = now > s.from ? now : (s.from <= AVOW_TIME_MAX - DAY_US ? s.from + DAY_US : s.from);
    }
    if (s.from >= s.to) {
        error = avow_error_set(AVOW_EINVALID, "chart: the time axis must end after it starts");
        goto done;
    }

    /* Candidates, title, rule and decision: the state at the end of the axis. */
    if ((error = chart_state(&last, ledger, contest, s.to, opts)) < 0) {
        goto done;
    }
    s.n_candidates = avow_state_candidate_count(last);
    if (s.n_candidates > CHART_MAX_CANDIDATES) {
        error = avow_error_set(AVOW_ERANGE, "chart: '%s' has %zu candidates, at most %d are drawn",
                               contest, s.n_candidates, CHART_MAX_CANDIDATES);
        goto done;
    }
    for (size_t c = 0; c < s.n_candidates; c++) {
        s.candidates[c] = avow_state_candidate_name(last, c);
    }
    s.title = avow_state_title(last) != NULL ? avow_state_title(last) : contest;
    s.rule = avow_state_rule(last);
    s.has_decision = avow_state_decision(last, &s.decision_candidate, &s.decision_at, NULL);

    /* One point per change time up to the end of the axis (invariant 5). */
    if ((points = calloc(ts.n, sizeof(*points))) == NULL) {
        error = avow_error_set(AVOW_ENOMEM, "chart: out of memory");
        goto done;
    }
    for (size_t i = 0; i < ts.n && ts.t[i] <= s.to; i++) {
        chart_point *p = &points[n_points++];
        if ((error = chart_state(&st, ledger, contest, ts.t[i], opts)) < 0) {
            goto done;
        }
        p->t = ts.t[i];
        p->members = (unsigned)avow_state_member_count(st);
        p->needed = (unsigned)avow_state_needed(st);
        for (size_t k = 0; k < avow_state_candidate_count(st); k++) {
            const char *name = avow_state_candidate_name(st, k);
            for (size_t c = 0; c < s.n_candidates; c++) {
                if (strcmp(name, s.candidates[c]) == 0) {
                    p->support[c] = (unsigned)avow_state_support_count(st, k);
                    break;
                }
            }
        }
        avow_state_free(st);
        st = NULL;
    }
    if (n_points == 0) {
        /* Every change comes after the axis: the contest as it stood then. */
        points[0].t = s.from;
        n_points = 1;
    }
    s.n_points = n_points;
    s.points = points;
    error = chart_render_svg(out, &s);

done:
    avow_state_free(st);
    avow_state_free(last);
    free(points);
    free(ts.t);
    return error;
}
