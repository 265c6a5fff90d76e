/* Request plumbing shared by the api's handlers (see request.h). */
#include "http/request.h"

#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app.h"
#include "common/db.h"
#include "common/json_check.h"
#include "common/log.h"
#include "common/utf8.h"
#include "domain/result.h"

PGconn *request_db(http_request_t *req)
{
    struct app *app = req->app;
    char err[256];
    PGconn *pg = db_pool_acquire(app->pool, API_DB_TIMEOUT_MS, err, sizeof(err));
    if (!pg) {
        LOG_REQ(req, WARN, "database unavailable: %s", err);
        http_send_problem(req, 503, NULL, "the database is unavailable; try again shortly");
    }
    return pg;
}

void request_db_release(http_request_t *req, PGconn *pg)
{
    struct app *app = req->app;
    db_pool_release(app->pool, pg);
}

int request_json_optional(http_request_t *req, cJSON **out)
{
    struct app *app = req->app;
    char *body = NULL;
    size_t len = 0;
    *out = NULL;
    int rc = http_read_body(req, (size_t)app->cfg.max_body_bytes, &body, &len);
    if (rc != 0) {
        http_send_body_problem(req, rc, (size_t)app->cfg.max_body_bytes);
        return -1;
    }
    size_t i = 0;
    while (i < len && (body[i] == ' ' || body[i] == '\n' || body[i] == '\r' || body[i] == '\t'))
        i++;
    if (i == len) {
        free(body);
        return 0;
    }
    size_t at;
    char why[64];
    if (json_check(body, len, JSON_MAX_DEPTH, &at, why, sizeof(why)) != 0) {
        free(body);
        http_send_problem(req, 400, NULL, "request body: %s at byte %zu", why, at);
        return -1;
    }
    cJSON *root = cJSON_ParseWithLength(body, len);
    free(body);
    if (!root || !cJSON_IsObject(root)) {
        cJSON_Delete(root);
        http_send_problem(req, 400, NULL, "request body must be a JSON object");
        return -1;
    }
    *out = root;
    return 0;
}

int request_json_id(http_request_t *req, const cJSON *obj, const char *field, int64_t *out,
                    bool *present)
{
    *present = false;
    const cJSON *item = obj ? cJSON_GetObjectItemCaseSensitive(obj, field) : NULL;
    if (!item || cJSON_IsNull(item))
        return 0;
    double v = cJSON_IsNumber(item) ? item->valuedouble : 0;
    if (!cJSON_IsNumber(item) || v != floor(v) || v < 1 || v > 9007199254740991.0) {
        http_send_problem(req, 422, field, "%s: must be a positive integer", field);
        return -1;
    }
    *out = (int64_t)v;
    *present = true;
    return 0;
}

int request_db_error(http_request_t *req, const char *what, const char *errstr)
{
    LOG_REQ(req, ERROR, "%s: %s", what, errstr);
    return http_send_problem(req, 500, NULL, "internal error while %s", what);
}

int request_query(http_request_t *req, const char *name, char *buf, size_t size)
{
    int n = http_query(req, name, buf, size);
    if (n == -2) {
        http_send_problem(req, 422, name, "%s: longer than %zu bytes", name, size - 1);
        return -2;
    }
    /* %FF and friends decode to bytes PostgreSQL refuses: the client's mistake, said so. */
    if (n > 0 && utf8_count(buf, (size_t)n) < 0) {
        http_send_problem(req, 422, name, "%s: must be UTF-8 text without NUL characters", name);
        return -2;
    }
    return n;
}

int request_query_id(http_request_t *req, const char *name, int64_t *out)
{
    char buf[32];
    *out = 0;
    int n = request_query(req, name, buf, sizeof(buf));
    if (n == -1)
        return 0;
    if (n < 0)
        return -1;
    char *end = NULL;
    errno = 0;
    long long v = strtoll(buf, &end, 10);
    if (n == 0 || *end != '\0' || v < 1 || errno == ERANGE || buf[0] == '+' || buf[0] == ' ') {
        http_send_problem(req, 422, name, "%s: must be a positive integer", name);
        return -1;
    }
    *out = v;
    return 0;
}

int request_page(http_request_t *req, int *limit, int64_t *cursor)
{
    char buf[32];
    /* The original's clients list without paging: a default that covers a real seller's
     * listings keeps them working. */
    *limit = REQUEST_PAGE_DEFAULT;
    int n = request_query(req, "limit", buf, sizeof(buf));
    if (n == -2)
        return -1;
    if (n >= 0) {
        char *end = NULL;
        long v = strtol(buf, &end, 10);
        if (n == 0 || *end != '\0' || v < 1 || v > REQUEST_PAGE_MAX) {
            http_send_problem(req, 422, "limit", "limit: must be an integer from 1 to %d",
                              REQUEST_PAGE_MAX);
            return -1;
        }
        *limit = (int)v;
    }
    return request_query_id(req, "cursor", cursor);
}

void request_link_next(char *out, size_t size, const char *path, int limit, int64_t cursor,
                       const char *const *pairs, size_t npairs)
{
    size_t len =
        (size_t)snprintf(out, size, "Link: <%s?limit=%d&cursor=%" PRId64, path, limit, cursor);
    for (size_t i = 0; i + 1 < npairs * 2 && len < size; i += 2) {
        if (!pairs[i + 1])
            continue;
        char enc[2500]; /* 3 bytes per byte of a value of up to 800 bytes (?q) */
        mg_url_encode(pairs[i + 1], enc, sizeof(enc));
        len += (size_t)snprintf(out + len, size - len, "&%s=%s", pairs[i], enc);
    }
    if (len < size)
        snprintf(out + len, size - len, ">; rel=\"next\"\r\n");
}

int request_fail(http_request_t *req, const cmd_result_t *r)
{
    static const int statuses[] = {
        [CMD_OK] = 500,          [CMD_NOT_FOUND] = 404,   [CMD_INVALID] = 422,
        [CMD_REFUSED] = 400,     [CMD_CONFLICT] = 409,    [CMD_TOO_LARGE] = 413,
        [CMD_UNSUPPORTED] = 415, [CMD_UNAVAILABLE] = 503, [CMD_FAILED] = 500,
    };
    const char *field = r->field[0] ? r->field : NULL;
    switch (r->status) {
    case CMD_UNAVAILABLE:
        LOG_REQ(req, WARN, "database unavailable: %s", r->cause.msg);
        return http_send_problem(req, 503, NULL, "the database is unavailable; try again shortly");
    case CMD_FAILED:
    case CMD_OK: /* a command that failed without saying why: a bug */
        LOG_REQ(req, ERROR, "%s: %s", r->detail, r->cause.msg);
        return http_send_problem(req, 500, field, "internal error while %s", r->detail);
    default:
        return http_send_problem(req, statuses[r->status], field, "%s", r->detail);
    }
}

int request_send_doc(http_request_t *req, int status, store_json_t *doc, const char *extra_headers)
{
    int sent = http_send_body(req, status, "application/json", doc->json, doc->len, extra_headers);
    free(doc->json);
    doc->json = NULL;
    return sent;
}

int request_path_id(http_request_t *req, size_t index, const char *not_found, int64_t *id)
{
    if (http_param_id(req, index, id) == 0)
        return 0;
    http_send_problem(req, 404, NULL, "%s", not_found);
    return -1;
}
