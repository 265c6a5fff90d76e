/* Process-wide Prometheus metrics: counters, gauges and latency histograms, rendered in
 * the text exposition format. All functions are thread-safe (atomics; registration locks). */
#ifndef COMMON_METRICS_H
#define COMMON_METRICS_H

#include <stdint.h>

typedef struct metric metric_t;

/* Register (or find) a metric by full name including labels, e.g.
 * "bb_http_requests_total{route=\"/api/listings\",code=\"200\"}". help is per base name.
 * The returned pointer lives for the whole process. */
metric_t *metrics_counter(const char *name, const char *help);
metric_t *metrics_gauge(const char *name, const char *help);
/* Histogram of seconds with fixed buckets 1ms..10s. */
metric_t *metrics_histogram(const char *name, const char *help);

void metrics_inc(metric_t *m, int64_t by);
void metrics_set(metric_t *m, int64_t value);
void metrics_observe_us(metric_t *m, int64_t microseconds);

/* The whole registry as Prometheus text; caller frees. */
char *metrics_render(void);

#endif
