/* The api's route table: every path it serves, in one place. */
#include "handlers.h"

const http_route_t api_routes[] = {
    {"GET", "/healthz", handle_healthz},
    {"GET", "/readyz", handle_readyz},
    {"GET", "/metrics", handle_metrics},

    /* open without credentials (http/guard.c): the dashboard's login and first-run setup */
    {"GET", "/api/auth/session", handle_auth_session},
    {"POST", "/api/auth/login", handle_auth_login},
    {"POST", "/api/auth/logout", handle_auth_logout},
    {"POST", "/api/auth/setup", handle_auth_setup},
    {"GET", "/api/tokens", handle_tokens_list},
    {"POST", "/api/tokens", handle_tokens_create},
    {"DELETE", "/api/tokens/{id}", handle_token_revoke},

    {"GET", "/api/listings", handle_listings_list},
    {"POST", "/api/listings", handle_listings_create},
    {"GET", "/api/listings/{id}", handle_listing_get},
    {"PUT", "/api/listings/{id}", handle_listing_update},
    {"PATCH", "/api/listings/{id}", handle_listing_update},
    {"DELETE", "/api/listings/{id}", handle_listing_delete},
    {"POST", "/api/listings/{id}/images", handle_images_add},
    {"PUT", "/api/listings/{id}/images", handle_images_reorder},
    {"DELETE", "/api/listings/{id}/images/{image_id}", handle_image_delete},
    {"POST", "/api/listings/{id}/post", handle_post},
    {"POST", "/api/listings/{id}/post-batch", handle_post_batch},
    {"POST", "/api/listings/{id}/sold", handle_listing_sold},

    {"GET", "/api/jobs", handle_jobs_list},
    {"GET", "/api/jobs/{id}", handle_job_get},
    {"GET", "/api/jobs/{id}/logs", handle_job_logs},
    {"POST", "/api/jobs/{id}/retry", handle_job_retry},
    {"POST", "/api/jobs/{id}/renew", handle_job_renew},
    {"PUT", "/api/jobs/{id}/artifacts/{name}", handle_job_artifact_put},

    /* the original frontend's paths for the inbox monitor switch */
    {"POST", "/api/polling/start", handle_monitor_start},
    {"POST", "/api/polling/stop", handle_monitor_stop},
    {"GET", "/api/polling/status", handle_monitor_status},

    {"GET", "/api/accounts", handle_accounts_list},
    {"POST", "/api/accounts", handle_accounts_create},
    {"GET", "/api/accounts/{id}", handle_account_get},
    {"PATCH", "/api/accounts/{id}", handle_account_update},
    {"DELETE", "/api/accounts/{id}/hold", handle_account_hold_delete},

    {"GET", "/api/accounts/{id}/pacing", handle_account_pacing_get},
    {"PUT", "/api/accounts/{id}/pacing", handle_account_pacing_put},
    {"GET", "/api/settings/pacing", handle_pacing_list},
    {"GET", "/api/settings/pacing/{platform}", handle_pacing_platform_get},
    {"PUT", "/api/settings/pacing/{platform}", handle_pacing_platform_put},

    {"GET", "/api/settings/responder", handle_settings_get},
    {"PUT", "/api/settings/responder", handle_settings_put},

    {"GET", "/api/conversations", handle_conversations_list},
    {"GET", "/api/conversations/{id}", handle_conversation_get},
    {"PATCH", "/api/conversations/{id}", handle_conversation_update},
    {"GET", "/api/conversations/{id}/messages", handle_messages_list},
    {"POST", "/api/conversations/{id}/messages", handle_message_send},

    {"GET", "/api/stats", handle_stats},

    {"GET", "/api/events", handle_events},

    {"GET", "/uploads/{name}", handle_upload_get},
    {"GET", "/api/openapi.json", openapi_json},
    {"GET", "/docs", handle_docs},
    /* the dashboard; its other paths come through the router's fallback (http/spa.c) */
    {"GET", "/", handle_spa},
};

const size_t api_nroutes = sizeof(api_routes) / sizeof(api_routes[0]);
