/* Unit tests of the UTF-8 checks and of the look at JSON text before parsing: the depth that
 * crashed the api, NUL escapes that cut strings short, bytes that are not UTF-8. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "common/json_check.h"
#include "common/utf8.h"

static void test_utf8(void **state)
{
    (void)state;
    assert_int_equal(utf8_count("abc", 3), 3);
    assert_int_equal(utf8_count("\xc3\xa9t\xc3\xa9", 5), 3);
    assert_int_equal(utf8_count("\xf0\x9f\x98\x80", 4), 1);
    assert_int_equal(utf8_count("", 0), 0);
    assert_int_equal(utf8_count("\xc0\xaf", 2), -1);         /* overlong '/' */
    assert_int_equal(utf8_count("\xe0\x80\xaf", 3), -1);     /* overlong, 3 bytes */
    assert_int_equal(utf8_count("\xed\xa0\x80", 3), -1);     /* surrogate */
    assert_int_equal(utf8_count("\xf4\x90\x80\x80", 4), -1); /* above U+10FFFF */
    assert_int_equal(utf8_count("\xe2\x82", 2), -1);         /* truncated */
    assert_int_equal(utf8_count("\xff", 1), -1);
    assert_int_equal(utf8_count("\x80", 1), -1); /* stray continuation */
    assert_int_equal(utf8_count("a\0b", 3), -1);
    assert_int_equal(utf8_invalid_at("ab\xc3\xa9\xff", 5), 4);
    assert_int_equal(utf8_invalid_at("ab", 2), 2);
}

static int check(const char *s, size_t *at, char *why)
{
    return json_check(s, strlen(s), 4, at, why, 64);
}

static void test_json_depth(void **state)
{
    (void)state;
    size_t at = 99;
    char why[64] = "";
    assert_int_equal(check("{\"a\":[[{\"b\":1}]]}", &at, why), 0);
    assert_int_equal(check("[[[[[1]]]]]", &at, why), -1);
    assert_int_equal(at, 4);
    assert_string_equal(why, "nested deeper than 4 levels");
    /* brackets inside strings do not nest */
    assert_int_equal(check("{\"t\":\"[[[[[[[[{{{{\"}", &at, why), 0);
    /* an escaped quote does not end the string early */
    assert_int_equal(check("{\"t\":\"a\\\"[[[[[[\"}", &at, why), 0);
    /* siblings do not add up */
    assert_int_equal(check("[[1],[2],[3],[4],[5],[6]]", &at, why), 0);

    /* the reproduction of the crash: 600 levels, stopped at the first one too deep */
    size_t n = 600;
    char *deep = malloc(2 * n + 1);
    memset(deep, '[', n);
    memset(deep + n, ']', n);
    deep[2 * n] = '\0';
    assert_int_equal(json_check(deep, 2 * n, JSON_MAX_DEPTH, &at, why, sizeof(why)), -1);
    assert_int_equal(at, JSON_MAX_DEPTH);
    assert_string_equal(why, "nested deeper than 32 levels");
    free(deep);
}

static void test_json_nul_and_utf8(void **state)
{
    (void)state;
    size_t at = 0;
    char why[64] = "";
    assert_int_equal(check("{\"title\":\"Lamp\\u0000 hidden\"}", &at, why), -1);
    assert_int_equal(at, 14);
    assert_string_equal(why, "a NUL character (\\u0000) in a string");
    /* an escaped backslash followed by the text u0000 is no NUL */
    assert_int_equal(check("{\"t\":\"\\\\u0000\"}", &at, why), 0);
    assert_int_equal(check("{\"t\":\"\\u00e9 \\u0001\"}", &at, why), 0);
    assert_int_equal(check("{\"t\":\"caf\xc3\xa9\"}", &at, why), 0);
    assert_int_equal(check("{\"t\":\"caf\xe9\"}", &at, why), -1);
    assert_int_equal(at, 9);
    assert_string_equal(why, "not valid UTF-8");
    /* a raw NUL byte anywhere */
    assert_int_equal(json_check("{\"t\":1}\0", 8, 4, &at, why, sizeof(why)), -1);
    assert_int_equal(at, 7);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_utf8),
        cmocka_unit_test(test_json_depth),
        cmocka_unit_test(test_json_nul_and_utf8),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
