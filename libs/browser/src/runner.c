/* Executes a browser recipe step by step over WebDriver (see runner.h). Element lookups run as
 * one script per poll (XPath or CSS, first visible match), so a wait costs one round trip per
 * 200 ms; every wait is bounded by the step's timeout and the job's deadline. */
#include "browser/runner.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/log.h"
#include "common/money.h"
#include "common/util.h"
#include "common/xmalloc.h"

#define ELEMENT_KEY "element-6066-11e4-a52e-4f735466cecf"
#define POLL_MS 200
#define MAX_OPTIONS_LISTED 12

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

/* All visible matches with their text: [{"text":..., "el": element}]. */
static const char JS_OPTIONS[] =
    "var using=arguments[0],value=arguments[1],all=[],out=[];"
    "if(using==='xpath'){var r=document.evaluate(value,document,null,"
    "XPathResult.ORDERED_NODE_SNAPSHOT_TYPE,null);"
    "for(var i=0;i<r.snapshotLength;i++)all.push(r.snapshotItem(i));}"
    "else{all=Array.prototype.slice.call(document.querySelectorAll(value));}"
    "function vis(e){if(!e.getClientRects||!e.getClientRects().length)return false;"
    "var s=getComputedStyle(e);return s.visibility!=='hidden'&&s.display!=='none';}"
    "for(var j=0;j<all.length&&out.length<200;j++){var e=all[j];"
    "if(e.nodeType!==1||!vis(e))continue;"
    "var t=(e.innerText||e.textContent||e.getAttribute('aria-label')||'').replace(/\\s+/g,' ')"
    ".trim();if(t)out.push({text:t,el:e});}return out;";

/* For a native <select>: its option texts, or null for any other element. */
static const char JS_SELECT_OPTIONS[] =
    "var e=arguments[0];if(!e||e.tagName!=='SELECT')return null;"
    "return Array.prototype.map.call(e.options,function(o){return (o.text||'').trim();});";

static const char JS_SELECT_SET[] =
    "var e=arguments[0];e.selectedIndex=arguments[1];"
    "e.dispatchEvent(new Event('input',{bubbles:true}));"
    "e.dispatchEvent(new Event('change',{bubbles:true}));return e.value;";

static const char JS_DISABLED[] =
    "var e=arguments[0];return !!(e.disabled||e.getAttribute('aria-disabled')==='true');";

static const char JS_CLICK[] = "arguments[0].click();return true;";

static const char JS_CLEAR[] =
    "var e=arguments[0];if('value' in e){e.value='';"
    "e.dispatchEvent(new Event('input',{bubbles:true}));}else{e.textContent='';}return true;";

/* Scans the listings of a "your listings" page: returns {"count":n,"href":...|null}. An item
 * matches when it (or an element inside it) has exactly the title, whitespace- and
 * case-normalised, and, when price_cents >= 0, one of the amounts in its text is the price
 * ("$1,299.50", "800", or the whole-unit rounding when the recipe posts whole units). */
static const char JS_FIND_EXISTING[] =
    "var using=arguments[0],value=arguments[1],title=arguments[2],cents=arguments[3],"
    "whole=arguments[4],all=[];"
    "function norm(s){return (s||'').replace(/\\s+/g,' ').trim().toLowerCase();}"
    "function priced(t){if(cents<0)return true;"
    "var m=(t||'').replace(/,/g,'').match(/\\d+(\\.\\d{1,2})?/g)||[];"
    "if(cents===0&&/free/i.test(t))return true;"
    "for(var i=0;i<m.length;i++){var c=Math.round(parseFloat(m[i])*100);"
    "if(c===cents||(whole&&c===Math.round(cents/100)*100))return true;}return false;}"
    "if(using==='xpath'){var r=document.evaluate(value,document,null,"
    "XPathResult.ORDERED_NODE_SNAPSHOT_TYPE,null);"
    "for(var i=0;i<r.snapshotLength;i++)all.push(r.snapshotItem(i));}"
    "else{all=Array.prototype.slice.call(document.querySelectorAll(value));}"
    "var want=norm(title);"
    "for(var j=0;j<all.length;j++){var it=all[j];if(it.nodeType!==1)continue;var hit=false;"
    "if(norm(it.getAttribute('aria-label'))===want||norm(it.getAttribute('title'))===want)hit=true;"
    "if(!hit){var els=[it].concat(Array.prototype.slice.call(it.querySelectorAll('*')));"
    "for(var k=0;k<els.length&&!hit;k++){if(norm(els[k].innerText||els[k].textContent)===want)"
    "hit=true;}}"
    "if(hit&&!priced(it.innerText||it.textContent))hit=false;"
    "if(hit){var a=it.tagName==='A'&&it.href?it:(it.querySelector('a[href]')||"
    "(it.closest?it.closest('a[href]'):null));"
    "return {count:all.length,href:a?a.href:null};}}"
    "return {count:all.length,href:null};";

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
    bool submitted; /* a click ran: something may have been posted */
    /* error of the current step */
    char code[32];
    char msg[768];
    bool retryable;
} run_t;

static void job_log(run_t *run, const char *level, const char *artifact, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static void job_log(run_t *run, const char *level, const char *artifact, const char *fmt, ...)
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

static int step_fail(run_t *run, const char *code, bool retryable, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static int step_fail(run_t *run, const char *code, bool retryable, const char *fmt, ...)
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
static int wd_fail(run_t *run, const char *what, const wd_error_t *err)
{
    /* A transport error or a dead session is the browser's fault, not the recipe's. */
    bool browser = strcmp(err->code, "transport") == 0 ||
                   strcmp(err->code, "invalid session id") == 0 ||
                   strcmp(err->code, "session not created") == 0;
    return step_fail(run, browser ? "browser_error" : "recipe_failed", true, "%s: %s: %s", what,
                     err->code, err->message);
}

/* Milliseconds a wait of `timeout_ms` may take given the job's deadline (>= 0). */
static int64_t wait_budget(const run_t *run, int timeout_ms)
{
    int64_t left = run->o->deadline_ms - util_now_ms();
    if (left < 0)
        left = 0;
    return timeout_ms < left ? timeout_ms : left;
}

/* Sleeps between polls; false when the job must stop waiting (stop flag). */
static bool poll_pause(run_t *run, int64_t ms)
{
    if (util_sleep_ms(ms, run->o->stop)) {
        run->interrupted = true;
        return false;
    }
    return true;
}

/* The element id in an execute result ({"element-...": id}), copied; NULL otherwise. */
static char *element_id(const cJSON *v)
{
    const cJSON *id = cJSON_IsObject(v) ? cJSON_GetObjectItemCaseSensitive(v, ELEMENT_KEY) : NULL;
    return id && cJSON_IsString(id) ? xstrdup(id->valuestring) : NULL;
}

static cJSON *args_el(const char *el)
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
    char *id = element_id(v);
    cJSON_Delete(v);
    return id;
}

static bool login_wall(run_t *run, char *where, size_t size);

/* Fails the step with login_required when the page is a login wall (checked after each
 * navigation and now and then while waiting, so a wall costs seconds, not a timeout). */
static bool wall_check(run_t *run)
{
    char where[600];
    if (!login_wall(run, where, sizeof(where)))
        return false;
    step_fail(run, "login_required", false, "%s", where);
    return true;
}

/* Waits for an element; returns its id (caller frees) or NULL with the step error set. */
static char *find_wait(run_t *run, const recipe_selector_t *sel, bool visible, int timeout_ms)
{
    int64_t budget = wait_budget(run, timeout_ms);
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
                wd_fail(run, sel->describe, &err);
                return NULL;
            }
        }
        if (util_now_ms() >= until)
            break;
        if (++polls % 10 == 0 && wall_check(run))
            return NULL;
        if (!poll_pause(run, POLL_MS)) {
            step_fail(run, "interrupted", true, "interrupted");
            return NULL;
        }
    }
    step_fail(run, budget < timeout_ms ? "timeout" : "recipe_failed", true,
              "%s not found%s after %lld ms", sel->describe, visible ? " (visible)" : "",
              (long long)budget);
    return NULL;
}

/* Clicks, falling back to a script click when something overlays the element. */
static int click_el(run_t *run, const char *el, const char *what)
{
    wd_error_t err;
    if (wd_click(run->s, el, &err) == 0)
        return 0;
    if (strcmp(err.code, "element click intercepted") != 0 &&
        strcmp(err.code, "element not interactable") != 0)
        return wd_fail(run, what, &err);
    wd_error_t err2;
    cJSON *v = wd_execute(run->s, JS_CLICK, args_el(el), &err2);
    if (!v)
        return wd_fail(run, what, &err2);
    cJSON_Delete(v);
    return 0;
}

static char *render(run_t *run, const char *tmpl, const char *field)
{
    char err[256];
    char *out = recipe_render(run->r, tmpl, &run->vars, err, sizeof(err));
    if (!out)
        step_fail(run, "bad_request", false, "%s: %s", field, err);
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
static int wait_url(run_t *run, const recipe_step_t *st, char **url_out)
{
    int64_t budget = wait_budget(run, st->timeout_ms);
    int64_t until = util_now_ms() + budget;
    *url_out = NULL;
    for (;;) {
        wd_error_t err;
        char *url = wd_current_url(run->s, &err);
        if (!url)
            return wd_fail(run, "read the URL", &err);
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
            step_fail(run, budget < st->timeout_ms ? "timeout" : "recipe_failed", true,
                      "unexpected URL %s after %lld ms (wanted:%s)", url, (long long)budget, want);
            free(url);
            return -1;
        }
        free(url);
        if (!poll_pause(run, POLL_MS))
            return step_fail(run, "interrupted", true, "interrupted");
    }
}

static void set_result_url(run_t *run, const char *url, const char *id_after)
{
    free(run->res->external_url);
    free(run->res->external_id);
    run->res->external_url = xstrdup(url);
    run->res->external_id = id_after ? recipe_extract_after(url, id_after) : NULL;
}

/* ---- steps ----------------------------------------------------------------------------- */

static int step_goto(run_t *run, const recipe_step_t *st)
{
    char *url = render(run, st->url, "url");
    if (!url)
        return -1;
    wd_error_t err;
    int rc = wd_navigate(run->s, url, &err);
    if (rc != 0)
        wd_fail(run, url, &err);
    else if (wall_check(run))
        rc = -1;
    free(url);
    return rc;
}

static int step_fill(run_t *run, const recipe_step_t *st)
{
    int rc = -1;
    char *text = render(run, st->value, "value");
    char *el = text ? find_wait(run, &st->sel, true, st->timeout_ms) : NULL;
    char *keys = NULL;
    wd_error_t err;
    if (!el)
        goto cleanup;
    if (st->clear && wd_clear(run->s, el, &err) != 0) {
        /* contenteditable and custom widgets refuse Element Clear: empty them by script */
        cJSON *v = wd_execute(run->s, JS_CLEAR, args_el(el), &err);
        if (!v) {
            wd_fail(run, st->sel.describe, &err);
            goto cleanup;
        }
        cJSON_Delete(v);
    }
    keys = xasprintf("%s%s", text, st->key_after ? st->key_after : "");
    if (*keys && wd_send_keys(run->s, el, keys, &err) != 0) {
        wd_fail(run, st->sel.describe, &err);
        goto cleanup;
    }
    rc = 0;
cleanup:
    free(text);
    free(el);
    free(keys);
    return rc;
}

static int step_upload(run_t *run, const recipe_step_t *st)
{
    const ev_listing_t *l = &run->req->listing;
    int rc = -1;
    char *el = NULL;
    char *paths = NULL;
    size_t plen = 0;
    if (l->nimages == 0) {
        job_log(run, "warning", NULL, "no images to upload");
        return 0;
    }
    /* the driver downloaded every image before the run (job_images.c) */
    if (run->o->nimage_files != l->nimages)
        return step_fail(run, "image_unavailable", true, "%zu of the %zu images are on hand",
                         run->o->nimage_files, l->nimages);
    el = find_wait(run, &st->sel, false, st->timeout_ms);
    if (!el)
        goto cleanup;
    for (size_t i = 0; i < l->nimages; i++) {
        char remote[1024];
        wd_error_t err;
        if (wd_upload_file(run->s, run->o->image_files[i], remote, sizeof(remote), &err) != 0) {
            wd_fail(run, "upload image", &err);
            goto cleanup;
        }
        size_t n = strlen(remote);
        paths = xrealloc(paths, plen + n + 2);
        if (plen)
            paths[plen++] = '\n'; /* WebDriver: several files of a multiple input */
        memcpy(paths + plen, remote, n + 1);
        plen += n;
    }
    wd_error_t err;
    if (wd_send_keys(run->s, el, paths, &err) != 0) {
        wd_fail(run, st->sel.describe, &err);
        goto cleanup;
    }
    job_log(run, "info", NULL, "attached %zu image%s", l->nimages, l->nimages == 1 ? "" : "s");
    rc = 0;
cleanup:
    free(el);
    free(paths);
    return rc;
}

/* Picks an index among texts for the step; -1 with the step error set. */
static int pick_option(run_t *run, const recipe_step_t *st, const char *want, const char *fallback,
                       const char *const *texts, size_t n)
{
    double score = 0.0;
    int idx = recipe_fuzzy_best(want, texts, n, st->min_score, &score);
    if (idx >= 0) {
        job_log(run, "info", NULL, "chose \"%s\" for \"%s\" (similarity %.2f)", texts[idx], want,
                recipe_fuzzy_score(want, texts[idx]));
        return idx;
    }
    if (fallback && *fallback) {
        idx = recipe_fuzzy_best(fallback, texts, n, st->min_score, NULL);
        if (idx >= 0) {
            job_log(run, "warning", NULL, "no option like \"%s\"; chose the fallback \"%s\"", want,
                    texts[idx]);
            return idx;
        }
    }
    if (st->first_if_none && n > 0) {
        job_log(run, "warning", NULL, "no option like \"%s\"; chose the first, \"%s\"", want,
                texts[0]);
        return 0;
    }
    char list[512] = "";
    size_t off = 0;
    for (size_t i = 0; i < n && i < MAX_OPTIONS_LISTED && off < sizeof(list); i++)
        off +=
            (size_t)snprintf(list + off, sizeof(list) - off, "%s\"%s\"", i ? ", " : "", texts[i]);
    step_fail(run, "recipe_failed", true,
              "no option like \"%s\" (best similarity %.2f) among %zu: %s%s", want, score, n, list,
              n > MAX_OPTIONS_LISTED ? ", ..." : "");
    return -1;
}

static int step_choose(run_t *run, const recipe_step_t *st)
{
    int rc = -1;
    char *want = render(run, st->value, "option");
    char *fallback = NULL;
    char *opener = NULL;
    cJSON *opts = NULL;
    const char **texts = NULL;
    wd_error_t err;
    if (!want)
        goto cleanup;
    if (st->fallback && !(fallback = render(run, st->fallback, "fallback")))
        goto cleanup;
    if (!(opener = find_wait(run, &st->sel, true, st->timeout_ms)))
        goto cleanup;

    /* A native <select>: choose by script, its popup is not part of the page. */
    cJSON *native = wd_execute(run->s, JS_SELECT_OPTIONS, args_el(opener), &err);
    if (!native) {
        wd_fail(run, st->sel.describe, &err);
        goto cleanup;
    }
    if (cJSON_IsArray(native)) {
        size_t n = (size_t)cJSON_GetArraySize(native);
        texts = xcalloc(n ? n : 1, sizeof(char *));
        for (size_t i = 0; i < n; i++) {
            const cJSON *t = cJSON_GetArrayItem(native, (int)i);
            texts[i] = cJSON_IsString(t) ? t->valuestring : "";
        }
        int idx = pick_option(run, st, want, fallback, texts, n);
        if (idx >= 0) {
            cJSON *args = args_el(opener);
            cJSON_AddItemToArray(args, cJSON_CreateNumber(idx));
            cJSON *v = wd_execute(run->s, JS_SELECT_SET, args, &err);
            if (v)
                rc = 0;
            else
                wd_fail(run, st->sel.describe, &err);
            cJSON_Delete(v);
        }
        cJSON_Delete(native);
        goto cleanup;
    }
    cJSON_Delete(native);

    if (click_el(run, opener, st->sel.describe) != 0)
        goto cleanup;
    if (st->type_to_filter && wd_send_keys(run->s, opener, want, &err) != 0) {
        wd_fail(run, st->sel.describe, &err);
        goto cleanup;
    }
    int64_t budget = wait_budget(run, st->timeout_ms);
    int64_t until = util_now_ms() + budget;
    size_t n = 0;
    for (;;) {
        cJSON *args = cJSON_CreateArray();
        cJSON_AddItemToArray(args,
                             cJSON_CreateString(st->options.using[0] == 'x' ? "xpath" : "css"));
        cJSON_AddItemToArray(args, cJSON_CreateString(st->options.value));
        cJSON_Delete(opts);
        opts = wd_execute(run->s, JS_OPTIONS, args, &err);
        if (!opts) {
            wd_fail(run, st->options.describe, &err);
            goto cleanup;
        }
        n = cJSON_IsArray(opts) ? (size_t)cJSON_GetArraySize(opts) : 0;
        if (n > 0 || util_now_ms() >= until)
            break;
        if (!poll_pause(run, POLL_MS)) {
            step_fail(run, "interrupted", true, "interrupted");
            goto cleanup;
        }
    }
    if (n == 0) {
        step_fail(run, budget < st->timeout_ms ? "timeout" : "recipe_failed", true,
                  "no %s appeared after opening %s (%lld ms)", st->options.describe,
                  st->sel.describe, (long long)budget);
        goto cleanup;
    }
    texts = xcalloc(n, sizeof(char *));
    for (size_t i = 0; i < n; i++) {
        const cJSON *t = cJSON_GetObjectItemCaseSensitive(cJSON_GetArrayItem(opts, (int)i), "text");
        texts[i] = cJSON_IsString(t) ? t->valuestring : "";
    }
    int idx = pick_option(run, st, want, fallback, texts, n);
    if (idx < 0)
        goto cleanup;
    char *el = element_id(cJSON_GetObjectItemCaseSensitive(cJSON_GetArrayItem(opts, idx), "el"));
    if (!el) {
        step_fail(run, "recipe_failed", true, "option \"%s\" has no element reference", texts[idx]);
        goto cleanup;
    }
    rc = click_el(run, el, texts[idx]);
    free(el);
cleanup:
    free(want);
    free(fallback);
    free(opener);
    free(texts);
    cJSON_Delete(opts);
    return rc;
}

static int step_click(run_t *run, const recipe_step_t *st)
{
    char *el = find_wait(run, &st->sel, true, st->timeout_ms);
    if (!el)
        return -1;
    int rc = -1;
    int64_t budget = wait_budget(run, st->timeout_ms);
    int64_t until = util_now_ms() + budget;
    /* A disabled submit button means the form did not validate: wait a little for it (the
     * page may still be processing photos), then say so instead of clicking into nothing. */
    for (;;) {
        wd_error_t err;
        cJSON *v = wd_execute(run->s, JS_DISABLED, args_el(el), &err);
        if (!v) {
            wd_fail(run, st->sel.describe, &err);
            goto cleanup;
        }
        bool disabled = cJSON_IsTrue(v);
        cJSON_Delete(v);
        if (!disabled)
            break;
        if (util_now_ms() >= until) {
            step_fail(run, "recipe_failed", true,
                      "%s stayed disabled for %lld ms: the form did not validate", st->sel.describe,
                      (long long)budget);
            goto cleanup;
        }
        if (!poll_pause(run, POLL_MS)) {
            step_fail(run, "interrupted", true, "interrupted");
            goto cleanup;
        }
    }
    run->submitted = true;
    rc = click_el(run, el, st->sel.describe);
cleanup:
    free(el);
    return rc;
}

static int step_read_url(run_t *run, const recipe_step_t *st)
{
    char *url = NULL;
    if (wait_url(run, st, &url) != 0)
        return -1;
    set_result_url(run, url, st->id_after);
    job_log(run, "info", NULL, "listing URL: %s", url);
    free(url);
    return 0;
}

/* 1: found (result set), 0: not there, -1: error. */
static int step_find_existing(run_t *run, const recipe_step_t *st)
{
    int rc = -1;
    char *url = render(run, st->url, "url");
    char *title = url ? render(run, st->value, "match") : NULL;
    char *ready = NULL;
    cJSON *v = NULL;
    wd_error_t err;
    char price[32] = "";
    if (!title)
        goto cleanup;
    if (st->match_price)
        money_display(run->req->listing.price_cents, NULL, MONEY_FIELD, price, sizeof(price));
    int64_t budget = wait_budget(run, st->timeout_ms);
    int64_t until = util_now_ms() + budget;
    const cJSON *href = NULL;
    int nitems = 0;
    for (;;) {
        if (wd_navigate(run->s, url, &err) != 0) {
            wd_fail(run, url, &err);
            goto cleanup;
        }
        if (wall_check(run))
            goto cleanup;
        free(ready);
        if (st->has_options && !(ready = find_wait(run, &st->options, false, st->timeout_ms)))
            goto cleanup;
        cJSON *args = cJSON_CreateArray();
        cJSON_AddItemToArray(args, cJSON_CreateString(st->sel.using[0] == 'x' ? "xpath" : "css"));
        cJSON_AddItemToArray(args, cJSON_CreateString(st->sel.value));
        cJSON_AddItemToArray(args, cJSON_CreateString(title));
        cJSON_AddItemToArray(
            args, cJSON_CreateNumber(st->match_price ? (double)run->req->listing.price_cents : -1));
        cJSON_AddItemToArray(args, cJSON_CreateBool(run->r->price_whole));
        cJSON_Delete(v);
        v = wd_execute(run->s, JS_FIND_EXISTING, args, &err);
        if (!v) {
            wd_fail(run, st->sel.describe, &err);
            goto cleanup;
        }
        href = cJSON_GetObjectItemCaseSensitive(v, "href");
        const cJSON *count = cJSON_GetObjectItemCaseSensitive(v, "count");
        nitems = cJSON_IsNumber(count) ? count->valueint : 0;
        /* After publishing, the marketplace may list the new item only after a while. */
        if (!st->required || (cJSON_IsString(href) && href->valuestring[0]) ||
            util_now_ms() >= until)
            break;
        if (!poll_pause(run, 2000)) {
            step_fail(run, "interrupted", true, "interrupted");
            goto cleanup;
        }
    }
    if (cJSON_IsString(href) && href->valuestring[0]) {
        set_result_url(run, href->valuestring, st->id_after);
        if (!run->submitted) {
            run->res->existing = true;
            job_log(run, "info", NULL,
                    "already posted: \"%s\" is listed at %s; not posting it again", title,
                    href->valuestring);
        } else {
            job_log(run, "info", NULL, "listing URL: %s", href->valuestring);
        }
        rc = 1;
    } else {
        if (st->required) {
            step_fail(run, budget < st->timeout_ms ? "timeout" : "recipe_failed", true,
                      "\"%s\"%s%s did not appear among the %d listing%s on %s within %lld ms",
                      title, *price ? " at " : "", price, nitems, nitems == 1 ? "" : "s", url,
                      (long long)budget);
            goto cleanup;
        }
        job_log(run, "info", NULL, "%d listing%s on %s, none is \"%s\"%s%s", nitems,
                nitems == 1 ? "" : "s", url, title, *price ? " at " : "", price);
        rc = 0;
    }
cleanup:
    free(url);
    free(title);
    free(ready);
    cJSON_Delete(v);
    return rc;
}

/* Takes a screenshot and hands it to the caller's hook, which names it (into name) and
 * delivers it (the poster: to the api). Returns 0, or -1 with the reason in errstr. */
static int deliver_screenshot(run_t *run, const char *tag, char *name, size_t size, char *errstr,
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

static int step_screenshot(run_t *run, const recipe_step_t *st)
{
    char name[128];
    char err[512];
    if (deliver_screenshot(run, st->name, name, sizeof(name), err, sizeof(err)) != 0) {
        /* a missing picture is no reason to fail a posting */
        job_log(run, "warning", NULL, "screenshot %s could not be delivered to the api: %s",
                st->name, err);
        return 0;
    }
    job_log(run, "info", name, "screenshot %s", st->name);
    return 0;
}

/* Runs one step: 0 done, 1 done and the recipe is finished (existing listing found), -1
 * failed (run->code/msg set). */
static int step_run(run_t *run, const recipe_step_t *st)
{
    switch (st->kind) {
    case STEP_GOTO:
        return step_goto(run, st);
    case STEP_WAIT_FOR: {
        char *el = find_wait(run, &st->sel, true, st->timeout_ms);
        free(el);
        return el ? 0 : -1;
    }
    case STEP_FILL:
        return step_fill(run, st);
    case STEP_UPLOAD:
        return step_upload(run, st);
    case STEP_CHOOSE_OPTION:
        return step_choose(run, st);
    case STEP_CLICK:
        return step_click(run, st);
    case STEP_EXPECT_URL: {
        char *url = NULL;
        int rc = wait_url(run, st, &url);
        free(url);
        return rc;
    }
    case STEP_READ_URL:
        return step_read_url(run, st);
    case STEP_FIND_EXISTING:
        return step_find_existing(run, st);
    case STEP_SCREENSHOT:
        return step_screenshot(run, st);
    case STEP_SLEEP:
        if (!poll_pause(run, wait_budget(run, st->sleep_ms)))
            return step_fail(run, "interrupted", true, "interrupted");
        return 0;
    }
    return step_fail(run, "recipe_failed", false, "unknown step kind");
}

/* Is the page a login wall? Fills *where with what matched. */
static bool login_wall(run_t *run, char *where, size_t size)
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
    if (r->nlogin_selectors > 0) {
        cJSON *list = cJSON_CreateArray();
        for (size_t i = 0; i < r->nlogin_selectors; i++) {
            cJSON *pair = cJSON_CreateArray();
            cJSON_AddItemToArray(
                pair, cJSON_CreateString(r->login_selectors[i].using[0] == 'x' ? "xpath" : "css"));
            cJSON_AddItemToArray(pair, cJSON_CreateString(r->login_selectors[i].value));
            cJSON_AddItemToArray(list, pair);
        }
        cJSON *args = cJSON_CreateArray();
        cJSON_AddItemToArray(args, list);
        cJSON *v = wd_execute(run->s, JS_ANY_VISIBLE, args, &err);
        int idx = cJSON_IsNumber(v) ? v->valueint : -1;
        cJSON_Delete(v);
        if (idx >= 0 && (size_t)idx < r->nlogin_selectors) {
            snprintf(where, size, "the page shows %s", r->login_selectors[idx].describe);
            return true;
        }
    }
    return false;
}

bool runner_login_wall(wd_session_t *s, const recipe_t *r, char *where, size_t size)
{
    posting_requested_t none;
    memset(&none, 0, sizeof(none));
    runner_opts_t o;
    memset(&o, 0, sizeof(o));
    runner_result_t res;
    memset(&res, 0, sizeof(res));
    run_t run = {.s = s, .r = r, .req = &none, .o = &o, .res = &res};
    return login_wall(&run, where, size);
}

/* Screenshot + error log + result, for a failed step. */
static void fail_job(run_t *run, size_t index, const recipe_step_t *st)
{
    runner_result_t *res = run->res;
    char where[600];
    if (strcmp(run->code, "bad_request") != 0 && login_wall(run, where, sizeof(where))) {
        snprintf(run->code, sizeof(run->code), "login_required");
        snprintf(run->msg, sizeof(run->msg), "%s: %s is not logged in. %s%s%s", where,
                 run->r->platform, run->o->login_remedy ? run->o->login_remedy : "",
                 run->r->login_hint ? " " : "", run->r->login_hint ? run->r->login_hint : "");
        run->retryable = false;
    }
    char shot[128] = "";
    char err[512];
    if (run->o->shot &&
        deliver_screenshot(run, "failed", shot, sizeof(shot), err, sizeof(err)) != 0) {
        job_log(run, "warning", NULL, "the failure screenshot could not be %s: %s",
                run->req ? "delivered to the api" : "stored", err);
        shot[0] = '\0';
    }
    if (st)
        job_log(run, "error", shot[0] ? shot : NULL, "step %zu/%zu %s failed: %s", index + 1,
                run->nsteps, st->describe, run->msg);
    else
        job_log(run, "error", shot[0] ? shot : NULL, "%s", run->msg);
    /* A step after the listing was submitted may say that retrying could post it twice. */
    if (st && st->retryable >= 0 && strcmp(run->code, "login_required") != 0)
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
        if (util_now_ms() >= o->deadline_ms) {
            step_fail(run, "timeout", true, "the %s ran out of time%s", run->req ? "job" : "call",
                      run->req ? " (JOB_TIMEOUT_MS)" : "");
            fail_job(run, i, st);
            return -1;
        }
        job_log(run, "info", NULL, "step %zu/%zu %s", i + 1, run->nsteps, st->describe);
        run->code[0] = '\0';
        int rc = step_run(run, st);
        if (run->interrupted)
            return 0;
        if (rc < 0) {
            if (strcmp(run->code, "bad_request") != 0 && st->optional) {
                char where[600];
                if (!login_wall(run, where, sizeof(where))) {
                    job_log(run, "warning", NULL, "optional step %zu/%zu %s skipped: %s", i + 1,
                            run->nsteps, st->describe, run->msg);
                    continue;
                }
            }
            fail_job(run, i, st);
            return -1;
        }
        /* A login wall can answer any navigation with 200: check after each step. */
        char where[600];
        if (login_wall(run, where, sizeof(where))) {
            step_fail(run, "login_required", false, "login wall");
            fail_job(run, i, st);
            return -1;
        }
        if (rc == 1)
            return 1;
        if (i + 1 < run->nsteps && o->step_delay_ms > 0) {
            int64_t pause = (int64_t)(o->step_delay_ms * (0.5 + util_rand01()));
            if (!poll_pause(run, wait_budget(run, (int)pause)))
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
    if (rc < 0)
        return res->status;
    bool finished = rc == 1;
    if (run.interrupted || (o->stop && *o->stop && !finished && !res->external_url)) {
        free(res->external_url);
        free(res->external_id);
        res->external_url = res->external_id = NULL;
        job_log(&run, "warning", NULL, "interrupted by shutdown; the job will be redelivered");
        res->status = RUNNER_INTERRUPTED;
        return res->status;
    }
    if (!res->external_url) {
        step_fail(&run, "recipe_failed", true,
                  "the recipe finished without reading the listing's URL");
        fail_job(&run, r->nsteps, NULL);
        return res->status;
    }
    res->status = RUNNER_OK;
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
