/* The driver registry and the browser-recipe driver (see driver.h): per job it locks the
 * account's browser profile, opens a WebDriver session on it, runs the recipe and closes. */
#include "driver.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/log.h"
#include "common/util.h"
#include "common/xmalloc.h"
#include "job_images.h"
#include "profile_lock.h"

int driver_profile_path(const char *root, const char *platform, int64_t account_id, char *out,
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

char *driver_login_remedy(const driver_env_t *env, const char *platform, int64_t account_id)
{
    if (env->wd.backend == WD_BROWSERBASE)
        return xasprintf("Log in once with: byebuy-login --platform %s --account %lld (it prints "
                         "a Browserbase live-view URL; log in there and press Enter), then retry "
                         "the job.",
                         platform, (long long)account_id);
    return xasprintf("Log in once with: byebuy-login --platform %s --account %lld (it opens a "
                     "browser window on this account's profile; log in and press Enter), then "
                     "retry the job.",
                     platform, (long long)account_id);
}

static runner_status_t recipe_post(const driver_t *d, const driver_env_t *env,
                                   const driver_job_t *job, runner_result_t *res)
{
    const recipe_t *r = d->impl;
    char profile[1024];
    char errstr[512];
    profile_lock_t *lock = NULL;
    wd_session_t *s = NULL;
    char *remedy = NULL;
    job_images_t imgs = {0};
    memset(res, 0, sizeof(*res));
    const posting_requested_t *req = job->req;

    /* The claim checks redeemed: every image on this host's disk before a browser opens. */
    job_images_error_t ierr;
    if (job_images_fetch(&req->listing, req->job_id, env->work_dir, env->image_retries, &imgs,
                         &ierr) != 0) {
        res->status = RUNNER_FAILED;
        res->retryable = ierr.retryable;
        snprintf(res->error_code, sizeof(res->error_code), "%s", ierr.code);
        snprintf(res->error_message, sizeof(res->error_message), "%s", ierr.message);
        if (job->log)
            job->log(job->log_ctx, "error", res->error_message, NULL);
        goto cleanup;
    }

    wd_config_t wd = env->wd;
    if (wd.backend == WD_LOCAL) {
        if (driver_profile_path(env->profile_root, d->platform, req->account_id, profile,
                                sizeof(profile)) != 0) {
            res->status = RUNNER_FAILED;
            snprintf(res->error_code, sizeof(res->error_code), "bad_request");
            snprintf(res->error_message, sizeof(res->error_message),
                     "no profile path for platform %s", d->platform);
            goto cleanup;
        }
        int64_t lock_deadline = util_now_ms() + env->profile_lock_timeout_ms;
        if (lock_deadline > job->deadline_ms)
            lock_deadline = job->deadline_ms;
        lock = profile_lock_acquire(profile, util_now_ms(), job->stop, errstr, sizeof(errstr));
        if (!lock && !(job->stop && *job->stop)) {
            if (job->log)
                job->log(job->log_ctx, "info",
                         "waiting for the account's browser profile (another job is using it)",
                         NULL);
            lock = profile_lock_acquire(profile, lock_deadline, job->stop, errstr, sizeof(errstr));
        }
        if (!lock) {
            if (job->stop && *job->stop) {
                res->status = RUNNER_INTERRUPTED;
                goto cleanup;
            }
            /* errstr names the profile's directory: the poster's log, not the user's */
            LOG_WARN("job %lld: %s", (long long)req->job_id, errstr);
            res->status = RUNNER_FAILED;
            res->retryable = true;
            snprintf(res->error_code, sizeof(res->error_code), "profile_busy");
            snprintf(res->error_message, sizeof(res->error_message),
                     "the browser profile of %s account %lld %s", d->platform,
                     (long long)req->account_id,
                     strstr(errstr, "busy") ? "stayed busy with another job"
                                            : "could not be opened (the poster's log says why)");
            goto cleanup;
        }
        profile_reap_orphan(profile);
        wd.profile_dir = profile;
    }

    if (job->log)
        job->log(job->log_ctx, "info", "opening a browser session", NULL);
    wd_error_t err;
    s = wd_session_new(&wd, &err);
    if (!s) {
        res->status = RUNNER_FAILED;
        res->retryable = true;
        snprintf(res->error_code, sizeof(res->error_code), "browser_error");
        snprintf(res->error_message, sizeof(res->error_message),
                 "could not open a browser session: %s: %s", err.code, err.message);
        if (job->log)
            job->log(job->log_ctx, "error", res->error_message, NULL);
        goto cleanup;
    }
    remedy = driver_login_remedy(env, d->platform, req->account_id);
    runner_opts_t o = {
        .artifacts = env->artifacts,
        .image_files = (const char *const *)imgs.paths,
        .nimage_files = imgs.n,
        .step_delay_ms = env->step_delay_ms,
        .deadline_ms = job->deadline_ms,
        .stop = job->stop,
        .login_remedy = remedy,
        .log = job->log,
        .log_ctx = job->log_ctx,
    };
    runner_run(s, r, req, &o, res);

cleanup:
    /* Ending the session closes Chromium, which writes the profile (cookies) to disk. */
    wd_session_end(s);
    profile_lock_release(lock);
    free(remedy);
    job_images_free(&imgs);
    return res->status;
}

int driver_registry_init(driver_registry_t *reg, const recipe_set_t *recipes)
{
    reg->items = xcalloc(recipes->n ? recipes->n : 1, sizeof(driver_t));
    reg->n = 0;
    for (size_t i = 0; i < recipes->n; i++) {
        driver_t *d = &reg->items[reg->n++];
        d->platform = xstrdup(recipes->items[i]->platform);
        d->kind = "recipe";
        d->post = recipe_post;
        d->impl = recipes->items[i];
    }
    return 0;
}

const driver_t *driver_find(const driver_registry_t *reg, const char *platform)
{
    if (!platform)
        return NULL;
    for (size_t i = 0; i < reg->n; i++)
        if (strcmp(reg->items[i].platform, platform) == 0)
            return &reg->items[i];
    return NULL;
}

void driver_registry_names(const driver_registry_t *reg, char *out, size_t size)
{
    size_t len = 0;
    snprintf(out, size, "none");
    for (size_t i = 0; i < reg->n && len < size; i++) {
        int n = snprintf(out + len, size - len, "%s%s", i ? ", " : "", reg->items[i].platform);
        if (n < 0)
            break;
        len += (size_t)n;
    }
}

void driver_registry_free(driver_registry_t *reg)
{
    if (!reg)
        return;
    for (size_t i = 0; i < reg->n; i++)
        free(reg->items[i].platform);
    free(reg->items);
    reg->items = NULL;
    reg->n = 0;
}
