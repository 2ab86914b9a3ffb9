/* SPDX-License-Identifier: ISC */
/*
 * checkpoint.h - signed checkpoints (src/audit/checkpoint.c): the helpers
 * that evidence files, attestations and the witness share.
 */
#ifndef AVOW_CHECKPOINT_H
#define AVOW_CHECKPOINT_H

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
int checkpoint_latest_stored(avow_buf *out, unsigned char pk[AVOW_PUBKEY_BYTES],
                             avow_ledger *ledger);

/* Sign the checkpoint of the whole log with ext (ext_len bytes of extension
 * lines, attestations) appended to its body, and append the note to out; a
 * plain checkpoint (ext_len 0) is stored in table "checkpoints" in the same
 * transaction. cp (may be NULL) receives its body. On error out is as it was. */
int checkpoint_sign(avow_buf *out, avow_checkpoint *cp, avow_ledger *ledger, const avow_key *key,
                    const char *ext, size_t ext_len);

#endif /* AVOW_CHECKPOINT_H */
