/* Delivery of our messages (the seller's and the agent's) through the monitor: the
 * message.send command, and the monitor's answers applied to the message row
 * (message.sent -> sent with the bubble's fingerprint; message.send_failed -> sent again,
 * at most DELIVERY_MAX_ATTEMPTS times in all, then failed and the conversation handed to
 * the seller with the reason). */
#ifndef API_DELIVERY_H
#define API_DELIVERY_H

#include <stdbool.h>
#include <stdint.h>

#include "common/event.h"
#include "domain/result.h"
#include "domain/tx.h"

#define DELIVERY_MAX_ATTEMPTS 3

/* Enqueues message.send for message_id on bb.monitor.commands (key: the account id, so one
 * monitor drives the account), with its occurrence (message_store_occurrence): the monitor
 * counts the bubbles with the text to know whether a redelivered send went out already.
 * The command waits on the outbox for the message's send slot (domain/reply_pacing.h):
 * paced (an AI reply) keeps the account's reply gap, not paced (the seller's own message)
 * goes at once and still counts as the account's latest send. Returns 0 or -1 (r). */
int delivery_send_enqueue(tx_t *tx, int64_t account_id, int64_t message_id, const char *thread_id,
                          const char *text, bool paced, cmd_result_t *r)
    __attribute__((warn_unused_result));

/* Event commands (event_command_fn) for message.sent and message.send_failed. A report about
 * a message that no longer exists is logged and ignored. */
int message_sent(tx_t *tx, const event_t *ev, cmd_result_t *r);
int message_send_failed(tx_t *tx, const event_t *ev, cmd_result_t *r);

#endif
