/* SPDX-License-Identifier: ISC */
/*
 * chart.h - SVG rendering of support over time (src/io/chart.c). The renderer
 * takes plain series, so it is tested apart from the projections that feed it.
 */
#ifndef AVOW_CHART_H
#define AVOW_CHART_H

#include "util/common.h"

#define CHART_MAX_CANDIDATES 16

/* The state of the contest from time t on (until the next point). */
typedef struct chart_point {
    int64_t t;
    unsigned members;
    unsigned needed;
    unsigned support[CHART_MAX_CANDIDATES];
} chart_point;

typedef struct chart_series {
    const char *title; /* contest title or id */
    const char *rule;
    size_t n_candidates;
    const char *candidates[CHART_MAX_CANDIDATES];
    size_t n_points;
    const chart_point *points; /* ascending t */
    int64_t from, to;          /* the time axis */
    int has_decision;
    int64_t decision_at;
    const char *decision_candidate;
} chart_series;

/*
 * Render a standalone SVG 1.1 document: a step line per candidate, the
 * rule's threshold as a dashed step line, member count changes and the
 * decision marked, dates on the time axis, a legend. Text is XML-escaped.
 * @return 0, AVOW_EINVALID (no points, from >= to, too many candidates), AVOW_ENOMEM
 */
int chart_render_svg(avow_buf *out, const chart_series *s);

#endif
