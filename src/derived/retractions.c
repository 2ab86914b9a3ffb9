/* SPDX-License-Identifier: ISC */
/*
 * retractions.c - the retraction index: which events of a contest their own
 * author retracted, and from which recorded_at on (docs/PROJECTIONS.md).
 * Kept in the append transaction (ledger/table.h), read by the projections'
 * scan (src/project/scan.c).
 *
 * Invariants (tests/unit/test_projection.c):
 *  1. A retraction is indexed under its target's contest only when the
 *     target is in the ledger, is not itself a retraction, and has the
 *     retraction's author: nobody retracts another author's event.
 *  2. Of several retractions of one target, the earliest recorded_at is
 *     kept: it decides from which K on the target is gone, whatever the
 *     order in which the retractions arrived.
 */
#include <string.h>

#include "derived/retractions.h"

static int64_t
retractions_time_unkey(uint64_t v)
{
    return (int64_t)(v ^ (UINT64_C(1) << 63));
}

int
retractions_target(avow_event *target, const avow_ledger *ledger, store_txn *txn,
                   const avow_event *ev)
{
    store_val raw;
    if (ev->kind != AVOW_KIND_RETRACT || ev->target == NULL) {
        return 0;
    }
    int error = store_event_by_id(&raw, NULL, ledger, txn, ev->target);
    if (error == AVOW_ENOTFOUND) {
        return 0;
    }
    if (error < 0) {
        return error;
    }
    return avow_event_decode(target, raw.ptr, raw.len) == 0 ? 1 : 0;
}

static int
retractions_on_append(store_w *w, const store_appended *a)
{
    const avow_event *ev = a->ev;
    const avow_str *contest = &a->contest;
    unsigned char rk[AVOW_MAX_CONTEST + 1 + AVOW_EVENT_ID_BYTES], rv[RETRACTIONS_VAL_BYTES];
    avow_event target;
    store_val old;

    if (contest->ptr == NULL || contest->len == 0 || contest->len > AVOW_MAX_CONTEST) {
        return 0;
    }
    int error = retractions_target(&target, store_w_ledger(w), store_w_view(w), ev);
    if (error <= 0) {
        return error;
    }
    if (target.kind == AVOW_KIND_RETRACT ||
        memcmp(target.author, ev->author, AVOW_PUBKEY_BYTES) != 0) {
        return 0; /* invariant 1 */
    }
    memcpy(rk, contest->ptr, contest->len);
    rk[contest->len] = 0;
    memcpy(rk + contest->len + 1, ev->target, AVOW_EVENT_ID_BYTES);
    size_t rklen = contest->len + 1 + AVOW_EVENT_ID_BYTES;
    error =
      store_val_get(&old, store_w_ledger(w), store_w_view(w), STORE_DB_RETRACTIONS, rk, rklen);
    if (error < 0 && error != AVOW_ENOTFOUND) {
        return error;
    }
    if (error == 0 && old.len == RETRACTIONS_VAL_BYTES &&
        retractions_time_unkey(be64_get(old.ptr)) <= ev->recorded_at) {
        return 0; /* invariant 2: an earlier retraction decides */
    }
    be64_put(rv, time_key(ev->recorded_at));
    memcpy(rv + 8, ev->author, AVOW_PUBKEY_BYTES);
    memcpy(rv + 8 + AVOW_PUBKEY_BYTES, a->id, AVOW_EVENT_ID_BYTES);
    return store_w_put(w, STORE_DB_RETRACTIONS, rk, rklen, rv, sizeof(rv), 0);
}

int
retractions_each(const avow_ledger *ledger, store_txn *txn, const unsigned char *prefix,
                 size_t prefix_len, retractions_fn fn, void *ctx)
{
    store_cursor *cur = NULL;
    store_val k = { prefix, prefix_len }, v;
    int error;
    if ((error = store_cursor_open(&cur, ledger, txn, STORE_DB_RETRACTIONS)) < 0) {
        return error;
    }
    for (error = store_cursor_get(cur, &k, &v, STORE_SEEK); error == 0;
         error = store_cursor_get(cur, &k, &v, STORE_NEXT)) {
        if (k.len != prefix_len + AVOW_EVENT_ID_BYTES || memcmp(k.ptr, prefix, prefix_len) != 0) {
            break;
        }
        if (v.len != RETRACTIONS_VAL_BYTES) {
            continue;
        }
        const unsigned char *p = v.ptr;
        if ((error = fn(ctx, k.ptr + prefix_len, retractions_time_unkey(be64_get(p)), p + 8,
                        p + 8 + AVOW_PUBKEY_BYTES)) < 0) {
            break;
        }
    }
    store_cursor_close(cur);
    return error == AVOW_ENOTFOUND ? 0 : error;
}

int
avow_retractions_find(unsigned char rid[AVOW_EVENT_ID_BYTES], avow_ledger *ledger,
                      const unsigned char target[AVOW_EVENT_ID_BYTES])
{
    unsigned char rk[AVOW_MAX_CONTEST + 1 + AVOW_EVENT_ID_BYTES];
    char contest[AVOW_MAX_CONTEST];
    size_t clen = 0;
    store_txn *txn = NULL;
    store_val raw, v;
    avow_event ev;
    int error;

    if (ledger == NULL || target == NULL) {
        return error_set(AVOW_EINVALID, "avow_retractions_find: missing argument");
    }
    if ((error = store_txn_read(&txn, ledger)) < 0) {
        return error;
    }
    if ((error = store_event_by_id(&raw, NULL, ledger, txn, target)) < 0) {
        goto done;
    }
    if (avow_event_decode(&ev, raw.ptr, raw.len) < 0) {
        error = error_set(AVOW_EFORMAT, "a stored event does not decode (run avow verify)");
        goto done;
    }
    if ((error = store_contest_of(contest, &clen, ledger, txn, &ev)) <= 0 ||
        ev.kind == AVOW_KIND_RETRACT) {
        goto done; /* a retraction is never the target of an indexed one (invariant 1) */
    }
    memcpy(rk, contest, clen);
    rk[clen] = 0;
    memcpy(rk + clen + 1, target, AVOW_EVENT_ID_BYTES);
    error =
      store_val_get(&v, ledger, txn, STORE_DB_RETRACTIONS, rk, clen + 1 + AVOW_EVENT_ID_BYTES);
    if (error == AVOW_ENOTFOUND) {
        error = 0;
    } else if (error == 0 && v.len == RETRACTIONS_VAL_BYTES) {
        if (rid != NULL) {
            memcpy(rid, (const unsigned char *)v.ptr + 8 + AVOW_PUBKEY_BYTES, AVOW_EVENT_ID_BYTES);
        }
        error = 1;
    }
done:
    store_txn_end(txn);
    return error;
}

const store_table retractions_table = {
    "retractions", retractions_on_append, NULL, NULL, NULL, NULL,
};
