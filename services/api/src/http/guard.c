/* The api's guard: Host, Origin and credentials checked before any handler (see guard.h,
 * docs/architecture.md "Authentication"). */
#include "http/guard.h"

#include <stdio.h>
#include <string.h>

#include "app.h"
#include "domain/auth.h"
#include "http/auth_rules.h"
#include "http/request.h"

typedef enum { ORIGIN_NONE, ORIGIN_OK, ORIGIN_BAD } origin_t;

/* Routes that must answer without credentials: the dashboard's files (the login page is one
 * of them), the session probe, login, logout and setup. */
static bool route_open(const char *pattern)
{
    return !pattern || strcmp(pattern, "/") == 0 || strncmp(pattern, "/api/auth/", 10) == 0;
}

/* Where a write comes from: its Origin, else its Referer's origin, checked against the api's
 * own origin and CORS_ORIGINS. */
static origin_t origin_of_write(http_request_t *req, const char *host, char *shown, size_t size)
{
    struct app *app = req->app;
    const char *origin = mg_get_header(req->conn, "Origin");
    char from_referer[512];
    if (!origin && auth_referer_origin(mg_get_header(req->conn, "Referer"), from_referer,
                                       sizeof(from_referer)) == 0)
        origin = from_referer;
    if (!origin)
        return ORIGIN_NONE;
    snprintf(shown, size, "%s", origin);
    for (char *c = shown; *c; c++)
        if ((unsigned char)*c < 0x20 || *c == '"')
            *c = '?';
    return auth_origin_allowed(origin, host, app->cfg.cors_origins) ? ORIGIN_OK : ORIGIN_BAD;
}

int guard_session_cookie(const http_request_t *req, char *out, size_t size)
{
    int n = auth_cookie_get(mg_get_header(req->conn, "Cookie"), GUARD_COOKIE, out, size);
    return n > 0 ? n : -1;
}

static int unauthorized(http_request_t *req, const char *detail)
{
    return http_send_problem_headers(req, 401, "WWW-Authenticate: Bearer realm=\"byebuy\"\r\n",
                                     "%s", detail);
}

/* 1 when the credential is valid, 0 when not, -1 after answering 503/500. */
static int credential_valid(http_request_t *req, const char *secret, bool bearer)
{
    PGconn *pg = request_db(req);
    if (!pg)
        return -1;
    store_err_t err = {0};
    int ok = bearer ? auth_token_valid(pg, secret, &err) : auth_session_valid(pg, secret, &err);
    request_db_release(req, pg);
    if (ok < 0) {
        request_db_error(req, "checking credentials", err.msg);
        return -1;
    }
    return ok;
}

/* A bearer token or a session cookie, and for a cookie write without Origin the CSRF token. */
static int authenticate(http_request_t *req, bool writes, origin_t origin)
{
    char secret[AUTH_SECRET_SIZE + 8];
    const char *authz = mg_get_header(req->conn, "Authorization");
    if (authz) {
        if (auth_bearer_get(authz, secret, sizeof(secret)) < 0)
            return unauthorized(req, "Authorization must be \"Bearer <token>\"");
        int ok = credential_valid(req, secret, true);
        if (ok <= 0)
            return ok < 0 ? req->status : unauthorized(req, "the token is unknown or revoked");
        return 0; /* browsers never send a bearer token on their own: no CSRF check */
    }
    if (guard_session_cookie(req, secret, sizeof(secret)) < 0)
        return unauthorized(req, "log in, or send Authorization: Bearer <token> (make token)");
    int ok = credential_valid(req, secret, false);
    if (ok <= 0)
        return ok < 0 ? req->status : unauthorized(req, "the session has expired: log in again");
    if (writes && origin == ORIGIN_NONE) {
        char want[AUTH_HASH_SIZE];
        const char *got = mg_get_header(req->conn, GUARD_CSRF_HEADER);
        auth_csrf_token(secret, want);
        if (!got || strcmp(got, want) != 0)
            return http_send_problem(req, 403, NULL,
                                     "a write with the session cookie needs an Origin header from "
                                     "an allowed origin or the " GUARD_CSRF_HEADER " header");
    }
    return 0;
}

int guard_check(http_request_t *req, const char *pattern)
{
    struct app *app = req->app;
    const char *path = req->ri->local_uri;
    if (auth_path_listed(app->cfg.auth_public_paths, path))
        return 0;
    const char *host = mg_get_header(req->conn, "Host");
    if (!auth_host_allowed(app->allowed_hosts, host)) {
        char shown[128];
        snprintf(shown, sizeof(shown), "%s", host ? host : "");
        for (char *c = shown; *c; c++)
            if ((unsigned char)*c < 0x20 || *c == '"')
                *c = '?';
        return http_send_problem(req, 421, NULL,
                                 "Host \"%s\" is not one this api answers to: add it to "
                                 "ALLOWED_HOSTS (now: %s)",
                                 shown, app->allowed_hosts);
    }
    bool writes = auth_method_writes(req->ri->request_method);
    /* a bearer token is never sent by a browser on its own (a foreign page cannot add the
     * header without a CORS preflight): no Origin check for it */
    if (!app->auth_none && !route_open(pattern) && mg_get_header(req->conn, "Authorization"))
        return authenticate(req, writes, ORIGIN_OK);
    origin_t origin = ORIGIN_NONE;
    char from[256] = "";
    if (writes && (origin = origin_of_write(req, host, from, sizeof(from))) == ORIGIN_BAD)
        return http_send_problem(req, 403, NULL,
                                 "cross-origin write refused: origin \"%s\" is not this api's "
                                 "and not in CORS_ORIGINS",
                                 from);
    if (app->auth_none || route_open(pattern))
        return 0;
    return authenticate(req, writes, origin);
}
