/* SPDX-License-Identifier: ISC */
/*
 * buf.c - growable byte buffers (avow_buf) and small text helpers.
 *
 * Invariants:
 *  1. len <= maxlen <= AVOW_BUF_MAX; ptr is NULL only when maxlen is 0.
 *  2. Size arithmetic is checked before every allocation.
 */
#include <stdlib.h>

#include "util/common.h"

void
avow_buf_dispose(avow_buf *buf)
{
    if (buf == NULL) {
        return;
    }
    free(buf->ptr);
    buf->ptr = NULL;
    buf->len = 0;
    buf->maxlen = 0;
}

int
buf_grow(avow_buf *buf, size_t extra)
{
    if (extra > AVOW_BUF_MAX - buf->len) {
        return error_set(AVOW_ENOMEM, "buffer would exceed %zu bytes", (size_t)AVOW_BUF_MAX);
    }
    size_t need = buf->len + extra;
    if (need <= buf->maxlen) {
        return 0;
    }
    size_t cap = buf->maxlen ? buf->maxlen : 256;
    while (cap < need) {
        cap = cap > AVOW_BUF_MAX / 2 ? AVOW_BUF_MAX : cap * 2;
    }
    unsigned char *p = realloc(buf->ptr, cap);
    if (p == NULL) {
        return error_set(AVOW_ENOMEM, "out of memory growing a buffer to %zu bytes", cap);
    }
    buf->ptr = p;
    buf->maxlen = cap;
    return 0;
}

int
buf_put(avow_buf *buf, const void *data, size_t len)
{
    int error;
    if ((error = buf_grow(buf, len)) < 0) {
        return error;
    }
    if (len > 0) {
        memcpy(buf->ptr + buf->len, data, len);
    }
    buf->len += len;
    return 0;
}

void
buf_clear(avow_buf *buf)
{
    buf->len = 0;
}

void
avow_hex(char *out, const unsigned char *bytes, size_t n)
{
    static const char digits[] = "0123456789abcdef";
    for (size_t i = 0; i < n; i++) {
        out[2 * i] = digits[bytes[i] >> 4];
        out[2 * i + 1] = digits[bytes[i] & 0xf];
    }
    out[2 * n] = '\0';
}

static int
hexval(char c)
{
    if (c >= '0' && c <= '9') {
        return c - '0';
    }
    if (c >= 'a' && c <= 'f') {
        return c - 'a' + 10;
    }
    if (c >= 'A' && c <= 'F') {
        return c - 'A' + 10;
    }
    return -1;
}

int
avow_unhex(unsigned char *out, size_t n, const char *hex)
{
    for (size_t i = 0; i < n; i++) {
        int hi = hexval(hex[2 * i]);
        int lo = hi < 0 ? -1 : hexval(hex[2 * i + 1]);
        if (hi < 0 || lo < 0) {
            return error_set(AVOW_EINVALID, "expected %zu hex characters", 2 * n);
        }
        out[i] = (unsigned char)(hi << 4 | lo);
    }
    if (hex[2 * n] != '\0') {
        return error_set(AVOW_EINVALID, "expected %zu hex characters", 2 * n);
    }
    return 0;
}

size_t
buf_utf8_seq(const unsigned char *p, size_t n, uint32_t *cp_out)
{
    unsigned char c = p[0];
    size_t more;
    uint32_t cp;
    if (c < 0x80) {
        *cp_out = c;
        return 1;
    }
    if (c >= 0xc2 && c <= 0xdf) {
        more = 1;
        cp = c & 0x1f;
    } else if (c >= 0xe0 && c <= 0xef) {
        more = 2;
        cp = c & 0x0f;
    } else if (c >= 0xf0 && c <= 0xf4) {
        more = 3;
        cp = c & 0x07;
    } else {
        return 0;
    }
    if (more > n - 1) {
        return 0;
    }
    for (size_t k = 1; k <= more; k++) {
        if ((p[k] & 0xc0) != 0x80) {
            return 0;
        }
        cp = (cp << 6) | (p[k] & 0x3f);
    }
    if ((more == 2 && cp < 0x800) || (more == 3 && (cp < 0x10000 || cp > 0x10ffff)) ||
        (cp >= 0xd800 && cp <= 0xdfff)) {
        return 0;
    }
    *cp_out = cp;
    return more + 1;
}

int
buf_cp_is_control(uint32_t cp)
{
    return cp < 0x20 || (cp >= 0x7f && cp <= 0x9f) || cp == 0x061c || cp == 0x200e ||
           cp == 0x200f || (cp >= 0x202a && cp <= 0x202e) || (cp >= 0x2066 && cp <= 0x2069);
}

int
buf_text_line_check(const char *s, size_t len)
{
    const unsigned char *p = (const unsigned char *)s;
    for (size_t i = 0; i < len;) {
        uint32_t cp = p[i];
        size_t n = p[i] < 0x80 ? 1 : buf_utf8_seq(p + i, len - i, &cp);
        if (n == 0 || cp == 0 || buf_cp_is_control(cp)) {
            return -1;
        }
        i += n;
    }
    return 0;
}

int
buf_utf8_check(const char *s, size_t len)
{
    const unsigned char *p = (const unsigned char *)s;
    size_t i = 0;
    while (i < len) {
        uint32_t cp;
        if (p[i] == 0) {
            return -1;
        }
        if (p[i] < 0x80) {
            i++;
            continue;
        }
        size_t n = buf_utf8_seq(p + i, len - i, &cp);
        if (n == 0) {
            return -1;
        }
        i += n;
    }
    return 0;
}
