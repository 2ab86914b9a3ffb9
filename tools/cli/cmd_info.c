/* SPDX-License-Identifier: ISC */
/*
 * cmd_info.c - avow info: what a ledger is (its origin, size, root, owner and
 * latest checkpoint), so a user or a script can name it in a checkpoint or a
 * conversation.
 */
#include <inttypes.h>
#include <string.h>

#include "cli.h"

static const cli_opt info_opts[] = { { NULL, 0, 0, NULL, NULL, NULL } };
static const cli_spec info_spec = { "info", NULL, 0, 0, info_opts };
const cli_spec *const cli_info_specs[] = { &info_spec, NULL };

void
cmd_info_help(FILE *out)
{
    fprintf(out, "usage: avow info [--json]\n"
                 "\n"
                 "Describe the ledger: its origin (the stable name its checkpoints carry),\n"
                 "the number of events, the Merkle root of the whole log, the owner's key\n"
                 "(trusted by default) and the latest checkpoint it signed.\n"
                 "\n");
    cli_help_globals(out);
}

int
cmd_info(cli_ctx *ctx, int argc, char **argv)
{
    cli_getopt_state gs;
    avow_ledger *ledger = NULL;
    avow_buf note = AVOW_BUF_INIT;
    avow_checkpoint cp;
    unsigned char root[AVOW_HASH_BYTES], owner[AVOW_PUBKEY_BYTES];
    char root_hex[2 * AVOW_HASH_BYTES + 1], owner_hex[2 * AVOW_PUBKEY_BYTES + 1];
    uint64_t count = 0;
    int status = CLI_EXIT_OK, c, r, has_owner, has_cp;

    cli_getopt_init(&gs, &info_spec);
    while ((c = cli_getopt(&gs, argc, argv)) != -1) {
        if (c == CLI_OPT_HELP) {
            cmd_info_help(stdout);
            return CLI_EXIT_OK;
        }
        return CLI_EXIT_USAGE;
    }
    if (optind < argc) {
        return cli_usage_fail("info", "unexpected argument '%s'", argv[optind]);
    }
    if ((status = cli_open_ledger(&ledger, ctx, AVOW_OPEN_READONLY)) != 0) {
        goto done;
    }
    if ((r = avow_ledger_count(&count, ledger)) < 0 ||
        (r = avow_ledger_root(root, ledger, count)) < 0) {
        status = cli_fail_lib(r, "run 'avow verify'", "cannot read the ledger '%s'", ctx->ledger);
        goto done;
    }
    avow_hex(root_hex, root, sizeof(root));
    has_owner = avow_ledger_owner(owner, ledger) == 0;
    if (has_owner) {
        avow_hex(owner_hex, owner, sizeof(owner));
    }
    has_cp = avow_checkpoint_latest(&note, &cp, NULL, ledger) == 0;
    if (ctx->json) {
        json_t *o = json_object();
        if (o != NULL) {
            json_object_set_new(o, "path", json_string(ctx->ledger));
            json_object_set_new(o, "origin", json_string(avow_ledger_origin(ledger)));
            json_object_set_new(o, "events", json_integer((json_int_t)count));
            json_object_set_new(o, "root", json_string(root_hex));
            json_object_set_new(o, "owner", has_owner ? json_string(owner_hex) : json_null());
            json_object_set_new(o, "checkpoint_size",
                                has_cp ? json_integer((json_int_t)cp.size) : json_null());
        }
        status = cli_print_json(o);
        goto done;
    }
    printf("ledger      %s\n", ctx->ledger);
    printf("origin      %s\n", avow_ledger_origin(ledger));
    printf("events      %" PRIu64 "\n", count);
    printf("root        %s\n", root_hex);
    printf("owner       %s\n", has_owner ? owner_hex : "(none yet: the first key that appends)");
    if (has_cp) {
        printf("checkpoint  size %" PRIu64 "%s\n", cp.size,
               cp.size < count ? " (older than the log: run avow checkpoint)" : "");
    } else {
        printf("checkpoint  none (run avow checkpoint)\n");
    }
done:
    avow_buf_dispose(&note);
    avow_ledger_free(ledger);
    return status;
}
