/* The posting_jobs and job_logs tables: job rows of every kind (post; delist and update of a
 * posting, migrations/0009_*) and their state changes, the sources of posting.requested,
 * delisting.requested and update.requested, the requests' outbox rows while unpublished, and
 * the JSON of jobs and logs (the original's fields: retry_count, scheduled_at, started_at,
 * completed_at, external_url, error_message... and ours: kind, posting_job_id, ...). */
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
    char kind[8];           /* post, delist, update, renew */
    int64_t posting_job_id; /* delist/update: the post job; 0 for a post job */
    int64_t account_id;     /* 0: the platform's default account */
    char status[16];
    int attempt;
    int max_attempts;
    char platform[64];
    char listing_status[16];
    char sold_platform[64];    /* the listing's, "" when none */
    char error_code[64];       /* "" when none */
    char request_event_id[40]; /* "" when unknown (jobs from before 0009) */
} job_row_t;

/* The job kinds (posting_jobs.kind). */
#define JOB_POST "post"
#define JOB_DELIST "delist"
#define JOB_UPDATE "update"
#define JOB_RENEW "renew"

/* Facebook allows 5 renewals of a listing (shared/reference/facebook-markup.md §2.2 [S4]):
 * the api's sweep renews a posting on its own at most this often. */
#define JOB_RENEW_MAX_AUTO 5

/* Inserts a pending job (account_id 0: the platform's default account). Returns 0 or -1. */
int job_store_insert(PGconn *pg, int64_t listing_id, const char *platform, int64_t account_id,
                     int64_t *id, store_err_t *err) __attribute__((warn_unused_result));

/* Inserts a pending delist (reason "sold"/"deleted") or update (changed: a text[] literal)
 * job of post job posting_job_id, on its listing, platform and account. Returns 0 or -1. */
int job_store_insert_child(PGconn *pg, const char *kind, int64_t posting_job_id, const char *reason,
                           const char *changed, int64_t *id, store_err_t *err)
    __attribute__((warn_unused_result));

/* Records event_id as the outbox event of job id's current request. Returns 0 or -1. */
int job_store_set_request(PGconn *pg, int64_t id, const char *event_id, store_err_t *err)
    __attribute__((warn_unused_result));

/* Locks the listing of job id (FOR UPDATE; nothing when either is gone). The commands that
 * change jobs take the listing before its jobs, as the listing commands do (sold, delete,
 * edit lock the listing, then its jobs), so the two never deadlock. Returns 0 or -1. */
int job_store_lock_listing(PGconn *pg, int64_t id, store_err_t *err)
    __attribute__((warn_unused_result));

/* Locks job id and reads it with its listing's status. Returns 1, 0 when unknown, or -1. */
int job_store_lock(PGconn *pg, int64_t id, job_row_t *row, store_err_t *err)
    __attribute__((warn_unused_result));

/* Whether job id exists. Returns 1, 0, or -1 (err). */
int job_store_exists(PGconn *pg, int64_t id, store_err_t *err) __attribute__((warn_unused_result));

/* State changes of job id. Each returns 0 or -1 (err). */
int job_store_retry(PGconn *pg, int64_t id, store_err_t *err) __attribute__((warn_unused_result));
/* started: a post job becomes posting, a delist/update job running. */
int job_store_mark_started(PGconn *pg, int64_t id, store_err_t *err)
    __attribute__((warn_unused_result));
/* a delist/update job succeeded */
int job_store_mark_done(PGconn *pg, int64_t id, store_err_t *err)
    __attribute__((warn_unused_result));
int job_store_mark_posted(PGconn *pg, int64_t id, const char *external_id, const char *external_url,
                          store_err_t *err) __attribute__((warn_unused_result));
int job_store_mark_failed(PGconn *pg, int64_t id, const char *code, const char *message,
                          bool retryable, store_err_t *err) __attribute__((warn_unused_result));
/* The post job's delist state: "delisting" (errors cleared), "delisted", or
 * "delist_failed" with code and message (why the posting is still live). */
int job_store_set_delist_state(PGconn *pg, int64_t id, const char *status, const char *code,
                               const char *message, store_err_t *err)
    __attribute__((warn_unused_result));
/* A post job's new external URL after an update (NULL: kept). */
int job_store_set_external_url(PGconn *pg, int64_t id, const char *url, store_err_t *err)
    __attribute__((warn_unused_result));
/* A new attempt of pending job id for a request that was already published (a coalesced
 * edit): attempt + 1 and max_attempts + 1 (it uses none of the seller's retries). */
int job_store_new_attempt(PGconn *pg, int64_t id, store_err_t *err)
    __attribute__((warn_unused_result));
/* The changed set of update job id (a text[] literal). */
int job_store_set_changed(PGconn *pg, int64_t id, const char *changed, store_err_t *err)
    __attribute__((warn_unused_result));

/* Appends a log line; time (ISO 8601, may be NULL or "") is when it happened. */
int job_store_log(PGconn *pg, int64_t id, int attempt, const char *level, const char *message,
                  const char *artifact, const char *time, store_err_t *err)
    __attribute__((warn_unused_result));

/* The live postings of listing_id that no delist job is on its way for: post jobs posted or
 * delist_failed (id, platform). Caller PQclear()s; NULL on error. */
PGresult *job_store_live_of_listing(PGconn *pg, int64_t listing_id, store_err_t *err);

/* The post jobs of listing_id still in flight (pending or posting): id, status. Caller
 * PQclear()s; NULL on error. */
PGresult *job_store_in_flight_of_listing(PGconn *pg, int64_t listing_id, store_err_t *err);

/* The posted jobs of listing_id an edit updates: id. Caller PQclear()s; NULL on error. */
PGresult *job_store_posted_of_listing(PGconn *pg, int64_t listing_id, store_err_t *err);

/* The pending update job of post job posting_job_id: *id, *attempt, event_id (its request's
 * outbox event, "" when unknown), changed (comma-separated). Returns 1, 0 when none, -1. */
int job_store_pending_update(PGconn *pg, int64_t posting_job_id, int64_t *id, char event_id[40],
                             char *changed, size_t changed_size, store_err_t *err)
    __attribute__((warn_unused_result));

/* The latest delist job of post job posting_job_id, locked: *id and status. Returns 1, 0
 * when none, or -1. */
int job_store_latest_delist(PGconn *pg, int64_t posting_job_id, int64_t *id, char status[16],
                            store_err_t *err) __attribute__((warn_unused_result));

/* How the post jobs of listing_id stand for its deletion: *live (posted), *in_flight
 * (pending, posting, delisting), *failed (delist_failed). Returns 0 or -1. */
int job_store_listing_tally(PGconn *pg, int64_t listing_id, int *live, int *in_flight, int *failed,
                            store_err_t *err) __attribute__((warn_unused_result));

/* The job's request while the outbox row of event_id is unpublished: replaced by payload
 * (same event id). A row the relay is publishing is waited for and then left alone. Returns
 * 1 (done), 0 (already published or gone), -1 (err). */
int job_store_request_rewrite(PGconn *pg, const char *event_id, const char *payload,
                              store_err_t *err) __attribute__((warn_unused_result));

/* A renew of post job id succeeded: renewed_at = now, renew_count + 1; *count gets the new
 * count. Returns 0 or -1. */
int job_store_mark_renewed(PGconn *pg, int64_t id, int *count, store_err_t *err)
    __attribute__((warn_unused_result));

/* The renew job of post job posting_job_id still on its way (pending or running): *id.
 * Returns 1, 0 when none, or -1. */
int job_store_open_renew(PGconn *pg, int64_t posting_job_id, int64_t *id, store_err_t *err)
    __attribute__((warn_unused_result));

/* The postings the renew sweep may renew: post jobs posted on an active listing, renewed
 * fewer than max_count times, with no renew on its way, whose last action (posted, last
 * renewed, or last renew attempt) is at least min_age_s old: id, platform, account_id (0
 * when none), renew_count, idle_s (seconds since that last action). At most limit rows,
 * oldest first. Caller PQclear()s; NULL on error. */
PGresult *job_store_renew_candidates(PGconn *pg, int max_count, int64_t min_age_s, int limit,
                                     store_err_t *err);

/* Delist job id with its posting, for delisting.requested: attempt, platform, account_id
 * (0 when none), listing_id, reason, posting_job_id, external_id, external_url (a renew job's
 * for renew.requested too, its reason NULL). One-row result (caller
 * PQclear()s) or NULL (err). */
PGresult *job_store_delist_source(PGconn *pg, int64_t id, store_err_t *err);

/* Job id with its listing, for posting.requested and update.requested: attempt, platform,
 * account_id (0 when none), listing_id, title, description, currency, condition, category,
 * location, price_cents; for an update also posting_job_id, changed (comma-separated) and
 * the posting's external_id, external_url. Returns the one-row result (caller PQclear()s), or NULL
 * (err; msg says "not found" when the job does not exist). */
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
    const char *kind;     /* NULL: post jobs only (the original's view); "all": every kind */
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
