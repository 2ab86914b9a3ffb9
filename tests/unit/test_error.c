/* SPDX-License-Identifier: ISC */
/* test_error.c - error codes and the thread-local detail (src/util/error.c). */
#include <string.h>

#include "util/common.h"
#include "testutil.h"

static void
test_error__wrapping_the_last_error_keeps_it(void **state)
{
    (void)state;
    /* Regression: formatting avow_error_last() into itself overlapped. */
    assert_int_equal(error_set(AVOW_EFORMAT, "inner %d", 42), AVOW_EFORMAT);
    assert_int_equal(error_set(AVOW_EINVALID, "outer: %s", avow_error_last()), AVOW_EINVALID);
    assert_string_equal(avow_error_last(), "outer: inner 42");
    assert_int_equal(error_set(AVOW_EIO, "%s / %s", avow_error_last(), avow_error_last()),
                     AVOW_EIO);
    assert_string_equal(avow_error_last(), "outer: inner 42 / outer: inner 42");
}

static void
test_error__long_details_are_cut_not_overflowed(void **state)
{
    (void)state;
    char big[2048];
    memset(big, 'x', sizeof(big) - 1);
    big[sizeof(big) - 1] = '\0';
    error_set(AVOW_EIO, "%s", big);
    assert_true(strlen(avow_error_last()) < sizeof(big) - 1);
    assert_true(strlen(avow_error_last()) > 100);
}

static void
test_error__every_code_has_a_description(void **state)
{
    (void)state;
    for (int code = 0; code >= AVOW_ECORRUPT; code--) {
        assert_string_not_equal(avow_strerror(code), "unknown error");
    }
    assert_string_equal(avow_strerror(-1000), "unknown error");
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_error__wrapping_the_last_error_keeps_it),
        cmocka_unit_test(test_error__long_details_are_cut_not_overflowed),
        cmocka_unit_test(test_error__every_code_has_a_description),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
