/* SPDX-License-Identifier: ISC */
/*
 * fold.c - the pure fold of a contest's entries into an accumulator, and the
 * decision which entries count (retracted, untrusted). No store, no I/O:
 * src/project/scan.c feeds it from the ledger, tests/unit/test_fold.c from
 * events built in memory. docs/PROJECTIONS.md is the specification.
 *
 * Invariants (tests/unit/test_fold.c, tests/unit/test_projection.c):
 *  1. A projection is a function of the SET of events: entries are applied in
 *     bytime order (effective_at, recorded_at, id), so "latest" is "applied
 *     last" and arrival order never matters.
 *  2. fold_apply() reads the event in place: no allocation per event, only
 *     per new actor, candidate, (actor, candidate) pair or author.
 *  3. Per (actor, candidate) pair the statement with the latest effective_at
 *     wins; the authors' latest statements at that effective_at are its
 *     sides, and sides that disagree make it disputed.
 *  4. An entry retracted by its own author counts until the retraction's
 *     recorded_at is known (<= K); a retraction never counts itself.
 *  5. Format v2 (docs/PROJECTIONS.md): the definition's choice decides
 *     whether an actor's later supports ends its support for the other
 *     candidates (support_of names the candidate of its latest supports); a
 *     stance dated by an interval is open from its opening until its own
 *     entry is applied, and what is open at T is "possible" at T.
 *  6. An actor-name event (format v2) sets the actor's display name (the
 *     latest applied wins) and nothing else: it counts no one, and it does
 *     not make the state take the v2 shape, so that naming the actors of a
 *     v1 contest changes neither its JSON nor its digest.
 */
#include <stdlib.h>
#include <string.h>

#include "project/fold.h"
#include "util/grow.h"

void
fold_init(fold_acc *a)
{
    memset(a, 0, sizeof(*a));
    hashset_init(&a->names, 0);
    hashset_init(&a->authors, 0);
    hashset_init(&a->pairkeys, HASHSET_INT_KEYS);
}

void
fold_free(fold_acc *a)
{
    hashset_free(&a->names);
    hashset_free(&a->authors);
    for (size_t i = 0; i < a->pairkeys.n; i++) {
        free(a->pairs[i].sides);
    }
    hashset_free(&a->pairkeys);
    free(a->member);
    free(a->cand);
    free(a->support_of);
    free(a->label_of);
    free(a->pairs);
    free(a->opens);
    fold_init(a);
}

int
fold_name(fold_acc *a, const void *k, size_t len, uint32_t *id)
{
    int added, error;
    /* Room first: a name interned without its status bytes would be read
     * past them (the same holds for the pairs and retractions below). */
    if (a->names.n + 1 > a->status_cap) {
        /* Each array keeps its own capacity; status_cap is what all three hold. */
        size_t cm = a->status_cap, other[3] = { a->status_cap, a->status_cap, a->status_cap };
        if ((error = grow_array(&a->member, &cm, a->names.n + 1, 1, 64)) < 0 ||
            (error = grow_array(&a->cand, &other[0], cm, 1, 64)) < 0 ||
            (error = grow_array(&a->support_of, &other[1], cm, sizeof(*a->support_of), 64)) < 0 ||
            (error = grow_array(&a->label_of, &other[2], cm, sizeof(*a->label_of), 64)) < 0) {
            return error;
        }
        memset(a->member + a->status_cap, 0, cm - a->status_cap);
        memset(a->cand + a->status_cap, 0, cm - a->status_cap);
        for (size_t i = a->status_cap; i < cm; i++) {
            a->support_of[i] = FOLD_NO_NAME;
            a->label_of[i] = FOLD_NO_NAME;
        }
        a->status_cap = cm;
    }
    return hashset_intern(&a->names, k, len, id, &added);
}

int
fold_pair_get(fold_acc *a, uint32_t actor, uint32_t cand, fold_pair **out)
{
    unsigned char k[8];
    uint32_t id;
    int added, error;
    k[0] = (unsigned char)(actor >> 24);
    k[1] = (unsigned char)(actor >> 16);
    k[2] = (unsigned char)(actor >> 8);
    k[3] = (unsigned char)actor;
    k[4] = (unsigned char)(cand >> 24);
    k[5] = (unsigned char)(cand >> 16);
    k[6] = (unsigned char)(cand >> 8);
    k[7] = (unsigned char)cand;
    if ((error = grow_array(&a->pairs, &a->cappairs, a->pairkeys.n + 1, sizeof(*a->pairs), 64)) <
          0 ||
        (error = hashset_intern(&a->pairkeys, k, sizeof(k), &id, &added)) < 0) {
        return error;
    }
    if (added) {
        memset(&a->pairs[id], 0, sizeof(a->pairs[id]));
        a->pairs[id].actor = actor;
        a->pairs[id].cand = cand;
        a->pairs[id].eff = INT64_MIN;
    }
    *out = &a->pairs[id];
    return 0;
}

int
fold_pair_set_side(fold_pair *p, uint32_t author, uint8_t stance)
{
    for (uint32_t i = 0; i < p->nsides; i++) {
        if (p->sides[i].author == author) {
            p->sides[i].stance = stance;
            return 0;
        }
    }
    if (p->nsides == p->capsides) {
        size_t cap = p->capsides;
        int error;
        if (p->capsides == UINT32_MAX) {
            return error_set(AVOW_ENOMEM, "too many authors on one pair");
        }
        if ((error = grow_array(&p->sides, &cap, (size_t)p->nsides + 1, sizeof(*p->sides), 1)) <
            0) {
            return error;
        }
        p->capsides = cap > UINT32_MAX ? UINT32_MAX : (uint32_t)cap;
    }
    p->sides[p->nsides].author = author;
    p->sides[p->nsides].stance = stance;
    p->nsides++;
    return 0;
}

int
fold_pair_disputed(const fold_pair *p)
{
    for (uint32_t i = 1; i < p->nsides; i++) {
        if (p->sides[i].stance != p->sides[0].stance) {
            return 1;
        }
    }
    return 0;
}

/* The author's id; most replays see long runs of one author's events. */
static int
fold_author(fold_acc *a, const unsigned char *author, uint32_t *id)
{
    int error;
    if (a->has_last_author && memcmp(a->last_author, author, AVOW_PUBKEY_BYTES) == 0) {
        *id = a->last_author_id;
        return 0;
    }
    if ((error = hashset_intern(&a->authors, author, AVOW_PUBKEY_BYTES, id, NULL)) < 0) {
        return error;
    }
    memcpy(a->last_author, author, AVOW_PUBKEY_BYTES);
    a->has_last_author = 1;
    a->last_author_id = *id;
    return 0;
}

/* The definition's title, rule and choice: a contest event sets all three
 * (choice NONE in format v1), an amendment those it carries. */
static void
fold_definition(fold_acc *a, const avow_event *ev)
{
    int amend = ev->kind == AVOW_KIND_CONTEST_AMEND;
    if ((!amend || ev->rule.ptr != NULL) && ev->rule.len <= sizeof(a->rule)) {
        memcpy(a->rule, ev->rule.ptr == NULL ? "" : ev->rule.ptr, ev->rule.len);
        a->rule_len = ev->rule.len;
    }
    if ((!amend || ev->title.ptr != NULL) && ev->title.len <= sizeof(a->title)) {
        memcpy(a->title, ev->title.ptr == NULL ? "" : ev->title.ptr, ev->title.len);
        a->title_len = ev->title.len;
    }
    if (!amend || ev->choice != AVOW_CHOICE_NONE) {
        a->choice = ev->choice;
    }
}

/* The interval stance id is applied: it is no longer open (invariant 5). */
static void
fold_open_close(fold_acc *a, const unsigned char id[AVOW_EVENT_ID_BYTES])
{
    for (size_t i = 0; i < a->nopens; i++) {
        if (memcmp(a->opens[i].id, id, AVOW_EVENT_ID_BYTES) == 0) {
            a->opens[i] = a->opens[--a->nopens];
            return;
        }
    }
}

/* Apply one counting event; entries arrive in bytime order (invariant 1). */
int
fold_apply(fold_acc *a, const avow_event *ev, const unsigned char id[AVOW_EVENT_ID_BYTES])
{
    uint32_t n1, n2, au;
    fold_pair *p;
    int error = 0;

    switch (ev->kind) {
    case AVOW_KIND_CONTEST:
        if (!a->has_contest) {
            fold_definition(a, ev);
            a->has_contest = 1;
        }
        break;
    case AVOW_KIND_CONTEST_AMEND:
        if (a->has_contest) {
            fold_definition(a, ev);
        }
        break;
    case AVOW_KIND_MEMBER_JOIN:
    case AVOW_KIND_MEMBER_LEAVE:
        if (ev->actor.ptr == NULL) {
            break;
        }
        if ((error = fold_name(a, ev->actor.ptr, ev->actor.len, &n1)) < 0) {
            break;
        }
        a->member[n1] = ev->kind == AVOW_KIND_MEMBER_JOIN ? FOLD_MEMBER_IN : FOLD_MEMBER_OUT;
        break;
    case AVOW_KIND_CANDIDATE_ENTER:
    case AVOW_KIND_CANDIDATE_WITHDRAW:
    case AVOW_KIND_CANDIDATE_SIGNAL:
        if (ev->candidate.ptr == NULL) {
            break;
        }
        if ((error = fold_name(a, ev->candidate.ptr, ev->candidate.len, &n1)) < 0) {
            break;
        }
        a->cand[n1] = ev->kind == AVOW_KIND_CANDIDATE_ENTER      ? FOLD_CAND_RUN
                      : ev->kind == AVOW_KIND_CANDIDATE_WITHDRAW ? FOLD_CAND_WITHDR
                                                                 : FOLD_CAND_SIGNAL;
        break;
    case AVOW_KIND_STANCE:
        if (ev->actor.ptr == NULL || ev->candidate.ptr == NULL ||
            ev->stance < AVOW_STANCE_SUPPORTS || ev->stance > AVOW_STANCE_ABSTAINS) {
            break;
        }
        if ((error = fold_name(a, ev->actor.ptr, ev->actor.len, &n1)) < 0 ||
            (error = fold_name(a, ev->candidate.ptr, ev->candidate.len, &n2)) < 0 ||
            (error = fold_author(a, ev->author, &au)) < 0 ||
            (error = fold_pair_get(a, n1, n2, &p)) < 0) {
            break;
        }
        if (ev->effective_at != p->eff) {
            p->eff = ev->effective_at;
            p->nsides = 0;
        }
        p->stance = ev->stance;
        if (ev->stance == AVOW_STANCE_SUPPORTS) {
            a->support_of[n1] = n2; /* invariant 5 */
        }
        if (ev->qualifier == AVOW_AT_BETWEEN) {
            fold_open_close(a, id);
        }
        error = fold_pair_set_side(p, au, ev->stance);
        break;
    case AVOW_KIND_DECISION:
        if (ev->candidate.ptr == NULL || ev->candidate.len > sizeof(a->decision)) {
            break;
        }
        a->has_decision = 1;
        memcpy(a->decision, ev->candidate.ptr, ev->candidate.len);
        a->decision_len = ev->candidate.len;
        a->decision_eff = ev->effective_at;
        memcpy(a->decision_id, id, AVOW_EVENT_ID_BYTES);
        a->decision_takes_effect = ev->takes_effect;
        a->decision_takes_effect_precision = ev->takes_effect_precision;
        break;
    case AVOW_KIND_ACTOR_NAME:
        if (ev->actor.ptr == NULL || ev->title.ptr == NULL) {
            break;
        }
        if ((error = fold_name(a, ev->actor.ptr, ev->actor.len, &n1)) < 0 ||
            (error = fold_name(a, ev->title.ptr, ev->title.len, &n2)) < 0) {
            break;
        }
        a->label_of[n1] = n2; /* invariant 6 */
        return 0;             /* presentation only: the state keeps its v1 shape */
    default:
        break;
    }
    if (ev->version >= 2 && avow_event_kind_known(ev)) {
        a->v2 = 1;
    }
    return error;
}

int
fold_open_add(fold_acc *a, const fold_open *o)
{
    int error = grow_array(&a->opens, &a->capopens, a->nopens + 1, sizeof(*a->opens), 8);
    if (error < 0) {
        return error;
    }
    a->opens[a->nopens++] = *o;
    return 0;
}

int
fold_apply_opening(fold_acc *a, const avow_event *ev, const unsigned char id[AVOW_EVENT_ID_BYTES])
{
    fold_open o;
    int error;
    if (ev->kind != AVOW_KIND_STANCE || ev->actor.ptr == NULL || ev->candidate.ptr == NULL ||
        ev->stance < AVOW_STANCE_SUPPORTS || ev->stance > AVOW_STANCE_ABSTAINS) {
        return 0;
    }
    if ((error = fold_name(a, ev->actor.ptr, ev->actor.len, &o.actor)) < 0 ||
        (error = fold_name(a, ev->candidate.ptr, ev->candidate.len, &o.cand)) < 0) {
        return error;
    }
    o.stance = ev->stance;
    o.eff = ev->effective_at;
    memcpy(o.id, id, AVOW_EVENT_ID_BYTES);
    a->v2 = 1;
    return fold_open_add(a, &o);
}

int
fold_filtered(const fold_filter *f, const avow_event *ev)
{
    if (f == NULL) {
        return 0;
    }
    if (f->min_confidence > AVOW_CONFIDENCE_LOW && ev->confidence != AVOW_CONFIDENCE_NONE &&
        ev->confidence < f->min_confidence) {
        return 1;
    }
    if (f->public_at != AVOW_TIME_MAX) {
        int64_t public = ev->reported_precision != 0 ? ev->reported_at : ev->effective_at;
        if (public > f->public_at) {
            return 1;
        }
    }
    return 0;
}

/* ---- which entries count (invariant 4) ----------------------------------- */

void
fold_retractions_init(fold_retractions *rs)
{
    memset(rs, 0, sizeof(*rs));
    hashset_init(&rs->ids, 0);
}

void
fold_retractions_free(fold_retractions *rs)
{
    hashset_free(&rs->ids);
    free(rs->info);
    fold_retractions_init(rs);
}

int
fold_retractions_add(fold_retractions *rs, const unsigned char target[AVOW_EVENT_ID_BYTES],
                     int64_t rec, const unsigned char author[AVOW_PUBKEY_BYTES],
                     const unsigned char rid[AVOW_EVENT_ID_BYTES])
{
    uint32_t id;
    int error;
    if ((error = grow_array(&rs->info, &rs->cap, rs->ids.n + 1, sizeof(*rs->info), 16)) < 0 ||
        (error = hashset_intern(&rs->ids, target, AVOW_EVENT_ID_BYTES, &id, NULL)) < 0) {
        return error;
    }
    rs->info[id].rec = rec;
    memcpy(rs->info[id].author, author, AVOW_PUBKEY_BYTES);
    memcpy(rs->info[id].rid, rid, AVOW_EVENT_ID_BYTES);
    return 0;
}

enum fold_skip
fold_classify(const avow_event *ev, const unsigned char id[AVOW_EVENT_ID_BYTES], int64_t known_at,
              const fold_retractions *rs, fold_trust_fn counts, const void *trust,
              const fold_retraction **retracted)
{
    uint32_t rid;
    *retracted = NULL;
    if (ev->kind == AVOW_KIND_RETRACT) {
        return FOLD_RETRACTION;
    }
    if (counts != NULL && !counts(trust, ev->author, ev->seq)) {
        return FOLD_UNTRUSTED;
    }
    if (rs->ids.n > 0 && hashset_find(&rs->ids, id, AVOW_EVENT_ID_BYTES, &rid) &&
        rs->info[rid].rec <= known_at &&
        memcmp(rs->info[rid].author, ev->author, AVOW_PUBKEY_BYTES) == 0) {
        *retracted = &rs->info[rid];
        return FOLD_RETRACTED;
    }
    return FOLD_COUNTS;
}
