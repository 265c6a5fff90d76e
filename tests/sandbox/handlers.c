/* The sandbox's HTTP routes: the marketplace pages (behind the switchable login wall and
 * checkpoint), the multipart create-item form, and the JSON control API under /_sandbox/
 * (the inbox and buyer messages: inbox_handlers.c). */
#include "sandbox.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include <civetweb.h>

#include "common/log.h"
#include "common/util.h"
#include "common/xmalloc.h"

#define MAX_CONTROL_BODY 4096
#define MAX_LOGIN_BODY 8192

/* ---------------------------------------------------------------- responses */

/* Writes a whole response: status line and headers built here (not with civetweb's
 * mg_response_header_* calls, which do nothing once a "100 Continue" was written), then the
 * body (none for HEAD). Returns status. */
static int send_response(struct mg_connection *conn, int status, const char *content_type,
                         const void *body, size_t len, const char *extra_headers)
{
    char *head = xasprintf("HTTP/1.1 %d %s\r\n"
                           "Content-Type: %s\r\n"
                           "Content-Length: %zu\r\n"
                           "Cache-Control: no-store\r\n"
                           "X-Content-Type-Options: nosniff\r\n"
                           "%s\r\n",
                           status, mg_get_response_code_text(conn, status), content_type, len,
                           extra_headers ? extra_headers : "");
    mg_write(conn, head, strlen(head));
    free(head);
    if (len > 0 && strcmp(mg_get_request_info(conn)->request_method, "HEAD") != 0)
        mg_write(conn, body, len);
    return status;
}

/* Sends a page built by pages.c (takes ownership of html). */
int sb_send_html(struct mg_connection *conn, int status, char *html)
{
    send_response(conn, status, "text/html; charset=utf-8", html, strlen(html), NULL);
    free(html);
    return status;
}

int sb_send_json(struct mg_connection *conn, int status, cJSON *root)
{
    char *text = cJSON_PrintUnformatted(root);
    cJSON_Delete(root);
    if (text == NULL)
        return send_response(conn, 500, "text/plain", "out of memory\n", 14, NULL);
    send_response(conn, status, "application/json", text, strlen(text), NULL);
    cJSON_free(text);
    return status;
}

int sb_send_json_error(struct mg_connection *conn, int status, const char *message)
{
    cJSON *root = cJSON_CreateObject();
    cJSON_AddStringToObject(root, "error", message);
    return sb_send_json(conn, status, root);
}

int sb_send_redirect(struct mg_connection *conn, int status, const char *location,
                     const char *extra_headers)
{
    char *headers = xasprintf("Location: %s\r\n%s", location, extra_headers ? extra_headers : "");
    send_response(conn, status, "text/plain; charset=utf-8", "", 0, headers);
    free(headers);
    return status;
}

/* civetweb 1.15 does not answer "Expect: 100-continue" (curl then stalls 1 s before sending
 * a body): answer it before reading a body. */
static void answer_expect_continue(struct mg_connection *conn)
{
    const char *expect = mg_get_header(conn, "Expect");
    if (expect && strcasecmp(expect, "100-continue") == 0)
        mg_printf(conn, "HTTP/1.1 100 Continue\r\n\r\n");
}

/* Reads the whole body if it is at most max bytes. Returns a NUL-terminated buffer the
 * caller frees, or NULL (too large or the client went away). */
char *sb_read_body(struct mg_connection *conn, size_t max, size_t *len)
{
    const struct mg_request_info *ri = mg_get_request_info(conn);
    if (ri->content_length > (long long)max)
        return NULL;
    answer_expect_continue(conn);
    char *buf = xmalloc(max + 1);
    size_t got = 0;
    for (;;) {
        if (got == max) {
            char probe;
            if (mg_read(conn, &probe, 1) > 0) {
                free(buf);
                return NULL;
            }
            break;
        }
        int n = mg_read(conn, buf + got, max - got);
        if (n < 0) {
            free(buf);
            return NULL;
        }
        if (n == 0)
            break;
        got += (size_t)n;
    }
    buf[got] = '\0';
    *len = got;
    return buf;
}

/* ---------------------------------------------------------------- login wall */

/* A local path safe to redirect to after login: "/x...", not "//host" nor with CR/LF. */
static bool next_is_safe(const char *next)
{
    return next && next[0] == '/' && next[1] != '/' && next[1] != '\\' &&
           strpbrk(next, "\r\n") == NULL;
}

/* The requested path and query, URL-encoded for a next= parameter. Caller frees. */
static char *next_param(const struct mg_request_info *ri)
{
    char *target = ri->query_string ? xasprintf("%s?%s", ri->local_uri, ri->query_string)
                                    : xstrdup(ri->local_uri);
    size_t size = strlen(target) * 3 + 1;
    char *enc = xmalloc(size);
    mg_url_encode(target, enc, size);
    free(target);
    return enc;
}

/* Redirects marketplace requests to the checkpoint or the login page when those are on.
 * Returns the status sent, or 0 when the request may go on. */
static int gate(struct mg_connection *conn, sb_app_t *app)
{
    const struct mg_request_info *ri = mg_get_request_info(conn);
    bool wall = false, checkpoint = false;
    sb_store_flags(&app->store, &wall, &checkpoint, NULL);
    if (checkpoint) {
        char *next = next_param(ri);
        char *loc = xasprintf("/checkpoint/?next=%s", next);
        int status = sb_send_redirect(conn, 302, loc, NULL);
        free(loc);
        free(next);
        return status;
    }
    if (!wall)
        return 0;
    char token[64] = "";
    const char *cookie = mg_get_header(conn, "Cookie");
    if (cookie && mg_get_cookie(cookie, SB_SESSION_COOKIE, token, sizeof(token)) <= 0)
        token[0] = '\0';
    if (sb_store_logged_in(&app->store, token[0] ? token : NULL))
        return 0;
    char *next = next_param(ri);
    char *loc = xasprintf("/login?next=%s", next);
    int status = sb_send_redirect(conn, 302, loc, NULL);
    free(loc);
    free(next);
    return status;
}

static int handle_login_get(struct mg_connection *conn)
{
    const struct mg_request_info *ri = mg_get_request_info(conn);
    char next[1024] = "";
    if (ri->query_string == NULL ||
        mg_get_var(ri->query_string, strlen(ri->query_string), "next", next, sizeof(next)) <= 0 ||
        !next_is_safe(next))
        snprintf(next, sizeof(next), "/marketplace/");
    return sb_send_html(conn, 200, sb_page_login(next, NULL));
}

static int handle_login_post(struct mg_connection *conn, sb_app_t *app)
{
    size_t len = 0;
    char *body = sb_read_body(conn, MAX_LOGIN_BODY, &len);
    if (body == NULL)
        return sb_send_html(conn, 413, sb_page_message("Log in", "The form is too large."));
    char email[256] = "", pass[256] = "", next[1024] = "";
    mg_get_var(body, len, "email", email, sizeof(email));
    mg_get_var(body, len, "pass", pass, sizeof(pass));
    if (mg_get_var(body, len, "next", next, sizeof(next)) <= 0 || !next_is_safe(next))
        snprintf(next, sizeof(next), "/marketplace/");
    free(body);
    if (email[0] == '\0' || pass[0] == '\0')
        return sb_send_html(conn, 200,
                            sb_page_login(next, "Enter your email address and your password."));
    char token[UUID_STR_LEN];
    sb_store_session_new(&app->store, token);
    char *cookie = xasprintf("Set-Cookie: " SB_SESSION_COOKIE
                             "=%s; Path=/; Max-Age=2592000; HttpOnly; SameSite=Lax\r\n",
                             token);
    int status = sb_send_redirect(conn, 302, next, cookie);
    free(cookie);
    return status;
}

/* ---------------------------------------------------------------- create item */

enum { F_TITLE, F_PRICE, F_DESCRIPTION, F_CATEGORY, F_CONDITION, F_LOCATION, F_KEEP, F_COUNT };
#define FIELD_PHOTO 100
static const char *const FIELD_NAMES[F_COUNT] = {"title",     "price",    "description", "category",
                                                 "condition", "location", "keep_photos"};

typedef struct {
    char tmp_path[512];
    size_t bytes;
} upload_t;

typedef struct {
    sb_app_t *app;
    char *fields[F_COUNT];
    size_t lens[F_COUNT];
    upload_t uploads[SB_MAX_PHOTOS];
    size_t nuploads;
    FILE *fp;    /* the photo being received */
    int current; /* field being received: F_* index, FIELD_PHOTO, or -1 (skipped) */
    int error_status;
    char error[256];
} create_form_t;

static int field_index(const char *key)
{
    for (int i = 0; i < F_COUNT; i++)
        if (strcmp(key, FIELD_NAMES[i]) == 0)
            return i;
    return -1;
}

static void form_fail(create_form_t *f, int status, const char *fmt, const char *arg)
{
    if (f->error_status == 0) {
        f->error_status = status;
        snprintf(f->error, sizeof(f->error), fmt, arg);
    }
}

static void close_photo(create_form_t *f)
{
    if (f->fp) {
        if (fclose(f->fp) != 0)
            form_fail(f, 500, "could not store a photo: %s", strerror(errno));
        f->fp = NULL;
    }
}

static int on_field_found(const char *key, const char *filename, char *path, size_t pathlen,
                          void *user_data)
{
    create_form_t *f = user_data;
    (void)path;
    (void)pathlen;
    close_photo(f);
    f->current = -1;
    if (f->error_status)
        return MG_FORM_FIELD_STORAGE_ABORT;
    if (strcmp(key, "photos") == 0) {
        if (filename == NULL || filename[0] == '\0')
            return MG_FORM_FIELD_STORAGE_SKIP; /* the empty part of an empty file input */
        if (f->nuploads == SB_MAX_PHOTOS) {
            char max[16];
            snprintf(max, sizeof(max), "%d", SB_MAX_PHOTOS);
            form_fail(f, 400, "Photos: you can add up to %s photos.", max);
            return MG_FORM_FIELD_STORAGE_ABORT;
        }
        upload_t *u = &f->uploads[f->nuploads];
        char uuid[UUID_STR_LEN];
        util_uuid_v4(uuid);
        snprintf(u->tmp_path, sizeof(u->tmp_path), "%s/.upload-%s", f->app->store.photo_dir, uuid);
        f->fp = fopen(u->tmp_path, "wb");
        if (f->fp == NULL) {
            form_fail(f, 500, "could not store a photo: %s", strerror(errno));
            return MG_FORM_FIELD_STORAGE_ABORT;
        }
        u->bytes = 0;
        f->nuploads++;
        f->current = FIELD_PHOTO;
        return MG_FORM_FIELD_STORAGE_GET;
    }
    f->current = field_index(key);
    if (f->current == F_KEEP && f->lens[F_KEEP] > 0 && f->lens[F_KEEP] < SB_MAX_FIELD) {
        /* the edit form's kept photos: one field per photo, one name per line here */
        f->fields[F_KEEP] = xrealloc(f->fields[F_KEEP], f->lens[F_KEEP] + 2);
        f->fields[F_KEEP][f->lens[F_KEEP]++] = '\n';
        f->fields[F_KEEP][f->lens[F_KEEP]] = '\0';
    }
    return f->current >= 0 ? MG_FORM_FIELD_STORAGE_GET : MG_FORM_FIELD_STORAGE_SKIP;
}

/* civetweb hands over a value in chunks (the key only with the first one, so the field is
 * tracked in f->current): photos are appended to their file, text fields to their buffer,
 * each with a limit. civetweb ignores the return value between chunks, so a field over its
 * limit is failed here and its remaining chunks are dropped. */
static int on_field_get(const char *key, const char *value, size_t valuelen, void *user_data)
{
    create_form_t *f = user_data;
    (void)key;
    if (f->error_status)
        return MG_FORM_FIELD_HANDLE_ABORT;
    if (f->current == FIELD_PHOTO) {
        if (f->fp == NULL || f->nuploads == 0)
            return MG_FORM_FIELD_HANDLE_GET;
        upload_t *u = &f->uploads[f->nuploads - 1];
        if (u->bytes + valuelen > SB_MAX_PHOTO_BYTES) {
            form_fail(f, 413, "Photos: %s is larger than 30 MB.", "a photo");
            return MG_FORM_FIELD_HANDLE_ABORT;
        }
        if (valuelen > 0 && fwrite(value, 1, valuelen, f->fp) != valuelen) {
            form_fail(f, 500, "could not store a photo: %s", strerror(errno));
            return MG_FORM_FIELD_HANDLE_ABORT;
        }
        u->bytes += valuelen;
        return MG_FORM_FIELD_HANDLE_GET;
    }
    int i = f->current;
    if (i < 0 || i >= F_COUNT)
        return MG_FORM_FIELD_HANDLE_GET;
    if (f->lens[i] + valuelen > SB_MAX_FIELD) {
        form_fail(f, 413, "%s: the text is too long.", FIELD_NAMES[i]);
        return MG_FORM_FIELD_HANDLE_ABORT;
    }
    f->fields[i] = xrealloc(f->fields[i], f->lens[i] + valuelen + 1);
    memcpy(f->fields[i] + f->lens[i], value, valuelen);
    f->lens[i] += valuelen;
    f->fields[i][f->lens[i]] = '\0';
    return MG_FORM_FIELD_HANDLE_GET;
}

static int on_field_store(const char *path, long long file_size, void *user_data)
{
    (void)path;
    (void)file_size;
    (void)user_data;
    return MG_FORM_FIELD_HANDLE_NEXT; /* unused: nothing is stored by civetweb itself */
}

static const char *photo_ext(imgmeta_format_t f)
{
    switch (f) {
    case IMGMETA_JPEG:
        return "jpg";
    case IMGMETA_PNG:
        return "png";
    case IMGMETA_WEBP:
        return "webp";
    case IMGMETA_GIF:
        return "gif";
    case IMGMETA_HEIF:
        return "heic";
    case IMGMETA_UNKNOWN:
        break;
    }
    return "bin";
}

/* Reads an uploaded photo, checks it is an image and moves it to its final name. */
static int photo_finish(create_form_t *f, const upload_t *u, sb_photo_t *photo, size_t index)
{
    int rc = -1;
    unsigned char *data = NULL;
    FILE *fp = fopen(u->tmp_path, "rb");
    if (fp == NULL)
        goto cleanup;
    data = xmalloc(u->bytes ? u->bytes : 1);
    if (fread(data, 1, u->bytes, fp) != u->bytes)
        goto cleanup;
    if (imgmeta_probe(data, u->bytes, &photo->meta) != 0) {
        char which[32];
        snprintf(which, sizeof(which), "photo %zu", index + 1);
        form_fail(f, 415, "Photos: %s is not a JPEG, PNG, WebP, GIF or HEIC image.", which);
        goto cleanup;
    }
    util_sha256_hex(data, u->bytes, photo->sha256);
    photo->bytes = u->bytes;
    char uuid[UUID_STR_LEN];
    util_uuid_v4(uuid);
    snprintf(photo->name, sizeof(photo->name), "%s.%s", uuid, photo_ext(photo->meta.format));
    char *final = xasprintf("%s/%s", f->app->store.photo_dir, photo->name);
    int renamed = rename(u->tmp_path, final);
    free(final);
    if (renamed != 0)
        goto cleanup;
    rc = 0;
cleanup:
    if (rc != 0 && f->error_status == 0)
        form_fail(f, 500, "could not store a photo: %s", strerror(errno));
    if (fp)
        fclose(fp);
    free(data);
    return rc;
}

/* A text field without surrounding white space, with the CRLF line breaks browsers send
 * for textareas turned back into the LF the user typed. Caller frees. */
char *sb_trimmed(const char *s)
{
    if (s == NULL)
        return xstrdup("");
    while (*s == ' ' || *s == '\t' || *s == '\r' || *s == '\n')
        s++;
    size_t n = strlen(s);
    while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '\r' || s[n - 1] == '\n'))
        n--;
    char *out = xmalloc(n + 1);
    size_t o = 0;
    for (size_t i = 0; i < n; i++)
        if (!(s[i] == '\r' && i + 1 < n && s[i + 1] == '\n'))
            out[o++] = s[i];
    out[o] = '\0';
    return out;
}

/* The text fields of a parsed form into item, checked; photo count is the caller's. */
static void form_item_fields(create_form_t *f, sb_item_t *item)
{
    item->title = sb_trimmed(f->fields[F_TITLE]);
    item->description = sb_trimmed(f->fields[F_DESCRIPTION]);
    item->category = sb_trimmed(f->fields[F_CATEGORY]);
    item->condition = sb_trimmed(f->fields[F_CONDITION]);
    item->location = sb_trimmed(f->fields[F_LOCATION]);
    if (item->title[0] == '\0')
        form_fail(f, 400, "Title: %s", "enter a title.");
    else if (strlen(item->title) > SB_MAX_TITLE)
        form_fail(f, 400, "Title: %s", "the title is too long.");
    else if (sb_price_parse(f->fields[F_PRICE], &item->price_cents) != 0)
        form_fail(f, 400, "Price: enter a valid price (%s).", "for example 799.99");
    else if (!sb_category_valid(item->category))
        form_fail(f, 400, "Category: %s", "choose a category from the list.");
    else if (!sb_condition_valid(item->condition))
        form_fail(f, 400, "Condition: %s", "choose a condition from the list.");
    else if (strlen(item->description) > SB_MAX_DESCRIPTION)
        form_fail(f, 400, "Description: %s", "the description is too long.");
}

/* The kept photos' names of the edit form (one per line) into *keep. */
static void form_keep(const char *text, char ***keep, size_t *nkeep)
{
    *keep = NULL;
    *nkeep = 0;
    for (const char *p = text; p && *p;) {
        size_t n = strcspn(p, "\n");
        if (n > 0) {
            *keep = xrealloc(*keep, (*nkeep + 1) * sizeof(char *));
            (*keep)[(*nkeep)++] = xstrndup(p, n);
        }
        p += n + (p[n] == '\n');
    }
}

int sb_read_item_form(struct mg_connection *conn, sb_app_t *app, sb_item_t *item, char ***keep,
                      size_t *nkeep, char *error, size_t error_size)
{
    create_form_t f = {.app = app, .current = -1};
    struct mg_form_data_handler fdh = {on_field_found, on_field_get, on_field_store, &f};
    *keep = NULL;
    *nkeep = 0;
    const char *ctype = mg_get_header(conn, "Content-Type");
    long long clen = mg_get_request_info(conn)->content_length;
    if (ctype == NULL || strncasecmp(ctype, "multipart/form-data", 19) != 0) {
        form_fail(&f, 415, "The form must be sent as %s.", "multipart/form-data");
    } else if (clen > (long long)SB_MAX_PHOTOS * SB_MAX_PHOTO_BYTES + 1024 * 1024) {
        form_fail(&f, 413, "The form is larger than %s.", "the photo limits allow");
    } else {
        answer_expect_continue(conn);
        int nfields = mg_handle_form_request(conn, &fdh);
        close_photo(&f);
        if (!f.error_status && nfields < 0)
            form_fail(&f, 400, "The form could not be read (%s).", "malformed multipart body");
    }
    if (!f.error_status)
        form_item_fields(&f, item);
    if (!f.error_status && f.nuploads > 0) {
        item->photos = xcalloc(f.nuploads, sizeof(*item->photos));
        for (size_t i = 0; i < f.nuploads; i++) {
            if (photo_finish(&f, &f.uploads[i], &item->photos[i], i) != 0)
                break;
            item->nphotos++;
        }
    }
    if (!f.error_status)
        form_keep(f.fields[F_KEEP], keep, nkeep);
    for (int i = 0; i < F_COUNT; i++)
        free(f.fields[i]);
    if (!f.error_status)
        return 0;
    /* nothing of a refused form stays on disk */
    for (size_t i = 0; i < f.nuploads; i++)
        unlink(f.uploads[i].tmp_path);
    sb_item_unlink_photos(app, item);
    snprintf(error, error_size, "%s", f.error);
    return f.error_status;
}

void sb_item_unlink_photos(sb_app_t *app, const sb_item_t *item)
{
    for (size_t i = 0; item && i < item->nphotos; i++) {
        char *path = xasprintf("%s/%s", app->store.photo_dir, item->photos[i].name);
        unlink(path);
        free(path);
    }
}

/* A refused form: the page with the reason; the connection cannot carry another request
 * (a refused body may be partly unread). */
int sb_form_refused(struct mg_connection *conn, int status, const char *title, const char *error)
{
    LOG_INFO("%s (%d): %s", title, status, error);
    mg_disable_keep_alive(conn);
    return sb_send_html(conn, status, sb_page_message(title, error));
}

static int handle_create_post(struct mg_connection *conn, sb_app_t *app)
{
    sb_item_t *item = xcalloc(1, sizeof(*item));
    char **keep = NULL;
    size_t nkeep = 0;
    char error[256];
    int status = sb_read_item_form(conn, app, item, &keep, &nkeep, error, sizeof(error));
    for (size_t i = 0; i < nkeep; i++)
        free(keep[i]);
    free(keep);
    if (status == 0 && item->nphotos == 0) {
        status = 400;
        snprintf(error, sizeof(error), "Photos: add at least one photo.");
    }
    char refuse[256];
    sb_store_refuse(&app->store, refuse, sizeof(refuse));
    if (status == 0 && refuse[0]) {
        status = 400;
        snprintf(error, sizeof(error), "%s", refuse);
    }
    if (status != 0) {
        sb_item_free(item);
        return sb_form_refused(conn, status, "Your listing was not published", error);
    }
    size_t nphotos = item->nphotos;
    int64_t id = sb_store_add(&app->store, item);
    LOG_INFO("item %lld published with %zu photos", (long long)id, nphotos);
    int publish_ms = 0, page_ms = 0;
    sb_store_delays(&app->store, &publish_ms, &page_ms);
    if (publish_ms > 0)
        usleep((useconds_t)publish_ms * 1000); /* the item exists; the browser waits */
    char loc[64];
    sb_fb_t fb = sb_store_fb(&app->store);
    if (!fb.on)
        snprintf(loc, sizeof(loc), "/marketplace/item/%lld", (long long)id);
    else if (!fb.land_on_item) /* S1, and S5's other A/B arm: Your listings */
        snprintf(loc, sizeof(loc), "/marketplace/you/selling/");
    else /* S5: straight to the new item */
        snprintf(loc, sizeof(loc), "/marketplace/item/%lld/", (long long)id);
    return sb_send_redirect(conn, 303, loc, NULL);
}

/* ---------------------------------------------------------------- control API */

/* Parses {"on": true|false}. Returns 0 or -1. */
static int read_switch(struct mg_connection *conn, bool *on)
{
    size_t len = 0;
    char *body = sb_read_body(conn, MAX_CONTROL_BODY, &len);
    if (body == NULL)
        return -1;
    cJSON *root = cJSON_ParseWithLength(body, len);
    free(body);
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(root, "on");
    int rc = cJSON_IsBool(v) ? 0 : -1;
    if (rc == 0)
        *on = cJSON_IsTrue(v);
    cJSON_Delete(root);
    return rc;
}

static cJSON *state_json(sb_app_t *app)
{
    bool wall = false, checkpoint = false;
    size_t n = 0;
    int publish_ms = 0, page_ms = 0;
    sb_store_flags(&app->store, &wall, &checkpoint, &n);
    sb_store_delays(&app->store, &publish_ms, &page_ms);
    cJSON *root = cJSON_CreateObject();
    cJSON_AddBoolToObject(root, "login_wall", wall);
    cJSON_AddBoolToObject(root, "checkpoint", checkpoint);
    cJSON_AddNumberToObject(root, "items", (double)n);
    cJSON_AddNumberToObject(root, "publish_delay_ms", publish_ms);
    cJSON_AddNumberToObject(root, "page_delay_ms", page_ms);
    sb_fb_t fb = sb_store_fb(&app->store);
    cJSON_AddItemToObject(root, "facebook", sb_fb_json(&fb));
    return root;
}

/* Parses {"publish_ms": int, "page_ms": int} (both optional, 0..120000). Returns 0 or -1. */
static int read_delays(struct mg_connection *conn, int *publish_ms, int *page_ms)
{
    size_t len = 0;
    char *body = sb_read_body(conn, MAX_CONTROL_BODY, &len);
    if (body == NULL)
        return -1;
    cJSON *root = cJSON_ParseWithLength(body, len);
    free(body);
    int rc = cJSON_IsObject(root) ? 0 : -1;
    const char *keys[] = {"publish_ms", "page_ms"};
    int *outs[] = {publish_ms, page_ms};
    for (size_t i = 0; rc == 0 && i < 2; i++) {
        const cJSON *v = cJSON_GetObjectItemCaseSensitive(root, keys[i]);
        if (v == NULL)
            continue;
        if (!cJSON_IsNumber(v) || v->valuedouble < 0 || v->valuedouble > SB_MAX_DELAY_MS)
            rc = -1;
        else
            *outs[i] = (int)v->valuedouble;
    }
    cJSON_Delete(root);
    return rc;
}

/* Parses the id of "/marketplace/item/<id>[/]" or "/_sandbox/items/<id>". */
int sb_parse_id(const char *s, int64_t *id)
{
    char *end = NULL;
    errno = 0;
    long long v = strtoll(s, &end, 10);
    if (errno || end == s || v <= 0 || (*end != '\0' && strcmp(end, "/") != 0))
        return -1;
    *id = v;
    return 0;
}

static bool photo_name_valid(const char *name)
{
    if (name[0] == '\0' || name[0] == '.' || strlen(name) >= 64)
        return false;
    for (const char *c = name; *c; c++)
        if (!((*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') || (*c >= '0' && *c <= '9') ||
              *c == '-' || *c == '.' || *c == '_'))
            return false;
    return true;
}

static int handle_photo(struct mg_connection *conn, sb_app_t *app, const char *name)
{
    if (!photo_name_valid(name))
        return sb_send_json_error(conn, 404, "no such photo");
    char *path = xasprintf("%s/%s", app->store.photo_dir, name);
    FILE *fp = fopen(path, "rb");
    free(path);
    if (fp == NULL)
        return sb_send_json_error(conn, 404, "no such photo");
    size_t cap = 1 << 16, len = 0;
    unsigned char *data = xmalloc(cap);
    size_t n;
    while ((n = fread(data + len, 1, cap - len, fp)) > 0) {
        len += n;
        if (len == cap)
            data = xrealloc(data, cap *= 2);
    }
    fclose(fp);
    imgmeta_t meta;
    const char *ctype = "application/octet-stream";
    if (imgmeta_probe(data, len, &meta) == 0) {
        static const char *const types[] = {"application/octet-stream",
                                            "image/jpeg",
                                            "image/png",
                                            "image/webp",
                                            "image/gif",
                                            "image/heic"};
        ctype = types[meta.format];
    }
    int status = send_response(conn, 200, ctype, data, len, NULL);
    free(data);
    return status;
}

static int handle_control(struct mg_connection *conn, sb_app_t *app, const char *method,
                          const char *path)
{
    bool get = strcmp(method, "GET") == 0, post = strcmp(method, "POST") == 0;
    int inbox = sb_inbox_control(conn, app, method, path);
    if (inbox)
        return inbox;
    int seller = sb_seller_control(conn, app, method, path);
    if (seller)
        return seller;
    if (get && strcmp(path, "/_sandbox/items") == 0) {
        sb_item_t **items = NULL;
        size_t n = 0;
        sb_store_list(&app->store, &items, &n);
        cJSON *arr = cJSON_CreateArray();
        for (size_t i = 0; i < n; i++)
            cJSON_AddItemToArray(arr, sb_item_json(items[i]));
        sb_items_free(items, n);
        return sb_send_json(conn, 200, arr);
    }
    if (get && strncmp(path, "/_sandbox/items/", 16) == 0) {
        int64_t id = 0;
        sb_item_t *item = sb_parse_id(path + 16, &id) == 0 ? sb_store_get(&app->store, id) : NULL;
        if (item == NULL)
            return sb_send_json_error(conn, 404, "no such item");
        cJSON *root = sb_item_json(item);
        sb_item_free(item);
        return sb_send_json(conn, 200, root);
    }
    if (get && strncmp(path, "/_sandbox/photos/", 17) == 0)
        return handle_photo(conn, app, path + 17);
    if (get && strcmp(path, "/_sandbox/state") == 0)
        return sb_send_json(conn, 200, state_json(app));
    if (post &&
        (strcmp(path, "/_sandbox/login-wall") == 0 || strcmp(path, "/_sandbox/checkpoint") == 0)) {
        bool on = false;
        if (read_switch(conn, &on) != 0)
            return sb_send_json_error(conn, 400,
                                      "the body must be {\"on\": true} or {\"on\": false}");
        if (path[10] == 'l')
            sb_store_set_login_wall(&app->store, on);
        else
            sb_store_set_checkpoint(&app->store, on);
        LOG_INFO("%s %s", path + 10, on ? "on" : "off");
        return sb_send_json(conn, 200, state_json(app));
    }
    if (post && strcmp(path, "/_sandbox/refuse") == 0) {
        /* {"error": "Title: ..."} refuses every publish with that message; {"error": null}
         * ends it */
        size_t len = 0;
        char *body = sb_read_body(conn, MAX_CONTROL_BODY, &len);
        cJSON *root = body ? cJSON_ParseWithLength(body, len) : NULL;
        free(body);
        const cJSON *e = cJSON_GetObjectItemCaseSensitive(root, "error");
        bool ok = cJSON_IsString(e) || cJSON_IsNull(e);
        if (ok)
            sb_store_set_refuse(&app->store, cJSON_IsString(e) ? e->valuestring : NULL);
        cJSON_Delete(root);
        if (!ok)
            return sb_send_json_error(conn, 400, "the body must be {\"error\": \"...\" or null}");
        return sb_send_json(conn, 200, state_json(app));
    }
    if (post && strcmp(path, "/_sandbox/delays") == 0) {
        int publish_ms = 0, page_ms = 0;
        sb_store_delays(&app->store, &publish_ms, &page_ms);
        if (read_delays(conn, &publish_ms, &page_ms) != 0)
            return sb_send_json_error(conn, 400,
                                      "the body must be {\"publish_ms\": 0..120000, "
                                      "\"page_ms\": 0..120000}");
        sb_store_set_delays(&app->store, publish_ms, page_ms);
        LOG_INFO("delays: publish %d ms, page %d ms", publish_ms, page_ms);
        return sb_send_json(conn, 200, state_json(app));
    }
    if (post && strcmp(path, "/_sandbox/facebook") == 0) {
        size_t len = 0;
        char *body = sb_read_body(conn, MAX_CONTROL_BODY, &len);
        sb_fb_t fb = sb_store_fb(&app->store);
        char error[256] = "the body is missing or too large";
        int bad = !body || sb_fb_parse(body, len, &fb, error, sizeof(error)) != 0;
        free(body);
        if (bad)
            return sb_send_json_error(conn, 400, error);
        sb_store_set_fb(&app->store, &fb);
        LOG_INFO("facebook variant: %s, category %s%s%s%s%s%s%s", fb.on ? "on" : "off",
                 fb.category[0] ? fb.category : "dialog", fb.more_details ? ", more details" : "",
                 fb.extra_steps ? ", extra steps" : "", fb.leave_page ? ", leave page" : "",
                 fb.land_on_item ? ", lands on the item" : "",
                 fb.monthly_limit ? ", monthly limit" : "", fb.blocked ? ", blocked" : "");
        return sb_send_json(conn, 200, state_json(app));
    }
    if (post && strcmp(path, "/_sandbox/reset") == 0) {
        sb_store_reset(&app->store);
        LOG_INFO("reset");
        return sb_send_json(conn, 200, state_json(app));
    }
    return sb_send_json_error(conn, get || post ? 404 : 405, "no such control endpoint");
}

/* ---------------------------------------------------------------- dispatch */

static bool path_is(const char *path, const char *route)
{
    size_t n = strlen(route);
    return strncmp(path, route, n) == 0 &&
           (path[n] == '\0' || (path[n] == '/' && path[n + 1] == '\0'));
}

/* The item page; "?sent=<thread id>" (after "Message seller") shows the confirmation. */
static int handle_item_page(struct mg_connection *conn, sb_app_t *app, const char *id_text)
{
    int64_t id = 0;
    sb_item_t *item = sb_parse_id(id_text, &id) == 0 ? sb_store_get(&app->store, id) : NULL;
    if (item && strcmp(item->status, SB_DELETED) == 0) {
        sb_item_free(item);
        item = NULL; /* as on Facebook: a deleted listing's page says it is not available */
    }
    if (item == NULL)
        return sb_send_html(conn, 404,
                            sb_page_message("This listing isn't available",
                                            "The link may be broken or the listing "
                                            "may have been removed."));
    const char *q = mg_get_request_info(conn)->query_string;
    char sent[24] = "";
    int64_t sent_thread = 0;
    if (q && mg_get_var(q, strlen(q), "sent", sent, sizeof(sent)) > 0 &&
        sb_parse_id(sent, &sent_thread) != 0)
        sent_thread = 0;
    int status = sb_send_html(conn, 200, sb_page_item(item, NULL, sent_thread));
    sb_item_free(item);
    return status;
}

static int dispatch(struct mg_connection *conn, sb_app_t *app)
{
    const struct mg_request_info *ri = mg_get_request_info(conn);
    const char *method = ri->request_method;
    const char *path = ri->local_uri;
    bool get = strcmp(method, "GET") == 0 || strcmp(method, "HEAD") == 0;
    bool post = strcmp(method, "POST") == 0;

    if (strncmp(path, "/_sandbox/", 10) == 0)
        return handle_control(conn, app, method, path);
    if (get && (strcmp(path, "/healthz") == 0 || strcmp(path, "/readyz") == 0))
        return send_response(conn, 200, "application/json", "{\"status\":\"ok\"}", 15, NULL);
    if (path_is(path, "/login"))
        return get    ? handle_login_get(conn)
               : post ? handle_login_post(conn, app)
                      : send_response(conn, 405, "text/plain", "", 0, NULL);
    if (path_is(path, "/checkpoint"))
        return sb_send_html(conn, 200, sb_page_checkpoint());
    if (strcmp(path, "/favicon.ico") == 0)
        return send_response(conn, 404, "text/plain", "", 0, NULL);

    int gated = gate(conn, app);
    if (gated)
        return gated;
    int publish_ms = 0, page_ms = 0;
    sb_store_delays(&app->store, &publish_ms, &page_ms);
    if (page_ms > 0)
        usleep((useconds_t)page_ms * 1000); /* a slow site */

    if (get && (strcmp(path, "/") == 0))
        return sb_send_redirect(conn, 302, "/marketplace/", NULL);
    if (get && path_is(path, "/marketplace"))
        return sb_send_html(conn, 200, sb_page_index());
    if (path_is(path, "/marketplace/create/item")) {
        sb_fb_t fb = sb_store_fb(&app->store);
        if (get && fb.on)
            return sb_send_html(conn, 200,
                                fb.blocked ? sb_page_fb_blocked() : sb_page_fb_create(&fb));
        if (get)
            return sb_send_html(conn, 200, sb_page_create());
        if (post && fb.on && (fb.blocked || fb.monthly_limit))
            return sb_form_refused(conn, 403, "Your listing was not published",
                                   fb.blocked ? "You're temporarily blocked from listing."
                                              : "You've reached your monthly limit.");
        if (post)
            return handle_create_post(conn, app);
    }
    int inbox = sb_inbox_page(conn, app, method, path);
    if (inbox)
        return inbox;
    int seller = sb_seller_page(conn, app, method, path);
    if (seller)
        return seller;
    if (get && strncmp(path, "/marketplace/item/", 18) == 0)
        return handle_item_page(conn, app, path + 18);
    if (get && path_is(path, "/marketplace/you/selling")) {
        sb_item_t **items = NULL;
        size_t n = 0;
        sb_store_list(&app->store, &items, &n);
        const char *q = mg_get_request_info(conn)->query_string;
        char search[512] = "";
        if (q && mg_get_var(q, strlen(q), "title_search", search, sizeof(search)) < 0)
            search[0] = '\0';
        sb_fb_t fb = sb_store_fb(&app->store);
        int status = sb_send_html(
            conn, 200, sb_page_selling(items, n, fb.on ? &fb : NULL, search[0] ? search : NULL));
        sb_items_free(items, n);
        return status;
    }
    return sb_send_html(conn, 404, sb_page_message("Page not found", "This page isn't available."));
}

static int on_request(struct mg_connection *conn, void *cbdata)
{
    const struct mg_request_info *ri = mg_get_request_info(conn);
    int status = dispatch(conn, cbdata);
    LOG_DEBUG("%s %s -> %d", ri->request_method, ri->local_uri, status);
    return status;
}

void sb_handlers_mount(struct mg_context *ctx, sb_app_t *app)
{
    mg_set_request_handler(ctx, "/", on_request, app);
}
