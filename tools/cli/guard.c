/* SPDX-License-Identifier: ISC */
/*
 * guard.c - the guard rails of an append-only log: refusals before a slip is
 * signed (retracting a retraction or an event already retracted, a stance on
 * a candidate the contest does not have) and warnings where the user is
 * probably wrong (a decision while the rule is not met, a stance by a
 * non-member, a --known-at before every event, untrusted events not counted).
 *
 * Invariants (tests/cli/test_guard.sh):
 *  1. A refusal exits 2 before the key is loaded: nothing is written.
 *  2. A warning is one line "avow: warning: WHAT (HINT)" on stderr and never
 *     changes the exit code or stdout; -q silences it.
 */
#include <inttypes.h>
#include <stdarg.h>
#include <string.h>

#include "cli.h"

void
cli_warn(const cli_ctx *ctx, const char *fmt, ...)
{
    va_list ap;

    if (ctx->quiet) {
        return;
    }
    fputs("avow: warning: ", stderr);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
}

int
cli_guard_retract(avow_ledger *ledger, const unsigned char target[AVOW_EVENT_ID_BYTES],
                  const char *text)
{
    unsigned char rid[AVOW_EVENT_ID_BYTES];
    char hex[AVOW_HEX_ID_LEN + 1];
    avow_buf raw = AVOW_BUF_INIT;
    avow_event ev;
    int r = avow_ledger_get(&raw, NULL, ledger, target);

    if (r == 0 && avow_event_decode(&ev, raw.ptr, raw.len) == 0 && ev.kind == AVOW_KIND_RETRACT) {
        avow_buf_dispose(&raw);
        return cli_fail(CLI_EXIT_USAGE,
                        "event %s is a retraction: a retraction cannot be retracted (record the "
                        "event again instead)",
                        text);
    }
    avow_buf_dispose(&raw);
    if (r < 0) {
        return 0; /* the append names a missing target */
    }
    r = avow_retractions_find(rid, ledger, target);
    if (r == 1) {
        avow_hex(hex, rid, AVOW_EVENT_ID_BYTES);
        return cli_fail(CLI_EXIT_USAGE,
                        "event %s is already retracted (by %.16s; see 'avow show %.16s')", text,
                        hex, hex);
    }
    return 0;
}

/* The state of contest at t with every author counted, or NULL (no warning then). */
static avow_state *
guard_state(avow_ledger *ledger, const char *contest, int64_t t)
{
    avow_state_opts so = AVOW_STATE_OPTS_INIT;
    avow_state *st = NULL;

    so.at = t;
    /* A known_at keeps the snapshot cache unwritten: a refusal leaves the
     * ledger byte-identical. */
    so.known_at = AVOW_TIME_MAX - 1;
    so.all_authors = 1;
    if (avow_state_compute(&st, ledger, contest, &so) < 0) {
        return NULL;
    }
    return st;
}

int
cli_guard_candidate(avow_ledger *ledger, const char *contest, const char *candidate, int force)
{
    avow_state *st = guard_state(ledger, contest, AVOW_TIME_MAX - 1);
    cli_suggest sg;
    size_t n = 0;

    if (st == NULL || force || (n = avow_state_candidate_count(st)) == 0) {
        /* A contest without candidates takes any name (motions, quick notes). */
        avow_state_free(st);
        return 0;
    }
    cli_suggest_init(&sg, candidate, strlen(candidate));
    for (size_t c = 0; c < n; c++) {
        if (strcmp(avow_state_candidate_name(st, c), candidate) == 0) {
            avow_state_free(st);
            return 0;
        }
        cli_suggest_offer(&sg, avow_state_candidate_name(st, c));
    }
    if (sg.best == NULL && n > 0) {
        sg.best = avow_state_candidate_name(st, 0);
    }
    if (sg.best != NULL) {
        cli_fail(CLI_EXIT_USAGE,
                 "contest %s has no candidate '%s' (did you mean '%s'? add it with 'avow candidate "
                 "add', or give --force)",
                 contest, candidate, sg.best);
    } else {
        cli_fail(CLI_EXIT_USAGE,
                 "contest %s has no candidate '%s' (add it with 'avow candidate add', or give "
                 "--force)",
                 contest, candidate);
    }
    avow_state_free(st);
    return CLI_EXIT_USAGE;
}

void
cli_guard_stance(const cli_ctx *ctx, avow_ledger *ledger, const avow_draft *d)
{
    avow_state *st = guard_state(ledger, d->contest, d->effective_at);
    char when[AVOW_TIME_STRLEN];

    if (st == NULL) {
        return;
    }
    for (size_t i = 0; i < avow_state_member_count(st); i++) {
        if (strcmp(avow_state_member(st, i), d->actor) == 0) {
            avow_state_free(st);
            return;
        }
    }
    avow_time_format(when, d->effective_at, AVOW_PREC_MICRO);
    cli_warn(ctx,
             "%s is not a member of %s at %s: its stance is recorded but not counted (see "
             "'avow member add')",
             d->actor, d->contest, when);
    avow_state_free(st);
}

void
cli_guard_decide(const cli_ctx *ctx, avow_ledger *ledger, const avow_draft *d)
{
    avow_state *st = guard_state(ledger, d->contest, d->effective_at);
    char when[AVOW_TIME_STRLEN];

    if (st == NULL) {
        return;
    }
    avow_time_format(when, d->effective_at, AVOW_PREC_MICRO);
    for (size_t c = 0; c < avow_state_candidate_count(st); c++) {
        if (strcmp(avow_state_candidate_name(st, c), d->candidate) == 0) {
            if (!avow_state_met(st, c)) {
                cli_warn(ctx,
                         "%s does not meet the rule of %s at %s (%zu support, %zu needed): the "
                         "decision is recorded anyway (see 'avow state %s --at ...')",
                         d->candidate, d->contest, when, avow_state_support_count(st, c),
                         avow_state_needed(st), d->contest);
            }
            avow_state_free(st);
            return;
        }
    }
    cli_warn(ctx, "%s is not a candidate of %s at %s: the decision is recorded anyway",
             d->candidate, d->contest, when);
    avow_state_free(st);
}

typedef struct untrusted_count {
    uint64_t events;
    uint64_t authors;
} untrusted_count;

static int
guard_count_one(const avow_trust_entry *e, void *payload)
{
    untrusted_count *u = payload;
    uint64_t counted = e->count_upto < e->head_seq ? e->count_upto : e->head_seq;

    if (e->head_seq > counted) {
        u->events += e->head_seq - counted;
        u->authors++;
    }
    return 0;
}

int
cli_untrusted_count(avow_ledger *ledger, uint64_t *events, uint64_t *authors)
{
    untrusted_count u = { 0, 0 };
    int r = avow_trust_list(ledger, guard_count_one, &u);

    *events = u.events;
    *authors = u.authors;
    return r;
}

void
cli_guard_untrusted(const cli_ctx *ctx, avow_ledger *ledger)
{
    uint64_t events = 0, authors = 0;

    if (cli_untrusted_count(ledger, &events, &authors) < 0 || events == 0) {
        return;
    }
    cli_warn(
      ctx,
      "%" PRIu64 " event%s by %" PRIu64 " untrusted author%s %s not counted (see 'avow trust "
      "list'; count an author with 'avow trust add KEY NAME')",
      events, events == 1 ? "" : "s", authors, authors == 1 ? "" : "s", events == 1 ? "is" : "are");
}

void
cli_guard_known_at(const cli_ctx *ctx, const avow_state *st)
{
    char when[AVOW_TIME_STRLEN];

    if (avow_state_known_at(st) == AVOW_TIME_MAX || avow_state_rule(st) != NULL) {
        return;
    }
    avow_time_format(when, avow_state_known_at(st), AVOW_PREC_MICRO);
    cli_warn(ctx,
             "no definition of %s was recorded by --known-at %s: the answer is empty (every "
             "event of the contest was recorded later; see 'avow log --contest %s')",
             avow_state_contest(st), when, avow_state_contest(st));
}
