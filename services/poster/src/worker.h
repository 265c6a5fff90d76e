/* The posting worker: the Kafka handler of bb.posting.requests and the pool of threads that
 * run the jobs (posting.requested, delisting.requested, update.requested: driver.h's ops).
 * Each job publishes posting.started, posting.log per step, then its op's succeeded or
 * failed event (posting.*, delisting.*, update.*; each delivered before the next), and only
 * then completes its Kafka message so the offset is stored. */
#ifndef POSTER_WORKER_H
#define POSTER_WORKER_H

#include <signal.h>
#include <stdint.h>

#include "common/kafka.h"
#include "driver.h"

typedef struct {
    const driver_registry_t *drivers;
    const driver_env_t *env;
    kafka_producer_t *producer;
    int64_t job_timeout_ms;
    const volatile sig_atomic_t *stop; /* shutdown: running jobs abort, queued ones go back */
} worker_deps_t;

typedef struct worker_pool worker_pool_t;

/* Starts nthreads job threads. deps (and what it points to) must outlive the pool. Returns
 * NULL with errstr. Caller frees with worker_pool_free. */
worker_pool_t *worker_pool_new(int nthreads, const worker_deps_t *deps, char *errstr,
                               size_t errstr_size);

/* The consumer whose messages the pool completes; set before kafka_consumer_run. */
void worker_pool_set_consumer(worker_pool_t *p, kafka_consumer_t *c);

/* kafka_handler_fn for bb.posting.requests (ctx: the pool). A request is queued for a job
 * thread (HANDLE_DEFERRED); an undecodable or unknown message is dropped to bb.dlq. A
 * platform whose driver cannot do the op is answered with its failed event (not_supported),
 * so the api can tell the seller to do it by hand. Runs on the consumer thread. */
handle_result_t worker_on_message(const kafka_message_t *msg, void *ctx, char *errstr,
                                  size_t errstr_size);

/* Number of jobs queued or running (for logs). Thread-safe. */
int worker_pool_busy(worker_pool_t *p);

/* Stops the threads after their current job (which aborts at its next step when deps->stop
 * is set), hands jobs that never started back to Kafka (RETRY: not stored, redelivered) and
 * frees the pool. Call after kafka_consumer_run returned, before kafka_consumer_free.
 * Accepts NULL. */
void worker_pool_free(worker_pool_t *p);

#endif
