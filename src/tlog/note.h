/* SPDX-License-Identifier: ISC */
/*
 * note.h - C2SP signed notes (c2sp.org/signed-note), the checkpoint body of
 * C2SP tlog-checkpoint and the Ed25519 cosignatures of C2SP tlog-cosignature.
 * Internal to the library; docs/FORMAT.md ("Checkpoints and signed notes")
 * specifies the bytes.
 */
#ifndef AVOW_NOTE_H
#define AVOW_NOTE_H

#include <stddef.h>
#include <stdint.h>

#include "util/common.h"

/* Largest note accepted or produced: the spec asks for at least 16
 * signatures, and a post-quantum one is near 5 kB (6.7 kB of base64). */
#define NOTE_MAX_BYTES AVOW_NOTE_MAX_BYTES
/* Longest base64 signature decoded in full; a longer line under a known
 * name and key ID does not verify (none of avow's types is that long). */
#define NOTE_MAX_SIG_B64 8192
/* Bytes of a signature kept after parsing (a timestamped cosignature is 72). */
#define NOTE_SIG_KEEP 72

/* Signature type bytes of the key ID (signed-note "Signature types"). */
#define NOTE_ALG_ED25519 0x01
#define NOTE_ALG_COSIG   0x04

#define NOTE_ED25519_SIG_BYTES 64
#define NOTE_COSIG_BYTES       (8 + 64)

/* One signature line, split but not decoded (unknown keys' lines are never
 * decoded: signed-note says to ignore them); both parts borrow from the text. */
typedef struct note_sig {
    const char *name; /* up to the first space after the em dash */
    size_t name_len;
    const char *b64; /* the rest of the line */
    size_t b64_len;
} note_sig;

/* A signature line decoded (note_sig_decode()). */
typedef struct note_sig_bytes {
    uint32_t key_id;
    size_t sig_len;                   /* decoded length after the key ID; SIZE_MAX: too long */
    unsigned char sig[NOTE_SIG_KEEP]; /* the bytes, when sig_len <= NOTE_SIG_KEEP */
} note_sig_bytes;

/*
 * Decode a line's base64 strictly: key ID, then the signature. A line longer
 * than NOTE_MAX_SIG_B64 yields only its key ID (sig_len SIZE_MAX).
 * @return 0, or -1 when it is not canonical base64 of at least 5 bytes
 */
int note_sig_decode(note_sig_bytes *out, const note_sig *sig);

/* A parsed note. text borrows from the input: the signed text, final newline
 * included, separating blank line excluded. */
typedef struct note {
    const char *text;
    size_t text_len;
    size_t n_sigs;
    note_sig sigs[NOTE_MAX_SIGS];
} note;

/*
 * Parse a signed note: at most NOTE_MAX_BYTES, valid UTF-8 without control
 * characters but newline, text and signatures split at the last blank line,
 * one to NOTE_MAX_SIGS lines "— NAME REST" (NAME and REST non-empty, split
 * at the first space). Lines are not decoded: whoever trusts a key decodes
 * the lines with its name (note_sig_decode()). Safe on arbitrary bytes.
 * Checks no signature. @return 0 or AVOW_EFORMAT (detail names the rule)
 */
int note_parse(note *out, const char *msg, size_t len);

/*
 * Decode base64 (RFC 4648, original alphabet, padded) strictly: every
 * character in the alphabet, canonical, the whole of b64 used, at most maxlen
 * bytes out. libsodium 1.0.18's decoder alone takes some bytes >= 0x80 for
 * digits (its char is signed), so the alphabet is checked first.
 * @return 0 or -1 (no error is recorded: callers say what was malformed)
 */
int note_base64_decode(unsigned char *bin, size_t maxlen, size_t *bin_len, const char *b64,
                       size_t len);

/* Whether name is a valid key name: 1 to NOTE_MAX_NAME bytes of UTF-8, no
 * Unicode space, no '+', no control character. */
int note_name_valid(const char *name, size_t len);

/* Key ID: the first four bytes (big-endian) of
 * SHA-256(name || 0x0A || alg || pk). */
uint32_t note_key_id(const char *name, size_t name_len, unsigned char alg,
                     const unsigned char pk[AVOW_PUBKEY_BYTES]);

/*
 * Append a signature line "— NAME BASE64(key ID || sig)\n" to out.
 * @return 0, AVOW_EINVALID (bad name), AVOW_ENOMEM
 */
int note_put_sig_line(avow_buf *out, const char *name, size_t name_len, uint32_t key_id,
                      const unsigned char *sig, size_t sig_len);

/*
 * Sign text (which must end in a newline and pass the note rules) with key
 * under name (type 0x01) and append the whole note to out: text, blank line,
 * signature line. @return 0, AVOW_EINVALID, AVOW_ENOMEM
 */
int note_sign(avow_buf *out, const char *text, size_t text_len, const char *name, size_t name_len,
              const avow_key *key);

/*
 * Append a tlog-cosignature/v1 signature line (type 0x04) for text, with the
 * POSIX timestamp ts, to out. @return 0, AVOW_EINVALID, AVOW_ENOMEM
 */
int note_cosign_line(avow_buf *out, const char *text, size_t text_len, const char *name,
                     size_t name_len, const avow_key *key, uint64_t ts);

/*
 * Check sig (a line of n) as a signature of type alg by pk under its own
 * name: 1 when the key ID matches (then *ok says whether it verifies and, for
 * a cosignature, *ts is its timestamp), 0 when the line is not this key's
 * (also when it does not decode, or its name could not be a key name).
 */
int note_sig_check(const note *n, const note_sig *sig, unsigned char alg,
                   const unsigned char pk[AVOW_PUBKEY_BYTES], int *ok, uint64_t *ts);

/*
 * Verify n as signed by pk (type 0x01) under name: every line with that name
 * must decode, every one with that name and key ID must verify, and there
 * must be one. Lines under other names, or with another key ID, are ignored.
 * @return 0, AVOW_ENOTFOUND (no such line), AVOW_EVERIFY (a line fails),
 *         AVOW_EFORMAT (a line with that name is not canonical base64)
 */
AVOW_WARN_UNUSED int note_verify(const note *n, const char *name, size_t name_len,
                                 const unsigned char pk[AVOW_PUBKEY_BYTES]);

/* A parsed checkpoint body (C2SP tlog-checkpoint); origin borrows. */
typedef struct note_checkpoint {
    const char *origin;
    size_t origin_len;
    uint64_t size;
    unsigned char root[AVOW_HASH_BYTES];
    const char *ext; /* extension lines (each newline-terminated), ext_len 0 when none */
    size_t ext_len;
} note_checkpoint;

/*
 * Parse a checkpoint note text: origin line (a valid key name), tree size
 * (decimal, no leading zeros, < 2^63), root (base64 of 32 bytes), then
 * optional non-empty extension lines. @return 0 or AVOW_EFORMAT naming the line
 */
int note_checkpoint_parse(note_checkpoint *out, const char *text, size_t len);

/* Append the checkpoint text "origin\nsize\nbase64(root)\n" to out. */
int note_checkpoint_text(avow_buf *out, const char *origin, size_t origin_len, uint64_t size,
                         const unsigned char root[AVOW_HASH_BYTES]);

#endif
