/* SPDX-License-Identifier: ISC */
/*
 * publish.c - `avow publish DIR`: the log as C2SP tlog-tiles static files
 * (docs/PUBLISHING.md): the checkpoint, the hash tiles read from the stored
 * Merkle tree (src/derived/tree.c keeps every complete subtree, and a tile of
 * level L holds the nodes of tree level 8L) and the entry bundles of the
 * canonical event bytes.
 *
 * Invariants:
 *  1. The checkpoint is signed first; every tile and bundle is written for
 *     exactly its size; then the file system is synced and DIR/checkpoint is
 *     replaced by rename(2). A reader (or a crash) sees the old checkpoint
 *     with its tiles, or the new one with its tiles, never a checkpoint whose
 *     tiles are missing.
 *  2. A tile or bundle file is written to a temporary name and linked to its
 *     path, never renamed over it: a full tile, once there, is never
 *     replaced. Where one already exists, it must hold the same bytes, or the
 *     publish fails (DIR holds another history) without touching the
 *     checkpoint.
 *  3. Incremental: DIR's previous checkpoint (same origin, its root equal to
 *     the ledger's at its size) says which full tiles are already there; they
 *     are neither read nor written, so a publish after k appends writes
 *     O(k / 256 + levels) files.
 *  4. Paths are C2SP's: tile/L/N and tile/entries/N with N in 3-digit
 *     elements, all but the last prefixed "x"; a partial tile of width W
 *     (1..255) at N.p/W.
 */
#define _GNU_SOURCE /* syncfs(2) */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sodium.h>

#include "derived/tree.h"
#include "ledger/store.h"
#include "tlog/note.h"
#include "tlog/tilepath.h"

#define PUBLISH_WIDTH     256 /* hashes in a full tile, entries in a full bundle */
#define PUBLISH_LEVEL_MAX 8   /* 256^8 = 2^64: no log has a tile past level 7 */
#define PUBLISH_PATH_MAX  4096
#define PUBLISH_ENTRIES   (-1) /* the "level" of the entry bundles */

_Static_assert(AVOW_EVENT_MAX_BYTES <= UINT16_MAX, "an event fits a uint16-prefixed entry");

typedef struct publish {
    avow_ledger *ledger;
    store_txn *txn;
    store_cursor *events; /* on the log table, in txn */
    const char *dir;
    uint64_t old, size;
    avow_publish_stats *st;
    avow_buf data;
    char path[PUBLISH_PATH_MAX];
    char tmp[PUBLISH_PATH_MAX + 16];
    char made[PUBLISH_PATH_MAX]; /* the last directory made (mkdir -p once) */
} publish;

/* p->path = DIR/tile/L/N[.p/W] (invariant 4). */
static int
publish_path(publish *p, int level, uint64_t n, unsigned w)
{
    char prefix[PUBLISH_PATH_MAX];
    (void)snprintf(prefix, sizeof(prefix), "%s/", p->dir);
    if (tilepath_format(p->path, sizeof(p->path), prefix, level, n, w) < 0) {
        return error_set(AVOW_EINVALID, "publish: the path of a tile under %s is too long", p->dir);
    }
    return 0;
}

/* mkdir -p of the directory that holds p->path. */
static int
publish_mkdirs(publish *p)
{
    char dir[PUBLISH_PATH_MAX];
    char *slash;

    memcpy(dir, p->path, strlen(p->path) + 1);
    slash = strrchr(dir, '/');
    *slash = '\0';
    if (strcmp(dir, p->made) == 0) {
        return 0;
    }
    for (char *q = dir + 1;; q++) {
        if (*q != '/' && *q != '\0') {
            continue;
        }
        char c = *q;
        *q = '\0';
        if (mkdir(dir, 0755) != 0 && errno != EEXIST) {
            return error_set(errno == ENOSPC ? AVOW_EFULL : AVOW_EIO,
                             "cannot create directory %s: %s", dir, strerror(errno));
        }
        *q = c;
        if (c == '\0') {
            break;
        }
    }
    memcpy(p->made, dir, strlen(dir) + 1);
    return 0;
}

static int
publish_write_fd(int fd, const unsigned char *data, size_t len)
{
    while (len > 0) {
        ssize_t n = write(fd, data, len);
        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n <= 0) {
            return -1;
        }
        data += n;
        len -= (size_t)n;
    }
    return 0;
}

/* A file already at p->path must hold exactly data (invariant 2). */
static int
publish_same(const publish *p, const unsigned char *data, size_t len)
{
    unsigned char *have = malloc(len + 1);
    ssize_t n = 0;
    int fd, same = 0;

    if (have == NULL) {
        return error_set(AVOW_ENOMEM, "out of memory");
    }
    if ((fd = open(p->path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC)) >= 0) {
        n = read(fd, have, len + 1); /* tiles are at most 2 MiB: one read on Linux */
        same = n == (ssize_t)len && memcmp(have, data, len) == 0;
        (void)close(fd);
    }
    free(have);
    if (!same) {
        return error_set(AVOW_EEXISTS,
                         "%s holds other bytes than this log's: the directory holds another "
                         "log or another history (publish to a new directory)",
                         p->path);
    }
    return 0;
}

/* Write data at p->path through a temporary file and link(2) (invariant 2).
 * @return 0 written, 1 already there with the same bytes, or < 0 */
static int
publish_file(publish *p, const unsigned char *data, size_t len)
{
    int fd, error = 0;

    if ((error = publish_mkdirs(p)) < 0) {
        return error;
    }
    (void)snprintf(p->tmp, sizeof(p->tmp), "%s.tmp%ld", p->path, (long)getpid());
    fd = open(p->tmp, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0644);
    if (fd < 0) {
        return error_set(errno == ENOSPC ? AVOW_EFULL : AVOW_EIO, "cannot create %s: %s", p->tmp,
                         strerror(errno));
    }
    if (publish_write_fd(fd, data, len) < 0) {
        error = error_set(errno == ENOSPC ? AVOW_EFULL : AVOW_EIO, "cannot write %s: %s", p->tmp,
                          strerror(errno));
    }
    if (close(fd) != 0 && error == 0) {
        error = error_set(AVOW_EIO, "cannot write %s: %s", p->tmp, strerror(errno));
    }
    if (error == 0 && link(p->tmp, p->path) != 0) {
        if (errno != EEXIST) {
            error = error_set(AVOW_EIO, "cannot create %s: %s", p->path, strerror(errno));
        } else {
            int same = publish_same(p, data, len);
            error = same < 0 ? same : 1;
        }
    }
    (void)unlink(p->tmp);
    p->st->bytes_written += error == 0 ? len : 0;
    return error;
}

/* Tile n of level (w hashes of tree level 8 * level). */
static int
publish_tile(publish *p, int level, uint64_t n, unsigned w)
{
    unsigned char buf[PUBLISH_WIDTH * AVOW_HASH_BYTES];
    int error;

    if ((error = tree_nodes(buf, p->ledger, p->txn, 8u * (unsigned)level, n * PUBLISH_WIDTH, w)) <
        0) {
        return error;
    }
    if ((error = publish_path(p, level, n, w)) < 0 ||
        (error = publish_file(p, buf, (size_t)w * AVOW_HASH_BYTES)) < 0) {
        return error;
    }
    p->st->tiles_written += error == 0;
    return 0;
}

/* Entry bundle n: w entries, each a uint16 length and the event's bytes. */
static int
publish_bundle(publish *p, uint64_t n, unsigned w)
{
    int error;

    buf_clear(&p->data);
    for (unsigned i = 0; i < w; i++) {
        unsigned char key[8], len[2];
        uint64_t index = n * PUBLISH_WIDTH + i;
        store_val k = { key, sizeof(key) }, raw = { NULL, 0 };
        be64_put(key, index);
        /* The log table is keyed by index (u64 BE): one cursor walks it. */
        if ((error = store_cursor_get(p->events, &k, &raw, i == 0 ? STORE_SEEK : STORE_NEXT)) < 0 ||
            k.len != 8 || be64_get(k.ptr) != index) {
            return error_set(AVOW_EIO,
                             "event %" PRIu64 " is missing from the log (run avow "
                             "verify)",
                             index);
        }
        len[0] = (unsigned char)(raw.len >> 8);
        len[1] = (unsigned char)raw.len;
        if ((error = buf_put(&p->data, len, 2)) < 0 ||
            (error = buf_put(&p->data, raw.ptr, raw.len)) < 0) {
            return error;
        }
    }
    if ((error = publish_path(p, PUBLISH_ENTRIES, n, w)) < 0 ||
        (error = publish_file(p, p->data.ptr, p->data.len)) < 0) {
        return error;
    }
    p->st->bundles_written += error == 0;
    return 0;
}

/* Every tile and bundle of size p->size that p->old's do not hold (invariant 3). */
static int
publish_tiles(publish *p)
{
    int error;

    for (int level = PUBLISH_ENTRIES; level < PUBLISH_LEVEL_MAX; level++) {
        unsigned shift = level == PUBLISH_ENTRIES ? 0 : 8u * (unsigned)level;
        uint64_t count = p->size >> shift, done = (p->old >> shift) / PUBLISH_WIDTH;
        if (count == 0) {
            break;
        }
        for (uint64_t n = done; n < count / PUBLISH_WIDTH; n++) {
            error = level == PUBLISH_ENTRIES ? publish_bundle(p, n, PUBLISH_WIDTH)
                                             : publish_tile(p, level, n, PUBLISH_WIDTH);
            if (error < 0) {
                return error;
            }
        }
        if (count % PUBLISH_WIDTH != 0) {
            unsigned w = (unsigned)(count % PUBLISH_WIDTH);
            error = level == PUBLISH_ENTRIES ? publish_bundle(p, count / PUBLISH_WIDTH, w)
                                             : publish_tile(p, level, count / PUBLISH_WIDTH, w);
            if (error < 0) {
                return error;
            }
        }
    }
    return 0;
}

/* The size of DIR's checkpoint when it is this log's (invariant 3), else 0;
 * AVOW_EEXISTS when it is another log's or another history. */
static int
publish_old_size(publish *p)
{
    unsigned char *buf = malloc(AVOW_NOTE_MAX_BYTES + 1);
    unsigned char root[AVOW_HASH_BYTES];
    note *n = malloc(sizeof(*n));
    note_checkpoint b;
    size_t len = 0;
    int fd, error = 0;
    const char *origin = avow_ledger_origin(p->ledger);

    p->old = 0;
    if (buf == NULL || n == NULL) {
        error = error_set(AVOW_ENOMEM, "out of memory");
        goto done;
    }
    (void)snprintf(p->path, sizeof(p->path), "%s/checkpoint", p->dir);
    if ((fd = open(p->path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC)) < 0) {
        goto done; /* a first publish */
    }
    ssize_t got = read(fd, buf, AVOW_NOTE_MAX_BYTES + 1);
    (void)close(fd);
    len = got > 0 ? (size_t)got : 0;
    if (note_parse(n, (const char *)buf, len) < 0 ||
        note_checkpoint_parse(&b, n->text, n->text_len) < 0 || b.origin_len != strlen(origin) ||
        memcmp(b.origin, origin, b.origin_len) != 0 || b.size > p->size ||
        avow_ledger_root(root, p->ledger, b.size) < 0 ||
        sodium_memcmp(root, b.root, AVOW_HASH_BYTES) != 0) {
        error = error_set(AVOW_EEXISTS,
                          "%s is not a checkpoint of this log's history (publish to a new "
                          "directory)",
                          p->path);
        goto done;
    }
    p->old = b.size;
done:
    free(buf);
    free(n);
    return error;
}

/* Sync the tiles, then put the checkpoint in place by rename (invariant 1). */
static int
publish_checkpoint(publish *p, const avow_buf *cp)
{
    int dfd, fd, error = 0;

    (void)snprintf(p->path, sizeof(p->path), "%s/checkpoint", p->dir);
    (void)snprintf(p->tmp, sizeof(p->tmp), "%s/.checkpoint.tmp%ld", p->dir, (long)getpid());
    if ((dfd = open(p->dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0) {
        return error_set(AVOW_EIO, "cannot open %s: %s", p->dir, strerror(errno));
    }
    if (syncfs(dfd) != 0) {
        error = error_set(AVOW_EIO, "cannot sync the tiles under %s: %s", p->dir, strerror(errno));
        goto done;
    }
    fd = open(p->tmp, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0644);
    if (fd < 0 || publish_write_fd(fd, cp->ptr, cp->len) < 0 || fsync(fd) != 0) {
        error = error_set(errno == ENOSPC ? AVOW_EFULL : AVOW_EIO, "cannot write %s: %s", p->tmp,
                          strerror(errno));
    }
    if (fd >= 0 && close(fd) != 0 && error == 0) {
        error = error_set(AVOW_EIO, "cannot write %s: %s", p->tmp, strerror(errno));
    }
    if (error == 0 && rename(p->tmp, p->path) != 0) {
        error = error_set(AVOW_EIO, "cannot replace %s: %s", p->path, strerror(errno));
    }
    if (error != 0) {
        (void)unlink(p->tmp);
    } else if (fsync(dfd) != 0) {
        error = error_set(AVOW_EIO, "cannot sync %s: %s", p->dir, strerror(errno));
    }
    p->st->bytes_written += error == 0 ? cp->len : 0;
done:
    (void)close(dfd);
    return error;
}

int
avow_publish(avow_publish_stats *stats, avow_ledger *ledger, const char *dir, const avow_key *key)
{
    avow_publish_stats local;
    avow_buf cp_note = AVOW_BUF_INIT;
    avow_checkpoint cp;
    publish *p = NULL;
    int error;

    if (ledger == NULL || dir == NULL || *dir == '\0' || key == NULL) {
        return error_set(AVOW_EINVALID, "avow_publish: missing argument");
    }
    if (strlen(dir) > PUBLISH_PATH_MAX - 64) {
        return error_set(AVOW_EINVALID, "publish: directory path too long");
    }
    if ((p = calloc(1, sizeof(*p))) == NULL) {
        return error_set(AVOW_ENOMEM, "out of memory");
    }
    memset(&local, 0, sizeof(local));
    p->ledger = ledger;
    p->dir = dir;
    p->st = stats != NULL ? stats : &local;
    memset(p->st, 0, sizeof(*p->st));
    struct stat st;
    if (mkdir(dir, 0755) != 0 && errno != EEXIST) {
        error = error_set(AVOW_EIO, "cannot create directory %s: %s", dir, strerror(errno));
        goto done;
    }
    if (stat(dir, &st) != 0 || !S_ISDIR(st.st_mode)) {
        error = error_set(AVOW_EINVALID, "%s is not a directory", dir);
        goto done;
    }
    if ((error = avow_checkpoint_create(&cp_note, &cp, ledger, key)) < 0) {
        goto done;
    }
    p->size = cp.size;
    if ((error = publish_old_size(p)) < 0 || (error = store_txn_read(&p->txn, ledger)) < 0) {
        goto done;
    }
    p->st->size = p->size;
    p->st->old_size = p->old;
    if ((error = store_cursor_open(&p->events, ledger, p->txn, STORE_DB_EVENTS)) == 0) {
        error = publish_tiles(p);
    }
    store_cursor_close(p->events);
    store_txn_end(p->txn);
    if (error == 0) {
        error = publish_checkpoint(p, &cp_note);
    }
done:
    avow_buf_dispose(&cp_note);
    avow_buf_dispose(&p->data);
    free(p);
    return error;
}
