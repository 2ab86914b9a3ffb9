/* SPDX-License-Identifier: ISC */
/*
 * codec.c - canonical bytes of events, formats v1 and v2 (docs/FORMAT.md).
 *
 * Invariants (tests/unit/test_codec.c has a crafted rejection for each):
 *  1. An event is exactly HEADER (93 bytes) + body_len + SIGNATURE (64 bytes),
 *     and at most AVOW_EVENT_MAX_BYTES; nothing trails.
 *  2. version is 1 or 2; kind is not 0.
 *  3. seq >= 1; prev is all zeros exactly when seq == 1.
 *  4. Times lie in [AVOW_TIME_MIN, AVOW_TIME_MAX]; precision is 1..6 and
 *     effective_at is the first microsecond of its period.
 *  5. Body fields are (tag u8, len u16 BE, value), tags strictly ascending
 *     (canonical order, no duplicates), every length within its limit.
 *  6. A known kind carries exactly its required fields plus optional ones,
 *     nothing else; an unknown kind may carry any fields (kept, not
 *     interpreted), but known tags are still checked by their type.
 *  7. Text is non-empty valid UTF-8 without NUL or control characters
 *     (quote and reason may hold newlines and tabs); contest ids use
 *     [A-Za-z0-9._:-].
 *  8. What the encoder produces always decodes: both share field_check().
 *  9. A key-succession event (kind 9) verifies only when both signatures
 *     hold: the author's over the event and the successor's over the
 *     succession message (author, seq, prev, successor).
 * 10. codec_decode_stored(), for events read back from the ledger (checked by
 *     the strict decoder when they were appended, re-checked by verify),
 *     keeps every structural check of 1-6 (sizes, lengths, bounds, order,
 *     required fields, stance values) so that no read goes out of the bytes,
 *     and skips only the content rules of 4 and 7 (time precision, UTF-8,
 *     identifier and rule syntax). Untrusted bytes always take the strict
 *     decoder.
 * 11. Format v2 (tests/unit/test_codec_v2*.c): the research fields (tags
 *     14-20), kinds 10, 11 and 14 and stance abstains occur only in version 2
 *     events;
 *     with qualifier by or between, effective_at is the LAST microsecond of
 *     its period, and from (only with between) starts before its period.
 * 12. A draft is written in the lowest version that holds it: version 1
 *     unless it uses something of format v2, so v1 bytes never change, and a
 *     version 2 event that uses nothing of v2 is refused.
 */
#include <assert.h>

#include <sodium.h>

#include "event/codec.h"
#include "event/rule.h"
#include "crypto/keys.h"
#include "tlog/merkle.h"

typedef struct field_spec {
    const char *name;
    size_t maxlen;
    enum {
        FT_TEXT,
        FT_MULTILINE,
        FT_IDENT,
        FT_RULE,
        FT_STANCE,
        FT_HASH,
        FT_CONFIDENCE,
        FT_QUALIFIER,
        FT_CHOICE,
        FT_TIME
    } type;
} field_spec;

/* Indexed by tag. */
static const field_spec fields[] = {
    [TAG_CONTEST] = { "contest", AVOW_MAX_CONTEST, FT_IDENT },
    [TAG_TITLE] = { "title", AVOW_MAX_TITLE, FT_TEXT },
    [TAG_RULE] = { "rule", AVOW_MAX_RULE, FT_RULE },
    [TAG_ACTOR] = { "actor", AVOW_MAX_ACTOR, FT_TEXT },
    [TAG_CANDIDATE] = { "candidate", AVOW_MAX_CANDIDATE, FT_TEXT },
    [TAG_STANCE] = { "stance", 1, FT_STANCE },
    [TAG_PERSON] = { "person", AVOW_MAX_PERSON, FT_TEXT },
    [TAG_SOURCE] = { "source", AVOW_MAX_SOURCE, FT_TEXT },
    [TAG_QUOTE] = { "quote", AVOW_MAX_QUOTE, FT_MULTILINE },
    [TAG_REASON] = { "reason", AVOW_MAX_REASON, FT_MULTILINE },
    [TAG_TARGET] = { "target", AVOW_HASH_BYTES, FT_HASH },
    [TAG_SUCCESSOR] = { "successor", AVOW_PUBKEY_BYTES, FT_HASH },
    [TAG_SUCCESSOR_SIG] = { "successor_sig", AVOW_SIG_BYTES, FT_HASH },
    [TAG_CONFIDENCE] = { "confidence", 1, FT_CONFIDENCE },
    [TAG_NOTE] = { "note", AVOW_MAX_NOTE, FT_MULTILINE },
    [TAG_REPORTED_AT] = { "reported_at", CODEC_TIME_BYTES, FT_TIME },
    [TAG_QUALIFIER] = { "qualifier", 1, FT_QUALIFIER },
    [TAG_FROM] = { "from", CODEC_TIME_BYTES, FT_TIME },
    [TAG_TAKES_EFFECT] = { "takes_effect", CODEC_TIME_BYTES, FT_TIME },
    [TAG_CHOICE] = { "choice", 1, FT_CHOICE },
};
#define TAG_MAX_V1    TAG_SUCCESSOR_SIG
#define TAG_MAX_KNOWN TAG_CHOICE

#define BIT(t) (1u << (t))
_Static_assert(TAG_MAX_KNOWN < 32, "a tag set fits in an unsigned");

/* The highest tag and kind a version knows (invariants 2, 6). */
static unsigned
tag_max(uint8_t version)
{
    return version >= CODEC_VERSION_2 ? TAG_MAX_KNOWN : TAG_MAX_V1;
}

static unsigned
kind_max(uint8_t version)
{
    return version >= CODEC_VERSION_2 ? CODEC_KIND_MAX : CODEC_KIND_MAX_V1;
}

/* The fields of format v2 that research rows may carry (invariant 11). */
#define RESEARCH                                                                                   \
    (BIT(TAG_CONFIDENCE) | BIT(TAG_NOTE) | BIT(TAG_REPORTED_AT) | BIT(TAG_QUALIFIER) |             \
     BIT(TAG_FROM))
#define V2_TAGS (RESEARCH | BIT(TAG_TAKES_EFFECT) | BIT(TAG_CHOICE))

/* Required and allowed tags per known kind (invariant 6), in format v1; v2
 * allows v2_extra on top. */
static const struct {
    unsigned required, allowed, v2_extra;
} kind_fields[CODEC_KIND_MAX + 1] = {
    [AVOW_KIND_CONTEST] = { BIT(TAG_CONTEST) | BIT(TAG_TITLE) | BIT(TAG_RULE), BIT(TAG_SOURCE),
                            BIT(TAG_CHOICE) | BIT(TAG_NOTE) },
    [AVOW_KIND_MEMBER_JOIN] = { BIT(TAG_CONTEST) | BIT(TAG_ACTOR), BIT(TAG_SOURCE), RESEARCH },
    [AVOW_KIND_MEMBER_LEAVE] = { BIT(TAG_CONTEST) | BIT(TAG_ACTOR), BIT(TAG_SOURCE), RESEARCH },
    [AVOW_KIND_CANDIDATE_ENTER] = { BIT(TAG_CONTEST) | BIT(TAG_CANDIDATE), BIT(TAG_SOURCE),
                                    RESEARCH },
    [AVOW_KIND_CANDIDATE_WITHDRAW] = { BIT(TAG_CONTEST) | BIT(TAG_CANDIDATE), BIT(TAG_SOURCE),
                                       RESEARCH },
    [AVOW_KIND_STANCE] = { BIT(TAG_CONTEST) | BIT(TAG_ACTOR) | BIT(TAG_CANDIDATE) |
                             BIT(TAG_STANCE) | BIT(TAG_SOURCE),
                           BIT(TAG_PERSON) | BIT(TAG_QUOTE), RESEARCH },
    [AVOW_KIND_RETRACT] = { BIT(TAG_TARGET) | BIT(TAG_REASON), 0, 0 },
    [AVOW_KIND_DECISION] = { BIT(TAG_CONTEST) | BIT(TAG_CANDIDATE), BIT(TAG_SOURCE),
                             RESEARCH | BIT(TAG_TAKES_EFFECT) },
    [AVOW_KIND_KEY_SUCCESSION] = { BIT(TAG_SUCCESSOR) | BIT(TAG_SUCCESSOR_SIG), 0, 0 },
    [AVOW_KIND_CANDIDATE_SIGNAL] = { 0, 0,
                                     BIT(TAG_CONTEST) | BIT(TAG_CANDIDATE) | BIT(TAG_SOURCE) |
                                       RESEARCH },
    [AVOW_KIND_CONTEST_AMEND] = { 0, 0,
                                  BIT(TAG_CONTEST) | BIT(TAG_TITLE) | BIT(TAG_RULE) |
                                    BIT(TAG_CHOICE) | BIT(TAG_SOURCE) | BIT(TAG_NOTE) },
    [AVOW_KIND_ACTOR_NAME] = { 0, 0,
                               BIT(TAG_CONTEST) | BIT(TAG_ACTOR) | BIT(TAG_TITLE) |
                                 BIT(TAG_SOURCE) | BIT(TAG_NOTE) },
};

/* What a v2 kind requires (kinds 10, 11 and 14 exist in v2 only). */
static unsigned
kind_required(uint8_t version, uint8_t kind)
{
    (void)version;
    switch (kind) {
    case AVOW_KIND_CANDIDATE_SIGNAL:
        return BIT(TAG_CONTEST) | BIT(TAG_CANDIDATE);
    case AVOW_KIND_CONTEST_AMEND:
        return BIT(TAG_CONTEST);
    case AVOW_KIND_ACTOR_NAME:
        return BIT(TAG_CONTEST) | BIT(TAG_ACTOR) | BIT(TAG_TITLE);
    default:
        return kind_fields[kind].required;
    }
}

static unsigned
kind_allowed(uint8_t version, uint8_t kind)
{
    unsigned a = kind_fields[kind].required | kind_fields[kind].allowed;
    return version >= CODEC_VERSION_2 ? a | kind_fields[kind].v2_extra : a;
}

static const char *const kind_names[CODEC_KIND_MAX + 1] = {
    [AVOW_KIND_CONTEST] = "contest",
    [AVOW_KIND_MEMBER_JOIN] = "member-join",
    [AVOW_KIND_MEMBER_LEAVE] = "member-leave",
    [AVOW_KIND_CANDIDATE_ENTER] = "candidate-enter",
    [AVOW_KIND_CANDIDATE_WITHDRAW] = "candidate-withdraw",
    [AVOW_KIND_STANCE] = "stance",
    [AVOW_KIND_RETRACT] = "retract",
    [AVOW_KIND_DECISION] = "decision",
    [AVOW_KIND_KEY_SUCCESSION] = "key-succession",
    [AVOW_KIND_CANDIDATE_SIGNAL] = "candidate-signal",
    [AVOW_KIND_CONTEST_AMEND] = "contest-amend",
    [AVOW_KIND_ACTOR_NAME] = "actor-name",
};

static const char *const stance_names[] = {
    [AVOW_STANCE_SUPPORTS] = "supports",
    [AVOW_STANCE_OPPOSES] = "opposes",
    [AVOW_STANCE_UNDECIDED] = "undecided",
    [AVOW_STANCE_ABSTAINS] = "abstains",
};

static const char *const confidence_names[] = {
    [AVOW_CONFIDENCE_LOW] = "low",
    [AVOW_CONFIDENCE_MEDIUM] = "medium",
    [AVOW_CONFIDENCE_HIGH] = "high",
};

static const char *const qualifier_names[] = {
    [AVOW_AT_EXACT] = "exact",
    [AVOW_AT_APPROXIMATE] = "approximate",
    [AVOW_AT_BY] = "by",
    [AVOW_AT_BETWEEN] = "between",
};

static const char *const choice_names[] = {
    [AVOW_CHOICE_SINGLE] = "single",
    [AVOW_CHOICE_MULTIPLE] = "multiple",
};

/* The index of name in names[lo..hi], or 0. */
static unsigned
name_parse(const char *const *names, unsigned lo, unsigned hi, const char *name)
{
    for (unsigned i = lo; name != NULL && i <= hi; i++) {
        if (names[i] != NULL && strcmp(name, names[i]) == 0) {
            return i;
        }
    }
    return 0;
}

const char *
avow_kind_name(uint8_t kind)
{
    if (kind >= 1 && kind <= CODEC_KIND_MAX && kind_names[kind] != NULL) {
        return kind_names[kind];
    }
    return "unknown";
}

uint8_t
avow_kind_parse(const char *name)
{
    return (uint8_t)name_parse(kind_names, 1, CODEC_KIND_MAX, name);
}

int
avow_event_kind_known(const avow_event *ev)
{
    return ev->kind >= 1 && ev->kind <= kind_max(ev->version) && kind_names[ev->kind] != NULL;
}

const char *
avow_stance_name(uint8_t stance)
{
    if (stance >= AVOW_STANCE_SUPPORTS && stance <= AVOW_STANCE_ABSTAINS) {
        return stance_names[stance];
    }
    return "none";
}

uint8_t
avow_stance_parse(const char *name)
{
    return (uint8_t)name_parse(stance_names, AVOW_STANCE_SUPPORTS, AVOW_STANCE_ABSTAINS, name);
}

const char *
avow_confidence_name(uint8_t confidence)
{
    return confidence >= AVOW_CONFIDENCE_LOW && confidence <= AVOW_CONFIDENCE_HIGH
             ? confidence_names[confidence]
             : NULL;
}

uint8_t
avow_confidence_parse(const char *name)
{
    return (uint8_t)name_parse(confidence_names, AVOW_CONFIDENCE_LOW, AVOW_CONFIDENCE_HIGH, name);
}

const char *
avow_qualifier_name(uint8_t qualifier)
{
    return qualifier <= AVOW_AT_BETWEEN ? qualifier_names[qualifier] : qualifier_names[0];
}

const char *
avow_choice_name(uint8_t choice)
{
    return choice >= AVOW_CHOICE_SINGLE && choice <= AVOW_CHOICE_MULTIPLE ? choice_names[choice]
                                                                          : NULL;
}

uint8_t
avow_choice_parse(const char *name)
{
    return (uint8_t)name_parse(choice_names, AVOW_CHOICE_SINGLE, AVOW_CHOICE_MULTIPLE, name);
}

int
avow_rule_check(const char *rule_text, size_t len)
{
    rule r;
    if (rule_parse(&r, rule_text, len) == 0) {
        return 0;
    }
    return error_set(AVOW_EINVALID,
                     "bad rule '%.*s' (use unanimity, majority, P/Q with P <= Q, or N)",
                     (int)(len > 40 ? 40 : len), rule_text);
}

static int
text_check(const unsigned char *v, size_t len, int multiline)
{
    if (buf_utf8_check((const char *)v, len) < 0) {
        return -1;
    }
    for (size_t i = 0; i < len; i++) {
        if (v[i] < 0x20 || v[i] == 0x7f) {
            if (!(multiline && (v[i] == '\n' || v[i] == '\t'))) {
                return -1;
            }
        }
    }
    return 0;
}

static int
ident_check(const unsigned char *v, size_t len)
{
    for (size_t i = 0; i < len; i++) {
        unsigned char c = v[i];
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '.' || c == '_' || c == ':' || c == '-')) {
            return -1;
        }
    }
    return 0;
}

/* A time field: 8 bytes of signed microseconds, then a precision byte. */
static int64_t
time_field_value(const unsigned char *v)
{
    return (int64_t)be64_get(v);
}

/* The highest value of a one-byte enumerated field in a version. */
static unsigned
enum_max(uint8_t version, int type)
{
    switch (type) {
    case FT_STANCE:
        return version >= CODEC_VERSION_2 ? AVOW_STANCE_ABSTAINS : AVOW_STANCE_UNDECIDED;
    case FT_CONFIDENCE:
        return AVOW_CONFIDENCE_HIGH;
    case FT_QUALIFIER:
        return AVOW_AT_BETWEEN;
    case FT_CHOICE:
        return AVOW_CHOICE_MULTIPLE;
    default:
        return 0;
    }
}

/* The structure of a known field: its length, and the values projections
 * branch on (invariants 5, 10). Shared by both decoders and the encoder. */
static int
field_check_shape(int code, uint8_t version, unsigned tag, const unsigned char *v, size_t len)
{
    const field_spec *f = &fields[tag];
    if (len == 0) {
        return error_set(code, "field %s is empty", f->name);
    }
    if (len > f->maxlen) {
        return error_set(code, "field %s is %zu bytes, longer than its limit of %zu", f->name, len,
                         f->maxlen);
    }
    switch (f->type) {
    case FT_HASH:
    case FT_TIME:
        if (len != f->maxlen) {
            return error_set(code, "field %s must be %zu bytes", f->name, f->maxlen);
        }
        break;
    case FT_STANCE:
    case FT_CONFIDENCE:
    case FT_QUALIFIER:
    case FT_CHOICE:
        if (v[0] < 1 || v[0] > enum_max(version, f->type)) {
            return error_set(code, "field %s has unknown value %u", f->name, v[0]);
        }
        break;
    case FT_TEXT:
    case FT_MULTILINE:
    case FT_IDENT:
    case FT_RULE:
        break;
    }
    return 0;
}

/* Checks one known field's value (invariants 5, 7); shared by encoder and decoder. */
static int
field_check(int code, uint8_t version, unsigned tag, const unsigned char *v, size_t len)
{
    const field_spec *f = &fields[tag];
    int error = field_check_shape(code, version, tag, v, len);
    if (error < 0) {
        return error;
    }
    switch (f->type) {
    case FT_TEXT:
    case FT_MULTILINE:
        if (text_check(v, len, f->type == FT_MULTILINE) < 0) {
            return error_set(code,
                             "field %s is not valid UTF-8 text without NUL or "
                             "control characters",
                             f->name);
        }
        break;
    case FT_IDENT:
        if (ident_check(v, len) < 0) {
            return error_set(code, "field %s may hold only letters, digits and . _ : -", f->name);
        }
        break;
    case FT_RULE:
        if (avow_rule_check((const char *)v, len) < 0) {
            return error_set(code, "field rule: %s", avow_error_last());
        }
        break;
    case FT_TIME: {
        int64_t t = time_field_value(v);
        if (t < AVOW_TIME_MIN || t > AVOW_TIME_MAX || v[8] < AVOW_PREC_YEAR ||
            v[8] > AVOW_PREC_MICRO || time_floor(t, (avow_precision)v[8]) != t) {
            return error_set(code, "field %s is not the start of a period of years 0001-9999",
                             f->name);
        }
        break;
    }
    case FT_STANCE:
    case FT_HASH:
    case FT_CONFIDENCE:
    case FT_QUALIFIER:
    case FT_CHOICE:
        break;
    }
    return 0;
}

static int
is_zero(const unsigned char *p, size_t n)
{
    unsigned char acc = 0;
    for (size_t i = 0; i < n; i++) {
        acc |= p[i];
    }
    return acc == 0;
}

static const char *
precision_word(uint8_t precision)
{
    return precision == AVOW_PREC_YEAR     ? "year"
           : precision == AVOW_PREC_MONTH  ? "month"
           : precision == AVOW_PREC_DAY    ? "day"
           : precision == AVOW_PREC_MINUTE ? "minute"
                                           : "second";
}

/* Invariant 4: times in range, a known precision. */
static int
time_range_check(int code, int64_t recorded_at, int64_t effective_at, uint8_t precision)
{
    if (recorded_at < AVOW_TIME_MIN || recorded_at > AVOW_TIME_MAX) {
        return error_set(code, "recorded_at is outside years 0001-9999");
    }
    if (effective_at < AVOW_TIME_MIN || effective_at > AVOW_TIME_MAX) {
        return error_set(code, "effective_at is outside years 0001-9999");
    }
    if (precision < AVOW_PREC_YEAR || precision > AVOW_PREC_MICRO) {
        return error_set(code, "unknown precision %u", precision);
    }
    return 0;
}

/*
 * Invariants 4 and 11: effective_at is the first microsecond of its period,
 * or, qualified by or between (format v2), the last; a between interval
 * starts before the period of effective_at does.
 */
static int
time_rules_check(int code, const avow_event *ev)
{
    avow_precision prec = (avow_precision)ev->precision;
    int late = ev->qualifier == AVOW_AT_BY || ev->qualifier == AVOW_AT_BETWEEN;
    int64_t want = late ? time_last(ev->effective_at, prec) : time_floor(ev->effective_at, prec);
    if (want != ev->effective_at) {
        return error_set(code, "effective_at is not the %s of its %s", late ? "end" : "start",
                         precision_word(ev->precision));
    }
    if (ev->qualifier == AVOW_AT_BETWEEN && ev->from >= time_floor(ev->effective_at, prec)) {
        return error_set(code, "a between interval must start before its last period");
    }
    return 0;
}

/* The format v2 rules over a whole event (invariant 11): what the fields say
 * together. seen is the set of its known tags. */
static int
event_rules_check(int code, const avow_event *ev, unsigned seen)
{
    if (ev->version < CODEC_VERSION_2 || !avow_event_kind_known(ev)) {
        return 0;
    }
    if (ev->kind <= CODEC_KIND_MAX_V1 && !(seen & V2_TAGS) && ev->stance != AVOW_STANCE_ABSTAINS) {
        return error_set(code,
                         "a version 2 %s event uses nothing of version 2 (write it "
                         "as version 1)",
                         avow_kind_name(ev->kind));
    }
    if ((ev->qualifier == AVOW_AT_BETWEEN) != ((seen & BIT(TAG_FROM)) != 0)) {
        return error_set(code, "field from goes with qualifier between, and only with it");
    }
    if (ev->kind == AVOW_KIND_CONTEST_AMEND &&
        !(seen & (BIT(TAG_TITLE) | BIT(TAG_RULE) | BIT(TAG_CHOICE)))) {
        return error_set(code, "a contest-amend event amends its title, rule or choice");
    }
    return 0;
}

/* The tags a known kind must and may carry (invariant 6). */
static int
kind_fields_check(int code, uint8_t version, uint8_t kind, unsigned seen)
{
    unsigned req = kind_required(version, kind);
    unsigned allowed = req | kind_allowed(version, kind);
    /* The decoder speaks of fields of bytes, the encoder of what a draft says. */
    const char *field = code == AVOW_EFORMAT ? "field " : "";
    for (unsigned t = 1; t <= TAG_MAX_KNOWN; t++) {
        if ((req & BIT(t)) && !(seen & BIT(t))) {
            return error_set(code, "a %s event needs %s%s", avow_kind_name(kind), field,
                             fields[t].name);
        }
        if ((seen & BIT(t)) && !(allowed & BIT(t))) {
            return error_set(code, "a %s event may not carry %s%s", avow_kind_name(kind), field,
                             fields[t].name);
        }
    }
    return 0;
}

static avow_str *
event_text_slot(avow_event *ev, unsigned tag)
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

/* Keep a known field's value in the decoded event. */
static void
event_set_field(avow_event *out, unsigned tag, const unsigned char *p, size_t flen)
{
    avow_str *slot = event_text_slot(out, tag);
    if (slot != NULL) {
        slot->ptr = (const char *)p;
        slot->len = flen;
        return;
    }
    switch (tag) {
    case TAG_STANCE:
        out->stance = p[0];
        break;
    case TAG_TARGET:
        out->target = p;
        break;
    case TAG_CONFIDENCE:
        out->confidence = p[0];
        break;
    case TAG_QUALIFIER:
        out->qualifier = p[0];
        break;
    case TAG_CHOICE:
        out->choice = p[0];
        break;
    case TAG_REPORTED_AT:
        out->reported_at = time_field_value(p);
        out->reported_precision = p[8];
        break;
    case TAG_FROM:
        out->from = time_field_value(p);
        out->from_precision = p[8];
        break;
    case TAG_TAKES_EFFECT:
        out->takes_effect = time_field_value(p);
        out->takes_effect_precision = p[8];
        break;
    default:
        break;
    }
}

/* The fixed header (invariants 1-3). */
static int
event_decode_header(avow_event *out, const unsigned char *raw, size_t len)
{
    memset(out, 0, sizeof(*out));
    if (raw == NULL || len < AVOW_EVENT_MIN_BYTES) {
        return error_set(AVOW_EFORMAT, "event is %zu bytes, shorter than the minimum %d", len,
                         AVOW_EVENT_MIN_BYTES);
    }
    if (len > AVOW_EVENT_MAX_BYTES) {
        return error_set(AVOW_EFORMAT, "event is %zu bytes, longer than the maximum %d", len,
                         AVOW_EVENT_MAX_BYTES);
    }
    if (raw[CODEC_OFF_VERSION] != CODEC_VERSION_1 && raw[CODEC_OFF_VERSION] != CODEC_VERSION_2) {
        return error_set(AVOW_EFORMAT, "unknown format version %u (this avow reads 1 and 2)",
                         raw[CODEC_OFF_VERSION]);
    }
    size_t body_len = be16_get(raw + CODEC_OFF_BODYLEN);
    if (AVOW_EVENT_MIN_BYTES + body_len != len) {
        return error_set(AVOW_EFORMAT,
                         "event is %zu bytes but its body length says %zu (trailing or "
                         "missing bytes)",
                         len, AVOW_EVENT_MIN_BYTES + body_len);
    }
    out->version = raw[CODEC_OFF_VERSION];
    out->kind = raw[CODEC_OFF_KIND];
    out->author = raw + CODEC_OFF_AUTHOR;
    out->seq = be64_get(raw + CODEC_OFF_SEQ);
    out->prev = raw + CODEC_OFF_PREV;
    out->recorded_at = (int64_t)be64_get(raw + CODEC_OFF_RECORDED);
    out->effective_at = (int64_t)be64_get(raw + CODEC_OFF_EFFECTIVE);
    out->precision = raw[CODEC_OFF_PRECISION];
    out->signature = raw + len - AVOW_SIG_BYTES;
    out->raw = raw;
    out->raw_len = len;
    if (out->kind == 0) {
        return error_set(AVOW_EFORMAT, "kind 0 is not a kind");
    }
    if (out->seq == 0) {
        return error_set(AVOW_EFORMAT, "seq 0 (author sequence numbers start at 1)");
    }
    if ((out->seq == 1) != is_zero(out->prev, AVOW_HASH_BYTES)) {
        return error_set(AVOW_EFORMAT, out->seq == 1 ? "seq 1 must have an all-zero prev"
                                                     : "only seq 1 may have an all-zero prev");
    }
    return 0;
}

/* The body's fields (invariants 5-7); *seen gets the known tags found. */
static int
event_decode_body(avow_event *out, int strict, unsigned *seen)
{
    const unsigned char *p = out->raw + CODEC_OFF_BODY;
    const unsigned char *end = out->raw + out->raw_len - AVOW_SIG_BYTES;
    unsigned last_tag = 0, known = tag_max(out->version);
    int kind_known = avow_event_kind_known(out);
    int error;
    while (p < end) {
        if (end - p < 3) {
            return error_set(AVOW_EFORMAT, "truncated field header in body");
        }
        unsigned tag = p[0];
        size_t flen = be16_get(p + 1);
        p += 3;
        if (flen > (size_t)(end - p)) {
            return error_set(AVOW_EFORMAT, "field %u runs past the end of the body", tag);
        }
        if (tag == 0) {
            return error_set(AVOW_EFORMAT, "field tag 0 is not a tag");
        }
        if (tag <= last_tag) {
            return error_set(
              AVOW_EFORMAT,
              tag == last_tag ? "field %u appears twice" : "field %u out of canonical order", tag);
        }
        last_tag = tag;
        if (tag <= known) {
            if ((error = strict
                           ? field_check(AVOW_EFORMAT, out->version, tag, p, flen)
                           : field_check_shape(AVOW_EFORMAT, out->version, tag, p, flen)) < 0) {
                return error;
            }
            *seen |= BIT(tag);
            event_set_field(out, tag, p, flen);
        } else if (kind_known) {
            return error_set(AVOW_EFORMAT, "unknown field %u in a %s event", tag,
                             avow_kind_name(out->kind));
        }
        p += flen;
    }
    return 0;
}

static int
event_decode(avow_event *out, const unsigned char *raw, size_t len, int strict)
{
    unsigned seen = 0;
    int error;
    if ((error = event_decode_header(out, raw, len)) < 0) {
        return error;
    }
    if (strict && (error = time_range_check(AVOW_EFORMAT, out->recorded_at, out->effective_at,
                                            out->precision)) < 0) {
        return error;
    }
    if ((error = event_decode_body(out, strict, &seen)) < 0) {
        return error;
    }
    if (avow_event_kind_known(out) &&
        (error = kind_fields_check(AVOW_EFORMAT, out->version, out->kind, seen)) < 0) {
        return error;
    }
    if (strict && ((error = time_rules_check(AVOW_EFORMAT, out)) < 0 ||
                   (error = event_rules_check(AVOW_EFORMAT, out, seen)) < 0)) {
        return error;
    }
    return 0;
}

int
avow_event_decode(avow_event *out, const unsigned char *raw, size_t len)
{
    return event_decode(out, raw, len, 1);
}

int
codec_decode_stored(avow_event *out, const unsigned char *raw, size_t len)
{
    return event_decode(out, raw, len, 0);
}

static int
put_field(avow_buf *out, uint8_t version, unsigned tag, const void *v, size_t len)
{
    int error;
    unsigned char hdr[3];
    if ((error = field_check(AVOW_EINVALID, version, tag, v, len)) < 0) {
        return error;
    }
    hdr[0] = (unsigned char)tag;
    be16_put(hdr + 1, (uint16_t)len);
    if ((error = buf_put(out, hdr, sizeof(hdr))) < 0) {
        return error;
    }
    return buf_put(out, v, len);
}

/* Whether a draft needs format v2 (invariant 12: the lowest version that
 * holds it). */
static int
draft_is_v2(const avow_draft *d)
{
    return d->kind > CODEC_KIND_MAX_V1 || d->stance > AVOW_STANCE_UNDECIDED || d->note != NULL ||
           d->confidence != 0 || d->qualifier != 0 || d->choice != 0 ||
           d->reported_precision != 0 || d->from_precision != 0 || d->takes_effect_precision != 0;
}

/* The value of field tag of a draft, as its bytes; NULL when absent (an
 * empty text is present, and refused as empty). */
static const void *
draft_field(const avow_draft *d, unsigned tag, unsigned char *tmp, size_t *len)
{
    const char *text = NULL;
    const unsigned char *byte = NULL;
    int64_t t = 0;
    uint8_t prec = 0;
    *len = 0;
    switch (tag) {
    case TAG_CONTEST:
        text = d->contest;
        break;
    case TAG_TITLE:
        text = d->title;
        break;
    case TAG_RULE:
        text = d->rule;
        break;
    case TAG_ACTOR:
        text = d->actor;
        break;
    case TAG_CANDIDATE:
        text = d->candidate;
        break;
    case TAG_PERSON:
        text = d->person;
        break;
    case TAG_SOURCE:
        text = d->source;
        break;
    case TAG_QUOTE:
        text = d->quote;
        break;
    case TAG_REASON:
        text = d->reason;
        break;
    case TAG_NOTE:
        text = d->note;
        break;
    case TAG_STANCE:
        byte = &d->stance;
        break;
    case TAG_CONFIDENCE:
        byte = &d->confidence;
        break;
    case TAG_QUALIFIER:
        byte = &d->qualifier;
        break;
    case TAG_CHOICE:
        byte = &d->choice;
        break;
    case TAG_TARGET:
        *len = AVOW_HASH_BYTES;
        return d->target;
    case TAG_REPORTED_AT:
        t = d->reported_at;
        prec = d->reported_precision;
        break;
    case TAG_FROM:
        t = d->from;
        prec = d->from_precision;
        break;
    case TAG_TAKES_EFFECT:
        t = d->takes_effect;
        prec = d->takes_effect_precision;
        break;
    default:
        return NULL;
    }
    if (text != NULL) {
        *len = strlen(text);
        return text;
    }
    if (byte != NULL) {
        *len = 1;
        return *byte != 0 ? byte : NULL;
    }
    if (prec == 0) {
        return NULL;
    }
    be64_put(tmp, (uint64_t)t);
    tmp[8] = prec;
    *len = CODEC_TIME_BYTES;
    return tmp;
}

/* The draft as the decoder would see it, for the rules over the whole event. */
static void
draft_view(avow_event *ev, const avow_draft *d, uint8_t version, uint8_t precision)
{
    memset(ev, 0, sizeof(*ev));
    ev->version = version;
    ev->kind = d->kind;
    ev->effective_at = d->effective_at;
    ev->precision = precision;
    ev->stance = d->stance;
    ev->qualifier = d->qualifier;
    ev->from = d->from;
}

/* The body of a draft, after its header in out (invariants 5-7, 11). */
static int
encode_body(avow_buf *out, const avow_draft *d, uint8_t version, uint8_t precision)
{
    unsigned char tmp[CODEC_TIME_BYTES];
    unsigned present = 0;
    int error;
    for (unsigned tag = 1; tag <= tag_max(version); tag++) {
        size_t len = 0;
        const void *v = draft_field(d, tag, tmp, &len);
        if (v == NULL) {
            continue;
        }
        if ((error = put_field(out, version, tag, v, len)) < 0) {
            return error;
        }
        present |= BIT(tag);
    }
    avow_event view;
    draft_view(&view, d, version, precision);
    if ((error = kind_fields_check(AVOW_EINVALID, version, d->kind, present)) < 0 ||
        (error = time_rules_check(AVOW_EINVALID, &view)) < 0 ||
        (error = event_rules_check(AVOW_EINVALID, &view, present)) < 0) {
        return error;
    }
    return 0;
}

int
codec_encode_message(avow_buf *out, const avow_draft *d, const unsigned char author[32],
                     uint64_t seq, const unsigned char prev[32], int64_t recorded_at)
{
    int error;
    uint8_t precision = d->precision ? d->precision : AVOW_PREC_MICRO;
    uint8_t version = draft_is_v2(d) ? CODEC_VERSION_2 : CODEC_VERSION_1;
    size_t start = out->len;
    unsigned char hdr[AVOW_EVENT_HEADER_BYTES];

    if (d->kind < 1 || d->kind > AVOW_KIND_MAX_KNOWN || d->kind == AVOW_KIND_KEY_SUCCESSION ||
        kind_names[d->kind] == NULL) {
        return error_set(AVOW_EINVALID, "cannot sign an event of kind %u from a draft", d->kind);
    }
    if (seq == 0 || (seq == 1) != is_zero(prev, AVOW_HASH_BYTES)) {
        return error_set(AVOW_EINVALID, "seq %llu does not fit prev", (unsigned long long)seq);
    }
    if ((error = time_range_check(AVOW_EINVALID, recorded_at, d->effective_at, precision)) < 0) {
        return error;
    }
    hdr[CODEC_OFF_VERSION] = version;
    hdr[CODEC_OFF_KIND] = d->kind;
    memcpy(hdr + CODEC_OFF_AUTHOR, author, AVOW_PUBKEY_BYTES);
    be64_put(hdr + CODEC_OFF_SEQ, seq);
    memcpy(hdr + CODEC_OFF_PREV, prev, AVOW_HASH_BYTES);
    be64_put(hdr + CODEC_OFF_RECORDED, (uint64_t)recorded_at);
    be64_put(hdr + CODEC_OFF_EFFECTIVE, (uint64_t)d->effective_at);
    hdr[CODEC_OFF_PRECISION] = precision;
    be16_put(hdr + CODEC_OFF_BODYLEN, 0);
    if ((error = buf_put(out, hdr, sizeof(hdr))) < 0 ||
        (error = encode_body(out, d, version, precision)) < 0) {
        goto done;
    }
    size_t body_len = out->len - start - AVOW_EVENT_HEADER_BYTES;
    if (body_len > AVOW_BODY_MAX_BYTES) {
        error = error_set(AVOW_EINVALID, "event would be %zu bytes, over the maximum of %d",
                          body_len + AVOW_EVENT_MIN_BYTES, AVOW_EVENT_MAX_BYTES);
        goto done;
    }
    be16_put(out->ptr + start + CODEC_OFF_BODYLEN, (uint16_t)body_len);
    error = 0;
done:
    if (error < 0) {
        out->len = start;
    }
    return error;
}

void
codec_sign_message(unsigned char sig[AVOW_SIG_BYTES], const unsigned char *msg, size_t len,
                   const avow_key *key)
{
    unsigned char framed[AVOW_SIG_CONTEXT_BYTES + AVOW_EVENT_MAX_BYTES];
    assert(len <= AVOW_EVENT_MAX_BYTES);
    memcpy(framed, AVOW_SIG_CONTEXT, AVOW_SIG_CONTEXT_BYTES);
    memcpy(framed + AVOW_SIG_CONTEXT_BYTES, msg, len);
    crypto_sign_detached(sig, NULL, framed, AVOW_SIG_CONTEXT_BYTES + len, keys_secret(key));
}

int
avow_event_sign(avow_buf *out, const avow_draft *draft, const avow_key *key, uint64_t seq,
                const unsigned char prev[AVOW_HASH_BYTES], int64_t recorded_at)
{
    int error;
    if (out == NULL || draft == NULL || key == NULL || prev == NULL) {
        return error_set(AVOW_EINVALID, "avow_event_sign: NULL argument");
    }
    size_t start = out->len;
    if ((error = codec_encode_message(out, draft, avow_key_public(key), seq, prev, recorded_at)) <
        0) {
        return error;
    }
    if ((error = buf_grow(out, AVOW_SIG_BYTES)) < 0) {
        out->len = start;
        return error;
    }
    codec_sign_message(out->ptr + out->len, out->ptr + start, out->len - start, key);
    out->len += AVOW_SIG_BYTES;
    return 0;
}

/* The message the successor key signs (invariant 9). */
static void
succession_message(unsigned char *msg, const unsigned char *author, uint64_t seq,
                   const unsigned char *prev, const unsigned char *next)
{
    size_t n = CODEC_SUCCESSION_CONTEXT_BYTES;
    memcpy(msg, CODEC_SUCCESSION_CONTEXT, n);
    memcpy(msg + n, author, AVOW_PUBKEY_BYTES);
    n += AVOW_PUBKEY_BYTES;
    be64_put(msg + n, seq);
    n += 8;
    memcpy(msg + n, prev, AVOW_HASH_BYTES);
    n += AVOW_HASH_BYTES;
    memcpy(msg + n, next, AVOW_PUBKEY_BYTES);
}

int
codec_successor(const avow_event *ev, const unsigned char **next, const unsigned char **sig)
{
    if (ev->kind != AVOW_KIND_KEY_SUCCESSION || ev->raw == NULL) {
        return 0;
    }
    const unsigned char *p = ev->raw + CODEC_OFF_BODY;
    const unsigned char *end = ev->raw + ev->raw_len - AVOW_SIG_BYTES;
    const unsigned char *n = NULL, *s = NULL;
    while (end - p >= 3) {
        unsigned tag = p[0];
        size_t flen = be16_get(p + 1);
        p += 3;
        if (flen > (size_t)(end - p)) {
            return 0;
        }
        if (tag == TAG_SUCCESSOR && flen == AVOW_PUBKEY_BYTES) {
            n = p;
        } else if (tag == TAG_SUCCESSOR_SIG && flen == AVOW_SIG_BYTES) {
            s = p;
        }
        p += flen;
    }
    if (n == NULL || s == NULL) {
        return 0;
    }
    *next = n;
    if (sig != NULL) {
        *sig = s;
    }
    return 1;
}

int
avow_event_successor(const avow_event *ev, const unsigned char **next)
{
    if (ev == NULL || next == NULL) {
        return 0;
    }
    return codec_successor(ev, next, NULL);
}

int
codec_encode_succession(avow_buf *out, const avow_key *old, const avow_key *next, uint64_t seq,
                        const unsigned char prev[AVOW_HASH_BYTES], int64_t recorded_at)
{
    unsigned char hdr[AVOW_EVENT_HEADER_BYTES];
    unsigned char msg[CODEC_SUCCESSION_CONTEXT_BYTES + 32 + 8 + 32 + 32];
    unsigned char fh[3], sig[AVOW_SIG_BYTES];
    const unsigned char *author = avow_key_public(old);
    const unsigned char *npk = avow_key_public(next);
    size_t start = out->len;
    int error;

    if (seq == 0 || (seq == 1) != is_zero(prev, AVOW_HASH_BYTES)) {
        return error_set(AVOW_EINVALID, "seq %llu does not fit prev", (unsigned long long)seq);
    }
    if (sodium_memcmp(author, npk, AVOW_PUBKEY_BYTES) == 0) {
        return error_set(AVOW_EINVALID, "a key cannot succeed itself");
    }
    if ((error = time_range_check(AVOW_EINVALID, recorded_at, recorded_at, AVOW_PREC_MICRO)) < 0) {
        return error;
    }
    hdr[CODEC_OFF_VERSION] = CODEC_VERSION_1;
    hdr[CODEC_OFF_KIND] = AVOW_KIND_KEY_SUCCESSION;
    memcpy(hdr + CODEC_OFF_AUTHOR, author, AVOW_PUBKEY_BYTES);
    be64_put(hdr + CODEC_OFF_SEQ, seq);
    memcpy(hdr + CODEC_OFF_PREV, prev, AVOW_HASH_BYTES);
    be64_put(hdr + CODEC_OFF_RECORDED, (uint64_t)recorded_at);
    be64_put(hdr + CODEC_OFF_EFFECTIVE, (uint64_t)recorded_at);
    hdr[CODEC_OFF_PRECISION] = AVOW_PREC_MICRO;
    be16_put(hdr + CODEC_OFF_BODYLEN, (uint16_t)(3 + AVOW_PUBKEY_BYTES + 3 + AVOW_SIG_BYTES));
    succession_message(msg, author, seq, prev, npk);
    crypto_sign_detached(sig, NULL, msg, sizeof(msg), keys_secret(next));
    if ((error = buf_put(out, hdr, sizeof(hdr))) < 0) {
        goto done;
    }
    fh[0] = TAG_SUCCESSOR;
    be16_put(fh + 1, AVOW_PUBKEY_BYTES);
    if ((error = buf_put(out, fh, 3)) < 0 || (error = buf_put(out, npk, AVOW_PUBKEY_BYTES)) < 0) {
        goto done;
    }
    fh[0] = TAG_SUCCESSOR_SIG;
    be16_put(fh + 1, AVOW_SIG_BYTES);
    if ((error = buf_put(out, fh, 3)) < 0 || (error = buf_put(out, sig, sizeof(sig))) < 0) {
        goto done;
    }
    if ((error = buf_grow(out, AVOW_SIG_BYTES)) < 0) {
        goto done;
    }
    codec_sign_message(out->ptr + out->len, out->ptr + start, out->len - start, old);
    out->len += AVOW_SIG_BYTES;
done:
    if (error < 0) {
        out->len = start;
    }
    return error;
}

int
avow_event_verify(const avow_event *ev)
{
    unsigned char framed[AVOW_SIG_CONTEXT_BYTES + AVOW_EVENT_MAX_BYTES];
    size_t mlen = ev->raw_len - AVOW_SIG_BYTES;
    assert(ev->raw_len >= AVOW_EVENT_MIN_BYTES && ev->raw_len <= AVOW_EVENT_MAX_BYTES);
    memcpy(framed, AVOW_SIG_CONTEXT, AVOW_SIG_CONTEXT_BYTES);
    memcpy(framed + AVOW_SIG_CONTEXT_BYTES, ev->raw, mlen);
    if (crypto_sign_verify_detached(ev->signature, framed, AVOW_SIG_CONTEXT_BYTES + mlen,
                                    ev->author) != 0) {
        return error_set(AVOW_EVERIFY, "signature does not verify");
    }
    if (ev->kind == AVOW_KIND_KEY_SUCCESSION) {
        const unsigned char *next = NULL, *sig = NULL;
        unsigned char msg[CODEC_SUCCESSION_CONTEXT_BYTES + 32 + 8 + 32 + 32];
        if (codec_successor(ev, &next, &sig) != 1) {
            return error_set(AVOW_EVERIFY, "key succession without a successor");
        }
        succession_message(msg, ev->author, ev->seq, ev->prev, next);
        if (crypto_sign_verify_detached(sig, msg, sizeof(msg), next) != 0) {
            return error_set(AVOW_EVERIFY, "the successor's signature does not verify");
        }
    }
    return 0;
}

void
avow_event_id(unsigned char id[AVOW_EVENT_ID_BYTES], const avow_event *ev)
{
    crypto_hash_sha256(id, ev->raw, ev->raw_len);
}

void
avow_event_content_hash(unsigned char h[AVOW_HASH_BYTES], const avow_event *ev)
{
    crypto_hash_sha256(h, ev->raw, ev->raw_len - AVOW_SIG_BYTES);
}

void
codec_hash_event(codec_hashes *h, const unsigned char *raw, size_t len)
{
    crypto_hash_sha256_state st, tail;
    /* The id and the content hash share every byte but the signature. */
    crypto_hash_sha256_init(&st);
    crypto_hash_sha256_update(&st, raw, len - AVOW_SIG_BYTES);
    tail = st;
    crypto_hash_sha256_final(&st, h->content);
    crypto_hash_sha256_update(&tail, raw + len - AVOW_SIG_BYTES, AVOW_SIG_BYTES);
    crypto_hash_sha256_final(&tail, h->id);
    merkle_leaf_hash(h->leaf, raw, len);
}
