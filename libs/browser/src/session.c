/* Browser sessions on account profiles (see session.h). */
#include "browser/session.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include "common/util.h"
#include "common/xmalloc.h"

int browser_profile_path(const char *root, const char *platform, int64_t account_id, char *out,
                         size_t size)
{
    if (!*platform)
        return -1;
    for (const char *p = platform; *p; p++)
        if (!isalnum((unsigned char)*p) && *p != '_' && *p != '-')
            return -1;
    int n = snprintf(out, size, "%s/%s-%lld", root, platform, (long long)account_id);
    return n > 0 && (size_t)n < size ? 0 : -1;
}

char *browser_login_remedy(wd_backend_t backend, const char *platform, int64_t account_id,
                           const char *then)
{
    if (backend == WD_BROWSERBASE)
        return xasprintf("Log in once with: byebuy-login --platform %s --account %lld (it prints "
                         "a Browserbase live-view URL; log in there and press Enter), then %s.",
                         platform, (long long)account_id, then);
    return xasprintf("Log in once with: byebuy-login --platform %s --account %lld (it opens a "
                     "browser window on this account's profile; log in and press Enter), then "
                     "%s.",
                     platform, (long long)account_id, then);
}

static void say(const browser_open_opts_t *o, const char *msg)
{
    if (o->log)
        o->log(o->log_ctx, "info", msg, NULL);
}

/* Takes the profile: at once if free, else after saying so, until the lock timeout or the
 * deadline. */
static browser_open_status_t take_profile(const browser_open_opts_t *o, browser_session_t *bs,
                                          char *errstr, size_t errstr_size)
{
    int64_t lock_deadline = util_now_ms() + o->lock_timeout_ms;
    if (lock_deadline > o->deadline_ms)
        lock_deadline = o->deadline_ms;
    bs->lock = profile_lock_acquire(o->profile_dir, util_now_ms(), o->stop, errstr, errstr_size);
    if (!bs->lock && !(o->stop && *o->stop)) {
        say(o, "waiting for the account's browser profile (another job is using it)");
        bs->lock =
            profile_lock_acquire(o->profile_dir, lock_deadline, o->stop, errstr, errstr_size);
    }
    if (!bs->lock)
        return o->stop && *o->stop ? BROWSER_OPEN_STOPPED : BROWSER_OPEN_PROFILE_BUSY;
    profile_reap_orphan(o->profile_dir);
    return BROWSER_OPEN_OK;
}

browser_open_status_t browser_session_open(const browser_open_opts_t *o, browser_session_t *bs,
                                           char *errstr, size_t errstr_size)
{
    memset(bs, 0, sizeof(*bs));
    wd_config_t wd = *o->wd;
    wd.profile_dir = NULL;
    if (wd.backend == WD_LOCAL && o->profile_dir) {
        browser_open_status_t st = take_profile(o, bs, errstr, errstr_size);
        if (st != BROWSER_OPEN_OK)
            return st;
        wd.profile_dir = o->profile_dir;
    }
    say(o, "opening a browser session");
    wd_error_t err;
    bs->wd = wd_session_new(&wd, &err);
    if (!bs->wd) {
        snprintf(errstr, errstr_size, "could not open a browser session: %s: %s", err.code,
                 err.message);
        profile_lock_release(bs->lock);
        bs->lock = NULL;
        return BROWSER_OPEN_FAILED;
    }
    return BROWSER_OPEN_OK;
}

void browser_session_close(browser_session_t *bs)
{
    if (!bs)
        return;
    /* Ending the session closes Chromium, which writes the profile (cookies) to disk. */
    wd_session_end(bs->wd);
    profile_lock_release(bs->lock);
    bs->wd = NULL;
    bs->lock = NULL;
}
