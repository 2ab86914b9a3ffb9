/* SPDX-License-Identifier: ISC */
/*
 * hashset.h - byte strings interned to dense ids (0, 1, 2 ... in insertion
 * order) in an open-addressing table hashed with a key drawn at random for
 * each set, so that keys chosen by a hostile peer or file cannot be made to
 * collide (hash flooding). See the invariants in hashset.c.
 *
 * Typical use: intern each key, keep the values in an array indexed by id.
 */
#ifndef AVOW_HASHSET_H
#define AVOW_HASHSET_H

#include <stddef.h>
#include <stdint.h>

#include "avow.h"

/* The bytes of the hash key of one set. */
#define HASHSET_KEY_BYTES 16

/* Flags of hashset_init(). Keys of exactly 8 bytes that are small integers
 * assigned by the caller (never bytes from outside) take a keyed integer mix,
 * a fraction of the cost of SipHash; any other key length takes SipHash. */
#define HASHSET_INT_KEYS 0x1u

typedef struct hashset_ent {
    size_t off; /* in bytes */
    size_t len;
} hashset_ent;

typedef struct hashset {
    avow_buf bytes;     /* every key, back to back */
    hashset_ent *ents;  /* per id */
    size_t n, cap;      /* ids in use, room in ents */
    uint32_t *slots;    /* id + 1; 0 is empty */
    size_t nslots;      /* a power of two, or 0 */
    unsigned int flags; /* HASHSET_* */
    int keyed;          /* key holds the random key */
    unsigned char key[HASHSET_KEY_BYTES];
} hashset;

/* An all-zero hashset is a valid empty set without flags. */
void hashset_init(hashset *hs, unsigned int flags);
/* Free the set's memory; it is empty (and keeps its flags) afterwards. */
void hashset_free(hashset *hs);

/* @return 1 and *id when the key is in the set, else 0. */
int hashset_find(const hashset *hs, const void *k, size_t len, uint32_t *id);
/* The id of the key, added when new (*added = 1; added may be NULL).
 * @return 0, AVOW_ENOMEM or AVOW_ERANGE (UINT32_MAX - 1 keys). */
int hashset_intern(hashset *hs, const void *k, size_t len, uint32_t *id, int *added);
/* The bytes of key id (borrowed until the next hashset_intern()). */
const unsigned char *hashset_key(const hashset *hs, uint32_t id, size_t *len);
/* The number of keys. */
static inline size_t
hashset_count(const hashset *hs)
{
    return hs->n;
}

#ifdef AVOW_TEST
/* Test seams. The slot the key's probe starts from (the set must hold a
 * key, so that its table exists). */
size_t hashset_test_slot(const hashset *hs, const void *k, size_t len);
/* The longest probe sequence of any key in the set. */
size_t hashset_test_max_probe(const hashset *hs);
/* Replace the set's random key (before its first key is interned). */
void hashset_test_key(hashset *hs, const unsigned char key[HASHSET_KEY_BYTES]);
#endif

#endif /* AVOW_HASHSET_H */
