/* SPDX-License-Identifier: ISC */
/*
 * lookup.c - the core tables read back: an event by log index or by id, the
 * contest an event is indexed under, the by-time key, and the public reads
 * built on them (avow_ledger_get, avow_ledger_get_seq, avow_ledger_resolve_id,
 * avow_ledger_has_contest). The tables are written by append.c.
 *
 * Invariants:
 *  1. A retraction has no contest: it is indexed in "bytime" under the
 *     contest of its target, which is an earlier event of the same author
 *     (followed at most STORE_RETRACT_DEPTH retractions deep).
 *  2. A lookup by id inside the write transaction under way first writes the
 *     ids that transaction queued (append.c invariant 6), so a transaction
 *     reads what it wrote.
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include <sodium.h>

#include "ledger/store_int.h"

/* Retractions of retractions are followed this deep to find their contest. */
#define STORE_RETRACT_DEPTH 16

/* Candidates an ambiguous event id prefix lists in its error. */
#define LOOKUP_LIST_MAX 8
/* Bytes of an author key named in an error (8 hex characters, as output shows). */
#define SHORT_HEX_BYTES 4

int
store_event_at(store_val *raw, const avow_ledger *ledger, store_txn *txn, uint64_t index)
{
    MDB_val v;
    int error = store_get_event(ledger, store_mdb_txn(txn), index, &v);
    if (error == 0) {
        *raw = store_val_of(&v);
    }
    return error;
}

int
store_event_by_id(store_val *raw, uint64_t *index, const avow_ledger *ledger, store_txn *txn,
                  const unsigned char id[AVOW_EVENT_ID_BYTES])
{
    MDB_val v;
    int error = store_get_by_id(ledger, store_mdb_txn(txn), id, &v, index);
    if (error == 0) {
        *raw = store_val_of(&v);
    }
    return error;
}

int
store_contest_of(char *buf, size_t *len, const avow_ledger *ledger, store_txn *txn,
                 const avow_event *ev)
{
    return store_resolve_contest(ledger, store_mdb_txn(txn), ev, buf, len);
}

int
store_get_event(const avow_ledger *ledger, MDB_txn *txn, uint64_t index, MDB_val *raw)
{
    unsigned char k[8];
    be64_put(k, index);
    return store_get(ledger, txn, STORE_DB_EVENTS, k, sizeof(k), raw);
}

int
store_get_by_id(const avow_ledger *ledger, MDB_txn *txn, const unsigned char *id, MDB_val *raw,
                uint64_t *index_out)
{
    MDB_val v;
    uint64_t index = 0;
    int error;
    /* Invariant 2: the transaction under way reads the ids it queued. */
    if (ledger->writer != NULL && ledger->writer->txn == txn &&
        (error = store_idq_flush(ledger->writer)) < 0) {
        return error;
    }
    if ((error = store_get(ledger, txn, STORE_DB_IDS, id, AVOW_EVENT_ID_BYTES, &v)) < 0) {
        return error;
    }
    if ((error = store_index_val(&index, &v)) < 0) {
        return error;
    }
    if ((error = store_get_event(ledger, txn, index, raw)) < 0) {
        if (error == AVOW_ENOTFOUND) {
            return error_set(
              AVOW_EIO, "id index points at missing event #%" PRIu64 " (run avow verify)", index);
        }
        return error;
    }
    if (index_out != NULL) {
        *index_out = index;
    }
    return 0;
}

/*
 * The contest an event is indexed under (invariant 1), copied into buf
 * (AVOW_MAX_CONTEST bytes) because a pointer into the map dies at the next
 * write. @return 1 (found, *len set), 0 (none), or an error.
 */
int
store_resolve_contest(const avow_ledger *ledger, MDB_txn *txn, const avow_event *ev, char *buf,
                      size_t *len)
{
    avow_event tmp;
    const avow_event *cur = ev;
    for (int depth = 0; depth < STORE_RETRACT_DEPTH; depth++) {
        if (cur->contest.ptr != NULL) {
            if (cur->contest.len == 0 || cur->contest.len > AVOW_MAX_CONTEST) {
                return error_set(AVOW_EFORMAT, "contest id of %zu bytes", cur->contest.len);
            }
            memcpy(buf, cur->contest.ptr, cur->contest.len);
            *len = cur->contest.len;
            return 1;
        }
        if (cur->kind != AVOW_KIND_RETRACT || cur->target == NULL) {
            return 0;
        }
        MDB_val raw;
        int error = store_get_by_id(ledger, txn, cur->target, &raw, NULL);
        if (error == AVOW_ENOTFOUND) {
            return 0;
        }
        if (error < 0) {
            return error;
        }
        if (avow_event_decode(&tmp, raw.mv_data, raw.mv_size) < 0) {
            return 0;
        }
        cur = &tmp;
    }
    return 0;
}

static size_t
lookup_bytime_key(unsigned char *key, const avow_str *contest, int64_t t, const avow_event *ev,
                  const unsigned char id[AVOW_EVENT_ID_BYTES])
{
    if (contest->len > AVOW_MAX_CONTEST) {
        return 0;
    }
    size_t n = contest->len;
    memcpy(key, contest->ptr, n);
    key[n++] = 0;
    be64_put(key + n, time_key(t));
    n += 8;
    be64_put(key + n, time_key(ev->recorded_at));
    n += 8;
    memcpy(key + n, id, AVOW_EVENT_ID_BYTES);
    return n + AVOW_EVENT_ID_BYTES;
}

size_t
store_bytime_key(unsigned char *key, const avow_str *contest, const avow_event *ev,
                 const unsigned char id[AVOW_EVENT_ID_BYTES])
{
    return lookup_bytime_key(key, contest, ev->effective_at, ev, id);
}

size_t
store_bytime_open_key(unsigned char *key, const avow_str *contest, const avow_event *ev,
                      const unsigned char id[AVOW_EVENT_ID_BYTES])
{
    if (!store_bytime_opens(ev)) {
        return 0;
    }
    return lookup_bytime_key(key, contest, ev->from, ev, id);
}

int
store_contest_exists(const avow_ledger *ledger, MDB_txn *txn, const char *contest, size_t len)
{
    MDB_val v;
    if (len == 0) {
        return 0;
    }
    int error = store_get(ledger, txn, STORE_DB_CONTESTS, contest, len, &v);
    if (error == AVOW_ENOTFOUND) {
        return 0;
    }
    return error < 0 ? error : 1;
}

int
avow_ledger_get(avow_buf *out, uint64_t *index_out, avow_ledger *ledger,
                const unsigned char id[AVOW_EVENT_ID_BYTES])
{
    MDB_txn *txn = NULL;
    MDB_val raw;
    int error;
    if ((error = store_txn_begin(ledger, MDB_RDONLY, &txn)) < 0) {
        return error;
    }
    error = store_get_by_id(ledger, txn, id, &raw, index_out);
    if (error == AVOW_ENOTFOUND) {
        char hex[AVOW_HEX_ID_LEN + 1];
        avow_hex(hex, id, AVOW_EVENT_ID_BYTES);
        error = error_set(AVOW_ENOTFOUND, "no event %s in ledger %s", hex, ledger->path);
    }
    if (error == 0) {
        buf_clear(out);
        error = buf_put(out, raw.mv_data, raw.mv_size);
    }
    mdb_txn_abort(txn);
    return error;
}

int
avow_ledger_get_seq(avow_buf *out, uint64_t *index_out, avow_ledger *ledger,
                    const unsigned char author[AVOW_PUBKEY_BYTES], uint64_t seq)
{
    unsigned char ak[STORE_AUTHOR_KEY_BYTES];
    MDB_txn *txn = NULL;
    MDB_val v, raw;
    uint64_t index = 0;
    int error;
    if (out == NULL || ledger == NULL || author == NULL) {
        return error_set(AVOW_EINVALID, "avow_ledger_get_seq: missing argument");
    }
    if ((error = store_txn_begin(ledger, MDB_RDONLY, &txn)) < 0) {
        return error;
    }
    memcpy(ak, author, AVOW_PUBKEY_BYTES);
    be64_put(ak + AVOW_PUBKEY_BYTES, seq);
    error = store_get(ledger, txn, STORE_DB_AUTHORS, ak, sizeof(ak), &v);
    if (error == 0) {
        error = store_index_val(&index, &v);
    }
    if (error == 0 && (error = store_get_event(ledger, txn, index, &raw)) == AVOW_ENOTFOUND) {
        error = error_set(
          AVOW_EIO, "author index points at missing event #%" PRIu64 " (run avow verify)", index);
    }
    if (error == AVOW_ENOTFOUND) {
        char hex[AVOW_HEX_ID_LEN + 1];
        avow_hex(hex, author, SHORT_HEX_BYTES);
        error = error_set(AVOW_ENOTFOUND, "author %s has no event of seq %" PRIu64 " in ledger %s",
                          hex, seq, ledger->path);
    }
    if (error == 0) {
        buf_clear(out);
        error = buf_put(out, raw.mv_data, raw.mv_size);
        if (index_out != NULL) {
            *index_out = index;
        }
    }
    mdb_txn_abort(txn);
    return error;
}

int
avow_ledger_resolve_id(unsigned char id[AVOW_EVENT_ID_BYTES], avow_ledger *ledger,
                       const char *hex_prefix)
{
    unsigned char start[AVOW_EVENT_ID_BYTES] = { 0 };
    char found_hex[AVOW_HEX_ID_LEN + 1];
    MDB_txn *txn = NULL;
    MDB_cursor *cur = NULL;
    MDB_val k, v;
    size_t len, bin_len = 0;
    int error = 0, rc;

    len = hex_prefix == NULL ? 0 : strlen(hex_prefix);
    if (len < 8 || len > AVOW_HEX_ID_LEN) {
        return error_set(AVOW_EINVALID, "an event id prefix has 8 to 64 hex characters");
    }
    for (size_t i = 0; i < len; i++) {
        if (!((hex_prefix[i] >= '0' && hex_prefix[i] <= '9') ||
              (hex_prefix[i] >= 'a' && hex_prefix[i] <= 'f') ||
              (hex_prefix[i] >= 'A' && hex_prefix[i] <= 'F'))) {
            return error_set(AVOW_EINVALID, "event id prefix %s is not hex", hex_prefix);
        }
    }
    /* The whole bytes of the prefix; an odd last digit is compared as text below. */
    if (sodium_hex2bin(start, sizeof(start), hex_prefix, len & ~(size_t)1, NULL, &bin_len, NULL) !=
        0) {
        return error_set(AVOW_EINVALID, "event id prefix %s is not hex", hex_prefix);
    }
    if ((error = store_txn_begin(ledger, MDB_RDONLY, &txn)) < 0) {
        return error;
    }
    if ((rc = mdb_cursor_open(txn, ledger->dbi[STORE_DB_IDS], &cur)) != 0) {
        error = store_mdb_error(ledger, rc, "ids");
        goto done;
    }
    k.mv_size = sizeof(start);
    k.mv_data = start;
    int matches = 0;
    /* An ambiguous prefix lists its first LOOKUP_LIST_MAX candidates. */
    char list[LOOKUP_LIST_MAX * (16 + 2) + 1] = "";
    size_t list_len = 0;
    for (MDB_cursor_op op = MDB_SET_RANGE; matches <= LOOKUP_LIST_MAX; op = MDB_NEXT) {
        rc = mdb_cursor_get(cur, &k, &v, op);
        if (rc == MDB_NOTFOUND) {
            break;
        }
        if (rc != 0) {
            error = store_mdb_error(ledger, rc, "ids");
            goto done;
        }
        if (k.mv_size != AVOW_EVENT_ID_BYTES) {
            break;
        }
        avow_hex(found_hex, k.mv_data, AVOW_EVENT_ID_BYTES);
        if (strncasecmp(found_hex, hex_prefix, len) != 0) {
            break;
        }
        if (matches == 0) {
            memcpy(id, k.mv_data, AVOW_EVENT_ID_BYTES);
        }
        if (matches < LOOKUP_LIST_MAX) {
            int n = snprintf(list + list_len, sizeof(list) - list_len, "%s%.16s",
                             matches > 0 ? ", " : "", found_hex);
            list_len += n > 0 && (size_t)n < sizeof(list) - list_len ? (size_t)n : 0;
        }
        matches++;
    }
    if (matches == 0) {
        error = error_set(AVOW_ENOTFOUND, "no event %s in ledger %s", hex_prefix, ledger->path);
    } else if (matches > 1) {
        error = error_set(AVOW_EINVALID, "ambiguous id prefix %s: %s%s (give more characters)",
                          hex_prefix, list, matches > LOOKUP_LIST_MAX ? ", ..." : "");
    }
done:
    if (cur != NULL) {
        mdb_cursor_close(cur);
    }
    mdb_txn_abort(txn);
    return error;
}

int
avow_ledger_has_contest(avow_ledger *ledger, const char *contest)
{
    MDB_txn *txn = NULL;
    int error;
    if (contest == NULL) {
        return error_set(AVOW_EINVALID, "no contest id");
    }
    size_t len = strlen(contest);
    if (len == 0 || len > AVOW_MAX_CONTEST) {
        return 0;
    }
    if ((error = store_txn_begin(ledger, MDB_RDONLY, &txn)) < 0) {
        return error;
    }
    error = store_contest_exists(ledger, txn, contest, len);
    mdb_txn_abort(txn);
    return error;
}
