/* SPDX-License-Identifier: ISC */
/*
 * checkpoint.h - signed checkpoints (src/audit/checkpoint.c): the helpers
 * that evidence files, attestations and the witness share.
 */
#ifndef AVOW_CHECKPOINT_H
#define AVOW_CHECKPOINT_H

#include "ledger/store.h"
#include "tlog/note.h"
#include "util/common.h"

/* Copy the parsed body into out (NULL-safe). */
void checkpoint_fill(avow_checkpoint *out, const note_checkpoint *b);
/* Parse a whole checkpoint note; `what` names it in errors. n is large:
 * callers allocate it. @return 0, AVOW_EINVALID (no text) or AVOW_EFORMAT */
int checkpoint_parse(note *n, note_checkpoint *b, const char *text, size_t len, const char *what);
/* The signature of the checkpoint by pk under the origin's name.
 * @return 0 or AVOW_EVERIFY naming the trusted key */
int checkpoint_signed_by(const note *n, const note_checkpoint *b, const unsigned char *pk,
                         const char *what);
/* The checks of avow_checkpoint_verify() on a parsed note: origin, signature
 * by pk (NULL: the owner), size within the log, root equal to the ledger's. */
int checkpoint_verify_parsed(avow_ledger *ledger, const note *n, const note_checkpoint *b,
                             const unsigned char *pk_in, const char *what);
/* The latest stored checkpoint (largest size), appended to out, with its signer. */
int checkpoint_latest_stored(avow_ledger *ledger, avow_buf *out,
                             unsigned char pk[AVOW_PUBKEY_BYTES]);

/* A checkpoint to sign in a write transaction (store_write(), checkpoint_create_txn). */
struct checkpoint_create {
    avow_buf *out;
    size_t start;
    const avow_key *key;
    const char *ext; /* extension lines (attestations), or NULL */
    size_t ext_len;
    avow_checkpoint cp;
};
/* Sign the checkpoint of the whole log, with c->ext as extension lines;
 * without extension lines it is stored in table "checkpoints" too. */
int checkpoint_create_txn(store_w *w, void *vctx);

#endif /* AVOW_CHECKPOINT_H */
