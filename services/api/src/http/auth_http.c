/* The owner's login, logout, first-run setup, the session probe and the API tokens:
 * /api/auth/session, /api/auth/login, /api/auth/logout, /api/auth/setup, /api/tokens. The
 * guard (http/guard.c) lets the /api/auth/ routes through without credentials; /api/tokens
 * needs them like every other route. */
#include <stdio.h>
#include <string.h>

#include <sodium.h>

#include "app.h"
#include "common/util.h"
#include "domain/auth.h"
#include "handlers.h"
#include "http/auth_rules.h"
#include "http/guard.h"
#include "http/login_limit.h"
#include "http/request.h"
#include "store/auth_store.h"

/* The Set-Cookie line of a session (value NULL: the line that clears it). */
static void session_cookie(const struct app *app, const char *value, char *out, size_t size)
{
    bool secure = app->cfg.cookie_secure || strncmp(app->cfg.public_url, "https://", 8) == 0;
    snprintf(out, size,
             "Set-Cookie: " GUARD_COOKIE "=%s; Path=/; HttpOnly; SameSite=Strict; Max-Age=%lld%s"
             "\r\n",
             value ? value : "", value ? app->cfg.session_ttl_s : 0LL, secure ? "; Secure" : "");
}

/* Counts a login or setup attempt; answers 429 with Retry-After when over the limit. */
static int attempt_allowed(http_request_t *req)
{
    struct app *app = req->app;
    int wait = login_limit_take(app->login_limit, req->ri->remote_addr, util_wall_ms());
    if (wait == 0)
        return 0;
    char headers[64];
    snprintf(headers, sizeof(headers), "Retry-After: %d\r\n", wait);
    http_send_problem_headers(req, 429, headers, "too many login attempts; try again in %d seconds",
                              wait);
    return -1;
}

/* The string field name of body, or NULL. */
static const char *text_field(const cJSON *body, const char *name)
{
    const cJSON *v = body ? cJSON_GetObjectItemCaseSensitive(body, name) : NULL;
    return cJSON_IsString(v) ? v->valuestring : NULL;
}

/* Answers a new session: 204 with its cookie. */
static int send_session(http_request_t *req, char session[AUTH_SECRET_SIZE])
{
    char cookie[256];
    session_cookie(req->app, session, cookie, sizeof(cookie));
    sodium_memzero(session, AUTH_SECRET_SIZE);
    return http_send_body(req, 204, NULL, NULL, 0, cookie);
}

int handle_auth_login(http_request_t *req)
{
    struct app *app = req->app;
    cJSON *body = NULL;
    cmd_result_t r;
    char session[AUTH_SECRET_SIZE];
    if (attempt_allowed(req) != 0 || request_json_optional(req, &body) != 0)
        return req->status;
    int rc = auth_login(app, text_field(body, "password"), app->cfg.session_ttl_s, session, &r);
    cJSON_Delete(body);
    if (rc != 0 && r.status == CMD_REFUSED) {
        LOG_REQ(req, WARN, "login refused from %s: wrong password", req->ri->remote_addr);
        return http_send_problem(req, 401, "password", "wrong password");
    }
    if (rc != 0)
        return request_fail(req, &r);
    LOG_REQ(req, INFO, "owner logged in from %s", req->ri->remote_addr);
    return send_session(req, session);
}

int handle_auth_setup(http_request_t *req)
{
    struct app *app = req->app;
    cJSON *body = NULL;
    cmd_result_t r;
    char session[AUTH_SECRET_SIZE];
    if (attempt_allowed(req) != 0 || request_json_optional(req, &body) != 0)
        return req->status;
    int rc = auth_setup_complete(app, text_field(body, "token"), text_field(body, "password"),
                                 app->cfg.session_ttl_s, session, &r);
    cJSON_Delete(body);
    if (rc != 0 && r.status == CMD_REFUSED)
        return http_send_problem(req, 403, "token", "%s", r.detail);
    if (rc != 0)
        return request_fail(req, &r);
    LOG_REQ(req, INFO, "owner password set through the setup link from %s", req->ri->remote_addr);
    return send_session(req, session);
}

int handle_auth_logout(http_request_t *req)
{
    char secret[AUTH_SECRET_SIZE + 8], cookie[256];
    cmd_result_t r;
    if (guard_session_cookie(req, secret, sizeof(secret)) > 0 &&
        auth_logout(req->app, secret, &r) != 0)
        return request_fail(req, &r);
    session_cookie(req->app, NULL, cookie, sizeof(cookie));
    return http_send_body(req, 204, NULL, NULL, 0, cookie);
}

/* Whether this request carries a valid session (csrf filled) or bearer token. */
static int authenticated(http_request_t *req, PGconn *pg, char csrf[AUTH_HASH_SIZE],
                         store_err_t *err)
{
    char secret[AUTH_SECRET_SIZE + 8];
    const char *authz = mg_get_header(req->conn, "Authorization");
    if (authz)
        return auth_bearer_get(authz, secret, sizeof(secret)) < 0
                   ? 0
                   : auth_token_valid(pg, secret, err);
    if (guard_session_cookie(req, secret, sizeof(secret)) < 0)
        return 0;
    int ok = auth_session_valid(pg, secret, err);
    if (ok == 1)
        auth_csrf_token(secret, csrf);
    return ok;
}

int handle_auth_session(http_request_t *req)
{
    struct app *app = req->app;
    char csrf[AUTH_HASH_SIZE] = "", hash[256];
    store_err_t err = {0};
    PGconn *pg = request_db(req);
    if (!pg)
        return req->status;
    int ok = app->auth_none ? 1 : authenticated(req, pg, csrf, &err);
    int owner = ok < 0 ? -1 : auth_store_owner_hash(pg, hash, sizeof(hash), &err);
    request_db_release(req, pg);
    if (ok < 0 || owner < 0)
        return request_db_error(req, "reading the session", err.msg);
    cJSON *root = cJSON_CreateObject();
    cJSON_AddStringToObject(root, "auth", app->auth_none ? "none" : "login");
    cJSON_AddBoolToObject(root, "authenticated", ok == 1);
    cJSON_AddBoolToObject(root, "password_set", hash[0] != '\0');
    if (csrf[0])
        cJSON_AddStringToObject(root, "csrf_token", csrf);
    else
        cJSON_AddNullToObject(root, "csrf_token");
    return http_send_json(req, 200, root, NULL);
}

int handle_tokens_list(http_request_t *req)
{
    store_json_t doc = {0};
    store_err_t err;
    PGconn *pg = request_db(req);
    if (!pg)
        return req->status;
    int rc = auth_store_token_list(pg, &doc, &err);
    request_db_release(req, pg);
    if (rc != 0)
        return request_db_error(req, "listing the tokens", err.msg);
    return request_send_doc(req, 200, &doc, NULL);
}

int handle_tokens_create(http_request_t *req)
{
    cJSON *body = NULL;
    cmd_result_t r;
    store_json_t doc = {0};
    char token[AUTH_SECRET_SIZE];
    if (request_json_optional(req, &body) != 0)
        return req->status;
    const cJSON *name_item = body ? cJSON_GetObjectItemCaseSensitive(body, "name") : NULL;
    if (name_item && !cJSON_IsString(name_item)) {
        cJSON_Delete(body);
        return http_send_problem(req, 422, "name", "name: must be a string");
    }
    const char *name = text_field(body, "name");
    int rc = auth_token_create(req->app, name ? name : "api", token, &doc, &r);
    cJSON_Delete(body);
    if (rc != 0)
        return request_fail(req, &r);
    /* the row plus the token itself, shown this once */
    cJSON *root = cJSON_Parse(doc.json);
    free(doc.json);
    if (!root)
        return http_send_problem(req, 500, NULL, "internal error while rendering the token");
    cJSON_AddStringToObject(root, "token", token);
    sodium_memzero(token, sizeof(token));
    char location[64];
    snprintf(location, sizeof(location), "Location: /api/tokens/%lld\r\n",
             (long long)cJSON_GetNumberValue(cJSON_GetObjectItem(root, "id")));
    return http_send_json(req, 201, root, location);
}

int handle_token_revoke(http_request_t *req)
{
    int64_t id;
    cmd_result_t r;
    if (request_path_id(req, 0, "Token not found", &id) != 0)
        return req->status;
    if (auth_token_revoke(req->app, id, &r) != 0)
        return request_fail(req, &r);
    return http_send_body(req, 204, NULL, NULL, 0, NULL);
}
