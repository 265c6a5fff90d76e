/* Unit tests of applier_pool.c, the event applier's worker pool: items of one key run one at
 * a time and in submission order while many threads work; items of different keys run at the
 * same time; the queue is bounded (a submitter waits) and a stop refuses new items, lets the
 * running one finish and hands back the queued ones. */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>
#include <pthread.h>

#include "applier_pool.h"

static void sleep_us(long us)
{
    struct timespec ts = {.tv_sec = us / 1000000, .tv_nsec = (us % 1000000) * 1000};
    nanosleep(&ts, NULL);
}

/* *v read under mu (the workers write it under mu). */
static int locked_int(pthread_mutex_t *mu, const int *v)
{
    pthread_mutex_lock(mu);
    int x = *v;
    pthread_mutex_unlock(mu);
    return x;
}

/* ---- order per key under concurrency ---- */

#define KEYS 4
#define PER_KEY 150

typedef struct {
    int key, seq;
} order_item_t;

typedef struct {
    pthread_mutex_t mu;
    int next[KEYS];    /* the sequence number each key expects next */
    int running[KEYS]; /* items of the key running now */
    int out_of_order, overlapped, running_total, max_running, done;
} order_state_t;

static void order_run(void *item, void *ctx)
{
    order_item_t *it = item;
    order_state_t *st = ctx;
    pthread_mutex_lock(&st->mu);
    if (++st->running[it->key] > 1)
        st->overlapped++;
    if (++st->running_total > st->max_running)
        st->max_running = st->running_total;
    if (st->next[it->key] != it->seq)
        st->out_of_order++;
    st->next[it->key] = it->seq + 1;
    pthread_mutex_unlock(&st->mu);
    sleep_us(100 + (it->seq * 37 + it->key * 11) % 300); /* uneven: workers overtake each other */
    pthread_mutex_lock(&st->mu);
    st->running[it->key]--;
    st->running_total--;
    st->done++;
    pthread_mutex_unlock(&st->mu);
}

static void test_one_key_in_order(void **state)
{
    (void)state;
    static order_item_t items[KEYS * PER_KEY];
    order_state_t st = {.mu = PTHREAD_MUTEX_INITIALIZER};
    char err[256];
    applier_pool_t *p = applier_pool_new(6, 16, order_run, &st, err, sizeof(err));
    assert_non_null(p);
    for (int i = 0; i < KEYS * PER_KEY; i++) {
        items[i] = (order_item_t){.key = i % KEYS, .seq = i / KEYS};
        assert_int_equal(applier_pool_submit(p, (uint64_t)(1000 + items[i].key), &items[i]), 0);
    }
    for (int i = 0; i < 3000 && locked_int(&st.mu, &st.done) < KEYS * PER_KEY; i++)
        sleep_us(10000);
    assert_int_equal(applier_pool_stop(p, NULL), 0);
    applier_pool_free(p);
    for (int k = 0; k < KEYS; k++)
        assert_int_equal(st.next[k], PER_KEY);
    assert_int_equal(st.out_of_order, 0);
    assert_int_equal(st.overlapped, 0);
    assert_true(st.max_running > 1); /* the keys did run side by side */
}

/* ---- different keys at the same time ---- */

typedef struct {
    pthread_mutex_t mu;
    pthread_cond_t cv;
    int arrived, met;
    int wait_s;
} meet_state_t;

/* Waits (at most wait_s) until three items are running at once: only possible in parallel. */
static void meet_run(void *item, void *ctx)
{
    (void)item;
    meet_state_t *st = ctx;
    struct timespec deadline;
    clock_gettime(CLOCK_REALTIME, &deadline);
    deadline.tv_sec += st->wait_s;
    pthread_mutex_lock(&st->mu);
    st->arrived++;
    pthread_cond_broadcast(&st->cv);
    while (st->arrived < 3)
        if (pthread_cond_timedwait(&st->cv, &st->mu, &deadline) != 0)
            break;
    if (st->arrived >= 3)
        st->met++;
    pthread_mutex_unlock(&st->mu);
}

static void test_keys_concurrent(void **state)
{
    (void)state;
    meet_state_t st = {
        .mu = PTHREAD_MUTEX_INITIALIZER, .cv = PTHREAD_COND_INITIALIZER, .wait_s = 5};
    char err[256];
    applier_pool_t *p = applier_pool_new(3, 8, meet_run, &st, err, sizeof(err));
    assert_non_null(p);
    int dummy[3];
    for (int i = 0; i < 3; i++)
        assert_int_equal(applier_pool_submit(p, (uint64_t)i, &dummy[i]), 0);
    for (int i = 0; i < 500 && locked_int(&st.mu, &st.met) < 3; i++)
        sleep_us(10000);
    applier_pool_stop(p, NULL);
    applier_pool_free(p);
    assert_int_equal(st.met, 3);
}

/* Three items of ONE key with three threads never meet: they run one after the other. */
static void test_same_key_serial(void **state)
{
    (void)state;
    meet_state_t st = {
        .mu = PTHREAD_MUTEX_INITIALIZER, .cv = PTHREAD_COND_INITIALIZER, .wait_s = 1};
    char err[256];
    applier_pool_t *p = applier_pool_new(3, 8, meet_run, &st, err, sizeof(err));
    assert_non_null(p);
    int dummy[3];
    for (int i = 0; i < 3; i++)
        assert_int_equal(applier_pool_submit(p, 7, &dummy[i]), 0);
    sleep_us(300000); /* the first waits for the others, which cannot start */
    pthread_mutex_lock(&st.mu);
    assert_int_equal(st.arrived, 1);
    pthread_mutex_unlock(&st.mu);
    applier_pool_stop(p, NULL); /* the first times out (1 s), the other two are abandoned */
    applier_pool_free(p);
    assert_int_equal(st.arrived, 1);
    assert_int_equal(st.met, 0);
}

/* ---- bounded queue and stop ---- */

typedef struct {
    pthread_mutex_t mu;
    pthread_cond_t cv;
    bool gate_open;
    int ran[8], nran, abandoned[8], nabandoned;
} gate_state_t;

static void gate_run(void *item, void *ctx)
{
    gate_state_t *st = ctx;
    pthread_mutex_lock(&st->mu);
    while (!st->gate_open)
        pthread_cond_wait(&st->cv, &st->mu);
    st->ran[st->nran++] = *(int *)item;
    pthread_mutex_unlock(&st->mu);
}

static void gate_abandon(void *item, void *ctx)
{
    gate_state_t *st = ctx;
    st->abandoned[st->nabandoned++] = *(int *)item;
}

typedef struct {
    applier_pool_t *p;
    int *item;
    int rc;
    bool done;
} submitter_t;

static void *submit_main(void *arg)
{
    submitter_t *s = arg;
    s->rc = applier_pool_submit(s->p, 1, s->item);
    __atomic_store_n(&s->done, true, __ATOMIC_SEQ_CST);
    return NULL;
}

typedef struct {
    applier_pool_t *p;
    gate_state_t *st;
    int abandoned;
} stopper_t;

static void *stop_main(void *arg)
{
    stopper_t *s = arg;
    s->abandoned = applier_pool_stop(s->p, gate_abandon);
    return NULL;
}

static void test_bounded_and_stop(void **state)
{
    (void)state;
    gate_state_t st = {.mu = PTHREAD_MUTEX_INITIALIZER, .cv = PTHREAD_COND_INITIALIZER};
    char err[256];
    applier_pool_t *p = applier_pool_new(1, 2, gate_run, &st, err, sizeof(err));
    assert_non_null(p);
    int ids[4] = {1, 2, 3, 4};
    assert_int_equal(applier_pool_submit(p, 1, &ids[0]), 0);
    sleep_us(50000); /* the worker takes 1 and waits at the gate */
    assert_int_equal(applier_pool_submit(p, 1, &ids[1]), 0);
    assert_int_equal(applier_pool_submit(p, 1, &ids[2]), 0); /* the queue is full now */
    submitter_t sub = {.p = p, .item = &ids[3]};
    pthread_t t_sub, t_stop;
    assert_int_equal(pthread_create(&t_sub, NULL, submit_main, &sub), 0);
    sleep_us(100000);
    assert_false(__atomic_load_n(&sub.done, __ATOMIC_SEQ_CST)); /* waits for room */
    stopper_t stop = {.p = p, .st = &st};
    assert_int_equal(pthread_create(&t_stop, NULL, stop_main, &stop), 0);
    pthread_join(t_sub, NULL);
    assert_int_equal(sub.rc, -1); /* refused by the stop */
    pthread_mutex_lock(&st.mu);
    st.gate_open = true;
    pthread_cond_broadcast(&st.cv);
    pthread_mutex_unlock(&st.mu);
    pthread_join(t_stop, NULL);
    applier_pool_free(p);
    assert_int_equal(st.nran, 1);
    assert_int_equal(st.ran[0], 1); /* the running item finished */
    assert_int_equal(stop.abandoned, 2);
    assert_int_equal(st.abandoned[0], 2); /* the queued ones handed back in order */
    assert_int_equal(st.abandoned[1], 3);
}

static void test_bad_sizes(void **state)
{
    (void)state;
    char err[256] = "";
    assert_null(applier_pool_new(0, 4, gate_run, NULL, err, sizeof(err)));
    assert_non_null(strstr(err, "threads"));
    assert_null(applier_pool_new(2, 0, gate_run, NULL, err, sizeof(err)));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_one_key_in_order), cmocka_unit_test(test_keys_concurrent),
        cmocka_unit_test(test_same_key_serial),  cmocka_unit_test(test_bounded_and_stop),
        cmocka_unit_test(test_bad_sizes),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
