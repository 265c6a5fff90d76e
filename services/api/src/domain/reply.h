/* Replies: asking the responder (reply.requested on bb.reply.requests, key conversation id),
 * applying its drafts (reply.drafted), and the sweep that hands a conversation to the seller
 * when a request got no draft in time, so a buyer message is never left silently
 * unanswered.
 *
 * One request per conversation waits for its draft (conversations.reply_request_id): each
 * new buyer message asks again and replaces it, so the draft of an older request is stale
 * and dropped (the newer request's history has every message). A draft is also dropped when
 * the conversation was handed off, closed or switched to manual meanwhile. */
#ifndef API_REPLY_H
#define API_REPLY_H

#include <stdbool.h>

#include "common/event.h"
#include "domain/result.h"
#include "domain/tx.h"
#include "store/conversation_store.h"

struct app;

/* Messages of history a request carries, and buyer messages at most in new_messages. */
#define REPLY_HISTORY_MAX 20
#define REPLY_NEW_MAX 10

/* Whether the conversation (a locked row) answers by itself: its own switch and the
 * settings' are on, it is active or agreed, and a listing is matched. */
bool reply_auto_on(const conv_row_t *row);

/* Enqueues reply.requested for the locked row (which must have a listing) and records it as
 * the request waiting for its draft. Returns 0 or -1 (r). */
int reply_request(tx_t *tx, conv_row_t *row, cmd_result_t *r) __attribute__((warn_unused_result));

/* Event command (event_command_fn) for reply.drafted: send -> an agent message queued and
 * message.send (a deal it announces goes through the transition function first: refused
 * below the floor, then nothing is sent and the seller is asked); handoff -> needs_attention
 * with the reason; none -> nothing (with a reason: handed off as well). */
int reply_drafted(tx_t *tx, const event_t *ev, cmd_result_t *r);

/* Hands every conversation whose reply request has waited more than timeout_s seconds to
 * the seller (needs_attention, "no reply was drafted within N s"), each in its own
 * transaction, at most 100 per call. Returns how many, or -1 (r). */
int reply_sweep(struct app *app, int timeout_s, cmd_result_t *r);

#endif
