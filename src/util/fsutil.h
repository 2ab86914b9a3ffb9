/* SPDX-License-Identifier: ISC */
/*
 * fsutil.h - files written whole or not at all, bounded reads of regular
 * files, anonymous temporary files (src/util/fsutil.c).
 *
 * Each function sets the thread's error message and returns an AVOW_E*
 * code; callers that word their own messages read what failed, and errno
 * there, from a fsutil_failure.
 */
#ifndef AVOW_FSUTIL_H
#define AVOW_FSUTIL_H

#include <stdio.h>
#include <sys/stat.h>
#include <sys/types.h>

#include "util/common.h"

/* FSUTIL_PATH_MAX: src/util/limits.h. The temporary name adds
 * FSUTIL_TMP_SUFFIX bytes (".tmp-" and 12 random hex digits). */
#define FSUTIL_TMP_SUFFIX 17

/* What failed. */
enum fsutil_step {
    FSUTIL_OK = 0,
    FSUTIL_AT_NAME,   /* the path is longer than FSUTIL_PATH_MAX (err: ENAMETOOLONG) */
    FSUTIL_AT_CREATE, /* creating the temporary file */
    FSUTIL_AT_WRITE,  /* write(2) of the data */
    FSUTIL_AT_FLUSH,  /* fchmod, fsync or close of the temporary file */
    FSUTIL_AT_PLACE,  /* rename(2) or link(2) to the path */
    FSUTIL_AT_OPEN,   /* open(2) for reading */
    FSUTIL_AT_STAT,   /* fstat(2) */
    FSUTIL_AT_TYPE,   /* not a regular file (err: 0) */
    FSUTIL_AT_READ    /* read(2) */
};

typedef struct fsutil_failure {
    int step;                                          /* enum fsutil_step */
    int err;                                           /* errno of the failed call */
    char tmp[FSUTIL_PATH_MAX + FSUTIL_TMP_SUFFIX + 1]; /* the temporary name, once made */
} fsutil_failure;

/* fsutil_write_atomic(): never replace path (link(2), not rename(2)). */
#define FSUTIL_EXCLUSIVE 1u

/*
 * Write len bytes of data to path, whole or not at all: a new temporary file
 * in the same directory (O_CREAT|O_EXCL|O_NOFOLLOW), chmod'ed to mode (the
 * umask does not apply), written, fsync'd and closed, then renamed over path
 * (with FSUTIL_EXCLUSIVE: hard-linked to path, so an existing file is never
 * replaced), then the directory fsync'd (best effort). On failure no file is
 * left but what path was before. fail may be NULL.
 * @return 0, AVOW_EINVALID (FSUTIL_AT_NAME), AVOW_EEXISTS (FSUTIL_EXCLUSIVE
 * and path exists), AVOW_EFULL (no space to write), AVOW_EIO
 */
int fsutil_write_atomic(const char *path, const void *data, size_t len, mode_t mode,
                        unsigned int flags, fsutil_failure *fail);

/* fsutil_open_regular(): refuse a symbolic link (ELOOP at FSUTIL_AT_OPEN). */
#define FSUTIL_NOFOLLOW 1u

/*
 * Open path for reading, refusing anything but a regular file: opened
 * O_NONBLOCK (a FIFO cannot block the open), then fstat'ed. *fd_out is the
 * caller's to close; st_out (may be NULL) gets its status.
 * @return 0, AVOW_ENOTFOUND (no such file), AVOW_EINVALID (a symbolic link
 * with FSUTIL_NOFOLLOW, or not a regular file), AVOW_EIO
 */
int fsutil_open_regular(int *fd_out, struct stat *st_out, const char *path, unsigned int flags,
                        fsutil_failure *fail);

/* Read from fd until end of file or maxlen bytes, into buf; *len gets the
 * count. To tell a file longer than max, pass maxlen = max + 1.
 * @return 0 or AVOW_EIO (FSUTIL_AT_READ) */
int fsutil_read_fd(unsigned char *buf, size_t maxlen, size_t *len, int fd, const char *path,
                   fsutil_failure *fail);

/* fsutil_open_regular(), fsutil_read_fd() and close: the first maxlen bytes
 * of a regular file. @return as those two */
int fsutil_read_file(unsigned char *buf, size_t maxlen, size_t *len, const char *path,
                     unsigned int flags, fsutil_failure *fail);

/* A new temporary file in $TMPDIR (or /tmp), named prefix-XXXXXX (mkstemp,
 * mode 0600) and unlinked at once, opened "w+b": it lives and dies with its
 * FILE. @return 0, AVOW_EINVALID (the name is too long), AVOW_EIO */
int fsutil_tmpfile(FILE **out, const char *prefix);

#endif /* AVOW_FSUTIL_H */
