/* SPDX-License-Identifier: ISC */
/* proof.h - roots of the ledger's tree for the audit modules (src/audit/proof.c). */
#ifndef AVOW_PROOF_H
#define AVOW_PROOF_H

#include "ledger/store.h"
#include "util/common.h"

/* The number of events in the log. */
int proof_count(uint64_t *count, const avow_ledger *ledger, store_txn *txn);
/* The root of the first size events; *count is set to the log's size.
 * @return 0, AVOW_EINVALID (size beyond the log), AVOW_EVERIFY (tree damaged) */
int proof_root_at(unsigned char root[AVOW_HASH_BYTES], uint64_t *count, const avow_ledger *ledger,
                  store_txn *txn, uint64_t size);

#endif /* AVOW_PROOF_H */
