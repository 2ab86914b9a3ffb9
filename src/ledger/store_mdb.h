/* SPDX-License-Identifier: ISC */
/*
 * store_mdb.h - the store's LMDB handles, for the files of src/ledger/ only
 * (tools/checksrc refuses it elsewhere). A store_txn is an MDB_txn and a
 * store_cursor an MDB_cursor: store_mdb_txn() and store_mdb_cursor() convert
 * without a copy.
 */
#ifndef AVOW_STORE_MDB_H
#define AVOW_STORE_MDB_H

#include <lmdb.h>

#include "ledger/store.h"

static inline MDB_txn *
store_mdb_txn(store_txn *txn)
{
    return (MDB_txn *)(void *)txn;
}

static inline store_txn *
store_txn_of(MDB_txn *txn)
{
    return (store_txn *)(void *)txn;
}

static inline MDB_cursor *
store_mdb_cursor(store_cursor *c)
{
    return (MDB_cursor *)(void *)c;
}

static inline store_val
store_val_of(const MDB_val *v)
{
    store_val out = { (const unsigned char *)v->mv_data, v->mv_size };
    return out;
}

/* The ledger's LMDB environment and a database handle. Borrowed: valid until
 * avow_ledger_free(). */
MDB_env *store_env(const avow_ledger *ledger);
MDB_dbi store_dbi(const avow_ledger *ledger, enum store_db db);

/* Map an LMDB return code to an AVOW_E* code, recording `what` and the path. */
int store_mdb_error(const avow_ledger *ledger, int rc, const char *what);

MDB_txn *store_w_txn(const store_w *w);

/* A read transaction (MDB_RDONLY) on the ledger; the caller aborts it. */
int store_read_begin(const avow_ledger *ledger, MDB_txn **txn);

/* Shared read helpers (src/ledger/store.c): 0, AVOW_ENOTFOUND or another AVOW_E*. */
int store_txn_begin(const avow_ledger *ledger, unsigned int flags, MDB_txn **txn);
int store_get(const avow_ledger *ledger, MDB_txn *txn, enum store_db db, const void *k, size_t klen,
              MDB_val *out);
/* Parse an 8-byte big-endian index value. */
int store_index_val(uint64_t *index, const MDB_val *val);
/* The bytes of the event at a log index; borrowed from the map. */
int store_get_event(const avow_ledger *ledger, MDB_txn *txn, uint64_t index, MDB_val *raw);
int store_get_by_id(const avow_ledger *ledger, MDB_txn *txn, const unsigned char *id, MDB_val *raw,
                    uint64_t *index);
/* The contest an event is indexed under (a retraction: its target's), copied
 * into buf (AVOW_MAX_CONTEST bytes). @return 1 with *len set, 0 when none, or < 0. */
int store_resolve_contest(const avow_ledger *ledger, MDB_txn *txn, const avow_event *ev, char *buf,
                          size_t *len);

#endif /* AVOW_STORE_MDB_H */
