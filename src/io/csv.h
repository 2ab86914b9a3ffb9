/* SPDX-License-Identifier: ISC */
/*
 * csv.h - the CSV form of unsigned records (src/io/csv.c): a strict RFC 4180
 * reader over src/io/reader.h, and the header row naming record fields.
 */
#ifndef AVOW_CSV_H
#define AVOW_CSV_H

#include "io/reader.h"
#include "io/record.h"

/*
 * Next CSV record (RFC 4180: fields separated by commas, records by LF or
 * CRLF, quoted fields with "" for a quote, which may span lines) into
 * r->fields. Empty lines are skipped. @return 1 (a record), 0 (end of file),
 * AVOW_EFORMAT (malformed: the rest of the line was skipped, the error names
 * the reason), AVOW_ERANGE (over AVOW_LINE_MAX bytes or READER_MAX_FIELDS
 * fields), AVOW_EIO.
 */
int csv_read(reader *r);

/* The header row: the record field of each column. */
typedef struct csv_header {
    int map[READER_MAX_FIELDS]; /* enum record_field of each column */
    size_t cols;
} csv_header;

/* Read the header row (the file's first record). @return 0, AVOW_EFORMAT
 * (empty file, unknown or repeated column, no column kind: the message
 * names the line), or an error of csv_read() */
int csv_read_header(csv_header *h, reader *r);

/* Next record, as csv_read(), which must have as many fields as the header.
 * @return as csv_read() */
int csv_next(reader *r, const csv_header *h);

/* The values of a record whose fields were copied to text + fofs[k]
 * (flen[k] bytes, then a NUL) for each column k; an empty field is absent. */
void csv_values(record_values *vals, const csv_header *h, const char *text, const size_t *fofs,
                const size_t *flen);

#endif /* AVOW_CSV_H */
