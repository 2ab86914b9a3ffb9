/* SPDX-License-Identifier: ISC */
/*
 * pull.c - `avow sync http(s)://HOST/PREFIX/`: a read-only pull from a log
 * published as C2SP tlog-tiles (src/io/publish.c, docs/PUBLISHING.md,
 * "Pulling over HTTP"). Fetches go through src/io/http.c; the untrusted
 * bytes are checked by src/tlog/tiles.c.
 *
 * Invariants:
 *  1. Nothing is appended before the checkpoint's signature (the trusted key,
 *     the witness policy) holds and every level-0 tile of the new entries,
 *     folded onto the old checkpoint's compact range, gives the new root.
 *  2. The old checkpoint is the last one this ledger pulled from the origin
 *     (table "checkpoints", key "p" || origin). Its compact range, read from
 *     the tiles, must fold to its own root: otherwise the log rewrote its
 *     history, and the error shows both checkpoints. A smaller size, or the
 *     same size with another root, is refused the same way.
 *  3. Each bundle must match its tile (leaf = SHA-256(0x00 || entry)), then
 *     its events are verified and appended in one transaction, as sync's
 *     batches are: a bad bundle stops the pull with the bundles before it kept.
 *  4. The checkpoint is remembered only once every new bundle is appended.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>

#include <sodium.h>

#include "derived/checkpoints.h"
#include "event/jobs.h"
#include "io/http.h"
#include "ledger/store.h"
#include "replicate/accept.h"
#include "tlog/note.h"
#include "tlog/tilepath.h"
#include "tlog/tiles.h"
#include "util/limits.h"

#define PULL_URL_MAX 4096

typedef struct pull {
    avow_ledger *ledger;
    const avow_http_opts *opts;
    avow_sync_stats *st;
    http_client *http;
    char prefix[PULL_URL_MAX];
    char url[PULL_URL_MAX];
    avow_buf cp, old_cp, body, tile;
    note_checkpoint now, old;
    note *n;
    uint64_t m;            /* the old size */
    unsigned char *leaves; /* hashes of entries [m, size): 32 each */
    pool *pool;
} pull;

static int
pull_fetch(pull *p, avow_buf *out, int level, uint64_t n, unsigned w, size_t maxlen)
{
    if (tilepath_format(p->url, sizeof(p->url), p->prefix, level, n, w) < 0) {
        return error_set(AVOW_EINVALID, "the url %s is too long", p->prefix);
    }
    return http_get(p->http, out, p->url, maxlen);
}

/* Width of tile n of a level whose row holds count nodes. */
static unsigned
pull_width(uint64_t count, uint64_t n)
{
    uint64_t left = count - n * TILEPATH_WIDTH;
    return left >= TILEPATH_WIDTH ? TILEPATH_WIDTH : (unsigned)left;
}

static int
pull_keyring_try(const avow_trust_entry *e, void *payload)
{
    pull *p = payload;
    avow_checkpoint cp;
    if ((e->flags & (AVOW_TRUST_OWNER | AVOW_TRUST_LISTED)) == 0 ||
        (e->flags & AVOW_TRUST_REVOKED) != 0) {
        return 0;
    }
    if (avow_checkpoint_open(&cp, (const char *)p->cp.ptr, p->cp.len, e->key) == 0) {
        return 1;
    }
    return 0;
}

/* The checkpoint's signature and the witness policy (invariant 1). */
static int
pull_check_signature(pull *p)
{
    const avow_http_opts *o = p->opts;
    avow_checkpoint cp;
    int error;
    if (o->trust != NULL) {
        if (o->trust->name[0] != '\0' &&
            (strlen(o->trust->name) != p->now.origin_len ||
             memcmp(o->trust->name, p->now.origin, p->now.origin_len) != 0)) {
            return error_set(AVOW_EVERIFY, "the checkpoint's origin %.*s is not the key's name %s",
                             (int)p->now.origin_len, p->now.origin, o->trust->name);
        }
        if (avow_checkpoint_open(&cp, (const char *)p->cp.ptr, p->cp.len, o->trust->key) < 0) {
            return error_set(AVOW_EVERIFY,
                             "the checkpoint of %.*s is not signed by the --trust key",
                             (int)p->now.origin_len, p->now.origin);
        }
    } else if ((error = avow_trust_list(p->ledger, pull_keyring_try, p)) != 1) {
        return error < 0 ? error
                         : error_set(AVOW_EVERIFY,
                                     "the checkpoint of %.*s is not signed by a key of the "
                                     "keyring (give --trust VKEY, or avow trust add)",
                                     (int)p->now.origin_len, p->now.origin);
    }
    if (o->n_witnesses > 0) {
        size_t count = 0;
        if ((error = avow_note_witnessed(&count, (const char *)p->cp.ptr, p->cp.len, o->witnesses,
                                         o->n_witnesses)) < 0) {
            return error;
        }
        if (count < o->quorum) {
            return error_set(AVOW_EVERIFY,
                             "the checkpoint is cosigned by %zu of the %zu witnesses, quorum %zu",
                             count, o->n_witnesses, o->quorum);
        }
    }
    return 0;
}

/* Refuse with both checkpoints as evidence (invariant 2). */
static int
pull_inconsistent(pull *p, const char *why)
{
    return error_set(AVOW_EVERIFY,
                     "the log at %s rewrote its history: %s\n--- last checkpoint pulled:\n%.*s"
                     "--- checkpoint served now:\n%.*s",
                     p->prefix, why, (int)p->old_cp.len, (const char *)p->old_cp.ptr,
                     (int)p->cp.len, (const char *)p->cp.ptr);
}

/* Fetch and parse the checkpoint, and load the one pulled last. */
static int
pull_checkpoints(pull *p)
{
    int error;
    if (snprintf(p->url, sizeof(p->url), "%scheckpoint", p->prefix) >= (int)sizeof(p->url)) {
        return error_set(AVOW_EINVALID, "the url %s is too long", p->prefix);
    }
    if ((error = http_get(p->http, &p->cp, p->url, AVOW_NOTE_MAX_BYTES)) < 0) {
        return error;
    }
    if (note_parse(p->n, (const char *)p->cp.ptr, p->cp.len) < 0 ||
        note_checkpoint_parse(&p->now, p->n->text, p->n->text_len) < 0) {
        return error_set(AVOW_EFORMAT, "%s is not a checkpoint: %s", p->url, avow_error_last());
    }
    if ((error = pull_check_signature(p)) < 0) {
        return error;
    }
    store_txn *txn = NULL;
    store_val v = { NULL, 0 };
    if ((error = store_txn_read(&txn, p->ledger)) < 0) {
        return error;
    }
    error = checkpoints_pulled_get(&v, p->ledger, txn, p->now.origin, p->now.origin_len);
    if (error == 0) {
        error = buf_put(&p->old_cp, v.ptr, v.len);
    }
    store_txn_end(txn);
    if (error == AVOW_ENOTFOUND) {
        return 0;
    }
    if (error < 0) {
        return error;
    }
    /* Parsed into the same scratch note: p->now keeps pointing into p->cp. */
    if (note_parse(p->n, (const char *)p->old_cp.ptr, p->old_cp.len) < 0 ||
        note_checkpoint_parse(&p->old, p->n->text, p->n->text_len) < 0) {
        return error_set(AVOW_EIO, "the stored checkpoint of %.*s is damaged (run avow verify)",
                         (int)p->now.origin_len, p->now.origin);
    }
    p->m = p->old.size;
    if (p->old.size > p->now.size) {
        return pull_inconsistent(p, "the served tree is smaller than one it served before");
    }
    if (p->old.size == p->now.size &&
        sodium_memcmp(p->old.root, p->now.root, AVOW_HASH_BYTES) != 0) {
        return pull_inconsistent(p, "two roots for one size");
    }
    return 0;
}

/* The compact range of [0, m) from the tiles of the new size (invariant 2). */
static int
pull_old_range(pull *p, tiles_range *r)
{
    unsigned char h[AVOW_HASH_BYTES];
    uint64_t start = 0;
    int error;
    r->size = 0;
    r->n = 0;
    for (unsigned k = 64; k-- > 0;) {
        if ((p->m >> k & 1) == 0) {
            continue;
        }
        unsigned L = k / 8, sub = k - 8 * L;
        uint64_t first = start >> (8 * L), n = first / TILEPATH_WIDTH;
        unsigned w = pull_width(p->now.size >> (8 * L), n);
        if ((error = pull_fetch(p, &p->tile, (int)L, n, w, HTTP_TILE_MAX_BYTES)) < 0 ||
            (error = tiles_check_width(p->tile.len, w)) < 0) {
            return error;
        }
        size_t off = (size_t)(first % TILEPATH_WIDTH);
        if (off + ((size_t)1 << sub) > w) {
            return error_set(AVOW_EFORMAT, "tile %u/%" PRIu64 " is too narrow", L, n);
        }
        tiles_subtree(h, p->tile.ptr + off * AVOW_HASH_BYTES, sub);
        tiles_range_push(r, k, h);
        start += UINT64_C(1) << k;
    }
    tiles_range_root(r, h);
    if (p->m > 0 && sodium_memcmp(h, p->old.root, AVOW_HASH_BYTES) != 0) {
        return pull_inconsistent(p, "its tiles do not hold the tree of the last checkpoint");
    }
    return 0;
}

/* Every level-0 tile of [m, size), folded onto the old range, must give the
 * new root; their hashes are kept for the bundles (invariant 1). */
static int
pull_tiles(pull *p)
{
    tiles_range r;
    unsigned char root[AVOW_HASH_BYTES];
    uint64_t size = p->now.size;
    int error;
    if (size - p->m > HTTP_PULL_MAX_ENTRIES) {
        return error_set(AVOW_ERANGE,
                         "%" PRIu64 " new entries, more than %" PRIu64 " in one pull (sync from "
                         "a replica first)",
                         size - p->m, HTTP_PULL_MAX_ENTRIES);
    }
    if ((error = pull_old_range(p, &r)) < 0) {
        return error;
    }
    if (size > p->m && (p->leaves = malloc((size_t)(size - p->m) * AVOW_HASH_BYTES)) == NULL) {
        return error_set(AVOW_ENOMEM, "out of memory");
    }
    for (uint64_t n = p->m / TILEPATH_WIDTH; n * TILEPATH_WIDTH < size; n++) {
        unsigned w = pull_width(size, n);
        if ((error = pull_fetch(p, &p->tile, 0, n, w, HTTP_TILE_MAX_BYTES)) < 0 ||
            (error = tiles_check_width(p->tile.len, w)) < 0) {
            return error;
        }
        for (unsigned i = 0; i < w; i++) {
            uint64_t index = n * TILEPATH_WIDTH + i;
            if (index < p->m) {
                continue;
            }
            const unsigned char *h = p->tile.ptr + (size_t)i * AVOW_HASH_BYTES;
            memcpy(p->leaves + (index - p->m) * AVOW_HASH_BYTES, h, AVOW_HASH_BYTES);
            tiles_range_push(&r, 0, h);
        }
    }
    tiles_range_root(&r, root);
    if (sodium_memcmp(root, p->now.root, AVOW_HASH_BYTES) != 0) {
        return error_set(
          AVOW_EVERIFY,
          "the level-0 tiles at %s do not hash to the checkpoint's root (size %" PRIu64 ")",
          p->prefix, size);
    }
    return 0;
}

/* Bundle n: matched against the kept tile hashes, verified on the pool and
 * appended in one transaction (invariant 3). */
static int
pull_bundle(pull *p, uint64_t n, const unsigned char **evs, size_t *lens, unsigned char *ok)
{
    unsigned w = pull_width(p->now.size, n);
    uint64_t base = n * TILEPATH_WIDTH;
    unsigned from = base < p->m ? (unsigned)(p->m - base) : 0;
    unsigned char tile[HTTP_TILE_MAX_BYTES];
    avow_append_result res;
    size_t bad = 0, forks = 0;
    int error;

    if ((error = pull_fetch(p, &p->body, TILEPATH_ENTRIES, n, w, HTTP_BUNDLE_MAX_BYTES)) < 0) {
        return error;
    }
    if ((error = tiles_bundle_split(p->body.ptr, p->body.len, w, evs, lens)) < 0) {
        return error_set(AVOW_EFORMAT, "%s: %s", p->url, avow_error_last());
    }
    /* The kept hashes start at entry m: the tile's hashes before it are not needed. */
    memcpy(tile + (size_t)from * AVOW_HASH_BYTES,
           p->leaves + (base + from - p->m) * AVOW_HASH_BYTES,
           (size_t)(w - from) * AVOW_HASH_BYTES);
    if (tiles_check_bundle(&bad, tile, evs, lens, from, w) < 0) {
        return error_set(AVOW_EVERIFY,
                         "%s: entry %" PRIu64 " does not match its tile (the log's tree)", p->url,
                         base + bad);
    }
    jobs_verify_job job = { ok, evs + from, lens + from, NULL };
    jobs_verify_start(p->pool, &job, w - from);
    pool_wait(p->pool);
    error = store_append_signed_checked(p->ledger, &res, &forks, evs + from, lens + from, w - from,
                                        ok, NULL);
    if (error < 0) {
        if (error == AVOW_EIO || error == AVOW_ENOMEM || error == AVOW_EFULL ||
            error == AVOW_ELOCK) {
            return error;
        }
        accept_batch_error(error, evs + from, lens + from, w - from, res.failed_at);
        return error_set(error == AVOW_EINVALID ? AVOW_EFORMAT : error, "%s: %s", p->url,
                         avow_error_last());
    }
    p->st->received += res.appended;
    p->st->duplicates += res.duplicates;
    p->st->forks += forks;
    return 0;
}

static int
pull_bundles(pull *p)
{
    const unsigned char *evs[TILEPATH_WIDTH];
    size_t lens[TILEPATH_WIDTH];
    unsigned char ok[TILEPATH_WIDTH];
    uint64_t size = p->now.size;
    int error;

    if (size - p->m >= 2 * TILEPATH_WIDTH && pool_cores() > 1 &&
        (error = pool_new(&p->pool, (size_t)-1)) < 0) {
        return error;
    }
    for (uint64_t n = p->m / TILEPATH_WIDTH; n * TILEPATH_WIDTH < size; n++) {
        if ((error = pull_bundle(p, n, evs, lens, ok)) < 0) {
            return error;
        }
        uint64_t done = (n + 1) * TILEPATH_WIDTH < size ? (n + 1) * TILEPATH_WIDTH : size;
        if (p->opts->on_progress != NULL &&
            (error = p->opts->on_progress(done - p->m, size - p->m, p->opts->payload)) < 0) {
            return error;
        }
    }
    return 0;
}

static int
pull_run(pull *p, const char *url)
{
    size_t len = strlen(url);
    int error;
    if (strncmp(url, "http://", 7) != 0 && strncmp(url, "https://", 8) != 0) {
        return error_set(AVOW_EINVALID, "%s is not an http:// or https:// url", url);
    }
    if (len + 2 > sizeof(p->prefix) - 64) {
        return error_set(AVOW_EINVALID, "the url %s is too long", url);
    }
    memcpy(p->prefix, url, len);
    p->prefix[len] = '\0';
    if (url[len - 1] != '/') {
        p->prefix[len++] = '/';
        p->prefix[len] = '\0';
    }
    if ((p->n = malloc(sizeof(*p->n))) == NULL) {
        return error_set(AVOW_ENOMEM, "out of memory");
    }
    if ((error = http_new(&p->http, p->opts->stall_seconds)) < 0 ||
        (error = pull_checkpoints(p)) < 0) {
        return error;
    }
    (void)snprintf(p->st->peer_origin, sizeof(p->st->peer_origin), "%.*s", (int)p->now.origin_len,
                   p->now.origin);
    if (p->m == p->now.size) {
        return 0; /* nothing new: the same checkpoint (same size and root) */
    }
    if ((error = pull_tiles(p)) < 0 || (error = pull_bundles(p)) < 0) {
        return error;
    }
    /* Invariant 4. */
    return checkpoints_pulled_put(p->ledger, p->now.origin, p->now.origin_len, p->cp.ptr,
                                  p->cp.len);
}

int
avow_sync_http(avow_sync_stats *stats, avow_ledger *ledger, const char *url,
               const avow_http_opts *opts)
{
    avow_http_opts defaults = AVOW_HTTP_OPTS_INIT;
    avow_sync_stats local;
    pull *p;
    int error;

    if (ledger == NULL || url == NULL) {
        return error_set(AVOW_EINVALID, "avow_sync_http: missing argument");
    }
    if ((p = calloc(1, sizeof(*p))) == NULL) {
        return error_set(AVOW_ENOMEM, "out of memory");
    }
    p->ledger = ledger;
    p->opts = opts != NULL ? opts : &defaults;
    p->st = stats != NULL ? stats : &local;
    memset(p->st, 0, sizeof(*p->st));
    error = pull_run(p, url);
    pool_free(p->pool);
    http_free(p->http);
    avow_buf_dispose(&p->cp);
    avow_buf_dispose(&p->old_cp);
    avow_buf_dispose(&p->body);
    avow_buf_dispose(&p->tile);
    free(p->leaves);
    free(p->n);
    free(p);
    return error;
}
