/* SPDX-License-Identifier: ISC */
/*
 * jsonl.h - the lines of the JSON Lines interchange (src/io/jsonl.c): a
 * signed event of an export, an unsigned record to sign.
 */
#ifndef AVOW_JSONL_H
#define AVOW_JSONL_H

#include "util/common.h"

/*
 * Append to raw_out the signed event a line of an export carries; with
 * check, the event is decoded, verified and compared with every other
 * member of the line (src/io/jsonl.c invariant 1). Without check (a line
 * the check pass accepted), only its raw is decoded.
 * @return 0, AVOW_EFORMAT, AVOW_EVERIFY, AVOW_ENOMEM
 */
int jsonl_event_raw(avow_buf *raw_out, const char *text, size_t len, int check);

/* Parse a JSON Lines record into rec; with check, as record_from_values().
 * @return 0, AVOW_EFORMAT, AVOW_EINVALID, AVOW_ENOMEM */
int jsonl_record_parse(avow_record *rec, const char *text, size_t len, int64_t now, int check);

#endif /* AVOW_JSONL_H */
