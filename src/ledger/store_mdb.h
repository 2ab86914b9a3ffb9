/* SPDX-License-Identifier: ISC */
/*
 * store_mdb.h - the store's LMDB handles, for the files of src/ledger/ only
 * (tools/checksrc refuses it elsewhere). A store_txn is an MDB_txn and a
 * store_cursor an MDB_cursor: store_mdb_txn() and store_mdb_cursor() convert
 * without a copy.
 *
 * Modules above the ledger still being converted use the helpers below; each
 * names its LMDB-free equivalent in store.h, so that no module outside
 * src/ledger/ needs this header:
 *
 *   store_read_begin, store_txn_begin(MDB_RDONLY)  store_txn_read
 *   mdb_txn_abort                                  store_txn_end
 *   store_get, mdb_get                             store_val_get
 *   store_index_val                                store_index_of
 *   store_get_event                                store_event_at
 *   store_get_by_id                                store_event_by_id
 *   store_resolve_contest                          store_contest_of
 *   store_w_txn                                    store_w_view
 *   store_dbi + mdb_cursor_open / _get / _close    store_cursor_open / _get / _close
 *     MDB_FIRST LAST NEXT PREV SET_RANGE SET_KEY   STORE_FIRST LAST NEXT PREV SEEK EXACT
 *   store_dbi + mdb_stat (ms_entries)              store_count
 *   store_dbi + mdb_drop(0)                        store_w_clear
 *   mdb_put MDB_NOOVERWRITE / MDB_APPEND           store_w_put STORE_PUT_NEW / _APPEND
 *   mdb_del                                        store_w_del
 *   mdb_cursor_del                                 store_cursor_del
 *   a heads value (STORE_HEAD_BYTES, be64_get)     store_head_decode
 *   store_mdb_error                                none needed: the store.h calls
 *                                                  return AVOW_E* with the detail set
 *   store_env                                      none (the tests' raw access only)
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
