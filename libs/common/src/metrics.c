/* Prometheus metrics registry (see metrics.h): values are C11 atomics so the hot path never
 * locks; registration and rendering take one mutex. Series are grouped into families by base
 * name (the name before '{') so # HELP / # TYPE are written once per family. */
#include "common/metrics.h"

#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/log.h"
#include "common/sbuf.h"
#include "common/xmalloc.h"

typedef enum { METRIC_COUNTER, METRIC_GAUGE, METRIC_HISTOGRAM } metric_kind_t;

/* Upper bounds of the histogram buckets in microseconds (1 ms .. 10 s); one more slot
 * counts everything above the last bound (+Inf). */
static const int64_t bucket_bounds_us[] = {1000,    2500,    5000,    10000,  25000,
                                           50000,   100000,  250000,  500000, 1000000,
                                           2500000, 5000000, 10000000};
#define NBUCKETS (sizeof(bucket_bounds_us) / sizeof(bucket_bounds_us[0]))

struct metric_family;

struct metric {
    char *name;   /* full name as registered, labels included */
    char *labels; /* the text between the braces, "" when none */
    metric_kind_t kind;
    struct metric_family *family;
    struct metric *family_next; /* next series of the same family, registration order */
    struct metric *hash_next;
    atomic_int_least64_t value; /* counter and gauge */
    /* histogram: per-bucket (not cumulative) counts; the last one is +Inf */
    atomic_int_least64_t buckets[NBUCKETS + 1];
    atomic_int_least64_t sum_us;
};

struct metric_family {
    char *base;
    char *help;
    metric_kind_t kind;
    struct metric *first, *last;
    struct metric_family *next;
};

#define HASH_SIZE 1024

static pthread_mutex_t registry_lock = PTHREAD_MUTEX_INITIALIZER;
static struct metric *hash_table[HASH_SIZE];
static struct metric_family *families_first, *families_last;

static size_t hash_name(const char *s)
{
    size_t h = 1469598103934665603ULL; /* FNV-1a */
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 1099511628211ULL;
    return h % HASH_SIZE;
}

static const char *kind_name(metric_kind_t kind)
{
    return kind == METRIC_COUNTER ? "counter" : kind == METRIC_GAUGE ? "gauge" : "histogram";
}

/* Caller holds registry_lock. */
static struct metric_family *family_find_or_add(const char *base, size_t base_len,
                                                metric_kind_t kind, const char *help)
{
    struct metric_family *f;
    for (f = families_first; f; f = f->next)
        if (strlen(f->base) == base_len && memcmp(f->base, base, base_len) == 0)
            break;
    if (!f) {
        f = xcalloc(1, sizeof(*f));
        f->base = xstrndup(base, base_len);
        f->kind = kind;
        if (families_last)
            families_last->next = f;
        else
            families_first = f;
        families_last = f;
    }
    if (f->kind != kind) {
        /* two types under one name would make the exposition invalid: a programming error */
        LOG_ERROR("metrics: %s registered as %s and as %s", f->base, kind_name(f->kind),
                  kind_name(kind));
        abort();
    }
    if (!f->help && help)
        f->help = xstrdup(help);
    return f;
}

static metric_t *metric_register(const char *name, const char *help, metric_kind_t kind)
{
    size_t h = hash_name(name);
    struct metric *m;
    pthread_mutex_lock(&registry_lock);
    for (m = hash_table[h]; m; m = m->hash_next)
        if (strcmp(m->name, name) == 0)
            break;
    if (m) {
        if (m->kind != kind) {
            LOG_ERROR("metrics: %s registered as %s and as %s", name, kind_name(m->kind),
                      kind_name(kind));
            abort();
        }
        pthread_mutex_unlock(&registry_lock);
        return m;
    }
    const char *brace = strchr(name, '{');
    size_t base_len = brace ? (size_t)(brace - name) : strlen(name);
    struct metric_family *f = family_find_or_add(name, base_len, kind, help);
    m = xcalloc(1, sizeof(*m));
    m->name = xstrdup(name);
    if (brace) {
        const char *close = strrchr(brace, '}');
        size_t len = close ? (size_t)(close - brace - 1) : strlen(brace + 1);
        m->labels = xstrndup(brace + 1, len);
    } else {
        m->labels = xstrdup("");
    }
    m->kind = kind;
    m->family = f;
    if (f->last)
        f->last->family_next = m;
    else
        f->first = m;
    f->last = m;
    m->hash_next = hash_table[h];
    hash_table[h] = m;
    pthread_mutex_unlock(&registry_lock);
    return m;
}

metric_t *metrics_counter(const char *name, const char *help)
{
    return metric_register(name, help, METRIC_COUNTER);
}

metric_t *metrics_gauge(const char *name, const char *help)
{
    return metric_register(name, help, METRIC_GAUGE);
}

metric_t *metrics_histogram(const char *name, const char *help)
{
    return metric_register(name, help, METRIC_HISTOGRAM);
}

void metrics_inc(metric_t *m, int64_t by)
{
    if (m)
        atomic_fetch_add_explicit(&m->value, by, memory_order_relaxed);
}

void metrics_set(metric_t *m, int64_t value)
{
    if (m)
        atomic_store_explicit(&m->value, value, memory_order_relaxed);
}

void metrics_observe_us(metric_t *m, int64_t microseconds)
{
    if (!m)
        return;
    if (microseconds < 0)
        microseconds = 0;
    size_t i = 0;
    while (i < NBUCKETS && microseconds > bucket_bounds_us[i])
        i++;
    atomic_fetch_add_explicit(&m->buckets[i], 1, memory_order_relaxed);
    atomic_fetch_add_explicit(&m->sum_us, microseconds, memory_order_relaxed);
}

/* HELP text escapes backslash and newline (exposition format). */
static void sb_help(sbuf_t *sb, const char *base, const char *help)
{
    sbuf_printf(sb, "# HELP %s ", base);
    for (const char *p = help; *p; p++) {
        if (*p == '\\')
            sbuf_printf(sb, "\\\\");
        else if (*p == '\n')
            sbuf_printf(sb, "\\n");
        else
            sbuf_addc(sb, *p);
    }
    sbuf_printf(sb, "\n");
}

static void render_histogram(sbuf_t *sb, const struct metric_family *f, const struct metric *m)
{
    const char *sep = m->labels[0] ? "," : "";
    int64_t cumulative = 0;
    for (size_t i = 0; i <= NBUCKETS; i++) {
        cumulative += atomic_load_explicit(&m->buckets[i], memory_order_relaxed);
        if (i < NBUCKETS)
            sbuf_printf(sb, "%s_bucket{%s%sle=\"%g\"} %lld\n", f->base, m->labels, sep,
                        (double)bucket_bounds_us[i] / 1e6, (long long)cumulative);
        else
            sbuf_printf(sb, "%s_bucket{%s%sle=\"+Inf\"} %lld\n", f->base, m->labels, sep,
                        (long long)cumulative);
    }
    int64_t sum = atomic_load_explicit(&m->sum_us, memory_order_relaxed);
    const char *open = m->labels[0] ? "{" : "";
    const char *close = m->labels[0] ? "}" : "";
    sbuf_printf(sb, "%s_sum%s%s%s %.6f\n", f->base, open, m->labels, close, (double)sum / 1e6);
    /* _count equals the +Inf bucket by definition; reuse the same snapshot */
    sbuf_printf(sb, "%s_count%s%s%s %lld\n", f->base, open, m->labels, close,
                (long long)cumulative);
}

char *metrics_render(void)
{
    sbuf_t sb = {0};
    pthread_mutex_lock(&registry_lock);
    for (const struct metric_family *f = families_first; f; f = f->next) {
        if (f->help)
            sb_help(&sb, f->base, f->help);
        sbuf_printf(&sb, "# TYPE %s %s\n", f->base, kind_name(f->kind));
        for (const struct metric *m = f->first; m; m = m->family_next) {
            if (m->kind == METRIC_HISTOGRAM)
                render_histogram(&sb, f, m);
            else
                sbuf_printf(&sb, "%s %lld\n", m->name,
                            (long long)atomic_load_explicit(&m->value, memory_order_relaxed));
        }
    }
    pthread_mutex_unlock(&registry_lock);
    return sbuf_take(&sb);
}
