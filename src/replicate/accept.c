/* SPDX-License-Identifier: ISC */
/*
 * accept.c - what a receiver accepts besides chain events: fork evidence sent
 * by a peer or carried by a bundle, checked and stored in one transaction
 * (src/derived/forks.c keeps it), and the name of the event a refused batch
 * failed at, for the error a peer or a user sees.
 *
 * Invariants (tests/unit/test_sync.c):
 *  1. Evidence is stored only when it decodes, verifies and conflicts with
 *     this ledger's chain event at its (author, seq); evidence for a seq this
 *     ledger does not hold yet is ignored, not refused.
 *  2. A refused batch is named by the author and seq of the failing event,
 *     read from its header even when the rest does not decode.
 */
#include <inttypes.h>
#include <stdio.h>

#include <sodium.h>

#include "replicate/accept.h"

struct accept_ctx {
    const unsigned char *const *events;
    const size_t *lens;
    size_t n;
    size_t stored;
    headlist *out;
};

static int
accept_txn(store_w *w, void *vctx)
{
    struct accept_ctx *c = vctx;
    const avow_ledger *ledger = store_w_ledger(w);
    unsigned char id[AVOW_EVENT_ID_BYTES], cid[AVOW_EVENT_ID_BYTES];
    avow_event ev;
    store_val raw;
    int error = 0;

    c->stored = 0;
    if (c->out != NULL) {
        c->out->n = 0;
    }
    for (size_t i = 0; i < c->n; i++) {
        if (avow_event_decode(&ev, c->events[i], c->lens[i]) < 0 || avow_event_verify(&ev) < 0) {
            return accept_batch_error(AVOW_EVERIFY, c->events, c->lens, c->n, i);
        }
        avow_event_id(id, &ev);
        error = forks_chain_event(&raw, cid, ledger, store_w_view(w), ev.author, ev.seq);
        if (error == AVOW_ENOTFOUND) {
            continue; /* no conflict here (yet): not evidence for this ledger */
        }
        if (error < 0) {
            return error;
        }
        if (sodium_memcmp(id, cid, AVOW_EVENT_ID_BYTES) == 0) {
            continue;
        }
        if ((error = forks_keep(w, &ev, id)) < 0) {
            return error;
        }
        if (error == 1) {
            c->stored++;
            if (c->out != NULL && (error = headlist_push(c->out, ev.author, ev.seq, id)) < 0) {
                return error;
            }
        }
    }
    return 0;
}

int
accept_evidence(avow_ledger *ledger, const unsigned char *const *events, const size_t *lens,
                size_t n, size_t *new_forks, headlist *stored)
{
    struct accept_ctx c = { events, lens, n, 0, stored };
    int error = n == 0 ? 0 : store_write(ledger, accept_txn, &c);
    if (new_forks != NULL) {
        *new_forks = error < 0 ? 0 : c.stored;
    }
    return error;
}

int
accept_batch_error(int code, const unsigned char *const *events, const size_t *lens, size_t n,
                   size_t failed_at)
{
    char detail[400], who[2 * 8 + 1], head[48];
    avow_event ev;
    (void)snprintf(detail, sizeof(detail), "%s", avow_error_last());
    /* The append may already have said which event (append.c): say it once. */
    const char *rest = detail;
    int hn = snprintf(head, sizeof(head), "event %zu of the batch", failed_at);
    if (hn > 0 && strncmp(detail, head, (size_t)hn) == 0 && strncmp(detail + hn, ": ", 2) == 0) {
        rest = detail + hn + 2;
    }
    if (failed_at < n && events[failed_at] != NULL && lens[failed_at] >= AVOW_EVENT_MIN_BYTES) {
        /* The header is readable even when the rest does not decode. */
        const unsigned char *p = events[failed_at];
        avow_hex(who, p + 2, 8);
        uint64_t seq = be64_get(p + 34);
        if (avow_event_decode(&ev, p, lens[failed_at]) == 0) {
            seq = ev.seq;
        }
        return error_set(code, "author %s... seq %" PRIu64 ": %s", who, seq, rest);
    }
    return error_set(code, "%s: %s", head, rest);
}
