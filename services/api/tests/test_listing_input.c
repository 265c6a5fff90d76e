/* Unit tests of listing_input.c (listing field validation) and migrate_parse_name. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "domain/listing_input.h"
#include "migrate.h"

#define STR(n, v)                                                                                  \
    {                                                                                              \
        .name = (n), .kind = RAW_STRING, .s = (v), .len = sizeof(v) - 1                            \
    }

static void expect_field_error(const raw_field_t *f, size_t n, bool create, const char *field,
                               const char *detail_part)
{
    listing_input_t in;
    listing_error_t err;
    if (listing_input_parse(f, n, create, &in, &err) == 0) {
        listing_input_free(&in);
        fail_msg("accepted; expected an error on %s", field);
    }
    if (strcmp(err.field, field) != 0)
        fail_msg("error on \"%s\" (%s), expected \"%s\"", err.field, err.detail, field);
    if (!strstr(err.detail, detail_part))
        fail_msg("detail \"%s\" lacks \"%s\"", err.detail, detail_part);
}

static void test_create_minimal_and_defaults(void **state)
{
    (void)state;
    raw_field_t f[] = {STR("title", "  Lamp  "), STR("price", "799.99")};
    listing_input_t in;
    listing_error_t err;
    assert_int_equal(listing_input_parse(f, 2, true, &in, &err), 0);
    assert_string_equal(in.title, "Lamp");
    assert_int_equal(in.price_cents, 79999);
    assert_false(in.has_min_price);
    assert_false(in.has_condition);
    listing_input_free(&in);
}

static void test_create_full_form(void **state)
{
    (void)state;
    raw_field_t f[] = {
        STR("title", "Chair"),        STR("description", "Line 1\nLine 2"),
        STR("price", "30"),           STR("min_price", "20.50"),
        STR("flexibility", "0.3"),    STR("seller_notes", "pickup only"),
        STR("condition", "like_new"), STR("category", "Furniture"),
        STR("location", "Austin"),    STR("currency", "eur"),
    };
    listing_input_t in;
    listing_error_t err;
    assert_int_equal(listing_input_parse(f, sizeof(f) / sizeof(f[0]), true, &in, &err), 0);
    assert_int_equal(in.price_cents, 3000);
    assert_int_equal(in.min_price_cents, 2050);
    assert_true(in.flexibility > 0.29 && in.flexibility < 0.31);
    assert_string_equal(in.condition, "like_new");
    assert_string_equal(in.currency, "EUR");
    assert_string_equal(in.description, "Line 1\nLine 2");
    listing_input_free(&in);
}

static void test_bad_values_name_the_field(void **state)
{
    (void)state;
    raw_field_t no_title[] = {STR("price", "5")};
    expect_field_error(no_title, 1, true, "title", "required");
    raw_field_t no_price[] = {STR("title", "x")};
    expect_field_error(no_price, 1, true, "price", "required");
    raw_field_t zero[] = {STR("title", "x"), STR("price", "0")};
    expect_field_error(zero, 2, true, "price", "greater than 0");
    raw_field_t neg[] = {STR("title", "x"), STR("price", "-5")};
    expect_field_error(neg, 2, true, "price", "greater than 0");
    raw_field_t words[] = {STR("title", "x"), STR("price", "cheap")};
    expect_field_error(words, 2, true, "price", "not a decimal");
    raw_field_t decimals[] = {STR("title", "x"), STR("price", "1.999")};
    expect_field_error(decimals, 2, true, "price", "decimal places");
    raw_field_t floor[] = {STR("title", "x"), STR("price", "10"), STR("min_price", "10.01")};
    expect_field_error(floor, 3, true, "min_price", "must not exceed");
    raw_field_t minzero[] = {STR("title", "x"), STR("price", "10"), STR("min_price", "0")};
    expect_field_error(minzero, 3, true, "min_price", "greater than 0");
    raw_field_t cond[] = {STR("title", "x"), STR("price", "10"), STR("condition", "mint")};
    expect_field_error(cond, 3, true, "condition", "one of new, like_new, good, fair");
    raw_field_t flex[] = {STR("title", "x"), STR("price", "10"), STR("flexibility", "1.5")};
    expect_field_error(flex, 3, true, "flexibility", "between 0 and 1");
    raw_field_t unknown[] = {STR("title", "x"), STR("price", "10"), STR("colour", "red")};
    expect_field_error(unknown, 3, true, "colour", "unknown field");
    raw_field_t empty_title[] = {STR("title", "   "), STR("price", "10")};
    expect_field_error(empty_title, 2, true, "title", "empty");
    raw_field_t ctrl[] = {STR("title", "a\x01"
                                       "b"),
                          STR("price", "10")};
    expect_field_error(ctrl, 2, true, "title", "control");
    raw_field_t badutf[] = {STR("title", "a\xc3"), STR("price", "10")};
    expect_field_error(badutf, 2, true, "title", "UTF-8");
    raw_field_t cur[] = {STR("title", "x"), STR("price", "10"), STR("currency", "dollars")};
    expect_field_error(cur, 3, true, "currency", "ISO 4217");
    raw_field_t sold[] = {STR("title", "x"), STR("price", "10"), STR("status", "sold")};
    expect_field_error(sold, 3, true, "status", "active");
}

static void test_title_length_counts_characters(void **state)
{
    (void)state;
    char title[LISTING_TITLE_MAX * 2 + 3];
    /* 255 two-byte characters: 510 bytes but 255 characters -> fine */
    for (int i = 0; i < LISTING_TITLE_MAX; i++)
        memcpy(title + 2 * i, "\xc3\xa9", 2);
    title[2 * LISTING_TITLE_MAX] = '\0';
    raw_field_t ok[] = {{.name = "title", .kind = RAW_STRING, .s = title, .len = strlen(title)},
                        STR("price", "1")};
    listing_input_t in;
    listing_error_t err;
    assert_int_equal(listing_input_parse(ok, 2, true, &in, &err), 0);
    listing_input_free(&in);
    memcpy(title + 2 * LISTING_TITLE_MAX, "x", 2); /* one more character */
    raw_field_t bad[] = {{.name = "title", .kind = RAW_STRING, .s = title, .len = strlen(title)},
                         STR("price", "1")};
    expect_field_error(bad, 2, true, "title", "at most 255 characters");
}

static void test_update_is_partial(void **state)
{
    (void)state;
    raw_field_t f[] = {STR("status", "sold"), STR("min_price", "")};
    listing_input_t in;
    listing_error_t err;
    assert_int_equal(listing_input_parse(f, 2, false, &in, &err), 0);
    assert_false(in.has_title);
    assert_false(in.has_price);
    assert_true(in.has_status);
    assert_string_equal(in.status, "sold");
    assert_true(in.has_min_price); /* cleared */
    assert_int_equal(in.min_price_cents, 0);
    listing_input_free(&in);
}

static void test_json_types(void **state)
{
    (void)state;
    cJSON *obj = cJSON_Parse("{\"title\":\"Lamp\",\"price\":799.99,\"min_price\":null,"
                             "\"willing_to_negotiate\":true,\"price_cents\":79999}");
    listing_input_t in;
    listing_error_t err;
    assert_int_equal(listing_input_from_json(obj, true, &in, &err), 0);
    assert_int_equal(in.price_cents, 79999);
    assert_true(in.flexibility == 0.5);
    listing_input_free(&in);
    cJSON_Delete(obj);

    obj = cJSON_Parse("{\"title\":5,\"price\":1}");
    assert_int_equal(listing_input_from_json(obj, true, &in, &err), -1);
    assert_string_equal(err.field, "title");
    cJSON_Delete(obj);
    obj = cJSON_Parse("{\"title\":\"x\",\"price\":[1]}");
    assert_int_equal(listing_input_from_json(obj, true, &in, &err), -1);
    assert_string_equal(err.field, "price");
    cJSON_Delete(obj);
    obj = cJSON_Parse("{\"title\":\"x\",\"price\":10,\"price_cents\":999}");
    assert_int_equal(listing_input_from_json(obj, true, &in, &err), -1);
    assert_string_equal(err.field, "price_cents");
    cJSON_Delete(obj);
}

static void test_floor_rule(void **state)
{
    (void)state;
    listing_error_t err;
    assert_int_equal(listing_check_floor(1000, 0, &err), 0);
    assert_int_equal(listing_check_floor(1000, 1000, &err), 0);
    assert_int_equal(listing_check_floor(1000, 1001, &err), -1);
    assert_string_equal(err.field, "min_price");
    assert_non_null(strstr(err.detail, "10.01 > 10.00"));
}

static void test_migration_names(void **state)
{
    (void)state;
    long v = 0;
    assert_int_equal(migrate_parse_name("0001_init.sql", &v), 0);
    assert_int_equal(v, 1);
    assert_int_equal(migrate_parse_name("0012_add-things_2.sql", &v), 0);
    assert_int_equal(v, 12);
    assert_int_equal(migrate_parse_name("init.sql", &v), -1);
    assert_int_equal(migrate_parse_name("0001init.sql", &v), -1);
    assert_int_equal(migrate_parse_name("0001_.sql", &v), -1);
    assert_int_equal(migrate_parse_name("0000_zero.sql", &v), -1);
    assert_int_equal(migrate_parse_name("0001_x.sql.bak", &v), -1);
    assert_int_equal(migrate_parse_name("0001_a b.sql", &v), -1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_create_minimal_and_defaults),
        cmocka_unit_test(test_create_full_form),
        cmocka_unit_test(test_bad_values_name_the_field),
        cmocka_unit_test(test_title_length_counts_characters),
        cmocka_unit_test(test_update_is_partial),
        cmocka_unit_test(test_json_types),
        cmocka_unit_test(test_floor_rule),
        cmocka_unit_test(test_migration_names),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
