/* Unit tests of store/pg_json.c: each expected text is what PostgreSQL 15 wrote for the same
 * value (json_build_object, to_char with DB_TS), so answers built in C stay byte-identical to
 * the ones PostgreSQL built. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "store/pg_json.h"

static void assert_text(sbuf_t *b, const char *want)
{
    assert_string_equal(b->s ? b->s : "", want);
    sbuf_clear(b);
}

static void test_strings(void **state)
{
    (void)state;
    sbuf_t b = {0};
    /* SELECT json_build_object('s', E'a\x01\x1f\x7f"\\/é\b\f\n\r\t') */
    const char in[] = "a\x01\x1f\x7f\"\\/\xc3\xa9\b\f\n\r\t";
    pg_json_string(&b, in, sizeof(in) - 1);
    assert_text(&b, "\"a\\u0001\\u001f\x7f\\\"\\\\/\xc3\xa9\\b\\f\\n\\r\\t\"");
    pg_json_string(&b, "", 0);
    assert_text(&b, "\"\"");
    pg_json_string(&b, "x\0y", 3); /* a length, not a terminator */
    assert_text(&b, "\"x\\u0000y\"");
    pg_json_string_after(&b, "uploads/", "a\"b.jpg", 7);
    assert_text(&b, "\"uploads/a\\\"b.jpg\"");
    sbuf_free(&b);
}

static void test_float8(void **state)
{
    (void)state;
    /* SELECT json_build_object('a', 1e-5::float8, ...) on PostgreSQL 15 */
    static const struct {
        double value;
        const char *text;
    } cases[] = {
        {1e-5, "1e-05"},
        {1.5e20, "1.5e+20"},
        {1e15, "1e+15"},
        {123456789012345678.0, "1.2345678901234568e+17"},
        {0.1 + 0.2, "0.30000000000000004"},
        {0.00012, "0.00012"},
        {99999999999999.99, "99999999999999.98"},
        {5e-324, "5e-324"},
        {1.7976931348623157e308, "1.7976931348623157e+308"},
        {1e14, "100000000000000"},
        {1.0 / 3, "0.3333333333333333"},
        {2.5e-7, "2.5e-07"},
        {0.0, "0"},
        {-0.0, "-0"},
        {123456789012345.6, "123456789012345.6"},
        {0.5, "0.5"},
        {69.5, "69.5"},
        {-2.25, "-2.25"},
    };
    sbuf_t b = {0};
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        pg_json_float8(&b, cases[i].value);
        assert_text(&b, cases[i].text);
    }
    pg_json_float8(&b, strtod("nan", NULL));
    assert_text(&b, "\"NaN\"");
    pg_json_float8(&b, -strtod("inf", NULL));
    assert_text(&b, "\"-Infinity\"");
    sbuf_free(&b);
}

static void test_cents(void **state)
{
    (void)state;
    static const struct {
        int64_t cents;
        const char *text;
    } cases[] = {
        {6950, "69.5"},
        {100, "1"},
        {5, "0.05"},
        {10, "0.1"},
        {1999, "19.99"},
        {0, "0"},
        {-250, "-2.5"},
        {100000000000, "1000000000"}, /* the api's largest price */
        /* from 10^15 on: float8 arithmetic, as cents::float8 / 100 in PostgreSQL */
        {INT64_C(9999999999999999), "100000000000000"},
        {INT64_C(1234567890123456789), "1.2345678901234568e+16"},
        {INT64_C(1000000000000001), "10000000000000.01"},
    };
    sbuf_t b = {0};
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        pg_json_cents(&b, cases[i].cents);
        assert_text(&b, cases[i].text);
    }
    /* the decimal path agrees with float8's shortest digits of cents::float8 / 100 */
    sbuf_t want = {0};
    uint64_t x = 88172645463325252u;
    for (int i = 0; i < 200000; i++) {
        x ^= x << 13, x ^= x >> 7, x ^= x << 17;
        int64_t cents = (int64_t)(x % (i % 2 ? 1000000u : 1000000000000000u));
        pg_json_cents(&b, cents);
        pg_json_float8(&want, (double)cents / 100);
        assert_string_equal(b.s, want.s);
        sbuf_clear(&b);
        sbuf_clear(&want);
    }
    sbuf_free(&want);
    sbuf_free(&b);
}

static void test_integers(void **state)
{
    (void)state;
    sbuf_t b = {0};
    pg_json_i64(&b, 0);
    assert_text(&b, "0");
    pg_json_i64(&b, INT64_MIN);
    assert_text(&b, "-9223372036854775808");
    pg_json_i64(&b, INT64_MAX);
    assert_text(&b, "9223372036854775807");
    sbuf_free(&b);
}

static void test_timestamps(void **state)
{
    (void)state;
    /* binary timestamptz (microseconds since 2000-01-01 UTC) -> DB_TS's text */
    static const struct {
        int64_t usec;
        const char *text;
    } cases[] = {
        {0, "\"2000-01-01T00:00:00.000000Z\""},
        {-1, "\"1999-12-31T23:59:59.999999Z\""},
        {INT64_C(849927029010209), "\"2026-12-07T02:50:29.010209Z\""},
        {INT64_C(762523200500000), "\"2024-02-29T12:00:00.500000Z\""},
        {INT64_C(-946684800000000), "\"1970-01-01T00:00:00.000000Z\""},
        {INT64_C(252455615999999999), "\"9999-12-31T23:59:59.999999Z\""},
    };
    sbuf_t b = {0};
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        pg_json_timestamp(&b, cases[i].usec);
        assert_text(&b, cases[i].text);
    }
    sbuf_free(&b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_strings),    cmocka_unit_test(test_float8),
        cmocka_unit_test(test_cents),      cmocka_unit_test(test_integers),
        cmocka_unit_test(test_timestamps),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
