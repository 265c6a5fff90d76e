/* kafka_read_partition and the consumer's rebalance hooks against librdkafka's in-process
 * mock cluster (the state a monitor rebuilds from bb.monitor.desired on assignment). */
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafka_mock.h>

#include "common/event.h"
#include "common/kafka.h"
#include "common/log.h"
#include "common/util.h"

static rd_kafka_t *mock_rk;
static char bootstrap[256];

typedef struct {
    char keys[8][16];
    char values[8][16]; /* "<null>" for a tombstone */
    int64_t offsets[8];
    int n;
} seen_t;

static void record(int32_t partition, const char *key, const void *payload, size_t len,
                   int64_t offset, void *ctx)
{
    seen_t *s = ctx;
    (void)partition;
    if (s->n >= 8)
        return;
    snprintf(s->keys[s->n], sizeof(s->keys[0]), "%s", key);
    if (payload)
        snprintf(s->values[s->n], sizeof(s->values[0]), "%.*s", (int)len, (const char *)payload);
    else
        snprintf(s->values[s->n], sizeof(s->values[0]), "<null>");
    s->offsets[s->n] = offset;
    s->n++;
}

static void put(int32_t part, const char *key, const char *value)
{
    rd_kafka_resp_err_t err =
        rd_kafka_producev(mock_rk, RD_KAFKA_V_TOPIC("t.state"), RD_KAFKA_V_PARTITION(part),
                          RD_KAFKA_V_KEY(key, strlen(key)),
                          RD_KAFKA_V_VALUE((void *)value, value ? strlen(value) : 0),
                          RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY), RD_KAFKA_V_END);
    assert_int_equal(err, 0);
}

static void test_read_partition(void **state)
{
    (void)state;
    char errstr[512];
    put(1, "1", "run");
    put(1, "2", "run");
    put(1, "1", "stop");
    put(1, "2", NULL); /* tombstone */
    assert_int_equal(rd_kafka_flush(mock_rk, 5000), 0);

    seen_t s = {0};
    const int32_t both[] = {0, 1};
    int64_t n = kafka_read_partitions(bootstrap, "test", "t.state", both, 2, record, &s, 10000,
                                      errstr, sizeof(errstr));
    if (n < 0)
        fail_msg("%s", errstr);
    assert_int_equal(n, 4);
    assert_int_equal(s.n, 4);
    assert_string_equal(s.keys[0], "1");
    assert_string_equal(s.values[0], "run");
    assert_string_equal(s.values[2], "stop");
    assert_string_equal(s.keys[3], "2");
    assert_string_equal(s.values[3], "<null>");
    assert_int_equal(s.offsets[3], 3);

    /* an empty partition: nothing, at once */
    seen_t e = {0};
    const int32_t empty[] = {0}, missing[] = {1, 7};
    int64_t t0 = util_now_ms();
    assert_int_equal(kafka_read_partitions(bootstrap, "test", "t.state", empty, 1, record, &e,
                                           10000, errstr, sizeof(errstr)),
                     0);
    assert_true(util_now_ms() - t0 < 5000);
    /* a partition that does not exist */
    assert_int_equal(kafka_read_partitions(bootstrap, "test", "t.state", missing, 2, record, &e,
                                           2000, errstr, sizeof(errstr)),
                     -1);
    assert_non_null(strstr(errstr, "t.state [7]"));
}

static void test_partition_count(void **state)
{
    (void)state;
    char errstr[512];
    assert_int_equal(
        kafka_topic_partition_count(bootstrap, "t.state", 5000, errstr, sizeof(errstr)), 2);
}

typedef struct {
    pthread_mutex_t mu;
    int assigned, revoked;
} hooks_t;

static void on_assigned(const char *topic, const int32_t *partitions, size_t n, bool lost,
                        void *ctx)
{
    hooks_t *h = ctx;
    (void)partitions;
    (void)lost;
    assert_string_equal(topic, "t.state");
    pthread_mutex_lock(&h->mu);
    h->assigned += (int)n;
    pthread_mutex_unlock(&h->mu);
}

static void on_revoked(const char *topic, const int32_t *partitions, size_t n, bool lost, void *ctx)
{
    hooks_t *h = ctx;
    (void)topic;
    (void)partitions;
    (void)lost;
    pthread_mutex_lock(&h->mu);
    h->revoked += (int)n;
    pthread_mutex_unlock(&h->mu);
}

static handle_result_t ok_handler(const kafka_message_t *msg, void *ctx, char *errstr,
                                  size_t errstr_size)
{
    (void)msg;
    (void)ctx;
    (void)errstr;
    (void)errstr_size;
    return HANDLE_OK;
}

typedef struct {
    kafka_consumer_t *c;
    volatile sig_atomic_t stop;
} run_t;

static void *run_main(void *arg)
{
    run_t *r = arg;
    kafka_consumer_run(r->c, &r->stop, 1000);
    return NULL;
}

static void test_rebalance_hooks(void **state)
{
    (void)state;
    char errstr[512];
    hooks_t h = {.mu = PTHREAD_MUTEX_INITIALIZER};
    kafka_producer_t *dlq =
        kafka_producer_new(bootstrap, "test", NULL, NULL, errstr, sizeof(errstr));
    assert_non_null(dlq);
    const char *topics[] = {"t.state", NULL};
    kafka_consumer_config_t cc = {.bootstrap = bootstrap,
                                  .group_id = "g.hooks",
                                  .client_id = "test",
                                  .topics = topics,
                                  .handler = ok_handler,
                                  .dlq_producer = dlq,
                                  .on_assigned = on_assigned,
                                  .on_revoked = on_revoked,
                                  .rebalance_ctx = &h};
    run_t r = {.c = kafka_consumer_new(&cc, errstr, sizeof(errstr))};
    assert_non_null(r.c);
    pthread_t t;
    pthread_create(&t, NULL, run_main, &r);
    int64_t deadline = util_now_ms() + 20000;
    for (;;) {
        pthread_mutex_lock(&h.mu);
        int a = h.assigned;
        pthread_mutex_unlock(&h.mu);
        if (a == 2 || util_now_ms() > deadline)
            break;
        util_sleep_ms(50, NULL);
    }
    r.stop = 1;
    pthread_join(t, NULL);
    kafka_consumer_free(r.c);
    kafka_producer_free(dlq);
    assert_int_equal(h.assigned, 2);
    assert_int_equal(h.revoked, 2); /* closing the consumer hands both back */
}

static int setup(void **state)
{
    (void)state;
    char err[256];
    log_init("test", getenv("TEST_LOG_LEVEL") ? getenv("TEST_LOG_LEVEL") : "error");
    setenv("KAFKA_SESSION_TIMEOUT_MS", "6000", 1);
    setenv("KAFKA_HEARTBEAT_INTERVAL_MS", "500", 1);
    rd_kafka_conf_t *conf = rd_kafka_conf_new();
    rd_kafka_conf_set(conf, "test.mock.num.brokers", "1", err, sizeof(err));
    mock_rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, err, sizeof(err));
    if (!mock_rk)
        return -1;
    rd_kafka_mock_cluster_t *mc = rd_kafka_handle_mock_cluster(mock_rk);
    snprintf(bootstrap, sizeof(bootstrap), "%s", rd_kafka_mock_cluster_bootstraps(mc));
    return rd_kafka_mock_topic_create(mc, "t.state", 2, 1) ? -1 : 0;
}

static int teardown(void **state)
{
    (void)state;
    rd_kafka_destroy(mock_rk);
    unsetenv("KAFKA_SESSION_TIMEOUT_MS");
    unsetenv("KAFKA_HEARTBEAT_INTERVAL_MS");
    return 0;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_read_partition),
        cmocka_unit_test(test_partition_count),
        cmocka_unit_test(test_rebalance_hooks),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
