/* The recipe executor: runs the steps of a recipe for one posting job over a WebDriver
 * session, logs every step, bounds it by the job's deadline, detects login walls, saves a
 * screenshot on failure (through the caller's hook), and reads back the listing's URL. The
 * same step engine runs the sections of an inbox recipe (runner_run_steps). */
#ifndef BROWSER_RUNNER_H
#define BROWSER_RUNNER_H

#include <signal.h>
#include <stdbool.h>
#include <stdint.h>

#include "browser/hooks.h"
#include "browser/recipe.h"
#include "common/event.h"
#include "common/webdriver.h"

/* The job log (browser/hooks.h): for the poster, one posting.log event per line. */
typedef browser_log_fn runner_log_fn;

typedef struct {
    browser_shot_fn shot; /* stores screenshots (the poster: delivers them to the api); NULL:
                           * none are taken */
    void *shot_ctx;
    const char *const *image_files; /* the listing's images as local files, in order */
    size_t nimage_files;
    int step_delay_ms;                 /* pause between steps, jittered to 0.5x..1.5x */
    int64_t deadline_ms;               /* util_now_ms() value the whole job must end by */
    const volatile sig_atomic_t *stop; /* set: abort at the next step boundary */
    const char *login_remedy;          /* what to tell the user on a login wall */
    runner_log_fn log;
    void *log_ctx;
    /* A page that ends the run at once, found where login walls are (after each navigation and
     * while waiting), though it is no login matter: an inbox thread that does not exist. Any of
     * these visible fails the step with stop_code, not retryable. None for a posting run. */
    const recipe_selector_t *stop_sels;
    size_t nstop_sels;
    const char *stop_code;
    const char *stop_message; /* NULL: "the page shows <selector>"; else this, then what the
                               * element says (a renew's "not renewable yet") */
    /* Posting identity (runner_run only; all unset: a find_existing before submitting matches by
     * title and price, as it always did). on_submit is called once, before the first click that
     * may post: the caller records that this job is submitting and returns 0 (-1 with errstr:
     * nothing is clicked, the job fails retryable). With on_submit set, a find_existing before
     * submitting runs only when submitted_before says an earlier delivery of this job got that
     * far (else a listing with the same title and price is another job's), and every
     * find_existing skips the listings in known_urls (what other jobs posted). */
    int (*on_submit)(void *ctx, char *errstr, size_t errstr_size);
    void *submit_ctx;
    bool submitted_before;
    const char *const *known_urls;
    size_t nknown_urls;
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

/* Runs the delist section of r for req: the mark_sold steps for reason "sold" when the recipe
 * has them, else the delete steps. A page showing one of the section's gone selectors (or,
 * for "sold", already_sold) ends the run at once with RUNNER_OK: a redelivered delist is
 * harmless. OK carries no URL. A recipe without a delist section fails with not_supported. */
runner_status_t runner_run_delist(wd_session_t *s, const recipe_t *r,
                                  const delisting_requested_t *req, const runner_opts_t *o,
                                  runner_result_t *res);

/* Runs the update section of r for req (steps with when_changed run only when req->changed
 * names one of their fields; o->image_files are the listing's images when "images" changed).
 * OK carries the URL a read_url step read, else the posting's own external_url/external_id.
 * A listing that is gone fails (recipe_failed, not retryable). */
runner_status_t runner_run_update(wd_session_t *s, const recipe_t *r, const update_requested_t *req,
                                  const runner_opts_t *o, runner_result_t *res);

/* Runs the renew section of r for req. A page showing one of the section's not_yet selectors
 * (while a step waits) fails with not_renewable, not retryable, its not_yet_message and the
 * element's own text; a listing that is gone (the delist section's gone) fails recipe_failed,
 * not retryable. OK carries the posting's own URL. A recipe without a renew section fails
 * with not_supported. */
runner_status_t runner_run_renew(wd_session_t *s, const recipe_t *r, const renew_requested_t *req,
                                 const runner_opts_t *o, runner_result_t *res);

/* Runs n steps of r (an inbox recipe's section) with vars, under the same rules as a posting
 * run: each step logged, bounded by its timeout and o->deadline_ms, the page checked for a
 * login wall after every step (login_required, with o->login_remedy), a failure screenshot
 * through o->shot. o->image_files and o->step_delay_ms are not used. Returns 0, or -1 with
 * code ("login_required", "timeout", "recipe_failed", "browser_error", "bad_request",
 * "interrupted"), message and *retryable set. */
int runner_run_steps(wd_session_t *s, const recipe_t *r, const char *section,
                     const recipe_step_t *steps, size_t n, const recipe_vars_t *vars,
                     const runner_opts_t *o, char *code, size_t code_size, char *message,
                     size_t message_size, bool *retryable);

/* Frees the strings of res. Accepts a zeroed result. */
void runner_result_free(runner_result_t *res);

/* Whether the session's page is a login wall by the recipe's login_detect (URL substrings,
 * visible selectors); *where says what matched. Used by byebuy-login to verify a login. */
bool runner_login_wall(wd_session_t *s, const recipe_t *r, char *where, size_t size);

#endif
