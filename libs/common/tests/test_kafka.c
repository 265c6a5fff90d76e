/* Unit tests of the Kafka wrappers against librdkafka's in-process mock cluster: produce and
 * consume, DROP to bb.dlq, RETRY, deferred completions stored in order, pausing at the
 * in-flight limit, KAFKA_* pass-through errors, topic creation. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <pthread.h>

#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafka_mock.h>

#include "common/event.h"
#include "common/kafka.h"
#include "common/log.h"
#include "common/util.h"

static rd_kafka_t *mock_rk;
static rd_kafka_mock_cluster_t *mcluster;
static char bootstrap[256];

/* ---- helpers ---------------------------------------------------------------------------- */

#define MAX_SEEN 64

typedef enum { MODE_OK, MODE_DROP, MODE_RETRY_TWICE, MODE_DEFER } mode_t_;

/* What a test handler saw and what it should answer. */
typedef struct {
    pthread_mutex_t mu;
    pthread_cond_t cond;
    mode_t_ mode;
    int calls;
    int nseen;
    int64_t offsets[MAX_SEEN];
    int32_t partitions[MAX_SEEN];
    char payloads[MAX_SEEN][64];
    char keys[MAX_SEEN][32];
    int64_t seen_at_ms[MAX_SEEN];
    void *tokens[MAX_SEEN];
    int retry_calls_for_first; /* MODE_RETRY_TWICE: calls seen for offset 0 */
} handler_state_t;

static handle_result_t test_handler(const kafka_message_t *msg, void *ctx, char *errstr,
                                    size_t errstr_size)
{
    handler_state_t *h = ctx;
    handle_result_t r = HANDLE_OK;
    pthread_mutex_lock(&h->mu);
    h->calls++;
    if (h->mode == MODE_RETRY_TWICE && msg->offset == 0 && ++h->retry_calls_for_first < 3) {
        snprintf(errstr, errstr_size, "transient %d", h->retry_calls_for_first);
        r = HANDLE_RETRY;
    } else if (h->nseen < MAX_SEEN) {
        int i = h->nseen++;
        h->offsets[i] = msg->offset;
        h->partitions[i] = msg->partition;
        snprintf(h->payloads[i], sizeof(h->payloads[i]), "%.*s", (int)msg->len,
                 (const char *)msg->payload);
        snprintf(h->keys[i], sizeof(h->keys[i]), "%s", msg->key);
        h->seen_at_ms[i] = util_now_ms();
        h->tokens[i] = msg->token;
        if (h->mode == MODE_DROP) {
            snprintf(errstr, errstr_size, "not JSON");
            r = HANDLE_DROP;
        } else if (h->mode == MODE_DEFER) {
            r = HANDLE_DEFERRED;
        }
    }
    pthread_cond_broadcast(&h->cond);
    pthread_mutex_unlock(&h->mu);
    return r;
}

/* Waits until the handler has seen n messages (or timeout); returns how many it saw. */
static int wait_seen(handler_state_t *h, int n, int timeout_ms)
{
    int64_t deadline = util_now_ms() + timeout_ms;
    pthread_mutex_lock(&h->mu);
    while (h->nseen < n && util_now_ms() < deadline) {
        pthread_mutex_unlock(&h->mu);
        util_sleep_ms(5, NULL);
        pthread_mutex_lock(&h->mu);
    }
    int seen = h->nseen;
    pthread_mutex_unlock(&h->mu);
    return seen;
}

static void handler_init(handler_state_t *h, mode_t_ mode)
{
    memset(h, 0, sizeof(*h));
    pthread_mutex_init(&h->mu, NULL);
    pthread_cond_init(&h->cond, NULL);
    h->mode = mode;
}

static void handler_destroy(handler_state_t *h)
{
    pthread_mutex_destroy(&h->mu);
    pthread_cond_destroy(&h->cond);
}

/* A consumer running on its own thread. */
typedef struct {
    kafka_consumer_t *c;
    volatile sig_atomic_t stop;
    int rc;
    pthread_t th;
} runner_t;

static void *runner_main(void *arg)
{
    runner_t *r = arg;
    r->rc = kafka_consumer_run(r->c, &r->stop, 2000);
    return NULL;
}

static int revoke_drain_ms; /* for the next runner started */

static void runner_start_q(runner_t *r, const char *topic, const char *group, handler_state_t *h,
                           kafka_producer_t *dlq, int max_in_flight, int max_queued)
{
    const char *topics[] = {topic, NULL};
    kafka_consumer_config_t cfg = {
        .bootstrap = bootstrap,
        .group_id = group,
        .client_id = "byebuy-test",
        .topics = topics,
        .handler = test_handler,
        .ctx = h,
        .dlq_producer = dlq,
        .max_in_flight_per_partition = max_in_flight,
        .poll_timeout_ms = 1000, /* long on purpose: completions must not wait for it */
        .max_queued_per_partition = max_queued,
        .revoke_drain_timeout_ms = revoke_drain_ms,
    };
    char errstr[512];
    memset(r, 0, sizeof(*r));
    r->c = kafka_consumer_new(&cfg, errstr, sizeof(errstr));
    if (!r->c)
        fail_msg("kafka_consumer_new: %s", errstr);
    assert_int_equal(pthread_create(&r->th, NULL, runner_main, r), 0);
}

static void runner_start(runner_t *r, const char *topic, const char *group, handler_state_t *h,
                         kafka_producer_t *dlq, int max_in_flight)
{
    runner_start_q(r, topic, group, h, dlq, max_in_flight, 0);
}

static void runner_stop(runner_t *r)
{
    r->stop = 1;
    pthread_join(r->th, NULL);
    assert_int_equal(r->rc, 0);
    kafka_consumer_free(r->c);
}

static kafka_producer_t *producer(void)
{
    char errstr[512];
    kafka_producer_t *p =
        kafka_producer_new(bootstrap, "byebuy-test", NULL, NULL, errstr, sizeof(errstr));
    if (!p)
        fail_msg("kafka_producer_new: %s", errstr);
    return p;
}

static void produce(kafka_producer_t *p, const char *topic, const char *key, const char *payload)
{
    char errstr[512];
    if (kafka_produce_sync(p, topic, key, payload, strlen(payload), 5000, errstr, sizeof(errstr)) !=
        0)
        fail_msg("produce: %s", errstr);
}

/* The group's committed offset for topic[partition] (negative: none). */
static int64_t committed(const char *group, const char *topic, int32_t partition)
{
    char err[256];
    rd_kafka_conf_t *conf = rd_kafka_conf_new();
    rd_kafka_conf_set(conf, "bootstrap.servers", bootstrap, err, sizeof(err));
    rd_kafka_conf_set(conf, "group.id", group, err, sizeof(err));
    rd_kafka_t *rk = rd_kafka_new(RD_KAFKA_CONSUMER, conf, err, sizeof(err));
    assert_non_null(rk);
    rd_kafka_topic_partition_list_t *l = rd_kafka_topic_partition_list_new(1);
    rd_kafka_topic_partition_list_add(l, topic, partition);
    assert_int_equal(rd_kafka_committed(rk, l, 5000), 0);
    int64_t off = l->elems[0].offset;
    rd_kafka_topic_partition_list_destroy(l);
    rd_kafka_destroy(rk);
    return off;
}

/* Waits until the committed offset of partition is `want` (or timeout); returns the last. */
static int64_t wait_committed_p(const char *group, const char *topic, int32_t partition,
                                int64_t want, int timeout_ms)
{
    int64_t deadline = util_now_ms() + timeout_ms, off;
    do {
        off = committed(group, topic, partition);
        if (off == want)
            break;
        util_sleep_ms(100, NULL);
    } while (util_now_ms() < deadline);
    return off;
}

static int64_t wait_committed(const char *group, const char *topic, int64_t want, int timeout_ms)
{
    return wait_committed_p(group, topic, 0, want, timeout_ms);
}

/* Reads the first message of topic[0] with a plain librdkafka consumer. Caller destroys. */
static rd_kafka_message_t *read_first(const char *topic, rd_kafka_t **rk_out)
{
    char err[256];
    rd_kafka_conf_t *conf = rd_kafka_conf_new();
    rd_kafka_conf_set(conf, "bootstrap.servers", bootstrap, err, sizeof(err));
    rd_kafka_conf_set(conf, "group.id", "test-reader", err, sizeof(err));
    rd_kafka_t *rk = rd_kafka_new(RD_KAFKA_CONSUMER, conf, err, sizeof(err));
    assert_non_null(rk);
    rd_kafka_topic_partition_list_t *l = rd_kafka_topic_partition_list_new(1);
    rd_kafka_topic_partition_list_add(l, topic, 0)->offset = RD_KAFKA_OFFSET_BEGINNING;
    rd_kafka_assign(rk, l);
    rd_kafka_topic_partition_list_destroy(l);
    rd_kafka_message_t *rkm = NULL;
    int64_t deadline = util_now_ms() + 10000;
    while (util_now_ms() < deadline) {
        rkm = rd_kafka_consumer_poll(rk, 200);
        if (rkm && !rkm->err)
            break;
        if (rkm)
            rd_kafka_message_destroy(rkm);
        rkm = NULL;
    }
    *rk_out = rk;
    return rkm;
}

/* ---- tests ------------------------------------------------------------------------------ */

typedef struct {
    pthread_mutex_t mu;
    int reports;
    int last_err;
    void *last_opaque;
} dr_state_t;

static void on_delivery(void *msg_opaque, int err, const char *errstr, void *ctx)
{
    (void)errstr;
    dr_state_t *s = ctx;
    pthread_mutex_lock(&s->mu);
    s->reports++;
    s->last_err = err;
    s->last_opaque = msg_opaque;
    pthread_mutex_unlock(&s->mu);
}

static void test_round_trip(void **state)
{
    (void)state;
    char errstr[512];
    dr_state_t dr = {.mu = PTHREAD_MUTEX_INITIALIZER};
    kafka_producer_t *p =
        kafka_producer_new(bootstrap, "byebuy-test", on_delivery, &dr, errstr, sizeof(errstr));
    assert_non_null(p);
    assert_int_equal(kafka_producer_ping(p, 5000, errstr, sizeof(errstr)), 0);

    int marker = 7;
    assert_int_equal(
        kafka_produce(p, "t.rt", "acct-1", "hello", 5, &marker, errstr, sizeof(errstr)), 0);
    assert_int_equal(kafka_producer_flush(p, 5000), 0);
    pthread_mutex_lock(&dr.mu);
    assert_int_equal(dr.reports, 1);
    assert_int_equal(dr.last_err, 0);
    assert_ptr_equal(dr.last_opaque, &marker);
    pthread_mutex_unlock(&dr.mu);
    produce(p, "t.rt", NULL, "world");

    handler_state_t h;
    handler_init(&h, MODE_OK);
    runner_t r;
    runner_start(&r, "t.rt", "g-rt", &h, p, 1);
    assert_int_equal(wait_seen(&h, 2, 20000), 2);
    assert_string_equal(h.payloads[0], "hello");
    assert_string_equal(h.keys[0], "acct-1");
    assert_string_equal(h.payloads[1], "world");
    assert_string_equal(h.keys[1], ""); /* no key -> "" */
    assert_int_equal(h.offsets[1], 1);
    runner_stop(&r);
    /* stop commits what was stored */
    assert_int_equal(committed("g-rt", "t.rt", 0), 2);
    handler_destroy(&h);
    kafka_producer_free(p);
}

static void test_drop_goes_to_dlq(void **state)
{
    (void)state;
    kafka_producer_t *p = producer();
    produce(p, "t.drop", "key-9", "garbage{");
    handler_state_t h;
    handler_init(&h, MODE_DROP);
    runner_t r;
    runner_start(&r, "t.drop", "g-drop", &h, p, 1);
    assert_int_equal(wait_seen(&h, 1, 20000), 1);
    /* the offset moved past it: the consumer goes on */
    assert_int_equal(wait_committed("g-drop", "t.drop", 1, 5000), 1);
    runner_stop(&r);

    rd_kafka_t *rk;
    rd_kafka_message_t *rkm = read_first(TOPIC_DLQ, &rk);
    assert_non_null(rkm);
    assert_int_equal(rkm->key_len, 5);
    assert_memory_equal(rkm->key, "key-9", 5);
    event_t ev;
    char errstr[256];
    assert_int_equal(event_decode(rkm->payload, rkm->len, &ev, errstr, sizeof(errstr)), 0);
    assert_string_equal(ev.type, EV_DLQ_MESSAGE);
    assert_string_equal(ev.source, "byebuy/test");
    dlq_message_t d;
    assert_int_equal(dlq_message_parse(ev.data, &d, errstr, sizeof(errstr)), 0);
    assert_string_equal(d.topic, "t.drop");
    assert_int_equal(d.partition, 0);
    assert_int_equal(d.offset, 0);
    assert_string_equal(d.reason, "not JSON");
    assert_int_equal(d.len, 8);
    assert_memory_equal(d.payload, "garbage{", 8);
    dlq_message_free(&d);
    event_free(&ev);
    rd_kafka_message_destroy(rkm);
    rd_kafka_consumer_close(rk);
    rd_kafka_destroy(rk);
    handler_destroy(&h);
    kafka_producer_free(p);
}

static void test_retry_redelivers_in_order(void **state)
{
    (void)state;
    kafka_producer_t *p = producer();
    produce(p, "t.retry", "k", "first");
    produce(p, "t.retry", "k", "second");
    handler_state_t h;
    handler_init(&h, MODE_RETRY_TWICE);
    runner_t r;
    int64_t t0 = util_now_ms();
    runner_start(&r, "t.retry", "g-retry", &h, p, 1);
    assert_int_equal(wait_seen(&h, 2, 20000), 2);
    /* called 3 times for the first (2 retries), then once for the second, in order */
    assert_int_equal(h.calls, 4);
    assert_string_equal(h.payloads[0], "first");
    assert_string_equal(h.payloads[1], "second");
    /* backoff 100 ms then 200 ms */
    assert_true(h.seen_at_ms[0] - t0 >= 300);
    runner_stop(&r);
    assert_int_equal(committed("g-retry", "t.retry", 0), 2);
    handler_destroy(&h);
    kafka_producer_free(p);
}

static void test_deferred_out_of_order_stores_in_order(void **state)
{
    (void)state;
    kafka_producer_t *p = producer();
    for (int i = 0; i < 3; i++)
        produce(p, "t.defer", "k", "job");
    handler_state_t h;
    handler_init(&h, MODE_DEFER);
    runner_t r;
    runner_start(&r, "t.defer", "g-defer", &h, p, 3);
    assert_int_equal(wait_seen(&h, 3, 20000), 3);
    /* complete the last two first: nothing may be committed past offset 0 */
    kafka_consumer_complete(r.c, h.tokens[2], HANDLE_OK, NULL);
    kafka_consumer_complete(r.c, h.tokens[1], HANDLE_OK, NULL);
    util_sleep_ms(600, NULL); /* > 2 auto-commit intervals (100 ms from the environment) */
    assert_true(committed("g-defer", "t.defer", 0) < 0);
    /* completing the first releases all three */
    kafka_consumer_complete(r.c, h.tokens[0], HANDLE_OK, NULL);
    assert_int_equal(wait_committed("g-defer", "t.defer", 3, 5000), 3);
    runner_stop(&r);
    handler_destroy(&h);
    kafka_producer_free(p);
}

static void test_in_flight_limit(void **state)
{
    (void)state;
    kafka_producer_t *p = producer();
    for (int i = 0; i < 4; i++)
        produce(p, "t.pause", "k", "job");
    handler_state_t h;
    handler_init(&h, MODE_DEFER);
    runner_t r;
    runner_start(&r, "t.pause", "g-pause", &h, p, 1);
    assert_int_equal(wait_seen(&h, 1, 20000), 1);
    /* one in flight: the other three wait */
    assert_int_equal(wait_seen(&h, 2, 1500), 1);
    int64_t worst = 0;
    for (int i = 0; i < 3; i++) {
        int64_t t0 = util_now_ms();
        kafka_consumer_complete(r.c, h.tokens[i], HANDLE_OK, NULL);
        assert_int_equal(wait_seen(&h, i + 2, 5000), i + 2);
        int64_t lat = h.seen_at_ms[i + 1] - t0;
        worst = lat > worst ? lat : worst;
        assert_int_equal(h.offsets[i + 1], i + 1);
    }
    /* The poll timeout is 1000 ms: a completion must not wait for it (target p99 50 ms). */
    print_message("complete -> next dispatch, worst of 3: %lld ms\n", (long long)worst);
    assert_true(worst < 50);
    /* a deferred RETRY is handed back to the handler (same offset) */
    kafka_consumer_complete(r.c, h.tokens[3], HANDLE_RETRY, "try again");
    assert_int_equal(wait_seen(&h, 5, 5000), 5);
    assert_int_equal(h.offsets[4], 3);
    kafka_consumer_complete(r.c, h.tokens[4], HANDLE_OK, NULL);
    assert_int_equal(wait_committed("g-pause", "t.pause", 4, 5000), 4);
    runner_stop(&r);
    handler_destroy(&h);
    kafka_producer_free(p);
}

/* A backlog of 2: the partition is paused and resumed several times; nothing is lost or
 * reordered. */
static void test_backlog_pause_resume(void **state)
{
    (void)state;
    kafka_producer_t *p = producer();
    char payload[16];
    for (int i = 0; i < 8; i++) {
        snprintf(payload, sizeof(payload), "m%d", i);
        produce(p, "t.backlog", "k", payload);
    }
    handler_state_t h;
    handler_init(&h, MODE_DEFER);
    runner_t r;
    runner_start_q(&r, "t.backlog", "g-backlog", &h, p, 1, 2);
    for (int i = 0; i < 8; i++) {
        assert_int_equal(wait_seen(&h, i + 1, 10000), i + 1);
        snprintf(payload, sizeof(payload), "m%d", i);
        assert_string_equal(h.payloads[i], payload);
        assert_int_equal(h.offsets[i], i);
        util_sleep_ms(20, NULL);
        kafka_consumer_complete(r.c, h.tokens[i], HANDLE_OK, NULL);
    }
    assert_int_equal(wait_committed("g-backlog", "t.backlog", 8, 5000), 8);
    assert_int_equal(h.nseen, 8);
    runner_stop(&r);
    handler_destroy(&h);
    kafka_producer_free(p);
}

static void test_deferred_drop_goes_to_dlq_and_drain(void **state)
{
    (void)state;
    kafka_producer_t *p = producer();
    produce(p, "t.ddrop", "k", "job-a");
    produce(p, "t.ddrop", "k", "job-b");
    handler_state_t h;
    handler_init(&h, MODE_DEFER);
    runner_t r;
    runner_start(&r, "t.ddrop", "g-ddrop", &h, p, 2);
    assert_int_equal(wait_seen(&h, 2, 20000), 2);
    kafka_consumer_complete(r.c, h.tokens[0], HANDLE_DROP, "recipe broken");
    assert_int_equal(wait_committed("g-ddrop", "t.ddrop", 1, 5000), 1);
    /* stop while job-b is in flight: the drain waits for it, then commits */
    r.stop = 1;
    util_sleep_ms(200, NULL);
    kafka_consumer_complete(r.c, h.tokens[1], HANDLE_OK, NULL);
    pthread_join(r.th, NULL);
    assert_int_equal(r.rc, 0);
    kafka_consumer_free(r.c);
    assert_int_equal(committed("g-ddrop", "t.ddrop", 0), 2);
    handler_destroy(&h);
    kafka_producer_free(p);
}

/* A second member joins while the first holds a deferred message of every partition: the
 * cooperative rebalance moves one partition, whose deferred completion becomes a no-op, and
 * the new owner gets that message again. Nothing is lost; offsets end at the end. */
static void test_revoke_orphans_deferred(void **state)
{
    (void)state;
    char err[256];
    for (int32_t part = 0; part < 2; part++)
        for (int i = 0; i < 3; i++)
            assert_int_equal(
                rd_kafka_producev(mock_rk, RD_KAFKA_V_TOPIC("t.rebal"), RD_KAFKA_V_PARTITION(part),
                                  RD_KAFKA_V_VALUE("job", 3),
                                  RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY), RD_KAFKA_V_END),
                0);
    assert_int_equal(rd_kafka_flush(mock_rk, 5000), 0);
    (void)err;

    kafka_producer_t *p = producer();
    handler_state_t ha, hb;
    handler_init(&ha, MODE_DEFER);
    handler_init(&hb, MODE_OK);
    runner_t a, b;
    runner_start(&a, "t.rebal", "g-rebal", &ha, p, 1);
    assert_int_equal(wait_seen(&ha, 2, 20000), 2); /* offset 0 of each partition, deferred */
    runner_start(&b, "t.rebal", "g-rebal", &hb, p, 1);
    assert_true(wait_seen(&hb, 1, 30000) >= 1);
    /* b starts at the committed offset of the partition it took: 0, a redelivery */
    int32_t moved = hb.partitions[0];
    assert_int_equal(hb.offsets[0], 0);

    pthread_mutex_lock(&ha.mu);
    ha.mode = MODE_OK;
    void *tokens[2] = {ha.tokens[0], ha.tokens[1]};
    pthread_mutex_unlock(&ha.mu);
    kafka_consumer_complete(a.c, tokens[0], HANDLE_OK, NULL); /* one of them is an orphan */
    kafka_consumer_complete(a.c, tokens[1], HANDLE_OK, NULL);
    assert_int_equal(wait_committed_p("g-rebal", "t.rebal", 0, 3, 10000), 3);
    assert_int_equal(wait_committed_p("g-rebal", "t.rebal", 1, 3, 10000), 3);
    /* every message of the moved partition was handled by b */
    pthread_mutex_lock(&hb.mu);
    int moved_seen = 0;
    for (int i = 0; i < hb.nseen; i++)
        moved_seen += hb.partitions[i] == moved;
    pthread_mutex_unlock(&hb.mu);
    assert_int_equal(moved_seen, 3);
    runner_stop(&b);
    runner_stop(&a);
    handler_destroy(&ha);
    handler_destroy(&hb);
    kafka_producer_free(p);
}

typedef struct {
    kafka_consumer_t *c;
    void *tokens[2];
    int delay_ms;
} completer_t;

static void *complete_later(void *arg)
{
    completer_t *k = arg;
    util_sleep_ms(k->delay_ms, NULL);
    kafka_consumer_complete(k->c, k->tokens[0], HANDLE_OK, NULL);
    kafka_consumer_complete(k->c, k->tokens[1], HANDLE_OK, NULL);
    return NULL;
}

/* With revoke_drain_timeout_ms, a member losing a partition first lets the deferred work
 * of that partition finish and stores its offset, so the new owner starts after it and
 * never runs the same message at the same time (the poster's two-browsers case). */
static void test_revoke_drains_deferred_first(void **state)
{
    (void)state;
    for (int32_t part = 0; part < 4; part++) /* the mock topic has 4 */
        for (int i = 0; i < 3; i++)
            assert_int_equal(
                rd_kafka_producev(mock_rk, RD_KAFKA_V_TOPIC("t.rdrain"), RD_KAFKA_V_PARTITION(part),
                                  RD_KAFKA_V_VALUE("job", 3),
                                  RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY), RD_KAFKA_V_END),
                0);
    assert_int_equal(rd_kafka_flush(mock_rk, 5000), 0);

    kafka_producer_t *p = producer();
    handler_state_t ha, hb;
    handler_init(&ha, MODE_DEFER);
    handler_init(&hb, MODE_OK);
    runner_t a, b;
    revoke_drain_ms = 30000;
    runner_start(&a, "t.rdrain", "g-rdrain", &ha, p, 1);
    revoke_drain_ms = 0;
    assert_int_equal(wait_seen(&ha, 4, 20000), 4); /* offset 0 of each partition, deferred */
    pthread_mutex_lock(&ha.mu);
    ha.mode = MODE_OK;
    /* after the mock cluster's slow rebalance (~5 s) has begun: the revoke must wait */
    completer_t k = {a.c, {ha.tokens[0], ha.tokens[1]}, 7000};
    void *rest[2] = {ha.tokens[2], ha.tokens[3]};
    pthread_mutex_unlock(&ha.mu);
    runner_start(&b, "t.rdrain", "g-rdrain", &hb, p, 1);
    pthread_t th;
    assert_int_equal(pthread_create(&th, NULL, complete_later, &k), 0);
    completer_t k2 = {a.c, {rest[0], rest[1]}, 7000};
    pthread_t th2;
    assert_int_equal(pthread_create(&th2, NULL, complete_later, &k2), 0);
    assert_true(wait_seen(&hb, 1, 30000) >= 1);
    pthread_join(th, NULL);
    pthread_join(th2, NULL);
    pthread_mutex_lock(&hb.mu);
    for (int i = 0; i < hb.nseen; i++)
        assert_int_not_equal(hb.offsets[i], 0); /* offset 0 was finished by a, never redone */
    pthread_mutex_unlock(&hb.mu);
    for (int32_t part = 0; part < 4; part++)
        assert_int_equal(wait_committed_p("g-rdrain", "t.rdrain", part, 3, 15000), 3);
    runner_stop(&b);
    runner_stop(&a);
    handler_destroy(&ha);
    handler_destroy(&hb);
    kafka_producer_free(p);
}

static void test_passthrough_errors(void **state)
{
    (void)state;
    char errstr[512];
    setenv("KAFKA_NO_SUCH_PROPERTY", "1", 1);
    kafka_producer_t *p = kafka_producer_new(bootstrap, "x", NULL, NULL, errstr, sizeof(errstr));
    assert_null(p);
    assert_non_null(strstr(errstr, "KAFKA_NO_SUCH_PROPERTY"));
    assert_non_null(strstr(errstr, "no.such.property"));
    const char *topics[] = {"t.x", NULL};
    handler_state_t h;
    handler_init(&h, MODE_OK);
    kafka_producer_t *dlq = NULL;
    unsetenv("KAFKA_NO_SUCH_PROPERTY");
    dlq = producer();
    setenv("KAFKA_NO_SUCH_PROPERTY", "1", 1);
    kafka_consumer_config_t cfg = {.bootstrap = bootstrap,
                                   .group_id = "g",
                                   .topics = topics,
                                   .handler = test_handler,
                                   .ctx = &h,
                                   .dlq_producer = dlq};
    assert_null(kafka_consumer_new(&cfg, errstr, sizeof(errstr)));
    assert_non_null(strstr(errstr, "KAFKA_NO_SUCH_PROPERTY"));
    unsetenv("KAFKA_NO_SUCH_PROPERTY");

    setenv("KAFKA_SOCKET_TIMEOUT_MS", "soon", 1);
    assert_null(kafka_producer_new(bootstrap, "x", NULL, NULL, errstr, sizeof(errstr)));
    assert_non_null(strstr(errstr, "KAFKA_SOCKET_TIMEOUT_MS"));
    setenv("KAFKA_SOCKET_TIMEOUT_MS", "20000", 1); /* a valid one passes */
    p = kafka_producer_new(bootstrap, "x", NULL, NULL, errstr, sizeof(errstr));
    assert_non_null(p);
    kafka_producer_free(p);
    unsetenv("KAFKA_SOCKET_TIMEOUT_MS");

    assert_null(kafka_producer_new("", "x", NULL, NULL, errstr, sizeof(errstr)));
    assert_string_equal(errstr, "KAFKA_BOOTSTRAP_SERVERS: missing");
    cfg.dlq_producer = NULL;
    assert_null(kafka_consumer_new(&cfg, errstr, sizeof(errstr)));
    assert_non_null(strstr(errstr, "dlq_producer"));
    handler_destroy(&h);
    kafka_producer_free(dlq);
}

static void test_produce_sync_times_out_without_broker(void **state)
{
    (void)state;
    char errstr[512];
    /* Nothing listens on port 1: no delivery report can come within the timeout. The
     * message is purged at free, whose report must not touch the waiter that left. */
    kafka_producer_t *p =
        kafka_producer_new("127.0.0.1:1", "x", NULL, NULL, errstr, sizeof(errstr));
    assert_non_null(p);
    int64_t t0 = util_now_ms();
    assert_int_equal(kafka_produce_sync(p, "t.none", "k", "v", 1, 300, errstr, sizeof(errstr)), -1);
    assert_true(util_now_ms() - t0 >= 300);
    assert_non_null(strstr(errstr, "no delivery report within 300 ms"));
    assert_int_equal(kafka_producer_ping(p, 300, errstr, sizeof(errstr)), -1);
    kafka_producer_free(p);
}

static void test_topics_ensure(void **state)
{
    (void)state;
    char errstr[512];
    const char *topics[] = {"t.created", NULL};
    /* The mock cluster has no controller for CreateTopics: the failure must be reported. */
    assert_int_equal(kafka_topics_ensure(bootstrap, topics, 3, 1, 2000, errstr, sizeof(errstr)),
                     -1);
    assert_non_null(strstr(errstr, "create topics"));

    /* The success path needs a real broker (BB_TEST_KAFKA, as the integration tests). */
    const char *real = getenv("BB_TEST_KAFKA");
    if (!real || !*real) {
        print_message("BB_TEST_KAFKA not set: success path of kafka_topics_ensure skipped\n");
        skip();
    }
    const char *mine[] = {"bb.test.ensure", TOPIC_DLQ, NULL};
    int rc = kafka_topics_ensure(real, mine, 6, 1, 10000, errstr, sizeof(errstr));
    if (rc != 0)
        fail_msg("kafka_topics_ensure: %s", errstr);
    /* again: existing topics are success */
    rc = kafka_topics_ensure(real, mine, 6, 1, 10000, errstr, sizeof(errstr));
    if (rc != 0)
        fail_msg("kafka_topics_ensure (again): %s", errstr);
    const char *bad[] = {"bad topic name!", NULL};
    assert_int_equal(kafka_topics_ensure(real, bad, 6, 1, 10000, errstr, sizeof(errstr)), -1);
    assert_non_null(strstr(errstr, "bad topic name!"));
}

static int setup(void **state)
{
    (void)state;
    char err[256];
    log_init("test", getenv("TEST_LOG_LEVEL") ? getenv("TEST_LOG_LEVEL") : "error");
    /* Shortens the auto-commit interval through the pass-through under test. */
    setenv("KAFKA_AUTO_COMMIT_INTERVAL_MS", "100", 1);
    /* The mock coordinator waits for members up to their session timeout when the group
     * rebalances: keep it short (as the integration tests do) so a join takes seconds. */
    setenv("KAFKA_SESSION_TIMEOUT_MS", "6000", 1);
    setenv("KAFKA_HEARTBEAT_INTERVAL_MS", "500", 1);
    rd_kafka_conf_t *conf = rd_kafka_conf_new();
    rd_kafka_conf_set(conf, "test.mock.num.brokers", "1", err, sizeof(err));
    mock_rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, err, sizeof(err));
    if (!mock_rk)
        return -1;
    mcluster = rd_kafka_handle_mock_cluster(mock_rk);
    snprintf(bootstrap, sizeof(bootstrap), "%s", rd_kafka_mock_cluster_bootstraps(mcluster));
    const char *topics[] = {"t.rt",    "t.drop", "t.retry",   "t.defer", "t.pause",
                            "t.ddrop", "t.x",    "t.backlog", TOPIC_DLQ};
    for (size_t i = 0; i < sizeof(topics) / sizeof(topics[0]); i++)
        if (rd_kafka_mock_topic_create(mcluster, topics[i], 1, 1))
            return -1;
    if (rd_kafka_mock_topic_create(mcluster, "t.rebal", 2, 1))
        return -1;
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    rd_kafka_destroy(mock_rk);
    unsetenv("KAFKA_AUTO_COMMIT_INTERVAL_MS");
    unsetenv("KAFKA_SESSION_TIMEOUT_MS");
    unsetenv("KAFKA_HEARTBEAT_INTERVAL_MS");
    return 0;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_passthrough_errors),
        cmocka_unit_test(test_round_trip),
        cmocka_unit_test(test_drop_goes_to_dlq),
        cmocka_unit_test(test_retry_redelivers_in_order),
        cmocka_unit_test(test_deferred_out_of_order_stores_in_order),
        cmocka_unit_test(test_in_flight_limit),
        cmocka_unit_test(test_backlog_pause_resume),
        cmocka_unit_test(test_deferred_drop_goes_to_dlq_and_drain),
        cmocka_unit_test(test_revoke_orphans_deferred),
        cmocka_unit_test(test_revoke_drains_deferred_first),
        cmocka_unit_test(test_produce_sync_times_out_without_broker),
        cmocka_unit_test(test_topics_ensure),
    };
    if (getenv("TEST_FILTER")) /* e.g. TEST_FILTER='test_revoke*' */
        cmocka_set_test_filter(getenv("TEST_FILTER"));
    return cmocka_run_group_tests(tests, setup, teardown);
}
