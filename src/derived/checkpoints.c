/* SPDX-License-Identifier: ISC */
/*
 * checkpoints.c - table "checkpoints": the exact notes of the checkpoints
 * this ledger signed (src/audit/checkpoint.c) and the witness state of each
 * origin it cosigns for (src/audit/witness.c). It is written by those
 * commands, not in the append transaction; avow verify checks it against the
 * recomputed tree (src/derived/tree.c invariant 3).
 *
 * Invariants:
 *  1. Table "checkpoints" holds, under "c" || size (u64 BE) || signer public
 *     key (32), the exact note of every checkpoint this ledger signed, and
 *     under "w" || origin the witness state of that origin: log public key
 *     (32) || size (u64 BE) || root (32). Entries are only added or, for "w",
 *     moved forward to a consistent larger tree.
 */
#include "derived/checkpoints.h"

void
checkpoints_key(unsigned char key[CHECKPOINTS_KEY_BYTES], uint64_t size,
                const unsigned char pk[AVOW_PUBKEY_BYTES])
{
    key[0] = 'c';
    be64_put(key + 1, size);
    memcpy(key + 9, pk, AVOW_PUBKEY_BYTES);
}
