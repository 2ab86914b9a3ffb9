/* SPDX-License-Identifier: ISC */
/*
 * fuzz_bundle.c - fuzz target for the bundle and heads file readers
 * (src/replicate/bundle.c: avow_bundle_apply, and avow_bundle_create reading a heads
 * file). Input: a bundle or heads file WITHOUT its 32-byte SHA-256 trailer;
 * the target appends the right trailer, so that the fuzzer gets past the
 * hash check to the parser, and also runs the input as it is (the trailer
 * check itself). Files starting with "avowhead" are read as heads files,
 * anything else as a bundle, each against a fresh empty ledger.
 *
 * Invariants asserted:
 *  1. Every call returns 0 or a negative AVOW_E* with a reason.
 *  2. A refused bundle leaves the ledger as it was (empty): invariant 3 of
 *     bundle.c, nothing is appended unless all of it verifies and links.
 *  3. After any apply, the ledger verifies with no problem, and an accepted
 *     bundle's stats count what was stored.
 *  4. An input given with a wrong trailer is refused as AVOW_EFORMAT (or
 *     AVOW_ERANGE for the size bound) before anything is parsed.
 *  5. A heads file that avow_bundle_create() accepts gives a bundle that
 *     avow_bundle_apply() accepts on another fresh ledger.
 */
#include <sodium.h>

#include "fuzzutil.h"

static void
apply(const char *path, int trailer_ok)
{
    avow_ledger *ledger = fuzz_ledger_fresh();
    avow_sync_stats st;
    int error = avow_bundle_apply(&st, ledger, path);
    uint64_t n = fuzz_ledger_count(ledger);
    if (error < 0) {
        fuzz_check_refusal(error);
        if (!trailer_ok) {
            FUZZ_ASSERT(error == AVOW_EFORMAT || error == AVOW_ERANGE);
        }
        FUZZ_ASSERT(n == 0);
    } else {
        FUZZ_ASSERT(st.received == n);
    }
    fuzz_ledger_check(ledger);
    fuzz_ledger_release(ledger);
}

static void
heads(const char *path)
{
    char out[4096];
    avow_ledger *ledger = fuzz_ledger_fresh();
    uint64_t count = 0;
    fuzz_path(out, "bundle-out");
    int error = avow_bundle_create(&count, ledger, out, path);
    if (error < 0) {
        fuzz_check_refusal(error);
    } else {
        FUZZ_ASSERT(count == 0); /* the ledger is empty */
        fuzz_ledger_release(ledger);
        ledger = fuzz_ledger_fresh();
        int applied = avow_bundle_apply(NULL, ledger, out);
        /* Made against heads this ledger lacks: refused as such, or fine. */
        FUZZ_ASSERT(applied == 0 || applied == AVOW_ECHAIN);
        fuzz_ledger_check(ledger);
    }
    unlink(out);
    fuzz_ledger_release(ledger);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char path[4096];
    unsigned char hash[crypto_hash_sha256_BYTES];
    unsigned char *with = malloc(size + sizeof(hash));
    int is_heads = size >= 8 && memcmp(data, "avowhead", 8) == 0;

    FUZZ_ASSERT(with != NULL);
    if (size > 0) {
        memcpy(with, data, size);
    }
    crypto_hash_sha256(hash, data, size);
    memcpy(with + size, hash, sizeof(hash));

    /* Invariant 4: as it is (its last 32 bytes as the trailer). */
    fuzz_write_file(path, "input", data, size);
    if (!is_heads) {
        apply(path, size >= 32 && crypto_hash_sha256(hash, data, size - 32) == 0 &&
                      memcmp(hash, data + size - 32, 32) == 0);
    }

    /* With the right trailer: the parser. */
    fuzz_write_file(path, "input", with, size + sizeof(hash));
    if (is_heads) {
        heads(path);
    } else {
        apply(path, 1);
    }
    unlink(path);
    free(with);
    return 0;
}
