/* The runner's step actions (see runner.h for what each does and runner_state.h for the
 * primitives they use): goto, fill, upload, choose_option, click, read_url, find_existing,
 * screenshot, sleep. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/money.h"
#include "common/util.h"
#include "common/xmalloc.h"
#include "runner_state.h"

#define MAX_OPTIONS_LISTED 12

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

/* ---- steps ----------------------------------------------------------------------------- */

static int step_goto(run_t *run, const recipe_step_t *st)
{
    char *url = run_render(run, st->url, "url");
    if (!url)
        return -1;
    wd_error_t err;
    int rc = wd_navigate(run->s, url, &err);
    if (rc != 0)
        run_wd_fail(run, url, &err);
    else if (run_wall_check(run))
        rc = -1;
    free(url);
    return rc;
}

static int step_fill(run_t *run, const recipe_step_t *st)
{
    int rc = -1;
    char *text = run_render(run, st->value, "value");
    char *el = text ? run_find_wait(run, &st->sel, true, st->timeout_ms) : NULL;
    char *keys = NULL;
    wd_error_t err;
    if (!el)
        goto cleanup;
    if (st->clear && wd_clear(run->s, el, &err) != 0) {
        /* contenteditable and custom widgets refuse Element Clear: empty them by script */
        cJSON *v = wd_execute(run->s, JS_CLEAR, run_args_el(el), &err);
        if (!v) {
            run_wd_fail(run, st->sel.describe, &err);
            goto cleanup;
        }
        cJSON_Delete(v);
    }
    keys = xasprintf("%s%s", text, st->key_after ? st->key_after : "");
    if (*keys && wd_send_keys(run->s, el, keys, &err) != 0) {
        run_wd_fail(run, st->sel.describe, &err);
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
        run_log(run, "warning", NULL, "no images to upload");
        return 0;
    }
    /* the driver downloaded every image before the run (job_images.c) */
    if (run->o->nimage_files != l->nimages)
        return run_fail(run, "image_unavailable", true, "%zu of the %zu images are on hand",
                        run->o->nimage_files, l->nimages);
    el = run_find_wait(run, &st->sel, false, st->timeout_ms);
    if (!el)
        goto cleanup;
    for (size_t i = 0; i < l->nimages; i++) {
        char remote[1024];
        wd_error_t err;
        if (wd_upload_file(run->s, run->o->image_files[i], remote, sizeof(remote), &err) != 0) {
            run_wd_fail(run, "upload image", &err);
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
        run_wd_fail(run, st->sel.describe, &err);
        goto cleanup;
    }
    run_log(run, "info", NULL, "attached %zu image%s", l->nimages, l->nimages == 1 ? "" : "s");
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
        run_log(run, "info", NULL, "chose \"%s\" for \"%s\" (similarity %.2f)", texts[idx], want,
                recipe_fuzzy_score(want, texts[idx]));
        return idx;
    }
    if (fallback && *fallback) {
        idx = recipe_fuzzy_best(fallback, texts, n, st->min_score, NULL);
        if (idx >= 0) {
            run_log(run, "warning", NULL, "no option like \"%s\"; chose the fallback \"%s\"", want,
                    texts[idx]);
            return idx;
        }
    }
    if (st->first_if_none && n > 0) {
        run_log(run, "warning", NULL, "no option like \"%s\"; chose the first, \"%s\"", want,
                texts[0]);
        return 0;
    }
    char list[512] = "";
    size_t off = 0;
    for (size_t i = 0; i < n && i < MAX_OPTIONS_LISTED && off < sizeof(list); i++)
        off +=
            (size_t)snprintf(list + off, sizeof(list) - off, "%s\"%s\"", i ? ", " : "", texts[i]);
    run_fail(run, "recipe_failed", true,
             "no option like \"%s\" (best similarity %.2f) among %zu: %s%s", want, score, n, list,
             n > MAX_OPTIONS_LISTED ? ", ..." : "");
    return -1;
}

static int step_choose(run_t *run, const recipe_step_t *st)
{
    int rc = -1;
    char *want = run_render(run, st->value, "option");
    char *fallback = NULL;
    char *opener = NULL;
    cJSON *opts = NULL;
    const char **texts = NULL;
    wd_error_t err;
    if (!want)
        goto cleanup;
    if (st->fallback && !(fallback = run_render(run, st->fallback, "fallback")))
        goto cleanup;
    if (!(opener = run_find_wait(run, &st->sel, true, st->timeout_ms)))
        goto cleanup;

    /* A native <select>: choose by script, its popup is not part of the page. */
    cJSON *native = wd_execute(run->s, JS_SELECT_OPTIONS, run_args_el(opener), &err);
    if (!native) {
        run_wd_fail(run, st->sel.describe, &err);
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
            cJSON *args = run_args_el(opener);
            cJSON_AddItemToArray(args, cJSON_CreateNumber(idx));
            cJSON *v = wd_execute(run->s, JS_SELECT_SET, args, &err);
            if (v)
                rc = 0;
            else
                run_wd_fail(run, st->sel.describe, &err);
            cJSON_Delete(v);
        }
        cJSON_Delete(native);
        goto cleanup;
    }
    cJSON_Delete(native);

    if (run_click(run, opener, st->sel.describe) != 0)
        goto cleanup;
    if (st->type_to_filter && wd_send_keys(run->s, opener, want, &err) != 0) {
        run_wd_fail(run, st->sel.describe, &err);
        goto cleanup;
    }
    int64_t budget = run_budget(run, st->timeout_ms);
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
            run_wd_fail(run, st->options.describe, &err);
            goto cleanup;
        }
        n = cJSON_IsArray(opts) ? (size_t)cJSON_GetArraySize(opts) : 0;
        if (n > 0 || util_now_ms() >= until)
            break;
        if (!run_pause(run, POLL_MS)) {
            run_fail(run, "interrupted", true, "interrupted");
            goto cleanup;
        }
    }
    if (n == 0) {
        run_fail(run, budget < st->timeout_ms ? "timeout" : "recipe_failed", true,
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
    char *el =
        run_element_id(cJSON_GetObjectItemCaseSensitive(cJSON_GetArrayItem(opts, idx), "el"));
    if (!el) {
        run_fail(run, "recipe_failed", true, "option \"%s\" has no element reference", texts[idx]);
        goto cleanup;
    }
    rc = run_click(run, el, texts[idx]);
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
    char *el = run_find_wait(run, &st->sel, true, st->timeout_ms);
    if (!el)
        return -1;
    int rc = -1;
    int64_t budget = run_budget(run, st->timeout_ms);
    int64_t until = util_now_ms() + budget;
    /* A disabled submit button means the form did not validate: wait a little for it (the
     * page may still be processing photos), then say so instead of clicking into nothing. */
    for (;;) {
        wd_error_t err;
        cJSON *v = wd_execute(run->s, JS_DISABLED, run_args_el(el), &err);
        if (!v) {
            run_wd_fail(run, st->sel.describe, &err);
            goto cleanup;
        }
        bool disabled = cJSON_IsTrue(v);
        cJSON_Delete(v);
        if (!disabled)
            break;
        if (util_now_ms() >= until) {
            run_fail(run, "recipe_failed", true,
                     "%s stayed disabled for %lld ms: the form did not validate", st->sel.describe,
                     (long long)budget);
            goto cleanup;
        }
        if (!run_pause(run, POLL_MS)) {
            run_fail(run, "interrupted", true, "interrupted");
            goto cleanup;
        }
    }
    run->submitted = true;
    rc = run_click(run, el, st->sel.describe);
cleanup:
    free(el);
    return rc;
}

static int step_read_url(run_t *run, const recipe_step_t *st)
{
    char *url = NULL;
    if (run_wait_url(run, st, &url) != 0)
        return -1;
    run_set_result_url(run, url, st->id_after);
    run_log(run, "info", NULL, "listing URL: %s", url);
    free(url);
    return 0;
}

/* 1: found (result set), 0: not there, -1: error. */
static int step_find_existing(run_t *run, const recipe_step_t *st)
{
    int rc = -1;
    char *url = run_render(run, st->url, "url");
    char *title = url ? run_render(run, st->value, "match") : NULL;
    char *ready = NULL;
    cJSON *v = NULL;
    wd_error_t err;
    char price[32] = "";
    if (!title)
        goto cleanup;
    if (st->match_price)
        money_display(run->req->listing.price_cents, NULL, MONEY_FIELD, price, sizeof(price));
    int64_t budget = run_budget(run, st->timeout_ms);
    int64_t until = util_now_ms() + budget;
    const cJSON *href = NULL;
    int nitems = 0;
    for (;;) {
        if (wd_navigate(run->s, url, &err) != 0) {
            run_wd_fail(run, url, &err);
            goto cleanup;
        }
        if (run_wall_check(run))
            goto cleanup;
        free(ready);
        if (st->has_options && !(ready = run_find_wait(run, &st->options, false, st->timeout_ms)))
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
            run_wd_fail(run, st->sel.describe, &err);
            goto cleanup;
        }
        href = cJSON_GetObjectItemCaseSensitive(v, "href");
        const cJSON *count = cJSON_GetObjectItemCaseSensitive(v, "count");
        nitems = cJSON_IsNumber(count) ? count->valueint : 0;
        /* After publishing, the marketplace may list the new item only after a while. */
        if (!st->required || (cJSON_IsString(href) && href->valuestring[0]) ||
            util_now_ms() >= until)
            break;
        if (!run_pause(run, 2000)) {
            run_fail(run, "interrupted", true, "interrupted");
            goto cleanup;
        }
    }
    if (cJSON_IsString(href) && href->valuestring[0]) {
        run_set_result_url(run, href->valuestring, st->id_after);
        if (!run->submitted) {
            run->res->existing = true;
            run_log(run, "info", NULL,
                    "already posted: \"%s\" is listed at %s; not posting it again", title,
                    href->valuestring);
        } else {
            run_log(run, "info", NULL, "listing URL: %s", href->valuestring);
        }
        rc = 1;
    } else {
        if (st->required) {
            run_fail(run, budget < st->timeout_ms ? "timeout" : "recipe_failed", true,
                     "\"%s\"%s%s did not appear among the %d listing%s on %s within %lld ms", title,
                     *price ? " at " : "", price, nitems, nitems == 1 ? "" : "s", url,
                     (long long)budget);
            goto cleanup;
        }
        run_log(run, "info", NULL, "%d listing%s on %s, none is \"%s\"%s%s", nitems,
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

static int step_screenshot(run_t *run, const recipe_step_t *st)
{
    char name[128];
    char err[512];
    if (run_screenshot(run, st->name, name, sizeof(name), err, sizeof(err)) != 0) {
        /* a missing picture is no reason to fail a posting */
        run_log(run, "warning", NULL, "screenshot %s could not be delivered to the api: %s",
                st->name, err);
        return 0;
    }
    run_log(run, "info", name, "screenshot %s", st->name);
    return 0;
}

/* read_text: the element's text (white space collapsed) as {{page.<into>}}. */
static int step_read_text(run_t *run, const recipe_step_t *st)
{
    static const char JS_TEXT[] =
        "var e=arguments[0];return (e.innerText||e.textContent||e.getAttribute('aria-label')||'')"
        ".replace(/\\s+/g,' ').trim();";
    char *el = run_find_wait(run, &st->sel, true, st->timeout_ms);
    if (!el)
        return -1;
    wd_error_t err;
    cJSON *v = wd_execute(run->s, JS_TEXT, run_args_el(el), &err);
    free(el);
    if (!v)
        return run_wd_fail(run, st->sel.describe, &err);
    if (!cJSON_IsString(v) || !v->valuestring[0]) {
        cJSON_Delete(v);
        return run_fail(run, "recipe_failed", true, "%s has no text", st->sel.describe);
    }
    if (!run->page)
        run->page = cJSON_CreateObject();
    run->vars.page = run->page;
    cJSON_DeleteItemFromObjectCaseSensitive(run->page, st->name);
    cJSON_AddStringToObject(run->page, st->name, v->valuestring);
    run_log(run, "info", NULL, "page.%s = \"%s\"", st->name, v->valuestring);
    cJSON_Delete(v);
    return 0;
}

/* click with "all": every visible match, found again after each click (a click may remove
 * it or re-render the page), until none is left; none at all is fine. */
static int step_click_all(run_t *run, const recipe_step_t *st)
{
    enum { MAX_CLICKS = 50 };
    int n = 0;
    for (; n < MAX_CLICKS; n++) {
        char *el = run_find_wait(run, &st->sel, true, 0);
        if (!el) {
            if (strcmp(run->code, "recipe_failed") != 0 && strcmp(run->code, "timeout") != 0)
                return -1; /* a WebDriver error, a wall or the stop flag */
            run->code[0] = '\0';
            break;
        }
        run->submitted = true;
        int rc = run_click(run, el, st->sel.describe);
        free(el);
        if (rc != 0)
            return -1;
        if (!run_pause(run, POLL_MS))
            return run_fail(run, "interrupted", true, "interrupted");
    }
    if (n == MAX_CLICKS)
        return run_fail(run, "recipe_failed", true, "%s still there after %d clicks",
                        st->sel.describe, MAX_CLICKS);
    run_log(run, "info", NULL, "clicked %d \u00d7 %s", n, st->sel.describe);
    return 0;
}

/* The step with its templated selectors rendered for this run: *tmp is a copy of st that
 * owns nothing but the rendered selectors (freed by the caller). */
static int render_selectors(run_t *run, const recipe_step_t *st, recipe_step_t *tmp)
{
    *tmp = *st;
    memset(&tmp->sel, 0, sizeof(tmp->sel));
    memset(&tmp->options, 0, sizeof(tmp->options));
    char err[512];
    if (st->sel.tmpl &&
        recipe_selector_render(run->r, &st->sel, &run->vars, &tmp->sel, err, sizeof(err)) != 0)
        return run_fail(run, "bad_request", false, "selector: %s", err);
    if (st->options.tmpl && recipe_selector_render(run->r, &st->options, &run->vars, &tmp->options,
                                                   err, sizeof(err)) != 0)
        return run_fail(run, "bad_request", false, "options: %s", err);
    if (!st->sel.tmpl)
        tmp->sel = st->sel;
    if (!st->options.tmpl)
        tmp->options = st->options;
    return 0;
}

static int run_step_kind(run_t *run, const recipe_step_t *st);

/* Runs one step: 0 done, 1 done and the recipe is finished (existing listing found), -1
 * failed (run->code/msg set). */
int run_step(run_t *run, const recipe_step_t *st)
{
    if (!st->sel.tmpl && !st->options.tmpl)
        return run_step_kind(run, st);
    recipe_step_t tmp;
    int rc = render_selectors(run, st, &tmp);
    if (rc == 0)
        rc = run_step_kind(run, &tmp);
    if (st->sel.tmpl)
        recipe_selector_free(&tmp.sel);
    if (st->options.tmpl)
        recipe_selector_free(&tmp.options);
    return rc;
}

static int run_step_kind(run_t *run, const recipe_step_t *st)
{
    switch (st->kind) {
    case STEP_GOTO:
        return step_goto(run, st);
    case STEP_WAIT_FOR: {
        if (st->absent)
            return run_wait_absent(run, &st->sel, st->timeout_ms);
        char *el = run_find_wait(run, &st->sel, true, st->timeout_ms);
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
        return st->all ? step_click_all(run, st) : step_click(run, st);
    case STEP_READ_TEXT:
        return step_read_text(run, st);
    case STEP_EXPECT_URL: {
        char *url = NULL;
        int rc = run_wait_url(run, st, &url);
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
        if (!run_pause(run, run_budget(run, st->sleep_ms)))
            return run_fail(run, "interrupted", true, "interrupted");
        return 0;
    }
    return run_fail(run, "recipe_failed", false, "unknown step kind");
}
