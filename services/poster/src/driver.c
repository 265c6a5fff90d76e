/* The driver registry and the browser-recipe driver (see driver.h): per job it fetches the
 * images, locks the account's browser profile and opens a WebDriver session on it
 * (browser/session.h), runs the recipe (browser/runner.h) and closes. */
#include "driver.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/log.h"
#include "common/util.h"
#include "common/xmalloc.h"
#include "job_images.h"
#include "post_record.h"
#include "browser/session.h"

char *driver_login_remedy(const driver_env_t *env, const char *platform, int64_t account_id)
{
    return browser_login_remedy(env->wd.backend, platform, account_id, "retry the job");
}

/* The browser hook for screenshots: delivered to the api as the job's artifacts. */
typedef struct {
    const artifact_target_t *target;
    int64_t job_id;
} shot_ctx_t;

static int deliver_shot(void *ctx, const char *tag, const unsigned char *png, size_t len,
                        char *name, size_t name_size, char *errstr, size_t errstr_size)
{
    const shot_ctx_t *sc = ctx;
    artifact_name(sc->job_id, tag, name, name_size);
    return artifact_deliver(sc->target, sc->job_id, name, png, len, errstr, errstr_size);
}

static void fail(runner_result_t *res, const char *code, bool retryable, const char *message)
{
    res->status = RUNNER_FAILED;
    res->retryable = retryable;
    snprintf(res->error_code, sizeof(res->error_code), "%s", code);
    snprintf(res->error_message, sizeof(res->error_message), "%s", message);
}

/* Locks the account's profile and opens the session; on failure fills res. */
static int open_session(const driver_t *d, const driver_env_t *env, const driver_job_t *job,
                        browser_session_t *bs, runner_result_t *res)
{
    char profile[1024];
    char errstr[512];
    if (env->wd.backend == WD_LOCAL &&
        browser_profile_path(env->profile_root, d->platform, job->account_id, profile,
                             sizeof(profile)) != 0) {
        char msg[256];
        snprintf(msg, sizeof(msg), "no profile path for platform %s", d->platform);
        fail(res, "bad_request", false, msg);
        return -1;
    }
    browser_open_opts_t bo = {
        .wd = &env->wd,
        .profile_dir = env->wd.backend == WD_LOCAL ? profile : NULL,
        .lock_timeout_ms = env->profile_lock_timeout_ms,
        .deadline_ms = job->deadline_ms,
        .stop = job->stop,
        .log = job->log,
        .log_ctx = job->log_ctx,
    };
    switch (browser_session_open(&bo, bs, errstr, sizeof(errstr))) {
    case BROWSER_OPEN_OK:
        return 0;
    case BROWSER_OPEN_STOPPED:
        res->status = RUNNER_INTERRUPTED;
        return -1;
    case BROWSER_OPEN_PROFILE_BUSY: {
        /* errstr names the profile's directory: the poster's log, not the user's */
        LOG_WARN("job %lld: %s", (long long)job->job_id, errstr);
        char msg[512];
        snprintf(msg, sizeof(msg), "the browser profile of %s account %lld %s", d->platform,
                 (long long)job->account_id,
                 strstr(errstr, "busy") ? "stayed busy with another job"
                                        : "could not be opened (the poster's log says why)");
        fail(res, "profile_busy", true, msg);
        return -1;
    }
    case BROWSER_OPEN_FAILED:
        fail(res, "browser_error", true, errstr);
        if (job->log)
            job->log(job->log_ctx, "error", res->error_message, NULL);
        return -1;
    }
    return -1;
}

static void say(const driver_job_t *job, const char *level, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void say(const driver_job_t *job, const char *level, const char *fmt, ...)
{
    char msg[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    LOG_INFO("job %lld: %s", (long long)job->job_id, msg);
    if (job->log)
        job->log(job->log_ctx, level, msg, NULL);
}

static int record_submitting(void *ctx, char *errstr, size_t errstr_size)
{
    return post_record_write(ctx, false, NULL, NULL, errstr, errstr_size);
}

/* A post, matched to what this job published before (post_record.h): its record is read with
 * the account's profile locked, so a redelivery waiting for the lock sees what the first
 * delivery recorded. */
static void run_post(const recipe_t *r, const driver_env_t *env, const driver_job_t *job,
                     wd_session_t *wd, runner_opts_t *o, runner_result_t *res)
{
    post_record_key_t key = {.work_dir = env->work_dir,
                             .platform = r->platform,
                             .account_id = job->account_id,
                             .job_id = job->job_id};
    post_record_t rec;
    char err[512] = "";
    if (post_record_read(&key, &rec, err, sizeof(err)) != 0) {
        fail(res, "internal_error", true, err);
        say(job, "error", "%s", err);
        return;
    }
    if (rec.posted) {
        say(job, "info",
            "already posted by an earlier delivery of job %lld: %s; not posting it again",
            (long long)job->job_id, rec.external_url);
        res->status = RUNNER_OK;
        res->existing = true;
        res->external_url = rec.external_url;
        res->external_id = rec.external_id;
        rec.external_url = rec.external_id = NULL;
        return;
    }
    char **known = NULL;
    size_t nknown = 0;
    post_record_known_urls(&key, &known, &nknown);
    o->on_submit = record_submitting;
    o->submit_ctx = &key;
    o->submitted_before = rec.found;
    o->known_urls = (const char *const *)known;
    o->nknown_urls = nknown;
    if (rec.found)
        say(job, "info",
            "an earlier delivery of job %lld reached a submit click: looking for what it may "
            "have posted first",
            (long long)job->job_id);
    if (runner_run(wd, r, job->post, o, res) == RUNNER_OK &&
        post_record_write(&key, true, res->external_url, res->external_id, err, sizeof(err)) != 0)
        say(job, "warning",
            "the posted listing could not be recorded (%s): a redelivery will "
            "look for it on the marketplace",
            err);
    for (size_t i = 0; i < nknown; i++)
        free(known[i]);
    free(known);
    post_record_free(&rec);
}

/* Runs job->op with the recipe: the listing's images (images_of, may be NULL) fetched first,
 * then the account's profile locked and a session opened, as every op of a browser needs. */
static runner_status_t recipe_op(const driver_t *d, const driver_env_t *env,
                                 const driver_job_t *job, const ev_listing_t *images_of,
                                 runner_result_t *res)
{
    const recipe_t *r = d->impl;
    browser_session_t bs = {0};
    char *remedy = NULL;
    job_images_t imgs = {0};
    memset(res, 0, sizeof(*res));

    /* The claim checks redeemed: every image on this host's disk before a browser opens. */
    job_images_error_t ierr;
    if (images_of && job_images_fetch(images_of, job->job_id, env->work_dir, env->image_retries,
                                      &imgs, &ierr) != 0) {
        fail(res, ierr.code, ierr.retryable, ierr.message);
        if (job->log)
            job->log(job->log_ctx, "error", res->error_message, NULL);
        goto cleanup;
    }
    if (open_session(d, env, job, &bs, res) != 0)
        goto cleanup;
    remedy = driver_login_remedy(env, d->platform, job->account_id);
    shot_ctx_t shot = {.target = &env->artifacts, .job_id = job->job_id};
    runner_opts_t o = {
        .shot = deliver_shot,
        .shot_ctx = &shot,
        .image_files = (const char *const *)imgs.paths,
        .nimage_files = imgs.n,
        .step_delay_ms = env->step_delay_ms,
        .deadline_ms = job->deadline_ms,
        .stop = job->stop,
        .login_remedy = remedy,
        .log = job->log,
        .log_ctx = job->log_ctx,
    };
    switch (job->op) {
    case DRIVER_POST:
        run_post(r, env, job, bs.wd, &o, res);
        break;
    case DRIVER_DELIST:
        runner_run_delist(bs.wd, r, job->delist, &o, res);
        break;
    case DRIVER_UPDATE:
        runner_run_update(bs.wd, r, job->update, &o, res);
        break;
    case DRIVER_RENEW:
        runner_run_renew(bs.wd, r, job->renew, &o, res);
        break;
    }

cleanup:
    browser_session_close(&bs);
    free(remedy);
    job_images_free(&imgs);
    return res->status;
}

static runner_status_t recipe_post(const driver_t *d, const driver_env_t *env,
                                   const driver_job_t *job, runner_result_t *res)
{
    return recipe_op(d, env, job, &job->post->listing, res);
}

/* The recipe's delist section: mark sold or delete; an already-gone listing is a success. */
static runner_status_t recipe_delist(const driver_t *d, const driver_env_t *env,
                                     const driver_job_t *job, runner_result_t *res)
{
    return recipe_op(d, env, job, NULL, res);
}

/* The recipe's update section; the images are downloaded only when the update changes them
 * (a price drop opens the browser at once). */
static runner_status_t recipe_update(const driver_t *d, const driver_env_t *env,
                                     const driver_job_t *job, runner_result_t *res)
{
    const update_requested_t *u = job->update;
    return recipe_op(d, env, job, update_changes(u, "images") ? &u->listing : NULL, res);
}

/* The recipe's renew section; a listing not renewable yet fails not_renewable. */
static runner_status_t recipe_renew(const driver_t *d, const driver_env_t *env,
                                    const driver_job_t *job, runner_result_t *res)
{
    return recipe_op(d, env, job, NULL, res);
}

/* A free slot at the end of the registry. */
static driver_t *registry_slot(driver_registry_t *reg)
{
    reg->items = xrealloc(reg->items, (reg->n + 1) * sizeof(*reg->items));
    driver_t *d = &reg->items[reg->n++];
    memset(d, 0, sizeof(*d));
    return d;
}

int driver_registry_init(driver_registry_t *reg, const recipe_set_t *recipes)
{
    reg->items = NULL;
    reg->n = 0;
    for (size_t i = 0; i < recipes->n; i++) {
        driver_t *d = registry_slot(reg);
        d->platform = xstrdup(recipes->items[i]->platform);
        d->kind = "recipe";
        d->post = recipe_post;
        /* a recipe without the section cannot do the op: the worker answers not_supported */
        d->delist = recipes->items[i]->delist ? recipe_delist : NULL;
        d->update = recipes->items[i]->update ? recipe_update : NULL;
        d->renew = recipes->items[i]->renew ? recipe_renew : NULL;
        d->impl = recipes->items[i];
    }
    return 0;
}

static void driver_clear(driver_t *d)
{
    if (d->impl_free)
        d->impl_free(d->impl);
    free(d->platform);
    memset(d, 0, sizeof(*d));
}

int driver_registry_add(driver_registry_t *reg, const char *platform, const char *kind,
                        driver_fn post, driver_fn delist, driver_fn update, void *impl,
                        void (*impl_free)(void *impl))
{
    driver_t *d = (driver_t *)driver_find(reg, platform);
    if (d)
        driver_clear(d);
    else
        d = registry_slot(reg);
    *d = (driver_t){.platform = xstrdup(platform),
                    .kind = kind,
                    .post = post,
                    .delist = delist,
                    .update = update,
                    .impl = impl,
                    .impl_free = impl_free};
    return 0;
}

driver_fn driver_op_fn(const driver_t *d, driver_op_t op)
{
    switch (op) {
    case DRIVER_POST:
        return d->post;
    case DRIVER_DELIST:
        return d->delist;
    case DRIVER_UPDATE:
        return d->update;
    case DRIVER_RENEW:
        return d->renew;
    }
    return NULL;
}

const char *driver_op_name(driver_op_t op)
{
    switch (op) {
    case DRIVER_POST:
        return "post";
    case DRIVER_DELIST:
        return "delist";
    case DRIVER_UPDATE:
        return "update";
    case DRIVER_RENEW:
        return "renew";
    }
    return "?";
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
        driver_clear(&reg->items[i]);
    free(reg->items);
    reg->items = NULL;
    reg->n = 0;
}
