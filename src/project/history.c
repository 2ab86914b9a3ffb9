/* SPDX-License-Identifier: ISC */
/*
 * history.c - avow_history(): the statements of a contest in bytime order,
 * with the retraction of each retracted one (docs/PROJECTIONS.md).
 *
 * Invariants (tests/unit/test_projection.c):
 *  1. The changes are the contest's counting and retracted entries in
 *     bytime order (src/project/scan.c), filtered by actor and candidate;
 *     retraction events themselves and untrusted authors' events are not
 *     changes.
 *  2. A change's event and retraction are borrowed from the scan's read
 *     transaction and valid only during the callback.
 */
#include <string.h>

#include "project/scan.h"
struct history_query {
    const char *actor, *candidate;
    avow_change_cb cb;
    void *payload;
};

static int
history_visit(scan *s, const scan_entry *e, void *ctx)
{
    struct history_query *h = ctx;
    avow_change ch;
    avow_event rev;
    store_val raw;
    int error;
    if ((e->skip != FOLD_COUNTS && e->skip != FOLD_RETRACTED) || e->opening ||
        e->ev.kind == AVOW_KIND_ACTOR_NAME) {
        return 0; /* a display name changes no stance (fold.c invariant 6) */
    }
    if ((h->actor != NULL && !scan_str_eq(e->ev.actor, h->actor)) ||
        (h->candidate != NULL && !scan_str_eq(e->ev.candidate, h->candidate))) {
        return 0;
    }
    memset(&ch, 0, sizeof(ch));
    ch.event = &e->ev;
    ch.id = e->id;
    ch.index = e->index;
    if (e->retracted != NULL) {
        error = store_event_by_id(&raw, NULL, s->ledger, s->txn, e->retracted->rid);
        if (error == 0 && avow_event_decode(&rev, raw.ptr, raw.len) == 0) {
            ch.retraction = &rev;
            ch.retraction_id = e->retracted->rid;
        } else if (error < 0 && error != AVOW_ENOTFOUND) {
            return error;
        }
    }
    error = h->cb(&ch, h->payload);
    return error < 0 ? error : 0; /* only a negative return stops (avow.h) */
}

int
avow_history(avow_ledger *ledger, const char *contest, const avow_history_opts *opts,
             avow_change_cb cb, void *payload)
{
    scan s;
    struct history_query h = { NULL, NULL, cb, payload };
    int all = 0, error;
    if (cb == NULL) {
        return error_set(AVOW_EINVALID, "avow_history: missing callback");
    }
    fold_filter f = FOLD_FILTER_NONE;
    if (opts != NULL) {
        if (opts->version != 1 && opts->version != AVOW_HISTORY_OPTS_VERSION) {
            return error_set(AVOW_EINVALID, "avow_history_opts version %u unknown", opts->version);
        }
        h.actor = opts->actor;
        h.candidate = opts->candidate;
        all = opts->all_authors != 0;
        if (opts->version >= 2) { /* a version 1 struct ends after all_authors */
            f.min_confidence = opts->min_confidence;
            f.public_at = opts->public_at;
        }
    }
    if ((error = scan_open(&s, ledger, contest, AVOW_TIME_MAX, AVOW_TIME_MAX, all)) == 0) {
        s.filter = f;
        error = scan_run(&s, NULL, 0, history_visit, &h);
    }
    scan_close(&s);
    return error;
}
