/* One running account: a thread that owns the account's browser session on its inbox, polls
 * it at the account's pacing, publishes one message.received per new buyer message, and
 * carries out the account's message.send commands between two polls (one browser, so sends
 * and polls never overlap). The consumer hands a send over with its Kafka token; the worker
 * completes the token once message.sent or message.send_failed is acknowledged by the broker
 * (at-least-once: a crash before that redelivers the command, and the bubble check makes the
 * second attempt publish message.sent without typing). */
#ifndef MONITOR_ACCOUNT_WORKER_H
#define MONITOR_ACCOUNT_WORKER_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "accounts.h"
#include "browser/inbox.h"
#include "common/event.h"
#include "common/kafka.h"
#include "monitor_config.h"

typedef struct {
    kafka_producer_t *producer;
    kafka_consumer_t *const *consumer; /* set once the consumer exists (before any send) */
    accounts_t *accounts;              /* the status registry the heartbeat reads */
    pthread_mutex_t *publish_mu;       /* orders monitor.status events with the handler's */
    const inbox_recipe_set_t *recipes;
    const monitor_config_t *cfg;
} worker_deps_t;

typedef struct account_worker account_worker_t;

/* Starts the account's thread with its desired state (copied). partition is the
 * bb.monitor.commands partition that makes this instance the owner. */
account_worker_t *account_worker_start(const worker_deps_t *deps, const monitor_desired_t *d,
                                       int32_t partition);

/* Replaces the account's pacing, caps and profile (taking effect at the next wait). */
void account_worker_update(account_worker_t *w, const monitor_desired_t *d);

/* Queues a message.send (cmd is moved: the worker frees it) and wakes the worker. */
void account_worker_send(account_worker_t *w, monitor_command_t *cmd, void *token,
                         const char *where);

int32_t account_worker_partition(const account_worker_t *w);
int64_t account_worker_account(const account_worker_t *w);

/* Stops the thread (a browser call in progress returns "interrupted" at its next wait),
 * closes the browser session, hands queued sends back to Kafka (RETRY: redelivered) and
 * frees the worker. Accepts NULL. */
void account_worker_stop(account_worker_t *w);

#endif
