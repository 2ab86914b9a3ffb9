/* SPDX-License-Identifier: ISC */
/* alloc_wrap.h - the allocation-failure injector of tests/alloc (alloc_wrap.c). */
#ifndef AVOW_ALLOC_WRAP_H
#define AVOW_ALLOC_WRAP_H

#include <stddef.h>

struct alloc_wrap_stats {
    unsigned long count;    /* allocations counted since arming */
    unsigned long injected; /* failures injected (0 or 1) */
    size_t live;            /* blocks allocated since arming and not freed */
};

/* Reset the counters and fail the fail_at-th allocation from now (0: none). */
void alloc_wrap_arm(unsigned long fail_at);
/* Stop counting and failing; frees are still tracked. */
void alloc_wrap_disarm(void);
struct alloc_wrap_stats alloc_wrap_stats(void);
/* For json_set_alloc_funcs(). */
void *alloc_wrap_malloc(size_t n);
void alloc_wrap_free(void *p);

#endif
