/* SPDX-License-Identifier: ISC */
/*
 * avow-bench - measures every hot path of libavow against the raw rate of the
 * library that bounds it, side by side in the same run (issue 7,
 * docs/PERFORMANCE.md).
 *
 * Each figure is one function that runs in a forked child (so that its peak
 * RSS is its own, read by the parent with wait4()), repeats its measurement
 * and its bound's measurement alternately at least 5 times, and sends the
 * values back through a pipe. The parent prints one table, or with --json one
 * JSON document. Ledgers live in a temporary directory removed at the end.
 *
 * Invariants:
 *  1. Nothing here asserts a time: a figure fails only when the work itself
 *     fails (an append refused, verify finding a problem, a proof missing).
 *  2. A figure and its bound process the same bytes: the events of the
 *     source ledger, or messages of the same sizes.
 *  3. Figures whose code path is not built yet print "n/a (not built yet)".
 *  4. No figure's time or peak RSS includes building the source ledger (its
 *     own child, or the last repetition of import-sign), and the rss-* rows
 *     count only the figure's work (VmHWM reset around it, hwm_reset()).
 */
#define _GNU_SOURCE /* syncfs(2), for the publish bound */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>
#include <lmdb.h>
#include <sodium.h>

#include "derived/tree.h"
#include "event/codec.h"
#include "crypto/keys.h"
#include "tlog/merkle.h"
#include "util/pool.h"
#include "ledger/store.h"
#include "ledger/store_mdb.h" /* the bare-LMDB bounds below */
#include "sqlite.h"

/* src/util/limits.h shadows <limits.h> on this include path: our own bound. */
#define BENCH_PATH_MAX   4096
#define BENCH_MAX_REPS   64
#define BENCH_BATCH      10000 /* events per append transaction of the bulk figures */
#define BENCH_MSGS       4096  /* distinct messages cycled through by the crypto bounds */
#define BENCH_CONTEST    "bench-contest"
#define BENCH_TEXT_BYTES 160
/* Actors are member code x group: 32 x 7 = 224 actors, 4 candidates, so the
 * state of the contest (896 actor-candidate pairs) is that of a large real
 * body (the UN General Assembly has 193 members), whatever N is. */
#define BENCH_ACTOR_GROUPS 7
#define BENCH_T0           INT64_C(1712102400000000) /* 2024-04-03, event 0 */

enum bench_kind {
    KIND_RATE,    /* events/s; ratio = figure / bound, met when >= target */
    KIND_TIME,    /* microseconds per operation; met when median < target */
    KIND_RSS,     /* MiB; met when < target */
    KIND_SLOWER,  /* milliseconds per process; ratio = figure / bound, met when <= target */
    KIND_VERSUS,  /* events/s beside another system's: ratio shown, no target ("info") */
    KIND_VERSUS_Q /* queries/s beside another system's, as KIND_VERSUS */
};

struct bench_opts {
    uint64_t events; /* size of the bulk figures */
    uint64_t sync_events;
    uint64_t singles;   /* durable appends per repetition */
    uint64_t proofs;    /* proofs per repetition */
    uint64_t processes; /* processes per repetition */
    uint64_t queries;   /* state queries per repetition */
    uint64_t bound_max; /* items per repetition of a crypto bound */
    int reps;
    int json;
    int quick;
    const char *only;
    json_t *saved;               /* --compare FILE.json: a saved --json run, or NULL */
    const char *save;            /* --save FILE.json: the --json document written there too */
    char dir[BENCH_PATH_MAX];    /* the temporary directory */
    char source[BENCH_PATH_MAX]; /* the N-event source ledger */
    char avow[BENCH_PATH_MAX];   /* the avow binary */
};

/* What a child sends back (fixed size: one write on the pipe). */
struct bench_result {
    int ran; /* 0: n/a */
    int failed;
    double v[BENCH_MAX_REPS];
    int nv;
    double b[BENCH_MAX_REPS];
    int nb;
    uint64_t n;
    double anon_mib; /* peak anonymous RSS, sampled */
    double work_mib; /* peak RSS of the figure's own work (VmHWM, reset around it), 0: none */
    char note[200];
};

struct bench_figure {
    const char *name;
    const char *what;
    const char *bound;
    enum bench_kind kind;
    double target;
    const char *rss_of; /* KIND_RSS: the figure whose child's peak RSS this is */
    int (*run)(const struct bench_opts *o, struct bench_result *r);
};

/* ---- helpers ------------------------------------------------------------ */

static double
now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int bench_fail(struct bench_result *r, const char *fmt, ...) AVOW_PRINTF(2, 3);

static int
bench_fail(struct bench_result *r, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    (void)vsnprintf(r->note, sizeof(r->note), fmt, ap);
    va_end(ap);
    r->failed = 1;
    return -1;
}

static void bench_note(struct bench_result *r, const char *fmt, ...) AVOW_PRINTF(2, 3);

static void
bench_note(struct bench_result *r, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    (void)vsnprintf(r->note, sizeof(r->note), fmt, ap);
    va_end(ap);
}

static int
cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static double
median(const double *v, int n, double *mn, double *mx)
{
    double s[BENCH_MAX_REPS];
    if (n <= 0) {
        *mn = *mx = 0;
        return 0;
    }
    memcpy(s, v, (size_t)n * sizeof(double));
    qsort(s, (size_t)n, sizeof(double), cmp_double);
    *mn = s[0];
    *mx = s[n - 1];
    return n % 2 ? s[n / 2] : (s[n / 2 - 1] + s[n / 2]) / 2;
}

static void
rmrf(const char *path)
{
    pid_t pid = fork();
    if (pid == 0) {
        execlp("rm", "rm", "-rf", "--", path, (char *)NULL);
        _exit(127);
    }
    if (pid > 0) {
        waitpid(pid, NULL, 0);
    }
}

static int
path_join(char *out, size_t maxlen, const char *dir, const char *name)
{
    int n = snprintf(out, maxlen, "%s/%s", dir, name);
    return n < 0 || (size_t)n >= maxlen ? -1 : 0;
}

/* The fixed benchmark author. */
static avow_key *
bench_key(void)
{
    unsigned char seed[32];
    avow_key *key = NULL;
    memset(seed, 0xb5, sizeof(seed));
    if (avow_key_from_seed(&key, seed) < 0) {
        return NULL;
    }
    return key;
}

/* Text storage for one batch of drafts: no allocation per event. */
struct draft_batch {
    avow_draft d[BENCH_BATCH];
    char actor[BENCH_BATCH][32];
    char cand[BENCH_BATCH][16];
    char source[BENCH_BATCH][64];
    int v2; /* fill with the fields of format v2 too (fig_state_at_v2) */
};

static const char *const bench_members[] = {
    "AL", "BE", "BG", "CA", "HR", "CZ", "DK", "EE", "FI", "FR", "DE", "GR", "HU", "IS", "IT", "LV",
    "LT", "LU", "ME", "NL", "MK", "NO", "PL", "PT", "RO", "SK", "SI", "ES", "SE", "TR", "GB", "US",
};

/* Format v2 research fields on a stance: a confidence on each, a note, a
 * publication time, a latest-by or an interval date on some. */
static void
draft_fill_v2(avow_draft *d, uint64_t i)
{
    d->confidence = (uint8_t)(1 + (i / 3) % 3);
    if (i % 7 == 0) {
        d->note = "analyst's note: a paraphrase of the report, not a quote";
    }
    if (i % 3 == 0) {
        d->reported_at = d->effective_at + INT64_C(3600000000);
        d->reported_precision = AVOW_PREC_MICRO;
    }
    if (i % 11 == 0) {
        d->qualifier = AVOW_AT_BETWEEN;
        d->from = d->effective_at - INT64_C(5000000);
        d->from_precision = AVOW_PREC_MICRO;
    } else if (i % 5 == 0) {
        d->qualifier = AVOW_AT_BY;
    }
}

/* Fill drafts for events [first, first + n) of the benchmark ledger: event 0
 * defines the contest, events 1 to 4 enter the candidates, the next
 * BENCH_MEMBERS make the first actors members (the rest stay outside), every
 * later one is a stance. */
#define BENCH_CANDIDATES   4
#define BENCH_MEMBERS      (32 * (BENCH_ACTOR_GROUPS - 1))
#define BENCH_FIRST_STANCE (1 + BENCH_CANDIDATES + BENCH_MEMBERS)

static void
draft_fill(struct draft_batch *b, uint64_t first, size_t n)
{
    for (size_t j = 0; j < n; j++) {
        uint64_t i = first + j;
        avow_draft *d = &b->d[j];
        avow_draft init = AVOW_DRAFT_INIT;
        *d = init;
        d->effective_at = BENCH_T0 + (int64_t)i * 1000000;
        d->contest = BENCH_CONTEST;
        if (i == 0) {
            d->kind = AVOW_KIND_CONTEST;
            d->title = "Benchmark contest";
            d->rule = "unanimity";
            d->choice = b->v2 ? AVOW_CHOICE_SINGLE : AVOW_CHOICE_NONE;
            continue;
        }
        if (i < 1 + BENCH_CANDIDATES) {
            d->kind = AVOW_KIND_CANDIDATE_ENTER;
            (void)snprintf(b->cand[j], sizeof(b->cand[j]), "cand-%" PRIu64, i - 1);
            d->candidate = b->cand[j];
            continue;
        }
        if (i < BENCH_FIRST_STANCE) {
            uint64_t m = i - 1 - BENCH_CANDIDATES;
            d->kind = AVOW_KIND_MEMBER_JOIN;
            (void)snprintf(b->actor[j], sizeof(b->actor[j]), "%s-%" PRIu64, bench_members[m % 32],
                           m / 32);
            d->actor = b->actor[j];
            continue;
        }
        d->kind = AVOW_KIND_STANCE;
        (void)snprintf(b->actor[j], sizeof(b->actor[j]), "%s-%" PRIu64, bench_members[i % 32],
                       (i / 32) % BENCH_ACTOR_GROUPS);
        (void)snprintf(b->cand[j], sizeof(b->cand[j]), "cand-%" PRIu64, i % BENCH_CANDIDATES);
        (void)snprintf(b->source[j], sizeof(b->source[j]), "https://news.example.org/2024/%" PRIu64,
                       i);
        d->actor = b->actor[j];
        d->candidate = b->cand[j];
        d->stance = (uint8_t)(1 + i % 3);
        d->source = b->source[j];
        if (b->v2) {
            draft_fill_v2(d, i);
        }
    }
}

/* Append events [0, n) to an open ledger with avow_ledger_append_drafts(). */
static int
append_events(avow_ledger *l, const avow_key *key, struct draft_batch *b, uint64_t n)
{
    for (uint64_t i = 0; i < n; i += BENCH_BATCH) {
        size_t k = n - i < BENCH_BATCH ? (size_t)(n - i) : BENCH_BATCH;
        size_t failed = 0;
        draft_fill(b, i, k);
        if (avow_ledger_append_drafts(&failed, NULL, l, key, b->d, k) < 0) {
            return -1;
        }
    }
    return 0;
}

/* The messages of the first `count` benchmark events (for the crypto bounds):
 * context string || message, laid end to end, as codec_sign_message() frames them. */
struct msgs {
    unsigned char *buf;
    size_t off[BENCH_MSGS];
    size_t len[BENCH_MSGS];
    unsigned char sig[BENCH_MSGS][AVOW_SIG_BYTES];
    size_t count;
};

static int
msgs_make(struct msgs *m, const avow_key *key)
{
    static struct draft_batch b;
    unsigned char prev[AVOW_HASH_BYTES] = { 0 };
    avow_buf out = AVOW_BUF_INIT;
    draft_fill(&b, BENCH_FIRST_STANCE, BENCH_MSGS);
    m->count = BENCH_MSGS;
    for (size_t i = 0; i < BENCH_MSGS; i++) {
        size_t start = out.len;
        if (buf_put(&out, AVOW_SIG_CONTEXT, AVOW_SIG_CONTEXT_BYTES) < 0 ||
            codec_encode_message(&out, &b.d[i], avow_key_public(key), i + 1, prev,
                                 INT64_C(1712102400000000)) < 0) {
            avow_buf_dispose(&out);
            return -1;
        }
        m->off[i] = start;
        m->len[i] = out.len - start;
        crypto_hash_sha256(prev, out.ptr + start + AVOW_SIG_CONTEXT_BYTES,
                           m->len[i] - AVOW_SIG_CONTEXT_BYTES);
    }
    m->buf = out.ptr;
    for (size_t i = 0; i < BENCH_MSGS; i++) {
        crypto_sign_detached(m->sig[i], NULL, m->buf + m->off[i], m->len[i], keys_secret(key));
    }
    return 0;
}

/* Raw libsodium on all cores: plain threads, no pool, each its own share. */
struct raw_crypto {
    const struct msgs *m;
    const avow_key *key;
    uint64_t begin, end;
    int verify;
    int bad;
};

static void *
raw_crypto_thread(void *arg)
{
    struct raw_crypto *t = arg;
    const struct msgs *m = t->m;
    unsigned char sig[AVOW_SIG_BYTES];
    for (uint64_t i = t->begin; i < t->end; i++) {
        size_t k = (size_t)(i % m->count);
        if (t->verify) {
            if (crypto_sign_verify_detached(m->sig[k], m->buf + m->off[k], m->len[k],
                                            avow_key_public(t->key)) != 0) {
                t->bad++;
            }
        } else {
            crypto_sign_detached(sig, NULL, m->buf + m->off[k], m->len[k], keys_secret(t->key));
        }
    }
    return NULL;
}

/* Rate (per second) of n raw signs or verifies on `cores` threads. */
static double
raw_crypto_rate_threads(const struct msgs *m, const avow_key *key, uint64_t n, int verify,
                        size_t cores)
{
    struct raw_crypto t[64] = { { 0 } };
    pthread_t th[64];
    int started[64] = { 0 };
    if (cores > 64) {
        cores = 64;
    }
    if (cores == 0) {
        cores = 1;
    }
    double t0 = now_s();
    for (size_t i = 0; i < cores; i++) {
        t[i] = (struct raw_crypto){ m, key, n * i / cores, n * (i + 1) / cores, verify, 0 };
        if (i > 0) {
            started[i] = pthread_create(&th[i], NULL, raw_crypto_thread, &t[i]) == 0;
        }
    }
    raw_crypto_thread(&t[0]);
    for (size_t i = 1; i < cores; i++) {
        if (started[i]) {
            pthread_join(th[i], NULL);
        } else {
            raw_crypto_thread(&t[i]);
        }
    }
    return (double)n / (now_s() - t0);
}

/* Rate (per second) of n raw signs or verifies on every core. */
static double
raw_crypto_rate(const struct msgs *m, const avow_key *key, uint64_t n, int verify)
{
    return raw_crypto_rate_threads(m, key, n, verify, pool_cores());
}

/* A raw LMDB environment with the flags avow uses (MDB_NOTLS, synchronous). */
static int
raw_env_open(MDB_env **env, MDB_dbi *dbi, const char *dir)
{
    MDB_txn *txn = NULL;
    int rc;
    if (mkdir(dir, 0755) < 0 && errno != EEXIST) {
        return -1;
    }
    if ((rc = mdb_env_create(env)) != 0) {
        return -1;
    }
    rc = mdb_env_set_mapsize(*env, (size_t)1 << 36);
    if (rc == 0) {
        rc = mdb_env_set_maxdbs(*env, 4);
    }
    if (rc == 0) {
        rc = mdb_env_open(*env, dir, MDB_NOTLS, 0644);
    }
    if (rc == 0) {
        rc = mdb_txn_begin(*env, NULL, 0, &txn);
    }
    if (rc == 0) {
        rc = mdb_dbi_open(txn, "events", MDB_CREATE, dbi);
    }
    if (rc == 0) {
        rc = mdb_txn_commit(txn);
    } else if (txn != NULL) {
        mdb_txn_abort(txn);
    }
    if (rc != 0) {
        mdb_env_close(*env);
        *env = NULL;
        return -1;
    }
    return 0;
}

/* Sampler of the anonymous resident memory (RSS less file-backed pages). */
static volatile int sampler_stop;
static double sampler_peak;

static void *
sampler_thread(void *arg)
{
    long page = sysconf(_SC_PAGESIZE);
    (void)arg;
    while (!sampler_stop) {
        FILE *f = fopen("/proc/self/statm", "r");
        if (f != NULL) {
            unsigned long size = 0, res = 0, shared = 0;
            if (fscanf(f, "%lu %lu %lu", &size, &res, &shared) == 3) {
                double anon = (double)(res - shared) * (double)page / 1048576.0;
                if (anon > sampler_peak) {
                    sampler_peak = anon;
                }
            }
            (void)fclose(f);
        }
        usleep(2000);
    }
    return NULL;
}

/* Peak RSS of one section of a child: reset VmHWM to the current RSS
 * (/proc/self/clear_refs, "5"), run the section, read VmHWM. The bounds run
 * in the same child (a raw cursor scan maps the whole log), so each figure
 * measures its own work between hwm_reset() and hwm_read(). */
static void
hwm_reset(void)
{
    int fd = open("/proc/self/clear_refs", O_WRONLY);
    if (fd >= 0) {
        (void)!write(fd, "5", 1);
        close(fd);
    }
}

static void
hwm_read(struct bench_result *r)
{
    char line[256];
    FILE *f = fopen("/proc/self/status", "r");
    if (f == NULL) {
        return;
    }
    while (fgets(line, sizeof(line), f) != NULL) {
        if (strncmp(line, "VmHWM:", 6) == 0) {
            double kib = strtod(line + 6, NULL);
            if (kib / 1024.0 > r->work_mib) {
                r->work_mib = kib / 1024.0;
            }
        }
    }
    (void)fclose(f);
}

/* Keeps the compiler from dropping the scans' reads. */
static volatile uint64_t bench_sink;

/* ---- the source ledger -------------------------------------------------- */

static int
build_ledger_as(const char *path, uint64_t n, int v2)
{
    static struct draft_batch b;
    b.v2 = v2;
    avow_ledger *l = NULL;
    avow_key *key = bench_key();
    int error = -1;
    if (key == NULL || avow_ledger_init(path, "bench") < 0 || avow_ledger_open(&l, path, 0) < 0) {
        goto done;
    }
    error = append_events(l, key, &b, n);
done:
    avow_ledger_free(l);
    avow_key_free(key);
    return error;
}

static int
build_ledger(const char *path, uint64_t n)
{
    return build_ledger_as(path, n, 0);
}

/* Build the N-event source ledger unless a figure already left it. */
static int
need_source(const struct bench_opts *o, struct bench_result *r)
{
    struct stat st;
    char data[BENCH_PATH_MAX + 16];
    int n = snprintf(data, sizeof(data), "%s/data.mdb", o->source);
    if (n < 0 || (size_t)n >= sizeof(data)) {
        return bench_fail(r, "the source ledger path is too long");
    }
    if (stat(data, &st) == 0) {
        return 0;
    }
    if (build_ledger(o->source, o->events) < 0) {
        return bench_fail(r, "cannot build the source ledger: %s", avow_error_last());
    }
    return 0;
}

/* ---- figures ------------------------------------------------------------ */

/* Write the unsigned records of events [0, n) as JSON Lines (the input of
 * `avow import --sign`, docs/FORMAT.md): the same fields as draft_fill(). */
static int
write_records(const char *path, uint64_t n)
{
    static const char *const stances[] = { "", "supports", "opposes", "undecided" };
    static struct draft_batch b;
    char at[AVOW_TIME_STRLEN];
    FILE *f = fopen(path, "w");
    int error = 0;
    if (f == NULL) {
        return -1;
    }
    for (uint64_t i = 0; i < n && error == 0; i += BENCH_BATCH) {
        size_t k = n - i < BENCH_BATCH ? (size_t)(n - i) : BENCH_BATCH;
        draft_fill(&b, i, k);
        for (size_t j = 0; j < k; j++) {
            const avow_draft *d = &b.d[j];
            avow_time_format(at, d->effective_at, AVOW_PREC_SECOND);
            if (d->kind == AVOW_KIND_CONTEST) {
                error = fprintf(f,
                                "{\"kind\":\"contest\",\"contest\":\"%s\",\"title\":\"%s\","
                                "\"rule\":\"%s\",\"at\":\"%s\"}\n",
                                d->contest, d->title, d->rule, at) < 0;
            } else if (d->kind == AVOW_KIND_CANDIDATE_ENTER) {
                error = fprintf(f,
                                "{\"kind\":\"candidate-enter\",\"contest\":\"%s\","
                                "\"candidate\":\"%s\",\"at\":\"%s\"}\n",
                                d->contest, d->candidate, at) < 0;
            } else if (d->kind == AVOW_KIND_MEMBER_JOIN) {
                error = fprintf(f,
                                "{\"kind\":\"member-join\",\"contest\":\"%s\","
                                "\"actor\":\"%s\",\"at\":\"%s\"}\n",
                                d->contest, d->actor, at) < 0;
            } else {
                error = fprintf(f,
                                "{\"kind\":\"stance\",\"contest\":\"%s\",\"actor\":\"%s\","
                                "\"candidate\":\"%s\",\"stance\":\"%s\",\"at\":\"%s\","
                                "\"source\":\"%s\"}\n",
                                d->contest, d->actor, d->candidate, stances[d->stance], at,
                                d->source) < 0;
            }
        }
    }
    if (fclose(f) != 0) {
        error = 1;
    }
    return error ? -1 : 0;
}

/* Bulk signed import through the real path: avow_import(AVOW_IMPORT_SIGN) of
 * a JSON Lines file of unsigned records (what `avow import --sign FILE`
 * calls), vs raw crypto_sign_detached on every core. */
static int
fig_import_sign(const struct bench_opts *o, struct bench_result *r)
{
    static struct msgs m;
    char path[BENCH_PATH_MAX], file[BENCH_PATH_MAX];
    avow_key *key = bench_key();
    double one_core = 0, one[BENCH_MAX_REPS];
    int nreps = 0;
    if (key == NULL || msgs_make(&m, key) < 0) {
        return bench_fail(r, "cannot make the key or messages");
    }
    if (path_join(path, sizeof(path), o->dir, "import") < 0 ||
        path_join(file, sizeof(file), o->dir, "records.jsonl") < 0) {
        return bench_fail(r, "path too long");
    }
    if (write_records(file, o->events) < 0) {
        return bench_fail(r, "cannot write %s", file);
    }
    r->n = o->events;
    for (int rep = 0; rep < o->reps; rep++) {
        avow_ledger *l = NULL;
        avow_import_opts io = AVOW_IMPORT_OPTS_INIT;
        avow_import_result res;
        io.flags = AVOW_IMPORT_SIGN;
        io.key = key;
        rmrf(path);
        if (avow_ledger_init(path, "bench") < 0 || avow_ledger_open(&l, path, 0) < 0) {
            return bench_fail(r, "init: %s", avow_error_last());
        }
        double t0 = now_s();
        int error = avow_import(&res, l, file, &io);
        double dt = now_s() - t0;
        avow_ledger_free(l);
        if (error < 0 || res.appended != o->events) {
            return bench_fail(r, "import --sign: %s", avow_error_last());
        }
        r->v[r->nv++] = (double)o->events / dt;
        uint64_t bn = o->events < o->bound_max ? o->events : o->bound_max;
        r->b[r->nb++] = raw_crypto_rate(&m, key, bn, 0);
        /* Issue 6 compares with ONE core's signing rate: measured every
         * repetition too, its median is the reference. */
        one[nreps++] = raw_crypto_rate_threads(&m, key, bn / 4 + 1, 0, 1);
        if (rep == o->reps - 1) {
            /* Keep the last one as the source ledger of the other figures. */
            struct stat st;
            if (stat(o->source, &st) != 0 && rename(path, o->source) == 0) {
                continue;
            }
        }
        rmrf(path);
    }
    double mn, mx, med = median(r->v, r->nv, &mn, &mx);
    one_core = median(one, nreps, &mn, &mx);
    bench_note(r,
               "avow_import(AVOW_IMPORT_SIGN) of a JSON Lines file (both passes); "
               "%.2f x one core's signing rate (%.4g/s, issue 6: >= 0.8)",
               one_core > 0 ? med / one_core : 0, one_core);
    unlink(file);
    avow_key_free(key);
    return 0;
}

/* Append of already-signed events (import of an export) vs raw MDB_APPEND of
 * the same bytes in one transaction. */
static int
fig_append_signed(const struct bench_opts *o, struct bench_result *r)
{
    static const unsigned char *ptrs[AVOW_IMPORT_BATCH];
    static size_t lens[AVOW_IMPORT_BATCH];
    static struct msgs m;
    char path[BENCH_PATH_MAX], raw[BENCH_PATH_MAX];
    avow_ledger *src = NULL;
    avow_key *key = bench_key();
    double vrate[BENCH_MAX_REPS];
    int nv = 0;
    MDB_txn *txn = NULL;
    MDB_cursor *cur = NULL;
    MDB_val k, v;
    int error = -1;

    if (need_source(o, r) < 0) {
        avow_key_free(key);
        return -1;
    }
    if (key == NULL || msgs_make(&m, key) < 0) {
        bench_fail(r, "cannot make the key or messages");
        goto done;
    }
    if (avow_ledger_open(&src, o->source, AVOW_OPEN_READONLY) < 0 ||
        store_read_begin(src, &txn) < 0 ||
        mdb_cursor_open(txn, store_dbi(src, STORE_DB_EVENTS), &cur) != 0) {
        bench_fail(r, "cannot read the source ledger: %s", avow_error_last());
        goto done;
    }
    if (path_join(path, sizeof(path), o->dir, "append") < 0 ||
        path_join(raw, sizeof(raw), o->dir, "append-raw") < 0) {
        bench_fail(r, "path too long");
        goto done;
    }
    r->n = o->events;
    for (int rep = 0; rep < o->reps; rep++) {
        avow_ledger *l = NULL;
        uint64_t total = 0;
        rmrf(path);
        if (avow_ledger_init(path, "bench") < 0 || avow_ledger_open(&l, path, 0) < 0) {
            bench_fail(r, "init: %s", avow_error_last());
            goto done;
        }
        double t0 = now_s();
        MDB_cursor_op op = MDB_FIRST;
        for (;;) {
            size_t nb = 0;
            while (nb < AVOW_IMPORT_BATCH && mdb_cursor_get(cur, &k, &v, op) == 0) {
                op = MDB_NEXT;
                ptrs[nb] = v.mv_data;
                lens[nb++] = v.mv_size;
            }
            if (nb == 0) {
                break;
            }
            avow_append_result res;
            if (avow_ledger_append_signed(&res, l, ptrs, lens, nb) < 0 || res.appended != nb) {
                avow_ledger_free(l);
                bench_fail(r, "append_signed: %s", avow_error_last());
                goto done;
            }
            total += nb;
        }
        double dt = now_s() - t0;
        avow_ledger_free(l);
        rmrf(path);
        r->v[r->nv++] = (double)total / dt;

        /* Bound: the same bytes, MDB_APPEND in one transaction. */
        MDB_env *env = NULL;
        MDB_dbi dbi;
        MDB_txn *wt = NULL;
        unsigned char key8[8];
        uint64_t i = 0;
        rmrf(raw);
        if (raw_env_open(&env, &dbi, raw) < 0) {
            bench_fail(r, "raw LMDB environment");
            goto done;
        }
        t0 = now_s();
        int rc = mdb_txn_begin(env, NULL, 0, &wt);
        for (op = MDB_FIRST; rc == 0 && mdb_cursor_get(cur, &k, &v, op) == 0; op = MDB_NEXT) {
            MDB_val kk = { 8, key8 };
            be64_put(key8, i++);
            rc = mdb_put(wt, dbi, &kk, &v, MDB_APPEND);
        }
        if (rc == 0) {
            rc = mdb_txn_commit(wt);
        } else {
            mdb_txn_abort(wt);
        }
        dt = now_s() - t0;
        mdb_env_close(env);
        rmrf(raw);
        if (rc != 0) {
            bench_fail(r, "raw MDB_APPEND: %s", mdb_strerror(rc));
            goto done;
        }
        r->b[r->nb++] = (double)i / dt;
        /* Every event is verified on the way in: the rate that really
         * bounds this figure, reported beside the bound. */
        uint64_t bn = o->events < o->bound_max ? o->events : o->bound_max;
        vrate[nv++] = raw_crypto_rate(&m, key, bn / 4 + 1, 1);
    }
    double mn, mx, med = median(r->v, r->nv, &mn, &mx);
    double vmed = median(vrate, nv, &mn, &mx);
    bench_note(r,
               "batches of %d events per avow_ledger_append_signed() call (what import of an "
               "export runs); %.2f x the all-core verify rate (%.4g/s), which bounds it",
               AVOW_IMPORT_BATCH, vmed > 0 ? med / vmed : 0, vmed);
    error = 0;
done:
    if (cur != NULL) {
        mdb_cursor_close(cur);
    }
    if (txn != NULL) {
        mdb_txn_abort(txn);
    }
    avow_ledger_free(src);
    avow_key_free(key);
    return error;
}

/* Bytes this process has written (write, pwrite, writev: /proc/self/io
 * wchar), 0 when unknown: LMDB writes each dirty page of a commit once, so the
 * difference around an append over the page size is the pages it wrote. */
static uint64_t
io_wchar(void)
{
    char line[128];
    uint64_t v = 0;
    FILE *f = fopen("/proc/self/io", "r");
    if (f == NULL) {
        return 0;
    }
    while (fgets(line, sizeof(line), f) != NULL) {
        if (strncmp(line, "wchar: ", 7) == 0) {
            v = strtoull(line + 7, NULL, 10);
            break;
        }
    }
    (void)fclose(f);
    return v;
}

/* Durable single-event appends (one transaction each, synchronous) vs raw
 * LMDB one put per transaction with the same flags. The note gives the pages
 * each commit wrote, both sides (docs/PERFORMANCE.md, "Durable append"). */
static int
fig_durable_append(const struct bench_opts *o, struct bench_result *r)
{
    static struct draft_batch b;
    char path[BENCH_PATH_MAX], raw[BENCH_PATH_MAX];
    avow_key *key = bench_key();
    if (key == NULL || path_join(path, sizeof(path), o->dir, "durable") < 0 ||
        path_join(raw, sizeof(raw), o->dir, "durable-raw") < 0) {
        return bench_fail(r, "setup");
    }
    uint64_t avow_bytes = 0, raw_bytes = 0;
    long page = sysconf(_SC_PAGESIZE);
    r->n = o->singles;
    for (int rep = 0; rep < o->reps; rep++) {
        avow_ledger *l = NULL;
        size_t failed;
        draft_fill(&b, 0, 1); /* the contest */
        rmrf(path);
        if (avow_ledger_init(path, "bench") < 0 || avow_ledger_open(&l, path, 0) < 0 ||
            avow_ledger_append_drafts(&failed, NULL, l, key, b.d, 1) < 0) {
            return bench_fail(r, "setup: %s", avow_error_last());
        }
        uint64_t w0 = io_wchar();
        double t0 = now_s();
        for (uint64_t i = 1; i <= o->singles; i++) {
            draft_fill(&b, i, 1);
            if (avow_ledger_append(NULL, l, key, &b.d[0]) < 0) {
                avow_ledger_free(l);
                return bench_fail(r, "append: %s", avow_error_last());
            }
        }
        double dt = now_s() - t0;
        avow_bytes = io_wchar() - w0;
        avow_ledger_free(l);
        rmrf(path);
        r->v[r->nv++] = (double)o->singles / dt;

        /* Bound: one put of an event-sized value per transaction. */
        MDB_env *env = NULL;
        MDB_dbi dbi;
        unsigned char val[300], key8[8];
        rmrf(raw);
        if (raw_env_open(&env, &dbi, raw) < 0) {
            return bench_fail(r, "raw LMDB environment");
        }
        memset(val, 0x5a, sizeof(val));
        w0 = io_wchar();
        t0 = now_s();
        for (uint64_t i = 0; i < o->singles; i++) {
            MDB_txn *wt = NULL;
            MDB_val kk = { 8, key8 }, vv = { sizeof(val), val };
            be64_put(key8, i);
            int rc = mdb_txn_begin(env, NULL, 0, &wt);
            if (rc == 0) {
                rc = mdb_put(wt, dbi, &kk, &vv, MDB_APPEND);
                rc = rc == 0 ? mdb_txn_commit(wt) : (mdb_txn_abort(wt), rc);
            }
            if (rc != 0) {
                mdb_env_close(env);
                return bench_fail(r, "raw put: %s", mdb_strerror(rc));
            }
        }
        dt = now_s() - t0;
        raw_bytes = io_wchar() - w0;
        mdb_env_close(env);
        rmrf(raw);
        r->b[r->nb++] = (double)o->singles / dt;
    }
    bench_note(r, "pages written per commit (last repetition): avow %.1f, bound %.1f",
               (double)avow_bytes / (double)o->singles / (double)page,
               (double)raw_bytes / (double)o->singles / (double)page);
    avow_key_free(key);
    return 0;
}

/* avow_ledger_verify() of the source ledger vs raw crypto_sign_verify_detached
 * on every core. */
static int
fig_verify(const struct bench_opts *o, struct bench_result *r)
{
    static struct msgs m;
    avow_ledger *l = NULL;
    avow_key *key = bench_key();
    if (need_source(o, r) < 0) {
        return -1;
    }
    if (key == NULL || msgs_make(&m, key) < 0 ||
        avow_ledger_open(&l, o->source, AVOW_OPEN_READONLY) < 0) {
        return bench_fail(r, "setup: %s", avow_error_last());
    }
    r->n = o->events;
    for (int rep = 0; rep < o->reps; rep++) {
        uint64_t events = 0, problems = 0;
        store_drop_pages(l);
        hwm_reset();
        double t0 = now_s();
        int error = avow_ledger_verify(&events, &problems, l, NULL);
        double dt = now_s() - t0;
        hwm_read(r);
        if (error < 0 || problems != 0 || events != o->events) {
            avow_ledger_free(l);
            return bench_fail(r, "verify: %" PRIu64 " events, %" PRIu64 " problems: %s", events,
                              problems, avow_error_last());
        }
        r->v[r->nv++] = (double)events / dt;
        uint64_t bn = o->events < o->bound_max ? o->events : o->bound_max;
        r->b[r->nb++] = raw_crypto_rate(&m, key, bn, 1);
    }
    avow_ledger_free(l);
    avow_key_free(key);
    return 0;
}

/* Full replay: avow_state_compute() of the whole contest from scratch. A
 * known_at short of +infinity takes the projection's slow path
 * (docs/PROJECTIONS.md), which neither reads nor writes snapshots, so every
 * repetition replays all N events. Bound: a raw LMDB cursor scan of the log. */
static int
fig_replay(const struct bench_opts *o, struct bench_result *r)
{
    avow_ledger *l = NULL;
    if (need_source(o, r) < 0) {
        return -1;
    }
    if (avow_ledger_open(&l, o->source, AVOW_OPEN_READONLY) < 0) {
        return bench_fail(r, "open: %s", avow_error_last());
    }
    r->n = o->events;
    bench_note(r, "avow_state_compute(known_at = max - 1): every event, no snapshot");
    for (int rep = 0; rep < o->reps; rep++) {
        avow_state_opts so = AVOW_STATE_OPTS_INIT;
        avow_state *st = NULL;
        uint64_t n = 0, sum = 0;
        so.known_at = AVOW_TIME_MAX - 1;
        store_drop_pages(l);
        hwm_reset();
        double t0 = now_s();
        if (avow_state_compute(&st, l, BENCH_CONTEST, &so) < 0) {
            avow_ledger_free(l);
            return bench_fail(r, "state: %s", avow_error_last());
        }
        double dt = now_s() - t0;
        hwm_read(r);
        size_t pairs = 0;
        for (size_t c = 0; c < avow_state_candidate_count(st); c++) {
            pairs += avow_state_list_count(st, c, AVOW_LIST_OUTSIDE) +
                     avow_state_list_count(st, c, AVOW_LIST_SUPPORTS);
        }
        avow_state_free(st);
        if (pairs == 0) {
            avow_ledger_free(l);
            return bench_fail(r, "the replayed state is empty");
        }
        r->v[r->nv++] = (double)o->events / dt;

        /* Bound: the same records through a bare cursor, one byte of each touched,
         * from the same cold mapping (as in a new process). */
        store_drop_pages(l);
        MDB_txn *txn = NULL;
        MDB_cursor *cur = NULL;
        MDB_val k, v;
        t0 = now_s();
        if (store_read_begin(l, &txn) < 0 ||
            mdb_cursor_open(txn, store_dbi(l, STORE_DB_EVENTS), &cur) != 0) {
            avow_ledger_free(l);
            return bench_fail(r, "raw scan");
        }
        for (MDB_cursor_op op = MDB_FIRST; mdb_cursor_get(cur, &k, &v, op) == 0; op = MDB_NEXT) {
            sum += ((const unsigned char *)v.mv_data)[v.mv_size - 1];
            n++;
        }
        mdb_cursor_close(cur);
        mdb_txn_abort(txn);
        r->b[r->nb++] = (double)n / (now_s() - t0);
        bench_sink += sum;
    }
    avow_ledger_free(l);
    return 0;
}

static uint64_t xorshift(uint64_t *s);
static int run_quiet(char *const argv[]);

/* A random T within the source ledger's effective times. */
static int64_t
random_at(uint64_t *seed, uint64_t events)
{
    return BENCH_T0 + (int64_t)(xorshift(seed) % events) * 1000000 + 500000;
}

/* Build the snapshots of the source ledger as queries do (each query keeps at
 * most 16 MiB of them): query the end of the contest until a query replays
 * from a snapshot close to it. */
static int
warm_snapshots(avow_ledger *l, uint64_t events, uint8_t min_confidence)
{
    for (int i = 0; i < 8; i++) {
        avow_state_opts so = AVOW_STATE_OPTS_INIT;
        avow_state *st = NULL;
        so.at = BENCH_T0 + (int64_t)events * 1000000;
        so.min_confidence = min_confidence;
        double t0 = now_s();
        if (avow_state_compute(&st, l, BENCH_CONTEST, &so) < 0) {
            return -1;
        }
        avow_state_free(st);
        if (now_s() - t0 < 0.01) {
            break;
        }
    }
    return 0;
}

/* state --at T, random T, in-process: microseconds per avow_state_compute()
 * (digest included) after the snapshots are built. */
static int
state_at_queries(const struct bench_opts *o, struct bench_result *r, const char *path,
                 uint8_t min_confidence)
{
    static double q[100000];
    avow_ledger *l = NULL;
    uint64_t seed = 0x2545f4914f6cdd1du, nq = o->queries > 100000 ? 100000 : o->queries;
    if (avow_ledger_open(&l, path, 0) < 0) {
        return bench_fail(r, "open: %s", avow_error_last());
    }
    double t0 = now_s();
    if (warm_snapshots(l, o->events, min_confidence) < 0) {
        avow_ledger_free(l);
        return bench_fail(r, "state: %s", avow_error_last());
    }
    double warm = now_s() - t0;
    r->n = o->events;
    for (int rep = 0; rep < o->reps; rep++) {
        for (uint64_t i = 0; i < nq; i++) {
            avow_state_opts so = AVOW_STATE_OPTS_INIT;
            avow_state *st = NULL;
            so.at = random_at(&seed, o->events);
            so.min_confidence = min_confidence;
            t0 = now_s();
            if (avow_state_compute(&st, l, BENCH_CONTEST, &so) < 0) {
                avow_ledger_free(l);
                return bench_fail(r, "state: %s", avow_error_last());
            }
            avow_state_free(st);
            q[i] = (now_s() - t0) * 1e6;
        }
        /* median() takes at most BENCH_MAX_REPS values: sort the queries here. */
        qsort(q, (size_t)nq, sizeof(double), cmp_double);
        r->v[r->nv++] = q[nq / 2];
    }
    bench_note(r,
               "median of %" PRIu64 " random T per repetition (max %.0f us); snapshots built "
               "first by queries at the end (%.1f s)",
               nq, q[nq - 1], warm);
    avow_ledger_free(l);
    return 0;
}

static int
fig_state_at(const struct bench_opts *o, struct bench_result *r)
{
    if (need_source(o, r) < 0) {
        return -1;
    }
    return state_at_queries(o, r, o->source, AVOW_CONFIDENCE_NONE);
}

/* state --at T on a ledger whose events carry the fields of format v2
 * (confidence, notes, publication times, latest-by and interval dates, a
 * single-choice contest), queried with --min-confidence medium. */
static int
fig_state_at_v2(const struct bench_opts *o, struct bench_result *r)
{
    char path[BENCH_PATH_MAX + 8];
    struct stat st;
    int n = snprintf(path, sizeof(path), "%s-v2", o->source);
    if (n < 0 || (size_t)n >= sizeof(path)) {
        return bench_fail(r, "the source ledger path is too long");
    }
    if (stat(path, &st) != 0 && build_ledger_as(path, o->events, 1) < 0) {
        return bench_fail(r, "cannot build the v2 ledger: %s", avow_error_last());
    }
    if (state_at_queries(o, r, path, AVOW_CONFIDENCE_MEDIUM) < 0) {
        return -1;
    }
    bench_note(r, "format v2 fields on every stance, --min-confidence medium");
    return 0;
}

/* The whole `avow state CONTEST --at T --json` process, random T, warm
 * snapshots: microseconds per process. */
static int
fig_state_process(const struct bench_opts *o, struct bench_result *r)
{
    char *avow = (char *)(uintptr_t)o->avow;
    char at[AVOW_TIME_STRLEN];
    uint64_t seed = 0x9e3779b97f4a7c15u;
    avow_ledger *l = NULL;
    if (access(o->avow, X_OK) != 0) {
        r->ran = 0;
        bench_note(r, "n/a (no avow binary at %s: use --avow PATH)", o->avow);
        return 0;
    }
    if (need_source(o, r) < 0) {
        return -1;
    }
    if (avow_ledger_open(&l, o->source, 0) < 0 ||
        warm_snapshots(l, o->events, AVOW_CONFIDENCE_NONE) < 0) {
        avow_ledger_free(l);
        return bench_fail(r, "state: %s", avow_error_last());
    }
    avow_ledger_free(l);
    char *argv[] = { avow,     "-q",          "-L",   (char *)(uintptr_t)o->source,
                     "state",  BENCH_CONTEST, "--at", at,
                     "--json", NULL };
    r->n = o->events;
    bench_note(r, "%" PRIu64 " processes per repetition, random T, output to /dev/null",
               o->processes);
    for (int rep = 0; rep < o->reps; rep++) {
        double t0 = now_s();
        for (uint64_t i = 0; i < o->processes; i++) {
            avow_time_format(at, random_at(&seed, o->events), AVOW_PREC_MICRO);
            if (run_quiet(argv) != 0) {
                return bench_fail(r, "avow state fails");
            }
        }
        r->v[r->nv++] = (now_s() - t0) * 1e6 / (double)o->processes;
    }
    return 0;
}

/* Sync of S events between two local ledgers (avow_sync_local(), pull into an
 * empty ledger: every event decoded, verified and appended) vs raw
 * crypto_sign_verify_detached on every core. */
static int
fig_sync(const struct bench_opts *o, struct bench_result *r)
{
    static struct msgs m;
    char src[BENCH_PATH_MAX], dst[BENCH_PATH_MAX];
    avow_ledger *from = NULL;
    avow_key *key = bench_key();
    int error = -1;
    if (key == NULL || msgs_make(&m, key) < 0) {
        return bench_fail(r, "cannot make the key or messages");
    }
    if (path_join(src, sizeof(src), o->dir, "sync-src") < 0 ||
        path_join(dst, sizeof(dst), o->dir, "sync-dst") < 0) {
        return bench_fail(r, "path too long");
    }
    rmrf(src);
    if (build_ledger(src, o->sync_events) < 0 ||
        avow_ledger_open(&from, src, AVOW_OPEN_READONLY) < 0) {
        bench_fail(r, "cannot build the sync source: %s", avow_error_last());
        goto done;
    }
    r->n = o->sync_events;
    bench_note(r,
               "avow_sync_local (socketpair, peer served by a thread), pull into an empty ledger");
    for (int rep = 0; rep < o->reps; rep++) {
        avow_ledger *to = NULL;
        avow_sync_opts so = AVOW_SYNC_OPTS_INIT;
        avow_sync_stats stats;
        memset(&stats, 0, sizeof(stats));
        so.flags = AVOW_SYNC_PULL;
        rmrf(dst);
        if (avow_ledger_init(dst, "bench") < 0 || avow_ledger_open(&to, dst, 0) < 0) {
            bench_fail(r, "init: %s", avow_error_last());
            goto done;
        }
        store_drop_pages(from);
        hwm_reset();
        double t0 = now_s();
        int rc = avow_sync_local(&stats, to, from, &so);
        double dt = now_s() - t0;
        hwm_read(r);
        avow_ledger_free(to);
        if (rc < 0 || stats.received != o->sync_events) {
            bench_fail(r, "sync: %" PRIu64 " received: %s", stats.received, avow_error_last());
            goto done;
        }
        r->v[r->nv++] = (double)stats.received / dt;
        uint64_t bn = o->sync_events < o->bound_max ? o->sync_events : o->bound_max;
        r->b[r->nb++] = raw_crypto_rate(&m, key, bn, 1);
    }
    error = 0;
done:
    rmrf(dst);
    avow_ledger_free(from);
    rmrf(src);
    avow_key_free(key);
    return error;
}

static uint64_t
xorshift(uint64_t *s)
{
    *s ^= *s << 13;
    *s ^= *s >> 7;
    *s ^= *s << 17;
    return *s;
}

/* Merkle proofs at n = N through the stored tree (src/derived/tree.h), in one
 * read transaction: microseconds per proof. */
static int
fig_merkle(const struct bench_opts *o, struct bench_result *r, int consistency)
{
    static unsigned char path[MERKLE_PATH_BYTES];
    avow_ledger *l = NULL;
    store_txn *txn = NULL;
    uint64_t seed = 0x9e3779b97f4a7c15u;
    if (need_source(o, r) < 0) {
        return -1;
    }
    if (avow_ledger_open(&l, o->source, AVOW_OPEN_READONLY) < 0 || store_txn_read(&txn, l) < 0) {
        avow_ledger_free(l);
        return bench_fail(r, "open: %s", avow_error_last());
    }
    uint64_t n = o->events;
    r->n = n;
    bench_note(r, "%" PRIu64 " random proofs per repetition, src/derived/tree.h in one read txn",
               o->proofs);
    for (int rep = 0; rep < o->reps; rep++) {
        double t0 = now_s();
        for (uint64_t i = 0; i < o->proofs; i++) {
            size_t count = 0;
            uint64_t x = xorshift(&seed) % n;
            /* Consistency from a random older size m in [1, n - 1] to n. */
            int error = consistency ? tree_consistency(path, &count, l, txn, 1 + x % (n - 1), n)
                                    : tree_inclusion(path, &count, l, txn, x, n);
            if (error < 0) {
                store_txn_end(txn);
                avow_ledger_free(l);
                return bench_fail(r, "proof: %s", avow_error_last());
            }
        }
        r->v[r->nv++] = (now_s() - t0) * 1e6 / (double)o->proofs;
    }
    store_txn_end(txn);
    avow_ledger_free(l);
    return 0;
}

static int
fig_merkle_inclusion(const struct bench_opts *o, struct bench_result *r)
{
    return fig_merkle(o, r, 0);
}

static int
fig_merkle_consistency(const struct bench_opts *o, struct bench_result *r)
{
    return fig_merkle(o, r, 1);
}

/* Run argv with stdout and stderr to /dev/null. @return the exit status or -1. */
static int
run_quiet(char *const argv[])
{
    pid_t pid = fork();
    int status = 0;
    if (pid < 0) {
        return -1;
    }
    if (pid == 0) {
        int fd = open("/dev/null", O_WRONLY);
        if (fd >= 0) {
            dup2(fd, 1);
            dup2(fd, 2);
        }
        execv(argv[0], argv);
        _exit(127);
    }
    if (waitpid(pid, &status, 0) < 0 || !WIFEXITED(status)) {
        return -1;
    }
    return WEXITSTATUS(status);
}

/* One `avow declare` process (unencrypted key, warm ledger) vs one
 * `avow --version` process: milliseconds per process. */
static int
fig_declare(const struct bench_opts *o, struct bench_result *r)
{
    char ledger[BENCH_PATH_MAX], key[BENCH_PATH_MAX], actor[32];
    char *avow = (char *)(uintptr_t)o->avow;
    if (access(o->avow, X_OK) != 0) {
        r->ran = 0;
        bench_note(r, "n/a (no avow binary at %s: use --avow PATH)", o->avow);
        return 0;
    }
    if (path_join(ledger, sizeof(ledger), o->dir, "cli-ledger") < 0 ||
        path_join(key, sizeof(key), o->dir, "cli.key") < 0) {
        return bench_fail(r, "path too long");
    }
    char *init[] = { avow, "-q", "-L", ledger, "init", NULL };
    char *keynew[] = { avow, "-q", "key", "new", key, NULL };
    char *contest[] = { avow,        "-q",   "-L",         ledger,    "-k",      key,
                        "contest",   "new",  "nato",       "--title", "NATO SG", "--rule",
                        "unanimity", "--at", "2024-01-01", NULL };
    char *member[] = { avow, "-q", "-L", ledger, "-k", key, "member", "add", "nato", "NL", NULL };
    char *cand[] = {
        avow, "-q", "-L", ledger, "-k", key, "candidate", "add", "nato", "Rutte", NULL
    };
    char *declare[] = { avow,    "-q",      "-L",         ledger,     "-k",
                        key,     "declare", "nato",       actor,      "supports",
                        "Rutte", "--at",    "2024-04-03", "--source", "https://example.org/a",
                        NULL };
    char *version[] = { avow, "--version", NULL };
    if (run_quiet(init) != 0 || run_quiet(keynew) != 0 || run_quiet(contest) != 0) {
        return bench_fail(r, "cannot prepare a ledger with %s", o->avow);
    }
    (void)run_quiet(member);
    (void)run_quiet(cand);
    (void)snprintf(actor, sizeof(actor), "NL");
    if (run_quiet(declare) != 0) {
        return bench_fail(r, "avow declare fails");
    }
    r->n = o->processes;
    bench_note(r, "%" PRIu64 " processes per repetition; ratio is time / time", o->processes);
    for (int rep = 0; rep < o->reps; rep++) {
        double t0 = now_s();
        for (uint64_t i = 0; i < o->processes; i++) {
            if (run_quiet(declare) != 0) {
                return bench_fail(r, "avow declare fails");
            }
        }
        r->v[r->nv++] = (now_s() - t0) * 1e3 / (double)o->processes;
        t0 = now_s();
        for (uint64_t i = 0; i < o->processes; i++) {
            if (run_quiet(version) != 0) {
                return bench_fail(r, "avow --version fails");
            }
        }
        r->b[r->nb++] = (now_s() - t0) * 1e3 / (double)o->processes;
    }
    return 0;
}

/* Build the source ledger in a child of its own, so that no figure's peak
 * RSS or time includes building it (import-sign, when selected, leaves it). */
static int
fig_source(const struct bench_opts *o, struct bench_result *r)
{
    return need_source(o, r);
}

/* The RSS rows re-use the peak RSS of the child of another figure. */
static int
fig_rss(const struct bench_opts *o, struct bench_result *r)
{
    (void)o;
    (void)r;
    return 0;
}

/* ---- publish (C2SP tlog-tiles) ------------------------------------------- */

/* The files of a published tree, loaded (untimed) for the plain-write bound. */
struct pub_files {
    char (*path)[96];
    unsigned char **data;
    size_t *len;
    size_t n;
};

static void
pub_files_free(struct pub_files *f)
{
    for (size_t i = 0; i < f->n; i++) {
        free(f->data[i]);
    }
    free(f->path);
    free(f->data);
    free(f->len);
    memset(f, 0, sizeof(*f));
}

static int
pub_files_load(struct pub_files *f, const char *dir)
{
    char cmd[BENCH_PATH_MAX + 64], line[BENCH_PATH_MAX];
    size_t cap = 0;
    FILE *p;
    memset(f, 0, sizeof(*f));
    (void)snprintf(cmd, sizeof(cmd), "cd '%s' && find . -type f", dir);
    if ((p = popen(cmd, "r")) == NULL) {
        return -1;
    }
    while (fgets(line, sizeof(line), p) != NULL) {
        char full[2 * BENCH_PATH_MAX];
        struct stat st;
        FILE *in;
        line[strcspn(line, "\n")] = '\0';
        if (f->n == cap) {
            cap = cap ? 2 * cap : 1024;
            f->path = realloc(f->path, cap * sizeof(*f->path));
            f->data = realloc(f->data, cap * sizeof(*f->data));
            f->len = realloc(f->len, cap * sizeof(*f->len));
            if (f->path == NULL || f->data == NULL || f->len == NULL) {
                break;
            }
        }
        if (path_join(full, sizeof(full), dir, line + 2) < 0 ||
            strlen(line + 2) >= sizeof(f->path[f->n]) || stat(full, &st) != 0 ||
            (in = fopen(full, "rb")) == NULL) {
            break;
        }
        memcpy(f->path[f->n], line + 2, strlen(line + 2) + 1);
        f->len[f->n] = (size_t)st.st_size;
        f->data[f->n] = malloc(f->len[f->n] + 1);
        if (f->data[f->n] == NULL || fread(f->data[f->n], 1, f->len[f->n], in) != f->len[f->n]) {
            (void)fclose(in); /* read-only: nothing to lose */
            free(f->data[f->n]);
            break;
        }
        (void)fclose(in);
        f->n++;
    }
    return pclose(p) == 0 ? 0 : -1;
}

/* The bound: the same bytes to the same paths with plain open/write/close
 * (directories made as needed), synced once as publish syncs. */
static double
pub_plain_write(const struct pub_files *f, const char *dir)
{
    char made[BENCH_PATH_MAX] = "";
    double t0 = now_s();
    if (mkdir(dir, 0755) != 0 && errno != EEXIST) {
        return -1;
    }
    for (size_t i = 0; i < f->n; i++) {
        char full[2 * BENCH_PATH_MAX], *slash;
        if (path_join(full, sizeof(full), dir, f->path[i]) < 0) {
            return -1;
        }
        slash = strrchr(full, '/');
        *slash = '\0';
        if (strcmp(full, made) != 0) {
            for (char *q = full + strlen(dir) + 1;; q++) {
                if (*q == '/' || *q == '\0') {
                    char c = *q;
                    *q = '\0';
                    (void)mkdir(full, 0755);
                    *q = c;
                    if (c == '\0') {
                        break;
                    }
                }
            }
            if (strlen(full) < sizeof(made)) {
                memcpy(made, full, strlen(full) + 1);
            }
        }
        *slash = '/';
        int fd = open(full, O_WRONLY | O_CREAT | O_TRUNC, 0644);
        if (fd < 0 || write(fd, f->data[i], f->len[i]) != (ssize_t)f->len[i] || close(fd) != 0) {
            return -1;
        }
    }
    int dfd = open(dir, O_RDONLY);
    if (dfd < 0 || syncfs(dfd) != 0) {
        return -1;
    }
    close(dfd);
    return now_s() - t0;
}

static int
fig_publish(const struct bench_opts *o, struct bench_result *r)
{
    avow_ledger *l = NULL;
    avow_key *key = bench_key();
    struct pub_files files;
    char out[BENCH_PATH_MAX], plain[BENCH_PATH_MAX];
    if (need_source(o, r) < 0 || key == NULL) {
        avow_key_free(key);
        return -1;
    }
    if (avow_ledger_open(&l, o->source, 0) < 0) {
        avow_key_free(key);
        return bench_fail(r, "open: %s", avow_error_last());
    }
    r->n = o->events;
    for (int rep = 0; rep < o->reps; rep++) {
        avow_publish_stats st;
        int n1 = snprintf(out, sizeof(out), "%s/publish-%d", o->dir, rep);
        int n2 = snprintf(plain, sizeof(plain), "%s/plain-%d", o->dir, rep);
        if (n1 < 0 || n2 < 0 || (size_t)n1 >= sizeof(out) || (size_t)n2 >= sizeof(plain)) {
            avow_ledger_free(l);
            avow_key_free(key);
            return bench_fail(r, "path too long");
        }
        double t0 = now_s();
        if (avow_publish(&st, l, out, key) < 0) {
            avow_ledger_free(l);
            avow_key_free(key);
            return bench_fail(r, "publish: %s", avow_error_last());
        }
        r->v[r->nv++] = (double)o->events / (now_s() - t0);
        if (pub_files_load(&files, out) < 0) {
            pub_files_free(&files);
            avow_ledger_free(l);
            avow_key_free(key);
            return bench_fail(r, "cannot read back %s", out);
        }
        double dt = pub_plain_write(&files, plain);
        bench_note(r,
                   "%zu files, %" PRIu64 " bytes; bound: the same files, open/write/close, "
                   "one syncfs",
                   files.n, st.bytes_written);
        pub_files_free(&files);
        rmrf(out);
        rmrf(plain);
        if (dt <= 0) {
            avow_ledger_free(l);
            avow_key_free(key);
            return bench_fail(r, "plain writes failed");
        }
        r->b[r->nb++] = (double)o->events / dt;
    }
    avow_ledger_free(l);
    avow_key_free(key);
    return 0;
}

/* A publish after 1,000 appends, over a published copy of the source ledger:
 * O(new tiles), so microseconds that do not grow with N. */
static int
fig_publish_incremental(const struct bench_opts *o, struct bench_result *r)
{
    static struct draft_batch b;
    char copy[BENCH_PATH_MAX], out[BENCH_PATH_MAX];
    avow_ledger *l = NULL;
    avow_key *key = bench_key();
    uint64_t written = 0;
    if (need_source(o, r) < 0 || key == NULL ||
        path_join(copy, sizeof(copy), o->dir, "publish-src") < 0 ||
        path_join(out, sizeof(out), o->dir, "publish-inc") < 0) {
        avow_key_free(key);
        return r->failed ? -1 : bench_fail(r, "setup");
    }
    char *cp[] = { "/bin/cp", "-r", (char *)(uintptr_t)o->source, copy, NULL };
    if (run_quiet(cp) != 0 || avow_ledger_open(&l, copy, 0) < 0 ||
        avow_publish(NULL, l, out, key) < 0) {
        avow_ledger_free(l);
        avow_key_free(key);
        return bench_fail(r, "copy and first publish: %s", avow_error_last());
    }
    r->n = 1000;
    for (int rep = 0; rep < o->reps; rep++) {
        avow_publish_stats st;
        uint64_t first = o->events + (uint64_t)rep * 1000;
        for (uint64_t i = 0; i < 1000; i += 500) {
            size_t failed = 0;
            draft_fill(&b, first + i, 500);
            if (avow_ledger_append_drafts(&failed, NULL, l, key, b.d, 500) < 0) {
                avow_ledger_free(l);
                avow_key_free(key);
                return bench_fail(r, "append: %s", avow_error_last());
            }
        }
        double t0 = now_s();
        if (avow_publish(&st, l, out, key) < 0) {
            avow_ledger_free(l);
            avow_key_free(key);
            return bench_fail(r, "publish: %s", avow_error_last());
        }
        r->v[r->nv++] = (now_s() - t0) * 1e6;
        written = st.tiles_written + st.bundles_written;
    }
    bench_note(r,
               "1,000 appends then publish at N = %" PRIu64 ": %" PRIu64
               " files written (one syncfs, the checkpoint renamed)",
               o->events, written);
    avow_ledger_free(l);
    avow_key_free(key);
    rmrf(copy);
    rmrf(out);
    return 0;
}

/* ---- this round's hot paths (issue 21) ---------------------------------- */

#define BENCH_DEDUP_MAX 200000 /* records of import-dedup: a ratio, not a size figure */

/* The duplicate check of import --sign (issue 15: at most 10 % of the
 * import): avow_import(AVOW_IMPORT_SIGN) with the check vs the same import
 * with AVOW_IMPORT_ALLOW_DUPLICATES, alternately, into fresh ledgers. */
static int
fig_import_dedup(const struct bench_opts *o, struct bench_result *r)
{
    char path[BENCH_PATH_MAX], file[BENCH_PATH_MAX];
    uint64_t m = o->events < BENCH_DEDUP_MAX ? o->events : BENCH_DEDUP_MAX;
    avow_key *key = bench_key();
    if (key == NULL || path_join(path, sizeof(path), o->dir, "dedup") < 0 ||
        path_join(file, sizeof(file), o->dir, "dedup.jsonl") < 0 || write_records(file, m) < 0) {
        avow_key_free(key);
        return bench_fail(r, "setup");
    }
    r->n = m;
    for (int rep = 0; rep < 2 * o->reps; rep++) {
        avow_ledger *l = NULL;
        avow_import_opts io = AVOW_IMPORT_OPTS_INIT;
        avow_import_result res;
        io.flags = AVOW_IMPORT_SIGN | (rep % 2 ? AVOW_IMPORT_ALLOW_DUPLICATES : 0);
        io.key = key;
        rmrf(path);
        if (avow_ledger_init(path, "bench") < 0 || avow_ledger_open(&l, path, 0) < 0) {
            avow_key_free(key);
            return bench_fail(r, "init: %s", avow_error_last());
        }
        double t0 = now_s();
        int error = avow_import(&res, l, file, &io);
        double dt = now_s() - t0;
        avow_ledger_free(l);
        if (error < 0 || res.appended != m) {
            avow_key_free(key);
            return bench_fail(r, "import --sign: %s", avow_error_last());
        }
        if (rep % 2) {
            r->b[r->nb++] = (double)m / dt;
        } else {
            r->v[r->nv++] = (double)m / dt;
        }
    }
    rmrf(path);
    unlink(file);
    avow_key_free(key);
    bench_note(r, "import --sign with the duplicate check vs --allow-duplicates, fresh ledger");
    return 0;
}

/* One pass of the log as `avow log --json` prints it: every event read, the
 * ones the filter passes rendered. Returns the events rendered, < 0 on error. */
static int64_t
log_pass(avow_ledger *l, const avow_event_filter *filter)
{
    avow_iter_opts io = AVOW_ITER_OPTS_INIT;
    avow_event_json_opts jo = AVOW_EVENT_JSON_OPTS_INIT;
    avow_iter *it = NULL;
    avow_buf out = AVOW_BUF_INIT;
    avow_event ev;
    uint64_t index;
    int64_t shown = 0;
    int rc;
    io.filter = filter;
    if (avow_iter_new(&it, l, &io) < 0) {
        return -1;
    }
    while ((rc = avow_iter_next(&ev, &index, it)) == 1) {
        out.len = 0;
        if (avow_event_json(&out, &ev, index, &jo) < 0) {
            rc = -1;
            break;
        }
        bench_sink += out.len;
        shown++;
    }
    avow_iter_free(it);
    avow_buf_dispose(&out);
    return rc < 0 ? -1 : shown;
}

/* `log --actor A` (issue 21: >= 0.5 of the unfiltered log): events of the log
 * read per second with the filter, vs the unfiltered log rendering them all. */
static int
fig_log_actor(const struct bench_opts *o, struct bench_result *r)
{
    avow_ledger *l = NULL;
    avow_event_filter f = AVOW_EVENT_FILTER_INIT;
    int64_t shown = 0;
    f.actor = "FR-2";
    if (need_source(o, r) < 0) {
        return -1;
    }
    if (avow_ledger_open(&l, o->source, AVOW_OPEN_READONLY) < 0) {
        return bench_fail(r, "open: %s", avow_error_last());
    }
    r->n = o->events;
    for (int rep = 0; rep < o->reps; rep++) {
        store_drop_pages(l);
        double t0 = now_s();
        shown = log_pass(l, &f);
        double dt = now_s() - t0;
        store_drop_pages(l);
        double t1 = now_s();
        int64_t all = log_pass(l, NULL);
        double dt_all = now_s() - t1;
        if (shown <= 0 || all != (int64_t)o->events) {
            avow_ledger_free(l);
            return bench_fail(r, "log: %" PRId64 " filtered, %" PRId64 " in all: %s", shown, all,
                              avow_error_last());
        }
        r->v[r->nv++] = (double)o->events / dt;
        r->b[r->nb++] = (double)o->events / dt_all;
    }
    avow_ledger_free(l);
    bench_note(r,
               "events read per second: --actor %s (%" PRId64 " shown) vs the unfiltered log "
               "(avow_event_json of each)",
               f.actor, shown);
    return 0;
}

/* ---- against SQLite (issue 21, tools/bench/sqlite.c) ------------------- */

#define BENCH_SQLITE_BULK_MAX 200000 /* rows of sqlite-bulk: a rate, not a size figure */

/* sqlb_row_fn over draft_fill(): the same records as the avow figures. */
static int
sqlite_row(void *ctx, uint64_t i, struct sqlb_row *out)
{
    struct draft_batch *b = ctx;
    draft_fill(b, i, 1);
    out->seq = (int64_t)i;
    out->effective_at = b->d[0].effective_at;
    if (b->d[0].kind == AVOW_KIND_STANCE) {
        out->actor = b->d[0].actor;
        out->candidate = b->d[0].candidate;
        out->stance = b->d[0].stance;
        out->source = b->d[0].source;
    }
    return 0;
}

/* Remove a SQLite database and its -wal and -shm files. */
static void
sqlite_remove(const char *path)
{
    char side[BENCH_PATH_MAX + 8];
    (void)unlink(path);
    (void)snprintf(side, sizeof(side), "%s-wal", path);
    (void)unlink(side);
    (void)snprintf(side, sizeof(side), "%s-shm", path);
    (void)unlink(side);
}

/* A fresh SQLite database at DIR/NAME. */
static int
sqlite_fresh(sqlb **db, char *path, size_t n, const struct bench_opts *o, const char *name)
{
    if (path_join(path, n, o->dir, name) < 0) {
        return -1;
    }
    sqlite_remove(path);
    return sqlb_open(db, path);
}

/* avow_ledger_append_drafts() of M records into a fresh ledger (signed,
 * indexed, in BENCH_BATCH-event transactions) vs the same records inserted
 * into one SQLite table in one transaction. */
static int
fig_sqlite_bulk(const struct bench_opts *o, struct bench_result *r)
{
    static struct draft_batch b;
    char path[BENCH_PATH_MAX], db_path[BENCH_PATH_MAX];
    uint64_t m = o->events < BENCH_SQLITE_BULK_MAX ? o->events : BENCH_SQLITE_BULK_MAX;
    avow_key *key = bench_key();
    if (key == NULL || path_join(path, sizeof(path), o->dir, "vs-sqlite") < 0) {
        avow_key_free(key);
        return bench_fail(r, "setup");
    }
    r->n = m;
    for (int rep = 0; rep < o->reps; rep++) {
        avow_ledger *l = NULL;
        sqlb *db = NULL;
        rmrf(path);
        double t0 = now_s();
        if (avow_ledger_init(path, "bench") < 0 || avow_ledger_open(&l, path, 0) < 0 ||
            append_events(l, key, &b, m) < 0) {
            avow_ledger_free(l);
            avow_key_free(key);
            return bench_fail(r, "append: %s", avow_error_last());
        }
        avow_ledger_free(l);
        r->v[r->nv++] = (double)m / (now_s() - t0);
        rmrf(path);
        int rc = sqlite_fresh(&db, db_path, sizeof(db_path), o, "vs-sqlite.db");
        t0 = now_s();
        rc = rc < 0 ? rc : sqlb_bulk(db, 0, m, sqlite_row, &b);
        double dt = now_s() - t0;
        sqlb_close(db);
        sqlite_remove(db_path);
        if (rc < 0) {
            avow_key_free(key);
            r->ran = rc != SQLB_ABSENT;
            return rc == SQLB_ABSENT ? (bench_note(r, "n/a (built without SQLite)"), 0)
                                     : bench_fail(r, "SQLite bulk insert");
        }
        r->b[r->nb++] = (double)m / dt;
    }
    bench_note(r, "signed and indexed, %d-event txns, vs one SQLite txn of the same rows (%s)",
               BENCH_BATCH, "index on actor, candidate, effective_at");
    avow_key_free(key);
    return 0;
}

/* avow_ledger_append() one event per durable txn vs one SQLite row per
 * transaction (WAL, synchronous=FULL). */
static int
fig_sqlite_single(const struct bench_opts *o, struct bench_result *r)
{
    static struct draft_batch b;
    char path[BENCH_PATH_MAX], db_path[BENCH_PATH_MAX];
    avow_key *key = bench_key();
    if (key == NULL || path_join(path, sizeof(path), o->dir, "vs-sqlite-1") < 0) {
        avow_key_free(key);
        return bench_fail(r, "setup");
    }
    r->n = o->singles;
    for (int rep = 0; rep < o->reps; rep++) {
        avow_ledger *l = NULL;
        sqlb *db = NULL;
        rmrf(path);
        if (avow_ledger_init(path, "bench") < 0 || avow_ledger_open(&l, path, 0) < 0 ||
            append_events(l, key, &b, BENCH_FIRST_STANCE) < 0) {
            avow_ledger_free(l);
            avow_key_free(key);
            return bench_fail(r, "setup: %s", avow_error_last());
        }
        double t0 = now_s();
        for (uint64_t i = 0; i < o->singles; i++) {
            draft_fill(&b, BENCH_FIRST_STANCE + i, 1);
            if (avow_ledger_append(NULL, l, key, &b.d[0]) < 0) {
                avow_ledger_free(l);
                avow_key_free(key);
                return bench_fail(r, "append: %s", avow_error_last());
            }
        }
        r->v[r->nv++] = (double)o->singles / (now_s() - t0);
        avow_ledger_free(l);
        rmrf(path);
        int rc = sqlite_fresh(&db, db_path, sizeof(db_path), o, "vs-sqlite-1.db");
        t0 = now_s();
        rc = rc < 0 ? rc : sqlb_single(db, BENCH_FIRST_STANCE, o->singles, sqlite_row, &b);
        double dt = now_s() - t0;
        sqlb_close(db);
        sqlite_remove(db_path);
        if (rc < 0) {
            avow_key_free(key);
            r->ran = rc != SQLB_ABSENT;
            return rc == SQLB_ABSENT ? (bench_note(r, "n/a (built without SQLite)"), 0)
                                     : bench_fail(r, "SQLite single inserts");
        }
        r->b[r->nb++] = (double)o->singles / dt;
    }
    bench_note(r, "one durable txn per event vs one SQLite row per txn (WAL, synchronous=FULL)");
    avow_key_free(key);
    return 0;
}

/* Queries per second of avow_state_compute() at random T (snapshots built
 * first, as state-at) vs SQLite's latest stance per actor and candidate
 * before T (one index seek per pair) over the same N records. */
static int
fig_sqlite_latest(const struct bench_opts *o, struct bench_result *r)
{
    static struct draft_batch b;
    char db_path[BENCH_PATH_MAX];
    sqlb *db = NULL;
    uint64_t seed = 0x9e3779b97f4a7c15u, rows = 0, sum = 0, pairs = 0;
    if (need_source(o, r) < 0) {
        return -1;
    }
    int rc = sqlite_fresh(&db, db_path, sizeof(db_path), o, "vs-sqlite-q.db");
    rc = rc < 0 ? rc : sqlb_bulk(db, 0, o->events, sqlite_row, &b);
    rc = rc < 0 ? rc : sqlb_latest(&rows, &sum, db, BENCH_T0 + (int64_t)o->events * 1000000);
    pairs = rows;
    if (rc < 0 || rows == 0) {
        sqlb_close(db);
        sqlite_remove(db_path);
        r->ran = rc != SQLB_ABSENT;
        return rc == SQLB_ABSENT ? (bench_note(r, "n/a (built without SQLite)"), 0)
                                 : bench_fail(r, "SQLite table of the source records");
    }
    if (state_at_queries(o, r, o->source, AVOW_CONFIDENCE_NONE) < 0) {
        sqlb_close(db);
        return -1;
    }
    for (int k = 0; k < r->nv; k++) {
        r->v[k] = 1e6 / r->v[k]; /* median microseconds -> queries/s */
    }
    uint64_t nq = o->queries > 100000 ? 100000 : o->queries;
    for (int rep = 0; rep < o->reps; rep++) {
        double t0 = now_s();
        for (uint64_t i = 0; i < nq && rc == 0; i++) {
            rc = sqlb_latest(&rows, &sum, db, random_at(&seed, o->events));
        }
        r->b[r->nb++] = (double)nq / (now_s() - t0);
    }
    sqlb_close(db);
    sqlite_remove(db_path);
    bench_sink += sum;
    if (rc < 0) {
        return bench_fail(r, "SQLite query");
    }
    bench_note(r,
               "state --at T (median query, digest included) vs SQLite, %" PRIu64
               " actor-candidate pairs, one index seek each",
               pairs);
    return 0;
}
static int row_count_cb(const avow_timeline_row *row, void *payload);

/* timeline --every day over a year (365 rows) of the whole source contest: one
 * pass over its N events folded incrementally, a state built per day. */
static int
fig_timeline(const struct bench_opts *o, struct bench_result *r)
{
    avow_ledger *l = NULL;
    if (need_source(o, r) < 0) {
        return -1;
    }
    if (avow_ledger_open(&l, o->source, AVOW_OPEN_READONLY) < 0) {
        return bench_fail(r, "open: %s", avow_error_last());
    }
    r->n = o->events;
    uint64_t rows = 0;
    for (int rep = 0; rep < o->reps; rep++) {
        avow_timeline_opts to = AVOW_TIMELINE_OPTS_INIT;
        to.every = AVOW_EVERY_DAY;
        to.from = BENCH_T0;
        to.to = BENCH_T0 + INT64_C(364) * 86400 * 1000000;
        rows = 0;
        store_drop_pages(l);
        double t0 = now_s();
        if (avow_timeline(l, BENCH_CONTEST, &to, row_count_cb, &rows) < 0) {
            avow_ledger_free(l);
            return bench_fail(r, "timeline: %s", avow_error_last());
        }
        r->v[r->nv++] = (now_s() - t0) * 1e6;
    }
    bench_note(r,
               "avow_timeline(--every day) over 365 days holding all N events: %" PRIu64
               " dates, cold map",
               rows);
    avow_ledger_free(l);
    return 0;
}

static int
row_count_cb(const avow_timeline_row *row, void *payload)
{
    (void)row;
    ++*(uint64_t *)payload;
    return 0;
}

static const struct bench_figure figures[] = {
    { "import-sign", "bulk signed import (import --sign path)",
      "raw crypto_sign_detached, all cores", KIND_RATE, 0.75, NULL, fig_import_sign },
    { "append-signed", "append of already-signed events (import of an export)",
      "raw LMDB MDB_APPEND, same bytes, one txn", KIND_RATE, 0.5, NULL, fig_append_signed },
    { "durable-append", "durable single-event append (one txn each, fsync)",
      "raw LMDB one put per txn, same flags", KIND_RATE, 0.9, NULL, fig_durable_append },
    { "verify", "verify", "raw crypto_sign_verify_detached, all cores", KIND_RATE, 0.85, NULL,
      fig_verify },
    { "replay", "full replay (projection rebuild)", "raw LMDB cursor scan, same records", KIND_RATE,
      0.5, NULL, fig_replay },
    { "state-at", "state --at T, random T (library call)", "(absolute, in-process)", KIND_TIME,
      2000, NULL, fig_state_at },
    { "state-at-v2", "state --at T with format v2 fields and --min-confidence",
      "(absolute, in-process)", KIND_TIME, 2000, NULL, fig_state_at_v2 },
    { "state-process", "one `avow state --at T --json` process, random T", "(absolute)", KIND_TIME,
      20000, NULL, fig_state_process },
    { "merkle-inclusion", "Merkle inclusion proof at n = N", "(absolute)", KIND_TIME, 50, NULL,
      fig_merkle_inclusion },
    { "merkle-consistency", "Merkle consistency proof at n = N", "(absolute)", KIND_TIME, 50, NULL,
      fig_merkle_consistency },
    { "sync", "sync between two local ledgers", "raw crypto_sign_verify_detached, all cores",
      KIND_RATE, 0.7, NULL, fig_sync },
    { "rss-verify", "peak RSS of verify", "(absolute)", KIND_RSS, 64, "verify", fig_rss },
    { "rss-replay", "peak RSS of replay", "(absolute)", KIND_RSS, 64, "replay", fig_rss },
    { "rss-sync", "peak RSS of sync", "(absolute)", KIND_RSS, 64, "sync", fig_rss },
    { "declare", "one `avow declare` process, warm ledger", "one `avow --version` process",
      KIND_SLOWER, 3.0, NULL, fig_declare },
    { "publish", "publish DIR of N events (C2SP tlog-tiles)",
      "the same files, plain writes, no hashing", KIND_RATE, 0.5, NULL, fig_publish },
    { "timeline-day", "timeline --every day over a year of the contest", "(absolute)", KIND_TIME,
      1000000, NULL, fig_timeline },
    { "publish-incremental", "publish after 1,000 appends at n = N", "(absolute)", KIND_TIME,
      200000, NULL, fig_publish_incremental },
    { "import-dedup", "the duplicate check of import --sign",
      "import --sign --allow-duplicates, same file", KIND_RATE, 0.9, NULL, fig_import_dedup },
    { "log-actor", "log --actor A (events read per second)", "the unfiltered log, same ledger",
      KIND_RATE, 0.5, NULL, fig_log_actor },
    { "sqlite-bulk", "avow signed bulk append vs SQLite, one txn (what users would pick)",
      "SQLite bulk insert, one txn, same records", KIND_VERSUS, 0, NULL, fig_sqlite_bulk },
    { "sqlite-single", "avow durable single append vs SQLite, one row per txn",
      "SQLite one row per txn, synchronous=FULL", KIND_VERSUS, 0, NULL, fig_sqlite_single },
    { "sqlite-latest", "avow state --at T vs SQLite latest stance per actor before T",
      "SQLite indexed query, same records", KIND_VERSUS_Q, 0, NULL, fig_sqlite_latest },
};
#define N_FIGURES (sizeof(figures) / sizeof(figures[0]))

/* ---- running a figure in a child ---------------------------------------- */

struct bench_row {
    struct bench_result r;
    double rss_mib; /* peak RSS of the figure's child (ru_maxrss) */
    int selected;
};

static int
write_all(int fd, const void *p, size_t n)
{
    const char *c = p;
    while (n > 0) {
        ssize_t k = write(fd, c, n);
        if (k < 0 && errno == EINTR) {
            continue;
        }
        if (k <= 0) {
            return -1;
        }
        c += k;
        n -= (size_t)k;
    }
    return 0;
}

static int
read_all(int fd, void *p, size_t n)
{
    char *c = p;
    while (n > 0) {
        ssize_t k = read(fd, c, n);
        if (k < 0 && errno == EINTR) {
            continue;
        }
        if (k <= 0) {
            return -1;
        }
        c += k;
        n -= (size_t)k;
    }
    return 0;
}

static void
run_figure(const struct bench_opts *o, const struct bench_figure *f, struct bench_row *row)
{
    int fds[2];
    struct rusage ru;
    int status = 0;
    memset(&row->r, 0, sizeof(row->r));
    if (f->run == NULL) {
        (void)snprintf(row->r.note, sizeof(row->r.note), "n/a (not built yet)");
        return;
    }
    if (pipe(fds) < 0) {
        (void)snprintf(row->r.note, sizeof(row->r.note), "pipe: %s", strerror(errno));
        row->r.failed = 1;
        return;
    }
    fflush(NULL);
    pid_t pid = fork();
    if (pid == 0) {
        static struct bench_result r;
        pthread_t sampler;
        close(fds[0]);
        memset(&r, 0, sizeof(r));
        r.ran = 1;
        int have_sampler = pthread_create(&sampler, NULL, sampler_thread, NULL) == 0;
        f->run(o, &r);
        if (have_sampler) {
            sampler_stop = 1;
            pthread_join(sampler, NULL);
        }
        r.anon_mib = sampler_peak;
        _exit(write_all(fds[1], &r, sizeof(r)) == 0 ? 0 : 1);
    }
    close(fds[1]);
    if (pid < 0) {
        close(fds[0]);
        (void)snprintf(row->r.note, sizeof(row->r.note), "fork: %s", strerror(errno));
        row->r.failed = 1;
        return;
    }
    int got = read_all(fds[0], &row->r, sizeof(row->r)) == 0;
    close(fds[0]);
    while (wait4(pid, &status, 0, &ru) < 0 && errno == EINTR) {
    }
    row->rss_mib = (double)ru.ru_maxrss / 1024.0;
    if (!got) {
        memset(&row->r, 0, sizeof(row->r));
        row->r.failed = 1;
        (void)snprintf(row->r.note, sizeof(row->r.note), "the figure's process died (status %d)",
                       status);
    }
}

static int
selected(const struct bench_opts *o, const char *name)
{
    if (o->only == NULL) {
        return 1;
    }
    size_t len = strlen(name);
    for (const char *p = o->only; *p != '\0';) {
        const char *e = strchr(p, ',');
        size_t n = e == NULL ? strlen(p) : (size_t)(e - p);
        if (n == len && memcmp(p, name, n) == 0) {
            return 1;
        }
        p += n + (e != NULL);
    }
    return 0;
}

/* ---- report ------------------------------------------------------------- */

struct summary {
    const char *status; /* "ok", "FAIL", "n/a", "not met" */
    double med, mn, mx, bmed, bmn, bmx, ratio;
    int has_ratio, has_value;
    uint64_t n;
};

static const char *
unit_of(enum bench_kind k)
{
    switch (k) {
    case KIND_RATE:
        return "events/s";
    case KIND_TIME:
        return "us";
    case KIND_RSS:
        return "MiB";
    case KIND_SLOWER:
        return "ms/process";
    case KIND_VERSUS:
        return "events/s";
    case KIND_VERSUS_Q:
        return "queries/s";
    }
    return "";
}

static void
summarize(const struct bench_figure *f, const struct bench_row *rows, size_t i, struct summary *s)
{
    const struct bench_row *row = &rows[i];
    memset(s, 0, sizeof(*s));
    s->status = "n/a";
    if (f->kind == KIND_RSS) {
        for (size_t j = 0; j < N_FIGURES; j++) {
            if (strcmp(figures[j].name, f->rss_of) == 0 && rows[j].selected && rows[j].r.ran &&
                !rows[j].r.failed) {
                s->has_value = 1;
                s->med = s->mn = s->mx =
                  rows[j].r.work_mib > 0 ? rows[j].r.work_mib : rows[j].rss_mib;
                s->bmed = rows[j].r.anon_mib; /* shown as "anon" */
                s->n = rows[j].r.n;
                s->status = s->med < f->target ? "met" : "NOT MET";
            }
        }
        return;
    }
    if (row->r.failed) {
        s->status = "FAILED";
        return;
    }
    if (!row->r.ran) {
        return;
    }
    s->has_value = 1;
    s->n = row->r.n;
    s->med = median(row->r.v, row->r.nv, &s->mn, &s->mx);
    if (row->r.nb > 0) {
        s->bmed = median(row->r.b, row->r.nb, &s->bmn, &s->bmx);
        s->has_ratio = s->bmed > 0;
        s->ratio = s->has_ratio ? s->med / s->bmed : 0;
    }
    int met = 0;
    switch (f->kind) {
    case KIND_RATE:
        met = s->ratio >= f->target;
        break;
    case KIND_SLOWER:
        met = s->has_ratio && s->ratio <= f->target;
        break;
    case KIND_TIME:
    case KIND_RSS:
        met = s->med < f->target;
        break;
    case KIND_VERSUS:
    case KIND_VERSUS_Q:
        s->status = "info";
        return;
    }
    s->status = met ? "met" : "NOT MET";
}

static void
target_text(char *out, size_t n, const struct bench_figure *f)
{
    switch (f->kind) {
    case KIND_RATE:
        (void)snprintf(out, n, ">= %.2f", f->target);
        break;
    case KIND_SLOWER:
        (void)snprintf(out, n, "<= %.0fx", f->target);
        break;
    case KIND_TIME:
        (void)snprintf(out, n, "< %.0f us", f->target);
        break;
    case KIND_RSS:
        (void)snprintf(out, n, "< %.0f MiB", f->target);
        break;
    case KIND_VERSUS:
    case KIND_VERSUS_Q:
        (void)snprintf(out, n, "-");
        break;
    }
}

/* --compare: the saved run's ratio of a figure (its median when the figure
 * has no ratio); 0 when the saved run does not have it. */
static int
saved_value(const struct bench_opts *o, const char *name, double *out)
{
    size_t i;
    json_t *x;
    json_array_foreach(json_object_get(o->saved, "figures"), i, x)
    {
        const char *fig = json_string_value(json_object_get(x, "figure"));
        json_t *v = json_object_get(x, "ratio");
        if (v == NULL) {
            v = json_object_get(x, "median");
        }
        if (fig != NULL && strcmp(fig, name) == 0 && json_is_number(v)) {
            *out = json_number_value(v);
            return 1;
        }
    }
    return 0;
}

/* The "saved" column of --compare: the saved ratio (or median) and this
 * run's over it. */
static void
saved_text(char *out, size_t n, const struct bench_opts *o, const char *name,
           const struct summary *s)
{
    double was = 0, now = s->has_ratio ? s->ratio : s->med;
    if (!s->has_value || !saved_value(o, name, &was)) {
        (void)snprintf(out, n, "%s", "-");
    } else if (was != 0) {
        (void)snprintf(out, n, "%.4g (x%.2f)", was, now / was);
    } else {
        (void)snprintf(out, n, "%.4g", was);
    }
}

static void
print_table(const struct bench_opts *o, const struct bench_row *rows)
{
    char tgt[32];
    printf("avow-bench: %zu cores, %d repetitions, N = %" PRIu64 "%s\n", pool_cores(), o->reps,
           o->events, o->quick ? " (--quick)" : "");
    printf("%-19s %9s %12s %12s %12s %-10s %12s %7s %-10s %-8s %8s", "figure", "N", "median", "min",
           "max", "unit", "bound", "ratio", "target", "status", "peakRSS");
    printf(o->saved != NULL ? "  %-16s\n" : "\n", "saved (now/saved)");
    for (size_t i = 0; i < N_FIGURES; i++) {
        const struct bench_figure *f = &figures[i];
        struct summary s;
        if (!rows[i].selected) {
            continue;
        }
        summarize(f, rows, i, &s);
        target_text(tgt, sizeof(tgt), f);
        if (!s.has_value) {
            printf("%-19s %9s %12s %12s %12s %-10s %12s %7s %-10s %-8s %8s%s  %s\n", f->name, "-",
                   "-", "-", "-", unit_of(f->kind), "-", "-", tgt, s.status, "-",
                   o->saved != NULL ? "  -               " : "",
                   rows[i].r.note[0] ? rows[i].r.note : "n/a (not built yet)");
            continue;
        }
        char ratio[16] = "-", bound[24] = "-", rss[16] = "-";
        if (s.has_ratio) {
            (void)snprintf(ratio, sizeof(ratio), "%.2f", s.ratio);
            (void)snprintf(bound, sizeof(bound), "%.4g", s.bmed);
        }
        if (f->kind == KIND_RSS) {
            (void)snprintf(bound, sizeof(bound), "anon %.1f", s.bmed);
        } else {
            (void)snprintf(rss, sizeof(rss), "%.1f", rows[i].rss_mib);
        }
        printf("%-19s %9" PRIu64 " %12.4g %12.4g %12.4g %-10s %12s %7s %-10s %-8s %8s", f->name,
               s.n, s.med, s.mn, s.mx, unit_of(f->kind), bound, ratio, tgt, s.status, rss);
        if (o->saved != NULL) {
            char was[48];
            saved_text(was, sizeof(was), o, f->name, &s);
            printf("  %-16s", was);
        }
        printf("  %s\n", f->kind == KIND_RSS ? "" : rows[i].r.note);
    }
}

static int
print_json(FILE *out, const struct bench_opts *o, const struct bench_row *rows)
{
    json_t *doc = json_object(), *arr = json_array();
    char tgt[32];
    json_object_set_new(doc, "cores", json_integer((json_int_t)pool_cores()));
    json_object_set_new(doc, "repetitions", json_integer(o->reps));
    json_object_set_new(doc, "events", json_integer((json_int_t)o->events));
    json_object_set_new(doc, "quick", json_boolean(o->quick));
    for (size_t i = 0; i < N_FIGURES; i++) {
        const struct bench_figure *f = &figures[i];
        struct summary s;
        if (!rows[i].selected) {
            continue;
        }
        summarize(f, rows, i, &s);
        target_text(tgt, sizeof(tgt), f);
        json_t *x = json_object();
        json_object_set_new(x, "figure", json_string(f->name));
        json_object_set_new(x, "what", json_string(f->what));
        json_object_set_new(x, "bound", json_string(f->bound));
        json_object_set_new(x, "unit", json_string(unit_of(f->kind)));
        json_object_set_new(x, "target", json_string(tgt));
        json_object_set_new(x, "status", json_string(s.status));
        if (s.has_value) {
            json_t *vals = json_array(), *bvals = json_array();
            json_object_set_new(x, "n", json_integer((json_int_t)s.n));
            json_object_set_new(x, "median", json_real(s.med));
            json_object_set_new(x, "min", json_real(s.mn));
            json_object_set_new(x, "max", json_real(s.mx));
            for (int k = 0; k < rows[i].r.nv; k++) {
                json_array_append_new(vals, json_real(rows[i].r.v[k]));
            }
            for (int k = 0; k < rows[i].r.nb; k++) {
                json_array_append_new(bvals, json_real(rows[i].r.b[k]));
            }
            json_object_set_new(x, "values", vals);
            if (s.has_ratio) {
                json_object_set_new(x, "bound_median", json_real(s.bmed));
                json_object_set_new(x, "bound_min", json_real(s.bmn));
                json_object_set_new(x, "bound_max", json_real(s.bmx));
                json_object_set_new(x, "bound_values", bvals);
                json_object_set_new(x, "ratio", json_real(s.ratio));
            } else {
                json_decref(bvals);
            }
            double was = 0;
            if (o->saved != NULL && saved_value(o, f->name, &was)) {
                json_object_set_new(x, s.has_ratio ? "saved_ratio" : "saved_median",
                                    json_real(was));
            }
            if (f->kind == KIND_RSS) {
                json_object_set_new(x, "anon_mib", json_real(s.bmed));
            } else {
                json_object_set_new(x, "peak_rss_mib", json_real(rows[i].rss_mib));
                json_object_set_new(x, "peak_anon_mib", json_real(rows[i].r.anon_mib));
            }
        }
        if (rows[i].r.note[0] != '\0' || !s.has_value) {
            json_object_set_new(
              x, "note", json_string(rows[i].r.note[0] ? rows[i].r.note : "n/a (not built yet)"));
        }
        json_array_append_new(arr, x);
    }
    json_object_set_new(doc, "figures", arr);
    char *text = json_dumps(doc, JSON_INDENT(2));
    json_decref(doc);
    if (text == NULL) {
        return -1;
    }
    int error = fprintf(out, "%s\n", text) < 0;
    free(text);
    if (error) {
        return -1;
    }
    return 0;
}

/* ---- main --------------------------------------------------------------- */

static void
usage(FILE *out)
{
    fprintf(out,
            "usage: avow-bench [--quick] [--json] [--only FIG,FIG...] [--events N]\n"
            "                  [--singles N] [--proofs N] [--processes N] [--reps R]\n"
            "                  [--sync-events N] [--queries N] [--bound-max N]\n"
            "                  [--dir DIR] [--avow PATH] [--compare FILE.json]\n"
            "                  [--save FILE.json] [--list]\n"
            "  --quick        small sizes: N = 10000, 5 repetitions, under a minute\n"
            "  --json         one JSON document instead of the table\n"
            "  --only LIST    run only these figures (see --list)\n"
            "  --events N     events of the bulk figures (default 1000000, at least 1000)\n"
            "  --singles N    durable single appends per repetition (default 200)\n"
            "  --proofs N     Merkle proofs per repetition (default 20000)\n"
            "  --processes N  avow processes per repetition (default 20)\n"
            "  --sync-events N  events synced per repetition (default 100000)\n"
            "  --queries N    state queries per repetition (default 200)\n"
            "  --reps R       repetitions, 5 to %d (default 5)\n"
            "  --bound-max N  most items per repetition of a crypto bound (default 100000)\n"
            "  --dir DIR      where to create the temporary ledgers (default $TMPDIR or /tmp)\n"
            "  --avow PATH    the avow binary (default: next to avow-bench, or ../avow)\n"
            "  --compare FILE.json  print each ratio (or median) beside a saved --json run's\n"
            "  --save FILE.json     write the --json document there too (for --compare)\n",
            BENCH_MAX_REPS);
}

static int
parse_u64(uint64_t *out, const char *s)
{
    char *end = NULL;
    errno = 0;
    unsigned long long v = strtoull(s, &end, 10);
    if (errno != 0 || end == s || *end != '\0' || v == 0) {
        return -1;
    }
    *out = v;
    return 0;
}

static void
default_avow(char *out, size_t n)
{
    char self[BENCH_PATH_MAX];
    ssize_t k = readlink("/proc/self/exe", self, sizeof(self) - 1);
    out[0] = '\0';
    if (k <= 0) {
        return;
    }
    self[k] = '\0';
    char *slash = strrchr(self, '/');
    if (slash == NULL) {
        return;
    }
    *slash = '\0';
    int w = snprintf(out, n, "%s/avow", self);
    if (w < 0 || (size_t)w >= n || access(out, X_OK) != 0) {
        w = snprintf(out, n, "%s/../avow", self);
        if (w < 0 || (size_t)w >= n) {
            out[0] = '\0';
        }
    }
}

int
main(int argc, char **argv)
{
    static struct bench_opts o;
    static struct bench_row rows[N_FIGURES];
    const char *base = getenv("TMPDIR");
    int status = 0;

    o.events = 1000000;
    o.sync_events = 100000;
    o.singles = 200;
    o.proofs = 20000;
    o.processes = 20;
    o.queries = 200;
    o.bound_max = 100000;
    o.reps = 5;
    default_avow(o.avow, sizeof(o.avow));
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        const char *v = i + 1 < argc ? argv[i + 1] : NULL;
        uint64_t x = 0;
        if (strcmp(a, "--quick") == 0) {
            o.quick = 1;
            o.events = 10000;
            o.sync_events = 5000;
            o.singles = 10;
            o.proofs = 2000;
            o.processes = 3;
            o.queries = 50;
            o.bound_max = 5000;
        } else if (strcmp(a, "--json") == 0) {
            o.json = 1;
        } else if (strcmp(a, "--list") == 0) {
            for (size_t k = 0; k < N_FIGURES; k++) {
                printf("%-19s %s%s\n", figures[k].name, figures[k].what,
                       figures[k].run == NULL ? " (not built yet)" : "");
            }
            return 0;
        } else if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
            usage(stdout);
            return 0;
        } else if (v != NULL && strcmp(a, "--only") == 0) {
            o.only = v;
            i++;
        } else if (v != NULL && strcmp(a, "--compare") == 0) {
            json_error_t jerr;
            json_decref(o.saved);
            o.saved = json_load_file(v, 0, &jerr);
            if (o.saved == NULL || !json_is_array(json_object_get(o.saved, "figures"))) {
                fprintf(stderr, "avow-bench: error: %s is not a saved --json run (%s)\n", v,
                        o.saved == NULL ? jerr.text : "no \"figures\" array");
                return 2;
            }
            i++;
        } else if (v != NULL && strcmp(a, "--save") == 0) {
            o.save = v;
            i++;
        } else if (v != NULL && strcmp(a, "--dir") == 0) {
            base = v;
            i++;
        } else if (v != NULL && strcmp(a, "--avow") == 0) {
            int n = snprintf(o.avow, sizeof(o.avow), "%s", v);
            if (n < 0 || (size_t)n >= sizeof(o.avow)) {
                fprintf(stderr, "avow-bench: --avow path too long\n");
                return 2;
            }
            i++;
        } else if (v != NULL && parse_u64(&x, v) == 0 &&
                   (strcmp(a, "--events") == 0 || strcmp(a, "--singles") == 0 ||
                    strcmp(a, "--proofs") == 0 || strcmp(a, "--processes") == 0 ||
                    strcmp(a, "--reps") == 0 || strcmp(a, "--bound-max") == 0 ||
                    strcmp(a, "--sync-events") == 0 || strcmp(a, "--queries") == 0)) {
            if (strcmp(a, "--events") == 0) {
                o.events = x < 1000 ? 1000 : x;
            } else if (strcmp(a, "--singles") == 0) {
                o.singles = x;
            } else if (strcmp(a, "--proofs") == 0) {
                o.proofs = x;
            } else if (strcmp(a, "--processes") == 0) {
                o.processes = x;
            } else if (strcmp(a, "--sync-events") == 0) {
                o.sync_events = x;
            } else if (strcmp(a, "--queries") == 0) {
                o.queries = x > 100000 ? 100000 : x;
            } else if (strcmp(a, "--bound-max") == 0) {
                o.bound_max = x;
            } else {
                if (x < 5 || x > BENCH_MAX_REPS) {
                    fprintf(stderr, "avow-bench: error: --reps takes 5 to %d\n", BENCH_MAX_REPS);
                    return 2;
                }
                o.reps = (int)x;
            }
            i++;
        } else {
            fprintf(stderr, "avow-bench: error: bad option %s (see --help)\n", a);
            return 2;
        }
    }
    if (o.only != NULL) {
        for (const char *p = o.only; *p != '\0';) {
            const char *e = strchr(p, ',');
            size_t n = e == NULL ? strlen(p) : (size_t)(e - p);
            int known = 0;
            for (size_t k = 0; k < N_FIGURES; k++) {
                known |= strlen(figures[k].name) == n && memcmp(figures[k].name, p, n) == 0;
            }
            if (!known) {
                fprintf(stderr, "avow-bench: error: unknown figure %.*s (see --list)\n", (int)n, p);
                return 2;
            }
            p += n + (e != NULL);
        }
    }
    if (sodium_init() < 0) {
        fprintf(stderr, "avow-bench: error: libsodium does not initialize\n");
        return 3;
    }
    if (base == NULL || base[0] == '\0') {
        base = "/tmp";
    }
    if (snprintf(o.dir, sizeof(o.dir), "%s/avow-bench.XXXXXX", base) >= (int)sizeof(o.dir) ||
        mkdtemp(o.dir) == NULL || path_join(o.source, sizeof(o.source), o.dir, "source") < 0) {
        fprintf(stderr, "avow-bench: error: cannot create a directory in %s: %s\n", base,
                strerror(errno));
        return 3;
    }
    (void)signal(SIGPIPE, SIG_IGN);
    for (size_t i = 0; i < N_FIGURES; i++) {
        rows[i].selected = selected(&o, figures[i].name);
        /* An RSS row needs its figure's child. */
        if (figures[i].kind == KIND_RSS && rows[i].selected) {
            for (size_t j = 0; j < N_FIGURES; j++) {
                if (strcmp(figures[j].name, figures[i].rss_of) == 0) {
                    rows[j].selected = 1;
                }
            }
        }
    }
    if (!rows[0].selected) {
        static const struct bench_figure source = {
            "source", "", "", KIND_RATE, 0, NULL, fig_source
        };
        static struct bench_row row;
        if (!o.json) {
            fprintf(stderr, "avow-bench: building the %" PRIu64 "-event source ledger ...\n",
                    o.events);
        }
        run_figure(&o, &source, &row);
        if (row.r.failed) {
            fprintf(stderr, "avow-bench: error: %s\n", row.r.note);
            rmrf(o.dir);
            return 3;
        }
    }
    for (size_t i = 0; i < N_FIGURES; i++) {
        if (rows[i].selected && figures[i].kind != KIND_RSS) {
            if (!o.json) {
                fprintf(stderr, "avow-bench: %s ...\n", figures[i].name);
            }
            run_figure(&o, &figures[i], &rows[i]);
            if (rows[i].r.failed) {
                status = 1;
            }
        }
    }
    if (o.json) {
        if (print_json(stdout, &o, rows) < 0) {
            status = 3;
        }
    } else {
        print_table(&o, rows);
    }
    if (o.save != NULL) {
        FILE *f = fopen(o.save, "w");
        int bad = f == NULL || print_json(f, &o, rows) < 0;
        if ((f != NULL && fclose(f) != 0) || bad) {
            fprintf(stderr, "avow-bench: error: cannot write %s\n", o.save);
            status = 3;
        }
    }
    rmrf(o.dir);
    json_decref(o.saved);
    return status;
}
