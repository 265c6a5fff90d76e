/* byebuy-poster: consumes bb.posting.requests, posts each listing through the driver of its
 * platform (browser recipes over WebDriver), and reports on bb.posting.events. main() reads
 * the configuration and the recipes, starts the threads in order and stops them in reverse. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/event.h"
#include "api_auth.h"
#include "common/httpc.h"
#include "common/kafka.h"
#include "common/log.h"
#include "common/service_main.h"
#include "common/util.h"
#include "common/xmalloc.h"
#include "driver.h"
#include "ebay_platform.h"
#include "poster_config.h"
#include "browser/profile_lock.h"
#include "browser/recipe.h"
#include "worker.h"

/* Retries of one image download: the api may be restarting (about 8 s of backoff in all). */
#define IMAGE_FETCH_RETRIES 4

/* How long a stopping poster waits for its running jobs to reach a step boundary. */
#define DRAIN_TIMEOUT_MS 4000

struct app {
    poster_config_t cfg;
    recipe_set_t recipes;
    driver_registry_t drivers;
    driver_env_t env;
    worker_pool_t *pool;
    bool check_only; /* --check-recipes */
};

/* chromedriver answers GET /status with {"value":{"ready":...}}; Browserbase creates its
 * browsers on demand, so there is nothing to ask before a job. */
static bool probe_webdriver(void *ctx, char *detail, size_t detail_size)
{
    struct app *app = ctx;
    if (browser_config_browserbase(&app->cfg.browser)) {
        snprintf(detail, detail_size, "browserbase (sessions on demand)");
        return true;
    }
    httpc_policy_t pol;
    httpc_policy_default(&pol);
    pol.max_retries = 0;
    pol.timeout_ms = 2000;
    pol.connect_timeout_ms = 1000;
    httpc_response_t resp;
    char errstr[256];
    char *url = xasprintf("%s/status", app->cfg.browser.webdriver_url);
    int rc = httpc_request("GET", url, NULL, NULL, 0, &pol, &resp, errstr, sizeof(errstr));
    free(url);
    bool ok = rc == 0 && resp.status == 200;
    if (rc != 0)
        snprintf(detail, detail_size, "%s: %s", app->cfg.browser.webdriver_url, errstr);
    else if (!ok)
        snprintf(detail, detail_size, "%s/status answered %ld", app->cfg.browser.webdriver_url,
                 resp.status);
    else
        snprintf(detail, detail_size, "ok");
    httpc_response_free(&resp);
    return ok;
}

static void env_init(struct app *app)
{
    const poster_config_t *c = &app->cfg;
    driver_env_t *e = &app->env;
    browser_config_wd(&c->browser, &e->wd);
    e->profile_root = c->browser.profile_dir;
    e->work_dir = c->work_dir;
    e->image_retries = IMAGE_FETCH_RETRIES;
    e->artifacts.api_base = c->api_public_url;
    e->artifacts.retries = (int)c->artifact_retries;
    e->artifacts.timeout_ms = 15000;
    e->step_delay_ms = (int)c->step_delay_ms;
    e->profile_lock_timeout_ms = c->browser.profile_lock_timeout_ms;
}

/* The recipes, the drivers over them and the directories the jobs write to. */
static int app_prepare(struct app *app)
{
    char errstr[1024];
    if (recipe_set_load(app->cfg.recipes_dir, &app->recipes, errstr, sizeof(errstr)) != 0) {
        LOG_ERROR("recipes: %s", errstr);
        return -1;
    }
    for (size_t i = 0; i < app->recipes.n; i++)
        LOG_INFO("recipe %s: %zu steps, base_url %s (%s)", app->recipes.items[i]->platform,
                 app->recipes.items[i]->nsteps,
                 app->recipes.items[i]->base_url ? app->recipes.items[i]->base_url : "-",
                 app->recipes.items[i]->path);
    if (app->check_only)
        return 0;
    if (driver_registry_init(&app->drivers, &app->recipes) != 0)
        return -1;
    env_init(app);
    if (ebay_platform_register(&app->drivers, &app->cfg.ebay, &app->env) != 0)
        return -1;
    if (profile_mkdirs(app->cfg.work_dir) != 0) {
        LOG_ERROR("WORK_DIR %s: %s", app->cfg.work_dir, strerror(errno));
        return -1;
    }
    if (!browser_config_browserbase(&app->cfg.browser) &&
        profile_mkdirs(app->cfg.browser.profile_dir) != 0) {
        LOG_ERROR("PROFILE_DIR %s: %s", app->cfg.browser.profile_dir, strerror(errno));
        return -1;
    }
    return 0;
}

/* Running jobs abort at their next step (nothing final is published, so Kafka redelivers
 * them); the pool returns when they have. */
static void app_drain(void *ctx)
{
    struct app *app = ctx;
    worker_pool_free(app->pool);
    app->pool = NULL;
}

static void app_release(void *ctx)
{
    struct app *app = ctx;
    driver_registry_free(&app->drivers);
    recipe_set_free(&app->recipes);
}

int main(int argc, char **argv)
{
    static struct app app;
    service_t svc;
    char errstr[1024];
    int status = 1;
    int rc = service_begin(&svc, &poster_service, &app.cfg, argc, argv);
    if (rc >= 0)
        return rc;
    app.check_only = service_option(&svc, "--check-recipes");
    if (api_auth_load(app.cfg.api_token, app.cfg.api_token_file, app.cfg.api_public_url, errstr,
                      sizeof(errstr)) != 0) {
        LOG_ERROR("config: %s", errstr);
        goto cleanup;
    }
    int prepared = app_prepare(&app);
    if (prepared != 0 || app.check_only) {
        status = prepared == 0 ? 0 : 1;
        goto cleanup;
    }
    static const char *const topics[] = {TOPIC_POSTING_REQUESTS, TOPIC_POSTING_EVENTS, TOPIC_DLQ,
                                         NULL};
    if (service_kafka_start(&svc, topics, NULL, NULL) != 0)
        goto cleanup;
    worker_deps_t deps = {
        .drivers = &app.drivers,
        .env = &app.env,
        .producer = svc.producer,
        .job_timeout_ms = app.cfg.job_timeout_ms,
        .stop = &service_stop,
    };
    app.pool = worker_pool_new((int)app.cfg.workers, &deps, errstr, sizeof(errstr));
    if (!app.pool) {
        LOG_ERROR("%s", errstr);
        goto cleanup;
    }
    static const char *const consume[] = {TOPIC_POSTING_REQUESTS, NULL};
    kafka_consumer_config_t cc = {
        .topics = consume,
        .handler = worker_on_message,
        .ctx = app.pool,
        .max_in_flight_per_partition = 1, /* a listing's jobs run one at a time, in order */
        /* a job running when its partition moves to another poster finishes here first:
         * the other poster must not start the same listing in a second browser */
        .revoke_drain_timeout_ms =
            (int)(app.cfg.job_timeout_ms < 240000 ? app.cfg.job_timeout_ms + 10000 : 250000),
    };
    if (service_consumer_start(&svc, &cc) != 0)
        goto cleanup;
    worker_pool_set_consumer(app.pool, svc.consumer);
    const service_probe_t probes[] = {
        {"kafka", kafka_probe, svc.producer},
        {"webdriver", probe_webdriver, &app},
    };
    if (service_health_start(&svc, probes, sizeof(probes) / sizeof(probes[0])) != 0)
        goto cleanup;
    LOG_INFO("poster ready: %zu platform%s, %lld worker%s, backend %s, health on %s:%lld",
             app.drivers.n, app.drivers.n == 1 ? "" : "s", app.cfg.workers,
             app.cfg.workers == 1 ? "" : "s", app.cfg.browser.backend, app.cfg.svc.health_host,
             app.cfg.svc.health_port);
    status = service_run(&svc, DRAIN_TIMEOUT_MS);

cleanup:;
    const service_shutdown_t shutdown = {.drain = app_drain, .release = app_release, .ctx = &app};
    return service_end(&svc, &shutdown, status);
}
