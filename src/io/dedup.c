/* SPDX-License-Identifier: ISC */
/*
 * dedup.c - the same record, for an idempotent `import --sign`: a record is
 * already recorded when an event of the same key says the same thing.
 *
 * Invariants (tests/cli/test_reimport.sh, docs/avow.1 "avow import"):
 *  1. "The same thing" is the encoded event less what signing adds: the kind,
 *     effective_at and its precision, and the whole encoded body (every field
 *     the format has, in canonical bytes, so a field a later format adds
 *     counts without a change here). author, seq, prev, recorded_at and the
 *     signature are left out. A retraction's effective_at defaults to the
 *     time of the import, so for a retraction only the kind and body count
 *     (the same target and reason).
 *  2. Matching is by multiset: each event of the ledger matches at most one
 *     record of the file, so a file holding the same record twice, imported
 *     after its first half, appends exactly the rest.
 *  3. An event its author retracted is not recorded any more: after an undo
 *     (`retract --seq`, `retract --batch`), importing the corrected file
 *     appends its records again.
 */
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "event/codec.h"
#include "io/dedup.h"
#include "util/grow.h"

/* Invariant 1, from the bytes of an encoded message or event. */
static int
dedup_hash(unsigned char fp[DEDUP_FP_BYTES], const unsigned char *p, size_t len)
{
    crypto_hash_sha256_state h;
    size_t body_len;

    if (len < CODEC_OFF_BODY) {
        return error_set(AVOW_EFORMAT, "event too short to fingerprint");
    }
    body_len = ((size_t)p[CODEC_OFF_BODYLEN] << 8) | p[CODEC_OFF_BODYLEN + 1];
    if (CODEC_OFF_BODY + body_len > len) {
        return error_set(AVOW_EFORMAT, "event body past its end");
    }
    crypto_hash_sha256_init(&h);
    crypto_hash_sha256_update(&h, p + CODEC_OFF_KIND, 1);
    if (p[CODEC_OFF_KIND] != AVOW_KIND_RETRACT) {
        crypto_hash_sha256_update(&h, p + CODEC_OFF_EFFECTIVE,
                                  CODEC_OFF_PRECISION + 1 - CODEC_OFF_EFFECTIVE);
    }
    crypto_hash_sha256_update(&h, p + CODEC_OFF_BODYLEN, 2 + body_len);
    crypto_hash_sha256_final(&h, fp);
    return 0;
}

int
dedup_of_event(unsigned char fp[DEDUP_FP_BYTES], const unsigned char *raw, size_t len)
{
    return dedup_hash(fp, raw, len);
}

int
dedup_of_draft(unsigned char fp[DEDUP_FP_BYTES], avow_buf *tmp, const avow_draft *d)
{
    static const unsigned char zero[AVOW_HASH_BYTES] = { 0 };
    int error;

    buf_clear(tmp);
    if ((error = codec_encode_message(tmp, d, zero, 1, zero, 0)) < 0) {
        return error;
    }
    return dedup_hash(fp, tmp->ptr, tmp->len);
}

/* Invariant 3: each retracted target's fingerprint is taken off once. */
static int
dedup_unretract(import_table *t, avow_ledger *ledger, const unsigned char *targets, size_t n)
{
    avow_buf raw = AVOW_BUF_INIT;
    unsigned char fp[DEDUP_FP_BYTES];
    int error = 0;

    for (size_t i = 0; i < n && error == 0; i++) {
        error = avow_ledger_get(&raw, NULL, ledger, targets + i * AVOW_EVENT_ID_BYTES);
        if (error == AVOW_ENOTFOUND) {
            error = 0; /* a retraction of an event this ledger does not hold */
            continue;
        }
        if (error == 0 && (error = dedup_of_event(fp, raw.ptr, raw.len)) == 0) {
            (void)dedup_take(t, fp);
        }
    }
    avow_buf_dispose(&raw);
    return error;
}

int
dedup_load(import_table *t, avow_ledger *ledger, const unsigned char author[AVOW_PUBKEY_BYTES])
{
    avow_iter_opts io = AVOW_ITER_OPTS_INIT;
    avow_iter *it = NULL;
    unsigned char fp[DEDUP_FP_BYTES];
    unsigned char *targets = NULL;
    size_t ntargets = 0, cap = 0;
    import_table_value *v;
    avow_event ev;
    int error;

    io.author = author;
    if ((error = avow_iter_new(&it, ledger, &io)) < 0) {
        return error;
    }
    while ((error = avow_iter_next(&ev, NULL, it)) == 1) {
        if ((error = dedup_of_event(fp, ev.raw, ev.raw_len)) < 0) {
            break;
        }
        if ((v = import_table_find(t, fp, sizeof(fp))) == NULL &&
            (error = import_table_add(t, fp, sizeof(fp), &v)) < 0) {
            break;
        }
        v->seq++;
        if (ev.kind == AVOW_KIND_RETRACT && ev.target != NULL) {
            if ((error = grow_array(&targets, &cap, (ntargets + 1) * AVOW_EVENT_ID_BYTES, 1,
                                    64 * AVOW_EVENT_ID_BYTES)) < 0) {
                break;
            }
            memcpy(targets + ntargets++ * AVOW_EVENT_ID_BYTES, ev.target, AVOW_EVENT_ID_BYTES);
        }
    }
    avow_iter_free(it);
    if (error == 0) {
        error = dedup_unretract(t, ledger, targets, ntargets);
    }
    free(targets);
    return error;
}

int
dedup_take(import_table *t, const unsigned char fp[DEDUP_FP_BYTES])
{
    import_table_value *v = import_table_find(t, fp, DEDUP_FP_BYTES);

    if (v == NULL || v->seq == 0) {
        return 0;
    }
    v->seq--;
    return 1;
}
