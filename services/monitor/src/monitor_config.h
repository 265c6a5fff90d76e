/* byebuy-monitor's configuration: its own rows after the shared ones of the service skeleton,
 * read from the environment (and .env) at start. The browser keys have the poster's names and
 * defaults (one .env drives both). */
#ifndef MONITOR_CONFIG_H
#define MONITOR_CONFIG_H

#include <stdbool.h>

#include "common/event.h"
#include "common/service_main.h"
#include "common/webdriver.h"

typedef struct {
    service_config_t svc; /* LOG_LEVEL, KAFKA_*, TOPIC_*, HEALTH_* */
    long long heartbeat_ms;
    /* browser (as the poster's) */
    char *webdriver_url;
    char *browser_backend; /* local | browserbase */
    char *bb_api_url;
    char *bb_api_key;
    char *bb_project_id;
    char *bb_context_id;
    char *profile_dir;
    bool use_profiles; /* false: a fresh temporary profile per session (the sandbox) */
    bool headless;
    char *chrome_binary;
    char *sandbox_url;
    char *facebook_url;
    long long webdriver_timeout_ms;
    long long profile_lock_timeout_ms;
    /* inbox */
    char *recipes_dir;
    char *default_platform;
    long long call_timeout_ms;
    long long desired_read_timeout_ms;
    long long login_retry_ms, login_retry_max_ms;
    long long browser_retry_ms, browser_retry_max_ms;
    /* default pacing (monitor.desired pacing overrides it per account) */
    long long active_min_ms, active_max_ms, idle_min_ms, idle_max_ms;
    long long break_every_cycles, break_min_ms, break_max_ms;
} monitor_config_t;

/* The service's description for service_begin: its rows, its --help, the checks across rows
 * (BROWSER_BACKEND, the Browserbase key, pacing min <= max; SANDBOX_URL and FACEBOOK_URL are
 * exported for the recipes' base_url_env). */
extern const service_spec_t monitor_service;

/* The default pacing from the configuration. */
monitor_pacing_t monitor_config_pacing(const monitor_config_t *cfg);

/* The WebDriver settings (profile_dir left NULL: set per account). */
void monitor_config_wd(const monitor_config_t *cfg, wd_config_t *wd);

#endif
