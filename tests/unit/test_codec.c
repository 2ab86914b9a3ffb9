/* SPDX-License-Identifier: ISC */
/*
 * test_codec.c - the canonical event format (src/event/codec.c, docs/FORMAT.md):
 * round trips for every kind, one crafted rejection per strictness rule, and
 * the known-answer vectors of docs/FORMAT.md.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "event/codec.h"
#include "testutil.h"

#define T_2024_04_03 INT64_C(1712102400000000) /* 2024-04-03T00:00:00Z */
#define T_REC        INT64_C(1712150700000000) /* 2024-04-03T13:25:00Z */

static const unsigned char zero_prev[32];

static void
sign_ok(avow_buf *out, const avow_draft *d, const avow_key *key, uint64_t seq,
        const unsigned char *prev)
{
    buf_clear(out);
    int rc = avow_event_sign(out, d, key, seq, prev, T_REC);
    if (rc != 0) {
        fail_msg("sign failed: %s", avow_error_last());
    }
}

static avow_draft
stance_draft(void)
{
    avow_draft d = AVOW_DRAFT_INIT;
    d.kind = AVOW_KIND_STANCE;
    d.effective_at = T_2024_04_03;
    d.precision = AVOW_PREC_DAY;
    d.contest = "nato-sg-2024";
    d.actor = "LT";
    d.candidate = "Rutte";
    d.stance = AVOW_STANCE_SUPPORTS;
    d.source = "https://example.org/rutte-lithuania";
    d.person = "Gitanas Nauseda";
    d.quote = "one of the politicians who recognized the Russian threat early on";
    return d;
}

static void
check_round_trip(const avow_draft *d)
{
    avow_key *key = tu_key(7);
    avow_buf b = AVOW_BUF_INIT;
    avow_event ev;
    unsigned char id[32], expect[32];

    sign_ok(&b, d, key, 1, zero_prev);
    assert_int_equal(avow_event_decode(&ev, b.ptr, b.len), 0);
    assert_int_equal(ev.kind, d->kind);
    assert_int_equal(ev.seq, 1);
    assert_int_equal(ev.recorded_at, T_REC);
    assert_int_equal(ev.effective_at, d->effective_at);
    assert_int_equal(ev.precision, d->precision ? d->precision : AVOW_PREC_MICRO);
    assert_memory_equal(ev.author, avow_key_public(key), 32);
    assert_true(tu_str_eq(ev.contest, d->contest));
    assert_true(tu_str_eq(ev.title, d->title));
    assert_true(tu_str_eq(ev.rule, d->rule));
    assert_true(tu_str_eq(ev.actor, d->actor));
    assert_true(tu_str_eq(ev.candidate, d->candidate));
    assert_true(tu_str_eq(ev.person, d->person));
    assert_true(tu_str_eq(ev.source, d->source));
    assert_true(tu_str_eq(ev.quote, d->quote));
    assert_true(tu_str_eq(ev.reason, d->reason));
    assert_int_equal(ev.stance, d->stance);
    if (d->target) {
        assert_memory_equal(ev.target, d->target, 32);
    } else {
        assert_null(ev.target);
    }
    assert_int_equal(avow_event_verify(&ev), 0);
    avow_event_id(id, &ev);
    crypto_hash_sha256(expect, b.ptr, b.len);
    assert_memory_equal(id, expect, 32);
    avow_buf_dispose(&b);
    avow_key_free(key);
}

static void
test_codec__round_trips_every_kind(void **state)
{
    (void)state;
    unsigned char target[32];
    memset(target, 0xab, sizeof(target));
    avow_draft d = AVOW_DRAFT_INIT;

    d.kind = AVOW_KIND_CONTEST;
    d.effective_at = T_2024_04_03;
    d.precision = AVOW_PREC_DAY;
    d.contest = "nato-sg-2024";
    d.title = "NATO Secretary General 2024";
    d.rule = "unanimity";
    d.source = "https://example.org/nato";
    check_round_trip(&d);
    d.source = NULL;
    d.rule = "2/3";
    check_round_trip(&d);

    d = (avow_draft)AVOW_DRAFT_INIT;
    d.effective_at = T_2024_04_03;
    d.contest = "nato-sg-2024";
    d.actor = "SE";
    d.kind = AVOW_KIND_MEMBER_JOIN;
    check_round_trip(&d);
    d.kind = AVOW_KIND_MEMBER_LEAVE;
    check_round_trip(&d);

    d.actor = NULL;
    d.candidate = "Iohannis";
    d.kind = AVOW_KIND_CANDIDATE_ENTER;
    check_round_trip(&d);
    d.kind = AVOW_KIND_CANDIDATE_WITHDRAW;
    d.source = "https://example.org/withdraws";
    check_round_trip(&d);
    d.kind = AVOW_KIND_DECISION;
    check_round_trip(&d);

    d = stance_draft();
    check_round_trip(&d);
    d.person = NULL;
    d.quote = "line one\nline two\twith tab";
    d.stance = AVOW_STANCE_UNDECIDED;
    check_round_trip(&d);

    d = (avow_draft)AVOW_DRAFT_INIT;
    d.kind = AVOW_KIND_RETRACT;
    d.effective_at = T_2024_04_03;
    d.target = target;
    d.reason = "recorded against the wrong country";
    check_round_trip(&d);
}

/* Builds header + body + a valid signature over them, so that only the rule a
 * test breaks can make the decoder refuse it. */
typedef struct craft {
    unsigned char bytes[AVOW_EVENT_MAX_BYTES + 64];
    size_t len;
} craft;

static void
craft_header(craft *c, uint8_t version, uint8_t kind, uint64_t seq, int64_t eff, uint8_t prec)
{
    avow_key *key = tu_key(9);
    memset(c, 0, sizeof(*c));
    c->bytes[CODEC_OFF_VERSION] = version;
    c->bytes[CODEC_OFF_KIND] = kind;
    memcpy(c->bytes + CODEC_OFF_AUTHOR, avow_key_public(key), 32);
    be64_put(c->bytes + CODEC_OFF_SEQ, seq);
    if (seq != 1) {
        memset(c->bytes + CODEC_OFF_PREV, 0x11, 32);
    }
    be64_put(c->bytes + CODEC_OFF_RECORDED, (uint64_t)T_REC);
    be64_put(c->bytes + CODEC_OFF_EFFECTIVE, (uint64_t)eff);
    c->bytes[CODEC_OFF_PRECISION] = prec;
    c->len = CODEC_OFF_BODY;
    avow_key_free(key);
}

static void
craft_field(craft *c, unsigned tag, const void *v, size_t len)
{
    c->bytes[c->len] = (unsigned char)tag;
    be16_put(c->bytes + c->len + 1, (uint16_t)len);
    memcpy(c->bytes + c->len + 3, v, len);
    c->len += 3 + len;
}

static void
craft_text(craft *c, unsigned tag, const char *s)
{
    craft_field(c, tag, s, strlen(s));
}

static void
craft_sign(craft *c)
{
    avow_key *key = tu_key(9);
    be16_put(c->bytes + CODEC_OFF_BODYLEN, (uint16_t)(c->len - CODEC_OFF_BODY));
    codec_sign_message(c->bytes + c->len, c->bytes, c->len, key);
    c->len += 64;
    avow_key_free(key);
}

/* A well-formed member-join event: tests start here and break one thing. */
static void
craft_member(craft *c)
{
    craft_header(c, 1, AVOW_KIND_MEMBER_JOIN, 1, T_2024_04_03, AVOW_PREC_DAY);
    craft_text(c, TAG_CONTEST, "nato-sg-2024");
    craft_text(c, TAG_ACTOR, "SE");
}

static void
expect_reject(craft *c, const char *why)
{
    avow_event ev;
    int rc = avow_event_decode(&ev, c->bytes, c->len);
    if (rc != AVOW_EFORMAT) {
        fail_msg("expected rejection (%s), got %d", why, rc);
    }
    if (strstr(avow_error_last(), why) == NULL) {
        fail_msg("expected the reason to mention '%s', got '%s'", why, avow_error_last());
    }
}

static void
test_codec__crafted_valid_event_decodes(void **state)
{
    (void)state;
    craft c;
    avow_event ev;
    craft_member(&c);
    craft_sign(&c);
    assert_int_equal(avow_event_decode(&ev, c.bytes, c.len), 0);
    assert_int_equal(avow_event_verify(&ev), 0);
}

static void
test_codec__rejects_unknown_version(void **state)
{
    (void)state;
    craft c;
    craft_member(&c);
    c.bytes[CODEC_OFF_VERSION] = 2;
    craft_sign(&c);
    expect_reject(&c, "version");
}

static void
test_codec__rejects_trailing_and_missing_bytes(void **state)
{
    (void)state;
    craft c;
    craft_member(&c);
    craft_sign(&c);
    c.bytes[c.len] = 0;
    c.len++;
    expect_reject(&c, "trailing");
    c.len -= 2;
    expect_reject(&c, "trailing");
}

static void
test_codec__rejects_short_and_oversized_events(void **state)
{
    (void)state;
    craft c;
    craft_member(&c);
    craft_sign(&c);
    c.len = AVOW_EVENT_MIN_BYTES - 1;
    expect_reject(&c, "shorter");
    c.len = AVOW_EVENT_MAX_BYTES + 1;
    expect_reject(&c, "longer");
}

static void
test_codec__rejects_bad_header_values(void **state)
{
    (void)state;
    craft c;

    craft_header(&c, 1, 0, 1, T_2024_04_03, AVOW_PREC_DAY);
    craft_sign(&c);
    expect_reject(&c, "kind 0");

    craft_member(&c);
    be64_put(c.bytes + CODEC_OFF_SEQ, 0);
    craft_sign(&c);
    expect_reject(&c, "seq 0");

    craft_member(&c);
    c.bytes[CODEC_OFF_PREV] = 1; /* seq 1 with a prev */
    craft_sign(&c);
    expect_reject(&c, "all-zero prev");

    craft_member(&c);
    be64_put(c.bytes + CODEC_OFF_SEQ, 2);
    craft_sign(&c); /* seq 2 with zero prev */
    expect_reject(&c, "all-zero prev");

    craft_member(&c);
    c.bytes[CODEC_OFF_PRECISION] = 7;
    craft_sign(&c);
    expect_reject(&c, "precision");

    craft_member(&c);
    c.bytes[CODEC_OFF_PRECISION] = 0;
    craft_sign(&c);
    expect_reject(&c, "precision");

    craft_member(&c);
    be64_put(c.bytes + CODEC_OFF_EFFECTIVE, (uint64_t)(T_2024_04_03 + 3600000000LL));
    craft_sign(&c); /* day precision but 01:00 */
    expect_reject(&c, "start of its day");

    /* Regression: second precision with a fraction was accepted (the check
     * formatted the time at its precision, and a second-precision time prints
     * its fraction), giving one statement two encodings. */
    craft_member(&c);
    c.bytes[CODEC_OFF_PRECISION] = AVOW_PREC_SECOND;
    be64_put(c.bytes + CODEC_OFF_EFFECTIVE, (uint64_t)(T_2024_04_03 + 500000));
    craft_sign(&c);
    expect_reject(&c, "start of its second");

    craft_member(&c);
    c.bytes[CODEC_OFF_PRECISION] = AVOW_PREC_MINUTE;
    be64_put(c.bytes + CODEC_OFF_EFFECTIVE, (uint64_t)(T_2024_04_03 + 7000000));
    craft_sign(&c);
    expect_reject(&c, "start of its minute");

    craft_member(&c);
    be64_put(c.bytes + CODEC_OFF_RECORDED, (uint64_t)(AVOW_TIME_MAX + 1));
    craft_sign(&c);
    expect_reject(&c, "recorded_at");

    craft_member(&c);
    be64_put(c.bytes + CODEC_OFF_EFFECTIVE, (uint64_t)INT64_MIN);
    c.bytes[CODEC_OFF_PRECISION] = AVOW_PREC_MICRO;
    craft_sign(&c);
    expect_reject(&c, "effective_at");
}

static void
test_codec__rejects_fields_out_of_order_or_twice(void **state)
{
    (void)state;
    craft c;
    craft_header(&c, 1, AVOW_KIND_MEMBER_JOIN, 1, T_2024_04_03, AVOW_PREC_DAY);
    craft_text(&c, TAG_ACTOR, "SE");
    craft_text(&c, TAG_CONTEST, "nato-sg-2024");
    craft_sign(&c);
    expect_reject(&c, "canonical order");

    craft_header(&c, 1, AVOW_KIND_MEMBER_JOIN, 1, T_2024_04_03, AVOW_PREC_DAY);
    craft_text(&c, TAG_CONTEST, "nato-sg-2024");
    craft_text(&c, TAG_ACTOR, "SE");
    craft_text(&c, TAG_ACTOR, "FI");
    craft_sign(&c);
    expect_reject(&c, "twice");
}

static void
test_codec__rejects_tag_zero(void **state)
{
    (void)state;
    craft c;
    /* Regression: tag 0 was refused as "field 0 appears twice". */
    craft_header(&c, 1, 200, 1, T_2024_04_03, AVOW_PREC_DAY);
    craft_text(&c, 0, "zero");
    craft_sign(&c);
    expect_reject(&c, "tag 0 is not a tag");
}

static void
test_codec__rejects_truncated_fields(void **state)
{
    (void)state;
    craft c;
    craft_member(&c);
    /* a field header claiming more bytes than the body holds */
    c.bytes[c.len] = TAG_SOURCE;
    be16_put(c.bytes + c.len + 1, 200);
    c.len += 3;
    craft_sign(&c);
    expect_reject(&c, "past the end");

    craft_member(&c);
    c.bytes[c.len++] = TAG_SOURCE; /* only one byte of a field header */
    craft_sign(&c);
    expect_reject(&c, "truncated field header");
}

static void
test_codec__rejects_missing_extra_and_unknown_fields(void **state)
{
    (void)state;
    craft c;
    craft_header(&c, 1, AVOW_KIND_MEMBER_JOIN, 1, T_2024_04_03, AVOW_PREC_DAY);
    craft_text(&c, TAG_CONTEST, "nato-sg-2024");
    craft_sign(&c);
    expect_reject(&c, "needs field actor");

    craft_member(&c);
    craft_text(&c, TAG_QUOTE, "not for members");
    craft_sign(&c);
    expect_reject(&c, "may not carry field quote");

    craft_member(&c);
    craft_text(&c, 40, "from the future");
    craft_sign(&c);
    expect_reject(&c, "unknown field 40");
}

static void
test_codec__rejects_field_lengths_past_limits(void **state)
{
    (void)state;
    craft c;
    char big[AVOW_MAX_SOURCE + 2];

    memset(big, 'a', sizeof(big));
    big[AVOW_MAX_CONTEST + 1] = '\0';
    craft_header(&c, 1, AVOW_KIND_MEMBER_JOIN, 1, T_2024_04_03, AVOW_PREC_DAY);
    craft_text(&c, TAG_CONTEST, big);
    craft_text(&c, TAG_ACTOR, "SE");
    craft_sign(&c);
    expect_reject(&c, "longer than its limit");

    memset(big, 'a', sizeof(big));
    big[AVOW_MAX_SOURCE + 1] = '\0';
    craft_member(&c);
    craft_text(&c, TAG_SOURCE, big);
    craft_sign(&c);
    expect_reject(&c, "longer than its limit");

    craft_header(&c, 1, AVOW_KIND_MEMBER_JOIN, 1, T_2024_04_03, AVOW_PREC_DAY);
    craft_text(&c, TAG_CONTEST, "nato-sg-2024");
    craft_field(&c, TAG_ACTOR, "", 0);
    craft_sign(&c);
    expect_reject(&c, "empty");
}

static void
test_codec__rejects_bad_text(void **state)
{
    (void)state;
    craft c;
    static const char *const bad[] = {
        "S\xc3",            /* truncated sequence */
        "\xc0\xaf",         /* overlong */
        "\xed\xa0\x80",     /* surrogate */
        "\xf4\x90\x80\x80", /* past U+10FFFF */
        "\xff",
        "line\nbreak", /* control character in a one-line field */
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        craft_header(&c, 1, AVOW_KIND_MEMBER_JOIN, 1, T_2024_04_03, AVOW_PREC_DAY);
        craft_text(&c, TAG_CONTEST, "nato-sg-2024");
        craft_text(&c, TAG_ACTOR, bad[i]);
        craft_sign(&c);
        expect_reject(&c, "UTF-8");
    }
    /* NUL inside text */
    craft_header(&c, 1, AVOW_KIND_MEMBER_JOIN, 1, T_2024_04_03, AVOW_PREC_DAY);
    craft_text(&c, TAG_CONTEST, "nato-sg-2024");
    craft_field(&c, TAG_ACTOR, "S\0E", 3);
    craft_sign(&c);
    expect_reject(&c, "NUL");

    craft_header(&c, 1, AVOW_KIND_MEMBER_JOIN, 1, T_2024_04_03, AVOW_PREC_DAY);
    craft_text(&c, TAG_CONTEST, "nato sg");
    craft_text(&c, TAG_ACTOR, "SE");
    craft_sign(&c);
    expect_reject(&c, "only letters");
}

static void
test_codec__rejects_bad_typed_values(void **state)
{
    (void)state;
    craft c;
    unsigned char stance = 4, target[31] = { 0 };

    craft_header(&c, 1, AVOW_KIND_STANCE, 1, T_2024_04_03, AVOW_PREC_DAY);
    craft_text(&c, TAG_CONTEST, "nato-sg-2024");
    craft_text(&c, TAG_ACTOR, "HU");
    craft_text(&c, TAG_CANDIDATE, "Rutte");
    craft_field(&c, TAG_STANCE, &stance, 1);
    craft_text(&c, TAG_SOURCE, "https://example.org");
    craft_sign(&c);
    expect_reject(&c, "stance");

    craft_header(&c, 1, AVOW_KIND_RETRACT, 1, T_2024_04_03, AVOW_PREC_DAY);
    craft_text(&c, TAG_REASON, "typo");
    craft_field(&c, TAG_TARGET, target, sizeof(target));
    craft_sign(&c);
    expect_reject(&c, "32 bytes");

    craft_header(&c, 1, AVOW_KIND_CONTEST, 1, T_2024_04_03, AVOW_PREC_DAY);
    craft_text(&c, TAG_CONTEST, "c");
    craft_text(&c, TAG_TITLE, "t");
    craft_text(&c, TAG_RULE, "3/2");
    craft_sign(&c);
    expect_reject(&c, "rule");
}

static void
test_codec__keeps_unknown_kinds_with_unknown_fields(void **state)
{
    (void)state;
    craft c;
    avow_event ev;
    craft_header(&c, 1, 200, 1, T_2024_04_03, AVOW_PREC_DAY);
    craft_text(&c, TAG_CONTEST, "nato-sg-2024");
    craft_text(&c, 77, "opaque \x01 bytes from a newer avow");
    craft_sign(&c);
    assert_int_equal(avow_event_decode(&ev, c.bytes, c.len), 0);
    assert_int_equal(ev.kind, 200);
    assert_true(tu_str_eq(ev.contest, "nato-sg-2024"));
    assert_int_equal(avow_event_verify(&ev), 0);
    assert_string_equal(avow_kind_name(ev.kind), "unknown");

    /* a known tag in an unknown kind is still checked by its type */
    craft_header(&c, 1, 200, 1, T_2024_04_03, AVOW_PREC_DAY);
    craft_text(&c, TAG_CONTEST, "has space");
    craft_sign(&c);
    expect_reject(&c, "only letters");
}

static void
test_codec__signature_covers_every_byte(void **state)
{
    (void)state;
    avow_key *key = tu_key(3);
    avow_buf b = AVOW_BUF_INIT;
    avow_event ev;
    avow_draft d = stance_draft();
    sign_ok(&b, &d, key, 1, zero_prev);
    for (size_t i = 0; i < b.len; i += 7) {
        unsigned char save = b.ptr[i];
        b.ptr[i] ^= 0x01;
        if (avow_event_decode(&ev, b.ptr, b.len) == 0) {
            assert_int_equal(avow_event_verify(&ev), AVOW_EVERIFY);
        }
        b.ptr[i] = save;
    }
    assert_int_equal(avow_event_decode(&ev, b.ptr, b.len), 0);
    assert_int_equal(avow_event_verify(&ev), 0);
    avow_buf_dispose(&b);
    avow_key_free(key);
}

static void
test_codec__encoder_refuses_what_decoder_would(void **state)
{
    (void)state;
    avow_key *key = tu_key(3);
    avow_buf b = AVOW_BUF_INIT;
    avow_draft d = stance_draft();
    char big[AVOW_MAX_QUOTE + 2];
    memset(big, 'q', sizeof(big) - 1);
    big[sizeof(big) - 1] = '\0';

    d.quote = big;
    assert_int_equal(avow_event_sign(&b, &d, key, 1, zero_prev, T_REC), AVOW_EINVALID);
    assert_non_null(strstr(avow_error_last(), "quote"));
    assert_int_equal(b.len, 0);

    d = stance_draft();
    d.source = NULL;
    assert_int_equal(avow_event_sign(&b, &d, key, 1, zero_prev, T_REC), AVOW_EINVALID);
    assert_non_null(strstr(avow_error_last(), "source"));

    d = stance_draft();
    d.effective_at += 1; /* not the start of its day */
    assert_int_equal(avow_event_sign(&b, &d, key, 1, zero_prev, T_REC), AVOW_EINVALID);

    d = stance_draft();
    d.kind = 99;
    assert_int_equal(avow_event_sign(&b, &d, key, 1, zero_prev, T_REC), AVOW_EINVALID);

    d = stance_draft();
    assert_int_equal(avow_event_sign(&b, &d, key, 2, zero_prev, T_REC), AVOW_EINVALID);
    assert_int_equal(b.len, 0);
    avow_buf_dispose(&b);
    avow_key_free(key);
}

static void
test_codec__rules(void **state)
{
    (void)state;
    static const char *const good[] = { "unanimity", "majority", "2/3", "1/1", "16", "1" };
    static const char *const bad[] = { "",   "0",     "01",        "3/2", "0/3", "2/",
                                       "/3", "2/3/4", "Unanimity", "-1",  "1.5", "1234567890" };
    for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
        assert_int_equal(avow_rule_check(good[i], strlen(good[i])), 0);
    }
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        assert_int_equal(avow_rule_check(bad[i], strlen(bad[i])), AVOW_EINVALID);
    }
}

/*
 * Known-answer vectors: tests/vectors/events.txt holds, per vector, the
 * expected event hex, id and signature for the drafts below; docs/FORMAT.md
 * quotes the same values, and this test checks that it does.
 */
static void
vector_drafts(avow_draft d[3], unsigned char prev2[32])
{
    d[0] = (avow_draft)AVOW_DRAFT_INIT;
    d[0].kind = AVOW_KIND_CONTEST;
    d[0].effective_at = INT64_C(1704067200000000); /* 2024-01-01 */
    d[0].precision = AVOW_PREC_DAY;
    d[0].contest = "nato-sg-2024";
    d[0].title = "NATO Secretary General 2024";
    d[0].rule = "unanimity";
    d[1] = stance_draft();
    d[1].person = NULL;
    d[1].quote = NULL;
    d[2] = (avow_draft)AVOW_DRAFT_INIT;
    d[2].kind = AVOW_KIND_RETRACT;
    d[2].effective_at = T_2024_04_03;
    d[2].precision = AVOW_PREC_DAY;
    d[2].target = prev2; /* filled by the caller with vector 2's id */
    d[2].reason = "wrong country";
}

static void
test_codec__known_answer_vectors_match(void **state)
{
    (void)state;
    char *file = tu_read_all(AVOW_SOURCE_DIR "/tests/vectors/events.txt");
    char *doc = tu_read_all(AVOW_SOURCE_DIR "/docs/FORMAT.md");
    unsigned char seed[32], target[32] = { 0 }, prev[32] = { 0 }, id[32];
    char hexbuf[2 * AVOW_EVENT_MAX_BYTES + 1], name[32], expect[2 * AVOW_EVENT_MAX_BYTES + 1];
    avow_key *key = NULL;
    avow_buf b = AVOW_BUF_INIT;
    avow_draft d[3];

    tu_vector_value(file, "seed", expect, sizeof(expect));
    assert_int_equal(avow_unhex(seed, 32, expect), 0);
    assert_int_equal(avow_key_from_seed(&key, seed), 0);
    tu_vector_value(file, "public", expect, sizeof(expect));
    avow_hex(hexbuf, avow_key_public(key), 32);
    assert_string_equal(hexbuf, expect);
    assert_non_null(strstr(doc, expect));

    vector_drafts(d, target);
    for (int i = 0; i < 3; i++) {
        avow_event ev;
        if (i == 2) {
            memcpy(target, id, 32); /* retract vector 2 */
        }
        buf_clear(&b);
        assert_int_equal(avow_event_sign(&b, &d[i], key, (uint64_t)i + 1, prev, T_REC), 0);
        assert_int_equal(avow_event_decode(&ev, b.ptr, b.len), 0);
        assert_int_equal(avow_event_verify(&ev), 0);
        avow_event_id(id, &ev);

        snprintf(name, sizeof(name), "event%d", i + 1);
        tu_vector_value(file, name, expect, sizeof(expect));
        avow_hex(hexbuf, b.ptr, b.len);
        assert_string_equal(hexbuf, expect);
        snprintf(name, sizeof(name), "id%d", i + 1);
        tu_vector_value(file, name, expect, sizeof(expect));
        avow_hex(hexbuf, id, 32);
        assert_string_equal(hexbuf, expect);
        assert_non_null(strstr(doc, expect));
        snprintf(name, sizeof(name), "signature%d", i + 1);
        tu_vector_value(file, name, expect, sizeof(expect));
        avow_hex(hexbuf, ev.signature, 64);
        assert_string_equal(hexbuf, expect);
        assert_non_null(strstr(doc, expect));

        /* an independent check with libsodium alone: context || message */
        unsigned char framed[sizeof(AVOW_SIG_CONTEXT) + AVOW_EVENT_MAX_BYTES];
        memcpy(framed, "avow/event/v1", 14);
        memcpy(framed + 14, b.ptr, b.len - 64);
        assert_int_equal(crypto_sign_verify_detached(b.ptr + b.len - 64, framed, 14 + b.len - 64,
                                                     avow_key_public(key)),
                         0);
        avow_event_content_hash(prev, &ev);
    }
    avow_buf_dispose(&b);
    avow_key_free(key);
    free(file);
    free(doc);
}

static void
test_codec__key_succession_vector_matches(void **state)
{
    (void)state;
    char *file = tu_read_all(AVOW_SOURCE_DIR "/tests/vectors/events.txt");
    char *doc = tu_read_all(AVOW_SOURCE_DIR "/docs/FORMAT.md");
    unsigned char seed[32], seed2[32], prev[32], id[32];
    char hexbuf[2 * AVOW_EVENT_MAX_BYTES + 1], expect[2 * AVOW_EVENT_MAX_BYTES + 1];
    avow_key *key = NULL, *next = NULL;
    avow_buf b = AVOW_BUF_INIT;
    avow_event ev;
    const unsigned char *succ = NULL;

    tu_vector_value(file, "seed", expect, sizeof(expect));
    assert_int_equal(avow_unhex(seed, 32, expect), 0);
    tu_vector_value(file, "successor_seed4", expect, sizeof(expect));
    assert_int_equal(avow_unhex(seed2, 32, expect), 0);
    tu_vector_value(file, "content3", expect, sizeof(expect));
    assert_int_equal(avow_unhex(prev, 32, expect), 0);
    assert_int_equal(avow_key_from_seed(&key, seed), 0);
    assert_int_equal(avow_key_from_seed(&next, seed2), 0);
    assert_int_equal(codec_encode_succession(&b, key, next, 4, prev, T_REC), 0);
    tu_vector_value(file, "event4", expect, sizeof(expect));
    avow_hex(hexbuf, b.ptr, b.len);
    assert_string_equal(hexbuf, expect);
    assert_int_equal(avow_event_decode(&ev, b.ptr, b.len), 0);
    assert_int_equal(ev.kind, AVOW_KIND_KEY_SUCCESSION);
    assert_int_equal(avow_event_verify(&ev), 0);
    avow_event_id(id, &ev);
    tu_vector_value(file, "id4", expect, sizeof(expect));
    avow_hex(hexbuf, id, 32);
    assert_string_equal(hexbuf, expect);
    assert_non_null(strstr(doc, expect));
    assert_int_equal(avow_event_successor(&ev, &succ), 1);
    tu_vector_value(file, "successor4", expect, sizeof(expect));
    avow_hex(hexbuf, succ, 32);
    assert_string_equal(hexbuf, expect);

    /* The successor's signature, checked with libsodium alone. */
    unsigned char msg[23 + 32 + 8 + 32 + 32];
    memcpy(msg, "avow/key-succession/v1", 23);
    memcpy(msg + 23, avow_key_public(key), 32);
    memcpy(msg + 55, b.ptr + CODEC_OFF_SEQ, 8);
    memcpy(msg + 63, prev, 32);
    memcpy(msg + 95, succ, 32);
    tu_vector_value(file, "successor_sig4", expect, sizeof(expect));
    avow_hex(hexbuf, succ + 32 + 3, 64);
    assert_string_equal(hexbuf, expect);
    assert_int_equal(crypto_sign_verify_detached(succ + 32 + 3, msg, sizeof(msg), succ), 0);

    /* Only the succession encoder makes kind 9; a succession missing its
     * successor signature does not decode. */
    avow_draft d = stance_draft();
    d.kind = AVOW_KIND_KEY_SUCCESSION;
    buf_clear(&b);
    assert_int_equal(avow_event_sign(&b, &d, key, 1, zero_prev, T_REC), AVOW_EINVALID);
    avow_buf_dispose(&b);
    avow_key_free(key);
    avow_key_free(next);
    free(file);
    free(doc);
}

static void
test_codec__json_has_contract_keys(void **state)
{
    (void)state;
    avow_key *key = tu_key(5);
    avow_buf b = AVOW_BUF_INIT, j = AVOW_BUF_INIT;
    avow_event ev;
    avow_draft d = stance_draft();
    sign_ok(&b, &d, key, 1, zero_prev);
    assert_int_equal(avow_event_decode(&ev, b.ptr, b.len), 0);
    assert_int_equal(avow_event_to_json(&j, &ev, 41, 1), 0);
    assert_int_equal(buf_put(&j, "", 1), 0);
    const char *s = (const char *)j.ptr;
    static const char *const keys[] = {
        "\"id\":",
        "\"kind\":\"stance\"",
        "\"author\":",
        "\"seq\":1",
        "\"prev\":\"0000",
        "\"recorded_at\":\"2024-04-03T13:25:00Z\"",
        "\"effective_at\":\"2024-04-03T00:00:00Z\"",
        "\"contest\":\"nato-sg-2024\"",
        "\"actor\":\"LT\"",
        "\"candidate\":\"Rutte\"",
        "\"stance\":\"supports\"",
        "\"source\":",
        "\"person\":\"Gitanas Nauseda\"",
        "\"quote\":",
        "\"signature\":",
        "\"index\":41",
        "\"raw\":\"",
        "\"effective_precision\":\"day\"",
    };
    for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
        if (strstr(s, keys[i]) == NULL) {
            fail_msg("missing %s in %s", keys[i], s);
        }
    }
    /* avow_event_json: the same bytes, then "status" as the last member. */
    {
        avow_event_json_opts jo = AVOW_EVENT_JSON_OPTS_INIT;
        avow_buf k = AVOW_BUF_INIT;
        size_t n = j.len - 2; /* without the NUL and the closing brace */
        jo.with_raw = 1;
        jo.status = "untrusted";
        assert_int_equal(avow_event_json(&k, &ev, 41, &jo), 0);
        assert_int_equal(k.len, n + strlen(",\"status\":\"untrusted\"}"));
        assert_memory_equal(k.ptr, j.ptr, n);
        assert_memory_equal(k.ptr + n, ",\"status\":\"untrusted\"}", k.len - n);
        jo.version = 99;
        assert_int_equal(avow_event_json(&k, &ev, 41, &jo), AVOW_EINVALID);
        avow_buf_dispose(&k);
    }
    avow_buf_dispose(&b);
    avow_buf_dispose(&j);
    avow_key_free(key);
}

int
main(void)
{
    if (sodium_init() < 0) {
        return 1;
    }
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_codec__round_trips_every_kind),
        cmocka_unit_test(test_codec__crafted_valid_event_decodes),
        cmocka_unit_test(test_codec__rejects_unknown_version),
        cmocka_unit_test(test_codec__rejects_trailing_and_missing_bytes),
        cmocka_unit_test(test_codec__rejects_short_and_oversized_events),
        cmocka_unit_test(test_codec__rejects_bad_header_values),
        cmocka_unit_test(test_codec__rejects_fields_out_of_order_or_twice),
        cmocka_unit_test(test_codec__rejects_tag_zero),
        cmocka_unit_test(test_codec__rejects_truncated_fields),
        cmocka_unit_test(test_codec__rejects_missing_extra_and_unknown_fields),
        cmocka_unit_test(test_codec__rejects_field_lengths_past_limits),
        cmocka_unit_test(test_codec__rejects_bad_text),
        cmocka_unit_test(test_codec__rejects_bad_typed_values),
        cmocka_unit_test(test_codec__keeps_unknown_kinds_with_unknown_fields),
        cmocka_unit_test(test_codec__signature_covers_every_byte),
        cmocka_unit_test(test_codec__encoder_refuses_what_decoder_would),
        cmocka_unit_test(test_codec__rules),
        cmocka_unit_test(test_codec__key_succession_vector_matches),
        cmocka_unit_test(test_codec__known_answer_vectors_match),
        cmocka_unit_test(test_codec__json_has_contract_keys),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
