/* A fixed pool of worker threads fed by a bounded FIFO queue, where items carry a key and
 * items of one key run one at a time, in the order they were submitted, while items of
 * different keys run concurrently. The event applier (event_applier.c) keys Kafka messages by
 * topic and partition, so a partition's events (and with them each key's, since keys map to
 * partitions) are applied in order while partitions proceed in parallel. */
#ifndef API_APPLIER_POOL_H
#define API_APPLIER_POOL_H

#include <stddef.h>
#include <stdint.h>

typedef struct applier_pool applier_pool_t;

/* Runs one item on a worker thread. */
typedef void (*applier_pool_fn)(void *item, void *ctx);

/* Starts `threads` workers calling run(item, ctx); at most `capacity` items wait in the
 * queue. Returns NULL with errstr (bad sizes, thread creation failed). */
applier_pool_t *applier_pool_new(int threads, int capacity, applier_pool_fn run, void *ctx,
                                 char *errstr, size_t errstr_size);

/* Queues item under key, blocking while the queue is full. Returns 0, or -1 once
 * applier_pool_stop was called (the item was not queued). Thread-safe. */
int applier_pool_submit(applier_pool_t *p, uint64_t key, void *item);

/* Stops: submitters are refused, each worker finishes the item it is running and exits, and
 * the items still queued are handed to abandon(item, ctx) (may be NULL) on the calling thread,
 * in queue order. Returns the number of abandoned items. Call once. */
int applier_pool_stop(applier_pool_t *p, applier_pool_fn abandon);

/* Frees a stopped pool (stops it first if needed, abandoning silently). Accepts NULL. */
void applier_pool_free(applier_pool_t *p);

#endif
