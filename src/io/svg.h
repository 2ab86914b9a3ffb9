/* SPDX-License-Identifier: ISC */
/*
 * svg.h - SVG rendering of support over time (src/io/svg.c). The renderer
 * takes plain series, so it is tested apart from the projections that feed
 * it (src/io/chart.c).
 */
#ifndef AVOW_SVG_H
#define AVOW_SVG_H

#include "util/common.h"

/* A day in microseconds, the unit of times. */
#define SVG_DAY_US INT64_C(86400000000)

/* The state of the contest from time t on (until the next point). */
typedef struct svg_point {
    int64_t t;
    unsigned members;
    unsigned needed;
    unsigned support[SVG_MAX_CANDIDATES];
    unsigned possible[SVG_MAX_CANDIDATES];       /* members whose support is dated by an interval
                                                    holding t (format v2): drawn hatched above */
    unsigned char uncertain[SVG_MAX_CANDIDATES]; /* the change into t includes a supports
                                                    row dated "on or before" or by an
                                                    interval: its rise is drawn dashed */
} svg_point;

typedef struct svg_series {
    const char *title; /* contest title or id */
    const char *rule;
    size_t n_candidates;
    const char *candidates[SVG_MAX_CANDIDATES];
    size_t n_points;
    const svg_point *points; /* ascending t */
    int64_t from, to;        /* the time axis */
    int has_decision;
    int64_t decision_at;
    const char *decision_candidate;
} svg_series;

/*
 * Render a standalone SVG 1.1 document: a step line per candidate (a rise
 * whose date is uncertain dashed, possible support hatched above it), the
 * rule's threshold as a dashed step line, member count changes and the
 * decision marked, dates on the time axis, a legend. Text is XML-escaped.
 * @return 0, AVOW_EINVALID (no points, from >= to, too many candidates), AVOW_ENOMEM
 */
int svg_render(avow_buf *out, const svg_series *s);

#endif /* AVOW_SVG_H */
