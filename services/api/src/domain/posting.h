/* Posting commands: post a listing to one platform or to several at once, retry a failed
 * job, and (for the listing commands) request the delistings of a listing's posted jobs.
 * Each job comes with its posting.requested event on the outbox, in the same transaction
 * (event-carried state: the listing and its images travel in the event; built in one
 * place, posting_request_enqueue in posting.c). */
#ifndef API_POSTING_H
#define API_POSTING_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <libpq-fe.h>

#include "common/event.h"
#include "domain/result.h"
#include "domain/tx.h"
#include "store/job_store.h"

struct app;

#define POSTING_MAX_PLATFORMS 10

/* Whether platform is one of the comma-separated PLATFORMS. Pure. */
bool posting_platform_allowed(const char *platforms, const char *platform);

/* Creates a job for listing_id on platform (account_id 0: the platform's default).
 * *job_id receives its id. Returns 0 or -1 (r; an unknown platform is CMD_INVALID on field
 * "platform"). */
int posting_post(struct app *app, int64_t listing_id, const char *platform, int64_t account_id,
                 int64_t *job_id, cmd_result_t *r) __attribute__((warn_unused_result));

/* The same for platforms[0..n) (1..POSTING_MAX_PLATFORMS) in one transaction; job_ids
 * receives the n ids. An unknown platform is CMD_INVALID on field "platforms". */
int posting_post_batch(struct app *app, int64_t listing_id, const char *const *platforms, size_t n,
                       int64_t account_id, int64_t *job_ids, cmd_result_t *r)
    __attribute__((warn_unused_result));

/* Requests another attempt of failed job job_id (at most max_attempts in all), of any kind
 * (a post job in delist_failed: its delist). Returns 0 or -1 (r). */
int posting_retry(struct app *app, int64_t job_id, cmd_result_t *r)
    __attribute__((warn_unused_result));

/* Whether locked job may get another attempt: it failed and has attempts left. Returns 0,
 * or -1 with CMD_REFUSED in r saying why not. For the retry of every kind. */
int job_retry_allowed(int64_t job_id, const job_row_t *job, cmd_result_t *r)
    __attribute__((warn_unused_result));

/* The listing of a request's source row (job_store_request_source) with its images as claim
 * checks, as posting.requested and update.requested carry it. The strings are borrowed from
 * src and *imgs (caller PQclear()s *imgs even on failure); posting_listing_release frees the
 * rest. Returns 0 or -1 (err). */
int posting_listing_read(tx_t *tx, const PGresult *src, ev_listing_t *l, PGresult **imgs,
                         store_err_t *err) __attribute__((warn_unused_result));
void posting_listing_release(ev_listing_t *l);

/* Where a job's request goes and how it is scheduled. */
typedef struct {
    int64_t job_id, listing_id;
    const char *platform;
    int64_t account_id; /* 0: the platform's default */
    const char *kind;   /* "post" | "delist" | "update" | "renew": that kind's pacing */
    const char *type;   /* the event type */
} job_request_t;

/* Enqueues a job's request (data consumed) on bb.posting.requests, key = the listing, subject
 * = the job, held back until the account's next free slot (job_schedule_slot: pacing and
 * daily caps, which also sets the job's scheduled_at), and records its event id on the job.
 * Returns 0 or -1 (r). */
int job_request_enqueue(tx_t *tx, const job_request_t *q, cJSON *data, cmd_result_t *r)
    __attribute__((warn_unused_result));

#endif
