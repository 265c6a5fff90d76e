/* Unit tests of money.c: exact decimal parsing to cents, JSON doubles, formatting. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "common/money.h"

static void expect_cents(const char *text, int64_t want)
{
    int64_t got = -12345;
    char err[128] = "";
    int rc = money_parse_cents(text, &got, err, sizeof(err));
    if (rc != 0)
        fail_msg("\"%s\": unexpected error: %s", text, err);
    if (got != want)
        fail_msg("\"%s\": got %lld, want %lld", text, (long long)got, (long long)want);
}

static void expect_error(const char *text, const char *reason_part)
{
    int64_t got = 0;
    char err[128] = "";
    if (money_parse_cents(text, &got, err, sizeof(err)) == 0)
        fail_msg("\"%s\": accepted as %lld", text ? text : "(null)", (long long)got);
    if (!strstr(err, reason_part))
        fail_msg("\"%s\": reason \"%s\" lacks \"%s\"", text ? text : "(null)", err, reason_part);
}

static void test_parse_valid(void **state)
{
    (void)state;
    expect_cents("799.99", 79999);
    expect_cents("800", 80000);
    expect_cents("0.5", 50);
    expect_cents(".5", 50);
    expect_cents("1.", 100);
    expect_cents("0.01", 1);
    expect_cents("  12.30 \n", 1230);
    expect_cents("1.500", 150);
    expect_cents("-5.25", -525);
    expect_cents("0", 0);
    expect_cents("000123.45", 12345);
    expect_cents("1000000000", 100000000000LL);
    expect_cents("0.29", 29); /* 0.29 * 100 in doubles is 28.999999999999996 */
    expect_cents("1.15", 115);
}

static void test_parse_invalid(void **state)
{
    (void)state;
    expect_error(NULL, "missing");
    expect_error("", "empty");
    expect_error("   ", "empty");
    expect_error("abc", "not a decimal");
    expect_error("1e3", "not a decimal");
    expect_error("1,000.00", "not a decimal");
    expect_error("$5", "not a decimal");
    expect_error("1.2.3", "not a decimal");
    expect_error(".", "not a decimal");
    expect_error("-", "not a decimal");
    expect_error("+5", "not a decimal");
    expect_error("nan", "not a decimal");
    expect_error("inf", "not a decimal");
    expect_error("0x10", "not a decimal");
    expect_error("1 000", "not a decimal");
    expect_error("1.999", "more than 2 decimal places");
    expect_error("0.001", "more than 2 decimal places");
    expect_error("1000000000.01", "too large");
    expect_error("99999999999999999999999999", "too large");
}

static void test_from_double(void **state)
{
    (void)state;
    int64_t c = 0;
    char err[128];
    assert_int_equal(money_from_double(799.99, &c, err, sizeof(err)), 0);
    assert_int_equal(c, 79999);
    assert_int_equal(money_from_double(0.29, &c, err, sizeof(err)), 0);
    assert_int_equal(c, 29);
    assert_int_equal(money_from_double(120, &c, err, sizeof(err)), 0);
    assert_int_equal(c, 12000);
    assert_int_equal(money_from_double(-3.5, &c, err, sizeof(err)), 0);
    assert_int_equal(c, -350);
    assert_int_equal(money_from_double(0.001, &c, err, sizeof(err)), -1);
    assert_non_null(strstr(err, "decimal places"));
    assert_int_equal(money_from_double(1e300, &c, err, sizeof(err)), -1);
    assert_non_null(strstr(err, "too large"));
    double zero = 0.0;
    assert_int_equal(money_from_double(zero / zero, &c, err, sizeof(err)), -1);
    assert_non_null(strstr(err, "finite"));
}

static void test_format(void **state)
{
    (void)state;
    char buf[MONEY_STR_LEN];
    assert_string_equal(money_format(79999, buf), "799.99");
    assert_string_equal(money_format(80000, buf), "800.00");
    assert_string_equal(money_format(5, buf), "0.05");
    assert_string_equal(money_format(-5, buf), "-0.05");
    assert_string_equal(money_format(0, buf), "0.00");
    assert_string_equal(money_format(INT64_MIN, buf), "-92233720368547758.08");
    assert_true(money_to_double(79999) == 799.99);
}

/* What a buyer reads (the prompt and the rules engine both write this): the currency's local
 * symbol, commas every three digits, cents only when there are any. */
static void test_display_to_buyer(void **state)
{
    (void)state;
    char b[MONEY_STR_LEN];
    assert_string_equal(money_display(8000, "USD", MONEY_TO_BUYER, b, sizeof(b)), "$80");
    assert_string_equal(money_display(8050, "usd", MONEY_TO_BUYER, b, sizeof(b)), "$80.50");
    assert_string_equal(money_display(7550, NULL, MONEY_TO_BUYER, b, sizeof(b)), "$75.50");
    assert_string_equal(money_display(5, NULL, MONEY_TO_BUYER, b, sizeof(b)), "$0.05");
    assert_string_equal(money_display(0, "USD", MONEY_TO_BUYER, b, sizeof(b)), "$0");
    assert_string_equal(money_display(-250, "USD", MONEY_TO_BUYER, b, sizeof(b)), "-$2.50");
    assert_string_equal(money_display(120000, "", MONEY_TO_BUYER, b, sizeof(b)), "$1,200");
    assert_string_equal(money_display(123456, "", MONEY_TO_BUYER, b, sizeof(b)), "$1,234.56");
    assert_string_equal(money_display(123456789, "USD", MONEY_TO_BUYER, b, sizeof(b)),
                        "$1,234,567.89");
    assert_string_equal(money_display(99999, "USD", MONEY_TO_BUYER, b, sizeof(b)), "$999.99");
    assert_string_equal(money_display(100000, "USD", MONEY_TO_BUYER, b, sizeof(b)), "$1,000");
    /* the local symbol: a Canadian buyer on a Canadian marketplace writes "$80" */
    assert_string_equal(money_display(8000, "CAD", MONEY_TO_BUYER, b, sizeof(b)), "$80");
    assert_string_equal(money_display(8000, "AUD", MONEY_TO_BUYER, b, sizeof(b)), "$80");
    assert_string_equal(money_display(8000, "NZD", MONEY_TO_BUYER, b, sizeof(b)), "$80");
    assert_string_equal(money_display(8000, "MXN", MONEY_TO_BUYER, b, sizeof(b)), "$80");
    assert_string_equal(money_display(7000, "EUR", MONEY_TO_BUYER, b, sizeof(b)), "\xE2\x82\xAC"
                                                                                  "70");
    assert_string_equal(money_display(500, "GBP", MONEY_TO_BUYER, b, sizeof(b)), "\xC2\xA3"
                                                                                 "5");
    assert_string_equal(money_display(12000, "CHF", MONEY_TO_BUYER, b, sizeof(b)), "120 CHF");
    assert_string_equal(money_display(-12050, "CHF", MONEY_TO_BUYER, b, sizeof(b)), "-120.50 CHF");
    assert_string_equal(money_display(INT64_MIN, "USD", MONEY_TO_BUYER, b, sizeof(b)),
                        "-$92,233,720,368,547,758.08");
    /* a short buffer is cut, never overrun */
    char small[4];
    assert_string_equal(money_display(123456, "USD", MONEY_TO_BUYER, small, sizeof(small)), "$1,");
}

/* Form fields (the poster's recipes): bare numbers, two decimals or whole units. */
static void test_display_fields(void **state)
{
    (void)state;
    char b[MONEY_STR_LEN];
    assert_string_equal(money_display(0, NULL, MONEY_FIELD, b, sizeof(b)), "0.00");
    assert_string_equal(money_display(99, "EUR", MONEY_FIELD, b, sizeof(b)), "0.99");
    assert_string_equal(money_display(123456, "USD", MONEY_FIELD, b, sizeof(b)), "1234.56");
    assert_string_equal(money_display(99, NULL, MONEY_FIELD_WHOLE, b, sizeof(b)), "1");
    assert_string_equal(money_display(149, NULL, MONEY_FIELD_WHOLE, b, sizeof(b)), "1");
    assert_string_equal(money_display(150, NULL, MONEY_FIELD_WHOLE, b, sizeof(b)), "2");
    assert_string_equal(money_display(1250, NULL, MONEY_FIELD_WHOLE, b, sizeof(b)), "13");
    assert_string_equal(money_display(-150, NULL, MONEY_FIELD_WHOLE, b, sizeof(b)), "-2");
    assert_string_equal(money_display(-30, NULL, MONEY_FIELD_WHOLE, b, sizeof(b)), "0");
    assert_string_equal(money_display(123456, NULL, MONEY_FIELD_WHOLE, b, sizeof(b)), "1235");
}

static void test_roundtrip(void **state)
{
    (void)state;
    /* format -> parse is the identity over a wide range of amounts. */
    for (int64_t c = 0; c < 200000; c += 7) {
        char buf[MONEY_STR_LEN], err[64];
        int64_t back = -1;
        assert_int_equal(money_parse_cents(money_format(c, buf), &back, err, sizeof(err)), 0);
        assert_int_equal(back, c);
        assert_int_equal(money_from_double(money_to_double(c), &back, err, sizeof(err)), 0);
        assert_int_equal(back, c);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_parse_valid),      cmocka_unit_test(test_parse_invalid),
        cmocka_unit_test(test_from_double),      cmocka_unit_test(test_format),
        cmocka_unit_test(test_display_to_buyer), cmocka_unit_test(test_display_fields),
        cmocka_unit_test(test_roundtrip),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
