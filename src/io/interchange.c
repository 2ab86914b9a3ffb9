/* SPDX-License-Identifier: ISC */
/*
 * interchange.c - JSON Lines export and import of signed events, and import
 * of unsigned declaration records (JSON Lines or CSV) signed on the way in
 * (docs/FORMAT.md, "JSON Lines interchange").
 *
 * Invariants (tests/unit/test_interchange.c):
 *  1. Streaming: export holds one event at a time; import holds one line
 *     (at most AVOW_LINE_MAX bytes) plus one batch (invariant 6). What grows with the input
 *     is only the table of authors (signed) or contests (unsigned) named in
 *     the file, and the list of bad lines skipped with AVOW_IMPORT_SKIP_BAD.
 *  2. Nothing is appended unless the check pass found every line good (or
 *     AVOW_IMPORT_SKIP_BAD is set, and then only the good lines are). The
 *     check pass uses the codec's own rules (codec_encode_message, strict
 *     avow_event_decode), so a line it accepts is one the store accepts.
 *  3. A signed line's raw is the only thing appended; every other member of
 *     the line must equal the event's own rendering, so a line cannot say one
 *     thing and carry another.
 *  4. Every refused line is reported with its 1-based line number (a CSV
 *     record: the line it starts on) and the reason.
 *  5. Text taken from the input and echoed in a message is clipped and has
 *     its control characters replaced.
 *  6. Unsigned records are read a chunk at a time (at most ICHG_PARSE_CHUNK
 *     records, at most ICHG_CHUNK_TEXT bytes of text after its first) and parsed on
 *     the worker pool; everything that depends on order (the ledger checks,
 *     the bad-line reports, the chain) then runs in order on this thread.
 *  7. The check pass writes the draft of each good unsigned record to a
 *     temporary file (the spill: unlinked at once, in $TMPDIR or /tmp), and
 *     the append pass signs what it reads back from there instead of parsing
 *     the input again: what is appended is exactly what was checked. Without
 *     a spill (it could not be created or written), the append pass parses
 *     the input again, as the check pass did.
 */
#include <errno.h>
#include <inttypes.h>
#include <stddef.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include <jansson.h>
#include <sodium.h>

#include "event/codec.h"
#include "io/interchange.h"
#include "tlog/note.h"
#include "util/pool.h"
#include "ledger/store.h"

#define RD_EOF 256
/* Progress is reported every this many records. */
#define ICHG_PROGRESS_EVERY 1024
/* Unsigned records parsed per chunk (invariant 6): enough to keep every
 * core busy; a transaction (a batch) takes several chunks from the spill. */
#define ICHG_PARSE_CHUNK 8192
/* Text of unsigned records read per chunk (one record may exceed it). */
#define ICHG_CHUNK_TEXT (16u << 20)
/* Longest base64 text of an event. */
#define ICHG_B64_MAX (((AVOW_EVENT_MAX_BYTES + 2) / 3) * 4)

/* ---- messages ------------------------------------------------------------ */

/* Invariant 5: at most 40 bytes of untrusted text, control characters as '?'. */
static void
clip(char out[48], const char *s, size_t len)
{
    size_t n = len > 40 ? 40 : len;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        out[i] = (c < 0x20 || c == 0x7f) ? '?' : (char)c;
    }
    if (len > 40) {
        memcpy(out + 40, "...", 4);
    } else {
        out[n] = '\0';
    }
}

/* ---- reader -------------------------------------------------------------- */

int
ichg_reader_init(ichg_reader *r, FILE *f)
{
    memset(r, 0, sizeof(*r));
    r->f = f;
    r->line = 1;
    r->buf = malloc(ICHG_READ_CHUNK);
    /* Room for a trailing CR, and for the NUL after each CSV field. */
    r->rec = malloc(AVOW_LINE_MAX + ICHG_CSV_MAX_FIELDS + 2);
    if (r->buf == NULL || r->rec == NULL) {
        ichg_reader_dispose(r);
        return avow_error_set(AVOW_ENOMEM, "out of memory for the input buffer");
    }
    return 0;
}

void
ichg_reader_dispose(ichg_reader *r)
{
    free(r->buf);
    free(r->rec);
    r->buf = NULL;
    r->rec = NULL;
}

int
ichg_reader_rewind(ichg_reader *r)
{
    if (fseeko(r->f, 0, SEEK_SET) != 0) {
        return avow_error_set(AVOW_EIO, "cannot read the input again: %s", strerror(errno));
    }
    clearerr(r->f);
    r->pos = r->end = 0;
    r->eof = 0;
    r->offset = 0;
    r->line = 1;
    return 0;
}

static int
rd_fill(ichg_reader *r)
{
    size_t n;
    if (r->pos < r->end || r->eof) {
        return 0;
    }
    n = fread(r->buf, 1, ICHG_READ_CHUNK, r->f);
    r->pos = 0;
    r->end = n;
    if (n == 0) {
        if (ferror(r->f)) {
            return avow_error_set(AVOW_EIO, "cannot read the input: %s", strerror(errno));
        }
        r->eof = 1;
    }
    return 0;
}

/* The next byte, RD_EOF, or a negative error. */
static inline int
rd_getc(ichg_reader *r)
{
    int c;
    if (r->pos == r->end) {
        int error = rd_fill(r);
        if (error < 0) {
            return error;
        }
        if (r->eof) {
            return RD_EOF;
        }
    }
    c = r->buf[r->pos++];
    r->offset++;
    if (c == '\n') {
        r->line++;
    }
    return c;
}

static int
rd_peek(ichg_reader *r)
{
    if (r->pos == r->end) {
        int error = rd_fill(r);
        if (error < 0) {
            return error;
        }
        if (r->eof) {
            return RD_EOF;
        }
    }
    return r->buf[r->pos];
}

int
ichg_read_line(ichg_reader *r)
{
    for (;;) {
        size_t len = 0;
        int toolong = 0;
        int blank = 1;
        int c;

        r->rec_line = r->line;
        r->rec_len = 0;
        c = rd_getc(r);
        if (c == RD_EOF) {
            return 0;
        }
        while (c >= 0 && c != RD_EOF && c != '\n') {
            if (len <= AVOW_LINE_MAX) {
                r->rec[len++] = (char)c;
            } else {
                toolong = 1;
            }
            if (c != ' ' && c != '\t' && c != '\r') {
                blank = 0;
            }
            c = rd_getc(r);
        }
        if (c < 0) {
            return c;
        }
        if (len > 0 && r->rec[len - 1] == '\r') {
            len--;
        }
        if (toolong || len > AVOW_LINE_MAX) {
            return avow_error_set(AVOW_ERANGE, "line is longer than %d bytes", AVOW_LINE_MAX);
        }
        if (blank) {
            continue;
        }
        r->rec[len] = '\0';
        r->rec_len = len;
        return 1;
    }
}

/* A malformed CSV record: skip the rest of the physical line. */
static int
csv_fail(ichg_reader *r, int c, const char *what)
{
    while (c >= 0 && c != '\n' && c != RD_EOF) {
        c = rd_getc(r);
    }
    if (c < 0) {
        return c;
    }
    return avow_error_set(AVOW_EFORMAT, "malformed CSV: %s", what);
}

int
ichg_read_csv(ichg_reader *r)
{
    size_t len = 0;
    size_t content = 0;
    int toomany = 0;
    int c;

    r->nfields = 0;
    r->rec_len = 0;
    for (;;) {
        r->rec_line = r->line;
        c = rd_getc(r);
        if (c == RD_EOF) {
            return 0;
        }
        if (c < 0) {
            return c;
        }
        if (c == '\n') {
            continue;
        }
        if (c == '\r' && rd_peek(r) == '\n') {
            (void)rd_getc(r);
            continue;
        }
        break;
    }
    for (;;) {
        size_t start = len;
        if (c == '"') {
            for (;;) {
                c = rd_getc(r);
                if (c < 0) {
                    return c;
                }
                if (c == RD_EOF) {
                    return avow_error_set(AVOW_EFORMAT,
                                          "malformed CSV: a quoted field is not closed");
                }
                if (c == '"') {
                    c = rd_getc(r);
                    if (c != '"') {
                        break;
                    }
                }
                if (c == '\0') {
                    return csv_fail(r, c, "a NUL byte");
                }
                if (content++ < AVOW_LINE_MAX) {
                    r->rec[len++] = (char)c;
                }
            }
            if (c < 0) {
                return c;
            }
            if (c != ',' && c != '\n' && c != '\r' && c != RD_EOF) {
                return csv_fail(r, c, "text after the closing quote of a field");
            }
        } else {
            while (c != ',' && c != '\n' && c != '\r' && c != RD_EOF) {
                if (c < 0) {
                    return c;
                }
                if (c == '"') {
                    return csv_fail(r, c,
                                    "a quote inside an unquoted field (quote the whole field "
                                    "and double the quote)");
                }
                if (c == '\0') {
                    return csv_fail(r, c, "a NUL byte");
                }
                if (content++ < AVOW_LINE_MAX) {
                    r->rec[len++] = (char)c;
                }
                c = rd_getc(r);
            }
        }
        if (r->nfields < ICHG_CSV_MAX_FIELDS) {
            r->rec[len] = '\0';
            r->fields[r->nfields] = r->rec + start;
            r->field_lens[r->nfields] = len - start;
            r->nfields++;
            len++;
        } else {
            toomany = 1;
            len = start;
        }
        if (c == '\r') {
            c = rd_getc(r);
            if (c != '\n') {
                return csv_fail(r, c, "a carriage return not followed by a line feed");
            }
        }
        if (c == '\n' || c == RD_EOF) {
            break;
        }
        c = rd_getc(r);
    }
    if (content > AVOW_LINE_MAX) {
        return avow_error_set(AVOW_ERANGE, "record is longer than %d bytes", AVOW_LINE_MAX);
    }
    if (toomany) {
        return avow_error_set(AVOW_ERANGE, "record has more than %d fields", ICHG_CSV_MAX_FIELDS);
    }
    r->rec_len = len;
    return 1;
}

/* ---- signed events ------------------------------------------------------- */

/* The raw bytes of a line of an export; with check, invariant 3 too. */
static int
event_raw_from_json(avow_buf *raw_out, const char *text, size_t len, int check)
{
    unsigned char bin[AVOW_EVENT_MAX_BYTES];
    char name[48];
    json_error_t jerr;
    json_t *doc = NULL;
    json_t *mine = NULL;
    json_t *raw;
    json_t *value;
    const char *key;
    const char *b64;
    size_t b64len;
    size_t binlen = 0;
    avow_buf rendered = AVOW_BUF_INIT;
    avow_event ev;
    int error;

    doc = json_loadb(text, len, JSON_REJECT_DUPLICATES, &jerr);
    if (doc == NULL) {
        error = avow_error_set(AVOW_EFORMAT, "not JSON: %s (column %d)", jerr.text, jerr.column);
        goto done;
    }
    if (!json_is_object(doc)) {
        error = avow_error_set(AVOW_EFORMAT, "not a JSON object");
        goto done;
    }
    raw = json_object_get(doc, "raw");
    if (!json_is_string(raw)) {
        error = avow_error_set(AVOW_EFORMAT, "no \"raw\" string (the signed event, base64)");
        goto done;
    }
    if (json_object_get(doc, "id") == NULL) {
        error = avow_error_set(AVOW_EFORMAT, "no \"id\" (the event id, 64 hex)");
        goto done;
    }
    b64 = json_string_value(raw);
    b64len = json_string_length(raw);
    if (b64len > ICHG_B64_MAX) {
        error = avow_error_set(AVOW_EVERIFY, "raw is longer than an event can be (%d bytes)",
                               AVOW_EVENT_MAX_BYTES);
        goto done;
    }
    if (note_base64_decode(bin, sizeof(bin), &binlen, b64, b64len) < 0) {
        error = avow_error_set(AVOW_EVERIFY, "raw is not valid base64 (RFC 4648, padded)");
        goto done;
    }
    if (check) {
        if ((error = avow_event_decode(&ev, bin, binlen)) < 0) {
            error = avow_error_set(AVOW_EVERIFY, "raw is not a valid event: %s", avow_error_last());
            goto done;
        }
        if (avow_event_verify(&ev) < 0) {
            error = avow_error_set(AVOW_EVERIFY, "the signature of raw does not verify");
            goto done;
        }
        if ((error = avow_event_to_json(&rendered, &ev, 0, 1)) < 0) {
            goto done;
        }
        mine = json_loadb((const char *)rendered.ptr, rendered.len, 0, &jerr);
        if (mine == NULL) {
            error = avow_error_set(AVOW_ENOMEM, "out of memory parsing JSON");
            goto done;
        }
        json_object_foreach(doc, key, value)
        {
            json_t *expect;
            if (strcmp(key, "index") == 0) {
                if (!json_is_integer(value) || json_integer_value(value) < 0) {
                    error = avow_error_set(AVOW_EFORMAT, "\"index\" is not a count");
                    goto done;
                }
                continue;
            }
            clip(name, key, strlen(key));
            expect = json_object_get(mine, key);
            if (expect == NULL) {
                error = avow_error_set(AVOW_EVERIFY, "\"%s\" is not a member of this event", name);
                goto done;
            }
            if (!json_equal(value, expect)) {
                error =
                  avow_error_set(AVOW_EVERIFY,
                                 strcmp(key, "id") == 0 ? "\"id\" is not the SHA-256 of raw"
                                                        : "\"%s\" does not match the event in raw",
                                 name);
                goto done;
            }
        }
    }
    error = avow_buf_put(raw_out, bin, binlen);
done:
    avow_buf_dispose(&rendered);
    json_decref(mine);
    json_decref(doc);
    return error;
}

int
avow_event_from_json(avow_buf *raw_out, const char *text, size_t len)
{
    if (raw_out == NULL || (text == NULL && len > 0)) {
        return avow_error_set(AVOW_EINVALID, "avow_event_from_json: missing argument");
    }
    return event_raw_from_json(raw_out, text, len, 1);
}

/* ---- unsigned records ---------------------------------------------------- */

enum rec_field {
    RF_KIND,
    RF_AT,
    RF_CONTEST,
    RF_TITLE,
    RF_RULE,
    RF_ACTOR,
    RF_CANDIDATE,
    RF_PERSON,
    RF_SOURCE,
    RF_QUOTE,
    RF_REASON,
    RF_STANCE,
    RF_TARGET,
    RF_COUNT
};

/* RF_CONTEST .. RF_REASON are the draft's text fields, in this order. */
#define RF_TEXT_FIRST RF_CONTEST
#define RF_TEXT_COUNT (RF_REASON - RF_CONTEST + 1)

static const char *const rec_names[RF_COUNT] = {
    [RF_KIND] = "kind",           [RF_AT] = "at",         [RF_CONTEST] = "contest",
    [RF_TITLE] = "title",         [RF_RULE] = "rule",     [RF_ACTOR] = "actor",
    [RF_CANDIDATE] = "candidate", [RF_PERSON] = "person", [RF_SOURCE] = "source",
    [RF_QUOTE] = "quote",         [RF_REASON] = "reason", [RF_STANCE] = "stance",
    [RF_TARGET] = "target",
};

static const size_t draft_text_off[RF_TEXT_COUNT] = {
    offsetof(avow_draft, contest), offsetof(avow_draft, title),     offsetof(avow_draft, rule),
    offsetof(avow_draft, actor),   offsetof(avow_draft, candidate), offsetof(avow_draft, person),
    offsetof(avow_draft, source),  offsetof(avow_draft, quote),     offsetof(avow_draft, reason),
};

static const char **
draft_text(avow_draft *d, size_t i)
{
    return (const char **)(void *)((char *)d + draft_text_off[i]);
}

#define REC_FIELD_LIST                                                                             \
    "kind, at, contest, title, rule, actor, candidate, stance, person, source, quote, reason, "    \
    "target"

typedef struct rec_values {
    const char *v[RF_COUNT]; /* NUL-terminated, NULL when absent */
    size_t len[RF_COUNT];
} rec_values;

struct avow_record {
    avow_draft draft;
    unsigned char target[AVOW_EVENT_ID_BYTES];
    json_t *json;     /* owns the text of a JSON record */
    avow_buf scratch; /* the codec check's encoding */
    avow_buf text;    /* the draft's text once copied out of json */
};

static int
rec_field_index(const char *name, size_t len)
{
    for (int i = 0; i < RF_COUNT; i++) {
        if (strlen(rec_names[i]) == len && memcmp(rec_names[i], name, len) == 0) {
            return i;
        }
    }
    return -1;
}

/* Build the draft and, with check, check it (invariant 2: the codec's own
 * rules). The append pass builds drafts its check pass already checked, and
 * the store encodes them again anyway. */
static int
record_from_values(avow_record *rec, const rec_values *vals, int64_t now, int check)
{
    static const unsigned char zero[AVOW_HASH_BYTES];
    avow_draft d = AVOW_DRAFT_INIT;
    avow_precision prec = AVOW_PREC_MICRO;
    char shown[48];
    int error;

    for (int i = 0; i < RF_COUNT; i++) {
        if (vals->v[i] != NULL && strlen(vals->v[i]) != vals->len[i]) {
            return avow_error_set(AVOW_EINVALID, "%s holds a NUL character", rec_names[i]);
        }
    }
    if (vals->v[RF_KIND] == NULL) {
        return avow_error_set(AVOW_EINVALID,
                              "no kind (contest, member-join, member-leave, candidate-enter, "
                              "candidate-withdraw, stance, retract or decision)");
    }
    d.kind = avow_kind_parse(vals->v[RF_KIND]);
    if (d.kind == 0) {
        clip(shown, vals->v[RF_KIND], vals->len[RF_KIND]);
        return avow_error_set(AVOW_EINVALID,
                              "unknown kind '%s' (contest, member-join, member-leave, "
                              "candidate-enter, candidate-withdraw, stance, retract or decision)",
                              shown);
    }
    if (vals->v[RF_AT] != NULL) {
        if (avow_time_parse(&d.effective_at, &prec, vals->v[RF_AT], AVOW_TIME_START) < 0) {
            return avow_error_set(AVOW_EINVALID, "at: %s", avow_error_last());
        }
        d.precision = (uint8_t)prec;
    } else if (d.kind == AVOW_KIND_RETRACT) {
        d.effective_at = now;
        d.precision = AVOW_PREC_MICRO;
    } else {
        return avow_error_set(AVOW_EINVALID, "no at (when it was declared, ISO 8601, e.g. "
                                             "2024-04-03)");
    }
    if (vals->v[RF_STANCE] != NULL) {
        d.stance = avow_stance_parse(vals->v[RF_STANCE]);
        if (d.stance == AVOW_STANCE_NONE) {
            clip(shown, vals->v[RF_STANCE], vals->len[RF_STANCE]);
            return avow_error_set(AVOW_EINVALID,
                                  "unknown stance '%s' (supports, opposes or undecided)", shown);
        }
    }
    if (vals->v[RF_TARGET] != NULL) {
        if (vals->len[RF_TARGET] != AVOW_HEX_ID_LEN ||
            avow_unhex(rec->target, AVOW_EVENT_ID_BYTES, vals->v[RF_TARGET]) < 0) {
            return avow_error_set(AVOW_EINVALID, "target is not an event id (64 hex characters)");
        }
        d.target = rec->target;
    }
    for (size_t i = 0; i < RF_TEXT_COUNT; i++) {
        *draft_text(&d, i) = vals->v[RF_TEXT_FIRST + i];
    }
    avow_buf_clear(&rec->scratch);
    if (check && (error = codec_encode_message(&rec->scratch, &d, zero, 1, zero, now)) < 0) {
        return error;
    }
    rec->draft = d;
    return 0;
}

int
avow_record_new(avow_record **out)
{
    avow_record *rec;
    if (out == NULL) {
        return avow_error_set(AVOW_EINVALID, "avow_record_new: missing argument");
    }
    rec = calloc(1, sizeof(*rec));
    if (rec == NULL) {
        return avow_error_set(AVOW_ENOMEM, "out of memory for a record");
    }
    *out = rec;
    return 0;
}

void
avow_record_free(avow_record *rec)
{
    if (rec != NULL) {
        json_decref(rec->json);
        avow_buf_dispose(&rec->scratch);
        avow_buf_dispose(&rec->text);
        free(rec);
    }
}

/* Copy the draft's text into rec->text and free the JSON document, in the
 * thread that parsed it, while it is still in cache (a chunk of documents
 * freed later, on another thread, cost more than parsing them). */
static int
record_keep_text(avow_record *rec)
{
    size_t off[RF_TEXT_COUNT];
    int error;
    avow_buf_clear(&rec->text);
    for (size_t t = 0; t < RF_TEXT_COUNT; t++) {
        const char *v = *draft_text(&rec->draft, t);
        off[t] = SIZE_MAX;
        if (v != NULL) {
            off[t] = rec->text.len;
            if ((error = avow_buf_put(&rec->text, v, strlen(v) + 1)) < 0) {
                return error;
            }
        }
    }
    for (size_t t = 0; t < RF_TEXT_COUNT; t++) {
        if (off[t] != SIZE_MAX) {
            *draft_text(&rec->draft, t) = (const char *)rec->text.ptr + off[t];
        }
    }
    json_decref(rec->json);
    rec->json = NULL;
    return 0;
}

const avow_draft *
avow_record_draft(const avow_record *rec)
{
    return rec != NULL ? &rec->draft : NULL;
}

static int
record_parse_json(avow_record *rec, const char *text, size_t len, int64_t now, int check)
{
    rec_values vals;
    json_error_t jerr;
    json_t *doc;
    json_t *value;
    const char *key;
    char name[48];
    int error = 0;

    if (rec == NULL || (text == NULL && len > 0)) {
        return avow_error_set(AVOW_EINVALID, "avow_record_parse_json: missing argument");
    }
    memset(&vals, 0, sizeof(vals));
    json_decref(rec->json);
    rec->json = NULL;
    doc = json_loadb(text, len, JSON_REJECT_DUPLICATES, &jerr);
    if (doc == NULL) {
        return avow_error_set(AVOW_EFORMAT, "not JSON: %s (column %d)", jerr.text, jerr.column);
    }
    rec->json = doc;
    if (!json_is_object(doc)) {
        return avow_error_set(AVOW_EFORMAT, "not a JSON object");
    }
    json_object_foreach(doc, key, value)
    {
        int i = rec_field_index(key, strlen(key));
        if (i < 0) {
            clip(name, key, strlen(key));
            return avow_error_set(AVOW_EFORMAT, "unknown member \"%s\" (use " REC_FIELD_LIST ")",
                                  name);
        }
        if (json_is_null(value)) {
            continue;
        }
        if (!json_is_string(value)) {
            clip(name, key, strlen(key));
            return avow_error_set(AVOW_EFORMAT, "\"%s\" is not a string", name);
        }
        vals.v[i] = json_string_value(value);
        vals.len[i] = json_string_length(value);
    }
    error = record_from_values(rec, &vals, now, check);
    return error;
}

int
avow_record_parse_json(avow_record *rec, const char *text, size_t len, int64_t now)
{
    return record_parse_json(rec, text, len, now, 1);
}

/* ---- export -------------------------------------------------------------- */

int
avow_export(avow_ledger *ledger, uint64_t *count, avow_write_cb write, void *write_payload,
            const avow_export_opts *opts)
{
    avow_iter_opts io = AVOW_ITER_OPTS_INIT;
    avow_iter *it = NULL;
    avow_buf buf = AVOW_BUF_INIT;
    avow_event ev;
    uint64_t index = 0;
    uint64_t total = 0;
    uint64_t n = 0;
    int error;

    if (ledger == NULL || write == NULL) {
        return avow_error_set(AVOW_EINVALID, "avow_export: missing argument");
    }
    if (opts != NULL) {
        io.contest = opts->contest;
        io.start = opts->start;
    }
    if ((error = avow_ledger_count(ledger, &total)) < 0 ||
        (error = avow_iter_new(&it, ledger, &io)) < 0) {
        goto done;
    }
    while ((error = avow_iter_next(it, &ev, &index)) == 1) {
        avow_buf_clear(&buf);
        if ((error = avow_event_to_json(&buf, &ev, index, 1)) < 0 ||
            (error = avow_buf_put(&buf, "\n", 1)) < 0 ||
            (error = write(buf.ptr, buf.len, write_payload)) < 0) {
            goto done;
        }
        n++;
        if (opts != NULL && opts->on_progress != NULL && n % ICHG_PROGRESS_EVERY == 0) {
            opts->on_progress(index + 1, total, opts->payload);
        }
    }
    if (error == 0 && opts != NULL && opts->on_progress != NULL) {
        opts->on_progress(total, total, opts->payload);
    }
done:
    if (count != NULL) {
        *count = n;
    }
    avow_buf_dispose(&buf);
    avow_iter_free(it);
    return error;
}

/* ---- import: tables ------------------------------------------------------ */

/* What the check pass tracks per author (signed) or per contest (unsigned). */
typedef struct hset_entry {
    unsigned char *key; /* NULL: free slot */
    size_t klen;
    uint64_t seq;      /* signed: the head so far */
    uint64_t base_seq; /* signed: the head in the ledger */
    unsigned char hash[AVOW_HASH_BYTES];
} hset_entry;

typedef struct hset {
    hset_entry *v;
    size_t cap; /* a power of two, or 0 */
    size_t n;
} hset;

static uint64_t
hset_hash(const unsigned char *key, size_t klen)
{
    uint64_t h = UINT64_C(1469598103934665603);
    for (size_t i = 0; i < klen; i++) {
        h = (h ^ key[i]) * UINT64_C(1099511628211);
    }
    return h;
}

static hset_entry *
hset_find(const hset *s, const void *key, size_t klen)
{
    if (s->cap == 0) {
        return NULL;
    }
    for (size_t i = hset_hash(key, klen) & (s->cap - 1);; i = (i + 1) & (s->cap - 1)) {
        hset_entry *e = &s->v[i];
        if (e->key == NULL) {
            return NULL;
        }
        if (e->klen == klen && memcmp(e->key, key, klen) == 0) {
            return e;
        }
    }
}

static int
hset_add(hset *s, const void *key, size_t klen, hset_entry **out)
{
    hset_entry *e;
    if (2 * (s->n + 1) > s->cap) {
        size_t cap = s->cap == 0 ? 64 : 2 * s->cap;
        hset_entry *v = calloc(cap, sizeof(*v));
        if (v == NULL || cap > SIZE_MAX / sizeof(*v)) {
            free(v);
            return avow_error_set(AVOW_ENOMEM, "out of memory for the import's tables");
        }
        for (size_t j = 0; j < s->cap; j++) {
            if (s->v[j].key != NULL) {
                size_t i = hset_hash(s->v[j].key, s->v[j].klen) & (cap - 1);
                while (v[i].key != NULL) {
                    i = (i + 1) & (cap - 1);
                }
                v[i] = s->v[j];
            }
        }
        free(s->v);
        s->v = v;
        s->cap = cap;
    }
    size_t i = hset_hash(key, klen) & (s->cap - 1);
    while (s->v[i].key != NULL) {
        i = (i + 1) & (s->cap - 1);
    }
    e = &s->v[i];
    e->key = malloc(klen > 0 ? klen : 1);
    if (e->key == NULL) {
        return avow_error_set(AVOW_ENOMEM, "out of memory for the import's tables");
    }
    memcpy(e->key, key, klen);
    e->klen = klen;
    s->n++;
    *out = e;
    return 0;
}

static void
hset_dispose(hset *s)
{
    for (size_t i = 0; i < s->cap; i++) {
        free(s->v[i].key);
    }
    free(s->v);
    memset(s, 0, sizeof(*s));
}

/* ---- import -------------------------------------------------------------- */

/* One unsigned record of a chunk (AVOW_IMPORT_SIGN): its text in the chunk,
 * then its draft, parsed on the pool (invariant 6). */
typedef struct imp_slot {
    avow_record *rec; /* the draft; its strings point into rec or the chunk */
    size_t off, len;  /* JSON: the line in the chunk's text */
    uint64_t line;
    int read;  /* 1: the reader returned it (counted in res->records) */
    int code;  /* 0, or why the line is refused */
    char *msg; /* the message of code (NULL: avow_strerror) */
} imp_slot;

typedef struct imp {
    avow_ledger *ledger;
    avow_import_result *res;
    const avow_import_opts *o;
    unsigned int flags;
    const unsigned char *pk;
    ichg_reader rd;
    FILE *f;
    uint64_t total; /* twice the file size: two passes */
    uint64_t base;  /* bytes of the first pass, during the second */
    uint64_t ticks; /* records seen, for progress */
    int64_t now;
    int csv_map[ICHG_CSV_MAX_FIELDS];
    size_t csv_cols;
    hset authors;  /* signed: author -> head seq and content hash */
    hset contests; /* unsigned: contests defined by good lines */
    uint64_t *bad; /* lines skipped (AVOW_IMPORT_SKIP_BAD) */
    size_t nbad, badcap;
    int first_code;
    char first_msg[512];
    avow_buf tmp;
    /* The batch. */
    size_t batch, n;
    avow_buf arena;
    size_t *offs;
    size_t *lens;
    const unsigned char **ptrs;
    uint64_t *lines;
    /* Unsigned records: a chunk of up to `batch` records read as text
     * (CSV: each field NUL-terminated, at fofs/flen), parsed on the pool. */
    pool *pool;
    int checking; /* the check pass: records are checked as well as parsed */
    imp_slot *slots;
    size_t nslots, slots_max;
    avow_buf text;
    size_t *fofs, *flen;
    avow_draft *drafts;
    /* Invariant 7: the drafts of the good records, written by the check pass. */
    FILE *spill;
    avow_buf spill_buf;  /* a chunk's records, before they are written */
    uint64_t spill_size; /* bytes written */
    uint64_t spill_done; /* bytes read back */
} imp;

static int
is_line_error(int code)
{
    switch (code) {
    case AVOW_EFORMAT:
    case AVOW_EINVALID:
    case AVOW_EVERIFY:
    case AVOW_ECHAIN:
    case AVOW_ENOTFOUND:
    case AVOW_EEXISTS:
    case AVOW_ERANGE:
        return 1;
    default:
        return 0;
    }
}

static void
imp_progress(imp *m, int force)
{
    if (m->o->on_progress != NULL && (force || ++m->ticks % ICHG_PROGRESS_EVERY == 0)) {
        uint64_t done = m->base + m->rd.offset;
        if (m->spill != NULL && m->base > 0) {
            /* The append pass reads the spill: its share of the second half. */
            double part = m->spill_size > 0 ? (double)m->spill_done / (double)m->spill_size : 1;
            done = m->base + (uint64_t)(part * (double)(m->total - m->base));
        }
        m->o->on_progress(done > m->total ? m->total : done, m->total, m->o->payload);
    }
}

/* Invariant 4: report a refused line; keep its number when skipping. */
static int
imp_bad(imp *m, uint64_t line, int code)
{
    const char *what = avow_error_last();
    if (m->res->bad == 0) {
        m->first_code = code;
        m->res->first_bad = line;
        /* A message: truncation is harmless. */
        (void)snprintf(m->first_msg, sizeof(m->first_msg), "%s", what);
    }
    m->res->bad++;
    if (m->o->on_bad != NULL) {
        m->o->on_bad(line, code, what, m->o->payload);
    }
    if (m->flags & AVOW_IMPORT_SKIP_BAD) {
        if (m->nbad == m->badcap) {
            size_t cap = m->badcap == 0 ? 64 : 2 * m->badcap;
            uint64_t *v = realloc(m->bad, cap * sizeof(*v));
            if (v == NULL) {
                return avow_error_set(AVOW_ENOMEM, "out of memory listing bad lines");
            }
            m->bad = v;
            m->badcap = cap;
        }
        m->bad[m->nbad++] = line;
    }
    return 0;
}

static int
imp_csv_header(imp *m)
{
    ichg_reader *r = &m->rd;
    int seen[RF_COUNT] = { 0 };
    char name[48];
    int error = ichg_read_csv(r);

    if (error == 0) {
        return avow_error_set(AVOW_EFORMAT, "line 1: the CSV file is empty (it needs a header "
                                            "row naming its columns)");
    }
    if (error < 0) {
        return avow_error_set(error, "line %" PRIu64 ": header: %s", r->rec_line,
                              avow_error_last());
    }
    for (size_t i = 0; i < r->nfields; i++) {
        const char *f = r->fields[i];
        size_t len = r->field_lens[i];
        int idx;
        if (i == 0 && len >= 3 && memcmp(f, "\xef\xbb\xbf", 3) == 0) {
            /* A UTF-8 byte order mark, as spreadsheets write. */
            f += 3;
            len -= 3;
        }
        idx = rec_field_index(f, len);
        clip(name, f, len);
        if (idx < 0) {
            return avow_error_set(AVOW_EFORMAT,
                                  "line %" PRIu64
                                  ": header: unknown column '%s' (use " REC_FIELD_LIST ")",
                                  r->rec_line, name);
        }
        if (seen[idx]) {
            return avow_error_set(AVOW_EFORMAT, "line %" PRIu64 ": header: column '%s' twice",
                                  r->rec_line, name);
        }
        seen[idx] = 1;
        m->csv_map[i] = idx;
    }
    if (!seen[RF_KIND]) {
        return avow_error_set(AVOW_EFORMAT, "line %" PRIu64 ": header: no column 'kind'",
                              r->rec_line);
    }
    m->csv_cols = r->nfields;
    return 0;
}

/* Next line or record: 1, 0 at the end, or an error (a line error or fatal). */
static int
imp_next(imp *m)
{
    if (m->flags & AVOW_IMPORT_CSV) {
        int error = ichg_read_csv(&m->rd);
        if (error == 1 && m->rd.nfields != m->csv_cols) {
            return avow_error_set(AVOW_EFORMAT, "CSV record has %zu fields, the header %zu",
                                  m->rd.nfields, m->csv_cols);
        }
        return error;
    }
    return ichg_read_line(&m->rd);
}

/* Check pass, one signed event: invariant 3, then its author's chain. */
static int
imp_check_signed(imp *m)
{
    unsigned char id[AVOW_EVENT_ID_BYTES];
    unsigned char h[AVOW_HASH_BYTES];
    char who[9];
    avow_event ev;
    hset_entry *e;
    int error;

    avow_buf_clear(&m->tmp);
    if ((error = avow_event_from_json(&m->tmp, m->rd.rec, m->rd.rec_len)) < 0) {
        return error;
    }
    if ((error = avow_event_decode(&ev, m->tmp.ptr, m->tmp.len)) < 0) {
        return error;
    }
    avow_event_id(id, &ev);
    avow_event_content_hash(h, &ev);
    avow_hex(who, ev.author, 4);
    e = hset_find(&m->authors, ev.author, AVOW_PUBKEY_BYTES);
    if (e == NULL) {
        uint64_t seq = 0;
        unsigned char hash[AVOW_HASH_BYTES];
        if ((error = avow_ledger_head(m->ledger, &seq, hash, ev.author)) < 0 ||
            (error = hset_add(&m->authors, ev.author, AVOW_PUBKEY_BYTES, &e)) < 0) {
            return error;
        }
        e->seq = seq;
        e->base_seq = seq;
        memcpy(e->hash, hash, AVOW_HASH_BYTES);
    }
    if (ev.seq == e->seq + 1) {
        if (sodium_memcmp(ev.prev, e->hash, AVOW_HASH_BYTES) != 0) {
            return avow_error_set(AVOW_ECHAIN,
                                  "author %s seq %" PRIu64 " does not link to its seq %" PRIu64,
                                  who, ev.seq, e->seq);
        }
        e->seq = ev.seq;
        memcpy(e->hash, h, AVOW_HASH_BYTES);
        return 0;
    }
    if (ev.seq <= e->base_seq) {
        /* In the ledger (a duplicate: skipped), or a fork of its chain. */
        avow_buf_clear(&m->tmp);
        error = avow_ledger_get(m->ledger, &m->tmp, NULL, id);
        if (error == AVOW_ENOTFOUND) {
            return avow_error_set(AVOW_ECHAIN,
                                  "author %s seq %" PRIu64
                                  " differs from the event the ledger holds (a fork)",
                                  who, ev.seq);
        }
        return error;
    }
    if (ev.seq <= e->seq) {
        /* The same as an earlier line (a duplicate: skipped), else a fork,
         * which the append refuses. */
        return 0;
    }
    return avow_error_set(AVOW_ECHAIN,
                          "author %s seq %" PRIu64 " follows seq %" PRIu64
                          ": events are missing (import a whole export, not one contest's)",
                          who, ev.seq, e->seq);
}

/* Check pass, one unsigned record parsed (its format is good): the ledger. */
static int
imp_check_draft(imp *m, const avow_draft *d)
{
    char shown[48];
    avow_event ev;
    hset_entry *e;
    int error;

    if (d->kind == AVOW_KIND_RETRACT) {
        char hex[AVOW_HEX_ID_LEN + 1];
        avow_hex(hex, d->target, 8);
        avow_buf_clear(&m->tmp);
        error = avow_ledger_get(m->ledger, &m->tmp, NULL, d->target);
        if (error == AVOW_ENOTFOUND) {
            return avow_error_set(AVOW_ENOTFOUND, "target %s... is not in the ledger", hex);
        }
        if (error < 0) {
            return error;
        }
        if ((error = avow_event_decode(&ev, m->tmp.ptr, m->tmp.len)) < 0) {
            return avow_error_set(AVOW_EIO, "stored event %s... does not decode (run avow verify)",
                                  hex);
        }
        if (sodium_memcmp(ev.author, m->pk, AVOW_PUBKEY_BYTES) != 0) {
            return avow_error_set(AVOW_EINVALID,
                                  "target %s... was signed by another author (only its author "
                                  "retracts an event)",
                                  hex);
        }
        return 0;
    }
    if (d->contest == NULL) {
        return 0;
    }
    clip(shown, d->contest, strlen(d->contest));
    e = hset_find(&m->contests, d->contest, strlen(d->contest));
    if (d->kind == AVOW_KIND_CONTEST) {
        if (e != NULL) {
            return avow_error_set(AVOW_EEXISTS, "contest %s is defined on an earlier line", shown);
        }
        if ((error = avow_ledger_has_contest(m->ledger, d->contest)) < 0) {
            return error;
        }
        if (error == 1) {
            return avow_error_set(AVOW_EEXISTS, "contest %s already exists in the ledger", shown);
        }
        return hset_add(&m->contests, d->contest, strlen(d->contest), &e);
    }
    if (e != NULL) {
        return 0;
    }
    if ((error = avow_ledger_has_contest(m->ledger, d->contest)) < 0) {
        return error;
    }
    if (error == 0) {
        return avow_error_set(AVOW_ENOTFOUND,
                              "no contest %s in the ledger or on an earlier line (define it "
                              "first: kind contest)",
                              shown);
    }
    return 0;
}

/* Copy the record the reader holds into the chunk (slot s). */
static int
imp_stash(imp *m, imp_slot *s)
{
    size_t i = (size_t)(s - m->slots);
    int error;
    if (!(m->flags & AVOW_IMPORT_CSV)) {
        s->off = m->text.len;
        s->len = m->rd.rec_len;
        return avow_buf_put(&m->text, m->rd.rec, m->rd.rec_len + 1);
    }
    for (size_t k = 0; k < m->csv_cols; k++) {
        m->fofs[i * m->csv_cols + k] = m->text.len;
        m->flen[i * m->csv_cols + k] = m->rd.field_lens[k];
        if ((error = avow_buf_put(&m->text, m->rd.fields[k], m->rd.field_lens[k] + 1)) < 0) {
            return error;
        }
    }
    return 0;
}

/* Read the next chunk of unsigned records: up to m->slots_max of them, and no
 * more text than ICHG_CHUNK_TEXT after the first. A line the reader refuses
 * takes a slot with its error. @return 1 (m->nslots > 0), 0 at the end, or a
 * fatal error. */
static int
imp_read_chunk(imp *m)
{
    m->nslots = 0;
    avow_buf_clear(&m->text);
    while (m->nslots < m->slots_max && m->text.len < ICHG_CHUNK_TEXT) {
        imp_slot *s = &m->slots[m->nslots];
        int error = imp_next(m);
        if (error == 0) {
            break;
        }
        free(s->msg);
        s->msg = NULL;
        s->code = 0;
        s->read = error == 1;
        s->line = m->rd.rec_line;
        if (error < 0) {
            if (!is_line_error(error)) {
                return error;
            }
            s->code = error;
            s->msg = strdup(avow_error_last()); /* NULL: the code's own text */
        } else if ((error = imp_stash(m, s)) < 0) {
            return error;
        }
        m->nslots++;
    }
    return m->nslots > 0;
}

/* Parse slots [begin, end) of the chunk: runs on the pool's threads. */
static void
imp_parse_fn(void *vctx, size_t begin, size_t end)
{
    imp *m = vctx;
    for (size_t i = begin; i < end; i++) {
        imp_slot *s = &m->slots[i];
        int error;
        if (s->code != 0) {
            continue;
        }
        if (m->flags & AVOW_IMPORT_CSV) {
            rec_values vals;
            memset(&vals, 0, sizeof(vals));
            for (size_t k = 0; k < m->csv_cols; k++) {
                size_t f = i * m->csv_cols + k;
                if (m->flen[f] > 0) {
                    vals.v[m->csv_map[k]] = (const char *)m->text.ptr + m->fofs[f];
                    vals.len[m->csv_map[k]] = m->flen[f];
                }
            }
            error = record_from_values(s->rec, &vals, m->now, m->checking);
        } else {
            error = record_parse_json(s->rec, (const char *)m->text.ptr + s->off, s->len, m->now,
                                      m->checking);
            if (error == 0) {
                error = record_keep_text(s->rec);
            }
        }
        if (error < 0) {
            s->code = error;
            s->msg = strdup(avow_error_last());
        }
    }
}

/* Read the next chunk and parse it on every core (invariant 6).
 * @return as imp_read_chunk(). */
static int
imp_parse_chunk(imp *m)
{
    int error = imp_read_chunk(m);
    if (error == 1) {
        pool_run(m->pool, imp_parse_fn, m, m->nslots);
    }
    return error;
}

/* The error of a refused slot, as avow_error_last(). */
static int
imp_slot_error(const imp_slot *s)
{
    return avow_error_set(s->code, "%s", s->msg != NULL ? s->msg : avow_strerror(s->code));
}

/* ---- the spill (invariant 7) ---------------------------------------------
 *
 * A spilled record: a u32 length of what follows, the line (u64), the
 * effective time (i64), kind, precision, stance and whether a target
 * follows (a byte each), the target (32 bytes), then each text field of the
 * draft as a u32 length (SPILL_ABSENT: none) and its bytes with their NUL.
 * Native byte order: the file lives and dies with this process.
 */
#define SPILL_ABSENT UINT32_MAX
#define SPILL_FIXED  20 /* line, time, four bytes */

static void
imp_spill_open(imp *m)
{
    const char *dir = getenv("TMPDIR");
    char path[4096];
    int fd, n;
    if (dir == NULL || dir[0] == '\0') {
        dir = "/tmp";
    }
    n = snprintf(path, sizeof(path), "%s/avow-import-XXXXXX", dir);
    if (n < 0 || (size_t)n >= sizeof(path) || (fd = mkstemp(path)) < 0) {
        return; /* no spill: the append pass parses again */
    }
    (void)unlink(path);
    if ((m->spill = fdopen(fd, "w+b")) == NULL) {
        (void)close(fd);
    }
}

/* Give the spill up: the append pass parses the input again. */
static void
imp_spill_drop(imp *m)
{
    if (m->spill != NULL) {
        (void)fclose(m->spill); /* a scratch file: nothing to lose */
        m->spill = NULL;
    }
}

/* Add the draft of a good record to the chunk's part of the spill. */
static int
imp_spill_add(imp *m, uint64_t line, const avow_draft *d)
{
    avow_buf *b = &m->spill_buf;
    const unsigned char flags[4] = { d->kind, d->precision, d->stance, d->target != NULL };
    size_t start = b->len;
    uint32_t len = 0;
    int error;
    if (m->spill == NULL) {
        return 0;
    }
    if ((error = avow_buf_put(b, &len, sizeof(len))) < 0 ||
        (error = avow_buf_put(b, &line, sizeof(line))) < 0 ||
        (error = avow_buf_put(b, &d->effective_at, sizeof(d->effective_at))) < 0 ||
        (error = avow_buf_put(b, flags, sizeof(flags))) < 0 ||
        (d->target != NULL && (error = avow_buf_put(b, d->target, AVOW_EVENT_ID_BYTES)) < 0)) {
        return error;
    }
    for (size_t t = 0; t < RF_TEXT_COUNT; t++) {
        const char *v = *(const char *const *)(const void *)((const char *)d + draft_text_off[t]);
        uint32_t n = v != NULL ? (uint32_t)strlen(v) + 1 : SPILL_ABSENT;
        if ((error = avow_buf_put(b, &n, sizeof(n))) < 0 ||
            (v != NULL && (error = avow_buf_put(b, v, n)) < 0)) {
            return error;
        }
    }
    len = (uint32_t)(b->len - start - sizeof(len));
    memcpy(b->ptr + start, &len, sizeof(len));
    return 0;
}

/* Write the chunk's part of the spill; on failure, give the spill up. */
static void
imp_spill_write(imp *m)
{
    if (m->spill != NULL && m->spill_buf.len > 0) {
        if (fwrite(m->spill_buf.ptr, 1, m->spill_buf.len, m->spill) != m->spill_buf.len) {
            imp_spill_drop(m);
        } else {
            m->spill_size += m->spill_buf.len;
        }
    }
    avow_buf_clear(&m->spill_buf);
}

static int
spill_corrupt(void)
{
    return avow_error_set(AVOW_EIO, "the import's temporary file does not read back as written");
}

/* One spilled record (p, len: what follows its length) into *d and *line;
 * the draft's strings point into p. */
static int
spill_decode(avow_draft *d, uint64_t *line, const unsigned char *p, size_t len)
{
    avow_draft init = AVOW_DRAFT_INIT;
    size_t at = SPILL_FIXED;
    *d = init;
    if (len < SPILL_FIXED) {
        return spill_corrupt();
    }
    memcpy(line, p, 8);
    memcpy(&d->effective_at, p + 8, 8);
    d->kind = p[16];
    d->precision = p[17];
    d->stance = p[18];
    if (p[19]) {
        if (len - at < AVOW_EVENT_ID_BYTES) {
            return spill_corrupt();
        }
        d->target = p + at;
        at += AVOW_EVENT_ID_BYTES;
    }
    for (size_t t = 0; t < RF_TEXT_COUNT; t++) {
        uint32_t n;
        if (len - at < sizeof(n)) {
            return spill_corrupt();
        }
        memcpy(&n, p + at, sizeof(n));
        at += sizeof(n);
        if (n == SPILL_ABSENT) {
            continue;
        }
        if (n == 0 || n > len - at || p[at + n - 1] != '\0') {
            return spill_corrupt();
        }
        *draft_text(d, t) = (const char *)(p + at);
        at += n;
    }
    return at == len ? 0 : spill_corrupt();
}

/* Read the next chunk of spilled drafts (as imp_read_chunk() bounds a chunk)
 * into m->drafts and m->lines. @return 1 (m->n > 0), 0 at the end, or an error. */
static int
imp_spill_read(imp *m)
{
    int error;
    avow_buf_clear(&m->text);
    m->n = 0;
    while (m->n < m->batch && m->text.len < ICHG_CHUNK_TEXT) {
        uint32_t len;
        size_t got = fread(&len, 1, sizeof(len), m->spill);
        if (got == 0 && feof(m->spill)) {
            break;
        }
        if (got != sizeof(len) || len < SPILL_FIXED || len > 2 * AVOW_LINE_MAX + 1024) {
            return spill_corrupt();
        }
        if ((error = avow_buf_grow(&m->text, len)) < 0) {
            return error;
        }
        if (fread(m->text.ptr + m->text.len, 1, len, m->spill) != len) {
            return spill_corrupt();
        }
        m->offs[m->n] = m->text.len;
        m->lens[m->n] = len;
        m->text.len += len;
        m->spill_done += sizeof(len) + len;
        m->n++;
    }
    for (size_t i = 0; i < m->n; i++) {
        error = spill_decode(&m->drafts[i], &m->lines[i], m->text.ptr + m->offs[i], m->lens[i]);
        if (error < 0) {
            m->n = 0;
            return error;
        }
    }
    return m->n > 0;
}

/* Check pass over unsigned records, a chunk at a time: parsed on every core,
 * then checked against the ledger in order (invariant 6). */
static int
imp_check_records(imp *m)
{
    int error;
    m->checking = 1;
    while ((error = imp_parse_chunk(m)) == 1) {
        for (size_t i = 0; i < m->nslots; i++) {
            const imp_slot *s = &m->slots[i];
            m->res->records += (uint64_t)s->read;
            error = s->code != 0 ? imp_slot_error(s) : imp_check_draft(m, &s->rec->draft);
            if (error == 0 && (error = imp_spill_add(m, s->line, &s->rec->draft)) < 0) {
                return error;
            }
            if (error < 0) {
                if (!is_line_error(error)) {
                    return error;
                }
                if ((error = imp_bad(m, s->line, error)) < 0) {
                    return error;
                }
            }
            imp_progress(m, 0);
        }
        imp_spill_write(m);
    }
    return error;
}

/* Room for the CSV fields of a chunk, once the header is known. */
static int
imp_csv_alloc(imp *m)
{
    if (m->fofs != NULL || !(m->flags & AVOW_IMPORT_CSV)) {
        return 0;
    }
    if (m->csv_cols > SIZE_MAX / sizeof(size_t) / m->slots_max) {
        return avow_error_set(AVOW_ERANGE, "avow_import: batch too large");
    }
    m->fofs = calloc(m->slots_max * m->csv_cols, sizeof(*m->fofs));
    m->flen = calloc(m->slots_max * m->csv_cols, sizeof(*m->flen));
    if (m->fofs == NULL || m->flen == NULL) {
        return avow_error_set(AVOW_ENOMEM, "out of memory for a batch");
    }
    return 0;
}

static int
imp_check_pass(imp *m)
{
    int error;

    if ((m->flags & AVOW_IMPORT_CSV) &&
        ((error = imp_csv_header(m)) < 0 || (error = imp_csv_alloc(m)) < 0)) {
        return error;
    }
    if (m->flags & AVOW_IMPORT_SIGN) {
        if ((error = imp_check_records(m)) < 0) {
            return error;
        }
        imp_progress(m, 1);
        return 0;
    }
    for (;;) {
        error = imp_next(m);
        if (error == 0) {
            break;
        }
        if (error == 1) {
            m->res->records++;
            error = imp_check_signed(m);
        }
        if (error < 0) {
            if (!is_line_error(error)) {
                return error;
            }
            if ((error = imp_bad(m, m->rd.rec_line, error)) < 0) {
                return error;
            }
        }
        imp_progress(m, 0);
    }
    imp_progress(m, 1);
    return 0;
}

static int
imp_flush(imp *m)
{
    int error = 0;
    if (m->n == 0) {
        return 0;
    }
    if (m->flags & AVOW_IMPORT_SIGN) {
        size_t failed = 0;
        error = store_append_drafts(m->ledger, m->pool, &failed, NULL, m->o->key, m->drafts, m->n);
        if (error < 0) {
            error = avow_error_set(
              error, "line %" PRIu64 ": %s (%" PRIu64 " events of earlier batches were appended)",
              m->lines[failed < m->n ? failed : 0], avow_error_last(), m->res->appended);
        } else {
            m->res->appended += m->n;
        }
    } else {
        avow_append_result ar;
        for (size_t i = 0; i < m->n; i++) {
            m->ptrs[i] = m->arena.ptr + m->offs[i];
        }
        error = avow_ledger_append_signed(m->ledger, &ar, m->ptrs, m->lens, m->n);
        if (error < 0) {
            error = avow_error_set(
              error, "line %" PRIu64 ": %s (%" PRIu64 " events of earlier batches were appended)",
              m->lines[ar.failed_at < m->n ? ar.failed_at : 0], avow_error_last(),
              m->res->appended);
        } else {
            m->res->appended += ar.appended;
            m->res->duplicates += ar.duplicates;
        }
    }
    m->n = 0;
    avow_buf_clear(&m->arena);
    /* Invariant 1: the map pages this batch read do not pile up. */
    store_trim_pages(m->ledger);
    return error;
}

/* Append pass, one line known good: add it to the batch. */
static int
imp_add(imp *m)
{
    size_t start = m->arena.len;
    int error;

    if ((error = event_raw_from_json(&m->arena, m->rd.rec, m->rd.rec_len, 0)) < 0) {
        return error;
    }
    m->offs[m->n] = start;
    m->lens[m->n] = m->arena.len - start;
    m->lines[m->n] = m->rd.rec_line;
    m->n++;
    return m->n == m->batch ? imp_flush(m) : 0;
}

/* Append pass over unsigned records without a spill (invariant 7): each
 * chunk parsed on every core again, then signed (on every core) and
 * appended, one transaction per chunk. */
static int
imp_append_records(imp *m)
{
    size_t bi = 0;
    int error;
    m->checking = 0;
    while ((error = imp_parse_chunk(m)) == 1) {
        for (size_t i = 0; i < m->nslots; i++) {
            const imp_slot *s = &m->slots[i];
            if (bi < m->nbad && m->bad[bi] == s->line) {
                bi++;
                continue;
            }
            if (s->code != 0) {
                imp_slot_error(s);
                return avow_error_set(s->code,
                                      "line %" PRIu64 ": %s (the file changed during the "
                                      "import?)",
                                      s->line, avow_error_last());
            }
            m->drafts[m->n] = s->rec->draft;
            m->lines[m->n] = s->line;
            m->n++;
            imp_progress(m, 0);
        }
        if ((error = imp_flush(m)) < 0) {
            return error;
        }
    }
    return error;
}

/* Append pass over the spill (invariant 7): no parsing, no re-reading. */
static int
imp_append_spilled(imp *m)
{
    int error;
    while ((error = imp_spill_read(m)) == 1) {
        if ((error = imp_flush(m)) < 0) {
            return error;
        }
        imp_progress(m, 1);
    }
    if (error == 0 && m->spill_done != m->spill_size) {
        error = spill_corrupt();
    }
    if (error < 0 && m->res->appended > 0) {
        error = avow_error_set(error, "%s (%" PRIu64 " events of earlier batches were appended)",
                               avow_error_last(), m->res->appended);
    }
    return error;
}

static int
imp_append_pass(imp *m)
{
    size_t bi = 0;
    int error;

    m->base = m->total / 2;
    if (m->spill != NULL && (fflush(m->spill) != 0 || fseek(m->spill, 0, SEEK_SET) != 0)) {
        imp_spill_drop(m);
    }
    if (m->spill != NULL) {
        error = imp_append_spilled(m);
        imp_progress(m, 1);
        return error;
    }
    if ((error = ichg_reader_rewind(&m->rd)) < 0) {
        return error;
    }
    if ((m->flags & AVOW_IMPORT_CSV) && (error = imp_csv_header(m)) < 0) {
        return error;
    }
    if (m->flags & AVOW_IMPORT_SIGN) {
        if ((error = imp_append_records(m)) < 0) {
            return error;
        }
        imp_progress(m, 1);
        return 0;
    }
    for (;;) {
        error = imp_next(m);
        if (error == 0) {
            break;
        }
        if (bi < m->nbad && m->bad[bi] == m->rd.rec_line) {
            bi++;
            continue;
        }
        if (error == 1) {
            error = imp_add(m);
        }
        if (error < 0) {
            if (is_line_error(error)) {
                error = avow_error_set(error,
                                       "line %" PRIu64 ": %s (the file changed during the "
                                       "import?)",
                                       m->rd.rec_line, avow_error_last());
            }
            return error;
        }
        imp_progress(m, 0);
    }
    if ((error = imp_flush(m)) < 0) {
        return error;
    }
    imp_progress(m, 1);
    return 0;
}

static int
imp_open(imp *m, const char *path)
{
    struct stat st;

    m->f = fopen(path, "rb");
    if (m->f == NULL) {
        return avow_error_set(errno == ENOENT ? AVOW_ENOTFOUND : AVOW_EIO, "cannot open %s: %s",
                              path, strerror(errno));
    }
    if (fstat(fileno(m->f), &st) != 0) {
        return avow_error_set(AVOW_EIO, "cannot stat %s: %s", path, strerror(errno));
    }
    if (!S_ISREG(st.st_mode)) {
        return avow_error_set(AVOW_EINVALID,
                              "%s is not a regular file (import reads it twice: save it to a "
                              "file first)",
                              path);
    }
    m->total = 2 * (uint64_t)st.st_size;
    return 0;
}

static int
imp_alloc(imp *m)
{
    size_t b = m->batch;
    if (m->flags & AVOW_IMPORT_SIGN) {
        m->slots_max = b < ICHG_PARSE_CHUNK ? b : ICHG_PARSE_CHUNK;
        m->slots = calloc(m->slots_max, sizeof(*m->slots));
        m->drafts = calloc(b, sizeof(*m->drafts));
        if (m->slots == NULL || m->drafts == NULL) {
            return avow_error_set(AVOW_ENOMEM, "out of memory for a batch");
        }
        for (size_t i = 0; i < m->slots_max; i++) {
            if (avow_record_new(&m->slots[i].rec) < 0) {
                return AVOW_ENOMEM;
            }
        }
        /* Parse and sign on every core (src/util/pool.c); without, in this thread. */
        if (pool_cores() > 1 && pool_new(&m->pool, (size_t)-1) < 0) {
            m->pool = NULL;
        }
    } else if ((m->ptrs = calloc(b, sizeof(*m->ptrs))) == NULL) {
        return avow_error_set(AVOW_ENOMEM, "out of memory for a batch");
    }
    m->offs = calloc(b, sizeof(*m->offs));
    m->lens = calloc(b, sizeof(*m->lens));
    m->lines = calloc(b, sizeof(*m->lines));
    if (m->offs == NULL || m->lens == NULL || m->lines == NULL) {
        return avow_error_set(AVOW_ENOMEM, "out of memory for a batch");
    }
    return 0;
}

int
avow_import(avow_ledger *ledger, avow_import_result *res, const char *path,
            const avow_import_opts *opts)
{
    static const avow_import_opts defaults = AVOW_IMPORT_OPTS_INIT;
    avow_import_result dummy;
    imp m;
    int error;

    memset(&m, 0, sizeof(m));
    if (res == NULL) {
        res = &dummy;
    }
    memset(res, 0, sizeof(*res));
    m.o = opts != NULL ? opts : &defaults;
    m.flags = m.o->flags;
    m.ledger = ledger;
    m.res = res;
    m.batch = m.o->batch != 0 ? m.o->batch : AVOW_IMPORT_BATCH;
    m.now = avow_time_now();
    if (ledger == NULL || path == NULL) {
        error = avow_error_set(AVOW_EINVALID, "avow_import: missing argument");
        goto done;
    }
    if ((m.flags & AVOW_IMPORT_SIGN) && m.o->key == NULL) {
        error = avow_error_set(AVOW_EINVALID, "avow_import: signing needs a key");
        goto done;
    }
    if ((m.flags & AVOW_IMPORT_CSV) && !(m.flags & AVOW_IMPORT_SIGN)) {
        error = avow_error_set(AVOW_EINVALID, "CSV import is for unsigned records (with --sign)");
        goto done;
    }
    if (m.batch > SIZE_MAX / sizeof(imp_slot)) {
        error = avow_error_set(AVOW_ERANGE, "avow_import: batch too large");
        goto done;
    }
    if (m.flags & AVOW_IMPORT_SIGN) {
        m.pk = avow_key_public(m.o->key);
        imp_spill_open(&m);
    }
    if ((error = imp_open(&m, path)) < 0 || (error = ichg_reader_init(&m.rd, m.f)) < 0 ||
        (error = imp_alloc(&m)) < 0 || (error = imp_check_pass(&m)) < 0) {
        goto done;
    }
    if (res->bad > 0 && !(m.flags & AVOW_IMPORT_SKIP_BAD)) {
        if (res->bad > 1) {
            error = avow_error_set(m.first_code,
                                   "line %" PRIu64 ": %s (and %" PRIu64
                                   " more bad lines; nothing was imported)",
                                   res->first_bad, m.first_msg, res->bad - 1);
        } else {
            error = avow_error_set(m.first_code, "line %" PRIu64 ": %s (nothing was imported)",
                                   res->first_bad, m.first_msg);
        }
        goto done;
    }
    error = imp_append_pass(&m);
done:
    if (m.rd.buf != NULL) {
        ichg_reader_dispose(&m.rd);
    }
    if (m.f != NULL) {
        (void)fclose(m.f); /* read only: nothing to lose */
    }
    pool_free(m.pool);
    for (size_t i = 0; m.slots != NULL && i < m.slots_max; i++) {
        avow_record_free(m.slots[i].rec);
        free(m.slots[i].msg);
    }
    avow_buf_dispose(&m.text);
    imp_spill_drop(&m);
    avow_buf_dispose(&m.spill_buf);
    free(m.fofs);
    free(m.flen);
    hset_dispose(&m.authors);
    hset_dispose(&m.contests);
    avow_buf_dispose(&m.tmp);
    avow_buf_dispose(&m.arena);
    free(m.bad);
    free(m.offs);
    free(m.lens);
    free(m.ptrs);
    free(m.lines);
    free(m.slots);
    free(m.drafts);
    return error;
}
