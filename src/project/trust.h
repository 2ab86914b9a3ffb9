/* SPDX-License-Identifier: ISC */
/*
 * trust.h - which authors' events count in projections: the local keyring
 * (src/project/trust.c), revocations after a seq, key successions and forks.
 */
#ifndef AVOW_TRUST_H
#define AVOW_TRUST_H

#include "ledger/store_mdb.h"
#include "ledger/table.h"

/* Key successions named by appended events (the keyring's own records are
 * written by avow_trust_*), kept in the append transaction. */
extern const store_table trust_table;

/* A snapshot of the trust settings, loaded once per query. */
typedef struct trust_view trust_view;

/* Load the view inside txn. @return 0 or AVOW_E* */
int trust_view_load(trust_view **out, MDB_txn *txn, const avow_ledger *ledger);
/* Whether the event (author, seq) counts: 1 yes, 0 no. Cheap: called per event. */
int trust_view_counts(const trust_view *view, const unsigned char author[AVOW_PUBKEY_BYTES],
                      uint64_t seq);
/* Whether the author has fork evidence at a seq <= seq: 1 yes, 0 no. */
int trust_view_forked(const trust_view *view, const unsigned char author[AVOW_PUBKEY_BYTES],
                      uint64_t seq);
void trust_view_free(trust_view *view);

/* Store hook (src/ledger/store.c, signed appends): record the successor named by a
 * key-succession event, in the same write transaction. */
int trust_on_append(store_w *w, const avow_event *ev);

/*
 * Keys of the "trust" database (local, never replicated):
 *   'k' || key(32)          -> flags(u8) || revoked_after(u64) || name
 *   'r' || key(32) || seq(8) -> kept event id(32) || kept_chain(u8)   (resolve)
 *   's' || next(32)         -> old(32) || seq(u64) of the succession event
 */
#define TRUST_TAG_KEY       'k'
#define TRUST_TAG_RESOLVED  'r'
#define TRUST_TAG_SUCCESSOR 's'
#define TRUST_F_LISTED      0x01u
#define TRUST_F_REVOKED     0x02u

#endif
