/* SPDX-License-Identifier: ISC */
/*
 * heads.c - the heads table: author(32) -> seq(u64) || content hash(32) ||
 * id(32), the last link of each author's chain. Its value is encoded and
 * decoded here and nowhere else (store_head_encode, store_head_decode); the
 * modules above read it through store_head_decode() (store.h).
 *
 * Invariants:
 *  1. An author has a head entry exactly when the log holds one of its chain
 *     events; the entry names the one with the highest seq (append.c
 *     invariant 3; avow_ledger_verify() checks both directions).
 *  2. A value of any other size than STORE_HEAD_BYTES, or a key of any other
 *     than AVOW_PUBKEY_BYTES, is malformed: decoded to nothing, never in part.
 */
#include <string.h>

#include "ledger/store_int.h"

void
store_head_encode(unsigned char out[STORE_HEAD_BYTES], uint64_t seq,
                  const unsigned char hash[AVOW_HASH_BYTES],
                  const unsigned char id[AVOW_EVENT_ID_BYTES])
{
    be64_put(out, seq);
    memcpy(out + 8, hash, AVOW_HASH_BYTES);
    memcpy(out + 8 + AVOW_HASH_BYTES, id, AVOW_EVENT_ID_BYTES);
}

int
store_head_decode(store_head *out, const store_val *key, const store_val *val)
{
    /* Invariant 2. */
    if ((key != NULL && key->len != AVOW_PUBKEY_BYTES) || val->len != STORE_HEAD_BYTES) {
        return error_set(AVOW_EIO, "malformed head entry (run avow verify)");
    }
    if (key != NULL) {
        memcpy(out->author, key->ptr, AVOW_PUBKEY_BYTES);
    } else {
        memset(out->author, 0, AVOW_PUBKEY_BYTES);
    }
    out->seq = be64_get(val->ptr);
    memcpy(out->hash, val->ptr + 8, AVOW_HASH_BYTES);
    memcpy(out->id, val->ptr + 8 + AVOW_HASH_BYTES, AVOW_EVENT_ID_BYTES);
    return 0;
}

int
store_head_get(const avow_ledger *ledger, MDB_txn *txn, const unsigned char *author, uint64_t *seq,
               unsigned char hash[AVOW_HASH_BYTES], unsigned char *id)
{
    MDB_val v;
    store_head h;
    int error = store_get(ledger, txn, STORE_DB_HEADS, author, AVOW_PUBKEY_BYTES, &v);
    if (error == AVOW_ENOTFOUND) {
        *seq = 0;
        memset(hash, 0, AVOW_HASH_BYTES);
        if (id != NULL) {
            memset(id, 0, AVOW_EVENT_ID_BYTES);
        }
        return 0;
    }
    if (error < 0) {
        return error;
    }
    store_val val = store_val_of(&v);
    if (store_head_decode(&h, NULL, &val) < 0) {
        return error_set(AVOW_EIO, "malformed head entry in ledger %s (run avow verify)",
                         ledger->path);
    }
    *seq = h.seq;
    memcpy(hash, h.hash, AVOW_HASH_BYTES);
    if (id != NULL) {
        memcpy(id, h.id, AVOW_EVENT_ID_BYTES);
    }
    return 0;
}

int
avow_ledger_head(uint64_t *seq, unsigned char hash[AVOW_HASH_BYTES], avow_ledger *ledger,
                 const unsigned char author[AVOW_PUBKEY_BYTES])
{
    MDB_txn *txn = NULL;
    unsigned char h[AVOW_HASH_BYTES];
    uint64_t s = 0;
    int error;
    if ((error = store_txn_begin(ledger, MDB_RDONLY, &txn)) < 0) {
        return error;
    }
    error = store_head_get(ledger, txn, author, &s, h, NULL);
    mdb_txn_abort(txn);
    if (error == 0) {
        if (seq != NULL) {
            *seq = s;
        }
        if (hash != NULL) {
            memcpy(hash, h, AVOW_HASH_BYTES);
        }
    }
    return error;
}
