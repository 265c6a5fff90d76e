/* The seller's conversation commands (declared in conversation.h): a manual message, and
 * PATCH (listing match, auto-reply, hand back, status). */
#include <ctype.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app.h"
#include "common/log.h"
#include "common/xmalloc.h"
#include "domain/conversation.h"
#include "domain/delivery.h"
#include "domain/reply.h"
#include "store/conversation_store.h"
#include "store/message_store.h"

#define SELLER_TEXT_MAX 2000

/* Begins tx and locks conversation id. Returns 0 or -1 (r; tx_end is still due). */
static int conv_begin(struct app *app, tx_t *tx, int64_t id, conv_row_t *row, cmd_result_t *r)
{
    store_err_t err;
    if (tx_begin(tx, app, API_DB_TIMEOUT_MS, r) != 0)
        return -1;
    return cmd_found(r, conversation_store_lock(tx->pg, id, row, &err), "locking the conversation",
                     &err, "Conversation not found");
}

/* text without surrounding blanks, as a new string; NULL when out of 1..SELLER_TEXT_MAX. */
static char *seller_text(const char *text)
{
    if (!text)
        return NULL;
    while (isspace((unsigned char)*text))
        text++;
    size_t n = strlen(text);
    while (n > 0 && isspace((unsigned char)text[n - 1]))
        n--;
    if (n == 0 || n > SELLER_TEXT_MAX)
        return NULL;
    char *out = xmalloc(n + 1);
    memcpy(out, text, n);
    out[n] = '\0';
    return out;
}

int conversation_send_message(struct app *app, int64_t conversation_id, const char *text,
                              int64_t *message_id, cmd_result_t *r)
{
    tx_t tx;
    conv_row_t row;
    store_err_t err;
    int rc = -1;
    char *t = seller_text(text);
    if (!t) {
        cmd_fail(r, CMD_INVALID, "text", "text: 1 to %d characters required", SELLER_TEXT_MAX);
        return -1;
    }
    if (conv_begin(app, &tx, conversation_id, &row, r) != 0)
        goto end;
    /* The seller answers: a draft still on its way would answer a second time. */
    if (row.reply_request_id[0] && conversation_store_set_request(tx.pg, row.id, NULL, &err) != 0) {
        cmd_db_fail(r, "dropping the reply request", &err);
        goto end;
    }
    if (message_store_insert_outgoing(tx.pg, row.id, "seller", t, message_id, &err) != 0) {
        cmd_db_fail(r, "storing the message", &err);
        goto end;
    }
    /* The seller typed it and waits to see it go: at once, but it counts as the account's
     * latest send, so the next AI reply keeps its gap from it. */
    if (delivery_send_enqueue(&tx, row.account_id, *message_id, row.thread_id, t, false, r) != 0)
        goto end;
    rc = tx_commit(&tx, r);
    if (rc == 0)
        LOG_INFO("conversation %" PRId64 ": seller message %" PRId64 " queued", row.id,
                 *message_id);
end:
    tx_end(&tx);
    free(t);
    return rc;
}

/* The listing match and the auto-reply switch of p. */
static int patch_fields(tx_t *tx, conv_row_t *row, const conversation_patch_t *p, cmd_result_t *r)
{
    store_err_t err;
    if (p->has_listing_id) {
        if (p->listing_id < 0)
            return cmd_fail(r, CMD_INVALID, "listing_id", "listing_id: must be positive or 0");
        if (p->listing_id > 0) {
            int found = conversation_store_listing_exists(tx->pg, p->listing_id, &err);
            if (found <= 0)
                return found < 0 ? cmd_db_fail(r, "finding the listing", &err)
                                 : cmd_fail(r, CMD_INVALID, "listing_id",
                                            "listing %" PRId64 " does not exist", p->listing_id);
        }
        if (conversation_store_set_listing(tx->pg, row->id, p->listing_id, &err) != 0)
            return cmd_db_fail(r, "matching the listing", &err);
    }
    if (p->has_auto_reply && p->auto_reply != row->auto_reply &&
        conversation_store_set_auto_reply(tx->pg, row->id, p->auto_reply, &err) != 0)
        return cmd_db_fail(r, "switching auto-reply", &err);
    /* The floor, the settings and the switch as they are now. */
    if (conversation_store_lock(tx->pg, row->id, row, &err) < 0)
        return cmd_db_fail(r, "reading the conversation", &err);
    return 0;
}

/* The status move of p, or the hand back. *handed_back says the seller handed back. */
static int patch_status(tx_t *tx, conv_row_t *row, const conversation_patch_t *p, bool *handed_back,
                        cmd_result_t *r)
{
    store_err_t err;
    conv_state_t st;
    conv_change_t c = {.to = CONV_ACTIVE};
    *handed_back = false;
    if (!p->hand_back && !p->has_status)
        return 0;
    if (p->has_status && conv_status_parse(p->status, &c.to) != 0)
        return cmd_fail(r, CMD_INVALID, "status",
                        "status: one of active, agreed, sold, closed, needs_attention");
    if (p->hand_back && !p->has_status && strcmp(row->status, "needs_attention") != 0)
        return 0; /* nothing handed off: nothing to hand back */
    if (conversation_state(row, &st, r) != 0)
        return -1;
    c.agreed_price_cents = p->agreed_price_cents;
    c.reason = p->reason && *p->reason ? p->reason : "set by the seller";
    if (conversation_transition(tx, row->id, &st, &c, r) != 0)
        return -1;
    *handed_back = st.status == CONV_NEEDS_ATTENTION && c.to == CONV_ACTIVE;
    if (*handed_back && !row->auto_reply &&
        conversation_store_set_auto_reply(tx->pg, row->id, true, &err) != 0)
        return cmd_db_fail(r, "switching auto-reply", &err);
    if (conversation_store_lock(tx->pg, row->id, row, &err) < 0)
        return cmd_db_fail(r, "reading the conversation", &err);
    return 0;
}

/* After a hand back: the buyer's last message gets its reply now, if it waits for one. */
static int hand_back_reply(tx_t *tx, conv_row_t *row, cmd_result_t *r)
{
    store_err_t err;
    PGresult *res = message_store_unanswered(tx->pg, row->id, 1, &err);
    if (!res)
        return cmd_db_fail(r, "reading the conversation", &err);
    bool waiting = PQntuples(res) > 0;
    PQclear(res);
    return waiting && reply_auto_on(row) ? reply_request(tx, row, r) : 0;
}

int conversation_update(struct app *app, int64_t conversation_id, const conversation_patch_t *p,
                        cmd_result_t *r)
{
    tx_t tx;
    conv_row_t row;
    bool handed_back = false;
    int rc = -1;
    if (conv_begin(app, &tx, conversation_id, &row, r) != 0 || patch_fields(&tx, &row, p, r) != 0 ||
        patch_status(&tx, &row, p, &handed_back, r) != 0 ||
        (handed_back && hand_back_reply(&tx, &row, r) != 0))
        goto end;
    rc = tx_commit(&tx, r);
    if (rc == 0 && handed_back)
        LOG_INFO("conversation %" PRId64 ": handed back to auto-reply", conversation_id);
end:
    tx_end(&tx);
    return rc;
}
