/* SPDX-License-Identifier: ISC */
/*
 * limits.h - every bound on untrusted input, and every size the modules
 * tune (chunks, batches, intervals), each with its reason.
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

/* JSON read from outside (util/jparse.c) nests at most this deep: the
 * project's documents nest 4 deep; bounded so recursion cannot exhaust the
 * stack (jansson's own reader allows 2048, kept for the same inputs). */
#define AVOW_JSON_MAX_DEPTH 2048

/* ---- bounds and tuning of the modules, by the file that uses them ---- */

/* util/fsutil.c */
/* Longest path fsutil_write_atomic() takes: it and its temporary name
 * (FSUTIL_TMP_SUFFIX more bytes) are built in fixed buffers on the stack;
 * longer paths fail as ENAMETOOLONG. */
#define FSUTIL_PATH_MAX 4188

/* util/pool.c */
/* Most items claimed at once: small enough to balance the cores at the end
 * of a job, large enough that the mutex costs nothing next to a signature. */
#define POOL_MAX_GRAIN 32

/* util/pool.h */
/* Below this many items a batch is not worth waking threads for. */
#define POOL_MIN_BATCH 64

/* util/canon.h */
/* Nesting depth past which a tree is refused (the artifacts nest 4 deep). */
#define CANON_MAX_DEPTH 64

/* util/common.h */
/* Largest buffer the library builds in memory (guards size arithmetic). */
#define AVOW_BUF_MAX ((size_t)1 << 31)

/* event/rule.h */
/* The largest P, Q or N of a rule: far above any electorate, and small
 * enough that P * members never overflows. */
#define RULE_MAX_COUNT 1000000UL

/* event/ruleexpr.h */
/* Longest rule expression, in bytes: the built-ins are under 80. */
#define RULEEXPR_MAX_LEN 256
/* Most nodes (comparisons, and, or, not, group vetoes) of one expression,
 * and the deepest nesting of parentheses and `not`: a bounded, stack-free
 * evaluation. */
#define RULEEXPR_MAX_NODES 32
#define RULEEXPR_MAX_DEPTH 16
/* Longest weight or group name. */
#define RULEEXPR_MAX_NAME 32
/* Largest total of one measure over an electorate (members count 1 each):
 * 2^43 (8.8e12, above the world's population), so that a total times a
 * threshold's numerator or denominator (at most RULEEXPR_MAX_SCALE < 2^20)
 * stays below 2^63. A larger total makes the rule unevaluable. */
#define RULEEXPR_MAX_TOTAL ((unsigned long long)1 << 43)
/* Denominator of a percentage with four decimals, the finest threshold. */
#define RULEEXPR_MAX_SCALE 1000000ULL

/* derived/snapshots.h */
/* Snapshots of one query are kept in memory up to this many bytes. */
#define SNAPSHOTS_PENDING_MAX ((size_t)16 << 20)

/* tlog/note.h */
/* Most signature lines in one note, unknown ones included (the limit of
 * golang.org/x/mod/sumdb/note, so both refuse the same notes). */
#define NOTE_MAX_SIGS 100
/* Longest key name avow signs with or trusts, in bytes (an origin line is at
 * most 256 bytes); longer names on other lines are only ignored. */
#define NOTE_MAX_NAME 256

/* ledger/verify.c */
/* Events checked per chunk by the pool (two chunks are in flight). */
#define VERIFY_CHUNK 1024

/* ledger/append.c */
/* Drafts per chunk of bulk signing (avow_ledger_append_drafts). */
#define STORE_SIGN_CHUNK 256
/* Batches of at least this many events reserve map room (invariant 7) and
 * write their ids in key order (invariant 6). */
#define STORE_BATCH_MIN 64
/* Map room reserved per event of a batch, beyond its bytes (invariant 7). */
#define STORE_RESERVE_PER_EVENT 1024
/* Events per chunk of pipelined verification (avow_ledger_append_signed). */
#define STORE_VERIFY_CHUNK 1024

/* ledger/table.h */
/* The most tables one ledger handle keeps. */
#define STORE_TABLES_MAX 8

/* project/state.c */
/* Replay keeps a snapshot every this many entries. */
#define STATE_SNAPSHOT_INTERVAL 1024

/* replicate/headlist.h */
/* Most heads (or evidence entries) accepted from a peer or a heads file. */
#define HEADLIST_MAX (1u << 20)

/* io/spill.c */
/* Longest spilled record, generously: its text comes from one line of at
 * most AVOW_LINE_MAX bytes; add the fixed fields, lengths and NULs. */
#define SPILL_RECORD_MAX (2 * AVOW_LINE_MAX + 1024)

/* io/reader.h */
/* Columns a CSV record may have (the header names known fields only, so far
 * fewer are ever used; this bounds the reader's table). */
#define READER_MAX_FIELDS 32
/* Bytes read from the FILE at a time. */
#define READER_CHUNK 65536

/* io/import.c */
/* Progress is reported every this many records. */
#define IMPORT_PROGRESS_EVERY 1024
/* Unsigned records parsed per chunk (invariant 4): enough to keep every
 * core busy; a transaction (a batch) takes several chunks from the spill. */
#define IMPORT_PARSE_CHUNK 8192
/* Text of unsigned records read per chunk (one record may exceed it). */
#define IMPORT_CHUNK_TEXT (16u << 20)

/* ledger/verify.c, ledger/store.c: progress every this many events. */
#define STORE_PROGRESS_EVERY 65536

/* io/export.c: progress every this many events. */
#define EXPORT_PROGRESS_EVERY 1024

/* io/svg.h */
/* Candidates a chart draws (avow.h's AVOW_CHART_MAX_CANDIDATES): one colour
 * of its palette each; a contest with more is refused (AVOW_ERANGE). */
#define SVG_MAX_CANDIDATES 16

/* replicate/bundle.c */
/* Largest heads file or bundle, trailer included (docs/PROTOCOL.md): a
 * bundle is applied in one transaction from memory, so this bounds what a
 * file can make avow allocate. About a million typical events; larger
 * exchanges use incremental bundles (--heads) or sync. */
#define BUNDLE_MAX_BYTES  ((size_t)256 << 20)
#define BUNDLE_MAX_EVENTS (UINT64_C(1) << 26)

/* ledger/store.h */
/* Page trimming (store_trim_pages(), src/ledger/store.h): records between
 * two checks, and the resident file-backed bytes allowed before the map's
 * pages are dropped. */
#define STORE_TRIM_EVERY 256
/* The sync receiver looks up a random ids leaf per event (64 KiB resident
 * each), so it checks four times as often: 4 MiB over the budget at most. */
#define STORE_TRIM_EVERY_RANDOM 64
#define STORE_RSS_BUDGET        (32ul << 20)

/* io/http.c, io/pull.c: HTTP sync from a published log (docs/PUBLISHING.md).
 * Every response is bounded before it is kept: a checkpoint by
 * AVOW_NOTE_MAX_BYTES, a tile by its 256 hashes, a bundle by 256 entries of
 * the largest event; a server that sends more is cut off at once. Redirects
 * are few (a CDN may send one or two; a loop ends at the limit), and a
 * response that stalls (under 1 byte/s for HTTP_STALL_SECONDS, the default of
 * --timeout) or takes longer than HTTP_TOTAL_SECONDS is abandoned. */
#define HTTP_MAX_REDIRECTS    5
#define HTTP_STALL_SECONDS    30
#define HTTP_TOTAL_SECONDS    300
#define HTTP_TILE_MAX_BYTES   (256u * AVOW_HASH_BYTES)
#define HTTP_BUNDLE_MAX_BYTES ((size_t)256 * (2 + AVOW_EVENT_MAX_BYTES))
/* The hashes of the new entries are held while their bundles are fetched:
 * 32 bytes each, 128 MiB at this bound; a larger gap is pulled from a
 * replica (sync PATH) or published in steps. */
#define HTTP_PULL_MAX_ENTRIES (UINT64_C(1) << 22)

#endif /* AVOW_LIMITS_H */
