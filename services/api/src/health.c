/* /healthz, /readyz and /metrics of the api, mounted in its own HTTP server. */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app.h"
#include "common/db.h"
#include "common/kafka.h"
#include "common/metrics.h"
#include "common/service.h"
#include "handlers.h"

static bool probe_postgres(void *ctx, char *detail, size_t detail_size)
{
    struct app *app = ctx;
    char err[256];
    if (db_ping(app->pool, err, sizeof(err)) != 0) {
        snprintf(detail, detail_size, "%s", err);
        return false;
    }
    snprintf(detail, detail_size, "ok");
    return true;
}

static bool probe_kafka(void *ctx, char *detail, size_t detail_size)
{
    struct app *app = ctx;
    char err[256];
    if (kafka_producer_ping(app->producer, 2000, err, sizeof(err)) != 0) {
        snprintf(detail, detail_size, "%s", err);
        return false;
    }
    snprintf(detail, detail_size, "ok");
    return true;
}

int health_healthz(http_request_t *req)
{
    cJSON *root = cJSON_CreateObject();
    cJSON_AddStringToObject(root, "status", "ok");
    cJSON_AddStringToObject(root, "service", "api");
    return http_send_json(req, 200, root, NULL);
}

int health_readyz(http_request_t *req)
{
    struct app *app = req->app;
    const service_probe_t probes[] = {
        { "postgres", probe_postgres, app },
        { "kafka", probe_kafka, app },
    };
    bool ready = false;
    char *json = service_readiness_json("api", probes, 2, &ready);
    if (!json)
        return http_send_problem(req, 500, NULL, "could not build the readiness report");
    int status = ready ? 200 : 503;
    http_send_body(req, status, "application/json", json, strlen(json),
                   "Cache-Control: no-store\r\n");
    free(json);
    return status;
}

int health_metrics(http_request_t *req)
{
    char *text = metrics_render();
    if (!text)
        return http_send_problem(req, 500, NULL, "could not render metrics");
    http_send_body(req, 200, "text/plain; version=0.0.4; charset=utf-8", text, strlen(text),
                   NULL);
    free(text);
    return 200;
}
