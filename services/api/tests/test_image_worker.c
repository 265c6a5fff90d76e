/* Unit tests of the image worker pool: every task runs once on a pool thread with the stack
 * asked for, never more at once than there are workers, the caller returns only when its
 * own batch is done (while other callers' batches run), and the idle hook runs once per
 * quiet period after work, never during it. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <errno.h>
#include <pthread.h>
#include <sys/resource.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "image_worker.h"

#define STACK (8 * 1024 * 1024)

static atomic_int running, max_running, idle_calls, after_calls;

typedef struct {
    atomic_int runs;
    int sleep_ms;
    size_t stack;   /* seen by the task */
    bool on_caller; /* ran on the calling thread */
    pthread_t caller;
} job_t;

static void job_fn(void *arg)
{
    job_t *j = arg;
    int now = atomic_fetch_add(&running, 1) + 1;
    int seen = atomic_load(&max_running);
    while (now > seen && !atomic_compare_exchange_weak(&max_running, &seen, now))
        ;
    pthread_attr_t attr;
    pthread_getattr_np(pthread_self(), &attr);
    pthread_attr_getstacksize(&attr, &j->stack);
    pthread_attr_destroy(&attr);
    j->on_caller = pthread_equal(pthread_self(), j->caller);
    usleep((useconds_t)j->sleep_ms * 1000);
    atomic_fetch_add(&j->runs, 1);
    atomic_fetch_sub(&running, 1);
}

static void on_idle(void)
{
    /* never while tasks run */
    assert_int_equal(atomic_load(&running), 0);
    atomic_fetch_add(&idle_calls, 1);
}

static void after_task(void)
{
    atomic_fetch_add(&after_calls, 1);
}

static image_pool_t *pool_new(int workers, int idle_ms)
{
    image_pool_options_t o = {.workers = workers,
                              .stack_bytes = STACK,
                              .idle_ms = idle_ms,
                              .on_idle = on_idle,
                              .after_task = after_task};
    char err[128];
    image_pool_t *p = image_pool_new(&o, err, sizeof(err));
    assert_non_null(p);
    atomic_store(&max_running, 0);
    atomic_store(&idle_calls, 0);
    atomic_store(&after_calls, 0);
    return p;
}

static void run_jobs(image_pool_t *p, job_t *jobs, size_t n, int sleep_ms)
{
    void *args[64];
    assert_true(n <= 64);
    for (size_t i = 0; i < n; i++) {
        memset(&jobs[i], 0, sizeof(jobs[i]));
        jobs[i].sleep_ms = sleep_ms;
        jobs[i].caller = pthread_self();
        args[i] = &jobs[i];
    }
    image_pool_run(p, job_fn, args, n);
}

static void test_each_task_once_bounded_big_stack(void **state)
{
    (void)state;
    image_pool_t *p = pool_new(3, 10000);
    job_t jobs[20];
    run_jobs(p, jobs, 20, 10);
    for (int i = 0; i < 20; i++) {
        assert_int_equal(atomic_load(&jobs[i].runs), 1); /* all finished before the return */
        assert_false(jobs[i].on_caller);
        assert_true(jobs[i].stack >= STACK);
    }
    assert_true(atomic_load(&max_running) <= 3);
    assert_true(atomic_load(&max_running) >= 2); /* they did run side by side */
    assert_int_equal(atomic_load(&after_calls), 20);
    image_pool_free(p);
}

typedef struct {
    image_pool_t *pool;
    job_t jobs[8];
    int sleep_ms;
} caller_t;

static void *caller_main(void *arg)
{
    caller_t *c = arg;
    for (int round = 0; round < 5; round++) {
        run_jobs(c->pool, c->jobs, 8, c->sleep_ms);
        for (int i = 0; i < 8; i++)
            assert_int_equal(atomic_load(&c->jobs[i].runs), 1);
    }
    return NULL;
}

static void test_concurrent_callers_wait_for_their_own(void **state)
{
    (void)state;
    image_pool_t *p = pool_new(2, 10000);
    caller_t callers[4];
    pthread_t t[4];
    for (int i = 0; i < 4; i++) {
        callers[i].pool = p;
        callers[i].sleep_ms = i == 0 ? 1 : 3;
        assert_int_equal(pthread_create(&t[i], NULL, caller_main, &callers[i]), 0);
    }
    for (int i = 0; i < 4; i++)
        pthread_join(t[i], NULL);
    assert_true(atomic_load(&max_running) <= 2);
    assert_int_equal(atomic_load(&after_calls), 4 * 5 * 8);
    image_pool_free(p);
}

/* Waits up to 5 s (a loaded machine) for the idle hook to have run n times. */
static void wait_idle_calls(int n)
{
    for (int i = 0; i < 500 && atomic_load(&idle_calls) < n; i++)
        usleep(10 * 1000);
    assert_int_equal(atomic_load(&idle_calls), n);
}

static void test_idle_hook_once_after_work(void **state)
{
    (void)state;
    image_pool_t *p = pool_new(2, 100);
    usleep(300 * 1000);
    assert_int_equal(atomic_load(&idle_calls), 0); /* no work yet: nothing to give back */
    job_t jobs[4];
    run_jobs(p, jobs, 4, 5);
    assert_int_equal(atomic_load(&idle_calls), 0); /* not during the burst */
    wait_idle_calls(1);
    usleep(300 * 1000);
    assert_int_equal(atomic_load(&idle_calls), 1); /* once per quiet period */
    run_jobs(p, jobs, 1, 0);
    wait_idle_calls(2);
    image_pool_free(p);
}

typedef struct {
    atomic_int *count;
    int nice;
} posted_t;

static void posted_fn(void *arg)
{
    posted_t *t = arg;
    errno = 0;
    t->nice = getpriority(PRIO_PROCESS, (id_t)gettid());
    atomic_fetch_add(t->count, 1);
    usleep(2000);
}

static void test_posted_tasks_run_at_low_priority_bounded(void **state)
{
    (void)state;
    image_pool_options_t o = {.workers = 1, .idle_ms = 1000, .nice = 7, .max_posted = 4};
    char err[128];
    image_pool_t *p = image_pool_new(&o, err, sizeof(err));
    assert_non_null(p);
    static atomic_int count;
    atomic_store(&count, 0);
    posted_t *keep[32];
    int accepted = 0;
    for (int i = 0; i < 32; i++) {
        posted_t *t = calloc(1, sizeof(*t));
        t->count = &count;
        if (image_pool_post(p, posted_fn, t) == 0)
            keep[accepted++] = t;
        else
            free(t); /* refused: still the caller's */
    }
    assert_true(accepted >= 4 && accepted < 32); /* the backlog is bounded */
    /* posted tasks own their argument and free it: read the nice value through a batch */
    posted_t probe = {.count = &count};
    void *args[1] = {&probe};
    image_pool_run(p, posted_fn, args, 1);
    assert_int_equal(probe.nice, 7);
    assert_int_equal(atomic_load(&count), accepted + 1); /* FIFO: all ran before the probe */
    image_pool_free(p);
    for (int i = 0; i < accepted; i++)
        free(keep[i]); /* they ran: a posted task frees its argument itself, this one not */
}

static void test_empty_batch_and_free(void **state)
{
    (void)state;
    image_pool_t *p = pool_new(1, 50);
    image_pool_run(p, job_fn, NULL, 0);
    image_pool_free(p);
    image_pool_free(NULL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_each_task_once_bounded_big_stack),
        cmocka_unit_test(test_concurrent_callers_wait_for_their_own),
        cmocka_unit_test(test_idle_hook_once_after_work),
        cmocka_unit_test(test_posted_tasks_run_at_low_priority_bounded),
        cmocka_unit_test(test_empty_batch_and_free),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
