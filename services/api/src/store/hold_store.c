/* The account_holds table (see hold_store.h). */
#include "store/hold_store.h"

#include <stdio.h>
#include <string.h>

#define US(ts) "(extract(epoch FROM " ts ") * 1000000)::bigint"
#define TS(us) "('epoch'::timestamptz + (" us ")::bigint * interval '1 microsecond')"

int hold_store_active(PGconn *pg, const char *platform, int64_t account_id, const char *kind,
                      hold_row_t *row, store_err_t *err)
{
    store_num_t aid;
    const char *params[3] = {platform, store_i64(&aid, account_id), kind};
    PGresult *res = store_exec(
        pg,
        "SELECT " US("until") " AS until_us, reason, detail FROM account_holds"
                              " WHERE platform = $1 AND account_id = $2 AND until > now()"
                              " AND (reason = 'blocked' OR $3 = 'post')",
        3, params, err);
    if (!res)
        return -1;
    int found = PQntuples(res) > 0;
    if (found) {
        row->until_us = row_i64(res, 0, "until_us");
        snprintf(row->reason, sizeof(row->reason), "%s", row_text(res, 0, "reason"));
        snprintf(row->detail, sizeof(row->detail), "%s", row_text(res, 0, "detail"));
    }
    PQclear(res);
    return found;
}

int hold_store_put(PGconn *pg, const char *platform, int64_t account_id, const char *reason,
                   const char *detail, int64_t job_id, int hold_s, const char *timezone,
                   int64_t *until_us, store_err_t *err)
{
    store_num_t aid, jid, secs;
    char cut[2001];
    snprintf(cut, sizeof(cut), "%s", detail ? detail : "");
    const char *params[7] = {platform,
                             store_i64(&aid, account_id),
                             reason,
                             cut,
                             job_id > 0 ? store_i64(&jid, job_id) : NULL,
                             store_i64(&secs, hold_s),
                             timezone};
    PGresult *res = store_exec(
        pg,
        "INSERT INTO account_holds AS h (platform, account_id, reason, detail, job_id, until)"
        " VALUES ($1, $2, $3, $4, $5, CASE WHEN $6::int > 0"
        "  THEN now() + $6::int * interval '1 second'"
        "  ELSE (date_trunc('month', now() AT TIME ZONE $7) + interval '1 month')"
        "   AT TIME ZONE $7 END)"
        " ON CONFLICT (platform, account_id) DO UPDATE SET reason = EXCLUDED.reason,"
        " detail = EXCLUDED.detail, job_id = EXCLUDED.job_id, created_at = now(),"
        " until = CASE WHEN h.until > now() THEN greatest(h.until, EXCLUDED.until)"
        "  ELSE EXCLUDED.until END"
        " RETURNING " US("until") " AS until_us",
        7, params, err);
    if (!res)
        return -1;
    *until_us = row_i64(res, 0, "until_us");
    PQclear(res);
    return 0;
}

int hold_store_lift(PGconn *pg, const char *platform, int64_t account_id, int *n, store_err_t *err)
{
    store_num_t aid;
    const char *params[2] = {platform, store_i64(&aid, account_id)};
    PGresult *res = store_exec(pg,
                               "DELETE FROM account_holds WHERE platform = $1 AND account_id = $2"
                               " RETURNING until > now() AS active",
                               2, params, err);
    if (!res)
        return -1;
    *n = PQntuples(res) > 0 && row_bool(res, 0, "active") ? 1 : 0;
    PQclear(res);
    return 0;
}

PGresult *hold_store_waiting(PGconn *pg, const char *platform, int64_t account_id, store_err_t *err)
{
    store_num_t aid;
    const char *params[2] = {platform, store_i64(&aid, account_id)};
    return store_exec(pg,
                      "SELECT j.id, j.kind FROM posting_jobs j JOIN outbox o"
                      " ON o.event_id = j.request_event_id AND o.published_at IS NULL"
                      " WHERE j.platform = $1 AND COALESCE(j.account_id, 0) = $2"
                      " AND j.status = 'pending' ORDER BY j.scheduled_at, j.id FOR UPDATE OF j",
                      2, params, err);
}

int hold_store_move(PGconn *pg, int64_t job_id, int64_t at_us, store_err_t *err)
{
    store_num_t jid, at;
    const char *params[2] = {store_i64(&jid, job_id), store_i64(&at, at_us)};
    return store_run(pg,
                     "UPDATE outbox o SET next_attempt_at = " TS(
                         "$2") " FROM posting_jobs j"
                               " WHERE j.id = $1 AND o.event_id = j.request_event_id"
                               " AND o.published_at IS NULL",
                     2, params, err);
}
