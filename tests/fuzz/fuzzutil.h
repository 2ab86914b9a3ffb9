/* SPDX-License-Identifier: ISC */
/*
 * fuzzutil.h - helpers for the fuzz targets that need files or a ledger
 * (fuzz_jsonl.c, fuzz_frame.c, fuzz_bundle.c): a private scratch directory,
 * writing the input to a file, a fresh empty ledger per run, and the check
 * that a ledger still verifies with no problem.
 *
 * Invariants:
 *  1. Everything lives under one directory made with mkdtemp() in $TMPDIR
 *     (default /dev/shm when it exists, so that LMDB's fsync costs nothing),
 *     removed at exit.
 *  2. fuzz_ledger_fresh() gives an empty ledger each run: a new one, or the
 *     last run's when that run left it empty (fuzz_ledger_release()), which
 *     is the same state. No state is carried from one input to the next, so
 *     every finding replays alone.
 */
#ifndef AVOW_FUZZUTIL_H
#define AVOW_FUZZUTIL_H

#include <dirent.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "avow.h"
#include "fuzz.h"

static char fuzz_dir[4096];

static inline void
fuzz_rm_tree(const char *path)
{
    DIR *d = opendir(path);
    struct dirent *e;
    if (d == NULL) {
        unlink(path);
        return;
    }
    while ((e = readdir(d)) != NULL) {
        char sub[4096];
        if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0) {
            continue;
        }
        int n = snprintf(sub, sizeof(sub), "%s/%s", path, e->d_name);
        if (n > 0 && (size_t)n < sizeof(sub)) {
            fuzz_rm_tree(sub);
        }
    }
    closedir(d);
    rmdir(path);
}

static inline void
fuzz_dir_cleanup(void)
{
    if (fuzz_dir[0] != '\0') {
        fuzz_rm_tree(fuzz_dir);
    }
}

/* The scratch directory (invariant 1). */
static inline const char *
fuzz_scratch(void)
{
    if (fuzz_dir[0] == '\0') {
        const char *tmp = getenv("TMPDIR");
        struct stat st;
        if (tmp == NULL || tmp[0] == '\0') {
            tmp = stat("/dev/shm", &st) == 0 && S_ISDIR(st.st_mode) ? "/dev/shm" : "/tmp";
        }
        int n = snprintf(fuzz_dir, sizeof(fuzz_dir), "%s/avow-fuzz-XXXXXX", tmp);
        FUZZ_ASSERT(n > 0 && (size_t)n < sizeof(fuzz_dir));
        FUZZ_ASSERT(mkdtemp(fuzz_dir) != NULL);
        atexit(fuzz_dir_cleanup);
    }
    return fuzz_dir;
}

/* path = scratch/name */
static inline void
fuzz_path(char out[4096], const char *name)
{
    int n = snprintf(out, 4096, "%s/%s", fuzz_scratch(), name);
    FUZZ_ASSERT(n > 0 && n < 4096);
}

/* Write data to scratch/name (mode 0600, truncated); returns its path in out. */
static inline void
fuzz_write_file(char out[4096], const char *name, const void *data, size_t size)
{
    const unsigned char *p = data;
    fuzz_path(out, name);
    int fd = open(out, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    FUZZ_ASSERT(fd >= 0);
    while (size > 0) {
        ssize_t w = write(fd, p, size);
        FUZZ_ASSERT(w > 0);
        p += w;
        size -= (size_t)w;
    }
    FUZZ_ASSERT(close(fd) == 0);
}

static avow_ledger *fuzz_cached;

/* An empty ledger at scratch/ledger (invariant 2): the one of the last run
 * when that run left it empty (most inputs are refused, and LMDB costs a
 * millisecond or more to create), else a new one. */
static inline avow_ledger *
fuzz_ledger_fresh(void)
{
    char path[4096];
    avow_ledger *ledger = NULL;
    if (fuzz_cached != NULL) {
        ledger = fuzz_cached;
        fuzz_cached = NULL;
        return ledger;
    }
    fuzz_path(path, "ledger");
    fuzz_rm_tree(path);
    FUZZ_ASSERT(avow_ledger_init(path, "fuzz.example/ledger") == 0);
    FUZZ_ASSERT(avow_ledger_open(&ledger, path, 0) == 0);
    return ledger;
}

static inline uint64_t
fuzz_ledger_count(avow_ledger *ledger)
{
    uint64_t n = 0;
    FUZZ_ASSERT(avow_ledger_count(&n, ledger) == 0);
    return n;
}

/* Done with a ledger of fuzz_ledger_fresh(): kept for the next run when it
 * is still empty (no event, so no chain, fork evidence or owner either). */
static inline void
fuzz_ledger_release(avow_ledger *ledger)
{
    if (fuzz_cached == NULL && fuzz_ledger_count(ledger) == 0) {
        fuzz_cached = ledger;
        return;
    }
    avow_ledger_free(ledger);
}

/* Count the problems that are not fork evidence: a ledger that received
 * proof that an author forked its feed reports it, by design. */
static inline int
fuzz_count_problem(const avow_problem *problem, void *payload)
{
    uint64_t *n = payload;
    if (strstr(problem->what, "forked its feed") == NULL) {
        fprintf(stderr, "verify: %s\n", problem->what);
        (*n)++;
    }
    return 0;
}

/* The ledger verifies with no problem but fork evidence: nothing unverified
 * was stored. */
static inline void
fuzz_ledger_check(avow_ledger *ledger)
{
    uint64_t events = 0, problems = 0, real = 0;
    avow_verify_opts opts = AVOW_VERIFY_OPTS_INIT;
    opts.on_problem = fuzz_count_problem;
    opts.payload = &real;
    FUZZ_ASSERT(avow_ledger_verify(&events, &problems, ledger, &opts) == 0);
    FUZZ_ASSERT(real == 0);
    FUZZ_ASSERT(events == fuzz_ledger_count(ledger));
}

/* A refusal is a negative AVOW_E* code with a reason. */
static inline void
fuzz_check_refusal(int code)
{
    FUZZ_ASSERT(code < 0 && code >= AVOW_ERANGE);
    FUZZ_ASSERT(avow_error_last()[0] != '\0');
}

#endif /* AVOW_FUZZUTIL_H */
