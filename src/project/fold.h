/* SPDX-License-Identifier: ISC */
/*
 * fold.h - the pure fold of a contest's events into an accumulator
 * (src/project/fold.c): no store, no I/O, so that tests can fold events built
 * in memory (tests/unit/test_fold.c).
 */
#ifndef AVOW_FOLD_H
#define AVOW_FOLD_H

#include "event/codec.h"
#include "util/hashset.h"

#define FOLD_MEMBER_IN   1
#define FOLD_MEMBER_OUT  2
#define FOLD_CAND_RUN    1
#define FOLD_CAND_WITHDR 2
#define FOLD_CAND_SIGNAL 3 /* format v2: a reported plan, not a candidacy */
#define FOLD_NO_NAME     UINT32_MAX

typedef struct fold_side {
    uint32_t author;
    uint8_t stance;
} fold_side;

typedef struct fold_pair {
    uint32_t actor, cand;
    int64_t eff; /* effective_at of the winning statement */
    uint8_t stance;
    uint32_t nsides, capsides;
    fold_side *sides; /* latest statement per author at eff */
} fold_pair;

/* A stance dated by an interval whose opening was seen and whose end was
 * not (yet): "possible" at the query's T (docs/PROJECTIONS.md). */
typedef struct fold_open {
    uint32_t actor, cand;
    uint8_t stance;
    int64_t eff;
    unsigned char id[AVOW_EVENT_ID_BYTES];
} fold_open;

/* What a replay builds. */
typedef struct fold_acc {
    hashset names, authors, pairkeys;
    int has_last_author;
    unsigned char last_author[AVOW_PUBKEY_BYTES]; /* the author of the last stance */
    uint32_t last_author_id;
    uint8_t *member, *cand; /* per name id */
    uint32_t *support_of;   /* per name id: the candidate of the actor's latest supports */
    uint32_t *label_of;     /* per name id: the name id of its display name (actor-name) */
    size_t status_cap;
    fold_pair *pairs; /* per pairkeys id */
    size_t cappairs;
    int has_contest;
    char title[AVOW_MAX_TITLE], rule[AVOW_MAX_RULE];
    size_t title_len, rule_len;
    int has_decision;
    char decision[AVOW_MAX_CANDIDATE];
    size_t decision_len;
    int64_t decision_eff;
    unsigned char decision_id[AVOW_EVENT_ID_BYTES];
    /* Format v2. */
    int v2;         /* an applied event is of format v2 */
    uint8_t choice; /* avow_choice of the definition (NONE: v1 rules) */
    int64_t decision_takes_effect;
    uint8_t decision_takes_effect_precision; /* 0: not given */
    fold_open *opens;
    size_t nopens, capopens;
} fold_acc;

/* An empty accumulator (fold_free() leaves one too). */
void fold_init(fold_acc *a);
void fold_free(fold_acc *a);
/* Apply one counting event; entries arrive in bytime order. */
int fold_apply(fold_acc *a, const avow_event *ev, const unsigned char id[AVOW_EVENT_ID_BYTES]);
/* Apply the opening of a counting stance dated by an interval (its by-time
 * entry at the interval's start, ledger/store.h store_bytime_opens()). */
int fold_apply_opening(fold_acc *a, const avow_event *ev,
                       const unsigned char id[AVOW_EVENT_ID_BYTES]);
/* Record an open interval (snapcodec.c reads them back with this). */
int fold_open_add(fold_acc *a, const fold_open *o);
/* The id of a name (actor or candidate), added when new. */
int fold_name(fold_acc *a, const void *k, size_t len, uint32_t *id);
/* The (actor, candidate) pair, added when new. */
int fold_pair_get(fold_acc *a, uint32_t actor, uint32_t cand, fold_pair **out);
/* Record author's stance at the pair's effective_at. */
int fold_pair_set_side(fold_pair *p, uint32_t author, uint8_t stance);
/* 1 when authors disagree at the pair's effective_at. */
int fold_pair_disputed(const fold_pair *p);

/* ---- which entries count ------------------------------------------------- */

enum fold_skip {
    FOLD_COUNTS = 0,
    FOLD_RETRACTION, /* a retraction event: never applied */
    FOLD_RETRACTED,  /* retracted by its author at or before K */
    FOLD_UNTRUSTED,
    FOLD_FILTERED /* below the query's minimum confidence, or public after its public-at */
};

/* The query's filters of format v2 (docs/PROJECTIONS.md). */
typedef struct fold_filter {
    uint8_t min_confidence; /* avow_confidence; NONE or LOW: every row */
    int64_t public_at;      /* AVOW_TIME_MAX: not given */
} fold_filter;

#define FOLD_FILTER_NONE                                                                           \
    {                                                                                              \
        0, AVOW_TIME_MAX                                                                           \
    }

/* Whether the filter leaves the event out: 1 yes, 0 no. */
int fold_filtered(const fold_filter *f, const avow_event *ev);

/* The earliest retraction of one target by its author. */
typedef struct fold_retraction {
    int64_t rec;
    unsigned char author[AVOW_PUBKEY_BYTES];
    unsigned char rid[AVOW_EVENT_ID_BYTES];
} fold_retraction;

/* A contest's retractions, by target id. */
typedef struct fold_retractions {
    hashset ids; /* target ids */
    fold_retraction *info;
    size_t cap;
} fold_retractions;

void fold_retractions_init(fold_retractions *rs);
void fold_retractions_free(fold_retractions *rs);
/* Record that rid (by author, recorded at rec) retracts target. */
int fold_retractions_add(fold_retractions *rs, const unsigned char target[AVOW_EVENT_ID_BYTES],
                         int64_t rec, const unsigned char author[AVOW_PUBKEY_BYTES],
                         const unsigned char rid[AVOW_EVENT_ID_BYTES]);

/* Whether the event (author, seq) counts: 1 yes, 0 no. */
typedef int (*fold_trust_fn)(const void *ctx, const unsigned char author[AVOW_PUBKEY_BYTES],
                             uint64_t seq);

/*
 * How the entry (ev, id) is taken when the state is known at known_at:
 * counts (NULL: every author counts) decides trust; *retracted is set for
 * FOLD_RETRACTED and NULL otherwise.
 */
enum fold_skip fold_classify(const avow_event *ev, const unsigned char id[AVOW_EVENT_ID_BYTES],
                             int64_t known_at, const fold_retractions *rs, fold_trust_fn counts,
                             const void *trust, const fold_retraction **retracted);

#endif /* AVOW_FOLD_H */
