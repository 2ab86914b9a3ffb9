/* SPDX-License-Identifier: ISC */
/*
 * pool.h - a small pthread worker pool for the CPU-bound loops over arrays of
 * events: Ed25519 signing and verification, SHA-256 ids. LMDB is never
 * touched from a worker: reads and writes stay in the calling thread.
 */
#ifndef AVOW_POOL_H
#define AVOW_POOL_H

#include <stddef.h>

#include "event/codec.h"
#include "util/common.h"

typedef struct pool pool;

/* Process items [begin, end) of a job. Called from any thread of the pool
 * (the caller included), concurrently on disjoint ranges; must not fail. */
typedef void (*pool_fn)(void *ctx, size_t begin, size_t end);

/* Below this many items a batch is not worth waking threads for. */
#define POOL_MIN_BATCH 64

/* Online cores, at least 1. */
size_t pool_cores(void);

/*
 * A pool of `threads` workers besides the caller (who works too, in
 * pool_wait()). threads = (size_t)-1 means pool_cores() - 1. A pool whose
 * threads cannot be created runs every job in the caller.
 * @return 0 or AVOW_ENOMEM
 */
int pool_new(pool **out, size_t threads);

/* Stop the workers and free the pool (NULL-safe). No job may be running. */
void pool_free(pool *p);

/* Number of worker threads (the caller not counted). */
size_t pool_threads(const pool *p);

/* Start a job of n items and return at once: the workers begin on it while
 * the caller does other work. One job at a time. p NULL: the job runs at
 * once, in the caller, before pool_start() returns. */
void pool_start(pool *p, pool_fn fn, void *ctx, size_t n);

/* Work on the current job from the calling thread until every item is done.
 * Returns at once when no job is running. */
void pool_wait(pool *p);

/* pool_start() then pool_wait(). p NULL runs fn(ctx, 0, n) in the caller. */
void pool_run(pool *p, pool_fn fn, void *ctx, size_t n);

/*
 * Decode and check the signature of n events on every core:
 * ok[i] = 1 when events[i] decodes strictly and its signature holds, else 0,
 * and then, when hashes is not NULL, hashes[i] holds the event's hashes
 * (codec_hash_event()). Events that fail are left for the caller to report
 * in order. @return 0 or AVOW_ENOMEM (then ok is all zero)
 */
int pool_verify_events(unsigned char *ok, codec_hashes *hashes, const unsigned char *const *events,
                       const size_t *lens, size_t n);

/* An asynchronous pool_verify_events(): ok[i] and hashes[i] as there. */
typedef struct pool_verify_job {
    unsigned char *ok;
    const unsigned char *const *events;
    const size_t *lens;
    codec_hashes *hashes; /* NULL: not computed */
} pool_verify_job;

/* Start checking the n events of job on the workers and return at once (p
 * NULL: done before it returns); pool_wait() finishes it. job and the
 * events must stay put until then. */
void pool_verify_start(pool *p, pool_verify_job *job, size_t n);

/* One message to sign in place: buf + off holds len message bytes followed by
 * room for the AVOW_SIG_BYTES signature. */
typedef struct pool_sign_item {
    size_t off;
    size_t len;
} pool_sign_item;

/* A signing job over a buffer: see pool_sign_start(). */
typedef struct pool_sign_job {
    unsigned char *buf;
    const pool_sign_item *items;
    const avow_key *key;
    codec_hashes *hashes; /* NULL, or per item: id and leaf filled in */
} pool_sign_job;

/* Start signing every item of job (n items) with codec_sign_message(), then
 * hashing the signed event into hashes[i].id and .leaf (the caller, who
 * chains, has the content hash already); the buffer must not move until
 * pool_wait() returns. */
void pool_sign_start(pool *p, pool_sign_job *job, size_t n);

#endif /* AVOW_POOL_H */
