/* Commands on the images of an existing listing: add (appended after the last), remove
 * (the file goes after the commit) and reorder (a permutation of its image ids). */
#ifndef API_LISTING_IMAGES_H
#define API_LISTING_IMAGES_H

#include <stddef.h>
#include <stdint.h>

#include "domain/result.h"

struct app;

/* The most image ids a reorder names. */
#define LISTING_IMAGES_ORDER_MAX 1000

/* Appends the uploaded files paths[0..n) (n >= 1) to listing id. Returns 0 or -1 (r). */
int listing_images_add(struct app *app, int64_t id, const char *const *paths, size_t n,
                       cmd_result_t *r) __attribute__((warn_unused_result));

/* Removes image image_id of listing id. Returns 0 or -1 (r; CMD_NOT_FOUND). */
int listing_images_remove(struct app *app, int64_t id, int64_t image_id, cmd_result_t *r)
    __attribute__((warn_unused_result));

/* Positions become 0..n-1 in the order of ids, which must name each image of the listing
 * once. Returns 0 or -1 (r). */
int listing_images_reorder(struct app *app, int64_t id, const int64_t *ids, size_t n,
                           cmd_result_t *r) __attribute__((warn_unused_result));

#endif
