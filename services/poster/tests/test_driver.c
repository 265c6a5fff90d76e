/* Unit tests of the driver registry: platform -> driver, names for messages, and the login
 * remedy a recipe driver's login wall gives. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "browser/recipe.h"
#include "driver.h"

static void test_registry(void **state)
{
    (void)state;
    const char *json = "{\"steps\":[{\"action\":\"read_url\"}]}";
    char err[256];
    recipe_t *a = recipe_parse("alpha", "alpha.json", json, strlen(json), err, sizeof(err));
    recipe_t *b = recipe_parse("beta", "beta.json", json, strlen(json), err, sizeof(err));
    assert_non_null(a);
    assert_non_null(b);
    recipe_t *items[] = {a, b};
    recipe_set_t set = {.items = items, .n = 2};
    driver_registry_t reg;
    assert_int_equal(driver_registry_init(&reg, &set), 0);
    assert_int_equal(reg.n, 2);
    const driver_t *d = driver_find(&reg, "beta");
    assert_non_null(d);
    assert_string_equal(d->kind, "recipe");
    assert_ptr_equal(d->impl, b);
    assert_non_null(d->post);
    assert_null(driver_find(&reg, "ebay"));
    assert_null(driver_find(&reg, NULL));
    /* what a no_driver job tells the user: platform names, no file */
    char names[64];
    driver_registry_names(&reg, names, sizeof(names));
    assert_string_equal(names, "alpha, beta");
    char tiny[8];
    driver_registry_names(&reg, tiny, sizeof(tiny));
    assert_string_equal(tiny, "alpha, ");
    driver_registry_free(&reg);
    driver_registry_names(&reg, names, sizeof(names));
    assert_string_equal(names, "none");
    recipe_free(a);
    recipe_free(b);
}

static void test_login_remedy(void **state)
{
    (void)state;
    driver_env_t env;
    memset(&env, 0, sizeof(env));
    env.wd.backend = WD_LOCAL;
    char *s = driver_login_remedy(&env, "facebook_marketplace", 2);
    assert_non_null(strstr(s, "byebuy-login --platform facebook_marketplace --account 2"));
    assert_non_null(strstr(s, "browser window"));
    assert_non_null(strstr(s, "then retry the job."));
    free(s);
    env.wd.backend = WD_BROWSERBASE;
    s = driver_login_remedy(&env, "sandbox", 0);
    assert_non_null(strstr(s, "live-view URL"));
    free(s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_registry),
        cmocka_unit_test(test_login_remedy),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
