/* SPDX-License-Identifier: ISC */
/*
 * cmd_write.c - the commands that append one signed event (or a batch):
 * contest new, member add|remove, candidate add|withdraw, declare, retract,
 * decide.
 *
 * Invariants:
 *  1. Everything that can be checked without the ledger (options, times,
 *     stance, rule, event id syntax) is checked before the ledger is opened
 *     or the key is loaded; a refused command writes nothing (exit 2).
 *  2. The library checks the rest (field limits, unknown contest, another
 *     author's event) before it writes; `member add A B C` is one batch,
 *     all or nothing.
 *  3. stdout gets the new event ids (64 hex), one per line, and nothing else.
 */
#include <stdlib.h>
#include <string.h>

#include "cli.h"

typedef struct wopts {
    const char *at, *source, *title, *rule, *person, *quote, *reason;
    const char *note, *confidence, *reported_at, *choice, *takes_effect;
    const char *seq, *batch; /* retract: an undo (undo.c) */
    avow_at when;            /* --at, parsed (now when not given) */
    uint8_t conf;
    int64_t reported;
    uint8_t reported_prec;
    int64_t effect;
    uint8_t effect_prec;
    int help;  /* --help was printed: exit 0 */
    int force; /* declare --force: a candidate the contest does not have */
} wopts;

/* Option ids (what cli_getopt returns). */
enum {
    W_AT = 'a',
    W_SOURCE = 's',
    W_TITLE = 't',
    W_RULE = 'r',
    W_PERSON = 'p',
    W_QUOTE = 'Q',
    W_REASON = 'R',
    W_NOTE = 'n',
    W_CONFIDENCE = 'c',
    W_REPORTED = 'P',
    W_CHOICE = 'C',
    W_TAKES_EFFECT = 'T',
    W_FORCE = 'F',
    W_SEQ = 'S',
    W_BATCH = 'B'
};

#define AT_START_HELP                                                                              \
    "when it happened, ISO 8601 (2024-04-03, 2024-04-03T14:05:00Z);\n"                             \
    "a date means its start; uncertain: D~ (about D), ../D (on or\n"                               \
    "before D), A/B (some time between A and B)"
#define SOURCE_HELP "where it is documented"
/* The research fields, on every command that appends a row about a contest
 * (a contest definition takes only the note: docs/FORMAT.md "Event, format v2"). */
#define NOTE_OPT                                                                                   \
    {                                                                                              \
        "note", W_NOTE, 0, "TEXT", "your own paraphrase or caveat (not a quote)", "none"           \
    }
#define CONFIDENCE_OPT                                                                             \
    {                                                                                              \
        "confidence", W_CONFIDENCE, 0, "LEVEL", "high | medium | low: your confidence in the row", \
          "none"                                                                                   \
    }
#define REPORTED_OPT                                                                               \
    {                                                                                              \
        "reported-at", W_REPORTED, 0, "TIME", "when it first became public", "when it happened"    \
    }
#define RESEARCH_OPTS CONFIDENCE_OPT, NOTE_OPT, REPORTED_OPT

static const cli_opt contest_opts[] = {
    { "title", W_TITLE, 0, "TEXT", "what is decided (required)", NULL },
    { "rule", W_RULE, 0, "RULE",
      "unanimity | majority | P/Q (at least P/Q of the members) |\n"
      "N (at least N members) (required)",
      NULL },
    { "choice", W_CHOICE, 0, "CHOICE",
      "single (an actor supports one candidate: a later supports\n"
      "ends the others) | multiple",
      "single" },
    { "at", W_AT, 0, "TIME", "when it was defined, ISO 8601 (2024-04-03, 2024-04-03T14:05:00Z)",
      "now" },
    { "source", W_SOURCE, 0, "URL", SOURCE_HELP, "none" },
    NOTE_OPT,
    { NULL, 0, 0, NULL, NULL, NULL },
};
static const cli_opt where_opts[] = {
    { "at", W_AT, 0, "TIME", AT_START_HELP, "now" },
    { "source", W_SOURCE, 0, "URL", SOURCE_HELP, "none" },
    RESEARCH_OPTS,
    { NULL, 0, 0, NULL, NULL, NULL },
};
static const cli_opt declare_opts[] = {
    { "at", W_AT, 0, "TIME",
      "when it was declared, ISO 8601 (required; a date means\n"
      "00:00:00Z that day); uncertain: D~ (about D), ../D (on or\n"
      "before D: counts from its end), A/B (some time between A\n"
      "and B: counts from the end of B, possible inside)",
      NULL },
    { "source", W_SOURCE, 0, "URL", "where it is documented (required)", NULL },
    { "person", W_PERSON, 0, "NAME", "who spoke for ACTOR", "none" },
    { "quote", W_QUOTE, 0, "TEXT", "the words", "none" },
    { "force", W_FORCE, 0, NULL, "record it even if the contest has no such candidate", NULL },
    RESEARCH_OPTS,
    { NULL, 0, 0, NULL, NULL, NULL },
};
static const cli_opt retract_opts[] = {
    { "reason", W_REASON, 0, "TEXT", "why (required)", NULL },
    { "seq", W_SEQ, 0, "A..B", "undo: every event of your key from seq A to B", NULL },
    { "batch", W_BATCH, 0, "EVENT_ID", "undo: the events appended with EVENT_ID in one batch",
      NULL },
    { NULL, 0, 0, NULL, NULL, NULL },
};
static const cli_opt decide_opts[] = {
    { "at", W_AT, 0, "TIME", "when it was decided, ISO 8601 (required)", NULL },
    { "takes-effect", W_TAKES_EFFECT, 0, "TIME", "when the decision takes effect", "when decided" },
    { "source", W_SOURCE, 0, "URL", SOURCE_HELP, "none" },
    RESEARCH_OPTS,
    { NULL, 0, 0, NULL, NULL, NULL },
};

static const cli_opt amend_opts[] = {
    { "title", W_TITLE, 0, "TEXT", "the new title", "unchanged" },
    { "rule", W_RULE, 0, "RULE", "the new rule (as for contest new)", "unchanged" },
    { "choice", W_CHOICE, 0, "CHOICE", "single | multiple", "unchanged" },
    { "at", W_AT, 0, "TIME", "from when the amendment holds (required)", NULL },
    { "source", W_SOURCE, 0, "URL", SOURCE_HELP, "none" },
    NOTE_OPT,
    { NULL, 0, 0, NULL, NULL, NULL },
};
static const cli_opt actor_opts[] = {
    { "at", W_AT, 0, "TIME", "from when the name holds", "always" },
    { "source", W_SOURCE, 0, "URL", SOURCE_HELP, "none" },
    NOTE_OPT,
    { NULL, 0, 0, NULL, NULL, NULL },
};
static const cli_spec contest_spec = { "contest", "new", 13, 0, contest_opts };
static const cli_spec amend_spec = { "contest", "amend", 13, 0, amend_opts };
static const cli_spec member_spec = { "member", NULL, 13, 0, where_opts };
static const cli_spec candidate_spec = { "candidate", NULL, 13, 0, where_opts };
static const cli_spec declare_spec = { "declare", NULL, 13, 0, declare_opts };
static const cli_spec retract_spec = { "retract", NULL, 13, 0, retract_opts };
static const cli_spec decide_spec = { "decide", NULL, 13, 0, decide_opts };
static const cli_spec actor_spec = { "actor", "name", 13, 0, actor_opts };

const cli_spec *const cli_contest_specs[] = { &contest_spec, &amend_spec, NULL };
const cli_spec *const cli_member_specs[] = { &member_spec, NULL };
const cli_spec *const cli_candidate_specs[] = { &candidate_spec, NULL };
const cli_spec *const cli_declare_specs[] = { &declare_spec, NULL };
const cli_spec *const cli_retract_specs[] = { &retract_spec, NULL };
const cli_spec *const cli_decide_specs[] = { &decide_spec, NULL };
const cli_spec *const cli_actor_specs[] = { &actor_spec, NULL };

static int parse_research(wopts *o, const char *command);

/*
 * Parse the options of an appending command (those of spec), leaving the
 * positional arguments at argv[optind..argc). Parses --at, defaulting to now.
 */
static int
parse_wopts(wopts *o, int argc, char **argv, const cli_spec *spec, void (*help)(FILE *))
{
    cli_getopt_state gs;
    int c;

    memset(o, 0, sizeof(*o));
    cli_getopt_init(&gs, spec);
    while ((c = cli_getopt(&gs, argc, argv)) != -1) {
        switch (c) {
        case W_AT:
            o->at = optarg;
            break;
        case W_SOURCE:
            o->source = optarg;
            break;
        case W_TITLE:
            o->title = optarg;
            break;
        case W_RULE:
            o->rule = optarg;
            break;
        case W_PERSON:
            o->person = optarg;
            break;
        case W_QUOTE:
            o->quote = optarg;
            break;
        case W_REASON:
            o->reason = optarg;
            break;
        case W_NOTE:
            o->note = optarg;
            break;
        case W_CONFIDENCE:
            o->confidence = optarg;
            break;
        case W_REPORTED:
            o->reported_at = optarg;
            break;
        case W_CHOICE:
            o->choice = optarg;
            break;
        case W_TAKES_EFFECT:
            o->takes_effect = optarg;
            break;
        case W_FORCE:
            o->force = 1;
            break;
        case W_SEQ:
            o->seq = optarg;
            break;
        case W_BATCH:
            o->batch = optarg;
            break;
        case CLI_OPT_HELP:
            help(stdout);
            o->help = 1;
            return CLI_EXIT_OK;
        default:
            return CLI_EXIT_USAGE;
        }
    }
    return parse_research(o, spec->command);
}

/* --at (uncertain forms too), --confidence, --reported-at, --takes-effect. */
static int
parse_research(wopts *o, const char *command)
{
    int status;
    memset(&o->when, 0, sizeof(o->when));
    if (o->at != NULL) {
        if ((status = cli_parse_uncertain_at(&o->when, o->at, command)) != 0) {
            return status;
        }
    } else {
        o->when.at = avow_time_now();
        o->when.precision = AVOW_PREC_MICRO;
    }
    if (o->confidence != NULL &&
        (o->conf = avow_confidence_parse(o->confidence)) == AVOW_CONFIDENCE_NONE) {
        return cli_usage_fail(command, "unknown confidence '%s' (high, medium or low)",
                              o->confidence);
    }
    if (o->reported_at != NULL &&
        (status = cli_parse_at(&o->reported, &o->reported_prec, o->reported_at, command)) != 0) {
        return status;
    }
    if (o->takes_effect != NULL &&
        (status = cli_parse_at(&o->effect, &o->effect_prec, o->takes_effect, command)) != 0) {
        return status;
    }
    return CLI_EXIT_OK;
}

/* The time and research fields of the options into a draft. */
static void
apply_wopts(avow_draft *d, const wopts *o)
{
    d->effective_at = o->when.at;
    d->precision = o->when.precision;
    d->qualifier = o->when.qualifier;
    d->from = o->when.from;
    d->from_precision = o->when.from_precision;
    d->note = o->note;
    d->confidence = o->conf;
    d->reported_at = o->reported;
    d->reported_precision = o->reported_prec;
}

static int
need(const char *value, const char *option, const char *command)
{
    if (value == NULL) {
        return cli_usage_fail(command, "missing %s", option);
    }
    return CLI_EXIT_OK;
}

/* The append checks this too; asking first spares a passphrase prompt for a
 * mistyped contest, and names the command that creates one. */
static int
check_contest(avow_ledger *ledger, const char *contest)
{
    int r = avow_ledger_has_contest(ledger, contest);

    if (r == 0) {
        return cli_fail(CLI_EXIT_USAGE,
                        "unknown contest '%s' (create it with avow contest new %s --title TEXT "
                        "--rule RULE)",
                        contest, contest);
    }
    if (r < 0) {
        return cli_fail_lib(r, NULL, "cannot look up contest '%s'", contest);
    }
    return CLI_EXIT_OK;
}

static void
print_id(const unsigned char id[AVOW_EVENT_ID_BYTES])
{
    char hex[AVOW_HEX_ID_LEN + 1];

    avow_hex(hex, id, AVOW_EVENT_ID_BYTES);
    printf("%s\n", hex);
}

/*
 * Open the ledger and the key, append the drafts (one call: all or nothing),
 * print the new ids. contest: the contest the drafts name (checked first),
 * NULL for a contest definition or a retraction.
 */
static int
append_drafts_guarded(const cli_ctx *ctx, const avow_draft *drafts, size_t n, const char *contest,
                      const char *command, int force)
{
    avow_ledger *ledger = NULL;
    avow_key *key = NULL;
    unsigned char *ids = NULL;
    size_t failed_at = 0;
    int status = CLI_EXIT_OK;
    int err;

    if ((status = cli_open_ledger(&ledger, ctx, 0)) != 0) {
        goto done;
    }
    if (contest != NULL && (status = check_contest(ledger, contest)) != 0) {
        goto done;
    }
    /* Guard rails (guard.c): refusals before the key is loaded, then warnings. */
    if (n == 1 && drafts[0].kind == AVOW_KIND_STANCE) {
        if ((status = cli_guard_candidate(ledger, contest, drafts[0].candidate, force)) != 0) {
            goto done;
        }
    }
    if ((status = cli_load_key(&key, ctx)) != 0 ||
        (status = cli_keyhead_check(ctx, ledger, key)) != 0) {
        goto done;
    }
    if ((ids = calloc(n, AVOW_EVENT_ID_BYTES)) == NULL) {
        status = cli_fail(CLI_EXIT_ENV, "out of memory");
        goto done;
    }
    /* The library names what it refused (a contest that exists or does not, the
     * field and its limit, another author's event): its message, not a guess. */
    err = avow_ledger_append_drafts(&failed_at, ids, ledger, key, drafts, n);
    if (err == AVOW_ENOTFOUND && drafts[0].kind == AVOW_KIND_RETRACT) {
        status =
          cli_fail_lib(err, "see 'avow log --author' for your events", "cannot retract that event");
        goto done;
    }
    if (err < 0) {
        char hint[128];
        (void)snprintf(hint, sizeof(hint), "nothing was written; see 'avow %s --help'", command);
        if (n > 1 && failed_at < n && drafts[failed_at].actor != NULL) {
            const char *actor = drafts[failed_at].actor;
            status = cli_fail_lib(err, hint, "cannot record '%.40s%s'", actor,
                                  strlen(actor) > 40 ? "..." : "");
        } else {
            status = cli_fail_lib(err, hint, "cannot record the event");
        }
        goto done;
    }
    cli_keyhead_update(ctx, ledger, key);
    for (size_t i = 0; i < n; i++) {
        print_id(ids + i * AVOW_EVENT_ID_BYTES);
    }
    /* Warnings once recorded (guard.c): the event is kept, the user told. */
    if (n == 1 && drafts[0].kind == AVOW_KIND_STANCE) {
        cli_guard_stance(ctx, ledger, &drafts[0]);
    } else if (n == 1 && drafts[0].kind == AVOW_KIND_DECISION) {
        cli_guard_decide(ctx, ledger, &drafts[0]);
    }

done:
    free(ids);
    avow_key_free(key);
    avow_ledger_free(ledger);
    return status;
}

static int
append_drafts(const cli_ctx *ctx, const avow_draft *drafts, size_t n, const char *contest,
              const char *command)
{
    return append_drafts_guarded(ctx, drafts, n, contest, command, 0);
}

void
cmd_contest_help(FILE *out)
{
    fprintf(out, "usage: avow contest new ID --title TEXT --rule RULE [--choice single|multiple]\n"
                 "                        [--at TIME] [--source URL] [--note TEXT]\n"
                 "       avow contest amend ID [--title TEXT] [--rule RULE] [--choice CHOICE]\n"
                 "                          --at TIME [--source URL] [--note TEXT]\n"
                 "       avow contest list [--json]\n"
                 "\n"
                 "new: define a contest: a decision its members take by RULE. Prints the\n"
                 "event id. With --choice single (the default) an actor supports one\n"
                 "candidate at a time, and a candidate's withdrawal lapses its support.\n"
                 "amend: a signed amendment of the title, rule or choice, in force from --at\n"
                 "on (the definition is never rewritten). Prints the event id.\n"
                 "list: every contest defined in the ledger: ID, TIME, event, rule, title\n"
                 "(--json: JSON Lines with contest, title, rule, effective_at, id, index).\n"
                 "\n"
                 "options of new:\n");
    cli_help_options(out, &contest_spec);
    fprintf(out, "\noptions of amend:\n");
    cli_help_options(out, &amend_spec);
    fprintf(out, "\n");
    cli_help_globals(out);
}

/* contest amend ID [--title T] [--rule R] [--choice C] --at TIME: a signed
 * amendment (format v2, kind contest-amend) that supersedes what it names of
 * the definition from TIME on (docs/PROJECTIONS.md "Format v2"). */
static int
contest_amend(cli_ctx *ctx, int argc, char **argv)
{
    avow_draft d = AVOW_DRAFT_INIT;
    wopts o;
    int status = parse_wopts(&o, argc, argv, &amend_spec, cmd_contest_help);
    if (status != 0 || o.help) {
        return status;
    }
    if (argc - optind != 1) {
        return cli_usage_fail("contest",
                              argc - optind < 1 ? "missing the contest ID" : "too many arguments");
    }
    if ((status = need(o.at, "--at TIME", "contest")) != 0) {
        return status;
    }
    if (o.title == NULL && o.rule == NULL && o.choice == NULL) {
        return cli_usage_fail("contest", "an amendment changes --title, --rule or --choice");
    }
    if (o.rule != NULL && avow_rule_check(o.rule, strlen(o.rule)) < 0) {
        return cli_usage_fail("contest", "%s", avow_error_last());
    }
    if (o.choice != NULL && (d.choice = avow_choice_parse(o.choice)) == AVOW_CHOICE_NONE) {
        return cli_usage_fail("contest", "unknown choice '%s' (single or multiple)", o.choice);
    }
    d.kind = AVOW_KIND_CONTEST_AMEND;
    apply_wopts(&d, &o);
    d.contest = argv[optind];
    d.title = o.title;
    d.rule = o.rule;
    d.source = o.source;
    return append_drafts(ctx, &d, 1, d.contest, "contest");
}

int
cmd_contest(cli_ctx *ctx, int argc, char **argv)
{
    avow_draft d = AVOW_DRAFT_INIT;
    wopts o;
    int status;

    if (argc < 2) {
        return cli_usage_fail("contest", "missing subcommand: new, amend or list");
    }
    if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
        cmd_contest_help(stdout);
        return CLI_EXIT_OK;
    }
    if (strcmp(argv[1], "list") == 0) {
        return cli_contest_list(ctx, argc - 1, argv + 1);
    }
    if (strcmp(argv[1], "amend") == 0) {
        return contest_amend(ctx, argc - 1, argv + 1);
    }
    if (strcmp(argv[1], "new") != 0) {
        return cli_usage_fail("contest", "unknown subcommand '%s' (new, amend, list)", argv[1]);
    }
    argc--;
    argv++;
    status = parse_wopts(&o, argc, argv, &contest_spec, cmd_contest_help);
    if (status != 0 || o.help) {
        return status;
    }
    if (argc - optind != 1) {
        return cli_usage_fail("contest",
                              argc - optind < 1 ? "missing the contest ID" : "too many arguments");
    }
    if ((status = need(o.title, "--title TEXT", "contest")) != 0 ||
        (status = need(o.rule, "--rule RULE", "contest")) != 0) {
        return status;
    }
    if (avow_rule_check(o.rule, strlen(o.rule)) < 0) {
        /* The library names the rule and the forms it accepts. */
        return cli_usage_fail("contest", "%s", avow_error_last());
    }
    d.kind = AVOW_KIND_CONTEST;
    apply_wopts(&d, &o);
    d.choice = o.choice == NULL ? AVOW_CHOICE_SINGLE : avow_choice_parse(o.choice);
    if (d.choice == AVOW_CHOICE_NONE) {
        return cli_usage_fail("contest", "unknown choice '%s' (single or multiple)", o.choice);
    }
    d.contest = argv[optind];
    d.title = o.title;
    d.rule = o.rule;
    d.source = o.source;
    return append_drafts(ctx, &d, 1, NULL, "contest");
}

void
cmd_member_help(FILE *out)
{
    fprintf(out, "usage: avow member add CONTEST ACTOR... [--at TIME] [--source URL]\n"
                 "       avow member remove CONTEST ACTOR... [--at TIME] [--source URL]\n"
                 "\n"
                 "Add members to a contest's electorate, or remove them: one event per ACTOR,\n"
                 "all recorded together or none. Prints one event id per line.\n"
                 "\n"
                 "options:\n");
    cli_help_options(out, &member_spec);
    fprintf(out, "\n");
    cli_help_globals(out);
}

int
cmd_member(cli_ctx *ctx, int argc, char **argv)
{
    avow_draft *drafts = NULL;
    uint8_t kind;
    size_t n;
    wopts o;
    int status;

    if (argc < 2) {
        return cli_usage_fail("member", "missing subcommand: add or remove");
    }
    if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
        cmd_member_help(stdout);
        return CLI_EXIT_OK;
    }
    if (strcmp(argv[1], "add") == 0) {
        kind = AVOW_KIND_MEMBER_JOIN;
    } else if (strcmp(argv[1], "remove") == 0) {
        kind = AVOW_KIND_MEMBER_LEAVE;
    } else {
        return cli_usage_fail("member", "unknown subcommand '%s' (add or remove)", argv[1]);
    }
    argc--;
    argv++;
    status = parse_wopts(&o, argc, argv, &member_spec, cmd_member_help);
    if (status != 0 || o.help) {
        return status;
    }
    if (argc - optind < 2) {
        return cli_usage_fail("member", argc - optind < 1 ? "missing the CONTEST and ACTOR"
                                                          : "missing the ACTOR");
    }
    n = (size_t)(argc - optind - 1);
    drafts = calloc(n, sizeof(*drafts));
    if (drafts == NULL) {
        return cli_fail(CLI_EXIT_ENV, "out of memory");
    }
    for (size_t i = 0; i < n; i++) {
        avow_draft d = AVOW_DRAFT_INIT;
        d.kind = kind;
        apply_wopts(&d, &o);
        d.contest = argv[optind];
        d.actor = argv[optind + 1 + (int)i];
        d.source = o.source;
        drafts[i] = d;
    }
    status = append_drafts(ctx, drafts, n, argv[optind], "member");
    free(drafts);
    return status;
}

void
cmd_candidate_help(FILE *out)
{
    fprintf(out, "usage: avow candidate add CONTEST NAME [--at TIME] [--source URL]\n"
                 "       avow candidate withdraw CONTEST NAME [--at TIME] [--source URL]\n"
                 "       avow candidate signal CONTEST NAME [--at TIME] [--source URL]\n"
                 "\n"
                 "Record that a candidate enters a contest, or withdraws, or (signal) that a\n"
                 "plan to stand was reported: not a candidacy yet. Prints the event id.\n"
                 "\n"
                 "options:\n");
    cli_help_options(out, &candidate_spec);
    fprintf(out, "\n");
    cli_help_globals(out);
}

int
cmd_candidate(cli_ctx *ctx, int argc, char **argv)
{
    avow_draft d = AVOW_DRAFT_INIT;
    wopts o;
    int status;

    if (argc < 2) {
        return cli_usage_fail("candidate", "missing subcommand: add, withdraw or signal");
    }
    if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
        cmd_candidate_help(stdout);
        return CLI_EXIT_OK;
    }
    if (strcmp(argv[1], "add") == 0) {
        d.kind = AVOW_KIND_CANDIDATE_ENTER;
    } else if (strcmp(argv[1], "withdraw") == 0) {
        d.kind = AVOW_KIND_CANDIDATE_WITHDRAW;
    } else if (strcmp(argv[1], "signal") == 0) {
        d.kind = AVOW_KIND_CANDIDATE_SIGNAL;
    } else {
        return cli_usage_fail("candidate", "unknown subcommand '%s' (add, withdraw or signal)",
                              argv[1]);
    }
    argc--;
    argv++;
    status = parse_wopts(&o, argc, argv, &candidate_spec, cmd_candidate_help);
    if (status != 0 || o.help) {
        return status;
    }
    if (argc - optind != 2) {
        return cli_usage_fail("candidate", argc - optind < 2 ? "missing the CONTEST or NAME"
                                                             : "too many arguments");
    }
    apply_wopts(&d, &o);
    d.contest = argv[optind];
    d.candidate = argv[optind + 1];
    d.source = o.source;
    return append_drafts(ctx, &d, 1, d.contest, "candidate");
}

void
cmd_declare_help(FILE *out)
{
    fprintf(out, "usage: avow declare CONTEST ACTOR STANCE CANDIDATE --at TIME --source URL\n"
                 "                    [--person NAME] [--quote TEXT] [--force]\n"
                 "\n"
                 "Record that ACTOR declared STANCE (supports | opposes | undecided |\n"
                 "abstains) about CANDIDATE in CONTEST. Prints the event id. A CANDIDATE the\n"
                 "contest does not have is refused (exit 2, naming the nearest) unless\n"
                 "--force; an ACTOR that is not a member at --at is recorded with a warning.\n"
                 "\n"
                 "options:\n");
    cli_help_options(out, &declare_spec);
    fprintf(out, "\n");
    cli_help_globals(out);
}

int
cmd_declare(cli_ctx *ctx, int argc, char **argv)
{
    avow_draft d = AVOW_DRAFT_INIT;
    wopts o;
    int status;

    status = parse_wopts(&o, argc, argv, &declare_spec, cmd_declare_help);
    if (status != 0 || o.help) {
        return status;
    }
    if (argc - optind != 4) {
        return cli_usage_fail("declare", "%s (CONTEST ACTOR STANCE CANDIDATE)",
                              argc - optind < 4 ? "missing arguments" : "too many arguments");
    }
    if ((status = need(o.at, "--at TIME", "declare")) != 0 ||
        (status = need(o.source, "--source URL", "declare")) != 0) {
        return status;
    }
    d.stance = avow_stance_parse(argv[optind + 2]);
    if (d.stance == AVOW_STANCE_NONE) {
        return cli_usage_fail("declare",
                              "unknown stance '%s' (supports, opposes, undecided or abstains)",
                              argv[optind + 2]);
    }
    d.kind = AVOW_KIND_STANCE;
    apply_wopts(&d, &o);
    d.contest = argv[optind];
    d.actor = argv[optind + 1];
    d.candidate = argv[optind + 3];
    d.source = o.source;
    d.person = o.person;
    d.quote = o.quote;
    return append_drafts_guarded(ctx, &d, 1, d.contest, "declare", o.force);
}

void
cmd_retract_help(FILE *out)
{
    fprintf(out, "usage: avow retract EVENT_ID --reason TEXT\n"
                 "       avow retract --seq A..B --reason TEXT\n"
                 "       avow retract --batch EVENT_ID --reason TEXT\n"
                 "\n"
                 "Retract one of your own events (nothing is deleted: the retraction is a new\n"
                 "event). EVENT_ID is 64 hex characters or a unique prefix of at least 8.\n"
                 "Prints the retraction's event id.\n"
                 "Undo of a batch: --seq retracts every event of your key from seq A to B\n"
                 "(what 'avow import --sign' printed it appended), --batch the events appended\n"
                 "in one batch with EVENT_ID; in one signed batch, skipping retractions and\n"
                 "events already retracted. Importing the corrected file then appends again.\n"
                 "\n"
                 "options:\n");
    cli_help_options(out, &retract_spec);
    fprintf(out, "\n");
    cli_help_globals(out);
}

int
cmd_retract(cli_ctx *ctx, int argc, char **argv)
{
    avow_draft d = AVOW_DRAFT_INIT;
    avow_ledger *ledger = NULL;
    unsigned char target[AVOW_EVENT_ID_BYTES];
    wopts o;
    int status;

    status = parse_wopts(&o, argc, argv, &retract_spec, cmd_retract_help);
    if (status != 0 || o.help) {
        goto done;
    }
    if ((status = need(o.reason, "--reason TEXT", "retract")) != 0) {
        goto done;
    }
    if (o.seq != NULL || o.batch != NULL) {
        status = argc - optind != 0 ? cli_usage_fail("retract", "--seq and --batch take no "
                                                                "EVENT_ID argument")
                                    : cli_undo(ctx, o.seq, o.batch, o.reason);
        goto done;
    }
    if (argc - optind != 1) {
        status = cli_usage_fail("retract",
                                argc - optind < 1 ? "missing the EVENT_ID" : "too many arguments");
        goto done;
    }
    if ((status = cli_check_id_text(argv[optind])) != 0) {
        goto done;
    }
    /* The id is resolved on a read-only handle, then the append reopens. */
    if ((status = cli_open_ledger(&ledger, ctx, AVOW_OPEN_READONLY)) != 0 ||
        (status = cli_resolve_event(ledger, target, argv[optind])) != 0 ||
        (status = cli_guard_retract(ledger, target, argv[optind])) != 0) {
        goto done;
    }
    avow_ledger_free(ledger);
    ledger = NULL;
    d.kind = AVOW_KIND_RETRACT;
    apply_wopts(&d, &o);
    d.reason = o.reason;
    d.target = target;
    status = append_drafts(ctx, &d, 1, NULL, "retract");

done:
    avow_ledger_free(ledger);
    return status;
}

void
cmd_decide_help(FILE *out)
{
    fprintf(out, "usage: avow decide CONTEST CANDIDATE --at TIME [--takes-effect TIME]\n"
                 "                   [--source URL]\n"
                 "\n"
                 "Record the decision of CONTEST: CANDIDATE was chosen. Prints the event id.\n"
                 "\n"
                 "options:\n");
    cli_help_options(out, &decide_spec);
    fprintf(out, "\n");
    cli_help_globals(out);
}

int
cmd_decide(cli_ctx *ctx, int argc, char **argv)
{
    avow_draft d = AVOW_DRAFT_INIT;
    wopts o;
    int status;

    status = parse_wopts(&o, argc, argv, &decide_spec, cmd_decide_help);
    if (status != 0 || o.help) {
        return status;
    }
    if (argc - optind != 2) {
        return cli_usage_fail("decide", argc - optind < 2 ? "missing the CONTEST or CANDIDATE"
                                                          : "too many arguments");
    }
    if ((status = need(o.at, "--at TIME", "decide")) != 0) {
        return status;
    }
    d.kind = AVOW_KIND_DECISION;
    apply_wopts(&d, &o);
    d.takes_effect = o.effect;
    d.takes_effect_precision = o.effect_prec;
    d.contest = argv[optind];
    d.candidate = argv[optind + 1];
    d.source = o.source;
    return append_drafts(ctx, &d, 1, d.contest, "decide");
}

void
cmd_actor_help(FILE *out)
{
    fprintf(out, "usage: avow actor name CONTEST ACTOR NAME [--at TIME] [--source URL]\n"
                 "                 [--note TEXT]\n"
                 "\n"
                 "Give ACTOR (a code such as HU) the display name NAME (\"Hungary\") in\n"
                 "CONTEST: a signed event, replicated with the ledger. Text output, the\n"
                 "chart and timeline show the name; JSON keeps the code. The latest name\n"
                 "wins; without --at it holds at every time. Prints the event id.\n"
                 "\n"
                 "options:\n");
    cli_help_options(out, &actor_spec);
    fprintf(out, "\n");
    cli_help_globals(out);
}

int
cmd_actor(cli_ctx *ctx, int argc, char **argv)
{
    avow_draft d = AVOW_DRAFT_INIT;
    wopts o;
    int status;

    if (argc < 2) {
        return cli_usage_fail("actor", "missing subcommand: name");
    }
    if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
        cmd_actor_help(stdout);
        return CLI_EXIT_OK;
    }
    if (strcmp(argv[1], "name") != 0) {
        return cli_usage_fail("actor", "unknown subcommand '%s' (name)", argv[1]);
    }
    argc--;
    argv++;
    status = parse_wopts(&o, argc, argv, &actor_spec, cmd_actor_help);
    if (status != 0 || o.help) {
        return status;
    }
    if (argc - optind != 3) {
        return cli_usage_fail("actor", argc - optind < 3 ? "missing the CONTEST, ACTOR or NAME"
                                                         : "too many arguments (quote a NAME "
                                                           "with spaces)");
    }
    apply_wopts(&d, &o);
    if (o.at == NULL) {
        /* A name is not news: without --at it holds from the first representable year. */
        d.effective_at = AVOW_TIME_MIN;
        d.precision = AVOW_PREC_YEAR;
    }
    d.kind = AVOW_KIND_ACTOR_NAME;
    d.contest = argv[optind];
    d.actor = argv[optind + 1];
    d.title = argv[optind + 2];
    d.source = o.source;
    return append_drafts(ctx, &d, 1, d.contest, "actor");
}
