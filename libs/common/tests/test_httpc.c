/* Tests of the HTTP client: the retry policy as pure functions, then httpc_request against
 * an in-process civetweb fake that answers like a rate-limited, flaky API (429 with
 * Retry-After, retry-after-ms, 503, 500 then 200, x-should-retry, HTTP-date Retry-After). */
#include <setjmp.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "common/http.h"
#include "common/httpc.h"
#include "common/util.h"

/* ---- body sink ---- */

/* The sink as curl drives it: chunks append until one would pass max; that chunk is refused
 * whole (curl then fails the transfer) and the sink says why. */
static void test_sink_cap(void **state)
{
    (void)state;
    httpc_sink_t sink = {.max = 10};
    char chunk[] = "abcd";
    assert_int_equal(httpc_sink_write(chunk, 1, 4, &sink), 4);
    assert_int_equal(httpc_sink_write(chunk, 2, 2, &sink), 4);
    assert_string_equal(sink.body.s, "abcdabcd");
    assert_false(sink.too_large);
    assert_int_equal(httpc_sink_write(chunk, 1, 3, &sink), 0);
    assert_true(sink.too_large);
    assert_int_equal(sink.body.len, 8);
    /* exactly max fits */
    httpc_sink_reset(&sink);
    assert_false(sink.too_large);
    assert_int_equal(sink.body.len, 0);
    char ten[] = "0123456789";
    assert_int_equal(httpc_sink_write(ten, 1, 10, &sink), 10);
    assert_string_equal(sink.body.s, "0123456789");
    assert_int_equal(httpc_sink_write(ten, 1, 1, &sink), 0);
    sbuf_free(&sink.body);
}

/* ---- pure policy ---- */

static void test_should_retry(void **state)
{
    (void)state;
    assert_true(httpc_should_retry(0, -1));
    assert_true(httpc_should_retry(408, -1));
    assert_true(httpc_should_retry(409, -1));
    assert_true(httpc_should_retry(429, -1));
    assert_true(httpc_should_retry(500, -1));
    assert_true(httpc_should_retry(503, -1));
    assert_false(httpc_should_retry(200, -1));
    assert_false(httpc_should_retry(400, -1));
    assert_false(httpc_should_retry(404, -1));
    assert_false(httpc_should_retry(503, 0)); /* x-should-retry: false wins */
    assert_true(httpc_should_retry(400, 1));  /* x-should-retry: true wins */
}

static void test_retry_delay(void **state)
{
    (void)state;
    /* the server's advice when 0 < it <= max */
    assert_int_equal(httpc_retry_delay_ms(0, 1500, 60), 1500);
    assert_int_equal(httpc_retry_delay_ms(3, 60000, 60), 60000);
    /* longer than max: do not retry */
    assert_int_equal(httpc_retry_delay_ms(0, 60001, 60), -1);
    assert_int_equal(httpc_retry_delay_ms(0, 121000, 120), -1);
    /* none or zero: exponential backoff 0.5 * 2^n capped at 8 s, jitter down to 75 % */
    for (int i = 0; i < 200; i++) {
        int64_t d0 = httpc_retry_delay_ms(0, -1, 60);
        int64_t d1 = httpc_retry_delay_ms(1, 0, 60);
        int64_t d5 = httpc_retry_delay_ms(5, -1, 60);
        assert_true(d0 >= 375 && d0 <= 500);
        assert_true(d1 >= 750 && d1 <= 1000);
        assert_true(d5 >= 6000 && d5 <= 8000);
    }
}

static void test_parse_retry_after(void **state)
{
    (void)state;
    assert_int_equal(httpc_parse_retry_after("250", NULL, 0), 250);
    assert_int_equal(httpc_parse_retry_after("12.6", "30", 0), 13); /* ms header wins */
    assert_int_equal(httpc_parse_retry_after("junk", "2", 0), 2000);
    assert_int_equal(httpc_parse_retry_after(NULL, "1.5", 0), 1500);
    assert_int_equal(httpc_parse_retry_after(NULL, "120", 0), 120000);
    assert_int_equal(httpc_parse_retry_after(NULL, "-1", 0), -1);
    assert_int_equal(httpc_parse_retry_after(NULL, "1.2.3", 0), -1);
    assert_int_equal(httpc_parse_retry_after(NULL, "soon", 0), -1);
    assert_int_equal(httpc_parse_retry_after(NULL, "", 0), -1);
    assert_int_equal(httpc_parse_retry_after(NULL, NULL, 0), -1);
    /* Wed, 21 Oct 2015 07:28:00 GMT is 1445412480 */
    assert_int_equal(httpc_parse_retry_after(NULL, "Wed, 21 Oct 2015 07:28:00 GMT", 1445412450),
                     30000);
    assert_int_equal(httpc_parse_retry_after(NULL, "Wednesday, 21-Oct-15 07:28:00 GMT", 1445412470),
                     10000);
    assert_int_equal(httpc_parse_retry_after(NULL, "Wed Oct 21 07:28:00 2015", 1445412479), 1000);
    /* in the past: 0, which the delay function turns into backoff */
    assert_int_equal(httpc_parse_retry_after(NULL, "Wed, 21 Oct 2015 07:28:00 GMT", 1445412999), 0);
}

static void test_header_cb(void **state)
{
    (void)state;
    httpc_response_t r;
    httpc_response_init(&r);
    char h1[] = "HTTP/1.1 429 Too Many Requests\r\n";
    char h2[] = "Retry-After: 30\r\n";
    char h3[] = "retry-after-ms:  250 \r\n";
    char h4[] = "Retry-After: 40\r\n"; /* after the ms header: ignored */
    char h5[] = "X-Should-Retry: false\r\n";
    char h6[] = "Content-Type: application/json\r\n";
    char h7[] = "Location: /v1/x\r\n";
    char *all[] = {h1, h2, h3, h4, h5, h6, h7};
    for (size_t i = 0; i < 7; i++)
        assert_int_equal(httpc_header_cb(all[i], 1, strlen(all[i]), &r), strlen(all[i]));
    assert_int_equal(r.retry_after_ms, 250);
    assert_int_equal(r.should_retry, 0);
    assert_string_equal(r.content_type, "application/json");
    assert_string_equal(r.location, "/v1/x");
    /* a new status line starts over */
    char h8[] = "HTTP/1.1 200 OK\r\n";
    httpc_header_cb(h8, 1, strlen(h8), &r);
    assert_int_equal(r.retry_after_ms, -1);
    assert_int_equal(r.should_retry, -1);
    assert_null(r.content_type);
    httpc_response_free(&r);
}

/* ---- the fake API ---- */

enum {
    P_FLAKY,
    P_LIMITED,
    P_MS,
    P_ALWAYS503,
    P_NORETRY,
    P_FORCE,
    P_DATE_FAR,
    P_DATE_SOON,
    P_COUNT
};
static atomic_int hits[P_COUNT];
static struct mg_context *server;
static int port;

static void reply(struct mg_connection *conn, int status, const char *headers, const char *body)
{
    mg_printf(conn,
              "HTTP/1.1 %d X\r\nContent-Type: application/json\r\nContent-Length: %zu\r\n%s\r\n%s",
              status, strlen(body), headers ? headers : "", body);
}

static void http_date(time_t t, char *out, size_t size)
{
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(out, size, "%a, %d %b %Y %H:%M:%S GMT", &tm);
}

static int fake_handler(struct mg_connection *conn, void *cbdata)
{
    (void)cbdata;
    const struct mg_request_info *ri = mg_get_request_info(conn);
    const char *uri = ri->local_uri;
    char hdr[256];
    if (strcmp(uri, "/flaky") == 0) {
        int n = atomic_fetch_add(&hits[P_FLAKY], 1);
        reply(conn, n == 0 ? 500 : 200, NULL, n == 0 ? "{\"error\":\"boom\"}" : "{\"ok\":true}");
    } else if (strcmp(uri, "/limited") == 0) {
        int n = atomic_fetch_add(&hits[P_LIMITED], 1);
        reply(conn, n == 0 ? 429 : 200, n == 0 ? "Retry-After: 1\r\n" : NULL, "{}");
    } else if (strcmp(uri, "/ms") == 0) {
        int n = atomic_fetch_add(&hits[P_MS], 1);
        reply(conn, n == 0 ? 429 : 200,
              n == 0 ? "retry-after-ms: 200\r\nRetry-After: 30\r\n" : NULL, "{}");
    } else if (strcmp(uri, "/always503") == 0) {
        atomic_fetch_add(&hits[P_ALWAYS503], 1);
        reply(conn, 503, "retry-after-ms: 10\r\n", "{\"error\":\"overloaded\"}");
    } else if (strcmp(uri, "/noretry") == 0) {
        atomic_fetch_add(&hits[P_NORETRY], 1);
        reply(conn, 500, "x-should-retry: false\r\n", "{}");
    } else if (strcmp(uri, "/force") == 0) {
        int n = atomic_fetch_add(&hits[P_FORCE], 1);
        reply(conn, n == 0 ? 400 : 200,
              n == 0 ? "x-should-retry: true\r\nretry-after-ms: 10\r\n" : NULL, "{}");
    } else if (strcmp(uri, "/date-far") == 0) {
        atomic_fetch_add(&hits[P_DATE_FAR], 1);
        char date[64];
        http_date(time(NULL) + 3600, date, sizeof(date));
        snprintf(hdr, sizeof(hdr), "Retry-After: %s\r\n", date);
        reply(conn, 503, hdr, "{}");
    } else if (strcmp(uri, "/date-soon") == 0) {
        int n = atomic_fetch_add(&hits[P_DATE_SOON], 1);
        char date[64];
        http_date(time(NULL) + 2, date, sizeof(date));
        snprintf(hdr, sizeof(hdr), "Retry-After: %s\r\n", date);
        reply(conn, n == 0 ? 503 : 200, n == 0 ? hdr : NULL, "{}");
    } else if (strcmp(uri, "/big") == 0) {
        static char big[10001];
        memset(big, 'a', sizeof(big) - 1);
        reply(conn, 200, NULL, big);
    } else if (strcmp(uri, "/echo") == 0) {
        static _Thread_local char body[8192];
        int got = 0, n;
        while ((n = mg_read(conn, body + got, sizeof(body) - 1 - (size_t)got)) > 0)
            got += n;
        body[got] = '\0';
        const char *auth = mg_get_header(conn, "Authorization");
        const char *expect = mg_get_header(conn, "Expect");
        snprintf(hdr, sizeof(hdr), "Location: /things/%s\r\n", ri->request_method);
        if (got > 1024) /* summarize big bodies: what matters is the headers that came along */
            snprintf(body, sizeof(body), "len=%d auth=%s expect=%s", got, auth ? auth : "-",
                     expect ? expect : "-");
        reply(conn, 201, hdr, body);
    } else if (strcmp(uri, "/slow") == 0) {
        usleep(800 * 1000);
        reply(conn, 200, NULL, "{}");
    } else {
        reply(conn, 404, NULL, "{}");
    }
    return 1;
}

static int start_fake(void **state)
{
    (void)state;
    char err[256];
    httpc_global_init();
    server = http_server_start("127.0.0.1", 0, 8, err, sizeof(err));
    if (!server)
        return -1;
    mg_set_request_handler(server, "/", fake_handler, NULL);
    struct mg_server_port ports[2];
    if (mg_get_server_ports(server, 2, ports) < 1)
        return -1;
    port = ports[0].port;
    return 0;
}

static int stop_fake(void **state)
{
    (void)state;
    mg_stop(server);
    return 0;
}

/* Runs one request; returns httpc_request's result and the elapsed seconds. */
static int call(const char *method, const char *path, const char *body,
                const httpc_policy_t *policy, httpc_response_t *r, char *err, size_t errsize,
                double *seconds)
{
    char url[256];
    snprintf(url, sizeof(url), "http://127.0.0.1:%d%s", port, path);
    int64_t t0 = util_now_us();
    int rc =
        httpc_request(method, url, NULL, body, body ? strlen(body) : 0, policy, r, err, errsize);
    *seconds = (double)(util_now_us() - t0) / 1e6;
    return rc;
}

static void test_500_then_200(void **state)
{
    (void)state;
    httpc_response_t r;
    char err[256];
    double s;
    assert_int_equal(call("GET", "/flaky", NULL, NULL, &r, err, sizeof(err), &s), 0);
    assert_int_equal(r.status, 200);
    assert_int_equal(r.attempts, 2);
    assert_string_equal(r.body, "{\"ok\":true}");
    assert_string_equal(r.content_type, "application/json");
    assert_true(s >= 0.37 && s < 2.0); /* one backoff of 375..500 ms */
    httpc_response_free(&r);
}

static void test_429_retry_after_seconds(void **state)
{
    (void)state;
    httpc_response_t r;
    char err[256];
    double s;
    assert_int_equal(call("GET", "/limited", NULL, NULL, &r, err, sizeof(err), &s), 0);
    assert_int_equal(r.status, 200);
    assert_int_equal(r.attempts, 2);
    assert_true(s >= 0.99 && s < 3.0);
    httpc_response_free(&r);
}

static void test_retry_after_ms(void **state)
{
    (void)state;
    httpc_response_t r;
    char err[256];
    double s;
    assert_int_equal(call("GET", "/ms", NULL, NULL, &r, err, sizeof(err), &s), 0);
    assert_int_equal(r.status, 200);
    assert_int_equal(r.attempts, 2);
    assert_true(s >= 0.19 && s < 2.0); /* 200 ms, not the 30 s of Retry-After */
    httpc_response_free(&r);
}

static void test_503_exhausts_retries(void **state)
{
    (void)state;
    httpc_response_t r;
    char err[256];
    double s;
    assert_int_equal(call("GET", "/always503", NULL, NULL, &r, err, sizeof(err), &s), 0);
    assert_int_equal(r.status, 503);
    assert_int_equal(r.attempts, 3);
    assert_int_equal(atomic_load(&hits[P_ALWAYS503]), 3);
    assert_string_equal(r.body, "{\"error\":\"overloaded\"}");
    httpc_response_free(&r);
}

static void test_should_retry_header(void **state)
{
    (void)state;
    httpc_response_t r;
    char err[256];
    double s;
    assert_int_equal(call("GET", "/noretry", NULL, NULL, &r, err, sizeof(err), &s), 0);
    assert_int_equal(r.status, 500);
    assert_int_equal(r.attempts, 1);
    assert_int_equal(r.should_retry, 0);
    httpc_response_free(&r);
    assert_int_equal(call("GET", "/force", NULL, NULL, &r, err, sizeof(err), &s), 0);
    assert_int_equal(r.status, 200);
    assert_int_equal(r.attempts, 2);
    httpc_response_free(&r);
}

static void test_http_date_retry_after(void **state)
{
    (void)state;
    httpc_response_t r;
    char err[256];
    double s;
    /* an hour away is beyond max_retry_after_s: the 503 is returned at once */
    assert_int_equal(call("GET", "/date-far", NULL, NULL, &r, err, sizeof(err), &s), 0);
    assert_int_equal(r.status, 503);
    assert_int_equal(r.attempts, 1);
    assert_true(r.retry_after_ms > 3500000);
    assert_true(s < 1.0);
    httpc_response_free(&r);
    /* two seconds away (whole seconds: 1..2 s from now) is waited for */
    assert_int_equal(call("GET", "/date-soon", NULL, NULL, &r, err, sizeof(err), &s), 0);
    assert_int_equal(r.status, 200);
    assert_int_equal(r.attempts, 2);
    assert_true(s >= 0.9 && s < 4.0);
    httpc_response_free(&r);
}

static void test_body_limit(void **state)
{
    (void)state;
    httpc_response_t r;
    char err[256];
    double s;
    httpc_policy_t p;
    httpc_policy_default(&p);
    p.max_response = 1000;
    assert_int_equal(call("GET", "/big", NULL, &p, &r, err, sizeof(err), &s), -1);
    assert_int_equal(r.attempts, 1);
    assert_non_null(strstr(err, "response body larger than 1000 bytes"));
    httpc_response_free(&r);
    p.max_response = 20000;
    assert_int_equal(call("GET", "/big", NULL, &p, &r, err, sizeof(err), &s), 0);
    assert_int_equal(r.body_len, 10000);
    httpc_response_free(&r);
}

static void test_post_headers_and_body(void **state)
{
    (void)state;
    httpc_response_t r;
    char err[256], url[256];
    char body[2048];
    memset(body, 'b', sizeof(body) - 1); /* > 1 KiB: curl would add Expect: 100-continue */
    body[sizeof(body) - 1] = '\0';
    body[0] = '{';
    struct curl_slist *h = curl_slist_append(NULL, "Authorization: Bearer sk-test");
    snprintf(url, sizeof(url), "http://127.0.0.1:%d/echo?key=secret", port);
    assert_int_equal(httpc_request("POST", url, h, "{\"a\":1}", 7, NULL, &r, err, sizeof(err)), 0);
    assert_int_equal(r.status, 201);
    assert_string_equal(r.body, "{\"a\":1}");
    assert_string_equal(r.location, "/things/POST");
    httpc_response_free(&r);
    assert_int_equal(httpc_request("PUT", url, h, "xyz", 3, NULL, &r, err, sizeof(err)), 0);
    assert_string_equal(r.location, "/things/PUT");
    assert_string_equal(r.body, "xyz");
    httpc_response_free(&r);
    double s;
    int64_t t0 = util_now_us();
    assert_int_equal(httpc_request("POST", url, h, body, strlen(body), NULL, &r, err, sizeof(err)),
                     0);
    s = (double)(util_now_us() - t0) / 1e6;
    assert_string_equal(r.body, "len=2047 auth=Bearer sk-test expect=-");
    assert_true(s < 0.5);
    httpc_response_free(&r);
    curl_slist_free_all(h);
}

static void test_transport_errors(void **state)
{
    (void)state;
    httpc_response_t r;
    char err[256];
    double s;
    httpc_policy_t p;
    httpc_policy_default(&p);
    p.max_retries = 1;
    p.timeout_ms = 200;
    assert_int_equal(call("GET", "/slow?token=hide-me", NULL, &p, &r, err, sizeof(err), &s), -1);
    assert_int_equal(r.status, 0);
    assert_int_equal(r.attempts, 2);
    assert_non_null(strstr(err, "GET http://127.0.0.1:"));
    assert_non_null(strstr(err, "/slow: "));
    assert_null(strstr(err, "hide-me"));
    httpc_response_free(&r);

    /* nothing listens on port 1: connection refused, retried, then -1 */
    assert_int_equal(
        httpc_request("GET", "http://127.0.0.1:1/x", NULL, NULL, 0, &p, &r, err, sizeof(err)), -1);
    assert_int_equal(r.attempts, 2);
    assert_null(r.body);
    httpc_response_free(&r);

    assert_int_equal(
        httpc_request("GET", "file:///etc/passwd", NULL, NULL, 0, &p, &r, err, sizeof(err)), -1);
    httpc_response_free(&r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_sink_cap),
        cmocka_unit_test(test_should_retry),
        cmocka_unit_test(test_retry_delay),
        cmocka_unit_test(test_parse_retry_after),
        cmocka_unit_test(test_header_cb),
        cmocka_unit_test(test_500_then_200),
        cmocka_unit_test(test_429_retry_after_seconds),
        cmocka_unit_test(test_retry_after_ms),
        cmocka_unit_test(test_503_exhausts_retries),
        cmocka_unit_test(test_should_retry_header),
        cmocka_unit_test(test_http_date_retry_after),
        cmocka_unit_test(test_body_limit),
        cmocka_unit_test(test_post_headers_and_body),
        cmocka_unit_test(test_transport_errors),
    };
    return cmocka_run_group_tests_name("httpc", tests, start_fake, stop_fake);
}
