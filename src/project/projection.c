/* SPDX-License-Identifier: ISC */
/*
 * projection.c - point-in-time projections (state, history, explain) and
 * their snapshot cache. docs/PROJECTIONS.md is the specification.
 *
 * Databases kept here (written inside the append's write transaction by
 * projection_on_append(), see store.h):
 *   snapshots    contest || 0x00 || mode || time_key(eff) || time_key(rec) || id
 *                -> serialized accumulator after every entry up to that position
 *                (K = +infinity); the key 0x00 "gen" -> u64 generation
 *   retractions  contest || 0x00 || target id -> recorded_at || author || retraction id
 *
 * Invariants (tests/unit/test_projection.c checks them):
 *  1. A projection is a function of the SET of events: entries are applied in
 *     bytime order (effective_at, recorded_at, id), so "latest" is "applied
 *     last" and arrival order never matters.
 *  2. A replay reads events in place from the map: no allocation per event,
 *     only per new actor, candidate, (actor, candidate) pair or author.
 *  3. A snapshot at position p equals a replay of every entry <= p with
 *     K = +infinity under the current trust settings: an append at position
 *     q (a retraction: min(q, its target's position)) deletes the contest's
 *     snapshots >= q in the same transaction, and a trust change deletes all.
 *  4. Snapshots are only written when no event was appended and no
 *     invalidation happened since the read transaction that computed them.
 *  5. state(T, K) with snapshots equals a full replay of the contest (the
 *     slow path, always used when K is given).
 */
#include <assert.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <sodium.h>

#include "event/codec.h"
#include "event/jsonutil.h"
#include "project/projection.h"
#include "project/trust.h"

#define SNAPSHOT_FORMAT 1
/* Pending snapshots of one query are kept in memory up to this many bytes. */
#define SNAPSHOT_PENDING_MAX ((size_t)16 << 20)
#define MODE_TRUSTED         0
#define MODE_ALL             1
/* contest || 0x00 || eff || rec || id, and the position part alone. */
#define POS_BYTES      (8 + 8 + AVOW_EVENT_ID_BYTES)
#define SNAP_KEY_MAX   (AVOW_MAX_CONTEST + 2 + POS_BYTES)
#define RETR_VAL_BYTES (8 + AVOW_PUBKEY_BYTES + AVOW_EVENT_ID_BYTES)

static const unsigned char gen_key[4] = { 0, 'g', 'e', 'n' };

static size_t snapshot_interval = PROJECTION_SNAPSHOT_INTERVAL;
static size_t snapshot_loads;

size_t
projection_test_snapshot_loads(void)
{
    return snapshot_loads;
}

void
projection_test_snapshot_interval(size_t n)
{
    snapshot_interval = n == 0 ? PROJECTION_SNAPSHOT_INTERVAL : n;
}

/* MDB_val is not const-correct; LMDB never writes through a key we pass. */
static void *
unconst(const void *p)
{
    return (void *)(uintptr_t)p;
}

static int64_t
time_unkey(uint64_t v)
{
    return (int64_t)(v ^ (UINT64_C(1) << 63));
}

/* ---- keyset: byte strings interned to dense ids ------------------------ */

struct kent {
    size_t off;
    size_t len;
};

struct keyset {
    avow_buf bytes;
    struct kent *ents;
    size_t n, cap;
    uint32_t *slots; /* id + 1; 0 is empty */
    size_t nslots;   /* a power of two */
};

static size_t
keyset_hash(const unsigned char *k, size_t len)
{
    static const unsigned char hk[crypto_shorthash_KEYBYTES] = { 0 };
    if (len == 8) {
        /* The (actor id, candidate id) keys of pairs: small integers, not
         * chosen by anyone; an integer mix (the splitmix64 finalizer) spreads
         * them for a fraction of a SipHash call. */
        uint64_t x = be64_get(k);
        x = (x ^ (x >> 30)) * UINT64_C(0xbf58476d1ce4e5b9);
        x = (x ^ (x >> 27)) * UINT64_C(0x94d049bb133111eb);
        return (size_t)(x ^ (x >> 31));
    }
    unsigned char h[crypto_shorthash_BYTES];
    crypto_shorthash(h, k, (unsigned long long)len, hk);
    size_t v = 0;
    memcpy(&v, h, sizeof(v) < sizeof(h) ? sizeof(v) : sizeof(h));
    return v;
}

static const unsigned char *
keyset_key(const struct keyset *ks, uint32_t id, size_t *len)
{
    *len = ks->ents[id].len;
    return ks->bytes.ptr + ks->ents[id].off;
}

/* @return 1 and *id when present, else 0. */
static int
keyset_find(const struct keyset *ks, const void *k, size_t len, uint32_t *id)
{
    if (ks->nslots == 0) {
        return 0;
    }
    size_t mask = ks->nslots - 1;
    for (size_t i = keyset_hash(k, len) & mask;; i = (i + 1) & mask) {
        uint32_t s = ks->slots[i];
        if (s == 0) {
            return 0;
        }
        const struct kent *e = &ks->ents[s - 1];
        if (e->len == len && (len == 0 || memcmp(ks->bytes.ptr + e->off, k, len) == 0)) {
            *id = s - 1;
            return 1;
        }
    }
}

static int
keyset_rehash(struct keyset *ks, size_t nslots)
{
    uint32_t *slots = calloc(nslots, sizeof(*slots));
    if (slots == NULL) {
        return avow_error_set(AVOW_ENOMEM, "out of memory in a projection");
    }
    for (size_t id = 0; id < ks->n; id++) {
        size_t i = keyset_hash(ks->bytes.ptr + ks->ents[id].off, ks->ents[id].len) & (nslots - 1);
        while (slots[i] != 0) {
            i = (i + 1) & (nslots - 1);
        }
        slots[i] = (uint32_t)(id + 1);
    }
    free(ks->slots);
    ks->slots = slots;
    ks->nslots = nslots;
    return 0;
}

static int
keyset_intern(struct keyset *ks, const void *k, size_t len, uint32_t *id, int *added)
{
    int error;
    if (added != NULL) {
        *added = 0;
    }
    if (keyset_find(ks, k, len, id)) {
        return 0;
    }
    if (ks->n >= UINT32_MAX - 1) {
        return avow_error_set(AVOW_ERANGE, "too many names in a projection");
    }
    if ((ks->n + 1) * 2 > ks->nslots) {
        if ((error = keyset_rehash(ks, ks->nslots == 0 ? 64 : ks->nslots * 2)) < 0) {
            return error;
        }
    }
    if (ks->n == ks->cap) {
        size_t cap = ks->cap == 0 ? 32 : ks->cap * 2;
        struct kent *e = realloc(ks->ents, cap * sizeof(*e));
        if (e == NULL) {
            return avow_error_set(AVOW_ENOMEM, "out of memory in a projection");
        }
        ks->ents = e;
        ks->cap = cap;
    }
    size_t off = ks->bytes.len;
    if (len > 0 && (error = avow_buf_put(&ks->bytes, k, len)) < 0) {
        return error;
    }
    ks->ents[ks->n].off = off;
    ks->ents[ks->n].len = len;
    size_t i = keyset_hash(k, len) & (ks->nslots - 1);
    while (ks->slots[i] != 0) {
        i = (i + 1) & (ks->nslots - 1);
    }
    ks->slots[i] = (uint32_t)(ks->n + 1);
    *id = (uint32_t)ks->n++;
    if (added != NULL) {
        *added = 1;
    }
    return 0;
}

static void
keyset_free(struct keyset *ks)
{
    avow_buf_dispose(&ks->bytes);
    free(ks->ents);
    free(ks->slots);
    memset(ks, 0, sizeof(*ks));
}

/* ---- the accumulator: what a replay builds ----------------------------- */

#define MEMBER_IN   1
#define MEMBER_OUT  2
#define CAND_RUN    1
#define CAND_WITHDR 2

struct side {
    uint32_t author;
    uint8_t stance;
};

struct pair {
    uint32_t actor, cand;
    int64_t eff; /* effective_at of the winning statement */
    uint8_t stance;
    uint32_t nsides, capsides;
    struct side *sides; /* latest statement per author at eff */
};

struct acc {
    struct keyset names, authors, pairkeys;
    int has_last_author;
    unsigned char last_author[AVOW_PUBKEY_BYTES]; /* the author of the last stance */
    uint32_t last_author_id;
    uint8_t *member, *cand; /* per name id */
    size_t status_cap;
    struct pair *pairs; /* per pairkeys id */
    size_t cappairs;
    int has_contest;
    char title[AVOW_MAX_TITLE], rule[AVOW_MAX_RULE];
    size_t title_len, rule_len;
    int has_decision;
    char decision[AVOW_MAX_CANDIDATE];
    size_t decision_len;
    int64_t decision_eff;
    unsigned char decision_id[AVOW_EVENT_ID_BYTES];
};

static void
acc_free(struct acc *a)
{
    keyset_free(&a->names);
    keyset_free(&a->authors);
    for (size_t i = 0; i < a->pairkeys.n; i++) {
        free(a->pairs[i].sides);
    }
    keyset_free(&a->pairkeys);
    free(a->member);
    free(a->cand);
    free(a->pairs);
    memset(a, 0, sizeof(*a));
}

static int
acc_name(struct acc *a, const void *k, size_t len, uint32_t *id)
{
    int added, error;
    if ((error = keyset_intern(&a->names, k, len, id, &added)) < 0) {
        return error;
    }
    if (a->names.n > a->status_cap) {
        size_t cap = a->status_cap == 0 ? 64 : a->status_cap * 2;
        uint8_t *m = realloc(a->member, cap);
        if (m == NULL) {
            return avow_error_set(AVOW_ENOMEM, "out of memory in a projection");
        }
        a->member = m;
        uint8_t *c = realloc(a->cand, cap);
        if (c == NULL) {
            return avow_error_set(AVOW_ENOMEM, "out of memory in a projection");
        }
        a->cand = c;
        memset(a->member + a->status_cap, 0, cap - a->status_cap);
        memset(a->cand + a->status_cap, 0, cap - a->status_cap);
        a->status_cap = cap;
    }
    return 0;
}

static int
acc_pair(struct acc *a, uint32_t actor, uint32_t cand, struct pair **out)
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
    if ((error = keyset_intern(&a->pairkeys, k, sizeof(k), &id, &added)) < 0) {
        return error;
    }
    if (a->pairkeys.n > a->cappairs) {
        size_t cap = a->cappairs == 0 ? 64 : a->cappairs * 2;
        struct pair *p = realloc(a->pairs, cap * sizeof(*p));
        if (p == NULL) {
            return avow_error_set(AVOW_ENOMEM, "out of memory in a projection");
        }
        a->pairs = p;
        a->cappairs = cap;
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

static int
pair_set_side(struct pair *p, uint32_t author, uint8_t stance)
{
    for (uint32_t i = 0; i < p->nsides; i++) {
        if (p->sides[i].author == author) {
            p->sides[i].stance = stance;
            return 0;
        }
    }
    if (p->nsides == p->capsides) {
        uint32_t cap = p->capsides == 0 ? 1 : p->capsides * 2;
        struct side *s = realloc(p->sides, cap * sizeof(*s));
        if (s == NULL) {
            return avow_error_set(AVOW_ENOMEM, "out of memory in a projection");
        }
        p->sides = s;
        p->capsides = cap;
    }
    p->sides[p->nsides].author = author;
    p->sides[p->nsides].stance = stance;
    p->nsides++;
    return 0;
}

static int
pair_disputed(const struct pair *p)
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
acc_author(struct acc *a, const unsigned char *author, uint32_t *id)
{
    int error;
    if (a->has_last_author && memcmp(a->last_author, author, AVOW_PUBKEY_BYTES) == 0) {
        *id = a->last_author_id;
        return 0;
    }
    if ((error = keyset_intern(&a->authors, author, AVOW_PUBKEY_BYTES, id, NULL)) < 0) {
        return error;
    }
    memcpy(a->last_author, author, AVOW_PUBKEY_BYTES);
    a->has_last_author = 1;
    a->last_author_id = *id;
    return 0;
}

/* Apply one counting event; entries arrive in bytime order (invariant 1). */
static int
acc_apply(struct acc *a, const avow_event *ev, const unsigned char id[AVOW_EVENT_ID_BYTES])
{
    uint32_t n1, n2, au;
    struct pair *p;
    int error = 0;

    switch (ev->kind) {
    case AVOW_KIND_CONTEST:
        if (!a->has_contest && ev->rule.len <= sizeof(a->rule) &&
            ev->title.len <= sizeof(a->title)) {
            a->has_contest = 1;
            memcpy(a->rule, ev->rule.ptr == NULL ? "" : ev->rule.ptr, ev->rule.len);
            a->rule_len = ev->rule.len;
            memcpy(a->title, ev->title.ptr == NULL ? "" : ev->title.ptr, ev->title.len);
            a->title_len = ev->title.len;
        }
        break;
    case AVOW_KIND_MEMBER_JOIN:
    case AVOW_KIND_MEMBER_LEAVE:
        if (ev->actor.ptr == NULL) {
            break;
        }
        if ((error = acc_name(a, ev->actor.ptr, ev->actor.len, &n1)) < 0) {
            break;
        }
        a->member[n1] = ev->kind == AVOW_KIND_MEMBER_JOIN ? MEMBER_IN : MEMBER_OUT;
        break;
    case AVOW_KIND_CANDIDATE_ENTER:
    case AVOW_KIND_CANDIDATE_WITHDRAW:
        if (ev->candidate.ptr == NULL) {
            break;
        }
        if ((error = acc_name(a, ev->candidate.ptr, ev->candidate.len, &n1)) < 0) {
            break;
        }
        a->cand[n1] = ev->kind == AVOW_KIND_CANDIDATE_ENTER ? CAND_RUN : CAND_WITHDR;
        break;
    case AVOW_KIND_STANCE:
        if (ev->actor.ptr == NULL || ev->candidate.ptr == NULL ||
            ev->stance < AVOW_STANCE_SUPPORTS || ev->stance > AVOW_STANCE_UNDECIDED) {
            break;
        }
        if ((error = acc_name(a, ev->actor.ptr, ev->actor.len, &n1)) < 0 ||
            (error = acc_name(a, ev->candidate.ptr, ev->candidate.len, &n2)) < 0 ||
            (error = acc_author(a, ev->author, &au)) < 0 || (error = acc_pair(a, n1, n2, &p)) < 0) {
            break;
        }
        if (ev->effective_at != p->eff) {
            p->eff = ev->effective_at;
            p->nsides = 0;
        }
        p->stance = ev->stance;
        error = pair_set_side(p, au, ev->stance);
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
        break;
    default:
        break;
    }
    return error;
}

/* ---- snapshot serialization --------------------------------------------- */

struct wr {
    avow_buf *b;
    int error;
};

static void
wr_bytes(struct wr *w, const void *p, size_t n)
{
    if (w->error == 0 && n > 0) {
        w->error = avow_buf_put(w->b, p, n);
    }
}

static void
wr_u8(struct wr *w, uint8_t v)
{
    wr_bytes(w, &v, 1);
}

static void
wr_u32(struct wr *w, uint32_t v)
{
    unsigned char b[4] = { (unsigned char)(v >> 24), (unsigned char)(v >> 16),
                           (unsigned char)(v >> 8), (unsigned char)v };
    wr_bytes(w, b, 4);
}

static void
wr_u64(struct wr *w, uint64_t v)
{
    unsigned char b[8];
    be64_put(b, v);
    wr_bytes(w, b, 8);
}

static void
wr_str(struct wr *w, const void *p, size_t n)
{
    wr_u32(w, (uint32_t)n);
    wr_bytes(w, p, n);
}

struct rd {
    const unsigned char *p;
    size_t left;
    int bad;
};

static const unsigned char *
rd_bytes(struct rd *r, size_t n)
{
    if (r->bad || r->left < n) {
        r->bad = 1;
        return NULL;
    }
    const unsigned char *p = r->p;
    r->p += n;
    r->left -= n;
    return p;
}

static uint8_t
rd_u8(struct rd *r)
{
    const unsigned char *p = rd_bytes(r, 1);
    return p == NULL ? 0 : p[0];
}

static uint32_t
rd_u32(struct rd *r)
{
    const unsigned char *p = rd_bytes(r, 4);
    return p == NULL ? 0
                     : ((uint32_t)p[0] << 24) | ((uint32_t)p[1] << 16) | ((uint32_t)p[2] << 8) |
                         (uint32_t)p[3];
}

static uint64_t
rd_u64(struct rd *r)
{
    const unsigned char *p = rd_bytes(r, 8);
    return p == NULL ? 0 : be64_get(p);
}

static int
acc_serialize(const struct acc *a, avow_buf *out)
{
    struct wr w = { out, 0 };
    size_t len;
    wr_u8(&w, SNAPSHOT_FORMAT);
    wr_u8(&w, (uint8_t)a->has_contest);
    wr_str(&w, a->title, a->title_len);
    wr_str(&w, a->rule, a->rule_len);
    wr_u32(&w, (uint32_t)a->names.n);
    for (uint32_t i = 0; i < a->names.n; i++) {
        const unsigned char *k = keyset_key(&a->names, i, &len);
        wr_str(&w, k, len);
        wr_u8(&w, a->member[i]);
        wr_u8(&w, a->cand[i]);
    }
    wr_u32(&w, (uint32_t)a->authors.n);
    for (uint32_t i = 0; i < a->authors.n; i++) {
        wr_bytes(&w, keyset_key(&a->authors, i, &len), AVOW_PUBKEY_BYTES);
    }
    wr_u32(&w, (uint32_t)a->pairkeys.n);
    for (size_t i = 0; i < a->pairkeys.n; i++) {
        const struct pair *p = &a->pairs[i];
        wr_u32(&w, p->actor);
        wr_u32(&w, p->cand);
        wr_u64(&w, (uint64_t)p->eff);
        wr_u8(&w, p->stance);
        wr_u32(&w, p->nsides);
        for (uint32_t s = 0; s < p->nsides; s++) {
            wr_u32(&w, p->sides[s].author);
            wr_u8(&w, p->sides[s].stance);
        }
    }
    wr_u8(&w, (uint8_t)a->has_decision);
    wr_str(&w, a->decision, a->decision_len);
    wr_u64(&w, (uint64_t)a->decision_eff);
    wr_bytes(&w, a->decision_id, AVOW_EVENT_ID_BYTES);
    return w.error;
}

/* Load a snapshot into an empty accumulator. @return 0, 1 (unreadable: ignore it), or < 0. */
static int
acc_deserialize(struct acc *a, const unsigned char *p, size_t n)
{
    struct rd r = { p, n, 0 };
    const unsigned char *k;
    uint32_t id, count, len;
    int error;

    if (rd_u8(&r) != SNAPSHOT_FORMAT) {
        return 1;
    }
    a->has_contest = rd_u8(&r) != 0;
    len = rd_u32(&r);
    if (len > sizeof(a->title) || (k = rd_bytes(&r, len)) == NULL) {
        return 1;
    }
    memcpy(a->title, k, len);
    a->title_len = len;
    len = rd_u32(&r);
    if (len > sizeof(a->rule) || (k = rd_bytes(&r, len)) == NULL) {
        return 1;
    }
    memcpy(a->rule, k, len);
    a->rule_len = len;
    count = rd_u32(&r);
    for (uint32_t i = 0; i < count && !r.bad; i++) {
        len = rd_u32(&r);
        if ((k = rd_bytes(&r, len)) == NULL) {
            return 1;
        }
        if ((error = acc_name(a, k, len, &id)) < 0) {
            return error;
        }
        if (id != i) {
            return 1;
        }
        a->member[i] = rd_u8(&r);
        a->cand[i] = rd_u8(&r);
    }
    count = rd_u32(&r);
    for (uint32_t i = 0; i < count && !r.bad; i++) {
        if ((k = rd_bytes(&r, AVOW_PUBKEY_BYTES)) == NULL) {
            return 1;
        }
        if ((error = keyset_intern(&a->authors, k, AVOW_PUBKEY_BYTES, &id, NULL)) < 0) {
            return error;
        }
        if (id != i) {
            return 1;
        }
    }
    count = rd_u32(&r);
    for (uint32_t i = 0; i < count && !r.bad; i++) {
        struct pair *pp;
        uint32_t actor = rd_u32(&r), cand = rd_u32(&r);
        if (r.bad || actor >= a->names.n || cand >= a->names.n) {
            return 1;
        }
        if ((error = acc_pair(a, actor, cand, &pp)) < 0) {
            return error;
        }
        pp->eff = (int64_t)rd_u64(&r);
        pp->stance = rd_u8(&r);
        uint32_t nsides = rd_u32(&r);
        if (r.bad || nsides > r.left / 5) {
            return 1;
        }
        for (uint32_t s = 0; s < nsides; s++) {
            uint32_t au = rd_u32(&r);
            uint8_t st = rd_u8(&r);
            if (au >= a->authors.n) {
                return 1;
            }
            if ((error = pair_set_side(pp, au, st)) < 0) {
                return error;
            }
        }
    }
    a->has_decision = rd_u8(&r) != 0;
    len = rd_u32(&r);
    if (len > sizeof(a->decision) || (k = rd_bytes(&r, len)) == NULL) {
        return 1;
    }
    memcpy(a->decision, k, len);
    a->decision_len = len;
    a->decision_eff = (int64_t)rd_u64(&r);
    if ((k = rd_bytes(&r, AVOW_EVENT_ID_BYTES)) == NULL || r.left != 0) {
        return 1;
    }
    memcpy(a->decision_id, k, AVOW_EVENT_ID_BYTES);
    return 0;
}

/* ---- retractions -------------------------------------------------------- */

struct rinfo {
    int64_t rec;
    unsigned char author[AVOW_PUBKEY_BYTES];
    unsigned char rid[AVOW_EVENT_ID_BYTES];
};

struct retset {
    struct keyset ids; /* target ids */
    struct rinfo *info;
    size_t cap;
};

static void
retset_free(struct retset *rs)
{
    keyset_free(&rs->ids);
    free(rs->info);
    memset(rs, 0, sizeof(*rs));
}

/* ---- scanning a contest's bytime range ---------------------------------- */

enum entry_skip {
    ENTRY_COUNTS = 0,
    ENTRY_RETRACTION, /* a retraction event: never applied */
    ENTRY_RETRACTED,  /* retracted by its author at or before K */
    ENTRY_UNTRUSTED
};

struct entry {
    const unsigned char *key; /* the bytime key */
    size_t keylen;
    const unsigned char *id;
    uint64_t index;
    avow_event ev;
    enum entry_skip skip;
    const struct rinfo *retracted;
};

struct scan {
    avow_ledger *ledger;
    MDB_txn *txn;
    unsigned char prefix[AVOW_MAX_CONTEST + 1];
    size_t prefix_len; /* contest || 0x00 */
    int64_t at, known_at;
    int all_authors;
    trust_view *trust;
    struct retset rs;
};

typedef int (*entry_fn)(struct scan *s, const struct entry *e, void *ctx);

static void
scan_close(struct scan *s)
{
    if (s->trust != NULL) {
        trust_view_free(s->trust);
    }
    retset_free(&s->rs);
    if (s->txn != NULL) {
        mdb_txn_abort(s->txn);
    }
    memset(s, 0, sizeof(*s));
}

static int
scan_load_retractions(struct scan *s)
{
    MDB_cursor *cur = NULL;
    MDB_val k = { s->prefix_len, s->prefix }, v;
    int error = 0, rc;
    if ((rc = mdb_cursor_open(s->txn, store_dbi(s->ledger, STORE_DB_RETRACTIONS), &cur)) != 0) {
        return store_mdb_error(s->ledger, rc, "retractions");
    }
    for (rc = mdb_cursor_get(cur, &k, &v, MDB_SET_RANGE); rc == 0;
         rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) {
        uint32_t id;
        int added;
        if (k.mv_size != s->prefix_len + AVOW_EVENT_ID_BYTES ||
            memcmp(k.mv_data, s->prefix, s->prefix_len) != 0) {
            break;
        }
        if (v.mv_size != RETR_VAL_BYTES) {
            continue;
        }
        const unsigned char *tid = (const unsigned char *)k.mv_data + s->prefix_len;
        if ((error = keyset_intern(&s->rs.ids, tid, AVOW_EVENT_ID_BYTES, &id, &added)) < 0) {
            goto done;
        }
        if (s->rs.ids.n > s->rs.cap) {
            size_t cap = s->rs.cap == 0 ? 16 : s->rs.cap * 2;
            struct rinfo *ri = realloc(s->rs.info, cap * sizeof(*ri));
            if (ri == NULL) {
                error = avow_error_set(AVOW_ENOMEM, "out of memory loading retractions");
                goto done;
            }
            s->rs.info = ri;
            s->rs.cap = cap;
        }
        const unsigned char *p = v.mv_data;
        s->rs.info[id].rec = time_unkey(be64_get(p));
        memcpy(s->rs.info[id].author, p + 8, AVOW_PUBKEY_BYTES);
        memcpy(s->rs.info[id].rid, p + 8 + AVOW_PUBKEY_BYTES, AVOW_EVENT_ID_BYTES);
    }
    if (rc != 0 && rc != MDB_NOTFOUND) {
        error = store_mdb_error(s->ledger, rc, "retractions");
    }
done:
    mdb_cursor_close(cur);
    return error;
}

/* Whether the contest exists: a contest event or any indexed entry. */
static int
scan_contest_exists(struct scan *s)
{
    MDB_val v;
    MDB_cursor *cur = NULL;
    MDB_val k = { s->prefix_len, s->prefix };
    int error = store_get(s->ledger, s->txn, STORE_DB_CONTESTS, s->prefix, s->prefix_len - 1, &v);
    int rc;
    if (error != AVOW_ENOTFOUND) {
        return error < 0 ? error : 1;
    }
    if ((rc = mdb_cursor_open(s->txn, store_dbi(s->ledger, STORE_DB_BYTIME), &cur)) != 0) {
        return store_mdb_error(s->ledger, rc, "bytime");
    }
    rc = mdb_cursor_get(cur, &k, &v, MDB_SET_RANGE);
    int found =
      rc == 0 && k.mv_size > s->prefix_len && memcmp(k.mv_data, s->prefix, s->prefix_len) == 0;
    mdb_cursor_close(cur);
    if (rc != 0 && rc != MDB_NOTFOUND) {
        return store_mdb_error(s->ledger, rc, "bytime");
    }
    return found;
}

static int
scan_open(struct scan *s, avow_ledger *ledger, const char *contest, int64_t at, int64_t known_at,
          int all_authors)
{
    int error;
    memset(s, 0, sizeof(*s));
    size_t len = contest == NULL ? 0 : strlen(contest);
    if (ledger == NULL || len == 0 || len > AVOW_MAX_CONTEST) {
        return avow_error_set(AVOW_EINVALID, "a contest id of 1 to %d bytes is needed",
                              AVOW_MAX_CONTEST);
    }
    s->ledger = ledger;
    memcpy(s->prefix, contest, len);
    s->prefix[len] = 0;
    s->prefix_len = len + 1;
    s->at = at;
    s->known_at = known_at;
    s->all_authors = all_authors;
    if ((error = store_read_begin(ledger, &s->txn)) < 0) {
        return error;
    }
    if ((error = scan_contest_exists(s)) <= 0) {
        if (error == 0) {
            error = avow_error_set(AVOW_ENOTFOUND, "no contest %s in ledger %s", contest,
                                   store_path(ledger));
        }
        return error;
    }
    if (!all_authors && (error = trust_view_load(&s->trust, s->txn, ledger)) < 0) {
        return error;
    }
    return scan_load_retractions(s);
}

/*
 * Visit the contest's entries after `after` (a full bytime key; NULL: from the
 * start) with effective_at <= at and recorded_at <= known_at, in bytime order.
 * fn's non-zero return stops the scan and is returned.
 */
/*
 * The bytes of the event at log index `index`, read through evcur. Events of
 * one contest are mostly appended in bytime order, so the next entry is
 * usually the next record of the log: a cursor step (MDB_NEXT) instead of a
 * B-tree descent (invariant 2: in place, no allocation).
 */
static int
scan_event(struct scan *s, MDB_cursor *evcur, uint64_t index, uint64_t *last, MDB_val *k,
           MDB_val *raw)
{
    unsigned char key[8];
    int rc = MDB_NOTFOUND;
    if (*last != UINT64_MAX && index == *last + 1) {
        rc = mdb_cursor_get(evcur, k, raw, MDB_NEXT);
        if (rc == 0 && (k->mv_size != 8 || be64_get(k->mv_data) != index)) {
            rc = MDB_NOTFOUND;
        }
    }
    if (rc != 0) {
        be64_put(key, index);
        k->mv_size = sizeof(key);
        k->mv_data = key;
        rc = mdb_cursor_get(evcur, k, raw, MDB_SET_KEY);
    }
    if (rc == MDB_NOTFOUND) {
        *last = UINT64_MAX;
        return avow_error_set(AVOW_EIO, "the by-time index points at a missing event "
                                        "(run avow verify)");
    }
    if (rc != 0) {
        *last = UINT64_MAX;
        return store_mdb_error(s->ledger, rc, "events");
    }
    *last = index;
    return 0;
}

static int
scan_run(struct scan *s, const unsigned char *after, size_t afterlen, entry_fn fn, void *ctx)
{
    MDB_cursor *cur = NULL, *evcur = NULL;
    MDB_val k, v, raw, ek;
    struct entry e;
    uint64_t last = UINT64_MAX; /* log index under evcur */
    uint64_t scanned = 0;
    int error = 0, rc;

    if ((rc = mdb_cursor_open(s->txn, store_dbi(s->ledger, STORE_DB_BYTIME), &cur)) != 0) {
        return store_mdb_error(s->ledger, rc, "bytime");
    }
    if ((rc = mdb_cursor_open(s->txn, store_dbi(s->ledger, STORE_DB_EVENTS), &evcur)) != 0) {
        mdb_cursor_close(cur);
        return store_mdb_error(s->ledger, rc, "events");
    }
    k.mv_size = after != NULL ? afterlen : s->prefix_len;
    k.mv_data = unconst(after != NULL ? after : s->prefix);
    rc = mdb_cursor_get(cur, &k, &v, MDB_SET_RANGE);
    if (rc == 0 && after != NULL && k.mv_size == afterlen &&
        memcmp(k.mv_data, after, afterlen) == 0) {
        rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT);
    }
    for (; rc == 0; rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) {
        const unsigned char *key = k.mv_data;
        if (k.mv_size != s->prefix_len + POS_BYTES || memcmp(key, s->prefix, s->prefix_len) != 0) {
            break;
        }
        int64_t eff = time_unkey(be64_get(key + s->prefix_len));
        int64_t rec = time_unkey(be64_get(key + s->prefix_len + 8));
        if (eff > s->at) {
            break;
        }
        if (rec > s->known_at) {
            continue;
        }
        memset(&e, 0, sizeof(e));
        e.key = key;
        e.keylen = k.mv_size;
        e.id = key + s->prefix_len + 16;
        if ((error = store_index_val(&e.index, &v)) < 0) {
            goto done;
        }
        if (++scanned % STORE_TRIM_EVERY == 0) {
            store_trim_pages(s->ledger);
        }
        if ((error = scan_event(s, evcur, e.index, &last, &ek, &raw)) < 0) {
            goto done;
        }
        if (codec_decode_stored(&e.ev, raw.mv_data, raw.mv_size) < 0) {
            error =
              avow_error_set(AVOW_EFORMAT, "a stored event does not decode (run avow verify)");
            goto done;
        }
        if (e.ev.kind == AVOW_KIND_RETRACT) {
            e.skip = ENTRY_RETRACTION;
        } else if (!s->all_authors && !trust_view_counts(s->trust, e.ev.author, e.ev.seq)) {
            e.skip = ENTRY_UNTRUSTED;
        } else {
            uint32_t rid;
            if (s->rs.ids.n > 0 && keyset_find(&s->rs.ids, e.id, AVOW_EVENT_ID_BYTES, &rid) &&
                s->rs.info[rid].rec <= s->known_at &&
                memcmp(s->rs.info[rid].author, e.ev.author, AVOW_PUBKEY_BYTES) == 0) {
                e.skip = ENTRY_RETRACTED;
                e.retracted = &s->rs.info[rid];
            }
        }
        if ((error = fn(s, &e, ctx)) != 0) {
            goto done;
        }
    }
    if (rc != 0 && rc != MDB_NOTFOUND) {
        error = store_mdb_error(s->ledger, rc, "bytime");
    }
done:
    mdb_cursor_close(evcur);
    mdb_cursor_close(cur);
    return error;
}

/* ---- snapshots ---------------------------------------------------------- */

/* snapshot key prefix: contest || 0x00 || mode */
static size_t
snap_prefix(unsigned char *k, const unsigned char *prefix, size_t prefix_len, int mode)
{
    memcpy(k, prefix, prefix_len);
    k[prefix_len] = (unsigned char)mode;
    return prefix_len + 1;
}

/*
 * Load the last snapshot with position <= (at, max, max) into a (empty).
 * @return 1 with after/afterlen set to its bytime key, 0 when none, or < 0.
 */
static int
snapshot_load(struct scan *s, struct acc *a, int mode, unsigned char *after, size_t *afterlen)
{
    unsigned char seek[SNAP_KEY_MAX];
    MDB_cursor *cur = NULL;
    MDB_val k, v;
    int error = 0, rc;
    size_t plen = snap_prefix(seek, s->prefix, s->prefix_len, mode);

    be64_put(seek + plen, time_key(s->at));
    memset(seek + plen + 8, 0xff, POS_BYTES - 8);
    if ((rc = mdb_cursor_open(s->txn, store_dbi(s->ledger, STORE_DB_SNAPSHOTS), &cur)) != 0) {
        return store_mdb_error(s->ledger, rc, "snapshots");
    }
    k.mv_size = plen + POS_BYTES;
    k.mv_data = seek;
    rc = mdb_cursor_get(cur, &k, &v, MDB_SET_RANGE);
    if (rc == MDB_NOTFOUND) {
        rc = mdb_cursor_get(cur, &k, &v, MDB_LAST);
    } else if (rc == 0 &&
               !(k.mv_size == plen + POS_BYTES && memcmp(k.mv_data, seek, plen + POS_BYTES) == 0)) {
        rc = mdb_cursor_get(cur, &k, &v, MDB_PREV);
    }
    if (rc == MDB_NOTFOUND) {
        goto done;
    }
    if (rc != 0) {
        error = store_mdb_error(s->ledger, rc, "snapshots");
        goto done;
    }
    if (k.mv_size != plen + POS_BYTES || memcmp(k.mv_data, seek, plen) != 0) {
        goto done;
    }
    if ((error = acc_deserialize(a, v.mv_data, v.mv_size)) != 0) {
        acc_free(a);
        error = error > 0 ? 0 : error;
        goto done;
    }
    memcpy(after, s->prefix, s->prefix_len);
    memcpy(after + s->prefix_len, (const unsigned char *)k.mv_data + plen, POS_BYTES);
    *afterlen = s->prefix_len + POS_BYTES;
    snapshot_loads++;
    error = 1;
done:
    mdb_cursor_close(cur);
    return error;
}

static int
snapshot_gen(const avow_ledger *ledger, MDB_txn *txn, uint64_t *gen)
{
    MDB_val v;
    int error = store_get(ledger, txn, STORE_DB_SNAPSHOTS, gen_key, sizeof(gen_key), &v);
    *gen = 0;
    if (error == AVOW_ENOTFOUND) {
        return 0;
    }
    if (error < 0) {
        return error;
    }
    if (v.mv_size == 8) {
        *gen = be64_get(v.mv_data);
    }
    return 0;
}

static int
events_count(const avow_ledger *ledger, MDB_txn *txn, uint64_t *n)
{
    MDB_stat st;
    int rc = mdb_stat(txn, store_dbi(ledger, STORE_DB_EVENTS), &st);
    if (rc != 0) {
        return store_mdb_error(ledger, rc, "events");
    }
    *n = (uint64_t)st.ms_entries;
    return 0;
}

/* Snapshots computed by one query, written after its read transaction. */
struct pending {
    avow_buf buf; /* u32 keylen || key || u32 vallen || value, repeated */
    size_t count;
    int full;
    uint64_t events, gen;
};

static int
pending_write_txn(store_w *w, void *ctx)
{
    struct pending *pd = ctx;
    const avow_ledger *ledger = store_w_ledger(w);
    uint64_t n = 0, gen = 0;
    int error;
    if ((error = events_count(ledger, store_w_txn(w), &n)) < 0 ||
        (error = snapshot_gen(ledger, store_w_txn(w), &gen)) < 0) {
        return error;
    }
    if (n != pd->events || gen != pd->gen) {
        return 0; /* invariant 4: something changed; the next query redoes them */
    }
    struct rd r = { pd->buf.ptr, pd->buf.len, 0 };
    for (size_t i = 0; i < pd->count; i++) {
        uint32_t klen = rd_u32(&r);
        const unsigned char *k = rd_bytes(&r, klen);
        uint32_t vlen = rd_u32(&r);
        const unsigned char *v = rd_bytes(&r, vlen);
        if (r.bad) {
            return avow_error_set(AVOW_EIO, "internal: pending snapshots are malformed");
        }
        if ((error = store_w_put(w, STORE_DB_SNAPSHOTS, k, klen, v, vlen, 0)) < 0) {
            return error;
        }
    }
    return 0;
}

static int
snapshot_delete_from(store_w *w, const unsigned char *prefix, size_t prefix_len,
                     const unsigned char *pos)
{
    const avow_ledger *ledger = store_w_ledger(w);
    unsigned char seek[SNAP_KEY_MAX], found[SNAP_KEY_MAX];
    int error = 0, rc;
    for (int mode = MODE_TRUSTED; mode <= MODE_ALL; mode++) {
        size_t plen = snap_prefix(seek, prefix, prefix_len, mode);
        memcpy(seek + plen, pos, POS_BYTES);
        for (;;) {
            MDB_cursor *cur = NULL;
            MDB_val k = { plen + POS_BYTES, seek }, v;
            if ((rc = mdb_cursor_open(store_w_txn(w), store_dbi(ledger, STORE_DB_SNAPSHOTS),
                                      &cur)) != 0) {
                return store_mdb_error(ledger, rc, "snapshots");
            }
            rc = mdb_cursor_get(cur, &k, &v, MDB_SET_RANGE);
            int match =
              rc == 0 && k.mv_size == plen + POS_BYTES && memcmp(k.mv_data, seek, plen) == 0;
            if (match) {
                memcpy(found, k.mv_data, k.mv_size);
            }
            mdb_cursor_close(cur);
            if (rc != 0 && rc != MDB_NOTFOUND) {
                return store_mdb_error(ledger, rc, "snapshots");
            }
            if (!match) {
                break;
            }
            if ((error = store_w_del(w, STORE_DB_SNAPSHOTS, found, plen + POS_BYTES)) < 0) {
                return error;
            }
        }
    }
    return 0;
}

static void
event_pos(unsigned char pos[POS_BYTES], const avow_event *ev, const unsigned char *id)
{
    be64_put(pos, time_key(ev->effective_at));
    be64_put(pos + 8, time_key(ev->recorded_at));
    memcpy(pos + 16, id, AVOW_EVENT_ID_BYTES);
}

int
projection_on_append(store_w *w, uint64_t index, const avow_event *ev,
                     const unsigned char id[AVOW_EVENT_ID_BYTES], const avow_str *contest)
{
    const avow_ledger *ledger = store_w_ledger(w);
    unsigned char prefix[AVOW_MAX_CONTEST + 1];
    unsigned char pos[POS_BYTES], tpos[POS_BYTES];
    unsigned char rk[AVOW_MAX_CONTEST + 1 + AVOW_EVENT_ID_BYTES], rv[RETR_VAL_BYTES];
    int error = 0;

    (void)index;
    if (contest == NULL || contest->ptr == NULL || contest->len == 0 ||
        contest->len > AVOW_MAX_CONTEST) {
        return 0;
    }
    memcpy(prefix, contest->ptr, contest->len);
    prefix[contest->len] = 0;
    event_pos(pos, ev, id);
    if (ev->kind == AVOW_KIND_RETRACT && ev->target != NULL) {
        MDB_val raw, old;
        avow_event target;
        int index_it = 0;
        error = store_get_by_id(ledger, store_w_txn(w), ev->target, &raw, NULL);
        if (error == AVOW_ENOTFOUND) {
            error = 0;
        } else if (error < 0) {
            return error;
        } else if (avow_event_decode(&target, raw.mv_data, raw.mv_size) == 0) {
            /* The target precedes its retraction: invalidate from the earlier of the two. */
            event_pos(tpos, &target, ev->target);
            if (memcmp(tpos, pos, POS_BYTES) < 0) {
                memcpy(pos, tpos, POS_BYTES);
            }
            index_it = target.kind != AVOW_KIND_RETRACT &&
                       memcmp(target.author, ev->author, AVOW_PUBKEY_BYTES) == 0;
        }
        if (index_it) {
            memcpy(rk, prefix, contest->len + 1);
            memcpy(rk + contest->len + 1, ev->target, AVOW_EVENT_ID_BYTES);
            size_t rklen = contest->len + 1 + AVOW_EVENT_ID_BYTES;
            error = store_get(ledger, store_w_txn(w), STORE_DB_RETRACTIONS, rk, rklen, &old);
            int keep = error == 0 && old.mv_size == RETR_VAL_BYTES &&
                       time_unkey(be64_get(old.mv_data)) <= ev->recorded_at;
            if (error < 0 && error != AVOW_ENOTFOUND) {
                return error;
            }
            error = 0;
            if (!keep) {
                /* The earliest retraction decides from which K the target is gone. */
                be64_put(rv, time_key(ev->recorded_at));
                memcpy(rv + 8, ev->author, AVOW_PUBKEY_BYTES);
                memcpy(rv + 8 + AVOW_PUBKEY_BYTES, id, AVOW_EVENT_ID_BYTES);
                if ((error = store_w_put(w, STORE_DB_RETRACTIONS, rk, rklen, rv, sizeof(rv), 0)) <
                    0) {
                    return error;
                }
            }
        }
    }
    return snapshot_delete_from(w, prefix, contest->len + 1, pos);
}

int
projection_invalidate_all(store_w *w)
{
    const avow_ledger *ledger = store_w_ledger(w);
    unsigned char v[8];
    uint64_t gen = 0;
    int error, rc;
    if ((error = snapshot_gen(ledger, store_w_txn(w), &gen)) < 0) {
        return error;
    }
    if ((rc = mdb_drop(store_w_txn(w), store_dbi(ledger, STORE_DB_SNAPSHOTS), 0)) != 0) {
        return store_mdb_error(ledger, rc, "snapshots");
    }
    be64_put(v, gen + 1);
    return store_w_put(w, STORE_DB_SNAPSHOTS, gen_key, sizeof(gen_key), v, sizeof(v), 0);
}

int
projection_test_snapshot_count(avow_ledger *ledger, size_t *out)
{
    MDB_txn *txn = NULL;
    MDB_stat st;
    MDB_val v;
    int error, rc;
    if ((error = store_read_begin(ledger, &txn)) < 0) {
        return error;
    }
    if ((rc = mdb_stat(txn, store_dbi(ledger, STORE_DB_SNAPSHOTS), &st)) != 0) {
        error = store_mdb_error(ledger, rc, "snapshots");
    } else {
        *out = (size_t)st.ms_entries;
        if (store_get(ledger, txn, STORE_DB_SNAPSHOTS, gen_key, sizeof(gen_key), &v) == 0) {
            (*out)--;
        }
    }
    mdb_txn_abort(txn);
    return error;
}

/* ---- state -------------------------------------------------------------- */

struct replay {
    struct acc *acc;
    int snapshots; /* keep snapshots (K = +infinity) */
    int mode;
    size_t count;
    struct pending *pd;
};

static int
replay_visit(struct scan *s, const struct entry *e, void *ctx)
{
    struct replay *r = ctx;
    int error;
    if (e->skip == ENTRY_COUNTS && (error = acc_apply(r->acc, &e->ev, e->id)) < 0) {
        return error;
    }
    r->count++;
    if (r->snapshots && !r->pd->full && r->count % snapshot_interval == 0) {
        unsigned char k[SNAP_KEY_MAX];
        size_t plen = snap_prefix(k, s->prefix, s->prefix_len, r->mode);
        memcpy(k + plen, e->key + s->prefix_len, POS_BYTES);
        struct wr w = { &r->pd->buf, 0 };
        size_t start = r->pd->buf.len;
        wr_str(&w, k, plen + POS_BYTES);
        size_t lenpos = r->pd->buf.len;
        wr_u32(&w, 0);
        if (w.error == 0) {
            w.error = acc_serialize(r->acc, &r->pd->buf);
        }
        if (w.error < 0) {
            return w.error;
        }
        size_t vlen = r->pd->buf.len - lenpos - 4;
        unsigned char *lp = r->pd->buf.ptr + lenpos;
        lp[0] = (unsigned char)(vlen >> 24);
        lp[1] = (unsigned char)(vlen >> 16);
        lp[2] = (unsigned char)(vlen >> 8);
        lp[3] = (unsigned char)vlen;
        if (r->pd->buf.len > SNAPSHOT_PENDING_MAX) {
            r->pd->buf.len = start;
            r->pd->full = 1;
        } else {
            r->pd->count++;
        }
    }
    return 0;
}

struct outside_ent {
    const char *actor;
    uint8_t stance;
};

struct state_cand {
    const char *name;
    uint32_t name_id;
    int running;
    size_t support_count;
    int met;
    const char **lists[AVOW_LIST_COUNT];
    size_t nlists[AVOW_LIST_COUNT];
    uint8_t *outside_stance;
};

struct avow_state {
    char *contest;
    int64_t at, known_at;
    char *rule, *title;
    size_t needed;
    char **names;
    size_t nnames;
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
    free(st->members);
    free(st->contest);
    free(st->rule);
    free(st->title);
    free(st->decision);
    free(st);
}

static char *
dup_n(const void *p, size_t n)
{
    char *s = malloc(n + 1);
    if (s != NULL) {
        if (n > 0) {
            memcpy(s, p, n);
        }
        s[n] = '\0';
    }
    return s;
}

static int
cmp_str(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static int
cmp_outside(const void *a, const void *b)
{
    return strcmp(((const struct outside_ent *)a)->actor, ((const struct outside_ent *)b)->actor);
}

static int
cmp_cand(const void *a, const void *b)
{
    return strcmp(((const struct state_cand *)a)->name, ((const struct state_cand *)b)->name);
}

static size_t
rule_needed(const char *rule, size_t n)
{
    if (rule == NULL) {
        return 0;
    }
    if (strcmp(rule, "unanimity") == 0) {
        return n;
    }
    if (strcmp(rule, "majority") == 0) {
        return n / 2 + 1;
    }
    char *end = NULL;
    unsigned long long p = strtoull(rule, &end, 10);
    if (end != NULL && *end == '/') {
        unsigned long long q = strtoull(end + 1, NULL, 10);
        if (q == 0) {
            return 0;
        }
        return (size_t)((p * (unsigned long long)n + q - 1) / q);
    }
    return (size_t)p;
}

static json_t *
json_strlist(const char *const *list, size_t n)
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

/* The canonical object (docs/PROJECTIONS.md), without the digest. */
static json_t *
state_json(const avow_state *st)
{
    char t[AVOW_TIME_STRLEN];
    static const char *const list_keys[4] = { "supports", "opposes", "undecided", "disputed" };
    json_t *o = json_object(), *cands = json_array();
    int bad = o == NULL || cands == NULL;

    bad |= json_object_set_new(o, "contest", json_string(st->contest)) != 0;
    bad |= jsonutil_set_time(o, "at", st->at) != 0;
    if (st->known_at == AVOW_TIME_MAX) {
        bad |= json_object_set_new(o, "known_at", json_null()) != 0;
    } else {
        bad |= jsonutil_set_time(o, "known_at", st->known_at) != 0;
    }
    bad |= json_object_set_new(o, "rule", st->rule ? json_string(st->rule) : json_null()) != 0;
    bad |= json_object_set_new(o, "members", json_strlist(st->members, st->nmembers)) != 0;
    for (size_t i = 0; !bad && i < st->ncands; i++) {
        const struct state_cand *c = &st->cands[i];
        json_t *co = json_object(), *out = json_array();
        bad |= co == NULL || out == NULL;
        bad |= json_object_set_new(co, "name", json_string(c->name)) != 0;
        bad |=
          json_object_set_new(co, "status", json_string(c->running ? "running" : "withdrawn")) != 0;
        for (int l = 0; l < 4; l++) {
            bad |=
              json_object_set_new(co, list_keys[l], json_strlist(c->lists[l], c->nlists[l])) != 0;
        }
        for (size_t j = 0; !bad && j < c->nlists[AVOW_LIST_OUTSIDE]; j++) {
            json_t *e = json_object();
            uint8_t s = c->outside_stance[j];
            bad |=
              json_object_set_new(e, "actor", json_string(c->lists[AVOW_LIST_OUTSIDE][j])) != 0;
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
        bad |= json_array_append_new(cands, co) != 0;
    }
    bad |= json_object_set_new(o, "candidates", cands) != 0;
    if (st->has_decision) {
        json_t *d = json_object();
        char hex[AVOW_HEX_ID_LEN + 1];
        avow_time_format(t, st->decision_at, AVOW_PREC_MICRO);
        avow_hex(hex, st->decision_id, AVOW_EVENT_ID_BYTES);
        bad |= json_object_set_new(d, "candidate", json_string(st->decision)) != 0;
        bad |= json_object_set_new(d, "at", json_string(t)) != 0;
        bad |= json_object_set_new(d, "id", json_string(hex)) != 0;
        bad |= json_object_set_new(o, "decision", d) != 0;
    } else {
        bad |= json_object_set_new(o, "decision", json_null()) != 0;
    }
    if (bad) {
        json_decref(o);
        return NULL;
    }
    return o;
}

static int
list_push(struct state_cand *c, int list, const char *actor, size_t cap)
{
    if (c->lists[list] == NULL) {
        c->lists[list] = malloc((cap == 0 ? 1 : cap) * sizeof(const char *));
        if (c->lists[list] == NULL) {
            return avow_error_set(AVOW_ENOMEM, "out of memory building a state");
        }
    }
    c->lists[list][c->nlists[list]++] = actor;
    return 0;
}

/* Turn an accumulator into the sorted, immutable result. */
static int
state_build(avow_state **out, const struct acc *a, const char *contest, int64_t at,
            int64_t known_at)
{
    avow_state *st = calloc(1, sizeof(*st));
    int32_t *cand_of = NULL; /* name id -> index in st->cands, -1 */
    uint8_t *seen = NULL;    /* per candidate x name: the member has a stance */
    struct outside_ent *outs = NULL;
    size_t len;
    int error = 0;

    if (st == NULL) {
        return avow_error_set(AVOW_ENOMEM, "out of memory building a state");
    }
    st->at = at;
    st->known_at = known_at;
    if ((st->contest = dup_n(contest, strlen(contest))) == NULL) {
        goto nomem;
    }
    if (a->has_contest) {
        if ((st->rule = dup_n(a->rule, a->rule_len)) == NULL ||
            (st->title = dup_n(a->title, a->title_len)) == NULL) {
            goto nomem;
        }
    }
    size_t n = a->names.n;
    if (n > 0 && ((st->names = calloc(n, sizeof(char *))) == NULL ||
                  (st->members = calloc(n, sizeof(char *))) == NULL ||
                  (st->cands = calloc(n, sizeof(*st->cands))) == NULL ||
                  (cand_of = malloc(n * sizeof(*cand_of))) == NULL)) {
        goto nomem;
    }
    for (uint32_t i = 0; i < n; i++) {
        const unsigned char *k = keyset_key(&a->names, i, &len);
        if ((st->names[i] = dup_n(k, len)) == NULL) {
            goto nomem;
        }
        st->nnames++;
        cand_of[i] = -1;
        if (a->member[i] == MEMBER_IN) {
            st->members[st->nmembers++] = st->names[i];
        }
        if (a->cand[i] != 0) {
            struct state_cand *c = &st->cands[st->ncands];
            c->name = st->names[i];
            c->name_id = i;
            c->running = a->cand[i] == CAND_RUN;
            cand_of[i] = (int32_t)st->ncands++;
        }
    }
    st->needed = rule_needed(st->rule, st->nmembers);
    if (st->ncands > 0 && (seen = calloc(st->ncands, n)) == NULL) {
        goto nomem;
    }
    /* Pairs to lists; each list holds at most one entry per name. A pair names
     * an actor and a candidate, so pairs exist only when names do. */
    assert(a->pairkeys.n == 0 || cand_of != NULL);
    for (size_t i = 0; i < a->pairkeys.n; i++) {
        const struct pair *p = &a->pairs[i];
        if (cand_of[p->cand] < 0) {
            continue;
        }
        struct state_cand *c = &st->cands[cand_of[p->cand]];
        const char *actor = st->names[p->actor];
        int disputed = pair_disputed(p);
        if (a->member[p->actor] == MEMBER_IN) {
            int list = disputed                            ? AVOW_LIST_DISPUTED
                       : p->stance == AVOW_STANCE_SUPPORTS ? AVOW_LIST_SUPPORTS
                       : p->stance == AVOW_STANCE_OPPOSES  ? AVOW_LIST_OPPOSES
                                                           : AVOW_LIST_UNDECIDED;
            seen[(size_t)cand_of[p->cand] * n + p->actor] = 1;
            if ((error = list_push(c, list, actor, n)) < 0) {
                goto done;
            }
        } else {
            if (c->outside_stance == NULL && (c->outside_stance = malloc(n == 0 ? 1 : n)) == NULL) {
                goto nomem;
            }
            c->outside_stance[c->nlists[AVOW_LIST_OUTSIDE]] =
              disputed ? AVOW_STANCE_NONE : p->stance;
            if ((error = list_push(c, AVOW_LIST_OUTSIDE, actor, n)) < 0) {
                goto done;
            }
        }
    }
    if (st->nmembers > 1) {
        qsort(st->members, st->nmembers, sizeof(char *), cmp_str);
    }
    if (n > 0 && (outs = malloc(n * sizeof(*outs))) == NULL) {
        goto nomem;
    }
    for (size_t ci = 0; ci < st->ncands; ci++) {
        struct state_cand *c = &st->cands[ci];
        for (size_t m = 0; m < st->nmembers; m++) {
            /* members[] is sorted: NO_STANCE comes out sorted too. */
            uint32_t mid;
            keyset_find(&a->names, st->members[m], strlen(st->members[m]), &mid);
            if (!seen[ci * n + mid] &&
                (error = list_push(c, AVOW_LIST_NO_STANCE, st->members[m], n)) < 0) {
                goto done;
            }
        }
        for (int l = 0; l < AVOW_LIST_OUTSIDE; l++) {
            if (c->nlists[l] > 1) {
                qsort(c->lists[l], c->nlists[l], sizeof(char *), cmp_str);
            }
        }
        size_t no = c->nlists[AVOW_LIST_OUTSIDE];
        for (size_t j = 0; j < no; j++) {
            outs[j].actor = c->lists[AVOW_LIST_OUTSIDE][j];
            outs[j].stance = c->outside_stance[j];
        }
        if (no > 1) {
            qsort(outs, no, sizeof(*outs), cmp_outside);
        }
        for (size_t j = 0; j < no; j++) {
            c->lists[AVOW_LIST_OUTSIDE][j] = outs[j].actor;
            c->outside_stance[j] = outs[j].stance;
        }
        c->support_count = c->nlists[AVOW_LIST_SUPPORTS];
        c->met = c->running && st->needed > 0 && c->support_count >= st->needed;
    }
    if (st->ncands > 1) {
        qsort(st->cands, st->ncands, sizeof(*st->cands), cmp_cand);
    }
    if (a->has_decision) {
        st->has_decision = 1;
        st->decision_at = a->decision_eff;
        memcpy(st->decision_id, a->decision_id, AVOW_EVENT_ID_BYTES);
        if ((st->decision = dup_n(a->decision, a->decision_len)) == NULL) {
            goto nomem;
        }
    }
    /* The digest over the canonical form (docs/PROJECTIONS.md). */
    json_t *doc = state_json(st);
    char *text = doc == NULL ? NULL : json_dumps(doc, JSON_COMPACT | JSON_PRESERVE_ORDER);
    json_decref(doc);
    if (text == NULL) {
        goto nomem;
    }
    unsigned char h[AVOW_HASH_BYTES];
    crypto_hash_sha256(h, (const unsigned char *)text, strlen(text));
    free(text);
    avow_hex(st->digest, h, sizeof(h));
    *out = st;
    st = NULL;
    goto done;
nomem:
    error = avow_error_set(AVOW_ENOMEM, "out of memory building a state");
done:
    free(cand_of);
    free(seen);
    free(outs);
    avow_state_free(st);
    return error;
}

int
avow_state_compute(avow_state **out, avow_ledger *ledger, const char *contest,
                   const avow_state_opts *opts)
{
    avow_state_opts o = AVOW_STATE_OPTS_INIT;
    struct scan s;
    struct acc a;
    struct pending pd;
    struct replay r;
    unsigned char after[STORE_BYTIME_KEY_MAX];
    size_t afterlen = 0;
    int error, have = 0;

    memset(&s, 0, sizeof(s));
    memset(&a, 0, sizeof(a));
    memset(&pd, 0, sizeof(pd));
    if (out == NULL) {
        return avow_error_set(AVOW_EINVALID, "avow_state_compute: missing argument");
    }
    *out = NULL;
    if (opts != NULL) {
        if (opts->version != AVOW_STATE_OPTS_VERSION) {
            return avow_error_set(AVOW_EINVALID, "avow_state_opts version %u unknown",
                                  opts->version);
        }
        o = *opts;
    }
    int64_t at = o.at == AVOW_TIME_MAX ? avow_time_now() : o.at;
    if ((error = scan_open(&s, ledger, contest, at, o.known_at, o.all_authors != 0)) < 0) {
        goto done;
    }
    r.acc = &a;
    r.snapshots = o.known_at == AVOW_TIME_MAX;
    r.mode = o.all_authors ? MODE_ALL : MODE_TRUSTED;
    r.count = 0;
    r.pd = &pd;
    if (r.snapshots) {
        if ((error = snapshot_load(&s, &a, r.mode, after, &afterlen)) < 0) {
            goto done;
        }
        have = error == 1;
        if ((error = events_count(ledger, s.txn, &pd.events)) < 0 ||
            (error = snapshot_gen(ledger, s.txn, &pd.gen)) < 0) {
            goto done;
        }
    }
    if ((error = scan_run(&s, have ? after : NULL, afterlen, replay_visit, &r)) < 0) {
        goto done;
    }
    scan_close(&s);
    if ((error = state_build(out, &a, contest, at, o.known_at)) < 0) {
        goto done;
    }
    if (pd.count > 0) {
        /* Best effort: a read-only ledger or a busy one simply keeps no snapshot. */
        (void)store_write(ledger, pending_write_txn, &pd);
        avow_error_clear();
    }
done:
    scan_close(&s);
    acc_free(&a);
    avow_buf_dispose(&pd.buf);
    return error;
}

int
avow_state_to_json(avow_buf *out, const avow_state *st)
{
    if (out == NULL || st == NULL) {
        return avow_error_set(AVOW_EINVALID, "avow_state_to_json: missing argument");
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
avow_state_decision(const avow_state *st, const char **candidate, int64_t *at,
                    unsigned char id[AVOW_EVENT_ID_BYTES])
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

/* ---- history ------------------------------------------------------------ */

struct history {
    const char *actor, *candidate;
    avow_change_cb cb;
    void *payload;
};

static int
str_eq(avow_str s, const char *z)
{
    size_t n = strlen(z);
    return s.ptr != NULL && s.len == n && memcmp(s.ptr, z, n) == 0;
}

static int
history_visit(struct scan *s, const struct entry *e, void *ctx)
{
    struct history *h = ctx;
    avow_change ch;
    avow_event rev;
    MDB_val raw;
    int error;
    if (e->skip != ENTRY_COUNTS && e->skip != ENTRY_RETRACTED) {
        return 0;
    }
    if ((h->actor != NULL && !str_eq(e->ev.actor, h->actor)) ||
        (h->candidate != NULL && !str_eq(e->ev.candidate, h->candidate))) {
        return 0;
    }
    memset(&ch, 0, sizeof(ch));
    ch.event = &e->ev;
    ch.id = e->id;
    ch.index = e->index;
    if (e->retracted != NULL) {
        error = store_get_by_id(s->ledger, s->txn, e->retracted->rid, &raw, NULL);
        if (error == 0 && avow_event_decode(&rev, raw.mv_data, raw.mv_size) == 0) {
            ch.retraction = &rev;
            ch.retraction_id = e->retracted->rid;
        } else if (error < 0 && error != AVOW_ENOTFOUND) {
            return error;
        }
    }
    return h->cb(&ch, h->payload);
}

int
avow_history(avow_ledger *ledger, const char *contest, const avow_history_opts *opts,
             avow_change_cb cb, void *payload)
{
    struct scan s;
    struct history h = { NULL, NULL, cb, payload };
    int all = 0, error;
    if (cb == NULL) {
        return avow_error_set(AVOW_EINVALID, "avow_history: missing callback");
    }
    if (opts != NULL) {
        if (opts->version != AVOW_HISTORY_OPTS_VERSION) {
            return avow_error_set(AVOW_EINVALID, "avow_history_opts version %u unknown",
                                  opts->version);
        }
        h.actor = opts->actor;
        h.candidate = opts->candidate;
        all = opts->all_authors != 0;
    }
    if ((error = scan_open(&s, ledger, contest, AVOW_TIME_MAX, AVOW_TIME_MAX, all)) == 0) {
        error = scan_run(&s, NULL, 0, history_visit, &h);
    }
    scan_close(&s);
    return error;
}

/* ---- explain ------------------------------------------------------------ */

struct items {
    avow_explain_item *v;
    size_t n, cap;
};

struct avow_explain {
    char *contest, *actor, *candidate;
    int64_t at, known_at;
    int is_member, disputed;
    uint8_t stance;
    struct items roles[AVOW_EXPLAIN_ROLE_COUNT];
    struct items all; /* every counting statement, in order (internal) */
};

static int
items_push(struct items *it, const unsigned char *id, uint64_t index, const void *raw,
           size_t raw_len)
{
    if (it->n == it->cap) {
        size_t cap = it->cap == 0 ? 4 : it->cap * 2;
        avow_explain_item *v = realloc(it->v, cap * sizeof(*v));
        if (v == NULL) {
            return avow_error_set(AVOW_ENOMEM, "out of memory explaining");
        }
        it->v = v;
        it->cap = cap;
    }
    unsigned char *copy = malloc(raw_len == 0 ? 1 : raw_len);
    if (copy == NULL) {
        return avow_error_set(AVOW_ENOMEM, "out of memory explaining");
    }
    memcpy(copy, raw, raw_len);
    avow_explain_item *x = &it->v[it->n++];
    memcpy(x->id, id, AVOW_EVENT_ID_BYTES);
    x->index = index;
    x->raw = copy;
    x->raw_len = raw_len;
    return 0;
}

static void
items_free(struct items *it)
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
        items_free(&ex->roles[r]);
    }
    items_free(&ex->all);
    free(ex->contest);
    free(ex->actor);
    free(ex->candidate);
    free(ex);
}

static int
explain_visit(struct scan *s, const struct entry *e, void *ctx)
{
    avow_explain *ex = ctx;
    const avow_event *ev = &e->ev;
    MDB_val raw;
    int error;
    if (e->skip == ENTRY_RETRACTION || e->skip == ENTRY_UNTRUSTED) {
        return 0;
    }
    if (!str_eq(ev->actor, ex->actor)) {
        return 0;
    }
    if (ev->kind == AVOW_KIND_MEMBER_JOIN || ev->kind == AVOW_KIND_MEMBER_LEAVE) {
        if (e->skip == ENTRY_COUNTS) {
            ex->is_member = ev->kind == AVOW_KIND_MEMBER_JOIN;
        }
        return 0;
    }
    if (ev->kind != AVOW_KIND_STANCE || !str_eq(ev->candidate, ex->candidate)) {
        return 0;
    }
    if (e->skip == ENTRY_RETRACTED) {
        if ((error = items_push(&ex->roles[AVOW_EXPLAIN_RETRACTED], e->id, e->index, ev->raw,
                                ev->raw_len)) < 0) {
            return error;
        }
        uint64_t rindex = 0;
        if ((error = store_get_by_id(s->ledger, s->txn, e->retracted->rid, &raw, &rindex)) < 0) {
            return error;
        }
        return items_push(&ex->roles[AVOW_EXPLAIN_RETRACTION], e->retracted->rid, rindex,
                          raw.mv_data, raw.mv_size);
    }
    return items_push(&ex->all, e->id, e->index, ev->raw, ev->raw_len);
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
        return avow_error_set(AVOW_EFORMAT, "a stored event does not decode (run avow verify)");
    }
    ex->stance = d.stance;
    if ((error = items_push(&ex->roles[AVOW_EXPLAIN_DECIDING], dec->id, dec->index, dec->raw,
                            dec->raw_len)) < 0) {
        return error;
    }
    for (size_t i = 0; i + 1 < ex->all.n; i++) {
        const avow_explain_item *it = &ex->all.v[i];
        if ((error = items_push(&ex->roles[AVOW_EXPLAIN_OVERRIDDEN], it->id, it->index, it->raw,
                                it->raw_len)) < 0) {
            return error;
        }
    }
    /* Each author's latest statement at the deciding effective_at: walk backwards. */
    size_t nsides = 0;
    size_t *sides = malloc(ex->all.n * sizeof(*sides));
    if (sides == NULL) {
        return avow_error_set(AVOW_ENOMEM, "out of memory explaining");
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
        if ((error = items_push(&ex->roles[AVOW_EXPLAIN_DISPUTE], it->id, it->index, it->raw,
                                it->raw_len)) < 0) {
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
    struct scan s;
    int error;

    memset(&s, 0, sizeof(s));
    if (out == NULL || actor == NULL || candidate == NULL) {
        return avow_error_set(AVOW_EINVALID, "avow_explain_compute: missing argument");
    }
    *out = NULL;
    if (opts != NULL) {
        if (opts->version != AVOW_STATE_OPTS_VERSION) {
            return avow_error_set(AVOW_EINVALID, "avow_state_opts version %u unknown",
                                  opts->version);
        }
        o = *opts;
    }
    if ((ex = calloc(1, sizeof(*ex))) == NULL) {
        return avow_error_set(AVOW_ENOMEM, "out of memory explaining");
    }
    ex->at = o.at == AVOW_TIME_MAX ? avow_time_now() : o.at;
    ex->known_at = o.known_at;
    if ((ex->contest =
           dup_n(contest == NULL ? "" : contest, contest == NULL ? 0 : strlen(contest))) == NULL ||
        (ex->actor = dup_n(actor, strlen(actor))) == NULL ||
        (ex->candidate = dup_n(candidate, strlen(candidate))) == NULL) {
        error = avow_error_set(AVOW_ENOMEM, "out of memory explaining");
        goto done;
    }
    if ((error = scan_open(&s, ledger, contest, ex->at, o.known_at, o.all_authors != 0)) < 0) {
        goto done;
    }
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
        return avow_error_set(AVOW_EINVALID, "avow_explain_to_json: missing argument");
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
    if (bad) {
        json_decref(o);
        o = NULL;
    }
    return jsonutil_finish(out, o);
}

/* ---- the snapshot and retraction tables (ledger/table.h) ---------------- */

static int
projection_table_append(store_w *w, const store_appended *a)
{
    return projection_on_append(w, a->index, a->ev, a->id, &a->contest);
}

const store_table projection_table = {
    "snapshots", projection_table_append, NULL, NULL, NULL, NULL,
};
