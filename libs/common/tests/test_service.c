/* Tests of the service lifecycle: the signal thread (first signal stops, second exits 1,
 * SIGPIPE harmless) and the /healthz, /readyz, /metrics server. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>
#include <curl/curl.h>

#include "common/metrics.h"
#include "common/service.h"
#include "common/util.h"

/* Runs in a child: exit codes tell the parent what happened. */
static void signal_child(void)
{
    if (service_signals_init() != 0)
        _exit(10);
    /* SIGPIPE is blocked: writing to a pipe without reader gives EPIPE, not death */
    int fds[2];
    if (pipe(fds) != 0)
        _exit(11);
    close(fds[0]);
    if (write(fds[1], "x", 1) != -1 || errno != EPIPE)
        _exit(12);
    kill(getpid(), SIGTERM);
    for (int i = 0; i < 200 && !service_stop; i++)
        usleep(10000);
    if (!service_stop)
        _exit(13);
    kill(getpid(), SIGINT); /* the second signal: _exit(1) from the signal thread */
    sleep(5);
    _exit(14);
}

static void test_signals(void **state)
{
    (void)state;
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0)
        signal_child();
    int status = 0;
    assert_int_equal(waitpid(pid, &status, 0), pid);
    assert_true(WIFEXITED(status));
    assert_int_equal(WEXITSTATUS(status), 1);
}

/* A first signal alone only sets the flag; the process keeps running and exits normally. */
static void test_single_signal_sets_flag(void **state)
{
    (void)state;
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        if (service_signals_init() != 0)
            _exit(10);
        kill(getpid(), SIGTERM);
        int stopped = util_sleep_ms(2000, &service_stop);
        _exit(stopped ? 0 : 13);
    }
    int status = 0;
    assert_int_equal(waitpid(pid, &status, 0), pid);
    assert_true(WIFEXITED(status));
    assert_int_equal(WEXITSTATUS(status), 0);
}

static bool probe_flag(void *ctx, char *detail, size_t size)
{
    bool ok = *(bool *)ctx;
    snprintf(detail, size, "%s", ok ? "ok" : "connection refused");
    return ok;
}

static void test_readiness_json(void **state)
{
    (void)state;
    bool up = true, down = false, ready = true;
    service_probe_t probes[] = {{"postgres", probe_flag, &up}, {"kafka", probe_flag, &down}};
    char *text = service_readiness_json("api", probes, 2, &ready);
    assert_false(ready);
    assert_string_equal(text, "{\"status\":\"not_ready\",\"service\":\"api\",\"checks\":{"
                              "\"postgres\":{\"ok\":true,\"detail\":\"ok\"},"
                              "\"kafka\":{\"ok\":false,\"detail\":\"connection refused\"}}}");
    free(text);
    text = service_readiness_json("api", probes, 1, &ready);
    assert_true(ready);
    free(text);
    text = service_readiness_json("api", NULL, 0, &ready);
    assert_true(ready);
    assert_string_equal(text, "{\"status\":\"ready\",\"service\":\"api\",\"checks\":{}}");
    free(text);
}

typedef struct {
    char body[8192];
    size_t len;
    long status;
    char ctype[128];
} resp_t;

static size_t on_body(char *buf, size_t size, size_t n, void *ud)
{
    resp_t *r = ud;
    size_t len = size * n;
    if (r->len + len < sizeof(r->body)) {
        memcpy(r->body + r->len, buf, len);
        r->len += len;
        r->body[r->len] = '\0';
    }
    return len;
}

static void get(int port, const char *path, resp_t *r)
{
    char url[128];
    memset(r, 0, sizeof(*r));
    snprintf(url, sizeof(url), "http://127.0.0.1:%d%s", port, path);
    CURL *curl = curl_easy_init();
    curl_easy_setopt(curl, CURLOPT_URL, url);
    curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(curl, CURLOPT_WRITEDATA, r);
    curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, 5000L);
    assert_int_equal(curl_easy_perform(curl), CURLE_OK);
    curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &r->status);
    char *ct = NULL;
    curl_easy_getinfo(curl, CURLINFO_CONTENT_TYPE, &ct);
    snprintf(r->ctype, sizeof(r->ctype), "%s", ct ? ct : "");
    curl_easy_cleanup(curl);
}

static void test_http_endpoints(void **state)
{
    (void)state;
    char err[256];
    bool pg_ok = true, kafka_ok = false;
    service_probe_t probes[] = {{"postgres", probe_flag, &pg_ok}, {"kafka", probe_flag, &kafka_ok}};
    metrics_inc(metrics_counter("t_service_things_total", "Things."), 5);
    service_http_t *sh = service_http_start("poster", "127.0.0.1", 0, probes, 2, err, sizeof(err));
    assert_non_null(sh);
    int port = service_http_port(sh);
    assert_true(port > 0);
    resp_t r;

    get(port, "/healthz", &r);
    assert_int_equal(r.status, 200);
    assert_string_equal(r.body, "{\"status\":\"ok\",\"service\":\"poster\"}");
    assert_string_equal(r.ctype, "application/json");

    get(port, "/readyz", &r);
    assert_int_equal(r.status, 503);
    assert_non_null(strstr(r.body, "\"status\":\"not_ready\""));
    assert_non_null(strstr(r.body, "\"kafka\":{\"ok\":false,\"detail\":\"connection refused\"}"));
    kafka_ok = true;
    get(port, "/readyz", &r);
    assert_int_equal(r.status, 200);
    assert_non_null(strstr(r.body, "\"status\":\"ready\""));

    get(port, "/metrics", &r);
    assert_int_equal(r.status, 200);
    assert_string_equal(r.ctype, "text/plain; version=0.0.4; charset=utf-8");
    assert_non_null(strstr(r.body, "# HELP t_service_things_total Things.\n"
                                   "# TYPE t_service_things_total counter\n"
                                   "t_service_things_total 5\n"));
    assert_non_null(strstr(r.body, "bb_http_requests_total{route=\"/readyz\",code=\"503\"} 1\n"));

    get(port, "/other", &r);
    assert_int_equal(r.status, 404);

    /* the port is taken: a second server fails with a reason */
    err[0] = '\0';
    service_http_t *again =
        service_http_start("poster", "127.0.0.1", port, probes, 2, err, sizeof(err));
    assert_null(again);
    assert_non_null(strstr(err, "cannot listen on 127.0.0.1:"));
    service_http_stop(sh);
    service_http_stop(NULL);
}

int main(void)
{
    curl_global_init(CURL_GLOBAL_DEFAULT);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_signals),
        cmocka_unit_test(test_single_signal_sets_flag),
        cmocka_unit_test(test_readiness_json),
        cmocka_unit_test(test_http_endpoints),
    };
    int rc = cmocka_run_group_tests_name("service", tests, NULL, NULL);
    curl_global_cleanup();
    return rc;
}
