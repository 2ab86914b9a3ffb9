/* SPDX-License-Identifier: ISC */
/*
 * store.c - the ledger: an append-only log of signed events in one LMDB
 * environment per directory (DIR/data.mdb, DIR/lock.mdb), with its indexes.
 *
 * Databases (all keys and integers big-endian, so LMDB's byte order is the
 * numeric order):
 *   meta      "format" -> "1"; "origin" -> text; "owner" -> pubkey(32)
 *   events    u64 log index -> signed event bytes
 *   ids       event id(32) -> u64 index
 *   authors   author(32) || seq(u64) -> u64 index
 *   heads     author(32) -> seq(u64) || content hash(32) || id(32)
 *   bytime    contest || 0x00 || time_key(effective_at) || time_key(recorded_at)
 *             || id(32) -> u64 index
 *   contests  contest id -> u64 index of the first CONTEST event defining it
 *
 * Invariants (tests/unit/test_store.c and avow_ledger_verify() check them):
 *  1. The log only grows: "events" records are written with MDB_APPEND at
 *     index = number of records, never updated or deleted.
 *  2. Every index entry is written in the same write transaction as its event,
 *     so a reader sees an event and its entries together or not at all.
 *  3. An author's events form a chain: seq 1, 2, 3 ... without gaps, each prev
 *     is the content hash of the author's previous event (zeros for seq 1);
 *     "heads" holds the last link. Two different events with one (author, seq)
 *     are a fork: refused by avow_ledger_append_signed(), kept as evidence
 *     outside the chain ("forks", src/replicate/sync.c) when sync or a bundle brings it.
 *  4. Appending a draft reads the head inside the write transaction, so writers
 *     sharing a key (threads or processes: LMDB's writer lock) never fork.
 *  5. A retraction has no contest: it is indexed in "bytime" under the contest
 *     of its target, which is an earlier event of the same author.
 *  6. The map grows by doubling on MDB_MAP_FULL (the whole transaction is
 *     retried) up to AVOW_MAP_MAX, and only while no iterator of this handle
 *     holds a read transaction (a remap would pull the map from under it).
 *  7. The map is never written through (no MDB_WRITEMAP): store_drop_pages()
 *     may drop its pages from the process at any time without losing data.
 *  8. Only the writer thread touches LMDB. The worker pool (src/event/pool.c) signs
 *     or verifies the next chunk of a batch, and hashes it (codec_hashes: id,
 *     content hash, Merkle leaf), while the writer indexes the chunk before.
 *  9. A batch writes its "ids" entries last, in key order (the ids queue):
 *     ids are hashes, so written as they come each would land on a
 *     random leaf, and a large transaction would fault in, copy and keep
 *     nearly every leaf of the index at once. In key order each leaf is
 *     visited once and the map's pages can be dropped behind (invariant 7).
 *     Any lookup by id in the transaction writes the queue first, so the
 *     transaction reads what it wrote (store_get_by_id). A batch of signed
 *     events tells a duplicate from a new event by its (author, seq), not by
 *     its id: every id in "ids" is a chain event's (fork evidence has none).
 * 10. Before a batch, the map is grown to hold it with room to spare
 *     (store_reserve), so that a batch is seldom redone whole, signatures and
 *     all, for MDB_MAP_FULL (invariant 6 remains the fallback).
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>
#include <sys/statvfs.h>
#include <sys/sysmacros.h>

#include <lmdb.h>
#include <sodium.h>

#include "event/codec.h"
#include "event/pool.h"
#include "ledger/store_mdb.h"
#include "ledger/table.h"

/* Drafts per chunk of bulk signing (avow_ledger_append_drafts). */
#define STORE_SIGN_CHUNK 256
/* Batches of at least this many events reserve map room (invariant 10) and
 * write their ids in key order (invariant 9). */
#define STORE_BATCH_MIN 64
/* Map room reserved per event of a batch, beyond its bytes (invariant 10). */
#define STORE_RESERVE_PER_EVENT 1024
/* Events per chunk of pipelined verification (avow_ledger_append_signed). */
#define STORE_VERIFY_CHUNK 1024

#define STORE_FORMAT "1"
/* Retractions of retractions are followed this deep to find their contest. */
#define STORE_RETRACT_DEPTH 16
/* Longest origin line accepted by avow_ledger_init(). */
#define STORE_MAX_ORIGIN 256

static const char *const store_db_names[STORE_DB_COUNT] = {
    "meta",   "events",      "ids",       "authors",     "heads", "bytime", "contests",
    "merkle", "checkpoints", "snapshots", "retractions", "trust", "forks",
};

/* The ids queue of a batch (invariant 9): entries sorted by key, then written. */
struct store_idq_entry {
    uint64_t order; /* the id's first 8 bytes, big-endian: its key order */
    unsigned char id[AVOW_EVENT_ID_BYTES];
    unsigned char ik[8]; /* the log index, as stored */
};

struct store_idq {
    struct store_idq_entry *e;
    size_t n, cap;
    uint64_t failed; /* the log index of the entry that could not be written */
};

struct store_w {
    avow_ledger *ledger;
    MDB_txn *txn;
    int map_full;
    struct store_idq *idq; /* NULL: ids are written as events are indexed */
};

struct avow_ledger {
    MDB_env *env;
    MDB_dbi dbi[STORE_DB_COUNT];
    unsigned int flags;
    unsigned int readers;                        /* open iterators (invariant 6) */
    struct store_w *writer;                      /* the write transaction under way, if any */
    const store_table *tables[STORE_TABLES_MAX]; /* derived tables (ledger/table.h) */
    size_t ntables;
    char *path;
    char *origin;
};

struct avow_iter {
    avow_ledger *ledger;
    MDB_txn *txn;
    MDB_cursor *cur; /* on "authors" with an author filter, else on "events" */
    int started;
    int has_author;
    unsigned char author[AVOW_PUBKEY_BYTES];
    int has_contest;
    size_t contest_len;
    char contest[AVOW_MAX_CONTEST];
    uint64_t start;
};

#ifdef AVOW_TEST
/* Test seams (store.h): file-scope state in the test build only. */
static size_t store_initial_map;

void
store_test_initial_map(size_t bytes)
{
    store_initial_map = bytes;
}

static _Atomic unsigned long store_redone;

unsigned long
store_test_redone(void)
{
    return store_redone;
}

static unsigned long store_rss_budget = STORE_RSS_BUDGET;

void
store_test_rss_budget(unsigned long bytes)
{
    store_rss_budget = bytes;
}

#define STORE_INITIAL_MAP (store_initial_map ? store_initial_map : AVOW_MAP_INITIAL)
#define STORE_REDONE()    (store_redone++)
#define STORE_RSS_LIMIT   store_rss_budget
#else
#define STORE_INITIAL_MAP AVOW_MAP_INITIAL
#define STORE_REDONE()    ((void)0)
#define STORE_RSS_LIMIT   STORE_RSS_BUDGET
#endif

MDB_env *
store_env(const avow_ledger *ledger)
{
    return ledger->env;
}

MDB_dbi
store_dbi(const avow_ledger *ledger, enum store_db db)
{
    return ledger->dbi[db];
}

const char *
store_path(const avow_ledger *ledger)
{
    return ledger->path;
}

/* MDB_val is not const-correct; LMDB never writes through a key or value we pass. */
static void *
unconst(const void *p)
{
    return (void *)(uintptr_t)p;
}

static int
store_errno_error(int rc, const char *what, const char *path)
{
    switch (rc) {
    case MDB_NOTFOUND:
        return avow_error_set(AVOW_ENOTFOUND, "%s: not found (ledger %s)", what, path);
    case MDB_KEYEXIST:
        return avow_error_set(AVOW_EEXISTS, "%s: already present (ledger %s)", what, path);
    case MDB_MAP_FULL:
    case ENOSPC:
        return avow_error_set(AVOW_EFULL, "disk full / map full: %s: %s (ledger %s)", what,
                              mdb_strerror(rc), path);
    case ENOMEM:
        return avow_error_set(AVOW_ENOMEM, "%s: out of memory (ledger %s)", what, path);
    case MDB_READERS_FULL:
    case EAGAIN:
    case EBUSY:
        return avow_error_set(AVOW_ELOCK, "%s: %s (ledger %s is busy)", what, mdb_strerror(rc),
                              path);
    default:
        return avow_error_set(AVOW_EIO, "%s: %s (ledger %s)", what, mdb_strerror(rc), path);
    }
}

int
store_mdb_error(const avow_ledger *ledger, int rc, const char *what)
{
    return store_errno_error(rc, what, ledger->path);
}

/* Keep the codec's detail but say which event of a batch it is about. */
static int store_error_prefix(int code, const char *fmt, ...) AVOW_PRINTF(2, 3);

static int
store_error_prefix(int code, const char *fmt, ...)
{
    char detail[400];
    char head[128];
    va_list ap;
    (void)snprintf(detail, sizeof(detail), "%s", avow_error_last());
    va_start(ap, fmt);
    int n = vsnprintf(head, sizeof(head), fmt, ap);
    va_end(ap);
    if (n < 0) {
        head[0] = '\0';
    }
    return avow_error_set(code, "%s: %s", head, detail);
}

int
store_txn_begin(const avow_ledger *ledger, unsigned int flags, MDB_txn **txn)
{
    int rc;
    for (int tries = 0;; tries++) {
        rc = mdb_txn_begin(ledger->env, NULL, flags, txn);
        if (rc == MDB_MAP_RESIZED && tries < 8 && ledger->readers == 0) {
            /* Another process grew the map: adopt its size and retry. */
            if ((rc = mdb_env_set_mapsize(ledger->env, 0)) == 0) {
                continue;
            }
        }
        break;
    }
    if (rc != 0) {
        *txn = NULL;
        return store_mdb_error(ledger, rc, "cannot begin a transaction");
    }
    return 0;
}

int
store_get(const avow_ledger *ledger, MDB_txn *txn, enum store_db db, const void *k, size_t klen,
          MDB_val *val)
{
    MDB_val key = { klen, unconst(k) };
    int rc = mdb_get(txn, ledger->dbi[db], &key, val);
    if (rc == MDB_NOTFOUND) {
        return AVOW_ENOTFOUND;
    }
    if (rc != 0) {
        return store_mdb_error(ledger, rc, store_db_names[db]);
    }
    return 0;
}

int
store_index_val(uint64_t *index, const MDB_val *val)
{
    if (val->mv_size != 8) {
        return avow_error_set(AVOW_EIO, "malformed index entry (%zu bytes)", val->mv_size);
    }
    *index = be64_get(val->mv_data);
    return 0;
}

/* ---- the LMDB-free interface of store.h ---------------------------------- */

_Static_assert(STORE_PUT_NEW == MDB_NOOVERWRITE, "store_w_put flags are LMDB's");
_Static_assert(STORE_PUT_APPEND == MDB_APPEND, "store_w_put flags are LMDB's");

/* The "generation" key of "meta" (store_generation()). */
static const char store_gen_key[] = "generation";

int
store_txn_read(store_txn **out, const avow_ledger *ledger)
{
    MDB_txn *txn = NULL;
    int error = store_txn_begin(ledger, MDB_RDONLY, &txn);
    *out = store_txn_of(txn);
    return error;
}

void
store_txn_end(store_txn *txn)
{
    if (txn != NULL) {
        mdb_txn_abort(store_mdb_txn(txn));
    }
}

int
store_val_get(store_val *out, const avow_ledger *ledger, store_txn *txn, enum store_db db,
              const void *k, size_t klen)
{
    MDB_val v = { 0, NULL };
    int error = store_get(ledger, store_mdb_txn(txn), db, k, klen, &v);
    if (error == 0) {
        *out = store_val_of(&v);
    }
    return error;
}

int
store_count(uint64_t *out, const avow_ledger *ledger, store_txn *txn, enum store_db db)
{
    MDB_stat st;
    int rc = mdb_stat(store_mdb_txn(txn), ledger->dbi[db], &st);
    if (rc != 0) {
        return store_mdb_error(ledger, rc, store_db_names[db]);
    }
    *out = (uint64_t)st.ms_entries;
    return 0;
}

int
store_cursor_open(store_cursor **out, const avow_ledger *ledger, store_txn *txn, enum store_db db)
{
    MDB_cursor *cur = NULL;
    int rc = mdb_cursor_open(store_mdb_txn(txn), ledger->dbi[db], &cur);
    *out = (store_cursor *)(void *)cur;
    if (rc != 0) {
        *out = NULL;
        return store_mdb_error(ledger, rc, store_db_names[db]);
    }
    return 0;
}

/* An LMDB error met through a cursor, with the ledger's path. */
static int
store_cursor_error(MDB_cursor *cur, int rc, const char *what)
{
    const char *path = NULL;
    if (mdb_env_get_path(mdb_txn_env(mdb_cursor_txn(cur)), &path) != 0 || path == NULL) {
        path = "?";
    }
    return store_errno_error(rc, what, path);
}

int
store_cursor_get(store_cursor *c, store_val *key, store_val *val, enum store_op op)
{
    static const MDB_cursor_op ops[] = {
        [STORE_FIRST] = MDB_FIRST, [STORE_LAST] = MDB_LAST,      [STORE_NEXT] = MDB_NEXT,
        [STORE_PREV] = MDB_PREV,   [STORE_SEEK] = MDB_SET_RANGE, [STORE_EXACT] = MDB_SET_KEY,
    };
    MDB_cursor *cur = store_mdb_cursor(c);
    MDB_val k = { 0, NULL }, v = { 0, NULL };
    if (op == STORE_SEEK || op == STORE_EXACT) {
        k.mv_size = key->len;
        k.mv_data = unconst(key->ptr);
    }
    int rc = mdb_cursor_get(cur, &k, &v, ops[op]);
    if (rc == MDB_NOTFOUND) {
        return AVOW_ENOTFOUND;
    }
    if (rc != 0) {
        return store_cursor_error(cur, rc, "cursor");
    }
    *key = store_val_of(&k);
    if (val != NULL) {
        *val = store_val_of(&v);
    }
    return 0;
}

int
store_cursor_del(store_cursor *c)
{
    MDB_cursor *cur = store_mdb_cursor(c);
    int rc = mdb_cursor_del(cur, 0);
    return rc == 0 ? 0 : store_cursor_error(cur, rc, "cursor delete");
}

void
store_cursor_close(store_cursor *c)
{
    if (c != NULL) {
        mdb_cursor_close(store_mdb_cursor(c));
    }
}

int
store_index_of(uint64_t *index, const store_val *val)
{
    MDB_val v = { val->len, unconst(val->ptr) };
    return store_index_val(index, &v);
}

int
store_event_at(store_val *raw, const avow_ledger *ledger, store_txn *txn, uint64_t index)
{
    MDB_val v;
    int error = store_get_event(ledger, store_mdb_txn(txn), index, &v);
    if (error == 0) {
        *raw = store_val_of(&v);
    }
    return error;
}

int
store_event_by_id(store_val *raw, uint64_t *index, const avow_ledger *ledger, store_txn *txn,
                  const unsigned char id[AVOW_EVENT_ID_BYTES])
{
    MDB_val v;
    int error = store_get_by_id(ledger, store_mdb_txn(txn), id, &v, index);
    if (error == 0) {
        *raw = store_val_of(&v);
    }
    return error;
}

int
store_contest_of(char *buf, size_t *len, const avow_ledger *ledger, store_txn *txn,
                 const avow_event *ev)
{
    return store_resolve_contest(ledger, store_mdb_txn(txn), ev, buf, len);
}

int
store_generation(uint64_t *out, const avow_ledger *ledger, store_txn *txn)
{
    store_val v = { NULL, 0 };
    int error =
      store_val_get(&v, ledger, txn, STORE_DB_META, store_gen_key, sizeof(store_gen_key) - 1);
    if (error == AVOW_ENOTFOUND) {
        *out = 0;
        return 0;
    }
    if (error < 0) {
        return error;
    }
    if (v.len != 8) {
        return avow_error_set(AVOW_EIO, "malformed generation in ledger %s (run avow verify)",
                              ledger->path);
    }
    *out = be64_get(v.ptr);
    return 0;
}

const store_table *const *
store_tables(const avow_ledger *ledger, size_t *n)
{
    *n = ledger->ntables;
    return ledger->tables;
}

/* The bytes of the event at a log index; borrowed from the map. */
/* Where this process maps the file open as fd: the line of /proc/self/maps
 * with its device and inode (Linux). @return 0 with [*start, *end), or -1. */
static int
store_find_map(int fd, uintptr_t *start, uintptr_t *end)
{
    struct stat st;
    char line[512];
    int found = -1;
    if (fstat(fd, &st) != 0) {
        return -1;
    }
    FILE *f = fopen("/proc/self/maps", "r");
    if (f == NULL) {
        return -1;
    }
    /* "start-end perms offset major:minor inode path" */
    while (found < 0 && fgets(line, sizeof(line), f) != NULL) {
        char *p = line, *e = NULL;
        unsigned long long a = strtoull(p, &e, 16);
        if (*e != '-') {
            continue;
        }
        unsigned long long b = strtoull(e + 1, &e, 16);
        p = strchr(e + 1, ' ');                    /* after perms */
        p = p == NULL ? NULL : strchr(p + 1, ' '); /* after offset */
        if (p == NULL) {
            continue;
        }
        unsigned long long maj = strtoull(p + 1, &e, 16);
        if (*e != ':') {
            continue;
        }
        unsigned long long min = strtoull(e + 1, &e, 16);
        unsigned long long ino = strtoull(e, &e, 10);
        if (ino == (unsigned long long)st.st_ino && maj == major(st.st_dev) &&
            min == minor(st.st_dev)) {
            *start = (uintptr_t)a;
            *end = (uintptr_t)b;
            found = 0;
        }
    }
    (void)fclose(f);
    return found;
}

void
store_drop_pages(const avow_ledger *ledger)
{
    MDB_envinfo info;
    MDB_stat st;
    uintptr_t start, end;
    int fd = -1;
    if (ledger == NULL || mdb_env_get_fd(ledger->env, &fd) != 0 ||
        mdb_env_info(ledger->env, &info) != 0 || mdb_env_stat(ledger->env, &st) != 0 ||
        store_find_map(fd, &start, &end) < 0) {
        return;
    }
    /* me_mapaddr is only set with MDB_FIXEDMAP: the map is found by inode. */
    size_t len = ((size_t)info.me_last_pgno + 1) * st.ms_psize;
    if (len > end - start) {
        len = end - start;
    }
    /* Invariant 7: the map is read-only and shared; the page cache keeps the data. */
    (void)madvise((void *)start, len, MADV_DONTNEED);
}

/* Resident pages of this process that map files (/proc/self/statm's third
 * field), or -1 when it cannot be read. */
static long
store_file_pages(void)
{
    char buf[160];
    int fd = open("/proc/self/statm", O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        return -1;
    }
    ssize_t n = read(fd, buf, sizeof(buf) - 1);
    (void)close(fd);
    if (n <= 0) {
        return -1;
    }
    buf[n] = '\0';
    char *p = buf, *e = NULL;
    for (int field = 0; field < 2; field++) {
        (void)strtoul(p, &e, 10);
        if (e == p) {
            return -1;
        }
        p = e;
    }
    unsigned long shared = strtoul(p, &e, 10);
    return e == p ? -1 : (long)shared;
}

int
store_trim_pages(const avow_ledger *ledger)
{
    static long page_size;
    long pages = store_file_pages();
    if (page_size == 0) {
        page_size = sysconf(_SC_PAGESIZE);
    }
    if (pages >= 0 && page_size > 0 &&
        (unsigned long)pages < STORE_RSS_LIMIT / (unsigned long)page_size) {
        return 0;
    }
    store_drop_pages(ledger);
    return 1;
}

int
store_get_event(const avow_ledger *ledger, MDB_txn *txn, uint64_t index, MDB_val *raw)
{
    unsigned char k[8];
    be64_put(k, index);
    return store_get(ledger, txn, STORE_DB_EVENTS, k, sizeof(k), raw);
}

static int store_idq_flush(struct store_w *w);

int
store_get_by_id(const avow_ledger *ledger, MDB_txn *txn, const unsigned char *id, MDB_val *raw,
                uint64_t *index_out)
{
    MDB_val v;
    uint64_t index = 0;
    int error;
    /* Invariant 9: the transaction under way reads the ids it queued. */
    if (ledger->writer != NULL && ledger->writer->txn == txn &&
        (error = store_idq_flush(ledger->writer)) < 0) {
        return error;
    }
    if ((error = store_get(ledger, txn, STORE_DB_IDS, id, AVOW_EVENT_ID_BYTES, &v)) < 0) {
        return error;
    }
    if ((error = store_index_val(&index, &v)) < 0) {
        return error;
    }
    if ((error = store_get_event(ledger, txn, index, raw)) < 0) {
        if (error == AVOW_ENOTFOUND) {
            return avow_error_set(
              AVOW_EIO, "id index points at missing event #%" PRIu64 " (run avow verify)", index);
        }
        return error;
    }
    if (index_out != NULL) {
        *index_out = index;
    }
    return 0;
}

/* Head of an author inside txn: seq 0 and zero hash when the author has none. */
static int
store_head_txn(const avow_ledger *ledger, MDB_txn *txn, const unsigned char *author, uint64_t *seq,
               unsigned char hash[AVOW_HASH_BYTES], unsigned char *id)
{
    MDB_val v;
    int error = store_get(ledger, txn, STORE_DB_HEADS, author, AVOW_PUBKEY_BYTES, &v);
    if (error == AVOW_ENOTFOUND) {
        *seq = 0;
        memset(hash, 0, AVOW_HASH_BYTES);
        if (id != NULL) {
            memset(id, 0, AVOW_EVENT_ID_BYTES);
        }
        return 0;
    }
    if (error < 0) {
        return error;
    }
    if (v.mv_size != STORE_HEAD_BYTES) {
        return avow_error_set(AVOW_EIO, "malformed head entry in ledger %s (run avow verify)",
                              ledger->path);
    }
    const unsigned char *p = v.mv_data;
    *seq = be64_get(p);
    memcpy(hash, p + 8, AVOW_HASH_BYTES);
    if (id != NULL) {
        memcpy(id, p + 8 + AVOW_HASH_BYTES, AVOW_EVENT_ID_BYTES);
    }
    return 0;
}

/*
 * The contest an event is indexed under (invariant 5), copied into buf
 * (AVOW_MAX_CONTEST bytes) because a pointer into the map dies at the next
 * write. @return 1 (found, *len set), 0 (none), or an error.
 */
int
store_resolve_contest(const avow_ledger *ledger, MDB_txn *txn, const avow_event *ev, char *buf,
                      size_t *len)
{
    avow_event tmp;
    const avow_event *cur = ev;
    for (int depth = 0; depth < STORE_RETRACT_DEPTH; depth++) {
        if (cur->contest.ptr != NULL) {
            if (cur->contest.len == 0 || cur->contest.len > AVOW_MAX_CONTEST) {
                return avow_error_set(AVOW_EFORMAT, "contest id of %zu bytes", cur->contest.len);
            }
            memcpy(buf, cur->contest.ptr, cur->contest.len);
            *len = cur->contest.len;
            return 1;
        }
        if (cur->kind != AVOW_KIND_RETRACT || cur->target == NULL) {
            return 0;
        }
        MDB_val raw;
        int error = store_get_by_id(ledger, txn, cur->target, &raw, NULL);
        if (error == AVOW_ENOTFOUND) {
            return 0;
        }
        if (error < 0) {
            return error;
        }
        if (avow_event_decode(&tmp, raw.mv_data, raw.mv_size) < 0) {
            return 0;
        }
        cur = &tmp;
    }
    return 0;
}

size_t
store_bytime_key(unsigned char *key, const avow_str *contest, const avow_event *ev,
                 const unsigned char id[AVOW_EVENT_ID_BYTES])
{
    if (contest->len > AVOW_MAX_CONTEST) {
        return 0;
    }
    size_t n = contest->len;
    memcpy(key, contest->ptr, n);
    key[n++] = 0;
    be64_put(key + n, time_key(ev->effective_at));
    n += 8;
    be64_put(key + n, time_key(ev->recorded_at));
    n += 8;
    memcpy(key + n, id, AVOW_EVENT_ID_BYTES);
    return n + AVOW_EVENT_ID_BYTES;
}

/* ---- write transactions ------------------------------------------------- */

static int
store_put(struct store_w *w, enum store_db db, const void *k, size_t klen, const void *v,
          size_t vlen, unsigned int flags)
{
    MDB_val key = { klen, unconst(k) };
    MDB_val val = { vlen, unconst(v) };
    int rc = mdb_put(w->txn, w->ledger->dbi[db], &key, &val, flags);
    if (rc == 0) {
        return 0;
    }
    if (rc == MDB_MAP_FULL) {
        w->map_full = 1;
    }
    return store_mdb_error(w->ledger, rc, store_db_names[db]);
}

static int
store_idq_push(struct store_idq *q, const unsigned char *id, const unsigned char ik[8])
{
    if (q->n == q->cap) {
        size_t cap = q->cap > 0 ? 2 * q->cap : 1024;
        struct store_idq_entry *e = cap < q->cap ? NULL : realloc(q->e, cap * sizeof(*e));
        if (e == NULL) {
            return avow_error_set(AVOW_ENOMEM, "out of memory for the ids of a batch");
        }
        q->e = e;
        q->cap = cap;
    }
    struct store_idq_entry *x = &q->e[q->n++];
    x->order = be64_get(id);
    memcpy(x->id, id, AVOW_EVENT_ID_BYTES);
    memcpy(x->ik, ik, 8);
    return 0;
}

static int
store_idq_cmp(const void *a, const void *b)
{
    uint64_t x = ((const struct store_idq_entry *)a)->order;
    uint64_t y = ((const struct store_idq_entry *)b)->order;
    return (x > y) - (x < y);
}

/* Write the queued ids in key order, dropping the map's pages behind as it
 * goes (invariants 7 and 9); the queue is then empty. Ids that share their
 * first 8 bytes may come out of order: a cursor put finds its place anyway. */
static int
store_idq_flush(struct store_w *w)
{
    struct store_idq *q = w->idq;
    MDB_cursor *cur = NULL;
    int rc, error = 0;
    if (q == NULL || q->n == 0) {
        return 0;
    }
    qsort(q->e, q->n, sizeof(*q->e), store_idq_cmp);
    if ((rc = mdb_cursor_open(w->txn, w->ledger->dbi[STORE_DB_IDS], &cur)) != 0) {
        return store_mdb_error(w->ledger, rc, store_db_names[STORE_DB_IDS]);
    }
    for (size_t i = 0; i < q->n; i++) {
        MDB_val key = { AVOW_EVENT_ID_BYTES, q->e[i].id };
        MDB_val val = { 8, q->e[i].ik };
        if ((rc = mdb_cursor_put(cur, &key, &val, MDB_NOOVERWRITE)) != 0) {
            w->map_full = rc == MDB_MAP_FULL;
            q->failed = be64_get(q->e[i].ik);
            error = store_mdb_error(w->ledger, rc, store_db_names[STORE_DB_IDS]);
            break;
        }
        if ((i + 1) % STORE_TRIM_EVERY == 0) {
            store_trim_pages(w->ledger);
        }
    }
    mdb_cursor_close(cur);
    q->n = 0;
    return error;
}

static int
store_grow(avow_ledger *ledger)
{
    MDB_envinfo info;
    int rc = mdb_env_info(ledger->env, &info);
    if (rc != 0) {
        return store_mdb_error(ledger, rc, "cannot read the map size");
    }
    uint64_t cur = info.me_mapsize;
    if (cur >= AVOW_MAP_MAX) {
        return avow_error_set(AVOW_EFULL,
                              "disk full / map full: the map of ledger %s reached its limit of "
                              "%" PRIu64 " bytes",
                              ledger->path, (uint64_t)AVOW_MAP_MAX);
    }
    if (ledger->readers > 0) {
        return avow_error_set(AVOW_ELOCK,
                              "map full: cannot grow the map of ledger %s while an iterator is "
                              "open",
                              ledger->path);
    }
    uint64_t next = cur > AVOW_MAP_MAX / 2 ? AVOW_MAP_MAX : cur * 2;
    if (next > SIZE_MAX) {
        next = SIZE_MAX;
    }
    rc = mdb_env_set_mapsize(ledger->env, (size_t)next);
    if (rc != 0) {
        return avow_error_set(AVOW_EFULL,
                              "disk full / map full: cannot grow the map of ledger %s to %" PRIu64
                              " bytes: %s",
                              ledger->path, next, mdb_strerror(rc));
    }
    return 0;
}

/*
 * Grow the map ahead of a batch that would come near filling it (invariant
 * 10): its pages in use, a quarter more for the copies a transaction writes
 * before it frees the originals, and `bytes` for the batch. Best effort: a
 * map that cannot grow now is grown, or refused, on MDB_MAP_FULL.
 */
static void
store_reserve(avow_ledger *ledger, uint64_t bytes)
{
    MDB_envinfo info;
    MDB_stat st;
    if ((ledger->flags & AVOW_OPEN_READONLY) || mdb_env_stat(ledger->env, &st) != 0) {
        return;
    }
    while (ledger->readers == 0 && mdb_env_info(ledger->env, &info) == 0 &&
           info.me_mapsize < AVOW_MAP_MAX) {
        uint64_t used = ((uint64_t)info.me_last_pgno + 1) * st.ms_psize;
        if (used + used / 4 + bytes <= info.me_mapsize) {
            return;
        }
        if (store_grow(ledger) < 0) {
            avow_error_clear();
            return;
        }
    }
}

/* Below this much free space, a failed write is taken for a full disk. */
#define STORE_FULL_SLACK (UINT64_C(1) << 20)

/*
 * A failed commit. LMDB reports a short write as EIO, so a write that ran out
 * of space is told from a failing device by the space left on the file
 * system: a full disk gets AVOW_EFULL and a message that says so.
 */
static int
store_commit_error(const avow_ledger *ledger, int rc)
{
    struct statvfs vfs;
    if ((rc == EIO || rc == ENOSPC) && statvfs(ledger->path, &vfs) == 0 &&
        (uint64_t)vfs.f_bavail * vfs.f_frsize < STORE_FULL_SLACK) {
        return avow_error_set(AVOW_EFULL,
                              "disk full: %" PRIu64 " bytes left on the file system of ledger %s",
                              (uint64_t)vfs.f_bavail * vfs.f_frsize, ledger->path);
    }
    return store_mdb_error(ledger, rc, "cannot commit");
}

MDB_txn *
store_w_txn(const store_w *w)
{
    return w->txn;
}

const avow_ledger *
store_w_ledger(const store_w *w)
{
    return w->ledger;
}

int
store_w_put(store_w *w, enum store_db db, const void *k, size_t klen, const void *v, size_t vlen,
            unsigned int flags)
{
    return store_put(w, db, k, klen, v, vlen, flags);
}

int
store_w_del(store_w *w, enum store_db db, const void *k, size_t klen)
{
    MDB_val key = { klen, unconst(k) };
    int rc = mdb_del(w->txn, w->ledger->dbi[db], &key, NULL);
    if (rc == 0 || rc == MDB_NOTFOUND) {
        return 0;
    }
    if (rc == MDB_MAP_FULL) {
        w->map_full = 1; /* a delete can split pages too: grow and retry */
    }
    return store_mdb_error(w->ledger, rc, store_db_names[db]);
}

store_txn *
store_w_view(const store_w *w)
{
    return store_txn_of(w->txn);
}

int
store_w_clear(store_w *w, enum store_db db)
{
    int rc = mdb_drop(w->txn, w->ledger->dbi[db], 0);
    return rc == 0 ? 0 : store_mdb_error(w->ledger, rc, store_db_names[db]);
}

int
store_w_bump_generation(store_w *w)
{
    unsigned char v[8];
    uint64_t gen = 0;
    int error = store_generation(&gen, w->ledger, store_w_view(w));
    if (error < 0) {
        return error;
    }
    be64_put(v, gen + 1);
    return store_put(w, STORE_DB_META, store_gen_key, sizeof(store_gen_key) - 1, v, sizeof(v), 0);
}

int
store_read_begin(const avow_ledger *ledger, MDB_txn **txn)
{
    return store_txn_begin(ledger, MDB_RDONLY, txn);
}

/* Run fn in a write transaction, retried with a doubled map on MDB_MAP_FULL. */
int
store_write(avow_ledger *ledger, store_write_fn fn, void *ctx)
{
    if (ledger->flags & AVOW_OPEN_READONLY) {
        return avow_error_set(AVOW_EINVALID, "ledger %s is open read-only", ledger->path);
    }
    for (;;) {
        struct store_w w = { ledger, NULL, 0, NULL };
        int error = store_txn_begin(ledger, 0, &w.txn);
        if (error < 0) {
            return error;
        }
        ledger->writer = &w;
        error = fn(&w, ctx);
        ledger->writer = NULL;
        if (error == 0) {
            int rc = mdb_txn_commit(w.txn);
            if (rc != 0) {
                w.map_full = rc == MDB_MAP_FULL;
                error = store_commit_error(ledger, rc);
            }
        } else {
            mdb_txn_abort(w.txn);
        }
        if (error < 0 && w.map_full) {
            int grow = store_grow(ledger);
            if (grow < 0) {
                return grow;
            }
            STORE_REDONE();
            continue;
        }
        return error;
    }
}

/* Write ev (already checked) and all its index entries (invariants 1, 2, 5). */
static int
store_index_event(struct store_w *w, const avow_event *ev, const codec_hashes *h)
{
    const unsigned char *id = h->id;
    const avow_ledger *ledger = w->ledger;
    MDB_stat st;
    unsigned char ik[8], ak[STORE_AUTHOR_KEY_BYTES], head[STORE_HEAD_BYTES];
    unsigned char tk[STORE_BYTIME_KEY_MAX];
    char contest[AVOW_MAX_CONTEST];
    size_t contest_len = 0;
    int error, rc;

    if ((rc = mdb_stat(w->txn, ledger->dbi[STORE_DB_EVENTS], &st)) != 0) {
        return store_mdb_error(ledger, rc, "events");
    }
    be64_put(ik, (uint64_t)st.ms_entries);

    /* Resolve the contest before the first write: it reads from the map. */
    int has_contest = store_resolve_contest(ledger, w->txn, ev, contest, &contest_len);
    if (has_contest < 0) {
        return has_contest;
    }
    if ((error = store_put(w, STORE_DB_EVENTS, ik, 8, ev->raw, ev->raw_len, MDB_APPEND)) < 0) {
        return error;
    }
    if (w->idq != NULL) {
        error = store_idq_push(w->idq, id, ik); /* invariant 9 */
    } else {
        error = store_put(w, STORE_DB_IDS, id, AVOW_EVENT_ID_BYTES, ik, 8, MDB_NOOVERWRITE);
    }
    if (error < 0) {
        return error;
    }
    memcpy(ak, ev->author, AVOW_PUBKEY_BYTES);
    be64_put(ak + AVOW_PUBKEY_BYTES, ev->seq);
    if ((error = store_put(w, STORE_DB_AUTHORS, ak, sizeof(ak), ik, 8, MDB_NOOVERWRITE)) < 0) {
        return error;
    }
    be64_put(head, ev->seq);
    memcpy(head + 8, h->content, AVOW_HASH_BYTES);
    memcpy(head + 8 + AVOW_HASH_BYTES, id, AVOW_EVENT_ID_BYTES);
    if ((error = store_put(w, STORE_DB_HEADS, ev->author, AVOW_PUBKEY_BYTES, head, sizeof(head),
                           0)) < 0) {
        return error;
    }
    if (has_contest) {
        avow_str cs = { contest, contest_len };
        size_t tlen = store_bytime_key(tk, &cs, ev, id);
        if ((error = store_put(w, STORE_DB_BYTIME, tk, tlen, ik, 8, MDB_NOOVERWRITE)) < 0) {
            return error;
        }
    }
    if (ev->kind == AVOW_KIND_CONTEST && ev->contest.ptr != NULL) {
        /* The first definition wins; another author may define the same id later. */
        error =
          store_put(w, STORE_DB_CONTESTS, ev->contest.ptr, ev->contest.len, ik, 8, MDB_NOOVERWRITE);
        if (error < 0 && error != AVOW_EEXISTS) {
            return error;
        }
    }
    /* The derived tables, in the same transaction (table.h invariant 1). */
    store_appended a = { (uint64_t)st.ms_entries,
                         ev,
                         id,
                         h->leaf,
                         { has_contest ? contest : NULL, has_contest ? contest_len : 0 } };
    for (size_t i = 0; i < ledger->ntables; i++) {
        if (ledger->tables[i]->on_append != NULL &&
            (error = ledger->tables[i]->on_append(w, &a)) < 0) {
            return error;
        }
    }
    return 0;
}

/* Keep fork evidence in the tables that hold it (table.h invariant 2).
 * @return 1 when new evidence was stored, 0 when it was held already. */
static int
store_keep_fork(struct store_w *w, const avow_event *ev, const unsigned char *id)
{
    int kept = 0;
    for (size_t i = 0; i < w->ledger->ntables; i++) {
        const store_table *t = w->ledger->tables[i];
        int error = t->on_fork != NULL ? t->on_fork(w, ev, id) : 0;
        if (error < 0) {
            return error;
        }
        kept |= error == 1;
    }
    return kept;
}

static int
store_contest_exists(const avow_ledger *ledger, MDB_txn *txn, const char *contest, size_t len)
{
    MDB_val v;
    if (len == 0) {
        return 0;
    }
    int error = store_get(ledger, txn, STORE_DB_CONTESTS, contest, len, &v);
    if (error == AVOW_ENOTFOUND) {
        return 0;
    }
    return error < 0 ? error : 1;
}

/* The retraction target of ev must be an earlier event of ev's author. */
static int
store_check_target(const avow_ledger *ledger, MDB_txn *txn, const avow_event *ev, int code_missing,
                   int code_other)
{
    char hex[AVOW_HEX_ID_LEN + 1];
    MDB_val raw;
    avow_event target;
    int error;

    if (ev->target == NULL) {
        return avow_error_set(AVOW_EINVALID, "a retraction needs a target event");
    }
    avow_hex(hex, ev->target, AVOW_EVENT_ID_BYTES);
    if ((error = store_get_by_id(ledger, txn, ev->target, &raw, NULL)) < 0) {
        if (error == AVOW_ENOTFOUND) {
            return avow_error_set(code_missing, "retraction target %s is not in ledger %s", hex,
                                  ledger->path);
        }
        return error;
    }
    if (avow_event_decode(&target, raw.mv_data, raw.mv_size) < 0) {
        return avow_error_set(AVOW_EFORMAT,
                              "retraction target %s does not decode (run avow verify)", hex);
    }
    if (memcmp(target.author, ev->author, AVOW_PUBKEY_BYTES) != 0) {
        return avow_error_set(code_other,
                              "event %s is by another author: only its author can retract it", hex);
    }
    return 0;
}

struct drafts_ctx {
    const avow_key *key;
    const avow_draft *drafts;
    size_t n;
    size_t failed_at;
    unsigned char id[AVOW_EVENT_ID_BYTES];
    unsigned char *ids_out;
    avow_buf buf;
    /* Bulk signing (src/event/pool.c): messages of two chunks of drafts, one signed
     * by the pool while this thread indexes the other. */
    avow_buf buf2;
    pool *pool;           /* NULL: sign in this thread */
    struct store_idq idq; /* invariant 9 */
    pool_sign_item items[2][STORE_SIGN_CHUNK];
    codec_hashes hashes[2][STORE_SIGN_CHUNK]; /* content: here; id, leaf: the pool */
};

/*
 * Encode the messages of drafts [*next, ...) into chunk x, each followed by
 * room for its signature. prev chains to the CONTENT hash of the message
 * before (invariant 3), which needs no signature: that is what lets a whole
 * chunk be signed at once. Stops at the first draft that does not encode
 * (*bad, *bad_error). @return the number of messages in the chunk.
 */
static size_t
store_encode_chunk(struct drafts_ctx *c, int x, size_t *next, size_t *bad, int *bad_error,
                   uint64_t *seq, unsigned char prev[AVOW_HASH_BYTES], int64_t at)
{
    avow_buf *buf = x ? &c->buf2 : &c->buf;
    size_t k = 0;
    int error;
    avow_buf_clear(buf);
    while (*bad == SIZE_MAX && *next < c->n && k < STORE_SIGN_CHUNK) {
        size_t off = buf->len;
        if ((error = codec_encode_message(buf, &c->drafts[*next], avow_key_public(c->key), *seq + 1,
                                          prev, at)) < 0 ||
            (error = avow_buf_grow(buf, AVOW_SIG_BYTES)) < 0) {
            *bad = *next;
            *bad_error = error;
            break;
        }
        crypto_hash_sha256(prev, buf->ptr + off, buf->len - off);
        memcpy(c->hashes[x][k].content, prev, AVOW_HASH_BYTES);
        c->items[x][k].off = off;
        c->items[x][k].len = buf->len - off;
        buf->len += AVOW_SIG_BYTES;
        (*seq)++;
        (*next)++;
        k++;
    }
    return k;
}

static int
store_check_draft(struct store_w *w, const avow_event *ev)
{
    const avow_ledger *ledger = w->ledger;
    int exists;
    if (ev->kind == AVOW_KIND_CONTEST) {
        exists = store_contest_exists(ledger, w->txn, ev->contest.ptr, ev->contest.len);
        if (exists < 0) {
            return exists;
        }
        if (exists) {
            return avow_error_set(AVOW_EEXISTS, "contest %.*s already exists in ledger %s",
                                  (int)ev->contest.len, ev->contest.ptr, ledger->path);
        }
    } else if (ev->kind == AVOW_KIND_RETRACT) {
        return store_check_target(ledger, w->txn, ev, AVOW_ENOTFOUND, AVOW_EINVALID);
    } else if (ev->contest.ptr != NULL) {
        exists = store_contest_exists(ledger, w->txn, ev->contest.ptr, ev->contest.len);
        if (exists < 0) {
            return exists;
        }
        if (!exists) {
            return avow_error_set(AVOW_ENOTFOUND,
                                  "no contest %.*s in ledger %s (define it with avow contest new)",
                                  (int)ev->contest.len, ev->contest.ptr, ledger->path);
        }
    }
    return 0;
}

static int
store_drafts_txn(struct store_w *w, void *vctx)
{
    struct drafts_ctx *c = vctx;
    const avow_ledger *ledger = w->ledger;
    const unsigned char *pk = avow_key_public(c->key);
    unsigned char prev[AVOW_HASH_BYTES], head_id[AVOW_EVENT_ID_BYTES];
    uint64_t seq;
    int64_t last = INT64_MIN;
    uint64_t first;
    avow_event ev;
    MDB_stat st;
    MDB_val v;
    int error, rc;

    c->failed_at = 0;
    c->idq.n = 0;
    if ((rc = mdb_stat(w->txn, ledger->dbi[STORE_DB_EVENTS], &st)) != 0) {
        return store_mdb_error(ledger, rc, store_db_names[STORE_DB_EVENTS]);
    }
    first = (uint64_t)st.ms_entries;
    if (c->n >= STORE_BATCH_MIN) {
        w->idq = &c->idq;
    }
    if ((error = store_head_txn(ledger, w->txn, pk, &seq, prev, head_id)) < 0) {
        goto done;
    }
    if (seq > 0) {
        if ((error = store_get_by_id(ledger, w->txn, head_id, &v, NULL)) < 0) {
            goto done;
        }
        if ((error = avow_event_decode(&ev, v.mv_data, v.mv_size)) < 0) {
            error = avow_error_set(AVOW_EIO, "the head event of this author does not decode "
                                             "(run avow verify)");
            goto done;
        }
        last = ev.recorded_at;
    }
    error = store_get(ledger, w->txn, STORE_DB_META, "owner", 5, &v);
    if (error == AVOW_ENOTFOUND) {
        error = store_put(w, STORE_DB_META, "owner", 5, pk, AVOW_PUBKEY_BYTES, 0);
    }
    if (error < 0) {
        goto done;
    }

    int64_t now = avow_time_now();
    int64_t at = now > last ? now : last;
    pool_sign_job job[2];
    size_t base[2], count[2], next = 0, bad = SIZE_MAX;
    int x = 0, bad_error = 0;
    /* Pipeline: encode chunk y, sign it on the pool while chunk x is indexed. */
    base[0] = 0;
    count[0] = store_encode_chunk(c, 0, &next, &bad, &bad_error, &seq, prev, at);
    job[0] = (pool_sign_job){ c->buf.ptr, c->items[0], c->key, c->hashes[0] };
    pool_sign_start(c->pool, &job[0], count[0]);
    while (count[x] > 0) {
        int y = !x;
        base[y] = next;
        count[y] = store_encode_chunk(c, y, &next, &bad, &bad_error, &seq, prev, at);
        pool_wait(c->pool);
        job[y] = (pool_sign_job){ y ? c->buf2.ptr : c->buf.ptr, c->items[y], c->key, c->hashes[y] };
        pool_sign_start(c->pool, &job[y], count[y]);
        for (size_t j = 0; j < count[x]; j++) {
            size_t i = base[x] + j;
            const pool_sign_item *it = &c->items[x][j];
            c->failed_at = i;
            if ((error = avow_event_decode(&ev, job[x].buf + it->off, it->len + AVOW_SIG_BYTES)) <
                0) {
                error = store_error_prefix(AVOW_EINVALID,
                                           "draft %zu signs to bytes that do not decode", i);
                goto done;
            }
            if ((error = store_check_draft(w, &ev)) < 0) {
                goto done;
            }
            if ((error = store_index_event(w, &ev, &c->hashes[x][j])) < 0) {
                goto done;
            }
            memcpy(c->id, c->hashes[x][j].id, AVOW_EVENT_ID_BYTES);
            if (c->ids_out != NULL) {
                memcpy(c->ids_out + i * AVOW_EVENT_ID_BYTES, c->id, AVOW_EVENT_ID_BYTES);
            }
        }
        x = y;
    }
    if (bad != SIZE_MAX) {
        /* Encode the draft again to record its reason on this thread. */
        avow_buf scratch = AVOW_BUF_INIT;
        c->failed_at = bad;
        error = codec_encode_message(&scratch, &c->drafts[bad], pk, seq + 1, prev, at);
        avow_buf_dispose(&scratch);
        if (error == 0) {
            error = avow_error_set(bad_error, "draft %zu: %s", bad, avow_strerror(bad_error));
        }
        goto done;
    }
    if ((error = store_idq_flush(w)) < 0) {
        c->failed_at = c->idq.failed >= first && c->idq.failed - first < c->n
                         ? (size_t)(c->idq.failed - first)
                         : 0;
    }
done:
    pool_wait(c->pool);
    return error;
}

int
store_append_drafts(avow_ledger *ledger, struct pool *p, size_t *failed_at, unsigned char *ids_out,
                    const avow_key *key, const avow_draft *drafts, size_t n)
{
    struct drafts_ctx c;
    memset(&c, 0, sizeof(c));
    if (ledger == NULL || key == NULL || (drafts == NULL && n > 0)) {
        return avow_error_set(AVOW_EINVALID, "avow_ledger_append_drafts: missing argument");
    }
    c.key = key;
    c.drafts = drafts;
    c.n = n;
    c.ids_out = ids_out;
    c.pool = p;
    if (n >= STORE_BATCH_MIN) {
        store_reserve(ledger, (uint64_t)n * STORE_RESERVE_PER_EVENT);
    }
    int error = n == 0 ? 0 : store_write(ledger, store_drafts_txn, &c);
    if (failed_at != NULL) {
        *failed_at = error < 0 ? c.failed_at : n;
    }
    avow_buf_dispose(&c.buf);
    avow_buf_dispose(&c.buf2);
    free(c.idq.e);
    return error;
}

int
avow_ledger_append_drafts(avow_ledger *ledger, size_t *failed_at, unsigned char *ids_out,
                          const avow_key *key, const avow_draft *drafts, size_t n)
{
    pool *p = NULL;
    /* Sign on every core (src/event/pool.c); without a pool, in this thread. */
    if (n >= POOL_MIN_BATCH && pool_cores() > 1 && pool_new(&p, (size_t)-1) < 0) {
        p = NULL;
    }
    int error = store_append_drafts(ledger, p, failed_at, ids_out, key, drafts, n);
    pool_free(p);
    return error;
}

int
avow_ledger_append(avow_ledger *ledger, unsigned char id_out[AVOW_EVENT_ID_BYTES],
                   const avow_key *key, const avow_draft *draft)
{
    struct drafts_ctx c;
    memset(&c, 0, sizeof(c));
    if (ledger == NULL || key == NULL || draft == NULL) {
        return avow_error_set(AVOW_EINVALID, "avow_ledger_append: missing argument");
    }
    c.key = key;
    c.drafts = draft;
    c.n = 1;
    int error = store_write(ledger, store_drafts_txn, &c);
    if (error == 0 && id_out != NULL) {
        memcpy(id_out, c.id, AVOW_EVENT_ID_BYTES);
    }
    avow_buf_dispose(&c.buf);
    return error;
}

struct signed_ctx {
    const unsigned char *const *events;
    const size_t *lens;
    size_t n;
    size_t failed_at;
    size_t appended;
    size_t duplicates;
    const unsigned char *verified; /* n flags: 1 = signature already checked (or NULL) */
    const codec_hashes *hashes;    /* n: the hashes of the verified ones (or NULL) */
    int keep_forks;                /* a fork is kept as evidence (table.h on_fork), not refused */
    int trim;                      /* keep the map's pages within budget as it goes (sync) */
    size_t forks;                  /* new fork evidence stored */
    struct store_idq idq;          /* invariant 9 */
    /* Pipelined verification (pool not NULL): chunk k + 1 is checked on the
     * pool while chunk k is indexed; flags and hashes per chunk, two chunks. */
    pool *pool;
    unsigned char *vok[2];
    codec_hashes *vh[2];
};

/* One event of the batch; ok: its signature was checked (strictly decoded
 * too) and h holds its hashes, else both are done here. */
static int
store_signed_one(struct store_w *w, struct signed_ctx *c, size_t i, int ok, const codec_hashes *h)
{
    const avow_ledger *ledger = w->ledger;
    unsigned char hhash[AVOW_HASH_BYTES];
    unsigned char ak[STORE_AUTHOR_KEY_BYTES];
    codec_hashes local;
    char who[9];
    uint64_t hseq;
    avow_event ev;
    MDB_val v;
    int error;

    c->failed_at = i;
    if (c->events[i] == NULL) {
        return avow_error_set(AVOW_EINVALID, "event %zu of the batch is missing", i);
    }
    if (ok && h != NULL) {
        /* The pool decoded these very bytes strictly already. */
        error = codec_decode_stored(&ev, c->events[i], c->lens[i]);
    } else {
        error = avow_event_decode(&ev, c->events[i], c->lens[i]);
    }
    if (error < 0) {
        return store_error_prefix(AVOW_EFORMAT, "event %zu of the batch", i);
    }
    if (!ok && avow_event_verify(&ev) < 0) {
        return avow_error_set(AVOW_EVERIFY, "event %zu of the batch: signature does not verify", i);
    }
    if (!ok || h == NULL) {
        codec_hash_event(&local, ev.raw, ev.raw_len);
        h = &local;
    }
    avow_hex(who, ev.author, 4);
    memcpy(ak, ev.author, AVOW_PUBKEY_BYTES);
    be64_put(ak + AVOW_PUBKEY_BYTES, ev.seq);
    /* Every id in "ids" is a chain event's, found by its (author, seq): an
     * event whose place is free is new, and one whose place is taken is
     * either that very event or a fork. No lookup by id (invariant 9). */
    error = store_get(ledger, w->txn, STORE_DB_AUTHORS, ak, sizeof(ak), &v);
    if (error == 0) {
        uint64_t at = 0;
        MDB_val raw;
        if ((error = store_index_val(&at, &v)) < 0 ||
            (error = store_get_event(ledger, w->txn, at, &raw)) < 0) {
            return error == AVOW_ENOTFOUND
                     ? avow_error_set(
                         AVOW_EIO,
                         "author index points at missing event #%" PRIu64 " (run avow verify)", at)
                     : error;
        }
        if (raw.mv_size == ev.raw_len && memcmp(raw.mv_data, ev.raw, ev.raw_len) == 0) {
            c->duplicates++;
            return 0;
        }
    }
    if (error == 0 && c->keep_forks) {
        /* Invariant 3: a second signed event for (author, seq) is evidence, kept
         * outside the chain (src/replicate/sync.c). */
        if ((error = store_keep_fork(w, &ev, h->id)) < 0) {
            return error;
        }
        if (error == 1) {
            c->forks++;
        } else {
            c->duplicates++;
        }
        return 0;
    }
    if (error == 0) {
        return avow_error_set(AVOW_ECHAIN, "fork: author %s seq %" PRIu64, who, ev.seq);
    }
    if (error != AVOW_ENOTFOUND) {
        return error;
    }
    if ((error = store_head_txn(ledger, w->txn, ev.author, &hseq, hhash, NULL)) < 0) {
        return error;
    }
    if (ev.seq != hseq + 1) {
        return avow_error_set(AVOW_ECHAIN,
                              "event %zu of the batch: author %s seq %" PRIu64
                              " does not follow its head seq %" PRIu64 " (missing events)",
                              i, who, ev.seq, hseq);
    }
    if (sodium_memcmp(ev.prev, hhash, AVOW_HASH_BYTES) != 0) {
        return avow_error_set(AVOW_ECHAIN,
                              "event %zu of the batch: author %s seq %" PRIu64
                              " does not link to the content hash of seq %" PRIu64,
                              i, who, ev.seq, hseq);
    }
    if (ev.kind == AVOW_KIND_RETRACT) {
        if ((error = store_check_target(ledger, w->txn, &ev, AVOW_ECHAIN, AVOW_ECHAIN)) < 0) {
            return store_error_prefix(error, "event %zu of the batch", i);
        }
    }
    if ((error = store_index_event(w, &ev, h)) < 0) {
        return error;
    }
    c->appended++;
    return 0;
}

/* Start checking events [begin, begin + STORE_VERIFY_CHUNK) on the pool, into
 * the flags and hashes of chunk parity x. */
static void
store_verify_chunk(struct signed_ctx *c, pool_verify_job *job, size_t begin, int x)
{
    size_t count = c->n - begin < STORE_VERIFY_CHUNK ? c->n - begin : STORE_VERIFY_CHUNK;
    *job = (pool_verify_job){ c->vok[x], c->events + begin, c->lens + begin, c->vh[x] };
    pool_verify_start(c->pool, job, count);
}

static int
store_signed_txn(struct store_w *w, void *vctx)
{
    struct signed_ctx *c = vctx;
    pool_verify_job job;
    int error = 0;

    c->appended = 0;
    c->duplicates = 0;
    c->forks = 0;
    c->idq.n = 0;
    if (c->n >= STORE_BATCH_MIN) {
        w->idq = &c->idq;
    }
    if (c->pool == NULL) {
        for (size_t i = 0; i < c->n && error == 0; i++) {
            int ok = c->verified != NULL && c->verified[i];
            error = store_signed_one(w, c, i, ok, c->hashes != NULL ? &c->hashes[i] : NULL);
            if (c->trim && (i + 1) % STORE_TRIM_EVERY_RANDOM == 0) {
                store_trim_pages(w->ledger); /* invariant 7: safe inside a write txn */
            }
        }
    } else {
        /* Invariant 8: verify the next chunk on the pool while this one is indexed. */
        store_verify_chunk(c, &job, 0, 0);
        for (size_t base = 0, k = 0; base < c->n && error == 0; base += STORE_VERIFY_CHUNK, k++) {
            int x = (int)(k & 1);
            size_t count = c->n - base < STORE_VERIFY_CHUNK ? c->n - base : STORE_VERIFY_CHUNK;
            pool_wait(c->pool);
            if (base + count < c->n) {
                store_verify_chunk(c, &job, base + count, !x);
            }
            for (size_t j = 0; j < count && error == 0; j++) {
                error = store_signed_one(w, c, base + j, c->vok[x][j], &c->vh[x][j]);
            }
        }
        pool_wait(c->pool);
    }
    return error < 0 ? error : store_idq_flush(w);
}

/* The batch, its signatures checked on every core as it is indexed. */
static int
store_append_signed_pooled(avow_ledger *ledger, struct signed_ctx *c)
{
    int error;
    if (c->n >= POOL_MIN_BATCH && pool_cores() > 1 && pool_new(&c->pool, (size_t)-1) == 0) {
        for (int x = 0; x < 2; x++) {
            c->vok[x] = malloc(STORE_VERIFY_CHUNK);
            c->vh[x] = malloc(STORE_VERIFY_CHUNK * sizeof(codec_hashes));
            if (c->vok[x] == NULL || c->vh[x] == NULL) {
                /* No room to pipeline: check in the transaction instead. */
                pool_free(c->pool);
                c->pool = NULL;
            }
        }
    }
    error = c->n == 0 ? 0 : store_write(ledger, store_signed_txn, c);
    free(c->idq.e);
    pool_free(c->pool);
    for (int x = 0; x < 2; x++) {
        free(c->vok[x]);
        free(c->vh[x]);
    }
    return error;
}

/* The context of a batch of signed events, its arguments checked. */
static int
store_signed_begin(struct signed_ctx *c, avow_ledger *ledger, const unsigned char *const *events,
                   const size_t *lens, size_t n, const char *caller)
{
    memset(c, 0, sizeof(*c));
    if (ledger == NULL || (n > 0 && (events == NULL || lens == NULL))) {
        return avow_error_set(AVOW_EINVALID, "%s: missing argument", caller);
    }
    c->events = events;
    c->lens = lens;
    c->n = n;
    if (n >= STORE_BATCH_MIN) {
        uint64_t bytes = (uint64_t)n * STORE_RESERVE_PER_EVENT;
        for (size_t i = 0; i < n; i++) {
            /* Longer ones are refused later; they reserve no more. */
            bytes += lens[i] < AVOW_EVENT_MAX_BYTES ? lens[i] : AVOW_EVENT_MAX_BYTES;
        }
        store_reserve(ledger, bytes);
    }
    return 0;
}

static void
store_signed_result(const struct signed_ctx *c, int error, avow_append_result *res, size_t *forks)
{
    if (res != NULL) {
        res->appended = error < 0 ? 0 : c->appended;
        res->duplicates = error < 0 ? 0 : c->duplicates;
        res->failed_at = error < 0 ? c->failed_at : c->n;
    }
    if (forks != NULL) {
        *forks = error < 0 ? 0 : c->forks;
    }
}

int
avow_ledger_append_signed(avow_ledger *ledger, avow_append_result *res,
                          const unsigned char *const *events, const size_t *lens, size_t n)
{
    struct signed_ctx c;
    int error = store_signed_begin(&c, ledger, events, lens, n, "avow_ledger_append_signed");
    if (error < 0) {
        return error;
    }
    error = store_append_signed_pooled(ledger, &c);
    store_signed_result(&c, error, res, NULL);
    return error;
}

int
store_append_signed_checked(avow_ledger *ledger, avow_append_result *res, size_t *forks,
                            const unsigned char *const *events, const size_t *lens, size_t n,
                            const unsigned char *verified, const codec_hashes *hashes)
{
    struct signed_ctx c;
    int error = store_signed_begin(&c, ledger, events, lens, n, "store_append_signed_checked");
    if (error < 0) {
        return error;
    }
    c.keep_forks = 1;
    c.trim = 1; /* sync receive: its peak resident size is a target (store.h) */
    /* Events not marked verified (or all, without flags) are checked in the
     * transaction, which reports the first failure in order. */
    c.verified = verified;
    c.hashes = hashes;
    error = n == 0 ? 0 : store_write(ledger, store_signed_txn, &c);
    free(c.idq.e);
    store_signed_result(&c, error, res, forks);
    return error;
}

int
store_append_signed_keep_forks(avow_ledger *ledger, avow_append_result *res, size_t *forks,
                               const unsigned char *const *events, const size_t *lens, size_t n)
{
    struct signed_ctx c;
    int error = store_signed_begin(&c, ledger, events, lens, n, "store_append_signed_keep_forks");
    if (error < 0) {
        return error;
    }
    c.keep_forks = 1;
    error = store_append_signed_pooled(ledger, &c);
    store_signed_result(&c, error, res, forks);
    return error;
}

/* ---- init, open, close -------------------------------------------------- */

static int
store_env_create(MDB_env **env, const char *path)
{
    int rc = mdb_env_create(env);
    if (rc == 0) {
        rc = mdb_env_set_maxdbs(*env, 16);
    }
    if (rc != 0) {
        if (*env != NULL) {
            mdb_env_close(*env);
            *env = NULL;
        }
        return store_errno_error(rc, "cannot create the LMDB environment", path);
    }
    return 0;
}

static int
store_data_path(char *out, size_t maxlen, const char *path)
{
    int n = snprintf(out, maxlen, "%s/data.mdb", path);
    if (n < 0 || (size_t)n >= maxlen) {
        return avow_error_set(AVOW_EINVALID, "ledger path too long: %s", path);
    }
    return 0;
}

static int
store_check_origin(const char *origin)
{
    size_t len = strlen(origin);
    if (len == 0 || len > STORE_MAX_ORIGIN || avow_utf8_check(origin, len) < 0) {
        return avow_error_set(AVOW_EINVALID, "origin must be 1 to %d bytes of UTF-8",
                              STORE_MAX_ORIGIN);
    }
    for (size_t i = 0; i < len; i++) {
        if ((unsigned char)origin[i] < 0x20 || origin[i] == 0x7f) {
            return avow_error_set(AVOW_EINVALID, "origin must be one line without control "
                                                 "characters");
        }
    }
    return 0;
}

int
avow_ledger_init(const char *path, const char *origin)
{
    char data[4096];
    char gen[5 + 16 + 1];
    struct stat st;
    MDB_env *env = NULL;
    MDB_txn *txn = NULL;
    MDB_dbi dbi[STORE_DB_COUNT];
    int error = 0, rc;

    if (path == NULL || path[0] == '\0') {
        return avow_error_set(AVOW_EINVALID, "no ledger path");
    }
    if (origin == NULL) {
        unsigned char rnd[8];
        randombytes_buf(rnd, sizeof(rnd));
        /* avow_hex() writes the NUL after the prefix. */
        memcpy(gen, "avow/", 5); /* NOLINT(bugprone-not-null-terminated-result) */
        avow_hex(gen + 5, rnd, sizeof(rnd));
        origin = gen;
    }
    if ((error = store_check_origin(origin)) < 0) {
        goto done;
    }
    if ((error = store_data_path(data, sizeof(data), path)) < 0) {
        goto done;
    }
    if (mkdir(path, 0755) < 0 && errno != EEXIST) {
        error = avow_error_set(AVOW_EIO, "cannot create directory %s: %s", path, strerror(errno));
        goto done;
    }
    if (stat(data, &st) == 0) {
        error = avow_error_set(AVOW_EEXISTS, "a ledger already exists at %s", path);
        goto done;
    }
    if ((error = store_env_create(&env, path)) < 0) {
        goto done;
    }
    rc = mdb_env_set_mapsize(env, STORE_INITIAL_MAP);
    if (rc == 0) {
        rc = mdb_env_open(env, path, MDB_NOTLS, 0644);
    }
    if (rc == 0) {
        rc = mdb_txn_begin(env, NULL, 0, &txn);
    }
    for (int i = 0; rc == 0 && i < STORE_DB_COUNT; i++) {
        rc = mdb_dbi_open(txn, store_db_names[i], MDB_CREATE, &dbi[i]);
    }
    if (rc == 0) {
        MDB_val k = { 6, unconst("format") };
        MDB_val v = { 1, unconst(STORE_FORMAT) };
        rc = mdb_put(txn, dbi[STORE_DB_META], &k, &v, 0);
    }
    if (rc == 0) {
        MDB_val k = { 6, unconst("origin") };
        MDB_val v = { strlen(origin), unconst(origin) };
        rc = mdb_put(txn, dbi[STORE_DB_META], &k, &v, 0);
    }
    if (rc == 0) {
        rc = mdb_txn_commit(txn);
        txn = NULL;
    }
    if (rc != 0) {
        error = store_errno_error(rc, "cannot create the ledger", path);
        goto done;
    }
done:
    if (txn != NULL) {
        mdb_txn_abort(txn);
    }
    if (env != NULL) {
        mdb_env_close(env);
    }
    return error;
}

static char *
store_strndup(const char *s, size_t n)
{
    char *p = malloc(n + 1);
    if (p != NULL) {
        memcpy(p, s, n);
        p[n] = '\0';
    }
    return p;
}

int
store_open(avow_ledger **out, const char *path, unsigned int flags,
           const store_table *const *tables, size_t ntables)
{
    char data[4096];
    struct stat st;
    avow_ledger *ledger = NULL;
    MDB_txn *txn = NULL;
    MDB_val v;
    int error = 0, rc;

    if (out == NULL || path == NULL || (flags & ~AVOW_OPEN_READONLY) != 0 ||
        ntables > STORE_TABLES_MAX) {
        return avow_error_set(AVOW_EINVALID, "avow_ledger_open: bad argument");
    }
    *out = NULL;
    if ((error = store_data_path(data, sizeof(data), path)) < 0) {
        goto done;
    }
    if (stat(data, &st) < 0) {
        error = avow_error_set(AVOW_ENOTFOUND, "no ledger at %s (run avow init)", path);
        goto done;
    }
    if ((ledger = calloc(1, sizeof(*ledger))) == NULL ||
        (ledger->path = store_strndup(path, strlen(path))) == NULL) {
        error = avow_error_set(AVOW_ENOMEM, "out of memory opening ledger %s", path);
        goto done;
    }
    ledger->flags = flags;
    for (size_t i = 0; i < ntables; i++) {
        ledger->tables[i] = tables[i];
    }
    ledger->ntables = ntables;
    if ((error = store_env_create(&ledger->env, path)) < 0) {
        goto done;
    }
    rc = mdb_env_open(ledger->env, path,
                      MDB_NOTLS | ((flags & AVOW_OPEN_READONLY) ? MDB_RDONLY : 0), 0644);
    if (rc != 0) {
        error = store_mdb_error(ledger, rc, "cannot open the ledger");
        goto done;
    }
    if ((error = store_txn_begin(ledger, MDB_RDONLY, &txn)) < 0) {
        goto done;
    }
    for (int i = 0; i < STORE_DB_COUNT; i++) {
        if ((rc = mdb_dbi_open(txn, store_db_names[i], 0, &ledger->dbi[i])) != 0) {
            error = store_mdb_error(ledger, rc, store_db_names[i]);
            if (rc == MDB_NOTFOUND) {
                error = avow_error_set(AVOW_EIO, "ledger %s lacks its %s database", path,
                                       store_db_names[i]);
            }
            goto done;
        }
    }
    error = store_get(ledger, txn, STORE_DB_META, "format", 6, &v);
    if (error == 0 && (v.mv_size != 1 || memcmp(v.mv_data, STORE_FORMAT, 1) != 0)) {
        error = avow_error_set(AVOW_EFORMAT, "ledger %s has an unsupported format", path);
    }
    if (error == AVOW_ENOTFOUND) {
        error = avow_error_set(AVOW_EFORMAT, "ledger %s has no format marker", path);
    }
    if (error < 0) {
        goto done;
    }
    if ((error = store_get(ledger, txn, STORE_DB_META, "origin", 6, &v)) < 0) {
        if (error == AVOW_ENOTFOUND) {
            error = avow_error_set(AVOW_EFORMAT, "ledger %s has no origin", path);
        }
        goto done;
    }
    if ((ledger->origin = store_strndup(v.mv_data, v.mv_size)) == NULL) {
        error = avow_error_set(AVOW_ENOMEM, "out of memory opening ledger %s", path);
        goto done;
    }
    /* Committing a read transaction keeps its database handles for the environment. */
    rc = mdb_txn_commit(txn);
    txn = NULL;
    if (rc != 0) {
        error = store_mdb_error(ledger, rc, "cannot open the ledger");
        goto done;
    }
    *out = ledger;
    ledger = NULL;
done:
    if (txn != NULL) {
        mdb_txn_abort(txn);
    }
    avow_ledger_free(ledger);
    return error;
}

void
avow_ledger_free(avow_ledger *ledger)
{
    if (ledger == NULL) {
        return;
    }
    if (ledger->env != NULL) {
        mdb_env_close(ledger->env);
    }
    free(ledger->path);
    free(ledger->origin);
    free(ledger);
}

const char *
avow_ledger_origin(const avow_ledger *ledger)
{
    return ledger->origin;
}

int
avow_ledger_count(const avow_ledger *ledger, uint64_t *out)
{
    MDB_txn *txn = NULL;
    MDB_stat st;
    int error, rc;
    if ((error = store_txn_begin(ledger, MDB_RDONLY, &txn)) < 0) {
        return error;
    }
    if ((rc = mdb_stat(txn, ledger->dbi[STORE_DB_EVENTS], &st)) != 0) {
        error = store_mdb_error(ledger, rc, "events");
    } else {
        *out = (uint64_t)st.ms_entries;
    }
    mdb_txn_abort(txn);
    return error;
}

/* ---- reads -------------------------------------------------------------- */

int
avow_ledger_get(avow_ledger *ledger, avow_buf *out, uint64_t *index_out,
                const unsigned char id[AVOW_EVENT_ID_BYTES])
{
    MDB_txn *txn = NULL;
    MDB_val raw;
    int error;
    if ((error = store_txn_begin(ledger, MDB_RDONLY, &txn)) < 0) {
        return error;
    }
    error = store_get_by_id(ledger, txn, id, &raw, index_out);
    if (error == AVOW_ENOTFOUND) {
        char hex[AVOW_HEX_ID_LEN + 1];
        avow_hex(hex, id, AVOW_EVENT_ID_BYTES);
        error = avow_error_set(AVOW_ENOTFOUND, "no event %s in ledger %s", hex, ledger->path);
    }
    if (error == 0) {
        avow_buf_clear(out);
        error = avow_buf_put(out, raw.mv_data, raw.mv_size);
    }
    mdb_txn_abort(txn);
    return error;
}

int
avow_ledger_resolve_id(avow_ledger *ledger, unsigned char id[AVOW_EVENT_ID_BYTES],
                       const char *hex_prefix)
{
    unsigned char start[AVOW_EVENT_ID_BYTES] = { 0 };
    char found_hex[AVOW_HEX_ID_LEN + 1];
    MDB_txn *txn = NULL;
    MDB_cursor *cur = NULL;
    MDB_val k, v;
    size_t len, bin_len = 0;
    int error = 0, rc;

    len = hex_prefix == NULL ? 0 : strlen(hex_prefix);
    if (len < 8 || len > AVOW_HEX_ID_LEN) {
        return avow_error_set(AVOW_EINVALID, "an event id prefix has 8 to 64 hex characters");
    }
    for (size_t i = 0; i < len; i++) {
        if (!((hex_prefix[i] >= '0' && hex_prefix[i] <= '9') ||
              (hex_prefix[i] >= 'a' && hex_prefix[i] <= 'f') ||
              (hex_prefix[i] >= 'A' && hex_prefix[i] <= 'F'))) {
            return avow_error_set(AVOW_EINVALID, "event id prefix %s is not hex", hex_prefix);
        }
    }
    /* The whole bytes of the prefix; an odd last digit is compared as text below. */
    if (sodium_hex2bin(start, sizeof(start), hex_prefix, len & ~(size_t)1, NULL, &bin_len, NULL) !=
        0) {
        return avow_error_set(AVOW_EINVALID, "event id prefix %s is not hex", hex_prefix);
    }
    if ((error = store_txn_begin(ledger, MDB_RDONLY, &txn)) < 0) {
        return error;
    }
    if ((rc = mdb_cursor_open(txn, ledger->dbi[STORE_DB_IDS], &cur)) != 0) {
        error = store_mdb_error(ledger, rc, "ids");
        goto done;
    }
    k.mv_size = sizeof(start);
    k.mv_data = start;
    int matches = 0;
    for (MDB_cursor_op op = MDB_SET_RANGE; matches < 2; op = MDB_NEXT) {
        rc = mdb_cursor_get(cur, &k, &v, op);
        if (rc == MDB_NOTFOUND) {
            break;
        }
        if (rc != 0) {
            error = store_mdb_error(ledger, rc, "ids");
            goto done;
        }
        if (k.mv_size != AVOW_EVENT_ID_BYTES) {
            break;
        }
        avow_hex(found_hex, k.mv_data, AVOW_EVENT_ID_BYTES);
        if (strncasecmp(found_hex, hex_prefix, len) != 0) {
            break;
        }
        if (matches == 0) {
            memcpy(id, k.mv_data, AVOW_EVENT_ID_BYTES);
        }
        matches++;
    }
    if (matches == 0) {
        error =
          avow_error_set(AVOW_ENOTFOUND, "no event %s in ledger %s", hex_prefix, ledger->path);
    } else if (matches > 1) {
        error = avow_error_set(AVOW_EINVALID, "ambiguous id prefix %s (give more characters)",
                               hex_prefix);
    }
done:
    if (cur != NULL) {
        mdb_cursor_close(cur);
    }
    mdb_txn_abort(txn);
    return error;
}

int
avow_ledger_head(avow_ledger *ledger, uint64_t *seq, unsigned char hash[AVOW_HASH_BYTES],
                 const unsigned char author[AVOW_PUBKEY_BYTES])
{
    MDB_txn *txn = NULL;
    unsigned char h[AVOW_HASH_BYTES];
    uint64_t s = 0;
    int error;
    if ((error = store_txn_begin(ledger, MDB_RDONLY, &txn)) < 0) {
        return error;
    }
    error = store_head_txn(ledger, txn, author, &s, h, NULL);
    mdb_txn_abort(txn);
    if (error == 0) {
        if (seq != NULL) {
            *seq = s;
        }
        if (hash != NULL) {
            memcpy(hash, h, AVOW_HASH_BYTES);
        }
    }
    return error;
}

int
avow_ledger_has_contest(avow_ledger *ledger, const char *contest)
{
    MDB_txn *txn = NULL;
    int error;
    if (contest == NULL) {
        return avow_error_set(AVOW_EINVALID, "no contest id");
    }
    size_t len = strlen(contest);
    if (len == 0 || len > AVOW_MAX_CONTEST) {
        return 0;
    }
    if ((error = store_txn_begin(ledger, MDB_RDONLY, &txn)) < 0) {
        return error;
    }
    error = store_contest_exists(ledger, txn, contest, len);
    mdb_txn_abort(txn);
    return error;
}

/* ---- iterator ----------------------------------------------------------- */

int
avow_iter_new(avow_iter **out, avow_ledger *ledger, const avow_iter_opts *opts)
{
    avow_iter *it = NULL;
    int error = 0, rc;

    if (out == NULL || ledger == NULL) {
        return avow_error_set(AVOW_EINVALID, "avow_iter_new: missing argument");
    }
    *out = NULL;
    if ((it = calloc(1, sizeof(*it))) == NULL) {
        return avow_error_set(AVOW_ENOMEM, "out of memory");
    }
    it->ledger = ledger;
    if (opts != NULL) {
        if (opts->contest != NULL) {
            size_t len = strlen(opts->contest);
            if (len == 0 || len > AVOW_MAX_CONTEST) {
                error = avow_error_set(AVOW_EINVALID, "contest id of 1 to %d bytes expected",
                                       AVOW_MAX_CONTEST);
                goto done;
            }
            memcpy(it->contest, opts->contest, len);
            it->contest_len = len;
            it->has_contest = 1;
        }
        if (opts->author != NULL) {
            memcpy(it->author, opts->author, AVOW_PUBKEY_BYTES);
            it->has_author = 1;
        }
        it->start = opts->start;
    }
    if ((error = store_txn_begin(ledger, MDB_RDONLY, &it->txn)) < 0) {
        goto done;
    }
    rc = mdb_cursor_open(it->txn, ledger->dbi[it->has_author ? STORE_DB_AUTHORS : STORE_DB_EVENTS],
                         &it->cur);
    if (rc != 0) {
        error = store_mdb_error(ledger, rc, "cannot open a cursor");
        goto done;
    }
    ledger->readers++;
    *out = it;
    it = NULL;
done:
    if (it != NULL) {
        if (it->txn != NULL) {
            mdb_txn_abort(it->txn);
        }
        free(it);
    }
    return error;
}

int
avow_iter_next(avow_iter *it, avow_event *ev, uint64_t *index)
{
    const avow_ledger *ledger = it->ledger;
    unsigned char start[STORE_AUTHOR_KEY_BYTES];
    char contest[AVOW_MAX_CONTEST];
    size_t contest_len;
    MDB_val k, v;
    uint64_t idx = 0;
    int error, rc;

    for (;;) {
        MDB_cursor_op op = MDB_NEXT;
        if (!it->started) {
            op = MDB_SET_RANGE;
            if (it->has_author) {
                memcpy(start, it->author, AVOW_PUBKEY_BYTES);
                be64_put(start + AVOW_PUBKEY_BYTES, 0);
                k.mv_size = STORE_AUTHOR_KEY_BYTES;
            } else {
                be64_put(start, it->start);
                k.mv_size = 8;
            }
            k.mv_data = start;
            it->started = 1;
        }
        rc = mdb_cursor_get(it->cur, &k, &v, op);
        if (rc == MDB_NOTFOUND) {
            return 0;
        }
        if (rc != 0) {
            return store_mdb_error(ledger, rc, "cannot read the log");
        }
        if (it->has_author) {
            if (k.mv_size != STORE_AUTHOR_KEY_BYTES ||
                memcmp(k.mv_data, it->author, AVOW_PUBKEY_BYTES) != 0) {
                return 0;
            }
            if ((error = store_index_val(&idx, &v)) < 0) {
                return error;
            }
            if (idx < it->start) {
                continue;
            }
            if ((error = store_get_event(ledger, it->txn, idx, &v)) < 0) {
                if (error == AVOW_ENOTFOUND) {
                    error = avow_error_set(
                      AVOW_EIO,
                      "author index points at missing event #%" PRIu64 " (run avow verify)", idx);
                }
                return error;
            }
        } else {
            if (k.mv_size != 8) {
                return avow_error_set(AVOW_EIO, "malformed log key (run avow verify)");
            }
            idx = be64_get(k.mv_data);
        }
        if (avow_event_decode(ev, v.mv_data, v.mv_size) < 0) {
            return store_error_prefix(AVOW_EFORMAT,
                                      "event #%" PRIu64 " does not decode (run avow verify)", idx);
        }
        if (it->has_contest) {
            int has = store_resolve_contest(ledger, it->txn, ev, contest, &contest_len);
            if (has < 0) {
                return has;
            }
            if (!has || contest_len != it->contest_len ||
                memcmp(contest, it->contest, contest_len) != 0) {
                continue;
            }
        }
        if (index != NULL) {
            *index = idx;
        }
        return 1;
    }
}

void
avow_iter_free(avow_iter *it)
{
    if (it == NULL) {
        return;
    }
    if (it->cur != NULL) {
        mdb_cursor_close(it->cur);
    }
    if (it->txn != NULL) {
        mdb_txn_abort(it->txn);
    }
    it->ledger->readers--;
    free(it);
}
