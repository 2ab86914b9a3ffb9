/* SPDX-License-Identifier: ISC */
/*
 * verify.c - avow_ledger_verify(): every event decodes strictly, its
 * signature and id hold, every author chain is gapless and linked, and every
 * index entry points at the right event (and every event is indexed).
 *
 * Invariants:
 *  1. verify only reads: one read transaction, a consistent snapshot.
 *  2. Each problem is reported once, with the log index, seq and id when known.
 */
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#include <sodium.h>

#include "audit.h"
#include "store.h"

struct verify_author {
    unsigned char author[AVOW_PUBKEY_BYTES];
    uint64_t seq;                        /* last seq seen */
    unsigned char hash[AVOW_HASH_BYTES]; /* its content hash */
    unsigned char id[AVOW_EVENT_ID_BYTES];
    uint64_t index;
    int sound; /* the last event's signature holds, so its hash can check the next link */
};

struct verify_state {
    const avow_ledger *ledger;
    MDB_txn *txn;
    const avow_verify_opts *opts;
    uint64_t problems;
    struct verify_author *authors; /* sorted by author */
    size_t n_authors;
    size_t cap_authors;
};

static void verify_report(struct verify_state *s, uint64_t index, uint64_t seq,
                          const unsigned char *id, const char *fmt, ...) AVOW_PRINTF(5, 6);

static void
verify_vreport(struct verify_state *s, uint64_t index, uint64_t seq, const unsigned char *id,
               const char *fmt, va_list ap)
{
    char what[512];
    avow_problem p;
    int n = vsnprintf(what, sizeof(what), fmt, ap);
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
    if (s->opts != NULL && s->opts->on_problem != NULL) {
        s->opts->on_problem(&p, s->opts->payload);
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

/* Find an author's state (binary search); *pos is where it belongs if absent. */
static struct verify_author *
verify_find(struct verify_state *s, const unsigned char *author, size_t *pos)
{
    size_t lo = 0, hi = s->n_authors;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        int c = memcmp(s->authors[mid].author, author, AVOW_PUBKEY_BYTES);
        if (c == 0) {
            return &s->authors[mid];
        }
        if (c < 0) {
            lo = mid + 1;
        } else {
            hi = mid;
        }
    }
    if (pos != NULL) {
        *pos = lo;
    }
    return NULL;
}

static int
verify_author_state(struct verify_state *s, const unsigned char *author, struct verify_author **out)
{
    size_t pos = 0;
    struct verify_author *a = verify_find(s, author, &pos);
    if (a == NULL) {
        if (s->n_authors == s->cap_authors) {
            size_t cap = s->cap_authors ? s->cap_authors * 2 : 16;
            if (cap > SIZE_MAX / sizeof(*a)) {
                return avow_error_set(AVOW_ENOMEM, "too many authors");
            }
            struct verify_author *p = realloc(s->authors, cap * sizeof(*p));
            if (p == NULL) {
                return avow_error_set(AVOW_ENOMEM, "out of memory verifying");
            }
            s->authors = p;
            s->cap_authors = cap;
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
    }
    return 0;
}

static int
verify_event(struct verify_state *s, uint64_t index, const avow_event *ev)
{
    const avow_ledger *ledger = s->ledger;
    unsigned char id[AVOW_EVENT_ID_BYTES], hash[AVOW_HASH_BYTES];
    unsigned char ak[STORE_AUTHOR_KEY_BYTES], tk[STORE_BYTIME_KEY_MAX];
    static const unsigned char zeros[AVOW_HASH_BYTES];
    char contest[AVOW_MAX_CONTEST];
    size_t contest_len = 0;
    struct verify_author *a = NULL;
    MDB_val v;
    int error;

    avow_event_id(id, ev);
    avow_event_content_hash(hash, ev);
    int sound = avow_event_verify(ev) == 0;
    if (!sound) {
        verify_report(s, index, ev->seq, id, "signature does not verify");
    }
    if ((error = verify_entry(s, STORE_DB_IDS, id, sizeof(id), index, ev, id, "id")) < 0) {
        return error;
    }
    memcpy(ak, ev->author, AVOW_PUBKEY_BYTES);
    be64_put(ak + AVOW_PUBKEY_BYTES, ev->seq);
    if ((error = verify_entry(s, STORE_DB_AUTHORS, ak, sizeof(ak), index, ev, id, "author")) < 0) {
        return error;
    }

    /* Chain (invariant 3). */
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
    if (ev->seq > a->seq) {
        a->seq = ev->seq;
        memcpy(a->hash, hash, AVOW_HASH_BYTES);
        memcpy(a->id, id, AVOW_EVENT_ID_BYTES);
        a->index = index;
        a->sound = sound;
    }

    /* By-time and contest indexes (invariant 5). */
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
    return k->mv_size == tlen && memcmp(k->mv_data, tk, tlen) == 0;
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
        const unsigned char *p = v.mv_data;
        if (v.mv_size != STORE_HEAD_BYTES) {
            verify_report(s, a->index, a->seq, a->id, "head entry of author %s is malformed", who);
        } else if (be64_get(p) != a->seq) {
            verify_report(s, a->index, a->seq, a->id,
                          "head entry of author %s says seq %" PRIu64
                          " but the chain ends at seq %" PRIu64,
                          who, be64_get(p), a->seq);
        } else if (memcmp(p + 8, a->hash, AVOW_HASH_BYTES) != 0 ||
                   memcmp(p + 8 + AVOW_HASH_BYTES, a->id, AVOW_EVENT_ID_BYTES) != 0) {
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

int
avow_ledger_verify(avow_ledger *ledger, uint64_t *events, uint64_t *problems,
                   const avow_verify_opts *opts)
{
    struct verify_state s;
    MDB_cursor *cur = NULL;
    MDB_stat st;
    MDB_val k, v;
    uint64_t n = 0, expect = 0;
    int error = 0, rc;

    memset(&s, 0, sizeof(s));
    s.ledger = ledger;
    s.opts = opts;
    if ((error = store_txn_begin(ledger, MDB_RDONLY, &s.txn)) < 0) {
        return error;
    }
    if ((rc = mdb_stat(s.txn, store_dbi(ledger, STORE_DB_EVENTS), &st)) != 0 ||
        (rc = mdb_cursor_open(s.txn, store_dbi(ledger, STORE_DB_EVENTS), &cur)) != 0) {
        error = store_mdb_error(ledger, rc, "events");
        goto done;
    }
    for (MDB_cursor_op op = MDB_FIRST;; op = MDB_NEXT) {
        rc = mdb_cursor_get(cur, &k, &v, op);
        if (rc == MDB_NOTFOUND) {
            break;
        }
        if (rc != 0) {
            error = store_mdb_error(ledger, rc, "events");
            goto done;
        }
        n++;
        if (opts != NULL && opts->on_progress != NULL && n % STORE_PROGRESS_EVERY == 0) {
            opts->on_progress(n, (uint64_t)st.ms_entries, opts->payload);
        }
        if (k.mv_size != 8) {
            verify_report(&s, UINT64_MAX, 0, NULL, "a log key is not 8 bytes");
            continue;
        }
        uint64_t index = be64_get(k.mv_data);
        if (index != expect) {
            verify_report(&s, index, 0, NULL, "log index #%" PRIu64 " follows #%" PRIu64 " (gap)",
                          index, expect - 1);
        }
        expect = index + 1;
        avow_event ev;
        if (avow_event_decode(&ev, v.mv_data, v.mv_size) < 0) {
            verify_report(&s, index, 0, NULL, "does not decode: %s", avow_error_last());
            continue;
        }
        if ((error = verify_event(&s, index, &ev)) < 0) {
            goto done;
        }
    }
    mdb_cursor_close(cur);
    cur = NULL;
    if (opts != NULL && opts->on_progress != NULL) {
        opts->on_progress(n, n, opts->payload);
    }
    if ((error = verify_heads(&s)) < 0 ||
        (error = verify_reverse(&s, STORE_DB_IDS, "id", verify_match_id)) < 0 ||
        (error = verify_reverse(&s, STORE_DB_AUTHORS, "author", verify_match_author)) < 0 ||
        (error = verify_reverse(&s, STORE_DB_BYTIME, "by-time", verify_match_bytime)) < 0 ||
        (error = verify_reverse(&s, STORE_DB_CONTESTS, "contest", verify_match_contest)) < 0 ||
        (error = audit_verify(s.txn, ledger, n, &s)) < 0 ||
        (error = sync_verify(s.txn, ledger, &s)) < 0) {
        goto done;
    }
done:
    if (cur != NULL) {
        mdb_cursor_close(cur);
    }
    mdb_txn_abort(s.txn);
    free(s.authors);
    if (events != NULL) {
        *events = n;
    }
    if (problems != NULL) {
        *problems = s.problems;
    }
    return error;
}
