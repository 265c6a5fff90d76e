/* The runner's step actions (see runner.h for what each does and runner_state.h for the
 * primitives they use): goto, fill, upload, choose_option, click, read_url, find_existing,
 * screenshot, sleep. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/money.h"
#include "common/sbuf.h"
#include "common/util.h"
#include "common/xmalloc.h"
#include "runner_state.h"

#define MAX_OPTIONS_LISTED 12
#define OPEN_CARD_MS 10000 /* a card's panel or page with the item link */
#define NEXT_LEVEL_MS 1000 /* choose_option: how long a deeper list may take to show */

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
 * ("$1,299.50", "800", or the whole-unit rounding when the recipe posts whole units). Returns
 * {"count": n, "hits": [{"i": index among the items, "href": its link or null}]}. */
static const char JS_FIND_EXISTING[] =
    "var using=arguments[0],value=arguments[1],title=arguments[2],cents=arguments[3],"
    "whole=arguments[4],all=[],hits=[];"
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
    "if(hit&&hits.length<20){var a=it.tagName==='A'&&it.href?it:(it.querySelector('a[href]')||"
    "(it.closest?it.closest('a[href]'):null));"
    "hits.push({i:j,href:a?a.href:null});}}"
    "return {count:all.length,hits:hits};";

/* The j-th element of a selector (as JS_FIND_EXISTING counted them), or null. */
static const char JS_ITEM_AT[] =
    "var using=arguments[0],value=arguments[1],j=arguments[2],all=[];"
    "if(using==='xpath'){var r=document.evaluate(value,document,null,"
    "XPathResult.ORDERED_NODE_SNAPSHOT_TYPE,null);"
    "for(var i=0;i<r.snapshotLength;i++)all.push(r.snapshotItem(i));}"
    "else{all=Array.prototype.slice.call(document.querySelectorAll(value));}"
    "return all[j]||null;";

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

/* The visible options now, as JS_OPTIONS lists them (*opts replaced); their count or -1. */
static int options_now(run_t *run, const recipe_step_t *st, cJSON **opts)
{
    wd_error_t err;
    cJSON *args = cJSON_CreateArray();
    cJSON_AddItemToArray(args, cJSON_CreateString(st->options.using[0] == 'x' ? "xpath" : "css"));
    cJSON_AddItemToArray(args, cJSON_CreateString(st->options.value));
    cJSON_Delete(*opts);
    *opts = wd_execute(run->s, JS_OPTIONS, args, &err);
    if (!*opts)
        return run_wd_fail(run, st->options.describe, &err);
    return cJSON_IsArray(*opts) ? cJSON_GetArraySize(*opts) : 0;
}

/* Polls for options for up to wait_ms; their count (0: none came) or -1. */
static int options_wait(run_t *run, const recipe_step_t *st, int64_t wait_ms, cJSON **opts)
{
    int64_t until = util_now_ms() + wait_ms;
    for (;;) {
        int n = options_now(run, st, opts);
        if (n != 0 || util_now_ms() >= until)
            return n;
        if (!run_pause(run, POLL_MS))
            return run_fail(run, "interrupted", true, "interrupted");
    }
}

/* The option texts joined: tells one level of a drill-down from the next. Caller frees. */
static char *options_key(const cJSON *opts)
{
    sbuf_t b = {0};
    const cJSON *o;
    cJSON_ArrayForEach(o, opts)
    {
        const cJSON *t = cJSON_GetObjectItemCaseSensitive(o, "text");
        sbuf_add(&b, cJSON_IsString(t) ? t->valuestring : "");
        sbuf_add(&b, "\n");
    }
    char *key = sbuf_take(&b);
    return key ? key : xstrdup("");
}

/* Picks among n listed options (pick_option's rules) and clicks the choice. */
static int pick_and_click(run_t *run, const recipe_step_t *st, const char *want,
                          const char *fallback, const cJSON *opts, size_t n)
{
    const char **texts = xcalloc(n ? n : 1, sizeof(char *));
    for (size_t i = 0; i < n; i++) {
        const cJSON *t = cJSON_GetObjectItemCaseSensitive(cJSON_GetArrayItem(opts, (int)i), "text");
        texts[i] = cJSON_IsString(t) ? t->valuestring : "";
    }
    int rc = -1;
    int idx = pick_option(run, st, want, fallback, texts, n);
    if (idx >= 0) {
        char *el =
            run_element_id(cJSON_GetObjectItemCaseSensitive(cJSON_GetArrayItem(opts, idx), "el"));
        if (!el)
            run_fail(run, "recipe_failed", true, "option \"%s\" has no element reference",
                     texts[idx]);
        else
            rc = run_click(run, el, texts[idx]);
        free(el);
    }
    free(texts);
    return rc;
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
    int n = options_wait(run, st, budget, &opts);
    if (n < 0)
        goto cleanup;
    if (n == 0) {
        run_fail(run, budget < st->timeout_ms ? "timeout" : "recipe_failed", true,
                 "no %s appeared after opening %s (%lld ms)", st->options.describe,
                 st->sel.describe, (long long)budget);
        goto cleanup;
    }
    /* A drill-down (levels > 1): after a choice, a deeper list may replace the first; pick
     * in it the same way, until no new list shows. */
    for (int level = 1;; level++) {
        char *seen = options_key(opts);
        if (pick_and_click(run, st, want, fallback, opts, (size_t)n) != 0) {
            free(seen);
            goto cleanup;
        }
        if (level >= st->levels) {
            free(seen);
            break;
        }
        n = options_wait(run, st, run_budget(run, NEXT_LEVEL_MS), &opts);
        char *now = n > 0 ? options_key(opts) : NULL;
        bool deeper = now && strcmp(now, seen) != 0;
        free(seen);
        free(now);
        if (n < 0)
            goto cleanup;
        if (!deeper)
            break;
        run_log(run, "info", NULL, "%s: level %d shows %d option%s", st->sel.describe, level + 1, n,
                n == 1 ? "" : "s");
    }
    rc = 0;
cleanup:
    free(want);
    free(fallback);
    free(opener);
    free(texts);
    cJSON_Delete(opts);
    return rc;
}

/* The run may post from now on: the first time, the caller records it (on_submit), so that a
 * redelivery knows to look for what this attempt may have posted. */
static int mark_submitted(run_t *run)
{
    if (run->submitted)
        return 0;
    if (run->o->on_submit) {
        char err[256] = "";
        if (run->o->on_submit(run->o->submit_ctx, err, sizeof(err)) != 0)
            return run_fail(run, "internal_error", true,
                            "could not record that job %lld is submitting (%s): not clicking, "
                            "since a redelivery could then post it twice",
                            run->req ? (long long)run->req->job_id : 0LL, err);
    }
    run->submitted = true;
    return 0;
}

static int step_press(run_t *run, const recipe_step_t *st)
{
    wd_error_t err;
    if (st->has_sel) {
        char *el = run_find_wait(run, &st->sel, true, st->timeout_ms);
        if (!el)
            return -1;
        cJSON *v = wd_execute(run->s, "arguments[0].focus();return true;", run_args_el(el), &err);
        free(el);
        if (!v)
            return run_wd_fail(run, st->sel.describe, &err);
        cJSON_Delete(v);
    }
    if (wd_key_presses(run->s, (const char *const *)st->keys, st->nkeys, &err) != 0)
        return run_wd_fail(run, st->describe, &err);
    return 0;
}

/* Waits until el is enabled (aria-disabled / disabled gone). A disabled submit button means
 * the form did not validate: wait a little (the page may still be processing photos), then
 * say so, unless the page shows a limit or a block (stop_detect), which explains it. */
static int wait_enabled(run_t *run, const recipe_step_t *st, const char *el)
{
    int64_t budget = run_budget(run, st->timeout_ms);
    int64_t until = util_now_ms() + budget;
    for (unsigned polls = 1;; polls++) {
        wd_error_t err;
        cJSON *v = wd_execute(run->s, JS_DISABLED, run_args_el(el), &err);
        if (!v)
            return run_wd_fail(run, st->sel.describe, &err);
        bool disabled = cJSON_IsTrue(v);
        cJSON_Delete(v);
        if (!disabled)
            return 0;
        if (polls % 5 == 0 && run_wall_check(run))
            return -1;
        if (util_now_ms() >= until) {
            if (run_wall_check(run))
                return -1;
            return run_fail(run, "recipe_failed", true,
                            "%s stayed disabled for %lld ms: the form did not validate (a "
                            "required field is empty or was not accepted; the screenshot shows "
                            "which)",
                            st->sel.describe, (long long)budget);
        }
        if (!run_pause(run, POLL_MS))
            return run_fail(run, "interrupted", true, "interrupted");
    }
}

static int step_click(run_t *run, const recipe_step_t *st)
{
    char *el = run_find_wait(run, &st->sel, true, st->timeout_ms);
    if (!el)
        return -1;
    int rc = -1;
    if (wait_enabled(run, st, el) != 0)
        goto cleanup;
    if (mark_submitted(run) != 0)
        goto cleanup;
    rc = run_click(run, el, st->sel.describe);
cleanup:
    free(el);
    return rc;
}

/* Whether a selector has a visible match now (-1 on a WebDriver error, step error set). */
static int visible_now(run_t *run, const recipe_selector_t *sel)
{
    wd_error_t err;
    cJSON *args = cJSON_CreateArray();
    cJSON_AddItemToArray(args, cJSON_CreateString(sel->using[0] == 'x' ? "xpath" : "css"));
    cJSON_AddItemToArray(args, cJSON_CreateString(sel->value));
    cJSON *v = wd_execute(run->s,
                          "var u=arguments[0],x=arguments[1],all=[];"
                          "if(u==='xpath'){var r=document.evaluate(x,document,null,"
                          "XPathResult.ORDERED_NODE_SNAPSHOT_TYPE,null);"
                          "for(var i=0;i<r.snapshotLength;i++)all.push(r.snapshotItem(i));}"
                          "else{all=Array.prototype.slice.call(document.querySelectorAll(x));}"
                          "for(var j=0;j<all.length;j++){var e=all[j];if(e.nodeType===1&&"
                          "e.getClientRects&&e.getClientRects().length&&"
                          "getComputedStyle(e).visibility!=='hidden')return true;}return false;",
                          args, &err);
    if (!v)
        return run_wd_fail(run, sel->describe, &err);
    int rc = cJSON_IsTrue(v) ? 1 : 0;
    cJSON_Delete(v);
    return rc;
}

/* click with "until": clicks the selector (one page's Next) until the until selector shows
 * (Publish), at most max_clicks times; after each click it waits for the URL to change (the
 * page's step=) or the goal, so a Next that did nothing is not clicked into twice. */
static int step_click_until(run_t *run, const recipe_step_t *st)
{
    int64_t budget = run_budget(run, st->timeout_ms);
    for (int clicks = 0;; clicks++) {
        int goal = visible_now(run, &st->options);
        if (goal < 0)
            return -1;
        if (goal) {
            run_log(run, "info", NULL, "%s after %d click%s of %s", st->options.describe, clicks,
                    clicks == 1 ? "" : "s", st->sel.describe);
            return 0;
        }
        if (clicks == st->max_clicks)
            return run_fail(run, "recipe_failed", true,
                            "no %s after %d clicks of %s: the page has a step this recipe does "
                            "not know (the screenshot shows it)",
                            st->options.describe, clicks, st->sel.describe);
        wd_error_t err;
        char *before = wd_current_url(run->s, &err);
        if (!before)
            return run_wd_fail(run, "read the URL", &err);
        int rc = step_click(run, st);
        if (rc != 0) {
            free(before);
            if (clicks > 0 && strcmp(run->code, "timeout") != 0 &&
                visible_now(run, &st->options) == 1)
                return 0;
            return -1;
        }
        int64_t until = util_now_ms() + budget;
        for (;;) {
            char *now = wd_current_url(run->s, &err);
            bool moved = now && strcmp(now, before) != 0;
            free(now);
            int g = visible_now(run, &st->options);
            if (g < 0) {
                free(before);
                return -1;
            }
            if (moved || g || util_now_ms() >= until)
                break;
            if (!run_pause(run, POLL_MS)) {
                free(before);
                return run_fail(run, "interrupted", true, "interrupted");
            }
        }
        free(before);
    }
}

static int step_read_url(run_t *run, const recipe_step_t *st)
{
    char *url = NULL;
    if (run_wait_url(run, st, &url) != 0)
        return -1;
    char *id = recipe_step_id(st, url);
    run_set_result_url(run, url, id);
    free(id);
    run_log(run, "info", NULL, "listing URL: %s", url);
    free(url);
    return 0;
}

/* Whether url is one of the listings other jobs posted (runner_opts_t.known_urls). */
static bool known_url(const run_t *run, const char *url)
{
    for (size_t i = 0; i < run->o->nknown_urls; i++)
        if (strcmp(run->o->known_urls[i], url) == 0)
            return true;
    return false;
}

/* The step's id rule takes ids out of URLs (extract_id_after or id_pattern). */
static bool has_id_rule(const recipe_step_t *st)
{
    return st->id_after || st->id_re;
}

/* Whether the step's id rule finds an id in url. */
static bool url_has_id(const recipe_step_t *st, const char *url)
{
    char *id = recipe_step_id(st, url);
    free(id);
    return id != NULL;
}

/* The j-th item (as JS_FIND_EXISTING counted them) and the value of attribute arguments[5]
 * of the id_from element (arguments[3], [4]) that belongs to it: the item itself or inside
 * it, else in the nearest ancestor that holds one - the card's row, where Facebook puts the
 * "Edit Listing" link beside the card - and none when that ancestor holds several (another
 * card's would be a wrong id). An href is absolute. null when there is none. */
static const char JS_ID_FROM[] =
    "var u=arguments[0],x=arguments[1],j=arguments[2],iu=arguments[3],ix=arguments[4],"
    "at=arguments[5];"
    "function q(using,value,root){var out=[];if(using==='xpath'){var r=document.evaluate(value,"
    "root,null,XPathResult.ORDERED_NODE_SNAPSHOT_TYPE,null);"
    "for(var i=0;i<r.snapshotLength;i++)out.push(r.snapshotItem(i));return out;}"
    "if(root.matches&&root.matches(value))out.push(root);"
    "return out.concat(Array.prototype.slice.call(root.querySelectorAll(value)));}"
    "var card=q(u,x,document)[j];"
    "for(var n=card;n&&n.nodeType===1;n=n.parentElement){var m=q(iu,ix,n);"
    "if(m.length>1)return null;"
    "if(m.length===1){var e=m[0];return at==='href'?(e.href||e.getAttribute('href')):"
    "e.getAttribute(at);}}"
    "return null;";

/* The listing's URL made from id by item_url (caller frees), or NULL (step error set). */
static char *item_url_of(run_t *run, const recipe_step_t *st, const char *id)
{
    char *t = run_render(run, st->item_url, "item_url");
    if (!t)
        return NULL;
    char *at = strstr(t, "{id}");
    char *url = xasprintf("%.*s%s%s", (int)(at - t), t, id, at + 4);
    free(t);
    return url;
}

/* A card without a link, by id_from: the id in the attribute of the element that belongs to
 * the index-th item (JS_ID_FROM) and the URL item_url makes of it. Returns the URL (caller
 * frees; *id_out the id) or NULL (logged; not an error of the step). */
static char *card_id_from(run_t *run, const recipe_step_t *st, int index, const char *title,
                          char **id_out)
{
    wd_error_t err;
    *id_out = NULL;
    cJSON *args = cJSON_CreateArray();
    cJSON_AddItemToArray(args, cJSON_CreateString(st->sel.using[0] == 'x' ? "xpath" : "css"));
    cJSON_AddItemToArray(args, cJSON_CreateString(st->sel.value));
    cJSON_AddItemToArray(args, cJSON_CreateNumber(index));
    cJSON_AddItemToArray(args, cJSON_CreateString(st->id_from.using[0] == 'x' ? "xpath" : "css"));
    cJSON_AddItemToArray(args, cJSON_CreateString(st->id_from.value));
    cJSON_AddItemToArray(args, cJSON_CreateString(st->id_attr));
    cJSON *v = wd_execute(run->s, JS_ID_FROM, args, &err);
    char *id = cJSON_IsString(v) ? recipe_step_id(st, v->valuestring) : NULL;
    if (!id)
        run_log(run, "info", NULL, "the card of \"%s\" shows no %s whose %s holds an id (%s)",
                title, st->id_from.describe, st->id_attr,
                cJSON_IsString(v) ? v->valuestring : "none, or several in its row");
    cJSON_Delete(v);
    char *url = id ? item_url_of(run, st, id) : NULL;
    if (!url) {
        free(id);
        return NULL;
    }
    *id_out = id;
    return url;
}

/* A card without a link: clicks the index-th item and reads the item's URL from the link that
 * shows then (st->link) or from the page the click led to (its URL holds an id under the
 * step's rule). Returns the URL (caller frees) or NULL (logged; not an error of the step). */
static char *open_card(run_t *run, const recipe_step_t *st, int index, const char *title)
{
    wd_error_t err;
    cJSON *args = cJSON_CreateArray();
    cJSON_AddItemToArray(args, cJSON_CreateString(st->sel.using[0] == 'x' ? "xpath" : "css"));
    cJSON_AddItemToArray(args, cJSON_CreateString(st->sel.value));
    cJSON_AddItemToArray(args, cJSON_CreateNumber(index));
    cJSON *v = wd_execute(run->s, JS_ITEM_AT, args, &err);
    char *card = run_element_id(v);
    cJSON_Delete(v);
    if (!card) {
        run_log(run, "warning", NULL, "the card of \"%s\" went away before it could be opened",
                title);
        return NULL;
    }
    int rc = run_click(run, card, title);
    free(card);
    if (rc != 0) {
        run_log(run, "warning", NULL, "%s", run->msg);
        run->code[0] = '\0';
        return NULL;
    }
    int64_t until = util_now_ms() + run_budget(run, OPEN_CARD_MS);
    for (;;) {
        char *url = wd_current_url(run->s, &err);
        if (url && has_id_rule(st) && url_has_id(st, url))
            return url;
        free(url);
        char *link = NULL;
        if (st->has_link) {
            cJSON *a = cJSON_CreateArray();
            cJSON_AddItemToArray(a, cJSON_CreateString(st->link.using[0] == 'x' ? "xpath" : "css"));
            cJSON_AddItemToArray(a, cJSON_CreateString(st->link.value));
            cJSON_AddItemToArray(a, cJSON_CreateBool(true));
            cJSON *found =
                wd_execute(run->s,
                           "var u=arguments[0],x=arguments[1],all=[];"
                           "if(u==='xpath'){var r=document.evaluate(x,document,null,"
                           "XPathResult.ORDERED_NODE_SNAPSHOT_TYPE,null);"
                           "for(var i=0;i<r.snapshotLength;i++)all.push(r.snapshotItem(i));}"
                           "else{all=Array.prototype.slice.call(document.querySelectorAll(x));}"
                           "for(var j=0;j<all.length;j++){var e=all[j];"
                           "if(e.getClientRects&&e.getClientRects().length)"
                           "return e.href||e.getAttribute('href');}return null;",
                           a, &err);
            if (cJSON_IsString(found) && found->valuestring[0])
                link = xstrdup(found->valuestring);
            cJSON_Delete(found);
        }
        if (link)
            return link;
        if (util_now_ms() >= until)
            break;
        if (!run_pause(run, POLL_MS))
            return NULL;
    }
    run_log(run, "warning", NULL,
            "opened the card of \"%s\" but found no %s and no URL with an id within %d ms", title,
            st->has_link ? st->link.describe : "item link", OPEN_CARD_MS);
    return NULL;
}

/* One look at the listings page: the URL of the first matching listing that is not another
 * job's (caller frees) or NULL; *nitems / *nunknown count the items and the matches whose
 * URL could not be read. -1 on a WebDriver error or a wall (step error set). */
static int scan_listings(run_t *run, const recipe_step_t *st, const char *url, const char *title,
                         char **found, char **found_id, int *nitems, int *nunknown)
{
    wd_error_t err;
    *found = NULL;
    *found_id = NULL;
    *nunknown = 0;
    cJSON *hits = NULL;
    int rc = -1;
    bool reload = true;
    for (int k = 0; k < 20; k++) {
        if (reload) {
            /* each card opened may have changed the page: load it again before the next */
            if (wd_navigate(run->s, url, &err) != 0)
                return run_wd_fail(run, url, &err);
            if (run_wall_check(run))
                return -1;
            if (st->has_options) {
                char *ready = run_find_wait(run, &st->options, false, st->timeout_ms);
                if (!ready)
                    return -1;
                free(ready);
            }
            reload = false;
        }
        cJSON *args = cJSON_CreateArray();
        cJSON_AddItemToArray(args, cJSON_CreateString(st->sel.using[0] == 'x' ? "xpath" : "css"));
        cJSON_AddItemToArray(args, cJSON_CreateString(st->sel.value));
        cJSON_AddItemToArray(args, cJSON_CreateString(title));
        cJSON_AddItemToArray(
            args, cJSON_CreateNumber(st->match_price ? (double)run->req->listing.price_cents : -1));
        cJSON_AddItemToArray(args, cJSON_CreateBool(run->r->price_whole));
        cJSON *v = wd_execute(run->s, JS_FIND_EXISTING, args, &err);
        if (!v)
            return run_wd_fail(run, st->sel.describe, &err);
        const cJSON *count = cJSON_GetObjectItemCaseSensitive(v, "count");
        *nitems = cJSON_IsNumber(count) ? count->valueint : 0;
        cJSON_Delete(hits);
        hits = cJSON_DetachItemFromObjectCaseSensitive(v, "hits");
        cJSON_Delete(v);
        int nhits = cJSON_IsArray(hits) ? cJSON_GetArraySize(hits) : 0;
        if (k >= nhits) {
            rc = 0;
            break;
        }
        const cJSON *hit = cJSON_GetArrayItem(hits, k);
        const cJSON *href = cJSON_GetObjectItemCaseSensitive(hit, "href");
        const cJSON *idx = cJSON_GetObjectItemCaseSensitive(hit, "i");
        char *u = NULL, *id = NULL;
        int index = cJSON_IsNumber(idx) ? idx->valueint : 0;
        if (cJSON_IsString(href) && href->valuestring[0] &&
            (!has_id_rule(st) || url_has_id(st, href->valuestring)))
            u = xstrdup(href->valuestring);
        /* A card without a link: its id where the page shows one (no click, no reload),
         * else opened. */
        if (!u && st->has_id_from)
            u = card_id_from(run, st, index, title, &id);
        if (!u && (st->has_link || has_id_rule(st))) {
            u = open_card(run, st, index, title);
            reload = true; /* the card opened a panel or another page */
        }
        if (u && !id && (id = recipe_step_id(st, u)) && st->item_url) {
            /* one URL form per listing, however its id was found */
            char *made = item_url_of(run, st, id);
            free(u);
            u = made;
        }
        if (run->interrupted) {
            free(u);
            free(id);
            break;
        }
        if (!u) {
            free(id);
            (*nunknown)++;
            continue;
        }
        if (known_url(run, u)) {
            run_log(run, "info", NULL, "%s is another job's listing: not this one", u);
            free(u);
            free(id);
            continue;
        }
        *found = u;
        *found_id = id;
        rc = 0;
        break;
    }
    cJSON_Delete(hits);
    if (run->interrupted)
        return run_fail(run, "interrupted", true, "interrupted");
    return rc;
}

/* 1: found (result set), 0: not there, -1: error. */
static int step_find_existing(run_t *run, const recipe_step_t *st)
{
    if (run->submitted && run->res->external_url) {
        run_log(run, "info", NULL, "the listing's URL is known already (%s): no need to look",
                run->res->external_url);
        return 0;
    }
    if (!run->submitted && run->o->on_submit && !run->o->submitted_before) {
        run_log(run, "info", NULL,
                "no earlier delivery of job %lld reached a submit click: nothing of it can be "
                "listed yet (a listing with the same title and price is another one)",
                (long long)run->req->job_id);
        return 0;
    }
    int rc = -1;
    char *url = run_render(run, st->url, "url");
    char *title = url ? run_render(run, st->value, "match") : NULL;
    char *found = NULL, *found_id = NULL;
    char price[32] = "";
    if (!title)
        goto cleanup;
    if (st->match_price)
        money_display(run->req->listing.price_cents, NULL, MONEY_FIELD, price, sizeof(price));
    int64_t budget = run_budget(run, st->timeout_ms);
    int64_t until = util_now_ms() + budget;
    int nitems = 0, nunknown = 0;
    for (;;) {
        if (scan_listings(run, st, url, title, &found, &found_id, &nitems, &nunknown) != 0)
            goto cleanup;
        /* After publishing, the marketplace may list the new item only after a while. */
        if (!st->required || found || util_now_ms() >= until)
            break;
        if (!run_pause(run, 2000)) {
            run_fail(run, "interrupted", true, "interrupted");
            goto cleanup;
        }
    }
    if (!found && nunknown > 0 && st->url_unknown_ok && !run->submitted) {
        /* exists, URL unknown: posting again would make a duplicate */
        run_set_result_url(run, url, NULL);
        run->res->existing = true;
        run_log(run, "warning", NULL,
                "already posted: \"%s\"%s%s is on %s but its URL could not be read; not "
                "posting it again (the posting's link is that page)",
                title, *price ? " at " : "", price, url);
        rc = 1;
        goto cleanup;
    }
    if (found) {
        run_set_result_url(run, found, found_id);
        if (!run->submitted) {
            run->res->existing = true;
            run_log(run, "info", NULL,
                    "already posted: \"%s\" is listed at %s; not posting it again", title, found);
        } else {
            run_log(run, "info", NULL, "listing URL: %s", found);
        }
        rc = 1;
    } else {
        if (st->required) {
            run_fail(run, budget < st->timeout_ms ? "timeout" : "recipe_failed", true,
                     "\"%s\"%s%s did not appear among the %d listing%s on %s within %lld ms%s",
                     title, *price ? " at " : "", price, nitems, nitems == 1 ? "" : "s", url,
                     (long long)budget,
                     nunknown ? " (a matching card showed, but its URL could not be read)" : "");
            goto cleanup;
        }
        run_log(run, "info", NULL, "%d listing%s on %s, none is \"%s\"%s%s", nitems,
                nitems == 1 ? "" : "s", url, title, *price ? " at " : "", price);
        rc = 0;
    }
cleanup:
    free(url);
    free(title);
    free(found);
    free(found_id);
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
        if (mark_submitted(run) != 0) {
            free(el);
            return -1;
        }
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
        return st->all           ? step_click_all(run, st)
               : st->has_options ? step_click_until(run, st)
                                 : step_click(run, st);
    case STEP_READ_TEXT:
        return step_read_text(run, st);
    case STEP_PRESS:
        return step_press(run, st);
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
