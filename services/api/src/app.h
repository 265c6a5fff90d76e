/* The api service's shared context: configuration, the database pool, the Kafka clients, the
 * relay and consumer threads and the HTTP server. One `struct app` per process, passed to
 * every handler (civetweb cbdata, librdkafka opaque); there are no other globals. */
#ifndef API_APP_H
#define API_APP_H

#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <civetweb.h>

#include "common/db.h"
#include "common/kafka.h"
#include "common/metrics.h"
#include "common/service_main.h"
#include "listing_cache.h"

/* Filled by service_begin from the table in main.c. */
struct api_config {
    service_config_t svc; /* LOG_LEVEL, KAFKA_BOOTSTRAP_SERVERS, KAFKA_CLIENT_ID, TOPIC_*,
                             KAFKA_GROUP_ID (the event applier's) */
    char *database_url;
    char *http_host;
    long long http_port;
    long long http_threads;
    long long http_request_timeout_ms;
    long long http_body_timeout_ms;
    long long http_max_header_bytes;
    long long db_pool_size;
    long long event_appliers; /* EVENT_APPLIER_THREADS; 0: DB_POOL_SIZE / 2 (event_applier.c) */
    char *cors_origins;
    char *upload_dir;
    long long max_body_bytes;
    long long max_upload_bytes; /* one image file */
    long long max_images;       /* per listing */
    long long listing_cache_mb; /* bound of the rendered listings (listing_cache.h) */
    long long max_image_pixels; /* decoded width*height limit (decompression bombs) */
    long long image_max_side;   /* stored images are scaled down to fit this box */
    char *platforms;            /* comma-separated platforms a listing may be posted to */
    char *pacing_off;           /* platforms whose built-in pacing is off (demo mode) */
    char *public_url;           /* API_PUBLIC_URL, no trailing '/': image URLs in events */
    char *migrations_dir;
    long long outbox_batch;
    long long outbox_publish_delay_ms; /* TEST HOOK: widens the commit->publish window */
    long long reply_timeout_s; /* a reply request without a draft after this: needs_attention */
    long long upload_sweep_min_age_s; /* upload_sweep.h: rowless files older than this go */
    long long renew_sweep_s;          /* renew_sweeper.h: how often stale postings are renewed */
    char *spa_dir;                    /* the built dashboard (http/spa.c) */
    long long sse_heartbeat_ms;
    long long sse_max_clients;
    long long sse_ring_size;

    /* the auth layer (http/guard.c) */
    char *auth;                      /* AUTH: login | none (http/guard.c) */
    char *allowed_hosts;             /* ALLOWED_HOSTS; NULL: the loopback names with HTTP_PORT */
    char *auth_public_paths;         /* AUTH_PUBLIC_PATHS: no Host check, no authentication */
    long long session_ttl_s;         /* SESSION_TTL_S */
    bool cookie_secure;              /* COOKIE_SECURE (also on when API_PUBLIC_URL is https) */
    long long login_rate_per_client; /* LOGIN_RATE_PER_CLIENT, attempts per minute */
    long long login_rate_global;     /* LOGIN_RATE_GLOBAL, attempts per minute */
};

struct app {
    struct api_config cfg;
    char exe_dir[4096];    /* directory of the running binary (migration lookup) */
    char upload_tmp[4200]; /* UPLOAD_DIR/.tmp: uploads being received */
    char upload_abs[4096]; /* realpath(UPLOAD_DIR) */

    db_pool_t *pool;

    kafka_producer_t *producer;     /* the relay's producer (delivery reports -> outbox rows) */
    kafka_producer_t *dlq_producer; /* the event applier's poison-message producer */
    kafka_consumer_t *consumer;
    struct applier_pool *appliers; /* the event applier's worker threads (applier_pool.h) */

    /* Set by main after HTTP has stopped, to stop the relay and the consumer in that order. */
    volatile sig_atomic_t workers_stop;

    pthread_t relay_thread;
    bool relay_started;
    pthread_t consumer_thread;
    bool consumer_started;
    pthread_t sweeper_thread; /* reply_sweeper.c */
    bool sweeper_started;
    pthread_t renew_sweeper_thread; /* renew_sweeper.c */
    bool renew_sweeper_started;
    pthread_t upload_sweeper_thread; /* upload_sweep.c */
    bool upload_sweeper_started;
    struct outbox_relay *relay; /* owned by outbox.c */

    struct mg_context *http;
    listing_cache_t *lcache;   /* rendered listings by (id, version) (listing_cache.h) */
    struct sse_hub *sse;       /* GET /api/events connections (sse/hub.h) */
    struct sse_feed *sse_feed; /* LISTEN bb_events -> sse (sse/feed.h) */

    /* the auth layer (http/guard.c) */
    bool auth_none;                  /* AUTH=none: no authentication (loopback listeners only) */
    char *allowed_hosts;             /* ALLOWED_HOSTS or its default (owned) */
    struct login_limit *login_limit; /* login and setup attempts (http/login_limit.h) */

    struct {
        metric_t *outbox_published; /* counter */
        metric_t *outbox_failed;    /* counter */
        metric_t *outbox_lag;       /* gauge: rows due or failed, not published */
        metric_t *outbox_oldest_s;  /* gauge: seconds the oldest of those has waited */
        metric_t *outbox_scheduled; /* gauge: rows not due yet */
        metric_t *events_applied;   /* counter */
        metric_t *events_duplicate; /* counter */
        metric_t *events_dropped;   /* counter */
        metric_t *event_apply[3];   /* histograms per consumed topic (event_applier.c) */
    } m;
};

/* Default DB wait for request handlers, in milliseconds. */
#define API_DB_TIMEOUT_MS 2000

#endif
