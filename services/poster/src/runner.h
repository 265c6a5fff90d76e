/* The recipe executor: runs the steps of a recipe for one posting job over a WebDriver
 * session, logs every step, bounds it by the job's deadline, detects login walls, saves a
 * screenshot on failure, and reads back the listing's URL. */
#ifndef POSTER_RUNNER_H
#define POSTER_RUNNER_H

#include <signal.h>
#include <stdbool.h>
#include <stdint.h>

#include "common/event.h"
#include "artifacts.h"
#include "common/webdriver.h"
#include "recipe.h"

/* Receives each job log line: level "info", "warning" or "error"; artifact is the name of
 * a screenshot already delivered to the api (artifacts.h), or NULL. Called on the job's
 * thread. */
typedef void (*runner_log_fn)(void *ctx, const char *level, const char *message,
                              const char *artifact);

typedef struct {
    artifact_target_t artifacts;    /* where screenshots are delivered (the api) */
    const char *const *image_files; /* the listing's images as local files, in order */
    size_t nimage_files;
    int step_delay_ms;                 /* pause between steps, jittered to 0.5x..1.5x */
    int64_t deadline_ms;               /* util_now_ms() value the whole job must end by */
    const volatile sig_atomic_t *stop; /* set: abort at the next step boundary */
    const char *login_remedy;          /* what to tell the user on a login wall */
    runner_log_fn log;
    void *log_ctx;
} runner_opts_t;

typedef enum {
    RUNNER_OK,          /* posted (or found already posted): external_url is set */
    RUNNER_FAILED,      /* error_code / error_message / retryable are set */
    RUNNER_INTERRUPTED, /* stop was set: nothing final must be published */
} runner_status_t;

typedef struct {
    runner_status_t status;
    bool existing;     /* find_existing found it before anything was submitted */
    char *external_id; /* may stay NULL */
    char *external_url;
    char error_code[32]; /* login_required, timeout, recipe_failed, bad_request, browser_error */
    char error_message[1024];
    bool retryable;
} runner_result_t;

/* Runs recipe r for job req on session s. Fills res (free with runner_result_free) and
 * returns its status. Thread-safe for distinct sessions. */
runner_status_t runner_run(wd_session_t *s, const recipe_t *r, const posting_requested_t *req,
                           const runner_opts_t *o, runner_result_t *res);

/* Frees the strings of res. Accepts a zeroed result. */
void runner_result_free(runner_result_t *res);

/* Whether the session's page is a login wall by the recipe's login_detect (URL substrings,
 * visible selectors); *where says what matched. Used by byebuy-login to verify a login. */
bool runner_login_wall(wd_session_t *s, const recipe_t *r, char *where, size_t size);

#endif
