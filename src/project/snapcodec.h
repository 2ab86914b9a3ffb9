/* SPDX-License-Identifier: ISC */
/*
 * snapcodec.h - the binary form of a folded accumulator, the value of a
 * projection snapshot (src/project/snapcodec.c).
 */
#ifndef AVOW_SNAPCODEC_H
#define AVOW_SNAPCODEC_H

#include "project/fold.h"

/* Append the accumulator's bytes to out. @return 0 or AVOW_ENOMEM */
int snapcodec_write(avow_buf *out, const fold_acc *a);
/* Load bytes into an empty accumulator.
 * @return 0, 1 (unreadable or another format: ignore the snapshot), or < 0. */
int snapcodec_read(fold_acc *a, const unsigned char *p, size_t n);

#endif /* AVOW_SNAPCODEC_H */
