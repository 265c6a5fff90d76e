/* One reply at a time per conversation: a keyed FIFO that lets many conversations be drafted
 * at once while the requests of one conversation run in their Kafka order, so a later draft
 * never overtakes an earlier one for the same buyer. */
#ifndef RESPONDER_CONVQ_H
#define RESPONDER_CONVQ_H

#include <stdbool.h>
#include <stddef.h>

typedef struct convq convq_t;

/* Creates an empty queue. Caller frees with convq_free. */
convq_t *convq_new(void);

/* Frees the queue; items still queued are passed to free_item (may be NULL). Accepts NULL. */
void convq_free(convq_t *q, void (*free_item)(void *item));

/* Enters an item for key. Returns true when the key was idle: it is now busy and the caller
 * runs the item at once. Returns false when an item of the key is running: this one is
 * queued (owned by the queue until convq_leave returns it). Thread-safe. */
bool convq_enter(convq_t *q, const char *key, void *item);

/* The running item of key is done. Returns the next queued item of key (the key stays busy:
 * the caller runs it and calls convq_leave again later), or NULL when none is waiting (the
 * key is idle again). Thread-safe. */
void *convq_leave(convq_t *q, const char *key);

/* Keys busy right now (for tests and logs). Thread-safe. */
size_t convq_busy(convq_t *q);

#endif
