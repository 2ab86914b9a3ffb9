/* SPDX-License-Identifier: ISC */
/*
 * clip.c - text taken from an imported file, made fit to quote in an error
 * message (src/io/import.c and the readers of its forms).
 *
 * Invariants (tests/unit/test_interchange.c):
 *  1. Text taken from the input and echoed in a message is clipped (at most
 *     CLIP_KEEP bytes, then "...") and has its control characters replaced,
 *     so a hostile file cannot flood or steer a terminal.
 */
#include <string.h>

#include "io/clip.h"

_Static_assert(CLIP_KEEP + sizeof("...") <= CLIP_BYTES, "room for the cut mark");

/* Invariant 1. */
void
clip_text(char out[CLIP_BYTES], const char *s, size_t len)
{
    size_t n = len > CLIP_KEEP ? CLIP_KEEP : len;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        out[i] = (c < 0x20 || c == 0x7f) ? '?' : (char)c;
    }
    if (len > CLIP_KEEP) {
        memcpy(out + CLIP_KEEP, "...", 4);
    } else {
        out[n] = '\0';
    }
}
