/* SPDX-License-Identifier: ISC */
/*
 * test_store.c - the LMDB store (src/ledger/store.c): appends and reads, the chain
 * rules of signed appends, the checks on drafts, map growth, verify against
 * tampering done through LMDB directly, and two processes writing at once.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include <lmdb.h>

#include "event/codec.h"
#include "ledger/store.h"
#include "ledger/store_mdb.h"
#include "testutil.h"

#define T_2024_04_03 INT64_C(1712102400000000) /* 2024-04-03T00:00:00Z */
#define CONTEST      "nato-sg-2024"

static avow_draft
contest_draft(const char *id)
{
    avow_draft d = AVOW_DRAFT_INIT;
    d.kind = AVOW_KIND_CONTEST;
    d.effective_at = T_2024_04_03;
    d.contest = id;
    d.title = "NATO Secretary General 2024";
    d.rule = "unanimity";
    return d;
}

static avow_draft
stance_draft(const char *contest, const char *actor, int64_t at)
{
    avow_draft d = AVOW_DRAFT_INIT;
    d.kind = AVOW_KIND_STANCE;
    d.effective_at = at;
    d.contest = contest;
    d.actor = actor;
    d.candidate = "Rutte";
    d.stance = AVOW_STANCE_SUPPORTS;
    d.source = "https://example.org/source";
    d.quote = "QQQQQQQQ";
    return d;
}

/* n stances of actors named tag0, tag1, ... (names kept in actors), declared
 * at t0, t0 + 1 us, ... */
static void
fill_stances(avow_draft *drafts, char (*actors)[32], int n, const char *tag, int64_t t0)
{
    for (int i = 0; i < n; i++) {
        snprintf(actors[i], sizeof(actors[i]), "%s%d", tag, i);
        drafts[i] = stance_draft(CONTEST, actors[i], t0 + i);
    }
}

static avow_draft
retract_draft(const unsigned char *target)
{
    avow_draft d = AVOW_DRAFT_INIT;
    d.kind = AVOW_KIND_RETRACT;
    d.effective_at = T_2024_04_03;
    d.target = target;
    d.reason = "wrong source";
    return d;
}

static void
append_ok(avow_ledger *l, unsigned char *id, const avow_key *key, const avow_draft *d)
{
    int rc = avow_ledger_append(id, l, key, d);
    if (rc != 0) {
        fail_msg("append failed: %s", avow_error_last());
    }
}

static uint64_t
count_of(avow_ledger *l)
{
    uint64_t n = 0;
    assert_int_equal(avow_ledger_count(&n, l), 0);
    return n;
}

static void
ledger_path(char *out, size_t maxlen, const char *dir)
{
    snprintf(out, maxlen, "%s/ledger", dir);
}

/* Problems collected by verify. */
struct problems {
    size_t n;
    uint64_t index[64];
    char what[64][160];
};

static int
collect(const avow_problem *p, void *payload)
{
    struct problems *ps = payload;
    if (ps->n < 64) {
        ps->index[ps->n] = p->index;
        snprintf(ps->what[ps->n], sizeof(ps->what[0]), "%s", p->what);
    }
    ps->n++;
    return 0;
}

/* Collects the first problem, then stops verify with -42. */
static int
collect_one(const avow_problem *p, void *payload)
{
    (void)collect(p, payload);
    return -42;
}

static uint64_t
verify_collect(avow_ledger *l, struct problems *ps)
{
    avow_verify_opts opts = AVOW_VERIFY_OPTS_INIT;
    uint64_t events = 0, problems = 0;
    memset(ps, 0, sizeof(*ps));
    opts.on_problem = collect;
    opts.payload = ps;
    assert_int_equal(avow_ledger_verify(&events, &problems, l, &opts), 0);
    assert_int_equal(problems, ps->n);
    return problems;
}

/* A ledger with a contest, n stances by key, and its events' raw bytes in raws[]. */
static avow_ledger *
small_ledger(char **dir, const avow_key *key, size_t n)
{
    avow_ledger *l = tu_ledger(dir);
    avow_draft c = contest_draft(CONTEST);
    append_ok(l, NULL, key, &c);
    for (size_t i = 0; i < n; i++) {
        char actor[32];
        snprintf(actor, sizeof(actor), "A%zu", i);
        avow_draft d = stance_draft(CONTEST, actor, T_2024_04_03 + (int64_t)i);
        append_ok(l, NULL, key, &d);
    }
    return l;
}

/* Copies of every event's bytes, in log order. */
static size_t
export_all(avow_ledger *l, unsigned char **raws, size_t *lens, size_t max)
{
    avow_iter *it = NULL;
    avow_event ev;
    uint64_t index;
    size_t n = 0;
    int rc;
    assert_int_equal(avow_iter_new(&it, l, NULL), 0);
    while ((rc = avow_iter_next(&ev, &index, it)) == 1) {
        assert_true(n < max);
        assert_int_equal(index, n);
        raws[n] = malloc(ev.raw_len);
        assert_non_null(raws[n]);
        memcpy(raws[n], ev.raw, ev.raw_len);
        lens[n] = ev.raw_len;
        n++;
    }
    assert_int_equal(rc, 0);
    avow_iter_free(it);
    return n;
}

static void
free_all(unsigned char **raws, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        free(raws[i]);
    }
}

static int
record_progress(uint64_t done, uint64_t total, void *payload)
{
    uint64_t *p = payload;
    p[0] = done;
    p[1] = total;
    return 0;
}

static void
test_store__init_refuses_existing_ledger_and_open_needs_one(void **state)
{
    (void)state;
    char *dir = tu_tempdir();
    char path[4200];
    avow_ledger *l = NULL;
    ledger_path(path, sizeof(path), dir);
    assert_int_equal(avow_ledger_open(&l, path, 0), AVOW_ENOTFOUND);
    assert_non_null(strstr(avow_error_last(), "run avow init"));
    assert_int_equal(avow_ledger_init(path, NULL), 0);
    assert_int_equal(avow_ledger_init(path, "other"), AVOW_EEXISTS);
    assert_int_equal(avow_ledger_open(&l, path, 0), 0);
    assert_int_equal(strncmp(avow_ledger_origin(l), "avow/", 5), 0);
    assert_int_equal(strlen(avow_ledger_origin(l)), 5 + 16);
    assert_int_equal(count_of(l), 0);
    avow_ledger_free(l);

    /* Read-only handles read but refuse to write. */
    avow_key *key = tu_key(1);
    avow_draft c = contest_draft(CONTEST);
    assert_int_equal(avow_ledger_open(&l, path, AVOW_OPEN_READONLY), 0);
    assert_int_equal(avow_ledger_append(NULL, l, key, &c), AVOW_EINVALID);
    assert_int_equal(count_of(l), 0);
    avow_ledger_free(l);
    avow_key_free(key);
    tu_rmrf(dir);
    free(dir);
}

static void
test_store__appends_reads_back_and_iterates(void **state)
{
    (void)state;
    char *dir = NULL;
    avow_key *key = tu_key(1), *other = tu_key(2);
    avow_ledger *l = tu_ledger(&dir);
    unsigned char cid[32], sid[32], s2id[32], rid[32], oid[32], id[32], hash[32];
    avow_buf buf = AVOW_BUF_INIT;
    uint64_t index, seq;
    char hex[65];

    assert_string_equal(avow_ledger_origin(l), "test.avow/ledger");
    avow_draft c = contest_draft(CONTEST);
    append_ok(l, cid, key, &c);
    avow_draft c2 = contest_draft("other-contest");
    append_ok(l, NULL, key, &c2);
    avow_draft s = stance_draft(CONTEST, "LT", T_2024_04_03);
    append_ok(l, sid, key, &s);
    avow_draft s2 = stance_draft("other-contest", "LT", T_2024_04_03);
    append_ok(l, s2id, key, &s2);
    avow_draft r = retract_draft(sid);
    append_ok(l, rid, key, &r);
    avow_draft o = stance_draft(CONTEST, "HU", T_2024_04_03);
    append_ok(l, oid, other, &o);
    assert_int_equal(count_of(l), 6);
    assert_int_equal(avow_ledger_has_contest(l, CONTEST), 1);
    assert_int_equal(avow_ledger_has_contest(l, "nope"), 0);

    /* get returns the signed bytes, whose id is the one append gave. */
    assert_int_equal(avow_ledger_get(&buf, &index, l, sid), 0);
    assert_int_equal(index, 2);
    avow_event ev;
    assert_int_equal(avow_event_decode(&ev, buf.ptr, buf.len), 0);
    avow_event_id(id, &ev);
    assert_memory_equal(id, sid, 32);
    assert_int_equal(ev.seq, 3);
    memset(id, 0xee, sizeof(id));
    assert_int_equal(avow_ledger_get(&buf, NULL, l, id), AVOW_ENOTFOUND);

    /* head: seq and content hash of the author's last event. */
    assert_int_equal(avow_ledger_head(&seq, hash, l, avow_key_public(key)), 0);
    assert_int_equal(seq, 5);
    assert_int_equal(avow_ledger_get(&buf, NULL, l, rid), 0);
    assert_int_equal(avow_event_decode(&ev, buf.ptr, buf.len), 0);
    avow_event_content_hash(id, &ev);
    assert_memory_equal(hash, id, 32);
    assert_int_equal(avow_ledger_head(&seq, hash, l, avow_key_public(other)), 0);
    assert_int_equal(seq, 1);
    unsigned char nobody[32] = { 9 };
    assert_int_equal(avow_ledger_head(&seq, hash, l, nobody), 0);
    assert_int_equal(seq, 0);

    /* resolve_id: a prefix, either case, odd length; too short is refused. */
    avow_hex(hex, oid, 32);
    hex[9] = '\0';
    assert_int_equal(avow_ledger_resolve_id(id, l, hex), 0);
    assert_memory_equal(id, oid, 32);
    for (char *p = hex; *p; p++) {
        if (*p >= 'a' && *p <= 'f') {
            *p = (char)(*p - 'a' + 'A');
        }
    }
    assert_int_equal(avow_ledger_resolve_id(id, l, hex), 0);
    assert_memory_equal(id, oid, 32);
    hex[7] = '\0';
    assert_int_equal(avow_ledger_resolve_id(id, l, hex), AVOW_EINVALID);
    assert_int_equal(avow_ledger_resolve_id(id, l, "zzzzzzzz"), AVOW_EINVALID);
    avow_hex(hex, oid, 32);
    hex[12] = hex[12] == '0' ? '1' : '0';
    assert_int_equal(avow_ledger_resolve_id(id, l, hex), AVOW_ENOTFOUND);

    /* Iterate: everything, from an index, by author, by contest (with the retraction). */
    avow_iter *it = NULL;
    avow_iter_opts opts = AVOW_ITER_OPTS_INIT;
    uint64_t seen[8];
    size_t n = 0;
    int rc;
    assert_int_equal(avow_iter_new(&it, l, &opts), 0);
    while ((rc = avow_iter_next(&ev, &index, it)) == 1) {
        seen[n++] = index;
    }
    assert_int_equal(rc, 0);
    avow_iter_free(it);
    assert_int_equal(n, 6);
    for (size_t i = 0; i < n; i++) {
        assert_int_equal(seen[i], i);
    }

    opts.start = 4;
    n = 0;
    assert_int_equal(avow_iter_new(&it, l, &opts), 0);
    while (avow_iter_next(&ev, &index, it) == 1) {
        seen[n++] = index;
    }
    avow_iter_free(it);
    assert_int_equal(n, 2);
    assert_int_equal(seen[0], 4);

    opts.start = 0;
    opts.author = avow_key_public(other);
    n = 0;
    assert_int_equal(avow_iter_new(&it, l, &opts), 0);
    while (avow_iter_next(&ev, &index, it) == 1) {
        seen[n++] = index;
        assert_memory_equal(ev.author, avow_key_public(other), 32);
    }
    avow_iter_free(it);
    assert_int_equal(n, 1);
    assert_int_equal(seen[0], 5);

    opts.author = NULL;
    opts.contest = CONTEST;
    n = 0;
    assert_int_equal(avow_iter_new(&it, l, &opts), 0);
    while (avow_iter_next(&ev, &index, it) == 1) {
        seen[n++] = index;
    }
    avow_iter_free(it);
    assert_int_equal(n, 4); /* contest, stance, its retraction, the other author's stance */
    assert_int_equal(seen[0], 0);
    assert_int_equal(seen[1], 2);
    assert_int_equal(seen[2], 4);
    assert_int_equal(seen[3], 5);

    opts.contest = CONTEST;
    opts.author = avow_key_public(key);
    n = 0;
    assert_int_equal(avow_iter_new(&it, l, &opts), 0);
    while (avow_iter_next(&ev, &index, it) == 1) {
        seen[n++] = index;
    }
    avow_iter_free(it);
    assert_int_equal(n, 3);

    /* The by-time index holds the contest's events, the retraction among them. */
    MDB_txn *txn = NULL;
    MDB_cursor *cur = NULL;
    MDB_val k = { sizeof(CONTEST), (void *)(uintptr_t)CONTEST }, v;
    assert_int_equal(mdb_txn_begin(store_env(l), NULL, MDB_RDONLY, &txn), 0);
    assert_int_equal(mdb_cursor_open(txn, store_dbi(l, STORE_DB_BYTIME), &cur), 0);
    n = 0;
    for (rc = mdb_cursor_get(cur, &k, &v, MDB_SET_RANGE);
         rc == 0 && k.mv_size > sizeof(CONTEST) && memcmp(k.mv_data, CONTEST, sizeof(CONTEST)) == 0;
         rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) {
        seen[n++] = be64_get(v.mv_data);
    }
    mdb_cursor_close(cur);
    mdb_txn_abort(txn);
    assert_int_equal(n, 4);

    struct problems ps;
    assert_int_equal(verify_collect(l, &ps), 0);
    avow_verify_opts vopts = AVOW_VERIFY_OPTS_INIT;
    uint64_t progress[2] = { 0, 0 }, events = 0, problems = 1;
    vopts.on_progress = record_progress;
    vopts.payload = progress;
    assert_int_equal(avow_ledger_verify(&events, &problems, l, &vopts), 0);
    assert_int_equal(events, 6);
    assert_int_equal(problems, 0);
    assert_int_equal(progress[0], 6);
    assert_int_equal(progress[1], 6);

    /* The data survives a reopen. */
    char path[4200];
    ledger_path(path, sizeof(path), dir);
    avow_ledger_free(l);
    assert_int_equal(avow_ledger_open(&l, path, AVOW_OPEN_READONLY), 0);
    assert_int_equal(count_of(l), 6);
    assert_int_equal(avow_ledger_get(&buf, &index, l, oid), 0);
    assert_int_equal(index, 5);
    assert_int_equal(verify_collect(l, &ps), 0);

    avow_buf_dispose(&buf);
    avow_ledger_free(l);
    avow_key_free(key);
    avow_key_free(other);
    tu_rmrf(dir);
    free(dir);
}

/* Invariant 9 for signed batches: large enough to queue their ids, they
 * tell a duplicate (present before, or twice in the batch) from a fork by
 * (author, seq) alone, and leave an id index that finds every event. */
static void
test_store__queued_signed_batches_tell_duplicates_from_forks(void **state)
{
    (void)state;
    enum { N = 151, MAX = 160 };
    static unsigned char *raws[MAX], *other[MAX];
    static const unsigned char *batch[MAX];
    static size_t lens[MAX], other_lens[MAX], blens[MAX];
    char *dir_a = NULL, *dir_o = NULL, *dir_b = NULL, *dir_c = NULL;
    avow_key *key = tu_key(1);
    avow_ledger *a = small_ledger(&dir_a, key, N - 1);
    avow_ledger *o = small_ledger(&dir_o, key, 99); /* same key, other times: forks */
    avow_ledger *b = tu_ledger(&dir_b);
    avow_ledger *c = tu_ledger(&dir_c);
    avow_append_result res;
    size_t forks = 0;
    assert_int_equal(export_all(a, raws, lens, MAX), N);
    assert_int_equal(export_all(o, other, other_lens, MAX), 100);

    assert_int_equal(
      avow_ledger_append_signed(&res, b, (const unsigned char *const *)raws, lens, 50), 0);
    for (size_t i = 0; i < N; i++) {
        batch[i] = raws[i];
        blens[i] = lens[i];
    }
    batch[N] = raws[10];
    blens[N] = lens[10];
    assert_int_equal(avow_ledger_append_signed(&res, b, batch, blens, N + 1), 0);
    assert_int_equal(res.appended, N - 50);
    assert_int_equal(res.duplicates, 51);
    assert_int_equal(count_of(b), N);
    for (size_t i = 0; i < N; i++) {
        avow_event ev;
        unsigned char id[AVOW_EVENT_ID_BYTES];
        uint64_t index = 0;
        avow_buf out = AVOW_BUF_INIT;
        assert_int_equal(avow_event_decode(&ev, raws[i], lens[i]), 0);
        avow_event_id(id, &ev);
        assert_int_equal(avow_ledger_get(&out, &index, b, id), 0);
        assert_int_equal(index, i);
        avow_buf_dispose(&out);
    }
    struct problems ps;
    assert_int_equal(verify_collect(b, &ps), 0);

    /* Event 70 of the other ledger takes the place of this one's: a fork. */
    batch[100] = other[70];
    blens[100] = other_lens[70];
    assert_int_equal(avow_ledger_append_signed(&res, c, batch, blens, 101), AVOW_ECHAIN);
    assert_int_equal(res.failed_at, 100);
    assert_int_equal(count_of(c), 0);
    /* Kept as evidence where forks are kept (sync, bundles). */
    assert_int_equal(store_append_signed_keep_forks(c, &res, &forks, batch, blens, 101), 0);
    assert_int_equal(res.appended, 100);
    assert_int_equal(forks, 1);
    assert_int_equal(count_of(c), 100);

    free_all(raws, N);
    free_all(other, 100);
    tu_ledger_done(a, dir_a);
    tu_ledger_done(o, dir_o);
    tu_ledger_done(b, dir_b);
    tu_ledger_done(c, dir_c);
    avow_key_free(key);
}

static void
test_store__append_signed_is_idempotent(void **state)
{
    (void)state;
    char *dir_a = NULL, *dir_b = NULL;
    avow_key *key = tu_key(1);
    avow_ledger *a = small_ledger(&dir_a, key, 5);
    unsigned char *raws[16];
    size_t lens[16];
    size_t n = export_all(a, raws, lens, 16);
    assert_int_equal(n, 6);

    avow_ledger *b = tu_ledger(&dir_b);
    avow_append_result res;
    assert_int_equal(
      avow_ledger_append_signed(&res, b, (const unsigned char *const *)raws, lens, n), 0);
    assert_int_equal(res.appended, 6);
    assert_int_equal(res.duplicates, 0);
    assert_int_equal(
      avow_ledger_append_signed(&res, b, (const unsigned char *const *)raws, lens, n), 0);
    assert_int_equal(res.appended, 0);
    assert_int_equal(res.duplicates, 6);
    assert_int_equal(count_of(b), 6);

    /* The same event twice in one batch is stored once. */
    char *dir_c = NULL;
    avow_ledger *c = tu_ledger(&dir_c);
    const unsigned char *twice[3] = { raws[0], raws[1], raws[0] };
    size_t twice_lens[3] = { lens[0], lens[1], lens[0] };
    assert_int_equal(avow_ledger_append_signed(&res, c, twice, twice_lens, 3), 0);
    assert_int_equal(res.appended, 2);
    assert_int_equal(res.duplicates, 1);
    assert_int_equal(count_of(c), 2);
    avow_ledger_free(c);
    tu_rmrf(dir_c);
    free(dir_c);

    struct problems ps;
    assert_int_equal(verify_collect(b, &ps), 0);
    /* Both ledgers now hold identical logs. */
    unsigned char *raws_b[16];
    size_t lens_b[16];
    assert_int_equal(export_all(b, raws_b, lens_b, 16), n);
    for (size_t i = 0; i < n; i++) {
        assert_int_equal(lens_b[i], lens[i]);
        assert_memory_equal(raws_b[i], raws[i], lens[i]);
    }
    free_all(raws_b, n);
    free_all(raws, n);
    avow_ledger_free(a);
    avow_ledger_free(b);
    avow_key_free(key);
    tu_rmrf(dir_a);
    tu_rmrf(dir_b);
    free(dir_a);
    free(dir_b);
}

static void
test_store__refuses_broken_chain_and_stores_nothing(void **state)
{
    (void)state;
    char *dir_a = NULL, *dir_b = NULL;
    avow_key *key = tu_key(1);
    avow_ledger *a = small_ledger(&dir_a, key, 3);
    unsigned char *raws[8];
    size_t lens[8];
    size_t n = export_all(a, raws, lens, 8);
    assert_int_equal(n, 4);

    avow_ledger *b = tu_ledger(&dir_b);
    avow_append_result res;
    /* seq 1, 2, then 4: a gap. */
    const unsigned char *batch[3] = { raws[0], raws[1], raws[3] };
    size_t blens[3] = { lens[0], lens[1], lens[3] };
    assert_int_equal(avow_ledger_append_signed(&res, b, batch, blens, 3), AVOW_ECHAIN);
    assert_int_equal(res.failed_at, 2);
    assert_int_equal(res.appended, 0);
    assert_int_equal(count_of(b), 0);

    /* A broken signature is refused the same way. */
    unsigned char bad[AVOW_EVENT_MAX_BYTES];
    memcpy(bad, raws[1], lens[1]);
    bad[lens[1] - 1] ^= 1;
    const unsigned char *batch2[2] = { raws[0], bad };
    assert_int_equal(avow_ledger_append_signed(&res, b, batch2, lens, 2), AVOW_EVERIFY);
    assert_int_equal(res.failed_at, 1);
    assert_int_equal(count_of(b), 0);

    /* Bytes that do not decode. */
    const unsigned char *batch3[1] = { bad };
    size_t short_len = 10;
    assert_int_equal(avow_ledger_append_signed(&res, b, batch3, &short_len, 1), AVOW_EFORMAT);
    assert_int_equal(count_of(b), 0);

    /* The chain in order is accepted, and later events continue it. */
    assert_int_equal(
      avow_ledger_append_signed(&res, b, (const unsigned char *const *)raws, lens, 2), 0);
    assert_int_equal(
      avow_ledger_append_signed(&res, b, (const unsigned char *const *)raws + 2, lens + 2, 2), 0);
    assert_int_equal(res.appended, 2);
    assert_int_equal(count_of(b), 4);

    free_all(raws, n);
    avow_ledger_free(a);
    avow_ledger_free(b);
    avow_key_free(key);
    tu_rmrf(dir_a);
    tu_rmrf(dir_b);
    free(dir_a);
    free(dir_b);
}

static void
test_store__detects_fork(void **state)
{
    (void)state;
    char *dir = NULL;
    avow_key *key = tu_key(1);
    avow_ledger *l = small_ledger(&dir, key, 2);
    unsigned char *raws[4];
    size_t lens[4];
    size_t n = export_all(l, raws, lens, 4);
    assert_int_equal(n, 3);

    /* A second, different seq 2 linked to seq 1: the author equivocates. */
    avow_event first;
    unsigned char prev[32];
    assert_int_equal(avow_event_decode(&first, raws[0], lens[0]), 0);
    avow_event_content_hash(prev, &first);
    avow_draft d = stance_draft(CONTEST, "XX", T_2024_04_03);
    avow_buf forked = AVOW_BUF_INIT;
    assert_int_equal(avow_event_sign(&forked, &d, key, 2, prev, avow_time_now()), 0);
    avow_append_result res;
    const unsigned char *batch[1] = { forked.ptr };
    assert_int_equal(avow_ledger_append_signed(&res, l, batch, &forked.len, 1), AVOW_ECHAIN);
    assert_non_null(strstr(avow_error_last(), "fork: author "));
    assert_non_null(strstr(avow_error_last(), " seq 2"));
    assert_int_equal(count_of(l), 3);

    avow_buf_dispose(&forked);
    free_all(raws, n);
    avow_ledger_free(l);
    avow_key_free(key);
    tu_rmrf(dir);
    free(dir);
}

static void
test_store__refuses_retraction_of_another_authors_event(void **state)
{
    (void)state;
    char *dir = NULL;
    avow_key *key = tu_key(1), *other = tu_key(2);
    avow_ledger *l = tu_ledger(&dir);
    unsigned char sid[32], missing[32];
    avow_draft c = contest_draft(CONTEST);
    append_ok(l, NULL, key, &c);
    avow_draft s = stance_draft(CONTEST, "LT", T_2024_04_03);
    append_ok(l, sid, key, &s);

    avow_draft r = retract_draft(sid);
    assert_int_equal(avow_ledger_append(NULL, l, other, &r), AVOW_EINVALID);
    memset(missing, 0x42, sizeof(missing));
    avow_draft r2 = retract_draft(missing);
    assert_int_equal(avow_ledger_append(NULL, l, key, &r2), AVOW_ENOTFOUND);
    assert_int_equal(count_of(l), 2);
    append_ok(l, NULL, key, &r);
    assert_int_equal(count_of(l), 3);

    avow_ledger_free(l);
    avow_key_free(key);
    avow_key_free(other);
    tu_rmrf(dir);
    free(dir);
}

static void
test_store__refuses_unknown_contest_and_redefinition(void **state)
{
    (void)state;
    char *dir = NULL;
    avow_key *key = tu_key(1);
    avow_ledger *l = tu_ledger(&dir);
    avow_draft s = stance_draft("nope", "LT", T_2024_04_03);
    assert_int_equal(avow_ledger_append(NULL, l, key, &s), AVOW_ENOTFOUND);
    avow_draft bad = AVOW_DRAFT_INIT; /* kind 0: the codec refuses it */
    assert_int_equal(avow_ledger_append(NULL, l, key, &bad), AVOW_EINVALID);
    assert_int_equal(count_of(l), 0);

    /* A batch may use a contest it defines; a failing draft voids the batch. */
    avow_draft batch[3] = { contest_draft(CONTEST), stance_draft(CONTEST, "LT", T_2024_04_03),
                            stance_draft("nope", "HU", T_2024_04_03) };
    size_t failed_at = 99;
    assert_int_equal(avow_ledger_append_drafts(&failed_at, NULL, l, key, batch, 3), AVOW_ENOTFOUND);
    assert_int_equal(failed_at, 2);
    assert_int_equal(count_of(l), 0);
    assert_int_equal(avow_ledger_has_contest(l, CONTEST), 0);
    assert_int_equal(avow_ledger_append_drafts(&failed_at, NULL, l, key, batch, 2), 0);
    assert_int_equal(count_of(l), 2);

    avow_draft c = contest_draft(CONTEST);
    assert_int_equal(avow_ledger_append(NULL, l, key, &c), AVOW_EEXISTS);
    assert_int_equal(count_of(l), 2);

    uint64_t seq;
    unsigned char hash[32];
    assert_int_equal(avow_ledger_head(&seq, hash, l, avow_key_public(key)), 0);
    assert_int_equal(seq, 2);

    avow_ledger_free(l);
    avow_key_free(key);
    tu_rmrf(dir);
    free(dir);
}

/* Append the stance of actor by key, signed here with a recorded time of
 * `at`: a head in the future makes the next batch's times, hence its ids, known
 * in advance (a batch records max(now, the head's time)). */
static void
append_recorded_at(avow_ledger *l, const avow_key *key, const char *actor, int64_t at)
{
    const unsigned char *pk = avow_key_public(key);
    avow_buf m = AVOW_BUF_INIT;
    unsigned char prev[AVOW_HASH_BYTES];
    uint64_t seq = 0;
    avow_append_result ar;
    avow_draft d = stance_draft(CONTEST, actor, T_2024_04_03);
    assert_int_equal(avow_ledger_head(&seq, prev, l, pk), 0);
    assert_int_equal(codec_encode_message(&m, &d, pk, seq + 1, prev, at), 0);
    assert_int_equal(buf_grow(&m, AVOW_SIG_BYTES), 0);
    codec_sign_message(m.ptr + m.len, m.ptr, m.len, key);
    m.len += AVOW_SIG_BYTES;
    const unsigned char *p = m.ptr;
    assert_int_equal(avow_ledger_append_signed(&ar, l, &p, &m.len, 1), 0);
    assert_int_equal(ar.appended, 1);
    avow_buf_dispose(&m);
}

/* Invariant 9: a batch writes its ids last, in key order, and a lookup by id
 * in its transaction writes the queue first. The batch retracts one of its
 * own events (its id learnt from the same batch appended to a twin ledger):
 * the lookup of that target must find an id queued a moment before. The page
 * budget is zero, so the map's pages are dropped behind each step of the
 * writes. Afterwards every id leads to its event. */
static void
test_store__batch_ids_are_written_in_key_order_and_found(void **state)
{
    (void)state;
    enum { BATCH = 600, TARGET = 100, RETRACT = 300 };
    static char actors[BATCH][32];
    static avow_draft drafts[BATCH];
    static unsigned char ids[BATCH * AVOW_EVENT_ID_BYTES];
    const int64_t future = INT64_C(4102444800000000); /* 2100-01-01 */
    char *dir = NULL, *dir2 = NULL;
    avow_key *key = tu_key(3);
    avow_ledger *l = tu_ledger(&dir);
    avow_ledger *twin = tu_ledger(&dir2);
    avow_draft c = contest_draft(CONTEST);
    size_t failed_at = 0;
    int rc;
    fill_stances(drafts, actors, BATCH, "B", T_2024_04_03);
    /* The same head on both: the contest's bytes, then a stance from 2100. */
    unsigned char cid[AVOW_EVENT_ID_BYTES];
    avow_buf craw = AVOW_BUF_INIT;
    avow_append_result ar;
    append_ok(l, cid, key, &c);
    assert_int_equal(avow_ledger_get(&craw, NULL, l, cid), 0);
    const unsigned char *cp = craw.ptr;
    assert_int_equal(avow_ledger_append_signed(&ar, twin, &cp, &craw.len, 1), 0);
    avow_buf_dispose(&craw);
    append_recorded_at(l, key, "early", future);
    append_recorded_at(twin, key, "early", future);

    rc = avow_ledger_append_drafts(&failed_at, ids, twin, key, drafts, RETRACT);
    if (rc != 0) {
        fail_msg("twin batch failed at %zu: %s", failed_at, avow_error_last());
    }
    unsigned char target[AVOW_EVENT_ID_BYTES];
    memcpy(target, ids + TARGET * AVOW_EVENT_ID_BYTES, AVOW_EVENT_ID_BYTES);
    drafts[RETRACT] = retract_draft(target);

    store_test_rss_budget(0);
    rc = avow_ledger_append_drafts(&failed_at, ids, l, key, drafts, BATCH);
    store_test_rss_budget(STORE_RSS_BUDGET);
    if (rc != 0) {
        fail_msg("batch failed at %zu: %s", failed_at, avow_error_last());
    }
    assert_memory_equal(ids + TARGET * AVOW_EVENT_ID_BYTES, target, AVOW_EVENT_ID_BYTES);
    for (int i = 0; i < BATCH; i++) {
        avow_buf out = AVOW_BUF_INIT;
        avow_event ev;
        unsigned char id[AVOW_EVENT_ID_BYTES];
        uint64_t index = 0;
        assert_int_equal(avow_ledger_get(&out, &index, l, ids + i * AVOW_EVENT_ID_BYTES), 0);
        assert_int_equal(index, 2 + (uint64_t)i);
        assert_int_equal(avow_event_decode(&ev, out.ptr, out.len), 0);
        avow_event_id(id, &ev);
        assert_memory_equal(id, ids + i * AVOW_EVENT_ID_BYTES, AVOW_EVENT_ID_BYTES);
        assert_int_equal(ev.seq, 3 + (uint64_t)i);
        assert_int_equal(ev.kind, i == RETRACT ? AVOW_KIND_RETRACT : AVOW_KIND_STANCE);
        avow_buf_dispose(&out);
    }
    struct problems ps;
    assert_int_equal(verify_collect(l, &ps), 0);

    tu_ledger_done(l, dir);
    tu_ledger_done(twin, dir2);
    avow_key_free(key);
}

/* Invariant 10: a batch grows a map too small for it before it starts,
 * instead of filling it and being redone whole (signatures and all). */
static void
test_store__batch_grows_the_map_before_it_starts(void **state)
{
    (void)state;
    enum { BATCH = 2000 };
    static char actors[BATCH][32];
    static avow_draft drafts[BATCH];
    static const unsigned char *ptrs[BATCH + 1];
    static size_t lens[BATCH + 1];
    static unsigned char *raws[BATCH + 1];
    char *dir = NULL, *dir2 = NULL;
    avow_key *key = tu_key(3);
    store_test_initial_map(128 * 1024);
    avow_ledger *l = tu_ledger(&dir);
    avow_ledger *l2 = tu_ledger(&dir2);
    store_test_initial_map(0);
    avow_draft c = contest_draft(CONTEST);
    append_ok(l, NULL, key, &c);

    fill_stances(drafts, actors, BATCH, "G", T_2024_04_03);
    unsigned long redone = store_test_redone();
    size_t failed_at = 0;
    int rc = avow_ledger_append_drafts(&failed_at, NULL, l, key, drafts, BATCH);
    if (rc != 0) {
        fail_msg("batch failed at %zu: %s", failed_at, avow_error_last());
    }
    assert_int_equal(store_test_redone(), redone);
    assert_int_equal(count_of(l), 1 + BATCH);

    /* The same for a batch of signed events. */
    size_t n = export_all(l, raws, lens, BATCH + 1);
    assert_int_equal(n, 1 + BATCH);
    for (size_t i = 0; i < n; i++) {
        ptrs[i] = raws[i];
    }
    avow_append_result ar;
    assert_int_equal(avow_ledger_append_signed(&ar, l2, ptrs, lens, n), 0);
    assert_int_equal(ar.appended, n);
    assert_int_equal(store_test_redone(), redone);
    free_all(raws, n);
    struct problems ps;
    assert_int_equal(verify_collect(l2, &ps), 0);

    tu_ledger_done(l, dir);
    tu_ledger_done(l2, dir2);
    avow_key_free(key);
}

static void
test_store__grows_a_tiny_map(void **state)
{
    (void)state;
    char *dir = NULL;
    avow_key *key = tu_key(3);
    size_t initial = 128 * 1024;
    store_test_initial_map(initial);
    avow_ledger *l = tu_ledger(&dir);
    store_test_initial_map(0);
    avow_draft c = contest_draft(CONTEST);
    append_ok(l, NULL, key, &c);

    enum { BATCH = 250, BATCHES = 12 };
    char actors[BATCH][32];
    avow_draft drafts[BATCH];
    for (int b = 0; b < BATCHES; b++) {
        char tag[16];
        snprintf(tag, sizeof(tag), "M%d-", b);
        fill_stances(drafts, actors, BATCH, tag, T_2024_04_03 + b * BATCH);
        size_t failed_at = 0;
        int rc = avow_ledger_append_drafts(&failed_at, NULL, l, key, drafts, BATCH);
        if (rc != 0) {
            fail_msg("batch %d failed at %zu: %s", b, failed_at, avow_error_last());
        }
    }
    /* Single appends grow it too. */
    for (int i = 0; i < 20; i++) {
        avow_draft d = stance_draft(CONTEST, "single", T_2024_04_03 + i);
        append_ok(l, NULL, key, &d);
    }
    assert_int_equal(count_of(l), 1 + BATCH * BATCHES + 20);
    MDB_envinfo info;
    assert_int_equal(mdb_env_info(store_env(l), &info), 0);
    assert_true(info.me_mapsize > initial);

    struct problems ps;
    assert_int_equal(verify_collect(l, &ps), 0);
    uint64_t seq;
    unsigned char hash[32];
    assert_int_equal(avow_ledger_head(&seq, hash, l, avow_key_public(key)), 0);
    assert_int_equal(seq, 1 + BATCH * BATCHES + 20);

    avow_ledger_free(l);
    avow_key_free(key);
    tu_rmrf(dir);
    free(dir);
}

/* Open the ledger's environment with the LMDB API, as an attacker with file access would. */
static void
raw_open(const char *path, MDB_env **env, MDB_txn **txn)
{
    assert_int_equal(mdb_env_create(env), 0);
    assert_int_equal(mdb_env_set_maxdbs(*env, 16), 0);
    assert_int_equal(mdb_env_open(*env, path, 0, 0644), 0);
    assert_int_equal(mdb_txn_begin(*env, NULL, 0, txn), 0);
}

static void
test_store__verify_reports_exactly_the_tampered_event(void **state)
{
    (void)state;
    char *dir = NULL;
    char path[4200];
    avow_key *key = tu_key(1);
    avow_ledger *l = small_ledger(&dir, key, 5);
    struct problems ps;
    assert_int_equal(verify_collect(l, &ps), 0);
    avow_ledger_free(l);
    ledger_path(path, sizeof(path), dir);

    /* Change one byte of the quote of event #3 (seq 4 of 6 of its author). */
    MDB_env *env = NULL;
    MDB_txn *txn = NULL;
    MDB_dbi dbi;
    unsigned char k[8], copy[AVOW_EVENT_MAX_BYTES];
    raw_open(path, &env, &txn);
    assert_int_equal(mdb_dbi_open(txn, "events", 0, &dbi), 0);
    be64_put(k, 3);
    MDB_val key_val = { 8, k }, v;
    assert_int_equal(mdb_get(txn, dbi, &key_val, &v), 0);
    memcpy(copy, v.mv_data, v.mv_size);
    unsigned char *q = memchr(copy, 'Q', v.mv_size);
    assert_non_null(q);
    *q = 'R';
    v.mv_data = copy;
    assert_int_equal(mdb_put(txn, dbi, &key_val, &v, 0), 0);
    assert_int_equal(mdb_txn_commit(txn), 0);
    mdb_env_close(env);

    assert_int_equal(avow_ledger_open(&l, path, 0), 0);
    assert_true(verify_collect(l, &ps) > 0);
    int saw_signature = 0;
    for (size_t i = 0; i < ps.n && i < 64; i++) {
        assert_int_equal(ps.index[i], 3);
        saw_signature |= strcmp(ps.what[i], "signature does not verify") == 0;
    }
    assert_true(saw_signature);
    avow_ledger_free(l);
    avow_key_free(key);
    tu_rmrf(dir);
    free(dir);
}

/* verify checks the id index by a keyed sum (src/ledger/verify.c invariant 6), not
 * one probe per event: an entry that points at the wrong event, or swapped
 * values that keep the same set of indexes, or an entry of no event, must
 * still be found and named. */
static void
test_store__verify_finds_wrong_id_entries_without_probing(void **state)
{
    (void)state;
    char *dir = NULL;
    char path[4200];
    avow_key *key = tu_key(1);
    avow_ledger *l = small_ledger(&dir, key, 6);
    unsigned char ids[7][32];
    avow_iter *it = NULL;
    avow_event ev;
    uint64_t index;
    struct problems ps;

    assert_int_equal(verify_collect(l, &ps), 0);
    assert_int_equal(avow_iter_new(&it, l, NULL), 0);
    while (avow_iter_next(&ev, &index, it) == 1) {
        assert_true(index < 7);
        avow_event_id(ids[index], &ev);
    }
    avow_iter_free(it);
    avow_ledger_free(l);
    ledger_path(path, sizeof(path), dir);

    for (int round = 0; round < 2; round++) {
        MDB_env *env = NULL;
        MDB_txn *txn = NULL;
        MDB_dbi db;
        unsigned char v1[8], v2[8], bogus[32];
        raw_open(path, &env, &txn);
        assert_int_equal(mdb_dbi_open(txn, "ids", 0, &db), 0);
        MDB_val k1 = { 32, ids[1] }, k4 = { 32, ids[4] };
        if (round == 0) {
            /* Swap the values of #1 and #4: the same indexes, wrong pairs. */
            be64_put(v1, 4);
            be64_put(v2, 1);
        } else {
            /* Restore them, and add an entry of no event pointing at #2. */
            be64_put(v1, 1);
            be64_put(v2, 4);
            memset(bogus, 0xab, sizeof(bogus));
            MDB_val kb = { 32, bogus }, vb = { 8, v1 };
            unsigned char two[8];
            be64_put(two, 2);
            vb.mv_data = two;
            assert_int_equal(mdb_put(txn, db, &kb, &vb, 0), 0);
        }
        MDB_val a = { 8, v1 }, b = { 8, v2 };
        assert_int_equal(mdb_put(txn, db, &k1, &a, 0), 0);
        assert_int_equal(mdb_put(txn, db, &k4, &b, 0), 0);
        assert_int_equal(mdb_txn_commit(txn), 0);
        mdb_env_close(env);

        assert_int_equal(avow_ledger_open(&l, path, 0), 0);
        int saw1 = 0, saw4 = 0, saw_bogus = 0;
        assert_true(verify_collect(l, &ps) > 0);
        for (size_t i = 0; i < ps.n && i < 64; i++) {
            saw1 |= ps.index[i] == 1 &&
                    strcmp(ps.what[i], "id index entry points at #4 but the event is #1") == 0;
            saw4 |= ps.index[i] == 4 &&
                    strcmp(ps.what[i], "id index entry points at #1 but the event is #4") == 0;
            saw_bogus |= strstr(ps.what[i], "which does not match it") != NULL;
        }
        if (round == 0) {
            assert_true(saw1);
            assert_true(saw4);
        } else {
            assert_int_equal(ps.n, 1);
            assert_true(saw_bogus);
        }
        avow_ledger_free(l);
    }
    avow_key_free(key);
    tu_rmrf(dir);
    free(dir);
}

static void
test_store__verify_reports_missing_index_entries(void **state)
{
    (void)state;
    char *dir = NULL;
    char path[4200];
    avow_key *key = tu_key(1);
    avow_ledger *l = small_ledger(&dir, key, 5);
    unsigned char id2[32];
    avow_buf buf = AVOW_BUF_INIT;
    avow_iter *it = NULL;
    avow_event ev;
    uint64_t index;
    assert_int_equal(avow_iter_new(&it, l, NULL), 0);
    while (avow_iter_next(&ev, &index, it) == 1) {
        if (index == 2) {
            avow_event_id(id2, &ev);
        }
    }
    avow_iter_free(it);
    avow_ledger_free(l);
    ledger_path(path, sizeof(path), dir);

    /* Delete the id entry of #2 and the last by-time entry (whichever event it is). */
    MDB_env *env = NULL;
    MDB_txn *txn = NULL;
    MDB_dbi ids, bytime;
    MDB_cursor *cur = NULL;
    MDB_val k = { 32, id2 }, v;
    raw_open(path, &env, &txn);
    assert_int_equal(mdb_dbi_open(txn, "ids", 0, &ids), 0);
    assert_int_equal(mdb_dbi_open(txn, "bytime", 0, &bytime), 0);
    assert_int_equal(mdb_del(txn, ids, &k, NULL), 0);
    assert_int_equal(mdb_cursor_open(txn, bytime, &cur), 0);
    assert_int_equal(mdb_cursor_get(cur, &k, &v, MDB_LAST), 0);
    assert_int_equal(v.mv_size, 8);
    uint64_t bytime_index = be64_get(v.mv_data);
    assert_int_equal(mdb_cursor_del(cur, 0), 0);
    mdb_cursor_close(cur);
    assert_int_equal(mdb_txn_commit(txn), 0);
    mdb_env_close(env);

    assert_int_equal(avow_ledger_open(&l, path, 0), 0);
    struct problems ps;
    assert_int_equal(verify_collect(l, &ps), 2);
    int saw_id = 0, saw_bytime = 0;
    for (size_t i = 0; i < ps.n; i++) {
        if (ps.index[i] == 2 && strcmp(ps.what[i], "not in the id index") == 0) {
            saw_id = 1;
        }
        if (ps.index[i] == bytime_index && strcmp(ps.what[i], "not in the by-time index") == 0) {
            saw_bytime = 1;
        }
    }
    assert_true(saw_id);
    assert_true(saw_bytime);
    /* A negative return of the callback stops verify, which returns it. */
    {
        avow_verify_opts opts = AVOW_VERIFY_OPTS_INIT;
        memset(&ps, 0, sizeof(ps));
        opts.on_problem = collect_one;
        opts.payload = &ps;
        assert_int_equal(avow_ledger_verify(NULL, NULL, l, &opts), -42);
        assert_int_equal(ps.n, 1);
    }
    /* get by that id now misses; the log itself is intact. */
    assert_int_equal(avow_ledger_get(&buf, NULL, l, id2), AVOW_ENOTFOUND);
    assert_int_equal(count_of(l), 6);

    avow_buf_dispose(&buf);
    avow_ledger_free(l);
    avow_key_free(key);
    tu_rmrf(dir);
    free(dir);
}

static int
child_append(const char *path, int n)
{
    unsigned char seed[32];
    avow_ledger *l = NULL;
    avow_key *key = NULL;
    memset(seed, 7, sizeof(seed));
    if (avow_ledger_open(&l, path, 0) != 0 || avow_key_from_seed(&key, seed) != 0) {
        return 1;
    }
    for (int i = 0; i < n; i++) {
        char actor[32];
        snprintf(actor, sizeof(actor), "P%ld-%d", (long)getpid(), i);
        avow_draft d = stance_draft(CONTEST, actor, T_2024_04_03 + i);
        if (avow_ledger_append(NULL, l, key, &d) != 0) {
            return 2;
        }
    }
    avow_key_free(key);
    avow_ledger_free(l);
    return 0;
}

static void
test_store__concurrent_writers_with_one_key_never_fork(void **state)
{
    (void)state;
    char *dir = NULL;
    char path[4200];
    enum { PER_CHILD = 500 };
    avow_key *definer = tu_key(2), *key = tu_key(7);
    /* A small map, so the writers also grow it under each other. */
    store_test_initial_map(256 * 1024);
    avow_ledger *l = tu_ledger(&dir);
    store_test_initial_map(0);
    avow_draft c = contest_draft(CONTEST);
    append_ok(l, NULL, definer, &c);
    avow_ledger_free(l); /* an LMDB environment must not cross fork() */
    ledger_path(path, sizeof(path), dir);

    pid_t pids[2];
    for (int i = 0; i < 2; i++) {
        pids[i] = fork();
        assert_true(pids[i] >= 0);
        if (pids[i] == 0) {
            _exit(child_append(path, PER_CHILD));
        }
    }
    for (int i = 0; i < 2; i++) {
        int status = 0;
        assert_int_equal(waitpid(pids[i], &status, 0), pids[i]);
        assert_true(WIFEXITED(status));
        assert_int_equal(WEXITSTATUS(status), 0);
    }

    assert_int_equal(avow_ledger_open(&l, path, 0), 0);
    assert_int_equal(count_of(l), 1 + 2 * PER_CHILD);
    avow_iter_opts opts = AVOW_ITER_OPTS_INIT;
    opts.author = avow_key_public(key);
    avow_iter *it = NULL;
    avow_event ev;
    uint64_t index, expect = 1;
    int64_t last_recorded = INT64_MIN;
    assert_int_equal(avow_iter_new(&it, l, &opts), 0);
    while (avow_iter_next(&ev, &index, it) == 1) {
        assert_int_equal(ev.seq, expect);
        assert_true(ev.recorded_at >= last_recorded);
        last_recorded = ev.recorded_at;
        expect++;
    }
    avow_iter_free(it);
    assert_int_equal(expect - 1, 2 * PER_CHILD);
    struct problems ps;
    assert_int_equal(verify_collect(l, &ps), 0);

    avow_ledger_free(l);
    avow_key_free(key);
    avow_key_free(definer);
    tu_rmrf(dir);
    free(dir);
}

static int
child_grow(const char *path)
{
    unsigned char seed[32];
    avow_ledger *l = NULL;
    avow_key *key = NULL;
    avow_draft drafts[100];
    char actors[100][32];
    memset(seed, 8, sizeof(seed));
    if (avow_ledger_open(&l, path, 0) != 0 || avow_key_from_seed(&key, seed) != 0) {
        return 1;
    }
    for (int b = 0; b < 10; b++) {
        char tag[16];
        snprintf(tag, sizeof(tag), "G%d-", b);
        fill_stances(drafts, actors, 100, tag, T_2024_04_03);
        if (avow_ledger_append_drafts(NULL, NULL, l, key, drafts, 100) != 0) {
            return 2;
        }
    }
    avow_key_free(key);
    avow_ledger_free(l);
    return 0;
}

static void
test_store__adopts_a_map_grown_by_another_process(void **state)
{
    (void)state;
    char *dir = NULL;
    char path[4200];
    avow_key *key = tu_key(2);
    store_test_initial_map(128 * 1024);
    avow_ledger *l = tu_ledger(&dir);
    store_test_initial_map(0);
    ledger_path(path, sizeof(path), dir);
    avow_draft c = contest_draft(CONTEST);
    append_ok(l, NULL, key, &c);

    /* Another process grows the map far past what this handle has mapped. */
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        _exit(child_grow(path));
    }
    int status = 0;
    assert_int_equal(waitpid(pid, &status, 0), pid);
    assert_true(WIFEXITED(status));
    assert_int_equal(WEXITSTATUS(status), 0);

    /* This handle reads and writes on: it remaps (MDB_MAP_RESIZED). */
    assert_int_equal(count_of(l), 1001);
    avow_draft s = stance_draft(CONTEST, "LT", T_2024_04_03);
    append_ok(l, NULL, key, &s);
    assert_int_equal(count_of(l), 1002);
    struct problems ps;
    assert_int_equal(verify_collect(l, &ps), 0);

    avow_ledger_free(l);
    avow_key_free(key);
    tu_rmrf(dir);
    free(dir);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_store__init_refuses_existing_ledger_and_open_needs_one),
        cmocka_unit_test(test_store__appends_reads_back_and_iterates),
        cmocka_unit_test(test_store__append_signed_is_idempotent),
        cmocka_unit_test(test_store__refuses_broken_chain_and_stores_nothing),
        cmocka_unit_test(test_store__detects_fork),
        cmocka_unit_test(test_store__refuses_retraction_of_another_authors_event),
        cmocka_unit_test(test_store__refuses_unknown_contest_and_redefinition),
        cmocka_unit_test(test_store__queued_signed_batches_tell_duplicates_from_forks),
        cmocka_unit_test(test_store__grows_a_tiny_map),
        cmocka_unit_test(test_store__batch_ids_are_written_in_key_order_and_found),
        cmocka_unit_test(test_store__batch_grows_the_map_before_it_starts),
        cmocka_unit_test(test_store__verify_reports_exactly_the_tampered_event),
        cmocka_unit_test(test_store__verify_reports_missing_index_entries),
        cmocka_unit_test(test_store__verify_finds_wrong_id_entries_without_probing),
        cmocka_unit_test(test_store__concurrent_writers_with_one_key_never_fork),
        cmocka_unit_test(test_store__adopts_a_map_grown_by_another_process),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
