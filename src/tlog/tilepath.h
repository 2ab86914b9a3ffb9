/* SPDX-License-Identifier: ISC */
/*
 * tilepath.h - the C2SP tlog-tiles path of a tile or entry bundle
 * (src/tlog/tilepath.c), shared by the writer (src/io/publish.c) and the
 * reader (src/io/pull.c).
 */
#ifndef AVOW_TILEPATH_H
#define AVOW_TILEPATH_H

#include <stddef.h>
#include <stdint.h>

#define TILEPATH_WIDTH   256  /* hashes in a full tile, entries in a full bundle */
#define TILEPATH_ENTRIES (-1) /* the "level" of the entry bundles */

/*
 * out = PREFIX "tile/L/N" or PREFIX "tile/entries/N", with "N.p/W" for a
 * partial tile of width w (1..255; TILEPATH_WIDTH: full). N is written in
 * 3-digit elements, all but the last prefixed "x". prefix is copied as given
 * (with its trailing separator). @return 0, or -1 when out is too small
 */
int tilepath_format(char *out, size_t maxlen, const char *prefix, int level, uint64_t n,
                    unsigned w);

#endif
