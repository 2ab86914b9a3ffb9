/* SPDX-License-Identifier: ISC */
/*
 * proof.c - roots and RFC 9162 proofs of the ledger's Merkle tree for
 * callers: avow_ledger_root(), avow_ledger_prove_inclusion() and
 * avow_ledger_prove_consistency(), computed from the stored nodes
 * (src/derived/tree.c), and the offline verifiers of the proofs they return
 * (docs/AUDIT.md).
 *
 * Invariants:
 *  1. Every proof this module returns has been verified with the RFC 9162
 *     verifier first; a stored tree that does not yield a valid proof is
 *     reported as damaged (AVOW_EVERIFY), never returned.
 *  2. The verifiers fail closed: a malformed or failing proof is AVOW_EVERIFY.
 */
#include <inttypes.h>

#include "audit/proof.h"
#include "derived/tree.h"
#include "tlog/merkle.h"

_Static_assert(AVOW_PROOF_MAX == MERKLE_MAX_PATH, "proof sizes agree");

int
proof_count_txn(MDB_txn *txn, const avow_ledger *ledger, uint64_t *count)
{
    MDB_stat st;
    int rc = mdb_stat(txn, store_dbi(ledger, STORE_DB_EVENTS), &st);
    if (rc != 0) {
        return store_mdb_error(ledger, rc, "events");
    }
    *count = (uint64_t)st.ms_entries;
    return 0;
}

void
avow_leaf_hash(unsigned char out[AVOW_HASH_BYTES], const unsigned char *raw, size_t len)
{
    merkle_leaf_hash(out, raw, len);
}

int
proof_root_at_txn(MDB_txn *txn, const avow_ledger *ledger, uint64_t size,
                  unsigned char root[AVOW_HASH_BYTES], uint64_t *count)
{
    int error;
    if ((error = proof_count_txn(txn, ledger, count)) < 0) {
        return error;
    }
    if (size > *count) {
        return avow_error_set(
          AVOW_EINVALID, "size %" PRIu64 " is beyond the log (%" PRIu64 " events)", size, *count);
    }
    if ((error = tree_root_txn(txn, ledger, size, root)) < 0) {
        return avow_error_set(AVOW_EVERIFY,
                              "the stored Merkle tree is damaged (run avow verify): %s",
                              avow_error_last());
    }
    return 0;
}

int
avow_ledger_root(avow_ledger *ledger, uint64_t size, unsigned char root[AVOW_HASH_BYTES])
{
    MDB_txn *txn = NULL;
    uint64_t count = 0;
    int error;
    if (ledger == NULL || root == NULL) {
        return avow_error_set(AVOW_EINVALID, "avow_ledger_root: missing argument");
    }
    if ((error = store_read_begin(ledger, &txn)) < 0) {
        return error;
    }
    error = proof_root_at_txn(txn, ledger, size, root, &count);
    mdb_txn_abort(txn);
    return error;
}

int
avow_ledger_prove_inclusion(avow_inclusion *out, avow_ledger *ledger,
                            const unsigned char id[AVOW_EVENT_ID_BYTES], uint64_t tree_size)
{
    MDB_txn *txn = NULL;
    MDB_val raw;
    uint64_t index = 0, count = 0;
    int error;

    if (out == NULL || ledger == NULL || id == NULL) {
        return avow_error_set(AVOW_EINVALID, "avow_ledger_prove_inclusion: missing argument");
    }
    memset(out, 0, sizeof(*out));
    if ((error = store_read_begin(ledger, &txn)) < 0) {
        return error;
    }
    if ((error = store_get_by_id(ledger, txn, id, &raw, &index)) < 0) {
        if (error == AVOW_ENOTFOUND) {
            char hex[AVOW_HEX_ID_LEN + 1];
            avow_hex(hex, id, AVOW_EVENT_ID_BYTES);
            error = avow_error_set(AVOW_ENOTFOUND, "no event %s in this ledger", hex);
        }
        goto done;
    }
    if ((error = proof_count_txn(txn, ledger, &count)) < 0) {
        goto done;
    }
    if (tree_size == UINT64_MAX) {
        tree_size = count;
    }
    if (tree_size > count) {
        error = avow_error_set(AVOW_EINVALID,
                               "tree size %" PRIu64 " is beyond the log (%" PRIu64 " events)",
                               tree_size, count);
        goto done;
    }
    if (index >= tree_size) {
        error = avow_error_set(AVOW_EINVALID,
                               "event #%" PRIu64 " is not in the tree of the first %" PRIu64
                               " events (make a newer checkpoint)",
                               index, tree_size);
        goto done;
    }
    avow_leaf_hash(out->leaf_hash, raw.mv_data, raw.mv_size);
    out->leaf_index = index;
    out->tree_size = tree_size;
    if ((error = proof_root_at_txn(txn, ledger, tree_size, out->root, &count)) < 0) {
        goto done;
    }
    if ((error = tree_inclusion_txn(txn, ledger, index, tree_size, out->path, &out->count)) < 0 ||
        avow_inclusion_verify(out) < 0) {
        error = avow_error_set(AVOW_EVERIFY,
                               "the inclusion proof of event #%" PRIu64
                               " does not hold: the stored Merkle tree is damaged (run avow "
                               "verify)",
                               index);
        goto done;
    }
done:
    mdb_txn_abort(txn);
    return error;
}

int
avow_inclusion_verify(const avow_inclusion *p)
{
    if (p == NULL || p->count > AVOW_PROOF_MAX) {
        return avow_error_set(AVOW_EVERIFY, "malformed inclusion proof");
    }
    if (merkle_verify_inclusion(p->leaf_hash, p->leaf_index, p->tree_size, p->path, p->count,
                                p->root) < 0) {
        return avow_error_set(AVOW_EVERIFY,
                              "the inclusion proof of leaf %" PRIu64 " in the tree of size %" PRIu64
                              " does not hold",
                              p->leaf_index, p->tree_size);
    }
    return 0;
}

int
avow_ledger_prove_consistency(avow_consistency *out, avow_ledger *ledger, uint64_t old_size,
                              uint64_t new_size)
{
    MDB_txn *txn = NULL;
    uint64_t count = 0;
    int error;

    if (out == NULL || ledger == NULL) {
        return avow_error_set(AVOW_EINVALID, "avow_ledger_prove_consistency: missing argument");
    }
    memset(out, 0, sizeof(*out));
    if ((error = store_read_begin(ledger, &txn)) < 0) {
        return error;
    }
    if ((error = proof_count_txn(txn, ledger, &count)) < 0) {
        goto done;
    }
    if (new_size == UINT64_MAX) {
        new_size = count;
    }
    if (old_size > new_size) {
        error =
          avow_error_set(AVOW_EINVALID, "old size %" PRIu64 " is larger than new size %" PRIu64,
                         old_size, new_size);
        goto done;
    }
    out->old_size = old_size;
    out->new_size = new_size;
    if ((error = proof_root_at_txn(txn, ledger, new_size, out->new_root, &count)) < 0 ||
        (error = proof_root_at_txn(txn, ledger, old_size, out->old_root, &count)) < 0) {
        goto done;
    }
    if ((error = tree_consistency_txn(txn, ledger, old_size, new_size, out->path, &out->count)) <
          0 ||
        avow_consistency_verify(out) < 0) {
        error = avow_error_set(AVOW_EVERIFY,
                               "the consistency proof %" PRIu64 " -> %" PRIu64
                               " does not hold: the stored Merkle tree is damaged (run avow "
                               "verify)",
                               old_size, new_size);
        goto done;
    }
done:
    mdb_txn_abort(txn);
    return error;
}

int
avow_consistency_verify(const avow_consistency *p)
{
    if (p == NULL || p->count > AVOW_PROOF_MAX) {
        return avow_error_set(AVOW_EVERIFY, "malformed consistency proof");
    }
    if (merkle_verify_consistency(p->old_size, p->new_size, p->old_root, p->new_root, p->path,
                                  p->count) < 0) {
        return avow_error_set(AVOW_EVERIFY,
                              "the consistency proof from size %" PRIu64 " to size %" PRIu64
                              " does not hold",
                              p->old_size, p->new_size);
    }
    return 0;
}
