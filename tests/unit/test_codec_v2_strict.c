/* SPDX-License-Identifier: ISC */
/*
 * test_codec_v2_strict.c - the strict decoder on crafted format v2 bytes
 * (docs/FORMAT.md, "Event, format v2"): for every new field, a well-formed
 * event that decodes (the control), then the same event with the field
 * duplicated, out of order, of a wrong length, of a value out of range, on a
 * kind that may not carry it and inside a version 1 event, each refused with
 * AVOW_EFORMAT and its reason; then the rules over a whole event (the version
 * rule, between and from, the position of effective_at in its period,
 * contest-amend, the new kinds), bad UTF-8 in note, and the uncertain-date
 * forms of avow_at_parse that the format documents as accepted or refused.
 *
 * Bytes are crafted field by field and signed with key 7, so only the rule
 * under test can fail; the structural refusals are also checked against
 * codec_decode_stored() (codec.c invariant 10: it keeps every structural
 * check).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "event/codec.h"
#include "testutil.h"

#define T_REC     INT64_C(1712150700000000) /* 2024-04-03T13:25:00Z */
#define D0328     INT64_C(1711584000000000) /* 2024-03-28 */
#define D0401     INT64_C(1711929600000000) /* 2024-04-01 */
#define D0402     INT64_C(1712016000000000) /* 2024-04-02 */
#define D0402_END (INT64_C(1712102400000000) - 1)
#define D0404     INT64_C(1712188800000000)       /* 2024-04-04 */
#define D0415     INT64_C(1713139200000000)       /* 2024-04-15 */
#define APR_END   (INT64_C(1714521600000000) - 1) /* last µs of April 2024 */
#define D1001     INT64_C(1727740800000000)       /* 2024-10-01 */

/* One crafted field: text, a byte, a time (9 bytes, or len bytes of it when
 * len is set), hex bytes, or len bytes of 'a'. */
typedef struct fld {
    uint8_t tag;
    char type; /* 's' text, 'b' byte, 't' time, 'x' hex, 'n' filler */
    const char *s;
    int64_t t;
    uint8_t p;
    uint16_t len;
} fld;

#define MAXF 12
typedef struct shape {
    uint8_t version, kind;
    int64_t eff;
    uint8_t prec;
    fld f[MAXF];
} shape;

#define F_CONTEST                                                                                  \
    {                                                                                              \
        TAG_CONTEST, 's', "c", 0, 0, 0                                                             \
    }
#define F_TITLE                                                                                    \
    {                                                                                              \
        TAG_TITLE, 's', "T", 0, 0, 0                                                               \
    }
#define F_RULE                                                                                     \
    {                                                                                              \
        TAG_RULE, 's', "majority", 0, 0, 0                                                         \
    }
#define F_ACTOR                                                                                    \
    {                                                                                              \
        TAG_ACTOR, 's', "CA", 0, 0, 0                                                              \
    }
#define F_CAND                                                                                     \
    {                                                                                              \
        TAG_CANDIDATE, 's', "R", 0, 0, 0                                                           \
    }
#define F_STANCE(v)                                                                                \
    {                                                                                              \
        TAG_STANCE, 'b', NULL, 0, v, 0                                                             \
    }
#define F_SOURCE                                                                                   \
    {                                                                                              \
        TAG_SOURCE, 's', "s", 0, 0, 0                                                              \
    }
#define F_REASON                                                                                   \
    {                                                                                              \
        TAG_REASON, 's', "r", 0, 0, 0                                                              \
    }
#define F_TARGET                                                                                   \
    {                                                                                              \
        TAG_TARGET, 'n', NULL, 0, 0, 32                                                            \
    }
#define F_CONF(v)                                                                                  \
    {                                                                                              \
        TAG_CONFIDENCE, 'b', NULL, 0, v, 0                                                         \
    }
#define F_NOTE(x)                                                                                  \
    {                                                                                              \
        TAG_NOTE, 's', x, 0, 0, 0                                                                  \
    }
#define F_NOTEX(h)                                                                                 \
    {                                                                                              \
        TAG_NOTE, 'x', h, 0, 0, 0                                                                  \
    }
#define F_REP(t, p)                                                                                \
    {                                                                                              \
        TAG_REPORTED_AT, 't', NULL, t, p, 0                                                        \
    }
#define F_QUAL(v)                                                                                  \
    {                                                                                              \
        TAG_QUALIFIER, 'b', NULL, 0, v, 0                                                          \
    }
#define F_FROM(t, p)                                                                               \
    {                                                                                              \
        TAG_FROM, 't', NULL, t, p, 0                                                               \
    }
#define F_TAKES(t, p)                                                                              \
    {                                                                                              \
        TAG_TAKES_EFFECT, 't', NULL, t, p, 0                                                       \
    }
#define F_CHOICE(v)                                                                                \
    {                                                                                              \
        TAG_CHOICE, 'b', NULL, 0, v, 0                                                             \
    }
#define F_STANCE_BASE F_CONTEST, F_ACTOR, F_CAND, F_STANCE(1), F_SOURCE

/* The bytes of f into out; @return its length. */
static size_t
fld_value(const fld *f, unsigned char *out)
{
    size_t n = 0;
    switch (f->type) {
    case 's':
        n = strlen(f->s);
        memcpy(out, f->s, n);
        break;
    case 'b':
        out[0] = f->p;
        n = 1;
        break;
    case 't':
        be64_put(out, (uint64_t)f->t);
        out[8] = f->p;
        n = f->len ? f->len : CODEC_TIME_BYTES;
        if (n > CODEC_TIME_BYTES) {
            memset(out + CODEC_TIME_BYTES, 0, n - CODEC_TIME_BYTES);
        }
        break;
    case 'x':
        n = strlen(f->s) / 2;
        assert_int_equal(avow_unhex(out, n, f->s), 0);
        break;
    case 'n':
        n = f->len;
        memset(out, 'a', n);
        break;
    default:
        fail_msg("bad field type %c", f->type);
    }
    return n;
}

/* A signed event of shape sh (fields in the order given, key 7, seq 1). */
static void
craft(avow_buf *b, const shape *sh)
{
    static const unsigned char zero[32];
    unsigned char hdr[AVOW_EVENT_HEADER_BYTES];
    static unsigned char v[AVOW_EVENT_MAX_BYTES];
    avow_key *k = tu_key(7);
    buf_clear(b);
    hdr[CODEC_OFF_VERSION] = sh->version;
    hdr[CODEC_OFF_KIND] = sh->kind;
    memcpy(hdr + CODEC_OFF_AUTHOR, avow_key_public(k), 32);
    be64_put(hdr + CODEC_OFF_SEQ, 1);
    memcpy(hdr + CODEC_OFF_PREV, zero, 32);
    be64_put(hdr + CODEC_OFF_RECORDED, (uint64_t)T_REC);
    be64_put(hdr + CODEC_OFF_EFFECTIVE, (uint64_t)sh->eff);
    hdr[CODEC_OFF_PRECISION] = sh->prec;
    assert_int_equal(buf_put(b, hdr, sizeof(hdr)), 0);
    for (size_t i = 0; i < MAXF && sh->f[i].tag != 0; i++) {
        unsigned char fh[3];
        size_t n = fld_value(&sh->f[i], v);
        fh[0] = sh->f[i].tag;
        be16_put(fh + 1, (uint16_t)n);
        assert_int_equal(buf_put(b, fh, 3), 0);
        assert_int_equal(buf_put(b, v, n), 0);
    }
    be16_put(b->ptr + CODEC_OFF_BODYLEN, (uint16_t)(b->len - AVOW_EVENT_HEADER_BYTES));
    assert_int_equal(buf_grow(b, AVOW_SIG_BYTES), 0);
    codec_sign_message(b->ptr + b->len, b->ptr, b->len, k);
    b->len += AVOW_SIG_BYTES;
    avow_key_free(k);
}

/*
 * Decode sh strictly: 0 expected when what is NULL, else AVOW_EFORMAT with
 * what in the reason; with stored, codec_decode_stored() must refuse it too.
 */
static void
expect(const char *name, const shape *sh, const char *what, int stored)
{
    avow_buf b = AVOW_BUF_INIT;
    avow_event ev;
    craft(&b, sh);
    int rc = avow_event_decode(&ev, b.ptr, b.len);
    if (what == NULL) {
        if (rc != 0) {
            fail_msg("%s: refused: %s", name, avow_error_last());
        }
        assert_int_equal(avow_event_verify(&ev), 0);
    } else if (rc != AVOW_EFORMAT || strstr(avow_error_last(), what) == NULL) {
        fail_msg("%s: rc %d '%s', not '%s'", name, rc, rc ? avow_error_last() : "", what);
    } else if (stored && codec_decode_stored(&ev, b.ptr, b.len) != AVOW_EFORMAT) {
        fail_msg("%s: the stored decoder accepts it", name);
    }
    avow_buf_dispose(&b);
}

/* A well-formed v2 event that holds field tag, and a kind that may not. */
typedef struct host {
    unsigned tag;
    const char *name;
    shape good; /* the field is f[at] */
    size_t at;
    shape wrong_kind; /* the field is the last one */
    const char *wrong_kind_name;
} host;

static const host hosts[] = {
    { TAG_CONFIDENCE,
      "confidence",
      { 2, AVOW_KIND_STANCE, D0402, AVOW_PREC_DAY, { F_STANCE_BASE, F_CONF(2) } },
      5,
      { 2, AVOW_KIND_CONTEST, D0402, AVOW_PREC_DAY, { F_CONTEST, F_TITLE, F_RULE, F_CONF(2) } },
      "contest" },
    { TAG_NOTE,
      "note",
      { 2, AVOW_KIND_CONTEST, D0402, AVOW_PREC_DAY, { F_CONTEST, F_TITLE, F_RULE, F_NOTE("n") } },
      3,
      { 2, AVOW_KIND_RETRACT, D0402, AVOW_PREC_DAY, { F_REASON, F_TARGET, F_NOTE("n") } },
      "retract" },
    { TAG_REPORTED_AT,
      "reported_at",
      { 2,
        AVOW_KIND_DECISION,
        D0402,
        AVOW_PREC_DAY,
        { F_CONTEST, F_CAND, F_REP(D0404, AVOW_PREC_DAY) } },
      2,
      { 2,
        AVOW_KIND_CONTEST_AMEND,
        D0402,
        AVOW_PREC_DAY,
        { F_CONTEST, F_TITLE, F_REP(D0404, AVOW_PREC_DAY) } },
      "contest-amend" },
    { TAG_QUALIFIER,
      "qualifier",
      { 2, AVOW_KIND_MEMBER_JOIN, D0402_END, AVOW_PREC_DAY, { F_CONTEST, F_ACTOR, F_QUAL(2) } },
      2,
      { 2, AVOW_KIND_CONTEST, D0402_END, AVOW_PREC_DAY, { F_CONTEST, F_TITLE, F_RULE, F_QUAL(2) } },
      "contest" },
    { TAG_FROM,
      "from",
      { 2,
        AVOW_KIND_CANDIDATE_ENTER,
        D0402_END,
        AVOW_PREC_DAY,
        { F_CONTEST, F_CAND, F_QUAL(3), F_FROM(D0328, AVOW_PREC_DAY) } },
      3,
      { 2,
        AVOW_KIND_CONTEST_AMEND,
        D0402,
        AVOW_PREC_DAY,
        { F_CONTEST, F_TITLE, F_FROM(D0328, AVOW_PREC_DAY) } },
      "contest-amend" },
    { TAG_TAKES_EFFECT,
      "takes_effect",
      { 2,
        AVOW_KIND_DECISION,
        D0402,
        AVOW_PREC_DAY,
        { F_CONTEST, F_CAND, F_SOURCE, F_TAKES(D1001, AVOW_PREC_DAY) } },
      3,
      { 2,
        AVOW_KIND_STANCE,
        D0402,
        AVOW_PREC_DAY,
        { F_STANCE_BASE, F_TAKES(D1001, AVOW_PREC_DAY) } },
      "stance" },
    { TAG_CHOICE,
      "choice",
      { 2, AVOW_KIND_CONTEST, D0402, AVOW_PREC_DAY, { F_CONTEST, F_TITLE, F_RULE, F_CHOICE(1) } },
      3,
      { 2, AVOW_KIND_DECISION, D0402, AVOW_PREC_DAY, { F_CONTEST, F_CAND, F_CHOICE(1) } },
      "decision" },
};

static size_t
nfields(const shape *sh)
{
    size_t n = 0;
    while (n < MAXF && sh->f[n].tag != 0) {
        n++;
    }
    return n;
}

/* The field's shapes: duplicated, moved first, of a wrong length. */
static void
check_framing(const host *h)
{
    char name[96];
    shape s = h->good;
    size_t n = nfields(&s);
    const fld f = s.f[h->at];

    /* Twice in a row. */
    memmove(&s.f[h->at + 1], &s.f[h->at], (n - h->at) * sizeof(fld));
    (void)snprintf(name, sizeof(name), "%s twice", h->name);
    char what[64];
    (void)snprintf(what, sizeof(what), "field %u appears twice", h->tag);
    expect(name, &s, what, 1);

    /* Out of order: moved before the fields of lower tags. */
    s = h->good;
    memmove(&s.f[1], &s.f[0], h->at * sizeof(fld));
    s.f[0] = f;
    (void)snprintf(name, sizeof(name), "%s first", h->name);
    expect(name, &s, "out of canonical order", 1);

    /* Empty, one byte short, one byte long. */
    fld bad = { h->tag, 'x', "", 0, 0, 0 };
    s = h->good;
    s.f[h->at] = bad;
    (void)snprintf(name, sizeof(name), "%s empty", h->name);
    (void)snprintf(what, sizeof(what), "field %s is empty", h->name);
    expect(name, &s, what, 1);
    if (f.type == 't') {
        bad = f;
        bad.len = CODEC_TIME_BYTES - 1;
        s.f[h->at] = bad;
        (void)snprintf(name, sizeof(name), "%s of 8 bytes", h->name);
        (void)snprintf(what, sizeof(what), "field %s must be 9 bytes", h->name);
        expect(name, &s, what, 1);
        bad.len = CODEC_TIME_BYTES + 1;
    } else if (f.type == 'b') {
        bad = (fld){ h->tag, 'x', "0101", 0, 0, 0 };
    } else {
        bad = (fld){ h->tag, 'n', NULL, 0, 0, AVOW_MAX_NOTE + 1 };
    }
    s.f[h->at] = bad;
    (void)snprintf(name, sizeof(name), "%s too long", h->name);
    (void)snprintf(what, sizeof(what), "field %s is %u bytes, longer than its limit", h->name,
                   f.type == 't'   ? 10u
                   : f.type == 'b' ? 2u
                                   : (unsigned)AVOW_MAX_NOTE + 1);
    expect(name, &s, what, 1);
}

/* On a kind that may not carry it, and inside a version 1 event. */
static void
check_placement(const host *h)
{
    char name[96], what[96];
    (void)snprintf(name, sizeof(name), "%s on %s", h->name, h->wrong_kind_name);
    (void)snprintf(what, sizeof(what), "a %s event may not carry field %s", h->wrong_kind_name,
                   h->name);
    expect(name, &h->wrong_kind, what, 1);

    shape s = h->good;
    s.version = 1;
    unsigned first = h->tag;
    for (size_t i = 0; i < nfields(&s); i++) {
        if (s.f[i].tag >= TAG_CONFIDENCE && s.f[i].tag < first) {
            first = s.f[i].tag;
        }
    }
    (void)snprintf(name, sizeof(name), "%s in version 1", h->name);
    (void)snprintf(what, sizeof(what), "unknown field %u in a %s event", first,
                   avow_kind_name(s.kind));
    expect(name, &s, what, 1);
}

static void
test_codec_v2_strict__every_new_field_framed_and_placed(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof(hosts) / sizeof(hosts[0]); i++) {
        assert_int_equal(hosts[i].good.f[hosts[i].at].tag, hosts[i].tag);
        expect(hosts[i].name, &hosts[i].good, NULL, 0);
        check_framing(&hosts[i]);
        check_placement(&hosts[i]);
    }
    /* A note at its limit is fine. */
    shape s = hosts[1].good;
    s.f[3] = (fld){ TAG_NOTE, 'n', NULL, 0, 0, AVOW_MAX_NOTE };
    expect("note of 2048 bytes", &s, NULL, 0);
}

/* Values outside the range of each one-byte field, and of the time fields. */
static void
test_codec_v2_strict__values_out_of_range(void **state)
{
    (void)state;
    static const struct {
        size_t host;
        uint8_t v;
    } bytes[] = {
        { 0, 0 }, { 0, 4 }, { 0, 255 }, { 3, 0 }, { 3, 4 }, { 3, 255 }, { 6, 0 }, { 6, 3 },
    };
    char name[96], what[96];
    for (size_t i = 0; i < sizeof(bytes) / sizeof(bytes[0]); i++) {
        const host *h = &hosts[bytes[i].host];
        shape s = h->good;
        s.f[h->at].p = bytes[i].v;
        (void)snprintf(name, sizeof(name), "%s %u", h->name, bytes[i].v);
        (void)snprintf(what, sizeof(what), "field %s has unknown value %u", h->name, bytes[i].v);
        expect(name, &s, what, 1);
    }
    /* stance 5 in v2 (and 0); stance 4 in v1 (and alone, fine, in v2). */
    shape st = { 2, AVOW_KIND_STANCE, D0402, AVOW_PREC_DAY, { F_STANCE_BASE } };
    st.f[3].p = 5;
    expect("stance 5 in v2", &st, "field stance has unknown value 5", 1);
    st.f[3].p = 0;
    expect("stance 0 in v2", &st, "field stance has unknown value 0", 1);
    st.f[3].p = AVOW_STANCE_ABSTAINS;
    expect("abstains in v2", &st, NULL, 0);
    st.version = 1;
    expect("abstains in v1", &st, "field stance has unknown value 4", 1);

    /* Each time field: a bad precision, out of the years 0001-9999, not the
     * start of its period; the earliest instant is fine. */
    static const size_t times[] = { 2, 4, 5 };
    static const struct {
        int64_t dt; /* added to the good value, or an absolute value below */
        int64_t abs;
        uint8_t p;
        const char *why;
    } bad[] = {
        { 0, 0, 0, "precision 0" },
        { 0, 0, 7, "precision 7" },
        { 1, 0, AVOW_PREC_DAY, "not the start of its day" },
        { 0, AVOW_TIME_MAX + 1, AVOW_PREC_MICRO, "after 9999" },
        { 0, AVOW_TIME_MIN - 1, AVOW_PREC_MICRO, "before 0001" },
        { 0, INT64_MIN, AVOW_PREC_MICRO, "INT64_MIN" },
    };
    for (size_t i = 0; i < sizeof(times) / sizeof(times[0]); i++) {
        const host *h = &hosts[times[i]];
        for (size_t j = 0; j < sizeof(bad) / sizeof(bad[0]); j++) {
            shape s = h->good;
            fld *f = &s.f[h->at];
            f->t = bad[j].abs ? bad[j].abs : f->t + bad[j].dt;
            f->p = bad[j].p;
            (void)snprintf(name, sizeof(name), "%s %s", h->name, bad[j].why);
            (void)snprintf(what, sizeof(what), "field %s is not the start of a period", h->name);
            expect(name, &s, what, 0);
        }
        shape s = h->good;
        s.f[h->at].t = AVOW_TIME_MIN;
        s.f[h->at].p = AVOW_PREC_YEAR;
        (void)snprintf(name, sizeof(name), "%s at 0001", h->name);
        expect(name, &s, NULL, 0);
    }
}

static void
test_codec_v2_strict__note_text_rules(void **state)
{
    (void)state;
    static const struct {
        const char *hex, *why;
    } bad[] = {
        { "ff", "byte ff" },
        { "c0af", "overlong /" },
        { "e080af", "overlong 3-byte /" },
        { "eda080", "surrogate U+D800" },
        { "f4908080", "above U+10FFFF" },
        { "e282", "truncated sequence" },
        { "6100", "NUL" },
        { "6101", "U+0001" },
        { "610d0a", "CR" },
        { "617f", "DEL" },
        { "1b5b306d", "ESC" },
    };
    char name[64];
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        shape s = hosts[1].good;
        s.f[3] = (fld)F_NOTEX(bad[i].hex);
        (void)snprintf(name, sizeof(name), "note with %s", bad[i].why);
        expect(name, &s, "field note is not valid UTF-8 text", 0);
        /* A known tag is checked by its type in an unknown kind too. */
        s.kind = 12;
        expect(name, &s, "field note is not valid UTF-8 text", 0);
    }
    shape s = hosts[1].good;
    s.f[3] = (fld)F_NOTE("line one\n\tline two \xc3\xa9 \xf0\x9f\x97\xb3");
    expect("note with LF, TAB and UTF-8", &s, NULL, 0);
}

/* The rules over a whole event. */
static void
test_codec_v2_strict__whole_event_rules(void **state)
{
    (void)state;
    static const struct {
        const char *name;
        shape sh;
        const char *what;
    } cases[] = {
        /* The version rule: a v2 event of a v1 kind must use something of v2. */
        { "v2 contest without v2",
          { 2, 1, D0402, 3, { F_CONTEST, F_TITLE, F_RULE } },
          "write it as version 1" },
        { "v2 member-join without v2",
          { 2, 2, D0402, 3, { F_CONTEST, F_ACTOR } },
          "write it as version 1" },
        { "v2 member-leave without v2",
          { 2, 3, D0402, 3, { F_CONTEST, F_ACTOR } },
          "write it as version 1" },
        { "v2 candidate-enter without v2",
          { 2, 4, D0402, 3, { F_CONTEST, F_CAND } },
          "write it as version 1" },
        { "v2 candidate-withdraw without v2",
          { 2, 5, D0402, 3, { F_CONTEST, F_CAND } },
          "write it as version 1" },
        { "v2 stance without v2", { 2, 6, D0402, 3, { F_STANCE_BASE } }, "write it as version 1" },
        { "v2 retract", { 2, 7, D0402, 3, { F_REASON, F_TARGET } }, "write it as version 1" },
        { "v2 decision without v2",
          { 2, 8, D0402, 3, { F_CONTEST, F_CAND } },
          "write it as version 1" },
        { "v2 key-succession",
          { 2, 9, D0402, 6, { { 12, 'n', NULL, 0, 0, 32 }, { 13, 'n', NULL, 0, 0, 64 } } },
          "write it as version 1" },
        /* between and from go together. */
        { "between without from",
          { 2, 6, D0402_END, 3, { F_STANCE_BASE, F_QUAL(3) } },
          "field from goes with qualifier between" },
        { "from without qualifier",
          { 2, 6, D0402, 3, { F_STANCE_BASE, F_FROM(D0328, 3) } },
          "field from goes with qualifier between" },
        { "from with by",
          { 2, 6, D0402_END, 3, { F_STANCE_BASE, F_QUAL(2), F_FROM(D0328, 3) } },
          "field from goes with qualifier between" },
        { "from with approximate",
          { 2, 6, D0402, 3, { F_STANCE_BASE, F_QUAL(1), F_FROM(D0328, 3) } },
          "field from goes with qualifier between" },
        /* from < floor(effective_at). */
        { "from at the start of B",
          { 2, 6, D0402_END, 3, { F_STANCE_BASE, F_QUAL(3), F_FROM(D0402, 3) } },
          "must start before its last period" },
        { "from after B",
          { 2, 6, D0402_END, 3, { F_STANCE_BASE, F_QUAL(3), F_FROM(D0404, 3) } },
          "must start before its last period" },
        { "from inside the month B",
          { 2, 6, APR_END, 2, { F_STANCE_BASE, F_QUAL(3), F_FROM(D0415, 3) } },
          "must start before its last period" },
        { "from at the start of the month B",
          { 2, 6, APR_END, 2, { F_STANCE_BASE, F_QUAL(3), F_FROM(D0401, 3) } },
          "must start before its last period" },
        /* effective_at at the end of its period with by and between only. */
        { "by at the start",
          { 2, 6, D0402, 3, { F_STANCE_BASE, F_QUAL(2) } },
          "effective_at is not the end of its day" },
        { "between at the start",
          { 2, 6, D0402, 3, { F_STANCE_BASE, F_QUAL(3), F_FROM(D0328, 3) } },
          "effective_at is not the end of its day" },
        { "approximate at the end",
          { 2, 6, D0402_END, 3, { F_STANCE_BASE, F_QUAL(1) } },
          "effective_at is not the start of its day" },
        { "exact at the end",
          { 2, 6, D0402_END, 3, { F_STANCE_BASE, F_CONF(1) } },
          "effective_at is not the start of its day" },
        /* The new kinds. */
        { "contest-amend of nothing",
          { 2, 11, D0402, 3, { F_CONTEST } },
          "amends its title, rule or choice" },
        { "contest-amend of a note",
          { 2, 11, D0402, 3, { F_CONTEST, F_NOTE("n") } },
          "amends its title, rule or choice" },
        { "contest-amend without contest",
          { 2, 11, D0402, 3, { F_TITLE } },
          "a contest-amend event needs field contest" },
        { "candidate-signal without candidate",
          { 2, 10, D0402, 3, { F_CONTEST } },
          "a candidate-signal event needs field candidate" },
        { "candidate-signal with an actor",
          { 2, 10, D0402, 3, { F_CONTEST, F_ACTOR, F_CAND } },
          "a candidate-signal event may not carry field actor" },
        { "candidate-signal with choice",
          { 2, 10, D0402, 3, { F_CONTEST, F_CAND, F_CHOICE(1) } },
          "a candidate-signal event may not carry field choice" },
        /* Unknown tags in known kinds; known tags checked in unknown kinds. */
        { "tag 21 in a v2 stance",
          { 2, 6, D0402, 3, { F_STANCE_BASE, F_CONF(1), { 21, 'x', "00", 0, 0, 0 } } },
          "unknown field 21 in a stance event" },
        { "confidence 9 in v2 kind 12",
          { 2, 12, D0402, 3, { F_CONF(9) } },
          "field confidence has unknown value 9" },
        { "from of 8 bytes in v2 kind 12",
          { 2, 12, D0402, 3, { { 18, 't', NULL, D0328, 3, 8 } } },
          "field from must be 9 bytes" },
        /* An unknown kind's between needs no from, but an absent from
         * counts as 0 in from < floor(effective_at) (docs/FORMAT.md). */
        { "v2 kind 12 between before 1970 without from",
          { 2, 12, -1, 3, { F_QUAL(3) } },
          "must start before its last period" },
        { "version 3",
          { 3, 6, D0402, 3, { F_STANCE_BASE, F_CONF(1) } },
          "unknown format version 3" },
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        expect(cases[i].name, &cases[i].sh, cases[i].what, 0);
    }
}

/* What those rules allow. */
static void
test_codec_v2_strict__what_the_rules_allow(void **state)
{
    (void)state;
    static const struct {
        const char *name;
        shape sh;
    } ok[] = {
        { "from one µs before B",
          { 2, 6, D0402, 6, { F_STANCE_BASE, F_QUAL(3), F_FROM(D0402 - 1, 6) } } },
        { "from the day before the month B",
          { 2, 6, APR_END, 2, { F_STANCE_BASE, F_QUAL(3), F_FROM(D0328, 3) } } },
        { "by at micro precision", { 2, 6, D0402, 6, { F_STANCE_BASE, F_QUAL(2) } } },
        { "v2 kind 12 between without from", { 2, 12, D0402_END, 3, { F_QUAL(3) } } },
        { "candidate-signal alone", { 2, 10, D0402, 3, { F_CONTEST, F_CAND } } },
        { "contest-amend of the rule", { 2, 11, D0402, 3, { F_CONTEST, F_RULE } } },
        { "v2 kind 12 with any tags",
          { 2,
            12,
            D0402,
            3,
            { F_NOTE("n"), { 21, 'x', "ff", 0, 0, 0 }, { 200, 'x', "", 0, 0, 0 } } } },
        { "v1 kind 10 with v2 tags opaque",
          { 1,
            10,
            D0402,
            3,
            { F_CONTEST, F_CAND, { 14, 'x', "ff", 0, 0, 0 }, { 17, 'x', "", 0, 0, 0 } } } },
        { "v1 kind 11 with a bad note opaque", { 1, 11, D0402, 3, { F_CONTEST, F_NOTEX("ff") } } },
    };
    for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
        expect(ok[i].name, &ok[i].sh, NULL, 0);
    }
}

/* The uncertain-date forms docs/FORMAT.md ("Uncertain dates") lists. */
static void
test_codec_v2_strict__uncertain_date_forms(void **state)
{
    (void)state;
    avow_at at;
    static const struct {
        const char *in;
        uint8_t q, prec;
    } ok[] = {
        { "now", AVOW_AT_EXACT, AVOW_PREC_MICRO },
        { "2024/2025", AVOW_AT_BETWEEN, AVOW_PREC_YEAR },
        { "../2024", AVOW_AT_BY, AVOW_PREC_YEAR },
        { "2024-04-02T14:05Z~", AVOW_AT_APPROXIMATE, AVOW_PREC_MINUTE },
        { "2024-04-02T14:05:00+02:00/2024-04-03", AVOW_AT_BETWEEN, AVOW_PREC_DAY },
        { "2024-03/2024-04-02", AVOW_AT_BETWEEN, AVOW_PREC_DAY },
    };
    for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
        if (avow_at_parse(&at, ok[i].in) != 0) {
            fail_msg("'%s' refused: %s", ok[i].in, avow_error_last());
        }
        assert_int_equal(at.qualifier, ok[i].q);
        assert_int_equal(at.precision, ok[i].prec);
    }
    static const char *const bad[] = {
        "2024-04-02/",
        "/2024-04-02",
        "../",
        "..",
        "2024-04-02/..",
        "2024-03~/2024-04",
        "2024/../2025",
        "2024/2025/2026",
        "2024-21",
        "2024-21~",
        "../now",
        "now/2025",
        "2024/now",
        "now~",
        "[2024,2025]",
        "{2024}",
        "2024-04-15/2024-04",
        "2024-04-XX",
        "2024-04-02?",
        "2024-04-02%",
        "2024-04~?",
        "",
        "~",
        "../2024~",
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        if (avow_at_parse(&at, bad[i]) != AVOW_EINVALID || avow_error_last()[0] == '\0') {
            fail_msg("'%s': not refused ('%s')", bad[i], avow_error_last());
        }
    }
}

/* avow_at_format() writes what avow_at_parse() reads back to the same
 * instants: the end of a latest-by or interval at second precision is not
 * shown with the fraction of its last microsecond, and one at micro
 * precision keeps a zero fraction (without it, it would read as a second,
 * whose end is 999999 µs later). Both failed before src/util/time.c wrote
 * the end from the start of its period. */
static void
test_codec_v2_strict__formatted_dates_parse_back(void **state)
{
    (void)state;
    static const struct {
        const char *in, *out;
    } cases[] = {
        { "../2024-04-02T14:05:00Z", "../2024-04-02T14:05:00Z" },
        { "../2024-04-02T14:05:00.000000Z", "../2024-04-02T14:05:00.000000Z" },
        { "2024-03/2024-04-02T14:05:00+02:00", "2024-03/2024-04-02T12:05:00Z" },
        { "2024-04-01T00:00:00.000000Z/2024-04-02T14:05:00.000000Z",
          "2024-04-01T00:00:00Z/2024-04-02T14:05:00.000000Z" },
        { "../2024-04-02T14:05:00.5Z", "../2024-04-02T14:05:00.5Z" },
        { "../2024-04-02T14:05Z", "../2024-04-02T14:05Z" },
        { "2024-04-02T14:05:00.000000Z~", "2024-04-02T14:05:00Z~" },
        { "../9999", "../9999" },
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        avow_at a, b;
        char text[AVOW_AT_STRLEN];
        assert_int_equal(avow_at_parse(&a, cases[i].in), 0);
        avow_at_format(text, &a);
        assert_string_equal(text, cases[i].out);
        assert_int_equal(avow_at_parse(&b, text), 0);
        assert_int_equal(b.qualifier, a.qualifier);
        assert_int_equal(b.at, a.at);
        assert_int_equal(b.from, a.from);
    }
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_codec_v2_strict__every_new_field_framed_and_placed),
        cmocka_unit_test(test_codec_v2_strict__values_out_of_range),
        cmocka_unit_test(test_codec_v2_strict__note_text_rules),
        cmocka_unit_test(test_codec_v2_strict__whole_event_rules),
        cmocka_unit_test(test_codec_v2_strict__what_the_rules_allow),
        cmocka_unit_test(test_codec_v2_strict__uncertain_date_forms),
        cmocka_unit_test(test_codec_v2_strict__formatted_dates_parse_back),
    };
    if (sodium_init() < 0) {
        return 1;
    }
    return cmocka_run_group_tests(tests, NULL, NULL);
}
