/* SPDX-License-Identifier: ISC */
/*
 * pool.c - a pthread worker pool that runs a job over an array on every core
 * (docs/PERFORMANCE.md); src/event/jobs.c holds the jobs over events.
 *
 * A job is a range of n items; the workers and the caller claim slices of it
 * under one mutex and run the job's function on them. The caller can start a
 * job, do its own serial work (LMDB reads and writes), then help finish it:
 * that is how verify and bulk signing overlap the crypto with the store.
 *
 * Invariants:
 *  1. At most one job runs at a time; pool_wait() returns only when every item
 *     of it has been processed and no thread is inside its function.
 *  2. Workers never call LMDB, never allocate and never record errors that
 *     the caller reads (avow_error_last() is per thread).
 *  3. A pool is created and freed per operation (no global state): a forked
 *     child never inherits a pool without its threads.
 */
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <unistd.h>

#include "util/pool.h"

struct pool {
    pthread_mutex_t mu;
    pthread_cond_t work; /* a job started, or stop */
    pthread_cond_t done; /* the last item of the job finished */
    pthread_t *threads;
    size_t n_threads;
    int stop;
    /* The current job (fn NULL when none). */
    pool_fn fn;
    void *ctx;
    size_t n;
    size_t grain;
    size_t next;     /* first unclaimed item */
    size_t finished; /* items processed */
};

size_t
pool_cores(void)
{
    long n = sysconf(_SC_NPROCESSORS_ONLN);
    return n < 1 ? 1 : (size_t)n;
}

/* Claim the next slice of the job; mu held. @return 1 with [*b, *e), or 0. */
static int
pool_claim(pool *p, size_t *b, size_t *e)
{
    if (p->fn == NULL || p->next >= p->n) {
        return 0;
    }
    *b = p->next;
    *e = p->n - p->next < p->grain ? p->n : p->next + p->grain;
    p->next = *e;
    return 1;
}

/* Run one claimed slice with mu released, then account for it. */
static void
pool_do(pool *p, size_t b, size_t e)
{
    pool_fn fn = p->fn;
    void *ctx = p->ctx;
    pthread_mutex_unlock(&p->mu);
    fn(ctx, b, e);
    pthread_mutex_lock(&p->mu);
    p->finished += e - b;
    if (p->finished == p->n) {
        pthread_cond_broadcast(&p->done);
    }
}

static void *
pool_worker(void *arg)
{
    pool *p = arg;
    size_t b, e;
    pthread_mutex_lock(&p->mu);
    for (;;) {
        if (p->stop) {
            break;
        }
        if (pool_claim(p, &b, &e)) {
            pool_do(p, b, e);
            continue;
        }
        pthread_cond_wait(&p->work, &p->mu);
    }
    pthread_mutex_unlock(&p->mu);
    return NULL;
}

int
pool_new(pool **out, size_t threads)
{
    pool *p = calloc(1, sizeof(*p));
    if (p == NULL) {
        *out = NULL;
        return error_set(AVOW_ENOMEM, "out of memory creating a worker pool");
    }
    if (threads == (size_t)-1) {
        threads = pool_cores() - 1;
    }
    if (pthread_mutex_init(&p->mu, NULL) != 0) {
        free(p);
        *out = NULL;
        return error_set(AVOW_ENOMEM, "cannot create a mutex for the worker pool");
    }
    pthread_cond_init(&p->work, NULL);
    pthread_cond_init(&p->done, NULL);
    if (threads > 0 && (p->threads = calloc(threads, sizeof(pthread_t))) != NULL) {
        /* Threads that cannot be created are simply absent: the caller works. */
        for (size_t i = 0; i < threads; i++) {
            if (pthread_create(&p->threads[p->n_threads], NULL, pool_worker, p) != 0) {
                break;
            }
            p->n_threads++;
        }
    }
    *out = p;
    return 0;
}

void
pool_free(pool *p)
{
    if (p == NULL) {
        return;
    }
    pthread_mutex_lock(&p->mu);
    p->stop = 1;
    pthread_cond_broadcast(&p->work);
    pthread_mutex_unlock(&p->mu);
    for (size_t i = 0; i < p->n_threads; i++) {
        pthread_join(p->threads[i], NULL);
    }
    free(p->threads);
    pthread_cond_destroy(&p->work);
    pthread_cond_destroy(&p->done);
    pthread_mutex_destroy(&p->mu);
    free(p);
}

size_t
pool_threads(const pool *p)
{
    return p == NULL ? 0 : p->n_threads;
}

void
pool_start(pool *p, pool_fn fn, void *ctx, size_t n)
{
    if (p == NULL) {
        /* No pool: run now, in the caller. */
        if (n > 0) {
            fn(ctx, 0, n);
        }
        return;
    }
    pthread_mutex_lock(&p->mu);
    size_t g = n / (8 * (p->n_threads + 1));
    p->grain = g < 1 ? 1 : g > POOL_MAX_GRAIN ? POOL_MAX_GRAIN : g;
    p->fn = n > 0 ? fn : NULL;
    p->ctx = ctx;
    p->n = n;
    p->next = 0;
    p->finished = 0;
    if (p->fn != NULL && p->n_threads > 0) {
        pthread_cond_broadcast(&p->work);
    }
    pthread_mutex_unlock(&p->mu);
}

void
pool_wait(pool *p)
{
    size_t b, e;
    if (p == NULL) {
        return;
    }
    pthread_mutex_lock(&p->mu);
    while (pool_claim(p, &b, &e)) {
        pool_do(p, b, e);
    }
    while (p->fn != NULL && p->finished < p->n) {
        pthread_cond_wait(&p->done, &p->mu);
    }
    p->fn = NULL;
    pthread_mutex_unlock(&p->mu);
}

void
pool_run(pool *p, pool_fn fn, void *ctx, size_t n)
{
    pool_start(p, fn, ctx, n);
    pool_wait(p);
}
