/* SPDX-License-Identifier: ISC */
/*
 * tree.h - the ledger's Merkle tree, stored as the hashes of its complete
 * subtrees in table "merkle" (src/derived/tree.c), for the modules that need
 * roots and proofs inside their own read transaction.
 */
#ifndef AVOW_TREE_H
#define AVOW_TREE_H

#include "ledger/table.h"
#include "util/common.h"

/* The Merkle tree, kept in the append transaction; its verification also
 * checks the stored checkpoints (derived/checkpoints.h) against the tree. */
extern const store_table tree_table;

/* Key of a stored node: level (u8) || index (u64 BE). */
#define TREE_NODE_KEY_BYTES 9

/* Root of the first size events. @return 0 or AVOW_E* (ENOTFOUND: tree damaged) */
int tree_root(unsigned char root[AVOW_HASH_BYTES], const avow_ledger *ledger, store_txn *txn,
              uint64_t size);
/* count consecutive stored nodes of one level, from index first, into out
 * (count * 32 bytes), with one cursor. @return 0, AVOW_ENOTFOUND */
int tree_nodes(unsigned char *out, const avow_ledger *ledger, store_txn *txn, unsigned level,
               uint64_t first, size_t count);
/* Inclusion proof of leaf index in the tree of size leaves (path: MERKLE_PATH_BYTES). */
int tree_inclusion(unsigned char *path, size_t *count, const avow_ledger *ledger, store_txn *txn,
                   uint64_t index, uint64_t size);
/* Consistency proof between sizes m <= n (path: MERKLE_PATH_BYTES). */
int tree_consistency(unsigned char *path, size_t *count, const avow_ledger *ledger, store_txn *txn,
                     uint64_t m, uint64_t n);

#endif /* AVOW_TREE_H */
