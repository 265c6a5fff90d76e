/* The event applier (see event_applier.h). Each event is applied in ONE transaction
 * together with its processed_events row, so a redelivered event is recognised and
 * skipped. */
#include "event_applier.h"

#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>

#include "app.h"
#include "common/event.h"
#include "common/log.h"
#include "domain/delivery.h"
#include "domain/inbound.h"
#include "domain/job_events.h"
#include "domain/reply.h"
#include "domain/tx.h"
#include "store/processed_store.h"

#define CONSUMER_DB_TIMEOUT_MS 5000
#define CONSUMER_DRAIN_MS 3000

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
    {TOPIC_MONITOR_EVENTS, EV_MESSAGE_RECEIVED, message_received},
    {TOPIC_MONITOR_EVENTS, EV_MESSAGE_SENT, message_sent},
    {TOPIC_MONITOR_EVENTS, EV_MESSAGE_SEND_FAILED, message_send_failed},
    {TOPIC_MONITOR_EVENTS, EV_MONITOR_STATUS, monitor_status},
    {TOPIC_REPLY_DRAFTS, EV_REPLY_DRAFTED, reply_drafted},
};

static const char *const consumer_topics[] = {TOPIC_POSTING_EVENTS, TOPIC_MONITOR_EVENTS,
                                              TOPIC_REPLY_DRAFTS, NULL};

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

static void *applier_main(void *arg)
{
    struct app *app = arg;
    LOG_INFO("event applier started (group %s)", app->cfg.svc.kafka_group_id);
    if (kafka_consumer_run(app->consumer, &app->workers_stop, CONSUMER_DRAIN_MS) != 0)
        LOG_ERROR("event applier ended with an error");
    LOG_INFO("event applier stopped");
    return NULL;
}

int event_applier_start(struct app *app, char *errstr, size_t errstr_size)
{
    kafka_consumer_config_t cfg = {
        .bootstrap = app->cfg.svc.kafka_bootstrap,
        .group_id = app->cfg.svc.kafka_group_id,
        .client_id = app->cfg.svc.kafka_client_id,
        .topics = consumer_topics,
        .handler = event_applier_handle,
        .ctx = app,
        .dlq_producer = app->dlq_producer,
        .max_in_flight_per_partition = 1,
        .poll_timeout_ms = 100,
    };
    app->consumer = kafka_consumer_new(&cfg, errstr, errstr_size);
    if (!app->consumer)
        return -1;
    int err = pthread_create(&app->consumer_thread, NULL, applier_main, app);
    if (err != 0) {
        snprintf(errstr, errstr_size, "event applier thread: %s", strerror(err));
        kafka_consumer_free(app->consumer);
        app->consumer = NULL;
        return -1;
    }
    app->consumer_started = true;
    return 0;
}

void event_applier_join(struct app *app)
{
    if (app->consumer_started) {
        pthread_join(app->consumer_thread, NULL);
        app->consumer_started = false;
    }
    kafka_consumer_free(app->consumer);
    app->consumer = NULL;
}
