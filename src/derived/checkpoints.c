/* SPDX-License-Identifier: ISC */
/*
 * checkpoints.c - table "checkpoints": the exact notes of the checkpoints
 * this ledger signed (src/audit/checkpoint.c) and the witness state of each
 * origin it cosigns for (src/audit/witness.c). The table is written by those
 * commands, not in the append transaction; avow verify checks it against the
 * tree recomputed from the events (src/derived/tree.c invariant 3), through
 * the checkpoints_check_* functions below.
 *
 * Invariants:
 *  1. Table "checkpoints" holds, under "c" || size (u64 BE) || signer public
 *     key (32), the exact note of every checkpoint this ledger signed, and
 *     under "w" || origin the witness state of that origin: log public key
 *     (32) || size (u64 BE) || root (32). Entries are only added or, for "w",
 *     moved forward to a consistent larger tree. Under "p" || origin, the
 *     exact note of the last checkpoint pulled from that origin over HTTP
 *     (src/io/pull.c), moved forward only to a consistent larger tree.
 *  2. Every "c" key sorts before every "w" key, and the "c" keys sort by size:
 *     the latest checkpoint is the last key before "d", and verify meets the
 *     stored checkpoints in the order of the log.
 *  3. Verification reports every entry that is malformed, of another origin,
 *     badly signed, whose root is not the recomputed root at its size, or
 *     whose size is beyond the log; it stops only for an error of the store.
 */
#include <inttypes.h>
#include <stdlib.h>

#include <sodium.h>

#include "derived/checkpoints.h"
#include "tlog/note.h"
#include "util/grow.h"

_Static_assert(AVOW_ORIGIN_MAX == NOTE_MAX_NAME, "an origin fits a key name");

static void
checkpoints_key(unsigned char key[CHECKPOINTS_KEY_BYTES], uint64_t size,
                const unsigned char pk[AVOW_PUBKEY_BYTES])
{
    key[0] = 'c';
    be64_put(key + 1, size);
    memcpy(key + 9, pk, AVOW_PUBKEY_BYTES);
}

int
checkpoints_put(store_w *w, uint64_t size, const unsigned char pk[AVOW_PUBKEY_BYTES],
                const void *text, size_t len)
{
    unsigned char key[CHECKPOINTS_KEY_BYTES];
    checkpoints_key(key, size, pk);
    return store_w_put(w, STORE_DB_CHECKPOINTS, key, sizeof(key), text, len, 0);
}

int
checkpoints_latest(store_val *text, unsigned char pk[AVOW_PUBKEY_BYTES], const avow_ledger *ledger,
                   store_txn *txn)
{
    static const unsigned char after = 'd';
    store_cursor *cur = NULL;
    store_val k = { &after, 1 }, v = { NULL, 0 };
    int error = store_cursor_open(&cur, ledger, txn, STORE_DB_CHECKPOINTS);
    if (error < 0) {
        return error;
    }
    /* The last "c" key sorts just before the first key >= "d" (invariant 2). */
    error = store_cursor_get(cur, &k, &v, STORE_SEEK);
    error = store_cursor_get(cur, &k, &v, error == 0 ? STORE_PREV : STORE_LAST);
    if (error == 0 && k.len == CHECKPOINTS_KEY_BYTES && k.ptr[0] == 'c') {
        memcpy(pk, k.ptr + 9, AVOW_PUBKEY_BYTES);
        *text = v;
    } else {
        error = AVOW_ENOTFOUND;
    }
    store_cursor_close(cur);
    return error;
}

int
checkpoints_each(const avow_ledger *ledger, store_txn *txn, checkpoints_cb cb, void *payload)
{
    store_cursor *cur = NULL;
    store_val k = { NULL, 0 }, v = { NULL, 0 };
    int error = store_cursor_open(&cur, ledger, txn, STORE_DB_CHECKPOINTS);
    if (error < 0) {
        return error;
    }
    for (enum store_op op = STORE_FIRST; (error = store_cursor_get(cur, &k, &v, op)) == 0;
         op = STORE_NEXT) {
        if (k.len == CHECKPOINTS_KEY_BYTES && k.ptr[0] == 'c' &&
            (error = cb(be64_get(k.ptr + 1), k.ptr + 9, &v, payload)) < 0) {
            break;
        }
    }
    store_cursor_close(cur);
    return error == AVOW_ENOTFOUND ? 0 : error;
}

/* ---- witness state --------------------------------------------------------- */

/* The key "w" || origin; 0 when the origin cannot be a key name. */
static size_t
checkpoints_witness_key(unsigned char key[1 + AVOW_ORIGIN_MAX], const char *origin, size_t len)
{
    if (len > AVOW_ORIGIN_MAX) {
        return 0;
    }
    key[0] = 'w';
    memcpy(key + 1, origin, len);
    return 1 + len;
}

int
checkpoints_witness_get(checkpoints_witness *out, const avow_ledger *ledger, store_txn *txn,
                        const char *origin, size_t origin_len)
{
    unsigned char key[1 + AVOW_ORIGIN_MAX];
    size_t klen = checkpoints_witness_key(key, origin, origin_len);
    store_val v = { NULL, 0 };
    int error;
    if (klen == 0) {
        return error_set(AVOW_EINVALID, "origin of %zu bytes", origin_len);
    }
    if ((error = store_val_get(&v, ledger, txn, STORE_DB_CHECKPOINTS, key, klen)) < 0) {
        return error;
    }
    if (v.len != CHECKPOINTS_WITNESS_BYTES) {
        return error_set(AVOW_EIO, "witness state of %.*s is malformed (run avow verify)",
                         (int)origin_len, origin);
    }
    memcpy(out->log_pk, v.ptr, AVOW_PUBKEY_BYTES);
    out->size = be64_get(v.ptr + AVOW_PUBKEY_BYTES);
    memcpy(out->root, v.ptr + AVOW_PUBKEY_BYTES + 8, AVOW_HASH_BYTES);
    return 0;
}

int
checkpoints_witness_put(store_w *w, const char *origin, size_t origin_len,
                        const checkpoints_witness *state)
{
    unsigned char key[1 + AVOW_ORIGIN_MAX], v[CHECKPOINTS_WITNESS_BYTES];
    size_t klen = checkpoints_witness_key(key, origin, origin_len);
    if (klen == 0) {
        return error_set(AVOW_EINVALID, "origin of %zu bytes", origin_len);
    }
    memcpy(v, state->log_pk, AVOW_PUBKEY_BYTES);
    be64_put(v + AVOW_PUBKEY_BYTES, state->size);
    memcpy(v + AVOW_PUBKEY_BYTES + 8, state->root, AVOW_HASH_BYTES);
    return store_w_put(w, STORE_DB_CHECKPOINTS, key, klen, v, sizeof(v), 0);
}

/* ---- verification ------------------------------------------------------------ */

struct checkpoints_stored {
    uint64_t size;
    unsigned char root[AVOW_HASH_BYTES];
};

struct checkpoints_check {
    const avow_ledger *ledger;
    struct verify_state *s;
    note *n; /* scratch for parsing, while loading */
    struct checkpoints_stored *cps;
    size_t n_cps, cap_cps, next_cp;
};

/* The key "p" || origin; 0 when the origin cannot be a key name. */
static size_t
checkpoints_pulled_key(unsigned char *key, const char *origin, size_t origin_len)
{
    size_t n = checkpoints_witness_key(key, origin, origin_len);
    if (n > 0) {
        key[0] = 'p';
    }
    return n;
}

int
checkpoints_pulled_get(store_val *text, const avow_ledger *ledger, store_txn *txn,
                       const char *origin, size_t origin_len)
{
    unsigned char key[1 + AVOW_ORIGIN_MAX];
    size_t klen = checkpoints_pulled_key(key, origin, origin_len);
    if (klen == 0) {
        return error_set(AVOW_EINVALID, "origin of %zu bytes", origin_len);
    }
    return store_val_get(text, ledger, txn, STORE_DB_CHECKPOINTS, key, klen);
}

struct pulled_put {
    const unsigned char *key;
    size_t klen;
    const void *text;
    size_t len;
};

static int
checkpoints_pulled_txn(store_w *w, void *ctx)
{
    const struct pulled_put *p = ctx;
    return store_w_put(w, STORE_DB_CHECKPOINTS, p->key, p->klen, p->text, p->len, 0);
}

int
checkpoints_pulled_put(avow_ledger *ledger, const char *origin, size_t origin_len, const void *text,
                       size_t len)
{
    unsigned char key[1 + AVOW_ORIGIN_MAX];
    struct pulled_put p = { key, checkpoints_pulled_key(key, origin, origin_len), text, len };
    if (p.klen == 0) {
        return error_set(AVOW_EINVALID, "origin of %zu bytes", origin_len);
    }
    return store_write(ledger, checkpoints_pulled_txn, &p);
}

/* Check one stored entry; a good checkpoint is kept for the forward pass. */
static int
checkpoints_check_entry(checkpoints_check *c, const store_val *k, const store_val *val)
{
    const char *origin = avow_ledger_origin(c->ledger);
    note_checkpoint b;
    if (k->len > 1 && k->ptr[0] == 'w') {
        if (val->len != CHECKPOINTS_WITNESS_BYTES) {
            verify_problem(c->s, UINT64_MAX, 0, NULL, "witness state of origin %.*s is malformed",
                           (int)(k->len - 1), (const char *)k->ptr + 1);
        }
        return 0;
    }
    if (k->len > 1 && k->ptr[0] == 'p') {
        if (note_parse(c->n, (const char *)val->ptr, val->len) < 0 ||
            note_checkpoint_parse(&b, c->n->text, c->n->text_len) < 0 ||
            b.origin_len != k->len - 1 || memcmp(b.origin, k->ptr + 1, b.origin_len) != 0) {
            verify_problem(c->s, UINT64_MAX, 0, NULL,
                           "checkpoint pulled from origin %.*s is malformed", (int)(k->len - 1),
                           (const char *)k->ptr + 1);
        }
        return 0;
    }
    if (k->len != CHECKPOINTS_KEY_BYTES || k->ptr[0] != 'c') {
        verify_problem(c->s, UINT64_MAX, 0, NULL, "checkpoints table has a malformed key");
        return 0;
    }
    uint64_t size = be64_get(k->ptr + 1);
    if (note_parse(c->n, (const char *)val->ptr, val->len) < 0 ||
        note_checkpoint_parse(&b, c->n->text, c->n->text_len) < 0 || b.size != size) {
        verify_problem(c->s, UINT64_MAX, 0, NULL,
                       "stored checkpoint of size %" PRIu64 " is malformed", size);
        return 0;
    }
    if (b.origin_len != strlen(origin) || memcmp(b.origin, origin, b.origin_len) != 0) {
        verify_problem(c->s, UINT64_MAX, 0, NULL,
                       "stored checkpoint of size %" PRIu64 " has another origin", size);
        return 0;
    }
    if (note_verify(c->n, b.origin, b.origin_len, k->ptr + 9) < 0) {
        verify_problem(c->s, UINT64_MAX, 0, NULL,
                       "stored checkpoint of size %" PRIu64 " has a bad signature", size);
        return 0;
    }
    int error;
    if ((error = grow_array(&c->cps, &c->cap_cps, c->n_cps + 1, sizeof(*c->cps), 16)) < 0) {
        return error;
    }
    c->cps[c->n_cps].size = size;
    memcpy(c->cps[c->n_cps].root, b.root, AVOW_HASH_BYTES);
    c->n_cps++;
    return 0;
}

/* Load and check the stored checkpoints and witness states (sorted by size). */
static int
checkpoints_check_load(checkpoints_check *c, store_txn *txn)
{
    store_cursor *cur = NULL;
    store_val k = { NULL, 0 }, val = { NULL, 0 };
    int error;

    if ((c->n = malloc(sizeof(*c->n))) == NULL) {
        return error_set(AVOW_ENOMEM, "out of memory verifying checkpoints");
    }
    if ((error = store_cursor_open(&cur, c->ledger, txn, STORE_DB_CHECKPOINTS)) < 0) {
        goto done;
    }
    for (enum store_op op = STORE_FIRST; (error = store_cursor_get(cur, &k, &val, op)) == 0;
         op = STORE_NEXT) {
        if ((error = checkpoints_check_entry(c, &k, &val)) < 0) {
            break;
        }
    }
    if (error == AVOW_ENOTFOUND) {
        error = 0;
    }
done:
    store_cursor_close(cur);
    free(c->n);
    c->n = NULL;
    return error;
}

int
checkpoints_check_begin(checkpoints_check **out, const avow_ledger *ledger, store_txn *txn,
                        struct verify_state *s)
{
    checkpoints_check *c;
    int error;

    *out = NULL;
    if ((c = calloc(1, sizeof(*c))) == NULL) {
        return error_set(AVOW_ENOMEM, "out of memory verifying checkpoints");
    }
    c->ledger = ledger;
    c->s = s;
    if ((error = checkpoints_check_load(c, txn)) < 0) {
        free(c->cps);
        free(c);
        return error;
    }
    *out = c;
    return 0;
}

uint64_t
checkpoints_check_next(const checkpoints_check *c)
{
    return c->next_cp < c->n_cps ? c->cps[c->next_cp].size : UINT64_MAX;
}

void
checkpoints_check_root(checkpoints_check *c, uint64_t size,
                       const unsigned char root[AVOW_HASH_BYTES])
{
    while (c->next_cp < c->n_cps && c->cps[c->next_cp].size == size) {
        if (sodium_memcmp(root, c->cps[c->next_cp].root, AVOW_HASH_BYTES) != 0) {
            verify_problem(c->s, UINT64_MAX, 0, NULL,
                           "stored checkpoint of size %" PRIu64
                           " does not match the events: its root is not the root of the first "
                           "%" PRIu64 " events",
                           size, size);
        }
        c->next_cp++;
    }
}

void
checkpoints_check_end(checkpoints_check *c, uint64_t leaves, int check)
{
    if (c == NULL) {
        return;
    }
    for (; check && c->next_cp < c->n_cps; c->next_cp++) {
        verify_problem(c->s, UINT64_MAX, 0, NULL,
                       "stored checkpoint of size %" PRIu64 " is beyond the log (%" PRIu64
                       " events): events were removed",
                       c->cps[c->next_cp].size, leaves);
    }
    free(c->cps);
    free(c);
}
