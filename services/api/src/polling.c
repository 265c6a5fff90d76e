/* The inbox monitor switch (/api/polling/start|stop|status, as the original's /polling routes):
 * sets marketplace_accounts.monitoring and enqueues monitor.start/monitor.stop on
 * bb.monitor.commands (key = account id) in the same transaction. */
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app.h"
#include "common/db.h"
#include "common/event.h"
#include "common/log.h"
#include "handlers.h"
#include "outbox.h"
#include "request.h"

#define DEFAULT_PLATFORM "facebook_marketplace"
#define DEFAULT_LABEL "default"

#define ACCOUNT_COLUMNS                                                                         \
    "id, platform, label, browser_profile, remote_context_id, monitoring, monitor_running,"  \
    " monitor_cycle, to_char(last_poll_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.MS\"Z\"'),"   \
    " last_error"

enum { COL_ID, COL_PLATFORM, COL_LABEL, COL_PROFILE, COL_CONTEXT, COL_MONITORING, COL_RUNNING,
       COL_CYCLE, COL_LAST_POLL, COL_LAST_ERROR };

/* Finds (and with for_update, locks) the account: the given id, or the first
 * facebook_marketplace account, created with label "default" when create is set. Returns
 * the one-row result, NULL with *status 404 when missing, or NULL with *status 500 and
 * errstr. */
static PGresult *account_find(PGconn *pg, int64_t account_id, bool create, bool for_update,
                              int *status, char *errstr, size_t errstr_size)
{
    PGresult *res = NULL;
    char id[32];
    const char *lock = for_update ? " FOR UPDATE" : "";
    char sql[640];
    *status = 500;
    if (account_id > 0) {
        snprintf(id, sizeof(id), "%" PRId64, account_id);
        const char *params[1] = { id };
        snprintf(sql, sizeof(sql), "SELECT " ACCOUNT_COLUMNS " FROM marketplace_accounts"
                 " WHERE id = $1%s", lock);
        res = db_exec(pg, sql, 1, params, errstr, errstr_size, NULL);
    } else {
        snprintf(sql, sizeof(sql), "SELECT " ACCOUNT_COLUMNS " FROM marketplace_accounts"
                 " WHERE platform = '" DEFAULT_PLATFORM "' ORDER BY id LIMIT 1%s", lock);
        res = db_exec(pg, sql, 0, NULL, errstr, errstr_size, NULL);
        if (res && PQntuples(res) == 0 && create) {
            PQclear(res);
            /* ON CONFLICT: two first requests at once both end up with the same row. */
            res = db_exec(pg, "INSERT INTO marketplace_accounts (platform, label) VALUES ('"
                          DEFAULT_PLATFORM "', '" DEFAULT_LABEL "') ON CONFLICT DO NOTHING",
                          0, NULL, errstr, errstr_size, NULL);
            if (!res)
                return NULL;
            PQclear(res);
            res = db_exec(pg, sql, 0, NULL, errstr, errstr_size, NULL);
        }
    }
    if (!res)
        return NULL;
    if (PQntuples(res) != 1) {
        PQclear(res);
        *status = 404;
        return NULL;
    }
    return res;
}

/* Data of monitor.start / monitor.stop (event.h's monitor_command_t). */
static cJSON *monitor_command_data(const PGresult *acc)
{
    monitor_command_t cmd = { .account_id = strtoll(PQgetvalue(acc, 0, COL_ID), NULL, 10) };
    return monitor_command_build(&cmd);
}

/* start = true: monitor.start; false: monitor.stop. */
static int polling_switch(http_request_t *req, bool start)
{
    cJSON *body = NULL;
    PGconn *pg = NULL;
    PGresult *acc = NULL, *res = NULL;
    int status = 500;
    int64_t account_id = 0;
    bool present = false;
    char err[512];

    if (request_json_optional(req, &body) != 0)
        return 400;
    if (request_json_id(req, body, "account_id", &account_id, &present) != 0) {
        status = 422;
        goto cleanup;
    }
    pg = request_db(req);
    if (!pg) {
        status = 503;
        goto cleanup;
    }
    if (db_begin(pg, err, sizeof(err)) != 0) {
        status = request_db_error(req, "starting a transaction", err);
        goto cleanup;
    }
    int found = 0;
    acc = account_find(pg, account_id, true, true, &found, err, sizeof(err));
    if (!acc) {
        db_rollback(pg);
        if (found == 404)
            status = http_send_problem(req, 404, "account_id", "account %" PRId64 " not found",
                                       account_id);
        else
            status = request_db_error(req, "finding the account", err);
        goto cleanup;
    }
    const char *id = PQgetvalue(acc, 0, COL_ID);
    bool monitoring = strcmp(PQgetvalue(acc, 0, COL_MONITORING), "t") == 0;
    const char *answer;
    if (monitoring == start) {
        db_rollback(pg);
        answer = start ? "already_running" : "already_stopped";
    } else {
        const char *params[2] = { id, start ? "true" : "false" };
        res = db_exec(pg, "UPDATE marketplace_accounts SET monitoring = $2 WHERE id = $1", 2,
                      params, err, sizeof(err), NULL);
        if (!res || outbox_enqueue(pg, TOPIC_MONITOR_COMMANDS, id,
                                   start ? EV_MONITOR_START : EV_MONITOR_STOP, id,
                                   monitor_command_data(acc), NULL, err, sizeof(err)) != 0) {
            db_rollback(pg);
            status = request_db_error(req, "switching the monitor", err);
            goto cleanup;
        }
        if (db_commit(pg, err, sizeof(err)) != 0) {
            status = request_db_error(req, "committing", err);
            goto cleanup;
        }
        answer = start ? "started" : "stopped";
        LOG_INFO("request %s: monitor %s for account %s", req->request_id, answer, id);
    }
    cJSON *root = cJSON_CreateObject();
    cJSON_AddStringToObject(root, "status", answer);
    cJSON_AddNumberToObject(root, "account_id", (double)strtoll(id, NULL, 10));
    status = http_send_json(req, 200, root, NULL);
cleanup:
    PQclear(res);
    PQclear(acc);
    request_db_release(req, pg);
    cJSON_Delete(body);
    return status;
}

int polling_start(http_request_t *req)
{
    return polling_switch(req, true);
}

int polling_stop(http_request_t *req)
{
    return polling_switch(req, false);
}

int polling_status(http_request_t *req)
{
    PGconn *pg = NULL;
    PGresult *acc = NULL;
    int status = 500;
    int64_t account_id = 0;
    char buf[32], err[512];

    int n = http_query(req, "account_id", buf, sizeof(buf));
    if (n >= 0) {
        char *end = NULL;
        long long v = strtoll(buf, &end, 10);
        if (n == 0 || *end != '\0' || v < 1)
            return http_send_problem(req, 422, "account_id",
                                     "account_id: must be a positive integer");
        account_id = v;
    }
    pg = request_db(req);
    if (!pg)
        return 503;
    int found = 0;
    acc = account_find(pg, account_id, false, false, &found, err, sizeof(err));
    cJSON *root = cJSON_CreateObject();
    cJSON *errors = cJSON_CreateArray();
    if (!acc && found == 404 && account_id > 0) {
        cJSON_Delete(errors);
        cJSON_Delete(root);
        status = http_send_problem(req, 404, "account_id", "account %" PRId64 " not found",
                                   account_id);
        goto cleanup;
    }
    if (!acc && found != 404) {
        cJSON_Delete(errors);
        cJSON_Delete(root);
        status = request_db_error(req, "reading the monitor status", err);
        goto cleanup;
    }
    if (acc) {
        /* running: what the user asked for; monitor_running: the last heartbeat. */
        cJSON_AddBoolToObject(root, "running", strcmp(PQgetvalue(acc, 0, COL_MONITORING), "t") == 0);
        cJSON_AddNumberToObject(root, "cycle_count", (double)strtoll(PQgetvalue(acc, 0, COL_CYCLE), NULL, 10));
        if (PQgetisnull(acc, 0, COL_LAST_POLL))
            cJSON_AddNullToObject(root, "last_poll_at");
        else
            cJSON_AddStringToObject(root, "last_poll_at", PQgetvalue(acc, 0, COL_LAST_POLL));
        if (!PQgetisnull(acc, 0, COL_LAST_ERROR))
            cJSON_AddItemToArray(errors, cJSON_CreateString(PQgetvalue(acc, 0, COL_LAST_ERROR)));
        cJSON_AddItemToObject(root, "errors", errors);
        cJSON_AddNumberToObject(root, "account_id", (double)strtoll(PQgetvalue(acc, 0, COL_ID), NULL, 10));
        cJSON_AddBoolToObject(root, "monitor_running", strcmp(PQgetvalue(acc, 0, COL_RUNNING), "t") == 0);
    } else {
        /* No account yet: nothing was ever started. */
        cJSON_AddBoolToObject(root, "running", false);
        cJSON_AddNumberToObject(root, "cycle_count", 0);
        cJSON_AddNullToObject(root, "last_poll_at");
        cJSON_AddItemToObject(root, "errors", errors);
        cJSON_AddNullToObject(root, "account_id");
        cJSON_AddBoolToObject(root, "monitor_running", false);
    }
    status = http_send_json(req, 200, root, NULL);
cleanup:
    PQclear(acc);
    request_db_release(req, pg);
    return status;
}
