/* The api's route table: every path it serves, in one place. */
#include "handlers.h"

const http_route_t api_routes[] = {
    { "GET", "/healthz", health_healthz },
    { "GET", "/readyz", health_readyz },
    { "GET", "/metrics", health_metrics },

    { "GET", "/api/listings", listings_list },
    { "POST", "/api/listings", listings_create },
    { "GET", "/api/listings/{id}", listings_get },
    { "PUT", "/api/listings/{id}", listings_update },
    { "PATCH", "/api/listings/{id}", listings_update },
    { "DELETE", "/api/listings/{id}", listings_delete },
    { "POST", "/api/listings/{id}/images", listing_images_add },
    { "PUT", "/api/listings/{id}/images", listing_images_reorder },
    { "DELETE", "/api/listings/{id}/images/{image_id}", listing_images_delete },
    { "POST", "/api/listings/{id}/post", posting_post },
    { "POST", "/api/listings/{id}/post-batch", posting_post },

    { "GET", "/api/jobs", jobs_list },
    { "GET", "/api/jobs/{id}", jobs_get },
    { "GET", "/api/jobs/{id}/logs", jobs_logs },
    { "POST", "/api/jobs/{id}/retry", jobs_retry },
    { "PUT", "/api/jobs/{id}/artifacts/{name}", job_artifacts_put },

    { "POST", "/api/polling/start", polling_start },
    { "POST", "/api/polling/stop", polling_stop },
    { "GET", "/api/polling/status", polling_status },

    { "GET", "/uploads/{name}", uploads_get },
    { "GET", "/api/openapi.json", openapi_json },
    { "GET", "/docs", openapi_docs },
};

const size_t api_nroutes = sizeof(api_routes) / sizeof(api_routes[0]);
