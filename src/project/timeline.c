/* SPDX-License-Identifier: ISC */
/*
 * timeline.c - avow_timeline(): the state of a contest at each date of a
 * range (every day, week, month or change), in one pass over the contest's
 * by-time entries (src/project/scan.c) folded incrementally
 * (src/project/fold.c), and the rows as JSON and CSV columns
 * (docs/PROJECTIONS.md "Timeline").
 *
 * Invariants (tests/unit/test_timeline.c, tests/cli/test_timeline.sh):
 *  1. A row's state equals avow_state_compute() at its T with the same K and
 *     filters: when a row is built, the accumulator holds exactly the counting
 *     entries whose by-time key is at or before T (entries come in by-time
 *     order, and a row at T is built before the first entry after T is
 *     applied), which is what a state query folds (state.c invariant 1).
 *  2. One pass: each entry is read and applied once, and a row costs the
 *     build of one state from the accumulator (no replay per row).
 *  3. Periods are UTC: a day, an ISO week (Monday to Sunday), a month; the
 *     row of a period is the state at its last microsecond, the time
 *     `state --at DATE` takes for the row's date. The periods run from the
 *     one holding `from` to the one holding `to`.
 *  4. Defaults: `from` is the first counting candidacy (entered, withdrawn,
 *     signalled) or stance; `to` is the first counting decision, else the
 *     last counting change (or `from` when that is later). Without a
 *     candidacy or stance there are no rows.
 *  5. With every change, the rows are the distinct by-time times of the
 *     counting entries in [from, to] (an interval's opening included).
 */
#include <string.h>

#include <jansson.h>

#include "event/jsonutil.h"
#include "project/scan.h"
#include "project/state.h"

#define TIMELINE_USEC_PER_DAY (INT64_C(86400) * 1000000)
#define TIMELINE_STOP         1 /* a visit's return: past the range, end the scan */

static const char *const timeline_every_names[] = { "day", "week", "month", "change" };

const char *
avow_timeline_every_name(uint8_t every)
{
    return every <= AVOW_EVERY_CHANGE ? timeline_every_names[every] : NULL;
}

int
avow_timeline_every_parse(const char *name)
{
    for (int i = 0; name != NULL && i <= AVOW_EVERY_CHANGE; i++) {
        if (strcmp(name, timeline_every_names[i]) == 0) {
            return i;
        }
    }
    return -1;
}

/* The last microsecond of the period (invariant 3) that holds t. */
static int64_t
timeline_period_end(uint8_t every, int64_t t)
{
    int64_t end;
    switch (every) {
    case AVOW_EVERY_WEEK: {
        int64_t day = time_floor(t, AVOW_PREC_DAY) / TIMELINE_USEC_PER_DAY;
        int64_t dow = ((day + 3) % 7 + 7) % 7; /* 1970-01-01 was a Thursday: Monday is 0 */
        int64_t monday = day - dow;
        if (monday > AVOW_TIME_MAX / TIMELINE_USEC_PER_DAY - 7) {
            return AVOW_TIME_MAX;
        }
        end = (monday + 7) * TIMELINE_USEC_PER_DAY - 1;
        break;
    }
    case AVOW_EVERY_MONTH:
        end = time_last(t, AVOW_PREC_MONTH);
        break;
    case AVOW_EVERY_CHANGE:
        end = t;
        break;
    case AVOW_EVERY_DAY:
    default:
        end = time_last(t, AVOW_PREC_DAY);
        break;
    }
    return end > AVOW_TIME_MAX ? AVOW_TIME_MAX : end;
}

struct timeline_run {
    const char *contest;
    avow_timeline_opts o;
    avow_timeline_cb cb;
    void *payload;
    fold_acc acc;
    int started;    /* rows are due from `next` on */
    int64_t next;   /* the T of the next row: a period's end, or the pending change */
    int pending;    /* every change: a row at `next` is due */
    int64_t stop;   /* the last row's T may not pass it (AVOW_TIME_MAX: default to) */
    int stop_given; /* to given, or the first decision seen (invariant 4) */
    int64_t last;   /* the time of the last counting change */
    int finished;   /* no period after `next` */
};

static int64_t
timeline_time_unkey(uint64_t v)
{
    return (int64_t)(v ^ (UINT64_C(1) << 63));
}

/* Build the state at the row's T from the accumulator and hand it out. */
static int
timeline_emit(struct timeline_run *r, int64_t at)
{
    avow_state_opts so = AVOW_STATE_OPTS_INIT;
    avow_timeline_row row;
    avow_state *st = NULL;
    int error;
    so.at = at;
    so.known_at = r->o.known_at;
    so.all_authors = r->o.all_authors;
    so.given = AVOW_GIVEN_AT | (r->o.known_at != AVOW_TIME_MAX ? AVOW_GIVEN_KNOWN_AT : 0);
    so.min_confidence = r->o.min_confidence;
    so.public_at = r->o.public_at;
    if ((error = state_build_opts(&st, &r->acc, r->contest, &so)) < 0) {
        return error;
    }
    row.at = at;
    avow_time_format(row.date, at,
                     r->o.every == AVOW_EVERY_MONTH    ? AVOW_PREC_MONTH
                     : r->o.every == AVOW_EVERY_CHANGE ? AVOW_PREC_MICRO
                                                       : AVOW_PREC_DAY);
    row.state = st;
    error = r->cb(&row, r->payload);
    avow_state_free(st);
    return error < 0 ? error : 0;
}

/* The rows of the periods that end before t (and not past the stop). */
static int
timeline_periods_before(struct timeline_run *r, int64_t t)
{
    int error;
    while (!r->finished && r->next < t && r->next <= r->stop) {
        if ((error = timeline_emit(r, r->next)) < 0) {
            return error;
        }
        if (r->next == AVOW_TIME_MAX) {
            r->finished = 1;
        } else {
            r->next = timeline_period_end(r->o.every, r->next + 1);
        }
    }
    return 0;
}

/* Whether the entry starts a default range (invariant 4). */
static int
timeline_starts(const avow_event *ev)
{
    switch (ev->kind) {
    case AVOW_KIND_CANDIDATE_ENTER:
    case AVOW_KIND_CANDIDATE_WITHDRAW:
    case AVOW_KIND_CANDIDATE_SIGNAL:
    case AVOW_KIND_STANCE:
        return 1;
    default:
        return 0;
    }
}

static int
timeline_visit(scan *s, const scan_entry *e, void *ctx)
{
    struct timeline_run *r = ctx;
    int64_t t = timeline_time_unkey(be64_get(e->key + s->prefix_len));
    int counts = e->skip == FOLD_COUNTS, error;

    if (!r->started && counts && timeline_starts(&e->ev)) {
        r->started = 1;
        r->next = timeline_period_end(r->o.every, t);
    }
    if (r->started) {
        if (r->o.every == AVOW_EVERY_CHANGE) {
            if (counts && r->pending && t > r->next) {
                r->pending = 0;
                if ((error = timeline_emit(r, r->next)) < 0) {
                    return error;
                }
            }
        } else if ((error = timeline_periods_before(r, t)) < 0) {
            return error;
        }
        if (t > r->stop) {
            return TIMELINE_STOP;
        }
    }
    if (!counts) {
        return 0;
    }
    error =
      e->opening ? fold_apply_opening(&r->acc, &e->ev, e->id) : fold_apply(&r->acc, &e->ev, e->id);
    if (error < 0) {
        return error;
    }
    r->last = t;
    if (r->started && r->o.every == AVOW_EVERY_CHANGE &&
        (r->o.from == AVOW_TIME_MAX || t >= r->o.from)) {
        r->pending = 1;
        r->next = t;
    }
    if (!r->stop_given && !e->opening && e->ev.kind == AVOW_KIND_DECISION) {
        r->stop_given = 1;
        r->stop = timeline_period_end(r->o.every, t);
    }
    return 0;
}

/* The rows after the last entry read: through the stop, or by default
 * through the last change (invariant 4). */
static int
timeline_finish(struct timeline_run *r)
{
    if (!r->started) {
        return 0;
    }
    if (r->o.every == AVOW_EVERY_CHANGE) {
        return r->pending ? timeline_emit(r, r->next) : 0;
    }
    if (!r->stop_given) {
        int64_t end = timeline_period_end(r->o.every, r->last);
        int64_t first =
          r->o.from == AVOW_TIME_MAX ? end : timeline_period_end(r->o.every, r->o.from);
        r->stop = end > first ? end : first;
    }
    int error = timeline_periods_before(r, r->stop);
    if (error == 0 && !r->finished && r->next <= r->stop) {
        error = timeline_emit(r, r->next);
    }
    return error;
}

static int
timeline_opts_read(avow_timeline_opts *o, const avow_timeline_opts *in)
{
    const avow_timeline_opts defaults = AVOW_TIMELINE_OPTS_INIT;
    *o = defaults;
    if (in == NULL) {
        return 0;
    }
    if (in->version != AVOW_TIMELINE_OPTS_VERSION) {
        return error_set(AVOW_EINVALID, "avow_timeline_opts version %u unknown", in->version);
    }
    if (in->every > AVOW_EVERY_CHANGE) {
        return error_set(AVOW_EINVALID, "timeline step %u unknown (day, week, month or change)",
                         in->every);
    }
    if (in->min_confidence > AVOW_CONFIDENCE_HIGH) {
        return error_set(AVOW_EINVALID, "min_confidence %u unknown", in->min_confidence);
    }
    if (in->from != AVOW_TIME_MAX && in->to != AVOW_TIME_MAX && in->from > in->to) {
        return error_set(AVOW_EINVALID, "the timeline's from is after its to");
    }
    *o = *in;
    return 0;
}

int
avow_timeline(avow_ledger *ledger, const char *contest, const avow_timeline_opts *opts,
              avow_timeline_cb cb, void *payload)
{
    struct timeline_run r;
    scan s;
    int error;

    memset(&s, 0, sizeof(s));
    memset(&r, 0, sizeof(r));
    fold_init(&r.acc);
    if (cb == NULL) {
        return error_set(AVOW_EINVALID, "avow_timeline: missing callback");
    }
    if ((error = timeline_opts_read(&r.o, opts)) < 0) {
        return error;
    }
    r.contest = contest;
    r.cb = cb;
    r.payload = payload;
    r.stop = AVOW_TIME_MAX;
    if (r.o.to != AVOW_TIME_MAX) {
        r.stop_given = 1;
        r.stop = timeline_period_end(r.o.every, r.o.to);
    }
    if (r.o.from != AVOW_TIME_MAX) {
        r.started = 1;
        r.next = timeline_period_end(r.o.every, r.o.from);
        if (r.o.every == AVOW_EVERY_CHANGE) {
            r.next = r.o.from; /* no row is pending until a change at or after from */
        }
    }
    if ((error = scan_open(&s, ledger, contest, r.stop, r.o.known_at, r.o.all_authors != 0)) == 0) {
        s.filter.min_confidence = r.o.min_confidence;
        s.filter.public_at = r.o.public_at;
        error = scan_run(&s, NULL, 0, timeline_visit, &r);
        if (error == TIMELINE_STOP) {
            error = 0;
        }
        if (error == 0) {
            error = timeline_finish(&r);
        }
    }
    scan_close(&s);
    fold_free(&r.acc);
    return error;
}

/* ---- rows as JSON and CSV ------------------------------------------------ */

static const struct {
    const char *key;
    avow_state_list list;
} timeline_lists[] = {
    { "supports", AVOW_LIST_SUPPORTS },   { "opposes", AVOW_LIST_OPPOSES },
    { "undecided", AVOW_LIST_UNDECIDED }, { "abstains", AVOW_LIST_ABSTAINS },
    { "no_stance", AVOW_LIST_NO_STANCE },
};
#define TIMELINE_NLISTS (sizeof(timeline_lists) / sizeof(timeline_lists[0]))

static const char *const timeline_columns[] = {
    "date",      "candidate", "members",   "needed", "supports", "opposes",
    "undecided", "abstains",  "no_stance", "met",    "status",   NULL,
};

const char *const *
avow_timeline_csv_columns(void)
{
    return timeline_columns;
}

/* The actor lists of candidate c: { "supports": [...], ... }, or NULL. */
static json_t *
timeline_actors_json(const avow_state *st, size_t c)
{
    json_t *o = json_object();
    int bad = o == NULL;
    for (size_t l = 0; !bad && l < TIMELINE_NLISTS; l++) {
        json_t *a = json_array();
        size_t n = avow_state_list_count(st, c, timeline_lists[l].list);
        bad |= json_object_set_new(o, timeline_lists[l].key, a) != 0;
        for (size_t i = 0; !bad && i < n; i++) {
            const char *actor = avow_state_list_actor(st, c, timeline_lists[l].list, i);
            bad |= json_array_append_new(a, json_string(actor)) != 0;
        }
    }
    if (bad) {
        json_decref(o);
        return NULL;
    }
    return o;
}

int
avow_timeline_row_json(avow_buf *out, const avow_timeline_row *row, size_t c, unsigned int flags)
{
    if (out == NULL || row == NULL || row->state == NULL ||
        c >= avow_state_candidate_count(row->state)) {
        return error_set(AVOW_EINVALID, "avow_timeline_row_json: bad argument");
    }
    const avow_state *st = row->state;
    json_t *o = json_object();
    int bad = o == NULL;
    bad |= json_object_set_new(o, "date", json_string(row->date)) != 0;
    bad |= json_object_set_new(o, "candidate", json_string(avow_state_candidate_name(st, c))) != 0;
    bad |=
      json_object_set_new(o, "members", json_integer((json_int_t)avow_state_member_count(st))) != 0;
    bad |= json_object_set_new(o, "needed", json_integer((json_int_t)avow_state_needed(st))) != 0;
    for (size_t l = 0; !bad && l < TIMELINE_NLISTS; l++) {
        size_t n = avow_state_list_count(st, c, timeline_lists[l].list);
        bad |= json_object_set_new(o, timeline_lists[l].key, json_integer((json_int_t)n)) != 0;
    }
    bad |= json_object_set_new(o, "met", json_boolean(avow_state_met(st, c))) != 0;
    bad |= json_object_set_new(o, "status", json_string(avow_state_candidate_status(st, c))) != 0;
    if (!bad && (flags & AVOW_TIMELINE_ACTORS)) {
        bad |= json_object_set_new(o, "actors", timeline_actors_json(st, c)) != 0;
    }
    if (bad) {
        json_decref(o);
        o = NULL;
    }
    return jsonutil_finish(out, o);
}
