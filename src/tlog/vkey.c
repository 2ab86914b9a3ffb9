/* SPDX-License-Identifier: ISC */
/*
 * vkey.c - C2SP signed-note verifier keys ("vkeys", NAME+HEXID+BASE64 of the
 * type byte and the key): parsing one (or a bare 64-hex key), writing one,
 * and opening a note against a list of them exactly as signed-note says
 * (docs/FORMAT.md, "Verifier keys").
 *
 * Invariants:
 *  1. A parsed vkey has a valid key name (note_name_valid()), a type avow
 *     verifies (0x01 Ed25519, 0x04 tlog-cosignature/v1), a 32-byte key, and
 *     the key ID its name, type and key give; its type is the one the caller
 *     wanted, so a witness key cannot stand where a log key is asked for.
 *  2. avow_vkey_format() writes what avow_vkey_parse() reads back equal.
 *  3. avow_vkey_verify_note() decodes only the lines under a known key's name
 *     (or, for a bare key, lines whose name is a valid key name); any other
 *     line is ignored whatever it holds (signed-note: "Verifiers MUST ignore
 *     signatures from unknown keys"). A known name's line must decode, and a
 *     known key's line must verify, or the note fails.
 */
#include <stdlib.h>

#include <sodium.h>

#include "tlog/note.h"

#define VKEY_B64_LEN 44 /* base64 of the type byte and a 32-byte key */

static int
vkey_bare(avow_vkey *out, const char *text, size_t len, int want_type)
{
    char hex[AVOW_HEX_ID_LEN + 1];
    if (len != AVOW_HEX_ID_LEN) {
        return -1;
    }
    memcpy(hex, text, len);
    hex[len] = '\0';
    if (avow_unhex(out->key, AVOW_PUBKEY_BYTES, hex) < 0) {
        return -1;
    }
    out->type = want_type == 0 ? AVOW_SIG_ED25519 : want_type;
    return 0;
}

static const char *
vkey_type_name(int type)
{
    return type == AVOW_SIG_COSIG ? "a witness's cosignature key (type 0x04)"
                                  : "an Ed25519 signing key (type 0x01)";
}

int
avow_vkey_parse(avow_vkey *out, const char *text, size_t len, int want_type)
{
    const char *plus1, *plus2;
    unsigned char bin[1 + AVOW_PUBKEY_BYTES + 3];
    size_t bin_len = 0, name_len;
    unsigned char id[4];
    char hex[9];

    if (out == NULL || text == NULL ||
        (want_type != 0 && want_type != AVOW_SIG_ED25519 && want_type != AVOW_SIG_COSIG)) {
        return error_set(AVOW_EINVALID, "avow_vkey_parse: bad argument");
    }
    memset(out, 0, sizeof(*out));
    if (vkey_bare(out, text, len, want_type) == 0) {
        return 0;
    }
    plus1 = memchr(text, '+', len);
    plus2 = plus1 == NULL ? NULL : memchr(plus1 + 1, '+', len - (size_t)(plus1 + 1 - text));
    if (plus2 == NULL || len > AVOW_VKEY_MAX) {
        return error_set(AVOW_EINVALID,
                         "not a public key: 64 hex characters or a vkey NAME+HEXID+BASE64");
    }
    name_len = (size_t)(plus1 - text);
    if (!note_name_valid(text, name_len)) {
        return error_set(AVOW_EINVALID, "vkey: the name is not a valid key name");
    }
    if (plus2 - plus1 - 1 == 8) {
        memcpy(hex, plus1 + 1, 8);
    }
    hex[plus2 - plus1 - 1 == 8 ? 8 : 0] = '\0';
    /* Lowercase only, as the error says: one vkey has one spelling (the fuzzer
     * found "02a4E5d2" accepted and written back as "02a4e5d2"). */
    if (hex[0] == '\0' || strspn(hex, "0123456789abcdef") != 8 || avow_unhex(id, 4, hex) < 0) {
        return error_set(AVOW_EINVALID, "vkey: the key ID is not 8 lowercase hex characters");
    }
    if ((size_t)(text + len - (plus2 + 1)) != VKEY_B64_LEN ||
        note_base64_decode(bin, sizeof(bin), &bin_len, plus2 + 1, VKEY_B64_LEN) < 0 ||
        bin_len != 1 + AVOW_PUBKEY_BYTES) {
        return error_set(AVOW_EINVALID, "vkey: the key is not base64 of a type byte and 32 "
                                        "bytes");
    }
    if (bin[0] != NOTE_ALG_ED25519 && bin[0] != NOTE_ALG_COSIG) {
        return error_set(AVOW_EINVALID,
                         "vkey: signature type 0x%02x is not one avow verifies (0x01 "
                         "Ed25519, 0x04 cosignature)",
                         bin[0]);
    }
    memcpy(out->name, text, name_len);
    out->name[name_len] = '\0';
    out->type = bin[0];
    memcpy(out->key, bin + 1, AVOW_PUBKEY_BYTES);
    out->key_id = (uint32_t)id[0] << 24 | (uint32_t)id[1] << 16 | (uint32_t)id[2] << 8 | id[3];
    if (out->key_id != note_key_id(out->name, name_len, bin[0], out->key)) {
        return error_set(AVOW_EINVALID, "vkey: the key ID does not match its name and key");
    }
    if (want_type != 0 && out->type != want_type) {
        return error_set(AVOW_EINVALID, "vkey is %s, but %s is wanted here",
                         vkey_type_name(out->type), vkey_type_name(want_type));
    }
    return 0;
}

int
avow_vkey_format(avow_buf *out, const char *name, int type,
                 const unsigned char pk[AVOW_PUBKEY_BYTES])
{
    unsigned char bin[1 + AVOW_PUBKEY_BYTES];
    char b64[sodium_base64_ENCODED_LEN(1 + AVOW_PUBKEY_BYTES, sodium_base64_VARIANT_ORIGINAL)];
    char id[16];
    size_t name_len = name == NULL ? 0 : strlen(name);
    int error;

    if (out == NULL || pk == NULL || (type != AVOW_SIG_ED25519 && type != AVOW_SIG_COSIG)) {
        return error_set(AVOW_EINVALID, "avow_vkey_format: bad argument");
    }
    if (!note_name_valid(name, name_len)) {
        return error_set(AVOW_EINVALID,
                         "'%s' cannot be a signed-note key name (empty, too long, or holds a "
                         "space, '+' or a control character)",
                         name == NULL ? "" : name);
    }
    bin[0] = (unsigned char)type;
    memcpy(bin + 1, pk, AVOW_PUBKEY_BYTES);
    sodium_bin2base64(b64, sizeof(b64), bin, sizeof(bin), sodium_base64_VARIANT_ORIGINAL);
    (void)snprintf(id, sizeof(id), "+%08lx+",
                   (unsigned long)note_key_id(name, name_len, (unsigned char)type, pk));
    if ((error = buf_put(out, name, name_len)) < 0 || (error = buf_put(out, id, 10)) < 0 ||
        (error = buf_put(out, b64, strlen(b64))) < 0) {
        return error;
    }
    return 0;
}

/* Whether line s is under key k's name (a bare key: any valid name). */
static int
vkey_names_line(const avow_vkey *k, const note_sig *s)
{
    size_t len = strlen(k->name);
    if (len == 0) {
        return note_name_valid(s->name, s->name_len);
    }
    return s->name_len == len && memcmp(s->name, k->name, len) == 0;
}

/* One line against the keys (invariant 3): 1 verified, 0 ignored, < 0 fails. */
static int
vkey_check_line(const note *n, size_t i, const avow_vkey *keys, size_t n_keys)
{
    const note_sig *s = &n->sigs[i];
    note_sig_bytes d;
    const avow_vkey *match = NULL;
    int named = 0, ok = 0;

    for (size_t j = 0; j < n_keys; j++) {
        named |= keys[j].name[0] != '\0' && vkey_names_line(&keys[j], s);
    }
    if (note_sig_decode(&d, s) < 0) {
        return named ? error_set(AVOW_EFORMAT,
                                 "signature line %zu (%.*s) is not canonical base64 of a key "
                                 "ID and a signature",
                                 i + 1, (int)s->name_len, s->name)
                     : 0;
    }
    for (size_t j = 0; j < n_keys; j++) {
        const avow_vkey *k = &keys[j];
        if (!vkey_names_line(k, s) ||
            d.key_id != note_key_id(s->name, s->name_len, (unsigned char)k->type, k->key)) {
            continue;
        }
        if (match != NULL) { /* even the same key twice: ambiguous, as Go says */
            return error_set(AVOW_EINVALID, "signature line %zu (%.*s) matches two keys", i + 1,
                             (int)s->name_len, s->name);
        }
        match = k;
    }
    if (match == NULL) {
        return 0;
    }
    (void)note_sig_check(n, s, (unsigned char)match->type, match->key, &ok, NULL);
    if (!ok) {
        return error_set(AVOW_EVERIFY, "signature line %zu (%.*s) does not verify", i + 1,
                         (int)s->name_len, s->name);
    }
    return 1;
}

int
avow_vkey_verify_note(size_t *verified, const char *text, size_t len, const avow_vkey *keys,
                      size_t n_keys)
{
    note *n = NULL;
    size_t count = 0;
    int error;

    if (verified != NULL) {
        *verified = 0;
    }
    if (keys == NULL && n_keys > 0) {
        return error_set(AVOW_EINVALID, "avow_vkey_verify_note: missing argument");
    }
    if ((n = malloc(sizeof(*n))) == NULL) {
        return error_set(AVOW_ENOMEM, "out of memory");
    }
    if ((error = note_parse(n, text, len)) < 0) {
        goto done;
    }
    for (size_t i = 0; i < n->n_sigs; i++) {
        if ((error = vkey_check_line(n, i, keys, n_keys)) < 0) {
            goto done;
        }
        count += (size_t)error;
    }
    error = 0;
    if (count == 0) {
        error = error_set(AVOW_ENOTFOUND, "no signature line by a known key verifies");
    }
    if (verified != NULL) {
        *verified = count;
    }
done:
    free(n);
    return error;
}
