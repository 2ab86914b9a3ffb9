/* SPDX-License-Identifier: ISC */
/*
 * checkpoints.h - table "checkpoints": the checkpoints this ledger signed,
 * and the witness state of each origin it cosigns for
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

/* ---- signed checkpoints --------------------------------------------------- */

/* Store the exact note of the checkpoint of size `size` signed by pk. */
int checkpoints_put(store_w *w, uint64_t size, const unsigned char pk[AVOW_PUBKEY_BYTES],
                    const void *text, size_t len);

/* The latest stored checkpoint (largest size) and its signer; the note is
 * borrowed from the transaction. @return 0, AVOW_ENOTFOUND (none, no error
 * detail set) or another AVOW_E* */
int checkpoints_latest(store_val *text, unsigned char pk[AVOW_PUBKEY_BYTES],
                       const avow_ledger *ledger, store_txn *txn);

/* Called for each stored checkpoint, by size; stops the walk when < 0. */
typedef int (*checkpoints_cb)(uint64_t size, const unsigned char *pk, const store_val *text,
                              void *payload);
/* Walk the stored checkpoints. @return 0, the callback's < 0, or an AVOW_E* */
int checkpoints_each(const avow_ledger *ledger, store_txn *txn, checkpoints_cb cb, void *payload);

/* ---- witness state ----------------------------------------------------------- */

/* The last checkpoint of an origin this ledger cosigned, and the log's key. */
typedef struct checkpoints_witness {
    unsigned char log_pk[AVOW_PUBKEY_BYTES];
    uint64_t size;
    unsigned char root[AVOW_HASH_BYTES];
} checkpoints_witness;

/* @return 0, AVOW_ENOTFOUND (no state yet, no error detail set), AVOW_EIO
 * (malformed) or another AVOW_E* */
int checkpoints_witness_get(checkpoints_witness *out, const avow_ledger *ledger, store_txn *txn,
                            const char *origin, size_t origin_len);
int checkpoints_witness_put(store_w *w, const char *origin, size_t origin_len,
                            const checkpoints_witness *state);

/* ---- checkpoints pulled over HTTP (src/io/pull.c) --------------------------- */

/* The exact note of the last checkpoint this ledger pulled from origin, under
 * "p" || origin; borrowed from txn. @return 0, AVOW_ENOTFOUND (none yet, no
 * error detail set) or another AVOW_E* */
int checkpoints_pulled_get(store_val *text, const avow_ledger *ledger, store_txn *txn,
                           const char *origin, size_t origin_len);
/* Remember note as the last checkpoint pulled from origin. */
int checkpoints_pulled_put(avow_ledger *ledger, const char *origin, size_t origin_len,
                           const void *text, size_t len);

/* ---- verification (src/derived/tree.c) ----------------------------------- */

/*
 * The stored checkpoints against the tree recomputed by the tree's verify
 * pass: _begin loads them and reports malformed entries; the pass calls
 * _root with the recomputed root when the log reaches checkpoints_check_next()
 * events; _end reports the checkpoints beyond the log when check is set, and
 * frees c either way (NULL-safe).
 */
typedef struct checkpoints_check checkpoints_check;
int checkpoints_check_begin(checkpoints_check **out, const avow_ledger *ledger, store_txn *txn,
                            struct verify_state *s);
/* The size of the next stored checkpoint to compare, UINT64_MAX when none. */
uint64_t checkpoints_check_next(const checkpoints_check *c);
void checkpoints_check_root(checkpoints_check *c, uint64_t size,
                            const unsigned char root[AVOW_HASH_BYTES]);
void checkpoints_check_end(checkpoints_check *c, uint64_t leaves, int check);

#endif /* AVOW_CHECKPOINTS_H */
