/* Service lifecycle shared by the four binaries: signals, the stop flag, and the small
 * health/metrics HTTP server the workers expose (/healthz, /readyz, /metrics). */
#ifndef COMMON_SERVICE_H
#define COMMON_SERVICE_H

#include <signal.h>
#include <stdbool.h>
#include <stddef.h>

#include "common/http.h"

/* Set to 1 by the first SIGINT/SIGTERM; a second one exits the process at once (status 1). */
extern volatile sig_atomic_t service_stop;

/* Blocks SIGINT, SIGTERM and SIGPIPE in the calling thread (so in every thread started after
 * it) and starts one thread that sigwait()s for SIGINT/SIGTERM and sets service_stop (logging
 * "received SIGTERM: stopping"); a second one logs and calls _exit(1). SIGPIPE stays blocked
 * so a closed socket gives EPIPE instead of killing the process. Call in main() before
 * starting civetweb or librdkafka; a second call does nothing. Returns 0 or -1. */
int service_signals_init(void) __attribute__((warn_unused_result));

/* One readiness probe: fills detail (e.g. "postgres: ok") and returns true when ready. */
typedef bool (*service_probe_fn)(void *ctx, char *detail, size_t detail_size);

typedef struct {
    const char *name; /* "postgres", "kafka", "chromedriver" */
    service_probe_fn fn;
    void *ctx;
} service_probe_t;

typedef struct service_http service_http_t;

/* Starts a civetweb server (http_server_start, 4 threads, the http router: request logs at
 * DEBUG for these paths, metrics) on host:port (0: a free port, see service_http_port)
 * serving
 *   GET /healthz -> 200 {"status":"ok","service":...}       (the process is alive)
 *   GET /readyz  -> 200/503 {"status":"ready"|"not_ready","checks":{name:{"ok":bool,"detail":...}}}
 *   GET /metrics -> Prometheus text from metrics_render()
 * probes are copied; their ctx must outlive the server. Returns NULL with errstr on failure.
 * Used by the workers; the api mounts the same three handlers in its own server. */
service_http_t *service_http_start(const char *service, const char *host, int port,
                                   const service_probe_t *probes, size_t nprobes, char *errstr,
                                   size_t errstr_size);

/* The port the server listens on (useful after port 0). */
int service_http_port(const service_http_t *sh);

/* Stops the server. Accepts NULL. */
void service_http_stop(service_http_t *sh);

/* The three handlers for a server that mounts its own route table (the api): each sends
 * the whole response and returns its status. /readyz runs the probes in order, on the
 * calling thread. The metrics body is "text/plain; version=0.0.4". Thread-safe. */
int service_send_healthz(http_request_t *req, const char *service);
int service_send_readyz(http_request_t *req, const char *service, const service_probe_t *probes,
                        size_t nprobes);
int service_send_metrics(http_request_t *req);

/* Writes the readiness JSON of the probes into a new string (caller frees) and returns it;
 * *ready is set to whether all probes passed. Shared by service_http and the api. */
char *service_readiness_json(const char *service, const service_probe_t *probes, size_t nprobes,
                             bool *ready);

#endif
