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

#endif
