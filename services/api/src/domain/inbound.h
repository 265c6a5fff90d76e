/* What the monitor reads from the inbox, applied (event commands of bb.monitor.events):
 * message.received -> buyer, conversation per thread, listing match, the message deduped by
 * fingerprint, then a reply request or a hand-off; monitor.status -> the account's
 * heartbeat. */
#ifndef API_INBOUND_H
#define API_INBOUND_H

#include <stddef.h>

#include "common/event.h"
#include "domain/result.h"
#include "domain/tx.h"

/* The fuzzy title match needs this pg_trgm similarity at least (the original's difflib
 * ratio was 0.5; trigram similarity of a title and a longer chat title runs lower). */
#define INBOUND_TITLE_SIMILARITY 0.4

/* message.received, in order:
 * 1. the buyer (platform, buyer id, else "name:" + normalised name) is upserted;
 * 2. the conversation of (account, thread id) is found or created (thread url kept);
 * 3. an unmatched conversation is matched by the thread's listing hint: an item link (a
 *    posted job's external_url, or its external_id among the link's path segments and
 *    query values on the account's platform), else a title (the most similar active
 *    listing, INBOUND_TITLE_SIMILARITY);
 * 4. the message is stored once per (conversation, fingerprint); a seller-side message that
 *    is one of ours (queued or sent, no fingerprint yet, same text) is marked sent instead;
 *    another seller message (the seller wrote on the marketplace) drops a waiting request;
 * 5. a new buyer message then gets, in this order: a hand-off when the conversation is
 *    closed or sold ("the buyer wrote after..."), nothing when it is already handed off, a
 *    hand-off when no listing matched ("no matching listing": the seller matches it and
 *    hands back), a reply request when it answers by itself (reply_auto_on), else nothing
 *    (auto-reply is off: the seller answers). */
int message_received(tx_t *tx, const event_t *ev, cmd_result_t *r);

/* monitor.status: the heartbeat columns of the account (unknown accounts are ignored). */
int monitor_status(tx_t *tx, const event_t *ev, cmd_result_t *r);

/* The candidate item ids of an item link: its path segments and query values (at most max,
 * each below 128 bytes), e.g. "https://m.example/marketplace/item/123/?ref=x" -> "marketplace",
 * "item", "123", "x". Returns how many, 0 when hint is not a link (http(s):// or "/"). Pure. */
size_t inbound_link_ids(const char *hint, char ids[][128], size_t max);

#endif
