/* The configuration table of byebuy-monitor (see monitor_config.h). */
#include "monitor_config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define E(name, type, def, min, max, field, help)                                                  \
    CONFIG_ENTRY(name, type, def, min, max, false, monitor_config_t, field, help)

static const config_entry_t monitor_config_rows[] = {
    E("MONITOR_HEARTBEAT_MS", CONFIG_INT, "30000", 1000, 3600000, heartbeat_ms,
      "interval of monitor.status heartbeats while accounts are running"),
    E("WEBDRIVER_URL", CONFIG_STRING, "http://127.0.0.1:9515", 0, 0, webdriver_url,
      "chromedriver (local backend)"),
    E("BROWSER_BACKEND", CONFIG_STRING, "local", 0, 0, browser_backend,
      "local (chromedriver + Chromium profiles) or browserbase"),
    E("BROWSERBASE_API_URL", CONFIG_STRING, "https://api.browserbase.com", 0, 0, bb_api_url,
      "Browserbase REST API"),
    E("BROWSERBASE_API_KEY", CONFIG_SECRET, NULL, 0, 0, bb_api_key,
      "Browserbase API key (browserbase backend)"),
    E("BROWSERBASE_PROJECT_ID", CONFIG_STRING, NULL, 0, 0, bb_project_id, "Browserbase project id"),
    E("BROWSERBASE_CONTEXT_ID", CONFIG_STRING, NULL, 0, 0, bb_context_id,
      "Browserbase context holding the marketplace login cookies"),
    E("PROFILE_DIR", CONFIG_STRING, ".run/profiles", 0, 0, profile_dir,
      "Chromium profiles, one per account: <PROFILE_DIR>/<platform>-<account_id> (the poster's)"),
    E("MONITOR_USE_PROFILES", CONFIG_BOOL, "true", 0, 0, use_profiles,
      "open each inbox on the account's logged-in profile (false: a fresh temporary profile, "
      "enough for the sandbox); the profile is locked while the inbox is open"),
    E("HEADLESS", CONFIG_BOOL, "true", 0, 0, headless, "run Chromium headless"),
    E("CHROME_BINARY", CONFIG_STRING, NULL, 0, 0, chrome_binary,
      "Chromium binary (default: chromedriver's choice)"),
    E("SANDBOX_URL", CONFIG_STRING, NULL, 0, 0, sandbox_url,
      "base URL of the sandbox marketplace ({{base_url}} of recipes/inbox/sandbox.json)"),
    E("FACEBOOK_URL", CONFIG_STRING, NULL, 0, 0, facebook_url,
      "base URL of Facebook ({{base_url}} of recipes/inbox/facebook_marketplace.json)"),
    E("WEBDRIVER_TIMEOUT_MS", CONFIG_INT, "60000", 1000, 600000, webdriver_timeout_ms,
      "timeout of one WebDriver command"),
    E("PROFILE_LOCK_TIMEOUT_MS", CONFIG_INT, "300000", 0, 3600000, profile_lock_timeout_ms,
      "how long an inbox waits for its account's browser profile (a posting job may hold it)"),
    E("INBOX_RECIPES_DIR", CONFIG_STRING, "recipes/inbox", 0, 0, recipes_dir,
      "inbox recipes, one <platform>.json each"),
    E("MONITOR_DEFAULT_PLATFORM", CONFIG_STRING, "sandbox", 0, 0, default_platform,
      "platform of an account started by monitor.start without a monitor.desired record"),
    E("MONITOR_CALL_TIMEOUT_MS", CONFIG_INT, "60000", 1000, 600000, call_timeout_ms,
      "bound of one inbox call (list the threads, read one, send one)"),
    E("MONITOR_DESIRED_READ_TIMEOUT_MS", CONFIG_INT, "15000", 1000, 120000, desired_read_timeout_ms,
      "how long reading a partition of " TOPIC_MONITOR_DESIRED " may take on assignment"),
    E("MONITOR_LOGIN_RETRY_MS", CONFIG_INT, "60000", 100, 3600000, login_retry_ms,
      "first wait before looking again after a login wall (doubles each time)"),
    E("MONITOR_LOGIN_RETRY_MAX_MS", CONFIG_INT, "900000", 100, 86400000, login_retry_max_ms,
      "longest wait between two looks at a login wall"),
    E("MONITOR_BROWSER_RETRY_MS", CONFIG_INT, "2000", 100, 3600000, browser_retry_ms,
      "first wait before reopening a browser session that failed (doubles each time)"),
    E("MONITOR_BROWSER_RETRY_MAX_MS", CONFIG_INT, "60000", 100, 3600000, browser_retry_max_ms,
      "longest wait before reopening a browser session"),
    E("MONITOR_ACTIVE_MIN_MS", CONFIG_INT, "3000", 0, 3600000, active_min_ms,
      "wait after a cycle with activity, lower bound (monitor.desired pacing overrides)"),
    E("MONITOR_ACTIVE_MAX_MS", CONFIG_INT, "5000", 0, 3600000, active_max_ms,
      "wait after a cycle with activity, upper bound"),
    E("MONITOR_IDLE_MIN_MS", CONFIG_INT, "9000", 0, 3600000, idle_min_ms,
      "wait after a quiet cycle, lower bound"),
    E("MONITOR_IDLE_MAX_MS", CONFIG_INT, "11000", 0, 3600000, idle_max_ms,
      "wait after a quiet cycle, upper bound"),
    E("MONITOR_BREAK_EVERY_CYCLES", CONFIG_INT, "75", 0, 1000000, break_every_cycles,
      "a longer break after every N cycles (0: never)"),
    E("MONITOR_BREAK_MIN_MS", CONFIG_INT, "60000", 0, 86400000, break_min_ms,
      "break length, lower bound"),
    E("MONITOR_BREAK_MAX_MS", CONFIG_INT, "120000", 0, 86400000, break_max_ms,
      "break length, upper bound"),
};

monitor_pacing_t monitor_config_pacing(const monitor_config_t *c)
{
    monitor_pacing_t p = {c->active_min_ms,      c->active_max_ms, c->idle_min_ms, c->idle_max_ms,
                          c->break_every_cycles, c->break_min_ms,  c->break_max_ms};
    return p;
}

void monitor_config_wd(const monitor_config_t *c, wd_config_t *wd)
{
    memset(wd, 0, sizeof(*wd));
    wd->backend = strcmp(c->browser_backend, "browserbase") == 0 ? WD_BROWSERBASE : WD_LOCAL;
    wd->endpoint = c->webdriver_url;
    wd->chrome_binary = c->chrome_binary;
    wd->headless = c->headless;
    wd->window_width = 1280;
    wd->window_height = 900;
    wd->bb_api_url = c->bb_api_url;
    wd->bb_api_key = c->bb_api_key;
    wd->bb_project_id = c->bb_project_id;
    wd->bb_context_id = c->bb_context_id;
    wd->command_timeout_ms = (int)c->webdriver_timeout_ms;
}

static int check_range(const char *min_name, long long min, const char *max_name, long long max,
                       char *errstr, size_t errstr_size)
{
    if (min <= max)
        return 0;
    snprintf(errstr, errstr_size, "%s: %lld is below %s (%lld)", max_name, max, min_name, min);
    return -1;
}

static int monitor_config_check(void *config, char *errstr, size_t errstr_size)
{
    monitor_config_t *c = config;
    if (strcmp(c->browser_backend, "local") != 0 &&
        strcmp(c->browser_backend, "browserbase") != 0) {
        snprintf(errstr, errstr_size, "BROWSER_BACKEND: \"%s\" is not local or browserbase",
                 c->browser_backend);
        return -1;
    }
    if (strcmp(c->browser_backend, "browserbase") == 0 && !c->bb_api_key) {
        snprintf(errstr, errstr_size,
                 "BROWSERBASE_API_KEY: required when BROWSER_BACKEND=browserbase");
        return -1;
    }
    if (check_range("MONITOR_ACTIVE_MIN_MS", c->active_min_ms, "MONITOR_ACTIVE_MAX_MS",
                    c->active_max_ms, errstr, errstr_size) < 0 ||
        check_range("MONITOR_IDLE_MIN_MS", c->idle_min_ms, "MONITOR_IDLE_MAX_MS", c->idle_max_ms,
                    errstr, errstr_size) < 0 ||
        check_range("MONITOR_BREAK_MIN_MS", c->break_min_ms, "MONITOR_BREAK_MAX_MS",
                    c->break_max_ms, errstr, errstr_size) < 0 ||
        check_range("MONITOR_LOGIN_RETRY_MS", c->login_retry_ms, "MONITOR_LOGIN_RETRY_MAX_MS",
                    c->login_retry_max_ms, errstr, errstr_size) < 0 ||
        check_range("MONITOR_BROWSER_RETRY_MS", c->browser_retry_ms, "MONITOR_BROWSER_RETRY_MAX_MS",
                    c->browser_retry_max_ms, errstr, errstr_size) < 0)
        return -1;
    /* The recipes name these through base_url_env; a value from .env must reach them too. */
    if ((c->sandbox_url && setenv("SANDBOX_URL", c->sandbox_url, 1) != 0) ||
        (c->facebook_url && setenv("FACEBOOK_URL", c->facebook_url, 1) != 0)) {
        snprintf(errstr, errstr_size, "SANDBOX_URL/FACEBOOK_URL: cannot export");
        return -1;
    }
    return 0;
}

const service_spec_t monitor_service = {
    .name = "monitor",
    .summary = "  Watches marketplace inboxes (accounts of its " TOPIC_MONITOR_COMMANDS
               " partitions,\n  desired state from " TOPIC_MONITOR_DESIRED
               ") and reports on " TOPIC_MONITOR_EVENTS ".",
    .features = SERVICE_KAFKA | SERVICE_CONSUMER | SERVICE_HEALTH,
    .health_port = "8082",
    .rows = monitor_config_rows,
    .nrows = sizeof(monitor_config_rows) / sizeof(monitor_config_rows[0]),
    .shared_offset = offsetof(monitor_config_t, svc),
    .check = monitor_config_check,
};
