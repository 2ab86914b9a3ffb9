/* SPDX-License-Identifier: ISC */
/*
 * chart.c - avow_chart_svg(): a contest's support over time, from the
 * ledger's projections, as the series src/io/svg.c draws.
 *
 * Invariants (tests/unit/test_chart.c, tests/cli/test_chart.sh):
 *  1. avow_chart_svg() draws only what avow_state_compute() says at each
 *     distinct effective time of the contest's changes: the chart is a view of
 *     the projection, never a second computation of it.
 *  2. Candidates, title, rule and decision are those of the state at the end
 *     of the axis; a point gives each of those candidates the support the
 *     state at its time reports (0 before the candidate enters).
 *  3. A supports row dated "on or before" or by an interval (format v2) is
 *     not a step on a known day: the start of its interval is a change time
 *     too (the state there lists it as possible), and the rise at its
 *     effective time is marked uncertain for its candidate.
 *  4. The default axis runs from shortly before the first candidacy, signal
 *     or stance (a contest dated decades earlier for symbolic reasons does not
 *     squeeze the race into a few pixels) to shortly after the last change;
 *     the state before the axis is drawn as its starting value.
 *  5. A candidate's line is drawn only while it is signalled or running: not
 *     before it enters, not after it withdraws (svg_point.status).
 */
#include <stdio.h>
#include <stdlib.h>

#include "io/svg.h"
#include "util/grow.h"

_Static_assert(SVG_MAX_CANDIDATES == AVOW_CHART_MAX_CANDIDATES,
               "the renderer draws as many candidates as the API promises");

/* The distinct effective times of a contest's changes, ascending; and the
 * uncertain rises (invariant 3). */
typedef struct chart_times {
    int64_t *t;
    size_t n, cap;
    int64_t first_entry; /* the first candidacy, signal or stance (invariant 4) */
    struct chart_rise {
        int64_t t;
        char candidate[AVOW_MAX_CANDIDATE + 1];
    } * rises;
    size_t nrises, caprises;
} chart_times;

static int
chart_push(chart_times *ts, int64_t t)
{
    int error;
    if ((error = grow_array(&ts->t, &ts->cap, ts->n + 1, sizeof(*ts->t), 64)) < 0) {
        return error;
    }
    ts->t[ts->n++] = t;
    return 0;
}

static int
chart_rise(chart_times *ts, const avow_event *ev)
{
    int error;
    if ((error = grow_array(&ts->rises, &ts->caprises, ts->nrises + 1, sizeof(*ts->rises), 8)) <
        0) {
        return error;
    }
    struct chart_rise *r = &ts->rises[ts->nrises++];
    r->t = ev->effective_at;
    memcpy(r->candidate, ev->candidate.ptr, ev->candidate.len);
    r->candidate[ev->candidate.len] = '\0';
    return 0;
}

static int
chart_collect(const avow_change *ch, void *payload)
{
    chart_times *ts = payload;
    const avow_event *ev = ch->event;
    int error;
    if ((ev->kind == AVOW_KIND_STANCE || ev->kind == AVOW_KIND_CANDIDATE_ENTER ||
         ev->kind == AVOW_KIND_CANDIDATE_SIGNAL) &&
        ev->effective_at < ts->first_entry) {
        ts->first_entry = ev->effective_at;
    }
    if (ev->kind == AVOW_KIND_STANCE && ev->stance == AVOW_STANCE_SUPPORTS &&
        (ev->qualifier == AVOW_AT_BY || ev->qualifier == AVOW_AT_BETWEEN) &&
        ev->candidate.ptr != NULL && ev->candidate.len <= AVOW_MAX_CANDIDATE) {
        if ((error = chart_rise(ts, ev)) < 0 ||
            (ev->qualifier == AVOW_AT_BETWEEN && (error = chart_push(ts, ev->from)) < 0)) {
            return error;
        }
    }
    return chart_push(ts, ev->effective_at);
}

static int
chart_cmp_time(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return (x > y) - (x < y);
}

/* Sort the change times and drop repeats. */
static void
chart_times_finish(chart_times *ts)
{
    size_t k = 0;
    qsort(ts->t, ts->n, sizeof(*ts->t), chart_cmp_time);
    for (size_t i = 0; i < ts->n; i++) {
        if (k == 0 || ts->t[k - 1] != ts->t[i]) {
            ts->t[k++] = ts->t[i];
        }
    }
    ts->n = k;
}

static int
chart_state(avow_state **out, avow_ledger *ledger, const char *contest, int64_t at,
            const avow_chart_opts *opts)
{
    avow_state_opts so = AVOW_STATE_OPTS_INIT;
    so.at = at;
    so.known_at = opts->known_at;
    so.all_authors = opts->all_authors;
    if (opts->version >= 2) { /* a version 1 struct ends after all_authors */
        so.min_confidence = opts->min_confidence;
        so.public_at = opts->public_at;
    }
    return avow_state_compute(out, ledger, contest, &so);
}

/* A margin around a span: a twentieth of it, at least a day, at most a
 * fortnight (invariant 4: the axis starts within a month of the race). */
static int64_t
chart_margin(int64_t span)
{
    int64_t m = span / 20;
    return m < SVG_DAY_US ? SVG_DAY_US : m > 14 * SVG_DAY_US ? 14 * SVG_DAY_US : m;
}

/* The time axis (see avow_chart_opts) over the change times ts. */
static int
chart_axis(svg_series *s, const chart_times *ts, const avow_chart_opts *opts)
{
    int64_t last = ts->t[ts->n - 1];
    if (opts->from != AVOW_TIME_MAX) {
        s->from = opts->from;
    } else {
        int64_t start = ts->first_entry != AVOW_TIME_MAX ? ts->first_entry : ts->t[0];
        int64_t margin = chart_margin(last > start ? last - start : 0);
        s->from = start >= ts->t[0] + margin ? start - margin : ts->t[0];
    }
    if (opts->to != AVOW_TIME_MAX) {
        s->to = opts->to;
    } else if (last > s->from) {
        int64_t margin = chart_margin(last - s->from);
        s->to = last <= AVOW_TIME_MAX - margin ? last + margin : AVOW_TIME_MAX;
    } else {
        int64_t now = avow_time_now();
        s->to = now > s->from
                  ? now
                  : (s->from <= AVOW_TIME_MAX - SVG_DAY_US ? s->from + SVG_DAY_US : s->from);
    }
    if (s->from >= s->to) {
        return error_set(AVOW_EINVALID, "chart: the time axis must end after it starts");
    }
    return 0;
}

/* The source and credit line (avow_chart_opts.credit), into text. */
static int
chart_credit(char *text, size_t size, avow_ledger *ledger, const avow_chart_opts *opts)
{
    unsigned char root[AVOW_HASH_BYTES];
    uint64_t count = 0;
    char hex[2 * AVOW_HASH_BYTES + 1], when[AVOW_TIME_STRLEN];
    int error;
    size_t len;
    if ((error = avow_ledger_count(&count, ledger)) < 0 ||
        (error = avow_ledger_root(root, ledger, count)) < 0) {
        return error;
    }
    avow_hex(hex, root, 6);
    len = (size_t)snprintf(text, size, "Source: avow ledger %s, %llu events, root %s",
                           avow_ledger_origin(ledger), (unsigned long long)count, hex);
    if (opts->known_at != AVOW_TIME_MAX && len < size) {
        avow_time_format(when, opts->known_at, AVOW_PREC_SECOND);
        len += (size_t)snprintf(text + len, size - len, "; as known at %s", when);
    }
    if (opts->version >= 2 && opts->public_at != AVOW_TIME_MAX && len < size) {
        avow_time_format(when, opts->public_at, AVOW_PREC_SECOND);
        len += (size_t)snprintf(text + len, size - len, "; public record at %s", when);
    }
    return len < size ? 0 : error_set(AVOW_ERANGE, "chart: the credit line is too long");
}

/* Version 3 options: canvas, headline, subtitle and credit. */
static int
chart_furniture(svg_series *s, char *credit, size_t size, avow_ledger *ledger,
                const avow_chart_opts *opts)
{
    int v3 = opts->version >= 3;
    unsigned w = v3 && opts->width ? opts->width : 960, h = v3 && opts->height ? opts->height : 540;
    if (w < SVG_MIN_WIDTH || w > SVG_MAX_WIDTH || h < SVG_MIN_HEIGHT || h > SVG_MAX_HEIGHT) {
        return error_set(AVOW_ERANGE, "chart: a canvas of %ux%u; %u..%u wide, %u..%u high", w, h,
                         SVG_MIN_WIDTH, SVG_MAX_WIDTH, SVG_MIN_HEIGHT, SVG_MAX_HEIGHT);
    }
    s->width = w;
    s->height = h;
    s->headline = v3 ? opts->title : NULL;
    s->subtitle = v3 ? opts->subtitle : NULL;
    if (v3 && opts->credit != NULL) {
        s->credit = opts->credit[0] != '\0' ? opts->credit : NULL;
        return 0;
    }
    s->credit = credit;
    return chart_credit(credit, size, ledger, opts);
}

/* Invariant 2: candidates, title, rule and decision from last. */
static int
chart_frame(svg_series *s, const avow_state *last, const char *contest)
{
    s->n_candidates = avow_state_candidate_count(last);
    if (s->n_candidates > SVG_MAX_CANDIDATES) {
        return error_set(AVOW_ERANGE, "chart: '%s' has %zu candidates, at most %d are drawn",
                         contest, s->n_candidates, SVG_MAX_CANDIDATES);
    }
    for (size_t c = 0; c < s->n_candidates; c++) {
        s->candidates[c] = avow_state_candidate_name(last, c);
    }
    s->title = avow_state_title(last) != NULL ? avow_state_title(last) : contest;
    s->rule = avow_state_rule(last);
    s->has_decision = avow_state_decision(&s->decision_candidate, &s->decision_at, NULL, last);
    return 0;
}

/* Invariants 1 and 2: the point of the state st at time t. */
static void
chart_point_of(svg_point *p, const svg_series *s, const avow_state *st, int64_t t,
               const chart_times *ts)
{
    p->t = t;
    p->members = (unsigned)avow_state_member_count(st);
    p->needed = (unsigned)avow_state_needed(st);
    memset(p->status, SVG_ABSENT, sizeof(p->status)); /* until found in st */
    for (size_t k = 0; k < avow_state_candidate_count(st); k++) {
        const char *name = avow_state_candidate_name(st, k);
        for (size_t c = 0; c < s->n_candidates; c++) {
            if (strcmp(name, s->candidates[c]) == 0) {
                const char *status = avow_state_candidate_status(st, k);
                p->support[c] = (unsigned)avow_state_support_count(st, k);
                p->status[c] = strcmp(status, "withdrawn") == 0   ? SVG_WITHDRAWN
                               : strcmp(status, "signalled") == 0 ? SVG_SIGNALLED
                                                                  : SVG_RUNNING;
                p->possible[c] = (unsigned)avow_state_list_count(st, k, AVOW_LIST_POSSIBLE);
                break;
            }
        }
    }
    for (size_t r = 0; r < ts->nrises; r++) { /* invariant 3 */
        for (size_t c = 0; ts->rises[r].t == t && c < s->n_candidates; c++) {
            if (strcmp(ts->rises[r].candidate, s->candidates[c]) == 0) {
                p->uncertain[c] = 1;
            }
        }
    }
}

/* Invariant 1: one point per change time up to the end of the axis, into
 * points (ts->n of them, zeroed). */
static int
chart_points(svg_series *s, svg_point *points, avow_ledger *ledger, const char *contest,
             const chart_times *ts, const avow_chart_opts *opts)
{
    size_t n_points = 0;
    for (size_t i = 0; i < ts->n && ts->t[i] <= s->to; i++) {
        avow_state *st = NULL;
        int error = chart_state(&st, ledger, contest, ts->t[i], opts);
        if (error < 0) {
            avow_state_free(st);
            return error;
        }
        chart_point_of(&points[n_points++], s, st, ts->t[i], ts);
        avow_state_free(st);
    }
    if (n_points == 0) {
        /* Every change comes after the axis: the contest as it stood then. */
        points[0].t = s->from;
        n_points = 1;
    }
    s->n_points = n_points;
    s->points = points;
    return 0;
}

int
avow_chart_svg(avow_buf *out, avow_ledger *ledger, const char *contest, const avow_chart_opts *opts)
{
    avow_chart_opts def = AVOW_CHART_OPTS_INIT;
    avow_history_opts ho = AVOW_HISTORY_OPTS_INIT;
    chart_times ts = { NULL, 0, 0, AVOW_TIME_MAX, NULL, 0, 0 };
    svg_point *points = NULL;
    avow_state *last = NULL;
    svg_series s;
    char credit[AVOW_ORIGIN_STRLEN + 256];
    int error;

    if (out == NULL || ledger == NULL || contest == NULL) {
        return error_set(AVOW_EINVALID, "avow_chart_svg: no output, ledger or contest");
    }
    if (opts == NULL) {
        opts = &def;
    }
    memset(&s, 0, sizeof(s));
    ho.all_authors = opts->all_authors;
    if (opts->version >= 2) {
        ho.min_confidence = opts->min_confidence;
        ho.public_at = opts->public_at;
    }
    if ((error = avow_history(ledger, contest, &ho, chart_collect, &ts)) != 0) {
        if (error > 0) {
            error = error_set(AVOW_EIO, "chart: history stopped");
        }
        goto done;
    }
    chart_times_finish(&ts);
    if (ts.n == 0) {
        error = error_set(AVOW_EINVALID, "chart: no change of '%s' counts%s", contest,
                          opts->all_authors ? "" : " (its authors are not trusted?)");
        goto done;
    }
    if ((error = chart_furniture(&s, credit, sizeof(credit), ledger, opts)) < 0 ||
        (error = chart_axis(&s, &ts, opts)) < 0 ||
        (error = chart_state(&last, ledger, contest, s.to, opts)) < 0 ||
        (error = chart_frame(&s, last, contest)) < 0) {
        goto done;
    }
    if ((points = calloc(ts.n, sizeof(*points))) == NULL) {
        error = error_set(AVOW_ENOMEM, "chart: out of memory");
        goto done;
    }
    if ((error = chart_points(&s, points, ledger, contest, &ts, opts)) < 0) {
        goto done;
    }
    error = svg_render(out, &s);

done:
    avow_state_free(last);
    free(points);
    free(ts.t);
    free(ts.rises);
    return error;
}
