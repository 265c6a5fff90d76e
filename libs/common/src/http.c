/* civetweb helpers (see http.h): the route table dispatcher with CORS, request ids, access
 * log and metrics; whole-response writers; request body and query readers. */
#include "common/http.h"

#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <arpa/inet.h>
#include <dirent.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "common/json_check.h"
#include "common/log.h"
#include "common/metrics.h"
#include "common/utf8.h"
#include "common/util.h"
#include "common/xmalloc.h"

#define HTTP_DEFAULT_MAX_BODY (1024 * 1024)
#define HTTP_MAX_ORIGINS 16
#define HTTP_CODE_SLOTS 500 /* statuses 100..599 */
#define HTTP_ALLOW_HEADERS                                                                         \
    "Content-Type, Authorization, X-Request-Id, Idempotency-Key, X-CSRF-Token"
#define HTTP_EXPOSE_HEADERS "Location, Link, X-Request-Id"

/* Per-route metric series: the histogram is registered at mount; counters per status code
 * are registered on first use and cached, so the hot path takes no lock. */
typedef struct {
    const char *label; /* route pattern or "unmatched" */
    metric_t *latency;
    _Atomic(metric_t *) *by_code;
} route_metrics_t;

typedef struct http_router {
    struct http_router *next; /* every router stays reachable for the process lifetime */
    const http_route_t *routes;
    size_t nroutes;
    route_metrics_t *metrics; /* one per route */
    route_metrics_t unmatched;
    char *origins[HTTP_MAX_ORIGINS];
    size_t norigins;
    bool any_origin;
    size_t max_body;
    int body_timeout_ms;
    void *app;
    http_handler_fn fallback; /* GET/HEAD of a path no route matches (http_options_t) */
    http_guard_fn guard;      /* runs before a route's handler or the fallback (http_options_t) */
    route_metrics_t fallback_metrics;
} http_router_t;

static pthread_mutex_t routers_lock = PTHREAD_MUTEX_INITIALIZER;
static http_router_t *routers;

static void route_metrics_init(route_metrics_t *rm, const char *label)
{
    char name[512];
    rm->label = label;
    snprintf(name, sizeof(name), "bb_http_request_duration_seconds{route=\"%s\"}", label);
    rm->latency = metrics_histogram(name, "HTTP request latency by route pattern.");
    rm->by_code = xcalloc(HTTP_CODE_SLOTS, sizeof(*rm->by_code));
}

static void route_metrics_count(route_metrics_t *rm, int status, int64_t us)
{
    metrics_observe_us(rm->latency, us);
    if (status < 100 || status > 599)
        status = 500;
    _Atomic(metric_t *) *slot = &rm->by_code[status - 100];
    metric_t *m = atomic_load_explicit(slot, memory_order_acquire);
    if (!m) {
        char name[512];
        snprintf(name, sizeof(name), "bb_http_requests_total{route=\"%s\",code=\"%d\"}", rm->label,
                 status);
        /* a race registers the same name twice and gets the same series back */
        m = metrics_counter(name, "HTTP requests by route pattern and status code.");
        atomic_store_explicit(slot, m, memory_order_release);
    }
    metrics_inc(m, 1);
}

/* ---- request ids ---- */

static bool request_id_valid(const char *s)
{
    size_t n = 0;
    for (; s[n]; n++) {
        char c = s[n];
        if (n >= 39 || !((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
                         (c >= '0' && c <= '9') || c == '-' || c == '_' || c == '.' || c == ':'))
            return false;
    }
    return n > 0;
}

/* A v4 UUID from a per-thread xorshift generator seeded by getrandom: ids need to be unique,
 * not secret, and a syscall per request would be wasted. */
static void request_id_generate(char out[UUID_STR_LEN])
{
    static _Thread_local uint64_t s[2];
    if (s[0] == 0 && s[1] == 0) {
        while (getrandom(s, sizeof(s), 0) != (ssize_t)sizeof(s))
            ;
        s[0] |= 1;
    }
    unsigned char b[16];
    for (int half = 0; half < 2; half++) {
        /* xorshift128+ */
        uint64_t x = s[0], y = s[1];
        s[0] = y;
        x ^= x << 23;
        s[1] = x ^ y ^ (x >> 17) ^ (y >> 26);
        uint64_t r = s[1] + y;
        memcpy(b + 8 * half, &r, 8);
    }
    b[6] = (unsigned char)((b[6] & 0x0f) | 0x40);
    b[8] = (unsigned char)((b[8] & 0x3f) | 0x80);
    static const char hex[] = "0123456789abcdef";
    size_t o = 0;
    for (int i = 0; i < 16; i++) {
        if (i == 4 || i == 6 || i == 8 || i == 10)
            out[o++] = '-';
        out[o++] = hex[b[i] >> 4];
        out[o++] = hex[b[i] & 15];
    }
    out[o] = '\0';
}

/* ---- response writing ---- */

/* The reason phrase of a status: civetweb's, except where civetweb 1.15 misspells it. */
static const char *status_text(const struct mg_connection *conn, int status)
{
    if (status == 422)
        return "Unprocessable Content"; /* civetweb: "Unproccessable entity" */
    if (status == 408)
        return "Request Timeout"; /* civetweb: "Request Time-out" (RFC 2616's) */
    return mg_get_response_code_text(conn, status);
}

static bool content_type_is_json(const char *ct)
{
    if (!ct)
        return false;
    while (*ct == ' ' || *ct == '\t')
        ct++;
    size_t len = strcspn(ct, "; \t");
    if (len == 16 && strncasecmp(ct, "application/json", 16) == 0)
        return true;
    /* application/<anything>+json, e.g. problem+json or merge-patch+json */
    return len > 17 && strncasecmp(ct, "application/", 12) == 0 &&
           strncasecmp(ct + len - 5, "+json", 5) == 0;
}

/* Whether the CRLF-separated header lines in headers include one called name. */
static bool header_named(const char *headers, const char *name)
{
    size_t n = strlen(name);
    for (const char *line = headers; line && *line;) {
        if (strncasecmp(line, name, n) == 0 && line[n] == ':')
            return true;
        line = strchr(line, '\n');
        if (line)
            line++;
    }
    return false;
}

int http_send_body(http_request_t *req, int status, const char *content_type, const void *body,
                   size_t len, const char *extra_headers)
{
    if (req->status) {
        LOG_REQ(req, ERROR, "http: handler sent a second response (%d after %d)", status,
                req->status);
        return req->status;
    }
    req->status = status;
    bool no_body = status == 204 || status == 304 || (status >= 100 && status < 200);
    char stack[16384];
    char length_line[64] = "";
    if (!no_body)
        snprintf(length_line, sizeof(length_line), "Content-Length: %zu\r\n", len);
    const char *cors_origin = req->cors_origin;
    /* JSON answers are live data (no-store) unless the caller says how to cache them */
    bool default_no_store = content_type_is_json(content_type) &&
                            !(extra_headers && header_named(extra_headers, "Cache-Control"));
    int n = snprintf(
        stack, sizeof(stack),
        "HTTP/1.1 %d %s\r\n"
        "%s%s%s" /* Content-Type */
        "%s"     /* Content-Length */
        "X-Request-Id: %s\r\n"
        "X-Content-Type-Options: nosniff\r\n"
        "%s"       /* Cache-Control */
        "%s"       /* Vary */
        "%s%s%s%s" /* CORS */
        "%s"       /* Connection */
        "%s"       /* extra */
        "\r\n",
        status, status_text(req->conn, status), no_body || !content_type ? "" : "Content-Type: ",
        no_body || !content_type ? "" : content_type, no_body || !content_type ? "" : "\r\n",
        length_line, req->request_id, default_no_store ? "Cache-Control: no-store\r\n" : "",
        req->cors_vary ? "Vary: Origin\r\n" : "",
        cors_origin ? "Access-Control-Allow-Origin: " : "", cors_origin ? cors_origin : "",
        cors_origin ? "\r\n" : "",
        cors_origin ? "Access-Control-Expose-Headers: " HTTP_EXPOSE_HEADERS "\r\n" : "",
        req->close_after ? "Connection: close\r\n" : "", extra_headers ? extra_headers : "");
    if (n < 0)
        return status;
    size_t head_len = (size_t)n;
    if (head_len >= sizeof(stack)) {
        /* extra headers of 16 KiB are a bug in the caller: answer 500 rather than truncate */
        LOG_REQ(req, ERROR, "http: response head too long (%d bytes)", n);
        req->status = 0;
        req->close_after = true;
        return http_send_body(req, 500, "text/plain", "response head too long\n", 23, NULL);
    }
    if (no_body || req->head_only)
        len = 0;
    if (head_len + len <= sizeof(stack)) {
        /* one write: the response leaves in one segment */
        if (len)
            memcpy(stack + head_len, body, len);
        mg_write(req->conn, stack, head_len + len);
    } else {
        if (mg_write(req->conn, stack, head_len) > 0)
            mg_write(req->conn, body, len);
    }
    return status;
}

int http_send_stream_head(http_request_t *req, int status, const char *content_type,
                          const char *extra_headers)
{
    if (req->status) {
        LOG_REQ(req, ERROR, "http: handler sent a second response (%d after %d)", status,
                req->status);
        return req->status;
    }
    req->status = status;
    char head[4096];
    const char *origin = req->cors_origin;
    int n = snprintf(head, sizeof(head),
                     "HTTP/1.1 %d %s\r\n"
                     "Content-Type: %s\r\n"
                     "X-Request-Id: %s\r\n"
                     "X-Content-Type-Options: nosniff\r\n"
                     "%s"       /* Vary */
                     "%s%s%s%s" /* CORS */
                     "Connection: close\r\n"
                     "%s\r\n",
                     status, status_text(req->conn, status), content_type, req->request_id,
                     req->cors_vary ? "Vary: Origin\r\n" : "",
                     origin ? "Access-Control-Allow-Origin: " : "", origin ? origin : "",
                     origin ? "\r\n" : "",
                     origin ? "Access-Control-Expose-Headers: " HTTP_EXPOSE_HEADERS "\r\n" : "",
                     extra_headers ? extra_headers : "");
    if (n < 0 || (size_t)n >= sizeof(head) || mg_write(req->conn, head, (size_t)n) != n)
        return -1;
    return status;
}

/* Finds the descriptor of this request's socket: the one whose peer and local ports are the
 * request's (one TCP connection has one such pair on this host). */
static int socket_of_request(const http_request_t *req)
{
    DIR *d = opendir("/proc/self/fd");
    if (!d)
        return -1;
    int found = -1;
    struct dirent *de;
    while (found < 0 && (de = readdir(d)) != NULL) {
        int fd = atoi(de->d_name);
        if (de->d_name[0] < '0' || de->d_name[0] > '9' || fd == dirfd(d))
            continue;
        struct sockaddr_storage peer, local;
        socklen_t plen = sizeof(peer), llen = sizeof(local);
        if (getpeername(fd, (struct sockaddr *)&peer, &plen) != 0 ||
            getsockname(fd, (struct sockaddr *)&local, &llen) != 0 || peer.ss_family != AF_INET)
            continue;
        const struct sockaddr_in *p = (const struct sockaddr_in *)&peer;
        const struct sockaddr_in *l = (const struct sockaddr_in *)&local;
        char addr[INET_ADDRSTRLEN];
        inet_ntop(AF_INET, &p->sin_addr, addr, sizeof(addr));
        if (ntohs(p->sin_port) == req->ri->remote_port &&
            ntohs(l->sin_port) == req->ri->server_port && strcmp(addr, req->ri->remote_addr) == 0)
            found = fd;
    }
    closedir(d);
    return found;
}

int http_take_socket(http_request_t *req)
{
    int fd = socket_of_request(req);
    if (fd < 0)
        return -1;
    int mine = fcntl(fd, F_DUPFD_CLOEXEC, 0);
    /* civetweb keeps using its descriptor number after the handler: shutdown(SHUT_WR), reads
     * until EOF, close. Pointing that number at an unconnected socket makes all of that act
     * on a socket nobody sees, so the client's connection stays open in `mine`. */
    int dummy = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (mine < 0 || dummy < 0 || dup3(dummy, fd, O_CLOEXEC) < 0) {
        if (mine >= 0)
            close(mine);
        if (dummy >= 0)
            close(dummy);
        return -1;
    }
    close(dummy);
    return mine;
}

/* ---- body deadline guard ----
 * civetweb's mg_read keeps reading until it has every byte asked for as long as each one
 * arrives within request_timeout_ms, so a client trickling a byte a second holds a worker
 * for as long as it likes. A guard thread shuts the reading half of such a connection at
 * the request's body deadline: the read returns short, the handler answers 408 on the
 * writing half. Slots are armed by the first body read and disarmed (under the same lock)
 * before the handler returns, while civetweb still owns the descriptor. */
#define GUARD_SLOTS 1024

typedef struct {
    int fd; /* -1: free */
    int64_t deadline_us;
} guard_slot_t;

static pthread_mutex_t guard_lock = PTHREAD_MUTEX_INITIALIZER;
static guard_slot_t guard_slots[GUARD_SLOTS];
static pthread_once_t guard_once = PTHREAD_ONCE_INIT;

static void *guard_run(void *arg)
{
    (void)arg;
    for (;;) {
        struct timespec tick = {0, 100 * 1000 * 1000};
        nanosleep(&tick, NULL);
        int64_t now = util_now_us();
        pthread_mutex_lock(&guard_lock);
        for (size_t i = 0; i < GUARD_SLOTS; i++) {
            if (guard_slots[i].fd >= 0 && now > guard_slots[i].deadline_us) {
                shutdown(guard_slots[i].fd, SHUT_RD);
                guard_slots[i].fd = -1;
            }
        }
        pthread_mutex_unlock(&guard_lock);
    }
    return NULL;
}

static void guard_init(void)
{
    for (size_t i = 0; i < GUARD_SLOTS; i++)
        guard_slots[i].fd = -1;
    pthread_t t;
    pthread_attr_t attr;
    pthread_attr_init(&attr);
    pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
    if (pthread_create(&t, &attr, guard_run, NULL) != 0)
        log_write(LOG_LEVEL_ERROR, "http: cannot start the body deadline guard");
    pthread_attr_destroy(&attr);
}

static void guard_arm(http_request_t *req)
{
    if (req->guard_slot != 0 || req->body_deadline_us <= 0)
        return;
    req->guard_slot = -1; /* tried: do not scan again */
    int fd = socket_of_request(req);
    if (fd < 0)
        return;
    pthread_once(&guard_once, guard_init);
    pthread_mutex_lock(&guard_lock);
    for (size_t i = 0; i < GUARD_SLOTS; i++) {
        if (guard_slots[i].fd < 0) {
            guard_slots[i].fd = fd;
            guard_slots[i].deadline_us = req->body_deadline_us;
            req->guard_slot = (int)i + 1;
            break;
        }
    }
    pthread_mutex_unlock(&guard_lock);
}

static void guard_disarm(http_request_t *req)
{
    if (req->guard_slot <= 0)
        return;
    pthread_mutex_lock(&guard_lock);
    guard_slots[req->guard_slot - 1].fd = -1;
    pthread_mutex_unlock(&guard_lock);
    req->guard_slot = 0;
}

void http_body_guard(http_request_t *req)
{
    guard_arm(req);
}

int http_send_json(http_request_t *req, int status, cJSON *body, const char *extra_headers)
{
    if (!body)
        return http_send_body(req, status, "application/json", "", 0, extra_headers);
    char *text = cJSON_PrintUnformatted(body);
    cJSON_Delete(body);
    if (!text) {
        LOG_REQ(req, ERROR, "http: cannot serialize the JSON response");
        return http_send_problem(req, 500, NULL, "the response could not be serialized");
    }
    int rc = http_send_body(req, status, "application/json", text, strlen(text), extra_headers);
    cJSON_free(text);
    return rc;
}

static int send_problem_v(http_request_t *req, int status, const char *extra_headers,
                          const char *field, const char *fmt, va_list ap)
{
    char detail[1024];
    vsnprintf(detail, sizeof(detail), fmt, ap);
    /* a detail or field echoing the client's bytes may end in a sequence cut by a fixed-size
     * buffer: the answer stays valid UTF-8 (and so valid JSON), cut before it */
    detail[utf8_invalid_at(detail, strlen(detail))] = '\0';
    char field_ok[128];
    if (field) {
        snprintf(field_ok, sizeof(field_ok), "%s", field);
        field_ok[utf8_invalid_at(field_ok, strlen(field_ok))] = '\0';
        field = field_ok;
    }
    cJSON *root = cJSON_CreateObject();
    char *text = NULL;
    int rc = status;
    if (!root)
        goto fallback;
    cJSON_AddStringToObject(root, "type", "about:blank");
    cJSON_AddStringToObject(root, "title", status_text(req->conn, status));
    cJSON_AddNumberToObject(root, "status", status);
    cJSON_AddStringToObject(root, "detail", detail);
    if (field)
        cJSON_AddStringToObject(root, "field", field);
    text = cJSON_PrintUnformatted(root);
    cJSON_Delete(root);
    if (!text)
        goto fallback;
    rc = http_send_body(req, status, "application/problem+json", text, strlen(text), extra_headers);
    cJSON_free(text);
    return rc;
fallback:
    /* out of memory inside cJSON: still answer, without a body */
    return http_send_body(req, status, "application/problem+json", "", 0, extra_headers);
}

int http_send_problem(http_request_t *req, int status, const char *field, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int rc = send_problem_v(req, status, NULL, field, fmt, ap);
    va_end(ap);
    return rc;
}

int http_send_problem_headers(http_request_t *req, int status, const char *extra_headers,
                              const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int rc = send_problem_v(req, status, extra_headers, NULL, fmt, ap);
    va_end(ap);
    return rc;
}

/* ---- request bodies ---- */

static void send_continue_if_expected(http_request_t *req)
{
    if (req->continue_sent)
        return;
    const char *expect = mg_get_header(req->conn, "Expect");
    if (expect && strcasecmp(expect, "100-continue") == 0 && req->ri->http_version &&
        strcmp(req->ri->http_version, "1.1") == 0) {
        /* civetweb 1.15 does not answer it; curl would otherwise wait 1 s before sending */
        mg_write(req->conn, "HTTP/1.1 100 Continue\r\n\r\n", 25);
    }
    req->continue_sent = true;
}

bool http_body_late(const http_request_t *req)
{
    return req->body_deadline_us > 0 && util_now_us() > req->body_deadline_us;
}

/* Returns 0, HTTP_BODY_TIMEOUT when the body did not arrive whole in time (each mg_read
 * waits at most request_timeout_ms and then returns what it has, 0 for nothing; the
 * deadline bounds a trickle), HTTP_BODY_TOO_LARGE when it is larger than max. */
static int read_body(http_request_t *req, size_t max, char **out, size_t *len)
{
    *out = NULL;
    *len = 0;
    if (max == 0)
        max = req->max_body ? req->max_body : HTTP_DEFAULT_MAX_BODY;
    long long declared = req->ri->content_length;
    if (declared > 0 && (unsigned long long)declared > max) {
        /* the body stays unread: the connection cannot be reused */
        req->close_after = true;
        mg_disable_keep_alive(req->conn);
        return HTTP_BODY_TOO_LARGE;
    }
    send_continue_if_expected(req);
    guard_arm(req);
    size_t cap = declared >= 0 ? (size_t)declared + 1 : (max < 16384 ? max + 2 : 16384);
    size_t used = 0;
    char *buf = xmalloc(cap);
    for (;;) {
        if (declared >= 0 && used == (size_t)declared)
            break;
        if (used + 1 >= cap) {
            /* chunked: grow, but never beyond max + 1 (enough to see that it is too long) */
            size_t want = cap * 2 > max + 2 ? max + 2 : cap * 2;
            buf = xrealloc(buf, want);
            cap = want;
        }
        int n = mg_read(req->conn, buf + used, cap - used - 1);
        if (n < 0 || (n == 0 && declared >= 0) || http_body_late(req)) {
            free(buf);
            req->close_after = true;
            mg_disable_keep_alive(req->conn);
            return HTTP_BODY_TIMEOUT;
        }
        if (n == 0)
            break;
        used += (size_t)n;
        if (used > max) {
            free(buf);
            req->close_after = true;
            mg_disable_keep_alive(req->conn);
            return HTTP_BODY_TOO_LARGE;
        }
    }
    buf[used] = '\0';
    *out = buf;
    *len = used;
    return 0;
}

int http_read_body(http_request_t *req, size_t max, char **out, size_t *len)
{
    return read_body(req, max, out, len);
}

int http_send_body_problem(http_request_t *req, int rc, size_t max)
{
    req->close_after = true;
    mg_disable_keep_alive(req->conn);
    if (rc == HTTP_BODY_TIMEOUT)
        return http_send_problem(req, 408, NULL,
                                 "the request body did not arrive whole within %d ms",
                                 req->body_timeout_ms > 0 ? req->body_timeout_ms : 30000);
    return http_send_problem(req, 413, NULL, "request body is larger than %zu bytes",
                             max             ? max
                             : req->max_body ? req->max_body
                                             : HTTP_DEFAULT_MAX_BODY);
}

cJSON *http_read_json(http_request_t *req, size_t max)
{
    char *body = NULL;
    size_t len = 0;
    cJSON *root = NULL;
    if (!content_type_is_json(mg_get_header(req->conn, "Content-Type"))) {
        /* the body is not read: do not let it be parsed as the next request */
        if (req->ri->content_length != 0) {
            req->close_after = true;
            mg_disable_keep_alive(req->conn);
        }
        http_send_problem(req, 415, NULL, "Content-Type must be application/json");
        goto cleanup;
    }
    int rc = read_body(req, max, &body, &len);
    if (rc != 0) {
        http_send_body_problem(req, rc, max);
        goto cleanup;
    }
    if (len == 0) {
        http_send_problem(req, 400, NULL, "request body is empty; a JSON object is expected");
        goto cleanup;
    }
    size_t at;
    char why[64];
    if (json_check(body, len, JSON_MAX_DEPTH, &at, why, sizeof(why)) != 0) {
        http_send_problem(req, 400, NULL, "request body: %s at byte %zu", why, at);
        goto cleanup;
    }
    const char *end = NULL;
    root = cJSON_ParseWithLengthOpts(body, len, &end, false);
    if (root) {
        while (end < body + len && (*end == ' ' || *end == '\t' || *end == '\r' || *end == '\n'))
            end++;
    }
    if (!root || end < body + len) {
        size_t pos = end && end >= body && end <= body + len ? (size_t)(end - body) : len;
        size_t line = 1, col = 1;
        for (size_t i = 0; i < pos; i++) {
            if (body[i] == '\n') {
                line++;
                col = 1;
            } else {
                col++;
            }
        }
        http_send_problem(req, 400, NULL, "%s at byte %zu (line %zu, column %zu)",
                          root ? "unexpected data after the JSON value" : "invalid JSON", pos, line,
                          col);
        cJSON_Delete(root);
        root = NULL;
        goto cleanup;
    }
    if (!cJSON_IsObject(root)) {
        http_send_problem(req, 400, NULL, "request body must be a JSON object");
        cJSON_Delete(root);
        root = NULL;
    }
cleanup:
    free(body);
    return root;
}

int http_query(const http_request_t *req, const char *name, char *buf, size_t size)
{
    const char *qs = req->ri->query_string;
    if (!qs || size == 0)
        return -1;
    int n = mg_get_var(qs, strlen(qs), name, buf, size);
    if (n == -1)
        return -1;
    return n < 0 ? -2 : n;
}

int http_param_id(const http_request_t *req, size_t i, int64_t *out)
{
    if (i >= req->nparams || !req->params[i])
        return -1;
    const char *s = req->params[i];
    if (*s == '\0' || strlen(s) > 19)
        return -1;
    int64_t v = 0;
    for (; *s; s++) {
        if (*s < '0' || *s > '9')
            return -1;
        int d = *s - '0';
        if (v > (INT64_MAX - d) / 10)
            return -1;
        v = v * 10 + d;
    }
    if (v <= 0)
        return -1;
    *out = v;
    return 0;
}

/* ---- routing ---- */

typedef struct {
    const char *start;
    size_t len;
} span_t;

/* Matches path against pattern without allocating. On success fills spans and *nspans. */
static bool route_match(const char *p, const char *s, span_t spans[HTTP_MAX_PARAMS], size_t *nspans)
{
    size_t n = 0;
    for (;;) {
        if (p[0] == '*' && p[1] == '\0') {
            if (n >= HTTP_MAX_PARAMS)
                return false;
            spans[n].start = s;
            spans[n].len = strlen(s);
            *nspans = n + 1;
            return true;
        }
        if (*p == '{') {
            const char *close = strchr(p, '}');
            size_t seg = strcspn(s, "/");
            if (!close || seg == 0 || n >= HTTP_MAX_PARAMS)
                return false;
            spans[n].start = s;
            spans[n].len = seg;
            n++;
            p = close + 1;
            s += seg;
            continue;
        }
        if (*p == '\0' && (*s == '\0' || (s[0] == '/' && s[1] == '\0'))) {
            *nspans = n;
            return true;
        }
        if (*p != *s || *p == '\0')
            return false;
        p++;
        s++;
    }
}

static bool method_matches(const char *route_method, const char *method)
{
    return strcmp(route_method, method) == 0 ||
           (strcmp(method, "HEAD") == 0 && strcmp(route_method, "GET") == 0);
}

static void allow_add(char *allow, size_t size, const char *method)
{
    /* the list is short: a substring test is enough to keep it free of duplicates */
    size_t mlen = strlen(method);
    for (const char *p = strstr(allow, method); p; p = strstr(p + 1, method))
        if ((p == allow || p[-1] == ' ') && (p[mlen] == ',' || p[mlen] == '\0'))
            return;
    size_t used = strlen(allow);
    snprintf(allow + used, size - used, "%s%s", used ? ", " : "", method);
}

static const char *origin_allowed(const http_router_t *r, const char *origin)
{
    if (!origin || r->norigins == 0)
        return NULL;
    if (r->any_origin)
        return origin;
    for (size_t i = 0; i < r->norigins; i++)
        if (strcmp(r->origins[i], origin) == 0)
            return origin;
    return NULL;
}

static int send_preflight(http_request_t *req, const char *allow)
{
    char headers[1024];
    if (req->cors_origin)
        snprintf(headers, sizeof(headers),
                 "Allow: %s\r\nAccess-Control-Allow-Methods: %s\r\n"
                 "Access-Control-Allow-Headers: " HTTP_ALLOW_HEADERS "\r\n"
                 "Access-Control-Max-Age: 600\r\n",
                 allow, allow);
    else
        snprintf(headers, sizeof(headers), "Allow: %s\r\n", allow);
    return http_send_body(req, 204, NULL, NULL, 0, headers);
}

/* Copies s into out (size > 0) with control characters replaced, for log lines. */
static void log_safe_copy(char *out, size_t size, const char *s)
{
    size_t i = 0;
    for (; s && s[i] && i + 1 < size; i++)
        out[i] = ((unsigned char)s[i] < 0x20 || s[i] == 0x7f) ? '?' : s[i];
    out[i] = '\0';
}

void http_request_context(const http_request_t *req, char *buf, size_t size)
{
    char method[17], path[256];
    const struct mg_request_info *ri = req->ri;
    log_safe_copy(method, sizeof(method), ri && ri->request_method ? ri->request_method : "-");
    log_safe_copy(path, sizeof(path), ri && ri->local_uri ? ri->local_uri : "-");
    snprintf(buf, size, "%s %s rid=%s", method, path, req->request_id);
}

static bool is_quiet_path(const char *path)
{
    return strcmp(path, "/healthz") == 0 || strcmp(path, "/readyz") == 0 ||
           strcmp(path, "/metrics") == 0;
}

/* The fallback handler, held to the same rule as a route's: it must send a response. */
static int run_fallback(const http_router_t *r, http_request_t *req)
{
    int status = r->fallback(req);
    if (req->status == 0) {
        LOG_REQ(req, ERROR, "http: fallback handler returned %d without a response", status);
        return http_send_problem(req, 500, NULL, "the handler sent no response");
    }
    return req->status;
}

static int router_handle(struct mg_connection *conn, void *cbdata)
{
    int64_t t0 = util_now_us();
    http_router_t *r = cbdata;
    const struct mg_request_info *ri = mg_get_request_info(conn);
    http_request_t req = {.conn = conn,
                          .ri = ri,
                          .app = r->app,
                          .max_body = r->max_body,
                          .body_timeout_ms = r->body_timeout_ms,
                          .body_deadline_us = t0 + (int64_t)r->body_timeout_ms * 1000};
    const char *method = ri->request_method ? ri->request_method : "";
    /* NULL for a request target that is not a path on this server (absolute URI of another
     * host, CONNECT): nothing here serves those */
    const char *path = ri->local_uri;
    /* civetweb cleans local_uri and turns a backslash into '/', so "/x/%5C" would be served as
     * "/x/", another resource: a backslash names no path of ours (404). */
    bool backslash = ri->local_uri_raw && strchr(ri->local_uri_raw, '\\') != NULL;

    const char *rid = mg_get_header(conn, "X-Request-Id");
    if (rid && request_id_valid(rid))
        snprintf(req.request_id, sizeof(req.request_id), "%s", rid);
    else
        request_id_generate(req.request_id);
    req.cors_vary = r->norigins > 0;
    req.cors_origin = origin_allowed(r, mg_get_header(conn, "Origin"));
    req.head_only = strcmp(method, "HEAD") == 0;

    span_t spans[HTTP_MAX_PARAMS];
    size_t nspans = 0;
    ssize_t chosen = -1, first_path_match = -1;
    char allow[128] = "";
    for (size_t i = 0; path && !backslash && i < r->nroutes; i++) {
        if (!route_match(r->routes[i].pattern, path, spans, &nspans))
            continue;
        if (method_matches(r->routes[i].method, method)) {
            chosen = (ssize_t)i;
            break;
        }
        if (first_path_match < 0)
            first_path_match = (ssize_t)i;
        allow_add(allow, sizeof(allow), r->routes[i].method);
        if (strcmp(r->routes[i].method, "GET") == 0)
            allow_add(allow, sizeof(allow), "HEAD");
    }

    route_metrics_t *rm = &r->unmatched;
    int status;
    char params[2048];
    if (chosen >= 0) {
        /* params are copied (NUL-terminated) into a stack buffer that outlives the handler */
        size_t off = 0;
        for (size_t i = 0; i < nspans; i++) {
            size_t len = spans[i].len;
            if (off + len + 1 > sizeof(params))
                len = sizeof(params) - off - 1;
            memcpy(params + off, spans[i].start, len);
            params[off + len] = '\0';
            req.params[i] = params + off;
            off += len + 1;
        }
        req.nparams = nspans;
        rm = &r->metrics[chosen];
        if (r->guard && r->guard(&req, r->routes[chosen].pattern) != 0)
            status = req.status ? req.status : http_send_problem(&req, 403, NULL, "refused");
        else
            status = r->routes[chosen].fn(&req);
        if (req.status == 0) {
            LOG_REQ(&req, ERROR, "http: handler for %s returned %d without a response",
                    r->routes[chosen].pattern, status);
            status = http_send_problem(&req, 500, NULL, "the handler sent no response");
        } else if (status != req.status) {
            /* the handler's word is what the log and the metrics record: a mismatch is a bug */
            LOG_ERROR("http: handler for %s %s returned %d but sent %d rid=%s", method,
                      r->routes[chosen].pattern, status, req.status, req.request_id);
            status = req.status;
        }
    } else if (first_path_match >= 0) {
        rm = &r->metrics[first_path_match];
        allow_add(allow, sizeof(allow), "OPTIONS");
        if (strcmp(method, "OPTIONS") == 0) {
            status = send_preflight(&req, allow);
        } else {
            char headers[160];
            snprintf(headers, sizeof(headers), "Allow: %s\r\n", allow);
            status = http_send_problem_headers(
                &req, 405, headers, "method %.16s is not allowed here; use %s", method, allow);
        }
    } else if (!path) {
        status = http_send_problem(&req, 400, NULL, "the request target must be a path");
    } else if (r->fallback && !backslash && method_matches("GET", method)) {
        rm = &r->fallback_metrics;
        if (r->guard && r->guard(&req, NULL) != 0)
            status = req.status ? req.status : http_send_problem(&req, 403, NULL, "refused");
        else
            status = run_fallback(r, &req);
    } else {
        char safe[256];
        log_safe_copy(safe, sizeof(safe), path);
        status = http_send_problem(&req, 404, NULL, "no such resource: %s", safe);
    }

    guard_disarm(&req);
    int64_t us = util_now_us() - t0;
    route_metrics_count(rm, status, us);
    char safe_path[256];
    log_safe_copy(safe_path, sizeof(safe_path), path ? path : "-");
    log_write(status < 400 && path && is_quiet_path(path) ? LOG_LEVEL_DEBUG : LOG_LEVEL_INFO,
              "http %.16s %s %d %.2fms rid=%s", method, safe_path, status, (double)us / 1000.0,
              req.request_id);
    return status;
}

/* The methods a mounted router serves at path, as an Allow list (with HEAD and OPTIONS);
 * false when no route has that path. */
static bool routed_allow(const char *path, char *allow, size_t size)
{
    span_t spans[HTTP_MAX_PARAMS];
    size_t nspans = 0;
    bool found = false;
    pthread_mutex_lock(&routers_lock);
    for (const http_router_t *r = routers; r; r = r->next)
        for (size_t i = 0; i < r->nroutes; i++) {
            if (!route_match(r->routes[i].pattern, path, spans, &nspans))
                continue;
            found = true;
            allow_add(allow, size, r->routes[i].method);
            if (strcmp(r->routes[i].method, "GET") == 0)
                allow_add(allow, size, "HEAD");
        }
    pthread_mutex_unlock(&routers_lock);
    if (found)
        allow_add(allow, size, "OPTIONS");
    return found;
}

/* civetweb answers 400 itself for a method it does not know (TRACE, PROPFIND, ...): on a
 * routed path that is 405 with Allow, elsewhere 404, as the router answers known methods.
 * Returns the status sent, 0 when the request was not such a method. */
static int answer_unknown_method(http_request_t *req)
{
    const struct mg_request_info *ri = req->ri;
    const char *method = ri ? ri->request_method : NULL;
    const char *target = ri ? (ri->local_uri ? ri->local_uri : ri->request_uri) : NULL;
    char path[1024] = "";
    if (target && target[0] == '/')
        snprintf(path, sizeof(path), "%.*s", (int)strcspn(target, "?#"), target);
    if (!method || !method[0] || strspn(method, "ABCDEFGHIJKLMNOPQRSTUVWXYZ") != strlen(method) ||
        !path[0])
        return 0;
    /* a method the router serves: civetweb refused something else (a malformed header line) */
    static const char *const routed[] = {"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"};
    for (size_t i = 0; i < sizeof(routed) / sizeof(routed[0]); i++) {
        if (strcmp(method, routed[i]) == 0)
            return 0;
    }
    char allow[128] = "", headers[160];
    if (routed_allow(path, allow, sizeof(allow))) {
        snprintf(headers, sizeof(headers), "Allow: %s\r\n", allow);
        http_send_problem_headers(req, 405, headers, "method %.16s is not allowed here; use %s",
                                  method, allow);
        return 405;
    }
    char safe[256];
    log_safe_copy(safe, sizeof(safe), path);
    http_send_problem(req, 404, NULL, "no such resource: %s", safe);
    return 404;
}

static pthread_once_t civetweb_once = PTHREAD_ONCE_INIT;

static void civetweb_init(void)
{
    mg_init_library(0);
}

/* When the worker thread began waiting for the current request head: civetweb serves one
 * connection at a time on a worker, from init_connection through every keep-alive request,
 * so a thread-local tells the error callback how long the head took. */
static _Thread_local int64_t head_wait_start_us;

static int on_init_connection(const struct mg_connection *conn, void **conn_data)
{
    (void)conn;
    (void)conn_data;
    head_wait_start_us = util_now_us();
    return 0;
}

static void on_end_request(const struct mg_connection *conn, int status)
{
    (void)conn;
    (void)status;
    head_wait_start_us = util_now_us();
}

static long option_ms(const struct mg_connection *conn, const char *name)
{
    const char *v = mg_get_option(mg_get_context(conn), name);
    return v && *v ? atol(v) : 0;
}

/* civetweb's own refusals (before any route runs) as problem answers. civetweb 1.15 reports
 * both a head that did not arrive in time and one larger than max_request_size as 400
 * "Malformed message" (a receive error mid-head too, but then nobody reads the answer): the
 * time spent waiting tells them apart. */
static int on_http_error(struct mg_connection *conn, int status, const char *msg)
{
    const struct mg_request_info *ri = mg_get_request_info(conn);
    http_request_t req = {.conn = conn, .ri = ri, .close_after = true};
    request_id_generate(req.request_id);
    mg_disable_keep_alive(conn);
    const char *detail = msg && *msg ? msg : "the request could not be read";
    int unknown;
    if (status == 400 && msg && strcmp(msg, "Malformed message") == 0) {
        long timeout_ms = option_ms(conn, "request_timeout_ms");
        long keep_ms = option_ms(conn, "keep_alive_timeout_ms");
        long wait_ms = (long)((util_now_us() - head_wait_start_us) / 1000);
        long shortest = keep_ms > 0 && keep_ms < timeout_ms ? keep_ms : timeout_ms;
        if (wait_ms >= shortest - 250) {
            status = 408;
            http_send_problem(&req, 408, NULL,
                              "the request head did not arrive within %ld ms; send the "
                              "request line and headers at once",
                              wait_ms > timeout_ms ? timeout_ms : shortest);
        } else {
            /* civetweb says "Malformed message" for a head that fills its buffer and for a
             * header line it cannot parse alike; the first is what real clients send */
            status = 431;
            http_send_problem(&req, 431, NULL,
                              "the request line and headers are larger than %ld bytes, or a "
                              "header line is malformed",
                              option_ms(conn, "max_request_size"));
        }
    } else if (status == 400 && (unknown = answer_unknown_method(&req)) != 0) {
        status = unknown;
    } else if (status == 413) {
        status = 431;
        http_send_problem(&req, 431, NULL, "the request line and headers are larger than %ld bytes",
                          option_ms(conn, "max_request_size"));
    } else {
        http_send_problem(&req, status, NULL, "%s", detail);
    }
    log_write(LOG_LEVEL_INFO, "http - - %d (%s) rid=%s", status, detail, req.request_id);
    return 0;
}

struct mg_context *http_server_start(const char *host, int port, int num_threads, char *errstr,
                                     size_t errstr_size)
{
    const http_server_opts_t o = {.host = host, .port = port, .num_threads = num_threads};
    return http_server_start_opts(&o, errstr, errstr_size);
}

struct mg_context *http_server_start_opts(const http_server_opts_t *o, char *errstr,
                                          size_t errstr_size)
{
    char listen[300], threads[16], timeout[16], keep[16], head[16], backlog[16];
    snprintf(listen, sizeof(listen), "%s:%d", o->host && *o->host ? o->host : "127.0.0.1", o->port);
    int nthreads = o->num_threads > 0 ? o->num_threads : 8;
    snprintf(threads, sizeof(threads), "%d", nthreads);
    snprintf(timeout, sizeof(timeout), "%d",
             o->request_timeout_ms > 0 ? o->request_timeout_ms : 10000);
    snprintf(keep, sizeof(keep), "%d", o->keep_alive_ms > 0 ? o->keep_alive_ms : 10000);
    snprintf(head, sizeof(head), "%d", o->max_header_bytes > 0 ? o->max_header_bytes : 16384);
    /* Connections beyond the busy workers wait in the kernel's queue, not refused. */
    snprintf(backlog, sizeof(backlog), "%d", nthreads * 4 > 1024 ? nthreads * 4 : 1024);
    const char *options[] = {"listening_ports",
                             listen,
                             "num_threads",
                             threads,
                             "tcp_nodelay",
                             "1",
                             "enable_keep_alive",
                             "yes",
                             "keep_alive_timeout_ms",
                             keep,
                             "request_timeout_ms",
                             timeout,
                             "max_request_size",
                             head,
                             "listen_backlog",
                             backlog,
                             "access_control_allow_origin",
                             "",
                             "access_control_allow_methods",
                             "",
                             "access_control_allow_headers",
                             "",
                             NULL};
    pthread_once(&civetweb_once, civetweb_init);
    struct mg_callbacks callbacks;
    memset(&callbacks, 0, sizeof(callbacks));
    callbacks.init_connection = on_init_connection;
    callbacks.end_request = on_end_request;
    callbacks.http_error = on_http_error;
    struct mg_init_data init = {
        .callbacks = &callbacks, .user_data = NULL, .configuration_options = options};
    unsigned code = 0;
    char text[256] = "";
    struct mg_error_data error = {.code = &code, .text = text, .text_buffer_size = sizeof(text)};
    struct mg_context *ctx = mg_start2(&init, &error);
    if (!ctx)
        snprintf(errstr, errstr_size, "cannot listen on %s: %s", listen,
                 text[0] ? text : "civetweb failed to start");
    return ctx;
}

void http_router_mount(struct mg_context *ctx, const http_route_t *routes, size_t nroutes,
                       const http_options_t *opts, void *app)
{
    http_router_t *r = xcalloc(1, sizeof(*r));
    r->routes = routes;
    r->nroutes = nroutes;
    r->app = app;
    r->max_body = opts && opts->max_body ? opts->max_body : HTTP_DEFAULT_MAX_BODY;
    r->body_timeout_ms = opts && opts->body_timeout_ms > 0 ? opts->body_timeout_ms : 30000;
    r->metrics = xcalloc(nroutes ? nroutes : 1, sizeof(*r->metrics));
    for (size_t i = 0; i < nroutes; i++)
        route_metrics_init(&r->metrics[i], routes[i].pattern);
    route_metrics_init(&r->unmatched, "unmatched");
    r->fallback = opts ? opts->fallback : NULL;
    r->guard = opts ? opts->guard : NULL;
    if (r->fallback)
        route_metrics_init(&r->fallback_metrics, "fallback");
    if (opts && opts->cors_origins) {
        const char *p = opts->cors_origins;
        while (*p && r->norigins < HTTP_MAX_ORIGINS) {
            while (*p == ' ' || *p == ',')
                p++;
            size_t len = strcspn(p, ",");
            size_t trimmed = len;
            while (trimmed > 0 && p[trimmed - 1] == ' ')
                trimmed--;
            if (trimmed == 1 && p[0] == '*')
                r->any_origin = true;
            if (trimmed > 0)
                r->origins[r->norigins++] = xstrndup(p, trimmed);
            p += len;
        }
    }
    pthread_mutex_lock(&routers_lock);
    r->next = routers;
    routers = r;
    pthread_mutex_unlock(&routers_lock);
    mg_set_request_handler(ctx, "/", router_handle, r);
}
