/* Unit tests of posting_platform_allowed (domain/posting.c): the PLATFORMS list check. */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "domain/posting.h"

static void test_platform_list(void **state)
{
    (void)state;
    const char *list = "facebook_marketplace, sandbox ,ebay";
    assert_true(posting_platform_allowed(list, "facebook_marketplace"));
    assert_true(posting_platform_allowed(list, "sandbox"));
    assert_true(posting_platform_allowed(list, "ebay"));
    assert_false(posting_platform_allowed(list, "eba"));
    assert_false(posting_platform_allowed(list, "ebay2"));
    assert_false(posting_platform_allowed(list, "sand"));
    assert_false(posting_platform_allowed(list, ""));
    assert_false(posting_platform_allowed(list, "facebook_marketplace,sandbox"));
    assert_false(posting_platform_allowed("", "sandbox"));
    assert_false(posting_platform_allowed(NULL, "sandbox"));
    assert_true(posting_platform_allowed("sandbox", "sandbox"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_platform_list),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
