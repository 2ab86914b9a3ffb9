/* SPDX-License-Identifier: ISC */
/*
 * cmd_audit.c - placeholder: these commands are being built (see README.md,
 * "Status"); until then each says so and exits 2 without touching anything.
 */
#include "cli.h"

int
cmd_checkpoint(cli_ctx *ctx, int argc, char **argv)
{
    (void)ctx;
    (void)argc;
    (void)argv;
    return cli_fail(CLI_EXIT_USAGE, "'avow checkpoint' is not implemented yet");
}

void
cmd_checkpoint_help(FILE *out)
{
    fprintf(out, "usage: avow checkpoint ... (not implemented yet)\n");
}

int
cmd_prove(cli_ctx *ctx, int argc, char **argv)
{
    (void)ctx;
    (void)argc;
    (void)argv;
    return cli_fail(CLI_EXIT_USAGE, "'avow prove' is not implemented yet");
}

void
cmd_prove_help(FILE *out)
{
    fprintf(out, "usage: avow prove ... (not implemented yet)\n");
}

int
cmd_evidence(cli_ctx *ctx, int argc, char **argv)
{
    (void)ctx;
    (void)argc;
    (void)argv;
    return cli_fail(CLI_EXIT_USAGE, "'avow evidence' is not implemented yet");
}

void
cmd_evidence_help(FILE *out)
{
    fprintf(out, "usage: avow evidence ... (not implemented yet)\n");
}

int
cmd_witness(cli_ctx *ctx, int argc, char **argv)
{
    (void)ctx;
    (void)argc;
    (void)argv;
    return cli_fail(CLI_EXIT_USAGE, "'avow witness' is not implemented yet");
}

void
cmd_witness_help(FILE *out)
{
    fprintf(out, "usage: avow witness ... (not implemented yet)\n");
}
