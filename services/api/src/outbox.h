/* Transactional outbox: api writes enqueue their events in the same transaction as the
 * change; the relay thread publishes them to Kafka and marks each row only on its delivery
 * report. No dual writes: a crash between commit and publish only delays the event. */
#ifndef API_OUTBOX_H
#define API_OUTBOX_H

#include <stddef.h>
#include <stdint.h>

#include <cjson/cJSON.h>
#include <libpq-fe.h>

#include "common/util.h"

struct app;

/* Builds the CloudEvents envelope (source "byebuy/api", a fresh UUID as id) around data
 * (consumed, even on failure) and inserts it into outbox on pg, which must be inside the
 * caller's transaction: the event exists iff the caller commits. The insert trigger
 * NOTIFYs the relay at commit. event_id (may be NULL) receives the id. Returns 0 or -1
 * (errstr). Thread-safe as long as pg is the caller's own connection. */
int outbox_enqueue(PGconn *pg, const char *topic, const char *key, const char *type,
                   const char *subject, cJSON *data, char event_id[UUID_STR_LEN], char *errstr,
                   size_t errstr_size) __attribute__((warn_unused_result));

/* The same with a "not before" time: the relay publishes the row once not_before_us (unix
 * microseconds; 0 or a time in the past: at once) has come, waking up for it (not polling).
 * A scheduled job's request event is enqueued this way with its slot's time
 * (domain/job_schedule.h): the row waits in PostgreSQL, so a restart loses nothing.
 * Rows of one key keep their order among the rows that are due. */
int outbox_enqueue_at(PGconn *pg, int64_t not_before_us, const char *topic, const char *key,
                      const char *type, const char *subject, cJSON *data,
                      char event_id[UUID_STR_LEN], char *errstr, size_t errstr_size)
    __attribute__((warn_unused_result));

/* The producer's delivery callback (kafka_producer_new's on_delivery, ctx = struct app *):
 * records the result of one outbox message. Runs on the producer's poll thread. */
void outbox_on_delivery(void *msg_opaque, int err, const char *errstr, void *ctx);

/* Creates the relay state (app->relay). Call before creating app->producer. Returns 0. */
int outbox_relay_init(struct app *app);

/* Starts the relay thread: its own connection (LISTEN outbox), wakes on NOTIFY, when the
 * next scheduled row falls due, or every second, claims batches with FOR UPDATE SKIP LOCKED,
 * publishes through app->producer, marks rows on delivery reports and retries failures with capped
 * exponential backoff. Returns 0 or -1 (errstr). */
int outbox_relay_start(struct app *app, char *errstr, size_t errstr_size)
    __attribute__((warn_unused_result));

/* Waits for the relay thread to end after app->workers_stop was set (it finishes or rolls
 * back its batch within ~3 s). Accepts a relay that never started. */
void outbox_relay_join(struct app *app);

/* Frees the relay state. Call after kafka_producer_free(app->producer): late delivery
 * reports still write into it. Accepts NULL state. */
void outbox_relay_free(struct app *app);

#endif
