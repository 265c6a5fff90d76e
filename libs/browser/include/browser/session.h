/* A WebDriver session on an account's browser profile: the profile's path, its lock (one
 * Chromium per profile: a poster job or a monitor's inbox, never both), an orphaned Chromium
 * cleared, then the session opened. Also the remedy a login wall tells the user. */
#ifndef BROWSER_SESSION_H
#define BROWSER_SESSION_H

#include <signal.h>
#include <stddef.h>
#include <stdint.h>

#include "browser/hooks.h"
#include "browser/profile_lock.h"
#include "common/webdriver.h"

typedef struct {
    const wd_config_t *wd;             /* base settings; profile_dir is set from below */
    const char *profile_dir;           /* WD_LOCAL: the account's profile; NULL: temporary */
    int64_t lock_timeout_ms;           /* how long to wait for a busy profile */
    int64_t deadline_ms;               /* util_now_ms() value no wait goes past */
    const volatile sig_atomic_t *stop; /* set: give up waiting */
    browser_log_fn log;                /* "waiting for ...", "opening a browser session" */
    void *log_ctx;
} browser_open_opts_t;

typedef enum {
    BROWSER_OPEN_OK,
    BROWSER_OPEN_STOPPED,      /* *stop was set while waiting for the profile */
    BROWSER_OPEN_PROFILE_BUSY, /* errstr names the profile (for the service's log) */
    BROWSER_OPEN_FAILED,       /* errstr: "could not open a browser session: <code>: <msg>" */
} browser_open_status_t;

typedef struct {
    wd_session_t *wd;
    profile_lock_t *lock; /* NULL without a profile */
} browser_session_t;

/* Locks the profile (trying at once, then, after logging that it waits, until lock_timeout_ms
 * or deadline_ms), ends a Chromium orphaned on it, and opens the session. On anything but
 * BROWSER_OPEN_OK, bs is left empty. Thread-safe. */
browser_open_status_t browser_session_open(const browser_open_opts_t *o, browser_session_t *bs,
                                           char *errstr, size_t errstr_size);

/* Ends the session (Chromium writes the profile, cookies included, to disk), then releases
 * the profile. Accepts an empty session. */
void browser_session_close(browser_session_t *bs);

/* The profile directory of an account: "<root>/<platform>-<account_id>" into out. Returns 0,
 * or -1 when the platform name is unsafe in a path or out is too small. */
int browser_profile_path(const char *root, const char *platform, int64_t account_id, char *out,
                         size_t size) __attribute__((warn_unused_result));

/* What to tell the user when the platform wants a login: run byebuy-login for the account,
 * then `then` ("retry the job"). Caller frees. */
char *browser_login_remedy(wd_backend_t backend, const char *platform, int64_t account_id,
                           const char *then);

#endif
