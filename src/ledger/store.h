/* SPDX-License-Identifier: ISC */
/*
 * store.h - internals of the LMDB store (src/ledger/store.c) for the modules that
 * read the ledger's indexes directly (merkle, projection, sync) and for tests.
 */
#ifndef AVOW_STORE_H
#define AVOW_STORE_H

#include <lmdb.h>

#include "util/common.h"

/* The named databases of one ledger environment (see the invariants in store.c). */
enum store_db {
    STORE_DB_META = 0,
    STORE_DB_EVENTS,
    STORE_DB_IDS,
    STORE_DB_AUTHORS,
    STORE_DB_HEADS,
    STORE_DB_BYTIME,
    STORE_DB_CONTESTS,
    STORE_DB_MERKLE,      /* audit.c: complete-subtree hashes, level(u8)||index(u64) -> 32 */
    STORE_DB_CHECKPOINTS, /* audit.c: checkpoints this ledger issued, and witness state */
    STORE_DB_SNAPSHOTS,   /* projection.c: derived projection snapshots */
    STORE_DB_RETRACTIONS, /* projection.c: per-contest retraction index */
    STORE_DB_TRUST,       /* trust.c: the local keyring (never replicated) */
    STORE_DB_FORKS,       /* sync.c: equivocation evidence */
    STORE_DB_COUNT
};

/* Size of a by-time key for a contest of contest_len bytes:
 * contest || 0x00 || time_key(effective_at) || time_key(recorded_at) || id. */
#define STORE_BYTIME_KEY_MAX (AVOW_MAX_CONTEST + 1 + 8 + 8 + AVOW_EVENT_ID_BYTES)

/* The ledger's LMDB environment and a database handle. Borrowed: valid until
 * avow_ledger_free(). */
MDB_env *store_env(const avow_ledger *ledger);
MDB_dbi store_dbi(const avow_ledger *ledger, enum store_db db);
/* The directory of the ledger. Borrowed. */
const char *store_path(const avow_ledger *ledger);

/* Map an LMDB return code to an AVOW_E* code, recording `what` and the path. */
int store_mdb_error(const avow_ledger *ledger, int rc, const char *what);

/*
 * Build the by-time key of an event whose contest (resolved through the
 * target for a retraction) is `contest`. key must hold STORE_BYTIME_KEY_MAX
 * bytes. @return the key length, or 0 when contest is too long.
 */
size_t store_bytime_key(unsigned char *key, const avow_str *contest, const avow_event *ev,
                        const unsigned char id[AVOW_EVENT_ID_BYTES]);

/* A write transaction in progress (see store_write() in store.c). Modules
 * that keep derived tables write through store_w_put/store_w_del so that a full
 * map makes the store grow it and retry the whole transaction. */
typedef struct store_w store_w;

MDB_txn *store_w_txn(const store_w *w);
const avow_ledger *store_w_ledger(const store_w *w);
int store_w_put(store_w *w, enum store_db db, const void *k, size_t klen, const void *v,
                size_t vlen, unsigned int flags);
/* Delete a key (MDB_NOTFOUND is not an error). */
int store_w_del(store_w *w, enum store_db db, const void *k, size_t klen);

/* Run fn in a write transaction of ledger, retried with a bigger map when full. */
typedef int (*store_write_fn)(store_w *w, void *ctx);
int store_write(avow_ledger *ledger, store_write_fn fn, void *ctx);

/* A read transaction (MDB_RDONLY) on the ledger; the caller aborts it. */
int store_read_begin(const avow_ledger *ledger, MDB_txn **txn);

/*
 * Hooks called by the store inside the write transaction, right after event
 * ev has been stored at log index `index` with its indexes. contest is the
 * contest it is indexed under (ptr NULL when none; for a retraction, its
 * target's contest). The Merkle tree only needs the event's leaf hash
 * (codec_hashes, computed on the worker pool). A hook that fails aborts the
 * whole append.
 */
int audit_on_append(store_w *w, uint64_t index, const unsigned char leaf[AVOW_HASH_BYTES]);
int projection_on_append(store_w *w, uint64_t index, const avow_event *ev,
                         const unsigned char id[AVOW_EVENT_ID_BYTES], const avow_str *contest);

/* avow_ledger_append_drafts() on the caller's worker pool (NULL: sign in
 * this thread), for callers that keep one pool across many batches. */
struct pool;
int store_append_drafts(avow_ledger *ledger, struct pool *p, size_t *failed_at,
                        unsigned char *ids_out, const avow_key *key, const avow_draft *drafts,
                        size_t n);

/* Value sizes and keys shared with verify.c. */
#define STORE_HEAD_BYTES       (8 + AVOW_HASH_BYTES + AVOW_EVENT_ID_BYTES)
#define STORE_AUTHOR_KEY_BYTES (AVOW_PUBKEY_BYTES + 8)
/* Progress is reported every this many events. */
#define STORE_PROGRESS_EVERY 65536

/* Shared read helpers (src/ledger/store.c): 0, AVOW_ENOTFOUND or another AVOW_E*. */
int store_txn_begin(const avow_ledger *ledger, unsigned int flags, MDB_txn **txn);
int store_get(const avow_ledger *ledger, MDB_txn *txn, enum store_db db, const void *k, size_t klen,
              MDB_val *out);
/* Parse an 8-byte big-endian index value. */
int store_index_val(uint64_t *index, const MDB_val *val);
/* The bytes of the event at a log index; borrowed from the map. */
int store_get_event(const avow_ledger *ledger, MDB_txn *txn, uint64_t index, MDB_val *raw);
int store_get_by_id(const avow_ledger *ledger, MDB_txn *txn, const unsigned char *id, MDB_val *raw,
                    uint64_t *index);
/* The contest an event is indexed under (a retraction: its target's), copied
 * into buf (AVOW_MAX_CONTEST bytes). @return 1 with *len set, 0 when none, or < 0. */
int store_resolve_contest(const avow_ledger *ledger, MDB_txn *txn, const avow_event *ev, char *buf,
                          size_t *len);

/*
 * Verification hooks: avow_ledger_verify() (src/ledger/verify.c) calls each module's
 * check of its own tables inside its read transaction; they report through
 * verify_problem() (index UINT64_MAX, seq 0, id NULL when not about one event)
 * and return < 0 only for an error that stops the check.
 */
struct verify_state;
void verify_problem(struct verify_state *s, uint64_t index, uint64_t seq, const unsigned char *id,
                    const char *fmt, ...) AVOW_PRINTF(5, 6);
/*
 * src/audit/audit.c: the Merkle tree against the log, stored checkpoints against
 * the tree. verify's forward pass feeds every record of the log in order
 * (its leaf hash and id, computed on the worker pool); _end checks what
 * only the whole log shows (checkpoints beyond it, extra nodes) when check
 * is set, and frees v either way (NULL-safe).
 */
struct audit_verify;
int audit_verify_begin(MDB_txn *txn, const avow_ledger *ledger, struct verify_state *s,
                       struct audit_verify **out);
int audit_verify_leaf(struct audit_verify *v, const unsigned char leaf[AVOW_HASH_BYTES],
                      const unsigned char id[AVOW_EVENT_ID_BYTES]);
int audit_verify_end(struct audit_verify *v, int check);
/* src/replicate/sync.c: equivocation evidence. */
int sync_verify(MDB_txn *txn, const avow_ledger *ledger, struct verify_state *s);

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
#define STORE_TRIM_EVERY 256
/* The sync receiver looks up a random ids leaf per event (64 KiB resident
 * each), so it checks four times as often: 4 MiB over the budget at most. */
#define STORE_TRIM_EVERY_RANDOM 64
#define STORE_RSS_BUDGET        (32ul << 20)
int store_trim_pages(const avow_ledger *ledger);
/* Tests only: the budget store_trim_pages() keeps to (0: drop every time). */
void store_test_rss_budget(unsigned long bytes);
void store_drop_pages(const avow_ledger *ledger);

/* Tests only: the map size the next avow_ledger_init() starts with
 * (0 restores AVOW_MAP_INITIAL), to prove that the map grows on demand. */
void store_test_initial_map(size_t bytes);
/* Tests only: write transactions redone whole for MDB_MAP_FULL so far. */
unsigned long store_test_redone(void);

#endif /* AVOW_STORE_H */
