/* SPDX-License-Identifier: ISC */
/*
 * codec.h - the canonical byte format of events (docs/FORMAT.md), internal
 * entry points beyond the public avow_event_* functions.
 */
#ifndef AVOW_CODEC_H
#define AVOW_CODEC_H

#include "util/common.h"

/*
 * Encode the signed message of a draft: the header and body, everything but
 * the signature. Validates the draft with the decoder's rules.
 * Appends to out. @return 0, AVOW_EINVALID, AVOW_ENOMEM
 */
int codec_encode_message(avow_buf *out, const avow_draft *draft,
                         const unsigned char author[AVOW_PUBKEY_BYTES], uint64_t seq,
                         const unsigned char prev[AVOW_HASH_BYTES], int64_t recorded_at);

/*
 * Decode an event read back from this ledger's store (invariant 10 of
 * codec.c): the structure, every length and bound are checked as by
 * avow_event_decode(), the text rules are not. Never for untrusted bytes.
 * @return 0 or AVOW_EFORMAT
 */
int codec_decode_stored(avow_event *out, const unsigned char *raw, size_t len);

/* Sign a message produced by codec_encode_message() with the domain-separated
 * construction of docs/FORMAT.md. */
void codec_sign_message(unsigned char sig[AVOW_SIG_BYTES], const unsigned char *msg, size_t len,
                        const avow_key *key);

/* Offset of the seq field inside an encoded event (for tests that craft bytes). */
#define CODEC_OFF_VERSION   0
#define CODEC_OFF_KIND      1
#define CODEC_OFF_AUTHOR    2
#define CODEC_OFF_SEQ       34
#define CODEC_OFF_PREV      42
#define CODEC_OFF_RECORDED  74
#define CODEC_OFF_EFFECTIVE 82
#define CODEC_OFF_PRECISION 90
#define CODEC_OFF_BODYLEN   91
#define CODEC_OFF_BODY      93

/* Body field tags, in canonical (ascending) order. */
enum codec_tag {
    TAG_CONTEST = 1,
    TAG_TITLE = 2,
    TAG_RULE = 3,
    TAG_ACTOR = 4,
    TAG_CANDIDATE = 5,
    TAG_STANCE = 6,
    TAG_PERSON = 7,
    TAG_SOURCE = 8,
    TAG_QUOTE = 9,
    TAG_REASON = 10,
    TAG_TARGET = 11,
    TAG_SUCCESSOR = 12,     /* key-succession: the next public key (32 bytes) */
    TAG_SUCCESSOR_SIG = 13, /* key-succession: the next key's signature (64 bytes) */
    /* Format v2. */
    TAG_CONFIDENCE = 14,   /* 1 byte: avow_confidence 1..3 */
    TAG_NOTE = 15,         /* multi-line text */
    TAG_REPORTED_AT = 16,  /* a time: 8 bytes (signed us) and its precision */
    TAG_QUALIFIER = 17,    /* 1 byte: avow_qualifier 1..3 (absent: exact) */
    TAG_FROM = 18,         /* a time: the start of a between interval */
    TAG_TAKES_EFFECT = 19, /* a time: when a decision takes effect */
    TAG_CHOICE = 20        /* 1 byte: avow_choice 1..2 */
};

/* Format versions this codec reads; it writes the lowest that holds a draft. */
#define CODEC_VERSION_1 1
#define CODEC_VERSION_2 2
/* Bytes of a time field: signed microseconds (8) and precision (1). */
#define CODEC_TIME_BYTES 9

/* Highest kind this codec knows, in all versions and in version 1. */
#define CODEC_KIND_MAX    AVOW_KIND_ACTOR_NAME
#define CODEC_KIND_MAX_V1 AVOW_KIND_KEY_SUCCESSION

/* Domain separation of the successor's signature in a key-succession event. */
#define CODEC_SUCCESSION_CONTEXT       "avow/key-succession/v1"
#define CODEC_SUCCESSION_CONTEXT_BYTES (sizeof(CODEC_SUCCESSION_CONTEXT))

/*
 * Encode and sign a key-succession event (docs/FORMAT.md, "Key succession"):
 * author `old`, naming `next`, signed by next over the succession message and
 * by old over the event. Appends to out. @return 0, AVOW_EINVALID, AVOW_ENOMEM
 */
int codec_encode_succession(avow_buf *out, const avow_key *old, const avow_key *next, uint64_t seq,
                            const unsigned char prev[AVOW_HASH_BYTES], int64_t recorded_at);

/* The successor key and its signature in a decoded key-succession event
 * (borrowed from ev). @return 1, or 0 when ev is not a succession. */
int codec_successor(const avow_event *ev, const unsigned char **next, const unsigned char **sig);

/*
 * The hashes the store keeps of a signed event: its id (SHA-256 of all its
 * bytes), its content hash (SHA-256 without the signature: the next event's
 * prev) and its Merkle leaf hash (docs/AUDIT.md). The writer computes them
 * on the worker pool (src/event/jobs.c) so that its own thread only indexes.
 */
typedef struct codec_hashes {
    unsigned char id[AVOW_EVENT_ID_BYTES];
    unsigned char content[AVOW_HASH_BYTES];
    unsigned char leaf[AVOW_HASH_BYTES];
} codec_hashes;

/* All three hashes of raw (len >= AVOW_SIG_BYTES: a whole signed event). */
void codec_hash_event(codec_hashes *h, const unsigned char *raw, size_t len);

#endif /* AVOW_CODEC_H */
