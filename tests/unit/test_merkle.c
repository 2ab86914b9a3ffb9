/* SPDX-License-Identifier: ISC */
/*
 * test_merkle.c - the RFC 9162 Merkle tree (src/tlog/merkle.c): published known
 * answers, every proof of every tree up to 300 leaves checked by an
 * independent verifier written here from the RFC's recursive definitions,
 * tampered proofs, and the O(log n) cost of roots and proofs.
 */
#include "testutil.h"

#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "tlog/merkle.h"

#define HB MERKLE_HASH_BYTES

/* ---- in-memory node store -------------------------------------------- */

#define MEM_LEVELS 10
#define MEM_LEAVES 512

typedef struct memtree {
    unsigned char h[MEM_LEVELS][MEM_LEAVES][HB];
    unsigned char have[MEM_LEVELS][MEM_LEAVES];
    uint64_t limit;        /* get refuses nodes reaching past this leaf count */
    unsigned long gets;    /* get calls */
    unsigned long puts;    /* put calls */
    unsigned long misuses; /* reads past limit or of absent nodes, rewrites */
} memtree;

static int
mem_get(void *ctx, unsigned level, uint64_t index, unsigned char out[HB])
{
    memtree *t = ctx;
    t->gets++;
    if (level >= MEM_LEVELS || index >= MEM_LEAVES || !t->have[level][index] ||
        ((index + 1) << level) > t->limit) {
        t->misuses++;
        return error_set(AVOW_ENOTFOUND, "no node (%u, %llu)", level, (unsigned long long)index);
    }
    memcpy(out, t->h[level][index], HB);
    return 0;
}

static int
mem_put(void *ctx, unsigned level, uint64_t index, const unsigned char h[HB])
{
    memtree *t = ctx;
    t->puts++;
    if (level >= MEM_LEVELS || index >= MEM_LEAVES || t->have[level][index]) {
        t->misuses++; /* invariant 2: a node is written once */
        return error_set(AVOW_EIO, "bad put (%u, %llu)", level, (unsigned long long)index);
    }
    memcpy(t->h[level][index], h, HB);
    t->have[level][index] = 1;
    return 0;
}

static memtree *
mem_new(void)
{
    memtree *t = calloc(1, sizeof(*t));
    assert_non_null(t);
    return t;
}

/* ---- independent hashing and verification (RFC 9162 2.1.1 - 2.1.4) ---- */

static void
ind_leaf(unsigned char out[HB], const unsigned char *data, size_t len)
{
    unsigned char buf[64];
    assert_true(len < sizeof(buf));
    buf[0] = 0x00;
    if (len > 0) {
        memcpy(buf + 1, data, len);
    }
    crypto_hash_sha256(out, buf, len + 1);
}

static void
ind_node(unsigned char out[HB], const unsigned char *l, const unsigned char *r)
{
    unsigned char buf[1 + 2 * HB];
    buf[0] = 0x01;
    memcpy(buf + 1, l, HB);
    memcpy(buf + 1 + HB, r, HB);
    crypto_hash_sha256(out, buf, sizeof(buf));
}

/* Largest power of two strictly below n (n >= 2), by the RFC's words. */
static uint64_t
ind_split(uint64_t n)
{
    uint64_t k = 1;
    while (k * 2 < n) {
        k *= 2;
    }
    return k;
}

/* Root computed from an inclusion path by the recursive definition of PATH
 * (RFC 9162 2.1.3.1): the last hash of the path is the top-level sibling. */
static int
ind_incl_root(unsigned char out[HB], uint64_t m, uint64_t n, const unsigned char *leaf,
              const unsigned char *path, size_t c)
{
    unsigned char sub[HB];
    if (n == 1) {
        if (c != 0) {
            return -1;
        }
        memcpy(out, leaf, HB);
        return 0;
    }
    if (c == 0) {
        return -1;
    }
    uint64_t k = ind_split(n);
    const unsigned char *last = path + (c - 1) * HB;
    if (m < k) {
        if (ind_incl_root(sub, m, k, leaf, path, c - 1) != 0) {
            return -1;
        }
        ind_node(out, sub, last);
    } else {
        if (ind_incl_root(sub, m - k, n - k, leaf, path, c - 1) != 0) {
            return -1;
        }
        ind_node(out, last, sub);
    }
    return 0;
}

static int
ind_verify_inclusion(const unsigned char *leaf, uint64_t m, uint64_t n, const unsigned char *path,
                     size_t c, const unsigned char *root)
{
    unsigned char got[HB];
    if (m >= n || ind_incl_root(got, m, n, leaf, path, c) != 0) {
        return -1;
    }
    return memcmp(got, root, HB) == 0 ? 0 : -1;
}

/* Old and new subtree hashes rebuilt from SUBPROOF(m, D[n], known)
 * (RFC 9162 2.1.4.1), consuming the path from its end. */
static int
ind_cons(unsigned char old_out[HB], unsigned char new_out[HB], uint64_t m, uint64_t n, int known,
         const unsigned char *old_root, const unsigned char *path, size_t c)
{
    unsigned char o[HB], nw[HB];
    if (m == n) {
        if (known) {
            if (c != 0) {
                return -1;
            }
            memcpy(old_out, old_root, HB);
            memcpy(new_out, old_root, HB);
        } else {
            if (c != 1) {
                return -1;
            }
            memcpy(old_out, path, HB);
            memcpy(new_out, path, HB);
        }
        return 0;
    }
    if (c == 0) {
        return -1;
    }
    uint64_t k = ind_split(n);
    const unsigned char *last = path + (c - 1) * HB;
    if (m <= k) {
        if (ind_cons(o, nw, m, k, known, old_root, path, c - 1) != 0) {
            return -1;
        }
        memcpy(old_out, o, HB);
        ind_node(new_out, nw, last);
    } else {
        if (ind_cons(o, nw, m - k, n - k, 0, old_root, path, c - 1) != 0) {
            return -1;
        }
        ind_node(old_out, last, o);
        ind_node(new_out, last, nw);
    }
    return 0;
}

static int
ind_verify_consistency(uint64_t m, uint64_t n, const unsigned char *old_root,
                       const unsigned char *new_root, const unsigned char *path, size_t c)
{
    unsigned char o[HB], nw[HB];
    if (m == 0 || m >= n || ind_cons(o, nw, m, n, 1, old_root, path, c) != 0) {
        return -1;
    }
    return (memcmp(o, old_root, HB) == 0 && memcmp(nw, new_root, HB) == 0) ? 0 : -1;
}

/* ---- known answers --------------------------------------------------- */

/*
 * The RFC 6962 reference data of the certificate-transparency project
 * (google/certificate-transparency cpp/merkletree/merkle_tree_test.cc), as
 * republished in transparency-dev/merkle proof/verify_test.go (commit
 * 02194e9afb6c1d95b5381350007963aa70fff472): the eight test leaves, the roots
 * of the trees of their first 1..8 leaves, and the published inclusion and
 * consistency proofs. In that file leaf numbers are 1-based; here indexes
 * are 0-based.
 */
static const char *const kat_leaves[8] = {
    "",
    "00",
    "10",
    "2021",
    "3031",
    "40414243",
    "5051525354555657",
    "606162636465666768696a6b6c6d6e6f",
};

static const char *const kat_roots[8] = {
    "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
    "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
    "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
    "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
    "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
    "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
    "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
    "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
};

static const char kat_empty_root[] =
  "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

typedef struct kat_proof {
    uint64_t a; /* leaf index (inclusion) or old size (consistency) */
    uint64_t b; /* tree size (inclusion) or new size (consistency) */
    size_t count;
    const char *path[3];
} kat_proof;

static const kat_proof kat_inclusion[] = {
    { 0, 1, 0, { NULL, NULL, NULL } },
    { 0,
      8,
      3,
      { "96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
        "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
        "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4" } },
    { 5,
      8,
      3,
      { "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
        "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
        "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7" } },
    { 2, 3, 1, { "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125", NULL, NULL } },
    { 1,
      5,
      3,
      { "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
        "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
        "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b" } },
};

static const kat_proof kat_consistency[] = {
    { 1, 1, 0, { NULL, NULL, NULL } },
    { 1,
      8,
      3,
      { "96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
        "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
        "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4" } },
    { 6,
      8,
      3,
      { "0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
        "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
        "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7" } },
    { 2,
      5,
      2,
      { "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
        "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b", NULL } },
    { 6,
      7,
      3,
      { "0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
        "b08693ec2e721597130641e8211e7eedccb4c26413963eee6c1e2ed16ffb1a5f",
        "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7" } },
};

static size_t
unhex(unsigned char *out, size_t maxlen, const char *hex)
{
    size_t len = 0;
    assert_int_equal(sodium_hex2bin(out, maxlen, hex, strlen(hex), NULL, &len, NULL), 0);
    assert_int_equal(len * 2, strlen(hex));
    return len;
}

static void
unhex_hash(unsigned char out[HB], const char *hex)
{
    assert_int_equal(unhex(out, HB, hex), HB);
}

/* A memtree holding the eight known-answer leaves. */
static memtree *
kat_tree(unsigned char roots[9][HB])
{
    memtree *t = mem_new();
    t->limit = 8;
    for (uint64_t i = 0; i < 8; i++) {
        unsigned char data[16], leaf[HB];
        size_t len = unhex(data, sizeof(data), kat_leaves[i]);
        merkle_leaf_hash(leaf, len ? data : NULL, len);
        assert_int_equal(merkle_append(mem_put, mem_get, t, i, leaf), 0);
    }
    for (uint64_t n = 0; n <= 8; n++) {
        assert_int_equal(merkle_root(mem_get, t, n, roots[n]), 0);
    }
    assert_int_equal(t->misuses, 0);
    return t;
}

static void
test_merkle__matches_published_rfc6962_roots(void **state)
{
    (void)state;
    unsigned char roots[9][HB], want[HB];
    memtree *t = kat_tree(roots);

    unhex_hash(want, kat_empty_root);
    assert_memory_equal(roots[0], want, HB);
    for (int n = 1; n <= 8; n++) {
        unhex_hash(want, kat_roots[n - 1]);
        assert_memory_equal(roots[n], want, HB);
    }
    free(t);
}

static void
test_merkle__matches_published_inclusion_proofs(void **state)
{
    (void)state;
    unsigned char roots[9][HB], path[MERKLE_PATH_BYTES], want[HB], leaf[HB], data[16];
    memtree *t = kat_tree(roots);

    for (size_t v = 0; v < sizeof(kat_inclusion) / sizeof(kat_inclusion[0]); v++) {
        const kat_proof *p = &kat_inclusion[v];
        size_t count = 99;
        t->limit = p->b;
        assert_int_equal(merkle_inclusion_proof(mem_get, t, p->a, p->b, path, &count), 0);
        assert_int_equal(count, p->count);
        for (size_t j = 0; j < count; j++) {
            unhex_hash(want, p->path[j]);
            assert_memory_equal(path + j * HB, want, HB);
        }
        size_t len = unhex(data, sizeof(data), kat_leaves[p->a]);
        merkle_leaf_hash(leaf, len ? data : NULL, len);
        assert_int_equal(merkle_verify_inclusion(leaf, p->a, p->b, path, count, roots[p->b]), 0);
        assert_int_equal(ind_verify_inclusion(leaf, p->a, p->b, path, count, roots[p->b]), 0);
    }
    assert_int_equal(t->misuses, 0);
    free(t);
}

static void
test_merkle__matches_published_consistency_proofs(void **state)
{
    (void)state;
    unsigned char roots[9][HB], path[MERKLE_PATH_BYTES], want[HB];
    memtree *t = kat_tree(roots);

    for (size_t v = 0; v < sizeof(kat_consistency) / sizeof(kat_consistency[0]); v++) {
        const kat_proof *p = &kat_consistency[v];
        size_t count = 99;
        t->limit = p->b;
        assert_int_equal(merkle_consistency_proof(mem_get, t, p->a, p->b, path, &count), 0);
        assert_int_equal(count, p->count);
        for (size_t j = 0; j < count; j++) {
            unhex_hash(want, p->path[j]);
            assert_memory_equal(path + j * HB, want, HB);
        }
        assert_int_equal(
          merkle_verify_consistency(p->a, p->b, roots[p->a], roots[p->b], path, count), 0);
        if (p->a < p->b) {
            assert_int_equal(
              ind_verify_consistency(p->a, p->b, roots[p->a], roots[p->b], path, count), 0);
        }
    }
    assert_int_equal(t->misuses, 0);
    free(t);
}

/* ---- every tree up to 300 leaves -------------------------------------- */

#define BIG 300

typedef struct bigtree {
    memtree *t;
    unsigned char data[BIG][8];
    size_t len[BIG];
    unsigned char leaf[BIG][HB];
    unsigned char root[BIG + 2][HB]; /* root[n] for n = 0..BIG (+1 spare) */
} bigtree;

/* Naive recursive MTH(D[lo:hi]) of RFC 9162 2.1.1 over the leaf DATA. */
static void
naive_mth(unsigned char out[HB], const bigtree *b, uint64_t lo, uint64_t hi)
{
    if (hi - lo == 1) {
        ind_leaf(out, b->data[lo], b->len[lo]);
        return;
    }
    unsigned char l[HB], r[HB];
    uint64_t k = ind_split(hi - lo);
    naive_mth(l, b, lo, lo + k);
    naive_mth(r, b, lo + k, hi);
    ind_node(out, l, r);
}

static bigtree *
big_new(void)
{
    bigtree *b = calloc(1, sizeof(*b));
    assert_non_null(b);
    b->t = mem_new();
    b->t->limit = BIG;
    for (uint64_t i = 0; i < BIG; i++) {
        /* Distinct leaves of varied lengths (1..7 bytes). */
        b->len[i] = 1 + (size_t)(i % 7);
        for (size_t j = 0; j < b->len[i]; j++) {
            b->data[i][j] = (unsigned char)(i * 31 + j * 7 + (i >> 8));
        }
        merkle_leaf_hash(b->leaf[i], b->data[i], b->len[i]);
        assert_int_equal(merkle_append(mem_put, mem_get, b->t, i, b->leaf[i]), 0);
    }
    for (uint64_t n = 0; n <= BIG; n++) {
        b->t->limit = n;
        assert_int_equal(merkle_root(mem_get, b->t, n, b->root[n]), 0);
    }
    assert_int_equal(b->t->misuses, 0);
    return b;
}

static void
big_free(bigtree *b)
{
    free(b->t);
    free(b);
}

static void
test_merkle__stores_each_complete_subtree_once_with_its_mth(void **state)
{
    (void)state;
    bigtree *b = big_new();
    unsigned char want[HB];
    unsigned long nodes = 0;

    for (unsigned level = 0; level < MEM_LEVELS; level++) {
        for (uint64_t i = 0; i < MEM_LEAVES; i++) {
            uint64_t end = (i + 1) << level;
            /* stored exactly when complete inside the 300 leaves */
            assert_int_equal(b->t->have[level][i], end <= BIG ? 1 : 0);
            if (end <= BIG) {
                naive_mth(want, b, i << level, end);
                assert_memory_equal(b->t->h[level][i], want, HB);
                nodes++;
            }
        }
    }
    assert_int_equal(b->t->puts, nodes);
    big_free(b);
}

static void
test_merkle__root_equals_naive_mth_for_every_size(void **state)
{
    (void)state;
    bigtree *b = big_new();
    unsigned char want[HB];

    assert_int_equal(crypto_hash_sha256(want, (const unsigned char *)"", 0), 0);
    assert_memory_equal(b->root[0], want, HB);
    for (uint64_t n = 1; n <= BIG; n++) {
        naive_mth(want, b, 0, n);
        assert_memory_equal(b->root[n], want, HB);
    }
    big_free(b);
}

static void
test_merkle__every_inclusion_proof_verifies_both_ways(void **state)
{
    (void)state;
    bigtree *b = big_new();
    unsigned char path[MERKLE_PATH_BYTES];

    for (uint64_t n = 1; n <= BIG; n++) {
        b->t->limit = n; /* invariant 3: nothing past the tree is read */
        for (uint64_t i = 0; i < n; i++) {
            size_t count = 0;
            assert_int_equal(merkle_inclusion_proof(mem_get, b->t, i, n, path, &count), 0);
            assert_int_equal(ind_verify_inclusion(b->leaf[i], i, n, path, count, b->root[n]), 0);
            assert_int_equal(merkle_verify_inclusion(b->leaf[i], i, n, path, count, b->root[n]), 0);
        }
    }
    assert_int_equal(b->t->misuses, 0);
    big_free(b);
}

static void
test_merkle__every_consistency_proof_verifies_both_ways(void **state)
{
    (void)state;
    bigtree *b = big_new();
    unsigned char path[MERKLE_PATH_BYTES];

    for (uint64_t n = 1; n <= BIG; n++) {
        b->t->limit = n;
        for (uint64_t m = 0; m <= n; m++) {
            size_t count = 99;
            assert_int_equal(merkle_consistency_proof(mem_get, b->t, m, n, path, &count), 0);
            if (m == 0 || m == n) {
                assert_int_equal(count, 0);
            } else {
                assert_int_equal(ind_verify_consistency(m, n, b->root[m], b->root[n], path, count),
                                 0);
            }
            assert_int_equal(merkle_verify_consistency(m, n, b->root[m], b->root[n], path, count),
                             0);
        }
    }
    assert_int_equal(b->t->misuses, 0);
    big_free(b);
}

/* ---- tampering -------------------------------------------------------- */

#define TAMPER_MAX 64

static void
test_merkle__rejects_tampered_inclusion_proofs(void **state)
{
    (void)state;
    bigtree *b = big_new();
    unsigned char path[MERKLE_PATH_BYTES + HB], bad[MERKLE_PATH_BYTES + HB], leaf[HB];

    for (uint64_t n = 1; n <= TAMPER_MAX; n++) {
        b->t->limit = n;
        for (uint64_t i = 0; i < n; i++) {
            size_t count = 0;
            assert_int_equal(merkle_inclusion_proof(mem_get, b->t, i, n, path, &count), 0);
            /* one flipped bit in any path element */
            for (size_t j = 0; j < count; j++) {
                memcpy(bad, path, count * HB);
                bad[j * HB + (j * 5) % HB] ^= (unsigned char)(1u << (j % 8));
                assert_int_equal(merkle_verify_inclusion(b->leaf[i], i, n, bad, count, b->root[n]),
                                 AVOW_EVERIFY);
                assert_int_not_equal(ind_verify_inclusion(b->leaf[i], i, n, bad, count, b->root[n]),
                                     0);
            }
            /* a flipped bit in the leaf or the root */
            memcpy(leaf, b->leaf[i], HB);
            leaf[31] ^= 0x80;
            assert_int_equal(merkle_verify_inclusion(leaf, i, n, path, count, b->root[n]),
                             AVOW_EVERIFY);
            memcpy(leaf, b->root[n], HB);
            leaf[0] ^= 0x01;
            assert_int_equal(merkle_verify_inclusion(b->leaf[i], i, n, path, count, leaf),
                             AVOW_EVERIFY);
            /* every wrong index, including past the end */
            for (uint64_t w = 0; w <= n + 1; w++) {
                if (w != i) {
                    assert_int_equal(
                      merkle_verify_inclusion(b->leaf[i], w, n, path, count, b->root[n]),
                      AVOW_EVERIFY);
                }
            }
            assert_int_equal(
              merkle_verify_inclusion(b->leaf[i], UINT64_MAX, n, path, count, b->root[n]),
              AVOW_EVERIFY);
            /* wrong size, with that size's own root */
            assert_int_equal(
              merkle_verify_inclusion(b->leaf[i], i, n + 1, path, count, b->root[n + 1]),
              AVOW_EVERIFY);
            assert_int_equal(
              merkle_verify_inclusion(b->leaf[i], i, n - 1, path, count, b->root[n - 1]),
              AVOW_EVERIFY);
            assert_int_equal(merkle_verify_inclusion(b->leaf[i], i, 0, path, count, b->root[0]),
                             AVOW_EVERIFY);
            /* truncated and extended paths */
            if (count > 0) {
                assert_int_equal(
                  merkle_verify_inclusion(b->leaf[i], i, n, path, count - 1, b->root[n]),
                  AVOW_EVERIFY);
                assert_int_equal(
                  merkle_verify_inclusion(b->leaf[i], i, n, path + HB, count - 1, b->root[n]),
                  AVOW_EVERIFY);
            }
            memcpy(path + count * HB, b->root[n], HB);
            assert_int_equal(merkle_verify_inclusion(b->leaf[i], i, n, path, count + 1, b->root[n]),
                             AVOW_EVERIFY);
            assert_int_not_equal(
              ind_verify_inclusion(b->leaf[i], i, n, path, count + 1, b->root[n]), 0);
        }
    }
    big_free(b);
}

static void
test_merkle__rejects_tampered_consistency_proofs(void **state)
{
    (void)state;
    bigtree *b = big_new();
    unsigned char path[MERKLE_PATH_BYTES + HB], bad[MERKLE_PATH_BYTES + HB];

    for (uint64_t n = 2; n <= TAMPER_MAX; n++) {
        b->t->limit = n;
        for (uint64_t m = 1; m < n; m++) {
            size_t count = 0;
            assert_int_equal(merkle_consistency_proof(mem_get, b->t, m, n, path, &count), 0);
            assert_true(count > 0);
            /* one flipped bit in any path element */
            for (size_t j = 0; j < count; j++) {
                memcpy(bad, path, count * HB);
                bad[j * HB + (j * 11) % HB] ^= (unsigned char)(1u << ((j + 3) % 8));
                assert_int_equal(
                  merkle_verify_consistency(m, n, b->root[m], b->root[n], bad, count),
                  AVOW_EVERIFY);
                assert_int_not_equal(
                  ind_verify_consistency(m, n, b->root[m], b->root[n], bad, count), 0);
            }
            /* wrong sizes, each with its own root */
            assert_int_equal(
              merkle_verify_consistency(m - 1, n, b->root[m - 1], b->root[n], path, count),
              AVOW_EVERIFY);
            assert_int_equal(
              merkle_verify_consistency(m + 1, n, b->root[m + 1], b->root[n], path, count),
              AVOW_EVERIFY);
            assert_int_equal(
              merkle_verify_consistency(m, n - 1, b->root[m], b->root[n - 1], path, count),
              AVOW_EVERIFY);
            assert_int_equal(
              merkle_verify_consistency(m, n + 1, b->root[m], b->root[n + 1], path, count),
              AVOW_EVERIFY);
            assert_int_equal(merkle_verify_consistency(n, m, b->root[n], b->root[m], path, count),
                             AVOW_EVERIFY);
            /* wrong or swapped roots */
            assert_int_equal(merkle_verify_consistency(m, n, b->root[n], b->root[m], path, count),
                             AVOW_EVERIFY);
            assert_int_equal(
              merkle_verify_consistency(m, n, b->root[m - 1], b->root[n], path, count),
              AVOW_EVERIFY);
            assert_int_equal(
              merkle_verify_consistency(m, n, b->root[m], b->root[n - 1], path, count),
              AVOW_EVERIFY);
            /* empty, truncated, shifted and extended paths */
            assert_int_equal(merkle_verify_consistency(m, n, b->root[m], b->root[n], path, 0),
                             AVOW_EVERIFY);
            assert_int_equal(
              merkle_verify_consistency(m, n, b->root[m], b->root[n], path, count - 1),
              AVOW_EVERIFY);
            assert_int_equal(
              merkle_verify_consistency(m, n, b->root[m], b->root[n], path + HB, count - 1),
              AVOW_EVERIFY);
            memcpy(path + count * HB, b->root[n], HB);
            assert_int_equal(
              merkle_verify_consistency(m, n, b->root[m], b->root[n], path, count + 1),
              AVOW_EVERIFY);
            assert_int_not_equal(
              ind_verify_consistency(m, n, b->root[m], b->root[n], path, count + 1), 0);
        }
    }
    big_free(b);
}

static void
test_merkle__handles_edge_sizes_per_rfc(void **state)
{
    (void)state;
    bigtree *b = big_new();
    unsigned char path[MERKLE_PATH_BYTES], out[HB];
    size_t count = 99;

    /* from the empty tree: an empty proof, and only the empty tree's head */
    assert_int_equal(merkle_consistency_proof(mem_get, b->t, 0, 5, path, &count), 0);
    assert_int_equal(count, 0);
    assert_int_equal(merkle_verify_consistency(0, 5, b->root[0], b->root[5], path, 0), 0);
    assert_int_equal(merkle_verify_consistency(0, 0, b->root[0], b->root[0], path, 0), 0);
    assert_int_equal(merkle_verify_consistency(0, 5, b->root[1], b->root[5], path, 0),
                     AVOW_EVERIFY);
    memcpy(path, b->root[5], HB);
    assert_int_equal(merkle_verify_consistency(0, 5, b->root[0], b->root[5], path, 1),
                     AVOW_EVERIFY);
    /* same size: equal heads and nothing else */
    assert_int_equal(merkle_verify_consistency(5, 5, b->root[5], b->root[5], path, 0), 0);
    assert_int_equal(merkle_verify_consistency(5, 5, b->root[4], b->root[5], path, 0),
                     AVOW_EVERIFY);
    assert_int_equal(merkle_verify_consistency(5, 5, b->root[5], b->root[5], path, 1),
                     AVOW_EVERIFY);
    /* time travel and out-of-range leaves */
    assert_int_equal(merkle_verify_consistency(6, 5, b->root[6], b->root[5], path, 0),
                     AVOW_EVERIFY);
    assert_int_equal(merkle_consistency_proof(mem_get, b->t, 6, 5, path, &count), AVOW_EINVALID);
    assert_int_equal(merkle_inclusion_proof(mem_get, b->t, 5, 5, path, &count), AVOW_EINVALID);
    assert_int_equal(merkle_inclusion_proof(mem_get, b->t, 0, 0, path, &count), AVOW_EINVALID);
    assert_int_equal(merkle_verify_inclusion(b->leaf[0], 0, 0, path, 0, b->root[0]), AVOW_EVERIFY);
    /* a single leaf is its own root */
    assert_int_equal(merkle_verify_inclusion(b->leaf[0], 0, 1, path, 0, b->root[1]), 0);
    assert_memory_equal(b->leaf[0], b->root[1], HB);
    /* ranges that no tree from leaf 0 contains are refused */
    b->t->limit = BIG;
    assert_int_equal(merkle_range_hash(mem_get, b->t, 1, 3, out), AVOW_EINVALID);
    assert_int_equal(merkle_range_hash(mem_get, b->t, 3, 3, out), AVOW_EINVALID);
    assert_int_equal(merkle_range_hash(mem_get, b->t, 4, 3, out), AVOW_EINVALID);
    assert_int_equal(merkle_range_hash(mem_get, b->t, 8, 13, out), 0);
    unsigned char want[HB];
    naive_mth(want, b, 8, 13);
    assert_memory_equal(out, want, HB);
    assert_int_equal(b->t->misuses, 0);
    big_free(b);
}

static int
failing_get(void *ctx, unsigned level, uint64_t index, unsigned char out[HB])
{
    (void)ctx;
    (void)level;
    (void)index;
    memset(out, 0, HB);
    return error_set(AVOW_EIO, "disk on fire");
}

static int
failing_put(void *ctx, unsigned level, uint64_t index, const unsigned char h[HB])
{
    (void)ctx;
    (void)level;
    (void)index;
    (void)h;
    return AVOW_EFULL;
}

static void
test_merkle__passes_storage_errors_through(void **state)
{
    (void)state;
    unsigned char out[HB], path[MERKLE_PATH_BYTES], leaf[HB] = { 0 };
    size_t count = 0;
    memtree *t = mem_new();
    t->limit = 8;

    assert_int_equal(merkle_root(failing_get, NULL, 3, out), AVOW_EIO);
    assert_int_equal(merkle_inclusion_proof(failing_get, NULL, 1, 3, path, &count), AVOW_EIO);
    assert_int_equal(merkle_consistency_proof(failing_get, NULL, 1, 3, path, &count), AVOW_EIO);
    assert_int_equal(merkle_append(failing_put, mem_get, t, 0, leaf), AVOW_EFULL);
    assert_int_equal(merkle_append(mem_put, mem_get, t, 0, leaf), 0);
    assert_int_equal(merkle_append(mem_put, failing_get, t, 1, leaf), AVOW_EIO);
    assert_int_equal(merkle_append(mem_put, mem_get, t, UINT64_MAX, leaf), AVOW_ERANGE);
    free(t);
}

/* ---- cost: a tree of about a million leaves, computed on demand -------- */

/* A tree whose leaves all hash to the same value: its complete subtree of
 * level L is then T[L] = node(T[L-1], T[L-1]) wherever it sits, so get can
 * answer any node of a huge tree instantly, and proofs still verify. */
typedef struct lazytree {
    unsigned char t[64][HB];
    uint64_t size;
    unsigned long gets;
    unsigned long bad;
} lazytree;

static int
lazy_get(void *ctx, unsigned level, uint64_t index, unsigned char out[HB])
{
    lazytree *z = ctx;
    z->gets++;
    if (level >= 64 || index >= (z->size >> level)) {
        z->bad++;
        return AVOW_ENOTFOUND;
    }
    memcpy(out, z->t[level], HB);
    return 0;
}

static int
lazy_put(void *ctx, unsigned level, uint64_t index, const unsigned char h[HB])
{
    lazytree *z = ctx;
    if (level >= 64 || memcmp(h, z->t[level], HB) != 0 || index != (z->size >> level)) {
        z->bad++;
    }
    return 0;
}

/* MTH of n identical leaves, recursively (RFC 9162 2.1.1). */
static void
lazy_mth(unsigned char out[HB], const lazytree *z, uint64_t n)
{
    uint64_t k;
    unsigned level = 0;
    if ((n & (n - 1)) == 0) {
        while ((UINT64_C(1) << level) < n) {
            level++;
        }
        memcpy(out, z->t[level], HB);
        return;
    }
    k = ind_split(n);
    unsigned char l[HB], r[HB];
    lazy_mth(l, z, k);
    lazy_mth(r, z, n - k);
    ind_node(out, l, r);
}

static void
test_merkle__reads_log_n_nodes_for_a_million_leaves(void **state)
{
    (void)state;
    static const uint64_t sizes[] = { 999999, 1000000, 1048575, 1048576, 1000003 };
    lazytree *z = calloc(1, sizeof(*z));
    unsigned char root[HB], want[HB], old_root[HB], path[MERKLE_PATH_BYTES];
    size_t count;

    assert_non_null(z);
    ind_leaf(z->t[0], (const unsigned char *)"x", 1);
    for (unsigned l = 1; l < 64; l++) {
        ind_node(z->t[l], z->t[l - 1], z->t[l - 1]);
    }
    for (size_t s = 0; s < sizeof(sizes) / sizeof(sizes[0]); s++) {
        uint64_t n = sizes[s];
        z->size = n;
        z->gets = 0;
        assert_int_equal(merkle_root(lazy_get, z, n, root), 0);
        assert_true(z->gets <= 64);
        lazy_mth(want, z, n);
        assert_memory_equal(root, want, HB);

        const uint64_t idx[] = { 0, 1, 2, n / 3, n / 2, 524287, 524288, n - 2, n - 1 };
        for (size_t i = 0; i < sizeof(idx) / sizeof(idx[0]); i++) {
            z->gets = 0;
            assert_int_equal(merkle_inclusion_proof(lazy_get, z, idx[i], n, path, &count), 0);
            assert_true(z->gets <= 2 * 64);
            assert_true(count <= 21);
            assert_int_equal(merkle_verify_inclusion(z->t[0], idx[i], n, path, count, root), 0);
            assert_int_equal(ind_verify_inclusion(z->t[0], idx[i], n, path, count, root), 0);
        }
        const uint64_t olds[] = { 1, 2, 3, 7, 1000, n / 2, 524288, 524289, n - 1 };
        for (size_t i = 0; i < sizeof(olds) / sizeof(olds[0]); i++) {
            z->gets = 0;
            assert_int_equal(merkle_consistency_proof(lazy_get, z, olds[i], n, path, &count), 0);
            assert_true(z->gets <= 2 * 64);
            lazy_mth(old_root, z, olds[i]);
            assert_int_equal(merkle_verify_consistency(olds[i], n, old_root, root, path, count), 0);
            assert_int_equal(ind_verify_consistency(olds[i], n, old_root, root, path, count), 0);
        }
        /* appending the next leaf reads at most one node per level */
        z->gets = 0;
        assert_int_equal(merkle_append(lazy_put, lazy_get, z, n, z->t[0]), 0);
        assert_true(z->gets <= 64);
    }
    assert_int_equal(z->bad, 0);
    free(z);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_merkle__matches_published_rfc6962_roots),
        cmocka_unit_test(test_merkle__matches_published_inclusion_proofs),
        cmocka_unit_test(test_merkle__matches_published_consistency_proofs),
        cmocka_unit_test(test_merkle__stores_each_complete_subtree_once_with_its_mth),
        cmocka_unit_test(test_merkle__root_equals_naive_mth_for_every_size),
        cmocka_unit_test(test_merkle__every_inclusion_proof_verifies_both_ways),
        cmocka_unit_test(test_merkle__every_consistency_proof_verifies_both_ways),
        cmocka_unit_test(test_merkle__rejects_tampered_inclusion_proofs),
        cmocka_unit_test(test_merkle__rejects_tampered_consistency_proofs),
        cmocka_unit_test(test_merkle__handles_edge_sizes_per_rfc),
        cmocka_unit_test(test_merkle__passes_storage_errors_through),
        cmocka_unit_test(test_merkle__reads_log_n_nodes_for_a_million_leaves),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
