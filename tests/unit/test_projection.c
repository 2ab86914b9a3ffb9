/* SPDX-License-Identifier: ISC */
/*
 * test_projection.c - point-in-time projections (src/project/ scan, state,
 * history, explain; src/derived/ snapshots, retractions; docs/PROJECTIONS.md): the NATO 2024
 * scenario, bitemporal queries, retractions and disputes with explain, convergence of ledgers
 * filled in different orders, and the snapshot fast path against a naive reference.
 */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "event/codec.h"
#include "ledger/store.h"
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
    int64_t last_rec[NAUTH];
    struct tev *evs;
    size_t n, cap;
};

static void
world_init(struct world *w)
{
    memset(w, 0, sizeof(*w));
    for (int a = 0; a < NAUTH; a++) {
        w->keys[a] = tu_key((unsigned char)(0x41 + a));
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
        /* the target may point into w->evs, which may move below */
        memcpy(target, d->target, sizeof(target));
        dc.target = target;
    }
    d = &dc;
    if (w->n == w->cap) {
        w->cap = w->cap ? w->cap * 2 : 64;
        w->evs = realloc(w->evs, w->cap * sizeof(*w->evs));
        assert_non_null(w->evs);
    }
    struct tev *t = &w->evs[w->n];
    memset(t, 0, sizeof(*t));
    assert_int_equal(
      avow_event_sign(&t->raw, d, w->keys[author], w->seq[author] + 1, w->prev[author], rec), 0);
    assert_int_equal(avow_event_decode(&ev, t->raw.ptr, t->raw.len), 0);
    avow_event_content_hash(w->prev[author], &ev);
    avow_event_id(t->id, &ev);
    w->seq[author]++;
    w->last_rec[author] = rec;
    t->author = author;
    return w->n++;
}

/* A fresh ledger whose keyring trusts the world's authors. */
static avow_ledger *
world_ledger(const struct world *w, char **dir)
{
    avow_ledger *l = tu_ledger(dir);
    for (int a = 0; a < NAUTH; a++) {
        char name[16];
        snprintf(name, sizeof(name), "analyst%d", a);
        assert_int_equal(avow_trust_add(l, avow_key_public(w->keys[a]), name), 0);
    }
    return l;
}

/* Append events order[0..n) in batches of `batch`. */
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

static avow_draft
d_contest(const char *c, const char *rule, int64_t eff)
{
    avow_draft d = AVOW_DRAFT_INIT;
    d.kind = AVOW_KIND_CONTEST;
    d.contest = c;
    d.title = "Contest";
    d.rule = rule;
    d.effective_at = eff;
    return d;
}

static avow_draft
d_simple(uint8_t kind, const char *c, const char *actor, const char *cand, int64_t eff)
{
    avow_draft d = AVOW_DRAFT_INIT;
    d.kind = kind;
    d.contest = c;
    d.actor = actor;
    d.candidate = cand;
    d.effective_at = eff;
    return d;
}

static avow_draft
d_stance(const char *c, const char *actor, uint8_t stance, const char *cand, int64_t eff)
{
    avow_draft d = d_simple(AVOW_KIND_STANCE, c, actor, cand, eff);
    d.stance = stance;
    d.source = "https://example.org/";
    return d;
}

static avow_draft
d_retract(const unsigned char *target, const char *reason, int64_t eff)
{
    avow_draft d = AVOW_DRAFT_INIT;
    d.kind = AVOW_KIND_RETRACT;
    d.target = target;
    d.reason = reason;
    d.effective_at = eff;
    return d;
}

static int64_t
T(const char *text)
{
    int64_t t;
    assert_int_equal(avow_time_parse(&t, NULL, text, AVOW_TIME_END), 0);
    return t;
}

static int64_t
T0(const char *text)
{
    int64_t t;
    assert_int_equal(avow_time_parse(&t, NULL, text, AVOW_TIME_START), 0);
    return t;
}

/* The state JSON at (at, known_at), parsed. */
static json_t *
state_at(avow_ledger *l, const char *contest, int64_t at, int64_t known_at, char **text)
{
    avow_state_opts o = AVOW_STATE_OPTS_INIT;
    avow_state *st = NULL;
    avow_buf b = AVOW_BUF_INIT;
    o.at = at;
    o.known_at = known_at;
    int r = avow_state_compute(&st, l, contest, &o);
    if (r != 0) {
        fprintf(stderr, "state: %s\n", avow_error_last());
    }
    assert_int_equal(r, 0);
    assert_int_equal(avow_state_to_json(&b, st), 0);
    assert_int_equal(buf_put(&b, "", 1), 0);
    json_error_t err;
    json_t *doc = json_loads((const char *)b.ptr, 0, &err);
    assert_non_null(doc);
    if (text != NULL) {
        *text = strdup((const char *)b.ptr);
    }
    avow_buf_dispose(&b);
    avow_state_free(st);
    return doc;
}

static json_t *
cand(json_t *doc, const char *name)
{
    size_t i;
    json_t *c;
    json_array_foreach(json_object_get(doc, "candidates"), i, c)
    {
        if (strcmp(json_string_value(json_object_get(c, "name")), name) == 0) {
            return c;
        }
    }
    fail_msg("no candidate %s", name);
    return NULL;
}

/* A JSON list of strings as "A,B,C". */
static char *
joined(json_t *list)
{
    static char buf[2048];
    size_t i;
    json_t *v;
    size_t len = 0;
    buf[0] = '\0';
    json_array_foreach(list, i, v)
    {
        int k =
          snprintf(buf + len, sizeof(buf) - len, "%s%s", i > 0 ? "," : "", json_string_value(v));
        assert_true(k >= 0 && (size_t)k < sizeof(buf) - len);
        len += (size_t)k;
    }
    return buf;
}

static int64_t
jint(json_t *o, const char *k)
{
    return (int64_t)json_integer_value(json_object_get(o, k));
}

/* ---- 1. the NATO 2024 scenario ----------------------------------------- */

static const char *const nato31[] = { "AL", "BE", "BG", "CA", "HR", "CZ", "DK", "EE",
                                      "FI", "FR", "DE", "GR", "HU", "IS", "IT", "LV",
                                      "LT", "LU", "ME", "NL", "MK", "NO", "PL", "PT",
                                      "RO", "SK", "SI", "ES", "TR", "GB", "US" };

struct scenario {
    struct world w;
    avow_ledger *l;
    char *dir;
    size_t hu_opposes, sk_late, tr_supports, b_hu;
};

static int64_t rec_clock;

static size_t
add(struct world *w, int author, avow_draft d)
{
    /* recorded one hour after the effective time, strictly increasing */
    int64_t rec = d.effective_at + HOUR;
    if (rec <= rec_clock) {
        rec = rec_clock + 1;
    }
    rec_clock = rec;
    return world_add(w, author, &d, rec);
}

static void
scenario_build(struct scenario *s)
{
    struct world *w = &s->w;
    const char *c = "nato-sg-2024";
    rec_clock = 0;
    world_init(w);
    add(w, 0, d_contest(c, "unanimity", T0("2023-10-01")));
    add(w, 0, d_simple(AVOW_KIND_CANDIDATE_ENTER, c, NULL, "Rutte", T0("2023-11-01")));
    for (size_t i = 0; i < 31; i++) {
        add(w, 0, d_simple(AVOW_KIND_MEMBER_JOIN, c, nato31[i], NULL, T0("2024-01-01")));
    }
    const char *early[] = { "US", "GB", "DE", "FR" };
    for (size_t i = 0; i < 4; i++) {
        add(w, 0, d_stance(c, early[i], AVOW_STANCE_SUPPORTS, "Rutte", T0("2024-02-22")));
    }
    add(w, 0, d_simple(AVOW_KIND_MEMBER_JOIN, c, "SE", NULL, T0("2024-03-07")));
    add(w, 0, d_simple(AVOW_KIND_CANDIDATE_ENTER, c, NULL, "Iohannis", T0("2024-03-14")));
    /* 22 more supporters on 2024-03-20: all but HU SK RO TR LT EE and the early four. */
    for (size_t i = 0; i < 31; i++) {
        const char *a = nato31[i];
        int skip = 0;
        const char * not [] = { "HU", "SK", "RO", "TR", "LT", "EE", "US", "GB", "DE", "FR" };
        for (size_t j = 0; j < 10; j++) {
            skip |= strcmp(a, not [j]) == 0;
        }
        if (!skip) {
            add(w, 0, d_stance(c, a, AVOW_STANCE_SUPPORTS, "Rutte", T0("2024-03-20")));
        }
    }
    add(w, 0, d_stance(c, "SE", AVOW_STANCE_SUPPORTS, "Rutte", T0("2024-03-20")));
    add(w, 0, d_stance(c, "RO", AVOW_STANCE_SUPPORTS, "Iohannis", T0("2024-03-21")));
    s->hu_opposes = add(w, 0, d_stance(c, "HU", AVOW_STANCE_OPPOSES, "Rutte", T0("2024-04-01")));
    add(w, 0, d_stance(c, "SK", AVOW_STANCE_UNDECIDED, "Rutte", T0("2024-04-01")));
    s->tr_supports = add(w, 0, d_stance(c, "TR", AVOW_STANCE_SUPPORTS, "Rutte", T0("2024-04-02")));
    add(w, 0, d_stance(c, "LT", AVOW_STANCE_SUPPORTS, "Rutte", T0("2024-04-03")));
    add(w, 0, d_stance(c, "EE", AVOW_STANCE_SUPPORTS, "Rutte", T0("2024-04-03")));
    add(w, 0, d_stance(c, "UA", AVOW_STANCE_SUPPORTS, "Rutte", T0("2024-04-03")));
    /* TR's support was wrongly recorded: retracted on 2024-04-10. */
    {
        avow_draft d = d_retract(w->evs[s->tr_supports].id, "wrong source", T0("2024-04-10"));
        add(w, 0, d);
    }
    /* A late record: SK supports from 2024-04-02, recorded on 2024-05-10. */
    {
        avow_draft d = d_stance(c, "SK", AVOW_STANCE_SUPPORTS, "Rutte", T0("2024-04-02"));
        rec_clock = T0("2024-05-10");
        s->sk_late = world_add(w, 0, &d, rec_clock);
    }
    /* A second analyst disagrees about HU on 2024-04-01. */
    s->b_hu = add(w, 1, d_stance(c, "HU", AVOW_STANCE_SUPPORTS, "Rutte", T0("2024-04-01")));
    add(w, 0, d_stance(c, "HU", AVOW_STANCE_SUPPORTS, "Rutte", T0("2024-06-18")));
    add(w, 0, d_stance(c, "TR", AVOW_STANCE_SUPPORTS, "Rutte", T0("2024-06-18")));
    add(w, 0, d_stance(c, "RO", AVOW_STANCE_SUPPORTS, "Rutte", T0("2024-06-20")));
    add(w, 0, d_simple(AVOW_KIND_CANDIDATE_WITHDRAW, c, NULL, "Iohannis", T0("2024-06-20")));
    add(w, 0, d_simple(AVOW_KIND_DECISION, c, NULL, "Rutte", T0("2024-06-26")));

    s->l = world_ledger(w, &s->dir);
    size_t *order = malloc(w->n * sizeof(*order));
    assert_non_null(order);
    for (size_t i = 0; i < w->n; i++) {
        order[i] = i;
    }
    append_order(s->l, w, order, w->n, 16);
    free(order);
}

static void
scenario_free(struct scenario *s)
{
    avow_ledger_free(s->l);
    tu_rmrf(s->dir);
    free(s->dir);
    world_free(&s->w);
}

static void
test_projection__nato_scenario_counts_lists_and_member_change(void **state)
{
    (void)state;
    struct scenario s;
    scenario_build(&s);
    const char *c = "nato-sg-2024";

    json_t *d = state_at(s.l, c, T("2024-03-06"), AVOW_TIME_MAX, NULL);
    assert_int_equal(json_array_size(json_object_get(d, "members")), 31);
    assert_string_equal(json_string_value(json_object_get(d, "rule")), "unanimity");
    assert_true(json_is_null(json_object_get(d, "known_at")));
    assert_int_equal(jint(cand(d, "Rutte"), "needed"), 31);
    assert_int_equal(jint(cand(d, "Rutte"), "support_count"), 4);
    assert_string_equal(joined(json_object_get(cand(d, "Rutte"), "supports")), "DE,FR,GB,US");
    assert_int_equal(json_array_size(json_object_get(d, "candidates")), 1);
    json_decref(d);

    d = state_at(s.l, c, T("2024-03-07"), AVOW_TIME_MAX, NULL);
    assert_int_equal(json_array_size(json_object_get(d, "members")), 32);
    assert_int_equal(jint(cand(d, "Rutte"), "needed"), 32);
    json_decref(d);

    d = state_at(s.l, c, T("2024-04-04"), AVOW_TIME_MAX, NULL);
    json_t *r = cand(d, "Rutte");
    /* 22 + SE + 4 early + LT + EE + SK (late record, effective 04-02) = 29 */
    assert_int_equal(jint(r, "support_count"), 29);
    assert_int_equal(jint(r, "needed"), 32);
    assert_true(json_is_false(json_object_get(r, "met")));
    assert_string_equal(joined(json_object_get(r, "opposes")), "");
    assert_string_equal(joined(json_object_get(r, "disputed")), "HU");
    assert_string_equal(joined(json_object_get(r, "undecided")), "");
    assert_string_equal(json_string_value(json_object_get(r, "status")), "running");
    json_t *out = json_object_get(r, "outside");
    assert_int_equal(json_array_size(out), 1);
    assert_string_equal(json_string_value(json_object_get(json_array_get(out, 0), "actor")), "UA");
    assert_string_equal(json_string_value(json_object_get(json_array_get(out, 0), "stance")),
                        "supports");
    json_t *io = cand(d, "Iohannis");
    assert_string_equal(joined(json_object_get(io, "supports")), "RO");
    assert_true(json_is_null(json_object_get(d, "decision")));
    assert_string_equal(
      joined(json_object_get(json_array_get(json_object_get(d, "candidates"), 0), "supports")),
      "RO"); /* sorted by name: Iohannis first */
    json_decref(d);

    /* As known on 2024-04-05: no late SK record, TR not yet retracted, no dispute yet. */
    d = state_at(s.l, c, T("2024-04-04"), T("2024-04-05"), NULL);
    r = cand(d, "Rutte");
    assert_int_equal(jint(r, "support_count"), 29); /* 27 + TR + ... SK undecided */
    assert_string_equal(joined(json_object_get(r, "opposes")), "HU");
    assert_string_equal(joined(json_object_get(r, "undecided")), "SK");
    assert_string_equal(json_string_value(json_object_get(d, "known_at")),
                        "2024-04-05T23:59:59.999999Z");
    json_decref(d);

    d = state_at(s.l, c, T("2024-06-30"), AVOW_TIME_MAX, NULL);
    r = cand(d, "Rutte");
    assert_int_equal(jint(r, "support_count"), 32);
    assert_true(json_is_true(json_object_get(r, "met")));
    assert_string_equal(json_string_value(json_object_get(cand(d, "Iohannis"), "status")),
                        "withdrawn");
    json_t *dec = json_object_get(d, "decision");
    assert_string_equal(json_string_value(json_object_get(dec, "candidate")), "Rutte");
    assert_string_equal(json_string_value(json_object_get(dec, "at")), "2024-06-26T00:00:00Z");
    json_decref(d);
    scenario_free(&s);
}

/* ---- 2. bitemporal ------------------------------------------------------ */

static void
test_projection__late_record_changes_state_but_not_state_known_before(void **state)
{
    (void)state;
    struct scenario s;
    scenario_build(&s);
    const char *c = "nato-sg-2024";
    json_t *now = state_at(s.l, c, T("2024-04-02"), AVOW_TIME_MAX, NULL);
    json_t *then = state_at(s.l, c, T("2024-04-02"), T("2024-05-09"), NULL);
    json_t *after = state_at(s.l, c, T("2024-04-02"), T("2024-05-10"), NULL);
    assert_non_null(strstr(joined(json_object_get(cand(now, "Rutte"), "supports")), "SK"));
    assert_null(strstr(joined(json_object_get(cand(then, "Rutte"), "supports")), "SK"));
    assert_string_equal(joined(json_object_get(cand(then, "Rutte"), "undecided")), "SK");
    assert_non_null(strstr(joined(json_object_get(cand(after, "Rutte"), "supports")), "SK"));
    json_decref(now);
    json_decref(then);
    json_decref(after);
    scenario_free(&s);
}

/* ---- 3. retraction, dispute, explain ----------------------------------- */

static void
test_projection__retraction_applies_from_its_record_time(void **state)
{
    (void)state;
    struct scenario s;
    scenario_build(&s);
    const char *c = "nato-sg-2024";
    avow_state_opts o = AVOW_STATE_OPTS_INIT;
    avow_explain *ex = NULL;

    json_t *d = state_at(s.l, c, T("2024-04-04"), AVOW_TIME_MAX, NULL);
    assert_null(strstr(joined(json_object_get(cand(d, "Rutte"), "supports")), "TR"));
    json_decref(d);
    d = state_at(s.l, c, T("2024-04-04"), T("2024-04-09"), NULL);
    assert_non_null(strstr(joined(json_object_get(cand(d, "Rutte"), "supports")), "TR"));
    json_decref(d);

    o.at = T("2024-04-04");
    assert_int_equal(avow_explain_compute(&ex, s.l, c, "TR", "Rutte", &o), 0);
    assert_int_equal(avow_explain_stance(ex), AVOW_STANCE_NONE);
    assert_int_equal(avow_explain_count(ex, AVOW_EXPLAIN_DECIDING), 0);
    assert_int_equal(avow_explain_count(ex, AVOW_EXPLAIN_RETRACTED), 1);
    assert_int_equal(avow_explain_count(ex, AVOW_EXPLAIN_RETRACTION), 1);
    assert_memory_equal(avow_explain_item_at(ex, AVOW_EXPLAIN_RETRACTED, 0)->id,
                        s.w.evs[s.tr_supports].id, AVOW_EVENT_ID_BYTES);
    avow_event rev;
    const avow_explain_item *ri = avow_explain_item_at(ex, AVOW_EXPLAIN_RETRACTION, 0);
    assert_int_equal(avow_event_decode(&rev, ri->raw, ri->raw_len), 0);
    assert_int_equal(rev.kind, AVOW_KIND_RETRACT);
    assert_memory_equal(rev.target, s.w.evs[s.tr_supports].id, AVOW_EVENT_ID_BYTES);
    avow_buf b = AVOW_BUF_INIT;
    assert_int_equal(avow_explain_to_json(&b, ex), 0);
    assert_int_equal(buf_put(&b, "", 1), 0);
    json_t *j = json_loads((const char *)b.ptr, 0, NULL);
    assert_non_null(j);
    assert_true(json_is_null(json_object_get(j, "stance")));
    json_t *rt = json_array_get(json_object_get(j, "retracted"), 0);
    assert_string_equal(
      json_string_value(json_object_get(json_object_get(rt, "retraction"), "reason")),
      "wrong source");
    assert_string_equal(
      json_string_value(json_object_get(json_object_get(rt, "event"), "signature")), "valid");
    json_decref(j);
    avow_buf_dispose(&b);
    avow_explain_free(ex);

    /* Known before the retraction was recorded: TR's support decides. */
    o.known_at = T("2024-04-09");
    assert_int_equal(avow_explain_compute(&ex, s.l, c, "TR", "Rutte", &o), 0);
    assert_int_equal(avow_explain_stance(ex), AVOW_STANCE_SUPPORTS);
    assert_int_equal(avow_explain_count(ex, AVOW_EXPLAIN_RETRACTED), 0);
    assert_memory_equal(avow_explain_item_at(ex, AVOW_EXPLAIN_DECIDING, 0)->id,
                        s.w.evs[s.tr_supports].id, AVOW_EVENT_ID_BYTES);
    avow_explain_free(ex);
    scenario_free(&s);
}

static void
test_projection__disagreeing_authors_make_a_dispute_that_explain_shows(void **state)
{
    (void)state;
    struct scenario s;
    scenario_build(&s);
    const char *c = "nato-sg-2024";
    avow_state_opts o = AVOW_STATE_OPTS_INIT;
    avow_explain *ex = NULL;
    avow_buf b = AVOW_BUF_INIT;

    o.at = T("2024-04-04");
    assert_int_equal(avow_explain_compute(&ex, s.l, c, "HU", "Rutte", &o), 0);
    assert_true(avow_explain_disputed(ex));
    assert_true(avow_explain_is_member(ex));
    assert_int_equal(avow_explain_count(ex, AVOW_EXPLAIN_DISPUTE), 2);
    int saw_a = 0, saw_b = 0;
    for (size_t i = 0; i < 2; i++) {
        const avow_explain_item *it = avow_explain_item_at(ex, AVOW_EXPLAIN_DISPUTE, i);
        saw_a |= memcmp(it->id, s.w.evs[s.hu_opposes].id, AVOW_EVENT_ID_BYTES) == 0;
        saw_b |= memcmp(it->id, s.w.evs[s.b_hu].id, AVOW_EVENT_ID_BYTES) == 0;
    }
    assert_true(saw_a && saw_b);
    assert_int_equal(avow_explain_to_json(&b, ex), 0);
    assert_int_equal(buf_put(&b, "", 1), 0);
    json_t *j = json_loads((const char *)b.ptr, 0, NULL);
    assert_string_equal(json_string_value(json_object_get(j, "stance")), "disputed");
    assert_int_equal(json_array_size(json_object_get(j, "dispute")), 2);
    json_decref(j);
    avow_buf_dispose(&b);
    avow_explain_free(ex);

    /* Later, HU's support overrides both sides. */
    o.at = T("2024-06-30");
    assert_int_equal(avow_explain_compute(&ex, s.l, c, "HU", "Rutte", &o), 0);
    assert_false(avow_explain_disputed(ex));
    assert_int_equal(avow_explain_stance(ex), AVOW_STANCE_SUPPORTS);
    assert_int_equal(avow_explain_count(ex, AVOW_EXPLAIN_OVERRIDDEN), 2);
    avow_explain_free(ex);

    /* Only the first author counted (known before B recorded): HU opposes. */
    json_t *d = state_at(s.l, c, T("2024-04-04"), T("2024-04-05"), NULL);
    assert_string_equal(joined(json_object_get(cand(d, "Rutte"), "opposes")), "HU");
    json_decref(d);
    scenario_free(&s);
}

static int
count_changes(const avow_change *ch, void *payload)
{
    size_t *n = payload;
    if (ch->retraction != NULL) {
        n[1]++;
    }
    n[0]++;
    return 0;
}

static void
test_projection__history_filters_and_marks_retractions(void **state)
{
    (void)state;
    struct scenario s;
    scenario_build(&s);
    avow_history_opts o = AVOW_HISTORY_OPTS_INIT;
    size_t n[2] = { 0, 0 };
    o.actor = "TR";
    assert_int_equal(avow_history(s.l, "nato-sg-2024", &o, count_changes, n), 0);
    assert_int_equal(n[0], 3); /* joins, supports (retracted), supports */
    assert_int_equal(n[1], 1);
    n[0] = n[1] = 0;
    o.actor = NULL;
    o.candidate = "Iohannis";
    assert_int_equal(avow_history(s.l, "nato-sg-2024", &o, count_changes, n), 0);
    assert_int_equal(n[0], 3); /* enters, RO supports, withdraws */
    assert_int_equal(avow_history(s.l, "no-such", NULL, count_changes, n), AVOW_ENOTFOUND);
    avow_state *st = NULL;
    assert_int_equal(avow_state_compute(&st, s.l, "no-such", NULL), AVOW_ENOTFOUND);
    assert_null(st);
    scenario_free(&s);
}

/* ---- naive reference (docs/PROJECTIONS.md, read literally) -------------- */

struct nev {
    avow_event ev;
    const unsigned char *id;
};

static int
nev_cmp(const void *a, const void *b)
{
    const struct nev *x = a, *y = b;
    if (x->ev.effective_at != y->ev.effective_at) {
        return x->ev.effective_at < y->ev.effective_at ? -1 : 1;
    }
    if (x->ev.recorded_at != y->ev.recorded_at) {
        return x->ev.recorded_at < y->ev.recorded_at ? -1 : 1;
    }
    return memcmp(x->id, y->id, AVOW_EVENT_ID_BYTES);
}

static int
seq_eq(avow_str a, avow_str b)
{
    return a.ptr != NULL && b.ptr != NULL && a.len == b.len && memcmp(a.ptr, b.ptr, a.len) == 0;
}

static int
str_cmp_json(const void *a, const void *b)
{
    return strcmp(json_string_value(*(json_t *const *)a), json_string_value(*(json_t *const *)b));
}

static json_t *
sorted_unique(json_t *list)
{
    size_t n = json_array_size(list);
    json_t **v = malloc((n + 1) * sizeof(*v));
    for (size_t i = 0; i < n; i++) {
        v[i] = json_array_get(list, i);
    }
    qsort(v, n, sizeof(*v), str_cmp_json);
    json_t *out = json_array();
    for (size_t i = 0; i < n; i++) {
        if (i == 0 || strcmp(json_string_value(v[i]), json_string_value(v[i - 1])) != 0) {
            json_array_append(out, v[i]);
        }
    }
    free(v);
    json_decref(list);
    return out;
}

static char *
dupstr(avow_str s)
{
    char *p = malloc(s.len + 1);
    memcpy(p, s.ptr, s.len);
    p[s.len] = 0;
    return p;
}

static const char *
tstr(int64_t t)
{
    static char b[AVOW_TIME_STRLEN];
    avow_time_format(b, t, AVOW_PREC_MICRO);
    return b;
}

/* The state JSON (with digest) of `contest` from the events of w that are in `have`. */
static char *
naive_state(const struct world *w, const unsigned char *have, const char *contest, int64_t at,
            int64_t known_at)
{
    struct nev *v = malloc(w->n * sizeof(*v));
    size_t n = 0;
    avow_str cs = { contest, strlen(contest) };
    for (size_t i = 0; i < w->n; i++) {
        struct nev e;
        if (!have[i]) {
            continue;
        }
        assert_int_equal(avow_event_decode(&e.ev, w->evs[i].raw.ptr, w->evs[i].raw.len), 0);
        e.id = w->evs[i].id;
        if (e.ev.kind == AVOW_KIND_RETRACT || !seq_eq(e.ev.contest, cs) || e.ev.effective_at > at ||
            e.ev.recorded_at > known_at) {
            continue;
        }
        int retracted = 0;
        for (size_t j = 0; j < w->n; j++) {
            avow_event r;
            if (!have[j]) {
                continue;
            }
            assert_int_equal(avow_event_decode(&r, w->evs[j].raw.ptr, w->evs[j].raw.len), 0);
            if (r.kind == AVOW_KIND_RETRACT && r.recorded_at <= known_at &&
                memcmp(r.target, e.id, 32) == 0 && memcmp(r.author, e.ev.author, 32) == 0) {
                retracted = 1;
            }
        }
        if (!retracted) {
            v[n++] = e;
        }
    }
    qsort(v, n, sizeof(*v), nev_cmp);

    json_t *o = json_object();
    json_object_set_new(o, "contest", json_string(contest));
    json_object_set_new(o, "at", json_string(tstr(at)));
    json_object_set_new(o, "known_at",
                        known_at == AVOW_TIME_MAX ? json_null() : json_string(tstr(known_at)));
    json_t *rule = json_null();
    for (size_t i = 0; i < n; i++) {
        if (v[i].ev.kind == AVOW_KIND_CONTEST) {
            rule = json_stringn(v[i].ev.rule.ptr, v[i].ev.rule.len);
            break;
        }
    }
    json_object_set_new(o, "rule", rule);
    /* members: latest join/leave per actor */
    json_t *members = json_array();
    for (size_t i = 0; i < n; i++) {
        if (v[i].ev.kind != AVOW_KIND_MEMBER_JOIN) {
            continue;
        }
        int latest = 1;
        for (size_t j = i + 1; j < n; j++) {
            if ((v[j].ev.kind == AVOW_KIND_MEMBER_JOIN || v[j].ev.kind == AVOW_KIND_MEMBER_LEAVE) &&
                seq_eq(v[j].ev.actor, v[i].ev.actor)) {
                latest = 0;
            }
        }
        if (latest) {
            json_array_append_new(members, json_stringn(v[i].ev.actor.ptr, v[i].ev.actor.len));
        }
    }
    members = sorted_unique(members);
    size_t nmem = json_array_size(members);
    json_object_set_new(o, "members", members);
    size_t needed = 0;
    if (json_is_string(rule)) {
        const char *r = json_string_value(rule);
        if (strcmp(r, "unanimity") == 0) {
            needed = nmem;
        } else if (strcmp(r, "majority") == 0) {
            needed = nmem / 2 + 1;
        } else if (strchr(r, '/') != NULL) {
            unsigned long p = strtoul(r, NULL, 10), q = strtoul(strchr(r, '/') + 1, NULL, 10);
            needed = (p * nmem + q - 1) / q;
        } else {
            needed = strtoul(r, NULL, 10);
        }
    }
    /* candidates: latest enter/withdraw per name */
    json_t *names = json_array();
    for (size_t i = 0; i < n; i++) {
        if (v[i].ev.kind == AVOW_KIND_CANDIDATE_ENTER ||
            v[i].ev.kind == AVOW_KIND_CANDIDATE_WITHDRAW) {
            json_array_append_new(names,
                                  json_stringn(v[i].ev.candidate.ptr, v[i].ev.candidate.len));
        }
    }
    names = sorted_unique(names);
    json_t *cands = json_array();
    size_t ci;
    json_t *cn;
    json_array_foreach(names, ci, cn)
    {
        const char *name = json_string_value(cn);
        avow_str ns = { name, strlen(name) };
        int running = 0;
        for (size_t i = 0; i < n; i++) {
            if ((v[i].ev.kind == AVOW_KIND_CANDIDATE_ENTER ||
                 v[i].ev.kind == AVOW_KIND_CANDIDATE_WITHDRAW) &&
                seq_eq(v[i].ev.candidate, ns)) {
                running = v[i].ev.kind == AVOW_KIND_CANDIDATE_ENTER;
            }
        }
        json_t *lists[4] = { json_array(), json_array(), json_array(), json_array() };
        json_t *outside = json_array();
        /* each actor with a stance on this candidate: its winner */
        for (size_t i = 0; i < n; i++) {
            if (v[i].ev.kind != AVOW_KIND_STANCE || !seq_eq(v[i].ev.candidate, ns)) {
                continue;
            }
            int latest = 1;
            for (size_t j = i + 1; j < n; j++) {
                if (v[j].ev.kind == AVOW_KIND_STANCE && seq_eq(v[j].ev.candidate, ns) &&
                    seq_eq(v[j].ev.actor, v[i].ev.actor)) {
                    latest = 0;
                }
            }
            if (!latest) {
                continue;
            }
            /* dispute: latest per author at the winner's effective_at */
            int disputed = 0;
            for (size_t j = 0; j < n; j++) {
                if (v[j].ev.kind != AVOW_KIND_STANCE || !seq_eq(v[j].ev.candidate, ns) ||
                    !seq_eq(v[j].ev.actor, v[i].ev.actor) ||
                    v[j].ev.effective_at != v[i].ev.effective_at) {
                    continue;
                }
                int author_latest = 1;
                for (size_t k = j + 1; k < n; k++) {
                    if (v[k].ev.kind == AVOW_KIND_STANCE && seq_eq(v[k].ev.candidate, ns) &&
                        seq_eq(v[k].ev.actor, v[i].ev.actor) &&
                        v[k].ev.effective_at == v[i].ev.effective_at &&
                        memcmp(v[k].ev.author, v[j].ev.author, 32) == 0) {
                        author_latest = 0;
                    }
                }
                if (author_latest && v[j].ev.stance != v[i].ev.stance) {
                    disputed = 1;
                }
            }
            char *actor = dupstr(v[i].ev.actor);
            int member = 0;
            size_t mi;
            json_t *mv;
            json_array_foreach(json_object_get(o, "members"), mi, mv)
            {
                member |= strcmp(json_string_value(mv), actor) == 0;
            }
            if (member) {
                int l = disputed ? 3 : v[i].ev.stance - 1;
                json_array_append_new(lists[l], json_string(actor));
            } else {
                json_t *e = json_object();
                json_object_set_new(e, "actor", json_string(actor));
                json_object_set_new(
                  e, "stance",
                  json_string(disputed ? "disputed" : avow_stance_name(v[i].ev.stance)));
                /* insertion sort by actor */
                size_t pos = 0;
                while (
                  pos < json_array_size(outside) &&
                  strcmp(json_string_value(json_object_get(json_array_get(outside, pos), "actor")),
                         actor) < 0) {
                    pos++;
                }
                json_array_insert_new(outside, pos, e);
            }
            free(actor);
        }
        json_t *co = json_object();
        json_object_set_new(co, "name", json_string(name));
        json_object_set_new(co, "status", json_string(running ? "running" : "withdrawn"));
        const char *keys[4] = { "supports", "opposes", "undecided", "disputed" };
        size_t support = 0;
        for (int l = 0; l < 4; l++) {
            lists[l] = sorted_unique(lists[l]);
            if (l == 0) {
                support = json_array_size(lists[l]);
            }
            json_object_set_new(co, keys[l], lists[l]);
        }
        json_object_set_new(co, "outside", outside);
        json_object_set_new(co, "support_count", json_integer((json_int_t)support));
        json_object_set_new(co, "needed", json_integer((json_int_t)needed));
        json_object_set_new(co, "met", json_boolean(running && needed > 0 && support >= needed));
        json_array_append_new(cands, co);
    }
    json_decref(names);
    json_object_set_new(o, "candidates", cands);
    json_t *dec = json_null();
    for (size_t i = 0; i < n; i++) {
        if (v[i].ev.kind == AVOW_KIND_DECISION) {
            char hex[65];
            json_decref(dec);
            dec = json_object();
            json_object_set_new(dec, "candidate",
                                json_stringn(v[i].ev.candidate.ptr, v[i].ev.candidate.len));
            json_object_set_new(dec, "at", json_string(tstr(v[i].ev.effective_at)));
            avow_hex(hex, v[i].id, 32);
            json_object_set_new(dec, "id", json_string(hex));
        }
    }
    json_object_set_new(o, "decision", dec);
    char *text = json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER);
    unsigned char h[32];
    char hex[65];
    crypto_hash_sha256(h, (const unsigned char *)text, strlen(text));
    avow_hex(hex, h, 32);
    free(text);
    json_object_set_new(o, "digest", json_string(hex));
    text = json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER);
    json_decref(o);
    free(v);
    return text;
}

/* ---- random worlds ------------------------------------------------------ */

static uint32_t rng_state;

static uint32_t
rnd(uint32_t n)
{
    /* xorshift32: deterministic test data */
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 17;
    rng_state ^= rng_state << 5;
    return rng_state % n;
}

static const char *const r_contests[] = { "c1", "c2" };
static const char *const r_actors[] = { "A", "B", "C", "D", "E", "F", "G", "H" };
static const char *const r_cands[] = { "X", "Y", "Z" };
static const char *const r_rules[] = { "unanimity", "majority", "2/3", "3" };

/* Times: day d of 2024 (few distinct values, so ties are frequent). */
static int64_t
r_day(uint32_t d)
{
    return T0("2024-01-01") + (int64_t)d * DAY;
}

static void
random_world(struct world *w, size_t n)
{
    world_init(w);
    int64_t rec[NAUTH];
    for (int a = 0; a < NAUTH; a++) {
        rec[a] = r_day(0) + a;
    }
    /* Both contests defined first (by several authors: the first in order wins). */
    for (int c = 0; c < 2; c++) {
        avow_draft d = d_contest(r_contests[c], r_rules[rnd(4)], r_day(rnd(3)));
        world_add(w, 0, &d, rec[0] += DAY);
        d = d_contest(r_contests[c], r_rules[rnd(4)], r_day(rnd(3)));
        world_add(w, 1, &d, rec[1] += DAY);
    }
    while (w->n < n) {
        int a = (int)rnd(NAUTH);
        const char *c = r_contests[rnd(2)];
        int64_t eff = r_day(rnd(40));
        avow_draft d;
        uint32_t k = rnd(20);
        if (k < 5) {
            d = d_simple(rnd(4) == 0 ? AVOW_KIND_MEMBER_LEAVE : AVOW_KIND_MEMBER_JOIN, c,
                         r_actors[rnd(8)], NULL, eff);
        } else if (k < 7) {
            d = d_simple(rnd(4) == 0 ? AVOW_KIND_CANDIDATE_WITHDRAW : AVOW_KIND_CANDIDATE_ENTER, c,
                         NULL, r_cands[rnd(3)], eff);
        } else if (k < 17) {
            d = d_stance(c, r_actors[rnd(8)], (uint8_t)(1 + rnd(3)), r_cands[rnd(3)], eff);
        } else if (k < 18) {
            d = d_simple(AVOW_KIND_DECISION, c, NULL, r_cands[rnd(3)], eff);
        } else {
            /* retract one of a's own earlier non-retraction events */
            size_t pick = SIZE_MAX;
            for (int tries = 0; tries < 10 && pick == SIZE_MAX; tries++) {
                size_t i = rnd((uint32_t)w->n);
                avow_event e;
                assert_int_equal(avow_event_decode(&e, w->evs[i].raw.ptr, w->evs[i].raw.len), 0);
                if (w->evs[i].author == a && e.kind != AVOW_KIND_RETRACT) {
                    pick = i;
                }
            }
            if (pick == SIZE_MAX) {
                continue;
            }
            d = d_retract(w->evs[pick].id, "oops", eff);
        }
        /* recorded times: increasing per author, sometimes long after (late records) */
        rec[a] += rnd(5) == 0 ? 30 * DAY : (int64_t)(1 + rnd(3)) * HOUR;
        world_add(w, a, &d, rec[a]);
    }
}

/* A random interleaving of the authors' chains. */
static void
random_order(const struct world *w, size_t *order)
{
    size_t *lists[NAUTH], len[NAUTH] = { 0 }, pos[NAUTH] = { 0 };
    for (int a = 0; a < NAUTH; a++) {
        lists[a] = malloc(w->n * sizeof(size_t));
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

static void
random_query(int64_t *at, int64_t *known)
{
    *at = r_day(rnd(45)) + (rnd(2) ? 0 : DAY - 1);
    *known = rnd(3) == 0 ? AVOW_TIME_MAX : r_day(rnd(200)) + (int64_t)rnd(48) * HOUR;
}

static char *
lib_state(avow_ledger *l, const char *contest, int64_t at, int64_t known)
{
    char *text = NULL;
    json_decref(state_at(l, contest, at, known, &text));
    return text;
}

/* ---- 4. convergence ----------------------------------------------------- */

#define NLEDGERS 5

static void
test_projection__ledgers_filled_in_different_orders_converge(void **state)
{
    (void)state;
    struct world w;
    avow_ledger *l[NLEDGERS];
    char *dir[NLEDGERS];
    size_t *order;
    rng_state = 0x12345678u;
    random_world(&w, 300);
    order = malloc(w.n * sizeof(*order));
    state_test_snapshot_interval(7);
    for (int i = 0; i < NLEDGERS; i++) {
        l[i] = world_ledger(&w, &dir[i]);
        random_order(&w, order);
        /* half, some queries (snapshots), the rest (invalidations) */
        append_order(l[i], &w, order, w.n / 2, 3 + (size_t)i * 5);
        for (int q = 0; q < 3; q++) {
            free(lib_state(l[i], r_contests[q % 2], r_day(45), AVOW_TIME_MAX));
        }
        append_order(l[i], &w, order + w.n / 2, w.n - w.n / 2, 3 + (size_t)i * 5);
    }
    for (int q = 0; q < 50; q++) {
        int64_t at, known;
        random_query(&at, &known);
        const char *c = r_contests[q % 2];
        char *first = lib_state(l[0], c, at, known);
        for (int i = 1; i < NLEDGERS; i++) {
            char *other = lib_state(l[i], c, at, known);
            assert_string_equal(first, other);
            free(other);
        }
        free(first);
    }
    state_test_snapshot_interval(0);
    for (int i = 0; i < NLEDGERS; i++) {
        avow_ledger_free(l[i]);
        tu_rmrf(dir[i]);
        free(dir[i]);
    }
    free(order);
    world_free(&w);
}

/* ---- 5. fast path == naive replay -------------------------------------- */

static void
check_against_naive(avow_ledger *l, const struct world *w, const unsigned char *have, int queries)
{
    for (int q = 0; q < queries; q++) {
        int64_t at, known;
        random_query(&at, &known);
        if (q % 2 == 0) {
            known = AVOW_TIME_MAX; /* the snapshot path */
        }
        const char *c = r_contests[q % 2 == 0 ? (q / 2) % 2 : 1 - (q / 2) % 2];
        char *got = lib_state(l, c, at, known);
        char *want = naive_state(w, have, c, at, known);
        if (strcmp(got, want) != 0) {
            fprintf(stderr, "got  %s\nwant %s\n", got, want);
        }
        assert_string_equal(got, want);
        free(got);
        free(want);
    }
}

static void
test_projection__snapshot_path_equals_naive_replay_after_late_events(void **state)
{
    (void)state;
    struct world w;
    char *dir;
    size_t snaps = 0, snaps2 = 0;
    rng_state = 0xdeadbeefu;
    random_world(&w, 260);
    unsigned char *have = calloc(w.n, 1);
    size_t *order = malloc(w.n * sizeof(*order));
    random_order(&w, order);
    state_test_snapshot_interval(5);
    avow_ledger *l = world_ledger(&w, &dir);

    size_t first = w.n * 2 / 3;
    append_order(l, &w, order, first, 10);
    for (size_t i = 0; i < first; i++) {
        have[order[i]] = 1;
    }
    size_t loads = state_test_snapshot_loads();
    check_against_naive(l, &w, have, 30);
    assert_true(state_test_snapshot_loads() > loads);
    assert_int_equal(state_test_snapshot_count(l, &snaps), 0);
    assert_true(snaps > 0);

    /* A late event far in the past of c1 invalidates the snapshots after it. */
    size_t rest = w.n - first;
    append_order(l, &w, order + first, rest, 3);
    for (size_t i = first; i < w.n; i++) {
        have[order[i]] = 1;
    }
    assert_int_equal(state_test_snapshot_count(l, &snaps2), 0);
    assert_true(snaps2 < snaps);
    loads = state_test_snapshot_loads();
    check_against_naive(l, &w, have, 40);
    assert_true(state_test_snapshot_loads() > loads);

    /* The snapshots are a cache: dropping them all (a trust change) changes nothing. */
    assert_int_equal(avow_trust_add(l, avow_key_public(w.keys[0]), "renamed"), 0);
    assert_int_equal(state_test_snapshot_count(l, &snaps), 0);
    assert_int_equal(snaps, 0);
    check_against_naive(l, &w, have, 10);
    state_test_snapshot_interval(0);
    avow_ledger_free(l);
    tu_rmrf(dir);
    free(dir);
    free(have);
    free(order);
    world_free(&w);
}

/* ---- 6. digests --------------------------------------------------------- */

static void
test_projection__digest_is_order_free_and_sees_a_missing_event(void **state)
{
    (void)state;
    struct scenario s;
    scenario_build(&s);
    char *dir2;
    avow_ledger *l2 = world_ledger(&s.w, &dir2);
    size_t n = s.w.n;
    size_t *order = malloc(n * sizeof(*order));
    /* reverse author interleaving: author 1's event first */
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        if (s.w.evs[i].author == 1) {
            order[k++] = i;
        }
    }
    for (size_t i = 0; i < n; i++) {
        if (s.w.evs[i].author == 0) {
            order[k++] = i;
        }
    }
    append_order(l2, &s.w, order, n, 7);

    avow_state *a = NULL, *b = NULL;
    avow_state_opts o = AVOW_STATE_OPTS_INIT;
    o.at = T("2024-04-04");
    assert_int_equal(avow_state_compute(&a, s.l, "nato-sg-2024", &o), 0);
    assert_int_equal(avow_state_compute(&b, l2, "nato-sg-2024", &o), 0);
    assert_string_equal(avow_state_digest(a), avow_state_digest(b));
    assert_int_equal(strlen(avow_state_digest(a)), 64);
    avow_state_free(b);

    /* the canonical form: compact JSON without the digest */
    avow_buf buf = AVOW_BUF_INIT;
    assert_int_equal(avow_state_to_json(&buf, a), 0);
    assert_int_equal(buf_put(&buf, "", 1), 0);
    json_t *doc = json_loads((const char *)buf.ptr, 0, NULL);
    json_object_del(doc, "digest");
    char *canon = json_dumps(doc, JSON_COMPACT | JSON_PRESERVE_ORDER);
    unsigned char h[32];
    char hex[65];
    crypto_hash_sha256(h, (const unsigned char *)canon, strlen(canon));
    avow_hex(hex, h, 32);
    assert_string_equal(hex, avow_state_digest(a));
    free(canon);
    json_decref(doc);
    avow_buf_dispose(&buf);

    /* a ledger missing one relevant event: the second analyst's statement on HU */
    char *dir3;
    avow_ledger *l3 = world_ledger(&s.w, &dir3);
    k = 0;
    for (size_t i = 0; i < n; i++) {
        if (i != s.b_hu) {
            order[k++] = i;
        }
    }
    append_order(l3, &s.w, order, k, 50);
    assert_int_equal(avow_state_compute(&b, l3, "nato-sg-2024", &o), 0);
    assert_string_not_equal(avow_state_digest(a), avow_state_digest(b));
    avow_state_free(a);
    avow_state_free(b);
    avow_ledger_free(l2);
    avow_ledger_free(l3);
    tu_rmrf(dir2);
    tu_rmrf(dir3);
    free(dir2);
    free(dir3);
    free(order);
    scenario_free(&s);
}

static void
test_projection__read_only_ledger_answers_without_snapshots(void **state)
{
    (void)state;
    struct scenario s;
    scenario_build(&s);
    char path[4200];
    avow_ledger *ro = NULL;
    size_t snaps = 1;
    state_test_snapshot_interval(3);
    snprintf(path, sizeof(path), "%s/ledger", s.dir);
    assert_int_equal(avow_ledger_open(&ro, path, AVOW_OPEN_READONLY), 0);
    char *a = lib_state(ro, "nato-sg-2024", T("2024-04-04"), AVOW_TIME_MAX);
    assert_int_equal(state_test_snapshot_count(ro, &snaps), 0);
    assert_int_equal(snaps, 0);
    char *b = lib_state(s.l, "nato-sg-2024", T("2024-04-04"), AVOW_TIME_MAX);
    assert_int_equal(state_test_snapshot_count(s.l, &snaps), 0);
    assert_true(snaps > 0);
    char *c = lib_state(s.l, "nato-sg-2024", T("2024-04-04"), AVOW_TIME_MAX);
    assert_string_equal(a, b);
    assert_string_equal(b, c);
    free(a);
    free(b);
    free(c);
    state_test_snapshot_interval(0);
    avow_ledger_free(ro);
    scenario_free(&s);
}

static void
test_projection__untrusted_authors_count_only_with_all_authors(void **state)
{
    (void)state;
    struct scenario s;
    size_t snaps = 0;
    scenario_build(&s);
    state_test_snapshot_interval(3);
    free(lib_state(s.l, "nato-sg-2024", T("2024-04-04"), AVOW_TIME_MAX));
    assert_int_equal(state_test_snapshot_count(s.l, &snaps), 0);
    assert_true(snaps > 0);
    /* Trust changes drop the snapshots (they bake the trust settings in). */
    assert_int_equal(avow_trust_remove(s.l, avow_key_public(s.w.keys[1])), 0);
    assert_int_equal(state_test_snapshot_count(s.l, &snaps), 0);
    assert_int_equal(snaps, 0);

    json_t *d = state_at(s.l, "nato-sg-2024", T("2024-04-04"), AVOW_TIME_MAX, NULL);
    assert_string_equal(joined(json_object_get(cand(d, "Rutte"), "opposes")), "HU");
    assert_string_equal(joined(json_object_get(cand(d, "Rutte"), "disputed")), "");
    json_decref(d);

    avow_state_opts o = AVOW_STATE_OPTS_INIT;
    avow_state *st = NULL;
    o.at = T("2024-04-04");
    o.all_authors = 1;
    assert_int_equal(avow_state_compute(&st, s.l, "nato-sg-2024", &o), 0);
    size_t c = avow_state_candidate_count(st) - 1; /* Rutte sorts last */
    assert_string_equal(avow_state_candidate_name(st, c), "Rutte");
    assert_int_equal(avow_state_list_count(st, c, AVOW_LIST_DISPUTED), 1);
    assert_string_equal(avow_state_list_actor(st, c, AVOW_LIST_DISPUTED, 0), "HU");
    assert_int_equal(avow_state_list_count(st, c, AVOW_LIST_NO_STANCE), 2); /* RO, TR */
    assert_string_equal(avow_state_list_actor(st, c, AVOW_LIST_NO_STANCE, 0), "RO");
    assert_int_equal(avow_state_support_count(st, c), 29);
    assert_int_equal(avow_state_needed(st), 32);
    assert_false(avow_state_met(st, c));
    avow_state_free(st);
    state_test_snapshot_interval(0);
    scenario_free(&s);
}

/* ---- 7. fast paths: the stored-event decoder, dropped map pages ---------- */

/* A ledger with one stance event; its bytes are copied to raw. */
static avow_ledger *
one_event_ledger(char **dir, avow_buf *raw)
{
    avow_ledger *l = tu_ledger(dir);
    avow_key *key = tu_key(0x51);
    avow_draft d[2] = { AVOW_DRAFT_INIT, AVOW_DRAFT_INIT };
    unsigned char ids[2 * AVOW_EVENT_ID_BYTES];
    size_t failed = 0;
    d[0].kind = AVOW_KIND_CONTEST;
    d[0].contest = "c1";
    d[0].title = "C one";
    d[0].rule = "majority";
    d[0].effective_at = DAY;
    d[1].kind = AVOW_KIND_STANCE;
    d[1].contest = "c1";
    d[1].actor = "Lithuania";
    d[1].candidate = "Rutte";
    d[1].stance = AVOW_STANCE_SUPPORTS;
    d[1].source = "https://example.org/lt";
    d[1].effective_at = 2 * DAY;
    assert_int_equal(avow_ledger_append_drafts(&failed, ids, l, key, d, 2), 0);
    assert_int_equal(avow_ledger_get(raw, NULL, l, ids + AVOW_EVENT_ID_BYTES), 0);
    avow_key_free(key);
    return l;
}

static void
test_projection__stored_decoder_checks_every_bound_but_not_text(void **state)
{
    (void)state;
    char *dir;
    avow_buf raw = AVOW_BUF_INIT;
    avow_event strict, fast;
    avow_ledger *l = one_event_ledger(&dir, &raw);

    /* On a sound event both decoders give the same fields. */
    assert_int_equal(avow_event_decode(&strict, raw.ptr, raw.len), 0);
    assert_int_equal(codec_decode_stored(&fast, raw.ptr, raw.len), 0);
    assert_int_equal(memcmp(&strict, &fast, sizeof(strict)), 0);

    /* Every truncation and every extension is refused (no read past the bytes). */
    unsigned char *copy = malloc(raw.len + 1);
    assert_non_null(copy);
    for (size_t n = 0; n < raw.len; n++) {
        memcpy(copy, raw.ptr, n);
        assert_true(codec_decode_stored(&fast, copy, n) < 0);
    }
    memcpy(copy, raw.ptr, raw.len);
    copy[raw.len] = 0;
    assert_true(codec_decode_stored(&fast, copy, raw.len + 1) < 0);

    /* A field whose length runs past the body, a wrong body length, an
     * out-of-range stance: refused as by the strict decoder. */
    memcpy(copy, raw.ptr, raw.len);
    copy[CODEC_OFF_BODY + 1] = 0xff;
    copy[CODEC_OFF_BODY + 2] = 0xff;
    assert_true(codec_decode_stored(&fast, copy, raw.len) < 0);
    memcpy(copy, raw.ptr, raw.len);
    copy[CODEC_OFF_BODYLEN + 1] ^= 1;
    assert_true(codec_decode_stored(&fast, copy, raw.len) < 0);
    assert_int_equal(avow_event_decode(&strict, raw.ptr, raw.len), 0);
    /* The stance field follows the candidate: tag, length, value. */
    size_t stance_off =
      (size_t)((const unsigned char *)strict.candidate.ptr - raw.ptr) + strict.candidate.len + 3;
    memcpy(copy, raw.ptr, raw.len);
    copy[stance_off] = 9;
    assert_true(avow_event_decode(&strict, copy, raw.len) < 0);
    assert_true(codec_decode_stored(&fast, copy, raw.len) < 0);

    /* Text rules are what it skips: bad UTF-8 in a stored actor decodes. */
    assert_int_equal(avow_event_decode(&strict, raw.ptr, raw.len), 0);
    size_t actor_off = (size_t)((const unsigned char *)strict.actor.ptr - raw.ptr);
    memcpy(copy, raw.ptr, raw.len);
    copy[actor_off] = 0xff;
    assert_true(avow_event_decode(&strict, copy, raw.len) < 0);
    assert_int_equal(codec_decode_stored(&fast, copy, raw.len), 0);
    assert_int_equal(fast.actor.len, strlen("Lithuania"));

    free(copy);
    avow_buf_dispose(&raw);
    avow_ledger_free(l);
    tu_rmrf(dir);
    free(dir);
}

static void
test_projection__dropped_map_pages_read_back_the_same_bytes(void **state)
{
    (void)state;
    char *dir;
    avow_buf raw = AVOW_BUF_INIT;
    avow_ledger *l = one_event_ledger(&dir, &raw);
    store_txn *txn = NULL;
    store_val v;

    assert_int_equal(store_txn_read(&txn, l), 0);
    assert_int_equal(store_event_at(&v, l, txn, 1), 0);
    assert_int_equal(v.len, raw.len);
    assert_memory_equal(v.ptr, raw.ptr, raw.len);
    /* store.c invariant 7: pointers into the map stay valid and read the same. */
    store_drop_pages(l);
    assert_memory_equal(v.ptr, raw.ptr, raw.len);
    store_drop_pages(l);
    assert_int_equal(store_event_at(&v, l, txn, 1), 0);
    assert_memory_equal(v.ptr, raw.ptr, raw.len);
    store_txn_end(txn);

    avow_buf_dispose(&raw);
    avow_ledger_free(l);
    tu_rmrf(dir);
    free(dir);
}

/* A replay of many STORE_TRIM_EVERY entries with pages dropped at every trim
 * (a zero budget), in log order (the cursor-step path) and with late events
 * out of it (the lookup path), gives the tallies a direct count gives. */
#define LONG_ACTORS 40
#define LONG_CANDS  3

static void
test_projection__long_replay_across_dropped_pages_gives_the_direct_count(void **state)
{
    (void)state;
    char *dir;
    avow_ledger *l = tu_ledger(&dir);
    avow_key *key = tu_key(0x52);
    size_t n = 40 * STORE_TRIM_EVERY + STORE_TRIM_EVERY / 4;
    avow_draft *d = calloc(n, sizeof(*d));
    char(*actor)[16] = calloc(n, 16);
    uint8_t last[LONG_ACTORS][LONG_CANDS];
    int64_t last_eff[LONG_ACTORS][LONG_CANDS];
    size_t failed = 0;
    assert_non_null(d);
    assert_non_null(actor);
    memset(last, 0, sizeof(last));
    memset(last_eff, 0, sizeof(last_eff));
    static const char *const cands[LONG_CANDS] = { "Rutte", "Iohannis", "Other" };

    /* Every trim drops: the replays and verify run with their pages pulled
     * away every STORE_TRIM_EVERY entries. */
    store_test_rss_budget(0);
    rng_state = 0x5eed1234u;
    for (size_t i = 0; i < n; i++) {
        avow_draft init = AVOW_DRAFT_INIT;
        d[i] = init;
        d[i].contest = "long";
        /* In log order, except every 97th event, which is late: far in the past. */
        d[i].effective_at =
          i % 97 == 96 ? (int64_t)(i / 2) * HOUR + INT64_C(1000000) : (int64_t)i * HOUR;
        if (i == 0) {
            d[i].kind = AVOW_KIND_CONTEST;
            d[i].title = "Long";
            d[i].rule = "majority";
        } else if (i <= LONG_CANDS) {
            d[i].kind = AVOW_KIND_CANDIDATE_ENTER;
            d[i].candidate = cands[i - 1];
        } else if (i <= LONG_CANDS + LONG_ACTORS) {
            d[i].kind = AVOW_KIND_MEMBER_JOIN;
            snprintf(actor[i], 16, "m%02zu", i - LONG_CANDS - 1);
            d[i].actor = actor[i];
        } else {
            size_t a = rnd(LONG_ACTORS), c = rnd(LONG_CANDS);
            d[i].kind = AVOW_KIND_STANCE;
            snprintf(actor[i], 16, "m%02zu", a);
            d[i].actor = actor[i];
            d[i].candidate = cands[c];
            d[i].stance = (uint8_t)(1 + rnd(3));
            d[i].source = "https://example.org/long";
            /* Effective times are distinct per event: the latest wins. */
            if (d[i].effective_at > last_eff[a][c]) {
                last_eff[a][c] = d[i].effective_at;
                last[a][c] = d[i].stance;
            }
        }
    }
    for (size_t i = 0; i < n; i += 2000) {
        size_t k = n - i < 2000 ? n - i : 2000;
        int rc = avow_ledger_append_drafts(&failed, NULL, l, key, d + i, k);
        if (rc != 0) {
            fprintf(stderr, "draft %zu: %s\n", i + failed, avow_error_last());
        }
        assert_int_equal(rc, 0);
    }
    size_t want[LONG_CANDS] = { 0 };
    for (size_t a = 0; a < LONG_ACTORS; a++) {
        for (size_t c = 0; c < LONG_CANDS; c++) {
            want[c] += last[a][c] == AVOW_STANCE_SUPPORTS;
        }
    }
    /* Full replay (slow path: K given) and the snapshot path (K = +infinity). */
    for (int pass = 0; pass < 3; pass++) {
        avow_state_opts so = AVOW_STATE_OPTS_INIT;
        avow_state *st = NULL;
        so.known_at = pass == 0 ? AVOW_TIME_MAX - 1 : AVOW_TIME_MAX;
        assert_int_equal(avow_state_compute(&st, l, "long", &so), 0);
        assert_int_equal(avow_state_member_count(st), LONG_ACTORS);
        assert_int_equal(avow_state_candidate_count(st), LONG_CANDS);
        for (size_t c = 0; c < LONG_CANDS; c++) {
            const char *name = avow_state_candidate_name(st, c);
            size_t k = 0;
            while (strcmp(cands[k], name) != 0) {
                k++;
            }
            assert_int_equal(avow_state_support_count(st, c), want[k]);
        }
        avow_state_free(st);
    }
    uint64_t events = 0, problems = 0;
    assert_int_equal(avow_ledger_verify(&events, &problems, l, NULL), 0);
    assert_int_equal(events, n);
    assert_int_equal(problems, 0);
    store_test_rss_budget(STORE_RSS_BUDGET);
    free(actor);
    free(d);
    avow_key_free(key);
    avow_ledger_free(l);
    tu_rmrf(dir);
    free(dir);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_projection__nato_scenario_counts_lists_and_member_change),
        cmocka_unit_test(test_projection__late_record_changes_state_but_not_state_known_before),
        cmocka_unit_test(test_projection__retraction_applies_from_its_record_time),
        cmocka_unit_test(test_projection__disagreeing_authors_make_a_dispute_that_explain_shows),
        cmocka_unit_test(test_projection__history_filters_and_marks_retractions),
        cmocka_unit_test(test_projection__ledgers_filled_in_different_orders_converge),
        cmocka_unit_test(test_projection__snapshot_path_equals_naive_replay_after_late_events),
        cmocka_unit_test(test_projection__digest_is_order_free_and_sees_a_missing_event),
        cmocka_unit_test(test_projection__read_only_ledger_answers_without_snapshots),
        cmocka_unit_test(test_projection__untrusted_authors_count_only_with_all_authors),
        cmocka_unit_test(test_projection__stored_decoder_checks_every_bound_but_not_text),
        cmocka_unit_test(test_projection__dropped_map_pages_read_back_the_same_bytes),
        cmocka_unit_test(test_projection__long_replay_across_dropped_pages_gives_the_direct_count),
    };
    if (sodium_init() < 0) {
        return 1;
    }
    return cmocka_run_group_tests(tests, NULL, NULL);
}
