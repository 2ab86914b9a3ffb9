/* SPDX-License-Identifier: ISC */
/*
 * cmd_demo.c - placeholder: these commands are being built (see README.md,
 * "Status"); until then each says so and exits 2 without touching anything.
 */
#include "cli.h"

int
cmd_chart(cli_ctx *ctx, int argc, char **argv)
{
    (void)ctx;
    (void)argc;
    (void)argv;
    return cli_fail(CLI_EXIT_USAGE, "'avow chart' is not implemented yet");
}

void
cmd_chart_help(FILE *out)
{
    fprintf(out, "usage: avow chart ... (not implemented yet)\n");
}

int
cmd_demo(cli_ctx *ctx, int argc, char **argv)
{
    (void)ctx;
    (void)argc;
    (void)argv;
    return cli_fail(CLI_EXIT_USAGE, "'avow demo' is not implemented yet");
}

void
cmd_demo_help(FILE *out)
{
    fprintf(out, "usage: avow demo ... (not implemented yet)\n");
}
