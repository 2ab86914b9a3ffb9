/* SPDX-License-Identifier: ISC */
/*
 * plan.h - what the holder of a list of heads lacks (src/replicate/plan.c),
 * for sync sessions and bundles.
 */
#ifndef AVOW_PLAN_H
#define AVOW_PLAN_H

#include "replicate/headlist.h"

/* Called with each event (raw bytes) the peer lacks; evidence = 1 for fork
 * evidence. Stops the walk with its code when < 0. */
typedef int (*plan_emit_fn)(void *ctx, const unsigned char *raw, size_t len, int evidence);

/*
 * Emit what the holder of (peer_heads, peer_evidence) lacks: per author in
 * chain order the events after its head, and fork evidence it does not hold.
 * An author whose chain diverges from the peer's (a fork) is not streamed:
 * this ledger's event at the peer's head seq is emitted as evidence instead.
 * `replies` (may be NULL) lists (author, seq) whose chain event is emitted as
 * evidence too (the answer to evidence the peer sent).
 */
#define PLAN_CHAINS   0x1u /* the events after the peer's heads */
#define PLAN_EVIDENCE 0x2u /* fork evidence the peer does not hold */
#define PLAN_REPLIES  0x4u /* our chain events at (author, seq) of `replies` */
/* Only this ledger's event where a chain diverges from the peer's head (what
 * PLAN_CHAINS emits as evidence, without the events after it): a side that
 * does not push still shows a fork the peer's shorter chain cannot see. */
#define PLAN_DIVERGED 0x8u
#define PLAN_ALL      (PLAN_CHAINS | PLAN_EVIDENCE | PLAN_REPLIES)
int plan_collect(const avow_ledger *ledger, unsigned int what, const headlist *peer_heads,
                 const headlist *peer_evidence, const headlist *replies, plan_emit_fn emit,
                 void *ctx, uint64_t *events_out);

#endif
