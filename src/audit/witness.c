/* SPDX-License-Identifier: ISC */
/*
 * witness.c - witness cosignatures (C2SP tlog-cosignature/v1): this ledger
 * cosigns another log's checkpoint only when it extends the last checkpoint
 * of that origin it cosigned, as a consistency proof shows (docs/AUDIT.md).
 *
 * Invariants:
 *  1. The witness state of an origin (table "checkpoints", key "w" || origin)
 *     only moves forward, to a larger tree proven consistent with it, in the
 *     same write transaction as the cosignature is made.
 *  2. Every check of outside input (the checkpoint, the proof) fails closed
 *     with AVOW_EVERIFY or AVOW_EFORMAT: a rollback, a fork at the same size
 *     or an inconsistent larger tree is refused, and so is a checkpoint of
 *     size 0 whose root is not the empty tree's (C2SP tlog-witness), before
 *     it could become the state.
 */
#include <inttypes.h>
#include <stdlib.h>

#include <sodium.h>

#include "audit/checkpoint.h"
#include "derived/checkpoints.h"
#include "tlog/merkle.h"
#include "tlog/note.h"

_Static_assert(AVOW_ORIGIN_MAX == NOTE_MAX_NAME, "an origin fits a key name");

struct witness_cosign {
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

/* Whether the checkpoint extends the one this witness cosigned last (invariant 1). */
static int
witness_extends(const struct witness_cosign *c, const checkpoints_witness *old)
{
    const note_checkpoint *b = &c->b;
    uint64_t old_size = old->size;
    const unsigned char *old_root = old->root;
    if (b->size < old_size) {
        return error_set(AVOW_EVERIFY,
                         "checkpoint of size %" PRIu64
                         " is older than the checkpoint of size %" PRIu64
                         " this witness cosigned: refused (rollback)",
                         b->size, old_size);
    }
    if (b->size == old_size) {
        if (sodium_memcmp(b->root, old_root, AVOW_HASH_BYTES) != 0) {
            return error_set(AVOW_EVERIFY,
                             "checkpoint of size %" PRIu64
                             " has another root than the one this witness cosigned at "
                             "that size: the log forked its history, refused",
                             b->size);
        }
    } else if (c->proof == NULL) {
        return error_set(AVOW_EINVALID,
                         "a consistency proof from size %" PRIu64 " to %" PRIu64
                         " is needed (avow prove --consistency %" PRIu64 " %" PRIu64
                         " --json on the log)",
                         old_size, b->size, old_size, b->size);
    } else if (c->proof->old_size != old_size || c->proof->new_size != b->size ||
               sodium_memcmp(c->proof->new_root, b->root, AVOW_HASH_BYTES) != 0) {
        return error_set(AVOW_EVERIFY,
                         "the proof is not from size %" PRIu64 " to this checkpoint "
                         "(size %" PRIu64 ")",
                         old_size, b->size);
    } else if (sodium_memcmp(c->proof->old_root, old_root, AVOW_HASH_BYTES) != 0 ||
               avow_consistency_verify(c->proof) < 0) {
        return error_set(AVOW_EVERIFY,
                         "checkpoint of size %" PRIu64
                         " is not consistent with the checkpoint of size %" PRIu64
                         " this witness cosigned: the log rewrote its history, refused",
                         b->size, old_size);
    }
    return 0;
}

static int
witness_txn(store_w *w, void *vctx)
{
    struct witness_cosign *c = vctx;
    const avow_ledger *ledger = store_w_ledger(w);
    const char *name = avow_ledger_origin(ledger);
    const note_checkpoint *b = &c->b;
    checkpoints_witness state;
    unsigned char pk[AVOW_PUBKEY_BYTES];
    int have = 0, error;

    c->out->len = c->start;
    error = checkpoints_witness_get(&state, ledger, store_w_view(w), b->origin, b->origin_len);
    if (error == 0) {
        have = 1;
    } else if (error != AVOW_ENOTFOUND) {
        return error;
    }
    if (c->log_pk != NULL) {
        if (have && sodium_memcmp(state.log_pk, c->log_pk, AVOW_PUBKEY_BYTES) != 0) {
            return error_set(AVOW_EVERIFY, "this witness knows origin %.*s under another log key",
                             (int)b->origin_len, b->origin);
        }
        memcpy(pk, c->log_pk, AVOW_PUBKEY_BYTES);
    } else if (have) {
        memcpy(pk, state.log_pk, AVOW_PUBKEY_BYTES);
    } else {
        return error_set(AVOW_EINVALID,
                         "this witness has no key for origin %.*s: give the log's public key",
                         (int)b->origin_len, b->origin);
    }
    if ((error = checkpoint_signed_by(c->n, b, pk, "checkpoint")) < 0) {
        return error;
    }
    /* C2SP tlog-witness: a size-0 checkpoint MUST carry the empty tree's root;
     * refused before the state is read against it, so it cannot poison it. */
    unsigned char empty[AVOW_HASH_BYTES];
    merkle_empty_root(empty);
    if (b->size == 0 && sodium_memcmp(b->root, empty, AVOW_HASH_BYTES) != 0) {
        return error_set(AVOW_EVERIFY, "checkpoint of size 0 whose root is not the empty "
                                       "tree's: refused");
    }
    if (have && (error = witness_extends(c, &state)) < 0) {
        return error;
    }
    memcpy(state.log_pk, pk, AVOW_PUBKEY_BYTES);
    state.size = b->size;
    memcpy(state.root, b->root, AVOW_HASH_BYTES);
    if ((error = checkpoints_witness_put(w, b->origin, b->origin_len, &state)) < 0 ||
        (error = buf_put(c->out, c->text, c->len)) < 0 ||
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
    struct witness_cosign c;
    const char *name;
    int error;

    if (out == NULL || witness == NULL || key == NULL || text == NULL) {
        return error_set(AVOW_EINVALID, "avow_witness_cosign: missing argument");
    }
    name = avow_ledger_origin(witness);
    if (!note_name_valid(name, strlen(name))) {
        return error_set(AVOW_EINVALID, "the witness ledger's origin '%s' cannot be a key name",
                         name);
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
        return error_set(AVOW_ENOMEM, "out of memory");
    }
    if ((error = checkpoint_parse(c.n, &c.b, text, len, "checkpoint")) < 0) {
        goto done;
    }
    if (c.b.ext_len > 0) {
        error = error_set(AVOW_EFORMAT, "checkpoint: extension lines are not cosigned");
        goto done;
    }
    if ((error = store_write(witness, witness_txn, &c)) < 0) {
        out->len = c.start;
    }
done:
    free(c.n);
    return error;
}
