/* What the runner's files share (runner.c: the run loop and the public API; runner_wait.c:
 * logging, failing, waiting, finding, clicking, login walls, screenshots; runner_step.c: the
 * step actions): the state of one run and its primitives. Private to libs/browser/src. */
#ifndef BROWSER_RUNNER_STATE_H
#define BROWSER_RUNNER_STATE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <cjson/cJSON.h>

#include "browser/runner.h"

#define POLL_MS 200
#define CLICK_RETRY_MS 2000 /* how long a click waits for an overlay to go */

/* State of one run. */
typedef struct {
    wd_session_t *s;
    const recipe_t *r;
    const posting_requested_t *req; /* NULL for an inbox section */
    const runner_opts_t *o;
    runner_result_t *res;
    recipe_vars_t vars;
    const char *section; /* inbox recipe section ("send"), NULL for a posting run */
    const recipe_step_t *steps;
    size_t nsteps;
    bool interrupted;
    bool submitted;                   /* a click ran: something may have been posted */
    bool gone_ends;                   /* a delist: the stop code "gone" ends the run with success */
    const update_requested_t *update; /* an update run: when_changed looks at its changed */
    cJSON *page;                      /* page.<name> values read by read_text (owned) */
    /* error of the current step */
    char code[32];
    char msg[768];
    bool retryable;
} run_t;

/* A line to the run's log (runner_opts_t.log) and the debug log. */
void run_log(run_t *run, const char *level, const char *artifact, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* Sets the current step's error (code, retryable, message); returns -1. */
int run_fail(run_t *run, const char *code, bool retryable, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* A WebDriver error as the step's failure (browser_error for a dead session); returns -1. */
int run_wd_fail(run_t *run, const char *what, const wd_error_t *err);

/* Milliseconds a wait of timeout_ms may take given the run's deadline (>= 0). */
int64_t run_budget(const run_t *run, int timeout_ms);

/* Sleeps between polls; false when the run must stop waiting (stop flag). */
bool run_pause(run_t *run, int64_t ms);

/* The element id in an execute result, copied (caller frees); NULL otherwise. */
char *run_element_id(const cJSON *v);

/* A script's arguments: [element]. */
cJSON *run_args_el(const char *el);

/* Waits for an element; returns its id (caller frees) or NULL with the step error set. */
char *run_find_wait(run_t *run, const recipe_selector_t *sel, bool visible, int timeout_ms);

/* Waits until no element of sel is visible; 0, or -1 with the step error set. */
int run_wait_absent(run_t *run, const recipe_selector_t *sel, int timeout_ms);

/* Clicks (WebDriver Element Click); fails loudly when something overlays the element. */
int run_click(run_t *run, const char *el, const char *what);

/* Renders a template of the step (field names it in the error); NULL with the step error. */
char *run_render(run_t *run, const char *tmpl, const char *field);

/* Waits until the URL matches the step's contains / not_contains; *url_out gets the last URL
 * seen (caller frees). */
int run_wait_url(run_t *run, const recipe_step_t *st, char **url_out);

/* The listing's URL and its external id (NULL: none known) as the run's result (copied). */
void run_set_result_url(run_t *run, const char *url, const char *id);

/* Fails the step with login_required when the page is a login wall, or with the run's
 * stop_code when it shows one of its stop_sels. */
bool run_wall_check(run_t *run);

/* Fails the step with the stop_detect code (blocked, limit_reached) when the page shows one. */
bool run_stop_check(run_t *run);

/* Is the page a login wall by the recipe's login_detect? *where says what matched. */
bool run_login_wall(run_t *run, char *where, size_t size);

/* Takes a screenshot and hands it to the caller's hook (name written to name). Returns 0, or
 * -1 with the reason in errstr. */
int run_screenshot(run_t *run, const char *tag, char *name, size_t size, char *errstr,
                   size_t errstr_size);

/* Runs one step: 0 done, 1 done and the recipe is finished (existing listing found), -1
 * failed (run->code/msg set). */
int run_step(run_t *run, const recipe_step_t *st);

#endif
