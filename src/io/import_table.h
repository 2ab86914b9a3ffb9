/* SPDX-License-Identifier: ISC */
/*
 * import_table.h - what an import's check pass remembers per author (signed
 * events) or per contest (unsigned records), keyed by bytes taken from the
 * file (src/io/import_table.c).
 *
 * The keys are interned in a src/util/hashset.h set (SipHash with a random
 * key per set), so a file cannot be crafted to make its keys collide.
 */
#ifndef AVOW_IMPORT_TABLE_H
#define AVOW_IMPORT_TABLE_H

#include "util/common.h"
#include "util/hashset.h"

/* The value kept per key; zeroed when the key is added. */
typedef struct import_table_value {
    uint64_t seq;      /* signed: the head so far */
    uint64_t base_seq; /* signed: the head in the ledger */
    unsigned char hash[AVOW_HASH_BYTES];
} import_table_value;

/* Zeroed (IMPORT_TABLE_INIT) is an empty table. */
typedef struct import_table {
    hashset keys;          /* the keys, ids 0, 1, 2 ... */
    import_table_value *v; /* per key id */
    size_t cap;            /* room in v */
} import_table;

#define IMPORT_TABLE_INIT                                                                          \
    {                                                                                              \
        .v = NULL                                                                                  \
    }

/* The value of key (klen bytes), or NULL. */
import_table_value *import_table_find(const import_table *t, const void *key, size_t klen);

/* Add key, which must not be in t (a copy is kept); *out gets its zeroed
 * value, valid until the next add. @return 0 or AVOW_ENOMEM */
int import_table_add(import_table *t, const void *key, size_t klen, import_table_value **out);

void import_table_dispose(import_table *t);

#endif /* AVOW_IMPORT_TABLE_H */
