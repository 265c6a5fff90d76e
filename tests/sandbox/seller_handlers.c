/* The seller's actions on a listing (behind the login wall like every marketplace page):
 * mark sold or available again, delete, and the edit form; plus the control route that sets
 * an item's status directly for tests. The pages are seller_pages.c. */
#include "sandbox.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <civetweb.h>

#include "common/log.h"
#include "common/xmalloc.h"

#define MAX_CONTROL_BODY 4096

static const char *const UNAVAILABLE = "This listing isn't available";
static const char *const UNAVAILABLE_WHY =
    "The link may be broken or the listing may have been removed.";

/* POST /marketplace/item/<id>/renew: Facebook's "Renew listing"; refused (409) within 7 days
 * of the listing or its last renew, and after 5 renewals. */
static int handle_renew(struct mg_connection *conn, sb_app_t *app, int64_t id)
{
    sb_status_t rc = sb_store_renew(&app->store, id);
    if (rc == SB_NO_ITEM)
        return sb_send_json_error(conn, 404, "no such item");
    if (rc == SB_REFUSED)
        return sb_send_json_error(conn, 409, "You can't renew this listing yet.");
    LOG_INFO("item %lld renewed", (long long)id);
    sb_item_t *item = sb_store_get(&app->store, id);
    cJSON *out = sb_item_json(item);
    sb_item_free(item);
    return sb_send_json(conn, 200, out);
}

/* POST /marketplace/item/<id>/(sold|available|delete|renew): what the page's script sends. */
static int handle_status(struct mg_connection *conn, sb_app_t *app, int64_t id, const char *what)
{
    if (strcmp(what, "renew") == 0)
        return handle_renew(conn, app, id);
    const char *status = strcmp(what, "sold") == 0        ? SB_SOLD
                         : strcmp(what, "available") == 0 ? SB_ACTIVE
                                                          : SB_DELETED;
    if (sb_store_set_status(&app->store, id, status) != SB_OK)
        return sb_send_json_error(conn, 404, "no such item");
    LOG_INFO("item %lld %s", (long long)id, status);
    cJSON *root = cJSON_CreateObject();
    cJSON_AddNumberToObject(root, "id", (double)id);
    cJSON_AddStringToObject(root, "status", status);
    return sb_send_json(conn, 200, root);
}

/* The listing_id of /marketplace/edit/?listing_id=<id>, or 0. */
static int64_t edit_id(struct mg_connection *conn)
{
    const char *q = mg_get_request_info(conn)->query_string;
    char text[24] = "";
    int64_t id = 0;
    if (!q || mg_get_var(q, strlen(q), "listing_id", text, sizeof(text)) <= 0 ||
        sb_parse_id(text, &id) != 0)
        return 0;
    return id;
}

/* The live item of id (a copy), or NULL for an unknown or deleted one. */
static sb_item_t *live_item(sb_app_t *app, int64_t id)
{
    sb_item_t *item = id > 0 ? sb_store_get(&app->store, id) : NULL;
    if (item && strcmp(item->status, SB_DELETED) == 0) {
        sb_item_free(item);
        return NULL;
    }
    return item;
}

/* The edit's photos: the kept ones of the current item (in the form's order, unknown names
 * ignored), then the new uploads. */
static void edit_photo_list(const sb_item_t *cur, char **keep, size_t nkeep, sb_item_t *edit)
{
    sb_photo_t *all = xcalloc(nkeep + edit->nphotos + 1, sizeof(*all));
    size_t n = 0;
    for (size_t k = 0; k < nkeep; k++)
        for (size_t i = 0; i < cur->nphotos; i++)
            if (strcmp(cur->photos[i].name, keep[k]) == 0)
                all[n++] = cur->photos[i];
    for (size_t i = 0; i < edit->nphotos; i++)
        all[n++] = edit->photos[i];
    free(edit->photos);
    edit->photos = all;
    edit->nphotos = n;
}

static int handle_edit_post(struct mg_connection *conn, sb_app_t *app, sb_item_t *cur)
{
    sb_item_t *edit = xcalloc(1, sizeof(*edit));
    char **keep = NULL;
    size_t nkeep = 0;
    char error[256];
    int status = sb_read_item_form(conn, app, edit, &keep, &nkeep, error, sizeof(error));
    size_t nnew = edit->nphotos;
    if (status == 0) {
        edit_photo_list(cur, keep, nkeep, edit);
        if (edit->nphotos == 0 || edit->nphotos > SB_MAX_PHOTOS) {
            status = 400;
            snprintf(error, sizeof(error), "Photos: a listing has 1 to %d photos.", SB_MAX_PHOTOS);
        }
    }
    for (size_t i = 0; i < nkeep; i++)
        free(keep[i]);
    free(keep);
    if (status == 0 && sb_store_edit(&app->store, cur->id, edit) != SB_OK) {
        status = 404;
        snprintf(error, sizeof(error), "%s", UNAVAILABLE);
    }
    if (status != 0) {
        /* only the new uploads are this form's files: the last nnew of the list */
        sb_item_t fresh = {.photos = edit->photos + (edit->nphotos - nnew), .nphotos = nnew};
        if (edit->photos && edit->nphotos >= nnew)
            sb_item_unlink_photos(app, &fresh);
        sb_item_free(edit);
        return sb_form_refused(conn, status, "Your listing was not updated", error);
    }
    LOG_INFO("item %lld edited (%zu new photos)", (long long)cur->id, nnew);
    sb_item_free(edit);
    char loc[64];
    snprintf(loc, sizeof(loc), "/marketplace/item/%lld", (long long)cur->id);
    return sb_send_redirect(conn, 303, loc, NULL);
}

int sb_seller_page(struct mg_connection *conn, sb_app_t *app, const char *method, const char *path)
{
    bool get = strcmp(method, "GET") == 0 || strcmp(method, "HEAD") == 0;
    bool post = strcmp(method, "POST") == 0;
    if (strcmp(path, "/marketplace/edit/") == 0 || strcmp(path, "/marketplace/edit") == 0) {
        if (!get && !post)
            return 0;
        sb_item_t *item = live_item(app, edit_id(conn));
        if (!item)
            return sb_send_html(conn, 404, sb_page_message(UNAVAILABLE, UNAVAILABLE_WHY));
        int status =
            get ? sb_send_html(conn, 200, sb_page_edit(item)) : handle_edit_post(conn, app, item);
        sb_item_free(item);
        return status;
    }
    if (!post || strncmp(path, "/marketplace/item/", 18) != 0)
        return 0;
    const char *what = strrchr(path, '/');
    if (!what || (strcmp(what, "/sold") != 0 && strcmp(what, "/available") != 0 &&
                  strcmp(what, "/delete") != 0 && strcmp(what, "/renew") != 0))
        return 0;
    char idtext[24];
    size_t n = (size_t)(what - (path + 18));
    if (n == 0 || n >= sizeof(idtext))
        return 0;
    memcpy(idtext, path + 18, n);
    idtext[n] = '\0';
    int64_t id = 0;
    if (sb_parse_id(idtext, &id) != 0)
        return 0;
    return handle_status(conn, app, id, what + 1);
}

/* POST /_sandbox/items/<id>/age {"days": N}: the item was listed (and last renewed) N days
 * earlier, so a test sees a stale listing without waiting a week. Takes root. */
static int control_age(struct mg_connection *conn, sb_app_t *app, int64_t id, cJSON *root)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(root, "days");
    bool ok = cJSON_IsNumber(v) && v->valuedouble >= 0 && v->valuedouble <= 3650;
    int days = ok ? (int)v->valuedouble : 0;
    cJSON_Delete(root);
    if (!ok)
        return sb_send_json_error(conn, 400, "days: must be a number from 0 to 3650");
    if (sb_store_age(&app->store, id, days) != SB_OK)
        return sb_send_json_error(conn, 404, "no such item (or deleted)");
    sb_item_t *item = sb_store_get(&app->store, id);
    cJSON *out = sb_item_json(item);
    sb_item_free(item);
    return sb_send_json(conn, 200, out);
}

int sb_seller_control(struct mg_connection *conn, sb_app_t *app, const char *method,
                      const char *path)
{
    static const char PREFIX[] = "/_sandbox/items/";
    if (strcmp(method, "POST") != 0 || strncmp(path, PREFIX, sizeof(PREFIX) - 1) != 0)
        return 0;
    const char *rest = path + sizeof(PREFIX) - 1;
    const char *slash = strchr(rest, '/');
    if (!slash || (strcmp(slash, "/status") != 0 && strcmp(slash, "/age") != 0))
        return 0;
    char idtext[24];
    size_t n = (size_t)(slash - rest);
    int64_t id = 0;
    if (n == 0 || n >= sizeof(idtext))
        return sb_send_json_error(conn, 404, "no such item");
    memcpy(idtext, rest, n);
    idtext[n] = '\0';
    if (sb_parse_id(idtext, &id) != 0)
        return sb_send_json_error(conn, 404, "no such item");
    size_t len = 0;
    char *body = sb_read_body(conn, MAX_CONTROL_BODY, &len);
    cJSON *root = body ? cJSON_ParseWithLength(body, len) : NULL;
    free(body);
    if (strcmp(slash, "/age") == 0)
        return control_age(conn, app, id, root);
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(root, "status");
    const char *status = cJSON_IsString(v) ? v->valuestring : "";
    bool ok = strcmp(status, SB_ACTIVE) == 0 || strcmp(status, SB_SOLD) == 0 ||
              strcmp(status, SB_DELETED) == 0;
    int rc = 0;
    if (!ok)
        rc = sb_send_json_error(conn, 400, "status: must be \"active\", \"sold\" or \"deleted\"");
    else if (sb_store_set_status(&app->store, id, status) != SB_OK)
        rc = sb_send_json_error(conn, 404, "no such item (or deleted)");
    cJSON_Delete(root);
    if (rc)
        return rc;
    sb_item_t *item = sb_store_get(&app->store, id);
    cJSON *out = sb_item_json(item);
    sb_item_free(item);
    return sb_send_json(conn, 200, out);
}
