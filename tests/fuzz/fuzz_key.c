/* SPDX-License-Identifier: ISC */
/*
 * fuzz_key.c - fuzz target for the key file loader (avow_key_load,
 * avow_key_read_public, avow_key_file_is_sealed). Input: the bytes of a key
 * file, written to a private temporary file (mode 0600) for each run; a
 * sealed key is asked for the passphrase "x".
 *
 * Speed cap: a sealed file (kdf 1) whose argon2id opslimit or memlimit is
 * above libsodium's INTERACTIVE limits is only given to the passphrase-free
 * readers, not to avow_key_load(): the loader accepts up to the SENSITIVE
 * limits (1 GiB, several seconds per run), which would stall the fuzzer
 * without exercising more of our code. The bound itself is still checked
 * (invariant 1 below).
 *
 * Invariants asserted:
 *  1. Whatever reader accepts the file, it is exactly 73 (plain, kdf 0) or
 *     145 (sealed, kdf 1) bytes long and starts with the magic; a sealed
 *     file's limits lie within libsodium's MIN..SENSITIVE range.
 *  2. avow_key_read_public() returns the public key stored at its offset, and
 *     accepts every file avow_key_load() accepts; avow_key_file_is_sealed()
 *     says 1 exactly for kdf 1.
 *  3. A loaded key's public key is the stored one, is the public key of its
 *     seed (for plain files: the stored seed), and the key signs an event
 *     that decodes and verifies under that public key.
 *  4. Refusals are negative AVOW_E* codes with a reason in avow_error_last().
 */
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sodium.h>

#include "crypto/keys.h"
#include "fuzz.h"

static char key_path[4096];

static void
key_path_cleanup(void)
{
    if (key_path[0] != '\0') {
        unlink(key_path);
    }
}

static void
write_key_file(const uint8_t *data, size_t size)
{
    if (key_path[0] == '\0') {
        const char *tmp = getenv("TMPDIR");
        int n = snprintf(key_path, sizeof(key_path), "%s/avow-fuzz-key-XXXXXX",
                         tmp != NULL && tmp[0] != '\0' ? tmp : "/tmp");
        FUZZ_ASSERT(n > 0 && (size_t)n < sizeof(key_path));
        int fd = mkstemp(key_path);
        FUZZ_ASSERT(fd >= 0);
        close(fd);
        atexit(key_path_cleanup);
    }
    int fd = open(key_path, O_WRONLY | O_TRUNC | O_CLOEXEC);
    FUZZ_ASSERT(fd >= 0);
    FUZZ_ASSERT(fchmod(fd, 0600) == 0);
    size_t done = 0;
    while (done < size) {
        ssize_t w = write(fd, data + done, size - done);
        FUZZ_ASSERT(w > 0);
        done += (size_t)w;
    }
    FUZZ_ASSERT(close(fd) == 0);
}

static int
give_x(char *buf, size_t maxlen, size_t *len, void *payload)
{
    (void)payload;
    FUZZ_ASSERT(maxlen >= 1);
    buf[0] = 'x';
    *len = 1;
    return 0;
}

static int
is_plain(const uint8_t *data, size_t size)
{
    return size == KEYS_FILE_PLAIN_BYTES && data[KEYS_OFF_KDF] == KEYS_KDF_PLAIN;
}

/* Invariant 1. */
static void
check_well_formed(const uint8_t *data, size_t size)
{
    FUZZ_ASSERT(size >= KEYS_MAGIC_BYTES && memcmp(data, KEYS_MAGIC, KEYS_MAGIC_BYTES) == 0);
    if (data[KEYS_OFF_KDF] == KEYS_KDF_PLAIN) {
        FUZZ_ASSERT(size == KEYS_FILE_PLAIN_BYTES);
    } else {
        FUZZ_ASSERT(data[KEYS_OFF_KDF] == KEYS_KDF_ARGON2ID);
        FUZZ_ASSERT(size == KEYS_FILE_SEALED_BYTES);
        uint64_t ops = be64_get(data + KEYS_OFF_OPSLIMIT);
        uint64_t mem = be64_get(data + KEYS_OFF_MEMLIMIT);
        FUZZ_ASSERT(ops >= crypto_pwhash_argon2id_OPSLIMIT_MIN &&
                    ops <= crypto_pwhash_argon2id_OPSLIMIT_SENSITIVE);
        FUZZ_ASSERT(mem >= crypto_pwhash_argon2id_MEMLIMIT_MIN &&
                    mem <= crypto_pwhash_argon2id_MEMLIMIT_SENSITIVE);
    }
}

/* Sealed files with limits above INTERACTIVE are not loaded (see the header). */
static int
too_slow(const uint8_t *data, size_t size)
{
    if (size != KEYS_FILE_SEALED_BYTES || data[KEYS_OFF_KDF] != KEYS_KDF_ARGON2ID) {
        return 0;
    }
    return be64_get(data + KEYS_OFF_OPSLIMIT) > crypto_pwhash_argon2id_OPSLIMIT_INTERACTIVE ||
           be64_get(data + KEYS_OFF_MEMLIMIT) > crypto_pwhash_argon2id_MEMLIMIT_INTERACTIVE;
}

/* Invariant 3. */
static void
check_key(const avow_key *key, const uint8_t *data, size_t size)
{
    static const unsigned char zero[AVOW_HASH_BYTES];
    unsigned char pk[crypto_sign_PUBLICKEYBYTES], sk[crypto_sign_SECRETKEYBYTES];
    avow_buf signed_ev = AVOW_BUF_INIT;
    avow_draft d = AVOW_DRAFT_INIT;
    avow_event ev;

    FUZZ_ASSERT(memcmp(avow_key_public(key), data + KEYS_OFF_PUBLIC, AVOW_PUBKEY_BYTES) == 0);
    if (is_plain(data, size)) {
        FUZZ_ASSERT(crypto_sign_seed_keypair(pk, sk, data + KEYS_OFF_SEED) == 0);
        FUZZ_ASSERT(memcmp(pk, data + KEYS_OFF_PUBLIC, AVOW_PUBKEY_BYTES) == 0);
        sodium_memzero(sk, sizeof(sk));
    }
    d.kind = AVOW_KIND_MEMBER_JOIN;
    d.contest = "c";
    d.actor = "a";
    FUZZ_ASSERT(avow_event_sign(&signed_ev, &d, key, 1, zero, 0) == 0);
    FUZZ_ASSERT(avow_event_decode(&ev, signed_ev.ptr, signed_ev.len) == 0);
    FUZZ_ASSERT(memcmp(ev.author, data + KEYS_OFF_PUBLIC, AVOW_PUBKEY_BYTES) == 0);
    FUZZ_ASSERT(avow_event_verify(&ev) == 0);
    avow_buf_dispose(&signed_ev);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    unsigned char pk[AVOW_PUBKEY_BYTES];
    avow_key *key = NULL;

    if (size > KEYS_FILE_MAX_BYTES + 16) {
        return 0; /* the loader reads one byte past the largest file; more is the same case */
    }
    FUZZ_ASSERT(sodium_init() >= 0);
    write_key_file(data, size);

    /* Invariants 1, 2 and 4 for the passphrase-free readers. */
    int rp = avow_key_read_public(pk, key_path);
    if (rp == 0) {
        check_well_formed(data, size);
        FUZZ_ASSERT(memcmp(pk, data + KEYS_OFF_PUBLIC, AVOW_PUBKEY_BYTES) == 0);
    } else {
        FUZZ_ASSERT(rp < 0 && avow_error_last()[0] != '\0');
    }
    int sealed = avow_key_file_is_sealed(key_path);
    FUZZ_ASSERT(rp == 0 ? sealed == (data[KEYS_OFF_KDF] == KEYS_KDF_ARGON2ID) : sealed < 0);

    if (too_slow(data, size)) {
        return 0;
    }
    int rl = avow_key_load(&key, key_path, give_x, NULL);
    if (rl == 0) {
        FUZZ_ASSERT(key != NULL);
        FUZZ_ASSERT(rp == 0);
        check_well_formed(data, size);
        check_key(key, data, size);
    } else {
        FUZZ_ASSERT(key == NULL);
        FUZZ_ASSERT(rl < 0 && avow_error_last()[0] != '\0');
        if (is_plain(data, size) && rp == 0) {
            /* A plain file is refused only when its public key is not its seed's. */
            unsigned char sk[crypto_sign_SECRETKEYBYTES];
            FUZZ_ASSERT(crypto_sign_seed_keypair(pk, sk, data + KEYS_OFF_SEED) == 0);
            sodium_memzero(sk, sizeof(sk));
            FUZZ_ASSERT(memcmp(pk, data + KEYS_OFF_PUBLIC, AVOW_PUBKEY_BYTES) != 0);
        }
    }
    avow_key_free(key);
    return 0;
}
