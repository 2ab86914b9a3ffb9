/* SPDX-License-Identifier: ISC */
/*
 * checkpoint.c - signed checkpoints of the ledger's Merkle tree (C2SP
 * tlog-checkpoint notes): signing one and storing it (table "checkpoints",
 * src/derived/checkpoints.c), opening and verifying a checkpoint someone
 * kept, with a diagnosis of which line was altered, the latest stored one,
 * and the signature lines of any note (docs/AUDIT.md, docs/FORMAT.md
 * "Checkpoints and signed notes"). Evidence files, attestations and the
 * witness build on the helpers declared in audit/checkpoint.h.
 *
 * Invariants:
 *  1. A checkpoint is signed over the root of the whole log read in the same
 *     write transaction that stores it, so a stored checkpoint's root is the
 *     tree's root at its size when it commits.
 *  2. Every check of outside input (a checkpoint file, a note) fails closed
 *     with AVOW_EVERIFY or AVOW_EFORMAT; a diagnosis only refines the message.
 */
#include <inttypes.h>
#include <stdlib.h>

#include <sodium.h>

#include "audit/checkpoint.h"
#include "audit/proof.h"
#include "derived/checkpoints.h"
#include "derived/tree.h"

static int
checkpoint_owner(unsigned char pk[AVOW_PUBKEY_BYTES], const avow_ledger *ledger, store_txn *txn)
{
    store_val v = { NULL, 0 };
    int error = store_val_get(&v, ledger, txn, STORE_DB_META, "owner", 5);
    if (error == AVOW_ENOTFOUND) {
        return error_set(AVOW_ENOTFOUND,
                         "the ledger has no owner key yet (no event appended): give the "
                         "trusted public key");
    }
    if (error < 0) {
        return error;
    }
    if (v.len != AVOW_PUBKEY_BYTES) {
        return error_set(AVOW_EIO, "the ledger's owner key is malformed (run avow verify)");
    }
    memcpy(pk, v.ptr, AVOW_PUBKEY_BYTES);
    return 0;
}

static void
checkpoint_b64_root(
  char out[sodium_base64_ENCODED_LEN(AVOW_HASH_BYTES, sodium_base64_VARIANT_ORIGINAL)],
  const unsigned char root[AVOW_HASH_BYTES])
{
    sodium_bin2base64(out,
                      sodium_base64_ENCODED_LEN(AVOW_HASH_BYTES, sodium_base64_VARIANT_ORIGINAL),
                      root, AVOW_HASH_BYTES, sodium_base64_VARIANT_ORIGINAL);
}

void
checkpoint_fill(avow_checkpoint *out, const note_checkpoint *b)
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
int
checkpoint_parse(note *n, note_checkpoint *b, const char *text, size_t len, const char *what)
{
    int error;
    if (text == NULL) {
        return error_set(AVOW_EINVALID, "no %s", what);
    }
    if ((error = note_parse(n, text, len)) < 0) {
        return error_set(AVOW_EFORMAT, "%s is malformed: %s", what, avow_error_last());
    }
    if ((error = note_checkpoint_parse(b, n->text, n->text_len)) < 0) {
        return error_set(AVOW_EFORMAT, "%s: %s", what, avow_error_last());
    }
    return 0;
}

/* Signature of the checkpoint by pk under the origin's name. */
int
checkpoint_signed_by(const note *n, const note_checkpoint *b, const unsigned char *pk,
                     const char *what)
{
    char hex[AVOW_HEX_ID_LEN + 1];
    int error = note_verify(n, b->origin, b->origin_len, pk);
    if (error == 0) {
        return 0;
    }
    avow_hex(hex, pk, AVOW_PUBKEY_BYTES);
    if (error == AVOW_ENOTFOUND) {
        return error_set(AVOW_EVERIFY,
                         "%s: signature line: no signature by the trusted key %s under the "
                         "name %.*s",
                         what, hex, (int)b->origin_len, b->origin);
    }
    if (error == AVOW_EVERIFY) {
        return error_set(AVOW_EVERIFY, "%s: signature line: %s (trusted key %s)", what,
                         avow_error_last(), hex);
    }
    return error;
}

int
avow_ledger_owner(unsigned char pk[AVOW_PUBKEY_BYTES], avow_ledger *ledger)
{
    store_txn *txn = NULL;
    int error;
    if (ledger == NULL || pk == NULL) {
        return error_set(AVOW_EINVALID, "avow_ledger_owner: missing argument");
    }
    if ((error = store_txn_read(&txn, ledger)) < 0) {
        return error;
    }
    error = checkpoint_owner(pk, ledger, txn);
    store_txn_end(txn);
    return error;
}

/* A checkpoint to sign in a write transaction (store_write()). */
struct checkpoint_create {
    avow_buf *out;
    size_t start;
    const avow_key *key;
    const char *ext; /* extension lines (attestations), or NULL */
    size_t ext_len;
    avow_checkpoint cp;
};

/* Sign the checkpoint of the whole log, with c->ext as extension lines;
 * without extension lines it is stored in table "checkpoints" too (invariant 1). */
static int
checkpoint_create_txn(store_w *w, void *vctx)
{
    struct checkpoint_create *c = vctx;
    store_txn *txn = store_w_view(w);
    const avow_ledger *ledger = store_w_ledger(w);
    const char *origin = avow_ledger_origin(ledger);
    size_t origin_len = strlen(origin);
    avow_buf text = AVOW_BUF_INIT;
    uint64_t count = 0;
    int error;

    c->out->len = c->start; /* a retried transaction starts over */
    if (!note_name_valid(origin, origin_len)) {
        error = error_set(AVOW_EINVALID,
                          "the origin '%s' cannot be a signed-note key name (it holds a "
                          "space or '+')",
                          origin);
        goto done;
    }
    if ((error = proof_count(&count, ledger, txn)) < 0 ||
        (error = tree_root(c->cp.root, ledger, txn, count)) < 0) {
        goto done;
    }
    if ((error = note_checkpoint_text(&text, origin, origin_len, count, c->cp.root)) < 0 ||
        (c->ext_len > 0 && (error = buf_put(&text, c->ext, c->ext_len)) < 0) ||
        (error = note_sign(c->out, (const char *)text.ptr, text.len, origin, origin_len, c->key)) <
          0) {
        goto done;
    }
    if (c->ext_len == 0) {
        if ((error = checkpoints_put(w, count, avow_key_public(c->key), c->out->ptr + c->start,
                                     c->out->len - c->start)) < 0) {
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
checkpoint_sign(avow_buf *out, avow_checkpoint *cp, avow_ledger *ledger, const avow_key *key,
                const char *ext, size_t ext_len)
{
    struct checkpoint_create c;
    int error;
    memset(&c, 0, sizeof(c));
    c.out = out;
    c.start = out->len;
    c.key = key;
    c.ext = ext;
    c.ext_len = ext_len;
    if ((error = store_write(ledger, checkpoint_create_txn, &c)) < 0) {
        out->len = c.start;
        return error;
    }
    if (cp != NULL) {
        *cp = c.cp;
    }
    return 0;
}

int
avow_checkpoint_create(avow_buf *out, avow_checkpoint *cp, avow_ledger *ledger, const avow_key *key)
{
    if (out == NULL || ledger == NULL || key == NULL) {
        return error_set(AVOW_EINVALID, "avow_checkpoint_create: missing argument");
    }
    return checkpoint_sign(out, cp, ledger, key, NULL, 0);
}

int
avow_checkpoint_open(avow_checkpoint *out, const char *text, size_t len,
                     const unsigned char pk[AVOW_PUBKEY_BYTES])
{
    note *n = NULL;
    note_checkpoint b;
    int error;
    if (pk == NULL) {
        return error_set(AVOW_EINVALID, "avow_checkpoint_open: no trusted key");
    }
    if ((n = malloc(sizeof(*n))) == NULL) {
        return error_set(AVOW_ENOMEM, "out of memory");
    }
    if ((error = checkpoint_parse(n, &b, text, len, "checkpoint")) < 0 ||
        (error = checkpoint_signed_by(n, &b, pk, "checkpoint")) < 0) {
        goto done;
    }
    checkpoint_fill(out, &b);
done:
    free(n);
    return error;
}

/* What checkpoint_diagnose() found among the stored checkpoints. */
struct checkpoint_diagnosis {
    const note_checkpoint *b;
    const unsigned char *pk;
    note *n;
    char b64[sodium_base64_ENCODED_LEN(AVOW_HASH_BYTES, sodium_base64_VARIANT_ORIGINAL)];
    int same_size, same_root, same_both;
    uint64_t root_size;
};

static int
checkpoint_diagnose_one(uint64_t size, const unsigned char *pk, const store_val *note_val,
                        void *payload)
{
    struct checkpoint_diagnosis *d = payload;
    note_checkpoint sb;
    (void)size;
    if (memcmp(pk, d->pk, AVOW_PUBKEY_BYTES) != 0 ||
        checkpoint_parse(d->n, &sb, (const char *)note_val->ptr, note_val->len,
                         "stored checkpoint") < 0) {
        return 0;
    }
    int root_eq = memcmp(sb.root, d->b->root, AVOW_HASH_BYTES) == 0;
    if (sb.size == d->b->size && root_eq) {
        d->same_both = 1;
    } else if (sb.size == d->b->size) {
        d->same_size = 1;
        checkpoint_b64_root(d->b64, sb.root);
    } else if (root_eq && !d->same_root) {
        d->same_root = 1;
        d->root_size = sb.size;
    }
    return 0;
}

/*
 * Why a checkpoint's signature fails: compare it with what this ledger signed
 * with the same key. A stored checkpoint of the same size with another root
 * means the root line changed; the same root stored at another size means the
 * size line changed (both can hold). 1 when a diagnosis is in the error detail.
 */
static int
checkpoint_diagnose(store_txn *txn, const avow_ledger *ledger, const note_checkpoint *b,
                    const unsigned char *pk)
{
    struct checkpoint_diagnosis d;

    memset(&d, 0, sizeof(d));
    d.b = b;
    d.pk = pk;
    if ((d.n = malloc(sizeof(*d.n))) == NULL) {
        return 0;
    }
    /* A store error only leaves the diagnosis out. */
    (void)checkpoints_each(ledger, txn, checkpoint_diagnose_one, &d);
    free(d.n);
    if (d.same_both) {
        error_set(AVOW_EVERIFY, "signature line was altered: this ledger signed the same "
                                "origin, size and root with another signature");
    } else if (d.same_size && d.same_root) {
        error_set(AVOW_EVERIFY,
                  "size or root line was altered: this ledger signed size %" PRIu64
                  " with root %s, and this root at size %" PRIu64,
                  b->size, d.b64, d.root_size);
    } else if (d.same_size) {
        error_set(AVOW_EVERIFY,
                  "root line was altered: the checkpoint of size %" PRIu64
                  " this ledger signed has root %s",
                  b->size, d.b64);
    } else if (d.same_root) {
        error_set(AVOW_EVERIFY,
                  "size line was altered: this ledger signed that root at size %" PRIu64
                  ", not %" PRIu64,
                  d.root_size, b->size);
    }
    return d.same_both || d.same_size || d.same_root;
}

/* The checks of avow_checkpoint_verify() on a parsed note. */
int
checkpoint_verify_parsed(avow_ledger *ledger, const note *n, const note_checkpoint *b,
                         const unsigned char *pk_in, const char *what)
{
    const char *origin = avow_ledger_origin(ledger);
    unsigned char pk[AVOW_PUBKEY_BYTES], root[AVOW_HASH_BYTES];
    char b64[sodium_base64_ENCODED_LEN(AVOW_HASH_BYTES, sodium_base64_VARIANT_ORIGINAL)];
    store_txn *txn = NULL;
    uint64_t count = 0;
    int error;

    if (b->origin_len != strlen(origin) || memcmp(b->origin, origin, b->origin_len) != 0) {
        return error_set(AVOW_EVERIFY, "%s: origin line '%.*s' is not this ledger's origin '%s'",
                         what, (int)b->origin_len, b->origin, origin);
    }
    if ((error = store_txn_read(&txn, ledger)) < 0) {
        return error;
    }
    if (pk_in != NULL) {
        memcpy(pk, pk_in, AVOW_PUBKEY_BYTES);
    } else if ((error = checkpoint_owner(pk, ledger, txn)) < 0) {
        goto done;
    }
    if ((error = checkpoint_signed_by(n, b, pk, what)) < 0) {
        if (error == AVOW_EVERIFY && checkpoint_diagnose(txn, ledger, b, pk)) {
            error = error_set(AVOW_EVERIFY, "%s: %s", what, avow_error_last());
        }
        goto done;
    }
    if ((error = proof_count(&count, ledger, txn)) < 0) {
        goto done;
    }
    if (b->size > count) {
        error = error_set(AVOW_EVERIFY,
                          "%s: size line says %" PRIu64 " events but this ledger has %" PRIu64
                          " (events were removed, or the checkpoint is from another copy)",
                          what, b->size, count);
        goto done;
    }
    if ((error = proof_root_at(root, &count, ledger, txn, b->size)) < 0) {
        goto done;
    }
    if (sodium_memcmp(root, b->root, AVOW_HASH_BYTES) != 0) {
        checkpoint_b64_root(b64, root);
        error = error_set(AVOW_EVERIFY,
                          "%s: root line does not match this ledger's root at size %" PRIu64
                          " (%s): its history was rewritten",
                          what, b->size, b64);
        goto done;
    }
done:
    store_txn_end(txn);
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
        return error_set(AVOW_EINVALID, "avow_checkpoint_verify: no ledger");
    }
    if ((n = malloc(sizeof(*n))) == NULL) {
        return error_set(AVOW_ENOMEM, "out of memory");
    }
    if ((error = checkpoint_parse(n, &b, text, len, "checkpoint")) < 0 ||
        (error = checkpoint_verify_parsed(ledger, n, &b, pk, "checkpoint")) < 0) {
        goto done;
    }
    checkpoint_fill(out, &b);
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
        return error_set(AVOW_EINVALID, "avow_note_signatures: missing argument");
    }
    if ((n = malloc(sizeof(*n))) == NULL) {
        return error_set(AVOW_ENOMEM, "out of memory");
    }
    if ((error = note_parse(n, text, len)) < 0) {
        goto done;
    }
    for (size_t i = 0; i < n->n_sigs; i++) {
        const note_sig *s = &n->sigs[i];
        avow_note_sig info;
        note_sig_bytes d;
        memset(&info, 0, sizeof(info));
        info.name = s->name;
        info.name_len = s->name_len;
        if (note_sig_decode(&d, s) == 0) {
            info.key_id = d.key_id;
        }
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
        if ((error = cb(&info, payload)) < 0) {
            goto done;
        }
    }
done:
    free(n);
    return error;
}

struct checkpoint_quorum {
    const avow_witness *w;
    unsigned char *seen;
    size_t count;
};

static int
checkpoint_quorum_sig(const avow_note_sig *sig, void *payload)
{
    struct checkpoint_quorum *q = payload;
    if (sig->type != AVOW_SIG_COSIG || !sig->verified || q->seen[sig->key_index]) {
        return 0;
    }
    const char *name = q->w[sig->key_index].name;
    if (name != NULL &&
        (strlen(name) != sig->name_len || memcmp(name, sig->name, sig->name_len) != 0)) {
        return 0; /* the name is bound to the key: a renamed line is no one's */
    }
    q->seen[sig->key_index] = 1;
    q->count++;
    return 0;
}

int
avow_note_witnessed(size_t *count, const char *text, size_t len, const avow_witness *witnesses,
                    size_t n)
{
    if (count == NULL || text == NULL || (witnesses == NULL && n > 0) ||
        n > SIZE_MAX / AVOW_PUBKEY_BYTES) {
        return error_set(AVOW_EINVALID, "avow_note_witnessed: bad argument");
    }
    *count = 0;
    for (size_t i = 0; i < n; i++) {
        for (size_t j = 0; j < i; j++) {
            if (sodium_memcmp(witnesses[i].pk, witnesses[j].pk, AVOW_PUBKEY_BYTES) == 0) {
                return error_set(AVOW_EINVALID, "witness key listed twice: one key is one "
                                                "witness");
            }
        }
    }
    unsigned char *keys = malloc(n > 0 ? n * AVOW_PUBKEY_BYTES : 1);
    unsigned char *seen = calloc(n > 0 ? n : 1, 1);
    int error = 0;
    if (keys == NULL || seen == NULL) {
        error = error_set(AVOW_ENOMEM, "out of memory");
        goto done;
    }
    for (size_t i = 0; i < n; i++) {
        memcpy(keys + i * AVOW_PUBKEY_BYTES, witnesses[i].pk, AVOW_PUBKEY_BYTES);
    }
    struct checkpoint_quorum q = { witnesses, seen, 0 };
    if ((error = avow_note_signatures(text, len, keys, n, checkpoint_quorum_sig, &q)) == 0) {
        *count = q.count;
    }
done:
    free(keys);
    free(seen);
    return error;
}

/* The latest stored checkpoint (largest size), copied to out with its signer. */
int
checkpoint_latest_stored(avow_buf *out, unsigned char pk[AVOW_PUBKEY_BYTES], avow_ledger *ledger)
{
    store_txn *txn = NULL;
    store_val note_val = { NULL, 0 };
    int error;

    if ((error = store_txn_read(&txn, ledger)) < 0) {
        return error;
    }
    error = checkpoints_latest(&note_val, pk, ledger, txn);
    if (error == 0) {
        error = buf_put(out, note_val.ptr, note_val.len);
    } else if (error == AVOW_ENOTFOUND) {
        error = error_set(AVOW_ENOTFOUND, "this ledger has signed no checkpoint (run avow "
                                          "checkpoint, or give a key)");
    }
    store_txn_end(txn);
    return error;
}

int
avow_checkpoint_latest(avow_buf *note_out, avow_checkpoint *cp, unsigned char pk[AVOW_PUBKEY_BYTES],
                       avow_ledger *ledger)
{
    int error;
    unsigned char signer[AVOW_PUBKEY_BYTES];
    size_t start = note_out->len;
    if ((error = checkpoint_latest_stored(note_out, signer, ledger)) < 0) {
        return error;
    }
    /* Stored by this ledger after signing, but read back like any note. */
    if ((error = avow_checkpoint_open(cp, (const char *)note_out->ptr + start,
                                      note_out->len - start, signer)) < 0) {
        note_out->len = start;
        return error_set(AVOW_EVERIFY, "the latest stored checkpoint does not verify: %s",
                         avow_error_last());
    }
    if (pk != NULL) {
        memcpy(pk, signer, AVOW_PUBKEY_BYTES);
    }
    return 0;
}
