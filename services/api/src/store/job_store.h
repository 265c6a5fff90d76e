/* The posting_jobs and job_logs tables: job rows and their state changes, the source of a
 * posting.requested event, and the JSON of jobs and logs (the original's fields:
 * retry_count, scheduled_at, started_at, completed_at, external_url, error_message...). */
#ifndef API_JOB_STORE_H
#define API_JOB_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <libpq-fe.h>

#include "store/store.h"

/* What the commands need of a job they change, locked FOR UPDATE. */
typedef struct {
    int64_t listing_id;
    char status[16];
    int attempt;
    int max_attempts;
    char platform[64];
    char listing_status[16];
} job_row_t;

/* Inserts a pending job (account_id 0: the platform's default account). Returns 0 or -1. */
int job_store_insert(PGconn *pg, int64_t listing_id, const char *platform, int64_t account_id,
                     int64_t *id, store_err_t *err) __attribute__((warn_unused_result));

/* Locks job id and reads it with its listing's status. Returns 1, 0 when unknown, or -1. */
int job_store_lock(PGconn *pg, int64_t id, job_row_t *row, store_err_t *err)
    __attribute__((warn_unused_result));

/* Whether job id exists. Returns 1, 0, or -1 (err). */
int job_store_exists(PGconn *pg, int64_t id, store_err_t *err) __attribute__((warn_unused_result));

/* State changes of job id. Each returns 0 or -1 (err). */
int job_store_retry(PGconn *pg, int64_t id, store_err_t *err) __attribute__((warn_unused_result));
int job_store_mark_posting(PGconn *pg, int64_t id, store_err_t *err)
    __attribute__((warn_unused_result));
int job_store_mark_posted(PGconn *pg, int64_t id, const char *external_id, const char *external_url,
                          store_err_t *err) __attribute__((warn_unused_result));
int job_store_mark_failed(PGconn *pg, int64_t id, const char *code, const char *message,
                          store_err_t *err) __attribute__((warn_unused_result));
int job_store_mark_delisted(PGconn *pg, int64_t id, store_err_t *err)
    __attribute__((warn_unused_result));

/* Appends a log line; time (ISO 8601, may be NULL or "") is when it happened. */
int job_store_log(PGconn *pg, int64_t id, int attempt, const char *level, const char *message,
                  const char *artifact, const char *time, store_err_t *err)
    __attribute__((warn_unused_result));

/* The posted jobs of listing_id: id, platform, external_id, external_url. Caller
 * PQclear()s; NULL on error. */
PGresult *job_store_posted_of_listing(PGconn *pg, int64_t listing_id, store_err_t *err);

/* Job id with its listing, for posting.requested: attempt, platform, account_id (0 when
 * none), listing_id, title, description, currency, condition, category, location,
 * price_cents. Returns the one-row result (caller PQclear()s), or NULL (err; msg says
 * "not found" when the job does not exist). */
PGresult *job_store_request_source(PGconn *pg, int64_t id, store_err_t *err);

/* Whether account_id is an account of platform. Returns 1, 0, or -1 (err). */
int job_store_account_matches(PGconn *pg, int64_t account_id, const char *platform,
                              store_err_t *err) __attribute__((warn_unused_result));

typedef enum { JOB_VIEW_JOB, JOB_VIEW_WITH_LOGS, JOB_VIEW_LOGS } job_view_t;

/* Job id as JSON (view says with or only its logs). Returns 1, 0 when unknown, or -1. */
int job_store_json(PGconn *pg, int64_t id, job_view_t view, store_json_t *out, store_err_t *err)
    __attribute__((warn_unused_result));

/* Jobs ids[0..n) as a JSON array in id order. Returns 0 or -1. */
int job_store_json_many(PGconn *pg, const int64_t *ids, size_t n, store_json_t *out,
                        store_err_t *err) __attribute__((warn_unused_result));

typedef struct {
    const char *status;   /* NULL: any */
    const char *platform; /* NULL: any */
    int64_t listing_id;   /* 0: any */
    int64_t cursor;       /* ids below this; 0: from the newest */
    int limit;
} job_page_query_t;

/* One page of jobs, newest first (store_page_t: the array, has_more, last_id). */
int job_store_page(PGconn *pg, const job_page_query_t *q, store_page_t *out, store_err_t *err)
    __attribute__((warn_unused_result));

#endif
