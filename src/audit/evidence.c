/* SPDX-License-Identifier: ISC */
/*
 * evidence.c - evidence files: events with their inclusion proofs against a
 * signed checkpoint, in one canonical JSON line that an auditor checks with
 * no ledger at hand (docs/AUDIT.md, docs/FORMAT.md).
 *
 * Invariants:
 *  1. An evidence file is accepted only in the exact canonical bytes the
 *     writer produces (compact JSON, sorted keys, lowercase hex), so any
 *     changed byte fails. Its checkpoint carries the log's signature line and
 *     may carry witnesses' cosignature lines after it (a cosigned checkpoint
 *     resists a split view offline); those count only for a witness policy
 *     (avow_note_witnessed()), never for the log's signature.
 *  2. Every check of an evidence file fails closed with AVOW_EVERIFY or
 *     AVOW_EFORMAT: the checkpoint's signature, each event's id, author
 *     signature and inclusion proof against the checkpoint.
 */
#include <inttypes.h>
#include <stdlib.h>

#include <sodium.h>

#include "audit/checkpoint.h"
#include "event/jsonutil.h"
#include "tlog/merkle.h"
#include "util/canon.h"
#include "util/jparse.h"

#define EVIDENCE_FORMAT "avow-evidence/1"

static json_t *
evidence_hex_json(const unsigned char *bytes, size_t n)
{
    char hex[2 * AVOW_HASH_BYTES + 1];
    if (n > AVOW_HASH_BYTES) {
        return NULL;
    }
    avow_hex(hex, bytes, n);
    return json_string(hex);
}

/* The evidence of one event: its id, log index, signed bytes and inclusion
 * proof against the checkpoint cp. */
static int
evidence_event(json_t **out, avow_ledger *ledger, const unsigned char *id,
               const avow_checkpoint *cp)
{
    avow_inclusion *p = NULL;
    avow_buf raw = AVOW_BUF_INIT;
    json_t *o = NULL, *path = NULL;
    char *b64 = NULL;
    int error;

    *out = NULL;
    if ((p = malloc(sizeof(*p))) == NULL) {
        error = error_set(AVOW_ENOMEM, "out of memory");
        goto done;
    }
    if ((error = avow_ledger_get(&raw, NULL, ledger, id)) < 0 ||
        (error = avow_ledger_prove_inclusion(p, ledger, id, cp->size)) < 0) {
        goto done;
    }
    size_t b64len = sodium_base64_ENCODED_LEN(raw.len, sodium_base64_VARIANT_ORIGINAL);
    if ((b64 = malloc(b64len)) == NULL || (o = json_object()) == NULL ||
        (path = json_array()) == NULL) {
        error = error_set(AVOW_ENOMEM, "out of memory");
        goto done;
    }
    sodium_bin2base64(b64, b64len, raw.ptr, raw.len, sodium_base64_VARIANT_ORIGINAL);
    for (size_t i = 0; i < p->count; i++) {
        if (json_array_append_new(
              path, evidence_hex_json(p->path + i * AVOW_HASH_BYTES, AVOW_HASH_BYTES)) < 0) {
            error = error_set(AVOW_ENOMEM, "out of memory");
            goto done;
        }
    }
    if (json_object_set_new(o, "id", evidence_hex_json(id, AVOW_EVENT_ID_BYTES)) < 0 ||
        json_object_set_new(o, "index", json_integer((json_int_t)p->leaf_index)) < 0 ||
        json_object_set_new(o, "raw", json_string(b64)) < 0 ||
        json_object_set(o, "path", path) < 0) {
        error = error_set(AVOW_ENOMEM, "out of memory");
        goto done;
    }
    *out = o;
    o = NULL;
done:
    json_decref(path);
    json_decref(o);
    free(b64);
    free(p);
    avow_buf_dispose(&raw);
    return error;
}

/* The checkpoint the evidence is proven against: a fresh one signed with key,
 * or (key NULL) the latest stored one, verified against the ledger. */
static int
evidence_checkpoint(avow_buf *note_text, unsigned char pk[AVOW_PUBKEY_BYTES], avow_checkpoint *cp,
                    avow_ledger *ledger, const avow_key *key)
{
    if (key != NULL) {
        memcpy(pk, avow_key_public(key), AVOW_PUBKEY_BYTES);
        return avow_checkpoint_create(note_text, cp, ledger, key);
    }
    int error = checkpoint_latest_stored(note_text, pk, ledger);
    if (error < 0) {
        return error;
    }
    return avow_checkpoint_verify(cp, ledger, (const char *)note_text->ptr, note_text->len, pk);
}

/* The evidence document of n events against the checkpoint note_text by pk. */
static int
evidence_document(json_t **out, avow_ledger *ledger, const unsigned char *ids, size_t n,
                  const avow_buf *note_text, const unsigned char pk[AVOW_PUBKEY_BYTES],
                  const avow_checkpoint *cp)
{
    json_t *doc = NULL, *events = NULL, *ev = NULL;
    int error = 0;

    *out = NULL;
    if ((doc = json_object()) == NULL || (events = json_array()) == NULL) {
        error = error_set(AVOW_ENOMEM, "out of memory");
        goto done;
    }
    for (size_t i = 0; i < n; i++) {
        if ((error = evidence_event(&ev, ledger, ids + i * AVOW_EVENT_ID_BYTES, cp)) < 0) {
            if (error == AVOW_EINVALID) {
                error =
                  error_set(AVOW_ENOTFOUND,
                            "%s (the latest checkpoint, of size %" PRIu64 ", does not cover it)",
                            avow_error_last(), cp->size);
            }
            goto done;
        }
        if (json_array_append_new(events, ev) < 0) {
            error = error_set(AVOW_ENOMEM, "out of memory");
            goto done;
        }
    }
    if (json_object_set_new(doc, "format", json_string(EVIDENCE_FORMAT)) < 0 ||
        json_object_set_new(doc, "signer", evidence_hex_json(pk, AVOW_PUBKEY_BYTES)) < 0 ||
        json_object_set_new(doc, "checkpoint",
                            json_stringn((const char *)note_text->ptr, note_text->len)) < 0 ||
        json_object_set(doc, "events", events) < 0) {
        error = error_set(AVOW_ENOMEM, "out of memory");
        goto done;
    }
    *out = doc;
    doc = NULL;
done:
    json_decref(events);
    json_decref(doc);
    return error;
}

/*
 * The bytes of an evidence document, appended to out without the final
 * newline: the one place that decides the canonical form of invariant 1,
 * used by the writer and by the verifier's comparison alike (util/canon in
 * sorted key order, docs/FORMAT.md "Evidence file bytes"). AVOW_EINVALID:
 * the document has no canonical form (a real number).
 */
static int
evidence_serialize(avow_buf *out, const json_t *doc)
{
    return canon_write(out, doc, CANON_SORTED);
}

int
avow_evidence_write(avow_buf *out, avow_ledger *ledger, const unsigned char *ids, size_t n,
                    const avow_key *key)
{
    avow_buf note_text = AVOW_BUF_INIT;
    unsigned char pk[AVOW_PUBKEY_BYTES];
    avow_checkpoint cp;
    json_t *doc = NULL;
    size_t start;
    int error;

    if (out == NULL || ledger == NULL || (ids == NULL && n > 0)) {
        return error_set(AVOW_EINVALID, "avow_evidence_write: missing argument");
    }
    if (n == 0 || n > AVOW_EVIDENCE_MAX_EVENTS) {
        return error_set(AVOW_ERANGE, "an evidence file holds 1 to %d events, not %zu",
                         AVOW_EVIDENCE_MAX_EVENTS, n);
    }
    start = out->len;
    if ((error = evidence_checkpoint(&note_text, pk, &cp, ledger, key)) < 0 ||
        (error = evidence_document(&doc, ledger, ids, n, &note_text, pk, &cp)) < 0 ||
        (error = evidence_serialize(out, doc)) < 0 || (error = buf_put(out, "\n", 1)) < 0) {
        out->len = start; /* no partial document */
    }
    json_decref(doc);
    avow_buf_dispose(&note_text);
    return error;
}

/* A lowercase hex string of exactly n bytes. */
static int
evidence_hex(unsigned char *out, size_t n, const json_t *j)
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

/* Parse the file into *doc, only in its canonical form (invariant 1). */
static int
evidence_load(json_t **doc, const unsigned char *data, size_t len)
{
    avow_buf again = AVOW_BUF_INIT;
    jparse_error jerr;
    int error;

    *doc = NULL;
    if (len == 0 || len > AVOW_EVIDENCE_MAX_BYTES || data[len - 1] != '\n') {
        return error_set(AVOW_EVERIFY,
                         "evidence file: not one line of at most %u bytes ending in a newline",
                         (unsigned)AVOW_EVIDENCE_MAX_BYTES);
    }
    if ((error = jparse(doc, (const char *)data, len - 1, JPARSE_REJECT_DUPLICATES, &jerr)) ==
        AVOW_EFORMAT) {
        return error_set(AVOW_EVERIFY, "evidence file: not JSON (%s)", jerr.text);
    }
    if (error < 0) {
        return error;
    }
    if ((error = evidence_serialize(&again, *doc)) == AVOW_EINVALID) {
        error = error_set(AVOW_EVERIFY,
                          "evidence file: not in canonical form (a number with a fraction)");
    } else if (error < 0) {
        error = error_set(AVOW_ENOMEM, "out of memory");
    } else if (again.len != len - 1 || memcmp(again.ptr, data, len - 1) != 0) {
        error = error_set(AVOW_EVERIFY, "evidence file: not in canonical form (was it edited?)");
    }
    avow_buf_dispose(&again);
    return error;
}

/* The document's fields but its events: its format, signer (pk) and
 * checkpoint, parsed into n and b and signed by pk (invariant 1). */
static int
evidence_header(note *n, note_checkpoint *b, const json_t *doc,
                const unsigned char pk[AVOW_PUBKEY_BYTES])
{
    unsigned char signer[AVOW_PUBKEY_BYTES];
    json_t *format = json_object_get(doc, "format");
    json_t *jsigner = json_object_get(doc, "signer");
    json_t *jcp = json_object_get(doc, "checkpoint");
    json_t *events = json_object_get(doc, "events");
    if (!json_is_object(doc) || json_object_size(doc) != 4 || !json_is_string(format) ||
        strcmp(json_string_value(format), EVIDENCE_FORMAT) != 0 || !json_is_string(jcp) ||
        !json_is_array(events) || json_array_size(events) == 0 ||
        json_array_size(events) > AVOW_EVIDENCE_MAX_EVENTS) {
        return error_set(AVOW_EVERIFY, "evidence file: not an %s document", EVIDENCE_FORMAT);
    }
    if (evidence_hex(signer, sizeof(signer), jsigner) < 0) {
        return error_set(AVOW_EVERIFY, "evidence file: signer is malformed");
    }
    if (sodium_memcmp(signer, pk, AVOW_PUBKEY_BYTES) != 0) {
        char want[AVOW_HEX_ID_LEN + 1];
        avow_hex(want, pk, AVOW_PUBKEY_BYTES);
        return error_set(AVOW_EVERIFY, "evidence file: signed by %s, not by the trusted key %s",
                         json_string_value(jsigner), want);
    }
    if (checkpoint_parse(n, b, json_string_value(jcp), json_string_length(jcp),
                         "evidence checkpoint") < 0) {
        return error_set(AVOW_EVERIFY, "%s", avow_error_last());
    }
    if (checkpoint_signed_by(n, b, pk, "evidence checkpoint") < 0) {
        return error_set(AVOW_EVERIFY, "%s", avow_error_last());
    }
    return 0;
}

#define EVIDENCE_FAIL(...) error_set(AVOW_EVERIFY, __VA_ARGS__)

/* Check event i of the document against the checkpoint b (invariant 2). */
static int
evidence_check_event(const json_t *e, size_t i, const note_checkpoint *b, avow_evidence_cb cb,
                     void *payload)
{
    json_t *jid = json_object_get(e, "id"), *jindex = json_object_get(e, "index");
    json_t *jraw = json_object_get(e, "raw"), *jpath = json_object_get(e, "path");
    unsigned char id[AVOW_EVENT_ID_BYTES], leaf[AVOW_HASH_BYTES], got[AVOW_EVENT_ID_BYTES];
    unsigned char raw[AVOW_EVENT_MAX_BYTES];
    unsigned char path[MERKLE_PATH_BYTES];
    size_t raw_len = 0;
    avow_event ev;

    if (!json_is_object(e) || json_object_size(e) != 4 || !json_is_integer(jindex) ||
        !json_is_string(jraw) || !json_is_array(jpath) ||
        json_array_size(jpath) > MERKLE_MAX_PATH || evidence_hex(id, sizeof(id), jid) < 0) {
        return EVIDENCE_FAIL("evidence event %zu: malformed", i);
    }
    json_int_t index = json_integer_value(jindex);
    if (index < 0 || (uint64_t)index >= b->size) {
        return EVIDENCE_FAIL("evidence event %zu: index %" PRId64
                             " is not in the checkpoint's tree",
                             i, (int64_t)index);
    }
    if (note_base64_decode(raw, sizeof(raw), &raw_len, json_string_value(jraw),
                           json_string_length(jraw)) < 0) {
        return EVIDENCE_FAIL("evidence event %zu: raw is not base64 of at most %d bytes", i,
                             AVOW_EVENT_MAX_BYTES);
    }
    crypto_hash_sha256(got, raw, raw_len);
    if (sodium_memcmp(got, id, sizeof(id)) != 0) {
        return EVIDENCE_FAIL("evidence event %zu: its bytes do not hash to its id", i);
    }
    if (avow_event_decode(&ev, raw, raw_len) < 0) {
        return EVIDENCE_FAIL("evidence event %zu: does not decode: %s", i, avow_error_last());
    }
    if (avow_event_verify(&ev) < 0) {
        return EVIDENCE_FAIL("evidence event %zu: its author's signature does not verify", i);
    }
    for (size_t j = 0; j < json_array_size(jpath); j++) {
        if (evidence_hex(path + j * MERKLE_HASH_BYTES, MERKLE_HASH_BYTES,
                         json_array_get(jpath, j)) < 0) {
            return EVIDENCE_FAIL("evidence event %zu: path hash %zu is malformed", i, j);
        }
    }
    merkle_leaf_hash(leaf, raw, raw_len);
    if (merkle_verify_inclusion(leaf, (uint64_t)index, b->size, path, json_array_size(jpath),
                                b->root) < 0) {
        return EVIDENCE_FAIL("evidence event %zu: the inclusion proof of #%" PRId64
                             " does not hold against the checkpoint (size %" PRIu64 ")",
                             i, (int64_t)index, b->size);
    }
    return cb != NULL ? cb(&ev, (uint64_t)index, payload) : 0;
}

int
avow_evidence_verify(avow_checkpoint *cp_out, size_t *n_events, const unsigned char *data,
                     size_t len, const unsigned char pk[AVOW_PUBKEY_BYTES], avow_evidence_cb cb,
                     void *payload)
{
    json_t *doc = NULL, *events;
    note *n = NULL;
    note_checkpoint b;
    int error;

    if (n_events != NULL) {
        *n_events = 0;
    }
    if (data == NULL || pk == NULL) {
        return error_set(AVOW_EINVALID, "avow_evidence_verify: missing argument");
    }
    if ((n = malloc(sizeof(*n))) == NULL) {
        return error_set(AVOW_ENOMEM, "out of memory");
    }
    if ((error = evidence_load(&doc, data, len)) < 0 ||
        (error = evidence_header(n, &b, doc, pk)) < 0) {
        goto done;
    }
    events = json_object_get(doc, "events");
    for (size_t i = 0; i < json_array_size(events); i++) {
        if ((error = evidence_check_event(json_array_get(events, i), i, &b, cb, payload)) < 0) {
            goto done;
        }
    }
    checkpoint_fill(cp_out, &b);
    if (n_events != NULL) {
        *n_events = json_array_size(events);
    }
done:
    json_decref(doc);
    free(n);
    return error;
}
