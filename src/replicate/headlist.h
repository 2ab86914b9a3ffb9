/* SPDX-License-Identifier: ISC */
/*
 * headlist.h - sorted lists of heads (author, seq, id) and of fork evidence
 * keys, as replication exchanges them (src/replicate/headlist.c).
 */
#ifndef AVOW_HEADLIST_H
#define AVOW_HEADLIST_H

#include "derived/forks.h"

/* One head (or one piece of fork evidence): author, seq, event id. */
typedef struct headlist_entry {
    unsigned char author[AVOW_PUBKEY_BYTES];
    uint64_t seq;
    unsigned char id[AVOW_EVENT_ID_BYTES];
} headlist_entry;

/* Packed: author || seq (u64 big-endian) || id, as a forks table key. */
#define HEADLIST_ENTRY_BYTES FORKS_KEY_BYTES

/* A list of heads sorted by (author, seq, id), strictly ascending. */
typedef struct headlist {
    headlist_entry *v;
    size_t n;
    size_t cap;
} headlist;

#define HEADLIST_INIT                                                                              \
    {                                                                                              \
        NULL, 0, 0                                                                                 \
    }

int headlist_push(headlist *h, const unsigned char *author, uint64_t seq, const unsigned char *id);
void headlist_free(headlist *h);
/* Parse n packed entries (HEADLIST_ENTRY_BYTES each), appending; they must
 * keep the list strictly ascending. @return 0 or AVOW_EFORMAT */
int headlist_parse(headlist *h, const unsigned char *p, size_t n);
/* This ledger's heads and (evidence may be NULL) its fork evidence keys. */
int headlist_load(const avow_ledger *ledger, headlist *heads, headlist *evidence);
/* Called with each head of this ledger: author, seq and id of its last
 * chain event; a return < 0 stops the walk with it. */
typedef int (*headlist_head_fn)(void *ctx, const unsigned char *author, uint64_t seq,
                                const unsigned char *id);
/* Walk the heads table in author order inside txn. */
int headlist_each_head(const avow_ledger *ledger, store_txn *txn, headlist_head_fn fn, void *ctx);
/* The entry of author in a list of heads (one per author), or NULL. */
const headlist_entry *headlist_find(const headlist *h, const unsigned char *author);
/* Whether (author, seq, id) is in a sorted list (h may be NULL; id NULL: any id). */
int headlist_has(const headlist *h, const unsigned char *author, uint64_t seq,
                 const unsigned char *id);

/* Whether a sorted list holds at most one entry per author (heads do). */
int headlist_one_per_author(const headlist *h);
/* Append entries [from, from + n) of h to b: a u32 big-endian count, then
 * each packed (HEADLIST_ENTRY_BYTES), as heads frames and files carry them. */
int headlist_put(avow_buf *b, const headlist *h, size_t from, size_t n);

#endif
