/* SPDX-License-Identifier: ISC */
/*
 * cmd_io.c - `avow export` and `avow import`: JSON Lines of signed events out
 * and in, and unsigned declaration records (JSON Lines or CSV) signed on the
 * way in. The work is the library's (avow_export, avow_import); this file
 * parses options, spools stdin, draws the progress bar and reports.
 *
 * Invariants:
 *  1. stdout carries only data: the exported lines, or with --json the
 *     import's summary object. Bad lines, the summary and the progress bar go
 *     to stderr.
 *  2. Import appends nothing when any line is bad, unless --skip-bad; then it
 *     exits 0 after listing each skipped line.
 *  3. The progress bar appears only when stderr is a terminal, -q is not
 *     given, and the work has taken over a second.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"

#define BAR_WIDTH 40

typedef struct progress {
    int enabled;
    int shown;
    int last;
    int64_t start;
    const char *label;
    const char *name; /* the input, for bad lines */
    int skip_bad;
} progress;

static void
progress_init(progress *p, const cli_ctx *ctx, const char *label)
{
    memset(p, 0, sizeof(*p));
    p->enabled = !ctx->quiet && isatty(STDERR_FILENO);
    p->start = avow_time_now();
    p->last = -1;
    p->label = label;
}

static void
progress_clear(progress *p)
{
    if (p->shown) {
        fputs("\r\033[K", stderr);
        fflush(stderr);
        p->shown = 0;
        p->last = -1;
    }
}

static int
progress_cb(uint64_t done, uint64_t total, void *payload)
{
    static const char bar[] = "########################################";
    progress *p = payload;
    int pct;

    if (!p->enabled || total == 0) {
        return 0;
    }
    if (!p->shown && avow_time_now() - p->start < 1000000) {
        return 0;
    }
    pct = (int)(done >= total ? 100 : (done * 100) / total);
    if (pct == p->last) {
        return 0;
    }
    fprintf(stderr, "\ravow: %s [%-*.*s] %3d%%", p->label, BAR_WIDTH, pct * BAR_WIDTH / 100, bar,
            pct);
    fflush(stderr);
    p->shown = 1;
    p->last = pct;
    return 0;
}

static int
bad_cb(uint64_t line, int code, const char *what, void *payload)
{
    progress *p = payload;

    (void)code;
    progress_clear(p);
    fprintf(stderr, "avow: %s:%" PRIu64 ": %s", p->name, line, p->skip_bad ? "skipped: " : "");
    cli_put_line(stderr, what); /* the parser's "near" text is the file's bytes */
    return 0;
}

static int
write_stdout(const void *data, size_t len, void *payload)
{
    (void)payload;
    if (fwrite(data, 1, len, stdout) != len) {
        return AVOW_EIO;
    }
    return 0;
}

/* The tree size of a checkpoint of this ledger (checked: signed by the
 * owner, its root is this log's root at that size). Exit code or 0. */
static int
since_checkpoint(uint64_t *start, avow_ledger *ledger, const char *path)
{
    avow_checkpoint cp;
    FILE *fp = cli_fopen_read(path);
    char *text = NULL;
    size_t len;
    int status = 0;
    int r;

    if (fp == NULL) {
        return cli_fail(CLI_EXIT_USAGE, "%s", avow_error_last());
    }
    text = malloc(AVOW_NOTE_MAX_BYTES + 1);
    if (text == NULL) {
        status = cli_fail(CLI_EXIT_ENV, "out of memory");
        goto done;
    }
    len = fread(text, 1, AVOW_NOTE_MAX_BYTES + 1, fp);
    if (ferror(fp)) {
        status = cli_fail(CLI_EXIT_ENV, "cannot read %s: %s", path, strerror(errno));
        goto done;
    }
    if (len > AVOW_NOTE_MAX_BYTES) {
        status = cli_fail(CLI_EXIT_USAGE, "%s is not a checkpoint (over %d bytes)", path,
                          AVOW_NOTE_MAX_BYTES);
        goto done;
    }
    if ((r = avow_checkpoint_verify(&cp, ledger, text, len, NULL)) < 0) {
        status = cli_fail_lib(r, "is it a checkpoint of this ledger?", "checkpoint %s", path);
        goto done;
    }
    *start = cp.size;

done:
    free(text);
    (void)fclose(fp); /* read only: nothing to lose */
    return status;
}

static const cli_opt export_opts[] = {
    { "contest", 'c', 0, "C", "only contest C and retractions of its events\n",
      "every event; a partial export may not\n"
      "import into a ledger lacking the other events" },
    { "since", 's', 0, "CHECKPOINT", "only the events after the checkpoint's tree size\n",
      "from the first event" },
    { "csv", 'x', 0, NULL, "CSV (RFC 4180): a header row of the JSON keys, one row an event",
      NULL },
    { NULL, 0, 0, NULL, NULL, NULL },
};
static const cli_opt import_opts[] = {
    { "sign", 's', 0, NULL, "unsigned records, signed with the key (-k)", NULL },
    { "csv", 'c', 0, NULL,
      "with --sign: CSV (RFC 4180) whose header row names the\n"
      "same fields",
      "JSON Lines" },
    { "skip-bad", 'b', 0, NULL, "append the good lines, list the bad ones on stderr, exit 0\n",
      "any bad line refuses the whole file, exit 1 or 2" },
    { "allow-duplicates", 'D', 0, NULL,
      "with --sign: append a record even when this key already\n"
      "recorded the same one here",
      "skipped, counted as duplicates" },
    { "dry-run", 'n', 0, NULL, "check every line and report, write nothing", NULL },
    { NULL, 0, 0, NULL, NULL, NULL },
};
static const cli_spec export_spec = { "export", NULL, 19, 0, export_opts };
static const cli_spec import_spec = { "import", NULL, 18, 0, import_opts };
const cli_spec *const cli_export_specs[] = { &export_spec, NULL };
const cli_spec *const cli_import_specs[] = { &import_spec, NULL };

void
cmd_export_help(FILE *out)
{
    fprintf(out, "usage: avow export [--contest C] [--since CHECKPOINT] [--csv]\n"
                 "\n"
                 "Write the ledger's signed events on stdout as JSON Lines, in log order:\n"
                 "one object per event with the decoded fields and \"raw\", the signed\n"
                 "bytes in base64 (see docs/FORMAT.md). 'avow import' reads it back.\n"
                 "\n"
                 "options:\n");
    cli_help_options(out, &export_spec);
    fprintf(out, "\n");
    cli_help_globals(out);
}

int
cmd_export(cli_ctx *ctx, int argc, char **argv)
{
    cli_getopt_state gs;
    avow_export_opts opts = AVOW_EXPORT_OPTS_INIT;
    avow_ledger *ledger = NULL;
    const char *since = NULL;
    progress prog;
    uint64_t count = 0;
    int status = CLI_EXIT_OK;
    int r;
    int c;

    cli_getopt_init(&gs, &export_spec);
    while ((c = cli_getopt(&gs, argc, argv)) != -1) {
        switch (c) {
        case 'c':
            opts.contest = optarg;
            break;
        case 's':
            since = optarg;
            break;
        case 'x':
            opts.flags |= AVOW_EXPORT_CSV;
            break;
        case CLI_OPT_HELP:
            cmd_export_help(stdout);
            goto done;
        default:
            status = CLI_EXIT_USAGE;
            goto done;
        }
    }
    if (optind < argc) {
        status = cli_usage_fail("export", "unexpected argument '%s'", argv[optind]);
        goto done;
    }
    if ((status = cli_open_ledger(&ledger, ctx, AVOW_OPEN_READONLY)) != 0) {
        goto done;
    }
    if (since != NULL && (status = since_checkpoint(&opts.start, ledger, since)) != 0) {
        goto done;
    }
    progress_init(&prog, ctx, "export");
    opts.on_progress = progress_cb;
    opts.payload = &prog;
    r = avow_export(&count, ledger, write_stdout, NULL, &opts);
    progress_clear(&prog);
    if (r == AVOW_EIO && ferror(stdout)) {
        status = cli_fail(CLI_EXIT_ENV, "cannot write the output: %s", strerror(errno));
    } else if (r < 0) {
        status = cli_fail_lib(r, "run 'avow verify'", "cannot export the ledger '%s'", ctx->ledger);
        if (r == AVOW_EFORMAT || r == AVOW_EVERIFY) {
            status = CLI_EXIT_CHECK;
        }
    }

done:
    avow_ledger_free(ledger);
    return status;
}

void
cmd_import_help(FILE *out)
{
    fprintf(out, "usage: avow import [--dry-run] FILE|-\n"
                 "       avow import --sign [--csv] [--skip-bad] [--allow-duplicates] [--dry-run]\n"
                 "                   FILE|-\n"
                 "\n"
                 "Without --sign: read the JSON Lines of 'avow export' (from another\n"
                 "ledger), check every line (raw decodes, its signature holds, the other\n"
                 "fields match it, author chains follow), then append them in batches.\n"
                 "Events already present are skipped.\n"
                 "\n"
                 "With --sign: read unsigned declaration records, one JSON object per line,\n"
                 "  {\"kind\":\"stance\",\"contest\":\"nato-sg-2024\",\"actor\":\"LT\",\n"
                 "   \"stance\":\"supports\",\"candidate\":\"Rutte\",\"at\":\"2024-04-03\",\n"
                 "   \"source\":\"https://...\"}\n"
                 "with the fields kind, at, contest, title, rule, actor, candidate, stance,\n"
                 "person, source, quote, reason, target; sign each with the current key and\n"
                 "append them. \"at\" is required (except for kind retract: now).\n"
                 "A record this key already recorded here (the same kind, at and fields;\n"
                 "for a retraction the same target and reason) is skipped and counted as a\n"
                 "duplicate, so importing a file again, or again after an interrupted\n"
                 "import, appends only what is missing.\n"
                 "\n"
                 "The whole file is checked first: each bad line is reported with its line\n"
                 "number and nothing is appended. Lines are at most 65536 bytes.\n"
                 "The good records are then appended in transactions of 65536: a larger\n"
                 "file is not all or nothing, and a run stopped while appending keeps the\n"
                 "transactions it committed.\n"
                 "\n"
                 "options:\n");
    cli_help_options(out, &import_spec);
    fprintf(out,
            "\n"
            "FILE '-' reads stdin (spooled to a temporary file: it is read twice).\n"
            "Exits 1 when a signed event fails its checks, 2 when a line is malformed.\n"
            "With --json, prints {\"records\":N,\"appended\":N,\"duplicates\":N,\"skipped\":N,\n"
            "\"dry_run\":BOOL}.\n"
            "\n");
    cli_help_globals(out);
}

int
cmd_import(cli_ctx *ctx, int argc, char **argv)
{
    cli_getopt_state gs;
    avow_import_opts opts = AVOW_IMPORT_OPTS_INIT;
    avow_import_result res;
    avow_ledger *ledger = NULL;
    avow_key *key = NULL;
    char spool[CLI_PATH_MAX];
    const char *path;
    progress prog;
    json_t *doc;
    int status = CLI_EXIT_OK;
    uint64_t head0 = 0;
    int r;
    int c;

    spool[0] = '\0';
    cli_getopt_init(&gs, &import_spec);
    while ((c = cli_getopt(&gs, argc, argv)) != -1) {
        switch (c) {
        case 's':
            opts.flags |= AVOW_IMPORT_SIGN;
            break;
        case 'c':
            opts.flags |= AVOW_IMPORT_CSV;
            break;
        case 'b':
            opts.flags |= AVOW_IMPORT_SKIP_BAD;
            break;
        case 'D':
            opts.flags |= AVOW_IMPORT_ALLOW_DUPLICATES;
            break;
        case 'n':
            opts.flags |= AVOW_IMPORT_DRY_RUN;
            break;
        case CLI_OPT_HELP:
            cmd_import_help(stdout);
            goto done;
        default:
            status = CLI_EXIT_USAGE;
            goto done;
        }
    }
    if (argc - optind != 1) {
        status = cli_usage_fail("import", argc - optind < 1 ? "missing the FILE (or - for stdin)"
                                                            : "too many arguments");
        goto done;
    }
    if ((opts.flags & AVOW_IMPORT_CSV) && !(opts.flags & AVOW_IMPORT_SIGN)) {
        status = cli_usage_fail("import", "--csv is for unsigned records: add --sign");
        goto done;
    }
    path = argv[optind];
    if ((status = cli_open_ledger(&ledger, ctx, 0)) != 0) {
        goto done;
    }
    if ((opts.flags & AVOW_IMPORT_SIGN) && ((status = cli_load_key(&key, ctx)) != 0 ||
                                            (status = cli_keyhead_check(ctx, ledger, key)) != 0)) {
        goto done;
    }
    if (strcmp(path, "-") == 0) {
        if ((status = cli_spool_stdin(spool, sizeof(spool))) != 0) {
            goto done;
        }
    }
    if (key != NULL && avow_ledger_head(&head0, NULL, ledger, avow_key_public(key)) < 0) {
        head0 = 0;
    }
    progress_init(&prog, ctx, "import");
    prog.name = spool[0] != '\0' ? "stdin" : path;
    prog.skip_bad = (opts.flags & AVOW_IMPORT_SKIP_BAD) != 0;
    opts.key = key;
    opts.on_bad = bad_cb;
    opts.on_progress = progress_cb;
    opts.payload = &prog;
    r = avow_import(&res, ledger, spool[0] != '\0' ? spool : path, &opts);
    progress_clear(&prog);
    if (key != NULL && !(opts.flags & AVOW_IMPORT_DRY_RUN)) {
        cli_keyhead_update(ctx, ledger, key); /* also after a failed batch: what was appended */
    }
    if (r < 0) {
        status = cli_fail_lib(r, NULL, "cannot import %s", prog.name);
        goto done;
    }
    if (ctx->json) {
        doc =
          json_pack("{sIsIsIsIsb}", "records", (json_int_t)res.records, "appended",
                    (json_int_t)res.appended, "duplicates", (json_int_t)res.duplicates, "skipped",
                    (json_int_t)res.bad, "dry_run", (opts.flags & AVOW_IMPORT_DRY_RUN) != 0);
        status = cli_print_json(doc);
    } else if (!ctx->quiet && (opts.flags & AVOW_IMPORT_DRY_RUN)) {
        fprintf(stderr,
                "avow: dry run, nothing written: %s: %" PRIu64 " records, %" PRIu64
                " would be appended, %" PRIu64 " already present, %" PRIu64 " bad\n",
                prog.name, res.records, res.records - res.duplicates - res.bad, res.duplicates,
                res.bad);
    } else if (!ctx->quiet) {
        fprintf(stderr, "avow: imported %" PRIu64 " event%s from %s", res.appended,
                res.appended == 1 ? "" : "s", prog.name);
        if (res.duplicates > 0) {
            fprintf(stderr, ", %" PRIu64 " already present", res.duplicates);
        }
        if (res.bad > 0) {
            fprintf(stderr, ", skipped %" PRIu64 " bad line%s", res.bad, res.bad == 1 ? "" : "s");
        }
        fputc('\n', stderr);
        uint64_t head1 = 0;
        if (key != NULL && res.appended > 0 &&
            avow_ledger_head(&head1, NULL, ledger, avow_key_public(key)) == 0 && head1 > head0) {
            /* What one import appended is one range of the key's chain: its undo. */
            fprintf(stderr,
                    "avow: seq %" PRIu64 "..%" PRIu64 " of your key; undo with: avow retract "
                    "--seq %" PRIu64 "..%" PRIu64 " --reason TEXT\n",
                    head0 + 1, head1, head0 + 1, head1);
        }
    }

done:
    if (spool[0] != '\0') {
        unlink(spool);
    }
    avow_key_free(key);
    avow_ledger_free(ledger);
    return status;
}
