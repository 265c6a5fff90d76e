/* Renew instead of re-post (see job_renew.h). */
#include "domain/job_renew.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "app.h"
#include "common/event.h"
#include "common/log.h"
#include "domain/pacing.h"
#include "domain/posting.h"
#include "store/pacing_store.h"

/* The sweep looks at this many postings per pass (oldest first; the next pass goes on). */
#define RENEW_SWEEP_BATCH 100

/* Enqueues renew.requested of renew job job_id (its current attempt). */
static int renew_request_enqueue(tx_t *tx, int64_t job_id, cmd_result_t *r)
{
    store_err_t err;
    /* the delist source has every field a renew request carries (its reason is NULL) */
    PGresult *src = job_store_delist_source(tx->pg, job_id, &err);
    if (!src)
        return cmd_db_fail(r, "requesting the renew", &err);
    renew_requested_t ev = {
        .job_id = job_id,
        .attempt = row_int(src, 0, "attempt"),
        .posting_job_id = row_i64(src, 0, "posting_job_id"),
        .listing_id = row_i64(src, 0, "listing_id"),
        .platform = (char *)row_text(src, 0, "platform"),
        .account_id = row_i64(src, 0, "account_id"),
        .external_id = (char *)row_text(src, 0, "external_id"),
        .external_url = (char *)row_text(src, 0, "external_url"),
    };
    job_request_t q = {job_id,        ev.listing_id, ev.platform,
                       ev.account_id, JOB_RENEW,     EV_RENEW_REQUESTED};
    int rc = job_request_enqueue(tx, &q, renew_requested_build(&ev), r);
    PQclear(src);
    return rc;
}

/* The renew of locked post job posting_job_id: the one on its way, or a new one. */
static int renew_posting(tx_t *tx, int64_t posting_job_id, const job_row_t *job, int64_t *id,
                         cmd_result_t *r)
{
    store_err_t err;
    if (strcmp(job->kind, JOB_POST) != 0)
        return cmd_fail(r, CMD_CONFLICT, NULL,
                        "job %" PRId64 " is a %s job; renew its posting (job %" PRId64 ")",
                        posting_job_id, job->kind, job->posting_job_id);
    if (strcmp(job->status, "posted") != 0)
        return cmd_fail(r, CMD_CONFLICT, NULL,
                        "job %" PRId64 " is %s; only a live posting (posted) can be renewed",
                        posting_job_id, job->status);
    if (strcmp(job->listing_status, "active") != 0)
        return cmd_fail(r, CMD_CONFLICT, NULL,
                        "the listing is %s; only the postings of active listings are renewed",
                        job->listing_status);
    int open = job_store_open_renew(tx->pg, posting_job_id, id, &err);
    if (open < 0)
        return cmd_db_fail(r, "reading the renew jobs", &err);
    if (open)
        return 0;
    if (job_store_insert_child(tx->pg, JOB_RENEW, posting_job_id, NULL, NULL, id, &err) != 0)
        return cmd_db_fail(r, "creating the renew job", &err);
    LOG_INFO("posting %" PRId64 ": renew job %" PRId64, posting_job_id, *id);
    return renew_request_enqueue(tx, *id, r);
}

/* Locks the listing, then the post job (the order every job command keeps), and renews it. */
static int renew_locked(tx_t *tx, int64_t posting_job_id, int64_t *id, cmd_result_t *r)
{
    job_row_t job;
    store_err_t err;
    if (job_store_lock_listing(tx->pg, posting_job_id, &err) != 0)
        return cmd_db_fail(r, "locking the listing", &err);
    if (cmd_found(r, job_store_lock(tx->pg, posting_job_id, &job, &err), "reading the job", &err,
                  "Job not found") != 0)
        return -1;
    return renew_posting(tx, posting_job_id, &job, id, r);
}

int renew_request(struct app *app, int64_t posting_job_id, int64_t *renew_job_id, cmd_result_t *r)
{
    tx_t tx;
    int rc = -1;
    if (tx_begin(&tx, app, API_DB_TIMEOUT_MS, r) == 0 &&
        renew_locked(&tx, posting_job_id, renew_job_id, r) == 0)
        rc = tx_commit(&tx, r);
    tx_end(&tx);
    return rc;
}

int renew_retry(tx_t *tx, int64_t job_id, const job_row_t *job, cmd_result_t *r)
{
    store_err_t err;
    job_row_t post;
    if (job_retry_allowed(job_id, job, r) != 0)
        return -1;
    if (cmd_found(r, job_store_lock(tx->pg, job->posting_job_id, &post, &err), "reading the job",
                  &err, "Job not found") != 0)
        return -1;
    if (strcmp(post.status, "posted") != 0)
        return cmd_fail(r, CMD_CONFLICT, NULL,
                        "its posting (job %" PRId64 ") is %s; only a live posting can be renewed",
                        job->posting_job_id, post.status);
    int64_t open;
    int pending = job_store_open_renew(tx->pg, job->posting_job_id, &open, &err);
    if (pending < 0)
        return cmd_db_fail(r, "reading the renew jobs", &err);
    if (pending)
        return cmd_fail(r, CMD_REFUSED, NULL,
                        "renew job %" PRId64 " of the same posting is on its way", open);
    if (job_store_retry(tx->pg, job_id, &err) != 0)
        return cmd_db_fail(r, "retrying the renew", &err);
    return renew_request_enqueue(tx, job_id, r);
}

/* Whether a posting idle for idle_s is due by its account's renew_after_days (0: never).
 * Returns 1, 0, or -1 (r). */
static int renew_due(tx_t *tx, const char *platform, int64_t account_id, int64_t idle_s,
                     cmd_result_t *r)
{
    pacing_row_t plat, acct;
    pacing_t p;
    char fallback_tz[64];
    store_err_t err;
    if (pacing_store_get(tx->pg, platform, account_id, &plat, &acct, fallback_tz, &err) != 0)
        return cmd_db_fail(r, "reading the pacing", &err);
    pacing_effective(platform, &plat, account_id ? &acct : NULL, fallback_tz, &p);
    return p.renew_after_days > 0 && idle_s >= (int64_t)p.renew_after_days * 86400;
}

/* The post jobs due for a renew into ids (room for RENEW_SWEEP_BATCH). Returns how many, or
 * -1 (r). */
static int renew_due_list(struct app *app, int64_t *ids, cmd_result_t *r)
{
    store_err_t err;
    tx_t tx;
    int n = -1;
    PGresult *res = NULL;
    if (tx_begin(&tx, app, API_DB_TIMEOUT_MS, r) != 0)
        goto end;
    /* a day is the least renew_after_days there is: younger postings are never due */
    res = job_store_renew_candidates(tx.pg, JOB_RENEW_MAX_AUTO, 86400, RENEW_SWEEP_BATCH, &err);
    if (!res) {
        cmd_db_fail(r, "reading the postings to renew", &err);
        goto end;
    }
    n = 0;
    for (int i = 0; i < PQntuples(res) && n < RENEW_SWEEP_BATCH; i++) {
        int due = renew_due(&tx, row_text(res, i, "platform"), row_i64(res, i, "account_id"),
                            row_i64(res, i, "idle_s"), r);
        if (due < 0) {
            n = -1;
            goto end;
        }
        if (due)
            ids[n++] = row_i64(res, i, "id");
    }
end:
    PQclear(res);
    tx_end(&tx);
    return n;
}

int renew_sweep(struct app *app, cmd_result_t *r)
{
    int64_t ids[RENEW_SWEEP_BATCH];
    int due = renew_due_list(app, ids, r), n = 0;
    if (due < 0)
        return -1;
    for (int i = 0; i < due; i++) {
        /* one transaction per posting: one that changed meanwhile (sold, deleted, renewed by
         * the seller) is refused or answered with its renew, and the others go on */
        int64_t renew_id = 0;
        tx_t tx;
        cmd_result_t one;
        memset(&one, 0, sizeof(one));
        if (tx_begin(&tx, app, API_DB_TIMEOUT_MS, &one) == 0 &&
            renew_locked(&tx, ids[i], &renew_id, &one) == 0 && tx_commit(&tx, &one) == 0) {
            LOG_INFO("renew sweep: posting %" PRId64 " is due: renew job %" PRId64, ids[i],
                     renew_id);
            n++;
        } else if (one.status != CMD_CONFLICT && one.status != CMD_NOT_FOUND) {
            LOG_WARN("renew sweep: posting %" PRId64 ": %s", ids[i], one.detail);
        }
        tx_end(&tx);
    }
    return n;
}
