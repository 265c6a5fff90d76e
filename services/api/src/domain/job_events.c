/* Posting events applied to jobs (see job_events.h). */
#include "domain/job_events.h"

#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "common/log.h"
#include "store/job_store.h"

/* A decoded event with its locked job. */
typedef struct {
    posting_event_t pe;
    job_row_t job;
    bool current; /* the event is of the job's current attempt */
} job_event_t;

/* Decodes ev and locks its job. Returns 0, or -1 with r (the event is freed). */
static int job_event_open(tx_t *tx, const event_t *ev, job_event_t *je, cmd_result_t *r)
{
    store_err_t err;
    memset(je, 0, sizeof(*je));
    if (posting_event_parse(ev->data, &je->pe, r->detail, sizeof(r->detail)) != 0) {
        r->status = CMD_INVALID;
        goto fail;
    }
    if (je->pe.job_id <= 0) {
        cmd_fail(r, CMD_INVALID, "job_id", "job_id: must be positive");
        goto fail;
    }
    int found = job_store_lock(tx->pg, je->pe.job_id, &je->job, &err);
    if (found <= 0) {
        if (found < 0)
            cmd_db_fail(r, "locking the job", &err);
        else
            cmd_fail(r, CMD_NOT_FOUND, "job_id", "unknown job %" PRId64, je->pe.job_id);
        goto fail;
    }
    /* A late event of an earlier attempt (redelivered after a retry was requested) must not
     * overwrite the new attempt; its log lines are kept, tagged with their attempt. */
    je->current = je->pe.attempt == je->job.attempt;
    if (!je->current)
        LOG_INFO("job %" PRId64 ": %s of attempt %d while attempt %d is current: state kept",
                 je->pe.job_id, ev->type, je->pe.attempt, je->job.attempt);
    return 0;
fail:
    posting_event_free(&je->pe);
    return -1;
}

/* Appends the event's log line and frees the event. Returns 0 or -1 (r). */
static int job_event_close(tx_t *tx, const event_t *ev, job_event_t *je, const char *level,
                           const char *message, const char *artifact, cmd_result_t *r)
{
    store_err_t err;
    /* The event's time, not ours: a log applied late still sorts where it happened. */
    int rc = job_store_log(tx->pg, je->pe.job_id, je->pe.attempt, level, message, artifact,
                           ev->time, &err);
    posting_event_free(&je->pe);
    return rc == 0 ? 0 : cmd_db_fail(r, "logging the job", &err);
}

/* Ends a command whose state change failed. */
static int job_event_abort(job_event_t *je, const store_err_t *err, cmd_result_t *r)
{
    posting_event_free(&je->pe);
    return cmd_db_fail(r, "updating the job", err);
}

/* Maps an event's log level onto job_logs.level; NULL when it is not one. */
static const char *log_level_normalize(const char *level)
{
    static const char *const levels[] = {"debug", "info", "warning", "error"};
    if (!level || !*level)
        return "info";
    if (strcmp(level, "warn") == 0)
        return "warning";
    for (size_t i = 0; i < sizeof(levels) / sizeof(levels[0]); i++)
        if (strcmp(level, levels[i]) == 0)
            return levels[i];
    return NULL;
}

int job_logged(tx_t *tx, const event_t *ev, cmd_result_t *r)
{
    job_event_t je;
    if (job_event_open(tx, ev, &je, r) != 0)
        return -1;
    const char *level = log_level_normalize(je.pe.level);
    if (!level || !je.pe.message) {
        if (!level)
            cmd_fail(r, CMD_INVALID, "level", "level: \"%s\" is not debug, info, warning or error",
                     je.pe.level);
        else
            cmd_fail(r, CMD_INVALID, "message", "message: required");
        posting_event_free(&je.pe);
        return -1;
    }
    return job_event_close(tx, ev, &je, level, je.pe.message, je.pe.artifact, r);
}

int job_started(tx_t *tx, const event_t *ev, cmd_result_t *r)
{
    job_event_t je;
    store_err_t err;
    char msg[200];
    if (job_event_open(tx, ev, &je, r) != 0)
        return -1;
    /* From failed too: the events of a job share a partition, so a start after a failure of
     * the same attempt is a redelivered job running again. */
    if (je.current &&
        (strcmp(je.job.status, "pending") == 0 || strcmp(je.job.status, "failed") == 0) &&
        job_store_mark_posting(tx->pg, je.pe.job_id, &err) != 0)
        return job_event_abort(&je, &err, r);
    snprintf(msg, sizeof(msg), "Starting job for platform: %s (attempt %d)", je.job.platform,
             je.pe.attempt);
    return job_event_close(tx, ev, &je, "info", msg, NULL, r);
}

int job_succeeded(tx_t *tx, const event_t *ev, cmd_result_t *r)
{
    job_event_t je;
    store_err_t err;
    char msg[1200];
    if (job_event_open(tx, ev, &je, r) != 0)
        return -1;
    /* Never backwards from posted; a success of the current attempt wins over pending,
     * posting and failed (a redelivered run of the same attempt that got through). */
    if (je.current && strcmp(je.job.status, "posted") != 0 &&
        strcmp(je.job.status, "delisted") != 0 &&
        job_store_mark_posted(tx->pg, je.pe.job_id, je.pe.external_id, je.pe.external_url, &err) !=
            0)
        return job_event_abort(&je, &err, r);
    snprintf(msg, sizeof(msg), "Successfully posted. URL: %s",
             je.pe.external_url ? je.pe.external_url : "(none)");
    return job_event_close(tx, ev, &je, "info", msg, NULL, r);
}

int job_failed(tx_t *tx, const event_t *ev, cmd_result_t *r)
{
    job_event_t je;
    store_err_t err;
    char msg[1200];
    if (job_event_open(tx, ev, &je, r) != 0)
        return -1;
    const char *code = je.pe.error_code, *message = je.pe.error_message;
    if (je.current &&
        (strcmp(je.job.status, "pending") == 0 || strcmp(je.job.status, "posting") == 0) &&
        job_store_mark_failed(tx->pg, je.pe.job_id, code ? code : "unknown",
                              message ? message : "posting failed", &err) != 0)
        return job_event_abort(&je, &err, r);
    snprintf(msg, sizeof(msg), "Failed: %s%s%s%s", message ? message : "posting failed",
             code ? " (" : "", code ? code : "", code ? ")" : "");
    return job_event_close(tx, ev, &je, "error", msg, je.pe.artifact, r);
}

/* Deleting a listing requests the delistings and deletes its jobs in one transaction: the
 * results of deleted jobs have nothing left to update. */
static int delisting_open(tx_t *tx, const event_t *ev, job_event_t *je, cmd_result_t *r)
{
    if (job_event_open(tx, ev, je, r) == 0)
        return 0;
    if (r->status == CMD_NOT_FOUND) {
        LOG_INFO("%s for deleted job (%s): nothing to update", ev->type, r->detail);
        r->status = CMD_OK;
        return 1;
    }
    return -1;
}

int job_delisted(tx_t *tx, const event_t *ev, cmd_result_t *r)
{
    job_event_t je;
    store_err_t err;
    int rc = delisting_open(tx, ev, &je, r);
    if (rc != 0)
        return rc > 0 ? 0 : -1;
    if (strcmp(je.job.status, "posted") == 0 &&
        job_store_mark_delisted(tx->pg, je.pe.job_id, &err) != 0)
        return job_event_abort(&je, &err, r);
    return job_event_close(tx, ev, &je, "info", "Delisted", NULL, r);
}

int job_delisting_failed(tx_t *tx, const event_t *ev, cmd_result_t *r)
{
    job_event_t je;
    char msg[1200];
    int rc = delisting_open(tx, ev, &je, r);
    if (rc != 0)
        return rc > 0 ? 0 : -1;
    /* The listing stays up: the user learns it from the log. */
    snprintf(msg, sizeof(msg), "Delisting failed: %s",
             je.pe.error_message ? je.pe.error_message : "unknown error");
    return job_event_close(tx, ev, &je, "error", msg, je.pe.artifact, r);
}
