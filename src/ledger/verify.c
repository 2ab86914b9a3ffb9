/* SPDX-License-Identifier: ISC */
/*
 * verify.c - avow_ledger_verify(): every event decodes strictly, its
 * signature and id hold, every author chain is gapless and linked, and every
 * index entry points at the right event (and every event is indexed).
 *
 * Invariants:
 *  1. verify only reads: one read transaction, a consistent snapshot.
 *  2. Each problem is reported once, with the log index, seq and id when known.
 *  3. Problems are reported in log order, exactly as a one-thread check would:
 *     the workers of src/util/pool.c only decode, hash and check signatures of a
 *     chunk of events (pure functions of bytes borrowed from the map); every
 *     LMDB read and every report happens in the calling thread, chunk after
 *     chunk, while the workers already check the next chunk.
 *  4. A reverse pass over an index is skipped only when it cannot report
 *     anything: every entry of the index was matched by the forward pass (see
 *     verify_reverse_needed()).
 *  5. The log is read once: the forward pass also feeds every record's
 *     Merkle leaf hash (computed by the workers) to each derived table's
 *     verify_leaf (ledger/table.h).
 *  6. The id index, keyed by hashes, is not probed once per event (each probe
 *     would fault a random page): the forward pass sums a keyed hash of
 *     (id, index) over the events, a sequential scan sums the same over the
 *     index's entries, and only when the sums or counts differ are the events
 *     looked up one by one to name each problem. The key is random per run,
 *     so no stored content can be made to cancel out.
 */
#include <inttypes.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>

#include <sodium.h>

#include "event/codec.h"
#include "tlog/merkle.h"
#include "util/pool.h"
#include "ledger/store_int.h"
#include "util/grow.h"

struct verify_author {
    unsigned char author[AVOW_PUBKEY_BYTES];
    uint64_t seq;                        /* last seq seen */
    unsigned char hash[AVOW_HASH_BYTES]; /* its content hash */
    unsigned char id[AVOW_EVENT_ID_BYTES];
    uint64_t index;
    int sound;   /* the last event's signature holds, so its hash can check the next link */
    int64_t rec; /* the last event's recorded_at */
};

struct verify_state {
    const avow_ledger *ledger;
    MDB_txn *txn;
    const avow_verify_opts *opts;
    uint64_t problems;
    int stop;                      /* a negative return of on_problem: verify stops with it */
    struct verify_author *authors; /* sorted by author */
    size_t n_authors;
    size_t cap_authors;
    uint64_t matched[STORE_DB_COUNT]; /* index entries found pointing at their event */
    /* The derived tables' checks (table.h invariant 3), fed by the forward pass. */
    const store_table *const *tables;
    size_t ntables;
    void *table_state[STORE_TABLES_MAX];
    /* Invariant 6: the keyed sum of (id, index) over the decoded events. */
    unsigned char id_key[crypto_generichash_KEYBYTES];
    uint64_t id_sum[4];
    uint64_t id_count;
};

/* One record of the log, read by the caller and checked by a worker. */
struct verify_slot {
    const unsigned char *raw; /* borrowed from the map for the read transaction */
    size_t len;
    uint64_t index;
    int key_ok;  /* the log key is 8 bytes */
    int decoded; /* worker: decodes strictly */
    int sound;   /* worker: its signature holds */
    avow_event ev;
    unsigned char id[AVOW_EVENT_ID_BYTES]; /* of every record */
    uint64_t id_tag[4];                    /* when decoded: keyed hash of (id, index) */
    unsigned char leaf[AVOW_HASH_BYTES];   /* of every record */
    unsigned char hash[AVOW_HASH_BYTES];   /* when decoded */
};

struct verify_chunk {
    struct verify_slot *slots;
    const unsigned char *id_key;
    size_t n;
    int rc; /* LMDB error that ended the read after these slots, or 0 */
    int end;
};

static void verify_report(struct verify_state *s, uint64_t index, uint64_t seq,
                          const unsigned char *id, const char *fmt, ...) AVOW_PRINTF(5, 6);

static void verify_vreport(struct verify_state *s, uint64_t index, uint64_t seq,
                           const unsigned char *id, const char *fmt, va_list ap) AVOW_PRINTF(5, 0);

static void
verify_vreport(struct verify_state *s, uint64_t index, uint64_t seq, const unsigned char *id,
               const char *fmt, va_list ap)
{
    char what[512];
    avow_problem p;
    int n =
      vsnprintf(what, sizeof(what), fmt, ap); /* NOLINT(clang-analyzer-valist.Uninitialized) */
    if (n < 0) {
        what[0] = '\0';
    }
    p.index = index;
    p.seq = seq;
    if (id != NULL) {
        memcpy(p.id, id, AVOW_EVENT_ID_BYTES);
    } else {
        memset(p.id, 0, AVOW_EVENT_ID_BYTES);
    }
    p.what = what;
    s->problems++;
    if (s->opts != NULL && s->opts->on_problem != NULL && s->stop == 0) {
        int stop = s->opts->on_problem(&p, s->opts->payload);
        s->stop = stop < 0 ? stop : 0; /* seen at the next record (verify_process) */
    }
}

static void
verify_report(struct verify_state *s, uint64_t index, uint64_t seq, const unsigned char *id,
              const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    verify_vreport(s, index, seq, id, fmt, ap);
    va_end(ap);
}

void
verify_problem(struct verify_state *s, uint64_t index, uint64_t seq, const unsigned char *id,
               const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    verify_vreport(s, index, seq, id, fmt, ap);
    va_end(ap);
}

_Static_assert(offsetof(struct verify_author, author) == 0, "key_search() keys come first");

/* Find an author's state (binary search); *pos is where it belongs if absent. */
static struct verify_author *
verify_find(struct verify_state *s, const unsigned char *author, size_t *pos)
{
    return key_search(s->authors, s->n_authors, sizeof(s->authors[0]), author, pos);
}

static int
verify_author_state(struct verify_state *s, const unsigned char *author, struct verify_author **out)
{
    size_t pos = 0;
    struct verify_author *a = verify_find(s, author, &pos);
    if (a == NULL) {
        int error =
          grow_array(&s->authors, &s->cap_authors, s->n_authors + 1, sizeof(*s->authors), 16);
        if (error < 0) {
            return error;
        }
        memmove(&s->authors[pos + 1], &s->authors[pos],
                (s->n_authors - pos) * sizeof(s->authors[0]));
        s->n_authors++;
        a = &s->authors[pos];
        memset(a, 0, sizeof(*a));
        memcpy(a->author, author, AVOW_PUBKEY_BYTES);
        a->sound = 1; /* seq 1 links to zeros, which need no signature */
    }
    *out = a;
    return 0;
}

/* Invariant 6: the keyed hash of an id index entry (key id, value index as
 * 8 big-endian bytes), as four 64-bit lanes to be summed. */
static void
verify_id_tag(uint64_t tag[4], const unsigned char *key,
              const unsigned char id[AVOW_EVENT_ID_BYTES], const unsigned char val[8])
{
    unsigned char in[AVOW_EVENT_ID_BYTES + 8], out[32];
    memcpy(in, id, AVOW_EVENT_ID_BYTES);
    memcpy(in + AVOW_EVENT_ID_BYTES, val, 8);
    crypto_generichash(out, sizeof(out), in, sizeof(in), key, crypto_generichash_KEYBYTES);
    for (int i = 0; i < 4; i++) {
        tag[i] = be64_get(out + 8 * i);
    }
}

static void
verify_id_sum(uint64_t sum[4], const uint64_t tag[4])
{
    for (int i = 0; i < 4; i++) {
        sum[i] += tag[i];
    }
}

/* Check that index entry value v in `name` points at event #index. */
static int
verify_entry(struct verify_state *s, enum store_db db, const void *k, size_t klen, uint64_t index,
             const avow_event *ev, const unsigned char *id, const char *name)
{
    MDB_val v;
    uint64_t at = 0;
    int error = store_get(s->ledger, s->txn, db, k, klen, &v);
    if (error == AVOW_ENOTFOUND) {
        verify_report(s, index, ev->seq, id, "not in the %s index", name);
        return 0;
    }
    if (error < 0) {
        return error;
    }
    if (store_index_val(&at, &v) < 0) {
        verify_report(s, index, ev->seq, id, "%s index entry is malformed", name);
    } else if (at != index) {
        verify_report(s, index, ev->seq, id,
                      "%s index entry points at #%" PRIu64 " but the event is #%" PRIu64, name, at,
                      index);
    } else {
        s->matched[db]++;
    }
    return 0;
}

/* Check one decoded event; its id, content hash and signature status were
 * computed by a worker. */
static int
verify_event(struct verify_state *s, uint64_t index, const avow_event *ev,
             const unsigned char id[AVOW_EVENT_ID_BYTES], const unsigned char hash[AVOW_HASH_BYTES],
             int sound)
{
    const avow_ledger *ledger = s->ledger;
    unsigned char ak[STORE_AUTHOR_KEY_BYTES], tk[STORE_BYTIME_KEY_MAX];
    static const unsigned char zeros[AVOW_HASH_BYTES];
    char contest[AVOW_MAX_CONTEST];
    size_t contest_len = 0;
    struct verify_author *a = NULL;
    MDB_val v;
    int error;

    if (!sound) {
        verify_report(s, index, ev->seq, id, "signature does not verify");
    }
    memcpy(ak, ev->author, AVOW_PUBKEY_BYTES);
    be64_put(ak + AVOW_PUBKEY_BYTES, ev->seq);
    if ((error = verify_entry(s, STORE_DB_AUTHORS, ak, sizeof(ak), index, ev, id, "author")) < 0) {
        return error;
    }

    /* Chain (append.c invariant 3). */
    if ((error = verify_author_state(s, ev->author, &a)) < 0) {
        return error;
    }
    if (ev->seq != a->seq + 1) {
        if (ev->seq <= a->seq) {
            verify_report(s, index, ev->seq, id,
                          "seq %" PRIu64 " comes after seq %" PRIu64 " (repeated seq: a fork?)",
                          ev->seq, a->seq);
        } else {
            verify_report(s, index, ev->seq, id, "seq %" PRIu64 " follows seq %" PRIu64 " (gap)",
                          ev->seq, a->seq);
        }
    } else if (a->sound &&
               sodium_memcmp(ev->prev, a->seq == 0 ? zeros : a->hash, AVOW_HASH_BYTES) != 0) {
        if (a->seq == 0) {
            verify_report(s, index, ev->seq, id, "prev of seq 1 is not zero");
        } else {
            verify_report(s, index, ev->seq, id,
                          "prev does not match the content hash of seq %" PRIu64 " (#%" PRIu64 ")",
                          a->seq, a->index);
        }
    }
    if (ev->version >= 2 && ev->seq == a->seq + 1 && a->seq > 0 && ev->recorded_at <= a->rec) {
        verify_report(s, index, ev->seq, id,
                      "recorded_at is not later than seq %" PRIu64 "'s (format v2, append.c "
                      "invariant 8)",
                      a->seq);
    }
    if (ev->seq > a->seq) {
        a->rec = ev->recorded_at;
        a->seq = ev->seq;
        memcpy(a->hash, hash, AVOW_HASH_BYTES);
        memcpy(a->id, id, AVOW_EVENT_ID_BYTES);
        a->index = index;
        a->sound = sound;
    }

    /* By-time and contest indexes (lookup.c invariant 1). */
    int has = store_resolve_contest(ledger, s->txn, ev, contest, &contest_len);
    if (has < 0) {
        verify_report(s, index, ev->seq, id, "contest id is malformed");
        has = 0;
    }
    if (has) {
        avow_str cs = { contest, contest_len };
        size_t tlen = store_bytime_key(tk, &cs, ev, id);
        if ((error = verify_entry(s, STORE_DB_BYTIME, tk, tlen, index, ev, id, "by-time")) < 0) {
            return error;
        }
        tlen = store_bytime_open_key(tk, &cs, ev, id);
        if (tlen > 0 &&
            (error = verify_entry(s, STORE_DB_BYTIME, tk, tlen, index, ev, id, "by-time")) < 0) {
            return error;
        }
    }
    if (ev->kind == AVOW_KIND_CONTEST && ev->contest.ptr != NULL) {
        uint64_t at = 0;
        error = store_get(ledger, s->txn, STORE_DB_CONTESTS, ev->contest.ptr, ev->contest.len, &v);
        if (error == AVOW_ENOTFOUND) {
            verify_report(s, index, ev->seq, id, "not in the contest index");
        } else if (error < 0) {
            return error;
        } else if (store_index_val(&at, &v) < 0) {
            verify_report(s, index, ev->seq, id, "contest index entry is malformed");
        } else if (at > index) {
            verify_report(s, index, ev->seq, id,
                          "contest index entry points at #%" PRIu64
                          " but the contest is defined at #%" PRIu64,
                          at, index);
        }
    }
    if (ev->kind == AVOW_KIND_RETRACT && ev->target != NULL) {
        uint64_t at = 0;
        avow_event target;
        error = store_get_by_id(ledger, s->txn, ev->target, &v, &at);
        if (error == AVOW_ENOTFOUND) {
            verify_report(s, index, ev->seq, id, "retraction target is not in the ledger");
        } else if (error < 0) {
            verify_report(s, index, ev->seq, id, "retraction target cannot be read: %s",
                          avow_error_last());
        } else if (avow_event_decode(&target, v.mv_data, v.mv_size) == 0 &&
                   (memcmp(target.author, ev->author, AVOW_PUBKEY_BYTES) != 0 || at >= index)) {
            verify_report(s, index, ev->seq, id,
                          "retraction target #%" PRIu64 " is not an earlier event of its author",
                          at);
        }
    }
    return 0;
}

/*
 * Reverse direction: every entry of db points at an event that decodes and
 * whose fields give back the key. `match` returns 1 when they do.
 */
typedef int (*verify_match_fn)(struct verify_state *s, const MDB_val *k, const avow_event *ev,
                               uint64_t index);

static int
verify_match_id(struct verify_state *s, const MDB_val *k, const avow_event *ev, uint64_t index)
{
    unsigned char id[AVOW_EVENT_ID_BYTES];
    (void)s;
    (void)index;
    avow_event_id(id, ev);
    return k->mv_size == sizeof(id) && memcmp(k->mv_data, id, sizeof(id)) == 0;
}

static int
verify_match_author(struct verify_state *s, const MDB_val *k, const avow_event *ev, uint64_t index)
{
    unsigned char ak[STORE_AUTHOR_KEY_BYTES];
    (void)s;
    (void)index;
    memcpy(ak, ev->author, AVOW_PUBKEY_BYTES);
    be64_put(ak + AVOW_PUBKEY_BYTES, ev->seq);
    return k->mv_size == sizeof(ak) && memcmp(k->mv_data, ak, sizeof(ak)) == 0;
}

static int
verify_match_bytime(struct verify_state *s, const MDB_val *k, const avow_event *ev, uint64_t index)
{
    unsigned char id[AVOW_EVENT_ID_BYTES], tk[STORE_BYTIME_KEY_MAX];
    char contest[AVOW_MAX_CONTEST];
    size_t contest_len = 0;
    (void)index;
    if (store_resolve_contest(s->ledger, s->txn, ev, contest, &contest_len) != 1) {
        return 0;
    }
    avow_event_id(id, ev);
    avow_str cs = { contest, contest_len };
    size_t tlen = store_bytime_key(tk, &cs, ev, id);
    if (k->mv_size == tlen && memcmp(k->mv_data, tk, tlen) == 0) {
        return 1;
    }
    tlen = store_bytime_open_key(tk, &cs, ev, id);
    return tlen > 0 && k->mv_size == tlen && memcmp(k->mv_data, tk, tlen) == 0;
}

static int
verify_match_contest(struct verify_state *s, const MDB_val *k, const avow_event *ev, uint64_t index)
{
    (void)s;
    (void)index;
    return ev->kind == AVOW_KIND_CONTEST && ev->contest.ptr != NULL &&
           k->mv_size == ev->contest.len && memcmp(k->mv_data, ev->contest.ptr, k->mv_size) == 0;
}

static int
verify_reverse(struct verify_state *s, enum store_db db, const char *name, verify_match_fn match)
{
    const avow_ledger *ledger = s->ledger;
    MDB_cursor *cur = NULL;
    MDB_val k, v, raw;
    avow_event ev;
    uint64_t index = 0;
    int error = 0, rc;

    if ((rc = mdb_cursor_open(s->txn, store_dbi(ledger, db), &cur)) != 0) {
        return store_mdb_error(ledger, rc, name);
    }
    for (MDB_cursor_op op = MDB_FIRST;; op = MDB_NEXT) {
        rc = mdb_cursor_get(cur, &k, &v, op);
        if (rc == MDB_NOTFOUND) {
            break;
        }
        if (rc != 0) {
            error = store_mdb_error(ledger, rc, name);
            goto done;
        }
        if (store_index_val(&index, &v) < 0) {
            verify_report(s, UINT64_MAX, 0, NULL, "%s index entry is malformed", name);
            continue;
        }
        error = store_get_event(ledger, s->txn, index, &raw);
        if (error == AVOW_ENOTFOUND) {
            verify_report(s, UINT64_MAX, 0, NULL,
                          "%s index entry points at #%" PRIu64 ", which does not exist", name,
                          index);
            continue;
        }
        if (error < 0) {
            goto done;
        }
        if (avow_event_decode(&ev, raw.mv_data, raw.mv_size) < 0) {
            continue; /* reported by the forward pass */
        }
        if (!match(s, &k, &ev, index)) {
            unsigned char id[AVOW_EVENT_ID_BYTES];
            avow_event_id(id, &ev);
            verify_report(s, index, ev.seq, id,
                          "%s index entry points at #%" PRIu64 ", which does not match it", name,
                          index);
        }
    }
    error = 0;
done:
    mdb_cursor_close(cur);
    return error;
}

static int
verify_heads(struct verify_state *s)
{
    const avow_ledger *ledger = s->ledger;
    MDB_cursor *cur = NULL;
    MDB_val k, v;
    char who[9];
    int error = 0, rc;

    for (size_t i = 0; i < s->n_authors; i++) {
        struct verify_author *a = &s->authors[i];
        avow_hex(who, a->author, 4);
        error = store_get(ledger, s->txn, STORE_DB_HEADS, a->author, AVOW_PUBKEY_BYTES, &v);
        if (error == AVOW_ENOTFOUND) {
            verify_report(s, a->index, a->seq, a->id, "author %s has no head entry", who);
            continue;
        }
        if (error < 0) {
            return error;
        }
        store_val val = store_val_of(&v);
        store_head h;
        if (store_head_decode(&h, NULL, &val) < 0) {
            verify_report(s, a->index, a->seq, a->id, "head entry of author %s is malformed", who);
        } else if (h.seq != a->seq) {
            verify_report(s, a->index, a->seq, a->id,
                          "head entry of author %s says seq %" PRIu64
                          " but the chain ends at seq %" PRIu64,
                          who, h.seq, a->seq);
        } else if (memcmp(h.hash, a->hash, AVOW_HASH_BYTES) != 0 ||
                   memcmp(h.id, a->id, AVOW_EVENT_ID_BYTES) != 0) {
            verify_report(s, a->index, a->seq, a->id,
                          "head entry of author %s does not match its last event", who);
        }
    }
    error = 0;
    if ((rc = mdb_cursor_open(s->txn, store_dbi(ledger, STORE_DB_HEADS), &cur)) != 0) {
        return store_mdb_error(ledger, rc, "heads");
    }
    for (MDB_cursor_op op = MDB_FIRST;; op = MDB_NEXT) {
        rc = mdb_cursor_get(cur, &k, &v, op);
        if (rc == MDB_NOTFOUND) {
            break;
        }
        if (rc != 0) {
            error = store_mdb_error(ledger, rc, "heads");
            break;
        }
        if (k.mv_size != AVOW_PUBKEY_BYTES || verify_find(s, k.mv_data, NULL) == NULL) {
            verify_report(s, UINT64_MAX, 0, NULL, "head entry for an author without events");
        }
    }
    mdb_cursor_close(cur);
    return error;
}

/* Worker: decode, hash and check the signature of slots [begin, end). */
static void
verify_chunk_fn(void *vctx, size_t begin, size_t end)
{
    struct verify_chunk *c = vctx;
    for (size_t i = begin; i < end; i++) {
        struct verify_slot *sl = &c->slots[i];
        sl->decoded = sl->key_ok && avow_event_decode(&sl->ev, sl->raw, sl->len) == 0;
        if (!sl->decoded) {
            /* Still a leaf of the tree, whatever its bytes. */
            crypto_hash_sha256(sl->id, sl->raw, sl->len);
            merkle_leaf_hash(sl->leaf, sl->raw, sl->len);
            continue;
        }
        sl->sound = avow_event_verify(&sl->ev) == 0;
        codec_hashes h;
        unsigned char ik[8];
        codec_hash_event(&h, sl->raw, sl->len);
        memcpy(sl->id, h.id, AVOW_EVENT_ID_BYTES);
        memcpy(sl->hash, h.content, AVOW_HASH_BYTES);
        memcpy(sl->leaf, h.leaf, AVOW_HASH_BYTES);
        be64_put(ik, sl->index);
        verify_id_tag(sl->id_tag, c->id_key, sl->id, ik);
    }
}

/* Read up to VERIFY_CHUNK records of the log into c (caller's thread). */
static void
verify_fill(struct verify_chunk *c, MDB_cursor *cur, MDB_cursor_op *op)
{
    MDB_val k, v;
    c->n = 0;
    while (!c->end && c->n < VERIFY_CHUNK) {
        int rc = mdb_cursor_get(cur, &k, &v, *op);
        *op = MDB_NEXT;
        if (rc != 0) {
            c->rc = rc == MDB_NOTFOUND ? 0 : rc;
            c->end = 1;
            break;
        }
        struct verify_slot *sl = &c->slots[c->n++];
        sl->raw = v.mv_data;
        sl->len = v.mv_size;
        sl->key_ok = k.mv_size == 8;
        sl->index = sl->key_ok ? be64_get(k.mv_data) : 0;
    }
}

/* The forward checks of one record. */
static int
verify_record(struct verify_state *s, const struct verify_slot *sl, uint64_t *expect)
{
    if (!sl->key_ok) {
        verify_report(s, UINT64_MAX, 0, NULL, "a log key is not 8 bytes");
        return 0;
    }
    if (sl->index != *expect) {
        verify_report(s, sl->index, 0, NULL, "log index #%" PRIu64 " follows #%" PRIu64 " (gap)",
                      sl->index, *expect - 1);
    }
    *expect = sl->index + 1;
    if (!sl->decoded) {
        avow_event ev;
        /* Decode again here: the reason is recorded on this thread. */
        if (avow_event_decode(&ev, sl->raw, sl->len) < 0) {
            verify_report(s, sl->index, 0, NULL, "does not decode: %s", avow_error_last());
        }
        return 0;
    }
    verify_id_sum(s->id_sum, sl->id_tag);
    s->id_count++;
    return verify_event(s, sl->index, &sl->ev, sl->id, sl->hash, sl->sound);
}

/* The id index one event at a time: what invariant 6 falls back to when the
 * sums differ, to name every event whose entry is missing or wrong. */
static int
verify_ids_exact(struct verify_state *s)
{
    const avow_ledger *ledger = s->ledger;
    MDB_cursor *cur = NULL;
    MDB_val k, v;
    int error = 0, rc;

    s->matched[STORE_DB_IDS] = 0;
    if ((rc = mdb_cursor_open(s->txn, store_dbi(ledger, STORE_DB_EVENTS), &cur)) != 0) {
        return store_mdb_error(ledger, rc, "events");
    }
    for (MDB_cursor_op op = MDB_FIRST;; op = MDB_NEXT) {
        unsigned char id[AVOW_EVENT_ID_BYTES];
        avow_event ev;
        rc = mdb_cursor_get(cur, &k, &v, op);
        if (rc == MDB_NOTFOUND) {
            break;
        }
        if (rc != 0) {
            error = store_mdb_error(ledger, rc, "events");
            break;
        }
        if (k.mv_size != 8 || avow_event_decode(&ev, v.mv_data, v.mv_size) < 0) {
            continue; /* reported by the forward pass */
        }
        avow_event_id(id, &ev);
        uint64_t index = be64_get(k.mv_data);
        if ((error = verify_entry(s, STORE_DB_IDS, id, AVOW_EVENT_ID_BYTES, index, &ev, id, "id")) <
            0) {
            break;
        }
    }
    mdb_cursor_close(cur);
    return error;
}

/* Invariant 6: the id index holds exactly the (id, index) of every decoded
 * event when its keyed sum and count equal the forward pass's. */
static int
verify_ids(struct verify_state *s)
{
    const avow_ledger *ledger = s->ledger;
    MDB_cursor *cur = NULL;
    MDB_val k, v;
    uint64_t sum[4] = { 0, 0, 0, 0 }, tag[4], count = 0;
    int error = 0, rc, exact = 1;

    if ((rc = mdb_cursor_open(s->txn, store_dbi(ledger, STORE_DB_IDS), &cur)) != 0) {
        return store_mdb_error(ledger, rc, "ids");
    }
    for (MDB_cursor_op op = MDB_FIRST;; op = MDB_NEXT) {
        rc = mdb_cursor_get(cur, &k, &v, op);
        if (rc == MDB_NOTFOUND) {
            break;
        }
        if (rc != 0) {
            error = store_mdb_error(ledger, rc, "ids");
            break;
        }
        if (k.mv_size != AVOW_EVENT_ID_BYTES || v.mv_size != 8) {
            exact = 0; /* the reverse pass names it */
            continue;
        }
        verify_id_tag(tag, s->id_key, k.mv_data, v.mv_data);
        verify_id_sum(sum, tag);
        count++;
        if (count % STORE_TRIM_EVERY == 0) {
            store_trim_pages(ledger);
        }
    }
    mdb_cursor_close(cur);
    if (error < 0) {
        return error;
    }
    if (exact && count == s->id_count && memcmp(sum, s->id_sum, sizeof(sum)) == 0) {
        s->matched[STORE_DB_IDS] = count; /* every entry is an event's own: no reverse pass */
        return 0;
    }
    return verify_ids_exact(s);
}

/* The forward checks of a chunk, in log order (invariant 3), each record's
 * own problems first, then its Merkle leaf (invariant 5). */
static int
verify_process(struct verify_state *s, const struct verify_chunk *c, uint64_t *n, uint64_t *expect,
               uint64_t total)
{
    const avow_verify_opts *opts = s->opts;
    int error;
    for (size_t i = 0; i < c->n; i++) {
        const struct verify_slot *sl = &c->slots[i];
        (*n)++;
        if (s->stop < 0) {
            return s->stop;
        }
        if (opts != NULL && opts->on_progress != NULL && *n % STORE_PROGRESS_EVERY == 0 &&
            (error = opts->on_progress(*n, total, opts->payload)) < 0) {
            return error;
        }
        if ((error = verify_record(s, sl, expect)) < 0) {
            return error;
        }
        for (size_t t = 0; t < s->ntables; t++) {
            if (s->tables[t]->verify_leaf != NULL &&
                (error = s->tables[t]->verify_leaf(s->table_state[t], sl->leaf, sl->id)) < 0) {
                return error;
            }
        }
    }
    if (c->rc != 0) {
        return store_mdb_error(s->ledger, c->rc, "events");
    }
    return 0;
}

/*
 * Whether the reverse pass over db can report anything (invariant 4). Each
 * match of the forward pass is an entry whose value is the index of an event
 * that decodes and gives back the entry's key; distinct matches are distinct
 * entries (one key, one value). If there are as many matches as entries,
 * every entry is one of them and the reverse pass would find nothing.
 */
static int
verify_reverse_needed(struct verify_state *s, enum store_db db, int *needed)
{
    MDB_stat st;
    int rc = mdb_stat(s->txn, store_dbi(s->ledger, db), &st);
    if (rc != 0) {
        return store_mdb_error(s->ledger, rc, "stat");
    }
    *needed = s->matched[db] != (uint64_t)st.ms_entries;
    return 0;
}

static int
verify_reverse_if_needed(struct verify_state *s, enum store_db db, const char *name,
                         verify_match_fn match)
{
    int needed = 1, error;
    if ((error = verify_reverse_needed(s, db, &needed)) < 0) {
        return error;
    }
    return needed ? verify_reverse(s, db, name, match) : 0;
}

/* The forward pass (invariants 3, 5): the workers check chunk B while this
 * thread reports chunk A. *n counts the records read. */
static int
verify_forward(struct verify_state *s, struct verify_chunk chunk[2], MDB_cursor *cur, pool *p,
               uint64_t total, uint64_t *n)
{
    struct verify_chunk *a = &chunk[0], *b = &chunk[1];
    MDB_cursor_op op = MDB_FIRST;
    uint64_t expect = 0;
    int error = 0;
    verify_fill(a, cur, &op);
    pool_start(p, verify_chunk_fn, a, a->n);
    while (a->n > 0 || a->rc != 0) {
        b->end = a->end;
        b->rc = 0;
        b->n = 0;
        if (!a->end) {
            verify_fill(b, cur, &op);
        }
        pool_wait(p);
        pool_start(p, verify_chunk_fn, b, b->n);
        if ((error = verify_process(s, a, n, &expect, total)) < 0 || a->rc != 0) {
            break;
        }
        /* The map pages of what was checked, beyond the budget (the workers
         * hold chunk b's pointers: they stay valid, store.c invariant 2). */
        store_trim_pages(s->ledger);
        struct verify_chunk *t = a;
        a = b;
        b = t;
    }
    pool_wait(p);
    return error;
}

/* What only the whole log shows: heads, then the indexes in reverse. */
static int
verify_indexes(struct verify_state *s)
{
    int error;
    if ((error = verify_heads(s)) < 0 || (error = verify_ids(s)) < 0 ||
        (error = verify_reverse_if_needed(s, STORE_DB_IDS, "id", verify_match_id)) < 0 ||
        (error = verify_reverse_if_needed(s, STORE_DB_AUTHORS, "author", verify_match_author)) <
          0 ||
        (error = verify_reverse_if_needed(s, STORE_DB_BYTIME, "by-time", verify_match_bytime)) <
          0 ||
        (error = verify_reverse(s, STORE_DB_CONTESTS, "contest", verify_match_contest)) < 0) {
        return error;
    }
    return 0;
}

/* The derived tables' checks begin in the read transaction (table.h invariant 3). */
static int
verify_tables_begin(struct verify_state *s)
{
    int error;
    s->tables = store_tables(s->ledger, &s->ntables);
    for (size_t t = 0; t < s->ntables; t++) {
        if (s->tables[t]->verify_begin != NULL &&
            (error = s->tables[t]->verify_begin(&s->table_state[t], store_txn_of(s->txn), s->ledger,
                                                s)) < 0) {
            return error;
        }
    }
    return 0;
}

/* Every table's verify_end, which frees its state; check only when error is 0.
 * @return error, or the first table's error when it was 0. */
static int
verify_tables_end(struct verify_state *s, int error)
{
    for (size_t t = 0; t < s->ntables; t++) {
        if (s->tables[t]->verify_end != NULL) {
            int end = s->tables[t]->verify_end(s->table_state[t], error == 0);
            error = error == 0 ? end : error;
        }
    }
    return error;
}

int
avow_ledger_verify(uint64_t *events, uint64_t *problems, avow_ledger *ledger,
                   const avow_verify_opts *opts)
{
    struct verify_state s;
    struct verify_chunk chunk[2];
    struct verify_slot *slots = NULL;
    MDB_cursor *cur = NULL;
    MDB_stat st;
    pool *p = NULL;
    uint64_t n = 0;
    int error = 0, rc;

    memset(&s, 0, sizeof(s));
    memset(chunk, 0, sizeof(chunk));
    s.ledger = ledger;
    randombytes_buf(s.id_key, sizeof(s.id_key));
    s.opts = opts;
    if ((slots = calloc(2 * VERIFY_CHUNK, sizeof(*slots))) == NULL) {
        return error_set(AVOW_ENOMEM, "out of memory verifying");
    }
    chunk[0].slots = slots;
    chunk[1].slots = slots + VERIFY_CHUNK;
    chunk[0].id_key = s.id_key;
    chunk[1].id_key = s.id_key;
    if ((error = store_txn_begin(ledger, MDB_RDONLY, &s.txn)) < 0) {
        free(slots);
        return error;
    }
    if ((rc = mdb_stat(s.txn, store_dbi(ledger, STORE_DB_EVENTS), &st)) != 0 ||
        (rc = mdb_cursor_open(s.txn, store_dbi(ledger, STORE_DB_EVENTS), &cur)) != 0) {
        error = store_mdb_error(ledger, rc, "events");
        goto done;
    }
    if (st.ms_entries >= POOL_MIN_BATCH && pool_cores() > 1 &&
        (error = pool_new(&p, (size_t)-1)) < 0) {
        goto done;
    }
    if ((error = verify_tables_begin(&s)) < 0 ||
        (error = verify_forward(&s, chunk, cur, p, (uint64_t)st.ms_entries, &n)) < 0) {
        goto done;
    }
    mdb_cursor_close(cur);
    cur = NULL;
    if (opts != NULL && opts->on_progress != NULL &&
        (error = opts->on_progress(n, n, opts->payload)) < 0) {
        goto done;
    }
    error = verify_indexes(&s);
done:
    error = verify_tables_end(&s, error);
    if (error == 0 && s.stop < 0) {
        error = s.stop;
    }
    pool_free(p);
    if (cur != NULL) {
        mdb_cursor_close(cur);
    }
    mdb_txn_abort(s.txn);
    free(s.authors);
    free(slots);
    if (events != NULL) {
        *events = n;
    }
    if (problems != NULL) {
        *problems = s.problems;
    }
    return error;
}
