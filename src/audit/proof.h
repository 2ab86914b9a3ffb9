/* SPDX-License-Identifier: ISC */
/* proof.h - roots of the ledger's tree for the audit modules (src/audit/proof.c). */
#ifndef AVOW_PROOF_H
#define AVOW_PROOF_H

#include "ledger/store_mdb.h"
#include "util/common.h"

/* The number of events in the log. */
int proof_count_txn(MDB_txn *txn, const avow_ledger *ledger, uint64_t *count);
/* The root of the first size events; *count is set to the log's size.
 * @return 0, AVOW_EINVALID (size beyond the log), AVOW_EVERIFY (tree damaged) */
int proof_root_at_txn(MDB_txn *txn, const avow_ledger *ledger, uint64_t size,
                      unsigned char root[AVOW_HASH_BYTES], uint64_t *count);

#endif /* AVOW_PROOF_H */
