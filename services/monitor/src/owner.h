/* Which accounts this instance drives: those of the bb.monitor.commands partitions it holds
 * (bb.monitor.desired has the same key and partition count, so partition p of one is p of
 * the other). On assignment of p the desired state of p is read from the beginning and its
 * running accounts start; on revocation (or a lost assignment) they stop, browsers closed,
 * before the rebalance completes, so two instances never drive one account. Called from the
 * consumer's thread (handler and rebalance callbacks) and, at shutdown, after its loop. */
#ifndef MONITOR_OWNER_H
#define MONITOR_OWNER_H

#include <stdbool.h>
#include <stdint.h>

#include "account_worker.h"
#include "desired.h"

typedef struct owner owner_t;

/* deps and desired must outlive the owner. */
owner_t *owner_new(const worker_deps_t *deps, desired_map_t *desired);

/* Stops every account (shutdown). Accepts NULL. */
void owner_free(owner_t *o);

/* Rebalance callbacks (kafka_partitions_fn) for bb.monitor.commands; ctx is the owner. */
void owner_on_assigned(const char *topic, const int32_t *partitions, size_t n, bool lost,
                       void *ctx);
void owner_on_revoked(const char *topic, const int32_t *partitions, size_t n, bool lost, void *ctx);

/* monitor.start from partition p: re-reads p's desired state (new pacing, caps, profile) and
 * starts the account, or updates it when it runs already. */
void owner_start(owner_t *o, int64_t account_id, int32_t partition);

/* monitor.stop: stops the account (its browser closed) when it runs here. */
void owner_stop(owner_t *o, int64_t account_id);

/* Hands a message.send to the account's worker (cmd moved). false when the account does not
 * run on this instance (cmd left to the caller). */
bool owner_send(owner_t *o, int64_t account_id, monitor_command_t *cmd, void *token,
                const char *where);

/* How many accounts run here. */
size_t owner_running(owner_t *o);

#endif
