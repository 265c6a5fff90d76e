/* The monitor.status heartbeat thread (see heartbeat.h). */
#include "heartbeat.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>

#include "commands.h"
#include "common/event.h"
#include "common/log.h"
#include "common/util.h"
#include "common/xmalloc.h"

#define HEARTBEAT_PRODUCE_TIMEOUT_MS 5000

struct heartbeat {
    accounts_t *accounts;
    kafka_producer_t *producer;
    pthread_mutex_t *publish_mu;
    int64_t interval_ms;
    volatile sig_atomic_t stop;
    pthread_t thread;
};

static void beat(heartbeat_t *hb)
{
    account_state_t *states = NULL;
    char errstr[512];
    pthread_mutex_lock(hb->publish_mu);
    size_t n = accounts_running(hb->accounts, &states);
    for (size_t i = 0; i < n; i++) {
        monitor_publish_t pub;
        commands_status_event(&states[i], &pub);
        if (kafka_produce_sync(hb->producer, TOPIC_MONITOR_EVENTS, pub.key, pub.payload, pub.len,
                               HEARTBEAT_PRODUCE_TIMEOUT_MS, errstr, sizeof(errstr)) != 0)
            LOG_WARN("heartbeat of account %lld: %s", (long long)states[i].account_id, errstr);
        else
            LOG_DEBUG("heartbeat of account %lld published", (long long)states[i].account_id);
        monitor_publish_free(&pub);
    }
    pthread_mutex_unlock(hb->publish_mu);
    free(states);
}

static void *heartbeat_main(void *arg)
{
    heartbeat_t *hb = arg;
    while (util_sleep_ms(hb->interval_ms, &hb->stop) == 0)
        beat(hb);
    return NULL;
}

heartbeat_t *heartbeat_start(accounts_t *accounts, kafka_producer_t *producer,
                             pthread_mutex_t *publish_mu, int64_t interval_ms, char *errstr,
                             size_t errstr_size)
{
    heartbeat_t *hb = xcalloc(1, sizeof(*hb));
    hb->accounts = accounts;
    hb->producer = producer;
    hb->publish_mu = publish_mu;
    hb->interval_ms = interval_ms;
    if (pthread_create(&hb->thread, NULL, heartbeat_main, hb) != 0) {
        snprintf(errstr, errstr_size, "cannot start the heartbeat thread");
        free(hb);
        return NULL;
    }
    return hb;
}

void heartbeat_stop(heartbeat_t *hb)
{
    if (!hb)
        return;
    hb->stop = 1;
    pthread_join(hb->thread, NULL);
    free(hb);
}
