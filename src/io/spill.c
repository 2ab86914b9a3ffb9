/* SPDX-License-Identifier: ISC */
/*
 * spill.c - the spill of an import --sign: the drafts of the good unsigned
 * records its check pass accepted, written to a temporary file so that its
 * append pass signs exactly what was checked without parsing the input
 * again (src/io/import.c invariant 5).
 *
 * A spilled record: a u32 length of what follows, the line (u64), the
 * effective time (i64), kind, precision, stance and whether a target
 * follows (a byte each), the fields of format v2 (qualifier, confidence,
 * choice and from's precision, a byte each; from, reported_at (i64), its
 * precision, takes_effect (i64), its precision), the target (32 bytes), then
 * each text field of the draft as a u32 length (SPILL_ABSENT: none) and its
 * bytes with their NUL.
 *
 * Invariants (tests/unit/test_interchange.c):
 *  1. The file is unlinked as soon as it is created (in $TMPDIR or /tmp): it
 *     lives and dies with this process, so native byte order is enough.
 *  2. A spill that cannot be created or written is given up, never half
 *     used: the import then parses its input again.
 *  3. What reads back is exactly what was written or an error (AVOW_EIO):
 *     lengths are bounded and checked, every string ends in its NUL, and
 *     the bytes read back must total the bytes written.
 */
#include "io/record.h"
#include "io/spill.h"
#include "util/fsutil.h"

#define SPILL_ABSENT UINT32_MAX
#define SPILL_FIXED  50 /* line, time, four bytes; four bytes, three times, two bytes */

/* Invariants 1 and 2: fsutil_tmpfile(), or no spill (the append pass
 * parses again). */
void
spill_open(spill *s)
{
    if (fsutil_tmpfile(&s->f, "avow-import") < 0) {
        s->f = NULL; /* the message stays unread: no spill is no error */
    }
}

/* Invariant 2. */
void
spill_drop(spill *s)
{
    if (s->f != NULL) {
        (void)fclose(s->f); /* a scratch file: nothing to lose */
        s->f = NULL;
    }
}

void
spill_dispose(spill *s)
{
    spill_drop(s);
    avow_buf_dispose(&s->buf);
}

static int
spill_add_v2(avow_buf *b, const avow_draft *d)
{
    const unsigned char v2[4] = { d->qualifier, d->confidence, d->choice, d->from_precision };
    int error;
    if ((error = buf_put(b, v2, sizeof(v2))) < 0 ||
        (error = buf_put(b, &d->from, sizeof(d->from))) < 0 ||
        (error = buf_put(b, &d->reported_at, sizeof(d->reported_at))) < 0 ||
        (error = buf_put(b, &d->takes_effect, sizeof(d->takes_effect))) < 0 ||
        (error = buf_put(b, &d->reported_precision, 1)) < 0 ||
        (error = buf_put(b, &d->takes_effect_precision, 1)) < 0) {
        return error;
    }
    return 0;
}

int
spill_add(spill *s, uint64_t line, const avow_draft *d)
{
    avow_buf *b = &s->buf;
    const unsigned char flags[4] = { d->kind, d->precision, d->stance, d->target != NULL };
    size_t start = b->len;
    uint32_t len = 0;
    int error;
    if (s->f == NULL) {
        return 0;
    }
    if ((error = buf_put(b, &len, sizeof(len))) < 0 ||
        (error = buf_put(b, &line, sizeof(line))) < 0 ||
        (error = buf_put(b, &d->effective_at, sizeof(d->effective_at))) < 0 ||
        (error = buf_put(b, flags, sizeof(flags))) < 0 || (error = spill_add_v2(b, d)) < 0 ||
        (d->target != NULL && (error = buf_put(b, d->target, AVOW_EVENT_ID_BYTES)) < 0)) {
        return error;
    }
    for (size_t t = 0; t < RECORD_TEXT_COUNT; t++) {
        const char *v = record_text_get(d, t);
        uint32_t n = v != NULL ? (uint32_t)strlen(v) + 1 : SPILL_ABSENT;
        if ((error = buf_put(b, &n, sizeof(n))) < 0 ||
            (v != NULL && (error = buf_put(b, v, n)) < 0)) {
            return error;
        }
    }
    len = (uint32_t)(b->len - start - sizeof(len));
    memcpy(b->ptr + start, &len, sizeof(len));
    return 0;
}

/* Invariant 2. */
void
spill_write(spill *s)
{
    if (s->f != NULL && s->buf.len > 0) {
        if (fwrite(s->buf.ptr, 1, s->buf.len, s->f) != s->buf.len) {
            spill_drop(s);
        } else {
            s->size += s->buf.len;
        }
    }
    buf_clear(&s->buf);
}

/* Invariant 2. */
void
spill_rewind(spill *s)
{
    if (s->f != NULL && (fflush(s->f) != 0 || fseek(s->f, 0, SEEK_SET) != 0)) {
        spill_drop(s);
    }
}

int
spill_corrupt(void)
{
    return error_set(AVOW_EIO, "the import's temporary file does not read back as written");
}

/* Invariant 3: one spilled record (p, len: what follows its length) into
 * *d and *line; the draft's strings point into p. */
static int
spill_decode(avow_draft *d, uint64_t *line, const unsigned char *p, size_t len)
{
    avow_draft init = AVOW_DRAFT_INIT;
    size_t at = SPILL_FIXED;
    *d = init;
    if (len < SPILL_FIXED) {
        return spill_corrupt();
    }
    memcpy(line, p, 8);
    memcpy(&d->effective_at, p + 8, 8);
    d->kind = p[16];
    d->precision = p[17];
    d->stance = p[18];
    d->qualifier = p[20];
    d->confidence = p[21];
    d->choice = p[22];
    d->from_precision = p[23];
    memcpy(&d->from, p + 24, 8);
    memcpy(&d->reported_at, p + 32, 8);
    memcpy(&d->takes_effect, p + 40, 8);
    d->reported_precision = p[48];
    d->takes_effect_precision = p[49];
    if (p[19]) {
        if (len - at < AVOW_EVENT_ID_BYTES) {
            return spill_corrupt();
        }
        d->target = p + at;
        at += AVOW_EVENT_ID_BYTES;
    }
    for (size_t t = 0; t < RECORD_TEXT_COUNT; t++) {
        uint32_t n;
        if (len - at < sizeof(n)) {
            return spill_corrupt();
        }
        memcpy(&n, p + at, sizeof(n));
        at += sizeof(n);
        if (n == SPILL_ABSENT) {
            continue;
        }
        if (n == 0 || n > len - at || p[at + n - 1] != '\0') {
            return spill_corrupt();
        }
        *record_text(d, t) = (const char *)(p + at);
        at += n;
    }
    return at == len ? 0 : spill_corrupt();
}

/* Invariant 3. */
int
spill_read(spill *s, spill_chunk *c)
{
    int error;
    buf_clear(c->text);
    c->n = 0;
    while (c->n < c->max && c->text->len < c->max_text) {
        uint32_t len;
        size_t got = fread(&len, 1, sizeof(len), s->f);
        if (got == 0 && feof(s->f)) {
            break;
        }
        if (got != sizeof(len) || len < SPILL_FIXED || len > SPILL_RECORD_MAX) {
            return spill_corrupt();
        }
        if ((error = buf_grow(c->text, len)) < 0) {
            return error;
        }
        if (fread(c->text->ptr + c->text->len, 1, len, s->f) != len) {
            return spill_corrupt();
        }
        c->offs[c->n] = c->text->len;
        c->lens[c->n] = len;
        c->text->len += len;
        s->done += sizeof(len) + len;
        c->n++;
    }
    for (size_t i = 0; i < c->n; i++) {
        error = spill_decode(&c->drafts[i], &c->lines[i], c->text->ptr + c->offs[i], c->lens[i]);
        if (error < 0) {
            c->n = 0;
            return error;
        }
    }
    return c->n > 0;
}

/* Invariant 3. */
int
spill_check_end(const spill *s)
{
    return s->done == s->size ? 0 : spill_corrupt();
}
