/* The inbox's HTTP routes: buyers write through the control API (POST
 * /_sandbox/items/<id>/messages) or the item page's "Message seller" form; the seller reads
 * /marketplace/inbox and /marketplace/t/<id>/ and answers through the page's composer
 * (POST /marketplace/t/<id>/send). Threads are inspected with GET /_sandbox/threads[/<id>]. */
#include "sandbox.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <civetweb.h>

#include "common/log.h"
#include "common/util.h"
#include "common/xmalloc.h"

/* A message is at most 5000 bytes, but JSON may escape each byte as \uXXXX. */
#define MAX_MESSAGE_BODY 65536

/* Parses the positive decimal id at the start of s. Returns what follows it, or NULL. */
static const char *leading_id(const char *s, int64_t *id)
{
    if (*s < '1' || *s > '9')
        return NULL;
    char *end = NULL;
    errno = 0;
    long long v = strtoll(s, &end, 10);
    if (errno || v <= 0)
        return NULL;
    *id = v;
    return end;
}

/* Whether rest (what follows an id) is exactly suffix, or suffix plus one trailing '/'. */
static bool rest_is(const char *rest, const char *suffix)
{
    if (rest == NULL)
        return false;
    size_t n = strlen(suffix);
    return strncmp(rest, suffix, n) == 0 && (rest[n] == '\0' || strcmp(rest + n, "/") == 0);
}

/* The JSON string member key, trimmed, into *out (caller frees); NULL when fine, else the
 * error message naming the field. */
static char *json_text_field(const cJSON *root, const char *key, char **out,
                             const char *(*problem)(const char *))
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(root, key);
    if (!cJSON_IsString(v))
        return xasprintf("%s: required, a string", key);
    *out = sb_trimmed(v->valuestring);
    const char *why = problem(*out);
    if (why == NULL)
        return NULL;
    free(*out);
    *out = NULL;
    return xasprintf("%s: %s", key, why);
}

static int full_error(struct mg_connection *conn)
{
    return sb_send_json_error(conn, 507,
                              "the sandbox holds at most 2000 threads of 1000 messages: "
                              "POST /_sandbox/reset");
}

/* POST /_sandbox/items/<id>/messages {"buyer", "text"}: a buyer writes to the seller. */
static int handle_buyer_message(struct mg_connection *conn, sb_app_t *app, int64_t item_id)
{
    size_t len = 0;
    char *body = sb_read_body(conn, MAX_MESSAGE_BODY, &len);
    if (body == NULL)
        return sb_send_json_error(conn, 413, "body: at most 65536 bytes");
    cJSON *root = cJSON_ParseWithLength(body, len);
    free(body);
    char *buyer = NULL, *text = NULL, *err = NULL;
    if (!cJSON_IsObject(root))
        err = xstrdup("body: must be a JSON object {\"buyer\": \"...\", \"text\": \"...\"}");
    if (err == NULL)
        err = json_text_field(root, "buyer", &buyer, sb_buyer_problem);
    if (err == NULL)
        err = json_text_field(root, "text", &text, sb_message_text_problem);
    cJSON_Delete(root);
    int status = 0;
    if (err) {
        status = sb_send_json_error(conn, 400, err);
        goto out;
    }
    int64_t thread_id = 0, message_id = 0;
    sb_status_t rc =
        sb_store_buyer_message(&app->store, item_id, buyer, text, &thread_id, &message_id);
    if (rc == SB_NO_ITEM) {
        status = sb_send_json_error(conn, 404, "no such item");
        goto out;
    }
    if (rc != SB_OK) {
        status = full_error(conn);
        goto out;
    }
    LOG_INFO("buyer message %lld in thread %lld (item %lld)", (long long)message_id,
             (long long)thread_id, (long long)item_id);
    char tid[24], mid[24], url[64];
    snprintf(tid, sizeof(tid), "%lld", (long long)thread_id);
    snprintf(mid, sizeof(mid), "%lld", (long long)message_id);
    snprintf(url, sizeof(url), "/marketplace/t/%lld/", (long long)thread_id);
    cJSON *out = cJSON_CreateObject();
    cJSON_AddStringToObject(out, "thread_id", tid);
    cJSON_AddStringToObject(out, "message_id", mid);
    cJSON_AddStringToObject(out, "url", url);
    status = sb_send_json(conn, 201, out);
out:
    free(err);
    free(buyer);
    free(text);
    return status;
}

static int handle_threads_json(struct mg_connection *conn, sb_app_t *app)
{
    sb_thread_t **threads = NULL;
    size_t n = 0;
    sb_store_threads(&app->store, &threads, &n);
    cJSON *arr = cJSON_CreateArray();
    for (size_t i = 0; i < n; i++)
        cJSON_AddItemToArray(arr, sb_thread_json(threads[i]));
    sb_threads_free(threads, n);
    return sb_send_json(conn, 200, arr);
}

/* POST /_sandbox/send-failures {"count": 0..1000}: the next count seller sends fail. */
static int handle_send_failures(struct mg_connection *conn, sb_app_t *app)
{
    size_t len = 0;
    char *body = sb_read_body(conn, 4096, &len);
    cJSON *root = body ? cJSON_ParseWithLength(body, len) : NULL;
    free(body);
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(root, "count");
    bool ok = cJSON_IsNumber(v) && v->valuedouble >= 0 && v->valuedouble <= 1000 &&
              v->valuedouble == (double)(int)v->valuedouble;
    int n = ok ? (int)v->valuedouble : 0;
    cJSON_Delete(root);
    if (!ok)
        return sb_send_json_error(conn, 400, "count: required, an integer 0..1000");
    n = sb_store_set_send_failures(&app->store, n);
    LOG_INFO("the next %d seller sends will fail", n);
    cJSON *out = cJSON_CreateObject();
    cJSON_AddNumberToObject(out, "send_failures", n);
    return sb_send_json(conn, 200, out);
}

int sb_inbox_control(struct mg_connection *conn, sb_app_t *app, const char *method,
                     const char *path)
{
    bool get = strcmp(method, "GET") == 0, post = strcmp(method, "POST") == 0;
    int64_t id = 0;
    if (strncmp(path, "/_sandbox/items/", 16) == 0) {
        const char *rest = leading_id(path + 16, &id);
        if (!rest_is(rest, "/messages"))
            return 0;
        if (!post)
            return sb_send_json_error(conn, 405, "use POST");
        return handle_buyer_message(conn, app, id);
    }
    if (strcmp(path, "/_sandbox/send-failures") == 0)
        return post ? handle_send_failures(conn, app) : sb_send_json_error(conn, 405, "use POST");
    if (strcmp(path, "/_sandbox/threads") == 0 || strcmp(path, "/_sandbox/threads/") == 0)
        return get ? handle_threads_json(conn, app) : sb_send_json_error(conn, 405, "use GET");
    if (strncmp(path, "/_sandbox/threads/", 18) == 0) {
        if (!get)
            return sb_send_json_error(conn, 405, "use GET");
        const char *rest = leading_id(path + 18, &id);
        sb_thread_t *t = rest_is(rest, "") ? sb_store_thread(&app->store, id, false) : NULL;
        if (t == NULL)
            return sb_send_json_error(conn, 404, "no such thread");
        cJSON *root = sb_thread_json(t);
        sb_thread_free(t);
        return sb_send_json(conn, 200, root);
    }
    return 0;
}

/* GET /marketplace/inbox, or GET /marketplace/t/<id>/ when id > 0 (which marks it read). */
static int handle_inbox_page(struct mg_connection *conn, sb_app_t *app, int64_t open_id)
{
    sb_thread_t *open = NULL;
    if (open_id > 0) {
        open = sb_store_thread(&app->store, open_id, true);
        if (open == NULL)
            return sb_send_html(
                conn, 404,
                sb_page_message("This conversation isn't available", "It may have been deleted."));
    }
    sb_thread_t **threads = NULL;
    size_t n = 0;
    sb_store_threads(&app->store, &threads, &n);
    int status = sb_send_html(conn, 200, sb_page_inbox(threads, n, open, util_wall_ms()));
    sb_threads_free(threads, n);
    sb_thread_free(open);
    return status;
}

/* POST /marketplace/t/<id>/send {"text"} from the thread page's script: the seller answers.
 * 200 {"message_id", "at", "row_html"} (the new bubble row) or {"error"}. */
static int handle_seller_send(struct mg_connection *conn, sb_app_t *app, int64_t thread_id)
{
    size_t len = 0;
    char *body = sb_read_body(conn, MAX_MESSAGE_BODY, &len);
    if (body == NULL)
        return sb_send_json_error(conn, 413, "Message not sent: the message is too long.");
    cJSON *root = cJSON_ParseWithLength(body, len);
    free(body);
    char *text = NULL;
    char *err = cJSON_IsObject(root) ? json_text_field(root, "text", &text, sb_message_text_problem)
                                     : xstrdup("body: must be a JSON object {\"text\": \"...\"}");
    cJSON_Delete(root);
    if (err) {
        int status = sb_send_json_error(conn, 400, err);
        free(err);
        return status;
    }
    sb_message_t m;
    sb_status_t rc = sb_store_seller_message(&app->store, thread_id, text, &m);
    free(text);
    if (rc == SB_NO_THREAD)
        return sb_send_json_error(conn, 404, "This conversation isn't available.");
    if (rc == SB_REFUSED)
        return sb_send_json_error(conn, 503, "Message not sent. Try again.");
    if (rc != SB_OK)
        return full_error(conn);
    LOG_INFO("seller message %lld in thread %lld", (long long)m.id, (long long)thread_id);
    char mid[24];
    snprintf(mid, sizeof(mid), "%lld", (long long)m.id);
    char *row = sb_message_row_html("", &m);
    cJSON *out = cJSON_CreateObject();
    cJSON_AddStringToObject(out, "message_id", mid);
    cJSON_AddStringToObject(out, "at", m.at);
    cJSON_AddStringToObject(out, "row_html", row);
    free(row);
    free(m.text);
    return sb_send_json(conn, 200, out);
}

/* One urlencoded form field, trimmed, into *out (caller frees); NULL or the error text. */
static char *form_field(const char *body, size_t len, const char *key, const char *label,
                        char **out, const char *(*problem)(const char *))
{
    char *raw = xmalloc(MAX_MESSAGE_BODY);
    int n = mg_get_var(body, len, key, raw, MAX_MESSAGE_BODY);
    *out = sb_trimmed(n >= 0 ? raw : "");
    free(raw);
    const char *why = n == -2 ? "too long" : problem(*out);
    if (why == NULL)
        return NULL;
    free(*out);
    *out = NULL;
    return xasprintf("%s: %s.", label, why);
}

/* POST /marketplace/item/<id>/message (the "Message seller" form, urlencoded buyer, text). */
static int handle_item_message(struct mg_connection *conn, sb_app_t *app, int64_t item_id)
{
    sb_item_t *item = sb_store_get(&app->store, item_id);
    if (item == NULL)
        return sb_send_html(conn, 404,
                            sb_page_message("This listing isn't available",
                                            "The link may be broken or the listing "
                                            "may have been removed."));
    size_t len = 0;
    char *body = sb_read_body(conn, MAX_MESSAGE_BODY, &len);
    char *buyer = NULL, *text = NULL, *err = NULL;
    if (body == NULL)
        err = xstrdup("Message: the form is too large.");
    if (err == NULL)
        err = form_field(body, len, "buyer", "Your name", &buyer, sb_buyer_problem);
    if (err == NULL)
        err = form_field(body, len, "text", "Message", &text, sb_message_text_problem);
    free(body);
    int status;
    int64_t thread_id = 0, message_id = 0;
    sb_status_t rc =
        err ? SB_OK
            : sb_store_buyer_message(&app->store, item_id, buyer, text, &thread_id, &message_id);
    if (err == NULL && rc != SB_OK)
        err = xstrdup("Message: the sandbox is full (reset it).");
    if (err) {
        mg_disable_keep_alive(conn); /* a refused body may be partly unread */
        status = sb_send_html(conn, 400, sb_page_item(item, err, 0));
    } else {
        LOG_INFO("buyer message %lld in thread %lld (item %lld, Message seller form)",
                 (long long)message_id, (long long)thread_id, (long long)item_id);
        char *loc =
            xasprintf("/marketplace/item/%lld?sent=%lld", (long long)item_id, (long long)thread_id);
        status = sb_send_redirect(conn, 303, loc, NULL);
        free(loc);
    }
    sb_item_free(item);
    free(err);
    free(buyer);
    free(text);
    return status;
}

int sb_inbox_page(struct mg_connection *conn, sb_app_t *app, const char *method, const char *path)
{
    bool get = strcmp(method, "GET") == 0 || strcmp(method, "HEAD") == 0;
    bool post = strcmp(method, "POST") == 0;
    int64_t id = 0;
    if (strcmp(path, "/marketplace/inbox") == 0 || strcmp(path, "/marketplace/inbox/") == 0)
        return get ? handle_inbox_page(conn, app, 0) : 0;
    if (strncmp(path, "/marketplace/t/", 15) == 0) {
        const char *rest = leading_id(path + 15, &id);
        if (get && rest_is(rest, ""))
            return handle_inbox_page(conn, app, id);
        if (post && rest_is(rest, "/send"))
            return handle_seller_send(conn, app, id);
        return 0;
    }
    if (post && strncmp(path, "/marketplace/item/", 18) == 0) {
        const char *rest = leading_id(path + 18, &id);
        if (rest_is(rest, "/message"))
            return handle_item_message(conn, app, id);
    }
    return 0;
}
