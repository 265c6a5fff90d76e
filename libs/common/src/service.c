/* Service lifecycle (see service.h): a sigwait() thread owns SIGINT/SIGTERM, and a small
 * civetweb server answers /healthz, /readyz and /metrics for the workers. */
#include "common/service.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/log.h"
#include "common/metrics.h"
#include "common/xmalloc.h"

volatile sig_atomic_t service_stop = 0;

static sigset_t stop_signals;

static void *signal_thread(void *arg)
{
    (void)arg;
    for (;;) {
        int sig = 0;
        if (sigwait(&stop_signals, &sig) != 0)
            continue;
        const char *name = sig == SIGINT ? "SIGINT" : sig == SIGTERM ? "SIGTERM" : "signal";
        if (service_stop) {
            /* the operator insists: do not wait for a shutdown that may be stuck */
            LOG_ERROR("received %s while stopping: exiting now", name);
            _exit(1);
        }
        service_stop = 1;
        LOG_INFO("received %s: stopping", name);
    }
    return NULL;
}

int service_signals_init(void)
{
    static bool started;
    if (started)
        return 0;
    sigset_t blocked;
    sigemptyset(&blocked);
    sigaddset(&blocked, SIGINT);
    sigaddset(&blocked, SIGTERM);
    sigaddset(&blocked, SIGPIPE);
    if (pthread_sigmask(SIG_BLOCK, &blocked, NULL) != 0)
        return -1;
    sigemptyset(&stop_signals);
    sigaddset(&stop_signals, SIGINT);
    sigaddset(&stop_signals, SIGTERM);
    pthread_attr_t attr;
    pthread_t tid;
    pthread_attr_init(&attr);
    pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
    int rc = pthread_create(&tid, &attr, signal_thread, NULL);
    pthread_attr_destroy(&attr);
    if (rc != 0)
        return -1;
    started = true;
    return 0;
}

char *service_readiness_json(const char *service, const service_probe_t *probes, size_t nprobes,
                             bool *ready)
{
    bool all_ok = true;
    cJSON *root = cJSON_CreateObject();
    cJSON *checks = cJSON_CreateObject();
    for (size_t i = 0; i < nprobes; i++) {
        char detail[256] = "";
        bool ok = probes[i].fn(probes[i].ctx, detail, sizeof(detail));
        all_ok = all_ok && ok;
        cJSON *check = cJSON_CreateObject();
        cJSON_AddBoolToObject(check, "ok", ok);
        cJSON_AddStringToObject(check, "detail", detail);
        cJSON_AddItemToObject(checks, probes[i].name, check);
    }
    cJSON_AddStringToObject(root, "status", all_ok ? "ready" : "not_ready");
    cJSON_AddStringToObject(root, "service", service ? service : "");
    cJSON_AddItemToObject(root, "checks", checks);
    char *text = cJSON_PrintUnformatted(root);
    cJSON_Delete(root);
    if (!text)
        abort(); /* cJSON only fails on out-of-memory, which xmalloc treats the same way */
    /* hand back malloc'd memory: callers free() it */
    char *out = xstrdup(text);
    cJSON_free(text);
    *ready = all_ok;
    return out;
}

int service_send_healthz(http_request_t *req, const char *service)
{
    cJSON *root = cJSON_CreateObject();
    cJSON_AddStringToObject(root, "status", "ok");
    cJSON_AddStringToObject(root, "service", service ? service : "");
    return http_send_json(req, 200, root, NULL);
}

int service_send_readyz(http_request_t *req, const char *service, const service_probe_t *probes,
                        size_t nprobes)
{
    bool ready = false;
    char *text = service_readiness_json(service, probes, nprobes, &ready);
    int rc = http_send_body(req, ready ? 200 : 503, "application/json", text, strlen(text), NULL);
    free(text);
    return rc;
}

int service_send_metrics(http_request_t *req)
{
    char *text = metrics_render();
    int rc = http_send_body(req, 200, "text/plain; version=0.0.4; charset=utf-8", text,
                            strlen(text), NULL);
    free(text);
    return rc;
}

struct service_http {
    struct mg_context *ctx;
    char *service;
    service_probe_t *probes;
    size_t nprobes;
    int port;
    http_route_t routes[3]; /* the router keeps a pointer: they live as long as the server */
};

static int handle_healthz(http_request_t *req)
{
    const service_http_t *sh = req->app;
    return service_send_healthz(req, sh->service);
}

static int handle_readyz(http_request_t *req)
{
    const service_http_t *sh = req->app;
    return service_send_readyz(req, sh->service, sh->probes, sh->nprobes);
}

static int handle_metrics(http_request_t *req)
{
    return service_send_metrics(req);
}

service_http_t *service_http_start(const char *service, const char *host, int port,
                                   const service_probe_t *probes, size_t nprobes, char *errstr,
                                   size_t errstr_size)
{
    service_http_t *sh = xcalloc(1, sizeof(*sh));
    sh->service = xstrdup(service ? service : "");
    if (nprobes) {
        sh->probes = xcalloc(nprobes, sizeof(*sh->probes));
        memcpy(sh->probes, probes, nprobes * sizeof(*probes));
    }
    sh->nprobes = nprobes;
    sh->routes[0] = (http_route_t){"GET", "/healthz", handle_healthz};
    sh->routes[1] = (http_route_t){"GET", "/readyz", handle_readyz};
    sh->routes[2] = (http_route_t){"GET", "/metrics", handle_metrics};
    sh->ctx = http_server_start(host, port, 4, errstr, errstr_size);
    if (!sh->ctx) {
        service_http_stop(sh);
        return NULL;
    }
    http_options_t opts = {.cors_origins = NULL, .max_body = 4096};
    http_router_mount(sh->ctx, sh->routes, 3, &opts, sh);
    struct mg_server_port ports[4];
    int n = mg_get_server_ports(sh->ctx, 4, ports);
    sh->port = n > 0 ? ports[0].port : port;
    return sh;
}

int service_http_port(const service_http_t *sh)
{
    return sh ? sh->port : 0;
}

void service_http_stop(service_http_t *sh)
{
    if (!sh)
        return;
    if (sh->ctx)
        mg_stop(sh->ctx);
    free(sh->service);
    free(sh->probes);
    free(sh);
}
