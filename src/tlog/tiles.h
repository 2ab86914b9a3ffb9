/* SPDX-License-Identifier: ISC */
/*
 * tiles.h - untrusted C2SP tlog-tiles bytes from a server (src/tlog/tiles.c):
 * entry bundles split into entries, hash tiles checked for their width and
 * against the bundles, and the compact range that folds tile hashes into a
 * tree head.
 */
#ifndef AVOW_TILES_H
#define AVOW_TILES_H

#include <stddef.h>
#include <stdint.h>

#include "util/common.h"

/*
 * Split a bundle of exactly w entries (each a big-endian uint16 length and
 * that many bytes, 1..AVOW_EVENT_MAX_BYTES) into evs[i], lens[i] (pointers
 * into data). @return 0, AVOW_EFORMAT (wrong count, a truncated or empty
 * entry, trailing bytes)
 */
int tiles_bundle_split(const unsigned char *data, size_t len, unsigned w, const unsigned char **evs,
                       size_t *lens);

/* A level-0 tile of width w holds exactly 32 * w bytes. @return 0, AVOW_EFORMAT */
int tiles_check_width(size_t len, unsigned w);

/* Entries [from, w) hash to the leaves of the tile: leaf i = SHA-256(0x00 ||
 * entry i) = tile[32 i .. 32 i + 32). *bad is the first index that differs.
 * @return 0, AVOW_EVERIFY */
int tiles_check_bundle(size_t *bad, const unsigned char *tile, const unsigned char *const *evs,
                       const size_t *lens, unsigned from, unsigned w);

/* The hash of 2^k consecutive complete nodes (k <= 8), hashes end to end. */
void tiles_subtree(unsigned char out[AVOW_HASH_BYTES], const unsigned char *hashes, unsigned k);

/* A compact range [0, size): the hashes of the complete subtrees that tile it,
 * largest first (one per bit of size). */
typedef struct tiles_range {
    uint64_t size;
    size_t n;
    unsigned char level[65]; /* one more than bits of size, before a push merges */
    unsigned char hash[65][AVOW_HASH_BYTES];
} tiles_range;

/* Push the next complete subtree of 2^level leaves (level 0: a leaf hash). The
 * caller keeps the order (size must be a multiple of 2^level). */
void tiles_range_push(tiles_range *r, unsigned level, const unsigned char h[AVOW_HASH_BYTES]);

/* The tree head of the range (the empty tree's when size is 0). */
void tiles_range_root(const tiles_range *r, unsigned char out[AVOW_HASH_BYTES]);

#endif
