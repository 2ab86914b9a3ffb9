/* SPDX-License-Identifier: ISC */
/*
 * import.c - avow_import(): JSON Lines of signed events (an export) appended
 * after a check pass, and unsigned declaration records (JSON Lines or CSV)
 * signed on the way in (docs/FORMAT.md, "JSON Lines interchange"). The forms
 * are read by src/io/reader.c, src/io/jsonl.c and src/io/csv.c; this file
 * runs the two passes.
 *
 * Invariants (tests/unit/test_interchange.c):
 *  1. Streaming: import holds one line (at most AVOW_LINE_MAX bytes) plus
 *     one batch (invariant 4). What grows with the input is only the table
 *     of authors (signed) or contests (unsigned) named in the file, the
 *     list of bad lines skipped with AVOW_IMPORT_SKIP_BAD and of duplicates
 *     skipped (invariant 6), and the fingerprints of the key's events.
 *  2. Nothing is appended unless the check pass found every line good (or
 *     AVOW_IMPORT_SKIP_BAD is set, and then only the good lines are). The
 *     check pass uses the codec's own rules (src/io/record.c invariant 1,
 *     strict avow_event_decode), so a line it accepts is one the store
 *     accepts.
 *  3. Every refused line is reported with its 1-based line number (a CSV
 *     record: the line it starts on) and the reason; text of the input in a
 *     message is clipped (src/io/clip.c).
 *  4. Unsigned records are read a chunk at a time (at most
 *     IMPORT_PARSE_CHUNK records, at most IMPORT_CHUNK_TEXT bytes of text
 *     after its first) and parsed on the worker pool; everything that
 *     depends on order (the ledger checks, the bad-line reports, the chain)
 *     then runs in order on this thread.
 *  5. The check pass writes the draft of each good unsigned record to a
 *     temporary file (the spill, src/io/spill.c), and the append pass signs
 *     what it reads back from there instead of parsing the input again: what
 *     is appended is exactly what was checked. Without a spill (it could not
 *     be created or written), the append pass parses the input again, as the
 *     check pass did.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sodium.h>

#include "util/fsutil.h"
#include "util/pool.h"
#include "io/clip.h"
#include "io/csv.h"
#include "io/dedup.h"
#include "io/import_table.h"
#include "io/jsonl.h"
#include "io/reader.h"
#include "io/record.h"
#include "io/spill.h"
#include "ledger/store.h"
#include "util/grow.h"

/* One unsigned record of a chunk (AVOW_IMPORT_SIGN): its text in the chunk,
 * then its draft, parsed on the pool (invariant 4). */
typedef struct import_slot {
    avow_record *rec; /* the draft; its strings point into rec or the chunk */
    size_t off, len;  /* JSON: the line in the chunk's text */
    uint64_t line;
    int code;  /* 0, or why the line is refused */
    char *msg; /* the message of code (NULL: avow_strerror) */
} import_slot;

typedef struct import_run {
    avow_ledger *ledger;
    avow_import_result *res;
    const avow_import_opts *o;
    unsigned int flags;
    const unsigned char *pk;
    reader rd;
    FILE *f;
    uint64_t total; /* twice the file size: two passes */
    uint64_t base;  /* bytes of the first pass, during the second */
    uint64_t ticks; /* records seen, for progress */
    int64_t now;
    csv_header csv;
    import_table authors;  /* signed: author -> head seq and content hash */
    import_table contests; /* unsigned: contests defined by good lines */
    uint64_t *bad;         /* lines skipped (AVOW_IMPORT_SKIP_BAD) */
    size_t nbad, badcap;
    int first_code;
    char first_msg[512];
    avow_buf tmp;
    /* The batch. */
    size_t batch, n;
    avow_buf arena;
    size_t *offs;
    size_t *lens;
    const unsigned char **ptrs;
    uint64_t *lines;
    /* Unsigned records: a chunk of up to `batch` records read as text
     * (CSV: each field NUL-terminated, at fofs/flen), parsed on the pool. */
    pool *pool;
    int checking; /* the check pass: records are checked as well as parsed */
    import_slot *slots;
    size_t nslots, slots_max;
    avow_buf text;
    size_t *fofs, *flen;
    avow_draft *drafts;
    /* Invariant 5: the drafts of the good records, written by the check pass. */
    spill spill;
    /* Invariant 6: fingerprints of the key's events here, with their counts. */
    int dedup;
    import_table seen;
} import_run;

static int
import_is_line_error(int code)
{
    switch (code) {
    case AVOW_EFORMAT:
    case AVOW_EINVALID:
    case AVOW_EVERIFY:
    case AVOW_ECHAIN:
    case AVOW_ENOTFOUND:
    case AVOW_EEXISTS:
    case AVOW_ERANGE:
        return 1;
    default:
        return 0;
    }
}

/* Report progress; the callback's negative value stops the import. */
static int
import_progress(import_run *m, int force)
{
    if (m->o->on_progress != NULL && (force || ++m->ticks % IMPORT_PROGRESS_EVERY == 0)) {
        uint64_t done = m->base + m->rd.offset;
        if (m->spill.f != NULL && m->base > 0) {
            /* The append pass reads the spill: its share of the second half. */
            double part = m->spill.size > 0 ? (double)m->spill.done / (double)m->spill.size : 1;
            done = m->base + (uint64_t)(part * (double)(m->total - m->base));
        }
        return m->o->on_progress(done > m->total ? m->total : done, m->total, m->o->payload);
    }
    return 0;
}

static int import_skip_line(import_run *m, uint64_t line);

/* Invariant 3: report a refused line; keep its number when skipping. */
static int
import_bad(import_run *m, uint64_t line, int code)
{
    const char *what = avow_error_last();
    if (m->res->bad == 0) {
        m->first_code = code;
        m->res->first_bad = line;
        /* A message: truncation is harmless. */
        (void)snprintf(m->first_msg, sizeof(m->first_msg), "%s", what);
    }
    m->res->bad++;
    if (m->o->on_bad != NULL) {
        int stop = m->o->on_bad(line, code, what, m->o->payload);
        if (stop < 0) {
            return stop;
        }
    }
    return (m->flags & AVOW_IMPORT_SKIP_BAD) ? import_skip_line(m, line) : 0;
}

/* Keep a line number the append pass leaves out (a bad line skipped, a duplicate). */
static int
import_skip_line(import_run *m, uint64_t line)
{
    int error = grow_array(&m->bad, &m->badcap, m->nbad + 1, sizeof(*m->bad), 64);
    if (error < 0) {
        return error;
    }
    m->bad[m->nbad++] = line;
    return 0;
}

/* Next line or record: 1, 0 at the end, or an error (a line error or fatal). */
static int
import_next(import_run *m)
{
    if (m->flags & AVOW_IMPORT_CSV) {
        return csv_next(&m->rd, &m->csv);
    }
    return reader_line(&m->rd);
}

/* Check pass, one signed event: invariant 3, then its author's chain. */
static int
import_check_signed(import_run *m)
{
    unsigned char id[AVOW_EVENT_ID_BYTES];
    unsigned char h[AVOW_HASH_BYTES];
    char who[9];
    avow_event ev;
    import_table_value *e;
    int error;

    buf_clear(&m->tmp);
    if ((error = avow_event_from_json(&m->tmp, m->rd.rec, m->rd.rec_len)) < 0) {
        return error;
    }
    if ((error = avow_event_decode(&ev, m->tmp.ptr, m->tmp.len)) < 0) {
        return error;
    }
    avow_event_id(id, &ev);
    avow_event_content_hash(h, &ev);
    avow_hex(who, ev.author, 4);
    e = import_table_find(&m->authors, ev.author, AVOW_PUBKEY_BYTES);
    if (e == NULL) {
        uint64_t seq = 0;
        unsigned char hash[AVOW_HASH_BYTES];
        if ((error = avow_ledger_head(&seq, hash, m->ledger, ev.author)) < 0 ||
            (error = import_table_add(&m->authors, ev.author, AVOW_PUBKEY_BYTES, &e)) < 0) {
            return error;
        }
        e->seq = seq;
        e->base_seq = seq;
        memcpy(e->hash, hash, AVOW_HASH_BYTES);
    }
    if (ev.seq == e->seq + 1) {
        if (sodium_memcmp(ev.prev, e->hash, AVOW_HASH_BYTES) != 0) {
            return error_set(AVOW_ECHAIN,
                             "author %s seq %" PRIu64 " does not link to its seq %" PRIu64, who,
                             ev.seq, e->seq);
        }
        e->seq = ev.seq;
        memcpy(e->hash, h, AVOW_HASH_BYTES);
        return 0;
    }
    if (ev.seq <= e->base_seq) {
        /* In the ledger (a duplicate: skipped), or a fork of its chain. */
        buf_clear(&m->tmp);
        error = avow_ledger_get(&m->tmp, NULL, m->ledger, id);
        if (error == AVOW_ENOTFOUND) {
            return error_set(AVOW_ECHAIN,
                             "author %s seq %" PRIu64
                             " differs from the event the ledger holds (a fork)",
                             who, ev.seq);
        }
        return error;
    }
    if (ev.seq <= e->seq) {
        /* The same as an earlier line (a duplicate: skipped), else a fork,
         * which the append refuses. */
        return 0;
    }
    return error_set(AVOW_ECHAIN,
                     "author %s seq %" PRIu64 " follows seq %" PRIu64
                     ": events are missing (import a whole export, not one contest's)",
                     who, ev.seq, e->seq);
}

/* Check pass, one unsigned record parsed (its format is good): the ledger. */
static int
import_check_draft(import_run *m, const avow_draft *d)
{
    char shown[CLIP_BYTES];
    avow_event ev;
    import_table_value *e;
    int error;

    if (d->kind == AVOW_KIND_RETRACT) {
        char hex[AVOW_HEX_ID_LEN + 1];
        avow_hex(hex, d->target, 8);
        buf_clear(&m->tmp);
        error = avow_ledger_get(&m->tmp, NULL, m->ledger, d->target);
        if (error == AVOW_ENOTFOUND) {
            return error_set(AVOW_ENOTFOUND, "target %s... is not in the ledger", hex);
        }
        if (error < 0) {
            return error;
        }
        if ((error = avow_event_decode(&ev, m->tmp.ptr, m->tmp.len)) < 0) {
            return error_set(AVOW_EIO, "stored event %s... does not decode (run avow verify)", hex);
        }
        if (sodium_memcmp(ev.author, m->pk, AVOW_PUBKEY_BYTES) != 0) {
            return error_set(AVOW_EINVALID,
                             "target %s... was signed by another author (only its author "
                             "retracts an event)",
                             hex);
        }
        return 0;
    }
    if (d->contest == NULL) {
        return 0;
    }
    clip_text(shown, d->contest, strlen(d->contest));
    e = import_table_find(&m->contests, d->contest, strlen(d->contest));
    if (d->kind == AVOW_KIND_CONTEST) {
        if (e != NULL) {
            return error_set(AVOW_EEXISTS, "contest %s is defined on an earlier line", shown);
        }
        if ((error = avow_ledger_contest_stands(m->ledger, d->contest)) < 0) {
            return error;
        }
        if (error == 1) {
            return error_set(AVOW_EEXISTS, "contest %s already exists in the ledger", shown);
        }
        return import_table_add(&m->contests, d->contest, strlen(d->contest), &e);
    }
    if (e != NULL) {
        return 0;
    }
    if ((error = avow_ledger_has_contest(m->ledger, d->contest)) < 0) {
        return error;
    }
    if (error == 0) {
        return error_set(AVOW_ENOTFOUND,
                         "no contest %s in the ledger or on an earlier line (define it "
                         "first: kind contest)",
                         shown);
    }
    return 0;
}

/* Copy the record the reader holds into the chunk (slot s). */
static int
import_stash(import_run *m, import_slot *s)
{
    size_t i = (size_t)(s - m->slots);
    int error;
    if (!(m->flags & AVOW_IMPORT_CSV)) {
        s->off = m->text.len;
        s->len = m->rd.rec_len;
        return buf_put(&m->text, m->rd.rec, m->rd.rec_len + 1);
    }
    for (size_t k = 0; k < m->csv.cols; k++) {
        m->fofs[i * m->csv.cols + k] = m->text.len;
        m->flen[i * m->csv.cols + k] = m->rd.field_lens[k];
        if ((error = buf_put(&m->text, m->rd.fields[k], m->rd.field_lens[k] + 1)) < 0) {
            return error;
        }
    }
    return 0;
}

/* Read the next chunk of unsigned records: up to m->slots_max of them, and no
 * more text than IMPORT_CHUNK_TEXT after the first. A line the reader refuses
 * takes a slot with its error. @return 1 (m->nslots > 0), 0 at the end, or a
 * fatal error. */
static int
import_read_chunk(import_run *m)
{
    m->nslots = 0;
    buf_clear(&m->text);
    while (m->nslots < m->slots_max && m->text.len < IMPORT_CHUNK_TEXT) {
        import_slot *s = &m->slots[m->nslots];
        int error = import_next(m);
        if (error == 0) {
            break;
        }
        free(s->msg);
        s->msg = NULL;
        s->code = 0;
        s->line = m->rd.rec_line;
        if (error < 0) {
            if (!import_is_line_error(error)) {
                return error;
            }
            s->code = error;
            s->msg = strdup(avow_error_last()); /* NULL: the code's own text */
        } else if ((error = import_stash(m, s)) < 0) {
            return error;
        }
        m->nslots++;
    }
    return m->nslots > 0;
}

/* Parse slots [begin, end) of the chunk: runs on the pool's threads. */
static void
import_parse_fn(void *vctx, size_t begin, size_t end)
{
    import_run *m = vctx;
    for (size_t i = begin; i < end; i++) {
        import_slot *s = &m->slots[i];
        int error;
        if (s->code != 0) {
            continue;
        }
        if (m->flags & AVOW_IMPORT_CSV) {
            record_values vals;
            size_t f = i * m->csv.cols;
            csv_values(&vals, &m->csv, (const char *)m->text.ptr, m->fofs + f, m->flen + f);
            error = record_from_values(s->rec, &vals, m->now, m->checking);
        } else {
            error = jsonl_record_parse(s->rec, (const char *)m->text.ptr + s->off, s->len, m->now,
                                       m->checking);
            if (error == 0) {
                error = record_keep_text(s->rec);
            }
        }
        if (error < 0) {
            s->code = error;
            s->msg = strdup(avow_error_last());
        }
    }
}

/* Read the next chunk and parse it on every core (invariant 4).
 * @return as import_read_chunk(). */
static int
import_parse_chunk(import_run *m)
{
    int error = import_read_chunk(m);
    if (error == 1) {
        pool_run(m->pool, import_parse_fn, m, m->nslots);
    }
    return error;
}

/* The error of a refused slot, as avow_error_last(). */
static int
import_slot_error(const import_slot *s)
{
    return error_set(s->code, "%s", s->msg != NULL ? s->msg : avow_strerror(s->code));
}

/* Invariant 6: 1 when the key already recorded d here (counted, its line left
 * out of the append pass), 0, or < 0. */
static int
import_duplicate(import_run *m, uint64_t line, const avow_draft *d)
{
    unsigned char fp[DEDUP_FP_BYTES];
    int error;

    if (!m->dedup || dedup_of_draft(fp, &m->tmp, d) < 0 || !dedup_take(&m->seen, fp)) {
        return 0; /* a draft that does not encode is refused by the check */
    }
    m->res->duplicates++;
    return (error = import_skip_line(m, line)) < 0 ? error : 1;
}

/* Check pass over unsigned records, a chunk at a time: parsed on every core,
 * then checked against the ledger in order (invariant 4). */
static int
import_check_records(import_run *m)
{
    int error;
    m->checking = 1;
    while ((error = import_parse_chunk(m)) == 1) {
        for (size_t i = 0; i < m->nslots; i++) {
            const import_slot *s = &m->slots[i];
            m->res->records++; /* a line the reader refused is a record read too (bad) */
            const avow_draft *d = avow_record_draft(s->rec);
            if (s->code == 0 && (error = import_duplicate(m, s->line, d)) != 0) {
                if (error < 0) {
                    return error;
                }
                import_progress(m, 0);
                continue;
            }
            error = s->code != 0 ? import_slot_error(s) : import_check_draft(m, d);
            if (error == 0 && (error = spill_add(&m->spill, s->line, d)) < 0) {
                return error;
            }
            if (error < 0) {
                if (!import_is_line_error(error)) {
                    return error;
                }
                if ((error = import_bad(m, s->line, error)) < 0) {
                    return error;
                }
            }
            if ((error = import_progress(m, 0)) < 0) {
                return error;
            }
        }
        spill_write(&m->spill);
    }
    return error;
}

/* Room for the CSV fields of a chunk, once the header is known. */
static int
import_csv_alloc(import_run *m)
{
    if (m->fofs != NULL || !(m->flags & AVOW_IMPORT_CSV)) {
        return 0;
    }
    if (m->csv.cols > SIZE_MAX / sizeof(size_t) / m->slots_max) {
        return error_set(AVOW_ERANGE, "avow_import: batch too large");
    }
    m->fofs = calloc(m->slots_max * m->csv.cols, sizeof(*m->fofs));
    m->flen = calloc(m->slots_max * m->csv.cols, sizeof(*m->flen));
    if (m->fofs == NULL || m->flen == NULL) {
        return error_set(AVOW_ENOMEM, "out of memory for a batch");
    }
    return 0;
}

/* Check pass over signed events, a line at a time, in order. */
static int
import_check_events(import_run *m)
{
    for (;;) {
        int error = import_next(m);
        if (error == 0) {
            return 0;
        }
        if (error == 1 || import_is_line_error(error)) {
            m->res->records++; /* a line the reader refused is a record read too (bad) */
        }
        if (error == 1) {
            error = import_check_signed(m);
        }
        if (error < 0) {
            if (!import_is_line_error(error)) {
                return error;
            }
            if ((error = import_bad(m, m->rd.rec_line, error)) < 0) {
                return error;
            }
        }
        if ((error = import_progress(m, 0)) < 0) {
            return error;
        }
    }
}

static int
import_check_pass(import_run *m)
{
    int error;

    if ((m->flags & AVOW_IMPORT_CSV) &&
        ((error = csv_read_header(&m->csv, &m->rd)) < 0 || (error = import_csv_alloc(m)) < 0)) {
        return error;
    }
    error = (m->flags & AVOW_IMPORT_SIGN) ? import_check_records(m) : import_check_events(m);
    if (error < 0) {
        return error;
    }
    return import_progress(m, 1);
}

static int
import_flush(import_run *m)
{
    int error = 0;
    if (m->n == 0) {
        return 0;
    }
    if (m->flags & AVOW_IMPORT_SIGN) {
        size_t failed = 0;
        error = store_append_drafts(m->ledger, m->pool, &failed, NULL, m->o->key, m->drafts, m->n);
        if (error < 0) {
            error = error_set(
              error, "line %" PRIu64 ": %s (%" PRIu64 " events of earlier batches were appended)",
              m->lines[failed < m->n ? failed : 0], avow_error_last(), m->res->appended);
        } else {
            m->res->appended += m->n;
        }
    } else {
        avow_append_result ar;
        for (size_t i = 0; i < m->n; i++) {
            m->ptrs[i] = m->arena.ptr + m->offs[i];
        }
        error = avow_ledger_append_signed(&ar, m->ledger, m->ptrs, m->lens, m->n);
        if (error < 0) {
            error = error_set(
              error, "line %" PRIu64 ": %s (%" PRIu64 " events of earlier batches were appended)",
              m->lines[ar.failed_at < m->n ? ar.failed_at : 0], avow_error_last(),
              m->res->appended);
        } else {
            m->res->appended += ar.appended;
            m->res->duplicates += ar.duplicates;
        }
    }
    m->n = 0;
    buf_clear(&m->arena);
    /* Invariant 1: the map pages this batch read do not pile up. */
    store_trim_pages(m->ledger);
    return error;
}

/* Append pass, one line known good: add it to the batch. */
static int
import_add(import_run *m)
{
    size_t start = m->arena.len;
    int error;

    if ((error = jsonl_event_raw(&m->arena, m->rd.rec, m->rd.rec_len, 0)) < 0) {
        return error;
    }
    m->offs[m->n] = start;
    m->lens[m->n] = m->arena.len - start;
    m->lines[m->n] = m->rd.rec_line;
    m->n++;
    return m->n == m->batch ? import_flush(m) : 0;
}

/* Append pass over unsigned records without a spill (invariant 5): each
 * chunk parsed on every core again, then signed (on every core) and
 * appended, one transaction per chunk. */
static int
import_append_records(import_run *m)
{
    size_t bi = 0;
    int error;
    m->checking = 0;
    while ((error = import_parse_chunk(m)) == 1) {
        for (size_t i = 0; i < m->nslots; i++) {
            const import_slot *s = &m->slots[i];
            if (bi < m->nbad && m->bad[bi] == s->line) {
                bi++;
                continue;
            }
            if (s->code != 0) {
                import_slot_error(s);
                return error_set(s->code,
                                 "line %" PRIu64 ": %s (the file changed during the "
                                 "import?)",
                                 s->line, avow_error_last());
            }
            m->drafts[m->n] = *avow_record_draft(s->rec);
            m->lines[m->n] = s->line;
            m->n++;
            if ((error = import_progress(m, 0)) < 0) {
                return error;
            }
        }
        if ((error = import_flush(m)) < 0) {
            return error;
        }
    }
    return error;
}

/* Append pass over the spill (invariant 5): no parsing, no re-reading. */
static int
import_append_spilled(import_run *m)
{
    spill_chunk c = { &m->text, m->offs,  m->lens,           m->drafts,
                      m->lines, m->batch, IMPORT_CHUNK_TEXT, 0 };
    int error;
    while ((error = spill_read(&m->spill, &c)) == 1) {
        m->n = c.n;
        if ((error = import_flush(m)) < 0) {
            return error;
        }
        if ((error = import_progress(m, 1)) < 0) {
            return error;
        }
    }
    if (error == 0) {
        error = spill_check_end(&m->spill);
    }
    if (error < 0 && m->res->appended > 0) {
        error = error_set(error, "%s (%" PRIu64 " events of earlier batches were appended)",
                          avow_error_last(), m->res->appended);
    }
    return error;
}

/* Append pass over signed events: the good lines again, in batches. */
static int
import_append_events(import_run *m)
{
    size_t bi = 0;
    for (;;) {
        int error = import_next(m);
        if (error == 0) {
            break;
        }
        if (bi < m->nbad && m->bad[bi] == m->rd.rec_line) {
            bi++;
            continue;
        }
        if (error == 1) {
            error = import_add(m);
        }
        if (error < 0) {
            if (import_is_line_error(error)) {
                error = error_set(error,
                                  "line %" PRIu64 ": %s (the file changed during the "
                                  "import?)",
                                  m->rd.rec_line, avow_error_last());
            }
            return error;
        }
        if ((error = import_progress(m, 0)) < 0) {
            return error;
        }
    }
    return import_flush(m);
}

static int
import_append_pass(import_run *m)
{
    int error;

    m->base = m->total / 2;
    spill_rewind(&m->spill);
    if (m->spill.f != NULL) {
        error = import_append_spilled(m);
        return error < 0 ? error : import_progress(m, 1);
    }
    if ((error = reader_rewind(&m->rd)) < 0) {
        return error;
    }
    if ((m->flags & AVOW_IMPORT_CSV) && (error = csv_read_header(&m->csv, &m->rd)) < 0) {
        return error;
    }
    error = (m->flags & AVOW_IMPORT_SIGN) ? import_append_records(m) : import_append_events(m);
    if (error < 0) {
        return error;
    }
    return import_progress(m, 1);
}

static int
import_open(import_run *m, const char *path)
{
    struct stat st;

    int fd = -1;
    /* A FIFO must not block the open (fsutil.c): non-blocking, then fstat. */
    int error = fsutil_open_regular(&fd, &st, path, 0, NULL);
    if (error == AVOW_EINVALID) {
        return error_set(AVOW_EINVALID,
                         "%s is not a regular file (import reads it twice: save it to a "
                         "file first, or read a pipe with -)",
                         path);
    }
    if (error < 0) {
        return error;
    }
    if ((m->f = fdopen(fd, "rb")) == NULL) {
        (void)close(fd);
        return error_set(AVOW_ENOMEM, "cannot open %s: %s", path, strerror(errno));
    }
    m->total = 2 * (uint64_t)st.st_size;
    return 0;
}

static int
import_alloc(import_run *m)
{
    size_t b = m->batch;
    if (m->flags & AVOW_IMPORT_SIGN) {
        m->slots_max = b < IMPORT_PARSE_CHUNK ? b : IMPORT_PARSE_CHUNK;
        m->slots = calloc(m->slots_max, sizeof(*m->slots));
        m->drafts = calloc(b, sizeof(*m->drafts));
        if (m->slots == NULL || m->drafts == NULL) {
            return error_set(AVOW_ENOMEM, "out of memory for a batch");
        }
        for (size_t i = 0; i < m->slots_max; i++) {
            if (avow_record_new(&m->slots[i].rec) < 0) {
                return AVOW_ENOMEM;
            }
        }
        /* Parse and sign on every core (src/util/pool.c); without, in this thread. */
        if (pool_cores() > 1 && pool_new(&m->pool, (size_t)-1) < 0) {
            m->pool = NULL;
        }
    } else if ((m->ptrs = calloc(b, sizeof(*m->ptrs))) == NULL) {
        return error_set(AVOW_ENOMEM, "out of memory for a batch");
    }
    m->offs = calloc(b, sizeof(*m->offs));
    m->lens = calloc(b, sizeof(*m->lens));
    m->lines = calloc(b, sizeof(*m->lines));
    if (m->offs == NULL || m->lens == NULL || m->lines == NULL) {
        return error_set(AVOW_ENOMEM, "out of memory for a batch");
    }
    return 0;
}

int
avow_import(avow_import_result *res, avow_ledger *ledger, const char *path,
            const avow_import_opts *opts)
{
    static const avow_import_opts defaults = AVOW_IMPORT_OPTS_INIT;
    avow_import_result dummy;
    import_run m;
    int error;

    memset(&m, 0, sizeof(m));
    if (res == NULL) {
        res = &dummy;
    }
    memset(res, 0, sizeof(*res));
    m.o = opts != NULL ? opts : &defaults;
    m.flags = m.o->flags;
    m.ledger = ledger;
    m.res = res;
    m.batch = m.o->batch != 0 ? m.o->batch : AVOW_IMPORT_BATCH;
    m.now = avow_time_now();
    if (ledger == NULL || path == NULL) {
        error = error_set(AVOW_EINVALID, "avow_import: missing argument");
        goto done;
    }
    if ((m.flags & AVOW_IMPORT_SIGN) && m.o->key == NULL) {
        error = error_set(AVOW_EINVALID, "avow_import: signing needs a key");
        goto done;
    }
    if ((m.flags & AVOW_IMPORT_CSV) && !(m.flags & AVOW_IMPORT_SIGN)) {
        error = error_set(AVOW_EINVALID, "CSV import is for unsigned records (with --sign)");
        goto done;
    }
    if (m.batch > SIZE_MAX / sizeof(import_slot)) {
        error = error_set(AVOW_ERANGE, "avow_import: batch too large");
        goto done;
    }
    if (m.flags & AVOW_IMPORT_SIGN) {
        m.pk = avow_key_public(m.o->key);
        if (!(m.flags & AVOW_IMPORT_DRY_RUN)) {
            spill_open(&m.spill);
        }
        m.dedup = !(m.flags & AVOW_IMPORT_ALLOW_DUPLICATES);
        if (m.dedup && (error = dedup_load(&m.seen, ledger, m.pk)) < 0) {
            goto done;
        }
    }
    if ((error = import_open(&m, path)) < 0 || (error = reader_init(&m.rd, m.f)) < 0 ||
        (error = import_alloc(&m)) < 0 || (error = import_check_pass(&m)) < 0) {
        goto done;
    }
    if (res->bad > 0 && !(m.flags & AVOW_IMPORT_SKIP_BAD)) {
        if (res->bad > 1) {
            error = error_set(m.first_code,
                              "line %" PRIu64 ": %s (and %" PRIu64
                              " more bad lines; nothing was imported)",
                              res->first_bad, m.first_msg, res->bad - 1);
        } else {
            error = error_set(m.first_code, "line %" PRIu64 ": %s (nothing was imported)",
                              res->first_bad, m.first_msg);
        }
        goto done;
    }
    if (m.flags & AVOW_IMPORT_DRY_RUN) {
        error = 0; /* invariant 6: checked, nothing written */
        goto done;
    }
    error = import_append_pass(&m);
done:
    if (m.rd.buf != NULL) {
        reader_dispose(&m.rd);
    }
    if (m.f != NULL) {
        (void)fclose(m.f); /* read only: nothing to lose */
    }
    pool_free(m.pool);
    for (size_t i = 0; m.slots != NULL && i < m.slots_max; i++) {
        avow_record_free(m.slots[i].rec);
        free(m.slots[i].msg);
    }
    avow_buf_dispose(&m.text);
    spill_dispose(&m.spill);
    free(m.fofs);
    free(m.flen);
    import_table_dispose(&m.authors);
    import_table_dispose(&m.contests);
    import_table_dispose(&m.seen);
    avow_buf_dispose(&m.tmp);
    avow_buf_dispose(&m.arena);
    free(m.bad);
    free(m.offs);
    free(m.lens);
    free(m.ptrs);
    free(m.lines);
    free(m.slots);
    free(m.drafts);
    return error;
}
