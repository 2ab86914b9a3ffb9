/* SPDX-License-Identifier: ISC */
/*
 * test_reliability.c - what happens when things go wrong around the store:
 * a writer killed with SIGKILL at random moments loses no committed event
 * and leaves a ledger that verifies; readers running beside a writer always
 * see whole transactions.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "testutil.h"

#define CRASH_ROUNDS 50
#define MAX_REPORTED 100000

static char *
ledger_path(const char *dir)
{
    size_t n = strlen(dir) + 16;
    char *p = malloc(n);
    assert_non_null(p);
    snprintf(p, n, "%s/ledger", dir);
    return p;
}

static void
define_contest(avow_ledger *l, const avow_key *key)
{
    avow_draft d = AVOW_DRAFT_INIT;
    d.kind = AVOW_KIND_CONTEST;
    d.effective_at = INT64_C(1704067200000000);
    d.precision = AVOW_PREC_DAY;
    d.contest = "nato-sg-2024";
    d.title = "NATO Secretary General 2024";
    d.rule = "unanimity";
    assert_int_equal(avow_ledger_append(NULL, l, key, &d), 0);
}

static avow_draft
declaration(unsigned i)
{
    static const char *const actors[] = { "LT", "EE", "HU", "US", "GB", "DE", "FR", "SE" };
    avow_draft d = AVOW_DRAFT_INIT;
    d.kind = AVOW_KIND_STANCE;
    d.effective_at = INT64_C(1712102400000000) + (int64_t)(i % 1000) * 86400000000LL;
    d.precision = AVOW_PREC_DAY;
    d.contest = "nato-sg-2024";
    d.actor = actors[i % 8];
    d.candidate = "Rutte";
    d.stance = (uint8_t)(1 + i % 3);
    d.source = "https://example.org/crash-test";
    return d;
}

static int
write_all(int fd, const void *buf, size_t n)
{
    const unsigned char *p = buf;
    while (n > 0) {
        ssize_t w = write(fd, p, n);
        if (w < 0 && errno == EINTR) {
            continue;
        }
        if (w <= 0) {
            return -1;
        }
        p += w;
        n -= (size_t)w;
    }
    return 0;
}

/* Child: append one event per transaction forever, reporting each id only
 * after its transaction has committed. */
static void
crash_writer(const char *path, int fd, unsigned start)
{
    avow_ledger *l = NULL;
    avow_key *key = tu_key(21);
    if (avow_ledger_open(&l, path, 0) != 0) {
        _exit(2);
    }
    for (unsigned i = start;; i++) {
        unsigned char id[AVOW_EVENT_ID_BYTES];
        avow_draft d = declaration(i);
        if (avow_ledger_append(id, l, key, &d) != 0) {
            _exit(3);
        }
        if (write_all(fd, id, sizeof(id)) < 0) {
            _exit(4);
        }
    }
}

static void
test_reliability__sigkill_loses_no_committed_event(void **state)
{
    (void)state;
    char *dir = tu_tempdir();
    char *path = ledger_path(dir);
    unsigned char *reported = malloc((size_t)MAX_REPORTED * AVOW_EVENT_ID_BYTES);
    size_t n_reported = 0;
    avow_ledger *l = NULL;
    avow_key *key = tu_key(21);
    unsigned seed = 20241127;

    assert_non_null(reported);
    assert_int_equal(avow_ledger_init(path, "test/crash"), 0);
    assert_int_equal(avow_ledger_open(&l, path, 0), 0);
    define_contest(l, key);
    avow_ledger_free(l);

    for (int round = 0; round < CRASH_ROUNDS; round++) {
        int fds[2];
        assert_int_equal(pipe(fds), 0);
        pid_t pid = fork();
        assert_true(pid >= 0);
        if (pid == 0) {
            close(fds[0]);
            crash_writer(path, fds[1], (unsigned)round * 1000);
        }
        close(fds[1]);
        /* Wait for its first commit (a loaded machine may be slow to start
         * it), let it run 0-20 ms more, then kill it wherever it is. */
        unsigned char buf[AVOW_EVENT_ID_BYTES];
        size_t have = 0;
        ssize_t r;
        while (have < sizeof(buf) && (r = read(fds[0], buf + have, sizeof(buf) - have)) > 0) {
            have += (size_t)r;
        }
        assert_int_equal(have, sizeof(buf));
        memcpy(reported + n_reported * AVOW_EVENT_ID_BYTES, buf, sizeof(buf));
        n_reported++;
        have = 0;
        struct timespec ts = { 0, (long)(rand_r(&seed) % 21) * 1000000L };
        nanosleep(&ts, NULL);
        kill(pid, SIGKILL);
        int status;
        assert_int_equal(waitpid(pid, &status, 0), pid);
        assert_true(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);

        /* Whole ids only: a partial id was not fully reported. */
        while ((r = read(fds[0], buf + have, sizeof(buf) - have)) > 0) {
            have += (size_t)r;
            if (have == sizeof(buf)) {
                assert_true(n_reported < MAX_REPORTED);
                memcpy(reported + n_reported * AVOW_EVENT_ID_BYTES, buf, sizeof(buf));
                n_reported++;
                have = 0;
            }
        }
        close(fds[0]);

        uint64_t events = 0, problems = 0;
        assert_int_equal(avow_ledger_open(&l, path, 0), 0);
        assert_int_equal(avow_ledger_verify(&events, &problems, l, NULL), 0);
        assert_int_equal(problems, 0);
        assert_true(events >= n_reported + 1);
        avow_ledger_free(l);
    }

    /* Every id reported as committed is in the ledger. */
    assert_int_equal(avow_ledger_open(&l, path, AVOW_OPEN_READONLY), 0);
    for (size_t i = 0; i < n_reported; i++) {
        avow_buf raw = AVOW_BUF_INIT;
        assert_int_equal(avow_ledger_get(&raw, NULL, l, reported + i * AVOW_EVENT_ID_BYTES), 0);
        avow_buf_dispose(&raw);
    }
    /* A writer starts again where the killed ones stopped. */
    avow_ledger_free(l);
    assert_int_equal(avow_ledger_open(&l, path, 0), 0);
    avow_draft d = declaration(7);
    assert_int_equal(avow_ledger_append(NULL, l, key, &d), 0);
    avow_ledger_free(l);
    assert_true(n_reported > 0);

    avow_key_free(key);
    free(reported);
    tu_rmrf(dir);
    free(path);
    free(dir);
}

#define READER_BATCH   10
#define READER_BATCHES 150

static void
test_reliability__readers_see_whole_transactions(void **state)
{
    (void)state;
    char *dir = tu_tempdir();
    char *path = ledger_path(dir);
    avow_ledger *l = NULL;
    avow_key *key = tu_key(22);

    assert_int_equal(avow_ledger_init(path, "test/readers"), 0);
    assert_int_equal(avow_ledger_open(&l, path, 0), 0);
    define_contest(l, key);
    avow_ledger_free(l);

    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        avow_ledger *w = NULL;
        avow_draft drafts[READER_BATCH];
        if (avow_ledger_open(&w, path, 0) != 0) {
            _exit(2);
        }
        for (unsigned b = 0; b < READER_BATCHES; b++) {
            for (unsigned i = 0; i < READER_BATCH; i++) {
                drafts[i] = declaration(b * READER_BATCH + i);
            }
            if (avow_ledger_append_drafts(NULL, NULL, w, key, drafts, READER_BATCH) != 0) {
                _exit(3);
            }
        }
        avow_ledger_free(w);
        _exit(0);
    }

    int done = 0, rounds = 0;
    while (!done) {
        int status;
        done = waitpid(pid, &status, WNOHANG) == pid;
        if (done) {
            assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
        }
        assert_int_equal(avow_ledger_open(&l, path, AVOW_OPEN_READONLY), 0);
        /* A log scan sees the contest plus whole batches only. */
        avow_iter *it = NULL;
        avow_event ev;
        uint64_t index, n = 0;
        int r;
        assert_int_equal(avow_iter_new(&it, l, NULL), 0);
        while ((r = avow_iter_next(&ev, &index, it)) == 1) {
            assert_int_equal(index, n);
            n++;
        }
        assert_int_equal(r, 0);
        avow_iter_free(it);
        assert_int_equal((n - 1) % READER_BATCH, 0);
        /* And verify, running beside the writer, finds nothing wrong. */
        uint64_t events = 0, problems = 0;
        assert_int_equal(avow_ledger_verify(&events, &problems, l, NULL), 0);
        assert_int_equal(problems, 0);
        assert_int_equal((events - 1) % READER_BATCH, 0);
        avow_ledger_free(l);
        rounds++;
    }
    assert_int_equal(avow_ledger_open(&l, path, AVOW_OPEN_READONLY), 0);
    uint64_t count = 0;
    assert_int_equal(avow_ledger_count(&count, l), 0);
    assert_int_equal(count, 1 + READER_BATCH * READER_BATCHES);
    avow_ledger_free(l);
    assert_true(rounds >= 1);

    avow_key_free(key);
    tu_rmrf(dir);
    free(path);
    free(dir);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_reliability__sigkill_loses_no_committed_event),
        cmocka_unit_test(test_reliability__readers_see_whole_transactions),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
