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
#include "tlog/note.h"

struct tree_txn {
    store_w *w; /* set when writing */
    MDB_txn *txn;
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
    tree_node_key(key, level, index);
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
tree_node_put(void *vctx, unsigned level, uint64_t index, const unsigned char h[MERKLE_HASH_BYTES])
{
    struct tree_txn *c = vctx;
    unsigned char key[TREE_NODE_KEY_BYTES];
    tree_node_key(key, level, index);
    return store_w_put(c->w, STORE_DB_MERKLE, key, sizeof(key), h, MERKLE_HASH_BYTES,
                       MDB_NOOVERWRITE);
}

static int
tree_on_append(store_w *w, uint64_t index, const unsigned char leaf[AVOW_HASH_BYTES])
{
    struct tree_txn c = { w, store_w_txn(w), store_w_ledger(w) };
    return merkle_append(tree_node_put, tree_node_get, &c, index, leaf);
}

int
tree_root_txn(MDB_txn *txn, const avow_ledger *ledger, uint64_t size,
              unsigned char root[AVOW_HASH_BYTES])
{
    struct tree_txn c = { NULL, txn, ledger };
    return merkle_root(tree_node_get, &c, size, root);
}

int
tree_inclusion_txn(MDB_txn *txn, const avow_ledger *ledger, uint64_t index, uint64_t size,
                   unsigned char *path, size_t *count)
{
    struct tree_txn c = { NULL, txn, ledger };
    return merkle_inclusion_proof(tree_node_get, &c, index, size, path, count);
}

int
tree_consistency_txn(MDB_txn *txn, const avow_ledger *ledger, uint64_t m, uint64_t n,
                     unsigned char *path, size_t *count)
{
    struct tree_txn c = { NULL, txn, ledger };
    return merkle_consistency_proof(tree_node_get, &c, m, n, path, count);
}

/* ---- the verify hook ---------------------------------------------------------- */

struct tree_cp {
    uint64_t size;
    unsigned char root[AVOW_HASH_BYTES];
};

struct tree_verify {
    MDB_txn *txn;
    const avow_ledger *ledger;
    struct verify_state *s;
    unsigned char stack[MERKLE_MAX_LEVEL + 2][MERKLE_HASH_BYTES];
    int dirty[MERKLE_MAX_LEVEL + 2]; /* the stored subtree differs somewhere */
    size_t top;                      /* entries in stack */
    struct tree_cp *cps;
    size_t n_cps, cap_cps, next_cp;
    uint64_t missing;
    uint64_t leaves; /* leaves fed so far */
};

/*
 * Compare the recomputed node (level, index) with the stored one: 1 when they
 * differ (or it is missing), 0 when equal, < 0 on error. quiet: a descendant
 * already differed, so this node's difference follows from it and is not
 * reported again (one damaged record, one problem).
 */
static int
tree_verify_check_node(struct tree_verify *v, unsigned level, uint64_t index,
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
tree_verify_root(const struct tree_verify *v, unsigned char out[MERKLE_HASH_BYTES])
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
tree_verify_checkpoints_at(struct tree_verify *v, uint64_t size)
{
    unsigned char root[MERKLE_HASH_BYTES];
    int have = 0;
    while (v->next_cp < v->n_cps && v->cps[v->next_cp].size == size) {
        if (!have) {
            tree_verify_root(v, root);
            have = 1;
        }
        if (sodium_memcmp(root, v->cps[v->next_cp].root, MERKLE_HASH_BYTES) != 0) {
            verify_problem(v->s, UINT64_MAX, 0, NULL,
                           "stored checkpoint of size %" PRIu64
                           " does not match the events: its root is not the root of the first "
                           "%" PRIu64 " events",
                           size, size);
        }
        v->next_cp++;
    }
}

/* Load and check the stored checkpoints and witness states (sorted by size). */
static int
tree_verify_load_checkpoints(struct tree_verify *v)
{
    const avow_ledger *ledger = v->ledger;
    const char *origin = avow_ledger_origin(ledger);
    MDB_cursor *cur = NULL;
    MDB_val k, val;
    note *n = NULL;
    note_checkpoint b;
    int error = 0, rc;

    if ((n = malloc(sizeof(*n))) == NULL) {
        return avow_error_set(AVOW_ENOMEM, "out of memory verifying checkpoints");
    }
    if ((rc = mdb_cursor_open(v->txn, store_dbi(ledger, STORE_DB_CHECKPOINTS), &cur)) != 0) {
        error = store_mdb_error(ledger, rc, "checkpoints");
        goto done;
    }
    for (MDB_cursor_op op = MDB_FIRST;; op = MDB_NEXT) {
        rc = mdb_cursor_get(cur, &k, &val, op);
        if (rc == MDB_NOTFOUND) {
            break;
        }
        if (rc != 0) {
            error = store_mdb_error(ledger, rc, "checkpoints");
            goto done;
        }
        const unsigned char *kp = k.mv_data;
        if (k.mv_size > 1 && kp[0] == 'w') {
            if (val.mv_size != CHECKPOINTS_WITNESS_BYTES) {
                verify_problem(v->s, UINT64_MAX, 0, NULL,
                               "witness state of origin %.*s is malformed", (int)(k.mv_size - 1),
                               (const char *)kp + 1);
            }
            continue;
        }
        if (k.mv_size != CHECKPOINTS_KEY_BYTES || kp[0] != 'c') {
            verify_problem(v->s, UINT64_MAX, 0, NULL, "checkpoints table has a malformed key");
            continue;
        }
        uint64_t size = be64_get(kp + 1);
        if (note_parse(n, val.mv_data, val.mv_size) < 0 ||
            note_checkpoint_parse(&b, n->text, n->text_len) < 0 || b.size != size) {
            verify_problem(v->s, UINT64_MAX, 0, NULL,
                           "stored checkpoint of size %" PRIu64 " is malformed", size);
            continue;
        }
        if (b.origin_len != strlen(origin) || memcmp(b.origin, origin, b.origin_len) != 0) {
            verify_problem(v->s, UINT64_MAX, 0, NULL,
                           "stored checkpoint of size %" PRIu64 " has another origin", size);
            continue;
        }
        if (note_verify(n, b.origin, b.origin_len, kp + 9) < 0) {
            verify_problem(v->s, UINT64_MAX, 0, NULL,
                           "stored checkpoint of size %" PRIu64 " has a bad signature", size);
            continue;
        }
        if (v->n_cps == v->cap_cps) {
            size_t cap = v->cap_cps ? v->cap_cps * 2 : 16;
            struct tree_cp *p = realloc(v->cps, cap * sizeof(*p));
            if (cap > SIZE_MAX / sizeof(*p) || p == NULL) {
                error = avow_error_set(AVOW_ENOMEM, "out of memory verifying checkpoints");
                goto done;
            }
            v->cps = p;
            v->cap_cps = cap;
        }
        v->cps[v->n_cps].size = size;
        memcpy(v->cps[v->n_cps].root, b.root, AVOW_HASH_BYTES);
        v->n_cps++;
    }
done:
    if (cur != NULL) {
        mdb_cursor_close(cur);
    }
    free(n);
    return error;
}

/* Every stored node must be one of the complete subtrees of n leaves. */
static int
tree_verify_extra_nodes(struct tree_verify *v, uint64_t n)
{
    MDB_cursor *cur = NULL;
    MDB_val k, val;
    int error = 0, rc;

    if ((rc = mdb_cursor_open(v->txn, store_dbi(v->ledger, STORE_DB_MERKLE), &cur)) != 0) {
        return store_mdb_error(v->ledger, rc, "merkle");
    }
    for (MDB_cursor_op op = MDB_FIRST;; op = MDB_NEXT) {
        rc = mdb_cursor_get(cur, &k, &val, op);
        if (rc == MDB_NOTFOUND) {
            break;
        }
        if (rc != 0) {
            error = store_mdb_error(v->ledger, rc, "merkle");
            break;
        }
        const unsigned char *kp = k.mv_data;
        if (k.mv_size != TREE_NODE_KEY_BYTES || kp[0] > MERKLE_MAX_LEVEL) {
            verify_problem(v->s, UINT64_MAX, 0, NULL, "Merkle table has a malformed key");
            continue;
        }
        uint64_t index = be64_get(kp + 1);
        if (index >= (n >> kp[0])) {
            verify_problem(v->s, UINT64_MAX, 0, NULL,
                           "Merkle node (%u, %" PRIu64 ") is extra: the log has %" PRIu64 " events",
                           kp[0], index, n);
        }
    }
    mdb_cursor_close(cur);
    return error;
}

static int
tree_verify_begin(MDB_txn *txn, const avow_ledger *ledger, struct verify_state *s,
                  struct tree_verify **out)
{
    struct tree_verify *v;
    int error;

    *out = NULL;
    if ((v = calloc(1, sizeof(*v))) == NULL) {
        return avow_error_set(AVOW_ENOMEM, "out of memory verifying the Merkle tree");
    }
    v->txn = txn;
    v->ledger = ledger;
    v->s = s;
    if ((error = tree_verify_load_checkpoints(v)) < 0) {
        free(v->cps);
        free(v);
        return error;
    }
    tree_verify_checkpoints_at(v, 0);
    *out = v;
    return 0;
}

static int
tree_verify_leaf(struct tree_verify *v, const unsigned char leaf[AVOW_HASH_BYTES],
                 const unsigned char id[AVOW_EVENT_ID_BYTES])
{
    uint64_t i = v->leaves;
    int error;

    if (i > (UINT64_C(1) << MERKLE_MAX_LEVEL)) {
        return avow_error_set(AVOW_ERANGE, "too many events for the tree");
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
tree_verify_end(struct tree_verify *v, int check)
{
    uint64_t expect = 0, i;
    MDB_stat st;
    int error = 0, rc;

    if (v == NULL) {
        return 0;
    }
    if (!check) {
        free(v->cps);
        free(v);
        return 0;
    }
    i = v->leaves;
    for (; v->next_cp < v->n_cps; v->next_cp++) {
        verify_problem(v->s, UINT64_MAX, 0, NULL,
                       "stored checkpoint of size %" PRIu64 " is beyond the log (%" PRIu64
                       " events): events were removed",
                       v->cps[v->next_cp].size, i);
    }
    for (unsigned level = 0; level <= MERKLE_MAX_LEVEL; level++) {
        expect += i >> level;
    }
    if ((rc = mdb_stat(v->txn, store_dbi(v->ledger, STORE_DB_MERKLE), &st)) != 0) {
        error = store_mdb_error(v->ledger, rc, "merkle");
    } else if ((uint64_t)st.ms_entries != expect || v->missing > 0) {
        error = tree_verify_extra_nodes(v, i);
    }
    free(v->cps);
    free(v);
    return error;
}

/* ---- the Merkle table (ledger/table.h) ---------------------------------- */

static int
tree_table_append(store_w *w, const store_appended *a)
{
    return tree_on_append(w, a->index, a->leaf);
}

static int
tree_table_verify_begin(void **state, store_txn *txn, const avow_ledger *ledger,
                        struct verify_state *s)
{
    struct tree_verify *v = NULL;
    int error = tree_verify_begin(store_mdb_txn(txn), ledger, s, &v);
    *state = v;
    return error;
}

static int
tree_table_verify_leaf(void *state, const unsigned char leaf[AVOW_HASH_BYTES],
                       const unsigned char id[AVOW_EVENT_ID_BYTES])
{
    return tree_verify_leaf(state, leaf, id);
}

static int
tree_table_verify_end(void *state, int check)
{
    return tree_verify_end(state, check);
}

const store_table tree_table = {
    "merkle",
    tree_table_append,
    NULL,
    tree_table_verify_begin,
    tree_table_verify_leaf,
    tree_table_verify_end,
};
