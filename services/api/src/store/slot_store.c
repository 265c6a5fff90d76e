/* The job_slots table and the schedule's clock (see slot_store.h). */
#include "store/slot_store.h"

#include <stdlib.h>

#include "common/xmalloc.h"

/* A timestamptz as unix microseconds, exactly (extract gives numeric since PostgreSQL 14). */
#define US(ts) "(extract(epoch FROM " ts ") * 1000000)::bigint"
#define TS(us) "('epoch'::timestamptz + (" us ")::bigint * interval '1 microsecond')"

int slot_store_lock(PGconn *pg, const char *platform, int64_t account_id, store_err_t *err)
{
    store_num_t aid;
    const char *params[2] = {platform, store_i64(&aid, account_id)};
    return store_run(pg,
                     "SELECT pg_advisory_xact_lock(hashtext('bb.job_slots'),"
                     " hashtext($1 || ':' || $2))",
                     2, params, err);
}

int slot_store_clock(PGconn *pg, const char *platform, int64_t account_id, const char *timezone,
                     int64_t from_us, int64_t *now_us, int64_t **days, size_t *ndays,
                     store_err_t *err)
{
    store_num_t aid, from;
    const char *params[4] = {platform, store_i64(&aid, account_id), timezone,
                             store_i64(&from, from_us)};
    /* Local midnights: calendar days added to the local date, then back to absolute time,
     * so a day of a DST change is 23 or 25 hours long. They start on the day of
     * greatest(now(), from) - a hold or a full month moves the schedule's start. */
    PGresult *res = store_exec(
        pg,
        "WITH start AS (SELECT greatest(now(), " TS(
            "$4") ") AS t),"
                  " horizon AS (SELECT least(1001, greatest(3, ceil(extract(epoch FROM"
                  "  (SELECT max(run_at) FROM job_slots WHERE platform = $1 AND account_id = $2)"
                  "  - (SELECT t FROM start)) / 86400) + 3))::int AS n)"
                  " SELECT " US("now()") " AS now_us, " US(
                      "d AT TIME ZONE $3") " AS day_us"
                                           " FROM horizon, start, "
                                           "generate_series(date_trunc('day', start.t AT TIME ZONE "
                                           "$3),"
                                           "  date_trunc('day', start.t AT TIME ZONE $3) + "
                                           "(coalesce(horizon.n, 3) - 1)"
                                           "  * interval '1 day', interval '1 day') d ORDER BY d",
        4, params, err);
    if (!res)
        return -1;
    int n = PQntuples(res);
    *days = xcalloc((size_t)n + 1, sizeof(int64_t));
    for (int i = 0; i < n; i++)
        (*days)[i] = row_i64(res, i, "day_us");
    *ndays = (size_t)n;
    *now_us = n > 0 ? row_i64(res, 0, "now_us") : 0;
    PQclear(res);
    return 0;
}

int slot_store_month(PGconn *pg, const char *platform, int64_t account_id, const char *timezone,
                     int64_t at_us, int *count, int64_t *next_month_us, store_err_t *err)
{
    store_num_t aid, at;
    const char *params[4] = {platform, store_i64(&aid, account_id), timezone,
                             store_i64(&at, at_us)};
    PGresult *res = store_exec(
        pg,
        "WITH m AS (SELECT date_trunc('month', " TS(
            "$4") " AT TIME ZONE $3) AS local)"
                  " SELECT (SELECT count(*) FROM job_slots WHERE platform = $1 AND account_id = $2"
                  "  AND kind = 'post' AND run_at >= (m.local AT TIME ZONE $3)"
                  "  AND run_at < ((m.local + interval '1 month') AT TIME ZONE $3))::int AS n,"
                  " " US("(m.local + interval '1 month') AT TIME ZONE $3") " AS next_us FROM m",
        4, params, err);
    if (!res)
        return -1;
    *count = row_int(res, 0, "n");
    *next_month_us = row_i64(res, 0, "next_us");
    PQclear(res);
    return 0;
}

int slot_store_wait_reason(PGconn *pg, int64_t job_id, const char *reason, store_err_t *err)
{
    store_num_t jid;
    const char *params[2] = {store_i64(&jid, job_id), reason};
    return store_run(pg, "UPDATE posting_jobs SET wait_reason = $2 WHERE id = $1", 2, params, err);
}

PGresult *slot_store_since(PGconn *pg, const char *platform, int64_t account_id, int64_t since_us,
                           store_err_t *err)
{
    store_num_t aid, since;
    const char *params[3] = {platform, store_i64(&aid, account_id), store_i64(&since, since_us)};
    return store_exec(
        pg,
        "SELECT " US("run_at") " AS at_us, kind FROM job_slots"
                               " WHERE platform = $1 AND account_id = $2 AND run_at >= " TS(
                                   "$3") " ORDER BY run_at, id",
        3, params, err);
}

void slot_store_row(const PGresult *res, int i, int64_t *at_us, const char **kind)
{
    *at_us = row_i64(res, i, "at_us");
    *kind = row_text(res, i, "kind");
}

int slot_store_release(PGconn *pg, int64_t job_id, const char *kind, store_err_t *err)
{
    store_num_t jid;
    const char *params[2] = {store_i64(&jid, job_id), kind};
    return store_run(pg,
                     "DELETE FROM job_slots WHERE job_id = $1 AND ($2::text IS NULL OR kind = $2)"
                     " AND run_at > now()",
                     2, params, err);
}

int slot_store_reserve(PGconn *pg, const char *platform, int64_t account_id, const char *kind,
                       int64_t job_id, int64_t *at_us, store_err_t *err)
{
    store_num_t aid, jid, at;
    const char *params[5] = {platform, store_i64(&aid, account_id), kind, store_i64(&jid, job_id),
                             *at_us ? store_i64(&at, *at_us) : NULL};
    PGresult *res = store_exec(
        pg,
        "WITH slot AS (INSERT INTO job_slots (platform, account_id, kind, job_id, run_at)"
        " VALUES ($1, $2, $3, $4, COALESCE(" TS(
            "$5") ", now())) RETURNING job_id, run_at),"
                  " job AS (UPDATE posting_jobs j SET scheduled_at = slot.run_at FROM slot"
                  "  WHERE j.id = slot.job_id)"
                  " SELECT " US("run_at") " AS at_us FROM slot",
        5, params, err);
    if (!res)
        return -1;
    *at_us = row_i64(res, 0, "at_us");
    PQclear(res);
    return 0;
}

int slot_store_cancel_listing(PGconn *pg, int64_t listing_id, const char *why, int *n,
                              store_err_t *err)
{
    store_num_t lid;
    const char *params[2] = {store_i64(&lid, listing_id), why};
    PGresult *res = store_exec(
        pg,
        "WITH pending AS (SELECT id FROM posting_jobs WHERE listing_id = $1"
        "  AND status = 'pending' FOR UPDATE),"
        " held AS (DELETE FROM outbox o USING pending p WHERE o.published_at IS NULL"
        "  AND o.type = 'posting.requested' AND (o.payload::json ->> 'subject') = p.id::text"
        "  RETURNING p.id),"
        " freed AS (DELETE FROM job_slots s USING held h WHERE s.job_id = h.id"
        "  AND s.run_at > now())"
        " UPDATE posting_jobs j SET status = 'failed', error_code = 'cancelled',"
        " error_message = $2, completed_at = now() FROM held h WHERE j.id = h.id RETURNING j.id",
        2, params, err);
    if (!res)
        return -1;
    *n = PQntuples(res);
    PQclear(res);
    return 0;
}
