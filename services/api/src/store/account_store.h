/* The marketplace_accounts table: the account whose inbox the monitor watches, its switch
 * (monitoring) and the monitor's last report. */
#ifndef API_ACCOUNT_STORE_H
#define API_ACCOUNT_STORE_H

#include <stdbool.h>
#include <stdint.h>

#include <libpq-fe.h>

#include "store/store.h"

typedef struct {
    int64_t id;
    bool monitoring;      /* what the user asked for */
    bool monitor_running; /* the monitor's last heartbeat */
    int64_t cycle;
    char last_poll_at[40]; /* "" when never */
    char last_error[512];  /* "" when none */
} account_row_t;

/* Finds (with lock, FOR UPDATE) the account: account_id, or when 0 the first
 * facebook_marketplace account, created with label "default" when create is set. Returns 1,
 * 0 when there is none, or -1 (err). */
int account_store_find(PGconn *pg, int64_t account_id, bool create, bool lock, account_row_t *row,
                       store_err_t *err) __attribute__((warn_unused_result));

/* Sets the monitoring switch. Returns 0 or -1. */
int account_store_set_monitoring(PGconn *pg, int64_t id, bool on, store_err_t *err)
    __attribute__((warn_unused_result));

#endif
