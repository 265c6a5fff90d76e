/* Image intake for the listing commands: uploaded files (temporary paths) become stored
 * images under the upload directory (metadata stripped; decoded and re-encoded only when
 * orientation or size demand it; see images.h), before the transaction that references
 * them. Slow: done on the image worker pool, never while holding a connection. */
#ifndef API_IMAGE_INTAKE_H
#define API_IMAGE_INTAKE_H

#include <stddef.h>

#include "domain/result.h"
#include "domain/tx.h"
#include "images.h"

struct app;

/* Ingests the uploads paths[0..n) (n may be 0) into stored images (*stored), then begins
 * tx with their files bound to it: the start of a command that stores uploads. Returns 0, or -1
 * with r; either way tx_end(tx) and free(*stored) are then the caller's, and no file outlives a
 * transaction that did not commit. */
int image_intake_begin(struct app *app, const char *const *paths, size_t n, image_stored_t **stored,
                       tx_t *tx, cmd_result_t *r) __attribute__((warn_unused_result));

#endif
