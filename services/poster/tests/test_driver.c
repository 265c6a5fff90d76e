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

static runner_status_t fake_op(const driver_t *d, const driver_env_t *env, const driver_job_t *job,
                               runner_result_t *res)
{
    (void)d, (void)env, (void)job;
    res->status = RUNNER_OK;
    return RUNNER_OK;
}

static int freed;
static void count_free(void *impl)
{
    freed += *(int *)impl;
}

/* An API driver registers beside the recipes, replaces a recipe of its platform, and its ops
 * are looked up per job; a missing op is NULL (the worker answers not_supported). */
static void test_registry_add_and_ops(void **state)
{
    (void)state;
    const char *json = "{\"steps\":[{\"action\":\"read_url\"}]}";
    char err[256];
    recipe_t *a = recipe_parse("alpha", "alpha.json", json, strlen(json), err, sizeof(err));
    recipe_t *items[] = {a};
    recipe_set_t set = {.items = items, .n = 1};
    driver_registry_t reg;
    assert_int_equal(driver_registry_init(&reg, &set), 0);
    const driver_t *recipe = driver_find(&reg, "alpha");
    assert_non_null(driver_op_fn(recipe, DRIVER_POST));
    assert_null(driver_op_fn(recipe, DRIVER_UPDATE));

    static int one = 1, ten = 10;
    assert_int_equal(
        driver_registry_add(&reg, "ebay", "api", fake_op, fake_op, NULL, &one, count_free), 0);
    const driver_t *api = driver_find(&reg, "ebay");
    assert_non_null(api);
    assert_string_equal(api->kind, "api");
    assert_ptr_equal(driver_op_fn(api, DRIVER_DELIST), fake_op);
    assert_null(driver_op_fn(api, DRIVER_UPDATE));
    char names[64];
    driver_registry_names(&reg, names, sizeof(names));
    assert_string_equal(names, "alpha, ebay");

    /* the same platform again: the old driver's state is freed, the new one answers */
    freed = 0;
    assert_int_equal(
        driver_registry_add(&reg, "ebay", "api", fake_op, fake_op, fake_op, &ten, count_free), 0);
    assert_int_equal(freed, 1);
    assert_int_equal(reg.n, 2);
    assert_ptr_equal(driver_op_fn(driver_find(&reg, "ebay"), DRIVER_UPDATE), fake_op);
    assert_string_equal(driver_op_name(DRIVER_DELIST), "delist");
    driver_registry_free(&reg);
    assert_int_equal(freed, 11);
    recipe_free(a);
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
        cmocka_unit_test(test_registry_add_and_ops),
        cmocka_unit_test(test_login_remedy),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
