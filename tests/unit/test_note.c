/* SPDX-License-Identifier: ISC */
/*
 * test_note.c - C2SP signed notes (src/tlog/note.c): known answers from
 * golang.org/x/mod/sumdb/note and transparency-dev/formats, the strict
 * parser's refusals, signature rules, cosignatures and checkpoint bodies.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "tlog/note.h"
#include "testutil.h"

/* golang.org/x/mod/sumdb/note note_test.go: PeterNeumann's key and note. */
#define PETER_NAME "PeterNeumann"
#define PETER_VKEY "ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW" /* 0x01 || pk */
#define PETER_SKEY "AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz" /* 0x01 || seed */
#define PETER_TEXT                                                                                 \
    "If you think cryptography is the answer to your problem,\n"                                   \
    "then you don't know what your problem is.\n"
#define PETER_NOTE                                                                                 \
    PETER_TEXT                                                                                     \
    "\n\xe2\x80\x94 PeterNeumann "                                                                 \
    "x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6"           \
    "RyyBwJnAM=\n"
/* transparency-dev/formats note_cosigv1_test.go: a type 0x04 verifier key. */
#define REMORA_NAME "remora.n621.de"
#define REMORA_VKEY "BOvN63jn/bLvkieywe8R6UYAtVtNbZpXh34x7onlmtw2"

/* C2SP tlog-checkpoint's example. */
#define SOFA_NOTE                                                                                  \
    "example.com/behind-the-sofa\n20852163\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n\n"      \
    "\xe2\x80\x94 example.com/behind-the-sofa "                                                    \
    "Az3grlgtzPICa5OS8npVmf1Myq/5IZniMp+ZJurmRDeOoRDe4URYN7u5/"                                    \
    "Zhcyv2q1gGzGku9nTo+zyWE+xeMcTOAYQ8=\n"

static void
b64_33(unsigned char out[33], const char *b64)
{
    size_t len = 0;
    assert_int_equal(sodium_base642bin(out, 33, b64, strlen(b64), NULL, &len, NULL,
                                       sodium_base64_VARIANT_ORIGINAL),
                     0);
    assert_int_equal(len, 33);
}

static note *
new_note(void)
{
    note *n = malloc(sizeof(*n));
    assert_non_null(n);
    return n;
}

static int
parse(note *n, const char *s)
{
    return note_parse(n, s, strlen(s));
}

static void
test_note__key_ids_match_go_and_transparency_dev(void **state)
{
    unsigned char k[33];
    (void)state;
    b64_33(k, PETER_VKEY);
    assert_int_equal(k[0], NOTE_ALG_ED25519);
    assert_int_equal(note_key_id(PETER_NAME, strlen(PETER_NAME), NOTE_ALG_ED25519, k + 1),
                     0xc74f20a3u);
    b64_33(k, REMORA_VKEY);
    assert_int_equal(k[0], NOTE_ALG_COSIG);
    assert_int_equal(note_key_id(REMORA_NAME, strlen(REMORA_NAME), NOTE_ALG_COSIG, k + 1),
                     0xda77ade7u);
}

static void
test_note__sign_reproduces_the_go_note_byte_for_byte(void **state)
{
    unsigned char sk[33];
    avow_key *key = NULL;
    avow_buf out = AVOW_BUF_INIT;
    (void)state;
    b64_33(sk, PETER_SKEY);
    assert_int_equal(avow_key_from_seed(&key, sk + 1), 0);
    assert_int_equal(
      note_sign(&out, PETER_TEXT, strlen(PETER_TEXT), PETER_NAME, strlen(PETER_NAME), key), 0);
    assert_int_equal(out.len, strlen(PETER_NOTE));
    assert_memory_equal(out.ptr, PETER_NOTE, out.len);
    avow_buf_dispose(&out);
    avow_key_free(key);
}

static void
test_note__go_note_verifies_and_altered_text_does_not(void **state)
{
    unsigned char k[33];
    note *n = new_note();
    char buf[512];
    (void)state;
    b64_33(k, PETER_VKEY);
    assert_int_equal(parse(n, PETER_NOTE), 0);
    assert_int_equal(n->text_len, strlen(PETER_TEXT));
    assert_int_equal(n->n_sigs, 1);
    assert_int_equal(note_verify(n, PETER_NAME, strlen(PETER_NAME), k + 1), 0);
    /* Another name, same key: not this key's line. */
    assert_int_equal(note_verify(n, "PeterNeumanX", 12, k + 1), AVOW_ENOTFOUND);

    snprintf(buf, sizeof(buf), "%s", PETER_NOTE);
    buf[3] ^= 0x20;
    assert_int_equal(parse(n, buf), 0);
    assert_int_equal(note_verify(n, PETER_NAME, strlen(PETER_NAME), k + 1), AVOW_EVERIFY);
    free(n);
}

static void
test_note__unknown_signatures_are_ignored_and_a_bad_known_one_fails(void **state)
{
    avow_key *a = tu_key(1), *b = tu_key(2);
    avow_buf out = AVOW_BUF_INIT;
    note *n = new_note();
    unsigned char sig[64];
    (void)state;
    assert_int_equal(note_sign(&out, "hello\n", 6, "a.example", 9, a), 0);
    /* A second line from an unknown key (b) under another name. */
    memset(sig, 7, sizeof(sig));
    assert_int_equal(
      note_put_sig_line(&out, "b.example", 9,
                        note_key_id("b.example", 9, NOTE_ALG_ED25519, avow_key_public(b)), sig,
                        sizeof(sig)),
      0);
    assert_int_equal(note_parse(n, (const char *)out.ptr, out.len), 0);
    assert_int_equal(n->n_sigs, 2);
    assert_int_equal(note_verify(n, "a.example", 9, avow_key_public(a)), 0);
    /* b's line exists but does not verify: the note fails for b. */
    assert_int_equal(note_verify(n, "b.example", 9, avow_key_public(b)), AVOW_EVERIFY);
    /* a's key under b's name: the key ID does not match, so no line. */
    assert_int_equal(note_verify(n, "b.example", 9, avow_key_public(a)), AVOW_ENOTFOUND);
    free(n);
    avow_buf_dispose(&out);
    avow_key_free(a);
    avow_key_free(b);
}

static void
test_note__text_is_split_at_the_last_blank_line(void **state)
{
    avow_key *a = tu_key(1);
    avow_buf out = AVOW_BUF_INIT;
    note *n = new_note();
    const char *text = "para one\n\npara two\n";
    (void)state;
    assert_int_equal(note_sign(&out, text, strlen(text), "a.example", 9, a), 0);
    assert_int_equal(note_parse(n, (const char *)out.ptr, out.len), 0);
    assert_int_equal(n->text_len, strlen(text));
    assert_memory_equal(n->text, text, n->text_len);
    assert_int_equal(note_verify(n, "a.example", 9, avow_key_public(a)), 0);
    free(n);
    avow_buf_dispose(&out);
    avow_key_free(a);
}

static void
test_note__parser_refuses_malformed_notes(void **state)
{
    note *n = new_note();
    static const char *const bad[] = {
        "",
        "text\n",                              /* no signatures */
        "text\n\n",                            /* blank line, no signature line */
        "text\n\n\xe2\x80\x94 a AAAAAAAA",     /* no final newline */
        "text\n\n- a AAAAAAAA\n",              /* hyphen, not em dash */
        "text\n\n\xe2\x80\x94 a\n",            /* no signature */
        "text\n\n\xe2\x80\x94 a \n",           /* empty signature */
        "text\n\n\xe2\x80\x94  AAAAAAAA\n",    /* empty name */
        "te\txt\n\n\xe2\x80\x94 a AAAAAAAA\n", /* control character */
        "te\xff"
        "xt\n\n\xe2\x80\x94 a AAAAAAAA\n",     /* invalid UTF-8 */
        "text\n\n\xe2\x80\x94 a AAAAAAAA\n\n", /* blank line at the end */
        "text\r\n\n\xe2\x80\x94 a AAAAAAAA\n", /* carriage return */
    };
    (void)state;
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        if (parse(n, bad[i]) != AVOW_EFORMAT) {
            fail_msg("case %zu was accepted", i);
        }
    }
    assert_int_equal(parse(n, "text\n\n\xe2\x80\x94 a AAAAAAAA\n"), 0);
    assert_int_equal(n->sigs[0].b64_len, 8);
    /* A NUL inside is refused, length-delimited. */
    assert_int_equal(note_parse(n, "te\0t\n\n\xe2\x80\x94 a AAAAAAAA\n", 20), AVOW_EFORMAT);
    free(n);
}

/* signed-note: lines of unknown keys are ignored whatever they hold, so the
 * parser takes any line it can split; only a key's own lines are decoded,
 * strictly. */
static void
test_note__lines_are_decoded_only_for_their_key(void **state)
{
    note *n = new_note();
    note_sig_bytes d;
    static const char *const odd[] = {
        "text\n\n\xe2\x80\x94 a+b AAAAAAAA\n", /* '+' in the name */
        "text\n\n\xe2\x80\x94 a\xc2\xa0"
        "b AAAAAAAA\n",                          /* no-break space in the name */
        "text\n\n\xe2\x80\x94 a\x7f AAAAAAAA\n", /* DEL in the name */
        "text\n\n\xe2\x80\x94 a AAAA\n",         /* 3 bytes: shorter than 5 */
        "text\n\n\xe2\x80\x94 a AAAAAA==\n",     /* 4 bytes */
        "text\n\n\xe2\x80\x94 a AAAAAAA\n",      /* bad padding */
        "text\n\n\xe2\x80\x94 a AAAAAAB=\n",     /* non-canonical bits */
        "text\n\n\xe2\x80\x94 a AAAAAAAA \n",    /* trailing space */
        "text\n\n\xe2\x80\x94 a !!!!\n",         /* not base64 at all */
    };
    unsigned char pk[AVOW_PUBKEY_BYTES] = { 0 };
    (void)state;
    for (size_t i = 0; i < sizeof(odd) / sizeof(odd[0]); i++) {
        int ok = 1;
        if (parse(n, odd[i]) != 0) {
            fail_msg("case %zu was refused by the parser", i);
        }
        assert_int_equal(note_sig_check(n, &n->sigs[0], NOTE_ALG_ED25519, pk, &ok, NULL), 0);
        assert_false(ok);
        if (i >= 3) {
            /* Under the trusted name "a": strict, the note fails. */
            assert_int_equal(note_sig_decode(&d, &n->sigs[0]), -1);
            assert_int_equal(note_verify(n, "a", 1, pk), AVOW_EFORMAT);
        } else {
            assert_int_equal(note_verify(n, "a", 1, pk), AVOW_ENOTFOUND);
        }
    }
    assert_int_equal(parse(n, "text\n\n\xe2\x80\x94 a AAAAAAAA\n"), 0);
    assert_int_equal(note_sig_decode(&d, &n->sigs[0]), 0);
    assert_int_equal(d.sig_len, 2);
    free(n);
}

static void
test_note__parser_bounds_size_and_signature_count(void **state)
{
    note *n = new_note();
    avow_buf b = AVOW_BUF_INIT;
    (void)state;
    assert_int_equal(buf_put(&b, "t\n\n", 3), 0);
    for (int i = 0; i < NOTE_MAX_SIGS; i++) {
        assert_int_equal(buf_put(&b, "\xe2\x80\x94 a AAAAAAAA\n", 15), 0);
    }
    assert_int_equal(note_parse(n, (const char *)b.ptr, b.len), 0);
    assert_int_equal(n->n_sigs, NOTE_MAX_SIGS);
    assert_int_equal(buf_put(&b, "\xe2\x80\x94 a AAAAAAAA\n", 15), 0);
    assert_int_equal(note_parse(n, (const char *)b.ptr, b.len), AVOW_EFORMAT);

    buf_clear(&b);
    assert_int_equal(buf_grow(&b, NOTE_MAX_BYTES + 1), 0);
    memset(b.ptr, 'x', NOTE_MAX_BYTES + 1);
    memcpy(b.ptr + NOTE_MAX_BYTES + 1 - 17, "\n\n\xe2\x80\x94 a AAAAAAAA\n", 17);
    assert_int_equal(note_parse(n, (const char *)b.ptr, NOTE_MAX_BYTES + 1), AVOW_EFORMAT);
    assert_int_equal(note_parse(n, (const char *)b.ptr + 1, NOTE_MAX_BYTES), 0);
    avow_buf_dispose(&b);
    free(n);
}

static void
test_note__cosignature_verifies_and_binds_its_timestamp(void **state)
{
    avow_key *log = tu_key(1), *w = tu_key(9);
    avow_buf out = AVOW_BUF_INIT;
    note *n = new_note();
    const char *text = "log.example\n3\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n";
    int ok = 0;
    uint64_t ts = 0;
    (void)state;
    assert_int_equal(note_sign(&out, text, strlen(text), "log.example", 11, log), 0);
    assert_int_equal(note_cosign_line(&out, text, strlen(text), "w.example", 9, w, 1679315147), 0);
    assert_int_equal(note_parse(n, (const char *)out.ptr, out.len), 0);
    assert_int_equal(n->n_sigs, 2);
    note_sig_bytes d;
    assert_int_equal(note_sig_decode(&d, &n->sigs[1]), 0);
    assert_int_equal(d.sig_len, NOTE_COSIG_BYTES);
    assert_int_equal(note_sig_check(n, &n->sigs[1], NOTE_ALG_COSIG, avow_key_public(w), &ok, &ts),
                     1);
    assert_true(ok);
    assert_int_equal(ts, 1679315147);
    /* Not an Ed25519 note signature: the key ID differs by type. */
    assert_int_equal(
      note_sig_check(n, &n->sigs[1], NOTE_ALG_ED25519, avow_key_public(w), &ok, NULL), 0);
    /* The log's key does not verify the witness line. */
    assert_int_equal(note_verify(n, "w.example", 9, avow_key_public(w)), AVOW_ENOTFOUND);
    /* A changed timestamp breaks it: its last byte (decoded byte 11) is the
     * low six bits of base64 character 15. */
    unsigned char *c15 = out.ptr + (n->sigs[1].b64 - (const char *)out.ptr) + 15;
    *c15 = *c15 == 'A' ? 'B' : 'A';
    assert_int_equal(note_sig_check(n, &n->sigs[1], NOTE_ALG_COSIG, avow_key_public(w), &ok, &ts),
                     1);
    assert_false(ok);
    free(n);
    avow_buf_dispose(&out);
    avow_key_free(log);
    avow_key_free(w);
}

static void
test_note__checkpoint_body_parses_strictly(void **state)
{
    note *n = new_note();
    note_checkpoint b;
    avow_buf t = AVOW_BUF_INIT;
    unsigned char root[32];
    (void)state;
    assert_int_equal(parse(n, SOFA_NOTE), 0);
    assert_int_equal(note_checkpoint_parse(&b, n->text, n->text_len), 0);
    assert_int_equal(b.size, 20852163);
    assert_int_equal(b.origin_len, strlen("example.com/behind-the-sofa"));
    assert_int_equal(b.ext_len, 0);

    memset(root, 0xab, sizeof(root));
    assert_int_equal(note_checkpoint_text(&t, "o", 1, 0, root), 0);
    assert_int_equal(note_checkpoint_parse(&b, (const char *)t.ptr, t.len), 0);
    assert_int_equal(b.size, 0);
    assert_memory_equal(b.root, root, 32);

    static const char *const bad[] = {
        "o\n01\nq6urq6urq6urq6urq6urq6urq6urq6urq6urq6urq6s=\n",                  /* leading zero */
        "o\n\nq6urq6urq6urq6urq6urq6urq6urq6urq6urq6urq6s=\n",                    /* empty size */
        "o\n1a\nq6urq6urq6urq6urq6urq6urq6urq6urq6urq6urq6s=\n",                  /* not decimal */
        "o\n+1\nq6urq6urq6urq6urq6urq6urq6urq6urq6urq6urq6s=\n",                  /* sign */
        "o\n9223372036854775808\nq6urq6urq6urq6urq6urq6urq6urq6urq6urq6urq6s=\n", /* 2^63 */
        "o\n1\nq6urq6urq6urq6urq6urq6urq6urq6urq6urq6urq6s\n",                    /* no padding */
        "o\n1\nq6urq6urq6urq6urq6urq6urq6urq6urq6urq6urq6urqw==\n",               /* 33 bytes */
        "o\n1\nq6urq6urq6urq6urq6urq6urq6urq6urq6urq6urq6s=",                     /* no newline */
        "\n1\nq6urq6urq6urq6urq6urq6urq6urq6urq6urq6urq6s=\n",                    /* empty origin */
        "o\n1\nq6urq6urq6urq6urq6urq6urq6urq6urq6urq6urq6s=\n\n", /* empty extension */
        "o\n1\n",                                                 /* no root */
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        if (note_checkpoint_parse(&b, bad[i], strlen(bad[i])) != AVOW_EFORMAT) {
            fail_msg("checkpoint case %zu was accepted", i);
        }
    }
    const char *ext = "o\n1\nq6urq6urq6urq6urq6urq6urq6urq6urq6urq6urq6s=\nx y\n";
    assert_int_equal(note_checkpoint_parse(&b, ext, strlen(ext)), 0);
    assert_int_equal(b.ext_len, 4);
    avow_buf_dispose(&t);
    free(n);
}

static void
test_note__key_names_follow_the_spec(void **state)
{
    (void)state;
    assert_true(note_name_valid("example.com/log42", 17));
    assert_true(note_name_valid("\xc3\xa9t\xc3\xa9", 5));
    assert_false(note_name_valid("", 0));
    assert_false(note_name_valid("a b", 3));
    assert_false(note_name_valid("a+b", 3));
    assert_false(note_name_valid("a\xe3\x80\x80"
                                 "b",
                                 5)); /* ideographic space */
    assert_false(note_name_valid("a\xe2\x80\xa8"
                                 "b",
                                 5)); /* line separator */
    assert_false(note_name_valid("a\tb", 3));
}

/* docs/FORMAT.md, "Checkpoints and signed notes": the test vectors. */
#define DOC_CHECKPOINT                                                                             \
    "example.org/nato\n0\n47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=\n\n"                        \
    "\xe2\x80\x94 example.org/nato "                                                               \
    "AqTl0oLSlAWtAic9Bz/q20Ou044bnQpmr3rLX/Cy/abXaOkedPFD/1CuPm217p1309M6MLHa/"                    \
    "Ava2W4UwqHrc5DPJAU=\n"
#define DOC_COSIG                                                                                  \
    "\xe2\x80\x94 witness.example/w1 "                                                             \
    "519lMgAAAABmDJwAviQuM1XPmMzp1b0+pQlV2UDMW1s8aRL+5cp/CH32ko3y3ADxbaNOmTrwqq1b6l71kiK+FxWBh9Wr" \
    "7NjtTIvhAw==\n"

static void
test_note__format_md_checkpoint_vectors_hold(void **state)
{
    unsigned char seed[32], root[32];
    avow_key *key = NULL;
    avow_buf t = AVOW_BUF_INIT, n = AVOW_BUF_INIT, c = AVOW_BUF_INIT;
    (void)state;
    for (int i = 0; i < 32; i++) {
        seed[i] = (unsigned char)i;
    }
    assert_int_equal(avow_key_from_seed(&key, seed), 0);
    assert_int_equal(note_key_id("example.org/nato", 16, NOTE_ALG_ED25519, avow_key_public(key)),
                     0x02a4e5d2u);
    crypto_hash_sha256(root, NULL, 0);
    assert_int_equal(note_checkpoint_text(&t, "example.org/nato", 16, 0, root), 0);
    assert_int_equal(note_sign(&n, (const char *)t.ptr, t.len, "example.org/nato", 16, key), 0);
    assert_int_equal(n.len, strlen(DOC_CHECKPOINT));
    assert_memory_equal(n.ptr, DOC_CHECKPOINT, n.len);
    assert_int_equal(
      note_cosign_line(&c, (const char *)t.ptr, t.len, "witness.example/w1", 18, key, 1712102400),
      0);
    assert_int_equal(c.len, strlen(DOC_COSIG));
    assert_memory_equal(c.ptr, DOC_COSIG, c.len);
    avow_buf_dispose(&t);
    avow_buf_dispose(&n);
    avow_buf_dispose(&c);
    avow_key_free(key);
}

/* Fuzzer finding (tests/fuzz/corpus/note/regress-b64-high-byte): libsodium
 * 1.0.18 decodes some bytes >= 0x80 as base64 digits, so a signature line
 * with "\xcc\x92" in place of "//" parsed as the same signature. */
static void
test_note__base64_outside_the_alphabet_is_refused(void **state)
{
    static const char good[] = SOFA_NOTE;
    char bad[sizeof(good)];
    note n;
    unsigned char bin[32];
    size_t len = 0;
    (void)state;

    assert_int_equal(note_parse(&n, good, sizeof(good) - 1), 0);
    /* "/Zhcyv2q" -> "\xcc\x92hcyv2q" is still valid UTF-8. */
    memcpy(bad, good, sizeof(good));
    char *slash = strstr(bad, "/Zhcyv2q");
    assert_non_null(slash);
    slash[0] = '\xcc';
    slash[1] = '\x92';
    /* The line still splits, but it cannot decode for the sofa key's name. */
    assert_int_equal(note_parse(&n, bad, sizeof(good) - 1), 0);
    note_sig_bytes d;
    assert_int_equal(note_sig_decode(&d, &n.sigs[0]), -1);
    assert_int_equal(note_base64_decode(bin, sizeof(bin), &len, "AAAA", 4), 0);
    assert_int_equal(len, 3);
    assert_int_equal(note_base64_decode(bin, sizeof(bin), &len, "AA\xcc\x92", 4), -1);
    assert_int_equal(note_base64_decode(bin, sizeof(bin), &len, "AA A", 4), -1);
    assert_int_equal(note_base64_decode(bin, sizeof(bin), &len, "AB==", 4), -1);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_note__key_ids_match_go_and_transparency_dev),
        cmocka_unit_test(test_note__sign_reproduces_the_go_note_byte_for_byte),
        cmocka_unit_test(test_note__go_note_verifies_and_altered_text_does_not),
        cmocka_unit_test(test_note__unknown_signatures_are_ignored_and_a_bad_known_one_fails),
        cmocka_unit_test(test_note__text_is_split_at_the_last_blank_line),
        cmocka_unit_test(test_note__parser_refuses_malformed_notes),
        cmocka_unit_test(test_note__lines_are_decoded_only_for_their_key),
        cmocka_unit_test(test_note__parser_bounds_size_and_signature_count),
        cmocka_unit_test(test_note__cosignature_verifies_and_binds_its_timestamp),
        cmocka_unit_test(test_note__checkpoint_body_parses_strictly),
        cmocka_unit_test(test_note__key_names_follow_the_spec),
        cmocka_unit_test(test_note__format_md_checkpoint_vectors_hold),
        cmocka_unit_test(test_note__base64_outside_the_alphabet_is_refused),
    };
    if (sodium_init() < 0) {
        return 1;
    }
    return cmocka_run_group_tests(tests, NULL, NULL);
}
