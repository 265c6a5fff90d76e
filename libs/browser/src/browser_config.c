/* The shared browser settings' checks and their WebDriver form (see browser_config.h). */
#include "browser/browser_config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

bool browser_config_browserbase(const browser_config_t *c)
{
    return strcmp(c->backend, "browserbase") == 0;
}

int browser_config_check(const browser_config_t *c, char *errstr, size_t errstr_size)
{
    if (strcmp(c->backend, "local") != 0 && strcmp(c->backend, "browserbase") != 0) {
        snprintf(errstr, errstr_size, "BROWSER_BACKEND: \"%s\" is not local or browserbase",
                 c->backend);
        return -1;
    }
    if (browser_config_browserbase(c) && !c->bb_api_key) {
        snprintf(errstr, errstr_size,
                 "BROWSERBASE_API_KEY: required when BROWSER_BACKEND=browserbase");
        return -1;
    }
    /* The recipes name these through base_url_env; a value from .env must reach them too. */
    if (c->sandbox_url && setenv("SANDBOX_URL", c->sandbox_url, 1) != 0) {
        snprintf(errstr, errstr_size, "SANDBOX_URL: cannot export");
        return -1;
    }
    if (c->facebook_url && setenv("FACEBOOK_URL", c->facebook_url, 1) != 0) {
        snprintf(errstr, errstr_size, "FACEBOOK_URL: cannot export");
        return -1;
    }
    return 0;
}

void browser_config_wd(const browser_config_t *c, wd_config_t *out)
{
    memset(out, 0, sizeof(*out));
    out->backend = browser_config_browserbase(c) ? WD_BROWSERBASE : WD_LOCAL;
    out->endpoint = c->webdriver_url;
    out->chrome_binary = c->chrome_binary;
    out->headless = c->headless;
    out->window_width = 1280;
    out->window_height = 900;
    out->bb_api_url = c->bb_api_url;
    out->bb_api_key = c->bb_api_key;
    out->bb_project_id = c->bb_project_id;
    out->bb_context_id = c->bb_context_id;
    out->command_timeout_ms = (int)c->webdriver_timeout_ms;
}
