/* SPDX-License-Identifier: ISC */
/*
 * test_hashset.c - the keyed hash set (src/util/hashset.c): ids dense and
 * stable, lookups exact, and its key random per set (invariant 1): the same
 * keys land in different slots under two sets, and keys crafted to collide
 * under the all-zero SipHash key the projections used to hash with do not
 * lengthen a random-keyed set's probes.
 */
#include "testutil.h"

#include <sodium.h>
#include <stdio.h>
#include <string.h>

#include "util/hashset.h"

#define NKEYS 300

static void
test_hashset__interns_keys_to_dense_ids_and_finds_them(void **state)
{
    (void)state;
    hashset hs;
    char k[32];
    uint32_t id;
    int added;
    hashset_init(&hs, 0);
    assert_int_equal(hashset_find(&hs, "x", 1, &id), 0);
    for (uint32_t i = 0; i < 1000; i++) {
        int n = snprintf(k, sizeof(k), "key-%u", i);
        assert_int_equal(hashset_intern(&hs, k, (size_t)n, &id, &added), 0);
        assert_int_equal(id, i);
        assert_int_equal(added, 1);
    }
    assert_int_equal(hashset_intern(&hs, "key-7", 5, &id, &added), 0);
    assert_int_equal(id, 7);
    assert_int_equal(added, 0);
    assert_int_equal(hashset_intern(&hs, "", 0, &id, NULL), 0);
    assert_int_equal(id, 1000);
    assert_int_equal(hashset_count(&hs), 1001);
    size_t len;
    const unsigned char *p = hashset_key(&hs, 42, &len);
    assert_int_equal(len, 6);
    assert_memory_equal(p, "key-42", 6);
    assert_int_equal(hashset_find(&hs, "key-1000", 8, &id), 0);
    hashset_free(&hs);
    assert_int_equal(hashset_count(&hs), 0);
}

static void
test_hashset__two_sets_place_the_same_keys_in_different_slots(void **state)
{
    (void)state;
    hashset a, b;
    char k[32];
    uint32_t id;
    size_t differ = 0;
    hashset_init(&a, 0);
    hashset_init(&b, HASHSET_INT_KEYS);
    for (int i = 0; i < 64; i++) {
        int n = snprintf(k, sizeof(k), "actor %d", i);
        assert_int_equal(hashset_intern(&a, k, (size_t)n, &id, NULL), 0);
        assert_int_equal(hashset_intern(&b, k, (size_t)n, &id, NULL), 0);
    }
    /* Both tables have 128 slots: with one key for both, every key would
     * start in the same slot; with random keys about 127 in 128 differ. */
    for (int i = 0; i < 64; i++) {
        int n = snprintf(k, sizeof(k), "actor %d", i);
        differ += hashset_test_slot(&a, k, (size_t)n) != hashset_test_slot(&b, k, (size_t)n);
    }
    assert_true(differ > 32);
    /* The integer keys of pairs are keyed too. */
    unsigned char ik[8] = { 0, 0, 0, 1, 0, 0, 0, 2 };
    hashset c, d;
    hashset_init(&c, HASHSET_INT_KEYS);
    hashset_init(&d, HASHSET_INT_KEYS);
    differ = 0;
    for (int i = 0; i < 64; i++) {
        ik[7] = (unsigned char)i;
        assert_int_equal(hashset_intern(&c, ik, 8, &id, NULL), 0);
        assert_int_equal(hashset_intern(&d, ik, 8, &id, NULL), 0);
    }
    for (int i = 0; i < 64; i++) {
        ik[7] = (unsigned char)i;
        differ += hashset_test_slot(&c, ik, 8) != hashset_test_slot(&d, ik, 8);
    }
    assert_true(differ > 32);
    hashset_free(&a);
    hashset_free(&b);
    hashset_free(&c);
    hashset_free(&d);
}

/* NKEYS names whose SipHash under the all-zero key has the same low 10 bits:
 * they all start in one slot of a 1024-slot table keyed that way. */
static size_t
crafted_keys(char (*keys)[24])
{
    static const unsigned char zero[crypto_shorthash_KEYBYTES] = { 0 };
    unsigned char h[crypto_shorthash_BYTES];
    size_t n = 0;
    for (unsigned long i = 0; n < NKEYS && i < 10000000ul; i++) {
        int len = snprintf(keys[n], 24, "flood-%lu", i);
        crypto_shorthash(h, (const unsigned char *)keys[n], (unsigned long long)len, zero);
        if ((h[0] | ((h[1] & 0x03) << 8)) == 0) {
            n++;
        }
    }
    return n;
}

static size_t
fill(hashset *hs, char (*keys)[24], size_t n)
{
    uint32_t id;
    for (size_t i = 0; i < n; i++) {
        assert_int_equal(hashset_intern(hs, keys[i], strlen(keys[i]), &id, NULL), 0);
        assert_int_equal(id, i);
    }
    for (size_t i = 0; i < n; i++) {
        assert_int_equal(hashset_find(hs, keys[i], strlen(keys[i]), &id), 1);
        assert_int_equal(id, i);
    }
    return hashset_test_max_probe(hs);
}

static void
test_hashset__keys_crafted_to_collide_under_a_known_key_do_not_degrade(void **state)
{
    (void)state;
    static char keys[NKEYS][24];
    static const unsigned char zero[HASHSET_KEY_BYTES] = { 0 };
    hashset flooded, keyed;
    assert_int_equal(crafted_keys(keys), NKEYS);

    /* Under the known key (the old all-zero one) they pile up in one run. */
    hashset_init(&flooded, 0);
    hashset_test_key(&flooded, zero);
    assert_true(fill(&flooded, keys, NKEYS) >= NKEYS);

    /* Under a set's own random key they spread like any keys: 300 keys in
     * 1024 slots probe a few slots at most (far below 64 with overwhelming
     * probability). */
    hashset_init(&keyed, 0);
    assert_true(fill(&keyed, keys, NKEYS) < 64);
    hashset_free(&flooded);
    hashset_free(&keyed);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_hashset__interns_keys_to_dense_ids_and_finds_them),
        cmocka_unit_test(test_hashset__two_sets_place_the_same_keys_in_different_slots),
        cmocka_unit_test(test_hashset__keys_crafted_to_collide_under_a_known_key_do_not_degrade),
    };
    if (sodium_init() < 0) {
        return 1;
    }
    return cmocka_run_group_tests(tests, NULL, NULL);
}
