/* Account ownership by partition (see owner.h). */
#include "owner.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "commands.h"
#include "common/log.h"
#include "common/metrics.h"
#include "common/util.h"
#include "common/xmalloc.h"

#define STATUS_TIMEOUT_MS 10000

struct owner {
    worker_deps_t deps;
    desired_map_t *desired;
    pthread_mutex_t mu;
    account_worker_t **workers;
    size_t n, cap;
};

owner_t *owner_new(const worker_deps_t *deps, desired_map_t *desired)
{
    owner_t *o = xcalloc(1, sizeof(*o));
    o->deps = *deps;
    o->desired = desired;
    pthread_mutex_init(&o->mu, NULL);
    return o;
}

/* Removes and returns the account's worker (NULL when it does not run here). */
static account_worker_t *take(owner_t *o, int64_t account_id)
{
    account_worker_t *w = NULL;
    pthread_mutex_lock(&o->mu);
    for (size_t i = 0; i < o->n; i++)
        if (account_worker_account(o->workers[i]) == account_id) {
            w = o->workers[i];
            o->workers[i] = o->workers[--o->n];
            break;
        }
    pthread_mutex_unlock(&o->mu);
    return w;
}

static account_worker_t *find(owner_t *o, int64_t account_id)
{
    for (size_t i = 0; i < o->n; i++)
        if (account_worker_account(o->workers[i]) == account_id)
            return o->workers[i];
    return NULL;
}

static void count_running(owner_t *o)
{
    pthread_mutex_lock(&o->mu);
    int64_t n = (int64_t)o->n;
    pthread_mutex_unlock(&o->mu);
    metrics_set(metrics_gauge("bb_monitor_accounts_running", "accounts watched by this instance"),
                n);
}

static void stop_worker(owner_t *o, account_worker_t *w)
{
    int64_t id = account_worker_account(w);
    account_state_t st;
    account_worker_stop(w);
    accounts_set_running(o->deps.accounts, id, false, &st);
    count_running(o);
}

void owner_free(owner_t *o)
{
    if (!o)
        return;
    while (o->n > 0)
        stop_worker(o, take(o, account_worker_account(o->workers[0])));
    free(o->workers);
    pthread_mutex_destroy(&o->mu);
    free(o);
}

/* Starts (or updates) an account with its desired state d. */
static void run_account(owner_t *o, const monitor_desired_t *d, int32_t partition)
{
    pthread_mutex_lock(&o->mu);
    account_worker_t *w = find(o, d->account_id);
    if (w) {
        account_worker_update(w, d);
    } else if ((w = account_worker_start(&o->deps, d, partition))) {
        if (o->n == o->cap) {
            o->cap = o->cap ? o->cap * 2 : 8;
            o->workers = xrealloc(o->workers, o->cap * sizeof(*o->workers));
        }
        o->workers[o->n++] = w;
    }
    pthread_mutex_unlock(&o->mu);
    account_state_t st;
    accounts_set_running(o->deps.accounts, d->account_id, w != NULL, &st);
    count_running(o);
}

/* Reads partitions of the desired topic; logs a failure (the map then has nothing for them). */
static void load(owner_t *o, const int32_t *partitions, size_t n)
{
    char err[512];
    const service_config_t *s = &o->deps.cfg->svc;
    int64_t t0 = util_now_ms();
    int64_t count =
        desired_load_partitions(o->desired, s->kafka_bootstrap, s->kafka_client_id, partitions, n,
                                (int)o->deps.cfg->desired_read_timeout_ms, err, sizeof(err));
    if (count < 0)
        LOG_ERROR("desired state of %zu partition(s) not read: %s (their accounts start on "
                  "their next monitor.start)",
                  n, err);
    else
        LOG_DEBUG("desired state of %zu partition(s): %lld records in %lld ms", n, (long long)count,
                  (long long)(util_now_ms() - t0));
}

/* The account's monitor.status now: an account started by an assignment, which no command
 * reported. */
static void publish_status(owner_t *o, int64_t account_id)
{
    account_state_t st;
    monitor_publish_t pub;
    char err[256];
    pthread_mutex_lock(o->deps.publish_mu);
    accounts_get(o->deps.accounts, account_id, &st);
    commands_status_event(&st, &pub);
    if (kafka_produce_sync(o->deps.producer, TOPIC_MONITOR_EVENTS, pub.key, pub.payload, pub.len,
                           STATUS_TIMEOUT_MS, err, sizeof(err)) != 0)
        LOG_WARN("account %lld: monitor.status: %s", (long long)account_id, err);
    monitor_publish_free(&pub);
    pthread_mutex_unlock(o->deps.publish_mu);
}

/* Starts the accounts of partition p whose desired state is running. */
static void start_partition(owner_t *o, int32_t partition)
{
    int64_t *ids = NULL;
    size_t n = desired_running(o->desired, partition, &ids);
    for (size_t i = 0; i < n; i++) {
        monitor_desired_t d;
        if (!desired_get(o->desired, ids[i], &d, NULL))
            continue;
        LOG_INFO("account %lld (partition %d): desired running, starting", (long long)ids[i],
                 partition);
        run_account(o, &d, partition);
        monitor_desired_free(&d);
        publish_status(o, ids[i]);
    }
    free(ids);
}

void owner_on_assigned(const char *topic, const int32_t *partitions, size_t n, bool lost, void *ctx)
{
    owner_t *o = ctx;
    (void)lost;
    if (strcmp(topic, TOPIC_MONITOR_COMMANDS) != 0)
        return;
    load(o, partitions, n);
    for (size_t i = 0; i < n; i++)
        start_partition(o, partitions[i]);
}

/* Stops the accounts of partition p (their browsers closed) and forgets its desired state. */
static void stop_partition(owner_t *o, int32_t partition, bool lost)
{
    for (;;) {
        account_worker_t *w = NULL;
        pthread_mutex_lock(&o->mu);
        for (size_t i = 0; i < o->n && !w; i++)
            if (account_worker_partition(o->workers[i]) == partition)
                w = o->workers[i];
        pthread_mutex_unlock(&o->mu);
        if (!w)
            break;
        LOG_INFO("account %lld: partition %d %s, stopping here",
                 (long long)account_worker_account(w), partition, lost ? "lost" : "revoked");
        stop_worker(o, take(o, account_worker_account(w)));
    }
    desired_forget_partition(o->desired, partition);
}

void owner_on_revoked(const char *topic, const int32_t *partitions, size_t n, bool lost, void *ctx)
{
    owner_t *o = ctx;
    if (strcmp(topic, TOPIC_MONITOR_COMMANDS) != 0)
        return;
    for (size_t i = 0; i < n; i++)
        stop_partition(o, partitions[i], lost);
}

void owner_start(owner_t *o, int64_t account_id, int32_t partition)
{
    load(o, &partition, 1);
    monitor_desired_t d;
    if (!desired_get(o->desired, account_id, &d, NULL)) {
        /* No desired record (yet): the defaults, on the configured platform. */
        memset(&d, 0, sizeof(d));
        d.account_id = account_id;
        d.platform = xstrdup(o->deps.cfg->default_platform);
    }
    d.running = true;
    run_account(o, &d, partition);
    monitor_desired_free(&d);
}

void owner_stop(owner_t *o, int64_t account_id)
{
    account_worker_t *w = take(o, account_id);
    if (w)
        stop_worker(o, w);
    account_state_t st;
    accounts_set_running(o->deps.accounts, account_id, false, &st);
}

bool owner_send(owner_t *o, int64_t account_id, monitor_command_t *cmd, void *token,
                const char *where)
{
    pthread_mutex_lock(&o->mu);
    account_worker_t *w = find(o, account_id);
    if (w)
        account_worker_send(w, cmd, token, where);
    pthread_mutex_unlock(&o->mu);
    return w != NULL;
}

size_t owner_running(owner_t *o)
{
    pthread_mutex_lock(&o->mu);
    size_t n = o->n;
    pthread_mutex_unlock(&o->mu);
    return n;
}
