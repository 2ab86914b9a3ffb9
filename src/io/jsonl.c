/* SPDX-License-Identifier: ISC */
/*
 * jsonl.c - the lines of the JSON Lines interchange (docs/FORMAT.md, "JSON
 * Lines interchange"): a signed event as avow export writes it, and an
 * unsigned declaration record as avow import --sign reads it.
 *
 * Invariants (tests/unit/test_interchange.c):
 *  1. A signed line's raw is the only thing appended; every other member of
 *     the line must equal the event's own rendering, so a line cannot say one
 *     thing and carry another.
 *  2. A line is one JSON object with no member twice
 *     (JSON_REJECT_DUPLICATES); a record names only the fields of
 *     src/io/record.h, each a string or null (null: absent).
 */
#include <jansson.h>

#include "io/clip.h"
#include "io/jsonl.h"
#include "io/record.h"
#include "tlog/note.h"
#include "util/jparse.h"

/* Longest base64 text of an event. */
#define JSONL_B64_MAX (((AVOW_EVENT_MAX_BYTES + 2) / 3) * 4)

/* Invariant 1: the event in bin is valid, and doc says nothing else. */
static int
jsonl_check_event(json_t *doc, const unsigned char *bin, size_t binlen)
{
    char name[CLIP_BYTES];
    jparse_error jerr;
    json_t *mine = NULL;
    json_t *value;
    const char *key;
    avow_buf rendered = AVOW_BUF_INIT;
    avow_event ev;
    int error = 0;

    if (avow_event_decode(&ev, bin, binlen) < 0) {
        return error_set(AVOW_EVERIFY, "raw is not a valid event: %s", avow_error_last());
    }
    if (avow_event_verify(&ev) < 0) {
        return error_set(AVOW_EVERIFY, "the signature of raw does not verify");
    }
    if ((error = avow_event_to_json(&rendered, &ev, 0, 1)) < 0) {
        goto done;
    }
    if ((error = jparse(&mine, (const char *)rendered.ptr, rendered.len, 0, &jerr)) < 0) {
        if (error == AVOW_EFORMAT) {
            error = error_set(AVOW_EFORMAT, "the rendering of raw is not JSON: %s", jerr.text);
        }
        goto done;
    }
    json_object_foreach(doc, key, value)
    {
        json_t *expect;
        if (strcmp(key, "index") == 0) {
            if (!json_is_integer(value) || json_integer_value(value) < 0) {
                error = error_set(AVOW_EFORMAT, "\"index\" is not a count");
                goto done;
            }
            continue;
        }
        clip_text(name, key, strlen(key));
        expect = json_object_get(mine, key);
        if (expect == NULL) {
            error = error_set(AVOW_EVERIFY, "\"%s\" is not a member of this event", name);
            goto done;
        }
        if (!json_equal(value, expect)) {
            error = error_set(AVOW_EVERIFY,
                              strcmp(key, "id") == 0 ? "\"id\" is not the SHA-256 of raw"
                                                     : "\"%s\" does not match the event in raw",
                              name);
            goto done;
        }
    }
done:
    avow_buf_dispose(&rendered);
    json_decref(mine);
    return error;
}

/* The raw bytes of a line of an export; with check, invariant 1 too. */
int
jsonl_event_raw(avow_buf *raw_out, const char *text, size_t len, int check)
{
    unsigned char bin[AVOW_EVENT_MAX_BYTES];
    jparse_error jerr;
    json_t *doc = NULL;
    json_t *raw;
    const char *b64;
    size_t b64len;
    size_t binlen = 0;
    int error;

    if ((error = jparse(&doc, text, len, JPARSE_REJECT_DUPLICATES, &jerr)) < 0) {
        if (error == AVOW_EFORMAT) {
            error = error_set(AVOW_EFORMAT, "not JSON: %s (column %d)", jerr.text, jerr.column);
        }
        goto done;
    }
    if (!json_is_object(doc)) {
        error = error_set(AVOW_EFORMAT, "not a JSON object");
        goto done;
    }
    raw = json_object_get(doc, "raw");
    if (!json_is_string(raw)) {
        error = error_set(AVOW_EFORMAT, "no \"raw\" string (the signed event, base64)");
        goto done;
    }
    if (json_object_get(doc, "id") == NULL) {
        error = error_set(AVOW_EFORMAT, "no \"id\" (the event id, 64 hex)");
        goto done;
    }
    b64 = json_string_value(raw);
    b64len = json_string_length(raw);
    if (b64len > JSONL_B64_MAX) {
        error = error_set(AVOW_EVERIFY, "raw is longer than an event can be (%d bytes)",
                          AVOW_EVENT_MAX_BYTES);
        goto done;
    }
    if (note_base64_decode(bin, sizeof(bin), &binlen, b64, b64len) < 0) {
        error = error_set(AVOW_EVERIFY, "raw is not valid base64 (RFC 4648, padded)");
        goto done;
    }
    if (check && (error = jsonl_check_event(doc, bin, binlen)) < 0) {
        goto done;
    }
    error = buf_put(raw_out, bin, binlen);
done:
    json_decref(doc);
    return error;
}

int
avow_event_from_json(avow_buf *raw_out, const char *text, size_t len)
{
    if (raw_out == NULL || (text == NULL && len > 0)) {
        return error_set(AVOW_EINVALID, "avow_event_from_json: missing argument");
    }
    return jsonl_event_raw(raw_out, text, len, 1);
}

/* Invariant 2. */
int
jsonl_record_parse(avow_record *rec, const char *text, size_t len, int64_t now, int check)
{
    record_values vals;
    jparse_error jerr;
    json_t *doc;
    json_t *value;
    const char *key;
    char name[CLIP_BYTES];

    if (rec == NULL || (text == NULL && len > 0)) {
        return error_set(AVOW_EINVALID, "avow_record_parse_json: missing argument");
    }
    memset(&vals, 0, sizeof(vals));
    record_hold_json(rec, NULL);
    int error = jparse(&doc, text, len, JPARSE_REJECT_DUPLICATES, &jerr);
    if (error == AVOW_EFORMAT) {
        return error_set(AVOW_EFORMAT, "not JSON: %s (column %d)", jerr.text, jerr.column);
    }
    if (error < 0) {
        return error;
    }
    record_hold_json(rec, doc);
    if (!json_is_object(doc)) {
        return error_set(AVOW_EFORMAT, "not a JSON object");
    }
    json_object_foreach(doc, key, value)
    {
        int i = record_field_index(key, strlen(key));
        if (i < 0) {
            clip_text(name, key, strlen(key));
            return error_set(AVOW_EFORMAT, "unknown member \"%s\" (use " RECORD_FIELD_LIST ")",
                             name);
        }
        if (json_is_null(value)) {
            continue;
        }
        if (!json_is_string(value)) {
            clip_text(name, key, strlen(key));
            return error_set(AVOW_EFORMAT, "\"%s\" is not a string", name);
        }
        vals.v[i] = json_string_value(value);
        vals.len[i] = json_string_length(value);
    }
    return record_from_values(rec, &vals, now, check);
}

int
avow_record_parse_json(avow_record *rec, const char *text, size_t len, int64_t now)
{
    return jsonl_record_parse(rec, text, len, now, 1);
}
