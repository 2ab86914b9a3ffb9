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

/* Canvas bounds: below the minimum the legend and labels no longer fit. */
#define SVG_MIN_WIDTH  480
#define SVG_MIN_HEIGHT 300
#define SVG_MAX_WIDTH  8000
#define SVG_MAX_HEIGHT 8000

/* A candidate's standing at a point: its line is drawn only while it is
 * signalled or running. */
enum svg_status { SVG_RUNNING = 0, SVG_ABSENT = 1, SVG_SIGNALLED = 2, SVG_WITHDRAWN = 3 };

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
    unsigned char status[SVG_MAX_CANDIDATES];    /* enum svg_status */
} svg_point;

typedef struct svg_series {
    const char *title; /* contest title or id: "Support over time: TITLE" */
    const char *rule;
    size_t n_candidates;
    const char *candidates[SVG_MAX_CANDIDATES];
    size_t n_points;
    const svg_point *points; /* ascending t */
    int64_t from, to;        /* the time axis */
    int has_decision;
    int64_t decision_at;
    const char *decision_candidate;
    double width, height; /* the canvas, in pixels (SVG_MIN_* .. SVG_MAX_*; 0: 960x540) */
    const char *headline; /* NULL, or the caller's headline in place of the title's */
    const char *subtitle; /* NULL: none */
    const char *credit;   /* the source and credit line; NULL: none */
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
