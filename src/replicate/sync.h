/* SPDX-License-Identifier: ISC */
/*
 * sync.h - internals of replication (src/replicate/sync.c, src/replicate/bundle.c): fork
 * evidence, the plan of what a peer lacks, and the fork-keeping append of
 * src/ledger/store.c.
 */
#ifndef AVOW_SYNC_H
#define AVOW_SYNC_H

#include "event/codec.h"
#include "ledger/store_mdb.h"
#include "ledger/table.h"

/* Fork evidence (equivocation), kept when an append path meets a fork. */
extern const store_table sync_forks_table;

/* One head (or one piece of fork evidence): author, seq, event id. */
typedef struct sync_head {
    unsigned char author[AVOW_PUBKEY_BYTES];
    uint64_t seq;
    unsigned char id[AVOW_EVENT_ID_BYTES];
} sync_head;

#define SYNC_HEAD_BYTES (AVOW_PUBKEY_BYTES + 8 + AVOW_EVENT_ID_BYTES)
/* Most heads (or evidence entries) accepted from a peer or a heads file. */
#define SYNC_MAX_HEADS (1u << 20)

/* A list of heads sorted by (author, seq, id), strictly ascending. */
typedef struct sync_heads {
    sync_head *v;
    size_t n;
    size_t cap;
} sync_heads;

int sync_heads_push(sync_heads *h, const unsigned char *author, uint64_t seq,
                    const unsigned char *id);
void sync_heads_free(sync_heads *h);
/* Parse n packed entries (SYNC_HEAD_BYTES each), appending; they must keep the
 * list strictly ascending. @return 0 or AVOW_EFORMAT */
int sync_heads_parse(sync_heads *h, const unsigned char *p, size_t n);
/* This ledger's heads and its fork evidence keys. */
int sync_heads_load(const avow_ledger *ledger, sync_heads *heads, sync_heads *evidence);

/* Called with each event (raw bytes) the peer lacks; evidence = 1 for fork evidence. */
typedef int (*sync_emit_fn)(void *ctx, const unsigned char *raw, size_t len, int evidence);

/*
 * Emit what the holder of (peer_heads, peer_evidence) lacks: per author in
 * chain order the events after its head, and fork evidence it does not hold.
 * An author whose chain diverges from the peer's (a fork) is not streamed:
 * this ledger's event at the peer's head seq is emitted as evidence instead.
 * `replies` (may be NULL) lists (author, seq) whose chain event is emitted as
 * evidence too (the answer to evidence the peer sent).
 */
#define SYNC_CHAINS   0x1u /* the events after the peer's heads */
#define SYNC_EVIDENCE 0x2u /* fork evidence the peer does not hold */
#define SYNC_REPLIES  0x4u /* our chain events at (author, seq) of `replies` */
#define SYNC_ALL      (SYNC_CHAINS | SYNC_EVIDENCE | SYNC_REPLIES)
int sync_collect(const avow_ledger *ledger, unsigned int what, const sync_heads *peer_heads,
                 const sync_heads *peer_evidence, const sync_heads *replies, sync_emit_fn emit,
                 void *ctx, uint64_t *events_out);

/*
 * Store fork evidence inside a write transaction: ev (signature already
 * checked) has the (author, seq) of a different event of the chain.
 * @return 1 stored, 0 already held, or < 0
 */
int sync_keep_fork(store_w *w, const avow_event *ev, const unsigned char *id);
/* Check the fork evidence table (avow_ledger_verify()). */
int sync_verify(MDB_txn *txn, const avow_ledger *ledger, struct verify_state *s);

/*
 * Check and store evidence events (raw bytes) in one transaction: each must
 * decode, verify and conflict with this ledger's chain event at its (author,
 * seq); others are ignored (counted in *ignored). Stored ones are appended to
 * `stored` as (author, seq, id) when not NULL.
 * @return 0, AVOW_EFORMAT / AVOW_EVERIFY (naming author and seq)
 */
int sync_store_evidence(avow_ledger *ledger, const unsigned char *const *events, const size_t *lens,
                        size_t n, size_t *new_forks, sync_heads *stored);

/* Name the event at failed_at of a refused batch: "author XXXX seq N: detail". */
int sync_batch_error(int code, const unsigned char *const *events, const size_t *lens, size_t n,
                     size_t failed_at);

#endif
