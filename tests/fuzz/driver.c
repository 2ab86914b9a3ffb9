/* SPDX-License-Identifier: ISC */
/*
 * driver.c - standalone replay driver for the fuzz targets, so that ctest
 * runs every committed corpus file through its target with any compiler and
 * without libFuzzer (as libgit2's tests/fuzz/standalone_driver.c does).
 *
 * Usage: fuzz_replay_<x> PATH...   (a PATH is a file or a directory of files)
 *
 * Invariants:
 *  1. Every regular file of each directory is run, in name order, so that a
 *     failure is reproducible; hidden files are skipped.
 *  2. A target signals a broken invariant by aborting; the driver names the
 *     file before running it, so the last "running" line is the culprit.
 *  3. Exit status 0 only when at least one file ran and none crashed; an
 *     empty or missing corpus is an error, not a silent pass.
 */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "fuzz.h"

/* Inputs larger than this are refused: corpora hold small files. */
#define DRIVER_MAX_INPUT (1u << 20)

static int
driver_run_file(const char *path)
{
    int error = -1;
    FILE *f = fopen(path, "rb");
    unsigned char *buf = NULL;
    size_t len = 0;

    if (f == NULL) {
        fprintf(stderr, "fuzz driver: cannot open %s\n", path);
        goto done;
    }
    buf = malloc(DRIVER_MAX_INPUT);
    if (buf == NULL) {
        fprintf(stderr, "fuzz driver: out of memory\n");
        goto done;
    }
    len = fread(buf, 1, DRIVER_MAX_INPUT, f);
    if (ferror(f) || !feof(f)) {
        fprintf(stderr, "fuzz driver: cannot read %s (or larger than %u bytes)\n", path,
                DRIVER_MAX_INPUT);
        goto done;
    }
    /* Copy to an exact-size block so that ASan catches reads past the input. */
    unsigned char *exact = malloc(len == 0 ? 1 : len);
    if (exact == NULL) {
        fprintf(stderr, "fuzz driver: out of memory\n");
        goto done;
    }
    memcpy(exact, buf, len);
    fprintf(stderr, "running %s (%zu bytes)\n", path, len);
    LLVMFuzzerTestOneInput(exact, len);
    free(exact);
    error = 0;

done:
    free(buf);
    if (f != NULL) {
        fclose(f);
    }
    return error;
}

static int
driver_cmp(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Runs the files of a directory in name order. @return files run, or -1 */
static long
driver_run_dir(const char *dir)
{
    long ran = -1;
    DIR *d = opendir(dir);
    struct dirent *e;
    char **names = NULL;
    size_t n = 0, cap = 0;

    if (d == NULL) {
        fprintf(stderr, "fuzz driver: cannot open directory %s\n", dir);
        return -1;
    }
    while ((e = readdir(d)) != NULL) {
        if (e->d_name[0] == '.') {
            continue;
        }
        if (n == cap) {
            cap = cap ? cap * 2 : 64;
            char **grown = realloc(names, cap * sizeof(*names));
            if (grown == NULL) {
                goto done;
            }
            names = grown;
        }
        size_t plen = strlen(dir) + 1 + strlen(e->d_name) + 1;
        names[n] = malloc(plen);
        if (names[n] == NULL) {
            goto done;
        }
        snprintf(names[n], plen, "%s/%s", dir, e->d_name);
        n++;
    }
    qsort(names, n, sizeof(*names), driver_cmp);
    ran = 0;
    for (size_t i = 0; i < n; i++) {
        struct stat st;
        if (stat(names[i], &st) != 0 || !S_ISREG(st.st_mode)) {
            continue;
        }
        if (driver_run_file(names[i]) < 0) {
            ran = -1;
            goto done;
        }
        ran++;
    }

done:
    for (size_t i = 0; i < n; i++) {
        free(names[i]);
    }
    free(names);
    closedir(d);
    return ran;
}

int
main(int argc, char **argv)
{
    long total = 0;

    if (argc < 2) {
        fprintf(stderr, "usage: %s FILE|DIR...\n", argv[0]);
        return 2;
    }
    /* The empty input is always worth one run. */
    LLVMFuzzerTestOneInput((const uint8_t *)"", 0);
    for (int i = 1; i < argc; i++) {
        struct stat st;
        long ran;
        if (stat(argv[i], &st) != 0) {
            fprintf(stderr, "fuzz driver: no such file or directory: %s\n", argv[i]);
            return 1;
        }
        if (S_ISDIR(st.st_mode)) {
            ran = driver_run_dir(argv[i]);
        } else {
            ran = driver_run_file(argv[i]) < 0 ? -1 : 1;
        }
        if (ran < 0) {
            return 1;
        }
        total += ran;
    }
    if (total == 0) {
        fprintf(stderr, "fuzz driver: no input files found\n");
        return 1;
    }
    fprintf(stderr, "fuzz driver: %ld inputs ran without a crash\n", total);
    return 0;
}
