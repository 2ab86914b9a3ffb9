/* SPDX-License-Identifier: ISC */
/*
 * test_limits.c - bounds on untrusted input that are checked before anything
 * is allocated for it (docs/SECURITY.md, "Limits on untrusted input"): a
 * bundle or heads file past 256 MiB is refused on its size, a sync frame
 * whose length prefix is past AVOW_SYNC_FRAME_MAX is refused on the prefix,
 * and base64 outside the alphabet is refused wherever events travel as text.
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "testutil.h"

#define BUNDLE_LIMIT ((off_t)256 << 20)

/* A sparse file of size bytes starting with magic: nothing is really written. */
static void
sparse_file(const char *path, const char *magic, off_t size)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, magic, strlen(magic)), (ssize_t)strlen(magic));
    assert_int_equal(ftruncate(fd, size), 0);
    assert_int_equal(close(fd), 0);
}

static void
test_limits__oversized_bundle_and_heads_files_are_refused_on_their_size(void **state)
{
    (void)state;
    char *dir = NULL;
    char path[4200], out[4200];
    avow_ledger *l = tu_ledger(&dir);
    uint64_t count = 1;

    snprintf(path, sizeof(path), "%s/big.bundle", dir);
    snprintf(out, sizeof(out), "%s/out.bundle", dir);
    sparse_file(path, "avowbndl\x01", BUNDLE_LIMIT + 1);
    assert_int_equal(avow_bundle_apply(NULL, l, path), AVOW_ERANGE);
    assert_non_null(strstr(avow_error_last(), "larger than"));
    assert_int_equal(avow_ledger_count(&count, l), 0);
    assert_int_equal(count, 0);

    sparse_file(path, "avowhead\x01", BUNDLE_LIMIT + 1);
    assert_int_equal(avow_bundle_create(NULL, l, out, path), AVOW_ERANGE);
    assert_int_equal(access(out, F_OK), -1);

    avow_ledger_free(l);
    tu_rmrf(dir);
    free(dir);
}

static void
test_limits__sync_frame_past_the_maximum_is_refused_on_its_length(void **state)
{
    (void)state;
    char *dir = NULL;
    avow_ledger *l = tu_ledger(&dir);
    int in[2];
    int out = open("/dev/null", O_WRONLY);
    /* A hello frame claiming AVOW_SYNC_FRAME_MAX + 1 bytes, and nothing more:
     * refused on the prefix, not after waiting for (or allocating) 1 MiB. */
    unsigned char hdr[5] = { 0, 0x10, 0, 1, 1 };

    assert_true(out >= 0);
    assert_int_equal(pipe(in), 0);
    assert_int_equal(write(in[1], hdr, sizeof(hdr)), (ssize_t)sizeof(hdr));
    assert_int_equal(close(in[1]), 0);
    assert_int_equal(avow_sync_serve(NULL, l, in[0], out, NULL), AVOW_EFORMAT);
    assert_non_null(strstr(avow_error_last(), "frame of 1048577 bytes"));

    close(in[0]);
    close(out);
    avow_ledger_free(l);
    tu_rmrf(dir);
    free(dir);
}

static void
test_limits__event_raw_outside_the_base64_alphabet_is_refused(void **state)
{
    (void)state;
    avow_key *key = tu_key(7);
    avow_draft d = AVOW_DRAFT_INIT;
    avow_buf raw = AVOW_BUF_INIT, js = AVOW_BUF_INIT, back = AVOW_BUF_INIT;
    avow_event ev;
    static const unsigned char zero[AVOW_HASH_BYTES];

    d.kind = AVOW_KIND_CONTEST;
    d.effective_at = INT64_C(1704067200000000);
    d.contest = "c";
    d.title = "t";
    d.rule = "majority";
    assert_int_equal(avow_event_sign(&raw, &d, key, 1, zero, INT64_C(1712150700000000)), 0);
    assert_int_equal(avow_event_decode(&ev, raw.ptr, raw.len), 0);
    assert_int_equal(avow_event_to_json(&js, &ev, 0, 1), 0);
    assert_int_equal(avow_event_from_json(&back, (const char *)js.ptr, js.len), 0);
    assert_int_equal(back.len, raw.len);

    /* A '/' or '+' of raw replaced by two bytes >= 0x80 (valid UTF-8, so
     * jansson takes it): libsodium 1.0.18 alone would decode them as digits. */
    char *text = malloc(js.len + 2);
    assert_non_null(text);
    char *r = strstr((char *)js.ptr, "\"raw\":\"");
    assert_non_null(r);
    char *digit = strpbrk(r + 7, "/+");
    /* The key and times are fixed, so this raw always has one. */
    assert_true(digit != NULL && digit < strchr(r + 7, '"'));
    {
        size_t at = (size_t)(digit - (char *)js.ptr);
        memcpy(text, js.ptr, at);
        text[at] = '\xcc';
        text[at + 1] = '\x92';
        memcpy(text + at + 2, js.ptr + at + 1, js.len - at - 1);
        avow_buf_dispose(&back);
        assert_int_equal(avow_event_from_json(&back, text, js.len + 1), AVOW_EVERIFY);
        assert_non_null(strstr(avow_error_last(), "base64"));
    }
    free(text);
    avow_buf_dispose(&raw);
    avow_buf_dispose(&js);
    avow_buf_dispose(&back);
    avow_key_free(key);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_limits__oversized_bundle_and_heads_files_are_refused_on_their_size),
        cmocka_unit_test(test_limits__sync_frame_past_the_maximum_is_refused_on_its_length),
        cmocka_unit_test(test_limits__event_raw_outside_the_base64_alphabet_is_refused),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
