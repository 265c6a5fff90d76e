/* A job's photos as files the browser can read: the shared-disk path the api sent when this
 * host can read it, otherwise a download from the api (API_PUBLIC_URL + the image's url) into
 * a private temporary directory, checked against the image's sha256. */
#ifndef POSTER_JOB_IMAGES_H
#define POSTER_JOB_IMAGES_H

#include <stdbool.h>
#include <stddef.h>

#include "common/event.h"

typedef struct {
    char **paths; /* one readable local file per image, in order */
    size_t n;
    char *tmp_dir; /* holds the downloads (NULL when none was needed) */
} job_images_t;

/* Resolves every image of listing. api_base may be NULL (then only local paths work). On
 * failure returns -1 with errstr and sets *retryable (true when the api could not be
 * reached, false when the image is missing or damaged). Free with job_images_free, which
 * also deletes the downloads. Thread-safe. */
int job_images_resolve(const ev_listing_t *listing, const char *api_base, job_images_t *out,
                       bool *retryable, char *errstr, size_t errstr_size)
    __attribute__((warn_unused_result));

void job_images_free(job_images_t *imgs);

#endif
