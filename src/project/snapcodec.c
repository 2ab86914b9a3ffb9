/* SPDX-License-Identifier: ISC */
/*
 * snapcodec.c - the binary form of a folded accumulator (a projection
 * snapshot's value): names, authors and pairs in id order, big-endian.
 *
 *   format(u8) || has_contest(u8) || str title || str rule
 *   || u32 n || n x (str name || member(u8) || cand(u8))
 *   || u32 n || n x author(32)
 *   || u32 n || n x (u32 actor || u32 cand || u64 eff || stance(u8)
 *                    || u32 nsides || nsides x (u32 author || stance(u8)))
 *   || has_decision(u8) || str decision || u64 decision_eff || decision id(32)
 *   || v2(u8) || choice(u8) || u64 takes_effect || takes_effect precision(u8)
 *   || names x u32 support_of
 *   || u32 n || n x (u32 actor || u32 cand || stance(u8) || u64 eff || id(32))
 *   || names x u32 label_of
 *   where str = u32 len || bytes; the three lines before the last since
 *   format 3, the last since format 4.
 *
 * Invariants (tests/unit/test_projection.c):
 *  1. snapcodec_read(snapcodec_write(a)) folds on exactly as a does: ids come
 *     back in the same order, so pairs and sides refer to the same names.
 *  2. The reader trusts nothing: every length and id is bounded, and bytes
 *     it cannot read (another format, a torn value) make it answer 1, so
 *     that the caller replays instead.
 *  3. The format byte changes whenever the meaning of a snapshot does. It is
 *     2 since snapshots became stale by the ledger's generation (format 1
 *     snapshots were dropped by each trust change instead; a binary of that
 *     time ignores format 2 snapshots and replays, so it never reads one
 *     that a newer binary left stale), 3 since events of format v2 (choice,
 *     support_of, open intervals, takes_effect), 4 since actor names.
 */
#include <string.h>

#include "project/snapcodec.h"

#define SNAPCODEC_FORMAT 4
struct snapcodec_wr {
    avow_buf *b;
    int error;
};

static void
wr_bytes(struct snapcodec_wr *w, const void *p, size_t n)
{
    if (w->error == 0 && n > 0) {
        w->error = buf_put(w->b, p, n);
    }
}

static void
wr_u8(struct snapcodec_wr *w, uint8_t v)
{
    wr_bytes(w, &v, 1);
}

static void
wr_u32(struct snapcodec_wr *w, uint32_t v)
{
    unsigned char b[4] = { (unsigned char)(v >> 24), (unsigned char)(v >> 16),
                           (unsigned char)(v >> 8), (unsigned char)v };
    wr_bytes(w, b, 4);
}

static void
wr_u64(struct snapcodec_wr *w, uint64_t v)
{
    unsigned char b[8];
    be64_put(b, v);
    wr_bytes(w, b, 8);
}

static void
wr_str(struct snapcodec_wr *w, const void *p, size_t n)
{
    wr_u32(w, (uint32_t)n);
    wr_bytes(w, p, n);
}

struct snapcodec_rd {
    const unsigned char *p;
    size_t left;
    int bad;
};

static const unsigned char *
rd_bytes(struct snapcodec_rd *r, size_t n)
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
rd_u8(struct snapcodec_rd *r)
{
    const unsigned char *p = rd_bytes(r, 1);
    return p == NULL ? 0 : p[0];
}

static uint32_t
rd_u32(struct snapcodec_rd *r)
{
    const unsigned char *p = rd_bytes(r, 4);
    return p == NULL ? 0
                     : ((uint32_t)p[0] << 24) | ((uint32_t)p[1] << 16) | ((uint32_t)p[2] << 8) |
                         (uint32_t)p[3];
}

static uint64_t
rd_u64(struct snapcodec_rd *r)
{
    const unsigned char *p = rd_bytes(r, 8);
    return p == NULL ? 0 : be64_get(p);
}

int
snapcodec_write(avow_buf *out, const fold_acc *a)
{
    struct snapcodec_wr w = { out, 0 };
    size_t len;
    wr_u8(&w, SNAPCODEC_FORMAT);
    wr_u8(&w, (uint8_t)a->has_contest);
    wr_str(&w, a->title, a->title_len);
    wr_str(&w, a->rule, a->rule_len);
    wr_u32(&w, (uint32_t)a->names.n);
    for (uint32_t i = 0; i < a->names.n; i++) {
        const unsigned char *k = hashset_key(&a->names, i, &len);
        wr_str(&w, k, len);
        wr_u8(&w, a->member[i]);
        wr_u8(&w, a->cand[i]);
    }
    wr_u32(&w, (uint32_t)a->authors.n);
    for (uint32_t i = 0; i < a->authors.n; i++) {
        wr_bytes(&w, hashset_key(&a->authors, i, &len), AVOW_PUBKEY_BYTES);
    }
    wr_u32(&w, (uint32_t)a->pairkeys.n);
    for (size_t i = 0; i < a->pairkeys.n; i++) {
        const fold_pair *p = &a->pairs[i];
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
    wr_u8(&w, (uint8_t)a->v2);
    wr_u8(&w, a->choice);
    wr_u64(&w, (uint64_t)a->decision_takes_effect);
    wr_u8(&w, a->decision_takes_effect_precision);
    for (uint32_t i = 0; i < a->names.n; i++) {
        wr_u32(&w, a->support_of[i]);
    }
    wr_u32(&w, (uint32_t)a->nopens);
    for (size_t i = 0; i < a->nopens; i++) {
        const fold_open *o = &a->opens[i];
        wr_u32(&w, o->actor);
        wr_u32(&w, o->cand);
        wr_u8(&w, o->stance);
        wr_u64(&w, (uint64_t)o->eff);
        wr_bytes(&w, o->id, AVOW_EVENT_ID_BYTES);
    }
    for (uint32_t i = 0; i < a->names.n; i++) {
        wr_u32(&w, a->label_of[i]);
    }
    return w.error;
}

/* The part of formats 3 and 4 (format v2 events, actor names). */
static int
snapcodec_read_v2(fold_acc *a, struct snapcodec_rd *r)
{
    const unsigned char *k;
    int error;
    a->v2 = rd_u8(r) != 0;
    a->choice = rd_u8(r);
    a->decision_takes_effect = (int64_t)rd_u64(r);
    a->decision_takes_effect_precision = rd_u8(r);
    for (uint32_t i = 0; i < a->names.n && !r->bad; i++) {
        uint32_t so = rd_u32(r);
        if (so != FOLD_NO_NAME && so >= a->names.n) {
            return 1;
        }
        a->support_of[i] = so;
    }
    uint32_t count = rd_u32(r);
    if (r->bad || count > r->left / (4 + 4 + 1 + 8 + AVOW_EVENT_ID_BYTES)) {
        return 1;
    }
    for (uint32_t i = 0; i < count; i++) {
        fold_open o;
        o.actor = rd_u32(r);
        o.cand = rd_u32(r);
        o.stance = rd_u8(r);
        o.eff = (int64_t)rd_u64(r);
        if ((k = rd_bytes(r, AVOW_EVENT_ID_BYTES)) == NULL || o.actor >= a->names.n ||
            o.cand >= a->names.n) {
            return 1;
        }
        memcpy(o.id, k, AVOW_EVENT_ID_BYTES);
        if ((error = fold_open_add(a, &o)) < 0) {
            return error;
        }
    }
    for (uint32_t i = 0; i < a->names.n && !r->bad; i++) {
        uint32_t lo = rd_u32(r);
        if (lo != FOLD_NO_NAME && lo >= a->names.n) {
            return 1;
        }
        a->label_of[i] = lo;
    }
    return r->bad || r->left != 0 ? 1 : 0;
}

int
snapcodec_read(fold_acc *a, const unsigned char *p, size_t n)
{
    struct snapcodec_rd r = { p, n, 0 };
    const unsigned char *k;
    uint32_t id, count, len;
    int error;

    if (rd_u8(&r) != SNAPCODEC_FORMAT) {
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
        if ((error = fold_name(a, k, len, &id)) < 0) {
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
        if ((error = hashset_intern(&a->authors, k, AVOW_PUBKEY_BYTES, &id, NULL)) < 0) {
            return error;
        }
        if (id != i) {
            return 1;
        }
    }
    count = rd_u32(&r);
    for (uint32_t i = 0; i < count && !r.bad; i++) {
        fold_pair *pp;
        uint32_t actor = rd_u32(&r), cand = rd_u32(&r);
        if (r.bad || actor >= a->names.n || cand >= a->names.n) {
            return 1;
        }
        if ((error = fold_pair_get(a, actor, cand, &pp)) < 0) {
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
            if ((error = fold_pair_set_side(pp, au, st)) < 0) {
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
    if ((k = rd_bytes(&r, AVOW_EVENT_ID_BYTES)) == NULL) {
        return 1;
    }
    memcpy(a->decision_id, k, AVOW_EVENT_ID_BYTES);
    return snapcodec_read_v2(a, &r);
}
