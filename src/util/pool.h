/* SPDX-License-Identifier: ISC */
/*
 * pool.h - a small pthread worker pool for CPU-bound loops over arrays: a job
 * is a function over item ranges [begin, end). The jobs over events (signing,
 * verification, hashing) are src/event/jobs.h's. LMDB is never touched from a
 * worker: reads and writes stay in the calling thread.
 */
#ifndef AVOW_POOL_H
#define AVOW_POOL_H

#include <stddef.h>

#include "util/common.h"

typedef struct pool pool;

/* Process items [begin, end) of a job. Called from any thread of the pool
 * (the caller included), concurrently on disjoint ranges; must not fail. */
typedef void (*pool_fn)(void *ctx, size_t begin, size_t end);

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

#endif /* AVOW_POOL_H */
