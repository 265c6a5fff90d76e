/* A job's artifact (the poster's screenshot of a step or a failure), delivered over HTTP so
 * that the api and the poster share no disk: stored under UPLOAD_DIR by its name and served
 * at GET /uploads/{name}, which the job log's artifact field names. */
#ifndef API_JOB_ARTIFACT_H
#define API_JOB_ARTIFACT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "domain/result.h"

struct app;

#define JOB_ARTIFACT_NAME_MAX 128

/* The content type an artifact name of job job_id stands for ("poster-<job>-<tag>.png" is
 * image/png, ".jpg"/".jpeg" image/jpeg; tag: letters, digits, '-', '_'), or NULL when name
 * is not one. The job prefix keeps artifacts of different jobs apart and away from listing
 * images. */
const char *job_artifact_type(const char *name, int64_t job_id);

/* Stores body (len bytes of type, as job_artifact_type said) as job_id's artifact name.
 * Names are write-once (GET /uploads answers them as immutable): the same bytes again are a
 * success with *created false (a poster's retry); other bytes are CMD_CONFLICT. Fails with
 * CMD_NOT_FOUND for an unknown job, CMD_INVALID when the bytes are not of type. Returns 0
 * or -1 (r). */
int job_artifact_store(struct app *app, int64_t job_id, const char *name, const char *type,
                       const char *body, size_t len, bool *created, cmd_result_t *r)
    __attribute__((warn_unused_result));

#endif
