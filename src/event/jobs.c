/* SPDX-License-Identifier: ISC */
/*
 * jobs.c - signing, verifying and hashing arrays of events on the worker pool
 * (util/pool.c): the crypto that the append paths, sync and verify overlap
 * with their LMDB work.
 *
 * Invariants:
 *  1. A job reads and writes only its own arrays, at the items it is given
 *     (util/pool.c invariant 2: no LMDB, no allocation, no recorded error):
 *     an event that fails is flagged, and the caller reports it in order.
 */
#include <string.h>

#include <sodium.h>

#include "event/jobs.h"
#include "tlog/merkle.h"

static void
jobs_verify_fn(void *vctx, size_t begin, size_t end)
{
    jobs_verify_job *j = vctx;
    avow_event ev;
    for (size_t i = begin; i < end; i++) {
        j->ok[i] = j->events[i] != NULL && avow_event_decode(&ev, j->events[i], j->lens[i]) == 0 &&
                   avow_event_verify(&ev) == 0;
#ifdef AVOW_PLANT_SKIP_SIG
        /* The soak self-test's planted bug (CMake AVOW_PLANT_BUG, never shipped):
         * a signature that does not verify is taken as verified on arrival. */
        j->ok[i] = j->events[i] != NULL && avow_event_decode(&ev, j->events[i], j->lens[i]) == 0;
#endif
        if (j->ok[i] && j->hashes != NULL) {
            codec_hash_event(&j->hashes[i], j->events[i], j->lens[i]);
        }
    }
}

int
jobs_verify_events(unsigned char *ok, codec_hashes *hashes, const unsigned char *const *events,
                   const size_t *lens, size_t n)
{
    jobs_verify_job j = { ok, events, lens, hashes };
    pool *p = NULL;
    int error = 0;
    memset(ok, 0, n);
    if (n >= POOL_MIN_BATCH && pool_cores() > 1 && (error = pool_new(&p, (size_t)-1)) < 0) {
        return error;
    }
    pool_run(p, jobs_verify_fn, &j, n);
    pool_free(p);
    return 0;
}

void
jobs_verify_start(pool *p, jobs_verify_job *job, size_t n)
{
    memset(job->ok, 0, n);
    pool_start(p, jobs_verify_fn, job, n);
}

static void
jobs_sign_fn(void *vctx, size_t begin, size_t end)
{
    jobs_sign_job *j = vctx;
    for (size_t i = begin; i < end; i++) {
        const jobs_sign_item *it = &j->items[i];
        codec_sign_message(j->buf + it->off + it->len, j->buf + it->off, it->len, j->key);
        if (j->hashes != NULL) {
            const unsigned char *raw = j->buf + it->off;
            crypto_hash_sha256(j->hashes[i].id, raw, it->len + AVOW_SIG_BYTES);
            merkle_leaf_hash(j->hashes[i].leaf, raw, it->len + AVOW_SIG_BYTES);
        }
    }
}

void
jobs_sign_start(pool *p, jobs_sign_job *job, size_t n)
{
    pool_start(p, jobs_sign_fn, job, n);
}
