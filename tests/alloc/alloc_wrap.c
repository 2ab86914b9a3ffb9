/* SPDX-License-Identifier: ISC */
/*
 * alloc_wrap.c - allocation-failure injection for tests/alloc/alloc_fail.c.
 * The harness is linked with -Wl,--wrap=malloc,--wrap=calloc,--wrap=realloc,
 * --wrap=free,--wrap=strdup,--wrap=strndup, which redirects those calls made
 * by the objects of the link (the harness and the static avow_test library,
 * not the shared libraries it uses) to the functions below; jansson's own
 * allocations come here through json_set_alloc_funcs(). LMDB's and libc's
 * internal allocations and libsodium's sodium_malloc are outside the wrap.
 *
 * Invariants:
 *  1. While armed, the Nth counted allocation (malloc, calloc, realloc,
 *     strdup, strndup) fails, once; the others succeed.
 *  2. Every block handed out while armed is in the live table until freed,
 *     armed or not, so a block left after a run's cleanup is a leak.
 */
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "alloc_wrap.h"

void *__real_malloc(size_t n);
void *__real_calloc(size_t m, size_t n);
void *__real_realloc(void *p, size_t n);
void __real_free(void *p);
void *__wrap_malloc(size_t n);
void *__wrap_calloc(size_t m, size_t n);
void *__wrap_realloc(void *p, size_t n);
void __wrap_free(void *p);
char *__wrap_strdup(const char *s);
char *__wrap_strndup(const char *s, size_t n);

#define LIVE_SLOTS ((size_t)1 << 20)
#define TOMB       ((uintptr_t)1)

static struct {
    pthread_mutex_t mu;
    int armed;
    unsigned long count, fail_at, injected;
    size_t live;
    uintptr_t *slot; /* open addressing; 0 empty, TOMB deleted */
} aw = { PTHREAD_MUTEX_INITIALIZER, 0, 0, 0, 0, 0, NULL };

static size_t
aw_hash(uintptr_t p)
{
    return (size_t)((p >> 4) * UINT64_C(0x9e3779b97f4a7c15) >> 44) & (LIVE_SLOTS - 1);
}

static void
aw_track(void *p)
{
    size_t i = aw_hash((uintptr_t)p);
    while (aw.slot[i] > TOMB) {
        i = (i + 1) & (LIVE_SLOTS - 1);
    }
    aw.slot[i] = (uintptr_t)p;
    aw.live++;
}

static void
aw_untrack(void *p)
{
    if (aw.slot == NULL || aw.live == 0) {
        return;
    }
    for (size_t i = aw_hash((uintptr_t)p), k = 0; aw.slot[i] != 0 && k < LIVE_SLOTS;
         i = (i + 1) & (LIVE_SLOTS - 1), k++) {
        if (aw.slot[i] == (uintptr_t)p) {
            aw.slot[i] = TOMB;
            aw.live--;
            return;
        }
    }
}

/* Whether this allocation is to fail (invariant 1); counts it. Locked. */
static int
aw_fail_now(void)
{
    if (!aw.armed) {
        return 0;
    }
    if (++aw.count == aw.fail_at) {
        aw.injected++;
        return 1;
    }
    return 0;
}

void
alloc_wrap_arm(unsigned long fail_at)
{
    pthread_mutex_lock(&aw.mu);
    if (aw.slot == NULL) {
        aw.slot = __real_calloc(LIVE_SLOTS, sizeof(*aw.slot));
        if (aw.slot == NULL) {
            abort();
        }
    }
    memset(aw.slot, 0, LIVE_SLOTS * sizeof(*aw.slot));
    aw.live = 0;
    aw.count = 0;
    aw.injected = 0;
    aw.fail_at = fail_at;
    aw.armed = 1;
    pthread_mutex_unlock(&aw.mu);
}

void
alloc_wrap_disarm(void)
{
    pthread_mutex_lock(&aw.mu);
    aw.armed = 0;
    pthread_mutex_unlock(&aw.mu);
}

struct alloc_wrap_stats
alloc_wrap_stats(void)
{
    pthread_mutex_lock(&aw.mu);
    struct alloc_wrap_stats s = { aw.count, aw.injected, aw.live };
    pthread_mutex_unlock(&aw.mu);
    return s;
}

void *
__wrap_malloc(size_t n)
{
    pthread_mutex_lock(&aw.mu);
    void *p = aw_fail_now() ? NULL : __real_malloc(n);
    if (p != NULL && aw.armed) {
        aw_track(p);
    }
    pthread_mutex_unlock(&aw.mu);
    return p;
}

void *
__wrap_calloc(size_t m, size_t n)
{
    pthread_mutex_lock(&aw.mu);
    void *p = aw_fail_now() ? NULL : __real_calloc(m, n);
    if (p != NULL && aw.armed) {
        aw_track(p);
    }
    pthread_mutex_unlock(&aw.mu);
    return p;
}

void *
__wrap_realloc(void *old, size_t n)
{
    pthread_mutex_lock(&aw.mu);
    if (aw_fail_now()) {
        pthread_mutex_unlock(&aw.mu);
        return NULL; /* old stays valid, as realloc leaves it */
    }
    void *p = __real_realloc(old, n);
    if (p != NULL) {
        if (old != NULL) {
            aw_untrack(old);
        }
        if (aw.armed) {
            aw_track(p);
        }
    }
    pthread_mutex_unlock(&aw.mu);
    return p;
}

void
__wrap_free(void *p)
{
    if (p == NULL) {
        return;
    }
    pthread_mutex_lock(&aw.mu);
    aw_untrack(p);
    __real_free(p);
    pthread_mutex_unlock(&aw.mu);
}

char *
__wrap_strndup(const char *s, size_t n)
{
    size_t len = strnlen(s, n);
    char *p = __wrap_malloc(len + 1);
    if (p != NULL) {
        memcpy(p, s, len);
        p[len] = '\0';
    }
    return p;
}

char *
__wrap_strdup(const char *s)
{
    return __wrap_strndup(s, SIZE_MAX);
}

void *
alloc_wrap_malloc(size_t n)
{
    return __wrap_malloc(n);
}

void
alloc_wrap_free(void *p)
{
    __wrap_free(p);
}
