/* SPDX-License-Identifier: ISC */
/*
 * undo.c - undo of a batch on an append-only log: `retract --seq A..B` and
 * `retract --batch ID` retract, in one signed batch, every event of the key's
 * own chain in a range (what one `import --sign` appended, which it prints),
 * or the run of one append (its drafts are recorded 1 us apart, append.c
 * invariant 8). Nothing is deleted; an import of the corrected file appends
 * again what was retracted (src/io/dedup.c invariant 3).
 *
 * Invariants (tests/cli/test_undo.sh):
 *  1. Only the key's own events are named, retractions and events already
 *     retracted are skipped (and counted), and nothing is written when the
 *     range holds nothing to retract (exit 2).
 *  2. The retractions are appended in one call: all or nothing.
 */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

/* The most events one undo retracts (a run of drafts this size is ~0.5 GB). */
#define UNDO_MAX (UINT64_C(1) << 21)

/* "A..B" or "A": a range of seqs, 1 <= A <= B. */
static int
undo_parse_seq(uint64_t *a, uint64_t *b, const char *text)
{
    char *end = NULL;
    if (text[0] < '0' || text[0] > '9') {
        goto bad;
    }
    *a = strtoull(text, &end, 10);
    if (end[0] == '\0') {
        *b = *a;
    } else if (end[0] == '.' && end[1] == '.' && end[2] >= '0' && end[2] <= '9') {
        *b = strtoull(end + 2, &end, 10);
        if (end[0] != '\0') {
            goto bad;
        }
    } else {
        goto bad;
    }
    if (*a == 0 || *b < *a || *a == UINT64_MAX || *b == UINT64_MAX) {
        goto bad;
    }
    return 0;
bad:
    return cli_usage_fail("retract",
                          "bad --seq '%s' (A..B or A: seqs of your key, from 1; see "
                          "what 'avow import' printed, or 'avow log --author KEY')",
                          text);
}

/* The event at seq of author, decoded into ev (its bytes in raw). */
static int
undo_get(avow_event *ev, avow_buf *raw, avow_ledger *ledger, const unsigned char *author,
         uint64_t seq)
{
    int r = avow_ledger_get_seq(raw, NULL, ledger, author, seq);
    if (r < 0) {
        return r;
    }
    return avow_event_decode(ev, raw->ptr, raw->len);
}

/* The run of one append around the event id: neighbours 1 us apart. */
static int
undo_batch_range(uint64_t *a, uint64_t *b, avow_ledger *ledger, const unsigned char *author,
                 const char *text)
{
    unsigned char id[AVOW_EVENT_ID_BYTES];
    avow_buf raw = AVOW_BUF_INIT;
    avow_event ev;
    uint64_t head = 0;
    int64_t t;
    int status;

    if ((status = cli_check_id_text(text)) != 0 || (status = cli_resolve_event(ledger, id, text))) {
        return status;
    }
    if (avow_ledger_get(&raw, NULL, ledger, id) < 0 ||
        avow_event_decode(&ev, raw.ptr, raw.len) < 0) {
        avow_buf_dispose(&raw);
        return cli_fail(CLI_EXIT_USAGE, "cannot read event %s", text);
    }
    if (memcmp(ev.author, author, AVOW_PUBKEY_BYTES) != 0) {
        avow_buf_dispose(&raw);
        return cli_fail(CLI_EXIT_USAGE,
                        "event %s is not signed by your key: only its author can retract it", text);
    }
    *a = *b = ev.seq;
    t = ev.recorded_at;
    while (*a > 1 && undo_get(&ev, &raw, ledger, author, *a - 1) == 0 && ev.recorded_at == t - 1) {
        (*a)--;
        t--;
    }
    (void)avow_ledger_head(&head, NULL, ledger, author);
    if (undo_get(&ev, &raw, ledger, author, *b) == 0) {
        t = ev.recorded_at;
    }
    while (*b < head && undo_get(&ev, &raw, ledger, author, *b + 1) == 0 &&
           ev.recorded_at == t + 1) {
        (*b)++;
        t++;
    }
    avow_buf_dispose(&raw);
    return 0;
}

/* Drafts retracting what [a, b] holds (invariant 1); *skipped counts the rest. */
static int
undo_drafts(avow_draft **out, unsigned char **targets, size_t *n, uint64_t *skipped,
            avow_ledger *ledger, const unsigned char *author, uint64_t a, uint64_t b,
            const char *reason)
{
    avow_buf raw = AVOW_BUF_INIT;
    avow_event ev;
    int64_t now = avow_time_now();
    int r = 0;

    *n = 0;
    *skipped = 0;
    if ((*out = calloc((size_t)(b - a + 1), sizeof(**out))) == NULL ||
        (*targets = calloc((size_t)(b - a + 1), AVOW_EVENT_ID_BYTES)) == NULL) {
        return cli_fail(CLI_EXIT_ENV, "out of memory");
    }
    for (uint64_t s = a; s <= b; s++) {
        unsigned char *id = *targets + *n * AVOW_EVENT_ID_BYTES;
        if ((r = undo_get(&ev, &raw, ledger, author, s)) < 0) {
            break;
        }
        avow_event_id(id, &ev);
        if (ev.kind == AVOW_KIND_RETRACT || (r = avow_retractions_find(NULL, ledger, id)) != 0) {
            if (r < 0) {
                break;
            }
            (*skipped)++;
            continue;
        }
        avow_draft *d = &(*out)[(*n)++];
        *d = (avow_draft)AVOW_DRAFT_INIT;
        d->kind = AVOW_KIND_RETRACT;
        d->effective_at = now;
        d->precision = AVOW_PREC_MICRO;
        d->reason = reason;
        d->target = id;
    }
    avow_buf_dispose(&raw);
    return r < 0 ? cli_fail_lib(r, NULL, "cannot read seq %" PRIu64 " of your key", a) : 0;
}

int
cli_undo(const cli_ctx *ctx, const char *seq_text, const char *batch_text, const char *reason)
{
    avow_ledger *ledger = NULL;
    avow_key *key = NULL;
    avow_draft *drafts = NULL;
    unsigned char *targets = NULL, *ids = NULL;
    uint64_t a = 0, b = 0, head = 0, skipped = 0;
    size_t n = 0, failed = 0;
    char who[AVOW_HEX_ID_LEN + 1];
    int status, r;

    if ((seq_text == NULL) == (batch_text == NULL)) {
        return cli_usage_fail("retract", "give one of --seq A..B and --batch EVENT_ID");
    }
    if (seq_text != NULL && (status = undo_parse_seq(&a, &b, seq_text)) != 0) {
        return status;
    }
    if ((status = cli_open_ledger(&ledger, ctx, 0)) != 0 || (status = cli_load_key(&key, ctx)) ||
        (status = cli_keyhead_check(ctx, ledger, key)) != 0) {
        goto done;
    }
    const unsigned char *author = avow_key_public(key);
    avow_hex(who, author, 4);
    if (batch_text != NULL && (status = undo_batch_range(&a, &b, ledger, author, batch_text))) {
        goto done;
    }
    if ((r = avow_ledger_head(&head, NULL, ledger, author)) < 0) {
        status = cli_fail_lib(r, NULL, "cannot read the head of your key");
        goto done;
    }
    if (b > head || b - a >= UNDO_MAX) {
        status = b > head
                   ? cli_fail(CLI_EXIT_USAGE,
                              "your key (%s) has %" PRIu64 " events: no seq %" PRIu64
                              " to retract (see 'avow log --author %s')",
                              who, head, b, who)
                   : cli_fail(CLI_EXIT_USAGE, "more than %" PRIu64 " events in one undo", UNDO_MAX);
        goto done;
    }
    if ((status = undo_drafts(&drafts, &targets, &n, &skipped, ledger, author, a, b, reason))) {
        goto done;
    }
    if (n == 0) {
        status = cli_fail(CLI_EXIT_USAGE,
                          "nothing to retract in seq %" PRIu64 "..%" PRIu64 " of %s (%" PRIu64
                          " retractions or events already retracted)",
                          a, b, who, skipped);
        goto done;
    }
    if ((ids = calloc(n, AVOW_EVENT_ID_BYTES)) == NULL) {
        status = cli_fail(CLI_EXIT_ENV, "out of memory");
        goto done;
    }
    if ((r = avow_ledger_append_drafts(&failed, ids, ledger, key, drafts, n)) < 0) {
        status = cli_fail_lib(r, "nothing was written", "cannot retract seq %" PRIu64, a + failed);
        goto done;
    }
    cli_keyhead_update(ctx, ledger, key);
    if (!ctx->quiet) {
        fprintf(stderr,
                "avow: retracted %zu event%s of %s (seq %" PRIu64 "..%" PRIu64 ")%s; the contest "
                "state is as before them (see 'avow log --kind retract')\n",
                n, n == 1 ? "" : "s", who, a, b,
                skipped > 0 ? ", skipping retractions and events already retracted" : "");
    }
done:
    free(ids);
    free(targets);
    free(drafts);
    avow_key_free(key);
    avow_ledger_free(ledger);
    return status;
}
