/* SPDX-License-Identifier: ISC */
/*
 * test_ruleexpr.c - the rule expression language (src/event/ruleexpr.c,
 * src/event/ruleeval.c): table tests at the edges of every built-in, the
 * classic rules agreeing with rule_needed(), parse errors with position and
 * expectation, and pivotal equal to brute force on random weighted contests.
 */
#include "testutil.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "event/rule.h"
#include "event/ruleeval.h"

#define MAXM 48

/* An electorate written as a string: S supports, O opposes, A abstains,
 * U undecided, - no stance; weights (population) and the group permanent. */
struct elect {
    size_t n;
    uint8_t stance[MAXM], perm[MAXM];
    unsigned long long pop[MAXM];
    ruleeval_weight w;
    ruleeval_group g;
    ruleeval_ctx c;
};

static void
elect_set(struct elect *e, const char *stances, const unsigned long long *pop, const char *perm)
{
    memset(e, 0, sizeof(*e));
    e->n = strlen(stances);
    for (size_t i = 0; i < e->n; i++) {
        char s = stances[i];
        e->stance[i] = s == 'S'   ? AVOW_STANCE_SUPPORTS
                       : s == 'O' ? AVOW_STANCE_OPPOSES
                       : s == 'A' ? AVOW_STANCE_ABSTAINS
                       : s == 'U' ? AVOW_STANCE_UNDECIDED
                                  : AVOW_STANCE_NONE;
        e->pop[i] = pop != NULL ? pop[i] : 1;
        e->perm[i] = (uint8_t)(perm != NULL && perm[i] == 'P');
    }
    e->w.name = "population";
    e->w.w = e->pop;
    e->g.name = "permanent";
    e->g.in = e->perm;
    e->c.n = e->n;
    e->c.stance = e->stance;
    e->c.nweights = 1;
    e->c.weights = &e->w;
    e->c.ngroups = 1;
    e->c.groups = &e->g;
}

static int
met(const char *text, const char *stances, const unsigned long long *pop, const char *perm)
{
    ruleexpr x;
    struct elect e;
    ruleexpr_error err;
    assert_int_equal(ruleexpr_parse(&x, text, strlen(text), &err), 0);
    elect_set(&e, stances, pop, perm);
    return ruleeval_met(&x, &e.c);
}

static void
test_ruleexpr__eu_qmv_edges(void **state)
{
    (void)state;
    /* 20 members: ten of 14, ten of 6 (total 200; 65 % = 130, 55 % = 11 members). */
    unsigned long long pop[20];
    for (int i = 0; i < 20; i++) {
        pop[i] = i < 10 ? 14 : 6;
    }
    /* Exactly 11 members (55 %) and exactly 130 (65 %): met. */
    assert_int_equal(met("eu-qmv", "SSSSSSSS--SSS-------", pop, NULL), 1);
    /* 11 members, 122 (61 %), nine not for: not met. */
    assert_int_equal(met("eu-qmv", "SSSSSSS---SSSS------", pop, NULL), 0);
    /* 12 members, 136: met. */
    assert_int_equal(met("eu-qmv", "SSSSSSSS--SSSS------", pop, NULL), 1);
    /* 10 members (50 %), 132 (66 %): not met. */
    assert_int_equal(met("eu-qmv", "SSSSSSSSS-S---------", pop, NULL), 0);
    /* Blocking minority of three (8 members: 3 x 20, 5 x 8): deemed met at 40 %. */
    unsigned long long pop8[8] = { 20, 20, 20, 8, 8, 8, 8, 8 };
    assert_int_equal(met("eu-qmv", "OOOSSSSS", pop8, NULL), 1);
    /* Of four (9 members: 4 x 20, 5 x 4): not met at 20 %, abstaining or opposing. */
    unsigned long long pop9[9] = { 20, 20, 20, 20, 4, 4, 4, 4, 4 };
    assert_int_equal(met("eu-qmv", "OOOOSSSSS", pop9, NULL), 0);
    assert_int_equal(met("eu-qmv", "OOOASSSSS", pop9, NULL), 0);
    /* Reinforced: 25 equal members, 72 % = 18. */
    assert_int_equal(met("eu-qmv-reinforced", "SSSSSSSSSSSSSSSSSS-------", NULL, NULL), 1);
    assert_int_equal(met("eu-qmv-reinforced", "SSSSSSSSSSSSSSSSS--------", NULL, NULL), 0);
    assert_int_equal(met("eu-qmv-reinforced", "SSSSSSSSSSSSSSSSSSS------", NULL, NULL), 1);
}

static void
test_ruleexpr__unsc_edges(void **state)
{
    (void)state;
    const char *perm = "PPPPP----------";
    assert_int_equal(met("unsc", "-----SSSSSSSSS-", NULL, perm), 1); /* 9 */
    assert_int_equal(met("unsc", "-----SSSSSSSS--", NULL, perm), 0); /* 8 */
    assert_int_equal(met("unsc", "-----SSSSSSSSSS", NULL, perm), 1); /* 10 */
    /* A permanent member abstaining is no veto; opposing is. */
    assert_int_equal(met("unsc", "A----SSSSSSSSS-", NULL, perm), 1);
    assert_int_equal(met("unsc", "O----SSSSSSSSSS", NULL, perm), 0);
    /* An elected member opposing is no veto. */
    assert_int_equal(met("unsc", "SSSSSSSSSO-----", NULL, perm), 1);
}

static void
test_ruleexpr__counting_rules_edges(void **state)
{
    (void)state;
    assert_int_equal(met("majority", "SSSSS-----", NULL, NULL), 0);
    assert_int_equal(met("majority", "SSSSSS----", NULL, NULL), 1);
    assert_int_equal(met("majority", "SSSSS----", NULL, NULL), 1);
    assert_int_equal(met("majority", "SSSS-----", NULL, NULL), 0);
    assert_int_equal(met("unanimity", "SSS", NULL, NULL), 1);
    assert_int_equal(met("unanimity", "SSA", NULL, NULL), 0);
    assert_int_equal(met("2/3", "SSSSSS---", NULL, NULL), 1);
    assert_int_equal(met("2/3", "SSSSS----", NULL, NULL), 0);
    assert_int_equal(met("3", "SSS--", NULL, NULL), 1);
    assert_int_equal(met("3", "SS---", NULL, NULL), 0);
    /* Two thirds of those present and voting: abstentions not counted. */
    assert_int_equal(met("two-thirds-present", "SSSSOOAAAA", NULL, NULL), 1); /* 4/6 */
    assert_int_equal(met("two-thirds-present", "SSSOOAAAAA", NULL, NULL), 0); /* 3/5 */
    assert_int_equal(met("two-thirds-present", "SSSSSOOAA-", NULL, NULL), 1); /* 5/7 */
    assert_int_equal(met("two-thirds-present", "AAAA------", NULL, NULL), 0); /* none */
}

/* The classic rules mean what rule_needed() says (electorates of 1 to 40). */
static void
test_ruleexpr__classic_rules_agree_with_rule_needed(void **state)
{
    (void)state;
    const char *rules[] = { "unanimity", "majority", "2/3", "1/2", "3/4", "1/1", "5", "1" };
    for (size_t k = 0; k < sizeof(rules) / sizeof(rules[0]); k++) {
        rule r;
        ruleexpr x;
        assert_int_equal(rule_parse(&r, rules[k], strlen(rules[k])), 0);
        assert_int_equal(ruleexpr_parse(&x, rules[k], strlen(rules[k]), NULL), 0);
        assert_true(ruleexpr_is_classic(rules[k], strlen(rules[k])));
        for (size_t n = 1; n <= 40; n++) {
            for (size_t s = 0; s <= n; s++) {
                char st[41];
                memset(st, '-', n);
                memset(st, 'S', s);
                st[n] = '\0';
                struct elect e;
                elect_set(&e, st, NULL, NULL);
                assert_int_equal(ruleeval_met(&x, &e.c), s >= rule_needed(&r, n));
            }
        }
    }
    assert_false(ruleexpr_is_classic("eu-qmv", 6));
}

static void
expect_error(const char *text, size_t pos, const char *words)
{
    ruleexpr x;
    ruleexpr_error err;
    assert_int_equal(ruleexpr_parse(&x, text, strlen(text), &err), -1);
    if (err.pos != pos || strstr(err.msg, words) == NULL) {
        fail_msg("%s: pos %zu msg %s", text, err.pos, err.msg);
    }
}

static void
test_ruleexpr__errors_say_where_and_what(void **state)
{
    (void)state;
    expect_error("", 0, "a measure");
    expect_error("members.fo >= 1", 8, "for, against");
    expect_error("members.for => 1", 13, "a number");
    expect_error("members.for ! 1", 12, "a comparison");
    expect_error("members.for >= 101%", 18, "at most 100");
    expect_error("members.for >= 05", 15, "leading zero");
    expect_error("members.for >= 55.50%", 20, "not ending in 0");
    expect_error("members.for >= 3/2", 18, "P <= Q");
    expect_error("members.for >= 1 and", 20, "a measure");
    expect_error("(members.for >= 1", 17, "')'");
    expect_error("no permanent", 12, "'opposes'");
    expect_error("members.for >= 1 xor", 17, "'and', 'or' or the end");
    expect_error("Members.for >= 1", 0, "a measure");
    ruleexpr x;
    ruleexpr_error err;
    char deep[200];
    size_t k = 0;
    for (int i = 0; i < 20; i++) {
        k += (size_t)snprintf(deep + k, sizeof(deep) - k, "not ");
    }
    (void)snprintf(deep + k, sizeof(deep) - k, "members.for >= 1");
    assert_int_equal(ruleexpr_parse(&x, deep, strlen(deep), &err), -1);
    assert_non_null(strstr(err.msg, "less nesting"));
    /* Valid spellings. */
    const char *ok[] = { "members.for >= 64.07%", "population.for >= 65% of present",
                         "not members.against > 0", "(a.for >= 1/2 or b.for < 3) and no p opposes",
                         "members.for = 100%" };
    for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
        if (ruleexpr_parse(&x, ok[i], strlen(ok[i]), &err) != 0) {
            fail_msg("%s: %s", ok[i], err.msg);
        }
    }
}

static void
test_ruleexpr__unknown_weight_is_an_error_not_a_no(void **state)
{
    (void)state;
    ruleexpr x;
    struct elect e;
    assert_int_equal(ruleexpr_parse(&x, "gdp.for >= 50%", 14, NULL), 0);
    elect_set(&e, "SS", NULL, NULL);
    assert_int_equal(ruleeval_met(&x, &e.c), AVOW_EINVALID);
    assert_int_equal(ruleexpr_parse(&x, "no council opposes", 18, NULL), 0);
    assert_int_equal(ruleeval_met(&x, &e.c), AVOW_EINVALID);
}

static void
test_ruleexpr__explain_says_numbers(void **state)
{
    (void)state;
    ruleexpr x;
    struct elect e;
    char buf[1024];
    unsigned long long pop[20];
    for (int i = 0; i < 20; i++) {
        pop[i] = i < 10 ? 14 : 6;
    }
    assert_int_equal(ruleexpr_parse(&x, "eu-qmv", 6, NULL), 0);
    elect_set(&e, "SSSSSSS---SSSS------", pop, NULL);
    assert_int_equal(ruleeval_explain(&x, &e.c, buf, sizeof(buf)), 0);
    assert_non_null(strstr(buf, "members for: 11 of 20 all (55.00 %), needs >= 55 %: met"));
    assert_non_null(strstr(buf, "population for: 122 of 200 all (61.00 %), needs >= 65 %: not met "
                                "(4.00 points short)"));
    assert_non_null(strstr(buf, "rule not met"));
    assert_int_equal(ruleeval_explain(&x, &e.c, buf, 10), AVOW_ERANGE);
    double share;
    assert_int_equal(ruleeval_share(&e.c, "population", &share), 0);
    assert_true(share > 0.6099 && share < 0.6101);
}

/* Brute force: flip each member to each stance and compare. */
static void
brute_pivotal(const ruleexpr *x, struct elect *e, uint8_t *out)
{
    int base = ruleeval_met(x, &e->c);
    for (size_t i = 0; i < e->n; i++) {
        uint8_t keep = e->stance[i];
        out[i] = 0;
        for (unsigned s = AVOW_STANCE_NONE; s <= AVOW_STANCE_ABSTAINS; s++) {
            e->stance[i] = (uint8_t)s;
            if (ruleeval_met(x, &e->c) != base) {
                out[i] = 1;
            }
        }
        e->stance[i] = keep;
    }
}

static void
test_ruleexpr__pivotal_equals_brute_force(void **state)
{
    (void)state;
    const char *rules[] = { "eu-qmv",
                            "eu-qmv-reinforced",
                            "unsc",
                            "two-thirds-present",
                            "majority",
                            "unanimity",
                            "population.for > 1/2 of voting and members.against < 3" };
    srand(16);
    for (int round = 0; round < 3000; round++) {
        struct elect e;
        char st[MAXM + 1] = { 0 }, perm[MAXM + 1] = { 0 };
        unsigned long long pop[MAXM] = { 0 };
        size_t n = 1 + (size_t)(rand() % 27);
        for (size_t i = 0; i < n; i++) {
            st[i] = "SSSOA-U"[rand() % 7];
            perm[i] = rand() % 4 == 0 ? 'P' : '-';
            pop[i] = (unsigned long long)(rand() % 1000);
        }
        st[n] = perm[n] = '\0';
        elect_set(&e, st, pop, perm);
        const char *r = rules[round % (sizeof(rules) / sizeof(rules[0]))];
        ruleexpr x;
        assert_int_equal(ruleexpr_parse(&x, r, strlen(r), NULL), 0);
        uint8_t got[MAXM] = { 0 }, want[MAXM] = { 0 };
        int count = ruleeval_pivotal(&x, &e.c, got);
        brute_pivotal(&x, &e, want);
        int wc = 0;
        for (size_t i = 0; i < n; i++) {
            wc += want[i];
        }
        assert_int_equal(count, wc);
        assert_memory_equal(got, want, n);
    }
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_ruleexpr__eu_qmv_edges),
        cmocka_unit_test(test_ruleexpr__unsc_edges),
        cmocka_unit_test(test_ruleexpr__counting_rules_edges),
        cmocka_unit_test(test_ruleexpr__classic_rules_agree_with_rule_needed),
        cmocka_unit_test(test_ruleexpr__errors_say_where_and_what),
        cmocka_unit_test(test_ruleexpr__unknown_weight_is_an_error_not_a_no),
        cmocka_unit_test(test_ruleexpr__explain_says_numbers),
        cmocka_unit_test(test_ruleexpr__pivotal_equals_brute_force),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
