/* SPDX-License-Identifier: ISC */
/*
 * wire.c - the frames of the sync protocol (docs/PROTOCOL.md, "Frames"): a
 * buffered reader and a writer over a pair of file descriptors, frames of
 * length, type and payload, and the encoding of the hello, heads and batch
 * payloads. What a session does with them is src/replicate/session.c.
 *
 * Invariants (tests/unit/test_sync.c, tests/unit/test_limits.c):
 *  1. A frame's length is checked against AVOW_SYNC_FRAME_MAX before anything
 *     is allocated for it; every count inside a frame is checked against the
 *     bytes that are really there.
 */
#include <errno.h>
#include <inttypes.h>
#include <poll.h>
#include <stdio.h>
#include <sys/socket.h>
#include <unistd.h>

#include "replicate/wire.h"

#define WIRE_MAGIC       "AVOWSYNC"
#define WIRE_MAGIC_BYTES 8
/* Entries per heads frame: fits the frame with room to spare. */
#define WIRE_HEADS_PER_FRAME 8192

static int
wire_fill(wire_conn *c)
{
    for (;;) {
        ssize_t r = read(c->in, c->rbuf, sizeof(c->rbuf));
        if (r > 0) {
            c->rpos = 0;
            c->rlen = (size_t)r;
            return 0;
        }
        if (r == 0) {
            return error_set(AVOW_EIO, "the peer closed the connection");
        }
        if (errno != EINTR) {
            return error_set(AVOW_EIO, "cannot read from the peer: %s", strerror(errno));
        }
    }
}

static int
wire_read(wire_conn *c, void *out, size_t len)
{
    unsigned char *p = out;
    int error;
    while (len > 0) {
        if (c->rpos == c->rlen && (error = wire_fill(c)) < 0) {
            return error;
        }
        size_t n = c->rlen - c->rpos < len ? c->rlen - c->rpos : len;
        memcpy(p, c->rbuf + c->rpos, n);
        c->rpos += n;
        p += n;
        len -= n;
    }
    return 0;
}

int
wire_ready(wire_conn *c)
{
    struct pollfd pfd = { c->in, POLLIN, 0 };
    if (c->rpos < c->rlen) {
        return 1;
    }
    return poll(&pfd, 1, 0) > 0;
}

static int
wire_write(wire_conn *c, const void *data, size_t len)
{
    const unsigned char *p = data;
    while (len > 0) {
        /* send() without SIGPIPE on sockets; plain write() on pipes (the CLI
         * ignores SIGPIPE). */
        ssize_t w = send(c->out, p, len, MSG_NOSIGNAL);
        if (w < 0 && errno == ENOTSOCK) {
            w = write(c->out, p, len);
        }
        if (w < 0) {
            if (errno == EINTR) {
                continue;
            }
            return error_set(AVOW_EIO, "cannot write to the peer: %s", strerror(errno));
        }
        p += w;
        len -= (size_t)w;
    }
    return 0;
}

/* A frame being built: 4-byte length and type, then the payload. */
int
wire_frame_begin(avow_buf *f, uint8_t type)
{
    unsigned char hdr[5] = { 0, 0, 0, 0, type };
    buf_clear(f);
    return buf_put(f, hdr, sizeof(hdr));
}

int
wire_frame_send(wire_conn *c, avow_buf *f)
{
    size_t len = f->len - 4;
    if (len > AVOW_SYNC_FRAME_MAX) {
        return error_set(AVOW_ERANGE, "frame of %zu bytes past the maximum", len);
    }
    be32_put(f->ptr, (uint32_t)len);
    return wire_write(c, f->ptr, f->len);
}

int
wire_frame_simple(wire_conn *c, uint8_t type)
{
    unsigned char f[5] = { 0, 0, 0, 1, type };
    return wire_write(c, f, sizeof(f));
}

/* Invariant 1: the length is checked before anything is allocated. */
int
wire_frame_read(wire_conn *c, uint8_t *type, avow_buf *buf)
{
    unsigned char hdr[5];
    int error;
    if ((error = wire_read(c, hdr, 4)) < 0) {
        return error;
    }
    uint32_t len = be32_get(hdr);
    if (len == 0 || len > AVOW_SYNC_FRAME_MAX) {
        return error_set(AVOW_EFORMAT,
                         "the peer sent a frame of %" PRIu32 " bytes (1 to %u allowed)", len,
                         AVOW_SYNC_FRAME_MAX);
    }
    if ((error = wire_read(c, hdr + 4, 1)) < 0) {
        return error;
    }
    *type = hdr[4];
    buf_clear(buf);
    if ((error = buf_grow(buf, len - 1)) < 0) {
        return error;
    }
    if ((error = wire_read(c, buf->ptr, len - 1)) < 0) {
        return error;
    }
    buf->len = len - 1;
    return 0;
}

/* ---- payloads --------------------------------------------------------------- */

int
wire_hello_send(wire_conn *c, avow_buf *f, unsigned int flags, const char *origin)
{
    size_t olen = strlen(origin);
    unsigned char v[5];
    int error;
    if (olen > WIRE_MAX_ORIGIN) {
        olen = WIRE_MAX_ORIGIN;
    }
    be16_put(v, AVOW_SYNC_PROTOCOL);
    v[2] = (unsigned char)flags;
    be16_put(v + 3, (uint16_t)olen);
    if ((error = wire_frame_begin(f, WIRE_HELLO)) < 0 ||
        (error = buf_put(f, WIRE_MAGIC, WIRE_MAGIC_BYTES)) < 0 ||
        (error = buf_put(f, v, sizeof(v))) < 0 || (error = buf_put(f, origin, olen)) < 0) {
        return error;
    }
    return wire_frame_send(c, f);
}

int
wire_hello_parse(const avow_buf *in, unsigned int *flags, char *origin)
{
    const unsigned char *p = in->ptr;
    if (in->len < WIRE_MAGIC_BYTES + 5 || memcmp(p, WIRE_MAGIC, WIRE_MAGIC_BYTES) != 0) {
        return error_set(AVOW_EFORMAT, "the peer does not speak the avow sync protocol");
    }
    uint16_t version = be16_get(p + WIRE_MAGIC_BYTES);
    if (version != AVOW_SYNC_PROTOCOL) {
        return error_set(AVOW_EFORMAT, "the peer speaks sync protocol %u, this avow %d", version,
                         AVOW_SYNC_PROTOCOL);
    }
    *flags = p[WIRE_MAGIC_BYTES + 2];
    if ((*flags & ~(unsigned int)(AVOW_SYNC_PULL | AVOW_SYNC_PUSH)) != 0) {
        /* Undefined bits are refused, not ignored: a later meaning cannot be
         * mistaken for today's. */
        return error_set(AVOW_EFORMAT, "the peer's hello sets undefined flag bits 0x%02x",
                         *flags & ~(unsigned int)(AVOW_SYNC_PULL | AVOW_SYNC_PUSH));
    }
    size_t olen = be16_get(p + WIRE_MAGIC_BYTES + 3);
    if (olen > WIRE_MAX_ORIGIN || WIRE_MAGIC_BYTES + 5 + olen != in->len ||
        buf_utf8_check((const char *)p + WIRE_MAGIC_BYTES + 5, olen) < 0) {
        return error_set(AVOW_EFORMAT, "the peer sent a malformed hello");
    }
    /* The origin is shown to the user: no terminal controls, no bidi reordering. */
    if (buf_text_line_check((const char *)p + WIRE_MAGIC_BYTES + 5, olen) < 0) {
        return error_set(AVOW_EFORMAT, "the peer's origin holds control or bidirectional "
                                       "characters");
    }
    if (origin != NULL) {
        memcpy(origin, p + WIRE_MAGIC_BYTES + 5, olen);
        origin[olen] = '\0';
    }
    return 0;
}

int
wire_heads_send(wire_conn *c, avow_buf *f, uint8_t type, const headlist *h)
{
    int error;
    for (size_t i = 0; i < h->n || (i == 0 && h->n == 0); i += WIRE_HEADS_PER_FRAME) {
        size_t n = h->n - i < WIRE_HEADS_PER_FRAME ? h->n - i : WIRE_HEADS_PER_FRAME;
        if ((error = wire_frame_begin(f, type)) < 0 || (error = headlist_put(f, h, i, n)) < 0) {
            return error;
        }
        if ((error = wire_frame_send(c, f)) < 0) {
            return error;
        }
        if (h->n == 0) {
            break;
        }
    }
    return 0;
}

int
wire_heads_parse(const avow_buf *in, headlist *h)
{
    if (in->len < 4) {
        return error_set(AVOW_EFORMAT, "the peer sent a malformed heads frame");
    }
    uint32_t n = be32_get(in->ptr);
    if ((uint64_t)n * HEADLIST_ENTRY_BYTES != in->len - 4) {
        return error_set(AVOW_EFORMAT, "the peer sent a malformed heads frame");
    }
    return headlist_parse(h, in->ptr + 4, n);
}

int
wire_batch_parse(const avow_buf *in, const unsigned char **evs, size_t *lens, uint32_t *count)
{
    /* Check the length first: an empty payload has no buffer (NULL + 0). */
    if (in->len < 4) {
        return error_set(AVOW_EFORMAT, "the peer sent a malformed batch");
    }
    const unsigned char *p = in->ptr, *end = in->ptr + in->len;
    uint32_t n = be32_get(p);
    p += 4;
    if (n == 0 || n > AVOW_SYNC_BATCH_EVENTS) {
        return error_set(AVOW_EFORMAT, "the peer sent a batch of %" PRIu32 " events (1 to %d)", n,
                         AVOW_SYNC_BATCH_EVENTS);
    }
    for (uint32_t i = 0; i < n; i++) {
        if (end - p < 4) {
            return error_set(AVOW_EFORMAT, "the peer sent a truncated batch");
        }
        uint32_t len = be32_get(p);
        p += 4;
        if (len > AVOW_EVENT_MAX_BYTES || len > (size_t)(end - p)) {
            return error_set(AVOW_EFORMAT,
                             "the peer sent an event of %" PRIu32 " bytes (at most %d)", len,
                             AVOW_EVENT_MAX_BYTES);
        }
        evs[i] = p;
        lens[i] = len;
        p += len;
    }
    if (p != end) {
        return error_set(AVOW_EFORMAT, "the peer sent trailing bytes in a batch");
    }
    *count = n;
    return 0;
}

int
wire_batch_full(const avow_buf *f, uint32_t n, size_t len)
{
    return n > 0 && (n >= AVOW_SYNC_BATCH_EVENTS || f->len + 4 + len > AVOW_SYNC_FRAME_MAX + 4);
}

int
wire_batch_add(avow_buf *f, uint32_t *n, uint8_t type, const unsigned char *raw, size_t len)
{
    unsigned char l[4];
    int error;
    if (*n == 0) {
        unsigned char zero[4] = { 0, 0, 0, 0 };
        if ((error = wire_frame_begin(f, type)) < 0 || (error = buf_put(f, zero, 4)) < 0) {
            return error;
        }
    }
    be32_put(l, (uint32_t)len);
    if ((error = buf_put(f, l, 4)) < 0 || (error = buf_put(f, raw, len)) < 0) {
        return error;
    }
    (*n)++;
    return 0;
}

int
wire_batch_send(wire_conn *c, avow_buf *f, uint32_t *n)
{
    int error;
    if (*n == 0) {
        return 0;
    }
    be32_put(f->ptr + 5, *n);
    if ((error = wire_frame_send(c, f)) < 0) {
        return error;
    }
    *n = 0;
    return 0;
}
