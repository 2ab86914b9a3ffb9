/* SPDX-License-Identifier: ISC */
/*
 * reader.c - the bounded line reader of an import: a FILE read a chunk at a
 * time, lines counted, each line (or CSV record, src/io/csv.c) held in one
 * buffer of fixed size.
 *
 * Invariants (tests/unit/test_interchange.c, tests/fuzz/fuzz_jsonl.c):
 *  1. Memory is fixed at reader_init(): READER_CHUNK bytes of input and one
 *     record of at most AVOW_LINE_MAX bytes (plus a NUL after each CSV
 *     field); a longer line is consumed whole and refused (AVOW_ERANGE).
 *  2. r->rec_line is the 1-based number of the line a line or record starts
 *     on, counting every LF of the file (blank lines included), so messages
 *     name the line an editor shows.
 *  3. A line returned holds no LF, no final CR and ends in a NUL at
 *     r->rec[r->rec_len]; a line of only spaces, tabs and CRs is never
 *     returned.
 */
#include <errno.h>
#include <stdlib.h>

#include "io/reader.h"

int
reader_init(reader *r, FILE *f)
{
    memset(r, 0, sizeof(*r));
    r->f = f;
    r->line = 1;
    r->buf = malloc(READER_CHUNK);
    /* Room for a trailing CR, and for the NUL after each CSV field. */
    r->rec = malloc(AVOW_LINE_MAX + READER_MAX_FIELDS + 2);
    if (r->buf == NULL || r->rec == NULL) {
        reader_dispose(r);
        return error_set(AVOW_ENOMEM, "out of memory for the input buffer");
    }
    return 0;
}

void
reader_dispose(reader *r)
{
    free(r->buf);
    free(r->rec);
    r->buf = NULL;
    r->rec = NULL;
}

int
reader_rewind(reader *r)
{
    if (fseeko(r->f, 0, SEEK_SET) != 0) {
        return error_set(AVOW_EIO, "cannot read the input again: %s", strerror(errno));
    }
    clearerr(r->f);
    r->pos = r->end = 0;
    r->eof = 0;
    r->offset = 0;
    r->line = 1;
    return 0;
}

int
reader_fill(reader *r)
{
    size_t n;
    if (r->pos < r->end || r->eof) {
        return 0;
    }
    n = fread(r->buf, 1, READER_CHUNK, r->f);
    r->pos = 0;
    r->end = n;
    if (n == 0) {
        if (ferror(r->f)) {
            return error_set(AVOW_EIO, "cannot read the input: %s", strerror(errno));
        }
        r->eof = 1;
    }
    return 0;
}

/* Invariants 1 and 3. */
int
reader_line(reader *r)
{
    for (;;) {
        size_t len = 0;
        int toolong = 0;
        int blank = 1;
        int c;

        r->rec_line = r->line;
        r->rec_len = 0;
        c = reader_getc(r);
        if (c == READER_EOF) {
            return 0;
        }
        while (c >= 0 && c != READER_EOF && c != '\n') {
            if (len <= AVOW_LINE_MAX) {
                r->rec[len++] = (char)c;
            } else {
                toolong = 1;
            }
            if (c != ' ' && c != '\t' && c != '\r') {
                blank = 0;
            }
            c = reader_getc(r);
        }
        if (c < 0) {
            return c;
        }
        if (len > 0 && r->rec[len - 1] == '\r') {
            len--;
        }
        if (toolong || len > AVOW_LINE_MAX) {
            return error_set(AVOW_ERANGE, "line is longer than %d bytes", AVOW_LINE_MAX);
        }
        if (blank) {
            continue;
        }
        r->rec[len] = '\0';
        r->rec_len = len;
        return 1;
    }
}
