/* SPDX-License-Identifier: ISC */
/*
 * test_research.c - property tests of the format v2 research model
 * (docs/PROJECTIONS.md; src/project/fold.c, state.c): random event sets with
 * confidence, reported_at, every qualifier of the date, abstains, signal,
 * withdraw, single and multiple choice and decisions with takes_effect
 * converge whatever the arrival order; the snapshot fast path equals a
 * replay with min_confidence and public_at set; an oracle written here from
 * the rules (possible, lapsed, single choice, the filters) agrees with the
 * library; and a v2 event not recorded after its author's previous one is
 * refused (AVOW_ECHAIN). The world helpers follow tests/unit/test_projection.c.
 */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <lmdb.h>
#include <sodium.h>

#include "event/codec.h"
#include "project/state.h"
#include "testutil.h"

#define NAUTH 3
#define DAY   INT64_C(86400000000)
#define HOUR  INT64_C(3600000000)

/* ---- a world of signed events with chosen recorded_at ------------------- */

struct tev {
    avow_buf raw;
    unsigned char id[AVOW_EVENT_ID_BYTES];
    int author;
};

struct world {
    avow_key *keys[NAUTH];
    uint64_t seq[NAUTH];
    unsigned char prev[NAUTH][AVOW_HASH_BYTES];
    struct tev *evs;
    size_t n, cap;
};

static void
world_init(struct world *w)
{
    memset(w, 0, sizeof(*w));
    for (int a = 0; a < NAUTH; a++) {
        w->keys[a] = tu_key((unsigned char)(0x51 + a));
    }
}

static void
world_free(struct world *w)
{
    for (size_t i = 0; i < w->n; i++) {
        avow_buf_dispose(&w->evs[i].raw);
    }
    free(w->evs);
    for (int a = 0; a < NAUTH; a++) {
        avow_key_free(w->keys[a]);
    }
}

static size_t
world_add(struct world *w, int author, const avow_draft *d, int64_t rec)
{
    avow_event ev;
    avow_draft dc = *d;
    unsigned char target[AVOW_EVENT_ID_BYTES];
    if (d->target != NULL) {
        memcpy(target, d->target, sizeof(target)); /* d->target may point into w->evs */
        dc.target = target;
    }
    if (w->n == w->cap) {
        w->cap = w->cap ? w->cap * 2 : 64;
        w->evs = realloc(w->evs, w->cap * sizeof(*w->evs));
        assert_non_null(w->evs);
    }
    struct tev *t = &w->evs[w->n];
    memset(t, 0, sizeof(*t));
    int r =
      avow_event_sign(&t->raw, &dc, w->keys[author], w->seq[author] + 1, w->prev[author], rec);
    if (r != 0) {
        fprintf(stderr, "sign kind %u: %s\n", dc.kind, avow_error_last());
    }
    assert_int_equal(r, 0);
    assert_int_equal(avow_event_decode(&ev, t->raw.ptr, t->raw.len), 0);
    avow_event_content_hash(w->prev[author], &ev);
    avow_event_id(t->id, &ev);
    w->seq[author]++;
    t->author = author;
    return w->n++;
}

static avow_ledger *
world_ledger(const struct world *w, char **dir)
{
    avow_ledger *l = tu_ledger(dir);
    for (int a = 0; a < NAUTH; a++) {
        char name[16];
        assert_true(snprintf(name, sizeof(name), "analyst%d", a) < (int)sizeof(name));
        assert_int_equal(avow_trust_add(l, avow_key_public(w->keys[a]), name), 0);
    }
    return l;
}

static void
append_order(avow_ledger *l, const struct world *w, const size_t *order, size_t n, size_t batch)
{
    const unsigned char **ps = malloc(batch * sizeof(*ps));
    size_t *lens = malloc(batch * sizeof(*lens));
    assert_non_null(ps);
    assert_non_null(lens);
    for (size_t i = 0; i < n; i += batch) {
        size_t k = 0;
        for (; k < batch && i + k < n; k++) {
            ps[k] = w->evs[order[i + k]].raw.ptr;
            lens[k] = w->evs[order[i + k]].raw.len;
        }
        avow_append_result res;
        int r = avow_ledger_append_signed(&res, l, ps, lens, k);
        if (r != 0) {
            fprintf(stderr, "append: %s\n", avow_error_last());
        }
        assert_int_equal(r, 0);
    }
    free(ps);
    free(lens);
}

static uint32_t rng_state;

static uint32_t
rnd(uint32_t n)
{
    rng_state ^= rng_state << 13; /* xorshift32: deterministic test data */
    rng_state ^= rng_state >> 17;
    rng_state ^= rng_state << 5;
    return rng_state % n;
}

/* A random interleaving of the authors' chains. */
static void
random_order(const struct world *w, size_t *order)
{
    size_t *lists[NAUTH], len[NAUTH] = { 0 }, pos[NAUTH] = { 0 };
    for (int a = 0; a < NAUTH; a++) {
        lists[a] = malloc(w->n * sizeof(size_t));
        assert_non_null(lists[a]);
    }
    for (size_t i = 0; i < w->n; i++) {
        lists[w->evs[i].author][len[w->evs[i].author]++] = i;
    }
    for (size_t k = 0; k < w->n; k++) {
        int a;
        do {
            a = (int)rnd(NAUTH);
        } while (pos[a] == len[a]);
        order[k] = lists[a][pos[a]++];
    }
    for (int a = 0; a < NAUTH; a++) {
        free(lists[a]);
    }
}

/* ---- random v2 drafts ---------------------------------------------------- */

static int64_t
day0(void)
{
    int64_t t;
    assert_int_equal(avow_time_parse(&t, NULL, "2024-01-01", AVOW_TIME_START), 0);
    return t;
}

/* Day d of 2024 (few distinct values: ties are frequent). */
static int64_t
r_day(uint32_t d)
{
    return day0() + (int64_t)d * DAY;
}

static void
day_text(char out[AVOW_TIME_STRLEN], uint32_t d)
{
    avow_time_format(out, r_day(d), AVOW_PREC_DAY);
}

/* A random --at form about day d (exact, D~, ../D, A/B with A < B) into d. */
static void
r_at(avow_draft *dr, uint32_t d, int qualified)
{
    char a[AVOW_TIME_STRLEN], b[AVOW_TIME_STRLEN], text[2 * AVOW_TIME_STRLEN + 4];
    avow_at at;
    uint32_t q = qualified ? rnd(4) : 0;
    day_text(a, d);
    if (q == AVOW_AT_APPROXIMATE) {
        assert_true(snprintf(text, sizeof(text), "%s~", a) < (int)sizeof(text));
    } else if (q == AVOW_AT_BY) {
        assert_true(snprintf(text, sizeof(text), "../%s", a) < (int)sizeof(text));
    } else if (q == AVOW_AT_BETWEEN) {
        day_text(b, d + 1 + rnd(6));
        assert_true(snprintf(text, sizeof(text), "%s/%s", a, b) < (int)sizeof(text));
    } else {
        assert_true(snprintf(text, sizeof(text), "%s", a) < (int)sizeof(text));
    }
    assert_int_equal(avow_at_parse(&at, text), 0);
    assert_int_equal(at.qualifier, q);
    dr->effective_at = at.at;
    dr->precision = at.precision;
    dr->qualifier = at.qualifier;
    dr->from = at.from;
    dr->from_precision = at.from_precision;
}

/* Confidence (none, low, medium, high) and reported_at (none, or some days
 * after the day the row is about). */
static void
r_research(avow_draft *dr, uint32_t d)
{
    dr->confidence = (uint8_t)rnd(4);
    if (rnd(3) == 0) {
        dr->reported_at = r_day(d + rnd(10));
        dr->reported_precision = AVOW_PREC_DAY;
    }
    if (rnd(4) == 0) {
        dr->note = "a caveat";
    }
}

static avow_draft
d_base(uint8_t kind, const char *c)
{
    avow_draft d = AVOW_DRAFT_INIT;
    d.kind = kind;
    d.contest = c;
    return d;
}

static const char *const r_contests[] = { "c1", "c2" };
static const char *const r_actors[] = { "A", "B", "C", "D", "E", "F", "G", "H" };
static const char *const r_cands[] = { "X", "Y", "Z" };
static const char *const r_rules[] = { "unanimity", "majority", "2/3", "3" };

/* One random event of contest c by author a about day d (not a retraction). */
static avow_draft
r_event(const char *c, uint32_t d)
{
    avow_draft dr;
    uint32_t k = rnd(24);
    if (k < 4) {
        dr = d_base(rnd(5) == 0 ? AVOW_KIND_MEMBER_LEAVE : AVOW_KIND_MEMBER_JOIN, c);
        dr.actor = r_actors[rnd(8)];
        r_at(&dr, d, 0);
        return dr;
    }
    if (k < 7) {
        static const uint8_t ck[] = { AVOW_KIND_CANDIDATE_ENTER, AVOW_KIND_CANDIDATE_WITHDRAW,
                                      AVOW_KIND_CANDIDATE_SIGNAL };
        dr = d_base(ck[rnd(3)], c);
        dr.candidate = r_cands[rnd(3)];
        r_at(&dr, d, 0);
        if (rnd(2)) {
            r_research(&dr, d);
        }
        return dr;
    }
    if (k < 8) {
        dr = d_base(AVOW_KIND_DECISION, c);
        dr.candidate = r_cands[rnd(3)];
        r_at(&dr, d, 0);
        if (rnd(2)) {
            dr.takes_effect = r_day(d + rnd(20));
            dr.takes_effect_precision = AVOW_PREC_DAY;
        }
        return dr;
    }
    dr = d_base(AVOW_KIND_STANCE, c);
    dr.actor = r_actors[rnd(8)];
    dr.candidate = r_cands[rnd(3)];
    dr.stance = (uint8_t)(1 + rnd(4));
    dr.source = "https://example.org/";
    r_at(&dr, d, 1);
    r_research(&dr, d);
    return dr;
}

/* Two contests (c1 single choice, c2 multiple; a second author's definition
 * may say otherwise: the first in bytime order wins), then n random events by
 * three authors with increasing recorded times, some of them late; a few
 * retractions of the author's own events. */
static void
random_world(struct world *w, size_t n)
{
    int64_t rec[NAUTH];
    world_init(w);
    for (int a = 0; a < NAUTH; a++) {
        rec[a] = r_day(0) + a;
    }
    for (int c = 0; c < 2; c++) {
        for (int a = 0; a < 2; a++) {
            avow_draft d = d_base(AVOW_KIND_CONTEST, r_contests[c]);
            d.title = "Contest";
            d.rule = r_rules[rnd(4)];
            d.choice = (uint8_t)(a == 0 ? (uint32_t)(1 + c) : rnd(3));
            r_at(&d, rnd(3), 0);
            world_add(w, a, &d, rec[a] += DAY);
        }
    }
    while (w->n < n) {
        int a = (int)rnd(NAUTH);
        avow_draft d;
        if (rnd(25) == 0) {
            size_t i = rnd((uint32_t)w->n);
            avow_event e;
            assert_int_equal(avow_event_decode(&e, w->evs[i].raw.ptr, w->evs[i].raw.len), 0);
            if (w->evs[i].author != a || e.kind == AVOW_KIND_RETRACT) {
                continue;
            }
            d = d_base(AVOW_KIND_RETRACT, NULL);
            d.target = w->evs[i].id;
            d.reason = "oops";
            d.effective_at = r_day(rnd(40));
        } else {
            d = r_event(r_contests[rnd(2)], rnd(40));
        }
        rec[a] += rnd(5) == 0 ? 30 * DAY : (int64_t)(1 + rnd(3)) * HOUR;
        world_add(w, a, &d, rec[a]);
    }
}

/* ---- queries -------------------------------------------------------------- */

struct query {
    int64_t at, known;
    uint8_t min_confidence;
    int64_t public_at;
};

static struct query
random_query(void)
{
    struct query q;
    q.at = r_day(rnd(50)) + (rnd(2) ? 0 : DAY - 1);
    q.known = rnd(3) == 0 ? AVOW_TIME_MAX : r_day(rnd(200)) + (int64_t)rnd(48) * HOUR;
    q.min_confidence = (uint8_t)rnd(4);
    q.public_at = rnd(2) ? AVOW_TIME_MAX : r_day(rnd(50)) + (rnd(2) ? 0 : DAY - 1);
    return q;
}

static char *
lib_state(avow_ledger *l, const char *contest, const struct query *q)
{
    avow_state_opts o = AVOW_STATE_OPTS_INIT;
    avow_state *st = NULL;
    avow_buf b = AVOW_BUF_INIT;
    o.at = q->at;
    o.known_at = q->known;
    o.min_confidence = q->min_confidence;
    o.public_at = q->public_at;
    int r = avow_state_compute(&st, l, contest, &o);
    if (r != 0) {
        fprintf(stderr, "state: %s\n", avow_error_last());
    }
    assert_int_equal(r, 0);
    assert_int_equal(avow_state_to_json(&b, st), 0);
    assert_int_equal(buf_put(&b, "", 1), 0);
    char *text = strdup((const char *)b.ptr);
    assert_non_null(text);
    avow_buf_dispose(&b);
    avow_state_free(st);
    return text;
}

static json_t *
parse(const char *text)
{
    json_error_t err;
    json_t *doc = json_loads(text, 0, &err);
    assert_non_null(doc);
    return doc;
}

/* The state with "known_at" (a replay's own parameter) taken out. */
static char *
without_known_at(const char *text)
{
    json_t *doc = parse(text);
    assert_int_equal(json_object_del(doc, "known_at"), 0);
    assert_int_equal(json_object_del(doc, "digest"), 0);
    char *out = json_dumps(doc, JSON_COMPACT | JSON_PRESERVE_ORDER);
    assert_non_null(out);
    json_decref(doc);
    return out;
}

/* ---- 1. convergence ------------------------------------------------------- */

#define NLEDGERS 5

static void
free_ledgers(avow_ledger **l, char **dir, int n)
{
    for (int i = 0; i < n; i++) {
        avow_ledger_free(l[i]);
        tu_rmrf(dir[i]);
        free(dir[i]);
    }
}

static void
test_research__v2_event_sets_in_different_orders_converge(void **state)
{
    (void)state;
    struct world w;
    avow_ledger *l[NLEDGERS];
    char *dir[NLEDGERS];
    rng_state = 0x2468ace1u;
    random_world(&w, 360);
    size_t *order = malloc(w.n * sizeof(*order));
    assert_non_null(order);
    state_test_snapshot_interval(7);
    for (int i = 0; i < NLEDGERS; i++) {
        l[i] = world_ledger(&w, &dir[i]);
        random_order(&w, order);
        /* half, queries that write snapshots (with and without a filter), the rest */
        append_order(l[i], &w, order, w.n / 2, 2 + (size_t)i * 7);
        for (int q = 0; q < 4; q++) {
            struct query qq = { r_day(50), AVOW_TIME_MAX, (uint8_t)q, AVOW_TIME_MAX };
            free(lib_state(l[i], r_contests[q % 2], &qq));
        }
        append_order(l[i], &w, order + w.n / 2, w.n - w.n / 2, 2 + (size_t)i * 7);
    }
    int v2_seen = 0;
    for (int q = 0; q < 120; q++) {
        struct query qq = random_query();
        const char *c = r_contests[q % 2];
        char *first = lib_state(l[0], c, &qq);
        v2_seen |= strstr(first, "\"possible\":[\"") != NULL;
        for (int i = 1; i < NLEDGERS; i++) {
            char *other = lib_state(l[i], c, &qq);
            if (strcmp(first, other) != 0) {
                fprintf(stderr, "query %d: ledger 0 %s\nledger %d %s\n", q, first, i, other);
            }
            assert_string_equal(first, other);
            free(other);
        }
        free(first);
    }
    assert_true(v2_seen); /* the random world does exercise intervals */
    state_test_snapshot_interval(0);
    free_ledgers(l, dir, NLEDGERS);
    free(order);
    world_free(&w);
}

/* ---- 2. fast path == replay ---------------------------------------------- */

/* At many T, with min_confidence and public_at: the snapshot path (known_at
 * not given) equals a replay (known_at given, after every record) and a
 * fresh ledger of the same events. */
static void
check_fast_vs_replay(avow_ledger *l, avow_ledger *fresh, int queries)
{
    for (int q = 0; q < queries; q++) {
        struct query qq = random_query();
        qq.known = AVOW_TIME_MAX;
        if (q % 3 == 0) {
            qq.public_at = AVOW_TIME_MAX; /* min_confidence alone: its own snapshot mode */
        }
        const char *c = r_contests[q % 2];
        char *fast = lib_state(l, c, &qq);
        struct query rq = qq;
        rq.known = AVOW_TIME_MAX - 1;
        char *replay = lib_state(l, c, &rq);
        char *a = without_known_at(fast), *b = without_known_at(replay);
        if (strcmp(a, b) != 0) {
            fprintf(stderr, "fast   %s\nreplay %s\n", fast, replay);
        }
        assert_string_equal(a, b);
        char *other = lib_state(fresh, c, &qq);
        assert_string_equal(fast, other);
        free(a);
        free(b);
        free(fast);
        free(replay);
        free(other);
    }
}

static void
test_research__snapshot_path_equals_replay_with_filters(void **state)
{
    (void)state;
    struct world w;
    avow_ledger *l[2];
    char *dir[2];
    size_t snaps = 0, snaps2 = 0;
    rng_state = 0x0badf00du;
    random_world(&w, 300);
    size_t *order = malloc(w.n * sizeof(*order));
    assert_non_null(order);
    random_order(&w, order);
    state_test_snapshot_interval(5);
    l[0] = world_ledger(&w, &dir[0]);
    l[1] = world_ledger(&w, &dir[1]);
    size_t first = w.n * 2 / 3;
    append_order(l[0], &w, order, first, 10);
    append_order(l[1], &w, order, first, first);

    size_t loads = state_test_snapshot_loads();
    for (int q = 0; q < 8; q++) { /* write snapshots in every confidence mode */
        struct query qq = { r_day(50), AVOW_TIME_MAX, (uint8_t)(q % 4), AVOW_TIME_MAX };
        free(lib_state(l[0], r_contests[q % 2], &qq));
    }
    check_fast_vs_replay(l[0], l[1], 40);
    assert_true(state_test_snapshot_loads() > loads);
    assert_int_equal(state_test_snapshot_count(l[0], &snaps), 0);
    assert_true(snaps > 0);

    /* late events invalidate the snapshots after them */
    append_order(l[0], &w, order + first, w.n - first, 3);
    random_order(&w, order);
    tu_ledger_done(l[1], dir[1]);
    l[1] = world_ledger(&w, &dir[1]);
    append_order(l[1], &w, order, w.n, 50);
    assert_int_equal(state_test_snapshot_count(l[0], &snaps2), 0);
    assert_true(snaps2 < snaps);
    loads = state_test_snapshot_loads();
    check_fast_vs_replay(l[0], l[1], 60);
    assert_true(state_test_snapshot_loads() > loads);
    state_test_snapshot_interval(0);
    free_ledgers(l, dir, 2);
    free(order);
    world_free(&w);
}

/* ---- 3. an oracle of the rules ------------------------------------------- */

/* One contest "o", choice single, unanimity; members A..H and candidates
 * X, Y, Z from day 0; then stances (every stance and qualifier, rated and
 * reported at random) and withdrawals / re-entries, by one author (no
 * disputes). The oracle below implements docs/PROJECTIONS.md directly. */

#define O_ACT  8
#define O_CAND 3

struct oev {
    uint8_t kind, stance, conf, qualifier;
    int actor, cand;
    int64_t eff, from, rec, public_at;
};

struct oworld {
    struct world w;
    uint8_t choice;  /* the contest's: single or multiple */
    size_t appended; /* the events the ledger holds: ev[0, appended) */
    struct oev *ev;  /* parallel to w.evs */
};

static void
oracle_add(struct oworld *o, const avow_draft *d, int64_t rec)
{
    size_t i = world_add(&o->w, 0, d, rec);
    o->ev = realloc(o->ev, o->w.cap * sizeof(*o->ev));
    assert_non_null(o->ev);
    struct oev *e = &o->ev[i];
    memset(e, 0, sizeof(*e));
    e->kind = d->kind;
    e->stance = d->stance;
    e->conf = d->confidence;
    e->qualifier = d->qualifier;
    e->actor = e->cand = -1;
    for (int a = 0; d->actor != NULL && a < O_ACT; a++) {
        e->actor = strcmp(d->actor, r_actors[a]) == 0 ? a : e->actor;
    }
    for (int c = 0; d->candidate != NULL && c < O_CAND; c++) {
        e->cand = strcmp(d->candidate, r_cands[c]) == 0 ? c : e->cand;
    }
    e->eff = d->effective_at;
    e->from = d->qualifier == AVOW_AT_BETWEEN ? d->from : INT64_MAX;
    e->rec = rec;
    e->public_at = d->reported_precision != 0 ? d->reported_at : d->effective_at;
}

static void
oracle_world(struct oworld *o, size_t n, uint8_t choice)
{
    int64_t rec = r_day(0);
    memset(o, 0, sizeof(*o));
    o->choice = choice;
    world_init(&o->w);
    avow_draft d = d_base(AVOW_KIND_CONTEST, "o");
    d.title = "Oracle";
    d.rule = "unanimity";
    d.choice = choice;
    r_at(&d, 0, 0);
    oracle_add(o, &d, rec += HOUR);
    for (int a = 0; a < O_ACT; a++) {
        d = d_base(AVOW_KIND_MEMBER_JOIN, "o");
        d.actor = r_actors[a];
        r_at(&d, 0, 0);
        oracle_add(o, &d, rec += HOUR);
    }
    for (int c = 0; c < O_CAND; c++) {
        d = d_base(AVOW_KIND_CANDIDATE_ENTER, "o");
        d.candidate = r_cands[c];
        r_at(&d, 0, 0);
        oracle_add(o, &d, rec += HOUR);
    }
    while (o->w.n < n) {
        uint32_t day = 1 + rnd(30);
        if (rnd(8) == 0) {
            d = d_base(rnd(2) ? AVOW_KIND_CANDIDATE_WITHDRAW : AVOW_KIND_CANDIDATE_ENTER, "o");
            d.candidate = r_cands[rnd(O_CAND)];
            r_at(&d, day, 0);
            r_research(&d, day);
        } else {
            d = d_base(AVOW_KIND_STANCE, "o");
            d.actor = r_actors[rnd(O_ACT)];
            d.candidate = r_cands[rnd(O_CAND)];
            d.stance = (uint8_t)(rnd(3) ? AVOW_STANCE_SUPPORTS : 1 + rnd(4));
            d.source = "https://example.org/";
            r_at(&d, day, 1);
            r_research(&d, day);
        }
        /* mostly in order, sometimes late */
        oracle_add(o, &d, rec += rnd(6) == 0 ? 20 * DAY : HOUR);
    }
}

/* Whether event i counts under the filters (rows without a rating count as high). */
static int
oracle_counts(const struct oev *e, const struct query *q)
{
    if (q->min_confidence > AVOW_CONFIDENCE_LOW && e->conf != AVOW_CONFIDENCE_NONE &&
        e->conf < q->min_confidence) {
        return 0;
    }
    return e->public_at <= q->public_at;
}

/* bytime order: effective_at, then recorded_at (one author: recorded_at differs) */
static int
later(const struct oev *a, const struct oev *b)
{
    return a->eff != b->eff ? a->eff > b->eff : a->rec > b->rec;
}

enum { L_SUPPORTS, L_OPPOSES, L_UNDECIDED, L_ABSTAINS, L_POSSIBLE, L_LAPSED, L_NONE, L_N };
static const char *const l_names[L_N] = { "supports", "opposes", "undecided", "abstains",
                                          "possible", "lapsed",  "no_stance" };

/* The expected lists: lists[c][l] is a bitmask of actors. */
static void
oracle_state(const struct oworld *o, const struct query *q, unsigned lists[O_CAND][L_N],
             int withdrawn[O_CAND])
{
    const struct oev *pair[O_ACT][O_CAND] = { { NULL } }, *cstat[O_CAND] = { NULL };
    const struct oev *lastsup[O_ACT] = { NULL };
    memset(lists, 0, sizeof(unsigned) * O_CAND * L_N);
    for (size_t i = 0; i < o->appended; i++) {
        const struct oev *e = &o->ev[i];
        if (!oracle_counts(e, q) || e->eff > q->at || e->cand < 0) {
            continue;
        }
        if (e->kind == AVOW_KIND_STANCE) {
            const struct oev **p = &pair[e->actor][e->cand];
            *p = *p == NULL || later(e, *p) ? e : *p;
            if (e->stance == AVOW_STANCE_SUPPORTS &&
                (lastsup[e->actor] == NULL || later(e, lastsup[e->actor]))) {
                lastsup[e->actor] = e;
            }
        } else if (cstat[e->cand] == NULL || later(e, cstat[e->cand])) {
            cstat[e->cand] = e;
        }
    }
    for (int c = 0; c < O_CAND; c++) {
        withdrawn[c] = cstat[c] != NULL && cstat[c]->kind == AVOW_KIND_CANDIDATE_WITHDRAW;
        for (int a = 0; a < O_ACT; a++) {
            const struct oev *p = pair[a][c];
            int l = L_NONE;
            if (p != NULL) {
                static const int of_stance[] = { L_NONE, L_SUPPORTS, L_OPPOSES, L_UNDECIDED,
                                                 L_ABSTAINS };
                l = of_stance[p->stance];
                if (l == L_SUPPORTS && o->choice == AVOW_CHOICE_SINGLE && lastsup[a]->cand != c) {
                    l = L_NONE; /* single choice: a later supports of another candidate */
                } else if (l == L_SUPPORTS && withdrawn[c]) {
                    l = L_LAPSED;
                }
            }
            if (l != L_SUPPORTS) {
                for (size_t i = 0; i < o->appended; i++) {
                    const struct oev *e = &o->ev[i];
                    if (e->kind == AVOW_KIND_STANCE && e->actor == a && e->cand == c &&
                        e->stance == AVOW_STANCE_SUPPORTS && oracle_counts(e, q) &&
                        e->from <= q->at && q->at < e->eff) {
                        lists[c][L_POSSIBLE] |= 1u << a;
                        l = l == L_NONE ? -1 : l; /* possible, so not no_stance */
                    }
                }
            }
            if (l >= 0) {
                lists[c][l] |= 1u << a;
            }
        }
    }
}

static unsigned
actor_mask(json_t *list)
{
    unsigned m = 0;
    size_t i;
    json_t *v;
    json_array_foreach(list, i, v)
    {
        for (int a = 0; a < O_ACT; a++) {
            m |= strcmp(json_string_value(v), r_actors[a]) == 0 ? 1u << a : 0;
        }
    }
    return m;
}

static void
oracle_check(const struct oworld *o, avow_ledger *l, const struct query *q, int *possible_seen,
             int *lapsed_seen)
{
    unsigned want[O_CAND][L_N];
    int withdrawn[O_CAND];
    char *text = lib_state(l, "o", q);
    json_t *doc = parse(text);
    oracle_state(o, q, want, withdrawn);
    json_t *cands = json_object_get(doc, "candidates");
    assert_int_equal(json_array_size(cands), O_CAND);
    for (int c = 0; c < O_CAND; c++) {
        json_t *cj = json_array_get(cands, (size_t)c);
        assert_string_equal(json_string_value(json_object_get(cj, "name")), r_cands[c]);
        const char *status = json_string_value(json_object_get(cj, "status"));
        if (strcmp(status, withdrawn[c] ? "withdrawn" : "running") != 0) {
            fprintf(stderr, "candidate %s: status %s\n%s\n", r_cands[c], status, text);
            fail();
        }
        for (int li = 0; li < L_N; li++) {
            const char *key = l_names[li];
            unsigned got = actor_mask(json_object_get(cj, key));
            if (got != want[c][li]) {
                fprintf(stderr, "candidate %s, %s: got %#x, want %#x\n%s\n", r_cands[c], key, got,
                        want[c][li], text);
                fail();
            }
        }
        assert_int_equal(json_integer_value(json_object_get(cj, "support_count")),
                         __builtin_popcount(want[c][L_SUPPORTS]));
        *possible_seen |= want[c][L_POSSIBLE] != 0;
        *lapsed_seen |= want[c][L_LAPSED] != 0;
    }
    json_decref(doc);
    free(text);
}

static void
oracle_queries(const struct oworld *o, avow_ledger *l, int n, int *possible_seen, int *lapsed_seen)
{
    for (int q = 0; q < n; q++) {
        struct query qq = random_query();
        qq.at = r_day(rnd(40)) + (rnd(2) ? 0 : DAY - 1);
        /* the fast path, or a replay (known_at given) */
        qq.known = q % 2 == 0 ? AVOW_TIME_MAX : AVOW_TIME_MAX - 1;
        if (q % 4 < 2) {
            qq.public_at = AVOW_TIME_MAX;
        }
        oracle_check(o, l, &qq, possible_seen, lapsed_seen);
    }
}

static void
test_research__library_agrees_with_an_oracle_of_the_rules(void **state)
{
    (void)state;
    static const uint8_t choices[] = { AVOW_CHOICE_SINGLE, AVOW_CHOICE_MULTIPLE };
    for (size_t ci = 0; ci < sizeof(choices); ci++) {
        struct oworld o;
        char *dir;
        int possible_seen = 0, lapsed_seen = 0;
        rng_state = 0x13579bdfu + (uint32_t)ci;
        oracle_world(&o, 240, choices[ci]);
        size_t *order = malloc(o.w.n * sizeof(*order));
        assert_non_null(order);
        for (size_t i = 0; i < o.w.n; i++) {
            order[i] = i;
        }
        state_test_snapshot_interval(6);
        avow_ledger *l = world_ledger(&o.w, &dir);
        /* two thirds, queries (snapshots written), the rest (some invalidated), queries */
        o.appended = o.w.n * 2 / 3;
        append_order(l, &o.w, order, o.appended, 7);
        oracle_queries(&o, l, 120, &possible_seen, &lapsed_seen);
        append_order(l, &o.w, order + o.appended, o.w.n - o.appended, 5);
        o.appended = o.w.n;
        oracle_queries(&o, l, 200, &possible_seen, &lapsed_seen);
        assert_true(possible_seen);
        assert_true(lapsed_seen);
        state_test_snapshot_interval(0);
        tu_ledger_done(l, dir);
        free(order);
        free(o.ev);
        world_free(&o.w);
    }
}

/* ---- 4. recorded_at increases along a v2 chain --------------------------- */

static int
append_one(avow_ledger *l, const avow_buf *raw)
{
    avow_append_result res;
    const unsigned char *p = raw->ptr;
    size_t len = raw->len;
    return avow_ledger_append_signed(&res, l, &p, &len, 1);
}

static void
test_research__v2_event_not_after_its_predecessor_is_refused(void **state)
{
    (void)state;
    char *dir;
    avow_ledger *l = tu_ledger(&dir);
    avow_key *k = tu_key(0x77);
    unsigned char prev[AVOW_HASH_BYTES] = { 0 };
    avow_buf raw = AVOW_BUF_INIT;
    avow_event ev;
    uint64_t count = 0, count2 = 0;
    int64_t rec = r_day(10);

    avow_draft d = d_base(AVOW_KIND_CONTEST, "e");
    d.title = "E";
    d.rule = "majority";
    d.choice = AVOW_CHOICE_SINGLE;
    d.effective_at = r_day(1);
    assert_int_equal(avow_event_sign(&raw, &d, k, 1, prev, rec), 0);
    assert_int_equal(append_one(l, &raw), 0);
    assert_int_equal(avow_event_decode(&ev, raw.ptr, raw.len), 0);
    avow_event_content_hash(prev, &ev);
    assert_int_equal(avow_ledger_count(&count, l), 0);

    /* seq 2, v2 (a note), recorded at the same microsecond, then one before */
    avow_draft s = d_base(AVOW_KIND_MEMBER_JOIN, "e");
    s.actor = "LT";
    s.effective_at = r_day(2);
    s.note = "joins";
    const int64_t bad[] = { rec, rec - 1, rec - DAY };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        avow_buf b2 = AVOW_BUF_INIT;
        assert_int_equal(avow_event_sign(&b2, &s, k, 2, prev, bad[i]), 0);
        assert_int_equal(avow_event_decode(&ev, b2.ptr, b2.len), 0);
        assert_int_equal(ev.version, 2);
        assert_int_equal(append_one(l, &b2), AVOW_ECHAIN);
        assert_int_equal(avow_ledger_count(&count2, l), 0);
        assert_int_equal(count2, count);
        avow_buf_dispose(&b2);
    }
    /* one microsecond later is accepted */
    avow_buf b3 = AVOW_BUF_INIT;
    assert_int_equal(avow_event_sign(&b3, &s, k, 2, prev, rec + 1), 0);
    assert_int_equal(append_one(l, &b3), 0);
    assert_int_equal(avow_ledger_count(&count2, l), 0);
    assert_int_equal(count2, count + 1);
    assert_int_equal(avow_event_decode(&ev, b3.ptr, b3.len), 0);
    avow_event_content_hash(prev, &ev);

    /* within one batch: seq 3 recorded at seq 4's time refuses the whole batch */
    avow_buf b4 = AVOW_BUF_INIT, b5 = AVOW_BUF_INIT;
    unsigned char prev4[AVOW_HASH_BYTES];
    s.actor = "EE";
    assert_int_equal(avow_event_sign(&b4, &s, k, 3, prev, rec + 5), 0);
    assert_int_equal(avow_event_decode(&ev, b4.ptr, b4.len), 0);
    avow_event_content_hash(prev4, &ev);
    s.actor = "LV";
    assert_int_equal(avow_event_sign(&b5, &s, k, 4, prev4, rec + 5), 0);
    const unsigned char *ps[2] = { b4.ptr, b5.ptr };
    size_t lens[2] = { b4.len, b5.len };
    avow_append_result res;
    assert_int_equal(avow_ledger_append_signed(&res, l, ps, lens, 2), AVOW_ECHAIN);
    assert_int_equal(avow_ledger_count(&count2, l), 0);
    assert_int_equal(count2, count + 1);

    /* a format v1 event keeps the v1 rule: the same recorded_at is accepted */
    avow_buf b6 = AVOW_BUF_INIT;
    s.note = NULL;
    s.actor = "PL";
    assert_int_equal(avow_event_sign(&b6, &s, k, 3, prev, rec + 1), 0);
    assert_int_equal(avow_event_decode(&ev, b6.ptr, b6.len), 0);
    assert_int_equal(ev.version, 1);
    assert_int_equal(append_one(l, &b6), 0);
    assert_int_equal(avow_ledger_count(&count2, l), 0);
    assert_int_equal(count2, count + 2);
    avow_buf_dispose(&b3);
    avow_buf_dispose(&b4);
    avow_buf_dispose(&b5);
    avow_buf_dispose(&b6);
    avow_buf_dispose(&raw);
    avow_key_free(k);
    tu_ledger_done(l, dir);
}

struct problems {
    size_t n, found;
    uint64_t index;
};

static int
collect(const avow_problem *p, void *payload)
{
    struct problems *ps = payload;
    ps->n++;
    if (strstr(p->what, "recorded_at is not later than seq 1") != NULL) {
        ps->found++;
        ps->index = p->index;
    }
    return 0;
}

/* An event that got in by other means (the file written directly) is named by verify. */
static void
test_research__verify_reports_a_v2_event_not_after_its_predecessor(void **state)
{
    (void)state;
    char *dir, path[4200];
    avow_ledger *l = tu_ledger(&dir);
    avow_key *k = tu_key(0x78);
    unsigned char prev[AVOW_HASH_BYTES] = { 0 };
    avow_buf raw = AVOW_BUF_INIT, good = AVOW_BUF_INIT, bad = AVOW_BUF_INIT;
    avow_event ev;
    int64_t rec = r_day(10);
    avow_draft d = d_base(AVOW_KIND_CONTEST, "e");
    d.title = "E";
    d.rule = "majority";
    d.choice = AVOW_CHOICE_SINGLE;
    d.effective_at = r_day(1);
    assert_int_equal(avow_event_sign(&raw, &d, k, 1, prev, rec), 0);
    assert_int_equal(append_one(l, &raw), 0);
    assert_int_equal(avow_event_decode(&ev, raw.ptr, raw.len), 0);
    avow_event_content_hash(prev, &ev);
    avow_draft s = d_base(AVOW_KIND_MEMBER_JOIN, "e");
    s.actor = "LT";
    s.effective_at = r_day(2);
    s.note = "joins";
    assert_int_equal(avow_event_sign(&good, &s, k, 2, prev, rec + 1), 0);
    assert_int_equal(avow_event_sign(&bad, &s, k, 2, prev, rec), 0);
    assert_int_equal(good.len, bad.len);
    assert_int_equal(append_one(l, &good), 0);
    uint64_t events = 0, problems = 0;
    avow_verify_opts vo = AVOW_VERIFY_OPTS_INIT;
    struct problems ps = { 0, 0, 0 };
    vo.on_problem = collect;
    vo.payload = &ps;
    assert_int_equal(avow_ledger_verify(&events, &problems, l, &vo), 0);
    assert_int_equal(problems, 0);
    avow_ledger_free(l);

    /* replace event #1 by the same event recorded at seq 1's microsecond */
    MDB_env *env = NULL;
    MDB_txn *txn = NULL;
    MDB_dbi dbi;
    unsigned char key[8] = { 0, 0, 0, 0, 0, 0, 0, 1 };
    assert_true(snprintf(path, sizeof(path), "%s/ledger", dir) < (int)sizeof(path));
    assert_int_equal(mdb_env_create(&env), 0);
    assert_int_equal(mdb_env_set_maxdbs(env, 16), 0);
    assert_int_equal(mdb_env_open(env, path, 0, 0644), 0);
    assert_int_equal(mdb_txn_begin(env, NULL, 0, &txn), 0);
    assert_int_equal(mdb_dbi_open(txn, "events", 0, &dbi), 0);
    MDB_val kv = { sizeof(key), key }, v;
    assert_int_equal(mdb_get(txn, dbi, &kv, &v), 0);
    assert_int_equal(v.mv_size, good.len);
    assert_memory_equal(v.mv_data, good.ptr, good.len);
    v.mv_data = bad.ptr;
    assert_int_equal(mdb_put(txn, dbi, &kv, &v, 0), 0);
    assert_int_equal(mdb_txn_commit(txn), 0);
    mdb_env_close(env);

    assert_int_equal(avow_ledger_open(&l, path, 0), 0);
    assert_int_equal(avow_ledger_verify(&events, &problems, l, &vo), 0);
    assert_true(problems > 0);
    assert_int_equal(ps.found, 1);
    assert_int_equal(ps.index, 1);
    avow_ledger_free(l);
    avow_buf_dispose(&raw);
    avow_buf_dispose(&good);
    avow_buf_dispose(&bad);
    avow_key_free(k);
    tu_rmrf(dir);
    free(dir);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_research__v2_event_sets_in_different_orders_converge),
        cmocka_unit_test(test_research__snapshot_path_equals_replay_with_filters),
        cmocka_unit_test(test_research__library_agrees_with_an_oracle_of_the_rules),
        cmocka_unit_test(test_research__v2_event_not_after_its_predecessor_is_refused),
        cmocka_unit_test(test_research__verify_reports_a_v2_event_not_after_its_predecessor),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
