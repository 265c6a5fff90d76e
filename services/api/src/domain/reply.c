/* Replies (see reply.h). */
#include "domain/reply.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app.h"
#include "common/log.h"
#include "common/util.h"
#include "common/xmalloc.h"
#include "domain/conversation.h"
#include "domain/delivery.h"
#include "outbox.h"
#include "store/message_store.h"

#define SWEEP_BATCH 100

bool reply_auto_on(const conv_row_t *row)
{
    return row->auto_reply && row->settings_auto_reply && row->listing_id > 0 &&
           (strcmp(row->status, "active") == 0 || strcmp(row->status, "agreed") == 0);
}

/* The listing, buyer, state and policy of the request from the source row (borrowed). */
static void request_fill(reply_requested_t *ev, const PGresult *src)
{
    ev->listing.id = row_i64(src, 0, "listing_id");
    ev->listing.title = (char *)row_text(src, 0, "title");
    ev->listing.description = (char *)row_text(src, 0, "description");
    ev->listing.price_cents = row_i64(src, 0, "price_cents");
    ev->listing.floor_cents = row_i64(src, 0, "floor_cents");
    ev->listing.currency = (char *)row_text(src, 0, "currency");
    const char *flex = row_text(src, 0, "flexibility");
    ev->listing.flexibility = flex ? strtod(flex, NULL) : 0.5;
    ev->listing.condition = (char *)row_text(src, 0, "condition");
    ev->listing.location = (char *)row_text(src, 0, "location");
    ev->listing.status = (char *)row_text(src, 0, "listing_status");
    ev->listing.seller_notes = (char *)row_text(src, 0, "seller_notes");
    ev->buyer.name = (char *)row_text(src, 0, "buyer_name");
    ev->state.status = (char *)row_text(src, 0, "status");
    ev->state.agreed_price_cents = row_i64(src, 0, "agreed_price_cents");
    ev->state.current_offer_cents = row_i64(src, 0, "current_offer_cents");
    ev->state.competing_offer_cents = row_i64(src, 0, "competing_offer_cents");
    ev->policy.tone = (char *)row_text(src, 0, "tone");
    ev->policy.persona = (char *)row_text(src, 0, "persona");
    /* The seller's model switch; NULL (never set) leaves the choice to the responder. */
    ev->policy.has_use_model = row_text(src, 0, "use_model") != NULL;
    ev->policy.use_model = row_bool(src, 0, "use_model");
    ev->policy.model = (char *)row_text(src, 0, "model");
    /* Only conversations that answer by themselves are asked; the api sends the draft only
     * while that still holds (reply_drafted), so the responder's draft is never a draft
     * the seller has to approve. */
    ev->policy.auto_send = true;
}

/* History and new messages of the request (borrowed from hist and news). */
static void request_messages(reply_requested_t *ev, const PGresult *hist, const PGresult *news)
{
    ev->nhistory = (size_t)PQntuples(hist);
    ev->history = xcalloc(ev->nhistory + 1, sizeof(*ev->history));
    for (int i = 0; i < PQntuples(hist); i++) {
        ev->history[i].role = (char *)row_text(hist, i, "role");
        ev->history[i].text = (char *)row_text(hist, i, "text");
        ev->history[i].at = (char *)row_text(hist, i, "at");
    }
    ev->nnew_messages = (size_t)PQntuples(news);
    ev->new_messages = xcalloc(ev->nnew_messages + 1, sizeof(*ev->new_messages));
    for (int i = 0; i < PQntuples(news); i++) {
        ev->new_messages[i].fingerprint = (char *)row_text(news, i, "fingerprint");
        ev->new_messages[i].text = (char *)row_text(news, i, "text");
        ev->new_messages[i].at = (char *)row_text(news, i, "at");
    }
}

int reply_request(tx_t *tx, conv_row_t *row, cmd_result_t *r)
{
    store_err_t err;
    reply_requested_t ev;
    memset(&ev, 0, sizeof(ev));
    PGresult *hist = NULL, *news = NULL, *src = NULL;
    int rc = -1;
    char request_id[UUID_STR_LEN], key[24];
    util_uuid_v4(request_id);
    snprintf(key, sizeof(key), "%" PRId64, row->id);
    if (!(src = conversation_store_request_source(tx->pg, row->id, &err)) ||
        !(hist = message_store_history(tx->pg, row->id, REPLY_HISTORY_MAX, &err)) ||
        !(news = message_store_unanswered(tx->pg, row->id, REPLY_NEW_MAX, &err))) {
        cmd_db_fail(r, "reading the conversation for its reply request", &err);
        goto cleanup;
    }
    ev.request_id = request_id;
    ev.conversation_id = key;
    request_fill(&ev, src);
    request_messages(&ev, hist, news);
    if (outbox_enqueue(tx->pg, TOPIC_REPLY_REQUESTS, key, EV_REPLY_REQUESTED, key,
                       reply_requested_build(&ev), NULL, err.msg, sizeof(err.msg)) != 0) {
        err.sqlstate[0] = '\0';
        cmd_db_fail(r, "requesting a reply", &err);
        goto cleanup;
    }
    if (conversation_store_set_request(tx->pg, row->id, request_id, &err) != 0) {
        cmd_db_fail(r, "recording the reply request", &err);
        goto cleanup;
    }
    snprintf(row->reply_request_id, sizeof(row->reply_request_id), "%s", request_id);
    rc = 0;
cleanup:
    free(ev.history);
    free(ev.new_messages);
    PQclear(hist);
    PQclear(news);
    PQclear(src);
    return rc;
}

/* A draft that announces a deal: the transition function decides. Returns 1 (agreed, or
 * nothing to agree: go on), 0 (refused: the seller was asked, send nothing), -1 (r). */
static int draft_deal(tx_t *tx, conv_row_t *row, const reply_drafted_t *d, cmd_result_t *r)
{
    conv_state_t st;
    if (!d->deal.status || strcmp(d->deal.status, "agreed") != 0)
        return 1;
    if (conversation_state(row, &st, r) != 0)
        return -1;
    conv_change_t c = {.to = CONV_AGREED, .agreed_price_cents = d->deal.agreed_price_cents};
    if (conversation_transition(tx, row->id, &st, &c, r) == 0) {
        snprintf(row->status, sizeof(row->status), "agreed");
        return 1;
    }
    if (r->status == CMD_FAILED)
        return -1;
    /* Whatever the draft says: its text announces a deal we refuse, so it is not sent. */
    char reason[600];
    LOG_WARN("conversation %" PRId64 ": draft %s refused: %s", row->id, d->request_id, r->detail);
    snprintf(reason, sizeof(reason), "a draft agreed to a deal that was refused (%s); not sent",
             r->detail);
    memset(r, 0, sizeof(*r));
    return conversation_hand_off(tx, row, reason, r) == 0 ? 0 : -1;
}

/* Queues the draft's text as an agent message and asks the monitor to send it. */
static int draft_send(tx_t *tx, conv_row_t *row, const reply_drafted_t *d, cmd_result_t *r)
{
    store_err_t err;
    int64_t message_id;
    int deal = draft_deal(tx, row, d, r);
    if (deal <= 0)
        return deal;
    if (!d->text || !*d->text)
        return conversation_hand_off(tx, row, "the responder drafted an empty reply", r);
    if (message_store_insert_outgoing(tx->pg, row->id, "agent", d->text, &message_id, &err) != 0)
        return cmd_db_fail(r, "storing the reply", &err);
    return delivery_send_enqueue(tx, row->account_id, message_id, row->thread_id, d->text, true, r);
}

/* Locks the draft's conversation and consumes its request. Returns 1 (apply the draft),
 * 0 (stale, gone or no longer answering by itself: drop it), -1 (r). */
static int draft_open(tx_t *tx, const reply_drafted_t *d, conv_row_t *row, cmd_result_t *r)
{
    store_err_t err;
    int64_t id = d->conversation_id ? strtoll(d->conversation_id, NULL, 10) : 0;
    int found = id > 0 ? conversation_store_lock(tx->pg, id, row, &err) : 0;
    if (found < 0)
        return cmd_db_fail(r, "locking the conversation", &err);
    if (found == 0) {
        LOG_INFO("draft %s for unknown conversation %s: dropped", d->request_id,
                 d->conversation_id ? d->conversation_id : "-");
        return 0;
    }
    if (strcmp(row->reply_request_id, d->request_id) != 0) {
        /* A newer buyer message asked again (its draft comes), or the request was dropped
         * (handed off, answered by the seller, swept). */
        LOG_INFO("conversation %" PRId64 ": draft %s is stale (waiting for %s): dropped", id,
                 d->request_id, row->reply_request_id[0] ? row->reply_request_id : "none");
        return 0;
    }
    if (conversation_store_set_request(tx->pg, id, NULL, &err) != 0 ||
        (d->deal.buyer_offer_cents > 0 &&
         conversation_store_set_offer(tx->pg, id, d->deal.buyer_offer_cents, &err) != 0))
        return cmd_db_fail(r, "recording the draft", &err);
    row->reply_request_id[0] = '\0';
    if (!reply_auto_on(row)) {
        LOG_INFO("conversation %" PRId64 ": %s, auto-reply %s: draft %s dropped", id, row->status,
                 row->auto_reply && row->settings_auto_reply ? "on" : "off", d->request_id);
        return 0;
    }
    return 1;
}

int reply_drafted(tx_t *tx, const event_t *ev, cmd_result_t *r)
{
    reply_drafted_t d;
    conv_row_t row;
    if (reply_drafted_parse(ev->data, &d, r->detail, sizeof(r->detail)) != 0) {
        r->status = CMD_INVALID;
        return -1;
    }
    int rc = draft_open(tx, &d, &row, r);
    if (rc <= 0)
        goto done;
    const char *action = d.action ? d.action : "";
    const char *why = d.guard.handoff_reason;
    if (strcmp(action, "send") == 0) {
        rc = draft_send(tx, &row, &d, r);
    } else if (strcmp(action, "handoff") == 0) {
        rc = conversation_hand_off(tx, &row, why && *why ? why : "the responder handed off", r);
    } else if (strcmp(action, "none") == 0) {
        /* Nothing to say (the buyer said thanks); with a reason it is a hand-off in disguise. */
        rc = why && *why ? conversation_hand_off(tx, &row, why, r) : 0;
    } else {
        char reason[200];
        snprintf(reason, sizeof(reason), "the responder drafted an unknown action \"%.60s\"",
                 action);
        rc = conversation_hand_off(tx, &row, reason, r);
    }
done:
    reply_drafted_free(&d);
    return rc < 0 ? -1 : 0;
}

/* Hands conversation id to the seller if request_id still waits. Returns 1 (swept), 0 or -1. */
static int sweep_one(struct app *app, int64_t id, const char *request_id, int timeout_s,
                     cmd_result_t *r)
{
    tx_t tx;
    conv_row_t row;
    store_err_t err;
    int rc = -1;
    if (tx_begin(&tx, app, API_DB_TIMEOUT_MS, r) != 0)
        goto end;
    int found = conversation_store_lock(tx.pg, id, &row, &err);
    if (found < 0) {
        cmd_db_fail(r, "locking the conversation", &err);
        goto end;
    }
    rc = 0;
    if (found == 0 || strcmp(row.reply_request_id, request_id) != 0)
        goto end; /* answered meanwhile */
    if (!reply_auto_on(&row)) {
        /* Closed, handed off or switched to manual meanwhile: its draft would be dropped. */
        if (conversation_store_set_request(tx.pg, id, NULL, &err) != 0)
            rc = cmd_db_fail(r, "dropping the reply request", &err);
        else if (tx_commit(&tx, r) != 0)
            rc = -1;
        goto end;
    }
    char reason[200];
    snprintf(reason, sizeof(reason),
             "no reply was drafted within %d s (is the responder running?); please answer",
             timeout_s);
    if (conversation_hand_off(&tx, &row, reason, r) != 0 || tx_commit(&tx, r) != 0)
        rc = -1;
    else
        rc = 1;
end:
    tx_end(&tx);
    return rc;
}

int reply_sweep(struct app *app, int timeout_s, cmd_result_t *r)
{
    tx_t tx;
    store_err_t err;
    if (tx_begin(&tx, app, API_DB_TIMEOUT_MS, r) != 0) {
        tx_end(&tx);
        return -1;
    }
    PGresult *res = conversation_store_overdue_requests(tx.pg, timeout_s, SWEEP_BATCH, &err);
    tx_end(&tx);
    if (!res)
        return cmd_db_fail(r, "finding unanswered reply requests", &err);
    int swept = 0;
    for (int i = 0; i < PQntuples(res); i++) {
        int one = sweep_one(app, row_i64(res, i, "id"), row_text(res, i, "reply_request_id"),
                            timeout_s, r);
        if (one < 0) {
            swept = -1;
            break;
        }
        swept += one;
    }
    PQclear(res);
    return swept;
}
