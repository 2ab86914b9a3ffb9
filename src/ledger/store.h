/* SPDX-License-Identifier: ISC */
/*
 * store.h - the ledger layer's interface for the layers above it: the named
 * tables of one ledger, read transactions and cursors over them, write
 * transactions that grow the map on demand, and the derived tables that the
 * store keeps in the same transaction as each append (ledger/table.h).
 *
 * Nothing here names LMDB: only src/ledger/ includes <lmdb.h>
 * (tools/checksrc). A store_txn and a store_cursor are LMDB's own handles
 * under another name; the bytes of a store_val read in a transaction are
 * borrowed from the map and valid until that transaction ends or writes
 * (LMDB's rule for MDB_val).
 */
#ifndef AVOW_STORE_H
#define AVOW_STORE_H

#include "event/codec.h"
#include "util/common.h"

/* The named databases of one ledger environment (listed in store.c, with
 * the invariants of each file of src/ledger/): the ledger's schema, as docs/FORMAT.md
 * lists it. */
enum store_db {
    STORE_DB_META = 0,
    STORE_DB_EVENTS,
    STORE_DB_IDS,
    STORE_DB_AUTHORS,
    STORE_DB_HEADS,
    STORE_DB_BYTIME,
    STORE_DB_CONTESTS,
    STORE_DB_MERKLE,      /* complete-subtree hashes, level(u8)||index(u64) -> 32 */
    STORE_DB_CHECKPOINTS, /* checkpoints this ledger issued, and witness state */
    STORE_DB_SNAPSHOTS,   /* derived projection snapshots */
    STORE_DB_RETRACTIONS, /* per-contest retraction index */
    STORE_DB_TRUST,       /* the local keyring (never replicated) */
    STORE_DB_FORKS,       /* equivocation evidence */
    STORE_DB_COUNT
};

/* Size of a by-time key for a contest of contest_len bytes:
 * contest || 0x00 || time_key(effective_at) || time_key(recorded_at) || id. */
#define STORE_BYTIME_KEY_MAX (AVOW_MAX_CONTEST + 1 + 8 + 8 + AVOW_EVENT_ID_BYTES)
/* Value sizes and keys of the core tables. */
#define STORE_HEAD_BYTES       (8 + AVOW_HASH_BYTES + AVOW_EVENT_ID_BYTES)
#define STORE_AUTHOR_KEY_BYTES (AVOW_PUBKEY_BYTES + 8)

/* ---- reading ------------------------------------------------------------ */

typedef struct store_txn store_txn;
typedef struct store_cursor store_cursor;

/* Bytes borrowed from the map (see the header comment). */
typedef struct store_val {
    const unsigned char *ptr;
    size_t len;
} store_val;

/* Cursor moves. STORE_SEEK and STORE_EXACT take the key to find in *key. */
enum store_op {
    STORE_FIRST,
    STORE_LAST,
    STORE_NEXT,
    STORE_PREV,
    STORE_SEEK,  /* the first key >= *key */
    STORE_EXACT, /* exactly *key */
};

/* A read transaction on the ledger; end it with store_txn_end(). */
int store_txn_read(store_txn **out, const avow_ledger *ledger);
/* End a read transaction (NULL-safe). */
void store_txn_end(store_txn *txn);

/* The value of key k in table db: 0, AVOW_ENOTFOUND, or another AVOW_E*. */
int store_val_get(store_val *out, const avow_ledger *ledger, store_txn *txn, enum store_db db,
                  const void *k, size_t klen);
/* The number of records of table db. */
int store_count(uint64_t *out, const avow_ledger *ledger, store_txn *txn, enum store_db db);

int store_cursor_open(store_cursor **out, const avow_ledger *ledger, store_txn *txn,
                      enum store_db db);
/* Move the cursor: 0 with *key and *val set, AVOW_ENOTFOUND past either end
 * (or no such key), or another AVOW_E*. val may be NULL. */
int store_cursor_get(store_cursor *c, store_val *key, store_val *val, enum store_op op);
/* Delete the record under the cursor (write transactions only). */
int store_cursor_del(store_cursor *c);
/* NULL-safe. */
void store_cursor_close(store_cursor *c);

/* Parse an 8-byte big-endian index value. */
int store_index_of(uint64_t *index, const store_val *val);
/* The bytes of the event at a log index; borrowed from the map. */
int store_event_at(store_val *raw, const avow_ledger *ledger, store_txn *txn, uint64_t index);
/* The bytes and log index (may be NULL) of the event with this id. */
int store_event_by_id(store_val *raw, uint64_t *index, const avow_ledger *ledger, store_txn *txn,
                      const unsigned char id[AVOW_EVENT_ID_BYTES]);
/* The contest an event is indexed under (a retraction: its target's), copied
 * into buf (AVOW_MAX_CONTEST bytes). @return 1 with *len set, 0 when none, or < 0. */
int store_contest_of(char *buf, size_t *len, const avow_ledger *ledger, store_txn *txn,
                     const avow_event *ev);
/* A record of the heads table (src/ledger/heads.c): the last link of an
 * author's chain. Copied out of the map. */
typedef struct store_head {
    unsigned char author[AVOW_PUBKEY_BYTES]; /* the key; zeros when none was given */
    uint64_t seq;
    unsigned char hash[AVOW_HASH_BYTES]; /* the content hash of the event at seq */
    unsigned char id[AVOW_EVENT_ID_BYTES];
} store_head;

/* Decode a record of the heads table: its key (may be NULL) and value. The one
 * decoder of the heads value. @return 0, or AVOW_EIO ("malformed head entry
 * (run avow verify)") when the key or the value has the wrong size. */
int store_head_decode(store_head *out, const store_val *key, const store_val *val);

/* The directory of the ledger. Borrowed. */
const char *store_path(const avow_ledger *ledger);

/*
 * Build the by-time key of an event whose contest (resolved through the
 * target for a retraction) is `contest`. key must hold STORE_BYTIME_KEY_MAX
 * bytes. @return the key length, or 0 when contest is too long.
 */
size_t store_bytime_key(unsigned char *key, const avow_str *contest, const avow_event *ev,
                        const unsigned char id[AVOW_EVENT_ID_BYTES]);

/*
 * A stance dated by an interval (format v2, qualifier between) has a second
 * by-time entry at the interval's start, its opening, so that a query at a
 * time inside the interval sees it (as "possible") without reading ahead
 * (docs/PROJECTIONS.md "Uncertain dates"). The opening's key is the event's
 * by-time key with `from` in place of effective_at; its value is the same.
 */
static inline int
store_bytime_opens(const avow_event *ev)
{
    return ev->kind == AVOW_KIND_STANCE && ev->qualifier == AVOW_AT_BETWEEN &&
           ev->from_precision != 0 && ev->from < ev->effective_at;
}

/* The opening's key, or 0 when the event has none (or contest is too long). */
size_t store_bytime_open_key(unsigned char *key, const avow_str *contest, const avow_event *ev,
                             const unsigned char id[AVOW_EVENT_ID_BYTES]);

/*
 * The ledger's generation: a counter that every change to what counts in a
 * projection without a new chain event bumps (a keyring change, fork
 * evidence, a key succession). Caches derived from projections record the
 * generation they were built at and are stale when it differs; no module
 * invalidates another's cache by calling it.
 */
int store_generation(uint64_t *out, const avow_ledger *ledger, store_txn *txn);

/* ---- writing ------------------------------------------------------------ */

/* A write transaction in progress (see store_write() in store.c). Modules
 * that keep derived tables write through store_w_put/store_w_del so that a full
 * map makes the store grow it and retry the whole transaction. */
typedef struct store_w store_w;

/* Flags of store_w_put(). */
#define STORE_PUT_NEW    0x10u    /* fail with AVOW_EEXISTS when the key is there */
#define STORE_PUT_APPEND 0x20000u /* the key sorts after every key of the table */

/* The write transaction, for reading what it has written. */
store_txn *store_w_view(const store_w *w);
const avow_ledger *store_w_ledger(const store_w *w);
int store_w_put(store_w *w, enum store_db db, const void *k, size_t klen, const void *v,
                size_t vlen, unsigned int flags);
/* Delete a key (a missing key is not an error). */
int store_w_del(store_w *w, enum store_db db, const void *k, size_t klen);
/* Delete every record of table db. */
int store_w_clear(store_w *w, enum store_db db);
/* Bump the ledger's generation (see store_generation()). */
int store_w_bump_generation(store_w *w);

/* Run fn in a write transaction of ledger, retried with a bigger map when full. */
typedef int (*store_write_fn)(store_w *w, void *ctx);
int store_write(avow_ledger *ledger, store_write_fn fn, void *ctx);

/* avow_ledger_append_drafts() on the caller's worker pool (NULL: sign in
 * this thread), for callers that keep one pool across many batches. */
struct pool;
int store_append_drafts(avow_ledger *ledger, struct pool *p, size_t *failed_at,
                        unsigned char *ids_out, const avow_key *key, const avow_draft *drafts,
                        size_t n);

/* avow_ledger_append_signed() that keeps forks as evidence (the tables'
 * on_fork, ledger/table.h) instead of refusing them; *forks counts new evidence. */
int store_append_signed_keep_forks(avow_ledger *ledger, avow_append_result *res, size_t *forks,
                                   const unsigned char *const *events, const size_t *lens,
                                   size_t n);

/* The same with the signatures already checked by the caller: verified[i] = 1
 * when event i decoded strictly and its signature held, and then hashes[i]
 * (may be NULL) holds its hashes (jobs_verify_start()); the others are
 * checked in the transaction. Internal: never a public "trust me" flag. */
int store_append_signed_checked(avow_ledger *ledger, avow_append_result *res, size_t *forks,
                                const unsigned char *const *events, const size_t *lens, size_t n,
                                const unsigned char *verified, const codec_hashes *hashes);

/* ---- verification sink -------------------------------------------------- */

/*
 * avow_ledger_verify() (src/ledger/verify.c) checks the core tables and calls
 * each derived table's checks (ledger/table.h) inside its read transaction;
 * they report through verify_problem() (index UINT64_MAX, seq 0, id NULL when
 * not about one event) and return < 0 only for an error that stops the check.
 */
struct verify_state;
void verify_problem(struct verify_state *s, uint64_t index, uint64_t seq, const unsigned char *id,
                    const char *fmt, ...) AVOW_PRINTF(5, 6);

/* ---- the map's resident pages ------------------------------------------- */

/*
 * store_drop_pages() drops the pages of the ledger's map from this process
 * (madvise MADV_DONTNEED; the map is read-only and shared, so the data stays
 * in the page cache and a later read faults it back in). Pointers into the
 * map stay valid. Never fails.
 *
 * Long scans (verify, replay, sync send) and the sync receiver's append
 * transactions call store_trim_pages() every STORE_TRIM_EVERY records, import
 * after each transaction (dropping inside its large transactions would fault
 * each random ids leaf in again): it drops the map's
 * pages only when the process's file-backed resident pages exceed
 * STORE_RSS_BUDGET, so that the resident size does not grow with the log
 * while pages read again soon (the upper B-tree levels, a random-keyed
 * index that fits) are not faulted in again for nothing. Each fault maps up
 * to 16 neighbouring cached pages ("fault-around"), so a random-keyed index
 * (ids) can fill the budget within a few hundred events. @return 1 when it
 * dropped.
 */
int store_trim_pages(const avow_ledger *ledger);
void store_drop_pages(const avow_ledger *ledger);

#ifdef AVOW_TEST
/* Test seams, in the test build of the library only (CMakeLists.txt). */
/* The budget store_trim_pages() keeps to (0: drop every time). */
void store_test_rss_budget(unsigned long bytes);
/* The map size the next avow_ledger_init() starts with (0 restores
 * AVOW_MAP_INITIAL), to prove that the map grows on demand. */
void store_test_initial_map(size_t bytes);
/* Write transactions redone whole for a full map so far. */
unsigned long store_test_redone(void);
#endif

#endif /* AVOW_STORE_H */
