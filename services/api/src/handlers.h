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

/* polling.c: the inbox monitor switch, as the original's /polling routes. */
int polling_start(http_request_t *req);
int polling_stop(http_request_t *req);
int polling_status(http_request_t *req);

/* listings.c: /api/listings CRUD (multipart or JSON bodies). */
int listings_create(http_request_t *req);
int listings_list(http_request_t *req);
int listings_get(http_request_t *req);
int listings_update(http_request_t *req); /* PUT and PATCH: partial, images appended */
int listings_delete(http_request_t *req);

/* listing_images.c: /api/listings/{id}/images[/{image_id}] */
int listing_images_add(http_request_t *req);
int listing_images_delete(http_request_t *req);
int listing_images_reorder(http_request_t *req);

/* posting.c: POST /api/listings/{id}/post (and the original's /post-batch). */
int posting_post(http_request_t *req);

/* jobs.c: /api/jobs */
int jobs_list(http_request_t *req);
int jobs_get(http_request_t *req);
int jobs_logs(http_request_t *req);
int jobs_retry(http_request_t *req);

/* job_artifacts.c: PUT /api/jobs/{id}/artifacts/{name} (the poster's screenshots) */
int job_artifacts_put(http_request_t *req);

/* uploads.c: GET /uploads/{name} */
int uploads_get(http_request_t *req);

/* openapi.c: the API description and a page that renders it. */
int openapi_json(http_request_t *req);
int openapi_docs(http_request_t *req);

/* routes.c */
extern const http_route_t api_routes[];
extern const size_t api_nroutes;

#endif
