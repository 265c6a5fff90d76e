/* Executes a browser recipe step by step over WebDriver (see runner.h): the run loop, the
 * failure of a run (login wall, screenshot, result), and the entry points. The primitives are
 * in runner_wait.c, the steps in runner_step.c. */
#include "browser/runner.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/util.h"
#include "common/xmalloc.h"
#include "runner_state.h"

bool runner_login_wall(wd_session_t *s, const recipe_t *r, char *where, size_t size)
{
    posting_requested_t none;
    memset(&none, 0, sizeof(none));
    runner_opts_t o;
    memset(&o, 0, sizeof(o));
    runner_result_t res;
    memset(&res, 0, sizeof(res));
    run_t run = {.s = s, .r = r, .req = &none, .o = &o, .res = &res};
    return run_login_wall(&run, where, size);
}

/* The page's own validation message (the recipe's error_text selectors: role=alert, a
 * field's error text), first non-empty one, into out. Returns whether one was found: a
 * step that timed out waiting for the next page then says why the page stayed. */
static bool run_page_says(run_t *run, char *out, size_t size)
{
    for (size_t i = 0; i < run->r->nerror_text; i++) {
        wd_error_t err;
        char **ids = NULL;
        size_t n = 0;
        if (wd_find_all(run->s, "css selector", run->r->error_text[i], &ids, &n, &err) != 0)
            continue;
        bool found = false;
        for (size_t j = 0; j < n && !found; j++) {
            char *text = wd_element_text(run->s, ids[j], &err);
            const char *t = text ? text : "";
            while (*t == ' ' || *t == '\n' || *t == '\t')
                t++;
            if (*t) {
                snprintf(out, size, "%.300s", t);
                for (char *c = out; *c; c++)
                    if (*c == '\n' || *c == '\r' || *c == '\t')
                        *c = ' ';
                found = true;
            }
            free(text);
        }
        wd_free_ids(ids, n);
        if (found)
            return true;
    }
    return false;
}

/* Screenshot + error log + result, for a failed step. */
static void fail_job(run_t *run, size_t index, const recipe_step_t *st)
{
    runner_result_t *res = run->res;
    char where[600];
    if (strcmp(run->code, "bad_request") != 0 && run_login_wall(run, where, sizeof(where))) {
        snprintf(run->code, sizeof(run->code), "login_required");
        snprintf(run->msg, sizeof(run->msg), "%s: %s is not logged in. %s%s%s", where,
                 run->r->platform, run->o->login_remedy ? run->o->login_remedy : "",
                 run->r->login_hint ? " " : "", run->r->login_hint ? run->r->login_hint : "");
        run->retryable = false;
    } else {
        if (strcmp(run->code, "bad_request") != 0 && strcmp(run->code, "blocked") != 0 &&
            strcmp(run->code, "not_renewable") != 0 && strcmp(run->code, "limit_reached") != 0) {
            /* a limit or a block explains a disabled button better than "did not validate" */
            run_stop_check(run);
        }
        /* otherwise the page's own validation message says what it refused */
        char said[320];
        if ((strcmp(run->code, "recipe_failed") == 0 || strcmp(run->code, "timeout") == 0) &&
            run_page_says(run, said, sizeof(said))) {
            size_t used = strlen(run->msg);
            snprintf(run->msg + used, sizeof(run->msg) - used, "; the page says: \"%s\"", said);
        }
    }
    char shot[128] = "";
    char err[512];
    if (run->o->shot && run_screenshot(run, "failed", shot, sizeof(shot), err, sizeof(err)) != 0) {
        run_log(run, "warning", NULL, "the failure screenshot could not be %s: %s",
                run->req ? "delivered to the api" : "stored", err);
        shot[0] = '\0';
    }
    if (st)
        run_log(run, "error", shot[0] ? shot : NULL, "step %zu/%zu %s failed: %s", index + 1,
                run->nsteps, st->describe, run->msg);
    else
        run_log(run, "error", shot[0] ? shot : NULL, "%s", run->msg);
    /* A step after the listing was submitted may say that retrying could post it twice. */
    bool wall = strcmp(run->code, "login_required") == 0 || strcmp(run->code, "blocked") == 0 ||
                strcmp(run->code, "not_renewable") == 0 || strcmp(run->code, "limit_reached") == 0;
    if (st && st->retryable >= 0 && !wall)
        run->retryable = st->retryable == 1;
    res->status = RUNNER_FAILED;
    snprintf(res->error_code, sizeof(res->error_code), "%s", run->code);
    if (st && strcmp(run->code, "login_required") != 0)
        snprintf(res->error_message, sizeof(res->error_message), "%s%sstep %zu/%zu %s: %s",
                 run->section ? run->section : "", run->section ? ": " : "", index + 1, run->nsteps,
                 st->describe, run->msg);
    else
        snprintf(res->error_message, sizeof(res->error_message), "%s", run->msg);
    res->retryable = run->retryable;
}

/* Whether an update changes one of the fields of the step's when_changed. */
static bool step_wanted(const run_t *run, const recipe_step_t *st)
{
    if (!run->update)
        return true;
    for (size_t i = 0; i < st->nwhen_changed; i++)
        if (update_changes(run->update, st->when_changed[i]))
            return true;
    return false;
}

/* Runs run->steps in order. Returns 1 when a step finished the recipe early (an existing
 * listing found), 0 when all ran (or run->interrupted is set), -1 when one failed (fail_job
 * has filled run->res). */
static int run_steps(run_t *run)
{
    const runner_opts_t *o = run->o;
    for (size_t i = 0; i < run->nsteps; i++) {
        const recipe_step_t *st = &run->steps[i];
        if (o->stop && *o->stop)
            run->interrupted = true;
        if (run->interrupted)
            return 0;
        if (st->nwhen_changed && !step_wanted(run, st)) {
            run_log(run, "info", NULL,
                    "step %zu/%zu %s skipped: the update changes none of its "
                    "fields",
                    i + 1, run->nsteps, st->describe);
            continue;
        }
        if (util_now_ms() >= o->deadline_ms) {
            run_fail(run, "timeout", true, "the %s ran out of time%s", run->req ? "job" : "call",
                     run->req ? " (JOB_TIMEOUT_MS)" : "");
            fail_job(run, i, st);
            return -1;
        }
        run_log(run, "info", NULL, "step %zu/%zu %s", i + 1, run->nsteps, st->describe);
        run->code[0] = '\0';
        int rc = run_step(run, st);
        if (run->interrupted)
            return 0;
        if (rc < 0 && run->gone_ends && strcmp(run->code, "gone") == 0) {
            run_log(run, "info", NULL,
                    "step %zu/%zu %s: %s: the listing is off the marketplace already, nothing "
                    "to do",
                    i + 1, run->nsteps, st->describe, run->msg);
            return 1;
        }
        if (rc < 0) {
            if (strcmp(run->code, "bad_request") != 0 && strcmp(run->code, "blocked") != 0 &&
                strcmp(run->code, "not_renewable") != 0 &&
                strcmp(run->code, "limit_reached") != 0 && st->optional) {
                char where[600];
                if (!run_login_wall(run, where, sizeof(where))) {
                    run_log(run, "warning", NULL, "optional step %zu/%zu %s skipped: %s", i + 1,
                            run->nsteps, st->describe, run->msg);
                    continue;
                }
            }
            fail_job(run, i, st);
            return -1;
        }
        /* A login wall can answer any navigation with 200: check after each step. */
        char where[600];
        if (run_login_wall(run, where, sizeof(where))) {
            run_fail(run, "login_required", false, "login wall");
            fail_job(run, i, st);
            return -1;
        }
        if (run_stop_check(run)) {
            fail_job(run, i, st);
            return -1;
        }
        if (rc == 1)
            return 1;
        if (i + 1 < run->nsteps && o->step_delay_ms > 0) {
            int64_t pause = (int64_t)(o->step_delay_ms * (0.5 + util_rand01()));
            if (!run_pause(run, run_budget(run, (int)pause)))
                return 0;
        }
    }
    return 0;
}

runner_status_t runner_run(wd_session_t *s, const recipe_t *r, const posting_requested_t *req,
                           const runner_opts_t *o, runner_result_t *res)
{
    memset(res, 0, sizeof(*res));
    run_t run = {.s = s, .r = r, .req = req, .o = o, .res = res};
    run.vars.base_url = r->base_url;
    run.vars.req = req;
    run.steps = r->steps;
    run.nsteps = r->nsteps;
    int rc = run_steps(&run);
    cJSON_Delete(run.page);
    if (rc < 0)
        return res->status;
    bool finished = rc == 1;
    if (run.interrupted || (o->stop && *o->stop && !finished && !res->external_url)) {
        free(res->external_url);
        free(res->external_id);
        res->external_url = res->external_id = NULL;
        run_log(&run, "warning", NULL, "interrupted by shutdown; the job will be redelivered");
        res->status = RUNNER_INTERRUPTED;
        return res->status;
    }
    if (!res->external_url) {
        run_fail(&run, "recipe_failed", true,
                 "the recipe finished without reading the listing's URL");
        fail_job(&run, r->nsteps, NULL);
        return res->status;
    }
    res->status = RUNNER_OK;
    return res->status;
}

/* The end of a delist or update run that did not fail: interrupted, or OK. */
static runner_status_t finish_op(run_t *run, int rc)
{
    runner_result_t *res = run->res;
    if (rc < 0)
        return res->status;
    if (run->interrupted || (run->o->stop && *run->o->stop && rc != 1)) {
        run_log(run, "warning", NULL, "interrupted by shutdown; the job will be redelivered");
        runner_result_free(res);
        res->status = RUNNER_INTERRUPTED;
        return res->status;
    }
    res->status = RUNNER_OK;
    return res->status;
}

static void not_supported(runner_result_t *res, const recipe_t *r, const char *what)
{
    res->status = RUNNER_FAILED;
    res->retryable = false;
    snprintf(res->error_code, sizeof(res->error_code), "not_supported");
    snprintf(res->error_message, sizeof(res->error_message),
             "the %s recipe has no %s section: do it by hand on the marketplace", r->platform,
             what);
}

runner_status_t runner_run_delist(wd_session_t *s, const recipe_t *r,
                                  const delisting_requested_t *req, const runner_opts_t *o,
                                  runner_result_t *res)
{
    memset(res, 0, sizeof(*res));
    if (!r->delist) {
        not_supported(res, r, "delist");
        return res->status;
    }
    const recipe_delist_t *d = r->delist;
    bool sold = req->reason && strcmp(req->reason, DELIST_SOLD) == 0;
    /* the job's own fields for {{job.*}} and {{account_id}}; a delist has no listing */
    posting_requested_t job = {.job_id = req->job_id,
                               .attempt = req->attempt,
                               .platform = req->platform,
                               .account_id = req->account_id};
    size_t nstop = d->ngone + (sold ? d->nalready_sold : 0);
    recipe_selector_t *stop = xcalloc(nstop ? nstop : 1, sizeof(*stop));
    memcpy(stop, d->gone, d->ngone * sizeof(*stop)); /* shallow: the recipe owns them */
    if (sold && d->nalready_sold)
        memcpy(stop + d->ngone, d->already_sold, d->nalready_sold * sizeof(*stop));
    runner_opts_t oo = *o;
    oo.stop_sels = stop;
    oo.nstop_sels = nstop;
    oo.stop_code = "gone";
    run_t run = {.s = s, .r = r, .req = &job, .o = &oo, .res = res, .gone_ends = true};
    run.vars.base_url = r->base_url;
    run.vars.req = &job;
    run.vars.external_url = req->external_url;
    run.vars.external_id = req->external_id;
    run.vars.reason = sold ? DELIST_SOLD : DELIST_DELETED;
    run.steps = sold && d->mark_sold ? d->mark_sold : d->steps;
    run.nsteps = sold && d->mark_sold ? d->nmark_sold : d->nsteps;
    run_log(&run, "info", NULL, "delisting %s (reason %s): %s",
            req->external_url  ? req->external_url
            : req->external_id ? req->external_id
                               : "(no URL)",
            run.vars.reason, sold && d->mark_sold ? "marking it sold" : "deleting it");
    int rc = run_steps(&run);
    cJSON_Delete(run.page);
    free(stop);
    return finish_op(&run, rc);
}

runner_status_t runner_run_update(wd_session_t *s, const recipe_t *r, const update_requested_t *req,
                                  const runner_opts_t *o, runner_result_t *res)
{
    memset(res, 0, sizeof(*res));
    if (!r->update) {
        not_supported(res, r, "update");
        return res->status;
    }
    posting_requested_t job = {.job_id = req->job_id,
                               .attempt = req->attempt,
                               .platform = req->platform,
                               .account_id = req->account_id,
                               .listing = req->listing}; /* shallow: req owns it */
    runner_opts_t oo = *o;
    if (r->delist) {
        oo.stop_sels = r->delist->gone;
        oo.nstop_sels = r->delist->ngone;
        oo.stop_code = "recipe_failed";
    }
    run_t run = {.s = s, .r = r, .req = &job, .o = &oo, .res = res, .update = req};
    run.vars.base_url = r->base_url;
    run.vars.req = &job;
    run.vars.external_url = req->external_url;
    run.vars.external_id = req->external_id;
    run.steps = r->update->steps;
    run.nsteps = r->update->nsteps;
    int rc = run_steps(&run);
    cJSON_Delete(run.page);
    if (finish_op(&run, rc) != RUNNER_OK)
        return res->status;
    if (!res->external_url && req->external_url) {
        res->external_url = xstrdup(req->external_url);
        res->external_id = req->external_id ? xstrdup(req->external_id) : NULL;
    }
    return res->status;
}

runner_status_t runner_run_renew(wd_session_t *s, const recipe_t *r, const renew_requested_t *req,
                                 const runner_opts_t *o, runner_result_t *res)
{
    memset(res, 0, sizeof(*res));
    if (!r->renew) {
        not_supported(res, r, "renew");
        return res->status;
    }
    const recipe_renew_t *n = r->renew;
    /* the job's own fields for {{job.*}} and {{account_id}}; a renew has no listing */
    posting_requested_t job = {.job_id = req->job_id,
                               .attempt = req->attempt,
                               .platform = req->platform,
                               .account_id = req->account_id};
    runner_opts_t oo = *o;
    oo.stop_sels = n->not_yet;
    oo.nstop_sels = n->nnot_yet;
    oo.stop_code = "not_renewable";
    oo.stop_message = n->not_yet_message;
    run_t run = {.s = s, .r = r, .req = &job, .o = &oo, .res = res};
    run.vars.base_url = r->base_url;
    run.vars.req = &job;
    run.vars.external_url = req->external_url;
    run.vars.external_id = req->external_id;
    run.steps = n->steps;
    run.nsteps = n->nsteps;
    run_log(&run, "info", NULL, "renewing %s",
            req->external_url  ? req->external_url
            : req->external_id ? req->external_id
                               : "(no URL)");
    int rc = run_steps(&run);
    cJSON_Delete(run.page);
    if (finish_op(&run, rc) != RUNNER_OK)
        return res->status;
    if (req->external_url) {
        res->external_url = xstrdup(req->external_url);
        res->external_id = req->external_id ? xstrdup(req->external_id) : NULL;
    }
    return res->status;
}

int runner_run_steps(wd_session_t *s, const recipe_t *r, const char *section,
                     const recipe_step_t *steps, size_t n, const recipe_vars_t *vars,
                     const runner_opts_t *o, char *code, size_t code_size, char *message,
                     size_t message_size, bool *retryable)
{
    runner_result_t res;
    memset(&res, 0, sizeof(res));
    run_t run = {.s = s, .r = r, .o = o, .res = &res, .section = section};
    run.vars = *vars;
    run.steps = steps;
    run.nsteps = n;
    int rc = run_steps(&run);
    cJSON_Delete(run.page);
    if (rc >= 0 && run.interrupted) {
        snprintf(code, code_size, "interrupted");
        snprintf(message, message_size, "%s: interrupted", section);
        *retryable = true;
        return -1;
    }
    if (rc >= 0)
        return 0;
    snprintf(code, code_size, "%s", res.error_code);
    snprintf(message, message_size, "%s", res.error_message);
    *retryable = res.retryable;
    runner_result_free(&res);
    return -1;
}

void runner_result_free(runner_result_t *res)
{
    if (!res)
        return;
    free(res->external_id);
    free(res->external_url);
    res->external_id = res->external_url = NULL;
}
