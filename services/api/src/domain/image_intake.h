/* Image intake for the listing commands: uploaded files (temporary paths) become stored
 * images (re-encoded, stripped, thumbnailed) under the upload directory, before the
 * transaction that references them. Slow (libvips): never while holding a connection. */
#ifndef API_IMAGE_INTAKE_H
#define API_IMAGE_INTAKE_H

#include <stddef.h>

#include "domain/result.h"
#include "domain/tx.h"
#include "images.h"

struct app;

/* Ingests paths[0..n) (n may be 0). Returns 0 with *out (caller frees; image_intake_bind
 * ties its files to the transaction), or -1 with r (field "images",
 * nothing left on disk). */
int image_intake(struct app *app, const char *const *paths, size_t n, image_stored_t **out,
                 cmd_result_t *r) __attribute__((warn_unused_result));

/* Ties the stored files to tx: they are removed unless it commits (the array stays the
 * caller's). Call right after tx_begin, whether it succeeded or not. */
void image_intake_bind(tx_t *tx, const image_stored_t *stored, size_t n);

/* Removes stored files no transaction took and frees the array. Accepts NULL. */
void image_intake_discard(struct app *app, image_stored_t *stored, size_t n);

#endif
