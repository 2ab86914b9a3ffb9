/* SPDX-License-Identifier: ISC */
/*
 * svg.c - support over time as a standalone SVG document, drawn from plain
 * series (src/io/chart.c builds them from a ledger), so that the renderer is
 * tested apart from the projections that feed it.
 *
 * Invariants (tests/unit/test_chart.c):
 *  1. The output is well-formed XML and valid standalone SVG 1.1: every text
 *     from the ledger is escaped (& < > " '), nothing refers outside the file.
 *  2. A step line holds its value from one point until the next (or the end
 *     of the axis): the chart shows the state, not an interpolation.
 *  3. Coordinates are computed from the series alone: the same series gives
 *     the same bytes.
 *  4. Every point inside the axis carries, per candidate, a marker whose
 *     <title> states the exact time and the counts drawn there, so the drawing
 *     can be checked against `avow state --at TIME` without reading geometry.
 *  5. Default colours are colour-blind safe and not party colours.
 *  6. A candidate's line runs only while it is signalled or running; its
 *     entry is ringed and its withdrawal crossed.
 *  7. Text boxes never overlap: date ticks are spaced by their label width,
 *     member-change notes that would collide with an earlier one are dropped
 *     (the dotted line stays).
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#include "io/svg.h"

#define LEFT   64.0
#define RIGHT  200.0
#define TOP    84.0
#define BOTTOM 84.0
#define PLOT_W (s->width - LEFT - RIGHT)
#define PLOT_H (s->height - TOP - BOTTOM)

/* Okabe and Ito's palette (invariant 5): told apart with any common colour
 * vision deficiency, and not the red/blue/green of party politics first. */
static const char *const svg_palette[] = { "#0072B2", "#E69F00", "#009E73", "#CC79A7",
                                           "#56B4E9", "#D55E00", "#999933", "#332288" };
#define SVG_PALETTE_N (sizeof(svg_palette) / sizeof(svg_palette[0]))

static int svg_printf(avow_buf *out, const char *fmt, ...) AVOW_PRINTF(2, 3);

static int
svg_printf(avow_buf *out, const char *fmt, ...)
{
    char tmp[1024];
    va_list ap;
    va_start(ap, fmt);
    /* clang-tidy 14 reports ap uninitialized after va_start (error.c too). */
    int n = vsnprintf(tmp, sizeof(tmp), fmt, ap); /* NOLINT(clang-analyzer-valist.Uninitialized) */
    va_end(ap);
    if (n < 0 || (size_t)n >= sizeof(tmp)) {
        return error_set(AVOW_EINVALID, "chart: an SVG element is too long");
    }
    return buf_put(out, tmp, (size_t)n);
}

/* Literal text: nothing to format. */
static int
svg_lit(avow_buf *out, const char *text)
{
    return buf_put(out, text, strlen(text));
}

/* Text content or attribute value, escaped for XML (invariant 1). */
static int
svg_text(avow_buf *out, const char *s)
{
    int error = 0;
    for (; *s != '\0' && error == 0; s++) {
        switch (*s) {
        case '&':
            error = buf_put(out, "&amp;", 5);
            break;
        case '<':
            error = buf_put(out, "&lt;", 4);
            break;
        case '>':
            error = buf_put(out, "&gt;", 4);
            break;
        case '"':
            error = buf_put(out, "&quot;", 6);
            break;
        case '\'':
            error = buf_put(out, "&apos;", 6);
            break;
        default:
            error = buf_put(out, s, 1);
            break;
        }
    }
    return error;
}

static double
svg_x(const svg_series *s, int64_t t)
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
svg_y(const svg_series *s, unsigned v, unsigned ymax)
{
    return TOP + PLOT_H - PLOT_H * (double)v / (double)ymax;
}

/* Year and month of t (UTC). */
static void
svg_year_month(int64_t t, long *year, long *month)
{
    char text[AVOW_TIME_STRLEN];
    avow_time_format(text, t, AVOW_PREC_MONTH);
    *year = strtol(text, NULL, 10);
    *month = strtol(text + 5, NULL, 10);
}

static int64_t
svg_month_start(long year, long month)
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

/* A grid line at t, labelled with its date to prec. */
static int
svg_time_tick(avow_buf *out, const svg_series *s, int64_t t, avow_precision prec)
{
    char label[AVOW_TIME_STRLEN];
    double x = svg_x(s, t);
    avow_time_format(label, t, prec);
    return svg_printf(out,
                      "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" "
                      "class=\"grid\"/>\n<text x=\"%.1f\" y=\"%.1f\" class=\"tick\" "
                      "text-anchor=\"middle\">%s</text>\n",
                      x, TOP, x, TOP + PLOT_H, x, TOP + PLOT_H + 18, label);
}

/* The tick steps, finest first: a unit, how many of it, its shortest
 * length in days (a month is at least 28) and the label's precision. */
static const struct svg_step {
    long n;
    int64_t min_days;
    int unit; /* 0 day, 1 month, 2 year */
    avow_precision prec;
} svg_steps_table[] = {
    { 1, 1, 0, AVOW_PREC_DAY },        { 2, 2, 0, AVOW_PREC_DAY },
    { 7, 7, 0, AVOW_PREC_DAY },        { 14, 14, 0, AVOW_PREC_DAY },
    { 1, 28, 1, AVOW_PREC_MONTH },     { 2, 59, 1, AVOW_PREC_MONTH },
    { 3, 89, 1, AVOW_PREC_MONTH },     { 6, 181, 1, AVOW_PREC_MONTH },
    { 1, 365, 2, AVOW_PREC_YEAR },     { 2, 730, 2, AVOW_PREC_YEAR },
    { 5, 1826, 2, AVOW_PREC_YEAR },    { 10, 3652, 2, AVOW_PREC_YEAR },
    { 25, 9131, 2, AVOW_PREC_YEAR },   { 50, 18262, 2, AVOW_PREC_YEAR },
    { 100, 36524, 2, AVOW_PREC_YEAR }, { 1000, 365242, 2, AVOW_PREC_YEAR },
};
#define SVG_STEPS_N (sizeof(svg_steps_table) / sizeof(svg_steps_table[0]))

/* Pixels a tick label takes, with its gap: 12px sans-serif digits are about
 * 7px wide. */
static double
svg_label_px(avow_precision prec)
{
    return (prec == AVOW_PREC_DAY ? 10 : prec == AVOW_PREC_MONTH ? 7 : 4) * 7.0 + 16.0;
}

/* Date ticks (invariant 7): the finest step whose closest two ticks are
 * further apart than a label is wide. */
static int
svg_time_axis(avow_buf *out, const svg_series *s)
{
    int error;
    double px_per_day = PLOT_W * (double)SVG_DAY_US / (double)(s->to - s->from);
    const struct svg_step *st = &svg_steps_table[SVG_STEPS_N - 1];
    for (size_t k = 0; k < SVG_STEPS_N; k++) {
        if ((double)svg_steps_table[k].min_days * px_per_day >=
            svg_label_px(svg_steps_table[k].prec)) {
            st = &svg_steps_table[k];
            break;
        }
    }
    if (st->unit == 0) {
        int64_t t = s->from - ((s->from % SVG_DAY_US) + SVG_DAY_US) % SVG_DAY_US;
        if (t < s->from) {
            t += SVG_DAY_US;
        }
        for (; t <= s->to; t += st->n * SVG_DAY_US) {
            if ((error = svg_time_tick(out, s, t, st->prec)) < 0) {
                return error;
            }
        }
        return 0;
    }
    long y, m;
    svg_year_month(s->from, &y, &m);
    long months = st->unit == 1 ? st->n : 12 * st->n;
    long index = y * 12 + (m - 1); /* months since year 0 */
    index -= index % months;
    for (;; index += months) {
        int64_t t = svg_month_start(index / 12, index % 12 + 1);
        if (t == AVOW_TIME_MAX || t > s->to) {
            break;
        }
        if (t >= s->from && (error = svg_time_tick(out, s, t, st->prec)) < 0) {
            return error;
        }
    }
    return 0;
}

static int
svg_value_axis(avow_buf *out, const svg_series *s, unsigned ymax)
{
    int error;
    unsigned step = ymax <= 10 ? 1 : ymax <= 25 ? 2 : ymax <= 60 ? 5 : ymax <= 150 ? 10 : 50;
    for (unsigned v = 0; v <= ymax; v += step) {
        double y = svg_y(s, v, ymax);
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

/* Whether line `which` is drawn at point p (invariant 6). */
static int
svg_drawn(const svg_series *s, const svg_point *p, size_t which)
{
    return which >= s->n_candidates || p->status[which] == SVG_SIGNALLED ||
           p->status[which] == SVG_RUNNING;
}

/* A step path through (t_i, value_i), holding each value until the next point
 * (invariant 2), broken where the candidate is not in the race (invariant 6).
 * which < n_candidates: that candidate's support; else needed. */
static int
svg_steps(avow_buf *out, const svg_series *s, size_t which, unsigned ymax, const char *cls,
          const char *color)
{
    int error = 0;
    int started = 0, on = 0;
    for (size_t i = 0; i < s->n_points && s->points[i].t <= s->to; i++) {
        const svg_point *p = &s->points[i];
        unsigned v = which < s->n_candidates ? p->support[which] : p->needed;
        double x = svg_x(s, p->t), y = svg_y(s, v, ymax);
        int now = svg_drawn(s, p, which);
        if (!started && now) {
            error =
              svg_printf(out, "<path class=\"%s\" stroke=\"%s\" d=\"M%.1f %.1f", cls, color, x, y);
            started = 1;
        } else if (on && !now) {
            error = svg_printf(out, " H%.1f", x);
        } else if (!on && now) {
            error = svg_printf(out, " M%.1f %.1f", x, y);
        } else if (now && which < s->n_candidates && p->uncertain[which]) {
            /* Not a step on a known day: the rise is left out here and drawn dashed. */
            error = svg_printf(out, " H%.1f M%.1f %.1f", x, x, y);
        } else if (now) {
            error = svg_printf(out, " H%.1f V%.1f", x, y);
        }
        if (error < 0) {
            return error;
        }
        on = now;
    }
    if (!started) {
        return 0;
    }
    return on ? svg_printf(out, " H%.1f\"/>\n", LEFT + PLOT_W) : svg_lit(out, "\"/>\n");
}

/* Entry (a ring) and withdrawal (a cross) on candidate c's line. */
static int
svg_entries(avow_buf *out, const svg_series *s, size_t c, unsigned ymax)
{
    const char *color = svg_palette[c % SVG_PALETTE_N];
    int error = 0;
    for (size_t i = 0; i < s->n_points && s->points[i].t <= s->to; i++) {
        const svg_point *p = &s->points[i];
        unsigned char before = i > 0 ? s->points[i - 1].status[c] : SVG_ABSENT;
        if (p->t < s->from || p->status[c] == before) {
            continue;
        }
        double x = svg_x(s, p->t), y = svg_y(s, p->support[c], ymax);
        if (p->status[c] == SVG_WITHDRAWN) {
            y = svg_y(s, s->points[i - 1].support[c], ymax);
            error = svg_printf(out,
                               "<path class=\"withdrawn\" stroke=\"%s\" d=\"M%.1f %.1f l10 10 "
                               "m0 -10 l-10 10\"/>\n",
                               color, x - 5, y - 5);
        } else if (before == SVG_ABSENT) {
            error = svg_printf(out,
                               "<circle class=\"entered\" stroke=\"%s\" cx=\"%.1f\" "
                               "cy=\"%.1f\" r=\"6\"/>\n",
                               color, x, y);
        }
        if (error < 0) {
            return error;
        }
    }
    return 0;
}

/* Candidate c's uncertain rises, dashed, and its possible support, hatched
 * from the support line up (format v2). */
static int
svg_uncertain(avow_buf *out, const svg_series *s, size_t c, unsigned ymax)
{
    const char *color = svg_palette[c % SVG_PALETTE_N];
    int error;
    for (size_t i = 0; i < s->n_points; i++) {
        const svg_point *p = &s->points[i];
        if (p->t > s->to) {
            break;
        }
        double x = svg_x(s, p->t);
        if (i > 0 && p->uncertain[c] &&
            (error = svg_printf(out,
                                "<line class=\"uncertain\" stroke=\"%s\" x1=\"%.1f\" y1=\"%.1f\" "
                                "x2=\"%.1f\" y2=\"%.1f\"/>\n",
                                color, x, svg_y(s, s->points[i - 1].support[c], ymax), x,
                                svg_y(s, p->support[c], ymax))) < 0) {
            return error;
        }
        if (p->possible[c] > 0) {
            double x2 = i + 1 < s->n_points && s->points[i + 1].t <= s->to
                          ? svg_x(s, s->points[i + 1].t)
                          : LEFT + PLOT_W;
            double top = svg_y(s, p->support[c] + p->possible[c], ymax);
            if ((error = svg_printf(out,
                                    "<rect class=\"possible\" stroke=\"%s\" x=\"%.1f\" "
                                    "y=\"%.1f\" width=\"%.1f\" height=\"%.1f\"><title>%u possible "
                                    "(dated by an interval)</title></rect>\n",
                                    color, x, top, x2 - x, svg_y(s, p->support[c], ymax) - top,
                                    p->possible[c])) < 0) {
                return error;
            }
        }
    }
    return 0;
}

/* Member-count notes go in one of three rows; a note that fits in none
 * after the notes already placed is dropped (invariant 7). */
#define SVG_NOTE_ROWS 3

static int
svg_markers(avow_buf *out, const svg_series *s)
{
    int error;
    double row_end[SVG_NOTE_ROWS] = { 0, 0, 0 };
    for (size_t i = 1; i < s->n_points; i++) {
        const svg_point *p = &s->points[i], *q = &s->points[i - 1];
        if (p->members == q->members || p->t < s->from || p->t > s->to) {
            continue;
        }
        double x = svg_x(s, p->t);
        char note[64];
        int len = snprintf(note, sizeof(note), "%u\xe2\x86\x92%u members", q->members, p->members);
        double w = 6.2 * (double)(len - 2); /* the arrow is three bytes, one glyph */
        size_t row = 0;
        while (row < SVG_NOTE_ROWS && x + 4 < row_end[row]) {
            row++;
        }
        if ((error = svg_printf(out,
                                "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" "
                                "class=\"members\"/>\n",
                                x, TOP, x, TOP + PLOT_H)) < 0) {
            return error;
        }
        if (row == SVG_NOTE_ROWS || x + 4 + w > LEFT + PLOT_W) {
            continue;
        }
        row_end[row] = x + 4 + w + 6;
        if ((error = svg_printf(out, "<text x=\"%.1f\" y=\"%.1f\" class=\"note\">%s</text>\n",
                                x + 4, TOP + 14 + 14 * (double)row, note)) < 0) {
            return error;
        }
    }
    if (s->has_decision && s->decision_at >= s->from && s->decision_at <= s->to) {
        double x = svg_x(s, s->decision_at);
        if ((error = svg_printf(out,
                                "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" "
                                "class=\"decision\"/>\n<text x=\"%.1f\" y=\"%.1f\" "
                                "class=\"note\" text-anchor=\"middle\">decision: ",
                                x, TOP - 4, x, TOP + PLOT_H, x, TOP - 10)) < 0 ||
            (error = svg_text(out, s->decision_candidate ? s->decision_candidate : "")) < 0 ||
            (error = svg_lit(out, "</text>\n")) < 0) {
            return error;
        }
    }
    return 0;
}

/* A marker per candidate at each point, titled with the exact counts (invariant 4). */
static int
svg_points(avow_buf *out, const svg_series *s, unsigned ymax)
{
    int error;
    char when[AVOW_TIME_STRLEN];
    for (size_t i = 0; i < s->n_points; i++) {
        const svg_point *p = &s->points[i];
        if (p->t < s->from || p->t > s->to) {
            continue;
        }
        avow_time_format(when, p->t, AVOW_PREC_MICRO);
        for (size_t c = 0; c < s->n_candidates; c++) {
            if ((error = svg_printf(out,
                                    "<circle class=\"step\" cx=\"%.1f\" cy=\"%.1f\" r=\"%d\" "
                                    "fill=\"%s\"><title>%s: ",
                                    svg_x(s, p->t), svg_y(s, p->support[c], ymax),
                                    svg_drawn(s, p, c) ? 3 : 0, /* invariant 6: not drawn */
                                    svg_palette[c % SVG_PALETTE_N], when)) < 0 ||
                (error = svg_text(out, s->candidates[c])) < 0 ||
                (error = svg_printf(out, " %u of %u members support, %u needed</title></circle>\n",
                                    p->support[c], p->members, p->needed)) < 0) {
                return error;
            }
        }
    }
    return 0;
}

/* What the marks mean, under the lines of the legend. */
static int
svg_legend_marks(avow_buf *out, double x, double y)
{
    return svg_printf(
      out,
      "<circle class=\"entered\" stroke=\"#444\" cx=\"%.1f\" cy=\"%.1f\" r=\"6\"/>\n"
      "<text x=\"%.1f\" y=\"%.1f\" class=\"legend\">entered the race</text>\n"
      "<path class=\"withdrawn\" stroke=\"#444\" d=\"M%.1f %.1f l10 10 m0 -10 l-10 10\"/>\n"
      "<text x=\"%.1f\" y=\"%.1f\" class=\"legend\">withdrew</text>\n"
      "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" class=\"uncertain\" "
      "stroke=\"#444\"/>\n<text x=\"%.1f\" y=\"%.1f\" class=\"legend\">date uncertain</text>\n"
      "<rect class=\"possible\" stroke=\"#444\" x=\"%.1f\" y=\"%.1f\" width=\"24\" "
      "height=\"12\"/>\n<text x=\"%.1f\" y=\"%.1f\" class=\"legend\">possible (interval)</text>\n",
      x + 12, y, x + 32, y + 4, x + 7, y + 17, x + 32, y + 26, x, y + 44, x + 24, y + 44, x + 32,
      y + 48, x, y + 60, x + 32, y + 70);
}

static int
svg_legend(avow_buf *out, const svg_series *s)
{
    int error;
    double x = LEFT + PLOT_W + 24, y = TOP + 8;
    for (size_t c = 0; c < s->n_candidates; c++, y += 22) {
        if ((error = svg_printf(out,
                                "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" "
                                "class=\"support\" stroke=\"%s\"/>\n<text x=\"%.1f\" y=\"%.1f\" "
                                "class=\"legend\">",
                                x, y, x + 24, y, svg_palette[c % SVG_PALETTE_N], x + 32, y + 4)) <
              0 ||
            (error = svg_text(out, s->candidates[c])) < 0 ||
            (error = svg_lit(out, "</text>\n")) < 0) {
            return error;
        }
    }
    if ((error = svg_printf(out,
                            "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" "
                            "class=\"needed\" stroke=\"#555\"/>\n<text x=\"%.1f\" y=\"%.1f\" "
                            "class=\"legend\">needed (",
                            x, y, x + 24, y, x + 32, y + 4)) < 0 ||
        (error = svg_text(out, s->rule ? s->rule : "rule")) < 0 ||
        (error = svg_lit(out, ")</text>\n")) < 0) {
        return error;
    }
    return svg_legend_marks(out, x, y + 22);
}

/* The top of the value axis: one above the largest count drawn. */
static unsigned
svg_ymax(const svg_series *s)
{
    unsigned ymax = 1;
    for (size_t i = 0; i < s->n_points; i++) {
        const svg_point *p = &s->points[i];
        if (p->members > ymax) {
            ymax = p->members;
        }
        if (p->needed > ymax) {
            ymax = p->needed;
        }
        for (size_t c = 0; c < s->n_candidates; c++) {
            if (p->support[c] + p->possible[c] > ymax) {
                ymax = p->support[c] + p->possible[c];
            }
        }
    }
    return ymax + 1;
}

/* The subtitle under the headline and the source and credit line at the foot. */
static int
svg_furniture(avow_buf *out, const svg_series *s)
{
    int error;
    if (s->subtitle != NULL &&
        ((error = svg_printf(out, "<text x=\"%.1f\" y=\"52\" class=\"subtitle\">", LEFT)) < 0 ||
         (error = svg_text(out, s->subtitle)) < 0 || (error = svg_lit(out, "</text>\n")) < 0)) {
        return error;
    }
    if (s->credit != NULL &&
        ((error = svg_printf(out, "<text x=\"%.1f\" y=\"%.1f\" class=\"credit\">", LEFT,
                             s->height - 14)) < 0 ||
         (error = svg_text(out, s->credit)) < 0 || (error = svg_lit(out, "</text>\n")) < 0)) {
        return error;
    }
    return 0;
}

/* The document's head, style, title and axes. */
static int
svg_frame(avow_buf *out, const svg_series *s, unsigned ymax)
{
    int error;
    if ((error = svg_printf(out,
                            "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n"
                            "<svg xmlns=\"http://www.w3.org/2000/svg\" version=\"1.1\" "
                            "width=\"%.0f\" height=\"%.0f\" viewBox=\"0 0 %.0f %.0f\">\n",
                            s->width, s->height, s->width, s->height)) < 0 ||
        (error = svg_lit(
           out, "<style>\n"
                "text { font-family: sans-serif; font-size: 12px; fill: #222; }\n"
                ".title { font-size: 17px; font-weight: bold; }\n"
                ".grid { stroke: #e3e3e3; stroke-width: 1; }\n"
                ".axis { stroke: #444; stroke-width: 1; }\n"
                ".support { fill: none; stroke-width: 2.5; }\n"
                ".needed { fill: none; stroke-width: 1.5; stroke-dasharray: 6 4; }\n"
                ".members { stroke: #888; stroke-width: 1; stroke-dasharray: 2 3; }\n"
                ".decision { stroke: #000; stroke-width: 2; }\n"
                ".entered { fill: #fff; stroke-width: 2; }\n"
                ".withdrawn { fill: none; stroke-width: 2.5; }\n"
                ".uncertain { stroke-width: 2.5; stroke-dasharray: 3 3; }\n"
                ".possible { fill: url(#hatch); stroke-width: 0.5; stroke-dasharray: 2 2; }\n"
                ".note { font-size: 11px; fill: #555; }\n"
                ".subtitle { font-size: 13px; fill: #444; }\n"
                ".credit { font-size: 10px; fill: #666; }\n"
                "</style>\n<defs><pattern id=\"hatch\" width=\"6\" height=\"6\" "
                "patternUnits=\"userSpaceOnUse\" patternTransform=\"rotate(45)\">"
                "<line x1=\"0\" y1=\"0\" x2=\"0\" y2=\"6\" stroke=\"#999\" "
                "stroke-width=\"1.5\"/></pattern></defs>\n"
                "<rect width=\"100%\" height=\"100%\" fill=\"#ffffff\"/>\n")) < 0 ||
        (error = svg_printf(out, "<text x=\"%.1f\" y=\"30\" class=\"title\">%s", LEFT,
                            s->headline != NULL ? "" : "Support over time: ")) < 0 ||
        (error = svg_text(out, s->headline != NULL ? s->headline
                               : s->title          ? s->title
                                                   : "")) < 0 ||
        (error = svg_lit(out, "</text>\n")) < 0 || (error = svg_furniture(out, s)) < 0 ||
        (error = svg_value_axis(out, s, ymax)) < 0 || (error = svg_time_axis(out, s)) < 0 ||
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
                            TOP + PLOT_H / 2, TOP + PLOT_H / 2)) < 0) {
        return error;
    }
    return 0;
}

int
svg_render(avow_buf *out, const svg_series *series)
{
    int error;
    unsigned ymax;
    size_t start = out->len;
    svg_series canvas = *series;
    const svg_series *s = &canvas;

    if (canvas.width == 0 || canvas.height == 0) {
        canvas.width = 960;
        canvas.height = 540;
    }

    if (s->n_points == 0 || s->from >= s->to || s->n_candidates > SVG_MAX_CANDIDATES) {
        return error_set(AVOW_EINVALID, "chart: nothing to draw between these times");
    }
    ymax = svg_ymax(s);

    if ((error = svg_frame(out, s, ymax)) < 0 || (error = svg_markers(out, s)) < 0 ||
        (error = svg_steps(out, s, s->n_candidates, ymax, "needed", "#555")) < 0) {
        goto done;
    }
    for (size_t c = 0; c < s->n_candidates; c++) {
        if ((error = svg_steps(out, s, c, ymax, "support", svg_palette[c % SVG_PALETTE_N])) < 0 ||
            (error = svg_entries(out, s, c, ymax)) < 0 ||
            (error = svg_uncertain(out, s, c, ymax)) < 0) {
            goto done;
        }
    }
    if ((error = svg_points(out, s, ymax)) < 0 || (error = svg_legend(out, s)) < 0 ||
        (error = svg_lit(out, "</svg>\n")) < 0) {
        goto done;
    }
done:
    if (error < 0) {
        out->len = start;
    }
    return error;
}
