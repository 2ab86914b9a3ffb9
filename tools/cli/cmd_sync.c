/* SPDX-License-Identifier: ISC */
/*
 * cmd_sync.c - replication commands: `avow sync`, `avow serve --stdio`,
 * `avow heads`, `avow bundle` and the keyring, `avow trust`.
 *
 * Invariants:
 *  1. A peer that sends bad data, or refuses ours, is exit 1 with the author
 *     and seq in the message; a broken connection or missing ledger is exit 3.
 *  2. `avow sync ssh://...` runs $AVOW_SSH (default ssh) through /bin/sh, as
 *     git runs GIT_SSH_COMMAND, with the remote command
 *     `AVOW_REMOTE serve --stdio PATH` (--remote-avow, $AVOW_REMOTE, default avow).
 *  3. SIGPIPE is ignored while the protocol runs: a vanished peer is an error
 *     return, never a silent death.
 *  4. stdout carries data only (the summary JSON with --json, trust list).
 */
#include <assert.h>
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cli.h"

/* Exit code of a protocol failure (invariant 1). */
static int
sync_exit_code(int err)
{
    switch (err) {
    case AVOW_EVERIFY:
    case AVOW_ECHAIN:
    case AVOW_EFORMAT:
    case AVOW_ERANGE:
        return CLI_EXIT_CHECK;
    default:
        return cli_exit_code(err);
    }
}

static int
progress(uint64_t done, uint64_t total, void *payload)
{
    (void)total;
    (void)payload;
    fprintf(stderr, "\ravow: received %llu events", (unsigned long long)done);
    fflush(stderr);
    return 0;
}

static int
print_stats(const cli_ctx *ctx, const char *what, const avow_sync_stats *st)
{
    if (ctx->json) {
        return cli_print_json(
          json_pack("{s:s, s:I, s:I, s:I, s:I}", "peer_origin", st->peer_origin, "received",
                    (json_int_t)st->received, "sent", (json_int_t)st->sent, "duplicates",
                    (json_int_t)st->duplicates, "forks", (json_int_t)st->forks));
    }
    if (!ctx->quiet) {
        fprintf(stderr, "avow: %s%s%s: received %llu, sent %llu, already present %llu", what,
                st->peer_origin[0] ? " " : "", st->peer_origin, (unsigned long long)st->received,
                (unsigned long long)st->sent, (unsigned long long)st->duplicates);
        if (st->forks > 0) {
            fprintf(stderr, ", new fork evidence %llu (see avow trust list)",
                    (unsigned long long)st->forks);
        }
        fputc('\n', stderr);
    }
    return CLI_EXIT_OK;
}

static const cli_opt sync_opts[] = {
    { "pull", 'p', 0, NULL, "only receive", "both ways" },
    { "push", 'P', 0, NULL, "only send", NULL },
    { "remote-avow", 'r', 0, "PATH", "the avow program on the remote host\n",
      "$AVOW_REMOTE, else avow" },
    { NULL, 0, 0, NULL, NULL, NULL },
};
static const cli_opt serve_opts[] = {
    { "stdio", 's', 0, NULL, "speak the protocol on stdin and stdout (required)", NULL },
    { NULL, 0, 0, NULL, NULL, NULL },
};
static const cli_opt heads_opts[] = {
    { "out", 'o', 0, "FILE", "where to write the heads (required)", NULL },
    { NULL, 0, 0, NULL, NULL, NULL },
};
static const cli_opt bundle_opts[] = {
    { "heads", 'H', 0, "HEADS_FILE", "with create: the heads of the ledger the bundle is for\n",
      "every event" },
    { NULL, 0, 0, NULL, NULL, NULL },
};
static const cli_opt trust_opts[] = {
    { "after-seq", 'a', 0, "N", "with revoke: the last seq of PUBKEY that still counts", NULL },
    { "keep", 'k', 0, "EVENT_ID", "with resolve: which of the two forked events to keep", NULL },
    { NULL, 0, 0, NULL, NULL, NULL },
};
static const cli_spec sync_spec = { "sync", NULL, 18, 0, sync_opts };
static const cli_spec serve_spec = { "serve", NULL, 7, 0, serve_opts };
static const cli_spec heads_spec = { "heads", NULL, 10, 0, heads_opts };
static const cli_spec bundle_spec = { "bundle", NULL, 18, 0, bundle_opts };
static const cli_spec trust_spec = { "trust", NULL, 15, 0, trust_opts };
const cli_spec *const cli_sync_specs[] = { &sync_spec, NULL };
const cli_spec *const cli_serve_specs[] = { &serve_spec, NULL };
const cli_spec *const cli_heads_specs[] = { &heads_spec, NULL };
const cli_spec *const cli_bundle_specs[] = { &bundle_spec, NULL };
const cli_spec *const cli_trust_specs[] = { &trust_spec, NULL };

void
cmd_sync_help(FILE *out)
{
    fprintf(out, "usage: avow sync REMOTE [--pull | --push] [--remote-avow PATH]\n"
                 "\n"
                 "Exchange events with another ledger: each side sends what the other lacks;\n"
                 "every received event is verified before it is stored. REMOTE is a ledger\n"
                 "directory on this machine or ssh://[USER@]HOST[:PORT]/PATH, which runs\n"
                 "'$AVOW_SSH [-p PORT] [USER@]HOST AVOW serve --stdio PATH' (AVOW_SSH\n"
                 "default: ssh; it is run by /bin/sh and may hold options).\n"
                 "\n"
                 "options:\n");
    cli_help_options(out, &sync_spec);
    fprintf(out, "\n"
                 "exit: 0 done, 1 the peer sent bad data or refused ours (the message names\n"
                 "      the author and seq; whole batches before it are kept), 3 I/O error\n"
                 "\n");
    cli_help_globals(out);
}

/* Quote s for a POSIX shell in single quotes. Exit code or 0. */
static int
shell_quote(char *out, size_t maxlen, const char *s)
{
    size_t n = 0;
    if (maxlen < 3) {
        return -1;
    }
    out[n++] = '\'';
    for (const char *p = s; *p != '\0'; p++) {
        const char *piece = *p == '\'' ? "'\\''" : NULL;
        size_t plen = piece ? 4 : 1;
        if (n + plen + 2 > maxlen) {
            return -1;
        }
        if (piece) {
            memcpy(out + n, piece, plen);
        } else {
            out[n] = *p;
        }
        n += plen;
    }
    out[n++] = '\'';
    out[n] = '\0';
    return 0;
}

/* Parse ssh://[USER@]HOST[:PORT]/PATH. */
static int
parse_ssh_url(const char *url, char *host, size_t hostmax, char *port, size_t portmax, char *path,
              size_t pathmax)
{
    const char *p = url + 6;
    const char *slash = strchr(p, '/');
    if (slash == NULL || slash == p) {
        return -1;
    }
    size_t hlen = (size_t)(slash - p);
    const char *colon = memchr(p, ':', hlen);
    /* An IPv6 literal is [..]: skip the colon search inside brackets. */
    if (p[0] == '[') {
        const char *close = memchr(p, ']', hlen);
        colon = close == NULL ? NULL : memchr(close, ':', (size_t)(slash - close));
    }
    size_t name_len = colon ? (size_t)(colon - p) : hlen;
    if (name_len == 0 || name_len >= hostmax) {
        return -1;
    }
    memcpy(host, p, name_len);
    host[name_len] = '\0';
    port[0] = '\0';
    if (colon != NULL) {
        size_t plen = (size_t)(slash - colon - 1);
        if (plen == 0 || plen >= portmax || strspn(colon + 1, "0123456789") < plen) {
            return -1;
        }
        memcpy(port, colon + 1, plen);
        port[plen] = '\0';
        long num = strtol(port, NULL, 10);
        if (num < 1 || num > 65535) {
            return -1; /* ssh would take 65536 as 0, or refuse it later */
        }
    }
    if (strlen(slash) >= pathmax || host[0] == '-') {
        return -1;
    }
    memcpy(path, slash, strlen(slash) + 1);
    return 0;
}

static int
sync_ssh(cli_ctx *ctx, avow_ledger *ledger, const char *url, const char *remote_avow,
         const avow_sync_opts *opts, avow_sync_stats *st)
{
    char host[512], port[16], path[CLI_PATH_MAX], qpath[2 * CLI_PATH_MAX], qavow[2 * CLI_PATH_MAX];
    char remote[5 * CLI_PATH_MAX];
    int to_child[2] = { -1, -1 }, from_child[2] = { -1, -1 };
    pid_t pid;
    int status = 0, err;
    const char *ssh = getenv("AVOW_SSH");

    (void)ctx;
    if (parse_ssh_url(url, host, sizeof(host), port, sizeof(port), path, sizeof(path)) < 0) {
        return cli_usage_fail("sync", "bad remote '%s' (ssh://[USER@]HOST[:PORT]/PATH)", url);
    }
    if (ssh == NULL || ssh[0] == '\0') {
        ssh = "ssh";
    }
    if (shell_quote(qpath, sizeof(qpath), path) < 0 ||
        shell_quote(qavow, sizeof(qavow), remote_avow) < 0) {
        return cli_usage_fail("sync", "remote path too long");
    }
    int n = snprintf(remote, sizeof(remote), "%s serve --stdio %s", qavow, qpath);
    if (n < 0 || (size_t)n >= sizeof(remote)) {
        return cli_usage_fail("sync", "remote command too long");
    }
    /* Built before the fork: a truncated command would run something else. */
    char cmd[1024];
    n = snprintf(cmd, sizeof(cmd), "%s \"$@\"", ssh);
    if (n < 0 || (size_t)n >= sizeof(cmd)) {
        return cli_usage_fail("sync", "$AVOW_SSH is too long");
    }
    if (pipe(to_child) < 0 || pipe(from_child) < 0) {
        return cli_fail(CLI_EXIT_ENV, "cannot create a pipe: %s", strerror(errno));
    }
    pid = fork();
    if (pid < 0) {
        return cli_fail(CLI_EXIT_ENV, "cannot fork: %s", strerror(errno));
    }
    if (pid == 0) {
        dup2(to_child[0], 0);
        dup2(from_child[1], 1);
        close(to_child[0]);
        close(to_child[1]);
        close(from_child[0]);
        close(from_child[1]);
        if (port[0] != '\0') {
            execl("/bin/sh", "sh", "-c", cmd, "avow-ssh", "-p", port, "--", host, remote,
                  (char *)NULL);
        } else {
            execl("/bin/sh", "sh", "-c", cmd, "avow-ssh", "--", host, remote, (char *)NULL);
        }
        _exit(127);
    }
    close(to_child[0]);
    close(from_child[1]);
    err = avow_sync_client(st, ledger, from_child[0], to_child[1], opts);
    close(to_child[1]);
    close(from_child[0]);
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
    }
    if (err < 0) {
        return cli_fail(sync_exit_code(err), "sync with %s failed: %s", url, avow_error_last());
    }
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
        return cli_fail(CLI_EXIT_ENV, "sync with %s: the ssh command failed (status %d)", url,
                        WIFEXITED(status) ? WEXITSTATUS(status) : -1);
    }
    return 0;
}

int
cmd_sync(cli_ctx *ctx, int argc, char **argv)
{
    cli_getopt_state gs;
    avow_sync_opts opts = AVOW_SYNC_OPTS_INIT;
    avow_sync_stats st;
    avow_ledger *ledger = NULL, *peer = NULL;
    const char *remote_avow = getenv("AVOW_REMOTE");
    int status = CLI_EXIT_OK, err, c;

    memset(&st, 0, sizeof(st));
    cli_getopt_init(&gs, &sync_spec);
    while ((c = cli_getopt(&gs, argc, argv)) != -1) {
        switch (c) {
        case 'p':
            opts.flags |= AVOW_SYNC_PULL;
            break;
        case 'P':
            opts.flags |= AVOW_SYNC_PUSH;
            break;
        case 'r':
            remote_avow = optarg;
            break;
        case CLI_OPT_HELP:
            cmd_sync_help(stdout);
            return CLI_EXIT_OK;
        default:
            return CLI_EXIT_USAGE;
        }
    }
    if (argc - optind != 1) {
        return cli_usage_fail("sync", "give one REMOTE");
    }
    if (remote_avow == NULL || remote_avow[0] == '\0') {
        remote_avow = "avow";
    }
    const char *remote = argv[optind];
    (void)signal(SIGPIPE, SIG_IGN); /* cannot fail for SIGPIPE */
    if (!ctx->quiet && !ctx->json && isatty(2)) {
        opts.on_progress = progress;
    }
    if ((status = cli_open_ledger(&ledger, ctx, 0)) != 0) {
        goto done;
    }
    if (strncmp(remote, "ssh://", 6) == 0) {
        status = sync_ssh(ctx, ledger, remote, remote_avow, &opts, &st);
    } else {
        char a[CLI_PATH_MAX], b[CLI_PATH_MAX];
        if (realpath(ctx->ledger, a) != NULL && realpath(remote, b) != NULL && strcmp(a, b) == 0) {
            status = cli_usage_fail("sync", "'%s' is this ledger", remote);
            goto done;
        }
        /* A pull only reads the peer: it may sit on a read-only file system. */
        err =
          avow_ledger_open(&peer, remote, opts.flags == AVOW_SYNC_PULL ? AVOW_OPEN_READONLY : 0);
        if (err < 0) {
            cli_fail_lib(err, NULL, "cannot open the ledger '%s'", remote);
            status = err == AVOW_ENOTFOUND ? CLI_EXIT_ENV : cli_exit_code(err);
            goto done;
        }
        err = avow_sync_local(&st, ledger, peer, &opts);
        if (err < 0) {
            status =
              cli_fail(sync_exit_code(err), "sync with %s failed: %s", remote, avow_error_last());
        }
    }
    if (opts.on_progress != NULL) {
        fputc('\n', stderr);
    }
    if (status == 0) {
        status = print_stats(ctx, "synced with", &st);
        cli_guard_untrusted(ctx, ledger);
    }
done:
    avow_ledger_free(peer);
    avow_ledger_free(ledger);
    return status;
}

void
cmd_serve_help(FILE *out)
{
    fprintf(out, "usage: avow serve --stdio [LEDGER]\n"
                 "\n"
                 "Speak the sync protocol (docs/PROTOCOL.md) on stdin and stdout for the\n"
                 "ledger LEDGER (default: the -L ledger): what 'avow sync ssh://...' runs on\n"
                 "the remote host. Messages go to stderr.\n"
                 "\n"
                 "options:\n");
    cli_help_options(out, &serve_spec);
    fprintf(out, "\n"
                 "exit: 0 done, 1 the peer sent bad data, 3 I/O error\n"
                 "\n");
    cli_help_globals(out);
}

int
cmd_serve(cli_ctx *ctx, int argc, char **argv)
{
    cli_getopt_state gs;
    avow_sync_stats st;
    avow_ledger *ledger = NULL;
    int stdio = 0, status = CLI_EXIT_OK, err, c;

    cli_getopt_init(&gs, &serve_spec);
    while ((c = cli_getopt(&gs, argc, argv)) != -1) {
        switch (c) {
        case 's':
            stdio = 1;
            break;
        case CLI_OPT_HELP:
            cmd_serve_help(stdout);
            return CLI_EXIT_OK;
        default:
            return CLI_EXIT_USAGE;
        }
    }
    if (!stdio) {
        return cli_usage_fail("serve", "only --stdio is supported");
    }
    if (argc - optind > 1) {
        return cli_usage_fail("serve", "too many arguments");
    }
    if (argc - optind == 1) {
        ctx->ledger = argv[optind];
    }
    (void)signal(SIGPIPE, SIG_IGN); /* cannot fail for SIGPIPE */
    if ((status = cli_open_ledger(&ledger, ctx, 0)) != 0) {
        goto done;
    }
    err = avow_sync_serve(&st, ledger, 0, 1, NULL);
    if (err < 0) {
        status = cli_fail(sync_exit_code(err), "serve: %s", avow_error_last());
    } else if (!ctx->quiet && isatty(2)) {
        fprintf(stderr, "avow: served %s: received %llu, sent %llu\n", st.peer_origin,
                (unsigned long long)st.received, (unsigned long long)st.sent);
    }
done:
    avow_ledger_free(ledger);
    return status;
}

void
cmd_heads_help(FILE *out)
{
    fprintf(out, "usage: avow heads --out FILE\n"
                 "\n"
                 "Write this ledger's heads (per author: last seq and event id) and its fork\n"
                 "evidence to FILE, for 'avow bundle create --heads FILE' on another machine.\n"
                 "\n"
                 "options:\n");
    cli_help_options(out, &heads_spec);
    fprintf(out, "\n");
    cli_help_globals(out);
}

int
cmd_heads(cli_ctx *ctx, int argc, char **argv)
{
    cli_getopt_state gs;
    avow_ledger *ledger = NULL;
    const char *out = NULL;
    int status = CLI_EXIT_OK, err, c;

    cli_getopt_init(&gs, &heads_spec);
    while ((c = cli_getopt(&gs, argc, argv)) != -1) {
        switch (c) {
        case 'o':
            out = optarg;
            break;
        case CLI_OPT_HELP:
            cmd_heads_help(stdout);
            return CLI_EXIT_OK;
        default:
            return CLI_EXIT_USAGE;
        }
    }
    if (out == NULL || optind < argc) {
        return cli_usage_fail("heads", "give --out FILE and nothing else");
    }
    if ((status = cli_open_ledger(&ledger, ctx, AVOW_OPEN_READONLY)) != 0) {
        goto done;
    }
    if ((err = avow_heads_save(ledger, out)) < 0) {
        status = cli_fail_lib(err, NULL, "cannot write the heads file '%s'", out);
    }
done:
    avow_ledger_free(ledger);
    return status;
}

void
cmd_bundle_help(FILE *out)
{
    fprintf(out, "usage: avow bundle create FILE [--heads HEADS_FILE]\n"
                 "       avow bundle apply FILE\n"
                 "\n"
                 "create  write the events (and fork evidence) that the ledger whose heads are\n"
                 "        in HEADS_FILE ('avow heads --out') lacks; every event without it\n"
                 "apply   check the whole bundle (hash, format, signatures, chains against\n"
                 "        this ledger), then append it in one transaction\n"
                 "\n"
                 "options:\n");
    cli_help_options(out, &bundle_spec);
    fprintf(out, "\n"
                 "exit: 0 done, 1 the bundle is truncated, altered or does not link to this\n"
                 "      ledger (nothing was appended), 2 usage, 3 I/O\n"
                 "\n");
    cli_help_globals(out);
}

int
cmd_bundle(cli_ctx *ctx, int argc, char **argv)
{
    cli_getopt_state gs;
    avow_ledger *ledger = NULL;
    const char *heads = NULL;
    int status = CLI_EXIT_OK, err, c;

    if (argc < 2 || strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
        if (argc < 2) {
            return cli_usage_fail("bundle", "missing subcommand: create or apply");
        }
        cmd_bundle_help(stdout);
        return CLI_EXIT_OK;
    }
    int create = strcmp(argv[1], "create") == 0;
    if (!create && strcmp(argv[1], "apply") != 0) {
        return cli_usage_fail("bundle", "unknown subcommand '%s' (create or apply)", argv[1]);
    }
    argc--;
    argv++;
    cli_getopt_init(&gs, &bundle_spec);
    while ((c = cli_getopt(&gs, argc, argv)) != -1) {
        switch (c) {
        case 'H':
            heads = optarg;
            break;
        case CLI_OPT_HELP:
            cmd_bundle_help(stdout);
            return CLI_EXIT_OK;
        default:
            return CLI_EXIT_USAGE;
        }
    }
    if (argc - optind != 1 || (!create && heads != NULL)) {
        return cli_usage_fail("bundle", "give one FILE (--heads only with create)");
    }
    const char *file = argv[optind];
    if ((status = cli_open_ledger(&ledger, ctx, create ? AVOW_OPEN_READONLY : 0)) != 0) {
        goto done;
    }
    if (create) {
        uint64_t count = 0;
        if ((err = avow_bundle_create(&count, ledger, file, heads)) < 0) {
            status = cli_fail_lib(err, NULL, "cannot create the bundle");
            goto done;
        }
        if (ctx->json) {
            status =
              cli_print_json(json_pack("{s:s, s:I}", "bundle", file, "events", (json_int_t)count));
        } else if (!ctx->quiet) {
            fprintf(stderr, "avow: wrote %llu events to %s\n", (unsigned long long)count, file);
        }
    } else {
        avow_sync_stats st;
        char spool[CLI_PATH_MAX] = "";
        /* '-' is standard input, spooled: a bundle is checked whole before use. */
        if (strcmp(file, "-") == 0 && (status = cli_spool_stdin(spool, sizeof(spool))) != 0) {
            if (spool[0] != '\0') {
                (void)unlink(spool);
            }
            goto done;
        }
        err = avow_bundle_apply(&st, ledger, spool[0] != '\0' ? spool : file);
        if (spool[0] != '\0') {
            (void)unlink(spool);
        }
        if (err < 0) {
            status = cli_fail(sync_exit_code(err), "bundle rejected, nothing appended: %s",
                              avow_error_last());
            goto done;
        }
        (void)snprintf(st.peer_origin, sizeof(st.peer_origin), "%s", file);
        status = print_stats(ctx, "applied", &st);
        cli_guard_untrusted(ctx, ledger);
    }
done:
    avow_ledger_free(ledger);
    return status;
}

/* ---- trust -------------------------------------------------------------- */

void
cmd_trust_help(FILE *out)
{
    fprintf(out, "usage: avow trust add PUBKEY NAME\n"
                 "       avow trust list [--json]\n"
                 "       avow trust remove PUBKEY\n"
                 "       avow trust revoke PUBKEY --after-seq N\n"
                 "       avow trust resolve PUBKEY --keep EVENT_ID\n"
                 "\n"
                 "The keyring of authors whose events count in state, history and explain.\n"
                 "The ledger owner (the first key that appended here) is trusted; so is the\n"
                 "successor named by a trusted key's 'key rotate'. Others' events are kept\n"
                 "and replicated but left out. Trust settings are local: never replicated.\n"
                 "PUBKEY is 64 hex characters, or a unique prefix of 8 or more (or the\n"
                 "keyring name) of a key this ledger knows.\n"
                 "\n"
                 "add      trust PUBKEY under NAME (lifts a revocation)\n"
                 "list     every author: name, status (owner, trusted, successor, untrusted,\n"
                 "         revoked after N, FORKED at seq N), events in this ledger\n"
                 "remove   forget PUBKEY: its events no longer count\n"
                 "revoke   keep what PUBKEY signed up to seq N, ignore its later events\n"
                 "resolve  an author that signed two events with one seq (a fork) is left out\n"
                 "         from that seq on; keep one of the two: keeping the one in this\n"
                 "         ledger's chain makes the author count again\n"
                 "\n"
                 "options:\n");
    cli_help_options(out, &trust_spec);
    fprintf(out, "\n");
    cli_help_globals(out);
}

static const char *
status_text(const avow_trust_entry *e, char *buf, size_t maxlen)
{
    const char *base = (e->flags & AVOW_TRUST_OWNER)       ? "owner"
                       : (e->flags & AVOW_TRUST_LISTED)    ? "trusted"
                       : (e->flags & AVOW_TRUST_SUCCESSOR) ? "successor"
                                                           : "untrusted";
    int n = snprintf(buf, maxlen, "%s", base);
    if ((e->flags & AVOW_TRUST_REVOKED) && n >= 0 && (size_t)n < maxlen) {
        n += snprintf(buf + n, maxlen - (size_t)n, ", revoked after seq %llu",
                      (unsigned long long)e->revoked_after);
    }
    if ((e->flags & AVOW_TRUST_FORKED) && n >= 0 && (size_t)n < maxlen) {
        /* A label: truncation is harmless. */
        (void)snprintf(buf + n, maxlen - (size_t)n, ", %s at seq %llu",
                       (e->flags & AVOW_TRUST_RESOLVED) ? "fork resolved" : "FORKED",
                       (unsigned long long)e->fork_seq);
    }
    return buf;
}

static int
list_one(const avow_trust_entry *e, void *payload)
{
    const cli_ctx *ctx = payload;
    char hex[AVOW_HEX_ID_LEN + 1], st[160];
    avow_hex(hex, e->key, AVOW_PUBKEY_BYTES);
    status_text(e, st, sizeof(st));
    if (ctx->json) {
        json_t *o =
          json_pack("{s:s, s:s, s:s, s:b, s:b, s:b, s:b, s:I, s:I}", "key", hex, "name", e->name,
                    "status", st, "owner", (e->flags & AVOW_TRUST_OWNER) != 0, "trusted",
                    (e->flags & (AVOW_TRUST_OWNER | AVOW_TRUST_LISTED | AVOW_TRUST_SUCCESSOR)) != 0,
                    "counts", (e->flags & AVOW_TRUST_COUNTS) != 0, "forked",
                    (e->flags & AVOW_TRUST_FORKED) != 0 && !(e->flags & AVOW_TRUST_RESOLVED),
                    "events", (json_int_t)e->head_seq, "fork_seq", (json_int_t)e->fork_seq);
        if (o != NULL && (e->flags & AVOW_TRUST_REVOKED)) {
            json_object_set_new(o, "revoked_after", json_integer((json_int_t)e->revoked_after));
        }
        return cli_print_json(o) == 0 ? 0 : AVOW_EIO;
    }
    printf("%s  %-16s  %s, %llu events\n", hex, e->name[0] ? e->name : "-", st,
           (unsigned long long)e->head_seq);
    return 0;
}

int
cmd_trust(cli_ctx *ctx, int argc, char **argv)
{
    cli_getopt_state gs;
    unsigned char pk[AVOW_PUBKEY_BYTES], id[AVOW_EVENT_ID_BYTES];
    avow_ledger *ledger = NULL;
    const char *after = NULL, *keep = NULL;
    int status = CLI_EXIT_OK, err = 0, c;

    if (argc < 2) {
        return cli_usage_fail("trust", "missing subcommand: add, list, remove, revoke, resolve");
    }
    if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
        cmd_trust_help(stdout);
        return CLI_EXIT_OK;
    }
    const char *sub = argv[1];
    argc--;
    argv++;
    cli_getopt_init(&gs, &trust_spec);
    while ((c = cli_getopt(&gs, argc, argv)) != -1) {
        switch (c) {
        case 'a':
            after = optarg;
            break;
        case 'k':
            keep = optarg;
            break;
        case CLI_OPT_HELP:
            cmd_trust_help(stdout);
            return CLI_EXIT_OK;
        default:
            return CLI_EXIT_USAGE;
        }
    }
    int nargs = argc - optind;
    char **args = argv + optind;
    if (strcmp(sub, "list") == 0) {
        if (nargs != 0) {
            return cli_usage_fail("trust", "list takes no arguments");
        }
        if ((status = cli_open_ledger(&ledger, ctx, AVOW_OPEN_READONLY)) != 0) {
            goto done;
        }
        if ((err = avow_trust_list(ledger, list_one, ctx)) < 0) {
            status = cli_fail_lib(err, NULL, "cannot list the keyring");
        }
        goto done;
    }
    if (strcmp(sub, "add") == 0) {
        if (nargs != 2) {
            return cli_usage_fail("trust", "add needs PUBKEY NAME");
        }
    } else if (strcmp(sub, "remove") == 0) {
        if (nargs != 1) {
            return cli_usage_fail("trust", "remove needs PUBKEY");
        }
    } else if (strcmp(sub, "revoke") == 0) {
        if (nargs != 1 || after == NULL) {
            return cli_usage_fail("trust", "revoke needs PUBKEY --after-seq N");
        }
    } else if (strcmp(sub, "resolve") == 0) {
        if (nargs != 1 || keep == NULL) {
            return cli_usage_fail("trust", "resolve needs PUBKEY --keep EVENT_ID");
        }
    } else {
        return cli_usage_fail("trust", "unknown subcommand '%s'", sub);
    }
    if ((status = cli_open_ledger(&ledger, ctx, 0)) != 0 ||
        (status = cli_resolve_key(ledger, pk, args[0], "trust")) != 0) {
        goto done;
    }
    if (strcmp(sub, "add") == 0) {
        err = avow_trust_add(ledger, pk, args[1]);
    } else if (strcmp(sub, "remove") == 0) {
        err = avow_trust_remove(ledger, pk);
    } else if (strcmp(sub, "revoke") == 0) {
        char *end = NULL;
        assert(after != NULL); /* checked with the arguments above */
        errno = 0;
        unsigned long long n = strtoull(after, &end, 10);
        if (after[0] < '0' || after[0] > '9' || *end != '\0' || errno != 0) {
            status = cli_usage_fail("trust", "--after-seq wants a number, not '%s'", after);
            goto done;
        }
        err = avow_trust_revoke(ledger, pk, (uint64_t)n);
    } else {
        /* The kept event may be evidence, outside the id index: a full id is taken as is. */
        assert(keep != NULL); /* checked with the arguments above */
        if (strlen(keep) == AVOW_HEX_ID_LEN) {
            if (avow_unhex(id, AVOW_EVENT_ID_BYTES, keep) < 0) {
                status = cli_usage_fail("trust", "'%s' is not an event id", keep);
                goto done;
            }
        } else if ((status = cli_resolve_event(ledger, id, keep)) != 0) {
            goto done;
        }
        err = avow_trust_resolve(ledger, pk, id);
    }
    if (err < 0) {
        status = cli_fail_lib(err, NULL, "trust %s", sub);
    }
done:
    avow_ledger_free(ledger);
    return status;
}
