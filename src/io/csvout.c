/* SPDX-License-Identifier: ISC */
/*
 * csvout.c - events as CSV (`avow log --csv`, `avow export --csv`): one row
 * per event under a header row whose columns are the keys of
 * avow_event_to_json(), each value rendered as the JSON renders it.
 *
 * Invariants (tests/cli/test_csv.sh round-trips through Python's csv module):
 *  1. RFC 4180: fields separated by commas, records ended by CRLF; a field
 *     holding a comma, a quote, CR or LF is quoted, with "" for a quote.
 *  2. The values are those of the JSON object, so CSV and --json cannot
 *     disagree: a string as is, a number in decimal, true/false, an absent
 *     key or null as an empty field, an array or object as compact JSON.
 *  3. Every key avow_event_to_json() can write is a column of
 *     avow_event_csv_columns() (tests/cli/test_csv.sh checks log --json
 *     against the header), in the JSON's order.
 */
#include <jansson.h>
#include <stdlib.h>

#include "util/common.h"

static const char *const csv_columns[] = {
    "id",        "index",        "kind",        "kind_code",    "author",
    "seq",       "prev",         "recorded_at", "effective_at", "effective_precision",
    "contest",   "title",        "rule",        "actor",        "candidate",
    "stance",    "person",       "source",      "quote",        "reason",
    "target",    "successor",    "note",        "confidence",   "reported_at",
    "at",        "at_qualifier", "at_from",     "takes_effect", "choice",
    "signature", "raw",          NULL,
};

const char *const *
avow_event_csv_columns(void)
{
    return csv_columns;
}

/* Invariant 1. */
static int
csv_put_field(avow_buf *out, const char *s, size_t len)
{
    int quote = 0;
    int error;

    for (size_t i = 0; i < len && !quote; i++) {
        quote = s[i] == ',' || s[i] == '"' || s[i] == '\r' || s[i] == '\n';
    }
    if (!quote) {
        return buf_put(out, s, len);
    }
    if ((error = buf_put(out, "\"", 1)) < 0) {
        return error;
    }
    for (size_t i = 0; i < len; i++) {
        if ((error = buf_put(out, &s[i], 1)) < 0 ||
            (s[i] == '"' && (error = buf_put(out, "\"", 1)) < 0)) {
            return error;
        }
    }
    return buf_put(out, "\"", 1);
}

int
avow_csv_header(avow_buf *out, const char *const *columns)
{
    int error = 0;

    if (out == NULL || columns == NULL) {
        return error_set(AVOW_EINVALID, "avow_csv_header: missing argument");
    }
    for (size_t i = 0; columns[i] != NULL; i++) {
        if ((i > 0 && (error = buf_put(out, ",", 1)) < 0) ||
            (error = csv_put_field(out, columns[i], strlen(columns[i]))) < 0) {
            return error;
        }
    }
    return buf_put(out, "\r\n", 2);
}

/* Invariant 2: one value. */
static int
csv_put_value(avow_buf *out, const json_t *v)
{
    char num[32];
    char *text;
    int n, error;

    switch (json_typeof(v)) {
    case JSON_STRING:
        return csv_put_field(out, json_string_value(v), json_string_length(v));
    case JSON_INTEGER:
        n = snprintf(num, sizeof(num), "%" JSON_INTEGER_FORMAT, json_integer_value(v));
        return buf_put(out, num, (size_t)n);
    case JSON_REAL:
        n = snprintf(num, sizeof(num), "%.17g", json_real_value(v));
        return buf_put(out, num, (size_t)n);
    case JSON_TRUE:
        return buf_put(out, "true", 4);
    case JSON_FALSE:
        return buf_put(out, "false", 5);
    case JSON_NULL:
        return 0;
    case JSON_OBJECT:
    case JSON_ARRAY:
    default:
        text = json_dumps(v, JSON_COMPACT | JSON_PRESERVE_ORDER | JSON_ENCODE_ANY);
        if (text == NULL) {
            return error_set(AVOW_ENOMEM, "out of memory rendering CSV");
        }
        error = csv_put_field(out, text, strlen(text));
        free(text);
        return error;
    }
}

int
avow_csv_row(avow_buf *out, const void *json, size_t len, const char *const *columns)
{
    json_error_t jerr;
    json_t *o;
    int error = 0;

    if (out == NULL || json == NULL || columns == NULL) {
        return error_set(AVOW_EINVALID, "avow_csv_row: missing argument");
    }
    o = json_loadb(json, len, 0, &jerr);
    if (o == NULL || !json_is_object(o)) {
        json_decref(o);
        return error_set(AVOW_EFORMAT, "avow_csv_row: not a JSON object");
    }
    for (size_t i = 0; columns[i] != NULL && error == 0; i++) {
        const json_t *v = json_object_get(o, columns[i]);
        if (i > 0) {
            error = buf_put(out, ",", 1);
        }
        if (error == 0 && v != NULL) {
            error = csv_put_value(out, v);
        }
    }
    json_decref(o);
    if (error < 0) {
        return error;
    }
    return buf_put(out, "\r\n", 2);
}
