/* SPDX-License-Identifier: ISC */
/*
 * test_jparse.c - the strict JSON reader (src/util/jparse.c): it accepts
 * and refuses the same texts as jansson's reader with the flags the library
 * used before (invariants 1 to 3), building equal trees, and keeps the order
 * of an object's keys.
 */
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "util/jparse.h"
#include "testutil.h"

static const char *const texts[] = {
    "{}",
    "[]",
    " \t\r\n{ \"a\" : 1 , \"b\":[true,false,null] }\n",
    "{\"n\":-0,\"m\":9223372036854775807,\"k\":-9223372036854775808}",
    "{\"n\":9223372036854775808}",
    "{\"n\":-9223372036854775809}",
    "{\"r\":1.5,\"e\":1e3,\"E\":-2.5E-3,\"z\":0.0}",
    "{\"r\":1e999}",
    "{\"r\":01}",
    "{\"r\":1.}",
    "{\"r\":.5}",
    "{\"r\":+1}",
    "{\"r\":1e}",
    "{\"s\":\"\\\"\\\\\\/\\b\\f\\n\\r\\t\\u00e9\\u20AC\\ud83d\\ude00\"}",
    "{\"s\":\"caf\xc3\xa9 \xf0\x9f\x98\x80\"}",
    "{\"s\":\"\\u0000\"}",
    "{\"s\":\"\\ud83d\"}",
    "{\"s\":\"\\ude00\"}",
    "{\"s\":\"\\ud83d\\u0041\"}",
    "{\"s\":\"\\x\"}",
    "{\"s\":\"\\u12\"}",
    "{\"s\":\"tab\there\"}",
    "{\"s\":\"\xc3\x28\"}",
    "{\"s\":\"\xed\xa0\x80\"}",
    "{\"s\":\"\xc0\xaf\"}",
    "{\"s\":\"open}",
    "{\"a\":1,\"a\":2}",
    "{\"a\":1,}",
    "[1,]",
    "[1 2]",
    "{\"a\" 1}",
    "{1:2}",
    "{\"a\":tru}",
    "{\"a\":nulll}",
    "{} x",
    "{}{}",
    "\"top\"",
    "42",
    "",
    "   ",
    "[[[[[[[[[[]]]]]]]]]]",
    "{\"k\":{\"z\":1,\"a\":2,\"m\":[{\"y\":null}]}}",
};

static void
test_jparse__accepts_and_refuses_as_jansson_did(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof(texts) / sizeof(texts[0]); i++) {
        json_error_t jerr;
        jparse_error err;
        json_t *mine = NULL;
        size_t len = strlen(texts[i]);
        json_t *theirs = json_loadb(texts[i], len, JSON_REJECT_DUPLICATES, &jerr);
        int rc = jparse(&mine, texts[i], len, JPARSE_REJECT_DUPLICATES, &err);
        if ((theirs == NULL) != (rc != 0)) {
            fail_msg("text %zu (%s): jansson %s, jparse %d (%s)", i, texts[i],
                     theirs ? "accepts" : jerr.text, rc, err.text);
        }
        if (theirs != NULL) {
            assert_true(json_equal(mine, theirs));
            /* The same key order, too. */
            char *a = json_dumps(mine, JSON_COMPACT | JSON_PRESERVE_ORDER);
            char *b = json_dumps(theirs, JSON_COMPACT | JSON_PRESERVE_ORDER);
            assert_string_equal(a, b);
            free(a);
            free(b);
        } else {
            assert_int_equal(rc, AVOW_EFORMAT);
            assert_null(mine);
            assert_true(err.text[0] != '\0');
            assert_true(err.column >= 1);
        }
        json_decref(theirs);
        json_decref(mine);
    }
}

static void
test_jparse__duplicates_replace_without_the_flag_and_depth_is_bounded(void **state)
{
    json_t *v = NULL;
    jparse_error err;
    size_t n = 2 * AVOW_JSON_MAX_DEPTH + 2;
    char *deep = malloc(n + 1);
    (void)state;
    assert_int_equal(jparse(&v, "{\"a\":1,\"a\":2}", 13, 0, &err), 0);
    assert_int_equal(json_integer_value(json_object_get(v, "a")), 2);
    json_decref(v);
    assert_non_null(deep);
    memset(deep, '[', n / 2);
    memset(deep + n / 2, ']', n / 2);
    deep[n] = '\0';
    assert_int_equal(jparse(&v, deep, n, 0, &err), AVOW_EFORMAT);
    assert_null(v);
    assert_non_null(strstr(err.text, "depth"));
    /* One level less is accepted. */
    assert_int_equal(jparse(&v, deep + 1, n - 2, 0, &err), 0);
    json_decref(v);
    free(deep);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_jparse__accepts_and_refuses_as_jansson_did),
        cmocka_unit_test(test_jparse__duplicates_replace_without_the_flag_and_depth_is_bounded),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
