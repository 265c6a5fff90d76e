/* The poster's configuration table (environment variables, documented in
 * config/byebuy.env.example), shared by byebuy-poster and byebuy-login. */
#ifndef POSTER_CONFIG_H
#define POSTER_CONFIG_H

#include <stdbool.h>
#include <stddef.h>

#include "browser/browser_config.h"
#include "common/service_main.h"
#include "ebay_config.h"

typedef struct {
    service_config_t svc;     /* LOG_LEVEL, KAFKA_*, TOPIC_*, HEALTH_* */
    browser_config_t browser; /* WEBDRIVER_URL, BROWSER_BACKEND, PROFILE_DIR, ... */
    char *work_dir;
    char *api_public_url;
    char *api_token_file; /* API_TOKEN_FILE (api_auth.h) */
    char *api_token;      /* API_TOKEN */
    long long artifact_retries;
    char *recipes_dir;
    long long job_timeout_ms;
    long long workers;
    long long step_delay_ms;
    ebay_config_t ebay; /* EBAY_*: the eBay API driver */
} poster_config_t;

/* The service's description for service_begin (and byebuy-login's service_config_load):
 * its rows after the shared ones (the browser's from libs/browser, then its own),
 * --check-recipes, and the checks the table cannot express (browser_config_check). */
extern const service_spec_t poster_service;

#endif
