/* SPDX-License-Identifier: ISC */
/* audit.h - the Merkle tree stored in the ledger (src/audit/audit.c), for the modules
 * that need roots and proofs inside their own read transaction. */
#ifndef AVOW_AUDIT_H
#define AVOW_AUDIT_H

#include <lmdb.h>

#include "util/common.h"

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
