/* SPDX-License-Identifier: ISC */
/*
 * trust.c - the local keyring: which authors' events count in projections.
 *
 * An event (author, seq) counts when the author is trusted and seq is within
 * the author's limit:
 *  - trusted: the ledger owner (meta "owner"), a key added with `trust add`,
 *    or the successor named by a key-succession event of a key whose events
 *    count at that event's seq (followed at most TRUST_SUCCESSION_DEPTH deep);
 *  - limit: `trust revoke --after-seq N` keeps seq <= N; fork evidence at seq
 *    F keeps seq < F until `trust resolve` keeps the chain's event at F.
 *
 * Invariants (tests/unit/test_trust.c):
 *  1. Trust settings are local: they live in the "trust" database, are never
 *     replicated, and are not events.
 *  2. Every change of them bumps the ledger's generation in the same write
 *     transaction (store_w_bump_generation()): caches derived from
 *     projections (the snapshots) bake them in and are stale from then on.
 *     Successions named by events are recorded by src/derived/successions.c,
 *     which bumps it too.
 *  3. Revocation and forks only cut an author's chain from a seq on: what a
 *     key signed before stays counted (the chain fixes the order).
 *  4. A view is a copy: it stays valid after its transaction ends.
 */
#include <inttypes.h>
#include <stddef.h>
#include <stdlib.h>

#include <sodium.h>

#include "event/codec.h"
#include "project/trust.h"
#include "util/grow.h"

#define TRUST_SUCCESSION_DEPTH 16
#define TRUST_KEY_REC_MIN      (1 + 8)

struct trust_author {
    unsigned char key[AVOW_PUBKEY_BYTES];
    unsigned int flags; /* AVOW_TRUST_* */
    uint64_t revoked_after;
    uint64_t fork_cut; /* lowest unresolved fork seq, UINT64_MAX when none */
    uint64_t fork_seq; /* lowest fork seq, 0 when none */
    uint64_t limit;    /* events with seq <= limit count */
    int has_pred;
    unsigned char pred[AVOW_PUBKEY_BYTES];
    uint64_t pred_seq;
    uint64_t head_seq;
    char name[AVOW_TRUST_NAME_MAX + 1];
};

struct trust_view {
    struct trust_author *v; /* sorted by key */
    size_t n;
    size_t cap;
};

struct avow_trust {
    trust_view *view;
};

_Static_assert(offsetof(struct trust_author, key) == 0, "key_search() keys come first");

static struct trust_author *
tv_find(const trust_view *view, const unsigned char *key, size_t *pos)
{
    return key_search(view->v, view->n, sizeof(view->v[0]), key, pos);
}

static int
tv_get(trust_view *view, const unsigned char *key, struct trust_author **out)
{
    size_t pos = 0;
    struct trust_author *a = tv_find(view, key, &pos);
    if (a == NULL) {
        int error = grow_array(&view->v, &view->cap, view->n + 1, sizeof(*view->v), 16);
        if (error < 0) {
            return error;
        }
        memmove(&view->v[pos + 1], &view->v[pos], (view->n - pos) * sizeof(*a));
        view->n++;
        a = &view->v[pos];
        memset(a, 0, sizeof(*a));
        memcpy(a->key, key, AVOW_PUBKEY_BYTES);
        a->fork_cut = UINT64_MAX;
    }
    *out = a;
    return 0;
}

/* Walk one database, calling fn on each record. */
typedef int (*trust_walk_fn)(trust_view *view, const store_val *k, const store_val *v,
                             store_txn *txn, const avow_ledger *ledger);

static int
trust_walk(trust_view *view, store_txn *txn, const avow_ledger *ledger, enum store_db db,
           trust_walk_fn fn)
{
    store_cursor *cur = NULL;
    store_val k, v;
    int error;
    if ((error = store_cursor_open(&cur, ledger, txn, db)) < 0) {
        return error;
    }
    for (enum store_op op = STORE_FIRST;; op = STORE_NEXT) {
        if ((error = store_cursor_get(cur, &k, &v, op)) < 0) {
            error = error == AVOW_ENOTFOUND ? 0 : error;
            break;
        }
        if ((error = fn(view, &k, &v, txn, ledger)) < 0) {
            break;
        }
    }
    store_cursor_close(cur);
    return error;
}

static int
walk_trust(trust_view *view, const store_val *k, const store_val *v, store_txn *txn,
           const avow_ledger *ledger)
{
    const unsigned char *p = k->ptr;
    const unsigned char *q = v->ptr;
    struct trust_author *a = NULL;
    int error;
    (void)txn;
    (void)ledger;
    if (k->len == 1 + AVOW_PUBKEY_BYTES && p[0] == TRUST_TAG_KEY && v->len >= TRUST_KEY_REC_MIN &&
        v->len <= TRUST_KEY_REC_MIN + AVOW_TRUST_NAME_MAX) {
        if ((error = tv_get(view, p + 1, &a)) < 0) {
            return error;
        }
        if (q[0] & TRUST_F_LISTED) {
            a->flags |= AVOW_TRUST_LISTED;
        }
        if (q[0] & TRUST_F_REVOKED) {
            a->flags |= AVOW_TRUST_REVOKED;
            a->revoked_after = be64_get(q + 1);
        }
        memcpy(a->name, q + TRUST_KEY_REC_MIN, v->len - TRUST_KEY_REC_MIN);
        a->name[v->len - TRUST_KEY_REC_MIN] = '\0';
    } else if (k->len == 1 + AVOW_PUBKEY_BYTES && p[0] == TRUST_TAG_SUCCESSOR &&
               v->len == AVOW_PUBKEY_BYTES + 8) {
        if ((error = tv_get(view, p + 1, &a)) < 0) {
            return error;
        }
        a->has_pred = 1;
        memcpy(a->pred, q, AVOW_PUBKEY_BYTES);
        a->pred_seq = be64_get(q + AVOW_PUBKEY_BYTES);
    }
    return 0;
}

/* Fork evidence: author || seq || id -> raw. */
static int
walk_forks(trust_view *view, const store_val *k, const store_val *v, store_txn *txn,
           const avow_ledger *ledger)
{
    const unsigned char *p = k->ptr;
    unsigned char rk[1 + AVOW_PUBKEY_BYTES + 8];
    struct trust_author *a = NULL;
    store_val r;
    int error;
    (void)v;
    if (k->len != AVOW_PUBKEY_BYTES + 8 + AVOW_EVENT_ID_BYTES) {
        return 0;
    }
    uint64_t seq = be64_get(p + AVOW_PUBKEY_BYTES);
    if ((error = tv_get(view, p, &a)) < 0) {
        return error;
    }
    a->flags |= AVOW_TRUST_FORKED;
    if (a->fork_seq == 0 || seq < a->fork_seq) {
        a->fork_seq = seq;
    }
    rk[0] = TRUST_TAG_RESOLVED;
    memcpy(rk + 1, p, AVOW_PUBKEY_BYTES + 8);
    error = store_val_get(&r, ledger, txn, STORE_DB_TRUST, rk, sizeof(rk));
    if (error == 0 && r.len == AVOW_EVENT_ID_BYTES + 1 && r.ptr[AVOW_EVENT_ID_BYTES] == 1) {
        return 0; /* resolved: the chain's event was kept */
    }
    if (error < 0 && error != AVOW_ENOTFOUND) {
        return error;
    }
    if (seq < a->fork_cut) {
        a->fork_cut = seq;
    }
    return 0;
}

static int
walk_heads(trust_view *view, const store_val *k, const store_val *v, store_txn *txn,
           const avow_ledger *ledger)
{
    struct trust_author *a = NULL;
    store_head h;
    int error;
    (void)txn;
    (void)ledger;
    if (store_head_decode(&h, k, v) < 0) {
        error_clear(); /* a malformed entry is avow verify's to report */
        return 0;
    }
    if ((error = tv_get(view, h.author, &a)) < 0) {
        return error;
    }
    a->head_seq = h.seq;
    return 0;
}

static uint64_t
own_limit(const struct trust_author *a)
{
    uint64_t limit = UINT64_MAX;
    if (a->flags & AVOW_TRUST_REVOKED) {
        limit = a->revoked_after;
    }
    if (a->fork_cut != UINT64_MAX && a->fork_cut - 1 < limit) {
        limit = a->fork_cut - 1;
    }
    return limit;
}

/* Fill every author's limit: base trust, then successions (monotone, bounded). */
static void
tv_compute(trust_view *view)
{
    for (size_t i = 0; i < view->n; i++) {
        struct trust_author *a = &view->v[i];
        int base = (a->flags & (AVOW_TRUST_OWNER | AVOW_TRUST_LISTED)) != 0;
        a->limit = base ? own_limit(a) : 0;
        if (a->fork_seq != 0 && a->fork_cut == UINT64_MAX) {
            a->flags |= AVOW_TRUST_RESOLVED;
        }
    }
    for (int round = 0; round < TRUST_SUCCESSION_DEPTH; round++) {
        int changed = 0;
        for (size_t i = 0; i < view->n; i++) {
            struct trust_author *a = &view->v[i];
            if (!a->has_pred || a->limit != 0) {
                continue;
            }
            const struct trust_author *pred = tv_find(view, a->pred, NULL);
            if (pred != NULL && pred->limit >= a->pred_seq) {
                a->flags |= AVOW_TRUST_SUCCESSOR;
                a->limit = own_limit(a);
                changed |= a->limit != 0;
            }
        }
        if (!changed) {
            break;
        }
    }
    for (size_t i = 0; i < view->n; i++) {
        if (view->v[i].limit > 0) {
            view->v[i].flags |= AVOW_TRUST_COUNTS;
        }
    }
}

static int
trust_view_load_heads(trust_view **out, store_txn *txn, const avow_ledger *ledger, int with_heads)
{
    trust_view *view = NULL;
    struct trust_author *a = NULL;
    store_val v;
    int error;

    *out = NULL;
    if ((view = calloc(1, sizeof(*view))) == NULL) {
        return error_set(AVOW_ENOMEM, "out of memory loading the keyring");
    }
    error = store_val_get(&v, ledger, txn, STORE_DB_META, "owner", 5);
    if (error == 0 && v.len == AVOW_PUBKEY_BYTES) {
        if ((error = tv_get(view, v.ptr, &a)) < 0) {
            goto done;
        }
        a->flags |= AVOW_TRUST_OWNER;
    } else if (error < 0 && error != AVOW_ENOTFOUND) {
        goto done;
    }
    if ((error = trust_walk(view, txn, ledger, STORE_DB_TRUST, walk_trust)) < 0 ||
        (error = trust_walk(view, txn, ledger, STORE_DB_FORKS, walk_forks)) < 0) {
        goto done;
    }
    if (with_heads && (error = trust_walk(view, txn, ledger, STORE_DB_HEADS, walk_heads)) < 0) {
        goto done;
    }
    tv_compute(view);
    *out = view;
    view = NULL;
    error = 0;
done:
    trust_view_free(view);
    return error;
}

int
trust_view_load(trust_view **out, store_txn *txn, const avow_ledger *ledger)
{
    return trust_view_load_heads(out, txn, ledger, 0);
}

int
trust_view_counts(const trust_view *view, const unsigned char author[AVOW_PUBKEY_BYTES],
                  uint64_t seq)
{
    const struct trust_author *a = tv_find(view, author, NULL);
    return a != NULL && seq <= a->limit;
}

int
trust_view_forked(const trust_view *view, const unsigned char author[AVOW_PUBKEY_BYTES],
                  uint64_t seq)
{
    const struct trust_author *a = tv_find(view, author, NULL);
    return a != NULL && a->fork_seq != 0 && a->fork_seq <= seq;
}

void
trust_view_free(trust_view *view)
{
    if (view != NULL) {
        free(view->v);
        free(view);
    }
}

/* ---- changes (invariant 2) ---------------------------------------------- */

enum trust_op { OP_ADD, OP_REMOVE, OP_REVOKE, OP_RESOLVE };

struct trust_change {
    enum trust_op op;
    const unsigned char *key;
    const char *name;
    uint64_t after_seq;
    const unsigned char *keep_id;
};

static int
trust_change_key(store_w *w, struct trust_change *c)
{
    const avow_ledger *ledger = store_w_ledger(w);
    unsigned char k[1 + AVOW_PUBKEY_BYTES];
    unsigned char rec[TRUST_KEY_REC_MIN + AVOW_TRUST_NAME_MAX];
    size_t rec_len = TRUST_KEY_REC_MIN;
    store_val v;
    int error;

    k[0] = TRUST_TAG_KEY;
    memcpy(k + 1, c->key, AVOW_PUBKEY_BYTES);
    memset(rec, 0, sizeof(rec));
    error = store_val_get(&v, ledger, store_w_view(w), STORE_DB_TRUST, k, sizeof(k));
    if (error == 0 && v.len >= TRUST_KEY_REC_MIN && v.len <= sizeof(rec)) {
        memcpy(rec, v.ptr, v.len);
        rec_len = v.len;
    } else if (error < 0 && error != AVOW_ENOTFOUND) {
        return error;
    }
    switch (c->op) {
    case OP_ADD: {
        size_t n = strlen(c->name);
        rec[0] = (unsigned char)((rec[0] | TRUST_F_LISTED) & ~TRUST_F_REVOKED);
        be64_put(rec + 1, 0);
        memcpy(rec + TRUST_KEY_REC_MIN, c->name, n);
        rec_len = TRUST_KEY_REC_MIN + n;
        break;
    }
    case OP_REVOKE:
        rec[0] |= TRUST_F_REVOKED;
        be64_put(rec + 1, c->after_seq);
        break;
    case OP_REMOVE:
        if (error == AVOW_ENOTFOUND || !(rec[0] & TRUST_F_LISTED)) {
            char hex[AVOW_HEX_ID_LEN + 1];
            avow_hex(hex, c->key, AVOW_PUBKEY_BYTES);
            return error_set(AVOW_ENOTFOUND, "key %s is not in the keyring", hex);
        }
        if ((error = store_w_del(w, STORE_DB_TRUST, k, sizeof(k))) < 0) {
            return error;
        }
        return store_w_bump_generation(w);
    case OP_RESOLVE:
        return error_set(AVOW_EINVALID, "internal: resolve is not a key change");
    }
    if ((error = store_w_put(w, STORE_DB_TRUST, k, sizeof(k), rec, rec_len, 0)) < 0) {
        return error;
    }
    return store_w_bump_generation(w);
}

/* Whether the chain's event of author at seq has the id keep_id: 1, 0, or < 0. */
static int
trust_chain_is(const avow_ledger *ledger, store_txn *txn, const unsigned char *author, uint64_t seq,
               const unsigned char keep_id[AVOW_EVENT_ID_BYTES])
{
    unsigned char ak[STORE_AUTHOR_KEY_BYTES], chain_id[AVOW_EVENT_ID_BYTES];
    uint64_t index = 0;
    store_val v, raw;
    memcpy(ak, author, AVOW_PUBKEY_BYTES);
    be64_put(ak + AVOW_PUBKEY_BYTES, seq);
    int error = store_val_get(&v, ledger, txn, STORE_DB_AUTHORS, ak, sizeof(ak));
    if (error == 0 && (error = store_index_of(&index, &v)) == 0 &&
        (error = store_event_at(&raw, ledger, txn, index)) == 0) {
        crypto_hash_sha256(chain_id, raw.ptr, raw.len);
        return sodium_memcmp(chain_id, keep_id, AVOW_EVENT_ID_BYTES) == 0;
    }
    return error == AVOW_ENOTFOUND ? 0 : error;
}

/* The fork of c->key that has c->keep_id on one side: 1 with *seq and
 * *kept_chain (the kept side is the chain's event), 0 when none, or < 0. */
static int
trust_find_fork(const avow_ledger *ledger, store_txn *txn, const struct trust_change *c,
                uint64_t *seq, int *kept_chain)
{
    unsigned char start[AVOW_PUBKEY_BYTES + 8];
    store_cursor *cur = NULL;
    store_val k = { start, sizeof(start) }, v;
    int error, found = 0;

    memcpy(start, c->key, AVOW_PUBKEY_BYTES);
    be64_put(start + AVOW_PUBKEY_BYTES, 0);
    if ((error = store_cursor_open(&cur, ledger, txn, STORE_DB_FORKS)) < 0) {
        return error;
    }
    for (enum store_op op = STORE_SEEK; !found; op = STORE_NEXT) {
        if ((error = store_cursor_get(cur, &k, &v, op)) < 0) {
            break;
        }
        if (k.len != AVOW_PUBKEY_BYTES + 8 + AVOW_EVENT_ID_BYTES ||
            memcmp(k.ptr, c->key, AVOW_PUBKEY_BYTES) != 0) {
            break;
        }
        *seq = be64_get(k.ptr + AVOW_PUBKEY_BYTES);
        if (sodium_memcmp(k.ptr + AVOW_PUBKEY_BYTES + 8, c->keep_id, AVOW_EVENT_ID_BYTES) == 0) {
            found = 1;
        } else if ((error = trust_chain_is(ledger, txn, c->key, *seq, c->keep_id)) != 0) {
            found = *kept_chain = error == 1; /* the chain's event at this seq */
            if (error < 0) {
                break;
            }
        }
    }
    store_cursor_close(cur);
    if (error < 0 && error != AVOW_ENOTFOUND) {
        return error;
    }
    return found;
}

static int
trust_change_resolve(store_w *w, struct trust_change *c)
{
    unsigned char rk[1 + AVOW_PUBKEY_BYTES + 8], rv[AVOW_EVENT_ID_BYTES + 1];
    uint64_t found_seq = 0;
    int kept_chain = 0;
    int error = trust_find_fork(store_w_ledger(w), store_w_view(w), c, &found_seq, &kept_chain);
    if (error < 0) {
        return error;
    }
    if (error == 0) {
        char hex[AVOW_HEX_ID_LEN + 1];
        avow_hex(hex, c->keep_id, AVOW_EVENT_ID_BYTES);
        return error_set(AVOW_ENOTFOUND,
                         "event %s is not one side of a fork of this author (see avow "
                         "trust list)",
                         hex);
    }
    rk[0] = TRUST_TAG_RESOLVED;
    memcpy(rk + 1, c->key, AVOW_PUBKEY_BYTES);
    be64_put(rk + 1 + AVOW_PUBKEY_BYTES, found_seq);
    memcpy(rv, c->keep_id, AVOW_EVENT_ID_BYTES);
    rv[AVOW_EVENT_ID_BYTES] = (unsigned char)kept_chain;
    if ((error = store_w_put(w, STORE_DB_TRUST, rk, sizeof(rk), rv, sizeof(rv), 0)) < 0) {
        return error;
    }
    return store_w_bump_generation(w);
}

static int
trust_change_txn(store_w *w, void *ctx)
{
    struct trust_change *c = ctx;
    if (c->op == OP_RESOLVE) {
        return trust_change_resolve(w, c);
    }
    return trust_change_key(w, c);
}

static int
trust_check_name(const char *name)
{
    size_t n = name == NULL ? 0 : strlen(name);
    if (n == 0 || n > AVOW_TRUST_NAME_MAX || buf_utf8_check(name, n) < 0) {
        return error_set(AVOW_EINVALID, "a keyring name is 1 to %d bytes of UTF-8 text",
                         AVOW_TRUST_NAME_MAX);
    }
    for (size_t i = 0; i < n; i++) {
        if ((unsigned char)name[i] < 0x20 || name[i] == 0x7f) {
            return error_set(AVOW_EINVALID, "a keyring name has no control characters");
        }
    }
    return 0;
}

int
avow_trust_add(avow_ledger *ledger, const unsigned char key[AVOW_PUBKEY_BYTES], const char *name)
{
    struct trust_change c = { OP_ADD, key, name, 0, NULL };
    int error;
    if (ledger == NULL || key == NULL) {
        return error_set(AVOW_EINVALID, "avow_trust_add: missing argument");
    }
    if ((error = trust_check_name(name)) < 0) {
        return error;
    }
    return store_write(ledger, trust_change_txn, &c);
}

int
avow_trust_remove(avow_ledger *ledger, const unsigned char key[AVOW_PUBKEY_BYTES])
{
    struct trust_change c = { OP_REMOVE, key, NULL, 0, NULL };
    if (ledger == NULL || key == NULL) {
        return error_set(AVOW_EINVALID, "avow_trust_remove: missing argument");
    }
    return store_write(ledger, trust_change_txn, &c);
}

int
avow_trust_revoke(avow_ledger *ledger, const unsigned char key[AVOW_PUBKEY_BYTES],
                  uint64_t after_seq)
{
    struct trust_change c = { OP_REVOKE, key, NULL, after_seq, NULL };
    if (ledger == NULL || key == NULL) {
        return error_set(AVOW_EINVALID, "avow_trust_revoke: missing argument");
    }
    return store_write(ledger, trust_change_txn, &c);
}

int
avow_trust_resolve(avow_ledger *ledger, const unsigned char key[AVOW_PUBKEY_BYTES],
                   const unsigned char keep_id[AVOW_EVENT_ID_BYTES])
{
    struct trust_change c = { OP_RESOLVE, key, NULL, 0, keep_id };
    if (ledger == NULL || key == NULL || keep_id == NULL) {
        return error_set(AVOW_EINVALID, "avow_trust_resolve: missing argument");
    }
    return store_write(ledger, trust_change_txn, &c);
}

int
avow_trust_list(avow_ledger *ledger, avow_trust_cb cb, void *payload)
{
    store_txn *txn = NULL;
    trust_view *view = NULL;
    int error;
    if (ledger == NULL || cb == NULL) {
        return error_set(AVOW_EINVALID, "avow_trust_list: missing argument");
    }
    if ((error = store_txn_read(&txn, ledger)) < 0) {
        return error;
    }
    error = trust_view_load_heads(&view, txn, ledger, 1);
    store_txn_end(txn);
    if (error < 0) {
        return error;
    }
    for (size_t i = 0; i < view->n; i++) {
        const struct trust_author *a = &view->v[i];
        avow_trust_entry e;
        memset(&e, 0, sizeof(e));
        memcpy(e.key, a->key, AVOW_PUBKEY_BYTES);
        e.name = a->name;
        e.flags = a->flags;
        e.count_upto = a->limit;
        e.revoked_after = a->revoked_after;
        e.fork_seq = a->fork_seq;
        e.head_seq = a->head_seq;
        if ((error = cb(&e, payload)) < 0) {
            break;
        }
    }
    trust_view_free(view);
    return error;
}

int
avow_trust_open(avow_trust **out, avow_ledger *ledger)
{
    store_txn *txn = NULL;
    avow_trust *t = NULL;
    int error;
    if (out == NULL || ledger == NULL) {
        return error_set(AVOW_EINVALID, "avow_trust_open: missing argument");
    }
    *out = NULL;
    if ((t = calloc(1, sizeof(*t))) == NULL) {
        return error_set(AVOW_ENOMEM, "out of memory loading the keyring");
    }
    if ((error = store_txn_read(&txn, ledger)) < 0) {
        free(t);
        return error;
    }
    error = trust_view_load(&t->view, txn, ledger);
    store_txn_end(txn);
    if (error < 0) {
        free(t);
        return error;
    }
    *out = t;
    return 0;
}

int
avow_trust_counts(const avow_trust *trust, const unsigned char author[AVOW_PUBKEY_BYTES],
                  uint64_t seq)
{
    return trust_view_counts(trust->view, author, seq);
}

const char *
avow_trust_name(const avow_trust *trust, const unsigned char author[AVOW_PUBKEY_BYTES])
{
    const struct trust_author *a = tv_find(trust->view, author, NULL);
    return a != NULL && a->name[0] != '\0' ? a->name : NULL;
}

int
avow_trust_forked(const avow_trust *trust, const unsigned char author[AVOW_PUBKEY_BYTES],
                  uint64_t seq)
{
    return trust_view_forked(trust->view, author, seq);
}

void
avow_trust_free(avow_trust *trust)
{
    if (trust != NULL) {
        trust_view_free(trust->view);
        free(trust);
    }
}

int
avow_ledger_rotate_key(unsigned char id_out[AVOW_EVENT_ID_BYTES], avow_ledger *ledger,
                       const avow_key *old, const avow_key *next)
{
    unsigned char prev[AVOW_HASH_BYTES];
    avow_buf ev = AVOW_BUF_INIT;
    store_txn *txn = NULL;
    store_val v, raw;
    uint64_t seq = 0, index = 0;
    int64_t at = avow_time_now();
    avow_append_result res;
    int error;

    if (ledger == NULL || old == NULL || next == NULL) {
        return error_set(AVOW_EINVALID, "avow_ledger_rotate_key: missing argument");
    }
    memset(prev, 0, sizeof(prev));
    if ((error = store_txn_read(&txn, ledger)) < 0) {
        return error;
    }
    error = store_val_get(&v, ledger, txn, STORE_DB_HEADS, avow_key_public(old), AVOW_PUBKEY_BYTES);
    if (error == 0) {
        store_head h;
        avow_event head;
        if ((error = store_head_decode(&h, NULL, &v)) < 0) {
            goto done;
        }
        seq = h.seq;
        memcpy(prev, h.hash, AVOW_HASH_BYTES);
        if ((error = store_event_by_id(&raw, &index, ledger, txn, h.id)) < 0) {
            goto done;
        }
        if (avow_event_decode(&head, raw.ptr, raw.len) == 0 && head.recorded_at > at) {
            at = head.recorded_at; /* never earlier than the author's previous event */
        }
    } else if (error != AVOW_ENOTFOUND) {
        goto done;
    }
    store_txn_end(txn);
    txn = NULL;
    if ((error = codec_encode_succession(&ev, old, next, seq + 1, prev, at)) < 0) {
        goto done;
    }
    const unsigned char *evs[1] = { ev.ptr };
    if ((error = avow_ledger_append_signed(&res, ledger, evs, &ev.len, 1)) < 0) {
        goto done;
    }
    if (id_out != NULL) {
        crypto_hash_sha256(id_out, ev.ptr, ev.len);
    }
done:
    store_txn_end(txn);
    avow_buf_dispose(&ev);
    return error;
}
