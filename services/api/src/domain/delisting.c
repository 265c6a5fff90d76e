/* Taking postings down (see delisting.h). */
#include "domain/delisting.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app.h"
#include "common/event.h"
#include "common/log.h"
#include "common/xmalloc.h"
#include "domain/job_schedule.h"
#include "domain/posting.h"
#include "store/listing_store.h"

void job_ids_add(job_ids_t *ids, int64_t id)
{
    if (!ids)
        return;
    if (ids->n == ids->cap) {
        ids->cap = ids->cap ? 2 * ids->cap : 8;
        ids->v = xrealloc(ids->v, ids->cap * sizeof(int64_t));
    }
    ids->v[ids->n++] = id;
}

void job_ids_free(job_ids_t *ids)
{
    free(ids->v);
    memset(ids, 0, sizeof(*ids));
}

const char *delist_reason_for(const char *listing_status)
{
    return listing_status && strcmp(listing_status, "sold") == 0 ? DELIST_SOLD : DELIST_DELETED;
}

/* Enqueues delisting.requested for delist job job_id (its current attempt). */
static int delist_request_enqueue(tx_t *tx, int64_t job_id, cmd_result_t *r)
{
    store_err_t err;
    PGresult *src = job_store_delist_source(tx->pg, job_id, &err);
    if (!src)
        return cmd_db_fail(r, "requesting the delisting", &err);
    delisting_requested_t ev = {
        .job_id = job_id,
        .attempt = row_int(src, 0, "attempt"),
        .listing_id = row_i64(src, 0, "listing_id"),
        .platform = (char *)row_text(src, 0, "platform"),
        .account_id = row_i64(src, 0, "account_id"),
        .external_id = (char *)row_text(src, 0, "external_id"),
        .external_url = (char *)row_text(src, 0, "external_url"),
        .reason = (char *)row_text(src, 0, "reason"),
    };
    job_request_t q = {job_id,        ev.listing_id, ev.platform,
                       ev.account_id, JOB_DELIST,    EV_DELISTING_REQUESTED};
    int rc = job_request_enqueue(tx, &q, delisting_requested_build(&ev), r);
    PQclear(src);
    return rc;
}

/* A new delist job of post job posting_job_id with its request; the post job shows
 * delisting. */
static int delist_job_add(tx_t *tx, int64_t posting_job_id, const char *reason, int64_t *id,
                          cmd_result_t *r)
{
    store_err_t err;
    if (job_store_insert_child(tx->pg, JOB_DELIST, posting_job_id, reason, NULL, id, &err) != 0 ||
        job_store_set_delist_state(tx->pg, posting_job_id, "delisting", NULL, NULL, &err) != 0)
        return cmd_db_fail(r, "creating the delist job", &err);
    return delist_request_enqueue(tx, *id, r);
}

int delist_posting(tx_t *tx, int64_t posting_job_id, const char *reason, cmd_result_t *r)
{
    int64_t id;
    if (delist_job_add(tx, posting_job_id, reason, &id, r) != 0)
        return -1;
    LOG_INFO("posting %" PRId64 ": delist job %" PRId64 " (%s)", posting_job_id, id, reason);
    return 0;
}

/* A posting on the platform where the item sold: the marketplace took it down itself. */
static int delist_by_marketplace(tx_t *tx, int64_t posting_job_id, const char *platform,
                                 cmd_result_t *r)
{
    store_err_t err;
    char msg[160];
    snprintf(msg, sizeof(msg), "Sold on %s: the marketplace takes the listing down itself",
             platform);
    if (job_store_set_delist_state(tx->pg, posting_job_id, "delisted", NULL, NULL, &err) != 0 ||
        job_store_log(tx->pg, posting_job_id, 1, "info", msg, NULL, NULL, &err) != 0)
        return cmd_db_fail(r, "marking the posting delisted", &err);
    return 0;
}

int delist_after_post(tx_t *tx, int64_t posting_job_id, const job_row_t *job, cmd_result_t *r)
{
    if (strcmp(job->listing_status, "active") == 0)
        return 0;
    LOG_INFO("posting %" PRId64 " landed on a %s listing: taking it down", posting_job_id,
             job->listing_status);
    if (job->sold_platform[0] && strcmp(job->sold_platform, job->platform) == 0)
        return delist_by_marketplace(tx, posting_job_id, job->platform, r);
    return delist_posting(tx, posting_job_id, delist_reason_for(job->listing_status), r);
}

/* Post jobs of listing_id still in flight: cancelled while their request waits on the outbox
 * for its slot (job_schedule_cancel_listing: job failed, error_code "cancelled", slot freed),
 * else added to waiting (delisted once they land). */
static int delist_in_flight(tx_t *tx, int64_t listing_id, const char *reason, job_ids_t *waiting,
                            cmd_result_t *r)
{
    store_err_t err;
    char why[160];
    snprintf(why, sizeof(why),
             "cancelled before its scheduled time: the listing is no longer active (%s)",
             strcmp(reason, DELIST_SOLD) == 0 ? "sold" : "archived or deleted");
    if (job_schedule_cancel_listing(tx, listing_id, why, NULL, r) != 0)
        return -1;
    PGresult *res = job_store_in_flight_of_listing(tx->pg, listing_id, &err);
    if (!res)
        return cmd_db_fail(r, "reading the postings", &err);
    for (int i = 0; i < PQntuples(res); i++)
        job_ids_add(waiting, row_i64(res, i, "id"));
    PQclear(res);
    return 0;
}

int delist_cancel_unsent(tx_t *tx, int64_t listing_id, const char *reason, cmd_result_t *r)
{
    return delist_in_flight(tx, listing_id, reason, NULL, r);
}

int delist_listing(tx_t *tx, int64_t listing_id, const char *reason, const char *except_platform,
                   job_ids_t *created, job_ids_t *waiting, cmd_result_t *r)
{
    store_err_t err;
    if (delist_in_flight(tx, listing_id, reason, waiting, r) != 0)
        return -1;
    PGresult *res = job_store_live_of_listing(tx->pg, listing_id, &err);
    if (!res)
        return cmd_db_fail(r, "reading the postings", &err);
    int rc = 0;
    for (int i = 0; i < PQntuples(res) && rc == 0; i++) {
        int64_t posting = row_i64(res, i, "id"), id;
        const char *platform = row_text(res, i, "platform");
        if (except_platform && strcmp(platform, except_platform) == 0)
            rc = delist_by_marketplace(tx, posting, platform, r);
        else if ((rc = delist_job_add(tx, posting, reason, &id, r)) == 0)
            job_ids_add(created, id);
    }
    if (rc == 0)
        LOG_INFO("listing %" PRId64 ": %d posting(s) to take down (%s)", listing_id, PQntuples(res),
                 reason);
    PQclear(res);
    return rc;
}

int delist_retry(tx_t *tx, int64_t job_id, const job_row_t *job, cmd_result_t *r)
{
    store_err_t err;
    if (job_retry_allowed(job_id, job, r) != 0)
        return -1;
    if (strcmp(job->listing_status, "active") == 0)
        return cmd_fail(r, CMD_CONFLICT, NULL, "the listing is active again; its postings stay up");
    if (job_store_retry(tx->pg, job_id, &err) != 0 ||
        job_store_set_delist_state(tx->pg, job->posting_job_id, "delisting", NULL, NULL, &err) != 0)
        return cmd_db_fail(r, "retrying the delist", &err);
    if (delist_request_enqueue(tx, job_id, r) != 0)
        return -1;
    return delist_settle_listing(tx, job->listing_id, r);
}

int delist_retry_posting(tx_t *tx, int64_t posting_job_id, cmd_result_t *r)
{
    store_err_t err;
    job_row_t job;
    int64_t id;
    char status[16];
    int found = job_store_latest_delist(tx->pg, posting_job_id, &id, status, &err);
    if (found <= 0)
        return found < 0 ? cmd_db_fail(r, "reading the delist job", &err)
                         : cmd_fail(r, CMD_REFUSED, NULL, "posting %" PRId64 " has no delist job",
                                    posting_job_id);
    if (cmd_found(r, job_store_lock(tx->pg, id, &job, &err), "reading the delist job", &err,
                  "Job not found") != 0)
        return -1;
    /* The seller asks again after every attempt of that job was used: a fresh delist job. */
    if (strcmp(job.status, "failed") == 0 && job.attempt >= job.max_attempts &&
        strcmp(job.listing_status, "active") != 0) {
        if (delist_posting(tx, posting_job_id, delist_reason_for(job.listing_status), r) != 0)
            return -1;
        return delist_settle_listing(tx, job.listing_id, r);
    }
    return delist_retry(tx, id, &job, r);
}

/* Removes listing_id now: its rows go, its files after the commit. */
static int listing_remove(tx_t *tx, int64_t listing_id, cmd_result_t *r)
{
    store_err_t err;
    store_names_t names = {NULL, 0};
    int found = listing_store_delete(tx->pg, listing_id, &names, &err);
    if (found < 0)
        return cmd_db_fail(r, "deleting the listing", &err);
    for (size_t i = 0; i < names.n; i++)
        tx_remove_on_commit(tx, names.v[i]);
    store_names_free(&names);
    LOG_INFO("listing %" PRId64 " deleted", listing_id);
    return 0;
}

int delist_settle_listing(tx_t *tx, int64_t listing_id, cmd_result_t *r)
{
    store_err_t err;
    listing_row_t row;
    int live, in_flight, failed;
    int found = listing_store_lock(tx->pg, listing_id, false, &row, &err);
    if (found <= 0)
        return found < 0 ? cmd_db_fail(r, "reading the listing", &err) : 0;
    if (strcmp(row.status, "deleting") != 0 && strcmp(row.status, "delete_failed") != 0)
        return 0;
    if (job_store_listing_tally(tx->pg, listing_id, &live, &in_flight, &failed, &err) != 0)
        return cmd_db_fail(r, "reading the postings", &err);
    if (live + in_flight + failed == 0)
        return listing_remove(tx, listing_id, r);
    const char *status = failed ? "delete_failed" : "deleting";
    if (strcmp(row.status, status) != 0 &&
        listing_store_set_status(tx->pg, listing_id, status, &err) != 0)
        return cmd_db_fail(r, "updating the listing", &err);
    return 0;
}

int listing_sold_tx(tx_t *tx, int64_t listing_id, int64_t price_cents, const char *platform,
                    bool quiet, job_ids_t *created, cmd_result_t *r)
{
    store_err_t err;
    listing_row_t row;
    if (cmd_found(r, listing_store_lock(tx->pg, listing_id, false, &row, &err),
                  "reading the listing", &err, "Listing not found") != 0)
        return -1;
    if (strcmp(row.status, "active") != 0 && strcmp(row.status, "archived") != 0) {
        if (quiet)
            return 0;
        return cmd_fail(r, CMD_CONFLICT, NULL, "listing %" PRId64 " is %s%s", listing_id,
                        strcmp(row.status, "sold") == 0 ? "already " : "", row.status);
    }
    if (listing_store_mark_sold(tx->pg, listing_id, price_cents, platform, &err) != 0)
        return cmd_db_fail(r, "marking the listing sold", &err);
    return delist_listing(tx, listing_id, DELIST_SOLD, platform, created, NULL, r);
}

int listing_sold(struct app *app, int64_t listing_id, const sold_input_t *in, job_ids_t *created,
                 cmd_result_t *r)
{
    tx_t tx;
    int rc = -1;
    if (tx_begin(&tx, app, API_DB_TIMEOUT_MS, r) == 0 &&
        listing_sold_tx(&tx, listing_id, in->sold_price_cents, in->platform, false, created, r) ==
            0)
        rc = tx_commit(&tx, r);
    if (rc == 0)
        LOG_INFO("listing %" PRId64 " sold%s%s: %zu delist job(s)", listing_id,
                 in->platform[0] ? " on " : "", in->platform, created->n);
    tx_end(&tx);
    return rc;
}
