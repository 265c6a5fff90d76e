/* /api/accounts: the marketplace accounts whose inboxes the monitor watches. POST creates
 * (201 + Location), PATCH renames, changes the browser profile, starts or stops
 * ({"running": true|false}); both announce the account's desired state to the monitor. */
#include <inttypes.h>
#include <stdio.h>

#include "app.h"
#include "domain/account.h"
#include "domain/account_hold.h"
#include "handlers.h"
#include "http/request.h"
#include "store/account_store.h"

/* Sends account id with status (and extra headers), or 404. Returns the status sent. */
static int account_send(http_request_t *req, int64_t id, int status, const char *headers)
{
    store_json_t doc;
    store_err_t err;
    PGconn *pg = request_db(req);
    if (!pg)
        return req->status;
    int found = account_store_json(pg, id, &doc, &err);
    request_db_release(req, pg);
    if (found < 0)
        return request_db_error(req, "reading the account", err.msg);
    if (!found)
        return http_send_problem(req, 404, NULL, "Account not found");
    return request_send_doc(req, status, &doc, headers);
}

int handle_accounts_list(http_request_t *req)
{
    store_json_t doc;
    store_err_t err;
    PGconn *pg = request_db(req);
    if (!pg)
        return req->status;
    int rc = account_store_json_all(pg, &doc, &err);
    request_db_release(req, pg);
    if (rc != 0)
        return request_db_error(req, "listing accounts", err.msg);
    return request_send_doc(req, 200, &doc, NULL);
}

int handle_account_get(http_request_t *req)
{
    int64_t id;
    if (request_path_id(req, 0, "Account not found", &id) != 0)
        return req->status;
    return account_send(req, id, 200, NULL);
}

/* Parses the body and runs create (id 0) or update. Returns 0 with *id, or -1 after
 * answering. */
static int account_write(http_request_t *req, int64_t *id)
{
    cJSON *body = NULL;
    account_patch_t p;
    account_change_t out;
    cmd_result_t r;
    if (request_json_optional(req, &body) != 0)
        return -1;
    bool create = *id == 0;
    int rc = account_patch_parse(body, create, &p, &r);
    if (rc == 0)
        rc = create ? account_create(req->app, &p, id, &r)
                    : account_update(req->app, *id, &p, &out, &r);
    cJSON_Delete(body);
    if (rc != 0)
        request_fail(req, &r);
    return rc;
}

int handle_accounts_create(http_request_t *req)
{
    int64_t id = 0;
    if (account_write(req, &id) != 0)
        return req->status;
    char location[64];
    snprintf(location, sizeof(location), "Location: /api/accounts/%" PRId64 "\r\n", id);
    return account_send(req, id, 201, location);
}

int handle_account_update(http_request_t *req)
{
    int64_t id;
    if (request_path_id(req, 0, "Account not found", &id) != 0 || account_write(req, &id) != 0)
        return req->status;
    return account_send(req, id, 200, NULL);
}

/* DELETE /api/accounts/{id}/hold: the user lifts a hold (they solved the block, or want to
 * try before the month ends); answers the account, its hold now null. */
int handle_account_hold_delete(http_request_t *req)
{
    int64_t id;
    bool lifted;
    int moved;
    cmd_result_t r;
    if (request_path_id(req, 0, "Account not found", &id) != 0)
        return req->status;
    if (account_hold_lift(req->app, id, &lifted, &moved, &r) != 0)
        return request_fail(req, &r);
    return account_send(req, id, 200, NULL);
}
