/* The marketplace_accounts table (see account_store.h). */
#include "store/account_store.h"

#include <stdio.h>

#define DEFAULT_PLATFORM "facebook_marketplace"
#define DEFAULT_LABEL "default"

#define ACCOUNT_SELECT                                                                             \
    "SELECT id, platform, label, browser_profile, monitoring, monitor_running, monitor_cycle,"     \
    " to_char(last_poll_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.MS\"Z\"')"               \
    " AS last_poll_at, last_error FROM marketplace_accounts"

// clang-format off
#define ACCOUNT_JSON                                                                        \
    "json_build_object('id', a.id, 'platform', a.platform, 'label', a.label,"               \
    " 'browser_profile', a.browser_profile, 'login_state', a.login_state,"                  \
    " 'running', a.monitoring, 'monitor_running', a.monitor_running,"                       \
    " 'cycle_count', a.monitor_cycle, 'last_poll_at', " DB_TS("a.last_poll_at") ","         \
    " 'last_error', a.last_error, 'created_at', " DB_TS("a.created_at") ","                 \
    " 'updated_at', " DB_TS("a.updated_at") ", 'hold', " HOLD_JSON ")"

/* The account's hold in force (migrations/0060_account_holds.sql), or null. */
#define HOLD_JSON                                                                           \
    "(SELECT json_build_object('reason', h.reason, 'detail', h.detail, 'job_id', h.job_id," \
    " 'until', " DB_TS("h.until") ", 'since', " DB_TS("h.created_at") ")"                  \
    " FROM account_holds h WHERE h.platform = a.platform AND h.account_id = a.id"            \
    " AND h.until > now())"
// clang-format on

static PGresult *account_select(PGconn *pg, int64_t account_id, bool lock, store_err_t *err)
{
    char sql[512];
    const char *suffix = lock ? " FOR UPDATE" : "";
    if (account_id > 0) {
        store_num_t id;
        const char *params[1] = {store_i64(&id, account_id)};
        snprintf(sql, sizeof(sql), ACCOUNT_SELECT " WHERE id = $1%s", suffix);
        return store_exec(pg, sql, 1, params, err);
    }
    snprintf(sql, sizeof(sql),
             ACCOUNT_SELECT " WHERE platform = '" DEFAULT_PLATFORM "' ORDER BY id LIMIT 1%s",
             suffix);
    return store_exec(pg, sql, 0, NULL, err);
}

static void account_read(const PGresult *res, account_row_t *row)
{
    const char *poll = row_text(res, 0, "last_poll_at");
    const char *error = row_text(res, 0, "last_error");
    const char *profile = row_text(res, 0, "browser_profile");
    row->id = row_i64(res, 0, "id");
    snprintf(row->platform, sizeof(row->platform), "%s", row_text(res, 0, "platform"));
    snprintf(row->label, sizeof(row->label), "%s", row_text(res, 0, "label"));
    snprintf(row->browser_profile, sizeof(row->browser_profile), "%s", profile ? profile : "");
    row->monitoring = row_bool(res, 0, "monitoring");
    row->monitor_running = row_bool(res, 0, "monitor_running");
    row->cycle = row_i64(res, 0, "monitor_cycle");
    snprintf(row->last_poll_at, sizeof(row->last_poll_at), "%s", poll ? poll : "");
    snprintf(row->last_error, sizeof(row->last_error), "%s", error ? error : "");
}

int account_store_find(PGconn *pg, int64_t account_id, bool create, bool lock, account_row_t *row,
                       store_err_t *err)
{
    PGresult *res = account_select(pg, account_id, lock, err);
    if (res && PQntuples(res) == 0 && account_id == 0 && create) {
        PQclear(res);
        /* ON CONFLICT: two first requests at once both end up with the same row. */
        if (store_run(pg,
                      "INSERT INTO marketplace_accounts (platform, label) VALUES"
                      " ('" DEFAULT_PLATFORM "', '" DEFAULT_LABEL "') ON CONFLICT DO NOTHING",
                      0, NULL, err) != 0)
            return -1;
        res = account_select(pg, account_id, lock, err);
    }
    if (!res)
        return -1;
    int found = PQntuples(res) == 1;
    if (found)
        account_read(res, row);
    PQclear(res);
    return found;
}

int account_store_insert(PGconn *pg, const char *platform, const char *label,
                         const char *browser_profile, int64_t *id, store_err_t *err)
{
    const char *params[3] = {platform, label, browser_profile};
    PGresult *res = store_exec(pg,
                               "INSERT INTO marketplace_accounts (platform, label, browser_profile)"
                               " VALUES ($1, $2, $3) RETURNING id",
                               3, params, err);
    if (!res)
        return -1;
    *id = row_i64(res, 0, "id");
    PQclear(res);
    return 0;
}

int account_store_rename(PGconn *pg, const account_row_t *row, store_err_t *err)
{
    store_num_t idbuf;
    const char *params[3] = {store_i64(&idbuf, row->id), row->label,
                             row->browser_profile[0] ? row->browser_profile : NULL};
    return store_run(pg,
                     "UPDATE marketplace_accounts SET label = $2, browser_profile = $3"
                     " WHERE id = $1",
                     3, params, err);
}

int account_store_set_monitoring(PGconn *pg, int64_t id, bool on, store_err_t *err)
{
    store_num_t idbuf;
    const char *params[2] = {store_i64(&idbuf, id), on ? "true" : "false"};
    return store_run(pg, "UPDATE marketplace_accounts SET monitoring = $2 WHERE id = $1", 2, params,
                     err);
}

PGresult *account_store_ids(PGconn *pg, store_err_t *err)
{
    return store_exec(pg, "SELECT id FROM marketplace_accounts ORDER BY id FOR UPDATE", 0, NULL,
                      err);
}

int account_store_json(PGconn *pg, int64_t id, store_json_t *out, store_err_t *err)
{
    store_num_t idbuf;
    const char *params[1] = {store_i64(&idbuf, id)};
    PGresult *res = store_exec(
        pg, "SELECT " ACCOUNT_JSON " AS body FROM marketplace_accounts a WHERE a.id = $1", 1,
        params, err);
    if (!res)
        return -1;
    int found = PQntuples(res) == 1;
    if (found)
        store_json_take(res, "body", out);
    PQclear(res);
    return found;
}

int account_store_json_all(PGconn *pg, store_json_t *out, store_err_t *err)
{
    PGresult *res = store_exec(pg,
                               "SELECT COALESCE(json_agg(" ACCOUNT_JSON " ORDER BY a.id), '[]')"
                               " AS body FROM marketplace_accounts a",
                               0, NULL, err);
    if (!res)
        return -1;
    store_json_take(res, "body", out);
    PQclear(res);
    return 0;
}
