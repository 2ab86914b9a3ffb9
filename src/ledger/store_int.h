/* SPDX-License-Identifier: ISC */
/*
 * store_int.h - what the files of src/ledger/ share and no one else sees: the
 * ledger handle, the write transaction, the ids queue, and the helpers that
 * one file of the folder defines for another (tools/checksrc refuses this
 * header outside src/ledger/, like store_mdb.h).
 *
 *   store.c     environment, transactions, map growth, error mapping
 *   lookup.c    the core tables read: events by index and id, contests
 *   heads.c     the heads table's value layout (encoded and decoded here only)
 *   append.c    the one append pipeline: drafts and signed events
 *   iter.c      avow_iter_*
 *   verify.c    the verify driver over the core and derived tables
 *   pages.c     the structural check of data.mdb before LMDB walks it
 *   os_linux.c  the map's resident pages (/proc/self/maps, madvise)
 */
#ifndef AVOW_STORE_INT_H
#define AVOW_STORE_INT_H

#include <lmdb.h>

#include "ledger/store_mdb.h"
#include "ledger/table.h"

/* The name of each table, as LMDB stores it (store.c). */
extern const char *const store_db_names[STORE_DB_COUNT];

/* The ids queue of a batch (append.c invariant 6): entries sorted by key,
 * then written. */
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
    unsigned int readers;                        /* open iterators (store.c invariant 1) */
    struct store_w *writer;                      /* the write transaction under way, if any */
    const store_table *tables[STORE_TABLES_MAX]; /* derived tables (ledger/table.h) */
    size_t ntables;
    char *path;
    char *origin;
};

/* ---- store.c ------------------------------------------------------------ */

/* Keep the detail recorded last (the codec's) but say which event of a batch
 * or of the log it is about. @return code */
int store_error_prefix(int code, const char *fmt, ...) AVOW_PRINTF(2, 3);

/* mdb_put() in the write transaction; a full map marks it for a retry. */
int store_put(struct store_w *w, enum store_db db, const void *k, size_t klen, const void *v,
              size_t vlen, unsigned int flags);

/* Double the map (store.c invariant 1). */
int store_grow(avow_ledger *ledger);

/* ---- pages.c ------------------------------------------------------------ */

/* The meta pages of DIR/data.mdb and the file's size, read before LMDB maps
 * it (pages.c invariant 1). @return 0, AVOW_ECORRUPT or AVOW_EIO */
int pages_check_size(const char *path, const char *data);

/* Every page of txn's snapshot (pages.c invariant 2). @return 0, AVOW_ECORRUPT,
 * AVOW_ELOCK (the snapshot's meta page was overwritten: retry) */
int pages_check_tree(const avow_ledger *ledger, MDB_txn *txn);

/* ---- lookup.c ----------------------------------------------------------- */

/* 1 when contest (len bytes) is defined in the ledger, 0 when not, or < 0. */
int store_contest_exists(const avow_ledger *ledger, MDB_txn *txn, const char *contest, size_t len);

/* ---- redefine.c --------------------------------------------------------- */

/* 1 when a definition of contest stands (one not retracted by its author),
 * 0 when it has none or every one is retracted, or < 0. */
int store_contest_stands(const avow_ledger *ledger, MDB_txn *txn, const char *contest, size_t len);

/* ---- heads.c ------------------------------------------------------------ */

/* The head of an author inside txn (seq 0, zero hash and id when the author
 * has none). id may be NULL. */
int store_head_get(const avow_ledger *ledger, MDB_txn *txn, const unsigned char *author,
                   uint64_t *seq, unsigned char hash[AVOW_HASH_BYTES], unsigned char *id);

/* The heads value of an author whose last event has this seq, content hash and id. */
void store_head_encode(unsigned char out[STORE_HEAD_BYTES], uint64_t seq,
                       const unsigned char hash[AVOW_HASH_BYTES],
                       const unsigned char id[AVOW_EVENT_ID_BYTES]);

/* ---- append.c ----------------------------------------------------------- */

/* Write the ids queued by the transaction under way (append.c invariant 6). */
int store_idq_flush(struct store_w *w);

#endif /* AVOW_STORE_INT_H */
