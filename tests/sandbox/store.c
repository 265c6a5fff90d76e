/* The sandbox's in-memory store: items, login sessions and the login-wall / checkpoint
 * switches (conversations: threads.c), behind one mutex so that many browsers can post at once. */
#include "sandbox.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "common/util.h"
#include "common/xmalloc.h"

int sb_store_init(sb_store_t *st, const char *data_dir, char *errstr, size_t errstr_size)
{
    memset(st, 0, sizeof(*st));
    pthread_mutex_init(&st->mu, NULL);
    st->next_id = 1;
    st->next_thread_id = 1;
    st->next_message_id = 1;
    st->photo_dir = xasprintf("%s/photos", data_dir);
    /* create every missing parent too, like mkdir -p: the data dir may not exist yet */
    for (char *p = st->photo_dir + 1; *p; p++) {
        if (*p != '/')
            continue;
        *p = '\0';
        int rc = mkdir(st->photo_dir, 0755);
        *p = '/';
        if (rc != 0 && errno != EEXIST) {
            snprintf(errstr, errstr_size, "cannot create %s: %s", st->photo_dir, strerror(errno));
            return -1;
        }
    }
    if (mkdir(st->photo_dir, 0755) != 0 && errno != EEXIST) {
        snprintf(errstr, errstr_size, "cannot create %s: %s", st->photo_dir, strerror(errno));
        return -1;
    }
    return 0;
}

static char *dup_or_null(const char *s)
{
    return s ? xstrdup(s) : NULL;
}

void sb_item_free(sb_item_t *item)
{
    if (item == NULL)
        return;
    free(item->title);
    free(item->description);
    free(item->condition);
    free(item->category);
    free(item->location);
    free(item->photos);
    free(item);
}

void sb_items_free(sb_item_t **items, size_t n)
{
    for (size_t i = 0; i < n; i++)
        sb_item_free(items[i]);
    free(items);
}

static sb_item_t *item_copy(const sb_item_t *src)
{
    sb_item_t *c = xcalloc(1, sizeof(*c));
    c->id = src->id;
    c->title = dup_or_null(src->title);
    c->description = dup_or_null(src->description);
    c->condition = dup_or_null(src->condition);
    c->category = dup_or_null(src->category);
    c->location = dup_or_null(src->location);
    c->price_cents = src->price_cents;
    memcpy(c->created_at, src->created_at, sizeof(c->created_at));
    memcpy(c->status, src->status, sizeof(c->status));
    memcpy(c->updated_at, src->updated_at, sizeof(c->updated_at));
    c->edits = src->edits;
    c->listed_s = src->listed_s;
    c->renewed_s = src->renewed_s;
    c->renew_count = src->renew_count;
    if (src->nphotos > 0) {
        c->photos = xcalloc(src->nphotos, sizeof(*c->photos));
        memcpy(c->photos, src->photos, src->nphotos * sizeof(*c->photos));
    }
    c->nphotos = src->nphotos;
    return c;
}

static void sessions_clear(sb_store_t *st)
{
    for (size_t i = 0; i < st->nsessions; i++)
        free(st->sessions[i]);
    free(st->sessions);
    st->sessions = NULL;
    st->nsessions = 0;
}

void sb_store_destroy(sb_store_t *st)
{
    for (size_t i = 0; i < st->nitems; i++)
        sb_item_free(st->items[i]);
    free(st->items);
    sessions_clear(st);
    sb_threads_clear_locked(st);
    free(st->photo_dir);
    free(st->refuse_error);
    pthread_mutex_destroy(&st->mu);
}

int64_t sb_store_add(sb_store_t *st, sb_item_t *item)
{
    pthread_mutex_lock(&st->mu);
    if (st->nitems == st->cap) {
        st->cap = st->cap ? st->cap * 2 : 16;
        st->items = xrealloc(st->items, st->cap * sizeof(*st->items));
    }
    item->id = st->next_id++;
    util_time_rfc3339(item->created_at);
    item->listed_s = util_wall_ms() / 1000;
    snprintf(item->status, sizeof(item->status), "%s", SB_ACTIVE);
    st->items[st->nitems++] = item;
    int64_t id = item->id;
    pthread_mutex_unlock(&st->mu);
    return id;
}

sb_item_t *sb_store_get(sb_store_t *st, int64_t id)
{
    sb_item_t *c = NULL;
    pthread_mutex_lock(&st->mu);
    for (size_t i = 0; i < st->nitems; i++) {
        if (st->items[i]->id == id) {
            c = item_copy(st->items[i]);
            break;
        }
    }
    pthread_mutex_unlock(&st->mu);
    return c;
}

void sb_store_list(sb_store_t *st, sb_item_t ***items, size_t *n)
{
    pthread_mutex_lock(&st->mu);
    *n = st->nitems;
    *items = xcalloc(st->nitems ? st->nitems : 1, sizeof(**items));
    for (size_t i = 0; i < st->nitems; i++)
        (*items)[i] = item_copy(st->items[i]);
    pthread_mutex_unlock(&st->mu);
}

/* The live (not deleted) item of id; the caller holds st->mu. */
static sb_item_t *live_item_locked(sb_store_t *st, int64_t id)
{
    for (size_t i = 0; i < st->nitems; i++)
        if (st->items[i]->id == id)
            return strcmp(st->items[i]->status, SB_DELETED) == 0 ? NULL : st->items[i];
    return NULL;
}

int64_t sb_item_renew_wait_s(const sb_item_t *it)
{
    if (it->renew_count >= SB_RENEW_MAX)
        return -1;
    int64_t since = it->renewed_s > it->listed_s ? it->renewed_s : it->listed_s;
    int64_t wait = since + SB_RENEW_EVERY_S - util_wall_ms() / 1000;
    return wait > 0 ? wait : 0;
}

sb_status_t sb_store_renew(sb_store_t *st, int64_t id)
{
    pthread_mutex_lock(&st->mu);
    sb_item_t *it = live_item_locked(st, id);
    sb_status_t rc = !it ? SB_NO_ITEM : sb_item_renew_wait_s(it) != 0 ? SB_REFUSED : SB_OK;
    if (rc == SB_OK) {
        it->renewed_s = util_wall_ms() / 1000;
        it->renew_count++;
        util_time_rfc3339(it->updated_at);
    }
    pthread_mutex_unlock(&st->mu);
    return rc;
}

sb_status_t sb_store_age(sb_store_t *st, int64_t id, int days)
{
    pthread_mutex_lock(&st->mu);
    sb_item_t *it = live_item_locked(st, id);
    if (it) {
        it->listed_s -= (int64_t)days * 86400;
        if (it->renewed_s)
            it->renewed_s -= (int64_t)days * 86400;
    }
    pthread_mutex_unlock(&st->mu);
    return it ? SB_OK : SB_NO_ITEM;
}

sb_status_t sb_store_set_status(sb_store_t *st, int64_t id, const char *status)
{
    pthread_mutex_lock(&st->mu);
    sb_item_t *it = live_item_locked(st, id);
    if (it) {
        snprintf(it->status, sizeof(it->status), "%s", status);
        util_time_rfc3339(it->updated_at);
    }
    pthread_mutex_unlock(&st->mu);
    return it ? SB_OK : SB_NO_ITEM;
}

static bool photo_listed(const sb_photo_t *photos, size_t n, const char *name)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(photos[i].name, name) == 0)
            return true;
    return false;
}

sb_status_t sb_store_edit(sb_store_t *st, int64_t id, sb_item_t *edit)
{
    pthread_mutex_lock(&st->mu);
    sb_item_t *it = live_item_locked(st, id);
    if (it) {
        for (size_t i = 0; i < it->nphotos; i++) {
            if (photo_listed(edit->photos, edit->nphotos, it->photos[i].name))
                continue;
            char *path = xasprintf("%s/%s", st->photo_dir, it->photos[i].name);
            unlink(path);
            free(path);
        }
        char **fields[] = {&it->title, &it->description, &it->condition, &it->category,
                           &it->location};
        char **news[] = {&edit->title, &edit->description, &edit->condition, &edit->category,
                         &edit->location};
        for (size_t i = 0; i < sizeof(fields) / sizeof(fields[0]); i++) {
            free(*fields[i]);
            *fields[i] = *news[i];
            *news[i] = NULL;
        }
        it->price_cents = edit->price_cents;
        free(it->photos);
        it->photos = edit->photos;
        it->nphotos = edit->nphotos;
        edit->photos = NULL;
        edit->nphotos = 0;
        it->edits++;
        util_time_rfc3339(it->updated_at);
    }
    pthread_mutex_unlock(&st->mu);
    return it ? SB_OK : SB_NO_ITEM;
}

void sb_store_reset(sb_store_t *st)
{
    pthread_mutex_lock(&st->mu);
    for (size_t i = 0; i < st->nitems; i++) {
        sb_item_t *item = st->items[i];
        for (size_t p = 0; p < item->nphotos; p++) {
            char *path = xasprintf("%s/%s", st->photo_dir, item->photos[p].name);
            unlink(path);
            free(path);
        }
        sb_item_free(item);
    }
    st->nitems = 0;
    sb_threads_clear_locked(st);
    st->send_failures = 0;
    sessions_clear(st);
    st->login_wall = false;
    st->checkpoint = false;
    free(st->refuse_error);
    st->refuse_error = NULL;
    st->publish_delay_ms = 0;
    st->page_delay_ms = 0;
    memset(&st->fb, 0, sizeof(st->fb));
    pthread_mutex_unlock(&st->mu);
}

sb_fb_t sb_store_fb(sb_store_t *st)
{
    pthread_mutex_lock(&st->mu);
    sb_fb_t fb = st->fb;
    pthread_mutex_unlock(&st->mu);
    return fb;
}

void sb_store_set_fb(sb_store_t *st, const sb_fb_t *fb)
{
    pthread_mutex_lock(&st->mu);
    st->fb = *fb;
    pthread_mutex_unlock(&st->mu);
}

void sb_store_set_refuse(sb_store_t *st, const char *message)
{
    pthread_mutex_lock(&st->mu);
    free(st->refuse_error);
    st->refuse_error = message ? xstrdup(message) : NULL;
    pthread_mutex_unlock(&st->mu);
}

void sb_store_refuse(sb_store_t *st, char *out, size_t size)
{
    pthread_mutex_lock(&st->mu);
    snprintf(out, size, "%s", st->refuse_error ? st->refuse_error : "");
    pthread_mutex_unlock(&st->mu);
}

void sb_store_set_login_wall(sb_store_t *st, bool on)
{
    pthread_mutex_lock(&st->mu);
    st->login_wall = on;
    if (on)
        sessions_clear(st);
    pthread_mutex_unlock(&st->mu);
}

void sb_store_set_checkpoint(sb_store_t *st, bool on)
{
    pthread_mutex_lock(&st->mu);
    st->checkpoint = on;
    pthread_mutex_unlock(&st->mu);
}

static int clamp_delay(int ms)
{
    return ms < 0 ? 0 : ms > SB_MAX_DELAY_MS ? SB_MAX_DELAY_MS : ms;
}

void sb_store_set_delays(sb_store_t *st, int publish_ms, int page_ms)
{
    pthread_mutex_lock(&st->mu);
    st->publish_delay_ms = clamp_delay(publish_ms);
    st->page_delay_ms = clamp_delay(page_ms);
    pthread_mutex_unlock(&st->mu);
}

void sb_store_delays(sb_store_t *st, int *publish_ms, int *page_ms)
{
    pthread_mutex_lock(&st->mu);
    *publish_ms = st->publish_delay_ms;
    *page_ms = st->page_delay_ms;
    pthread_mutex_unlock(&st->mu);
}

void sb_store_flags(sb_store_t *st, bool *login_wall, bool *checkpoint, size_t *nitems)
{
    pthread_mutex_lock(&st->mu);
    if (login_wall)
        *login_wall = st->login_wall;
    if (checkpoint)
        *checkpoint = st->checkpoint;
    if (nitems)
        *nitems = st->nitems;
    pthread_mutex_unlock(&st->mu);
}

void sb_store_session_new(sb_store_t *st, char *out)
{
    util_uuid_v4(out);
    pthread_mutex_lock(&st->mu);
    st->sessions = xrealloc(st->sessions, (st->nsessions + 1) * sizeof(*st->sessions));
    st->sessions[st->nsessions++] = xstrdup(out);
    pthread_mutex_unlock(&st->mu);
}

bool sb_store_logged_in(sb_store_t *st, const char *token)
{
    bool ok = false;
    pthread_mutex_lock(&st->mu);
    if (!st->login_wall) {
        ok = true;
    } else if (token != NULL) {
        for (size_t i = 0; i < st->nsessions && !ok; i++)
            ok = strcmp(st->sessions[i], token) == 0;
    }
    pthread_mutex_unlock(&st->mu);
    return ok;
}

cJSON *sb_item_json(const sb_item_t *item)
{
    cJSON *root = cJSON_CreateObject();
    char url[64];
    snprintf(url, sizeof(url), "/marketplace/item/%lld", (long long)item->id);
    cJSON_AddNumberToObject(root, "id", (double)item->id);
    cJSON_AddStringToObject(root, "url", url);
    cJSON_AddStringToObject(root, "title", item->title ? item->title : "");
    cJSON_AddNumberToObject(root, "price_cents", (double)item->price_cents);
    cJSON_AddStringToObject(root, "description", item->description ? item->description : "");
    cJSON_AddStringToObject(root, "condition", item->condition ? item->condition : "");
    cJSON_AddStringToObject(root, "category", item->category ? item->category : "");
    cJSON_AddStringToObject(root, "location", item->location ? item->location : "");
    cJSON_AddStringToObject(root, "created_at", item->created_at);
    cJSON_AddStringToObject(root, "status", item->status);
    cJSON_AddBoolToObject(root, "sold", strcmp(item->status, SB_SOLD) == 0);
    cJSON_AddBoolToObject(root, "deleted", strcmp(item->status, SB_DELETED) == 0);
    if (item->updated_at[0])
        cJSON_AddStringToObject(root, "updated_at", item->updated_at);
    else
        cJSON_AddNullToObject(root, "updated_at");
    cJSON_AddNumberToObject(root, "edits", item->edits);
    cJSON_AddNumberToObject(root, "renew_count", item->renew_count);
    if (item->renewed_s) {
        char at[32];
        time_t t = (time_t)item->renewed_s;
        struct tm tm;
        gmtime_r(&t, &tm);
        strftime(at, sizeof(at), "%Y-%m-%dT%H:%M:%SZ", &tm);
        cJSON_AddStringToObject(root, "renewed_at", at);
    } else {
        cJSON_AddNullToObject(root, "renewed_at");
    }
    int64_t wait = sb_item_renew_wait_s(item);
    cJSON_AddBoolToObject(root, "renewable", wait == 0);
    cJSON *photos = cJSON_AddArrayToObject(root, "photos");
    for (size_t i = 0; i < item->nphotos; i++) {
        const sb_photo_t *p = &item->photos[i];
        cJSON *o = cJSON_CreateObject();
        cJSON_AddStringToObject(o, "name", p->name);
        cJSON_AddStringToObject(o, "sha256", p->sha256);
        cJSON_AddNumberToObject(o, "bytes", (double)p->bytes);
        cJSON_AddStringToObject(o, "format", imgmeta_format_name(p->meta.format));
        cJSON_AddNumberToObject(o, "width", p->meta.width);
        cJSON_AddNumberToObject(o, "height", p->meta.height);
        cJSON_AddBoolToObject(o, "has_exif", p->meta.has_exif);
        cJSON_AddBoolToObject(o, "has_exif_gps", p->meta.has_exif_gps);
        cJSON_AddItemToArray(photos, o);
    }
    return root;
}
