/* The job_pacing table (see pacing_store.h). */
#include "store/pacing_store.h"

#include <stdio.h>
#include <string.h>

const char *const pacing_int_names[PACING_INTS] = {
    "min_gap_s",       "jitter_s",        "posts_per_day",   "delists_per_day",
    "updates_per_day", "renews_per_day",  "posts_per_month", "hold_blocked_s",
    "hold_limit_s",    "renew_after_days", "reply_gap_min_s", "reply_gap_max_s"};

int *pacing_int_at(pacing_row_t *row, int i)
{
    switch (i) {
    case 0:
        return &row->min_gap_s;
    case 1:
        return &row->jitter_s;
    case 6:
        return &row->posts_per_month;
    case 7:
        return &row->hold_blocked_s;
    case 8:
        return &row->hold_limit_s;
    case 9:
        return &row->renew_after_days;
    case 10:
        return &row->reply_gap_min_s;
    case 11:
        return &row->reply_gap_max_s;
    default:
        return &row->per_day[i - 2];
    }
}

void pacing_row_inherit(pacing_row_t *row)
{
    memset(row, 0, sizeof(*row));
    for (int i = 0; i < PACING_INTS; i++)
        *pacing_int_at(row, i) = PACING_INHERIT;
}

/* Row `i` of res (columns prefixed "p_" or "a_") into row; all inherit when the join
 * found none. */
static void read_row(const PGresult *res, const char *prefix, pacing_row_t *row)
{
    char col[40];
    pacing_row_inherit(row);
    for (int i = 0; i < PACING_INTS; i++) {
        snprintf(col, sizeof(col), "%s%s", prefix, pacing_int_names[i]);
        if (row_text(res, 0, col))
            *pacing_int_at(row, i) = row_int(res, 0, col);
    }
    snprintf(col, sizeof(col), "%stimezone", prefix);
    snprintf(row->timezone, sizeof(row->timezone), "%s",
             row_text(res, 0, col) ? row_text(res, 0, col) : "");
    snprintf(col, sizeof(col), "%supdated_at", prefix);
    snprintf(row->updated_at, sizeof(row->updated_at), "%s",
             row_text(res, 0, col) ? row_text(res, 0, col) : "");
}

// clang-format off
#define PACING_COLS(t, p)                                                                   \
    t ".min_gap_s AS " p "min_gap_s, " t ".jitter_s AS " p "jitter_s, "                   \
    t ".posts_per_day AS " p "posts_per_day, " t ".delists_per_day AS " p "delists_per_day, " \
    t ".updates_per_day AS " p "updates_per_day, " t ".renews_per_day AS " p "renews_per_day, " \
    t ".posts_per_month AS " p "posts_per_month, "                                         \
    t ".hold_blocked_s AS " p "hold_blocked_s, " t ".hold_limit_s AS " p "hold_limit_s, "  \
    t ".renew_after_days AS " p "renew_after_days, "                                       \
    t ".reply_gap_min_s AS " p "reply_gap_min_s, " t ".reply_gap_max_s AS " p "reply_gap_max_s, " \
    t ".timezone AS " p "timezone, "                                                       \
    DB_TS(t ".updated_at") " AS " p "updated_at"
// clang-format on

int pacing_store_get(PGconn *pg, const char *platform, int64_t account_id, pacing_row_t *plat,
                     pacing_row_t *acct, char fallback_tz[64], store_err_t *err)
{
    store_num_t aid;
    const char *params[2] = {platform, store_i64(&aid, account_id)};
    PGresult *res = store_exec(
        pg,
        "SELECT " PACING_COLS("p", "p_") ", " PACING_COLS(
            "a", "a_") ","
                       " COALESCE((SELECT timezone FROM responder_settings WHERE listing_id IS "
                       "NULL), 'UTC')"
                       " AS fallback_tz FROM (SELECT 1) one"
                       " LEFT JOIN job_pacing p ON p.platform = $1 AND p.account_id IS NULL"
                       " LEFT JOIN job_pacing a ON a.platform = $1 AND a.account_id = $2::bigint",
        2, params, err);
    if (!res)
        return -1;
    read_row(res, "p_", plat);
    read_row(res, "a_", acct);
    snprintf(fallback_tz, 64, "%s", row_text(res, 0, "fallback_tz"));
    PQclear(res);
    return 0;
}

int pacing_store_put(PGconn *pg, const char *platform, int64_t account_id, const pacing_row_t *row,
                     store_err_t *err)
{
    store_num_t aid, v[PACING_INTS];
    const char *params[3 + PACING_INTS] = {platform,
                                           account_id ? store_i64(&aid, account_id) : NULL};
    for (int i = 0; i < PACING_INTS; i++) {
        int x = *pacing_int_at((pacing_row_t *)row, i);
        params[2 + i] = x == PACING_INHERIT ? NULL : store_i64(&v[i], x);
    }
    params[2 + PACING_INTS] = row->timezone[0] ? row->timezone : NULL;
    return store_run(pg,
                     "INSERT INTO job_pacing (platform, account_id, min_gap_s, jitter_s,"
                     " posts_per_day, delists_per_day, updates_per_day, renews_per_day,"
                     " posts_per_month, hold_blocked_s, hold_limit_s, renew_after_days,"
                     " reply_gap_min_s, reply_gap_max_s, timezone)"
                     " VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15)"
                     " ON CONFLICT (platform, COALESCE(account_id, 0)) DO UPDATE SET"
                     " min_gap_s = EXCLUDED.min_gap_s, jitter_s = EXCLUDED.jitter_s,"
                     " posts_per_day = EXCLUDED.posts_per_day,"
                     " delists_per_day = EXCLUDED.delists_per_day,"
                     " updates_per_day = EXCLUDED.updates_per_day,"
                     " renews_per_day = EXCLUDED.renews_per_day,"
                     " renew_after_days = EXCLUDED.renew_after_days,"
                     " posts_per_month = EXCLUDED.posts_per_month,"
                     " hold_blocked_s = EXCLUDED.hold_blocked_s,"
                     " hold_limit_s = EXCLUDED.hold_limit_s,"
                     " reply_gap_min_s = EXCLUDED.reply_gap_min_s,"
                     " reply_gap_max_s = EXCLUDED.reply_gap_max_s, timezone = EXCLUDED.timezone",
                     3 + PACING_INTS, params, err);
}
