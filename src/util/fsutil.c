/* SPDX-License-Identifier: ISC */
/*
 * fsutil.c - the file system as avow uses it: a file written whole or not at
 * all (key files, heads files, bundles), a bounded read of a regular file
 * (key files), an anonymous temporary file (the spill of import --sign).
 *
 * Invariants (tests/unit/test_fsutil.c):
 *  1. fsutil_write_atomic() never leaves a partial file under the path: the
 *     bytes go to a fresh temporary file in the same directory (created
 *     O_CREAT|O_EXCL|O_NOFOLLOW, so no existing file or link is written
 *     through), are fsync'd, and only then renamed or linked into place;
 *     on any failure the temporary file is removed.
 *  2. With FSUTIL_EXCLUSIVE an existing file is never replaced: link(2)
 *     refuses an existing name, even one created after a check.
 *  3. The mode is exactly the one asked for (fchmod, not the umask).
 *  4. A bounded read opens O_NONBLOCK (a FIFO cannot hang the open), reads
 *     only a regular file (checked by fstat on the open descriptor, so a
 *     swap after a check cannot fool it) and never more than maxlen bytes.
 *  5. A temporary file of fsutil_tmpfile() has no name once it is returned:
 *     no other process can open it by name, and it is gone when closed.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <unistd.h>

#include <sodium.h>

#include "util/fsutil.h"

/* Tries for a temporary name that does not exist yet. */
#define FSUTIL_TMP_TRIES 16

static void
fsutil_fail(fsutil_failure *fail, int step, int err)
{
    if (fail != NULL) {
        fail->step = step;
        fail->err = err;
    }
}

static int
fsutil_write_all(int fd, const unsigned char *data, size_t len)
{
    size_t off = 0;
    while (off < len) {
        ssize_t n = write(fd, data + off, len - off);
        if (n < 0) {
            if (errno == EINTR) {
                continue;
            }
            return -1;
        }
        off += (size_t)n;
    }
    return 0;
}

/* Best effort: make the new directory entry of path durable. */
static void
fsutil_sync_dir(const char *path)
{
    char dir[FSUTIL_PATH_MAX + 1];
    const char *name = ".";
    const char *slash = strrchr(path, '/');
    if (slash == path) {
        name = "/";
    } else if (slash != NULL) {
        memcpy(dir, path, (size_t)(slash - path));
        dir[slash - path] = '\0';
        name = dir;
    }
    int fd = open(name, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd >= 0) {
        (void)fsync(fd);
        (void)close(fd);
    }
}

/* Invariant 1: a new temporary file next to path, its name in tmp. */
static int
fsutil_create_tmp(char *tmp, const char *path, size_t plen)
{
    int fd = -1;
    for (int tries = 0; tries < FSUTIL_TMP_TRIES && fd < 0; tries++) {
        unsigned char rnd[6];
        randombytes_buf(rnd, sizeof(rnd));
        memcpy(tmp, path, plen);
        memcpy(tmp + plen, ".tmp-", 5); /* NOLINT(bugprone-not-null-terminated-result) */
        avow_hex(tmp + plen + 5, rnd, sizeof(rnd)); /* and the NUL */
        fd = open(tmp, O_CREAT | O_EXCL | O_WRONLY | O_NOFOLLOW | O_CLOEXEC, 0600);
        if (fd < 0 && errno != EEXIST) {
            break;
        }
    }
    return fd;
}

/* The steps of an atomic write once the temporary file is open (fd, which
 * this closes): FSUTIL_OK, or the step that failed, its errno in *err. */
static int
fsutil_fill_and_place(int fd, const char *tmp, const char *path, const void *data, size_t len,
                      mode_t mode, unsigned int flags, int *err)
{
    int step = FSUTIL_OK;
    /* Invariant 3: the umask may have taken bits; the mode must be exact.
     * Until the fchmod the file is at most 0600 (its creation mode). */
    if (fsutil_write_all(fd, data, len) != 0) {
        step = FSUTIL_AT_WRITE;
    } else if (fchmod(fd, mode) != 0 || fsync(fd) != 0) {
        step = FSUTIL_AT_FLUSH;
    }
    if (step != FSUTIL_OK) {
        *err = errno;
        (void)close(fd); /* failed already: the file is removed */
        return step;
    }
    if (close(fd) != 0) {
        *err = errno;
        return FSUTIL_AT_FLUSH;
    }
    /* Invariant 2. */
    if ((flags & FSUTIL_EXCLUSIVE) ? link(tmp, path) != 0 : rename(tmp, path) != 0) {
        *err = errno;
        return FSUTIL_AT_PLACE;
    }
    return FSUTIL_OK;
}

/* The default message of a failed atomic write. */
static int
fsutil_write_error(const fsutil_failure *f, const char *path, unsigned int flags)
{
    switch (f->step) {
    case FSUTIL_AT_NAME:
        return error_set(AVOW_EINVALID, "path too long: %s", path);
    case FSUTIL_AT_CREATE:
        return error_set(AVOW_EIO, "cannot create %s: %s", f->tmp, strerror(f->err));
    case FSUTIL_AT_WRITE:
        return error_set(f->err == ENOSPC ? AVOW_EFULL : AVOW_EIO, "cannot write %s: %s", path,
                         strerror(f->err));
    case FSUTIL_AT_PLACE:
        if (!(flags & FSUTIL_EXCLUSIVE)) {
            return error_set(AVOW_EIO, "cannot rename %s to %s: %s", f->tmp, path,
                             strerror(f->err));
        }
        if (f->err == EEXIST) {
            return error_set(AVOW_EEXISTS, "%s exists; refusing to replace it", path);
        }
        return error_set(AVOW_EIO, "cannot create %s: %s", path, strerror(f->err));
    default:
        return error_set(AVOW_EIO, "cannot write %s: %s", path, strerror(f->err));
    }
}

/* Invariants 1 to 3. */
int
fsutil_write_atomic(const char *path, const void *data, size_t len, mode_t mode, unsigned int flags,
                    fsutil_failure *fail)
{
    fsutil_failure local;
    size_t plen;
    int fd;
    int step;
    int err = 0;

    if (fail == NULL) {
        fail = &local;
    }
    memset(fail, 0, sizeof(*fail));
    if (path == NULL || (data == NULL && len > 0)) {
        return error_set(AVOW_EINVALID, "fsutil_write_atomic: missing argument");
    }
    plen = strlen(path);
    if (plen > FSUTIL_PATH_MAX) {
        fsutil_fail(fail, FSUTIL_AT_NAME, ENAMETOOLONG);
        return fsutil_write_error(fail, path, flags);
    }
    struct stat lst;
    if (!(flags & FSUTIL_EXCLUSIVE) && lstat(path, &lst) == 0 && S_ISLNK(lst.st_mode)) {
        /* rename(2) would replace the link, not write through it: refuse
         * rather than surprise. */
        fsutil_fail(fail, FSUTIL_AT_TYPE, 0);
        return error_set(AVOW_EINVALID,
                         "%s is a symbolic link: refusing to replace it (write to the file "
                         "itself)",
                         path);
    }
    if ((fd = fsutil_create_tmp(fail->tmp, path, plen)) < 0) {
        fsutil_fail(fail, FSUTIL_AT_CREATE, errno);
        return fsutil_write_error(fail, path, flags);
    }
    step = fsutil_fill_and_place(fd, fail->tmp, path, data, len, mode, flags, &err);
    if (step != FSUTIL_OK) {
        fsutil_fail(fail, step, err);
        (void)unlink(fail->tmp);
        return fsutil_write_error(fail, path, flags);
    }
    if (flags & FSUTIL_EXCLUSIVE) {
        (void)unlink(fail->tmp); /* path holds the file now */
    }
    fsutil_sync_dir(path);
    return 0;
}

/* Invariant 4. */
int
fsutil_open_regular(int *fd_out, struct stat *st_out, const char *path, unsigned int flags,
                    fsutil_failure *fail)
{
    struct stat st;
    int oflags = O_RDONLY | O_NONBLOCK | O_CLOEXEC | ((flags & FSUTIL_NOFOLLOW) ? O_NOFOLLOW : 0);
    int fd = open(path, oflags);
    int err;

    *fd_out = -1;
    if (fd < 0) {
        err = errno;
        fsutil_fail(fail, FSUTIL_AT_OPEN, err);
        if (err == ENOENT || err == ENOTDIR) {
            return error_set(AVOW_ENOTFOUND, "cannot open %s: %s", path, strerror(err));
        }
        if (err == ELOOP && (flags & FSUTIL_NOFOLLOW)) {
            return error_set(AVOW_EINVALID, "%s is a symbolic link", path);
        }
        return error_set(AVOW_EIO, "cannot open %s: %s", path, strerror(err));
    }
    if (fstat(fd, &st) != 0) {
        err = errno;
        (void)close(fd);
        fsutil_fail(fail, FSUTIL_AT_STAT, err);
        return error_set(AVOW_EIO, "cannot stat %s: %s", path, strerror(err));
    }
    if (!S_ISREG(st.st_mode)) {
        (void)close(fd);
        fsutil_fail(fail, FSUTIL_AT_TYPE, 0);
        return error_set(AVOW_EINVALID, "%s is not a regular file", path);
    }
    if (st_out != NULL) {
        *st_out = st;
    }
    *fd_out = fd;
    return 0;
}

int
avow_file_open(int *fd_out, const char *path)
{
    if (fd_out == NULL || path == NULL) {
        return error_set(AVOW_EINVALID, "avow_file_open: bad argument");
    }
    int error = fsutil_open_regular(fd_out, NULL, path, 0, NULL);
    if (error == 0) {
        int fl = fcntl(*fd_out, F_GETFL);
        if (fl >= 0) {
            (void)fcntl(*fd_out, F_SETFL, fl & ~O_NONBLOCK);
        }
    }
    return error;
}

/* Invariant 4: never more than maxlen bytes. */
int
fsutil_read_fd(unsigned char *buf, size_t maxlen, size_t *len, int fd, const char *path,
               fsutil_failure *fail)
{
    size_t total = 0;
    *len = 0;
    while (total < maxlen) {
        ssize_t n = read(fd, buf + total, maxlen - total);
        if (n < 0) {
            if (errno == EINTR) {
                continue;
            }
            fsutil_fail(fail, FSUTIL_AT_READ, errno);
            return error_set(AVOW_EIO, "cannot read %s: %s", path, strerror(errno));
        }
        if (n == 0) {
            break;
        }
        total += (size_t)n;
    }
    *len = total;
    return 0;
}

int
fsutil_read_file(unsigned char *buf, size_t maxlen, size_t *len, const char *path,
                 unsigned int flags, fsutil_failure *fail)
{
    int fd;
    int error = fsutil_open_regular(&fd, NULL, path, flags, fail);
    if (error < 0) {
        *len = 0;
        return error;
    }
    error = fsutil_read_fd(buf, maxlen, len, fd, path, fail);
    (void)close(fd); /* read only: nothing to lose */
    return error;
}

/* Invariant 5. */
int
fsutil_tmpfile(FILE **out, const char *prefix)
{
    const char *dir = getenv("TMPDIR");
    char path[4096];
    int fd, n;

    *out = NULL;
    if (dir == NULL || dir[0] == '\0') {
        dir = "/tmp";
    }
    n = snprintf(path, sizeof(path), "%s/%s-XXXXXX", dir, prefix);
    if (n < 0 || (size_t)n >= sizeof(path)) {
        return error_set(AVOW_EINVALID, "temporary directory path too long ($TMPDIR)");
    }
    if ((fd = mkstemp(path)) < 0) {
        return error_set(AVOW_EIO, "cannot create a temporary file in %s: %s", dir,
                         strerror(errno));
    }
    (void)unlink(path);
    if ((*out = fdopen(fd, "w+b")) == NULL) {
        int err = errno;
        (void)close(fd);
        return error_set(AVOW_EIO, "cannot open a temporary file in %s: %s", dir, strerror(err));
    }
    return 0;
}
