/* Unit tests of sbuf.c: appends of every kind, growth across many appends, take/clear/free. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "common/sbuf.h"

static void test_appends(void **state)
{
    (void)state;
    sbuf_t b = {0};
    sbuf_add(&b, "price ");
    sbuf_printf(&b, "%d.%02d", 80, 5);
    sbuf_addc(&b, '!');
    sbuf_addn(&b, "abcdef", 3);
    assert_string_equal(b.s, "price 80.05!abc");
    assert_int_equal(b.len, strlen("price 80.05!abc"));
    sbuf_addn(&b, "", 0);
    assert_int_equal(b.len, strlen("price 80.05!abc"));
    sbuf_free(&b);
    assert_null(b.s);
    assert_int_equal(b.len, 0);
}

static void test_growth_keeps_content(void **state)
{
    (void)state;
    sbuf_t b = {0};
    for (int i = 0; i < 5000; i++)
        sbuf_printf(&b, "%04d,", i);
    assert_int_equal(b.len, 5000 * 5);
    assert_true(b.cap > b.len);
    assert_int_equal(b.s[b.len], '\0');
    assert_memory_equal(b.s, "0000,0001,", 10);
    assert_memory_equal(b.s + b.len - 5, "4999,", 5);
    /* a single append larger than the doubling step */
    char big[10000];
    memset(big, 'x', sizeof(big));
    sbuf_addn(&b, big, sizeof(big));
    assert_int_equal(b.len, 5000 * 5 + sizeof(big));
    assert_int_equal(b.s[b.len - 1], 'x');
    assert_int_equal(b.s[b.len], '\0');
    sbuf_free(&b);
}

static void test_take_and_clear(void **state)
{
    (void)state;
    sbuf_t b = {0};
    char *empty = sbuf_take(&b);
    assert_string_equal(empty, "");
    free(empty);
    sbuf_add(&b, "hello");
    size_t cap = b.cap;
    sbuf_clear(&b);
    assert_string_equal(b.s, "");
    assert_int_equal(b.cap, cap);
    sbuf_add(&b, "again");
    char *s = sbuf_take(&b);
    assert_string_equal(s, "again");
    assert_null(b.s);
    assert_int_equal(b.len, 0);
    assert_int_equal(b.cap, 0);
    free(s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_appends),
        cmocka_unit_test(test_growth_keeps_content),
        cmocka_unit_test(test_take_and_clear),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
