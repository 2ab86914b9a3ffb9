/* SPDX-License-Identifier: ISC */
/*
 * import_table.h - what an import's check pass remembers per author (signed
 * events) or per contest (unsigned records), keyed by bytes taken from the
 * file (src/io/import_table.c).
 *
 * The one place an import hashes attacker-chosen keys: src/util/hashset.h
 * (a keyed SipHash set) is to replace the table behind this interface.
 */
#ifndef AVOW_IMPORT_TABLE_H
#define AVOW_IMPORT_TABLE_H

#include "util/common.h"

/* The value kept per key; zeroed when the key is added. */
typedef struct import_table_value {
    uint64_t seq;      /* signed: the head so far */
    uint64_t base_seq; /* signed: the head in the ledger */
    unsigned char hash[AVOW_HASH_BYTES];
} import_table_value;

typedef struct import_table_entry {
    unsigned char *key; /* NULL: free slot */
    size_t klen;
    import_table_value value;
} import_table_entry;

/* Zeroed (IMPORT_TABLE_INIT) is an empty table. */
typedef struct import_table {
    import_table_entry *v;
    size_t cap; /* a power of two, or 0 */
    size_t n;
} import_table;

#define IMPORT_TABLE_INIT                                                                          \
    {                                                                                              \
        NULL, 0, 0                                                                                 \
    }

/* The value of key (klen bytes), or NULL. */
import_table_value *import_table_find(const import_table *t, const void *key, size_t klen);

/* Add key, which must not be in t (a copy is kept); *out gets its zeroed
 * value, valid until the next add. @return 0 or AVOW_ENOMEM */
int import_table_add(import_table *t, const void *key, size_t klen, import_table_value **out);

void import_table_dispose(import_table *t);

#endif /* AVOW_IMPORT_TABLE_H */
