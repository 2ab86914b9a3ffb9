/* SPDX-License-Identifier: ISC */
/*
 * cmd_state.c - placeholder: these commands are being built (see README.md,
 * "Status"); until then each says so and exits 2 without touching anything.
 */
#include "cli.h"

int
cmd_state(cli_ctx *ctx, int argc, char **argv)
{
    (void)ctx;
    (void)argc;
    (void)argv;
    return cli_fail(CLI_EXIT_USAGE, "'avow state' is not implemented yet");
}

void
cmd_state_help(FILE *out)
{
    fprintf(out, "usage: avow state ... (not implemented yet)\n");
}

int
cmd_history(cli_ctx *ctx, int argc, char **argv)
{
    (void)ctx;
    (void)argc;
    (void)argv;
    return cli_fail(CLI_EXIT_USAGE, "'avow history' is not implemented yet");
}

void
cmd_history_help(FILE *out)
{
    fprintf(out, "usage: avow history ... (not implemented yet)\n");
}

int
cmd_explain(cli_ctx *ctx, int argc, char **argv)
{
    (void)ctx;
    (void)argc;
    (void)argv;
    return cli_fail(CLI_EXIT_USAGE, "'avow explain' is not implemented yet");
}

void
cmd_explain_help(FILE *out)
{
    fprintf(out, "usage: avow explain ... (not implemented yet)\n");
}
