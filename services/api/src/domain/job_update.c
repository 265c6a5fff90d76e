/* Edits propagate (see job_update.h). */
#include "domain/job_update.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app.h"
#include "common/event.h"
#include "common/log.h"
#include "domain/posting.h"

/* update.requested of update job job_id (its current attempt and changed set) as data. The
 * event borrows src's and imgs' strings: both stay alive until the data is built. */
static cJSON *update_request_data(tx_t *tx, int64_t job_id, PGresult **src, PGresult **imgs,
                                  int64_t *listing_id, cmd_result_t *r)
{
    store_err_t err;
    update_requested_t ev;
    memset(&ev, 0, sizeof(ev));
    *src = job_store_request_source(tx->pg, job_id, &err);
    if (!*src || posting_listing_read(tx, *src, &ev.listing, imgs, &err) != 0) {
        cmd_db_fail(r, "requesting the update", &err);
        posting_listing_release(&ev.listing);
        return NULL;
    }
    const char *names[4];
    ev.job_id = job_id;
    ev.attempt = row_int(*src, 0, "attempt");
    ev.posting_job_id = row_i64(*src, 0, "posting_job_id");
    ev.platform = (char *)row_text(*src, 0, "platform");
    ev.account_id = row_i64(*src, 0, "account_id");
    ev.external_id = (char *)row_text(*src, 0, "external_id");
    ev.external_url = (char *)row_text(*src, 0, "external_url");
    ev.nchanged = edit_changes_names(edit_changes_parse(row_text(*src, 0, "changed")), names);
    ev.changed = (char **)names;
    *listing_id = ev.listing.id;
    cJSON *data = update_requested_build(&ev);
    posting_listing_release(&ev.listing);
    return data;
}

/* Enqueues update.requested for update job job_id; with event_id (not NULL, not ""), rewrites
 * that unpublished request in place instead (*rewritten says it did; else nothing is
 * enqueued). */
static int update_request_enqueue(tx_t *tx, int64_t job_id, const char *event_id, bool *rewritten,
                                  cmd_result_t *r)
{
    PGresult *src = NULL, *imgs = NULL;
    int64_t listing_id = 0;
    int rc = -1;
    cJSON *data = update_request_data(tx, job_id, &src, &imgs, &listing_id, r);
    if (!data)
        goto end;
    if (!event_id) {
        job_request_t q = {job_id,
                           listing_id,
                           row_text(src, 0, "platform"),
                           row_i64(src, 0, "account_id"),
                           JOB_UPDATE,
                           EV_UPDATE_REQUESTED};
        rc = job_request_enqueue(tx, &q, data, r);
        goto end;
    }
    char subject[24];
    store_err_t err = {"could not encode update.requested", ""};
    snprintf(subject, sizeof(subject), "%" PRId64, job_id);
    char *payload = event_encode("api", EV_UPDATE_REQUESTED, subject, event_id, data);
    int done = payload ? job_store_request_rewrite(tx->pg, event_id, payload, &err) : -1;
    free(payload);
    if (done < 0)
        cmd_db_fail(r, "rewriting the update request", &err);
    *rewritten = done > 0;
    rc = done < 0 ? -1 : 0;
end:
    PQclear(imgs);
    PQclear(src);
    return rc;
}

/* Merges mask into the pending update job id of a posting: its request is rewritten while
 * unpublished, else it takes a new attempt with a new request. */
static int update_coalesce(tx_t *tx, int64_t id, const char *event_id, const char *changed,
                           unsigned mask, cmd_result_t *r)
{
    store_err_t err;
    char array[64];
    bool rewritten = false;
    edit_changes_array(edit_changes_parse(changed) | mask, array, sizeof(array));
    if (job_store_set_changed(tx->pg, id, array, &err) != 0)
        return cmd_db_fail(r, "merging the update", &err);
    if (event_id[0] && update_request_enqueue(tx, id, event_id, &rewritten, r) != 0)
        return -1;
    if (rewritten) {
        LOG_INFO("update job %" PRId64 ": edit merged into its unpublished request %s", id, array);
        return 0;
    }
    if (job_store_new_attempt(tx->pg, id, &err) != 0)
        return cmd_db_fail(r, "merging the update", &err);
    LOG_INFO("update job %" PRId64 ": edit merged, new attempt %s", id, array);
    return update_request_enqueue(tx, id, NULL, NULL, r);
}

/* The update of one posting: coalesced into its pending update, or a new job. */
static int update_posting(tx_t *tx, int64_t posting_job_id, unsigned mask, cmd_result_t *r)
{
    store_err_t err;
    int64_t id;
    char event_id[40], changed[64], array[64];
    int found = job_store_pending_update(tx->pg, posting_job_id, &id, event_id, changed,
                                         sizeof(changed), &err);
    if (found < 0)
        return cmd_db_fail(r, "reading the pending update", &err);
    if (found)
        return update_coalesce(tx, id, event_id, changed, mask, r);
    edit_changes_array(mask, array, sizeof(array));
    if (job_store_insert_child(tx->pg, JOB_UPDATE, posting_job_id, NULL, array, &id, &err) != 0)
        return cmd_db_fail(r, "creating the update job", &err);
    LOG_INFO("posting %" PRId64 ": update job %" PRId64 " %s", posting_job_id, id, array);
    return update_request_enqueue(tx, id, NULL, NULL, r);
}

int update_listing(tx_t *tx, int64_t listing_id, unsigned mask, cmd_result_t *r)
{
    store_err_t err;
    if (!mask)
        return 0;
    PGresult *res = job_store_posted_of_listing(tx->pg, listing_id, &err);
    if (!res)
        return cmd_db_fail(r, "reading the postings", &err);
    int rc = 0;
    for (int i = 0; i < PQntuples(res) && rc == 0; i++)
        rc = update_posting(tx, row_i64(res, i, "id"), mask, r);
    PQclear(res);
    return rc;
}

int update_retry(tx_t *tx, int64_t job_id, const job_row_t *job, cmd_result_t *r)
{
    store_err_t err;
    if (job_retry_allowed(job_id, job, r) != 0)
        return -1;
    if (strcmp(job->listing_status, "active") != 0)
        return cmd_fail(r, CMD_CONFLICT, NULL,
                        "the listing is %s; only the postings of active listings are updated",
                        job->listing_status);
    int64_t newer;
    char event_id[40], changed[64];
    int pending = job_store_pending_update(tx->pg, job->posting_job_id, &newer, event_id, changed,
                                           sizeof(changed), &err);
    if (pending < 0)
        return cmd_db_fail(r, "reading the pending update", &err);
    if (pending)
        return cmd_fail(r, CMD_REFUSED, NULL,
                        "update job %" PRId64 " of the same posting is pending and carries the "
                        "listing as it is now",
                        newer);
    if (job_store_retry(tx->pg, job_id, &err) != 0)
        return cmd_db_fail(r, "retrying the update", &err);
    return update_request_enqueue(tx, job_id, NULL, NULL, r);
}
