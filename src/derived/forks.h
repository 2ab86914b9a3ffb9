/* SPDX-License-Identifier: ISC */
/*
 * forks.h - the fork evidence table (src/derived/forks.c): signed events that
 * conflict with a chain event at their (author, seq), kept outside the chain.
 */
#ifndef AVOW_FORKS_H
#define AVOW_FORKS_H

#include "ledger/table.h"

/* A key of the forks table: author || seq (u64 big-endian) || event id. */
#define FORKS_KEY_BYTES (AVOW_PUBKEY_BYTES + 8 + AVOW_EVENT_ID_BYTES)

/* The table (src/open.c): on_fork keeps evidence, verify checks it. */
extern const store_table forks_table;

/*
 * Store fork evidence inside a write transaction: ev (signature already
 * checked) has the (author, seq) of a different event of the chain.
 * @return 1 stored, 0 already held, or < 0
 */
int forks_keep(store_w *w, const avow_event *ev, const unsigned char *id);

/* The raw chain event of (author, seq) and its id (id may be NULL), inside
 * txn: what a piece of evidence is judged against. raw is borrowed from the
 * map (store.h). @return 0, AVOW_ENOTFOUND or another AVOW_E* */
int forks_chain_event(store_val *raw, unsigned char *id, const avow_ledger *ledger, store_txn *txn,
                      const unsigned char *author, uint64_t seq);

/* Called with the key and the event bytes of each entry of the forks table
 * (a well formed key has FORKS_KEY_BYTES); a return < 0 stops the walk with it. */
typedef int (*forks_each_fn)(void *ctx, const store_val *key, const store_val *raw);
/* Walk the forks table in key order inside txn. */
int forks_each(const avow_ledger *ledger, store_txn *txn, forks_each_fn fn, void *ctx);

#endif
