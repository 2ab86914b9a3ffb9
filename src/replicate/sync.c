/* SPDX-License-Identifier: ISC */
/*
 * sync.c - replication between ledgers (docs/PROTOCOL.md): frames over a pair
 * of file descriptors, heads exchange, streaming what the peer lacks, fork
 * evidence, and the equivocation check of avow_ledger_verify().
 *
 * Invariants (tests/unit/test_sync.c):
 *  1. A frame's length is checked against AVOW_SYNC_FRAME_MAX before anything
 *     is allocated for it; every count inside a frame is checked against the
 *     bytes that are really there.
 *  2. Each received batch is appended with one transaction (verified: decode,
 *     signature, id, seq continuity, prev link), so an interrupted session
 *     leaves whole batches and a re-run continues where it stopped.
 *  3. A bad batch or frame is answered with an error frame naming the author
 *     and seq; nothing of that batch is stored; the session fails.
 *  4. The conversation is turn-based (docs/PROTOCOL.md), so neither side ever
 *     writes while the other is blocked writing: no deadlock on pipes.
 *  5. Fork evidence is stored only when it verifies and conflicts with this
 *     ledger's chain event at its (author, seq); it is never part of the chain.
 *  6. Sending reads events in place from the map; both sides keep the map
 *     pages they read within STORE_RSS_BUDGET (store_trim_pages(), store.h:
 *     the receiver inside its append transactions), so neither side's
 *     resident size grows with the log.
 *  7. Receiving is pipelined: batch k is verified on the worker pool while
 *     batch k - 1, already verified, is appended (store_append_signed_checked
 *     re-checks only what failed, so errors are reported in order). Batch k
 *     is read ahead only when its bytes are already there: before waiting
 *     for the peer, before any other frame and when the connection breaks,
 *     the pending batch is appended first, so the ledger ends with exactly
 *     the whole valid batches received (invariant 2) and a peer waiting for
 *     an answer gets it as before.
 */
#include <errno.h>
#include <inttypes.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <unistd.h>

#include <sodium.h>

#include "event/jobs.h"
#include "project/projection.h"
#include "replicate/sync.h"

#define SYNC_MAGIC       "AVOWSYNC"
#define SYNC_MAGIC_BYTES 8
#define SYNC_MAX_ORIGIN  256

enum sync_frame {
    F_HELLO = 1,
    F_HEADS = 2,
    F_EVIDENCE_HAVE = 3,
    F_HEADS_END = 4,
    F_BATCH = 5,
    F_FORK = 6,
    F_DONE = 7,
    F_ERROR = 8
};

/* Entries per heads frame: fits the frame with room to spare. */
#define SYNC_HEADS_PER_FRAME 8192

/* ---- heads lists -------------------------------------------------------- */

static int
head_cmp(const unsigned char *a_author, uint64_t a_seq, const unsigned char *a_id,
         const sync_head *b)
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
sync_heads_push(sync_heads *h, const unsigned char *author, uint64_t seq, const unsigned char *id)
{
    if (h->n == h->cap) {
        size_t cap = h->cap ? h->cap * 2 : 64;
        if (cap > SYNC_MAX_HEADS) {
            cap = SYNC_MAX_HEADS;
        }
        if (h->n >= cap) {
            return avow_error_set(AVOW_ERANGE, "more than %u heads", SYNC_MAX_HEADS);
        }
        sync_head *p = realloc(h->v, cap * sizeof(*p));
        if (p == NULL) {
            return avow_error_set(AVOW_ENOMEM, "out of memory reading heads");
        }
        h->v = p;
        h->cap = cap;
    }
    sync_head *e = &h->v[h->n++];
    memcpy(e->author, author, AVOW_PUBKEY_BYTES);
    e->seq = seq;
    memcpy(e->id, id, AVOW_EVENT_ID_BYTES);
    return 0;
}

void
sync_heads_free(sync_heads *h)
{
    free(h->v);
    memset(h, 0, sizeof(*h));
}

int
sync_heads_parse(sync_heads *h, const unsigned char *p, size_t n)
{
    int error;
    for (size_t i = 0; i < n; i++, p += SYNC_HEAD_BYTES) {
        uint64_t seq = be64_get(p + AVOW_PUBKEY_BYTES);
        const unsigned char *id = p + AVOW_PUBKEY_BYTES + 8;
        if (seq == 0) {
            return avow_error_set(AVOW_EFORMAT, "a head with seq 0");
        }
        if (h->n > 0 && head_cmp(p, seq, id, &h->v[h->n - 1]) <= 0) {
            return avow_error_set(AVOW_EFORMAT, "heads out of order or repeated");
        }
        if ((error = sync_heads_push(h, p, seq, id)) < 0) {
            return error;
        }
    }
    return 0;
}

/* The entry of author in a list of heads (one per author), or NULL. */
static const sync_head *
heads_find(const sync_heads *h, const unsigned char *author)
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

/* Whether (author, seq, id) is in a sorted list (id NULL: any id). */
static int
heads_has(const sync_heads *h, const unsigned char *author, uint64_t seq, const unsigned char *id)
{
    size_t lo = 0, hi = h == NULL ? 0 : h->n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        int c = head_cmp(author, seq, id, &h->v[mid]);
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
sync_heads_load(const avow_ledger *ledger, sync_heads *heads, sync_heads *evidence)
{
    MDB_txn *txn = NULL;
    MDB_cursor *cur = NULL;
    MDB_val k, v;
    int error = 0, rc;

    if ((error = store_read_begin(ledger, &txn)) < 0) {
        return error;
    }
    if ((rc = mdb_cursor_open(txn, store_dbi(ledger, STORE_DB_HEADS), &cur)) != 0) {
        error = store_mdb_error(ledger, rc, "heads");
        goto done;
    }
    for (MDB_cursor_op op = MDB_FIRST;; op = MDB_NEXT) {
        if ((rc = mdb_cursor_get(cur, &k, &v, op)) == MDB_NOTFOUND) {
            break;
        }
        if (rc != 0) {
            error = store_mdb_error(ledger, rc, "heads");
            goto done;
        }
        if (k.mv_size != AVOW_PUBKEY_BYTES || v.mv_size != STORE_HEAD_BYTES) {
            error = avow_error_set(AVOW_EIO, "malformed head entry (run avow verify)");
            goto done;
        }
        const unsigned char *p = v.mv_data;
        if ((error = sync_heads_push(heads, k.mv_data, be64_get(p), p + 8 + AVOW_HASH_BYTES)) < 0) {
            goto done;
        }
    }
    mdb_cursor_close(cur);
    cur = NULL;
    if (evidence != NULL) {
        if ((rc = mdb_cursor_open(txn, store_dbi(ledger, STORE_DB_FORKS), &cur)) != 0) {
            error = store_mdb_error(ledger, rc, "forks");
            goto done;
        }
        for (MDB_cursor_op op = MDB_FIRST;; op = MDB_NEXT) {
            if ((rc = mdb_cursor_get(cur, &k, &v, op)) == MDB_NOTFOUND) {
                break;
            }
            if (rc != 0) {
                error = store_mdb_error(ledger, rc, "forks");
                goto done;
            }
            if (k.mv_size != SYNC_HEAD_BYTES) {
                continue;
            }
            const unsigned char *p = k.mv_data;
            if ((error = sync_heads_push(evidence, p, be64_get(p + AVOW_PUBKEY_BYTES),
                                         p + AVOW_PUBKEY_BYTES + 8)) < 0) {
                goto done;
            }
        }
    }
done:
    if (cur != NULL) {
        mdb_cursor_close(cur);
    }
    mdb_txn_abort(txn);
    return error;
}

/* ---- what the peer lacks -------------------------------------------------- */

/* The raw chain event of (author, seq) and its id, inside txn. */
static int
chain_event(const avow_ledger *ledger, MDB_txn *txn, const unsigned char *author, uint64_t seq,
            MDB_val *raw, unsigned char *id)
{
    unsigned char ak[STORE_AUTHOR_KEY_BYTES];
    uint64_t index = 0;
    MDB_val v;
    int error;
    memcpy(ak, author, AVOW_PUBKEY_BYTES);
    be64_put(ak + AVOW_PUBKEY_BYTES, seq);
    if ((error = store_get(ledger, txn, STORE_DB_AUTHORS, ak, sizeof(ak), &v)) < 0 ||
        (error = store_index_val(&index, &v)) < 0 ||
        (error = store_get_event(ledger, txn, index, raw)) < 0) {
        return error;
    }
    if (id != NULL) {
        crypto_hash_sha256(id, raw->mv_data, raw->mv_size);
    }
    return 0;
}

int
sync_collect(const avow_ledger *ledger, unsigned int what, const sync_heads *peer_heads,
             const sync_heads *peer_evidence, const sync_heads *replies, sync_emit_fn emit,
             void *ctx, uint64_t *events_out)
{
    MDB_txn *txn = NULL;
    MDB_cursor *cur = NULL, *ac = NULL;
    MDB_val k, v, raw;
    unsigned char id[AVOW_EVENT_ID_BYTES], ak[STORE_AUTHOR_KEY_BYTES];
    uint64_t sent = 0;
    int error = 0, rc;

    if ((error = store_read_begin(ledger, &txn)) < 0) {
        return error;
    }
    if ((rc = mdb_cursor_open(txn, store_dbi(ledger, STORE_DB_HEADS), &cur)) != 0 ||
        (rc = mdb_cursor_open(txn, store_dbi(ledger, STORE_DB_AUTHORS), &ac)) != 0) {
        error = store_mdb_error(ledger, rc, "heads");
        goto done;
    }
    /* Chains, author by author (in key order), each in seq order. */
    for (MDB_cursor_op op = MDB_FIRST; what & SYNC_CHAINS; op = MDB_NEXT) {
        if ((rc = mdb_cursor_get(cur, &k, &v, op)) == MDB_NOTFOUND) {
            break;
        }
        if (rc != 0) {
            error = store_mdb_error(ledger, rc, "heads");
            goto done;
        }
        if (k.mv_size != AVOW_PUBKEY_BYTES || v.mv_size != STORE_HEAD_BYTES) {
            error = avow_error_set(AVOW_EIO, "malformed head entry (run avow verify)");
            goto done;
        }
        unsigned char author[AVOW_PUBKEY_BYTES];
        memcpy(author, k.mv_data, AVOW_PUBKEY_BYTES);
        uint64_t myseq = be64_get(v.mv_data);
        const sync_head *ph = peer_heads == NULL ? NULL : heads_find(peer_heads, author);
        uint64_t pseq = ph == NULL ? 0 : ph->seq;
        if (pseq > 0 && pseq <= myseq) {
            /* Does the peer's head lie on this chain? If not, the feeds forked. */
            if ((error = chain_event(ledger, txn, author, pseq, &raw, id)) < 0) {
                goto done;
            }
            if (sodium_memcmp(id, ph->id, AVOW_EVENT_ID_BYTES) != 0) {
                if (!heads_has(peer_evidence, author, pseq, id) &&
                    (error = emit(ctx, raw.mv_data, raw.mv_size, 1)) < 0) {
                    goto done;
                }
                continue;
            }
        }
        if (pseq >= myseq) {
            continue;
        }
        memcpy(ak, author, AVOW_PUBKEY_BYTES);
        be64_put(ak + AVOW_PUBKEY_BYTES, pseq + 1);
        k.mv_size = sizeof(ak);
        k.mv_data = ak;
        for (MDB_cursor_op aop = MDB_SET_RANGE;; aop = MDB_NEXT) {
            MDB_val key, val;
            if (aop == MDB_SET_RANGE) {
                key = k;
            }
            if ((rc = mdb_cursor_get(ac, &key, &val, aop)) == MDB_NOTFOUND) {
                break;
            }
            if (rc != 0) {
                error = store_mdb_error(ledger, rc, "authors");
                goto done;
            }
            if (key.mv_size != STORE_AUTHOR_KEY_BYTES ||
                memcmp(key.mv_data, author, AVOW_PUBKEY_BYTES) != 0) {
                break;
            }
            uint64_t index = 0;
            if ((error = store_index_val(&index, &val)) < 0 ||
                (error = store_get_event(ledger, txn, index, &raw)) < 0) {
                goto done;
            }
            if ((error = emit(ctx, raw.mv_data, raw.mv_size, 0)) < 0) {
                goto done;
            }
            if (++sent % STORE_TRIM_EVERY == 0) {
                store_trim_pages(ledger);
            }
        }
    }
    mdb_cursor_close(cur);
    cur = NULL;
    /* Evidence the peer does not hold. */
    if ((rc = mdb_cursor_open(txn, store_dbi(ledger, STORE_DB_FORKS), &cur)) != 0) {
        error = store_mdb_error(ledger, rc, "forks");
        goto done;
    }
    for (MDB_cursor_op op = MDB_FIRST; what & SYNC_EVIDENCE; op = MDB_NEXT) {
        if ((rc = mdb_cursor_get(cur, &k, &v, op)) == MDB_NOTFOUND) {
            break;
        }
        if (rc != 0) {
            error = store_mdb_error(ledger, rc, "forks");
            goto done;
        }
        if (k.mv_size != SYNC_HEAD_BYTES) {
            continue;
        }
        const unsigned char *p = k.mv_data;
        if (heads_has(peer_evidence, p, be64_get(p + AVOW_PUBKEY_BYTES),
                      p + AVOW_PUBKEY_BYTES + 8)) {
            continue;
        }
        if ((error = emit(ctx, v.mv_data, v.mv_size, 1)) < 0) {
            goto done;
        }
    }
    /* Our side of forks the peer told us about. */
    for (size_t i = 0; (what & SYNC_REPLIES) && replies != NULL && i < replies->n; i++) {
        const sync_head *r = &replies->v[i];
        error = chain_event(ledger, txn, r->author, r->seq, &raw, id);
        if (error == AVOW_ENOTFOUND) {
            continue;
        }
        if (error < 0) {
            goto done;
        }
        if ((error = emit(ctx, raw.mv_data, raw.mv_size, 1)) < 0) {
            goto done;
        }
    }
    error = 0;
done:
    if (cur != NULL) {
        mdb_cursor_close(cur);
    }
    if (ac != NULL) {
        mdb_cursor_close(ac);
    }
    mdb_txn_abort(txn);
    if (events_out != NULL) {
        *events_out = sent;
    }
    return error;
}

/* ---- fork evidence ---------------------------------------------------------- */

int
sync_keep_fork(store_w *w, const avow_event *ev, const unsigned char *id)
{
    unsigned char k[SYNC_HEAD_BYTES];
    memcpy(k, ev->author, AVOW_PUBKEY_BYTES);
    be64_put(k + AVOW_PUBKEY_BYTES, ev->seq);
    memcpy(k + AVOW_PUBKEY_BYTES + 8, id, AVOW_EVENT_ID_BYTES);
    int error = store_w_put(w, STORE_DB_FORKS, k, sizeof(k), ev->raw, ev->raw_len, MDB_NOOVERWRITE);
    if (error == AVOW_EEXISTS) {
        return 0;
    }
    if (error < 0) {
        return error;
    }
    /* A fork changes what counts (src/project/trust.c): snapshots are stale. */
    if ((error = projection_invalidate_all(w)) < 0) {
        return error;
    }
    return 1;
}

struct evidence_ctx {
    const unsigned char *const *events;
    const size_t *lens;
    size_t n;
    size_t stored;
    sync_heads *out;
};

static int
evidence_txn(store_w *w, void *vctx)
{
    struct evidence_ctx *c = vctx;
    const avow_ledger *ledger = store_w_ledger(w);
    unsigned char id[AVOW_EVENT_ID_BYTES], cid[AVOW_EVENT_ID_BYTES];
    avow_event ev;
    MDB_val raw;
    int error = 0;

    c->stored = 0;
    if (c->out != NULL) {
        c->out->n = 0;
    }
    for (size_t i = 0; i < c->n; i++) {
        if (avow_event_decode(&ev, c->events[i], c->lens[i]) < 0 || avow_event_verify(&ev) < 0) {
            return sync_batch_error(AVOW_EVERIFY, c->events, c->lens, c->n, i);
        }
        avow_event_id(id, &ev);
        error = chain_event(ledger, store_w_txn(w), ev.author, ev.seq, &raw, cid);
        if (error == AVOW_ENOTFOUND) {
            continue; /* no conflict here (yet): not evidence for this ledger */
        }
        if (error < 0) {
            return error;
        }
        if (sodium_memcmp(id, cid, AVOW_EVENT_ID_BYTES) == 0) {
            continue;
        }
        if ((error = sync_keep_fork(w, &ev, id)) < 0) {
            return error;
        }
        if (error == 1) {
            c->stored++;
            if (c->out != NULL && (error = sync_heads_push(c->out, ev.author, ev.seq, id)) < 0) {
                return error;
            }
        }
    }
    return 0;
}

int
sync_store_evidence(avow_ledger *ledger, const unsigned char *const *events, const size_t *lens,
                    size_t n, size_t *new_forks, sync_heads *stored)
{
    struct evidence_ctx c = { events, lens, n, 0, stored };
    int error = n == 0 ? 0 : store_write(ledger, evidence_txn, &c);
    if (new_forks != NULL) {
        *new_forks = error < 0 ? 0 : c.stored;
    }
    return error;
}

int
sync_batch_error(int code, const unsigned char *const *events, const size_t *lens, size_t n,
                 size_t failed_at)
{
    char detail[400], who[2 * 8 + 1];
    avow_event ev;
    (void)snprintf(detail, sizeof(detail), "%s", avow_error_last());
    if (failed_at < n && events[failed_at] != NULL && lens[failed_at] >= AVOW_EVENT_MIN_BYTES) {
        /* The header is readable even when the rest does not decode. */
        const unsigned char *p = events[failed_at];
        avow_hex(who, p + 2, 8);
        uint64_t seq = be64_get(p + 34);
        if (avow_event_decode(&ev, p, lens[failed_at]) == 0) {
            seq = ev.seq;
        }
        return avow_error_set(code, "author %s... seq %" PRIu64 ": %s", who, seq, detail);
    }
    return avow_error_set(code, "event %zu of the batch: %s", failed_at, detail);
}

/* ---- the verify hook -------------------------------------------------------- */

int
sync_verify(MDB_txn *txn, const avow_ledger *ledger, struct verify_state *s)
{
    MDB_cursor *cur = NULL;
    MDB_val k, v, raw;
    unsigned char id[AVOW_EVENT_ID_BYTES], cid[AVOW_EVENT_ID_BYTES];
    unsigned char rk[1 + AVOW_PUBKEY_BYTES + 8];
    char who[AVOW_HEX_ID_LEN + 1];
    avow_event ev;
    int error = 0, rc;

    if ((rc = mdb_cursor_open(txn, store_dbi(ledger, STORE_DB_FORKS), &cur)) != 0) {
        return store_mdb_error(ledger, rc, "forks");
    }
    for (MDB_cursor_op op = MDB_FIRST;; op = MDB_NEXT) {
        if ((rc = mdb_cursor_get(cur, &k, &v, op)) == MDB_NOTFOUND) {
            break;
        }
        if (rc != 0) {
            error = store_mdb_error(ledger, rc, "forks");
            break;
        }
        const unsigned char *p = k.mv_data;
        if (k.mv_size != SYNC_HEAD_BYTES || avow_event_decode(&ev, v.mv_data, v.mv_size) < 0) {
            verify_problem(s, UINT64_MAX, 0, NULL, "fork evidence entry is malformed");
            continue;
        }
        uint64_t seq = be64_get(p + AVOW_PUBKEY_BYTES);
        avow_event_id(id, &ev);
        avow_hex(who, ev.author, AVOW_PUBKEY_BYTES);
        if (memcmp(ev.author, p, AVOW_PUBKEY_BYTES) != 0 || ev.seq != seq ||
            memcmp(id, p + AVOW_PUBKEY_BYTES + 8, AVOW_EVENT_ID_BYTES) != 0 ||
            avow_event_verify(&ev) < 0) {
            verify_problem(s, UINT64_MAX, seq, id, "fork evidence of author %s does not hold", who);
            continue;
        }
        error = chain_event(ledger, txn, ev.author, seq, &raw, cid);
        if (error == AVOW_ENOTFOUND || (error == 0 && memcmp(cid, id, sizeof(id)) == 0)) {
            verify_problem(s, UINT64_MAX, seq, id,
                           "fork evidence of author %s conflicts with no event of its chain", who);
            error = 0;
            continue;
        }
        if (error < 0) {
            break;
        }
        rk[0] = 'r';
        memcpy(rk + 1, p, AVOW_PUBKEY_BYTES + 8);
        if (store_get(ledger, txn, STORE_DB_TRUST, rk, sizeof(rk), &raw) == 0) {
            continue; /* resolved by an analyst (avow trust resolve) */
        }
        verify_problem(s, UINT64_MAX, seq, id,
                       "author %s forked its feed at seq %" PRIu64
                       ": this event conflicts with the chain's (resolve with avow trust "
                       "resolve)",
                       who, seq);
    }
    mdb_cursor_close(cur);
    return error;
}

/* ---- connection and frames ---------------------------------------------------- */

struct conn {
    int in, out;
    size_t rpos, rlen;
    unsigned char rbuf[65536];
};

static int
conn_fill(struct conn *c)
{
    for (;;) {
        ssize_t r = read(c->in, c->rbuf, sizeof(c->rbuf));
        if (r > 0) {
            c->rpos = 0;
            c->rlen = (size_t)r;
            return 0;
        }
        if (r == 0) {
            return avow_error_set(AVOW_EIO, "the peer closed the connection");
        }
        if (errno != EINTR) {
            return avow_error_set(AVOW_EIO, "cannot read from the peer: %s", strerror(errno));
        }
    }
}

static int
conn_read(struct conn *c, void *out, size_t len)
{
    unsigned char *p = out;
    int error;
    while (len > 0) {
        if (c->rpos == c->rlen && (error = conn_fill(c)) < 0) {
            return error;
        }
        size_t n = c->rlen - c->rpos < len ? c->rlen - c->rpos : len;
        memcpy(p, c->rbuf + c->rpos, n);
        c->rpos += n;
        p += n;
        len -= n;
    }
    return 0;
}

/* Whether a read would not block: buffered bytes, or the fd is readable
 * (data, end of file or an error). */
static int
conn_ready(struct conn *c)
{
    struct pollfd pfd = { c->in, POLLIN, 0 };
    if (c->rpos < c->rlen) {
        return 1;
    }
    return poll(&pfd, 1, 0) > 0;
}

static int
conn_write(struct conn *c, const void *data, size_t len)
{
    const unsigned char *p = data;
    while (len > 0) {
        /* send() without SIGPIPE on sockets; plain write() on pipes (the CLI
         * ignores SIGPIPE). */
        ssize_t w = send(c->out, p, len, MSG_NOSIGNAL);
        if (w < 0 && errno == ENOTSOCK) {
            w = write(c->out, p, len);
        }
        if (w < 0) {
            if (errno == EINTR) {
                continue;
            }
            return avow_error_set(AVOW_EIO, "cannot write to the peer: %s", strerror(errno));
        }
        p += w;
        len -= (size_t)w;
    }
    return 0;
}

/* A frame being built: 4-byte length and type, then the payload. */
static int
frame_begin(avow_buf *f, uint8_t type)
{
    unsigned char hdr[5] = { 0, 0, 0, 0, type };
    avow_buf_clear(f);
    return avow_buf_put(f, hdr, sizeof(hdr));
}

static int
frame_send(struct conn *c, avow_buf *f)
{
    size_t len = f->len - 4;
    if (len > AVOW_SYNC_FRAME_MAX) {
        return avow_error_set(AVOW_ERANGE, "frame of %zu bytes past the maximum", len);
    }
    f->ptr[0] = (unsigned char)(len >> 24);
    f->ptr[1] = (unsigned char)(len >> 16);
    f->ptr[2] = (unsigned char)(len >> 8);
    f->ptr[3] = (unsigned char)len;
    return conn_write(c, f->ptr, f->len);
}

static int
frame_simple(struct conn *c, uint8_t type)
{
    unsigned char f[5] = { 0, 0, 0, 1, type };
    return conn_write(c, f, sizeof(f));
}

static void
put32(unsigned char *p, uint32_t v)
{
    p[0] = (unsigned char)(v >> 24);
    p[1] = (unsigned char)(v >> 16);
    p[2] = (unsigned char)(v >> 8);
    p[3] = (unsigned char)v;
}

static uint32_t
get32(const unsigned char *p)
{
    return ((uint32_t)p[0] << 24) | ((uint32_t)p[1] << 16) | ((uint32_t)p[2] << 8) | p[3];
}

/* Read one frame (invariant 1): *type and the payload in buf. */
static int
frame_read(struct conn *c, uint8_t *type, avow_buf *buf)
{
    unsigned char hdr[5];
    int error;
    if ((error = conn_read(c, hdr, 4)) < 0) {
        return error;
    }
    uint32_t len = get32(hdr);
    if (len == 0 || len > AVOW_SYNC_FRAME_MAX) {
        return avow_error_set(AVOW_EFORMAT,
                              "the peer sent a frame of %" PRIu32 " bytes (1 to %u allowed)", len,
                              AVOW_SYNC_FRAME_MAX);
    }
    if ((error = conn_read(c, hdr + 4, 1)) < 0) {
        return error;
    }
    *type = hdr[4];
    avow_buf_clear(buf);
    if ((error = avow_buf_grow(buf, len - 1)) < 0) {
        return error;
    }
    if ((error = conn_read(c, buf->ptr, len - 1)) < 0) {
        return error;
    }
    buf->len = len - 1;
    return 0;
}

/* ---- a session -------------------------------------------------------------- */

struct session {
    avow_ledger *ledger;
    struct conn *conn;
    const avow_sync_opts *opts;
    avow_sync_stats *stats;
    sync_heads peer_heads, peer_evidence;
    sync_heads replies; /* evidence we stored: answer with our side */
    avow_buf frame;     /* outgoing */
    avow_buf in;        /* incoming payload */
    uint32_t batch_n;
    uint32_t fork_n;
    avow_buf forks; /* outgoing fork frame */
    const unsigned char **evs;
    size_t *lens;
    int peer_failed; /* the peer sent an error frame */
    /* Receive pipeline (invariant 7): the batch parsed last is verified on
     * the pool while the one before it, already verified, is appended. */
    pool *pool;
    jobs_verify_job vjob;
    unsigned char *ok;  /* per event of evs: verified */
    codec_hashes *hash; /* per verified event of evs: its hashes */
    avow_buf pin;       /* the pending batch: its frame, events, flags */
    const unsigned char **pevs;
    size_t *plens;
    unsigned char *pok;
    codec_hashes *phash;
    uint32_t pn;
    int pending;
    uint64_t batches; /* batch frames received */
};

/* Send an error frame (best effort) and return code with the message kept. */
static int
session_fail(struct session *s, int code)
{
    char msg[512];
    (void)snprintf(msg, sizeof(msg), "%s", avow_error_last());
    size_t n = strlen(msg);
    if (frame_begin(&s->frame, F_ERROR) == 0 && avow_buf_put(&s->frame, msg, n) == 0) {
        (void)frame_send(s->conn, &s->frame);
    }
    return avow_error_set(code, "%s", msg);
}

static int
send_hello(struct session *s, unsigned int flags)
{
    const char *origin = avow_ledger_origin(s->ledger);
    size_t olen = strlen(origin);
    unsigned char v[5];
    int error;
    if (olen > SYNC_MAX_ORIGIN) {
        olen = SYNC_MAX_ORIGIN;
    }
    be16_put(v, AVOW_SYNC_PROTOCOL);
    v[2] = (unsigned char)flags;
    be16_put(v + 3, (uint16_t)olen);
    if ((error = frame_begin(&s->frame, F_HELLO)) < 0 ||
        (error = avow_buf_put(&s->frame, SYNC_MAGIC, SYNC_MAGIC_BYTES)) < 0 ||
        (error = avow_buf_put(&s->frame, v, sizeof(v))) < 0 ||
        (error = avow_buf_put(&s->frame, origin, olen)) < 0) {
        return error;
    }
    return frame_send(s->conn, &s->frame);
}

static int
read_hello(struct session *s, unsigned int *flags)
{
    uint8_t type = 0;
    int error;
    if ((error = frame_read(s->conn, &type, &s->in)) < 0) {
        return error;
    }
    if (type == F_ERROR) {
        s->peer_failed = 1;
        return avow_error_set(AVOW_EVERIFY, "the peer refused: %.*s",
                              (int)(s->in.len > 400 ? 400 : s->in.len), (const char *)s->in.ptr);
    }
    const unsigned char *p = s->in.ptr;
    if (type != F_HELLO || s->in.len < SYNC_MAGIC_BYTES + 5 ||
        memcmp(p, SYNC_MAGIC, SYNC_MAGIC_BYTES) != 0) {
        return avow_error_set(AVOW_EFORMAT, "the peer does not speak the avow sync protocol");
    }
    uint16_t version = be16_get(p + SYNC_MAGIC_BYTES);
    if (version != AVOW_SYNC_PROTOCOL) {
        return avow_error_set(AVOW_EFORMAT, "the peer speaks sync protocol %u, this avow %d",
                              version, AVOW_SYNC_PROTOCOL);
    }
    *flags = p[SYNC_MAGIC_BYTES + 2];
    size_t olen = be16_get(p + SYNC_MAGIC_BYTES + 3);
    if (olen > SYNC_MAX_ORIGIN || SYNC_MAGIC_BYTES + 5 + olen != s->in.len ||
        avow_utf8_check((const char *)p + SYNC_MAGIC_BYTES + 5, olen) < 0) {
        return avow_error_set(AVOW_EFORMAT, "the peer sent a malformed hello");
    }
    if (s->stats != NULL) {
        memcpy(s->stats->peer_origin, p + SYNC_MAGIC_BYTES + 5, olen);
        s->stats->peer_origin[olen] = '\0';
    }
    return 0;
}

static int
send_heads_list(struct session *s, uint8_t type, const sync_heads *h)
{
    int error;
    for (size_t i = 0; i < h->n || (i == 0 && h->n == 0); i += SYNC_HEADS_PER_FRAME) {
        size_t n = h->n - i < SYNC_HEADS_PER_FRAME ? h->n - i : SYNC_HEADS_PER_FRAME;
        unsigned char cnt[4];
        put32(cnt, (uint32_t)n);
        if ((error = frame_begin(&s->frame, type)) < 0 ||
            (error = avow_buf_put(&s->frame, cnt, 4)) < 0) {
            return error;
        }
        for (size_t j = 0; j < n; j++) {
            const sync_head *e = &h->v[i + j];
            unsigned char rec[SYNC_HEAD_BYTES];
            memcpy(rec, e->author, AVOW_PUBKEY_BYTES);
            be64_put(rec + AVOW_PUBKEY_BYTES, e->seq);
            memcpy(rec + AVOW_PUBKEY_BYTES + 8, e->id, AVOW_EVENT_ID_BYTES);
            if ((error = avow_buf_put(&s->frame, rec, sizeof(rec))) < 0) {
                return error;
            }
        }
        if ((error = frame_send(s->conn, &s->frame)) < 0) {
            return error;
        }
        if (h->n == 0) {
            break;
        }
    }
    return 0;
}

static int
send_heads(struct session *s)
{
    sync_heads heads = { NULL, 0, 0 }, evidence = { NULL, 0, 0 };
    int error;
    if ((error = sync_heads_load(s->ledger, &heads, &evidence)) < 0 ||
        (error = send_heads_list(s, F_HEADS, &heads)) < 0 ||
        (error = send_heads_list(s, F_EVIDENCE_HAVE, &evidence)) < 0 ||
        (error = frame_simple(s->conn, F_HEADS_END)) < 0) {
        goto done;
    }
done:
    sync_heads_free(&heads);
    sync_heads_free(&evidence);
    return error;
}

static int
read_heads(struct session *s)
{
    int error;
    for (;;) {
        uint8_t type = 0;
        if ((error = frame_read(s->conn, &type, &s->in)) < 0) {
            return error;
        }
        if (type == F_HEADS_END) {
            return 0;
        }
        if (type == F_ERROR) {
            s->peer_failed = 1;
            return avow_error_set(AVOW_EVERIFY, "the peer refused: %.*s",
                                  (int)(s->in.len > 400 ? 400 : s->in.len),
                                  (const char *)s->in.ptr);
        }
        if ((type != F_HEADS && type != F_EVIDENCE_HAVE) || s->in.len < 4) {
            return avow_error_set(AVOW_EFORMAT, "the peer sent frame type %u instead of heads",
                                  type);
        }
        uint32_t n = get32(s->in.ptr);
        if ((uint64_t)n * SYNC_HEAD_BYTES != s->in.len - 4) {
            return avow_error_set(AVOW_EFORMAT, "the peer sent a malformed heads frame");
        }
        sync_heads *h = type == F_HEADS ? &s->peer_heads : &s->peer_evidence;
        if ((error = sync_heads_parse(h, s->in.ptr + 4, n)) < 0) {
            return error;
        }
        if (type == F_HEADS) {
            /* One head per author. */
            for (size_t i = 1; i < h->n; i++) {
                if (memcmp(h->v[i - 1].author, h->v[i].author, AVOW_PUBKEY_BYTES) == 0) {
                    return avow_error_set(AVOW_EFORMAT, "the peer sent two heads for one author");
                }
            }
        }
    }
}

/* Outgoing batches: events and evidence are packed into frames. */
static int
flush_batch(struct session *s)
{
    int error;
    if (s->batch_n > 0) {
        put32(s->frame.ptr + 5, s->batch_n);
        if ((error = frame_send(s->conn, &s->frame)) < 0) {
            return error;
        }
        s->batch_n = 0;
    }
    if (s->fork_n > 0) {
        put32(s->forks.ptr + 5, s->fork_n);
        if ((error = frame_send(s->conn, &s->forks)) < 0) {
            return error;
        }
        s->fork_n = 0;
    }
    return 0;
}

static int
emit_conn(void *ctx, const unsigned char *raw, size_t len, int evidence)
{
    struct session *s = ctx;
    avow_buf *f = evidence ? &s->forks : &s->frame;
    uint32_t *n = evidence ? &s->fork_n : &s->batch_n;
    unsigned char l[4];
    int error;
    if (*n > 0 && (*n >= AVOW_SYNC_BATCH_EVENTS || f->len + 4 + len > AVOW_SYNC_FRAME_MAX + 4)) {
        if ((error = flush_batch(s)) < 0) {
            return error;
        }
    }
    if (*n == 0) {
        unsigned char zero[4] = { 0, 0, 0, 0 };
        if ((error = frame_begin(f, evidence ? F_FORK : F_BATCH)) < 0 ||
            (error = avow_buf_put(f, zero, 4)) < 0) {
            return error;
        }
    }
    put32(l, (uint32_t)len);
    if ((error = avow_buf_put(f, l, 4)) < 0 || (error = avow_buf_put(f, raw, len)) < 0) {
        return error;
    }
    (*n)++;
    if (!evidence && s->stats != NULL) {
        s->stats->sent++;
    }
    return 0;
}

/* Send what the peer lacks (SYNC_* parts), then done. */
static int
send_stream(struct session *s, unsigned int what)
{
    int error;
    s->batch_n = 0;
    s->fork_n = 0;
    if (what != 0) {
        error = sync_collect(s->ledger, what, &s->peer_heads, &s->peer_evidence, &s->replies,
                             emit_conn, s, NULL);
        if (error < 0) {
            return error;
        }
        if ((error = flush_batch(s)) < 0) {
            return error;
        }
    }
    s->replies.n = 0;
    return frame_simple(s->conn, F_DONE);
}

/* Split a batch payload into events (invariant 1). */
static int
parse_events(struct session *s, uint32_t *count)
{
    /* Check the length first: an empty payload has no buffer (NULL + 0). */
    if (s->in.len < 4) {
        return avow_error_set(AVOW_EFORMAT, "the peer sent a malformed batch");
    }
    const unsigned char *p = s->in.ptr, *end = s->in.ptr + s->in.len;
    uint32_t n = get32(p);
    p += 4;
    if (n == 0 || n > AVOW_SYNC_BATCH_EVENTS) {
        return avow_error_set(AVOW_EFORMAT, "the peer sent a batch of %" PRIu32 " events (1 to %d)",
                              n, AVOW_SYNC_BATCH_EVENTS);
    }
    for (uint32_t i = 0; i < n; i++) {
        if (end - p < 4) {
            return avow_error_set(AVOW_EFORMAT, "the peer sent a truncated batch");
        }
        uint32_t len = get32(p);
        p += 4;
        if (len > AVOW_EVENT_MAX_BYTES || len > (size_t)(end - p)) {
            return avow_error_set(AVOW_EFORMAT,
                                  "the peer sent an event of %" PRIu32 " bytes (at most %d)", len,
                                  AVOW_EVENT_MAX_BYTES);
        }
        s->evs[i] = p;
        s->lens[i] = len;
        p += len;
    }
    if (p != end) {
        return avow_error_set(AVOW_EFORMAT, "the peer sent trailing bytes in a batch");
    }
    *count = n;
    return 0;
}

/* Append the pending batch, whose signatures the pool checked (invariant 7). */
static int
recv_flush(struct session *s)
{
    avow_append_result res;
    size_t forks = 0;
    int error;
    if (!s->pending) {
        return 0;
    }
    s->pending = 0;
    error = store_append_signed_checked(s->ledger, &res, &forks, s->pevs, s->plens, s->pn, s->pok,
                                        s->phash);
    if (error < 0) {
        if (error == AVOW_EIO || error == AVOW_ENOMEM || error == AVOW_EFULL ||
            error == AVOW_ELOCK) {
            return session_fail(s, error);
        }
        sync_batch_error(error, s->pevs, s->plens, s->pn, res.failed_at);
        return session_fail(s, error == AVOW_EINVALID ? AVOW_EFORMAT : error);
    }
    if (s->stats != NULL) {
        s->stats->received += res.appended;
        s->stats->duplicates += res.duplicates;
        s->stats->forks += forks;
        if (s->opts != NULL && s->opts->on_progress != NULL) {
            s->opts->on_progress(s->stats->received, 0, s->opts->payload);
        }
    }
    return 0;
}

/* A batch frame was parsed into s->evs: verify it on the pool while the
 * pending one is appended, then make it the pending one. */
static int
recv_batch(struct session *s, uint32_t n)
{
    int error;
    if (s->pool == NULL && n >= POOL_MIN_BATCH && pool_cores() > 1 &&
        (error = pool_new(&s->pool, (size_t)-1)) < 0) {
        return session_fail(s, error);
    }
    s->vjob.ok = s->ok;
    s->vjob.events = s->evs;
    s->vjob.lens = s->lens;
    s->vjob.hashes = s->hash;
    jobs_verify_start(s->pool, &s->vjob, n);
    error = recv_flush(s);
    pool_wait(s->pool);
    if (error < 0) {
        return error;
    }
    /* Swap the buffers: the events point into their own frame buffer. */
    avow_buf tb = s->pin;
    s->pin = s->in;
    s->in = tb;
    const unsigned char **te = s->pevs;
    s->pevs = s->evs;
    s->evs = te;
    size_t *tl = s->plens;
    s->plens = s->lens;
    s->lens = tl;
    unsigned char *to = s->pok;
    s->pok = s->ok;
    s->ok = to;
    codec_hashes *th = s->phash;
    s->phash = s->hash;
    s->hash = th;
    s->pn = n;
    s->pending = 1;
    if (s->batches++ == 0) {
        /* The first batch is appended at once: progress is reported as soon
         * as something is stored, and a one-batch sync waits for nothing. */
        return recv_flush(s);
    }
    return 0;
}

/* Receive until done: batches are appended, evidence is stored. */
static int
recv_stream(struct session *s)
{
    int error;
    for (;;) {
        uint8_t type = 0;
        uint32_t n = 0;
        /* Never wait for the peer with a batch pending: a peer may wait for
         * our answer after its last batch (invariant 7). */
        if (s->pending && !conn_ready(s->conn) && (error = recv_flush(s)) < 0) {
            return error;
        }
        if ((error = frame_read(s->conn, &type, &s->in)) < 0) {
            /* Whole verified batches are kept (invariant 2). */
            int kept = recv_flush(s);
            if (kept < 0) {
                return kept;
            }
            if (error == AVOW_EFORMAT || error == AVOW_ERANGE) {
                return session_fail(s, AVOW_EFORMAT);
            }
            return error;
        }
        if (type != F_BATCH && (error = recv_flush(s)) < 0) {
            return error;
        }
        switch (type) {
        case F_DONE:
            return 0;
        case F_ERROR:
            s->peer_failed = 1;
            return avow_error_set(AVOW_EVERIFY, "the peer refused: %.*s",
                                  (int)(s->in.len > 400 ? 400 : s->in.len),
                                  (const char *)s->in.ptr);
        case F_BATCH: {
            if ((error = parse_events(s, &n)) < 0) {
                int kept = recv_flush(s);
                return kept < 0 ? kept : session_fail(s, AVOW_EFORMAT);
            }
            if ((error = recv_batch(s, n)) < 0) {
                return error;
            }
            break;
        }
        case F_FORK: {
            size_t stored = 0;
            sync_heads got = { NULL, 0, 0 };
            if ((error = parse_events(s, &n)) < 0) {
                return session_fail(s, AVOW_EFORMAT);
            }
            error = sync_store_evidence(s->ledger, s->evs, s->lens, n, &stored, &got);
            if (error < 0) {
                sync_heads_free(&got);
                return session_fail(s, error);
            }
            for (size_t i = 0; i < got.n && error == 0; i++) {
                error = sync_heads_push(&s->replies, got.v[i].author, got.v[i].seq, got.v[i].id);
            }
            sync_heads_free(&got);
            if (error < 0) {
                return error;
            }
            if (s->stats != NULL) {
                s->stats->forks += stored;
            }
            break;
        }
        case F_HELLO:
        case F_HEADS:
        case F_EVIDENCE_HAVE:
        case F_HEADS_END:
        default:
            avow_error_set(AVOW_EFORMAT, "the peer sent frame type %u in the event stream", type);
            return session_fail(s, AVOW_EFORMAT);
        }
    }
}

static int
session_init(struct session *s, avow_ledger *ledger, struct conn *c, const avow_sync_opts *opts,
             avow_sync_stats *stats)
{
    memset(s, 0, sizeof(*s));
    s->ledger = ledger;
    s->conn = c;
    s->opts = opts;
    s->stats = stats;
    s->evs = calloc(AVOW_SYNC_BATCH_EVENTS, sizeof(*s->evs));
    s->lens = calloc(AVOW_SYNC_BATCH_EVENTS, sizeof(*s->lens));
    s->ok = calloc(AVOW_SYNC_BATCH_EVENTS, 1);
    s->pevs = calloc(AVOW_SYNC_BATCH_EVENTS, sizeof(*s->pevs));
    s->plens = calloc(AVOW_SYNC_BATCH_EVENTS, sizeof(*s->plens));
    s->pok = calloc(AVOW_SYNC_BATCH_EVENTS, 1);
    s->hash = calloc(AVOW_SYNC_BATCH_EVENTS, sizeof(*s->hash));
    s->phash = calloc(AVOW_SYNC_BATCH_EVENTS, sizeof(*s->phash));
    if (s->evs == NULL || s->lens == NULL || s->ok == NULL || s->pevs == NULL || s->plens == NULL ||
        s->pok == NULL || s->hash == NULL || s->phash == NULL) {
        return avow_error_set(AVOW_ENOMEM, "out of memory starting a sync");
    }
    if (stats != NULL) {
        memset(stats, 0, sizeof(*stats));
    }
    return 0;
}

static void
session_free(struct session *s)
{
    sync_heads_free(&s->peer_heads);
    sync_heads_free(&s->peer_evidence);
    sync_heads_free(&s->replies);
    avow_buf_dispose(&s->frame);
    avow_buf_dispose(&s->forks);
    avow_buf_dispose(&s->in);
    avow_buf_dispose(&s->pin);
    pool_free(s->pool);
    free(s->evs);
    free(s->lens);
    free(s->ok);
    free(s->pevs);
    free(s->plens);
    free(s->pok);
    free(s->hash);
    free(s->phash);
}

static unsigned int
sync_flags(const avow_sync_opts *opts)
{
    unsigned int f = opts == NULL ? 0 : opts->flags & (AVOW_SYNC_PULL | AVOW_SYNC_PUSH);
    return f == 0 ? (AVOW_SYNC_PULL | AVOW_SYNC_PUSH) : f;
}

/* After a failed write, the peer may have explained why in an error frame. */
static int
peer_reason(struct session *s, int error)
{
    uint8_t type = 0;
    if (error != AVOW_EIO || s->peer_failed) {
        return error;
    }
    char saved[512];
    (void)snprintf(saved, sizeof(saved), "%s", avow_error_last());
    for (int i = 0; i < 64; i++) {
        if (frame_read(s->conn, &type, &s->in) < 0) {
            break;
        }
        if (type == F_ERROR) {
            return avow_error_set(AVOW_EVERIFY, "the peer refused: %.*s",
                                  (int)(s->in.len > 400 ? 400 : s->in.len),
                                  (const char *)s->in.ptr);
        }
    }
    return avow_error_set(error, "%s", saved);
}

/*
 * Client: hello, heads; then the server streams (phase 1), the client streams
 * (phase 2), and the server answers evidence (phase 3). docs/PROTOCOL.md.
 */
int
avow_sync_client(avow_ledger *ledger, int in_fd, int out_fd, const avow_sync_opts *opts,
                 avow_sync_stats *stats)
{
    struct conn *c = NULL;
    struct session s;
    unsigned int flags = sync_flags(opts), peer_flags = 0;
    int error;

    if (ledger == NULL) {
        return avow_error_set(AVOW_EINVALID, "avow_sync_client: missing ledger");
    }
    if ((c = calloc(1, sizeof(*c))) == NULL) {
        return avow_error_set(AVOW_ENOMEM, "out of memory starting a sync");
    }
    c->in = in_fd;
    c->out = out_fd;
    if ((error = session_init(&s, ledger, c, opts, stats)) < 0) {
        goto done;
    }
    if ((error = send_hello(&s, flags)) < 0 || (error = send_heads(&s)) < 0 ||
        (error = read_hello(&s, &peer_flags)) < 0 || (error = read_heads(&s)) < 0) {
        goto done;
    }
    /* Phase 1: the server's stream (empty unless we pull). */
    if ((error = recv_stream(&s)) < 0) {
        goto done;
    }
    /* Phase 2: ours, when pushing. */
    if ((error = send_stream(&s, (flags & AVOW_SYNC_PUSH) ? SYNC_ALL : 0)) < 0) {
        goto done;
    }
    /* Phase 3: the server's answers, then done. */
    error = recv_stream(&s);
done:
    if (error < 0) {
        error = peer_reason(&s, error);
    }
    session_free(&s);
    free(c);
    return error;
}

int
avow_sync_serve(avow_ledger *ledger, int in_fd, int out_fd, const avow_sync_opts *opts,
                avow_sync_stats *stats)
{
    struct conn *c = NULL;
    struct session s;
    unsigned int peer_flags = 0;
    int error;

    if (ledger == NULL) {
        return avow_error_set(AVOW_EINVALID, "avow_sync_serve: missing ledger");
    }
    if ((c = calloc(1, sizeof(*c))) == NULL) {
        return avow_error_set(AVOW_ENOMEM, "out of memory starting a sync");
    }
    c->in = in_fd;
    c->out = out_fd;
    if ((error = session_init(&s, ledger, c, opts, stats)) < 0) {
        goto done;
    }
    if ((error = read_hello(&s, &peer_flags)) < 0 || (error = read_heads(&s)) < 0) {
        if (error == AVOW_EFORMAT || error == AVOW_ERANGE) {
            error = session_fail(&s, AVOW_EFORMAT);
        }
        goto done;
    }
    if ((error = send_hello(&s, sync_flags(opts))) < 0 || (error = send_heads(&s)) < 0) {
        goto done;
    }
    /* Phase 1: what the client lacks, if it pulls. */
    if ((error = send_stream(&s, (peer_flags & AVOW_SYNC_PULL) ? SYNC_ALL : 0)) < 0) {
        goto done;
    }
    /* Phase 2: the client's stream. */
    if ((error = recv_stream(&s)) < 0) {
        goto done;
    }
    /* Phase 3: our side of the forks it showed us. */
    if ((error = send_stream(&s, (peer_flags & AVOW_SYNC_PULL) ? SYNC_REPLIES : 0)) < 0) {
        goto done;
    }
done:
    if (error < 0) {
        error = peer_reason(&s, error);
    }
    session_free(&s);
    free(c);
    return error;
}

/* ---- two ledgers of this process ------------------------------------------ */

struct local_peer {
    avow_ledger *ledger;
    int fd;
    int error;
    char message[512];
    avow_sync_stats stats;
};

static void *
local_serve(void *arg)
{
    struct local_peer *p = arg;
    p->error = avow_sync_serve(p->ledger, p->fd, p->fd, NULL, &p->stats);
    if (p->error < 0) {
        (void)snprintf(p->message, sizeof(p->message), "%s", avow_error_last());
    }
    /* Closing our end lets a client blocked on a read see the end. */
    shutdown(p->fd, SHUT_RDWR);
    return NULL;
}

int
avow_sync_local(avow_ledger *ledger, avow_ledger *peer, const avow_sync_opts *opts,
                avow_sync_stats *stats)
{
    struct local_peer p;
    pthread_t th;
    int sv[2];
    int error;

    if (ledger == NULL || peer == NULL || ledger == peer) {
        return avow_error_set(AVOW_EINVALID, "avow_sync_local: two different ledgers are needed");
    }
    memset(&p, 0, sizeof(p));
    if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv) < 0) {
        return avow_error_set(AVOW_EIO, "socketpair: %s", strerror(errno));
    }
    p.ledger = peer;
    p.fd = sv[1];
    if (pthread_create(&th, NULL, local_serve, &p) != 0) {
        close(sv[0]);
        close(sv[1]);
        return avow_error_set(AVOW_ENOMEM, "cannot start a thread for the local peer");
    }
    error = avow_sync_client(ledger, sv[0], sv[0], opts, stats);
    shutdown(sv[0], SHUT_RDWR);
    pthread_join(th, NULL);
    close(sv[0]);
    close(sv[1]);
    if (error == 0 && p.error < 0) {
        error = avow_error_set(p.error, "the peer ledger: %s", p.message);
    }
    return error;
}

/* ---- the fork evidence table (ledger/table.h) --------------------------- */

struct sync_table_verify {
    store_txn *txn;
    const avow_ledger *ledger;
    struct verify_state *s;
};

static int
sync_table_verify_begin(void **state, store_txn *txn, const avow_ledger *ledger,
                        struct verify_state *s)
{
    struct sync_table_verify *v = malloc(sizeof(*v));
    *state = v;
    if (v == NULL) {
        return avow_error_set(AVOW_ENOMEM, "out of memory verifying");
    }
    v->txn = txn;
    v->ledger = ledger;
    v->s = s;
    return 0;
}

/* Fork evidence is checked after the core tables, when they hold. */
static int
sync_table_verify_end(void *state, int check)
{
    struct sync_table_verify *v = state;
    int error = 0;
    if (v != NULL && check) {
        error = sync_verify(store_mdb_txn(v->txn), v->ledger, v->s);
    }
    free(v);
    return error;
}

const store_table sync_forks_table = {
    "forks", NULL, sync_keep_fork, sync_table_verify_begin, NULL, sync_table_verify_end,
};
