/* SPDX-License-Identifier: ISC */
/*
 * checkpoints.h - the layout of table "checkpoints": the checkpoints this
 * ledger signed, and the witness state of each origin it cosigns for
 * (src/derived/checkpoints.c).
 */
#ifndef AVOW_CHECKPOINTS_H
#define AVOW_CHECKPOINTS_H

#include "ledger/table.h"
#include "util/common.h"

/* "c" || size (u64 BE) || signer public key. */
#define CHECKPOINTS_KEY_BYTES (1 + 8 + AVOW_PUBKEY_BYTES)
/* The value under "w" || origin: log public key || size (u64 BE) || root. */
#define CHECKPOINTS_WITNESS_BYTES (AVOW_PUBKEY_BYTES + 8 + AVOW_HASH_BYTES)

/* The key of the checkpoint of size `size` signed by pk. */
void checkpoints_key(unsigned char key[CHECKPOINTS_KEY_BYTES], uint64_t size,
                     const unsigned char pk[AVOW_PUBKEY_BYTES]);

#endif /* AVOW_CHECKPOINTS_H */
