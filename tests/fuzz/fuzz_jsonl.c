/* SPDX-License-Identifier: ISC */
/*
 * fuzz_jsonl.c - fuzz target for import (src/io/reader.c, csv.c, jsonl.c): the bounded line
 * reader and JSON Lines parsers (signed export lines, unsigned --sign
 * records), the RFC 4180 CSV reader, and whole imports into a fresh ledger.
 *
 * Input: one mode byte, then the file. Mode (byte % 5; with (byte / 5) odd,
 * imports use AVOW_IMPORT_SKIP_BAD):
 *   0  lines: reader_line, each line to avow_event_from_json and
 *      avow_record_parse_json
 *   1  CSV: csv_read; the first record is a header, each later record
 *      becomes a JSON record (header name -> field) for avow_record_parse_json
 *   2  avow_import of signed events into a fresh ledger
 *   3  avow_import --sign (JSON Lines) into a fresh ledger, fuzz key
 *   4  avow_import --sign CSV into a fresh ledger, fuzz key
 * The fuzz key is the seed 0..31 key (tests/fuzz/corpus/key/plain), which
 * signed the seeds in corpus/jsonl/.
 *
 * Invariants asserted:
 *  1. A line from reader_line() is at most AVOW_LINE_MAX bytes, holds no
 *     LF, is NUL-terminated at rec_len and not blank; line numbers grow.
 *     A longer line is AVOW_ERANGE and the reader goes on after it.
 *  2. avow_event_from_json() accepts only a line whose raw decodes strictly
 *     and verifies; the returned bytes are at most AVOW_EVENT_MAX_BYTES and
 *     render back to JSON whose id is the SHA-256 of raw.
 *  3. avow_record_parse_json() accepts only an object whose draft signs into
 *     an event that decodes (the codec's own rules).
 *  4. A CSV record has 1..READER_MAX_FIELDS fields, each NUL-terminated
 *     inside rec, in order, without NUL, their bytes at most AVOW_LINE_MAX;
 *     the record re-encoded as CSV (every field quoted) reads back the same.
 *  5. After any import, the ledger verifies with no problem; a failed import
 *     without AVOW_IMPORT_SKIP_BAD appended nothing; the counts add up.
 */
#include <jansson.h>

#include "io/csv.h"
#include "io/reader.h"
#include "fuzzutil.h"

static avow_key *
fuzz_key(void)
{
    static avow_key *key;
    if (key == NULL) {
        unsigned char seed[32];
        for (size_t i = 0; i < sizeof(seed); i++) {
            seed[i] = (unsigned char)i;
        }
        FUZZ_ASSERT(avow_key_from_seed(&key, seed) == 0);
    }
    return key;
}

/* Invariants 2 and 3 on one line. */
static void
check_line(const char *line, size_t len, avow_record *rec)
{
    avow_buf raw = AVOW_BUF_INIT;
    int error = avow_event_from_json(&raw, line, len);
    if (error == 0) {
        avow_event ev;
        avow_buf js = AVOW_BUF_INIT;
        unsigned char id[AVOW_EVENT_ID_BYTES];
        char hex[AVOW_HEX_ID_LEN + 1];
        json_t *doc;
        FUZZ_ASSERT(raw.len <= AVOW_EVENT_MAX_BYTES);
        FUZZ_ASSERT(avow_event_decode(&ev, raw.ptr, raw.len) == 0);
        FUZZ_ASSERT(avow_event_verify(&ev) == 0);
        FUZZ_ASSERT(avow_event_to_json(&js, &ev, 0, 1) == 0);
        doc = json_loadb((const char *)js.ptr, js.len, 0, NULL);
        FUZZ_ASSERT(doc != NULL);
        avow_event_id(id, &ev);
        avow_hex(hex, id, sizeof(id));
        FUZZ_ASSERT(strcmp(json_string_value(json_object_get(doc, "id")), hex) == 0);
        json_decref(doc);
        avow_buf_dispose(&js);
    } else {
        fuzz_check_refusal(error);
    }
    avow_buf_dispose(&raw);

    error = avow_record_parse_json(rec, line, len, INT64_C(1712150700000000));
    if (error == 0) {
        static const unsigned char zero[AVOW_HASH_BYTES];
        const avow_draft *d = avow_record_draft(rec);
        avow_buf ev_bytes = AVOW_BUF_INIT;
        avow_event ev;
        FUZZ_ASSERT(d != NULL && d->kind >= 1 && d->kind <= AVOW_KIND_MAX_KNOWN);
        FUZZ_ASSERT(avow_event_sign(&ev_bytes, d, fuzz_key(), 1, zero, INT64_C(1712150700000000)) ==
                    0);
        FUZZ_ASSERT(avow_event_decode(&ev, ev_bytes.ptr, ev_bytes.len) == 0);
        FUZZ_ASSERT(ev.kind == d->kind);
        avow_buf_dispose(&ev_bytes);
    } else {
        fuzz_check_refusal(error);
    }
}

static void
fuzz_lines(FILE *f)
{
    reader r;
    avow_record *rec = NULL;
    uint64_t last = 0;
    FUZZ_ASSERT(reader_init(&r, f) == 0);
    FUZZ_ASSERT(avow_record_new(&rec) == 0);
    for (;;) {
        int got = reader_line(&r);
        if (got == 0) {
            break;
        }
        FUZZ_ASSERT(r.rec_line > last);
        last = r.rec_line;
        if (got == AVOW_ERANGE) {
            continue;
        }
        FUZZ_ASSERT(got == 1);
        FUZZ_ASSERT(r.rec_len <= AVOW_LINE_MAX && r.rec[r.rec_len] == '\0');
        FUZZ_ASSERT(memchr(r.rec, '\n', r.rec_len) == NULL);
        FUZZ_ASSERT(strspn(r.rec, " \t\r") < r.rec_len || memchr(r.rec, '\0', r.rec_len) != NULL);
        check_line(r.rec, r.rec_len, rec);
    }
    avow_record_free(rec);
    reader_dispose(&r);
}

/* Invariant 4: the fields re-encoded, every one quoted, read back the same. */
static void
csv_roundtrip(const reader *r)
{
    avow_buf b = AVOW_BUF_INIT;
    reader again;
    for (size_t i = 0; i < r->nfields; i++) {
        FUZZ_ASSERT(buf_put(&b, i == 0 ? "\"" : ",\"", i == 0 ? 1 : 2) == 0);
        for (size_t j = 0; j < r->field_lens[i]; j++) {
            char c = r->fields[i][j];
            FUZZ_ASSERT(buf_put(&b, &c, 1) == 0);
            if (c == '"') {
                FUZZ_ASSERT(buf_put(&b, &c, 1) == 0);
            }
        }
        FUZZ_ASSERT(buf_put(&b, "\"", 1) == 0);
    }
    FUZZ_ASSERT(buf_put(&b, "\n", 1) == 0);
    FILE *f = fmemopen(b.ptr, b.len, "rb");
    FUZZ_ASSERT(f != NULL);
    FUZZ_ASSERT(reader_init(&again, f) == 0);
    FUZZ_ASSERT(csv_read(&again) == 1);
    FUZZ_ASSERT(again.nfields == r->nfields);
    for (size_t i = 0; i < r->nfields; i++) {
        FUZZ_ASSERT(again.field_lens[i] == r->field_lens[i]);
        FUZZ_ASSERT(memcmp(again.fields[i], r->fields[i], r->field_lens[i]) == 0);
    }
    FUZZ_ASSERT(csv_read(&again) == 0);
    reader_dispose(&again);
    fclose(f);
    avow_buf_dispose(&b);
}

static void
fuzz_csv(FILE *f)
{
    reader r;
    avow_record *rec = NULL;
    json_t *header = NULL;
    FUZZ_ASSERT(reader_init(&r, f) == 0);
    FUZZ_ASSERT(avow_record_new(&rec) == 0);
    for (;;) {
        int got = csv_read(&r);
        if (got == 0) {
            break;
        }
        if (got < 0) {
            FUZZ_ASSERT(got == AVOW_EFORMAT || got == AVOW_ERANGE);
            continue;
        }
        FUZZ_ASSERT(got == 1);
        FUZZ_ASSERT(r.nfields >= 1 && r.nfields <= READER_MAX_FIELDS);
        size_t total = 0;
        const char *prev_end = r.rec;
        for (size_t i = 0; i < r.nfields; i++) {
            FUZZ_ASSERT(r.fields[i] >= prev_end);
            FUZZ_ASSERT(r.fields[i][r.field_lens[i]] == '\0');
            FUZZ_ASSERT(memchr(r.fields[i], '\0', r.field_lens[i]) == NULL);
            prev_end = r.fields[i] + r.field_lens[i] + 1;
            total += r.field_lens[i];
        }
        FUZZ_ASSERT(total <= AVOW_LINE_MAX);
        csv_roundtrip(&r);
        if (header == NULL) {
            header = json_array();
            FUZZ_ASSERT(header != NULL);
            for (size_t i = 0; i < r.nfields; i++) {
                json_array_append_new(header, json_stringn(r.fields[i], r.field_lens[i]));
            }
            continue;
        }
        json_t *obj = json_object();
        FUZZ_ASSERT(obj != NULL);
        for (size_t i = 0; i < r.nfields && i < json_array_size(header); i++) {
            const char *name = json_string_value(json_array_get(header, i));
            json_t *v = json_stringn(r.fields[i], r.field_lens[i]);
            if (name != NULL && v != NULL && r.field_lens[i] > 0) {
                json_object_set_new(obj, name, v);
            } else {
                json_decref(v);
            }
        }
        char *text = json_dumps(obj, JSON_COMPACT);
        if (text != NULL) {
            check_line(text, strlen(text), rec);
            free(text);
        }
        json_decref(obj);
    }
    json_decref(header);
    avow_record_free(rec);
    reader_dispose(&r);
}

/* Invariant 5. */
static void
fuzz_import(const uint8_t *data, size_t size, unsigned int flags)
{
    char path[4096];
    avow_import_opts opts = AVOW_IMPORT_OPTS_INIT;
    avow_import_result res;
    avow_ledger *ledger = fuzz_ledger_fresh();
    fuzz_write_file(path, "import", data, size);
    if (flags & AVOW_IMPORT_SIGN) {
        opts.key = fuzz_key();
    }
    /* Small batches: several transactions even for small inputs. */
    opts.batch = 3;
    opts.flags = flags;
    int error = avow_import(&res, ledger, path, &opts);
    uint64_t n = fuzz_ledger_count(ledger);
    if (error < 0) {
        fuzz_check_refusal(error);
        if (!(opts.flags & AVOW_IMPORT_SKIP_BAD) && res.bad > 0) {
            FUZZ_ASSERT(n == 0);
        }
    } else {
        FUZZ_ASSERT(res.appended == n);
        FUZZ_ASSERT(res.appended + res.duplicates + res.bad <= res.records);
        FUZZ_ASSERT(res.bad == 0 || (opts.flags & AVOW_IMPORT_SKIP_BAD));
    }
    fuzz_ledger_check(ledger);
    fuzz_ledger_release(ledger);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size == 0) {
        return 0;
    }
    unsigned mode = data[0] % 5;
    unsigned int skip = (data[0] / 5) & 1 ? AVOW_IMPORT_SKIP_BAD : 0;
    data++;
    size--;
    if (mode >= 2) {
        static const unsigned int flags[] = { 0, AVOW_IMPORT_SIGN,
                                              AVOW_IMPORT_SIGN | AVOW_IMPORT_CSV };
        fuzz_import(data, size, flags[mode - 2] | skip);
        return 0;
    }
    char *copy = fuzz_copy(data, size, 0);
    FILE *f = fmemopen(copy, size == 0 ? 1 : size, "rb");
    FUZZ_ASSERT(f != NULL);
    if (size == 0) {
        /* fmemopen needs a size > 0: read an empty stream instead. */
        fclose(f);
        f = fopen("/dev/null", "rb");
        FUZZ_ASSERT(f != NULL);
    }
    if (mode == 0) {
        fuzz_lines(f);
    } else {
        fuzz_csv(f);
    }
    fclose(f);
    free(copy);
    return 0;
}
