/* The posting_jobs and job_logs tables (see job_store.h). */
#include "store/job_store.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/sbuf.h"

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
    " 'updated_at', " DB_TS("j.updated_at") ","                                         \
    " 'kind', j.kind, 'posting_job_id', j.posting_job_id, 'reason', j.reason,"           \
    " 'changed', to_json(j.changed), 'error_retryable', j.error_retryable,"              \
    " 'wait_reason', CASE WHEN j.status = 'pending' AND j.scheduled_at > now()"         \
    "  THEN j.wait_reason END,"                                                          \
    " 'delist_job_id', " CHILD_JSON("delist") ","                                        \
    " 'update_job_id', " CHILD_JSON("update") ","                                        \
    " 'renew_job_id', " CHILD_JSON("renew") ","                                          \
    " 'renewed_at', " DB_TS("j.renewed_at") ", 'renew_count', j.renew_count)"

/* The latest delist / update job of post job j (NULL for the others). */
#define CHILD_JSON(kind)                                                                    \
    "(SELECT c.id FROM posting_jobs c WHERE c.posting_job_id = j.id AND c.kind = '" kind "'" \
    " ORDER BY c.id DESC LIMIT 1)"

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

int job_store_insert_child(PGconn *pg, const char *kind, int64_t posting_job_id, const char *reason,
                           const char *changed, int64_t *id, store_err_t *err)
{
    store_num_t pid;
    const char *params[4] = {store_i64(&pid, posting_job_id), kind, reason, changed};
    PGresult *res = store_exec(pg,
                               "INSERT INTO posting_jobs (listing_id, platform, account_id, kind,"
                               " posting_job_id, reason, changed)"
                               " SELECT listing_id, platform, account_id, $2, id, $3, $4::text[]"
                               " FROM posting_jobs WHERE id = $1 RETURNING id",
                               4, params, err);
    if (!res)
        return -1;
    if (PQntuples(res) != 1) {
        PQclear(res);
        snprintf(err->msg, sizeof(err->msg), "posting job %" PRId64 " not found", posting_job_id);
        err->sqlstate[0] = '\0';
        return -1;
    }
    *id = row_i64(res, 0, "id");
    PQclear(res);
    return 0;
}

int job_store_set_request(PGconn *pg, int64_t id, const char *event_id, store_err_t *err)
{
    store_num_t idbuf;
    const char *params[2] = {store_i64(&idbuf, id), event_id};
    return store_run(pg, "UPDATE posting_jobs SET request_event_id = $2::uuid WHERE id = $1", 2,
                     params, err);
}

static void copy_text(char *out, size_t size, const PGresult *res, const char *name)
{
    const char *v = row_text(res, 0, name);
    snprintf(out, size, "%s", v ? v : "");
}

int job_store_lock_listing(PGconn *pg, int64_t id, store_err_t *err)
{
    store_num_t idbuf;
    const char *params[1] = {store_i64(&idbuf, id)};
    return store_run(pg,
                     "SELECT l.id FROM listings l WHERE l.id ="
                     " (SELECT listing_id FROM posting_jobs WHERE id = $1) FOR UPDATE OF l",
                     1, params, err);
}

int job_store_lock(PGconn *pg, int64_t id, job_row_t *row, store_err_t *err)
{
    store_num_t idbuf;
    const char *params[1] = {store_i64(&idbuf, id)};
    PGresult *res = store_exec(pg,
                               "SELECT j.listing_id, j.kind, COALESCE(j.posting_job_id, 0)"
                               " AS posting_job_id, j.status, j.attempt, j.max_attempts,"
                               " COALESCE(j.account_id, 0) AS account_id, j.platform, "
                               "j.error_code, j.request_event_id::text"
                               " AS request_event_id, l.status AS listing_status, l.sold_platform"
                               " FROM posting_jobs j JOIN listings l ON l.id = j.listing_id"
                               " WHERE j.id = $1 FOR UPDATE OF j",
                               1, params, err);
    if (!res)
        return -1;
    int found = PQntuples(res) == 1;
    if (found) {
        row->listing_id = row_i64(res, 0, "listing_id");
        row->posting_job_id = row_i64(res, 0, "posting_job_id");
        row->account_id = row_i64(res, 0, "account_id");
        row->attempt = row_int(res, 0, "attempt");
        row->max_attempts = row_int(res, 0, "max_attempts");
        copy_text(row->kind, sizeof(row->kind), res, "kind");
        copy_text(row->status, sizeof(row->status), res, "status");
        copy_text(row->platform, sizeof(row->platform), res, "platform");
        copy_text(row->error_code, sizeof(row->error_code), res, "error_code");
        copy_text(row->request_event_id, sizeof(row->request_event_id), res, "request_event_id");
        copy_text(row->listing_status, sizeof(row->listing_status), res, "listing_status");
        copy_text(row->sold_platform, sizeof(row->sold_platform), res, "sold_platform");
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
                   " error_code = NULL, error_message = NULL, error_retryable = NULL"
                   " WHERE id = $1",
                   id, 0, NULL, NULL, err);
}

int job_store_new_attempt(PGconn *pg, int64_t id, store_err_t *err)
{
    return job_run(pg,
                   "UPDATE posting_jobs SET attempt = attempt + 1,"
                   " max_attempts = max_attempts + 1 WHERE id = $1",
                   id, 0, NULL, NULL, err);
}

int job_store_set_changed(PGconn *pg, int64_t id, const char *changed, store_err_t *err)
{
    return job_run(pg, "UPDATE posting_jobs SET changed = $2::text[] WHERE id = $1", id, 1, changed,
                   NULL, err);
}

int job_store_mark_started(PGconn *pg, int64_t id, store_err_t *err)
{
    return job_run(pg,
                   "UPDATE posting_jobs SET status = CASE kind WHEN 'post' THEN 'posting'"
                   " ELSE 'running' END, started_at = now(), completed_at = NULL,"
                   " error_code = NULL, error_message = NULL, error_retryable = NULL"
                   " WHERE id = $1",
                   id, 0, NULL, NULL, err);
}

int job_store_mark_done(PGconn *pg, int64_t id, store_err_t *err)
{
    return job_run(pg,
                   "UPDATE posting_jobs SET status = 'done', error_code = NULL,"
                   " error_message = NULL, error_retryable = NULL,"
                   " started_at = COALESCE(started_at, now()), completed_at = now()"
                   " WHERE id = $1",
                   id, 0, NULL, NULL, err);
}

int job_store_set_delist_state(PGconn *pg, int64_t id, const char *status, const char *code,
                               const char *message, store_err_t *err)
{
    store_num_t idbuf;
    const char *params[4] = {store_i64(&idbuf, id), status, code, message};
    return store_run(pg,
                     "UPDATE posting_jobs SET status = $2, error_code = $3, error_message = $4"
                     " WHERE id = $1 AND kind = 'post'",
                     4, params, err);
}

int job_store_set_external_url(PGconn *pg, int64_t id, const char *url, store_err_t *err)
{
    return job_run(pg,
                   "UPDATE posting_jobs SET external_url = COALESCE($2, external_url)"
                   " WHERE id = $1",
                   id, 1, url, NULL, err);
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
                          bool retryable, store_err_t *err)
{
    store_num_t idbuf;
    const char *params[4] = {store_i64(&idbuf, id), code, message, retryable ? "true" : "false"};
    return store_run(pg,
                     "UPDATE posting_jobs SET status = 'failed', error_code = $2,"
                     " error_message = $3, error_retryable = $4::boolean,"
                     " started_at = COALESCE(started_at, now()), completed_at = now()"
                     " WHERE id = $1",
                     4, params, err);
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

/* Runs sql with $1 = listing id. */
static PGresult *listing_rows(PGconn *pg, const char *sql, int64_t listing_id, store_err_t *err)
{
    store_num_t lid;
    const char *params[1] = {store_i64(&lid, listing_id)};
    return store_exec(pg, sql, 1, params, err);
}

PGresult *job_store_live_of_listing(PGconn *pg, int64_t listing_id, store_err_t *err)
{
    return listing_rows(pg,
                        "SELECT j.id, j.platform FROM posting_jobs j WHERE j.listing_id = $1"
                        " AND j.kind = 'post' AND j.status IN ('posted', 'delist_failed')"
                        " AND NOT EXISTS (SELECT 1 FROM posting_jobs c WHERE c.posting_job_id"
                        " = j.id AND c.kind = 'delist' AND c.status IN ('pending', 'running'))"
                        " ORDER BY j.id FOR UPDATE OF j",
                        listing_id, err);
}

PGresult *job_store_in_flight_of_listing(PGconn *pg, int64_t listing_id, store_err_t *err)
{
    return listing_rows(pg,
                        "SELECT id, status FROM posting_jobs WHERE listing_id = $1"
                        " AND kind = 'post'"
                        " AND status IN ('pending', 'posting') ORDER BY id FOR UPDATE",
                        listing_id, err);
}

PGresult *job_store_posted_of_listing(PGconn *pg, int64_t listing_id, store_err_t *err)
{
    return listing_rows(pg,
                        "SELECT id FROM posting_jobs WHERE listing_id = $1 AND kind = 'post'"
                        " AND status = 'posted' ORDER BY id FOR UPDATE",
                        listing_id, err);
}

int job_store_pending_update(PGconn *pg, int64_t posting_job_id, int64_t *id, char event_id[40],
                             char *changed, size_t changed_size, store_err_t *err)
{
    store_num_t pid;
    const char *params[1] = {store_i64(&pid, posting_job_id)};
    PGresult *res = store_exec(pg,
                               "SELECT id, COALESCE(request_event_id::text, '') AS event_id,"
                               " array_to_string(changed, ',') AS changed FROM posting_jobs"
                               " WHERE posting_job_id = $1 AND kind = 'update'"
                               " AND status = 'pending' FOR UPDATE",
                               1, params, err);
    if (!res)
        return -1;
    int found = PQntuples(res) == 1;
    if (found) {
        *id = row_i64(res, 0, "id");
        copy_text(event_id, 40, res, "event_id");
        copy_text(changed, changed_size, res, "changed");
    }
    PQclear(res);
    return found;
}

int job_store_latest_delist(PGconn *pg, int64_t posting_job_id, int64_t *id, char status[16],
                            store_err_t *err)
{
    PGresult *res = listing_rows(pg,
                                 "SELECT id, status FROM posting_jobs WHERE posting_job_id = $1"
                                 " AND kind = 'delist' ORDER BY id DESC LIMIT 1 FOR UPDATE",
                                 posting_job_id, err);
    if (!res)
        return -1;
    int found = PQntuples(res) == 1;
    if (found) {
        *id = row_i64(res, 0, "id");
        copy_text(status, 16, res, "status");
    }
    PQclear(res);
    return found;
}

int job_store_listing_tally(PGconn *pg, int64_t listing_id, int *live, int *in_flight, int *failed,
                            store_err_t *err)
{
    PGresult *res =
        listing_rows(pg,
                     "SELECT count(*) FILTER (WHERE status = 'posted') AS live,"
                     " count(*) FILTER (WHERE status IN ('pending', 'posting', 'delisting'))"
                     " AS in_flight, count(*) FILTER (WHERE status = 'delist_failed') AS failed"
                     " FROM posting_jobs WHERE listing_id = $1 AND kind = 'post'",
                     listing_id, err);
    if (!res)
        return -1;
    *live = row_int(res, 0, "live");
    *in_flight = row_int(res, 0, "in_flight");
    *failed = row_int(res, 0, "failed");
    PQclear(res);
    return 0;
}

/* Runs an outbox statement on the unpublished row of event_id; 1 when it applied. */
static int request_row(PGconn *pg, const char *sql, int nparams, const char *const *params,
                       store_err_t *err)
{
    PGresult *res = store_exec(pg, sql, nparams, params, err);
    if (!res)
        return -1;
    int n = atoi(PQcmdTuples(res));
    PQclear(res);
    return n > 0;
}

int job_store_request_rewrite(PGconn *pg, const char *event_id, const char *payload,
                              store_err_t *err)
{
    const char *params[2] = {event_id, payload};
    return request_row(pg,
                       "UPDATE outbox SET payload = $2 WHERE event_id = $1::uuid"
                       " AND published_at IS NULL",
                       2, params, err);
}

int job_store_mark_renewed(PGconn *pg, int64_t id, int *count, store_err_t *err)
{
    store_num_t idbuf;
    const char *params[1] = {store_i64(&idbuf, id)};
    PGresult *res = store_exec(pg,
                               "UPDATE posting_jobs SET renewed_at = now(),"
                               " renew_count = renew_count + 1 WHERE id = $1 AND kind = 'post'"
                               " RETURNING renew_count",
                               1, params, err);
    if (!res)
        return -1;
    *count = PQntuples(res) == 1 ? row_int(res, 0, "renew_count") : 0;
    PQclear(res);
    return 0;
}

int job_store_open_renew(PGconn *pg, int64_t posting_job_id, int64_t *id, store_err_t *err)
{
    store_num_t pid;
    const char *params[1] = {store_i64(&pid, posting_job_id)};
    PGresult *res = store_exec(pg,
                               "SELECT id FROM posting_jobs WHERE posting_job_id = $1"
                               " AND kind = 'renew' AND status IN ('pending', 'running')",
                               1, params, err);
    if (!res)
        return -1;
    int found = PQntuples(res) == 1;
    if (found)
        *id = row_i64(res, 0, "id");
    PQclear(res);
    return found;
}

PGresult *job_store_renew_candidates(PGconn *pg, int max_count, int64_t min_age_s, int limit,
                                     store_err_t *err)
{
    store_num_t maxbuf, agebuf, limbuf;
    const char *params[3] = {store_i64(&maxbuf, max_count), store_i64(&agebuf, min_age_s),
                             store_i64(&limbuf, limit)};
    /* A failed renew counts as an action too: the next try waits a whole period. */
    return store_exec(pg,
                      "SELECT id, platform, account_id, renew_count, idle_s FROM ("
                      " SELECT j.id, j.platform, COALESCE(j.account_id, 0) AS account_id,"
                      "  j.renew_count, floor(extract(epoch FROM now() - GREATEST("
                      "   j.completed_at, j.renewed_at, (SELECT max(c.created_at) FROM"
                      "   posting_jobs c WHERE c.posting_job_id = j.id AND c.kind = 'renew'))))"
                      "   ::bigint AS idle_s"
                      " FROM posting_jobs j JOIN listings l ON l.id = j.listing_id"
                      " WHERE j.kind = 'post' AND j.status = 'posted' AND l.status = 'active'"
                      "  AND j.renew_count < $1 AND NOT EXISTS (SELECT 1 FROM posting_jobs c"
                      "   WHERE c.posting_job_id = j.id AND c.kind = 'renew'"
                      "   AND c.status IN ('pending', 'running'))) s"
                      " WHERE idle_s >= $2 ORDER BY idle_s DESC, id LIMIT $3",
                      3, params, err);
}

PGresult *job_store_delist_source(PGconn *pg, int64_t id, store_err_t *err)
{
    store_num_t idbuf;
    const char *params[1] = {store_i64(&idbuf, id)};
    PGresult *res = store_exec(pg,
                               "SELECT j.attempt, j.platform, COALESCE(j.account_id, 0)"
                               " AS account_id, j.listing_id, j.reason, j.posting_job_id,"
                               " p.external_id,"
                               " p.external_url FROM posting_jobs j"
                               " JOIN posting_jobs p ON p.id = j.posting_job_id WHERE j.id = $1",
                               1, params, err);
    if (res && PQntuples(res) != 1) {
        PQclear(res);
        snprintf(err->msg, sizeof(err->msg), "delist job %" PRId64 " not found", id);
        err->sqlstate[0] = '\0';
        return NULL;
    }
    return res;
}

PGresult *job_store_request_source(PGconn *pg, int64_t id, store_err_t *err)
{
    store_num_t idbuf;
    const char *params[1] = {store_i64(&idbuf, id)};
    PGresult *res = store_exec(pg,
                               "SELECT j.attempt, j.platform, COALESCE(j.account_id, 0)"
                               " AS account_id, l.id AS listing_id, l.title, l.description,"
                               " l.currency, l.condition, l.category, l.location, l.price_cents,"
                               " COALESCE(j.posting_job_id, 0) AS posting_job_id,"
                               " array_to_string(j.changed, ',') AS changed, p.external_id,"
                               " p.external_url FROM posting_jobs j"
                               " JOIN listings l ON l.id = j.listing_id"
                               " LEFT JOIN posting_jobs p ON p.id = j.posting_job_id"
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
    sbuf_t list = {0};
    sbuf_addc(&list, '{');
    for (size_t i = 0; i < n; i++)
        sbuf_printf(&list, "%s%" PRId64, i ? "," : "", ids[i]);
    sbuf_addc(&list, '}');
    const char *params[1] = {list.s};
    PGresult *res = store_exec(pg,
                               "SELECT COALESCE(json_agg(" JOB_JSON " ORDER BY j.id), '[]') AS doc"
                               " FROM posting_jobs j WHERE j.id = ANY($1::bigint[])",
                               1, params, err);
    sbuf_free(&list);
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
    const char *params[6] = {q->status,
                             q->cursor ? store_i64(&cur, q->cursor) : NULL,
                             q->listing_id ? store_i64(&lid, q->listing_id) : NULL,
                             q->platform,
                             lim,
                             q->kind ? q->kind : "post"};
    /* One more row than asked tells whether a next page exists. */
    PGresult *res = store_exec(
        pg,
        "SELECT COALESCE(json_agg(x ORDER BY id DESC) FILTER (WHERE rn <= $5), '[]') AS body,"
        " count(*) > $5 AS has_more, min(id) FILTER (WHERE rn <= $5) AS last_id"
        " FROM (SELECT j.id, row_number() OVER (ORDER BY j.id DESC) AS rn, " JOB_JSON " AS x"
        "  FROM posting_jobs j WHERE ($1::text IS NULL OR j.status = $1)"
        "  AND ($2::bigint IS NULL OR j.id < $2) AND ($3::bigint IS NULL OR j.listing_id = $3)"
        "  AND ($4::text IS NULL OR j.platform = $4) AND ($6 = 'all' OR j.kind = $6)"
        "  ORDER BY j.id DESC LIMIT $5::int + 1) s",
        6, params, err);
    if (!res)
        return -1;
    store_json_take(res, "body", &out->body);
    out->has_more = row_bool(res, 0, "has_more");
    out->last_id = row_i64(res, 0, "last_id");
    PQclear(res);
    return 0;
}
