/* SPDX-License-Identifier: ISC */
/*
 * successions.h - the key successions named by appended events, kept in the
 * append transaction (src/derived/successions.c), and the layout of the
 * "trust" database that they share with the local keyring
 * (src/project/trust.c).
 */
#ifndef AVOW_SUCCESSIONS_H
#define AVOW_SUCCESSIONS_H

#include "ledger/store.h"
#include "ledger/table.h"

extern const store_table successions_table;

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

#endif /* AVOW_SUCCESSIONS_H */
