/* SPDX-License-Identifier: ISC */
/*
 * error.c - error codes and the thread-local detail of the last error.
 *
 * The library never prints: a failing function records what went wrong here
 * and returns its code; the CLI prints avow_error_last().
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/common.h"

/* common.h may define error_set() as a macro for the static analyzer
 * (clang-tidy, tools/lint); here is the function itself. */
#undef error_set

static _Thread_local char last_error[512];

const char *
avow_strerror(int code)
{
    switch (code) {
    case AVOW_OK:
        return "success";
    case AVOW_EINVALID:
        return "invalid argument";
    case AVOW_EFORMAT:
        return "malformed data";
    case AVOW_EVERIFY:
        return "verification failed";
    case AVOW_ENOTFOUND:
        return "not found";
    case AVOW_EEXISTS:
        return "already exists";
    case AVOW_ECHAIN:
        return "breaks the author's chain";
    case AVOW_EIO:
        return "I/O error";
    case AVOW_ENOMEM:
        return "out of memory";
    case AVOW_EFULL:
        return "disk full";
    case AVOW_EKEY:
        return "key unusable";
    case AVOW_ELOCK:
        return "ledger busy";
    case AVOW_ERANGE:
        return "value out of range";
    case AVOW_ECORRUPT:
        return "ledger file damaged";
    default:
        return "unknown error";
    }
}

const char *
avow_error_last(void)
{
    return last_error;
}

/* Callers may pass avow_error_last() itself as an argument, to wrap a detail
 * in more context: format into a scratch buffer, then copy. */
int
error_set(int code, const char *fmt, ...)
{
    char scratch[sizeof(last_error)];
    va_list ap;
    va_start(ap, fmt);
    /* NOLINTNEXTLINE(clang-analyzer-valist.Uninitialized): va_start is above */
    int n = vsnprintf(scratch, sizeof(scratch), fmt, ap);
    va_end(ap);
    if (n < 0) {
        scratch[0] = '\0';
    }
    memcpy(last_error, scratch, sizeof(last_error));
    return code;
}

void
error_clear(void)
{
    last_error[0] = '\0';
}
