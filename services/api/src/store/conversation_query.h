/* The read side of conversations for GET /api/conversations[/{id}[/messages]]: pages,
 * filters and the JSON answers, straight from conversations, buyers, listings and messages.
 * The writes live in conversation_store.c / message_store.c (the domain's commands).
 *
 * A conversation keeps the original's field names where its frontend reads them
 * (fb_thread_id, agreed_price and current_offer in currency units, messages with content,
 * sent_at, delivered; the detail's buyer.fb_name and listing {id,title,price,min_price,
 * status}) beside ours (cents, delivery, needs_attention, handoff_reason, auto_reply). */
#ifndef API_CONVERSATION_QUERY_H
#define API_CONVERSATION_QUERY_H

#include <stdbool.h>
#include <stdint.h>

#include <libpq-fe.h>

#include "store/store.h"

typedef struct {
    const char *status;   /* NULL: any */
    int64_t listing_id;   /* 0: any */
    int needs_attention;  /* -1: any, 0: not handed off, 1: only handed off */
    const char *q;        /* NULL: any; else a part of the buyer's name or the listing's title */
    bool attention_first; /* needs_attention first, then by last message (else last message) */
    int64_t cursor;       /* the last conversation of the previous page; 0: the first page */
    int limit;
} conversation_page_query_t;

/* One page of conversations, newest last message first (store_page_t: the array, has_more,
 * last_id: the cursor of the next page). A cursor naming no conversation gives an empty
 * page. Returns 0 or -1. */
int conversation_query_page(PGconn *pg, const conversation_page_query_t *q, store_page_t *out,
                            store_err_t *err) __attribute__((warn_unused_result));

/* Conversation id with its buyer, listing summary and its latest messages (at most
 * CONVERSATION_DETAIL_MESSAGES, oldest first). Returns 1, 0 when unknown, or -1. */
#define CONVERSATION_DETAIL_MESSAGES 200
int conversation_query_detail(PGconn *pg, int64_t id, store_json_t *out, store_err_t *err)
    __attribute__((warn_unused_result));

/* One page of the messages of conversation id, oldest first (cursor: the last message of the
 * previous page; the next page has the later ones). Returns 1, 0 when the conversation is
 * unknown, or -1. */
int conversation_query_messages(PGconn *pg, int64_t id, int64_t cursor, int limit,
                                store_page_t *out, store_err_t *err)
    __attribute__((warn_unused_result));

/* Message id of conversation conversation_id as JSON. Returns 1, 0, or -1. */
int conversation_query_message(PGconn *pg, int64_t conversation_id, int64_t id, store_json_t *out,
                               store_err_t *err) __attribute__((warn_unused_result));

#endif
