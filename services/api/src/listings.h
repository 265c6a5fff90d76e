/* Listings inside the api: the JSON shape every listing response shares (the original's
 * fields plus ours), and the image intake steps that listing create/update and the image
 * endpoints share. Handlers themselves are declared in handlers.h. */
#ifndef API_LISTINGS_H
#define API_LISTINGS_H

#include <stddef.h>
#include <stdint.h>

#include <libpq-fe.h>

#include "common/http.h"
#include "form.h"
#include "images.h"

struct app;

/* SQL expression (over "listing l") building one listing as JSON, images included. */
extern const char LISTING_JSON_SQL[];

/* Sends listing `id` as JSON with status and extra headers (may be NULL), or 404 when it
 * does not exist. Returns the status sent. */
int listing_send(http_request_t *req, PGconn *pg, int64_t id, int status,
                 const char *extra_headers);

/* Limits of a listing form (text fields and images) from the config. */
void listing_form_limits(const struct app *app, form_limits_t *lim);

/* Ingests every uploaded file of the form (identify, re-encode, strip, thumbnail) into the
 * upload directory. Returns 0 with *out (caller frees with listing_images_discard or free()
 * after they are committed), or -1 after sending the problem (field "images", nothing left
 * on disk). Slow (libvips): call without holding a database connection. */
int listing_images_ingest(http_request_t *req, const form_t *form, image_stored_t **out,
                          size_t *n) __attribute__((warn_unused_result));

/* Removes stored images that will not be referenced (their transaction failed) and frees
 * the array. Accepts NULL. */
void listing_images_discard(const struct app *app, image_stored_t *stored, size_t n);

/* Inserts image rows for listing_id at positions first_position... inside the caller's
 * transaction. Returns 0 or -1 (errstr). */
int listing_images_insert(PGconn *pg, int64_t listing_id, int first_position,
                          const image_stored_t *stored, size_t n, char *errstr,
                          size_t errstr_size) __attribute__((warn_unused_result));

#endif
