/* The configuration table of byebuy-monitor (see monitor_config.h). */
#include "monitor_config.h"

#include <stdio.h>

#define E(name, type, def, min, max, field, help)                                                  \
    CONFIG_ENTRY(name, type, def, min, max, false, monitor_config_t, field, help)

static const config_entry_t monitor_config_rows[] = {
    E("MONITOR_HEARTBEAT_MS", CONFIG_INT, "30000", 1000, 3600000, heartbeat_ms,
      "interval of monitor.status heartbeats while accounts are running"),
    BROWSER_CONFIG_ROWS(monitor_config_t, browser),
    E("MONITOR_USE_PROFILES", CONFIG_BOOL, "true", 0, 0, use_profiles,
      "open each inbox on the account's logged-in profile (false: a fresh temporary profile, "
      "enough for the sandbox); a posting job that wants the profile gets it between two polls"),
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
    if (browser_config_check(&c->browser, errstr, errstr_size) != 0)
        return -1;
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
