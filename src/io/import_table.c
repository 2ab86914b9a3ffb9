/* SPDX-License-Identifier: ISC */
/*
 * import_table.c - the check pass's table of authors and contests: keys
 * interned in a keyed hash set (src/util/hashset.c, a random SipHash key per
 * set, so keys chosen by whoever writes the file cannot be made to collide),
 * values in an array indexed by the key's id.
 *
 * Invariants (tests/unit/test_interchange.c):
 *  1. v has a slot for every id of keys: it grows before a key is interned.
 *  2. A key is in the table at most once (import_table_add() is called only
 *     after import_table_find() missed), and the table owns a copy of it.
 */
#include <stdlib.h>

#include "io/import_table.h"
#include "util/grow.h"

import_table_value *
import_table_find(const import_table *t, const void *key, size_t klen)
{
    uint32_t id;
    return hashset_find(&t->keys, key, klen, &id) ? &t->v[id] : NULL;
}

/* Invariants 1 and 2. */
int
import_table_add(import_table *t, const void *key, size_t klen, import_table_value **out)
{
    uint32_t id;
    int error;
    if ((error = grow_array(&t->v, &t->cap, t->keys.n + 1, sizeof(*t->v), 64)) < 0 ||
        (error = hashset_intern(&t->keys, key, klen, &id, NULL)) < 0) {
        return error;
    }
    memset(&t->v[id], 0, sizeof(t->v[id]));
    *out = &t->v[id];
    return 0;
}

void
import_table_dispose(import_table *t)
{
    hashset_free(&t->keys);
    free(t->v);
    t->v = NULL;
    t->cap = 0;
}
