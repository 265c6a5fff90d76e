/* Taking postings down ("sold means gone everywhere"): a delist job per live posting of a
 * listing (migrations/0009_*: kind 'delist', posting_job_id = the post job, reason sold or
 * deleted) with its delisting.requested, the post job showing delisting -> delisted or
 * delist_failed; the seller's commands that start it (POST /api/listings/{id}/sold, a
 * conversation that reaches sold, DELETE of a listing with live postings) and the settling
 * of a deletion as its delists end. Every function here runs inside the caller's tx. */
#ifndef API_DELISTING_H
#define API_DELISTING_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "domain/job_kinds.h"
#include "domain/result.h"
#include "domain/tx.h"
#include "store/job_store.h"

struct app;

/* Job ids a command created or waits for. */
typedef struct {
    int64_t *v;
    size_t n, cap;
} job_ids_t;

void job_ids_add(job_ids_t *ids, int64_t id);
void job_ids_free(job_ids_t *ids);

/* The delist reason for a listing in status listing_status: "sold" when sold, else
 * "deleted". Pure. */
const char *delist_reason_for(const char *listing_status);

/* Requests the delisting of every live posting of listing_id (posted, or delist_failed with
 * no delist on its way), reason "sold"/"deleted", except those on except_platform (NULL or
 * "": none), which the marketplace took down itself (they become delisted at once). Post jobs
 * whose request has not left the outbox yet are cancelled; the others are delisted when they
 * land. created (may be NULL) receives the new delist jobs, waiting (may be NULL) the post
 * jobs still in flight. Returns 0 or -1 (r). */
int delist_listing(tx_t *tx, int64_t listing_id, const char *reason, const char *except_platform,
                   job_ids_t *created, job_ids_t *waiting, cmd_result_t *r)
    __attribute__((warn_unused_result));

/* A delist job for the one post job posting_job_id (just posted, its listing no longer
 * active). Returns 0 or -1 (r). */
int delist_posting(tx_t *tx, int64_t posting_job_id, const char *reason, cmd_result_t *r)
    __attribute__((warn_unused_result));

/* After post job posting_job_id (locked as job) was posted: when its listing is no longer
 * active, its delist is requested at once (or, on the platform the listing sold on, it is
 * marked delisted). Returns 0 or -1 (r). */
int delist_after_post(tx_t *tx, int64_t posting_job_id, const job_row_t *job, cmd_result_t *r)
    __attribute__((warn_unused_result));

/* Another attempt of failed delist job job_id (locked as job), or of the latest delist of
 * post job posting_job_id in delist_failed (a new delist job once that one used all its
 * attempts). Return 0 or -1 (r). */
int delist_retry(tx_t *tx, int64_t job_id, const job_row_t *job, cmd_result_t *r)
    __attribute__((warn_unused_result));
int delist_retry_posting(tx_t *tx, int64_t posting_job_id, cmd_result_t *r)
    __attribute__((warn_unused_result));

/* A listing being deleted after one of its jobs moved: removed (files after the commit) once
 * no posting of it is live or in flight, delete_failed while a delist failed, else deleting.
 * Listings in any other status are left alone. Returns 0 or -1 (r). */
int delist_settle_listing(tx_t *tx, int64_t listing_id, cmd_result_t *r)
    __attribute__((warn_unused_result));

/* Marks listing_id sold (price 0 / platform NULL: not known) and requests the delistings
 * (except on platform). Listings already sold or being deleted are left alone when quiet
 * (a conversation's sale), else refused (CMD_CONFLICT). created receives the delist jobs.
 * Returns 0 or -1 (r). */
int listing_sold_tx(tx_t *tx, int64_t listing_id, int64_t price_cents, const char *platform,
                    bool quiet, job_ids_t *created, cmd_result_t *r)
    __attribute__((warn_unused_result));

/* POST /api/listings/{id}/sold in its own transaction. Returns 0 or -1 (r). */
int listing_sold(struct app *app, int64_t listing_id, const sold_input_t *in, job_ids_t *created,
                 cmd_result_t *r) __attribute__((warn_unused_result));

#endif
