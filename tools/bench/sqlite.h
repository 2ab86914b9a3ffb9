/* SPDX-License-Identifier: ISC */
/*
 * tools/bench/sqlite.h - what a user would pick instead of avow: the bench's
 * records in one SQLite table (issue 21, docs/PERFORMANCE.md, "Against
 * SQLite"). Bench only: the library links no SQLite.
 *
 * Invariants:
 *  1. The table holds the same records as the avow figures beside it (the
 *     caller hands them over one by one with sqlb_row_fn), unsigned.
 *  2. Built without SQLite (AVOW_BENCH_SQLITE undefined), every function
 *     returns SQLB_ABSENT and the figures print n/a.
 */
#ifndef AVOW_BENCH_SQLITE_H
#define AVOW_BENCH_SQLITE_H

#include <stdint.h>

#define SQLB_ABSENT (-2)

struct sqlb_row {
    int64_t seq;
    int64_t effective_at;
    const char *actor; /* NULL: not a stance (the row is skipped) */
    const char *candidate;
    int stance;
    const char *source;
};

/* Fill *out with record i; returns < 0 to stop. */
typedef int (*sqlb_row_fn)(void *ctx, uint64_t i, struct sqlb_row *out);

typedef struct sqlb sqlb;

/* Open (create) the database at path; the stances table and its index
 * (actor, candidate, effective_at) are created if missing. */
int sqlb_open(sqlb **out, const char *path);
void sqlb_close(sqlb *db);
/* Insert records [first, first + n) in one transaction. */
int sqlb_bulk(sqlb *db, uint64_t first, uint64_t n, sqlb_row_fn fn, void *ctx);
/* Insert records [first, first + n), one row per transaction, with
 * journal_mode=WAL and synchronous=FULL (each commit is durable). */
int sqlb_single(sqlb *db, uint64_t first, uint64_t n, sqlb_row_fn fn, void *ctx);
/* The latest stance of every actor on every candidate with effective_at < at,
 * one index seek per pair: *rows gets the number of pairs that have one,
 * *sum a checksum of the stances. */
int sqlb_latest(uint64_t *rows, uint64_t *sum, sqlb *db, int64_t at);

#endif
