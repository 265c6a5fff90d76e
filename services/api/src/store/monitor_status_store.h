/* The monitor's heartbeat columns of marketplace_accounts (monitor_running, monitor_cycle,
 * last_poll_at, last_error, login_state), written from monitor.status. login_state becomes
 * login_required on a login wall, logged_in while the monitor runs without one, else stays. Apart
 * from account_store.c, which owns the rest of the table (the accounts and their switch). */
#ifndef API_MONITOR_STATUS_STORE_H
#define API_MONITOR_STATUS_STORE_H

#include <stdbool.h>
#include <stdint.h>

#include <libpq-fe.h>

#include "store/store.h"

typedef struct {
    bool running;
    int64_t cycle;
    const char *last_poll_at; /* RFC 3339 or NULL (kept) */
    const char *last_error;   /* NULL: none */
    bool login_required;
} monitor_status_row_t;

/* Records account_id's heartbeat. Returns 1, 0 when the account does not exist, or -1. */
int monitor_status_store_record(PGconn *pg, int64_t account_id, const monitor_status_row_t *s,
                                store_err_t *err) __attribute__((warn_unused_result));

#endif
