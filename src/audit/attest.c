/* SPDX-License-Identifier: ISC */
/*
 * attest.c - state attestations: a checkpoint note whose extension lines
 * name a contest, a valid time, a record time and the state digest at them,
 * signed like a checkpoint (docs/AUDIT.md).
 *
 * Invariants:
 *  1. An attestation is accepted only in the exact lines the writer produces
 *     (header, contest, at, known_at, digest, in that order, times and digest
 *     in their canonical form), and fails closed with AVOW_EFORMAT or
 *     AVOW_EVERIFY.
 *  2. Attestations are signed but not stored: table "checkpoints" holds
 *     plain checkpoints only.
 */
#include <stdlib.h>

#include "audit/checkpoint.h"

#define ATTEST_HEADER "avow-attestation/v1"

_Static_assert(sizeof(((avow_attestation *)0)->contest) == AVOW_MAX_CONTEST + 1,
               "an attestation holds any contest id");

/* Text fit for one note line: UTF-8 without control characters. */
static int
attest_text_ok(const char *s, size_t len)
{
    if (buf_utf8_check(s, len) < 0) {
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
    if ((error = buf_put(b, key, strlen(key))) < 0 || (error = buf_put(b, " ", 1)) < 0 ||
        (error = buf_put(b, value, len)) < 0 || (error = buf_put(b, "\n", 1)) < 0) {
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
    size_t clen;
    int error;

    if (out == NULL || ledger == NULL || key == NULL || contest == NULL || digest_hex == NULL) {
        return error_set(AVOW_EINVALID, "avow_attest_create: missing argument");
    }
    clen = strlen(contest);
    if (clen == 0 || clen > AVOW_MAX_CONTEST || !attest_text_ok(contest, clen)) {
        return error_set(AVOW_EINVALID, "bad contest id for an attestation");
    }
    if (strlen(digest_hex) != AVOW_HEX_ID_LEN ||
        avow_unhex(digest, sizeof(digest), digest_hex) < 0) {
        return error_set(AVOW_EINVALID, "the state digest must be 64 hex characters");
    }
    if (at < AVOW_TIME_MIN || at > AVOW_TIME_MAX || known_at < AVOW_TIME_MIN ||
        known_at > AVOW_TIME_MAX) {
        return error_set(AVOW_EINVALID, "attestation time out of range");
    }
    avow_hex(hex, digest, sizeof(digest));
    avow_time_format(t1, at, AVOW_PREC_MICRO);
    avow_time_format(t2, known_at, AVOW_PREC_MICRO);
    if ((error = buf_put(&ext, ATTEST_HEADER "\n", strlen(ATTEST_HEADER) + 1)) < 0 ||
        (error = attest_put_line(&ext, "contest", contest, clen)) < 0 ||
        (error = attest_put_line(&ext, "at", t1, strlen(t1))) < 0 ||
        (error = attest_put_line(&ext, "known_at", t2, strlen(t2))) < 0 ||
        (error = attest_put_line(&ext, "digest", hex, strlen(hex))) < 0) {
        goto done;
    }
    error = checkpoint_sign(out, NULL, ledger, key, (const char *)ext.ptr, ext.len);
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
    const char *hdr = ATTEST_HEADER "\n";
    size_t hlen = strlen(hdr);

    if (b->ext_len < hlen || memcmp(b->ext, hdr, hlen) != 0) {
        return error_set(AVOW_EFORMAT, "attestation: no %s line", ATTEST_HEADER);
    }
    pos = hlen;
    if (attest_line(b->ext, b->ext_len, &pos, "contest", &v, &vlen) < 0 ||
        vlen > AVOW_MAX_CONTEST) {
        return error_set(AVOW_EFORMAT, "attestation: contest line is malformed");
    }
    memcpy(out->contest, v, vlen);
    out->contest[vlen] = '\0';
    if (attest_line(b->ext, b->ext_len, &pos, "at", &v, &vlen) < 0 ||
        attest_time(&out->at, v, vlen) < 0) {
        return error_set(AVOW_EFORMAT, "attestation: at line is malformed");
    }
    if (attest_line(b->ext, b->ext_len, &pos, "known_at", &v, &vlen) < 0 ||
        attest_time(&out->known_at, v, vlen) < 0) {
        return error_set(AVOW_EFORMAT, "attestation: known_at line is malformed");
    }
    if (attest_line(b->ext, b->ext_len, &pos, "digest", &v, &vlen) < 0 || vlen != AVOW_HEX_ID_LEN) {
        return error_set(AVOW_EFORMAT, "attestation: digest line is malformed");
    }
    memcpy(out->digest, v, vlen);
    out->digest[vlen] = '\0';
    char again[AVOW_HEX_ID_LEN + 1];
    if (avow_unhex(digest, sizeof(digest), out->digest) < 0 ||
        (avow_hex(again, digest, sizeof(digest)), strcmp(again, out->digest) != 0)) {
        return error_set(AVOW_EFORMAT, "attestation: digest line is not lowercase hex");
    }
    if (pos != b->ext_len) {
        return error_set(AVOW_EFORMAT, "attestation: unexpected lines after the digest");
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
        return error_set(AVOW_EINVALID, "avow_attest_verify: no ledger and no trusted key");
    }
    memset(&a, 0, sizeof(a));
    if ((n = malloc(sizeof(*n))) == NULL) {
        return error_set(AVOW_ENOMEM, "out of memory");
    }
    if ((error = checkpoint_parse(n, &b, text, len, "attestation")) < 0 ||
        (error = attest_parse_ext(&a, &b)) < 0) {
        goto done;
    }
    if (ledger != NULL) {
        error = checkpoint_verify_parsed(ledger, n, &b, pk, "attestation");
    } else {
        error = checkpoint_signed_by(n, &b, pk, "attestation");
    }
    if (error < 0) {
        goto done;
    }
    checkpoint_fill(&a.tree, &b);
    if (out != NULL) {
        *out = a;
    }
done:
    free(n);
    return error;
}
