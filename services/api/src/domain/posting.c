/* Posting commands (see posting.h). */
#include "domain/posting.h"
#include "domain/platform_rules.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app.h"
#include "common/event.h"
#include "common/log.h"
#include "common/util.h"
#include "common/xmalloc.h"
#include "domain/delisting.h"
#include "domain/job_schedule.h"
#include "domain/job_renew.h"
#include "domain/job_update.h"
#include "outbox.h"
#include "store/image_store.h"
#include "store/job_store.h"
#include "store/listing_store.h"

bool posting_platform_allowed(const char *platforms, const char *platform)
{
    size_t n = strlen(platform);
    const char *p = platforms;
    while (p && *p) {
        while (*p == ' ' || *p == ',')
            p++;
        size_t len = strcspn(p, ",");
        size_t trimmed = len;
        while (trimmed && p[trimmed - 1] == ' ')
            trimmed--;
        if (trimmed == n && n > 0 && strncmp(p, platform, n) == 0)
            return true;
        p += len;
    }
    return false;
}

/* How a posted image is referenced in posting.requested: a claim check, the absolute URL
 * the poster downloads it from (API_PUBLIC_URL), never a path on the api's disk. */
static void posting_image_ref(const struct app *app, const char *stored_name, ev_image_t *im)
{
    im->url = xasprintf("%s/uploads/%s", app->cfg.public_url, stored_name);
}

int posting_listing_read(tx_t *tx, const PGresult *src, ev_listing_t *l, PGresult **imgs,
                         store_err_t *err)
{
    memset(l, 0, sizeof(*l));
    l->id = row_i64(src, 0, "listing_id");
    if (!(*imgs = image_store_refs(tx->pg, l->id, err)))
        return -1;
    l->title = (char *)row_text(src, 0, "title");
    l->description = (char *)row_text(src, 0, "description");
    l->currency = (char *)row_text(src, 0, "currency");
    l->condition = (char *)row_text(src, 0, "condition");
    l->category = (char *)row_text(src, 0, "category");
    l->location = (char *)row_text(src, 0, "location");
    l->price_cents = row_i64(src, 0, "price_cents");
    l->nimages = (size_t)PQntuples(*imgs);
    l->images = xcalloc(l->nimages + 1, sizeof(ev_image_t));
    for (int i = 0; i < PQntuples(*imgs); i++) {
        ev_image_t *im = &l->images[i];
        posting_image_ref(tx->app, row_text(*imgs, i, "stored_name"), im);
        im->sha256 = (char *)row_text(*imgs, i, "sha256");
        im->size = row_i64(*imgs, i, "bytes"); /* the poster checks what it downloads */
        im->content_type = (char *)row_text(*imgs, i, "content_type");
        im->width = row_int(*imgs, i, "width");
        im->height = row_int(*imgs, i, "height");
    }
    return 0;
}

void posting_listing_release(ev_listing_t *l)
{
    for (size_t i = 0; l->images && i < l->nimages; i++)
        free(l->images[i].url);
    free(l->images);
    l->images = NULL;
}

int job_request_enqueue(tx_t *tx, const job_request_t *q, cJSON *data, cmd_result_t *r)
{
    store_err_t err = {"", ""};
    char key[24], subject[24], event_id[UUID_STR_LEN];
    /* The account's next free slot (pacing and daily caps, domain/job_schedule.h): the
     * request waits on the outbox until then. */
    int64_t run_at = 0;
    if (job_schedule_slot(tx, q->job_id, q->platform, q->account_id, q->kind, &run_at, r) != 0) {
        cJSON_Delete(data);
        return -1;
    }
    snprintf(key, sizeof(key), "%" PRId64, q->listing_id);
    snprintf(subject, sizeof(subject), "%" PRId64, q->job_id);
    if (outbox_enqueue_at(tx->pg, run_at, TOPIC_POSTING_REQUESTS, key, q->type, subject, data,
                          event_id, err.msg, sizeof(err.msg)) != 0 ||
        job_store_set_request(tx->pg, q->job_id, event_id, &err) != 0)
        return cmd_db_fail(r, "requesting the job", &err);
    return 0;
}

/* The listing against its platform's own limits (platform_rules.c): a listing the
 * marketplace would refuse gets CMD_INVALID (422) on the field at fault now, not a job that
 * fails half a minute later. Returns 0 or -1 (r). */
static int posting_rules_check(const posting_requested_t *ev, cmd_result_t *r)
{
    const platform_rules_t *rules = platform_rules_find(ev->platform);
    char field[32], detail[300];
    if (!rules || platform_rules_check(rules, &ev->listing, field, sizeof(field), detail,
                                       sizeof(detail)) == 0)
        return 0;
    return cmd_fail(r, CMD_INVALID, field, "%s", detail);
}

/* Reads job_id, its listing and images inside tx and enqueues posting.requested on
 * bb.posting.requests (key = listing id). The event borrows the results' strings. */
static int posting_request_enqueue(tx_t *tx, int64_t job_id, cmd_result_t *r)
{
    store_err_t err;
    posting_requested_t ev;
    memset(&ev, 0, sizeof(ev));
    PGresult *imgs = NULL, *src = job_store_request_source(tx->pg, job_id, &err);
    int rc = -1;
    if (!src || posting_listing_read(tx, src, &ev.listing, &imgs, &err) != 0) {
        cmd_db_fail(r, "requesting the posting", &err);
        goto cleanup;
    }
    ev.job_id = job_id;
    ev.attempt = row_int(src, 0, "attempt");
    ev.platform = (char *)row_text(src, 0, "platform");
    ev.account_id = row_i64(src, 0, "account_id");
    if (posting_rules_check(&ev, r) != 0)
        goto cleanup;
    job_request_t q = {job_id,        ev.listing.id, ev.platform,
                       ev.account_id, JOB_POST,      EV_POSTING_REQUESTED};
    rc = job_request_enqueue(tx, &q, posting_requested_build(&ev), r);
cleanup:
    posting_listing_release(&ev.listing);
    PQclear(imgs);
    PQclear(src);
    return rc;
}

/* Refuses a platform that is not in PLATFORMS (field names the body's member). */
static int platforms_check(const struct app *app, const char *const *platforms, size_t n,
                           const char *field, cmd_result_t *r)
{
    for (size_t i = 0; i < n; i++) {
        if (strlen(platforms[i]) <= 50 &&
            posting_platform_allowed(app->cfg.platforms, platforms[i]))
            continue;
        char safe[64];
        snprintf(safe, sizeof(safe), "%.50s", platforms[i]);
        for (char *c = safe; *c; c++)
            if ((unsigned char)*c < 0x20 || *c == '"')
                *c = '?';
        return cmd_fail(r, CMD_INVALID, field, "Invalid platform(s): %s (supported: %s)", safe,
                        app->cfg.platforms);
    }
    return 0;
}

/* Creates one job inside tx: the account check, the row, its posting.requested. */
static int posting_job_add(tx_t *tx, int64_t listing_id, const char *platform, int64_t account_id,
                           int64_t *job_id, cmd_result_t *r)
{
    store_err_t err;
    if (account_id) {
        int ok = job_store_account_matches(tx->pg, account_id, platform, &err);
        if (ok < 0)
            return cmd_db_fail(r, "reading the account", &err);
        if (!ok)
            return cmd_fail(r, CMD_INVALID, "account_id", "account_id: no %s account %" PRId64,
                            platform, account_id);
    }
    if (job_store_insert(tx->pg, listing_id, platform, account_id, job_id, &err) != 0)
        return cmd_db_fail(r, "creating the job", &err);
    return posting_request_enqueue(tx, *job_id, r);
}

static int posting_jobs_create(struct app *app, int64_t listing_id, const char *const *platforms,
                               size_t n, int64_t account_id, int64_t *job_ids, cmd_result_t *r)
{
    listing_row_t listing;
    store_err_t err;
    tx_t tx;
    int rc = -1;
    if (tx_begin(&tx, app, API_DB_TIMEOUT_MS, r) != 0)
        goto end;
    /* FOR SHARE: the listing cannot be deleted or changed under the new jobs. */
    if (cmd_found(r, listing_store_lock(tx.pg, listing_id, true, &listing, &err),
                  "reading the listing", &err, "Listing not found") != 0)
        goto end;
    if (strcmp(listing.status, "active") != 0) {
        cmd_fail(r, CMD_CONFLICT, NULL,
                 "listing %" PRId64 " is %s; only active listings are posted", listing_id,
                 listing.status);
        goto end;
    }
    for (size_t i = 0; i < n; i++)
        if (posting_job_add(&tx, listing_id, platforms[i], account_id, &job_ids[i], r) != 0)
            goto end;
    rc = tx_commit(&tx, r);
    if (rc == 0)
        LOG_INFO("listing %" PRId64 ": %zu posting job(s) from %" PRId64, listing_id, n,
                 job_ids[0]);
end:
    tx_end(&tx);
    return rc;
}

int posting_post(struct app *app, int64_t listing_id, const char *platform, int64_t account_id,
                 int64_t *job_id, cmd_result_t *r)
{
    const char *platforms[1] = {platform};
    if (platforms_check(app, platforms, 1, "platform", r) != 0)
        return -1;
    return posting_jobs_create(app, listing_id, platforms, 1, account_id, job_id, r);
}

int posting_post_batch(struct app *app, int64_t listing_id, const char *const *platforms, size_t n,
                       int64_t account_id, int64_t *job_ids, cmd_result_t *r)
{
    if (n < 1 || n > POSTING_MAX_PLATFORMS)
        return cmd_fail(r, CMD_INVALID, "platforms",
                        "platforms: must be an array of 1 to %d platform names",
                        POSTING_MAX_PLATFORMS);
    if (platforms_check(app, platforms, n, "platforms", r) != 0)
        return -1;
    return posting_jobs_create(app, listing_id, platforms, n, account_id, job_ids, r);
}

/* The checks and the new attempt of a failed post job. */
int job_retry_allowed(int64_t job_id, const job_row_t *job, cmd_result_t *r)
{
    if (strcmp(job->status, "failed") != 0)
        return cmd_fail(r, CMD_REFUSED, NULL,
                        "Only failed jobs can be retried (job %" PRId64 " is %s)", job_id,
                        job->status);
    if (job->attempt >= job->max_attempts)
        return cmd_fail(r, CMD_REFUSED, NULL,
                        "Maximum retry count exceeded (%d of %d attempts used)", job->attempt,
                        job->max_attempts);
    return 0;
}

static int post_retry(tx_t *tx, int64_t job_id, const job_row_t *job, cmd_result_t *r)
{
    store_err_t err;
    if (strcmp(job->status, "delist_failed") == 0)
        return delist_retry_posting(tx, job_id, r); /* the posting's delist, not the post */
    if (job_retry_allowed(job_id, job, r) != 0)
        return -1;
    if (strcmp(job->listing_status, "active") != 0)
        return cmd_fail(r, CMD_CONFLICT, NULL, "the listing is %s; only active listings are posted",
                        job->listing_status);
    if (job_store_retry(tx->pg, job_id, &err) != 0)
        return cmd_db_fail(r, "retrying the job", &err);
    return posting_request_enqueue(tx, job_id, r);
}

int posting_retry(struct app *app, int64_t job_id, cmd_result_t *r)
{
    job_row_t job;
    store_err_t err;
    tx_t tx;
    int rc = -1;
    if (tx_begin(&tx, app, API_DB_TIMEOUT_MS, r) != 0)
        goto end;
    /* The listing before the job, as everywhere (a delist retry settles the listing). */
    if (job_store_lock_listing(tx.pg, job_id, &err) != 0) {
        cmd_db_fail(r, "locking the listing", &err);
        goto end;
    }
    if (cmd_found(r, job_store_lock(tx.pg, job_id, &job, &err), "reading the job", &err,
                  "Job not found") != 0)
        goto end;
    if (strcmp(job.kind, JOB_DELIST) == 0)
        rc = delist_retry(&tx, job_id, &job, r);
    else if (strcmp(job.kind, JOB_UPDATE) == 0)
        rc = update_retry(&tx, job_id, &job, r);
    else if (strcmp(job.kind, JOB_RENEW) == 0)
        rc = renew_retry(&tx, job_id, &job, r);
    else
        rc = post_retry(&tx, job_id, &job, r);
    if (rc == 0)
        rc = tx_commit(&tx, r);
    if (rc == 0)
        LOG_INFO("%s job %" PRId64 " retried", job.kind, job_id);
end:
    tx_end(&tx);
    return rc;
}
