/* SPDX-License-Identifier: ISC */
/*
 * snapshots.c - the table of projection snapshots, a derived cache of the
 * accumulator of a contest's replay at every SNAPSHOT_INTERVAL-th entry
 * (docs/PROJECTIONS.md, "Fast answers: snapshots"). The projections
 * (src/project/state.c) make and read the values; this table keeps them
 * consistent with the log in each append transaction (ledger/table.h).
 *
 * Invariants (tests/unit/test_projection.c checks them):
 *  1. A current snapshot at position p equals a replay of every entry <= p
 *     with K = +infinity under the trust settings of the ledger's generation:
 *     an append at position q (a retraction: min(q, its target's position))
 *     deletes the contest's snapshots >= q in the same transaction.
 *  2. The table records the ledger generation (store_generation()) its
 *     snapshots were built at, under the key 0x00 "ledger-gen". When the
 *     generation moves on (a trust change, fork evidence, a succession: what
 *     counts changed), every snapshot of the table is stale: no reader loads
 *     one and snapshots_count() counts none. The next writer of snapshots
 *     deletes them all (store_w_clear()) and records the new generation
 *     before it writes its own, so stale snapshots never mix with current
 *     ones. A table without the key (empty, or written before generations)
 *     is stale too.
 *  3. Snapshots are only written when no event was appended and the
 *     generation did not move since the read transaction that computed them.
 */
#include <string.h>

#include "derived/retractions.h"
#include "derived/snapshots.h"

static const unsigned char snapshots_gen_key[] = { 0,   'l', 'e', 'd', 'g', 'e',
                                                   'r', '-', 'g', 'e', 'n' };

void
snapshots_pos(unsigned char pos[SNAPSHOTS_POS_BYTES], const avow_event *ev,
              const unsigned char id[AVOW_EVENT_ID_BYTES])
{
    be64_put(pos, time_key(ev->effective_at));
    be64_put(pos + 8, time_key(ev->recorded_at));
    memcpy(pos + 16, id, AVOW_EVENT_ID_BYTES);
}

/* snapshot key prefix: contest || 0x00 || mode */
static size_t
snapshots_prefix(unsigned char *k, const unsigned char *prefix, size_t prefix_len, int mode)
{
    memcpy(k, prefix, prefix_len);
    k[prefix_len] = (unsigned char)mode;
    return prefix_len + 1;
}

/* Whether the table is of the ledger's generation *gen (invariant 2):
 * 1, 0, or < 0. */
static int
snapshots_current(uint64_t *gen, const avow_ledger *ledger, store_txn *txn)
{
    store_val v;
    int error;
    if ((error = store_generation(gen, ledger, txn)) < 0) {
        return error;
    }
    error = store_val_get(&v, ledger, txn, STORE_DB_SNAPSHOTS, snapshots_gen_key,
                          sizeof(snapshots_gen_key));
    if (error == AVOW_ENOTFOUND) {
        return 0;
    }
    if (error < 0) {
        return error;
    }
    return v.len == 8 && be64_get(v.ptr) == *gen;
}

int
snapshots_find(store_val *val, unsigned char pos[SNAPSHOTS_POS_BYTES], const avow_ledger *ledger,
               store_txn *txn, const unsigned char *prefix, size_t prefix_len, int mode, int64_t at)
{
    unsigned char seek[SNAPSHOTS_KEY_MAX];
    store_cursor *cur = NULL;
    uint64_t gen;
    int error;
    size_t plen = snapshots_prefix(seek, prefix, prefix_len, mode);

    if ((error = snapshots_current(&gen, ledger, txn)) <= 0) {
        return error;
    }
    be64_put(seek + plen, time_key(at));
    memset(seek + plen + 8, 0xff, SNAPSHOTS_POS_BYTES - 8);
    if ((error = store_cursor_open(&cur, ledger, txn, STORE_DB_SNAPSHOTS)) < 0) {
        return error;
    }
    store_val k = { seek, plen + SNAPSHOTS_POS_BYTES };
    error = store_cursor_get(cur, &k, val, STORE_SEEK);
    if (error == AVOW_ENOTFOUND) {
        error = store_cursor_get(cur, &k, val, STORE_LAST);
    } else if (error == 0 && !(k.len == plen + SNAPSHOTS_POS_BYTES &&
                               memcmp(k.ptr, seek, plen + SNAPSHOTS_POS_BYTES) == 0)) {
        error = store_cursor_get(cur, &k, val, STORE_PREV);
    }
    if (error == 0) {
        if (k.len == plen + SNAPSHOTS_POS_BYTES && memcmp(k.ptr, seek, plen) == 0) {
            memcpy(pos, k.ptr + plen, SNAPSHOTS_POS_BYTES);
            error = 1;
        }
    } else if (error == AVOW_ENOTFOUND) {
        error = 0;
    }
    store_cursor_close(cur);
    return error;
}

/* Delete the snapshots of a contest at positions >= pos (invariant 1). */
static int
snapshots_delete_from(store_w *w, const unsigned char *prefix, size_t prefix_len,
                      const unsigned char *pos)
{
    const avow_ledger *ledger = store_w_ledger(w);
    unsigned char seek[SNAPSHOTS_KEY_MAX], found[SNAPSHOTS_KEY_MAX];
    int error;
    for (int mode = 0; mode < SNAPSHOTS_MODE_COUNT; mode++) {
        size_t plen = snapshots_prefix(seek, prefix, prefix_len, mode);
        size_t klen = plen + SNAPSHOTS_POS_BYTES;
        memcpy(seek + plen, pos, SNAPSHOTS_POS_BYTES);
        for (;;) {
            store_cursor *cur = NULL;
            store_val k = { seek, klen };
            if ((error = store_cursor_open(&cur, ledger, store_w_view(w), STORE_DB_SNAPSHOTS)) <
                0) {
                return error;
            }
            error = store_cursor_get(cur, &k, NULL, STORE_SEEK);
            int match = error == 0 && k.len == klen && memcmp(k.ptr, seek, plen) == 0;
            if (match) {
                memcpy(found, k.ptr, klen);
            }
            store_cursor_close(cur);
            if (error < 0 && error != AVOW_ENOTFOUND) {
                return error;
            }
            if (!match) {
                break;
            }
            /* Through the store, not the cursor: a full map grows and retries. */
            if ((error = store_w_del(w, STORE_DB_SNAPSHOTS, found, klen)) < 0) {
                return error;
            }
        }
    }
    return 0;
}

static int
snapshots_on_append(store_w *w, const store_appended *a)
{
    const avow_str *contest = &a->contest;
    unsigned char prefix[AVOW_MAX_CONTEST + 1];
    unsigned char pos[SNAPSHOTS_POS_BYTES], tpos[SNAPSHOTS_POS_BYTES];
    avow_event target;

    if (contest->ptr == NULL || contest->len == 0 || contest->len > AVOW_MAX_CONTEST) {
        return 0;
    }
    memcpy(prefix, contest->ptr, contest->len);
    prefix[contest->len] = 0;
    snapshots_pos(pos, a->ev, a->id);
    int error = retractions_target(&target, store_w_ledger(w), store_w_view(w), a->ev);
    if (error < 0) {
        return error;
    }
    if (error == 1) {
        /* The target precedes its retraction: invalidate from the earlier of the two. */
        snapshots_pos(tpos, &target, a->ev->target);
        if (memcmp(tpos, pos, SNAPSHOTS_POS_BYTES) < 0) {
            memcpy(pos, tpos, SNAPSHOTS_POS_BYTES);
        }
    }
    return snapshots_delete_from(w, prefix, contest->len + 1, pos);
}

/* ---- writing a query's snapshots (invariants 2 and 3) ------------------- */

int
snapshots_batch_open(snapshots_batch *b, const avow_ledger *ledger, store_txn *txn)
{
    int error;
    memset(b, 0, sizeof(*b));
    if ((error = store_count(&b->events, ledger, txn, STORE_DB_EVENTS)) < 0) {
        return error;
    }
    return store_generation(&b->gen, ledger, txn);
}

static void
snapshots_put32(unsigned char *p, size_t v)
{
    p[0] = (unsigned char)(v >> 24);
    p[1] = (unsigned char)(v >> 16);
    p[2] = (unsigned char)(v >> 8);
    p[3] = (unsigned char)v;
}

static size_t
snapshots_get32(const unsigned char *p)
{
    return ((size_t)p[0] << 24) | ((size_t)p[1] << 16) | ((size_t)p[2] << 8) | (size_t)p[3];
}

int
snapshots_batch_add(snapshots_batch *b, const unsigned char *prefix, size_t prefix_len, int mode,
                    const unsigned char pos[SNAPSHOTS_POS_BYTES], snapshots_value_fn fn,
                    const void *ctx)
{
    unsigned char k[4 + SNAPSHOTS_KEY_MAX], len[4] = { 0, 0, 0, 0 };
    if (b->full) {
        return 0;
    }
    size_t plen = snapshots_prefix(k + 4, prefix, prefix_len, mode);
    memcpy(k + 4 + plen, pos, SNAPSHOTS_POS_BYTES);
    snapshots_put32(k, plen + SNAPSHOTS_POS_BYTES);
    size_t start = b->buf.len;
    int error = buf_put(&b->buf, k, 4 + plen + SNAPSHOTS_POS_BYTES);
    size_t lenpos = b->buf.len;
    if (error < 0 || (error = buf_put(&b->buf, len, sizeof(len))) < 0 ||
        (error = fn(&b->buf, ctx)) < 0) {
        return error;
    }
    snapshots_put32(b->buf.ptr + lenpos, b->buf.len - lenpos - 4);
    if (b->buf.len > SNAPSHOTS_PENDING_MAX) {
        b->buf.len = start;
        b->full = 1;
    } else {
        b->count++;
    }
    return 0;
}

static int
snapshots_batch_txn(store_w *w, void *ctx)
{
    snapshots_batch *b = ctx;
    const avow_ledger *ledger = store_w_ledger(w);
    uint64_t n = 0, gen = 0;
    int error;
    if ((error = store_count(&n, ledger, store_w_view(w), STORE_DB_EVENTS)) < 0 ||
        (error = snapshots_current(&gen, ledger, store_w_view(w))) < 0) {
        return error;
    }
    if (n != b->events || gen != b->gen) {
        return 0; /* invariant 3: something changed; the next query redoes them */
    }
    if (error == 0) { /* invariant 2: a stale table goes before current snapshots come */
        unsigned char v[8];
        be64_put(v, gen);
        if ((error = store_w_clear(w, STORE_DB_SNAPSHOTS)) < 0 ||
            (error = store_w_put(w, STORE_DB_SNAPSHOTS, snapshots_gen_key,
                                 sizeof(snapshots_gen_key), v, sizeof(v), 0)) < 0) {
            return error;
        }
    }
    const unsigned char *p = b->buf.ptr, *end = b->buf.ptr + b->buf.len;
    for (size_t i = 0; i < b->count; i++) {
        size_t klen = (size_t)(end - p) >= 4 ? snapshots_get32(p) : SIZE_MAX;
        const unsigned char *k = p + 4, *vp = k + klen + 4;
        if (klen > SNAPSHOTS_KEY_MAX || (size_t)(end - k) < klen + 4 ||
            snapshots_get32(k + klen) > (size_t)(end - vp)) {
            return error_set(AVOW_EIO, "internal: pending snapshots are malformed");
        }
        size_t vlen = snapshots_get32(k + klen);
        if ((error = store_w_put(w, STORE_DB_SNAPSHOTS, k, klen, vp, vlen, 0)) < 0) {
            return error;
        }
        p = vp + vlen;
    }
    return 0;
}

void
snapshots_batch_write(avow_ledger *ledger, snapshots_batch *b)
{
    if (b->count > 0) {
        (void)store_write(ledger, snapshots_batch_txn, b);
        error_clear();
    }
}

void
snapshots_batch_dispose(snapshots_batch *b)
{
    avow_buf_dispose(&b->buf);
    memset(b, 0, sizeof(*b));
}

int
snapshots_count(size_t *out, const avow_ledger *ledger)
{
    store_txn *txn = NULL;
    uint64_t n = 0, gen;
    int error;
    *out = 0;
    if ((error = store_txn_read(&txn, ledger)) < 0) {
        return error;
    }
    if ((error = snapshots_current(&gen, ledger, txn)) == 1 &&
        (error = store_count(&n, ledger, txn, STORE_DB_SNAPSHOTS)) == 0) {
        *out = n > 0 ? (size_t)n - 1 : 0; /* without the generation key */
    }
    store_txn_end(txn);
    return error < 0 ? error : 0;
}

const store_table snapshots_table = {
    "snapshots", snapshots_on_append, NULL, NULL, NULL, NULL,
};
