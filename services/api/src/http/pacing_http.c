/* GET/PUT /api/settings/pacing[/{platform}] and /api/accounts/{id}/pacing: how far apart and
 * how many times a day an account may post, delist and update (domain/pacing.h). PUT is
 * partial: keys left out keep their value, null goes back to inheriting. */
#include <stdbool.h>

#include "app.h"
#include "domain/pacing.h"
#include "handlers.h"
#include "http/request.h"

static int answer(http_request_t *req, int rc, cJSON *doc, const cmd_result_t *r)
{
    if (rc != 0)
        return request_fail(req, r);
    return http_send_json(req, 200, doc, NULL);
}

int handle_pacing_list(http_request_t *req)
{
    cJSON *doc = NULL;
    cmd_result_t r;
    int rc = pacing_platforms(req->app, &doc, &r);
    return answer(req, rc, doc, &r);
}

/* GET (put false) or PUT of one platform's pacing. */
static int platform_pacing(http_request_t *req, bool put)
{
    cJSON *body = NULL, *doc = NULL;
    cmd_result_t r;
    if (put && request_json_optional(req, &body) != 0)
        return req->status;
    int rc = pacing_platform(req->app, req->params[0], body, &doc, &r);
    cJSON_Delete(body);
    return answer(req, rc, doc, &r);
}

int handle_pacing_platform_get(http_request_t *req)
{
    return platform_pacing(req, false);
}

int handle_pacing_platform_put(http_request_t *req)
{
    return platform_pacing(req, true);
}

/* GET (put false) or PUT of one account's pacing. */
static int account_pacing(http_request_t *req, bool put)
{
    int64_t id;
    cJSON *body = NULL, *doc = NULL;
    cmd_result_t r;
    if (request_path_id(req, 0, "Account not found", &id) != 0)
        return req->status;
    if (put && request_json_optional(req, &body) != 0)
        return req->status;
    int rc = pacing_account(req->app, id, body, &doc, &r);
    cJSON_Delete(body);
    return answer(req, rc, doc, &r);
}

int handle_account_pacing_get(http_request_t *req)
{
    return account_pacing(req, false);
}

int handle_account_pacing_put(http_request_t *req)
{
    return account_pacing(req, true);
}
