/* /api/conversations: the buyer threads (filters, keyset pages, needs_attention first on
 * request), one thread with its buyer, listing and messages, the seller's changes (status
 * through the guarded transition function, listing match, auto-reply, hand back), and the
 * seller's messages (202: queued; the monitor sends them). */
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "app.h"
#include "common/utf8.h"
#include "domain/conversation.h"
#include "domain/listing_input.h"
#include "handlers.h"
#include "http/request.h"
#include "store/conversation_query.h"

/* ?q: at most 200 characters of UTF-8 (4 bytes each at most). */
#define CONV_Q_BYTES 801

/* An optional enumerated query parameter into buf (NULL *out when absent). Returns 0 or -1
 * after answering 422 naming it and the allowed values. */
static int query_enum(http_request_t *req, const char *name, const char *const *allowed,
                      const char *list, char *buf, size_t size, const char **out)
{
    *out = NULL;
    int n = request_query(req, name, buf, size);
    if (n == -2)
        return -1;
    if (n == -1)
        return 0;
    for (size_t i = 0; allowed[i]; i++)
        if (strcmp(buf, allowed[i]) == 0) {
            *out = buf;
            return 0;
        }
    http_send_problem(req, 422, name, "%s: must be one of %s", name, list);
    return -1;
}

/* Parses the list's query into q; strings live in bufs. Returns 0 or -1 after answering. */
static int conversations_query_read(http_request_t *req, conversation_page_query_t *q,
                                    char bufs[3][32], char qbuf[CONV_Q_BYTES])
{
    static const char *const statuses[] = {"active", "agreed",          "sold",
                                           "closed", "needs_attention", NULL};
    static const char *const bools[] = {"true", "false", NULL};
    static const char *const sorts[] = {"recent", "attention", NULL};
    const char *attention, *sort;
    memset(q, 0, sizeof(*q));
    if (request_page(req, &q->limit, &q->cursor) != 0 ||
        request_query_id(req, "listing_id", &q->listing_id) != 0 ||
        query_enum(req, "status", statuses, "active, agreed, sold, closed, needs_attention",
                   bufs[0], 32, &q->status) != 0 ||
        query_enum(req, "needs_attention", bools, "true, false", bufs[1], 32, &attention) != 0 ||
        query_enum(req, "sort", sorts, "recent, attention", bufs[2], 32, &sort) != 0)
        return -1;
    int nq = request_query(req, "q", qbuf, CONV_Q_BYTES);
    if (nq == -2)
        return -1;
    if (nq > 0 && (utf8_count(qbuf, (size_t)nq) < 0 || utf8_count(qbuf, (size_t)nq) > 200)) {
        http_send_problem(req, 422, "q", "q: must be text of at most 200 characters");
        return -1;
    }
    q->q = nq > 0 ? qbuf : NULL;
    q->needs_attention = attention ? attention[0] == 't' : -1;
    q->attention_first = sort && sort[0] == 'a';
    return 0;
}

int handle_conversations_list(http_request_t *req)
{
    conversation_page_query_t q;
    char bufs[3][32], qbuf[CONV_Q_BYTES], link[3000] = "", lid[24];
    if (conversations_query_read(req, &q, bufs, qbuf) != 0)
        return req->status;
    PGconn *pg = request_db(req);
    if (!pg)
        return req->status;
    store_page_t page;
    store_err_t err;
    int rc = conversation_query_page(pg, &q, &page, &err);
    request_db_release(req, pg);
    if (rc != 0)
        return request_db_error(req, "listing conversations", err.msg);
    if (page.has_more) {
        snprintf(lid, sizeof(lid), "%" PRId64, q.listing_id);
        const char *pairs[10] = {"status",
                                 q.status,
                                 "listing_id",
                                 q.listing_id ? lid : NULL,
                                 "needs_attention",
                                 q.needs_attention < 0 ? NULL : bufs[1],
                                 "q",
                                 q.q,
                                 "sort",
                                 q.attention_first ? "attention" : NULL};
        request_link_next(link, sizeof(link), "/api/conversations", q.limit, page.last_id, pairs,
                          5);
    }
    return request_send_doc(req, 200, &page.body, link[0] ? link : NULL);
}

int handle_conversation_get(http_request_t *req)
{
    int64_t id;
    store_json_t doc;
    store_err_t err;
    if (request_path_id(req, 0, "Conversation not found", &id) != 0)
        return req->status;
    PGconn *pg = request_db(req);
    if (!pg)
        return req->status;
    int found = conversation_query_detail(pg, id, &doc, &err);
    request_db_release(req, pg);
    if (found < 0)
        return request_db_error(req, "reading the conversation", err.msg);
    if (!found)
        return http_send_problem(req, 404, NULL, "Conversation not found");
    return request_send_doc(req, 200, &doc, NULL);
}

/* A JSON member that must be a boolean when present. Returns 0 (sets *has) or -1 after 422. */
static int json_bool(http_request_t *req, const cJSON *body, const char *name, bool *has, bool *out)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(body, name);
    *has = v != NULL;
    if (v && !cJSON_IsBool(v)) {
        http_send_problem(req, 422, name, "%s: must be true or false", name);
        return -1;
    }
    *out = cJSON_IsTrue(v);
    return 0;
}

/* The PATCH body into p (strings point into body). Returns 0 or -1 after answering 422. */
static int conversation_patch_read(http_request_t *req, const cJSON *body, conversation_patch_t *p)
{
    bool has_hand_back, present;
    memset(p, 0, sizeof(*p));
    const cJSON *status = cJSON_GetObjectItemCaseSensitive(body, "status");
    const cJSON *reason = cJSON_GetObjectItemCaseSensitive(body, "reason");
    const cJSON *listing = cJSON_GetObjectItemCaseSensitive(body, "listing_id");
    if (json_bool(req, body, "hand_back", &has_hand_back, &p->hand_back) != 0 ||
        json_bool(req, body, "auto_reply", &p->has_auto_reply, &p->auto_reply) != 0 ||
        request_json_id(req, body, "agreed_price_cents", &p->agreed_price_cents, &present) != 0)
        return -1;
    if (listing && !cJSON_IsNull(listing) &&
        request_json_id(req, body, "listing_id", &p->listing_id, &present) != 0)
        return -1;
    p->has_listing_id = listing != NULL; /* null: unmatch */
    if (status && !cJSON_IsString(status)) {
        http_send_problem(req, 422, "status", "status: must be a string");
        return -1;
    }
    p->has_status = status != NULL;
    p->status = status ? status->valuestring : NULL;
    long n =
        cJSON_IsString(reason) ? utf8_count(reason->valuestring, strlen(reason->valuestring)) : -1;
    if (reason && (n < 1 || n > 500)) {
        http_send_problem(req, 422, "reason", "reason: must be a string of 1 to 500 characters");
        return -1;
    }
    p->reason = reason ? reason->valuestring : NULL;
    return 0;
}

int handle_conversation_update(http_request_t *req)
{
    int64_t id;
    cJSON *body = NULL;
    conversation_patch_t p;
    cmd_result_t r;
    if (request_path_id(req, 0, "Conversation not found", &id) != 0 ||
        request_json_optional(req, &body) != 0)
        return req->status;
    int rc = conversation_patch_read(req, body, &p);
    if (rc == 0 && conversation_update(req->app, id, &p, &r) != 0)
        rc = request_fail(req, &r);
    cJSON_Delete(body);
    return rc == 0 ? handle_conversation_get(req) : req->status;
}

int handle_messages_list(http_request_t *req)
{
    int64_t id, cursor;
    int limit;
    char link[200] = "", path[64];
    if (request_path_id(req, 0, "Conversation not found", &id) != 0 ||
        request_page(req, &limit, &cursor) != 0)
        return req->status;
    PGconn *pg = request_db(req);
    if (!pg)
        return req->status;
    store_page_t page;
    store_err_t err;
    int found = conversation_query_messages(pg, id, cursor, limit, &page, &err);
    request_db_release(req, pg);
    if (found < 0)
        return request_db_error(req, "listing messages", err.msg);
    if (!found)
        return http_send_problem(req, 404, NULL, "Conversation not found");
    snprintf(path, sizeof(path), "/api/conversations/%" PRId64 "/messages", id);
    if (page.has_more)
        request_link_next(link, sizeof(link), path, limit, page.last_id, NULL, 0);
    return request_send_doc(req, 200, &page.body, link[0] ? link : NULL);
}

int handle_message_send(http_request_t *req)
{
    int64_t id, message_id;
    cJSON *body = NULL;
    cmd_result_t r;
    store_json_t doc;
    store_err_t err;
    if (request_path_id(req, 0, "Conversation not found", &id) != 0 ||
        request_json_optional(req, &body) != 0)
        return req->status;
    const cJSON *content = cJSON_GetObjectItemCaseSensitive(body, "content");
    int rc = cJSON_IsString(content) ? 0 : -1;
    if (rc != 0)
        http_send_problem(req, 422, "content", "content: required, a string of 1 to 2000 bytes");
    else if ((rc = conversation_send_message(req->app, id, content->valuestring, &message_id,
                                             &r)) != 0) {
        if (strcmp(r.field, "text") == 0) /* the command's name for what the client calls content */
            snprintf(r.field, sizeof(r.field), "content");
        request_fail(req, &r);
    }
    cJSON_Delete(body);
    if (rc != 0)
        return req->status;
    PGconn *pg = request_db(req);
    if (!pg)
        return req->status;
    int found = conversation_query_message(pg, id, message_id, &doc, &err);
    request_db_release(req, pg);
    if (found <= 0)
        return request_db_error(req, "reading the message", found < 0 ? err.msg : "gone");
    return request_send_doc(req, 202, &doc, NULL);
}
