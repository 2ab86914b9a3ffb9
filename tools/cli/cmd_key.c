/* SPDX-License-Identifier: ISC */
/*
 * cmd_key.c - `avow key new`, `avow key show` and `avow key rotate`: create a
 * signing key, print the public key of the current key, hand over to a new key
 * with a key-succession event.
 *
 * Invariants:
 *  1. A key file is never overwritten: the library creates it exclusively
 *     (mode 0600); an existing FILE is a usage error (exit 2).
 *  2. A new passphrase is typed twice, and empty or mismatched ones are
 *     refused; every copy of it is wiped before return.
 *  3. stdout carries only the 64-hex public key, its vkey (or one JSON object).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cli.h"

static const cli_opt passphrase_opts[] = {
    { "passphrase", 'p', 0, NULL,
      "seal the secret key with a passphrase, read twice from the\n"
      "terminal, or once from $AVOW_PASSPHRASE_FILE",
      "unsealed" },
    { NULL, 0, 0, NULL, NULL, NULL },
};
static const cli_opt show_opts[] = {
    { "vkey", 'v', 0, NULL,
      "print the C2SP verifier key NAME+HEXID+BASE64 (type 0x01) instead,\n"
      "named by the -L ledger's origin, as its checkpoints are signed",
      NULL },
    { "witness", 'w', 0, NULL,
      "with --vkey: the cosignature vkey (type 0x04) this key witnesses\n"
      "with from the -L ledger",
      NULL },
    { NULL, 0, 0, NULL, NULL, NULL },
};
static const cli_spec new_spec = { "key", "new", 12, 0, passphrase_opts };
static const cli_spec show_spec = { "key", "show", 12, 0, show_opts };
static const cli_spec rotate_spec = { "key", "rotate", 12, 0, passphrase_opts };
const cli_spec *const cli_key_specs[] = { &new_spec, &show_spec, &rotate_spec, NULL };

void
cmd_key_help(FILE *out)
{
    fprintf(out, "usage: avow key new [--passphrase] [FILE]\n"
                 "       avow key show [--vkey [--witness]]\n"
                 "       avow key rotate [--passphrase] [FILE]\n"
                 "\n"
                 "new   create a key pair; write the secret key to FILE (default: the -k key,\n"
                 "      see below; never overwritten) and print the public key (64 hex)\n"
                 "show  print the public key of the -k key (no passphrase needed); with\n"
                 "      --vkey, as a C2SP verifier key for the ecosystem (Go's sumdb/note,\n"
                 "      witnesses): every option that takes a public key takes a vkey too\n"
                 "rotate  create a new key at FILE (default: the -k key path + \".next\") and\n"
                 "      append a key-succession event signed by the -k key and the new one;\n"
                 "      replicas that trust the old key trust the new one from then on.\n"
                 "      Prints the new public key; sign with -k FILE from now on\n"
                 "\n"
                 "options:\n");
    cli_help_options(out, &new_spec);
    cli_help_options(out, &show_spec);
    fprintf(out, "\n");
    cli_help_globals(out);
}

/* mkdir -p of the directories above path, mode 0700 (for the default key path). */
static int
make_parents(const char *path)
{
    char dir[CLI_PATH_MAX];
    size_t n = strlen(path);

    if (n >= sizeof(dir)) {
        return -1;
    }
    memcpy(dir, path, n + 1);
    for (size_t i = 1; i < n; i++) {
        if (dir[i] != '/') {
            continue;
        }
        dir[i] = '\0';
        if (mkdir(dir, 0700) != 0 && errno != EEXIST) {
            return -1;
        }
        dir[i] = '/';
    }
    return 0;
}

static int
print_public(const cli_ctx *ctx, const unsigned char *pk, const char *file)
{
    char hex[AVOW_HEX_ID_LEN + 1];

    avow_hex(hex, pk, AVOW_PUBKEY_BYTES);
    if (ctx->json) {
        return cli_print_json(json_pack("{s:s, s:s}", "public_key", hex, "file", file));
    }
    printf("%s\n", hex);
    return CLI_EXIT_OK;
}

static int
ask_new_passphrase(char *pass, size_t *len)
{
    char again[CLI_PASSPHRASE_MAX];
    size_t len2 = 0;
    int status;
    const char *file = getenv("AVOW_PASSPHRASE_FILE");

    status = cli_read_passphrase(pass, CLI_PASSPHRASE_MAX, len, "passphrase for the new key: ");
    if (status != 0) {
        goto done;
    }
    if (*len == 0) {
        status = cli_fail(CLI_EXIT_USAGE, "empty passphrase refused (or leave out --passphrase)");
        goto done;
    }
    if (file == NULL || file[0] == '\0') {
        status = cli_read_passphrase(again, sizeof(again), &len2, "the same passphrase again: ");
        if (status != 0) {
            goto done;
        }
        if (len2 != *len || memcmp(again, pass, len2) != 0) {
            status = cli_fail(CLI_EXIT_USAGE, "the two passphrases differ (nothing was written)");
            goto done;
        }
    }

done:
    cli_wipe(again, sizeof(again));
    return status;
}

static int
key_new(cli_ctx *ctx, int argc, char **argv)
{
    cli_getopt_state gs;
    avow_key_opts opts = AVOW_KEY_OPTS_INIT;
    avow_key *key = NULL;
    char pass[CLI_PASSPHRASE_MAX];
    size_t pass_len = 0;
    int sealed = 0;
    const char *file = ctx->key;
    int status = CLI_EXIT_OK;
    int err;
    int c;

    cli_getopt_init(&gs, &new_spec);
    while ((c = cli_getopt(&gs, argc, argv)) != -1) {
        switch (c) {
        case 'p':
            sealed = 1;
            break;
        case CLI_OPT_HELP:
            cmd_key_help(stdout);
            goto done;
        default:
            status = CLI_EXIT_USAGE;
            goto done;
        }
    }
    if (argc - optind > 1) {
        status = cli_usage_fail("key", "too many arguments ('%s')", argv[optind + 1]);
        goto done;
    }
    if (argc - optind == 1) {
        file = argv[optind];
    } else if (ctx->key_is_default && make_parents(file) != 0) {
        status = cli_fail(CLI_EXIT_ENV, "cannot create the directory of '%s': %s (use -k FILE)",
                          file, strerror(errno));
        goto done;
    }
    if (sealed) {
        if ((status = ask_new_passphrase(pass, &pass_len)) != 0) {
            goto done;
        }
        opts.passphrase = pass;
        opts.passphrase_len = pass_len;
    }
    err = avow_key_generate(&key, file, &opts);
    if (err == AVOW_EEXISTS) {
        status = cli_fail(CLI_EXIT_USAGE,
                          "a key already exists at '%s' (avow never overwrites a key; "
                          "give another FILE)",
                          file);
        goto done;
    }
    if (err < 0) {
        status = cli_fail_lib(err, NULL, "cannot create the key '%s'", file);
        goto done;
    }
    status = print_public(ctx, avow_key_public(key), file);
    if (status == 0 && !ctx->quiet) {
        fprintf(stderr, "avow: secret key written to %s%s\n", file, sealed ? " (sealed)" : "");
    }

done:
    cli_wipe(pass, sizeof(pass));
    avow_key_free(key);
    return status;
}

/* --vkey: the key as a vkey named by the ledger's origin. */
static int
print_vkey(const cli_ctx *ctx, const unsigned char *pk, int type)
{
    avow_ledger *ledger = NULL;
    avow_buf out = AVOW_BUF_INIT;
    int status, err;

    if ((status = cli_open_ledger(&ledger, ctx, AVOW_OPEN_READONLY)) != 0) {
        return status;
    }
    if ((err = avow_vkey_format(&out, avow_ledger_origin(ledger), type, pk)) < 0) {
        status = cli_fail_lib(err, "see avow init --origin", "cannot make a vkey");
    } else if (ctx->json) {
        status = cli_print_json(json_pack("{s:s%, s:s, s:s}", "vkey", (const char *)out.ptr,
                                          out.len, "name", avow_ledger_origin(ledger), "type",
                                          type == AVOW_SIG_COSIG ? "cosignature" : "ed25519"));
    } else {
        printf("%.*s\n", (int)out.len, (const char *)out.ptr);
    }
    avow_buf_dispose(&out);
    avow_ledger_free(ledger);
    return status;
}

static int
key_show(cli_ctx *ctx, int argc, char **argv)
{
    cli_getopt_state gs;
    unsigned char pk[AVOW_PUBKEY_BYTES];
    int status = CLI_EXIT_OK, vkey = 0, witness = 0;
    int err;
    int c;

    cli_getopt_init(&gs, &show_spec);
    while ((c = cli_getopt(&gs, argc, argv)) != -1) {
        switch (c) {
        case 'v':
            vkey = 1;
            break;
        case 'w':
            witness = 1;
            break;
        case CLI_OPT_HELP:
            cmd_key_help(stdout);
            goto done;
        default:
            status = CLI_EXIT_USAGE;
            goto done;
        }
    }
    if (optind < argc) {
        status = cli_usage_fail("key", "unexpected argument '%s' (use -k FILE)", argv[optind]);
        goto done;
    }
    if (witness && !vkey) {
        status = cli_usage_fail("key", "--witness goes with --vkey");
        goto done;
    }
    err = avow_key_read_public(pk, ctx->key);
    if (err == AVOW_ENOTFOUND) {
        status =
          cli_fail(CLI_EXIT_ENV, "no key at '%s' (create one with 'avow key new', or use -k FILE)",
                   ctx->key);
        goto done;
    }
    if (err < 0) {
        cli_fail_lib(err, NULL, "cannot read the key '%s'", ctx->key);
        status = CLI_EXIT_ENV;
        goto done;
    }
    status = vkey ? print_vkey(ctx, pk, witness ? AVOW_SIG_COSIG : AVOW_SIG_ED25519)
                  : print_public(ctx, pk, ctx->key);

done:
    return status;
}

static int
key_rotate(cli_ctx *ctx, int argc, char **argv)
{
    cli_getopt_state gs;
    avow_key_opts opts = AVOW_KEY_OPTS_INIT;
    avow_key *old = NULL, *next = NULL;
    avow_ledger *ledger = NULL;
    unsigned char id[AVOW_EVENT_ID_BYTES];
    char pass[CLI_PASSPHRASE_MAX], file_buf[CLI_PATH_MAX];
    size_t pass_len = 0;
    const char *file = NULL;
    int sealed = 0, status = CLI_EXIT_OK, err, c;

    cli_getopt_init(&gs, &rotate_spec);
    while ((c = cli_getopt(&gs, argc, argv)) != -1) {
        switch (c) {
        case 'p':
            sealed = 1;
            break;
        case CLI_OPT_HELP:
            cmd_key_help(stdout);
            goto done;
        default:
            status = CLI_EXIT_USAGE;
            goto done;
        }
    }
    if (argc - optind > 1) {
        status = cli_usage_fail("key", "too many arguments ('%s')", argv[optind + 1]);
        goto done;
    }
    if (argc - optind == 1) {
        file = argv[optind];
    } else {
        int n = snprintf(file_buf, sizeof(file_buf), "%s.next", ctx->key);
        if (n < 0 || (size_t)n >= sizeof(file_buf)) {
            status = cli_fail(CLI_EXIT_USAGE, "key path too long (give FILE)");
            goto done;
        }
        file = file_buf;
    }
    if ((status = cli_open_ledger(&ledger, ctx, 0)) != 0 ||
        (status = cli_load_key(&old, ctx)) != 0) {
        goto done;
    }
    if (sealed) {
        if ((status = ask_new_passphrase(pass, &pass_len)) != 0) {
            goto done;
        }
        opts.passphrase = pass;
        opts.passphrase_len = pass_len;
    }
    err = avow_key_generate(&next, file, &opts);
    if (err == AVOW_EEXISTS) {
        status = cli_fail(CLI_EXIT_USAGE,
                          "a key already exists at '%s' (avow never overwrites a key; "
                          "give another FILE)",
                          file);
        goto done;
    }
    if (err < 0) {
        status = cli_fail_lib(err, NULL, "cannot create the key '%s'", file);
        goto done;
    }
    if ((err = avow_ledger_rotate_key(id, ledger, old, next)) < 0) {
        status = cli_fail_lib(err, "the new key file is kept", "cannot append the succession");
        goto done;
    }
    status = print_public(ctx, avow_key_public(next), file);
    if (status == 0 && !ctx->quiet) {
        char hex[AVOW_HEX_ID_LEN + 1];
        avow_hex(hex, id, AVOW_EVENT_ID_BYTES);
        fprintf(stderr, "avow: new key written to %s; succession event %s\n", file, hex);
    }

done:
    cli_wipe(pass, sizeof(pass));
    avow_key_free(old);
    avow_key_free(next);
    avow_ledger_free(ledger);
    return status;
}

int
cmd_key(cli_ctx *ctx, int argc, char **argv)
{
    if (argc < 2) {
        return cli_usage_fail("key", "missing subcommand: new or show");
    }
    if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
        cmd_key_help(stdout);
        return CLI_EXIT_OK;
    }
    if (strcmp(argv[1], "new") == 0) {
        return key_new(ctx, argc - 1, argv + 1);
    }
    if (strcmp(argv[1], "show") == 0) {
        return key_show(ctx, argc - 1, argv + 1);
    }
    if (strcmp(argv[1], "rotate") == 0) {
        return key_rotate(ctx, argc - 1, argv + 1);
    }
    return cli_usage_fail("key", "unknown subcommand '%s' (new, show or rotate)", argv[1]);
}
