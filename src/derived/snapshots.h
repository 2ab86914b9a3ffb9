/* SPDX-License-Identifier: ISC */
/*
 * snapshots.h - the table of projection snapshots (src/derived/snapshots.c):
 *   contest || 0x00 || mode || time_key(eff) || time_key(rec) || id
 *     -> the bytes of an accumulator after every entry up to that position
 *        (src/project/snapcodec.c), K = +infinity
 *   0x00 "ledger-gen" -> u64 the ledger generation the snapshots were built at
 * The table stores the values as opaque bytes; the projections make them.
 */
#ifndef AVOW_SNAPSHOTS_H
#define AVOW_SNAPSHOTS_H

#include "ledger/store.h"
#include "ledger/table.h"

#define SNAPSHOTS_MODE_TRUSTED 0
#define SNAPSHOTS_MODE_ALL     1
/* A mode is which authors count (the two above) plus, from format v2, twice
 * the query's minimum confidence level (0: every row, 1: medium and high, 2:
 * high), so that each filter keeps snapshots of its own. */
#define SNAPSHOTS_MODE_COUNT 6

static inline int
snapshots_mode(int all_authors, uint8_t min_confidence)
{
    int level = min_confidence <= AVOW_CONFIDENCE_LOW ? 0 : min_confidence - AVOW_CONFIDENCE_LOW;
    return (all_authors ? SNAPSHOTS_MODE_ALL : SNAPSHOTS_MODE_TRUSTED) + 2 * level;
}
/* A position: time_key(eff) || time_key(rec) || id, the tail of a by-time key. */
#define SNAPSHOTS_POS_BYTES (8 + 8 + AVOW_EVENT_ID_BYTES)
#define SNAPSHOTS_KEY_MAX   (AVOW_MAX_CONTEST + 2 + SNAPSHOTS_POS_BYTES)

extern const store_table snapshots_table;

/* The position of an event. */
void snapshots_pos(unsigned char pos[SNAPSHOTS_POS_BYTES], const avow_event *ev,
                   const unsigned char id[AVOW_EVENT_ID_BYTES]);

/*
 * The last current snapshot of (contest prefix, mode) at a position <=
 * (at, max, max): 1 with *val (borrowed from txn) and pos set, 0 when there
 * is none or the table is stale (another generation), or < 0.
 */
int snapshots_find(store_val *val, unsigned char pos[SNAPSHOTS_POS_BYTES],
                   const avow_ledger *ledger, store_txn *txn, const unsigned char *prefix,
                   size_t prefix_len, int mode, int64_t at);

/* Snapshots computed by one query, written after its read transaction. */
typedef struct snapshots_batch {
    avow_buf buf; /* u32 keylen || key || u32 vallen || value, repeated */
    size_t count;
    int full;
    uint64_t events, gen; /* the ledger the query read */
} snapshots_batch;

/* Start a batch for a query reading txn. */
int snapshots_batch_open(snapshots_batch *b, const avow_ledger *ledger, store_txn *txn);
/* Writes one snapshot's value into out; < 0 stops. */
typedef int (*snapshots_value_fn)(avow_buf *out, const void *ctx);
/* Add the snapshot of (prefix, mode) at pos, its value written by fn. Past
 * SNAPSHOTS_PENDING_MAX the batch keeps no more. @return 0 or < 0 */
int snapshots_batch_add(snapshots_batch *b, const unsigned char *prefix, size_t prefix_len,
                        int mode, const unsigned char pos[SNAPSHOTS_POS_BYTES],
                        snapshots_value_fn fn, const void *ctx);
/* Write the batch when the ledger is still the one read (best effort:
 * errors are not reported; a read-only or busy ledger keeps no snapshot). */
void snapshots_batch_write(avow_ledger *ledger, snapshots_batch *b);
void snapshots_batch_dispose(snapshots_batch *b);

/* The number of current snapshots (all contests): stale ones are not counted. */
int snapshots_count(size_t *out, const avow_ledger *ledger);

#endif /* AVOW_SNAPSHOTS_H */
