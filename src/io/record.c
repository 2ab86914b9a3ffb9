/* SPDX-License-Identifier: ISC */
/*
 * record.c - unsigned declaration records: the fields of a record
 * (docs/FORMAT.md, "JSON Lines interchange"), the draft built from them and
 * its check, and the record object that owns a draft's text.
 *
 * Invariants (tests/unit/test_interchange.c):
 *  1. A record is checked by the codec's own rules (codec_encode_message), so
 *     a draft record_from_values() accepts with check is one the store
 *     accepts; a field holding a NUL is refused before that.
 *  2. A record owns the text its draft points into (the parsed document, or
 *     its own copy after record_keep_text()) until it is parsed again or
 *     freed.
 */
#include <stddef.h>
#include <stdlib.h>

#include "event/codec.h"
#include "io/clip.h"
#include "io/record.h"

struct avow_record {
    avow_draft draft;
    unsigned char target[AVOW_EVENT_ID_BYTES];
    json_t *json;     /* owns the text of a JSON record */
    avow_buf scratch; /* the codec check's encoding */
    avow_buf text;    /* the draft's text once copied out of json */
};

static const char *const record_names[RECORD_COUNT] = {
    [RECORD_KIND] = "kind",
    [RECORD_AT] = "at",
    [RECORD_CONTEST] = "contest",
    [RECORD_TITLE] = "title",
    [RECORD_RULE] = "rule",
    [RECORD_ACTOR] = "actor",
    [RECORD_CANDIDATE] = "candidate",
    [RECORD_PERSON] = "person",
    [RECORD_SOURCE] = "source",
    [RECORD_QUOTE] = "quote",
    [RECORD_REASON] = "reason",
    [RECORD_STANCE] = "stance",
    [RECORD_TARGET] = "target",
    [RECORD_NOTE] = "note",
    [RECORD_CONFIDENCE] = "confidence",
    [RECORD_REPORTED_AT] = "reported_at",
    [RECORD_CHOICE] = "choice",
    [RECORD_TAKES_EFFECT] = "takes_effect",
};

static const size_t record_text_off[RECORD_TEXT_COUNT] = {
    offsetof(avow_draft, contest), offsetof(avow_draft, title),     offsetof(avow_draft, rule),
    offsetof(avow_draft, actor),   offsetof(avow_draft, candidate), offsetof(avow_draft, person),
    offsetof(avow_draft, source),  offsetof(avow_draft, quote),     offsetof(avow_draft, reason),
    offsetof(avow_draft, note),
};

const char **
record_text(avow_draft *d, size_t i)
{
    return (const char **)(void *)((char *)d + record_text_off[i]);
}

const char *
record_text_get(const avow_draft *d, size_t i)
{
    return *(const char *const *)(const void *)((const char *)d + record_text_off[i]);
}

int
record_field_index(const char *name, size_t len)
{
    for (int i = 0; i < RECORD_COUNT; i++) {
        if (strlen(record_names[i]) == len && memcmp(record_names[i], name, len) == 0) {
            return i;
        }
    }
    return -1;
}

/* The draft's kind and effective time from vals. */
static int
record_kind_at(avow_draft *d, const record_values *vals, int64_t now)
{
    char shown[CLIP_BYTES];

    if (vals->v[RECORD_KIND] == NULL) {
        return error_set(AVOW_EINVALID,
                         "no kind (contest, member-join, member-leave, candidate-enter, "
                         "candidate-withdraw, candidate-signal, stance, retract, decision or "
                         "contest-amend)");
    }
    d->kind = avow_kind_parse(vals->v[RECORD_KIND]);
    if (d->kind == 0) {
        clip_text(shown, vals->v[RECORD_KIND], vals->len[RECORD_KIND]);
        return error_set(AVOW_EINVALID,
                         "unknown kind '%s' (contest, member-join, member-leave, "
                         "candidate-enter, candidate-withdraw, candidate-signal, stance, retract, "
                         "decision or contest-amend)",
                         shown);
    }
    if (vals->v[RECORD_AT] != NULL) {
        avow_at at;
        if (avow_at_parse(&at, vals->v[RECORD_AT]) < 0) {
            return error_set(AVOW_EINVALID, "at: %s", avow_error_last());
        }
        d->effective_at = at.at;
        d->precision = at.precision;
        d->qualifier = at.qualifier;
        d->from = at.from;
        d->from_precision = at.from_precision;
    } else if (d->kind == AVOW_KIND_RETRACT) {
        d->effective_at = now;
        d->precision = AVOW_PREC_MICRO;
    } else {
        return error_set(AVOW_EINVALID, "no at (when it was declared, ISO 8601, e.g. "
                                        "2024-04-03)");
    }
    return 0;
}

/* A time field of a record (reported_at, takes_effect). */
static int
record_time(int64_t *t, uint8_t *prec, const record_values *vals, int field)
{
    avow_precision p = AVOW_PREC_MICRO;
    if (vals->v[field] == NULL) {
        return 0;
    }
    if (avow_time_parse(t, &p, vals->v[field], AVOW_TIME_START) < 0) {
        return error_set(AVOW_EINVALID, "%s: %s", record_names[field], avow_error_last());
    }
    *prec = (uint8_t)p;
    return 0;
}

/* The format v2 fields that are not text: confidence, reported_at, choice,
 * takes_effect. */
static int
record_v2_fields(avow_draft *d, const record_values *vals)
{
    char shown[CLIP_BYTES];
    int error;
    if (vals->v[RECORD_CONFIDENCE] != NULL &&
        (d->confidence = avow_confidence_parse(vals->v[RECORD_CONFIDENCE])) ==
          AVOW_CONFIDENCE_NONE) {
        clip_text(shown, vals->v[RECORD_CONFIDENCE], vals->len[RECORD_CONFIDENCE]);
        return error_set(AVOW_EINVALID, "unknown confidence '%s' (high, medium or low)", shown);
    }
    if (vals->v[RECORD_CHOICE] != NULL &&
        (d->choice = avow_choice_parse(vals->v[RECORD_CHOICE])) == AVOW_CHOICE_NONE) {
        clip_text(shown, vals->v[RECORD_CHOICE], vals->len[RECORD_CHOICE]);
        return error_set(AVOW_EINVALID, "unknown choice '%s' (single or multiple)", shown);
    }
    if ((error = record_time(&d->reported_at, &d->reported_precision, vals, RECORD_REPORTED_AT)) <
          0 ||
        (error = record_time(&d->takes_effect, &d->takes_effect_precision, vals,
                             RECORD_TAKES_EFFECT)) < 0) {
        return error;
    }
    return 0;
}

/* Invariant 1. The append pass builds drafts its check pass already checked,
 * and the store encodes them again anyway: it passes check = 0. */
int
record_from_values(avow_record *rec, const record_values *vals, int64_t now, int check)
{
    static const unsigned char zero[AVOW_HASH_BYTES];
    avow_draft d = AVOW_DRAFT_INIT;
    char shown[CLIP_BYTES];
    int error;

    for (int i = 0; i < RECORD_COUNT; i++) {
        if (vals->v[i] != NULL && strlen(vals->v[i]) != vals->len[i]) {
            return error_set(AVOW_EINVALID, "%s holds a NUL character", record_names[i]);
        }
    }
    if ((error = record_kind_at(&d, vals, now)) < 0 || (error = record_v2_fields(&d, vals)) < 0) {
        return error;
    }
    if (vals->v[RECORD_STANCE] != NULL) {
        d.stance = avow_stance_parse(vals->v[RECORD_STANCE]);
        if (d.stance == AVOW_STANCE_NONE) {
            clip_text(shown, vals->v[RECORD_STANCE], vals->len[RECORD_STANCE]);
            return error_set(AVOW_EINVALID,
                             "unknown stance '%s' (supports, opposes, undecided or abstains)",
                             shown);
        }
    }
    if (vals->v[RECORD_TARGET] != NULL) {
        if (vals->len[RECORD_TARGET] != AVOW_HEX_ID_LEN ||
            avow_unhex(rec->target, AVOW_EVENT_ID_BYTES, vals->v[RECORD_TARGET]) < 0) {
            return error_set(AVOW_EINVALID, "target is not an event id (64 hex characters)");
        }
        d.target = rec->target;
    }
    for (size_t i = 0; i < RECORD_TEXT_COUNT; i++) {
        *record_text(&d, i) = vals->v[RECORD_TEXT_FIRST + i];
    }
    buf_clear(&rec->scratch);
    if (check && (error = codec_encode_message(&rec->scratch, &d, zero, 1, zero, now)) < 0) {
        return error;
    }
    rec->draft = d;
    return 0;
}

int
avow_record_new(avow_record **out)
{
    avow_record *rec;
    if (out == NULL) {
        return error_set(AVOW_EINVALID, "avow_record_new: missing argument");
    }
    rec = calloc(1, sizeof(*rec));
    if (rec == NULL) {
        return error_set(AVOW_ENOMEM, "out of memory for a record");
    }
    *out = rec;
    return 0;
}

void
avow_record_free(avow_record *rec)
{
    if (rec != NULL) {
        json_decref(rec->json);
        avow_buf_dispose(&rec->scratch);
        avow_buf_dispose(&rec->text);
        free(rec);
    }
}

const avow_draft *
avow_record_draft(const avow_record *rec)
{
    return rec != NULL ? &rec->draft : NULL;
}

/* Invariant 2. */
void
record_hold_json(avow_record *rec, json_t *doc)
{
    json_decref(rec->json);
    rec->json = doc;
}

/* Invariant 2: the copy is made, and the JSON document freed, in the thread
 * that parsed it, while it is still in cache (a chunk of documents freed
 * later, on another thread, cost more than parsing them). */
int
record_keep_text(avow_record *rec)
{
    size_t off[RECORD_TEXT_COUNT];
    int error;
    buf_clear(&rec->text);
    for (size_t t = 0; t < RECORD_TEXT_COUNT; t++) {
        const char *v = *record_text(&rec->draft, t);
        off[t] = SIZE_MAX;
        if (v != NULL) {
            off[t] = rec->text.len;
            if ((error = buf_put(&rec->text, v, strlen(v) + 1)) < 0) {
                return error;
            }
        }
    }
    for (size_t t = 0; t < RECORD_TEXT_COUNT; t++) {
        if (off[t] != SIZE_MAX) {
            *record_text(&rec->draft, t) = (const char *)rec->text.ptr + off[t];
        }
    }
    record_hold_json(rec, NULL);
    return 0;
}
