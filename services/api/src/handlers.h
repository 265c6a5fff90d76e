/* The api's HTTP surface: every handler (http/, one file per resource) and the route table
 * (routes.c) that maps paths onto them. A handler parses the request, calls one domain
 * command or store query, renders the answer, and returns the status it sent (the router
 * checks it against what went out). req->app is the struct app *. Thread-safe (civetweb
 * workers). */
#ifndef API_HANDLERS_H
#define API_HANDLERS_H

#include <stddef.h>

#include "common/http.h"

/* http/health.c: liveness, readiness (PostgreSQL + Kafka), Prometheus metrics. */
int handle_healthz(http_request_t *req);
int handle_readyz(http_request_t *req);
int handle_metrics(http_request_t *req);

/* http/listings_http.c: /api/listings CRUD (multipart or JSON bodies). */
int handle_listings_create(http_request_t *req);
int handle_listings_list(http_request_t *req);
int handle_listing_get(http_request_t *req);
int handle_listing_update(http_request_t *req); /* PUT and PATCH: partial, images appended */
/* http/delist_http.c: DELETE /api/listings/{id} (202 while its postings are taken down) and
 * POST /api/listings/{id}/sold. */
int handle_listing_delete(http_request_t *req);
int handle_listing_sold(http_request_t *req);

/* http/images_http.c: /api/listings/{id}/images[/{image_id}] */
int handle_images_add(http_request_t *req);
int handle_images_reorder(http_request_t *req);
int handle_image_delete(http_request_t *req);

/* http/posting_http.c: POST /api/listings/{id}/post and the original's /post-batch. */
int handle_post(http_request_t *req);
int handle_post_batch(http_request_t *req);

/* http/jobs_http.c: /api/jobs */
int handle_jobs_list(http_request_t *req);
int handle_job_get(http_request_t *req);
int handle_job_logs(http_request_t *req);
int handle_job_retry(http_request_t *req);
int handle_job_renew(http_request_t *req);

/* http/artifacts_http.c: PUT /api/jobs/{id}/artifacts/{name} (the poster's screenshots) */
int handle_job_artifact_put(http_request_t *req);

/* http/monitor_http.c: the inbox monitor switch, at the original's /api/polling paths. */
int handle_monitor_start(http_request_t *req);
int handle_monitor_stop(http_request_t *req);
int handle_monitor_status(http_request_t *req);

/* http/accounts_http.c: /api/accounts (marketplace accounts and their monitor switch). */
int handle_accounts_list(http_request_t *req);
int handle_accounts_create(http_request_t *req);
int handle_account_get(http_request_t *req);
int handle_account_update(http_request_t *req);
int handle_account_hold_delete(http_request_t *req);

/* http/pacing_http.c: /api/settings/pacing and /api/accounts/{id}/pacing (job schedule). */
int handle_pacing_list(http_request_t *req);
int handle_pacing_platform_get(http_request_t *req);
int handle_pacing_platform_put(http_request_t *req);
int handle_account_pacing_get(http_request_t *req);
int handle_account_pacing_put(http_request_t *req);

/* http/settings_http.c: /api/settings/responder */
int handle_settings_get(http_request_t *req);
int handle_settings_put(http_request_t *req);

/* http/conversations_http.c: /api/conversations and their messages. */
int handle_conversations_list(http_request_t *req);
int handle_conversation_get(http_request_t *req);
int handle_conversation_update(http_request_t *req);
int handle_messages_list(http_request_t *req);
int handle_message_send(http_request_t *req);

/* http/stats_http.c: GET /api/stats */
int handle_stats(http_request_t *req);

/* http/uploads.c: GET /uploads/{name} */
int handle_upload_get(http_request_t *req);

/* http/events_http.c: GET /api/events, Server-Sent Events (held by sse/hub.c, not a worker). */
int handle_events(http_request_t *req);

/* http/spa.c: the built dashboard; the router's fallback for GET paths no route matches. */
int handle_spa(http_request_t *req);
/* http/spa.c: GET /docs, the build's API reference page (Swagger UI over /api/openapi.json). */
int handle_docs(http_request_t *req);

/* http/auth_http.c: the owner's session (login, logout, first-run setup, the probe the
 * dashboard starts with) and the API tokens for scripts. */
int handle_auth_session(http_request_t *req);
int handle_auth_login(http_request_t *req);
int handle_auth_logout(http_request_t *req);
int handle_auth_setup(http_request_t *req);
int handle_tokens_list(http_request_t *req);
int handle_tokens_create(http_request_t *req);
int handle_token_revoke(http_request_t *req);

/* openapi.c: the API description. */
int openapi_json(http_request_t *req);

/* routes.c */
extern const http_route_t api_routes[];
extern const size_t api_nroutes;

#endif
