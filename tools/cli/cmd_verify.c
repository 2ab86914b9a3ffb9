/* SPDX-License-Identifier: ISC */
/*
 * cmd_verify.c - `avow verify`: check every signature, author chain and index
 * of the ledger, name each event that fails, exit 1 when anything does.
 *
 * Invariants:
 *  1. The ledger is opened read-only.
 *  2. Problems and the summary go to stdout (they are the result); exit 0
 *     only when the check ran to the end and found nothing.
 *  3. --json prints one object: {"ok", "events", "problems": [{"id", "seq",
 *     "index", "what"}]}, with null for what a problem does not know.
 */
#include <inttypes.h>
#include <string.h>

#include "cli.h"

typedef struct verify_state {
    int json;
    json_t *problems; /* with --json */
    int oom;
} verify_state;

static int
is_zero(const unsigned char *p, size_t n)
{
    unsigned char acc = 0;

    for (size_t i = 0; i < n; i++) {
        acc |= p[i];
    }
    return acc == 0;
}

static void
on_problem(const avow_problem *problem, void *payload)
{
    verify_state *st = payload;
    char hex[AVOW_HEX_ID_LEN + 1];
    int has_id = !is_zero(problem->id, AVOW_EVENT_ID_BYTES);
    const char *what = problem->what != NULL ? problem->what : "unknown problem";
    json_t *obj;

    if (has_id) {
        avow_hex(hex, problem->id, AVOW_EVENT_ID_BYTES);
    }
    if (st->json) {
        json_t *jwhat = json_string(what);
        if (jwhat == NULL) {
            jwhat = json_string("(problem text is not UTF-8)");
        }
        obj = json_pack(
          "{s:o, s:o, s:o, s:o}", "id", has_id ? json_string(hex) : json_null(), "seq",
          problem->seq != 0 ? json_integer((json_int_t)problem->seq) : json_null(), "index",
          problem->index != UINT64_MAX ? json_integer((json_int_t)problem->index) : json_null(),
          "what", jwhat);
        if (obj == NULL || json_array_append_new(st->problems, obj) != 0) {
            st->oom = 1;
        }
        return;
    }
    if (problem->index != UINT64_MAX) {
        printf("event #%" PRIu64, problem->index);
    } else {
        printf("ledger");
    }
    if (problem->seq != 0) {
        printf(" seq %" PRIu64, problem->seq);
    }
    if (has_id) {
        printf(" %s", hex);
    }
    printf(": ");
    cli_put_str(stdout, (avow_str){ what, strlen(what) });
    printf("\n");
}

void
cmd_verify_help(FILE *out)
{
    fprintf(out, "usage: avow verify [--json]\n"
                 "\n"
                 "Check every event (strict decoding, signature, id), every author chain\n"
                 "(seq and prev hash) and every index against the log. Prints one line per\n"
                 "problem, then \"ok: N events verified\" or \"FAILED: K problems in N events\".\n"
                 "With --json: {\"ok\": BOOL, \"events\": N, \"problems\": [{\"id\", \"seq\", "
                 "\"index\", \"what\"}]}.\n"
                 "Exits 0 when all holds, 1 when a problem is found.\n"
                 "\n");
    cli_help_globals(out);
}

int
cmd_verify(cli_ctx *ctx, int argc, char **argv)
{
    static const struct option longopts[] = {
        { "help", no_argument, NULL, 'h' },
        { NULL, 0, NULL, 0 },
    };
    avow_verify_opts opts = AVOW_VERIFY_OPTS_INIT;
    verify_state st = { 0 };
    avow_ledger *ledger = NULL;
    uint64_t events = 0;
    uint64_t problems = 0;
    int status = CLI_EXIT_OK;
    int r;
    int c;

    cli_getopt_reset();
    while ((c = cli_getopt(argc, argv, ":h", longopts, "verify")) != -1) {
        switch (c) {
        case 'h':
            cmd_verify_help(stdout);
            goto done;
        default:
            status = CLI_EXIT_USAGE;
            goto done;
        }
    }
    if (optind < argc) {
        status = cli_usage_fail("verify", "unexpected argument '%s'", argv[optind]);
        goto done;
    }
    st.json = ctx->json;
    if (st.json && (st.problems = json_array()) == NULL) {
        status = cli_fail(CLI_EXIT_ENV, "out of memory");
        goto done;
    }
    if ((status = cli_open_ledger(&ledger, ctx, AVOW_OPEN_READONLY)) != 0) {
        goto done;
    }
    opts.on_problem = on_problem;
    opts.payload = &st;
    r = avow_ledger_verify(ledger, &events, &problems, &opts);
    if (r < 0) {
        status = cli_fail_lib(r, NULL, "verify stopped after %" PRIu64 " events", events);
        if (r == AVOW_EFORMAT || r == AVOW_EVERIFY || r == AVOW_ECHAIN) {
            status = CLI_EXIT_CHECK;
        }
        goto done;
    }
    if (st.oom) {
        status = cli_fail(CLI_EXIT_ENV, "out of memory");
        goto done;
    }
    if (st.json) {
        status = cli_print_json(json_pack("{s:b, s:I, s:O}", "ok", problems == 0, "events",
                                          (json_int_t)events, "problems", st.problems));
    } else if (problems == 0) {
        printf("ok: %" PRIu64 " events verified\n", events);
    } else {
        printf("FAILED: %" PRIu64 " problem%s in %" PRIu64 " events\n", problems,
               problems == 1 ? "" : "s", events);
    }
    if (status == CLI_EXIT_OK && problems != 0) {
        status = CLI_EXIT_CHECK;
    }

done:
    json_decref(st.problems);
    avow_ledger_free(ledger);
    return status;
}
