/* SPDX-License-Identifier: ISC */
/*
 * import_table.c - the check pass's table of authors and contests: open
 * addressing with linear probing over a power-of-two array, grown to keep it
 * at most half full.
 *
 * The hash is 64-bit FNV-1a, unkeyed: a file can be crafted so that its keys
 * collide (contest ids are chosen by whoever writes the file; author keys
 * only by whoever can make key pairs), which makes each lookup linear in the
 * table. This file is the only place that knows; src/util/hashset.h (a
 * random SipHash key per set) is to take its place (see the header).
 *
 * Invariants (tests/unit/test_interchange.c):
 *  1. At most half the slots are used, so a probe always ends at a free slot.
 *  2. A key is in the table at most once (import_table_add() is called only
 *     after import_table_find() missed), and the table owns a copy of it.
 */
#include <stdlib.h>

#include "io/import_table.h"

static uint64_t
import_table_hash(const unsigned char *key, size_t klen)
{
    uint64_t h = UINT64_C(1469598103934665603);
    for (size_t i = 0; i < klen; i++) {
        h = (h ^ key[i]) * UINT64_C(1099511628211);
    }
    return h;
}

import_table_value *
import_table_find(const import_table *t, const void *key, size_t klen)
{
    if (t->cap == 0) {
        return NULL;
    }
    for (size_t i = import_table_hash(key, klen) & (t->cap - 1);; i = (i + 1) & (t->cap - 1)) {
        import_table_entry *e = &t->v[i];
        if (e->key == NULL) {
            return NULL;
        }
        if (e->klen == klen && memcmp(e->key, key, klen) == 0) {
            return &e->value;
        }
    }
}

/* Invariant 1: twice the slots, every entry moved. */
static int
import_table_grow(import_table *t)
{
    size_t cap = t->cap == 0 ? 64 : 2 * t->cap;
    import_table_entry *v = calloc(cap, sizeof(*v));
    if (v == NULL || cap > SIZE_MAX / sizeof(*v)) {
        free(v);
        return avow_error_set(AVOW_ENOMEM, "out of memory for the import's tables");
    }
    for (size_t j = 0; j < t->cap; j++) {
        if (t->v[j].key != NULL) {
            size_t i = import_table_hash(t->v[j].key, t->v[j].klen) & (cap - 1);
            while (v[i].key != NULL) {
                i = (i + 1) & (cap - 1);
            }
            v[i] = t->v[j];
        }
    }
    free(t->v);
    t->v = v;
    t->cap = cap;
    return 0;
}

/* Invariant 2. */
int
import_table_add(import_table *t, const void *key, size_t klen, import_table_value **out)
{
    import_table_entry *e;
    int error;
    if (2 * (t->n + 1) > t->cap && (error = import_table_grow(t)) < 0) {
        return error;
    }
    size_t i = import_table_hash(key, klen) & (t->cap - 1);
    while (t->v[i].key != NULL) {
        i = (i + 1) & (t->cap - 1);
    }
    e = &t->v[i];
    e->key = malloc(klen > 0 ? klen : 1);
    if (e->key == NULL) {
        return avow_error_set(AVOW_ENOMEM, "out of memory for the import's tables");
    }
    memcpy(e->key, key, klen);
    e->klen = klen;
    t->n++;
    *out = &e->value;
    return 0;
}

void
import_table_dispose(import_table *t)
{
    for (size_t i = 0; i < t->cap; i++) {
        free(t->v[i].key);
    }
    free(t->v);
    memset(t, 0, sizeof(*t));
}
