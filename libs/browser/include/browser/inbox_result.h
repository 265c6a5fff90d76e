/* The JSON an inbox recipe's scripts return, validated into the inbox types (inbox.h). A
 * script is marketplace-specific code that breaks when the page changes, so nothing it returns
 * is trusted: a wrong shape is an error naming the section, the index and the field
 * ("list_threads: [2].unread: must be true or false"), never a silently empty list. */
#ifndef BROWSER_INBOX_RESULT_H
#define BROWSER_INBOX_RESULT_H

#include <stddef.h>

#include <cjson/cJSON.h>

#include "browser/inbox.h"

#define INBOX_MAX_THREADS 1000
#define INBOX_MAX_MESSAGES 5000
#define INBOX_MAX_TEXT 65536

/* list_threads: [{thread_id, url, buyer_id?, buyer_name, listing_title?, item_url?, preview,
 * unread}] (? = may be null or absent). thread_id a non-empty string, unique; url and item_url
 * absolute http(s) URLs or paths ("/marketplace/t/7/", joined to base_url); buyer_name and
 * preview strings; unread a boolean; no other fields. Returns 0 (out filled; free with
 * inbox_threads_free) or -1 with errstr (out empty). */
int inbox_threads_from_json(const cJSON *v, const char *base_url, inbox_threads_t *out,
                            char *errstr, size_t errstr_size);

/* open_thread: [{from: "buyer"|"seller", text, at?}], oldest first; text a string, at a
 * string or null; no other fields. Or an object {"messages": [...], "item_url": URL|path|null,
 * "listing_title": string|null} when the thread page also names its listing. Returns 0 (free
 * with inbox_messages_free) or -1 with errstr. */
int inbox_messages_from_json(const cJSON *v, const char *base_url, inbox_messages_t *out,
                             char *errstr, size_t errstr_size);

/* Whitespace runs collapsed to one space, ends trimmed: how texts are compared with what the
 * page shows. Caller frees. */
char *inbox_text_norm(const char *s);

/* Whether one of the seller messages after the last buyer message equals text (compared
 * normalised). */
bool inbox_trailing_seller_has(const inbox_messages_t *m, const char *text);

#endif
