/* SPDX-License-Identifier: ISC */
/*
 * test_trust.c - the keyring (src/project/trust.c): the owner counts, others only
 * once trusted; revocation keeps what was signed up to a seq; a rotated key's
 * successor counts where the old key did; settings stay local.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "event/codec.h"
#include "testutil.h"

#define T_DAY   INT64_C(86400000000)
#define T_START INT64_C(1704067200000000) /* 2024-01-01 */
#define CONTEST "nato-sg-2024"

static void
define_contest(avow_ledger *l, const avow_key *key)
{
    avow_draft d[3];
    d[0] = (avow_draft)AVOW_DRAFT_INIT;
    d[0].kind = AVOW_KIND_CONTEST;
    d[0].effective_at = T_START;
    d[0].contest = CONTEST;
    d[0].title = "NATO SG";
    d[0].rule = "unanimity";
    d[1] = (avow_draft)AVOW_DRAFT_INIT;
    d[1].kind = AVOW_KIND_MEMBER_JOIN;
    d[1].effective_at = T_START;
    d[1].contest = CONTEST;
    d[1].actor = "HU";
    d[2] = (avow_draft)AVOW_DRAFT_INIT;
    d[2].kind = AVOW_KIND_CANDIDATE_ENTER;
    d[2].effective_at = T_START;
    d[2].contest = CONTEST;
    d[2].candidate = "Rutte";
    assert_int_equal(avow_ledger_append_drafts(NULL, NULL, l, key, d, 3), 0);
}

/* Sign key's next stance in ledger l's view of its chain, append it signed. */
static void
declare(avow_ledger *l, const avow_key *key, uint8_t stance, int day)
{
    uint64_t seq = 0;
    unsigned char prev[AVOW_HASH_BYTES];
    avow_buf b = AVOW_BUF_INIT;
    avow_draft d = AVOW_DRAFT_INIT;
    d.kind = AVOW_KIND_STANCE;
    d.effective_at = T_START + day * T_DAY;
    d.contest = CONTEST;
    d.actor = "HU";
    d.candidate = "Rutte";
    d.stance = stance;
    d.source = "https://example.org/hu";
    assert_int_equal(avow_ledger_head(&seq, prev, l, avow_key_public(key)), 0);
    assert_int_equal(avow_event_sign(&b, &d, key, seq + 1, prev, avow_time_now()), 0);
    const unsigned char *p = b.ptr;
    assert_int_equal(avow_ledger_append_signed(NULL, l, &p, &b.len, 1), 0);
    avow_buf_dispose(&b);
}

static int
counts(avow_ledger *l, const avow_key *key, uint64_t seq)
{
    avow_trust *t = NULL;
    assert_int_equal(avow_trust_open(&t, l), 0);
    int c = avow_trust_counts(t, avow_key_public(key), seq);
    avow_trust_free(t);
    return c;
}

/* Whether state says HU opposes Rutte. */
static int
hu_opposes(avow_ledger *l)
{
    avow_state *s = NULL;
    avow_buf j = AVOW_BUF_INIT;
    if (avow_state_compute(&s, l, CONTEST, NULL) != 0) {
        fail_msg("state: %s", avow_error_last());
    }
    assert_int_equal(avow_state_to_json(&j, s), 0);
    assert_int_equal(buf_put(&j, "", 1), 0);
    int r = strstr((const char *)j.ptr, "\"opposes\":[\"HU\"]") != NULL;
    avow_state_free(s);
    avow_buf_dispose(&j);
    return r;
}

static void
test_trust__owner_counts_and_others_only_once_trusted(void **state)
{
    (void)state;
    char *dir = NULL;
    avow_ledger *l = tu_ledger(&dir);
    avow_key *owner = tu_key(1), *other = tu_key(2);
    define_contest(l, owner);
    assert_int_equal(counts(l, owner, 1), 1);
    declare(l, other, AVOW_STANCE_OPPOSES, 10);
    assert_int_equal(counts(l, other, 1), 0);
    assert_false(hu_opposes(l)); /* stored, but does not change state */
    assert_int_equal(avow_trust_add(l, avow_key_public(other), "analyst two"), 0);
    assert_int_equal(counts(l, other, 1), 1);
    assert_true(hu_opposes(l));
    assert_int_equal(avow_trust_remove(l, avow_key_public(other)), 0);
    assert_int_equal(counts(l, other, 1), 0);
    assert_int_equal(avow_trust_remove(l, avow_key_public(other)), AVOW_ENOTFOUND);
    assert_int_equal(avow_trust_add(l, avow_key_public(other), ""), AVOW_EINVALID);
    assert_int_equal(avow_trust_add(l, avow_key_public(other), "bad\nname"), AVOW_EINVALID);
    avow_ledger_free(l);
    avow_key_free(owner);
    avow_key_free(other);
    tu_rmrf(dir);
    free(dir);
}

static void
test_trust__revoke_keeps_events_up_to_the_seq(void **state)
{
    (void)state;
    char *dir = NULL;
    avow_ledger *l = tu_ledger(&dir);
    avow_key *owner = tu_key(1), *other = tu_key(2);
    define_contest(l, owner);
    assert_int_equal(avow_trust_add(l, avow_key_public(other), "two"), 0);
    declare(l, other, AVOW_STANCE_OPPOSES, 10);  /* seq 1 */
    declare(l, other, AVOW_STANCE_SUPPORTS, 11); /* seq 2: a thief's */
    assert_false(hu_opposes(l));
    assert_int_equal(avow_trust_revoke(l, avow_key_public(other), 1), 0);
    assert_int_equal(counts(l, other, 1), 1);
    assert_int_equal(counts(l, other, 2), 0);
    assert_true(hu_opposes(l));
    /* The owner too can be revoked. */
    assert_int_equal(avow_trust_revoke(l, avow_key_public(owner), 2), 0);
    assert_int_equal(counts(l, owner, 2), 1);
    assert_int_equal(counts(l, owner, 3), 0);
    avow_ledger_free(l);
    avow_key_free(owner);
    avow_key_free(other);
    tu_rmrf(dir);
    free(dir);
}

static void
test_trust__rotated_key_successor_counts_where_the_old_key_did(void **state)
{
    (void)state;
    char *da = NULL, *db = NULL;
    avow_ledger *a = tu_ledger(&da), *b = tu_ledger(&db);
    avow_key *owner = tu_key(1), *old = tu_key(2), *next = tu_key(3), *stranger = tu_key(4);
    unsigned char id[AVOW_EVENT_ID_BYTES];
    avow_sync_stats st;
    define_contest(a, owner);
    declare(a, old, AVOW_STANCE_SUPPORTS, 5);
    assert_int_equal(avow_ledger_rotate_key(id, a, old, next), 0);
    assert_int_equal(avow_ledger_rotate_key(id, a, old, old), AVOW_EINVALID);
    declare(a, next, AVOW_STANCE_OPPOSES, 10);
    /* A replica that trusts only the old key. */
    assert_int_equal(avow_sync_local(&st, b, a, NULL), 0);
    assert_int_equal(avow_trust_add(b, avow_key_public(owner), "contest author"), 0);
    assert_int_equal(avow_trust_add(b, avow_key_public(old), "old"), 0);
    assert_int_equal(counts(b, next, 1), 1);
    assert_true(hu_opposes(b));
    /* Revoked before the succession: the successor does not count. */
    assert_int_equal(avow_trust_revoke(b, avow_key_public(old), 1), 0);
    assert_int_equal(counts(b, next, 1), 0);
    /* A succession event is verified with both signatures. */
    avow_buf raw = AVOW_BUF_INIT;
    avow_event ev;
    const unsigned char *succ = NULL;
    assert_int_equal(avow_ledger_get(&raw, NULL, a, id), 0);
    assert_int_equal(avow_event_decode(&ev, raw.ptr, raw.len), 0);
    assert_int_equal(ev.kind, AVOW_KIND_KEY_SUCCESSION);
    assert_string_equal(avow_kind_name(ev.kind), "key-succession");
    assert_int_equal(avow_event_successor(&ev, &succ), 1);
    assert_memory_equal(succ, avow_key_public(next), 32);
    assert_int_equal(avow_event_verify(&ev), 0);
    /* A successor signature by the wrong key fails, even re-signed by the author. */
    unsigned char *sig = (unsigned char *)(uintptr_t)(succ + 32 + 3);
    sig[5] ^= 1;
    codec_sign_message(raw.ptr + raw.len - AVOW_SIG_BYTES, raw.ptr, raw.len - AVOW_SIG_BYTES, old);
    assert_int_equal(avow_event_decode(&ev, raw.ptr, raw.len), 0);
    assert_int_equal(avow_event_verify(&ev), AVOW_EVERIFY);
    (void)stranger;
    avow_buf_dispose(&raw);
    avow_ledger_free(a);
    avow_ledger_free(b);
    avow_key_free(owner);
    avow_key_free(old);
    avow_key_free(next);
    avow_key_free(stranger);
    tu_rmrf(da);
    tu_rmrf(db);
    free(da);
    free(db);
}

static int
collect(const avow_trust_entry *e, void *payload)
{
    unsigned int *flags = payload;
    if (e->name[0] == 'n') {
        flags[0] = e->flags;
    } else if (e->flags & AVOW_TRUST_OWNER) {
        flags[1] = e->flags;
    }
    return 0;
}

static void
test_trust__list_shows_owner_names_and_is_local(void **state)
{
    (void)state;
    char *da = NULL, *db = NULL;
    avow_ledger *a = tu_ledger(&da), *b = tu_ledger(&db);
    avow_key *owner = tu_key(1), *other = tu_key(2);
    avow_sync_stats st;
    define_contest(a, owner);
    assert_int_equal(avow_trust_add(a, avow_key_public(other), "named"), 0);
    unsigned int flags[2] = { 0, 0 };
    assert_int_equal(avow_trust_list(a, collect, flags), 0);
    assert_true(flags[0] & AVOW_TRUST_LISTED);
    assert_false(flags[0] & AVOW_TRUST_COUNTS ? 0 : 1);
    assert_true(flags[1] & AVOW_TRUST_COUNTS);
    /* Trust settings are never replicated. */
    assert_int_equal(avow_sync_local(&st, b, a, NULL), 0);
    flags[0] = flags[1] = 0;
    assert_int_equal(avow_trust_list(b, collect, flags), 0);
    assert_int_equal(flags[0], 0);
    assert_int_equal(counts(b, other, 1), 0);
    avow_ledger_free(a);
    avow_ledger_free(b);
    avow_key_free(owner);
    avow_key_free(other);
    tu_rmrf(da);
    tu_rmrf(db);
    free(da);
    free(db);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_trust__owner_counts_and_others_only_once_trusted),
        cmocka_unit_test(test_trust__revoke_keeps_events_up_to_the_seq),
        cmocka_unit_test(test_trust__rotated_key_successor_counts_where_the_old_key_did),
        cmocka_unit_test(test_trust__list_shows_owner_names_and_is_local),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
