/* SPDX-License-Identifier: ISC */
/*
 * test_codec_v2_vectors.c - the known-answer vectors of event format v2
 * (docs/FORMAT.md, "Event, format v2", "Test vectors, format v2";
 * tests/vectors/events_v2.txt): the drafts below, signed with the vector key,
 * give the bytes, ids and signatures of the file, which docs/FORMAT.md quotes;
 * each decodes back to its draft, verifies with libsodium alone, and its id
 * is the SHA-256 of its bytes. Between them they hold every field, kind,
 * stance and qualifier that format v2 adds.
 *
 * The committed fuzz seeds of the event target (tests/fuzz/corpus/event,
 * written by tests/fuzz/seeds.c) all decode strictly, the v2 ones as version
 * 2, so that the fuzzer starts from valid events of every v2 field and kind
 * (regress-* files are inputs a fuzzer found, kept to replay: not checked).
 *
 * When a vector differs, every computed "name = value" line is printed, so
 * that a deliberate format change can be reviewed (and the file rewritten)
 * from the test's output.
 */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "event/codec.h"
#include "testutil.h"

#define VECTORS   AVOW_SOURCE_DIR "/tests/vectors/events_v2.txt"
#define N_VECTORS 8
/* recorded_at of vector k (1-based): 2024-04-03T13:25:00Z plus k - 1 minutes,
 * strictly increasing along the chain. */
#define T_REC(k) (INT64_C(1712150700000000) + ((int64_t)(k)-1) * INT64_C(60000000))

/* An uncertain date (avow_at_parse) into d. */
static void
set_at(avow_draft *d, const char *text)
{
    avow_at at;
    if (avow_at_parse(&at, text) != 0) {
        fail_msg("'%s': %s", text, avow_error_last());
    }
    d->effective_at = at.at;
    d->precision = at.precision;
    d->qualifier = at.qualifier;
    d->from = at.from;
    d->from_precision = at.from_precision;
}

static int64_t
day(const char *text)
{
    int64_t t = 0;
    assert_int_equal(avow_time_parse(&t, NULL, text, AVOW_TIME_START), 0);
    return t;
}

/* The drafts of vectors 1..8, one chain of the vector key. */
static void
vector_drafts(avow_draft d[N_VECTORS])
{
    for (int i = 0; i < N_VECTORS; i++) {
        d[i] = (avow_draft)AVOW_DRAFT_INIT;
        d[i].contest = "nato-sg-2024";
    }
    /* 1: contest with choice single and a note (tags 15, 20). */
    d[0].kind = AVOW_KIND_CONTEST;
    set_at(&d[0], "2023-10-01");
    d[0].title = "NATO Secretary General 2024";
    d[0].rule = "unanimity";
    d[0].choice = AVOW_CHOICE_SINGLE;
    d[0].note = "one winner: a new supports replaces the old one";
    /* 2: candidate-signal (kind 10), approximately February (qualifier 1),
     * confidence low (tag 14). */
    d[1].kind = AVOW_KIND_CANDIDATE_SIGNAL;
    set_at(&d[1], "2024-02~");
    d[1].candidate = "Iohannis";
    d[1].source = "https://example.org/iohannis-signal";
    d[1].confidence = AVOW_CONFIDENCE_LOW;
    d[1].note = "a reported plan, not a candidacy";
    /* 3: stance on or before 2 April (qualifier 2), a multi-line note and the
     * time it became public (tag 16). */
    d[2].kind = AVOW_KIND_STANCE;
    set_at(&d[2], "../2024-04-02");
    d[2].actor = "CA";
    d[2].candidate = "Rutte";
    d[2].stance = AVOW_STANCE_SUPPORTS;
    d[2].source = "https://example.org/count";
    d[2].confidence = AVOW_CONFIDENCE_LOW;
    d[2].note = "28 of 32, say insiders;\nno source names Canada";
    d[2].reported_at = day("2024-04-04");
    d[2].reported_precision = AVOW_PREC_DAY;
    /* 4: stance some time between 28 March and 2 April (qualifier 3, tag 18),
     * confidence medium. */
    d[3].kind = AVOW_KIND_STANCE;
    set_at(&d[3], "2024-03-28/2024-04-02");
    d[3].actor = "DE";
    d[3].candidate = "Rutte";
    d[3].stance = AVOW_STANCE_SUPPORTS;
    d[3].source = "https://example.org/de";
    d[3].confidence = AVOW_CONFIDENCE_MEDIUM;
    /* 5: stance abstains (stance 4), nothing else of v2. */
    d[4].kind = AVOW_KIND_STANCE;
    set_at(&d[4], "2024-06-05");
    d[4].actor = "TR";
    d[4].candidate = "Rutte";
    d[4].stance = AVOW_STANCE_ABSTAINS;
    d[4].source = "https://example.org/tr";
    /* 6: decision that takes effect on 1 October (tag 19), confidence high. */
    d[5].kind = AVOW_KIND_DECISION;
    set_at(&d[5], "2024-06-26");
    d[5].candidate = "Rutte";
    d[5].source = "https://www.nato.int/";
    d[5].confidence = AVOW_CONFIDENCE_HIGH;
    d[5].takes_effect = day("2024-10-01");
    d[5].takes_effect_precision = AVOW_PREC_DAY;
    /* 7: contest-amend (kind 11) to choice multiple (choice 2). */
    d[6].kind = AVOW_KIND_CONTEST_AMEND;
    set_at(&d[6], "2024-06-27");
    d[6].choice = AVOW_CHOICE_MULTIPLE;
    d[6].note = "test vector: the choice amended";
    /* 8: actor-name (kind 14): HU's display name, at every time (year 0001). */
    d[7].kind = AVOW_KIND_ACTOR_NAME;
    set_at(&d[7], "0001");
    d[7].actor = "HU";
    d[7].title = "Hungary";
    d[7].note = "test vector: a display name";
}

/* The decoded event says what its draft said. */
static void
check_decoded(const avow_event *ev, const avow_draft *d, uint64_t seq)
{
    assert_int_equal(ev->version, 2);
    assert_int_equal(ev->kind, d->kind);
    assert_true(avow_event_kind_known(ev));
    assert_int_equal(ev->seq, seq);
    assert_int_equal(ev->recorded_at, T_REC(seq));
    assert_int_equal(ev->effective_at, d->effective_at);
    assert_int_equal(ev->precision, d->precision);
    assert_true(tu_str_eq(ev->contest, d->contest));
    assert_true(tu_str_eq(ev->title, d->title));
    assert_true(tu_str_eq(ev->rule, d->rule));
    assert_true(tu_str_eq(ev->actor, d->actor));
    assert_true(tu_str_eq(ev->candidate, d->candidate));
    assert_true(tu_str_eq(ev->source, d->source));
    assert_true(tu_str_eq(ev->note, d->note));
    assert_int_equal(ev->stance, d->stance);
    assert_int_equal(ev->confidence, d->confidence);
    assert_int_equal(ev->qualifier, d->qualifier);
    assert_int_equal(ev->choice, d->choice);
    assert_int_equal(ev->reported_precision, d->reported_precision);
    assert_int_equal(ev->reported_at, d->reported_precision ? d->reported_at : 0);
    assert_int_equal(ev->from_precision, d->from_precision);
    assert_int_equal(ev->from, d->from_precision ? d->from : 0);
    assert_int_equal(ev->takes_effect_precision, d->takes_effect_precision);
    assert_int_equal(ev->takes_effect, d->takes_effect_precision ? d->takes_effect : 0);
}

/* Compare one value with the file and the doc; on a difference print the
 * line the file should hold. @return 1 when it differs */
static int
differs(const char *file, const char *doc, const char *name, const char *got)
{
    static char expect[2 * AVOW_EVENT_MAX_BYTES + 1];
    char line[64];
    (void)snprintf(line, sizeof(line), "\n%s = ", name);
    if (strstr(file, line) == NULL) {
        print_message("%s = %s\n", name, got);
        return 1;
    }
    tu_vector_value(file, name, expect, sizeof(expect));
    if (strcmp(expect, got) != 0 || (doc != NULL && strstr(doc, got) == NULL)) {
        print_message("%s = %s\n", name, got);
        return 1;
    }
    return 0;
}

static void
test_codec_v2_vectors__known_answers_match(void **state)
{
    (void)state;
    char *file = tu_read_all(VECTORS);
    char *doc = tu_read_all(AVOW_SOURCE_DIR "/docs/FORMAT.md");
    static char hex[2 * AVOW_EVENT_MAX_BYTES + 1];
    unsigned char seed[32], prev[32] = { 0 }, id[32], sha[32];
    char name[32], expect[65];
    avow_key *key = NULL;
    avow_buf b = AVOW_BUF_INIT;
    avow_draft d[N_VECTORS];
    int bad = 0;

    tu_vector_value(file, "seed", expect, sizeof(expect));
    assert_int_equal(avow_unhex(seed, 32, expect), 0);
    assert_int_equal(avow_key_from_seed(&key, seed), 0);
    tu_vector_value(file, "public", expect, sizeof(expect));
    avow_hex(hex, avow_key_public(key), 32);
    assert_string_equal(hex, expect);

    vector_drafts(d);
    for (int i = 0; i < N_VECTORS; i++) {
        uint64_t seq = (uint64_t)i + 1;
        avow_event ev;
        buf_clear(&b);
        if (avow_event_sign(&b, &d[i], key, seq, prev, T_REC(seq)) != 0) {
            fail_msg("vector %d: %s", i + 1, avow_error_last());
        }
        assert_int_equal(b.ptr[CODEC_OFF_VERSION], 2);
        assert_int_equal(avow_event_decode(&ev, b.ptr, b.len), 0);
        assert_int_equal(avow_event_verify(&ev), 0);
        check_decoded(&ev, &d[i], seq);

        /* The id is the SHA-256 of the bytes; the signature holds under
         * libsodium alone over the context and the message. */
        avow_event_id(id, &ev);
        crypto_hash_sha256(sha, b.ptr, b.len);
        assert_memory_equal(id, sha, 32);
        unsigned char framed[sizeof(AVOW_SIG_CONTEXT) + AVOW_EVENT_MAX_BYTES];
        memcpy(framed, "avow/event/v1", 14);
        memcpy(framed + 14, b.ptr, b.len - 64);
        assert_int_equal(crypto_sign_verify_detached(b.ptr + b.len - 64, framed, 14 + b.len - 64,
                                                     avow_key_public(key)),
                         0);

        (void)snprintf(name, sizeof(name), "v2event%d", i + 1);
        avow_hex(hex, b.ptr, b.len);
        bad |= differs(file, doc, name, hex);
        (void)snprintf(name, sizeof(name), "v2id%d", i + 1);
        avow_hex(hex, id, 32);
        bad |= differs(file, doc, name, hex);
        (void)snprintf(name, sizeof(name), "v2content%d", i + 1);
        avow_event_content_hash(prev, &ev);
        avow_hex(hex, prev, 32);
        bad |= differs(file, NULL, name, hex);
    }
    if (bad) {
        fail_msg("the v2 vectors differ from %s (or docs/FORMAT.md): the lines above are what "
                 "the code gives",
                 VECTORS);
    }
    avow_buf_dispose(&b);
    avow_key_free(key);
    free(file);
    free(doc);
}

/* The bytes of the file decode strictly by themselves, without the drafts:
 * a reader that only has the file sees the values docs/FORMAT.md lists. */
static void
test_codec_v2_vectors__file_bytes_decode_to_the_documented_values(void **state)
{
    (void)state;
    char *file = tu_read_all(VECTORS);
    static char hex[2 * AVOW_EVENT_MAX_BYTES + 1];
    static unsigned char raw[AVOW_EVENT_MAX_BYTES];
    char name[32];
    avow_event ev;
    static const struct {
        uint8_t kind, stance, confidence, qualifier, choice;
        const char *effective_at;
    } want[N_VECTORS] = {
        { AVOW_KIND_CONTEST, 0, 0, AVOW_AT_EXACT, AVOW_CHOICE_SINGLE, "2023-10-01T00:00:00Z" },
        { AVOW_KIND_CANDIDATE_SIGNAL, 0, AVOW_CONFIDENCE_LOW, AVOW_AT_APPROXIMATE, 0,
          "2024-02-01T00:00:00Z" },
        { AVOW_KIND_STANCE, AVOW_STANCE_SUPPORTS, AVOW_CONFIDENCE_LOW, AVOW_AT_BY, 0,
          "2024-04-02T23:59:59.999999Z" },
        { AVOW_KIND_STANCE, AVOW_STANCE_SUPPORTS, AVOW_CONFIDENCE_MEDIUM, AVOW_AT_BETWEEN, 0,
          "2024-04-02T23:59:59.999999Z" },
        { AVOW_KIND_STANCE, AVOW_STANCE_ABSTAINS, 0, AVOW_AT_EXACT, 0, "2024-06-05T00:00:00Z" },
        { AVOW_KIND_DECISION, 0, AVOW_CONFIDENCE_HIGH, AVOW_AT_EXACT, 0, "2024-06-26T00:00:00Z" },
        { AVOW_KIND_CONTEST_AMEND, 0, 0, AVOW_AT_EXACT, AVOW_CHOICE_MULTIPLE,
          "2024-06-27T00:00:00Z" },
        { AVOW_KIND_ACTOR_NAME, 0, 0, AVOW_AT_EXACT, 0, "0001-01-01T00:00:00Z" },
    };
    for (int i = 0; i < N_VECTORS; i++) {
        char t[AVOW_TIME_STRLEN];
        (void)snprintf(name, sizeof(name), "v2event%d", i + 1);
        tu_vector_value(file, name, hex, sizeof(hex));
        size_t len = strlen(hex) / 2;
        assert_int_equal(avow_unhex(raw, len, hex), 0);
        assert_int_equal(avow_event_decode(&ev, raw, len), 0);
        assert_int_equal(avow_event_verify(&ev), 0);
        assert_int_equal(ev.version, 2);
        assert_int_equal(ev.kind, want[i].kind);
        assert_int_equal(ev.stance, want[i].stance);
        assert_int_equal(ev.confidence, want[i].confidence);
        assert_int_equal(ev.qualifier, want[i].qualifier);
        assert_int_equal(ev.choice, want[i].choice);
        avow_time_format(t, ev.effective_at, AVOW_PREC_MICRO);
        assert_string_equal(t, want[i].effective_at);
        /* One bit flipped in the signed part: the signature no longer holds. */
        raw[CODEC_OFF_RECORDED + 7] ^= 1;
        assert_int_equal(avow_event_decode(&ev, raw, len), 0);
        assert_int_equal(avow_event_verify(&ev), AVOW_EVERIFY);
    }
    /* Vector 4's interval starts on 28 March; vector 3 became public on 4
     * April; vector 6 takes effect on 1 October. */
    tu_vector_value(file, "v2event4", hex, sizeof(hex));
    assert_int_equal(avow_unhex(raw, strlen(hex) / 2, hex), 0);
    assert_int_equal(avow_event_decode(&ev, raw, strlen(hex) / 2), 0);
    assert_int_equal(ev.from, day("2024-03-28"));
    assert_int_equal(ev.from_precision, AVOW_PREC_DAY);
    tu_vector_value(file, "v2event3", hex, sizeof(hex));
    assert_int_equal(avow_unhex(raw, strlen(hex) / 2, hex), 0);
    assert_int_equal(avow_event_decode(&ev, raw, strlen(hex) / 2), 0);
    assert_int_equal(ev.reported_at, day("2024-04-04"));
    tu_vector_value(file, "v2event6", hex, sizeof(hex));
    assert_int_equal(avow_unhex(raw, strlen(hex) / 2, hex), 0);
    assert_int_equal(avow_event_decode(&ev, raw, strlen(hex) / 2), 0);
    assert_int_equal(ev.takes_effect, day("2024-10-01"));
    free(file);
}

/* seeds.c invariant 1, checked where ctest sees it. */
static void
test_codec_v2_vectors__every_event_seed_decodes(void **state)
{
    (void)state;
    const char *dir = AVOW_SOURCE_DIR "/tests/fuzz/corpus/event";
    DIR *d = opendir(dir);
    struct dirent *e;
    int n = 0, v2 = 0;
    assert_non_null(d);
    while ((e = readdir(d)) != NULL) {
        char path[4096];
        avow_event ev;
        if (e->d_name[0] == '.' || strncmp(e->d_name, "regress-", 8) == 0) {
            continue; /* regress-*: inputs a fuzzer found, kept to replay, not valid events */
        }
        (void)snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
        static unsigned char raw[AVOW_EVENT_MAX_BYTES + 1];
        FILE *f = fopen(path, "rb");
        assert_non_null(f);
        size_t len = fread(raw, 1, sizeof(raw), f);
        (void)fclose(f);
        if (avow_event_decode(&ev, raw, len) != 0) {
            fail_msg("seed %s does not decode: %s", e->d_name, avow_error_last());
        }
        assert_int_equal(avow_event_verify(&ev), 0);
        if (strncmp(e->d_name, "v2", 2) == 0) {
            assert_int_equal(ev.version, 2);
            v2++;
        }
        n++;
    }
    (void)closedir(d);
    assert_true(v2 >= 16);
    assert_true(n > v2);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_codec_v2_vectors__known_answers_match),
        cmocka_unit_test(test_codec_v2_vectors__file_bytes_decode_to_the_documented_values),
        cmocka_unit_test(test_codec_v2_vectors__every_event_seed_decodes),
    };
    if (sodium_init() < 0) {
        return 1;
    }
    return cmocka_run_group_tests(tests, NULL, NULL);
}
