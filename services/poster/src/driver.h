/* The driver registry: platform name -> the code that posts, delists and updates a listing
 * there. Every platform with a recipe gets the browser-recipe driver; API drivers (eBay's
 * Sell Inventory API) register beside it with driver_registry_add. */
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

/* What a job asks of a driver: publish a listing, take a live one down, bring a live one
 * in line with its edited listing, or renew a live one (bring it to the top again). */
typedef enum { DRIVER_POST, DRIVER_DELIST, DRIVER_UPDATE, DRIVER_RENEW } driver_op_t;

/* One job as a driver sees it: the request of its op, and what every op has. */
typedef struct {
    driver_op_t op;
    const posting_requested_t *post;     /* op == DRIVER_POST, else NULL */
    const delisting_requested_t *delist; /* op == DRIVER_DELIST, else NULL */
    const update_requested_t *update;    /* op == DRIVER_UPDATE, else NULL */
    const renew_requested_t *renew;      /* op == DRIVER_RENEW, else NULL */
    int64_t job_id;                      /* copied from the request */
    int attempt;
    int64_t account_id;                /* 0: the platform's default account */
    int64_t deadline_ms;               /* util_now_ms() deadline (JOB_TIMEOUT_MS from start) */
    const volatile sig_atomic_t *stop; /* shutdown: abort at the next safe point */
    runner_log_fn log;                 /* job log (posting.log) */
    void *log_ctx;
} driver_job_t;

typedef struct driver driver_t;

/* Runs job->op; fills res (caller frees with runner_result_free) and returns its status.
 * RUNNER_OK means: posted (external_url set), delisted (or already gone), updated
 * (external_url set when the marketplace moved the listing), or renewed. */
typedef runner_status_t (*driver_fn)(const driver_t *d, const driver_env_t *env,
                                     const driver_job_t *job, runner_result_t *res);

struct driver {
    char *platform;
    const char *kind; /* "recipe" (browser); "api" for REST drivers */
    driver_fn post;
    driver_fn delist; /* NULL: not supported; the seller is told to do it by hand */
    driver_fn update; /* NULL: likewise */
    driver_fn renew;  /* NULL: likewise (a marketplace without renewing) */
    void *impl;       /* a recipe driver's recipe_t (owned by the recipe set); an API
                       * driver's state, freed with impl_free */
    void (*impl_free)(void *impl);
};

/* The function of op, or NULL when d cannot do it. */
driver_fn driver_op_fn(const driver_t *d, driver_op_t op);

/* "post", "delist", "update", "renew". */
const char *driver_op_name(driver_op_t op);

typedef struct {
    driver_t *items;
    size_t n;
} driver_registry_t;

/* Registers the recipe driver for every recipe of the set (which must outlive the registry).
 * Returns 0. Caller frees with driver_registry_free. */
int driver_registry_init(driver_registry_t *reg, const recipe_set_t *recipes)
    __attribute__((warn_unused_result));

/* Registers an API driver for platform (copied); impl is freed with impl_free (may be
 * NULL) by driver_registry_free. Replaces a recipe driver of the same platform. The driver
 * has no renew op (eBay's API relists, it does not renew). Returns 0. */
int driver_registry_add(driver_registry_t *reg, const char *platform, const char *kind,
                        driver_fn post, driver_fn delist, driver_fn update, void *impl,
                        void (*impl_free)(void *impl));

/* The driver of a platform, or NULL ("no driver for platform X"). Thread-safe. */
const driver_t *driver_find(const driver_registry_t *reg, const char *platform);

/* The registered platforms, ", "-separated, into out ("none" when empty; truncated to
 * size). For messages to the user. */
void driver_registry_names(const driver_registry_t *reg, char *out, size_t size);

void driver_registry_free(driver_registry_t *reg);

/* What to tell the user when the platform wants a login. Caller frees. */
char *driver_login_remedy(const driver_env_t *env, const char *platform, int64_t account_id);

#endif
