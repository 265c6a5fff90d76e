/* The dashboard numbers (see stats_store.h). */
#include "store/stats_store.h"

int stats_store_json(PGconn *pg, store_json_t *out, store_err_t *err)
{
    PGresult *res = store_exec(
        pg,
        "WITH tz AS (SELECT COALESCE((SELECT timezone FROM responder_settings"
        "  WHERE listing_id IS NULL), 'UTC') AS name),"
        " day AS (SELECT date_trunc('day', now() AT TIME ZONE tz.name) AT TIME ZONE tz.name"
        "  AS start FROM tz),"
        " c AS (SELECT count(*) AS total, count(*) FILTER (WHERE status = 'active') AS active,"
        "  count(*) FILTER (WHERE status = 'agreed') AS agreed,"
        "  count(*) FILTER (WHERE status = 'sold') AS sold,"
        "  count(*) FILTER (WHERE status = 'closed') AS closed,"
        "  count(*) FILTER (WHERE status = 'needs_attention') AS attention FROM conversations),"
        " m AS (SELECT count(*) AS total,"
        "  count(*) FILTER (WHERE role = 'buyer' AND created_at >= day.start) AS received_today,"
        "  count(*) FILTER (WHERE role <> 'buyer' AND delivery = 'sent'"
        "   AND sent_at >= day.start) AS sent_today,"
        "  count(*) FILTER (WHERE delivery = 'queued') AS queued,"
        "  count(*) FILTER (WHERE delivery = 'failed') AS failed FROM messages, day"
        "  GROUP BY day.start),"
        " l AS (SELECT count(*) AS total, count(*) FILTER (WHERE status = 'active') AS active,"
        "  count(*) FILTER (WHERE status = 'sold') AS sold FROM listings),"
        " j AS (SELECT count(*) FILTER (WHERE status = 'posted') AS posted,"
        "  count(*) FILTER (WHERE status IN ('pending', 'posting')) AS pending,"
        "  count(*) FILTER (WHERE status = 'failed') AS failed FROM posting_jobs)"
        " SELECT json_build_object('total_conversations', c.total,"
        " 'active_conversations', c.active, 'sold_conversations', c.sold,"
        " 'total_messages', COALESCE(m.total, 0), 'total_buyers', (SELECT count(*) FROM buyers),"
        " 'agreed_conversations', c.agreed, 'closed_conversations', c.closed,"
        " 'needs_attention', c.attention, 'messages_received_today', COALESCE(m.received_today, 0),"
        " 'replies_sent_today', COALESCE(m.sent_today, 0),"
        " 'messages_queued', COALESCE(m.queued, 0), 'messages_failed', COALESCE(m.failed, 0),"
        " 'total_listings', l.total, 'active_listings', l.active, 'sold_listings', l.sold,"
        " 'posted_jobs', j.posted, 'pending_jobs', j.pending, 'failed_jobs', j.failed,"
        " 'accounts_running', (SELECT count(*) FROM marketplace_accounts WHERE monitoring))"
        " AS body FROM c CROSS JOIN l CROSS JOIN j LEFT JOIN m ON true",
        0, NULL, err);
    if (!res)
        return -1;
    store_json_take(res, "body", out);
    PQclear(res);
    return 0;
}
