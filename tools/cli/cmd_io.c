/* SPDX-License-Identifier: ISC */
/*
 * cmd_io.c - placeholder: these commands are being built (see README.md,
 * "Status"); until then each says so and exits 2 without touching anything.
 */
#include "cli.h"

int
cmd_export(cli_ctx *ctx, int argc, char **argv)
{
    (void)ctx;
    (void)argc;
    (void)argv;
    return cli_fail(CLI_EXIT_USAGE, "'avow export' is not implemented yet");
}

void
cmd_export_help(FILE *out)
{
    fprintf(out, "usage: avow export ... (not implemented yet)\n");
}

int
cmd_import(cli_ctx *ctx, int argc, char **argv)
{
    (void)ctx;
    (void)argc;
    (void)argv;
    return cli_fail(CLI_EXIT_USAGE, "'avow import' is not implemented yet");
}

void
cmd_import_help(FILE *out)
{
    fprintf(out, "usage: avow import ... (not implemented yet)\n");
}
