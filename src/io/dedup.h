/* SPDX-License-Identifier: ISC */
/*
 * dedup.h - "the same record" for an idempotent import --sign
 * (src/io/dedup.c): a fingerprint of what an event says, and the multiset of
 * fingerprints of one author's events in a ledger.
 */
#ifndef AVOW_DEDUP_H
#define AVOW_DEDUP_H

#include "io/import_table.h"

#define DEDUP_FP_BYTES 32

/* The fingerprint of a stored event (its signed bytes). @return 0 or AVOW_EFORMAT */
int dedup_of_event(unsigned char fp[DEDUP_FP_BYTES], const unsigned char *raw, size_t len);

/* The fingerprint of a draft (encoded into tmp). @return 0, AVOW_EINVALID, AVOW_ENOMEM */
int dedup_of_draft(unsigned char fp[DEDUP_FP_BYTES], avow_buf *tmp, const avow_draft *d);

/* Count the fingerprints of author's events in ledger into t (value.seq: how
 * many). @return 0 or an error */
int dedup_load(import_table *t, avow_ledger *ledger, const unsigned char author[AVOW_PUBKEY_BYTES]);

/* Whether fp is in t with a count left: 1 (and one is taken), 0. */
int dedup_take(import_table *t, const unsigned char fp[DEDUP_FP_BYTES]);

#endif /* AVOW_DEDUP_H */
