/* The poster's configuration table and the checks across variables (see poster_config.h). */
#include "poster_config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define E(name, type, def, min, max, req, field, help)                                             \
    CONFIG_ENTRY(name, type, def, min, max, req, poster_config_t, field, help)

const config_entry_t poster_config_table[] = {
    E("LOG_LEVEL", CONFIG_STRING, "info", 0, 0, false, log_level, "debug, info, warn or error"),
    E("KAFKA_BOOTSTRAP_SERVERS", CONFIG_STRING, "127.0.0.1:9092", 0, 0, true, kafka_bootstrap,
      "Kafka bootstrap servers"),
    E("KAFKA_GROUP_ID", CONFIG_STRING, "byebuy-poster", 0, 0, false, kafka_group_id,
      "consumer group of the poster instances"),
    E("TOPIC_PARTITIONS", CONFIG_INT, "6", 1, 1000, false, topic_partitions,
      "partitions of the topics the poster creates when missing"),
    E("TOPIC_REPLICATION", CONFIG_INT, "1", 1, 16, false, topic_replication,
      "replication factor of the topics the poster creates"),
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
    E("HEALTH_HOST", CONFIG_STRING, "127.0.0.1", 0, 0, false, health_host,
      "address of /healthz, /readyz, /metrics"),
    E("HEALTH_PORT", CONFIG_INT, "8081", 1, 65535, false, health_port, "port of the same"),
};

const size_t poster_config_count = sizeof(poster_config_table) / sizeof(poster_config_table[0]);

bool poster_config_browserbase(const poster_config_t *cfg)
{
    return strcmp(cfg->browser_backend, "browserbase") == 0;
}

int poster_config_load(poster_config_t *cfg, char *errstr, size_t errstr_size)
{
    memset(cfg, 0, sizeof(*cfg));
    if (config_load(poster_config_table, poster_config_count, cfg, NULL, errstr, errstr_size) != 0)
        return -1;
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

void poster_config_free(poster_config_t *cfg)
{
    config_free(poster_config_table, poster_config_count, cfg);
}
