/* The guarded transition function of conversations (see conversation.h). */
#include "domain/conversation.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "common/log.h"
#include "domain/delisting.h"
#include "store/conversation_store.h"

static const char *const status_names[CONV_STATUS_COUNT] = {
    [CONV_ACTIVE] = "active",
    [CONV_AGREED] = "agreed",
    [CONV_SOLD] = "sold",
    [CONV_CLOSED] = "closed",
    [CONV_NEEDS_ATTENTION] = "needs_attention",
};

/* allowed[from][to]: the moves of conversation.h's table. */
static const bool allowed[CONV_STATUS_COUNT][CONV_STATUS_COUNT] = {
    [CONV_ACTIVE] = {[CONV_AGREED] = true,
                     [CONV_SOLD] = true,
                     [CONV_CLOSED] = true,
                     [CONV_NEEDS_ATTENTION] = true},
    [CONV_AGREED] = {[CONV_ACTIVE] = true,
                     [CONV_AGREED] = true,
                     [CONV_SOLD] = true,
                     [CONV_CLOSED] = true,
                     [CONV_NEEDS_ATTENTION] = true},
    [CONV_NEEDS_ATTENTION] =
        {[CONV_ACTIVE] = true, [CONV_AGREED] = true, [CONV_SOLD] = true, [CONV_CLOSED] = true},
    [CONV_CLOSED] = {[CONV_ACTIVE] = true, [CONV_NEEDS_ATTENTION] = true},
    [CONV_SOLD] = {[CONV_ACTIVE] = true, [CONV_NEEDS_ATTENTION] = true},
};

const char *conv_status_name(conv_status_t s)
{
    return (unsigned)s < CONV_STATUS_COUNT ? status_names[s] : NULL;
}

int conv_status_parse(const char *s, conv_status_t *out)
{
    for (int i = 0; s && i < CONV_STATUS_COUNT; i++)
        if (strcmp(s, status_names[i]) == 0) {
            *out = (conv_status_t)i;
            return 0;
        }
    return -1;
}

/* Writes why (when asked) and returns v. */
__attribute__((format(printf, 4, 5))) static conv_verdict_t
verdict(conv_verdict_t v, char *why, size_t why_size, const char *fmt, ...)
{
    if (why && why_size) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(why, why_size, fmt, ap);
        va_end(ap);
    }
    return v;
}

conv_verdict_t conversation_transition_check(const conv_state_t *from, const conv_change_t *c,
                                             char *why, size_t why_size)
{
    const char *a = conv_status_name(from->status), *b = conv_status_name(c->to);
    if (!a || !b)
        return verdict(CONV_T_FORBIDDEN, why, why_size, "unknown status");
    if (from->status == c->to && c->to != CONV_AGREED)
        return verdict(CONV_T_NOOP, why, why_size, "already %s", a);
    if (!allowed[from->status][c->to])
        return verdict(CONV_T_FORBIDDEN, why, why_size,
                       "a conversation that is %s cannot become %s", a, b);
    if (c->to != CONV_AGREED)
        return CONV_T_OK;
    /* The floor is enforced here and only here, whoever asks: never trusted to a prompt. */
    if (from->floor_cents <= 0)
        return verdict(CONV_T_NO_LISTING, why, why_size,
                       "a deal needs the conversation matched to a listing");
    int64_t price = c->agreed_price_cents > 0 ? c->agreed_price_cents : from->agreed_price_cents;
    if (price <= 0)
        return verdict(CONV_T_NO_PRICE, why, why_size, "a deal needs an agreed price");
    if (price < from->floor_cents)
        return verdict(CONV_T_BELOW_FLOOR, why, why_size,
                       "agreed price %" PRId64 " cents is below the listing's floor", price);
    if (from->status == CONV_AGREED && price == from->agreed_price_cents)
        return verdict(CONV_T_NOOP, why, why_size, "already agreed at that price");
    return CONV_T_OK;
}

/* A conversation that reaches sold sells its listing: delistings everywhere but on the
 * conversation's own marketplace, which takes its listing down itself (delisting.h). */
static int conversation_sold(tx_t *tx, int64_t id, cmd_result_t *r)
{
    store_err_t err;
    conv_row_t row;
    char platform[64] = "";
    if (conversation_store_lock(tx->pg, id, &row, &err) < 0 ||
        conversation_store_account_platform(tx->pg, row.account_id, platform, sizeof(platform),
                                            &err) < 0)
        return cmd_db_fail(r, "reading the sold conversation", &err);
    if (row.listing_id <= 0)
        return 0; /* nothing matched: nothing to take down */
    return listing_sold_tx(tx, row.listing_id, row.agreed_price_cents, platform, true, NULL, r);
}

int conversation_transition(tx_t *tx, int64_t id, const conv_state_t *from, const conv_change_t *c,
                            cmd_result_t *r)
{
    char why[200] = "";
    store_err_t err;
    switch (conversation_transition_check(from, c, why, sizeof(why))) {
    case CONV_T_NOOP:
        return 0;
    case CONV_T_OK:
        break;
    case CONV_T_FORBIDDEN:
    case CONV_T_NO_LISTING:
        return cmd_fail(r, CMD_CONFLICT, "status", "%s", why);
    case CONV_T_NO_PRICE:
    case CONV_T_BELOW_FLOOR:
        return cmd_fail(r, CMD_INVALID, "agreed_price_cents", "%s", why);
    }
    const char *reason = NULL;
    if (c->to == CONV_NEEDS_ATTENTION)
        reason = c->reason && *c->reason ? c->reason : "needs the seller's attention";
    int64_t price = c->to == CONV_AGREED ? c->agreed_price_cents : 0;
    if (conversation_store_set_status(tx->pg, id, conv_status_name(c->to), price, reason, &err) !=
        0)
        return cmd_db_fail(r, "changing the conversation's status", &err);
    LOG_INFO("conversation %" PRId64 ": %s -> %s%s%s", id, conv_status_name(from->status),
             conv_status_name(c->to), reason ? ": " : "", reason ? reason : "");
    return c->to == CONV_SOLD ? conversation_sold(tx, id, r) : 0;
}

int conversation_state(const conv_row_t *row, conv_state_t *out, cmd_result_t *r)
{
    memset(out, 0, sizeof(*out));
    if (conv_status_parse(row->status, &out->status) != 0)
        return cmd_fail(r, CMD_FAILED, NULL, "conversation %" PRId64 " has unknown status \"%s\"",
                        row->id, row->status);
    out->agreed_price_cents = row->agreed_price_cents;
    out->floor_cents = row->listing_id > 0 ? row->floor_cents : 0;
    return 0;
}

int conversation_hand_off(tx_t *tx, conv_row_t *row, const char *reason, cmd_result_t *r)
{
    conv_state_t st;
    store_err_t err;
    if (conversation_state(row, &st, r) != 0)
        return -1;
    if (row->reply_request_id[0]) {
        if (conversation_store_set_request(tx->pg, row->id, NULL, &err) != 0)
            return cmd_db_fail(r, "dropping the reply request", &err);
        row->reply_request_id[0] = '\0';
    }
    conv_change_t c = {.to = CONV_NEEDS_ATTENTION, .reason = reason};
    if (conversation_transition(tx, row->id, &st, &c, r) != 0)
        return -1;
    snprintf(row->status, sizeof(row->status), "%s", conv_status_name(CONV_NEEDS_ATTENTION));
    return 0;
}
