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
 *  - times are UTC microseconds since 1970-01-01 (int64_t);
 *  - Callbacks: every callback returns int and ends with `void *payload`;
 *    0 continues, a negative value stops the call, which undoes nothing it
 *    already committed and returns that value (so return an AVOW_E* code, or
 *    a negative code of your own that no AVOW_E* uses);
 *  - the groups below come in dependency order: errors, sizes, buffers and
 *    times; keys; events; the ledger; projections; tamper evidence;
 *    replication; interchange and charts.
 *
 * Caveats:
 *  - Threads. The library keeps no mutable global state but the detail of
 *    the last error, which is per thread. A handle (avow_ledger, avow_iter,
 *    avow_state, avow_trust, ...) is used by one thread at a time: serialize
 *    calls on a shared handle yourself. Handles of different ledgers may be
 *    used from different threads. Appends, verify and import run a worker
 *    pool of their own inside the call.
 *  - One open per process. Open each ledger directory at most once in a
 *    process at a time, and do not open its files by other means: LMDB's
 *    locks belong to the process, and a second open (or closing another
 *    descriptor of its files) breaks them. Several processes may open the
 *    same ledger; writers take turns (LMDB's writer lock).
 *  - Iterators. An open avow_iter holds a read transaction: while it is
 *    open, the map cannot grow, so an append through the same handle that
 *    needs a larger map fails with AVOW_ELOCK. Free iterators before
 *    appending. A long-lived reader also keeps the pages it sees from being
 *    reused, so the file grows.
 *  - fork(). A handle opened before fork() is not used in the child.
 *  - Borrowed memory. Text and bytes of a decoded avow_event point into the
 *    bytes it was decoded from; pointers returned by accessors live as long
 *    as the object they came from.
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
#define AVOW_EINVALID  (-1)  /**< bad argument or input (usage error) */
#define AVOW_EFORMAT   (-2)  /**< malformed bytes: event, file, frame */
#define AVOW_EVERIFY   (-3)  /**< a signature, hash or proof does not hold */
#define AVOW_ENOTFOUND (-4)  /**< no such event, contest, key or ledger */
#define AVOW_EEXISTS   (-5)  /**< refuses to overwrite (key file, ledger) */
#define AVOW_ECHAIN    (-6)  /**< event breaks its author's chain */
#define AVOW_EIO       (-7)  /**< I/O or storage error */
#define AVOW_ENOMEM    (-8)  /**< out of memory */
#define AVOW_EFULL     (-9)  /**< disk or map full */
#define AVOW_EKEY      (-10) /**< key unusable: permissions, passphrase, format */
#define AVOW_ELOCK     (-11) /**< the ledger is locked or busy */
#define AVOW_ERANGE    (-12) /**< a value is past a documented limit */
#define AVOW_ECORRUPT  (-13) /**< the ledger's file is damaged or truncated */

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
#define AVOW_SEED_BYTES      32   /**< an Ed25519 key seed */
#define AVOW_CONTEST_STRLEN  65   /**< a contest id (at most 64 bytes) and its NUL */
#define AVOW_ORIGIN_STRLEN   257  /**< a ledger's origin (at most 256 bytes) and its NUL */
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

/** Open a file a user named, for reading, refusing anything but a regular
 * file without blocking on it: opened O_NONBLOCK (a FIFO cannot hang the
 * open), then fstat'ed, then O_NONBLOCK cleared. *fd_out is the caller's to
 * close. "-" is not special here.
 * @return 0, AVOW_ENOTFOUND (no such file), AVOW_EINVALID (not a regular
 * file), AVOW_EIO */
AVOW_EXTERN int avow_file_open(int *fd_out, const char *path);

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

/**
 * When a row happened, as well as it is known (format v2, docs/FORMAT.md
 * "Uncertain dates"): the instant from which it counts, how it is
 * qualified, and for an interval its start.
 */
typedef struct avow_at {
    int64_t at;        /**< effective_at: from this instant on the row counts */
    uint8_t precision; /**< avow_precision of at */
    uint8_t qualifier; /**< avow_qualifier */
    int64_t from;      /**< with AVOW_AT_BETWEEN: the first microsecond of the interval */
    uint8_t from_precision;
} avow_at;

/** Room for avow_at_format(): two times, a slash, "../" or "~", and the NUL. */
#define AVOW_AT_STRLEN (2 * AVOW_TIME_STRLEN + 4)

/**
 * Parse the date of a row: any form of avow_time_parse() (exact, counting
 * from the start of its period), `D~` (approximately: from the start of D),
 * `../D` (on or before: from the end of D) or `A/B` (some time in the
 * interval: from the end of B; A must start before B). A subset of ISO 8601-2
 * (EDTF) level 1; the rest of it (`?`, `%`, open ends, unspecified digits,
 * seasons) is refused with a hint.
 *
 * @return 0, or AVOW_EINVALID with the reason in avow_error_last()
 */
AVOW_EXTERN int avow_at_parse(avow_at *out, const char *text);

/** Write a parsed date back in the form avow_at_parse() reads. */
AVOW_EXTERN void avow_at_format(char out[AVOW_AT_STRLEN], const avow_at *at);
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
AVOW_EXTERN int avow_key_from_seed(avow_key **out, const unsigned char seed[AVOW_SEED_BYTES]);

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

/** Event kinds (docs/FORMAT.md). Unknown kinds are kept and replicated. */
typedef enum avow_kind {
    AVOW_KIND_CONTEST = 1,            /**< contest defined: contest, title, rule */
    AVOW_KIND_MEMBER_JOIN = 2,        /**< member joins the electorate: contest, actor */
    AVOW_KIND_MEMBER_LEAVE = 3,       /**< member leaves: contest, actor */
    AVOW_KIND_CANDIDATE_ENTER = 4,    /**< candidate enters: contest, candidate */
    AVOW_KIND_CANDIDATE_WITHDRAW = 5, /**< candidate withdraws: contest, candidate */
    AVOW_KIND_STANCE = 6,             /**< stance declared: contest, actor, candidate, stance */
    AVOW_KIND_RETRACT = 7,            /**< retraction of own event: target, reason */
    AVOW_KIND_DECISION = 8,           /**< decision recorded: contest, candidate */
    AVOW_KIND_CANDIDATE_SIGNAL = 10,  /**< v2: a reported plan to stand: contest, candidate */
    AVOW_KIND_CONTEST_AMEND = 11,     /**< v2: the definition amended: contest, and title,
                                           rule or choice */
    AVOW_KIND_ACTOR_NAME = 14         /**< v2: an actor's display name in a contest: contest,
                                           actor, title (the name) */
} avow_kind;

/** The highest kind a draft may have (kind 9, key succession, is written by
 * avow_ledger_rotate_key() only). */
#define AVOW_KIND_MAX_KNOWN 14

typedef enum avow_stance {
    AVOW_STANCE_NONE = 0,
    AVOW_STANCE_SUPPORTS = 1,
    AVOW_STANCE_OPPOSES = 2,
    AVOW_STANCE_UNDECIDED = 3,
    AVOW_STANCE_ABSTAINS = 4 /**< format v2 */
} avow_stance;

/** The analyst's confidence in a row (format v2); NONE when not given. */
typedef enum avow_confidence {
    AVOW_CONFIDENCE_NONE = 0,
    AVOW_CONFIDENCE_LOW = 1,
    AVOW_CONFIDENCE_MEDIUM = 2,
    AVOW_CONFIDENCE_HIGH = 3
} avow_confidence;

/** How well the date of a row is known (format v2, docs/FORMAT.md "Uncertain dates"). */
typedef enum avow_qualifier {
    AVOW_AT_EXACT = 0,       /**< on that day (or year, month, ...) */
    AVOW_AT_APPROXIMATE = 1, /**< about then: D~ */
    AVOW_AT_BY = 2,          /**< on or before the end of that period: ../D */
    AVOW_AT_BETWEEN = 3      /**< some time in an interval: A/B */
} avow_qualifier;

/** Whether an actor may support several candidates of a contest (format v2). */
typedef enum avow_choice {
    AVOW_CHOICE_NONE = 0,    /**< not said: format v1 rules (several, no lapse) */
    AVOW_CHOICE_SINGLE = 1,  /**< one: a later supports ends support for the others */
    AVOW_CHOICE_MULTIPLE = 2 /**< several */
} avow_choice;

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
    /* Format v2 (zero in a v1 event). A time whose precision is 0 is absent. */
    avow_str note;        /**< the analyst's paraphrase or caveat */
    int64_t reported_at;  /**< when it became public */
    int64_t from;         /**< start of a between interval */
    int64_t takes_effect; /**< when a decision takes effect */
    uint8_t confidence;   /**< avow_confidence */
    uint8_t qualifier;    /**< avow_qualifier of effective_at */
    uint8_t choice;       /**< avow_choice (contest, contest-amend) */
    uint8_t reported_precision;
    uint8_t from_precision;
    uint8_t takes_effect_precision;
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
    /* Format v2: a draft that sets any of these, a v2 kind or stance is
     * written as version 2, any other as version 1. A time whose precision
     * is 0 is absent. With qualifier AVOW_AT_BY or AVOW_AT_BETWEEN,
     * effective_at is the LAST microsecond of its period (the row counts from
     * the end of it); otherwise the first. */
    const char *note;
    int64_t reported_at;
    int64_t from; /**< with AVOW_AT_BETWEEN: the first microsecond of the interval */
    int64_t takes_effect;
    uint8_t confidence; /**< avow_confidence */
    uint8_t qualifier;  /**< avow_qualifier */
    uint8_t choice;     /**< avow_choice */
    uint8_t reported_precision;
    uint8_t from_precision;
    uint8_t takes_effect_precision;
} avow_draft;

#define AVOW_DRAFT_INIT                                                                            \
    {                                                                                              \
        0, 0, 0, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, 0, NULL, NULL, 0, 0, 0, 0,  \
          0, 0, 0, 0, 0                                                                            \
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

/** Whether the event's kind has a meaning in its format version (v1: 1-9,
 * v2: 1-11); projections ignore the others. */
AVOW_EXTERN int avow_event_kind_known(const avow_event *ev);

AVOW_EXTERN const char *avow_kind_name(uint8_t kind);
/** "low", "medium", "high", or NULL for AVOW_CONFIDENCE_NONE and unknown values. */
AVOW_EXTERN const char *avow_confidence_name(uint8_t confidence);
/** @return the confidence, or AVOW_CONFIDENCE_NONE */
AVOW_EXTERN uint8_t avow_confidence_parse(const char *name);
/** "exact", "approximate", "by", "between" ("exact" for unknown values). */
AVOW_EXTERN const char *avow_qualifier_name(uint8_t qualifier);
/** "single", "multiple", or NULL for AVOW_CHOICE_NONE. */
AVOW_EXTERN const char *avow_choice_name(uint8_t choice);
/** @return the choice, or AVOW_CHOICE_NONE */
AVOW_EXTERN uint8_t avow_choice_parse(const char *name);
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

/** Options of avow_event_json(). */
typedef struct avow_event_json_opts {
    unsigned int version;
    int with_raw;       /**< 1: add raw, the signed bytes in base64 */
    const char *status; /**< non-NULL: a last member "status" with this text (the CLI
                             puts the replica's trust status there: trusted, untrusted,
                             forked) */
} avow_event_json_opts;
#define AVOW_EVENT_JSON_OPTS_VERSION 1
#define AVOW_EVENT_JSON_OPTS_INIT                                                                  \
    {                                                                                              \
        AVOW_EVENT_JSON_OPTS_VERSION, 0, NULL                                                      \
    }

/**
 * avow_event_to_json() with options: the same members in the same order,
 * then "status" when opts->status is set, written in one pass (no reparse).
 * @return 0, AVOW_EINVALID (unknown opts version), AVOW_ENOMEM
 */
AVOW_EXTERN int avow_event_json(avow_buf *out, const avow_event *ev, uint64_t index,
                                const avow_event_json_opts *opts);

/**
 * What an event must say to pass a filter (avow_event_match(); `avow log`'s
 * filters). Every condition given must hold; NULL, 0 or an open bound means
 * "any". Filters look at the event's own fields: a retraction has no actor or
 * candidate, so an actor or candidate filter leaves retractions out.
 */
typedef struct avow_event_filter {
    unsigned int version;
    const char *actor;     /**< the event's actor is exactly this */
    const char *candidate; /**< the event's candidate is exactly this */
    uint8_t kind;          /**< the event is of this kind (avow_kind_parse()); 0: any */
    int64_t since;         /**< effective_at >= since; AVOW_TIME_MIN: no bound */
    int64_t until;         /**< effective_at <= until; AVOW_TIME_MAX: no bound */
    const char *grep;      /**< this text occurs in source, person, quote or note
                                (ASCII letters match either case); NULL or "": any */
} avow_event_filter;
#define AVOW_EVENT_FILTER_VERSION 1
#define AVOW_EVENT_FILTER_INIT                                                                     \
    {                                                                                              \
        AVOW_EVENT_FILTER_VERSION, NULL, NULL, 0, AVOW_TIME_MIN, AVOW_TIME_MAX, NULL               \
    }

/** Whether ev passes filter f (NULL: every event passes). @return 1 or 0 */
AVOW_EXTERN int avow_event_match(const avow_event *ev, const avow_event_filter *f);

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
AVOW_EXTERN int avow_ledger_count(uint64_t *out, const avow_ledger *ledger);

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
AVOW_EXTERN int avow_ledger_append(unsigned char id_out[AVOW_EVENT_ID_BYTES], avow_ledger *ledger,
                                   const avow_key *key, const avow_draft *draft);

/**
 * Sign and append n drafts in one transaction (bulk import, `member add A B C`),
 * with the checks of avow_ledger_append(); a draft may name a contest defined
 * earlier in the same batch. All or nothing.
 *
 * @param[out] failed_at index of the draft that failed (may be NULL)
 * @param[out] ids_out   n * AVOW_EVENT_ID_BYTES bytes: the new ids in order (may be NULL)
 */
AVOW_EXTERN int avow_ledger_append_drafts(size_t *failed_at, unsigned char *ids_out,
                                          avow_ledger *ledger, const avow_key *key,
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
AVOW_EXTERN int avow_ledger_append_signed(avow_append_result *res, avow_ledger *ledger,
                                          const unsigned char *const *events, const size_t *lens,
                                          size_t n);

/**
 * Find an event by id and copy its bytes to out.
 * @param[out] index_out its 0-based position in the log (may be NULL)
 * @return 0, AVOW_ENOTFOUND
 */
AVOW_EXTERN int avow_ledger_get(avow_buf *out, uint64_t *index_out, avow_ledger *ledger,
                                const unsigned char id[AVOW_EVENT_ID_BYTES]);

/**
 * Find the event of author's chain at seq and copy its bytes to out.
 * @return 0, AVOW_ENOTFOUND (no such seq), AVOW_EIO
 */
AVOW_EXTERN int avow_ledger_get_seq(avow_buf *out, uint64_t *index_out, avow_ledger *ledger,
                                    const unsigned char author[AVOW_PUBKEY_BYTES], uint64_t seq);

/** Find the unique event whose hex id starts with prefix (at least 8 chars). */
AVOW_EXTERN int avow_ledger_resolve_id(unsigned char id[AVOW_EVENT_ID_BYTES], avow_ledger *ledger,
                                       const char *hex_prefix);

/** Head of an author: last seq (0 when the author has no events) and its content hash. */
AVOW_EXTERN int avow_ledger_head(uint64_t *seq, unsigned char hash[AVOW_HASH_BYTES],
                                 avow_ledger *ledger,
                                 const unsigned char author[AVOW_PUBKEY_BYTES]);

/** Whether a definition of the contest stands (1): one not retracted by its
 * author; 0 when it has none or every one was retracted (then a new
 * definition of the id is accepted), or an error (< 0). */
AVOW_EXTERN int avow_ledger_contest_stands(avow_ledger *ledger, const char *contest);

/** Whether a contest is defined (1), not (0), or an error (< 0). */
AVOW_EXTERN int avow_ledger_has_contest(avow_ledger *ledger, const char *contest);

/**
 * Whether the event target is retracted by its author in this ledger.
 * @param[out] rid the (earliest recorded) retraction's id (may be NULL)
 * @return 1 (retracted), 0 (not), AVOW_ENOTFOUND (no such event), AVOW_EIO
 */
AVOW_EXTERN int avow_retractions_find(unsigned char rid[AVOW_EVENT_ID_BYTES], avow_ledger *ledger,
                                      const unsigned char target[AVOW_EVENT_ID_BYTES]);

/** Log iterator: events in log order, optionally filtered. */
typedef struct avow_iter avow_iter;

typedef struct avow_iter_opts {
    unsigned int version;
    const char *contest;             /**< only this contest (and retractions of its events) */
    const unsigned char *author;     /**< only this author (32 bytes) */
    uint64_t start;                  /**< first log index (with reverse: the last one returned) */
    const avow_event_filter *filter; /**< only events it passes (version 2; NULL: all) */
    int reverse;                     /**< 1: newest first (version 2) */
} avow_iter_opts;
#define AVOW_ITER_OPTS_VERSION 2
#define AVOW_ITER_OPTS_INIT                                                                        \
    {                                                                                              \
        AVOW_ITER_OPTS_VERSION, NULL, NULL, 0, NULL, 0                                             \
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
AVOW_EXTERN int avow_iter_next(avow_event *ev, uint64_t *index, avow_iter *it);

AVOW_EXTERN void avow_iter_free(avow_iter *it);

/** One problem found by avow_ledger_verify(). */
typedef struct avow_problem {
    uint64_t index;                        /**< log index, UINT64_MAX when not about one event */
    uint64_t seq;                          /**< author seq, 0 when unknown */
    unsigned char id[AVOW_EVENT_ID_BYTES]; /**< all zero when unknown */
    const char *what;                      /**< borrowed for the callback's duration */
} avow_problem;

/** Called per problem; a negative return stops avow_ledger_verify(), which
 * returns that value (see "Callbacks"). */
typedef int (*avow_problem_cb)(const avow_problem *problem, void *payload);

/** Progress callback for long work: done out of total. A negative return
 * stops the work, which returns that value (see "Callbacks"). */
typedef int (*avow_progress_cb)(uint64_t done, uint64_t total, void *payload);

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
AVOW_EXTERN int avow_ledger_verify(uint64_t *events, uint64_t *problems, avow_ledger *ledger,
                                   const avow_verify_opts *opts);
/** @} */

/* BEGIN projection API */
/** @defgroup avow_projection Projections: state, history, explain (docs/PROJECTIONS.md)
 * @{ */

/** The state of a contest at a point in time: an opaque, immutable result. */
typedef struct avow_state avow_state;

/** Options of a point-in-time query. */
typedef struct avow_state_opts {
    unsigned int version;
    int64_t at;       /**< valid time T; AVOW_TIME_MAX without AVOW_GIVEN_AT: now */
    int64_t known_at; /**< record time K; AVOW_TIME_MAX means +infinity */
    int all_authors;  /**< 1: count every author, skipping the trust filter */
    /** AVOW_GIVEN_AT: at was given, even when it is AVOW_TIME_MAX (the end of
     * 9999 is a time, not "now"); AVOW_GIVEN_KNOWN_AT likewise for known_at.
     * Version 2 on, with the filters below. */
    unsigned int given;
    /* Version 2 (format v2 filters, docs/PROJECTIONS.md "Format v2"): */
    uint8_t min_confidence; /**< avow_confidence: rows rated below it are left out (rows with
                                 no rating count as high); NONE: every row */
    int64_t public_at;      /**< rows public (reported_at, else effective_at) after it are left
                                 out; AVOW_TIME_MAX: not given */
} avow_state_opts;
#define AVOW_GIVEN_AT           1u
#define AVOW_GIVEN_KNOWN_AT     2u
#define AVOW_STATE_OPTS_VERSION 2
#define AVOW_STATE_OPTS_INIT                                                                       \
    {                                                                                              \
        AVOW_STATE_OPTS_VERSION, AVOW_TIME_MAX, AVOW_TIME_MAX, 0, 0, 0, AVOW_TIME_MAX              \
    }

/**
 * Compute the state of a contest (docs/PROJECTIONS.md). Uses and lazily
 * writes the snapshot cache when known_at is not given and the ledger is
 * writable.
 *
 * @param[out] out the state, freed by avow_state_free()
 * @return 0, AVOW_ENOTFOUND (no such contest), AVOW_EINVALID, AVOW_EIO, AVOW_ENOMEM
 */
AVOW_EXTERN int avow_state_compute(avow_state **out, avow_ledger *ledger, const char *contest,
                                   const avow_state_opts *opts);

/** The state as one compact JSON object with its digest (no newline), appended to out. */
AVOW_EXTERN int avow_state_to_json(avow_buf *out, const avow_state *st);

AVOW_EXTERN void avow_state_free(avow_state *st);

/* Accessors: strings are borrowed, NUL-terminated, valid until avow_state_free(). */
AVOW_EXTERN const char *avow_state_contest(const avow_state *st);
/** The T used (now when not given). */
AVOW_EXTERN int64_t avow_state_at(const avow_state *st);
/** The K used: AVOW_TIME_MAX when not given. */
AVOW_EXTERN int64_t avow_state_known_at(const avow_state *st);
/** The rule, or NULL when no contest event counts at (T, K). */
AVOW_EXTERN const char *avow_state_rule(const avow_state *st);
/** The title, or NULL when no contest event counts at (T, K). */
AVOW_EXTERN const char *avow_state_title(const avow_state *st);
/** Supporters the rule asks for at T (0 without a rule). */
AVOW_EXTERN size_t avow_state_needed(const avow_state *st);
/** Members at T, sorted bytewise. */
AVOW_EXTERN size_t avow_state_member_count(const avow_state *st);
AVOW_EXTERN const char *avow_state_member(const avow_state *st, size_t i);
/** The display name of an actor (the latest actor-name event of the contest
 * that counts at (T, K)), or NULL when it has none: for what people read;
 * JSON outputs keep the codes. Borrowed from st. */
AVOW_EXTERN const char *avow_state_actor_name(const avow_state *st, const char *actor);
/** Candidates (entered or withdrawn), sorted by name. */
AVOW_EXTERN size_t avow_state_candidate_count(const avow_state *st);
AVOW_EXTERN const char *avow_state_candidate_name(const avow_state *st, size_t c);
/** 1 running, 0 withdrawn or only signalled. */
AVOW_EXTERN int avow_state_candidate_running(const avow_state *st, size_t c);
/** "running", "withdrawn" or "signalled" (format v2: a reported plan, not a candidacy). */
AVOW_EXTERN const char *avow_state_candidate_status(const avow_state *st, size_t c);
/** The contest's avow_choice at T (AVOW_CHOICE_NONE: a format v1 definition). */
AVOW_EXTERN uint8_t avow_state_choice(const avow_state *st);
AVOW_EXTERN size_t avow_state_support_count(const avow_state *st, size_t c);
/** Whether candidate c meets the rule: running, needed > 0 and enough support. */
AVOW_EXTERN int avow_state_met(const avow_state *st, size_t c);

/** The actor lists of a candidate. */
typedef enum avow_state_list {
    AVOW_LIST_SUPPORTS = 0,
    AVOW_LIST_OPPOSES = 1,
    AVOW_LIST_UNDECIDED = 2,
    AVOW_LIST_DISPUTED = 3,  /**< members whose authors disagree */
    AVOW_LIST_OUTSIDE = 4,   /**< non-members with a stance (see avow_state_outside_stance()) */
    AVOW_LIST_NO_STANCE = 5, /**< members with no stance (JSON `no_stance`, format v2 shape) */
    AVOW_LIST_ABSTAINS = 6,  /**< members who abstain (format v2) */
    AVOW_LIST_POSSIBLE = 7,  /**< members whose support is dated by an interval holding T:
                                  not counted yet (format v2) */
    AVOW_LIST_LAPSED = 8,    /**< supporters of a withdrawn candidate: not counted (format v2) */
    AVOW_LIST_COUNT = 9
} avow_state_list;

AVOW_EXTERN size_t avow_state_list_count(const avow_state *st, size_t c, avow_state_list list);
AVOW_EXTERN const char *avow_state_list_actor(const avow_state *st, size_t c, avow_state_list list,
                                              size_t i);
/** Stance of the i-th outside actor of candidate c; AVOW_STANCE_NONE when disputed. */
AVOW_EXTERN uint8_t avow_state_outside_stance(const avow_state *st, size_t c, size_t i);

/**
 * The decision at T. @return 1 (decided: *candidate, *at, id set; any may be
 * NULL), 0 (no decision)
 */
AVOW_EXTERN int avow_state_decision(const char **candidate, int64_t *at,
                                    unsigned char id[AVOW_EVENT_ID_BYTES], const avow_state *st);

/** When the decision takes effect. @return 1 (*takes_effect set; may be NULL), 0 (no
 * decision, or none given: in effect when made) */
AVOW_EXTERN int avow_state_takes_effect(const avow_state *st, int64_t *takes_effect);
/** 1 when there is a decision and T is at or after it takes effect. */
AVOW_EXTERN int avow_state_in_effect(const avow_state *st);

/** SHA-256 of the canonical JSON without the digest: 64 lowercase hex characters. */
AVOW_EXTERN const char *avow_state_digest(const avow_state *st);

/** One change of a contest, reported by avow_history(). */
typedef struct avow_change {
    const avow_event *event;      /**< the event (kind, times, actor, candidate, stance, author,
                                       source ...); borrowed for the callback's duration */
    const unsigned char *id;      /**< 32 bytes */
    uint64_t index;               /**< log index */
    const avow_event *retraction; /**< its author's retraction, or NULL */
    const unsigned char *retraction_id; /**< 32 bytes, or NULL */
} avow_change;

/** Called per change; a negative return stops avow_history() and is returned. */
typedef int (*avow_change_cb)(const avow_change *change, void *payload);

typedef struct avow_history_opts {
    unsigned int version;
    const char *actor;     /**< only events about this actor (NULL: all) */
    const char *candidate; /**< only events about this candidate (NULL: all) */
    int all_authors;       /**< 1: every author, skipping the trust filter */
    /* Version 2: as in avow_state_opts. */
    uint8_t min_confidence;
    int64_t public_at;
} avow_history_opts;
#define AVOW_HISTORY_OPTS_VERSION 2
#define AVOW_HISTORY_OPTS_INIT                                                                     \
    {                                                                                              \
        AVOW_HISTORY_OPTS_VERSION, NULL, NULL, 0, 0, AVOW_TIME_MAX                                 \
    }

/**
 * Every event of a contest but retractions, in (effective_at, recorded_at, id)
 * order, inside one read transaction (the callback must not write to the
 * ledger).
 *
 * @return 0, the callback's negative value, AVOW_ENOTFOUND (no such contest), AVOW_EIO
 */
AVOW_EXTERN int avow_history(avow_ledger *ledger, const char *contest,
                             const avow_history_opts *opts, avow_change_cb cb, void *payload);

/** Why the ledger says what it says about one (actor, candidate). */
typedef struct avow_explain avow_explain;

typedef enum avow_explain_role {
    AVOW_EXPLAIN_DECIDING = 0,   /**< the winning statement (0 or 1 item) */
    AVOW_EXPLAIN_OVERRIDDEN = 1, /**< earlier counting statements, oldest first */
    AVOW_EXPLAIN_RETRACTED = 2,  /**< statements skipped because their author retracted them */
    AVOW_EXPLAIN_RETRACTION = 3, /**< the retractions applied (same order as RETRACTED) */
    AVOW_EXPLAIN_DISPUTE = 4,    /**< when disputed: each author's latest statement at the
                                      deciding effective_at */
    AVOW_EXPLAIN_POSSIBLE = 5,   /**< statements dated by an interval that holds T: not
                                      counted yet (format v2) */
    AVOW_EXPLAIN_ROLE_COUNT = 6
} avow_explain_role;

/** One event of an explanation; raw is the signed event, owned by the explanation. */
typedef struct avow_explain_item {
    unsigned char id[AVOW_EVENT_ID_BYTES];
    uint64_t index;
    const unsigned char *raw;
    size_t raw_len;
} avow_explain_item;

/**
 * Explain the stance of actor on candidate at (T, K) (opts as for
 * avow_state_compute()). @return 0, AVOW_ENOTFOUND (no such contest), AVOW_EIO
 */
AVOW_EXTERN int avow_explain_compute(avow_explain **out, avow_ledger *ledger, const char *contest,
                                     const char *actor, const char *candidate,
                                     const avow_state_opts *opts);
AVOW_EXTERN size_t avow_explain_count(const avow_explain *ex, avow_explain_role role);
/** Borrowed until avow_explain_free(); NULL past the end. */
AVOW_EXTERN const avow_explain_item *avow_explain_item_at(const avow_explain *ex,
                                                          avow_explain_role role, size_t i);
/** The deciding stance (AVOW_STANCE_NONE when there is no statement). */
AVOW_EXTERN uint8_t avow_explain_stance(const avow_explain *ex);
/** 1 when the authors disagree at the deciding effective_at. */
AVOW_EXTERN int avow_explain_disputed(const avow_explain *ex);
/** 1 when the actor is a member at T. */
AVOW_EXTERN int avow_explain_is_member(const avow_explain *ex);
/**
 * One compact JSON object: contest, actor, candidate, at, known_at, member,
 * stance ("disputed" or null possible), deciding (event or null), overridden,
 * retracted ([{"event","retraction"}]), dispute; each event with id, index,
 * kind, author, seq, recorded_at, effective_at, stance, source, person, quote,
 * reason, target and "signature": "valid" | "invalid".
 */
AVOW_EXTERN int avow_explain_to_json(avow_buf *out, const avow_explain *ex);
AVOW_EXTERN void avow_explain_free(avow_explain *ex);
/** @} */
/* END projection API */

/* BEGIN audit API */
/** @defgroup avow_audit Tamper evidence: checkpoints, proofs, evidence, witnesses
 *
 * The ledger keeps an RFC 9162 Merkle tree over its log (leaf i = SHA-256(0x00
 * || bytes of event i)). A checkpoint is a C2SP tlog-checkpoint signed note
 * "origin\nsize\nbase64(root)\n" signed with key name = origin. See
 * docs/AUDIT.md and docs/FORMAT.md ("Checkpoints and signed notes").
 * @{ */

#define AVOW_NOTE_MAX_BYTES                                                                        \
    131072 /**< largest signed note accepted (16 post-quantum signatures fit) */
#define AVOW_PROOF_MAX           64          /**< most hashes in an inclusion or consistency path */
#define AVOW_ORIGIN_MAX          256         /**< longest origin line, in bytes */
#define AVOW_EVIDENCE_MAX_BYTES  (16u << 20) /**< largest evidence file accepted */
#define AVOW_EVIDENCE_MAX_EVENTS 1024        /**< most events in one evidence file */

/** The ledger owner's public key: the key of the first event appended here.
 * @return 0, AVOW_ENOTFOUND (no event yet) */
AVOW_EXTERN int avow_ledger_owner(unsigned char pk[AVOW_PUBKEY_BYTES], avow_ledger *ledger);

/** Merkle tree head of the first size events. @return 0, AVOW_EINVALID (size > count) */
AVOW_EXTERN int avow_ledger_root(unsigned char root[AVOW_HASH_BYTES], avow_ledger *ledger,
                                 uint64_t size);

/** Leaf hash of an event: SHA-256(0x00 || raw). */
AVOW_EXTERN void avow_leaf_hash(unsigned char out[AVOW_HASH_BYTES], const unsigned char *raw,
                                size_t len);

/** What a checkpoint states. */
typedef struct avow_checkpoint {
    char origin[AVOW_ORIGIN_MAX + 1]; /**< NUL-terminated */
    uint64_t size;
    unsigned char root[AVOW_HASH_BYTES];
} avow_checkpoint;

/**
 * Sign a checkpoint of the whole log with key (key name = the origin), store
 * it in the ledger and append the note to out.
 * @param[out] cp what it states (may be NULL)
 * @return 0, AVOW_EINVALID (origin is not a valid key name), AVOW_EIO, AVOW_EFULL
 */
AVOW_EXTERN int avow_checkpoint_create(avow_buf *out, avow_checkpoint *cp, avow_ledger *ledger,
                                       const avow_key *key);

/**
 * The latest checkpoint this ledger signed and stored (largest size), its note
 * appended to note_out, what it states in cp, its signer in pk (may be NULL).
 * @return 0, AVOW_ENOTFOUND (none yet), AVOW_EVERIFY (stored note damaged)
 */
AVOW_EXTERN int avow_checkpoint_latest(avow_buf *note_out, avow_checkpoint *cp,
                                       unsigned char pk[AVOW_PUBKEY_BYTES], avow_ledger *ledger);

/**
 * Offline: parse a checkpoint note and check its signature by pk under the
 * name of its origin line.
 * @return 0, AVOW_EFORMAT (malformed: the detail names the line),
 *         AVOW_EVERIFY (no signature by pk, or it does not verify)
 */
AVOW_EXTERN AVOW_WARN_UNUSED int avow_checkpoint_open(avow_checkpoint *out, const char *text,
                                                      size_t len,
                                                      const unsigned char pk[AVOW_PUBKEY_BYTES]);

/**
 * Check a checkpoint someone kept against this ledger: well formed, origin
 * equal to the ledger's, signed by pk (NULL: the ledger owner's key), size
 * not beyond the log, root equal to the ledger's root at that size (so the
 * ledger is an append-only extension of it). The detail in avow_error_last()
 * says which line fails ("origin line", "signature line", "size line",
 * "root line").
 * @return 0, AVOW_EFORMAT, AVOW_EVERIFY, AVOW_ENOTFOUND (pk NULL and no owner)
 */
AVOW_EXTERN AVOW_WARN_UNUSED int avow_checkpoint_verify(avow_checkpoint *out, avow_ledger *ledger,
                                                        const char *text, size_t len,
                                                        const unsigned char *pk);

/** Kinds of signature line, for avow_note_signatures(). */
#define AVOW_SIG_UNKNOWN 0 /**< no given key matches its name and key ID */
#define AVOW_SIG_ED25519 1 /**< a plain Ed25519 note signature (type 0x01) */
#define AVOW_SIG_COSIG   4 /**< a C2SP tlog-cosignature/v1 (type 0x04) */

/** Longest vkey text: a 256-byte name, '+', 8 hex, '+', 44 base64. */
#define AVOW_VKEY_MAX (AVOW_ORIGIN_MAX + 1 + 8 + 1 + 44)

/**
 * A public key for notes: a C2SP signed-note verifier key (vkey)
 * "NAME+HEXID+BASE64(type || key)", or a bare 64-hex key (name "", key_id 0),
 * which matches a line under the line's own name.
 */
typedef struct avow_vkey {
    char name[AVOW_ORIGIN_MAX + 1]; /**< NUL-terminated; "" for a bare key */
    uint32_t key_id;                /**< SHA-256(name || 0x0A || type || key)[:4] */
    int type;                       /**< AVOW_SIG_ED25519 or AVOW_SIG_COSIG */
    unsigned char key[AVOW_PUBKEY_BYTES];
} avow_vkey;

/**
 * Parse a public key given as 64 hex characters or as a vkey whose name is a
 * valid key name, whose key ID is the one its name, type and key give, and
 * whose type is 0x01 (Ed25519: authors and logs) or 0x04 (cosignature:
 * witnesses). want_type (AVOW_SIG_ED25519, AVOW_SIG_COSIG, or 0 for either)
 * is the type the caller needs; a bare key takes it (0: Ed25519).
 * @return 0, AVOW_EINVALID (malformed, wrong key ID, or another type than
 *         wanted: the detail says which)
 */
AVOW_EXTERN int avow_vkey_parse(avow_vkey *out, const char *text, size_t len, int want_type);

/**
 * Append the vkey "NAME+HEXID+BASE64(type || pk)" of pk under name (a valid
 * key name: for a log, its origin; for a witness, its ledger's origin) and
 * type (AVOW_SIG_ED25519 or AVOW_SIG_COSIG) to out, without a newline.
 * @return 0, AVOW_EINVALID (bad name or type), AVOW_ENOMEM
 */
AVOW_EXTERN int avow_vkey_format(avow_buf *out, const char *name, int type,
                                 const unsigned char pk[AVOW_PUBKEY_BYTES]);

/**
 * Open a signed note as C2SP signed-note says, with keys (n_keys of them) as
 * the known keys: a line whose name and key ID are a known key's must verify
 * (Ed25519 over the text, or a tlog-cosignature/v1 for type 0x04); a line
 * under a known name must be canonical base64; every other line is ignored,
 * whatever it holds. At least one line must verify.
 * @param[out] verified lines that verified (may be NULL)
 * @return 0, AVOW_EFORMAT (not a note, or a known name's line malformed),
 *         AVOW_EVERIFY (a known key's line does not verify), AVOW_ENOTFOUND
 *         (no line of a known key), AVOW_EINVALID (a line matches two keys)
 */
AVOW_EXTERN AVOW_WARN_UNUSED int avow_vkey_verify_note(size_t *verified, const char *text,
                                                       size_t len, const avow_vkey *keys,
                                                       size_t n_keys);

/** One signature line of a note. */
typedef struct avow_note_sig {
    const char *name; /**< key name, borrowed, not NUL-terminated */
    size_t name_len;
    uint32_t key_id;
    int type;           /**< AVOW_SIG_* */
    int verified;       /**< 1 when type is known and the signature holds */
    size_t key_index;   /**< which of the given keys matched (type known) */
    uint64_t timestamp; /**< cosignatures: POSIX seconds */
} avow_note_sig;

/** Called per signature line; a negative return stops and is returned. */
typedef int (*avow_note_sig_cb)(const avow_note_sig *sig, void *payload);

/**
 * List the signature lines of a note, checking each against the n_keys
 * public keys in keys (32 bytes each) as an Ed25519 signature and as a
 * cosignature under the line's own name.
 * @return 0, AVOW_EFORMAT
 */
AVOW_EXTERN int avow_note_signatures(const char *text, size_t len, const unsigned char *keys,
                                     size_t n_keys, avow_note_sig_cb cb, void *payload);

/** A witness of a witness policy: the name its cosignature lines carry, bound
 * to its key. */
typedef struct avow_witness {
    const char *name; /**< NUL-terminated; NULL: a line of any name (the key alone binds) */
    unsigned char pk[AVOW_PUBKEY_BYTES];
} avow_witness;

/**
 * How many of the n witnesses cosigned the note (C2SP tlog-cosignature/v1):
 * a witness counts once, for a cosignature line that verifies under its key
 * and carries its name; a line renamed (its key ID recomputed) counts for no
 * one, and a second line of one witness adds nothing. A key listed twice is
 * refused. Compare *count with the policy's quorum.
 * @return 0, AVOW_EINVALID (a key listed twice), AVOW_EFORMAT, AVOW_ENOMEM
 */
AVOW_EXTERN int avow_note_witnessed(size_t *count, const char *text, size_t len,
                                    const avow_witness *witnesses, size_t n);

/** An inclusion proof (RFC 9162 2.1.3). */
typedef struct avow_inclusion {
    uint64_t leaf_index;
    uint64_t tree_size;
    unsigned char leaf_hash[AVOW_HASH_BYTES];
    unsigned char root[AVOW_HASH_BYTES];
    size_t count; /**< hashes in path; hash i at path + 32 * i, nearest the leaf first */
    unsigned char path[AVOW_PROOF_MAX * AVOW_HASH_BYTES];
} avow_inclusion;

/**
 * Prove that event id is in the tree of the first tree_size events
 * (UINT64_MAX: the whole log). The proof is verified before it is returned.
 * @return 0, AVOW_ENOTFOUND (no such event), AVOW_EINVALID (event not within
 *         tree_size, or tree_size > count), AVOW_EVERIFY (stored tree damaged)
 */
AVOW_EXTERN int avow_ledger_prove_inclusion(avow_inclusion *out, avow_ledger *ledger,
                                            const unsigned char id[AVOW_EVENT_ID_BYTES],
                                            uint64_t tree_size);

/** Check an inclusion proof offline. @return 0 or AVOW_EVERIFY */
AVOW_EXTERN AVOW_WARN_UNUSED int avow_inclusion_verify(const avow_inclusion *proof);

/** A consistency proof (RFC 9162 2.1.4). */
typedef struct avow_consistency {
    uint64_t old_size;
    uint64_t new_size;
    unsigned char old_root[AVOW_HASH_BYTES];
    unsigned char new_root[AVOW_HASH_BYTES];
    size_t count;
    unsigned char path[AVOW_PROOF_MAX * AVOW_HASH_BYTES];
} avow_consistency;

/**
 * Prove that the tree of new_size events (UINT64_MAX: the whole log) extends
 * the tree of old_size events. Verified before it is returned.
 * @return 0, AVOW_EINVALID (old_size > new_size or new_size > count)
 */
AVOW_EXTERN int avow_ledger_prove_consistency(avow_consistency *out, avow_ledger *ledger,
                                              uint64_t old_size, uint64_t new_size);

/** Check a consistency proof offline. @return 0 or AVOW_EVERIFY */
AVOW_EXTERN AVOW_WARN_UNUSED int avow_consistency_verify(const avow_consistency *proof);

/**
 * Write an evidence file: one line of compact JSON {"format":"avow-evidence/1",
 * "signer", "checkpoint", "events": [{"index", "id", "raw", "path"}]} with the
 * given events (n ids, 32 bytes each), their inclusion proofs and the signed
 * checkpoint they are proven against. With key, a fresh checkpoint of the
 * whole log is signed and stored; with NULL, the latest stored checkpoint
 * that covers every event is used.
 * @return 0, AVOW_ENOTFOUND (an id, or no covering checkpoint), AVOW_ERANGE
 */
AVOW_EXTERN int avow_evidence_write(avow_buf *out, avow_ledger *ledger, const unsigned char *ids,
                                    size_t n, const avow_key *key);

/** Called for each event of an evidence file once it is proven; a negative
 * return stops avow_evidence_verify(), which returns that value. */
typedef int (*avow_evidence_cb)(const avow_event *ev, uint64_t index, void *payload);

/**
 * Check an evidence file with no ledger: the exact canonical bytes
 * avow_evidence_write() produces, the checkpoint signed by pk (and by nothing
 * else), every event's id and inclusion proof against it.
 * @param[out] cp the checkpoint (may be NULL)
 * @param[out] n_events number of events proven (may be NULL)
 * @return 0, or AVOW_EVERIFY for anything wrong (a changed byte anywhere)
 */
AVOW_EXTERN AVOW_WARN_UNUSED int avow_evidence_verify(avow_checkpoint *cp, size_t *n_events,
                                                      const unsigned char *data, size_t len,
                                                      const unsigned char pk[AVOW_PUBKEY_BYTES],
                                                      avow_evidence_cb cb, void *payload);

/** What an attestation states: a projected state digest at a ledger size. */
typedef struct avow_attestation {
    avow_checkpoint tree; /**< origin, size and root of the ledger it was computed on */
    char contest[AVOW_CONTEST_STRLEN]; /**< NUL-terminated */
    int64_t at;                        /**< valid time of the state */
    int64_t known_at;                  /**< record time of the state */
    char digest[AVOW_HEX_ID_LEN + 1];  /**< the state digest, 64 lowercase hex */
} avow_attestation;

/**
 * Sign an attestation that state(contest, at, known_at) has digest digest_hex
 * (64 hex) over the whole log now: a checkpoint note with extension lines
 * (docs/FORMAT.md, "Attestations"). Appends the note to out.
 * @return 0, AVOW_EINVALID
 */
AVOW_EXTERN int avow_attest_create(avow_buf *out, avow_ledger *ledger, const avow_key *key,
                                   const char *contest, int64_t at, int64_t known_at,
                                   const char *digest_hex);

/**
 * Check an attestation: offline (ledger NULL) its form and signature by pk;
 * with a ledger also as avow_checkpoint_verify() does (pk NULL: the owner).
 * Does not recompute the digest: compare out->digest with the state's.
 * @return 0, AVOW_EFORMAT, AVOW_EVERIFY, AVOW_EINVALID (no key)
 */
AVOW_EXTERN AVOW_WARN_UNUSED int avow_attest_verify(avow_attestation *out, avow_ledger *ledger,
                                                    const char *text, size_t len,
                                                    const unsigned char *pk);

/**
 * Witness: cosign another ledger's checkpoint (C2SP tlog-cosignature/v1, key
 * name = this ledger's origin). The checkpoint must be signed by log_pk (NULL:
 * the key remembered for its origin). It must extend the last checkpoint of
 * that origin this ledger cosigned: same size and root, or a larger size with
 * proof (a consistency proof from that size and root to this checkpoint). The
 * state is updated in the same transaction. Appends the checkpoint with the new
 * cosignature line to out.
 * @return 0, AVOW_EVERIFY (bad signature, inconsistent, rolled back, wrong
 *         proof), AVOW_EINVALID (no key known, proof missing), AVOW_EFORMAT
 */
AVOW_EXTERN int avow_witness_cosign(avow_buf *out, avow_ledger *witness, const avow_key *key,
                                    const char *text, size_t len, const unsigned char *log_pk,
                                    const avow_consistency *proof);
/** @} */
/* END audit API */

/* BEGIN replication API */
/** @defgroup avow_replication Replication: trust keyring, key succession, sync, bundles, forks
 *
 * docs/PROTOCOL.md specifies the sync protocol and the bundle and heads files;
 * docs/FORMAT.md the key-succession event (kind 9).
 * @{ */

/** Key succession (format v1 kind 9): the author names its next key, which
 * signs the succession too. Older readers keep it as an unknown kind. */
#define AVOW_KIND_KEY_SUCCESSION 9

/**
 * The successor key named by a key-succession event.
 * @return 1 with *next set (borrowed from ev), 0 when ev is not one
 */
AVOW_EXTERN int avow_event_successor(const avow_event *ev, const unsigned char **next);

/**
 * Append a key-succession event: signed by `old` as its next event, naming
 * `next`, and signed by `next` too (docs/FORMAT.md, "Key succession").
 * Replicas that trust `old` up to that event trust `next` from then on.
 *
 * @return 0, AVOW_EINVALID (same key), AVOW_ECHAIN (a concurrent append won:
 *         retry), AVOW_EIO, AVOW_EFULL
 */
AVOW_EXTERN int avow_ledger_rotate_key(unsigned char id_out[AVOW_EVENT_ID_BYTES],
                                       avow_ledger *ledger, const avow_key *old,
                                       const avow_key *next);

/** Longest name of a keyring entry, in bytes. */
#define AVOW_TRUST_NAME_MAX 128

#define AVOW_TRUST_OWNER     0x01u /**< the ledger owner (first key to append here) */
#define AVOW_TRUST_LISTED    0x02u /**< in the keyring (trust add) */
#define AVOW_TRUST_REVOKED   0x04u /**< revoked: only seq <= revoked_after count */
#define AVOW_TRUST_SUCCESSOR 0x08u /**< trusted as the successor of a trusted key */
#define AVOW_TRUST_FORKED    0x10u /**< fork evidence exists for this author */
#define AVOW_TRUST_RESOLVED  0x20u /**< every fork of this author was resolved */
#define AVOW_TRUST_COUNTS    0x40u /**< some of its events count in projections */

/** One author as the keyring sees it (avow_trust_list()). */
typedef struct avow_trust_entry {
    unsigned char key[AVOW_PUBKEY_BYTES];
    const char *name;       /**< NUL-terminated, "" when unnamed; borrowed for the callback */
    unsigned int flags;     /**< AVOW_TRUST_* */
    uint64_t count_upto;    /**< events with seq <= count_upto count (0 none, UINT64_MAX all) */
    uint64_t revoked_after; /**< with AVOW_TRUST_REVOKED */
    uint64_t fork_seq;      /**< lowest seq with fork evidence, 0 when none */
    uint64_t head_seq;      /**< the author's last seq in this ledger, 0 when none */
} avow_trust_entry;

typedef int (*avow_trust_cb)(const avow_trust_entry *entry, void *payload);

/** Trust an author's events, under a name (1 to AVOW_TRUST_NAME_MAX bytes of text).
 * Adding a listed key renames it and lifts a revocation. @return 0, AVOW_EINVALID */
AVOW_EXTERN int avow_trust_add(avow_ledger *ledger, const unsigned char key[AVOW_PUBKEY_BYTES],
                               const char *name);
/** Remove a key from the keyring. @return 0, AVOW_ENOTFOUND */
AVOW_EXTERN int avow_trust_remove(avow_ledger *ledger, const unsigned char key[AVOW_PUBKEY_BYTES]);
/** Keep what the key signed up to seq after_seq, ignore its later events. @return 0 */
AVOW_EXTERN int avow_trust_revoke(avow_ledger *ledger, const unsigned char key[AVOW_PUBKEY_BYTES],
                                  uint64_t after_seq);
/**
 * Resolve a fork: keep_id is one of the author's conflicting events at its
 * forked seq. Keeping the event of the ledger's chain makes the author's
 * events count again; keeping the other one leaves the chain from that seq out.
 * @return 0, AVOW_ENOTFOUND (no fork of this author with that event)
 */
AVOW_EXTERN int avow_trust_resolve(avow_ledger *ledger, const unsigned char key[AVOW_PUBKEY_BYTES],
                                   const unsigned char keep_id[AVOW_EVENT_ID_BYTES]);
/** Every author with events here or in the keyring, by key. cb returning < 0 stops. */
AVOW_EXTERN int avow_trust_list(avow_ledger *ledger, avow_trust_cb cb, void *payload);

/**
 * The key named by text: 64 hex characters (that key, known here or not), a
 * unique prefix of 8 or more hex characters of a key this ledger knows (it has
 * events here or is in the keyring), or the whole keyring name of one.
 * @return 0, AVOW_ENOTFOUND (no known key matches), AVOW_EINVALID (several
 *         match: avow_error_last() lists them)
 */
AVOW_EXTERN int avow_keyref_resolve(unsigned char key[AVOW_PUBKEY_BYTES], avow_ledger *ledger,
                                    const char *text);

/** A snapshot of the trust settings for per-event questions (log). */
typedef struct avow_trust avow_trust;
AVOW_EXTERN int avow_trust_open(avow_trust **out, avow_ledger *ledger);
/** Whether event (author, seq) counts in projections: 1 or 0. */
AVOW_EXTERN int avow_trust_counts(const avow_trust *trust,
                                  const unsigned char author[AVOW_PUBKEY_BYTES], uint64_t seq);
/** The keyring name of an author (borrowed until avow_trust_free()), or NULL. */
AVOW_EXTERN const char *avow_trust_name(const avow_trust *trust,
                                        const unsigned char author[AVOW_PUBKEY_BYTES]);
/** Whether the author has fork evidence at or below seq (1) or not (0). */
AVOW_EXTERN int avow_trust_forked(const avow_trust *trust,
                                  const unsigned char author[AVOW_PUBKEY_BYTES], uint64_t seq);
AVOW_EXTERN void avow_trust_free(avow_trust *trust);

/** Sync protocol version spoken (docs/PROTOCOL.md). */
#define AVOW_SYNC_PROTOCOL 1
/** Largest frame, type byte and payload: checked before allocating. */
#define AVOW_SYNC_FRAME_MAX (1u << 20)
/** Most events in one batch frame (each batch is appended in one transaction). */
#define AVOW_SYNC_BATCH_EVENTS 1024

#define AVOW_SYNC_PULL 0x1u /**< receive what the peer has */
#define AVOW_SYNC_PUSH 0x2u /**< send what the peer lacks */

typedef struct avow_sync_opts {
    unsigned int version;
    unsigned int flags;           /**< AVOW_SYNC_PULL | AVOW_SYNC_PUSH; 0 means both */
    avow_progress_cb on_progress; /**< events received so far, out of those announced */
    void *payload;
} avow_sync_opts;
#define AVOW_SYNC_OPTS_VERSION 1
#define AVOW_SYNC_OPTS_INIT                                                                        \
    {                                                                                              \
        AVOW_SYNC_OPTS_VERSION, 0, NULL, NULL                                                      \
    }

typedef struct avow_sync_stats {
    uint64_t received;   /**< new events stored in this ledger */
    uint64_t duplicates; /**< events received that were already here */
    uint64_t sent;       /**< events sent to the peer */
    uint64_t forks;      /**< new fork evidence stored in this ledger */
    char peer_origin[AVOW_ORIGIN_STRLEN];
} avow_sync_stats;

/**
 * Run the protocol as the side that connects (client) or answers (server)
 * over a pair of file descriptors. Each received batch is verified and
 * appended in one transaction, so an interrupted session leaves whole batches.
 *
 * @return 0; AVOW_EVERIFY / AVOW_ECHAIN / AVOW_EFORMAT when the peer sent bad
 *         data (avow_error_last() names the author and seq; the peer got an
 *         error frame; the bad batch was not stored) or refused ours;
 *         AVOW_EIO when the connection broke
 */
AVOW_EXTERN int avow_sync_client(avow_sync_stats *stats, avow_ledger *ledger, int in_fd, int out_fd,
                                 const avow_sync_opts *opts);
AVOW_EXTERN int avow_sync_serve(avow_sync_stats *stats, avow_ledger *ledger, int in_fd, int out_fd,
                                const avow_sync_opts *opts);
/** Sync two open ledgers of this process (the peer is served from a thread). */
AVOW_EXTERN int avow_sync_local(avow_sync_stats *stats, avow_ledger *ledger, avow_ledger *peer,
                                const avow_sync_opts *opts);

/** Write this ledger's heads (author, seq, head id, fork evidence) to a file. */
AVOW_EXTERN int avow_heads_save(avow_ledger *ledger, const char *path);
/**
 * Write a bundle of the events (and fork evidence) that the holder of the
 * heads file lacks, or of every event when heads_path is NULL.
 * @param[out] count events written (may be NULL)
 */
AVOW_EXTERN int avow_bundle_create(uint64_t *count, avow_ledger *ledger, const char *path,
                                   const char *heads_path);
/**
 * Check a bundle whole (hash, format, every event decodes and verifies, the
 * chains link to this ledger), then append it in one transaction.
 * @return 0, AVOW_EFORMAT (truncated, altered, not a bundle), AVOW_EVERIFY,
 *         AVOW_ECHAIN (the bundle was made against heads this ledger lacks)
 */
AVOW_EXTERN int avow_bundle_apply(avow_sync_stats *stats, avow_ledger *ledger, const char *path);
/** @} */
/* END replication API */

/* BEGIN interchange API */
/** @defgroup avow_interchange Interchange: JSON Lines export and import, CSV
 *
 * `avow export` writes one avow_event_to_json(with_raw = 1) object per line;
 * `avow import` reads such lines back (verified, then appended), and
 * `avow import --sign` reads unsigned declaration records (JSON Lines or CSV
 * with a header row) and signs them. docs/FORMAT.md, "JSON Lines interchange",
 * specifies both shapes. Reading and writing stream: memory does not grow with
 * the number of lines (only with the number of authors and contests in the
 * file, and with the number of bad lines skipped).
 * @{ */

/** Longest line (JSON Lines) or record (CSV) import reads, end of line excluded. */
#define AVOW_LINE_MAX 65536
/** Events or drafts appended per write transaction during an import. */
#define AVOW_IMPORT_BATCH 65536

/** Output callback: write len bytes. @return 0, or a negative AVOW_E* to stop. */
typedef int (*avow_write_cb)(const void *data, size_t len, void *payload);

typedef struct avow_export_opts {
    unsigned int version;
    const char *contest;          /**< only this contest (and retractions of its events) */
    uint64_t start;               /**< first log index, e.g. a checkpoint's tree size */
    avow_progress_cb on_progress; /**< events done out of the ledger's count (may be NULL) */
    void *payload;                /**< for on_progress */
    unsigned int flags;           /**< AVOW_EXPORT_CSV (version 2) */
} avow_export_opts;
#define AVOW_EXPORT_OPTS_VERSION 2
#define AVOW_EXPORT_OPTS_INIT                                                                      \
    {                                                                                              \
        AVOW_EXPORT_OPTS_VERSION, NULL, 0, NULL, NULL, 0                                           \
    }

/**
 * Export events as JSON Lines in log order: each line is
 * avow_event_to_json(..., with_raw = 1) and a newline, passed to write.
 *
 * @param[out] count events written (may be NULL)
 * @return 0, AVOW_EFORMAT (a stored event does not decode: run verify), the
 *         error write returned, AVOW_EIO
 */
AVOW_EXTERN int avow_export(uint64_t *count, avow_ledger *ledger, avow_write_cb write,
                            void *write_payload, const avow_export_opts *opts);

/**
 * Parse one line of an export and check it: a JSON object whose "raw" (base64)
 * decodes strictly to an event whose signature holds, and whose other members
 * ("index" excepted) equal the event's own rendering, "id" included.
 *
 * @param[out] raw_out the event bytes (appended)
 * @return 0, AVOW_EFORMAT (not a JSON object with a string "raw", missing
 *         "id"), AVOW_EVERIFY (raw is not base64, does not decode, its
 *         signature fails, or a member disagrees with it)
 */
AVOW_EXTERN int avow_event_from_json(avow_buf *raw_out, const char *text, size_t len);

/**
 * The columns of events as CSV (`log --csv`, `export --csv`): every key
 * avow_event_to_json() can write, in its order, NULL-terminated; static.
 */
AVOW_EXTERN const char *const *avow_event_csv_columns(void);

/** A CSV header row (RFC 4180, CRLF) of columns (NULL-terminated), appended to out. */
AVOW_EXTERN int avow_csv_header(avow_buf *out, const char *const *columns);

/**
 * One CSV row of a JSON object (as avow_event_to_json() renders it, maybe with
 * keys added): the value of each column in turn, as the JSON has it (string
 * as is, number in decimal, true/false, absent or null empty, array or object
 * as compact JSON), quoted as RFC 4180 asks, CRLF at the end; keys that are
 * not columns are left out. @return 0, AVOW_EFORMAT (not an object), AVOW_ENOMEM
 */
AVOW_EXTERN int avow_csv_row(avow_buf *out, const void *json, size_t len,
                             const char *const *columns);

#define AVOW_EXPORT_CSV 0x1u /**< avow_export_opts.flags: CSV rows under a header row */

/** An unsigned declaration record (import --sign) parsed into a draft. */
typedef struct avow_record avow_record;

AVOW_EXTERN int avow_record_new(avow_record **out);

/**
 * Parse one unsigned record: a JSON object of strings (null = absent) named
 * kind, at, contest, title, rule, actor, candidate, stance, person, source,
 * quote, reason, target (64 hex). "at" (ISO 8601, start of its period, with
 * its precision) is required except for a retraction, which defaults to
 * `now`. The draft is checked against the event format's rules (lengths,
 * UTF-8, fields each kind needs), not against a ledger.
 *
 * @return 0, AVOW_EFORMAT (not JSON, unknown member, not a string),
 *         AVOW_EINVALID (a value breaks a rule)
 */
AVOW_EXTERN int avow_record_parse_json(avow_record *rec, const char *text, size_t len, int64_t now);

/** The draft of the last successful parse; borrowed until the next parse or free. */
AVOW_EXTERN const avow_draft *avow_record_draft(const avow_record *rec);

AVOW_EXTERN void avow_record_free(avow_record *rec);

#define AVOW_IMPORT_SIGN     0x1u /**< unsigned records, signed with opts->key */
#define AVOW_IMPORT_CSV      0x2u /**< CSV with a header row (with AVOW_IMPORT_SIGN) */
#define AVOW_IMPORT_SKIP_BAD 0x4u /**< append the good lines, report the bad ones */
/** with AVOW_IMPORT_SIGN: append a record even when the key already recorded the same one
 * here (same kind, effective_at and body; for a retraction kind and body) */
#define AVOW_IMPORT_ALLOW_DUPLICATES 0x8u
#define AVOW_IMPORT_DRY_RUN          0x10u /**< check every line, write nothing */

/** A refused line: its number (1-based; a CSV record: its first line), the AVOW_E* code, why.
 * A negative return stops the import, which returns that value. */
typedef int (*avow_bad_line_cb)(uint64_t line, int code, const char *what, void *payload);

typedef struct avow_import_opts {
    unsigned int version;
    unsigned int flags;           /**< AVOW_IMPORT_* */
    const avow_key *key;          /**< the signing key, with AVOW_IMPORT_SIGN */
    size_t batch;                 /**< per transaction; 0 means AVOW_IMPORT_BATCH */
    avow_bad_line_cb on_bad;      /**< may be NULL */
    avow_progress_cb on_progress; /**< bytes done out of twice the file size (two passes) */
    void *payload;                /**< for on_bad and on_progress */
} avow_import_opts;
#define AVOW_IMPORT_OPTS_VERSION 1
#define AVOW_IMPORT_OPTS_INIT                                                                      \
    {                                                                                              \
        AVOW_IMPORT_OPTS_VERSION, 0, NULL, 0, NULL, NULL, NULL                                     \
    }

typedef struct avow_import_result {
    uint64_t records;    /**< lines or CSV records read (blank lines and the header excluded) */
    uint64_t appended;   /**< new events stored */
    uint64_t duplicates; /**< already present (signed events: the same id; unsigned
                              records: the same record by the same key): skipped */
    uint64_t bad;        /**< lines refused (skipped with AVOW_IMPORT_SKIP_BAD) */
    uint64_t first_bad;  /**< line number of the first refused line, 0 when none */
} avow_import_result;

/**
 * Import the file at path (a regular file: it is read twice) in two passes.
 * The check pass reads every line and refuses bad ones (each reported to
 * on_bad): for signed events, avow_event_from_json() plus the author chains
 * against the ledger and the earlier lines; for unsigned records,
 * avow_record_parse_json() (or the CSV row) plus the ledger: a contest is new,
 * other kinds name a contest of the ledger or of an earlier line, a retraction
 * targets an event of the key's author. When any line is bad and
 * AVOW_IMPORT_SKIP_BAD is not set, nothing is appended. The append pass then
 * appends in batches (avow_ledger_append_signed, avow_ledger_append_drafts).
 *
 * @return 0 (also when bad lines were skipped: see res->bad), the code of the
 *         first bad line (AVOW_EFORMAT, AVOW_EINVALID, AVOW_EVERIFY,
 *         AVOW_ECHAIN, AVOW_ENOTFOUND, AVOW_EEXISTS) with "line N: ..." in
 *         avow_error_last(), AVOW_ENOTFOUND (no file), AVOW_EIO
 */
AVOW_EXTERN int avow_import(avow_import_result *res, avow_ledger *ledger, const char *path,
                            const avow_import_opts *opts);
/** @} */
/* END interchange API */

/* BEGIN publish API */
/** @defgroup avow_publish Publishing: the log as C2SP tlog-tiles (docs/PUBLISHING.md)
 *
 * A directory any static web server or object store can serve: `checkpoint`
 * (a signed note), `tile/<L>/<N>[.p/<W>]` (the Merkle tree, 256 hashes a
 * tile) and `tile/entries/<N>[.p/<W>]` (entry bundles: each entry a big-endian
 * uint16 length and the canonical event bytes, so an event's id is SHA-256 of
 * its entry and its leaf SHA-256(0x00 || entry)). N is written in 3-digit
 * path elements, all but the last prefixed with "x" (1234067 is
 * x001/x234/067).
 * @{ */

/** What avow_publish() did. */
typedef struct avow_publish_stats {
    uint64_t size;            /**< entries in the published tree (its checkpoint's size) */
    uint64_t old_size;        /**< the size DIR's checkpoint had before (0: none) */
    uint64_t tiles_written;   /**< hash tiles written (not those already there) */
    uint64_t bundles_written; /**< entry bundles written (likewise) */
    uint64_t bytes_written;   /**< bytes of tiles, bundles and the checkpoint */
} avow_publish_stats;

/**
 * Publish the log to dir (created if missing) as C2SP tlog-tiles: sign a
 * checkpoint of the whole log with key (stored like avow_checkpoint_create()),
 * write every tile and entry bundle that tree needs and dir lacks, then
 * replace dir/checkpoint atomically (rename, after the tiles are on disk), so
 * a reader never sees a checkpoint whose tiles are missing. Incremental: the
 * full tiles of dir's previous checkpoint are there and are not read or
 * written again (a full tile is written once, never replaced); partial tiles
 * are new files (another width, another path). One publish at a time per dir.
 * @return 0, AVOW_EEXISTS (dir holds another log, or another history of this
 *         one: its checkpoint or a full tile differs), AVOW_EINVALID, AVOW_EIO,
 *         AVOW_EFULL
 */
AVOW_EXTERN int avow_publish(avow_publish_stats *stats, avow_ledger *ledger, const char *dir,
                             const avow_key *key);
/** @} */
/* END publish API */

/* BEGIN chart API */
/** @defgroup avow_chart Charts: support over time as a standalone SVG document
 * @{ */

/** Most candidates one chart draws. */
#define AVOW_CHART_MAX_CANDIDATES 16

/** What a chart covers. Every time given as AVOW_TIME_MAX means "not given". */
typedef struct avow_chart_opts {
    unsigned int version;
    int64_t from;     /**< start of the time axis (default: the contest's first change) */
    int64_t to;       /**< end of the time axis (default: the last change plus a tenth of
                           the span, at least a day; now when nothing changes after from) */
    int64_t known_at; /**< record time K of every state drawn (default: +infinity) */
    int all_authors;  /**< 1: count every author, skipping the trust filter */
    /* Version 2: the filters of avow_state_opts. */
    uint8_t min_confidence;
    int64_t public_at;
    /* Version 3: newsroom furniture. */
    const char *title;    /**< headline (default "Support over time: CONTEST TITLE") */
    const char *subtitle; /**< a line under the headline (default none) */
    const char *credit;   /**< the foot line (default "Source: avow ledger ORIGIN, N events,
                               root HEX12", plus the known-at and public-at given; "" none) */
    unsigned int width;   /**< canvas in pixels, 480..8000 (0: 960) */
    unsigned int height;  /**< canvas in pixels, 300..8000 (0: 540) */
} avow_chart_opts;
#define AVOW_CHART_OPTS_VERSION 3
#define AVOW_CHART_OPTS_INIT                                                                       \
    {                                                                                              \
        AVOW_CHART_OPTS_VERSION, AVOW_TIME_MAX, AVOW_TIME_MAX, AVOW_TIME_MAX, 0, 0, AVOW_TIME_MAX, \
          NULL, NULL, NULL, 0, 0                                                                   \
    }

/**
 * Draw the support of each candidate of a contest over time as an SVG 1.1
 * document: one step per distinct effective time of the contest's changes
 * (avow_history()), each the avow_state_compute() of that time; the rule's
 * threshold, member count changes and the decision marked. Every step carries
 * a <title> "TIME: CANDIDATE S of M members support, N needed" (TIME in full
 * UTC form), so tools can check the drawing against `avow state --at TIME`.
 *
 * @param[out] out the document (appended)
 * @return 0, AVOW_ENOTFOUND (no such contest), AVOW_EINVALID (from >= to),
 *         AVOW_ERANGE (more than AVOW_CHART_MAX_CANDIDATES candidates, a canvas
 *         outside its bounds), AVOW_EIO,
 *         AVOW_ENOMEM
 */
AVOW_EXTERN int avow_chart_svg(avow_buf *out, avow_ledger *ledger, const char *contest,
                               const avow_chart_opts *opts);
/** @} */
/* END chart API */

/* BEGIN timeline API (issue 15: the state over time as a table) */
/** @defgroup avow_timeline Timeline: the state of a contest at each date of a range
 * @{ */

/** How often a timeline takes the state. */
typedef enum avow_timeline_every {
    AVOW_EVERY_DAY = 0,   /**< at the end of each UTC day */
    AVOW_EVERY_WEEK = 1,  /**< at the end of each ISO week (Monday to Sunday) */
    AVOW_EVERY_MONTH = 2, /**< at the end of each month */
    AVOW_EVERY_CHANGE = 3 /**< at each distinct effective time of a counting change */
} avow_timeline_every;

/** What a timeline covers. Every time given as AVOW_TIME_MAX means "not given". */
typedef struct avow_timeline_opts {
    unsigned int version;
    uint8_t every;          /**< avow_timeline_every */
    int64_t from;           /**< the first row's period holds it (default: the first candidacy or
                                 stance that counts) */
    int64_t to;             /**< the last row's period holds it (default: the first decision that
                                 counts, else the last change that counts) */
    int64_t known_at;       /**< record time K of every row (default: +infinity) */
    int all_authors;        /**< 1: count every author, skipping the trust filter */
    uint8_t min_confidence; /**< as in avow_state_opts */
    int64_t public_at;      /**< as in avow_state_opts */
} avow_timeline_opts;
#define AVOW_TIMELINE_OPTS_VERSION 1
#define AVOW_TIMELINE_OPTS_INIT                                                                    \
    {                                                                                              \
        AVOW_TIMELINE_OPTS_VERSION, AVOW_EVERY_DAY, AVOW_TIME_MAX, AVOW_TIME_MAX, AVOW_TIME_MAX,   \
          0, 0, AVOW_TIME_MAX                                                                      \
    }

/** One date of a timeline: the state then, one row per candidate of it. */
typedef struct avow_timeline_row {
    int64_t at;                  /**< the state's valid time T (the end of the period, or
                                      the change's time) */
    char date[AVOW_TIME_STRLEN]; /**< the date as `avow state --at` takes it for T: a day
                                      ("2024-05-01", a week by its Sunday), a month
                                      ("2024-05") or a full time (every change) */
    const avow_state *state;     /**< avow_state_compute() at (T, known_at) with the filters;
                                      borrowed for the callback's duration */
} avow_timeline_row;

/** Called per date; a negative return stops avow_timeline() and is returned. */
typedef int (*avow_timeline_cb)(const avow_timeline_row *row, void *payload);

/** "day", "week", "month", "change"; NULL for another value. */
AVOW_EXTERN const char *avow_timeline_every_name(uint8_t every);
/** The avow_timeline_every of a name, or -1. */
AVOW_EXTERN int avow_timeline_every_parse(const char *name);

/**
 * The state of a contest at each date of a range (docs/PROJECTIONS.md
 * "Timeline"), in time order: each row's state equals avow_state_compute()
 * at its T with the same known_at and filters. One pass over the contest's
 * events in time order, folded incrementally (not one state per date), inside
 * one read transaction (the callback must not write to the ledger).
 *
 * @return 0, the callback's negative value, AVOW_ENOTFOUND (no such contest),
 *         AVOW_EINVALID (from after to, an unknown every or version), AVOW_EIO,
 *         AVOW_ENOMEM
 */
AVOW_EXTERN int avow_timeline(avow_ledger *ledger, const char *contest,
                              const avow_timeline_opts *opts, avow_timeline_cb cb, void *payload);

/** avow_timeline_row_json() flag: add "actors", the lists of actors behind the counts. */
#define AVOW_TIMELINE_ACTORS 0x1u

/**
 * Candidate c (0 .. avow_state_candidate_count() - 1) of a row as one compact
 * JSON object, appended to out: date, candidate, members, needed, supports,
 * opposes, undecided, abstains, no_stance (counts), met, status, and with
 * AVOW_TIMELINE_ACTORS "actors" (supports, opposes, undecided, abstains,
 * no_stance: sorted lists of actors). @return 0, AVOW_EINVALID, AVOW_ENOMEM
 */
AVOW_EXTERN int avow_timeline_row_json(avow_buf *out, const avow_timeline_row *row, size_t c,
                                       unsigned int flags);

/** The CSV columns of a timeline (avow_csv_row() of avow_timeline_row_json()), static,
 * NULL-terminated. */
AVOW_EXTERN const char *const *avow_timeline_csv_columns(void);
/** @} */
/* END timeline API */

/* BEGIN chart PNG API (issue 19) */
/**
 * Rasterise an SVG document (a chart from avow_chart_svg()) to PNG, through
 * librsvg, at the pixel size its width and height attributes give.
 * @param[out] out the PNG (appended; left as it was on failure)
 * @return 0, AVOW_EINVALID (not an SVG librsvg can draw, no pixel size), AVOW_ENOMEM
 */
AVOW_EXTERN int avow_png_from_svg(avow_buf *out, const unsigned char *svg, size_t len);
/* END chart PNG API */

/* BEGIN http sync API (issue 18) */
/** @defgroup avow_http_sync Pulling from a published log over HTTP
 *
 * `avow sync https://HOST/PREFIX/`: a read-only pull from what avow_publish()
 * writes (docs/PUBLISHING.md, "Pulling over HTTP").
 * @{ */

typedef struct avow_http_opts {
    unsigned int version;
    const avow_vkey *trust; /**< the log's key; NULL: any key of the keyring (owner or listed) */
    const avow_witness *witnesses; /**< a witness policy (may be NULL) */
    size_t n_witnesses;
    size_t quorum;                /**< cosignatures needed of the n_witnesses */
    unsigned stall_seconds;       /**< a response idle this long fails (0: 30) */
    avow_progress_cb on_progress; /**< entries done, out of the new ones */
    void *payload;
} avow_http_opts;
#define AVOW_HTTP_OPTS_VERSION 1
#define AVOW_HTTP_OPTS_INIT                                                                        \
    {                                                                                              \
        AVOW_HTTP_OPTS_VERSION, NULL, NULL, 0, 0, 0, NULL, NULL                                    \
    }

/**
 * Pull from the published log at url (http:// or https://, the directory of
 * its checkpoint): verify the checkpoint (the trusted key, the witness
 * policy), prove it consistent with the last checkpoint this ledger pulled
 * from that origin (from the tiles), check the new entries against their
 * tiles and the tiles against the root, then verify and append the events
 * bundle by bundle (whole bundles only) and remember the checkpoint.
 * stats->peer_origin is the log's origin; received and duplicates count entries.
 * @return 0; AVOW_EVERIFY (bad signature, a tile or bundle that does not
 *         match, an inconsistent checkpoint: the detail shows both), AVOW_EFORMAT
 *         (malformed bytes), AVOW_ERANGE (a response over its limit, a redirect
 *         loop), AVOW_EIO (connection, stall), AVOW_EINVALID (bad url)
 */
AVOW_EXTERN int avow_sync_http(avow_sync_stats *stats, avow_ledger *ledger, const char *url,
                               const avow_http_opts *opts);
/** @} */
/* END http sync API */

#ifdef __cplusplus
}
#endif

#endif /* AVOW_H */
