/* Delivery of our messages (see delivery.h). */
#include "domain/delivery.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/log.h"
#include "domain/conversation.h"
#include "domain/reply_pacing.h"
#include "outbox.h"
#include "store/conversation_store.h"
#include "store/message_store.h"

int delivery_send_enqueue(tx_t *tx, int64_t account_id, int64_t message_id, const char *thread_id,
                          const char *text, bool paced, cmd_result_t *r)
{
    store_err_t err;
    int64_t send_at_us;
    char key[24], subject[24];
    snprintf(key, sizeof(key), "%" PRId64, account_id);
    snprintf(subject, sizeof(subject), "%" PRId64, message_id);
    monitor_command_t cmd = {.account_id = account_id,
                             .message_id = message_id,
                             .thread_id = (char *)thread_id,
                             .text = (char *)text,
                             .has_occurrence = true};
    /* How many of our earlier messages have this text: the monitor then knows a redelivered
     * send is done even when the buyer wrote after the bubble. */
    if (message_store_occurrence(tx->pg, message_id, &cmd.occurrence, &err) != 0)
        return cmd_db_fail(r, "counting the earlier messages with this text", &err);
    if (reply_pacing_slot(tx, account_id, message_id, paced, &send_at_us, r) != 0)
        return -1;
    if (outbox_enqueue_at(tx->pg, send_at_us, TOPIC_MONITOR_COMMANDS, key, EV_MESSAGE_SEND, subject,
                          monitor_command_build(&cmd), NULL, err.msg, sizeof(err.msg)) != 0) {
        err.sqlstate[0] = '\0';
        return cmd_db_fail(r, "requesting the send", &err);
    }
    return 0;
}

/* Decodes a monitor report about one of our messages and locks the message. Returns 1
 * (locked: free row.text), 0 (the message is gone: nothing to do), or -1 (r). */
static int delivery_open(tx_t *tx, const event_t *ev, monitor_event_t *me, msg_row_t *row,
                         cmd_result_t *r)
{
    store_err_t err;
    memset(me, 0, sizeof(*me));
    memset(row, 0, sizeof(*row));
    if (monitor_event_parse(ev->type, ev->data, me, r->detail, sizeof(r->detail)) != 0) {
        r->status = CMD_INVALID;
        return -1;
    }
    /* The conversation first, then the message: the lock order of every command. */
    int64_t conversation_id = 0;
    conv_row_t conv;
    int found = message_store_conversation_of(tx->pg, me->message_id, &conversation_id, &err);
    if (found > 0)
        found = conversation_store_lock(tx->pg, conversation_id, &conv, &err);
    if (found > 0)
        found = message_store_lock(tx->pg, me->message_id, row, &err);
    if (found < 0)
        return cmd_db_fail(r, "locking the message", &err);
    if (found == 0)
        LOG_INFO("%s for message %" PRId64 ", which no longer exists: ignored", ev->type,
                 me->message_id);
    return found;
}

int message_sent(tx_t *tx, const event_t *ev, cmd_result_t *r)
{
    monitor_event_t me;
    msg_row_t row;
    store_err_t err;
    int rc = delivery_open(tx, ev, &me, &row, r);
    if (rc <= 0) {
        monitor_event_free(&me);
        return rc;
    }
    rc = message_store_mark_sent(tx->pg, row.id, me.message.fingerprint, me.message.sent_at, &err);
    if (rc != 0)
        cmd_db_fail(r, "marking the message sent", &err);
    else if (conversation_store_touch(tx->pg, row.conversation_id, me.message.sent_at, &err) != 0)
        rc = cmd_db_fail(r, "updating the conversation", &err);
    free(row.text);
    monitor_event_free(&me);
    return rc;
}

/* The last attempt failed: the message is failed and the seller is told why. */
static int delivery_give_up(tx_t *tx, const msg_row_t *row, const char *why, cmd_result_t *r)
{
    store_err_t err;
    conv_row_t conv;
    char reason[600];
    if (message_store_mark_failed(tx->pg, row->id, why, &err) != 0)
        return cmd_db_fail(r, "marking the message failed", &err);
    int found = conversation_store_lock(tx->pg, row->conversation_id, &conv, &err);
    if (found <= 0)
        return found < 0 ? cmd_db_fail(r, "locking the conversation", &err) : 0;
    snprintf(reason, sizeof(reason), "a message could not be sent after %d attempts: %s",
             row->attempts, why);
    return conversation_hand_off(tx, &conv, reason, r);
}

int message_send_failed(tx_t *tx, const event_t *ev, cmd_result_t *r)
{
    monitor_event_t me;
    msg_row_t row;
    store_err_t err;
    int rc = delivery_open(tx, ev, &me, &row, r);
    if (rc <= 0) {
        monitor_event_free(&me);
        return rc;
    }
    rc = 0;
    const char *why = me.has_status && me.status.last_error ? me.status.last_error : "send failed";
    if (strcmp(row.delivery, "queued") != 0) {
        /* Sent meanwhile (a late failure of an earlier attempt), or already given up. */
        LOG_INFO("message %" PRId64 ": send failure while %s: ignored (%s)", row.id, row.delivery,
                 why);
    } else if (row.attempts >= DELIVERY_MAX_ATTEMPTS ||
               (me.has_status && me.status.login_required)) {
        /* A login wall does not go away by sending again: the seller has to log in. */
        rc = delivery_give_up(tx, &row, why, r);
    } else if (message_store_retry(tx->pg, row.id, why, &err) != 0) {
        rc = cmd_db_fail(r, "retrying the message", &err);
    } else {
        LOG_INFO("message %" PRId64 ": send failed (%s), attempt %d of %d", row.id, why,
                 row.attempts + 1, DELIVERY_MAX_ATTEMPTS);
        /* Another send of the account: a reply keeps its gap again, a seller's message goes
         * at once as the first time. */
        rc = delivery_send_enqueue(tx, row.account_id, row.id, row.thread_id, row.text,
                                   strcmp(row.role, "agent") == 0, r);
    }
    free(row.text);
    monitor_event_free(&me);
    return rc;
}
