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
proof_count(uint64_t *count, const avow_ledger *ledger, store_txn *txn)
{
    return store_count(count, ledger, txn, STORE_DB_EVENTS);
}

void
avow_leaf_hash(unsigned char out[AVOW_HASH_BYTES], const unsigned char *raw, size_t len)
{
    merkle_leaf_hash(out, raw, len);
}

int
proof_root_at(unsigned char root[AVOW_HASH_BYTES], uint64_t *count, const avow_ledger *ledger,
              store_txn *txn, uint64_t size)
{
    int error;
    if ((error = proof_count(count, ledger, txn)) < 0) {
        return error;
    }
    if (size > *count) {
        return error_set(AVOW_EINVALID, "size %" PRIu64 " is beyond the log (%" PRIu64 " events)",
                         size, *count);
    }
    if ((error = tree_root(root, ledger, txn, size)) < 0) {
        return error_set(AVOW_EVERIFY, "the stored Merkle tree is damaged (run avow verify): %s",
                         avow_error_last());
    }
    return 0;
}

int
avow_ledger_root(unsigned char root[AVOW_HASH_BYTES], avow_ledger *ledger, uint64_t size)
{
    store_txn *txn = NULL;
    uint64_t count = 0;
    int error;
    if (ledger == NULL || root == NULL) {
        return error_set(AVOW_EINVALID, "avow_ledger_root: missing argument");
    }
    if ((error = store_txn_read(&txn, ledger)) < 0) {
        return error;
    }
    error = proof_root_at(root, &count, ledger, txn, size);
    store_txn_end(txn);
    return error;
}

int
avow_ledger_prove_inclusion(avow_inclusion *out, avow_ledger *ledger,
                            const unsigned char id[AVOW_EVENT_ID_BYTES], uint64_t tree_size)
{
    store_txn *txn = NULL;
    store_val raw = { NULL, 0 };
    uint64_t index = 0, count = 0;
    int error;

    if (out == NULL || ledger == NULL || id == NULL) {
        return error_set(AVOW_EINVALID, "avow_ledger_prove_inclusion: missing argument");
    }
    memset(out, 0, sizeof(*out));
    if ((error = store_txn_read(&txn, ledger)) < 0) {
        return error;
    }
    if ((error = store_event_by_id(&raw, &index, ledger, txn, id)) < 0) {
        if (error == AVOW_ENOTFOUND) {
            char hex[AVOW_HEX_ID_LEN + 1];
            avow_hex(hex, id, AVOW_EVENT_ID_BYTES);
            error = error_set(AVOW_ENOTFOUND, "no event %s in this ledger", hex);
        }
        goto done;
    }
    if ((error = proof_count(&count, ledger, txn)) < 0) {
        goto done;
    }
    if (tree_size == UINT64_MAX) {
        tree_size = count;
    }
    if (tree_size > count) {
        error =
          error_set(AVOW_EINVALID, "tree size %" PRIu64 " is beyond the log (%" PRIu64 " events)",
                    tree_size, count);
        goto done;
    }
    if (index >= tree_size) {
        error = error_set(AVOW_EINVALID,
                          "event #%" PRIu64 " is not in the tree of the first %" PRIu64
                          " events (make a newer checkpoint)",
                          index, tree_size);
        goto done;
    }
    avow_leaf_hash(out->leaf_hash, raw.ptr, raw.len);
    out->leaf_index = index;
    out->tree_size = tree_size;
    if ((error = proof_root_at(out->root, &count, ledger, txn, tree_size)) < 0) {
        goto done;
    }
    if ((error = tree_inclusion(out->path, &out->count, ledger, txn, index, tree_size)) < 0 ||
        avow_inclusion_verify(out) < 0) {
        error = error_set(AVOW_EVERIFY,
                          "the inclusion proof of event #%" PRIu64
                          " does not hold: the stored Merkle tree is damaged (run avow "
                          "verify)",
                          index);
        goto done;
    }
done:
    store_txn_end(txn);
    return error;
}

int
avow_inclusion_verify(const avow_inclusion *p)
{
    if (p == NULL || p->count > AVOW_PROOF_MAX) {
        return error_set(AVOW_EVERIFY, "malformed inclusion proof");
    }
    if (merkle_verify_inclusion(p->leaf_hash, p->leaf_index, p->tree_size, p->path, p->count,
                                p->root) < 0) {
        return error_set(AVOW_EVERIFY,
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
    store_txn *txn = NULL;
    uint64_t count = 0;
    int error;

    if (out == NULL || ledger == NULL) {
        return error_set(AVOW_EINVALID, "avow_ledger_prove_consistency: missing argument");
    }
    memset(out, 0, sizeof(*out));
    if ((error = store_txn_read(&txn, ledger)) < 0) {
        return error;
    }
    if ((error = proof_count(&count, ledger, txn)) < 0) {
        goto done;
    }
    if (new_size == UINT64_MAX) {
        new_size = count;
    }
    if (old_size > new_size) {
        error = error_set(AVOW_EINVALID, "old size %" PRIu64 " is larger than new size %" PRIu64,
                          old_size, new_size);
        goto done;
    }
    out->old_size = old_size;
    out->new_size = new_size;
    if ((error = proof_root_at(out->new_root, &count, ledger, txn, new_size)) < 0 ||
        (error = proof_root_at(out->old_root, &count, ledger, txn, old_size)) < 0) {
        goto done;
    }
    if ((error = tree_consistency(out->path, &out->count, ledger, txn, old_size, new_size)) < 0 ||
        avow_consistency_verify(out) < 0) {
        error = error_set(AVOW_EVERIFY,
                          "the consistency proof %" PRIu64 " -> %" PRIu64
                          " does not hold: the stored Merkle tree is damaged (run avow "
                          "verify)",
                          old_size, new_size);
        goto done;
    }
done:
    store_txn_end(txn);
    return error;
}

int
avow_consistency_verify(const avow_consistency *p)
{
    if (p == NULL || p->count > AVOW_PROOF_MAX) {
        return error_set(AVOW_EVERIFY, "malformed consistency proof");
    }
    if (merkle_verify_consistency(p->old_size, p->new_size, p->old_root, p->new_root, p->path,
                                  p->count) < 0) {
        return error_set(AVOW_EVERIFY,
                         "the consistency proof from size %" PRIu64 " to size %" PRIu64
                         " does not hold",
                         p->old_size, p->new_size);
    }
    return 0;
}
