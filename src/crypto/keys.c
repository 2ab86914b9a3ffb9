/* SPDX-License-Identifier: ISC */
/*
 * keys.c - authors' Ed25519 key pairs: generation, key files, sealing with a
 * passphrase (argon2id + XChaCha20-Poly1305).
 *
 * The byte layout of a key file is in keys.h and docs/FORMAT.md ("Key files").
 *
 * Invariants:
 *  1. A secret key lives only in sodium_malloc'd memory (guarded, locked),
 *     read-only once filled; avow_key_free() wipes it. Every secret that
 *     passes through the stack (seed, expanded key, file bytes, derived key)
 *     is wiped with sodium_memzero before the function returns.
 *  2. A key file is created exclusively: written to a fresh temporary file in
 *     the same directory (O_CREAT|O_EXCL|O_NOFOLLOW, mode 0600), fsync'd, then
 *     hard-linked to its name, so an existing file is never overwritten and a
 *     crash never leaves a half-written key under the name
 *     (fsutil_write_atomic() with FSUTIL_EXCLUSIVE, src/util/fsutil.c).
 *  3. Loading refuses symbolic links, non-regular files (without blocking on
 *     a FIFO) and files any group or other bit allows at all; reads at most
 *     one byte past the largest key file, and demands the exact length of the
 *     declared kdf (fsutil_open_regular(), fsutil_read_fd()).
 *  4. A sealed file's argon2id limits are bounded by libsodium's SENSITIVE
 *     limits before any derivation, so a hostile file cannot make us burn
 *     memory or time at will.
 *  5. The additional data of the sealed seed is every byte before the nonce,
 *     so the public key and the kdf parameters cannot be swapped.
 *  6. A loaded key's public key must equal the one derived from its seed
 *     ("damaged" otherwise), so the file's public part can be trusted by
 *     avow_key_read_public() readers that later load the key.
 */
#include <errno.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sodium.h>

#include "crypto/keys.h"
#include "util/fsutil.h"

_Static_assert(KEYS_SALT_BYTES == crypto_pwhash_SALTBYTES, "salt size");
_Static_assert(KEYS_NONCE_BYTES == crypto_aead_xchacha20poly1305_ietf_NPUBBYTES, "nonce size");
_Static_assert(KEYS_TAG_BYTES == crypto_aead_xchacha20poly1305_ietf_ABYTES, "tag size");
_Static_assert(KEYS_SEED_BYTES == crypto_sign_SEEDBYTES, "seed size");
_Static_assert(AVOW_PUBKEY_BYTES == crypto_sign_PUBLICKEYBYTES, "public key size");
_Static_assert(crypto_aead_xchacha20poly1305_ietf_KEYBYTES == 32, "aead key size");
_Static_assert(KEYS_OFF_PUBLIC + AVOW_PUBKEY_BYTES == KEYS_OFF_SEED, "plain layout");
_Static_assert(KEYS_OFF_SALT + KEYS_SALT_BYTES == KEYS_OFF_NONCE, "sealed layout");
_Static_assert(KEYS_OFF_NONCE + KEYS_NONCE_BYTES == KEYS_OFF_CIPHERTEXT, "sealed layout");

struct avow_key {
    unsigned char *sk; /* crypto_sign_SECRETKEYBYTES, sodium_malloc, read-only */
    unsigned char pk[AVOW_PUBKEY_BYTES];
};

/* A parsed key file; pointers borrow from the file bytes. */
struct keyfile {
    unsigned int kdf;
    const unsigned char *pk;
    const unsigned char *seed; /* plain */
    unsigned long long opslimit;
    size_t memlimit;
    const unsigned char *salt;
    const unsigned char *nonce;
    const unsigned char *ciphertext;
};

static int
keys_sodium(void)
{
    if (sodium_init() < 0) {
        return error_set(AVOW_EKEY, "libsodium failed to initialise");
    }
    return 0;
}

static int
keys_make(avow_key **out, const unsigned char seed[KEYS_SEED_BYTES])
{
    int error = 0;
    avow_key *key = calloc(1, sizeof(*key));
    if (key == NULL) {
        error = error_set(AVOW_ENOMEM, "out of memory allocating a key");
        goto done;
    }
    key->sk = sodium_malloc(crypto_sign_SECRETKEYBYTES);
    if (key->sk == NULL) {
        error = error_set(AVOW_ENOMEM, "out of secure memory for a secret key");
        goto done;
    }
    if (crypto_sign_seed_keypair(key->pk, key->sk, seed) != 0) {
        error = error_set(AVOW_EKEY, "cannot derive a key pair from the seed");
        goto done;
    }
    sodium_mprotect_readonly(key->sk);
    *out = key;
    key = NULL;

done:
    avow_key_free(key);
    return error;
}

int
avow_key_from_seed(avow_key **out, const unsigned char seed[32])
{
    int error;
    if (out == NULL || seed == NULL) {
        return error_set(AVOW_EINVALID, "avow_key_from_seed: NULL argument");
    }
    *out = NULL;
    if ((error = keys_sodium()) < 0) {
        return error;
    }
    return keys_make(out, seed);
}

const unsigned char *
avow_key_public(const avow_key *key)
{
    return key != NULL ? key->pk : NULL;
}

const unsigned char *
keys_secret(const avow_key *key)
{
    return key->sk;
}

void
avow_key_free(avow_key *key)
{
    if (key == NULL) {
        return;
    }
    sodium_free(key->sk); /* wipes, also when read-only */
    free(key);
}

/* Invariant 3: parse and bound the bytes of a key file. */
static int
keyfile_parse(struct keyfile *kf, const unsigned char *b, size_t len, const char *path)
{
    memset(kf, 0, sizeof(*kf));
    if (len < KEYS_OFF_PUBLIC || memcmp(b, KEYS_MAGIC, KEYS_MAGIC_BYTES) != 0) {
        return error_set(AVOW_EKEY, "%s is not an avow key file (bad magic)", path);
    }
    kf->kdf = b[KEYS_OFF_KDF];
    kf->pk = b + KEYS_OFF_PUBLIC;
    switch (kf->kdf) {
    case KEYS_KDF_PLAIN:
        if (len != KEYS_FILE_PLAIN_BYTES) {
            return error_set(
              AVOW_EKEY, "key file %s damaged: %s, a plain key file has exactly %d bytes", path,
              len > KEYS_FILE_MAX_BYTES ? "too long" : "wrong length", KEYS_FILE_PLAIN_BYTES);
        }
        kf->seed = b + KEYS_OFF_SEED;
        break;
    case KEYS_KDF_ARGON2ID: {
        if (len != KEYS_FILE_SEALED_BYTES) {
            return error_set(
              AVOW_EKEY, "key file %s damaged: %s, a sealed key file has exactly %d bytes", path,
              len > KEYS_FILE_MAX_BYTES ? "too long" : "wrong length", KEYS_FILE_SEALED_BYTES);
        }
        uint64_t ops = be64_get(b + KEYS_OFF_OPSLIMIT);
        uint64_t mem = be64_get(b + KEYS_OFF_MEMLIMIT);
        /* Invariant 4. */
        if (ops < crypto_pwhash_argon2id_OPSLIMIT_MIN ||
            ops > crypto_pwhash_argon2id_OPSLIMIT_SENSITIVE ||
            mem < crypto_pwhash_argon2id_MEMLIMIT_MIN ||
            mem > crypto_pwhash_argon2id_MEMLIMIT_SENSITIVE) {
            return error_set(AVOW_EKEY,
                             "key file %s damaged: argon2id limits (ops %llu, mem %llu) "
                             "outside what avow accepts",
                             path, (unsigned long long)ops, (unsigned long long)mem);
        }
        kf->opslimit = (unsigned long long)ops;
        kf->memlimit = (size_t)mem;
        kf->salt = b + KEYS_OFF_SALT;
        kf->nonce = b + KEYS_OFF_NONCE;
        kf->ciphertext = b + KEYS_OFF_CIPHERTEXT;
        break;
    }
    default:
        return error_set(AVOW_EKEY,
                         "key file %s uses an unknown protection (kdf %u); "
                         "a newer avow may read it",
                         path, kf->kdf);
    }
    return 0;
}

/* Read a key file into buf (KEYS_FILE_MAX_BYTES + 1 bytes). Invariant 3. */
static int
keyfile_read(unsigned char *buf, size_t *len, const char *path, int check_mode)
{
    fsutil_failure fail;
    struct stat st;
    int fd = -1;
    int error = fsutil_open_regular(&fd, &st, path, FSUTIL_NOFOLLOW, &fail);

    if (error < 0) {
        int err = fail.err;
        if (fail.step == FSUTIL_AT_TYPE) {
            return error_set(AVOW_EKEY, "key file %s is not a regular file", path);
        }
        if (fail.step == FSUTIL_AT_STAT) {
            return error_set(AVOW_EIO, "cannot stat key file %s: %s", path, strerror(err));
        }
        if (err == ENOENT || err == ENOTDIR) {
            return error_set(AVOW_ENOTFOUND, "no key at %s (create one with avow key new)", path);
        }
        if (err == ELOOP) {
            return error_set(AVOW_EKEY,
                             "key file %s is a symbolic link; refusing it (name the file "
                             "itself)",
                             path);
        }
        if (err == EACCES) {
            return error_set(AVOW_EKEY, "cannot read key file %s: %s", path, strerror(err));
        }
        return error_set(AVOW_EIO, "cannot open key file %s: %s", path, strerror(err));
    }
    if (check_mode && (st.st_mode & 077) != 0) {
        error =
          error_set(AVOW_EKEY, "key file %s is readable by others (mode %04o); run chmod 600 %s",
                    path, (unsigned int)(st.st_mode & 07777), path);
    } else if (fsutil_read_fd(buf, KEYS_FILE_MAX_BYTES + 1, len, fd, path, &fail) < 0) {
        error = error_set(AVOW_EIO, "cannot read key file %s: %s", path, strerror(fail.err));
    }
    (void)close(fd);
    return error;
}

static int
keys_derive(unsigned char k[crypto_aead_xchacha20poly1305_ietf_KEYBYTES], const char *pass,
            size_t pass_len, const unsigned char *salt, unsigned long long ops, size_t mem)
{
    if (crypto_pwhash(k, crypto_aead_xchacha20poly1305_ietf_KEYBYTES, pass, pass_len, salt, ops,
                      mem, crypto_pwhash_ALG_ARGON2ID13) != 0) {
        return error_set(AVOW_ENOMEM, "not enough memory to derive a key (argon2id, %zu MiB)",
                         mem >> 20);
    }
    return 0;
}

int
avow_key_load(avow_key **out, const char *path, avow_passphrase_cb cb, void *payload)
{
    int error = 0;
    unsigned char buf[KEYS_FILE_MAX_BYTES + 1];
    unsigned char seed[KEYS_SEED_BYTES];
    size_t len = 0;
    struct keyfile kf;
    char *pass = NULL;
    unsigned char *k = NULL;
    avow_key *key = NULL;

    if (out == NULL || path == NULL) {
        return error_set(AVOW_EINVALID, "avow_key_load: NULL argument");
    }
    *out = NULL;
    if ((error = keys_sodium()) < 0) {
        goto done;
    }
    if ((error = keyfile_read(buf, &len, path, 1)) < 0) {
        goto done;
    }
    if ((error = keyfile_parse(&kf, buf, len, path)) < 0) {
        goto done;
    }
    if (kf.kdf == KEYS_KDF_PLAIN) {
        memcpy(seed, kf.seed, sizeof(seed));
    } else {
        size_t pass_len = 0;
        unsigned long long seed_len = 0;
        if (cb == NULL) {
            error = error_set(AVOW_EKEY,
                              "key file %s is sealed with a passphrase and none was given", path);
            goto done;
        }
        pass = sodium_malloc(AVOW_MAX_PASSPHRASE);
        k = sodium_malloc(crypto_aead_xchacha20poly1305_ietf_KEYBYTES);
        if (pass == NULL || k == NULL) {
            error = error_set(AVOW_ENOMEM, "out of secure memory for a passphrase");
            goto done;
        }
        error_clear();
        if ((error = cb(pass, AVOW_MAX_PASSPHRASE, &pass_len, payload)) < 0) {
            if (avow_error_last()[0] == '\0') {
                error_set(error, "could not read the passphrase for %s", path);
            }
            goto done;
        }
        error = 0;
        if (pass_len > AVOW_MAX_PASSPHRASE) {
            error =
              error_set(AVOW_EINVALID, "passphrase longer than %d bytes", AVOW_MAX_PASSPHRASE);
            goto done;
        }
        if ((error = keys_derive(k, pass, pass_len, kf.salt, kf.opslimit, kf.memlimit)) < 0) {
            goto done;
        }
        if (crypto_aead_xchacha20poly1305_ietf_decrypt(seed, &seed_len, NULL, kf.ciphertext,
                                                       KEYS_SEED_BYTES + KEYS_TAG_BYTES, buf,
                                                       KEYS_OFF_NONCE, kf.nonce, k) != 0 ||
            seed_len != KEYS_SEED_BYTES) {
            error = error_set(AVOW_EKEY, "wrong passphrase for %s", path);
            goto done;
        }
    }
    if ((error = keys_make(&key, seed)) < 0) {
        goto done;
    }
    /* Invariant 6. */
    if (sodium_memcmp(key->pk, kf.pk, AVOW_PUBKEY_BYTES) != 0) {
        error = error_set(
          AVOW_EKEY, "key file %s damaged: its public key does not match its secret key", path);
        goto done;
    }
    *out = key;
    key = NULL;

done:
    sodium_memzero(buf, sizeof(buf));
    sodium_memzero(seed, sizeof(seed));
    sodium_free(pass);
    sodium_free(k);
    avow_key_free(key);
    return error;
}

int
avow_key_read_public(unsigned char pk[AVOW_PUBKEY_BYTES], const char *path)
{
    int error = 0;
    unsigned char buf[KEYS_FILE_MAX_BYTES + 1];
    size_t len = 0;
    struct keyfile kf;

    if (pk == NULL || path == NULL) {
        return error_set(AVOW_EINVALID, "avow_key_read_public: NULL argument");
    }
    if ((error = keyfile_read(buf, &len, path, 0)) < 0) {
        goto done;
    }
    if ((error = keyfile_parse(&kf, buf, len, path)) < 0) {
        goto done;
    }
    memcpy(pk, kf.pk, AVOW_PUBKEY_BYTES);

done:
    sodium_memzero(buf, sizeof(buf));
    return error;
}

int
avow_key_file_is_sealed(const char *path)
{
    int error = 0;
    unsigned char buf[KEYS_FILE_MAX_BYTES + 1];
    size_t len = 0;
    struct keyfile kf;

    if (path == NULL) {
        return error_set(AVOW_EINVALID, "avow_key_file_is_sealed: NULL argument");
    }
    if ((error = keyfile_read(buf, &len, path, 0)) < 0) {
        goto done;
    }
    if ((error = keyfile_parse(&kf, buf, len, path)) < 0) {
        goto done;
    }
    error = kf.kdf == KEYS_KDF_ARGON2ID;

done:
    sodium_memzero(buf, sizeof(buf));
    return error;
}

/* Create the missing parent directories of path, mode 0700 (~/.config/avow). */
static int
keys_mkdirs(const char *path)
{
    int error = 0;
    char *dir = strdup(path);
    if (dir == NULL) {
        return error_set(AVOW_ENOMEM, "out of memory");
    }
    char *slash = strrchr(dir, '/');
    if (slash == NULL || slash == dir) {
        goto done;
    }
    *slash = '\0';
    for (char *p = dir + 1;; p++) {
        if (*p != '/' && *p != '\0') {
            continue;
        }
        char c = *p;
        *p = '\0';
        if (mkdir(dir, 0700) != 0 && errno != EEXIST) {
            error = error_set(AVOW_EIO, "cannot create directory %s: %s", dir, strerror(errno));
            goto done;
        }
        *p = c;
        if (c == '\0') {
            break;
        }
    }

done:
    free(dir);
    return error;
}

/* Invariant 2: write data to a new file at path, never replacing one. */
static int
keys_write_new(const char *path, const unsigned char *data, size_t len)
{
    fsutil_failure fail;
    int error = fsutil_write_atomic(path, data, len, 0600, FSUTIL_EXCLUSIVE, &fail);

    if (error == 0) {
        return 0;
    }
    switch (fail.step) {
    case FSUTIL_AT_NAME:
    case FSUTIL_AT_CREATE:
        return error_set(AVOW_EIO, "cannot create a temporary file for key file %s: %s", path,
                         strerror(fail.err));
    case FSUTIL_AT_WRITE:
    case FSUTIL_AT_FLUSH:
        return error_set(AVOW_EIO, "cannot write key file %s: %s", fail.tmp, strerror(fail.err));
    case FSUTIL_AT_PLACE:
        if (fail.err == EEXIST) {
            return error_set(AVOW_EEXISTS, "key file %s exists; refusing to overwrite it", path);
        }
        return error_set(AVOW_EIO, "cannot create key file %s: %s", path, strerror(fail.err));
    default:
        return error; /* a missing argument */
    }
}

int
avow_key_generate(avow_key **out, const char *path, const avow_key_opts *opts)
{
    int error = 0;
    avow_key_opts defaults = AVOW_KEY_OPTS_INIT;
    unsigned char seed[KEYS_SEED_BYTES];
    unsigned char file[KEYS_FILE_MAX_BYTES];
    unsigned char *k = NULL;
    size_t flen;
    avow_key *key = NULL;
    struct stat st;

    if (out != NULL) {
        *out = NULL;
    }
    if (opts == NULL) {
        opts = &defaults;
    }
    if (path == NULL || *path == '\0') {
        return error_set(AVOW_EINVALID, "no key file path given");
    }
    if (opts->version != AVOW_KEY_OPTS_VERSION) {
        return error_set(AVOW_EINVALID, "avow_key_opts version %u unknown", opts->version);
    }
    if (opts->passphrase != NULL && opts->passphrase_len == 0) {
        return error_set(AVOW_EINVALID, "empty passphrase refused");
    }
    if (opts->passphrase_len > AVOW_MAX_PASSPHRASE) {
        return error_set(AVOW_EINVALID, "passphrase longer than %d bytes", AVOW_MAX_PASSPHRASE);
    }
    if ((error = keys_sodium()) < 0) {
        return error;
    }
    /* Fail before the slow derivation; link() still guards against a race. */
    if (lstat(path, &st) == 0) {
        return error_set(AVOW_EEXISTS, "key file %s exists; refusing to overwrite it", path);
    }

    if (opts->seed != NULL) {
        memcpy(seed, opts->seed, sizeof(seed));
    } else {
        randombytes_buf(seed, sizeof(seed));
    }
    if ((error = keys_make(&key, seed)) < 0) {
        goto done;
    }
    memcpy(file, KEYS_MAGIC, KEYS_MAGIC_BYTES);
    memcpy(file + KEYS_OFF_PUBLIC, key->pk, AVOW_PUBKEY_BYTES);
    if (opts->passphrase == NULL) {
        file[KEYS_OFF_KDF] = KEYS_KDF_PLAIN;
        memcpy(file + KEYS_OFF_SEED, seed, KEYS_SEED_BYTES);
        flen = KEYS_FILE_PLAIN_BYTES;
    } else {
        unsigned long long ops = crypto_pwhash_argon2id_OPSLIMIT_INTERACTIVE;
        size_t mem = crypto_pwhash_argon2id_MEMLIMIT_INTERACTIVE;
        file[KEYS_OFF_KDF] = KEYS_KDF_ARGON2ID;
        be64_put(file + KEYS_OFF_OPSLIMIT, (uint64_t)ops);
        be64_put(file + KEYS_OFF_MEMLIMIT, (uint64_t)mem);
        randombytes_buf(file + KEYS_OFF_SALT, KEYS_SALT_BYTES);
        randombytes_buf(file + KEYS_OFF_NONCE, KEYS_NONCE_BYTES);
        k = sodium_malloc(crypto_aead_xchacha20poly1305_ietf_KEYBYTES);
        if (k == NULL) {
            error = error_set(AVOW_ENOMEM, "out of secure memory for a key");
            goto done;
        }
        if ((error = keys_derive(k, opts->passphrase, opts->passphrase_len, file + KEYS_OFF_SALT,
                                 ops, mem)) < 0) {
            goto done;
        }
        /* Invariant 5: everything before the nonce is additional data. */
        crypto_aead_xchacha20poly1305_ietf_encrypt(file + KEYS_OFF_CIPHERTEXT, NULL, seed,
                                                   KEYS_SEED_BYTES, file, KEYS_OFF_NONCE, NULL,
                                                   file + KEYS_OFF_NONCE, k);
        flen = KEYS_FILE_SEALED_BYTES;
    }
    if ((error = keys_mkdirs(path)) < 0) {
        goto done;
    }
    if ((error = keys_write_new(path, file, flen)) < 0) {
        goto done;
    }
    if (out != NULL) {
        *out = key;
        key = NULL;
    }

done:
    sodium_memzero(seed, sizeof(seed));
    sodium_memzero(file, sizeof(file));
    sodium_free(k);
    avow_key_free(key);
    return error;
}
