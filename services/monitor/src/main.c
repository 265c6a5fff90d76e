/* byebuy-monitor: consumes bb.monitor.commands (start/stop watching an account's inbox, send
 * a message), reports on bb.monitor.events, and publishes monitor.status heartbeats. This is
 * the service's foundation; the inbox watcher and its drivers come with a later issue. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "accounts.h"
#include "commands.h"
#include "common/event.h"
#include "common/kafka.h"
#include "common/log.h"
#include "common/metrics.h"
#include "common/service_main.h"
#include "common/xmalloc.h"
#include "heartbeat.h"
#include "monitor_config.h"

/* The handler has no deferred work: the drain only covers a handler already running. */
#define DRAIN_TIMEOUT_MS 2000
#define PUBLISH_TIMEOUT_MS 10000

struct app {
    monitor_config_t cfg;
    accounts_t *accounts;
    pthread_mutex_t publish_mu; /* orders status events of the handler and the heartbeat */
    kafka_producer_t *producer; /* the skeleton's */
    heartbeat_t *heartbeat;
    metric_t *m_running;
};

/* One command: decide, publish the resulting events and wait for the broker's ack; only
 * then may the consumer store the offset (at-least-once: a crash before that replays it,
 * and replaying start/stop/send_failed is harmless). */
static handle_result_t on_command(const kafka_message_t *msg, void *ctx, char *errstr,
                                  size_t errstr_size)
{
    struct app *app = ctx;
    monitor_publish_list_t out;
    char perr[512];

    pthread_mutex_lock(&app->publish_mu);
    handle_result_t r =
        commands_apply(app->accounts, msg->payload, msg->len, &out, errstr, errstr_size);
    for (size_t i = 0; r == HANDLE_OK && i < out.n; i++) {
        const monitor_publish_t *p = &out.items[i];
        if (kafka_produce_sync(app->producer, TOPIC_MONITOR_EVENTS, p->key, p->payload, p->len,
                               PUBLISH_TIMEOUT_MS, perr, sizeof(perr)) != 0) {
            snprintf(errstr, errstr_size, "%s", perr);
            r = HANDLE_RETRY;
        }
    }
    pthread_mutex_unlock(&app->publish_mu);
    if (r == HANDLE_OK) {
        account_state_t *running = NULL;
        metrics_set(app->m_running, (int64_t)accounts_running(app->accounts, &running));
        free(running);
    }
    if (r == HANDLE_OK)
        LOG_MSG(msg, INFO, "%s account %lld", out.type, (long long)out.account_id);
    monitor_publish_list_free(&out);
    return r;
}

static void app_drain(void *ctx)
{
    struct app *app = ctx;
    heartbeat_stop(app->heartbeat); /* its last events are flushed with the producer */
    app->heartbeat = NULL;
}

static void app_release(void *ctx)
{
    struct app *app = ctx;
    accounts_free(app->accounts);
    pthread_mutex_destroy(&app->publish_mu);
}

int main(int argc, char **argv)
{
    static struct app app;
    service_t svc;
    char errstr[1024];
    int status = 1;
    int rc = service_begin(&svc, &monitor_service, &app.cfg, argc, argv);
    if (rc >= 0)
        return rc;
    pthread_mutex_init(&app.publish_mu, NULL);
    app.accounts = accounts_new();
    app.m_running = metrics_gauge("bb_monitor_accounts_running",
                                  "Accounts this monitor instance was told to watch");

    static const char *const topics[] = {TOPIC_MONITOR_COMMANDS, TOPIC_MONITOR_DESIRED,
                                         TOPIC_MONITOR_EVENTS, TOPIC_DLQ, NULL};
    if (service_kafka_start(&svc, topics, NULL, NULL) != 0)
        goto cleanup;
    app.producer = svc.producer;
    static const char *const consume[] = {TOPIC_MONITOR_COMMANDS, NULL};
    kafka_consumer_config_t cc = {
        .topics = consume,
        .handler = on_command,
        .ctx = &app,
        .max_in_flight_per_partition = 1,
    };
    if (service_consumer_start(&svc, &cc) != 0)
        goto cleanup;
    const service_probe_t probes[] = {{"kafka", kafka_probe, app.producer}};
    if (service_health_start(&svc, probes, sizeof(probes) / sizeof(probes[0])) != 0)
        goto cleanup;
    app.heartbeat = heartbeat_start(app.accounts, app.producer, &app.publish_mu,
                                    app.cfg.heartbeat_ms, errstr, sizeof(errstr));
    if (!app.heartbeat) {
        LOG_ERROR("%s", errstr);
        goto cleanup;
    }
    LOG_INFO("monitor ready: consuming %s as group %s, health on %s:%lld "
             "(no inbox driver yet: message.send is answered with message.send_failed)",
             TOPIC_MONITOR_COMMANDS, app.cfg.svc.kafka_group_id, app.cfg.svc.health_host,
             app.cfg.svc.health_port);
    status = service_run(&svc, DRAIN_TIMEOUT_MS);

cleanup:;
    const service_shutdown_t shutdown = {.drain = app_drain, .release = app_release, .ctx = &app};
    return service_end(&svc, &shutdown, status);
}
