/* A bounded pool of image worker threads. Image work (libvips, the JPEG stripper, hashing)
 * runs here instead of on civetweb's request threads: their stacks are small (libvips on
 * one corrupted it), and a fixed number of workers bounds the CPU and memory that uploads
 * take however many arrive at once, so the request threads that serve reads stay free.
 * A request hands over its images as one batch and waits for that batch only.
 *
 * When the pool has been idle for idle_ms after some work, on_idle runs once on one worker:
 * the api returns the memory of a burst to the system there (malloc_trim). */
#ifndef API_IMAGE_WORKER_H
#define API_IMAGE_WORKER_H

#include <stddef.h>

typedef struct image_pool image_pool_t;

typedef struct {
    int workers;              /* threads, >= 1 */
    size_t stack_bytes;       /* of each thread; 0 for the system default */
    int idle_ms;              /* quiet time before on_idle */
    void (*on_idle)(void);    /* may be NULL */
    void (*after_task)(void); /* after each task on the worker (libvips' per-thread
                               * buffers); may be NULL */
    int nice;                 /* the workers' nice value (0: as the process; a positive
                               * value yields the CPU to everything else) */
    size_t max_posted;        /* image_pool_post refuses beyond this many queued tasks */
} image_pool_options_t;

/* Starts the threads. Returns NULL with errstr set when a thread cannot be started. */
image_pool_t *image_pool_new(const image_pool_options_t *opts, char *errstr, size_t errstr_size);

/* Runs fn(args[i]) for i in 0..n-1 on the pool's threads and returns when all of them have
 * finished. Tasks of concurrent callers are served in arrival order. Thread-safe; must not
 * be called from a task. */
void image_pool_run(image_pool_t *pool, void (*fn)(void *arg), void *const *args, size_t n);

/* Queues fn(arg) without waiting for it (work that may lag behind, e.g. thumbnails after
 * the commit). The task owns arg; at shutdown tasks not yet started are dropped and their
 * arg freed with free(). Returns 0, or -1 when max_posted tasks are already queued (the
 * caller keeps arg, and drops the work or does it some other way). Thread-safe. */
int image_pool_post(image_pool_t *pool, void (*fn)(void *arg), void *arg);

/* Finishes the tasks of waiting callers, drops posted ones not yet started, stops and joins
 * the threads. Accepts NULL. */
void image_pool_free(image_pool_t *pool);

#endif
