/* SPDX-License-Identifier: ISC */
/*
 * audit.c - tamper evidence: the ledger's Merkle tree in LMDB (table
 * "merkle", kept in the same write transaction as every appended event), its
 * check by avow verify, signed checkpoints, inclusion and consistency proofs,
 * evidence files, attestations and witness cosignatures (docs/AUDIT.md,
 * docs/FORMAT.md "Checkpoints and signed notes").
 *
 * Invariants:
 *  1. After an append transaction commits with n events in the log, the
 *     "merkle" table holds the hash of every complete subtree of the first n
 *     leaves, and nothing else (src/tlog/merkle.c invariant 2: written once).
 *  2. Leaf i is merkle_leaf_hash() of the whole signed bytes of event i.
 *  3. Table "checkpoints" holds, under "c" || size (u64 BE) || signer public
 *     key (32), the exact note of every checkpoint this ledger signed, and
 *     under "w" || origin the witness state of that origin: log public key
 *     (32) || size (u64 BE) || root (32). Entries are only added or, for "w",
 *     moved forward to a consistent larger tree.
 *  4. audit_verify_leaf(), fed every record of the log in order by verify's
 *     forward pass, recomputes every node from the events with O(log n)
 *     memory (the frontier of complete subtrees) and reports each stored node
 *     that differs, is missing or is extra, and each stored checkpoint whose
 *     root is not the recomputed root at its size.
 *  5. Every proof this module returns has been verified with the RFC 9162
 *     verifier first; every check of outside input (a checkpoint file, an
 *     evidence file, a proof) fails closed with AVOW_EVERIFY or AVOW_EFORMAT.
 *  6. An evidence file is accepted only in the exact canonical bytes the
 *     writer produces (compact JSON, sorted keys, lowercase hex, a checkpoint
 *     with exactly one signature line), so any changed byte fails.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>

#include <sodium.h>

#include "audit/audit.h"
#include "event/jsonutil.h"
#include "tlog/merkle.h"
#include "tlog/note.h"
#include "ledger/store_mdb.h"
#include "ledger/table.h"

struct audit_txn {
    store_w *w; /* set when writing */
    MDB_txn *txn;
    const avow_ledger *ledger;
};

#define AUDIT_CP_KEY_BYTES    (1 + 8 + AVOW_PUBKEY_BYTES)
#define AUDIT_WITNESS_BYTES   (AVOW_PUBKEY_BYTES + 8 + AVOW_HASH_BYTES)
#define AUDIT_EVIDENCE_FORMAT "avow-evidence/1"
#define AUDIT_ATTEST_HEADER   "avow-attestation/v1"

_Static_assert(AVOW_PROOF_MAX == MERKLE_MAX_PATH, "proof sizes agree");
_Static_assert(AVOW_ORIGIN_MAX == NOTE_MAX_NAME, "an origin fits a key name");
_Static_assert(sizeof(((avow_attestation *)0)->contest) == AVOW_MAX_CONTEST + 1,
               "an attestation holds any contest id");

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
audit_on_append(store_w *w, uint64_t index, const unsigned char leaf[AVOW_HASH_BYTES])
{
    struct audit_txn c = { w, store_w_txn(w), store_w_ledger(w) };
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

/* ---- small helpers --------------------------------------------------------- */

static int
audit_count_txn(MDB_txn *txn, const avow_ledger *ledger, uint64_t *count)
{
    MDB_stat st;
    int rc = mdb_stat(txn, store_dbi(ledger, STORE_DB_EVENTS), &st);
    if (rc != 0) {
        return store_mdb_error(ledger, rc, "events");
    }
    *count = (uint64_t)st.ms_entries;
    return 0;
}

static int
audit_owner_txn(MDB_txn *txn, const avow_ledger *ledger, unsigned char pk[AVOW_PUBKEY_BYTES])
{
    MDB_val v;
    int error = store_get(ledger, txn, STORE_DB_META, "owner", 5, &v);
    if (error == AVOW_ENOTFOUND) {
        return avow_error_set(AVOW_ENOTFOUND,
                              "the ledger has no owner key yet (no event appended): give the "
                              "trusted public key");
    }
    if (error < 0) {
        return error;
    }
    if (v.mv_size != AVOW_PUBKEY_BYTES) {
        return avow_error_set(AVOW_EIO, "the ledger's owner key is malformed (run avow verify)");
    }
    memcpy(pk, v.mv_data, AVOW_PUBKEY_BYTES);
    return 0;
}

static void
cp_key(unsigned char key[AUDIT_CP_KEY_BYTES], uint64_t size, const unsigned char *pk)
{
    key[0] = 'c';
    be64_put(key + 1, size);
    memcpy(key + 9, pk, AVOW_PUBKEY_BYTES);
}

static void
b64_root(char out[sodium_base64_ENCODED_LEN(AVOW_HASH_BYTES, sodium_base64_VARIANT_ORIGINAL)],
         const unsigned char root[AVOW_HASH_BYTES])
{
    sodium_bin2base64(out,
                      sodium_base64_ENCODED_LEN(AVOW_HASH_BYTES, sodium_base64_VARIANT_ORIGINAL),
                      root, AVOW_HASH_BYTES, sodium_base64_VARIANT_ORIGINAL);
}

static void
cp_fill(avow_checkpoint *out, const note_checkpoint *b)
{
    if (out == NULL) {
        return;
    }
    memcpy(out->origin, b->origin, b->origin_len);
    out->origin[b->origin_len] = '\0';
    out->size = b->size;
    memcpy(out->root, b->root, AVOW_HASH_BYTES);
}

/* Parse a whole checkpoint note. n is large: callers allocate it. */
static int
cp_parse(note *n, note_checkpoint *b, const char *text, size_t len, const char *what)
{
    int error;
    if (text == NULL) {
        return avow_error_set(AVOW_EINVALID, "no %s", what);
    }
    if ((error = note_parse(n, text, len)) < 0) {
        return avow_error_set(AVOW_EFORMAT, "%s is malformed: %s", what, avow_error_last());
    }
    if ((error = note_checkpoint_parse(b, n->text, n->text_len)) < 0) {
        return avow_error_set(AVOW_EFORMAT, "%s: %s", what, avow_error_last());
    }
    return 0;
}

/* Signature of the checkpoint by pk under the origin's name. */
static int
cp_signed_by(const note *n, const note_checkpoint *b, const unsigned char *pk, const char *what)
{
    char hex[AVOW_HEX_ID_LEN + 1];
    int error = note_verify(n, b->origin, b->origin_len, pk);
    if (error == 0) {
        return 0;
    }
    avow_hex(hex, pk, AVOW_PUBKEY_BYTES);
    if (error == AVOW_ENOTFOUND) {
        return avow_error_set(AVOW_EVERIFY,
                              "%s: signature line: no signature by the trusted key %s under the "
                              "name %.*s",
                              what, hex, (int)b->origin_len, b->origin);
    }
    if (error == AVOW_EVERIFY) {
        return avow_error_set(AVOW_EVERIFY, "%s: signature line: %s (trusted key %s)", what,
                              avow_error_last(), hex);
    }
    return error;
}

/* ---- the verify hook ---------------------------------------------------------- */

struct audit_cp {
    uint64_t size;
    unsigned char root[AVOW_HASH_BYTES];
};

struct audit_verify {
    MDB_txn *txn;
    const avow_ledger *ledger;
    struct verify_state *s;
    unsigned char stack[MERKLE_MAX_LEVEL + 2][MERKLE_HASH_BYTES];
    int dirty[MERKLE_MAX_LEVEL + 2]; /* the stored subtree differs somewhere */
    size_t top;                      /* entries in stack */
    struct audit_cp *cps;
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
av_check_node(struct audit_verify *v, unsigned level, uint64_t index,
              const unsigned char h[MERKLE_HASH_BYTES], const unsigned char *id, int quiet)
{
    struct audit_txn c = { NULL, v->txn, v->ledger };
    unsigned char stored[MERKLE_HASH_BYTES];
    int error = node_get(&c, level, index, stored);
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
av_root(const struct audit_verify *v, unsigned char out[MERKLE_HASH_BYTES])
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
av_checkpoints_at(struct audit_verify *v, uint64_t size)
{
    unsigned char root[MERKLE_HASH_BYTES];
    int have = 0;
    while (v->next_cp < v->n_cps && v->cps[v->next_cp].size == size) {
        if (!have) {
            av_root(v, root);
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
av_load_checkpoints(struct audit_verify *v)
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
            if (val.mv_size != AUDIT_WITNESS_BYTES) {
                verify_problem(v->s, UINT64_MAX, 0, NULL,
                               "witness state of origin %.*s is malformed", (int)(k.mv_size - 1),
                               (const char *)kp + 1);
            }
            continue;
        }
        if (k.mv_size != AUDIT_CP_KEY_BYTES || kp[0] != 'c') {
            verify_problem(v->s, UINT64_MAX, 0, NULL, "checkpoints table has a malformed key");
            continue;
        }
        uint64_t size = be64_get(kp + 1);
        if (cp_parse(n, &b, val.mv_data, val.mv_size, "stored checkpoint") < 0 || b.size != size) {
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
            struct audit_cp *p = realloc(v->cps, cap * sizeof(*p));
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
av_extra_nodes(struct audit_verify *v, uint64_t n)
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
        if (k.mv_size != AUDIT_NODE_KEY_BYTES || kp[0] > MERKLE_MAX_LEVEL) {
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

int
audit_verify_begin(MDB_txn *txn, const avow_ledger *ledger, struct verify_state *s,
                   struct audit_verify **out)
{
    struct audit_verify *v;
    int error;

    *out = NULL;
    if ((v = calloc(1, sizeof(*v))) == NULL) {
        return avow_error_set(AVOW_ENOMEM, "out of memory verifying the Merkle tree");
    }
    v->txn = txn;
    v->ledger = ledger;
    v->s = s;
    if ((error = av_load_checkpoints(v)) < 0) {
        free(v->cps);
        free(v);
        return error;
    }
    av_checkpoints_at(v, 0);
    *out = v;
    return 0;
}

int
audit_verify_leaf(struct audit_verify *v, const unsigned char leaf[AVOW_HASH_BYTES],
                  const unsigned char id[AVOW_EVENT_ID_BYTES])
{
    uint64_t i = v->leaves;
    int error;

    if (i > (UINT64_C(1) << MERKLE_MAX_LEVEL)) {
        return avow_error_set(AVOW_ERANGE, "too many events for the tree");
    }
    if ((error = av_check_node(v, 0, i, leaf, id, 0)) < 0) {
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
        if ((error = av_check_node(v, level, idx >> 1, v->stack[t], NULL, quiet)) < 0) {
            return error;
        }
        v->dirty[t] = quiet || error;
    }
    v->leaves = i + 1;
    av_checkpoints_at(v, i + 1);
    return 0;
}

int
audit_verify_end(struct audit_verify *v, int check)
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
        error = av_extra_nodes(v, i);
    }
    free(v->cps);
    free(v);
    return error;
}

/* ---- roots, owner ------------------------------------------------------------- */

void
avow_leaf_hash(unsigned char out[AVOW_HASH_BYTES], const unsigned char *raw, size_t len)
{
    merkle_leaf_hash(out, raw, len);
}

int
avow_ledger_owner(avow_ledger *ledger, unsigned char pk[AVOW_PUBKEY_BYTES])
{
    MDB_txn *txn = NULL;
    int error;
    if (ledger == NULL || pk == NULL) {
        return avow_error_set(AVOW_EINVALID, "avow_ledger_owner: missing argument");
    }
    if ((error = store_read_begin(ledger, &txn)) < 0) {
        return error;
    }
    error = audit_owner_txn(txn, ledger, pk);
    mdb_txn_abort(txn);
    return error;
}

static int
root_at_txn(MDB_txn *txn, const avow_ledger *ledger, uint64_t size,
            unsigned char root[AVOW_HASH_BYTES], uint64_t *count)
{
    int error;
    if ((error = audit_count_txn(txn, ledger, count)) < 0) {
        return error;
    }
    if (size > *count) {
        return avow_error_set(
          AVOW_EINVALID, "size %" PRIu64 " is beyond the log (%" PRIu64 " events)", size, *count);
    }
    if ((error = audit_root_txn(txn, ledger, size, root)) < 0) {
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
    error = root_at_txn(txn, ledger, size, root, &count);
    mdb_txn_abort(txn);
    return error;
}

/* ---- checkpoints ---------------------------------------------------------------- */

struct cp_create {
    avow_buf *out;
    size_t start;
    const avow_key *key;
    const char *ext; /* extension lines (attestations), or NULL */
    size_t ext_len;
    avow_checkpoint cp;
};

static int
cp_create_txn(store_w *w, void *vctx)
{
    struct cp_create *c = vctx;
    MDB_txn *txn = store_w_txn(w);
    const avow_ledger *ledger = store_w_ledger(w);
    const char *origin = avow_ledger_origin(ledger);
    size_t origin_len = strlen(origin);
    unsigned char key[AUDIT_CP_KEY_BYTES];
    avow_buf text = AVOW_BUF_INIT;
    uint64_t count = 0;
    int error;

    c->out->len = c->start; /* a retried transaction starts over */
    if (!note_name_valid(origin, origin_len)) {
        error = avow_error_set(AVOW_EINVALID,
                               "the origin '%s' cannot be a signed-note key name (it holds a "
                               "space or '+')",
                               origin);
        goto done;
    }
    if ((error = audit_count_txn(txn, ledger, &count)) < 0 ||
        (error = audit_root_txn(txn, ledger, count, c->cp.root)) < 0) {
        goto done;
    }
    if ((error = note_checkpoint_text(&text, origin, origin_len, count, c->cp.root)) < 0 ||
        (c->ext_len > 0 && (error = avow_buf_put(&text, c->ext, c->ext_len)) < 0) ||
        (error = note_sign(c->out, (const char *)text.ptr, text.len, origin, origin_len, c->key)) <
          0) {
        goto done;
    }
    if (c->ext_len == 0) {
        cp_key(key, count, avow_key_public(c->key));
        if ((error = store_w_put(w, STORE_DB_CHECKPOINTS, key, sizeof(key), c->out->ptr + c->start,
                                 c->out->len - c->start, 0)) < 0) {
            goto done;
        }
    }
    memcpy(c->cp.origin, origin, origin_len + 1);
    c->cp.size = count;
done:
    avow_buf_dispose(&text);
    return error;
}

int
avow_checkpoint_create(avow_buf *out, avow_checkpoint *cp, avow_ledger *ledger, const avow_key *key)
{
    struct cp_create c;
    int error;
    if (out == NULL || ledger == NULL || key == NULL) {
        return avow_error_set(AVOW_EINVALID, "avow_checkpoint_create: missing argument");
    }
    memset(&c, 0, sizeof(c));
    c.out = out;
    c.start = out->len;
    c.key = key;
    if ((error = store_write(ledger, cp_create_txn, &c)) < 0) {
        out->len = c.start;
        return error;
    }
    if (cp != NULL) {
        *cp = c.cp;
    }
    return 0;
}

int
avow_checkpoint_open(avow_checkpoint *out, const char *text, size_t len,
                     const unsigned char pk[AVOW_PUBKEY_BYTES])
{
    note *n = NULL;
    note_checkpoint b;
    int error;
    if (pk == NULL) {
        return avow_error_set(AVOW_EINVALID, "avow_checkpoint_open: no trusted key");
    }
    if ((n = malloc(sizeof(*n))) == NULL) {
        return avow_error_set(AVOW_ENOMEM, "out of memory");
    }
    if ((error = cp_parse(n, &b, text, len, "checkpoint")) < 0 ||
        (error = cp_signed_by(n, &b, pk, "checkpoint")) < 0) {
        goto done;
    }
    cp_fill(out, &b);
done:
    free(n);
    return error;
}

/*
 * Why a checkpoint's signature fails: compare it with what this ledger signed
 * with the same key. A stored checkpoint of the same size with another root
 * means the root line changed; the same root stored at another size means the
 * size line changed (both can hold). 1 when a diagnosis is in the error detail.
 */
static int
cp_diagnose(MDB_txn *txn, const avow_ledger *ledger, const note_checkpoint *b,
            const unsigned char *pk)
{
    note *n = NULL;
    note_checkpoint sb;
    MDB_cursor *cur = NULL;
    MDB_val k, v;
    char b64[sodium_base64_ENCODED_LEN(AVOW_HASH_BYTES, sodium_base64_VARIANT_ORIGINAL)];
    int same_size = 0, same_root = 0, same_both = 0;
    uint64_t root_size = 0;

    if ((n = malloc(sizeof(*n))) == NULL) {
        return 0;
    }
    if (mdb_cursor_open(txn, store_dbi(ledger, STORE_DB_CHECKPOINTS), &cur) == 0) {
        for (MDB_cursor_op op = MDB_FIRST; mdb_cursor_get(cur, &k, &v, op) == 0; op = MDB_NEXT) {
            const unsigned char *kp = k.mv_data;
            if (k.mv_size != AUDIT_CP_KEY_BYTES || kp[0] != 'c' ||
                memcmp(kp + 9, pk, AVOW_PUBKEY_BYTES) != 0 ||
                cp_parse(n, &sb, v.mv_data, v.mv_size, "stored checkpoint") < 0) {
                continue;
            }
            int root_eq = memcmp(sb.root, b->root, AVOW_HASH_BYTES) == 0;
            if (sb.size == b->size && root_eq) {
                same_both = 1;
            } else if (sb.size == b->size) {
                same_size = 1;
                b64_root(b64, sb.root);
            } else if (root_eq && !same_root) {
                same_root = 1;
                root_size = sb.size;
            }
        }
        mdb_cursor_close(cur);
    }
    free(n);
    if (same_both) {
        avow_error_set(AVOW_EVERIFY, "signature line was altered: this ledger signed the same "
                                     "origin, size and root with another signature");
    } else if (same_size && same_root) {
        avow_error_set(AVOW_EVERIFY,
                       "size or root line was altered: this ledger signed size %" PRIu64
                       " with root %s, and this root at size %" PRIu64,
                       b->size, b64, root_size);
    } else if (same_size) {
        avow_error_set(AVOW_EVERIFY,
                       "root line was altered: the checkpoint of size %" PRIu64
                       " this ledger signed has root %s",
                       b->size, b64);
    } else if (same_root) {
        avow_error_set(AVOW_EVERIFY,
                       "size line was altered: this ledger signed that root at size %" PRIu64
                       ", not %" PRIu64,
                       root_size, b->size);
    }
    return same_both || same_size || same_root;
}

/* The checks of avow_checkpoint_verify() on a parsed note. */
static int
cp_verify_parsed(avow_ledger *ledger, const note *n, const note_checkpoint *b,
                 const unsigned char *pk_in, const char *what)
{
    const char *origin = avow_ledger_origin(ledger);
    unsigned char pk[AVOW_PUBKEY_BYTES], root[AVOW_HASH_BYTES];
    char b64[sodium_base64_ENCODED_LEN(AVOW_HASH_BYTES, sodium_base64_VARIANT_ORIGINAL)];
    MDB_txn *txn = NULL;
    uint64_t count = 0;
    int error;

    if (b->origin_len != strlen(origin) || memcmp(b->origin, origin, b->origin_len) != 0) {
        return avow_error_set(AVOW_EVERIFY,
                              "%s: origin line '%.*s' is not this ledger's origin '%s'", what,
                              (int)b->origin_len, b->origin, origin);
    }
    if ((error = store_read_begin(ledger, &txn)) < 0) {
        return error;
    }
    if (pk_in != NULL) {
        memcpy(pk, pk_in, AVOW_PUBKEY_BYTES);
    } else if ((error = audit_owner_txn(txn, ledger, pk)) < 0) {
        goto done;
    }
    if ((error = cp_signed_by(n, b, pk, what)) < 0) {
        if (error == AVOW_EVERIFY && cp_diagnose(txn, ledger, b, pk)) {
            error = avow_error_set(AVOW_EVERIFY, "%s: %s", what, avow_error_last());
        }
        goto done;
    }
    if ((error = audit_count_txn(txn, ledger, &count)) < 0) {
        goto done;
    }
    if (b->size > count) {
        error = avow_error_set(AVOW_EVERIFY,
                               "%s: size line says %" PRIu64 " events but this ledger has %" PRIu64
                               " (events were removed, or the checkpoint is from another copy)",
                               what, b->size, count);
        goto done;
    }
    if ((error = root_at_txn(txn, ledger, b->size, root, &count)) < 0) {
        goto done;
    }
    if (sodium_memcmp(root, b->root, AVOW_HASH_BYTES) != 0) {
        b64_root(b64, root);
        error = avow_error_set(AVOW_EVERIFY,
                               "%s: root line does not match this ledger's root at size %" PRIu64
                               " (%s): its history was rewritten",
                               what, b->size, b64);
        goto done;
    }
done:
    mdb_txn_abort(txn);
    return error;
}

int
avow_checkpoint_verify(avow_checkpoint *out, avow_ledger *ledger, const char *text, size_t len,
                       const unsigned char *pk)
{
    note *n = NULL;
    note_checkpoint b;
    int error;
    if (ledger == NULL) {
        return avow_error_set(AVOW_EINVALID, "avow_checkpoint_verify: no ledger");
    }
    if ((n = malloc(sizeof(*n))) == NULL) {
        return avow_error_set(AVOW_ENOMEM, "out of memory");
    }
    if ((error = cp_parse(n, &b, text, len, "checkpoint")) < 0 ||
        (error = cp_verify_parsed(ledger, n, &b, pk, "checkpoint")) < 0) {
        goto done;
    }
    cp_fill(out, &b);
done:
    free(n);
    return error;
}

int
avow_note_signatures(const char *text, size_t len, const unsigned char *keys, size_t n_keys,
                     avow_note_sig_cb cb, void *payload)
{
    note *n = NULL;
    int error;
    if (cb == NULL || (keys == NULL && n_keys > 0)) {
        return avow_error_set(AVOW_EINVALID, "avow_note_signatures: missing argument");
    }
    if ((n = malloc(sizeof(*n))) == NULL) {
        return avow_error_set(AVOW_ENOMEM, "out of memory");
    }
    if ((error = note_parse(n, text, len)) < 0) {
        goto done;
    }
    for (size_t i = 0; i < n->n_sigs; i++) {
        const note_sig *s = &n->sigs[i];
        avow_note_sig info;
        memset(&info, 0, sizeof(info));
        info.name = s->name;
        info.name_len = s->name_len;
        info.key_id = s->key_id;
        for (size_t j = 0; j < n_keys && info.type == AVOW_SIG_UNKNOWN; j++) {
            const unsigned char *pk = keys + j * AVOW_PUBKEY_BYTES;
            int ok = 0;
            uint64_t ts = 0;
            if (note_sig_check(n, s, NOTE_ALG_ED25519, pk, &ok, NULL)) {
                info.type = AVOW_SIG_ED25519;
            } else if (note_sig_check(n, s, NOTE_ALG_COSIG, pk, &ok, &ts)) {
                info.type = AVOW_SIG_COSIG;
                info.timestamp = ts;
            } else {
                continue;
            }
            info.verified = ok;
            info.key_index = j;
        }
        cb(&info, payload);
    }
done:
    free(n);
    return error;
}

/* ---- proofs ------------------------------------------------------------------------ */

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
    if ((error = audit_count_txn(txn, ledger, &count)) < 0) {
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
    if ((error = root_at_txn(txn, ledger, tree_size, out->root, &count)) < 0) {
        goto done;
    }
    if ((error = audit_inclusion_txn(txn, ledger, index, tree_size, out->path, &out->count)) < 0 ||
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
    if ((error = audit_count_txn(txn, ledger, &count)) < 0) {
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
    if ((error = root_at_txn(txn, ledger, new_size, out->new_root, &count)) < 0 ||
        (error = root_at_txn(txn, ledger, old_size, out->old_root, &count)) < 0) {
        goto done;
    }
    if ((error = audit_consistency_txn(txn, ledger, old_size, new_size, out->path, &out->count)) <
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

/* ---- evidence files ------------------------------------------------------------- */

/* The latest stored checkpoint (largest size), copied to out with its signer. */
static int
latest_checkpoint(avow_ledger *ledger, avow_buf *out, unsigned char pk[AVOW_PUBKEY_BYTES])
{
    MDB_txn *txn = NULL;
    MDB_cursor *cur = NULL;
    MDB_val k, v;
    int error = AVOW_ENOTFOUND, rc;
    unsigned char start = 'd';

    if ((error = store_read_begin(ledger, &txn)) < 0) {
        return error;
    }
    error = avow_error_set(AVOW_ENOTFOUND, "this ledger has signed no checkpoint (run avow "
                                           "checkpoint, or give a key)");
    if ((rc = mdb_cursor_open(txn, store_dbi(ledger, STORE_DB_CHECKPOINTS), &cur)) != 0) {
        error = store_mdb_error(ledger, rc, "checkpoints");
        goto done;
    }
    /* The last "c" key sorts just before the first key >= "d". */
    k.mv_size = 1;
    k.mv_data = &start;
    rc = mdb_cursor_get(cur, &k, &v, MDB_SET_RANGE);
    rc = mdb_cursor_get(cur, &k, &v, rc == 0 ? MDB_PREV : MDB_LAST);
    if (rc == 0 && k.mv_size == AUDIT_CP_KEY_BYTES &&
        ((const unsigned char *)k.mv_data)[0] == 'c') {
        memcpy(pk, (const unsigned char *)k.mv_data + 9, AVOW_PUBKEY_BYTES);
        error = avow_buf_put(out, v.mv_data, v.mv_size);
    }
done:
    if (cur != NULL) {
        mdb_cursor_close(cur);
    }
    mdb_txn_abort(txn);
    return error;
}

int
avow_checkpoint_latest(avow_buf *note_out, avow_checkpoint *cp, unsigned char pk[AVOW_PUBKEY_BYTES],
                       avow_ledger *ledger)
{
    int error;
    unsigned char signer[AVOW_PUBKEY_BYTES];
    size_t start = note_out->len;
    if ((error = latest_checkpoint(ledger, note_out, signer)) < 0) {
        return error;
    }
    /* Stored by this ledger after signing, but read back like any note. */
    if ((error = avow_checkpoint_open(cp, (const char *)note_out->ptr + start,
                                      note_out->len - start, signer)) < 0) {
        note_out->len = start;
        return avow_error_set(AVOW_EVERIFY, "the latest stored checkpoint does not verify: %s",
                              avow_error_last());
    }
    if (pk != NULL) {
        memcpy(pk, signer, AVOW_PUBKEY_BYTES);
    }
    return 0;
}

static json_t *
hex_json(const unsigned char *bytes, size_t n)
{
    char hex[2 * AVOW_HASH_BYTES + 1];
    if (n > AVOW_HASH_BYTES) {
        return NULL;
    }
    avow_hex(hex, bytes, n);
    return json_string(hex);
}

static json_t *
evidence_event(avow_ledger *ledger, const unsigned char *id, const avow_checkpoint *cp, int *error)
{
    avow_inclusion *p = NULL;
    avow_buf raw = AVOW_BUF_INIT;
    json_t *o = NULL, *path = NULL;
    char *b64 = NULL;

    if ((p = malloc(sizeof(*p))) == NULL) {
        *error = avow_error_set(AVOW_ENOMEM, "out of memory");
        goto done;
    }
    if ((*error = avow_ledger_get(ledger, &raw, NULL, id)) < 0 ||
        (*error = avow_ledger_prove_inclusion(p, ledger, id, cp->size)) < 0) {
        goto done;
    }
    size_t b64len = sodium_base64_ENCODED_LEN(raw.len, sodium_base64_VARIANT_ORIGINAL);
    if ((b64 = malloc(b64len)) == NULL || (o = json_object()) == NULL ||
        (path = json_array()) == NULL) {
        *error = avow_error_set(AVOW_ENOMEM, "out of memory");
        goto done;
    }
    sodium_bin2base64(b64, b64len, raw.ptr, raw.len, sodium_base64_VARIANT_ORIGINAL);
    for (size_t i = 0; i < p->count; i++) {
        if (json_array_append_new(path, hex_json(p->path + i * AVOW_HASH_BYTES, AVOW_HASH_BYTES)) <
            0) {
            *error = avow_error_set(AVOW_ENOMEM, "out of memory");
            goto done;
        }
    }
    if (json_object_set_new(o, "id", hex_json(id, AVOW_EVENT_ID_BYTES)) < 0 ||
        json_object_set_new(o, "index", json_integer((json_int_t)p->leaf_index)) < 0 ||
        json_object_set_new(o, "raw", json_string(b64)) < 0 ||
        json_object_set(o, "path", path) < 0) {
        *error = avow_error_set(AVOW_ENOMEM, "out of memory");
        goto done;
    }
    *error = 0;
done:
    json_decref(path);
    if (*error < 0) {
        json_decref(o);
        o = NULL;
    }
    free(b64);
    free(p);
    avow_buf_dispose(&raw);
    return o;
}

int
avow_evidence_write(avow_buf *out, avow_ledger *ledger, const unsigned char *ids, size_t n,
                    const avow_key *key)
{
    avow_buf note_text = AVOW_BUF_INIT;
    unsigned char pk[AVOW_PUBKEY_BYTES];
    avow_checkpoint cp;
    json_t *doc = NULL, *events = NULL;
    char *text = NULL;
    int error = 0;

    if (out == NULL || ledger == NULL || (ids == NULL && n > 0)) {
        return avow_error_set(AVOW_EINVALID, "avow_evidence_write: missing argument");
    }
    if (n == 0 || n > AVOW_EVIDENCE_MAX_EVENTS) {
        return avow_error_set(AVOW_ERANGE, "an evidence file holds 1 to %d events, not %zu",
                              AVOW_EVIDENCE_MAX_EVENTS, n);
    }
    if (key != NULL) {
        memcpy(pk, avow_key_public(key), AVOW_PUBKEY_BYTES);
        if ((error = avow_checkpoint_create(&note_text, &cp, ledger, key)) < 0) {
            goto done;
        }
    } else if ((error = latest_checkpoint(ledger, &note_text, pk)) < 0 ||
               (error = avow_checkpoint_verify(&cp, ledger, (const char *)note_text.ptr,
                                               note_text.len, pk)) < 0) {
        goto done;
    }
    if ((doc = json_object()) == NULL || (events = json_array()) == NULL) {
        error = avow_error_set(AVOW_ENOMEM, "out of memory");
        goto done;
    }
    for (size_t i = 0; i < n; i++) {
        json_t *ev = evidence_event(ledger, ids + i * AVOW_EVENT_ID_BYTES, &cp, &error);
        if (ev == NULL || json_array_append_new(events, ev) < 0) {
            if (error == AVOW_EINVALID) {
                error = avow_error_set(AVOW_ENOTFOUND,
                                       "%s (the latest checkpoint, of size %" PRIu64
                                       ", does not cover it)",
                                       avow_error_last(), cp.size);
            }
            error = error < 0 ? error : avow_error_set(AVOW_ENOMEM, "out of memory");
            goto done;
        }
    }
    if (json_object_set_new(doc, "format", json_string(AUDIT_EVIDENCE_FORMAT)) < 0 ||
        json_object_set_new(doc, "signer", hex_json(pk, AVOW_PUBKEY_BYTES)) < 0 ||
        json_object_set_new(doc, "checkpoint",
                            json_stringn((const char *)note_text.ptr, note_text.len)) < 0 ||
        json_object_set(doc, "events", events) < 0) {
        error = avow_error_set(AVOW_ENOMEM, "out of memory");
        goto done;
    }
    if ((text = json_dumps(doc, JSON_COMPACT | JSON_SORT_KEYS)) == NULL) {
        error = avow_error_set(AVOW_ENOMEM, "out of memory rendering JSON");
        goto done;
    }
    if ((error = avow_buf_put(out, text, strlen(text))) < 0 ||
        (error = avow_buf_put(out, "\n", 1)) < 0) {
        goto done;
    }
done:
    free(text);
    json_decref(events);
    json_decref(doc);
    avow_buf_dispose(&note_text);
    return error;
}

/* A lowercase hex string of exactly n bytes. */
static int
ev_hex(unsigned char *out, size_t n, const json_t *j)
{
    char again[2 * AVOW_HASH_BYTES + 1];
    const char *s = json_string_value(j);
    if (s == NULL || n > AVOW_HASH_BYTES || json_string_length(j) != 2 * n ||
        avow_unhex(out, n, s) < 0) {
        return -1;
    }
    avow_hex(again, out, n);
    return memcmp(again, s, 2 * n) == 0 ? 0 : -1;
}

#define EV_FAIL(...)                                                                               \
    do {                                                                                           \
        error = avow_error_set(AVOW_EVERIFY, __VA_ARGS__);                                         \
        goto done;                                                                                 \
    } while (0)

int
avow_evidence_verify(avow_checkpoint *cp_out, size_t *n_events, const unsigned char *data,
                     size_t len, const unsigned char pk[AVOW_PUBKEY_BYTES], avow_evidence_cb cb,
                     void *payload)
{
    json_t *doc = NULL;
    json_error_t jerr;
    char *again = NULL;
    note *n = NULL;
    note_checkpoint b;
    unsigned char signer[AVOW_PUBKEY_BYTES];
    unsigned char raw[AVOW_EVENT_MAX_BYTES];
    unsigned char path[MERKLE_PATH_BYTES];
    int error = 0;

    if (n_events != NULL) {
        *n_events = 0;
    }
    if (data == NULL || pk == NULL) {
        return avow_error_set(AVOW_EINVALID, "avow_evidence_verify: missing argument");
    }
    if ((n = malloc(sizeof(*n))) == NULL) {
        return avow_error_set(AVOW_ENOMEM, "out of memory");
    }
    if (len == 0 || len > AVOW_EVIDENCE_MAX_BYTES || data[len - 1] != '\n') {
        EV_FAIL("evidence file: not one line of at most %u bytes ending in a newline",
                (unsigned)AVOW_EVIDENCE_MAX_BYTES);
    }
    if ((doc = json_loadb((const char *)data, len - 1, JSON_REJECT_DUPLICATES, &jerr)) == NULL) {
        EV_FAIL("evidence file: not JSON (%s)", jerr.text);
    }
    if ((again = json_dumps(doc, JSON_COMPACT | JSON_SORT_KEYS)) == NULL) {
        error = avow_error_set(AVOW_ENOMEM, "out of memory");
        goto done;
    }
    if (strlen(again) != len - 1 || memcmp(again, data, len - 1) != 0) {
        EV_FAIL("evidence file: not in canonical form (was it edited?)");
    }
    json_t *format = json_object_get(doc, "format");
    json_t *jsigner = json_object_get(doc, "signer");
    json_t *jcp = json_object_get(doc, "checkpoint");
    json_t *events = json_object_get(doc, "events");
    if (!json_is_object(doc) || json_object_size(doc) != 4 || !json_is_string(format) ||
        strcmp(json_string_value(format), AUDIT_EVIDENCE_FORMAT) != 0 || !json_is_string(jcp) ||
        !json_is_array(events) || json_array_size(events) == 0 ||
        json_array_size(events) > AVOW_EVIDENCE_MAX_EVENTS) {
        EV_FAIL("evidence file: not an %s document", AUDIT_EVIDENCE_FORMAT);
    }
    if (ev_hex(signer, sizeof(signer), jsigner) < 0) {
        EV_FAIL("evidence file: signer is malformed");
    }
    if (sodium_memcmp(signer, pk, AVOW_PUBKEY_BYTES) != 0) {
        char want[AVOW_HEX_ID_LEN + 1];
        avow_hex(want, pk, AVOW_PUBKEY_BYTES);
        EV_FAIL("evidence file: signed by %s, not by the trusted key %s",
                json_string_value(jsigner), want);
    }
    if (cp_parse(n, &b, json_string_value(jcp), json_string_length(jcp), "evidence checkpoint") <
        0) {
        EV_FAIL("%s", avow_error_last());
    }
    if (n->n_sigs != 1) {
        EV_FAIL("evidence checkpoint: has %zu signature lines, not exactly one", n->n_sigs);
    }
    if (cp_signed_by(n, &b, pk, "evidence checkpoint") < 0) {
        EV_FAIL("%s", avow_error_last());
    }
    for (size_t i = 0; i < json_array_size(events); i++) {
        json_t *e = json_array_get(events, i);
        json_t *jid = json_object_get(e, "id"), *jindex = json_object_get(e, "index");
        json_t *jraw = json_object_get(e, "raw"), *jpath = json_object_get(e, "path");
        unsigned char id[AVOW_EVENT_ID_BYTES], leaf[AVOW_HASH_BYTES], got[AVOW_EVENT_ID_BYTES];
        size_t raw_len = 0;
        avow_event ev;

        if (!json_is_object(e) || json_object_size(e) != 4 || !json_is_integer(jindex) ||
            !json_is_string(jraw) || !json_is_array(jpath) ||
            json_array_size(jpath) > MERKLE_MAX_PATH || ev_hex(id, sizeof(id), jid) < 0) {
            EV_FAIL("evidence event %zu: malformed", i);
        }
        json_int_t index = json_integer_value(jindex);
        if (index < 0 || (uint64_t)index >= b.size) {
            EV_FAIL("evidence event %zu: index %" PRId64 " is not in the checkpoint's tree", i,
                    (int64_t)index);
        }
        if (note_base64_decode(raw, sizeof(raw), &raw_len, json_string_value(jraw),
                               json_string_length(jraw)) < 0) {
            EV_FAIL("evidence event %zu: raw is not base64 of at most %d bytes", i,
                    AVOW_EVENT_MAX_BYTES);
        }
        crypto_hash_sha256(got, raw, raw_len);
        if (sodium_memcmp(got, id, sizeof(id)) != 0) {
            EV_FAIL("evidence event %zu: its bytes do not hash to its id", i);
        }
        if (avow_event_decode(&ev, raw, raw_len) < 0) {
            EV_FAIL("evidence event %zu: does not decode: %s", i, avow_error_last());
        }
        if (avow_event_verify(&ev) < 0) {
            EV_FAIL("evidence event %zu: its author's signature does not verify", i);
        }
        for (size_t j = 0; j < json_array_size(jpath); j++) {
            if (ev_hex(path + j * MERKLE_HASH_BYTES, MERKLE_HASH_BYTES, json_array_get(jpath, j)) <
                0) {
                EV_FAIL("evidence event %zu: path hash %zu is malformed", i, j);
            }
        }
        merkle_leaf_hash(leaf, raw, raw_len);
        if (merkle_verify_inclusion(leaf, (uint64_t)index, b.size, path, json_array_size(jpath),
                                    b.root) < 0) {
            EV_FAIL("evidence event %zu: the inclusion proof of #%" PRId64
                    " does not hold against the checkpoint (size %" PRIu64 ")",
                    i, (int64_t)index, b.size);
        }
        if (cb != NULL) {
            cb(&ev, (uint64_t)index, payload);
        }
    }
    cp_fill(cp_out, &b);
    if (n_events != NULL) {
        *n_events = json_array_size(events);
    }
done:
    free(again);
    json_decref(doc);
    free(n);
    return error;
}

/* ---- attestations ----------------------------------------------------------------- */

/* Text fit for one note line: UTF-8 without control characters. */
static int
attest_text_ok(const char *s, size_t len)
{
    if (avow_utf8_check(s, len) < 0) {
        return 0;
    }
    for (size_t i = 0; i < len; i++) {
        if ((unsigned char)s[i] < 0x20) {
            return 0;
        }
    }
    return 1;
}

static int
attest_put_line(avow_buf *b, const char *key, const char *value, size_t len)
{
    int error;
    if ((error = avow_buf_put(b, key, strlen(key))) < 0 || (error = avow_buf_put(b, " ", 1)) < 0 ||
        (error = avow_buf_put(b, value, len)) < 0 || (error = avow_buf_put(b, "\n", 1)) < 0) {
        return error;
    }
    return 0;
}

int
avow_attest_create(avow_buf *out, avow_ledger *ledger, const avow_key *key, const char *contest,
                   int64_t at, int64_t known_at, const char *digest_hex)
{
    avow_buf ext = AVOW_BUF_INIT;
    unsigned char digest[AVOW_HASH_BYTES];
    char hex[AVOW_HEX_ID_LEN + 1], t1[AVOW_TIME_STRLEN], t2[AVOW_TIME_STRLEN];
    struct cp_create c;
    size_t clen;
    int error;

    if (out == NULL || ledger == NULL || key == NULL || contest == NULL || digest_hex == NULL) {
        return avow_error_set(AVOW_EINVALID, "avow_attest_create: missing argument");
    }
    clen = strlen(contest);
    if (clen == 0 || clen > AVOW_MAX_CONTEST || !attest_text_ok(contest, clen)) {
        return avow_error_set(AVOW_EINVALID, "bad contest id for an attestation");
    }
    if (strlen(digest_hex) != AVOW_HEX_ID_LEN ||
        avow_unhex(digest, sizeof(digest), digest_hex) < 0) {
        return avow_error_set(AVOW_EINVALID, "the state digest must be 64 hex characters");
    }
    if (at < AVOW_TIME_MIN || at > AVOW_TIME_MAX || known_at < AVOW_TIME_MIN ||
        known_at > AVOW_TIME_MAX) {
        return avow_error_set(AVOW_EINVALID, "attestation time out of range");
    }
    avow_hex(hex, digest, sizeof(digest));
    avow_time_format(t1, at, AVOW_PREC_MICRO);
    avow_time_format(t2, known_at, AVOW_PREC_MICRO);
    if ((error = avow_buf_put(&ext, AUDIT_ATTEST_HEADER "\n", strlen(AUDIT_ATTEST_HEADER) + 1)) <
          0 ||
        (error = attest_put_line(&ext, "contest", contest, clen)) < 0 ||
        (error = attest_put_line(&ext, "at", t1, strlen(t1))) < 0 ||
        (error = attest_put_line(&ext, "known_at", t2, strlen(t2))) < 0 ||
        (error = attest_put_line(&ext, "digest", hex, strlen(hex))) < 0) {
        goto done;
    }
    memset(&c, 0, sizeof(c));
    c.out = out;
    c.start = out->len;
    c.key = key;
    c.ext = (const char *)ext.ptr;
    c.ext_len = ext.len;
    if ((error = store_write(ledger, cp_create_txn, &c)) < 0) {
        out->len = c.start;
    }
done:
    avow_buf_dispose(&ext);
    return error;
}

/* "KEY VALUE" line at ext[*pos]: the value is set, borrowed. */
static int
attest_line(const char *ext, size_t len, size_t *pos, const char *key, const char **value,
            size_t *vlen)
{
    const char *line = NULL;
    size_t line_len = 0, klen = strlen(key);
    if (*pos >= len) {
        return -1;
    }
    const char *nl = memchr(ext + *pos, '\n', len - *pos);
    if (nl == NULL) {
        return -1;
    }
    line = ext + *pos;
    line_len = (size_t)(nl - line);
    *pos += line_len + 1;
    if (line_len <= klen + 1 || memcmp(line, key, klen) != 0 || line[klen] != ' ') {
        return -1;
    }
    *value = line + klen + 1;
    *vlen = line_len - klen - 1;
    return 0;
}

static int
attest_time(int64_t *out, const char *s, size_t len)
{
    char buf[AVOW_TIME_STRLEN], again[AVOW_TIME_STRLEN];
    if (len == 0 || len >= sizeof(buf)) {
        return -1;
    }
    memcpy(buf, s, len);
    buf[len] = '\0';
    if (avow_time_parse(out, NULL, buf, AVOW_TIME_START) < 0) {
        return -1;
    }
    avow_time_format(again, *out, AVOW_PREC_MICRO);
    return strcmp(again, buf) == 0 ? 0 : -1;
}

static int
attest_parse_ext(avow_attestation *out, const note_checkpoint *b)
{
    const char *v = NULL;
    size_t vlen = 0, pos = 0;
    unsigned char digest[AVOW_HASH_BYTES];
    const char *hdr = AUDIT_ATTEST_HEADER "\n";
    size_t hlen = strlen(hdr);

    if (b->ext_len < hlen || memcmp(b->ext, hdr, hlen) != 0) {
        return avow_error_set(AVOW_EFORMAT, "attestation: no %s line", AUDIT_ATTEST_HEADER);
    }
    pos = hlen;
    if (attest_line(b->ext, b->ext_len, &pos, "contest", &v, &vlen) < 0 ||
        vlen > AVOW_MAX_CONTEST) {
        return avow_error_set(AVOW_EFORMAT, "attestation: contest line is malformed");
    }
    memcpy(out->contest, v, vlen);
    out->contest[vlen] = '\0';
    if (attest_line(b->ext, b->ext_len, &pos, "at", &v, &vlen) < 0 ||
        attest_time(&out->at, v, vlen) < 0) {
        return avow_error_set(AVOW_EFORMAT, "attestation: at line is malformed");
    }
    if (attest_line(b->ext, b->ext_len, &pos, "known_at", &v, &vlen) < 0 ||
        attest_time(&out->known_at, v, vlen) < 0) {
        return avow_error_set(AVOW_EFORMAT, "attestation: known_at line is malformed");
    }
    if (attest_line(b->ext, b->ext_len, &pos, "digest", &v, &vlen) < 0 || vlen != AVOW_HEX_ID_LEN) {
        return avow_error_set(AVOW_EFORMAT, "attestation: digest line is malformed");
    }
    memcpy(out->digest, v, vlen);
    out->digest[vlen] = '\0';
    char again[AVOW_HEX_ID_LEN + 1];
    if (avow_unhex(digest, sizeof(digest), out->digest) < 0 ||
        (avow_hex(again, digest, sizeof(digest)), strcmp(again, out->digest) != 0)) {
        return avow_error_set(AVOW_EFORMAT, "attestation: digest line is not lowercase hex");
    }
    if (pos != b->ext_len) {
        return avow_error_set(AVOW_EFORMAT, "attestation: unexpected lines after the digest");
    }
    return 0;
}

int
avow_attest_verify(avow_attestation *out, avow_ledger *ledger, const char *text, size_t len,
                   const unsigned char *pk)
{
    avow_attestation a;
    note *n = NULL;
    note_checkpoint b;
    int error;

    if (ledger == NULL && pk == NULL) {
        return avow_error_set(AVOW_EINVALID, "avow_attest_verify: no ledger and no trusted key");
    }
    memset(&a, 0, sizeof(a));
    if ((n = malloc(sizeof(*n))) == NULL) {
        return avow_error_set(AVOW_ENOMEM, "out of memory");
    }
    if ((error = cp_parse(n, &b, text, len, "attestation")) < 0 ||
        (error = attest_parse_ext(&a, &b)) < 0) {
        goto done;
    }
    if (ledger != NULL) {
        error = cp_verify_parsed(ledger, n, &b, pk, "attestation");
    } else {
        error = cp_signed_by(n, &b, pk, "attestation");
    }
    if (error < 0) {
        goto done;
    }
    cp_fill(&a.tree, &b);
    if (out != NULL) {
        *out = a;
    }
done:
    free(n);
    return error;
}

/* ---- witness ------------------------------------------------------------------------ */

struct witness_ctx {
    avow_buf *out;
    size_t start;
    const avow_key *key;
    const char *text;
    size_t len;
    const unsigned char *log_pk;
    const avow_consistency *proof;
    note *n;
    note_checkpoint b;
};

static int
witness_txn(store_w *w, void *vctx)
{
    struct witness_ctx *c = vctx;
    const avow_ledger *ledger = store_w_ledger(w);
    const char *name = avow_ledger_origin(ledger);
    const note_checkpoint *b = &c->b;
    unsigned char key[1 + AVOW_ORIGIN_MAX], state[AUDIT_WITNESS_BYTES], pk[AVOW_PUBKEY_BYTES];
    uint64_t old_size = 0;
    const unsigned char *old_root = NULL;
    int have = 0, error;
    MDB_val v;

    c->out->len = c->start;
    key[0] = 'w';
    memcpy(key + 1, b->origin, b->origin_len);
    error = store_get(ledger, store_w_txn(w), STORE_DB_CHECKPOINTS, key, 1 + b->origin_len, &v);
    if (error == 0) {
        if (v.mv_size != AUDIT_WITNESS_BYTES) {
            return avow_error_set(AVOW_EIO, "witness state of %.*s is malformed (run avow verify)",
                                  (int)b->origin_len, b->origin);
        }
        memcpy(state, v.mv_data, sizeof(state));
        have = 1;
    } else if (error != AVOW_ENOTFOUND) {
        return error;
    }
    if (c->log_pk != NULL) {
        if (have && sodium_memcmp(state, c->log_pk, AVOW_PUBKEY_BYTES) != 0) {
            return avow_error_set(AVOW_EVERIFY,
                                  "this witness knows origin %.*s under another log key",
                                  (int)b->origin_len, b->origin);
        }
        memcpy(pk, c->log_pk, AVOW_PUBKEY_BYTES);
    } else if (have) {
        memcpy(pk, state, AVOW_PUBKEY_BYTES);
    } else {
        return avow_error_set(AVOW_EINVALID,
                              "this witness has no key for origin %.*s: give the log's public key",
                              (int)b->origin_len, b->origin);
    }
    if ((error = cp_signed_by(c->n, b, pk, "checkpoint")) < 0) {
        return error;
    }
    if (have) {
        old_size = be64_get(state + AVOW_PUBKEY_BYTES);
        old_root = state + AVOW_PUBKEY_BYTES + 8;
        if (b->size < old_size) {
            return avow_error_set(AVOW_EVERIFY,
                                  "checkpoint of size %" PRIu64
                                  " is older than the checkpoint of size %" PRIu64
                                  " this witness cosigned: refused (rollback)",
                                  b->size, old_size);
        }
        if (b->size == old_size) {
            if (sodium_memcmp(b->root, old_root, AVOW_HASH_BYTES) != 0) {
                return avow_error_set(AVOW_EVERIFY,
                                      "checkpoint of size %" PRIu64
                                      " has another root than the one this witness cosigned at "
                                      "that size: the log forked its history, refused",
                                      b->size);
            }
        } else if (c->proof == NULL) {
            return avow_error_set(AVOW_EINVALID,
                                  "a consistency proof from size %" PRIu64 " to %" PRIu64
                                  " is needed (avow prove --consistency %" PRIu64 " %" PRIu64
                                  " --json on the log)",
                                  old_size, b->size, old_size, b->size);
        } else if (c->proof->old_size != old_size || c->proof->new_size != b->size ||
                   sodium_memcmp(c->proof->new_root, b->root, AVOW_HASH_BYTES) != 0) {
            return avow_error_set(AVOW_EVERIFY,
                                  "the proof is not from size %" PRIu64 " to this checkpoint "
                                  "(size %" PRIu64 ")",
                                  old_size, b->size);
        } else if (sodium_memcmp(c->proof->old_root, old_root, AVOW_HASH_BYTES) != 0 ||
                   avow_consistency_verify(c->proof) < 0) {
            return avow_error_set(AVOW_EVERIFY,
                                  "checkpoint of size %" PRIu64
                                  " is not consistent with the checkpoint of size %" PRIu64
                                  " this witness cosigned: the log rewrote its history, refused",
                                  b->size, old_size);
        }
    }
    memcpy(state, pk, AVOW_PUBKEY_BYTES);
    be64_put(state + AVOW_PUBKEY_BYTES, b->size);
    memcpy(state + AVOW_PUBKEY_BYTES + 8, b->root, AVOW_HASH_BYTES);
    if ((error = store_w_put(w, STORE_DB_CHECKPOINTS, key, 1 + b->origin_len, state, sizeof(state),
                             0)) < 0) {
        return error;
    }
    if ((error = avow_buf_put(c->out, c->text, c->len)) < 0 ||
        (error = note_cosign_line(c->out, c->n->text, c->n->text_len, name, strlen(name), c->key,
                                  (uint64_t)(avow_time_now() / 1000000))) < 0) {
        return error;
    }
    return 0;
}

int
avow_witness_cosign(avow_buf *out, avow_ledger *witness, const avow_key *key, const char *text,
                    size_t len, const unsigned char *log_pk, const avow_consistency *proof)
{
    struct witness_ctx c;
    const char *name;
    int error;

    if (out == NULL || witness == NULL || key == NULL || text == NULL) {
        return avow_error_set(AVOW_EINVALID, "avow_witness_cosign: missing argument");
    }
    name = avow_ledger_origin(witness);
    if (!note_name_valid(name, strlen(name))) {
        return avow_error_set(AVOW_EINVALID,
                              "the witness ledger's origin '%s' cannot be a key name", name);
    }
    memset(&c, 0, sizeof(c));
    c.out = out;
    c.start = out->len;
    c.key = key;
    c.text = text;
    c.len = len;
    c.log_pk = log_pk;
    c.proof = proof;
    if ((c.n = malloc(sizeof(*c.n))) == NULL) {
        return avow_error_set(AVOW_ENOMEM, "out of memory");
    }
    if ((error = cp_parse(c.n, &c.b, text, len, "checkpoint")) < 0) {
        goto done;
    }
    if (c.b.ext_len > 0) {
        error = avow_error_set(AVOW_EFORMAT, "checkpoint: extension lines are not cosigned");
        goto done;
    }
    if ((error = store_write(witness, witness_txn, &c)) < 0) {
        out->len = c.start;
    }
done:
    free(c.n);
    return error;
}

/* ---- the Merkle table (ledger/table.h) ---------------------------------- */

static int
audit_table_append(store_w *w, const store_appended *a)
{
    return audit_on_append(w, a->index, a->leaf);
}

static int
audit_table_verify_begin(void **state, store_txn *txn, const avow_ledger *ledger,
                         struct verify_state *s)
{
    struct audit_verify *v = NULL;
    int error = audit_verify_begin(store_mdb_txn(txn), ledger, s, &v);
    *state = v;
    return error;
}

static int
audit_table_verify_leaf(void *state, const unsigned char leaf[AVOW_HASH_BYTES],
                        const unsigned char id[AVOW_EVENT_ID_BYTES])
{
    return audit_verify_leaf(state, leaf, id);
}

static int
audit_table_verify_end(void *state, int check)
{
    return audit_verify_end(state, check);
}

const store_table audit_merkle_table = {
    "merkle",
    audit_table_append,
    NULL,
    audit_table_verify_begin,
    audit_table_verify_leaf,
    audit_table_verify_end,
};
