/* SPDX-License-Identifier: ISC */
/*
 * cmd_state.c - `avow state`, `avow history` and `avow explain`: the
 * point-in-time projections of docs/PROJECTIONS.md.
 *
 * Invariants:
 *  1. These commands never append: `state` opens the ledger writable only so
 *     that the library may store projection snapshots (a derived cache), and
 *     falls back to read-only; history and explain open it read-only.
 *  2. --json output is the library's rendering (avow_state_to_json,
 *     avow_explain_to_json), bytes and key order kept; explain adds the
 *     deciding event's "inclusion" as a last key, set with jansson on the
 *     parsed object; history prints JSON Lines.
 *  3. Query times (--at, --known-at) given as a bare date mean the END of that
 *     period (AVOW_TIME_END), so "state on 2024-04-03" includes that day.
 *  4. Text from events reaches the terminal only through cli_put_str().
 */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

#define SHORT_HEX 8

static void
put(FILE *out, const char *s)
{
    avow_str v = { s, s == NULL ? 0 : strlen(s) };
    cli_put_str(out, v);
}

static int
parse_query_time(int64_t *t, const char *text, const char *option, const char *command)
{
    if (avow_time_parse(t, NULL, text, AVOW_TIME_END) < 0) {
        return cli_usage_fail(command, "bad %s time '%s': %s", option, text, avow_error_last());
    }
    return 0;
}

#define ALL_AUTHORS_HELP "count every author, trusted or not"
#define FILTER_OPTS                                                                                \
    { "min-confidence",                                                                            \
      'm',                                                                                         \
      0,                                                                                           \
      "LEVEL",                                                                                     \
      "leave out rows rated below LEVEL (high | medium | low;\n"                                   \
      "rows with no rating count as high)",                                                        \
      "every row" },                                                                               \
    {                                                                                              \
        "public-at", 'p', 0, "TIME",                                                               \
          "the public record as it stood then: leave out rows\n"                                   \
          "reported (or, without --reported-at, dated) after TIME",                                \
          "not applied"                                                                            \
    }

static const cli_opt state_opts[] = {
    { "at", 'a', 0, "TIME", "valid time: what had been declared by then", "now" },
    { "known-at", 'k', 0, "TIME", "record time: only what the ledger knew by then\n",
      "everything it holds" },
    { "all-authors", 'A', 0, NULL, ALL_AUTHORS_HELP, "trusted only" },
    FILTER_OPTS,
    { "attest", 't', 0, NULL,
      "print instead a note signed with -k over the contest, the\n"
      "times, the state digest and the ledger's size and root;\n"
      "check it with 'avow verify --attestation FILE'",
      NULL },
    { NULL, 0, 0, NULL, NULL, NULL },
};
static const cli_opt history_opts[] = {
    { "actor", 'a', 0, "A", "only events about actor A", "all" },
    { "candidate", 'c', 0, "C", "only events about candidate C", "all" },
    { "all-authors", 'A', 0, NULL, "every author, trusted or not", "trusted only" },
    FILTER_OPTS,
    { NULL, 0, 0, NULL, NULL, NULL },
};
static const cli_opt explain_opts[] = {
    { "at", 'a', 0, "TIME", "valid time", "now" },
    { "known-at", 'k', 0, "TIME", "record time", "everything the ledger holds" },
    { "all-authors", 'A', 0, NULL, ALL_AUTHORS_HELP, "trusted only" },
    FILTER_OPTS,
    { "evidence", 'e', 0, "FILE",
      "also write a self-contained evidence file: these events,\n"
      "their inclusion proofs and a checkpoint signed with -k;\n"
      "check it offline with 'avow evidence verify FILE'",
      NULL },
    { NULL, 0, 0, NULL, NULL, NULL },
};
static const cli_spec state_spec = { "state", NULL, 17, 0, state_opts };
static const cli_spec history_spec = { "history", NULL, 17, 0, history_opts };
static const cli_spec explain_spec = { "explain", NULL, 17, 0, explain_opts };
const cli_spec *const cli_state_specs[] = { &state_spec, NULL };
const cli_spec *const cli_history_specs[] = { &history_spec, NULL };
const cli_spec *const cli_explain_specs[] = { &explain_spec, NULL };

/* --min-confidence and --public-at (shared by state, explain and history). */
static int
parse_filter(int c, uint8_t *min_confidence, int64_t *public_at, const char *command)
{
    if (c == 'm') {
        if ((*min_confidence = avow_confidence_parse(optarg)) == AVOW_CONFIDENCE_NONE) {
            return cli_usage_fail(command, "unknown confidence '%s' (high, medium or low)", optarg);
        }
        return 0;
    }
    return parse_query_time(public_at, optarg, "--public-at", command);
}

/* What state --attest and explain --evidence ask for. */
typedef struct query_extra {
    int attest;
    const char *evidence;
} query_extra;

/* The options of state or explain (spec). Returns 0 (*helped: --help printed) or an exit code. */
static int
parse_query(avow_state_opts *opts, query_extra *extra, int argc, char **argv, const cli_spec *spec,
            void (*help)(FILE *), int *helped)
{
    const char *command = spec->command;
    cli_getopt_state gs;
    int c, status;
    *helped = 0;
    memset(extra, 0, sizeof(*extra));
    cli_getopt_init(&gs, spec);
    while ((c = cli_getopt(&gs, argc, argv)) != -1) {
        switch (c) {
        case 'a':
            if ((status = parse_query_time(&opts->at, optarg, "--at", command)) != 0) {
                return status;
            }
            opts->given |= AVOW_GIVEN_AT; /* --at 9999 is the end of 9999, not now */
            break;
        case 'k':
            if ((status = parse_query_time(&opts->known_at, optarg, "--known-at", command)) != 0) {
                return status;
            }
            opts->given |= AVOW_GIVEN_KNOWN_AT;
            break;
        case 'A':
            opts->all_authors = 1;
            break;
        case 'm':
        case 'p':
            if ((status = parse_filter(c, &opts->min_confidence, &opts->public_at, command)) != 0) {
                return status;
            }
            break;
        case 't':
            extra->attest = 1;
            break;
        case 'e':
            extra->evidence = optarg;
            break;
        case CLI_OPT_HELP:
            help(stdout);
            *helped = 1;
            return 0;
        default:
            return CLI_EXIT_USAGE;
        }
    }
    return 0;
}

/* Open writable when possible (snapshots), else read-only. */
static int
open_for_query(avow_ledger **out, const cli_ctx *ctx, int writable)
{
    if (writable && avow_ledger_open(out, ctx->ledger, 0) == 0) {
        return 0;
    }
    return cli_open_ledger(out, ctx, AVOW_OPEN_READONLY);
}

/* ---- state -------------------------------------------------------------- */

void
cmd_state_help(FILE *out)
{
    fprintf(out,
            "usage: avow state CONTEST [--at TIME] [--known-at TIME] [--all-authors] [--json]\n"
            "                  [--attest]\n"
            "\n"
            "The state of a contest at a point in time: members, candidates, who\n"
            "supports, opposes or is undecided, what the rule needs, the decision.\n"
            "A bare date means the END of that day. See docs/PROJECTIONS.md.\n"
            "\n"
            "options:\n");
    cli_help_options(out, &state_spec);
    fprintf(out, "\n"
                 "With --json: one object with contest, at, known_at, rule, members,\n"
                 "candidates (name, status, supports, opposes, undecided, disputed, outside,\n"
                 "support_count, needed, met), decision and digest.\n"
                 "\n");
    cli_help_globals(out);
}

/* One actor of a list: "Name (CODE)" when the contest names it, else CODE. */
static void
put_actor(FILE *out, const avow_state *st, const char *actor)
{
    const char *name = avow_state_actor_name(st, actor);
    if (name != NULL) {
        put(out, name);
        fputs(" (", out);
        put(out, actor);
        fputc(')', out);
    } else {
        put(out, actor);
    }
}

static void
put_list(FILE *out, const avow_state *st, size_t c, avow_state_list list, const char *label)
{
    size_t n = avow_state_list_count(st, c, list);
    int named = 0;
    if (n == 0) {
        return;
    }
    for (size_t i = 0; i < n && !named; i++) {
        named = avow_state_actor_name(st, avow_state_list_actor(st, c, list, i)) != NULL;
    }
    fprintf(out, "    %s:", label);
    for (size_t i = 0; i < n; i++) {
        /* Names hold spaces: a list with names is separated by commas. */
        fputs(named && i > 0 ? ", " : " ", out);
        put_actor(out, st, avow_state_list_actor(st, c, list, i));
        if (list == AVOW_LIST_OUTSIDE) {
            uint8_t s = avow_state_outside_stance(st, c, i);
            fprintf(out, " (%s)", s == AVOW_STANCE_NONE ? "disputed" : avow_stance_name(s));
        }
    }
    fputc('\n', out);
}

static void
state_human(FILE *out, const avow_state *st)
{
    char when[AVOW_TIME_STRLEN];
    const char *rule = avow_state_rule(st);
    const char *dec = NULL;
    int64_t dec_at = 0;
    unsigned char id[AVOW_EVENT_ID_BYTES];
    char hex[AVOW_HEX_ID_LEN + 1];
    int width = 0;

    put(out, avow_state_contest(st));
    if (avow_state_title(st) != NULL) {
        fputs(" \"", out);
        put(out, avow_state_title(st));
        fputc('"', out);
    }
    avow_time_format(when, avow_state_at(st), AVOW_PREC_MICRO);
    fprintf(out, " at %s", when);
    if (avow_state_known_at(st) != AVOW_TIME_MAX) {
        avow_time_format(when, avow_state_known_at(st), AVOW_PREC_MICRO);
        fprintf(out, " as known at %s", when);
    }
    fprintf(out, ": %zu members, rule ", avow_state_member_count(st));
    put(out, rule != NULL ? rule : "(none)");
    fputc('\n', out);
    for (size_t c = 0; c < avow_state_candidate_count(st); c++) {
        int w = (int)strlen(avow_state_candidate_name(st, c));
        width = w > width ? w : width;
    }
    for (size_t c = 0; c < avow_state_candidate_count(st); c++) {
        const char *name = avow_state_candidate_name(st, c);
        put(out, name);
        fprintf(out, "%*s  %-9s  %zu/%zu support, needs %zu (", width - (int)strlen(name), "",
                avow_state_candidate_status(st, c), avow_state_support_count(st, c),
                avow_state_member_count(st), avow_state_needed(st));
        put(out, rule != NULL ? rule : "no rule");
        fprintf(out, "): %s\n", avow_state_met(st, c) ? "met" : "not met");
        put_list(out, st, c, AVOW_LIST_SUPPORTS, "supports");
        put_list(out, st, c, AVOW_LIST_OPPOSES, "opposes");
        put_list(out, st, c, AVOW_LIST_UNDECIDED, "undecided");
        put_list(out, st, c, AVOW_LIST_ABSTAINS, "abstains");
        put_list(out, st, c, AVOW_LIST_POSSIBLE, "possible (not counted yet)");
        put_list(out, st, c, AVOW_LIST_LAPSED, "lapsed (withdrawn: not counted)");
        put_list(out, st, c, AVOW_LIST_NO_STANCE, "no stance");
        put_list(out, st, c, AVOW_LIST_DISPUTED, "disputed");
        put_list(out, st, c, AVOW_LIST_OUTSIDE, "outside");
    }
    if (avow_state_decision(&dec, &dec_at, id, st)) {
        avow_time_format(when, dec_at, AVOW_PREC_MICRO);
        avow_hex(hex, id, SHORT_HEX / 2);
        fputs("decision: ", out);
        put(out, dec);
        fprintf(out, " (%s, event %s)", when, hex);
        int64_t te = 0;
        if (avow_state_takes_effect(st, &te)) {
            avow_time_format(when, te, AVOW_PREC_MICRO);
            fprintf(out, ", takes effect %s: %s", when,
                    avow_state_in_effect(st) ? "in effect" : "not yet in effect");
        }
        fputc('\n', out);
    } else {
        fputs("decision: none\n", out);
    }
    fprintf(out, "digest: %s\n", avow_state_digest(st));
}

int
cmd_state(cli_ctx *ctx, int argc, char **argv)
{
    avow_state_opts opts = AVOW_STATE_OPTS_INIT;
    query_extra extra;
    avow_ledger *ledger = NULL;
    avow_state *st = NULL;
    avow_key *key = NULL;
    avow_buf buf = AVOW_BUF_INIT;
    int status, helped, r;

    if ((status = parse_query(&opts, &extra, argc, argv, &state_spec, cmd_state_help, &helped)) !=
          0 ||
        helped) {
        goto done;
    }
    if (argc - optind != 1) {
        status = cli_usage_fail("state", "expected one CONTEST");
        goto done;
    }
    if (extra.attest &&
        (opts.min_confidence != AVOW_CONFIDENCE_NONE || opts.public_at != AVOW_TIME_MAX)) {
        /* An attestation names the contest and its times, not a filter: it would sign a
         * digest that 'verify --attestation' cannot recompute. */
        status = cli_usage_fail("state", "--attest signs the whole record: not with "
                                         "--min-confidence or --public-at");
        goto done;
    }
    if ((status = open_for_query(&ledger, ctx, 1)) != 0) {
        goto done;
    }
    if ((r = avow_state_compute(&st, ledger, argv[optind], &opts)) < 0) {
        status = cli_fail_lib(r, r == AVOW_ENOTFOUND ? "see 'avow log'" : NULL,
                              "cannot compute the state of '%s'", argv[optind]);
        goto done;
    }
    if (extra.attest) {
        /* A signed note over (contest, at, known_at, digest, size, root). */
        if ((status = cli_load_key(&key, ctx)) != 0) {
            goto done;
        }
        r = avow_attest_create(&buf, ledger, key, argv[optind], avow_state_at(st),
                               avow_state_known_at(st), avow_state_digest(st));
        if (r < 0) {
            status = cli_fail_lib(r, NULL, "cannot attest the state of '%s'", argv[optind]);
            goto done;
        }
        fwrite(buf.ptr, 1, buf.len, stdout);
    } else if (ctx->json) {
        if ((r = avow_state_to_json(&buf, st)) < 0) {
            status = cli_fail_lib(r, NULL, "cannot render the state");
            goto done;
        }
        fwrite(buf.ptr, 1, buf.len, stdout);
        fputc('\n', stdout);
    } else {
        state_human(stdout, st);
    }
    cli_guard_known_at(ctx, st);
    if (!opts.all_authors) {
        cli_guard_untrusted(ctx, ledger);
    }
done:
    avow_buf_dispose(&buf);
    avow_key_free(key);
    avow_state_free(st);
    avow_ledger_free(ledger);
    return status;
}

/* ---- history ------------------------------------------------------------ */

void
cmd_history_help(FILE *out)
{
    fprintf(out,
            "usage: avow history CONTEST [--actor A] [--candidate C] [--all-authors] [--json]\n"
            "\n"
            "Every change of a contest (membership, candidacy, stances, decisions) in\n"
            "effective-time order, one per line:\n"
            "  DATE  WHAT  (by AUTHOR, SOURCE)\n"
            "A retracted event is marked \"(retracted: REASON)\". With --json, JSON Lines.\n"
            "\n"
            "options:\n");
    cli_help_options(out, &history_spec);
    fprintf(out, "\n");
    cli_help_globals(out);
}

struct history_out {
    int json;
    int failed;
    const avow_trust *trust; /* names authors by their keyring name */
};

static void
change_what(FILE *out, const avow_event *ev)
{
    switch (ev->kind) {
    case AVOW_KIND_CONTEST:
        fputs("contest \"", out);
        cli_put_str(out, ev->title);
        fputs("\" rule ", out);
        cli_put_str(out, ev->rule);
        break;
    case AVOW_KIND_MEMBER_JOIN:
        cli_put_str(out, ev->actor);
        fputs(" joins", out);
        break;
    case AVOW_KIND_MEMBER_LEAVE:
        cli_put_str(out, ev->actor);
        fputs(" leaves", out);
        break;
    case AVOW_KIND_CANDIDATE_ENTER:
        cli_put_str(out, ev->candidate);
        fputs(" enters", out);
        break;
    case AVOW_KIND_CANDIDATE_WITHDRAW:
        cli_put_str(out, ev->candidate);
        fputs(" withdraws", out);
        break;
    case AVOW_KIND_STANCE:
        cli_put_str(out, ev->actor);
        fprintf(out, " %s ", avow_stance_name(ev->stance));
        cli_put_str(out, ev->candidate);
        break;
    case AVOW_KIND_DECISION:
        fputs("decision: ", out);
        cli_put_str(out, ev->candidate);
        if (ev->takes_effect_precision != 0) {
            char when[AVOW_TIME_STRLEN];
            avow_time_format(when, ev->takes_effect, (avow_precision)ev->takes_effect_precision);
            fprintf(out, ", takes effect %s", when);
        }
        break;
    case AVOW_KIND_CANDIDATE_SIGNAL:
        cli_put_str(out, ev->candidate);
        fputs(" signals a candidacy", out);
        break;
    case AVOW_KIND_CONTEST_AMEND:
        fputs("contest amended:", out);
        if (ev->title.ptr != NULL) {
            fputs(" title \"", out);
            cli_put_str(out, ev->title);
            fputc('"', out);
        }
        if (ev->rule.ptr != NULL) {
            fputs(" rule ", out);
            cli_put_str(out, ev->rule);
        }
        if (ev->choice != AVOW_CHOICE_NONE) {
            fprintf(out, " choice %s", avow_choice_name(ev->choice));
        }
        break;
    case AVOW_KIND_ACTOR_NAME:
        cli_put_str(out, ev->actor);
        fputs(" is named \"", out);
        cli_put_str(out, ev->title);
        fputc('"', out);
        break;
    default:
        fprintf(out, "event of kind %u", (unsigned int)ev->kind);
        break;
    }
}

/* One change as log --json renders its event (docs/FORMAT.md "JSON rendering
 * of an event"), plus "retracted": null or the retraction's id, reason and
 * recorded_at. */
static int
history_json(const avow_change *ch)
{
    avow_event_json_opts jo = AVOW_EVENT_JSON_OPTS_INIT;
    avow_buf buf = AVOW_BUF_INIT;
    char hex[AVOW_HEX_ID_LEN + 1], when[AVOW_TIME_STRLEN];
    json_t *o = NULL, *r = NULL;
    int status, err;

    if ((err = avow_event_json(&buf, ch->event, ch->index, &jo)) < 0) {
        avow_buf_dispose(&buf);
        return cli_fail_lib(err, NULL, "cannot render an event");
    }
    o = cli_json_object(buf.ptr, buf.len, "an event");
    avow_buf_dispose(&buf);
    if (o == NULL) {
        return CLI_EXIT_ENV;
    }
    if (ch->retraction != NULL) {
        avow_hex(hex, ch->retraction_id, AVOW_EVENT_ID_BYTES);
        avow_time_format(when, ch->retraction->recorded_at, AVOW_PREC_MICRO);
        r = json_pack("{s:s, s:s%, s:s}", "id", hex, "reason",
                      ch->retraction->reason.ptr != NULL ? ch->retraction->reason.ptr : "",
                      ch->retraction->reason.len, "recorded_at", when);
    } else {
        r = json_null();
    }
    if ((status = cli_json_set(o, "retracted", r)) != 0) {
        json_decref(o);
        return status;
    }
    return cli_print_json(o);
}

static int
history_line(const avow_change *ch, void *payload)
{
    struct history_out *h = payload;
    const avow_event *ev = ch->event;
    char hex[AVOW_HEX_ID_LEN + 1];

    if (h->json) {
        int status = history_json(ch);
        if (status != 0) {
            h->failed = status;
            return -1; /* stops avow_history() */
        }
        return 0;
    }
    char row[AVOW_AT_STRLEN];
    cli_format_row_time(row, ev);
    fprintf(stdout, "%s  ", row);
    change_what(stdout, ev);
    cli_put_research(stdout, ev);
    const char *name = h->trust != NULL ? avow_trust_name(h->trust, ev->author) : NULL;
    if (name != NULL) {
        fputs("  (by ", stdout);
        put(stdout, name);
    } else {
        avow_hex(hex, ev->author, SHORT_HEX / 2);
        fprintf(stdout, "  (by %s", hex);
    }
    if (ev->source.ptr != NULL) {
        fputs(", ", stdout);
        cli_put_str(stdout, ev->source);
    }
    fputc(')', stdout);
    if (ch->retraction != NULL) {
        fputs(" (retracted: ", stdout);
        cli_put_str(stdout, ch->retraction->reason);
        fputc(')', stdout);
    }
    fputc('\n', stdout);
    return 0;
}

int
cmd_history(cli_ctx *ctx, int argc, char **argv)
{
    cli_getopt_state gs;
    avow_history_opts opts = AVOW_HISTORY_OPTS_INIT;
    struct history_out h = { ctx->json, 0, NULL };
    avow_trust *trust = NULL;
    avow_ledger *ledger = NULL;
    int status = CLI_EXIT_OK, c, r;

    cli_getopt_init(&gs, &history_spec);
    while ((c = cli_getopt(&gs, argc, argv)) != -1) {
        switch (c) {
        case 'a':
            opts.actor = optarg;
            break;
        case 'c':
            opts.candidate = optarg;
            break;
        case 'A':
            opts.all_authors = 1;
            break;
        case 'm':
        case 'p':
            if ((status = parse_filter(c, &opts.min_confidence, &opts.public_at, "history")) != 0) {
                goto done;
            }
            break;
        case CLI_OPT_HELP:
            cmd_history_help(stdout);
            goto done;
        default:
            status = CLI_EXIT_USAGE;
            goto done;
        }
    }
    if (argc - optind != 1) {
        status = cli_usage_fail("history", "expected one CONTEST");
        goto done;
    }
    if ((status = open_for_query(&ledger, ctx, 0)) != 0) {
        goto done;
    }
    if ((r = avow_trust_open(&trust, ledger)) < 0) {
        status = cli_fail_lib(r, NULL, "cannot read the keyring of '%s'", ctx->ledger);
        goto done;
    }
    h.trust = trust;
    r = avow_history(ledger, argv[optind], &opts, history_line, &h);
    if (h.failed) {
        status = h.failed;
    } else if (r < 0) {
        status = cli_fail_lib(r, r == AVOW_ENOTFOUND ? "see 'avow log'" : NULL,
                              "cannot read the history of '%s'", argv[optind]);
    }
done:
    avow_trust_free(trust);
    avow_ledger_free(ledger);
    return status;
}

/* ---- explain ------------------------------------------------------------ */

void
cmd_explain_help(FILE *out)
{
    fprintf(out, "usage: avow explain CONTEST ACTOR CANDIDATE [--at TIME] [--known-at TIME]\n"
                 "                    [--all-authors] [--json] [--evidence FILE]\n"
                 "\n"
                 "Why the ledger says what ACTOR's stance on CANDIDATE is: the deciding\n"
                 "event (id, author, recorded_at, effective_at, source, person, quote,\n"
                 "signature status), the earlier events it overrides, the retractions that\n"
                 "were applied, and the sides of a dispute. A bare date means the END of\n"
                 "that day.\n"
                 "\n"
                 "options:\n");
    cli_help_options(out, &explain_spec);
    fprintf(out, "\n");
    cli_help_globals(out);
}

static void
explain_event(FILE *out, const avow_explain_item *it, const char *indent, int full)
{
    avow_event ev;
    char hex[2 * AVOW_SIG_BYTES + 1], when[AVOW_TIME_STRLEN];
    if (avow_event_decode(&ev, it->raw, it->raw_len) < 0) {
        fprintf(out, "%s(an event that does not decode: run avow verify)\n", indent);
        return;
    }
    uint8_t prec = ev.precision != 0 ? ev.precision : AVOW_PREC_MICRO;
    int sig_ok = avow_event_verify(&ev) == 0;
    avow_time_format(when, ev.effective_at, (avow_precision)prec);
    if (!full) {
        char row[AVOW_AT_STRLEN];
        cli_format_row_time(row, &ev);
        avow_hex(hex, it->id, SHORT_HEX / 2);
        fprintf(out, "%s%s %s ", indent, hex, row);
        if (ev.kind == AVOW_KIND_RETRACT) {
            fputs("retraction: ", out);
            cli_put_str(out, ev.reason);
        } else {
            change_what(out, &ev);
            cli_put_research(out, &ev);
        }
        avow_hex(hex, ev.author, SHORT_HEX / 2);
        fprintf(out, "  (by %s%s)\n", hex, sig_ok ? "" : ", SIGNATURE INVALID");
        return;
    }
    avow_hex(hex, it->id, AVOW_EVENT_ID_BYTES);
    fprintf(out, "%s%-13s %s\n", indent, "id", hex);
    avow_hex(hex, ev.author, AVOW_PUBKEY_BYTES);
    fprintf(out, "%s%-13s %s (seq %" PRIu64 ")\n", indent, "author", hex, ev.seq);
    fprintf(out, "%s%-13s %s", indent, "effective_at", when);
    if (ev.version >= 2) {
        fputs(" (", out);
        cli_put_when(out, &ev);
        fputc(')', out);
    }
    fputc('\n', out);
    avow_time_format(when, ev.recorded_at, AVOW_PREC_MICRO);
    fprintf(out, "%s%-13s %s\n", indent, "recorded_at", when);
    if (ev.reported_precision != 0) {
        avow_time_format(when, ev.reported_at, (avow_precision)ev.reported_precision);
        fprintf(out, "%s%-13s %s\n", indent, "reported_at", when);
    }
    if (ev.confidence != AVOW_CONFIDENCE_NONE) {
        fprintf(out, "%s%-13s %s\n", indent, "confidence", avow_confidence_name(ev.confidence));
    }
    fprintf(out, "%s%-13s %s\n", indent, "stance", avow_stance_name(ev.stance));
    const struct {
        const char *name;
        avow_str v;
    } f[] = {
        { "source", ev.source }, { "person", ev.person }, { "quote", ev.quote }, { "note", ev.note }
    };
    for (size_t i = 0; i < sizeof(f) / sizeof(f[0]); i++) {
        if (f[i].v.ptr != NULL) {
            fprintf(out, "%s%-13s ", indent, f[i].name);
            cli_put_str(out, f[i].v);
            fputc('\n', out);
        }
    }
    fprintf(out, "%s%-13s %s\n", indent, "signature", sig_ok ? "valid" : "INVALID");
}

static void
explain_human(FILE *out, const avow_explain *ex, const char *actor, const char *candidate)
{
    size_t n;
    put(out, actor);
    if (avow_explain_disputed(ex)) {
        fputs(" is disputed on ", out);
    } else if (avow_explain_stance(ex) != AVOW_STANCE_NONE) {
        fprintf(out, " %s ", avow_stance_name(avow_explain_stance(ex)));
    } else {
        fputs(" has no stance on ", out);
    }
    put(out, candidate);
    fprintf(out, " (%s)", avow_explain_is_member(ex) ? "member" : "not a member: outside");
    const avow_explain_item *dec = avow_explain_item_at(ex, AVOW_EXPLAIN_DECIDING, 0);
    avow_event dev;
    if (dec != NULL && avow_explain_stance(ex) != AVOW_STANCE_NONE &&
        avow_event_decode(&dev, dec->raw, dec->raw_len) == 0 && dev.version >= 2) {
        /* Say how well the date is known: a latest-by count is no endorsement date. */
        fputs(", ", out);
        cli_put_when(out, &dev);
        cli_put_research(out, &dev);
    }
    fputc('\n', out);
    if (avow_explain_count(ex, AVOW_EXPLAIN_DECIDING) > 0) {
        fputs("deciding event:\n", out);
        explain_event(out, avow_explain_item_at(ex, AVOW_EXPLAIN_DECIDING, 0), "  ", 1);
    }
    if ((n = avow_explain_count(ex, AVOW_EXPLAIN_OVERRIDDEN)) > 0) {
        fputs("overrides:\n", out);
        for (size_t i = 0; i < n; i++) {
            explain_event(out, avow_explain_item_at(ex, AVOW_EXPLAIN_OVERRIDDEN, i), "  ", 0);
        }
    }
    if ((n = avow_explain_count(ex, AVOW_EXPLAIN_RETRACTED)) > 0) {
        fputs("retracted:\n", out);
        for (size_t i = 0; i < n; i++) {
            explain_event(out, avow_explain_item_at(ex, AVOW_EXPLAIN_RETRACTED, i), "  ", 0);
            explain_event(out, avow_explain_item_at(ex, AVOW_EXPLAIN_RETRACTION, i), "    by ", 0);
        }
    }
    if ((n = avow_explain_count(ex, AVOW_EXPLAIN_POSSIBLE)) > 0) {
        fputs("possible (dated by an interval that holds the time asked: not counted yet):\n", out);
        for (size_t i = 0; i < n; i++) {
            explain_event(out, avow_explain_item_at(ex, AVOW_EXPLAIN_POSSIBLE, i), "  ", 0);
        }
    }
    if ((n = avow_explain_count(ex, AVOW_EXPLAIN_DISPUTE)) > 0) {
        fputs("dispute between:\n", out);
        for (size_t i = 0; i < n; i++) {
            explain_event(out, avow_explain_item_at(ex, AVOW_EXPLAIN_DISPUTE, i), "  ", 0);
        }
    }
}

/*
 * The inclusion proof of the deciding event against the latest checkpoint
 * this ledger signed, when there is one that covers it: 1, else 0.
 */
static int
deciding_proof(avow_inclusion *proof, avow_ledger *ledger, const avow_explain *ex)
{
    const avow_explain_item *it = avow_explain_item_at(ex, AVOW_EXPLAIN_DECIDING, 0);
    avow_buf note = AVOW_BUF_INIT;
    avow_checkpoint cp;
    int ok = 0;
    if (it != NULL && avow_checkpoint_latest(&note, &cp, NULL, ledger) == 0 &&
        it->index < cp.size && avow_ledger_prove_inclusion(proof, ledger, it->id, cp.size) == 0 &&
        memcmp(proof->root, cp.root, AVOW_HASH_BYTES) == 0 && avow_inclusion_verify(proof) == 0) {
        ok = 1;
    }
    avow_buf_dispose(&note);
    return ok;
}

static void
inclusion_human(FILE *out, const avow_inclusion *p)
{
    char hex[2 * AVOW_HASH_BYTES + 1];
    avow_hex(hex, p->root, AVOW_HASH_BYTES);
    fprintf(out,
            "inclusion proof: leaf %" PRIu64 " of the signed checkpoint of size %" PRIu64
            " (root %s):\n",
            p->leaf_index, p->tree_size, hex);
    for (size_t i = 0; i < p->count; i++) {
        avow_hex(hex, p->path + i * AVOW_HASH_BYTES, AVOW_HASH_BYTES);
        fprintf(out, "  %s\n", hex);
    }
}

/* {"leaf_index", "tree_size", "root", "path"}, or NULL: out of memory. */
static json_t *
inclusion_json(const avow_inclusion *p)
{
    char hex[2 * AVOW_HASH_BYTES + 1];
    json_t *path = json_array();

    for (size_t i = 0; path != NULL && i < p->count; i++) {
        avow_hex(hex, p->path + i * AVOW_HASH_BYTES, AVOW_HASH_BYTES);
        if (json_array_append_new(path, json_string(hex)) != 0) {
            json_decref(path);
            path = NULL;
        }
    }
    avow_hex(hex, p->root, AVOW_HASH_BYTES);
    return json_pack("{s:I, s:I, s:s, s:o}", "leaf_index", (json_int_t)p->leaf_index, "tree_size",
                     (json_int_t)p->tree_size, "root", hex, "path", path);
}

/* --json: the library's explanation, plus the deciding event's inclusion
 * proof (proof, when not NULL) as its last key. Exit code or 0. */
static int
explain_json(const avow_explain *ex, const avow_inclusion *proof)
{
    avow_buf buf = AVOW_BUF_INIT;
    json_t *doc = NULL;
    int status, r;

    if ((r = avow_explain_to_json(&buf, ex)) < 0) {
        status = cli_fail_lib(r, NULL, "cannot render the explanation");
        goto done;
    }
    if (proof == NULL) {
        fwrite(buf.ptr, 1, buf.len, stdout);
        fputc('\n', stdout);
        status = 0;
        goto done;
    }
    if ((doc = cli_json_object(buf.ptr, buf.len, "the explanation")) == NULL) {
        status = CLI_EXIT_ENV;
        goto done;
    }
    if ((status = cli_json_set(doc, "inclusion", inclusion_json(proof))) != 0) {
        goto done;
    }
    status = cli_print_json(doc);
    doc = NULL;
done:
    json_decref(doc);
    avow_buf_dispose(&buf);
    return status;
}

int
cmd_explain(cli_ctx *ctx, int argc, char **argv)
{
    avow_state_opts opts = AVOW_STATE_OPTS_INIT;
    query_extra extra;
    avow_ledger *ledger = NULL;
    avow_explain *ex = NULL;
    unsigned char *ids = NULL;
    avow_inclusion proof;
    int have_proof = 0;
    int status, helped, r;

    if ((status =
           parse_query(&opts, &extra, argc, argv, &explain_spec, cmd_explain_help, &helped)) != 0 ||
        helped) {
        goto done;
    }
    if (argc - optind != 3) {
        status = cli_usage_fail("explain", "expected CONTEST ACTOR CANDIDATE");
        goto done;
    }
    if ((status = open_for_query(&ledger, ctx, extra.evidence != NULL)) != 0) {
        goto done;
    }
    r = avow_explain_compute(&ex, ledger, argv[optind], argv[optind + 1], argv[optind + 2], &opts);
    if (r < 0) {
        status = cli_fail_lib(r, r == AVOW_ENOTFOUND ? "see 'avow log'" : NULL,
                              "cannot explain '%s'", argv[optind]);
        goto done;
    }
    have_proof = deciding_proof(&proof, ledger, ex);
    if (ctx->json) {
        if ((status = explain_json(ex, have_proof ? &proof : NULL)) != 0) {
            goto done;
        }
    } else {
        explain_human(stdout, ex, argv[optind + 1], argv[optind + 2]);
        if (have_proof) {
            inclusion_human(stdout, &proof);
        }
    }
    if (extra.evidence != NULL) {
        /* Every event the explanation rests on, proven against a fresh checkpoint. */
        size_t n = 0;
        for (int role = 0; role < AVOW_EXPLAIN_ROLE_COUNT; role++) {
            n += avow_explain_count(ex, (avow_explain_role)role);
        }
        if (n == 0) {
            status = cli_fail(CLI_EXIT_USAGE, "no event to put in evidence: the ledger says "
                                              "nothing about this actor and candidate");
            goto done;
        }
        if ((ids = calloc(n, AVOW_EVENT_ID_BYTES)) == NULL) {
            status = cli_fail(CLI_EXIT_ENV, "out of memory");
            goto done;
        }
        size_t k = 0;
        for (int role = 0; role < AVOW_EXPLAIN_ROLE_COUNT; role++) {
            for (size_t i = 0; i < avow_explain_count(ex, (avow_explain_role)role); i++) {
                const avow_explain_item *it = avow_explain_item_at(ex, (avow_explain_role)role, i);
                memcpy(ids + k++ * AVOW_EVENT_ID_BYTES, it->id, AVOW_EVENT_ID_BYTES);
            }
        }
        status = cli_evidence_write(ctx, ledger, ids, n, extra.evidence);
    }
done:
    free(ids);
    avow_explain_free(ex);
    avow_ledger_free(ledger);
    return status;
}
