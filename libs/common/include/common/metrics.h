/* Process-wide Prometheus metrics: counters, gauges and latency histograms, rendered in
 * the text exposition format. All functions are thread-safe (atomics; registration locks). */
#ifndef COMMON_METRICS_H
#define COMMON_METRICS_H

#include <stdint.h>

typedef struct metric metric_t;

/* Register (or find) a metric by full name including labels, e.g.
 * "bb_http_requests_total{route=\"/api/listings\",code=\"200\"}". help is per base name
 * (the first non-NULL one is kept). The returned pointer lives for the whole process.
 * Lookups take a mutex: cache the pointer on hot paths. Label values are not escaped: pass
 * them already valid. One base name with two types is a programming error: logs and aborts. */
metric_t *metrics_counter(const char *name, const char *help);
metric_t *metrics_gauge(const char *name, const char *help);
/* Histogram of seconds with fixed buckets 1ms..10s (le = 0.001, 0.0025, 0.005, 0.01, 0.025,
 * 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, +Inf); rendered as <base>_bucket{<labels>,le=".."},
 * <base>_sum{<labels>} (seconds) and <base>_count{<labels>}. */
metric_t *metrics_histogram(const char *name, const char *help);

/* Lock-free updates (relaxed atomics); each accepts NULL. inc works on counters and gauges
 * (a negative `by` on gauges), set on gauges, observe_us on histograms. */
void metrics_inc(metric_t *m, int64_t by);
void metrics_set(metric_t *m, int64_t value);
void metrics_observe_us(metric_t *m, int64_t microseconds);

/* The whole registry as Prometheus text (version 0.0.4), families in registration order,
 * # HELP / # TYPE once per base name; caller frees with free(). */
char *metrics_render(void);

#endif
