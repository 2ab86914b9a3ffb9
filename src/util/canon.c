/* SPDX-License-Identifier: ISC */
/*
 * canon.c - the canonical JSON writer: a jansson tree to the bytes that the
 * state digest and the evidence file are defined by (docs/FORMAT.md,
 * "Canonical JSON"). jansson builds and parses trees; these rules, not its
 * printer, decide the bytes, so an upgrade of it or a verifier in another
 * language computes the same ones.
 *
 * Invariants:
 *  1. Output is the grammar of docs/FORMAT.md exactly: no whitespace, integers
 *     in shortest decimal, strings as UTF-8 with only '"', '\\' and U+0000 to
 *     U+001F escaped (the seven short forms, else \u00XX in uppercase hex).
 *  2. CANON_INSERTED writes an object's members in insertion order,
 *     CANON_SORTED by memcmp of the key bytes, a prefix first; duplicate keys
 *     cannot occur (a jansson object holds each key once).
 *  3. Reals, invalid UTF-8 and nesting past CANON_MAX_DEPTH are refused
 *     (AVOW_EINVALID), never written approximately; on any error the output
 *     buffer's length is restored.
 *  4. For every tree without reals these bytes equal what the previous
 *     releases hashed and wrote (tests/unit/test_canon.c compares them over
 *     random trees), so old digests and evidence files keep verifying.
 */
#include <assert.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>

#include <sodium.h>

#include "util/canon.h"

/* Where bytes go: a buffer, or a running hash. */
struct canon_sink {
    avow_buf *buf;
    crypto_hash_sha256_state *hash;
};

/* An object member, for sorting. */
struct canon_member {
    const char *key;
    size_t len;
    const json_t *value;
};

/* Objects up to this size sort on the stack (the artifacts' objects do). */
#define CANON_STACK_MEMBERS 16

static int
canon_emit(struct canon_sink *s, const void *p, size_t n)
{
    if (s->hash != NULL) {
        crypto_hash_sha256_update(s->hash, p, n);
        return 0;
    }
    return buf_put(s->buf, p, n);
}

/* The escape of a byte below 0x20, '"' or '\\' into esc; its length. */
static size_t
canon_escape(char esc[7], unsigned char c)
{
    static const char hex[] = "0123456789ABCDEF";
    const char *brief = NULL;
    switch (c) {
    case '"':
        brief = "\\\"";
        break;
    case '\\':
        brief = "\\\\";
        break;
    case '\b':
        brief = "\\b";
        break;
    case '\f':
        brief = "\\f";
        break;
    case '\n':
        brief = "\\n";
        break;
    case '\r':
        brief = "\\r";
        break;
    case '\t':
        brief = "\\t";
        break;
    default:
        break;
    }
    if (brief != NULL) {
        memcpy(esc, brief, 3);
        return 2;
    }
    memcpy(esc, "\\u00", 4);
    esc[4] = hex[c >> 4];
    esc[5] = hex[c & 0xf];
    esc[6] = '\0';
    return 6;
}

static int
canon_string(struct canon_sink *s, const char *str, size_t len)
{
    const unsigned char *p = (const unsigned char *)str;
    size_t run = 0, i = 0;
    int error;

    if ((error = canon_emit(s, "\"", 1)) < 0) {
        return error;
    }
    while (i < len) {
        uint32_t cp;
        size_t n = 1;
        if (p[i] >= 0x80 && (n = buf_utf8_seq(p + i, len - i, &cp)) == 0) {
            return error_set(AVOW_EINVALID, "canonical JSON: a string is not UTF-8");
        }
        if (p[i] >= 0x20 && p[i] != '"' && p[i] != '\\') {
            i += n;
            continue;
        }
        char esc[7];
        size_t elen = canon_escape(esc, p[i]);
        if ((error = canon_emit(s, p + run, i - run)) < 0 ||
            (error = canon_emit(s, esc, elen)) < 0) {
            return error;
        }
        run = ++i;
    }
    if ((error = canon_emit(s, p + run, len - run)) < 0) {
        return error;
    }
    return canon_emit(s, "\"", 1);
}

static int
canon_cmp_member(const void *a, const void *b)
{
    const struct canon_member *x = a, *y = b;
    int c = memcmp(x->key, y->key, x->len < y->len ? x->len : y->len);
    if (c != 0) {
        return c;
    }
    return x->len < y->len ? -1 : x->len > y->len;
}

static int canon_value(struct canon_sink *s, const json_t *v, canon_order order, int depth);

static int
canon_object(struct canon_sink *s, const json_t *v, canon_order order, int depth)
{
    struct canon_member stack[CANON_STACK_MEMBERS], *m = stack;
    size_t n = json_object_size(v), i = 0;
    int error = 0;
    void *it;

    if (n > CANON_STACK_MEMBERS && (m = calloc(n, sizeof(*m))) == NULL) {
        return error_set(AVOW_ENOMEM, "out of memory sorting %zu keys", n);
    }
    for (it = json_object_iter((json_t *)(uintptr_t)v); it != NULL && i < n;
         it = json_object_iter_next((json_t *)(uintptr_t)v, it), i++) {
        m[i].key = json_object_iter_key(it);
        m[i].len = json_object_iter_key_len(it);
        m[i].value = json_object_iter_value(it);
    }
    if (order == CANON_SORTED && i > 1) {
        qsort(m, i, sizeof(*m), canon_cmp_member);
    }
    if ((error = canon_emit(s, "{", 1)) < 0) {
        goto done;
    }
    for (size_t k = 0; k < i; k++) {
        if ((k > 0 && (error = canon_emit(s, ",", 1)) < 0) ||
            (error = canon_string(s, m[k].key, m[k].len)) < 0 ||
            (error = canon_emit(s, ":", 1)) < 0 ||
            (error = canon_value(s, m[k].value, order, depth + 1)) < 0) {
            goto done;
        }
    }
    error = canon_emit(s, "}", 1);
done:
    if (m != stack) {
        free(m);
    }
    return error;
}

static int
canon_array(struct canon_sink *s, const json_t *v, canon_order order, int depth)
{
    size_t n = json_array_size(v);
    int error;
    if ((error = canon_emit(s, "[", 1)) < 0) {
        return error;
    }
    for (size_t i = 0; i < n; i++) {
        if ((i > 0 && (error = canon_emit(s, ",", 1)) < 0) ||
            (error = canon_value(s, json_array_get(v, i), order, depth + 1)) < 0) {
            return error;
        }
    }
    return canon_emit(s, "]", 1);
}

static int
canon_value(struct canon_sink *s, const json_t *v, canon_order order, int depth)
{
    char num[24];
    int n;

    if (v == NULL) {
        return error_set(AVOW_EINVALID, "canonical JSON: no value");
    }
    if (depth > CANON_MAX_DEPTH) {
        return error_set(AVOW_EINVALID, "canonical JSON: nested deeper than %d", CANON_MAX_DEPTH);
    }
    switch (json_typeof(v)) {
    case JSON_OBJECT:
        return canon_object(s, v, order, depth);
    case JSON_ARRAY:
        return canon_array(s, v, order, depth);
    case JSON_STRING:
        return canon_string(s, json_string_value(v), json_string_length(v));
    case JSON_INTEGER:
        n = snprintf(num, sizeof(num), "%" PRId64, (int64_t)json_integer_value(v));
        assert(n > 0 && (size_t)n < sizeof(num));
        return canon_emit(s, num, (size_t)n);
    case JSON_TRUE:
        return canon_emit(s, "true", 4);
    case JSON_FALSE:
        return canon_emit(s, "false", 5);
    case JSON_NULL:
        return canon_emit(s, "null", 4);
    case JSON_REAL:
        break;
    }
    return error_set(AVOW_EINVALID, "canonical JSON: a real number has no canonical form");
}

int
canon_write(avow_buf *out, const json_t *v, canon_order order)
{
    struct canon_sink s = { out, NULL };
    size_t len0;
    int error;

    if (out == NULL) {
        return error_set(AVOW_EINVALID, "canon_write: missing buffer");
    }
    len0 = out->len;
    if ((error = canon_value(&s, v, order, 0)) < 0) {
        out->len = len0;
    }
    return error;
}

int
canon_sha256_hex(char hex_out[2 * AVOW_HASH_BYTES + 1], const json_t *v, canon_order order)
{
    crypto_hash_sha256_state h;
    unsigned char md[AVOW_HASH_BYTES];
    struct canon_sink s = { NULL, &h };
    int error;

    crypto_hash_sha256_init(&h);
    if ((error = canon_value(&s, v, order, 0)) < 0) {
        return error;
    }
    crypto_hash_sha256_final(&h, md);
    avow_hex(hex_out, md, sizeof(md));
    return 0;
}
