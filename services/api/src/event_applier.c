/* The event applier (see event_applier.h). Each event is applied in ONE transaction
 * together with its processed_events row, so a redelivered event is recognised and
 * skipped. The consumer thread only hands events over (HANDLE_DEFERRED) to a pool of
 * applier threads, one event in flight per partition: a partition's events (and so each
 * key's) apply in order, different partitions concurrently, and an event's offset is stored
 * only when its worker completes it after the commit. */
#include "event_applier.h"

#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>

#include "app.h"
#include "applier_pool.h"
#include "common/event.h"
#include "common/log.h"
#include "common/util.h"
#include "domain/delivery.h"
#include "domain/inbound.h"
#include "domain/job_events.h"
#include "domain/reply.h"
#include "domain/tx.h"
#include "store/processed_store.h"

#define CONSUMER_DB_TIMEOUT_MS 5000
#define CONSUMER_DRAIN_MS 3000
/* A revoke waits this long for the revoked partitions' events being applied here, so that the
 * new owner does not apply them at the same time (harmless thanks to processed_events, but
 * one of the two would fail on the unique row and retry): twice a transaction's bound. */
#define CONSUMER_REVOKE_DRAIN_MS (2 * CONSUMER_DB_TIMEOUT_MS)
/* Events waiting for an applier thread. With one in flight per partition the queue holds at
 * most one per assigned partition; beyond this bound the consumer thread waits (back-pressure)
 * rather than the queue growing. */
#define APPLIER_QUEUE_CAPACITY 256

/* One row per event type the api applies: a new type is one row and one command. */
static const struct {
    const char *topic;
    const char *type;
    event_command_fn command;
} dispatch[] = {
    {TOPIC_POSTING_EVENTS, EV_POSTING_STARTED, job_started},
    {TOPIC_POSTING_EVENTS, EV_POSTING_LOG, job_logged},
    {TOPIC_POSTING_EVENTS, EV_POSTING_SUCCEEDED, job_succeeded},
    {TOPIC_POSTING_EVENTS, EV_POSTING_FAILED, job_failed},
    {TOPIC_POSTING_EVENTS, EV_DELISTING_SUCCEEDED, job_delisted},
    {TOPIC_POSTING_EVENTS, EV_DELISTING_FAILED, job_delisting_failed},
    {TOPIC_POSTING_EVENTS, EV_UPDATE_SUCCEEDED, job_updated},
    {TOPIC_POSTING_EVENTS, EV_UPDATE_FAILED, job_update_failed},
    {TOPIC_POSTING_EVENTS, EV_RENEW_SUCCEEDED, job_renewed},
    {TOPIC_POSTING_EVENTS, EV_RENEW_FAILED, job_renew_failed},
    {TOPIC_MONITOR_EVENTS, EV_MESSAGE_RECEIVED, message_received},
    {TOPIC_MONITOR_EVENTS, EV_MESSAGE_SENT, message_sent},
    {TOPIC_MONITOR_EVENTS, EV_MESSAGE_SEND_FAILED, message_send_failed},
    {TOPIC_MONITOR_EVENTS, EV_MONITOR_STATUS, monitor_status},
    {TOPIC_REPLY_DRAFTS, EV_REPLY_DRAFTED, reply_drafted},
};

static const char *const consumer_topics[] = {TOPIC_POSTING_EVENTS, TOPIC_MONITOR_EVENTS,
                                              TOPIC_REPLY_DRAFTS, NULL};
_Static_assert(sizeof(consumer_topics) / sizeof(consumer_topics[0]) - 1 ==
                   sizeof(((struct app *)0)->m.event_apply) / sizeof(metric_t *),
               "one bb_event_apply_seconds histogram per consumed topic");

static event_command_fn dispatch_find(const char *topic, const char *type)
{
    for (size_t i = 0; i < sizeof(dispatch) / sizeof(dispatch[0]); i++)
        if (strcmp(dispatch[i].topic, topic) == 0 && strcmp(dispatch[i].type, type) == 0)
            return dispatch[i].command;
    return NULL;
}

/* What to do with an event whose command failed: an event that can never apply (bad data,
 * unknown job, a violated constraint) goes to the DLQ; database trouble (broken connection,
 * shutdown, serialization, resources) is retried. */
static handle_result_t failure_handling(const tx_t *tx, const cmd_result_t *r)
{
    if (r->status == CMD_UNAVAILABLE)
        return HANDLE_RETRY;
    if (r->status != CMD_FAILED)
        return HANDLE_DROP;
    if (!tx->pg || PQstatus(tx->pg) != CONNECTION_OK)
        return HANDLE_RETRY;
    const char *state = r->cause.sqlstate;
    if (strncmp(state, "22", 2) == 0 || strncmp(state, "23", 2) == 0)
        return HANDLE_DROP;
    return HANDLE_RETRY;
}

/* Claims the event id and runs the command in tx. Returns HANDLE_OK or the failure's
 * handling, with r. *duplicate says the event was applied before. */
static handle_result_t apply_once(tx_t *tx, const kafka_message_t *msg, const event_t *ev,
                                  event_command_fn command, bool *duplicate, cmd_result_t *r)
{
    store_err_t err;
    *duplicate = false;
    int fresh = processed_store_claim(tx->pg, ev->id, msg->topic, &err);
    if (fresh < 0) {
        cmd_db_fail(r, "processed_events", &err);
        return failure_handling(tx, r);
    }
    if (!fresh) {
        *duplicate = true;
        return HANDLE_OK; /* rolled back by tx_end: nothing changed */
    }
    if (command(tx, ev, r) != 0 || tx_commit(tx, r) != 0)
        return failure_handling(tx, r);
    return HANDLE_OK;
}

handle_result_t event_applier_handle(const kafka_message_t *msg, void *ctx, char *errstr,
                                     size_t errstr_size)
{
    struct app *app = ctx;
    event_t ev;
    memset(&ev, 0, sizeof(ev));
    cmd_result_t r;
    memset(&r, 0, sizeof(r));
    tx_t tx = {0};
    handle_result_t result = HANDLE_DROP;
    bool duplicate = false;

    if (event_decode(msg->payload, msg->len, &ev, r.detail, sizeof(r.detail)) != 0) {
        snprintf(errstr, errstr_size, "undecodable event: %s", r.detail);
        goto cleanup;
    }
    event_command_fn command = dispatch_find(msg->topic, ev.type);
    if (!command) {
        snprintf(errstr, errstr_size, "unknown event type \"%s\" on %s", ev.type, msg->topic);
        goto cleanup;
    }
    if (tx_begin(&tx, app, CONSUMER_DB_TIMEOUT_MS, &r) != 0) {
        snprintf(errstr, errstr_size, "database: %s", r.cause.msg);
        result = HANDLE_RETRY;
        goto cleanup;
    }
    result = apply_once(&tx, msg, &ev, command, &duplicate, &r);
    if (result != HANDLE_OK)
        snprintf(errstr, errstr_size, "%s %s: %s%s%s", ev.type, ev.id, r.detail,
                 r.cause.msg[0] ? ": " : "", r.cause.msg);
    else if (duplicate)
        metrics_inc(app->m.events_duplicate, 1);
    else
        metrics_inc(app->m.events_applied, 1);
    if (duplicate)
        LOG_MSG(msg, DEBUG, "event %s already applied", ev.id);
cleanup:
    if (result == HANDLE_DROP)
        metrics_inc(app->m.events_dropped, 1);
    if (result != HANDLE_OK)
        LOG_MSG(msg, WARN, "%s: %s", result == HANDLE_DROP ? "to dlq" : "retrying", errstr);
    tx_end(&tx);
    event_free(&ev);
    return result;
}

/* The pool's key of a partition: FNV-1a of the topic, then the partition. Two partitions
 * sharing a key would only be applied one after the other, never out of order. */
static uint64_t partition_key(const char *topic, int32_t partition)
{
    uint64_t h = 1469598103934665603ULL;
    for (const unsigned char *c = (const unsigned char *)topic; *c; c++)
        h = (h ^ *c) * 1099511628211ULL;
    return (h ^ (uint32_t)partition) * 1099511628211ULL;
}

static int topic_index(const char *topic)
{
    for (int i = 0; consumer_topics[i]; i++)
        if (strcmp(consumer_topics[i], topic) == 0)
            return i;
    return -1;
}

/* On an applier thread: applies the event and completes it, which stores its offset (OK),
 * sends it to the DLQ (DROP) or hands it back to the consumer for a later retry (RETRY). */
static void apply_on_worker(void *item, void *ctx)
{
    struct app *app = ctx;
    const kafka_message_t *msg = item;
    char errstr[1024] = "";
    int64_t t0 = util_now_us();
    handle_result_t r = event_applier_handle(msg, app, errstr, sizeof(errstr));
    int i = topic_index(msg->topic);
    if (i >= 0)
        metrics_observe_us(app->m.event_apply[i], util_now_us() - t0);
    kafka_consumer_complete(app->consumer, msg->token, r, errstr);
}

/* The consumer's handler: queues the event for an applier thread. The message stays valid
 * until its completion. */
static handle_result_t hand_over(const kafka_message_t *msg, void *ctx, char *errstr,
                                 size_t errstr_size)
{
    struct app *app = ctx;
    uint64_t key = partition_key(msg->topic, msg->partition);
    if (applier_pool_submit(app->appliers, key, (void *)msg) != 0) {
        snprintf(errstr, errstr_size, "event applier stopping");
        return HANDLE_RETRY;
    }
    return HANDLE_DEFERRED;
}

static void *applier_main(void *arg)
{
    struct app *app = arg;
    LOG_INFO("event applier started (group %s)", app->cfg.svc.kafka_group_id);
    if (kafka_consumer_run(app->consumer, &app->workers_stop, CONSUMER_DRAIN_MS) != 0)
        LOG_ERROR("event applier ended with an error");
    LOG_INFO("event applier stopped");
    return NULL;
}

/* EVENT_APPLIER_THREADS, or half the database pool: each applier holds a connection while it
 * applies, and the request handlers and the relay need the rest. */
static int applier_threads(const struct app *app)
{
    if (app->cfg.event_appliers > 0)
        return (int)app->cfg.event_appliers;
    int n = (int)(app->cfg.db_pool_size / 2);
    return n > 0 ? n : 1;
}

static void applier_metrics_init(struct app *app)
{
    for (int i = 0; consumer_topics[i]; i++) {
        char name[160];
        snprintf(name, sizeof(name), "bb_event_apply_seconds{topic=\"%s\"}", consumer_topics[i]);
        app->m.event_apply[i] =
            metrics_histogram(name, "Time an applier thread took per consumed event");
    }
}

int event_applier_start(struct app *app, char *errstr, size_t errstr_size)
{
    kafka_consumer_config_t cfg = {
        .bootstrap = app->cfg.svc.kafka_bootstrap,
        .group_id = app->cfg.svc.kafka_group_id,
        .client_id = app->cfg.svc.kafka_client_id,
        .topics = consumer_topics,
        .handler = hand_over,
        .ctx = app,
        .dlq_producer = app->dlq_producer,
        /* 1, not more: a RETRY must hold back the rest of its partition */
        .max_in_flight_per_partition = 1,
        .poll_timeout_ms = 100,
        .revoke_drain_timeout_ms = CONSUMER_REVOKE_DRAIN_MS,
    };
    applier_metrics_init(app);
    int threads = applier_threads(app);
    app->appliers = applier_pool_new(threads, APPLIER_QUEUE_CAPACITY, apply_on_worker, app, errstr,
                                     errstr_size);
    if (!app->appliers)
        return -1;
    app->consumer = kafka_consumer_new(&cfg, errstr, errstr_size);
    if (!app->consumer) {
        applier_pool_free(app->appliers);
        app->appliers = NULL;
        return -1;
    }
    int err = pthread_create(&app->consumer_thread, NULL, applier_main, app);
    if (err != 0) {
        snprintf(errstr, errstr_size, "event applier thread: %s", strerror(err));
        event_applier_join(app);
        return -1;
    }
    app->consumer_started = true;
    LOG_INFO("event applier: %d thread%s", threads, threads == 1 ? "" : "s");
    return 0;
}

void event_applier_join(struct app *app)
{
    if (app->consumer_started) {
        pthread_join(app->consumer_thread, NULL);
        app->consumer_started = false;
    }
    /* The consumer has waited CONSUMER_DRAIN_MS for the events in flight and committed what
     * completed. The workers finish the event they are applying (its offset is no longer
     * stored: applied and redelivered, it is then recognised as a duplicate); the queued ones
     * are dropped unapplied, their offsets not stored, so they are redelivered. */
    if (app->appliers) {
        int abandoned = applier_pool_stop(app->appliers, NULL);
        if (abandoned > 0)
            LOG_INFO("event applier: %d queued event%s left for redelivery", abandoned,
                     abandoned == 1 ? "" : "s");
        applier_pool_free(app->appliers);
        app->appliers = NULL;
    }
    kafka_consumer_free(app->consumer);
    app->consumer = NULL;
}
