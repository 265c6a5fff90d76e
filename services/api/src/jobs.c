/* /api/jobs: posting jobs with their logs, and retry of a failed job (at most max_attempts
 * attempts in all), which re-sends posting.requested through the outbox. */
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app.h"
#include "common/db.h"
#include "common/log.h"
#include "handlers.h"
#include "posting.h"
#include "request.h"

#define TS(col) DB_TS(col) /* common/db.h; store/ code should call DB_TS itself */

/* The logs of job $1 as a JSON array (oldest first). */
#define LOGS_JSON_SQL                                                                            \
    "COALESCE((SELECT json_agg(json_build_object('id', g.id, 'job_id', g.job_id,"              \
    " 'attempt', g.attempt, 'level', g.level, 'message', g.message, 'artifact', g.artifact,"   \
    " 'screenshot_path', CASE WHEN g.artifact IS NULL THEN NULL ELSE 'uploads/' || g.artifact END," \
    " 'artifact_url', CASE WHEN g.artifact IS NULL THEN NULL ELSE '/uploads/' || g.artifact END," \
    " 'created_at', " TS("g.created_at") ") ORDER BY g.created_at, g.id)"                        \
    " FROM job_logs g WHERE g.job_id = j.id), '[]'::json)"

static bool job_status_valid(const char *s)
{
    static const char *const statuses[] = { "pending", "posting", "posted", "failed", "delisted" };
    for (size_t i = 0; i < sizeof(statuses) / sizeof(statuses[0]); i++)
        if (strcmp(s, statuses[i]) == 0)
            return true;
    return false;
}

int jobs_list(http_request_t *req)
{
    PGconn *pg = NULL;
    PGresult *res = NULL;
    int limit, status = 500;
    int64_t cursor, listing_id;
    char statusf[16], platform[64], err[512];

    if (request_page(req, &limit, &cursor) != 0 ||
        request_query_id(req, "listing_id", &listing_id) != 0)
        return 422;
    int ns = request_query(req, "status", statusf, sizeof(statusf));
    if (ns == -2)
        return 422;
    if (ns >= 0 && !job_status_valid(statusf))
        return http_send_problem(req, 422, "status",
                                 "status: must be one of pending, posting, posted, failed, "
                                 "delisted");
    int np = request_query(req, "platform", platform, sizeof(platform));
    if (np == -2)
        return 422;
    pg = request_db(req);
    if (!pg)
        return 503;
    char lim[16], cur[32], lid[32];
    snprintf(lim, sizeof(lim), "%d", limit);
    snprintf(cur, sizeof(cur), "%" PRId64, cursor);
    snprintf(lid, sizeof(lid), "%" PRId64, listing_id);
    const char *params[5] = { ns >= 0 ? statusf : NULL, cursor ? cur : NULL,
                              listing_id ? lid : NULL, np >= 0 ? platform : NULL, lim };
    char sql[3000];
    snprintf(sql, sizeof(sql),
             "SELECT COALESCE(json_agg(x ORDER BY id DESC) FILTER (WHERE rn <= $5), '[]'),"
             " count(*) > $5, min(id) FILTER (WHERE rn <= $5)"
             " FROM (SELECT j.id, row_number() OVER (ORDER BY j.id DESC) AS rn, %s AS x"
             "  FROM posting_jobs j WHERE ($1::text IS NULL OR j.status = $1)"
             "  AND ($2::bigint IS NULL OR j.id < $2)"
             "  AND ($3::bigint IS NULL OR j.listing_id = $3)"
             "  AND ($4::text IS NULL OR j.platform = $4)"
             "  ORDER BY j.id DESC LIMIT $5::int + 1) s",
             JOB_JSON_SQL);
    res = db_exec(pg, sql, 5, params, err, sizeof(err), NULL);
    if (!res) {
        status = request_db_error(req, "listing jobs", err);
        goto cleanup;
    }
    char link[800] = "";
    if (strcmp(PQgetvalue(res, 0, 1), "t") == 0) {
        const char *pairs[6] = { "status", ns >= 0 ? statusf : NULL, "listing_id",
                                 listing_id ? lid : NULL, "platform", np >= 0 ? platform : NULL };
        request_link_next(link, sizeof(link), "/api/jobs", limit,
                          strtoll(PQgetvalue(res, 0, 2), NULL, 10), pairs, 3);
    }
    status = http_send_body(req, 200, "application/json", PQgetvalue(res, 0, 0),
                            (size_t)PQgetlength(res, 0, 0), link[0] ? link : NULL);
cleanup:
    PQclear(res);
    request_db_release(req, pg);
    return status;
}

/* Sends job id (with its logs when with_logs, or only the logs array when logs_only). */
static int job_send(http_request_t *req, PGconn *pg, int64_t id, int status, bool with_logs,
                    bool logs_only)
{
    char sql[4096], idbuf[32], err[512];
    if (logs_only)
        snprintf(sql, sizeof(sql), "SELECT %s FROM posting_jobs j WHERE j.id = $1",
                 LOGS_JSON_SQL);
    else if (with_logs)
        snprintf(sql, sizeof(sql),
                 "SELECT (jsonb_build_object('logs', %s) || (%s)::jsonb)::text"
                 " FROM posting_jobs j WHERE j.id = $1",
                 LOGS_JSON_SQL, JOB_JSON_SQL);
    else
        snprintf(sql, sizeof(sql), "SELECT %s FROM posting_jobs j WHERE j.id = $1", JOB_JSON_SQL);
    snprintf(idbuf, sizeof(idbuf), "%" PRId64, id);
    const char *params[1] = { idbuf };
    PGresult *res = db_exec(pg, sql, 1, params, err, sizeof(err), NULL);
    if (!res)
        return request_db_error(req, "reading the job", err);
    int rc;
    if (PQntuples(res) != 1)
        rc = http_send_problem(req, 404, NULL, "Job not found");
    else
        rc = http_send_body(req, status, "application/json", PQgetvalue(res, 0, 0),
                            (size_t)PQgetlength(res, 0, 0), NULL);
    PQclear(res);
    return rc;
}

static int job_get_common(http_request_t *req, bool logs_only)
{
    int64_t id;
    if (http_param_id(req, 0, &id) != 0)
        return http_send_problem(req, 404, NULL, "Job not found");
    PGconn *pg = request_db(req);
    if (!pg)
        return 503;
    int status = job_send(req, pg, id, 200, !logs_only, logs_only);
    request_db_release(req, pg);
    return status;
}

int jobs_get(http_request_t *req)
{
    return job_get_common(req, false);
}

int jobs_logs(http_request_t *req)
{
    return job_get_common(req, true);
}

int jobs_retry(http_request_t *req)
{
    struct app *app = req->app;
    PGconn *pg = NULL;
    PGresult *res = NULL;
    int status = 500;
    int64_t id;
    char idbuf[32], err[512];

    if (http_param_id(req, 0, &id) != 0)
        return http_send_problem(req, 404, NULL, "Job not found");
    pg = request_db(req);
    if (!pg)
        return 503;
    snprintf(idbuf, sizeof(idbuf), "%" PRId64, id);
    const char *params[1] = { idbuf };
    if (db_begin(pg, err, sizeof(err)) != 0) {
        status = request_db_error(req, "starting a transaction", err);
        goto cleanup;
    }
    res = db_exec(pg,
                  "SELECT j.status, j.attempt, j.max_attempts, l.status FROM posting_jobs j"
                  " JOIN listings l ON l.id = j.listing_id WHERE j.id = $1 FOR UPDATE OF j",
                  1, params, err, sizeof(err), NULL);
    if (!res) {
        db_rollback(pg);
        status = request_db_error(req, "reading the job", err);
        goto cleanup;
    }
    if (PQntuples(res) != 1) {
        db_rollback(pg);
        status = http_send_problem(req, 404, NULL, "Job not found");
        goto cleanup;
    }
    if (strcmp(PQgetvalue(res, 0, 0), "failed") != 0) {
        db_rollback(pg);
        status = http_send_problem(req, 400, NULL, "Only failed jobs can be retried (job %"
                                   PRId64 " is %s)", id, PQgetvalue(res, 0, 0));
        goto cleanup;
    }
    int attempt = atoi(PQgetvalue(res, 0, 1)), max_attempts = atoi(PQgetvalue(res, 0, 2));
    if (attempt >= max_attempts) {
        db_rollback(pg);
        status = http_send_problem(req, 400, NULL, "Maximum retry count exceeded (%d of %d "
                                   "attempts used)", attempt, max_attempts);
        goto cleanup;
    }
    if (strcmp(PQgetvalue(res, 0, 3), "active") != 0) {
        db_rollback(pg);
        status = http_send_problem(req, 409, NULL, "the listing is %s; only active listings "
                                   "are posted", PQgetvalue(res, 0, 3));
        goto cleanup;
    }
    PQclear(res);
    res = db_exec(pg,
                  "UPDATE posting_jobs SET status = 'pending', attempt = attempt + 1,"
                  " scheduled_at = now(), started_at = NULL, completed_at = NULL,"
                  " error_code = NULL, error_message = NULL WHERE id = $1",
                  1, params, err, sizeof(err), NULL);
    if (!res || posting_enqueue(app, pg, id, err, sizeof(err)) != 0 ||
        db_commit(pg, err, sizeof(err)) != 0) {
        db_rollback(pg);
        status = request_db_error(req, "retrying the job", err);
        goto cleanup;
    }
    LOG_INFO("request %s: job %" PRId64 " retried (attempt %d of %d)", req->request_id, id,
             attempt + 1, max_attempts);
    status = job_send(req, pg, id, 200, false, false);
cleanup:
    PQclear(res);
    request_db_release(req, pg);
    return status;
}
