/* SPDX-License-Identifier: ISC */
/*
 * cmd_publish.c - `avow publish DIR`: the log as C2SP tlog-tiles static files
 * for any web server or object store (avow_publish(), docs/PUBLISHING.md).
 *
 * Invariants:
 *  1. stdout carries only the summary line (or one JSON object); the
 *     directory is the library's to write.
 *  2. A directory holding another log (or another history) is refused with
 *     exit 1 and left as it was.
 */
#include <inttypes.h>
#include <string.h>

#include "cli.h"

static const cli_opt publish_opts[] = { { NULL, 0, 0, NULL, NULL, NULL } };
static const cli_spec publish_spec = { "publish", NULL, 12, 0, publish_opts };
const cli_spec *const cli_publish_specs[] = { &publish_spec, NULL };

void
cmd_publish_help(FILE *out)
{
    fprintf(out, "usage: avow publish DIR [--json]\n"
                 "\n"
                 "Write the log to DIR as C2SP tlog-tiles, static files any web server, object\n"
                 "store or CDN can serve: DIR/checkpoint (a checkpoint signed with -k, like\n"
                 "'avow checkpoint'), DIR/tile/L/N[.p/W] (the Merkle tree, 256 hashes a tile)\n"
                 "and DIR/tile/entries/N[.p/W] (the canonical event bytes, each after a 2-byte\n"
                 "length). Run it again after appending: it writes only the new tiles, and\n"
                 "replaces the checkpoint last, atomically, once the tiles are on disk.\n"
                 "Readers verify with 'avow key show --vkey' (see docs/PUBLISHING.md).\n"
                 "\n");
    cli_help_options(out, &publish_spec);
    fprintf(out, "\n");
    cli_help_globals(out);
}

int
cmd_publish(cli_ctx *ctx, int argc, char **argv)
{
    cli_getopt_state gs;
    avow_ledger *ledger = NULL;
    avow_key *key = NULL;
    avow_publish_stats st;
    int status = 0, err, c;

    cli_getopt_init(&gs, &publish_spec);
    while ((c = cli_getopt(&gs, argc, argv)) != -1) {
        switch (c) {
        case CLI_OPT_HELP:
            cmd_publish_help(stdout);
            goto done;
        default:
            status = CLI_EXIT_USAGE;
            goto done;
        }
    }
    if (argc - optind != 1) {
        status = cli_usage_fail("publish", "give one directory DIR");
        goto done;
    }
    if ((status = cli_open_ledger(&ledger, ctx, 0)) != 0 ||
        (status = cli_load_key(&key, ctx)) != 0) {
        goto done;
    }
    if ((err = avow_publish(&st, ledger, argv[optind], key)) < 0) {
        status = err == AVOW_EEXISTS
                   ? cli_fail_lib(AVOW_EVERIFY, NULL, "refused to publish")
                   : cli_fail_lib(err, NULL, "cannot publish to '%s'", argv[optind]);
        goto done;
    }
    if (ctx->json) {
        status = cli_print_json(
          json_pack("{s:s, s:I, s:I, s:I, s:I, s:I}", "dir", argv[optind], "tree_size",
                    (json_int_t)st.size, "old_size", (json_int_t)st.old_size, "tiles_written",
                    (json_int_t)st.tiles_written, "bundles_written", (json_int_t)st.bundles_written,
                    "bytes_written", (json_int_t)st.bytes_written));
    } else if (!ctx->quiet) {
        printf("published %" PRIu64 " events to %s (was %" PRIu64 "): %" PRIu64
               " tiles and %" PRIu64 " entry bundles written\n",
               st.size, argv[optind], st.old_size, st.tiles_written, st.bundles_written);
    }
done:
    avow_key_free(key);
    avow_ledger_free(ledger);
    return status;
}
