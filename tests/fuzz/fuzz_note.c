/* SPDX-License-Identifier: ISC */
/*
 * fuzz_note.c - fuzz target for the C2SP signed-note parser and what reads
 * notes: note_parse, note_checkpoint_parse, avow_checkpoint_open,
 * avow_note_signatures (cosignatures), avow_attest_verify (offline), and,
 * for inputs that start with '{', the evidence file reader
 * avow_evidence_verify. Input: the bytes of a checkpoint, cosigned
 * checkpoint, attestation or evidence file. Signatures are checked against
 * the fuzz key (seed bytes 0..31, the key of tests/fuzz/corpus/key/plain,
 * which signed the seeds of corpus/note/).
 *
 * Invariants asserted:
 *  1. note_parse() accepts nothing longer than NOTE_MAX_BYTES; what it accepts
 *     has a text that is a prefix of the input, ends in a newline and is
 *     followed by the blank line; 1..NOTE_MAX_SIGS signature lines, each a
 *     non-empty name without a space and a non-empty rest, inside the
 *     signature part (their content is judged only for a trusted name).
 *  2. Canonical: an accepted note whose lines all have valid names and
 *     decode re-serializes (text, blank line, one note_put_sig_line() per
 *     signature) to exactly the input bytes.
 *  3. note_checkpoint_parse() accepts a text that note_checkpoint_text()
 *     plus its extension lines reproduces byte for byte; the origin is a
 *     valid key name-sized line.
 *  4. avow_checkpoint_open() succeeds only on a parsed note whose checkpoint
 *     parses and that note_verify() accepts for the fuzz key under the origin;
 *     what it returns equals the parsed checkpoint.
 *  5. avow_note_signatures() calls back once per signature line, and only on
 *     notes note_parse() accepts; a verified line has a known type.
 *  6. avow_attest_verify() (offline) succeeds only where
 *     avow_checkpoint_open() does.
 *  7. avow_evidence_verify() is 0 or AVOW_EVERIFY (or ENOMEM), never reads
 *     past the input, and when it succeeds calls back once per event, each of
 *     which decodes and verifies.
 *  8. avow_vkey_parse() accepts a vkey only in the form avow_vkey_format()
 *     writes back byte for byte (a bare key: 64 hex); avow_vkey_verify_note()
 *     with the fuzz key as a bare key succeeds only on notes note_parse()
 *     accepts.
 */
#include <sodium.h>

#include "tlog/note.h"
#include "fuzz.h"

static const unsigned char *
fuzz_pk(void)
{
    static unsigned char pk[AVOW_PUBKEY_BYTES];
    static int done;
    if (!done) {
        unsigned char seed[32], sk[64];
        for (size_t i = 0; i < sizeof(seed); i++) {
            seed[i] = (unsigned char)i;
        }
        FUZZ_ASSERT(sodium_init() >= 0);
        crypto_sign_seed_keypair(pk, sk, seed);
        done = 1;
    }
    return pk;
}

struct sig_count {
    size_t n;
};

static int
count_sig(const avow_note_sig *sig, void *payload)
{
    struct sig_count *c = payload;
    FUZZ_ASSERT(sig->name != NULL && sig->name_len > 0);
    if (sig->verified) {
        FUZZ_ASSERT(sig->type == AVOW_SIG_ED25519 || sig->type == AVOW_SIG_COSIG);
        FUZZ_ASSERT(sig->key_index == 0);
    }
    c->n++;
    return 0;
}

static int
check_event(const avow_event *ev, uint64_t index, void *payload)
{
    avow_event again;
    size_t *n = payload;
    (void)index;
    FUZZ_ASSERT(avow_event_decode(&again, ev->raw, ev->raw_len) == 0);
    FUZZ_ASSERT(avow_event_verify(&again) == 0);
    (*n)++;
    return 0;
}

static void
fuzz_evidence(const uint8_t *data, size_t size)
{
    unsigned char *copy = (unsigned char *)fuzz_copy(data, size, 0);
    avow_checkpoint cp;
    size_t n = 0, seen = 0;
    int error = avow_evidence_verify(&cp, &n, copy, size, fuzz_pk(), check_event, &seen);
    if (error == 0) {
        FUZZ_ASSERT(n == seen && n >= 1 && n <= AVOW_EVIDENCE_MAX_EVENTS);
        FUZZ_ASSERT(size <= AVOW_EVIDENCE_MAX_BYTES);
    } else {
        FUZZ_ASSERT(error == AVOW_EVERIFY || error == AVOW_ENOMEM);
    }
    free(copy);
}

/* Invariant 3. */
static void
check_checkpoint(const note *n)
{
    note_checkpoint b;
    avow_buf again = AVOW_BUF_INIT;
    if (note_checkpoint_parse(&b, n->text, n->text_len) < 0) {
        return;
    }
    FUZZ_ASSERT(b.origin == n->text && b.origin_len >= 1 && b.origin_len <= AVOW_ORIGIN_MAX);
    FUZZ_ASSERT(b.size <= (uint64_t)INT64_MAX);
    FUZZ_ASSERT(note_checkpoint_text(&again, b.origin, b.origin_len, b.size, b.root) == 0);
    FUZZ_ASSERT(buf_put(&again, b.ext, b.ext_len) == 0);
    FUZZ_ASSERT(again.len == n->text_len && memcmp(again.ptr, n->text, again.len) == 0);
    avow_buf_dispose(&again);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const unsigned char *pk = fuzz_pk();
    char *msg;
    note *n;
    int parsed;

    if (size > 0 && data[0] == '{') {
        fuzz_evidence(data, size);
        return 0;
    }
    msg = fuzz_copy(data, size, 0);
    n = malloc(sizeof(*n));
    FUZZ_ASSERT(n != NULL);

    /* Invariants 1 and 2. */
    parsed = note_parse(n, msg, size);
    if (parsed == 0) {
        avow_buf again = AVOW_BUF_INIT;
        int keep_all = 1;
        FUZZ_ASSERT(size <= NOTE_MAX_BYTES);
        FUZZ_ASSERT(n->text == msg && n->text_len >= 1 && n->text_len + 1 < size);
        FUZZ_ASSERT(msg[n->text_len - 1] == '\n' && msg[n->text_len] == '\n');
        FUZZ_ASSERT(n->n_sigs >= 1 && n->n_sigs <= NOTE_MAX_SIGS);
        FUZZ_ASSERT(buf_put(&again, msg, n->text_len + 1) == 0);
        for (size_t i = 0; i < n->n_sigs; i++) {
            const note_sig *s = &n->sigs[i];
            note_sig_bytes d;
            FUZZ_ASSERT(s->name_len >= 1 && s->b64_len >= 1);
            FUZZ_ASSERT(s->name > msg + n->text_len && s->b64 + s->b64_len < msg + size);
            FUZZ_ASSERT(memchr(s->name, ' ', s->name_len) == NULL);
            if (!note_name_valid(s->name, s->name_len) || note_sig_decode(&d, s) < 0 ||
                d.sig_len > NOTE_SIG_KEEP) {
                keep_all = 0;
                continue;
            }
            FUZZ_ASSERT(
              note_put_sig_line(&again, s->name, s->name_len, d.key_id, d.sig, d.sig_len) == 0);
        }
        if (keep_all) {
            FUZZ_ASSERT(again.len == size && memcmp(again.ptr, msg, size) == 0);
        }
        avow_buf_dispose(&again);
        check_checkpoint(n);
    } else {
        FUZZ_ASSERT(parsed == AVOW_EFORMAT);
    }

    /* Invariant 4. */
    avow_checkpoint cp;
    int opened = avow_checkpoint_open(&cp, msg, size, pk);
    if (opened == 0) {
        note_checkpoint b;
        FUZZ_ASSERT(parsed == 0);
        FUZZ_ASSERT(note_checkpoint_parse(&b, n->text, n->text_len) == 0);
        FUZZ_ASSERT(note_verify(n, b.origin, b.origin_len, pk) == 0);
        FUZZ_ASSERT(cp.size == b.size && memcmp(cp.root, b.root, AVOW_HASH_BYTES) == 0);
        FUZZ_ASSERT(strlen(cp.origin) == b.origin_len &&
                    memcmp(cp.origin, b.origin, b.origin_len) == 0);
    } else {
        FUZZ_ASSERT(opened == AVOW_EFORMAT || opened == AVOW_EVERIFY);
    }

    /* Invariant 5. */
    struct sig_count c = { 0 };
    int listed = avow_note_signatures(msg, size, pk, 1, count_sig, &c);
    FUZZ_ASSERT((listed == 0) == (parsed == 0));
    if (listed == 0) {
        FUZZ_ASSERT(c.n == n->n_sigs);
    } else {
        FUZZ_ASSERT(c.n == 0);
    }

    /* Invariant 8. */
    avow_vkey vk;
    if (avow_vkey_parse(&vk, msg, size, 0) == 0 && vk.name[0] != '\0') {
        avow_buf again = AVOW_BUF_INIT;
        FUZZ_ASSERT(avow_vkey_format(&again, vk.name, vk.type, vk.key) == 0);
        FUZZ_ASSERT(again.len == size && memcmp(again.ptr, msg, size) == 0);
        avow_buf_dispose(&again);
    }
    avow_vkey bare;
    memset(&bare, 0, sizeof(bare));
    bare.type = AVOW_SIG_ED25519;
    memcpy(bare.key, pk, AVOW_PUBKEY_BYTES);
    int vopened = avow_vkey_verify_note(NULL, msg, size, &bare, 1);
    FUZZ_ASSERT(vopened != 0 || parsed == 0);

    /* Invariant 6. */
    avow_attestation a;
    int attested = avow_attest_verify(&a, NULL, msg, size, pk);
    if (attested == 0) {
        FUZZ_ASSERT(opened == 0);
        FUZZ_ASSERT(strlen(a.digest) == AVOW_HEX_ID_LEN);
    } else {
        FUZZ_ASSERT(attested == AVOW_EFORMAT || attested == AVOW_EVERIFY);
    }

    free(n);
    free(msg);
    return 0;
}
