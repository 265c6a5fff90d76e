/* Inbox sessions (see inbox.h): an inbox recipe's sections run on one account's browser
 * session. Steps go through the runner (waits, login walls, failure screenshots); scripts
 * run over WebDriver execute/sync and their JSON is validated by inbox_result.c. */
#include "browser/inbox.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "browser/inbox_result.h"
#include "browser/recipe.h"
#include "browser/runner.h"
#include "browser/session.h"
#include "common/log.h"
#include "common/sbuf.h"
#include "common/util.h"
#include "common/xmalloc.h"

#define DEFAULT_CALL_TIMEOUT_MS 60000
#define DEFAULT_LOCK_TIMEOUT_MS 30000
#define VERIFY_POLL_MS 300

struct inbox_recipe {
    const recipe_t *r;
};

struct inbox_recipe_set {
    recipe_set_t recipes;
    struct inbox_recipe *items;
};

struct inbox {
    const recipe_t *r;
    inbox_open_opts_t o;
    char *profile_dir;
    char *remedy;
    browser_session_t bs;
    char *shown_url; /* the thread the page shows (after open_thread), or NULL */
};

/* ---- recipes ----------------------------------------------------------------------------- */

inbox_recipe_set_t *inbox_recipe_set_load(const char *dir, char *errstr, size_t errstr_size)
{
    inbox_recipe_set_t *set = xcalloc(1, sizeof(*set));
    if (recipe_set_load_kind(dir, RECIPE_INBOX, "INBOX_RECIPES_DIR", &set->recipes, errstr,
                             errstr_size) != 0) {
        free(set);
        return NULL;
    }
    set->items = xcalloc(set->recipes.n ? set->recipes.n : 1, sizeof(struct inbox_recipe));
    for (size_t i = 0; i < set->recipes.n; i++)
        set->items[i].r = set->recipes.items[i];
    return set;
}

void inbox_recipe_set_free(inbox_recipe_set_t *set)
{
    if (!set)
        return;
    recipe_set_free(&set->recipes);
    free(set->items);
    free(set);
}

const inbox_recipe_t *inbox_recipe_find(const inbox_recipe_set_t *set, const char *platform)
{
    for (size_t i = 0; set && platform && i < set->recipes.n; i++)
        if (strcmp(set->items[i].r->platform, platform) == 0)
            return &set->items[i];
    return NULL;
}

void inbox_recipe_names(const inbox_recipe_set_t *set, char *out, size_t size)
{
    size_t len = 0;
    snprintf(out, size, "none");
    for (size_t i = 0; set && i < set->recipes.n && len < size; i++) {
        int n = snprintf(out + len, size - len, "%s%s", i ? ", " : "", set->items[i].r->platform);
        if (n < 0)
            break;
        len += (size_t)n;
    }
}

/* ---- errors and logs --------------------------------------------------------------------- */

static int fail(inbox_error_t *err, const char *code, bool retryable, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static int fail(inbox_error_t *err, const char *code, bool retryable, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err->message, sizeof(err->message), fmt, ap);
    va_end(ap);
    snprintf(err->code, sizeof(err->code), "%s", code);
    err->retryable = retryable;
    return -1;
}

static void say(inbox_t *ib, const char *level, const char *msg)
{
    LOG_DEBUG("inbox %s account %lld: %s", ib->r->platform, (long long)ib->o.account_id, msg);
    if (ib->o.log)
        ib->o.log(ib->o.log_ctx, level, msg, NULL);
}

/* A WebDriver error of a script: the browser's fault, or the script's. */
static int wd_err(inbox_t *ib, const char *section, const wd_error_t *we, inbox_error_t *err)
{
    bool browser = strcmp(we->code, "transport") == 0 ||
                   strcmp(we->code, "invalid session id") == 0 ||
                   strcmp(we->code, "session not created") == 0;
    free(ib->shown_url);
    ib->shown_url = NULL;
    if (browser)
        return fail(err, "browser_error", true, "%s: the browser session is gone: %s: %s", section,
                    we->code, we->message);
    if (strcmp(we->code, "javascript error") == 0)
        return fail(err, "script_error", true, "%s: the script threw: %s", section, we->message);
    return fail(err, "recipe_failed", true, "%s: script: %s: %s", section, we->code, we->message);
}

/* A failure that a login wall explains is login_required instead. */
static int wall_or(inbox_t *ib, inbox_error_t *err)
{
    char where[600];
    if (ib->bs.wd && runner_login_wall(ib->bs.wd, ib->r, where, sizeof(where)))
        fail(err, "login_required", false, "%s: %s is not logged in. %s%s%s", where,
             ib->r->platform, ib->remedy, ib->r->login_hint ? " " : "",
             ib->r->login_hint ? ib->r->login_hint : "");
    say(ib, "error", err->message);
    return -1;
}

/* ---- sessions ---------------------------------------------------------------------------- */

inbox_t *inbox_open(const inbox_recipe_t *rec, const inbox_open_opts_t *o, inbox_error_t *err)
{
    inbox_t *ib = xcalloc(1, sizeof(*ib));
    ib->r = rec->r;
    ib->o = *o;
    ib->profile_dir = o->profile_dir ? xstrdup(o->profile_dir) : NULL;
    ib->o.profile_dir = ib->profile_dir;
    ib->o.login_remedy = NULL;
    if (!ib->o.call_timeout_ms)
        ib->o.call_timeout_ms = DEFAULT_CALL_TIMEOUT_MS;
    if (!ib->o.profile_lock_timeout_ms)
        ib->o.profile_lock_timeout_ms = DEFAULT_LOCK_TIMEOUT_MS;
    ib->remedy = o->login_remedy ? xstrdup(o->login_remedy)
                                 : browser_login_remedy(o->wd.backend, ib->r->platform,
                                                        o->account_id, "start the account again");
    browser_open_opts_t bo = {
        .wd = &ib->o.wd,
        .profile_dir = ib->profile_dir,
        .lock_timeout_ms = ib->o.profile_lock_timeout_ms,
        .deadline_ms = util_now_ms() + ib->o.profile_lock_timeout_ms,
        .stop = o->stop,
        .log = o->log,
        .log_ctx = o->log_ctx,
    };
    char errstr[768];
    browser_open_status_t st = browser_session_open(&bo, &ib->bs, errstr, sizeof(errstr));
    if (st == BROWSER_OPEN_OK)
        return ib;
    if (st == BROWSER_OPEN_STOPPED)
        fail(err, "interrupted", true, "interrupted while waiting for the browser profile");
    else if (st == BROWSER_OPEN_PROFILE_BUSY)
        fail(err, "profile_busy", true, "%s", errstr);
    else
        fail(err, "browser_error", true, "%s", errstr);
    inbox_close(ib);
    return NULL;
}

void inbox_close(inbox_t *ib)
{
    if (!ib)
        return;
    browser_session_close(&ib->bs);
    free(ib->profile_dir);
    free(ib->remedy);
    free(ib->shown_url);
    free(ib);
}

bool inbox_profile_wanted(const inbox_t *ib)
{
    return ib && ib->bs.lock && profile_lock_contended(ib->bs.lock);
}

/* ---- sections ---------------------------------------------------------------------------- */

/* Runs a section's steps (none: nothing to do). */
static int run_steps(inbox_t *ib, const char *name, const recipe_section_t *sec,
                     const recipe_vars_t *vars, int64_t deadline, inbox_error_t *err)
{
    if (sec->nsteps == 0)
        return 0;
    runner_opts_t ro = {
        .shot = ib->o.shot,
        .shot_ctx = ib->o.shot_ctx,
        .deadline_ms = deadline,
        .stop = ib->o.stop,
        .login_remedy = ib->remedy,
        .log = ib->o.log,
        .log_ctx = ib->o.log_ctx,
        .stop_sels = sec->not_found_sels,
        .nstop_sels = sec->nnot_found_sels,
        .stop_code = "thread_not_found",
    };
    if (runner_run_steps(ib->bs.wd, ib->r, name, sec->steps, sec->nsteps, vars, &ro, err->code,
                         sizeof(err->code), err->message, sizeof(err->message),
                         &err->retryable) == 0)
        return 0;
    free(ib->shown_url);
    ib->shown_url = NULL;
    if (strcmp(err->code, "browser_error") != 0 && strcmp(err->code, "login_required") != 0 &&
        strstr(err->message, "invalid session id"))
        snprintf(err->code, sizeof(err->code), "browser_error");
    return -1;
}

/* Runs a section's script with args (consumed); the result (caller deletes) or NULL. */
static cJSON *run_script(inbox_t *ib, const char *name, const recipe_section_t *sec, cJSON *args,
                         inbox_error_t *err)
{
    wd_error_t we;
    cJSON *v = wd_execute(ib->bs.wd, sec->script, args, &we);
    if (!v) {
        wd_err(ib, name, &we, err);
        wall_or(ib, err);
    }
    return v;
}

static recipe_vars_t vars_of(const inbox_t *ib)
{
    recipe_vars_t v = {.base_url = ib->r->base_url, .account_id = ib->o.account_id};
    return v;
}

int inbox_list_threads(inbox_t *ib, inbox_threads_t *out, inbox_error_t *err)
{
    memset(out, 0, sizeof(*out));
    const recipe_section_t *sec = &ib->r->inbox->list_threads;
    recipe_vars_t vars = vars_of(ib);
    free(ib->shown_url);
    ib->shown_url = NULL;
    if (run_steps(ib, "list_threads", sec, &vars, util_now_ms() + ib->o.call_timeout_ms, err) != 0)
        return -1;
    cJSON *v = run_script(ib, "list_threads", sec, NULL, err);
    if (!v)
        return -1;
    char errstr[512];
    int rc = inbox_threads_from_json(v, ib->r->base_url, out, errstr, sizeof(errstr));
    cJSON_Delete(v);
    if (rc != 0) {
        fail(err, "bad_result", true, "%s", errstr);
        return wall_or(ib, err);
    }
    return 0;
}

/* The URL of a thread: given, or the recipe's open_thread.url rendered for the id. Caller
 * frees; NULL with err. */
static char *thread_url(inbox_t *ib, const char *thread_id, const char *url, inbox_error_t *err)
{
    if (url && *url)
        return xstrdup(url);
    const char *tmpl = ib->r->inbox->open_thread.url;
    if (!tmpl || !thread_id || !*thread_id) {
        fail(err, "bad_request", false, "open_thread: no thread URL given and %s",
             tmpl ? "no thread id" : "the recipe has no open_thread.url to build one");
        return NULL;
    }
    recipe_vars_t vars = vars_of(ib);
    vars.thread_id = thread_id;
    char errstr[256];
    char *out = recipe_render(ib->r, tmpl, &vars, errstr, sizeof(errstr));
    if (!out)
        fail(err, "bad_request", false, "open_thread: url: %s", errstr);
    return out;
}

/* Opens the thread unless the page shows it already (force: always). */
static int open_thread(inbox_t *ib, const char *thread_id, const char *url, bool force,
                       int64_t deadline, inbox_error_t *err)
{
    if (!force && ib->shown_url && strcmp(ib->shown_url, url) == 0)
        return 0;
    recipe_vars_t vars = vars_of(ib);
    vars.thread_id = thread_id ? thread_id : "";
    vars.thread_url = url;
    free(ib->shown_url);
    ib->shown_url = NULL;
    if (run_steps(ib, "open_thread", &ib->r->inbox->open_thread, &vars, deadline, err) != 0)
        return -1;
    ib->shown_url = xstrdup(url);
    return 0;
}

/* The messages of the thread the page shows. */
static int read_messages(inbox_t *ib, inbox_messages_t *out, inbox_error_t *err)
{
    cJSON *v = run_script(ib, "open_thread", &ib->r->inbox->open_thread, NULL, err);
    if (!v)
        return -1;
    char errstr[512];
    int rc = inbox_messages_from_json(v, ib->r->base_url, out, errstr, sizeof(errstr));
    cJSON_Delete(v);
    if (rc != 0) {
        fail(err, "bad_result", true, "%s", errstr);
        return wall_or(ib, err);
    }
    return 0;
}

int inbox_read_thread(inbox_t *ib, const char *thread_id, const char *url, inbox_messages_t *out,
                      inbox_error_t *err)
{
    memset(out, 0, sizeof(*out));
    char *u = thread_url(ib, thread_id, url, err);
    if (!u)
        return -1;
    int rc = open_thread(ib, thread_id, u, true, util_now_ms() + ib->o.call_timeout_ms, err);
    if (rc == 0)
        rc = read_messages(ib, out, err);
    free(u);
    return rc;
}

int inbox_already_sent(inbox_t *ib, const char *thread_id, const char *url, const char *text,
                       bool *sent, inbox_messages_t *messages, inbox_error_t *err)
{
    inbox_messages_t m;
    *sent = false;
    if (messages)
        memset(messages, 0, sizeof(*messages));
    if (inbox_read_thread(ib, thread_id, url, &m, err) != 0)
        return -1;
    *sent = inbox_trailing_seller_has(&m, text);
    if (messages)
        *messages = m;
    else
        inbox_messages_free(&m);
    return 0;
}

/* Text as WebDriver keys: a newline becomes Shift+Enter (a line break in a composer that sends
 * on Enter), then all modifiers released. */
static char *as_keys(const char *text)
{
    sbuf_t b = {0};
    for (const char *p = text; *p; p++) {
        if (*p == '\r')
            continue;
        if (*p == '\n')
            sbuf_add(&b, "\xEE\x80\x88\xEE\x80\x87\xEE\x80\x80"); /* U+E008 U+E007 U+E000 */
        else
            sbuf_addn(&b, p, 1);
    }
    return sbuf_take(&b);
}

/* Runs the verify script: the number of seller messages in the thread whose text is text
 * (compared whitespace-collapsed), or -1 with err. */
static int count_sent(inbox_t *ib, const char *text, inbox_error_t *err)
{
    cJSON *args = cJSON_CreateArray();
    cJSON_AddItemToArray(args, cJSON_CreateString(text));
    cJSON *v = run_script(ib, "verify", &ib->r->inbox->verify, args, err);
    if (!v)
        return -1;
    double d = cJSON_IsNumber(v) ? v->valuedouble : -1;
    cJSON_Delete(v);
    if (d < 0 || d != (double)(int)d) {
        fail(err, "bad_result", true,
             "verify: the script must return how many seller messages have the text (an "
             "integer >= 0)");
        return wall_or(ib, err);
    }
    return (int)d;
}

/* The text of the first visible element of the selectors (pairs of using, value), or null. */
static const char JS_VISIBLE_TEXT[] =
    "var list=arguments[0];"
    "function vis(e){if(!e.getClientRects||!e.getClientRects().length)return false;"
    "var s=getComputedStyle(e);return s.visibility!=='hidden'&&s.display!=='none';}"
    "for(var i=0;i<list.length;i++){var all=[];"
    "try{if(list[i][0]==='xpath'){var r=document.evaluate(list[i][1],document,null,"
    "XPathResult.ORDERED_NODE_SNAPSHOT_TYPE,null);"
    "for(var j=0;j<r.snapshotLength;j++)all.push(r.snapshotItem(j));}"
    "else{all=Array.prototype.slice.call(document.querySelectorAll(list[i][1]));}}catch(e){}"
    "for(var k=0;k<all.length;k++)if(all[k].nodeType===1&&vis(all[k]))"
    "return (all[k].innerText||all[k].textContent||'').replace(/\\s+/g,' ').trim()||'(no text)';}"
    "return null;";

/* Whether the page shows one of verify's error_selectors (the marketplace refused the send);
 * its text into text. */
static bool send_refused(inbox_t *ib, char *text, size_t size)
{
    const recipe_section_t *sec = &ib->r->inbox->verify;
    if (sec->nerror_sels == 0)
        return false;
    cJSON *list = cJSON_CreateArray();
    for (size_t i = 0; i < sec->nerror_sels; i++) {
        cJSON *pair = cJSON_CreateArray();
        cJSON_AddItemToArray(
            pair, cJSON_CreateString(sec->error_sels[i].using[0] == 'x' ? "xpath" : "css"));
        cJSON_AddItemToArray(pair, cJSON_CreateString(sec->error_sels[i].value));
        cJSON_AddItemToArray(list, pair);
    }
    cJSON *args = cJSON_CreateArray();
    cJSON_AddItemToArray(args, list);
    wd_error_t we;
    cJSON *v = wd_execute(ib->bs.wd, JS_VISIBLE_TEXT, args, &we);
    bool hit = cJSON_IsString(v);
    if (hit)
        snprintf(text, size, "%s", v->valuestring);
    cJSON_Delete(v);
    return hit;
}

/* Polls the verify script until more seller messages have the text than before the send, the
 * section's timeout or the deadline. */
static int verify(inbox_t *ib, const char *text, int before, int64_t deadline, inbox_error_t *err)
{
    const recipe_section_t *sec = &ib->r->inbox->verify;
    int64_t until = util_now_ms() + sec->timeout_ms;
    if (until > deadline)
        until = deadline;
    for (;;) {
        int n = count_sent(ib, text, err);
        if (n < 0)
            return -1;
        if (n > before)
            return 0;
        char shown[300];
        if (send_refused(ib, shown, sizeof(shown))) {
            fail(err, "not_verified", true,
                 "verify: the marketplace refused the message: the page says \"%s\"", shown);
            return wall_or(ib, err);
        }
        if (util_now_ms() >= until)
            break;
        if (util_sleep_ms(VERIFY_POLL_MS, ib->o.stop))
            return fail(err, "interrupted", true, "verify: interrupted");
    }
    fail(err, "not_verified", true,
         "verify: no new seller message \"%.200s\" appeared in the thread within %d ms after "
         "sending (it may or may not have gone out: check before sending again)",
         text, sec->timeout_ms);
    return wall_or(ib, err);
}

int inbox_send(inbox_t *ib, const char *thread_id, const char *url, const char *text,
               inbox_messages_t *messages, inbox_error_t *err)
{
    if (messages)
        memset(messages, 0, sizeof(*messages));
    char *norm = text ? inbox_text_norm(text) : NULL;
    bool empty = !norm || !*norm;
    free(norm);
    if (empty)
        return fail(err, "bad_request", false, "send: the text is empty");
    int64_t deadline = util_now_ms() + ib->o.call_timeout_ms;
    char *u = thread_url(ib, thread_id, url, err);
    if (!u)
        return -1;
    int rc = open_thread(ib, thread_id, u, false, deadline, err);
    int before = rc == 0 ? count_sent(ib, text, err) : -1;
    if (before < 0)
        rc = -1;
    char *keys = as_keys(text);
    if (rc == 0) {
        recipe_vars_t vars = vars_of(ib);
        vars.thread_id = thread_id ? thread_id : "";
        vars.thread_url = u;
        vars.message_text = keys;
        rc = run_steps(ib, "send", &ib->r->inbox->send, &vars, deadline, err);
    }
    if (rc == 0)
        rc = verify(ib, text, before, deadline, err);
    if (rc == 0 && messages)
        rc = read_messages(ib, messages, err);
    if (rc == 0) {
        say(ib, "info", "sent and verified");
    } else {
        /* the composer may still hold the text: the next send reloads the thread */
        free(ib->shown_url);
        ib->shown_url = NULL;
    }
    free(keys);
    free(u);
    return rc;
}
