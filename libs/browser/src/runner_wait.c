/* The runner's primitives (see runner_state.h): the run's log and errors, bounded waits,
 * element lookups run as one script per poll (XPath or CSS, first visible match), so a wait
 * costs one round trip per 200 ms; clicks, URL waits, login walls and screenshots. */
#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/log.h"
#include "common/util.h"
#include "common/xmalloc.h"
#include "runner_state.h"

#define ELEMENT_KEY "element-6066-11e4-a52e-4f735466cecf"

/* Finds the first (visible) element of an XPath or CSS selector; null when none. */
static const char JS_FIND[] =
    "var using=arguments[0],value=arguments[1],needVisible=arguments[2],all=[];"
    "if(using==='xpath'){var r=document.evaluate(value,document,null,"
    "XPathResult.ORDERED_NODE_SNAPSHOT_TYPE,null);"
    "for(var i=0;i<r.snapshotLength;i++)all.push(r.snapshotItem(i));}"
    "else{all=Array.prototype.slice.call(document.querySelectorAll(value));}"
    "function vis(e){if(!e.getClientRects||!e.getClientRects().length)return false;"
    "var s=getComputedStyle(e);return s.visibility!=='hidden'&&s.display!=='none';}"
    "for(var j=0;j<all.length;j++){if(all[j].nodeType===1&&(!needVisible||vis(all[j])))"
    "return all[j];}return null;";

/* Index of the first selector (pairs using/value) with a visible match, or -1. */
static const char JS_ANY_VISIBLE[] =
    "var list=arguments[0];"
    "function vis(e){if(!e.getClientRects||!e.getClientRects().length)return false;"
    "var s=getComputedStyle(e);return s.visibility!=='hidden'&&s.display!=='none';}"
    "for(var i=0;i<list.length;i++){var all=[];"
    "try{if(list[i][0]==='xpath'){var r=document.evaluate(list[i][1],document,null,"
    "XPathResult.ORDERED_NODE_SNAPSHOT_TYPE,null);"
    "for(var j=0;j<r.snapshotLength;j++)all.push(r.snapshotItem(j));}"
    "else{all=Array.prototype.slice.call(document.querySelectorAll(list[i][1]));}}catch(e){}"
    "for(var k=0;k<all.length;k++)if(all[k].nodeType===1&&vis(all[k]))return i;}return -1;";

void run_log(run_t *run, const char *level, const char *artifact, const char *fmt, ...)
{
    char msg[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    if (run->req)
        LOG_DEBUG("job %lld: %s: %s", (long long)run->req->job_id, level, msg);
    else
        LOG_DEBUG("%s %s: %s: %s", run->r->platform, run->section, level, msg);
    if (run->o->log)
        run->o->log(run->o->log_ctx, level, msg, artifact);
}

int run_fail(run_t *run, const char *code, bool retryable, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(run->msg, sizeof(run->msg), fmt, ap);
    va_end(ap);
    snprintf(run->code, sizeof(run->code), "%s", code);
    run->retryable = retryable;
    return -1;
}

/* A WebDriver error as the step's failure. */
int run_wd_fail(run_t *run, const char *what, const wd_error_t *err)
{
    /* A transport error or a dead session is the browser's fault, not the recipe's. */
    bool browser = strcmp(err->code, "transport") == 0 ||
                   strcmp(err->code, "invalid session id") == 0 ||
                   strcmp(err->code, "session not created") == 0;
    return run_fail(run, browser ? "browser_error" : "recipe_failed", true, "%s: %s: %s", what,
                    err->code, err->message);
}

/* Milliseconds a wait of `timeout_ms` may take given the job's deadline (>= 0). */
int64_t run_budget(const run_t *run, int timeout_ms)
{
    int64_t left = run->o->deadline_ms - util_now_ms();
    if (left < 0)
        left = 0;
    return timeout_ms < left ? timeout_ms : left;
}

/* Sleeps between polls; false when the job must stop waiting (stop flag). */
bool run_pause(run_t *run, int64_t ms)
{
    if (util_sleep_ms(ms, run->o->stop)) {
        run->interrupted = true;
        return false;
    }
    return true;
}

/* The element id in an execute result ({"element-...": id}), copied; NULL otherwise. */
char *run_element_id(const cJSON *v)
{
    const cJSON *id = cJSON_IsObject(v) ? cJSON_GetObjectItemCaseSensitive(v, ELEMENT_KEY) : NULL;
    return id && cJSON_IsString(id) ? xstrdup(id->valuestring) : NULL;
}

cJSON *run_args_el(const char *el)
{
    cJSON *args = cJSON_CreateArray();
    cJSON_AddItemToArray(args, wd_element_ref(el));
    return args;
}

/* One lookup: NULL when absent (err->code empty) or on a WebDriver error (err filled). */
static char *find_once(run_t *run, const recipe_selector_t *sel, bool visible, wd_error_t *err)
{
    cJSON *args = cJSON_CreateArray();
    cJSON_AddItemToArray(args, cJSON_CreateString(sel->using[0] == 'x' ? "xpath" : "css"));
    cJSON_AddItemToArray(args, cJSON_CreateString(sel->value));
    cJSON_AddItemToArray(args, cJSON_CreateBool(visible));
    err->code[0] = '\0';
    cJSON *v = wd_execute(run->s, JS_FIND, args, err);
    if (!v)
        return NULL;
    char *id = run_element_id(v);
    cJSON_Delete(v);
    return id;
}

/* Index of the first of n selectors with a visible match, or -1 (also on a WebDriver error). */
static int any_visible(run_t *run, const recipe_selector_t *sels, size_t n)
{
    if (n == 0)
        return -1;
    cJSON *list = cJSON_CreateArray();
    for (size_t i = 0; i < n; i++) {
        cJSON *pair = cJSON_CreateArray();
        cJSON_AddItemToArray(pair, cJSON_CreateString(sels[i].using[0] == 'x' ? "xpath" : "css"));
        cJSON_AddItemToArray(pair, cJSON_CreateString(sels[i].value));
        cJSON_AddItemToArray(list, pair);
    }
    cJSON *args = cJSON_CreateArray();
    cJSON_AddItemToArray(args, list);
    wd_error_t err;
    cJSON *v = wd_execute(run->s, JS_ANY_VISIBLE, args, &err);
    int idx = cJSON_IsNumber(v) ? v->valueint : -1;
    cJSON_Delete(v);
    return idx >= 0 && (size_t)idx < n ? idx : -1;
}

/* Whether the page shows one of the recipe's stop_detect pages (a monthly limit, a block):
 * fails the step with its code, not retryable, naming what showed and the remedy. */
bool run_stop_check(run_t *run)
{
    const recipe_t *r = run->r;
    if (r->nstops == 0)
        return false;
    recipe_selector_t *sels = xcalloc(r->nstops, sizeof(*sels));
    for (size_t i = 0; i < r->nstops; i++)
        sels[i] = r->stops[i].sel; /* shallow: the recipe owns them */
    int idx = any_visible(run, sels, r->nstops);
    free(sels);
    if (idx < 0)
        return false;
    run_fail(run, r->stops[idx].code, false, "%s says %s: %s", r->platform,
             r->stops[idx].sel.describe, r->stops[idx].remedy);
    return true;
}

/* Fails the step with login_required when the page is a login wall (checked after each
 * navigation and now and then while waiting, so a wall costs seconds, not a timeout), or
 * with blocked / limit_reached when it shows the recipe's stop_detect. */
bool run_wall_check(run_t *run)
{
    char where[600];
    if (run_login_wall(run, where, sizeof(where))) {
        run_fail(run, "login_required", false, "%s", where);
        return true;
    }
    if (run_stop_check(run))
        return true;
    int idx = any_visible(run, run->o->stop_sels, run->o->nstop_sels);
    if (idx < 0)
        return false;
    const char *code = run->o->stop_code ? run->o->stop_code : "recipe_failed";
    if (!run->o->stop_message) {
        run_fail(run, code, false, "the page shows %s", run->o->stop_sels[idx].describe);
        return true;
    }
    /* The seller acts on the page's own words ("Renew (3 days)"), not on a selector. */
    const recipe_selector_t *sel = &run->o->stop_sels[idx];
    wd_error_t err;
    char *el = wd_find(run->s, sel->using, sel->value, &err);
    char *said = el ? wd_element_text(run->s, el, &err) : NULL;
    if (said && said[0])
        run_fail(run, code, false, "%s; the page says: \"%.200s\"", run->o->stop_message, said);
    else
        run_fail(run, code, false, "%s; the page shows %s", run->o->stop_message, sel->describe);
    free(said);
    free(el);
    return true;
}

/* Waits for an element; returns its id (caller frees) or NULL with the step error set. */
char *run_find_wait(run_t *run, const recipe_selector_t *sel, bool visible, int timeout_ms)
{
    int64_t budget = run_budget(run, timeout_ms);
    int64_t until = util_now_ms() + budget;
    wd_error_t err;
    unsigned polls = 0;
    for (;;) {
        char *id = find_once(run, sel, visible, &err);
        if (id)
            return id;
        if (err.code[0]) {
            /* A bad XPath/CSS is a recipe bug; other errors may pass (page navigating). */
            if (strcmp(err.code, "javascript error") == 0 || strcmp(err.code, "transport") == 0 ||
                strcmp(err.code, "invalid session id") == 0) {
                run_wd_fail(run, sel->describe, &err);
                return NULL;
            }
        }
        if (util_now_ms() >= until)
            break;
        if (++polls % 10 == 0 && run_wall_check(run))
            return NULL;
        if (!run_pause(run, POLL_MS)) {
            run_fail(run, "interrupted", true, "interrupted");
            return NULL;
        }
    }
    run_fail(run, budget < timeout_ms ? "timeout" : "recipe_failed", true,
             "%s not found%s after %lld ms", sel->describe, visible ? " (visible)" : "",
             (long long)budget);
    return NULL;
}

int run_wait_absent(run_t *run, const recipe_selector_t *sel, int timeout_ms)
{
    int64_t budget = run_budget(run, timeout_ms);
    int64_t until = util_now_ms() + budget;
    for (;;) {
        wd_error_t err;
        char *id = find_once(run, sel, true, &err);
        bool found = id != NULL;
        free(id);
        if (!found && err.code[0] && strcmp(err.code, "javascript error") == 0)
            return run_wd_fail(run, sel->describe, &err);
        if (!found && !err.code[0])
            return 0;
        if (util_now_ms() >= until)
            return run_fail(run, budget < timeout_ms ? "timeout" : "recipe_failed", true,
                            "%s still visible after %lld ms", sel->describe, (long long)budget);
        if (!run_pause(run, POLL_MS))
            return run_fail(run, "interrupted", true, "interrupted");
    }
}

/* Clicks like a person (WebDriver Element Click: trusted events). When something overlays
 * the element, tries again for a moment (an animation, a toast), then fails naming it: a
 * script click would report success on controls that ignore untrusted events (Facebook's
 * delivery page [facebook-markup.md 2.5 #4]), so there is no silent fallback. */
int run_click(run_t *run, const char *el, const char *what)
{
    int64_t until = util_now_ms() + run_budget(run, CLICK_RETRY_MS);
    for (;;) {
        wd_error_t err;
        if (wd_click(run->s, el, &err) == 0)
            return 0;
        bool blocked = strcmp(err.code, "element click intercepted") == 0 ||
                       strcmp(err.code, "element not interactable") == 0;
        if (!blocked)
            return run_wd_fail(run, what, &err);
        if (util_now_ms() >= until) {
            run_log(run, "error", NULL, "%s could not be clicked: %s", what, err.message);
            return run_fail(run, "recipe_failed", true,
                            "%s could not be clicked (%s: %.300s); no script click is tried, "
                            "since some controls ignore it silently: the page needs a look "
                            "(screenshot)",
                            what, err.code, err.message);
        }
        if (!run_pause(run, POLL_MS))
            return run_fail(run, "interrupted", true, "interrupted");
    }
}

char *run_render(run_t *run, const char *tmpl, const char *field)
{
    char err[256];
    char *out = recipe_render(run->r, tmpl, &run->vars, err, sizeof(err));
    if (!out)
        run_fail(run, "bad_request", false, "%s: %s", field, err);
    return out;
}

/* Current URL checked against contains / not_contains (case-sensitive substrings). */
static bool url_matches(const char *url, char *const *contains, size_t nc,
                        char *const *not_contains, size_t nn)
{
    for (size_t i = 0; i < nc; i++)
        if (!strstr(url, contains[i]))
            return false;
    for (size_t i = 0; i < nn; i++)
        if (strstr(url, not_contains[i]))
            return false;
    return true;
}

/* Waits until the URL matches; *url_out gets the last URL seen (caller frees). */
int run_wait_url(run_t *run, const recipe_step_t *st, char **url_out)
{
    int64_t budget = run_budget(run, st->timeout_ms);
    int64_t until = util_now_ms() + budget;
    *url_out = NULL;
    for (;;) {
        wd_error_t err;
        char *url = wd_current_url(run->s, &err);
        if (!url)
            return run_wd_fail(run, "read the URL", &err);
        if (url_matches(url, st->contains, st->ncontains, st->not_contains, st->nnot_contains)) {
            *url_out = url;
            return 0;
        }
        if (util_now_ms() >= until) {
            char want[256] = "";
            size_t off = 0;
            for (size_t i = 0; i < st->ncontains && off < sizeof(want); i++)
                off += (size_t)snprintf(want + off, sizeof(want) - off, " contains \"%s\"",
                                        st->contains[i]);
            for (size_t i = 0; i < st->nnot_contains && off < sizeof(want); i++)
                off += (size_t)snprintf(want + off, sizeof(want) - off, " not \"%s\"",
                                        st->not_contains[i]);
            run_fail(run, budget < st->timeout_ms ? "timeout" : "recipe_failed", true,
                     "unexpected URL %s after %lld ms (wanted:%s)", url, (long long)budget, want);
            free(url);
            return -1;
        }
        free(url);
        if (!run_pause(run, POLL_MS))
            return run_fail(run, "interrupted", true, "interrupted");
    }
}

void run_set_result_url(run_t *run, const char *url, const char *id)
{
    free(run->res->external_url);
    free(run->res->external_id);
    run->res->external_url = xstrdup(url);
    run->res->external_id = id ? xstrdup(id) : NULL;
}

/* Takes a screenshot and hands it to the caller's hook, which names it (into name) and
 * delivers it (the poster: to the api). Returns 0, or -1 with the reason in errstr. */
int run_screenshot(run_t *run, const char *tag, char *name, size_t size, char *errstr,
                   size_t errstr_size)
{
    unsigned char *png = NULL;
    size_t len = 0;
    wd_error_t err;
    if (!run->o->shot) {
        snprintf(errstr, errstr_size, "no screenshot hook");
        return -1;
    }
    if (wd_screenshot(run->s, &png, &len, &err) != 0) {
        snprintf(errstr, errstr_size, "%s: %s", err.code, err.message);
        return -1;
    }
    int rc = run->o->shot(run->o->shot_ctx, tag, png, len, name, size, errstr, errstr_size);
    free(png);
    return rc;
}

/* Is the page a login wall? Fills *where with what matched. */
bool run_login_wall(run_t *run, char *where, size_t size)
{
    const recipe_t *r = run->r;
    wd_error_t err;
    if (r->nlogin_url_contains > 0) {
        char *url = wd_current_url(run->s, &err);
        if (url) {
            char *lower = xstrdup(url);
            for (char *p = lower; *p; p++)
                *p = (char)tolower((unsigned char)*p);
            for (size_t i = 0; i < r->nlogin_url_contains; i++) {
                char *needle = xstrdup(r->login_url_contains[i]);
                for (char *p = needle; *p; p++)
                    *p = (char)tolower((unsigned char)*p);
                bool hit = strstr(lower, needle) != NULL;
                free(needle);
                if (hit) {
                    snprintf(where, size, "the browser was sent to %s", url);
                    free(lower);
                    free(url);
                    return true;
                }
            }
            free(lower);
            free(url);
        }
    }
    int idx = any_visible(run, r->login_selectors, r->nlogin_selectors);
    if (idx >= 0) {
        snprintf(where, size, "the page shows %s", r->login_selectors[idx].describe);
        return true;
    }
    return false;
}
