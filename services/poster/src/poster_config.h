/* The poster's configuration table (environment variables, documented in
 * config/byebuy.env.example), shared by byebuy-poster and byebuy-login. */
#ifndef POSTER_CONFIG_H
#define POSTER_CONFIG_H

#include <stdbool.h>
#include <stddef.h>

#include "common/service_main.h"

typedef struct {
    service_config_t svc; /* LOG_LEVEL, KAFKA_*, TOPIC_*, HEALTH_* */
    char *webdriver_url;
    char *browser_backend; /* local | browserbase */
    char *bb_api_url;
    char *bb_api_key;
    char *bb_project_id;
    char *bb_context_id;
    char *profile_dir;
    bool headless;
    char *chrome_binary;
    char *work_dir;
    char *api_public_url;
    long long artifact_retries;
    char *recipes_dir;
    char *sandbox_url;
    char *facebook_url;
    long long job_timeout_ms;
    long long profile_lock_timeout_ms;
    long long workers;
    long long step_delay_ms;
    long long webdriver_timeout_ms;
} poster_config_t;

/* The service's description for service_begin (and byebuy-login's service_config_load):
 * its rows after the shared ones, --check-recipes, and the checks the table cannot express
 * (BROWSER_BACKEND's values, the Browserbase key it needs; SANDBOX_URL and FACEBOOK_URL are
 * exported for the recipes' base_url_env). */
extern const service_spec_t poster_service;

/* true when BROWSER_BACKEND is browserbase. */
bool poster_config_browserbase(const poster_config_t *cfg);

#endif
