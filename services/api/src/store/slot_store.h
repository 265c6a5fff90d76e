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

/* The transaction's now() in *now_us and the local midnights of timezone from today's on,
 * enough to pass the account's last slot by a few days (at most 1001): *days (malloc'ed,
 * caller frees) and *ndays. Returns 0 or -1 (err). */
int slot_store_clock(PGconn *pg, const char *platform, int64_t account_id, const char *timezone,
                     int64_t *now_us, int64_t **days, size_t *ndays, store_err_t *err)
    __attribute__((warn_unused_result));

/* The account's slots from since_us on, by time: at_us[i] and kind_names[i] ("post" ...)
 * in a result the caller reads with slot_store_row and PQclear()s. NULL on error. */
PGresult *slot_store_since(PGconn *pg, const char *platform, int64_t account_id, int64_t since_us,
                           store_err_t *err);
void slot_store_row(const PGresult *res, int i, int64_t *at_us, const char **kind);

/* Deletes job_id's slots of kind still to come (a retry or a cancelled job), and the
 * account's slots older than two days. Returns 0 or -1 (err). */
int slot_store_release(PGconn *pg, int64_t job_id, const char *kind, store_err_t *err)
    __attribute__((warn_unused_result));
int slot_store_prune(PGconn *pg, const char *platform, int64_t account_id, store_err_t *err)
    __attribute__((warn_unused_result));

/* Records job_id's slot at at_us and sets posting_jobs.scheduled_at to it. Returns 0 or -1
 * (err). */
int slot_store_reserve(PGconn *pg, const char *platform, int64_t account_id, const char *kind,
                       int64_t job_id, int64_t at_us, store_err_t *err)
    __attribute__((warn_unused_result));

#endif
