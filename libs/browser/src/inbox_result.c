/* Validation of what inbox scripts return (see inbox_result.h). */
#include "browser/inbox_result.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/xmalloc.h"

/* The JSON type of v, for messages. */
static const char *type_name(const cJSON *v)
{
    if (!v)
        return "nothing";
    if (cJSON_IsNull(v))
        return "null";
    if (cJSON_IsBool(v))
        return "a boolean";
    if (cJSON_IsNumber(v))
        return "a number";
    if (cJSON_IsString(v))
        return "a string";
    if (cJSON_IsArray(v))
        return "an array";
    return "an object";
}

/* Formats "<section>: [i].<field>: <problem>". */
static int field_err(char *errstr, size_t size, const char *section, size_t i, const char *field,
                     const char *fmt, ...) __attribute__((format(printf, 6, 7)));

static int field_err(char *errstr, size_t size, const char *section, size_t i, const char *field,
                     const char *fmt, ...)
{
    char msg[256];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    snprintf(errstr, size, "%s: [%zu]%s%s: %s", section, i, field ? "." : "", field ? field : "",
             msg);
    return -1;
}

/* Refuses fields not in keys (" a b c "). */
static int only_keys(const cJSON *obj, const char *keys, const char *section, size_t i,
                     char *errstr, size_t size)
{
    for (const cJSON *it = obj->child; it; it = it->next) {
        char probe[80];
        snprintf(probe, sizeof(probe), " %s ", it->string);
        if (strlen(it->string) > 60 || !strstr(keys, probe))
            return field_err(errstr, size, section, i, NULL, "unknown field \"%.60s\" (fields:%s)",
                             it->string, keys);
    }
    return 0;
}

/* A string field: required (non-NULL result, "" allowed unless nonempty) or nullable. */
static int get_str(const cJSON *obj, const char *field, bool nullable, bool nonempty,
                   const char *section, size_t i, char **out, char *errstr, size_t size)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, field);
    *out = NULL;
    if (!v || cJSON_IsNull(v)) {
        if (nullable)
            return 0;
        return field_err(errstr, size, section, i, field, "missing");
    }
    if (!cJSON_IsString(v))
        return field_err(errstr, size, section, i, field, "must be a string%s, not %s",
                         nullable ? " or null" : "", type_name(v));
    if (nonempty && !v->valuestring[0])
        return field_err(errstr, size, section, i, field, "must not be empty");
    if (strlen(v->valuestring) > INBOX_MAX_TEXT)
        return field_err(errstr, size, section, i, field, "longer than %d bytes", INBOX_MAX_TEXT);
    *out = xstrdup(v->valuestring);
    return 0;
}

/* An absolute http(s) URL, or a path joined to base_url. */
static int get_url(const cJSON *obj, const char *field, bool nullable, const char *base_url,
                   const char *section, size_t i, char **out, char *errstr, size_t size)
{
    if (get_str(obj, field, nullable, true, section, i, out, errstr, size) != 0)
        return -1;
    char *u = *out;
    if (!u || strncmp(u, "http://", 7) == 0 || strncmp(u, "https://", 8) == 0)
        return 0;
    if (u[0] == '/' && u[1] != '/' && base_url) {
        *out = xasprintf("%s%s", base_url, u);
        free(u);
        return 0;
    }
    *out = NULL;
    field_err(errstr, size, section, i, field, "\"%.100s\" is neither an http(s) URL nor a path",
              u);
    free(u);
    return -1;
}

static void thread_free(inbox_thread_t *t)
{
    free(t->thread_id);
    free(t->url);
    free(t->buyer_id);
    free(t->buyer_name);
    free(t->listing_title);
    free(t->item_url);
    free(t->preview);
}

static int thread_from_json(const cJSON *o, const char *base_url, size_t i, inbox_thread_t *t,
                            char *errstr, size_t size)
{
    static const char *const S = "list_threads";
    if (!cJSON_IsObject(o))
        return field_err(errstr, size, S, i, NULL, "must be an object, not %s", type_name(o));
    if (only_keys(o, " thread_id url buyer_id buyer_name listing_title item_url preview unread ", S,
                  i, errstr, size) != 0 ||
        get_str(o, "thread_id", false, true, S, i, &t->thread_id, errstr, size) != 0 ||
        get_url(o, "url", false, base_url, S, i, &t->url, errstr, size) != 0 ||
        get_str(o, "buyer_id", true, false, S, i, &t->buyer_id, errstr, size) != 0 ||
        get_str(o, "buyer_name", false, false, S, i, &t->buyer_name, errstr, size) != 0 ||
        get_str(o, "listing_title", true, false, S, i, &t->listing_title, errstr, size) != 0 ||
        get_url(o, "item_url", true, base_url, S, i, &t->item_url, errstr, size) != 0 ||
        get_str(o, "preview", false, false, S, i, &t->preview, errstr, size) != 0)
        return -1;
    const cJSON *u = cJSON_GetObjectItemCaseSensitive(o, "unread");
    if (!cJSON_IsBool(u))
        return field_err(errstr, size, S, i, "unread", "must be true or false, not %s",
                         type_name(u));
    t->unread = cJSON_IsTrue(u);
    return 0;
}

int inbox_threads_from_json(const cJSON *v, const char *base_url, inbox_threads_t *out,
                            char *errstr, size_t errstr_size)
{
    memset(out, 0, sizeof(*out));
    if (!cJSON_IsArray(v)) {
        snprintf(errstr, errstr_size, "list_threads: the script must return an array, not %s",
                 type_name(v));
        return -1;
    }
    size_t n = (size_t)cJSON_GetArraySize(v);
    if (n > INBOX_MAX_THREADS) {
        snprintf(errstr, errstr_size, "list_threads: %zu threads (at most %d)", n,
                 INBOX_MAX_THREADS);
        return -1;
    }
    out->items = xcalloc(n ? n : 1, sizeof(inbox_thread_t));
    const cJSON *o;
    cJSON_ArrayForEach(o, v)
    {
        size_t i = out->n;
        inbox_thread_t *t = &out->items[out->n++];
        if (thread_from_json(o, base_url, i, t, errstr, errstr_size) != 0)
            goto fail;
        for (size_t j = 0; j < i; j++) {
            if (strcmp(out->items[j].thread_id, t->thread_id) == 0) {
                field_err(errstr, errstr_size, "list_threads", i, "thread_id",
                          "\"%.60s\" is also [%zu]'s", t->thread_id, j);
                goto fail;
            }
        }
    }
    return 0;
fail:
    inbox_threads_free(out);
    return -1;
}

/* The array of messages. */
static int messages_array(const cJSON *v, inbox_messages_t *out, char *errstr, size_t errstr_size)
{
    static const char *const S = "open_thread";
    size_t n = (size_t)cJSON_GetArraySize(v);
    if (n > INBOX_MAX_MESSAGES) {
        snprintf(errstr, errstr_size, "%s: %zu messages (at most %d)", S, n, INBOX_MAX_MESSAGES);
        return -1;
    }
    out->items = xcalloc(n ? n : 1, sizeof(inbox_message_t));
    const cJSON *o;
    cJSON_ArrayForEach(o, v)
    {
        size_t i = out->n;
        inbox_message_t *m = &out->items[out->n++];
        if (!cJSON_IsObject(o))
            return field_err(errstr, errstr_size, S, i, NULL, "must be an object, not %s",
                             type_name(o));
        const cJSON *from = cJSON_GetObjectItemCaseSensitive(o, "from");
        if (only_keys(o, " from text at ", S, i, errstr, errstr_size) != 0)
            return -1;
        if (!cJSON_IsString(from) ||
            (strcmp(from->valuestring, "buyer") != 0 && strcmp(from->valuestring, "seller") != 0))
            return field_err(errstr, errstr_size, S, i, "from",
                             "must be \"buyer\" or \"seller\", not %s",
                             cJSON_IsString(from) ? "another string" : type_name(from));
        m->from = from->valuestring[0] == 'b' ? INBOX_FROM_BUYER : INBOX_FROM_SELLER;
        if (get_str(o, "text", false, false, S, i, &m->text, errstr, errstr_size) != 0 ||
            get_str(o, "at", true, false, S, i, &m->at, errstr, errstr_size) != 0)
            return -1;
    }
    return 0;
}

/* {"messages": [...], "item_url", "listing_title"}: errors name the field, not an index. */
static int messages_object(const cJSON *v, const char *base_url, inbox_messages_t *out,
                           char *errstr, size_t errstr_size)
{
    static const char *const keys = " messages item_url listing_title ";
    for (const cJSON *it = v->child; it; it = it->next) {
        char probe[80];
        snprintf(probe, sizeof(probe), " %.60s ", it->string);
        if (!strstr(keys, probe)) {
            snprintf(errstr, errstr_size, "open_thread: unknown field \"%.60s\" (fields:%s)",
                     it->string, keys);
            return -1;
        }
    }
    const cJSON *msgs = cJSON_GetObjectItemCaseSensitive(v, "messages");
    if (!cJSON_IsArray(msgs)) {
        snprintf(errstr, errstr_size, "open_thread: messages: must be an array, not %s",
                 type_name(msgs));
        return -1;
    }
    char err[400];
    if (get_url(v, "item_url", true, base_url, "open_thread", 0, &out->item_url, err,
                sizeof(err)) != 0 ||
        get_str(v, "listing_title", true, false, "open_thread", 0, &out->listing_title, err,
                sizeof(err)) != 0) {
        /* "open_thread: [0].item_url: ..." -> "open_thread: item_url: ..." */
        const char *field = strstr(err, "].");
        snprintf(errstr, errstr_size, "open_thread: %s", field ? field + 2 : err);
        return -1;
    }
    return messages_array(msgs, out, errstr, errstr_size);
}

int inbox_messages_from_json(const cJSON *v, const char *base_url, inbox_messages_t *out,
                             char *errstr, size_t errstr_size)
{
    memset(out, 0, sizeof(*out));
    int rc;
    if (cJSON_IsArray(v))
        rc = messages_array(v, out, errstr, errstr_size);
    else if (cJSON_IsObject(v))
        rc = messages_object(v, base_url, out, errstr, errstr_size);
    else {
        snprintf(errstr, errstr_size,
                 "open_thread: the script must return an array of messages or an object with "
                 "\"messages\", not %s",
                 type_name(v));
        return -1;
    }
    if (rc != 0)
        inbox_messages_free(out);
    return rc;
}

void inbox_threads_free(inbox_threads_t *t)
{
    if (!t)
        return;
    for (size_t i = 0; i < t->n; i++)
        thread_free(&t->items[i]);
    free(t->items);
    memset(t, 0, sizeof(*t));
}

void inbox_messages_free(inbox_messages_t *m)
{
    if (!m)
        return;
    for (size_t i = 0; i < m->n; i++) {
        free(m->items[i].text);
        free(m->items[i].at);
    }
    free(m->items);
    free(m->item_url);
    free(m->listing_title);
    memset(m, 0, sizeof(*m));
}

const char *inbox_from_name(inbox_from_t from)
{
    return from == INBOX_FROM_BUYER ? "buyer" : "seller";
}

char *inbox_text_norm(const char *s)
{
    char *out = xmalloc(strlen(s) + 1);
    size_t n = 0;
    bool space = false;
    for (const char *p = s; *p; p++) {
        if (isspace((unsigned char)*p)) {
            space = n > 0;
            continue;
        }
        if (space)
            out[n++] = ' ';
        space = false;
        out[n++] = *p;
    }
    out[n] = '\0';
    return out;
}

bool inbox_trailing_seller_has(const inbox_messages_t *m, const char *text)
{
    char *want = inbox_text_norm(text);
    bool hit = false;
    for (size_t i = m->n; i > 0 && !hit; i--) {
        const inbox_message_t *msg = &m->items[i - 1];
        if (msg->from == INBOX_FROM_BUYER)
            break;
        char *got = inbox_text_norm(msg->text);
        hit = strcmp(got, want) == 0;
        free(got);
    }
    free(want);
    return hit;
}
