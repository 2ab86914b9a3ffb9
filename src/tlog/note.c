/* SPDX-License-Identifier: ISC */
/*
 * note.c - C2SP signed notes: strict parsing, Ed25519 signing and checking,
 * tlog-cosignature/v1 cosignatures, and the tlog-checkpoint body.
 *
 * Invariants:
 *  1. note_parse() reads at most len bytes of arbitrary input, allocates
 *     nothing and accepts only what the signed-note spec allows: valid UTF-8,
 *     no control character but newline, the text ends in a newline and is
 *     separated from one to NOTE_MAX_SIGS signature lines by the LAST blank
 *     line, each "— NAME REST\n" with NAME and REST non-empty. It does not
 *     judge a line's name or base64: a line is only decoded, strictly
 *     (canonical base64 of at least 5 bytes), by a check for a key whose name
 *     it bears, so an unknown key's line is ignored whatever it holds, as
 *     signed-note says ("Verifiers MUST ignore signatures from unknown keys").
 *  2. What note_sign() and note_checkpoint_text() produce, note_parse() and
 *     note_checkpoint_parse() accept (tests/unit/test_note.c).
 *  3. A signature line counts for a key only when both its name and its key
 *     ID match; any such line that fails makes the note fail (the spec's
 *     SHOULD), and at least one must exist. A line with a trusted name that
 *     does not decode fails the note too (strict for known keys).
 *  4. Base64 is libsodium's (sodium_bin2base64 / sodium_base642bin, original
 *     alphabet with padding); non-canonical encodings and characters outside
 *     the alphabet are refused (note_base64_decode()).
 */
#include <inttypes.h>
#include <stdio.h>

#include <sodium.h>

#include "crypto/keys.h"
#include "tlog/note.h"

/* U+2014 EM DASH and a space: the start of every signature line. */
static const char note_dash[] = "\xe2\x80\x94 ";
#define NOTE_DASH_LEN 4

#define NOTE_COSIG_HEADER "cosignature/v1\ntime "

_Static_assert(NOTE_MAX_BYTES <= AVOW_BUF_MAX, "notes fit a buffer");

/* Length of a Unicode space (Go's unicode.IsSpace: the White_Space property)
 * starting at p (n bytes left), or 0. Control characters are refused earlier. */
static size_t
note_space_len(const unsigned char *p, size_t n)
{
    if (p[0] == ' ') {
        return 1;
    }
    if (n >= 2 && p[0] == 0xc2 && (p[1] == 0x85 || p[1] == 0xa0)) {
        return 2;
    }
    if (n < 3) {
        return 0;
    }
    if (p[0] == 0xe1 && p[1] == 0x9a && p[2] == 0x80) { /* U+1680 */
        return 3;
    }
    if (p[0] == 0xe2 && p[1] == 0x80 &&
        ((p[2] >= 0x80 && p[2] <= 0x8a) || p[2] == 0xa8 || p[2] == 0xa9 || p[2] == 0xaf)) {
        return 3; /* U+2000..200A, U+2028, U+2029, U+202F */
    }
    if (p[0] == 0xe2 && p[1] == 0x81 && p[2] == 0x9f) { /* U+205F */
        return 3;
    }
    if (p[0] == 0xe3 && p[1] == 0x80 && p[2] == 0x80) { /* U+3000 */
        return 3;
    }
    return 0;
}

int
note_base64_decode(unsigned char *bin, size_t maxlen, size_t *bin_len, const char *b64, size_t len)
{
    const char *end = NULL;
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)b64[i];
        if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
              c == '+' || c == '/' || c == '=')) {
            return -1;
        }
    }
    if (sodium_base642bin(bin, maxlen, b64, len, NULL, bin_len, &end,
                          sodium_base64_VARIANT_ORIGINAL) != 0 ||
        end != b64 + len) {
        return -1;
    }
    return 0;
}

int
note_name_valid(const char *name, size_t len)
{
    const unsigned char *p = (const unsigned char *)name;
    if (len == 0 || len > NOTE_MAX_NAME || buf_utf8_check(name, len) < 0) {
        return 0;
    }
    for (size_t i = 0; i < len; i++) {
        if (p[i] < 0x20 || p[i] == 0x7f || p[i] == '+' || note_space_len(p + i, len - i) > 0) {
            return 0;
        }
    }
    return 1;
}

/* The text rules shared by whole notes and note texts: UTF-8, no control
 * character other than newline. */
static int
note_check_chars(const char *s, size_t len, const char *what)
{
    if (buf_utf8_check(s, len) < 0) {
        return error_set(AVOW_EFORMAT, "%s is not valid UTF-8 (or holds a NUL)", what);
    }
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c < 0x20 && c != '\n') {
            return error_set(AVOW_EFORMAT, "%s holds control character 0x%02x at byte %zu", what, c,
                             i);
        }
    }
    return 0;
}

/* Split a signature line "— NAME REST" at its first space (invariant 1). */
static int
note_split_sig(note_sig *sig, const char *line, size_t len, size_t lineno)
{
    if (len < NOTE_DASH_LEN || memcmp(line, note_dash, NOTE_DASH_LEN) != 0) {
        return error_set(AVOW_EFORMAT,
                         "signature line %zu does not start with an em dash and a space", lineno);
    }
    line += NOTE_DASH_LEN;
    len -= NOTE_DASH_LEN;
    const char *sp = memchr(line, ' ', len);
    if (sp == NULL || sp == line || sp + 1 == line + len) {
        return error_set(AVOW_EFORMAT,
                         "signature line %zu is not a key name, a space and a signature", lineno);
    }
    sig->name = line;
    sig->name_len = (size_t)(sp - line);
    sig->b64 = sp + 1;
    sig->b64_len = len - sig->name_len - 1;
    return 0;
}

int
note_sig_decode(note_sig_bytes *out, const note_sig *sig)
{
    unsigned char bin[(NOTE_MAX_SIG_B64 / 4) * 3];
    size_t bin_len = 0;
    size_t len = sig->b64_len;

    memset(out, 0, sizeof(*out));
    /* A longer line: only its key ID, from the first 8 characters (6 bytes,
     * a whole base64 group pair, so canonical on its own). */
    if (len > NOTE_MAX_SIG_B64) {
        len = 8;
    }
    if (note_base64_decode(bin, sizeof(bin), &bin_len, sig->b64, len) < 0 || bin_len < 5) {
        return -1;
    }
    out->key_id = (uint32_t)bin[0] << 24 | (uint32_t)bin[1] << 16 | (uint32_t)bin[2] << 8 | bin[3];
    out->sig_len = len == sig->b64_len ? bin_len - 4 : SIZE_MAX;
    if (out->sig_len <= NOTE_SIG_KEEP) {
        memcpy(out->sig, bin + 4, out->sig_len);
    }
    return 0;
}

int
note_parse(note *out, const char *msg, size_t len)
{
    int error;
    size_t split = SIZE_MAX;

    if (out == NULL || (msg == NULL && len > 0)) {
        return error_set(AVOW_EINVALID, "note_parse: missing argument");
    }
    out->text = NULL;
    out->text_len = 0;
    out->n_sigs = 0;
    if (len > NOTE_MAX_BYTES) {
        return error_set(AVOW_EFORMAT, "note of %zu bytes is larger than %d", len, NOTE_MAX_BYTES);
    }
    if ((error = note_check_chars(msg, len, "note")) < 0) {
        return error;
    }
    for (size_t i = len; i >= 2; i--) {
        if (msg[i - 2] == '\n' && msg[i - 1] == '\n') {
            split = i - 2;
            break;
        }
    }
    if (split == SIZE_MAX) {
        return error_set(AVOW_EFORMAT, "note has no blank line before its signatures");
    }
    const char *p = msg + split + 2;
    const char *end = msg + len;
    if (p == end) {
        return error_set(AVOW_EFORMAT, "note has no signature line");
    }
    if (end[-1] != '\n') {
        return error_set(AVOW_EFORMAT, "note does not end with a newline");
    }
    while (p < end) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        if (out->n_sigs == NOTE_MAX_SIGS) {
            return error_set(AVOW_EFORMAT, "note has more than %d signatures", NOTE_MAX_SIGS);
        }
        /* nl is never NULL: the sigs part ends in a newline. */
        if ((error =
               note_split_sig(&out->sigs[out->n_sigs], p, (size_t)(nl - p), out->n_sigs + 1)) < 0) {
            return error;
        }
        out->n_sigs++;
        p = nl + 1;
    }
    out->text = msg;
    out->text_len = split + 1;
    return 0;
}

uint32_t
note_key_id(const char *name, size_t name_len, unsigned char alg,
            const unsigned char pk[AVOW_PUBKEY_BYTES])
{
    crypto_hash_sha256_state st;
    unsigned char h[crypto_hash_sha256_BYTES];
    static const unsigned char nl = '\n';

    crypto_hash_sha256_init(&st);
    crypto_hash_sha256_update(&st, (const unsigned char *)name, name_len);
    crypto_hash_sha256_update(&st, &nl, 1);
    crypto_hash_sha256_update(&st, &alg, 1);
    crypto_hash_sha256_update(&st, pk, AVOW_PUBKEY_BYTES);
    crypto_hash_sha256_final(&st, h);
    return (uint32_t)h[0] << 24 | (uint32_t)h[1] << 16 | (uint32_t)h[2] << 8 | h[3];
}

int
note_put_sig_line(avow_buf *out, const char *name, size_t name_len, uint32_t key_id,
                  const unsigned char *sig, size_t sig_len)
{
    unsigned char bin[4 + NOTE_SIG_KEEP];
    char b64[sodium_base64_ENCODED_LEN(4 + NOTE_SIG_KEEP, sodium_base64_VARIANT_ORIGINAL)];
    int error;

    if (!note_name_valid(name, name_len)) {
        return error_set(AVOW_EINVALID, "'%.*s' is not a valid signed-note key name",
                         (int)(name_len > NOTE_MAX_NAME ? NOTE_MAX_NAME : name_len), name);
    }
    if (sig_len > NOTE_SIG_KEEP) {
        return error_set(AVOW_EINVALID, "signature of %zu bytes", sig_len);
    }
    bin[0] = (unsigned char)(key_id >> 24);
    bin[1] = (unsigned char)(key_id >> 16);
    bin[2] = (unsigned char)(key_id >> 8);
    bin[3] = (unsigned char)key_id;
    memcpy(bin + 4, sig, sig_len);
    sodium_bin2base64(b64, sizeof(b64), bin, 4 + sig_len, sodium_base64_VARIANT_ORIGINAL);
    if ((error = buf_put(out, note_dash, NOTE_DASH_LEN)) < 0 ||
        (error = buf_put(out, name, name_len)) < 0 || (error = buf_put(out, " ", 1)) < 0 ||
        (error = buf_put(out, b64, strlen(b64))) < 0 || (error = buf_put(out, "\n", 1)) < 0) {
        return error;
    }
    return 0;
}

/* A note text must be non-empty, end in a newline and follow the character rules. */
static int
note_check_text(const char *text, size_t len)
{
    if (len == 0 || text[len - 1] != '\n') {
        return error_set(AVOW_EINVALID, "a note text must end with a newline");
    }
    if (len > NOTE_MAX_BYTES - 512) {
        return error_set(AVOW_EINVALID, "note text of %zu bytes is too long", len);
    }
    int error = note_check_chars(text, len, "note text");
    return error < 0 ? AVOW_EINVALID : 0;
}

int
note_sign(avow_buf *out, const char *text, size_t text_len, const char *name, size_t name_len,
          const avow_key *key)
{
    unsigned char sig[NOTE_ED25519_SIG_BYTES];
    size_t start = out->len;
    int error;

    if ((error = note_check_text(text, text_len)) < 0) {
        return error;
    }
    crypto_sign_detached(sig, NULL, (const unsigned char *)text, text_len, keys_secret(key));
    if ((error = buf_put(out, text, text_len)) < 0 || (error = buf_put(out, "\n", 1)) < 0 ||
        (error = note_put_sig_line(
           out, name, name_len, note_key_id(name, name_len, NOTE_ALG_ED25519, avow_key_public(key)),
           sig, sizeof(sig))) < 0) {
        out->len = start;
        return error;
    }
    return 0;
}

/* The message a cosignature signs: "cosignature/v1\ntime TS\n" || text. */
static int
note_cosig_message(avow_buf *msg, const char *text, size_t text_len, uint64_t ts)
{
    char line[64];
    int n = snprintf(line, sizeof(line), NOTE_COSIG_HEADER "%" PRIu64 "\n", ts);
    int error;
    if (n < 0 || (size_t)n >= sizeof(line)) {
        return error_set(AVOW_EINVALID, "bad timestamp");
    }
    if ((error = buf_put(msg, line, (size_t)n)) < 0 || (error = buf_put(msg, text, text_len)) < 0) {
        return error;
    }
    return 0;
}

int
note_cosign_line(avow_buf *out, const char *text, size_t text_len, const char *name,
                 size_t name_len, const avow_key *key, uint64_t ts)
{
    avow_buf msg = AVOW_BUF_INIT;
    unsigned char sig[NOTE_COSIG_BYTES];
    int error;

    if ((error = note_check_text(text, text_len)) < 0) {
        goto done;
    }
    if (ts > (uint64_t)INT64_MAX) {
        error = error_set(AVOW_EINVALID, "cosignature timestamp past 2^63 - 1");
        goto done;
    }
    if ((error = note_cosig_message(&msg, text, text_len, ts)) < 0) {
        goto done;
    }
    be64_put(sig, ts);
    crypto_sign_detached(sig + 8, NULL, msg.ptr, msg.len, keys_secret(key));
    error = note_put_sig_line(out, name, name_len,
                              note_key_id(name, name_len, NOTE_ALG_COSIG, avow_key_public(key)),
                              sig, sizeof(sig));
done:
    avow_buf_dispose(&msg);
    return error;
}

int
note_sig_check(const note *n, const note_sig *sig, unsigned char alg,
               const unsigned char pk[AVOW_PUBKEY_BYTES], int *ok, uint64_t *ts)
{
    note_sig_bytes d;
    *ok = 0;
    if (ts != NULL) {
        *ts = 0;
    }
    if (!note_name_valid(sig->name, sig->name_len) || note_sig_decode(&d, sig) < 0 ||
        d.key_id != note_key_id(sig->name, sig->name_len, alg, pk)) {
        return 0;
    }
    if (alg == NOTE_ALG_ED25519) {
        *ok =
          d.sig_len == NOTE_ED25519_SIG_BYTES &&
          crypto_sign_verify_detached(d.sig, (const unsigned char *)n->text, n->text_len, pk) == 0;
        return 1;
    }
    if (alg == NOTE_ALG_COSIG && d.sig_len == NOTE_COSIG_BYTES) {
        avow_buf msg = AVOW_BUF_INIT;
        uint64_t t = be64_get(d.sig);
        if (ts != NULL) {
            *ts = t;
        }
        if (t <= (uint64_t)INT64_MAX && note_cosig_message(&msg, n->text, n->text_len, t) == 0) {
            *ok = crypto_sign_verify_detached(d.sig + 8, msg.ptr, msg.len, pk) == 0;
        }
        avow_buf_dispose(&msg);
    }
    return 1;
}

int
note_verify(const note *n, const char *name, size_t name_len,
            const unsigned char pk[AVOW_PUBKEY_BYTES])
{
    size_t found = 0;
    for (size_t i = 0; i < n->n_sigs; i++) {
        const note_sig *s = &n->sigs[i];
        int ok = 0;
        note_sig_bytes d;
        if (s->name_len != name_len || memcmp(s->name, name, name_len) != 0) {
            continue;
        }
        if (note_sig_decode(&d, s) < 0) {
            return error_set(AVOW_EFORMAT,
                             "signature line %zu (%.*s) is not canonical base64 of a key ID "
                             "and a signature",
                             i + 1, (int)name_len, name);
        }
        if (!note_sig_check(n, s, NOTE_ALG_ED25519, pk, &ok, NULL)) {
            continue;
        }
        if (!ok) {
            return error_set(AVOW_EVERIFY, "signature line %zu (%.*s) does not verify", i + 1,
                             (int)name_len, name);
        }
        found++;
    }
    if (found == 0) {
        return error_set(AVOW_ENOTFOUND, "no signature line by the trusted key under %.*s",
                         (int)name_len, name);
    }
    return 0;
}

/* Next line of text[*pos..len) without its newline; 0 at the end. */
static int
note_next_line(const char *text, size_t len, size_t *pos, const char **line, size_t *line_len)
{
    if (*pos >= len) {
        return 0;
    }
    const char *nl = memchr(text + *pos, '\n', len - *pos);
    size_t end = nl == NULL ? len : (size_t)(nl - text);
    *line = text + *pos;
    *line_len = end - *pos;
    *pos = nl == NULL ? len : end + 1;
    return 1;
}

int
note_checkpoint_parse(note_checkpoint *out, const char *text, size_t len)
{
    const char *line = NULL;
    size_t line_len = 0, pos = 0, bin_len = 0;
    uint64_t size = 0;

    memset(out, 0, sizeof(*out));
    if (len == 0 || text[len - 1] != '\n') {
        return error_set(AVOW_EFORMAT, "checkpoint text does not end with a newline");
    }
    if (!note_next_line(text, len, &pos, &line, &line_len) || line_len == 0) {
        return error_set(AVOW_EFORMAT, "origin line is empty");
    }
    if (line_len > AVOW_ORIGIN_MAX || note_check_chars(line, line_len, "origin line") < 0) {
        return error_set(AVOW_EFORMAT, "origin line is malformed");
    }
    out->origin = line;
    out->origin_len = line_len;
    if (!note_next_line(text, len, &pos, &line, &line_len) || line_len == 0 || line_len > 19 ||
        (line[0] == '0' && line_len > 1)) {
        return error_set(AVOW_EFORMAT, "size line is malformed (decimal, no leading zeros)");
    }
    for (size_t i = 0; i < line_len; i++) {
        if (line[i] < '0' || line[i] > '9') {
            return error_set(AVOW_EFORMAT, "size line is malformed (decimal digits only)");
        }
        size = size * 10 + (uint64_t)(line[i] - '0'); /* 19 digits cannot overflow */
    }
    if (size > (uint64_t)INT64_MAX) {
        return error_set(AVOW_EFORMAT, "size line is past 2^63 - 1");
    }
    out->size = size;
    if (!note_next_line(text, len, &pos, &line, &line_len) || line_len != 44 ||
        note_base64_decode(out->root, sizeof(out->root), &bin_len, line, line_len) < 0 ||
        bin_len != AVOW_HASH_BYTES) {
        return error_set(AVOW_EFORMAT, "root line is malformed (base64 of 32 bytes)");
    }
    out->ext = text + pos;
    out->ext_len = len - pos;
    while (note_next_line(text, len, &pos, &line, &line_len)) {
        if (line_len == 0) {
            return error_set(AVOW_EFORMAT, "checkpoint has an empty extension line");
        }
    }
    return 0;
}

int
note_checkpoint_text(avow_buf *out, const char *origin, size_t origin_len, uint64_t size,
                     const unsigned char root[AVOW_HASH_BYTES])
{
    char num[24];
    char b64[sodium_base64_ENCODED_LEN(AVOW_HASH_BYTES, sodium_base64_VARIANT_ORIGINAL)];
    int n = snprintf(num, sizeof(num), "%" PRIu64 "\n", size);
    int error;

    if (n < 0 || (size_t)n >= sizeof(num)) {
        return error_set(AVOW_EINVALID, "bad size");
    }
    sodium_bin2base64(b64, sizeof(b64), root, AVOW_HASH_BYTES, sodium_base64_VARIANT_ORIGINAL);
    if ((error = buf_put(out, origin, origin_len)) < 0 || (error = buf_put(out, "\n", 1)) < 0 ||
        (error = buf_put(out, num, (size_t)n)) < 0 ||
        (error = buf_put(out, b64, strlen(b64))) < 0 || (error = buf_put(out, "\n", 1)) < 0) {
        return error;
    }
    return 0;
}
