/* SPDX-License-Identifier: ISC */
/*
 * spill.h - the drafts an import's check pass accepted, kept in a temporary
 * file for its append pass (src/io/spill.c).
 */
#ifndef AVOW_SPILL_H
#define AVOW_SPILL_H

#include <stdio.h>

#include "util/common.h"

typedef struct spill {
    FILE *f;       /* NULL: no spill (never opened, or given up) */
    avow_buf buf;  /* a chunk's records, before they are written */
    uint64_t size; /* bytes written */
    uint64_t done; /* bytes read back */
} spill;

/* Where spill_read() puts a chunk of drafts: the caller's arrays of max
 * entries, and text, which holds the records the drafts point into. */
typedef struct spill_chunk {
    avow_buf *text;
    size_t *offs, *lens; /* scratch */
    avow_draft *drafts;
    uint64_t *lines;
    size_t max;      /* drafts at most */
    size_t max_text; /* no more records once text holds this many bytes */
    size_t n;        /* drafts read */
} spill_chunk;

/* Create the spill; without one (it could not be created), s->f stays NULL. */
void spill_open(spill *s);
/* Give the spill up (s->f becomes NULL); its buffer stays. */
void spill_drop(spill *s);
/* Give the spill up and free its buffer. */
void spill_dispose(spill *s);

/* Add the draft of a good record (at line) to the chunk being built.
 * Without a spill, nothing. @return 0 or AVOW_ENOMEM */
int spill_add(spill *s, uint64_t line, const avow_draft *d);
/* Write the chunk built; on failure, give the spill up. */
void spill_write(spill *s);
/* Written: prepare to read back from the start; on failure, give it up. */
void spill_rewind(spill *s);

/* Read the next chunk of drafts back. @return 1 (c->n > 0), 0 at the end,
 * or AVOW_EIO (the file does not read back as written), AVOW_ENOMEM */
int spill_read(spill *s, spill_chunk *c);
/* At the end: everything written was read back. @return 0 or AVOW_EIO */
int spill_check_end(const spill *s);
/* The error of a spill that does not read back as written. @return AVOW_EIO */
int spill_corrupt(void);

#endif /* AVOW_SPILL_H */
