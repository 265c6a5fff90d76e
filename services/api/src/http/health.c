/* /healthz, /readyz and /metrics of the api, mounted in its own HTTP server. */
#include <stdbool.h>
#include <stdio.h>

#include "app.h"
#include "common/db.h"
#include "common/kafka.h"
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

int handle_healthz(http_request_t *req)
{
    return service_send_healthz(req, "api");
}

int handle_readyz(http_request_t *req)
{
    struct app *app = req->app;
    const service_probe_t probes[] = {
        {"postgres", probe_postgres, app},
        {"kafka", kafka_probe, app->producer},
    };
    return service_send_readyz(req, "api", probes, sizeof(probes) / sizeof(probes[0]));
}

int handle_metrics(http_request_t *req)
{
    return service_send_metrics(req);
}
