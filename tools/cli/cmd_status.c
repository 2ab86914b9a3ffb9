/* SPDX-License-Identifier: ISC */
/*
 * cmd_status.c - `avow status` (what this ledger holds: contests, events per
 * author, untrusted and forked authors, events not counted, the last
 * checkpoint and how far the log has grown past it) and `avow contest list`.
 *
 * Invariants (tests/cli/test_status.sh):
 *  1. Read-only: the ledger is opened read-only.
 *  2. --json is one object (status) or JSON Lines, one contest a line (contest
 *     list), with the keys the man page names.
 *  3. Contests are found by one pass over the log with a kind filter
 *     (avow_event_filter): the cost grows with the log, not with a query.
 */
#include <inttypes.h>
#include <string.h>

#include "cli.h"

static const cli_opt no_opts[] = { { NULL, 0, 0, NULL, NULL, NULL } };
static const cli_spec status_spec = { "status", NULL, 0, 0, no_opts };
const cli_spec *const cli_status_specs[] = { &status_spec, NULL };

void
cmd_status_help(FILE *out)
{
    fprintf(out, "usage: avow status [--json]\n"
                 "\n"
                 "What this ledger holds: its contests, the events of each author (with its\n"
                 "keyring name and whether its events count), the events not counted\n"
                 "(untrusted, revoked or forked authors), and the last checkpoint and how many\n"
                 "events the log has grown past it.\n"
                 "With --json, one object: origin, events, contests, authors [{key, name,\n"
                 "events, status}], untrusted_authors, forked_authors, not_counted,\n"
                 "checkpoint ({size, behind} or null).\n"
                 "\n");
    cli_help_globals(out);
}

/* Each contest definition of the log, in log order, to fn. Exit code or 0. */
typedef int (*contest_fn)(const avow_event *ev, uint64_t index, void *payload);

static int
each_contest(const cli_ctx *ctx, avow_ledger *ledger, contest_fn fn, void *payload)
{
    avow_event_filter f = AVOW_EVENT_FILTER_INIT;
    avow_iter_opts io = AVOW_ITER_OPTS_INIT;
    avow_iter *it = NULL;
    avow_event ev;
    uint64_t index;
    int r, status = 0;

    f.kind = AVOW_KIND_CONTEST;
    io.filter = &f;
    if ((r = avow_iter_new(&it, ledger, &io)) < 0) {
        return cli_fail_lib(r, NULL, "cannot read the ledger '%s'", ctx->ledger);
    }
    while (status == 0 && (r = avow_iter_next(&ev, &index, it)) == 1) {
        status = fn(&ev, index, payload);
    }
    avow_iter_free(it);
    if (status == 0 && r < 0) {
        status = cli_fail_lib(r, "run 'avow verify'", "cannot read the ledger '%s'", ctx->ledger);
    }
    return status;
}

typedef struct status_acc {
    json_t *contests, *authors, *untrusted, *forked;
    uint64_t not_counted;
} status_acc;

static int
status_contest(const avow_event *ev, uint64_t index, void *payload)
{
    status_acc *a = payload;

    (void)index;
    return json_array_append_new(a->contests, json_stringn(ev->contest.ptr, ev->contest.len)) == 0
             ? 0
             : cli_fail(CLI_EXIT_ENV, "out of memory");
}

static const char *
author_status(const avow_trust_entry *e)
{
    if ((e->flags & AVOW_TRUST_FORKED) && !(e->flags & AVOW_TRUST_RESOLVED)) {
        return "forked";
    }
    if (e->flags & AVOW_TRUST_OWNER) {
        return "owner";
    }
    if (e->flags & AVOW_TRUST_REVOKED) {
        return "revoked";
    }
    return (e->flags & (AVOW_TRUST_LISTED | AVOW_TRUST_SUCCESSOR)) ? "trusted" : "untrusted";
}

static int
status_author(const avow_trust_entry *e, void *payload)
{
    status_acc *a = payload;
    char hex[AVOW_HEX_ID_LEN + 1];
    const char *st = author_status(e);
    uint64_t counted = e->count_upto < e->head_seq ? e->count_upto : e->head_seq;
    int bad = 0;

    avow_hex(hex, e->key, AVOW_PUBKEY_BYTES);
    a->not_counted += e->head_seq - counted;
    bad |= json_array_append_new(a->authors,
                                 json_pack("{s:s, s:s, s:I, s:s}", "key", hex, "name", e->name,
                                           "events", (json_int_t)e->head_seq, "status", st));
    if (strcmp(st, "untrusted") == 0) {
        bad |= json_array_append_new(a->untrusted, json_string(hex));
    } else if (strcmp(st, "forked") == 0) {
        bad |= json_array_append_new(a->forked, json_string(hex));
    }
    return bad ? AVOW_ENOMEM : 0;
}

static void
status_human(json_t *doc)
{
    size_t i;
    json_t *v, *cp = json_object_get(doc, "checkpoint");

    printf("ledger %s: %" JSON_INTEGER_FORMAT " events\n",
           json_string_value(json_object_get(doc, "origin")),
           json_integer_value(json_object_get(doc, "events")));
    printf("contests:");
    json_array_foreach(json_object_get(doc, "contests"), i, v)
    {
        printf(" %s", json_string_value(v));
    }
    printf("%s\nauthors:\n", json_array_size(json_object_get(doc, "contests")) ? "" : " none");
    json_array_foreach(json_object_get(doc, "authors"), i, v)
    {
        const char *name = json_string_value(json_object_get(v, "name"));
        printf("  %.8s  %-16s  %-9s  %" JSON_INTEGER_FORMAT " events\n",
               json_string_value(json_object_get(v, "key")), name[0] != '\0' ? name : "-",
               json_string_value(json_object_get(v, "status")),
               json_integer_value(json_object_get(v, "events")));
    }
    printf("not counted: %" JSON_INTEGER_FORMAT " events%s\n",
           json_integer_value(json_object_get(doc, "not_counted")),
           json_integer_value(json_object_get(doc, "not_counted")) > 0
             ? " (see 'avow trust list'; 'avow trust add KEY NAME')"
             : "");
    if (json_is_null(cp)) {
        printf("checkpoint: none (run 'avow checkpoint')\n");
    } else {
        printf("checkpoint: %" JSON_INTEGER_FORMAT " events, %" JSON_INTEGER_FORMAT
               " behind the log\n",
               json_integer_value(json_object_get(cp, "size")),
               json_integer_value(json_object_get(cp, "behind")));
    }
}

int
cmd_status(cli_ctx *ctx, int argc, char **argv)
{
    cli_getopt_state gs;
    status_acc a = { json_array(), json_array(), json_array(), json_array(), 0 };
    avow_ledger *ledger = NULL;
    avow_checkpoint cp;
    avow_buf note = AVOW_BUF_INIT;
    json_t *doc = NULL, *cpj;
    uint64_t count = 0;
    int status = 0, r, c;

    cli_getopt_init(&gs, &status_spec);
    while ((c = cli_getopt(&gs, argc, argv)) != -1) {
        if (c == CLI_OPT_HELP) {
            cmd_status_help(stdout);
            goto done;
        }
        status = CLI_EXIT_USAGE;
        goto done;
    }
    if (optind < argc) {
        status = cli_usage_fail("status", "unexpected argument '%s'", argv[optind]);
        goto done;
    }
    if (a.contests == NULL || a.authors == NULL || a.untrusted == NULL || a.forked == NULL) {
        status = cli_fail(CLI_EXIT_ENV, "out of memory");
        goto done;
    }
    if ((status = cli_open_ledger(&ledger, ctx, AVOW_OPEN_READONLY)) != 0 ||
        (status = each_contest(ctx, ledger, status_contest, &a)) != 0) {
        goto done;
    }
    if ((r = avow_ledger_count(&count, ledger)) < 0 ||
        (r = avow_trust_list(ledger, status_author, &a)) < 0) {
        status = cli_fail_lib(r, NULL, "cannot read the ledger '%s'", ctx->ledger);
        goto done;
    }
    r = avow_checkpoint_latest(&note, &cp, NULL, ledger);
    if (r == 0) {
        cpj = json_pack("{s:I, s:I}", "size", (json_int_t)cp.size, "behind",
                        (json_int_t)(count - cp.size));
    } else if (r == AVOW_ENOTFOUND) {
        cpj = json_null();
    } else {
        status = cli_fail_lib(r, "run 'avow verify'", "cannot read the last checkpoint");
        goto done;
    }
    doc = json_pack("{s:s, s:I, s:O, s:O, s:O, s:O, s:I, s:o}", "origin",
                    avow_ledger_origin(ledger), "events", (json_int_t)count, "contests", a.contests,
                    "authors", a.authors, "untrusted_authors", a.untrusted, "forked_authors",
                    a.forked, "not_counted", (json_int_t)a.not_counted, "checkpoint", cpj);
    if (doc == NULL) {
        status = cli_fail(CLI_EXIT_ENV, "out of memory");
        goto done;
    }
    if (ctx->json) {
        status = cli_print_json(doc);
        doc = NULL; /* released by cli_print_json */
    } else {
        status_human(doc);
    }

done:
    json_decref(doc);
    json_decref(a.contests);
    json_decref(a.authors);
    json_decref(a.untrusted);
    json_decref(a.forked);
    avow_buf_dispose(&note);
    avow_ledger_free(ledger);
    return status;
}

/* contest list: one line (or JSON line) per contest definition. */
static int
list_one(const avow_event *ev, uint64_t index, void *payload)
{
    const cli_ctx *ctx = payload;
    unsigned char id[AVOW_EVENT_ID_BYTES];
    char hex[AVOW_HEX_ID_LEN + 1], when[AVOW_TIME_STRLEN];
    uint8_t prec = ev->precision != 0 ? ev->precision : AVOW_PREC_MICRO;

    avow_event_id(id, ev);
    avow_hex(hex, id, AVOW_EVENT_ID_BYTES);
    avow_time_format(when, ev->effective_at, (avow_precision)prec);
    if (ctx->json) {
        return cli_print_json(json_pack(
          "{s:s#, s:s#, s:s#, s:s, s:s, s:I}", "contest", ev->contest.ptr, (int)ev->contest.len,
          "title", ev->title.ptr, (int)ev->title.len, "rule", ev->rule.ptr, (int)ev->rule.len,
          "effective_at", when, "id", hex, "index", (json_int_t)index));
    }
    cli_put_str(stdout, ev->contest);
    printf("  %s  %.8s  rule ", when, hex);
    cli_put_str(stdout, ev->rule);
    fputs("  \"", stdout);
    cli_put_str(stdout, ev->title);
    fputs("\"\n", stdout);
    return 0;
}

int
cli_contest_list(cli_ctx *ctx, int argc, char **argv)
{
    avow_ledger *ledger = NULL;
    int status;

    if (argc > 1) {
        return cli_usage_fail("contest", "list takes no arguments");
    }
    (void)argv;
    if ((status = cli_open_ledger(&ledger, ctx, AVOW_OPEN_READONLY)) == 0) {
        status = each_contest(ctx, ledger, list_one, ctx);
    }
    avow_ledger_free(ledger);
    return status;
}
