/* Posting requests: turns a job row into a posting.requested event (event-carried state:
 * the listing and its images travel in the event) on the outbox, inside the caller's
 * transaction. Used by POST /api/listings/{id}/post and POST /api/jobs/{id}/retry. */
#ifndef API_POSTING_H
#define API_POSTING_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <libpq-fe.h>

struct app;

/* SQL expression (over "posting_jobs j") building one job as JSON (the original's fields:
 * retry_count, scheduled_at, started_at, completed_at, external_url, error_message...). */
extern const char JOB_JSON_SQL[];

/* Reads job_id, its listing and images on pg (inside the caller's transaction) and enqueues
 * posting.requested on bb.posting.requests (key = listing id). Returns 0 or -1 (errstr). */
int posting_enqueue(struct app *app, PGconn *pg, int64_t job_id, char *errstr,
                    size_t errstr_size) __attribute__((warn_unused_result));

/* Enqueues delisting.requested for every posted job of listing_id (the listing was sold,
 * archived or is being deleted), inside the caller's transaction. *count (may be NULL)
 * receives how many. Returns 0 or -1 (errstr). */
int posting_enqueue_delistings(PGconn *pg, int64_t listing_id, int *count, char *errstr,
                               size_t errstr_size) __attribute__((warn_unused_result));

/* Whether platform is one of the comma-separated PLATFORMS. Pure. */
bool posting_platform_allowed(const char *platforms, const char *platform);

#endif
