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

/* One walk over this ledger for one peer. */
struct plan {
    const avow_ledger *ledger;
    store_txn *txn;
    store_cursor *authors;
    const headlist *peer_heads, *peer_evidence;
    plan_emit_fn emit;
    void *ctx;
    uint64_t sent;
    int stream; /* PLAN_CHAINS: stream the events after the peer's heads */
};

/* Emit author's chain events from seq `from` on, in seq order (invariant 1). */
static int
plan_stream(struct plan *p, const unsigned char *author, uint64_t from)
{
    unsigned char ak[STORE_AUTHOR_KEY_BYTES];
    store_val key = { ak, sizeof(ak) }, val, raw;
    int error;
    memcpy(ak, author, AVOW_PUBKEY_BYTES);
    be64_put(ak + AVOW_PUBKEY_BYTES, from);
    for (enum store_op op = STORE_SEEK;; op = STORE_NEXT) {
        if ((error = store_cursor_get(p->authors, &key, &val, op)) < 0) {
            return error == AVOW_ENOTFOUND ? 0 : error;
        }
        if (key.len != STORE_AUTHOR_KEY_BYTES || memcmp(key.ptr, author, AVOW_PUBKEY_BYTES) != 0) {
            return 0;
        }
        uint64_t index = 0;
        if ((error = store_index_of(&index, &val)) < 0 ||
            (error = store_event_at(&raw, p->ledger, p->txn, index)) < 0 ||
            (error = p->emit(p->ctx, raw.ptr, raw.len, 0)) < 0) {
            return error;
        }
        if (++p->sent % STORE_TRIM_EVERY == 0) {
            store_trim_pages(p->ledger);
        }
    }
}

/* One author of this ledger, whose head is at myseq (headlist_head_fn). */
static int
plan_chain(void *vp, const unsigned char *author, uint64_t myseq, const unsigned char *myid)
{
    struct plan *p = vp;
    unsigned char id[AVOW_EVENT_ID_BYTES];
    store_val raw;
    int error;
    (void)myid;
    const headlist_entry *ph = p->peer_heads == NULL ? NULL : headlist_find(p->peer_heads, author);
    uint64_t pseq = ph == NULL ? 0 : ph->seq;
    if (pseq > 0 && pseq <= myseq) {
        /* Does the peer's head lie on this chain? If not, the feeds forked
         * (invariant 2). */
        if ((error = forks_chain_event(&raw, id, p->ledger, p->txn, author, pseq)) < 0) {
            return error;
        }
        if (sodium_memcmp(id, ph->id, AVOW_EVENT_ID_BYTES) != 0) {
            if (headlist_has(p->peer_evidence, author, pseq, id)) {
                return 0;
            }
            return p->emit(p->ctx, raw.ptr, raw.len, 1);
        }
    }
    return pseq >= myseq || !p->stream ? 0 : plan_stream(p, author, pseq + 1);
}

/* One piece of our evidence: sent unless the peer holds it (forks_each_fn). */
static int
plan_evidence(void *vp, const store_val *key, const store_val *raw)
{
    struct plan *p = vp;
    const unsigned char *k = key->ptr;
    if (key->len != HEADLIST_ENTRY_BYTES ||
        headlist_has(p->peer_evidence, k, be64_get(k + AVOW_PUBKEY_BYTES),
                     k + AVOW_PUBKEY_BYTES + 8)) {
        return 0;
    }
    return p->emit(p->ctx, raw->ptr, raw->len, 1);
}

/* Our side of forks the peer told us about. */
static int
plan_replies(struct plan *p, const headlist *replies)
{
    unsigned char id[AVOW_EVENT_ID_BYTES];
    store_val raw;
    for (size_t i = 0; replies != NULL && i < replies->n; i++) {
        const headlist_entry *r = &replies->v[i];
        int error = forks_chain_event(&raw, id, p->ledger, p->txn, r->author, r->seq);
        if (error == AVOW_ENOTFOUND) {
            continue;
        }
        if (error < 0 || (error = p->emit(p->ctx, raw.ptr, raw.len, 1)) < 0) {
            return error;
        }
    }
    return 0;
}

int
plan_collect(const avow_ledger *ledger, unsigned int what, const headlist *peer_heads,
             const headlist *peer_evidence, const headlist *replies, plan_emit_fn emit, void *ctx,
             uint64_t *events_out)
{
    struct plan p = {
        ledger, NULL, NULL, peer_heads, peer_evidence, emit, ctx, 0, (what & PLAN_CHAINS) != 0,
    };
    int error;

    if ((error = store_txn_read(&p.txn, ledger)) < 0) {
        goto done;
    }
    if ((error = store_cursor_open(&p.authors, ledger, p.txn, STORE_DB_AUTHORS)) < 0) {
        goto done;
    }
    /* Chains, author by author (in key order), each in seq order. */
    if ((what & (PLAN_CHAINS | PLAN_DIVERGED)) &&
        (error = headlist_each_head(ledger, p.txn, plan_chain, &p)) < 0) {
        goto done;
    }
    /* Evidence the peer does not hold. */
    if ((what & PLAN_EVIDENCE) && (error = forks_each(ledger, p.txn, plan_evidence, &p)) < 0) {
        goto done;
    }
    if (what & PLAN_REPLIES) {
        error = plan_replies(&p, replies);
    }
done:
    store_cursor_close(p.authors);
    store_txn_end(p.txn);
    if (events_out != NULL) {
        *events_out = p.sent;
    }
    return error;
}
