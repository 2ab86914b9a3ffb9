/* SPDX-License-Identifier: ISC */
/* testutil.h - helpers shared by the unit tests: temporary ledgers, fixed keys. */
#ifndef AVOW_TESTUTIL_H
#define AVOW_TESTUTIL_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "avow.h"

/* A new empty directory under $TMPDIR; the caller frees the path. */
char *tu_tempdir(void);
/* Remove a directory tree (best effort). */
void tu_rmrf(const char *path);
/* Entries of a directory, . and .. aside. */
int tu_count_entries(const char *dir);
/* A key made from a seed of 32 copies of `b`. */
avow_key *tu_key(unsigned char b);
/* Init and open a fresh ledger in a new temp dir; *dir_out is freed by the caller. */
avow_ledger *tu_ledger(char **dir_out);
/* Close a ledger of tu_ledger() and remove its directory (freed). */
void tu_ledger_done(avow_ledger *ledger, char *dir);
/* Whether borrowed text s is c (both absent when c is NULL). */
int tu_str_eq(avow_str s, const char *c);
/* The whole file at path, NUL-terminated (freed by the caller); fails the test
 * when it cannot be read. */
char *tu_read_all(const char *path);
/* The value of the line "name = VALUE" of a vectors file (tests/vectors/),
 * into out; fails the test when it is missing or longer than maxlen - 1. */
void tu_vector_value(const char *file, const char *name, char *out, size_t maxlen);

#endif
