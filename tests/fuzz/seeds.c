/* SPDX-License-Identifier: ISC */
/*
 * seeds.c - writes the crafted seed inputs of the event and key corpora
 * (tests/fuzz/corpus/event/, corpus/key/). Not a test; run it by hand:
 *
 *   cmake --build BUILD --target fuzz_seeds && BUILD/tests/fuzz/fuzz_seeds tests/fuzz/corpus
 *
 * The known-answer vectors of tests/vectors/events.txt are
 * corpus/event/vector{1,2,3,4}, made with
 *   grep '^event1 = ' tests/vectors/events.txt | sed 's/.* = //' | xxd -r -p
 * and those of format v2 (tests/vectors/events_v2.txt) corpus/event/v2vector{1..7},
 * made with
 *   grep '^v2event1 = ' tests/vectors/events_v2.txt | sed 's/.* = //' | xxd -r -p
 * The time and rule seeds are plain text files. Everything is deterministic
 * (fixed seeds and times) except the salt and nonce of the library-made
 * sealed key.
 *
 * Invariants:
 *  1. Every event seed decodes; all but "unknown-kind", "v2-unknown-kind" and
 *     "v1-kind-10-opaque" are made by the library encoder, so they are
 *     canonical. The v2-* seeds hold every field, kind, stance and qualifier
 *     of format v2, and one of them every field at its limit.
 *  2. Key seeds: a plain and a sealed file made by avow_key_generate()
 *     (passphrase "x", INTERACTIVE limits), and a sealed file crafted here with
 *     libsodium's MIN limits so that the fuzzer reaches decryption cheaply.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sodium.h>

#include "event/codec.h"
#include "crypto/keys.h"

#define T_DAY INT64_C(1712102400000000) /* 2024-04-03T00:00:00Z */
#define T_REC INT64_C(1712150700000000) /* 2024-04-03T13:25:00Z */

/* dir/name into out. @return 0, or -1 when it does not fit */
static int
join(char out[4096], const char *dir, const char *name)
{
    int n = snprintf(out, 4096, "%s/%s", dir, name);
    if (n < 0 || n >= 4096) {
        fprintf(stderr, "fuzz_seeds: path too long: %s/%s\n", dir, name);
        return -1;
    }
    return 0;
}

static int
write_file(const char *dir, const char *name, const unsigned char *b, size_t len)
{
    char path[4096];
    FILE *f;
    if (join(path, dir, name) < 0 || (f = fopen(path, "wb")) == NULL) {
        fprintf(stderr, "fuzz_seeds: cannot write %s/%s\n", dir, name);
        return -1;
    }
    if (fwrite(b, 1, len, f) != len) {
        (void)fclose(f);
        return -1;
    }
    return fclose(f) == 0 ? 0 : -1;
}

static int
sign_to(const char *dir, const char *name, const avow_draft *d, const avow_key *key, uint64_t seq,
        const unsigned char *prev)
{
    avow_buf b = AVOW_BUF_INIT;
    int error = avow_event_sign(&b, d, key, seq, prev, T_REC);
    if (error < 0) {
        fprintf(stderr, "fuzz_seeds: %s: %s\n", name, avow_error_last());
    } else {
        error = write_file(dir, name, b.ptr, b.len);
    }
    avow_buf_dispose(&b);
    return error;
}

static char *
filled(size_t n, char c)
{
    char *s = malloc(n + 1);
    if (s != NULL) {
        memset(s, c, n);
        s[n] = '\0';
    }
    return s;
}

/*
 * Encode d, set the last byte of its body to last_byte (unless < 0), append
 * the raw fields extra, relabel it as kind and sign it by hand: the encoder refuses unknown kinds,
 * the decoder keeps them (their unknown tags opaque, their known tags checked by type).
 */
static int
sign_as_kind(const char *dir, const char *name, const avow_draft *d, const avow_key *key,
             uint64_t seq, const unsigned char *prev, uint8_t kind, const unsigned char *extra,
             size_t extra_len, int last_byte)
{
    avow_buf b = AVOW_BUF_INIT;
    int error = -1;
    if (codec_encode_message(&b, d, avow_key_public(key), seq, prev, T_REC) == 0 &&
        buf_put(&b, extra, extra_len) == 0 && buf_grow(&b, AVOW_SIG_BYTES) == 0) {
        if (last_byte >= 0) { /* the last byte of the draft's own body */
            b.ptr[b.len - extra_len - 1] = (unsigned char)last_byte;
        }
        b.ptr[CODEC_OFF_KIND] = kind;
        be16_put(b.ptr + CODEC_OFF_BODYLEN,
                 (uint16_t)(be16_get(b.ptr + CODEC_OFF_BODYLEN) + extra_len));
        codec_sign_message(b.ptr + b.len, b.ptr, b.len, key);
        b.len += AVOW_SIG_BYTES;
        error = write_file(dir, name, b.ptr, b.len);
    } else {
        fprintf(stderr, "fuzz_seeds: %s: %s\n", name, avow_error_last());
    }
    avow_buf_dispose(&b);
    return error;
}

/* Format v2: one seed per new field, kind, stance and qualifier. */
static avow_draft
v2_stance(const char *actor, int64_t at)
{
    avow_draft d = AVOW_DRAFT_INIT;
    d.kind = AVOW_KIND_STANCE;
    d.effective_at = at;
    d.precision = AVOW_PREC_DAY;
    d.contest = "nato-sg-2024";
    d.actor = actor;
    d.candidate = "Rutte";
    d.stance = AVOW_STANCE_SUPPORTS;
    d.source = "https://example.org/v2";
    return d;
}

static int
v2_maximal(const char *dir, const avow_key *key, const unsigned char *prev)
{
    /* Every field of a stance and every research field at its limit. */
    char *contest = filled(AVOW_MAX_CONTEST, 'c'), *actor = filled(AVOW_MAX_ACTOR, 'a');
    char *cand = filled(AVOW_MAX_CANDIDATE, 'b'), *person = filled(AVOW_MAX_PERSON, 'p');
    char *source = filled(AVOW_MAX_SOURCE, 's'), *quote = filled(AVOW_MAX_QUOTE, 'q');
    char *note = filled(AVOW_MAX_NOTE, 'n');
    int error = -1;
    if (contest && actor && cand && person && source && quote && note) {
        avow_draft d = v2_stance(actor, T_DAY - 1);
        d.contest = contest;
        d.candidate = cand;
        d.person = person;
        d.source = source;
        d.quote = quote;
        d.note = note;
        d.stance = AVOW_STANCE_ABSTAINS;
        d.confidence = AVOW_CONFIDENCE_HIGH;
        d.qualifier = AVOW_AT_BETWEEN;
        d.from = AVOW_TIME_MIN;
        d.from_precision = AVOW_PREC_YEAR;
        d.reported_at = AVOW_TIME_MAX;
        d.reported_precision = AVOW_PREC_MICRO;
        error = sign_to(dir, "v2-stance-maximal", &d, key, 19, prev);
    }
    free(contest);
    free(actor);
    free(cand);
    free(person);
    free(source);
    free(quote);
    free(note);
    return error;
}

static int
events_v2(const char *dir, const avow_key *key, const unsigned char *prev)
{
    int error = 0;
    avow_draft d = AVOW_DRAFT_INIT;
    d.kind = AVOW_KIND_CONTEST;
    d.effective_at = T_DAY;
    d.precision = AVOW_PREC_DAY;
    d.contest = "nato-sg-2024";
    d.title = "NATO SG";
    d.rule = "unanimity";
    d.choice = AVOW_CHOICE_SINGLE;
    d.note = "one winner\n\tand a second line";
    error |= sign_to(dir, "v2-contest-choice-note", &d, key, 11, prev);

    d = (avow_draft)AVOW_DRAFT_INIT;
    d.kind = AVOW_KIND_CANDIDATE_SIGNAL;
    d.effective_at = INT64_C(1706745600000000); /* 2024-02, approximately */
    d.precision = AVOW_PREC_MONTH;
    d.qualifier = AVOW_AT_APPROXIMATE;
    d.contest = "nato-sg-2024";
    d.candidate = "Iohannis";
    d.confidence = AVOW_CONFIDENCE_LOW;
    error |= sign_to(dir, "v2-signal-approximate", &d, key, 12, prev);
    /* By a whole second at micro precision (the fuzzer's third find: its
     * text needs the zero fraction to mean that microsecond). */
    d.effective_at = T_REC;
    d.precision = AVOW_PREC_MICRO;
    d.qualifier = AVOW_AT_BY;
    error |= sign_to(dir, "v2-signal-by-micro", &d, key, 22, prev);

    d = v2_stance("CA", T_DAY - 1); /* ../2024-04-02 */
    d.qualifier = AVOW_AT_BY;
    d.confidence = AVOW_CONFIDENCE_LOW;
    d.note = "28 of 32, say insiders";
    d.reported_at = T_DAY + INT64_C(86400000000);
    d.reported_precision = AVOW_PREC_DAY;
    error |= sign_to(dir, "v2-stance-by-reported", &d, key, 13, prev);

    d = v2_stance("DE", T_DAY - 1); /* 2024-03-28/2024-04-02 */
    d.qualifier = AVOW_AT_BETWEEN;
    d.from = INT64_C(1711584000000000);
    d.from_precision = AVOW_PREC_DAY;
    d.confidence = AVOW_CONFIDENCE_MEDIUM;
    error |= sign_to(dir, "v2-stance-between", &d, key, 14, prev);

    d = v2_stance("TR", T_DAY);
    d.stance = AVOW_STANCE_ABSTAINS;
    error |= sign_to(dir, "v2-stance-abstains", &d, key, 15, prev);

    d = (avow_draft)AVOW_DRAFT_INIT;
    d.kind = AVOW_KIND_DECISION;
    d.effective_at = T_DAY;
    d.precision = AVOW_PREC_DAY;
    d.contest = "nato-sg-2024";
    d.candidate = "Rutte";
    d.takes_effect = INT64_C(1727740800000000); /* 2024-10-01 */
    d.takes_effect_precision = AVOW_PREC_DAY;
    error |= sign_to(dir, "v2-decision-takes-effect", &d, key, 16, prev);

    d = (avow_draft)AVOW_DRAFT_INIT;
    d.kind = AVOW_KIND_CONTEST_AMEND;
    d.effective_at = T_DAY;
    d.precision = AVOW_PREC_DAY;
    d.contest = "nato-sg-2024";
    d.title = "NATO Secretary General";
    d.rule = "2/3";
    d.choice = AVOW_CHOICE_MULTIPLE;
    d.source = "s";
    d.note = "amended";
    error |= sign_to(dir, "v2-contest-amend", &d, key, 17, prev);

    /* Kind 12 in v2 (unknown) with typed v2 tags and unknown ones; kind 10
     * in v1 (unknown there) whose tags 14 and above are opaque, a tag 15
     * that is no note among them (the fuzzer's first find: fuzz_event.c
     * took it for one). */
    static const unsigned char extra_v2[] = { 21, 0, 1, 0xff, 200, 0, 0 };
    d = v2_stance("XX", T_DAY);
    d.confidence = AVOW_CONFIDENCE_HIGH;
    error |=
      sign_as_kind(dir, "v2-unknown-kind", &d, key, 18, prev, 12, extra_v2, sizeof(extra_v2), -1);
    /* An unknown kind's between needs no from: written as by, the qualifier
     * (its last field) made between (the fuzzer's second find). */
    d.qualifier = AVOW_AT_BY;
    d.effective_at = T_DAY - 1;
    error |= sign_as_kind(dir, "v2-unknown-kind-between", &d, key, 21, prev, 22, extra_v2,
                          sizeof(extra_v2), AVOW_AT_BETWEEN);
    static const unsigned char extra_v1[] = { 14, 0, 1, 0xff, 15, 0, 1,   0xff,
                                              17, 0, 0, 20,   0,  2, 'h', 'i' };
    d = (avow_draft)AVOW_DRAFT_INIT;
    d.kind = AVOW_KIND_MEMBER_JOIN;
    d.effective_at = T_DAY;
    d.contest = "nato-sg-2024";
    d.actor = "XX";
    error |= sign_as_kind(dir, "v1-kind-10-opaque", &d, key, 20, prev, AVOW_KIND_CANDIDATE_SIGNAL,
                          extra_v1, sizeof(extra_v1), -1);
    return error | v2_maximal(dir, key, prev);
}

static int
events(const char *dir, const avow_key *key)
{
    static const unsigned char zero[AVOW_HASH_BYTES];
    unsigned char prev[AVOW_HASH_BYTES];
    avow_draft d = AVOW_DRAFT_INIT;
    int error = 0;

    memset(prev, 0x11, sizeof(prev));
    d.kind = AVOW_KIND_CONTEST;
    d.effective_at = INT64_C(1704067200000000); /* 2024 */
    d.precision = AVOW_PREC_YEAR;
    d.contest = "un:res-2024.1_x";
    d.title = "Résolution 2/3 — vote";
    d.rule = "2/3";
    d.source = "https://example.org/a?b=c#d";
    error |= sign_to(dir, "contest-year", &d, key, 1, zero);

    d = (avow_draft)AVOW_DRAFT_INIT;
    d.kind = AVOW_KIND_MEMBER_JOIN;
    d.effective_at = INT64_C(1711929600000000); /* 2024-04 */
    d.precision = AVOW_PREC_MONTH;
    d.contest = "nato-sg-2024";
    d.actor = "SE";
    error |= sign_to(dir, "member-join-month", &d, key, 2, prev);
    d.kind = AVOW_KIND_MEMBER_LEAVE;
    d.precision = AVOW_PREC_DAY;
    d.effective_at = T_DAY;
    d.source = "s";
    error |= sign_to(dir, "member-leave", &d, key, 3, prev);

    d = (avow_draft)AVOW_DRAFT_INIT;
    d.kind = AVOW_KIND_CANDIDATE_ENTER;
    d.effective_at = T_DAY + INT64_C(50700000000); /* 14:05 */
    d.precision = AVOW_PREC_MINUTE;
    d.contest = "nato-sg-2024";
    d.candidate = "Klaus Iohannis";
    error |= sign_to(dir, "candidate-enter-minute", &d, key, 4, prev);
    d.kind = AVOW_KIND_CANDIDATE_WITHDRAW;
    d.effective_at = T_DAY + INT64_C(50701000000);
    d.precision = AVOW_PREC_SECOND;
    error |= sign_to(dir, "candidate-withdraw-second", &d, key, 5, prev);
    d.kind = AVOW_KIND_DECISION;
    d.effective_at = -INT64_C(1234567); /* before 1970, micro precision */
    d.precision = AVOW_PREC_MICRO;
    d.candidate = "Mark Rutte";
    d.source = "https://www.nato.int/";
    error |= sign_to(dir, "decision-micro", &d, key, 6, prev);

    d = (avow_draft)AVOW_DRAFT_INIT;
    d.kind = AVOW_KIND_STANCE;
    d.effective_at = T_DAY;
    d.precision = AVOW_PREC_DAY;
    d.contest = "nato-sg-2024";
    d.actor = "HU";
    d.candidate = "Rutte";
    d.stance = AVOW_STANCE_OPPOSES;
    d.source = "https://example.org/hu";
    d.person = "Péter Szijjártó";
    d.quote = "line one\n\tline two \xf0\x9f\x97\xb3";
    error |= sign_to(dir, "stance-person-quote", &d, key, 7, prev);

    /* Every field of a stance at its limit: close to AVOW_EVENT_MAX_BYTES. */
    char *contest = filled(AVOW_MAX_CONTEST, 'c'), *actor = filled(AVOW_MAX_ACTOR, 'a');
    char *cand = filled(AVOW_MAX_CANDIDATE, 'b'), *person = filled(AVOW_MAX_PERSON, 'p');
    char *source = filled(AVOW_MAX_SOURCE, 's'), *quote = filled(AVOW_MAX_QUOTE, 'q');
    if (contest && actor && cand && person && source && quote) {
        d.contest = contest;
        d.actor = actor;
        d.candidate = cand;
        d.person = person;
        d.source = source;
        d.quote = quote;
        d.stance = AVOW_STANCE_UNDECIDED;
        error |= sign_to(dir, "stance-maximal", &d, key, 8, prev);
    } else {
        error = -1;
    }
    free(contest);
    free(actor);
    free(cand);
    free(person);
    free(source);
    free(quote);

    d = (avow_draft)AVOW_DRAFT_INIT;
    d.kind = AVOW_KIND_RETRACT;
    d.effective_at = T_DAY;
    d.target = prev;
    d.reason = "wrong\ncountry";
    error |= sign_to(dir, "retract", &d, key, 9, prev);

    /* An unknown kind (200) with known and unknown fields, signed by hand:
     * the encoder refuses unknown kinds, the decoder keeps them. */
    {
        static const unsigned char extra[] = { 14, 0, 2, 'h', 'i', 200, 0, 1, 0xff };
        d = (avow_draft)AVOW_DRAFT_INIT;
        d.kind = AVOW_KIND_MEMBER_JOIN;
        d.effective_at = T_DAY;
        d.contest = "future";
        d.actor = "XX";
        error |=
          sign_as_kind(dir, "unknown-kind", &d, key, 10, prev, 200, extra, sizeof(extra), -1);
    }
    error |= events_v2(dir, key, prev);
    return error;
}

static int
keys(const char *dir)
{
    unsigned char seed[32];
    char path[4096];
    int error = 0;
    avow_key_opts opts = AVOW_KEY_OPTS_INIT;

    for (size_t i = 0; i < sizeof(seed); i++) {
        seed[i] = (unsigned char)i;
    }
    opts.seed = seed;
    if (join(path, dir, "plain") < 0) {
        return -1;
    }
    unlink(path);
    error |= avow_key_generate(NULL, path, &opts);
    opts.passphrase = "x";
    opts.passphrase_len = 1;
    if (join(path, dir, "sealed-interactive") < 0) {
        return -1;
    }
    unlink(path);
    error |= avow_key_generate(NULL, path, &opts);

    /* Sealed with the MIN limits, following keys.c (invariant 5 there). */
    unsigned char file[KEYS_FILE_SEALED_BYTES], pk[32], sk[64], k[32];
    crypto_sign_seed_keypair(pk, sk, seed);
    memcpy(file, KEYS_MAGIC, KEYS_MAGIC_BYTES);
    file[KEYS_OFF_KDF] = KEYS_KDF_ARGON2ID;
    memcpy(file + KEYS_OFF_PUBLIC, pk, 32);
    be64_put(file + KEYS_OFF_OPSLIMIT, crypto_pwhash_argon2id_OPSLIMIT_MIN);
    be64_put(file + KEYS_OFF_MEMLIMIT, crypto_pwhash_argon2id_MEMLIMIT_MIN);
    memset(file + KEYS_OFF_SALT, 0x5a, KEYS_SALT_BYTES);
    memset(file + KEYS_OFF_NONCE, 0xa5, KEYS_NONCE_BYTES);
    if (crypto_pwhash(k, sizeof(k), "x", 1, file + KEYS_OFF_SALT,
                      crypto_pwhash_argon2id_OPSLIMIT_MIN, crypto_pwhash_argon2id_MEMLIMIT_MIN,
                      crypto_pwhash_ALG_ARGON2ID13) != 0) {
        return -1;
    }
    crypto_aead_xchacha20poly1305_ietf_encrypt(file + KEYS_OFF_CIPHERTEXT, NULL, seed, 32, file,
                                               KEYS_OFF_NONCE, NULL, file + KEYS_OFF_NONCE, k);
    error |= write_file(dir, "sealed-min", file, sizeof(file));
    sodium_memzero(sk, sizeof(sk));
    sodium_memzero(k, sizeof(k));
    return error;
}

int
main(int argc, char **argv)
{
    unsigned char seed[32];
    avow_key *key = NULL;
    char dir[4096];

    if (argc != 2) {
        fprintf(stderr, "usage: %s CORPUS_DIR (tests/fuzz/corpus)\n", argv[0]);
        return 2;
    }
    if (sodium_init() < 0) {
        return 1;
    }
    for (size_t i = 0; i < sizeof(seed); i++) {
        seed[i] = (unsigned char)i;
    }
    if (avow_key_from_seed(&key, seed) < 0) {
        return 1;
    }
    int error = join(dir, argv[1], "event");
    if (error == 0) {
        error = events(dir, key);
    }
    error |= join(dir, argv[1], "key");
    if (error == 0) {
        error = keys(dir);
    }
    avow_key_free(key);
    if (error != 0) {
        fprintf(stderr, "fuzz_seeds: failed: %s\n", avow_error_last());
        return 1;
    }
    return 0;
}
