/* Unit tests of domain/job_kinds.c: the changed set of update jobs (names, array literal,
 * parsing, merging as edits coalesce) and the body of POST /api/listings/{id}/sold. */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "domain/job_kinds.h"

static void test_changes_names_and_array(void **state)
{
    (void)state;
    const char *names[4];
    char out[64];
    assert_int_equal(edit_changes_names(0, names), 0);
    assert_int_equal(edit_changes_names(EDIT_IMAGES | EDIT_PRICE, names), 2);
    assert_string_equal(names[0], "price"); /* always in this order */
    assert_string_equal(names[1], "images");
    edit_changes_array(EDIT_ALL, out, sizeof(out));
    assert_string_equal(out, "{price,title,description,images}");
    edit_changes_array(0, out, sizeof(out));
    assert_string_equal(out, "{}");
    edit_changes_array(EDIT_PRICE, out, sizeof(out));
    assert_string_equal(out, "{price}");
}

static void test_changes_parse_and_merge(void **state)
{
    (void)state;
    assert_int_equal(edit_changes_parse(NULL), 0);
    assert_int_equal(edit_changes_parse(""), 0);
    assert_int_equal(edit_changes_parse("price"), EDIT_PRICE);
    assert_int_equal(edit_changes_parse("images,title"), EDIT_IMAGES | EDIT_TITLE);
    assert_int_equal(edit_changes_parse("pricey,price,,bogus"), EDIT_PRICE);
    /* a coalesced edit: the pending update's set plus the new one, each name once */
    char out[64];
    edit_changes_array(edit_changes_parse("price,title") | EDIT_PRICE | EDIT_DESCRIPTION, out,
                       sizeof(out));
    assert_string_equal(out, "{price,title,description}");
}

/* Parses text as the body; returns sold_input_parse's result. */
static int sold(const char *text, sold_input_t *in, char field[64])
{
    char detail[300];
    cJSON *body = text ? cJSON_Parse(text) : NULL;
    int rc = sold_input_parse(body, in, field, detail, sizeof(detail));
    if (rc != 0)
        assert_true(strlen(detail) > 0);
    cJSON_Delete(body);
    return rc;
}

static void test_sold_input_ok(void **state)
{
    (void)state;
    sold_input_t in;
    char field[64];
    assert_int_equal(sold(NULL, &in, field), 0); /* no body: all optional */
    assert_int_equal(in.sold_price_cents, 0);
    assert_string_equal(in.platform, "");
    assert_int_equal(sold("{\"sold_price\":\"80.50\",\"platform\":\"ebay\"}", &in, field), 0);
    assert_int_equal(in.sold_price_cents, 8050);
    assert_string_equal(in.platform, "ebay");
    assert_int_equal(sold("{\"sold_price\":19.99}", &in, field), 0);
    assert_int_equal(in.sold_price_cents, 1999);
    assert_int_equal(sold("{\"sold_price_cents\":1234,\"platform\":null}", &in, field), 0);
    assert_int_equal(in.sold_price_cents, 1234);
    assert_int_equal(sold("{}", &in, field), 0);
}

static void test_sold_input_refused(void **state)
{
    (void)state;
    static const struct {
        const char *body, *field;
    } bad[] = {
        {"{\"sold_price\":\"-1\"}", "sold_price"},
        {"{\"sold_price\":\"0\"}", "sold_price"},
        {"{\"sold_price\":\"1.234\"}", "sold_price"},
        {"{\"sold_price\":true}", "sold_price"},
        {"{\"sold_price_cents\":1.5}", "sold_price_cents"},
        {"{\"sold_price_cents\":\"100\"}", "sold_price_cents"},
        {"{\"sold_price\":\"1\",\"sold_price_cents\":100}", "sold_price_cents"},
        {"{\"platform\":\"Sandbox\"}", "platform"},
        {"{\"platform\":\"\"}", "platform"},
        {"{\"platform\":7}", "platform"},
        {"{\"price\":\"1\"}", "price"},
        {"[1]", ""},
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        sold_input_t in;
        char field[64];
        assert_int_equal(sold(bad[i].body, &in, field), -1);
        assert_string_equal(field, bad[i].field);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_changes_names_and_array),
        cmocka_unit_test(test_changes_parse_and_merge),
        cmocka_unit_test(test_sold_input_ok),
        cmocka_unit_test(test_sold_input_refused),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
