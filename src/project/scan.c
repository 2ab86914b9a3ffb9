/* SPDX-License-Identifier: ISC */
/*
 * scan.c - a contest's entries in bytime order, read through the store
 * (ledger/store.h) and classified by the fold (src/project/fold.c): the one
 * reader behind state, history and explain.
 *
 * Invariants (tests/unit/test_projection.c):
 *  1. Entries come in bytime order (effective_at, recorded_at, id): the order
 *     of the by-time index, whose key is contest || 0x00 || position.
 *  2. A scan reads events in place from the map: no allocation per event.
 *     Events of one contest are mostly appended in bytime order, so the next
 *     entry is usually the next record of the log: a cursor step instead of
 *     a B-tree descent.
 *  3. Everything a scan sees is of one read transaction: the events, the
 *     trust settings and the retraction index agree.
 */
#include <string.h>

#include "derived/retractions.h"
#include "derived/snapshots.h"
#include "project/scan.h"

static int64_t
scan_time_unkey(uint64_t v)
{
    return (int64_t)(v ^ (UINT64_C(1) << 63));
}

void
scan_close(scan *s)
{
    if (s->trust != NULL) {
        trust_view_free(s->trust);
    }
    fold_retractions_free(&s->rs);
    store_txn_end(s->txn);
    memset(s, 0, sizeof(*s));
}

static int
scan_add_retraction(void *ctx, const unsigned char target[AVOW_EVENT_ID_BYTES], int64_t recorded_at,
                    const unsigned char author[AVOW_PUBKEY_BYTES],
                    const unsigned char rid[AVOW_EVENT_ID_BYTES])
{
    return fold_retractions_add(ctx, target, recorded_at, author, rid);
}

/* Whether the contest exists: a contest event or any indexed entry. */
static int
scan_contest_exists(scan *s)
{
    store_val v, k = { s->prefix, s->prefix_len };
    store_cursor *cur = NULL;
    int error =
      store_val_get(&v, s->ledger, s->txn, STORE_DB_CONTESTS, s->prefix, s->prefix_len - 1);
    if (error != AVOW_ENOTFOUND) {
        return error < 0 ? error : 1;
    }
    if ((error = store_cursor_open(&cur, s->ledger, s->txn, STORE_DB_BYTIME)) < 0) {
        return error;
    }
    error = store_cursor_get(cur, &k, &v, STORE_SEEK);
    int found = error == 0 && k.len > s->prefix_len && memcmp(k.ptr, s->prefix, s->prefix_len) == 0;
    store_cursor_close(cur);
    if (error < 0 && error != AVOW_ENOTFOUND) {
        return error;
    }
    return found;
}

int
scan_open(scan *s, avow_ledger *ledger, const char *contest, int64_t at, int64_t known_at,
          int all_authors)
{
    int error;
    const fold_filter none = FOLD_FILTER_NONE;
    memset(s, 0, sizeof(*s));
    fold_retractions_init(&s->rs);
    s->filter = none;
    size_t len = contest == NULL ? 0 : strlen(contest);
    if (ledger == NULL || len == 0 || len > AVOW_MAX_CONTEST) {
        return error_set(AVOW_EINVALID, "a contest id of 1 to %d bytes is needed",
                         AVOW_MAX_CONTEST);
    }
    s->ledger = ledger;
    memcpy(s->prefix, contest, len);
    s->prefix[len] = 0;
    s->prefix_len = len + 1;
    s->at = at;
    s->known_at = known_at;
    s->all_authors = all_authors;
    if ((error = store_txn_read(&s->txn, ledger)) < 0) {
        return error;
    }
    if ((error = scan_contest_exists(s)) <= 0) {
        if (error == 0) {
            error =
              error_set(AVOW_ENOTFOUND, "no contest %s in ledger %s", contest, store_path(ledger));
        }
        return error;
    }
    if (!all_authors && (error = trust_view_load(&s->trust, s->txn, ledger)) < 0) {
        return error;
    }
    return retractions_each(ledger, s->txn, s->prefix, s->prefix_len, scan_add_retraction, &s->rs);
}

/* The bytes of the event at log index `index`, read through evcur
 * (invariant 2: in place, no allocation). */
static int
scan_event(store_cursor *evcur, uint64_t index, uint64_t *last, store_val *raw)
{
    unsigned char key[8];
    store_val k;
    int error = AVOW_ENOTFOUND;
    if (*last != UINT64_MAX && index == *last + 1) {
        error = store_cursor_get(evcur, &k, raw, STORE_NEXT);
        if (error == 0 && (k.len != 8 || be64_get(k.ptr) != index)) {
            error = AVOW_ENOTFOUND;
        }
    }
    if (error == AVOW_ENOTFOUND) {
        be64_put(key, index);
        k.ptr = key;
        k.len = sizeof(key);
        error = store_cursor_get(evcur, &k, raw, STORE_EXACT);
    }
    if (error < 0) {
        *last = UINT64_MAX;
        if (error == AVOW_ENOTFOUND) {
            return error_set(AVOW_EIO, "the by-time index points at a missing event "
                                       "(run avow verify)");
        }
        return error;
    }
    *last = index;
    return 0;
}

static int
scan_trusts(const void *ctx, const unsigned char author[AVOW_PUBKEY_BYTES], uint64_t seq)
{
    return trust_view_counts(ctx, author, seq);
}

/* Read and classify the entry under the by-time key k. @return 0, 1 (past
 * at: stop), 2 (recorded after known_at: skip it), or < 0. */
static int
scan_entry_read(scan *s, scan_entry *e, store_cursor *evcur, uint64_t *last, uint64_t *scanned,
                const store_val *k, const store_val *v)
{
    store_val raw;
    int error;
    const unsigned char *key = k->ptr;
    int64_t t = scan_time_unkey(be64_get(key + s->prefix_len));
    if (t > s->at) {
        return 1;
    }
    if (scan_time_unkey(be64_get(key + s->prefix_len + 8)) > s->known_at) {
        return 2;
    }
    memset(e, 0, sizeof(*e));
    e->key = key;
    e->keylen = k->len;
    e->id = key + s->prefix_len + 16;
    if ((error = store_index_of(&e->index, v)) < 0) {
        return error;
    }
    if (++*scanned % STORE_TRIM_EVERY == 0) {
        store_trim_pages(s->ledger);
    }
    if ((error = scan_event(evcur, e->index, last, &raw)) < 0) {
        return error;
    }
    if (codec_decode_stored(&e->ev, raw.ptr, raw.len) < 0) {
        return error_set(AVOW_EFORMAT, "a stored event does not decode (run avow verify)");
    }
    e->skip = fold_classify(&e->ev, e->id, s->known_at, &s->rs, s->all_authors ? NULL : scan_trusts,
                            s->trust, &e->retracted);
    if (e->skip == FOLD_COUNTS && fold_filtered(&s->filter, &e->ev)) {
        e->skip = FOLD_FILTERED;
    }
    e->opening = t != e->ev.effective_at && store_bytime_opens(&e->ev);
    return 0;
}

int
scan_run(scan *s, const unsigned char *after, size_t afterlen, scan_fn fn, void *ctx)
{
    store_cursor *cur = NULL, *evcur = NULL;
    store_val k, v;
    scan_entry e;
    uint64_t last = UINT64_MAX; /* log index under evcur */
    uint64_t scanned = 0;
    int error;

    if ((error = store_cursor_open(&cur, s->ledger, s->txn, STORE_DB_BYTIME)) < 0) {
        return error;
    }
    if ((error = store_cursor_open(&evcur, s->ledger, s->txn, STORE_DB_EVENTS)) < 0) {
        store_cursor_close(cur);
        return error;
    }
    k.ptr = after != NULL ? after : s->prefix;
    k.len = after != NULL ? afterlen : s->prefix_len;
    error = store_cursor_get(cur, &k, &v, STORE_SEEK);
    if (error == 0 && after != NULL && k.len == afterlen && memcmp(k.ptr, after, afterlen) == 0) {
        error = store_cursor_get(cur, &k, &v, STORE_NEXT);
    }
    for (; error == 0; error = store_cursor_get(cur, &k, &v, STORE_NEXT)) {
        if (k.len != s->prefix_len + SNAPSHOTS_POS_BYTES ||
            memcmp(k.ptr, s->prefix, s->prefix_len) != 0) {
            break;
        }
        int got = scan_entry_read(s, &e, evcur, &last, &scanned, &k, &v);
        if (got == 1) {
            break;
        }
        if (got < 0 || (got == 0 && (got = fn(s, &e, ctx)) != 0)) {
            error = got;
            goto done;
        }
    }
    if (error == AVOW_ENOTFOUND) {
        error = 0; /* past the last key of the index */
    }
done:
    store_cursor_close(evcur);
    store_cursor_close(cur);
    return error;
}

int
scan_state_opts(avow_state_opts *o, const avow_state_opts *in)
{
    const avow_state_opts defaults = AVOW_STATE_OPTS_INIT;
    *o = defaults;
    if (in == NULL) {
        return 0;
    }
    if (in->version == 1) {
        /* A version 1 caller's struct ends after all_authors. */
        o->at = in->at;
        o->known_at = in->known_at;
        o->all_authors = in->all_authors;
        return 0;
    }
    if (in->version != AVOW_STATE_OPTS_VERSION) {
        return error_set(AVOW_EINVALID, "avow_state_opts version %u unknown", in->version);
    }
    if (in->min_confidence > AVOW_CONFIDENCE_HIGH) {
        return error_set(AVOW_EINVALID, "min_confidence %u unknown", in->min_confidence);
    }
    *o = *in;
    return 0;
}

fold_filter
scan_filter(const avow_state_opts *o)
{
    fold_filter f = { o->min_confidence, o->public_at };
    return f;
}
