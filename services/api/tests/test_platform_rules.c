/* Unit tests of platform_rules.c: each platform's limits at and past the edge. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "domain/platform_rules.h"

static char title_buf[512];

static ev_listing_t listing(size_t title_chars, const char *unit, size_t nimages, int64_t cents)
{
    title_buf[0] = '\0';
    for (size_t i = 0; i < title_chars; i++)
        strcat(title_buf, unit);
    static ev_image_t imgs[30];
    ev_listing_t l = {.id = 7,
                      .title = title_buf,
                      .description = "Solid oak",
                      .price_cents = cents,
                      .images = imgs,
                      .nimages = nimages};
    return l;
}

static void expect_refused(const char *platform, const ev_listing_t *l, const char *field,
                           const char *part)
{
    char f[32] = "", d[300] = "";
    const platform_rules_t *r = platform_rules_find(platform);
    assert_non_null(r);
    assert_int_equal(platform_rules_check(r, l, f, sizeof(f), d, sizeof(d)), -1);
    assert_string_equal(f, field);
    if (!strstr(d, part))
        fail_msg("detail \"%s\" lacks \"%s\"", d, part);
}

static void expect_ok(const char *platform, const ev_listing_t *l)
{
    char f[32] = "", d[300] = "";
    const platform_rules_t *r = platform_rules_find(platform);
    assert_non_null(r);
    if (platform_rules_check(r, l, f, sizeof(f), d, sizeof(d)) != 0)
        fail_msg("refused on %s: %s", f, d);
}

static void test_facebook(void **state)
{
    (void)state;
    ev_listing_t l = listing(200, "a", 1, 2000);
    expect_ok("facebook_marketplace", &l);
    l = listing(201, "a", 1, 2000);
    expect_refused("facebook_marketplace", &l, "title",
                   "at most 200 characters (this one has 201)");
    /* characters, not bytes: 200 two-byte characters pass */
    l = listing(200, "\xc3\xa9", 1, 2000);
    expect_ok("facebook_marketplace", &l);
    l = listing(10, "a", 0, 2000);
    expect_refused("facebook_marketplace", &l, "images", "needs at least 1 photo");
    l = listing(10, "a", 11, 2000);
    expect_refused("facebook_marketplace", &l, "images", "at most 10 photos");
    l = listing(10, "a", 10, 0); /* free is a price on Facebook */
    expect_ok("facebook_marketplace", &l);
}

static void test_ebay_and_others(void **state)
{
    (void)state;
    ev_listing_t l = listing(81, "a", 1, 2000);
    expect_refused("ebay", &l, "title", "at most 80");
    l = listing(80, "a", 1, 50);
    expect_refused("ebay", &l, "price", "from 0.99");
    l = listing(80, "a", 24, 99);
    expect_ok("ebay", &l);
    l = listing(71, "a", 0, 100);
    expect_refused("craigslist", &l, "title", "at most 70");
    l = listing(200, "a", 0, 100); /* the test platform takes bare listings */
    expect_ok("sandbox", &l);
    assert_null(platform_rules_find("myspace"));
    assert_null(platform_rules_find(NULL));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_facebook),
        cmocka_unit_test(test_ebay_and_others),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
