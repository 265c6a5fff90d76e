/* Unit tests of http/auth_rules.c (Host and Origin matching, cookie and bearer parsing, the
 * public path list, loopback listeners) and http/login_limit.c (the login rate limit). */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "domain/auth.h"
#include "http/auth_rules.h"
#include "http/login_limit.h"

#define DEFAULT_HOSTS "localhost:8080,127.0.0.1:8080,[::1]:8080"

static void test_host_default_list(void **state)
{
    (void)state;
    assert_true(auth_host_allowed(DEFAULT_HOSTS, "localhost:8080"));
    assert_true(auth_host_allowed(DEFAULT_HOSTS, "LOCALHOST:8080"));
    assert_true(auth_host_allowed(DEFAULT_HOSTS, "127.0.0.1:8080"));
    assert_true(auth_host_allowed(DEFAULT_HOSTS, "[::1]:8080"));
    /* DNS rebinding: a name of the attacker's resolving to 127.0.0.1 */
    assert_false(auth_host_allowed(DEFAULT_HOSTS, "evil.example:8080"));
    assert_false(auth_host_allowed(DEFAULT_HOSTS, "localhost.evil.example:8080"));
    assert_false(auth_host_allowed(DEFAULT_HOSTS, "127.0.0.1:8081"));
    assert_false(auth_host_allowed(DEFAULT_HOSTS, "127.0.0.1"));
    assert_false(auth_host_allowed(DEFAULT_HOSTS, "127.0.0.1:80800"));
    assert_false(auth_host_allowed(DEFAULT_HOSTS, "[::1]"));
    assert_false(auth_host_allowed(DEFAULT_HOSTS, ""));
    assert_false(auth_host_allowed(DEFAULT_HOSTS, NULL));
}

static void test_host_names_without_port(void **state)
{
    (void)state;
    const char *list = " api , shop.example.com,[::1] ";
    assert_true(auth_host_allowed(list, "api"));
    assert_true(auth_host_allowed(list, "api:8080"));
    assert_true(auth_host_allowed(list, "Shop.Example.com:443"));
    assert_true(auth_host_allowed(list, "[::1]:9"));
    assert_false(auth_host_allowed(list, "apix:8080"));
    assert_false(auth_host_allowed(list, "ap"));
    assert_false(auth_host_allowed(list, "example.com"));
    assert_true(auth_host_allowed("*", "anything:1"));
    assert_false(auth_host_allowed("", "localhost"));
}

static void test_origin(void **state)
{
    (void)state;
    const char *host = "127.0.0.1:8080";
    /* the api's own origin, whichever scheme a proxy in front speaks */
    assert_true(auth_origin_allowed("http://127.0.0.1:8080", host, NULL));
    assert_true(auth_origin_allowed("https://127.0.0.1:8080", host, NULL));
    /* another port of the same host is another origin (and the same site for SameSite) */
    assert_false(auth_origin_allowed("http://127.0.0.1:8081", host, NULL));
    assert_false(auth_origin_allowed("http://127.0.0.1:80801", host, NULL));
    assert_false(auth_origin_allowed("http://127.0.0.1", host, NULL));
    assert_false(auth_origin_allowed("null", host, NULL));
    assert_false(auth_origin_allowed("", host, NULL));
    assert_false(auth_origin_allowed(NULL, host, NULL));
    const char *cors = "http://localhost:3000, http://127.0.0.1:3000";
    assert_true(auth_origin_allowed("http://localhost:3000", host, cors));
    assert_true(auth_origin_allowed("http://127.0.0.1:3000", host, cors));
    assert_false(auth_origin_allowed("http://localhost:30000", host, cors));
    assert_false(auth_origin_allowed("http://localhost:300", host, cors));
    /* a wildcard CORS list allows reads, never cookie writes */
    assert_false(auth_origin_allowed("http://evil.example", host, "*"));
}

static void test_referer_origin(void **state)
{
    (void)state;
    char out[64];
    assert_int_equal(auth_referer_origin("http://127.0.0.1:8081/page?x=1", out, sizeof(out)), 0);
    assert_string_equal(out, "http://127.0.0.1:8081");
    assert_int_equal(auth_referer_origin("https://a.example", out, sizeof(out)), 0);
    assert_string_equal(out, "https://a.example");
    assert_int_equal(auth_referer_origin("https://a.example#frag", out, sizeof(out)), 0);
    assert_string_equal(out, "https://a.example");
    assert_int_equal(auth_referer_origin("ftp://a.example/", out, sizeof(out)), -1);
    assert_int_equal(auth_referer_origin("http:///path", out, sizeof(out)), -1);
    assert_int_equal(auth_referer_origin(NULL, out, sizeof(out)), -1);
    assert_int_equal(auth_referer_origin("http://a-very-long-host.example/x", out, 10), -1);
}

static void test_cookie(void **state)
{
    (void)state;
    char out[32];
    assert_int_equal(auth_cookie_get("bb_session=abc", "bb_session", out, sizeof(out)), 3);
    assert_string_equal(out, "abc");
    assert_int_equal(auth_cookie_get("a=1; bb_session=xyz; b=2", "bb_session", out, sizeof(out)),
                     3);
    assert_string_equal(out, "xyz");
    assert_int_equal(auth_cookie_get("a=1;bb_session=\"q\"", "bb_session", out, sizeof(out)), 1);
    assert_string_equal(out, "q");
    /* a cookie whose name ends like ours is not ours */
    assert_int_equal(
        auth_cookie_get("xbb_session=1; bb_session_x=2", "bb_session", out, sizeof(out)), -1);
    assert_int_equal(auth_cookie_get("bb_session=", "bb_session", out, sizeof(out)), 0);
    assert_int_equal(auth_cookie_get("bb_session=0123456789012345678901234567890123456789",
                                     "bb_session", out, sizeof(out)),
                     -2);
    assert_int_equal(auth_cookie_get(NULL, "bb_session", out, sizeof(out)), -1);
    assert_int_equal(auth_cookie_get("garbage", "bb_session", out, sizeof(out)), -1);
}

static void test_bearer(void **state)
{
    (void)state;
    char out[16];
    assert_int_equal(auth_bearer_get("Bearer bb_abc", out, sizeof(out)), 6);
    assert_string_equal(out, "bb_abc");
    assert_int_equal(auth_bearer_get("bearer   bb_abc", out, sizeof(out)), 6);
    assert_int_equal(auth_bearer_get("Basic dXNlcjpw", out, sizeof(out)), -1);
    assert_int_equal(auth_bearer_get("Bearer ", out, sizeof(out)), -1);
    assert_int_equal(auth_bearer_get("Bearer a b", out, sizeof(out)), -1);
    assert_int_equal(auth_bearer_get("Bearer 0123456789abcdef", out, sizeof(out)), -1);
    assert_int_equal(auth_bearer_get(NULL, out, sizeof(out)), -1);
}

static void test_paths_listener_methods(void **state)
{
    (void)state;
    const char *list = "/healthz,/readyz,/metrics, /public/*";
    assert_true(auth_path_listed(list, "/healthz"));
    assert_true(auth_path_listed(list, "/metrics"));
    assert_true(auth_path_listed(list, "/public/"));
    assert_true(auth_path_listed(list, "/public/a/b"));
    assert_false(auth_path_listed(list, "/healthz/x"));
    assert_false(auth_path_listed(list, "/health"));
    assert_false(auth_path_listed(list, "/api/listings"));
    assert_false(auth_path_listed(NULL, "/healthz"));

    assert_true(auth_listener_loopback("127.0.0.1"));
    assert_true(auth_listener_loopback("127.1.2.3"));
    assert_true(auth_listener_loopback("localhost"));
    assert_true(auth_listener_loopback("::1"));
    assert_false(auth_listener_loopback("0.0.0.0"));
    assert_false(auth_listener_loopback("::"));
    assert_false(auth_listener_loopback("192.168.1.5"));
    assert_false(auth_listener_loopback("127.0.0.1.evil"));
    assert_false(auth_listener_loopback("127.0.0.300"));
    assert_false(auth_listener_loopback(""));

    assert_true(auth_method_writes("POST"));
    assert_true(auth_method_writes("DELETE"));
    assert_false(auth_method_writes("GET"));
    assert_false(auth_method_writes("OPTIONS"));
}

static void test_login_limit(void **state)
{
    (void)state;
    login_limit_t *l = login_limit_new(3, 5);
    int64_t t = 1000000;
    for (int i = 0; i < 3; i++)
        assert_int_equal(login_limit_take(l, "10.0.0.1", t), 0);
    int wait = login_limit_take(l, "10.0.0.1", t + 1000);
    assert_int_equal(wait, 59); /* the window opened at t ends at t + 60 s */
    /* another client has its own window, until the global one is used up */
    assert_int_equal(login_limit_take(l, "10.0.0.2", t), 0);
    assert_int_equal(login_limit_take(l, "10.0.0.2", t), 0);
    assert_true(login_limit_take(l, "10.0.0.3", t) > 0);
    /* a minute later both start over */
    assert_int_equal(login_limit_take(l, "10.0.0.1", t + 60000), 0);
    login_limit_free(l);
}

static void test_secrets(void **state)
{
    (void)state;
    char h1[AUTH_HASH_SIZE], h2[AUTH_HASH_SIZE];
    assert_int_equal(auth_init(), 0);
    auth_secret_hash("abc", h1);
    /* SHA-256("abc") */
    assert_string_equal(h1, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    auth_csrf_token("abc", h2);
    assert_int_equal(strlen(h2), 64);
    assert_string_not_equal(h1, h2);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_host_default_list),
        cmocka_unit_test(test_host_names_without_port),
        cmocka_unit_test(test_origin),
        cmocka_unit_test(test_referer_origin),
        cmocka_unit_test(test_cookie),
        cmocka_unit_test(test_bearer),
        cmocka_unit_test(test_paths_listener_methods),
        cmocka_unit_test(test_login_limit),
        cmocka_unit_test(test_secrets),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
