/* The job_slots table (migrations/0010_job_pacing.sql): the actions reserved per account
 * (account_id 0: the platform's default account), and the clock the schedule is computed
 * with - the transaction's now() and the local day boundaries of a time zone, from
 * PostgreSQL so that every api instance agrees. Times are unix microseconds. */
#ifndef API_SLOT_STORE_H
#define API_SLOT_STORE_H

#include <stddef.h>
#include <stdint.h>

#include <libpq-fe.h>

#include "store/store.h"

/* Serialises the scheduling transactions of one account (pg_advisory_xact_lock: held until
 * the transaction ends). Returns 0 or -1 (err). */
int slot_store_lock(PGconn *pg, const char *platform, int64_t account_id, store_err_t *err)
    __attribute__((warn_unused_result));

/* The transaction's now() in *now_us and the local midnights of timezone from the day of
 * greatest(now, from_us) on (from_us 0: today), enough to pass the account's last slot by a
 * few days (at most 1001): *days (malloc'ed, caller frees) and *ndays. Returns 0 or -1
 * (err). */
int slot_store_clock(PGconn *pg, const char *platform, int64_t account_id, const char *timezone,
                     int64_t from_us, int64_t *now_us, int64_t **days, size_t *ndays,
                     store_err_t *err) __attribute__((warn_unused_result));

/* The account's post slots in the local month (timezone) of at_us (*count), and the start
 * of the next local month (*next_month_us). Returns 0 or -1 (err). */
int slot_store_month(PGconn *pg, const char *platform, int64_t account_id, const char *timezone,
                     int64_t at_us, int *count, int64_t *next_month_us, store_err_t *err)
    __attribute__((warn_unused_result));

/* Sets posting_jobs.wait_reason of job_id (NULL: it does not wait). Returns 0 or -1. */
int slot_store_wait_reason(PGconn *pg, int64_t job_id, const char *reason, store_err_t *err)
    __attribute__((warn_unused_result));

/* The account's slots from since_us on, by time: at_us[i] and kind_names[i] ("post" ...)
 * in a result the caller reads with slot_store_row and PQclear()s. NULL on error. */
PGresult *slot_store_since(PGconn *pg, const char *platform, int64_t account_id, int64_t since_us,
                           store_err_t *err);
void slot_store_row(const PGresult *res, int i, int64_t *at_us, const char **kind);

/* Deletes job_id's slots of kind (NULL: any) still to come (a retry, a cancelled job).
 * Returns 0 or -1 (err). */
int slot_store_release(PGconn *pg, int64_t job_id, const char *kind, store_err_t *err)
    __attribute__((warn_unused_result));

/* Records job_id's slot at *at_us (0: the transaction's now(), written back into *at_us)
 * and sets posting_jobs.scheduled_at to it; drops the account's slots older than two days
 * (they no longer count for anything). Returns 0 or -1 (err). */
int slot_store_reserve(PGconn *pg, const char *platform, int64_t account_id, const char *kind,
                       int64_t job_id, int64_t *at_us, store_err_t *err)
    __attribute__((warn_unused_result));

/* Cancels the pending post jobs of listing_id whose posting.requested still waits on the
 * outbox for its slot: deletes those outbox rows (a row the relay is publishing right now is
 * left alone: it is on its way), frees the jobs' slots to come and marks the jobs failed with
 * error_code "cancelled" and message why. *n receives how many. Returns 0 or -1 (err). */
int slot_store_cancel_listing(PGconn *pg, int64_t listing_id, const char *why, int *n,
                              store_err_t *err) __attribute__((warn_unused_result));

#endif
