/* The marketplace_accounts table: the accounts whose inboxes the monitor watches (platform,
 * label, browser profile), their switch (monitoring: what the user asked for), the
 * monitor's last report (heartbeat fields, login state), and their JSON. */
#ifndef API_ACCOUNT_STORE_H
#define API_ACCOUNT_STORE_H

#include <stdbool.h>
#include <stdint.h>

#include <libpq-fe.h>

#include "store/store.h"

typedef struct {
    int64_t id;
    char platform[64];
    char label[404];            /* at most 100 characters */
    char browser_profile[4004]; /* "" when none; at most 1000 characters */
    bool monitoring;            /* what the user asked for */
    bool monitor_running;       /* the monitor's last heartbeat */
    int64_t cycle;
    char last_poll_at[40]; /* "" when never */
    char last_error[512];  /* "" when none */
} account_row_t;

/* Finds (lock: FOR UPDATE) the account: account_id, or when 0 the first
 * facebook_marketplace account, created with label "default" when create is set. Returns 1,
 * 0 when there is none, or -1 (err). */
int account_store_find(PGconn *pg, int64_t account_id, bool create, bool lock, account_row_t *row,
                       store_err_t *err) __attribute__((warn_unused_result));

/* Inserts an account (browser_profile NULL: none). Returns 0, or -1 (err; SQLSTATE 23505
 * when platform + label exists). */
int account_store_insert(PGconn *pg, const char *platform, const char *label,
                         const char *browser_profile, int64_t *id, store_err_t *err)
    __attribute__((warn_unused_result));

/* Writes label and browser_profile ("" -> NULL) of row->id. Returns 0 or -1 (23505 as
 * above). */
int account_store_rename(PGconn *pg, const account_row_t *row, store_err_t *err)
    __attribute__((warn_unused_result));

/* Sets the monitoring switch. Returns 0 or -1. */
int account_store_set_monitoring(PGconn *pg, int64_t id, bool on, store_err_t *err)
    __attribute__((warn_unused_result));

/* The ids of every account, locked FOR UPDATE, in id order (caller PQclear()s; column
 * "id"), or NULL (err). */
PGresult *account_store_ids(PGconn *pg, store_err_t *err);

/* Account id as JSON (1, 0 when unknown, -1), and every account as a JSON array in id
 * order (0 or -1). */
int account_store_json(PGconn *pg, int64_t id, store_json_t *out, store_err_t *err)
    __attribute__((warn_unused_result));
int account_store_json_all(PGconn *pg, store_json_t *out, store_err_t *err)
    __attribute__((warn_unused_result));

#endif
