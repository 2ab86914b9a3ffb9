/* SPDX-License-Identifier: ISC */
/*
 * tree.c - the ledger's Merkle tree in table "merkle", kept in the same
 * write transaction as every appended event (a store_table, ledger/table.h),
 * roots and proofs computed from its stored nodes, and its check by avow
 * verify, which also checks the stored checkpoints (derived/checkpoints.h)
 * against the tree recomputed from the events, in the same pass so that the
 * frontier is computed once (docs/AUDIT.md, docs/FORMAT.md).
 *
 * Invariants:
 *  1. After an append transaction commits with n events in the log, the
 *     "merkle" table holds the hash of every complete subtree of the first n
 *     leaves, and nothing else (src/tlog/merkle.c invariant 2: written once).
 *  2. Leaf i is merkle_leaf_hash() of the whole signed bytes of event i.
 *  3. The verify hook, fed every record of the log in order by verify's
 *     forward pass, recomputes every node from the events with O(log n)
 *     memory (the frontier of complete subtrees) and reports each stored node
 *     that differs, is missing or is extra, and each stored checkpoint whose
 *     root is not the recomputed root at its size.
 */
#include <inttypes.h>
#include <stdlib.h>

#include <sodium.h>

#include "derived/checkpoints.h"
#include "derived/tree.h"
#include "tlog/merkle.h"

struct tree_txn {
    store_w *w; /* set when writing */
    store_txn *txn;
    const avow_ledger *ledger;
};

static void
tree_node_key(unsigned char key[TREE_NODE_KEY_BYTES], unsigned level, uint64_t index)
{
    key[0] = (unsigned char)level;
    be64_put(key + 1, index);
}

static int
tree_node_get(void *vctx, unsigned level, uint64_t index, unsigned char out[MERKLE_HASH_BYTES])
{
    struct tree_txn *c = vctx;
    unsigned char key[TREE_NODE_KEY_BYTES];
    store_val v = { NULL, 0 };
    tree_node_key(key, level, index);
    int error = store_val_get(&v, c->ledger, c->txn, STORE_DB_MERKLE, key, sizeof(key));
    if (error == AVOW_ENOTFOUND) {
        return error_set(AVOW_ENOTFOUND, "Merkle node (%u, %llu) is missing", level,
                         (unsigned long long)index);
    }
    if (error < 0) {
        return error;
    }
    if (v.len != MERKLE_HASH_BYTES) {
        return error_set(AVOW_EFORMAT, "Merkle node (%u, %llu) has %zu bytes", level,
                         (unsigned long long)index, v.len);
    }
    memcpy(out, v.ptr, MERKLE_HASH_BYTES);
    return 0;
}

static int
tree_node_put(void *vctx, unsigned level, uint64_t index, const unsigned char h[MERKLE_HASH_BYTES])
{
    struct tree_txn *c = vctx;
    unsigned char key[TREE_NODE_KEY_BYTES];
    tree_node_key(key, level, index);
    return store_w_put(c->w, STORE_DB_MERKLE, key, sizeof(key), h, MERKLE_HASH_BYTES,
                       STORE_PUT_NEW);
}

/* The table's on_append: the leaf of the event at log index a->index (invariant 1). */
static int
tree_on_append(store_w *w, const store_appended *a)
{
    struct tree_txn c = { w, store_w_view(w), store_w_ledger(w) };
    return merkle_append(tree_node_put, tree_node_get, &c, a->index, a->leaf);
}

int
tree_root(unsigned char root[AVOW_HASH_BYTES], const avow_ledger *ledger, store_txn *txn,
          uint64_t size)
{
    struct tree_txn c = { NULL, txn, ledger };
    return merkle_root(tree_node_get, &c, size, root);
}

int
tree_nodes(unsigned char *out, const avow_ledger *ledger, store_txn *txn, unsigned level,
           uint64_t first, size_t count)
{
    unsigned char key[TREE_NODE_KEY_BYTES];
    store_cursor *cur = NULL;
    store_val k = { key, sizeof(key) }, v = { NULL, 0 };
    int error;

    tree_node_key(key, level, first);
    if ((error = store_cursor_open(&cur, ledger, txn, STORE_DB_MERKLE)) < 0) {
        return error;
    }
    for (size_t i = 0; i < count; i++) {
        if ((error = store_cursor_get(cur, &k, &v, i == 0 ? STORE_SEEK : STORE_NEXT)) < 0 ||
            k.len != TREE_NODE_KEY_BYTES || k.ptr[0] != level || be64_get(k.ptr + 1) != first + i ||
            v.len != MERKLE_HASH_BYTES) {
            error = error_set(AVOW_ENOTFOUND, "Merkle node (%u, %llu) is missing", level,
                              (unsigned long long)(first + i));
            break;
        }
        memcpy(out + i * MERKLE_HASH_BYTES, v.ptr, MERKLE_HASH_BYTES);
    }
    store_cursor_close(cur);
    return error;
}

int
tree_inclusion(unsigned char *path, size_t *count, const avow_ledger *ledger, store_txn *txn,
               uint64_t index, uint64_t size)
{
    struct tree_txn c = { NULL, txn, ledger };
    return merkle_inclusion_proof(tree_node_get, &c, index, size, path, count);
}

int
tree_consistency(unsigned char *path, size_t *count, const avow_ledger *ledger, store_txn *txn,
                 uint64_t m, uint64_t n)
{
    struct tree_txn c = { NULL, txn, ledger };
    return merkle_consistency_proof(tree_node_get, &c, m, n, path, count);
}

/* ---- verification (invariant 3) ------------------------------------------- */

typedef struct tree_verify {
    store_txn *txn;
    const avow_ledger *ledger;
    struct verify_state *s;
    unsigned char stack[MERKLE_MAX_LEVEL + 2][MERKLE_HASH_BYTES];
    int dirty[MERKLE_MAX_LEVEL + 2]; /* the stored subtree differs somewhere */
    size_t top;                      /* entries in stack */
    checkpoints_check *cps;          /* the stored checkpoints still to compare */
    uint64_t missing;
    uint64_t leaves; /* leaves fed so far */
} tree_verify;

/*
 * Compare the recomputed node (level, index) with the stored one: 1 when they
 * differ (or it is missing), 0 when equal, < 0 on error. quiet: a descendant
 * already differed, so this node's difference follows from it and is not
 * reported again (one damaged record, one problem).
 */
static int
tree_verify_check_node(tree_verify *v, unsigned level, uint64_t index,
                       const unsigned char h[MERKLE_HASH_BYTES], const unsigned char *id, int quiet)
{
    struct tree_txn c = { NULL, v->txn, v->ledger };
    unsigned char stored[MERKLE_HASH_BYTES];
    int error = tree_node_get(&c, level, index, stored);
    uint64_t ev_index = level == 0 ? index : UINT64_MAX;

    if (error == AVOW_ENOTFOUND) {
        v->missing++;
        verify_problem(v->s, ev_index, 0, id, "Merkle node (%u, %" PRIu64 ") is missing", level,
                       index);
        return 1;
    }
    if (error == AVOW_EFORMAT) {
        verify_problem(v->s, ev_index, 0, id, "Merkle node (%u, %" PRIu64 ") is malformed", level,
                       index);
        return 1;
    }
    if (error < 0) {
        return error;
    }
    if (sodium_memcmp(stored, h, MERKLE_HASH_BYTES) == 0) {
        return 0;
    }
    if (!quiet) {
        if (level == 0) {
            verify_problem(v->s, ev_index, 0, id,
                           "Merkle node (0, %" PRIu64 ") (the leaf of this event) does not match "
                           "the event's bytes",
                           index);
        } else {
            verify_problem(v->s, UINT64_MAX, 0, NULL,
                           "Merkle node (%u, %" PRIu64 ") (leaves #%" PRIu64 "..#%" PRIu64
                           ") does not match the events",
                           level, index, index << level, ((index + 1) << level) - 1);
        }
    }
    return 1;
}

/* Root of the frontier: its complete subtrees combined right to left. */
static void
tree_verify_root(const tree_verify *v, unsigned char out[MERKLE_HASH_BYTES])
{
    if (v->top == 0) {
        merkle_empty_root(out);
        return;
    }
    memcpy(out, v->stack[v->top - 1], MERKLE_HASH_BYTES);
    for (size_t i = v->top - 1; i > 0; i--) {
        merkle_node_hash(out, v->stack[i - 1], out);
    }
}

/* Compare the stored checkpoints of size `size` with the frontier's root. */
static void
tree_verify_checkpoints_at(tree_verify *v, uint64_t size)
{
    unsigned char root[MERKLE_HASH_BYTES];
    if (checkpoints_check_next(v->cps) == size) {
        tree_verify_root(v, root);
        checkpoints_check_root(v->cps, size, root);
    }
}

/* Every stored node must be one of the complete subtrees of n leaves. */
static int
tree_verify_extra_nodes(tree_verify *v, uint64_t n)
{
    store_cursor *cur = NULL;
    store_val k = { NULL, 0 };
    int error = store_cursor_open(&cur, v->ledger, v->txn, STORE_DB_MERKLE);
    if (error < 0) {
        return error;
    }
    for (enum store_op op = STORE_FIRST; (error = store_cursor_get(cur, &k, NULL, op)) == 0;
         op = STORE_NEXT) {
        if (k.len != TREE_NODE_KEY_BYTES || k.ptr[0] > MERKLE_MAX_LEVEL) {
            verify_problem(v->s, UINT64_MAX, 0, NULL, "Merkle table has a malformed key");
            continue;
        }
        uint64_t index = be64_get(k.ptr + 1);
        if (index >= (n >> k.ptr[0])) {
            verify_problem(v->s, UINT64_MAX, 0, NULL,
                           "Merkle node (%u, %" PRIu64 ") is extra: the log has %" PRIu64 " events",
                           k.ptr[0], index, n);
        }
    }
    store_cursor_close(cur);
    return error == AVOW_ENOTFOUND ? 0 : error;
}

static int
tree_verify_begin(void **state, store_txn *txn, const avow_ledger *ledger, struct verify_state *s)
{
    tree_verify *v;
    int error;

    *state = NULL;
    if ((v = calloc(1, sizeof(*v))) == NULL) {
        return error_set(AVOW_ENOMEM, "out of memory verifying the Merkle tree");
    }
    v->txn = txn;
    v->ledger = ledger;
    v->s = s;
    if ((error = checkpoints_check_begin(&v->cps, ledger, txn, s)) < 0) {
        free(v);
        return error;
    }
    tree_verify_checkpoints_at(v, 0);
    *state = v;
    return 0;
}

static int
tree_verify_leaf(void *state, const unsigned char leaf[AVOW_HASH_BYTES],
                 const unsigned char id[AVOW_EVENT_ID_BYTES])
{
    tree_verify *v = state;
    uint64_t i = v->leaves;
    int error;

    if (i > (UINT64_C(1) << MERKLE_MAX_LEVEL)) {
        return error_set(AVOW_ERANGE, "too many events for the tree");
    }
    if ((error = tree_verify_check_node(v, 0, i, leaf, id, 0)) < 0) {
        return error;
    }
    v->dirty[v->top] = error;
    memcpy(v->stack[v->top++], leaf, MERKLE_HASH_BYTES);
    unsigned level = 0;
    for (uint64_t idx = i; idx & 1; idx >>= 1) {
        size_t t = v->top - 2;
        int quiet = v->dirty[t] || v->dirty[t + 1];
        merkle_node_hash(v->stack[t], v->stack[t], v->stack[t + 1]);
        v->top--;
        level++;
        if ((error = tree_verify_check_node(v, level, idx >> 1, v->stack[t], NULL, quiet)) < 0) {
            return error;
        }
        v->dirty[t] = quiet || error;
    }
    v->leaves = i + 1;
    tree_verify_checkpoints_at(v, i + 1);
    return 0;
}

static int
tree_verify_end(void *state, int check)
{
    tree_verify *v = state;
    uint64_t expect = 0, nodes = 0, i;
    int error = 0;

    if (v == NULL) {
        return 0;
    }
    i = v->leaves;
    checkpoints_check_end(v->cps, i, check);
    if (check) {
        for (unsigned level = 0; level <= MERKLE_MAX_LEVEL; level++) {
            expect += i >> level;
        }
        if ((error = store_count(&nodes, v->ledger, v->txn, STORE_DB_MERKLE)) == 0 &&
            (nodes != expect || v->missing > 0)) {
            error = tree_verify_extra_nodes(v, i);
        }
    }
    free(v);
    return error;
}

/* ---- the table (ledger/table.h) ----------------------------------------- */

const store_table tree_table = {
    "merkle", tree_on_append, NULL, tree_verify_begin, tree_verify_leaf, tree_verify_end,
};
