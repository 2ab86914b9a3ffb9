/* SPDX-License-Identifier: ISC */
/*
 * table.h - the interface of a derived table: data that the store keeps in
 * the same write transaction as each append, and that avow_ledger_verify()
 * checks against the log, without the store knowing which tables there are.
 *
 * src/open.c, the composition root, lists the tables and hands them to
 * store_open(); the store calls them in that order. A new derived table is a
 * new file that defines one store_table and one line in open.c.
 *
 * Invariants:
 *  1. on_append is called for every event that joins the log, on every append
 *     path (drafts, signed events, sync, bundles, import), inside the write
 *     transaction, after the core indexes hold the event. A hook that fails
 *     aborts the whole transaction.
 *  2. on_fork is called for a signed event that conflicts with the chain
 *     event at its (author, seq), on the paths that keep such evidence; it
 *     returns 1 when a table stored new evidence, 0 when it was held already.
 *  3. Verification feeds every record of the log in order, with its Merkle
 *     leaf hash and id computed on the worker pool; verify_end reports what
 *     only the whole log shows when check is set, and frees the state either
 *     way. Any hook may be NULL.
 */
#ifndef AVOW_TABLE_H
#define AVOW_TABLE_H

#include "ledger/store.h"

/* An event that has just joined the log. */
typedef struct store_appended {
    uint64_t index; /* its log index (Merkle leaf index) */
    const avow_event *ev;
    const unsigned char *id;   /* AVOW_EVENT_ID_BYTES */
    const unsigned char *leaf; /* its Merkle leaf hash, AVOW_HASH_BYTES */
    avow_str contest;          /* the contest it is indexed under; ptr NULL when none */
} store_appended;

typedef struct store_table {
    const char *name;
    int (*on_append)(store_w *w, const store_appended *a);
    int (*on_fork)(store_w *w, const avow_event *ev, const unsigned char *id);
    int (*verify_begin)(void **state, store_txn *txn, const avow_ledger *ledger,
                        struct verify_state *s);
    int (*verify_leaf)(void *state, const unsigned char leaf[AVOW_HASH_BYTES],
                       const unsigned char id[AVOW_EVENT_ID_BYTES]);
    int (*verify_end)(void *state, int check);
} store_table;

/* avow_ledger_open() with the derived tables (called by src/open.c only). */
int store_open(avow_ledger **out, const char *path, unsigned int flags,
               const store_table *const *tables, size_t ntables);

/* The tables of an open ledger, for the verify driver. */
const store_table *const *store_tables(const avow_ledger *ledger, size_t *n);

#endif /* AVOW_TABLE_H */
