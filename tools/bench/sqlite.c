/* SPDX-License-Identifier: ISC */
/*
 * tools/bench/sqlite.c - the SQLite side of avow-bench's comparison (issue
 * 21): the bench's stances as rows of one unsigned table, what a user would
 * pick instead of a signed ledger.
 *
 * Invariants:
 *  1. Schema: stances(seq INTEGER PRIMARY KEY, effective_at, actor, candidate,
 *     stance, source) and pairs(actor, candidate) (what an application keeps
 *     as its list of actors and candidates), index (actor, candidate,
 *     effective_at): the point-in-time query is one seek per pair.
 *  2. sqlb_single commits each row durably (WAL, synchronous=FULL), as a
 *     durable avow append does; sqlb_bulk uses SQLite's defaults in one
 *     transaction.
 *  3. Without SQLite at build time every function returns SQLB_ABSENT.
 */
#include "sqlite.h"

#include <stdlib.h>

#ifdef AVOW_BENCH_SQLITE
#include <sqlite3.h>

struct sqlb {
    sqlite3 *db;
    sqlite3_stmt *ins;
    sqlite3_stmt *pair;
    sqlite3_stmt *latest;
};

static const char sqlb_schema[] =
  "CREATE TABLE IF NOT EXISTS stances(seq INTEGER PRIMARY KEY, effective_at INTEGER NOT NULL,"
  " actor TEXT NOT NULL, candidate TEXT NOT NULL, stance INTEGER NOT NULL, source TEXT);"
  "CREATE INDEX IF NOT EXISTS stances_at ON stances(actor, candidate, effective_at);"
  "CREATE TABLE IF NOT EXISTS pairs(actor TEXT NOT NULL, candidate TEXT NOT NULL,"
  " PRIMARY KEY(actor, candidate)) WITHOUT ROWID;";

static const char sqlb_latest_sql[] =
  "SELECT (SELECT stance FROM stances s WHERE s.actor = p.actor AND s.candidate = p.candidate"
  " AND s.effective_at < ?1 ORDER BY s.effective_at DESC LIMIT 1) FROM pairs p";

void
sqlb_close(sqlb *db)
{
    if (db == NULL) {
        return;
    }
    sqlite3_finalize(db->ins);
    sqlite3_finalize(db->pair);
    sqlite3_finalize(db->latest);
    sqlite3_close(db->db);
    free(db);
}

int
sqlb_open(sqlb **out, const char *path)
{
    sqlb *db = calloc(1, sizeof(*db));
    *out = NULL;
    if (db == NULL) {
        return -1;
    }
    if (sqlite3_open(path, &db->db) != SQLITE_OK ||
        sqlite3_exec(db->db, sqlb_schema, NULL, NULL, NULL) != SQLITE_OK ||
        sqlite3_prepare_v2(db->db,
                           "INSERT INTO stances(seq, effective_at, actor, candidate, stance, "
                           "source) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                           -1, &db->ins, NULL) != SQLITE_OK ||
        sqlite3_prepare_v2(db->db, "INSERT OR IGNORE INTO pairs VALUES (?1, ?2)", -1, &db->pair,
                           NULL) != SQLITE_OK ||
        sqlite3_prepare_v2(db->db, sqlb_latest_sql, -1, &db->latest, NULL) != SQLITE_OK) {
        sqlb_close(db);
        return -1;
    }
    *out = db;
    return 0;
}

/* One row: the stance and, if new, its pair. */
static int
sqlb_insert(sqlb *db, const struct sqlb_row *row)
{
    sqlite3_stmt *s = db->ins;
    sqlite3_bind_int64(s, 1, row->seq);
    sqlite3_bind_int64(s, 2, row->effective_at);
    sqlite3_bind_text(s, 3, row->actor, -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 4, row->candidate, -1, SQLITE_STATIC);
    sqlite3_bind_int(s, 5, row->stance);
    sqlite3_bind_text(s, 6, row->source, -1, SQLITE_STATIC);
    int rc = sqlite3_step(s);
    sqlite3_reset(s);
    if (rc != SQLITE_DONE) {
        return -1;
    }
    sqlite3_bind_text(db->pair, 1, row->actor, -1, SQLITE_STATIC);
    sqlite3_bind_text(db->pair, 2, row->candidate, -1, SQLITE_STATIC);
    rc = sqlite3_step(db->pair);
    sqlite3_reset(db->pair);
    return rc == SQLITE_DONE ? 0 : -1;
}

/* Records [first, first + n), each stance inserted; outside a transaction
 * each insert is its own. */
static int
sqlb_rows(sqlb *db, uint64_t first, uint64_t n, sqlb_row_fn fn, void *ctx)
{
    for (uint64_t i = first; i < first + n; i++) {
        struct sqlb_row row = { 0 };
        if (fn(ctx, i, &row) < 0) {
            return -1;
        }
        if (row.actor != NULL && sqlb_insert(db, &row) < 0) {
            return -1;
        }
    }
    return 0;
}

int
sqlb_bulk(sqlb *db, uint64_t first, uint64_t n, sqlb_row_fn fn, void *ctx)
{
    if (sqlite3_exec(db->db, "BEGIN", NULL, NULL, NULL) != SQLITE_OK) {
        return -1;
    }
    if (sqlb_rows(db, first, n, fn, ctx) < 0) {
        (void)sqlite3_exec(db->db, "ROLLBACK", NULL, NULL, NULL);
        return -1;
    }
    return sqlite3_exec(db->db, "COMMIT", NULL, NULL, NULL) == SQLITE_OK ? 0 : -1;
}

int
sqlb_single(sqlb *db, uint64_t first, uint64_t n, sqlb_row_fn fn, void *ctx)
{
    if (sqlite3_exec(db->db, "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL", NULL, NULL,
                     NULL) != SQLITE_OK) {
        return -1;
    }
    return sqlb_rows(db, first, n, fn, ctx);
}

int
sqlb_latest(uint64_t *rows, uint64_t *sum, sqlb *db, int64_t at)
{
    sqlite3_stmt *s = db->latest;
    int rc;
    *rows = 0;
    sqlite3_bind_int64(s, 1, at);
    while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
        if (sqlite3_column_type(s, 0) != SQLITE_NULL) {
            *sum += (uint64_t)sqlite3_column_int(s, 0);
            (*rows)++;
        }
    }
    sqlite3_reset(s);
    return rc == SQLITE_DONE ? 0 : -1;
}

#else /* no SQLite: the figures print n/a */

int
sqlb_open(sqlb **out, const char *path)
{
    (void)path;
    *out = NULL;
    return SQLB_ABSENT;
}

void
sqlb_close(sqlb *db)
{
    (void)db;
}

int
sqlb_bulk(sqlb *db, uint64_t first, uint64_t n, sqlb_row_fn fn, void *ctx)
{
    (void)db, (void)first, (void)n, (void)fn, (void)ctx;
    return SQLB_ABSENT;
}

int
sqlb_single(sqlb *db, uint64_t first, uint64_t n, sqlb_row_fn fn, void *ctx)
{
    (void)db, (void)first, (void)n, (void)fn, (void)ctx;
    return SQLB_ABSENT;
}

int
sqlb_latest(uint64_t *rows, uint64_t *sum, sqlb *db, int64_t at)
{
    (void)rows, (void)sum, (void)db, (void)at;
    return SQLB_ABSENT;
}
#endif
