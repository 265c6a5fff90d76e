/* Tests of the civetweb helpers: a real civetweb server in-process on 127.0.0.1, driven with
 * libcurl (routing, 404/405, CORS, request ids, bodies, 100-continue, metrics, keep-alive). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <stdatomic.h>
#include <string.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cmocka.h>
#include <curl/curl.h>

#include "common/http.h"
#include "common/metrics.h"
#include "common/util.h"

/* ---- handlers under test ---- */

static int h_list(http_request_t *req)
{
    cJSON *arr = cJSON_CreateArray();
    cJSON_AddItemToArray(arr, cJSON_CreateNumber(1));
    return http_send_json(req, 200, arr, "Link: </api/items?cursor=2>; rel=\"next\"\r\n");
}

static int h_create(http_request_t *req)
{
    cJSON *root = http_read_json(req, 64);
    if (!root)
        return req->status;
    cJSON *title = cJSON_GetObjectItemCaseSensitive(root, "title");
    if (!cJSON_IsString(title)) {
        cJSON_Delete(root);
        return http_send_problem(req, 400, "title", "title must be a string");
    }
    cJSON *out = cJSON_CreateObject();
    cJSON_AddStringToObject(out, "title", title->valuestring);
    cJSON_Delete(root);
    return http_send_json(req, 201, out, "Location: /api/items/7\r\n");
}

static int h_get(http_request_t *req)
{
    int64_t id = 0;
    if (http_param_id(req, 0, &id) < 0)
        return http_send_problem(req, 404, NULL, "no item %s", req->params[0]);
    cJSON *out = cJSON_CreateObject();
    cJSON_AddNumberToObject(out, "id", (double)id);
    return http_send_json(req, 200, out, NULL);
}

static int h_delete(http_request_t *req)
{
    return http_send_json(req, 204, NULL, NULL);
}

static int h_image(http_request_t *req)
{
    char text[256];
    snprintf(text, sizeof(text), "%zu:%s:%s", req->nparams, req->params[0], req->params[1]);
    return http_send_body(req, 200, "text/plain", text, strlen(text), NULL);
}

static int h_files(http_request_t *req)
{
    char text[256];
    snprintf(text, sizeof(text), "rest=%s", req->params[0]);
    return http_send_body(req, 200, "text/plain", text, strlen(text), NULL);
}

static int h_query(http_request_t *req)
{
    char buf[16], text[64];
    int n = http_query(req, "name", buf, sizeof(buf));
    snprintf(text, sizeof(text), "%d:%s", n, n >= 0 ? buf : "");
    return http_send_body(req, 200, "text/plain", text, strlen(text), NULL);
}

static int h_raw(http_request_t *req)
{
    char *body = NULL;
    size_t len = 0;
    if (http_read_body(req, 100, &body, &len) < 0)
        return http_send_problem(req, 413, NULL, "too large");
    char text[64];
    snprintf(text, sizeof(text), "len=%zu", len);
    free(body);
    return http_send_body(req, 200, "text/plain", text, strlen(text), NULL);
}

static int h_forgets(http_request_t *req)
{
    (void)req;
    return 200;
}

static const http_route_t routes[] = {
    {"GET", "/api/items", h_list},
    {"POST", "/api/items", h_create},
    {"GET", "/api/items/{id}", h_get},
    {"DELETE", "/api/items/{id}", h_delete},
    {"GET", "/api/items/{id}/images/{image_id}", h_image},
    {"GET", "/files/*", h_files},
    {"GET", "/q", h_query},
    {"POST", "/raw", h_raw},
    {"GET", "/forgets", h_forgets},
};

/* ---- server and client ---- */

static struct mg_context *server;
static char base_url[64];

static int start_server(void **state)
{
    (void)state;
    char err[256];
    curl_global_init(CURL_GLOBAL_DEFAULT);
    server = http_server_start("127.0.0.1", 0, 4, err, sizeof(err));
    if (!server) {
        fprintf(stderr, "%s\n", err);
        return -1;
    }
    http_options_t opts = {.cors_origins = "http://localhost:5173, https://app.example",
                           .max_body = 1024};
    http_router_mount(server, routes, sizeof(routes) / sizeof(routes[0]), &opts, NULL);
    struct mg_server_port ports[2];
    if (mg_get_server_ports(server, 2, ports) < 1)
        return -1;
    snprintf(base_url, sizeof(base_url), "http://127.0.0.1:%d", ports[0].port);
    return 0;
}

static int stop_server(void **state)
{
    (void)state;
    mg_stop(server);
    curl_global_cleanup();
    return 0;
}

typedef struct {
    long status;
    char headers[4096];
    size_t hlen;
    char body[4096];
    size_t blen;
    double seconds;
    long connects;
} resp_t;

static size_t on_header(char *buf, size_t size, size_t n, void *ud)
{
    resp_t *r = ud;
    size_t len = size * n;
    if (r->hlen + len < sizeof(r->headers)) {
        memcpy(r->headers + r->hlen, buf, len);
        r->hlen += len;
        r->headers[r->hlen] = '\0';
    }
    return len;
}

static size_t on_body(char *buf, size_t size, size_t n, void *ud)
{
    resp_t *r = ud;
    size_t len = size * n;
    if (r->blen + len < sizeof(r->body)) {
        memcpy(r->body + r->blen, buf, len);
        r->blen += len;
        r->body[r->blen] = '\0';
    }
    return len;
}

/* Chunked upload source: `left` bytes of 'x'. */
static size_t upload_left;
static size_t on_read(char *buf, size_t size, size_t n, void *ud)
{
    (void)ud;
    size_t len = size * n;
    if (len > upload_left)
        len = upload_left;
    memset(buf, 'x', len);
    upload_left -= len;
    return len;
}

/* Performs one request on `curl` (reused between calls to test keep-alive). */
static void perform(CURL *curl, const char *method, const char *path, const char *headers_csv,
                    const char *body, resp_t *r)
{
    char url[512];
    memset(r, 0, sizeof(*r));
    snprintf(url, sizeof(url), "%s%s", base_url, path);
    struct curl_slist *hl = NULL;
    if (headers_csv) {
        char copy[1024];
        snprintf(copy, sizeof(copy), "%s", headers_csv);
        char *save = NULL;
        for (char *h = strtok_r(copy, "|", &save); h; h = strtok_r(NULL, "|", &save))
            hl = curl_slist_append(hl, h);
    }
    curl_easy_setopt(curl, CURLOPT_URL, url);
    curl_easy_setopt(curl, CURLOPT_CUSTOMREQUEST, method);
    curl_easy_setopt(curl, CURLOPT_NOBODY, strcmp(method, "HEAD") == 0 ? 1L : 0L);
    curl_easy_setopt(curl, CURLOPT_HTTPHEADER, hl);
    curl_easy_setopt(curl, CURLOPT_HEADERFUNCTION, on_header);
    curl_easy_setopt(curl, CURLOPT_HEADERDATA, r);
    curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(curl, CURLOPT_WRITEDATA, r);
    curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, 10000L);
    curl_easy_setopt(curl, CURLOPT_EXPECT_100_TIMEOUT_MS, 3000L);
    if (body) {
        curl_easy_setopt(curl, CURLOPT_POSTFIELDS, body);
        curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE, (long)strlen(body));
    } else if (upload_left) {
        curl_easy_setopt(curl, CURLOPT_POST, 1L);
        curl_easy_setopt(curl, CURLOPT_POSTFIELDS, NULL);
        curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE, -1L);
        curl_easy_setopt(curl, CURLOPT_READFUNCTION, on_read);
    }
    if (strcmp(method, "GET") == 0 || strcmp(method, "HEAD") == 0)
        curl_easy_setopt(curl, CURLOPT_HTTPGET, 1L);
    if (strcmp(method, "HEAD") == 0)
        curl_easy_setopt(curl, CURLOPT_NOBODY, 1L);
    int64_t t0 = util_now_us();
    CURLcode rc = curl_easy_perform(curl);
    r->seconds = (double)(util_now_us() - t0) / 1e6;
    assert_int_equal(rc, CURLE_OK);
    curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &r->status);
    curl_easy_getinfo(curl, CURLINFO_NUM_CONNECTS, &r->connects);
    curl_easy_setopt(curl, CURLOPT_HTTPHEADER, NULL);
    curl_slist_free_all(hl);
}

static void request(const char *method, const char *path, const char *headers_csv, const char *body,
                    resp_t *r)
{
    CURL *curl = curl_easy_init();
    assert_non_null(curl);
    perform(curl, method, path, headers_csv, body, r);
    curl_easy_cleanup(curl);
}

static bool has_header(const resp_t *r, const char *line)
{
    return strcasestr(r->headers, line) != NULL;
}

/* ---- tests ---- */

static void test_routes_and_params(void **state)
{
    (void)state;
    resp_t r;
    request("GET", "/api/items", NULL, NULL, &r);
    assert_int_equal(r.status, 200);
    assert_string_equal(r.body, "[1]");
    assert_true(has_header(&r, "Content-Type: application/json\r\n"));
    assert_true(has_header(&r, "Cache-Control: no-store\r\n"));
    assert_true(has_header(&r, "X-Content-Type-Options: nosniff\r\n"));
    assert_true(has_header(&r, "Content-Length: 3\r\n"));
    assert_true(has_header(&r, "Link: </api/items?cursor=2>; rel=\"next\"\r\n"));

    request("GET", "/api/items/42", NULL, NULL, &r);
    assert_int_equal(r.status, 200);
    assert_string_equal(r.body, "{\"id\":42}");
    request("GET", "/api/items/42/", NULL, NULL, &r); /* trailing slash tolerated */
    assert_int_equal(r.status, 200);
    request("GET", "/api/items/abc", NULL, NULL, &r);
    assert_int_equal(r.status, 404);
    assert_string_equal(r.body, "{\"type\":\"about:blank\",\"title\":\"Not Found\",\"status\":404,"
                                "\"detail\":\"no item abc\"}");
    request("GET", "/api/items/0", NULL, NULL, &r);
    assert_int_equal(r.status, 404);
    request("GET", "/api/items/99999999999999999999", NULL, NULL, &r);
    assert_int_equal(r.status, 404);

    request("GET", "/api/items/5/images/abc.jpg", NULL, NULL, &r);
    assert_int_equal(r.status, 200);
    assert_string_equal(r.body, "2:5:abc.jpg");
    request("GET", "/files/a/b/c.txt", NULL, NULL, &r);
    assert_string_equal(r.body, "rest=a/b/c.txt");
    assert_false(has_header(&r, "Cache-Control")); /* only JSON is marked no-store */
    request("GET", "/files/", NULL, NULL, &r);
    assert_string_equal(r.body, "rest=");

    request("DELETE", "/api/items/5", NULL, NULL, &r);
    assert_int_equal(r.status, 204);
    assert_false(has_header(&r, "Content-Length"));
    assert_int_equal(r.blen, 0);

    request("HEAD", "/api/items/42", NULL, NULL, &r);
    assert_int_equal(r.status, 200);
    assert_true(has_header(&r, "Content-Length: 9\r\n"));
    assert_int_equal(r.blen, 0);
}

static void test_not_found_and_method(void **state)
{
    (void)state;
    resp_t r;
    request("GET", "/nope", NULL, NULL, &r);
    assert_int_equal(r.status, 404);
    assert_true(has_header(&r, "Content-Type: application/problem+json\r\n"));
    assert_non_null(strstr(r.body, "\"detail\":\"no such resource: /nope\""));
    request("GET", "/api/items/1/images", NULL, NULL, &r); /* {image_id} must not be empty */
    assert_int_equal(r.status, 404);
    request("GET", "/api/items/1/images/", NULL, NULL, &r);
    assert_int_equal(r.status, 404);

    request("PUT", "/api/items/5", NULL, NULL, &r);
    assert_int_equal(r.status, 405);
    assert_true(has_header(&r, "Allow: GET, HEAD, DELETE, OPTIONS\r\n"));
    assert_non_null(strstr(r.body, "\"status\":405"));
    assert_non_null(strstr(r.body, "method PUT is not allowed here"));

    /* methods civetweb itself does not know (it would answer 400 text/plain): 405 with Allow,
     * problem+json, as for any other; on an unrouted path 404 */
    request("TRACE", "/api/items/5", NULL, NULL, &r);
    assert_int_equal(r.status, 405);
    assert_true(has_header(&r, "Allow: GET, HEAD, DELETE, OPTIONS\r\n"));
    assert_true(has_header(&r, "Content-Type: application/problem+json\r\n"));
    assert_non_null(strstr(r.body, "method TRACE is not allowed here"));
    request("FROB", "/nope", NULL, NULL, &r);
    assert_int_equal(r.status, 404);
    assert_true(has_header(&r, "Content-Type: application/problem+json\r\n"));
    /* a backslash (civetweb cleans it into '/') names no path: not /api/items */
    request("GET", "/api/items/%5C", NULL, NULL, &r);
    assert_int_equal(r.status, 404);
}

static void test_cors(void **state)
{
    (void)state;
    resp_t r;
    request("GET", "/api/items", "Origin: http://localhost:5173", NULL, &r);
    assert_int_equal(r.status, 200);
    assert_true(has_header(&r, "Access-Control-Allow-Origin: http://localhost:5173\r\n"));
    assert_true(has_header(&r, "Vary: Origin\r\n"));
    assert_true(has_header(&r, "Access-Control-Expose-Headers: Location, Link, X-Request-Id\r\n"));

    request("GET", "/api/items", "Origin: http://evil.example", NULL, &r);
    assert_int_equal(r.status, 200);
    assert_false(has_header(&r, "Access-Control-Allow-Origin"));
    assert_true(has_header(&r, "Vary: Origin\r\n"));

    request("OPTIONS", "/api/items",
            "Origin: https://app.example|Access-Control-Request-Method: POST|"
            "Access-Control-Request-Headers: content-type",
            NULL, &r);
    assert_int_equal(r.status, 204);
    assert_true(has_header(&r, "Access-Control-Allow-Origin: https://app.example\r\n"));
    assert_true(has_header(&r, "Access-Control-Allow-Methods: GET, HEAD, POST, OPTIONS\r\n"));
    assert_true(has_header(&r, "Access-Control-Allow-Headers: Content-Type, Authorization"));
    assert_true(has_header(&r, "Access-Control-Max-Age: 600\r\n"));

    request("OPTIONS", "/api/items", "Origin: http://evil.example", NULL, &r);
    assert_int_equal(r.status, 204);
    assert_true(has_header(&r, "Allow: GET, HEAD, POST, OPTIONS\r\n"));
    assert_false(has_header(&r, "Access-Control-Allow-Origin"));
    assert_false(has_header(&r, "Access-Control-Allow-Methods"));
}

static void test_request_id(void **state)
{
    (void)state;
    resp_t r;
    request("GET", "/api/items", "X-Request-Id: abc-123.x_y:z", NULL, &r);
    assert_true(has_header(&r, "X-Request-Id: abc-123.x_y:z\r\n"));
    request("GET", "/api/items", "X-Request-Id: bad id with spaces", NULL, &r);
    assert_false(has_header(&r, "bad id"));
    const char *h = strcasestr(r.headers, "X-Request-Id: ");
    assert_non_null(h);
    h += strlen("X-Request-Id: ");
    assert_int_equal(strcspn(h, "\r"), 36);
    assert_int_equal(h[14], '4'); /* a v4 UUID */
    char first[40];
    snprintf(first, sizeof(first), "%.36s", h);
    request("GET", "/api/items", NULL, NULL, &r);
    assert_null(strstr(r.headers, first)); /* a new one each time */
}

static void test_json_bodies(void **state)
{
    (void)state;
    resp_t r;
    request("POST", "/api/items", "Content-Type: application/json", "{\"title\":\"lamp\"}", &r);
    assert_int_equal(r.status, 201);
    assert_true(has_header(&r, "Location: /api/items/7\r\n"));
    assert_string_equal(r.body, "{\"title\":\"lamp\"}");

    request("POST", "/api/items", "Content-Type: application/json; charset=utf-8",
            "  {\"title\":\"x\"}\n", &r);
    assert_int_equal(r.status, 201);

    request("POST", "/api/items", "Content-Type: text/plain", "{\"title\":\"lamp\"}", &r);
    assert_int_equal(r.status, 415);
    assert_non_null(strstr(r.body, "Content-Type must be application/json"));

    request("POST", "/api/items", "Content-Type: application/json", "{\"title\":\n  lamp}", &r);
    assert_int_equal(r.status, 400);
    assert_non_null(strstr(r.body, "invalid JSON at byte 12 (line 2, column 3)"));

    request("POST", "/api/items", "Content-Type: application/json", "{} []", &r);
    assert_int_equal(r.status, 400);
    assert_non_null(strstr(r.body, "unexpected data after the JSON value at byte 3"));

    request("POST", "/api/items", "Content-Type: application/json", "[1]", &r);
    assert_int_equal(r.status, 400);
    assert_non_null(strstr(r.body, "request body must be a JSON object"));

    request("POST", "/api/items", "Content-Type: application/json", "", &r);
    assert_int_equal(r.status, 400);
    assert_non_null(strstr(r.body, "request body is empty"));

    request("POST", "/api/items", "Content-Type: application/json", "{\"title\":1}", &r);
    assert_int_equal(r.status, 400);
    assert_non_null(strstr(r.body, "\"field\":\"title\""));

    char big[200];
    memset(big, ' ', sizeof(big) - 1);
    big[0] = '{';
    big[sizeof(big) - 2] = '}';
    big[sizeof(big) - 1] = '\0';
    request("POST", "/api/items", "Content-Type: application/json", big, &r);
    assert_int_equal(r.status, 413);
    assert_non_null(strstr(r.body, "request body is larger than 64 bytes"));
    assert_true(has_header(&r, "Connection: close\r\n"));
}

static void test_raw_bodies(void **state)
{
    (void)state;
    resp_t r;
    request("POST", "/raw", NULL, "hello", &r);
    assert_int_equal(r.status, 200);
    assert_string_equal(r.body, "len=5");

    /* chunked: no Content-Length, read until the limit */
    upload_left = 100;
    request("POST", "/raw", "Transfer-Encoding: chunked", NULL, &r);
    assert_int_equal(r.status, 200);
    assert_string_equal(r.body, "len=100");
    upload_left = 5000;
    request("POST", "/raw", "Transfer-Encoding: chunked", NULL, &r);
    assert_int_equal(r.status, 413);
    upload_left = 0;
}

static void test_expect_continue(void **state)
{
    (void)state;
    resp_t r;
    /* curl waits up to 3 s (CURLOPT_EXPECT_100_TIMEOUT_MS) unless the server answers 100 */
    request("POST", "/raw", "Expect: 100-continue", "0123456789", &r);
    assert_int_equal(r.status, 200);
    assert_string_equal(r.body, "len=10");
    assert_true(r.seconds < 1.0);
    assert_true(has_header(&r, "HTTP/1.1 100 Continue"));

    /* over the limit: the final status comes at once, the body is never sent */
    char big[300];
    memset(big, 'a', sizeof(big) - 1);
    big[sizeof(big) - 1] = '\0';
    request("POST", "/raw", "Expect: 100-continue", big, &r);
    assert_int_equal(r.status, 413);
    assert_true(r.seconds < 1.0);
    assert_false(has_header(&r, "100 Continue"));
}

static void test_query(void **state)
{
    (void)state;
    resp_t r;
    request("GET", "/q?x=1&name=a%20b+c", NULL, NULL, &r);
    assert_string_equal(r.body, "5:a b c");
    request("GET", "/q?x=1", NULL, NULL, &r);
    assert_string_equal(r.body, "-1:");
    request("GET", "/q", NULL, NULL, &r);
    assert_string_equal(r.body, "-1:");
    request("GET", "/q?name=0123456789abcdefghij", NULL, NULL, &r);
    assert_string_equal(r.body, "-2:");
}

static void test_handler_without_response(void **state)
{
    (void)state;
    resp_t r;
    request("GET", "/forgets", NULL, NULL, &r);
    assert_int_equal(r.status, 500);
    assert_non_null(strstr(r.body, "the handler sent no response"));
}

static void test_keep_alive(void **state)
{
    (void)state;
    CURL *curl = curl_easy_init();
    resp_t r;
    for (int i = 0; i < 5; i++) {
        perform(curl, "GET", "/api/items/1", NULL, NULL, &r);
        assert_int_equal(r.status, 200);
        assert_int_equal(r.connects, i == 0 ? 1 : 0);
    }
    /* a 404 and a 405 keep the connection too */
    perform(curl, "GET", "/nope", NULL, NULL, &r);
    perform(curl, "POST", "/raw", NULL, "abc", &r);
    assert_string_equal(r.body, "len=3");
    assert_int_equal(r.connects, 0);
    /* a body nobody read must not be taken for the next request */
    perform(curl, "POST", "/nope", NULL, "GET /api/items HTTP/1.1\r\n\r\n", &r);
    assert_int_equal(r.status, 404);
    perform(curl, "GET", "/api/items/3", NULL, NULL, &r);
    assert_int_equal(r.status, 200);
    assert_string_equal(r.body, "{\"id\":3}");
    curl_easy_cleanup(curl);
}

/* The value of the series `series` ("name{labels}") in a rendering, or -1 when absent. */
static long long metric_value(const char *series)
{
    char *text = metrics_render();
    char needle[512];
    snprintf(needle, sizeof(needle), "\n%s ", series);
    const char *p = strstr(text, needle);
    long long v = p ? atoll(p + strlen(needle)) : -1;
    free(text);
    return v;
}

static void test_metrics(void **state)
{
    (void)state;
    resp_t r;
    const char *ok = "bb_http_requests_total{route=\"/api/items/{id}/images/{image_id}\","
                     "code=\"200\"}";
    const char *count = "bb_http_request_duration_seconds_count{route=\"/api/items/{id}/"
                        "images/{image_id}\"}";
    long long before = metric_value(ok);
    long long count_before = metric_value(count);
    for (int i = 0; i < 3; i++)
        request("GET", "/api/items/9/images/x", NULL, NULL, &r);
    request("GET", "/does/not/exist", NULL, NULL, &r);
    assert_int_equal(metric_value(ok), (before < 0 ? 0 : before) + 3);
    assert_int_equal(metric_value(count), (count_before < 0 ? 0 : count_before) + 3);
    assert_true(metric_value("bb_http_requests_total{route=\"unmatched\",code=\"404\"}") >= 1);
    char *text = metrics_render();
    assert_non_null(strstr(text, "# TYPE bb_http_requests_total counter\n"));
    assert_non_null(strstr(text, "# TYPE bb_http_request_duration_seconds histogram\n"));
    free(text);
}

/* ---- fallback handler and taking a connection away from civetweb ---- */

/* written by the workers' handlers, read by the test thread */
static _Atomic int taken_fds[3] = {-1, -1, -1};
static atomic_int ntaken;

static int h_fallback(http_request_t *req)
{
    return http_send_body(req, 200, "text/plain", "fallback", 8, NULL);
}

static int h_stream(http_request_t *req)
{
    int status = http_send_stream_head(req, 200, "text/event-stream", "X-Test: 1\r\n");
    int i = atomic_fetch_add(&ntaken, 1);
    if (i < 3)
        atomic_store(&taken_fds[i], http_take_socket(req));
    return status;
}

static const http_route_t stream_routes[] = {{"GET", "/stream", h_stream}};

/* A raw request on a new connection: returns the socket, the response head read into head. */
static int raw_request(int port, const char *method, const char *path, char *head, size_t size)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
    inet_pton(AF_INET, "127.0.0.1", &a.sin_addr);
    assert_int_equal(connect(fd, (struct sockaddr *)&a, sizeof(a)), 0);
    char req[256];
    int n = snprintf(req, sizeof(req), "%s %s HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n",
                     method, path);
    assert_int_equal(write(fd, req, (size_t)n), n);
    size_t got = 0;
    head[0] = '\0';
    while (got + 1 < size && !strstr(head, "\r\n\r\n")) {
        ssize_t r = read(fd, head + got, size - 1 - got);
        if (r <= 0)
            break;
        got += (size_t)r;
        head[got] = '\0';
    }
    return fd;
}

/* The taken descriptor whose peer is this client socket; -1 when none within 3 s (the
 * handler may still be running when the client has its response head). */
static int taken_for(int client_fd)
{
    struct sockaddr_in mine, peer;
    socklen_t len = sizeof(mine);
    getsockname(client_fd, (struct sockaddr *)&mine, &len);
    for (int64_t deadline = util_now_ms() + 3000; util_now_ms() < deadline; usleep(5000)) {
        for (int i = 0; i < 3; i++) {
            int fd = atomic_load(&taken_fds[i]);
            len = sizeof(peer);
            if (fd >= 0 && getpeername(fd, (struct sockaddr *)&peer, &len) == 0 &&
                peer.sin_port == mine.sin_port)
                return fd;
        }
    }
    return -1;
}

static void test_fallback_and_take_socket(void **state)
{
    (void)state;
    char err[256], head[2048];
    struct mg_context *srv = http_server_start("127.0.0.1", 0, 2, err, sizeof(err));
    assert_non_null(srv);
    http_options_t opts = {.fallback = h_fallback};
    http_router_mount(srv, stream_routes, 1, &opts, NULL);
    struct mg_server_port ports[2];
    assert_true(mg_get_server_ports(srv, 2, ports) >= 1);
    int port = ports[0].port;
    int fd = raw_request(port, "GET", "/some/deep/link", head, sizeof(head));
    assert_non_null(strstr(head, "HTTP/1.1 200"));
    close(fd);
    fd = raw_request(port, "POST", "/some/deep/link", head, sizeof(head));
    assert_non_null(strstr(head, "HTTP/1.1 404")); /* other methods: no fallback */
    close(fd);
    /* three streams on two workers: each handler returns at once, the streams stay open */
    int clients[3];
    for (int i = 0; i < 3; i++) {
        clients[i] = raw_request(port, "GET", "/stream", head, sizeof(head));
        assert_non_null(strstr(head, "HTTP/1.1 200"));
        assert_non_null(strstr(head, "Content-Type: text/event-stream\r\n"));
        assert_non_null(strstr(head, "X-Test: 1\r\n"));
        assert_null(strstr(head, "Content-Length"));
    }
    fd = raw_request(port, "GET", "/other", head, sizeof(head));
    assert_non_null(strstr(head, "HTTP/1.1 200")); /* a worker is free */
    close(fd);
    for (int i = 0; i < 3; i++) {
        /* the handlers ran on several workers: pair each client with its taken socket */
        int taken = taken_for(clients[i]);
        assert_true(taken >= 0);
        assert_int_equal(write(taken, "data: x\n\n", 9), 9);
        char buf[64] = "";
        assert_int_equal(read(clients[i], buf, sizeof(buf) - 1), 9);
        assert_string_equal(buf, "data: x\n\n");
        close(taken);
        assert_int_equal(read(clients[i], buf, sizeof(buf)), 0); /* closed by its owner */
        close(clients[i]);
    }
    mg_stop(srv);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_routes_and_params),
        cmocka_unit_test(test_not_found_and_method),
        cmocka_unit_test(test_cors),
        cmocka_unit_test(test_request_id),
        cmocka_unit_test(test_json_bodies),
        cmocka_unit_test(test_raw_bodies),
        cmocka_unit_test(test_expect_continue),
        cmocka_unit_test(test_query),
        cmocka_unit_test(test_handler_without_response),
        cmocka_unit_test(test_keep_alive),
        cmocka_unit_test(test_metrics),
        cmocka_unit_test(test_fallback_and_take_socket),
    };
    return cmocka_run_group_tests_name("http", tests, start_server, stop_server);
}
