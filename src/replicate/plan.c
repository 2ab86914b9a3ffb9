/* SPDX-License-Identifier: ISC */
/*
 * plan.c - what a peer lacks, given its heads and its fork evidence keys:
 * the events after its head of each author in chain order, our side of a
 * fork where its chain diverges from ours, and evidence it does not hold.
 * Both sync sessions (src/replicate/session.c) and bundles
 * (src/replicate/bundle.c) send what this plans.
 *
 * Invariants (tests/unit/test_sync.c):
 *  1. Sending reads events in place from the map, in one read transaction,
 *     and keeps the map pages it reads within STORE_RSS_BUDGET
 *     (store_trim_pages(), store.h), so the sender's resident size does not
 *     grow with the log.
 *  2. A chain whose event at the peer's head seq is not the peer's head is
 *     not streamed: the peer would refuse it; our event there goes as
 *     evidence instead.
 */
#include <sodium.h>

#include "replicate/plan.h"

int
plan_collect(const avow_ledger *ledger, unsigned int what, const headlist *peer_heads,
             const headlist *peer_evidence, const headlist *replies, plan_emit_fn emit, void *ctx,
             uint64_t *events_out)
{
    MDB_txn *txn = NULL;
    MDB_cursor *cur = NULL, *ac = NULL;
    MDB_val k, v, raw;
    unsigned char id[AVOW_EVENT_ID_BYTES], ak[STORE_AUTHOR_KEY_BYTES];
    uint64_t sent = 0;
    int error = 0, rc;

    if ((error = store_read_begin(ledger, &txn)) < 0) {
        return error;
    }
    if ((rc = mdb_cursor_open(txn, store_dbi(ledger, STORE_DB_HEADS), &cur)) != 0 ||
        (rc = mdb_cursor_open(txn, store_dbi(ledger, STORE_DB_AUTHORS), &ac)) != 0) {
        error = store_mdb_error(ledger, rc, "heads");
        goto done;
    }
    /* Chains, author by author (in key order), each in seq order. */
    for (MDB_cursor_op op = MDB_FIRST; what & PLAN_CHAINS; op = MDB_NEXT) {
        if ((rc = mdb_cursor_get(cur, &k, &v, op)) == MDB_NOTFOUND) {
            break;
        }
        if (rc != 0) {
            error = store_mdb_error(ledger, rc, "heads");
            goto done;
        }
        if (k.mv_size != AVOW_PUBKEY_BYTES || v.mv_size != STORE_HEAD_BYTES) {
            error = avow_error_set(AVOW_EIO, "malformed head entry (run avow verify)");
            goto done;
        }
        unsigned char author[AVOW_PUBKEY_BYTES];
        memcpy(author, k.mv_data, AVOW_PUBKEY_BYTES);
        uint64_t myseq = be64_get(v.mv_data);
        const headlist_entry *ph = peer_heads == NULL ? NULL : headlist_find(peer_heads, author);
        uint64_t pseq = ph == NULL ? 0 : ph->seq;
        if (pseq > 0 && pseq <= myseq) {
            /* Does the peer's head lie on this chain? If not, the feeds forked. */
            if ((error = forks_chain_event(ledger, txn, author, pseq, &raw, id)) < 0) {
                goto done;
            }
            if (sodium_memcmp(id, ph->id, AVOW_EVENT_ID_BYTES) != 0) {
                if (!headlist_has(peer_evidence, author, pseq, id) &&
                    (error = emit(ctx, raw.mv_data, raw.mv_size, 1)) < 0) {
                    goto done;
                }
                continue;
            }
        }
        if (pseq >= myseq) {
            continue;
        }
        memcpy(ak, author, AVOW_PUBKEY_BYTES);
        be64_put(ak + AVOW_PUBKEY_BYTES, pseq + 1);
        k.mv_size = sizeof(ak);
        k.mv_data = ak;
        for (MDB_cursor_op aop = MDB_SET_RANGE;; aop = MDB_NEXT) {
            MDB_val key, val;
            if (aop == MDB_SET_RANGE) {
                key = k;
            }
            if ((rc = mdb_cursor_get(ac, &key, &val, aop)) == MDB_NOTFOUND) {
                break;
            }
            if (rc != 0) {
                error = store_mdb_error(ledger, rc, "authors");
                goto done;
            }
            if (key.mv_size != STORE_AUTHOR_KEY_BYTES ||
                memcmp(key.mv_data, author, AVOW_PUBKEY_BYTES) != 0) {
                break;
            }
            uint64_t index = 0;
            if ((error = store_index_val(&index, &val)) < 0 ||
                (error = store_get_event(ledger, txn, index, &raw)) < 0) {
                goto done;
            }
            if ((error = emit(ctx, raw.mv_data, raw.mv_size, 0)) < 0) {
                goto done;
            }
            if (++sent % STORE_TRIM_EVERY == 0) {
                store_trim_pages(ledger);
            }
        }
    }
    mdb_cursor_close(cur);
    cur = NULL;
    /* Evidence the peer does not hold. */
    if ((rc = mdb_cursor_open(txn, store_dbi(ledger, STORE_DB_FORKS), &cur)) != 0) {
        error = store_mdb_error(ledger, rc, "forks");
        goto done;
    }
    for (MDB_cursor_op op = MDB_FIRST; what & PLAN_EVIDENCE; op = MDB_NEXT) {
        if ((rc = mdb_cursor_get(cur, &k, &v, op)) == MDB_NOTFOUND) {
            break;
        }
        if (rc != 0) {
            error = store_mdb_error(ledger, rc, "forks");
            goto done;
        }
        if (k.mv_size != HEADLIST_ENTRY_BYTES) {
            continue;
        }
        const unsigned char *p = k.mv_data;
        if (headlist_has(peer_evidence, p, be64_get(p + AVOW_PUBKEY_BYTES),
                         p + AVOW_PUBKEY_BYTES + 8)) {
            continue;
        }
        if ((error = emit(ctx, v.mv_data, v.mv_size, 1)) < 0) {
            goto done;
        }
    }
    /* Our side of forks the peer told us about. */
    for (size_t i = 0; (what & PLAN_REPLIES) && replies != NULL && i < replies->n; i++) {
        const headlist_entry *r = &replies->v[i];
        error = forks_chain_event(ledger, txn, r->author, r->seq, &raw, id);
        if (error == AVOW_ENOTFOUND) {
            continue;
        }
        if (error < 0) {
            goto done;
        }
        if ((error = emit(ctx, raw.mv_data, raw.mv_size, 1)) < 0) {
            goto done;
        }
    }
    error = 0;
done:
    if (cur != NULL) {
        mdb_cursor_close(cur);
    }
    if (ac != NULL) {
        mdb_cursor_close(ac);
    }
    mdb_txn_abort(txn);
    if (events_out != NULL) {
        *events_out = sent;
    }
    return error;
}
