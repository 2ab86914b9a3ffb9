/* SPDX-License-Identifier: ISC */
/*
 * test_fold.c - the pure fold (src/project/fold.c) without a ledger: events
 * are signed and decoded in memory with the codec, classified (retractions,
 * trust) and folded, and the result turned into a state (state_build())
 * whose lists, counts and rule are checked.
 */
#include "testutil.h"

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "event/codec.h"
#include "project/fold.h"
#include "project/snapcodec.h"
#include "project/state.h"

#define DAY   INT64_C(86400000000)
#define T0    INT64_C(1704067200000000) /* 2024-01-01 */
#define MAXEV 32

/* Events signed by two authors, kept decoded (their fields point into raw). */
struct book {
    avow_key *keys[2];
    uint64_t seq[2];
    unsigned char prev[2][AVOW_HASH_BYTES]; /* the chains' last content hashes */
    avow_buf raw[MAXEV];
    avow_event ev[MAXEV];
    unsigned char id[MAXEV][AVOW_EVENT_ID_BYTES];
    size_t n;
    fold_acc acc;
    fold_retractions rs;
};

static void
book_init(struct book *b)
{
    memset(b, 0, sizeof(*b));
    b->keys[0] = tu_key(0x51);
    b->keys[1] = tu_key(0x52);
    fold_init(&b->acc);
    fold_retractions_init(&b->rs);
}

static void
book_free(struct book *b)
{
    for (size_t i = 0; i < b->n; i++) {
        avow_buf_dispose(&b->raw[i]);
    }
    avow_key_free(b->keys[0]);
    avow_key_free(b->keys[1]);
    fold_free(&b->acc);
    fold_retractions_free(&b->rs);
}

static size_t
book_add(struct book *b, int author, const avow_draft *d, int64_t rec)
{
    size_t i = b->n++;
    assert_true(i < MAXEV);
    int rc =
      avow_event_sign(&b->raw[i], d, b->keys[author], ++b->seq[author], b->prev[author], rec);
    if (rc != 0) {
        fprintf(stderr, "sign: %s\n", avow_error_last());
    }
    assert_int_equal(rc, 0);
    assert_int_equal(avow_event_decode(&b->ev[i], b->raw[i].ptr, b->raw[i].len), 0);
    avow_event_id(b->id[i], &b->ev[i]);
    avow_event_content_hash(b->prev[author], &b->ev[i]);
    return i;
}

static size_t
contest(struct book *b, const char *rule)
{
    avow_draft d = AVOW_DRAFT_INIT;
    d.kind = AVOW_KIND_CONTEST;
    d.effective_at = T0;
    d.contest = "c";
    d.title = "A contest";
    d.rule = rule;
    return book_add(b, 0, &d, T0);
}

static size_t
name_event(struct book *b, uint8_t kind, const char *name, int64_t eff)
{
    avow_draft d = AVOW_DRAFT_INIT;
    d.kind = kind;
    d.effective_at = eff;
    d.contest = "c";
    if (kind == AVOW_KIND_MEMBER_JOIN || kind == AVOW_KIND_MEMBER_LEAVE) {
        d.actor = name;
    } else {
        d.candidate = name;
    }
    return book_add(b, 0, &d, eff);
}

static size_t
stance(struct book *b, int author, const char *actor, const char *cand, uint8_t st, int64_t eff,
       int64_t rec)
{
    avow_draft d = AVOW_DRAFT_INIT;
    d.kind = AVOW_KIND_STANCE;
    d.effective_at = eff;
    d.contest = "c";
    d.actor = actor;
    d.candidate = cand;
    d.stance = st;
    d.source = "https://example.org/s";
    return book_add(b, author, &d, rec);
}

static size_t
retract(struct book *b, int author, size_t target, int64_t rec)
{
    avow_draft d = AVOW_DRAFT_INIT;
    d.kind = AVOW_KIND_RETRACT;
    d.effective_at = rec;
    d.target = b->id[target];
    d.reason = "mistake";
    size_t i = book_add(b, author, &d, rec);
    if (memcmp(b->ev[target].author, b->ev[i].author, AVOW_PUBKEY_BYTES) == 0) {
        /* what src/derived/retractions.c indexes */
        assert_int_equal(
          fold_retractions_add(&b->rs, b->id[target], rec, b->ev[i].author, b->id[i]), 0);
    }
    return i;
}

/* Trust only the first author. */
static int
only_first(const void *ctx, const unsigned char author[AVOW_PUBKEY_BYTES], uint64_t seq)
{
    const struct book *b = ctx;
    (void)seq;
    return memcmp(author, avow_key_public(b->keys[0]), AVOW_PUBKEY_BYTES) == 0;
}

/* Fold every event (they were added in bytime order) known at known_at. */
static avow_state *
book_state(struct book *b, int64_t known_at, fold_trust_fn counts)
{
    avow_state *st = NULL;
    const fold_retraction *r;
    for (size_t i = 0; i < b->n; i++) {
        if (b->ev[i].recorded_at > known_at) {
            continue;
        }
        if (fold_classify(&b->ev[i], b->id[i], known_at, &b->rs, counts, b, &r) == FOLD_COUNTS) {
            assert_int_equal(fold_apply(&b->acc, &b->ev[i], b->id[i]), 0);
        }
    }
    assert_int_equal(state_build(&st, &b->acc, "c", AVOW_TIME_MAX - 1, known_at), 0);
    return st;
}

/* The actors of one list of candidate c, joined by commas. */
static const char *
list(const avow_state *st, size_t c, avow_state_list l)
{
    static char out[256];
    size_t off = 0;
    out[0] = '\0';
    for (size_t i = 0; i < avow_state_list_count(st, c, l); i++) {
        const char *a = avow_state_list_actor(st, c, l, i);
        size_t n = strlen(a);
        assert_true(off + n + 2 < sizeof(out));
        if (i > 0) {
            out[off++] = ',';
        }
        memcpy(out + off, a, n + 1);
        off += n;
    }
    return out;
}

/* A contest "c" with members A, B, C and candidates X, Y. */
static void
electorate(struct book *b, const char *rule)
{
    contest(b, rule);
    name_event(b, AVOW_KIND_MEMBER_JOIN, "A", T0 + 1);
    name_event(b, AVOW_KIND_MEMBER_JOIN, "B", T0 + 2);
    name_event(b, AVOW_KIND_MEMBER_JOIN, "C", T0 + 3);
    name_event(b, AVOW_KIND_CANDIDATE_ENTER, "X", T0 + 4);
    name_event(b, AVOW_KIND_CANDIDATE_ENTER, "Y", T0 + 5);
}

static void
test_fold__stances_sort_into_supports_opposes_undecided_and_no_stance(void **state)
{
    (void)state;
    struct book b;
    book_init(&b);
    electorate(&b, "majority");
    stance(&b, 0, "B", "X", AVOW_STANCE_SUPPORTS, T0 + DAY, T0 + DAY);
    stance(&b, 0, "A", "X", AVOW_STANCE_SUPPORTS, T0 + DAY + 1, T0 + DAY + 1);
    stance(&b, 0, "C", "X", AVOW_STANCE_OPPOSES, T0 + DAY + 2, T0 + DAY + 2);
    stance(&b, 0, "A", "Y", AVOW_STANCE_UNDECIDED, T0 + DAY + 3, T0 + DAY + 3);
    avow_state *st = book_state(&b, AVOW_TIME_MAX, NULL);
    assert_int_equal(avow_state_member_count(st), 3);
    assert_int_equal(avow_state_candidate_count(st), 2);
    assert_string_equal(avow_state_candidate_name(st, 0), "X");
    assert_string_equal(list(st, 0, AVOW_LIST_SUPPORTS), "A,B"); /* sorted */
    assert_string_equal(list(st, 0, AVOW_LIST_OPPOSES), "C");
    assert_string_equal(list(st, 0, AVOW_LIST_NO_STANCE), "");
    assert_string_equal(list(st, 1, AVOW_LIST_UNDECIDED), "A");
    assert_string_equal(list(st, 1, AVOW_LIST_NO_STANCE), "B,C");
    assert_int_equal(avow_state_support_count(st, 0), 2);
    avow_state_free(st);
    book_free(&b);
}

static void
test_fold__the_latest_effective_statement_wins(void **state)
{
    (void)state;
    struct book b;
    book_init(&b);
    electorate(&b, "majority");
    stance(&b, 0, "A", "X", AVOW_STANCE_SUPPORTS, T0 + DAY, T0 + DAY);
    stance(&b, 0, "A", "X", AVOW_STANCE_OPPOSES, T0 + 2 * DAY, T0 + 2 * DAY);
    /* the other author, earlier: overridden, not a dispute */
    stance(&b, 1, "B", "X", AVOW_STANCE_OPPOSES, T0 + DAY, T0 + DAY + 1);
    stance(&b, 0, "B", "X", AVOW_STANCE_SUPPORTS, T0 + 3 * DAY, T0 + 3 * DAY);
    avow_state *st = book_state(&b, AVOW_TIME_MAX, NULL);
    assert_string_equal(list(st, 0, AVOW_LIST_OPPOSES), "A");
    assert_string_equal(list(st, 0, AVOW_LIST_SUPPORTS), "B");
    assert_string_equal(list(st, 0, AVOW_LIST_DISPUTED), "");
    avow_state_free(st);
    book_free(&b);
}

static void
test_fold__authors_disagreeing_at_one_time_make_a_dispute(void **state)
{
    (void)state;
    struct book b;
    book_init(&b);
    electorate(&b, "majority");
    stance(&b, 0, "A", "X", AVOW_STANCE_SUPPORTS, T0 + DAY, T0 + DAY);
    stance(&b, 1, "A", "X", AVOW_STANCE_OPPOSES, T0 + DAY, T0 + DAY + 1);
    avow_state *st = book_state(&b, AVOW_TIME_MAX, NULL);
    assert_string_equal(list(st, 0, AVOW_LIST_DISPUTED), "A");
    assert_string_equal(list(st, 0, AVOW_LIST_SUPPORTS), "");
    assert_int_equal(avow_state_support_count(st, 0), 0);
    avow_state_free(st);
    /* the same author correcting itself at that time is no dispute */
    fold_free(&b.acc);
    stance(&b, 1, "A", "X", AVOW_STANCE_SUPPORTS, T0 + DAY, T0 + DAY + 2);
    st = book_state(&b, AVOW_TIME_MAX, NULL);
    assert_string_equal(list(st, 0, AVOW_LIST_DISPUTED), "");
    assert_string_equal(list(st, 0, AVOW_LIST_SUPPORTS), "A");
    avow_state_free(st);
    book_free(&b);
}

static void
test_fold__a_retraction_removes_its_target_from_its_record_time(void **state)
{
    (void)state;
    struct book b;
    const fold_retraction *r = NULL;
    book_init(&b);
    electorate(&b, "majority");
    size_t s = stance(&b, 0, "A", "X", AVOW_STANCE_SUPPORTS, T0 + DAY, T0 + DAY);
    size_t x = retract(&b, 0, s, T0 + 5 * DAY);
    assert_int_equal(fold_classify(&b.ev[x], b.id[x], AVOW_TIME_MAX, &b.rs, NULL, NULL, &r),
                     FOLD_RETRACTION);
    assert_int_equal(fold_classify(&b.ev[s], b.id[s], AVOW_TIME_MAX, &b.rs, NULL, NULL, &r),
                     FOLD_RETRACTED);
    assert_non_null(r);
    assert_memory_equal(r->rid, b.id[x], AVOW_EVENT_ID_BYTES);
    assert_int_equal(fold_classify(&b.ev[s], b.id[s], T0 + 5 * DAY - 1, &b.rs, NULL, NULL, &r),
                     FOLD_COUNTS);
    assert_null(r);

    avow_state *before = book_state(&b, T0 + 4 * DAY, NULL);
    assert_string_equal(list(before, 0, AVOW_LIST_SUPPORTS), "A");
    fold_free(&b.acc);
    avow_state *after = book_state(&b, AVOW_TIME_MAX, NULL);
    assert_string_equal(list(after, 0, AVOW_LIST_SUPPORTS), "");
    assert_string_equal(list(after, 0, AVOW_LIST_NO_STANCE), "A,B,C");
    assert_string_not_equal(avow_state_digest(before), avow_state_digest(after));
    avow_state_free(before);
    avow_state_free(after);
    book_free(&b);
}

static void
test_fold__nobody_retracts_another_authors_event(void **state)
{
    (void)state;
    struct book b;
    book_init(&b);
    electorate(&b, "majority");
    size_t s = stance(&b, 0, "A", "X", AVOW_STANCE_SUPPORTS, T0 + DAY, T0 + DAY);
    retract(&b, 1, s, T0 + 2 * DAY); /* not indexed: another author */
    avow_state *st = book_state(&b, AVOW_TIME_MAX, NULL);
    assert_string_equal(list(st, 0, AVOW_LIST_SUPPORTS), "A");
    avow_state_free(st);
    book_free(&b);
}

static void
test_fold__untrusted_authors_do_not_count(void **state)
{
    (void)state;
    struct book b;
    const fold_retraction *r;
    book_init(&b);
    electorate(&b, "majority");
    stance(&b, 0, "A", "X", AVOW_STANCE_SUPPORTS, T0 + DAY, T0 + DAY);
    size_t u = stance(&b, 1, "A", "X", AVOW_STANCE_OPPOSES, T0 + DAY, T0 + DAY + 1);
    stance(&b, 1, "B", "X", AVOW_STANCE_SUPPORTS, T0 + DAY, T0 + DAY + 2);
    assert_int_equal(fold_classify(&b.ev[u], b.id[u], AVOW_TIME_MAX, &b.rs, only_first, &b, &r),
                     FOLD_UNTRUSTED);
    avow_state *st = book_state(&b, AVOW_TIME_MAX, only_first);
    assert_string_equal(list(st, 0, AVOW_LIST_SUPPORTS), "A");
    assert_string_equal(list(st, 0, AVOW_LIST_DISPUTED), "");
    assert_string_equal(list(st, 0, AVOW_LIST_NO_STANCE), "B,C");
    avow_state_free(st);
    fold_free(&b.acc);
    st = book_state(&b, AVOW_TIME_MAX, NULL); /* all authors */
    assert_string_equal(list(st, 0, AVOW_LIST_DISPUTED), "A");
    assert_string_equal(list(st, 0, AVOW_LIST_SUPPORTS), "B");
    avow_state_free(st);
    book_free(&b);
}

static void
check_rule(const char *rule, int supporters, size_t needed, int met)
{
    struct book b;
    const char *members[3] = { "A", "B", "C" };
    book_init(&b);
    electorate(&b, rule);
    for (int i = 0; i < supporters; i++) {
        stance(&b, 0, members[i], "X", AVOW_STANCE_SUPPORTS, T0 + DAY + i, T0 + DAY + i);
    }
    avow_state *st = book_state(&b, AVOW_TIME_MAX, NULL);
    assert_string_equal(avow_state_rule(st), rule);
    assert_int_equal(avow_state_needed(st), needed);
    assert_int_equal(avow_state_met(st, 0), met);
    assert_int_equal(avow_state_met(st, 1), 0);
    avow_state_free(st);
    book_free(&b);
}

static void
test_fold__the_rule_decides_when_a_candidate_is_met(void **state)
{
    (void)state;
    check_rule("unanimity", 2, 3, 0);
    check_rule("unanimity", 3, 3, 1);
    check_rule("majority", 1, 2, 0);
    check_rule("majority", 2, 2, 1);
    check_rule("2/3", 2, 2, 1); /* ceil(2 * 3 / 3) */
    check_rule("1/2", 1, 2, 0); /* ceil(3 / 2) */
    check_rule("1", 1, 1, 1);
}

static void
test_fold__outsiders_withdrawals_and_decisions(void **state)
{
    (void)state;
    struct book b;
    book_init(&b);
    electorate(&b, "1");
    stance(&b, 0, "Z", "X", AVOW_STANCE_OPPOSES, T0 + DAY, T0 + DAY); /* not a member */
    stance(&b, 0, "C", "X", AVOW_STANCE_SUPPORTS, T0 + DAY + 1, T0 + DAY + 1);
    name_event(&b, AVOW_KIND_MEMBER_LEAVE, "C", T0 + DAY + 2);
    stance(&b, 0, "A", "Y", AVOW_STANCE_SUPPORTS, T0 + DAY + 3, T0 + DAY + 3);
    name_event(&b, AVOW_KIND_CANDIDATE_WITHDRAW, "Y", T0 + DAY + 4);
    avow_draft d = AVOW_DRAFT_INIT;
    d.kind = AVOW_KIND_DECISION;
    d.effective_at = T0 + 9 * DAY;
    d.contest = "c";
    d.candidate = "X";
    d.source = "https://example.org/d";
    size_t dec = book_add(&b, 0, &d, T0 + 9 * DAY);
    avow_state *st = book_state(&b, AVOW_TIME_MAX, NULL);
    assert_int_equal(avow_state_member_count(st), 2);
    assert_string_equal(list(st, 0, AVOW_LIST_OUTSIDE), "C,Z");
    assert_int_equal(avow_state_outside_stance(st, 0, 0), AVOW_STANCE_SUPPORTS);
    assert_int_equal(avow_state_outside_stance(st, 0, 1), AVOW_STANCE_OPPOSES);
    assert_int_equal(avow_state_met(st, 0), 0); /* C left: no member supports X */
    assert_int_equal(avow_state_candidate_running(st, 1), 0);
    assert_int_equal(avow_state_support_count(st, 1), 1);
    assert_int_equal(avow_state_met(st, 1), 0); /* withdrawn */
    const char *who = NULL;
    int64_t at = 0;
    unsigned char id[AVOW_EVENT_ID_BYTES];
    assert_int_equal(avow_state_decision(&who, &at, id, st), 1);
    assert_string_equal(who, "X");
    assert_int_equal(at, T0 + 9 * DAY);
    assert_memory_equal(id, b.id[dec], AVOW_EVENT_ID_BYTES);
    avow_state_free(st);
    book_free(&b);
}

static void
test_fold__a_snapshot_folds_on_exactly_as_the_accumulator(void **state)
{
    (void)state;
    struct book b;
    fold_acc copy;
    avow_buf bytes = AVOW_BUF_INIT;
    book_init(&b);
    electorate(&b, "majority");
    stance(&b, 0, "A", "X", AVOW_STANCE_SUPPORTS, T0 + DAY, T0 + DAY);
    stance(&b, 1, "A", "X", AVOW_STANCE_OPPOSES, T0 + DAY, T0 + DAY + 1);
    stance(&b, 1, "B", "Y", AVOW_STANCE_UNDECIDED, T0 + DAY, T0 + DAY + 2);
    size_t half = b.n;
    stance(&b, 0, "A", "X", AVOW_STANCE_SUPPORTS, T0 + 2 * DAY, T0 + 2 * DAY);
    stance(&b, 0, "C", "Y", AVOW_STANCE_OPPOSES, T0 + 2 * DAY, T0 + 2 * DAY + 1);
    for (size_t i = 0; i < half; i++) {
        assert_int_equal(fold_apply(&b.acc, &b.ev[i], b.id[i]), 0);
    }
    assert_int_equal(snapcodec_write(&bytes, &b.acc), 0);
    fold_init(&copy);
    assert_int_equal(snapcodec_read(&copy, bytes.ptr, bytes.len), 0);
    assert_int_equal(snapcodec_read(&copy, bytes.ptr, bytes.len - 1), 1); /* torn */
    fold_free(&copy);
    assert_int_equal(snapcodec_read(&copy, bytes.ptr, bytes.len), 0);
    for (size_t i = half; i < b.n; i++) {
        assert_int_equal(fold_apply(&b.acc, &b.ev[i], b.id[i]), 0);
        assert_int_equal(fold_apply(&copy, &b.ev[i], b.id[i]), 0);
    }
    avow_state *x = NULL, *y = NULL;
    assert_int_equal(state_build(&x, &b.acc, "c", T0 + 3 * DAY, AVOW_TIME_MAX), 0);
    assert_int_equal(state_build(&y, &copy, "c", T0 + 3 * DAY, AVOW_TIME_MAX), 0);
    assert_string_equal(avow_state_digest(x), avow_state_digest(y));
    assert_string_equal(list(x, 0, AVOW_LIST_SUPPORTS), "A");
    avow_state_free(x);
    avow_state_free(y);
    fold_free(&copy);
    avow_buf_dispose(&bytes);
    book_free(&b);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_fold__stances_sort_into_supports_opposes_undecided_and_no_stance),
        cmocka_unit_test(test_fold__the_latest_effective_statement_wins),
        cmocka_unit_test(test_fold__authors_disagreeing_at_one_time_make_a_dispute),
        cmocka_unit_test(test_fold__a_retraction_removes_its_target_from_its_record_time),
        cmocka_unit_test(test_fold__nobody_retracts_another_authors_event),
        cmocka_unit_test(test_fold__untrusted_authors_do_not_count),
        cmocka_unit_test(test_fold__the_rule_decides_when_a_candidate_is_met),
        cmocka_unit_test(test_fold__outsiders_withdrawals_and_decisions),
        cmocka_unit_test(test_fold__a_snapshot_folds_on_exactly_as_the_accumulator),
    };
    if (sodium_init() < 0) {
        return 1;
    }
    return cmocka_run_group_tests(tests, NULL, NULL);
}
