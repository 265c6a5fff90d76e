/* Listing commands (see listing.h). */
#include "domain/listing.h"

#include <inttypes.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "app.h"
#include "common/event.h"
#include "common/log.h"
#include "domain/image_intake.h"
#include "domain/delisting.h"
#include "domain/job_update.h"
#include "domain/tx.h"
#include "store/image_store.h"
#include "store/listing_store.h"

/* The given fields of in as column values: the one place input meets columns. */
static void listing_values(const listing_input_t *in, listing_values_t *v)
{
    memset(v, 0, sizeof(*v));
    if (in->has_title)
        listing_values_text(v, LISTING_TITLE, in->title);
    if (in->has_description)
        listing_values_text(v, LISTING_DESCRIPTION, in->description ? in->description : "");
    if (in->has_price)
        listing_values_i64(v, LISTING_PRICE_CENTS, in->price_cents);
    if (in->has_min_price && in->min_price_cents > 0)
        listing_values_i64(v, LISTING_MIN_PRICE_CENTS, in->min_price_cents);
    else if (in->has_min_price)
        listing_values_text(v, LISTING_MIN_PRICE_CENTS, NULL); /* cleared: no floor */
    if (in->has_currency)
        listing_values_text(v, LISTING_CURRENCY, in->currency);
    if (in->has_flexibility)
        listing_values_f64(v, LISTING_FLEXIBILITY, in->flexibility);
    if (in->has_seller_notes)
        listing_values_text(v, LISTING_SELLER_NOTES, in->seller_notes);
    if (in->has_condition)
        listing_values_text(v, LISTING_CONDITION, in->condition);
    if (in->has_category)
        listing_values_text(v, LISTING_CATEGORY, in->category);
    if (in->has_location)
        listing_values_text(v, LISTING_LOCATION, in->location);
    if (in->has_status)
        listing_values_text(v, LISTING_STATUS, in->status);
}

int listing_create(struct app *app, const listing_input_t *in, const char *const *paths,
                   size_t npaths, int64_t *id, cmd_result_t *r)
{
    image_stored_t *stored = NULL;
    listing_values_t values;
    store_err_t err;
    tx_t tx;
    int rc = -1;

    listing_values(in, &values);
    if (image_intake_begin(app, paths, npaths, &stored, &tx, r) != 0)
        goto end;
    if (listing_store_insert(tx.pg, &values, id, &err) != 0) {
        cmd_db_fail(r, "creating the listing", &err);
        goto end;
    }
    if (image_store_insert(tx.pg, *id, 0, stored, npaths, &err) != 0) {
        cmd_db_fail(r, "storing the images", &err);
        goto end;
    }
    rc = tx_commit(&tx, r);
    if (rc == 0)
        LOG_INFO("listing %" PRId64 " created with %zu image(s)", *id, npaths);
end:
    tx_end(&tx);
    free(stored);
    return rc;
}

/* The statuses a seller may set: deleting and delete_failed belong to DELETE. */
static int status_check(const listing_row_t *row, const listing_input_t *in, cmd_result_t *r)
{
    if (strcmp(row->status, "deleting") == 0 || strcmp(row->status, "delete_failed") == 0)
        return cmd_fail(r, CMD_CONFLICT, NULL,
                        "the listing is being deleted (%s); only DELETE applies to it",
                        row->status);
    (void)in;
    return 0;
}

/* Checks the merged floor and the image count of an update against the locked row. */
static int update_check(const struct app *app, const listing_input_t *in, const listing_row_t *row,
                        size_t nnew, cmd_result_t *r)
{
    int64_t price = in->has_price ? in->price_cents : row->price_cents;
    int64_t floor_cents = in->has_min_price ? in->min_price_cents : row->min_price_cents;
    listing_error_t lerr = {"", ""};
    if (listing_check_floor(price, floor_cents, &lerr) != 0)
        return cmd_fail(r, CMD_INVALID, lerr.field, "%s", lerr.detail);
    if (row->image_count + (long)nnew > app->cfg.max_images)
        return cmd_fail(r, CMD_INVALID, "images",
                        "images: a listing has at most %lld images (%ld already)",
                        app->cfg.max_images, row->image_count);
    return 0;
}

/* What an edit changes that the postings show (EDIT_* bits), read before it is written. */
static int edit_mask(tx_t *tx, int64_t id, const listing_input_t *in, size_t nimages,
                     unsigned *mask, cmd_result_t *r)
{
    store_err_t err;
    listing_changes_t c;
    const char *description = in->description ? in->description : "";
    if (listing_store_changes(tx->pg, id, in->has_title ? in->title : NULL,
                              in->has_description ? description : NULL,
                              in->has_price ? in->price_cents : 0, &c, &err) != 0)
        return cmd_db_fail(r, "reading the listing", &err);
    *mask = (c.price ? EDIT_PRICE : 0u) | (c.title ? EDIT_TITLE : 0u) |
            (c.description ? EDIT_DESCRIPTION : 0u) | (nimages ? EDIT_IMAGES : 0u);
    return 0;
}

/* After the write: leaving "active" (sold elsewhere, archived) takes the postings down; an
 * edit of an active listing reaches them. */
static int update_effects(tx_t *tx, int64_t id, const listing_input_t *in, const char *was,
                          unsigned mask, cmd_result_t *r)
{
    store_err_t err;
    bool active = strcmp(was, "active") == 0;
    if (!in->has_status || strcmp(in->status, was) == 0 || strcmp(in->status, "active") == 0)
        return active ? update_listing(tx, id, mask, r) : 0;
    if (strcmp(in->status, "sold") == 0 && listing_store_mark_sold(tx->pg, id, 0, NULL, &err) != 0)
        return cmd_db_fail(r, "marking the listing sold", &err);
    if (!active)
        return 0;
    return delist_listing(tx, id, delist_reason_for(in->status), NULL, NULL, NULL, r);
}

int listing_update(struct app *app, int64_t id, const listing_input_t *in, const char *const *paths,
                   size_t npaths, cmd_result_t *r)
{
    image_stored_t *stored = NULL;
    listing_values_t values;
    listing_row_t row;
    store_err_t err;
    unsigned mask = 0;
    tx_t tx;
    int rc = -1;

    listing_values(in, &values);
    if (image_intake_begin(app, paths, npaths, &stored, &tx, r) != 0)
        goto end;
    if (cmd_found(r, listing_store_lock(tx.pg, id, false, &row, &err), "reading the listing", &err,
                  "Listing not found") != 0)
        goto end;
    if (update_check(app, in, &row, npaths, r) != 0 || status_check(&row, in, r) != 0 ||
        edit_mask(&tx, id, in, npaths, &mask, r) != 0)
        goto end;
    if (listing_store_update(tx.pg, id, &values, &err) != 0 ||
        image_store_insert(tx.pg, id, row.next_position, stored, npaths, &err) != 0) {
        cmd_db_fail(r, "updating the listing", &err);
        goto end;
    }
    if (update_effects(&tx, id, in, row.status, mask, r) != 0)
        goto end;
    rc = tx_commit(&tx, r);
end:
    tx_end(&tx);
    free(stored);
    return rc;
}

/* The delete of a listing whose postings are live: it waits (deleting, hidden) for their
 * delists; the last one to end removes it (delist_settle_listing). */
static int delete_later(tx_t *tx, int64_t id, const char *was, listing_delete_t *out,
                        cmd_result_t *r)
{
    store_err_t err;
    if (strcmp(was, "deleting") != 0 && strcmp(was, "delete_failed") != 0 &&
        listing_store_set_status(tx->pg, id, "deleting", &err) != 0)
        return cmd_db_fail(r, "marking the listing deleting", &err);
    /* Again on delete_failed: the failed delists are requested anew. */
    if (delist_listing(tx, id, DELIST_DELETED, NULL, &out->delist_jobs, &out->waiting_jobs, r) != 0)
        return -1;
    return delist_settle_listing(tx, id, r);
}

int listing_delete(struct app *app, int64_t id, bool force, listing_delete_t *out, cmd_result_t *r)
{
    store_names_t names = {NULL, 0};
    listing_row_t row;
    store_err_t err;
    tx_t tx;
    int rc = -1;

    memset(out, 0, sizeof(*out));
    if (tx_begin(&tx, app, API_DB_TIMEOUT_MS, r) != 0)
        goto end;
    if (cmd_found(r, listing_store_lock(tx.pg, id, false, &row, &err), "reading the listing", &err,
                  "Listing not found") != 0)
        goto end;
    if (!force && delete_later(&tx, id, row.status, out, r) != 0)
        goto end;
    /* Nothing live (or force): the rows go now, the files once committed. */
    int found = force ? listing_store_delete(tx.pg, id, &names, &err)
                      : listing_store_lock(tx.pg, id, true, &row, &err);
    if (found < 0) {
        cmd_db_fail(r, "deleting the listing", &err);
        goto end;
    }
    out->deleted = force || found == 0;
    for (size_t i = 0; i < names.n; i++)
        tx_remove_on_commit(&tx, names.v[i]);
    rc = tx_commit(&tx, r);
    if (rc == 0)
        LOG_INFO("listing %" PRId64 " %s", id, out->deleted ? "deleted" : "deleting");
end:
    tx_end(&tx);
    store_names_free(&names);
    return rc;
}

void listing_delete_free(listing_delete_t *out)
{
    job_ids_free(&out->delist_jobs);
    job_ids_free(&out->waiting_jobs);
}
