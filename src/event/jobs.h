/* SPDX-License-Identifier: ISC */
/*
 * jobs.h - the jobs over arrays of events that run on the worker pool
 * (util/pool.h): decoding and checking signatures, signing in place, and
 * hashing (codec_hashes: id, content hash, Merkle leaf).
 */
#ifndef AVOW_JOBS_H
#define AVOW_JOBS_H

#include <stddef.h>

#include "event/codec.h"
#include "util/pool.h"

/*
 * Decode and check the signature of n events on every core:
 * ok[i] = 1 when events[i] decodes strictly and its signature holds, else 0,
 * and then, when hashes is not NULL, hashes[i] holds the event's hashes
 * (codec_hash_event()). Events that fail are left for the caller to report
 * in order. @return 0 or AVOW_ENOMEM (then ok is all zero)
 */
int jobs_verify_events(unsigned char *ok, codec_hashes *hashes, const unsigned char *const *events,
                       const size_t *lens, size_t n);

/* An asynchronous jobs_verify_events(): ok[i] and hashes[i] as there. */
typedef struct jobs_verify_job {
    unsigned char *ok;
    const unsigned char *const *events;
    const size_t *lens;
    codec_hashes *hashes; /* NULL: not computed */
} jobs_verify_job;

/* Start checking the n events of job on the workers and return at once (p
 * NULL: done before it returns); pool_wait() finishes it. job and the
 * events must stay put until then. */
void jobs_verify_start(pool *p, jobs_verify_job *job, size_t n);

/* One message to sign in place: buf + off holds len message bytes followed by
 * room for the AVOW_SIG_BYTES signature. */
typedef struct jobs_sign_item {
    size_t off;
    size_t len;
} jobs_sign_item;

/* A signing job over a buffer: see jobs_sign_start(). */
typedef struct jobs_sign_job {
    unsigned char *buf;
    const jobs_sign_item *items;
    const avow_key *key;
    codec_hashes *hashes; /* NULL, or per item: id and leaf filled in */
} jobs_sign_job;

/* Start signing every item of job (n items) with codec_sign_message(), then
 * hashing the signed event into hashes[i].id and .leaf (the caller, who
 * chains, has the content hash already); the buffer must not move until
 * pool_wait() returns. */
void jobs_sign_start(pool *p, jobs_sign_job *job, size_t n);

#endif /* AVOW_JOBS_H */
