/* Service lifecycle shared by the four binaries: signals, the stop flag, and the small
 * health/metrics HTTP server the workers expose (/healthz, /readyz, /metrics). */
#ifndef COMMON_SERVICE_H
#define COMMON_SERVICE_H

#include <signal.h>
#include <stdbool.h>
#include <stddef.h>

/* Set to 1 by the first SIGINT/SIGTERM; a second one exits the process at once (status 1). */
extern volatile sig_atomic_t service_stop;

/* Blocks SIGINT, SIGTERM and SIGPIPE in the calling thread (so in every thread started after
 * it) and starts one thread that sigwait()s for them and sets service_stop. Call in main()
 * before starting civetweb or librdkafka. Returns 0 or -1. */
int service_signals_init(void) __attribute__((warn_unused_result));

/* One readiness probe: fills detail (e.g. "postgres: ok") and returns true when ready. */
typedef bool (*service_probe_fn)(void *ctx, char *detail, size_t detail_size);

typedef struct {
    const char *name; /* "postgres", "kafka", "chromedriver" */
    service_probe_fn fn;
    void *ctx;
} service_probe_t;

typedef struct service_http service_http_t;

/* Starts a civetweb server on host:port serving
 *   GET /healthz -> 200 {"status":"ok","service":...}       (the process is alive)
 *   GET /readyz  -> 200/503 {"status":"ready"|"not_ready","checks":{name:{"ok":bool,"detail":...}}}
 *   GET /metrics -> Prometheus text from metrics_render()
 * probes are copied; their ctx must outlive the server. Returns NULL with errstr on failure.
 * Used by the workers; the api mounts the same three handlers in its own server. */
service_http_t *service_http_start(const char *service, const char *host, int port,
                                   const service_probe_t *probes, size_t nprobes, char *errstr,
                                   size_t errstr_size);

/* Stops the server. Accepts NULL. */
void service_http_stop(service_http_t *sh);

/* Writes the readiness JSON of the probes into a new string (caller frees) and returns it;
 * *ready is set to whether all probes passed. Shared by service_http and the api. */
char *service_readiness_json(const char *service, const service_probe_t *probes, size_t nprobes,
                             bool *ready);

#endif
