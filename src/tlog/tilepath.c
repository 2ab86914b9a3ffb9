/* SPDX-License-Identifier: ISC */
/*
 * tilepath.c - the paths of C2SP tlog-tiles (docs/PUBLISHING.md): the one
 * place both the writer and the reader of published logs spell them.
 *
 * Invariants:
 *  1. N is written in 3-digit elements, all but the last prefixed "x"
 *     (1,234,067 is x001/x234/067), so no directory holds more than 1,000
 *     entries and no file name collides with a directory.
 *  2. A partial tile of width W (1..255) is at N.p/W; a full one at N.
 */
#include <inttypes.h>
#include <stdio.h>

#include "tlog/tilepath.h"

int
tilepath_format(char *out, size_t maxlen, const char *prefix, int level, uint64_t n, unsigned w)
{
    char num[40], lvl[8];
    size_t k = 0;
    uint64_t div = 1;
    int len;

    while (n / div >= 1000) {
        div *= 1000;
    }
    for (; div > 1; div /= 1000) {
        k += (size_t)snprintf(num + k, sizeof(num) - k, "x%03" PRIu64 "/", (n / div) % 1000);
    }
    (void)snprintf(num + k, sizeof(num) - k, "%03" PRIu64, n % 1000);
    (void)snprintf(lvl, sizeof(lvl), "%d", level);
    const char *l = level == TILEPATH_ENTRIES ? "entries" : lvl;
    len = w == TILEPATH_WIDTH ? snprintf(out, maxlen, "%stile/%s/%s", prefix, l, num)
                              : snprintf(out, maxlen, "%stile/%s/%s.p/%u", prefix, l, num, w);
    return len < 0 || (size_t)len >= maxlen ? -1 : 0;
}
