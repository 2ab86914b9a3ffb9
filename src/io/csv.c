/* SPDX-License-Identifier: ISC */
/*
 * csv.c - unsigned records as CSV (docs/FORMAT.md, "JSON Lines
 * interchange"): a strict RFC 4180 reader, and a header row naming the
 * record fields of the columns.
 *
 * Invariants (tests/unit/test_interchange.c, tests/fuzz/fuzz_jsonl.c):
 *  1. Strict: a quote inside an unquoted field, text after a closing quote,
 *     a CR without LF, a NUL byte or an unclosed quote make the record
 *     malformed (AVOW_EFORMAT), and the rest of its physical line is
 *     skipped, so the next record starts on a line of its own.
 *  2. Bounded: a record's content is at most AVOW_LINE_MAX bytes in at most
 *     READER_MAX_FIELDS fields; a longer record is read to its end and
 *     refused (AVOW_ERANGE). Each field ends in a NUL inside r->rec.
 *  3. The header names each column once, by a record field name (a UTF-8
 *     byte order mark before the first is ignored), and includes kind; every
 *     later record has exactly as many fields.
 */
#include <inttypes.h>

#include "io/clip.h"
#include "io/csv.h"

/* Invariant 1: skip the rest of the physical line. */
static int
csv_fail(reader *r, int c, const char *what)
{
    while (c >= 0 && c != '\n' && c != READER_EOF) {
        c = reader_getc(r);
    }
    if (c < 0) {
        return c;
    }
    return error_set(AVOW_EFORMAT, "malformed CSV: %s", what);
}

/* The first byte of the next record, skipping empty lines; READER_EOF or an
 * error. */
static int
csv_start(reader *r)
{
    for (;;) {
        int c;
        r->rec_line = r->line;
        c = reader_getc(r);
        if (c == READER_EOF || c < 0) {
            return c;
        }
        if (c == '\n') {
            continue;
        }
        if (c == '\r' && reader_peek(r) == '\n') {
            (void)reader_getc(r);
            continue;
        }
        return c;
    }
}

/* Invariants 1 and 2. */
int
csv_read(reader *r)
{
    size_t len = 0;
    size_t content = 0;
    int toomany = 0;
    int c;

    r->nfields = 0;
    r->rec_len = 0;
    c = csv_start(r);
    if (c == READER_EOF) {
        return 0;
    }
    if (c < 0) {
        return c;
    }
    for (;;) {
        size_t start = len;
        if (c == '"') {
            for (;;) {
                c = reader_getc(r);
                if (c < 0) {
                    return c;
                }
                if (c == READER_EOF) {
                    return error_set(AVOW_EFORMAT, "malformed CSV: a quoted field is not closed");
                }
                if (c == '"') {
                    c = reader_getc(r);
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
            if (c != ',' && c != '\n' && c != '\r' && c != READER_EOF) {
                return csv_fail(r, c, "text after the closing quote of a field");
            }
        } else {
            while (c != ',' && c != '\n' && c != '\r' && c != READER_EOF) {
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
                c = reader_getc(r);
            }
        }
        if (r->nfields < READER_MAX_FIELDS) {
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
            c = reader_getc(r);
            if (c != '\n') {
                return csv_fail(r, c, "a carriage return not followed by a line feed");
            }
        }
        if (c == '\n' || c == READER_EOF) {
            break;
        }
        c = reader_getc(r);
    }
    if (content > AVOW_LINE_MAX) {
        return error_set(AVOW_ERANGE, "record is longer than %d bytes", AVOW_LINE_MAX);
    }
    if (toomany) {
        return error_set(AVOW_ERANGE, "record has more than %d fields", READER_MAX_FIELDS);
    }
    r->rec_len = len;
    return 1;
}

/* Invariant 3. */
int
csv_read_header(csv_header *h, reader *r)
{
    int seen[RECORD_COUNT] = { 0 };
    char name[CLIP_BYTES];
    int error = csv_read(r);

    if (error == 0) {
        return error_set(AVOW_EFORMAT, "line 1: the CSV file is empty (it needs a header "
                                       "row naming its columns)");
    }
    if (error < 0) {
        return error_set(error, "line %" PRIu64 ": header: %s", r->rec_line, avow_error_last());
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
        idx = record_field_index(f, len);
        clip_text(name, f, len);
        if (idx < 0) {
            return error_set(AVOW_EFORMAT,
                             "line %" PRIu64 ": header: unknown column '%s' (use " RECORD_FIELD_LIST
                             ")",
                             r->rec_line, name);
        }
        if (seen[idx]) {
            return error_set(AVOW_EFORMAT, "line %" PRIu64 ": header: column '%s' twice",
                             r->rec_line, name);
        }
        seen[idx] = 1;
        h->map[i] = idx;
    }
    if (!seen[RECORD_KIND]) {
        return error_set(AVOW_EFORMAT, "line %" PRIu64 ": header: no column 'kind'", r->rec_line);
    }
    h->cols = r->nfields;
    return 0;
}

/* Invariant 3: as many fields as the header. */
int
csv_next(reader *r, const csv_header *h)
{
    int error = csv_read(r);
    if (error == 1 && r->nfields != h->cols) {
        return error_set(AVOW_EFORMAT, "CSV record has %zu fields, the header %zu", r->nfields,
                         h->cols);
    }
    return error;
}

void
csv_values(record_values *vals, const csv_header *h, const char *text, const size_t *fofs,
           const size_t *flen)
{
    memset(vals, 0, sizeof(*vals));
    for (size_t k = 0; k < h->cols; k++) {
        if (flen[k] > 0) {
            vals->v[h->map[k]] = text + fofs[k];
            vals->len[h->map[k]] = flen[k];
        }
    }
}
