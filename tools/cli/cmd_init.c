/* SPDX-License-Identifier: ISC */
/*
 * cmd_init.c - `avow init`: create an empty ledger at the -L path.
 *
 * Invariants:
 *  1. An existing ledger is never touched (the library refuses; exit 2).
 *  2. The one line of chatter goes to stdout (it is the result) unless -q.
 */
#include <string.h>

#include "cli.h"

static const cli_opt init_opts[] = {
    { "origin", 'o', 0, "NAME", "the ledger's stable name, used in its checkpoints\n",
      "chosen by the library" },
    { NULL, 0, 0, NULL, NULL, NULL },
};
static const cli_spec init_spec = { "init", NULL, 13, 0, init_opts };
const cli_spec *const cli_init_specs[] = { &init_spec, NULL };

void
cmd_init_help(FILE *out)
{
    fprintf(out, "usage: avow init [--origin NAME]\n"
                 "\n"
                 "Create an empty ledger in the -L directory (created if missing).\n"
                 "\n"
                 "options:\n");
    cli_help_options(out, &init_spec);
    fprintf(out, "\n");
    cli_help_globals(out);
}

int
cmd_init(cli_ctx *ctx, int argc, char **argv)
{
    cli_getopt_state gs;
    const char *origin = NULL;
    avow_ledger *ledger = NULL;
    int status = CLI_EXIT_OK;
    int err;
    int c;

    cli_getopt_init(&gs, &init_spec);
    while ((c = cli_getopt(&gs, argc, argv)) != -1) {
        switch (c) {
        case 'o':
            origin = optarg;
            break;
        case CLI_OPT_HELP:
            cmd_init_help(stdout);
            goto done;
        default:
            status = CLI_EXIT_USAGE;
            goto done;
        }
    }
    if (optind < argc) {
        status =
          cli_usage_fail("init", "unexpected argument '%s' (the ledger is -L DIR)", argv[optind]);
        goto done;
    }
    err = avow_ledger_init(ctx->ledger, origin);
    if (err == AVOW_EEXISTS) {
        status = cli_fail(CLI_EXIT_USAGE, "a ledger already exists at '%s' (nothing was changed)",
                          ctx->ledger);
        goto done;
    }
    if (err < 0) {
        status = cli_fail_lib(err, NULL, "cannot create a ledger at '%s'", ctx->ledger);
        goto done;
    }
    if (ctx->json || !ctx->quiet) {
        if ((status = cli_open_ledger(&ledger, ctx, AVOW_OPEN_READONLY)) != 0) {
            goto done;
        }
        if (ctx->json) {
            status = cli_print_json(
              json_pack("{s:s, s:s}", "ledger", ctx->ledger, "origin", avow_ledger_origin(ledger)));
        } else {
            printf("initialized empty ledger at %s (origin %s)\n", ctx->ledger,
                   avow_ledger_origin(ledger));
        }
    }

done:
    avow_ledger_free(ledger);
    return status;
}
