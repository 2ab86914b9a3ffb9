/* SPDX-License-Identifier: ISC */
/*
 * test_canon.c - the canonical JSON writer (src/util/canon.c): its bytes equal
 * what the previous releases hashed (state digest, insertion order) and wrote
 * (evidence files, sorted keys) over every code point and thousands of random
 * trees; the known-answer vectors of tests/vectors/canon_*.json; refusals.
 */
#include "testutil.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <sodium.h>

#include "util/canon.h"

#define CASES 4000

/* The previous releases' two renderings (what the artifacts were, byte for byte). */
static size_t
legacy_flags(canon_order order)
{
    return order == CANON_SORTED ? JSON_COMPACT | JSON_SORT_KEYS
                                 : JSON_COMPACT | JSON_PRESERVE_ORDER;
}

/* Compare canon_write and canon_sha256_hex against the legacy rendering of v. */
static void
expect_same(const json_t *v, canon_order order, uint64_t seed, int n)
{
    avow_buf out = { 0 };
    char hex[2 * AVOW_HASH_BYTES + 1], want_hex[2 * AVOW_HASH_BYTES + 1];
    unsigned char md[AVOW_HASH_BYTES];
    char *want = json_dumps(v, legacy_flags(order));
    assert_non_null(want);
    int rc = canon_write(&out, v, order);
    if (rc != 0 || out.len != strlen(want) || memcmp(out.ptr, want, out.len) != 0) {
        fail_msg("seed %" PRIu64 " case %d order %d: canon (rc %d) %.*s\n want %s", seed, n,
                 (int)order, rc, (int)out.len, out.ptr ? (const char *)out.ptr : "", want);
    }
    assert_int_equal(canon_sha256_hex(hex, v, order), 0);
    crypto_hash_sha256(md, (const unsigned char *)want, strlen(want));
    avow_hex(want_hex, md, sizeof(md));
    assert_string_equal(hex, want_hex);
    free(want);
    avow_buf_dispose(&out);
}

static size_t
utf8_put(char *p, uint32_t cp)
{
    if (cp < 0x80) {
        p[0] = (char)cp;
        return 1;
    }
    if (cp < 0x800) {
        p[0] = (char)(0xc0 | cp >> 6);
        p[1] = (char)(0x80 | (cp & 0x3f));
        return 2;
    }
    if (cp < 0x10000) {
        p[0] = (char)(0xe0 | cp >> 12);
        p[1] = (char)(0x80 | ((cp >> 6) & 0x3f));
        p[2] = (char)(0x80 | (cp & 0x3f));
        return 3;
    }
    p[0] = (char)(0xf0 | cp >> 18);
    p[1] = (char)(0x80 | ((cp >> 12) & 0x3f));
    p[2] = (char)(0x80 | ((cp >> 6) & 0x3f));
    p[3] = (char)(0x80 | (cp & 0x3f));
    return 4;
}

/* Every scalar value U+0000..U+10FFFF, 256 per string, as values and as keys. */
static void
test_canon__every_code_point_as_before(void **state)
{
    (void)state;
    char text[256 * 4];
    for (uint32_t base = 0; base < 0x110000; base += 256) {
        size_t len = 0;
        for (uint32_t cp = base; cp < base + 256; cp++) {
            if (cp < 0xd800 || cp > 0xdfff) {
                len += utf8_put(text + len, cp);
            }
        }
        json_t *doc = json_object();
        json_t *arr = json_array();
        assert_non_null(doc);
        assert_non_null(arr);
        assert_int_equal(json_array_append_new(arr, json_stringn(text, len)), 0);
        assert_int_equal(json_object_setn_new(doc, text, len, arr), 0);
        assert_int_equal(json_object_set_new(doc, "k", json_stringn(text, len)), 0);
        expect_same(doc, CANON_INSERTED, 0, (int)base);
        expect_same(doc, CANON_SORTED, 0, (int)base);
        json_decref(doc);
    }
}

static uint64_t
rnd(uint64_t *s)
{
    /* xorshift64*: a fixed sequence per seed, so a failure replays. */
    *s ^= *s >> 12;
    *s ^= *s << 25;
    *s ^= *s >> 27;
    return *s * UINT64_C(2685821657736338717);
}

static uint32_t
rnd_cp(uint64_t *s)
{
    static const uint32_t edges[] = { 0,      0x1f,   0x20,   '"',    '\\',   '/',     0x7f,
                                      0x80,   0x9f,   0xa0,   0x7ff,  0x800,  0xd7ff,  0xe000,
                                      0x2028, 0x2029, 0xfeff, 0xfffd, 0xffff, 0x10000, 0x10ffff };
    switch (rnd(s) % 6) {
    case 0:
        return (uint32_t)(rnd(s) % 0x20);
    case 1:
        return (uint32_t)(0x20 + rnd(s) % 0x60);
    case 2:
        return edges[rnd(s) % (sizeof(edges) / sizeof(edges[0]))];
    case 3:
        return (uint32_t)(0x80 + rnd(s) % 0x780);
    case 4: {
        uint32_t cp = (uint32_t)(0x800 + rnd(s) % 0xf800);
        return cp >= 0xd800 && cp <= 0xdfff ? 0xfffd : cp;
    }
    default:
        return (uint32_t)(0x10000 + rnd(s) % 0x100000);
    }
}

/* A random string of up to 12 code points (8 for keys, so that keys collide). */
static size_t
rnd_text(char *buf, uint64_t *s, size_t max_cp)
{
    size_t n = (size_t)(rnd(s) % (max_cp + 1)), len = 0;
    for (size_t i = 0; i < n; i++) {
        len += utf8_put(buf + len, rnd_cp(s));
    }
    return len;
}

static json_t *
rnd_tree(uint64_t *s, int depth)
{
    static const json_int_t ints[] = { 0, 1, -1, 9, 10, -10, INT64_MAX, INT64_MIN, INT64_MIN + 1 };
    char text[16 * 4];
    unsigned kind = (unsigned)(rnd(s) % (depth < 5 ? 8 : 6));
    switch (kind) {
    case 0:
        return json_null();
    case 1:
        return json_boolean(rnd(s) & 1);
    case 2:
        return json_integer(rnd(s) & 1 ? ints[rnd(s) % (sizeof(ints) / sizeof(ints[0]))]
                                       : (json_int_t)rnd(s));
    case 3:
    case 4:
    case 5: {
        size_t len = rnd_text(text, s, 12);
        return json_stringn(text, len);
    }
    case 6: {
        json_t *a = json_array();
        size_t n = (size_t)(rnd(s) % 6);
        for (size_t i = 0; i < n; i++) {
            assert_int_equal(json_array_append_new(a, rnd_tree(s, depth + 1)), 0);
        }
        return a;
    }
    default: {
        json_t *o = json_object();
        size_t n = (size_t)(rnd(s) % 24); /* past CANON_STACK_MEMBERS now and then */
        for (size_t i = 0; i < n; i++) {
            size_t len = rnd_text(text, s, 3);
            assert_int_equal(json_object_setn_new(o, text, len, rnd_tree(s, depth + 1)), 0);
        }
        return o;
    }
    }
}

static void
test_canon__random_trees_as_before(void **state)
{
    (void)state;
    uint64_t seed = UINT64_C(0x5eed0ca70e13);
    const char *env = getenv("AVOW_CANON_SEED");
    if (env != NULL) {
        seed = strtoull(env, NULL, 0);
    }
    uint64_t s = seed;
    for (int n = 0; n < CASES; n++) {
        json_t *doc = json_object();
        size_t members = (size_t)(rnd(&s) % 8);
        for (size_t i = 0; i < members; i++) {
            char key[8 * 4];
            size_t len = rnd_text(key, &s, 4);
            assert_int_equal(json_object_setn_new(doc, key, len, rnd_tree(&s, 1)), 0);
        }
        expect_same(doc, CANON_INSERTED, seed, n);
        expect_same(doc, CANON_SORTED, seed, n);
        json_decref(doc);
    }
}

/* Each vector: {"name", "order": "inserted"|"sorted", "input", "canonical", "sha256"}. */
static void
check_vector_file(const char *path)
{
    json_error_t jerr;
    json_t *doc = json_load_file(path, JSON_ALLOW_NUL, &jerr);
    if (doc == NULL) {
        fail_msg("%s: %s", path, jerr.text);
    }
    assert_true(json_is_array(doc) && json_array_size(doc) > 0);
    size_t i;
    json_t *v;
    json_array_foreach(doc, i, v)
    {
        const char *name = json_string_value(json_object_get(v, "name"));
        const char *order = json_string_value(json_object_get(v, "order"));
        const json_t *canonical = json_object_get(v, "canonical");
        const char *sha = json_string_value(json_object_get(v, "sha256"));
        assert_non_null(name);
        assert_non_null(order);
        assert_non_null(canonical);
        assert_non_null(sha);
        canon_order o = strcmp(order, "sorted") == 0 ? CANON_SORTED : CANON_INSERTED;
        avow_buf out = { 0 };
        char hex[2 * AVOW_HASH_BYTES + 1];
        assert_int_equal(canon_write(&out, json_object_get(v, "input"), o), 0);
        if (out.len != json_string_length(canonical) ||
            memcmp(out.ptr, json_string_value(canonical), out.len) != 0) {
            fail_msg("%s: %s: got %.*s", path, name, (int)out.len, (const char *)out.ptr);
        }
        assert_int_equal(canon_sha256_hex(hex, json_object_get(v, "input"), o), 0);
        if (strcmp(hex, sha) != 0) {
            fail_msg("%s: %s: sha256 %s, want %s", path, name, hex, sha);
        }
        avow_buf_dispose(&out);
    }
    json_decref(doc);
}

static void
test_canon__known_answer_vectors(void **state)
{
    (void)state;
    check_vector_file(AVOW_SOURCE_DIR "/tests/vectors/canon_digest.json");
    check_vector_file(AVOW_SOURCE_DIR "/tests/vectors/canon_evidence.json");
    check_vector_file(AVOW_SOURCE_DIR "/tests/vectors/canon_state.json");
}

static void
test_canon__refuses_reals_bad_utf8_and_deep_trees(void **state)
{
    (void)state;
    avow_buf out = { 0 };
    char hex[2 * AVOW_HASH_BYTES + 1];
    json_t *doc = json_pack("{s:i,s:[f]}", "a", 1, "b", 0.5);
    assert_non_null(doc);
    assert_int_equal(buf_put(&out, "x", 1), 0);
    assert_int_equal(canon_write(&out, doc, CANON_SORTED), AVOW_EINVALID);
    assert_int_equal(out.len, 1); /* invariant 3: the buffer is as it was */
    assert_int_equal(canon_sha256_hex(hex, doc, CANON_INSERTED), AVOW_EINVALID);
    json_decref(doc);

    doc = json_array();
    assert_int_equal(json_array_append_new(doc, json_stringn_nocheck("\xc0\xaf", 2)), 0);
    assert_int_equal(canon_write(&out, doc, CANON_INSERTED), AVOW_EINVALID);
    json_decref(doc);

    json_t *inner = json_array();
    doc = inner;
    for (int d = 0; d < CANON_MAX_DEPTH; d++) {
        json_t *a = json_array();
        assert_int_equal(json_array_append_new(a, doc), 0);
        doc = a;
    }
    assert_int_equal(canon_write(&out, doc, CANON_INSERTED), 0); /* depth 64: written */
    json_t *deeper = json_array();
    assert_int_equal(json_array_append_new(deeper, doc), 0);
    assert_int_equal(canon_write(&out, deeper, CANON_INSERTED), AVOW_EINVALID);
    assert_int_equal(canon_write(&out, NULL, CANON_INSERTED), AVOW_EINVALID);
    assert_int_equal(canon_write(NULL, deeper, CANON_INSERTED), AVOW_EINVALID);
    json_decref(deeper);
    avow_buf_dispose(&out);
}

/* Scalars at the root are written too (the artifacts' roots are objects). */
static void
test_canon__escapes_exactly_the_specified_characters(void **state)
{
    (void)state;
    avow_buf out = { 0 };
    static const char in[] = "\"\\/\b\f\n\r\t\x01\x1f\x7f\xe2\x80\xa8";
    json_t *s = json_stringn(in, sizeof(in)); /* the terminating NUL too */
    assert_non_null(s);
    assert_int_equal(canon_write(&out, s, CANON_INSERTED), 0);
    const char want[] = "\"\\\"\\\\/\\b\\f\\n\\r\\t\\u0001\\u001F\x7f\xe2\x80\xa8\\u0000\"";
    assert_int_equal(out.len, sizeof(want) - 1);
    assert_memory_equal(out.ptr, want, out.len);
    json_decref(s);
    avow_buf_dispose(&out);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_canon__every_code_point_as_before),
        cmocka_unit_test(test_canon__random_trees_as_before),
        cmocka_unit_test(test_canon__known_answer_vectors),
        cmocka_unit_test(test_canon__refuses_reals_bad_utf8_and_deep_trees),
        cmocka_unit_test(test_canon__escapes_exactly_the_specified_characters),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
