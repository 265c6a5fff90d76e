/* What the monitor reads from the inbox, applied (see inbound.h). */
#include "domain/inbound.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/log.h"
#include "domain/conversation.h"
#include "domain/reply.h"
#include "store/buyer_store.h"
#include "store/conversation_store.h"
#include "store/message_store.h"
#include "store/monitor_status_store.h"

#define LINK_IDS_MAX 16

size_t inbound_link_ids(const char *hint, char ids[][128], size_t max)
{
    const char *p = hint;
    if (!p)
        return 0;
    if (strncmp(p, "http://", 7) == 0 || strncmp(p, "https://", 8) == 0)
        p = strchr(strstr(p, "//") + 2, '/'); /* skip the host */
    else if (*p != '/')
        return 0;
    size_t n = 0;
    while (p && *p && n < max) {
        p += strspn(p, "/?&#");
        size_t len = strcspn(p, "/?&#");
        const char *eq = memchr(p, '=', len);
        const char *v = eq ? eq + 1 : p; /* a query value, or a path segment */
        size_t vlen = len - (size_t)(v - p);
        if (vlen > 0 && vlen < 128) {
            memcpy(ids[n], v, vlen);
            ids[n++][vlen] = '\0';
        }
        p += len;
    }
    return n;
}

/* The buyer of the event, created or renamed; *id 0 when the event names none. */
static int inbound_buyer(tx_t *tx, const monitor_event_t *me, const char *platform, int64_t *id,
                         cmd_result_t *r)
{
    store_err_t err;
    char external[300];
    *id = 0;
    const char *name = me->has_buyer ? me->buyer.name : NULL;
    const char *ext = me->has_buyer ? me->buyer.id : NULL;
    if ((!ext || !*ext) && (!name || !*name))
        return 0;
    if (!ext || !*ext) {
        /* No marketplace id: the normalised name is the identity (as the original's). */
        char norm[256];
        buyer_normalize_name(name, norm, sizeof(norm));
        snprintf(external, sizeof(external), "name:%s", norm);
        ext = external;
    }
    if (buyer_store_upsert(tx->pg, platform, ext, name && *name ? name : ext, id, &err) != 0)
        return cmd_db_fail(r, "storing the buyer", &err);
    return 0;
}

/* Matches an unmatched conversation by the thread's listing hint (see inbound.h). */
static int inbound_match(tx_t *tx, conv_row_t *row, const char *platform, const char *hint,
                         cmd_result_t *r)
{
    store_err_t err;
    char ids[LINK_IDS_MAX][128];
    const char *idv[LINK_IDS_MAX] = {NULL};
    int64_t listing_id = 0;
    int found;
    if (row->listing_id > 0 || !hint || !*hint)
        return 0;
    size_t n = inbound_link_ids(hint, ids, LINK_IDS_MAX);
    for (size_t i = 0; i < n; i++)
        idv[i] = ids[i];
    if (n > 0 || strncmp(hint, "http", 4) == 0)
        found = conversation_store_match_link(tx->pg, platform, row->account_id, hint, idv, n,
                                              &listing_id, &err);
    else
        found = conversation_store_match_title(tx->pg, hint, INBOUND_TITLE_SIMILARITY, &listing_id,
                                               &err);
    if (found < 0)
        return cmd_db_fail(r, "matching the listing", &err);
    if (found == 0)
        return 0;
    if (conversation_store_match_listing(tx->pg, row->id, listing_id, row, &err) != 0)
        return cmd_db_fail(r, "matching the listing", &err);
    LOG_INFO("conversation %" PRId64 ": matched to listing %" PRId64 " by %s", row->id, listing_id,
             n > 0 ? "item link" : "title");
    return 0;
}

/* A seller-side message: ours (now seen in the thread), a duplicate, or the seller's own. */
static int inbound_seller_message(tx_t *tx, conv_row_t *row, const monitor_event_t *me,
                                  cmd_result_t *r)
{
    store_err_t err;
    int64_t id;
    int ours = message_store_claim_ours(tx->pg, row->id, me->message.text, me->message.fingerprint,
                                        me->message.sent_at, &id, &err);
    if (ours != 0)
        return ours < 0 ? cmd_db_fail(r, "matching our message", &err) : 0;
    int fresh =
        message_store_insert_received(tx->pg, row->id, "seller", me->message.text,
                                      me->message.fingerprint, me->message.sent_at, &id, &err);
    if (fresh < 0)
        return cmd_db_fail(r, "storing the message", &err);
    if (fresh && row->reply_request_id[0]) {
        /* The seller answered on the marketplace: the pending draft would answer twice. */
        if (conversation_store_set_request(tx->pg, row->id, NULL, &err) != 0)
            return cmd_db_fail(r, "dropping the reply request", &err);
        row->reply_request_id[0] = '\0';
    }
    return 0;
}

/* What a new buyer message asks for (inbound.h, step 5). */
static int inbound_after_buyer(tx_t *tx, conv_row_t *row, const char *hint, cmd_result_t *r)
{
    char reason[400];
    if (strcmp(row->status, "closed") == 0 || strcmp(row->status, "sold") == 0) {
        snprintf(reason, sizeof(reason), "the buyer wrote after the conversation was %s",
                 row->status);
        return conversation_hand_off(tx, row, reason, r);
    }
    if (strcmp(row->status, "needs_attention") == 0)
        return 0;
    if (row->listing_id <= 0) {
        snprintf(reason, sizeof(reason),
                 "no matching listing%s%.200s%s: match it to a listing and hand it back",
                 hint && *hint ? " for \"" : "", hint ? hint : "", hint && *hint ? "\"" : "");
        return conversation_hand_off(tx, row, reason, r);
    }
    if (!reply_auto_on(row))
        return 0;
    return reply_request(tx, row, r);
}

/* The conversation of the event's thread, locked, matched when possible. */
static int inbound_conversation(tx_t *tx, const monitor_event_t *me, conv_row_t *row,
                                cmd_result_t *r)
{
    store_err_t err;
    char platform[64];
    int64_t buyer_id;
    bool created;
    int found = conversation_store_account_platform(tx->pg, me->account_id, platform,
                                                    sizeof(platform), &err);
    if (found <= 0)
        return found < 0 ? cmd_db_fail(r, "reading the account", &err)
                         : cmd_fail(r, CMD_NOT_FOUND, "account_id", "unknown account %" PRId64,
                                    me->account_id);
    if (inbound_buyer(tx, me, platform, &buyer_id, r) != 0)
        return -1;
    if (conversation_store_upsert(tx->pg, me->account_id, me->thread.id, me->thread.url, buyer_id,
                                  row, &created, &err) != 0) /* locked and read */
        return cmd_db_fail(r, "storing the conversation", &err);
    if (created)
        LOG_INFO("conversation %" PRId64 ": new, account %" PRId64 " thread %s", row->id,
                 me->account_id, me->thread.id);
    return inbound_match(tx, row, platform, me->thread.listing_hint, r);
}

int message_received(tx_t *tx, const event_t *ev, cmd_result_t *r)
{
    monitor_event_t me;
    conv_row_t row;
    store_err_t err;
    int64_t id;
    int rc = -1;
    memset(&row, 0, sizeof(row));
    if (monitor_event_parse(ev->type, ev->data, &me, r->detail, sizeof(r->detail)) != 0) {
        r->status = CMD_INVALID;
        return -1;
    }
    if (!me.has_thread || !me.thread.id || !me.has_message || !me.message.text) {
        cmd_fail(r, CMD_INVALID, "thread", "message.received needs thread.id and message.text");
        goto done;
    }
    if (inbound_conversation(tx, &me, &row, r) != 0)
        goto done;
    if (me.message.from && strcmp(me.message.from, "seller") == 0) {
        rc = inbound_seller_message(tx, &row, &me, r);
        goto done;
    }
    int fresh =
        message_store_insert_received(tx->pg, row.id, "buyer", me.message.text,
                                      me.message.fingerprint, me.message.sent_at, &id, &err);
    if (fresh < 0) {
        cmd_db_fail(r, "storing the message", &err);
        goto done;
    }
    rc = fresh ? inbound_after_buyer(tx, &row, me.thread.listing_hint, r) : 0;
done:
    monitor_event_free(&me);
    return rc;
}

int monitor_status(tx_t *tx, const event_t *ev, cmd_result_t *r)
{
    monitor_event_t me;
    store_err_t err;
    if (monitor_event_parse(ev->type, ev->data, &me, r->detail, sizeof(r->detail)) != 0) {
        r->status = CMD_INVALID;
        return -1;
    }
    monitor_status_row_t s = {.running = me.status.running,
                              .cycle = me.status.cycle,
                              .last_poll_at = me.status.last_poll_at,
                              .last_error = me.status.last_error,
                              .login_required = me.status.login_required};
    int found = monitor_status_store_record(tx->pg, me.account_id, &s, &err);
    monitor_event_free(&me);
    if (found < 0)
        return cmd_db_fail(r, "recording the monitor's status", &err);
    if (found == 0)
        LOG_INFO("monitor.status of unknown account: ignored");
    return 0;
}
