/* The messages table: received messages deduped by fingerprint, our queued messages and
 * their delivery (queued -> sent | failed, with attempts), the history a reply request
 * carries, and the JSON of messages for the http layer. */
#ifndef API_MESSAGE_STORE_H
#define API_MESSAGE_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <libpq-fe.h>

#include "store/store.h"

/* A message of ours whose delivery the commands change, locked FOR UPDATE. */
typedef struct {
    int64_t id;
    int64_t conversation_id;
    int64_t account_id;
    char thread_id[256];
    char role[8];      /* buyer, seller, agent */
    char delivery[12]; /* received, queued, sent, failed */
    int attempts;
    char *text; /* caller frees */
} msg_row_t;

/* Inserts a received message (delivery "received", or "sent" for role seller: it is in the
 * thread) unless (conversation, fingerprint) exists, and when inserted moves the
 * conversation's last_message_at up to it (conversation_store_touch) in the same statement.
 * at: RFC 3339, NULL or "" = now. Returns 1 (inserted, *id set), 0 (a duplicate), or -1. */
int message_store_insert_received(PGconn *pg, int64_t conversation_id, const char *role,
                                  const char *text, const char *fingerprint, const char *at,
                                  int64_t *id, store_err_t *err)
    __attribute__((warn_unused_result));

/* A seller-side message read from the thread may be one of ours: the queued or sent message
 * (role seller or agent) of the conversation that has no fingerprint yet and the same text
 * (trimmed) becomes sent with this fingerprint, unless a message of the conversation
 * already holds it. Returns 1 (one of ours, *id set), 0 (none),
 * or -1. */
int message_store_claim_ours(PGconn *pg, int64_t conversation_id, const char *text,
                             const char *fingerprint, const char *at, int64_t *id, store_err_t *err)
    __attribute__((warn_unused_result));

/* Inserts a message of ours (role seller or agent) to send: delivery queued, attempts 1. */
int message_store_insert_outgoing(PGconn *pg, int64_t conversation_id, const char *role,
                                  const char *text, int64_t *id, store_err_t *err)
    __attribute__((warn_unused_result));

/* Sets the scheduled_at of our message id: when its message.send goes (unix microseconds).
 * Returns 0 or -1 (err). */
int message_store_schedule(PGconn *pg, int64_t id, int64_t at_us, store_err_t *err)
    __attribute__((warn_unused_result));

/* message.send's occurrence for our message id: how many earlier messages of ours in its
 * conversation (role seller or agent, queued or sent, lower id) have the same text, compared
 * after fingerprint_normalize as the monitor's fingerprints do; 0 the first time. A seller
 * message the thread showed (stored sent) counts too: it is a bubble with that text. Returns
 * 0 (*occurrence set) or -1. */
int message_store_occurrence(PGconn *pg, int64_t id, int64_t *occurrence, store_err_t *err)
    __attribute__((warn_unused_result));

/* The conversation of message id into *conversation_id. Returns 1, 0 when unknown, or -1. */
int message_store_conversation_of(PGconn *pg, int64_t id, int64_t *conversation_id,
                                  store_err_t *err) __attribute__((warn_unused_result));

/* Locks message id with its conversation's account and thread. Returns 1, 0, or -1. The
 * caller frees row->text. Lock its conversation first (conversation_store_lock): every
 * command locks a conversation before its messages, so two never wait on each other. */
int message_store_lock(PGconn *pg, int64_t id, msg_row_t *row, store_err_t *err)
    __attribute__((warn_unused_result));

/* Delivery changes. mark_sent: delivery sent, sent_at (RFC 3339, NULL = now), fingerprint
 * (NULL, or one another message of the conversation already holds: kept unset).
 * retry: attempts + 1, last_error. mark_failed: delivery failed, last_error. */
int message_store_mark_sent(PGconn *pg, int64_t id, const char *fingerprint, const char *sent_at,
                            store_err_t *err) __attribute__((warn_unused_result));
int message_store_retry(PGconn *pg, int64_t id, const char *last_error, store_err_t *err)
    __attribute__((warn_unused_result));
int message_store_mark_failed(PGconn *pg, int64_t id, const char *last_error, store_err_t *err)
    __attribute__((warn_unused_result));

/* The last n messages of a conversation, oldest first: role, text, at (RFC 3339). Caller
 * PQclear()s; NULL on error. */
PGresult *message_store_history(PGconn *pg, int64_t conversation_id, int n, store_err_t *err);

/* The buyer's messages after our last message (at most n, oldest first): fingerprint, text,
 * at. Caller PQclear()s; NULL on error. */
PGresult *message_store_unanswered(PGconn *pg, int64_t conversation_id, int n, store_err_t *err);

#endif
