/* SPDX-License-Identifier: ISC */
/*
 * headlist.c - sorted lists of (author, seq, id): a ledger's heads (the last
 * event of each author's chain) and its fork evidence keys, as sync frames
 * and heads files carry them, with the lookups that tell what a peer lacks.
 *
 * Invariants (tests/unit/test_sync.c):
 *  1. A list is strictly ascending by (author, seq, id): headlist_parse()
 *     refuses anything else, so lookups can search it in halves.
 *  2. A list never holds more than HEADLIST_MAX entries, whatever a peer or a
 *     file claims.
 */
#include <assert.h>
#include <stdlib.h>

#include "replicate/headlist.h"
#include "util/grow.h"

static int
headlist_cmp(const unsigned char *a_author, uint64_t a_seq, const unsigned char *a_id,
             const headlist_entry *b)
{
    int c = memcmp(a_author, b->author, AVOW_PUBKEY_BYTES);
    if (c != 0) {
        return c;
    }
    if (a_seq != b->seq) {
        return a_seq < b->seq ? -1 : 1;
    }
    return a_id == NULL ? 0 : memcmp(a_id, b->id, AVOW_EVENT_ID_BYTES);
}

int
headlist_push(headlist *h, const unsigned char *author, uint64_t seq, const unsigned char *id)
{
    int error;
    if (h->n >= HEADLIST_MAX) {
        return error_set(AVOW_ERANGE, "more than %u heads", HEADLIST_MAX);
    }
    if ((error = grow_array(&h->v, &h->cap, h->n + 1, sizeof(*h->v), 64)) < 0) {
        return error;
    }
    headlist_entry *e = &h->v[h->n++];
    memcpy(e->author, author, AVOW_PUBKEY_BYTES);
    e->seq = seq;
    memcpy(e->id, id, AVOW_EVENT_ID_BYTES);
    return 0;
}

void
headlist_free(headlist *h)
{
    free(h->v);
    memset(h, 0, sizeof(*h));
}

int
headlist_parse(headlist *h, const unsigned char *p, size_t n)
{
    int error;
    for (size_t i = 0; i < n; i++, p += HEADLIST_ENTRY_BYTES) {
        uint64_t seq = be64_get(p + AVOW_PUBKEY_BYTES);
        const unsigned char *id = p + AVOW_PUBKEY_BYTES + 8;
        if (seq == 0) {
            return error_set(AVOW_EFORMAT, "a head with seq 0");
        }
        if (h->n > 0 && headlist_cmp(p, seq, id, &h->v[h->n - 1]) <= 0) {
            return error_set(AVOW_EFORMAT, "heads out of order or repeated");
        }
        if ((error = headlist_push(h, p, seq, id)) < 0) {
            return error;
        }
    }
    return 0;
}

const headlist_entry *
headlist_find(const headlist *h, const unsigned char *author)
{
    size_t lo = 0, hi = h->n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        int c = memcmp(h->v[mid].author, author, AVOW_PUBKEY_BYTES);
        if (c == 0) {
            return &h->v[mid];
        }
        if (c < 0) {
            lo = mid + 1;
        } else {
            hi = mid;
        }
    }
    return NULL;
}

int
headlist_has(const headlist *h, const unsigned char *author, uint64_t seq, const unsigned char *id)
{
    size_t lo = 0, hi = h == NULL ? 0 : h->n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        int c = headlist_cmp(author, seq, id, &h->v[mid]);
        if (c == 0) {
            return 1;
        }
        if (c > 0) {
            lo = mid + 1;
        } else {
            hi = mid;
        }
    }
    return 0;
}

int
headlist_each_head(const avow_ledger *ledger, store_txn *txn, headlist_head_fn fn, void *ctx)
{
    store_cursor *cur = NULL;
    store_val k, v;
    int error;
    if ((error = store_cursor_open(&cur, ledger, txn, STORE_DB_HEADS)) < 0) {
        return error;
    }
    for (enum store_op op = STORE_FIRST;; op = STORE_NEXT) {
        if ((error = store_cursor_get(cur, &k, &v, op)) < 0) {
            break;
        }
        store_head h;
        if ((error = store_head_decode(&h, &k, &v)) < 0 ||
            (error = fn(ctx, h.author, h.seq, h.id)) < 0) {
            break;
        }
    }
    store_cursor_close(cur);
    return error == AVOW_ENOTFOUND ? 0 : error;
}

static int
headlist_push_head(void *ctx, const unsigned char *author, uint64_t seq, const unsigned char *id)
{
    return headlist_push(ctx, author, seq, id);
}

static int
headlist_push_key(void *ctx, const store_val *key, const store_val *raw)
{
    const unsigned char *k = key->ptr;
    (void)raw;
    if (key->len != HEADLIST_ENTRY_BYTES) {
        return 0;
    }
    return headlist_push(ctx, k, be64_get(k + AVOW_PUBKEY_BYTES), k + AVOW_PUBKEY_BYTES + 8);
}

int
headlist_load(const avow_ledger *ledger, headlist *heads, headlist *evidence)
{
    store_txn *txn = NULL;
    int error;
    if ((error = store_txn_read(&txn, ledger)) < 0) {
        return error;
    }
    if ((error = headlist_each_head(ledger, txn, headlist_push_head, heads)) == 0 &&
        evidence != NULL) {
        error = forks_each(ledger, txn, headlist_push_key, evidence);
    }
    store_txn_end(txn);
    return error;
}

int
headlist_one_per_author(const headlist *h)
{
    for (size_t i = 1; i < h->n; i++) {
        if (memcmp(h->v[i - 1].author, h->v[i].author, AVOW_PUBKEY_BYTES) == 0) {
            return 0;
        }
    }
    return 1;
}

int
headlist_put(avow_buf *b, const headlist *h, size_t from, size_t n)
{
    unsigned char cnt[4], rec[HEADLIST_ENTRY_BYTES];
    int error;
    assert(from + n <= h->n && n <= UINT32_MAX);
    be32_put(cnt, (uint32_t)n);
    if ((error = buf_put(b, cnt, 4)) < 0) {
        return error;
    }
    for (size_t i = from; i < from + n; i++) {
        memcpy(rec, h->v[i].author, AVOW_PUBKEY_BYTES);
        be64_put(rec + AVOW_PUBKEY_BYTES, h->v[i].seq);
        memcpy(rec + AVOW_PUBKEY_BYTES + 8, h->v[i].id, AVOW_EVENT_ID_BYTES);
        if ((error = buf_put(b, rec, sizeof(rec))) < 0) {
            return error;
        }
    }
    return 0;
}
