/* SPDX-License-Identifier: ISC */
/*
 * jparse.c - a strict RFC 8259 reader building jansson trees (jparse.h).
 * jansson builds and holds the trees; this file decides what is JSON, so
 * that out of memory is always AVOW_ENOMEM (jansson 2.14's lexer drops bytes
 * when its buffer cannot grow and reports other failures as syntax errors).
 *
 * Invariants:
 *  1. Accepted: one object or array, whitespace (space, tab, LF, CR) around
 *     and between tokens, nothing else; the same texts jansson accepts with
 *     its default flags.
 *  2. Strings are well-formed UTF-8 after unescaping (a \u escape of a
 *     surrogate must be a pair); U+0000 and raw control bytes are refused.
 *  3. An integer outside int64_t is refused, not rounded; a real that
 *     overflows a double is refused.
 *  4. Every allocation failure returns AVOW_ENOMEM with nothing leaked; a
 *     syntax error returns AVOW_EFORMAT with err filled.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

#include "util/jparse.h"

struct jp {
    const unsigned char *p, *end, *start;
    unsigned int flags;
    avow_buf str; /* scratch of the string being read */
    jparse_error *err;
};

static int
jp_fail(struct jp *j, const char *what)
{
    const unsigned char *line = j->p;
    while (line > j->start && line[-1] != '\n') {
        line--;
    }
    j->err->column = (int)(j->p - line) + 1;
    (void)snprintf(j->err->text, sizeof(j->err->text), "%s", what);
    return AVOW_EFORMAT;
}

static void
jp_space(struct jp *j)
{
    while (j->p < j->end && (*j->p == ' ' || *j->p == '\t' || *j->p == '\n' || *j->p == '\r')) {
        j->p++;
    }
}

static int
jp_hex4(struct jp *j, uint32_t *out)
{
    uint32_t v = 0;
    *out = 0;
    if (j->end - j->p < 4) {
        return jp_fail(j, "invalid \\u escape");
    }
    for (int i = 0; i < 4; i++) {
        unsigned char c = *j->p++;
        int d = c >= '0' && c <= '9'   ? c - '0'
                : c >= 'a' && c <= 'f' ? c - 'a' + 10
                : c >= 'A' && c <= 'F' ? c - 'A' + 10
                                       : -1;
        if (d < 0) {
            return jp_fail(j, "invalid \\u escape");
        }
        v = v << 4 | (uint32_t)d;
    }
    *out = v;
    return 0;
}

/* The code point of a \u escape (j->p after the 'u'), pairs joined. */
static int
jp_unicode(struct jp *j, uint32_t *cp)
{
    uint32_t lo = 0;
    int error;
    if ((error = jp_hex4(j, cp)) < 0) {
        return error;
    }
    if (*cp >= 0xdc00 && *cp <= 0xdfff) {
        return jp_fail(j, "invalid Unicode escape (a lone low surrogate)");
    }
    if (*cp >= 0xd800 && *cp <= 0xdbff) {
        if (j->end - j->p < 2 || j->p[0] != '\\' || j->p[1] != 'u') {
            return jp_fail(j, "invalid Unicode escape (a high surrogate without its pair)");
        }
        j->p += 2;
        if ((error = jp_hex4(j, &lo)) < 0) {
            return error;
        }
        if (lo < 0xdc00 || lo > 0xdfff) {
            return jp_fail(j, "invalid Unicode escape (a high surrogate without its pair)");
        }
        *cp = 0x10000 + ((*cp - 0xd800) << 10) + (lo - 0xdc00);
    }
    if (*cp == 0) {
        return jp_fail(j, "\\u0000 is not allowed");
    }
    return 0;
}

static int
jp_put_cp(struct jp *j, uint32_t cp)
{
    unsigned char u[4];
    size_t n;
    if (cp < 0x80) {
        u[0] = (unsigned char)cp;
        n = 1;
    } else if (cp < 0x800) {
        u[0] = (unsigned char)(0xc0 | cp >> 6);
        u[1] = (unsigned char)(0x80 | (cp & 0x3f));
        n = 2;
    } else if (cp < 0x10000) {
        u[0] = (unsigned char)(0xe0 | cp >> 12);
        u[1] = (unsigned char)(0x80 | ((cp >> 6) & 0x3f));
        u[2] = (unsigned char)(0x80 | (cp & 0x3f));
        n = 3;
    } else {
        u[0] = (unsigned char)(0xf0 | cp >> 18);
        u[1] = (unsigned char)(0x80 | ((cp >> 12) & 0x3f));
        u[2] = (unsigned char)(0x80 | ((cp >> 6) & 0x3f));
        u[3] = (unsigned char)(0x80 | (cp & 0x3f));
        n = 4;
    }
    return buf_put(&j->str, u, n);
}

/* One escape (j->p after the backslash) onto j->str. */
static int
jp_escape(struct jp *j)
{
    static const char from[] = "\"\\/bfnrt", to[] = "\"\\/\b\f\n\r\t";
    uint32_t cp;
    int error;
    if (j->p >= j->end) {
        return jp_fail(j, "premature end of input in a string");
    }
    unsigned char c = *j->p++;
    const char *at = c == 0 ? NULL : strchr(from, c);
    if (at != NULL) {
        return buf_put(&j->str, &to[at - from], 1);
    }
    if (c != 'u') {
        j->p--;
        return jp_fail(j, "invalid escape");
    }
    if ((error = jp_unicode(j, &cp)) < 0) {
        return error;
    }
    return jp_put_cp(j, cp);
}

/* A string (j->p at its quote) into j->str (invariant 2). */
static int
jp_string(struct jp *j)
{
    int error;
    buf_clear(&j->str);
    j->p++;
    for (;;) {
        const unsigned char *run = j->p;
        while (j->p < j->end && *j->p >= 0x20 && *j->p < 0x80 && *j->p != '"' && *j->p != '\\') {
            j->p++;
        }
        if ((error = buf_put(&j->str, run, (size_t)(j->p - run))) < 0) {
            return error;
        }
        if (j->p >= j->end) {
            return jp_fail(j, "premature end of input in a string");
        }
        unsigned char c = *j->p;
        if (c == '"') {
            j->p++;
            return 0;
        }
        if (c == '\\') {
            j->p++;
            if ((error = jp_escape(j)) < 0) {
                return error;
            }
        } else if (c < 0x20) {
            return jp_fail(j, "control character in a string");
        } else {
            uint32_t cp;
            size_t n = buf_utf8_seq(j->p, (size_t)(j->end - j->p), &cp);
            if (n == 0) {
                return jp_fail(j, "invalid UTF-8 in a string");
            }
            if ((error = buf_put(&j->str, j->p, n)) < 0) {
                return error;
            }
            j->p += n;
        }
    }
}

static int
jp_digits(struct jp *j)
{
    const unsigned char *s = j->p;
    while (j->p < j->end && *j->p >= '0' && *j->p <= '9') {
        j->p++;
    }
    return j->p > s;
}

/* A number (invariant 3). */
static int
jp_number(struct jp *j, json_t **out)
{
    const unsigned char *s = j->p;
    char text[64];
    int real = 0;
    if (j->p < j->end && *j->p == '-') {
        j->p++;
    }
    if (j->p < j->end && *j->p == '0') {
        j->p++;
        if (j->p < j->end && *j->p >= '0' && *j->p <= '9') {
            return jp_fail(j, "invalid number (a leading zero)");
        }
    } else if (!jp_digits(j)) {
        return jp_fail(j, "invalid token");
    }
    if (j->p < j->end && *j->p == '.') {
        j->p++;
        real = 1;
        if (!jp_digits(j)) {
            return jp_fail(j, "invalid number");
        }
    }
    if (j->p < j->end && (*j->p == 'e' || *j->p == 'E')) {
        j->p++;
        real = 1;
        if (j->p < j->end && (*j->p == '+' || *j->p == '-')) {
            j->p++;
        }
        if (!jp_digits(j)) {
            return jp_fail(j, "invalid number");
        }
    }
    if ((size_t)(j->p - s) >= sizeof(text)) {
        return jp_fail(j, real ? "real number too long" : "too big integer");
    }
    memcpy(text, s, (size_t)(j->p - s));
    text[j->p - s] = '\0';
    errno = 0;
    if (real) {
        double d = strtod(text, NULL);
        if (errno == ERANGE && (d > 1.0 || d < -1.0)) {
            return jp_fail(j, "real number overflow");
        }
        *out = json_real(d);
    } else {
        long long v = strtoll(text, NULL, 10);
        if (errno == ERANGE) {
            return jp_fail(j, v < 0 ? "too big negative integer" : "too big integer");
        }
        *out = json_integer((json_int_t)v);
    }
    return *out == NULL ? error_set(AVOW_ENOMEM, "out of memory reading JSON") : 0;
}

static int jp_value(struct jp *j, json_t **out, int depth);

static int
jp_literal(struct jp *j, json_t **out)
{
    static const char *const words[3] = { "true", "false", "null" };
    for (int i = 0; i < 3; i++) {
        size_t n = strlen(words[i]);
        if ((size_t)(j->end - j->p) >= n && memcmp(j->p, words[i], n) == 0) {
            j->p += n;
            *out = i == 0 ? json_true() : i == 1 ? json_false() : json_null();
            return 0;
        }
    }
    return jp_fail(j, "invalid token");
}

static int
jp_object(struct jp *j, json_t **out, int depth)
{
    json_t *o = json_object(), *v = NULL;
    int error;
    if (o == NULL) {
        return error_set(AVOW_ENOMEM, "out of memory reading JSON");
    }
    j->p++;
    jp_space(j);
    if (j->p < j->end && *j->p == '}') {
        j->p++;
        *out = o;
        return 0;
    }
    for (;;) {
        char kbuf[64], *key;
        size_t klen;
        if (j->p >= j->end || *j->p != '"') {
            error = jp_fail(j, "string or '}' expected");
            goto fail;
        }
        if ((error = jp_string(j)) < 0) {
            goto fail;
        }
        klen = j->str.len;
        if ((error = buf_put(&j->str, "", 1)) < 0) {
            goto fail;
        }
        if ((j->flags & JPARSE_REJECT_DUPLICATES) &&
            json_object_getn(o, (const char *)j->str.ptr, klen) != NULL) {
            error = jp_fail(j, "duplicate object key");
            goto fail;
        }
        /* The key outlives j->str, which the value reuses. */
        key = klen < sizeof(kbuf) ? kbuf : malloc(klen + 1);
        if (key == NULL) {
            error = error_set(AVOW_ENOMEM, "out of memory reading JSON");
            goto fail;
        }
        memcpy(key, j->str.ptr, klen + 1);
        jp_space(j);
        if (j->p >= j->end || *j->p != ':') {
            error = jp_fail(j, "':' expected");
        } else {
            j->p++;
            error = jp_value(j, &v, depth + 1);
        }
        if (error == 0 && json_object_setn_new_nocheck(o, key, klen, v) != 0) {
            error = error_set(AVOW_ENOMEM, "out of memory reading JSON");
        }
        if (key != kbuf) {
            free(key);
        }
        if (error < 0) {
            goto fail;
        }
        jp_space(j);
        if (j->p < j->end && *j->p == ',') {
            j->p++;
            jp_space(j);
            continue;
        }
        if (j->p < j->end && *j->p == '}') {
            j->p++;
            *out = o;
            return 0;
        }
        error = jp_fail(j, "',' or '}' expected");
        goto fail;
    }
fail:
    json_decref(o);
    return error;
}

static int
jp_array(struct jp *j, json_t **out, int depth)
{
    json_t *a = json_array(), *v = NULL;
    int error;
    if (a == NULL) {
        return error_set(AVOW_ENOMEM, "out of memory reading JSON");
    }
    j->p++;
    jp_space(j);
    if (j->p < j->end && *j->p == ']') {
        j->p++;
        *out = a;
        return 0;
    }
    for (;;) {
        if ((error = jp_value(j, &v, depth + 1)) < 0) {
            goto fail;
        }
        if (json_array_append_new(a, v) != 0) {
            error = error_set(AVOW_ENOMEM, "out of memory reading JSON");
            goto fail;
        }
        jp_space(j);
        if (j->p < j->end && *j->p == ',') {
            j->p++;
            continue;
        }
        if (j->p < j->end && *j->p == ']') {
            j->p++;
            *out = a;
            return 0;
        }
        error = jp_fail(j, "',' or ']' expected");
        goto fail;
    }
fail:
    json_decref(a);
    return error;
}

static int
jp_value(struct jp *j, json_t **out, int depth)
{
    *out = NULL;
    if (depth > AVOW_JSON_MAX_DEPTH) {
        return jp_fail(j, "maximum parsing depth reached");
    }
    jp_space(j);
    if (j->p >= j->end) {
        return jp_fail(j, "premature end of input");
    }
    switch (*j->p) {
    case '{':
        return jp_object(j, out, depth);
    case '[':
        return jp_array(j, out, depth);
    case '"': {
        int error = jp_string(j);
        if (error < 0) {
            return error;
        }
        *out = json_stringn_nocheck((const char *)j->str.ptr, j->str.len);
        return *out == NULL ? error_set(AVOW_ENOMEM, "out of memory reading JSON") : 0;
    }
    case 't':
    case 'f':
    case 'n':
        return jp_literal(j, out);
    default:
        return jp_number(j, out);
    }
}

int
jparse(json_t **out, const char *text, size_t len, unsigned int flags, jparse_error *err)
{
    struct jp j;
    int error;

    *out = NULL;
    memset(err, 0, sizeof(*err));
    j.start = j.p = (const unsigned char *)text;
    j.end = j.p + len;
    j.flags = flags;
    j.err = err;
    memset(&j.str, 0, sizeof(j.str));
    jp_space(&j);
    if (j.p >= j.end || (*j.p != '{' && *j.p != '[')) {
        error = jp_fail(&j, "'[' or '{' expected");
    } else if ((error = jp_value(&j, out, 1)) == 0) {
        jp_space(&j);
        if (j.p != j.end) {
            error = jp_fail(&j, "end of input expected");
            json_decref(*out);
            *out = NULL;
        }
    }
    avow_buf_dispose(&j.str);
    return error;
}
