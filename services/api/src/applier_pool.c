/* The keyed worker pool (see applier_pool.h). The queue is a small array kept in submission
 * order; a worker takes the first item whose key no other worker is running, so a key's
 * items leave the queue in order and never overlap. Sizes are tens (threads) to hundreds
 * (queue), so the linear scans cost less than the locking around them. */
#include "applier_pool.h"

#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/xmalloc.h"

typedef struct {
    uint64_t key;
    void *item;
} slot_t;

typedef struct {
    struct applier_pool *pool;
    pthread_t thread;
    bool started;
    bool busy; /* running an item of `key` */
    uint64_t key;
} worker_t;

struct applier_pool {
    pthread_mutex_t mu;
    pthread_cond_t work;     /* an item was queued, a key became free, or stop */
    pthread_cond_t not_full; /* a slot was freed, or stop */
    slot_t *queue;
    int len, capacity;
    worker_t *workers;
    int nworkers;
    bool stopping, stopped;
    applier_pool_fn run;
    void *ctx;
};

static bool key_running(const applier_pool_t *p, uint64_t key)
{
    for (int i = 0; i < p->nworkers; i++)
        if (p->workers[i].busy && p->workers[i].key == key)
            return true;
    return false;
}

/* The index of the first queued item whose key is free, or -1. Caller holds mu. */
static int pick(const applier_pool_t *p)
{
    for (int i = 0; i < p->len; i++)
        if (!key_running(p, p->queue[i].key))
            return i;
    return -1;
}

static void *worker_main(void *arg)
{
    worker_t *w = arg;
    applier_pool_t *p = w->pool;
    pthread_mutex_lock(&p->mu);
    for (;;) {
        int i;
        while (!p->stopping && (i = pick(p)) < 0)
            pthread_cond_wait(&p->work, &p->mu);
        if (p->stopping)
            break;
        slot_t s = p->queue[i];
        memmove(&p->queue[i], &p->queue[i + 1], (size_t)(p->len - i - 1) * sizeof(slot_t));
        p->len--;
        w->busy = true;
        w->key = s.key;
        pthread_cond_signal(&p->not_full);
        pthread_mutex_unlock(&p->mu);
        p->run(s.item, p->ctx);
        pthread_mutex_lock(&p->mu);
        w->busy = false;
        /* the key's next item may be waiting behind it: any idle worker can take it */
        pthread_cond_broadcast(&p->work);
    }
    pthread_mutex_unlock(&p->mu);
    return NULL;
}

applier_pool_t *applier_pool_new(int threads, int capacity, applier_pool_fn run, void *ctx,
                                 char *errstr, size_t errstr_size)
{
    if (threads < 1 || capacity < 1 || !run) {
        snprintf(errstr, errstr_size,
                 "applier pool: need threads >= 1 and capacity >= 1 (got %d, %d)", threads,
                 capacity);
        return NULL;
    }
    applier_pool_t *p = xcalloc(1, sizeof(*p));
    pthread_mutex_init(&p->mu, NULL);
    pthread_cond_init(&p->work, NULL);
    pthread_cond_init(&p->not_full, NULL);
    p->queue = xcalloc((size_t)capacity, sizeof(slot_t));
    p->capacity = capacity;
    p->workers = xcalloc((size_t)threads, sizeof(worker_t));
    p->nworkers = threads;
    p->run = run;
    p->ctx = ctx;
    for (int i = 0; i < threads; i++) {
        p->workers[i].pool = p;
        int err = pthread_create(&p->workers[i].thread, NULL, worker_main, &p->workers[i]);
        if (err != 0) {
            snprintf(errstr, errstr_size, "applier pool: worker thread %d: %s", i, strerror(err));
            applier_pool_free(p);
            return NULL;
        }
        p->workers[i].started = true;
    }
    return p;
}

int applier_pool_submit(applier_pool_t *p, uint64_t key, void *item)
{
    pthread_mutex_lock(&p->mu);
    while (!p->stopping && p->len == p->capacity)
        pthread_cond_wait(&p->not_full, &p->mu);
    if (p->stopping) {
        pthread_mutex_unlock(&p->mu);
        return -1;
    }
    p->queue[p->len++] = (slot_t){.key = key, .item = item};
    pthread_cond_signal(&p->work);
    pthread_mutex_unlock(&p->mu);
    return 0;
}

int applier_pool_stop(applier_pool_t *p, applier_pool_fn abandon)
{
    pthread_mutex_lock(&p->mu);
    p->stopping = true;
    pthread_cond_broadcast(&p->work);
    pthread_cond_broadcast(&p->not_full);
    pthread_mutex_unlock(&p->mu);
    for (int i = 0; i < p->nworkers; i++)
        if (p->workers[i].started) {
            pthread_join(p->workers[i].thread, NULL);
            p->workers[i].started = false;
        }
    /* the workers are gone: the queue is ours */
    int n = p->len;
    for (int i = 0; i < n; i++)
        if (abandon)
            abandon(p->queue[i].item, p->ctx);
    p->len = 0;
    p->stopped = true;
    return n;
}

void applier_pool_free(applier_pool_t *p)
{
    if (!p)
        return;
    if (!p->stopped)
        applier_pool_stop(p, NULL);
    pthread_cond_destroy(&p->work);
    pthread_cond_destroy(&p->not_full);
    pthread_mutex_destroy(&p->mu);
    free(p->queue);
    free(p->workers);
    free(p);
}
