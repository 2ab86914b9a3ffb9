/* SPDX-License-Identifier: ISC */
/*
 * fuzz_rule.c - fuzz target for the decision-rule check (avow_rule_check).
 * Input: the rule bytes, not NUL-terminated.
 *
 * Invariants asserted:
 *  1. avow_rule_check() agrees with an independent reference grammar:
 *     "unanimity" | "majority" | N | P "/" Q, where numbers are 1..1000000
 *     written without sign or leading zero, and P <= Q.
 *  2. A refusal is AVOW_EINVALID with a reason in avow_error_last().
 *  3. An accepted rule fits a contest event: a contest draft carrying it
 *     encodes (within AVOW_MAX_RULE) and decodes back to the same bytes.
 */
#include <string.h>

#include "event/codec.h"
#include "fuzz.h"

#define RULE_REF_MAX 1000000UL

/* A number 1..RULE_REF_MAX without leading zero. @return 1 if s[0..len) is one */
static int
ref_number(const char *s, size_t len, unsigned long *out)
{
    unsigned long v = 0;
    if (len == 0 || len > 7 || s[0] == '0') {
        return 0;
    }
    for (size_t i = 0; i < len; i++) {
        if (s[i] < '0' || s[i] > '9') {
            return 0;
        }
        v = v * 10 + (unsigned long)(s[i] - '0');
    }
    *out = v;
    return v <= RULE_REF_MAX;
}

static int
ref_rule_ok(const char *s, size_t len)
{
    unsigned long p, q;
    if ((len == 9 && memcmp(s, "unanimity", 9) == 0) ||
        (len == 8 && memcmp(s, "majority", 8) == 0)) {
        return 1;
    }
    for (size_t i = 0; i < len; i++) {
        if (s[i] == '/') {
            return ref_number(s, i, &p) && ref_number(s + i + 1, len - i - 1, &q) && p <= q;
        }
    }
    return ref_number(s, len, &p);
}

/* Invariant 3. */
static void
check_encodes(const char *rule)
{
    static const unsigned char zero[AVOW_HASH_BYTES];
    unsigned char author[AVOW_PUBKEY_BYTES];
    avow_buf msg = AVOW_BUF_INIT;
    avow_draft d = AVOW_DRAFT_INIT;
    avow_event ev;

    memset(author, 0xa5, sizeof(author));
    d.kind = AVOW_KIND_CONTEST;
    d.effective_at = 0;
    d.precision = AVOW_PREC_DAY;
    d.contest = "c";
    d.title = "t";
    d.rule = rule;
    FUZZ_ASSERT(codec_encode_message(&msg, &d, author, 1, zero, 0) == 0);
    /* A zero signature: decoding does not check it. */
    FUZZ_ASSERT(buf_grow(&msg, AVOW_SIG_BYTES) == 0);
    memset(msg.ptr + msg.len, 0, AVOW_SIG_BYTES);
    msg.len += AVOW_SIG_BYTES;
    FUZZ_ASSERT(avow_event_decode(&ev, msg.ptr, msg.len) == 0);
    FUZZ_ASSERT(ev.rule.len == strlen(rule) && memcmp(ev.rule.ptr, rule, ev.rule.len) == 0);
    FUZZ_ASSERT(ev.rule.len <= AVOW_MAX_RULE);
    avow_buf_dispose(&msg);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *rule = fuzz_copy(data, size, 0);
    int rc = avow_rule_check(rule, size);
    int ref = ref_rule_ok(rule, size);

    if (rc != 0) {
        /* Invariant 2. */
        FUZZ_ASSERT(rc == AVOW_EINVALID);
        FUZZ_ASSERT(avow_error_last()[0] != '\0');
    }
    /* Invariant 1. */
    if ((rc == 0) != ref) {
        fprintf(stderr, "avow_rule_check says %d, the reference grammar says %s\n", rc,
                ref ? "valid" : "invalid");
        FUZZ_ASSERT(!"avow_rule_check agrees with the reference grammar");
    }
    if (rc == 0) {
        char *text = fuzz_copy(data, size, 1);
        check_encodes(text);
        free(text);
    }
    free(rule);
    return 0;
}
