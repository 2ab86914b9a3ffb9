/* SPDX-License-Identifier: ISC */
/*
 * retractions.h - the per-contest retraction index, kept in the append
 * transaction (src/derived/retractions.c):
 *   contest || 0x00 || target id -> time_key(recorded_at) || author || retraction id
 */
#ifndef AVOW_RETRACTIONS_H
#define AVOW_RETRACTIONS_H

#include "ledger/store.h"
#include "ledger/table.h"

#define RETRACTIONS_VAL_BYTES (8 + AVOW_PUBKEY_BYTES + AVOW_EVENT_ID_BYTES)

extern const store_table retractions_table;

/* The event that the retraction ev names, decoded strictly from the map
 * (borrowed like the map's bytes). @return 1, 0 when it is not in the ledger
 * or does not decode, or < 0. */
int retractions_target(avow_event *target, const avow_ledger *ledger, store_txn *txn,
                       const avow_event *ev);

/* Called per retraction of a contest; a return < 0 stops the walk. */
typedef int (*retractions_fn)(void *ctx, const unsigned char target[AVOW_EVENT_ID_BYTES],
                              int64_t recorded_at, const unsigned char author[AVOW_PUBKEY_BYTES],
                              const unsigned char rid[AVOW_EVENT_ID_BYTES]);

/* Walk the retractions of the contest whose key prefix (contest || 0x00) is
 * given. @return 0, or the first < 0 of fn or of the store. */
int retractions_each(const avow_ledger *ledger, store_txn *txn, const unsigned char *prefix,
                     size_t prefix_len, retractions_fn fn, void *ctx);

#endif /* AVOW_RETRACTIONS_H */
