/* SPDX-License-Identifier: ISC */
/*
 * json.c - JSON renderings of library objects (jansson), so that the CLI and
 * other programs print the same keys (../shared/CLI.md "JSON shapes").
 *
 * Invariants:
 *  1. Keys appear in a fixed order; output is compact, one line, no newline.
 *  2. Times are UTC ISO 8601 (avow_time_format); binary values are lowercase
 *     hex, except raw, which is base64 (RFC 4648, with padding).
 */
#include <jansson.h>
#include <sodium.h>

#include "event/codec.h"
#include "util/common.h"
#include "event/jsonutil.h"

static const char *const precision_names[] = {
    [AVOW_PREC_YEAR] = "year",     [AVOW_PREC_MONTH] = "month",   [AVOW_PREC_DAY] = "day",
    [AVOW_PREC_MINUTE] = "minute", [AVOW_PREC_SECOND] = "second", [AVOW_PREC_MICRO] = "micro",
};

const char *
avow_precision_name(uint8_t precision)
{
    if (precision >= AVOW_PREC_YEAR && precision <= AVOW_PREC_MICRO) {
        return precision_names[precision];
    }
    return "unknown";
}

int
jsonutil_set_hex(json_t *obj, const char *key, const unsigned char *bytes, size_t n)
{
    char hex[2 * AVOW_SIG_BYTES + 1];
    assert(n <= AVOW_SIG_BYTES);
    avow_hex(hex, bytes, n);
    return json_object_set_new(obj, key, json_string(hex));
}

int
jsonutil_set_time(json_t *obj, const char *key, int64_t t)
{
    char text[AVOW_TIME_STRLEN];
    avow_time_format(text, t, AVOW_PREC_MICRO);
    return json_object_set_new(obj, key, json_string(text));
}

int
jsonutil_finish(avow_buf *out, json_t *doc)
{
    int error = 0;
    char *text = NULL;
    if (doc == NULL) {
        return error_set(AVOW_ENOMEM, "out of memory building JSON");
    }
    text = json_dumps(doc, JSON_COMPACT | JSON_PRESERVE_ORDER);
    json_decref(doc);
    if (text == NULL) {
        return error_set(AVOW_ENOMEM, "out of memory rendering JSON");
    }
    error = buf_put(out, text, strlen(text));
    free(text);
    return error;
}

/* A time field of format v2 as an instant (as effective_at is), or null
 * when absent. */
static json_t *
json_time_or_null(int64_t t, uint8_t precision)
{
    char text[AVOW_TIME_STRLEN];
    if (precision == 0) {
        return json_null();
    }
    avow_time_format(text, t, AVOW_PREC_MICRO);
    return json_string(text);
}

static json_t *
json_name_or_null(const char *name)
{
    return name != NULL ? json_string(name) : json_null();
}

/* The keys of format v2 (docs/FORMAT.md, "JSON rendering of an event"): on
 * version 2 events only, so that a v1 event renders as it always has. */
int
jsonutil_set_event_v2(json_t *o, const avow_event *ev)
{
    int bad = 0;
    bad |= json_object_set_new(
      o, "note", ev->note.ptr != NULL ? json_stringn(ev->note.ptr, ev->note.len) : json_null());
    bad |=
      json_object_set_new(o, "confidence", json_name_or_null(avow_confidence_name(ev->confidence)));
    bad |= json_object_set_new(o, "reported_at",
                               json_time_or_null(ev->reported_at, ev->reported_precision));
    avow_at at = { ev->effective_at, ev->precision, ev->qualifier, ev->from, ev->from_precision };
    char text[AVOW_AT_STRLEN];
    avow_at_format(text, &at);
    bad |= json_object_set_new(o, "at", json_string(text));
    bad |= json_object_set_new(o, "at_qualifier", json_string(avow_qualifier_name(ev->qualifier)));
    bad |= json_object_set_new(o, "at_from", json_time_or_null(ev->from, ev->from_precision));
    if (ev->kind == AVOW_KIND_DECISION) {
        bad |= json_object_set_new(o, "takes_effect",
                                   json_time_or_null(ev->takes_effect, ev->takes_effect_precision));
    }
    if (ev->kind == AVOW_KIND_CONTEST || ev->kind == AVOW_KIND_CONTEST_AMEND) {
        bad |= json_object_set_new(o, "choice", json_name_or_null(avow_choice_name(ev->choice)));
    }
    return bad ? -1 : 0;
}

int
avow_event_to_json(avow_buf *out, const avow_event *ev, uint64_t index, int with_raw)
{
    avow_event_json_opts opts = AVOW_EVENT_JSON_OPTS_INIT;
    opts.with_raw = with_raw;
    return avow_event_json(out, ev, index, &opts);
}

int
avow_event_json(avow_buf *out, const avow_event *ev, uint64_t index,
                const avow_event_json_opts *opts)
{
    unsigned char id[AVOW_EVENT_ID_BYTES];
    int bad = 0;
    if (out == NULL || ev == NULL || opts == NULL) {
        return error_set(AVOW_EINVALID, "avow_event_json: missing argument");
    }
    if (opts->version != AVOW_EVENT_JSON_OPTS_VERSION) {
        return error_set(AVOW_EINVALID, "avow_event_json_opts version %u unknown", opts->version);
    }
    json_t *o = json_object();
    if (o == NULL) {
        return error_set(AVOW_ENOMEM, "out of memory building JSON");
    }
    avow_event_id(id, ev);
    bad |= jsonutil_set_hex(o, "id", id, sizeof(id)) < 0;
    bad |= json_object_set_new(o, "index", json_integer((json_int_t)index)) < 0;
    int known = avow_event_kind_known(ev);
    bad |=
      json_object_set_new(o, "kind", json_string(known ? avow_kind_name(ev->kind) : "unknown")) < 0;
    if (!known || ev->kind == AVOW_KIND_KEY_SUCCESSION) {
        bad |= json_object_set_new(o, "kind_code", json_integer(ev->kind)) < 0;
    }
    bad |= jsonutil_set_hex(o, "author", ev->author, AVOW_PUBKEY_BYTES) < 0;
    bad |= json_object_set_new(o, "seq", json_integer((json_int_t)ev->seq)) < 0;
    bad |= jsonutil_set_hex(o, "prev", ev->prev, AVOW_HASH_BYTES) < 0;
    bad |= jsonutil_set_time(o, "recorded_at", ev->recorded_at) < 0;
    bad |= jsonutil_set_time(o, "effective_at", ev->effective_at) < 0;
    bad |= json_object_set_new(o, "effective_precision",
                               json_string(avow_precision_name(ev->precision))) < 0;

    const struct {
        const char *key;
        const avow_str *v;
    } texts[] = {
        { "contest", &ev->contest }, { "title", &ev->title },         { "rule", &ev->rule },
        { "actor", &ev->actor },     { "candidate", &ev->candidate },
    };
    for (size_t i = 0; i < sizeof(texts) / sizeof(texts[0]); i++) {
        if (texts[i].v->ptr != NULL) {
            bad |= json_object_set_new(o, texts[i].key,
                                       json_stringn(texts[i].v->ptr, texts[i].v->len)) < 0;
        }
    }
    if (ev->stance != AVOW_STANCE_NONE) {
        bad |= json_object_set_new(o, "stance", json_string(avow_stance_name(ev->stance))) < 0;
    }
    const struct {
        const char *key;
        const avow_str *v;
    } more[] = {
        { "person", &ev->person },
        { "source", &ev->source },
        { "quote", &ev->quote },
        { "reason", &ev->reason },
    };
    for (size_t i = 0; i < sizeof(more) / sizeof(more[0]); i++) {
        if (more[i].v->ptr != NULL) {
            bad |=
              json_object_set_new(o, more[i].key, json_stringn(more[i].v->ptr, more[i].v->len)) < 0;
        }
    }
    if (ev->target != NULL) {
        bad |= jsonutil_set_hex(o, "target", ev->target, AVOW_HASH_BYTES) < 0;
    }
    if (ev->version >= 2 && jsonutil_set_event_v2(o, ev) < 0) {
        json_decref(o);
        return error_set(AVOW_ENOMEM, "out of memory building JSON");
    }
    const unsigned char *next = NULL, *next_sig = NULL;
    if (codec_successor(ev, &next, &next_sig) == 1) {
        bad |= jsonutil_set_hex(o, "successor", next, AVOW_PUBKEY_BYTES) < 0;
    }
    bad |= jsonutil_set_hex(o, "signature", ev->signature, AVOW_SIG_BYTES) < 0;
    if (opts->with_raw) {
        size_t b64len = sodium_base64_ENCODED_LEN(ev->raw_len, sodium_base64_VARIANT_ORIGINAL);
        char *b64 = malloc(b64len);
        if (b64 == NULL) {
            json_decref(o);
            return error_set(AVOW_ENOMEM, "out of memory encoding base64");
        }
        sodium_bin2base64(b64, b64len, ev->raw, ev->raw_len, sodium_base64_VARIANT_ORIGINAL);
        bad |= json_object_set_new(o, "raw", json_string(b64)) < 0;
        free(b64);
    }
    if (opts->status != NULL) {
        bad |= json_object_set_new(o, "status", json_string(opts->status)) < 0;
    }
    if (bad) {
        /* A member missing would give JSON that looks whole (issue 13). */
        json_decref(o);
        return error_set(AVOW_ENOMEM, "out of memory building JSON");
    }
    return jsonutil_finish(out, o);
}
