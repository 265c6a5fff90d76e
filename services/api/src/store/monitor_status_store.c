/* The monitor's heartbeat columns of marketplace_accounts (see monitor_status_store.h). */
#include "store/monitor_status_store.h"

#include <stdio.h>
#include <stdlib.h>

int monitor_status_store_record(PGconn *pg, int64_t account_id, const monitor_status_row_t *s,
                                store_err_t *err)
{
    store_num_t id, cycle;
    const char *params[6] = {store_i64(&id, account_id),
                             s->running ? "true" : "false",
                             store_i64(&cycle, s->cycle),
                             s->last_poll_at,
                             s->last_error,
                             s->login_required ? "login_required" : "logged_in"};
    PGresult *res =
        store_exec(pg,
                   "UPDATE marketplace_accounts SET monitor_running = $2, monitor_cycle = $3,"
                   " last_poll_at = COALESCE(NULLIF($4, '')::timestamptz, last_poll_at),"
                   " last_error = $5, login_state = CASE WHEN $6 = 'login_required' THEN $6"
                   " WHEN $2::boolean THEN 'logged_in' ELSE login_state END WHERE id = $1",
                   6, params, err);
    if (!res)
        return -1;
    int found = atoi(PQcmdTuples(res)) == 1;
    PQclear(res);
    return found;
}
