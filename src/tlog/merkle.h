/* SPDX-License-Identifier: ISC */
/*
 * merkle.h - the RFC 9162 (CT v2, same hashing as RFC 6962) Merkle tree over
 * the local log: leaf and node hashes, append, tree heads, inclusion and
 * consistency proofs and their verification.
 *
 * The tree is persisted as the hash of every COMPLETE subtree: node
 * (level L, index i) covers leaves [i * 2^L, (i + 1) * 2^L). Storage goes
 * through two callbacks so the store can back them with an LMDB table (or a
 * test with an array). Every root or proof reads O(log n) nodes.
 */
#ifndef AVOW_MERKLE_H
#define AVOW_MERKLE_H

#include <stddef.h>
#include <stdint.h>

#include "util/common.h"

#define MERKLE_HASH_BYTES 32
/* Longest proof: an inclusion path has at most ceil(log2 n) <= 64 entries; a
 * consistency path for sizes up to 2^63 at most 64 (longer ones are refused
 * with AVOW_ERANGE). */
#define MERKLE_MAX_PATH 64
/* Bytes of a path buffer: proofs are arrays of 32-byte hashes laid end to end. */
#define MERKLE_PATH_BYTES (MERKLE_MAX_PATH * MERKLE_HASH_BYTES)
/* Levels 0..63 exist: a level-64 node would cover 2^64 leaves. */
#define MERKLE_MAX_LEVEL 63

_Static_assert(MERKLE_HASH_BYTES == AVOW_HASH_BYTES, "tree hashes are avow hashes");

/*
 * Read the stored hash of complete subtree (level, index) into out.
 * @return 0, AVOW_ENOTFOUND (not stored), or another negative AVOW_E* code,
 *         which the merkle function returns unchanged.
 */
typedef int (*merkle_get_fn)(void *ctx, unsigned level, uint64_t index,
                             unsigned char out[MERKLE_HASH_BYTES]);
/* Store the hash of complete subtree (level, index). @return 0 or AVOW_E* */
typedef int (*merkle_put_fn)(void *ctx, unsigned level, uint64_t index,
                             const unsigned char h[MERKLE_HASH_BYTES]);

/* Leaf hash: SHA-256(0x00 || data). data may be NULL when len is 0. */
void merkle_leaf_hash(unsigned char out[MERKLE_HASH_BYTES], const unsigned char *data, size_t len);

/* Interior node hash: SHA-256(0x01 || left || right). out may alias an input. */
void merkle_node_hash(unsigned char out[MERKLE_HASH_BYTES],
                      const unsigned char left[MERKLE_HASH_BYTES],
                      const unsigned char right[MERKLE_HASH_BYTES]);

/* Root of the empty tree: SHA-256 of the empty string. */
void merkle_empty_root(unsigned char out[MERKLE_HASH_BYTES]);

/*
 * Append leaf number size_before (a leaf HASH, see merkle_leaf_hash()): puts
 * (0, size_before) and then every (L, size_before >> L) that this leaf
 * completes, reading each left sibling with get. At most 64 get and 65 put
 * calls. Call it inside the same transaction that appends the log record;
 * get must see the puts of earlier appends in that transaction.
 *
 * @return 0, AVOW_ERANGE (the tree is full), or an error from get/put
 */
int merkle_append(merkle_put_fn put, merkle_get_fn get, void *ctx, uint64_t size_before,
                  const unsigned char leaf[MERKLE_HASH_BYTES]);

/*
 * MTH(D[lo:hi]): the hash of the leaf range [lo, hi) as RFC 9162 section 2.1.1
 * defines it for a standalone list, combined from the complete stored subtrees
 * that tile it (at most 64 get calls). The range must be one that occurs in a
 * tree starting at leaf 0: with k the largest power of two <= hi - lo, lo is a
 * multiple of k (always true for lo = 0).
 *
 * @return 0, AVOW_EINVALID (empty or unaligned range), or an error from get
 */
int merkle_range_hash(merkle_get_fn get, void *ctx, uint64_t lo, uint64_t hi,
                      unsigned char out[MERKLE_HASH_BYTES]);

/*
 * Tree head of the first size leaves (size 0: SHA-256 of the empty string).
 * Reads popcount(size) nodes. @return 0, or an error from get
 */
int merkle_root(merkle_get_fn get, void *ctx, uint64_t size, unsigned char out[MERKLE_HASH_BYTES]);

/*
 * Inclusion proof (RFC 9162 section 2.1.3.1) of leaf index in the tree of the
 * first size leaves: path[0] is the sibling nearest the leaf. Reads at most
 * 2 * 64 nodes.
 *
 * @param[out] path  room for MERKLE_MAX_PATH hashes (MERKLE_PATH_BYTES), hash i
 *                   at path + i * MERKLE_HASH_BYTES
 * @param[out] count number of hashes written
 * @return 0, AVOW_EINVALID (index >= size), or an error from get
 */
int merkle_inclusion_proof(merkle_get_fn get, void *ctx, uint64_t index, uint64_t size,
                           unsigned char *path, size_t *count);

/*
 * Consistency proof (RFC 9162 section 2.1.4.1) between the trees of the first
 * m and the first n leaves, m <= n. Empty when m == 0 or m == n. Reads at
 * most 2 * 64 nodes.
 *
 * @param[out] path  room for MERKLE_MAX_PATH hashes (MERKLE_PATH_BYTES), hash i
 *                   at path + i * MERKLE_HASH_BYTES
 * @param[out] count number of hashes written
 * @return 0, AVOW_EINVALID (m > n), AVOW_ERANGE (proof longer than
 *         MERKLE_MAX_PATH: n > 2^63), or an error from get
 */
int merkle_consistency_proof(merkle_get_fn get, void *ctx, uint64_t m, uint64_t n,
                             unsigned char *path, size_t *count);

/*
 * Verify an inclusion proof with the algorithm of RFC 9162 section 2.1.3.2.
 * path holds count hashes end to end (path[0] nearest the leaf). Fails on
 * index >= size and on a path of the wrong length.
 *
 * @return 0 (leaf_hash is leaf index of the tree of size leaves whose head is
 *         root), or AVOW_EVERIFY
 */
AVOW_WARN_UNUSED int merkle_verify_inclusion(const unsigned char leaf_hash[MERKLE_HASH_BYTES],
                                             uint64_t index, uint64_t size,
                                             const unsigned char *path, size_t count,
                                             const unsigned char root[MERKLE_HASH_BYTES]);

/*
 * Verify a consistency proof with the algorithm of RFC 9162 section 2.1.4.2.
 * path holds count hashes end to end. Edge cases: m > n fails; m == n holds iff the path is empty
 * and the roots are equal; m == 0 holds iff the path is empty and old_root is the empty tree's root
 * (SHA-256 of the empty string).
 *
 * @return 0 (the tree of size n with head new_root extends the tree of size m
 *         with head old_root), or AVOW_EVERIFY
 */
AVOW_WARN_UNUSED int merkle_verify_consistency(uint64_t m, uint64_t n,
                                               const unsigned char old_root[MERKLE_HASH_BYTES],
                                               const unsigned char new_root[MERKLE_HASH_BYTES],
                                               const unsigned char *path, size_t count);

#endif /* AVOW_MERKLE_H */
