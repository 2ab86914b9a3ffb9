/* SPDX-License-Identifier: ISC */
/* audit.h - the Merkle tree stored in the ledger (src/audit/audit.c), for the modules
 * that need roots and proofs inside their own read transaction. */
#ifndef AVOW_AUDIT_H
#define AVOW_AUDIT_H

#include "ledger/store_mdb.h"
#include "ledger/table.h"
#include "util/common.h"

/* The Merkle tree and checkpoints, kept in the append transaction. */
extern const store_table audit_merkle_table;

/*
 * The Merkle tree against the log, stored checkpoints against the tree.
 * verify's forward pass feeds every record of the log in order (its leaf
 * hash and id, computed on the worker pool); _end checks what only the
 * whole log shows (checkpoints beyond it, extra nodes) when check is set,
 * and frees v either way (NULL-safe).
 */
struct audit_verify;
int audit_verify_begin(MDB_txn *txn, const avow_ledger *ledger, struct verify_state *s,
                       struct audit_verify **out);
int audit_verify_leaf(struct audit_verify *v, const unsigned char leaf[AVOW_HASH_BYTES],
                      const unsigned char id[AVOW_EVENT_ID_BYTES]);
int audit_verify_end(struct audit_verify *v, int check);
/* The store hook: the leaf hash of the event at log index `index`. */
int audit_on_append(store_w *w, uint64_t index, const unsigned char leaf[AVOW_HASH_BYTES]);

/* Key of a stored node: level (u8) || index (u64 BE). */
#define AUDIT_NODE_KEY_BYTES 9

/* Root of the first size events. @return 0 or AVOW_E* (ENOTFOUND: tree damaged) */
int audit_root_txn(MDB_txn *txn, const avow_ledger *ledger, uint64_t size,
                   unsigned char root[AVOW_HASH_BYTES]);
/* Inclusion proof of leaf index in the tree of size leaves (path: MERKLE_PATH_BYTES). */
int audit_inclusion_txn(MDB_txn *txn, const avow_ledger *ledger, uint64_t index, uint64_t size,
                        unsigned char *path, size_t *count);
/* Consistency proof between sizes m <= n (path: MERKLE_PATH_BYTES). */
int audit_consistency_txn(MDB_txn *txn, const avow_ledger *ledger, uint64_t m, uint64_t n,
                          unsigned char *path, size_t *count);

#endif
