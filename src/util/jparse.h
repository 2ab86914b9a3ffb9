/* SPDX-License-Identifier: ISC */
/*
 * jparse.h - the project's strict JSON reader (RFC 8259) into jansson trees,
 * for untrusted input: JSON Lines records and events, evidence files. Every
 * allocation failure is reported as AVOW_ENOMEM, never as a syntax error or
 * a silently wrong tree (jansson 2.14's own reader does both).
 */
#ifndef AVOW_JPARSE_H
#define AVOW_JPARSE_H

#include <jansson.h>

#include "util/common.h"

/* Flags of jparse(). */
#define JPARSE_REJECT_DUPLICATES 0x1u /* a key twice in an object is an error */

/* Why a text is not JSON. */
typedef struct jparse_error {
    char text[96];
    int column; /* 1-based, in bytes since the last newline */
} jparse_error;

/*
 * Parse text (len bytes, no NUL needed) into *out: one object or array,
 * surrounded by whitespace only. Strings must be UTF-8 without U+0000;
 * numbers are integers (signed 64-bit) or reals; nesting is bounded by
 * AVOW_JSON_MAX_DEPTH.
 * @return 0; AVOW_EFORMAT with *err filled (the thread's error detail is
 *         not set); AVOW_ENOMEM. *out is NULL on error.
 */
int jparse(json_t **out, const char *text, size_t len, unsigned int flags, jparse_error *err);

#endif
