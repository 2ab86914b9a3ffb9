/* SPDX-License-Identifier: ISC */
/*
 * merkle.c - the RFC 9162 Merkle tree over the local log (see merkle.h).
 *
 * Invariants (tests/unit/test_merkle.c checks each one):
 *  1. Hashing is RFC 9162 section 2.1.1: leaf = SHA-256(0x00 || data), node =
 *     SHA-256(0x01 || left || right), empty tree = SHA-256(""), all through
 *     libsodium's crypto_hash_sha256.
 *  2. The store holds only COMPLETE subtrees: node (L, i) is MTH of leaves
 *     [i * 2^L, (i + 1) * 2^L) and is written once, by the append of its last
 *     leaf; it never changes afterwards, so every tree size shares it.
 *  3. A root or proof for size n reads only nodes inside [0, n), so a larger
 *     tree answers exactly as the smaller tree it extends would.
 *  4. Any range [lo, hi) met while walking down the RFC tree of a size has lo
 *     a multiple of the largest power of two <= hi - lo, so it is tiled by the
 *     complete subtrees of the binary digits of hi - lo, largest first, and
 *     MTH(D[lo:hi]) folds them right to left: at most 64 reads.
 *  5. Walking down, only the ranges on the right edge (hi == n) can be
 *     incomplete, and a proof takes at most one of them: a proof costs at most
 *     2 * 64 reads.
 *  6. Verification follows RFC 9162 sections 2.1.3.2 and 2.1.4.2 literally
 *     and never reads the store.
 */
#include <sodium.h>

#include "tlog/merkle.h"

static const unsigned char merkle_leaf_prefix[1] = { 0x00 };
static const unsigned char merkle_node_prefix[1] = { 0x01 };

void
merkle_leaf_hash(unsigned char out[MERKLE_HASH_BYTES], const unsigned char *data, size_t len)
{
    crypto_hash_sha256_state st;

    crypto_hash_sha256_init(&st);
    crypto_hash_sha256_update(&st, merkle_leaf_prefix, sizeof(merkle_leaf_prefix));
    if (len > 0) {
        crypto_hash_sha256_update(&st, data, (unsigned long long)len);
    }
    crypto_hash_sha256_final(&st, out);
}

void
merkle_node_hash(unsigned char out[MERKLE_HASH_BYTES], const unsigned char left[MERKLE_HASH_BYTES],
                 const unsigned char right[MERKLE_HASH_BYTES])
{
    crypto_hash_sha256_state st;

    crypto_hash_sha256_init(&st);
    crypto_hash_sha256_update(&st, merkle_node_prefix, sizeof(merkle_node_prefix));
    crypto_hash_sha256_update(&st, left, MERKLE_HASH_BYTES);
    crypto_hash_sha256_update(&st, right, MERKLE_HASH_BYTES);
    /* The state holds copies of the inputs, so out may alias left or right. */
    crypto_hash_sha256_final(&st, out);
}

void
merkle_empty_root(unsigned char out[MERKLE_HASH_BYTES])
{
    crypto_hash_sha256_state st;

    crypto_hash_sha256_init(&st);
    crypto_hash_sha256_final(&st, out);
}

/* Every bit below the highest set bit of x, set too. */
static uint64_t
merkle_smear(uint64_t x)
{
    x |= x >> 1;
    x |= x >> 2;
    x |= x >> 4;
    x |= x >> 8;
    x |= x >> 16;
    x |= x >> 32;
    return x;
}

/* Largest power of two <= n, for n >= 1. */
static uint64_t
merkle_floor_pow2(uint64_t n)
{
    uint64_t x = merkle_smear(n);

    return x - (x >> 1);
}

/* Largest power of two strictly below n, for n >= 2 (the RFC's split point k). */
static uint64_t
merkle_split(uint64_t n)
{
    return merkle_floor_pow2(n - 1);
}

int
merkle_append(merkle_put_fn put, merkle_get_fn get, void *ctx, uint64_t size_before,
              const unsigned char leaf[MERKLE_HASH_BYTES])
{
    unsigned char h[MERKLE_HASH_BYTES];
    unsigned char left[MERKLE_HASH_BYTES];
    int error;

    if (put == NULL || get == NULL || leaf == NULL) {
        error = error_set(AVOW_EINVALID, "merkle_append: missing argument");
        goto done;
    }
    if (size_before == UINT64_MAX) {
        error = error_set(AVOW_ERANGE, "merkle tree is full");
        goto done;
    }
    memcpy(h, leaf, sizeof(h));
    if ((error = put(ctx, 0, size_before, h)) < 0) {
        goto done;
    }
    /* Invariant 2: leaf n completes (L + 1, n >> (L + 1)) exactly while bit L
     * of n is set, i.e. while the subtree just finished is a right child. */
    for (unsigned level = 0; level < MERKLE_MAX_LEVEL && ((size_before >> level) & 1) != 0;
         level++) {
        if ((error = get(ctx, level, (size_before >> level) - 1, left)) < 0) {
            goto done;
        }
        merkle_node_hash(h, left, h);
        if ((error = put(ctx, level + 1, size_before >> (level + 1), h)) < 0) {
            goto done;
        }
    }
    error = 0;
done:
    return error;
}

int
merkle_range_hash(merkle_get_fn get, void *ctx, uint64_t lo, uint64_t hi,
                  unsigned char out[MERKLE_HASH_BYTES])
{
    unsigned char acc[MERKLE_HASH_BYTES];
    unsigned char h[MERKLE_HASH_BYTES];
    uint64_t len;
    int have = 0;
    int error;

    if (get == NULL || out == NULL || hi <= lo) {
        error = error_set(AVOW_EINVALID, "merkle range [%llu, %llu) is empty",
                          (unsigned long long)lo, (unsigned long long)hi);
        goto done;
    }
    len = hi - lo;
    if ((lo & (merkle_floor_pow2(len) - 1)) != 0) {
        error = error_set(AVOW_EINVALID, "merkle range [%llu, %llu) is not aligned",
                          (unsigned long long)lo, (unsigned long long)hi);
        goto done;
    }
    /* Invariant 4: the chunk of binary digit j starts after the larger chunks;
     * walk the digits from the smallest (rightmost chunk) up, folding. */
    for (unsigned j = 0; j <= MERKLE_MAX_LEVEL; j++) {
        if (((len >> j) & 1) == 0) {
            continue;
        }
        uint64_t higher = len & ~((UINT64_C(2) << j) - 1);
        uint64_t start = lo + higher;
        if ((error = get(ctx, j, start >> j, h)) < 0) {
            goto done;
        }
        if (have) {
            merkle_node_hash(acc, h, acc);
        } else {
            memcpy(acc, h, sizeof(acc));
            have = 1;
        }
    }
    memcpy(out, acc, sizeof(acc));
    error = 0;
done:
    return error;
}

int
merkle_root(merkle_get_fn get, void *ctx, uint64_t size, unsigned char out[MERKLE_HASH_BYTES])
{
    if (out == NULL) {
        return error_set(AVOW_EINVALID, "merkle_root: missing argument");
    }
    if (size == 0) {
        merkle_empty_root(out);
        return 0;
    }
    return merkle_range_hash(get, ctx, 0, size, out);
}

/* Reverse the count hashes of path in place: the walks collect them top-down,
 * proofs list them bottom-up. */
static void
merkle_reverse(unsigned char *path, size_t count)
{
    unsigned char tmp[MERKLE_HASH_BYTES];

    for (size_t i = 0, j = count; i + 1 < j; i++, j--) {
        unsigned char *a = path + i * MERKLE_HASH_BYTES;
        unsigned char *b = path + (j - 1) * MERKLE_HASH_BYTES;
        memcpy(tmp, a, sizeof(tmp));
        memcpy(a, b, sizeof(tmp));
        memcpy(b, tmp, sizeof(tmp));
    }
}

int
merkle_inclusion_proof(merkle_get_fn get, void *ctx, uint64_t index, uint64_t size,
                       unsigned char *path, size_t *count)
{
    uint64_t lo = 0;
    uint64_t hi = size;
    size_t n = 0;
    int error;

    if (get == NULL || path == NULL || count == NULL) {
        error = error_set(AVOW_EINVALID, "merkle_inclusion_proof: missing argument");
        goto done;
    }
    *count = 0;
    if (index >= size) {
        error = error_set(AVOW_EINVALID, "leaf %llu is not in a tree of %llu leaves",
                          (unsigned long long)index, (unsigned long long)size);
        goto done;
    }
    /* RFC 9162 2.1.3.1: PATH(m, D[lo:hi]) descends toward the leaf; the
     * sibling of each step is one hash of the path (invariant 5). */
    while (hi - lo > 1) {
        uint64_t k = merkle_split(hi - lo);
        unsigned char *slot = path + n * MERKLE_HASH_BYTES;
        if (n == MERKLE_MAX_PATH) {
            error = error_set(AVOW_ERANGE, "inclusion proof too long");
            goto done;
        }
        if (index - lo < k) {
            error = merkle_range_hash(get, ctx, lo + k, hi, slot);
            hi = lo + k;
        } else {
            error = merkle_range_hash(get, ctx, lo, lo + k, slot);
            lo += k;
        }
        if (error < 0) {
            goto done;
        }
        n++;
    }
    merkle_reverse(path, n);
    *count = n;
    error = 0;
done:
    return error;
}

int
merkle_consistency_proof(merkle_get_fn get, void *ctx, uint64_t m, uint64_t n, unsigned char *path,
                         size_t *count)
{
    uint64_t lo = 0;
    uint64_t hi = n;
    uint64_t mm = m;
    int known = 1; /* the RFC's b: MTH(D[lo:lo+mm]) is the old root itself */
    size_t c = 0;
    int error;

    if (get == NULL || path == NULL || count == NULL) {
        error = error_set(AVOW_EINVALID, "merkle_consistency_proof: missing argument");
        goto done;
    }
    *count = 0;
    if (m > n) {
        error = error_set(AVOW_EINVALID, "old tree size %llu is past new size %llu",
                          (unsigned long long)m, (unsigned long long)n);
        goto done;
    }
    if (m == 0 || m == n) {
        error = 0;
        goto done;
    }
    /* RFC 9162 2.1.4.1: SUBPROOF(mm, D[lo:hi], known), unrolled. */
    for (;;) {
        unsigned char *slot = path + c * MERKLE_HASH_BYTES;
        if (mm == hi - lo) {
            if (known) {
                break;
            }
            if (c == MERKLE_MAX_PATH) {
                error = error_set(AVOW_ERANGE, "consistency proof too long");
                goto done;
            }
            if ((error = merkle_range_hash(get, ctx, lo, hi, slot)) < 0) {
                goto done;
            }
            c++;
            break;
        }
        if (c == MERKLE_MAX_PATH) {
            error = error_set(AVOW_ERANGE, "consistency proof too long");
            goto done;
        }
        uint64_t k = merkle_split(hi - lo);
        if (mm <= k) {
            error = merkle_range_hash(get, ctx, lo + k, hi, slot);
            hi = lo + k;
        } else {
            error = merkle_range_hash(get, ctx, lo, lo + k, slot);
            lo += k;
            mm -= k;
            known = 0;
        }
        if (error < 0) {
            goto done;
        }
        c++;
    }
    merkle_reverse(path, c);
    *count = c;
    error = 0;
done:
    return error;
}

/* Right-shift fn and sn together until fn's low bit is set or fn is 0. */
static void
merkle_shift_to_set(uint64_t *fn, uint64_t *sn)
{
    while ((*fn & 1) == 0 && *fn != 0) {
        *fn >>= 1;
        *sn >>= 1;
    }
}

int
merkle_verify_inclusion(const unsigned char leaf_hash[MERKLE_HASH_BYTES], uint64_t index,
                        uint64_t size, const unsigned char *path, size_t count,
                        const unsigned char root[MERKLE_HASH_BYTES])
{
    unsigned char r[MERKLE_HASH_BYTES];
    uint64_t fn;
    uint64_t sn;
    int error;

    if (leaf_hash == NULL || root == NULL || (path == NULL && count > 0)) {
        error = error_set(AVOW_EINVALID, "merkle_verify_inclusion: missing argument");
        goto done;
    }
    /* RFC 9162 2.1.3.2, step 1. */
    if (index >= size) {
        error = error_set(AVOW_EVERIFY, "inclusion proof: leaf %llu is not below size %llu",
                          (unsigned long long)index, (unsigned long long)size);
        goto done;
    }
    if (count > MERKLE_MAX_PATH) {
        error = error_set(AVOW_EVERIFY, "inclusion proof: path too long");
        goto done;
    }
    /* Steps 2-4. */
    fn = index;
    sn = size - 1;
    memcpy(r, leaf_hash, sizeof(r));
    for (size_t i = 0; i < count; i++) {
        const unsigned char *p = path + i * MERKLE_HASH_BYTES;
        if (sn == 0) {
            error = error_set(AVOW_EVERIFY, "inclusion proof: path too long");
            goto done;
        }
        if ((fn & 1) != 0 || fn == sn) {
            merkle_node_hash(r, p, r);
            merkle_shift_to_set(&fn, &sn);
        } else {
            merkle_node_hash(r, r, p);
        }
        fn >>= 1;
        sn >>= 1;
    }
    /* Step 5. */
    if (sn != 0) {
        error = error_set(AVOW_EVERIFY, "inclusion proof: path too short");
        goto done;
    }
    if (sodium_memcmp(r, root, sizeof(r)) != 0) {
        error = error_set(AVOW_EVERIFY, "inclusion proof: root does not match");
        goto done;
    }
    error = 0;
done:
    return error;
}

int
merkle_verify_consistency(uint64_t m, uint64_t n, const unsigned char old_root[MERKLE_HASH_BYTES],
                          const unsigned char new_root[MERKLE_HASH_BYTES],
                          const unsigned char *path, size_t count)
{
    unsigned char fr[MERKLE_HASH_BYTES];
    unsigned char sr[MERKLE_HASH_BYTES];
    unsigned char empty[MERKLE_HASH_BYTES];
    uint64_t fn;
    uint64_t sn;
    size_t i;
    int error;

    if (old_root == NULL || new_root == NULL || (path == NULL && count > 0)) {
        error = error_set(AVOW_EINVALID, "merkle_verify_consistency: missing argument");
        goto done;
    }
    if (m > n) {
        error = error_set(AVOW_EVERIFY, "consistency proof: old size %llu past new size %llu",
                          (unsigned long long)m, (unsigned long long)n);
        goto done;
    }
    if (m == 0) {
        /* The empty tree is a prefix of every tree; its head is fixed. */
        merkle_empty_root(empty);
        if (count != 0 || sodium_memcmp(old_root, empty, sizeof(empty)) != 0) {
            error = error_set(AVOW_EVERIFY, "consistency proof: bad proof from size 0");
            goto done;
        }
        error = 0;
        goto done;
    }
    if (m == n) {
        if (count != 0 || sodium_memcmp(old_root, new_root, MERKLE_HASH_BYTES) != 0) {
            error = error_set(AVOW_EVERIFY, "consistency proof: same size, different trees");
            goto done;
        }
        error = 0;
        goto done;
    }
    /* RFC 9162 2.1.4.2, step 1. */
    if (count == 0 || count > MERKLE_MAX_PATH) {
        error = error_set(AVOW_EVERIFY, "consistency proof: bad path length");
        goto done;
    }
    /* Step 2: when m is a power of two, old_root is the implicit first hash. */
    if ((m & (m - 1)) == 0) {
        memcpy(fr, old_root, sizeof(fr));
        i = 0;
    } else {
        memcpy(fr, path, sizeof(fr));
        i = 1;
    }
    memcpy(sr, fr, sizeof(sr));
    /* Steps 3-4. */
    fn = m - 1;
    sn = n - 1;
    while ((fn & 1) != 0) {
        fn >>= 1;
        sn >>= 1;
    }
    /* Steps 5-6. */
    for (; i < count; i++) {
        const unsigned char *c = path + i * MERKLE_HASH_BYTES;
        if (sn == 0) {
            error = error_set(AVOW_EVERIFY, "consistency proof: path too long");
            goto done;
        }
        if ((fn & 1) != 0 || fn == sn) {
            merkle_node_hash(fr, c, fr);
            merkle_node_hash(sr, c, sr);
            merkle_shift_to_set(&fn, &sn);
        } else {
            merkle_node_hash(sr, sr, c);
        }
        fn >>= 1;
        sn >>= 1;
    }
    /* Step 7. */
    if (sn != 0) {
        error = error_set(AVOW_EVERIFY, "consistency proof: path too short");
        goto done;
    }
    if (sodium_memcmp(fr, old_root, sizeof(fr)) != 0) {
        error = error_set(AVOW_EVERIFY, "consistency proof: old root does not match");
        goto done;
    }
    if (sodium_memcmp(sr, new_root, sizeof(sr)) != 0) {
        error = error_set(AVOW_EVERIFY, "consistency proof: new root does not match");
        goto done;
    }
    error = 0;
done:
    return error;
}
