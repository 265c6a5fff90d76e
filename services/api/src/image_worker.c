/* The image worker pool (see image_worker.h): a FIFO of tasks under one mutex; each batch
 * counts its unfinished tasks and wakes its caller when the count reaches zero. */
#include "image_worker.h"

#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include "common/xmalloc.h"

typedef struct batch {
    size_t remaining; /* tasks not finished, under the pool's lock */
    pthread_cond_t done;
} batch_t;

typedef struct task {
    struct task *next;
    void (*fn)(void *arg);
    void *arg;
    batch_t *batch; /* NULL for a posted task: the task is freed after it ran */
} task_t;

struct image_pool {
    image_pool_options_t opts;
    pthread_mutex_t lock;
    pthread_cond_t work; /* a task was queued, or stop */
    task_t *head, *tail;
    size_t queued; /* tasks in the queue */
    int busy;      /* tasks running */
    bool dirty;    /* work was done since on_idle last ran */
    bool stop;
    pthread_t *threads;
    int nthreads;
};

static void deadline_in(struct timespec *ts, int ms)
{
    clock_gettime(CLOCK_MONOTONIC, ts);
    ts->tv_sec += ms / 1000;
    ts->tv_nsec += (long)(ms % 1000) * 1000000L;
    if (ts->tv_nsec >= 1000000000L) {
        ts->tv_sec++;
        ts->tv_nsec -= 1000000000L;
    }
}

/* Waits (lock held) until a task is queued or stop. When the pool goes quiet after work,
 * the first worker to wait out idle_ms runs on_idle, outside the lock. */
static void wait_for_work(image_pool_t *p)
{
    while (!p->head && !p->stop) {
        if (!p->dirty || p->busy > 0 || !p->opts.on_idle) {
            pthread_cond_wait(&p->work, &p->lock);
            continue;
        }
        struct timespec until;
        deadline_in(&until, p->opts.idle_ms);
        int rc = 0;
        while (!p->head && !p->stop && p->dirty && p->busy == 0 && rc != ETIMEDOUT)
            rc = pthread_cond_timedwait(&p->work, &p->lock, &until);
        if (rc == ETIMEDOUT && !p->head && !p->stop && p->dirty && p->busy == 0) {
            p->dirty = false;
            pthread_mutex_unlock(&p->lock);
            p->opts.on_idle();
            pthread_mutex_lock(&p->lock);
        }
    }
}

static void *worker_main(void *arg)
{
    image_pool_t *p = arg;
    /* Linux applies a nice value to the calling thread only; best effort. */
    if (p->opts.nice > 0)
        (void)setpriority(PRIO_PROCESS, (id_t)gettid(), p->opts.nice);
    pthread_mutex_lock(&p->lock);
    for (;;) {
        wait_for_work(p);
        if (!p->head)
            break; /* stop, and the queue is drained */
        task_t *t = p->head;
        p->head = t->next;
        if (!p->head)
            p->tail = NULL;
        p->queued--;
        if (p->stop && !t->batch) {
            free(t->arg); /* posted work is dropped at shutdown */
            free(t);
            continue;
        }
        p->busy++;
        pthread_mutex_unlock(&p->lock);

        t->fn(t->arg);
        if (p->opts.after_task)
            p->opts.after_task();

        pthread_mutex_lock(&p->lock);
        p->busy--;
        p->dirty = true;
        if (!t->batch)
            free(t);
        else if (--t->batch->remaining == 0)
            pthread_cond_signal(&t->batch->done);
    }
    pthread_mutex_unlock(&p->lock);
    return NULL;
}

static int start_threads(image_pool_t *p, char *errstr, size_t errstr_size)
{
    pthread_attr_t attr;
    pthread_attr_init(&attr);
    if (p->opts.stack_bytes > 0)
        pthread_attr_setstacksize(&attr, p->opts.stack_bytes);
    int err = 0;
    for (int i = 0; i < p->opts.workers && err == 0; i++) {
        err = pthread_create(&p->threads[i], &attr, worker_main, p);
        if (err == 0)
            p->nthreads++;
    }
    pthread_attr_destroy(&attr);
    if (err != 0) {
        snprintf(errstr, errstr_size, "starting an image worker: %s", strerror(err));
        return -1;
    }
    return 0;
}

image_pool_t *image_pool_new(const image_pool_options_t *opts, char *errstr, size_t errstr_size)
{
    image_pool_t *p = xcalloc(1, sizeof(*p));
    p->opts = *opts;
    if (p->opts.workers < 1)
        p->opts.workers = 1;
    pthread_mutex_init(&p->lock, NULL);
    pthread_condattr_t ca;
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC); /* the idle wait ignores clock steps */
    pthread_cond_init(&p->work, &ca);
    pthread_condattr_destroy(&ca);
    p->threads = xcalloc((size_t)p->opts.workers, sizeof(*p->threads));
    if (start_threads(p, errstr, errstr_size) != 0) {
        image_pool_free(p);
        return NULL;
    }
    return p;
}

/* Appends t to the queue; lock held. */
static void enqueue(image_pool_t *p, task_t *t)
{
    t->next = NULL;
    if (p->tail)
        p->tail->next = t;
    else
        p->head = t;
    p->tail = t;
    p->queued++;
}

int image_pool_post(image_pool_t *p, void (*fn)(void *arg), void *arg)
{
    task_t *t = xcalloc(1, sizeof(*t));
    t->fn = fn;
    t->arg = arg;
    pthread_mutex_lock(&p->lock);
    if (p->stop || p->queued >= p->opts.max_posted) {
        pthread_mutex_unlock(&p->lock);
        free(t);
        return -1;
    }
    enqueue(p, t);
    pthread_cond_signal(&p->work);
    pthread_mutex_unlock(&p->lock);
    return 0;
}

void image_pool_run(image_pool_t *p, void (*fn)(void *arg), void *const *args, size_t n)
{
    if (n == 0)
        return;
    batch_t batch = {.remaining = n};
    pthread_cond_init(&batch.done, NULL);
    task_t *tasks = xcalloc(n, sizeof(*tasks));
    pthread_mutex_lock(&p->lock);
    for (size_t i = 0; i < n; i++) {
        tasks[i] = (task_t){.fn = fn, .arg = args[i], .batch = &batch};
        enqueue(p, &tasks[i]);
    }
    pthread_cond_broadcast(&p->work);
    while (batch.remaining > 0)
        pthread_cond_wait(&batch.done, &p->lock);
    pthread_mutex_unlock(&p->lock);
    pthread_cond_destroy(&batch.done);
    free(tasks);
}

void image_pool_free(image_pool_t *p)
{
    if (!p)
        return;
    pthread_mutex_lock(&p->lock);
    p->stop = true;
    pthread_cond_broadcast(&p->work);
    pthread_mutex_unlock(&p->lock);
    for (int i = 0; i < p->nthreads; i++)
        pthread_join(p->threads[i], NULL);
    pthread_cond_destroy(&p->work);
    pthread_mutex_destroy(&p->lock);
    free(p->threads);
    free(p);
}
