/* SPDX-License-Identifier: ISC */
/*
 * explain.c - avow_explain_compute(): why an actor's stance on a candidate
 * is what it is: the deciding statement, the overridden ones, the
 * retracted ones with their retractions, and the sides of a dispute
 * (docs/PROJECTIONS.md).
 *
 * Invariants (tests/unit/test_projection.c):
 *  1. The deciding statement is the last counting one in bytime order, the
 *     one the fold applies last (src/project/fold.c, invariant 3), so
 *     explain and state agree.
 *  2. The dispute's sides are each author's latest statement at the
 *     deciding effective_at, as the fold keeps them.
 *  3. Items own copies of their events' bytes: an avow_explain outlives the
 *     read transaction that built it.
 *  4. A statement dated by an interval is possible from its opening entry
 *     until its own entry is applied (fold.c invariant 5); the JSON has the
 *     keys of format v2 only when a counting event of the contest up to T is
 *     of format v2 (a contest defined with a choice: from its definition on).
 */
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "event/jsonutil.h"
#include "project/scan.h"
#include "util/grow.h"
struct explain_items {
    avow_explain_item *v;
    size_t n, cap;
};

struct avow_explain {
    char *contest, *actor, *candidate;
    int64_t at, known_at;
    int is_member, disputed;
    int v2; /* a counting event of format v2 was seen (invariant 4) */
    uint8_t stance;
    struct explain_items roles[AVOW_EXPLAIN_ROLE_COUNT];
    struct explain_items all; /* every counting statement, in order (internal) */
};

static int
explain_items_push(struct explain_items *it, const unsigned char *id, uint64_t index,
                   const void *raw, size_t raw_len)
{
    int error;
    if ((error = grow_array(&it->v, &it->cap, it->n + 1, sizeof(*it->v), 4)) < 0) {
        return error;
    }
    unsigned char *copy = malloc(raw_len == 0 ? 1 : raw_len);
    if (copy == NULL) {
        return error_set(AVOW_ENOMEM, "out of memory explaining");
    }
    memcpy(copy, raw, raw_len);
    avow_explain_item *x = &it->v[it->n++];
    memcpy(x->id, id, AVOW_EVENT_ID_BYTES);
    x->index = index;
    x->raw = copy;
    x->raw_len = raw_len;
    return 0;
}

/* Remove the item with this id, if any (order kept). */
static void
explain_items_drop(struct explain_items *it, const unsigned char *id)
{
    for (size_t i = 0; i < it->n; i++) {
        if (memcmp(it->v[i].id, id, AVOW_EVENT_ID_BYTES) == 0) {
            free((void *)(uintptr_t)it->v[i].raw);
            memmove(&it->v[i], &it->v[i + 1], (it->n - i - 1) * sizeof(it->v[0]));
            it->n--;
            return;
        }
    }
}

static void
explain_items_free(struct explain_items *it)
{
    for (size_t i = 0; i < it->n; i++) {
        free((void *)(uintptr_t)it->v[i].raw);
    }
    free(it->v);
    memset(it, 0, sizeof(*it));
}

void
avow_explain_free(avow_explain *ex)
{
    if (ex == NULL) {
        return;
    }
    for (int r = 0; r < AVOW_EXPLAIN_ROLE_COUNT; r++) {
        explain_items_free(&ex->roles[r]);
    }
    explain_items_free(&ex->all);
    free(ex->contest);
    free(ex->actor);
    free(ex->candidate);
    free(ex);
}

static int
explain_visit(scan *s, const scan_entry *e, void *ctx)
{
    avow_explain *ex = ctx;
    const avow_event *ev = &e->ev;
    store_val raw;
    int error;
    if (e->skip == FOLD_RETRACTION || e->skip == FOLD_UNTRUSTED || e->skip == FOLD_FILTERED) {
        return 0;
    }
    if (e->skip == FOLD_COUNTS && ev->version >= 2 && avow_event_kind_known(ev)) {
        ex->v2 = 1; /* invariant 4 */
    }
    if (!scan_str_eq(ev->actor, ex->actor)) {
        return 0;
    }
    if (ev->kind == AVOW_KIND_MEMBER_JOIN || ev->kind == AVOW_KIND_MEMBER_LEAVE) {
        if (e->skip == FOLD_COUNTS) {
            ex->is_member = ev->kind == AVOW_KIND_MEMBER_JOIN;
        }
        return 0;
    }
    if (ev->kind != AVOW_KIND_STANCE || !scan_str_eq(ev->candidate, ex->candidate)) {
        return 0;
    }
    if (e->opening) {
        return e->skip == FOLD_COUNTS ? explain_items_push(&ex->roles[AVOW_EXPLAIN_POSSIBLE], e->id,
                                                           e->index, ev->raw, ev->raw_len)
                                      : 0;
    }
    if (ev->qualifier == AVOW_AT_BETWEEN) {
        explain_items_drop(&ex->roles[AVOW_EXPLAIN_POSSIBLE], e->id);
    }
    if (e->skip == FOLD_RETRACTED) {
        if ((error = explain_items_push(&ex->roles[AVOW_EXPLAIN_RETRACTED], e->id, e->index,
                                        ev->raw, ev->raw_len)) < 0) {
            return error;
        }
        uint64_t rindex = 0;
        if ((error = store_event_by_id(&raw, &rindex, s->ledger, s->txn, e->retracted->rid)) < 0) {
            return error;
        }
        return explain_items_push(&ex->roles[AVOW_EXPLAIN_RETRACTION], e->retracted->rid, rindex,
                                  raw.ptr, raw.len);
    }
    return explain_items_push(&ex->all, e->id, e->index, ev->raw, ev->raw_len);
}

/* Split the counting statements into deciding, overridden and dispute sides. */
static int
explain_finish(avow_explain *ex)
{
    avow_event d, x;
    int error;
    if (ex->all.n == 0) {
        return 0;
    }
    const avow_explain_item *dec = &ex->all.v[ex->all.n - 1];
    if (avow_event_decode(&d, dec->raw, dec->raw_len) < 0) {
        return error_set(AVOW_EFORMAT, "a stored event does not decode (run avow verify)");
    }
    ex->stance = d.stance;
    if ((error = explain_items_push(&ex->roles[AVOW_EXPLAIN_DECIDING], dec->id, dec->index,
                                    dec->raw, dec->raw_len)) < 0) {
        return error;
    }
    for (size_t i = 0; i + 1 < ex->all.n; i++) {
        const avow_explain_item *it = &ex->all.v[i];
        if ((error = explain_items_push(&ex->roles[AVOW_EXPLAIN_OVERRIDDEN], it->id, it->index,
                                        it->raw, it->raw_len)) < 0) {
            return error;
        }
    }
    /* Each author's latest statement at the deciding effective_at: walk backwards. */
    size_t nsides = 0;
    size_t *sides = malloc(ex->all.n * sizeof(*sides));
    if (sides == NULL) {
        return error_set(AVOW_ENOMEM, "out of memory explaining");
    }
    for (size_t i = ex->all.n; i-- > 0;) {
        if (avow_event_decode(&x, ex->all.v[i].raw, ex->all.v[i].raw_len) < 0) {
            continue;
        }
        if (x.effective_at != d.effective_at) {
            break;
        }
        int dup = 0;
        for (size_t j = 0; j < nsides; j++) {
            avow_event y;
            if (avow_event_decode(&y, ex->all.v[sides[j]].raw, ex->all.v[sides[j]].raw_len) == 0 &&
                memcmp(y.author, x.author, AVOW_PUBKEY_BYTES) == 0) {
                dup = 1;
            }
        }
        if (!dup) {
            sides[nsides++] = i;
            if (x.stance != d.stance) {
                ex->disputed = 1;
            }
        }
    }
    for (size_t j = nsides; ex->disputed && j-- > 0;) {
        const avow_explain_item *it = &ex->all.v[sides[j]];
        if ((error = explain_items_push(&ex->roles[AVOW_EXPLAIN_DISPUTE], it->id, it->index,
                                        it->raw, it->raw_len)) < 0) {
            break;
        }
    }
    free(sides);
    return error;
}

int
avow_explain_compute(avow_explain **out, avow_ledger *ledger, const char *contest,
                     const char *actor, const char *candidate, const avow_state_opts *opts)
{
    avow_state_opts o = AVOW_STATE_OPTS_INIT;
    avow_explain *ex = NULL;
    scan s;
    int error;

    memset(&s, 0, sizeof(s));
    if (out == NULL || actor == NULL || candidate == NULL) {
        return error_set(AVOW_EINVALID, "avow_explain_compute: missing argument");
    }
    *out = NULL;
    if ((error = scan_state_opts(&o, opts)) < 0) {
        return error;
    }
    if ((ex = calloc(1, sizeof(*ex))) == NULL) {
        return error_set(AVOW_ENOMEM, "out of memory explaining");
    }
    ex->at = o.at == AVOW_TIME_MAX && !(o.given & AVOW_GIVEN_AT) ? avow_time_now() : o.at;
    ex->known_at = o.known_at;
    if ((ex->contest = scan_dup(contest == NULL ? "" : contest,
                                contest == NULL ? 0 : strlen(contest))) == NULL ||
        (ex->actor = scan_dup(actor, strlen(actor))) == NULL ||
        (ex->candidate = scan_dup(candidate, strlen(candidate))) == NULL) {
        error = error_set(AVOW_ENOMEM, "out of memory explaining");
        goto done;
    }
    if ((error = scan_open(&s, ledger, contest, ex->at, o.known_at, o.all_authors != 0)) < 0) {
        goto done;
    }
    s.filter = scan_filter(&o);
    if ((error = scan_run(&s, NULL, 0, explain_visit, ex)) < 0) {
        goto done;
    }
    if ((error = explain_finish(ex)) < 0) {
        goto done;
    }
    *out = ex;
    ex = NULL;
done:
    scan_close(&s);
    avow_explain_free(ex);
    return error;
}

size_t
avow_explain_count(const avow_explain *ex, avow_explain_role role)
{
    if ((int)role < 0 || role >= AVOW_EXPLAIN_ROLE_COUNT) {
        return 0;
    }
    return ex->roles[role].n;
}

const avow_explain_item *
avow_explain_item_at(const avow_explain *ex, avow_explain_role role, size_t i)
{
    if (i >= avow_explain_count(ex, role)) {
        return NULL;
    }
    return &ex->roles[role].v[i];
}

uint8_t
avow_explain_stance(const avow_explain *ex)
{
    return ex->stance;
}

int
avow_explain_disputed(const avow_explain *ex)
{
    return ex->disputed;
}

int
avow_explain_is_member(const avow_explain *ex)
{
    return ex->is_member;
}

static json_t *
explain_event_json(const avow_explain_item *it)
{
    avow_event ev;
    json_t *o = json_object();
    int bad = o == NULL;
    char t[AVOW_TIME_STRLEN];
    if (bad || avow_event_decode(&ev, it->raw, it->raw_len) < 0) {
        json_decref(o);
        return NULL;
    }
    bad |= jsonutil_set_hex(o, "id", it->id, AVOW_EVENT_ID_BYTES) != 0;
    bad |= json_object_set_new(o, "index", json_integer((json_int_t)it->index)) != 0;
    bad |= json_object_set_new(o, "kind", json_string(avow_kind_name(ev.kind))) != 0;
    bad |= jsonutil_set_hex(o, "author", ev.author, AVOW_PUBKEY_BYTES) != 0;
    bad |= json_object_set_new(o, "seq", json_integer((json_int_t)ev.seq)) != 0;
    bad |= jsonutil_set_time(o, "recorded_at", ev.recorded_at) != 0;
    avow_time_format(t, ev.effective_at,
                     (avow_precision)(ev.precision != 0 ? ev.precision : AVOW_PREC_MICRO));
    bad |= json_object_set_new(o, "effective_at", json_string(t)) != 0;
    if (ev.stance != AVOW_STANCE_NONE) {
        bad |= json_object_set_new(o, "stance", json_string(avow_stance_name(ev.stance))) != 0;
    }
    const struct {
        const char *key;
        avow_str v;
    } f[] = { { "source", ev.source },
              { "person", ev.person },
              { "quote", ev.quote },
              { "reason", ev.reason } };
    for (size_t i = 0; i < sizeof(f) / sizeof(f[0]); i++) {
        if (f[i].v.ptr != NULL) {
            bad |= json_object_set_new(o, f[i].key, json_stringn(f[i].v.ptr, f[i].v.len)) != 0;
        }
    }
    if (ev.target != NULL) {
        bad |= jsonutil_set_hex(o, "target", ev.target, AVOW_EVENT_ID_BYTES) != 0;
    }
    bad |= json_object_set_new(o, "signature",
                               json_string(avow_event_verify(&ev) == 0 ? "valid" : "invalid")) != 0;
    if (ev.version >= 2) {
        bad |= jsonutil_set_event_v2(o, &ev) != 0;
    }
    if (bad) {
        json_decref(o);
        return NULL;
    }
    return o;
}

static json_t *
explain_list_json(const avow_explain *ex, avow_explain_role role)
{
    json_t *a = json_array();
    for (size_t i = 0; a != NULL && i < ex->roles[role].n; i++) {
        if (json_array_append_new(a, explain_event_json(&ex->roles[role].v[i])) != 0) {
            json_decref(a);
            return NULL;
        }
    }
    return a;
}

int
avow_explain_to_json(avow_buf *out, const avow_explain *ex)
{
    if (out == NULL || ex == NULL) {
        return error_set(AVOW_EINVALID, "avow_explain_to_json: missing argument");
    }
    json_t *o = json_object(), *retr = json_array();
    int bad = o == NULL || retr == NULL;
    bad |= json_object_set_new(o, "contest", json_string(ex->contest)) != 0;
    bad |= json_object_set_new(o, "actor", json_string(ex->actor)) != 0;
    bad |= json_object_set_new(o, "candidate", json_string(ex->candidate)) != 0;
    bad |= jsonutil_set_time(o, "at", ex->at) != 0;
    if (ex->known_at == AVOW_TIME_MAX) {
        bad |= json_object_set_new(o, "known_at", json_null()) != 0;
    } else {
        bad |= jsonutil_set_time(o, "known_at", ex->known_at) != 0;
    }
    bad |= json_object_set_new(o, "member", json_boolean(ex->is_member)) != 0;
    const char *stance = ex->disputed                     ? "disputed"
                         : ex->stance == AVOW_STANCE_NONE ? NULL
                                                          : avow_stance_name(ex->stance);
    bad |= json_object_set_new(o, "stance", stance ? json_string(stance) : json_null()) != 0;
    bad |= json_object_set_new(o, "deciding",
                               ex->roles[AVOW_EXPLAIN_DECIDING].n > 0
                                 ? explain_event_json(&ex->roles[AVOW_EXPLAIN_DECIDING].v[0])
                                 : json_null()) != 0;
    bad |=
      json_object_set_new(o, "overridden", explain_list_json(ex, AVOW_EXPLAIN_OVERRIDDEN)) != 0;
    for (size_t i = 0; !bad && i < ex->roles[AVOW_EXPLAIN_RETRACTED].n; i++) {
        json_t *p = json_object();
        bad |= json_object_set_new(
                 p, "event", explain_event_json(&ex->roles[AVOW_EXPLAIN_RETRACTED].v[i])) != 0;
        bad |=
          json_object_set_new(p, "retraction",
                              explain_event_json(&ex->roles[AVOW_EXPLAIN_RETRACTION].v[i])) != 0;
        bad |= json_array_append_new(retr, p) != 0;
    }
    bad |= json_object_set_new(o, "retracted", retr) != 0;
    bad |= json_object_set_new(o, "dispute", explain_list_json(ex, AVOW_EXPLAIN_DISPUTE)) != 0;
    if (ex->v2) {
        bad |=
          json_object_set_new(o, "possible", explain_list_json(ex, AVOW_EXPLAIN_POSSIBLE)) != 0;
    }
    if (bad) {
        json_decref(o);
        o = NULL;
    }
    return jsonutil_finish(out, o);
}
