/* byebuy-monitor: watches the marketplace inboxes of the accounts of the bb.monitor.commands
 * partitions it holds (desired state restored from bb.monitor.desired on assignment), one
 * worker thread and browser session per running account; publishes message.received,
 * message.sent / message.send_failed and monitor.status on bb.monitor.events. */
#include <curl/curl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "accounts.h"
#include "account_worker.h"
#include "browser/inbox.h"
#include "commands.h"
#include "common/event.h"
#include "common/kafka.h"
#include "common/log.h"
#include "common/metrics.h"
#include "common/service_main.h"
#include "common/xmalloc.h"
#include "desired.h"
#include "heartbeat.h"
#include "monitor_config.h"
#include "owner.h"

/* How long a stopping monitor waits for sends in progress (a send is a few seconds). */
#define DRAIN_TIMEOUT_MS 15000
/* A send running when its partition moves finishes here first (the new owner would
 * otherwise look for the bubble while this one is typing it). */
#define REVOKE_DRAIN_MS 30000

struct app {
    monitor_config_t cfg;
    accounts_t *accounts;
    desired_map_t *desired;
    inbox_recipe_set_t *recipes;
    pthread_mutex_t publish_mu; /* orders status events of the handler, workers, heartbeat */
    kafka_consumer_t *consumer;
    worker_deps_t deps;
    owner_t *owner;
    commands_ctx_t commands;
    heartbeat_t *heartbeat;
};

/* Partition p of the commands must be partition p of the desired state: same key, same
 * partitioner, and the same partition count, which only an operator can break (a topic made
 * by hand, TOPIC_PARTITIONS changed later). Refuse to run on such a pair. */
static int check_partitioning(const struct app *app)
{
    char errstr[512];
    const char *bs = app->cfg.svc.kafka_bootstrap;
    int cmds =
        kafka_topic_partition_count(bs, TOPIC_MONITOR_COMMANDS, 10000, errstr, sizeof(errstr));
    int des = cmds < 0 ? -1
                       : kafka_topic_partition_count(bs, TOPIC_MONITOR_DESIRED, 10000, errstr,
                                                     sizeof(errstr));
    if (cmds < 0 || des < 0) {
        LOG_ERROR("partition counts: %s", errstr);
        return -1;
    }
    if (cmds != des) {
        LOG_ERROR(TOPIC_MONITOR_DESIRED
                  " has %d partitions and " TOPIC_MONITOR_COMMANDS
                  " %d: an account's desired state would be looked for in the wrong partition; "
                  "recreate " TOPIC_MONITOR_DESIRED " (compacted) with %d partitions",
                  des, cmds, cmds);
        return -1;
    }
    return 0;
}

static int app_prepare(struct app *app)
{
    char errstr[1024];
    if (check_partitioning(app) != 0)
        return -1;
    app->recipes = inbox_recipe_set_load(app->cfg.recipes_dir, errstr, sizeof(errstr));
    if (!app->recipes) {
        LOG_ERROR("INBOX_RECIPES_DIR: %s", errstr);
        return -1;
    }
    char names[256];
    inbox_recipe_names(app->recipes, names, sizeof(names));
    LOG_INFO("inbox recipes from %s: %s", app->cfg.recipes_dir, names);
    return 0;
}

static void app_drain(void *ctx)
{
    struct app *app = ctx;
    owner_free(app->owner); /* every account stops, its browser closed */
    app->owner = NULL;
    heartbeat_stop(app->heartbeat); /* its last events are flushed with the producer */
    app->heartbeat = NULL;
}

static void app_release(void *ctx)
{
    struct app *app = ctx;
    accounts_free(app->accounts);
    desired_map_free(app->desired);
    inbox_recipe_set_free(app->recipes);
    pthread_mutex_destroy(&app->publish_mu);
}

static int app_consume(struct app *app, service_t *svc)
{
    app->deps = (worker_deps_t){
        .producer = svc->producer,
        .consumer = &app->consumer,
        .accounts = app->accounts,
        .publish_mu = &app->publish_mu,
        .recipes = app->recipes,
        .cfg = &app->cfg,
    };
    app->owner = owner_new(&app->deps, app->desired);
    app->commands = (commands_ctx_t){app->accounts, app->owner, svc->producer, &app->publish_mu};
    static const char *const consume[] = {TOPIC_MONITOR_COMMANDS, NULL};
    kafka_consumer_config_t cc = {
        .topics = consume,
        .handler = commands_handle,
        .ctx = &app->commands,
        .max_in_flight_per_partition = 1, /* an account's commands in order */
        .revoke_drain_timeout_ms = REVOKE_DRAIN_MS,
        .on_assigned = owner_on_assigned,
        .on_revoked = owner_on_revoked,
        .rebalance_ctx = app->owner,
    };
    if (service_consumer_start(svc, &cc) != 0)
        return -1;
    app->consumer = svc->consumer;
    return 0;
}

static bool probe_accounts(void *ctx, char *detail, size_t detail_size)
{
    struct app *app = ctx;
    snprintf(detail, detail_size, "%zu running here", app->owner ? owner_running(app->owner) : 0);
    return true;
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
    curl_global_init(CURL_GLOBAL_DEFAULT);
    pthread_mutex_init(&app.publish_mu, NULL);
    app.accounts = accounts_new();
    app.desired = desired_map_new();
    static const char *const topics[] = {TOPIC_MONITOR_COMMANDS, TOPIC_MONITOR_DESIRED,
                                         TOPIC_MONITOR_EVENTS, TOPIC_DLQ, NULL};
    if (service_kafka_start(&svc, topics, NULL, NULL) != 0 || app_prepare(&app) != 0 ||
        app_consume(&app, &svc) != 0)
        goto cleanup;
    const service_probe_t probes[] = {{"kafka", kafka_probe, svc.producer},
                                      {"accounts", probe_accounts, &app}};
    if (service_health_start(&svc, probes, sizeof(probes) / sizeof(probes[0])) != 0)
        goto cleanup;
    app.heartbeat = heartbeat_start(app.accounts, svc.producer, &app.publish_mu,
                                    app.cfg.heartbeat_ms, errstr, sizeof(errstr));
    if (!app.heartbeat) {
        LOG_ERROR("%s", errstr);
        goto cleanup;
    }
    LOG_INFO("monitor ready: consuming %s as group %s, health on %s:%lld", TOPIC_MONITOR_COMMANDS,
             app.cfg.svc.kafka_group_id, app.cfg.svc.health_host, app.cfg.svc.health_port);
    status = service_run(&svc, DRAIN_TIMEOUT_MS);

cleanup:;
    const service_shutdown_t shutdown = {.drain = app_drain, .release = app_release, .ctx = &app};
    return service_end(&svc, &shutdown, status);
}
