/* Listing commands (see listing.h). */
#include "domain/listing.h"

#include <inttypes.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "app.h"
#include "common/log.h"
#include "domain/image_intake.h"
#include "domain/posting.h"
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

int listing_update(struct app *app, int64_t id, const listing_input_t *in, const char *const *paths,
                   size_t npaths, cmd_result_t *r)
{
    image_stored_t *stored = NULL;
    listing_values_t values;
    listing_row_t row;
    store_err_t err;
    tx_t tx;
    int rc = -1;

    listing_values(in, &values);
    if (image_intake_begin(app, paths, npaths, &stored, &tx, r) != 0)
        goto end;
    if (cmd_found(r, listing_store_lock(tx.pg, id, false, &row, &err), "reading the listing", &err,
                  "Listing not found") != 0)
        goto end;
    if (update_check(app, in, &row, npaths, r) != 0)
        goto end;
    /* Leaving "active" (sold elsewhere, archived) takes the listing off the marketplaces. */
    bool delist =
        in->has_status && strcmp(in->status, "active") != 0 && strcmp(row.status, "active") == 0;
    if (listing_store_update(tx.pg, id, &values, &err) != 0 ||
        image_store_insert(tx.pg, id, row.next_position, stored, npaths, &err) != 0) {
        cmd_db_fail(r, "updating the listing", &err);
        goto end;
    }
    if (delist && posting_delistings_enqueue(&tx, id, r) != 0)
        goto end;
    rc = tx_commit(&tx, r);
end:
    tx_end(&tx);
    free(stored);
    return rc;
}

int listing_delete(struct app *app, int64_t id, cmd_result_t *r)
{
    store_names_t names = {NULL, 0};
    store_err_t err;
    tx_t tx;
    int rc = -1;

    if (tx_begin(&tx, app, API_DB_TIMEOUT_MS, r) != 0)
        goto end;
    /* Its jobs go with the listing (cascade): delistings are requested first (the results
     * of deleted jobs have nothing left to update). */
    if (posting_delistings_enqueue(&tx, id, r) != 0)
        goto end;
    if (cmd_found(r, listing_store_delete(tx.pg, id, &names, &err), "deleting the listing", &err,
                  "Listing not found") != 0)
        goto end;
    /* Committed: the files go only then, so a failed delete loses nothing. */
    for (size_t i = 0; i < names.n; i++)
        tx_remove_on_commit(&tx, names.v[i]);
    rc = tx_commit(&tx, r);
    if (rc == 0)
        LOG_INFO("listing %" PRId64 " deleted", id);
end:
    tx_end(&tx);
    store_names_free(&names);
    return rc;
}
