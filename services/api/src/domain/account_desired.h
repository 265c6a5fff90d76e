/* The desired state of an account's inbox monitor (contract 1, docs/architecture.md):
 * monitor.desired on the compacted bb.monitor.desired, keyed by account id, enqueued in the
 * caller's transaction whenever the account, its switch, or the global pacing/caps change.
 * A monitor that is assigned the account's partition reads it there, so what should run
 * survives restarts and rebalances. The record goes into the outbox before the command
 * that makes the monitor read it. */
#ifndef API_ACCOUNT_DESIRED_H
#define API_ACCOUNT_DESIRED_H

#include <libpq-fe.h>

#include "store/account_store.h"
#include "store/settings_store.h"

/* Enqueues monitor.desired for acc (its switch as stored in acc->monitoring) with the
 * pacing and caps of s. Returns 0 or -1 (err). */
int account_desired_enqueue(PGconn *pg, const account_row_t *acc, const responder_settings_t *s,
                            store_err_t *err) __attribute__((warn_unused_result));

/* Enqueues monitor.start or monitor.stop on bb.monitor.commands for account id. Returns 0 or
 * -1 (err). */
int account_command_enqueue(PGconn *pg, int64_t id, bool start, store_err_t *err)
    __attribute__((warn_unused_result));

/* monitor.desired for every account (locked), after a pacing/caps change, and monitor.start
 * again for the running ones (the monitor reads its desired record on start). Returns 0 or
 * -1. */
int account_desired_enqueue_all(PGconn *pg, const responder_settings_t *s, store_err_t *err)
    __attribute__((warn_unused_result));

#endif
