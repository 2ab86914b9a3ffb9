/* SPDX-License-Identifier: ISC */
/*
 * trust.h - which authors' events count in projections: the local keyring
 * (src/project/trust.c), revocations after a seq, key successions and forks.
 */
#ifndef AVOW_TRUST_H
#define AVOW_TRUST_H

#include "derived/successions.h"
#include "ledger/store.h"

/* A snapshot of the trust settings, loaded once per query. */
typedef struct trust_view trust_view;

/* Load the view inside txn. @return 0 or AVOW_E* */
int trust_view_load(trust_view **out, store_txn *txn, const avow_ledger *ledger);
/* Whether the event (author, seq) counts: 1 yes, 0 no. Cheap: called per event. */
int trust_view_counts(const trust_view *view, const unsigned char author[AVOW_PUBKEY_BYTES],
                      uint64_t seq);
/* Whether the author has fork evidence at a seq <= seq: 1 yes, 0 no. */
int trust_view_forked(const trust_view *view, const unsigned char author[AVOW_PUBKEY_BYTES],
                      uint64_t seq);
void trust_view_free(trust_view *view);

/* The layout of the "trust" database: derived/successions.h. */

#endif
