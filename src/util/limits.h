/* SPDX-License-Identifier: ISC */
/*
 * limits.h - every bound on untrusted input, with its reason.
 *
 * Each limit is checked before the bytes it bounds are used or allocated.
 * docs/FORMAT.md documents the same numbers; tests/unit/test_codec.c crafts
 * inputs one past each of them.
 */
#ifndef AVOW_LIMITS_H
#define AVOW_LIMITS_H

#include "avow.h"

/* Contest ids and actor names are index keys: short, so that an LMDB key
 * (511 bytes at most) always holds contest + times + id. */
#define AVOW_MAX_CONTEST   64
#define AVOW_MAX_ACTOR     128
#define AVOW_MAX_CANDIDATE 128
#define AVOW_MAX_TITLE     256
#define AVOW_MAX_RULE      32
#define AVOW_MAX_PERSON    128
/* Long enough for real-world URLs (browsers cut at about 2 KiB). */
#define AVOW_MAX_SOURCE 2048
#define AVOW_MAX_QUOTE  2048
#define AVOW_MAX_REASON 1024
/* The analyst's note (format v2): as long as a quote. */
#define AVOW_MAX_NOTE 2048

/* Fixed part of an event: version, kind, author, seq, prev, recorded_at,
 * effective_at, precision, body length. */
#define AVOW_EVENT_HEADER_BYTES (1 + 1 + 32 + 8 + 32 + 8 + 8 + 1 + 2)
#define AVOW_EVENT_MIN_BYTES    (AVOW_EVENT_HEADER_BYTES + AVOW_SIG_BYTES)
#define AVOW_BODY_MAX_BYTES     (AVOW_EVENT_MAX_BYTES - AVOW_EVENT_MIN_BYTES)

/* Domain separation for signatures: a fixed context string, NUL included. */
#define AVOW_SIG_CONTEXT       "avow/event/v1"
#define AVOW_SIG_CONTEXT_BYTES (sizeof(AVOW_SIG_CONTEXT))

/* The largest stance event (every field at its limit) must fit. */
_Static_assert(AVOW_EVENT_MIN_BYTES + 9 * 3 + AVOW_MAX_CONTEST + AVOW_MAX_ACTOR +
                   AVOW_MAX_CANDIDATE + 1 + AVOW_MAX_PERSON + AVOW_MAX_SOURCE + AVOW_MAX_QUOTE <=
                 AVOW_EVENT_MAX_BYTES,
               "a maximal stance event fits in AVOW_EVENT_MAX_BYTES");
/* ... and with every field of format v2 too (note, confidence, reported_at,
 * qualifier, from: 3-byte headers, 2 one-byte and 2 nine-byte values). */
_Static_assert(AVOW_EVENT_MIN_BYTES + 9 * 3 + AVOW_MAX_CONTEST + AVOW_MAX_ACTOR +
                   AVOW_MAX_CANDIDATE + 1 + AVOW_MAX_PERSON + AVOW_MAX_SOURCE + AVOW_MAX_QUOTE +
                   5 * 3 + AVOW_MAX_NOTE + 2 + 2 * 9 <=
                 AVOW_EVENT_MAX_BYTES,
               "a maximal v2 stance event fits in AVOW_EVENT_MAX_BYTES");
_Static_assert(AVOW_BODY_MAX_BYTES < 65536, "body length fits in a u16");
_Static_assert(AVOW_MAX_CONTEST + 1 + 8 + 8 + 32 <= 511, "by-time key fits LMDB's key size");

/* A ledger's origin is bounded by AVOW_ORIGIN_MAX (avow.h). */
_Static_assert(AVOW_ORIGIN_STRLEN == AVOW_ORIGIN_MAX + 1, "avow.h's origin buffer holds one");
_Static_assert(AVOW_CONTEST_STRLEN == AVOW_MAX_CONTEST + 1, "avow.h's contest buffer holds one");

/* Passphrases: a bound so a pasted file cannot make us allocate at will. */
#define AVOW_MAX_PASSPHRASE 1024

/* The LMDB map starts here and doubles on MDB_MAP_FULL up to the maximum. */
#define AVOW_MAP_INITIAL (UINT64_C(64) << 20)
#define AVOW_MAP_MAX     (UINT64_C(1) << 40)

#endif /* AVOW_LIMITS_H */
