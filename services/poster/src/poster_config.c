/* The poster's configuration table and the checks across variables (see poster_config.h). */
#include "poster_config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/event.h"

#define E(name, type, def, min, max, req, field, help)                                             \
    CONFIG_ENTRY(name, type, def, min, max, req, poster_config_t, field, help)

static const config_entry_t poster_config_rows[] = {
    E("WEBDRIVER_URL", CONFIG_STRING, "http://127.0.0.1:9515", 0, 0, false, webdriver_url,
      "chromedriver (local backend)"),
    E("BROWSER_BACKEND", CONFIG_STRING, "local", 0, 0, false, browser_backend,
      "local (chromedriver + Chromium profiles) or browserbase"),
    E("BROWSERBASE_API_URL", CONFIG_STRING, "https://api.browserbase.com", 0, 0, false, bb_api_url,
      "Browserbase REST API"),
    E("BROWSERBASE_API_KEY", CONFIG_SECRET, NULL, 0, 0, false, bb_api_key,
      "Browserbase API key (browserbase backend)"),
    E("BROWSERBASE_PROJECT_ID", CONFIG_STRING, NULL, 0, 0, false, bb_project_id,
      "Browserbase project id"),
    E("BROWSERBASE_CONTEXT_ID", CONFIG_STRING, NULL, 0, 0, false, bb_context_id,
      "Browserbase context holding the marketplace login cookies"),
    E("PROFILE_DIR", CONFIG_STRING, ".run/profiles", 0, 0, false, profile_dir,
      "Chromium profiles, one per account: <PROFILE_DIR>/<platform>-<account_id>"),
    E("HEADLESS", CONFIG_BOOL, "true", 0, 0, false, headless, "run Chromium headless"),
    E("CHROME_BINARY", CONFIG_STRING, NULL, 0, 0, false, chrome_binary,
      "Chromium binary (default: chromedriver's choice)"),
    E("WORK_DIR", CONFIG_STRING, ".run/poster-work", 0, 0, false, work_dir,
      "this poster's own scratch space: a running job's downloaded images (the browser reads "
      "them here); shared with no other service"),
    E("API_PUBLIC_URL", CONFIG_STRING, "http://127.0.0.1:8080", 0, 0, false, api_public_url,
      "the api: screenshots are delivered to PUT <API_PUBLIC_URL>/api/jobs/{id}/artifacts/"
      "{name}"),
    E("ARTIFACT_RETRIES", CONFIG_INT, "3", 0, 10, false, artifact_retries,
      "retries of a screenshot delivery to the api (capped exponential backoff)"),
    E("RECIPES_DIR", CONFIG_STRING, "services/poster/recipes", 0, 0, false, recipes_dir,
      "browser recipes, one <platform>.json each"),
    E("SANDBOX_URL", CONFIG_STRING, NULL, 0, 0, false, sandbox_url,
      "base URL of the sandbox marketplace ({{base_url}} of recipes/sandbox.json)"),
    E("FACEBOOK_URL", CONFIG_STRING, NULL, 0, 0, false, facebook_url,
      "base URL of Facebook ({{base_url}} of recipes/facebook_marketplace.json)"),
    E("JOB_TIMEOUT_MS", CONFIG_INT, "180000", 5000, 3600000, false, job_timeout_ms,
      "a posting job fails with timeout after this long"),
    E("PROFILE_LOCK_TIMEOUT_MS", CONFIG_INT, "300000", 0, 3600000, false, profile_lock_timeout_ms,
      "how long a job waits for its account's browser profile"),
    E("WORKERS", CONFIG_INT, "2", 1, 64, false, workers, "posting jobs run at once"),
    E("STEP_DELAY_MS", CONFIG_INT, "400", 0, 60000, false, step_delay_ms,
      "pause between recipe steps, jittered 0.5x-1.5x (human-like pacing)"),
    E("WEBDRIVER_TIMEOUT_MS", CONFIG_INT, "60000", 1000, 600000, false, webdriver_timeout_ms,
      "timeout of one WebDriver command"),
};

bool poster_config_browserbase(const poster_config_t *cfg)
{
    return strcmp(cfg->browser_backend, "browserbase") == 0;
}

static int poster_config_check(void *config, char *errstr, size_t errstr_size)
{
    poster_config_t *cfg = config;
    if (strcmp(cfg->browser_backend, "local") != 0 &&
        strcmp(cfg->browser_backend, "browserbase") != 0) {
        snprintf(errstr, errstr_size, "BROWSER_BACKEND: \"%s\" is not local or browserbase",
                 cfg->browser_backend);
        return -1;
    }
    if (poster_config_browserbase(cfg) && !cfg->bb_api_key) {
        snprintf(errstr, errstr_size,
                 "BROWSERBASE_API_KEY: required when BROWSER_BACKEND=browserbase");
        return -1;
    }
    /* The recipes name these through base_url_env; a value from .env must reach them too. */
    if (cfg->sandbox_url && setenv("SANDBOX_URL", cfg->sandbox_url, 1) != 0) {
        snprintf(errstr, errstr_size, "SANDBOX_URL: cannot export");
        return -1;
    }
    if (cfg->facebook_url && setenv("FACEBOOK_URL", cfg->facebook_url, 1) != 0) {
        snprintf(errstr, errstr_size, "FACEBOOK_URL: cannot export");
        return -1;
    }
    return 0;
}

const service_spec_t poster_service = {
    .name = "poster",
    .summary =
        "  Posts listings from " TOPIC_POSTING_REQUESTS " through browser recipes and reports "
        "on " TOPIC_POSTING_EVENTS ".",
    .features = SERVICE_KAFKA | SERVICE_CONSUMER | SERVICE_HEALTH,
    .health_port = "8081",
    .rows = poster_config_rows,
    .nrows = sizeof(poster_config_rows) / sizeof(poster_config_rows[0]),
    .shared_offset = offsetof(poster_config_t, svc),
    .check = poster_config_check,
    .options = {{"--check-recipes",
                 "load and validate RECIPES_DIR, then exit (0 when all are good)", true}},
};
