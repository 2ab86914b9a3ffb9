/* SPDX-License-Identifier: ISC */
/*
 * interop_ledger.c - the avow side of the reference-interop test
 * (tests/interop/test_interop.sh): builds ledgers of a given size quickly and
 * prints avow's proofs for tests/interop/interop.go to check with Go's
 * sumdb/tlog. Public API only.
 *
 *   interop_ledger make DIR N KEYFILE      N more events (a new ledger of
 *                                          origin example.org/interop when DIR
 *                                          has none) signed by the key of
 *                                          KEYFILE, made if missing
 *   interop_ledger all DIR MAX             every inclusion proof (i < n) and
 *                                          consistency proof (1 <= m <= n) for
 *                                          every size n <= MAX
 *   interop_ledger random DIR COUNT SEED   COUNT random inclusion and
 *                                          consistency proofs within the log
 *
 * Proof lines: "I INDEX SIZE LEAF ROOT PATH..." and "C OLD NEW OLDROOT
 * NEWROOT PATH...", hashes in hex, path nearest the leaf first (RFC 9162).
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "avow.h"

#define BATCH 4096

static int
usage(void)
{
    fprintf(stderr, "usage: interop_ledger make DIR N KEYFILE | all DIR MAX | random DIR COUNT "
                    "SEED\n");
    return 2;
}

static int
die(const char *what, int err)
{
    fprintf(stderr, "interop_ledger: %s: %s (%s)\n", what, avow_strerror(err), avow_error_last());
    return 1;
}

static void
put_hex(const unsigned char *h)
{
    char hex[2 * AVOW_HASH_BYTES + 1];
    avow_hex(hex, h, AVOW_HASH_BYTES);
    fputs(hex, stdout);
}

static void
put_path(const unsigned char *path, size_t count)
{
    for (size_t i = 0; i < count; i++) {
        putchar(' ');
        put_hex(path + i * AVOW_HASH_BYTES);
    }
    putchar('\n');
}

static int
make(const char *dir, uint64_t n, const char *keyfile)
{
    avow_draft *d = calloc(BATCH, sizeof(*d));
    static char actor[BATCH][32];
    avow_key_opts opts = AVOW_KEY_OPTS_INIT;
    unsigned char seed[AVOW_SEED_BYTES];
    avow_ledger *l = NULL;
    avow_key *key = NULL;
    struct stat st;
    int err;

    if (d == NULL) {
        return die("drafts", AVOW_ENOMEM);
    }
    memset(seed, 0x17, sizeof(seed));
    opts.seed = seed;
    if ((err = stat(keyfile, &st) == 0 ? avow_key_load(&key, keyfile, NULL, NULL)
                                       : avow_key_generate(&key, keyfile, &opts)) < 0) {
        free(d);
        return die(keyfile, err);
    }
    uint64_t first = 0;
    err = avow_ledger_init(dir, "example.org/interop");
    if ((err < 0 && err != AVOW_EEXISTS) || (err = avow_ledger_open(&l, dir, 0)) < 0 ||
        (err = avow_ledger_count(&first, l)) < 0) {
        avow_key_free(key);
        avow_ledger_free(l);
        free(d);
        return die(dir, err);
    }
    n += first;
    for (uint64_t i = first; i < n && err >= 0; i += BATCH) {
        size_t k = n - i < BATCH ? (size_t)(n - i) : BATCH;
        for (size_t j = 0; j < k; j++) {
            avow_draft init = AVOW_DRAFT_INIT;
            d[j] = init;
            d[j].contest = "interop";
            d[j].effective_at = INT64_C(1700000000000000) + (int64_t)(i + j);
            if (i + j == 0) {
                d[j].kind = AVOW_KIND_CONTEST;
                d[j].title = "Interop";
                d[j].rule = "majority";
                continue;
            }
            d[j].kind = AVOW_KIND_MEMBER_JOIN;
            (void)snprintf(actor[j], sizeof(actor[j]), "m%" PRIu64, i + j);
            d[j].actor = actor[j];
        }
        err = avow_ledger_append_drafts(NULL, NULL, l, key, d, k);
    }
    avow_key_free(key);
    avow_ledger_free(l);
    free(d);
    return err < 0 ? die("append", err) : 0;
}

/* The id of every event, in log order. */
static unsigned char *
ids_of(avow_ledger *l, uint64_t *count)
{
    avow_iter *it = NULL;
    avow_event ev;
    uint64_t index = 0;
    unsigned char *ids;

    if (avow_ledger_count(count, l) < 0 || (ids = malloc(*count * 32 + 32)) == NULL) {
        return NULL;
    }
    if (avow_iter_new(&it, l, NULL) < 0) {
        free(ids);
        return NULL;
    }
    while (avow_iter_next(&ev, &index, it) == 1 && index < *count) {
        avow_event_id(ids + index * 32, &ev);
    }
    avow_iter_free(it);
    return ids;
}

static int
inclusion(avow_ledger *l, const unsigned char *ids, uint64_t i, uint64_t n)
{
    static avow_inclusion p;
    int err = avow_ledger_prove_inclusion(&p, l, ids + i * 32, n);
    if (err < 0) {
        return die("inclusion proof", err);
    }
    printf("I %" PRIu64 " %" PRIu64 " ", i, n);
    put_hex(p.leaf_hash);
    putchar(' ');
    put_hex(p.root);
    put_path(p.path, p.count);
    return 0;
}

static int
consistency(avow_ledger *l, uint64_t m, uint64_t n)
{
    static avow_consistency p;
    int err = avow_ledger_prove_consistency(&p, l, m, n);
    if (err < 0) {
        return die("consistency proof", err);
    }
    printf("C %" PRIu64 " %" PRIu64 " ", m, n);
    put_hex(p.old_root);
    putchar(' ');
    put_hex(p.new_root);
    put_path(p.path, p.count);
    return 0;
}

static uint64_t
next_random(uint64_t *s)
{
    *s ^= *s << 13;
    *s ^= *s >> 7;
    *s ^= *s << 17;
    return *s;
}

static int
proofs(const char *dir, int all, uint64_t a, uint64_t seed)
{
    avow_ledger *l = NULL;
    uint64_t count = 0;
    unsigned char *ids;
    int err = 0;

    if ((err = avow_ledger_open(&l, dir, AVOW_OPEN_READONLY)) < 0) {
        return die(dir, err);
    }
    if ((ids = ids_of(l, &count)) == NULL) {
        avow_ledger_free(l);
        return die("ids", AVOW_EIO);
    }
    for (uint64_t n = 1; all && n <= a && n <= count && err == 0; n++) {
        for (uint64_t i = 0; i < n && err == 0; i++) {
            err = inclusion(l, ids, i, n);
        }
        for (uint64_t m = 1; m <= n && err == 0; m++) {
            err = consistency(l, m, n);
        }
    }
    seed |= 1;
    for (uint64_t k = 0; !all && k < a && count > 0 && err == 0; k++) {
        uint64_t n = 1 + next_random(&seed) % count;
        err = inclusion(l, ids, next_random(&seed) % n, n);
        if (err == 0) {
            err = consistency(l, 1 + next_random(&seed) % n, n);
        }
    }
    free(ids);
    avow_ledger_free(l);
    return err != 0 || fflush(stdout) != 0;
}

int
main(int argc, char **argv)
{
    if (argc == 5 && strcmp(argv[1], "make") == 0) {
        return make(argv[2], strtoull(argv[3], NULL, 10), argv[4]);
    }
    if (argc == 4 && strcmp(argv[1], "all") == 0) {
        return proofs(argv[2], 1, strtoull(argv[3], NULL, 10), 0);
    }
    if (argc == 5 && strcmp(argv[1], "random") == 0) {
        return proofs(argv[2], 0, strtoull(argv[3], NULL, 10), strtoull(argv[4], NULL, 10));
    }
    return usage();
}
