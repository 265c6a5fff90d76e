/* A job's photos as files the browser can read, redeemed from the event's claim checks
 * (event.h, ev_image_t): each image is downloaded from its absolute URL into a directory of
 * its own under WORK_DIR and checked (size bound, content type, byte count, sha256). The
 * poster never reads the api's disk. */
#ifndef POSTER_JOB_IMAGES_H
#define POSTER_JOB_IMAGES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/event.h"

/* The largest image the poster downloads (the api stores far smaller ones). */
#define JOB_IMAGE_MAX_BYTES (40 * 1024 * 1024)

typedef struct {
    char **paths; /* one local file per image, in order */
    size_t n;
    char *dir; /* WORK_DIR/job-<id>-XXXXXX, holding the downloads (NULL when none) */
} job_images_t;

/* Why a download failed, as the job's error. */
typedef struct {
    char code[32];     /* image_unavailable (retryable), image_missing, image_invalid */
    bool retryable;    /* the api could not be reached or answered 5xx/429 after retries */
    char message[512]; /* for the user: names the image and its URL, never a local path */
} job_images_error_t;

/* Downloads every image of the listing of job job_id into a new directory under work_dir.
 * GETs are retried with capped exponential backoff on connection errors, timeouts, 408, 429
 * and 5xx (retries more times; 0 for a single try). 404/410 mean the image is gone
 * (image_missing); a body that is not an image of the event's content type, or whose length
 * or sha256 differ from the claim check, is image_invalid. Returns 0, or -1 with err (out is
 * then empty). Free with job_images_free, which deletes the downloads. Thread-safe. */
int job_images_fetch(const ev_listing_t *listing, int64_t job_id, const char *work_dir, int retries,
                     job_images_t *out, job_images_error_t *err)
    __attribute__((warn_unused_result));

void job_images_free(job_images_t *imgs);

#endif
