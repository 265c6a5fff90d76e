/* Every HTTP handler of the api, grouped by the file that implements it, and the route
 * table (routes.c) that maps paths onto them. Each handler answers the request itself and
 * returns the status it sent; req->app is the struct app *. Thread-safe (civetweb workers). */
#ifndef API_HANDLERS_H
#define API_HANDLERS_H

#include <stddef.h>

#include "common/http.h"

/* health.c: liveness, readiness (PostgreSQL + Kafka), Prometheus metrics. */
int health_healthz(http_request_t *req);
int health_readyz(http_request_t *req);
int health_metrics(http_request_t *req);

/* polling.c: the inbox monitor switch, as the original's /polling/*. */
int polling_start(http_request_t *req);
int polling_stop(http_request_t *req);
int polling_status(http_request_t *req);

/* routes.c */
extern const http_route_t api_routes[];
extern const size_t api_nroutes;

#endif
