/* SPDX-License-Identifier: ISC */
/*
 * common.h - internals shared by every module: error reporting, byte order,
 * buffers. Not installed.
 */
#ifndef AVOW_COMMON_H
#define AVOW_COMMON_H

#include <stdint.h>
#include <string.h>

#include "avow.h"
#include "util/limits.h"

#if defined(__GNUC__)
#define AVOW_PRINTF(a, b) __attribute__((format(printf, a, b)))
#else
#define AVOW_PRINTF(a, b)
#endif

/* Record the detail of an error on this thread and return code. */
int error_set(int code, const char *fmt, ...) AVOW_PRINTF(2, 3);
void error_clear(void);

#ifdef __clang_analyzer__
/* The static analyzer cannot see that error_set() returns its code. */
#define error_set(code, ...) (error_set((code), __VA_ARGS__), (code))
#endif

/* Ensure room for `extra` more bytes; fails past AVOW_BUF_MAX or on overflow. */
int buf_grow(avow_buf *buf, size_t extra);
int buf_put(avow_buf *buf, const void *data, size_t len);
/* Sets len to 0, keeps the memory. */
void buf_clear(avow_buf *buf);

static inline void
be64_put(unsigned char *p, uint64_t v)
{
    for (int i = 7; i >= 0; i--) {
        p[i] = (unsigned char)(v & 0xff);
        v >>= 8;
    }
}

static inline uint64_t
be64_get(const unsigned char *p)
{
    uint64_t v = 0;
    for (int i = 0; i < 8; i++) {
        v = (v << 8) | p[i];
    }
    return v;
}

static inline void
be32_put(unsigned char *p, uint32_t v)
{
    p[0] = (unsigned char)(v >> 24);
    p[1] = (unsigned char)(v >> 16);
    p[2] = (unsigned char)(v >> 8);
    p[3] = (unsigned char)v;
}

static inline uint32_t
be32_get(const unsigned char *p)
{
    return ((uint32_t)p[0] << 24) | ((uint32_t)p[1] << 16) | ((uint32_t)p[2] << 8) | p[3];
}

static inline void
be16_put(unsigned char *p, uint16_t v)
{
    p[0] = (unsigned char)(v >> 8);
    p[1] = (unsigned char)(v & 0xff);
}

static inline uint16_t
be16_get(const unsigned char *p)
{
    return (uint16_t)((p[0] << 8) | p[1]);
}

/* Times are signed; flipping the sign bit makes big-endian keys sort in time order. */
static inline uint64_t
time_key(int64_t t)
{
    return (uint64_t)t ^ (UINT64_C(1) << 63);
}

/*
 * Binary search of an array of n elements of `size` bytes, sorted by the
 * 32-byte key each element starts with (an author's public key). Returns the
 * matching element, or NULL with *pos (may be NULL) set to where key belongs.
 */
static inline void *
key_search(const void *base, size_t n, size_t size, const unsigned char *key, size_t *pos)
{
    size_t lo = 0, hi = n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        const unsigned char *el = (const unsigned char *)base + mid * size;
        int c = memcmp(el, key, AVOW_PUBKEY_BYTES);
        if (c == 0) {
            return (void *)(uintptr_t)el;
        }
        if (c < 0) {
            lo = mid + 1;
        } else {
            hi = mid;
        }
    }
    if (pos != NULL) {
        *pos = lo;
    }
    return NULL;
}

/* The first microsecond of the period of precision prec that holds t (rounding
 * toward negative infinity, as avow_time_parse(AVOW_TIME_START) of t's
 * avow_time_format() at prec would give, without the text round trip). */
int64_t time_floor(int64_t t, avow_precision prec);

/* The last microsecond of the period of precision prec that holds t. */
int64_t time_last(int64_t t, avow_precision prec);

/* Valid UTF-8 (no overlongs, no surrogates, <= U+10FFFF) without NUL. */
int buf_utf8_check(const char *s, size_t len);
/* The length (1 to 4) of the valid UTF-8 sequence that starts p (n >= 1
 * bytes), its code point in *cp_out; 0 if none does. */
size_t buf_utf8_seq(const unsigned char *p, size_t n, uint32_t *cp_out);
/* 1 when the code point may drive a terminal or reorder what it shows: C0,
 * DEL, C1, and the bidirectional controls (U+061C, U+200E, U+200F, U+202A to
 * U+202E, U+2066 to U+2069). */
int buf_cp_is_control(uint32_t cp);
/* One line of text fit to show a user: valid UTF-8 without NUL, without any
 * code point buf_cp_is_control() names. 0 or -1. */
int buf_text_line_check(const char *s, size_t len);

#endif /* AVOW_COMMON_H */
