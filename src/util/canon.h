/* SPDX-License-Identifier: ISC */
/*
 * canon.h - the project's canonical JSON writer (docs/FORMAT.md, "Canonical
 * JSON"): the bytes behind the state digest and the evidence file.
 */
#ifndef AVOW_CANON_H
#define AVOW_CANON_H

#include <jansson.h>

#include "util/common.h"

/* Key order of every object of a tree. */
typedef enum canon_order {
    CANON_INSERTED = 0, /* as inserted into the object (the state digest) */
    CANON_SORTED = 1,   /* by the keys' UTF-8 bytes, shorter first on a tie (evidence) */
} canon_order;

/*
 * Append the canonical bytes of v to out (no NUL, no newline).
 * @return 0; AVOW_EINVALID for a real number, a string or key that is not
 *         UTF-8, or nesting past CANON_MAX_DEPTH; AVOW_ENOMEM. On error
 *         out->len is back where it was.
 */
int canon_write(avow_buf *out, const json_t *v, canon_order order);

/*
 * The lowercase hex SHA-256 of the canonical bytes of v, NUL-terminated,
 * computed without building them in memory.
 * @return 0, or the errors of canon_write().
 */
int canon_sha256_hex(char hex_out[2 * AVOW_HASH_BYTES + 1], const json_t *v, canon_order order);

#endif
