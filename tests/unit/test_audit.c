/* SPDX-License-Identifier: ISC */
/*
 * test_audit.c - tamper evidence on real ledgers (src/derived/tree.c, src/audit/): roots and
 * proofs against an independent tree computed here, verify against stored
 * nodes and checkpoints damaged through LMDB, checkpoints whose lines are
 * altered, a ledger rebuilt without an old event, evidence files with any
 * byte changed, attestations and witnesses that refuse rewritten histories.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "derived/tree.h"
#include "ledger/store.h"
#include "testutil.h"

/* tlog/note.h's signers (its type name 'note' would shadow this file's variables). */
int note_sign(avow_buf *out, const char *text, size_t text_len, const char *name, size_t name_len,
              const avow_key *key);
int note_checkpoint_text(avow_buf *out, const char *origin, size_t origin_len, uint64_t size,
                         const unsigned char root[AVOW_HASH_BYTES]);
uint32_t note_key_id(const char *name, size_t name_len, unsigned char alg,
                     const unsigned char pk[AVOW_PUBKEY_BYTES]);

#define T_2024 INT64_C(1712102400000000) /* 2024-04-03T00:00:00Z */
#define ORIGIN "test.avow/ledger"

/* ---- helpers ------------------------------------------------------------------ */

static void
append_contest(avow_ledger *l, const avow_key *key, const char *id)
{
    avow_draft d = AVOW_DRAFT_INIT;
    d.kind = AVOW_KIND_CONTEST;
    d.effective_at = T_2024;
    d.contest = id;
    d.title = "NATO Secretary General 2024";
    d.rule = "unanimity";
    if (avow_ledger_append(NULL, l, key, &d) != 0) {
        fail_msg("append contest: %s", avow_error_last());
    }
}

static void
append_member(avow_ledger *l, const avow_key *key, const char *contest, const char *actor)
{
    avow_draft d = AVOW_DRAFT_INIT;
    d.kind = AVOW_KIND_MEMBER_JOIN;
    d.effective_at = T_2024;
    d.contest = contest;
    d.actor = actor;
    if (avow_ledger_append(NULL, l, key, &d) != 0) {
        fail_msg("append member: %s", avow_error_last());
    }
}

/* A ledger with n events by key: a contest and n - 1 members. */
static avow_ledger *
ledger_with(char **dir, const avow_key *key, int n)
{
    avow_ledger *l = tu_ledger(dir);
    char actor[16];
    append_contest(l, key, "c");
    for (int i = 1; i < n; i++) {
        snprintf(actor, sizeof(actor), "M%03d", i);
        append_member(l, key, "c", actor);
    }
    return l;
}

static avow_ledger *
ledger_at(const char *dir, const char *name, const char *origin)
{
    char path[4200];
    avow_ledger *l = NULL;
    snprintf(path, sizeof(path), "%s/%s", dir, name);
    assert_int_equal(avow_ledger_init(path, origin), 0);
    assert_int_equal(avow_ledger_open(&l, path, 0), 0);
    return l;
}

/* Independent RFC 9162 MTH over leaf hashes (recursive, from the definition). */
static void
mth(unsigned char out[32], unsigned char (*leaves)[32], size_t n)
{
    unsigned char buf[65], l[32], r[32];
    if (n == 0) {
        crypto_hash_sha256(out, NULL, 0);
        return;
    }
    if (n == 1) {
        memcpy(out, leaves[0], 32);
        return;
    }
    size_t k = 1;
    while (k * 2 < n) {
        k *= 2;
    }
    mth(l, leaves, k);
    mth(r, leaves + k, n - k);
    buf[0] = 1;
    memcpy(buf + 1, l, 32);
    memcpy(buf + 33, r, 32);
    crypto_hash_sha256(out, buf, sizeof(buf));
}

/* The leaf hashes of every event, computed here from the raw bytes. */
static size_t
leaves_of(avow_ledger *l, unsigned char (**out)[32], unsigned char (**ids)[32])
{
    avow_iter *it = NULL;
    avow_event ev;
    uint64_t index, n = 0;
    unsigned char buf[1] = { 0 };
    assert_int_equal(avow_ledger_count(&n, l), 0);
    *out = calloc(n + 1, 32);
    *ids = calloc(n + 1, 32);
    assert_non_null(*out);
    assert_non_null(*ids);
    assert_int_equal(avow_iter_new(&it, l, NULL), 0);
    while (avow_iter_next(&ev, &index, it) == 1) {
        crypto_hash_sha256_state st;
        crypto_hash_sha256_init(&st);
        crypto_hash_sha256_update(&st, buf, 1);
        crypto_hash_sha256_update(&st, ev.raw, ev.raw_len);
        crypto_hash_sha256_final(&st, (*out)[index]);
        avow_event_id((*ids)[index], &ev);
    }
    avow_iter_free(it);
    return (size_t)n;
}

struct put_ctx {
    enum store_db db;
    const void *k;
    size_t klen;
    const void *v; /* NULL: delete */
    size_t vlen;
};

static int
put_txn(store_w *w, void *vctx)
{
    struct put_ctx *c = vctx;
    if (c->v == NULL) {
        return store_w_del(w, c->db, c->k, c->klen);
    }
    return store_w_put(w, c->db, c->k, c->klen, c->v, c->vlen, 0);
}

/* Write (or delete, v NULL) a record behind the library's back. */
static void
raw_put(avow_ledger *l, enum store_db db, const void *k, size_t klen, const void *v, size_t vlen)
{
    struct put_ctx c = { db, k, klen, v, vlen };
    assert_int_equal(store_write(l, put_txn, &c), 0);
}

struct problems {
    int n;
    char text[4096];
    uint64_t indexes[16];
};

static int
on_problem(const avow_problem *p, void *payload)
{
    struct problems *ps = payload;
    size_t used = strlen(ps->text);
    snprintf(ps->text + used, sizeof(ps->text) - used, "%s\n", p->what);
    if (ps->n < 16) {
        ps->indexes[ps->n] = p->index;
    }
    ps->n++;
    return 0;
}

static struct problems
verify(avow_ledger *l)
{
    struct problems ps;
    avow_verify_opts o = AVOW_VERIFY_OPTS_INIT;
    uint64_t events = 0, problems = 0;
    memset(&ps, 0, sizeof(ps));
    o.on_problem = on_problem;
    o.payload = &ps;
    assert_int_equal(avow_ledger_verify(&events, &problems, l, &o), 0);
    assert_int_equal((int)problems, ps.n);
    return ps;
}

static void
node_key9(unsigned char k[9], unsigned level, uint64_t index)
{
    k[0] = (unsigned char)level;
    be64_put(k + 1, index);
}

/* ---- tests --------------------------------------------------------------------- */

static void
test_audit__roots_and_proofs_match_an_independent_tree(void **state)
{
    char *dir = NULL;
    avow_key *key = tu_key(1);
    avow_ledger *l = ledger_with(&dir, key, 21);
    unsigned char(*leaves)[32] = NULL, (*ids)[32] = NULL;
    unsigned char root[32], want[32];
    avow_inclusion *ip = malloc(sizeof(*ip));
    avow_consistency *cp = malloc(sizeof(*cp));
    (void)state;
    size_t n = leaves_of(l, &leaves, &ids);
    assert_int_equal(n, 21);
    for (size_t size = 0; size <= n; size++) {
        mth(want, leaves, size);
        assert_int_equal(avow_ledger_root(root, l, size), 0);
        assert_memory_equal(root, want, 32);
        for (size_t i = 0; i < size; i++) {
            assert_int_equal(avow_ledger_prove_inclusion(ip, l, ids[i], size), 0);
            assert_int_equal(ip->leaf_index, i);
            assert_memory_equal(ip->leaf_hash, leaves[i], 32);
            assert_memory_equal(ip->root, want, 32);
            assert_int_equal(avow_inclusion_verify(ip), 0);
            ip->path[0] ^= ip->count > 0 ? 1 : 0;
            ip->root[0] ^= ip->count > 0 ? 0 : 1;
            assert_int_equal(avow_inclusion_verify(ip), AVOW_EVERIFY);
        }
        for (size_t m = 0; m <= size; m++) {
            assert_int_equal(avow_ledger_prove_consistency(cp, l, m, size), 0);
            mth(root, leaves, m);
            assert_memory_equal(cp->old_root, root, 32);
            assert_memory_equal(cp->new_root, want, 32);
            assert_int_equal(avow_consistency_verify(cp), 0);
        }
    }
    assert_int_equal(avow_ledger_root(root, l, n + 1), AVOW_EINVALID);
    assert_int_equal(avow_ledger_prove_inclusion(ip, l, ids[20], 20), AVOW_EINVALID);
    assert_int_equal(avow_ledger_prove_consistency(cp, l, 5, 4), AVOW_EINVALID);
    memset(want, 0x55, 32);
    assert_int_equal(avow_ledger_prove_inclusion(ip, l, want, UINT64_MAX), AVOW_ENOTFOUND);
    free(ip);
    free(cp);
    free(leaves);
    free(ids);
    avow_ledger_free(l);
    avow_key_free(key);
    tu_rmrf(dir);
    free(dir);
}

static void
test_audit__verify_names_a_damaged_missing_or_extra_node(void **state)
{
    char *dir = NULL;
    avow_key *key = tu_key(1);
    avow_ledger *l = ledger_with(&dir, key, 8);
    unsigned char k[9], h[32];
    struct problems ps;
    (void)state;
    ps = verify(l);
    assert_int_equal(ps.n, 0);

    /* An interior node. */
    memset(h, 0x11, 32);
    node_key9(k, 1, 2);
    raw_put(l, STORE_DB_MERKLE, k, 9, h, 32);
    ps = verify(l);
    assert_int_equal(ps.n, 1);
    assert_non_null(strstr(ps.text, "Merkle node (1, 2)"));
    assert_non_null(strstr(ps.text, "leaves #4..#5"));

    /* A leaf: the problem names the event. */
    node_key9(k, 0, 6);
    raw_put(l, STORE_DB_MERKLE, k, 9, h, 32);
    ps = verify(l);
    assert_int_equal(ps.n, 2);
    assert_true(ps.indexes[0] == 6 || ps.indexes[1] == 6);

    /* Missing and extra nodes. */
    node_key9(k, 0, 6);
    raw_put(l, STORE_DB_MERKLE, k, 9, NULL, 0);
    node_key9(k, 0, 9);
    raw_put(l, STORE_DB_MERKLE, k, 9, h, 32);
    ps = verify(l);
    assert_non_null(strstr(ps.text, "Merkle node (0, 6) is missing"));
    assert_non_null(strstr(ps.text, "Merkle node (0, 9) is extra"));
    avow_ledger_free(l);
    avow_key_free(key);
    tu_rmrf(dir);
    free(dir);
}

static void
test_audit__verify_checks_stored_checkpoints(void **state)
{
    char *dir = NULL;
    avow_key *key = tu_key(1);
    avow_ledger *l = ledger_with(&dir, key, 5);
    avow_buf note = AVOW_BUF_INIT;
    avow_checkpoint cp;
    unsigned char k[9], h[32];
    struct problems ps;
    (void)state;
    assert_int_equal(avow_checkpoint_create(&note, &cp, l, key), 0);
    assert_int_equal(cp.size, 5);
    assert_string_equal(cp.origin, ORIGIN);
    append_member(l, key, "c", "LATE");
    ps = verify(l);
    assert_int_equal(ps.n, 0);

    /* Damage the level-2 node: the tree and the checkpoint of size 5 disagree. */
    memset(h, 0x22, 32);
    node_key9(k, 2, 0);
    raw_put(l, STORE_DB_MERKLE, k, 9, h, 32);
    ps = verify(l);
    assert_int_equal(ps.n, 1); /* the node only: checkpoints are checked against the events */
    assert_non_null(strstr(ps.text, "Merkle node (2, 0)"));

    /* A stored checkpoint from the "future": events were removed. */
    unsigned char ck[1 + 8 + 32];
    ck[0] = 'c';
    be64_put(ck + 1, 5);
    memcpy(ck + 9, avow_key_public(key), 32);
    avow_buf other = AVOW_BUF_INIT;
    char *dir2 = NULL;
    avow_ledger *l2 = ledger_with(&dir2, key, 9);
    assert_int_equal(avow_checkpoint_create(&other, NULL, l2, key), 0);
    ck[8] = 9;
    raw_put(l, STORE_DB_CHECKPOINTS, ck, sizeof(ck), other.ptr, other.len);
    ps = verify(l);
    assert_non_null(strstr(ps.text, "stored checkpoint of size 9 is beyond the log"));

    avow_buf_dispose(&other);
    avow_buf_dispose(&note);
    avow_ledger_free(l2);
    avow_ledger_free(l);
    avow_key_free(key);
    tu_rmrf(dir);
    free(dir);
    tu_rmrf(dir2);
    free(dir2);
}

/* Replace line `line` (0-based) of the note text with `with`. */
static void
alter_line(avow_buf *out, const avow_buf *note, int line, const char *with)
{
    const char *p = (const char *)note->ptr, *end = p + note->len;
    buf_clear(out);
    for (int i = 0; p < end; i++) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        if (i == line) {
            assert_int_equal(buf_put(out, with, strlen(with)), 0);
        } else {
            assert_int_equal(buf_put(out, p, (size_t)(nl - p)), 0);
        }
        assert_int_equal(buf_put(out, "\n", 1), 0);
        p = nl + 1;
    }
}

static void
expect_cp_fail(avow_ledger *l, const avow_buf *b, const char *words)
{
    avow_checkpoint cp;
    int rc = avow_checkpoint_verify(&cp, l, (const char *)b->ptr, b->len, NULL);
    if (rc != AVOW_EVERIFY || strstr(avow_error_last(), words) == NULL) {
        fail_msg("want EVERIFY naming '%s', got %d: %s", words, rc, avow_error_last());
    }
}

static void
test_audit__altered_checkpoint_lines_are_rejected_naming_the_line(void **state)
{
    char *dir = NULL;
    avow_key *key = tu_key(1), *other = tu_key(2);
    avow_ledger *l = ledger_with(&dir, key, 6);
    avow_buf note = AVOW_BUF_INIT, old = AVOW_BUF_INIT, b = AVOW_BUF_INIT;
    avow_checkpoint cp;
    (void)state;
    assert_int_equal(avow_checkpoint_create(&old, NULL, l, key), 0); /* size 6 */
    append_member(l, key, "c", "X1");
    append_member(l, key, "c", "X2");
    assert_int_equal(avow_checkpoint_create(&note, &cp, l, key), 0); /* size 8 */
    assert_int_equal(avow_checkpoint_verify(&cp, l, (const char *)note.ptr, note.len, NULL), 0);
    assert_int_equal(avow_checkpoint_verify(&cp, l, (const char *)old.ptr, old.len, NULL), 0);
    assert_int_equal(cp.size, 6);
    assert_int_equal(
      avow_checkpoint_open(&cp, (const char *)note.ptr, note.len, avow_key_public(key)), 0);
    assert_int_equal(
      avow_checkpoint_open(&cp, (const char *)note.ptr, note.len, avow_key_public(other)),
      AVOW_EVERIFY);

    alter_line(&b, &note, 0, "test.avow/other");
    expect_cp_fail(l, &b, "origin line");
    alter_line(&b, &note, 1, "6");
    expect_cp_fail(l, &b, "size or root line");
    alter_line(&b, &note, 1, "9");
    expect_cp_fail(l, &b, "size line");
    /* The root of size 6 under the size of 8. */
    const char *old_root = (const char *)old.ptr + strlen(ORIGIN) + 3;
    char root_line[45];
    memcpy(root_line, old_root, 44);
    root_line[44] = '\0';
    alter_line(&b, &note, 2, root_line);
    expect_cp_fail(l, &b, "size or root line"); /* that root was signed at size 6 */
    alter_line(&b, &note, 2, "q6urq6urq6urq6urq6urq6urq6urq6urq6urq6urq6s=");
    expect_cp_fail(l, &b, "root line");
    /* One character of the signature. */
    buf_clear(&b);
    assert_int_equal(buf_put(&b, note.ptr, note.len), 0);
    b.ptr[b.len - 10] = b.ptr[b.len - 10] == 'A' ? 'B' : 'A';
    expect_cp_fail(l, &b, "signature line");
    /* Malformed lines are EFORMAT naming the line. */
    alter_line(&b, &note, 1, "08");
    assert_int_equal(avow_checkpoint_verify(&cp, l, (const char *)b.ptr, b.len, NULL),
                     AVOW_EFORMAT);
    assert_non_null(strstr(avow_error_last(), "size line"));
    /* Another trusted key. */
    assert_int_equal(
      avow_checkpoint_verify(&cp, l, (const char *)note.ptr, note.len, avow_key_public(other)),
      AVOW_EVERIFY);
    assert_non_null(strstr(avow_error_last(), "signature line"));
    avow_buf_dispose(&b);
    avow_buf_dispose(&old);
    avow_buf_dispose(&note);
    avow_ledger_free(l);
    avow_key_free(key);
    avow_key_free(other);
    tu_rmrf(dir);
    free(dir);
}

static void
test_audit__ledger_rebuilt_without_an_old_event_fails_an_old_checkpoint(void **state)
{
    char *dir = NULL;
    avow_key *a = tu_key(1), *b = tu_key(2);
    avow_ledger *l = tu_ledger(&dir);
    avow_buf note = AVOW_BUF_INIT, raw = AVOW_BUF_INIT;
    avow_checkpoint cp;
    unsigned char(*leaves)[32] = NULL, (*ids)[32] = NULL;
    (void)state;
    append_contest(l, a, "c");     /* #0 by a */
    append_member(l, b, "c", "B"); /* #1 by b: its only event, so it can be left out */
    append_member(l, a, "c", "A"); /* #2 by a */
    assert_int_equal(avow_checkpoint_create(&note, &cp, l, a), 0);
    size_t n = leaves_of(l, &leaves, &ids);
    assert_int_equal(n, 3);

    avow_ledger *r = ledger_at(dir, "rebuilt", ORIGIN);
    for (size_t i = 0; i < n; i++) {
        if (i == 1) {
            continue;
        }
        avow_append_result res;
        buf_clear(&raw);
        assert_int_equal(avow_ledger_get(&raw, NULL, l, ids[i]), 0);
        const unsigned char *evs[1] = { raw.ptr };
        size_t lens[1] = { raw.len };
        assert_int_equal(avow_ledger_append_signed(&res, r, evs, lens, 1), 0);
    }
    /* 2 events: the checkpoint of size 3 is beyond it. */
    assert_int_equal(
      avow_checkpoint_verify(&cp, r, (const char *)note.ptr, note.len, avow_key_public(a)),
      AVOW_EVERIFY);
    assert_non_null(strstr(avow_error_last(), "size line"));
    /* Padded back to 3 events: same size, another history. */
    append_member(r, a, "c", "Z");
    assert_int_equal(
      avow_checkpoint_verify(&cp, r, (const char *)note.ptr, note.len, avow_key_public(a)),
      AVOW_EVERIFY);
    assert_non_null(strstr(avow_error_last(), "root line"));
    assert_int_equal(verify(r).n, 0); /* the rebuilt ledger is sound in itself */
    free(leaves);
    free(ids);
    avow_buf_dispose(&raw);
    avow_buf_dispose(&note);
    avow_ledger_free(r);
    avow_ledger_free(l);
    avow_key_free(a);
    avow_key_free(b);
    tu_rmrf(dir);
    free(dir);
}

struct seen {
    int n;
    uint64_t last;
};

static int
on_event(const avow_event *ev, uint64_t index, void *payload)
{
    struct seen *s = payload;
    (void)ev;
    s->n++;
    s->last = index;
    return 0;
}

static int
stop_at_first(const avow_event *ev, uint64_t index, void *payload)
{
    (void)on_event(ev, index, payload);
    return -7;
}

static void
test_audit__evidence_verifies_offline_and_any_changed_byte_fails(void **state)
{
    char *dir = NULL;
    avow_key *key = tu_key(1), *other = tu_key(2);
    avow_ledger *l = ledger_with(&dir, key, 13);
    unsigned char(*leaves)[32] = NULL, (*ids)[32] = NULL;
    unsigned char two[64];
    avow_buf ev = AVOW_BUF_INIT, ev2 = AVOW_BUF_INIT;
    avow_checkpoint cp;
    struct seen s = { 0, 0 };
    size_t n_events = 0;
    (void)state;
    leaves_of(l, &leaves, &ids);
    memcpy(two, ids[3], 32);
    memcpy(two + 32, ids[12], 32);
    /* No key and no checkpoint yet. */
    assert_int_equal(avow_evidence_write(&ev, l, two, 2, NULL), AVOW_ENOTFOUND);
    assert_int_equal(avow_evidence_write(&ev, l, two, 2, key), 0);
    assert_int_equal(
      avow_evidence_verify(&cp, &n_events, ev.ptr, ev.len, avow_key_public(key), on_event, &s), 0);
    assert_int_equal(n_events, 2);
    assert_int_equal(s.n, 2);
    assert_int_equal(s.last, 12);
    assert_int_equal(cp.size, 13);
    /* A negative return of the callback stops verification and is returned. */
    s.n = 0;
    assert_int_equal(
      avow_evidence_verify(NULL, NULL, ev.ptr, ev.len, avow_key_public(key), stop_at_first, &s),
      -7);
    assert_int_equal(s.n, 1);
    /* The latest stored checkpoint is used without a key. */
    assert_int_equal(avow_evidence_write(&ev2, l, two, 2, NULL), 0);
    assert_int_equal(ev2.len, ev.len);
    assert_memory_equal(ev2.ptr, ev.ptr, ev.len);
    /* Another key is not trusted. */
    assert_int_equal(
      avow_evidence_verify(NULL, NULL, ev.ptr, ev.len, avow_key_public(other), NULL, NULL),
      AVOW_EVERIFY);
    /* Every byte changed, one at a time. */
    for (size_t i = 0; i < ev.len; i++) {
        unsigned char save = ev.ptr[i];
        for (int d = 1; d <= 2; d++) {
            ev.ptr[i] = (unsigned char)(save ^ (d == 1 ? 0x01 : 0x20));
            if (avow_evidence_verify(NULL, NULL, ev.ptr, ev.len, avow_key_public(key), NULL,
                                     NULL) != AVOW_EVERIFY) {
                fail_msg("byte %zu changed (0x%02x -> 0x%02x) still verifies", i, save, ev.ptr[i]);
            }
        }
        ev.ptr[i] = save;
    }
    /* An index written as a real has no canonical form: refused, not an error. */
    {
        char *text = calloc(1, ev.len + 3), *at;
        assert_non_null(text);
        memcpy(text, ev.ptr, ev.len);
        assert_non_null(at = strstr(text, "\"index\":3,"));
        memmove(at + 11, at + 9, strlen(at + 9) + 1);
        memcpy(at + 9, ".0", 2);
        assert_int_equal(avow_evidence_verify(NULL, NULL, (const unsigned char *)text, strlen(text),
                                              avow_key_public(key), NULL, NULL),
                         AVOW_EVERIFY);
        assert_non_null(strstr(avow_error_last(), "canonical"));
        free(text);
    }
    /* Truncated or extended. */
    assert_int_equal(
      avow_evidence_verify(NULL, NULL, ev.ptr, ev.len - 1, avow_key_public(key), NULL, NULL),
      AVOW_EVERIFY);
    assert_int_equal(buf_put(&ev, "\n", 1), 0);
    assert_int_equal(
      avow_evidence_verify(NULL, NULL, ev.ptr, ev.len, avow_key_public(key), NULL, NULL),
      AVOW_EVERIFY);
    free(leaves);
    free(ids);
    avow_buf_dispose(&ev);
    avow_buf_dispose(&ev2);
    avow_ledger_free(l);
    avow_key_free(key);
    avow_key_free(other);
    tu_rmrf(dir);
    free(dir);
}

static void
test_audit__evidence_write_leaves_the_buffer_as_it_was_when_it_fails(void **state)
{
    char *dir = NULL;
    avow_key *key = tu_key(1);
    avow_ledger *l = ledger_with(&dir, key, 3);
    unsigned char(*leaves)[32] = NULL, (*ids)[32] = NULL;
    unsigned char two[64];
    avow_buf ev = AVOW_BUF_INIT;
    (void)state;
    leaves_of(l, &leaves, &ids);
    memcpy(two, ids[1], 32);
    memset(two + 32, 0x55, 32); /* no such event */
    assert_int_equal(buf_put(&ev, "kept", 4), 0);
    assert_int_equal(avow_evidence_write(&ev, l, two, 2, key), AVOW_ENOTFOUND);
    assert_int_equal(ev.len, 4);
    assert_memory_equal(ev.ptr, "kept", 4);
    /* The same with the one event there: the document follows what was kept. */
    assert_int_equal(avow_evidence_write(&ev, l, two, 1, key), 0);
    assert_true(ev.len > 4 && ev.ptr[4] == '{' && ev.ptr[ev.len - 1] == '\n');
    assert_int_equal(
      avow_evidence_verify(NULL, NULL, ev.ptr + 4, ev.len - 4, avow_key_public(key), NULL, NULL),
      0);
    free(leaves);
    free(ids);
    avow_buf_dispose(&ev);
    avow_ledger_free(l);
    avow_key_free(key);
    tu_rmrf(dir);
    free(dir);
}

static void
test_audit__attestation_round_trips_and_rejects_changes(void **state)
{
    char *dir = NULL;
    avow_key *key = tu_key(1);
    avow_ledger *l = ledger_with(&dir, key, 4);
    avow_buf a = AVOW_BUF_INIT;
    avow_attestation at;
    const char *digest = "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff";
    (void)state;
    assert_int_equal(avow_attest_create(&a, l, key, "c", T_2024, AVOW_TIME_MAX, digest), 0);
    assert_int_equal(avow_attest_verify(&at, l, (const char *)a.ptr, a.len, NULL), 0);
    assert_string_equal(at.contest, "c");
    assert_string_equal(at.digest, digest);
    assert_true(at.at == T_2024);
    assert_true(at.known_at == AVOW_TIME_MAX);
    assert_int_equal(at.tree.size, 4);
    /* Offline, with the key. */
    assert_int_equal(
      avow_attest_verify(&at, NULL, (const char *)a.ptr, a.len, avow_key_public(key)), 0);
    /* The digest changed: the signature fails. */
    char *p = strstr((char *)a.ptr, "digest 00");
    assert_non_null(p);
    p[8] = '1';
    assert_int_equal(avow_attest_verify(&at, l, (const char *)a.ptr, a.len, NULL), AVOW_EVERIFY);
    /* An attestation is not stored as a checkpoint, and a checkpoint is no attestation. */
    avow_buf c = AVOW_BUF_INIT;
    assert_int_equal(avow_checkpoint_create(&c, NULL, l, key), 0);
    assert_int_equal(avow_attest_verify(&at, l, (const char *)c.ptr, c.len, NULL), AVOW_EFORMAT);
    assert_int_equal(verify(l).n, 0);
    assert_int_equal(avow_attest_create(&a, l, key, "c", T_2024, T_2024, "xyz"), AVOW_EINVALID);
    avow_buf_dispose(&c);
    avow_buf_dispose(&a);
    avow_ledger_free(l);
    avow_key_free(key);
    tu_rmrf(dir);
    free(dir);
}

struct sigs {
    int cosigs_ok;
    int logs_ok;
    int unknown;
};

static int
on_sig(const avow_note_sig *s, void *payload)
{
    struct sigs *c = payload;
    if (s->type == AVOW_SIG_COSIG && s->verified) {
        c->cosigs_ok++;
    } else if (s->type == AVOW_SIG_ED25519 && s->verified) {
        c->logs_ok++;
    } else if (s->type == AVOW_SIG_UNKNOWN) {
        c->unknown++;
    }
    return 0;
}

static void
test_audit__witness_refuses_a_size_0_checkpoint_with_a_root_and_is_not_poisoned(void **state)
{
    char *dir = NULL;
    avow_key *key = tu_key(1), *wkey = tu_key(7);
    avow_ledger *log = ledger_with(&dir, key, 3);
    avow_ledger *w = ledger_at(dir, "witness", "witness.example/w1");
    avow_buf text = AVOW_BUF_INIT, bad = AVOW_BUF_INIT, cp3 = AVOW_BUF_INIT, out = AVOW_BUF_INIT;
    unsigned char root[AVOW_HASH_BYTES];
    (void)state;
    /* A size-0 checkpoint signed by the log's key, carrying some other root. */
    memset(root, 0xab, sizeof(root));
    assert_int_equal(note_checkpoint_text(&text, ORIGIN, strlen(ORIGIN), 0, root), 0);
    assert_int_equal(note_sign(&bad, (const char *)text.ptr, text.len, ORIGIN, strlen(ORIGIN), key),
                     0);
    assert_int_equal(avow_witness_cosign(&out, w, wkey, (const char *)bad.ptr, bad.len,
                                         avow_key_public(key), NULL),
                     AVOW_EVERIFY);
    assert_non_null(strstr(avow_error_last(), "size 0"));
    /* The genuine checkpoints of the log are still cosigned. */
    assert_int_equal(avow_checkpoint_create(&cp3, NULL, log, key), 0);
    buf_clear(&out);
    assert_int_equal(avow_witness_cosign(&out, w, wkey, (const char *)cp3.ptr, cp3.len,
                                         avow_key_public(key), NULL),
                     0);
    avow_buf_dispose(&text);
    avow_buf_dispose(&bad);
    avow_buf_dispose(&cp3);
    avow_buf_dispose(&out);
    avow_ledger_free(w);
    avow_ledger_free(log);
    avow_key_free(key);
    avow_key_free(wkey);
    tu_rmrf(dir);
    free(dir);
}

/* The note with its cosignature line by name renamed to new_name, key ID recomputed. */
static void
rename_cosig(avow_buf *out, const avow_buf *in, const char *name, const char *new_name,
             const unsigned char *pk)
{
    char head[300];
    (void)snprintf(head, sizeof(head), "\n\xe2\x80\x94 %s ", name);
    const char *text = (const char *)in->ptr;
    const char *line = strstr(text, head);
    assert_non_null(line);
    const char *b64 = line + strlen(head);
    const char *end = strchr(b64, '\n');
    assert_non_null(end);
    unsigned char raw[4 + 8 + 64];
    size_t rawlen = 0;
    assert_int_equal(sodium_base642bin(raw, sizeof(raw), b64, (size_t)(end - b64), NULL, &rawlen,
                                       NULL, sodium_base64_VARIANT_ORIGINAL),
                     0);
    assert_int_equal(rawlen, sizeof(raw));
    uint32_t id = note_key_id(new_name, strlen(new_name), 0x04, pk);
    raw[0] = (unsigned char)(id >> 24);
    raw[1] = (unsigned char)(id >> 16);
    raw[2] = (unsigned char)(id >> 8);
    raw[3] = (unsigned char)id;
    char enc[200];
    sodium_bin2base64(enc, sizeof(enc), raw, sizeof(raw), sodium_base64_VARIANT_ORIGINAL);
    buf_clear(out);
    assert_int_equal(buf_put(out, text, (size_t)(line - text) + 1), 0);
    char nl[300];
    (void)snprintf(nl, sizeof(nl), "\xe2\x80\x94 %s %s", new_name, enc);
    assert_int_equal(buf_put(out, nl, strlen(nl)), 0);
    assert_int_equal(buf_put(out, end, in->len - (size_t)(end - text)), 0);
}

static void
test_audit__witness_quorum_binds_names_to_keys_and_counts_each_once(void **state)
{
    char *dir = NULL;
    avow_key *key = tu_key(1), *wkey = tu_key(7), *w2 = tu_key(8);
    avow_ledger *log = ledger_with(&dir, key, 3);
    avow_ledger *w = ledger_at(dir, "witness", "witness.example/w1");
    avow_buf cp = AVOW_BUF_INIT, cos = AVOW_BUF_INIT, ren = AVOW_BUF_INIT, both = AVOW_BUF_INIT;
    size_t n = 9;
    (void)state;
    assert_int_equal(avow_checkpoint_create(&cp, NULL, log, key), 0);
    assert_int_equal(
      avow_witness_cosign(&cos, w, wkey, (const char *)cp.ptr, cp.len, avow_key_public(key), NULL),
      0);
    avow_witness pol[2] = { { "witness.example/w1", { 0 } }, { "witness.example/w2", { 0 } } };
    memcpy(pol[0].pk, avow_key_public(wkey), AVOW_PUBKEY_BYTES);
    memcpy(pol[1].pk, avow_key_public(w2), AVOW_PUBKEY_BYTES);
    assert_int_equal(avow_note_witnessed(&n, (const char *)cos.ptr, cos.len, pol, 2), 0);
    assert_int_equal(n, 1);
    assert_int_equal(avow_note_witnessed(&n, (const char *)cp.ptr, cp.len, pol, 2), 0);
    assert_int_equal(n, 0);
    /* Renamed to the other witness's name, key ID recomputed: it verifies under
     * w1's key but carries w2's name, so it counts for no one. */
    rename_cosig(&ren, &cos, "witness.example/w1", "witness.example/w2", avow_key_public(wkey));
    assert_int_equal(avow_note_witnessed(&n, (const char *)ren.ptr, ren.len, pol, 2), 0);
    assert_int_equal(n, 0);
    /* The original and the renamed line together: w1 once, not twice. */
    pol[0].name = NULL; /* the key alone binds: any name, still once */
    assert_int_equal(buf_put(&both, cos.ptr, cos.len), 0);
    const char *rl = strstr((const char *)ren.ptr, "\xe2\x80\x94 witness.example/w2 ");
    assert_non_null(rl);
    assert_int_equal(buf_put(&both, rl, ren.len - (size_t)(rl - (const char *)ren.ptr)), 0);
    assert_int_equal(avow_note_witnessed(&n, (const char *)both.ptr, both.len, pol, 2), 0);
    assert_int_equal(n, 1);
    /* One key listed twice is refused. */
    memcpy(pol[1].pk, pol[0].pk, AVOW_PUBKEY_BYTES);
    assert_int_equal(avow_note_witnessed(&n, (const char *)cos.ptr, cos.len, pol, 2),
                     AVOW_EINVALID);
    avow_buf_dispose(&cp);
    avow_buf_dispose(&cos);
    avow_buf_dispose(&ren);
    avow_buf_dispose(&both);
    avow_ledger_free(w);
    avow_ledger_free(log);
    avow_key_free(key);
    avow_key_free(wkey);
    avow_key_free(w2);
    tu_rmrf(dir);
    free(dir);
}

static void
test_audit__witness_refuses_a_rewritten_history_and_accepts_the_honest_one(void **state)
{
    char *dir = NULL;
    avow_key *key = tu_key(1), *wkey = tu_key(7);
    avow_ledger *log = ledger_with(&dir, key, 3);
    avow_ledger *w = ledger_at(dir, "witness", "witness.example/w1");
    avow_ledger *fork = ledger_at(dir, "fork", ORIGIN);
    avow_buf cp3 = AVOW_BUF_INIT, cp5 = AVOW_BUF_INIT, f5 = AVOW_BUF_INIT, out = AVOW_BUF_INIT;
    avow_consistency *proof = malloc(sizeof(*proof));
    unsigned char keys[64];
    struct sigs sg = { 0, 0, 0 };
    (void)state;
    memcpy(keys, avow_key_public(key), 32);
    memcpy(keys + 32, avow_key_public(wkey), 32);

    assert_int_equal(avow_checkpoint_create(&cp3, NULL, log, key), 0);
    /* No key known for the origin yet. */
    assert_int_equal(avow_witness_cosign(&out, w, wkey, (const char *)cp3.ptr, cp3.len, NULL, NULL),
                     AVOW_EINVALID);
    assert_int_equal(avow_witness_cosign(&out, w, wkey, (const char *)cp3.ptr, cp3.len,
                                         avow_key_public(key), NULL),
                     0);
    assert_int_equal(avow_note_signatures((const char *)out.ptr, out.len, keys, 2, on_sig, &sg), 0);
    assert_int_equal(sg.logs_ok, 1);
    assert_int_equal(sg.cosigs_ok, 1);

    /* The log forks: same origin and key, another history of 5 events. */
    append_contest(fork, key, "c");
    append_member(fork, key, "c", "F1");
    append_member(fork, key, "c", "F2");
    append_member(fork, key, "c", "F3");
    append_member(fork, key, "c", "F4");
    assert_int_equal(avow_checkpoint_create(&f5, NULL, fork, key), 0);
    assert_int_equal(avow_ledger_prove_consistency(proof, fork, 3, 5), 0);
    buf_clear(&out);
    assert_int_equal(avow_witness_cosign(&out, w, wkey, (const char *)f5.ptr, f5.len, NULL, proof),
                     AVOW_EVERIFY);
    assert_non_null(strstr(avow_error_last(), "not consistent"));
    /* Without a proof it cannot be accepted either. */
    assert_int_equal(avow_witness_cosign(&out, w, wkey, (const char *)f5.ptr, f5.len, NULL, NULL),
                     AVOW_EINVALID);

    /* The honest log grows to 5 and proves it. */
    append_member(log, key, "c", "H1");
    append_member(log, key, "c", "H2");
    assert_int_equal(avow_checkpoint_create(&cp5, NULL, log, key), 0);
    assert_int_equal(avow_ledger_prove_consistency(proof, log, 3, 5), 0);
    /* The fork's proof does not fit the honest checkpoint. */
    avow_consistency *fp = malloc(sizeof(*fp));
    assert_int_equal(avow_ledger_prove_consistency(fp, fork, 3, 5), 0);
    assert_int_equal(avow_witness_cosign(&out, w, wkey, (const char *)cp5.ptr, cp5.len, NULL, fp),
                     AVOW_EVERIFY);
    assert_int_equal(
      avow_witness_cosign(&out, w, wkey, (const char *)cp5.ptr, cp5.len, NULL, proof), 0);
    /* Now the fork at the same size is refused, and so is the old size. */
    assert_int_equal(avow_witness_cosign(&out, w, wkey, (const char *)f5.ptr, f5.len, NULL, NULL),
                     AVOW_EVERIFY);
    assert_non_null(strstr(avow_error_last(), "forked"));
    assert_int_equal(avow_witness_cosign(&out, w, wkey, (const char *)cp3.ptr, cp3.len, NULL, NULL),
                     AVOW_EVERIFY);
    assert_non_null(strstr(avow_error_last(), "rollback"));
    /* Another log key for a known origin is refused. */
    assert_int_equal(avow_witness_cosign(&out, w, wkey, (const char *)cp5.ptr, cp5.len,
                                         avow_key_public(wkey), NULL),
                     AVOW_EVERIFY);
    /* The same checkpoint again is fine (idempotent state). */
    buf_clear(&out);
    assert_int_equal(avow_witness_cosign(&out, w, wkey, (const char *)cp5.ptr, cp5.len, NULL, NULL),
                     0);
    assert_int_equal(avow_checkpoint_verify(NULL, log, (const char *)out.ptr, out.len, NULL), 0);
    assert_int_equal(verify(w).n, 0);
    free(fp);
    free(proof);
    avow_buf_dispose(&cp3);
    avow_buf_dispose(&cp5);
    avow_buf_dispose(&f5);
    avow_buf_dispose(&out);
    avow_ledger_free(fork);
    avow_ledger_free(w);
    avow_ledger_free(log);
    avow_key_free(key);
    avow_key_free(wkey);
    tu_rmrf(dir);
    free(dir);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_audit__roots_and_proofs_match_an_independent_tree),
        cmocka_unit_test(test_audit__verify_names_a_damaged_missing_or_extra_node),
        cmocka_unit_test(test_audit__verify_checks_stored_checkpoints),
        cmocka_unit_test(test_audit__altered_checkpoint_lines_are_rejected_naming_the_line),
        cmocka_unit_test(test_audit__ledger_rebuilt_without_an_old_event_fails_an_old_checkpoint),
        cmocka_unit_test(test_audit__evidence_verifies_offline_and_any_changed_byte_fails),
        cmocka_unit_test(test_audit__evidence_write_leaves_the_buffer_as_it_was_when_it_fails),
        cmocka_unit_test(test_audit__attestation_round_trips_and_rejects_changes),
        cmocka_unit_test(
          test_audit__witness_refuses_a_rewritten_history_and_accepts_the_honest_one),
        cmocka_unit_test(
          test_audit__witness_refuses_a_size_0_checkpoint_with_a_root_and_is_not_poisoned),
        cmocka_unit_test(test_audit__witness_quorum_binds_names_to_keys_and_counts_each_once),
    };
    if (sodium_init() < 0) {
        return 1;
    }
    return cmocka_run_group_tests(tests, NULL, NULL);
}
