/* SPDX-License-Identifier: ISC */
/*
 * codec.h - the canonical byte format of events (docs/FORMAT.md), internal
 * entry points beyond the public avow_event_* functions.
 */
#ifndef AVOW_CODEC_H
#define AVOW_CODEC_H

#include "common.h"

/*
 * Encode the signed message of a draft: the header and body, everything but
 * the signature. Validates the draft with the decoder's rules.
 * Appends to out. @return 0, AVOW_EINVALID, AVOW_ENOMEM
 */
int codec_encode_message(avow_buf *out, const avow_draft *draft,
                         const unsigned char author[AVOW_PUBKEY_BYTES], uint64_t seq,
                         const unsigned char prev[AVOW_HASH_BYTES], int64_t recorded_at);

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
    TAG_TARGET = 11
};

#endif /* AVOW_CODEC_H */
