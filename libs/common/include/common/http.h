/* civetweb helpers: a route table with {param} segments, JSON and problem+json responses
 * written whole by one function (civetweb drops headers once anything was written), request
 * bodies read with a limit, and query-string access. */
#ifndef COMMON_HTTP_H
#define COMMON_HTTP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <civetweb.h>
#include <cjson/cJSON.h>

#define HTTP_MAX_PARAMS 4

typedef struct {
    struct mg_connection *conn;
    const struct mg_request_info *ri;
    const char *params[HTTP_MAX_PARAMS]; /* values of {name} segments, in order */
    size_t nparams;
    char request_id[40];                 /* from X-Request-Id or generated; echoed back */
    void *app;                           /* the service's struct app * */
} http_request_t;

/* Handles a request and returns the HTTP status it sent (for logs and metrics). */
typedef int (*http_handler_fn)(http_request_t *req);

typedef struct {
    const char *method;  /* "GET", ... */
    const char *pattern; /* "/api/listings/{id}/images/{image_id}"; a trailing "*" matches the rest */
    http_handler_fn fn;
} http_route_t;

typedef struct {
    const char *cors_origins; /* comma-separated list of allowed origins, or NULL */
    size_t max_body;          /* default limit for http_read_body */
} http_options_t;

/* Registers one civetweb handler on "/" that dispatches through routes (copied pointer:
 * routes must outlive the server), answers OPTIONS preflights and 100-continue, sends
 * 404/405 problems, adds CORS headers for allowed origins, logs one line per request and
 * counts it in metrics. */
void http_router_mount(struct mg_context *ctx, const http_route_t *routes, size_t nroutes,
                       const http_options_t *opts, void *app);

/* Sends status with a JSON body (consumed) and optional extra header lines
 * ("Location: /x\r\nLink: <..>; rel=\"next\"\r\n", may be NULL). Returns status. */
int http_send_json(http_request_t *req, int status, cJSON *body, const char *extra_headers);

/* Sends a raw body with a content type. Returns status. */
int http_send_body(http_request_t *req, int status, const char *content_type, const void *body,
                   size_t len, const char *extra_headers);

/* Sends an RFC 9457 application/problem+json: {"type":"about:blank","title":<reason>,
 * "status":..,"detail":..,"field":..(if non-NULL)}. Returns status. */
int http_send_problem(http_request_t *req, int status, const char *field, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* Reads the whole body into a new NUL-terminated buffer (caller frees) if it is at most
 * max bytes. Returns 0; -1 when too large (caller answers 413) or the client went away. */
int http_read_body(http_request_t *req, size_t max, char **out, size_t *len)
    __attribute__((warn_unused_result));

/* Reads the body as a JSON object (max bytes). On failure sends the problem itself (400,
 * 413, 415) and returns NULL. Caller cJSON_Delete()s. */
cJSON *http_read_json(http_request_t *req, size_t max);

/* Copies query parameter `name` into buf. Returns its length, or -1 when absent. */
int http_query(const http_request_t *req, const char *name, char *buf, size_t size);

/* Parses path parameter i as a positive int64. Returns 0 or -1 (caller answers 404). */
int http_param_id(const http_request_t *req, size_t i, int64_t *out);

#endif
