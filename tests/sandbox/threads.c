/* The seller inbox's conversations: one thread per (item, buyer name), messages in arrival
 * order, an unread mark like Facebook's. Lives in the store, behind its mutex; every
 * function hands out deep copies so pages are built without holding the lock. */
#include "sandbox.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "common/util.h"
#include "common/xmalloc.h"

const char *sb_message_text_problem(const char *text)
{
    if (text == NULL || text[0] == '\0')
        return "required, a non-empty string";
    if (strlen(text) > SB_MAX_MESSAGE)
        return "at most 5000 bytes";
    return NULL;
}

const char *sb_buyer_problem(const char *buyer)
{
    if (buyer == NULL || buyer[0] == '\0')
        return "required, a non-empty string";
    if (strlen(buyer) > SB_MAX_BUYER)
        return "at most 100 bytes";
    for (const unsigned char *c = (const unsigned char *)buyer; *c; c++)
        if (*c < 0x20 || *c == 0x7f)
            return "no line breaks or control characters";
    return NULL;
}

/* RFC 3339 UTC with milliseconds of a wall clock instant. */
static void format_at(int64_t ms, char out[32])
{
    time_t sec = (time_t)(ms / 1000);
    struct tm tm;
    gmtime_r(&sec, &tm);
    char base[24];
    strftime(base, sizeof(base), "%Y-%m-%dT%H:%M:%S", &tm);
    snprintf(out, 32, "%s.%03dZ", base, (int)(ms % 1000));
}

/* Appends a message; the caller holds the lock and checked the thread has room. */
static sb_message_t *append_locked(sb_store_t *st, sb_thread_t *t, bool from_seller,
                                   const char *text)
{
    if (t->nmessages == t->cap) {
        t->cap = t->cap ? t->cap * 2 : 8;
        t->messages = xrealloc(t->messages, t->cap * sizeof(*t->messages));
    }
    sb_message_t *m = &t->messages[t->nmessages++];
    memset(m, 0, sizeof(*m));
    m->id = st->next_message_id++;
    m->from_seller = from_seller;
    m->text = xstrdup(text);
    m->at_ms = util_wall_ms();
    format_at(m->at_ms, m->at);
    return m;
}

static const sb_item_t *item_locked(sb_store_t *st, int64_t item_id)
{
    for (size_t i = 0; i < st->nitems; i++)
        if (st->items[i]->id == item_id)
            return st->items[i];
    return NULL;
}

static sb_thread_t *thread_locked(sb_store_t *st, int64_t id)
{
    for (size_t i = 0; i < st->nthreads; i++)
        if (st->threads[i]->id == id)
            return st->threads[i];
    return NULL;
}

/* The thread of (item, buyer), created when missing; NULL when the store is full. */
static sb_thread_t *thread_for_locked(sb_store_t *st, const sb_item_t *item, const char *buyer)
{
    for (size_t i = 0; i < st->nthreads; i++) {
        sb_thread_t *t = st->threads[i];
        if (t->item_id == item->id && strcmp(t->buyer, buyer) == 0)
            return t;
    }
    if (st->nthreads == SB_MAX_THREADS)
        return NULL;
    if (st->nthreads == st->threads_cap) {
        st->threads_cap = st->threads_cap ? st->threads_cap * 2 : 16;
        st->threads = xrealloc(st->threads, st->threads_cap * sizeof(*st->threads));
    }
    sb_thread_t *t = xcalloc(1, sizeof(*t));
    t->id = st->next_thread_id++;
    t->item_id = item->id;
    t->item_title = xstrdup(item->title ? item->title : "");
    t->buyer = xstrdup(buyer);
    st->threads[st->nthreads++] = t;
    return t;
}

sb_status_t sb_store_buyer_message(sb_store_t *st, int64_t item_id, const char *buyer,
                                   const char *text, int64_t *thread_id, int64_t *message_id)
{
    sb_status_t rc = SB_OK;
    pthread_mutex_lock(&st->mu);
    const sb_item_t *item = item_locked(st, item_id);
    sb_thread_t *t = item ? thread_for_locked(st, item, buyer) : NULL;
    if (item == NULL) {
        rc = SB_NO_ITEM;
    } else if (t == NULL || t->nmessages >= SB_MAX_THREAD_MESSAGES) {
        rc = SB_FULL;
    } else {
        *message_id = append_locked(st, t, false, text)->id;
        *thread_id = t->id;
    }
    pthread_mutex_unlock(&st->mu);
    return rc;
}

sb_status_t sb_store_seller_message(sb_store_t *st, int64_t thread_id, const char *text,
                                    sb_message_t *out)
{
    sb_status_t rc = SB_OK;
    pthread_mutex_lock(&st->mu);
    sb_thread_t *t = thread_locked(st, thread_id);
    if (t == NULL) {
        rc = SB_NO_THREAD;
    } else if (st->send_failures > 0) {
        st->send_failures--;
        rc = SB_REFUSED;
    } else if (t->nmessages >= SB_MAX_THREAD_MESSAGES) {
        rc = SB_FULL;
    } else {
        *out = *append_locked(st, t, true, text);
        out->text = xstrdup(out->text);
        t->seen = t->nmessages; /* answering reads the thread */
    }
    pthread_mutex_unlock(&st->mu);
    return rc;
}

int sb_store_set_send_failures(sb_store_t *st, int n)
{
    pthread_mutex_lock(&st->mu);
    st->send_failures = n < 0 ? 0 : n > 1000 ? 1000 : n;
    n = st->send_failures;
    pthread_mutex_unlock(&st->mu);
    return n;
}

void sb_thread_free(sb_thread_t *t)
{
    if (t == NULL)
        return;
    for (size_t i = 0; i < t->nmessages; i++)
        free(t->messages[i].text);
    free(t->messages);
    free(t->item_title);
    free(t->buyer);
    free(t);
}

void sb_threads_free(sb_thread_t **threads, size_t n)
{
    for (size_t i = 0; i < n; i++)
        sb_thread_free(threads[i]);
    free(threads);
}

static sb_thread_t *thread_copy(const sb_thread_t *src)
{
    sb_thread_t *c = xcalloc(1, sizeof(*c));
    *c = *src;
    c->item_title = xstrdup(src->item_title);
    c->buyer = xstrdup(src->buyer);
    c->cap = src->nmessages;
    c->messages = xcalloc(src->nmessages ? src->nmessages : 1, sizeof(*c->messages));
    for (size_t i = 0; i < src->nmessages; i++) {
        c->messages[i] = src->messages[i];
        c->messages[i].text = xstrdup(src->messages[i].text);
    }
    return c;
}

sb_thread_t *sb_store_thread(sb_store_t *st, int64_t id, bool mark_read)
{
    pthread_mutex_lock(&st->mu);
    sb_thread_t *t = thread_locked(st, id);
    sb_thread_t *c = NULL;
    if (t) {
        if (mark_read)
            t->seen = t->nmessages;
        c = thread_copy(t);
    }
    pthread_mutex_unlock(&st->mu);
    return c;
}

void sb_store_threads(sb_store_t *st, sb_thread_t ***threads, size_t *n)
{
    pthread_mutex_lock(&st->mu);
    *n = st->nthreads;
    *threads = xcalloc(st->nthreads ? st->nthreads : 1, sizeof(**threads));
    for (size_t i = 0; i < st->nthreads; i++)
        (*threads)[i] = thread_copy(st->threads[i]);
    pthread_mutex_unlock(&st->mu);
}

void sb_threads_clear_locked(sb_store_t *st)
{
    for (size_t i = 0; i < st->nthreads; i++)
        sb_thread_free(st->threads[i]);
    free(st->threads);
    st->threads = NULL;
    st->nthreads = 0;
    st->threads_cap = 0;
}

bool sb_thread_unread(const sb_thread_t *t)
{
    for (size_t i = t->seen; i < t->nmessages; i++)
        if (!t->messages[i].from_seller)
            return true;
    return false;
}

int64_t sb_thread_last_ms(const sb_thread_t *t)
{
    return t->nmessages ? t->messages[t->nmessages - 1].at_ms : 0;
}

cJSON *sb_thread_json(const sb_thread_t *t)
{
    char id[24], url[64];
    snprintf(id, sizeof(id), "%lld", (long long)t->id);
    snprintf(url, sizeof(url), "/marketplace/t/%lld/", (long long)t->id);
    cJSON *root = cJSON_CreateObject();
    cJSON_AddStringToObject(root, "thread_id", id);
    cJSON_AddNumberToObject(root, "item_id", (double)t->item_id);
    cJSON_AddStringToObject(root, "item_title", t->item_title);
    cJSON_AddStringToObject(root, "buyer", t->buyer);
    cJSON_AddStringToObject(root, "url", url);
    cJSON_AddBoolToObject(root, "unread", sb_thread_unread(t));
    cJSON *msgs = cJSON_AddArrayToObject(root, "messages");
    for (size_t i = 0; i < t->nmessages; i++) {
        const sb_message_t *m = &t->messages[i];
        char mid[24];
        snprintf(mid, sizeof(mid), "%lld", (long long)m->id);
        cJSON *o = cJSON_CreateObject();
        cJSON_AddStringToObject(o, "message_id", mid);
        cJSON_AddStringToObject(o, "from", m->from_seller ? "seller" : "buyer");
        cJSON_AddStringToObject(o, "text", m->text);
        cJSON_AddStringToObject(o, "at", m->at);
        cJSON_AddItemToArray(msgs, o);
    }
    return root;
}
