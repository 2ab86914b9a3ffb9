/* SPDX-License-Identifier: ISC */
/*
 * audit.c - the ledger's Merkle tree in LMDB (table "merkle"), kept in the
 * same write transaction as every appended event.
 *
 * Invariants:
 *  1. After an append transaction commits with n events in the log, the
 *     "merkle" table holds the hash of every complete subtree of the first n
 *     leaves, and nothing else (src/merkle.c invariant 2: written once).
 *  2. Leaf i is merkle_leaf_hash() of the whole signed bytes of event i.
 */
#include "audit.h"

#include "merkle.h"
#include "store.h"

struct audit_txn {
    store_w *w; /* set when writing */
    MDB_txn *txn;
    const avow_ledger *ledger;
};

static void
node_key(unsigned char key[AUDIT_NODE_KEY_BYTES], unsigned level, uint64_t index)
{
    key[0] = (unsigned char)level;
    be64_put(key + 1, index);
}

static int
node_get(void *vctx, unsigned level, uint64_t index, unsigned char out[MERKLE_HASH_BYTES])
{
    struct audit_txn *c = vctx;
    unsigned char key[AUDIT_NODE_KEY_BYTES];
    node_key(key, level, index);
    MDB_val k = { sizeof(key), key }, v;
    int rc = mdb_get(c->txn, store_dbi(c->ledger, STORE_DB_MERKLE), &k, &v);
    if (rc == MDB_NOTFOUND) {
        return avow_error_set(AVOW_ENOTFOUND, "Merkle node (%u, %llu) is missing", level,
                              (unsigned long long)index);
    }
    if (rc != 0) {
        return store_mdb_error(c->ledger, rc, "merkle");
    }
    if (v.mv_size != MERKLE_HASH_BYTES) {
        return avow_error_set(AVOW_EFORMAT, "Merkle node (%u, %llu) has %zu bytes", level,
                              (unsigned long long)index, v.mv_size);
    }
    memcpy(out, v.mv_data, MERKLE_HASH_BYTES);
    return 0;
}

static int
node_put(void *vctx, unsigned level, uint64_t index, const unsigned char h[MERKLE_HASH_BYTES])
{
    struct audit_txn *c = vctx;
    unsigned char key[AUDIT_NODE_KEY_BYTES];
    node_key(key, level, index);
    return store_w_put(c->w, STORE_DB_MERKLE, key, sizeof(key), h, MERKLE_HASH_BYTES,
                       MDB_NOOVERWRITE);
}

int
audit_on_append(store_w *w, uint64_t index, const avow_event *ev)
{
    struct audit_txn c = { w, store_w_txn(w), store_w_ledger(w) };
    unsigned char leaf[MERKLE_HASH_BYTES];
    merkle_leaf_hash(leaf, ev->raw, ev->raw_len);
    return merkle_append(node_put, node_get, &c, index, leaf);
}

int
audit_root_txn(MDB_txn *txn, const avow_ledger *ledger, uint64_t size,
               unsigned char root[AVOW_HASH_BYTES])
{
    struct audit_txn c = { NULL, txn, ledger };
    return merkle_root(node_get, &c, size, root);
}

int
audit_inclusion_txn(MDB_txn *txn, const avow_ledger *ledger, uint64_t index, uint64_t size,
                    unsigned char *path, size_t *count)
{
    struct audit_txn c = { NULL, txn, ledger };
    return merkle_inclusion_proof(node_get, &c, index, size, path, count);
}

int
audit_consistency_txn(MDB_txn *txn, const avow_ledger *ledger, uint64_t m, uint64_t n,
                      unsigned char *path, size_t *count)
{
    struct audit_txn c = { NULL, txn, ledger };
    return merkle_consistency_proof(node_get, &c, m, n, path, count);
}

int
audit_verify(MDB_txn *txn, const avow_ledger *ledger, uint64_t n_events, struct verify_state *s)
{
    (void)txn;
    (void)ledger;
    (void)n_events;
    (void)s;
    return 0;
}
