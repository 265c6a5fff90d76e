/* The conversations table: the row the conversation engine locks and changes, the listing
 * match (item link, fuzzy title), the source of a reply.requested event, the reply request
 * waiting for its draft, and the JSON of conversations for the http layer. */
#ifndef API_CONVERSATION_STORE_H
#define API_CONVERSATION_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <libpq-fe.h>

#include "store/store.h"

/* What the commands need of a conversation, locked FOR UPDATE. */
typedef struct {
    int64_t id;
    int64_t account_id;
    char thread_id[256];        /* the marketplace's thread id (thread_external_id) */
    int64_t listing_id;         /* 0 = unmatched */
    int64_t floor_cents;        /* the matched listing's floor (min price, else asking); 0 = none */
    char status[20];            /* active, agreed, sold, closed, needs_attention */
    bool auto_reply;            /* the conversation's own switch */
    bool settings_auto_reply;   /* listing-level setting, else the global one, else true */
    int64_t agreed_price_cents; /* 0 = none */
    char reply_request_id[40];  /* "" = no request waiting for its draft */
} conv_row_t;

/* The platform of account_id into out. Returns 1, 0 when the account does not exist, -1. */
int conversation_store_account_platform(PGconn *pg, int64_t account_id, char *out, size_t size,
                                        store_err_t *err) __attribute__((warn_unused_result));

/* The conversation of (account_id, thread_id), created when new (thread_url and buyer_id,
 * 0 = none, fill in what an existing row lacks), locked and read into row as
 * conversation_store_lock does, in one statement. *created says it was new. Returns 0 or -1. */
int conversation_store_upsert(PGconn *pg, int64_t account_id, const char *thread_id,
                              const char *thread_url, int64_t buyer_id, conv_row_t *row,
                              bool *created, store_err_t *err) __attribute__((warn_unused_result));

/* Locks conversation id and reads it. Returns 1, 0 when unknown, or -1 (err). */
int conversation_store_lock(PGconn *pg, int64_t id, conv_row_t *row, store_err_t *err)
    __attribute__((warn_unused_result));

/* Sets status, agreed price (0 = unchanged) and handoff reason (NULL clears it). */
int conversation_store_set_status(PGconn *pg, int64_t id, const char *status,
                                  int64_t agreed_price_cents, const char *handoff_reason,
                                  store_err_t *err) __attribute__((warn_unused_result));
/* Sets the matched listing (0 = none). */
int conversation_store_set_listing(PGconn *pg, int64_t id, int64_t listing_id, store_err_t *err)
    __attribute__((warn_unused_result));
/* Sets the matched listing of the locked conversation id and reads the row again into row (the
 * floor and the settings come with the listing), in one statement. Returns 0 or -1. */
int conversation_store_match_listing(PGconn *pg, int64_t id, int64_t listing_id, conv_row_t *row,
                                     store_err_t *err) __attribute__((warn_unused_result));
int conversation_store_set_auto_reply(PGconn *pg, int64_t id, bool on, store_err_t *err)
    __attribute__((warn_unused_result));
/* The buyer's latest offer (from a draft's deal). */
int conversation_store_set_offer(PGconn *pg, int64_t id, int64_t offer_cents, store_err_t *err)
    __attribute__((warn_unused_result));
/* The reply request waiting for its draft (NULL: none waits any more), requested now. */
int conversation_store_set_request(PGconn *pg, int64_t id, const char *request_id, store_err_t *err)
    __attribute__((warn_unused_result));
/* last_message_at = the later of its value and at (RFC 3339; NULL or "" = now). */
int conversation_store_touch(PGconn *pg, int64_t id, const char *at, store_err_t *err)
    __attribute__((warn_unused_result));

/* Listing matching. By item link: a posted job of the account's platform whose external_url
 * is url, or whose external_id is one of ids[0..nids) (the link's path segments and query
 * values). By title: the active listing most similar to title (pg_trgm similarity at least
 * threshold). Each returns 1 with *listing_id, 0 when none matches, or -1 (err). */
int conversation_store_match_link(PGconn *pg, const char *platform, int64_t account_id,
                                  const char *url, const char *const *ids, size_t nids,
                                  int64_t *listing_id, store_err_t *err)
    __attribute__((warn_unused_result));
int conversation_store_match_title(PGconn *pg, const char *title, double threshold,
                                   int64_t *listing_id, store_err_t *err)
    __attribute__((warn_unused_result));

/* Whether listing_id exists. Returns 1, 0, or -1. */
int conversation_store_listing_exists(PGconn *pg, int64_t listing_id, store_err_t *err)
    __attribute__((warn_unused_result));

/* Conversation id with its listing, buyer and settings, for reply.requested: listing_id,
 * title, description, price_cents, floor_cents, currency, flexibility, condition, location,
 * listing_status, seller_notes, buyer_name, status, agreed_price_cents, current_offer_cents,
 * competing_offer_cents (the best offer of the listing's other open conversations), tone,
 * persona (listing-level settings over global ones). One row (caller PQclear()s), or NULL
 * (err; msg says "not found" when there is no such conversation or listing). */
PGresult *conversation_store_request_source(PGconn *pg, int64_t id, store_err_t *err);

/* Ids (and reply_request_id) of conversations whose reply request has waited more than older_than_s
 * seconds, at most limit of them, oldest first. Caller PQclear()s (column "id"); NULL on error. */
PGresult *conversation_store_overdue_requests(PGconn *pg, int older_than_s, int limit,
                                              store_err_t *err);

#endif
