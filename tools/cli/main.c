/* SPDX-License-Identifier: ISC */
/*
 * main.c - entry point of the avow command-line tool: pulls the global
 * options out of argv wherever they are, resolves the ledger and key paths,
 * and dispatches to one command (libgit2 src/cli style).
 *
 * Invariants:
 *  1. Global options (-L/--ledger, -k/--key, --json, -q/--quiet) work before
 *     or after the command; everything after "--" is left to the command.
 *  2. The value of a command option that takes one (--title X, -o X) is never
 *     mistaken for a global option, so `--quote -q` quotes "-q"; which options
 *     take one comes from the command's option specs (cli_spec).
 *  3. Defaults: ledger $AVOW_LEDGER else ./avow.ledger; key $AVOW_KEY else
 *     $XDG_CONFIG_HOME/avow/default.key else ~/.config/avow/default.key.
 */
#include <stdlib.h>
#include <string.h>

#include "cli.h"

static int cmd_help(cli_ctx *ctx, int argc, char **argv);
static void cmd_help_help(FILE *out);

static const cli_cmd commands[] = {
    { "init", cmd_init, cmd_init_help, "create an empty ledger", cli_init_specs },
    { "key", cmd_key, cmd_key_help, "create a signing key or show its public key", cli_key_specs },
    { "contest", cmd_contest, cmd_contest_help, "define a contest (a decision by a rule)",
      cli_contest_specs },
    { "member", cmd_member, cmd_member_help, "add or remove members of a contest's electorate",
      cli_member_specs },
    { "candidate", cmd_candidate, cmd_candidate_help, "add or withdraw a candidate",
      cli_candidate_specs },
    { "actor", cmd_actor, cmd_actor_help, "give an actor code a display name", cli_actor_specs },
    { "declare", cmd_declare, cmd_declare_help, "record a stance: ACTOR supports|opposes ...",
      cli_declare_specs },
    { "retract", cmd_retract, cmd_retract_help, "retract one of your own events",
      cli_retract_specs },
    { "decide", cmd_decide, cmd_decide_help, "record the decision of a contest", cli_decide_specs },
    { "log", cmd_log, cmd_log_help, "list the events of the ledger in log order", cli_log_specs },
    { "show", cmd_show, cmd_show_help, "show one event, every field", cli_show_specs },
    { "verify", cmd_verify, cmd_verify_help, "check signatures, chains and indexes",
      cli_verify_specs },
    { "info", cmd_info, cmd_info_help, "the ledger's origin, size, root and owner",
      cli_info_specs },
    { "status", cmd_status, cmd_status_help, "contests, authors, what is not counted, checkpoint",
      cli_status_specs },
    /* projections: cmd_state.c */
    { "state", cmd_state, cmd_state_help, "who supports whom at a point in time", cli_state_specs },
    { "history", cmd_history, cmd_history_help, "every change of a contest, in time order",
      cli_history_specs },
    { "explain", cmd_explain, cmd_explain_help, "why the ledger says ACTOR's stance on CANDIDATE",
      cli_explain_specs },
    { "timeline", cmd_timeline, cmd_timeline_help, "the state of a contest at each date",
      cli_timeline_specs },
    /* audit: cmd_audit.c */
    { "checkpoint", cmd_checkpoint, cmd_checkpoint_help, "sign a checkpoint of the log",
      cli_checkpoint_specs },
    { "prove", cmd_prove, cmd_prove_help, "inclusion or consistency proof", cli_prove_specs },
    { "evidence", cmd_evidence, cmd_evidence_help, "check an evidence file offline",
      cli_evidence_specs },
    { "witness", cmd_witness, cmd_witness_help, "cosign another ledger's checkpoint",
      cli_witness_specs },
    { "publish", cmd_publish, cmd_publish_help, "write the log as C2SP tlog-tiles static files",
      cli_publish_specs },
    /* interchange: cmd_io.c */
    { "export", cmd_export, cmd_export_help, "write signed events as JSON Lines",
      cli_export_specs },
    { "import", cmd_import, cmd_import_help, "verify and append events from JSON Lines",
      cli_import_specs },
    /* replication: cmd_sync.c */
    { "sync", cmd_sync, cmd_sync_help, "exchange events with another ledger", cli_sync_specs },
    { "serve", cmd_serve, cmd_serve_help, "speak the sync protocol on stdin/stdout",
      cli_serve_specs },
    { "heads", cmd_heads, cmd_heads_help, "write this ledger's heads (for bundles)",
      cli_heads_specs },
    { "bundle", cmd_bundle, cmd_bundle_help, "create or apply a bundle file", cli_bundle_specs },
    { "trust", cmd_trust, cmd_trust_help, "the keyring of authors whose events count",
      cli_trust_specs },
    /* first hour: cmd_demo.c */
    { "chart", cmd_chart, cmd_chart_help, "support over time as an SVG chart", cli_chart_specs },
    { "demo", cmd_demo, cmd_demo_help, "build a demo ledger of the 2024 NATO race",
      cli_demo_specs },
    { "help", cmd_help, cmd_help_help, "show the help of a command", NULL },
};

#define NCOMMANDS (sizeof(commands) / sizeof(commands[0]))

static const cli_cmd *
find_command(const char *name)
{
    for (size_t i = 0; i < NCOMMANDS; i++) {
        if (strcmp(commands[i].name, name) == 0) {
            return &commands[i];
        }
    }
    return NULL;
}

/* "unknown command 'stat' (did you mean 'state'? see 'avow --help')", exit 2. */
static int
unknown_command(const char *name)
{
    cli_suggest sg;

    cli_suggest_init(&sg, name, strlen(name));
    for (size_t i = 0; i < NCOMMANDS; i++) {
        cli_suggest_offer(&sg, commands[i].name);
    }
    if (sg.best != NULL) {
        return cli_fail(CLI_EXIT_USAGE,
                        "unknown command '%s' (did you mean '%s'? see 'avow --help')", name,
                        sg.best);
    }
    return cli_fail(CLI_EXIT_USAGE, "unknown command '%s' (see 'avow --help')", name);
}

/* An unknown global option before the command, with the nearest global option. */
static int
unknown_global(const char *arg)
{
    cli_suggest sg;
    int is_long = arg[1] == '-';

    cli_suggest_init(&sg, arg + (is_long ? 2 : 1), strcspn(arg + (is_long ? 2 : 1), "="));
    for (const cli_opt *o = cli_globals_spec.opts; is_long && o->name != NULL; o++) {
        cli_suggest_offer(&sg, o->name);
    }
    if (sg.best != NULL) {
        return cli_fail(CLI_EXIT_USAGE,
                        "unknown option '%s' (did you mean '--%s'? see 'avow --help')", arg,
                        sg.best);
    }
    return cli_fail(CLI_EXIT_USAGE, "unknown option '%s' (see 'avow --help')", arg);
}

static void
usage(FILE *out)
{
    fprintf(out, "usage: avow [-L DIR] [-k FILE] [--json] [-q] COMMAND [ARGS]\n"
                 "       avow --version | --help | help COMMAND\n");
}

static void
help_top(FILE *out)
{
    usage(out);
    fprintf(out, "\navow keeps a signed, append-only ledger of public declarations.\n"
                 "\ncommands:\n");
    for (size_t i = 0; i < NCOMMANDS; i++) {
        fprintf(out, "  %-10s %s\n", commands[i].name, commands[i].summary);
    }
    fprintf(out, "\n");
    cli_help_globals(out);
    fprintf(out, "\nexit codes: 0 ok, 1 a check failed, 2 usage or input error,\n"
                 "            3 environment error (no ledger, no key, I/O, lock)\n"
                 "\nRun 'avow COMMAND --help' for the options of a command.\n");
}

static void
cmd_help_help(FILE *out)
{
    fprintf(out, "usage: avow help [COMMAND]\n\nShow the help of COMMAND, or the list of "
                 "commands.\n");
}

static int
cmd_help(cli_ctx *ctx, int argc, char **argv)
{
    const cli_cmd *cmd;

    (void)ctx;
    if (argc < 2) {
        help_top(stdout);
        return CLI_EXIT_OK;
    }
    if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
        cmd_help_help(stdout);
        return CLI_EXIT_OK;
    }
    cmd = find_command(argv[1]);
    if (cmd == NULL) {
        return unknown_command(argv[1]);
    }
    cmd->help(stdout);
    return CLI_EXIT_OK;
}

/* Take a global option's value from "--name=value", "-Xvalue", "--name value" or
 * "-X value": 1 when taken, 0 when arg is another option, -1 (reported) when the
 * value is missing. */
static int
take_global_value(const char **out, char **argv, int argc, int *i, const cli_opt *o)
{
    const char *arg = argv[*i];
    size_t llen = strlen(o->name);
    int is_long = arg[0] == '-' && arg[1] == '-' && strncmp(arg + 2, o->name, llen) == 0;
    int is_short = o->short_name != 0 && arg[0] == '-' && arg[1] == o->short_name;

    if ((is_long && arg[2 + llen] == '\0') || (is_short && arg[2] == '\0')) {
        if (*i + 1 >= argc) {
            cli_fail(CLI_EXIT_USAGE, "option '%s' needs a value (see 'avow --help')", arg);
            return -1;
        }
        *i += 1;
        *out = argv[*i];
        return 1;
    }
    if (is_long && arg[2 + llen] == '=') {
        *out = arg + 2 + llen + 1;
        return 1;
    }
    if (is_short) {
        *out = arg + 2;
        return 1;
    }
    return 0;
}

/* Whether arg is the flag o ("--name" or "-X"). */
static int
is_global_flag(const char *arg, const cli_opt *o)
{
    if (arg[0] == '-' && arg[1] == '-') {
        return strcmp(arg + 2, o->name) == 0;
    }
    return o->short_name != 0 && arg[0] == '-' && arg[1] == o->short_name && arg[2] == '\0';
}

/* A global option at argv[*i] (cli_globals_spec; -h and -V count only in place of
 * the command): 1 when taken, 0 when arg is something else, -1 (reported) on error. */
static int
take_global(cli_ctx *ctx, const char **ledger, const char **key, char **argv, int argc, int *i)
{
    for (const cli_opt *o = cli_globals_spec.opts; o->name != NULL; o++) {
        int r = 0;
        switch (o->id) {
        case CLI_G_LEDGER:
            r = take_global_value(ledger, argv, argc, i, o);
            break;
        case CLI_G_KEY:
            r = take_global_value(key, argv, argc, i, o);
            break;
        case CLI_G_JSON:
            if ((r = is_global_flag(argv[*i], o)) != 0) {
                ctx->json = 1;
            }
            break;
        case CLI_G_QUIET:
            if ((r = is_global_flag(argv[*i], o)) != 0) {
                ctx->quiet = 1;
            }
            break;
        default:
            break;
        }
        if (r != 0) {
            return r;
        }
    }
    return 0;
}

static int
resolve_defaults(cli_ctx *ctx, const char *ledger, const char *key)
{
    const char *env;
    int n;

    if (ledger == NULL) {
        env = getenv("AVOW_LEDGER");
        ledger = (env != NULL && env[0] != '\0') ? env : "./avow.ledger";
    }
    if (key == NULL) {
        env = getenv("AVOW_KEY");
        if (env != NULL && env[0] != '\0') {
            key = env;
        }
    }
    if (key == NULL) {
        const char *xdg = getenv("XDG_CONFIG_HOME");
        const char *home = getenv("HOME");
        if (xdg != NULL && xdg[0] == '/') {
            n = snprintf(ctx->key_buf, sizeof(ctx->key_buf), "%s/avow/default.key", xdg);
        } else if (home != NULL && home[0] != '\0') {
            n = snprintf(ctx->key_buf, sizeof(ctx->key_buf), "%s/.config/avow/default.key", home);
        } else {
            n = snprintf(ctx->key_buf, sizeof(ctx->key_buf), "./avow.key");
        }
        if (n < 0 || (size_t)n >= sizeof(ctx->key_buf)) {
            return cli_fail(CLI_EXIT_ENV, "default key path too long (use -k FILE)");
        }
        key = ctx->key_buf;
        ctx->key_is_default = 1;
    }
    ctx->ledger = ledger;
    ctx->key = key;
    return 0;
}

int
main(int argc, char **argv)
{
    cli_ctx ctx;
    const char *ledger = NULL;
    const char *key = NULL;
    char **rest = NULL;
    int nrest = 0;
    int passthrough = 0;
    int status = CLI_EXIT_OK;
    int r;
    const cli_cmd *cmd;
    const cli_cmd *cmd_seen = NULL;

    memset(&ctx, 0, sizeof(ctx));
    rest = calloc((size_t)argc + 1, sizeof(*rest));
    if (rest == NULL) {
        status = cli_fail(CLI_EXIT_ENV, "out of memory");
        goto done;
    }
    rest[nrest++] = argv[0];
    for (int i = 1; i < argc; i++) {
        const char *arg = argv[i];
        if (passthrough) {
            rest[nrest++] = argv[i];
            continue;
        }
        if (strcmp(arg, "--") == 0) {
            passthrough = 1;
            rest[nrest++] = argv[i];
            continue;
        }
        if ((r = take_global(&ctx, &ledger, &key, argv, argc, &i)) != 0) {
            if (r < 0) {
                status = CLI_EXIT_USAGE;
                goto done;
            }
            continue;
        }
        rest[nrest++] = argv[i];
        /* The command's options that take a value (invariant 2). */
        if (nrest > 2 && cmd_seen != NULL && cli_opt_takes_value(cmd_seen->specs, arg) &&
            i + 1 < argc) {
            rest[nrest++] = argv[++i];
        }
        if (nrest == 2) {
            cmd_seen = find_command(arg);
        }
    }
    rest[nrest] = NULL;

    if (nrest < 2) {
        status = cli_fail(CLI_EXIT_USAGE, "no command given (see 'avow --help')");
        goto done;
    }
    if (strcmp(rest[1], "--version") == 0 || strcmp(rest[1], "-V") == 0) {
        printf("avow %s\n", AVOW_VERSION);
        goto done;
    }
    if (strcmp(rest[1], "--help") == 0 || strcmp(rest[1], "-h") == 0) {
        help_top(stdout);
        goto done;
    }
    if (strcmp(rest[1], "--dump-options") == 0) {
        /* Undocumented: the option specs, for tests/cli/test_options.sh. */
        cli_dump_options(stdout, commands, NCOMMANDS);
        goto done;
    }
    cmd = find_command(rest[1]);
    if (cmd == NULL) {
        status = rest[1][0] == '-' ? unknown_global(rest[1]) : unknown_command(rest[1]);
        goto done;
    }
    if ((status = resolve_defaults(&ctx, ledger, key)) != 0) {
        goto done;
    }
    status = cmd->run(&ctx, nrest - 1, rest + 1);

done:
    free(rest);
    /* Output errors are sticky: one check covers every write to stdout. */
    if ((fflush(stdout) != 0 || ferror(stdout)) && status == CLI_EXIT_OK) {
        status = cli_fail(CLI_EXIT_ENV, "cannot write the output");
    }
    return status;
}
