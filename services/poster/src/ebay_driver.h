/* The eBay API driver's state shared by its jobs (endpoints, the per-account checks of
 * business policies and location, the application token, the category tree) and a job's
 * session on one seller account: its user token loaded from the token file, renewed before
 * expiry and after a 401, and written back (ebay_token.h). */
#ifndef POSTER_EBAY_DRIVER_H
#define POSTER_EBAY_DRIVER_H

#include <signal.h>
#include <stdint.h>

#include "ebay_api.h"
#include "ebay_config.h"
#include "ebay_listing.h"
#include "ebay_token.h"
#include "browser/runner.h"

typedef struct ebay_driver ebay_driver_t;

/* One job as the eBay driver sees it. */
typedef struct {
    int64_t job_id;
    int64_t account_id;
    int64_t deadline_ms;
    const volatile sig_atomic_t *stop;
    runner_log_fn log;
    void *log_ctx;
} ebay_job_t;

/* A job's connection to its seller account. */
typedef struct {
    ebay_driver_t *drv;
    const ebay_job_t *job;
    ebay_client_t client;
    char token_path[1024];
} ebay_session_t;

/* A driver over cfg (which must outlive it). profile_root is PROFILE_DIR (token files),
 * work_dir and image_retries are for the photos (job_images.h). Caller frees with
 * ebay_driver_free. */
ebay_driver_t *ebay_driver_new(const ebay_config_t *cfg, const char *profile_root,
                               const char *work_dir, int image_retries);

/* Frees the driver (void * so it can be a registry's impl_free). Accepts NULL. */
void ebay_driver_free(void *drv);

const ebay_endpoints_t *ebay_driver_endpoints(const ebay_driver_t *d);
const ebay_config_t *ebay_driver_config(const ebay_driver_t *d);
const char *ebay_driver_work_dir(const ebay_driver_t *d);
int ebay_driver_image_retries(const ebay_driver_t *d);

/* Opens job's session: the app keys must be configured and the account connected (else
 * auth_required with the remedy); the access token is renewed when it expires within
 * EBAY_TOKEN_MARGIN_S. Returns 0 or -1 with e. Close with ebay_session_close. Thread-safe. */
int ebay_session_open(ebay_driver_t *d, const ebay_job_t *job, ebay_session_t *s, ebay_err_t *e)
    __attribute__((warn_unused_result));
void ebay_session_close(ebay_session_t *s);

/* The account's business policies and location, checked once per account and remembered
 * (ebay_session_setup_forget drops that after eBay refused them). A missing one fails with
 * setup_required naming what to create and where. Returns 0 or -1 with e. */
int ebay_session_setup(ebay_session_t *s, ebay_setup_t *out, ebay_err_t *e)
    __attribute__((warn_unused_result));
void ebay_session_setup_forget(ebay_session_t *s);

/* The leaf category eBay suggests for query (Taxonomy API, the marketplace's default tree,
 * with an application token). Returns 0 with id/name or -1 with e. */
int ebay_session_category(ebay_session_t *s, const char *query, char *id, size_t id_size,
                          char *name, size_t name_size, ebay_err_t *e)
    __attribute__((warn_unused_result));

/* A job log line (printf-style) through the job's log sink. */
void ebay_say(const ebay_session_t *s, const char *level, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

#endif
