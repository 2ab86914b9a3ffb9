/* SPDX-License-Identifier: ISC */
/*
 * test_grow.c - grow_array() (src/util/grow.c): capacity doubles from its
 * first size, size arithmetic that would overflow is refused with the array
 * unchanged (invariants 1 and 2).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "util/common.h"
#include "util/grow.h"
#include "testutil.h"

static void
test_grow__doubles_from_first_and_keeps_the_elements(void **state)
{
    uint64_t *v = NULL;
    size_t cap = 0;
    (void)state;
    assert_int_equal(grow_array(&v, &cap, 0, sizeof(*v), 8), 0);
    assert_null(v);
    assert_int_equal(cap, 0);
    for (size_t i = 0; i < 100; i++) {
        assert_int_equal(grow_array(&v, &cap, i + 1, sizeof(*v), 8), 0);
        assert_true(cap >= i + 1);
        v[i] = i * 3;
    }
    assert_int_equal(cap, 128); /* 8, 16, 32, 64, 128 */
    for (size_t i = 0; i < 100; i++) {
        assert_int_equal(v[i], i * 3);
    }
    /* A need of several doublings at once. */
    assert_int_equal(grow_array(&v, &cap, 1000, sizeof(*v), 8), 0);
    assert_int_equal(cap, 1024);
    assert_int_equal(v[99], 297);
    free(v);
}

static void
test_grow__refuses_an_overflowing_size_and_changes_nothing(void **state)
{
    uint64_t *v = NULL, *before;
    size_t cap = 0;
    (void)state;
    assert_int_equal(grow_array(&v, &cap, 4, sizeof(*v), 4), 0);
    before = v;
    assert_int_equal(grow_array(&v, &cap, SIZE_MAX / 4, sizeof(*v), 4), AVOW_ENOMEM);
    assert_ptr_equal(v, before);
    assert_int_equal(cap, 4);
    free(v);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_grow__doubles_from_first_and_keeps_the_elements),
        cmocka_unit_test(test_grow__refuses_an_overflowing_size_and_changes_nothing),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
