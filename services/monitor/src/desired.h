/* The desired state of the accounts of this instance's partitions, rebuilt from
 * bb.monitor.desired (compacted: the last record per account wins, a tombstone removes the
 * account). On assignment of partition p, main.c reads partition p of the topic from its
 * beginning to its end offset into this map and starts the accounts whose desired state is
 * running. Thread-safe. */
#ifndef MONITOR_DESIRED_H
#define MONITOR_DESIRED_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/event.h"

typedef struct desired_map desired_map_t;

desired_map_t *desired_map_new(void);
void desired_map_free(desired_map_t *m);

/* Applies one record of partition p: key = account id, payload = a monitor.desired
 * CloudEvent, or NULL/len 0 for a tombstone. Returns 0, or -1 with errstr for a record that
 * cannot be used (it is then ignored: the previous state of that account stays). */
int desired_apply(desired_map_t *m, int32_t partition, const char *key, const void *payload,
                  size_t len, char *errstr, size_t errstr_size);

/* Forgets every account of partition p (before re-reading it, or when it is revoked). */
void desired_forget_partition(desired_map_t *m, int32_t partition);

/* A deep copy of the account's desired state into *out (free with monitor_desired_free) and
 * its partition. Returns false when the map has no record for it. */
bool desired_get(desired_map_t *m, int64_t account_id, monitor_desired_t *out, int32_t *partition);

/* The accounts of partition p whose desired state is running, into a new array (caller
 * frees; NULL when none). Returns how many. */
size_t desired_running(desired_map_t *m, int32_t partition, int64_t **ids);

/* Reads partitions of bb.monitor.desired (each from its beginning to its end offset, over
 * one connection) into the map, replacing what it held for them. Returns the number of
 * records read, or -1 with errstr (the map then keeps nothing for them). */
int64_t desired_load_partitions(desired_map_t *m, const char *bootstrap, const char *client_id,
                                const int32_t *partitions, size_t n, int timeout_ms, char *errstr,
                                size_t errstr_size);

#endif
