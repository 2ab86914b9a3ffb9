/* SPDX-License-Identifier: ISC */
/*
 * accept.h - what a receiver accepts from a peer or a bundle besides chain
 * events (src/replicate/accept.c): fork evidence, and the name of the event
 * a refused batch failed at.
 */
#ifndef AVOW_ACCEPT_H
#define AVOW_ACCEPT_H

#include "replicate/headlist.h"

/*
 * Check and store evidence events (raw bytes) in one transaction: each must
 * decode, verify and conflict with this ledger's chain event at its (author,
 * seq); others are ignored. Stored ones are counted in *new_forks (may be
 * NULL) and appended to `stored` as (author, seq, id) when not NULL.
 * @return 0, AVOW_EFORMAT / AVOW_EVERIFY (naming author and seq)
 */
int accept_evidence(avow_ledger *ledger, const unsigned char *const *events, const size_t *lens,
                    size_t n, size_t *new_forks, headlist *stored);

/* Name the event at failed_at of a refused batch: "author XXXX seq N: detail". */
int accept_batch_error(int code, const unsigned char *const *events, const size_t *lens, size_t n,
                       size_t failed_at);

#endif
