/* The monitor.status heartbeat: while accounts are running, one status event per running
 * account every interval, so the dashboard can tell a live monitor from a dead one. */
#ifndef MONITOR_HEARTBEAT_H
#define MONITOR_HEARTBEAT_H

#include <pthread.h>
#include <stddef.h>
#include <stdint.h>

#include "accounts.h"
#include "common/kafka.h"

typedef struct heartbeat heartbeat_t;

/* Starts the heartbeat thread. publish_mu serializes status publishing with the command
 * handler, so a heartbeat snapshot never lands after a newer monitor.stop on the partition.
 * All pointers must outlive the heartbeat. Returns NULL with errstr. */
heartbeat_t *heartbeat_start(accounts_t *accounts, kafka_producer_t *producer,
                             pthread_mutex_t *publish_mu, int64_t interval_ms, char *errstr,
                             size_t errstr_size);

/* Stops and joins the thread (within ~50 ms). Accepts NULL. */
void heartbeat_stop(heartbeat_t *hb);

#endif
