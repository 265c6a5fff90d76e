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

#include "common/log.h"

#define HTTP_MAX_PARAMS 4

typedef struct {
    struct mg_connection *conn;
    const struct mg_request_info *ri;
    const char *params[HTTP_MAX_PARAMS]; /* values of {name} segments, in order */
    size_t nparams;
    char request_id[40]; /* from X-Request-Id or generated; echoed back */
    void *app;           /* the service's struct app * */
    /* Set by the router and read by http_send_* / http_read_*: handlers leave them alone. */
    const char *cors_origin;  /* the request's Origin when it is allowed, else NULL */
    bool cors_vary;           /* CORS is configured: every response carries Vary: Origin */
    bool head_only;           /* HEAD request served by a GET route: headers only */
    bool continue_sent;       /* "100 Continue" already written */
    bool close_after;         /* body left unread: the response says Connection: close */
    size_t max_body;          /* http_options_t.max_body (used when a read passes max 0) */
    int64_t body_deadline_us; /* util_now_us() by which the whole body must have arrived */
    int body_timeout_ms;      /* http_options_t.body_timeout_ms, for the 408 problem's text */
    int guard_slot;           /* body deadline guard: 0 not armed, -1 none, else slot + 1 */
    int status;               /* status sent; 0 until a response went out */
} http_request_t;

/* Handles a request and returns the HTTP status it sent: the router logs and counts it,
 * and logs an error when it differs from the status that went out. */
typedef int (*http_handler_fn)(http_request_t *req);

typedef struct {
    const char *method; /* "GET", ... */
    const char
        *pattern; /* "/api/listings/{id}/images/{image_id}"; a trailing "*" matches the rest */
    http_handler_fn fn;
} http_route_t;

/* Decides whether a request may reach its handler (authentication, Host and Origin checks),
 * given the matched route's pattern (NULL: the fallback). Returns 0 to let it through, or
 * the status of the answer it sent itself (401, 403, ...). */
typedef int (*http_guard_fn)(http_request_t *req, const char *pattern);

typedef struct {
    const char *cors_origins; /* comma-separated list of allowed origins, or NULL */
    size_t max_body;          /* default limit for http_read_body */
    /* Optional: serves GET/HEAD of a path that no route matches (the api's single-page app);
     * without it such paths get 404. Other methods on such paths still get 404. */
    http_handler_fn fallback;
    /* Optional: runs before every route's handler and the fallback (not before the router's
     * own 404/405/OPTIONS answers, which serve nothing). */
    http_guard_fn guard;
    /* Time a handler's body reads may take in all, from the handler's start (0: 30000): a
     * client that trickles or stops sending gets 408 then, not a worker held for ever. */
    int body_timeout_ms;
} http_options_t;

/* What http_server_start_opts configures; 0 fields take the defaults. */
typedef struct {
    const char *host;       /* listen address (NULL/"" : 127.0.0.1) */
    int port;               /* 0 picks a free port */
    int num_threads;        /* workers, each serving one connection at a time (0: 8) */
    int request_timeout_ms; /* a request head must arrive within it, and each body read
                             * waits at most this long for data (0: 10000) */
    int keep_alive_ms;      /* an idle keep-alive connection is closed after it (0: 10000) */
    int max_header_bytes;   /* request line + headers; larger gets 431 (0: 16384) */
} http_server_opts_t;

/* Starts a civetweb server for a route table: listening on host:port (port 0 picks a free
 * one; read it back with mg_get_server_ports), num_threads workers (0: 8), tcp_nodelay=1,
 * enable_keep_alive=yes, no document root, and civetweb's own CORS answers switched off
 * (access_control_allow_origin/methods empty: otherwise civetweb answers preflights itself
 * before any handler runs and adds "Access-Control-Allow-Origin: *"), 10 s request-head and
 * keep-alive timeouts, 16 KiB of request head (see http_server_start_opts). Each connection being
 * served holds a worker thread (a long-lived Server-Sent Events response too): size num_threads for
 * them. Returns the context (stop with mg_stop) or NULL with civetweb's reason in errstr.
 * Initializes the civetweb library once per process. Thread-safe. */
struct mg_context *http_server_start(const char *host, int port, int num_threads, char *errstr,
                                     size_t errstr_size);

/* http_server_start with every setting: the same server, plus the slow-client limits of o.
 * Requests civetweb refuses before any route runs get an application/problem+json answer
 * with Connection: close: 408 when the head did not arrive within request_timeout_ms, 431
 * when it is larger than max_header_bytes, 400 for a malformed head, 505 for another HTTP
 * version. Thread-safe. */
struct mg_context *http_server_start_opts(const http_server_opts_t *o, char *errstr,
                                          size_t errstr_size);

/* Registers one civetweb handler on "/" that dispatches through routes (copied pointer:
 * routes must outlive the server), answers OPTIONS preflights and 100-continue, sends
 * 404/405 problems, adds CORS headers for allowed origins, logs one line per request and
 * counts it in metrics.
 *
 * Matching: routes are tried in order against the decoded path (query excluded); literal
 * characters must be equal, "{name}" takes one non-empty segment, a trailing "*" takes the
 * rest (possibly empty) as one more param, and one trailing "/" on the path is ignored.
 * No allocation and no regex per request. HEAD is served by GET routes (headers only).
 * A path matched with another method gets 405 with Allow; OPTIONS gets 204 with Allow and,
 * for an allowed Origin, the CORS preflight headers (Allow-Methods, Allow-Headers:
 * Content-Type, Authorization, X-Request-Id, Idempotency-Key, X-CSRF-Token, Max-Age 600). Responses
 * to an allowed Origin echo it in Access-Control-Allow-Origin and expose Location, Link and
 * X-Request-Id. cors_origins entries are exact origins ("http://localhost:5173"); "*" allows
 * any origin (echoed).
 * X-Request-Id is taken from the request when it is 1-39 characters of [A-Za-z0-9._:-],
 * otherwise a UUID is generated; every response echoes it.
 * Log: "http GET /path 200 1.23ms rid=<id>" at INFO (DEBUG for successful /healthz, /readyz
 * and /metrics); never bodies or query strings. Metrics: bb_http_requests_total{route,code}
 * and bb_http_request_duration_seconds{route} (route is the pattern, "unmatched" for 404).
 * A handler that returns without sending gets a 500 problem sent for it (and an error log).
 * The router state lives until the process ends. Call before clients connect, on a server
 * from http_server_start (or with the same civetweb options). */
void http_router_mount(struct mg_context *ctx, const http_route_t *routes, size_t nroutes,
                       const http_options_t *opts, void *app);

/* Sends status with a JSON body (consumed; NULL sends an empty body) and optional extra
 * header lines ("Location: /x\r\nLink: <..>; rel=\"next\"\r\n", may be NULL). Returns status.
 * All http_send_* write the whole response (status line, Content-Type, Content-Length,
 * X-Request-Id, X-Content-Type-Options: nosniff, Cache-Control: no-store for JSON, CORS,
 * extra headers, body) in one go (one write when it fits in 16 KiB);
 * a second send on the same request is refused (logged) and returns the first status.
 * 204 and 304 carry neither body nor Content-Length. */
int http_send_json(http_request_t *req, int status, cJSON *body, const char *extra_headers);

/* Sends a raw body with a content type. Returns status. */
int http_send_body(http_request_t *req, int status, const char *content_type, const void *body,
                   size_t len, const char *extra_headers);

/* Starts a streamed response (Server-Sent Events): the status line and headers (request id,
 * nosniff, CORS, "Connection: close", extra_headers) without Content-Length; the body follows
 * with mg_write or on the socket of http_take_socket. Returns status, or -1 when the head
 * could not be written (the client went away). */
int http_send_stream_head(http_request_t *req, int status, const char *content_type,
                          const char *extra_headers);

/* Takes this request's TCP connection away from civetweb so that a long-lived response does
 * not hold a worker thread: returns a new descriptor of the connection (close-on-exec, still
 * non-blocking as civetweb left it) and points civetweb's own descriptor at an unconnected
 * socket, so whatever civetweb does after the handler (shutdown, read, close) leaves the
 * client's connection alone. Call after the response head went out and with the request
 * body read; return from the handler right after. Returns -1 when the socket is not found
 * (IPv4 only: civetweb here is built without IPv6). Thread-safe. */
int http_take_socket(http_request_t *req);

/* Writes "<METHOD> <path> rid=<request id>" (control characters replaced) into buf: the
 * context of LOG_REQ. */
void http_request_context(const http_request_t *req, char *buf, size_t size);

/* Logs one line about a request, prefixed with its context, e.g.
 *   LOG_REQ(req, ERROR, "database: %s", err);
 *   -> "... ERROR api POST /api/listings rid=9f..: database: ..." */
#define LOG_REQ(req, level, ...)                                                                   \
    do {                                                                                           \
        if (log_enabled(LOG_LEVEL_##level)) {                                                      \
            char log_req_ctx_[320];                                                                \
            http_request_context((req), log_req_ctx_, sizeof(log_req_ctx_));                       \
            log_write_ctx(LOG_LEVEL_##level, log_req_ctx_, __VA_ARGS__);                           \
        }                                                                                          \
    } while (0)

/* Sends an RFC 9457 application/problem+json: {"type":"about:blank","title":<reason>,
 * "status":..,"detail":..,"field":..(if non-NULL)}. Returns status. */
int http_send_problem(http_request_t *req, int status, const char *field, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* http_send_problem with extra header lines (e.g. "Retry-After: 30\r\n") and no field. */
int http_send_problem_headers(http_request_t *req, int status, const char *extra_headers,
                              const char *fmt, ...) __attribute__((format(printf, 4, 5)));
#define HTTP_BODY_TOO_LARGE (-1)
#define HTTP_BODY_TIMEOUT (-2)

/* Reads the whole body into a new NUL-terminated buffer (caller frees) if it is at most
 * max bytes (0: the router's max_body). Returns 0; HTTP_BODY_TOO_LARGE; or HTTP_BODY_TIMEOUT
 * when it did not arrive whole before the request's body deadline (a client that stalls,
 * trickles or hangs up midway). Answer either with http_send_body_problem. A Content-Length
 * above max fails before anything is read; chunked bodies are read until they pass max.
 * Answers "Expect: 100-continue" before reading. */
int http_read_body(http_request_t *req, size_t max, char **out, size_t *len)
    __attribute__((warn_unused_result));

/* Answers a failed http_read_body (rc): 413 naming max (0: the router's max_body) or 408
 * naming the body timeout; the connection is closed after it. Returns the status sent. */
int http_send_body_problem(http_request_t *req, int rc, size_t max);

/* True when the request's body deadline has passed (for readers that stream a body
 * themselves, e.g. multipart forms). */
bool http_body_late(const http_request_t *req);

/* Makes the request's body deadline hold even for a client that trickles: at the deadline
 * the connection's reading half is shut, so reads return short. http_read_body arms it;
 * readers that stream the body themselves call it first. The router disarms it when the
 * handler returns. Thread-safe. */
void http_body_guard(http_request_t *req);

/* Reads the body as a JSON object (max bytes). On failure sends the problem itself (415
 * when Content-Type is not application/json or application/<x>+json, 413 over max, 400 for
 * an empty body, invalid JSON (naming the byte, line and column) or a non-object) and
 * returns NULL. Caller cJSON_Delete()s. */
cJSON *http_read_json(http_request_t *req, size_t max);

/* Copies query parameter `name` (URL-decoded) into buf. Returns its length, -1 when absent,
 * -2 when it does not fit in buf (treat as a bad request). */
int http_query(const http_request_t *req, const char *name, char *buf, size_t size);

/* Parses path parameter i as a positive int64 (digits only). Returns 0 or -1 (caller
 * answers 404). */
int http_param_id(const http_request_t *req, size_t i, int64_t *out);

#endif
