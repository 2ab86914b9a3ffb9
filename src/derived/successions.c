/* SPDX-License-Identifier: ISC */
/*
 * successions.c - record the successor key named by a key-succession event
 * (avow_ledger_rotate_key()), in the same write transaction as its append,
 * under 's' || next of the "trust" database (derived/successions.h). The
 * keyring (src/project/trust.c) reads it to let the successor's events count.
 *
 * Invariants (tests/unit/test_trust.c):
 *  1. The first succession naming a key wins: a later one cannot re-parent
 *     it, whatever the order of arrival.
 *  2. A new succession changes what counts without a new counting event, so
 *     it bumps the ledger's generation (store_w_bump_generation()): every
 *     cache derived from projections is stale from that transaction on.
 */
#include <string.h>

#include "derived/successions.h"

static int
successions_on_append(store_w *w, const store_appended *a)
{
    const avow_event *ev = a->ev;
    const unsigned char *next = NULL, *sig = NULL;
    unsigned char k[1 + AVOW_PUBKEY_BYTES], val[AVOW_PUBKEY_BYTES + 8];
    int error;
    if (codec_successor(ev, &next, &sig) != 1) {
        return 0;
    }
    k[0] = TRUST_TAG_SUCCESSOR;
    memcpy(k + 1, next, AVOW_PUBKEY_BYTES);
    memcpy(val, ev->author, AVOW_PUBKEY_BYTES);
    be64_put(val + AVOW_PUBKEY_BYTES, ev->seq);
    error = store_w_put(w, STORE_DB_TRUST, k, sizeof(k), val, sizeof(val), STORE_PUT_NEW);
    if (error == AVOW_EEXISTS) {
        return 0; /* invariant 1 */
    }
    if (error < 0) {
        return error;
    }
    return store_w_bump_generation(w); /* invariant 2 */
}

const store_table successions_table = {
    "successions", successions_on_append, NULL, NULL, NULL, NULL,
};
