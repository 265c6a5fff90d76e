/* An account's worker thread: its life, its queue of sends and its waits (see
 * account_worker.h). The cycle is in worker_poll.c, a send in worker_send.c. */
#include "worker_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "commands.h"
#include "common/log.h"
#include "common/util.h"
#include "common/xmalloc.h"
#include "pacing.h"

#define PUBLISH_TIMEOUT_MS 10000

static char *dup_or_null(const char *s)
{
    return s ? xstrdup(s) : NULL;
}

static void desired_copy(monitor_desired_t *dst, const monitor_desired_t *src)
{
    *dst = *src;
    dst->platform = dup_or_null(src->platform);
    dst->label = dup_or_null(src->label);
    dst->browser_profile = dup_or_null(src->browser_profile);
    dst->caps.quiet_start = dup_or_null(src->caps.quiet_start);
    dst->caps.quiet_end = dup_or_null(src->caps.quiet_end);
    dst->caps.timezone = dup_or_null(src->caps.timezone);
}

void worker_desired(account_worker_t *w, monitor_desired_t *out)
{
    pthread_mutex_lock(&w->mu);
    desired_copy(out, &w->desired);
    pthread_mutex_unlock(&w->mu);
}

void worker_publish_status(account_worker_t *w)
{
    account_state_t st;
    monitor_publish_t pub;
    char errstr[256];
    pthread_mutex_lock(w->deps.publish_mu);
    accounts_get(w->deps.accounts, w->account_id, &st);
    if (st.running) { /* a stop published its own status meanwhile */
        commands_status_event(&st, &pub);
        if (kafka_produce_sync(w->deps.producer, TOPIC_MONITOR_EVENTS, pub.key, pub.payload,
                               pub.len, PUBLISH_TIMEOUT_MS, errstr, sizeof(errstr)) != 0)
            LOG_WARN("account %lld: monitor.status: %s", (long long)w->account_id, errstr);
        monitor_publish_free(&pub);
    }
    pthread_mutex_unlock(w->deps.publish_mu);
}

int worker_publish(account_worker_t *w, const char *key, const char *type, const monitor_event_t *e)
{
    char errstr[256];
    char *json = event_encode("monitor", type, key, NULL, monitor_event_build(e));
    if (!json) {
        LOG_ERROR("account %lld: could not encode %s", (long long)w->account_id, type);
        return -1;
    }
    int rc = kafka_produce_sync(w->deps.producer, TOPIC_MONITOR_EVENTS, key, json, strlen(json),
                                PUBLISH_TIMEOUT_MS, errstr, sizeof(errstr));
    if (rc != 0)
        LOG_WARN("account %lld: %s on %s not delivered: %s", (long long)w->account_id, type, key,
                 errstr);
    free(json);
    return rc;
}

/* Waits up to ms, returning early when a send is queued or the worker stops. */
static void wait_ms(account_worker_t *w, int64_t ms)
{
    int64_t until = util_now_ms() + ms;
    pthread_mutex_lock(&w->mu);
    while (!w->stop && !w->head) {
        int64_t left = until - util_now_ms();
        if (left <= 0)
            break;
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        int64_t ns = ts.tv_nsec + (left % 1000) * 1000000L;
        ts.tv_sec += left / 1000 + ns / 1000000000L;
        ts.tv_nsec = ns % 1000000000L;
        pthread_cond_timedwait(&w->cv, &w->mu, &ts);
    }
    pthread_mutex_unlock(&w->mu);
}

/* The wait after a cycle, at the account's pacing (its desired pacing or the defaults). */
static void pace(account_worker_t *w)
{
    monitor_desired_t d;
    worker_desired(w, &d);
    monitor_pacing_t p = d.has_pacing ? d.pacing : monitor_config_pacing(w->deps.cfg);
    monitor_desired_free(&d);
    double rnd = (double)rand_r(&w->rng) / ((double)RAND_MAX + 1.0);
    pace_t next = pacing_next(&p, w->cycle, w->activity, rnd);
    LOG_DEBUG("account %lld: cycle %lld done, %s wait %lld ms", (long long)w->account_id,
              (long long)w->cycle, pacing_kind_name(next.kind), (long long)next.delay_ms);
    if (next.kind == PACE_BREAK)
        LOG_INFO("account %lld: a break of %lld s after %lld cycles", (long long)w->account_id,
                 (long long)(next.delay_ms / 1000), (long long)w->cycle);
    int64_t until = util_now_ms() + next.delay_ms;
    /* Sends wake the worker; the rest of the wait is served afterwards. */
    while (!w->stop && util_now_ms() < until) {
        wait_ms(w, until - util_now_ms());
        worker_run_sends(w);
    }
}

static void *worker_main(void *arg)
{
    account_worker_t *w = arg;
    LOG_INFO("account %lld: watching its inbox (partition %d)", (long long)w->account_id,
             w->partition);
    while (!w->stop) {
        worker_run_sends(w);
        int64_t now = util_now_ms();
        if (w->retry_at_ms > now) { /* a backoff: sends are still answered meanwhile */
            wait_ms(w, w->retry_at_ms - now);
            continue;
        }
        char reason[512];
        if (!worker_ensure_open(w, reason, sizeof(reason)))
            continue;
        w->activity = false;
        worker_poll(w);
        worker_yield_profile(w);
        if (!w->stop && w->retry_at_ms <= util_now_ms())
            pace(w);
    }
    worker_close(w);
    LOG_INFO("account %lld: stopped", (long long)w->account_id);
    return NULL;
}

account_worker_t *account_worker_start(const worker_deps_t *deps, const monitor_desired_t *d,
                                       int32_t partition)
{
    account_worker_t *w = xcalloc(1, sizeof(*w));
    w->deps = *deps;
    w->account_id = d->account_id;
    w->partition = partition;
    desired_copy(&w->desired, d);
    w->seen = seen_new();
    w->rng = (unsigned)(util_now_us() ^ (uint64_t)d->account_id);
    pthread_mutex_init(&w->mu, NULL);
    pthread_cond_init(&w->cv, NULL);
    if (pthread_create(&w->thread, NULL, worker_main, w) != 0) {
        LOG_ERROR("account %lld: cannot start its thread", (long long)w->account_id);
        monitor_desired_free(&w->desired);
        seen_free(w->seen);
        free(w);
        return NULL;
    }
    return w;
}

static bool same(const char *a, const char *b)
{
    return (!a && !b) || (a && b && strcmp(a, b) == 0);
}

void account_worker_update(account_worker_t *w, const monitor_desired_t *d)
{
    pthread_mutex_lock(&w->mu);
    w->reopen = w->reopen || !same(w->desired.platform, d->platform) ||
                !same(w->desired.browser_profile, d->browser_profile);
    monitor_desired_free(&w->desired);
    desired_copy(&w->desired, d);
    pthread_mutex_unlock(&w->mu);
}

void account_worker_send(account_worker_t *w, monitor_command_t *cmd, void *token,
                         const char *where)
{
    send_job_t *j = xcalloc(1, sizeof(*j));
    j->cmd = *cmd;
    memset(cmd, 0, sizeof(*cmd));
    j->token = token;
    snprintf(j->where, sizeof(j->where), "%s", where);
    pthread_mutex_lock(&w->mu);
    if (w->tail)
        w->tail->next = j;
    else
        w->head = j;
    w->tail = j;
    pthread_cond_broadcast(&w->cv);
    pthread_mutex_unlock(&w->mu);
}

int32_t account_worker_partition(const account_worker_t *w)
{
    return w->partition;
}

int64_t account_worker_account(const account_worker_t *w)
{
    return w->account_id;
}

void account_worker_stop(account_worker_t *w)
{
    if (!w)
        return;
    pthread_mutex_lock(&w->mu);
    w->stop = 1;
    pthread_cond_broadcast(&w->cv);
    pthread_mutex_unlock(&w->mu);
    pthread_join(w->thread, NULL);
    /* Sends that never ran go back to Kafka: the partition's next owner redelivers them. */
    send_job_t *j = w->head;
    while (j) {
        send_job_t *next = j->next;
        kafka_consumer_complete(*w->deps.consumer, j->token, HANDLE_RETRY, "account stopped");
        monitor_command_free(&j->cmd);
        free(j);
        j = next;
    }
    monitor_desired_free(&w->desired);
    seen_free(w->seen);
    pthread_mutex_destroy(&w->mu);
    pthread_cond_destroy(&w->cv);
    free(w);
}
