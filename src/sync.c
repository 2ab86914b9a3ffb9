/* SPDX-License-Identifier: ISC */
/*
 * sync.c - replication between ledgers (docs/PROTOCOL.md).
 */
#include "store.h"

int
sync_verify(MDB_txn *txn, const avow_ledger *ledger, struct verify_state *s)
{
    (void)txn;
    (void)ledger;
    (void)s;
    return 0;
}
