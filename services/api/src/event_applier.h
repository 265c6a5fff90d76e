/* The api's event applier: consumes the events the other services publish (posting job
 * progress, the monitor's inbox events, the responder's drafts) and applies each
 * through a domain command, at least once and idempotently (processed_events in the same
 * transaction). */
#ifndef API_EVENT_APPLIER_H
#define API_EVENT_APPLIER_H

#include <stddef.h>

#include "common/kafka.h"

struct app;

/* Creates app->consumer (group KAFKA_GROUP_ID, poison messages to bb.dlq through
 * app->dlq_producer) and starts its thread, which runs until app->workers_stop is set.
 * Returns 0 or -1 (errstr). */
int event_applier_start(struct app *app, char *errstr, size_t errstr_size)
    __attribute__((warn_unused_result));

/* Joins the consumer thread (it commits stored offsets and closes the consumer) and frees
 * app->consumer. Accepts a consumer that never started. */
void event_applier_join(struct app *app);

/* The Kafka handler, exposed for tests: decodes the envelope, finds (topic, type) in the
 * dispatch table and runs its command in one transaction with the processed_events row.
 * ctx is the struct app *. Returns HANDLE_OK (applied or already applied), HANDLE_DROP
 * (malformed, unknown type, unknown job: errstr says why) or HANDLE_RETRY (database
 * unavailable). */
handle_result_t event_applier_handle(const kafka_message_t *msg, void *ctx, char *errstr,
                                     size_t errstr_size);

#endif
