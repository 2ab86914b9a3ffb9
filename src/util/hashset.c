/* SPDX-License-Identifier: ISC */
/*
 * hashset.c - byte strings interned to dense ids, in an open-addressing table
 * (linear probing, at most half full) keyed per set against hash flooding.
 *
 * Invariants (tests/unit/test_hashset.c):
 *  1. Every set hashes with its own key, drawn with randombytes_buf() when
 *     its first table is allocated, that is before any key is hashed; there
 *     is no key or other mutable state at file scope. Two sets, in one
 *     process or in two, place the same keys in unrelated slots, so keys
 *     chosen to collide under a known key (or under another set's) probe no
 *     longer than any others.
 *  2. Ids are dense and in insertion order; the slots only find them, so
 *     nothing derived from a set depends on its key.
 *  3. The table is at most half full, so every probe ends at an empty slot.
 */
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "util/common.h"
#include "util/hashset.h"
#include "util/grow.h"

_Static_assert(HASHSET_KEY_BYTES == crypto_shorthash_KEYBYTES, "the key is SipHash's");

void
hashset_init(hashset *hs, unsigned int flags)
{
    memset(hs, 0, sizeof(*hs));
    hs->flags = flags;
}

static size_t
hashset_hash(const hashset *hs, const unsigned char *k, size_t len)
{
    if (len == 8 && (hs->flags & HASHSET_INT_KEYS) != 0) {
        /* Small integers assigned by the caller: the splitmix64 finalizer of
         * the key mixed with the set's key spreads them for a fraction of a
         * SipHash call. */
        uint64_t x = be64_get(k) ^ be64_get(hs->key);
        x = (x ^ (x >> 30)) * UINT64_C(0xbf58476d1ce4e5b9);
        x = (x ^ (x >> 27)) * UINT64_C(0x94d049bb133111eb);
        return (size_t)(x ^ (x >> 31));
    }
    unsigned char h[crypto_shorthash_BYTES];
    crypto_shorthash(h, k, (unsigned long long)len, hs->key);
    size_t v = 0;
    memcpy(&v, h, sizeof(v) < sizeof(h) ? sizeof(v) : sizeof(h));
    return v;
}

const unsigned char *
hashset_key(const hashset *hs, uint32_t id, size_t *len)
{
    *len = hs->ents[id].len;
    return hs->bytes.ptr + hs->ents[id].off;
}

int
hashset_find(const hashset *hs, const void *k, size_t len, uint32_t *id)
{
    if (hs->nslots == 0) {
        return 0;
    }
    size_t mask = hs->nslots - 1;
    for (size_t i = hashset_hash(hs, k, len) & mask;; i = (i + 1) & mask) {
        uint32_t s = hs->slots[i];
        if (s == 0) {
            return 0;
        }
        const hashset_ent *e = &hs->ents[s - 1];
        if (e->len == len && (len == 0 || memcmp(hs->bytes.ptr + e->off, k, len) == 0)) {
            *id = s - 1;
            return 1;
        }
    }
}

static void
hashset_place(const hashset *hs, uint32_t *slots, size_t nslots, uint32_t id)
{
    const hashset_ent *e = &hs->ents[id];
    size_t i = hashset_hash(hs, hs->bytes.ptr + e->off, e->len) & (nslots - 1);
    while (slots[i] != 0) {
        i = (i + 1) & (nslots - 1);
    }
    slots[i] = id + 1;
}

static int
hashset_rehash(hashset *hs, size_t nslots)
{
    uint32_t *slots = calloc(nslots, sizeof(*slots));
    if (slots == NULL) {
        return error_set(AVOW_ENOMEM, "out of memory in a hash set");
    }
    if (!hs->keyed) {
        randombytes_buf(hs->key, sizeof(hs->key)); /* invariant 1 */
        hs->keyed = 1;
    }
    for (size_t id = 0; id < hs->n; id++) {
        hashset_place(hs, slots, nslots, (uint32_t)id);
    }
    free(hs->slots);
    hs->slots = slots;
    hs->nslots = nslots;
    return 0;
}

int
hashset_intern(hashset *hs, const void *k, size_t len, uint32_t *id, int *added)
{
    int error;
    if (added != NULL) {
        *added = 0;
    }
    if (hashset_find(hs, k, len, id)) {
        return 0;
    }
    if (hs->n >= UINT32_MAX - 1) {
        return error_set(AVOW_ERANGE, "too many keys in a hash set");
    }
    if ((hs->n + 1) * 2 > hs->nslots) { /* invariant 3 */
        if (hs->nslots > SIZE_MAX / 2 / sizeof(uint32_t)) {
            return error_set(AVOW_ENOMEM, "out of memory in a hash set");
        }
        if ((error = hashset_rehash(hs, hs->nslots == 0 ? 64 : hs->nslots * 2)) < 0) {
            return error;
        }
    }
    if ((error = grow_array(&hs->ents, &hs->cap, hs->n + 1, sizeof(*hs->ents), 32)) < 0) {
        return error;
    }
    size_t off = hs->bytes.len;
    if (len > 0 && (error = buf_put(&hs->bytes, k, len)) < 0) {
        return error;
    }
    hs->ents[hs->n].off = off;
    hs->ents[hs->n].len = len;
    hashset_place(hs, hs->slots, hs->nslots, (uint32_t)hs->n);
    *id = (uint32_t)hs->n++;
    if (added != NULL) {
        *added = 1;
    }
    return 0;
}

void
hashset_free(hashset *hs)
{
    unsigned int flags = hs->flags;
    avow_buf_dispose(&hs->bytes);
    free(hs->ents);
    free(hs->slots);
    sodium_memzero(hs, sizeof(*hs));
    hs->flags = flags;
}

#ifdef AVOW_TEST
size_t
hashset_test_slot(const hashset *hs, const void *k, size_t len)
{
    return hs->nslots == 0 ? 0 : hashset_hash(hs, k, len) & (hs->nslots - 1);
}

size_t
hashset_test_max_probe(const hashset *hs)
{
    size_t worst = 0;
    for (size_t i = 0; i < hs->nslots; i++) {
        if (hs->slots[i] == 0) {
            continue;
        }
        const hashset_ent *e = &hs->ents[hs->slots[i] - 1];
        size_t home = hashset_hash(hs, hs->bytes.ptr + e->off, e->len) & (hs->nslots - 1);
        size_t d = (i - home) & (hs->nslots - 1);
        worst = d + 1 > worst ? d + 1 : worst;
    }
    return worst;
}

void
hashset_test_key(hashset *hs, const unsigned char key[HASHSET_KEY_BYTES])
{
    memcpy(hs->key, key, HASHSET_KEY_BYTES);
    hs->keyed = 1;
}
#endif
