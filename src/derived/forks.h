/* SPDX-License-Identifier: ISC */
/*
 * forks.h - the fork evidence table (src/derived/forks.c): signed events that
 * conflict with a chain event at their (author, seq), kept outside the chain.
 */
#ifndef AVOW_FORKS_H
#define AVOW_FORKS_H

#include "ledger/store_mdb.h"
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
 * txn: what a piece of evidence is judged against. 0, AVOW_ENOTFOUND or < 0. */
int forks_chain_event(const avow_ledger *ledger, MDB_txn *txn, const unsigned char *author,
                      uint64_t seq, MDB_val *raw, unsigned char *id);

#endif
