/* byebuy-monitor's configuration: its own rows after the shared ones of the service skeleton,
 * read from the environment (and .env) at start. The browser keys have the poster's names and
 * defaults (one .env drives both): libs/browser's BROWSER_CONFIG_ROWS. */
#ifndef MONITOR_CONFIG_H
#define MONITOR_CONFIG_H

#include <stdbool.h>

#include "browser/browser_config.h"
#include "common/event.h"
#include "common/service_main.h"

typedef struct {
    service_config_t svc; /* LOG_LEVEL, KAFKA_*, TOPIC_*, HEALTH_* */
    long long heartbeat_ms;
    browser_config_t browser; /* WEBDRIVER_URL, BROWSER_BACKEND, PROFILE_DIR, ... (libs/browser) */
    bool use_profiles;        /* false: a fresh temporary profile per session (the sandbox) */
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
 * (browser_config_check: BROWSER_BACKEND, the Browserbase key, SANDBOX_URL and FACEBOOK_URL
 * exported for the recipes; pacing and backoff min <= max). */
extern const service_spec_t monitor_service;

/* The default pacing from the configuration. */
monitor_pacing_t monitor_config_pacing(const monitor_config_t *cfg);

#endif
