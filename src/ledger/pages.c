/* SPDX-License-Identifier: ISC */
/*
 * pages.c - the structural check of DIR/data.mdb that runs before LMDB
 * walks the file: LMDB trusts its pages (a truncated file is mapped past its
 * end and dies of SIGBUS; a zeroed leaf reached through a sibling link dies
 * of its assertion IS_LEAF; a wild node offset reads outside the map), so
 * damaged bytes must be found by code that checks every bound first.
 *
 * The format read here is LMDB 0.9's on-disk layout (mdb.c: MDB_page,
 * MDB_meta, MDB_db, MDB_node; native byte order, words of sizeof(size_t)),
 * which is fixed by its data version 1, checked in the meta pages.
 *
 * Invariants (tests/unit/test_store.c, tests/cli/test_damage.sh):
 *  1. pages_check_size() reads the two meta pages with pread() before
 *     mdb_env_open() maps the file: both must be valid meta pages, and the
 *     file must hold every page up to the newest meta's last page. Otherwise
 *     AVOW_ECORRUPT: "ledger file truncated" or "ledger file damaged".
 *  2. pages_check_tree() walks, inside a read transaction (so no page of its
 *     snapshot is reused under it), every page reachable from the snapshot's
 *     meta page: the free list, the main tree and each named database. Each
 *     page is visited once (a bitmap), lies within the last page, carries its
 *     own page number and the type its depth demands; each node lies inside
 *     its page with its key, data or overflow run; keys are in order; page
 *     and entry counts equal those of the database record. Any failure is
 *     AVOW_ECORRUPT naming the page; only then may LMDB read the file.
 *  3. Nothing is written; nothing of LMDB's code or private headers is used;
 *     the pages are read through a read-only map of our own, never past the
 *     file's end.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ledger/store_int.h"

/* LMDB 0.9 constants (mdb.c). */
#define PG_W        sizeof(size_t) /* pgno_t, txnid_t, size_t fields */
#define PG_HDR      (PG_W + 8)     /* PAGEHDRSZ */
#define PG_BRANCH   0x01
#define PG_LEAF     0x02
#define PG_OVERFLOW 0x04
#define PG_META     0x08
#define PG_LEAF2    0x20
#define PG_SUBP     0x40
#define PG_MAGIC    0xBEEFC0DEu
#define PG_VERSION  1u
#define PG_INVALID  (~(size_t)0)
#define PG_NODE     8 /* NODESIZE */
#define PG_BIGDATA  0x01
#define PG_SUBDATA  0x02
#define PG_DUPDATA  0x04
#define PG_DB_BYTES (8 + 5 * PG_W) /* sizeof(MDB_db) */
#define PG_MAXDEPTH 32             /* CURSOR_STACK */

/* The walk touches every page once: map them in one go, not one fault each. */
#ifdef MAP_POPULATE
#define PAGES_POPULATE MAP_POPULATE
#else
#define PAGES_POPULATE 0
#endif

/* MDB_meta field offsets from the start of the page. */
#define PG_M_MAGIC (PG_HDR)
#define PG_M_VER   (PG_HDR + 4)
#define PG_M_DBS   (PG_HDR + 8 + 2 * PG_W)
#define PG_M_LAST  (PG_M_DBS + 2 * PG_DB_BYTES)
#define PG_M_TXNID (PG_M_LAST + PG_W)
#define PG_M_END   (PG_M_TXNID + PG_W)

/* One database record (MDB_db). */
struct pages_db {
    uint32_t pad; /* the page size, in the free database's record */
    uint16_t flags, depth;
    size_t branch, leaf, overflow, entries, root;
};

/* A meta page's content. */
struct pages_meta {
    struct pages_db dbs[2]; /* FREE_DBI, MAIN_DBI */
    size_t last, txnid;
};

/* The walk of one snapshot. */
struct pages_walk {
    const unsigned char *map;
    size_t psize, last;
    unsigned char *seen; /* one bit per page */
    const char *path;
    size_t branch, leaf, overflow, entries; /* counted in the tree under way */
};

static uint16_t
pages_u16(const unsigned char *p)
{
    uint16_t v;
    memcpy(&v, p, sizeof(v));
    return v;
}

static uint32_t
pages_u32(const unsigned char *p)
{
    uint32_t v;
    memcpy(&v, p, sizeof(v));
    return v;
}

static size_t
pages_word(const unsigned char *p)
{
    size_t v;
    memcpy(&v, p, sizeof(v));
    return v;
}

static void
pages_db_read(struct pages_db *db, const unsigned char *p)
{
    db->pad = pages_u32(p);
    db->flags = pages_u16(p + 4);
    db->depth = pages_u16(p + 6);
    db->branch = pages_word(p + 8);
    db->leaf = pages_word(p + 8 + PG_W);
    db->overflow = pages_word(p + 8 + 2 * PG_W);
    db->entries = pages_word(p + 8 + 3 * PG_W);
    db->root = pages_word(p + 8 + 4 * PG_W);
}

/* A meta page (PG_M_END bytes at least): 0, or -1 when it is not one. */
static int
pages_meta_read(struct pages_meta *m, const unsigned char *p)
{
    if ((pages_u16(p + PG_W + 2) & PG_META) == 0 || pages_u32(p + PG_M_MAGIC) != PG_MAGIC ||
        pages_u32(p + PG_M_VER) != PG_VERSION) {
        return -1;
    }
    pages_db_read(&m->dbs[0], p + PG_M_DBS);
    pages_db_read(&m->dbs[1], p + PG_M_DBS + PG_DB_BYTES);
    m->last = pages_word(p + PG_M_LAST);
    m->txnid = pages_word(p + PG_M_TXNID);
    uint32_t ps = m->dbs[0].pad;
    if (ps < 512 || ps > 65536 || (ps & (ps - 1)) != 0 || m->last < 1) {
        return -1;
    }
    return 0;
}

static int
pages_damaged(const char *path, size_t pgno, const char *what)
{
    return error_set(AVOW_ECORRUPT,
                     "ledger file damaged: %s/data.mdb, page %zu: %s (restore the ledger "
                     "from a replica or a backup)",
                     path, pgno, what);
}

int
pages_check_size(const char *path, const char *data)
{
    unsigned char buf[2][PG_M_END];
    struct pages_meta m[2];
    struct stat st;
    int fd = open(data, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK);
    if (fd < 0) {
        return error_set(AVOW_EIO, "cannot open %s: %s", data, strerror(errno));
    }
    int error = 0;
    if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
        error = error_set(AVOW_EIO, "%s is not a regular file", data);
        goto done;
    }
    if (pread(fd, buf[0], PG_M_END, 0) != (ssize_t)PG_M_END || pages_meta_read(&m[0], buf[0])) {
        error = pages_damaged(path, 0, "not an LMDB meta page");
        goto done;
    }
    if (pread(fd, buf[1], PG_M_END, (off_t)m[0].dbs[0].pad) != (ssize_t)PG_M_END ||
        pages_meta_read(&m[1], buf[1]) || m[1].dbs[0].pad != m[0].dbs[0].pad) {
        error = (uint64_t)st.st_size < 2u * m[0].dbs[0].pad
                  ? error_set(AVOW_ECORRUPT,
                              "ledger file truncated: %s/data.mdb is %" PRIu64
                              " bytes, less than its two meta pages (restore the ledger "
                              "from a replica or a backup)",
                              path, (uint64_t)st.st_size)
                  : pages_damaged(path, 1, "not an LMDB meta page");
        goto done;
    }
    const struct pages_meta *cur = m[1].txnid > m[0].txnid ? &m[1] : &m[0];
    uint64_t need = ((uint64_t)cur->last + 1) * m[0].dbs[0].pad;
    if (cur->last >= (SIZE_MAX >> 17) || (uint64_t)st.st_size < need) {
        error = error_set(AVOW_ECORRUPT,
                          "ledger file truncated: %s/data.mdb is %" PRIu64
                          " bytes, its last page ends at %" PRIu64
                          " (restore the ledger from a replica or a backup)",
                          path, (uint64_t)st.st_size, need);
    }
done:
    close(fd);
    return error;
}

/* Mark page pgno seen; -1 when it is out of range or was seen before. */
static int
pages_visit(struct pages_walk *w, size_t pgno)
{
    if (pgno < 2 || pgno > w->last) {
        return -1;
    }
    unsigned char bit = (unsigned char)(1u << (pgno & 7));
    if (w->seen[pgno >> 3] & bit) {
        return -1;
    }
    w->seen[pgno >> 3] |= bit;
    return 0;
}

/* The node at index i of page p: its offset, or 0 when out of bounds. */
static size_t
pages_node(const struct pages_walk *w, const unsigned char *p, size_t i, size_t upper)
{
    size_t off = pages_u16(p + PG_HDR + 2 * i);
    if (off < upper || off + PG_NODE > w->psize) {
        return 0;
    }
    return off;
}

/* The low 32 bits a node keeps in mn_lo, mn_hi (its data size or pgno). */
static size_t
pages_node_lohi(const unsigned char *n)
{
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
    return (size_t)pages_u16(n + 2) | ((size_t)pages_u16(n) << 16);
#else
    return (size_t)pages_u16(n) | ((size_t)pages_u16(n + 2) << 16);
#endif
}

/* Keys in order (memcmp, then length: LMDB's default comparison). */
static int
pages_key_less(const unsigned char *a, size_t alen, const unsigned char *b, size_t blen)
{
    size_t n = alen < blen ? alen : blen;
    int c = memcmp(a, b, n);
    return c < 0 || (c == 0 && alen < blen);
}

static int pages_tree(struct pages_walk *w, const struct pages_db *db, int is_main);

/* The overflow run of a big value at pgno holding dsize bytes. */
static int
pages_overflow(struct pages_walk *w, size_t pgno, size_t dsize)
{
    if (pages_visit(w, pgno) < 0) {
        return pages_damaged(w->path, pgno, "overflow page out of range or shared");
    }
    const unsigned char *p = w->map + pgno * w->psize;
    uint32_t n = pages_u32(p + PG_W + 4);
    if (pages_word(p) != pgno || (pages_u16(p + PG_W + 2) & ~0x10u) != PG_OVERFLOW || n == 0 ||
        n - 1 > w->last - pgno || dsize > (size_t)n * w->psize - PG_HDR) {
        return pages_damaged(w->path, pgno, "bad overflow page");
    }
    for (size_t i = 1; i < n; i++) {
        if (pages_visit(w, pgno + i) < 0) {
            return pages_damaged(w->path, pgno + i, "overflow page shared");
        }
    }
    w->overflow += n;
    return 0;
}

/* A free-page list (an MDB_IDL: a count, then that many page numbers). */
static int
pages_idl(const struct pages_walk *w, const unsigned char *d, size_t dsize)
{
    if (dsize < PG_W || dsize % PG_W != 0 || pages_word(d) != dsize / PG_W - 1) {
        return -1;
    }
    for (size_t i = 1; i < dsize / PG_W; i++) {
        size_t pg = pages_word(d + i * PG_W);
        if (pg < 2 || pg > w->last) {
            return -1;
        }
    }
    return 0;
}

/* One leaf node of the tree: its data (and, in the main tree, its database). */
static int
pages_leaf_node(struct pages_walk *w, const unsigned char *n, size_t off, size_t pgno, int is_main)
{
    uint16_t flags = pages_u16(n + 4);
    size_t ksize = pages_u16(n + 6);
    size_t dsize = pages_node_lohi(n);
    if ((flags & PG_DUPDATA) != 0 || (is_main < 0 && (flags & PG_SUBDATA) != 0)) {
        return pages_damaged(w->path, pgno, "unexpected node flags");
    }
    if (flags & PG_BIGDATA) {
        if (off + PG_NODE + ksize + PG_W > w->psize) {
            return pages_damaged(w->path, pgno, "node past the end of its page");
        }
        size_t ov = pages_word(n + PG_NODE + ksize);
        int error = pages_overflow(w, ov, dsize);
        if (error == 0 && is_main < 0 && pages_idl(w, w->map + ov * w->psize + PG_HDR, dsize) < 0) {
            error = pages_damaged(w->path, ov, "bad free-page list");
        }
        return error;
    }
    if (dsize > w->psize || off + PG_NODE + ksize + dsize > w->psize) {
        return pages_damaged(w->path, pgno, "node past the end of its page");
    }
    if (is_main < 0 && pages_idl(w, n + PG_NODE + ksize, dsize) < 0) {
        return pages_damaged(w->path, pgno, "bad free-page list");
    }
    if (is_main > 0 && (flags & PG_SUBDATA)) {
        struct pages_db sub;
        if (dsize != PG_DB_BYTES) {
            return pages_damaged(w->path, pgno, "bad database record");
        }
        pages_db_read(&sub, n + PG_NODE + ksize);
        struct pages_walk inner = *w;
        inner.branch = inner.leaf = inner.overflow = inner.entries = 0;
        return pages_tree(&inner, &sub, 0);
    }
    return 0;
}

/* One page at depth level (0: the root) of a tree depth levels deep. */
static int
pages_page(struct pages_walk *w, size_t pgno, unsigned level, unsigned depth, int is_main)
{
    if (pages_visit(w, pgno) < 0) {
        return pages_damaged(w->path, pgno, "page out of range or reached twice");
    }
    const unsigned char *p = w->map + pgno * w->psize;
    uint16_t flags = pages_u16(p + PG_W + 2) & ~0x10u; /* P_DIRTY is never on disk, but harmless */
    size_t lower = pages_u16(p + PG_W + 4), upper = pages_u16(p + PG_W + 6);
    int leaf = level + 1 == depth;
    if (pages_word(p) != pgno) {
        return pages_damaged(w->path, pgno, "the page carries another page's number");
    }
    if (flags != (leaf ? PG_LEAF : PG_BRANCH)) {
        return pages_damaged(w->path, pgno, leaf ? "not a leaf page" : "not a branch page");
    }
    if (lower < PG_HDR || ((lower - PG_HDR) & 1) != 0 || lower > upper || upper > w->psize ||
        (lower == PG_HDR && (level > 0 || !leaf))) {
        return pages_damaged(w->path, pgno, "bad page bounds");
    }
    size_t nkeys = (lower - PG_HDR) / 2;
    const unsigned char *prev = NULL;
    size_t prevlen = 0;
    for (size_t i = 0; i < nkeys; i++) {
        size_t off = pages_node(w, p, i, upper);
        if (off == 0) {
            return pages_damaged(w->path, pgno, "node offset out of bounds");
        }
        const unsigned char *n = p + off;
        size_t ksize = pages_u16(n + 6);
        if (off + PG_NODE + ksize > w->psize) {
            return pages_damaged(w->path, pgno, "key past the end of its page");
        }
        if (is_main >= 0 && (leaf ? i > 0 : i > 1) &&
            !pages_key_less(prev, prevlen, n + PG_NODE, ksize)) {
            return pages_damaged(w->path, pgno, "keys out of order");
        }
        prev = n + PG_NODE;
        prevlen = ksize;
        int error;
        if (leaf) {
            error = pages_leaf_node(w, n, off, pgno, is_main);
            w->entries++;
        } else {
            size_t child = pages_node_lohi(n);
#if SIZE_MAX > 0xffffffffu
            child |= (size_t)pages_u16(n + 4) << 32;
#endif
            error = pages_page(w, child, level + 1, depth, is_main);
        }
        if (error < 0) {
            return error;
        }
    }
    if (leaf) {
        w->leaf++;
    } else {
        w->branch++;
    }
    return 0;
}

/* A whole tree (is_main: 1 the main tree, -1 the free list, 0 a named database). */
static int
pages_tree(struct pages_walk *w, const struct pages_db *db, int is_main)
{
    if (db->root == PG_INVALID) {
        if (db->depth != 0 || db->entries != 0) {
            return pages_damaged(w->path, 0, "an empty database with entries");
        }
        return 0;
    }
    if (db->depth == 0 || db->depth > PG_MAXDEPTH) {
        return pages_damaged(w->path, db->root, "bad tree depth");
    }
    int error = pages_page(w, db->root, 0, db->depth, is_main);
    if (error == 0 && (w->branch != db->branch || w->leaf != db->leaf ||
                       w->overflow != db->overflow || w->entries != db->entries)) {
        error = pages_damaged(w->path, db->root, "page or entry counts differ from the record");
    }
    return error;
}

int
pages_check_tree(const avow_ledger *ledger, MDB_txn *txn)
{
    unsigned char buf[2][PG_M_END];
    struct pages_meta m, m1;
    struct stat st;
    int fd = -1, rc;
    if ((rc = mdb_env_get_fd(ledger->env, &fd)) != 0) {
        return store_mdb_error(ledger, rc, "cannot read the environment");
    }
    if (fstat(fd, &st) < 0) {
        return error_set(AVOW_EIO, "cannot stat %s/data.mdb: %s", ledger->path, strerror(errno));
    }
    /* The snapshot's meta page, read after the transaction took its reader slot. */
    size_t txnid = mdb_txn_id(txn);
    if (pread(fd, buf[0], PG_M_END, 0) != (ssize_t)PG_M_END || pages_meta_read(&m, buf[0]) < 0 ||
        pread(fd, buf[1], PG_M_END, (off_t)m.dbs[0].pad) != (ssize_t)PG_M_END ||
        pages_meta_read(&m1, buf[1]) < 0) {
        return pages_damaged(ledger->path, 0, "not an LMDB meta page");
    }
    if (m1.txnid == txnid) {
        m = m1;
    } else if (m.txnid != txnid) {
        /* Two commits since the transaction began: the caller retries. */
        return AVOW_ELOCK;
    }
    uint64_t len = ((uint64_t)m.last + 1) * m.dbs[0].pad;
    if (m.last >= (SIZE_MAX >> 17) || len > (uint64_t)st.st_size) {
        return error_set(AVOW_ECORRUPT,
                         "ledger file truncated: %s/data.mdb is %" PRIu64
                         " bytes, its last page ends at %" PRIu64
                         " (restore the ledger from a replica or a backup)",
                         ledger->path, (uint64_t)st.st_size, len);
    }
    /* Invariant 3: a map of our own, read-only, of the pages the file holds. */
    void *map = mmap(NULL, (size_t)len, PROT_READ, MAP_SHARED | PAGES_POPULATE, fd, 0);
    if (map == MAP_FAILED) {
        return error_set(errno == ENOMEM ? AVOW_ENOMEM : AVOW_EIO, "cannot map %s/data.mdb: %s",
                         ledger->path, strerror(errno));
    }
    struct pages_walk w = { map, m.dbs[0].pad, m.last, NULL, ledger->path, 0, 0, 0, 0 };
    int error = 0;
    if ((w.seen = calloc(m.last / 8 + 1, 1)) == NULL) {
        error = error_set(AVOW_ENOMEM, "out of memory checking ledger %s", ledger->path);
    }
    if (error == 0) {
        error = pages_tree(&w, &m.dbs[0], -1);
    }
    if (error == 0) {
        w.branch = w.leaf = w.overflow = w.entries = 0;
        error = pages_tree(&w, &m.dbs[1], 1);
    }
    free(w.seen);
    (void)munmap(map, (size_t)len);
    return error;
}
