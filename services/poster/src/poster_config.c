/* The poster's configuration table and the checks across variables (see poster_config.h). */
#include "poster_config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/event.h"

#define E(name, type, def, min, max, req, field, help)                                             \
    CONFIG_ENTRY(name, type, def, min, max, req, poster_config_t, field, help)

static const config_entry_t poster_config_rows[] = {
    BROWSER_CONFIG_ROWS(poster_config_t, browser),
    E("WORK_DIR", CONFIG_STRING, ".run/poster-work", 0, 0, false, work_dir,
      "this poster's own scratch space: a running job's downloaded images (the browser reads "
      "them here); shared with no other service"),
    E("API_PUBLIC_URL", CONFIG_STRING, "http://127.0.0.1:8080", 0, 0, false, api_public_url,
      "the api: screenshots are delivered to PUT <API_PUBLIC_URL>/api/jobs/{id}/artifacts/"
      "{name}"),
    E("API_TOKEN_FILE", CONFIG_STRING, NULL, 0, 0, false, api_token_file,
      "file holding an api token (byebuy-api token create; make up writes .run/dev/stack-token): "
      "sent as Authorization: Bearer to API_PUBLIC_URL only"),
    E("API_TOKEN", CONFIG_SECRET, NULL, 0, 0, false, api_token,
      "the api token itself, when API_TOKEN_FILE is not set"),
    E("ARTIFACT_RETRIES", CONFIG_INT, "3", 0, 10, false, artifact_retries,
      "retries of a screenshot delivery to the api (capped exponential backoff)"),
    E("RECIPES_DIR", CONFIG_STRING, "services/poster/recipes", 0, 0, false, recipes_dir,
      "browser recipes, one <platform>.json each"),
    E("JOB_TIMEOUT_MS", CONFIG_INT, "180000", 5000, 3600000, false, job_timeout_ms,
      "a posting job fails with timeout after this long"),
    E("WORKERS", CONFIG_INT, "2", 1, 64, false, workers, "posting jobs run at once"),
    E("STEP_DELAY_MS", CONFIG_INT, "400", 0, 60000, false, step_delay_ms,
      "pause between recipe steps, jittered 0.5x-1.5x (human-like pacing)"),
    EBAY_CONFIG_ROWS(poster_config_t, ebay),
};

static int poster_config_check(void *config, char *errstr, size_t errstr_size)
{
    const poster_config_t *cfg = config;
    if (browser_config_check(&cfg->browser, errstr, errstr_size) != 0)
        return -1;
    return ebay_config_check(&cfg->ebay, errstr, errstr_size);
}

const service_spec_t poster_service = {
    .name = "poster",
    .summary =
        "  Posts, delists and edits listings from " TOPIC_POSTING_REQUESTS " through browser "
        "recipes (and eBay's Sell Inventory API for ebay) and reports on " TOPIC_POSTING_EVENTS ".",
    .features = SERVICE_KAFKA | SERVICE_CONSUMER | SERVICE_HEALTH,
    .health_port = "8081",
    .rows = poster_config_rows,
    .nrows = sizeof(poster_config_rows) / sizeof(poster_config_rows[0]),
    .shared_offset = offsetof(poster_config_t, svc),
    .check = poster_config_check,
    .options = {{"--check-recipes",
                 "load and validate RECIPES_DIR, then exit (0 when all are good)", true}},
};
