/* SPDX-License-Identifier: ISC */
/*
 * keyhead.c - the copied-ledger guard (docs/SECURITY.md, "One key, one
 * chain"): a key remembers, in a small file beside it (KEY.head), per ledger
 * origin, the last seq it signed and that event's content hash. Before
 * signing, the ledger's head of the key must be that event; otherwise this
 * ledger lacks events the key signed in another ledger of the same origin (a
 * copy, or a replica not synced since) and signing would give a second,
 * different event at a seq already used: a fork that makes the author
 * "forked" on every replica it reaches. Ledgers of different origins are
 * followed separately (one key may keep several independent ledgers).
 *
 * Invariants (tests/cli/test_copyguard.sh):
 *  1. The check runs before the key signs anything; a refusal is exit 2 and
 *     writes nothing.
 *  2. After an append, KEY.head names the ledger's new head of the key; it is
 *     replaced whole (write a temporary file, then rename), never half-written.
 *  3. No KEY.head (a key from before this guard, or never used) passes; an
 *     unreadable or malformed one is refused, never guessed.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"

#define KEYHEAD_MAGIC "avow-key-head v1"

static int
keyhead_path(char *out, size_t maxlen, const char *key, const char *suffix)
{
    int n = snprintf(out, maxlen, "%s.head%s", key, suffix);
    return n > 0 && (size_t)n < maxlen ? 0 : -1;
}

/* Read KEY.head: the line of origin. 1 with seq and hash, 0 when there is
 * none, or minus an exit code (printed). Lines: "SEQ HASH ORIGIN". */
static int
keyhead_read(const cli_ctx *ctx, const char *origin, uint64_t *seq,
             unsigned char hash[AVOW_HASH_BYTES])
{
    char path[CLI_PATH_MAX], line[AVOW_ORIGIN_STRLEN + 128];
    int found = 0, ok = 1;
    FILE *f;

    if (keyhead_path(path, sizeof(path), ctx->key, "") < 0) {
        return -cli_fail(CLI_EXIT_ENV, "key path too long");
    }
    if ((f = fopen(path, "r")) == NULL) {
        if (errno == ENOENT) {
            return 0;
        }
        return -cli_fail(CLI_EXIT_ENV, "cannot read %s: %s", path, strerror(errno));
    }
    ok = fgets(line, sizeof(line), f) != NULL && strcmp(line, KEYHEAD_MAGIC "\n") == 0;
    while (ok && !found && fgets(line, sizeof(line), f) != NULL) {
        char *sp1 = strchr(line, ' ');
        char *sp2 = sp1 != NULL ? strchr(sp1 + 1, ' ') : NULL;
        char *nl = strchr(line, '\n');
        char *end = NULL;
        ok = sp1 != NULL && sp2 != NULL && nl != NULL && sp2 - sp1 - 1 == AVOW_HEX_ID_LEN;
        if (!ok) {
            break;
        }
        *sp1 = *sp2 = *nl = '\0';
        if (strcmp(sp2 + 1, origin) != 0) {
            continue;
        }
        errno = 0;
        *seq = strtoull(line, &end, 10);
        ok = errno == 0 && *end == '\0' && avow_unhex(hash, AVOW_HASH_BYTES, sp1 + 1) == 0;
        found = 1;
    }
    (void)fclose(f); /* read only */
    if (!ok) {
        return -cli_fail(CLI_EXIT_ENV,
                         "%s is malformed (it records the last event this key signed; restore "
                         "it, or remove it to skip the copied-ledger check once)",
                         path);
    }
    return found;
}

int
cli_keyhead_check(const cli_ctx *ctx, avow_ledger *ledger, const avow_key *key)
{
    unsigned char want[AVOW_HASH_BYTES], have[AVOW_HASH_BYTES];
    char hex[AVOW_HEX_ID_LEN + 1];
    uint64_t want_seq = 0, have_seq = 0;
    int r = keyhead_read(ctx, avow_ledger_origin(ledger), &want_seq, want);

    if (r <= 0) {
        return -r;
    }
    if ((r = avow_ledger_head(&have_seq, have, ledger, avow_key_public(key))) < 0) {
        return cli_fail_lib(r, NULL, "cannot read the head of the key in '%s'", ctx->ledger);
    }
    if (have_seq == want_seq && memcmp(have, want, AVOW_HASH_BYTES) == 0) {
        return 0;
    }
    avow_hex(hex, want, AVOW_HASH_BYTES);
    if (have_seq < want_seq) {
        return cli_fail(CLI_EXIT_USAGE,
                        "this key last signed seq %" PRIu64 " (content hash %.16s), but ledger "
                        "'%s' has the key only up to seq %" PRIu64
                        ": it is a copy or a replica that lacks the key's later events, and "
                        "signing here would fork the key's chain (sync it with the ledger "
                        "that has them first; see docs/SECURITY.md)",
                        want_seq, hex, ctx->ledger, have_seq);
    }
    return cli_fail(CLI_EXIT_USAGE,
                    "ledger '%s' holds a different chain of this key than the one it last signed "
                    "(seq %" PRIu64 ", content hash %.16s; here seq %" PRIu64
                    "): signing would fork it (see docs/SECURITY.md)",
                    ctx->ledger, want_seq, hex, have_seq);
}

/* Copy the lines of KEY.head but origin's from path to out. */
static void
keyhead_copy_others(FILE *out, const char *path, const char *origin)
{
    char line[AVOW_ORIGIN_STRLEN + 128];
    FILE *in = fopen(path, "r");
    size_t olen = strlen(origin);

    if (in == NULL || fgets(line, sizeof(line), in) == NULL) {
        if (in != NULL) {
            (void)fclose(in);
        }
        return;
    }
    while (fgets(line, sizeof(line), in) != NULL) {
        size_t n = strlen(line);
        char *sp1 = strchr(line, ' ');
        char *sp2 = sp1 != NULL ? strchr(sp1 + 1, ' ') : NULL;
        if (sp2 != NULL && n == (size_t)(sp2 + 1 - line) + olen + 1 &&
            memcmp(sp2 + 1, origin, olen) == 0) {
            continue;
        }
        fputs(line, out);
    }
    (void)fclose(in); /* read only */
}

void
cli_keyhead_update(const cli_ctx *ctx, avow_ledger *ledger, const avow_key *key)
{
    char path[CLI_PATH_MAX], tmp[CLI_PATH_MAX], hex[AVOW_HEX_ID_LEN + 1];
    unsigned char hash[AVOW_HASH_BYTES];
    const char *origin = avow_ledger_origin(ledger);
    uint64_t seq = 0;
    FILE *f;
    int ok;

    if (avow_ledger_head(&seq, hash, ledger, avow_key_public(key)) < 0 || seq == 0 ||
        keyhead_path(path, sizeof(path), ctx->key, "") < 0 ||
        keyhead_path(tmp, sizeof(tmp), ctx->key, ".tmp") < 0) {
        return;
    }
    avow_hex(hex, hash, AVOW_HASH_BYTES);
    if ((f = fopen(tmp, "w")) == NULL) {
        cli_warn(ctx, "cannot write %s: %s (the copied-ledger guard cannot follow this key)", tmp,
                 strerror(errno));
        return;
    }
    ok = fputs(KEYHEAD_MAGIC "\n", f) >= 0;
    keyhead_copy_others(f, path, origin);
    ok = fprintf(f, "%" PRIu64 " %s %s\n", seq, hex, origin) > 0 && ok;
    ok = (fflush(f) == 0) && ok && fsync(fileno(f)) == 0;
    ok = (fclose(f) == 0) && ok;
    if (!ok || rename(tmp, path) != 0) {
        cli_warn(ctx, "cannot write %s: %s (the copied-ledger guard cannot follow this key)", path,
                 strerror(errno));
        (void)unlink(tmp);
    }
}
