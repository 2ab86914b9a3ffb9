/* SPDX-License-Identifier: ISC */
/*
 * test_fsutil.c - src/util/fsutil.c: atomic writes that leave nothing behind
 * when they fail, exclusive creation, exact modes, bounded reads that refuse
 * FIFOs, directories and links, anonymous temporary files.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include "testutil.h"
#include "util/fsutil.h"

typedef struct fixture {
    char *dir;
    char path[4096];
} fixture;

static int
setup(void **state)
{
    fixture *f = calloc(1, sizeof(*f));
    assert_non_null(f);
    f->dir = tu_tempdir();
    assert_non_null(f->dir);
    (void)snprintf(f->path, sizeof(f->path), "%s/file", f->dir);
    *state = f;
    return 0;
}

static int
teardown(void **state)
{
    fixture *f = *state;
    tu_rmrf(f->dir);
    free(f->dir);
    free(f);
    return 0;
}

static void
put(const char *path, const char *text)
{
    FILE *fp = fopen(path, "wb");
    assert_non_null(fp);
    assert_int_equal(fwrite(text, 1, strlen(text), fp), strlen(text));
    assert_int_equal(fclose(fp), 0);
}

static void
assert_content(const char *path, const char *text)
{
    unsigned char buf[256];
    size_t len = 0;
    assert_int_equal(fsutil_read_file(buf, sizeof(buf), &len, path, 0, NULL), 0);
    assert_int_equal(len, strlen(text));
    assert_memory_equal(buf, text, len);
}

static void
test_fsutil__atomic_write_replaces_with_the_exact_mode_and_leaves_one_file(void **state)
{
    fixture *f = *state;
    struct stat st;
    mode_t old = umask(077);

    put(f->path, "old");
    assert_int_equal(fsutil_write_atomic(f->path, "new bytes", 9, 0644, 0, NULL), 0);
    umask(old);
    assert_content(f->path, "new bytes");
    assert_int_equal(stat(f->path, &st), 0);
    assert_int_equal(st.st_mode & 07777, 0644); /* not the umask's 0600 */
    assert_int_equal(tu_count_entries(f->dir), 1);
    /* Nothing to write is a file of nothing. */
    assert_int_equal(fsutil_write_atomic(f->path, NULL, 0, 0600, 0, NULL), 0);
    assert_content(f->path, "");
    assert_int_equal(stat(f->path, &st), 0);
    assert_int_equal(st.st_mode & 07777, 0600);
}

static void
test_fsutil__exclusive_write_never_replaces_and_leaves_no_temporary_file(void **state)
{
    fixture *f = *state;
    fsutil_failure fail;

    assert_int_equal(fsutil_write_atomic(f->path, "first", 5, 0600, FSUTIL_EXCLUSIVE, &fail), 0);
    assert_int_equal(tu_count_entries(f->dir), 1);
    assert_int_equal(fsutil_write_atomic(f->path, "second", 6, 0600, FSUTIL_EXCLUSIVE, &fail),
                     AVOW_EEXISTS);
    assert_int_equal(fail.step, FSUTIL_AT_PLACE);
    assert_int_equal(fail.err, EEXIST);
    assert_content(f->path, "first");
    assert_int_equal(tu_count_entries(f->dir), 1);
    /* A symbolic link at the name is not written through either. */
    char link_path[4200];
    (void)snprintf(link_path, sizeof(link_path), "%s/link", f->dir);
    assert_int_equal(symlink(f->path, link_path), 0);
    assert_int_equal(fsutil_write_atomic(link_path, "third", 5, 0600, FSUTIL_EXCLUSIVE, NULL),
                     AVOW_EEXISTS);
    assert_content(f->path, "first");
    assert_int_equal(tu_count_entries(f->dir), 2);
    /* Nor replaced by a rename (issue 22, item 14): refused, the link kept. */
    assert_int_equal(fsutil_write_atomic(link_path, "fourth", 6, 0600, 0, NULL), AVOW_EINVALID);
    struct stat lst;
    assert_int_equal(lstat(link_path, &lst), 0);
    assert_true(S_ISLNK(lst.st_mode));
    assert_content(f->path, "first");
    assert_int_equal(tu_count_entries(f->dir), 2);
}

static void
test_fsutil__failed_rename_leaves_no_temporary_file(void **state)
{
    fixture *f = *state;
    fsutil_failure fail;

    /* A directory at the name: rename(2) refuses to replace it. */
    assert_int_equal(mkdir(f->path, 0700), 0);
    assert_int_equal(fsutil_write_atomic(f->path, "x", 1, 0600, 0, &fail), AVOW_EIO);
    assert_int_equal(fail.step, FSUTIL_AT_PLACE);
    assert_non_null(strstr(fail.tmp, "/file.tmp-"));
    assert_non_null(strstr(avow_error_last(), "cannot rename"));
    assert_int_equal(tu_count_entries(f->dir), 1);
}

static void
test_fsutil__failed_write_leaves_no_temporary_file(void **state)
{
    fixture *f = *state;
    static char big[8192];
    fsutil_failure fail;
    struct rlimit old, small;
    void (*was)(int) = signal(SIGXFSZ, SIG_IGN);

    /* Files may not grow past 4 KiB: write(2) fails with EFBIG. */
    assert_int_equal(getrlimit(RLIMIT_FSIZE, &old), 0);
    small = old;
    small.rlim_cur = 4096;
    assert_int_equal(setrlimit(RLIMIT_FSIZE, &small), 0);
    put(f->path, "kept");
    int error = fsutil_write_atomic(f->path, big, sizeof(big), 0600, 0, &fail);
    assert_int_equal(setrlimit(RLIMIT_FSIZE, &old), 0);
    signal(SIGXFSZ, was);
    assert_int_equal(error, AVOW_EIO);
    assert_int_equal(fail.step, FSUTIL_AT_WRITE);
    assert_int_equal(fail.err, EFBIG);
    assert_content(f->path, "kept");
    assert_int_equal(tu_count_entries(f->dir), 1);
}

static void
test_fsutil__refuses_what_it_cannot_create(void **state)
{
    fixture *f = *state;
    fsutil_failure fail;
    char path[4200];
    static char longpath[FSUTIL_PATH_MAX + 2];

    (void)snprintf(path, sizeof(path), "%s/no/such/dir", f->dir);
    assert_int_equal(fsutil_write_atomic(path, "x", 1, 0600, 0, &fail), AVOW_EIO);
    assert_int_equal(fail.step, FSUTIL_AT_CREATE);
    assert_int_equal(fail.err, ENOENT);
    memset(longpath, 'a', FSUTIL_PATH_MAX + 1);
    assert_int_equal(fsutil_write_atomic(longpath, "x", 1, 0600, 0, &fail), AVOW_EINVALID);
    assert_int_equal(fail.step, FSUTIL_AT_NAME);
    assert_int_equal(fsutil_write_atomic(NULL, "x", 1, 0600, 0, NULL), AVOW_EINVALID);
    assert_int_equal(tu_count_entries(f->dir), 0);
}

static void
test_fsutil__bounded_read_stops_at_the_limit(void **state)
{
    fixture *f = *state;
    unsigned char buf[64];
    size_t len = 99;

    put(f->path, "0123456789abcdefghij");
    assert_int_equal(fsutil_read_file(buf, 10, &len, f->path, FSUTIL_NOFOLLOW, NULL), 0);
    assert_int_equal(len, 10);
    assert_memory_equal(buf, "0123456789", 10);
    /* One byte past the largest accepted tells a longer file. */
    assert_int_equal(fsutil_read_file(buf, 21, &len, f->path, 0, NULL), 0);
    assert_int_equal(len, 20);
    assert_int_equal(fsutil_read_file(buf, 0, &len, f->path, 0, NULL), 0);
    assert_int_equal(len, 0);
}

static void
test_fsutil__bounded_read_refuses_a_fifo_without_blocking(void **state)
{
    fixture *f = *state;
    unsigned char buf[16];
    size_t len = 7;
    fsutil_failure fail;
    int fd = 123;

    assert_int_equal(mkfifo(f->path, 0600), 0);
    /* No writer: an open without O_NONBLOCK would wait for one forever. */
    assert_int_equal(fsutil_read_file(buf, sizeof(buf), &len, f->path, 0, &fail), AVOW_EINVALID);
    assert_int_equal(fail.step, FSUTIL_AT_TYPE);
    assert_int_equal(len, 0);
    assert_int_equal(fsutil_open_regular(&fd, NULL, f->path, 0, NULL), AVOW_EINVALID);
    assert_int_equal(fd, -1);
    assert_non_null(strstr(avow_error_last(), "not a regular file"));
}

static void
test_fsutil__bounded_read_refuses_directories_links_and_missing_files(void **state)
{
    fixture *f = *state;
    unsigned char buf[16];
    size_t len;
    fsutil_failure fail;
    char link_path[4200];
    struct stat st;
    int fd;

    assert_int_equal(fsutil_read_file(buf, sizeof(buf), &len, f->dir, 0, &fail), AVOW_EINVALID);
    assert_int_equal(fail.step, FSUTIL_AT_TYPE);
    assert_int_equal(fsutil_read_file(buf, sizeof(buf), &len, f->path, 0, &fail), AVOW_ENOTFOUND);
    assert_int_equal(fail.step, FSUTIL_AT_OPEN);
    assert_int_equal(fail.err, ENOENT);

    put(f->path, "target");
    (void)snprintf(link_path, sizeof(link_path), "%s/link", f->dir);
    assert_int_equal(symlink(f->path, link_path), 0);
    assert_int_equal(fsutil_read_file(buf, sizeof(buf), &len, link_path, FSUTIL_NOFOLLOW, &fail),
                     AVOW_EINVALID);
    assert_int_equal(fail.step, FSUTIL_AT_OPEN);
    assert_int_equal(fail.err, ELOOP);
    /* Without FSUTIL_NOFOLLOW a link to a regular file is read. */
    assert_int_equal(fsutil_read_file(buf, sizeof(buf), &len, link_path, 0, NULL), 0);
    assert_int_equal(len, 6);
    /* The status comes from the open descriptor. */
    assert_int_equal(fsutil_open_regular(&fd, &st, f->path, FSUTIL_NOFOLLOW, NULL), 0);
    assert_true(fd >= 0);
    assert_int_equal(st.st_size, 6);
    assert_int_equal(fsutil_read_fd(buf, sizeof(buf), &len, fd, f->path, NULL), 0);
    assert_int_equal(len, 6);
    close(fd);
}

static void
test_fsutil__temporary_file_has_no_name(void **state)
{
    fixture *f = *state;
    char *old = getenv("TMPDIR") != NULL ? strdup(getenv("TMPDIR")) : NULL;
    char back[8];
    FILE *fp = NULL;

    assert_int_equal(setenv("TMPDIR", f->dir, 1), 0);
    assert_int_equal(fsutil_tmpfile(&fp, "avow-test"), 0);
    assert_non_null(fp);
    assert_int_equal(tu_count_entries(f->dir), 0);
    assert_int_equal(fwrite("spill", 1, 5, fp), 5);
    assert_int_equal(fseek(fp, 0, SEEK_SET), 0);
    assert_int_equal(fread(back, 1, 5, fp), 5);
    assert_memory_equal(back, "spill", 5);
    fclose(fp);

    /* A $TMPDIR that does not exist: no file, an error. */
    assert_int_equal(setenv("TMPDIR", f->path, 1), 0);
    assert_int_equal(fsutil_tmpfile(&fp, "avow-test"), AVOW_EIO);
    assert_null(fp);
    if (old != NULL) {
        assert_int_equal(setenv("TMPDIR", old, 1), 0);
        free(old);
    } else {
        assert_int_equal(unsetenv("TMPDIR"), 0);
    }
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(
          test_fsutil__atomic_write_replaces_with_the_exact_mode_and_leaves_one_file, setup,
          teardown),
        cmocka_unit_test_setup_teardown(
          test_fsutil__exclusive_write_never_replaces_and_leaves_no_temporary_file, setup,
          teardown),
        cmocka_unit_test_setup_teardown(test_fsutil__failed_rename_leaves_no_temporary_file, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_fsutil__failed_write_leaves_no_temporary_file, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_fsutil__refuses_what_it_cannot_create, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_fsutil__bounded_read_stops_at_the_limit, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_fsutil__bounded_read_refuses_a_fifo_without_blocking,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(
          test_fsutil__bounded_read_refuses_directories_links_and_missing_files, setup, teardown),
        cmocka_unit_test_setup_teardown(test_fsutil__temporary_file_has_no_name, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
