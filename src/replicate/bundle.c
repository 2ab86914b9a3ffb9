/* SPDX-License-Identifier: ISC */
/*
 * bundle.c - files for air-gapped replication (docs/PROTOCOL.md, "Bundles"):
 * a heads file says what a ledger holds; a bundle carries the events (and
 * fork evidence) the holder of a heads file lacks.
 *
 * Invariants (tests/cli/test_bundle.sh, tests/unit/test_sync.c):
 *  1. A file is read whole (bounded by BUNDLE_MAX_BYTES, checked on its size
 *     before anything is allocated, into a buffer of exactly its size) and
 *     its SHA-256 trailer is checked before any other byte is used. Memory
 *     for an apply is bounded by the file's size plus 16 bytes per event (at
 *     most BUNDLE_MAX_BYTES / (AVOW_EVENT_MIN_BYTES + 4) events), plus the
 *     one write transaction; create refuses to write a bundle past the bound
 *     and builds it in one buffer.
 *  2. Parsing is strict: exact counts, lengths within limits, nothing trails.
 *  3. Apply verifies every event and every link before it appends, and
 *     appends in one transaction: a truncated, altered or unlinkable bundle
 *     changes nothing.
 *  4. Files are written to a temporary name and renamed into place.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sodium.h>

#include "replicate/accept.h"
#include "replicate/plan.h"
#include "util/fsutil.h"

#define BUNDLE_MAGIC     "avowbndl"
#define HEADS_MAGIC      "avowhead"
#define BUNDLE_MAGIC_LEN 8
#define BUNDLE_VERSION   1
#define BUNDLE_TRAILER   32

_Static_assert(BUNDLE_MAX_BYTES <= AVOW_BUF_MAX, "a bundle fits a buffer");

/* Invariant 4: write b plus its SHA-256 to path (fsutil_write_atomic(),
 * src/util/fsutil.c: a temporary file, fsync'd, renamed into place). */
static int
bundle_write_file(const char *path, avow_buf *b)
{
    unsigned char hash[crypto_hash_sha256_BYTES];
    int error;
    crypto_hash_sha256(hash, b->ptr, b->len);
    if ((error = buf_put(b, hash, sizeof(hash))) < 0) {
        return error;
    }
    return fsutil_write_atomic(path, b->ptr, b->len, 0644, 0, NULL);
}

/* Invariant 1: read path whole, check the magic and the trailer; b keeps the
 * bytes before the trailer. */
static int
bundle_read_file(const char *path, const char *magic, avow_buf *b)
{
    struct stat st;
    unsigned char hash[crypto_hash_sha256_BYTES];
    int fd = -1, error = 0;

    /* A FIFO must not block the open (fsutil.c): non-blocking, then fstat. */
    if ((error = fsutil_open_regular(&fd, &st, path, 0, NULL)) < 0) {
        return error;
    }
    if ((uint64_t)st.st_size > BUNDLE_MAX_BYTES) {
        error = error_set(AVOW_ERANGE, "%s is larger than %zu bytes", path, BUNDLE_MAX_BYTES);
        goto done;
    }
    size_t size = (size_t)st.st_size;
    /* Exactly the file's size, not buf_grow()'s doubling; zeroed, so
     * no byte is ever read uninitialized (large blocks come zeroed anyway). */
    avow_buf_dispose(b);
    if ((b->ptr = calloc(1, size > 0 ? size : 1)) == NULL) {
        error = error_set(AVOW_ENOMEM, "out of memory reading %s (%zu bytes)", path, size);
        goto done;
    }
    b->maxlen = size > 0 ? size : 1;
    while (b->len < size) {
        ssize_t r = read(fd, b->ptr + b->len, size - b->len);
        if (r < 0 && errno == EINTR) {
            continue;
        }
        if (r <= 0) {
            error = error_set(AVOW_EIO, "cannot read %s", path);
            goto done;
        }
        b->len += (size_t)r;
    }
    if (b->len < BUNDLE_MAGIC_LEN + 1 + sizeof(hash) ||
        memcmp(b->ptr, magic, BUNDLE_MAGIC_LEN) != 0) {
        error = error_set(AVOW_EFORMAT, "%s is not an avow %s file (or is truncated)", path,
                          strcmp(magic, BUNDLE_MAGIC) == 0 ? "bundle" : "heads");
        goto done;
    }
    b->len -= sizeof(hash);
    crypto_hash_sha256(hash, b->ptr, b->len);
    if (sodium_memcmp(hash, b->ptr + b->len, sizeof(hash)) != 0) {
        error =
          error_set(AVOW_EFORMAT, "%s is truncated or altered (its SHA-256 does not hold)", path);
        goto done;
    }
    if (b->ptr[BUNDLE_MAGIC_LEN] != BUNDLE_VERSION) {
        error = error_set(AVOW_EFORMAT, "%s has version %u (this avow reads %d)", path,
                          b->ptr[BUNDLE_MAGIC_LEN], BUNDLE_VERSION);
        goto done;
    }
done:
    if (fd >= 0) {
        close(fd);
    }
    return error;
}

/* A heads list at *p: u32 count, entries (invariant 2). */
static int
bundle_parse_heads(headlist *h, const unsigned char **p, const unsigned char *end,
                   int one_per_author)
{
    int error;
    if (end - *p < 4) {
        return error_set(AVOW_EFORMAT, "truncated heads list");
    }
    uint32_t n = be32_get(*p);
    *p += 4;
    if (n > HEADLIST_MAX || (uint64_t)n * HEADLIST_ENTRY_BYTES > (uint64_t)(end - *p)) {
        return error_set(AVOW_EFORMAT, "heads list of %u entries does not fit", n);
    }
    if ((error = headlist_parse(h, *p, n)) < 0) {
        return error;
    }
    *p += (size_t)n * HEADLIST_ENTRY_BYTES;
    if (one_per_author && !headlist_one_per_author(h)) {
        return error_set(AVOW_EFORMAT, "two heads for one author");
    }
    return 0;
}

int
avow_heads_save(avow_ledger *ledger, const char *path)
{
    headlist heads = HEADLIST_INIT, evidence = HEADLIST_INIT;
    avow_buf b = AVOW_BUF_INIT;
    unsigned char ver = BUNDLE_VERSION;
    int error;
    if (ledger == NULL || path == NULL) {
        return error_set(AVOW_EINVALID, "avow_heads_save: missing argument");
    }
    if ((error = headlist_load(ledger, &heads, &evidence)) < 0 ||
        (error = buf_put(&b, HEADS_MAGIC, BUNDLE_MAGIC_LEN)) < 0 ||
        (error = buf_put(&b, &ver, 1)) < 0 || (error = headlist_put(&b, &heads, 0, heads.n)) < 0 ||
        (error = headlist_put(&b, &evidence, 0, evidence.n)) < 0) {
        goto done;
    }
    error = bundle_write_file(path, &b);
done:
    headlist_free(&heads);
    headlist_free(&evidence);
    avow_buf_dispose(&b);
    return error;
}

/* A bundle being built: the events go straight into the file's buffer after
 * its header (counts patched at the end), the evidence (few) aside. */
struct bundle_out {
    avow_buf *file;
    avow_buf evidence;
    size_t counts_at; /* offset of the two counts in file */
    uint64_t n_events;
    uint32_t n_evidence;
};

static int
bundle_emit(void *ctx, const unsigned char *raw, size_t len, int evidence)
{
    struct bundle_out *o = ctx;
    unsigned char l[4];
    int error;
    /* Invariant 1: never build what apply would refuse. */
    if (o->file->len + o->evidence.len + 4 + len + BUNDLE_TRAILER > BUNDLE_MAX_BYTES ||
        (evidence && o->n_evidence == UINT32_MAX)) {
        return error_set(AVOW_ERANGE,
                         "the bundle would be larger than %zu bytes (make smaller bundles "
                         "with --heads, or use sync)",
                         BUNDLE_MAX_BYTES);
    }
    be32_put(l, (uint32_t)len);
    avow_buf *b = evidence ? &o->evidence : o->file;
    if ((error = buf_put(b, l, 4)) < 0 || (error = buf_put(b, raw, len)) < 0) {
        return error;
    }
    if (evidence) {
        o->n_evidence++;
    } else {
        o->n_events++;
    }
    return 0;
}

int
avow_bundle_create(uint64_t *count, avow_ledger *ledger, const char *path, const char *heads_path)
{
    headlist heads = HEADLIST_INIT, evidence = HEADLIST_INIT;
    struct bundle_out o;
    avow_buf in = AVOW_BUF_INIT, b = AVOW_BUF_INIT;
    unsigned char ver = BUNDLE_VERSION, counts[12];
    int error;

    memset(&o, 0, sizeof(o));
    memset(counts, 0, sizeof(counts));
    if (ledger == NULL || path == NULL) {
        return error_set(AVOW_EINVALID, "avow_bundle_create: missing argument");
    }
    if (heads_path != NULL) {
        if ((error = bundle_read_file(heads_path, HEADS_MAGIC, &in)) < 0) {
            goto done;
        }
        const unsigned char *p = in.ptr + BUNDLE_MAGIC_LEN + 1, *end = in.ptr + in.len;
        if ((error = bundle_parse_heads(&heads, &p, end, 1)) < 0 ||
            (error = bundle_parse_heads(&evidence, &p, end, 0)) < 0) {
            error = error_set(AVOW_EFORMAT, "heads file %s: %s", heads_path, avow_error_last());
            goto done;
        }
        if (p != end) {
            error = error_set(AVOW_EFORMAT, "heads file %s has trailing bytes", heads_path);
            goto done;
        }
    }
    if ((error = buf_put(&b, BUNDLE_MAGIC, BUNDLE_MAGIC_LEN)) < 0 ||
        (error = buf_put(&b, &ver, 1)) < 0 || (error = headlist_put(&b, &heads, 0, heads.n)) < 0) {
        goto done;
    }
    o.file = &b;
    o.counts_at = b.len;
    if ((error = buf_put(&b, counts, sizeof(counts))) < 0 ||
        (error = plan_collect(ledger, PLAN_CHAINS | PLAN_EVIDENCE, &heads, &evidence, NULL,
                              bundle_emit, &o, NULL)) < 0 ||
        (error = buf_put(&b, o.evidence.ptr, o.evidence.len)) < 0) {
        goto done;
    }
    be64_put(b.ptr + o.counts_at, o.n_events);
    be32_put(b.ptr + o.counts_at + 8, o.n_evidence);
    error = bundle_write_file(path, &b);
    if (error == 0 && count != NULL) {
        *count = o.n_events;
    }
done:
    headlist_free(&heads);
    headlist_free(&evidence);
    avow_buf_dispose(&in);
    avow_buf_dispose(&b);
    avow_buf_dispose(&o.evidence);
    return error;
}

/* Split n length-prefixed events at *p into evs/lens (invariant 2). */
static int
bundle_parse_events(const unsigned char **p, const unsigned char *end, uint64_t n,
                    const unsigned char **evs, size_t *lens)
{
    for (uint64_t i = 0; i < n; i++) {
        if (end - *p < 4) {
            return error_set(AVOW_EFORMAT, "truncated after %" PRIu64 " events", i);
        }
        uint32_t len = be32_get(*p);
        *p += 4;
        if (len < AVOW_EVENT_MIN_BYTES || len > AVOW_EVENT_MAX_BYTES || len > (size_t)(end - *p)) {
            return error_set(AVOW_EFORMAT, "event %" PRIu64 " has a bad length (%u)", i, len);
        }
        evs[i] = *p;
        lens[i] = len;
        *p += len;
    }
    return 0;
}

int
avow_bundle_apply(avow_sync_stats *stats, avow_ledger *ledger, const char *path)
{
    headlist made_against = HEADLIST_INIT;
    avow_buf in = AVOW_BUF_INIT;
    const unsigned char **evs = NULL;
    size_t *lens = NULL;
    avow_append_result res;
    size_t forks = 0, forks2 = 0;
    int error;

    if (ledger == NULL || path == NULL) {
        return error_set(AVOW_EINVALID, "avow_bundle_apply: missing argument");
    }
    if (stats != NULL) {
        memset(stats, 0, sizeof(*stats));
    }
    if ((error = bundle_read_file(path, BUNDLE_MAGIC, &in)) < 0) {
        goto done;
    }
    const unsigned char *p = in.ptr + BUNDLE_MAGIC_LEN + 1, *end = in.ptr + in.len;
    if ((error = bundle_parse_heads(&made_against, &p, end, 1)) < 0) {
        goto bad;
    }
    if (end - p < 12) {
        error = error_set(AVOW_EFORMAT, "truncated counts");
        goto bad;
    }
    uint64_t n = be64_get(p);
    uint32_t m = be32_get(p + 8);
    p += 12;
    /* Each event takes at least AVOW_EVENT_MIN_BYTES + 4 bytes: bound the arrays. */
    if (n > BUNDLE_MAX_EVENTS || m > BUNDLE_MAX_EVENTS ||
        (n + m) * (AVOW_EVENT_MIN_BYTES + 4) > (uint64_t)(end - p)) {
        error = error_set(AVOW_EFORMAT, "counts of %" PRIu64 " events do not fit", n + m);
        goto bad;
    }
    if ((evs = calloc((size_t)(n + m) + 1, sizeof(*evs))) == NULL ||
        (lens = calloc((size_t)(n + m) + 1, sizeof(*lens))) == NULL) {
        error = error_set(AVOW_ENOMEM, "out of memory reading %s", path);
        goto done;
    }
    if ((error = bundle_parse_events(&p, end, n, evs, lens)) < 0 ||
        (error = bundle_parse_events(&p, end, m, evs + n, lens + n)) < 0) {
        goto bad;
    }
    if (p != end) {
        error = error_set(AVOW_EFORMAT, "trailing bytes");
        goto bad;
    }
    /* Evidence must verify before anything is appended (invariant 3). */
    for (uint64_t i = n; i < n + m; i++) {
        avow_event ev;
        if (avow_event_decode(&ev, evs[i], lens[i]) < 0 || avow_event_verify(&ev) < 0) {
            error = accept_batch_error(AVOW_EVERIFY, evs, lens, (size_t)(n + m), (size_t)i);
            error =
              error_set(AVOW_EVERIFY, "bundle %s: fork evidence: %s", path, avow_error_last());
            goto done;
        }
    }
    error = store_append_signed_keep_forks(ledger, &res, &forks, evs, lens, (size_t)n);
    if (error < 0) {
        accept_batch_error(error, evs, lens, (size_t)n, res.failed_at);
        error = error_set(error == AVOW_EINVALID ? AVOW_EFORMAT : error, "bundle %s: %s", path,
                          avow_error_last());
        goto done;
    }
    if ((error = accept_evidence(ledger, evs + n, lens + n, m, &forks2, NULL)) < 0) {
        goto done;
    }
    if (stats != NULL) {
        stats->received = res.appended;
        stats->duplicates = res.duplicates;
        stats->forks = forks + forks2;
    }
    goto done;
bad:
    error = error_set(AVOW_EFORMAT, "bundle %s is malformed: %s", path, avow_error_last());
done:
    headlist_free(&made_against);
    avow_buf_dispose(&in);
    free(evs);
    free(lens);
    return error;
}
