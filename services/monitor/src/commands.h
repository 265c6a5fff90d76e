/* What byebuy-monitor does with each command of bb.monitor.commands: monitor.start and
 * monitor.stop change which accounts run here (owner.h) and are answered with the account's
 * monitor.status; message.send goes to the account's worker (HANDLE_DEFERRED: the worker
 * completes it once its result event is acknowledged), or is answered with
 * message.send_failed when the account does not run here. */
#ifndef MONITOR_COMMANDS_H
#define MONITOR_COMMANDS_H

#include <pthread.h>
#include <stddef.h>
#include <stdint.h>

#include "accounts.h"
#include "common/kafka.h"

struct owner;

/* One event to publish on bb.monitor.events. */
typedef struct {
    char *key;     /* thread id for message events, account id for monitor.status */
    char *payload; /* CloudEvents JSON */
    size_t len;
} monitor_publish_t;

typedef struct {
    accounts_t *accounts;
    struct owner *owner;
    kafka_producer_t *producer;
    pthread_mutex_t *publish_mu; /* orders status events with the heartbeat's */
} commands_ctx_t;

/* The kafka_handler_fn of bb.monitor.commands (ctx: commands_ctx_t). A command that is not
 * JSON, has the wrong envelope, an unknown type or a bad field is dropped (to bb.dlq); a
 * result event the broker did not acknowledge makes it RETRY. */
handle_result_t commands_handle(const kafka_message_t *msg, void *ctx, char *errstr,
                                size_t errstr_size);

/* The monitor.status event of an account (key: account id) into *out; caller frees with
 * monitor_publish_free. Used by the handler, the owner, the workers and the heartbeat. */
void commands_status_event(const account_state_t *s, monitor_publish_t *out);

void monitor_publish_free(monitor_publish_t *p);

#endif
