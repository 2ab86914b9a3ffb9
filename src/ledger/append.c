/* SPDX-License-Identifier: ISC */
/*
 * append.c - events join the log: drafts signed here
 * (avow_ledger_append, avow_ledger_append_drafts) and events signed elsewhere
 * (avow_ledger_append_signed, and the sync, bundle and import paths through
 * store_append_signed_*). Both run one pipeline (append_txn): chunk by
 * chunk, the pool signs the drafts or verifies the signed events of the
 * next chunk while this thread checks each event of this one, writes it with
 * its core index entries (append_index_event) and hands it to every derived
 * table (ledger/table.h), in one write transaction. A kind (append_kind)
 * supplies only what differs: how a chunk is prepared and what the pool
 * does with it, the checks of one event, fork handling, and the end.
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
 *     src/derived/forks.c) when sync or a bundle brings it.
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
 *     (append_reserve), so that a batch is seldom redone whole, signatures and
 *     all, for MDB_MAP_FULL (store.c invariant 1 remains the fallback).
 *  8. recorded_at increases along an author's chain: the drafts of a batch get
 *     the batch's time plus 1 µs each, after the author's head, so that the
 *     lines of one import keep their order in every ledger; a signed event of
 *     format v2 whose recorded_at is not later than its author's previous
 *     event is refused (format v1 events are not held to it: ledgers of the
 *     previous release have equal times within a batch).
 */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "event/codec.h"
#include "event/jobs.h"
#include "ledger/store_int.h"
#include "util/grow.h"

static int
append_idq_push(struct store_idq *q, const unsigned char *id, const unsigned char ik[8])
{
    int error;
    if ((error = grow_array(&q->e, &q->cap, q->n + 1, sizeof(*q->e), 1024)) < 0) {
        return error;
    }
    struct store_idq_entry *x = &q->e[q->n++];
    x->order = be64_get(id);
    memcpy(x->id, id, AVOW_EVENT_ID_BYTES);
    memcpy(x->ik, ik, 8);
    return 0;
}

static int
append_idq_cmp(const void *a, const void *b)
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
    qsort(q->e, q->n, sizeof(*q->e), append_idq_cmp);
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
append_reserve(avow_ledger *ledger, uint64_t bytes)
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
            error_clear();
            return;
        }
    }
}

/* Write ev (already checked) and all its index entries (invariants 1, 2;
 * lookup.c invariant 1). */
static int
append_index_event(struct store_w *w, const avow_event *ev, const codec_hashes *h)
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
        error = append_idq_push(w->idq, id, ik); /* invariant 6 */
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
        tlen = store_bytime_open_key(tk, &cs, ev, id);
        if (tlen > 0 &&
            (error = store_put(w, STORE_DB_BYTIME, tk, tlen, ik, 8, MDB_NOOVERWRITE)) < 0) {
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
append_keep_fork(struct store_w *w, const avow_event *ev, const unsigned char *id)
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
append_check_target(const avow_ledger *ledger, MDB_txn *txn, const avow_event *ev, int code_missing,
                    int code_other)
{
    char hex[AVOW_HEX_ID_LEN + 1];
    MDB_val raw;
    avow_event target;
    int error;

    if (ev->target == NULL) {
        return error_set(AVOW_EINVALID, "a retraction needs a target event");
    }
    avow_hex(hex, ev->target, AVOW_EVENT_ID_BYTES);
    if ((error = store_get_by_id(ledger, txn, ev->target, &raw, NULL)) < 0) {
        if (error == AVOW_ENOTFOUND) {
            return error_set(code_missing, "retraction target %s is not in ledger %s", hex,
                             ledger->path);
        }
        return error;
    }
    if (avow_event_decode(&target, raw.mv_data, raw.mv_size) < 0) {
        return error_set(AVOW_EFORMAT, "retraction target %s does not decode (run avow verify)",
                         hex);
    }
    if (memcmp(target.author, ev->author, AVOW_PUBKEY_BYTES) != 0) {
        return error_set(code_other,
                         "event %s is by another author: only its author can retract it", hex);
    }
    return 0;
}

/* ---- the pipeline ------------------------------------------------------- */

struct append_batch;

/*
 * The steps in which drafts and signed events differ (invariant 5: the pool
 * signs drafts, or verifies signed events, one chunk ahead of this thread).
 */
struct append_kind {
    /* At the start of each attempt of the transaction (it may be redone). */
    int (*begin)(struct store_w *w, struct append_batch *b);
    /* This thread, while the pool works on the other chunk: make chunk x
     * (events base ...) ready. @return its count; 0 when there is no more. */
    size_t (*prepare)(struct append_batch *b, int x, size_t base);
    /* Hand chunk x to the pool (done at once without one). */
    void (*start)(struct append_batch *b, int x, size_t base, size_t count);
    /* Check and index event i, item j of chunk x. */
    int (*one)(struct store_w *w, struct append_batch *b, int x, size_t j, size_t i);
    /* After the last chunk, when every event was indexed. */
    int (*end)(struct store_w *w, struct append_batch *b);
};

/* A batch in the pipeline: the first member of each kind's context. */
struct append_batch {
    const struct append_kind *kind;
    size_t n;
    size_t failed_at;     /* the event that failed */
    size_t trim_every;    /* trim the map's pages every this many events (0: never) */
    pool *pool;           /* NULL: the kind's work runs in this thread */
    struct store_idq idq; /* invariant 6 */
};

/* The one append transaction: chunk by chunk, the pool prepares chunk y
 * while this thread checks and indexes chunk x, in order. */
static int
append_txn(struct store_w *w, void *vctx)
{
    struct append_batch *b = vctx;
    const struct append_kind *k = b->kind;
    size_t base[2] = { 0, 0 }, count[2] = { 0, 0 };
    int x = 0, error;

    b->failed_at = 0;
    b->idq.n = 0;
    if (b->n >= STORE_BATCH_MIN) {
        w->idq = &b->idq;
    }
    if ((error = k->begin(w, b)) < 0) {
        return error;
    }
    count[0] = k->prepare(b, 0, 0);
    k->start(b, 0, 0, count[0]);
    while (count[x] > 0 && error == 0) {
        int y = !x;
        base[y] = base[x] + count[x];
        count[y] = k->prepare(b, y, base[y]);
        pool_wait(b->pool);
        if (count[y] > 0) {
            k->start(b, y, base[y], count[y]);
        }
        for (size_t j = 0; j < count[x] && error == 0; j++) {
            size_t i = base[x] + j;
            b->failed_at = i;
            error = k->one(w, b, x, j, i);
            if (b->trim_every != 0 && (i + 1) % b->trim_every == 0) {
                store_trim_pages(w->ledger); /* store.c invariant 2: safe inside a write txn */
            }
        }
        x = y;
    }
    pool_wait(b->pool);
    return error < 0 ? error : k->end(w, b);
}

/* Reserve map room (invariant 7), run the batch in one write transaction. */
static int
append_run(avow_ledger *ledger, struct append_batch *b, uint64_t reserve)
{
    if (b->n >= STORE_BATCH_MIN) {
        append_reserve(ledger, reserve);
    }
    int error = b->n == 0 ? 0 : store_write(ledger, append_txn, b);
    free(b->idq.e);
    b->idq.e = NULL;
    return error;
}

/* ---- drafts: signed here ------------------------------------------------ */

struct drafts_ctx {
    struct append_batch b;
    const avow_key *key;
    const avow_draft *drafts;
    unsigned char id[AVOW_EVENT_ID_BYTES];
    unsigned char *ids_out;
    /* The chain as encoded so far (invariant 3) and the time of every event. */
    uint64_t seq;
    unsigned char prev[AVOW_HASH_BYTES];
    int64_t at;
    uint64_t first; /* the log index of the batch's first event */
    size_t bad;     /* the first draft that does not encode (SIZE_MAX: none) */
    int bad_error;
    /* Bulk signing (src/event/jobs.c): messages of two chunks of drafts, one signed
     * by the pool while this thread indexes the other. */
    avow_buf buf[2];
    jobs_sign_job job[2];
    jobs_sign_item items[2][STORE_SIGN_CHUNK];
    codec_hashes hashes[2][STORE_SIGN_CHUNK]; /* content: here; id, leaf: the pool */
};

/* The author's head (invariant 4: inside the write transaction), the time
 * of the batch, and the ledger's owner on its first append. */
static int
append_drafts_begin(struct store_w *w, struct append_batch *b)
{
    struct drafts_ctx *c = (struct drafts_ctx *)(void *)b;
    const avow_ledger *ledger = w->ledger;
    const unsigned char *pk = avow_key_public(c->key);
    unsigned char head_id[AVOW_EVENT_ID_BYTES];
    int64_t last = INT64_MIN;
    avow_event ev;
    MDB_stat st;
    MDB_val v;
    int error, rc;

    if ((rc = mdb_stat(w->txn, ledger->dbi[STORE_DB_EVENTS], &st)) != 0) {
        return store_mdb_error(ledger, rc, store_db_names[STORE_DB_EVENTS]);
    }
    c->first = (uint64_t)st.ms_entries;
    if ((error = store_head_get(ledger, w->txn, pk, &c->seq, c->prev, head_id)) < 0) {
        return error;
    }
    if (c->seq > 0) {
        if ((error = store_get_by_id(ledger, w->txn, head_id, &v, NULL)) < 0) {
            return error;
        }
        if (avow_event_decode(&ev, v.mv_data, v.mv_size) < 0) {
            return error_set(AVOW_EIO, "the head event of this author does not decode "
                                       "(run avow verify)");
        }
        last = ev.recorded_at;
    }
    error = store_get(ledger, w->txn, STORE_DB_META, "owner", 5, &v);
    if (error == AVOW_ENOTFOUND) {
        error = store_put(w, STORE_DB_META, "owner", 5, pk, AVOW_PUBKEY_BYTES, 0);
    }
    int64_t now = avow_time_now();
    c->at = now > last ? now : last + 1; /* invariant 8 */
    c->bad = SIZE_MAX;
    c->bad_error = 0;
    return error;
}

/*
 * Encode the messages of drafts base ... into chunk x, each followed by
 * room for its signature. prev chains to the CONTENT hash of the message
 * before (invariant 3), which needs no signature: that is what lets a whole
 * chunk be signed at once. Stops at the first draft that does not encode
 * (c->bad, c->bad_error). @return the number of messages in the chunk.
 */
static size_t
append_drafts_prepare(struct append_batch *b, int x, size_t base)
{
    struct drafts_ctx *c = (struct drafts_ctx *)(void *)b;
    avow_buf *buf = &c->buf[x];
    size_t k = 0, next = base;
    int error;
    buf_clear(buf);
    while (c->bad == SIZE_MAX && next < b->n && k < STORE_SIGN_CHUNK) {
        size_t off = buf->len;
        if ((error = codec_encode_message(buf, &c->drafts[next], avow_key_public(c->key),
                                          c->seq + 1, c->prev, c->at)) < 0 ||
            (error = buf_grow(buf, AVOW_SIG_BYTES)) < 0) {
            c->bad = next;
            c->bad_error = error;
            break;
        }
        crypto_hash_sha256(c->prev, buf->ptr + off, buf->len - off);
        c->at++; /* invariant 8 */
        memcpy(c->hashes[x][k].content, c->prev, AVOW_HASH_BYTES);
        c->items[x][k].off = off;
        c->items[x][k].len = buf->len - off;
        buf->len += AVOW_SIG_BYTES;
        c->seq++;
        next++;
        k++;
    }
    return k;
}

/* Sign chunk x on the pool, and hash each signed event (id, leaf). */
static void
append_drafts_start(struct append_batch *b, int x, size_t base, size_t count)
{
    struct drafts_ctx *c = (struct drafts_ctx *)(void *)b;
    (void)base;
    c->job[x] = (jobs_sign_job){ c->buf[x].ptr, c->items[x], c->key, c->hashes[x] };
    jobs_sign_start(b->pool, &c->job[x], count);
}

static int
append_check_draft(struct store_w *w, const avow_event *ev)
{
    const avow_ledger *ledger = w->ledger;
    int exists;
    if (ev->kind == AVOW_KIND_CONTEST) {
        /* An id whose every definition its author retracted may be defined again. */
        exists = store_contest_stands(ledger, w->txn, ev->contest.ptr, ev->contest.len);
        if (exists < 0) {
            return exists;
        }
        if (exists) {
            return error_set(AVOW_EEXISTS,
                             "contest %.*s already exists in ledger %s (amend it with avow "
                             "contest amend, or retract its definition first)",
                             (int)ev->contest.len, ev->contest.ptr, ledger->path);
        }
    } else if (ev->kind == AVOW_KIND_RETRACT) {
        return append_check_target(ledger, w->txn, ev, AVOW_ENOTFOUND, AVOW_EINVALID);
    } else if (ev->contest.ptr != NULL) {
        exists = store_contest_exists(ledger, w->txn, ev->contest.ptr, ev->contest.len);
        if (exists < 0) {
            return exists;
        }
        if (!exists) {
            return error_set(AVOW_ENOTFOUND,
                             "no contest %.*s in ledger %s (define it with avow contest new)",
                             (int)ev->contest.len, ev->contest.ptr, ledger->path);
        }
    }
    return 0;
}

static int
append_drafts_one(struct store_w *w, struct append_batch *b, int x, size_t j, size_t i)
{
    struct drafts_ctx *c = (struct drafts_ctx *)(void *)b;
    const jobs_sign_item *it = &c->items[x][j];
    avow_event ev;
    int error;
    if (avow_event_decode(&ev, c->job[x].buf + it->off, it->len + AVOW_SIG_BYTES) < 0) {
        return store_error_prefix(AVOW_EINVALID, "draft %zu signs to bytes that do not decode", i);
    }
    if ((error = append_check_draft(w, &ev)) < 0 ||
        (error = append_index_event(w, &ev, &c->hashes[x][j])) < 0) {
        return error;
    }
    memcpy(c->id, c->hashes[x][j].id, AVOW_EVENT_ID_BYTES);
    if (c->ids_out != NULL) {
        memcpy(c->ids_out + i * AVOW_EVENT_ID_BYTES, c->id, AVOW_EVENT_ID_BYTES);
    }
    return 0;
}

/* The draft that did not encode, if any; then the ids queue (invariant 6). */
static int
append_drafts_end(struct store_w *w, struct append_batch *b)
{
    struct drafts_ctx *c = (struct drafts_ctx *)(void *)b;
    int error;
    if (c->bad != SIZE_MAX) {
        /* Encode the draft again to record its reason on this thread. */
        avow_buf scratch = AVOW_BUF_INIT;
        b->failed_at = c->bad;
        error = codec_encode_message(&scratch, &c->drafts[c->bad], avow_key_public(c->key),
                                     c->seq + 1, c->prev, c->at);
        avow_buf_dispose(&scratch);
        if (error == 0) {
            error = error_set(c->bad_error, "draft %zu: %s", c->bad, avow_strerror(c->bad_error));
        }
        return error;
    }
    if ((error = store_idq_flush(w)) < 0) {
        b->failed_at = b->idq.failed >= c->first && b->idq.failed - c->first < b->n
                         ? (size_t)(b->idq.failed - c->first)
                         : 0;
    }
    return error;
}

static const struct append_kind append_drafts_kind = {
    append_drafts_begin, append_drafts_prepare, append_drafts_start,
    append_drafts_one,   append_drafts_end,
};

/* A batch of drafts in ctx c (zeroed), its arguments checked. */
static int
append_drafts(avow_ledger *ledger, struct drafts_ctx *c, pool *p, const avow_key *key,
              const avow_draft *drafts, size_t n)
{
    c->b.kind = &append_drafts_kind;
    c->b.n = n;
    c->b.pool = p;
    c->key = key;
    c->drafts = drafts;
    int error = append_run(ledger, &c->b, (uint64_t)n * STORE_RESERVE_PER_EVENT);
    avow_buf_dispose(&c->buf[0]);
    avow_buf_dispose(&c->buf[1]);
    return error;
}

int
store_append_drafts(avow_ledger *ledger, struct pool *p, size_t *failed_at, unsigned char *ids_out,
                    const avow_key *key, const avow_draft *drafts, size_t n)
{
    struct drafts_ctx c;
    memset(&c, 0, sizeof(c));
    if (ledger == NULL || key == NULL || (drafts == NULL && n > 0)) {
        return error_set(AVOW_EINVALID, "avow_ledger_append_drafts: missing argument");
    }
    c.ids_out = ids_out;
    int error = append_drafts(ledger, &c, p, key, drafts, n);
    if (failed_at != NULL) {
        *failed_at = error < 0 ? c.b.failed_at : n;
    }
    return error;
}

int
avow_ledger_append_drafts(size_t *failed_at, unsigned char *ids_out, avow_ledger *ledger,
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
avow_ledger_append(unsigned char id_out[AVOW_EVENT_ID_BYTES], avow_ledger *ledger,
                   const avow_key *key, const avow_draft *draft)
{
    struct drafts_ctx c;
    memset(&c, 0, sizeof(c));
    if (ledger == NULL || key == NULL || draft == NULL) {
        return error_set(AVOW_EINVALID, "avow_ledger_append: missing argument");
    }
    int error = append_drafts(ledger, &c, NULL, key, draft, 1);
    if (error == 0 && id_out != NULL) {
        memcpy(id_out, c.id, AVOW_EVENT_ID_BYTES);
    }
    return error;
}

/* ---- signed events: verified here or on the pool ------------------------ */

struct signed_ctx {
    struct append_batch b;
    const unsigned char *const *events;
    const size_t *lens;
    size_t appended;
    size_t duplicates;
    const unsigned char *verified; /* n flags: 1 = signature already checked (or NULL) */
    const codec_hashes *hashes;    /* n: the hashes of the verified ones (or NULL) */
    int keep_forks;                /* a fork is kept as evidence (table.h on_fork), not refused */
    size_t forks;                  /* new fork evidence stored */
    /* The last event appended, for invariant 8 without a lookup. */
    unsigned char last_author[AVOW_PUBKEY_BYTES];
    uint64_t last_seq; /* 0: none */
    int64_t last_rec;
    uint64_t reserve; /* map room for the batch (invariant 7) */
    /* Pipelined verification (b.pool not NULL): chunk k + 1 is checked on the
     * pool while chunk k is indexed; flags and hashes per chunk, two chunks. */
    jobs_verify_job job[2];
    unsigned char *vok[2];
    codec_hashes *vh[2];
};

/* One event of the batch; ok: its signature was checked (strictly decoded
 * too) and h holds its hashes, else both are done here. */
/* Invariant 8 for an event of format v2 that follows seq - 1 of its author. */
static int
append_check_time(struct store_w *w, struct signed_ctx *c, const avow_event *ev, size_t i)
{
    unsigned char ak[STORE_AUTHOR_KEY_BYTES];
    int64_t prev;
    MDB_val v, raw;
    avow_event pe;
    uint64_t at = 0;
    int error;
    if (ev->version < 2 || ev->seq <= 1) {
        return 0;
    }
    if (c->last_seq == ev->seq - 1 && memcmp(c->last_author, ev->author, AVOW_PUBKEY_BYTES) == 0) {
        prev = c->last_rec;
    } else {
        memcpy(ak, ev->author, AVOW_PUBKEY_BYTES);
        be64_put(ak + AVOW_PUBKEY_BYTES, ev->seq - 1);
        if ((error = store_get(w->ledger, w->txn, STORE_DB_AUTHORS, ak, sizeof(ak), &v)) < 0 ||
            (error = store_index_val(&at, &v)) < 0 ||
            (error = store_get_event(w->ledger, w->txn, at, &raw)) < 0) {
            return error == AVOW_ENOTFOUND
                     ? error_set(AVOW_EIO, "the author's previous event is missing "
                                           "(run avow verify)")
                     : error;
        }
        if (avow_event_decode(&pe, raw.mv_data, raw.mv_size) < 0) {
            return error_set(AVOW_EIO, "the author's previous event does not decode "
                                       "(run avow verify)");
        }
        prev = pe.recorded_at;
    }
    if (ev->recorded_at <= prev) {
        char who[9];
        avow_hex(who, ev->author, 4);
        return error_set(AVOW_ECHAIN,
                         "event %zu of the batch: author %s seq %" PRIu64
                         " is recorded no later than seq %" PRIu64
                         " (format v2 needs recorded_at to increase along a chain)",
                         i, who, ev->seq, ev->seq - 1);
    }
    return 0;
}

static int
append_signed_check(struct store_w *w, struct signed_ctx *c, size_t i, int ok,
                    const codec_hashes *h)
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

    if (c->events[i] == NULL) {
        return error_set(AVOW_EINVALID, "event %zu of the batch is missing", i);
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
#ifndef AVOW_PLANT_SKIP_SIG /* the soak self-test's planted bug (CMake AVOW_PLANT_BUG) skips it */
    if (!ok && avow_event_verify(&ev) < 0) {
        return error_set(AVOW_EVERIFY, "event %zu of the batch: signature does not verify", i);
    }
#endif
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
                     ? error_set(
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
         * outside the chain (src/derived/forks.c). */
        if ((error = append_keep_fork(w, &ev, h->id)) < 0) {
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
        return error_set(AVOW_ECHAIN, "fork: author %s seq %" PRIu64, who, ev.seq);
    }
    if (error != AVOW_ENOTFOUND) {
        return error;
    }
    if ((error = store_head_get(ledger, w->txn, ev.author, &hseq, hhash, NULL)) < 0) {
        return error;
    }
    if (ev.seq != hseq + 1) {
        return error_set(AVOW_ECHAIN,
                         "event %zu of the batch: author %s seq %" PRIu64
                         " does not follow its head seq %" PRIu64 " (missing events)",
                         i, who, ev.seq, hseq);
    }
    if (sodium_memcmp(ev.prev, hhash, AVOW_HASH_BYTES) != 0) {
        return error_set(AVOW_ECHAIN,
                         "event %zu of the batch: author %s seq %" PRIu64
                         " does not link to the content hash of seq %" PRIu64,
                         i, who, ev.seq, hseq);
    }
    if (ev.kind == AVOW_KIND_RETRACT) {
        if ((error = append_check_target(ledger, w->txn, &ev, AVOW_ECHAIN, AVOW_ECHAIN)) < 0) {
            return store_error_prefix(error, "event %zu of the batch", i);
        }
    }
    if ((error = append_check_time(w, c, &ev, i)) < 0 ||
        (error = append_index_event(w, &ev, h)) < 0) {
        return error;
    }
    memcpy(c->last_author, ev.author, AVOW_PUBKEY_BYTES);
    c->last_seq = ev.seq;
    c->last_rec = ev.recorded_at;
    c->appended++;
    return 0;
}

static int
append_signed_begin(struct store_w *w, struct append_batch *b)
{
    struct signed_ctx *c = (struct signed_ctx *)(void *)b;
    (void)w;
    c->appended = 0;
    c->duplicates = 0;
    c->forks = 0;
    c->last_seq = 0;
    return 0;
}

static size_t
append_signed_prepare(struct append_batch *b, int x, size_t base)
{
    (void)x;
    return b->n - base < STORE_VERIFY_CHUNK ? b->n - base : STORE_VERIFY_CHUNK;
}

/* Check the events of chunk x on the pool (without one: in the transaction). */
static void
append_signed_start(struct append_batch *b, int x, size_t base, size_t count)
{
    struct signed_ctx *c = (struct signed_ctx *)(void *)b;
    if (b->pool != NULL) {
        c->job[x] = (jobs_verify_job){ c->vok[x], c->events + base, c->lens + base, c->vh[x] };
        jobs_verify_start(b->pool, &c->job[x], count);
    }
}

static int
append_signed_one(struct store_w *w, struct append_batch *b, int x, size_t j, size_t i)
{
    struct signed_ctx *c = (struct signed_ctx *)(void *)b;
    if (b->pool != NULL) {
        return append_signed_check(w, c, i, c->vok[x][j], &c->vh[x][j]);
    }
    return append_signed_check(w, c, i, c->verified != NULL && c->verified[i],
                               c->hashes != NULL ? &c->hashes[i] : NULL);
}

static int
append_signed_end(struct store_w *w, struct append_batch *b)
{
    (void)b;
    return store_idq_flush(w); /* invariant 6 */
}

static const struct append_kind append_signed_kind = {
    append_signed_begin, append_signed_prepare, append_signed_start,
    append_signed_one,   append_signed_end,
};

/* The batch, its signatures checked on every core as it is indexed. */
static int
append_signed_pooled(avow_ledger *ledger, struct signed_ctx *c)
{
    int error;
    if (c->b.n >= POOL_MIN_BATCH && pool_cores() > 1 && pool_new(&c->b.pool, (size_t)-1) == 0) {
        for (int x = 0; x < 2; x++) {
            c->vok[x] = malloc(STORE_VERIFY_CHUNK);
            c->vh[x] = malloc(STORE_VERIFY_CHUNK * sizeof(codec_hashes));
            if (c->vok[x] == NULL || c->vh[x] == NULL) {
                /* No room to pipeline: check in the transaction instead. */
                pool_free(c->b.pool);
                c->b.pool = NULL;
            }
        }
    }
    error = append_run(ledger, &c->b, c->reserve);
    pool_free(c->b.pool);
    for (int x = 0; x < 2; x++) {
        free(c->vok[x]);
        free(c->vh[x]);
    }
    return error;
}

/* The context of a batch of signed events, its arguments checked. */
static int
append_signed_init(struct signed_ctx *c, avow_ledger *ledger, const unsigned char *const *events,
                   const size_t *lens, size_t n, const char *caller)
{
    memset(c, 0, sizeof(*c));
    if (ledger == NULL || (n > 0 && (events == NULL || lens == NULL))) {
        return error_set(AVOW_EINVALID, "%s: missing argument", caller);
    }
    c->b.kind = &append_signed_kind;
    c->b.n = n;
    c->events = events;
    c->lens = lens;
    if (n >= STORE_BATCH_MIN) {
        c->reserve = (uint64_t)n * STORE_RESERVE_PER_EVENT;
        for (size_t i = 0; i < n; i++) {
            /* Longer ones are refused later; they reserve no more. */
            c->reserve += lens[i] < AVOW_EVENT_MAX_BYTES ? lens[i] : AVOW_EVENT_MAX_BYTES;
        }
    }
    return 0;
}

static void
append_signed_result(const struct signed_ctx *c, int error, avow_append_result *res, size_t *forks)
{
    if (res != NULL) {
        res->appended = error < 0 ? 0 : c->appended;
        res->duplicates = error < 0 ? 0 : c->duplicates;
        res->failed_at = error < 0 ? c->b.failed_at : c->b.n;
    }
    if (forks != NULL) {
        *forks = error < 0 ? 0 : c->forks;
    }
}

int
avow_ledger_append_signed(avow_append_result *res, avow_ledger *ledger,
                          const unsigned char *const *events, const size_t *lens, size_t n)
{
    struct signed_ctx c;
    int error = append_signed_init(&c, ledger, events, lens, n, "avow_ledger_append_signed");
    if (error < 0) {
        return error;
    }
    error = append_signed_pooled(ledger, &c);
    append_signed_result(&c, error, res, NULL);
    return error;
}

int
store_append_signed_checked(avow_ledger *ledger, avow_append_result *res, size_t *forks,
                            const unsigned char *const *events, const size_t *lens, size_t n,
                            const unsigned char *verified, const codec_hashes *hashes)
{
    struct signed_ctx c;
    int error = append_signed_init(&c, ledger, events, lens, n, "store_append_signed_checked");
    if (error < 0) {
        return error;
    }
    c.keep_forks = 1;
    /* Sync receive: its peak resident size is a target (store.h). */
    c.b.trim_every = STORE_TRIM_EVERY_RANDOM;
    /* Events not marked verified (or all, without flags) are checked in the
     * transaction, which reports the first failure in order. */
    c.verified = verified;
    c.hashes = hashes;
    error = append_run(ledger, &c.b, c.reserve);
    append_signed_result(&c, error, res, forks);
    return error;
}

int
store_append_signed_keep_forks(avow_ledger *ledger, avow_append_result *res, size_t *forks,
                               const unsigned char *const *events, const size_t *lens, size_t n)
{
    struct signed_ctx c;
    int error = append_signed_init(&c, ledger, events, lens, n, "store_append_signed_keep_forks");
    if (error < 0) {
        return error;
    }
    c.keep_forks = 1;
    error = append_signed_pooled(ledger, &c);
    append_signed_result(&c, error, res, forks);
    return error;
}
