/* SPDX-License-Identifier: ISC */
/*
 * open.c - the composition root: the one file that names every derived
 * table, and so the only place where the layers meet. avow_ledger_open()
 * hands the store (src/ledger/) the tables that the modules above it keep in
 * each append transaction (ledger/table.h).
 *
 * Invariants:
 *  1. The order below is the order of every hook call: appends feed the
 *     Merkle tree before the projection caches and the successions; verify
 *     checks fork evidence before it ends the Merkle check, as it always has.
 *  2. Nothing below src/ includes this file's headers for their tables: a
 *     table is named here, and only here.
 */
#include "derived/forks.h"
#include "derived/retractions.h"
#include "derived/snapshots.h"
#include "derived/successions.h"
#include "derived/tree.h"
#include "ledger/table.h"

static const store_table *const open_tables[] = {
    &forks_table, &tree_table, &retractions_table, &snapshots_table, &successions_table,
};

_Static_assert(sizeof(open_tables) / sizeof(open_tables[0]) <= STORE_TABLES_MAX,
               "STORE_TABLES_MAX holds every table");

int
avow_ledger_open(avow_ledger **out, const char *path, unsigned int flags)
{
    return store_open(out, path, flags, open_tables, sizeof(open_tables) / sizeof(open_tables[0]));
}
