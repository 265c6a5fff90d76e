/* Commands on a listing's images (see listing_images.h). */
#include "domain/listing_images.h"

#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app.h"
#include "common/xmalloc.h"
#include "domain/image_intake.h"
#include "domain/job_update.h"
#include "domain/tx.h"
#include "store/image_store.h"
#include "store/listing_store.h"

int listing_images_add(struct app *app, int64_t id, const char *const *paths, size_t n,
                       cmd_result_t *r)
{
    image_stored_t *stored = NULL;
    listing_row_t row;
    store_err_t err;
    tx_t tx;
    int rc = -1;

    if (image_intake_begin(app, paths, n, &stored, &tx, r) != 0)
        goto end;
    if (cmd_found(r, listing_store_lock(tx.pg, id, false, &row, &err), "reading the listing", &err,
                  "Listing not found") != 0)
        goto end;
    if (row.image_count + (long)n > app->cfg.max_images) {
        cmd_fail(r, CMD_INVALID, "images",
                 "images: a listing has at most %lld images (%ld already)", app->cfg.max_images,
                 row.image_count);
        goto end;
    }
    if (image_store_insert(tx.pg, id, row.next_position, stored, n, &err) != 0) {
        cmd_db_fail(r, "storing the images", &err);
        goto end;
    }
    /* New photos reach the live postings (migrations/0009_*: update jobs). */
    if (strcmp(row.status, "active") == 0 && update_listing(&tx, id, EDIT_IMAGES, r) != 0)
        goto end;
    rc = tx_commit(&tx, r);
end:
    tx_end(&tx);
    free(stored);
    return rc;
}

int listing_images_remove(struct app *app, int64_t id, int64_t image_id, cmd_result_t *r)
{
    listing_row_t row;
    store_err_t err;
    char name[64];
    tx_t tx;
    int rc = -1;

    if (tx_begin(&tx, app, API_DB_TIMEOUT_MS, r) != 0)
        goto end;
    /* The listing first, as every command that changes images locks it: the delete's trigger
     * raises the listing's version (migrations/0004_*), and taking the image row before the
     * listing row would deadlock with a listing delete or reorder holding them the other way. */
    if (cmd_found(r, listing_store_lock(tx.pg, id, false, &row, &err), "reading the listing", &err,
                  "Image not found") != 0)
        goto end;
    if (cmd_found(r, image_store_delete(tx.pg, id, image_id, name, &err), "deleting the image",
                  &err, "Image not found") != 0)
        goto end;
    tx_remove_on_commit(&tx, name);
    if (strcmp(row.status, "active") == 0 && update_listing(&tx, id, EDIT_IMAGES, r) != 0)
        goto end;
    rc = tx_commit(&tx, r);
end:
    tx_end(&tx);
    return rc;
}

/* ids as a PostgreSQL array literal "{1,2,3}" (caller frees). */
static char *id_array(const int64_t *ids, size_t n)
{
    size_t cap = n * 21 + 3, len = 0;
    char *out = xmalloc(cap);
    out[len++] = '{';
    for (size_t i = 0; i < n; i++)
        len += (size_t)snprintf(out + len, cap - len, "%s%" PRId64, i ? "," : "", ids[i]);
    snprintf(out + len, cap - len, "}");
    return out;
}

int listing_images_reorder(struct app *app, int64_t id, const int64_t *ids, size_t n,
                           cmd_result_t *r)
{
    char *list = id_array(ids, n);
    store_err_t err;
    bool matches = false;
    tx_t tx;
    int rc = -1;

    if (tx_begin(&tx, app, API_DB_TIMEOUT_MS, r) != 0)
        goto end;
    if (cmd_found(r, image_store_order_check(tx.pg, id, list, &matches, &err), "reading the images",
                  &err, "Listing not found") != 0)
        goto end;
    if (!matches) {
        cmd_fail(r, CMD_INVALID, "order", "order: must list every image id of the listing once");
        goto end;
    }
    if (image_store_reorder(tx.pg, id, list, &err) != 0) {
        cmd_db_fail(r, "reordering the images", &err);
        goto end;
    }
    if (update_listing(&tx, id, EDIT_IMAGES, r) != 0) /* a new cover photo, a new order */
        goto end;
    rc = tx_commit(&tx, r);
end:
    tx_end(&tx);
    free(list);
    return rc;
}
