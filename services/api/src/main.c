/* byebuy-api: the REST API, the only writer of PostgreSQL, the outbox relay and the status
 * consumer. main() runs on the service skeleton (common/service_main.h): it migrates, starts
 * the threads in order, and service_end stops them in the skeleton's order on SIGTERM. */
#include <dirent.h>
#include <errno.h>
#include <libgen.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "app.h"
#include "auth_cli.h"
#include "common/config.h"
#include "common/db.h"
#include "common/event.h"
#include "common/http.h"
#include "common/kafka.h"
#include "common/log.h"
#include "common/metrics.h"
#include "common/service_main.h"
#include "common/util.h"
#include "common/xmalloc.h"
#include "domain/auth.h"
#include "domain/pacing.h"
#include "http/auth_rules.h"
#include "http/guard.h"
#include "http/login_limit.h"
#include "handlers.h"
#include "images.h"
#include "migrate.h"
#include "outbox.h"
#include "renew_sweeper.h"
#include "reply_sweeper.h"
#include "upload_sweep.h"
#include "event_applier.h"
#include "sse/feed.h"
#include "sse/hub.h"

#define S struct api_config
static const config_entry_t config_table[] = {
    CONFIG_ENTRY("DATABASE_URL", CONFIG_SECRET, NULL, 0, 0, true, S, database_url,
                 "PostgreSQL URL, e.g. postgresql://postgres@127.0.0.1:5432/byebuy"),
    CONFIG_ENTRY("HTTP_HOST", CONFIG_STRING, "127.0.0.1", 0, 0, false, S, http_host,
                 "listen address (a non-loopback one needs AUTH=login; put TLS in a reverse "
                 "proxy in front)"),
    CONFIG_ENTRY("HTTP_PORT", CONFIG_INT, "8080", 1, 65535, false, S, http_port, "listen port"),
    CONFIG_ENTRY("HTTP_THREADS", CONFIG_INT, "256", 2, 1024, false, S, http_threads,
                 "civetweb worker threads (one per connection being served, a slow client's "
                 "included until its timeout; stacks are touched lazily: ~40 KB RSS each)"),
    CONFIG_ENTRY("HTTP_REQUEST_TIMEOUT_MS", CONFIG_INT, "10000", 100, 600000, false, S,
                 http_request_timeout_ms,
                 "a request head must arrive within it (else 408), and a body read waits at "
                 "most this long for data; also the idle keep-alive timeout"),
    CONFIG_ENTRY("HTTP_BODY_TIMEOUT_MS", CONFIG_INT, "30000", 100, 3600000, false, S,
                 http_body_timeout_ms,
                 "a request body (an upload included) must arrive whole within it (else 408)"),
    CONFIG_ENTRY("HTTP_MAX_HEADER_BYTES", CONFIG_INT, "16384", 1024, 1048576, false, S,
                 http_max_header_bytes, "request line + headers; larger gets 431"),
    CONFIG_ENTRY("DB_POOL_SIZE", CONFIG_INT, "8", 1, 200, false, S, db_pool_size,
                 "PostgreSQL connections of the request handlers and the consumer"),
    CONFIG_ENTRY("EVENT_APPLIER_THREADS", CONFIG_INT, "0", 0, 64, false, S, event_appliers,
                 "threads applying consumed events, one event in flight per partition, each "
                 "holding a database connection while it applies; 0: DB_POOL_SIZE / 2 (at "
                 "least 1), leaving the rest to the request handlers and the relay"),
    CONFIG_ENTRY("CORS_ORIGINS", CONFIG_STRING, NULL, 0, 0, false, S, cors_origins,
                 "comma-separated origins allowed by CORS and allowed to write (none by default; "
                 "the api's own origin always may), e.g. http://localhost:3000 for the original "
                 "frontend"),
    CONFIG_ENTRY("AUTH", CONFIG_STRING, "login", 0, 0, false, S, auth,
                 "login: every route but AUTH_PUBLIC_PATHS and the login needs a session or an "
                 "API token; none: no authentication (only when HTTP_HOST is loopback; logged "
                 "as a warning)"),
    CONFIG_ENTRY("ALLOWED_HOSTS", CONFIG_STRING, NULL, 0, 0, false, S, allowed_hosts,
                 "comma-separated Host header values the api answers (name or name:port; * for "
                 "any); others get 421. Default: localhost, 127.0.0.1 and [::1] with HTTP_PORT"),
    CONFIG_ENTRY("AUTH_PUBLIC_PATHS", CONFIG_STRING, "/healthz,/readyz,/metrics", 0, 0, false, S,
                 auth_public_paths,
                 "comma-separated paths served without credentials or Host check (a trailing * "
                 "is a prefix)"),
    CONFIG_ENTRY("SESSION_TTL_S", CONFIG_INT, "604800", 60, 31536000, false, S, session_ttl_s,
                 "a login session lasts this many seconds"),
    CONFIG_ENTRY("COOKIE_SECURE", CONFIG_BOOL, "false", 0, 0, false, S, cookie_secure,
                 "mark the session cookie Secure (on by itself when API_PUBLIC_URL is https)"),
    CONFIG_ENTRY("LOGIN_RATE_PER_CLIENT", CONFIG_INT, "10", 1, 100000, false, S,
                 login_rate_per_client, "login and setup attempts per minute per client address"),
    CONFIG_ENTRY("LOGIN_RATE_GLOBAL", CONFIG_INT, "60", 1, 1000000, false, S, login_rate_global,
                 "login and setup attempts per minute from all clients together"),
    CONFIG_ENTRY("UPLOAD_DIR", CONFIG_STRING, "uploads", 0, 0, false, S, upload_dir,
                 "where images are stored (created if missing)"),
    CONFIG_ENTRY("MAX_BODY_BYTES", CONFIG_INT, "1048576", 1024, 1073741824, false, S,
                 max_body_bytes, "limit of a JSON request body"),
    CONFIG_ENTRY("MAX_UPLOAD_BYTES", CONFIG_INT, "20971520", 1024, 1073741824, false, S,
                 max_upload_bytes, "limit of one uploaded image file"),
    CONFIG_ENTRY("MAX_IMAGES", CONFIG_INT, "10", 1, 100, false, S, max_images,
                 "images per listing"),
    CONFIG_ENTRY("LISTING_CACHE_MB", CONFIG_INT, "4", 0, 4096, false, S, listing_cache_mb,
                 "memory for rendered listings of GET /api/listings (~1.7 KB per listing of 3 "
                 "photos), validated against PostgreSQL per request; 0 renders every time"),
    CONFIG_ENTRY("MAX_IMAGE_PIXELS", CONFIG_INT, "60000000", 1, 1000000000, false, S,
                 max_image_pixels, "decoded width*height limit of an upload"),
    CONFIG_ENTRY("IMAGE_MAX_SIDE", CONFIG_INT, "2048", 64, 16384, false, S, image_max_side,
                 "stored images are scaled down to fit this many pixels"),
    CONFIG_ENTRY("PLATFORMS", CONFIG_STRING, "facebook_marketplace,sandbox", 0, 0, false, S,
                 platforms,
                 "comma-separated platforms a listing may be posted to (each needs a poster "
                 "driver: services/poster/recipes/<platform>.json)"),
    CONFIG_ENTRY("PACING_OFF", CONFIG_STRING, "", 0, 0, false, S, pacing_off,
                 "comma-separated platforms whose built-in pacing is off (demo mode: its "
                 "facebook_marketplace is the sandbox); saved pacing settings still apply"),
    CONFIG_ENTRY("API_PUBLIC_URL", CONFIG_STRING, NULL, 0, 0, false, S, public_url,
                 "the api's base URL as the poster's host reaches it: image URLs in "
                 "posting.requested (default http://127.0.0.1:HTTP_PORT)"),
    CONFIG_ENTRY("MIGRATIONS_DIR", CONFIG_STRING, "migrations", 0, 0, false, S, migrations_dir,
                 "directory of NNNN_*.sql (default: ./migrations, else next to the binary)"),
    CONFIG_ENTRY("OUTBOX_BATCH", CONFIG_INT, "100", 1, 10000, false, S, outbox_batch,
                 "outbox rows the relay publishes per transaction"),
    CONFIG_ENTRY("OUTBOX_PUBLISH_DELAY_MS", CONFIG_INT, "0", 0, 600000, false, S,
                 outbox_publish_delay_ms,
                 "TEST HOOK: wait this long between claiming and publishing outbox rows"),
    CONFIG_ENTRY("REPLY_TIMEOUT_S", CONFIG_INT, "120", 2, 86400, false, S, reply_timeout_s,
                 "a reply request that got no draft after this many seconds hands the "
                 "conversation to the seller (needs_attention)"),
    CONFIG_ENTRY("UPLOAD_SWEEP_MIN_AGE_S", CONFIG_INT, "300", 1, 86400, false, S,
                 upload_sweep_min_age_s,
                 "files in UPLOAD_DIR that no row names (left by a process killed mid-request) "
                 "are removed at start-up and then this often, once older than this"),
    CONFIG_ENTRY("RENEW_SWEEP_S", CONFIG_INT, "600", 1, 86400, false, S, renew_sweep_s,
                 "how often live postings older than their renew_after_days (pacing) get a "
                 "renew job"),
    CONFIG_ENTRY("SPA_DIR", CONFIG_STRING, "frontend/dist", 0, 0, false, S, spa_dir,
                 "the built dashboard served at / (index.html and assets/); without it / "
                 "answers a page saying how to build it"),
    CONFIG_ENTRY("SSE_HEARTBEAT_MS", CONFIG_INT, "15000", 100, 300000, false, S, sse_heartbeat_ms,
                 "GET /api/events sends a comment line this often (keeps proxies from "
                 "closing idle streams)"),
    CONFIG_ENTRY("SSE_MAX_CLIENTS", CONFIG_INT, "1000", 1, 100000, false, S, sse_max_clients,
                 "open GET /api/events streams (one descriptor each, held by one thread); "
                 "more get 503"),
    CONFIG_ENTRY("SSE_RING_SIZE", CONFIG_INT, "2048", 16, 1000000, false, S, sse_ring_size,
                 "recent events kept for clients that reconnect with Last-Event-ID; one "
                 "that missed more gets a reset event"),
};
#undef S

static const service_spec_t api_service = {
    .name = "api",
    .summary = "  The REST API: writes PostgreSQL, publishes its outbox to Kafka and applies the\n"
               "  workers' status events.",
    .features = SERVICE_KAFKA | SERVICE_CONSUMER,
    .rows = config_table,
    .nrows = sizeof(config_table) / sizeof(config_table[0]),
    .shared_offset = offsetof(struct api_config, svc),
    .wait_for_kafka = true, /* compose may start the api before the broker */
};

/* Topics the api produces or consumes; it creates the missing ones at start. */
static const char *const api_topics[] = {
    TOPIC_POSTING_REQUESTS,
    TOPIC_REPLY_REQUESTS,
    TOPIC_MONITOR_COMMANDS,
    TOPIC_MONITOR_DESIRED, /* compacted (kafka_topic_compacted) */
    TOPIC_POSTING_EVENTS,
    TOPIC_MONITOR_EVENTS,
    TOPIC_REPLY_DRAFTS,
    TOPIC_DLQ,
    NULL,
};

static void app_metrics_init(struct app *app)
{
    app->m.outbox_published =
        metrics_counter("bb_outbox_published_total", "Outbox events acknowledged by Kafka");
    app->m.outbox_failed =
        metrics_counter("bb_outbox_failed_total", "Outbox publish attempts that failed");
    app->m.outbox_lag = metrics_gauge(
        "bb_outbox_lag", "Outbox rows due (or failed and waiting to be retried), not published");
    app->m.outbox_oldest_s =
        metrics_gauge("bb_outbox_oldest_seconds",
                      "Seconds the oldest outbox row counted in bb_outbox_lag has waited");
    app->m.outbox_scheduled =
        metrics_gauge("bb_outbox_scheduled",
                      "Outbox rows waiting for their time (scheduled jobs, retry backoff)");
    app->m.events_applied =
        metrics_counter("bb_events_applied_total", "Consumed events applied to the database");
    app->m.events_duplicate =
        metrics_counter("bb_events_duplicate_total", "Consumed events skipped as already applied");
    app->m.events_dropped =
        metrics_counter("bb_events_dropped_total", "Consumed events sent to the dead-letter topic");
}

static void exe_dir_init(struct app *app)
{
    char path[4096];
    ssize_t n = readlink("/proc/self/exe", path, sizeof(path) - 1);
    if (n <= 0)
        return;
    path[n] = '\0';
    snprintf(app->exe_dir, sizeof(app->exe_dir), "%s", dirname(path));
}

/* Migrates, retrying while PostgreSQL is unreachable (it may still be starting). Returns 0,
 * or -1 on a migration error (fatal) or a stop. */
static int app_migrate(struct app *app)
{
    char dir[4096], err[1024];
    if (migrate_find_dir(app->cfg.migrations_dir, app->exe_dir, dir, sizeof(dir), err,
                         sizeof(err)) != 0) {
        LOG_ERROR("%s", err);
        return -1;
    }
    int64_t backoff = 200;
    while (!service_stop) {
        PGconn *pg = db_pool_acquire(app->pool, 5000, err, sizeof(err));
        if (!pg) {
            LOG_WARN("waiting for PostgreSQL: %s", err);
            util_sleep_ms(backoff, &service_stop);
            backoff = backoff * 2 > 5000 ? 5000 : backoff * 2;
            continue;
        }
        int applied = 0;
        int rc = migrate_run(pg, dir, &applied, err, sizeof(err));
        db_pool_release(app->pool, pg);
        if (rc != 0) {
            LOG_ERROR("migrations: %s", err);
            return -1;
        }
        LOG_INFO("migrations: %d applied from %s", applied, dir);
        return 0;
    }
    return -1;
}

/* The event stream's hub and its LISTEN feed (sse/). Ids start at the start time in
 * microseconds: they keep growing across restarts, so a client's id from an earlier process
 * is older than the ring and gets a reset. */
static int app_sse_start(struct app *app, char *errstr, size_t errstr_size)
{
    const sse_hub_opts_t o = {
        .heartbeat_ms = (int)app->cfg.sse_heartbeat_ms,
        .max_clients = (size_t)app->cfg.sse_max_clients,
        .ring_size = (size_t)app->cfg.sse_ring_size,
        .max_buffer = 1024 * 1024,
        .first_id = (uint64_t)util_wall_ms() * 1000,
        .retry_ms = 2000,
    };
    app->sse = sse_hub_start(&o, errstr, errstr_size);
    if (!app->sse)
        return -1;
    app->sse_feed = sse_feed_start(app->cfg.database_url, app->sse, errstr, errstr_size);
    return app->sse_feed ? 0 : -1;
}

static int app_http_start(struct app *app, char *errstr, size_t errstr_size)
{
    char err[300];
    /* tcp_nodelay=1 and keep-alive (else ~40 ms per keep-alive request), no civetweb CORS */
    const http_server_opts_t sopts = {
        .host = app->cfg.http_host,
        .port = (int)app->cfg.http_port,
        .num_threads = (int)app->cfg.http_threads,
        .request_timeout_ms = (int)app->cfg.http_request_timeout_ms,
        .keep_alive_ms = (int)app->cfg.http_request_timeout_ms,
        .max_header_bytes = (int)app->cfg.http_max_header_bytes,
    };
    app->http = http_server_start_opts(&sopts, err, sizeof(err));
    if (!app->http) {
        snprintf(errstr, errstr_size, "HTTP_HOST/HTTP_PORT: %s", err);
        return -1;
    }
    const http_options_t hopts = {
        .cors_origins = app->cfg.cors_origins,
        .max_body = (size_t)app->cfg.max_body_bytes,
        .fallback = handle_spa,
        .guard = guard_check,
        .body_timeout_ms = (int)app->cfg.http_body_timeout_ms,
    };
    http_router_mount(app->http, api_routes, api_nroutes, &hopts, app);
    return 0;
}

/* API_PUBLIC_URL: an absolute http(s) URL without a trailing '/', by default this host's
 * loopback at HTTP_PORT (enough when the poster runs on the same host). */
static int public_url_init(struct api_config *cfg, char *errstr, size_t errstr_size)
{
    if (!cfg->public_url)
        cfg->public_url = xasprintf("http://127.0.0.1:%lld", cfg->http_port);
    if (strncmp(cfg->public_url, "http://", 7) != 0 &&
        strncmp(cfg->public_url, "https://", 8) != 0) {
        snprintf(errstr, errstr_size, "API_PUBLIC_URL: \"%s\" is not an http(s) URL",
                 cfg->public_url);
        return -1;
    }
    size_t n = strlen(cfg->public_url);
    while (n > 0 && cfg->public_url[n - 1] == '/')
        cfg->public_url[--n] = '\0';
    return 0;
}

/* AUTH and ALLOWED_HOSTS: AUTH=none only on a loopback listener; the default Host list is
 * the loopback names with the listening port. */
static int auth_config_init(struct app *app, char *errstr, size_t errstr_size)
{
    struct api_config *cfg = &app->cfg;
    if (strcmp(cfg->auth, "none") == 0) {
        if (!auth_listener_loopback(cfg->http_host)) {
            snprintf(errstr, errstr_size,
                     "AUTH=none is refused: HTTP_HOST=%s is not a loopback address, so anyone "
                     "on the network could use the api; use AUTH=login (the default) or "
                     "HTTP_HOST=127.0.0.1",
                     cfg->http_host);
            return -1;
        }
        app->auth_none = true;
        LOG_WARN("AUTH=none: no authentication; the api answers anyone who can reach "
                 "%s:%lld (a loopback address)",
                 cfg->http_host, cfg->http_port);
    } else if (strcmp(cfg->auth, "login") != 0) {
        snprintf(errstr, errstr_size, "AUTH: \"%s\" is neither login nor none", cfg->auth);
        return -1;
    }
    if (cfg->allowed_hosts)
        app->allowed_hosts = xstrdup(cfg->allowed_hosts);
    else
        app->allowed_hosts = xasprintf("localhost:%lld,127.0.0.1:%lld,[::1]:%lld", cfg->http_port,
                                       cfg->http_port, cfg->http_port);
    if (strcmp(app->allowed_hosts, "*") == 0)
        LOG_WARN("ALLOWED_HOSTS=*: any Host header is accepted (DNS rebinding can reach the api "
                 "unless a proxy in front checks Host)");
    if (auth_init() != 0) {
        snprintf(errstr, errstr_size, "libsodium could not be initialised");
        return -1;
    }
    app->login_limit =
        login_limit_new((int)cfg->login_rate_per_client, (int)cfg->login_rate_global);
    return 0;
}

static int ensure_dir(const char *path, char *errstr, size_t errstr_size);

/* UPLOAD_DIR and its .tmp (uploads being received; emptied at start: anything there is
 * from a request that died with the process). */
static int upload_dirs_init(struct app *app, char *errstr, size_t errstr_size)
{
    if (ensure_dir(app->cfg.upload_dir, errstr, errstr_size) != 0)
        return -1;
    if (!realpath(app->cfg.upload_dir, app->upload_abs)) {
        snprintf(errstr, errstr_size, "UPLOAD_DIR: %s: %s", app->cfg.upload_dir, strerror(errno));
        return -1;
    }
    snprintf(app->upload_tmp, sizeof(app->upload_tmp), "%s/.tmp", app->upload_abs);
    if (ensure_dir(app->upload_tmp, errstr, errstr_size) != 0)
        return -1;
    DIR *d = opendir(app->upload_tmp);
    struct dirent *de;
    while (d && (de = readdir(d)) != NULL) {
        if (strncmp(de->d_name, "upload-", 7) == 0) {
            char path[4500];
            snprintf(path, sizeof(path), "%s/%s", app->upload_tmp, de->d_name);
            unlink(path);
        }
    }
    if (d)
        closedir(d);
    return 0;
}

static int ensure_dir(const char *path, char *errstr, size_t errstr_size)
{
    if (mkdir(path, 0750) != 0 && errno != EEXIST) {
        snprintf(errstr, errstr_size, "UPLOAD_DIR: %s: %s", path, strerror(errno));
        return -1;
    }
    struct stat st;
    if (stat(path, &st) != 0 || !S_ISDIR(st.st_mode) || access(path, W_OK) != 0) {
        snprintf(errstr, errstr_size, "UPLOAD_DIR: %s is not a writable directory", path);
        return -1;
    }
    return 0;
}

/* What service_end calls back: the api's own intake and threads, in its shutdown order. */
struct api_main {
    struct app *app;
    bool images_inited;
};

static void api_stop_intake(void *ctx)
{
    struct app *app = ((struct api_main *)ctx)->app;
    if (app->http) {
        mg_stop(app->http);
        app->http = NULL;
    }
    /* after HTTP: no handler hands over a stream any more; open streams are closed (the
     * browsers reconnect to whichever api answers next) */
    sse_feed_stop(app->sse_feed);
    app->sse_feed = NULL;
    sse_hub_stop(app->sse);
    app->sse = NULL;
}

/* The relay and the status consumer (which commits and closes its consumer) stop together. */
static void api_drain(void *ctx)
{
    struct app *app = ((struct api_main *)ctx)->app;
    app->workers_stop = 1;
    outbox_relay_join(app);
    event_applier_join(app);
    reply_sweeper_join(app);
    renew_sweeper_join(app);
    upload_sweeper_join(app);
}

static void api_release(void *ctx)
{
    struct api_main *m = ctx;
    struct app *app = m->app;
    kafka_producer_free(app->dlq_producer);
    outbox_relay_free(app);          /* after the producer: late reports land in the relay */
    listing_cache_free(app->lcache); /* after HTTP: its list requests fill it */
    db_pool_free(app->pool);
    login_limit_free(app->login_limit);
    free(app->allowed_hosts);
    if (m->images_inited)
        images_shutdown();
}

/* The status consumer's poison-message producer, beside the skeleton's relay producer. */
static int api_dlq_producer_start(struct app *app)
{
    char err[512], client_id[160];
    snprintf(client_id, sizeof(client_id), "%s-dlq", app->cfg.svc.kafka_client_id);
    app->dlq_producer =
        kafka_producer_new(app->cfg.svc.kafka_bootstrap, client_id, NULL, NULL, err, sizeof(err));
    if (!app->dlq_producer) {
        LOG_ERROR("kafka dlq producer: %s", err);
        return -1;
    }
    return 0;
}

int main(int argc, char **argv)
{
    static struct app app;
    struct api_main m = {.app = &app};
    service_t svc;
    char err[1024];
    int status = 1;
    if (auth_cli_wanted(argc, argv))
        return auth_cli_main(argc, argv);
    int rc = service_begin(&svc, &api_service, &app.cfg, argc, argv);
    if (rc >= 0)
        return rc;
    if (app.cfg.outbox_publish_delay_ms > 0)
        LOG_WARN("OUTBOX_PUBLISH_DELAY_MS=%lld: test hook active, events are delayed",
                 app.cfg.outbox_publish_delay_ms);
    if (public_url_init(&app.cfg, err, sizeof(err)) != 0 ||
        auth_config_init(&app, err, sizeof(err)) != 0 ||
        upload_dirs_init(&app, err, sizeof(err)) != 0) {
        LOG_ERROR("config: %s", err);
        goto cleanup;
    }
    if (images_init(argv[0]) != 0) {
        LOG_ERROR("libvips could not be initialised");
        goto cleanup;
    }
    m.images_inited = true;
    exe_dir_init(&app);
    app_metrics_init(&app);
    if (app.cfg.pacing_off && app.cfg.pacing_off[0]) {
        pacing_builtin_off(app.cfg.pacing_off);
        LOG_INFO("PACING_OFF=%s: their built-in pacing is off (saved settings still apply)",
                 app.cfg.pacing_off);
    }

    app.pool = db_pool_new(app.cfg.database_url, (int)app.cfg.db_pool_size);
    if (app_migrate(&app) != 0 || outbox_relay_init(&app) != 0 ||
        service_kafka_start(&svc, api_topics, outbox_on_delivery, &app) != 0) {
        status = service_stop ? 0 : 1; /* a stop while waiting is not a failure */
        goto cleanup;
    }
    app.producer = svc.producer;
    if (api_dlq_producer_start(&app) != 0)
        goto cleanup;
    if (outbox_relay_start(&app, err, sizeof(err)) != 0 ||
        event_applier_start(&app, err, sizeof(err)) != 0 ||
        reply_sweeper_start(&app, err, sizeof(err)) != 0 ||
        renew_sweeper_start(&app, err, sizeof(err)) != 0 ||
        upload_sweeper_start(&app, err, sizeof(err)) != 0) {
        LOG_ERROR("%s", err);
        goto cleanup;
    }
    app.lcache = listing_cache_new((size_t)app.cfg.listing_cache_mb << 20);
    if (app_sse_start(&app, err, sizeof(err)) != 0 || app_http_start(&app, err, sizeof(err)) != 0) {
        LOG_ERROR("%s", err);
        goto cleanup;
    }
    LOG_INFO("listening on http://%s:%lld", app.cfg.http_host, app.cfg.http_port);

    while (!service_stop)
        util_sleep_ms(1000, &service_stop);
    status = 0;

cleanup:;
    const service_shutdown_t shutdown = {
        .stop_intake = api_stop_intake,
        .drain = api_drain,
        .release = api_release,
        .ctx = &m,
    };
    return service_end(&svc, &shutdown, status);
}
