/* The browser settings every service that drives a browser reads (the poster, byebuy-login,
 * the monitor): one set of variable names, defaults and checks, declared once here. A service
 * embeds a browser_config_t in its config struct and puts BROWSER_CONFIG_ROWS into its table
 * (common/config.h). */
#ifndef BROWSER_BROWSER_CONFIG_H
#define BROWSER_BROWSER_CONFIG_H

#include <stdbool.h>
#include <stddef.h>

#include "common/config.h"
#include "common/webdriver.h"

typedef struct {
    char *webdriver_url;
    char *backend; /* BROWSER_BACKEND: local | browserbase */
    char *bb_api_url;
    char *bb_api_key;
    char *bb_project_id;
    char *bb_context_id;
    char *profile_dir; /* PROFILE_DIR: <PROFILE_DIR>/<platform>-<account_id> per account */
    bool headless;
    char *chrome_binary;
    char *sandbox_url;  /* exported for the recipes' base_url_env */
    char *facebook_url; /* idem */
    long long profile_lock_timeout_ms;
    long long webdriver_timeout_ms;
} browser_config_t;

/* The rows of the browser settings, for a config table whose struct st has a browser_config_t
 * named member: BROWSER_CONFIG_ROWS(poster_config_t, browser). */
#define BROWSER_CONFIG_ROWS(st, member)                                                            \
    CONFIG_ENTRY("WEBDRIVER_URL", CONFIG_STRING, "http://127.0.0.1:9515", 0, 0, false, st,         \
                 member.webdriver_url, "chromedriver (local backend)"),                            \
        CONFIG_ENTRY("BROWSER_BACKEND", CONFIG_STRING, "local", 0, 0, false, st, member.backend,   \
                     "local (chromedriver + Chromium profiles) or browserbase"),                   \
        CONFIG_ENTRY("BROWSERBASE_API_URL", CONFIG_STRING, "https://api.browserbase.com", 0, 0,    \
                     false, st, member.bb_api_url, "Browserbase REST API"),                        \
        CONFIG_ENTRY("BROWSERBASE_API_KEY", CONFIG_SECRET, NULL, 0, 0, false, st,                  \
                     member.bb_api_key, "Browserbase API key (browserbase backend)"),              \
        CONFIG_ENTRY("BROWSERBASE_PROJECT_ID", CONFIG_STRING, NULL, 0, 0, false, st,               \
                     member.bb_project_id, "Browserbase project id"),                              \
        CONFIG_ENTRY("BROWSERBASE_CONTEXT_ID", CONFIG_STRING, NULL, 0, 0, false, st,               \
                     member.bb_context_id,                                                         \
                     "Browserbase context holding the marketplace login cookies"),                 \
        CONFIG_ENTRY("PROFILE_DIR", CONFIG_STRING, ".run/profiles", 0, 0, false, st,               \
                     member.profile_dir,                                                           \
                     "Chromium profiles, one per account: <PROFILE_DIR>/<platform>-<account_id>"), \
        CONFIG_ENTRY("HEADLESS", CONFIG_BOOL, "true", 0, 0, false, st, member.headless,            \
                     "run Chromium headless"),                                                     \
        CONFIG_ENTRY("CHROME_BINARY", CONFIG_STRING, NULL, 0, 0, false, st, member.chrome_binary,  \
                     "Chromium binary (default: chromedriver's choice)"),                          \
        CONFIG_ENTRY("SANDBOX_URL", CONFIG_STRING, NULL, 0, 0, false, st, member.sandbox_url,      \
                     "base URL of the sandbox marketplace ({{base_url}} of the sandbox recipes)"), \
        CONFIG_ENTRY("FACEBOOK_URL", CONFIG_STRING, NULL, 0, 0, false, st, member.facebook_url,    \
                     "base URL of Facebook ({{base_url}} of the facebook_marketplace recipes)"),   \
        CONFIG_ENTRY("PROFILE_LOCK_TIMEOUT_MS", CONFIG_INT, "300000", 0, 3600000, false, st,       \
                     member.profile_lock_timeout_ms,                                               \
                     "how long a posting job (or an inbox) waits for its account's browser "       \
                     "profile"),                                                                   \
        CONFIG_ENTRY("WEBDRIVER_TIMEOUT_MS", CONFIG_INT, "60000", 1000, 600000, false, st,         \
                     member.webdriver_timeout_ms, "timeout of one WebDriver command")

/* The checks a table cannot express: BROWSER_BACKEND's values, the Browserbase key it needs;
 * then exports SANDBOX_URL and FACEBOOK_URL (a value from .env must reach the recipes'
 * base_url_env). Returns 0 or -1 with "<VARIABLE>: ..." in errstr. */
int browser_config_check(const browser_config_t *c, char *errstr, size_t errstr_size)
    __attribute__((warn_unused_result));

/* true when BROWSER_BACKEND is browserbase. */
bool browser_config_browserbase(const browser_config_t *c);

/* The WebDriver settings (1280x900 window, no profile yet; strings point into c). */
void browser_config_wd(const browser_config_t *c, wd_config_t *out);

#endif
