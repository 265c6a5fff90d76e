/* The desired-state map (see desired.h): an array under a mutex; a monitor owns a handful of
 * accounts. */
#include "desired.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/kafka.h"
#include "common/log.h"
#include "common/xmalloc.h"

typedef struct {
    int32_t partition;
    monitor_desired_t d;
} entry_t;

struct desired_map {
    pthread_mutex_t mu;
    entry_t *items;
    size_t n, cap;
};

desired_map_t *desired_map_new(void)
{
    desired_map_t *m = xcalloc(1, sizeof(*m));
    pthread_mutex_init(&m->mu, NULL);
    return m;
}

void desired_map_free(desired_map_t *m)
{
    if (!m)
        return;
    for (size_t i = 0; i < m->n; i++)
        monitor_desired_free(&m->items[i].d);
    free(m->items);
    pthread_mutex_destroy(&m->mu);
    free(m);
}

/* Called with the mutex held. */
static entry_t *find(desired_map_t *m, int64_t account_id)
{
    for (size_t i = 0; i < m->n; i++)
        if (m->items[i].d.account_id == account_id)
            return &m->items[i];
    return NULL;
}

static void remove_at(desired_map_t *m, size_t i)
{
    monitor_desired_free(&m->items[i].d);
    m->items[i] = m->items[--m->n];
}

static int parse_key(const char *key, int64_t *id, char *errstr, size_t errstr_size)
{
    char *end = NULL;
    long long v = key ? strtoll(key, &end, 10) : 0;
    if (!key || !*key || *end || v <= 0) {
        snprintf(errstr, errstr_size, "key \"%s\": expected an account id", key ? key : "");
        return -1;
    }
    *id = v;
    return 0;
}

/* Decodes a monitor.desired envelope whose account matches the key. */
static int decode(const char *key, int64_t id, const void *payload, size_t len,
                  monitor_desired_t *d, char *errstr, size_t errstr_size)
{
    event_t ev;
    char err[384];
    if (event_decode(payload, len, &ev, err, sizeof(err)) != 0) {
        snprintf(errstr, errstr_size, "key %s: not a CloudEvent: %s", key, err);
        return -1;
    }
    int rc = -1;
    if (strcmp(ev.type, EV_MONITOR_DESIRED) != 0)
        snprintf(errstr, errstr_size, "key %s: type %s, expected " EV_MONITOR_DESIRED, key,
                 ev.type);
    else if (monitor_desired_parse(ev.data, d, err, sizeof(err)) != 0)
        snprintf(errstr, errstr_size, "key %s: %s", key, err);
    else if (d->account_id != id) {
        snprintf(errstr, errstr_size, "key %s: data.account_id is %lld", key,
                 (long long)d->account_id);
        monitor_desired_free(d);
    } else
        rc = 0;
    event_free(&ev);
    return rc;
}

int desired_apply(desired_map_t *m, int32_t partition, const char *key, const void *payload,
                  size_t len, char *errstr, size_t errstr_size)
{
    int64_t id;
    monitor_desired_t d;
    if (parse_key(key, &id, errstr, errstr_size) != 0)
        return -1;
    bool tombstone = !payload || len == 0;
    if (!tombstone && decode(key, id, payload, len, &d, errstr, errstr_size) != 0)
        return -1;
    pthread_mutex_lock(&m->mu);
    entry_t *e = find(m, id);
    if (tombstone) {
        if (e)
            remove_at(m, (size_t)(e - m->items));
    } else {
        if (!e) {
            if (m->n == m->cap) {
                m->cap = m->cap ? m->cap * 2 : 8;
                m->items = xrealloc(m->items, m->cap * sizeof(*m->items));
            }
            e = &m->items[m->n++];
        } else {
            monitor_desired_free(&e->d);
        }
        e->partition = partition;
        e->d = d;
    }
    pthread_mutex_unlock(&m->mu);
    return 0;
}

void desired_forget_partition(desired_map_t *m, int32_t partition)
{
    pthread_mutex_lock(&m->mu);
    for (size_t i = m->n; i-- > 0;)
        if (m->items[i].partition == partition)
            remove_at(m, i);
    pthread_mutex_unlock(&m->mu);
}

static char *dup_or_null(const char *s)
{
    return s ? xstrdup(s) : NULL;
}

bool desired_get(desired_map_t *m, int64_t account_id, monitor_desired_t *out, int32_t *partition)
{
    memset(out, 0, sizeof(*out));
    pthread_mutex_lock(&m->mu);
    entry_t *e = find(m, account_id);
    if (e) {
        *out = e->d;
        out->platform = dup_or_null(e->d.platform);
        out->label = dup_or_null(e->d.label);
        out->browser_profile = dup_or_null(e->d.browser_profile);
        out->caps.quiet_start = dup_or_null(e->d.caps.quiet_start);
        out->caps.quiet_end = dup_or_null(e->d.caps.quiet_end);
        out->caps.timezone = dup_or_null(e->d.caps.timezone);
        if (partition)
            *partition = e->partition;
    }
    pthread_mutex_unlock(&m->mu);
    return e != NULL;
}

size_t desired_running(desired_map_t *m, int32_t partition, int64_t **ids)
{
    size_t n = 0;
    *ids = NULL;
    pthread_mutex_lock(&m->mu);
    for (size_t i = 0; i < m->n; i++) {
        if (m->items[i].partition != partition || !m->items[i].d.running)
            continue;
        *ids = xrealloc(*ids, (n + 1) * sizeof(**ids));
        (*ids)[n++] = m->items[i].d.account_id;
    }
    pthread_mutex_unlock(&m->mu);
    return n;
}

typedef struct {
    desired_map_t *m;
    int64_t bad;
} load_ctx_t;

static void on_record(int32_t partition, const char *key, const void *payload, size_t len,
                      int64_t offset, void *ctx)
{
    load_ctx_t *lc = ctx;
    char err[512];
    if (desired_apply(lc->m, partition, key, payload, len, err, sizeof(err)) != 0) {
        lc->bad++;
        LOG_WARN(TOPIC_MONITOR_DESIRED " [%d]@%lld ignored: %s", partition, (long long)offset, err);
    }
}

int64_t desired_load_partitions(desired_map_t *m, const char *bootstrap, const char *client_id,
                                const int32_t *partitions, size_t n, int timeout_ms, char *errstr,
                                size_t errstr_size)
{
    load_ctx_t lc = {.m = m};
    for (size_t i = 0; i < n; i++)
        desired_forget_partition(m, partitions[i]);
    int64_t count = kafka_read_partitions(bootstrap, client_id, TOPIC_MONITOR_DESIRED, partitions,
                                          n, on_record, &lc, timeout_ms, errstr, errstr_size);
    if (count < 0)
        for (size_t i = 0; i < n; i++)
            desired_forget_partition(m, partitions[i]);
    return count;
}
