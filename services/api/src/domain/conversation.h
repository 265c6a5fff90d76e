/* Conversations: the ONE guarded transition function every status change goes through (the
 * event commands of inbound.c, reply.c and delivery.c, and the seller's commands below), and
 * the seller's commands used by the http layer (POST /api/conversations/{id}/messages,
 * PATCH /api/conversations/{id}).
 *
 * Statuses and the moves allowed between them (anything else is refused):
 *   active          -> agreed, sold, closed, needs_attention
 *   agreed          -> active (the deal fell through), sold, closed, needs_attention
 *   needs_attention -> active (the seller hands back), agreed, sold, closed
 *   closed          -> active (reopened), needs_attention (the buyer wrote again)
 *   sold            -> active (the sale fell through), needs_attention (the buyer wrote again)
 * A move to the same status is a no-op, except agreed -> agreed with a new price. Moving to
 * agreed needs a matched listing and an agreed price at or above the listing's floor
 * (min_price_cents, or the asking price when there is none): below it is refused whoever asks,
 * a draft or the seller. Moving to needs_attention records the reason; leaving it clears it. */
#ifndef API_CONVERSATION_H
#define API_CONVERSATION_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "domain/result.h"
#include "domain/tx.h"
#include "store/conversation_store.h"

struct app;

typedef enum {
    CONV_ACTIVE = 0,
    CONV_AGREED,
    CONV_SOLD,
    CONV_CLOSED,
    CONV_NEEDS_ATTENTION,
    CONV_STATUS_COUNT
} conv_status_t;

/* "active", ... for a status; NULL for an out-of-range value. */
const char *conv_status_name(conv_status_t s);
/* The status named s. Returns 0, or -1 when s is not one. */
int conv_status_parse(const char *s, conv_status_t *out);

typedef enum {
    CONV_T_OK = 0,      /* allowed: apply it */
    CONV_T_NOOP,        /* already there: nothing to change */
    CONV_T_FORBIDDEN,   /* not an allowed move from the current status */
    CONV_T_NO_LISTING,  /* agreed without a matched listing */
    CONV_T_NO_PRICE,    /* agreed without a price */
    CONV_T_BELOW_FLOOR, /* agreed below the listing's floor */
} conv_verdict_t;

/* What a conversation is now, as the transition function needs it. */
typedef struct {
    conv_status_t status;
    int64_t agreed_price_cents; /* 0 = none */
    int64_t floor_cents;        /* the matched listing's floor; 0 = no listing matched */
} conv_state_t;

/* A requested move. reason: why (needs_attention); price: the agreed price (agreed). */
typedef struct {
    conv_status_t to;
    int64_t agreed_price_cents;
    const char *reason;
} conv_change_t;

/* The pure decision: may `from` move as c asks? why (may be NULL) gets a sentence for the
 * log and the client when the verdict is not OK/NOOP. */
conv_verdict_t conversation_transition_check(const conv_state_t *from, const conv_change_t *c,
                                             char *why, size_t why_size);

/* Applies c to conversation id (locked by the caller, now in state `from`) inside tx.
 * Returns 0 (applied, or a no-op), or -1 with r (r->detail says why): CMD_CONFLICT (field
 * "status": not an allowed move, or agreed without a matched listing), CMD_INVALID (field
 * "agreed_price_cents": agreed without a price, or below the floor) or CMD_FAILED. */
int conversation_transition(tx_t *tx, int64_t id, const conv_state_t *from, const conv_change_t *c,
                            cmd_result_t *r) __attribute__((warn_unused_result));

/* The state of a locked row into out. Returns 0, or -1 with r (CMD_FAILED) when the row's
 * status is not one of ours. */
int conversation_state(const conv_row_t *row, conv_state_t *out, cmd_result_t *r)
    __attribute__((warn_unused_result));

/* Hands the conversation (locked row) to the seller: needs_attention with reason, and the
 * reply request still waiting for a draft is dropped. A no-op when already handed off.
 * Returns 0 or -1 (r). */
int conversation_hand_off(tx_t *tx, conv_row_t *row, const char *reason, cmd_result_t *r)
    __attribute__((warn_unused_result));

/* ---- the seller's commands (each one transaction; conversation_commands.c) ------------------ */

/* The seller writes to the buyer: inserts a seller message (delivery queued, attempts 1)
 * and enqueues message.send on bb.monitor.commands (key: the account id); a reply request
 * still waiting for its draft is dropped (the seller answered). text: 1..2000 bytes after
 * trimming. *message_id gets the new row's id. Returns 0, or -1 with r: CMD_NOT_FOUND
 * ("Conversation not found"), CMD_INVALID (field "text"), CMD_UNAVAILABLE, CMD_FAILED. */
int conversation_send_message(struct app *app, int64_t conversation_id, const char *text,
                              int64_t *message_id, cmd_result_t *r)
    __attribute__((warn_unused_result));

/* PATCH /api/conversations/{id}: each has_* member that is set changes one thing, all in
 * one transaction, in this order: listing match, auto_reply, hand back, status. */
typedef struct {
    bool hand_back; /* needs_attention -> active, auto_reply on (a no-op when not handed off) */
    bool has_listing_id;
    int64_t listing_id; /* 0: unmatch */
    bool has_auto_reply;
    bool auto_reply;
    bool has_status;
    const char *status;         /* "active", "agreed", "sold", "closed", "needs_attention" */
    int64_t agreed_price_cents; /* with status "agreed" (0: keep the current one) */
    const char *reason;         /* with status "needs_attention" (NULL: "set by the seller") */
} conversation_patch_t;

/* Applies p. Status moves go through conversation_transition; hand_back (or status "active"
 * from needs_attention) is the hand back: auto-replies resume, and when the last message is
 * the buyer's and auto-reply is on, a reply is requested at once. Returns 0, or -1 with r:
 * CMD_NOT_FOUND ("Conversation not found"), CMD_INVALID (field "status" / "listing_id" /
 * "agreed_price_cents": unknown status, unknown listing, agreed below the floor),
 * CMD_CONFLICT (field "status": a move the transition function refuses, r->detail says
 * why), CMD_UNAVAILABLE, CMD_FAILED. */
int conversation_update(struct app *app, int64_t conversation_id, const conversation_patch_t *p,
                        cmd_result_t *r) __attribute__((warn_unused_result));

#endif
