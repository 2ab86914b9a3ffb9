/* SPDX-License-Identifier: ISC */
/*
 * cmd_read.c - `avow log` and `avow show`: read the ledger without changing it.
 *
 * Invariants:
 *  1. The ledger is opened read-only; these commands never write.
 *  2. --json output is the library's avow_event_to_json() object, key order
 *     and bytes kept, plus this replica's "status" as its last key: log prints
 *     JSON Lines without raw, show prints one object with raw (base64).
 *  3. Human output prints event text through cli_put_str() (no control
 *     characters reach the terminal); times are UTC ISO 8601 at the event's
 *     precision.
 */
#include <inttypes.h>
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

/* The library's event object plus this replica's view of it, "status", on one line. */
static int
print_event_json(const avow_buf *json, const char *status)
{
    json_t *o = cli_json_object(json->ptr, json->len, "an event");
    int r;

    if (o == NULL) {
        return CLI_EXIT_ENV;
    }
    if ((r = cli_json_set(o, "status", json_string(status))) != 0) {
        json_decref(o);
        return r;
    }
    return cli_print_json(o);
}

static void
log_line(FILE *out, const avow_event *ev, uint64_t index, int width, const char *status)
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
    default:
        break;
    }
    cli_put_research(out, ev);
    avow_hex(hex, ev->author, SHORT_HEX / 2);
    if (strcmp(status, "trusted") == 0) {
        fprintf(out, "  (by %s)\n", hex);
    } else {
        fprintf(out, "  (by %s) [%s]\n", hex, status);
    }
}

static const cli_opt log_opts[] = {
    { "contest", 'c', 0, "C", "only contest C and retractions of its events", "all" },
    { "author", 'a', 0, "PUBKEY", "only events signed by PUBKEY, 64 hex", "all" },
    { NULL, 0, 0, NULL, NULL, NULL },
};
static const cli_opt no_opts[] = { { NULL, 0, 0, NULL, NULL, NULL } };
static const cli_spec log_spec = { "log", NULL, 17, 0, log_opts };
static const cli_spec show_spec = { "show", NULL, 0, 0, no_opts };
const cli_spec *const cli_log_specs[] = { &log_spec, NULL };
const cli_spec *const cli_show_specs[] = { &show_spec, NULL };

void
cmd_log_help(FILE *out)
{
    fprintf(out, "usage: avow log [--contest C] [--author PUBKEY] [--json]\n"
                 "\n"
                 "List the events in log order, one per line:\n"
                 "  #INDEX ID WHEN KIND SUMMARY  (by AUTHOR)\n"
                 "With --json, JSON Lines: one object per event.\n"
                 "\n"
                 "options:\n");
    cli_help_options(out, &log_spec);
    fprintf(out, "\n");
    cli_help_globals(out);
}

int
cmd_log(cli_ctx *ctx, int argc, char **argv)
{
    cli_getopt_state gs;
    avow_iter_opts opts = AVOW_ITER_OPTS_INIT;
    unsigned char author[AVOW_PUBKEY_BYTES];
    avow_ledger *ledger = NULL;
    avow_iter *it = NULL;
    avow_trust *trust = NULL;
    avow_buf buf = AVOW_BUF_INIT;
    avow_event ev;
    uint64_t index;
    int status = CLI_EXIT_OK;
    int width = kind_width();
    int r;
    int c;

    cli_getopt_init(&gs, &log_spec);
    while ((c = cli_getopt(&gs, argc, argv)) != -1) {
        switch (c) {
        case 'c':
            opts.contest = optarg;
            break;
        case 'a':
            if ((status = cli_parse_pubkey(author, optarg, "log")) != 0) {
                goto done;
            }
            opts.author = author;
            break;
        case CLI_OPT_HELP:
            cmd_log_help(stdout);
            goto done;
        default:
            status = CLI_EXIT_USAGE;
            goto done;
        }
    }
    if (optind < argc) {
        status = cli_usage_fail("log", "unexpected argument '%s'", argv[optind]);
        goto done;
    }
    if ((status = cli_open_ledger(&ledger, ctx, AVOW_OPEN_READONLY)) != 0) {
        goto done;
    }
    if ((r = avow_iter_new(&it, ledger, &opts)) < 0) {
        status = cli_fail_lib(r, NULL, "cannot read the ledger '%s'", ctx->ledger);
        goto done;
    }
    if ((r = avow_trust_open(&trust, ledger)) < 0) {
        status = cli_fail_lib(r, NULL, "cannot read the keyring of '%s'", ctx->ledger);
        goto done;
    }
    while ((r = avow_iter_next(it, &ev, &index)) == 1) {
        const char *st = trust_status(trust, &ev);
        if (ctx->json) {
            buf.len = 0;
            if ((r = avow_event_to_json(&buf, &ev, index, 0)) < 0) {
                break;
            }
            if ((status = print_event_json(&buf, st)) != 0) {
                goto done;
            }
        } else {
            log_line(stdout, &ev, index, width, st);
        }
    }
    if (r < 0) {
        status = cli_fail_lib(r, "run 'avow verify'", "cannot read the ledger '%s'", ctx->ledger);
        if (r == AVOW_EFORMAT || r == AVOW_EVERIFY) {
            status = CLI_EXIT_CHECK;
        }
    }

done:
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
    r = avow_ledger_get(ledger, &raw, &index, id);
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
        if ((r = avow_event_to_json(&json, &ev, index, 1)) < 0) {
            status = cli_fail_lib(r, NULL, "cannot render event '%s'", argv[optind]);
            goto done;
        }
        if ((status = print_event_json(&json, trust_status(trust, &ev))) != 0) {
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
