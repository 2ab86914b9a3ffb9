/* SPDX-License-Identifier: ISC */
/*
 * redefine.c - whether a contest id may be defined again: when every
 * definition it has was retracted by its own author (the undo of a batch that
 * defined it, tools/cli/undo.c), a new `contest` event takes the id; while
 * one definition stands, a second is refused (append.c).
 *
 * Invariants (tests/cli/test_undo.sh):
 *  1. A definition stands unless a retraction by ITS author targets it
 *     (retractions are indexed under their target's contest in "bytime",
 *     lookup.c invariant 1, so one scan of the contest sees both).
 *  2. The scan runs only for an id that is defined already: the common
 *     refusal and every new id cost one lookup.
 */
#include <stdlib.h>
#include <string.h>

#include "ledger/store_int.h"
#include "util/grow.h"

/* A contest or retract event of the contest: its id (or target) and author. */
struct redefine_ref {
    unsigned char id[AVOW_EVENT_ID_BYTES];
    unsigned char author[AVOW_PUBKEY_BYTES];
};

struct redefine_refs {
    struct redefine_ref *v;
    size_t n, cap;
};

static int
redefine_push(struct redefine_refs *r, const unsigned char *id, const unsigned char *author)
{
    int error = grow_array(&r->v, &r->cap, r->n + 1, sizeof(*r->v), 8);
    if (error < 0) {
        return error;
    }
    memcpy(r->v[r->n].id, id, AVOW_EVENT_ID_BYTES);
    memcpy(r->v[r->n].author, author, AVOW_PUBKEY_BYTES);
    r->n++;
    return 0;
}

/* Collect the definitions and retractions indexed under the contest. */
static int
redefine_scan(struct redefine_refs *defs, struct redefine_refs *rets, const avow_ledger *ledger,
              MDB_txn *txn, const char *contest, size_t len)
{
    unsigned char prefix[AVOW_MAX_CONTEST + 1];
    MDB_cursor *cur = NULL;
    MDB_val k, v, raw;
    avow_event ev;
    uint64_t index;
    int rc, error = 0;

    memcpy(prefix, contest, len);
    prefix[len] = 0;
    if ((rc = mdb_cursor_open(txn, ledger->dbi[STORE_DB_BYTIME], &cur)) != 0) {
        return store_mdb_error(ledger, rc, "bytime");
    }
    k.mv_size = len + 1;
    k.mv_data = prefix;
    for (rc = mdb_cursor_get(cur, &k, &v, MDB_SET_RANGE); rc == 0 && error == 0;
         rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) {
        if (k.mv_size < len + 1 || memcmp(k.mv_data, prefix, len + 1) != 0) {
            break;
        }
        if ((error = store_index_val(&index, &v)) < 0 ||
            (error = store_get_event(ledger, txn, index, &raw)) < 0) {
            break;
        }
        const unsigned char *p = raw.mv_data;
        if (raw.mv_size < 2 || (p[1] != AVOW_KIND_CONTEST && p[1] != AVOW_KIND_RETRACT)) {
            continue;
        }
        if (avow_event_decode(&ev, raw.mv_data, raw.mv_size) < 0) {
            continue; /* verify reports it */
        }
        if (ev.kind == AVOW_KIND_CONTEST) {
            unsigned char id[AVOW_EVENT_ID_BYTES];
            avow_event_id(id, &ev);
            error = redefine_push(defs, id, ev.author);
        } else if (ev.target != NULL) {
            error = redefine_push(rets, ev.target, ev.author);
        }
    }
    mdb_cursor_close(cur);
    if (error == 0 && rc != 0 && rc != MDB_NOTFOUND) {
        error = store_mdb_error(ledger, rc, "bytime");
    }
    return error;
}

int
store_contest_stands(const avow_ledger *ledger, MDB_txn *txn, const char *contest, size_t len)
{
    struct redefine_refs defs = { NULL, 0, 0 }, rets = { NULL, 0, 0 };
    int error = store_contest_exists(ledger, txn, contest, len);

    if (error <= 0) {
        return error; /* invariant 2 */
    }
    error = redefine_scan(&defs, &rets, ledger, txn, contest, len);
    int stands = defs.n == 0; /* a contest entry without its event: keep refusing */
    for (size_t i = 0; error == 0 && !stands && i < defs.n; i++) {
        int retracted = 0;
        for (size_t j = 0; j < rets.n && !retracted; j++) {
            retracted = memcmp(rets.v[j].id, defs.v[i].id, AVOW_EVENT_ID_BYTES) == 0 &&
                        memcmp(rets.v[j].author, defs.v[i].author, AVOW_PUBKEY_BYTES) == 0;
        }
        stands = !retracted; /* invariant 1 */
    }
    free(defs.v);
    free(rets.v);
    return error < 0 ? error : stands;
}

int
avow_ledger_contest_stands(avow_ledger *ledger, const char *contest)
{
    MDB_txn *txn = NULL;
    int error;
    if (ledger == NULL || contest == NULL) {
        return error_set(AVOW_EINVALID, "avow_ledger_contest_stands: missing argument");
    }
    size_t len = strlen(contest);
    if (len == 0 || len > AVOW_MAX_CONTEST) {
        return 0;
    }
    if ((error = store_txn_begin(ledger, MDB_RDONLY, &txn)) < 0) {
        return error;
    }
    error = store_contest_stands(ledger, txn, contest, len);
    mdb_txn_abort(txn);
    return error;
}
