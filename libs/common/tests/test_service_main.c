/* Tests of the service skeleton: the shared config rows merged with a service's own (one
 * default each, per-service defaults, features choosing rows, KAFKA_BOOTSTRAP_SERVERS
 * required unless offline), --help and --config-example from the same rows, the command
 * line, the shutdown order, and the context of LOG_MSG / LOG_REQ lines. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <curl/curl.h>

#include "common/http.h"
#include "common/kafka.h"
#include "common/log.h"
#include "common/service_main.h"

typedef struct {
    service_config_t svc;
    long long widgets;
} demo_config_t;

static const config_entry_t demo_rows[] = {
    CONFIG_ENTRY("DEMO_WIDGETS", CONFIG_INT, "3", 1, 10, false, demo_config_t, widgets,
                 "widgets made at once"),
};

static int demo_check(void *config, char *errstr, size_t errstr_size)
{
    const demo_config_t *cfg = config;
    if (cfg->widgets == 7) {
        snprintf(errstr, errstr_size, "DEMO_WIDGETS: 7 is unlucky");
        return -1;
    }
    return 0;
}

static const service_spec_t demo_spec = {
    .name = "demo",
    .summary = "  A demo service.",
    .features = SERVICE_KAFKA | SERVICE_CONSUMER | SERVICE_HEALTH,
    .health_port = "8099",
    .rows = demo_rows,
    .nrows = 1,
    .shared_offset = offsetof(demo_config_t, svc),
    .check = demo_check,
    .options = {{"--once", "do one thing offline", true}, {"--loud", "log more", false}},
};

static const char *const env_keys[] = {
    "LOG_LEVEL",        "KAFKA_BOOTSTRAP_SERVERS",
    "KAFKA_CLIENT_ID",  "KAFKA_GROUP_ID",
    "TOPIC_PARTITIONS", "TOPIC_REPLICATION",
    "HEALTH_HOST",      "HEALTH_PORT",
    "DEMO_WIDGETS",     NULL,
};

static int setup(void **state)
{
    (void)state;
    for (size_t i = 0; env_keys[i]; i++)
        unsetenv(env_keys[i]);
    /* no .env of the working directory may leak in */
    return chdir("/") == 0 ? 0 : -1;
}

static void test_shared_rows_and_defaults(void **state)
{
    (void)state;
    service_t svc;
    demo_config_t cfg;
    char err[256];
    memset(&svc, 0, sizeof(svc));
    memset(&cfg, 0, sizeof(cfg));
    setenv("KAFKA_BOOTSTRAP_SERVERS", "k1:9092", 1);
    setenv("TOPIC_PARTITIONS", "3", 1);
    assert_int_equal(service_config_load(&svc, &demo_spec, &cfg, false, err, sizeof(err)), 0);
    assert_string_equal(cfg.svc.kafka_bootstrap, "k1:9092");
    assert_string_equal(cfg.svc.kafka_client_id, "byebuy-demo");
    assert_string_equal(cfg.svc.kafka_group_id, "byebuy-demo");
    assert_int_equal(cfg.svc.topic_partitions, 3);
    assert_int_equal(cfg.svc.topic_replication, 1);
    assert_string_equal(cfg.svc.health_host, "127.0.0.1");
    assert_int_equal(cfg.svc.health_port, 8099);
    assert_string_equal(cfg.svc.log_level, "info");
    assert_int_equal(cfg.widgets, 3);
    service_config_free(&svc);
    assert_null(cfg.svc.kafka_bootstrap);

    /* the service's own check runs after loading */
    setenv("DEMO_WIDGETS", "7", 1);
    assert_int_equal(service_config_load(&svc, &demo_spec, &cfg, false, err, sizeof(err)), -1);
    assert_string_equal(err, "DEMO_WIDGETS: 7 is unlucky");
    service_config_free(&svc);
}

static void test_bootstrap_required_unless_offline(void **state)
{
    (void)state;
    service_t svc;
    demo_config_t cfg;
    char err[256];
    memset(&svc, 0, sizeof(svc));
    memset(&cfg, 0, sizeof(cfg));
    assert_int_equal(service_config_load(&svc, &demo_spec, &cfg, false, err, sizeof(err)), -1);
    assert_string_equal(err, "KAFKA_BOOTSTRAP_SERVERS: required but not set");
    service_config_free(&svc);
    assert_int_equal(service_config_load(&svc, &demo_spec, &cfg, true, err, sizeof(err)), 0);
    assert_null(cfg.svc.kafka_bootstrap);
    service_config_free(&svc);
}

static char *capture(void (*fn)(const service_spec_t *, FILE *), const service_spec_t *spec)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    assert_non_null(f);
    fn(spec, f);
    fclose(f);
    return buf;
}

static void test_help_and_example_from_the_same_rows(void **state)
{
    (void)state;
    char *help = capture(service_usage, &demo_spec);
    assert_non_null(
        strstr(help, "usage: byebuy-demo [--help | --config-example | --once | --loud]"));
    assert_non_null(strstr(help, "do one thing offline"));
    assert_non_null(strstr(help, "KAFKA_BOOTSTRAP_SERVERS"));
    assert_non_null(strstr(help, "(required)"));
    assert_non_null(strstr(help, "(default byebuy-demo)"));
    assert_non_null(strstr(help, "(default 8099)"));
    assert_non_null(strstr(help, "DEMO_WIDGETS"));
    free(help);

    char *example = capture(service_config_example, &demo_spec);
    assert_non_null(
        strstr(example, "# ---- demo ----\n# debug, info, warn or error\n#LOG_LEVEL=info"));
    assert_non_null(strstr(example, "#TOPIC_PARTITIONS=6\n"));
    assert_non_null(strstr(example, "#KAFKA_CLIENT_ID=byebuy-demo\n"));
    assert_non_null(strstr(example, "#HEALTH_PORT=8099\n"));
    assert_non_null(strstr(example, "#DEMO_WIDGETS=3\n"));
    free(example);

    /* the features choose the shared rows: a producer without a group or a health server */
    service_spec_t producer_only = demo_spec;
    producer_only.features = SERVICE_KAFKA;
    example = capture(service_config_example, &producer_only);
    assert_non_null(strstr(example, "#KAFKA_BOOTSTRAP_SERVERS="));
    assert_null(strstr(example, "KAFKA_GROUP_ID"));
    assert_null(strstr(example, "HEALTH_PORT"));
    free(example);
}

static void test_command_line(void **state)
{
    (void)state;
    service_t svc;
    demo_config_t cfg;
    memset(&cfg, 0, sizeof(cfg));
    char *bad[] = {"byebuy-demo", "--nope", NULL};
    assert_int_equal(service_begin(&svc, &demo_spec, &cfg, 2, bad), 2);

    /* an offline option: no Kafka needed, no signal thread; service_end frees the config */
    setenv("DEMO_WIDGETS", "5", 1);
    char *once[] = {"byebuy-demo", "--once", NULL};
    assert_int_equal(service_begin(&svc, &demo_spec, &cfg, 2, once), -1);
    assert_true(service_option(&svc, "--once"));
    assert_false(service_option(&svc, "--loud"));
    assert_int_equal(cfg.widgets, 5);
    assert_int_equal(service_end(&svc, NULL, 7), 7);
    assert_null(cfg.svc.log_level);

    /* a bad value: status 1 */
    setenv("DEMO_WIDGETS", "11", 1);
    assert_int_equal(service_begin(&svc, &demo_spec, &cfg, 2, once), 1);
}

/* ---- shutdown order ------------------------------------------------------------------ */

typedef struct {
    service_t *svc;
    char steps[64];
    long health_during_drain; /* HTTP status of /healthz while draining */
} order_t;

static long get_status(int port)
{
    char url[64];
    snprintf(url, sizeof(url), "http://127.0.0.1:%d/healthz", port);
    CURL *c = curl_easy_init();
    curl_easy_setopt(c, CURLOPT_URL, url);
    curl_easy_setopt(c, CURLOPT_NOBODY, 1L);
    curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, 2000L);
    long status = 0;
    if (curl_easy_perform(c) == CURLE_OK)
        curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
    curl_easy_cleanup(c);
    return status;
}

static void on_stop_intake(void *ctx)
{
    strcat(((order_t *)ctx)->steps, "intake,");
}

static void on_drain(void *ctx)
{
    order_t *o = ctx;
    strcat(o->steps, "drain,");
    o->health_during_drain = get_status(service_http_port(o->svc->health));
}

static void on_release(void *ctx)
{
    order_t *o = ctx;
    strcat(o->steps, o->svc->health ? "release-with-health," : "release,");
}

static void test_shutdown_order(void **state)
{
    (void)state;
    service_t svc;
    demo_config_t cfg;
    char err[256];
    memset(&svc, 0, sizeof(svc));
    memset(&cfg, 0, sizeof(cfg));
    setenv("HEALTH_PORT", "1", 1); /* replaced by 0 below: any free port */
    assert_int_equal(service_config_load(&svc, &demo_spec, &cfg, true, err, sizeof(err)), 0);
    cfg.svc.health_port = 0;
    assert_int_equal(service_health_start(&svc, NULL, 0), 0);
    int port = service_http_port(svc.health);
    assert_true(port > 0);
    order_t o = {.svc = &svc};
    const service_shutdown_t sd = {
        .stop_intake = on_stop_intake, .drain = on_drain, .release = on_release, .ctx = &o};
    assert_int_equal(service_end(&svc, &sd, 0), 0);
    assert_string_equal(o.steps, "intake,drain,release,");
    assert_int_equal(o.health_during_drain, 200); /* health stops after the drain... */
    assert_int_equal(get_status(port), 0);        /* ...and is gone at the end */
}

/* ---- context logging ----------------------------------------------------------------- */

/* Runs fn with stderr redirected to a file and returns what it wrote. */
static char *stderr_of(void (*fn)(void))
{
    char path[] = "/tmp/test_service_main.XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    int saved = dup(STDERR_FILENO);
    dup2(fd, STDERR_FILENO);
    fn();
    dup2(saved, STDERR_FILENO);
    close(saved);
    static char out[4096];
    ssize_t n = pread(fd, out, sizeof(out) - 1, 0);
    out[n > 0 ? n : 0] = '\0';
    close(fd);
    unlink(path);
    return out;
}

static void log_a_message(void)
{
    kafka_message_t msg = {
        .topic = "bb.posting.events", .partition = 2, .offset = 17, .key = "4\n2", .key_len = 3};
    LOG_MSG(&msg, WARN, "not a CloudEvent: %s", "bad");
    LOG_MSG(&msg, DEBUG, "below the level: %d", 1);
}

static void log_a_request(void)
{
    struct mg_request_info ri;
    memset(&ri, 0, sizeof(ri));
    ri.request_method = "POST";
    ri.local_uri = "/api/listings/9";
    http_request_t req;
    memset(&req, 0, sizeof(req));
    req.ri = &ri;
    snprintf(req.request_id, sizeof(req.request_id), "r-1");
    LOG_REQ(&req, ERROR, "database: %s", "gone");
}

static void test_context_logging(void **state)
{
    (void)state;
    log_init("demo", "info");
    char *out = stderr_of(log_a_message);
    assert_non_null(
        strstr(out, " WARN  demo bb.posting.events [2]@17 key=4?2: not a CloudEvent: bad\n"));
    assert_null(strstr(out, "below the level"));
    out = stderr_of(log_a_request);
    assert_non_null(strstr(out, " ERROR demo POST /api/listings/9 rid=r-1: database: gone\n"));

    char ctx[64];
    char longkey[100];
    memset(longkey, 'k', sizeof(longkey) - 1);
    longkey[sizeof(longkey) - 1] = '\0';
    kafka_message_t msg = {
        .topic = "t", .partition = 0, .offset = 1, .key = longkey, .key_len = sizeof(longkey) - 1};
    kafka_message_context(&msg, ctx, sizeof(ctx));
    assert_int_equal(strlen(ctx), sizeof(ctx) - 1); /* truncated, never overrun */
}

int main(void)
{
    curl_global_init(CURL_GLOBAL_DEFAULT);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(test_shared_rows_and_defaults, setup),
        cmocka_unit_test_setup(test_bootstrap_required_unless_offline, setup),
        cmocka_unit_test_setup(test_help_and_example_from_the_same_rows, setup),
        cmocka_unit_test_setup(test_command_line, setup),
        cmocka_unit_test_setup(test_shutdown_order, setup),
        cmocka_unit_test_setup(test_context_logging, setup),
    };
    int rc = cmocka_run_group_tests(tests, NULL, NULL);
    curl_global_cleanup();
    return rc;
}
