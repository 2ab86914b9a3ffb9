/* SPDX-License-Identifier: ISC */
/*
 * scan.h - reading a contest's by-time range and its events through the
 * store (src/project/scan.c), for state, history and explain.
 */
#ifndef AVOW_SCAN_H
#define AVOW_SCAN_H

#include <stdlib.h>

#include "ledger/store.h"
#include "project/fold.h"
#include "project/trust.h"

/* One entry of the contest, its event read in place from the map. */
typedef struct scan_entry {
    const unsigned char *key; /* the bytime key */
    size_t keylen;
    const unsigned char *id;
    uint64_t index;
    avow_event ev;
    enum fold_skip skip;
    const fold_retraction *retracted;
    int opening; /* the opening entry of a stance dated by an interval (store.h) */
} scan_entry;

typedef struct scan {
    avow_ledger *ledger;
    store_txn *txn;
    unsigned char prefix[AVOW_MAX_CONTEST + 1];
    size_t prefix_len; /* contest || 0x00 */
    int64_t at, known_at;
    int all_authors;
    trust_view *trust;
    fold_retractions rs;
    fold_filter filter; /* FOLD_FILTER_NONE unless the caller sets it after scan_open() */
} scan;

/* Read the caller's state options (any version up to the current; NULL:
 * defaults) into o. @return 0 or AVOW_EINVALID. */
int scan_state_opts(avow_state_opts *o, const avow_state_opts *in);
/* The filters of the state options. */
fold_filter scan_filter(const avow_state_opts *o);

/* Called per entry; a non-zero return stops the scan and is returned. */
typedef int (*scan_fn)(scan *s, const scan_entry *e, void *ctx);

/* Open a read transaction on the contest (AVOW_ENOTFOUND when it has no
 * event), with the trust settings unless all_authors, and its retractions.
 * scan_close() it whatever the result. */
int scan_open(scan *s, avow_ledger *ledger, const char *contest, int64_t at, int64_t known_at,
              int all_authors);
void scan_close(scan *s);
/*
 * Visit the contest's entries after `after` (a full bytime key; NULL: from the
 * start) with effective_at <= at and recorded_at <= known_at, in bytime order.
 */
int scan_run(scan *s, const unsigned char *after, size_t afterlen, scan_fn fn, void *ctx);

/* A NUL-terminated copy of n bytes (malloc), or NULL. */
static inline char *
scan_dup(const void *p, size_t n)
{
    char *s = malloc(n + 1);
    if (s != NULL) {
        if (n > 0) {
            memcpy(s, p, n);
        }
        s[n] = '\0';
    }
    return s;
}

/* Whether the field s holds exactly the text z. */
static inline int
scan_str_eq(avow_str s, const char *z)
{
    size_t n = strlen(z);
    return s.ptr != NULL && s.len == n && memcmp(s.ptr, z, n) == 0;
}

#endif /* AVOW_SCAN_H */
