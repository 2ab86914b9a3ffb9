/* SPDX-License-Identifier: ISC */
/*
 * wire.h - the frames of the sync protocol (docs/PROTOCOL.md) over a pair of
 * file descriptors, and the encoding of their payloads (src/replicate/wire.c).
 */
#ifndef AVOW_WIRE_H
#define AVOW_WIRE_H

#include "replicate/headlist.h"

enum wire_frame {
    WIRE_HELLO = 1,
    WIRE_HEADS = 2,
    WIRE_EVIDENCE_HAVE = 3,
    WIRE_HEADS_END = 4,
    WIRE_BATCH = 5,
    WIRE_FORK = 6,
    WIRE_DONE = 7,
    WIRE_ERROR = 8
};

/* Longest origin a hello carries (longer ones are cut): the ledger's bound,
 * which docs/PROTOCOL.md fixes at 256 bytes. */
#define WIRE_MAX_ORIGIN AVOW_ORIGIN_MAX
_Static_assert(WIRE_MAX_ORIGIN == 256, "the hello's origin bound is part of the protocol");

/* A connection: reads are buffered, writes are not. */
typedef struct wire_conn {
    int in, out;
    size_t rpos, rlen;
    unsigned char rbuf[65536];
} wire_conn;

/* Whether a read would not block: buffered bytes, or the fd is readable
 * (data, end of file or an error). */
int wire_ready(wire_conn *c);

/* Start building a frame of this type in f (its length is set on send). */
int wire_frame_begin(avow_buf *f, uint8_t type);
/* Send a frame built with wire_frame_begin(). */
int wire_frame_send(wire_conn *c, avow_buf *f);
/* Send a frame without payload. */
int wire_frame_simple(wire_conn *c, uint8_t type);
/* Read one frame (invariant 1): *type and the payload in buf. */
int wire_frame_read(wire_conn *c, uint8_t *type, avow_buf *buf);

/* Send a hello (built in f) with these flags and origin. */
int wire_hello_send(wire_conn *c, avow_buf *f, unsigned int flags, const char *origin);
/* Parse a hello payload: *flags, and the origin into origin (WIRE_MAX_ORIGIN
 * + 1 bytes, may be NULL), NUL-terminated. */
int wire_hello_parse(const avow_buf *in, unsigned int *flags, char *origin);
/* Send a list of heads (built in f) as frames of this type. */
int wire_heads_send(wire_conn *c, avow_buf *f, uint8_t type, const headlist *h);
/* Parse a heads frame's payload, appending to h. */
int wire_heads_parse(const avow_buf *in, headlist *h);
/* Split a batch or fork payload into its events (invariant 1): pointers
 * into in, at most AVOW_SYNC_BATCH_EVENTS. */
int wire_batch_parse(const avow_buf *in, const unsigned char **evs, size_t *lens, uint32_t *count);

/* Whether an event of len bytes must go into a new frame, after the n of f. */
int wire_batch_full(const avow_buf *f, uint32_t n, size_t len);
/* Add an event to the batch (or fork) frame f of *n events; with *n == 0,
 * begin one of this type. */
int wire_batch_add(avow_buf *f, uint32_t *n, uint8_t type, const unsigned char *raw, size_t len);
/* Send the frame f of *n events (none: nothing) and set *n to 0. */
int wire_batch_send(wire_conn *c, avow_buf *f, uint32_t *n);

#endif
