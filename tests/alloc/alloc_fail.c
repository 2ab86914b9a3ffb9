/* SPDX-License-Identifier: ISC */
/*
 * alloc_fail.c - the allocation-failure run (issue 13; SQLite's and curl's
 * torture tests): for each scenario below, and for N = 1, 2, 3 ... until a run
 * makes no more than N - 1 allocations, run the scenario with its Nth
 * allocation failing (tests/alloc/alloc_wrap.c). Each run must end in
 * AVOW_ENOMEM from the public call that met the failure (or succeed with the
 * right result, when the library can do without that allocation), never
 * crash, and leave no block allocated once its objects are freed.
 *
 * Usage: alloc_fail [SCENARIO [N]]   (one scenario, or one run of it)
 *
 * Each run is a child process, so a crash is reported with its N. Known
 * failures of code outside tests/alloc's owner are listed in alloc_known.inc
 * by scenario, error code and message, each naming the function to fix: such
 * a run is counted as skipped, not failed. Each entry is a TODO.
 */
#include <jansson.h>
#include <stdio.h>
#include <sys/wait.h>
#include <unistd.h>
#include <stdlib.h>
#include <string.h>

#include "avow.h"
#include "alloc_wrap.h"
#include "alloc_scen.h"

/* A known failure: scenario, the code it gives (ALLOC_CRASH for a signal), a
 * part of its message (NULL: any), and the function to fix. */
struct alloc_known {
    const char *scenario;
    int rc;
    const char *message;
    const char *fix;
};

#define ALLOC_CRASH (-200)

static const struct alloc_known alloc_known[] = {
#include "alloc_known.inc"
    { NULL, 0, NULL, NULL },
};

static const char *
known_failure(const char *scenario, int rc, const char *message)
{
    for (const struct alloc_known *k = alloc_known; k->scenario != NULL; k++) {
        if (strcmp(k->scenario, scenario) == 0 && k->rc == rc &&
            (k->message == NULL || strstr(message, k->message) != NULL)) {
            return k->fix;
        }
    }
    return NULL;
}

/* Exit codes of a run's child; any other status (a signal, a sanitizer's exit
 * code) is a crash. */
enum { RUN_OK = 0, RUN_FAIL = 10, RUN_KNOWN = 11 };

/* One run with the nth allocation failing (0: none), in this process. */
static int
run_here(const struct alloc_scenario *sc, unsigned long n, struct alloc_wrap_stats *st)
{
    struct alloc_ctx ctx;
    int rc;
    memset(st, 0, sizeof(*st));
    if (alloc_ctx_prepare(&ctx, sc) != 0) {
        fprintf(stderr, "alloc: %s: setup failed: %s\n", sc->name, avow_error_last());
        alloc_ctx_release(&ctx);
        return RUN_FAIL;
    }
    alloc_wrap_arm(n);
    rc = sc->run(&ctx);
    alloc_wrap_disarm();
    alloc_ctx_release(&ctx);
    *st = alloc_wrap_stats();
    const char *why = NULL;
    if (st->injected == 0 && rc != 0) {
        why = "fails without an injected failure";
    } else if (rc == ALLOC_EWRONG) {
        why = "a wrong result";
    } else if (st->injected != 0 && rc != 0 && rc != AVOW_ENOMEM) {
        why = "an allocation failure gave another error than AVOW_ENOMEM";
    } else if (st->live != 0) {
        why = "leaks";
        rc = ALLOC_LEAK;
    }
    if (why == NULL) {
        return RUN_OK;
    }
    if (n != 0 && known_failure(sc->name, rc, avow_error_last()) != NULL) {
        return RUN_KNOWN;
    }
    fprintf(stderr, "alloc: FAIL %s N=%lu: %s (rc %d, %zu blocks live): %s\n", sc->name, n, why, rc,
            st->live, avow_error_last());
    return RUN_FAIL;
}

/* The same in a child, so that a crash is reported and the next N runs.
 * *injected tells whether the run met its failure. */
static int
run_forked(const struct alloc_scenario *sc, unsigned long n, int *injected)
{
    int status, fds[2];
    char flag = 0;
    if (pipe(fds) != 0) {
        return RUN_FAIL;
    }
    pid_t pid = fork();
    if (pid == 0) {
        struct alloc_wrap_stats st;
        close(fds[0]);
        int r = run_here(sc, n, &st);
        flag = st.injected != 0;
        (void)write(fds[1], &flag, 1);
        _exit(r);
    }
    close(fds[1]);
    if (pid < 0 || waitpid(pid, &status, 0) != pid) {
        close(fds[0]);
        return RUN_FAIL;
    }
    *injected = read(fds[0], &flag, 1) == 1 ? flag : 1; /* a crash met its failure */
    close(fds[0]);
    if (WIFEXITED(status) && (WEXITSTATUS(status) == RUN_OK || WEXITSTATUS(status) == RUN_FAIL ||
                              WEXITSTATUS(status) == RUN_KNOWN)) {
        return WEXITSTATUS(status);
    }
    if (known_failure(sc->name, ALLOC_CRASH, "") != NULL) {
        return RUN_KNOWN;
    }
    fprintf(stderr, "alloc: FAIL %s N=%lu: crashed (status %d; run: alloc_fail %s %lu)\n", sc->name,
            n, status, sc->name, n);
    return RUN_FAIL;
}

static int
run_scenario(const struct alloc_scenario *sc, unsigned long only)
{
    struct alloc_wrap_stats st;
    unsigned long n, fails = 0, skips = 0;
    /* Here, not forked: a scenario may keep its reference result. */
    if (run_here(sc, 0, &st) != RUN_OK) {
        return 1;
    }
    unsigned long total = st.count;
    if (only) {
        int r = run_here(sc, only, &st);
        printf("alloc: %s N=%lu: %s\n", sc->name, only,
               r == RUN_OK      ? "ok"
               : r == RUN_KNOWN ? "known failure"
                                : "FAIL");
        return r == RUN_FAIL;
    }
    for (n = 1;; n++) {
        int injected = 0;
        int r = run_forked(sc, n, &injected);
        fails += r == RUN_FAIL;
        skips += r == RUN_KNOWN;
        if (!injected) {
            break;
        }
    }
    printf("alloc: %-14s %5lu allocations, %5lu runs: %lu failed, %lu known failures (skipped)\n",
           sc->name, total, n, fails, skips);
    return fails != 0;
}

int
main(int argc, char **argv)
{
    int bad = 0;
    unsigned long only = argc > 2 ? strtoul(argv[2], NULL, 10) : 0;
    json_set_alloc_funcs(alloc_wrap_malloc, alloc_wrap_free);
    for (const struct alloc_scenario *sc = alloc_scenarios; sc->name != NULL; sc++) {
        if (argc > 1 && strcmp(argv[1], sc->name) != 0) {
            continue;
        }
        bad |= run_scenario(sc, only);
    }
    return bad ? 1 : 0;
}
