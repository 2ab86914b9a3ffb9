/* SPDX-License-Identifier: ISC */
/*
 * tiles.c - the bytes a tlog-tiles server sends, checked before use: entry
 * bundles split into entries, level-0 tiles against the bundles, and the
 * compact range of tree hashes that proves a checkpoint's root and its
 * consistency with an older one (src/io/pull.c).
 *
 * Invariants (tests/unit/test_tiles.c, tests/fuzz/fuzz_tile.c):
 *  1. A bundle is accepted only with exactly the width asked for, every entry
 *     1..AVOW_EVENT_MAX_BYTES long and no byte after the last; nothing is
 *     read outside (data, len).
 *  2. A tile is accepted only with exactly 32 bytes per hash of its width.
 *  3. The range's stack holds one complete subtree per set bit of size,
 *     largest first; its root is RFC 9162's MTH of those leaves.
 */
#include <sodium.h>

#include "tlog/merkle.h"
#include "tlog/tiles.h"

int
tiles_bundle_split(const unsigned char *data, size_t len, unsigned w, const unsigned char **evs,
                   size_t *lens)
{
    size_t off = 0;
    for (unsigned i = 0; i < w; i++) {
        if (len - off < 2) {
            return error_set(AVOW_EFORMAT, "entry bundle truncated at entry %u of %u", i, w);
        }
        size_t n = ((size_t)data[off] << 8) | data[off + 1];
        off += 2;
        if (n == 0 || n > AVOW_EVENT_MAX_BYTES || n > len - off) {
            return error_set(AVOW_EFORMAT, "entry %u of the bundle has a bad length (%zu)", i, n);
        }
        evs[i] = data + off;
        lens[i] = n;
        off += n;
    }
    if (off != len) {
        return error_set(AVOW_EFORMAT, "entry bundle has %zu bytes after its %u entries", len - off,
                         w);
    }
    return 0;
}

int
tiles_check_width(size_t len, unsigned w)
{
    if (len != (size_t)w * AVOW_HASH_BYTES) {
        return error_set(AVOW_EFORMAT, "tile of %zu bytes where %u hashes were expected", len, w);
    }
    return 0;
}

int
tiles_check_bundle(size_t *bad, const unsigned char *tile, const unsigned char *const *evs,
                   const size_t *lens, unsigned from, unsigned w)
{
    unsigned char leaf[AVOW_HASH_BYTES];
    for (unsigned i = from; i < w; i++) {
        merkle_leaf_hash(leaf, evs[i], lens[i]);
        if (sodium_memcmp(leaf, tile + (size_t)i * AVOW_HASH_BYTES, AVOW_HASH_BYTES) != 0) {
            *bad = i;
            return error_set(AVOW_EVERIFY, "entry %u of the bundle does not match its tile", i);
        }
    }
    return 0;
}

void
tiles_subtree(unsigned char out[AVOW_HASH_BYTES], const unsigned char *hashes, unsigned k)
{
    tiles_range r;
    r.size = 0;
    r.n = 0;
    for (size_t i = 0; i < ((size_t)1 << k); i++) {
        tiles_range_push(&r, 0, hashes + i * AVOW_HASH_BYTES);
    }
    tiles_range_root(&r, out);
}

void
tiles_range_push(tiles_range *r, unsigned level, const unsigned char h[AVOW_HASH_BYTES])
{
    memcpy(r->hash[r->n], h, AVOW_HASH_BYTES);
    r->level[r->n] = (unsigned char)level;
    r->n++;
    r->size += UINT64_C(1) << level;
    /* Two subtrees of one level make one of the next (invariant 3). */
    while (r->n >= 2 && r->level[r->n - 2] == r->level[r->n - 1]) {
        merkle_node_hash(r->hash[r->n - 2], r->hash[r->n - 2], r->hash[r->n - 1]);
        r->level[r->n - 2]++;
        r->n--;
    }
}

void
tiles_range_root(const tiles_range *r, unsigned char out[AVOW_HASH_BYTES])
{
    if (r->n == 0) {
        merkle_empty_root(out);
        return;
    }
    memcpy(out, r->hash[r->n - 1], AVOW_HASH_BYTES);
    for (size_t i = r->n - 1; i-- > 0;) {
        merkle_node_hash(out, r->hash[i], out);
    }
}
