/* The driver registry: platform name -> the code that posts a listing there. Every platform
 * with a recipe gets the browser-recipe driver; API drivers (eBay's Sell Inventory API) would
 * register here beside it with their own post function. */
#ifndef POSTER_DRIVER_H
#define POSTER_DRIVER_H

#include <signal.h>
#include <stdbool.h>
#include <stdint.h>

#include "artifacts.h"
#include "common/event.h"
#include "common/webdriver.h"
#include "browser/recipe.h"
#include "browser/runner.h"

/* What every driver may use, fixed at start. */
typedef struct {
    wd_config_t wd;              /* base WebDriver settings; profile_dir is set per job */
    const char *profile_root;    /* PROFILE_DIR */
    const char *work_dir;        /* WORK_DIR: a job's downloaded images, private to this host */
    int image_retries;           /* retries of an image download (job_images.h) */
    artifact_target_t artifacts; /* the api, where screenshots are delivered (artifacts.h) */
    int step_delay_ms;
    int64_t profile_lock_timeout_ms;
} driver_env_t;

/* One job as a driver sees it. */
typedef struct {
    const posting_requested_t *req;
    int64_t deadline_ms;               /* util_now_ms() deadline (JOB_TIMEOUT_MS from start) */
    const volatile sig_atomic_t *stop; /* shutdown: abort at the next safe point */
    runner_log_fn log;                 /* job log (posting.log) */
    void *log_ctx;
} driver_job_t;

typedef struct driver driver_t;

/* Posts job->req; fills res (caller frees with runner_result_free) and returns its status. */
typedef runner_status_t (*driver_post_fn)(const driver_t *d, const driver_env_t *env,
                                          const driver_job_t *job, runner_result_t *res);

struct driver {
    char *platform;
    const char *kind; /* "recipe" (browser); "api" for REST drivers */
    driver_post_fn post;
    const void *impl; /* the recipe_t of a recipe driver (owned by the recipe set) */
};

typedef struct {
    driver_t *items;
    size_t n;
} driver_registry_t;

/* Registers the recipe driver for every recipe of the set (which must outlive the registry).
 * Returns 0. Caller frees with driver_registry_free. */
int driver_registry_init(driver_registry_t *reg, const recipe_set_t *recipes)
    __attribute__((warn_unused_result));

/* The driver of a platform, or NULL ("no driver for platform X"). Thread-safe. */
const driver_t *driver_find(const driver_registry_t *reg, const char *platform);

/* The registered platforms, ", "-separated, into out ("none" when empty; truncated to
 * size). For messages to the user. */
void driver_registry_names(const driver_registry_t *reg, char *out, size_t size);

void driver_registry_free(driver_registry_t *reg);

/* What to tell the user when the platform wants a login. Caller frees. */
char *driver_login_remedy(const driver_env_t *env, const char *platform, int64_t account_id);

#endif
