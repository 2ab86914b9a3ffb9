/* SPDX-License-Identifier: ISC */
/*
 * record.h - unsigned declaration records (src/io/record.c): the fields an
 * import names, and the draft built from them. The JSON Lines form
 * (src/io/jsonl.c) and the CSV form (src/io/csv.c) both end here.
 */
#ifndef AVOW_RECORD_H
#define AVOW_RECORD_H

#include <jansson.h>

#include "util/common.h"

enum record_field {
    RECORD_KIND,
    RECORD_AT,
    RECORD_CONTEST,
    RECORD_TITLE,
    RECORD_RULE,
    RECORD_ACTOR,
    RECORD_CANDIDATE,
    RECORD_PERSON,
    RECORD_SOURCE,
    RECORD_QUOTE,
    RECORD_REASON,
    RECORD_NOTE,
    RECORD_STANCE,
    RECORD_TARGET,
    RECORD_CONFIDENCE,
    RECORD_REPORTED_AT,
    RECORD_CHOICE,
    RECORD_TAKES_EFFECT,
    RECORD_COUNT
};

/* RECORD_CONTEST .. RECORD_NOTE are the draft's text fields, in this order. */
#define RECORD_TEXT_FIRST RECORD_CONTEST
#define RECORD_TEXT_COUNT (RECORD_NOTE - RECORD_CONTEST + 1)

/* The names a record may use, as messages list them. */
#define RECORD_FIELD_LIST                                                                          \
    "kind, at, contest, title, rule, actor, candidate, stance, person, source, quote, reason, "    \
    "target, note, confidence, reported_at, choice, takes_effect"

/* A record's fields as read: NUL-terminated, NULL when absent. */
typedef struct record_values {
    const char *v[RECORD_COUNT];
    size_t len[RECORD_COUNT];
} record_values;

/* The field named name (len bytes, no NUL needed), or -1. */
int record_field_index(const char *name, size_t len);

/* Text field i (0 .. RECORD_TEXT_COUNT - 1) of a draft. */
const char **record_text(avow_draft *d, size_t i);
const char *record_text_get(const avow_draft *d, size_t i);

/*
 * Build rec's draft from vals and, with check, check it by the codec's own
 * rules (src/io/record.c invariant 1). The draft's strings point where vals
 * point. @return 0, AVOW_EINVALID (the message names the field), or the
 * codec's error
 */
int record_from_values(avow_record *rec, const record_values *vals, int64_t now, int check);

/* Let rec own doc (NULL: none), the document its draft's strings point into;
 * the document it held is freed. */
void record_hold_json(avow_record *rec, json_t *doc);

/* Copy the draft's text into rec and free its document (in the thread that
 * parsed it). @return 0 or AVOW_ENOMEM */
int record_keep_text(avow_record *rec);

#endif /* AVOW_RECORD_H */
