/* SPDX-License-Identifier: ISC */
/*
 * forks.c - the fork evidence table (ledger/table.h): a signed event that
 * conflicts with the chain event at its (author, seq) is equivocation by its
 * author; the append paths that keep forks (sync, bundles) store it here,
 * outside the chain, keyed author || seq || id, and avow_ledger_verify()
 * checks every entry and reports the forks that no analyst has resolved.
 *
 * Invariants (tests/unit/test_sync.c, tests/unit/test_trust.c):
 *  1. Fork evidence is stored only when it verifies and conflicts with this
 *     ledger's chain event at its (author, seq); it is never part of the chain.
 *  2. New evidence changes what counts in a projection (src/project/trust.c):
 *     the transaction that stores it bumps the ledger's generation
 *     (store_w_bump_generation()), so caches built before it are stale.
 */
#include <inttypes.h>
#include <stdlib.h>

#include <sodium.h>

#include "derived/forks.h"

int
forks_chain_event(store_val *raw, unsigned char *id, const avow_ledger *ledger, store_txn *txn,
                  const unsigned char *author, uint64_t seq)
{
    unsigned char ak[STORE_AUTHOR_KEY_BYTES];
    uint64_t index = 0;
    store_val v;
    int error;
    memcpy(ak, author, AVOW_PUBKEY_BYTES);
    be64_put(ak + AVOW_PUBKEY_BYTES, seq);
    if ((error = store_val_get(&v, ledger, txn, STORE_DB_AUTHORS, ak, sizeof(ak))) < 0 ||
        (error = store_index_of(&index, &v)) < 0 ||
        (error = store_event_at(raw, ledger, txn, index)) < 0) {
        return error;
    }
    if (id != NULL) {
        crypto_hash_sha256(id, raw->ptr, raw->len);
    }
    return 0;
}

int
forks_each(const avow_ledger *ledger, store_txn *txn, forks_each_fn fn, void *ctx)
{
    store_cursor *cur = NULL;
    store_val k, v;
    int error;
    if ((error = store_cursor_open(&cur, ledger, txn, STORE_DB_FORKS)) < 0) {
        return error;
    }
    for (enum store_op op = STORE_FIRST;; op = STORE_NEXT) {
        if ((error = store_cursor_get(cur, &k, &v, op)) < 0) {
            break;
        }
        if ((error = fn(ctx, &k, &v)) < 0) {
            break;
        }
    }
    store_cursor_close(cur);
    return error == AVOW_ENOTFOUND ? 0 : error;
}

int
forks_keep(store_w *w, const avow_event *ev, const unsigned char *id)
{
    unsigned char k[FORKS_KEY_BYTES];
    memcpy(k, ev->author, AVOW_PUBKEY_BYTES);
    be64_put(k + AVOW_PUBKEY_BYTES, ev->seq);
    memcpy(k + AVOW_PUBKEY_BYTES + 8, id, AVOW_EVENT_ID_BYTES);
    int error = store_w_put(w, STORE_DB_FORKS, k, sizeof(k), ev->raw, ev->raw_len, STORE_PUT_NEW);
    if (error == AVOW_EEXISTS) {
        return 0;
    }
    if (error < 0) {
        return error;
    }
    /* A fork changes what counts (src/project/trust.c): caches built at an
     * older generation are stale (invariant 2). */
    if ((error = store_w_bump_generation(w)) < 0) {
        return error;
    }
    return 1;
}

struct forks_verify_state {
    store_txn *txn;
    const avow_ledger *ledger;
    struct verify_state *s;
};

/* Check one entry of the forks table (a forks_each_fn): well formed, signed, and in conflict with
 * the chain (invariant 1); report a fork no analyst has resolved. @return 0 or an error that stops
 * the check. */
static int
forks_verify_entry(void *state, const store_val *k, const store_val *v)
{
    const struct forks_verify_state *vs = state;
    const avow_ledger *ledger = vs->ledger;
    store_txn *txn = vs->txn;
    struct verify_state *s = vs->s;
    unsigned char id[AVOW_EVENT_ID_BYTES], cid[AVOW_EVENT_ID_BYTES];
    unsigned char rk[1 + AVOW_PUBKEY_BYTES + 8];
    char who[AVOW_HEX_ID_LEN + 1];
    const unsigned char *p = k->ptr;
    store_val raw;
    avow_event ev;
    if (k->len != FORKS_KEY_BYTES || avow_event_decode(&ev, v->ptr, v->len) < 0) {
        verify_problem(s, UINT64_MAX, 0, NULL, "fork evidence entry is malformed");
        return 0;
    }
    uint64_t seq = be64_get(p + AVOW_PUBKEY_BYTES);
    avow_event_id(id, &ev);
    avow_hex(who, ev.author, AVOW_PUBKEY_BYTES);
    if (memcmp(ev.author, p, AVOW_PUBKEY_BYTES) != 0 || ev.seq != seq ||
        memcmp(id, p + AVOW_PUBKEY_BYTES + 8, AVOW_EVENT_ID_BYTES) != 0 ||
        avow_event_verify(&ev) < 0) {
        verify_problem(s, UINT64_MAX, seq, id, "fork evidence of author %s does not hold", who);
        return 0;
    }
    int error = forks_chain_event(&raw, cid, ledger, txn, ev.author, seq);
    if (error == AVOW_ENOTFOUND || (error == 0 && memcmp(cid, id, sizeof(id)) == 0)) {
        verify_problem(s, UINT64_MAX, seq, id,
                       "fork evidence of author %s conflicts with no event of its chain", who);
        return 0;
    }
    if (error < 0) {
        return error;
    }
    rk[0] = 'r';
    memcpy(rk + 1, p, AVOW_PUBKEY_BYTES + 8);
    if (store_val_get(&raw, ledger, txn, STORE_DB_TRUST, rk, sizeof(rk)) == 0) {
        return 0; /* resolved by an analyst (avow trust resolve) */
    }
    verify_problem(s, UINT64_MAX, seq, id,
                   "author %s forked its feed at seq %" PRIu64
                   ": this event conflicts with the chain's (resolve with avow trust "
                   "resolve)",
                   who, seq);
    return 0;
}

static int
forks_verify_begin(void **state, store_txn *txn, const avow_ledger *ledger, struct verify_state *s)
{
    struct forks_verify_state *v = malloc(sizeof(*v));
    *state = v;
    if (v == NULL) {
        return error_set(AVOW_ENOMEM, "out of memory verifying");
    }
    v->txn = txn;
    v->ledger = ledger;
    v->s = s;
    return 0;
}

/* Fork evidence is checked after the core tables, when they hold: every
 * entry, malformed ones included. */
static int
forks_verify_end(void *state, int check)
{
    struct forks_verify_state *v = state;
    int error = 0;
    if (v != NULL && check) {
        error = forks_each(v->ledger, v->txn, forks_verify_entry, v);
    }
    free(v);
    return error;
}

const store_table forks_table = {
    "forks", NULL, forks_keep, forks_verify_begin, NULL, forks_verify_end,
};
