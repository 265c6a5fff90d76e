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
#include "common/service.h"
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
    kafka_producer_t *producer;
    kafka_consumer_t *consumer;
    heartbeat_t *heartbeat;
    service_http_t *http;
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
        LOG_INFO("%s account %lld (%s [%d]@%lld)", out.type, (long long)out.account_id, msg->topic,
                 msg->partition, (long long)msg->offset);
    monitor_publish_list_free(&out);
    return r;
}

static void usage(void)
{
    printf("usage: byebuy-monitor [--help | --config-example]\n"
           "  Watches marketplace inboxes on command from bb.monitor.commands;\n"
           "  configuration from the environment (KAFKA_* also pass through to librdkafka):\n");
    for (size_t i = 0; i < monitor_config_count; i++)
        printf("  %-26s %s%s%s%s\n", monitor_config_table[i].name, monitor_config_table[i].help,
               monitor_config_table[i].default_value ? " (default " : "",
               monitor_config_table[i].default_value ? monitor_config_table[i].default_value : "",
               monitor_config_table[i].default_value ? ")" : "");
}

int main(int argc, char **argv)
{
    struct app app;
    char errstr[1024];
    int status = 1;

    memset(&app, 0, sizeof(app));
    pthread_mutex_init(&app.publish_mu, NULL);
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--config-example") == 0) {
            config_write_example("monitor", monitor_config_table, monitor_config_count, stdout);
            return 0;
        }
        if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
            usage();
            return 0;
        }
        fprintf(stderr, "byebuy-monitor: unknown argument %s (try --help)\n", argv[i]);
        return 2;
    }

    if (monitor_config_load(&app.cfg, errstr, sizeof(errstr)) != 0) {
        log_init("monitor", NULL);
        LOG_ERROR("configuration: %s", errstr);
        goto cleanup;
    }
    log_init("monitor", app.cfg.log_level);
    config_log(monitor_config_table, monitor_config_count, &app.cfg);
    app.accounts = accounts_new();
    app.m_running = metrics_gauge("bb_monitor_accounts_running",
                                  "Accounts this monitor instance was told to watch");

    if (service_signals_init() != 0) {
        LOG_ERROR("cannot set up signal handling");
        goto cleanup;
    }
    static const char *const topics[] = {TOPIC_MONITOR_COMMANDS, TOPIC_MONITOR_EVENTS, TOPIC_DLQ,
                                         NULL};
    if (kafka_topics_ensure(app.cfg.kafka_bootstrap, topics, (int)app.cfg.topic_partitions,
                            (int)app.cfg.topic_replication, 15000, errstr, sizeof(errstr)) != 0) {
        LOG_ERROR("kafka topics: %s", errstr);
        goto cleanup;
    }
    app.producer = kafka_producer_new(app.cfg.kafka_bootstrap, "byebuy-monitor", NULL, NULL, errstr,
                                      sizeof(errstr));
    if (!app.producer) {
        LOG_ERROR("kafka producer: %s", errstr);
        goto cleanup;
    }
    static const char *const consume[] = {TOPIC_MONITOR_COMMANDS, NULL};
    kafka_consumer_config_t cc = {
        .bootstrap = app.cfg.kafka_bootstrap,
        .group_id = app.cfg.kafka_group_id,
        .client_id = "byebuy-monitor",
        .topics = consume,
        .handler = on_command,
        .ctx = &app,
        .dlq_producer = app.producer,
        .max_in_flight_per_partition = 1,
    };
    app.consumer = kafka_consumer_new(&cc, errstr, sizeof(errstr));
    if (!app.consumer) {
        LOG_ERROR("kafka consumer: %s", errstr);
        goto cleanup;
    }
    const service_probe_t probes[] = {{"kafka", kafka_probe, app.producer}};
    app.http = service_http_start("monitor", app.cfg.health_host, (int)app.cfg.health_port, probes,
                                  sizeof(probes) / sizeof(probes[0]), errstr, sizeof(errstr));
    if (!app.http) {
        LOG_ERROR("health server: %s", errstr);
        goto cleanup;
    }
    app.heartbeat = heartbeat_start(app.accounts, app.producer, &app.publish_mu,
                                    app.cfg.heartbeat_ms, errstr, sizeof(errstr));
    if (!app.heartbeat) {
        LOG_ERROR("%s", errstr);
        goto cleanup;
    }
    LOG_INFO("monitor ready: consuming %s as group %s, health on %s:%lld "
             "(no inbox driver yet: message.send is answered with message.send_failed)",
             TOPIC_MONITOR_COMMANDS, app.cfg.kafka_group_id, app.cfg.health_host,
             app.cfg.health_port);

    /* Polls until SIGTERM, then commits what was handled and closes the consumer. */
    status = kafka_consumer_run(app.consumer, &service_stop, DRAIN_TIMEOUT_MS) == 0 ? 0 : 1;
    LOG_INFO("shutting down");

cleanup:
    /* Intake is stopped (the consumer is closed); then the heartbeat, whose last events are
     * flushed with the producer. */
    heartbeat_stop(app.heartbeat);
    LOG_DEBUG("heartbeat stopped");
    service_http_stop(app.http);
    LOG_DEBUG("health server stopped");
    kafka_consumer_free(app.consumer);
    LOG_DEBUG("consumer destroyed");
    kafka_producer_free(app.producer);
    LOG_DEBUG("producer flushed and destroyed");
    accounts_free(app.accounts);
    monitor_config_free(&app.cfg);
    pthread_mutex_destroy(&app.publish_mu);
    LOG_INFO("bye");
    return status;
}
