/* Image intake (see image_intake.h). */
#include "domain/image_intake.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app.h"
#include "common/log.h"
#include "common/xmalloc.h"

#define THUMB_EDGE 400
/* civetweb's workers run on small stacks (Debian builds civetweb with 100 KiB); libvips
 * decoding plus image_ingest's buffers need more, so intake runs on a thread of its own. */
#define INGEST_STACK_BYTES (16 * 1024 * 1024)

typedef struct {
    const char *src;
    const char *upload_dir;
    const image_limits_t *lim;
    image_stored_t *out;
    char *errstr;
    size_t errstr_size;
    image_result_t result;
} ingest_job_t;

static void *ingest_main(void *arg)
{
    ingest_job_t *job = arg;
    job->result =
        image_ingest(job->src, job->upload_dir, job->lim, job->out, job->errstr, job->errstr_size);
    return NULL;
}

/* image_ingest on a thread with a large stack; waits for it. */
static image_result_t ingest_big_stack(const char *src, const char *upload_dir,
                                       const image_limits_t *lim, image_stored_t *out, char *errstr,
                                       size_t errstr_size)
{
    ingest_job_t job = {src, upload_dir, lim, out, errstr, errstr_size, IMAGE_FAILED};
    pthread_attr_t attr;
    pthread_t tid;
    pthread_attr_init(&attr);
    pthread_attr_setstacksize(&attr, INGEST_STACK_BYTES);
    int err = pthread_create(&tid, &attr, ingest_main, &job);
    pthread_attr_destroy(&attr);
    if (err != 0) {
        snprintf(errstr, errstr_size, "could not start image processing: %s", strerror(err));
        return IMAGE_FAILED;
    }
    pthread_join(tid, NULL);
    return job.result;
}

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

int image_intake(struct app *app, const char *const *paths, size_t n, image_stored_t **out,
                 cmd_result_t *r)
{
    *out = NULL;
    if (n == 0)
        return 0;
    image_limits_t lim = {
        .max_bytes = app->cfg.max_upload_bytes,
        .max_edge = (int)app->cfg.image_max_side,
        .thumb_edge = THUMB_EDGE,
        .max_pixels = app->cfg.max_image_pixels,
    };
    image_stored_t *stored = xcalloc(n, sizeof(*stored));
    for (size_t i = 0; i < n; i++) {
        char err[300];
        image_result_t result =
            ingest_big_stack(paths[i], app->cfg.upload_dir, &lim, &stored[i], err, sizeof(err));
        if (result != IMAGE_OK) {
            image_intake_discard(app, stored, i);
            cmd_status_t status = image_failure(result);
            if (status == CMD_FAILED)
                snprintf(r->cause.msg, sizeof(r->cause.msg), "image %zu: %s", i + 1, err);
            return cmd_fail(r, status, "images", "images[%zu]: %s", i, err);
        }
    }
    *out = stored;
    return 0;
}

void image_intake_bind(tx_t *tx, const image_stored_t *stored, size_t n)
{
    for (size_t i = 0; i < n; i++)
        tx_remove_on_abort(tx, stored[i].name);
}

void image_intake_discard(struct app *app, image_stored_t *stored, size_t n)
{
    if (!stored)
        return;
    for (size_t i = 0; i < n; i++)
        image_remove(app->cfg.upload_dir, stored[i].name);
    free(stored);
}
