/* The marketplace_accounts table (see account_store.h). */
#include "store/account_store.h"

#include <stdio.h>

#define DEFAULT_PLATFORM "facebook_marketplace"
#define DEFAULT_LABEL "default"

#define ACCOUNT_SELECT                                                                             \
    "SELECT id, monitoring, monitor_running, monitor_cycle,"                                       \
    " to_char(last_poll_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.MS\"Z\"')"               \
    " AS last_poll_at, last_error FROM marketplace_accounts"

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
    if (found) {
        const char *poll = row_text(res, 0, "last_poll_at");
        const char *error = row_text(res, 0, "last_error");
        row->id = row_i64(res, 0, "id");
        row->monitoring = row_bool(res, 0, "monitoring");
        row->monitor_running = row_bool(res, 0, "monitor_running");
        row->cycle = row_i64(res, 0, "monitor_cycle");
        snprintf(row->last_poll_at, sizeof(row->last_poll_at), "%s", poll ? poll : "");
        snprintf(row->last_error, sizeof(row->last_error), "%s", error ? error : "");
    }
    PQclear(res);
    return found;
}

int account_store_set_monitoring(PGconn *pg, int64_t id, bool on, store_err_t *err)
{
    store_num_t idbuf;
    const char *params[2] = {store_i64(&idbuf, id), on ? "true" : "false"};
    return store_run(pg, "UPDATE marketplace_accounts SET monitoring = $2 WHERE id = $1", 2, params,
                     err);
}
