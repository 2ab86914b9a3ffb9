/* SPDX-License-Identifier: ISC */
/*
 * state.c - avow_state_compute(): the state of a contest at (T, K), from
 * the last snapshot at or before T (src/derived/snapshots.c) and the fold of
 * the entries after it (src/project/fold.c, src/project/scan.c), and the
 * avow_state accessors and canonical JSON (docs/PROJECTIONS.md).
 *
 * Invariants (tests/unit/test_projection.c checks them):
 *  1. state(T, K) with snapshots equals a full replay of the contest (the
 *     slow path, always used when K is given): a snapshot is the fold of
 *     the entries up to its position (snapshots.c, invariant 1).
 *  2. A query keeps a snapshot every SNAPSHOT_INTERVAL replayed entries and
 *     writes them after its read transaction, only when the ledger did not
 *     change meanwhile (snapshots.c, invariant 3).
 *  3. The digest is the SHA-256 of the compact canonical JSON without the
 *     digest (docs/PROJECTIONS.md): members, candidates and lists sorted,
 *     so it depends on the set of events only.
 *  4. An avow_state owns its strings: it outlives the ledger's transaction.
 *  5. The snapshot interval and the load count are test seams of the test
 *     build only (AVOW_TEST); the shipped library has no mutable state here.
 */
#include <assert.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "derived/snapshots.h"
#include "event/jsonutil.h"
#include "event/rule.h"
#include "project/scan.h"
#include "project/snapcodec.h"
#include "project/state.h"
#include "util/canon.h"

#ifdef AVOW_TEST
#include <stdatomic.h>

/* Test seams (invariant 5): atomic, since tests may query from threads. */
static atomic_size_t state_interval = STATE_SNAPSHOT_INTERVAL;
static atomic_size_t state_loads;

void
state_test_snapshot_interval(size_t n)
{
    atomic_store(&state_interval, n == 0 ? STATE_SNAPSHOT_INTERVAL : n);
}

size_t
state_test_snapshot_loads(void)
{
    return atomic_load(&state_loads);
}

int
state_test_snapshot_count(avow_ledger *ledger, size_t *out)
{
    return snapshots_count(out, ledger);
}

#define STATE_INTERVAL() atomic_load_explicit(&state_interval, memory_order_relaxed)
#define STATE_LOADED()   ((void)atomic_fetch_add(&state_loads, 1))
#else
#define STATE_INTERVAL() ((size_t)STATE_SNAPSHOT_INTERVAL)
#define STATE_LOADED()   ((void)0)
#endif

/* ---- the replay ---------------------------------------------------------- */

struct state_replay {
    fold_acc *acc;
    int snapshots; /* keep snapshots (K = +infinity) */
    int mode;
    size_t count;
    snapshots_batch *batch;
};

static int
state_snapshot_value(avow_buf *out, const void *ctx)
{
    return snapcodec_write(out, ctx);
}

static int
state_replay_visit(scan *s, const scan_entry *e, void *ctx)
{
    struct state_replay *r = ctx;
    int error = 0;
    if (e->skip == FOLD_COUNTS) {
        error = e->opening ? fold_apply_opening(r->acc, &e->ev, e->id)
                           : fold_apply(r->acc, &e->ev, e->id);
    }
    if (error < 0) {
        return error;
    }
    r->count++;
    if (r->snapshots && r->count % STATE_INTERVAL() == 0) {
        return snapshots_batch_add(r->batch, s->prefix, s->prefix_len, r->mode,
                                   e->key + s->prefix_len, state_snapshot_value, r->acc);
    }
    return 0;
}

/* ---- the result ---------------------------------------------------------- */

struct state_outside {
    const char *actor;
    uint8_t stance;
};

struct state_cand {
    const char *name;
    uint32_t name_id;
    int running;
    uint8_t status; /* FOLD_CAND_* */
    size_t support_count;
    int met;
    const char **lists[AVOW_LIST_COUNT];
    size_t nlists[AVOW_LIST_COUNT];
    uint8_t *outside_stance;
};

/* An actor's display name (fold.c invariant 6); both borrowed from names. */
struct state_label {
    const char *actor, *name;
};

struct avow_state {
    char *contest;
    int64_t at, known_at;
    int v2; /* the format v2 shape (docs/PROJECTIONS.md "Format v2") */
    uint8_t choice, min_confidence;
    int64_t public_at;
    int64_t takes_effect; /* of the decision; precision 0: not given */
    uint8_t takes_effect_precision;
    char *rule, *title;
    size_t needed;
    char **names;
    size_t nnames;
    struct state_label *labels; /* actors with a display name, sorted by actor */
    size_t nlabels;
    const char **members;
    size_t nmembers;
    struct state_cand *cands;
    size_t ncands;
    int has_decision;
    char *decision;
    int64_t decision_at;
    unsigned char decision_id[AVOW_EVENT_ID_BYTES];
    char digest[2 * AVOW_HASH_BYTES + 1];
};

void
avow_state_free(avow_state *st)
{
    if (st == NULL) {
        return;
    }
    for (size_t i = 0; i < st->ncands; i++) {
        for (int l = 0; l < AVOW_LIST_COUNT; l++) {
            free(st->cands[i].lists[l]);
        }
        free(st->cands[i].outside_stance);
    }
    free(st->cands);
    for (size_t i = 0; i < st->nnames; i++) {
        free(st->names[i]);
    }
    free(st->names);
    free(st->labels);
    free(st->members);
    free(st->contest);
    free(st->rule);
    free(st->title);
    free(st->decision);
    free(st);
}

static int
state_cmp_str(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static int
state_cmp_outside(const void *a, const void *b)
{
    return strcmp(((const struct state_outside *)a)->actor,
                  ((const struct state_outside *)b)->actor);
}

static int
state_cmp_cand(const void *a, const void *b)
{
    return strcmp(((const struct state_cand *)a)->name, ((const struct state_cand *)b)->name);
}

/* The supports a candidate needs: 0 (never met) without a valid rule. */
static size_t
state_rule_needed(const char *text, size_t members)
{
    rule r;
    if (text == NULL || rule_parse(&r, text, strlen(text)) < 0) {
        return 0;
    }
    return rule_needed(&r, members);
}

static json_t *
state_strlist(const char *const *list, size_t n)
{
    json_t *a = json_array();
    for (size_t i = 0; a != NULL && i < n; i++) {
        if (json_array_append_new(a, json_string(list[i])) != 0) {
            json_decref(a);
            return NULL;
        }
    }
    return a;
}

/* One candidate of the canonical object. */
static const char *
state_status_name(uint8_t status)
{
    return status == FOLD_CAND_RUN      ? "running"
           : status == FOLD_CAND_SIGNAL ? "signalled"
                                        : "withdrawn";
}

static json_t *
state_cand_json(const avow_state *st, const struct state_cand *c)
{
    static const struct {
        const char *key;
        int list;
        int v2;
    } lists[] = {
        { "supports", AVOW_LIST_SUPPORTS, 0 },   { "opposes", AVOW_LIST_OPPOSES, 0 },
        { "undecided", AVOW_LIST_UNDECIDED, 0 }, { "disputed", AVOW_LIST_DISPUTED, 0 },
        { "abstains", AVOW_LIST_ABSTAINS, 1 },   { "possible", AVOW_LIST_POSSIBLE, 1 },
        { "lapsed", AVOW_LIST_LAPSED, 1 },       { "no_stance", AVOW_LIST_NO_STANCE, 1 },
    };
    json_t *co = json_object(), *out = json_array();
    int bad = co == NULL || out == NULL;
    bad |= json_object_set_new(co, "name", json_string(c->name)) != 0;
    bad |= json_object_set_new(co, "status", json_string(state_status_name(c->status))) != 0;
    for (size_t i = 0; i < sizeof(lists) / sizeof(lists[0]); i++) {
        if (lists[i].v2 && !st->v2) {
            continue;
        }
        int l = lists[i].list;
        bad |= json_object_set_new(co, lists[i].key, state_strlist(c->lists[l], c->nlists[l])) != 0;
    }
    for (size_t j = 0; !bad && j < c->nlists[AVOW_LIST_OUTSIDE]; j++) {
        json_t *e = json_object();
        uint8_t s = c->outside_stance[j];
        bad |= e == NULL;
        bad |= json_object_set_new(e, "actor", json_string(c->lists[AVOW_LIST_OUTSIDE][j])) != 0;
        bad |= json_object_set_new(
                 e, "stance",
                 json_string(s == AVOW_STANCE_NONE ? "disputed" : avow_stance_name(s))) != 0;
        bad |= json_array_append_new(out, e) != 0;
    }
    bad |= json_object_set_new(co, "outside", out) != 0;
    bad |=
      json_object_set_new(co, "support_count", json_integer((json_int_t)c->support_count)) != 0;
    bad |= json_object_set_new(co, "needed", json_integer((json_int_t)st->needed)) != 0;
    bad |= json_object_set_new(co, "met", json_boolean(c->met)) != 0;
    if (bad) {
        json_decref(co);
        return NULL;
    }
    return co;
}

/* The decision of the canonical object, or JSON null. */
static json_t *
state_decision_json(const avow_state *st)
{
    char t[AVOW_TIME_STRLEN], hex[AVOW_HEX_ID_LEN + 1];
    if (!st->has_decision) {
        return json_null();
    }
    json_t *d = json_object();
    int bad = d == NULL;
    avow_time_format(t, st->decision_at, AVOW_PREC_MICRO);
    avow_hex(hex, st->decision_id, AVOW_EVENT_ID_BYTES);
    bad |= json_object_set_new(d, "candidate", json_string(st->decision)) != 0;
    bad |= json_object_set_new(d, "at", json_string(t)) != 0;
    bad |= json_object_set_new(d, "id", json_string(hex)) != 0;
    if (st->v2) {
        if (st->takes_effect_precision != 0) {
            bad |= jsonutil_set_time(d, "takes_effect", st->takes_effect) != 0;
        } else {
            bad |= json_object_set_new(d, "takes_effect", json_null()) != 0;
        }
        bad |= json_object_set_new(d, "in_effect", json_boolean(avow_state_in_effect(st))) != 0;
    }
    if (bad) {
        json_decref(d);
        return NULL;
    }
    return d;
}

/* The filters of a format v2 state: min_confidence and public_at, null when
 * not given. @return 1 on failure. */
static int
state_v2_query_json(json_t *o, const avow_state *st)
{
    const char *mc = avow_confidence_name(st->min_confidence);
    int bad = json_object_set_new(o, "min_confidence", mc ? json_string(mc) : json_null()) != 0;
    if (st->public_at == AVOW_TIME_MAX) {
        bad |= json_object_set_new(o, "public_at", json_null()) != 0;
    } else {
        bad |= jsonutil_set_time(o, "public_at", st->public_at) != 0;
    }
    return bad;
}

/* The canonical object (docs/PROJECTIONS.md), without the digest. */
static json_t *
state_json(const avow_state *st)
{
    json_t *o = json_object(), *cands = json_array();
    int bad = o == NULL || cands == NULL;

    bad |= json_object_set_new(o, "contest", json_string(st->contest)) != 0;
    bad |= jsonutil_set_time(o, "at", st->at) != 0;
    if (st->known_at == AVOW_TIME_MAX) {
        bad |= json_object_set_new(o, "known_at", json_null()) != 0;
    } else {
        bad |= jsonutil_set_time(o, "known_at", st->known_at) != 0;
    }
    if (st->v2) {
        bad |= state_v2_query_json(o, st);
    }
    bad |= json_object_set_new(o, "rule", st->rule ? json_string(st->rule) : json_null()) != 0;
    if (st->v2) {
        const char *choice = avow_choice_name(st->choice);
        bad |= json_object_set_new(o, "choice", choice ? json_string(choice) : json_null()) != 0;
    }
    bad |= json_object_set_new(o, "members", state_strlist(st->members, st->nmembers)) != 0;
    for (size_t i = 0; !bad && i < st->ncands; i++) {
        bad |= json_array_append_new(cands, state_cand_json(st, &st->cands[i])) != 0;
    }
    bad |= json_object_set_new(o, "candidates", cands) != 0;
    bad |= json_object_set_new(o, "decision", state_decision_json(st)) != 0;
    if (bad) {
        json_decref(o);
        return NULL;
    }
    return o;
}

static int
state_list_push(struct state_cand *c, int list, const char *actor, size_t cap)
{
    if (c->lists[list] == NULL) {
        c->lists[list] = malloc((cap == 0 ? 1 : cap) * sizeof(const char *));
        if (c->lists[list] == NULL) {
            return error_set(AVOW_ENOMEM, "out of memory building a state");
        }
    }
    c->lists[list][c->nlists[list]++] = actor;
    return 0;
}

/* Scratch space of state_build(). */
struct state_work {
    int32_t *cand_of; /* name id -> index in st->cands, -1 */
    uint8_t *seen;    /* per candidate x name: the member has a stance */
    struct state_outside *outs;
};

static int
state_label_cmp(const void *a, const void *b)
{
    return strcmp(((const struct state_label *)a)->actor, ((const struct state_label *)b)->actor);
}

/* The display names, once names holds every name (fold.c invariant 6). */
static int
state_labels(avow_state *st, const fold_acc *a)
{
    size_t n = 0;
    for (uint32_t i = 0; i < st->nnames; i++) {
        n += a->label_of[i] != FOLD_NO_NAME;
    }
    if (n == 0) {
        return 0;
    }
    if ((st->labels = malloc(n * sizeof(*st->labels))) == NULL) {
        return AVOW_ENOMEM;
    }
    for (uint32_t i = 0; i < st->nnames; i++) {
        if (a->label_of[i] != FOLD_NO_NAME) {
            st->labels[st->nlabels].actor = st->names[i];
            st->labels[st->nlabels++].name = st->names[a->label_of[i]];
        }
    }
    qsort(st->labels, st->nlabels, sizeof(*st->labels), state_label_cmp);
    return 0;
}

const char *
avow_state_actor_name(const avow_state *st, const char *actor)
{
    struct state_label k = { actor, NULL }, *hit;
    if (st == NULL || actor == NULL || st->nlabels == 0) {
        return NULL;
    }
    hit = bsearch(&k, st->labels, st->nlabels, sizeof(*st->labels), state_label_cmp);
    return hit != NULL ? hit->name : NULL;
}

/* Names, members and candidates, in name id order. */
static int
state_names(avow_state *st, const fold_acc *a, struct state_work *wk)
{
    size_t n = a->names.n, len;
    if (n > 0 && ((st->names = calloc(n, sizeof(char *))) == NULL ||
                  (st->members = calloc(n, sizeof(char *))) == NULL ||
                  (st->cands = calloc(n, sizeof(*st->cands))) == NULL ||
                  (wk->cand_of = malloc(n * sizeof(*wk->cand_of))) == NULL)) {
        return AVOW_ENOMEM;
    }
    for (uint32_t i = 0; i < n; i++) {
        const unsigned char *k = hashset_key(&a->names, i, &len);
        if ((st->names[i] = scan_dup(k, len)) == NULL) {
            return AVOW_ENOMEM;
        }
        st->nnames++;
        wk->cand_of[i] = -1;
        if (a->member[i] == FOLD_MEMBER_IN) {
            st->members[st->nmembers++] = st->names[i];
        }
        if (a->cand[i] != 0) {
            struct state_cand *c = &st->cands[st->ncands];
            c->name = st->names[i];
            c->name_id = i;
            c->running = a->cand[i] == FOLD_CAND_RUN;
            c->status = a->cand[i];
            wk->cand_of[i] = (int32_t)st->ncands++;
        }
    }
    return state_labels(st, a);
}

#define STATE_SEEN          1 /* wk->seen bits: the member has a stance */
#define STATE_SEEN_SUPPORTS 2 /* it counts as support */
#define STATE_SEEN_POSSIBLE 4 /* it is listed as possible */

/* The list of a member's pair: a withdrawn candidate's support lapses in a
 * contest of format v2 (one with a choice). */
static int
state_list_of(const fold_acc *a, const struct state_cand *c, const fold_pair *p, int disputed)
{
    switch (disputed ? AVOW_STANCE_NONE : p->stance) {
    case AVOW_STANCE_SUPPORTS:
        return a->choice != AVOW_CHOICE_NONE && c->status == FOLD_CAND_WITHDR ? AVOW_LIST_LAPSED
                                                                              : AVOW_LIST_SUPPORTS;
    case AVOW_STANCE_OPPOSES:
        return AVOW_LIST_OPPOSES;
    case AVOW_STANCE_UNDECIDED:
        return AVOW_LIST_UNDECIDED;
    case AVOW_STANCE_ABSTAINS:
        return AVOW_LIST_ABSTAINS;
    default:
        return AVOW_LIST_DISPUTED;
    }
}

/* Members whose support is dated by an interval that holds T: possible,
 * unless they support already (fold.c invariant 5). */
static int
state_possible(avow_state *st, const fold_acc *a, struct state_work *wk)
{
    size_t n = a->names.n;
    int error;
    if (a->nopens == 0 || wk->cand_of == NULL) {
        return 0; /* an open interval names an actor and a candidate: names exist */
    }
    for (size_t i = 0; i < a->nopens; i++) {
        const fold_open *o = &a->opens[i];
        if (o->stance != AVOW_STANCE_SUPPORTS || wk->cand_of[o->cand] < 0 ||
            a->member[o->actor] != FOLD_MEMBER_IN) {
            continue;
        }
        uint8_t *seen = &wk->seen[(size_t)wk->cand_of[o->cand] * n + o->actor];
        if (*seen & (STATE_SEEN_SUPPORTS | STATE_SEEN_POSSIBLE)) {
            continue;
        }
        *seen |= STATE_SEEN_POSSIBLE;
        if ((error = state_list_push(&st->cands[wk->cand_of[o->cand]], AVOW_LIST_POSSIBLE,
                                     st->names[o->actor], n)) < 0) {
            return error;
        }
    }
    return 0;
}

/* Pairs to lists; each list holds at most one entry per name. A pair names
 * an actor and a candidate, so pairs exist only when names do. */
static int
state_pairs(avow_state *st, const fold_acc *a, struct state_work *wk)
{
    size_t n = a->names.n;
    int error;
    assert(a->pairkeys.n == 0 || wk->cand_of != NULL);
    for (size_t i = 0; i < a->pairkeys.n; i++) {
        const fold_pair *p = &a->pairs[i];
        if (wk->cand_of[p->cand] < 0) {
            continue;
        }
        struct state_cand *c = &st->cands[wk->cand_of[p->cand]];
        const char *actor = st->names[p->actor];
        int disputed = fold_pair_disputed(p);
        if (!disputed && p->stance == AVOW_STANCE_SUPPORTS && a->choice == AVOW_CHOICE_SINGLE &&
            a->support_of[p->actor] != p->cand) {
            continue; /* ended by a later supports of another candidate (fold.c invariant 5) */
        }
        if (a->member[p->actor] == FOLD_MEMBER_IN) {
            int list = state_list_of(a, c, p, disputed);
            wk->seen[(size_t)wk->cand_of[p->cand] * n + p->actor] =
              STATE_SEEN | (list == AVOW_LIST_SUPPORTS ? STATE_SEEN_SUPPORTS : 0);
            if ((error = state_list_push(c, list, actor, n)) < 0) {
                return error;
            }
        } else {
            if (c->outside_stance == NULL && (c->outside_stance = malloc(n == 0 ? 1 : n)) == NULL) {
                return AVOW_ENOMEM;
            }
            c->outside_stance[c->nlists[AVOW_LIST_OUTSIDE]] =
              disputed ? AVOW_STANCE_NONE : p->stance;
            if ((error = state_list_push(c, AVOW_LIST_OUTSIDE, actor, n)) < 0) {
                return error;
            }
        }
    }
    return 0;
}

/* Members without a stance, every list sorted, the count against the rule. */
static int
state_cand_finish(avow_state *st, const fold_acc *a, struct state_work *wk, size_t ci)
{
    struct state_cand *c = &st->cands[ci];
    size_t n = a->names.n;
    int error;
    for (size_t m = 0; m < st->nmembers; m++) {
        /* members[] is sorted: NO_STANCE comes out sorted too. */
        uint32_t mid = 0;
        hashset_find(&a->names, st->members[m], strlen(st->members[m]), &mid);
        if (!wk->seen[ci * n + mid] &&
            (error = state_list_push(c, AVOW_LIST_NO_STANCE, st->members[m], n)) < 0) {
            return error;
        }
    }
    for (int l = 0; l < AVOW_LIST_COUNT; l++) {
        if (l != AVOW_LIST_OUTSIDE && l != AVOW_LIST_NO_STANCE && c->nlists[l] > 1) {
            qsort(c->lists[l], c->nlists[l], sizeof(char *), state_cmp_str);
        }
    }
    size_t no = c->nlists[AVOW_LIST_OUTSIDE];
    for (size_t j = 0; j < no; j++) {
        wk->outs[j].actor = c->lists[AVOW_LIST_OUTSIDE][j];
        wk->outs[j].stance = c->outside_stance[j];
    }
    if (no > 1) {
        qsort(wk->outs, no, sizeof(*wk->outs), state_cmp_outside);
    }
    for (size_t j = 0; j < no; j++) {
        c->lists[AVOW_LIST_OUTSIDE][j] = wk->outs[j].actor;
        c->outside_stance[j] = wk->outs[j].stance;
    }
    c->support_count = c->nlists[AVOW_LIST_SUPPORTS];
    c->met = c->running && st->needed > 0 && c->support_count >= st->needed;
    return 0;
}

/* The digest over the canonical form (docs/FORMAT.md, "State digest";
 * invariant 3): util/canon's bytes, not jansson's printer. */
static int
state_digest(avow_state *st)
{
    json_t *doc = state_json(st);
    int error;
    if (doc == NULL) {
        return error_set(AVOW_ENOMEM, "out of memory building a state");
    }
    error = canon_sha256_hex(st->digest, doc, CANON_INSERTED);
    json_decref(doc);
    return error;
}

static int
state_fill(avow_state *st, const fold_acc *a, struct state_work *wk)
{
    size_t n = a->names.n;
    int error;
    if (a->has_contest) {
        if ((st->rule = scan_dup(a->rule, a->rule_len)) == NULL ||
            (st->title = scan_dup(a->title, a->title_len)) == NULL) {
            return AVOW_ENOMEM;
        }
    }
    if ((error = state_names(st, a, wk)) < 0) {
        return error;
    }
    st->needed = state_rule_needed(st->rule, st->nmembers);
    if (st->ncands > 0 && (wk->seen = calloc(st->ncands, n)) == NULL) {
        return AVOW_ENOMEM;
    }
    if ((error = state_pairs(st, a, wk)) < 0 || (error = state_possible(st, a, wk)) < 0) {
        return error;
    }
    if (st->nmembers > 1) {
        qsort(st->members, st->nmembers, sizeof(char *), state_cmp_str);
    }
    if (n > 0 && (wk->outs = malloc(n * sizeof(*wk->outs))) == NULL) {
        return AVOW_ENOMEM;
    }
    for (size_t ci = 0; ci < st->ncands; ci++) {
        if ((error = state_cand_finish(st, a, wk, ci)) < 0) {
            return error;
        }
    }
    if (st->ncands > 1) {
        qsort(st->cands, st->ncands, sizeof(*st->cands), state_cmp_cand);
    }
    if (a->has_decision) {
        st->has_decision = 1;
        st->decision_at = a->decision_eff;
        memcpy(st->decision_id, a->decision_id, AVOW_EVENT_ID_BYTES);
        if ((st->decision = scan_dup(a->decision, a->decision_len)) == NULL) {
            return AVOW_ENOMEM;
        }
        st->takes_effect = a->decision_takes_effect;
        st->takes_effect_precision = a->decision_takes_effect_precision;
    }
    st->choice = a->choice;
    st->v2 |= a->v2 || a->choice != AVOW_CHOICE_NONE;
    return state_digest(st);
}

int
state_build(avow_state **out, const fold_acc *a, const char *contest, int64_t at, int64_t known_at)
{
    avow_state_opts o = AVOW_STATE_OPTS_INIT;
    o.at = at;
    o.known_at = known_at;
    return state_build_opts(out, a, contest, &o);
}

int
state_build_opts(avow_state **out, const fold_acc *a, const char *contest, const avow_state_opts *o)
{
    int64_t at = o->at, known_at = o->known_at;
    struct state_work wk = { NULL, NULL, NULL };
    avow_state *st = calloc(1, sizeof(*st));
    int error = AVOW_ENOMEM;
    *out = NULL;
    if (st != NULL && (st->contest = scan_dup(contest, strlen(contest))) != NULL) {
        st->at = at;
        st->known_at = known_at;
        st->min_confidence = o->min_confidence;
        st->public_at = o->public_at;
        st->v2 = o->min_confidence != AVOW_CONFIDENCE_NONE || o->public_at != AVOW_TIME_MAX;
        error = state_fill(st, a, &wk);
    }
    if (error == AVOW_ENOMEM) {
        error = error_set(AVOW_ENOMEM, "out of memory building a state");
    }
    if (error == 0) {
        *out = st;
        st = NULL;
    }
    free(wk.cand_of);
    free(wk.seen);
    free(wk.outs);
    avow_state_free(st);
    return error;
}

/* Load the last snapshot at or before the scan's T into a (empty).
 * @return 1 with after/afterlen set to its bytime key, 0 when none, or < 0. */
static int
state_snapshot_load(scan *s, fold_acc *a, int mode, unsigned char *after, size_t *afterlen)
{
    unsigned char pos[SNAPSHOTS_POS_BYTES];
    store_val v;
    int error = snapshots_find(&v, pos, s->ledger, s->txn, s->prefix, s->prefix_len, mode, s->at);
    if (error <= 0) {
        return error;
    }
    if ((error = snapcodec_read(a, v.ptr, v.len)) != 0) {
        fold_free(a);
        return error > 0 ? 0 : error;
    }
    memcpy(after, s->prefix, s->prefix_len);
    memcpy(after + s->prefix_len, pos, SNAPSHOTS_POS_BYTES);
    *afterlen = s->prefix_len + SNAPSHOTS_POS_BYTES;
    STATE_LOADED();
    return 1;
}

int
avow_state_compute(avow_state **out, avow_ledger *ledger, const char *contest,
                   const avow_state_opts *opts)
{
    avow_state_opts o = AVOW_STATE_OPTS_INIT;
    scan s;
    fold_acc a;
    snapshots_batch batch;
    struct state_replay r;
    unsigned char after[STORE_BYTIME_KEY_MAX];
    size_t afterlen = 0;
    int error, have = 0;

    memset(&s, 0, sizeof(s));
    fold_init(&a);
    memset(&batch, 0, sizeof(batch));
    if (out == NULL) {
        return error_set(AVOW_EINVALID, "avow_state_compute: missing argument");
    }
    *out = NULL;
    if ((error = scan_state_opts(&o, opts)) < 0) {
        return error;
    }
    o.at = o.at == AVOW_TIME_MAX && !(o.given & AVOW_GIVEN_AT) ? avow_time_now() : o.at;
    if ((error = scan_open(&s, ledger, contest, o.at, o.known_at, o.all_authors != 0)) < 0) {
        goto done;
    }
    s.filter = scan_filter(&o);
    r.acc = &a;
    r.snapshots = o.known_at == AVOW_TIME_MAX && o.public_at == AVOW_TIME_MAX;
    r.mode = snapshots_mode(o.all_authors != 0, o.min_confidence);
    r.count = 0;
    r.batch = &batch;
    if (r.snapshots) {
        if ((error = state_snapshot_load(&s, &a, r.mode, after, &afterlen)) < 0) {
            goto done;
        }
        have = error == 1;
        if ((error = snapshots_batch_open(&batch, ledger, s.txn)) < 0) {
            goto done;
        }
    }
    if ((error = scan_run(&s, have ? after : NULL, afterlen, state_replay_visit, &r)) < 0) {
        goto done;
    }
    scan_close(&s);
    if ((error = state_build_opts(out, &a, contest, &o)) < 0) {
        goto done;
    }
    /* Best effort: a read-only ledger or a busy one simply keeps no snapshot. */
    snapshots_batch_write(ledger, &batch);
done:
    scan_close(&s);
    fold_free(&a);
    snapshots_batch_dispose(&batch);
    return error;
}

int
avow_state_to_json(avow_buf *out, const avow_state *st)
{
    if (out == NULL || st == NULL) {
        return error_set(AVOW_EINVALID, "avow_state_to_json: missing argument");
    }
    json_t *o = state_json(st);
    if (o != NULL && json_object_set_new(o, "digest", json_string(st->digest)) != 0) {
        json_decref(o);
        o = NULL;
    }
    return jsonutil_finish(out, o);
}

const char *
avow_state_contest(const avow_state *st)
{
    return st->contest;
}

int64_t
avow_state_at(const avow_state *st)
{
    return st->at;
}

int64_t
avow_state_known_at(const avow_state *st)
{
    return st->known_at;
}

const char *
avow_state_rule(const avow_state *st)
{
    return st->rule;
}

const char *
avow_state_title(const avow_state *st)
{
    return st->title;
}

size_t
avow_state_needed(const avow_state *st)
{
    return st->needed;
}

size_t
avow_state_member_count(const avow_state *st)
{
    return st->nmembers;
}

const char *
avow_state_member(const avow_state *st, size_t i)
{
    return i < st->nmembers ? st->members[i] : NULL;
}

size_t
avow_state_candidate_count(const avow_state *st)
{
    return st->ncands;
}

const char *
avow_state_candidate_name(const avow_state *st, size_t c)
{
    return c < st->ncands ? st->cands[c].name : NULL;
}

int
avow_state_candidate_running(const avow_state *st, size_t c)
{
    return c < st->ncands ? st->cands[c].running : 0;
}

const char *
avow_state_candidate_status(const avow_state *st, size_t c)
{
    return c < st->ncands ? state_status_name(st->cands[c].status) : NULL;
}

uint8_t
avow_state_choice(const avow_state *st)
{
    return st->choice;
}

int
avow_state_takes_effect(const avow_state *st, int64_t *takes_effect)
{
    if (!st->has_decision || st->takes_effect_precision == 0) {
        return 0;
    }
    if (takes_effect != NULL) {
        *takes_effect = st->takes_effect;
    }
    return 1;
}

int
avow_state_in_effect(const avow_state *st)
{
    return st->has_decision && (st->takes_effect_precision == 0 || st->at >= st->takes_effect);
}

size_t
avow_state_support_count(const avow_state *st, size_t c)
{
    return c < st->ncands ? st->cands[c].support_count : 0;
}

int
avow_state_met(const avow_state *st, size_t c)
{
    return c < st->ncands ? st->cands[c].met : 0;
}

size_t
avow_state_list_count(const avow_state *st, size_t c, avow_state_list list)
{
    if (c >= st->ncands || (int)list < 0 || list >= AVOW_LIST_COUNT) {
        return 0;
    }
    return st->cands[c].nlists[list];
}

const char *
avow_state_list_actor(const avow_state *st, size_t c, avow_state_list list, size_t i)
{
    if (i >= avow_state_list_count(st, c, list)) {
        return NULL;
    }
    return st->cands[c].lists[list][i];
}

uint8_t
avow_state_outside_stance(const avow_state *st, size_t c, size_t i)
{
    if (i >= avow_state_list_count(st, c, AVOW_LIST_OUTSIDE)) {
        return AVOW_STANCE_NONE;
    }
    return st->cands[c].outside_stance[i];
}

int
avow_state_decision(const char **candidate, int64_t *at, unsigned char id[AVOW_EVENT_ID_BYTES],
                    const avow_state *st)
{
    if (!st->has_decision) {
        return 0;
    }
    if (candidate != NULL) {
        *candidate = st->decision;
    }
    if (at != NULL) {
        *at = st->decision_at;
    }
    if (id != NULL) {
        memcpy(id, st->decision_id, AVOW_EVENT_ID_BYTES);
    }
    return 1;
}

const char *
avow_state_digest(const avow_state *st)
{
    return st->digest;
}
