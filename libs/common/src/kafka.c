/* Kafka wrappers over librdkafka 2.0.2 (see kafka.h): configuration with KAFKA_* pass-through,
 * an idempotent producer with its own poll thread, the at-least-once consumer (ordered offset
 * storing, retry with backoff, DLQ, deferred completions with per-partition pausing) and
 * topic creation through the Admin API. */
#include "common/kafka.h"

#include <ctype.h>
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <librdkafka/rdkafka.h>

#include "common/event.h"
#include "common/log.h"
#include "common/metrics.h"
#include "common/util.h"
#include "common/xmalloc.h"

#define DLQ_TIMEOUT_MS 10000
#define RETRY_FIRST_MS 100
#define RETRY_MAX_MS 5000
#define COMPLETION_POLL_MS 5 /* poll slice while deferred messages are out */

/* ---- configuration ---------------------------------------------------------------------- */

/* Routes librdkafka's own log lines (from its threads) into ours. */
static void kafka_log_cb(const rd_kafka_t *rk, int level, const char *fac, const char *buf)
{
    (void)rk;
    log_level_t l = level <= 3   ? LOG_LEVEL_ERROR
                    : level == 4 ? LOG_LEVEL_WARN
                    : level <= 6 ? LOG_LEVEL_INFO
                                 : LOG_LEVEL_DEBUG;
    log_write(l, "kafka %s: %s", fac, buf);
}

static atomic_bool fatal_seen;

bool kafka_fatal_seen(void)
{
    return atomic_load(&fatal_seen);
}

static void kafka_error_cb(rd_kafka_t *rk, int err, const char *reason, void *opaque)
{
    (void)opaque;
    if (err == RD_KAFKA_RESP_ERR__FATAL) {
        char fatal[256];
        rd_kafka_resp_err_t ferr = rd_kafka_fatal_error(rk, fatal, sizeof(fatal));
        LOG_ERROR("kafka fatal error: %s: %s: stopping", rd_kafka_err2name(ferr), fatal);
        /* A fatal error leaves the client unusable for good: stop the service the way an
         * operator's SIGTERM does (process-directed, so the signal thread's sigwait gets it),
         * and service_end exits non-zero so that the supervisor (compose's restart policy,
         * systemd) starts it again with a fresh client. Once: a second SIGTERM means "now". */
        if (!atomic_exchange(&fatal_seen, true))
            kill(getpid(), SIGTERM);
        return;
    }
    LOG_WARN("kafka error: %s: %s", rd_kafka_err2name((rd_kafka_resp_err_t)err), reason);
}

static int conf_set(rd_kafka_conf_t *conf, const char *name, const char *value, char *errstr,
                    size_t errstr_size)
{
    char err[256];
    if (rd_kafka_conf_set(conf, name, value, err, sizeof(err)) != RD_KAFKA_CONF_OK) {
        snprintf(errstr, errstr_size, "kafka %s=%s: %s", name, value, err);
        return -1;
    }
    return 0;
}

/* Variables the services read themselves (the bootstrap argument, the group id of their
 * config table), so they are not passed through. KAFKA_GROUP_INSTANCE_ID (static membership)
 * is a group member's name: only the service's group consumer gets it (kafka_consumer_new),
 * never its producers, admin client or the partition reader. */
static const char *const passthrough_skip[] = {"KAFKA_BOOTSTRAP_SERVERS", "KAFKA_CLIENT_ID",
                                               "KAFKA_GROUP_ID", "KAFKA_GROUP_INSTANCE_ID", NULL};

/* KAFKA_SOCKET_TIMEOUT_MS=5000 -> socket.timeout.ms=5000. An unknown property or a bad value
 * is an error naming the variable. */
static int conf_passthrough(rd_kafka_conf_t *conf, char *errstr, size_t errstr_size)
{
    for (char **env = environ; env && *env; env++) {
        const char *kv = *env;
        if (strncmp(kv, "KAFKA_", 6) != 0)
            continue;
        const char *eq = strchr(kv, '=');
        if (!eq || eq == kv + 6)
            continue;
        size_t namelen = (size_t)(eq - kv);
        bool skip = false;
        for (size_t i = 0; passthrough_skip[i]; i++)
            skip = skip || (strlen(passthrough_skip[i]) == namelen &&
                            strncmp(kv, passthrough_skip[i], namelen) == 0);
        if (skip)
            continue;
        char prop[256];
        size_t n = namelen - 6;
        if (n >= sizeof(prop)) {
            snprintf(errstr, errstr_size, "%.*s: name too long", (int)namelen, kv);
            return -1;
        }
        for (size_t i = 0; i < n; i++) {
            char ch = kv[6 + i];
            prop[i] = ch == '_' ? '.' : (char)tolower((unsigned char)ch);
        }
        prop[n] = '\0';
        char err[256];
        if (rd_kafka_conf_set(conf, prop, eq + 1, err, sizeof(err)) != RD_KAFKA_CONF_OK) {
            snprintf(errstr, errstr_size, "%.*s: %s", (int)namelen, kv, err);
            return -1;
        }
    }
    return 0;
}

/* Static membership: KAFKA_GROUP_INSTANCE_ID names this member of the group across restarts,
 * so a restarted (or kill -9ed and restarted) consumer takes its partitions back at once
 * instead of waiting for the dead member's session to time out. Unset or empty: a dynamic
 * member, as before (two instances must never share one name: the second fences the first). */
static int conf_group_instance(rd_kafka_conf_t *conf, char *errstr, size_t errstr_size)
{
    const char *id = getenv("KAFKA_GROUP_INSTANCE_ID");
    if (!id || !*id)
        return 0;
    char err[256];
    if (rd_kafka_conf_set(conf, "group.instance.id", id, err, sizeof(err)) != RD_KAFKA_CONF_OK) {
        snprintf(errstr, errstr_size, "KAFKA_GROUP_INSTANCE_ID: %s", err);
        return -1;
    }
    return 0;
}

/* A configuration with the bootstrap, client id and our callbacks; caller owns it. */
static rd_kafka_conf_t *conf_base(const char *bootstrap, const char *client_id, char *errstr,
                                  size_t errstr_size)
{
    rd_kafka_conf_t *conf = rd_kafka_conf_new();
    if (!bootstrap || !*bootstrap) {
        snprintf(errstr, errstr_size, "KAFKA_BOOTSTRAP_SERVERS: missing");
        goto fail;
    }
    /* reconnect.backoff.max.ms 1000 (librdkafka: 10000): after a broker restart the first
     * event went out up to 10 s after the broker was back (KAFKA_RECONNECT_BACKOFF_MAX_MS
     * tunes it). */
    if (conf_set(conf, "bootstrap.servers", bootstrap, errstr, errstr_size) < 0 ||
        (client_id && conf_set(conf, "client.id", client_id, errstr, errstr_size) < 0) ||
        conf_set(conf, "reconnect.backoff.max.ms", "1000", errstr, errstr_size) < 0)
        goto fail;
    rd_kafka_conf_set_log_cb(conf, kafka_log_cb);
    rd_kafka_conf_set_error_cb(conf, kafka_error_cb);
    return conf;
fail:
    rd_kafka_conf_destroy(conf);
    return NULL;
}

/* "byebuy-monitor" -> "monitor" for the DLQ envelope's source. */
static const char *service_name(const char *client_id)
{
    if (!client_id || !*client_id)
        return "kafka";
    return strncmp(client_id, "byebuy-", 7) == 0 && client_id[7] ? client_id + 7 : client_id;
}

/* ---- producer --------------------------------------------------------------------------- */

struct kafka_producer {
    rd_kafka_t *rk;
    pthread_t thread;
    bool thread_started;
    atomic_bool stop;
    kafka_delivery_fn on_delivery;
    void *ctx;
};

/* The per-message opaque: either an async message's user opaque, or a waiter of
 * kafka_produce_sync. A waiter is shared by the waiting thread and the delivery callback;
 * whichever lets go last frees it, so a waiter that timed out leaves nothing dangling. */
typedef struct {
    bool sync;
    void *user_opaque;
    pthread_mutex_t mu;
    pthread_cond_t cond;
    int refs;
    bool done;
    rd_kafka_resp_err_t err;
} delivery_t;

static void delivery_unref(delivery_t *d)
{
    pthread_mutex_lock(&d->mu);
    bool last = --d->refs == 0;
    pthread_mutex_unlock(&d->mu);
    if (last) {
        pthread_mutex_destroy(&d->mu);
        pthread_cond_destroy(&d->cond);
        free(d);
    }
}

static void dr_msg_cb(rd_kafka_t *rk, const rd_kafka_message_t *rkm, void *opaque)
{
    (void)rk;
    kafka_producer_t *p = opaque;
    delivery_t *d = rkm->_private;
    if (!d)
        return;
    if (!d->sync) {
        if (p->on_delivery)
            p->on_delivery(d->user_opaque, (int)rkm->err,
                           rkm->err ? rd_kafka_err2str(rkm->err) : NULL, p->ctx);
        free(d);
        return;
    }
    pthread_mutex_lock(&d->mu);
    d->done = true;
    d->err = rkm->err;
    pthread_cond_signal(&d->cond);
    pthread_mutex_unlock(&d->mu);
    delivery_unref(d);
}

static void *producer_poll_thread(void *arg)
{
    kafka_producer_t *p = arg;
    while (!atomic_load(&p->stop))
        rd_kafka_poll(p->rk, 100);
    return NULL;
}

kafka_producer_t *kafka_producer_new(const char *bootstrap, const char *client_id,
                                     kafka_delivery_fn on_delivery, void *ctx, char *errstr,
                                     size_t errstr_size)
{
    kafka_producer_t *p = xcalloc(1, sizeof(*p));
    rd_kafka_conf_t *conf = conf_base(bootstrap, client_id, errstr, errstr_size);
    char err[512];

    p->on_delivery = on_delivery;
    p->ctx = ctx;
    atomic_init(&p->stop, false);
    if (!conf)
        goto fail;
    /* acks=all with idempotence: no duplicates from internal retries, no loss on leader
     * change. linger.ms 1: a chat pipeline wants latency more than batching, and the
     * poster waits for three acknowledged writes per job (the outbox relay enqueues whole
     * batches at once, so it still batches). KAFKA_LINGER_MS tunes it.
     * murmur2_random partitions keys like the Java clients. */
    if (conf_set(conf, "enable.idempotence", "true", errstr, errstr_size) < 0 ||
        conf_set(conf, "acks", "all", errstr, errstr_size) < 0 ||
        conf_set(conf, "linger.ms", "1", errstr, errstr_size) < 0 ||
        conf_set(conf, "partitioner", "murmur2_random", errstr, errstr_size) < 0 ||
        conf_passthrough(conf, errstr, errstr_size) < 0 ||
        /* pass-through may tune, but not turn off what the delivery guarantee rests on */
        conf_set(conf, "enable.idempotence", "true", errstr, errstr_size) < 0)
        goto fail;
    rd_kafka_conf_set_dr_msg_cb(conf, dr_msg_cb);
    rd_kafka_conf_set_opaque(conf, p);
    p->rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, err, sizeof(err));
    if (!p->rk) {
        snprintf(errstr, errstr_size, "kafka producer: %s", err);
        goto fail;
    }
    conf = NULL; /* owned by rk now */
    if (pthread_create(&p->thread, NULL, producer_poll_thread, p) != 0) {
        snprintf(errstr, errstr_size, "kafka producer: cannot start poll thread");
        goto fail;
    }
    p->thread_started = true;
    return p;
fail:
    if (conf)
        rd_kafka_conf_destroy(conf);
    kafka_producer_free(p);
    return NULL;
}

/* Enqueues with d as the message opaque; retries briefly while the local queue is full. */
static int produce_opaque(kafka_producer_t *p, const char *topic, const char *key,
                          const void *payload, size_t len, delivery_t *d, char *errstr,
                          size_t errstr_size)
{
    size_t keylen = key ? strlen(key) : 0;
    int64_t deadline = util_now_ms() + 1000;
    for (;;) {
        rd_kafka_resp_err_t err = rd_kafka_producev(
            p->rk, RD_KAFKA_V_TOPIC(topic), RD_KAFKA_V_KEY(keylen ? key : NULL, keylen),
            RD_KAFKA_V_VALUE((void *)payload, len), RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY),
            RD_KAFKA_V_OPAQUE(d), RD_KAFKA_V_END);
        if (err == RD_KAFKA_RESP_ERR_NO_ERROR)
            return 0;
        if (err != RD_KAFKA_RESP_ERR__QUEUE_FULL || util_now_ms() >= deadline) {
            snprintf(errstr, errstr_size, "produce to %s: %s", topic, rd_kafka_err2str(err));
            return -1;
        }
        util_sleep_ms(10, NULL); /* the poll thread drains delivery reports meanwhile */
    }
}

int kafka_produce(kafka_producer_t *p, const char *topic, const char *key, const void *payload,
                  size_t len, void *msg_opaque, char *errstr, size_t errstr_size)
{
    delivery_t *d = xcalloc(1, sizeof(*d));
    d->user_opaque = msg_opaque;
    if (produce_opaque(p, topic, key, payload, len, d, errstr, errstr_size) < 0) {
        free(d);
        return -1;
    }
    return 0;
}

int kafka_produce_sync(kafka_producer_t *p, const char *topic, const char *key, const void *payload,
                       size_t len, int timeout_ms, char *errstr, size_t errstr_size)
{
    delivery_t *d = xcalloc(1, sizeof(*d));
    pthread_condattr_t ca;
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_cond_init(&d->cond, &ca);
    pthread_condattr_destroy(&ca);
    pthread_mutex_init(&d->mu, NULL);
    d->sync = true;
    d->refs = 2; /* this thread and the delivery callback */

    if (produce_opaque(p, topic, key, payload, len, d, errstr, errstr_size) < 0) {
        d->refs = 1;
        delivery_unref(d);
        return -1;
    }
    struct timespec until = util_monotonic_deadline(timeout_ms);
    int rc = -1;
    pthread_mutex_lock(&d->mu);
    while (!d->done) {
        if (pthread_cond_timedwait(&d->cond, &d->mu, &until) == ETIMEDOUT)
            break;
    }
    if (!d->done)
        snprintf(errstr, errstr_size, "produce to %s: no delivery report within %d ms", topic,
                 timeout_ms);
    else if (d->err)
        snprintf(errstr, errstr_size, "produce to %s: %s", topic, rd_kafka_err2str(d->err));
    else
        rc = 0;
    pthread_mutex_unlock(&d->mu);
    delivery_unref(d);
    return rc;
}

int kafka_producer_flush(kafka_producer_t *p, int timeout_ms)
{
    return rd_kafka_flush(p->rk, timeout_ms) == RD_KAFKA_RESP_ERR_NO_ERROR ? 0 : -1;
}

int kafka_producer_ping(kafka_producer_t *p, int timeout_ms, char *errstr, size_t errstr_size)
{
    const struct rd_kafka_metadata *md = NULL;
    rd_kafka_resp_err_t err = rd_kafka_metadata(p->rk, 0, NULL, &md, timeout_ms);
    if (err) {
        snprintf(errstr, errstr_size, "kafka metadata: %s", rd_kafka_err2str(err));
        return -1;
    }
    int brokers = md->broker_cnt;
    rd_kafka_metadata_destroy(md);
    if (brokers <= 0) {
        snprintf(errstr, errstr_size, "kafka metadata: no brokers");
        return -1;
    }
    return 0;
}

bool kafka_probe(void *producer, char *detail, size_t detail_size)
{
    char errstr[256];
    if (kafka_producer_ping(producer, 2000, errstr, sizeof(errstr)) != 0) {
        snprintf(detail, detail_size, "%s", errstr);
        return false;
    }
    snprintf(detail, detail_size, "ok");
    return true;
}

void kafka_producer_free(kafka_producer_t *p)
{
    if (!p)
        return;
    if (p->rk) {
        if (rd_kafka_flush(p->rk, 5000) != RD_KAFKA_RESP_ERR_NO_ERROR) {
            LOG_WARN("kafka producer: %d message(s) undelivered after 5 s, purging",
                     rd_kafka_outq_len(p->rk));
            /* Purged messages get a delivery report (error), which frees their opaques. */
            rd_kafka_purge(p->rk, RD_KAFKA_PURGE_F_QUEUE | RD_KAFKA_PURGE_F_INFLIGHT);
            rd_kafka_flush(p->rk, 1000);
        }
    }
    if (p->thread_started) {
        atomic_store(&p->stop, true);
        pthread_join(p->thread, NULL);
    }
    if (p->rk)
        rd_kafka_destroy(p->rk);
    free(p);
}

/* ---- consumer --------------------------------------------------------------------------- */

typedef enum {
    TRACK_QUEUED,     /* fetched, waiting behind the in-flight limit or a retry */
    TRACK_NEW,        /* being handled */
    TRACK_DEFERRED,   /* the handler holds it */
    TRACK_WAIT_RETRY, /* back off, then call the handler (or retry the DLQ write) again */
    TRACK_DONE,       /* its effect is durable; stored once all before it are done */
} track_state_t;

typedef struct partition partition_t;

/* One message the consumer has dispatched and not yet stored past. */
typedef struct tracked {
    partition_t *part; /* NULL once its partition was revoked (orphan) */
    rd_kafka_message_t *rkm;
    kafka_message_t msg;
    char *key;
    track_state_t state;
    int attempts;
    int64_t due_ms;
    char *dlq_reason;                    /* set: the DLQ write failed and is what gets retried */
    struct tracked *next;                /* in its partition, in offset order */
    struct tracked *all_prev, *all_next; /* every live record, for kafka_consumer_free */
} tracked_t;

struct partition {
    char *topic;
    int32_t id;
    tracked_t *head, *tail;
    tracked_t *next_queued; /* first TRACK_QUEUED record: the queued ones are the list's tail */
    int queued;             /* records in TRACK_QUEUED */
    int deferred;           /* records in TRACK_DEFERRED */
    int retrying;           /* records in TRACK_WAIT_RETRY */
    bool paused;
    bool revoking; /* being handed over: finish what runs, start nothing new */
    /* per topic series, looked up once per assignment rather than per message */
    metric_t *m_ok, *m_retry, *m_drop, *m_deferred, *m_handler, *m_lag;
    partition_t *next;
};

typedef struct completion {
    tracked_t *t;
    handle_result_t result;
    char *reason;
    struct completion *next;
} completion_t;

struct kafka_consumer {
    rd_kafka_t *rk;
    kafka_handler_fn handler;
    void *ctx;
    kafka_producer_t *dlq;
    char *client_id;
    int max_in_flight;
    int max_queued;
    int poll_timeout_ms;
    int revoke_drain_ms;
    kafka_partitions_fn on_assigned, on_revoked;
    void *rebalance_ctx;
    partition_t *parts;
    tracked_t *all;
    int deferred; /* TRACK_DEFERRED records in assigned partitions */
    bool draining;
    bool closed;
    pthread_mutex_t cq_mu;
    completion_t *cq_head, *cq_tail;
};

static partition_t *part_find(kafka_consumer_t *c, const char *topic, int32_t id)
{
    for (partition_t *p = c->parts; p; p = p->next)
        if (p->id == id && strcmp(p->topic, topic) == 0)
            return p;
    return NULL;
}

static partition_t *part_add(kafka_consumer_t *c, const char *topic, int32_t id)
{
    partition_t *p = part_find(c, topic, id);
    if (p)
        return p;
    p = xcalloc(1, sizeof(*p));
    p->topic = xstrdup(topic);
    p->id = id;
    char name[320];
    static const char results_help[] =
        "Messages handled by the Kafka consumer wrapper, by verdict (deferred = handed to a "
        "worker; its completion counts again as ok, retry or drop)";
#define RESULT_COUNTER(field, result)                                                              \
    snprintf(name, sizeof(name), "bb_kafka_messages_total{topic=\"%s\",result=\"" result "\"}",    \
             topic);                                                                               \
    p->field = metrics_counter(name, results_help)
    RESULT_COUNTER(m_ok, "ok");
    RESULT_COUNTER(m_retry, "retry");
    RESULT_COUNTER(m_drop, "drop");
    RESULT_COUNTER(m_deferred, "deferred");
#undef RESULT_COUNTER
    snprintf(name, sizeof(name), "bb_kafka_handler_seconds{topic=\"%s\"}", topic);
    p->m_handler = metrics_histogram(name, "Time the consumer's handler took per call");
    snprintf(name, sizeof(name), "bb_kafka_dispatch_delay_seconds{topic=\"%s\"}", topic);
    p->m_lag = metrics_histogram(
        name, "From the message's timestamp to its first dispatch to the handler (end-to-end "
              "delay including time spent waiting behind earlier messages)");
    p->next = c->parts;
    c->parts = p;
    return p;
}

static void tracked_free(kafka_consumer_t *c, tracked_t *t)
{
    if (t->all_prev)
        t->all_prev->all_next = t->all_next;
    else
        c->all = t->all_next;
    if (t->all_next)
        t->all_next->all_prev = t->all_prev;
    rd_kafka_message_destroy(t->rkm);
    free(t->key);
    free(t->dlq_reason);
    free(t);
}

/* Moves t to a new state, keeping the partition's and the consumer's counters true. */
static void track_set(kafka_consumer_t *c, tracked_t *t, track_state_t state)
{
    partition_t *p = t->part;
    if (p) {
        if (t->state == TRACK_DEFERRED) {
            p->deferred--;
            c->deferred--;
        }
        if (t->state == TRACK_WAIT_RETRY)
            p->retrying--;
        if (state == TRACK_DEFERRED) {
            p->deferred++;
            c->deferred++;
        }
        if (state == TRACK_WAIT_RETRY)
            p->retrying++;
    }
    t->state = state;
}

static void pause_one(kafka_consumer_t *c, partition_t *p, bool pause)
{
    rd_kafka_topic_partition_list_t *l = rd_kafka_topic_partition_list_new(1);
    rd_kafka_topic_partition_list_add(l, p->topic, p->id);
    rd_kafka_resp_err_t err =
        pause ? rd_kafka_pause_partitions(c->rk, l) : rd_kafka_resume_partitions(c->rk, l);
    if (err)
        LOG_WARN("kafka %s %s [%d]: %s", pause ? "pause" : "resume", p->topic, p->id,
                 rd_kafka_err2str(err));
    else
        p->paused = pause;
    rd_kafka_topic_partition_list_destroy(l);
}

/* Fetching a partition pauses when its backlog of undispatched messages is full and resumes
 * when it is half empty, so the resume latency of librdkafka (up to 1 s) hides behind the
 * backlog still being worked on. While draining, everything stays paused. */
static void part_update_pause(kafka_consumer_t *c, partition_t *p)
{
    bool want = p->paused ? p->queued > c->max_queued / 2 : p->queued >= c->max_queued;
    if (c->draining)
        want = true;
    if (want != p->paused)
        pause_one(c, p, want);
}

/* Stores the offset past every leading done message and frees them. */
static void part_advance(kafka_consumer_t *c, partition_t *p)
{
    int64_t store = -1;
    while (p->head && p->head->state == TRACK_DONE) {
        tracked_t *t = p->head;
        p->head = t->next;
        if (!p->head)
            p->tail = NULL;
        store = t->msg.offset + 1;
        tracked_free(c, t);
    }
    if (store < 0)
        return;
    rd_kafka_topic_partition_list_t *l = rd_kafka_topic_partition_list_new(1);
    rd_kafka_topic_partition_list_add(l, p->topic, p->id)->offset = store;
    rd_kafka_resp_err_t err = rd_kafka_offsets_store(c->rk, l);
    if (!err)
        err = l->elems[0].err;
    if (err) /* e.g. revoked meanwhile: the message will be redelivered, which is safe */
        LOG_WARN("kafka store offset %s [%d]@%lld: %s", p->topic, p->id, (long long)store,
                 rd_kafka_err2str(err));
    rd_kafka_topic_partition_list_destroy(l);
}

void kafka_message_context(const kafka_message_t *msg, char *buf, size_t size)
{
    char key[65];
    size_t n = msg->key_len < sizeof(key) - 1 ? msg->key_len : sizeof(key) - 1;
    for (size_t i = 0; i < n; i++) {
        unsigned char ch = (unsigned char)msg->key[i];
        key[i] = ch < 0x20 || ch == 0x7f ? '?' : (char)ch;
    }
    key[n] = '\0';
    snprintf(buf, size, "%s [%d]@%lld key=%s%s", msg->topic, (int)msg->partition,
             (long long)msg->offset, key, msg->key_len > n ? "..." : "");
}

/* Publishes the message to bb.dlq (key = original key) and waits for the broker's ack. */
static int dlq_write(kafka_consumer_t *c, tracked_t *t, const char *reason)
{
    char errstr[512];
    const kafka_message_t *m = &t->msg;
    cJSON *data = dlq_message_build(m->topic, m->partition, m->offset, reason, m->payload, m->len);
    char *text = event_encode(service_name(c->client_id), EV_DLQ_MESSAGE,
                              m->key_len ? m->key : NULL, NULL, data);
    if (!text) {
        LOG_MSG(m, ERROR, "dlq: cannot encode the event");
        return -1;
    }
    int rc = kafka_produce_sync(c->dlq, TOPIC_DLQ, m->key_len ? m->key : NULL, text, strlen(text),
                                DLQ_TIMEOUT_MS, errstr, sizeof(errstr));
    if (rc == 0)
        LOG_MSG(m, WARN, "dlq -> " TOPIC_DLQ ": %s", reason);
    else
        LOG_MSG(m, ERROR, "dlq: %s (will retry)", errstr);
    free(text);
    return rc;
}

static void schedule_retry(kafka_consumer_t *c, tracked_t *t)
{
    int64_t delay = RETRY_FIRST_MS;
    for (int i = 0; i < t->attempts && delay < RETRY_MAX_MS; i++)
        delay *= 2;
    if (delay > RETRY_MAX_MS)
        delay = RETRY_MAX_MS;
    t->attempts++;
    t->due_ms = util_now_ms() + delay;
    track_set(c, t, TRACK_WAIT_RETRY);
}

/* Acts on a handler's (or a completion's) verdict for t, then advances its partition. */
static void apply_result(kafka_consumer_t *c, tracked_t *t, handle_result_t r, const char *reason)
{
    const kafka_message_t *m = &t->msg;
    partition_t *p = t->part;
    /* a drop counts once its DLQ write succeeded (a failed write is retried) */
    metric_t *counter = !p || r == HANDLE_DROP ? NULL
                        : r == HANDLE_OK       ? p->m_ok
                        : r == HANDLE_DEFERRED ? p->m_deferred
                                               : p->m_retry;
    if (counter)
        metrics_inc(counter, 1);
    switch (r) {
    case HANDLE_OK:
        track_set(c, t, TRACK_DONE);
        break;
    case HANDLE_DEFERRED:
        track_set(c, t, TRACK_DEFERRED);
        break;
    case HANDLE_DROP:
        if (dlq_write(c, t, reason && *reason ? reason : "dropped by handler") == 0) {
            if (p)
                metrics_inc(p->m_drop, 1);
            track_set(c, t, TRACK_DONE);
        } else {
            /* Never lose it: keep retrying the DLQ write. */
            free(t->dlq_reason);
            t->dlq_reason = xstrdup(reason && *reason ? reason : "dropped by handler");
            schedule_retry(c, t);
        }
        break;
    case HANDLE_RETRY:
    default:
        if (r != HANDLE_RETRY)
            LOG_MSG(m, ERROR, "kafka handler returned %d: treated as retry", (int)r);
        schedule_retry(c, t);
        LOG_MSG(m, WARN, "retry in %lld ms (attempt %d): %s",
                (long long)(t->due_ms - util_now_ms()), t->attempts,
                reason && *reason ? reason : "handler asked to retry");
        break;
    }
    if (t->part)
        part_advance(c, t->part);
}

static void dispatch(kafka_consumer_t *c, tracked_t *t)
{
    char errstr[512] = "";
    track_set(c, t, TRACK_NEW);
    int64_t t0 = util_now_us();
    if (t->attempts == 0 && t->msg.timestamp_ms > 0 && t->part) {
        int64_t delay_ms = util_wall_ms() - t->msg.timestamp_ms;
        metrics_observe_us(t->part->m_lag, delay_ms > 0 ? delay_ms * 1000 : 0); /* clock skew */
    }
    handle_result_t r = c->handler(&t->msg, c->ctx, errstr, sizeof(errstr));
    if (t->part)
        metrics_observe_us(t->part->m_handler, util_now_us() - t0);
    apply_result(c, t, r, errstr);
}

/* Dispatches queued messages of p in offset order while it has room: fewer than
 * max_in_flight deferred and none waiting for a retry (a key's later messages must not
 * overtake it). Then updates the partition's pause state. */
static void part_pump(kafka_consumer_t *c, partition_t *p)
{
    while (p->next_queued && !c->draining && !p->revoking && p->retrying == 0 &&
           p->deferred < c->max_in_flight) {
        tracked_t *t = p->next_queued;
        p->next_queued = t->next;
        p->queued--;
        dispatch(c, t); /* may free t (done and at the head) */
    }
    part_update_pause(c, p);
}

static void on_message(kafka_consumer_t *c, rd_kafka_message_t *rkm)
{
    const char *topic = rd_kafka_topic_name(rkm->rkt);
    partition_t *p = part_find(c, topic, rkm->partition);
    if (!p) /* assignment not seen yet (should not happen); track it anyway */
        p = part_add(c, topic, rkm->partition);
    tracked_t *t = xcalloc(1, sizeof(*t));
    t->part = p;
    t->rkm = rkm;
    t->key = rkm->key ? xstrndup(rkm->key, rkm->key_len) : xstrdup("");
    t->msg.topic = topic;
    t->msg.partition = rkm->partition;
    t->msg.offset = rkm->offset;
    t->msg.key = t->key;
    t->msg.key_len = rkm->key ? strlen(t->key) : 0;
    t->msg.payload = rkm->payload ? rkm->payload : "";
    t->msg.len = rkm->payload ? rkm->len : 0;
    t->msg.timestamp_ms = rd_kafka_message_timestamp(rkm, NULL);
    t->msg.token = t;
    t->state = TRACK_QUEUED;
    t->all_next = c->all;
    if (c->all)
        c->all->all_prev = t;
    c->all = t;
    if (p->tail)
        p->tail->next = t;
    else
        p->head = t;
    p->tail = t;
    if (!p->next_queued)
        p->next_queued = t;
    p->queued++;
    part_pump(c, p);
}

/* Applies completions posted by other threads, in the order they were posted. */
static void apply_completions(kafka_consumer_t *c)
{
    pthread_mutex_lock(&c->cq_mu);
    completion_t *q = c->cq_head;
    c->cq_head = c->cq_tail = NULL;
    pthread_mutex_unlock(&c->cq_mu);
    while (q) {
        completion_t *next = q->next;
        tracked_t *t = q->t;
        if (!t->part) {
            /* Its partition was revoked: another consumer owns it now and will redeliver. */
            tracked_free(c, t);
        } else if (t->state != TRACK_DEFERRED) {
            LOG_MSG(&t->msg, ERROR, "kafka_consumer_complete on a message not deferred: ignored");
        } else {
            partition_t *p = t->part;
            apply_result(c, t, q->result, q->reason);
            part_pump(c, p);
        }
        free(q->reason);
        free(q);
        q = next;
    }
}

/* Calls the handler again for messages whose backoff has passed; returns ms until the next. */
static int64_t run_due_retries(kafka_consumer_t *c)
{
    int64_t next = -1;
    for (partition_t *p = c->parts; p; p = p->next) {
        if (p->retrying == 0)
            continue;
        for (tracked_t *t = p->head; t; t = t->next) {
            if (t->state != TRACK_WAIT_RETRY)
                continue;
            int64_t left = t->due_ms - util_now_ms();
            if (left > 0) {
                next = next < 0 || left < next ? left : next;
                continue;
            }
            if (t->dlq_reason) {
                char *reason = t->dlq_reason;
                t->dlq_reason = NULL;
                track_set(c, t, TRACK_NEW);
                apply_result(c, t, HANDLE_DROP, reason);
                free(reason);
            } else {
                dispatch(c, t);
            }
            part_pump(c, p);
            return 0; /* the partition list may have changed under us: rescan */
        }
    }
    return next;
}

/* Drops the tracking of a revoked partition: deferred messages become orphans (their
 * completion is a no-op), the rest is freed; nothing more is stored for it. */
static void part_drop(kafka_consumer_t *c, const char *topic, int32_t id)
{
    partition_t **pp = &c->parts;
    while (*pp && !((*pp)->id == id && strcmp((*pp)->topic, topic) == 0))
        pp = &(*pp)->next;
    partition_t *p = *pp;
    if (!p)
        return;
    *pp = p->next;
    tracked_t *t = p->head;
    while (t) {
        tracked_t *next = t->next;
        if (t->state == TRACK_DEFERRED) {
            c->deferred--;
            t->part = NULL;
            t->next = NULL;
        } else {
            tracked_free(c, t);
        }
        t = next;
    }
    free(p->topic);
    free(p);
}

/* "bb.x[0,1,2] bb.y[3]" for the log. */
static void format_parts(const rd_kafka_topic_partition_list_t *l, char *buf, size_t size)
{
    size_t used = 0;
    buf[0] = '\0';
    for (int i = 0; i < l->cnt && used < size; i++) {
        bool same = i > 0 && strcmp(l->elems[i].topic, l->elems[i - 1].topic) == 0;
        int n = same ? snprintf(buf + used - 1, size - used + 1, ",%d]", l->elems[i].partition)
                     : snprintf(buf + used, size - used, "%s%s[%d]", i ? " " : "",
                                l->elems[i].topic, l->elems[i].partition);
        if (n < 0)
            break;
        used += same ? (size_t)n - 1 : (size_t)n;
    }
}

static void commit_stored(kafka_consumer_t *c, const char *why)
{
    rd_kafka_resp_err_t err = rd_kafka_commit(c->rk, NULL, 0 /* sync */);
    if (err && err != RD_KAFKA_RESP_ERR__NO_OFFSET)
        LOG_WARN("kafka commit (%s): %s", why, rd_kafka_err2str(err));
}

/* Before revoked partitions go to another member, lets their deferred work finish (at most
 * revoke_drain_ms) and stores its offsets, starting nothing new on them. Without this the
 * new owner redelivers a message still being worked on here, and both do the work at once
 * (two browsers posting one listing). The group waits for this member meanwhile. */
static void revoke_drain(kafka_consumer_t *c, const rd_kafka_topic_partition_list_t *parts)
{
    /* Stopping: the drain of kafka_consumer_run already had its turn. */
    if (c->revoke_drain_ms <= 0 || c->draining)
        return;
    int64_t deadline = util_now_ms() + c->revoke_drain_ms;
    int pending;
    for (;;) {
        apply_completions(c);
        pending = 0;
        for (int i = 0; i < parts->cnt; i++) {
            partition_t *p = part_find(c, parts->elems[i].topic, parts->elems[i].partition);
            if (p) {
                p->revoking = true;
                pending += p->deferred;
            }
        }
        if (pending == 0 || util_now_ms() >= deadline)
            break;
        struct timespec ts = {.tv_sec = 0, .tv_nsec = 5 * 1000000L};
        nanosleep(&ts, NULL);
    }
    if (pending > 0)
        LOG_WARN("kafka revoke: %d deferred message%s still running after %d ms; the new owner "
                 "will redeliver %s",
                 pending, pending == 1 ? "" : "s", c->revoke_drain_ms,
                 pending == 1 ? "it" : "them");
}

/* Calls a rebalance hook once per topic of the list, with that topic's partitions. */
static void call_hook(kafka_consumer_t *c, kafka_partitions_fn fn,
                      const rd_kafka_topic_partition_list_t *parts, bool lost)
{
    if (!fn || parts->cnt == 0)
        return;
    int32_t *ids = xcalloc((size_t)parts->cnt, sizeof(*ids));
    for (int i = 0; i < parts->cnt; i++) {
        const char *topic = parts->elems[i].topic;
        bool seen = false;
        for (int j = 0; j < i && !seen; j++)
            seen = strcmp(parts->elems[j].topic, topic) == 0;
        if (seen)
            continue;
        size_t n = 0;
        for (int j = i; j < parts->cnt; j++)
            if (strcmp(parts->elems[j].topic, topic) == 0)
                ids[n++] = parts->elems[j].partition;
        fn(topic, ids, n, lost, c->rebalance_ctx);
    }
    free(ids);
}

static void rebalance_cb(rd_kafka_t *rk, rd_kafka_resp_err_t err,
                         rd_kafka_topic_partition_list_t *parts, void *opaque)
{
    kafka_consumer_t *c = opaque;
    bool coop = strcmp(rd_kafka_rebalance_protocol(rk), "COOPERATIVE") == 0;
    char list[1024];
    format_parts(parts, list, sizeof(list));

    if (err == RD_KAFKA_RESP_ERR__ASSIGN_PARTITIONS) {
        LOG_INFO("kafka assigned: %s", parts->cnt ? list : "(none)");
        for (int i = 0; i < parts->cnt; i++)
            part_add(c, parts->elems[i].topic, parts->elems[i].partition);
        call_hook(c, c->on_assigned, parts, false);
        if (coop) {
            rd_kafka_error_t *e = rd_kafka_incremental_assign(rk, parts);
            if (e) {
                LOG_ERROR("kafka incremental assign: %s", rd_kafka_error_string(e));
                rd_kafka_error_destroy(e);
            }
        } else {
            rd_kafka_assign(rk, parts);
        }
        /* A partition paused before it was last revoked must not come back paused. */
        rd_kafka_resume_partitions(rk, parts);
        return;
    }
    if (err == RD_KAFKA_RESP_ERR__REVOKE_PARTITIONS) {
        bool lost = rd_kafka_assignment_lost(rk);
        LOG_INFO("kafka %s: %s", lost ? "lost" : "revoked", parts->cnt ? list : "(none)");
        if (!lost)
            revoke_drain(c, parts);
        call_hook(c, c->on_revoked, parts, lost);
        for (int i = 0; i < parts->cnt; i++)
            part_drop(c, parts->elems[i].topic, parts->elems[i].partition);
        /* Commit what is stored before another member takes over (a lost assignment
         * cannot commit: its generation is gone). */
        if (!lost)
            commit_stored(c, "revoke");
        if (coop) {
            rd_kafka_error_t *e = rd_kafka_incremental_unassign(rk, parts);
            if (e) {
                LOG_ERROR("kafka incremental unassign: %s", rd_kafka_error_string(e));
                rd_kafka_error_destroy(e);
            }
        } else {
            rd_kafka_assign(rk, NULL);
        }
        return;
    }
    LOG_ERROR("kafka rebalance error: %s", rd_kafka_err2str(err));
    rd_kafka_assign(rk, NULL);
}

static void offset_commit_cb(rd_kafka_t *rk, rd_kafka_resp_err_t err,
                             rd_kafka_topic_partition_list_t *offsets, void *opaque)
{
    (void)rk;
    (void)opaque;
    if (err && err != RD_KAFKA_RESP_ERR__NO_OFFSET) {
        LOG_WARN("kafka commit: %s", rd_kafka_err2str(err));
        return;
    }
    for (int i = 0; offsets && i < offsets->cnt; i++)
        if (offsets->elems[i].err)
            LOG_WARN("kafka commit %s [%d]: %s", offsets->elems[i].topic,
                     offsets->elems[i].partition, rd_kafka_err2str(offsets->elems[i].err));
}

kafka_consumer_t *kafka_consumer_new(const kafka_consumer_config_t *cfg, char *errstr,
                                     size_t errstr_size)
{
    kafka_consumer_t *c = xcalloc(1, sizeof(*c));
    rd_kafka_conf_t *conf = NULL;
    rd_kafka_topic_partition_list_t *subs = NULL;
    char err[512];

    pthread_mutex_init(&c->cq_mu, NULL);
    if (!cfg->handler || !cfg->topics || !cfg->topics[0] || !cfg->dlq_producer || !cfg->group_id ||
        !*cfg->group_id) {
        snprintf(errstr, errstr_size,
                 "kafka consumer: handler, topics, group_id and dlq_producer are required");
        goto fail;
    }
    c->handler = cfg->handler;
    c->ctx = cfg->ctx;
    c->dlq = cfg->dlq_producer;
    c->client_id = xstrdup(cfg->client_id ? cfg->client_id : "byebuy");
    c->max_in_flight = cfg->max_in_flight_per_partition > 0 ? cfg->max_in_flight_per_partition : 1;
    c->max_queued = cfg->max_queued_per_partition > 0 ? cfg->max_queued_per_partition : 64;
    c->revoke_drain_ms = cfg->revoke_drain_timeout_ms > 0 ? cfg->revoke_drain_timeout_ms : 0;
    c->poll_timeout_ms = cfg->poll_timeout_ms > 0 ? cfg->poll_timeout_ms : 100;
    c->on_assigned = cfg->on_assigned;
    c->on_revoked = cfg->on_revoked;
    c->rebalance_ctx = cfg->rebalance_ctx;

    conf = conf_base(cfg->bootstrap, cfg->client_id, errstr, errstr_size);
    if (!conf)
        goto fail;
    /* cooperative-sticky: in librdkafka 2.0.2, commits inside an eager revoke failed with
     * "rebalance in progress". Offsets are stored by us only after the effect is durable and
     * auto-committed from there. fetch.wait.max.ms low: chat latency over fetch efficiency. */
    if (conf_set(conf, "group.id", cfg->group_id, errstr, errstr_size) < 0 ||
        conf_set(conf, "partition.assignment.strategy", "cooperative-sticky", errstr, errstr_size) <
            0 ||
        conf_set(conf, "enable.auto.offset.store", "false", errstr, errstr_size) < 0 ||
        conf_set(conf, "enable.auto.commit", "true", errstr, errstr_size) < 0 ||
        conf_set(conf, "auto.offset.reset", "earliest", errstr, errstr_size) < 0 ||
        conf_set(conf, "fetch.wait.max.ms", "10", errstr, errstr_size) < 0 ||
        conf_passthrough(conf, errstr, errstr_size) < 0 ||
        conf_group_instance(conf, errstr, errstr_size) < 0 ||
        /* pass-through may tune, but not break at-least-once */
        conf_set(conf, "enable.auto.offset.store", "false", errstr, errstr_size) < 0 ||
        conf_set(conf, "group.id", cfg->group_id, errstr, errstr_size) < 0)
        goto fail;
    rd_kafka_conf_set_rebalance_cb(conf, rebalance_cb);
    rd_kafka_conf_set_offset_commit_cb(conf, offset_commit_cb);
    rd_kafka_conf_set_opaque(conf, c);
    c->rk = rd_kafka_new(RD_KAFKA_CONSUMER, conf, err, sizeof(err));
    if (!c->rk) {
        snprintf(errstr, errstr_size, "kafka consumer: %s", err);
        goto fail;
    }
    conf = NULL;
    rd_kafka_poll_set_consumer(c->rk);

    subs = rd_kafka_topic_partition_list_new(4);
    for (size_t i = 0; cfg->topics[i]; i++)
        rd_kafka_topic_partition_list_add(subs, cfg->topics[i], RD_KAFKA_PARTITION_UA);
    rd_kafka_resp_err_t serr = rd_kafka_subscribe(c->rk, subs);
    rd_kafka_topic_partition_list_destroy(subs);
    if (serr) {
        snprintf(errstr, errstr_size, "kafka subscribe: %s", rd_kafka_err2str(serr));
        goto fail;
    }
    return c;
fail:
    if (conf)
        rd_kafka_conf_destroy(conf);
    kafka_consumer_free(c);
    return NULL;
}

/* Pauses every assigned partition so nothing new arrives while deferred work drains. */
static void pause_all(kafka_consumer_t *c)
{
    c->draining = true;
    for (partition_t *p = c->parts; p; p = p->next)
        if (!p->paused)
            pause_one(c, p, true);
}

int kafka_consumer_run(kafka_consumer_t *c, const volatile sig_atomic_t *stop, int drain_timeout_ms)
{
    while (!*stop) {
        apply_completions(c);
        int64_t next_retry = run_due_retries(c);
        int timeout = c->poll_timeout_ms;
        /* Completions arrive from other threads. rd_kafka_queue_yield does not wake
         * rd_kafka_consumer_poll in librdkafka 2.0.2 (measured: a completion waited the whole
         * timeout), so poll in short slices while deferred work is out. */
        if (c->deferred > 0 && timeout > COMPLETION_POLL_MS)
            timeout = COMPLETION_POLL_MS;
        if (next_retry >= 0 && next_retry < timeout)
            timeout = (int)next_retry;
        rd_kafka_message_t *rkm = rd_kafka_consumer_poll(c->rk, timeout);
        if (!rkm)
            continue;
        if (rkm->err) {
            if (rkm->err != RD_KAFKA_RESP_ERR__PARTITION_EOF)
                LOG_WARN("kafka consume: %s%s%s", rd_kafka_message_errstr(rkm),
                         rkm->rkt ? " on " : "", rkm->rkt ? rd_kafka_topic_name(rkm->rkt) : "");
            rd_kafka_message_destroy(rkm);
            continue;
        }
        on_message(c, rkm);
    }

    LOG_INFO("kafka consumer stopping (%d deferred message(s) in flight)", c->deferred);
    pause_all(c);
    int64_t deadline = util_now_ms() + drain_timeout_ms;
    while (c->deferred > 0 && util_now_ms() < deadline) {
        apply_completions(c);
        rd_kafka_message_t *rkm = rd_kafka_consumer_poll(c->rk, 20);
        if (rkm) /* raced the pause: not handled, not stored, redelivered later */
            rd_kafka_message_destroy(rkm);
    }
    apply_completions(c);
    if (c->deferred > 0)
        LOG_WARN("kafka consumer: %d deferred message(s) not completed in %d ms; they will be "
                 "redelivered",
                 c->deferred, drain_timeout_ms);
    commit_stored(c, "stop");
    rd_kafka_resp_err_t err = rd_kafka_consumer_close(c->rk);
    c->closed = true;
    if (err) {
        LOG_WARN("kafka consumer close: %s", rd_kafka_err2str(err));
        return -1;
    }
    return 0;
}

void kafka_consumer_complete(kafka_consumer_t *c, void *token, handle_result_t result,
                             const char *reason)
{
    completion_t *q = xcalloc(1, sizeof(*q));
    q->t = token;
    q->result = result;
    q->reason = reason ? xstrdup(reason) : NULL;
    pthread_mutex_lock(&c->cq_mu);
    if (c->cq_tail)
        c->cq_tail->next = q;
    else
        c->cq_head = q;
    c->cq_tail = q;
    pthread_mutex_unlock(&c->cq_mu);
    /* The poll loop picks it up within COMPLETION_POLL_MS (see kafka_consumer_run). */
}

void kafka_consumer_free(kafka_consumer_t *c)
{
    if (!c)
        return;
    if (c->rk && !c->closed)
        rd_kafka_consumer_close(c->rk);
    /* librdkafka's destroy waits for every message the application still holds: release
     * the tracked ones (deferred work that never completed) first, or it hangs. */
    while (c->all)
        tracked_free(c, c->all);
    if (c->rk)
        rd_kafka_destroy(c->rk);
    while (c->parts) {
        partition_t *p = c->parts;
        c->parts = p->next;
        free(p->topic);
        free(p);
    }
    while (c->cq_head) {
        completion_t *q = c->cq_head;
        c->cq_head = q->next;
        free(q->reason);
        free(q);
    }
    pthread_mutex_destroy(&c->cq_mu);
    free(c->client_id);
    free(c);
}

/* ---- admin ------------------------------------------------------------------------------ */

bool kafka_topic_compacted(const char *topic)
{
    /* Keyed state, not a stream: only the last record per key matters. */
    static const char *const compacted[] = {TOPIC_MONITOR_DESIRED, NULL};
    for (size_t i = 0; compacted[i]; i++)
        if (strcmp(topic, compacted[i]) == 0)
            return true;
    return false;
}

/* true when the cluster's metadata (as this broker answers it) has `topic` with all its
 * partitions led. */
static bool topic_ready(const rd_kafka_metadata_t *md, const char *topic)
{
    for (int i = 0; i < md->topic_cnt; i++) {
        const rd_kafka_metadata_topic_t *t = &md->topics[i];
        if (strcmp(t->topic, topic) != 0)
            continue;
        if (t->err || t->partition_cnt == 0)
            return false;
        for (int p = 0; p < t->partition_cnt; p++)
            if (t->partitions[p].err || t->partitions[p].leader < 0)
                return false;
        return true;
    }
    return false;
}

/* Waits until every topic is in the metadata with its partitions led. CreateTopics answers
 * once the controller has the topics, before every broker's metadata shows them: a consumer
 * that subscribes in that window is told "Subscribed topic not available", leaves the topic
 * out of its assignment and looks again only at the next metadata refresh (5 minutes by
 * default) - seen under docker-compose, where the api then missed bb.monitor.events. */
static int topics_wait_ready(rd_kafka_t *rk, const char *const *topics, size_t n, int timeout_ms,
                             char *errstr, size_t errstr_size)
{
    int64_t deadline = util_now_ms() + timeout_ms;
    const char *missing = NULL;
    for (;;) {
        const rd_kafka_metadata_t *md = NULL;
        missing = NULL;
        if (rd_kafka_metadata(rk, 1, NULL, &md, 2000) == RD_KAFKA_RESP_ERR_NO_ERROR) {
            for (size_t i = 0; i < n && !missing; i++)
                if (!topic_ready(md, topics[i]))
                    missing = topics[i];
            rd_kafka_metadata_destroy(md);
            if (!missing)
                return 0;
        }
        if (util_now_ms() >= deadline)
            break;
        util_sleep_ms(100, NULL);
    }
    snprintf(errstr, errstr_size, "topic %s: not in the cluster's metadata with a leader for "
             "every partition within %d ms of creating it", missing ? missing : "(metadata)",
             timeout_ms);
    return -1;
}

int kafka_topics_ensure(const char *bootstrap, const char *const *topics, int partitions,
                        int replication, int timeout_ms, char *errstr, size_t errstr_size)
{
    rd_kafka_conf_t *conf = conf_base(bootstrap, "byebuy-admin", errstr, errstr_size);
    rd_kafka_t *rk = NULL;
    rd_kafka_NewTopic_t **newt = NULL;
    rd_kafka_AdminOptions_t *opts = NULL;
    rd_kafka_queue_t *q = NULL;
    rd_kafka_event_t *ev = NULL;
    size_t n = 0;
    int rc = -1;
    char err[512];

    if (!conf || conf_passthrough(conf, errstr, errstr_size) < 0)
        goto cleanup;
    rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, err, sizeof(err));
    if (!rk) {
        snprintf(errstr, errstr_size, "kafka admin: %s", err);
        goto cleanup;
    }
    conf = NULL;
    while (topics[n])
        n++;
    if (n == 0) {
        rc = 0;
        goto cleanup;
    }
    newt = xcalloc(n, sizeof(*newt));
    for (size_t i = 0; i < n; i++) {
        newt[i] = rd_kafka_NewTopic_new(topics[i], partitions, replication, err, sizeof(err));
        if (!newt[i]) {
            snprintf(errstr, errstr_size, "topic %s: %s", topics[i], err);
            goto cleanup;
        }
        if (kafka_topic_compacted(topics[i]) &&
            rd_kafka_NewTopic_set_config(newt[i], "cleanup.policy", "compact") != 0) {
            snprintf(errstr, errstr_size, "topic %s: cannot set cleanup.policy", topics[i]);
            goto cleanup;
        }
    }
    opts = rd_kafka_AdminOptions_new(rk, RD_KAFKA_ADMIN_OP_CREATETOPICS);
    if (rd_kafka_AdminOptions_set_request_timeout(opts, timeout_ms, err, sizeof(err)) ||
        rd_kafka_AdminOptions_set_operation_timeout(opts, timeout_ms, err, sizeof(err))) {
        snprintf(errstr, errstr_size, "kafka admin options: %s", err);
        goto cleanup;
    }
    q = rd_kafka_queue_new(rk);
    rd_kafka_CreateTopics(rk, newt, n, opts, q);
    ev = rd_kafka_queue_poll(q, timeout_ms + 2000);
    if (!ev) {
        snprintf(errstr, errstr_size, "create topics: no answer within %d ms", timeout_ms);
        goto cleanup;
    }
    if (rd_kafka_event_error(ev)) {
        snprintf(errstr, errstr_size, "create topics: %s", rd_kafka_event_error_string(ev));
        goto cleanup;
    }
    size_t cnt = 0;
    const rd_kafka_topic_result_t **res =
        rd_kafka_CreateTopics_result_topics(rd_kafka_event_CreateTopics_result(ev), &cnt);
    for (size_t i = 0; i < cnt; i++) {
        rd_kafka_resp_err_t terr = rd_kafka_topic_result_error(res[i]);
        const char *name = rd_kafka_topic_result_name(res[i]);
        if (terr == RD_KAFKA_RESP_ERR_TOPIC_ALREADY_EXISTS)
            continue;
        if (terr) {
            const char *msg = rd_kafka_topic_result_error_string(res[i]);
            snprintf(errstr, errstr_size, "create topic %s: %s", name,
                     msg ? msg : rd_kafka_err2str(terr));
            goto cleanup;
        }
        LOG_INFO("created topic %s (%d partitions, replication %d%s)", name, partitions,
                 replication, kafka_topic_compacted(name) ? ", compacted" : "");
    }
    if (topics_wait_ready(rk, topics, n, timeout_ms, errstr, errstr_size) != 0)
        goto cleanup;
    rc = 0;
cleanup:
    if (ev)
        rd_kafka_event_destroy(ev);
    if (q)
        rd_kafka_queue_destroy(q);
    if (opts)
        rd_kafka_AdminOptions_destroy(opts);
    if (newt) {
        for (size_t i = 0; i < n; i++)
            if (newt[i])
                rd_kafka_NewTopic_destroy(newt[i]);
        free(newt);
    }
    if (rk)
        rd_kafka_destroy(rk);
    if (conf)
        rd_kafka_conf_destroy(conf);
    return rc;
}

/* ---- reading a partition ---------------------------------------------------------------- */

/* A consumer outside any group, for assign() only. */
static rd_kafka_t *reader_new(const char *bootstrap, const char *client_id, char *errstr,
                              size_t errstr_size)
{
    char err[512];
    rd_kafka_conf_t *conf = conf_base(bootstrap, client_id, errstr, errstr_size);
    if (!conf)
        return NULL;
    if (conf_passthrough(conf, errstr, errstr_size) < 0 ||
        /* librdkafka wants a group id for a consumer handle; nothing is committed under it */
        conf_set(conf, "group.id", "byebuy-reader", errstr, errstr_size) < 0 ||
        conf_set(conf, "enable.auto.commit", "false", errstr, errstr_size) < 0 ||
        conf_set(conf, "enable.auto.offset.store", "false", errstr, errstr_size) < 0 ||
        conf_set(conf, "enable.partition.eof", "true", errstr, errstr_size) < 0 ||
        conf_set(conf, "fetch.wait.max.ms", "10", errstr, errstr_size) < 0) {
        rd_kafka_conf_destroy(conf);
        return NULL;
    }
    rd_kafka_t *rk = rd_kafka_new(RD_KAFKA_CONSUMER, conf, err, sizeof(err));
    if (!rk) {
        snprintf(errstr, errstr_size, "kafka reader: %s", err);
        rd_kafka_conf_destroy(conf);
        return NULL;
    }
    rd_kafka_poll_set_consumer(rk);
    return rk;
}

/* Where each partition being read stands: its end offset, and whether it got there. */
typedef struct {
    int32_t partition;
    int64_t end;
    bool done;
} read_part_t;

static read_part_t *read_part_find(read_part_t *rp, size_t n, int32_t partition)
{
    for (size_t i = 0; i < n; i++)
        if (rp[i].partition == partition)
            return &rp[i];
    return NULL;
}

/* Consumes the assigned partitions until each reached end - 1 (or EOF); returns the count. */
static int64_t reader_drain(rd_kafka_t *rk, const char *topic, read_part_t *rp, size_t n,
                            size_t pending, kafka_record_fn fn, void *ctx, int64_t deadline,
                            char *errstr, size_t errstr_size)
{
    int64_t count = 0;
    while (pending > 0) {
        if (util_now_ms() >= deadline) {
            snprintf(errstr, errstr_size, "%s: %zu partition(s) not read to their end in time",
                     topic, pending);
            return -1;
        }
        rd_kafka_message_t *m = rd_kafka_consumer_poll(rk, 100);
        if (!m)
            continue;
        read_part_t *p = read_part_find(rp, n, m->partition);
        if (m->err && m->err != RD_KAFKA_RESP_ERR__PARTITION_EOF) {
            snprintf(errstr, errstr_size, "%s [%d]: %s", topic, m->partition,
                     rd_kafka_message_errstr(m));
            rd_kafka_message_destroy(m);
            return -1;
        }
        if (!m->err) {
            char *key = xmalloc(m->key_len + 1);
            if (m->key_len)
                memcpy(key, m->key, m->key_len);
            key[m->key_len] = '\0';
            fn(m->partition, key, m->payload, m->payload ? m->len : 0, m->offset, ctx);
            free(key);
            count++;
        }
        if (p && !p->done && (m->err || m->offset >= p->end - 1)) {
            p->done = true;
            pending--;
        }
        rd_kafka_message_destroy(m);
    }
    return count;
}

int64_t kafka_read_partitions(const char *bootstrap, const char *client_id, const char *topic,
                              const int32_t *partitions, size_t n, kafka_record_fn fn, void *ctx,
                              int timeout_ms, char *errstr, size_t errstr_size)
{
    int64_t deadline = util_now_ms() + timeout_ms, count = -1;
    rd_kafka_t *rk = reader_new(bootstrap, client_id, errstr, errstr_size);
    if (!rk)
        return -1;
    read_part_t *rp = xcalloc(n ? n : 1, sizeof(*rp));
    rd_kafka_topic_partition_list_t *l = rd_kafka_topic_partition_list_new((int)(n ? n : 1));
    size_t pending = 0;
    for (size_t i = 0; i < n; i++) {
        int64_t low = 0, high = 0;
        rd_kafka_resp_err_t err = rd_kafka_query_watermark_offsets(
            rk, topic, partitions[i], &low, &high, (int)(deadline - util_now_ms()));
        if (err) {
            snprintf(errstr, errstr_size, "%s [%d]: end offset: %s", topic, partitions[i],
                     rd_kafka_err2str(err));
            goto done;
        }
        rp[i] = (read_part_t){partitions[i], high, high <= low};
        if (high > low) {
            rd_kafka_topic_partition_list_add(l, topic, partitions[i])->offset =
                RD_KAFKA_OFFSET_BEGINNING;
            pending++;
        }
    }
    count = 0;
    if (pending > 0) {
        rd_kafka_resp_err_t err = rd_kafka_assign(rk, l);
        if (err) {
            snprintf(errstr, errstr_size, "%s: assign: %s", topic, rd_kafka_err2str(err));
            count = -1;
            goto done;
        }
        count = reader_drain(rk, topic, rp, n, pending, fn, ctx, deadline, errstr, errstr_size);
    }
done:
    rd_kafka_topic_partition_list_destroy(l);
    free(rp);
    rd_kafka_consumer_close(rk);
    rd_kafka_destroy(rk);
    return count;
}

int kafka_topic_partition_count(const char *bootstrap, const char *topic, int timeout_ms,
                                char *errstr, size_t errstr_size)
{
    rd_kafka_t *rk = reader_new(bootstrap, "byebuy-admin", errstr, errstr_size);
    if (!rk)
        return -1;
    int n = -1;
    rd_kafka_topic_t *t = rd_kafka_topic_new(rk, topic, NULL);
    const struct rd_kafka_metadata *md = NULL;
    rd_kafka_resp_err_t err = rd_kafka_metadata(rk, 0, t, &md, timeout_ms);
    if (err)
        snprintf(errstr, errstr_size, "%s: metadata: %s", topic, rd_kafka_err2str(err));
    else if (md->topic_cnt != 1 || md->topics[0].err)
        snprintf(errstr, errstr_size, "%s: %s", topic,
                 md->topic_cnt == 1 ? rd_kafka_err2str(md->topics[0].err) : "not in the metadata");
    else
        n = md->topics[0].partition_cnt;
    if (md)
        rd_kafka_metadata_destroy(md);
    rd_kafka_topic_destroy(t);
    rd_kafka_destroy(rk);
    return n;
}
