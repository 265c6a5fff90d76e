/* Image intake (see image_intake.h). */
#include "domain/image_intake.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app.h"
#include "common/log.h"
#include "common/xmalloc.h"

/* The command outcome of a failed image (image_result_status is an HTTP status). */
static cmd_status_t image_failure(image_result_t result)
{
    switch (image_result_status(result)) {
    case 413:
        return CMD_TOO_LARGE;
    case 415:
        return CMD_UNSUPPORTED;
    case 422:
        return CMD_INVALID;
    default:
        return CMD_FAILED;
    }
}

/* Ingests paths[0..n) (n may be 0). Returns 0 with *out (the caller's to free), or -1 with r
 * (field "images", nothing left on disk). */
static int image_intake(struct app *app, const char *const *paths, size_t n, image_stored_t **out,
                        cmd_result_t *r)
{
    *out = NULL;
    if (n == 0)
        return 0;
    image_limits_t lim = {
        .max_bytes = app->cfg.max_upload_bytes,
        .max_edge = (int)app->cfg.image_max_side,
        .thumb_edge = IMAGE_THUMB_EDGE,
        .max_pixels = app->cfg.max_image_pixels,
    };
    image_stored_t *stored = xcalloc(n, sizeof(*stored));
    char err[300];
    size_t failed = 0;
    /* on the image worker pool (big stacks): this request thread only waits */
    image_result_t result =
        image_ingest_all(paths, n, app->cfg.upload_dir, &lim, stored, &failed, err, sizeof(err));
    if (result != IMAGE_OK) {
        free(stored); /* image_ingest_all left nothing of the batch in upload_dir */
        cmd_status_t status = image_failure(result);
        if (status == CMD_FAILED)
            snprintf(r->cause.msg, sizeof(r->cause.msg), "image %zu: %s", failed + 1, err);
        return cmd_fail(r, status, "images", "images[%zu]: %s", failed, err);
    }
    *out = stored;
    return 0;
}

/* Ties the stored files to tx: they are removed unless it commits. */
static void image_intake_bind(tx_t *tx, const image_stored_t *stored, size_t n)
{
    for (size_t i = 0; i < n; i++)
        tx_remove_on_abort(tx, stored[i].name);
}

int image_intake_begin(struct app *app, const char *const *paths, size_t n, image_stored_t **stored,
                       tx_t *tx, cmd_result_t *r)
{
    memset(tx, 0, sizeof(*tx)); /* tx_end is a no-op until tx_begin */
    if (image_intake(app, paths, n, stored, r) != 0)
        return -1;
    int rc = tx_begin(tx, app, API_DB_TIMEOUT_MS, r);
    image_intake_bind(tx, *stored, n);
    return rc;
}
