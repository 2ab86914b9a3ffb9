/* SPDX-License-Identifier: ISC */
/*
 * avow.h - the public C API of libavow, a signed, event-sourced ledger of
 * public declarations.
 *
 * Everything the avow command-line tool does goes through this header.
 * Conventions (see docs/FORMAT.md and STYLE.md):
 *  - fallible functions return 0 or a negative AVOW_E* code; the detail of the
 *    last error on this thread is avow_error_last();
 *  - out-parameters come first; objects returned through `**out` belong to the
 *    caller and are freed with the matching NULL-safe *_free();
 *  - binary data is (pointer, length); text in decoded events is borrowed
 *    (pointer, length), valid UTF-8, never NUL-terminated;
 *  - times are UTC microseconds since 1970-01-01 (int64_t).
 */
#ifndef AVOW_H
#define AVOW_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#if defined(__GNUC__)
#define AVOW_EXTERN      __attribute__((visibility("default")))
#define AVOW_WARN_UNUSED __attribute__((warn_unused_result))
#else
#define AVOW_EXTERN
#define AVOW_WARN_UNUSED
#endif

#define AVOW_VERSION "0.1.0"

/** @defgroup avow_errors Error codes
 * @{ */
#define AVOW_OK        0
#define AVOW_EINVALID  -1  /**< bad argument or input (usage error) */
#define AVOW_EFORMAT   -2  /**< malformed bytes: event, file, frame */
#define AVOW_EVERIFY   -3  /**< a signature, hash or proof does not hold */
#define AVOW_ENOTFOUND -4  /**< no such event, contest, key or ledger */
#define AVOW_EEXISTS   -5  /**< refuses to overwrite (key file, ledger) */
#define AVOW_ECHAIN    -6  /**< event breaks its author's chain */
#define AVOW_EIO       -7  /**< I/O or storage error */
#define AVOW_ENOMEM    -8  /**< out of memory */
#define AVOW_EFULL     -9  /**< disk or map full */
#define AVOW_EKEY      -10 /**< key unusable: permissions, passphrase, format */
#define AVOW_ELOCK     -11 /**< the ledger is locked or busy */
#define AVOW_ERANGE    -12 /**< a value is past a documented limit */

/** Static description of an error code. */
AVOW_EXTERN const char *avow_strerror(int code);
/** Detailed message of the last error on this thread ("" when none). */
AVOW_EXTERN const char *avow_error_last(void);
/** @} */

/** @defgroup avow_sizes Sizes
 * @{ */
#define AVOW_PUBKEY_BYTES    32
#define AVOW_SIG_BYTES       64
#define AVOW_HASH_BYTES      32
#define AVOW_EVENT_ID_BYTES  32
#define AVOW_HEX_ID_LEN      64   /**< hex characters in an id or a public key */
#define AVOW_EVENT_MAX_BYTES 8192 /**< largest encoded event, signature included */
/** @} */

/** Growable owned buffer, freed by avow_buf_dispose(). */
typedef struct avow_buf {
    unsigned char *ptr;
    size_t len;
    size_t maxlen;
} avow_buf;

#define AVOW_BUF_INIT                                                                              \
    {                                                                                              \
        NULL, 0, 0                                                                                 \
    }

AVOW_EXTERN void avow_buf_dispose(avow_buf *buf);

/** @defgroup avow_time Times (ISO 8601)
 * @{ */

/** Precision of a time, as stored in an event's effective_at. */
typedef enum avow_precision {
    AVOW_PREC_YEAR = 1,
    AVOW_PREC_MONTH = 2,
    AVOW_PREC_DAY = 3,
    AVOW_PREC_MINUTE = 4,
    AVOW_PREC_SECOND = 5,
    AVOW_PREC_MICRO = 6
} avow_precision;

/** Earliest and latest times avow represents: 0001-01-01 .. 9999-12-31. */
#define AVOW_TIME_MIN INT64_C(-62135596800000000)
#define AVOW_TIME_MAX INT64_C(253402300799999999)

/** How avow_time_parse() resolves a time given with less than full precision. */
typedef enum avow_time_bound {
    AVOW_TIME_START = 0, /**< start of the period (declarations) */
    AVOW_TIME_END = 1    /**< end of the period (queries: --at, --known-at) */
} avow_time_bound;

/**
 * Parse an ISO 8601 time: YYYY, YYYY-MM, YYYY-MM-DD, YYYY-MM-DDTHH:MM[:SS[.ffffff]]
 * followed by Z or +HH:MM / -HH:MM (a time of day needs a zone), or "now".
 *
 * @param[out] out  microseconds since the epoch, UTC
 * @param[out] prec precision of the text (may be NULL)
 * @return 0, or AVOW_EINVALID with the reason in avow_error_last()
 */
AVOW_EXTERN int avow_time_parse(int64_t *out, avow_precision *prec, const char *text,
                                avow_time_bound bound);

/** Largest output of avow_time_format(), NUL included. */
#define AVOW_TIME_STRLEN 32

/**
 * Format a time as UTC ISO 8601. With AVOW_PREC_MICRO or AVOW_PREC_SECOND the
 * form is YYYY-MM-DDTHH:MM:SSZ, with fractional seconds only where non-zero;
 * coarser precisions print only what they carry ("2024-04", "2024-04-03").
 */
AVOW_EXTERN void avow_time_format(char out[AVOW_TIME_STRLEN], int64_t t, avow_precision prec);

/** "year", "month", "day", "minute", "second" or "micro". */
AVOW_EXTERN const char *avow_precision_name(uint8_t precision);

/** Current time, UTC microseconds. */
AVOW_EXTERN int64_t avow_time_now(void);
/** @} */

/** @defgroup avow_keys Keys
 * @{ */
typedef struct avow_key avow_key;

/** Options for avow_key_generate(). */
typedef struct avow_key_opts {
    unsigned int version;
    const char *passphrase; /**< NULL: the secret key is stored unsealed */
    size_t passphrase_len;
    const unsigned char *seed; /**< 32 bytes for a deterministic key (tests), or NULL */
} avow_key_opts;
#define AVOW_KEY_OPTS_VERSION 1
#define AVOW_KEY_OPTS_INIT                                                                         \
    {                                                                                              \
        AVOW_KEY_OPTS_VERSION, NULL, 0, NULL                                                       \
    }

/**
 * Create a new key pair and write its secret key file at path (mode 0600,
 * created exclusively, fsync'd, then renamed into place).
 *
 * @param[out] out the new key (may be NULL if only the file is wanted)
 * @return 0, AVOW_EEXISTS when path exists, AVOW_EIO
 */
AVOW_EXTERN int avow_key_generate(avow_key **out, const char *path, const avow_key_opts *opts);

/** Make a key from a 32-byte seed, in memory only (tests, benchmarks). */
AVOW_EXTERN int avow_key_from_seed(avow_key **out, const unsigned char seed[32]);

/** Passphrase callback: write at most maxlen bytes into buf and set *len. */
typedef int (*avow_passphrase_cb)(char *buf, size_t maxlen, size_t *len, void *payload);

/**
 * Load a secret key file. Refuses files readable by group or others and
 * symbolic links. A sealed key asks `cb` for its passphrase.
 *
 * @return 0, AVOW_ENOTFOUND, AVOW_EKEY (permissions, format, wrong passphrase)
 */
AVOW_EXTERN int avow_key_load(avow_key **out, const char *path, avow_passphrase_cb cb,
                              void *payload);

/** Read only the public key of a key file (no passphrase needed). */
AVOW_EXTERN int avow_key_read_public(unsigned char pk[AVOW_PUBKEY_BYTES], const char *path);

/** Whether a key file is sealed with a passphrase (1), not (0), or an error (< 0). */
AVOW_EXTERN int avow_key_file_is_sealed(const char *path);

/** The public key, borrowed: valid until avow_key_free(). */
AVOW_EXTERN const unsigned char *avow_key_public(const avow_key *key);

/** Wipe and free a key (NULL-safe). */
AVOW_EXTERN void avow_key_free(avow_key *key);
/** @} */

/** @defgroup avow_events Events
 * @{ */

/** Event kinds (format v1). Unknown kinds are kept and replicated. */
typedef enum avow_kind {
    AVOW_KIND_CONTEST = 1,            /**< contest defined: contest, title, rule */
    AVOW_KIND_MEMBER_JOIN = 2,        /**< member joins the electorate: contest, actor */
    AVOW_KIND_MEMBER_LEAVE = 3,       /**< member leaves: contest, actor */
    AVOW_KIND_CANDIDATE_ENTER = 4,    /**< candidate enters: contest, candidate */
    AVOW_KIND_CANDIDATE_WITHDRAW = 5, /**< candidate withdraws: contest, candidate */
    AVOW_KIND_STANCE = 6,             /**< stance declared: contest, actor, candidate, stance */
    AVOW_KIND_RETRACT = 7,            /**< retraction of own event: target, reason */
    AVOW_KIND_DECISION = 8            /**< decision recorded: contest, candidate */
} avow_kind;

#define AVOW_KIND_MAX_KNOWN 8

typedef enum avow_stance {
    AVOW_STANCE_NONE = 0,
    AVOW_STANCE_SUPPORTS = 1,
    AVOW_STANCE_OPPOSES = 2,
    AVOW_STANCE_UNDECIDED = 3
} avow_stance;

/** Borrowed text: valid UTF-8 without NUL, not NUL-terminated; ptr NULL when absent. */
typedef struct avow_str {
    const char *ptr;
    size_t len;
} avow_str;

/**
 * A decoded event. Every pointer borrows from the bytes it was decoded from
 * (for events read from a ledger: until the read transaction ends, see
 * avow_iter_next()).
 */
typedef struct avow_event {
    uint8_t version;
    uint8_t kind;
    const unsigned char *author; /**< 32 bytes */
    uint64_t seq;                /**< 1, 2, 3 ... per author */
    const unsigned char *prev;   /**< 32 bytes: content hash of the previous event */
    int64_t recorded_at;
    int64_t effective_at;
    uint8_t precision; /**< avow_precision of effective_at */
    avow_str contest, title, rule, actor, candidate, person, source, quote, reason;
    uint8_t stance;                 /**< avow_stance */
    const unsigned char *target;    /**< 32 bytes or NULL */
    const unsigned char *signature; /**< 64 bytes */
    const unsigned char *raw;       /**< the whole signed event */
    size_t raw_len;
} avow_event;

/**
 * Decode a signed event strictly (docs/FORMAT.md): exact lengths, known
 * version, fields in canonical order without duplicates, limits, UTF-8.
 * Does not check the signature (see avow_event_verify()).
 *
 * @return 0, or AVOW_EFORMAT naming the rule in avow_error_last()
 */
AVOW_EXTERN int avow_event_decode(avow_event *out, const unsigned char *raw, size_t len);

/** Check the event's Ed25519 signature. @return 0 or AVOW_EVERIFY */
AVOW_EXTERN AVOW_WARN_UNUSED int avow_event_verify(const avow_event *ev);

/** The event id: SHA-256 of the whole signed event. */
AVOW_EXTERN void avow_event_id(unsigned char id[AVOW_EVENT_ID_BYTES], const avow_event *ev);

/** The content hash: SHA-256 of the signed message (the event less its signature). */
AVOW_EXTERN void avow_event_content_hash(unsigned char h[AVOW_HASH_BYTES], const avow_event *ev);

/** What a new event says; text fields are NUL-terminated, NULL when absent. */
typedef struct avow_draft {
    uint8_t kind;
    int64_t effective_at;
    uint8_t precision; /**< 0 means AVOW_PREC_MICRO */
    const char *contest, *title, *rule, *actor, *candidate, *person, *source, *quote, *reason;
    uint8_t stance;
    const unsigned char *target; /**< 32 bytes or NULL */
} avow_draft;

#define AVOW_DRAFT_INIT                                                                            \
    {                                                                                              \
        0, 0, 0, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, 0, NULL                     \
    }

/**
 * Encode and sign an event. Checks the draft against the same rules the
 * decoder enforces, so what is signed always decodes.
 *
 * @param[out] out the signed event bytes (appended to out)
 * @return 0, AVOW_EINVALID (the draft breaks a rule), AVOW_ENOMEM
 */
AVOW_EXTERN int avow_event_sign(avow_buf *out, const avow_draft *draft, const avow_key *key,
                                uint64_t seq, const unsigned char prev[AVOW_HASH_BYTES],
                                int64_t recorded_at);

AVOW_EXTERN const char *avow_kind_name(uint8_t kind);
/** Parse a kind name ("stance", "contest", ...). @return the kind, or 0 */
AVOW_EXTERN uint8_t avow_kind_parse(const char *name);
AVOW_EXTERN const char *avow_stance_name(uint8_t stance);
/** @return the stance, or AVOW_STANCE_NONE */
AVOW_EXTERN uint8_t avow_stance_parse(const char *name);

/**
 * Check a decision rule: "unanimity", "majority", "P/Q" (1 <= P <= Q) or "N"
 * (N >= 1). @return 0 or AVOW_EINVALID
 */
AVOW_EXTERN int avow_rule_check(const char *rule, size_t len);

/**
 * Render an event as one JSON object (no newline): id, kind, author, seq,
 * prev, recorded_at, effective_at, effective_precision, body fields,
 * signature, index, and raw (base64) when with_raw.
 */
AVOW_EXTERN int avow_event_to_json(avow_buf *out, const avow_event *ev, uint64_t index,
                                   int with_raw);

/** Lowercase hex of n bytes into out (2n+1 bytes). */
AVOW_EXTERN void avow_hex(char *out, const unsigned char *bytes, size_t n);
/** Parse exactly 2n hex characters. @return 0 or AVOW_EINVALID */
AVOW_EXTERN int avow_unhex(unsigned char *out, size_t n, const char *hex);
/** @} */

/** @defgroup avow_ledger Ledger
 * @{ */
typedef struct avow_ledger avow_ledger;

#define AVOW_OPEN_READONLY 0x1u

/**
 * Create a new, empty ledger in directory path (created if missing).
 * @return 0, AVOW_EEXISTS (a ledger is already there), AVOW_EIO
 */
AVOW_EXTERN int avow_ledger_init(const char *path, const char *origin);

/**
 * Open an existing ledger.
 * @return 0, AVOW_ENOTFOUND (no ledger at path), AVOW_EIO, AVOW_ELOCK
 */
AVOW_EXTERN int avow_ledger_open(avow_ledger **out, const char *path, unsigned int flags);

AVOW_EXTERN void avow_ledger_free(avow_ledger *ledger);

/** The ledger's origin line (a stable name set at init). Borrowed. */
AVOW_EXTERN const char *avow_ledger_origin(const avow_ledger *ledger);

/** Number of events in the log. */
AVOW_EXTERN int avow_ledger_count(const avow_ledger *ledger, uint64_t *out);

/**
 * Sign a draft with key as the author's next event and append it, in one
 * write transaction: the next seq and prev hash are read inside it, so
 * concurrent writers with the same key never fork the chain. recorded_at is
 * now (never earlier than the author's previous event). Checks, all before
 * anything is written: the draft is well formed (AVOW_EINVALID); a contest
 * draft names a new contest (AVOW_EEXISTS); any other kind but a retraction
 * names a contest defined in this ledger (AVOW_ENOTFOUND); a retraction's
 * target is an event of the same author in this ledger (AVOW_ENOTFOUND /
 * AVOW_EINVALID).
 *
 * @param[out] id_out the new event's id (may be NULL)
 * @return 0, AVOW_EINVALID, AVOW_ENOTFOUND, AVOW_EEXISTS, AVOW_EIO, AVOW_EFULL
 */
AVOW_EXTERN int avow_ledger_append(avow_ledger *ledger, unsigned char id_out[AVOW_EVENT_ID_BYTES],
                                   const avow_key *key, const avow_draft *draft);

/**
 * Sign and append n drafts in one transaction (bulk import, `member add A B C`),
 * with the checks of avow_ledger_append(); a draft may name a contest defined
 * earlier in the same batch. All or nothing.
 *
 * @param[out] failed_at index of the draft that failed (may be NULL)
 * @param[out] ids_out   n * AVOW_EVENT_ID_BYTES bytes: the new ids in order (may be NULL)
 */
AVOW_EXTERN int avow_ledger_append_drafts(avow_ledger *ledger, size_t *failed_at,
                                          unsigned char *ids_out, const avow_key *key,
                                          const avow_draft *drafts, size_t n);

/** Result of appending signed events. */
typedef struct avow_append_result {
    size_t appended;   /**< new events stored */
    size_t duplicates; /**< already present: skipped */
    size_t failed_at;  /**< index of the event that failed, when the call fails */
} avow_append_result;

/**
 * Verify and append already-signed events in one transaction: each is
 * decoded strictly, its signature checked and its chain link checked against
 * the author's head (or an earlier event of the same batch). An event whose id
 * is already present is skipped. If any event fails, nothing is appended.
 *
 * @return 0, AVOW_EFORMAT, AVOW_EVERIFY, AVOW_ECHAIN, AVOW_EIO, AVOW_EFULL
 */
AVOW_EXTERN int avow_ledger_append_signed(avow_ledger *ledger, avow_append_result *res,
                                          const unsigned char *const *events, const size_t *lens,
                                          size_t n);

/**
 * Find an event by id and copy its bytes to out.
 * @param[out] index_out its 0-based position in the log (may be NULL)
 * @return 0, AVOW_ENOTFOUND
 */
AVOW_EXTERN int avow_ledger_get(avow_ledger *ledger, avow_buf *out, uint64_t *index_out,
                                const unsigned char id[AVOW_EVENT_ID_BYTES]);

/** Find the unique event whose hex id starts with prefix (at least 8 chars). */
AVOW_EXTERN int avow_ledger_resolve_id(avow_ledger *ledger, unsigned char id[AVOW_EVENT_ID_BYTES],
                                       const char *hex_prefix);

/** Head of an author: last seq (0 when the author has no events) and its content hash. */
AVOW_EXTERN int avow_ledger_head(avow_ledger *ledger, uint64_t *seq,
                                 unsigned char hash[AVOW_HASH_BYTES],
                                 const unsigned char author[AVOW_PUBKEY_BYTES]);

/** Whether a contest is defined (1), not (0), or an error (< 0). */
AVOW_EXTERN int avow_ledger_has_contest(avow_ledger *ledger, const char *contest);

/** Log iterator: events in log order, optionally filtered. */
typedef struct avow_iter avow_iter;

typedef struct avow_iter_opts {
    unsigned int version;
    const char *contest;         /**< only this contest (and retractions of its events) */
    const unsigned char *author; /**< only this author (32 bytes) */
    uint64_t start;              /**< first log index */
} avow_iter_opts;
#define AVOW_ITER_OPTS_VERSION 1
#define AVOW_ITER_OPTS_INIT                                                                        \
    {                                                                                              \
        AVOW_ITER_OPTS_VERSION, NULL, NULL, 0                                                      \
    }

AVOW_EXTERN int avow_iter_new(avow_iter **out, avow_ledger *ledger, const avow_iter_opts *opts);

/**
 * Next event. The event borrows from the ledger's memory map and is valid
 * until the next call or avow_iter_free().
 *
 * @param[out] index the event's log index
 * @return 1 (an event), 0 (end), or a negative error (a stored event that does
 *         not decode is AVOW_EFORMAT: run verify)
 */
AVOW_EXTERN int avow_iter_next(avow_iter *it, avow_event *ev, uint64_t *index);

AVOW_EXTERN void avow_iter_free(avow_iter *it);

/** One problem found by avow_ledger_verify(). */
typedef struct avow_problem {
    uint64_t index;                        /**< log index, UINT64_MAX when not about one event */
    uint64_t seq;                          /**< author seq, 0 when unknown */
    unsigned char id[AVOW_EVENT_ID_BYTES]; /**< all zero when unknown */
    const char *what;                      /**< borrowed for the callback's duration */
} avow_problem;

typedef void (*avow_problem_cb)(const avow_problem *problem, void *payload);

/** Progress callback for long work: done out of total. */
typedef void (*avow_progress_cb)(uint64_t done, uint64_t total, void *payload);

typedef struct avow_verify_opts {
    unsigned int version;
    avow_problem_cb on_problem;
    avow_progress_cb on_progress;
    void *payload;
} avow_verify_opts;
#define AVOW_VERIFY_OPTS_VERSION 1
#define AVOW_VERIFY_OPTS_INIT                                                                      \
    {                                                                                              \
        AVOW_VERIFY_OPTS_VERSION, NULL, NULL, NULL                                                 \
    }

/**
 * Check the whole ledger: every event decodes strictly, its signature and id
 * hold, every author chain is gapless and linked, every index entry points at
 * the right event and every event is indexed.
 *
 * @param[out] events  number of events checked
 * @param[out] problems number of problems found (each reported to on_problem)
 * @return 0 when the check ran (look at *problems), or an error that stopped it
 */
AVOW_EXTERN int avow_ledger_verify(avow_ledger *ledger, uint64_t *events, uint64_t *problems,
                                   const avow_verify_opts *opts);
/** @} */

/* BEGIN projection API */
/* END projection API */

/* BEGIN audit API */
/* END audit API */

/* BEGIN replication API */
/* END replication API */

#ifdef __cplusplus
}
#endif

#endif /* AVOW_H */
