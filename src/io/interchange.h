/* SPDX-License-Identifier: ISC */
/*
 * interchange.h - internals of src/io/interchange.c (JSON Lines and CSV import
 * and export) exposed for the unit tests: the bounded line reader and the
 * strict RFC 4180 CSV reader.
 */
#ifndef AVOW_INTERCHANGE_H
#define AVOW_INTERCHANGE_H

#include <stdio.h>

#include "util/common.h"

/* Columns a CSV record may have (the header names known fields only, so far
 * fewer are ever used; this bounds the reader's table). */
#define ICHG_CSV_MAX_FIELDS 32

/* A buffered reader over a FILE, counting lines and bytes. */
typedef struct ichg_reader {
    FILE *f;
    unsigned char *buf; /* ICHG_READ_CHUNK bytes */
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
    const char *fields[ICHG_CSV_MAX_FIELDS];
    size_t field_lens[ICHG_CSV_MAX_FIELDS];
} ichg_reader;

#define ICHG_READ_CHUNK 65536

/* Start reading f (not owned). @return 0 or AVOW_ENOMEM */
int ichg_reader_init(ichg_reader *r, FILE *f);
/* Read again from the start of the file. @return 0 or AVOW_EIO */
int ichg_reader_rewind(ichg_reader *r);
void ichg_reader_dispose(ichg_reader *r);

/*
 * Next non-blank line (a line of only spaces and tabs is blank) into r->rec,
 * without its LF or CRLF. @return 1 (a line), 0 (end of file), AVOW_ERANGE (the
 * line is longer than AVOW_LINE_MAX: it was skipped whole, r->rec_line names
 * it), AVOW_EIO.
 */
int ichg_read_line(ichg_reader *r);

/*
 * Next CSV record (RFC 4180: fields separated by commas, records by LF or
 * CRLF, quoted fields with "" for a quote, which may span lines) into
 * r->fields. Empty lines are skipped. @return 1 (a record), 0 (end of file),
 * AVOW_EFORMAT (malformed: the rest of the line was skipped, the error names
 * the reason), AVOW_ERANGE (over AVOW_LINE_MAX bytes or ICHG_CSV_MAX_FIELDS
 * fields), AVOW_EIO.
 */
int ichg_read_csv(ichg_reader *r);

#endif /* AVOW_INTERCHANGE_H */
