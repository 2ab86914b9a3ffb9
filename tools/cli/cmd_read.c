/* SPDX-License-Identifier: ISC */
/*
 * cmd_read.c - `avow log` and `avow show`: read the ledger without changing it.
 *
 * Invariants:
 *  1. The ledger is opened read-only; these commands never write.
 *  2. --json output is the library's avow_event_json() object, with this
 *     replica's "status" as its last key, as the library writes it: log prints
 *     JSON Lines without raw, show prints one object with raw (base64).
 *  3. Human output prints event text through cli_put_str() (no control
 *     characters reach the terminal); times are UTC ISO 8601 at the event's
 *     precision.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

#define SHORT_HEX 8

static const char *
kind_name(uint8_t kind, char *tmp, size_t tmplen)
{
    const char *name = avow_kind_name(kind);

    if (name == NULL || name[0] == '\0') {
        (void)snprintf(tmp, tmplen, "kind-%u", (unsigned int)kind);
        return tmp;
    }
    return name;
}

static int
kind_width(void)
{
    int width = 0;

    for (unsigned int k = 1; k <= AVOW_KIND_MAX_KNOWN; k++) {
        const char *name = avow_kind_name((uint8_t)k);
        int len = name != NULL ? (int)strlen(name) : 0;
        if (len > width) {
            width = len;
        }
    }
    return width;
}

static void
put_sp(FILE *out, avow_str s)
{
    fputc(' ', out);
    cli_put_str(out, s);
}

/* One line: #INDEX ID8 WHEN KIND SUMMARY  (by AUTHOR8) */
/* "trusted", "untrusted" or "forked": whether the event counts in projections. */
static const char *
trust_status(const avow_trust *trust, const avow_event *ev)
{
    if (avow_trust_forked(trust, ev->author, ev->seq) == 1) {
        return "forked";
    }
    return avow_trust_counts(trust, ev->author, ev->seq) == 1 ? "trusted" : "untrusted";
}

/* The library's event object plus this replica's view of it, "status", on
 * one line: rendered by the library with the key, not parsed again here.
 * @return 0, the library's error (< 0), or an exit status (> 0) */
static int
print_event_json(avow_buf *buf, const avow_event *ev, uint64_t index, int with_raw,
                 const char *status)
{
    avow_event_json_opts jo = AVOW_EVENT_JSON_OPTS_INIT;
    int r;

    jo.with_raw = with_raw;
    jo.status = status;
    buf->len = 0;
    if ((r = avow_event_json(buf, ev, index, &jo)) < 0) {
        return r;
    }
    if (fwrite(buf->ptr, 1, buf->len, stdout) != buf->len || putchar('\n') == EOF) {
        return cli_fail(CLI_EXIT_ENV, "cannot write the JSON output");
    }
    return 0;
}

static void
log_line(FILE *out, const avow_event *ev, uint64_t index, int width, const char *status,
         const char *author_name)
{
    unsigned char id[AVOW_EVENT_ID_BYTES];
    char hex[AVOW_HEX_ID_LEN + 1];
    char when[AVOW_AT_STRLEN];
    char tmp[16];

    avow_event_id(id, ev);
    avow_hex(hex, id, SHORT_HEX / 2);
    cli_format_row_time(when, ev);
    fprintf(out, "#%" PRIu64 " %s %s %-*s ", index, hex, when, width,
            avow_event_kind_known(ev) ? kind_name(ev->kind, tmp, sizeof(tmp))
                                      : kind_name(0, tmp, sizeof(tmp)));
    cli_put_str(out, ev->contest);
    switch ((avow_kind)ev->kind) {
    case AVOW_KIND_CONTEST:
        fputs(" \"", out);
        cli_put_str(out, ev->title);
        fputs("\" rule ", out);
        cli_put_str(out, ev->rule);
        if (ev->choice != AVOW_CHOICE_NONE) {
            fprintf(out, " choice %s", avow_choice_name(ev->choice));
        }
        break;
    case AVOW_KIND_MEMBER_JOIN:
        put_sp(out, ev->actor);
        fputs(" joins", out);
        break;
    case AVOW_KIND_MEMBER_LEAVE:
        put_sp(out, ev->actor);
        fputs(" leaves", out);
        break;
    case AVOW_KIND_CANDIDATE_ENTER:
        put_sp(out, ev->candidate);
        fputs(" enters", out);
        break;
    case AVOW_KIND_CANDIDATE_WITHDRAW:
        put_sp(out, ev->candidate);
        fputs(" withdraws", out);
        break;
    case AVOW_KIND_STANCE:
        put_sp(out, ev->actor);
        fprintf(out, " %s", avow_stance_name(ev->stance));
        put_sp(out, ev->candidate);
        break;
    case AVOW_KIND_RETRACT:
        if (ev->target != NULL) {
            avow_hex(hex, ev->target, SHORT_HEX / 2);
            fprintf(out, "retracts %s: ", hex);
        }
        cli_put_str(out, ev->reason);
        break;
    case AVOW_KIND_DECISION:
        fputs(" decided", out);
        put_sp(out, ev->candidate);
        if (ev->takes_effect_precision != 0) {
            char te[AVOW_TIME_STRLEN];
            avow_time_format(te, ev->takes_effect, (avow_precision)ev->takes_effect_precision);
            fprintf(out, ", takes effect %s", te);
        }
        break;
    case AVOW_KIND_CANDIDATE_SIGNAL:
        if (avow_event_kind_known(ev)) {
            put_sp(out, ev->candidate);
            fputs(" signals", out);
        }
        break;
    case AVOW_KIND_CONTEST_AMEND:
        if (avow_event_kind_known(ev)) {
            fputs(" amended", out);
        }
        break;
    case AVOW_KIND_ACTOR_NAME:
        if (avow_event_kind_known(ev)) {
            put_sp(out, ev->actor);
            fputs(" is named \"", out);
            cli_put_str(out, ev->title);
            fputc('"', out);
        }
        break;
    default:
        break;
    }
    cli_put_research(out, ev);
    avow_hex(hex, ev->author, SHORT_HEX / 2);
    fputs("  (by ", out);
    if (author_name != NULL) {
        /* The keyring name (local, typed by this user); printed like event text. */
        cli_put_str(out, (avow_str){ author_name, strlen(author_name) });
    } else {
        fputs(hex, out);
    }
    if (strcmp(status, "trusted") == 0) {
        fputs(")\n", out);
    } else {
        fprintf(out, ") [%s]\n", status);
    }
}

static const cli_opt log_opts[] = {
    { "contest", 'c', 0, "C", "only contest C and retractions of its events", "all" },
    { "author", 'a', 0, "KEY",
      "only events signed by KEY: 64 hex, a unique prefix\n"
      "of 8 or more, or a keyring name",
      "all" },
    { "actor", 'A', 0, "A", "only events about actor A", "all" },
    { "candidate", 'C', 0, "C", "only events about candidate C", "all" },
    { "kind", 'K', 0, "K", "only events of kind K (stance, contest, member-join, ...)", "all" },
    { "since", 'S', 0, "TIME", "only events effective at or after TIME", NULL },
    { "until", 'U', 0, "TIME", "only events effective at or before TIME (a date: its end)", NULL },
    { "grep", 'G', 0, "TEXT",
      "only events whose source, person, quote or note\n"
      "contains TEXT (ASCII letters in either case)",
      NULL },
    { "max-count", 'n', 'n', "N", "at most N events (with --reverse: the N newest)", "all" },
    { "reverse", 'R', 0, NULL, "newest first", "log order" },
    { "csv", 'x', 0, NULL, "CSV (RFC 4180): a header row of the --json keys", NULL },
    { NULL, 0, 0, NULL, NULL, NULL },
};
static const cli_opt no_opts[] = { { NULL, 0, 0, NULL, NULL, NULL } };
static const cli_spec log_spec = { "log", NULL, 17, 1, log_opts };
static const cli_spec show_spec = { "show", NULL, 0, 0, no_opts };
const cli_spec *const cli_log_specs[] = { &log_spec, NULL };
const cli_spec *const cli_show_specs[] = { &show_spec, NULL };

void
cmd_log_help(FILE *out)
{
    fprintf(out, "usage: avow log [--contest C] [--author KEY] [--actor A] [--candidate C]\n"
                 "                [--kind K] [--since TIME] [--until TIME] [--grep TEXT]\n"
                 "                [-n N] [--reverse] [--json | --csv]\n"
                 "\n"
                 "List the events in log order, one per line:\n"
                 "  #INDEX ID WHEN KIND SUMMARY  (by AUTHOR)\n"
                 "AUTHOR is the keyring name of the key when it has one.\n"
                 "With --json, JSON Lines: one object per event; with --csv, a header row\n"
                 "and one row per event, with the same keys.\n"
                 "Filters look at the event's own fields (a retraction has no actor) and\n"
                 "dates at effective_at.\n"
                 "\n"
                 "options:\n");
    cli_help_options(out, &log_spec);
    fprintf(out, "\n");
    cli_help_globals(out);
}

/* The options of log, as given (resolved once the ledger is open). */
typedef struct log_args {
    avow_event_filter filter;
    const char *contest;
    const char *author;
    uint64_t max;
    int has_max;
    int reverse;
    int csv;
} log_args;

/* Parse a --kind name, suggesting the nearest kind. Exit code or 0. */
static int
log_parse_kind(uint8_t *kind, const char *text)
{
    cli_suggest sg;

    if ((*kind = avow_kind_parse(text)) != 0) {
        return 0;
    }
    cli_suggest_init(&sg, text, strlen(text));
    for (unsigned int k = 1; k <= AVOW_KIND_MAX_KNOWN + 1; k++) {
        const char *name = avow_kind_name((uint8_t)k);
        if (name != NULL && name[0] != '\0' && avow_kind_parse(name) == k) {
            cli_suggest_offer(&sg, name);
        }
    }
    if (sg.best != NULL) {
        return cli_fail(CLI_EXIT_USAGE,
                        "unknown kind '%s' (did you mean '%s'? see 'avow log --help')", text,
                        sg.best);
    }
    return cli_usage_fail("log", "unknown kind '%s'", text);
}

/* A --since/--until time: a bare date is its start for --since, its end for --until. */
static int
log_parse_time(int64_t *t, const char *text, avow_time_bound mode)
{
    avow_precision p = AVOW_PREC_MICRO;

    if (avow_time_parse(t, &p, text, mode) < 0) {
        return cli_fail(CLI_EXIT_USAGE, "%s", avow_error_last());
    }
    return 0;
}

static int
log_parse(log_args *la, int argc, char **argv)
{
    cli_getopt_state gs;
    char *end = NULL;
    int status = 0;
    int c;

    cli_getopt_init(&gs, &log_spec);
    while (status == 0 && (c = cli_getopt(&gs, argc, argv)) != -1) {
        switch (c) {
        case 'c':
            la->contest = optarg;
            break;
        case 'a':
            la->author = optarg;
            break;
        case 'A':
            la->filter.actor = optarg;
            break;
        case 'C':
            la->filter.candidate = optarg;
            break;
        case 'K':
            status = log_parse_kind(&la->filter.kind, optarg);
            break;
        case 'S':
            status = log_parse_time(&la->filter.since, optarg, AVOW_TIME_START);
            break;
        case 'U':
            status = log_parse_time(&la->filter.until, optarg, AVOW_TIME_END);
            break;
        case 'G':
            la->filter.grep = optarg;
            break;
        case 'n':
            errno = 0;
            la->max = strtoull(optarg, &end, 10);
            if (optarg[0] < '0' || optarg[0] > '9' || *end != '\0' || errno != 0) {
                status = cli_usage_fail("log", "-n wants a number, not '%s'", optarg);
            }
            la->has_max = 1;
            break;
        case 'R':
            la->reverse = 1;
            break;
        case 'x':
            la->csv = 1;
            break;
        case CLI_OPT_HELP:
            cmd_log_help(stdout);
            return -1;
        default:
            return CLI_EXIT_USAGE;
        }
    }
    if (status == 0 && optind < argc) {
        status = cli_usage_fail("log", "unexpected argument '%s'", argv[optind]);
    }
    return status;
}

/* The columns of log --csv: the event's (raw excepted) and status. */
static const char **
log_csv_columns(void)
{
    const char *const *cols = avow_event_csv_columns();
    const char **out;
    size_t n = 0, k = 0;

    while (cols[n] != NULL) {
        n++;
    }
    if ((out = calloc(n + 2, sizeof(*out))) == NULL) {
        return NULL;
    }
    for (size_t i = 0; i < n; i++) {
        if (strcmp(cols[i], "raw") != 0) {
            out[k++] = cols[i];
        }
    }
    out[k++] = "status";
    out[k] = NULL;
    return out;
}

/* One event as log prints it: a line, a JSON line or a CSV row. Exit code or 0.
 * The CSV row is read from the library's JSON with the status (one schema). */
static int
log_print(const cli_ctx *ctx, const log_args *la, const char *const *cols, avow_buf *buf,
          const avow_event *ev, uint64_t index, const avow_trust *trust)
{
    const char *st = trust_status(trust, ev);
    avow_event_json_opts jo = AVOW_EVENT_JSON_OPTS_INIT;
    avow_buf row = AVOW_BUF_INIT;
    int r;

    if (!ctx->json && !la->csv) {
        log_line(stdout, ev, index, kind_width(), st, avow_trust_name(trust, ev->author));
        return 0;
    }
    if (!la->csv) {
        r = print_event_json(buf, ev, index, 0, st);
        return r < 0 ? cli_fail_lib(r, NULL, "cannot render event #%" PRIu64, index) : r;
    }
    jo.status = st;
    buf->len = 0;
    if ((r = avow_event_json(buf, ev, index, &jo)) < 0 ||
        (r = avow_csv_row(&row, (const char *)buf->ptr, buf->len, cols)) < 0) {
        avow_buf_dispose(&row);
        return cli_fail_lib(r, NULL, "cannot render event #%" PRIu64, index);
    }
    r = fwrite(row.ptr, 1, row.len, stdout) == row.len ? 0 : CLI_EXIT_ENV;
    avow_buf_dispose(&row);
    return r;
}

int
cmd_log(cli_ctx *ctx, int argc, char **argv)
{
    log_args la = { AVOW_EVENT_FILTER_INIT, NULL, NULL, 0, 0, 0, 0 };
    avow_iter_opts opts = AVOW_ITER_OPTS_INIT;
    unsigned char author[AVOW_PUBKEY_BYTES];
    const char **cols = NULL;
    avow_ledger *ledger = NULL;
    avow_iter *it = NULL;
    avow_trust *trust = NULL;
    avow_buf buf = AVOW_BUF_INIT;
    avow_event ev;
    uint64_t index, shown = 0;
    int status;
    int r = 0;

    if ((status = log_parse(&la, argc, argv)) != 0) {
        return status < 0 ? CLI_EXIT_OK : status;
    }
    if (ctx->json && la.csv) {
        return cli_usage_fail("log", "--json and --csv exclude each other");
    }
    if ((status = cli_open_ledger(&ledger, ctx, AVOW_OPEN_READONLY)) != 0) {
        goto done;
    }
    if (la.author != NULL) {
        if ((status = cli_resolve_key(ledger, author, la.author, "log")) != 0) {
            goto done;
        }
        opts.author = author;
    }
    opts.contest = la.contest;
    opts.filter = &la.filter;
    opts.reverse = la.reverse;
    if ((r = avow_iter_new(&it, ledger, &opts)) < 0) {
        status = cli_fail_lib(r, NULL, "cannot read the ledger '%s'", ctx->ledger);
        goto done;
    }
    if ((r = avow_trust_open(&trust, ledger)) < 0) {
        status = cli_fail_lib(r, NULL, "cannot read the keyring of '%s'", ctx->ledger);
        goto done;
    }
    if (la.csv) {
        if ((cols = log_csv_columns()) == NULL || avow_csv_header(&buf, cols) < 0) {
            status = cli_fail(CLI_EXIT_ENV, "out of memory");
            goto done;
        }
        fwrite(buf.ptr, 1, buf.len, stdout);
    }
    while ((!la.has_max || shown < la.max) && (r = avow_iter_next(&ev, &index, it)) == 1) {
        if ((status = log_print(ctx, &la, cols, &buf, &ev, index, trust)) != 0) {
            goto done;
        }
        shown++;
    }
    if (r < 0) {
        status = cli_fail_lib(r, "run 'avow verify'", "cannot read the ledger '%s'", ctx->ledger);
        if (r == AVOW_EFORMAT || r == AVOW_EVERIFY) {
            status = CLI_EXIT_CHECK;
        }
    }

done:
    free(cols);
    avow_buf_dispose(&buf);
    avow_trust_free(trust);
    avow_iter_free(it);
    avow_ledger_free(ledger);
    return status;
}

static void
field(FILE *out, const char *name, avow_str s)
{
    if (s.ptr == NULL) {
        return;
    }
    fprintf(out, "%-13s ", name);
    cli_put_str(out, s);
    fputc('\n', out);
}

static void
show_human(FILE *out, const avow_event *ev, const unsigned char id[AVOW_EVENT_ID_BYTES],
           uint64_t index, int sig_ok)
{
    char hex[2 * AVOW_SIG_BYTES + 1];
    char when[AVOW_TIME_STRLEN];
    char tmp[16];
    uint8_t prec = ev->precision != 0 ? ev->precision : AVOW_PREC_MICRO;

    avow_hex(hex, id, AVOW_EVENT_ID_BYTES);
    fprintf(out, "%-13s %s\n", "id", hex);
    fprintf(out, "%-13s %" PRIu64 "\n", "index", index);
    fprintf(out, "%-13s %s\n", "kind", kind_name(ev->kind, tmp, sizeof(tmp)));
    fprintf(out, "%-13s %u\n", "version", (unsigned int)ev->version);
    avow_hex(hex, ev->author, AVOW_PUBKEY_BYTES);
    fprintf(out, "%-13s %s\n", "author", hex);
    fprintf(out, "%-13s %" PRIu64 "\n", "seq", ev->seq);
    avow_hex(hex, ev->prev, AVOW_HASH_BYTES);
    fprintf(out, "%-13s %s\n", "prev", hex);
    avow_time_format(when, ev->recorded_at, AVOW_PREC_MICRO);
    fprintf(out, "%-13s %s\n", "recorded_at", when);
    avow_time_format(when, ev->effective_at, (avow_precision)prec);
    fprintf(out, "%-13s %s (%s)\n", "effective_at", when, avow_precision_name(prec));
    field(out, "contest", ev->contest);
    field(out, "title", ev->title);
    field(out, "rule", ev->rule);
    field(out, "actor", ev->actor);
    if (ev->stance != AVOW_STANCE_NONE) {
        const char *name = avow_stance_name(ev->stance);
        fprintf(out, "%-13s %s\n", "stance", name != NULL ? name : "?");
    }
    field(out, "candidate", ev->candidate);
    field(out, "person", ev->person);
    field(out, "source", ev->source);
    field(out, "quote", ev->quote);
    field(out, "reason", ev->reason);
    if (ev->target != NULL) {
        avow_hex(hex, ev->target, AVOW_EVENT_ID_BYTES);
        fprintf(out, "%-13s %s\n", "target", hex);
    }
    avow_hex(hex, ev->signature, AVOW_SIG_BYTES);
    fprintf(out, "%-13s %s (%s)\n", "signature", hex, sig_ok ? "valid" : "INVALID");
    fprintf(out, "%-13s %zu bytes\n", "size", ev->raw_len);
}

void
cmd_show_help(FILE *out)
{
    fprintf(out, "usage: avow show EVENT_ID [--json]\n"
                 "\n"
                 "Show every field of one event, and whether its signature holds.\n"
                 "EVENT_ID is 64 hex characters or a unique prefix of at least 8.\n"
                 "With --json, one object with the signed bytes in \"raw\" (base64).\n"
                 "Exits 1 when the signature does not hold.\n"
                 "\n");
    cli_help_globals(out);
}

int
cmd_show(cli_ctx *ctx, int argc, char **argv)
{
    cli_getopt_state gs;
    unsigned char id[AVOW_EVENT_ID_BYTES];
    char hex[AVOW_HEX_ID_LEN + 1];
    avow_ledger *ledger = NULL;
    avow_trust *trust = NULL;
    avow_buf raw = AVOW_BUF_INIT;
    avow_buf json = AVOW_BUF_INIT;
    avow_event ev;
    uint64_t index = 0;
    int status = CLI_EXIT_OK;
    int sig_ok;
    int r;
    int c;

    cli_getopt_init(&gs, &show_spec);
    while ((c = cli_getopt(&gs, argc, argv)) != -1) {
        switch (c) {
        case CLI_OPT_HELP:
            cmd_show_help(stdout);
            goto done;
        default:
            status = CLI_EXIT_USAGE;
            goto done;
        }
    }
    if (argc - optind != 1) {
        status =
          cli_usage_fail("show", argc - optind < 1 ? "missing the EVENT_ID" : "too many arguments");
        goto done;
    }
    if ((status = cli_check_id_text(argv[optind])) != 0) {
        goto done;
    }
    if ((status = cli_open_ledger(&ledger, ctx, AVOW_OPEN_READONLY)) != 0 ||
        (status = cli_resolve_event(ledger, id, argv[optind])) != 0) {
        goto done;
    }
    r = avow_ledger_get(&raw, &index, ledger, id);
    if (r == AVOW_ENOTFOUND) {
        status =
          cli_fail(CLI_EXIT_USAGE, "no event '%s' in this ledger (see 'avow log')", argv[optind]);
        goto done;
    }
    if (r < 0) {
        status = cli_fail_lib(r, NULL, "cannot read event '%s'", argv[optind]);
        goto done;
    }
    if ((r = avow_event_decode(&ev, raw.ptr, raw.len)) < 0) {
        cli_fail_lib(r, "run 'avow verify'", "stored event '%s' does not decode", argv[optind]);
        status = CLI_EXIT_CHECK;
        goto done;
    }
    sig_ok = avow_event_verify(&ev) == 0;
    if ((r = avow_trust_open(&trust, ledger)) < 0) {
        status = cli_fail_lib(r, NULL, "cannot read the keyring of '%s'", ctx->ledger);
        goto done;
    }
    if (ctx->json) {
        if ((r = print_event_json(&json, &ev, index, 1, trust_status(trust, &ev))) < 0) {
            status = cli_fail_lib(r, NULL, "cannot render event '%s'", argv[optind]);
            goto done;
        }
        if ((status = r) != 0) {
            goto done;
        }
    } else {
        show_human(stdout, &ev, id, index, sig_ok);
        printf("%-13s %s\n", "status", trust_status(trust, &ev));
    }
    if (!sig_ok) {
        avow_hex(hex, id, AVOW_EVENT_ID_BYTES);
        status = cli_fail(CLI_EXIT_CHECK,
                          "the signature of event %s does not hold (run 'avow "
                          "verify')",
                          hex);
    }

done:
    avow_trust_free(trust);
    avow_buf_dispose(&json);
    avow_buf_dispose(&raw);
    avow_ledger_free(ledger);
    return status;
}
