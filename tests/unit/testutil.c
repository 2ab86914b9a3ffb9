/* SPDX-License-Identifier: ISC */
/* testutil.c - helpers shared by the unit tests. */
#define _XOPEN_SOURCE 700
#include "testutil.h"

#include <dirent.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

char *
tu_tempdir(void)
{
    const char *base = getenv("TMPDIR");
    char tmpl[4096];
    snprintf(tmpl, sizeof(tmpl), "%s/avow-test-XXXXXX", base ? base : "/tmp");
    char *dir = mkdtemp(tmpl);
    assert_non_null(dir);
    char *copy = strdup(dir);
    assert_non_null(copy);
    return copy;
}

static int
rm_one(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
    (void)sb;
    (void)flag;
    (void)ftw;
    return remove(path);
}

void
tu_rmrf(const char *path)
{
    if (path != NULL) {
        nftw(path, rm_one, 16, FTW_DEPTH | FTW_PHYS);
    }
}

int
tu_count_entries(const char *dir)
{
    DIR *d = opendir(dir);
    assert_non_null(d);
    int n = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0) {
            n++;
        }
    }
    closedir(d);
    return n;
}

avow_key *
tu_key(unsigned char b)
{
    unsigned char seed[32];
    memset(seed, b, sizeof(seed));
    avow_key *key = NULL;
    assert_int_equal(avow_key_from_seed(&key, seed), 0);
    return key;
}

avow_ledger *
tu_ledger(char **dir_out)
{
    char *dir = tu_tempdir();
    char path[4200];
    snprintf(path, sizeof(path), "%s/ledger", dir);
    assert_int_equal(avow_ledger_init(path, "test.avow/ledger"), 0);
    avow_ledger *ledger = NULL;
    assert_int_equal(avow_ledger_open(&ledger, path, 0), 0);
    *dir_out = dir;
    return ledger;
}

void
tu_ledger_done(avow_ledger *ledger, char *dir)
{
    avow_ledger_free(ledger);
    tu_rmrf(dir);
    free(dir);
}

char *
tu_read_all(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (f == NULL) {
        fail_msg("cannot open %s", path);
        return NULL;
    }
    assert_int_equal(fseek(f, 0, SEEK_END), 0);
    long n = ftell(f);
    assert_true(n >= 0);
    assert_int_equal(fseek(f, 0, SEEK_SET), 0);
    char *s = malloc((size_t)n + 1);
    assert_non_null(s);
    assert_int_equal(fread(s, 1, (size_t)n, f), (size_t)n);
    s[n] = '\0';
    (void)fclose(f);
    return s;
}

void
tu_vector_value(const char *file, const char *name, char *out, size_t maxlen)
{
    char key[64];
    (void)snprintf(key, sizeof(key), "\n%s = ", name);
    const char *p = strstr(file, key);
    if (p == NULL) {
        fail_msg("vector %s missing", name);
        return;
    }
    p += strlen(key);
    size_t n = strcspn(p, "\n");
    assert_true(n < maxlen);
    memcpy(out, p, n);
    out[n] = '\0';
}

int
tu_str_eq(avow_str s, const char *c)
{
    if (c == NULL) {
        return s.ptr == NULL;
    }
    return s.ptr != NULL && s.len == strlen(c) && memcmp(s.ptr, c, s.len) == 0;
}
