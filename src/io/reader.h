/* SPDX-License-Identifier: ISC */
/*
 * reader.h - a bounded, buffered reader of lines and records over a FILE
 * (src/io/reader.c), shared by the JSON Lines and the CSV forms of an import
 * (src/io/csv.c splits a record into fields). Exposed for the unit tests and
 * the fuzz target.
 */
#ifndef AVOW_READER_H
#define AVOW_READER_H

#include <stdio.h>

#include "util/common.h"

/* What reader_getc() returns at the end of the file (never a byte). */
#define READER_EOF 256

/* A buffered reader over a FILE, counting lines and bytes. */
typedef struct reader {
    FILE *f;
    unsigned char *buf; /* READER_CHUNK bytes */
    size_t pos, end;
    int eof;
    uint64_t offset; /* bytes consumed */
    uint64_t line;   /* 1-based line number of the next unread byte */
    /* The current line or record: AVOW_LINE_MAX bytes, then a NUL. */
    char *rec;
    size_t rec_len;
    uint64_t rec_line; /* the line the record started on */
    /* CSV: fields as NUL-terminated strings inside rec. */
    size_t nfields;
    const char *fields[READER_MAX_FIELDS];
    size_t field_lens[READER_MAX_FIELDS];
} reader;

/* Start reading f (not owned). @return 0 or AVOW_ENOMEM */
int reader_init(reader *r, FILE *f);
/* Read again from the start of the file. @return 0 or AVOW_EIO */
int reader_rewind(reader *r);
void reader_dispose(reader *r);

/*
 * Next non-blank line (a line of only spaces and tabs is blank) into r->rec,
 * without its LF or CRLF. @return 1 (a line), 0 (end of file), AVOW_ERANGE (the
 * line is longer than AVOW_LINE_MAX: it was skipped whole, r->rec_line names
 * it), AVOW_EIO.
 */
int reader_line(reader *r);

/* Refill the buffer once it is used up (for reader_getc). @return 0 or AVOW_EIO */
int reader_fill(reader *r);

/* 0 with a byte buffered, READER_EOF, or a negative error. */
static inline int
reader_avail(reader *r)
{
    if (r->pos == r->end) {
        int error = reader_fill(r);
        if (error < 0) {
            return error;
        }
        if (r->eof) {
            return READER_EOF;
        }
    }
    return 0;
}

/* The next byte, READER_EOF, or a negative error. Inline: the byte loop of
 * every line and CSV record runs through it. */
static inline int
reader_getc(reader *r)
{
    int c = reader_avail(r);
    if (c != 0) {
        return c;
    }
    c = r->buf[r->pos++];
    r->offset++;
    if (c == '\n') {
        r->line++;
    }
    return c;
}

/* The next byte without consuming it, READER_EOF, or a negative error. */
static inline int
reader_peek(reader *r)
{
    int c = reader_avail(r);
    return c != 0 ? c : r->buf[r->pos];
}

#endif /* AVOW_READER_H */
