/* Unit tests of api_auth.c: the poster's bearer token goes to the api's URLs only. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "api_auth.h"

/* The one header of the list, or NULL. */
static const char *only(struct curl_slist *h)
{
    return h ? h->data : NULL;
}

static void expect_header(const char *url, const char *want)
{
    struct curl_slist *h = api_auth_header(NULL, url);
    if (want)
        assert_string_equal(only(h), want);
    else
        assert_null(h);
    curl_slist_free_all(h);
}

static void test_token_only_to_the_api(void **state)
{
    (void)state;
    char err[256];
    assert_int_equal(api_auth_load("bb_tok", NULL, "http://127.0.0.1:8080/", err, sizeof(err)), 0);
    expect_header("http://127.0.0.1:8080/uploads/a.jpg", "Authorization: Bearer bb_tok");
    expect_header("http://127.0.0.1:8080/api/jobs/1/artifacts/x.png",
                  "Authorization: Bearer bb_tok");
    /* another port that starts the same, another host, a look-alike: no token */
    expect_header("http://127.0.0.1:80800/uploads/a.jpg", NULL);
    expect_header("http://127.0.0.1:8080.evil.example/x", NULL);
    expect_header("https://cdn.example.com/a.jpg", NULL);
    expect_header(NULL, NULL);
    /* no token configured: no header at all */
    assert_int_equal(api_auth_load(NULL, NULL, "http://127.0.0.1:8080", err, sizeof(err)), 0);
    expect_header("http://127.0.0.1:8080/uploads/a.jpg", NULL);
}

static void test_token_file(void **state)
{
    (void)state;
    char path[] = "/tmp/bb-token-XXXXXX", err[256];
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, "bb_fromfile\n", 12), 12);
    close(fd);
    /* the file wins over API_TOKEN */
    assert_int_equal(api_auth_load("bb_env", path, "http://api:8080", err, sizeof(err)), 0);
    expect_header("http://api:8080/uploads/a.jpg", "Authorization: Bearer bb_fromfile");
    FILE *f = fopen(path, "w");
    fclose(f);
    assert_int_equal(api_auth_load(NULL, path, "http://api:8080", err, sizeof(err)), -1);
    assert_non_null(strstr(err, "API_TOKEN_FILE"));
    unlink(path);
    assert_int_equal(api_auth_load(NULL, path, "http://api:8080", err, sizeof(err)), -1);
    assert_non_null(strstr(err, "No such file"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_token_only_to_the_api),
        cmocka_unit_test(test_token_file),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
