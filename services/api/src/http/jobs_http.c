/* /api/jobs: posting jobs with their logs (filters, cursor pages), retry of a failed job, and
 * the renew of a live posting. */
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "app.h"
#include "domain/job_renew.h"
#include "domain/posting.h"
#include "handlers.h"
#include "http/request.h"
#include "store/job_store.h"

/* Whether s is one of the NULL-terminated values. */
static bool one_of(const char *s, const char *const *values)
{
    for (size_t i = 0; values[i]; i++)
        if (strcmp(s, values[i]) == 0)
            return true;
    return false;
}

/* Every kind's statuses (migrations/0009_*): post jobs' and delist/update jobs'. */
static const char *const job_statuses[] = {"pending",   "posting",  "posted",        "failed",
                                           "delisting", "delisted", "delist_failed", "running",
                                           "done",      NULL};
static const char *const job_kinds[] = {"post", "delist", "update", "renew", "all", NULL};

/* Parses ?kind (default post: the original's view) into q. Returns 0 or -1 after answering. */
static int jobs_kind_read(http_request_t *req, job_page_query_t *q, char kind[8])
{
    int nk = request_query(req, "kind", kind, 8);
    if (nk == -2)
        return -1;
    if (nk >= 0 && !one_of(kind, job_kinds)) {
        http_send_problem(req, 422, "kind",
                          "kind: must be one of post, delist, update, renew, all");
        return -1;
    }
    q->kind = nk >= 0 ? kind : NULL;
    return 0;
}

/* Parses ?limit, ?cursor, ?listing_id, ?status, ?platform, ?kind into q (strings in the
 * caller's buffers). Returns 0 or -1 after answering 422. */
static int jobs_query_read(http_request_t *req, job_page_query_t *q, char status[16],
                           char platform[64], char kind[8])
{
    memset(q, 0, sizeof(*q));
    if (request_page(req, &q->limit, &q->cursor) != 0 ||
        request_query_id(req, "listing_id", &q->listing_id) != 0)
        return -1;
    int ns = request_query(req, "status", status, 16);
    if (ns == -2)
        return -1;
    if (ns >= 0 && !one_of(status, job_statuses)) {
        http_send_problem(req, 422, "status",
                          "status: must be one of pending, posting, posted, failed, delisting, "
                          "delisted, delist_failed, running, done");
        return -1;
    }
    int np = request_query(req, "platform", platform, 64);
    if (np == -2)
        return -1;
    q->status = ns >= 0 ? status : NULL;
    q->platform = np >= 0 ? platform : NULL;
    return jobs_kind_read(req, q, kind);
}

int handle_jobs_list(http_request_t *req)
{
    job_page_query_t q;
    char status[16], platform[64], kind[8], link[800] = "";
    if (jobs_query_read(req, &q, status, platform, kind) != 0)
        return req->status;
    PGconn *pg = request_db(req);
    if (!pg)
        return req->status;
    store_page_t page;
    store_err_t err;
    int rc = job_store_page(pg, &q, &page, &err);
    request_db_release(req, pg);
    if (rc != 0)
        return request_db_error(req, "listing jobs", err.msg);
    if (page.has_more) {
        char lid[24];
        snprintf(lid, sizeof(lid), "%" PRId64, q.listing_id);
        const char *pairs[8] = {"status",   q.status,   "listing_id", q.listing_id ? lid : NULL,
                                "platform", q.platform, "kind",       q.kind};
        request_link_next(link, sizeof(link), "/api/jobs", q.limit, page.last_id, pairs, 4);
    }
    return request_send_doc(req, 200, &page.body, link[0] ? link : NULL);
}

/* Sends job id in the given view with status, or 404. Returns the status sent. */
static int job_send(http_request_t *req, int64_t id, job_view_t view, int status)
{
    store_json_t doc;
    store_err_t err;
    PGconn *pg = request_db(req);
    if (!pg)
        return req->status;
    int found = job_store_json(pg, id, view, &doc, &err);
    request_db_release(req, pg);
    if (found < 0)
        return request_db_error(req, "reading the job", err.msg);
    if (!found)
        return http_send_problem(req, 404, NULL, "Job not found");
    return request_send_doc(req, status, &doc, NULL);
}

int handle_job_get(http_request_t *req)
{
    int64_t id;
    if (request_path_id(req, 0, "Job not found", &id) != 0)
        return req->status;
    return job_send(req, id, JOB_VIEW_WITH_LOGS, 200);
}

int handle_job_logs(http_request_t *req)
{
    int64_t id;
    if (request_path_id(req, 0, "Job not found", &id) != 0)
        return req->status;
    return job_send(req, id, JOB_VIEW_LOGS, 200);
}

int handle_job_retry(http_request_t *req)
{
    cmd_result_t r;
    int64_t id;
    if (request_path_id(req, 0, "Job not found", &id) != 0)
        return req->status;
    if (posting_retry(req->app, id, &r) != 0)
        return request_fail(req, &r);
    return job_send(req, id, JOB_VIEW_JOB, 200);
}

/* POST /api/jobs/{id}/renew: {id} is the posting (its post job); 202 with the renew job. */
int handle_job_renew(http_request_t *req)
{
    cmd_result_t r;
    int64_t id, renew_id = 0;
    if (request_path_id(req, 0, "Job not found", &id) != 0)
        return req->status;
    if (renew_request(req->app, id, &renew_id, &r) != 0)
        return request_fail(req, &r);
    return job_send(req, renew_id, JOB_VIEW_JOB, 202);
}
