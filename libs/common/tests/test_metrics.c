/* Unit tests of the metrics registry: exposition text, families, histograms, threads. */
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "common/metrics.h"

/* Number of non-overlapping occurrences of needle in hay. */
static int count_of(const char *hay, const char *needle)
{
    int n = 0;
    for (const char *p = strstr(hay, needle); p; p = strstr(p + strlen(needle), needle))
        n++;
    return n;
}

static void test_counter_and_gauge(void **state)
{
    (void)state;
    metric_t *a = metrics_counter("t_requests_total{code=\"200\"}", "Requests served.");
    metric_t *b = metrics_counter("t_requests_total{code=\"500\"}", "ignored second help");
    metric_t *g = metrics_gauge("t_in_flight", "Requests in flight.");
    /* registering the same name again returns the same series */
    assert_ptr_equal(a, metrics_counter("t_requests_total{code=\"200\"}", NULL));
    assert_ptr_not_equal(a, b);
    metrics_inc(a, 1);
    metrics_inc(a, 2);
    metrics_inc(b, 1);
    metrics_set(g, 7);
    metrics_inc(g, -2);
    char *text = metrics_render();
    assert_non_null(strstr(text, "# HELP t_requests_total Requests served.\n"
                                 "# TYPE t_requests_total counter\n"
                                 "t_requests_total{code=\"200\"} 3\n"
                                 "t_requests_total{code=\"500\"} 1\n"));
    assert_int_equal(count_of(text, "# TYPE t_requests_total "), 1);
    assert_int_equal(count_of(text, "# HELP t_requests_total "), 1);
    assert_non_null(strstr(text, "# HELP t_in_flight Requests in flight.\n"
                                 "# TYPE t_in_flight gauge\n"
                                 "t_in_flight 5\n"));
    free(text);
}

static void test_histogram_with_labels(void **state)
{
    (void)state;
    metric_t *h = metrics_histogram("t_latency_seconds{route=\"/a/{id}\"}", "Latency.");
    metrics_observe_us(h, 500);      /* <= 1 ms */
    metrics_observe_us(h, 1000);     /* exactly on the 1 ms bound */
    metrics_observe_us(h, 30000);    /* 30 ms: in the 50 ms bucket */
    metrics_observe_us(h, 20000000); /* 20 s: only +Inf */
    char *text = metrics_render();
    assert_non_null(strstr(text, "# HELP t_latency_seconds Latency.\n"
                                 "# TYPE t_latency_seconds histogram\n"
                                 "t_latency_seconds_bucket{route=\"/a/{id}\",le=\"0.001\"} 2\n"
                                 "t_latency_seconds_bucket{route=\"/a/{id}\",le=\"0.0025\"} 2\n"));
    assert_non_null(strstr(text, "t_latency_seconds_bucket{route=\"/a/{id}\",le=\"0.025\"} 2\n"
                                 "t_latency_seconds_bucket{route=\"/a/{id}\",le=\"0.05\"} 3\n"));
    assert_non_null(strstr(text, "t_latency_seconds_bucket{route=\"/a/{id}\",le=\"10\"} 3\n"
                                 "t_latency_seconds_bucket{route=\"/a/{id}\",le=\"+Inf\"} 4\n"
                                 "t_latency_seconds_sum{route=\"/a/{id}\"} 20.031500\n"
                                 "t_latency_seconds_count{route=\"/a/{id}\"} 4\n"));
    free(text);
}

static void test_histogram_without_labels(void **state)
{
    (void)state;
    metric_t *h = metrics_histogram("t_plain_seconds", NULL);
    metrics_observe_us(h, 2000000);
    char *text = metrics_render();
    assert_null(strstr(text, "# HELP t_plain_seconds"));
    assert_non_null(strstr(text, "# TYPE t_plain_seconds histogram\n"
                                 "t_plain_seconds_bucket{le=\"0.001\"} 0\n"));
    assert_non_null(strstr(text, "t_plain_seconds_bucket{le=\"1\"} 0\n"
                                 "t_plain_seconds_bucket{le=\"2.5\"} 1\n"));
    assert_non_null(strstr(text, "t_plain_seconds_bucket{le=\"+Inf\"} 1\n"
                                 "t_plain_seconds_sum 2.000000\n"
                                 "t_plain_seconds_count 1\n"));
    free(text);
}

static void test_help_escaped(void **state)
{
    (void)state;
    metrics_counter("t_escaped_total", "a\\b\nc");
    char *text = metrics_render();
    assert_non_null(strstr(text, "# HELP t_escaped_total a\\\\b\\nc\n"));
    free(text);
}

#define THREADS 4
#define PER_THREAD 100000

static void *hammer(void *arg)
{
    (void)arg;
    for (int i = 0; i < PER_THREAD; i++) {
        /* half of them look the series up every time, as an uncached caller would */
        metric_t *c = (i & 1) ? metrics_counter("t_threads_total", "Threaded.")
                              : metrics_counter("t_threads_total", NULL);
        metrics_inc(c, 1);
        metrics_observe_us(metrics_histogram("t_threads_seconds", NULL), i % 3000);
    }
    return NULL;
}

static void test_threads(void **state)
{
    (void)state;
    pthread_t t[THREADS];
    for (int i = 0; i < THREADS; i++)
        assert_int_equal(pthread_create(&t[i], NULL, hammer, NULL), 0);
    for (int i = 0; i < THREADS; i++)
        pthread_join(t[i], NULL);
    char *text = metrics_render();
    assert_non_null(strstr(text, "t_threads_total 400000\n"));
    assert_non_null(strstr(text, "t_threads_seconds_count 400000\n"));
    assert_non_null(strstr(text, "t_threads_seconds_bucket{le=\"+Inf\"} 400000\n"));
    free(text);
}

/* Two types under one base name is a programming error: the process aborts. */
static void test_type_conflict_aborts(void **state)
{
    (void)state;
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        metrics_counter("t_conflict{a=\"1\"}", NULL);
        metrics_gauge("t_conflict{a=\"2\"}", NULL);
        _exit(0);
    }
    int status = 0;
    assert_int_equal(waitpid(pid, &status, 0), pid);
    assert_true(WIFSIGNALED(status));
    assert_int_equal(WTERMSIG(status), SIGABRT);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_counter_and_gauge),
        cmocka_unit_test(test_histogram_with_labels),
        cmocka_unit_test(test_histogram_without_labels),
        cmocka_unit_test(test_help_escaped),
        cmocka_unit_test(test_threads),
        cmocka_unit_test(test_type_conflict_aborts),
    };
    return cmocka_run_group_tests_name("metrics", tests, NULL, NULL);
}
