/* SPDX-License-Identifier: ISC */
/*
 * iter.c - avow_iter_*: the log in order, from a start index, optionally of
 * one author (through the "authors" index) or of one contest (as lookup.c
 * resolves it, retractions under their target's).
 *
 * Invariants:
 *  1. An iterator holds one read transaction from avow_iter_new() to
 *     avow_iter_free(): it sees one snapshot, and the ledger counts it as a
 *     reader, so the map does not grow under it (store.c invariant 1).
 *  2. Events come in log order (newest first with reverse); an author's in
 *     seq order, which is the same.
 *  3. A filter (avow_event_match()) only drops events: what passes comes in
 *     the order of invariant 2.
 */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "ledger/store_int.h"

struct avow_iter {
    avow_ledger *ledger;
    MDB_txn *txn;
    MDB_cursor *cur; /* on "authors" with an author filter, else on "events" */
    int started;
    int has_author;
    unsigned char author[AVOW_PUBKEY_BYTES];
    int has_contest;
    size_t contest_len;
    char contest[AVOW_MAX_CONTEST];
    uint64_t start;
    int reverse;
    int has_filter;
    avow_event_filter filter; /* its strings borrow from the caller's opts */
};

int
avow_iter_new(avow_iter **out, avow_ledger *ledger, const avow_iter_opts *opts)
{
    avow_iter *it = NULL;
    int error = 0, rc;

    if (out == NULL || ledger == NULL) {
        return error_set(AVOW_EINVALID, "avow_iter_new: missing argument");
    }
    *out = NULL;
    if ((it = calloc(1, sizeof(*it))) == NULL) {
        return error_set(AVOW_ENOMEM, "out of memory");
    }
    it->ledger = ledger;
    if (opts != NULL) {
        if (opts->contest != NULL) {
            size_t len = strlen(opts->contest);
            if (len == 0 || len > AVOW_MAX_CONTEST) {
                error = error_set(AVOW_EINVALID, "contest id of 1 to %d bytes expected",
                                  AVOW_MAX_CONTEST);
                goto done;
            }
            memcpy(it->contest, opts->contest, len);
            it->contest_len = len;
            it->has_contest = 1;
        }
        if (opts->author != NULL) {
            memcpy(it->author, opts->author, AVOW_PUBKEY_BYTES);
            it->has_author = 1;
        }
        it->start = opts->start;
        if (opts->version >= 2) {
            it->reverse = opts->reverse != 0;
            if (opts->filter != NULL) {
                it->filter = *opts->filter;
                it->has_filter = 1;
            }
        }
    }
    if ((error = store_txn_begin(ledger, MDB_RDONLY, &it->txn)) < 0) {
        goto done;
    }
    rc = mdb_cursor_open(it->txn, ledger->dbi[it->has_author ? STORE_DB_AUTHORS : STORE_DB_EVENTS],
                         &it->cur);
    if (rc != 0) {
        error = store_mdb_error(ledger, rc, "cannot open a cursor");
        goto done;
    }
    ledger->readers++; /* invariant 1 */
    *out = it;
    it = NULL;
done:
    if (it != NULL) {
        if (it->txn != NULL) {
            mdb_txn_abort(it->txn);
        }
        free(it);
    }
    return error;
}

/* Position the cursor on the first entry to return: the author's first (or,
 * reversed, last) index entry, or the log's entry at start (reversed: the
 * last). 0, MDB_NOTFOUND or an LMDB error. */
static int
iter_first(avow_iter *it, unsigned char start[STORE_AUTHOR_KEY_BYTES], MDB_val *k, MDB_val *v)
{
    int rc;

    it->started = 1;
    if (it->has_author) {
        memcpy(start, it->author, AVOW_PUBKEY_BYTES);
        be64_put(start + AVOW_PUBKEY_BYTES, it->reverse ? UINT64_MAX : 0);
        k->mv_size = STORE_AUTHOR_KEY_BYTES;
    } else {
        be64_put(start, it->start);
        k->mv_size = 8;
    }
    k->mv_data = start;
    if (!it->reverse) {
        return mdb_cursor_get(it->cur, k, v, MDB_SET_RANGE);
    }
    if (!it->has_author) {
        return mdb_cursor_get(it->cur, k, v, MDB_LAST);
    }
    /* The entry after the author's last, then one back; or the last of all. */
    rc = mdb_cursor_get(it->cur, k, v, MDB_SET_RANGE);
    if (rc == 0) {
        return mdb_cursor_get(it->cur, k, v, MDB_PREV);
    }
    return rc == MDB_NOTFOUND ? mdb_cursor_get(it->cur, k, v, MDB_LAST) : rc;
}

int
avow_iter_next(avow_event *ev, uint64_t *index, avow_iter *it)
{
    const avow_ledger *ledger = it->ledger;
    unsigned char start[STORE_AUTHOR_KEY_BYTES];
    char contest[AVOW_MAX_CONTEST];
    size_t contest_len;
    MDB_val k, v;
    uint64_t idx = 0;
    int error, rc;

    for (;;) {
        MDB_cursor_op op = it->reverse ? MDB_PREV : MDB_NEXT;
        if (!it->started) {
            if ((rc = iter_first(it, start, &k, &v)) != 0) {
                if (rc == MDB_NOTFOUND) {
                    return 0;
                }
                return store_mdb_error(ledger, rc, "cannot read the log");
            }
            op = MDB_GET_CURRENT;
        }
        rc = mdb_cursor_get(it->cur, &k, &v, op);
        if (rc == MDB_NOTFOUND) {
            return 0;
        }
        if (rc != 0) {
            return store_mdb_error(ledger, rc, "cannot read the log");
        }
        if (it->has_author) {
            if (k.mv_size != STORE_AUTHOR_KEY_BYTES ||
                memcmp(k.mv_data, it->author, AVOW_PUBKEY_BYTES) != 0) {
                return 0;
            }
            if ((error = store_index_val(&idx, &v)) < 0) {
                return error;
            }
            if (idx < it->start) {
                if (it->reverse) {
                    return 0;
                }
                continue;
            }
            if ((error = store_get_event(ledger, it->txn, idx, &v)) < 0) {
                if (error == AVOW_ENOTFOUND) {
                    error = error_set(
                      AVOW_EIO,
                      "author index points at missing event #%" PRIu64 " (run avow verify)", idx);
                }
                return error;
            }
        } else {
            if (k.mv_size != 8) {
                return error_set(AVOW_EIO, "malformed log key (run avow verify)");
            }
            idx = be64_get(k.mv_data);
            if (it->reverse && idx < it->start) {
                return 0;
            }
        }
        if (avow_event_decode(ev, v.mv_data, v.mv_size) < 0) {
            return store_error_prefix(AVOW_EFORMAT,
                                      "event #%" PRIu64 " does not decode (run avow verify)", idx);
        }
        if (it->has_contest) {
            int has = store_resolve_contest(ledger, it->txn, ev, contest, &contest_len);
            if (has < 0) {
                return has;
            }
            if (!has || contest_len != it->contest_len ||
                memcmp(contest, it->contest, contest_len) != 0) {
                continue;
            }
        }
        if (it->has_filter && !avow_event_match(ev, &it->filter)) {
            continue;
        }
        if (index != NULL) {
            *index = idx;
        }
        return 1;
    }
}

void
avow_iter_free(avow_iter *it)
{
    if (it == NULL) {
        return;
    }
    if (it->cur != NULL) {
        mdb_cursor_close(it->cur);
    }
    if (it->txn != NULL) {
        mdb_txn_abort(it->txn);
    }
    it->ledger->readers--;
    free(it);
}
