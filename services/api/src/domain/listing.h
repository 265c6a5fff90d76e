/* Listing commands: create (with images), update (partial; new images are appended;
 * leaving "active" requests the delistings) and delete (delistings requested, files removed
 * after the commit). Each runs in one transaction; the listing's version rises with it
 * (migrations/0004_*), which is all the listing page's cache needs. */
#ifndef API_LISTING_H
#define API_LISTING_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "domain/delisting.h"
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

/* What a delete did: deleted now, or deleting (hidden) while delist_jobs take its live
 * postings down and waiting_jobs (post jobs in flight) land. */
typedef struct {
    bool deleted;
    job_ids_t delist_jobs, waiting_jobs;
} listing_delete_t;

/* Deletes listing id: at once when none of its postings is live or in flight (or force: the
 * seller took them down by hand), else it becomes deleting and delists are requested
 * (again, for a delete_failed one). Returns 0 or -1 (r; CMD_NOT_FOUND when there is none);
 * free out with listing_delete_free either way. */
int listing_delete(struct app *app, int64_t id, bool force, listing_delete_t *out, cmd_result_t *r)
    __attribute__((warn_unused_result));
void listing_delete_free(listing_delete_t *out);

#endif
