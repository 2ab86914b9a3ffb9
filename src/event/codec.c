/* SPDX-License-Identifier: ISC */
/*
 * codec.c - canonical bytes of events, format v1 (docs/FORMAT.md).
 *
 * Invariants (tests/unit/test_codec.c has a crafted rejection for each):
 *  1. An event is exactly HEADER (93 bytes) + body_len + SIGNATURE (64 bytes),
 *     and at most AVOW_EVENT_MAX_BYTES; nothing trails.
 *  2. version is 1; kind is not 0.
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
 */
#include <assert.h>

#include <sodium.h>

#include "event/codec.h"
#include "event/rule.h"
#include "crypto/keys.h"
#include "tlog/merkle.h"

#define CODEC_VERSION 1

typedef struct field_spec {
    const char *name;
    size_t maxlen;
    enum { FT_TEXT, FT_MULTILINE, FT_IDENT, FT_RULE, FT_STANCE, FT_HASH } type;
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
};
#define TAG_MAX_KNOWN TAG_SUCCESSOR_SIG

#define BIT(t) (1u << (t))

/* Required and allowed tags per known kind (invariant 6). */
static const struct {
    unsigned required, allowed;
} kind_fields[CODEC_KIND_MAX + 1] = {
    [AVOW_KIND_CONTEST] = { BIT(TAG_CONTEST) | BIT(TAG_TITLE) | BIT(TAG_RULE), BIT(TAG_SOURCE) },
    [AVOW_KIND_MEMBER_JOIN] = { BIT(TAG_CONTEST) | BIT(TAG_ACTOR), BIT(TAG_SOURCE) },
    [AVOW_KIND_MEMBER_LEAVE] = { BIT(TAG_CONTEST) | BIT(TAG_ACTOR), BIT(TAG_SOURCE) },
    [AVOW_KIND_CANDIDATE_ENTER] = { BIT(TAG_CONTEST) | BIT(TAG_CANDIDATE), BIT(TAG_SOURCE) },
    [AVOW_KIND_CANDIDATE_WITHDRAW] = { BIT(TAG_CONTEST) | BIT(TAG_CANDIDATE), BIT(TAG_SOURCE) },
    [AVOW_KIND_STANCE] = { BIT(TAG_CONTEST) | BIT(TAG_ACTOR) | BIT(TAG_CANDIDATE) |
                             BIT(TAG_STANCE) | BIT(TAG_SOURCE),
                           BIT(TAG_PERSON) | BIT(TAG_QUOTE) },
    [AVOW_KIND_RETRACT] = { BIT(TAG_TARGET) | BIT(TAG_REASON), 0 },
    [AVOW_KIND_DECISION] = { BIT(TAG_CONTEST) | BIT(TAG_CANDIDATE), BIT(TAG_SOURCE) },
    [AVOW_KIND_KEY_SUCCESSION] = { BIT(TAG_SUCCESSOR) | BIT(TAG_SUCCESSOR_SIG), 0 },
};

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
};

static const char *const stance_names[] = {
    [AVOW_STANCE_SUPPORTS] = "supports",
    [AVOW_STANCE_OPPOSES] = "opposes",
    [AVOW_STANCE_UNDECIDED] = "undecided",
};

const char *
avow_kind_name(uint8_t kind)
{
    if (kind >= 1 && kind <= CODEC_KIND_MAX) {
        return kind_names[kind];
    }
    return "unknown";
}

uint8_t
avow_kind_parse(const char *name)
{
    for (uint8_t k = 1; k <= CODEC_KIND_MAX; k++) {
        if (strcmp(name, kind_names[k]) == 0) {
            return k;
        }
    }
    return 0;
}

const char *
avow_stance_name(uint8_t stance)
{
    if (stance >= AVOW_STANCE_SUPPORTS && stance <= AVOW_STANCE_UNDECIDED) {
        return stance_names[stance];
    }
    return "none";
}

uint8_t
avow_stance_parse(const char *name)
{
    for (unsigned s = AVOW_STANCE_SUPPORTS; s <= AVOW_STANCE_UNDECIDED; s++) {
        if (strcmp(name, stance_names[s]) == 0) {
            return (uint8_t)s;
        }
    }
    return AVOW_STANCE_NONE;
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

/* Checks one known field's value (invariants 5, 7); shared by encoder and decoder. */
static int
field_check(int code, unsigned tag, const unsigned char *v, size_t len)
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
    case FT_STANCE:
        if (v[0] < AVOW_STANCE_SUPPORTS || v[0] > AVOW_STANCE_UNDECIDED) {
            return error_set(code, "field stance has unknown value %u", v[0]);
        }
        break;
    case FT_HASH:
        if (len != f->maxlen) {
            return error_set(code, "field %s must be %zu bytes", f->name, f->maxlen);
        }
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

/* Invariant 4: effective_at is the start of its period at its precision. */
static int
time_check(int code, int64_t recorded_at, int64_t effective_at, uint8_t precision)
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
    if (time_floor(effective_at, (avow_precision)precision) != effective_at) {
        return error_set(code, "effective_at is not the start of its %s",
                         precision == AVOW_PREC_YEAR     ? "year"
                         : precision == AVOW_PREC_MONTH  ? "month"
                         : precision == AVOW_PREC_DAY    ? "day"
                         : precision == AVOW_PREC_MINUTE ? "minute"
                                                         : "second");
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
    default:
        return NULL;
    }
}

/* What codec_decode_stored() still checks of a known field: its length and
 * the values the projection branches on (memory safety and the kind's
 * shape), not its text rules (invariant 10). */
static int
field_check_stored(unsigned tag, const unsigned char *v, size_t len)
{
    const field_spec *f = &fields[tag];
    if (len == 0 || len > f->maxlen || (f->type == FT_HASH && len != f->maxlen) ||
        (f->type == FT_STANCE && (v[0] < AVOW_STANCE_SUPPORTS || v[0] > AVOW_STANCE_UNDECIDED))) {
        return error_set(AVOW_EFORMAT, "field %s is malformed", f->name);
    }
    return 0;
}

static int
event_decode(avow_event *out, const unsigned char *raw, size_t len, int strict)
{
    int error;
    memset(out, 0, sizeof(*out));
    if (raw == NULL || len < AVOW_EVENT_MIN_BYTES) {
        return error_set(AVOW_EFORMAT, "event is %zu bytes, shorter than the minimum %d", len,
                         AVOW_EVENT_MIN_BYTES);
    }
    if (len > AVOW_EVENT_MAX_BYTES) {
        return error_set(AVOW_EFORMAT, "event is %zu bytes, longer than the maximum %d", len,
                         AVOW_EVENT_MAX_BYTES);
    }
    if (raw[CODEC_OFF_VERSION] != CODEC_VERSION) {
        return error_set(AVOW_EFORMAT, "unknown format version %u (this avow reads %d)",
                         raw[CODEC_OFF_VERSION], CODEC_VERSION);
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
    if (strict && (error = time_check(AVOW_EFORMAT, out->recorded_at, out->effective_at,
                                      out->precision)) < 0) {
        return error;
    }

    const unsigned char *p = raw + CODEC_OFF_BODY;
    const unsigned char *end = p + body_len;
    unsigned last_tag = 0, seen = 0;
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
        if (tag >= 1 && tag <= TAG_MAX_KNOWN) {
            if ((error = strict ? field_check(AVOW_EFORMAT, tag, p, flen)
                                : field_check_stored(tag, p, flen)) < 0) {
                return error;
            }
            seen |= BIT(tag);
            avow_str *slot = event_text_slot(out, tag);
            if (slot != NULL) {
                slot->ptr = (const char *)p;
                slot->len = flen;
            } else if (tag == TAG_STANCE) {
                out->stance = p[0];
            } else if (tag == TAG_TARGET) {
                out->target = p;
            }
        } else if (out->kind <= CODEC_KIND_MAX) {
            return error_set(AVOW_EFORMAT, "unknown field %u in a %s event", tag,
                             avow_kind_name(out->kind));
        }
        p += flen;
    }
    if (out->kind <= CODEC_KIND_MAX) {
        unsigned req = kind_fields[out->kind].required;
        unsigned allowed = req | kind_fields[out->kind].allowed;
        if ((seen & req) != req) {
            for (unsigned t = 1; t <= TAG_MAX_KNOWN; t++) {
                if ((req & BIT(t)) && !(seen & BIT(t))) {
                    return error_set(AVOW_EFORMAT, "a %s event needs field %s",
                                     avow_kind_name(out->kind), fields[t].name);
                }
            }
        }
        if (seen & ~allowed) {
            for (unsigned t = 1; t <= TAG_MAX_KNOWN; t++) {
                if ((seen & BIT(t)) && !(allowed & BIT(t))) {
                    return error_set(AVOW_EFORMAT, "a %s event may not carry field %s",
                                     avow_kind_name(out->kind), fields[t].name);
                }
            }
        }
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
put_field(avow_buf *out, unsigned tag, const void *v, size_t len)
{
    int error;
    unsigned char hdr[3];
    if ((error = field_check(AVOW_EINVALID, tag, v, len)) < 0) {
        return error;
    }
    hdr[0] = (unsigned char)tag;
    be16_put(hdr + 1, (uint16_t)len);
    if ((error = buf_put(out, hdr, sizeof(hdr))) < 0) {
        return error;
    }
    return buf_put(out, v, len);
}

int
codec_encode_message(avow_buf *out, const avow_draft *d, const unsigned char author[32],
                     uint64_t seq, const unsigned char prev[32], int64_t recorded_at)
{
    int error;
    uint8_t precision = d->precision ? d->precision : AVOW_PREC_MICRO;
    size_t start = out->len;
    unsigned char hdr[AVOW_EVENT_HEADER_BYTES];

    if (d->kind < 1 || d->kind > AVOW_KIND_MAX_KNOWN) {
        return error_set(AVOW_EINVALID, "cannot sign an event of unknown kind %u", d->kind);
    }
    if (seq == 0 || (seq == 1) != is_zero(prev, AVOW_HASH_BYTES)) {
        return error_set(AVOW_EINVALID, "seq %llu does not fit prev", (unsigned long long)seq);
    }
    if ((error = time_check(AVOW_EINVALID, recorded_at, d->effective_at, precision)) < 0) {
        return error;
    }
    hdr[CODEC_OFF_VERSION] = CODEC_VERSION;
    hdr[CODEC_OFF_KIND] = d->kind;
    memcpy(hdr + CODEC_OFF_AUTHOR, author, AVOW_PUBKEY_BYTES);
    be64_put(hdr + CODEC_OFF_SEQ, seq);
    memcpy(hdr + CODEC_OFF_PREV, prev, AVOW_HASH_BYTES);
    be64_put(hdr + CODEC_OFF_RECORDED, (uint64_t)recorded_at);
    be64_put(hdr + CODEC_OFF_EFFECTIVE, (uint64_t)d->effective_at);
    hdr[CODEC_OFF_PRECISION] = precision;
    be16_put(hdr + CODEC_OFF_BODYLEN, 0);
    if ((error = buf_put(out, hdr, sizeof(hdr))) < 0) {
        goto done;
    }

    const char *texts[TAG_MAX_KNOWN + 1] = {
        [TAG_CONTEST] = d->contest, [TAG_TITLE] = d->title,         [TAG_RULE] = d->rule,
        [TAG_ACTOR] = d->actor,     [TAG_CANDIDATE] = d->candidate, [TAG_PERSON] = d->person,
        [TAG_SOURCE] = d->source,   [TAG_QUOTE] = d->quote,         [TAG_REASON] = d->reason,
    };
    unsigned present = 0;
    for (unsigned tag = 1; tag <= TAG_MAX_KNOWN; tag++) {
        if (tag == TAG_STANCE) {
            if (d->stance != AVOW_STANCE_NONE) {
                unsigned char s = d->stance;
                if ((error = put_field(out, tag, &s, 1)) < 0) {
                    goto done;
                }
                present |= BIT(tag);
            }
        } else if (tag == TAG_TARGET) {
            if (d->target != NULL) {
                if ((error = put_field(out, tag, d->target, AVOW_HASH_BYTES)) < 0) {
                    goto done;
                }
                present |= BIT(tag);
            }
        } else if (texts[tag] != NULL) {
            if ((error = put_field(out, tag, texts[tag], strlen(texts[tag]))) < 0) {
                goto done;
            }
            present |= BIT(tag);
        }
    }
    unsigned req = kind_fields[d->kind].required;
    unsigned allowed = req | kind_fields[d->kind].allowed;
    for (unsigned t = 1; t <= TAG_MAX_KNOWN; t++) {
        if ((req & BIT(t)) && !(present & BIT(t))) {
            error = error_set(AVOW_EINVALID, "a %s event needs %s", avow_kind_name(d->kind),
                              fields[t].name);
            goto done;
        }
        if ((present & BIT(t)) && !(allowed & BIT(t))) {
            error = error_set(AVOW_EINVALID, "a %s event may not carry %s", avow_kind_name(d->kind),
                              fields[t].name);
            goto done;
        }
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
    if ((error = time_check(AVOW_EINVALID, recorded_at, recorded_at, AVOW_PREC_MICRO)) < 0) {
        return error;
    }
    hdr[CODEC_OFF_VERSION] = CODEC_VERSION;
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
