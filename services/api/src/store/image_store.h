/* The listing_images table: rows of stored images, their order, and the references a
 * posting event carries. */
#ifndef API_IMAGE_STORE_H
#define API_IMAGE_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <libpq-fe.h>

#include "images.h"
#include "store/store.h"

/* Inserts n image rows for listing_id at positions first_position... Returns 0 or -1. */
int image_store_insert(PGconn *pg, int64_t listing_id, int first_position,
                       const image_stored_t *stored, size_t n, store_err_t *err)
    __attribute__((warn_unused_result));

/* Deletes image image_id of listing_id; name (64 bytes) receives its stored name. Returns 1,
 * 0 when there is no such image, or -1 (err). */
int image_store_delete(PGconn *pg, int64_t listing_id, int64_t image_id, char name[64],
                       store_err_t *err) __attribute__((warn_unused_result));

/* Locks listing_id and checks that ids (a PostgreSQL array literal "{1,2}") names each of
 * its images exactly once. Returns 1 (*matches says whether it does), 0 when there is no
 * such listing, or -1 (err). */
int image_store_order_check(PGconn *pg, int64_t listing_id, const char *ids, bool *matches,
                            store_err_t *err) __attribute__((warn_unused_result));

/* Positions become 0..n-1 in the order of ids. Returns 0 or -1. */
int image_store_reorder(PGconn *pg, int64_t listing_id, const char *ids, store_err_t *err)
    __attribute__((warn_unused_result));

/* The images of listing_id in order: stored_name, sha256, content_type, width, height
 * (read them with row_text/row_int). Returns the result (caller PQclear()s) or NULL. */
PGresult *image_store_refs(PGconn *pg, int64_t listing_id, store_err_t *err);

#endif
