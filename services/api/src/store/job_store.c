/* The posting_jobs and job_logs tables (see job_store.h). */
#include "store/job_store.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* One job of "posting_jobs j" as JSON. retry_count (the original's) counts the retries:
 * a job on its first attempt shows 0 whatever its state. (SQL text is laid out by hand:
 * clang-format would split the timestamp macro calls mid-string.) */
// clang-format off
#define JOB_JSON                                                                            \
    "json_build_object('id', j.id, 'listing_id', j.listing_id, 'platform', j.platform,"     \
    " 'account_id', j.account_id, 'status', j.status, 'attempt', j.attempt,"                \
    " 'max_attempts', j.max_attempts, 'retry_count', j.attempt - 1,"                        \
    " 'external_id', j.external_id, 'external_url', j.external_url,"                        \
    " 'error_code', j.error_code, 'error_message', j.error_message,"                        \
    " 'scheduled_at', " DB_TS("j.scheduled_at") ","                                         \
    " 'started_at', " DB_TS("j.started_at") ","                                             \
    " 'completed_at', " DB_TS("j.completed_at") ","                                         \
    " 'created_at', " DB_TS("j.created_at") ","                                             \
    " 'updated_at', " DB_TS("j.updated_at") ")"

/* The logs of job j as a JSON array (oldest first). */
#define LOGS_JSON                                                                           \
    "COALESCE((SELECT json_agg(json_build_object('id', g.id, 'job_id', g.job_id,"           \
    " 'attempt', g.attempt, 'level', g.level, 'message', g.message, 'artifact', g.artifact," \
    " 'screenshot_path', CASE WHEN g.artifact IS NULL THEN NULL"                            \
    "  ELSE 'uploads/' || g.artifact END,"                                                  \
    " 'artifact_url', CASE WHEN g.artifact IS NULL THEN NULL"                               \
    "  ELSE '/uploads/' || g.artifact END,"                                                 \
    " 'created_at', " DB_TS("g.created_at") ") ORDER BY g.created_at, g.id)"               \
    " FROM job_logs g WHERE g.job_id = j.id), '[]'::json)"
// clang-format on

int job_store_insert(PGconn *pg, int64_t listing_id, const char *platform, int64_t account_id,
                     int64_t *id, store_err_t *err)
{
    store_num_t lid, aid;
    const char *params[3] = {store_i64(&lid, listing_id), platform,
                             account_id ? store_i64(&aid, account_id) : NULL};
    PGresult *res = store_exec(pg,
                               "INSERT INTO posting_jobs (listing_id, platform, account_id)"
                               " VALUES ($1, $2, $3) RETURNING id",
                               3, params, err);
    if (!res)
        return -1;
    *id = row_i64(res, 0, "id");
    PQclear(res);
    return 0;
}

int job_store_exists(PGconn *pg, int64_t id, store_err_t *err)
{
    store_num_t idbuf;
    const char *params[1] = {store_i64(&idbuf, id)};
    PGresult *res = store_exec(pg, "SELECT 1 FROM posting_jobs WHERE id = $1", 1, params, err);
    if (!res)
        return -1;
    int found = PQntuples(res) == 1;
    PQclear(res);
    return found;
}

int job_store_lock(PGconn *pg, int64_t id, job_row_t *row, store_err_t *err)
{
    store_num_t idbuf;
    const char *params[1] = {store_i64(&idbuf, id)};
    PGresult *res = store_exec(pg,
                               "SELECT j.listing_id, j.status, j.attempt, j.max_attempts,"
                               " j.platform, l.status AS listing_status FROM posting_jobs j"
                               " JOIN listings l ON l.id = j.listing_id WHERE j.id = $1"
                               " FOR UPDATE OF j",
                               1, params, err);
    if (!res)
        return -1;
    int found = PQntuples(res) == 1;
    if (found) {
        row->listing_id = row_i64(res, 0, "listing_id");
        snprintf(row->status, sizeof(row->status), "%s", row_text(res, 0, "status"));
        row->attempt = row_int(res, 0, "attempt");
        row->max_attempts = row_int(res, 0, "max_attempts");
        snprintf(row->platform, sizeof(row->platform), "%s", row_text(res, 0, "platform"));
        snprintf(row->listing_status, sizeof(row->listing_status), "%s",
                 row_text(res, 0, "listing_status"));
    }
    PQclear(res);
    return found;
}

/* Runs sql with $1 = job id and up to two more text parameters. */
static int job_run(PGconn *pg, const char *sql, int64_t id, int nextra, const char *a,
                   const char *b, store_err_t *err)
{
    store_num_t idbuf;
    const char *params[3] = {store_i64(&idbuf, id), a, b};
    return store_run(pg, sql, 1 + nextra, params, err);
}

int job_store_retry(PGconn *pg, int64_t id, store_err_t *err)
{
    return job_run(pg,
                   "UPDATE posting_jobs SET status = 'pending', attempt = attempt + 1,"
                   " scheduled_at = now(), started_at = NULL, completed_at = NULL,"
                   " error_code = NULL, error_message = NULL WHERE id = $1",
                   id, 0, NULL, NULL, err);
}

int job_store_mark_posting(PGconn *pg, int64_t id, store_err_t *err)
{
    return job_run(pg,
                   "UPDATE posting_jobs SET status = 'posting', started_at = now(),"
                   " completed_at = NULL, error_code = NULL, error_message = NULL WHERE id = $1",
                   id, 0, NULL, NULL, err);
}

int job_store_mark_posted(PGconn *pg, int64_t id, const char *external_id, const char *external_url,
                          store_err_t *err)
{
    return job_run(pg,
                   "UPDATE posting_jobs SET status = 'posted', external_id = $2,"
                   " external_url = $3, error_code = NULL, error_message = NULL,"
                   " started_at = COALESCE(started_at, now()), completed_at = now()"
                   " WHERE id = $1",
                   id, 2, external_id, external_url, err);
}

int job_store_mark_failed(PGconn *pg, int64_t id, const char *code, const char *message,
                          store_err_t *err)
{
    return job_run(pg,
                   "UPDATE posting_jobs SET status = 'failed', error_code = $2,"
                   " error_message = $3, started_at = COALESCE(started_at, now()),"
                   " completed_at = now() WHERE id = $1",
                   id, 2, code, message, err);
}

int job_store_mark_delisted(PGconn *pg, int64_t id, store_err_t *err)
{
    return job_run(pg, "UPDATE posting_jobs SET status = 'delisted' WHERE id = $1", id, 0, NULL,
                   NULL, err);
}

int job_store_log(PGconn *pg, int64_t id, int attempt, const char *level, const char *message,
                  const char *artifact, const char *time, store_err_t *err)
{
    store_num_t idbuf;
    char att[16];
    snprintf(att, sizeof(att), "%d", attempt);
    const char *params[6] = {store_i64(&idbuf, id), att, level, message, artifact, time};
    return store_run(pg,
                     "INSERT INTO job_logs (job_id, attempt, level, message, artifact, created_at)"
                     " VALUES ($1, $2, $3, $4, $5, COALESCE(NULLIF($6, '')::timestamptz, now()))",
                     6, params, err);
}

PGresult *job_store_posted_of_listing(PGconn *pg, int64_t listing_id, store_err_t *err)
{
    store_num_t lid;
    const char *params[1] = {store_i64(&lid, listing_id)};
    return store_exec(pg,
                      "SELECT id, platform, external_id, external_url FROM posting_jobs"
                      " WHERE listing_id = $1 AND status = 'posted' ORDER BY id",
                      1, params, err);
}

PGresult *job_store_request_source(PGconn *pg, int64_t id, store_err_t *err)
{
    store_num_t idbuf;
    const char *params[1] = {store_i64(&idbuf, id)};
    PGresult *res = store_exec(pg,
                               "SELECT j.attempt, j.platform, COALESCE(j.account_id, 0)"
                               " AS account_id, l.id AS listing_id, l.title, l.description,"
                               " l.currency, l.condition, l.category, l.location, l.price_cents"
                               " FROM posting_jobs j JOIN listings l ON l.id = j.listing_id"
                               " WHERE j.id = $1",
                               1, params, err);
    if (res && PQntuples(res) != 1) {
        PQclear(res);
        snprintf(err->msg, sizeof(err->msg), "job %" PRId64 " not found", id);
        err->sqlstate[0] = '\0';
        return NULL;
    }
    return res;
}

int job_store_account_matches(PGconn *pg, int64_t account_id, const char *platform,
                              store_err_t *err)
{
    store_num_t aid;
    const char *params[2] = {store_i64(&aid, account_id), platform};
    PGresult *res = store_exec(
        pg, "SELECT 1 FROM marketplace_accounts WHERE id = $1 AND platform = $2", 2, params, err);
    if (!res)
        return -1;
    int found = PQntuples(res) == 1;
    PQclear(res);
    return found;
}

int job_store_json(PGconn *pg, int64_t id, job_view_t view, store_json_t *out, store_err_t *err)
{
    static const char *const sql[] = {
        [JOB_VIEW_JOB] = "SELECT " JOB_JSON " AS doc FROM posting_jobs j WHERE j.id = $1",
        [JOB_VIEW_WITH_LOGS] = "SELECT (jsonb_build_object('logs', " LOGS_JSON ") || (" JOB_JSON
                               ")::jsonb)::text AS doc FROM posting_jobs j WHERE j.id = $1",
        [JOB_VIEW_LOGS] = "SELECT " LOGS_JSON " AS doc FROM posting_jobs j WHERE j.id = $1",
    };
    store_num_t idbuf;
    const char *params[1] = {store_i64(&idbuf, id)};
    PGresult *res = store_exec(pg, sql[view], 1, params, err);
    if (!res)
        return -1;
    int found = PQntuples(res) == 1;
    if (found)
        store_json_take(res, "doc", out);
    PQclear(res);
    return found;
}

int job_store_json_many(PGconn *pg, const int64_t *ids, size_t n, store_json_t *out,
                        store_err_t *err)
{
    char list[16 * 24 + 4] = "{";
    size_t len = 1;
    for (size_t i = 0; i < n && len < sizeof(list) - 24; i++)
        len += (size_t)snprintf(list + len, sizeof(list) - len, "%s%" PRId64, i ? "," : "", ids[i]);
    snprintf(list + len, sizeof(list) - len, "}");
    const char *params[1] = {list};
    PGresult *res = store_exec(pg,
                               "SELECT COALESCE(json_agg(" JOB_JSON " ORDER BY j.id), '[]') AS doc"
                               " FROM posting_jobs j WHERE j.id = ANY($1::bigint[])",
                               1, params, err);
    if (!res)
        return -1;
    store_json_take(res, "doc", out);
    PQclear(res);
    return 0;
}

int job_store_page(PGconn *pg, const job_page_query_t *q, store_page_t *out, store_err_t *err)
{
    char lim[16];
    store_num_t cur, lid;
    snprintf(lim, sizeof(lim), "%d", q->limit);
    const char *params[5] = {q->status, q->cursor ? store_i64(&cur, q->cursor) : NULL,
                             q->listing_id ? store_i64(&lid, q->listing_id) : NULL, q->platform,
                             lim};
    /* One more row than asked tells whether a next page exists. */
    PGresult *res = store_exec(
        pg,
        "SELECT COALESCE(json_agg(x ORDER BY id DESC) FILTER (WHERE rn <= $5), '[]') AS body,"
        " count(*) > $5 AS has_more, min(id) FILTER (WHERE rn <= $5) AS last_id"
        " FROM (SELECT j.id, row_number() OVER (ORDER BY j.id DESC) AS rn, " JOB_JSON " AS x"
        "  FROM posting_jobs j WHERE ($1::text IS NULL OR j.status = $1)"
        "  AND ($2::bigint IS NULL OR j.id < $2) AND ($3::bigint IS NULL OR j.listing_id = $3)"
        "  AND ($4::text IS NULL OR j.platform = $4) ORDER BY j.id DESC LIMIT $5::int + 1) s",
        5, params, err);
    if (!res)
        return -1;
    store_json_take(res, "body", &out->body);
    out->has_more = row_bool(res, 0, "has_more");
    out->last_id = row_i64(res, 0, "last_id");
    PQclear(res);
    return 0;
}
