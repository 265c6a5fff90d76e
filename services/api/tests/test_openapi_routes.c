/* The route table (api_routes) and the embedded OpenAPI document (services/api/openapi.json)
 * agree: every routed method and path is described, every described one is routed, and the
 * problem response is written once, under components. The routes the document leaves out
 * on purpose are listed in not_in_spec below, and must stay routed. */
#include <ctype.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include <cmocka.h>
#include <cjson/cJSON.h>

#include "handlers.h"
#include "openapi.h"

/* Routes that are not part of the API the document describes: the document itself and the
 * page that renders it. */
static const struct {
    const char *method;
    const char *path;
} not_in_spec[] = {
    {"GET", "/api/openapi.json"},
    {"GET", "/docs"},
};

/* The operation keys of an OpenAPI 3.0 path item; the other keys it may hold are below. */
static const char *const spec_methods[] = {"get",     "put",  "post",  "delete",
                                           "options", "head", "patch", "trace"};
static const char *const path_item_fields[] = {"summary", "description", "servers", "parameters",
                                               "$ref"};

static bool in_list(const char *s, const char *const *list, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(s, list[i]) == 0)
            return true;
    return false;
}

static bool excluded(const char *method, const char *path)
{
    for (size_t i = 0; i < sizeof(not_in_spec) / sizeof(not_in_spec[0]); i++)
        if (strcmp(method, not_in_spec[i].method) == 0 && strcmp(path, not_in_spec[i].path) == 0)
            return true;
    return false;
}

static bool routed(const char *method, const char *path)
{
    for (size_t i = 0; i < api_nroutes; i++)
        if (strcasecmp(method, api_routes[i].method) == 0 &&
            strcmp(path, api_routes[i].pattern) == 0)
            return true;
    return false;
}

/* The document's operation for an upper-case route method, or NULL. */
static const cJSON *spec_operation(const cJSON *paths, const char *method, const char *path)
{
    char lower[16];
    size_t n = strlen(method);
    if (n >= sizeof(lower))
        return NULL;
    for (size_t i = 0; i <= n; i++)
        lower[i] = (char)tolower((unsigned char)method[i]);
    const cJSON *item = cJSON_GetObjectItemCaseSensitive(paths, path);
    const cJSON *op = cJSON_GetObjectItemCaseSensitive(item, lower);
    return cJSON_IsObject(op) ? op : NULL;
}

static int setup_spec(void **state)
{
    size_t len;
    const char *text = openapi_document(&len);
    cJSON *doc = cJSON_ParseWithLength(text, len);
    if (!doc) {
        print_error("openapi.json does not parse near: %.40s\n", cJSON_GetErrorPtr());
        return -1;
    }
    *state = doc;
    return 0;
}

static int teardown_spec(void **state)
{
    cJSON_Delete(*state);
    return 0;
}

static const cJSON *spec_paths(void **state)
{
    const cJSON *paths = cJSON_GetObjectItemCaseSensitive(*state, "paths");
    assert_true(cJSON_IsObject(paths));
    return paths;
}

static void test_document_embedded(void **state)
{
    size_t len;
    const char *text = openapi_document(&len);
    assert_true(len > 1000);
    assert_int_equal(strlen(text), len); /* NUL right after the bytes, none inside */
    const cJSON *version = cJSON_GetObjectItemCaseSensitive(*state, "openapi");
    assert_true(cJSON_IsString(version));
    assert_memory_equal(version->valuestring, "3.", 2);
}

static void test_every_route_in_spec(void **state)
{
    const cJSON *paths = spec_paths(state);
    int missing = 0;
    for (size_t i = 0; i < api_nroutes; i++) {
        const http_route_t *r = &api_routes[i];
        if (excluded(r->method, r->pattern) || spec_operation(paths, r->method, r->pattern))
            continue;
        print_error("routed but not in openapi.json: %s %s\n", r->method, r->pattern);
        missing++;
    }
    assert_int_equal(missing, 0);
}

static void test_every_spec_operation_routed(void **state)
{
    const cJSON *paths = spec_paths(state);
    const size_t nmethods = sizeof(spec_methods) / sizeof(spec_methods[0]);
    const size_t nfields = sizeof(path_item_fields) / sizeof(path_item_fields[0]);
    int bad = 0, operations = 0;
    const cJSON *item;
    cJSON_ArrayForEach(item, paths)
    {
        const cJSON *op;
        cJSON_ArrayForEach(op, item)
        {
            if (in_list(op->string, path_item_fields, nfields))
                continue;
            operations++;
            if (!in_list(op->string, spec_methods, nmethods)) {
                print_error("openapi.json %s: \"%s\" is not an HTTP method\n", item->string,
                            op->string);
                bad++;
            } else if (!routed(op->string, item->string)) {
                print_error("in openapi.json but not routed: %s %s\n", op->string, item->string);
                bad++;
            }
        }
    }
    assert_int_equal(bad, 0);
    assert_true(operations > 0);
}

/* The exclusion list stays honest: each entry is routed and really left out of the document. */
static void test_exclusions_routed_and_left_out(void **state)
{
    const cJSON *paths = spec_paths(state);
    for (size_t i = 0; i < sizeof(not_in_spec) / sizeof(not_in_spec[0]); i++) {
        assert_true(routed(not_in_spec[i].method, not_in_spec[i].path));
        assert_null(spec_operation(paths, not_in_spec[i].method, not_in_spec[i].path));
    }
}

/* Every operation's problem answers point at components.responses.Problem, written once. */
static void test_problem_response_once(void **state)
{
    const cJSON *problem = cJSON_GetObjectItemCaseSensitive(
        cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(*state, "components"),
                                         "responses"),
        "Problem");
    assert_non_null(cJSON_GetObjectItemCaseSensitive(
        cJSON_GetObjectItemCaseSensitive(problem, "content"), "application/problem+json"));

    const cJSON *item, *op, *resp;
    int inline_problems = 0;
    cJSON_ArrayForEach(item, spec_paths(state))
    {
        cJSON_ArrayForEach(op, item)
        {
            cJSON_ArrayForEach(resp, cJSON_GetObjectItemCaseSensitive(op, "responses"))
            {
                const cJSON *content = cJSON_GetObjectItemCaseSensitive(resp, "content");
                if (!cJSON_GetObjectItemCaseSensitive(content, "application/problem+json"))
                    continue;
                print_error("inline problem response: %s %s %s (use $ref)\n", op->string,
                            item->string, resp->string);
                inline_problems++;
            }
        }
    }
    assert_int_equal(inline_problems, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_document_embedded),
        cmocka_unit_test(test_every_route_in_spec),
        cmocka_unit_test(test_every_spec_operation_routed),
        cmocka_unit_test(test_exclusions_routed_and_left_out),
        cmocka_unit_test(test_problem_response_once),
    };
    return cmocka_run_group_tests(tests, setup_spec, teardown_spec);
}
