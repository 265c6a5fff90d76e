/* Listing commands: create (with images), update (partial; new images are appended;
 * leaving "active" requests the delistings) and delete (delistings requested, files removed
 * after the commit). Each runs in one transaction; the listing's version rises with it
 * (migrations/0004_*), which is all the listing page's cache needs. */
#ifndef API_LISTING_H
#define API_LISTING_H

#include <stddef.h>
#include <stdint.h>

#include "domain/listing_input.h"
#include "domain/result.h"

struct app;

/* Creates a listing from in and the uploaded files paths[0..npaths). *id receives its id.
 * Returns 0 or -1 (r). */
int listing_create(struct app *app, const listing_input_t *in, const char *const *paths,
                   size_t npaths, int64_t *id, cmd_result_t *r) __attribute__((warn_unused_result));

/* Changes the given fields of listing id and appends the uploaded images. Returns 0 or -1. */
int listing_update(struct app *app, int64_t id, const listing_input_t *in, const char *const *paths,
                   size_t npaths, cmd_result_t *r) __attribute__((warn_unused_result));

/* Deletes listing id. Returns 0 or -1 (r; CMD_NOT_FOUND when there is none). */
int listing_delete(struct app *app, int64_t id, cmd_result_t *r)
    __attribute__((warn_unused_result));

#endif
