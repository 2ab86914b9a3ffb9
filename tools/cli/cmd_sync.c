/* SPDX-License-Identifier: ISC */
/*
 * cmd_sync.c - placeholder: these commands are being built (see README.md,
 * "Status"); until then each says so and exits 2 without touching anything.
 */
#include "cli.h"

int
cmd_sync(cli_ctx *ctx, int argc, char **argv)
{
    (void)ctx;
    (void)argc;
    (void)argv;
    return cli_fail(CLI_EXIT_USAGE, "'avow sync' is not implemented yet");
}

void
cmd_sync_help(FILE *out)
{
    fprintf(out, "usage: avow sync ... (not implemented yet)\n");
}

int
cmd_serve(cli_ctx *ctx, int argc, char **argv)
{
    (void)ctx;
    (void)argc;
    (void)argv;
    return cli_fail(CLI_EXIT_USAGE, "'avow serve' is not implemented yet");
}

void
cmd_serve_help(FILE *out)
{
    fprintf(out, "usage: avow serve ... (not implemented yet)\n");
}

int
cmd_heads(cli_ctx *ctx, int argc, char **argv)
{
    (void)ctx;
    (void)argc;
    (void)argv;
    return cli_fail(CLI_EXIT_USAGE, "'avow heads' is not implemented yet");
}

void
cmd_heads_help(FILE *out)
{
    fprintf(out, "usage: avow heads ... (not implemented yet)\n");
}

int
cmd_bundle(cli_ctx *ctx, int argc, char **argv)
{
    (void)ctx;
    (void)argc;
    (void)argv;
    return cli_fail(CLI_EXIT_USAGE, "'avow bundle' is not implemented yet");
}

void
cmd_bundle_help(FILE *out)
{
    fprintf(out, "usage: avow bundle ... (not implemented yet)\n");
}

int
cmd_trust(cli_ctx *ctx, int argc, char **argv)
{
    (void)ctx;
    (void)argc;
    (void)argv;
    return cli_fail(CLI_EXIT_USAGE, "'avow trust' is not implemented yet");
}

void
cmd_trust_help(FILE *out)
{
    fprintf(out, "usage: avow trust ... (not implemented yet)\n");
}
