/* SPDX-License-Identifier: ISC */
/*
 * os_linux.c - the resident pages of the ledger's map in this process
 * (store.h: store_drop_pages, store_trim_pages): where the map lies, from
 * /proc/self/maps, and how many file-backed pages the process holds, from
 * /proc/self/statm (Linux).
 *
 * Invariants:
 *  1. Pages are only dropped, never written: the map is read-only and shared
 *     (store.c invariant 2), so the page cache keeps the data, a later read
 *     faults it back in, and pointers into the map stay valid.
 *  2. Nothing here fails the caller: an unreadable /proc drops every time
 *     (store_trim_pages) or not at all (store_drop_pages).
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "ledger/store_int.h"

#ifdef AVOW_TEST
/* Test seam (store.h): file-scope state in the test build only. */
static unsigned long store_rss_budget = STORE_RSS_BUDGET;

void
store_test_rss_budget(unsigned long bytes)
{
    store_rss_budget = bytes;
}

#define STORE_RSS_LIMIT store_rss_budget
#else
#define STORE_RSS_LIMIT STORE_RSS_BUDGET
#endif

/* Where this process maps the file open as fd: the line of /proc/self/maps
 * with its device and inode (Linux). @return 0 with [*start, *end), or -1. */
static int
os_find_map(int fd, uintptr_t *start, uintptr_t *end)
{
    struct stat st;
    char line[512];
    int found = -1;
    if (fstat(fd, &st) != 0) {
        return -1;
    }
    FILE *f = fopen("/proc/self/maps", "r");
    if (f == NULL) {
        return -1;
    }
    /* "start-end perms offset major:minor inode path" */
    while (found < 0 && fgets(line, sizeof(line), f) != NULL) {
        char *p = line, *e = NULL;
        unsigned long long a = strtoull(p, &e, 16);
        if (*e != '-') {
            continue;
        }
        unsigned long long b = strtoull(e + 1, &e, 16);
        p = strchr(e + 1, ' ');                    /* after perms */
        p = p == NULL ? NULL : strchr(p + 1, ' '); /* after offset */
        if (p == NULL) {
            continue;
        }
        unsigned long long maj = strtoull(p + 1, &e, 16);
        if (*e != ':') {
            continue;
        }
        unsigned long long min = strtoull(e + 1, &e, 16);
        unsigned long long ino = strtoull(e, &e, 10);
        if (ino == (unsigned long long)st.st_ino && maj == major(st.st_dev) &&
            min == minor(st.st_dev)) {
            *start = (uintptr_t)a;
            *end = (uintptr_t)b;
            found = 0;
        }
    }
    (void)fclose(f);
    return found;
}

void
store_drop_pages(const avow_ledger *ledger)
{
    MDB_envinfo info;
    MDB_stat st;
    uintptr_t start, end;
    int fd = -1;
    if (ledger == NULL || mdb_env_get_fd(ledger->env, &fd) != 0 ||
        mdb_env_info(ledger->env, &info) != 0 || mdb_env_stat(ledger->env, &st) != 0 ||
        os_find_map(fd, &start, &end) < 0) {
        return;
    }
    /* me_mapaddr is only set with MDB_FIXEDMAP: the map is found by inode. */
    size_t len = ((size_t)info.me_last_pgno + 1) * st.ms_psize;
    if (len > end - start) {
        len = end - start;
    }
    /* Invariant 1: the map is read-only and shared; the page cache keeps the data. */
    (void)madvise((void *)start, len, MADV_DONTNEED);
}

/* Resident pages of this process that map files (/proc/self/statm's third
 * field), or -1 when it cannot be read. */
static long
os_file_pages(void)
{
    char buf[160];
    int fd = open("/proc/self/statm", O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        return -1;
    }
    ssize_t n = read(fd, buf, sizeof(buf) - 1);
    (void)close(fd);
    if (n <= 0) {
        return -1;
    }
    buf[n] = '\0';
    char *p = buf, *e = NULL;
    for (int field = 0; field < 2; field++) {
        (void)strtoul(p, &e, 10);
        if (e == p) {
            return -1;
        }
        p = e;
    }
    unsigned long shared = strtoul(p, &e, 10);
    return e == p ? -1 : (long)shared;
}

int
store_trim_pages(const avow_ledger *ledger)
{
    long pages = os_file_pages();
    long page_size = sysconf(_SC_PAGESIZE); /* from the auxiliary vector: no system call */
    if (pages >= 0 && page_size > 0 &&
        (unsigned long)pages < STORE_RSS_LIMIT / (unsigned long)page_size) {
        return 0;
    }
    store_drop_pages(ledger);
    return 1;
}
