/* The read side of conversations (see conversation_query.h). */
#include "store/conversation_query.h"

#include <stdio.h>

// clang-format off
#define MONEY(col) "(" col ")::float8 / 100"

/* A conversation c with its buyer b and listing l joined. */
#define CONV_JSON                                                                           \
    "json_build_object('id', c.id, 'account_id', c.account_id, 'buyer_id', c.buyer_id,"     \
    " 'listing_id', c.listing_id, 'fb_thread_id', c.thread_external_id,"                    \
    " 'thread_url', c.thread_url, 'status', c.status,"                                      \
    " 'needs_attention', c.status = 'needs_attention', 'handoff_reason', c.handoff_reason," \
    " 'auto_reply', c.auto_reply, 'reply_pending', c.reply_request_id IS NOT NULL,"         \
    " 'agreed_price', " MONEY("c.agreed_price_cents") ","                                   \
    " 'agreed_price_cents', c.agreed_price_cents,"                                          \
    " 'current_offer', " MONEY("c.current_offer_cents") ","                                 \
    " 'current_offer_cents', c.current_offer_cents,"                                        \
    " 'buyer_name', b.display_name, 'listing_title', l.title,"                              \
    " 'last_message', (SELECT left(m.text, 200) FROM messages m"                            \
    "  WHERE m.conversation_id = c.id ORDER BY m.id DESC LIMIT 1),"                         \
    " 'last_message_at', " DB_TS("c.last_message_at") ","                                   \
    " 'created_at', " DB_TS("c.created_at") ", 'updated_at', " DB_TS("c.updated_at") ")"

#define MSG_JSON                                                                            \
    "json_build_object('id', m.id, 'conversation_id', m.conversation_id, 'role', m.role,"   \
    " 'content', m.text, 'delivery', m.delivery,"                                           \
    " 'delivered', m.delivery IN ('received', 'sent'), 'attempts', m.attempts,"             \
    " 'last_error', m.last_error, 'sent_at', " DB_TS("m.sent_at") ","                       \
    " 'scheduled_at', " DB_TS("m.scheduled_at") ","                                         \
    " 'created_at', " DB_TS("m.created_at") ")"

#define CONV_FROM                                                                           \
    " FROM conversations c LEFT JOIN buyers b ON b.id = c.buyer_id"                         \
    " LEFT JOIN listings l ON l.id = c.listing_id"

/* The sort keys of a conversation: handed off first (when asked), then by last message. */
#define ATT(t) "(CASE WHEN $6 THEN (" t ".status = 'needs_attention')::int ELSE 0 END)"
#define LMA(t) "COALESCE(" t ".last_message_at, '-infinity')"
/* ?q as a LIKE pattern that matches its text literally anywhere. */
#define LIKE_Q "('%' || replace(replace(replace($4::text, '\\', '\\\\'), '%', '\\%'), '_', '\\_') || '%')"
// clang-format on

int conversation_query_page(PGconn *pg, const conversation_page_query_t *q, store_page_t *out,
                            store_err_t *err)
{
    char lim[16], att[8];
    store_num_t cur, lid;
    snprintf(lim, sizeof(lim), "%d", q->limit);
    snprintf(att, sizeof(att), "%s", q->needs_attention < 0 ? "" : q->needs_attention ? "t" : "f");
    const char *params[7] = {q->status,
                             q->cursor ? store_i64(&cur, q->cursor) : NULL,
                             q->listing_id ? store_i64(&lid, q->listing_id) : NULL,
                             q->q,
                             lim,
                             q->attention_first ? "true" : "false",
                             att[0] ? att : NULL};
    /* One more row than asked tells whether a next page exists; the cursor row's own keys
     * start the page (keyset: no offset to skip). */
    PGresult *res = store_exec(
        pg,
        "SELECT COALESCE(json_agg(x ORDER BY rn) FILTER (WHERE rn <= $5), '[]') AS body,"
        " count(*) > $5 AS has_more, (array_agg(id ORDER BY rn DESC) FILTER (WHERE rn <= $5))[1]"
        " AS last_id FROM (SELECT c.id, row_number() OVER (ORDER BY " ATT("c") " DESC, " LMA(
            "c") " DESC, c.id DESC) AS rn, " CONV_JSON " AS x" CONV_FROM
                 "  WHERE ($1::text IS NULL OR c.status = $1) AND ($3::bigint IS NULL OR "
                 "c.listing_id = $3)"
                 "  AND ($7::bool IS NULL OR (c.status = 'needs_attention') = $7)"
                 "  AND ($4::text IS NULL OR b.display_name ILIKE " LIKE_Q
                 " OR l.title ILIKE " LIKE_Q ")"
                 "  AND ($2::bigint IS NULL OR (" ATT("c") ", " LMA("c") ", c.id) < (SELECT " ATT(
                     "k") ", " LMA("k") ", k.id FROM conversations k WHERE k.id = $2))"
                                        "  ORDER BY 2 LIMIT $5::int + 1) s",
        7, params, err);
    if (!res)
        return -1;
    store_json_take(res, "body", &out->body);
    out->has_more = row_bool(res, 0, "has_more");
    out->last_id = row_i64(res, 0, "last_id");
    PQclear(res);
    return 0;
}

int conversation_query_detail(PGconn *pg, int64_t id, store_json_t *out, store_err_t *err)
{
    store_num_t idbuf;
    const char *params[1] = {store_i64(&idbuf, id)};
    char sql[4096];
    snprintf(
        sql, sizeof(sql),
        "SELECT (" CONV_JSON "::jsonb || jsonb_build_object("
        "'buyer', CASE WHEN b.id IS NULL THEN NULL ELSE jsonb_build_object('id', b.id,"
        " 'fb_name', b.display_name, 'display_name', b.display_name,"
        " 'platform', b.platform, 'external_id', b.external_id,"
        " 'created_at', " DB_TS(
            "b.created_at") ") END,"
                            "'listing', CASE WHEN l.id IS NULL THEN NULL ELSE "
                            "jsonb_build_object('id', l.id,"
                            " 'title', l.title, 'price', " MONEY(
                                "l.price_cents") ", 'price_cents', l.price_cents,"
                                                 " 'min_price', " MONEY(
                                                     "l.min_price_cents") ", 'min_price_cents', "
                                                                          "l.min_price_cents,"
                                                                          " 'currency', "
                                                                          "l.currency, 'status', "
                                                                          "l.status) END,"
                                                                          "'messages', "
                                                                          "COALESCE((SELECT "
                                                                          "jsonb_agg(x ORDER BY "
                                                                          "mid) FROM (SELECT m.id "
                                                                          "AS mid,"
                                                                          " " MSG_JSON
                                                                          " AS x FROM messages m "
                                                                          "WHERE m.conversation_id "
                                                                          "= c.id"
                                                                          " ORDER BY m.id DESC "
                                                                          "LIMIT %d) mm), "
                                                                          "'[]'::jsonb)))::text AS "
                                                                          "body" CONV_FROM
                                                                          " WHERE c.id = $1",
        CONVERSATION_DETAIL_MESSAGES);
    PGresult *res = store_exec(pg, sql, 1, params, err);
    if (!res)
        return -1;
    int found = PQntuples(res) == 1;
    if (found)
        store_json_take(res, "body", out);
    PQclear(res);
    return found;
}

int conversation_query_messages(PGconn *pg, int64_t id, int64_t cursor, int limit,
                                store_page_t *out, store_err_t *err)
{
    char lim[16];
    store_num_t idbuf, cur;
    snprintf(lim, sizeof(lim), "%d", limit);
    const char *params[3] = {store_i64(&idbuf, id), cursor ? store_i64(&cur, cursor) : NULL, lim};
    PGresult *res = store_exec(
        pg,
        "SELECT EXISTS (SELECT 1 FROM conversations WHERE id = $1) AS found,"
        " COALESCE(json_agg(x ORDER BY mid) FILTER (WHERE rn <= $3), '[]') AS body,"
        " count(*) > $3 AS has_more, max(mid) FILTER (WHERE rn <= $3) AS last_id"
        " FROM (SELECT m.id AS mid, row_number() OVER (ORDER BY m.id) AS rn, " MSG_JSON " AS x"
        "  FROM messages m WHERE m.conversation_id = $1 AND ($2::bigint IS NULL OR m.id > $2)"
        "  ORDER BY m.id LIMIT $3::int + 1) s",
        3, params, err);
    if (!res)
        return -1;
    int found = row_bool(res, 0, "found");
    if (found) {
        store_json_take(res, "body", &out->body);
        out->has_more = row_bool(res, 0, "has_more");
        out->last_id = row_i64(res, 0, "last_id");
    }
    PQclear(res);
    return found;
}

int conversation_query_message(PGconn *pg, int64_t conversation_id, int64_t id, store_json_t *out,
                               store_err_t *err)
{
    store_num_t cbuf, idbuf;
    const char *params[2] = {store_i64(&cbuf, conversation_id), store_i64(&idbuf, id)};
    PGresult *res = store_exec(pg,
                               "SELECT " MSG_JSON " AS body FROM messages m"
                               " WHERE m.conversation_id = $1 AND m.id = $2",
                               2, params, err);
    if (!res)
        return -1;
    int found = PQntuples(res) == 1;
    if (found)
        store_json_take(res, "body", out);
    PQclear(res);
    return found;
}
