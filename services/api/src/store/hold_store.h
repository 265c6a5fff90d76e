/* The account_holds table (migrations/0060_account_holds.sql): an account the marketplace
 * blocked or capped (a job failed `blocked` / `limit_reached`) waits until the hold's time;
 * account_id 0 is the platform's default account, as in job_slots. A `blocked` hold stops
 * every kind of job, a `limit_reached` one only posts. Times are unix microseconds. */
#ifndef API_HOLD_STORE_H
#define API_HOLD_STORE_H

#include <stdint.h>

#include <libpq-fe.h>

#include "store/store.h"

typedef struct {
    int64_t until_us;
    char reason[24];  /* blocked | limit_reached */
    char detail[600]; /* what the marketplace said (the failed job's message) */
} hold_row_t;

/* The hold of the account in force now that applies to kind ("post" | "delist" |
 * "update"). Returns 1 (row filled), 0 (none) or -1 (err). */
int hold_store_active(PGconn *pg, const char *platform, int64_t account_id, const char *kind,
                      hold_row_t *row, store_err_t *err) __attribute__((warn_unused_result));

/* Holds the account for reason: until now() + hold_s, or (hold_s 0) until the start of the
 * next local month in timezone; an existing hold keeps the later time. *until_us receives
 * the hold's time. Returns 0 or -1 (err). */
int hold_store_put(PGconn *pg, const char *platform, int64_t account_id, const char *reason,
                   const char *detail, int64_t job_id, int hold_s, const char *timezone,
                   int64_t *until_us, store_err_t *err) __attribute__((warn_unused_result));

/* Deletes the account's hold; *n: 1 when there was one in force, else 0. Returns 0 or -1. */
int hold_store_lift(PGconn *pg, const char *platform, int64_t account_id, int *n, store_err_t *err)
    __attribute__((warn_unused_result));

/* The account's pending jobs whose request still waits unpublished on the outbox, oldest
 * slot first: columns id, kind. NULL on error (err); the caller PQclear()s. */
PGresult *hold_store_waiting(PGconn *pg, const char *platform, int64_t account_id,
                             store_err_t *err);

/* Moves job_id's unpublished request on the outbox to at_us ("not before"). Returns 0 or
 * -1 (err). */
int hold_store_move(PGconn *pg, int64_t job_id, int64_t at_us, store_err_t *err)
    __attribute__((warn_unused_result));

#endif
