/* SPDX-License-Identifier: ISC */
/*
 * store.c - the ledger's environment: one LMDB environment per directory
 * (DIR/data.mdb, DIR/lock.mdb) holding the log and its indexes; init, open
 * and free, transactions, map growth, the mapping of LMDB's errors, and the
 * LMDB-free interface of store.h. What is written where is append.c's; the
 * heads table's value is heads.c's.
 *
 * Databases (all keys and integers big-endian, so LMDB's byte order is the
 * numeric order):
 *   meta      "format" -> "1"; "origin" -> text; "owner" -> pubkey(32);
 *             "generation" -> u64 (store_generation())
 *   events    u64 log index -> signed event bytes
 *   ids       event id(32) -> u64 index
 *   authors   author(32) || seq(u64) -> u64 index
 *   heads     author(32) -> seq(u64) || content hash(32) || id(32) (heads.c)
 *   bytime    contest || 0x00 || time_key(effective_at) || time_key(recorded_at)
 *             || id(32) -> u64 index; a stance dated by an interval (format v2)
 *             also under time_key(from) in place of effective_at (its opening,
 *             store.h store_bytime_opens())
 *   contests  contest id -> u64 index of the first CONTEST event defining it
 * and the derived tables' (ledger/table.h), named in store.h.
 *
 * Invariants (tests/unit/test_store.c and avow_ledger_verify() check them;
 * append.c, lookup.c and heads.c list those of what they write and read):
 *  1. The map grows by doubling on MDB_MAP_FULL (the whole transaction is
 *     retried) up to AVOW_MAP_MAX, and only while no iterator of this handle
 *     holds a read transaction (a remap would pull the map from under it).
 *  2. The map is never written through (no MDB_WRITEMAP): store_drop_pages()
 *     (os_linux.c) may drop its pages from the process at any time without
 *     losing data.
 *  3. libsodium is initialised (sodium_init(): idempotent and thread-safe)
 *     by every entry point that creates a ledger or a handle, before any
 *     hashing, signature check or random bytes of the ledger's code.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statvfs.h>

#include <sodium.h>

#include "ledger/store_int.h"
#include "tlog/note.h"

#define STORE_FORMAT "1"

const char *const store_db_names[STORE_DB_COUNT] = {
    "meta",   "events",      "ids",       "authors",     "heads", "bytime", "contests",
    "merkle", "checkpoints", "snapshots", "retractions", "trust", "forks",
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

#define STORE_INITIAL_MAP (store_initial_map ? store_initial_map : AVOW_MAP_INITIAL)
#define STORE_REDONE()    (store_redone++)
#else
#define STORE_INITIAL_MAP AVOW_MAP_INITIAL
#define STORE_REDONE()    ((void)0)
#endif

/* Invariant 3. */
static int
store_sodium(void)
{
    if (sodium_init() < 0) {
        return error_set(AVOW_EIO, "libsodium failed to initialise");
    }
    return 0;
}

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
        return error_set(AVOW_ENOTFOUND, "%s: not found (ledger %s)", what, path);
    case MDB_KEYEXIST:
        return error_set(AVOW_EEXISTS, "%s: already present (ledger %s)", what, path);
    case MDB_MAP_FULL:
    case ENOSPC:
        return error_set(AVOW_EFULL, "disk full / map full: %s: %s (ledger %s)", what,
                         mdb_strerror(rc), path);
    case ENOMEM:
        return error_set(AVOW_ENOMEM, "%s: out of memory (ledger %s)", what, path);
    case MDB_CORRUPTED:
    case MDB_PAGE_NOTFOUND:
    case MDB_INVALID:
    case MDB_VERSION_MISMATCH:
        /* Damaged bytes are a failed check, not an environment error (pages.c). */
        return error_set(AVOW_ECORRUPT, "ledger file damaged: %s: %s (ledger %s)", what,
                         mdb_strerror(rc), path);
    case MDB_READERS_FULL:
    case EAGAIN:
    case EBUSY:
        return error_set(AVOW_ELOCK, "%s: %s (ledger %s is busy)", what, mdb_strerror(rc), path);
    default:
        return error_set(AVOW_EIO, "%s: %s (ledger %s)", what, mdb_strerror(rc), path);
    }
}

int
store_mdb_error(const avow_ledger *ledger, int rc, const char *what)
{
    return store_errno_error(rc, what, ledger->path);
}

int
store_error_prefix(int code, const char *fmt, ...)
{
    char detail[400];
    char head[128];
    va_list ap;
    (void)snprintf(detail, sizeof(detail), "%s", avow_error_last());
    va_start(ap, fmt);
    int n =
      vsnprintf(head, sizeof(head), fmt, ap); /* NOLINT(clang-analyzer-valist.Uninitialized) */
    va_end(ap);
    if (n < 0) {
        head[0] = '\0';
    }
    return error_set(code, "%s: %s", head, detail);
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
        return error_set(AVOW_EIO, "malformed index entry (%zu bytes)", val->mv_size);
    }
    *index = be64_get(val->mv_data);
    return 0;
}

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
        return error_set(AVOW_EIO, "malformed generation in ledger %s (run avow verify)",
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

int
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

/* Double the map (invariant 1). */
int
store_grow(avow_ledger *ledger)
{
    MDB_envinfo info;
    int rc = mdb_env_info(ledger->env, &info);
    if (rc != 0) {
        return store_mdb_error(ledger, rc, "cannot read the map size");
    }
    uint64_t cur = info.me_mapsize;
    if (cur >= AVOW_MAP_MAX) {
        return error_set(AVOW_EFULL,
                         "disk full / map full: the map of ledger %s reached its limit of "
                         "%" PRIu64 " bytes",
                         ledger->path, (uint64_t)AVOW_MAP_MAX);
    }
    if (ledger->readers > 0) {
        return error_set(AVOW_ELOCK,
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
        return error_set(AVOW_EFULL,
                         "disk full / map full: cannot grow the map of ledger %s to %" PRIu64
                         " bytes: %s",
                         ledger->path, next, mdb_strerror(rc));
    }
    return 0;
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
        return error_set(AVOW_EFULL,
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

/* Run fn in a write transaction, retried with a doubled map on MDB_MAP_FULL
 * (invariant 1). */
int
store_write(avow_ledger *ledger, store_write_fn fn, void *ctx)
{
    if (ledger->flags & AVOW_OPEN_READONLY) {
        return error_set(AVOW_EINVALID, "ledger %s is open read-only", ledger->path);
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
        return error_set(AVOW_EINVALID, "ledger path too long: %s", path);
    }
    return 0;
}

static int
store_check_origin(const char *origin)
{
    size_t len = strlen(origin);
    if (len == 0 || len > AVOW_ORIGIN_MAX || buf_utf8_check(origin, len) < 0) {
        return error_set(AVOW_EINVALID, "origin must be 1 to %d bytes of UTF-8", AVOW_ORIGIN_MAX);
    }
    for (size_t i = 0; i < len; i++) {
        if ((unsigned char)origin[i] < 0x20 || origin[i] == 0x7f) {
            return error_set(AVOW_EINVALID, "origin must be one line without control "
                                            "characters");
        }
    }
    /* Checkpoints are signed notes whose key name is the origin: a name the
     * signed-note rules refuse would make every checkpoint unsignable. */
    if (!note_name_valid(origin, len)) {
        return error_set(AVOW_EINVALID,
                         "origin '%s' is not a signed-note key name (no spaces and no '+'; "
                         "e.g. example.org/ledger)",
                         origin);
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
        return error_set(AVOW_EINVALID, "no ledger path");
    }
    if ((error = store_sodium()) < 0) {
        return error;
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
        error = error_set(AVOW_EIO, "cannot create directory %s: %s", path, strerror(errno));
        goto done;
    }
    if (stat(data, &st) == 0) {
        error = error_set(AVOW_EEXISTS, "a ledger already exists at %s", path);
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

/* A read transaction whose snapshot passed pages.c's check (invariant 2). */
static int
store_open_check(const avow_ledger *ledger, MDB_txn **txn)
{
    for (int tries = 0;; tries++) {
        int error = store_txn_begin(ledger, MDB_RDONLY, txn);
        if (error < 0) {
            return error;
        }
        if ((error = pages_check_tree(ledger, *txn)) == 0) {
            return 0;
        }
        mdb_txn_abort(*txn);
        *txn = NULL;
        if (error != AVOW_ELOCK || tries == 8) {
            return error == AVOW_ELOCK ? error_set(AVOW_ELOCK, "ledger %s is busy", ledger->path)
                                       : error;
        }
    }
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
        return error_set(AVOW_EINVALID, "avow_ledger_open: bad argument");
    }
    *out = NULL;
    if ((error = store_sodium()) < 0 || (error = store_data_path(data, sizeof(data), path)) < 0) {
        goto done;
    }
    if (stat(data, &st) < 0) {
        error = error_set(AVOW_ENOTFOUND, "no ledger at %s (run avow init)", path);
        goto done;
    }
    /* pages.c invariant 1: a truncated file is never mapped. */
    if ((error = pages_check_size(path, data)) < 0) {
        goto done;
    }
    if ((ledger = calloc(1, sizeof(*ledger))) == NULL ||
        (ledger->path = store_strndup(path, strlen(path))) == NULL) {
        error = error_set(AVOW_ENOMEM, "out of memory opening ledger %s", path);
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
    /* Invariant 2: never MDB_WRITEMAP. */
    rc = mdb_env_open(ledger->env, path,
                      MDB_NOTLS | ((flags & AVOW_OPEN_READONLY) ? MDB_RDONLY : 0), 0644);
    if (rc != 0) {
        error = store_mdb_error(ledger, rc, "cannot open the ledger");
        goto done;
    }
    if ((error = store_open_check(ledger, &txn)) < 0) {
        goto done;
    }
    for (int i = 0; i < STORE_DB_COUNT; i++) {
        if ((rc = mdb_dbi_open(txn, store_db_names[i], 0, &ledger->dbi[i])) != 0) {
            error = store_mdb_error(ledger, rc, store_db_names[i]);
            if (rc == MDB_NOTFOUND) {
                error =
                  error_set(AVOW_EIO, "ledger %s lacks its %s database", path, store_db_names[i]);
            }
            goto done;
        }
    }
    error = store_get(ledger, txn, STORE_DB_META, "format", 6, &v);
    if (error == 0 && (v.mv_size != 1 || memcmp(v.mv_data, STORE_FORMAT, 1) != 0)) {
        error = error_set(AVOW_EFORMAT, "ledger %s has an unsupported format", path);
    }
    if (error == AVOW_ENOTFOUND) {
        error = error_set(AVOW_EFORMAT, "ledger %s has no format marker", path);
    }
    if (error < 0) {
        goto done;
    }
    if ((error = store_get(ledger, txn, STORE_DB_META, "origin", 6, &v)) < 0) {
        if (error == AVOW_ENOTFOUND) {
            error = error_set(AVOW_EFORMAT, "ledger %s has no origin", path);
        }
        goto done;
    }
    if ((ledger->origin = store_strndup(v.mv_data, v.mv_size)) == NULL) {
        error = error_set(AVOW_ENOMEM, "out of memory opening ledger %s", path);
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
avow_ledger_count(uint64_t *out, const avow_ledger *ledger)
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
