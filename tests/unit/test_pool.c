/* SPDX-License-Identifier: ISC */
/*
 * test_pool.c - the worker pool (src/util/pool.c), its event jobs (src/event/jobs.c) and the paths
 * that use it: parallel signing in avow_ledger_append_drafts(), the parallel signature pre-check of
 * avow_ledger_append_signed(), and the chunked parallel verify. Each checks that the parallel path
 * gives the same answers, in the same order, as one thread would. No test looks at a time.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <lmdb.h>
#include <sodium.h>

#include "tlog/merkle.h"
#include "event/jobs.h"
#include "ledger/store.h"
#include "testutil.h"

#define T0      INT64_C(1712102400000000) /* 2024-04-03T00:00:00Z */
#define CONTEST "nato-sg-2024"
/* More than one chunk of verify (1024) and of bulk signing (256). */
#define MANY 2600

struct counts {
    unsigned char *hits;
};

static void
count_fn(void *ctx, size_t begin, size_t end)
{
    struct counts *c = ctx;
    for (size_t i = begin; i < end; i++) {
        c->hits[i]++;
    }
}

static void
test_pool__runs_every_item_exactly_once(void **state)
{
    (void)state;
    pool *p = NULL;
    size_t n = 100000;
    struct counts c = { calloc(n, 1) };
    assert_non_null(c.hits);
    assert_int_equal(pool_new(&p, 3), 0);
    for (int job = 0; job < 5; job++) {
        pool_start(p, count_fn, &c, n);
        pool_wait(p);
    }
    pool_run(p, count_fn, &c, n);
    pool_wait(p); /* no job: returns at once */
    for (size_t i = 0; i < n; i++) {
        assert_int_equal(c.hits[i], 6);
    }
    pool_free(p);
    free(c.hits);
}

static void
test_pool__null_pool_runs_in_the_caller(void **state)
{
    (void)state;
    struct counts c = { calloc(10, 1) };
    assert_non_null(c.hits);
    pool_run(NULL, count_fn, &c, 10);
    pool_start(NULL, count_fn, &c, 10);
    pool_wait(NULL);
    for (size_t i = 0; i < 10; i++) {
        assert_int_equal(c.hits[i], 2);
    }
    assert_int_equal(pool_threads(NULL), 0);
    assert_true(pool_cores() >= 1);
    free(c.hits);
}

static avow_draft
stance(const char *contest, char *actor, size_t i)
{
    avow_draft d = AVOW_DRAFT_INIT;
    assert_true(snprintf(actor, 16, "A%zu", i) < 16);
    d.kind = AVOW_KIND_STANCE;
    d.effective_at = T0 + (int64_t)i;
    d.contest = contest;
    d.actor = actor;
    d.candidate = "Rutte";
    d.stance = AVOW_STANCE_SUPPORTS;
    d.source = "https://example.org/source";
    return d;
}

/* A batch: a contest definition then n - 1 stances. */
static avow_draft *
batch(size_t n, char (**actors)[16])
{
    avow_draft *d = calloc(n, sizeof(*d));
    *actors = calloc(n, sizeof(**actors));
    assert_non_null(d);
    assert_non_null(*actors);
    avow_draft c = AVOW_DRAFT_INIT;
    c.kind = AVOW_KIND_CONTEST;
    c.effective_at = T0;
    c.contest = CONTEST;
    c.title = "NATO Secretary General 2024";
    c.rule = "unanimity";
    d[0] = c;
    for (size_t i = 1; i < n; i++) {
        d[i] = stance(CONTEST, (*actors)[i], i);
    }
    return d;
}

static uint64_t
count_of(avow_ledger *l)
{
    uint64_t n = 0;
    assert_int_equal(avow_ledger_count(&n, l), 0);
    return n;
}

static void
test_pool__bulk_signed_drafts_form_a_valid_chain(void **state)
{
    (void)state;
    char *dir = NULL;
    char(*actors)[16] = NULL;
    avow_key *key = tu_key(7);
    avow_ledger *l = tu_ledger(&dir);
    avow_draft *d = batch(MANY, &actors);
    unsigned char *ids = calloc(MANY, AVOW_EVENT_ID_BYTES);
    size_t failed = 0;
    assert_non_null(ids);
    assert_int_equal(avow_ledger_append_drafts(&failed, ids, l, key, d, MANY), 0);
    assert_int_equal(failed, MANY);
    assert_int_equal(count_of(l), MANY);

    /* Every event: seq i + 1, prev = content hash of the one before, id as returned. */
    avow_iter *it = NULL;
    avow_event ev;
    uint64_t idx;
    unsigned char prev[AVOW_HASH_BYTES] = { 0 }, id[AVOW_EVENT_ID_BYTES];
    assert_int_equal(avow_iter_new(&it, l, NULL), 0);
    for (size_t i = 0; i < MANY; i++) {
        assert_int_equal(avow_iter_next(&ev, &idx, it), 1);
        assert_int_equal(idx, i);
        assert_int_equal(ev.seq, i + 1);
        assert_memory_equal(ev.prev, prev, AVOW_HASH_BYTES);
        assert_int_equal(avow_event_verify(&ev), 0);
        avow_event_id(id, &ev);
        assert_memory_equal(id, ids + i * AVOW_EVENT_ID_BYTES, AVOW_EVENT_ID_BYTES);
        avow_event_content_hash(prev, &ev);
    }
    assert_int_equal(avow_iter_next(&ev, &idx, it), 0);
    avow_iter_free(it);

    uint64_t events = 0, problems = 0;
    assert_int_equal(avow_ledger_verify(&events, &problems, l, NULL), 0);
    assert_int_equal(events, MANY);
    assert_int_equal(problems, 0);

    /* A second batch continues the chain. */
    d[0] = stance(CONTEST, actors[0], 0);
    assert_int_equal(avow_ledger_append_drafts(&failed, NULL, l, key, d, 300), 0);
    assert_int_equal(avow_ledger_verify(&events, &problems, l, NULL), 0);
    assert_int_equal(events, MANY + 300);
    assert_int_equal(problems, 0);

    free(ids);
    free(d);
    free(actors);
    avow_ledger_free(l);
    avow_key_free(key);
    tu_rmrf(dir);
    free(dir);
}

static void
test_pool__bulk_drafts_fail_at_the_first_bad_draft_in_order(void **state)
{
    (void)state;
    char *dir = NULL;
    char(*actors)[16] = NULL;
    avow_key *key = tu_key(8);
    avow_ledger *l = tu_ledger(&dir);
    avow_draft *d = batch(MANY, &actors);
    size_t failed = 0;

    /* Draft 2000 is malformed (no actor); draft 700, in an earlier chunk,
     * names an unknown contest: the earlier one is reported. */
    d[2000].actor = NULL;
    d[700].contest = "no-such-contest";
    assert_int_equal(avow_ledger_append_drafts(&failed, NULL, l, key, d, MANY), AVOW_ENOTFOUND);
    assert_int_equal(failed, 700);
    assert_int_equal(count_of(l), 0);

    /* With 700 fixed, the malformed draft is reported, with the codec's reason. */
    d[700].contest = CONTEST;
    assert_int_equal(avow_ledger_append_drafts(&failed, NULL, l, key, d, MANY), AVOW_EINVALID);
    assert_int_equal(failed, 2000);
    assert_true(strlen(avow_error_last()) > 0);
    assert_int_equal(count_of(l), 0);

    free(d);
    free(actors);
    avow_ledger_free(l);
    avow_key_free(key);
    tu_rmrf(dir);
    free(dir);
}

/* The raw bytes of every event of l, copied. */
static unsigned char **
export_all(avow_ledger *l, size_t n, size_t **lens_out)
{
    unsigned char **ev = calloc(n, sizeof(*ev));
    size_t *lens = calloc(n, sizeof(*lens));
    avow_iter *it = NULL;
    avow_event e;
    uint64_t idx;
    assert_non_null(ev);
    assert_non_null(lens);
    assert_int_equal(avow_iter_new(&it, l, NULL), 0);
    for (size_t i = 0; i < n; i++) {
        assert_int_equal(avow_iter_next(&e, &idx, it), 1);
        ev[i] = malloc(e.raw_len);
        assert_non_null(ev[i]);
        memcpy(ev[i], e.raw, e.raw_len);
        lens[i] = e.raw_len;
    }
    avow_iter_free(it);
    *lens_out = lens;
    return ev;
}

static void
test_pool__append_signed_reports_the_first_bad_signature(void **state)
{
    (void)state;
    char *dir_a = NULL, *dir_b = NULL;
    char(*actors)[16] = NULL;
    avow_key *key = tu_key(9);
    avow_ledger *a = tu_ledger(&dir_a), *b = tu_ledger(&dir_b);
    size_t n = 600, *lens = NULL, failed = 0;
    avow_draft *d = batch(n, &actors);
    avow_append_result res;
    assert_int_equal(avow_ledger_append_drafts(&failed, NULL, a, key, d, n), 0);
    unsigned char **ev = export_all(a, n, &lens);

    /* Break the signatures of events 450 and 500: 450 is named. */
    ev[450][lens[450] - 1] ^= 1;
    ev[500][lens[500] - 1] ^= 1;
    assert_int_equal(avow_ledger_append_signed(&res, b, (const unsigned char *const *)ev, lens, n),
                     AVOW_EVERIFY);
    assert_int_equal(res.failed_at, 450);
    assert_non_null(strstr(avow_error_last(), "event 450"));
    assert_int_equal(count_of(b), 0);

    /* Repaired, the whole batch goes in; again, all duplicates. */
    ev[450][lens[450] - 1] ^= 1;
    ev[500][lens[500] - 1] ^= 1;
    assert_int_equal(avow_ledger_append_signed(&res, b, (const unsigned char *const *)ev, lens, n),
                     0);
    assert_int_equal(res.appended, n);
    assert_int_equal(avow_ledger_append_signed(&res, b, (const unsigned char *const *)ev, lens, n),
                     0);
    assert_int_equal(res.duplicates, n);

    /* jobs_verify_events flags exactly the bad ones. */
    unsigned char *ok = malloc(n);
    assert_non_null(ok);
    ev[3][lens[3] - 1] ^= 1;
    lens[4] = 10; /* does not decode */
    assert_int_equal(jobs_verify_events(ok, NULL, (const unsigned char *const *)ev, lens, n), 0);
    for (size_t i = 0; i < n; i++) {
        assert_int_equal(ok[i], i != 3 && i != 4);
    }
    free(ok);

    for (size_t i = 0; i < n; i++) {
        free(ev[i]);
    }
    free(ev);
    free(lens);
    free(d);
    free(actors);
    avow_ledger_free(a);
    avow_ledger_free(b);
    avow_key_free(key);
    tu_rmrf(dir_a);
    tu_rmrf(dir_b);
    free(dir_a);
    free(dir_b);
}

/* The receive pipeline of sync (src/replicate/session.c invariant 4): jobs_verify_start()
 * flags while the caller works, and store_append_signed_checked() trusts only
 * the flags that say "verified", re-checking the others in order. */
static void
test_pool__async_verify_flags_and_checked_append_rechecks_the_rest(void **state)
{
    (void)state;
    char *dir_a = NULL, *dir_b = NULL;
    char(*actors)[16] = NULL;
    avow_key *key = tu_key(11);
    avow_ledger *a = tu_ledger(&dir_a), *b = tu_ledger(&dir_b);
    size_t n = 700, *lens = NULL, failed = 0, forks = 0;
    avow_draft *d = batch(n, &actors);
    avow_append_result res;
    pool *p = NULL;
    assert_int_equal(avow_ledger_append_drafts(&failed, NULL, a, key, d, n), 0);
    unsigned char **ev = export_all(a, n, &lens);
    unsigned char *ok = malloc(n), *want = malloc(n);
    assert_non_null(ok);
    assert_non_null(want);

    ev[123][lens[123] - 1] ^= 1;
    lens[321] = 5; /* does not decode */
    assert_int_equal(jobs_verify_events(want, NULL, (const unsigned char *const *)ev, lens, n), 0);
    assert_int_equal(pool_new(&p, (size_t)-1), 0);
    codec_hashes *hashes = calloc(n, sizeof(*hashes));
    assert_non_null(hashes);
    jobs_verify_job job = { ok, (const unsigned char *const *)ev, lens, hashes };
    memset(ok, 7, n);
    jobs_verify_start(p, &job, n);
    pool_wait(p);
    assert_memory_equal(ok, want, n);
    /* The pool hashed every verified event: id, content hash, Merkle leaf. */
    for (size_t i = 0; i < n; i++) {
        unsigned char h[32];
        if (!ok[i]) {
            continue;
        }
        crypto_hash_sha256(h, ev[i], lens[i]);
        assert_memory_equal(hashes[i].id, h, 32);
        crypto_hash_sha256(h, ev[i], lens[i] - AVOW_SIG_BYTES);
        assert_memory_equal(hashes[i].content, h, 32);
        merkle_leaf_hash(h, ev[i], lens[i]);
        assert_memory_equal(hashes[i].leaf, h, 32);
    }
    jobs_verify_start(NULL, &job, n); /* no pool: done in the caller */
    assert_memory_equal(ok, want, n);
    pool_free(p);

    /* Event 123 is flagged bad: re-checked in the transaction and named. */
    assert_int_equal(store_append_signed_checked(b, &res, &forks, (const unsigned char *const *)ev,
                                                 lens, n, ok, hashes),
                     AVOW_EVERIFY);
    assert_int_equal(res.failed_at, 123);
    assert_int_equal(count_of(b), 0);

    /* Repaired but still flagged 0: re-checked, it holds, all go in. */
    ev[123][lens[123] - 1] ^= 1;
    lens[321] = 0;
    free(ev[321]);
    ev[321] = NULL;
    assert_int_equal(store_append_signed_checked(b, &res, &forks, (const unsigned char *const *)ev,
                                                 lens, 321, ok, hashes),
                     0);
    assert_int_equal(res.appended, 321);
    assert_int_equal(count_of(b), 321);
    assert_int_equal(forks, 0);
    /* The pool's hashes went into the indexes and the tree: verify recomputes
     * every id, chain link and the Merkle root from the bytes. */
    uint64_t checked = 0, problems = 0;
    assert_int_equal(avow_ledger_verify(&checked, &problems, b, NULL), 0);
    assert_int_equal(checked, 321);
    assert_int_equal(problems, 0);
    free(hashes);

    free(ok);
    free(want);
    for (size_t i = 0; i < n; i++) {
        free(ev[i]);
    }
    free(ev);
    free(lens);
    free(d);
    free(actors);
    avow_ledger_free(a);
    avow_ledger_free(b);
    avow_key_free(key);
    tu_rmrf(dir_a);
    tu_rmrf(dir_b);
    free(dir_a);
    free(dir_b);
}

struct problems {
    size_t n;
    uint64_t index[16];
    char what[16][160];
};

static int
on_problem(const avow_problem *p, void *payload)
{
    struct problems *ps = payload;
    if (ps->n < 16) {
        ps->index[ps->n] = p->index;
        snprintf(ps->what[ps->n], sizeof(ps->what[0]), "%s", p->what);
    }
    ps->n++;
    return 0;
}

static void
test_pool__parallel_verify_reports_in_log_order(void **state)
{
    (void)state;
    char *dir = NULL;
    char path[4200];
    char(*actors)[16] = NULL;
    avow_key *key = tu_key(10);
    avow_ledger *l = tu_ledger(&dir);
    avow_draft *d = batch(MANY, &actors);
    size_t failed = 0;
    assert_int_equal(avow_ledger_append_drafts(&failed, NULL, l, key, d, MANY), 0);
    avow_ledger_free(l);

    /* Break the signatures of #2500 and #1500 (different verify chunks). */
    MDB_env *env = NULL;
    MDB_txn *txn = NULL;
    MDB_dbi dbi;
    unsigned char k[8], copy[AVOW_EVENT_MAX_BYTES];
    snprintf(path, sizeof(path), "%s/ledger", dir);
    assert_int_equal(mdb_env_create(&env), 0);
    assert_int_equal(mdb_env_set_maxdbs(env, 16), 0);
    assert_int_equal(mdb_env_open(env, path, 0, 0644), 0);
    assert_int_equal(mdb_txn_begin(env, NULL, 0, &txn), 0);
    assert_int_equal(mdb_dbi_open(txn, "events", 0, &dbi), 0);
    uint64_t bad[2] = { 2500, 1500 };
    for (int j = 0; j < 2; j++) {
        MDB_val kv = { 8, k }, v;
        be64_put(k, bad[j]);
        assert_int_equal(mdb_get(txn, dbi, &kv, &v), 0);
        memcpy(copy, v.mv_data, v.mv_size);
        copy[v.mv_size - 1] ^= 1; /* the signature only: id changes, content hash does not */
        v.mv_data = copy;
        assert_int_equal(mdb_put(txn, dbi, &kv, &v, 0), 0);
    }
    assert_int_equal(mdb_txn_commit(txn), 0);
    mdb_env_close(env);

    struct problems ps;
    memset(&ps, 0, sizeof(ps));
    avow_verify_opts opts = AVOW_VERIFY_OPTS_INIT;
    opts.on_problem = on_problem;
    opts.payload = &ps;
    uint64_t events = 0, problems = 0;
    assert_int_equal(avow_ledger_open(&l, path, AVOW_OPEN_READONLY), 0);
    assert_int_equal(avow_ledger_verify(&events, &problems, l, &opts), 0);
    assert_int_equal(events, MANY);
    assert_true(ps.n >= 2);
    /* The forward reports come first and in log order: #1500 before #2500. */
    assert_int_equal(ps.index[0], 1500);
    assert_string_equal(ps.what[0], "signature does not verify");
    size_t first2500 = 0;
    for (size_t i = 1; i < ps.n && i < 16; i++) {
        if (ps.index[i] == 2500) {
            first2500 = i;
            break;
        }
    }
    assert_true(first2500 > 0);
    for (size_t i = 0; i < first2500; i++) {
        assert_int_equal(ps.index[i], 1500);
    }
    assert_string_equal(ps.what[first2500], "signature does not verify");
    /* The changed ids make the id index disagree: the reverse pass runs and
     * names the stale entries. */
    int saw_stale = 0;
    for (size_t i = 0; i < ps.n && i < 16; i++) {
        saw_stale |= strstr(ps.what[i], "which does not match it") != NULL;
    }
    assert_true(saw_stale);
    avow_ledger_free(l);

    free(d);
    free(actors);
    avow_key_free(key);
    tu_rmrf(dir);
    free(dir);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_pool__runs_every_item_exactly_once),
        cmocka_unit_test(test_pool__null_pool_runs_in_the_caller),
        cmocka_unit_test(test_pool__bulk_signed_drafts_form_a_valid_chain),
        cmocka_unit_test(test_pool__bulk_drafts_fail_at_the_first_bad_draft_in_order),
        cmocka_unit_test(test_pool__append_signed_reports_the_first_bad_signature),
        cmocka_unit_test(test_pool__async_verify_flags_and_checked_append_rechecks_the_rest),
        cmocka_unit_test(test_pool__parallel_verify_reports_in_log_order),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
