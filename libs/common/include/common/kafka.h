/* Kafka wrappers over librdkafka: an idempotent producer that trusts only delivery reports,
 * an at-least-once consumer (offsets stored only after the handler's effect is durable,
 * poison messages to bb.dlq), and topic creation. KAFKA_* environment variables pass through
 * to librdkafka (KAFKA_SOCKET_TIMEOUT_MS -> socket.timeout.ms) for producers, consumers and
 * the admin client; an unknown property or bad value is an error naming the variable.
 * KAFKA_BOOTSTRAP_SERVERS, KAFKA_CLIENT_ID and KAFKA_GROUP_ID are not passed through (the services
 * read them into their config and hand them over as arguments), and the settings the guarantees
 * rest on (enable.idempotence=true, enable.auto.offset.store=false) cannot be overridden. */
#ifndef COMMON_KAFKA_H
#define COMMON_KAFKA_H

#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/log.h"

typedef struct kafka_producer kafka_producer_t;
typedef struct kafka_consumer kafka_consumer_t;

/* True once any client of this process hit a librdkafka fatal error (then the process has been
 * sent SIGTERM, and service_end exits 1). */
bool kafka_fatal_seen(void);

/* ---- producer ---------------------------------------------------------------------- */

/* Called from the producer's poll thread once per message with its delivery result
 * (err 0 = written with acks=all). msg_opaque is what kafka_produce was given. */
typedef void (*kafka_delivery_fn)(void *msg_opaque, int err, const char *errstr, void *ctx);

/* Creates an idempotent producer (enable.idempotence, acks=all) with its own poll thread.
 * client_id names the service. on_delivery may be NULL. Caller frees with
 * kafka_producer_free. Returns NULL with errstr. */
kafka_producer_t *kafka_producer_new(const char *bootstrap, const char *client_id,
                                     kafka_delivery_fn on_delivery, void *ctx, char *errstr,
                                     size_t errstr_size);

/* Enqueues one message (key and payload are copied). The delivery callback reports the
 * outcome. Returns 0, or -1 when it could not even be enqueued (errstr). Thread-safe. */
int kafka_produce(kafka_producer_t *p, const char *topic, const char *key, const void *payload,
                  size_t len, void *msg_opaque, char *errstr, size_t errstr_size)
    __attribute__((warn_unused_result));

/* Produces and waits for the delivery report (at most timeout_ms). Returns 0 only when the
 * broker acknowledged the write. Thread-safe; does not call the on_delivery callback. */
int kafka_produce_sync(kafka_producer_t *p, const char *topic, const char *key, const void *payload,
                       size_t len, int timeout_ms, char *errstr, size_t errstr_size)
    __attribute__((warn_unused_result));

/* Waits until every enqueued message has a delivery report. Returns 0 or -1 on timeout. */
int kafka_producer_flush(kafka_producer_t *p, int timeout_ms);

/* Flushes (up to 5 s), stops the poll thread and destroys. Accepts NULL. */
void kafka_producer_free(kafka_producer_t *p);

/* Metadata round trip to the cluster, for /readyz. Returns 0 when a broker answered. */
int kafka_producer_ping(kafka_producer_t *p, int timeout_ms, char *errstr, size_t errstr_size);

/* kafka_producer_ping shaped as a /readyz probe (service_probe_fn): ctx is the
 * kafka_producer_t *. Writes "ok" or the reason into detail. Thread-safe. */
bool kafka_probe(void *producer, char *detail, size_t detail_size);

/* ---- consumer ---------------------------------------------------------------------- */

typedef enum {
    HANDLE_OK,       /* effect is durable: store the offset */
    HANDLE_RETRY,    /* transient failure: retry the same message after a capped backoff */
    HANDLE_DROP,     /* poison: publish to bb.dlq with errstr as reason, then store the offset */
    HANDLE_DEFERRED, /* the handler took the message; it calls kafka_consumer_complete later */
} handle_result_t;

typedef struct {
    const char *topic;
    int32_t partition;
    int64_t offset;
    const char *key; /* NUL-terminated copy, "" when absent */
    size_t key_len;
    const void *payload;
    size_t len;
    int64_t timestamp_ms;
    void *token; /* for HANDLE_DEFERRED: pass to kafka_consumer_complete */
} kafka_message_t;

/* Writes "<topic> [<partition>]@<offset> key=<key>" (the key shortened, control characters
 * replaced) into buf: the context of LOG_MSG. */
void kafka_message_context(const kafka_message_t *msg, char *buf, size_t size);

/* Logs one line about a consumed message, prefixed with its context, e.g.
 *   LOG_MSG(msg, WARN, "not a CloudEvent: %s", err);
 *   -> "... WARN  api bb.posting.events [2]@17 key=42: not a CloudEvent: ..." */
#define LOG_MSG(msg, level, ...)                                                                   \
    do {                                                                                           \
        if (log_enabled(LOG_LEVEL_##level)) {                                                      \
            char log_msg_ctx_[192];                                                                \
            kafka_message_context((msg), log_msg_ctx_, sizeof(log_msg_ctx_));                      \
            log_write_ctx(LOG_LEVEL_##level, log_msg_ctx_, __VA_ARGS__);                           \
        }                                                                                          \
    } while (0)

/* Handles one message. The message and its buffers are valid until the handler returns, or,
 * for HANDLE_DEFERRED, until kafka_consumer_complete. On DROP/RETRY write the reason into
 * errstr. */
typedef handle_result_t (*kafka_handler_fn)(const kafka_message_t *msg, void *ctx, char *errstr,
                                            size_t errstr_size);

/* Called on the poll thread with the partitions of one topic assigned to this member
 * (lost = false) or taken from it (revoked after the revoke drain, or lost when the session
 * expired), once per topic and rebalance, before the rebalance completes: what is set up or
 * torn down here is in place before any message of those partitions is dispatched, and gone
 * before another member receives them. */
typedef void (*kafka_partitions_fn)(const char *topic, const int32_t *partitions, size_t n,
                                    bool lost, void *ctx);

typedef struct {
    const char *bootstrap;
    const char *group_id;
    const char *client_id;
    const char *const *topics; /* NULL-terminated */
    kafka_handler_fn handler;
    void *ctx;
    kafka_producer_t *dlq_producer; /* required: where poison messages go */
    /* Deferred messages in flight per partition; further messages of the partition wait in
     * its backlog until one completes (1 = one job at a time per partition, as the poster;
     * 0 means 1). A message waiting for a RETRY holds back the rest of its partition too.
     * Offsets are stored in order: a partition's stored offset only passes a message once it
     * and all before it completed. */
    int max_in_flight_per_partition;
    int poll_timeout_ms; /* 0 -> 100 */
    /* Messages fetched but not yet dispatched (waiting behind the in-flight limit or a retry)
     * kept per partition before the partition is paused; it resumes when half of them were
     * dispatched (0 -> 64). Pausing at every in-flight limit instead would delay the next
     * message by up to 1 s: librdkafka 2.0.2's broker thread picks up a resumed partition
     * only on its idle tick. */
    int max_queued_per_partition;
    /* When partitions are revoked (another member joins), wait up to this long for their
     * deferred messages to complete before handing them over, starting nothing new on them,
     * so the new owner does not redo work still running here. 0: hand over at once (the
     * deferred messages' completions become no-ops and the new owner redelivers them). The
     * poll loop is blocked meanwhile, so keep it below max.poll.interval.ms (300 s). */
    int revoke_drain_timeout_ms;
    /* Optional (NULL: none), see kafka_partitions_fn; the byebuy-monitor owns the accounts
     * of its partitions through them. */
    kafka_partitions_fn on_assigned, on_revoked;
    void *rebalance_ctx;
} kafka_consumer_config_t;

/* Creates a consumer in a group (cooperative-sticky, enable.auto.offset.store=false,
 * auto commit of stored offsets, auto.offset.reset=earliest, fetch.wait.max.ms=10). On a
 * revoke, stored offsets are committed and the deferred messages of the revoked partitions
 * are forgotten (their kafka_consumer_complete becomes a no-op; the new owner redelivers).
 * RETRY backs off 100 ms, doubling to 5 s. Returns NULL with errstr. Caller frees with
 * kafka_consumer_free. */
kafka_consumer_t *kafka_consumer_new(const kafka_consumer_config_t *cfg, char *errstr,
                                     size_t errstr_size);

/* Polls and dispatches until *stop is set, then waits (at most drain_timeout_ms) for
 * deferred messages, commits stored offsets and closes the consumer. Returns 0 or -1.
 * Runs on the calling thread; the handler runs on it too. */
int kafka_consumer_run(kafka_consumer_t *c, const volatile sig_atomic_t *stop,
                       int drain_timeout_ms);

/* Completes a deferred message: result OK stores its offset (in order), DROP sends it to
 * bb.dlq with reason first, RETRY hands it back to the handler later. Thread-safe; may be
 * called from any thread; the poll loop applies it within ~5 ms. The token is invalid
 * afterwards. Must not be called after kafka_consumer_free. */
void kafka_consumer_complete(kafka_consumer_t *c, void *token, handle_result_t result,
                             const char *reason);

/* Frees a consumer that kafka_consumer_run has returned from (or never ran), including the
 * messages of tokens never completed (released before the handle is destroyed, which would
 * otherwise wait for them forever; their offsets were not stored, so they are redelivered).
 * The threads that held those tokens must be stopped first. Accepts NULL. */
void kafka_consumer_free(kafka_consumer_t *c);

/* ---- reading a partition ---------------------------------------------------------- */

/* Called once per record: its partition, key (NUL-terminated, "" when absent), payload
 * (NULL with len 0 for a tombstone), offset. */
typedef void (*kafka_record_fn)(int32_t partition, const char *key, const void *payload, size_t len,
                                int64_t offset, void *ctx);

/* Reads partitions of a topic, each from its beginning to its end offset at the time of the
 * call, outside any group (no offsets committed), calling fn per record (in order within a
 * partition): how a compacted topic is turned back into state (the last record per key
 * wins). One connection for all of them. Returns the number of records read, or -1 with
 * errstr (Kafka unreachable, no such topic or partition, timeout_ms passed before every end
 * was reached). */
int64_t kafka_read_partitions(const char *bootstrap, const char *client_id, const char *topic,
                              const int32_t *partitions, size_t n, kafka_record_fn fn, void *ctx,
                              int timeout_ms, char *errstr, size_t errstr_size)
    __attribute__((warn_unused_result));

/* ---- admin ------------------------------------------------------------------------- */

/* Creates the topics that do not exist yet, with `partitions` partitions and replication
 * factor `replication`, compacted when kafka_topic_compacted says so. Existing topics are
 * left as they are. Returns once every topic is in the cluster's metadata with its
 * partitions led (so a consumer that subscribes next sees them all), 0; or -1 (errstr). */
int kafka_topics_ensure(const char *bootstrap, const char *const *topics, int partitions,
                        int replication, int timeout_ms, char *errstr, size_t errstr_size)
    __attribute__((warn_unused_result));

/* The number of partitions of an existing topic, or -1 with errstr (unreachable, no such
 * topic). For checks across topics that must be partitioned alike. */
int kafka_topic_partition_count(const char *bootstrap, const char *topic, int timeout_ms,
                                char *errstr, size_t errstr_size)
    __attribute__((warn_unused_result));

/* true for the topics created with cleanup.policy=compact (bb.monitor.desired): keyed state
 * whose last record per key is all that matters. */
bool kafka_topic_compacted(const char *topic);

#endif
