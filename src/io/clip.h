/* SPDX-License-Identifier: ISC */
/*
 * clip.h - untrusted text made safe to echo in a message (src/io/clip.c).
 */
#ifndef AVOW_CLIP_H
#define AVOW_CLIP_H

#include <stddef.h>

/* Bytes of a clipped text: CLIP_KEEP bytes, "..." and a NUL. */
#define CLIP_KEEP  40
#define CLIP_BYTES 48

/* At most CLIP_KEEP bytes of s (len bytes, NUL or not) into out, control
 * characters as '?', "..." after a cut. */
void clip_text(char out[CLIP_BYTES], const char *s, size_t len);

#endif /* AVOW_CLIP_H */
