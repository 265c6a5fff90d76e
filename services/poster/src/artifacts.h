/* Delivery of a job's artifacts (screenshots) to the api, the only place they are kept:
 * PUT <API_PUBLIC_URL>/api/jobs/<job_id>/artifacts/<name> with the bytes. The api stores
 * them and serves them at /uploads/<name>; the job log's artifact names them. The poster
 * keeps no copy, and a job never fails because an artifact did not arrive. */
#ifndef POSTER_ARTIFACTS_H
#define POSTER_ARTIFACTS_H

#include <stddef.h>
#include <stdint.h>

/* Where and how hard to try. */
typedef struct {
    const char *api_base; /* API_PUBLIC_URL, e.g. "http://api:8080" */
    int retries;          /* further tries after the first (connection errors, 408/429/5xx) */
    long timeout_ms;      /* per try */
} artifact_target_t;

/* A fresh artifact name for job_id: "poster-<job_id>-<tag>-<8 hex>.png" into name (size
 * bytes; tag is a recipe step name: letters, digits, '-', '_'). */
void artifact_name(int64_t job_id, const char *tag, char *name, size_t size);

/* PUTs a PNG under name, retrying with capped exponential backoff; a retry that finds the
 * name already stored with the same bytes is a success (the api answers 200). Returns 0, or
 * -1 with the reason in errstr (for the job log: no local paths). Thread-safe; blocks for at
 * most about (retries + 1) * timeout_ms plus the backoff. */
int artifact_deliver(const artifact_target_t *t, int64_t job_id, const char *name, const void *png,
                     size_t len, char *errstr, size_t errstr_size)
    __attribute__((warn_unused_result));

#endif
