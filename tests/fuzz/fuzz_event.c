/* SPDX-License-Identifier: ISC */
/*
 * fuzz_event.c - fuzz target for the event decoder (avow_event_decode), the
 * signature check (avow_event_verify) and the JSON rendering
 * (avow_event_to_json). Input: the bytes of one signed event.
 *
 * Invariants asserted on every input the decoder accepts:
 *  1. The decoded view borrows from the input: raw/raw_len are the input,
 *     author, prev and signature sit at their documented offsets.
 *  2. Header values are in range: version 1 or 2, kind != 0, seq >= 1, prev
 *     all zero exactly when seq == 1, both times in [AVOW_TIME_MIN,
 *     AVOW_TIME_MAX], precision 1..6 and effective_at the first microsecond
 *     of its period, or its last when qualified by or between (format v2);
 *     the date as avow_at_format() writes it parses back to the same
 *     instants (an unknown kind's between without from aside).
 *  3. Every present text field lies inside the input, is 1..limit bytes
 *     (src/util/limits.h), valid UTF-8 without NUL; stance is 0..3 in v1,
 *     0..4 in v2; the v2 values (confidence, qualifier, choice, times) are in
 *     range, and all zero in a v1 event; target, when present, lies inside
 *     the input.
 *  4. Canonical: for a known kind, codec_encode_message() of the decoded
 *     fields with the same header values reproduces the signed message byte
 *     for byte (one encoding per event).
 *  5. avow_event_verify() answers 0 or AVOW_EVERIFY, the same answer twice;
 *     when it holds, changing one signature byte makes it fail.
 *  6. avow_event_to_json() succeeds, with and without raw, and renders valid
 *     JSON whose id, author, seq, kind and text fields match the event, and
 *     whose raw (base64) is the input.
 *  7. A rejected input leaves a non-empty reason in avow_error_last().
 *  8. An independent walk of the body (any kind, unknown ones included) finds
 *     well-formed (tag, u16 length, value) fields filling it exactly, tags
 *     non-zero and strictly ascending, unknown tags only in unknown kinds, and
 *     each known field where the decoded view points; a key-succession
 *     event (kind 9) yields its successor key and signature through
 *     codec_successor(), at the places the walk found them; the v2 fields
 *     are decoded exactly when a version 2 body holds them (tags 14-20 of a
 *     v1 event, which only an unknown kind may carry, stay opaque).
 */
#include <string.h>

#include <jansson.h>
#include <sodium.h>

#include "event/codec.h"
#include "fuzz.h"

static int
inside(const void *p, size_t len, const uint8_t *data, size_t size)
{
    const uint8_t *q = p;
    return q >= data && q <= data + size && len <= (size_t)(data + size - q);
}

static void
check_text(const avow_str *s, size_t limit, const uint8_t *data, size_t size)
{
    if (s->ptr == NULL) {
        FUZZ_ASSERT(s->len == 0);
        return;
    }
    FUZZ_ASSERT(inside(s->ptr, s->len, data, size));
    FUZZ_ASSERT(s->len >= 1 && s->len <= limit);
    FUZZ_ASSERT(memchr(s->ptr, 0, s->len) == NULL);
    FUZZ_ASSERT(buf_utf8_check(s->ptr, s->len) == 0);
}

/* A NUL-terminated heap copy of a text field, or NULL when absent. */
static char *
dup_text(const avow_str *s)
{
    if (s->ptr == NULL) {
        return NULL;
    }
    return fuzz_copy((const uint8_t *)s->ptr, s->len, 1);
}

static int
all_zero(const unsigned char *p, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (p[i] != 0) {
            return 0;
        }
    }
    return 1;
}

static const avow_str *
text_of(const avow_event *ev, unsigned tag)
{
    switch (tag) {
    case TAG_CONTEST:
        return &ev->contest;
    case TAG_TITLE:
        return &ev->title;
    case TAG_RULE:
        return &ev->rule;
    case TAG_ACTOR:
        return &ev->actor;
    case TAG_CANDIDATE:
        return &ev->candidate;
    case TAG_PERSON:
        return &ev->person;
    case TAG_SOURCE:
        return &ev->source;
    case TAG_QUOTE:
        return &ev->quote;
    case TAG_REASON:
        return &ev->reason;
    case TAG_NOTE:
        return &ev->note;
    default:
        return NULL;
    }
}

/* A format v2 field other than note: its value is where the decoded view says. */
static void
check_v2_field(const avow_event *ev, unsigned tag, const unsigned char *v, size_t len)
{
    FUZZ_ASSERT(ev->version == 2);
    switch (tag) {
    case TAG_CONFIDENCE:
        FUZZ_ASSERT(len == 1 && ev->confidence == v[0]);
        break;
    case TAG_QUALIFIER:
        FUZZ_ASSERT(len == 1 && ev->qualifier == v[0]);
        break;
    case TAG_CHOICE:
        FUZZ_ASSERT(len == 1 && ev->choice == v[0]);
        break;
    case TAG_REPORTED_AT:
        FUZZ_ASSERT(len == 9 && ev->reported_at == (int64_t)be64_get(v) &&
                    ev->reported_precision == v[8]);
        break;
    case TAG_FROM:
        FUZZ_ASSERT(len == 9 && ev->from == (int64_t)be64_get(v) && ev->from_precision == v[8]);
        break;
    case TAG_TAKES_EFFECT:
        FUZZ_ASSERT(len == 9 && ev->takes_effect == (int64_t)be64_get(v) &&
                    ev->takes_effect_precision == v[8]);
        break;
    default:
        FUZZ_ASSERT(0);
    }
}

/* Invariant 8. */
static void
check_body_walk(const avow_event *ev)
{
    const unsigned char *p = ev->raw + CODEC_OFF_BODY;
    const unsigned char *end = ev->raw + ev->raw_len - AVOW_SIG_BYTES;
    const unsigned char *successor = NULL, *successor_sig = NULL;
    unsigned last = 0, seen = 0;

    FUZZ_ASSERT(be16_get(ev->raw + CODEC_OFF_BODYLEN) == (size_t)(end - p));
    while (p < end) {
        FUZZ_ASSERT(end - p >= 3);
        unsigned tag = p[0];
        size_t flen = be16_get(p + 1);
        FUZZ_ASSERT(flen <= (size_t)(end - p - 3));
        FUZZ_ASSERT(tag != 0 && tag > last);
        last = tag;
        /* Tag 15 is the note in version 2 only: in a v1 event (of an
         * unknown kind) it is opaque. */
        const avow_str *s = tag == TAG_NOTE && ev->version < 2 ? NULL : text_of(ev, tag);
        if (s != NULL) {
            FUZZ_ASSERT(s->ptr == (const char *)p + 3 && s->len == flen);
        } else if (tag == TAG_STANCE) {
            FUZZ_ASSERT(flen == 1 && ev->stance == p[3]);
        } else if (tag == TAG_TARGET) {
            FUZZ_ASSERT(flen == AVOW_HASH_BYTES && ev->target == p + 3);
        } else if (ev->version == 2 && tag >= TAG_CONFIDENCE && tag <= TAG_CHOICE) {
            check_v2_field(ev, tag, p + 3, flen);
        } else {
            FUZZ_ASSERT(!avow_event_kind_known(ev) || ev->kind == AVOW_KIND_KEY_SUCCESSION);
            if (tag == 12 && flen == AVOW_PUBKEY_BYTES) {
                successor = p + 3;
            } else if (tag == 13 && flen == AVOW_SIG_BYTES) {
                successor_sig = p + 3;
            }
        }
        if (tag <= TAG_CHOICE) {
            seen |= 1u << tag;
        }
        p += 3 + flen;
    }
    /* Nothing decoded that the body does not hold. */
    for (unsigned tag = TAG_CONTEST; tag <= TAG_TARGET; tag++) {
        const avow_str *s = text_of(ev, tag);
        int present = s != NULL           ? s->ptr != NULL
                      : tag == TAG_STANCE ? ev->stance != AVOW_STANCE_NONE
                                          : ev->target != NULL;
        FUZZ_ASSERT(present == !!(seen & (1u << tag)));
    }
    /* The v2 fields are decoded exactly when a version 2 body holds them. */
    unsigned v2 = ev->version == 2 ? seen : 0;
    FUZZ_ASSERT((ev->note.ptr != NULL) == !!(v2 & (1u << TAG_NOTE)));
    FUZZ_ASSERT((ev->confidence != 0) == !!(v2 & (1u << TAG_CONFIDENCE)));
    FUZZ_ASSERT((ev->reported_precision != 0) == !!(v2 & (1u << TAG_REPORTED_AT)));
    FUZZ_ASSERT((ev->qualifier != 0) == !!(v2 & (1u << TAG_QUALIFIER)));
    FUZZ_ASSERT((ev->from_precision != 0) == !!(v2 & (1u << TAG_FROM)));
    FUZZ_ASSERT((ev->takes_effect_precision != 0) == !!(v2 & (1u << TAG_TAKES_EFFECT)));
    FUZZ_ASSERT((ev->choice != 0) == !!(v2 & (1u << TAG_CHOICE)));
#ifdef AVOW_KIND_KEY_SUCCESSION
    if (ev->kind == AVOW_KIND_KEY_SUCCESSION) {
        const unsigned char *next = NULL, *sig = NULL;
        FUZZ_ASSERT(codec_successor(ev, &next, &sig) == 1);
        FUZZ_ASSERT(next == successor && sig == successor_sig);
    }
#else
    (void)successor;
    (void)successor_sig;
#endif
}

/* Invariant 4. */
static void
check_canonical(const avow_event *ev)
{
    avow_buf msg = AVOW_BUF_INIT;
    avow_draft d = AVOW_DRAFT_INIT;
    char *texts[10];

    d.kind = ev->kind;
    d.effective_at = ev->effective_at;
    d.precision = ev->precision;
    d.contest = texts[0] = dup_text(&ev->contest);
    d.title = texts[1] = dup_text(&ev->title);
    d.rule = texts[2] = dup_text(&ev->rule);
    d.actor = texts[3] = dup_text(&ev->actor);
    d.candidate = texts[4] = dup_text(&ev->candidate);
    d.person = texts[5] = dup_text(&ev->person);
    d.source = texts[6] = dup_text(&ev->source);
    d.quote = texts[7] = dup_text(&ev->quote);
    d.reason = texts[8] = dup_text(&ev->reason);
    d.note = texts[9] = dup_text(&ev->note);
    d.stance = ev->stance;
    d.target = ev->target;
    d.confidence = ev->confidence;
    d.qualifier = ev->qualifier;
    d.choice = ev->choice;
    d.reported_at = ev->reported_at;
    d.reported_precision = ev->reported_precision;
    d.from = ev->from;
    d.from_precision = ev->from_precision;
    d.takes_effect = ev->takes_effect;
    d.takes_effect_precision = ev->takes_effect_precision;

    int rc = codec_encode_message(&msg, &d, ev->author, ev->seq, ev->prev, ev->recorded_at);
    if (rc != 0) {
        fprintf(stderr, "re-encoding refused: %s\n", avow_error_last());
    }
    FUZZ_ASSERT(rc == 0);
    FUZZ_ASSERT(msg.len == ev->raw_len - AVOW_SIG_BYTES);
    FUZZ_ASSERT(memcmp(msg.ptr, ev->raw, msg.len) == 0);
    avow_buf_dispose(&msg);
    for (size_t i = 0; i < sizeof(texts) / sizeof(texts[0]); i++) {
        free(texts[i]);
    }
}

/* Invariant 5. */
static void
check_verify(const avow_event *ev)
{
    int rc = avow_event_verify(ev);
    FUZZ_ASSERT(rc == 0 || rc == AVOW_EVERIFY);
    FUZZ_ASSERT(avow_event_verify(ev) == rc);
    if (rc == 0) {
        unsigned char *copy = (unsigned char *)fuzz_copy(ev->raw, ev->raw_len, 0);
        avow_event tampered;
        copy[ev->raw_len - 1] ^= 0x01;
        FUZZ_ASSERT(avow_event_decode(&tampered, copy, ev->raw_len) == 0);
        FUZZ_ASSERT(avow_event_verify(&tampered) == AVOW_EVERIFY);
        free(copy);
    }
}

static void
check_json_hex(json_t *o, const char *key, const unsigned char *bytes, size_t n)
{
    char hex[2 * AVOW_SIG_BYTES + 1];
    FUZZ_ASSERT(n <= AVOW_SIG_BYTES);
    avow_hex(hex, bytes, n);
    const char *v = json_string_value(json_object_get(o, key));
    FUZZ_ASSERT(v != NULL && strcmp(v, hex) == 0);
}

static void
check_json_text(json_t *o, const char *key, const avow_str *s)
{
    json_t *v = json_object_get(o, key);
    if (s->ptr == NULL) {
        FUZZ_ASSERT(v == NULL);
        return;
    }
    FUZZ_ASSERT(json_is_string(v));
    FUZZ_ASSERT(json_string_length(v) == s->len);
    FUZZ_ASSERT(memcmp(json_string_value(v), s->ptr, s->len) == 0);
}

/* Invariant 6. */
static void
check_json(const avow_event *ev, int with_raw)
{
    avow_buf out = AVOW_BUF_INIT;
    json_error_t jerr;
    unsigned char id[AVOW_EVENT_ID_BYTES];

    FUZZ_ASSERT(avow_event_to_json(&out, ev, 7, with_raw) == 0);
    FUZZ_ASSERT(out.len > 0 && memchr(out.ptr, '\n', out.len) == NULL);
    json_t *o = json_loadb((const char *)out.ptr, out.len, 0, &jerr);
    FUZZ_ASSERT(json_is_object(o));

    crypto_hash_sha256(id, ev->raw, ev->raw_len);
    check_json_hex(o, "id", id, sizeof(id));
    check_json_hex(o, "author", ev->author, AVOW_PUBKEY_BYTES);
    check_json_hex(o, "prev", ev->prev, AVOW_HASH_BYTES);
    check_json_hex(o, "signature", ev->signature, AVOW_SIG_BYTES);
    if (ev->target != NULL) {
        check_json_hex(o, "target", ev->target, AVOW_HASH_BYTES);
    }
    FUZZ_ASSERT(json_integer_value(json_object_get(o, "seq")) == (json_int_t)ev->seq);
    FUZZ_ASSERT(json_integer_value(json_object_get(o, "index")) == 7);
    const char *kind = json_string_value(json_object_get(o, "kind"));
    FUZZ_ASSERT(kind != NULL && strcmp(kind, avow_event_kind_known(ev) ? avow_kind_name(ev->kind)
                                                                       : "unknown") == 0);
    FUZZ_ASSERT(json_is_string(json_object_get(o, "recorded_at")));
    FUZZ_ASSERT(json_is_string(json_object_get(o, "effective_at")));
    check_json_text(o, "contest", &ev->contest);
    check_json_text(o, "title", &ev->title);
    check_json_text(o, "rule", &ev->rule);
    check_json_text(o, "actor", &ev->actor);
    check_json_text(o, "candidate", &ev->candidate);
    check_json_text(o, "person", &ev->person);
    check_json_text(o, "source", &ev->source);
    check_json_text(o, "quote", &ev->quote);
    check_json_text(o, "reason", &ev->reason);
    if (ev->version == 2) {
        json_t *note = json_object_get(o, "note");
        if (ev->note.ptr == NULL) {
            FUZZ_ASSERT(json_is_null(note));
        } else {
            check_json_text(o, "note", &ev->note);
        }
        const char *q = json_string_value(json_object_get(o, "at_qualifier"));
        FUZZ_ASSERT(q != NULL && strcmp(q, avow_qualifier_name(ev->qualifier)) == 0);
    } else {
        FUZZ_ASSERT(json_object_get(o, "note") == NULL &&
                    json_object_get(o, "at_qualifier") == NULL);
    }

    json_t *raw = json_object_get(o, "raw");
    if (with_raw) {
        unsigned char *bin = malloc(ev->raw_len);
        size_t bin_len = 0;
        const char *b64 = json_string_value(raw);
        FUZZ_ASSERT(bin != NULL && b64 != NULL);
        FUZZ_ASSERT(sodium_base642bin(bin, ev->raw_len, b64, strlen(b64), NULL, &bin_len, NULL,
                                      sodium_base64_VARIANT_ORIGINAL) == 0);
        FUZZ_ASSERT(bin_len == ev->raw_len && memcmp(bin, ev->raw, bin_len) == 0);
        free(bin);
    } else {
        FUZZ_ASSERT(raw == NULL);
    }
    json_decref(o);
    avow_buf_dispose(&out);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    avow_event ev;
    static const size_t limits[] = { AVOW_MAX_CONTEST, AVOW_MAX_TITLE,     AVOW_MAX_RULE,
                                     AVOW_MAX_ACTOR,   AVOW_MAX_CANDIDATE, AVOW_MAX_PERSON,
                                     AVOW_MAX_SOURCE,  AVOW_MAX_QUOTE,     AVOW_MAX_REASON };

    if (sodium_init() < 0) {
        abort();
    }
    int rc = avow_event_decode(&ev, data, size);
    if (rc != 0) {
        /* Invariant 7. */
        FUZZ_ASSERT(rc == AVOW_EFORMAT);
        FUZZ_ASSERT(avow_error_last()[0] != '\0');
        return 0;
    }

    /* Invariant 1. */
    FUZZ_ASSERT(ev.raw == data && ev.raw_len == size);
    FUZZ_ASSERT(size >= AVOW_EVENT_MIN_BYTES && size <= AVOW_EVENT_MAX_BYTES);
    FUZZ_ASSERT(ev.author == data + CODEC_OFF_AUTHOR);
    FUZZ_ASSERT(ev.prev == data + CODEC_OFF_PREV);
    FUZZ_ASSERT(ev.signature == data + size - AVOW_SIG_BYTES);

    /* Invariant 2. */
    FUZZ_ASSERT((ev.version == 1 || ev.version == 2) && ev.kind != 0 && ev.seq >= 1);
    FUZZ_ASSERT((ev.seq == 1) == all_zero(ev.prev, AVOW_HASH_BYTES));
    FUZZ_ASSERT(ev.recorded_at >= AVOW_TIME_MIN && ev.recorded_at <= AVOW_TIME_MAX);
    FUZZ_ASSERT(ev.effective_at >= AVOW_TIME_MIN && ev.effective_at <= AVOW_TIME_MAX);
    FUZZ_ASSERT(ev.precision >= AVOW_PREC_YEAR && ev.precision <= AVOW_PREC_MICRO);
    {
        avow_precision prec = (avow_precision)ev.precision;
        int late = ev.qualifier == AVOW_AT_BY || ev.qualifier == AVOW_AT_BETWEEN;
        FUZZ_ASSERT(ev.effective_at ==
                    (late ? time_last(ev.effective_at, prec) : time_floor(ev.effective_at, prec)));
        /* The date as text (JSON "at") reads back to the same instants. An
         * unknown kind's between may lack its from: not a date then. */
        if (ev.qualifier != AVOW_AT_BETWEEN || avow_event_kind_known(&ev)) {
            char text[AVOW_AT_STRLEN];
            avow_at at = { ev.effective_at, ev.precision, ev.qualifier, ev.from,
                           ev.from_precision },
                    back;
            avow_at_format(text, &at);
            FUZZ_ASSERT(avow_at_parse(&back, text) == 0);
            /* from is part of the date only with between (an unknown kind may
             * carry one with another qualifier: kept, not a date then). */
            FUZZ_ASSERT(back.at == ev.effective_at && back.qualifier == ev.qualifier &&
                        (ev.qualifier != AVOW_AT_BETWEEN || back.from == ev.from));
        }
    }

    /* Invariant 3. */
    const avow_str *texts[] = { &ev.contest, &ev.title,  &ev.rule,  &ev.actor, &ev.candidate,
                                &ev.person,  &ev.source, &ev.quote, &ev.reason };
    for (size_t i = 0; i < sizeof(texts) / sizeof(texts[0]); i++) {
        check_text(texts[i], limits[i], data, size);
    }
    check_text(&ev.note, AVOW_MAX_NOTE, data, size);
    FUZZ_ASSERT(ev.stance <= (ev.version == 2 ? AVOW_STANCE_ABSTAINS : AVOW_STANCE_UNDECIDED));
    FUZZ_ASSERT(ev.confidence <= AVOW_CONFIDENCE_HIGH && ev.qualifier <= AVOW_AT_BETWEEN &&
                ev.choice <= AVOW_CHOICE_MULTIPLE);
    if (ev.version == 1) {
        FUZZ_ASSERT(ev.note.ptr == NULL && ev.confidence == 0 && ev.qualifier == 0 &&
                    ev.choice == 0 && ev.reported_precision == 0 && ev.from_precision == 0 &&
                    ev.takes_effect_precision == 0);
    }
    /* Between goes with from in a known kind; an unknown kind's fields are
     * kept, not interpreted (its qualifier still places effective_at). */
    if (ev.qualifier == AVOW_AT_BETWEEN && avow_event_kind_known(&ev)) {
        FUZZ_ASSERT(ev.from_precision != 0 && ev.from < ev.effective_at);
    }
    if (ev.target != NULL) {
        FUZZ_ASSERT(inside(ev.target, AVOW_HASH_BYTES, data, size - AVOW_SIG_BYTES));
    }
    if (ev.rule.ptr != NULL) {
        FUZZ_ASSERT(avow_rule_check(ev.rule.ptr, ev.rule.len) == 0);
    }

    check_body_walk(&ev);

    /* Invariant 4. */
    if (avow_event_kind_known(&ev) && ev.kind != AVOW_KIND_KEY_SUCCESSION) {
        check_canonical(&ev);
    }
    check_verify(&ev);
    check_json(&ev, 0);
    check_json(&ev, 1);
    return 0;
}
