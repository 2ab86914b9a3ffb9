/* SPDX-License-Identifier: ISC */
/*
 * test_vkey.c - verifier keys and spec-exact note opening (src/tlog/vkey.c):
 * every case of tests/vectors/note_open.json (the cases of Go's
 * sumdb/note note_test.go and the unknown lines of issue 17) gets the verdict
 * the file states, which tests/interop/interop.go checks Go gives too; vkeys
 * round-trip, carry their type, and a wrong type is refused.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <sodium.h>

#include "tlog/note.h"
#include "testutil.h"

static json_t *
load_cases(void)
{
    json_error_t err;
    json_t *doc = json_load_file(AVOW_SOURCE_DIR "/tests/vectors/note_open.json", 0, &err);
    if (doc == NULL) {
        fail_msg("note_open.json: %s (line %d)", err.text, err.line);
    }
    return doc;
}

static int
verdict_code(const char *v)
{
    if (strcmp(v, "ok") == 0) {
        return 0;
    }
    if (strcmp(v, "malformed") == 0) {
        return AVOW_EFORMAT;
    }
    if (strcmp(v, "invalid") == 0) {
        return AVOW_EVERIFY;
    }
    if (strcmp(v, "unverified") == 0) {
        return AVOW_ENOTFOUND;
    }
    if (strcmp(v, "ambiguous") == 0) {
        return AVOW_EINVALID;
    }
    fail_msg("unknown verdict %s", v);
    return 1;
}

/* Regression (fuzz_note invariant 8): a key ID with uppercase hex was
 * accepted and written back lowercase; one vkey has one spelling. */
static void
test_vkey__an_uppercase_key_id_is_refused(void **state)
{
    static const char up[] =
      "example.org/nato+02a4E5d2+AQOhB7/zzhC+HXDdGOdLwJln5NYwm6UNXx3chmQSVTG4";
    avow_vkey vk;
    (void)state;
    assert_int_equal(avow_vkey_parse(&vk, up, strlen(up), 0), AVOW_EINVALID);
    assert_non_null(strstr(avow_error_last(), "lowercase"));
}

static void
test_vkey__go_note_cases_get_the_same_verdict(void **state)
{
    json_t *doc = load_cases(), *c;
    size_t i;
    (void)state;
    json_array_foreach(json_object_get(doc, "cases"), i, c)
    {
        const char *b64 = json_string_value(json_object_get(c, "note"));
        json_t *names = json_object_get(c, "keys"), *k;
        avow_vkey keys[4];
        size_t n_keys = 0, j, len = 0;
        unsigned char *msg = malloc(strlen(b64));
        assert_non_null(msg);
        assert_int_equal(sodium_base642bin(msg, strlen(b64), b64, strlen(b64), NULL, &len, NULL,
                                           sodium_base64_VARIANT_ORIGINAL),
                         0);
        json_array_foreach(names, j, k)
        {
            const char *vk = json_string_value(
              json_object_get(json_object_get(doc, "keys"), json_string_value(k)));
            assert_int_equal(avow_vkey_parse(&keys[n_keys++], vk, strlen(vk), AVOW_SIG_ED25519), 0);
        }
        int want = verdict_code(json_string_value(json_object_get(c, "verdict")));
        int got = avow_vkey_verify_note(NULL, (const char *)msg, len, keys, n_keys);
        if (got != want) {
            fail_msg("case '%s': avow says %d (%s), Go says %d",
                     json_string_value(json_object_get(c, "name")), got, avow_error_last(), want);
        }
        free(msg);
    }
    json_decref(doc);
}

static void
test_vkey__go_vkey_cases_parse_alike(void **state)
{
    json_t *doc = load_cases(), *c;
    size_t i;
    (void)state;
    json_array_foreach(json_object_get(doc, "vkeys"), i, c)
    {
        const char *vk = json_string_value(json_object_get(c, "vkey"));
        avow_vkey v;
        int ok = avow_vkey_parse(&v, vk, strlen(vk), 0) == 0;
        if (ok != json_is_true(json_object_get(c, "valid"))) {
            fail_msg("vkey '%s': avow says valid=%d", vk, ok);
        }
    }
    json_decref(doc);
}

/* TestSign: the same key signs the same text to the same bytes. */
static void
test_vkey__go_sign_case_gives_the_same_bytes(void **state)
{
    json_t *doc = load_cases(), *s = json_object_get(doc, "sign");
    const char *skey = json_string_value(json_object_get(s, "skey"));
    const char *text = json_string_value(json_object_get(s, "text"));
    const char *want = json_string_value(json_object_get(s, "want"));
    const char *b64 = skey;
    for (int plus = 0; plus < 4; plus++) { /* PRIVATE+KEY+NAME+ID+BASE64 */
        b64 = strchr(b64, '+') + 1;
    }
    unsigned char bin[33];
    size_t len = 0;
    avow_key *key = NULL;
    avow_buf out = AVOW_BUF_INIT;
    (void)state;
    assert_int_equal(sodium_base642bin(bin, sizeof(bin), b64, strlen(b64), NULL, &len, NULL,
                                       sodium_base64_VARIANT_ORIGINAL),
                     0);
    assert_int_equal(len, 33);
    assert_int_equal(avow_key_from_seed(&key, bin + 1), 0);
    assert_int_equal(note_sign(&out, text, strlen(text), "PeterNeumann", 12, key), 0);
    assert_int_equal(out.len, strlen(want));
    assert_memory_equal(out.ptr, want, out.len);
    avow_buf_dispose(&out);
    avow_key_free(key);
    json_decref(doc);
}

static void
test_vkey__format_round_trips_and_types_are_checked(void **state)
{
    avow_key *k = tu_key(3);
    avow_buf out = AVOW_BUF_INIT;
    avow_vkey v;
    (void)state;
    assert_int_equal(avow_vkey_format(&out, "log.example/a", AVOW_SIG_ED25519, avow_key_public(k)),
                     0);
    assert_int_equal(avow_vkey_parse(&v, (const char *)out.ptr, out.len, AVOW_SIG_ED25519), 0);
    assert_string_equal(v.name, "log.example/a");
    assert_int_equal(v.type, AVOW_SIG_ED25519);
    assert_memory_equal(v.key, avow_key_public(k), AVOW_PUBKEY_BYTES);
    assert_int_equal(v.key_id, note_key_id("log.example/a", 13, 0x01, avow_key_public(k)));
    /* A log key where a witness key is wanted: refused, and the other way. */
    assert_int_equal(avow_vkey_parse(&v, (const char *)out.ptr, out.len, AVOW_SIG_COSIG),
                     AVOW_EINVALID);
    assert_non_null(strstr(avow_error_last(), "type 0x04"));
    buf_clear(&out);
    assert_int_equal(avow_vkey_format(&out, "w.example", AVOW_SIG_COSIG, avow_key_public(k)), 0);
    assert_int_equal(avow_vkey_parse(&v, (const char *)out.ptr, out.len, AVOW_SIG_COSIG), 0);
    assert_int_equal(v.type, AVOW_SIG_COSIG);
    assert_int_equal(avow_vkey_parse(&v, (const char *)out.ptr, out.len, AVOW_SIG_ED25519),
                     AVOW_EINVALID);
    /* A bare key takes the wanted type. */
    char hex[AVOW_HEX_ID_LEN + 1];
    avow_hex(hex, avow_key_public(k), AVOW_PUBKEY_BYTES);
    assert_int_equal(avow_vkey_parse(&v, hex, strlen(hex), AVOW_SIG_COSIG), 0);
    assert_int_equal(v.type, AVOW_SIG_COSIG);
    assert_string_equal(v.name, "");
    /* Names the spec forbids are not formatted. */
    buf_clear(&out);
    assert_int_equal(avow_vkey_format(&out, "a+b", AVOW_SIG_ED25519, avow_key_public(k)),
                     AVOW_EINVALID);
    assert_int_equal(avow_vkey_format(&out, "a b", AVOW_SIG_ED25519, avow_key_public(k)),
                     AVOW_EINVALID);
    avow_buf_dispose(&out);
    avow_key_free(k);
}

/* A cosignature vkey verifies a witness line of a checkpoint; the log's
 * Ed25519 vkey the log line; a vkey of another name does not match. */
static void
test_vkey__cosignature_vkey_verifies_a_witness_line(void **state)
{
    avow_key *log = tu_key(1), *w = tu_key(9);
    avow_buf note_text = AVOW_BUF_INIT, vk = AVOW_BUF_INIT;
    const char *text = "log.example\n3\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n";
    avow_vkey keys[2];
    size_t verified = 0;
    (void)state;
    assert_int_equal(note_sign(&note_text, text, strlen(text), "log.example", 11, log), 0);
    assert_int_equal(
      note_cosign_line(&note_text, text, strlen(text), "w.example", 9, w, 1679315147), 0);
    assert_int_equal(avow_vkey_format(&vk, "w.example", AVOW_SIG_COSIG, avow_key_public(w)), 0);
    assert_int_equal(avow_vkey_parse(&keys[0], (const char *)vk.ptr, vk.len, AVOW_SIG_COSIG), 0);
    assert_int_equal(
      avow_vkey_verify_note(&verified, (const char *)note_text.ptr, note_text.len, keys, 1), 0);
    assert_int_equal(verified, 1);
    buf_clear(&vk);
    assert_int_equal(avow_vkey_format(&vk, "log.example", AVOW_SIG_ED25519, avow_key_public(log)),
                     0);
    assert_int_equal(avow_vkey_parse(&keys[1], (const char *)vk.ptr, vk.len, AVOW_SIG_ED25519), 0);
    assert_int_equal(
      avow_vkey_verify_note(&verified, (const char *)note_text.ptr, note_text.len, keys, 2), 0);
    assert_int_equal(verified, 2);
    buf_clear(&vk);
    assert_int_equal(avow_vkey_format(&vk, "other.example", AVOW_SIG_COSIG, avow_key_public(w)), 0);
    assert_int_equal(avow_vkey_parse(&keys[0], (const char *)vk.ptr, vk.len, AVOW_SIG_COSIG), 0);
    assert_int_equal(
      avow_vkey_verify_note(&verified, (const char *)note_text.ptr, note_text.len, keys, 1),
      AVOW_ENOTFOUND);
    avow_buf_dispose(&note_text);
    avow_buf_dispose(&vk);
    avow_key_free(log);
    avow_key_free(w);
}

/* docs/FORMAT.md "Verifier keys": the test key of seed 00 01 .. 1f. */
static void
test_vkey__format_md_vectors_hold(void **state)
{
    unsigned char seed[32];
    avow_key *k = NULL;
    avow_buf out = AVOW_BUF_INIT;
    (void)state;
    for (int i = 0; i < 32; i++) {
        seed[i] = (unsigned char)i;
    }
    assert_int_equal(avow_key_from_seed(&k, seed), 0);
    assert_int_equal(
      avow_vkey_format(&out, "example.org/nato", AVOW_SIG_ED25519, avow_key_public(k)), 0);
    assert_int_equal(buf_put(&out, "\n", 1), 0);
    assert_int_equal(avow_vkey_format(&out, "example.org/nato", AVOW_SIG_COSIG, avow_key_public(k)),
                     0);
    static const char want[] =
      "example.org/nato+02a4e5d2+AQOhB7/zzhC+HXDdGOdLwJln5NYwm6UNXx3chmQSVTG4\n"
      "example.org/nato+6209f540+BAOhB7/zzhC+HXDdGOdLwJln5NYwm6UNXx3chmQSVTG4";
    assert_int_equal(out.len, sizeof(want) - 1);
    assert_memory_equal(out.ptr, want, out.len);
    avow_buf_dispose(&out);
    avow_key_free(k);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_vkey__an_uppercase_key_id_is_refused),
        cmocka_unit_test(test_vkey__go_note_cases_get_the_same_verdict),
        cmocka_unit_test(test_vkey__go_vkey_cases_parse_alike),
        cmocka_unit_test(test_vkey__go_sign_case_gives_the_same_bytes),
        cmocka_unit_test(test_vkey__format_round_trips_and_types_are_checked),
        cmocka_unit_test(test_vkey__cosignature_vkey_verifies_a_witness_line),
        cmocka_unit_test(test_vkey__format_md_vectors_hold),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
