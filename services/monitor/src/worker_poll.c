/* An account worker's browser session and its poll cycle (see worker_internal.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "browser/session.h"
#include "common/log.h"
#include "common/metrics.h"
#include "common/util.h"
#include "common/xmalloc.h"
#include "worker_internal.h"

/* Failed cycles in a row after which the session is reopened (a page stuck somewhere). */
#define REOPEN_AFTER_ERRORS 3
/* How long the worker stays away from a profile it handed over (the waiter polls the lock
 * every 100 ms; after this, inbox_open waits for the job to release it). */
#define STEP_BACK_MS 1500
/* Buyer messages published per thread and cycle at most (the rest come next cycle). */
#define MAX_NEW_PER_THREAD 256

static void backoff(account_worker_t *w, int64_t first_ms, int64_t max_ms)
{
    w->retry_ms = w->retry_ms <= 0 ? first_ms : w->retry_ms * 2;
    if (w->retry_ms > max_ms)
        w->retry_ms = max_ms;
    w->retry_at_ms = util_now_ms() + w->retry_ms;
}

void worker_close(account_worker_t *w)
{
    if (w->ib) {
        inbox_close(w->ib);
        w->ib = NULL;
    }
}

void worker_yield_profile(account_worker_t *w)
{
    if (!w->ib || !inbox_profile_wanted(w->ib))
        return;
    LOG_INFO("account %lld: another process waits for the browser profile: handing it over",
             (long long)w->account_id);
    worker_close(w);
    w->step_back_until_ms = util_now_ms() + STEP_BACK_MS;
}

static void worker_log(void *ctx, const char *level, const char *message, const char *artifact)
{
    const account_worker_t *w = ctx;
    (void)artifact;
    if (strcmp(level, "error") == 0 || strcmp(level, "warning") == 0)
        LOG_WARN("account %lld: %s", (long long)w->account_id, message);
    else
        LOG_DEBUG("account %lld: %s", (long long)w->account_id, message);
}

/* The account's profile directory, or NULL for a temporary one. */
static const char *profile_for(const account_worker_t *w, const monitor_desired_t *d, char *buf,
                               size_t size)
{
    const monitor_config_t *c = w->deps.cfg;
    if (!c->use_profiles || browser_config_browserbase(&c->browser))
        return NULL;
    if (d->browser_profile && d->browser_profile[0] == '/')
        snprintf(buf, size, "%s", d->browser_profile);
    else if (d->browser_profile && d->browser_profile[0])
        snprintf(buf, size, "%s/%s", c->browser.profile_dir, d->browser_profile);
    else if (browser_profile_path(c->browser.profile_dir, d->platform, w->account_id, buf, size) !=
             0)
        return NULL;
    return buf;
}

bool worker_ensure_open(account_worker_t *w, char *reason, size_t reason_size)
{
    pthread_mutex_lock(&w->mu);
    bool reopen = w->reopen;
    w->reopen = false;
    pthread_mutex_unlock(&w->mu);
    if (reopen && w->ib) {
        LOG_INFO("account %lld: platform or profile changed, reopening the browser session",
                 (long long)w->account_id);
        worker_close(w);
    }
    if (w->ib)
        return true;
    int64_t back = w->step_back_until_ms - util_now_ms();
    if (back > 0) /* short, and a send waits rather than fails */
        util_sleep_ms(back, &w->stop);
    if (w->retry_at_ms > util_now_ms()) {
        account_state_t st;
        accounts_get(w->deps.accounts, w->account_id, &st);
        snprintf(reason, reason_size, "%s",
                 st.last_error[0] ? st.last_error : "browser: the inbox is not open yet");
        return false;
    }
    monitor_desired_t d;
    worker_desired(w, &d);
    const inbox_recipe_t *r = inbox_recipe_find(w->deps.recipes, d.platform);
    char profile[1024];
    inbox_error_t err;
    memset(&err, 0, sizeof(err));
    if (!r) {
        char names[256];
        inbox_recipe_names(w->deps.recipes, names, sizeof(names));
        snprintf(err.code, sizeof(err.code), "no_recipe");
        snprintf(err.message, sizeof(err.message),
                 "no inbox recipe for platform %s in %s (there are: %s)", d.platform,
                 w->deps.cfg->recipes_dir, names);
    } else {
        inbox_open_opts_t o = {
            .account_id = w->account_id,
            .profile_dir = profile_for(w, &d, profile, sizeof(profile)),
            .profile_lock_timeout_ms = w->deps.cfg->browser.profile_lock_timeout_ms,
            .call_timeout_ms = w->deps.cfg->call_timeout_ms,
            .stop = &w->stop,
            .log = worker_log,
            .log_ctx = w,
        };
        browser_config_wd(&w->deps.cfg->browser, &o.wd);
        w->ib = inbox_open(r, &o, &err);
    }
    monitor_desired_free(&d);
    if (w->ib) {
        LOG_INFO("account %lld: browser session open", (long long)w->account_id);
        return true;
    }
    worker_inbox_error(w, &err, "open the inbox", reason, reason_size);
    if (w->retry_at_ms <= util_now_ms())
        backoff(w, w->deps.cfg->browser_retry_ms, w->deps.cfg->browser_retry_max_ms);
    return false;
}

void worker_inbox_error(account_worker_t *w, const inbox_error_t *err, const char *what,
                        char *reason, size_t reason_size)
{
    if (strcmp(err->code, "interrupted") == 0) {
        snprintf(reason, reason_size, "interrupted: the monitor is stopping this account");
        return;
    }
    snprintf(reason, reason_size, "%s: %s", err->code, err->message);
    bool login = strcmp(err->code, "login_required") == 0;
    LOG_WARN("account %lld: %s: %s", (long long)w->account_id, what, reason);
    if (login) {
        /* Wait for the user to log in (closing frees the profile for byebuy-login), looking
         * again after a growing pause instead of hammering the login page. */
        worker_close(w);
        backoff(w, w->deps.cfg->login_retry_ms, w->deps.cfg->login_retry_max_ms);
    } else if (strcmp(err->code, "browser_error") == 0 || strcmp(err->code, "profile_busy") == 0 ||
               ++w->consecutive_errors >= REOPEN_AFTER_ERRORS) {
        worker_close(w);
        w->consecutive_errors = 0;
        backoff(w, w->deps.cfg->browser_retry_ms, w->deps.cfg->browser_retry_max_ms);
    }
    if (accounts_set_error(w->deps.accounts, w->account_id, reason, login))
        worker_publish_status(w);
}

/* "2026-12-07T05:01:02Z"-like values pass; what a page shows ("4:05 PM") does not. */
static const char *rfc3339_or_null(const char *at)
{
    if (!at || strlen(at) < 20 || at[4] != '-' || at[7] != '-' || at[10] != 'T')
        return NULL;
    return at;
}

static int publish_received(account_worker_t *w, const inbox_thread_t *t, const scan_msg_t *m,
                            const char *fingerprint)
{
    monitor_event_t e = {
        .account_id = w->account_id,
        .has_thread = true,
        .thread = {.id = t->thread_id,
                   .url = t->url,
                   .listing_hint = t->item_url ? t->item_url : t->listing_title},
        .has_buyer = true,
        .buyer = {.id = t->buyer_id, .name = t->buyer_name},
        .has_message = true,
        .message = {.fingerprint = (char *)fingerprint,
                    .text = (char *)m->text,
                    .sent_at = (char *)rfc3339_or_null(m->at),
                    .from = "buyer"},
    };
    return worker_publish(w, t->thread_id, EV_MESSAGE_RECEIVED, &e);
}

/* Reads one changed thread and publishes its new buyer messages. Returns 0, 1 when the
 * cycle must end (the session is gone or stopping), -1 for an error of this thread only. */
static int poll_thread(account_worker_t *w, const inbox_thread_t *t)
{
    inbox_messages_t msgs;
    inbox_error_t err;
    char reason[1200];
    if (inbox_read_thread(w->ib, t->thread_id, t->url, &msgs, &err) != 0) {
        worker_inbox_error(w, &err, "read a thread", reason, sizeof(reason));
        return w->ib && !w->stop ? -1 : 1;
    }
    scan_msg_t *sm = xcalloc(msgs.n ? msgs.n : 1, sizeof(*sm));
    for (size_t i = 0; i < msgs.n; i++)
        sm[i] =
            (scan_msg_t){inbox_from_name(msgs.items[i].from), msgs.items[i].text, msgs.items[i].at};
    scan_new_t *fresh = xcalloc(MAX_NEW_PER_THREAD, sizeof(*fresh));
    size_t n = scan_thread(w->seen, t->thread_id, sm, msgs.n, fresh, MAX_NEW_PER_THREAD);
    int rc = 0;
    for (size_t i = 0; i < n && rc == 0; i++) {
        if (publish_received(w, t, &sm[fresh[i].index], fresh[i].fingerprint) != 0) {
            rc = -1; /* the preview is not remembered: the thread is read again next cycle */
            break;
        }
        seen_mark_published(w->seen, fresh[i].fingerprint);
        metrics_inc(metrics_counter("bb_monitor_messages_received_total",
                                    "message.received published (new buyer messages)"),
                    1);
        w->activity = true;
        LOG_INFO("account %lld: thread %s: message.received %.12s", (long long)w->account_id,
                 t->thread_id, fresh[i].fingerprint);
    }
    if (rc == 0 && n < MAX_NEW_PER_THREAD)
        seen_thread_done(w->seen, t->thread_id, t->preview);
    free(fresh);
    free(sm);
    inbox_messages_free(&msgs);
    return rc;
}

void worker_poll(account_worker_t *w)
{
    inbox_threads_t threads;
    inbox_error_t err;
    char reason[1200];
    if (inbox_list_threads(w->ib, &threads, &err) != 0) {
        worker_inbox_error(w, &err, "list the threads", reason, sizeof(reason));
        return;
    }
    bool failed = false;
    for (size_t i = 0; i < threads.n && !w->stop; i++) {
        const inbox_thread_t *t = &threads.items[i];
        if (!seen_thread_changed(w->seen, t->thread_id, t->preview, t->unread))
            continue;
        int rc = poll_thread(w, t);
        failed = failed || rc != 0;
        if (rc > 0)
            break;
        worker_run_sends(w); /* a reply waiting for the browser goes before the next thread */
        if (!w->ib)
            break;
    }
    inbox_threads_free(&threads);
    if (w->stop || !w->ib)
        return;
    w->cycle++;
    if (!failed) {
        w->consecutive_errors = 0;
        w->retry_ms = 0;
    }
    char at[32];
    util_time_rfc3339(at);
    if (!failed && accounts_poll_done(w->deps.accounts, w->account_id, w->cycle, at))
        worker_publish_status(w);
}
