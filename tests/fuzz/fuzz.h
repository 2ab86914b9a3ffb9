/* SPDX-License-Identifier: ISC */
/*
 * fuzz.h - what every fuzz target shares: the libFuzzer entry point and
 * FUZZ_ASSERT, which reports a broken invariant and abort()s so that both
 * libFuzzer and the replay driver (driver.c) count it as a crash.
 *
 * A target (fuzz_<x>.c) defines LLVMFuzzerTestOneInput(), returns 0 for any
 * input the parser refuses, and asserts invariants on what it accepts. It must
 * be deterministic, keep no state between inputs (beyond caches), and free
 * everything it allocates (leaks are reported as findings).
 */
#ifndef AVOW_FUZZ_H
#define AVOW_FUZZ_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static inline void
fuzz_fail(const char *file, int line, const char *what)
{
    fprintf(stderr, "%s:%d: invariant broken: %s\n", file, line, what);
    abort();
}

#define FUZZ_ASSERT(cond)                                                                          \
    do {                                                                                           \
        if (!(cond)) {                                                                             \
            fuzz_fail(__FILE__, __LINE__, #cond);                                                  \
        }                                                                                          \
    } while (0)

/* A heap copy of the input with exactly `size` bytes (plus a NUL when
 * nul_terminate), so that AddressSanitizer sees any read past the end. */
static inline char *
fuzz_copy(const uint8_t *data, size_t size, int nul_terminate)
{
    size_t alloc = size + (nul_terminate ? 1 : 0);
    char *p = calloc(1, alloc == 0 ? 1 : alloc);
    FUZZ_ASSERT(p != NULL);
    for (size_t i = 0; i < size; i++) {
        p[i] = (char)data[i];
    }
    if (nul_terminate) {
        p[size] = '\0';
    }
    return p;
}

#endif /* AVOW_FUZZ_H */
