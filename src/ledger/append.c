/* SPDX-License-Identifier: ISC */
/*
 * append.c - events join the log: drafts signed here
 * (avow_ledger_append, avow_ledger_append_drafts) and events signed elsewhere
 * (avow_ledger_append_signed, and the sync, bundle and import paths through
 * store_append_signed_*). Each event is checked, written with its core index
 * entries (store_index_event) and handed to every derived table
 * (ledger/table.h) in the same write transaction.
 *
 * Invariants (tests/unit/test_store.c and avow_ledger_verify() check them):
 *  1. The log only grows: "events" records are written with MDB_APPEND at
 *     index = number of records, never updated or deleted.
 *  2. Every index entry is written in the same write transaction as its event,
 *     so a reader sees an event and its entries together or not at all.
 *  3. An author's events form a chain: seq 1, 2, 3 ... without gaps, each prev
 *     is the content hash of the author's previous event (zeros for seq 1);
 *     "heads" holds the last link (heads.c). Two different events with one
 *     (author, seq) are a fork: refused by avow_ledger_append_signed(), kept
 *     as evidence outside the chain (the tables' on_fork: "forks",
 *     src/replicate/sync.c) when sync or a bundle brings it.
 *  4. Appending a draft reads the head inside the write transaction, so writers
 *     sharing a key (threads or processes: LMDB's writer lock) never fork.
 *  5. Only the writer thread touches LMDB. The worker pool (src/event/jobs.c) signs
 *     or verifies the next chunk of a batch, and hashes it (codec_hashes: id,
 *     content hash, Merkle leaf), while the writer indexes the chunk before.
 *  6. A batch writes its "ids" entries last, in key order (the ids queue):
 *     ids are hashes, so written as they come each would land on a
 *     random leaf, and a large transaction would fault in, copy and keep
 *     nearly every leaf of the index at once. In key order each leaf is
 *     visited once and the map's pages can be dropped behind (store.c
 *     invariant 2). Any lookup by id in the transaction writes the queue
 *     first, so the transaction reads what it wrote (lookup.c invariant 2).
 *     A batch of signed events tells a duplicate from a new event by its
 *     (author, seq), not by its id: every id in "ids" is a chain event's
 *     (fork evidence has none).
 *  7. Before a batch, the map is grown to hold it with room to spare
 *     (store_reserve), so that a batch is seldom redone whole, signatures and
 *     all, for MDB_MAP_FULL (store.c invariant 1 remains the fallback).
 */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "event/codec.h"
#include "event/jobs.h"
#include "ledger/store_int.h"

/* Drafts per chunk of bulk signing (avow_ledger_append_drafts). */
#define STORE_SIGN_CHUNK 256
/* Batches of at least this many events reserve map room (invariant 7) and
 * write their ids in key order (invariant 6). */
#define STORE_BATCH_MIN 64
/* Map room reserved per event of a batch, beyond its bytes (invariant 7). */
#define STORE_RESERVE_PER_EVENT 1024
/* Events per chunk of pipelined verification (avow_ledger_append_signed). */
#define STORE_VERIFY_CHUNK 1024

static int
store_idq_push(struct store_idq *q, const unsigned char *id, const unsigned char ik[8])
{
    if (q->n == q->cap) {
        size_t cap = q->cap > 0 ? 2 * q->cap : 1024;
        struct store_idq_entry *e = cap < q->cap ? NULL : realloc(q->e, cap * sizeof(*e));
        if (e == NULL) {
            return avow_error_set(AVOW_ENOMEM, "out of memory for the ids of a batch");
        }
        q->e = e;
        q->cap = cap;
    }
    struct store_idq_entry *x = &q->e[q->n++];
    x->order = be64_get(id);
    memcpy(x->id, id, AVOW_EVENT_ID_BYTES);
    memcpy(x->ik, ik, 8);
    return 0;
}

static int
store_idq_cmp(const void *a, const void *b)
{
    uint64_t x = ((const struct store_idq_entry *)a)->order;
    uint64_t y = ((const struct store_idq_entry *)b)->order;
    return (x > y) - (x < y);
}

/* Write the queued ids in key order, dropping the map's pages behind as it
 * goes (invariant 6, store.c invariant 2); the queue is then empty. Ids that share their
 * first 8 bytes may come out of order: a cursor put finds its place anyway. */
int
store_idq_flush(struct store_w *w)
{
    struct store_idq *q = w->idq;
    MDB_cursor *cur = NULL;
    int rc, error = 0;
    if (q == NULL || q->n == 0) {
        return 0;
    }
    qsort(q->e, q->n, sizeof(*q->e), store_idq_cmp);
    if ((rc = mdb_cursor_open(w->txn, w->ledger->dbi[STORE_DB_IDS], &cur)) != 0) {
        return store_mdb_error(w->ledger, rc, store_db_names[STORE_DB_IDS]);
    }
    for (size_t i = 0; i < q->n; i++) {
        MDB_val key = { AVOW_EVENT_ID_BYTES, q->e[i].id };
        MDB_val val = { 8, q->e[i].ik };
        if ((rc = mdb_cursor_put(cur, &key, &val, MDB_NOOVERWRITE)) != 0) {
            w->map_full = rc == MDB_MAP_FULL;
            q->failed = be64_get(q->e[i].ik);
            error = store_mdb_error(w->ledger, rc, store_db_names[STORE_DB_IDS]);
            break;
        }
        if ((i + 1) % STORE_TRIM_EVERY == 0) {
            store_trim_pages(w->ledger);
        }
    }
    mdb_cursor_close(cur);
    q->n = 0;
    return error;
}

/*
 * Grow the map ahead of a batch that would come near filling it (invariant
 * 7): its pages in use, a quarter more for the copies a transaction writes
 * before it frees the originals, and `bytes` for the batch. Best effort: a
 * map that cannot grow now is grown, or refused, on MDB_MAP_FULL.
 */
static void
store_reserve(avow_ledger *ledger, uint64_t bytes)
{
    MDB_envinfo info;
    MDB_stat st;
    if ((ledger->flags & AVOW_OPEN_READONLY) || mdb_env_stat(ledger->env, &st) != 0) {
        return;
    }
    while (ledger->readers == 0 && mdb_env_info(ledger->env, &info) == 0 &&
           info.me_mapsize < AVOW_MAP_MAX) {
        uint64_t used = ((uint64_t)info.me_last_pgno + 1) * st.ms_psize;
        if (used + used / 4 + bytes <= info.me_mapsize) {
            return;
        }
        if (store_grow(ledger) < 0) {
            avow_error_clear();
            return;
        }
    }
}

/* Write ev (already checked) and all its index entries (invariants 1, 2;
 * lookup.c invariant 1). */
static int
store_index_event(struct store_w *w, const avow_event *ev, const codec_hashes *h)
{
    const unsigned char *id = h->id;
    const avow_ledger *ledger = w->ledger;
    MDB_stat st;
    unsigned char ik[8], ak[STORE_AUTHOR_KEY_BYTES], head[STORE_HEAD_BYTES];
    unsigned char tk[STORE_BYTIME_KEY_MAX];
    char contest[AVOW_MAX_CONTEST];
    size_t contest_len = 0;
    int error, rc;

    if ((rc = mdb_stat(w->txn, ledger->dbi[STORE_DB_EVENTS], &st)) != 0) {
        return store_mdb_error(ledger, rc, "events");
    }
    be64_put(ik, (uint64_t)st.ms_entries);

    /* Resolve the contest before the first write: it reads from the map. */
    int has_contest = store_resolve_contest(ledger, w->txn, ev, contest, &contest_len);
    if (has_contest < 0) {
        return has_contest;
    }
    if ((error = store_put(w, STORE_DB_EVENTS, ik, 8, ev->raw, ev->raw_len, MDB_APPEND)) < 0) {
        return error;
    }
    if (w->idq != NULL) {
        error = store_idq_push(w->idq, id, ik); /* invariant 6 */
    } else {
        error = store_put(w, STORE_DB_IDS, id, AVOW_EVENT_ID_BYTES, ik, 8, MDB_NOOVERWRITE);
    }
    if (error < 0) {
        return error;
    }
    memcpy(ak, ev->author, AVOW_PUBKEY_BYTES);
    be64_put(ak + AVOW_PUBKEY_BYTES, ev->seq);
    if ((error = store_put(w, STORE_DB_AUTHORS, ak, sizeof(ak), ik, 8, MDB_NOOVERWRITE)) < 0) {
        return error;
    }
    store_head_encode(head, ev->seq, h->content, id);
    if ((error = store_put(w, STORE_DB_HEADS, ev->author, AVOW_PUBKEY_BYTES, head, sizeof(head),
                           0)) < 0) {
        return error;
    }
    if (has_contest) {
        avow_str cs = { contest, contest_len };
        size_t tlen = store_bytime_key(tk, &cs, ev, id);
        if ((error = store_put(w, STORE_DB_BYTIME, tk, tlen, ik, 8, MDB_NOOVERWRITE)) < 0) {
            return error;
        }
    }
    if (ev->kind == AVOW_KIND_CONTEST && ev->contest.ptr != NULL) {
        /* The first definition wins; another author may define the same id later. */
        error =
          store_put(w, STORE_DB_CONTESTS, ev->contest.ptr, ev->contest.len, ik, 8, MDB_NOOVERWRITE);
        if (error < 0 && error != AVOW_EEXISTS) {
            return error;
        }
    }
    /* The derived tables, in the same transaction (table.h invariant 1). */
    store_appended a = { (uint64_t)st.ms_entries,
                         ev,
                         id,
                         h->leaf,
                         { has_contest ? contest : NULL, has_contest ? contest_len : 0 } };
    for (size_t i = 0; i < ledger->ntables; i++) {
        if (ledger->tables[i]->on_append != NULL &&
            (error = ledger->tables[i]->on_append(w, &a)) < 0) {
            return error;
        }
    }
    return 0;
}

/* Keep fork evidence in the tables that hold it (table.h invariant 2).
 * @return 1 when new evidence was stored, 0 when it was held already. */
static int
store_keep_fork(struct store_w *w, const avow_event *ev, const unsigned char *id)
{
    int kept = 0;
    for (size_t i = 0; i < w->ledger->ntables; i++) {
        const store_table *t = w->ledger->tables[i];
        int error = t->on_fork != NULL ? t->on_fork(w, ev, id) : 0;
        if (error < 0) {
            return error;
        }
        kept |= error == 1;
    }
    return kept;
}

/* The retraction target of ev must be an earlier event of ev's author. */
static int
store_check_target(const avow_ledger *ledger, MDB_txn *txn, const avow_event *ev, int code_missing,
                   int code_other)
{
    char hex[AVOW_HEX_ID_LEN + 1];
    MDB_val raw;
    avow_event target;
    int error;

    if (ev->target == NULL) {
        return avow_error_set(AVOW_EINVALID, "a retraction needs a target event");
    }
    avow_hex(hex, ev->target, AVOW_EVENT_ID_BYTES);
    if ((error = store_get_by_id(ledger, txn, ev->target, &raw, NULL)) < 0) {
        if (error == AVOW_ENOTFOUND) {
            return avow_error_set(code_missing, "retraction target %s is not in ledger %s", hex,
                                  ledger->path);
        }
        return error;
    }
    if (avow_event_decode(&target, raw.mv_data, raw.mv_size) < 0) {
        return avow_error_set(AVOW_EFORMAT,
                              "retraction target %s does not decode (run avow verify)", hex);
    }
    if (memcmp(target.author, ev->author, AVOW_PUBKEY_BYTES) != 0) {
        return avow_error_set(code_other,
                              "event %s is by another author: only its author can retract it", hex);
    }
    return 0;
}

struct drafts_ctx {
    const avow_key *key;
    const avow_draft *drafts;
    size_t n;
    size_t failed_at;
    unsigned char id[AVOW_EVENT_ID_BYTES];
    unsigned char *ids_out;
    avow_buf buf;
    /* Bulk signing (src/event/jobs.c): messages of two chunks of drafts, one signed
     * by the pool while this thread indexes the other. */
    avow_buf buf2;
    pool *pool;           /* NULL: sign in this thread */
    struct store_idq idq; /* invariant 6 */
    jobs_sign_item items[2][STORE_SIGN_CHUNK];
    codec_hashes hashes[2][STORE_SIGN_CHUNK]; /* content: here; id, leaf: the pool */
};

/*
 * Encode the messages of drafts [*next, ...) into chunk x, each followed by
 * room for its signature. prev chains to the CONTENT hash of the message
 * before (invariant 3), which needs no signature: that is what lets a whole
 * chunk be signed at once. Stops at the first draft that does not encode
 * (*bad, *bad_error). @return the number of messages in the chunk.
 */
static size_t
store_encode_chunk(struct drafts_ctx *c, int x, size_t *next, size_t *bad, int *bad_error,
                   uint64_t *seq, unsigned char prev[AVOW_HASH_BYTES], int64_t at)
{
    avow_buf *buf = x ? &c->buf2 : &c->buf;
    size_t k = 0;
    int error;
    avow_buf_clear(buf);
    while (*bad == SIZE_MAX && *next < c->n && k < STORE_SIGN_CHUNK) {
        size_t off = buf->len;
        if ((error = codec_encode_message(buf, &c->drafts[*next], avow_key_public(c->key), *seq + 1,
                                          prev, at)) < 0 ||
            (error = avow_buf_grow(buf, AVOW_SIG_BYTES)) < 0) {
            *bad = *next;
            *bad_error = error;
            break;
        }
        crypto_hash_sha256(prev, buf->ptr + off, buf->len - off);
        memcpy(c->hashes[x][k].content, prev, AVOW_HASH_BYTES);
        c->items[x][k].off = off;
        c->items[x][k].len = buf->len - off;
        buf->len += AVOW_SIG_BYTES;
        (*seq)++;
        (*next)++;
        k++;
    }
    return k;
}

static int
store_check_draft(struct store_w *w, const avow_event *ev)
{
    const avow_ledger *ledger = w->ledger;
    int exists;
    if (ev->kind == AVOW_KIND_CONTEST) {
        exists = store_contest_exists(ledger, w->txn, ev->contest.ptr, ev->contest.len);
        if (exists < 0) {
            return exists;
        }
        if (exists) {
            return avow_error_set(AVOW_EEXISTS, "contest %.*s already exists in ledger %s",
                                  (int)ev->contest.len, ev->contest.ptr, ledger->path);
        }
    } else if (ev->kind == AVOW_KIND_RETRACT) {
        return store_check_target(ledger, w->txn, ev, AVOW_ENOTFOUND, AVOW_EINVALID);
    } else if (ev->contest.ptr != NULL) {
        exists = store_contest_exists(ledger, w->txn, ev->contest.ptr, ev->contest.len);
        if (exists < 0) {
            return exists;
        }
        if (!exists) {
            return avow_error_set(AVOW_ENOTFOUND,
                                  "no contest %.*s in ledger %s (define it with avow contest new)",
                                  (int)ev->contest.len, ev->contest.ptr, ledger->path);
        }
    }
    return 0;
}

static int
store_drafts_txn(struct store_w *w, void *vctx)
{
    struct drafts_ctx *c = vctx;
    const avow_ledger *ledger = w->ledger;
    const unsigned char *pk = avow_key_public(c->key);
    unsigned char prev[AVOW_HASH_BYTES], head_id[AVOW_EVENT_ID_BYTES];
    uint64_t seq;
    int64_t last = INT64_MIN;
    uint64_t first;
    avow_event ev;
    MDB_stat st;
    MDB_val v;
    int error, rc;

    c->failed_at = 0;
    c->idq.n = 0;
    if ((rc = mdb_stat(w->txn, ledger->dbi[STORE_DB_EVENTS], &st)) != 0) {
        return store_mdb_error(ledger, rc, store_db_names[STORE_DB_EVENTS]);
    }
    first = (uint64_t)st.ms_entries;
    if (c->n >= STORE_BATCH_MIN) {
        w->idq = &c->idq;
    }
    if ((error = store_head_get(ledger, w->txn, pk, &seq, prev, head_id)) < 0) {
        goto done;
    }
    if (seq > 0) {
        if ((error = store_get_by_id(ledger, w->txn, head_id, &v, NULL)) < 0) {
            goto done;
        }
        if ((error = avow_event_decode(&ev, v.mv_data, v.mv_size)) < 0) {
            error = avow_error_set(AVOW_EIO, "the head event of this author does not decode "
                                             "(run avow verify)");
            goto done;
        }
        last = ev.recorded_at;
    }
    error = store_get(ledger, w->txn, STORE_DB_META, "owner", 5, &v);
    if (error == AVOW_ENOTFOUND) {
        error = store_put(w, STORE_DB_META, "owner", 5, pk, AVOW_PUBKEY_BYTES, 0);
    }
    if (error < 0) {
        goto done;
    }

    int64_t now = avow_time_now();
    int64_t at = now > last ? now : last;
    jobs_sign_job job[2];
    size_t base[2], count[2], next = 0, bad = SIZE_MAX;
    int x = 0, bad_error = 0;
    /* Pipeline: encode chunk y, sign it on the pool while chunk x is indexed. */
    base[0] = 0;
    count[0] = store_encode_chunk(c, 0, &next, &bad, &bad_error, &seq, prev, at);
    job[0] = (jobs_sign_job){ c->buf.ptr, c->items[0], c->key, c->hashes[0] };
    jobs_sign_start(c->pool, &job[0], count[0]);
    while (count[x] > 0) {
        int y = !x;
        base[y] = next;
        count[y] = store_encode_chunk(c, y, &next, &bad, &bad_error, &seq, prev, at);
        pool_wait(c->pool);
        job[y] = (jobs_sign_job){ y ? c->buf2.ptr : c->buf.ptr, c->items[y], c->key, c->hashes[y] };
        jobs_sign_start(c->pool, &job[y], count[y]);
        for (size_t j = 0; j < count[x]; j++) {
            size_t i = base[x] + j;
            const jobs_sign_item *it = &c->items[x][j];
            c->failed_at = i;
            if ((error = avow_event_decode(&ev, job[x].buf + it->off, it->len + AVOW_SIG_BYTES)) <
                0) {
                error = store_error_prefix(AVOW_EINVALID,
                                           "draft %zu signs to bytes that do not decode", i);
                goto done;
            }
            if ((error = store_check_draft(w, &ev)) < 0) {
                goto done;
            }
            if ((error = store_index_event(w, &ev, &c->hashes[x][j])) < 0) {
                goto done;
            }
            memcpy(c->id, c->hashes[x][j].id, AVOW_EVENT_ID_BYTES);
            if (c->ids_out != NULL) {
                memcpy(c->ids_out + i * AVOW_EVENT_ID_BYTES, c->id, AVOW_EVENT_ID_BYTES);
            }
        }
        x = y;
    }
    if (bad != SIZE_MAX) {
        /* Encode the draft again to record its reason on this thread. */
        avow_buf scratch = AVOW_BUF_INIT;
        c->failed_at = bad;
        error = codec_encode_message(&scratch, &c->drafts[bad], pk, seq + 1, prev, at);
        avow_buf_dispose(&scratch);
        if (error == 0) {
            error = avow_error_set(bad_error, "draft %zu: %s", bad, avow_strerror(bad_error));
        }
        goto done;
    }
    if ((error = store_idq_flush(w)) < 0) {
        c->failed_at = c->idq.failed >= first && c->idq.failed - first < c->n
                         ? (size_t)(c->idq.failed - first)
                         : 0;
    }
done:
    pool_wait(c->pool);
    return error;
}

int
store_append_drafts(avow_ledger *ledger, struct pool *p, size_t *failed_at, unsigned char *ids_out,
                    const avow_key *key, const avow_draft *drafts, size_t n)
{
    struct drafts_ctx c;
    memset(&c, 0, sizeof(c));
    if (ledger == NULL || key == NULL || (drafts == NULL && n > 0)) {
        return avow_error_set(AVOW_EINVALID, "avow_ledger_append_drafts: missing argument");
    }
    c.key = key;
    c.drafts = drafts;
    c.n = n;
    c.ids_out = ids_out;
    c.pool = p;
    if (n >= STORE_BATCH_MIN) {
        store_reserve(ledger, (uint64_t)n * STORE_RESERVE_PER_EVENT);
    }
    int error = n == 0 ? 0 : store_write(ledger, store_drafts_txn, &c);
    if (failed_at != NULL) {
        *failed_at = error < 0 ? c.failed_at : n;
    }
    avow_buf_dispose(&c.buf);
    avow_buf_dispose(&c.buf2);
    free(c.idq.e);
    return error;
}

int
avow_ledger_append_drafts(avow_ledger *ledger, size_t *failed_at, unsigned char *ids_out,
                          const avow_key *key, const avow_draft *drafts, size_t n)
{
    pool *p = NULL;
    /* Sign on every core (src/util/pool.c); without a pool, in this thread. */
    if (n >= POOL_MIN_BATCH && pool_cores() > 1 && pool_new(&p, (size_t)-1) < 0) {
        p = NULL;
    }
    int error = store_append_drafts(ledger, p, failed_at, ids_out, key, drafts, n);
    pool_free(p);
    return error;
}

int
avow_ledger_append(avow_ledger *ledger, unsigned char id_out[AVOW_EVENT_ID_BYTES],
                   const avow_key *key, const avow_draft *draft)
{
    struct drafts_ctx c;
    memset(&c, 0, sizeof(c));
    if (ledger == NULL || key == NULL || draft == NULL) {
        return avow_error_set(AVOW_EINVALID, "avow_ledger_append: missing argument");
    }
    c.key = key;
    c.drafts = draft;
    c.n = 1;
    int error = store_write(ledger, store_drafts_txn, &c);
    if (error == 0 && id_out != NULL) {
        memcpy(id_out, c.id, AVOW_EVENT_ID_BYTES);
    }
    avow_buf_dispose(&c.buf);
    return error;
}

struct signed_ctx {
    const unsigned char *const *events;
    const size_t *lens;
    size_t n;
    size_t failed_at;
    size_t appended;
    size_t duplicates;
    const unsigned char *verified; /* n flags: 1 = signature already checked (or NULL) */
    const codec_hashes *hashes;    /* n: the hashes of the verified ones (or NULL) */
    int keep_forks;                /* a fork is kept as evidence (table.h on_fork), not refused */
    int trim;                      /* keep the map's pages within budget as it goes (sync) */
    size_t forks;                  /* new fork evidence stored */
    struct store_idq idq;          /* invariant 6 */
    /* Pipelined verification (pool not NULL): chunk k + 1 is checked on the
     * pool while chunk k is indexed; flags and hashes per chunk, two chunks. */
    pool *pool;
    unsigned char *vok[2];
    codec_hashes *vh[2];
};

/* One event of the batch; ok: its signature was checked (strictly decoded
 * too) and h holds its hashes, else both are done here. */
static int
store_signed_one(struct store_w *w, struct signed_ctx *c, size_t i, int ok, const codec_hashes *h)
{
    const avow_ledger *ledger = w->ledger;
    unsigned char hhash[AVOW_HASH_BYTES];
    unsigned char ak[STORE_AUTHOR_KEY_BYTES];
    codec_hashes local;
    char who[9];
    uint64_t hseq;
    avow_event ev;
    MDB_val v;
    int error;

    c->failed_at = i;
    if (c->events[i] == NULL) {
        return avow_error_set(AVOW_EINVALID, "event %zu of the batch is missing", i);
    }
    if (ok && h != NULL) {
        /* The pool decoded these very bytes strictly already. */
        error = codec_decode_stored(&ev, c->events[i], c->lens[i]);
    } else {
        error = avow_event_decode(&ev, c->events[i], c->lens[i]);
    }
    if (error < 0) {
        return store_error_prefix(AVOW_EFORMAT, "event %zu of the batch", i);
    }
    if (!ok && avow_event_verify(&ev) < 0) {
        return avow_error_set(AVOW_EVERIFY, "event %zu of the batch: signature does not verify", i);
    }
    if (!ok || h == NULL) {
        codec_hash_event(&local, ev.raw, ev.raw_len);
        h = &local;
    }
    avow_hex(who, ev.author, 4);
    memcpy(ak, ev.author, AVOW_PUBKEY_BYTES);
    be64_put(ak + AVOW_PUBKEY_BYTES, ev.seq);
    /* Every id in "ids" is a chain event's, found by its (author, seq): an
     * event whose place is free is new, and one whose place is taken is
     * either that very event or a fork. No lookup by id (invariant 6). */
    error = store_get(ledger, w->txn, STORE_DB_AUTHORS, ak, sizeof(ak), &v);
    if (error == 0) {
        uint64_t at = 0;
        MDB_val raw;
        if ((error = store_index_val(&at, &v)) < 0 ||
            (error = store_get_event(ledger, w->txn, at, &raw)) < 0) {
            return error == AVOW_ENOTFOUND
                     ? avow_error_set(
                         AVOW_EIO,
                         "author index points at missing event #%" PRIu64 " (run avow verify)", at)
                     : error;
        }
        if (raw.mv_size == ev.raw_len && memcmp(raw.mv_data, ev.raw, ev.raw_len) == 0) {
            c->duplicates++;
            return 0;
        }
    }
    if (error == 0 && c->keep_forks) {
        /* Invariant 3: a second signed event for (author, seq) is evidence, kept
         * outside the chain (src/replicate/sync.c). */
        if ((error = store_keep_fork(w, &ev, h->id)) < 0) {
            return error;
        }
        if (error == 1) {
            c->forks++;
        } else {
            c->duplicates++;
        }
        return 0;
    }
    if (error == 0) {
        return avow_error_set(AVOW_ECHAIN, "fork: author %s seq %" PRIu64, who, ev.seq);
    }
    if (error != AVOW_ENOTFOUND) {
        return error;
    }
    if ((error = store_head_get(ledger, w->txn, ev.author, &hseq, hhash, NULL)) < 0) {
        return error;
    }
    if (ev.seq != hseq + 1) {
        return avow_error_set(AVOW_ECHAIN,
                              "event %zu of the batch: author %s seq %" PRIu64
                              " does not follow its head seq %" PRIu64 " (missing events)",
                              i, who, ev.seq, hseq);
    }
    if (sodium_memcmp(ev.prev, hhash, AVOW_HASH_BYTES) != 0) {
        return avow_error_set(AVOW_ECHAIN,
                              "event %zu of the batch: author %s seq %" PRIu64
                              " does not link to the content hash of seq %" PRIu64,
                              i, who, ev.seq, hseq);
    }
    if (ev.kind == AVOW_KIND_RETRACT) {
        if ((error = store_check_target(ledger, w->txn, &ev, AVOW_ECHAIN, AVOW_ECHAIN)) < 0) {
            return store_error_prefix(error, "event %zu of the batch", i);
        }
    }
    if ((error = store_index_event(w, &ev, h)) < 0) {
        return error;
    }
    c->appended++;
    return 0;
}

/* Start checking events [begin, begin + STORE_VERIFY_CHUNK) on the pool, into
 * the flags and hashes of chunk parity x. */
static void
store_verify_chunk(struct signed_ctx *c, jobs_verify_job *job, size_t begin, int x)
{
    size_t count = c->n - begin < STORE_VERIFY_CHUNK ? c->n - begin : STORE_VERIFY_CHUNK;
    *job = (jobs_verify_job){ c->vok[x], c->events + begin, c->lens + begin, c->vh[x] };
    jobs_verify_start(c->pool, job, count);
}

static int
store_signed_txn(struct store_w *w, void *vctx)
{
    struct signed_ctx *c = vctx;
    jobs_verify_job job;
    int error = 0;

    c->appended = 0;
    c->duplicates = 0;
    c->forks = 0;
    c->idq.n = 0;
    if (c->n >= STORE_BATCH_MIN) {
        w->idq = &c->idq;
    }
    if (c->pool == NULL) {
        for (size_t i = 0; i < c->n && error == 0; i++) {
            int ok = c->verified != NULL && c->verified[i];
            error = store_signed_one(w, c, i, ok, c->hashes != NULL ? &c->hashes[i] : NULL);
            if (c->trim && (i + 1) % STORE_TRIM_EVERY_RANDOM == 0) {
                store_trim_pages(w->ledger); /* store.c invariant 2: safe inside a write txn */
            }
        }
    } else {
        /* Invariant 5: verify the next chunk on the pool while this one is indexed. */
        store_verify_chunk(c, &job, 0, 0);
        for (size_t base = 0, k = 0; base < c->n && error == 0; base += STORE_VERIFY_CHUNK, k++) {
            int x = (int)(k & 1);
            size_t count = c->n - base < STORE_VERIFY_CHUNK ? c->n - base : STORE_VERIFY_CHUNK;
            pool_wait(c->pool);
            if (base + count < c->n) {
                store_verify_chunk(c, &job, base + count, !x);
            }
            for (size_t j = 0; j < count && error == 0; j++) {
                error = store_signed_one(w, c, base + j, c->vok[x][j], &c->vh[x][j]);
            }
        }
        pool_wait(c->pool);
    }
    return error < 0 ? error : store_idq_flush(w);
}

/* The batch, its signatures checked on every core as it is indexed. */
static int
store_append_signed_pooled(avow_ledger *ledger, struct signed_ctx *c)
{
    int error;
    if (c->n >= POOL_MIN_BATCH && pool_cores() > 1 && pool_new(&c->pool, (size_t)-1) == 0) {
        for (int x = 0; x < 2; x++) {
            c->vok[x] = malloc(STORE_VERIFY_CHUNK);
            c->vh[x] = malloc(STORE_VERIFY_CHUNK * sizeof(codec_hashes));
            if (c->vok[x] == NULL || c->vh[x] == NULL) {
                /* No room to pipeline: check in the transaction instead. */
                pool_free(c->pool);
                c->pool = NULL;
            }
        }
    }
    error = c->n == 0 ? 0 : store_write(ledger, store_signed_txn, c);
    free(c->idq.e);
    pool_free(c->pool);
    for (int x = 0; x < 2; x++) {
        free(c->vok[x]);
        free(c->vh[x]);
    }
    return error;
}

/* The context of a batch of signed events, its arguments checked. */
static int
store_signed_begin(struct signed_ctx *c, avow_ledger *ledger, const unsigned char *const *events,
                   const size_t *lens, size_t n, const char *caller)
{
    memset(c, 0, sizeof(*c));
    if (ledger == NULL || (n > 0 && (events == NULL || lens == NULL))) {
        return avow_error_set(AVOW_EINVALID, "%s: missing argument", caller);
    }
    c->events = events;
    c->lens = lens;
    c->n = n;
    if (n >= STORE_BATCH_MIN) {
        uint64_t bytes = (uint64_t)n * STORE_RESERVE_PER_EVENT;
        for (size_t i = 0; i < n; i++) {
            /* Longer ones are refused later; they reserve no more. */
            bytes += lens[i] < AVOW_EVENT_MAX_BYTES ? lens[i] : AVOW_EVENT_MAX_BYTES;
        }
        store_reserve(ledger, bytes);
    }
    return 0;
}

static void
store_signed_result(const struct signed_ctx *c, int error, avow_append_result *res, size_t *forks)
{
    if (res != NULL) {
        res->appended = error < 0 ? 0 : c->appended;
        res->duplicates = error < 0 ? 0 : c->duplicates;
        res->failed_at = error < 0 ? c->failed_at : c->n;
    }
    if (forks != NULL) {
        *forks = error < 0 ? 0 : c->forks;
    }
}

int
avow_ledger_append_signed(avow_ledger *ledger, avow_append_result *res,
                          const unsigned char *const *events, const size_t *lens, size_t n)
{
    struct signed_ctx c;
    int error = store_signed_begin(&c, ledger, events, lens, n, "avow_ledger_append_signed");
    if (error < 0) {
        return error;
    }
    error = store_append_signed_pooled(ledger, &c);
    store_signed_result(&c, error, res, NULL);
    return error;
}

int
store_append_signed_checked(avow_ledger *ledger, avow_append_result *res, size_t *forks,
                            const unsigned char *const *events, const size_t *lens, size_t n,
                            const unsigned char *verified, const codec_hashes *hashes)
{
    struct signed_ctx c;
    int error = store_signed_begin(&c, ledger, events, lens, n, "store_append_signed_checked");
    if (error < 0) {
        return error;
    }
    c.keep_forks = 1;
    c.trim = 1; /* sync receive: its peak resident size is a target (store.h) */
    /* Events not marked verified (or all, without flags) are checked in the
     * transaction, which reports the first failure in order. */
    c.verified = verified;
    c.hashes = hashes;
    error = n == 0 ? 0 : store_write(ledger, store_signed_txn, &c);
    free(c.idq.e);
    store_signed_result(&c, error, res, forks);
    return error;
}

int
store_append_signed_keep_forks(avow_ledger *ledger, avow_append_result *res, size_t *forks,
                               const unsigned char *const *events, const size_t *lens, size_t n)
{
    struct signed_ctx c;
    int error = store_signed_begin(&c, ledger, events, lens, n, "store_append_signed_keep_forks");
    if (error < 0) {
        return error;
    }
    c.keep_forks = 1;
    error = store_append_signed_pooled(ledger, &c);
    store_signed_result(&c, error, res, forks);
    return error;
}
