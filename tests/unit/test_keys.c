/* SPDX-License-Identifier: ISC */
/*
 * test_keys.c - key pairs and key files (src/crypto/keys.c): round trips plain and
 * sealed, refusals (existing file, permissions, symlinks, damaged files,
 * hostile argon2id limits, wrong passphrase). Sealed keys cost an argon2id
 * derivation (64 MiB) each, so only a few tests derive.
 */
#include "testutil.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sodium.h>

#include "crypto/keys.h"

struct fixture {
    char *dir;
    char path[4200];
};

static int
setup(void **state)
{
    struct fixture *f = calloc(1, sizeof(*f));
    assert_non_null(f);
    f->dir = tu_tempdir();
    snprintf(f->path, sizeof(f->path), "%s/test.key", f->dir);
    *state = f;
    return 0;
}

static int
teardown(void **state)
{
    struct fixture *f = *state;
    tu_rmrf(f->dir);
    free(f->dir);
    free(f);
    return 0;
}

static void
seed_of(unsigned char seed[32], unsigned char b)
{
    memset(seed, b, 32);
}

/* Passphrase callback: payload is a NUL-terminated passphrase; counts calls. */
static int cb_calls;

static int
cb_pass(char *buf, size_t maxlen, size_t *len, void *payload)
{
    const char *pass = payload;
    size_t n = strlen(pass);
    cb_calls++;
    assert_true(n <= maxlen);
    memcpy(buf, pass, n);
    *len = n;
    return 0;
}

static int
cb_fail(char *buf, size_t maxlen, size_t *len, void *payload)
{
    (void)buf;
    (void)maxlen;
    (void)len;
    (void)payload;
    cb_calls++;
    return AVOW_EINVALID;
}

static size_t
read_file(const char *path, unsigned char *buf, size_t max)
{
    FILE *fp = fopen(path, "rb");
    assert_non_null(fp);
    size_t n = fread(buf, 1, max, fp);
    fclose(fp);
    return n;
}

static void
write_file(const char *path, const unsigned char *buf, size_t len, mode_t mode)
{
    unlink(path);
    int fd = open(path, O_CREAT | O_EXCL | O_WRONLY, mode);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, buf, len), (ssize_t)len);
    assert_int_equal(fchmod(fd, mode), 0);
    close(fd);
}

static void
assert_error_mentions(const char *what)
{
    if (strstr(avow_error_last(), what) == NULL) {
        fail_msg("error '%s' lacks '%s'", avow_error_last(), what);
    }
}

/* A sealed key file with valid structure but arbitrary contents (no derivation). */
static void
craft_sealed(unsigned char file[KEYS_FILE_SEALED_BYTES], uint64_t ops, uint64_t mem)
{
    memset(file, 0x5a, KEYS_FILE_SEALED_BYTES);
    memcpy(file, KEYS_MAGIC, KEYS_MAGIC_BYTES);
    file[KEYS_OFF_KDF] = KEYS_KDF_ARGON2ID;
    be64_put(file + KEYS_OFF_OPSLIMIT, ops);
    be64_put(file + KEYS_OFF_MEMLIMIT, mem);
}

static void
test_keys__seeded_key_matches_libsodium(void **state)
{
    (void)state;
    unsigned char seed[32], pk[crypto_sign_PUBLICKEYBYTES], sk[crypto_sign_SECRETKEYBYTES];
    seed_of(seed, 7);
    assert_int_equal(crypto_sign_seed_keypair(pk, sk, seed), 0);
    avow_key *key = NULL;
    assert_int_equal(avow_key_from_seed(&key, seed), 0);
    assert_memory_equal(avow_key_public(key), pk, sizeof(pk));
    assert_memory_equal(keys_secret(key), sk, sizeof(sk));
    /* the secret key signs, and the public key verifies */
    unsigned char sig[crypto_sign_BYTES];
    crypto_sign_detached(sig, NULL, (const unsigned char *)"m", 1, keys_secret(key));
    assert_int_equal(
      crypto_sign_verify_detached(sig, (const unsigned char *)"m", 1, avow_key_public(key)), 0);
    avow_key_free(key);
    avow_key_free(NULL);
    assert_null(avow_key_public(NULL));
    assert_int_equal(avow_key_from_seed(NULL, seed), AVOW_EINVALID);
}

static void
test_keys__plain_file_round_trip(void **state)
{
    struct fixture *f = *state;
    unsigned char seed[32];
    seed_of(seed, 1);
    avow_key_opts opts = AVOW_KEY_OPTS_INIT;
    opts.seed = seed;
    avow_key *made = NULL, *loaded = NULL;
    assert_int_equal(avow_key_generate(&made, f->path, &opts), 0);
    assert_non_null(made);

    struct stat st;
    assert_int_equal(stat(f->path, &st), 0);
    assert_int_equal(st.st_mode & 07777, 0600);
    assert_int_equal(st.st_size, KEYS_FILE_PLAIN_BYTES);
    assert_int_equal(tu_count_entries(f->dir), 1); /* no temporary file left */

    /* byte layout: magic | kdf 0 | public key | seed */
    unsigned char buf[256];
    assert_int_equal(read_file(f->path, buf, sizeof(buf)), KEYS_FILE_PLAIN_BYTES);
    assert_memory_equal(buf, "avowkey1", 8);
    assert_int_equal(buf[8], 0);
    assert_memory_equal(buf + 9, avow_key_public(made), 32);
    assert_memory_equal(buf + 41, seed, 32);

    assert_int_equal(avow_key_load(&loaded, f->path, NULL, NULL), 0);
    assert_memory_equal(avow_key_public(loaded), avow_key_public(made), 32);
    assert_memory_equal(keys_secret(loaded), keys_secret(made), 64);

    unsigned char pk[32];
    assert_int_equal(avow_key_read_public(pk, f->path), 0);
    assert_memory_equal(pk, avow_key_public(made), 32);
    assert_int_equal(avow_key_file_is_sealed(f->path), 0);

    avow_key *seeded = tu_key(1);
    assert_memory_equal(avow_key_public(seeded), avow_key_public(made), 32);
    avow_key_free(seeded);
    avow_key_free(made);
    avow_key_free(loaded);
}

/* Known answer (docs/FORMAT.md "Key files"): the plain key file of seed 00 01 .. 1f. */
static void
test_keys__plain_file_matches_documented_vector(void **state)
{
    struct fixture *f = *state;
    static const char want_hex[] =
      "61766f776b657931"
      "00"
      "03a107bff3ce10be1d70dd18e74bc09967e4d6309ba50d5f1ddc8664125531b8"
      "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f";
    unsigned char seed[32];
    for (int i = 0; i < 32; i++) {
        seed[i] = (unsigned char)i;
    }
    avow_key_opts opts = AVOW_KEY_OPTS_INIT;
    opts.seed = seed;
    assert_int_equal(avow_key_generate(NULL, f->path, &opts), 0);
    unsigned char buf[256];
    char hex[2 * KEYS_FILE_PLAIN_BYTES + 1];
    assert_int_equal(read_file(f->path, buf, sizeof(buf)), KEYS_FILE_PLAIN_BYTES);
    avow_hex(hex, buf, KEYS_FILE_PLAIN_BYTES);
    assert_string_equal(hex, want_hex);
}

static void
test_keys__random_keys_differ_and_out_may_be_null(void **state)
{
    struct fixture *f = *state;
    char other[4300];
    snprintf(other, sizeof(other), "%s/other.key", f->dir);
    assert_int_equal(avow_key_generate(NULL, f->path, NULL), 0);
    assert_int_equal(avow_key_generate(NULL, other, NULL), 0);
    unsigned char a[32], b[32];
    assert_int_equal(avow_key_read_public(a, f->path), 0);
    assert_int_equal(avow_key_read_public(b, other), 0);
    assert_memory_not_equal(a, b, 32);
}

static void
test_keys__sealed_file_round_trip_and_wrong_passphrase(void **state)
{
    struct fixture *f = *state;
    unsigned char seed[32];
    seed_of(seed, 2);
    avow_key_opts opts = AVOW_KEY_OPTS_INIT;
    opts.seed = seed;
    opts.passphrase = "pw";
    opts.passphrase_len = 2;
    avow_key *made = NULL, *loaded = NULL;
    assert_int_equal(avow_key_generate(&made, f->path, &opts), 0);

    struct stat st;
    assert_int_equal(stat(f->path, &st), 0);
    assert_int_equal(st.st_mode & 07777, 0600);
    assert_int_equal(st.st_size, KEYS_FILE_SEALED_BYTES);
    assert_int_equal(avow_key_file_is_sealed(f->path), 1);

    /* the seed is not in the file in clear */
    unsigned char buf[256];
    size_t len = read_file(f->path, buf, sizeof(buf));
    assert_int_equal(len, KEYS_FILE_SEALED_BYTES);
    assert_int_equal(buf[KEYS_OFF_KDF], 1);
    assert_int_equal(be64_get(buf + KEYS_OFF_OPSLIMIT),
                     crypto_pwhash_argon2id_OPSLIMIT_INTERACTIVE);
    assert_int_equal(be64_get(buf + KEYS_OFF_MEMLIMIT),
                     crypto_pwhash_argon2id_MEMLIMIT_INTERACTIVE);
    for (size_t i = 0; i + 32 <= len; i++) {
        assert_memory_not_equal(buf + i, seed, 32);
    }

    /* the public part needs no passphrase */
    unsigned char pk[32];
    cb_calls = 0;
    assert_int_equal(avow_key_read_public(pk, f->path), 0);
    assert_memory_equal(pk, avow_key_public(made), 32);

    assert_int_equal(avow_key_load(&loaded, f->path, cb_pass, (void *)"pw"), 0);
    assert_int_equal(cb_calls, 1);
    assert_memory_equal(keys_secret(loaded), keys_secret(made), 64);
    avow_key_free(loaded);
    loaded = NULL;

    assert_int_equal(avow_key_load(&loaded, f->path, cb_pass, (void *)"nope"), AVOW_EKEY);
    assert_null(loaded);
    char want[4400];
    snprintf(want, sizeof(want), "wrong passphrase for %s", f->path);
    assert_string_equal(avow_error_last(), want);

    /* no callback, or a failing one: refused before any derivation */
    assert_int_equal(avow_key_load(&loaded, f->path, NULL, NULL), AVOW_EKEY);
    assert_error_mentions("sealed");
    assert_int_equal(avow_key_load(&loaded, f->path, cb_fail, NULL), AVOW_EINVALID);
    assert_error_mentions("passphrase");
    assert_null(loaded);

    /* invariant 5: the header is authenticated, so a swapped public key fails */
    buf[KEYS_OFF_PUBLIC] ^= 1;
    write_file(f->path, buf, len, 0600);
    assert_int_equal(avow_key_load(&loaded, f->path, cb_pass, (void *)"pw"), AVOW_EKEY);
    assert_null(loaded);
    avow_key_free(made);
}

static void
test_keys__refuses_hostile_kdf_limits_without_deriving(void **state)
{
    struct fixture *f = *state;
    unsigned char file[KEYS_FILE_SEALED_BYTES];
    avow_key *key = NULL;
    const uint64_t bad[][2] = {
        { crypto_pwhash_argon2id_OPSLIMIT_SENSITIVE + 1,
          crypto_pwhash_argon2id_MEMLIMIT_INTERACTIVE },
        { crypto_pwhash_argon2id_OPSLIMIT_INTERACTIVE,
          (uint64_t)crypto_pwhash_argon2id_MEMLIMIT_SENSITIVE + 1 },
        { UINT64_MAX, UINT64_MAX },
        { 0, crypto_pwhash_argon2id_MEMLIMIT_INTERACTIVE },
        { crypto_pwhash_argon2id_OPSLIMIT_INTERACTIVE, 0 },
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        craft_sealed(file, bad[i][0], bad[i][1]);
        write_file(f->path, file, sizeof(file), 0600);
        cb_calls = 0;
        assert_int_equal(avow_key_load(&key, f->path, cb_pass, (void *)"pw"), AVOW_EKEY);
        assert_int_equal(cb_calls, 0);
        assert_error_mentions("argon2id limits");
        assert_null(key);
    }
    /* a failing passphrase callback's code comes back unchanged */
    craft_sealed(file, crypto_pwhash_argon2id_OPSLIMIT_INTERACTIVE,
                 crypto_pwhash_argon2id_MEMLIMIT_INTERACTIVE);
    write_file(f->path, file, sizeof(file), 0600);
    cb_calls = 0;
    assert_int_equal(avow_key_load(&key, f->path, cb_fail, NULL), AVOW_EINVALID);
    assert_int_equal(cb_calls, 1);
    assert_int_equal(avow_key_file_is_sealed(f->path), 1);
}

static void
test_keys__never_overwrites_an_existing_file(void **state)
{
    struct fixture *f = *state;
    const unsigned char old[] = "precious";
    write_file(f->path, old, sizeof(old), 0600);
    avow_key *key = NULL;
    assert_int_equal(avow_key_generate(&key, f->path, NULL), AVOW_EEXISTS);
    assert_null(key);
    char want[4400];
    snprintf(want, sizeof(want), "key file %s exists; refusing to overwrite it", f->path);
    assert_string_equal(avow_error_last(), want);
    unsigned char buf[64];
    assert_int_equal(read_file(f->path, buf, sizeof(buf)), sizeof(old));
    assert_memory_equal(buf, old, sizeof(old));
    assert_int_equal(tu_count_entries(f->dir), 1);

    /* a second generate at the same path keeps the first key */
    char path2[4300];
    snprintf(path2, sizeof(path2), "%s/k2.key", f->dir);
    unsigned char seed[32], pk1[32], pk2[32];
    seed_of(seed, 3);
    avow_key_opts opts = AVOW_KEY_OPTS_INIT;
    opts.seed = seed;
    assert_int_equal(avow_key_generate(NULL, path2, &opts), 0);
    assert_int_equal(avow_key_read_public(pk1, path2), 0);
    assert_int_equal(avow_key_generate(NULL, path2, NULL), AVOW_EEXISTS);
    assert_int_equal(avow_key_read_public(pk2, path2), 0);
    assert_memory_equal(pk1, pk2, 32);

    /* a dangling symlink at the path is not replaced either */
    char link_path[4300];
    snprintf(link_path, sizeof(link_path), "%s/dangling.key", f->dir);
    assert_int_equal(symlink("/nonexistent/avow-target", link_path), 0);
    assert_int_equal(avow_key_generate(NULL, link_path, NULL), AVOW_EEXISTS);
    assert_int_equal(tu_count_entries(f->dir), 3);
}

static void
test_keys__refuses_files_readable_by_others(void **state)
{
    struct fixture *f = *state;
    assert_int_equal(avow_key_generate(NULL, f->path, NULL), 0);
    avow_key *key = NULL;
    assert_int_equal(chmod(f->path, 0644), 0);
    assert_int_equal(avow_key_load(&key, f->path, NULL, NULL), AVOW_EKEY);
    assert_null(key);
    char want[9000];
    snprintf(want, sizeof(want), "key file %s is readable by others (mode 0644); run chmod 600 %s",
             f->path, f->path);
    assert_string_equal(avow_error_last(), want);

    const mode_t modes[] = { 0640, 0604, 0610, 0601, 0620 };
    for (size_t i = 0; i < sizeof(modes) / sizeof(modes[0]); i++) {
        assert_int_equal(chmod(f->path, modes[i]), 0);
        assert_int_equal(avow_key_load(&key, f->path, NULL, NULL), AVOW_EKEY);
    }
    /* the public part is not secret */
    unsigned char pk[32];
    assert_int_equal(avow_key_read_public(pk, f->path), 0);

    assert_int_equal(chmod(f->path, 0400), 0);
    assert_int_equal(avow_key_load(&key, f->path, NULL, NULL), 0);
    avow_key_free(key);
}

static void
test_keys__refuses_symlinks_and_non_files(void **state)
{
    struct fixture *f = *state;
    assert_int_equal(avow_key_generate(NULL, f->path, NULL), 0);
    char link_path[4300];
    snprintf(link_path, sizeof(link_path), "%s/link.key", f->dir);
    assert_int_equal(symlink(f->path, link_path), 0);
    avow_key *key = NULL;
    assert_int_equal(avow_key_load(&key, link_path, NULL, NULL), AVOW_EKEY);
    assert_error_mentions("symbolic link");
    assert_null(key);
    unsigned char pk[32];
    assert_int_equal(avow_key_read_public(pk, link_path), AVOW_EKEY);

    assert_int_equal(avow_key_load(&key, f->dir, NULL, NULL), AVOW_EKEY);
    assert_error_mentions("not a regular file");
}

static void
test_keys__missing_file_is_not_found(void **state)
{
    struct fixture *f = *state;
    avow_key *key = NULL;
    assert_int_equal(avow_key_load(&key, f->path, NULL, NULL), AVOW_ENOTFOUND);
    char want[4400];
    snprintf(want, sizeof(want), "no key at %s (create one with avow key new)", f->path);
    assert_string_equal(avow_error_last(), want);
    unsigned char pk[32];
    assert_int_equal(avow_key_read_public(pk, f->path), AVOW_ENOTFOUND);
    assert_int_equal(avow_key_file_is_sealed(f->path), AVOW_ENOTFOUND);
}

static void
expect_load_refused(const char *path, const unsigned char *bytes, size_t len, const char *what)
{
    write_file(path, bytes, len, 0600);
    avow_key *key = NULL;
    int rc = avow_key_load(&key, path, cb_pass, (void *)"pw");
    if (rc != AVOW_EKEY) {
        fail_msg("%zu-byte file accepted or wrong error (%d): %s", len, rc, avow_error_last());
    }
    assert_null(key);
    assert_error_mentions(what);
}

static void
test_keys__refuses_damaged_files(void **state)
{
    struct fixture *f = *state;
    unsigned char seed[32];
    seed_of(seed, 4);
    avow_key_opts opts = AVOW_KEY_OPTS_INIT;
    opts.seed = seed;
    assert_int_equal(avow_key_generate(NULL, f->path, &opts), 0);
    unsigned char good[KEYS_FILE_PLAIN_BYTES];
    assert_int_equal(read_file(f->path, good, sizeof(good)), sizeof(good));
    unsigned char b[2048];

    /* truncated */
    const size_t cuts[] = { 0, 1, 7, 8, 9, 40, 41, KEYS_FILE_PLAIN_BYTES - 1 };
    for (size_t i = 0; i < sizeof(cuts) / sizeof(cuts[0]); i++) {
        expect_load_refused(f->path, good, cuts[i], cuts[i] < 9 ? "bad magic" : "damaged");
    }
    /* extended: by one byte, up to the sealed size, and far past the largest key file */
    const size_t longer[] = { KEYS_FILE_PLAIN_BYTES + 1, KEYS_FILE_SEALED_BYTES,
                              KEYS_FILE_SEALED_BYTES + 1, sizeof(b) };
    for (size_t i = 0; i < sizeof(longer) / sizeof(longer[0]); i++) {
        memset(b, 0, sizeof(b));
        memcpy(b, good, sizeof(good));
        expect_load_refused(f->path, b, longer[i], "damaged");
    }
    /* altered magic, unknown kdf */
    memcpy(b, good, sizeof(good));
    b[0] = 'A';
    expect_load_refused(f->path, b, sizeof(good), "bad magic");
    memcpy(b, good, sizeof(good));
    b[7] = '2';
    expect_load_refused(f->path, b, sizeof(good), "bad magic");
    memcpy(b, good, sizeof(good));
    b[KEYS_OFF_KDF] = 2;
    expect_load_refused(f->path, b, sizeof(good), "unknown protection");
    memcpy(b, good, sizeof(good));
    b[KEYS_OFF_KDF] = 0xff;
    expect_load_refused(f->path, b, sizeof(good), "unknown protection");
    /* altered public key or seed: the pair no longer matches */
    for (size_t off = KEYS_OFF_PUBLIC; off < KEYS_FILE_PLAIN_BYTES; off += 13) {
        memcpy(b, good, sizeof(good));
        b[off] ^= 0x80;
        expect_load_refused(f->path, b, sizeof(good), "does not match");
    }
    /* a plain header with a sealed body's length, and the reverse */
    memset(b, 0, sizeof(b));
    memcpy(b, good, sizeof(good));
    expect_load_refused(f->path, b, KEYS_FILE_SEALED_BYTES, "plain key file has exactly 73");
    craft_sealed(b, crypto_pwhash_argon2id_OPSLIMIT_INTERACTIVE,
                 crypto_pwhash_argon2id_MEMLIMIT_INTERACTIVE);
    expect_load_refused(f->path, b, KEYS_FILE_PLAIN_BYTES, "sealed key file has exactly 145");
    expect_load_refused(f->path, b, KEYS_FILE_SEALED_BYTES - 1, "damaged");
    expect_load_refused(f->path, b, KEYS_FILE_SEALED_BYTES + 1, "damaged");

    /* the untouched file still loads */
    write_file(f->path, good, sizeof(good), 0600);
    avow_key *key = NULL;
    assert_int_equal(avow_key_load(&key, f->path, NULL, NULL), 0);
    avow_key_free(key);
}

static void
test_keys__creates_missing_parent_directories_private(void **state)
{
    struct fixture *f = *state;
    char path[4400], dir[4400];
    snprintf(path, sizeof(path), "%s/config/avow/default.key", f->dir);
    assert_int_equal(avow_key_generate(NULL, path, NULL), 0);
    struct stat st;
    snprintf(dir, sizeof(dir), "%s/config", f->dir);
    assert_int_equal(stat(dir, &st), 0);
    assert_true(S_ISDIR(st.st_mode));
    assert_int_equal(st.st_mode & 077, 0);
    snprintf(dir, sizeof(dir), "%s/config/avow", f->dir);
    assert_int_equal(stat(dir, &st), 0);
    assert_int_equal(st.st_mode & 077, 0);
    assert_int_equal(tu_count_entries(dir), 1);
    avow_key *key = NULL;
    assert_int_equal(avow_key_load(&key, path, NULL, NULL), 0);
    avow_key_free(key);
}

static void
test_keys__generate_refuses_bad_options(void **state)
{
    struct fixture *f = *state;
    avow_key_opts opts = AVOW_KEY_OPTS_INIT;
    opts.passphrase = "";
    opts.passphrase_len = 0;
    assert_int_equal(avow_key_generate(NULL, f->path, &opts), AVOW_EINVALID);
    assert_error_mentions("empty passphrase");
    opts.passphrase = "x";
    opts.passphrase_len = AVOW_MAX_PASSPHRASE + 1;
    assert_int_equal(avow_key_generate(NULL, f->path, &opts), AVOW_EINVALID);
    avow_key_opts old = AVOW_KEY_OPTS_INIT;
    old.version = 99;
    assert_int_equal(avow_key_generate(NULL, f->path, &old), AVOW_EINVALID);
    assert_int_equal(avow_key_generate(NULL, NULL, NULL), AVOW_EINVALID);
    assert_int_equal(avow_key_generate(NULL, "", NULL), AVOW_EINVALID);
    assert_int_equal(tu_count_entries(f->dir), 0);

    /* a directory that cannot be created is an I/O error, not a crash */
    char path[4400];
    snprintf(path, sizeof(path), "%s/plainfile/sub/k.key", f->dir);
    char blocker[4400];
    snprintf(blocker, sizeof(blocker), "%s/plainfile", f->dir);
    write_file(blocker, (const unsigned char *)"x", 1, 0600);
    assert_int_equal(avow_key_generate(NULL, path, NULL), AVOW_EIO);
    assert_int_equal(tu_count_entries(f->dir), 1);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_keys__seeded_key_matches_libsodium),
        cmocka_unit_test_setup_teardown(test_keys__plain_file_round_trip, setup, teardown),
        cmocka_unit_test_setup_teardown(test_keys__plain_file_matches_documented_vector, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_keys__random_keys_differ_and_out_may_be_null, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_keys__sealed_file_round_trip_and_wrong_passphrase,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(test_keys__refuses_hostile_kdf_limits_without_deriving,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(test_keys__never_overwrites_an_existing_file, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_keys__refuses_files_readable_by_others, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_keys__refuses_symlinks_and_non_files, setup, teardown),
        cmocka_unit_test_setup_teardown(test_keys__missing_file_is_not_found, setup, teardown),
        cmocka_unit_test_setup_teardown(test_keys__refuses_damaged_files, setup, teardown),
        cmocka_unit_test_setup_teardown(test_keys__creates_missing_parent_directories_private,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(test_keys__generate_refuses_bad_options, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
