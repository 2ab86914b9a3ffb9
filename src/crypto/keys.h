/* SPDX-License-Identifier: ISC */
/* keys.h - internals of avow_key for the modules that sign. */
#ifndef AVOW_KEYS_H
#define AVOW_KEYS_H

#include "util/common.h"

/* The 64-byte libsodium Ed25519 secret key (seed || public key), kept in
 * sodium_malloc'd memory. Borrowed: valid until avow_key_free(). */
const unsigned char *keys_secret(const avow_key *key);

/*
 * Key file layout (docs/FORMAT.md, "Key files"); offsets for tests that
 * craft or damage files.
 *
 *   plain  (kdf 0): magic | kdf | public key | seed                       73 bytes
 *   sealed (kdf 1): magic | kdf | public key | opslimit | memlimit |
 *                   salt | nonce | ciphertext (seed + 16-byte tag)       145 bytes
 */
#define KEYS_MAGIC        "avowkey1"
#define KEYS_MAGIC_BYTES  8
#define KEYS_SEED_BYTES   32
#define KEYS_KDF_PLAIN    0
#define KEYS_KDF_ARGON2ID 1
#define KEYS_SALT_BYTES   16
#define KEYS_NONCE_BYTES  24
#define KEYS_TAG_BYTES    16

#define KEYS_OFF_KDF        8
#define KEYS_OFF_PUBLIC     9
#define KEYS_OFF_SEED       41 /* plain */
#define KEYS_OFF_OPSLIMIT   41 /* sealed */
#define KEYS_OFF_MEMLIMIT   49
#define KEYS_OFF_SALT       57
#define KEYS_OFF_NONCE      73 /* also the length of the additional data */
#define KEYS_OFF_CIPHERTEXT 97

#define KEYS_FILE_PLAIN_BYTES  (KEYS_OFF_SEED + KEYS_SEED_BYTES)
#define KEYS_FILE_SEALED_BYTES (KEYS_OFF_CIPHERTEXT + KEYS_SEED_BYTES + KEYS_TAG_BYTES)
#define KEYS_FILE_MAX_BYTES    KEYS_FILE_SEALED_BYTES

#endif /* AVOW_KEYS_H */
