/* The inbox monitor switch at the original frontend's paths: POST /api/polling/start and
 * /stop ({"account_id": n} optional: the default account otherwise), GET
 * /api/polling/status[?account_id=n]. Start and stop are account_update's switch, the same
 * command as PATCH /api/accounts/{id} {"running": ...}. */
#include <inttypes.h>
#include <stdbool.h>
#include <stdlib.h>

#include "app.h"
#include "domain/account.h"
#include "handlers.h"
#include "http/request.h"
#include "store/account_store.h"

static int monitor_switch_http(http_request_t *req, bool start)
{
    cJSON *body = NULL;
    int64_t account_id = 0;
    bool present = false;
    account_change_t out;
    account_patch_t patch = {.running = start};
    cmd_result_t r;
    int status;
    if (request_json_optional(req, &body) != 0)
        return req->status;
    if (request_json_id(req, body, "account_id", &account_id, &present) != 0) {
        status = req->status;
    } else if (account_update(req->app, account_id, &patch, &out, &r) != 0) {
        status = request_fail(req, &r);
    } else {
        const char *answer = out.switched ? (start ? "started" : "stopped")
                                          : (start ? "already_running" : "already_stopped");
        cJSON *root = cJSON_CreateObject();
        cJSON_AddStringToObject(root, "status", answer);
        cJSON_AddNumberToObject(root, "account_id", (double)out.account_id);
        status = http_send_json(req, 200, root, NULL);
    }
    cJSON_Delete(body);
    return status;
}

int handle_monitor_start(http_request_t *req)
{
    return monitor_switch_http(req, true);
}

int handle_monitor_stop(http_request_t *req)
{
    return monitor_switch_http(req, false);
}

/* The status document of acc, or of no account (nothing was ever started). */
static cJSON *monitor_status_json(const account_row_t *acc)
{
    cJSON *root = cJSON_CreateObject();
    cJSON *errors = cJSON_CreateArray();
    /* running: what the user asked for; monitor_running: the last heartbeat. */
    cJSON_AddBoolToObject(root, "running", acc && acc->monitoring);
    cJSON_AddNumberToObject(root, "cycle_count", acc ? (double)acc->cycle : 0);
    if (acc && acc->last_poll_at[0])
        cJSON_AddStringToObject(root, "last_poll_at", acc->last_poll_at);
    else
        cJSON_AddNullToObject(root, "last_poll_at");
    if (acc && acc->last_error[0])
        cJSON_AddItemToArray(errors, cJSON_CreateString(acc->last_error));
    cJSON_AddItemToObject(root, "errors", errors);
    if (acc)
        cJSON_AddNumberToObject(root, "account_id", (double)acc->id);
    else
        cJSON_AddNullToObject(root, "account_id");
    cJSON_AddBoolToObject(root, "monitor_running", acc && acc->monitor_running);
    return root;
}

int handle_monitor_status(http_request_t *req)
{
    int64_t account_id = 0;
    account_row_t acc;
    store_err_t err;
    if (request_query_id(req, "account_id", &account_id) != 0)
        return req->status;
    PGconn *pg = request_db(req);
    if (!pg)
        return req->status;
    int found = account_store_find(pg, account_id, false, false, &acc, &err);
    request_db_release(req, pg);
    if (found < 0)
        return request_db_error(req, "reading the monitor status", err.msg);
    if (!found && account_id > 0)
        return http_send_problem(req, 404, "account_id", "account %" PRId64 " not found",
                                 account_id);
    return http_send_json(req, 200, monitor_status_json(found ? &acc : NULL), NULL);
}
