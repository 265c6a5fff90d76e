/* Posting events applied to jobs (see job_events.h). */
#include "domain/job_events.h"

#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "common/log.h"
#include "domain/account_hold.h"
#include "domain/delisting.h"
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
    /* The listing first, as every listing command does (an answer may settle or delist it). */
    int found = job_store_lock_listing(tx->pg, je->pe.job_id, &err) == 0
                    ? job_store_lock(tx->pg, je->pe.job_id, &je->job, &err)
                    : -1;
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
        job_store_mark_started(tx->pg, je.pe.job_id, &err) != 0)
        return job_event_abort(&je, &err, r);
    if (strcmp(je.job.kind, JOB_POST) == 0) /* the original's line */
        snprintf(msg, sizeof(msg), "Starting job for platform: %s (attempt %d)", je.job.platform,
                 je.pe.attempt);
    else
        snprintf(msg, sizeof(msg), "Starting %s job for platform: %s (attempt %d)", je.job.kind,
                 je.job.platform, je.pe.attempt);
    return job_event_close(tx, ev, &je, "info", msg, NULL, r);
}

/* Refuses an answer meant for another kind of job (an event that can never apply). */
static int kind_check(job_event_t *je, const event_t *ev, const char *kind, cmd_result_t *r)
{
    if (strcmp(je->job.kind, kind) == 0)
        return 0;
    cmd_fail(r, CMD_INVALID, "job_id", "%s for job %" PRId64 ", a %s job", ev->type, je->pe.job_id,
             je->job.kind);
    posting_event_free(&je->pe);
    return -1;
}

int job_succeeded(tx_t *tx, const event_t *ev, cmd_result_t *r)
{
    job_event_t je;
    store_err_t err;
    char msg[1200];
    if (job_event_open(tx, ev, &je, r) != 0 || kind_check(&je, ev, JOB_POST, r) != 0)
        return -1;
    /* Never backwards from posted (or its delist states); a success of the current attempt
     * wins over pending, posting and failed (a redelivered run of the same attempt that got
     * through). */
    bool moved = je.current &&
                 (strcmp(je.job.status, "pending") == 0 || strcmp(je.job.status, "posting") == 0 ||
                  strcmp(je.job.status, "failed") == 0);
    if (moved && job_store_mark_posted(tx->pg, je.pe.job_id, je.pe.external_id, je.pe.external_url,
                                       &err) != 0)
        return job_event_abort(&je, &err, r);
    snprintf(msg, sizeof(msg), "Successfully posted. URL: %s",
             je.pe.external_url ? je.pe.external_url : "(none)");
    int64_t job_id = je.pe.job_id; /* the close frees the event */
    if (job_event_close(tx, ev, &je, "info", msg, NULL, r) != 0)
        return -1;
    /* Posted after its listing was sold or deleted: taken down at once. */
    return moved ? delist_after_post(tx, job_id, &je.job, r) : 0;
}

/* A current attempt that the marketplace blocked or capped holds the account
 * (domain/account_hold.h). Frees the event on failure. Returns 0 or -1 (r). */
static int hold_after(tx_t *tx, job_event_t *je, const char *code, const char *message,
                      cmd_result_t *r)
{
    if (!je->current || !account_hold_code(code))
        return 0;
    if (account_hold_on_failure(tx, je->pe.job_id, je->job.platform, je->job.account_id, code,
                                message, r) == 0)
        return 0;
    posting_event_free(&je->pe);
    return -1;
}

int job_failed(tx_t *tx, const event_t *ev, cmd_result_t *r)
{
    job_event_t je;
    store_err_t err;
    char msg[1200];
    if (job_event_open(tx, ev, &je, r) != 0 || kind_check(&je, ev, JOB_POST, r) != 0)
        return -1;
    const char *code = je.pe.error_code, *message = je.pe.error_message;
    if (je.current &&
        (strcmp(je.job.status, "pending") == 0 || strcmp(je.job.status, "posting") == 0) &&
        job_store_mark_failed(tx->pg, je.pe.job_id, code ? code : "unknown",
                              message ? message : "posting failed", je.pe.retryable, &err) != 0)
        return job_event_abort(&je, &err, r);
    if (hold_after(tx, &je, code, message, r) != 0)
        return -1;
    snprintf(msg, sizeof(msg), "Failed: %s%s%s%s", message ? message : "posting failed",
             code ? " (" : "", code ? code : "", code ? ")" : "");
    if (job_event_close(tx, ev, &je, "error", msg, je.pe.artifact, r) != 0)
        return -1;
    /* A listing being deleted waited for this post to land. */
    return delist_settle_listing(tx, je.job.listing_id, r);
}

/* Deleting a listing deletes its jobs: the results of deleted jobs have nothing left to
 * update. Returns 0 (open), 1 (a deleted job: nothing to do) or -1 (r). */
static int result_open(tx_t *tx, const event_t *ev, job_event_t *je, cmd_result_t *r)
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

/* delisting.succeeded of a post job itself (requests from before migrations/0009_*, whose
 * job_id was the post job's). */
static int legacy_delisted(tx_t *tx, const event_t *ev, job_event_t *je, cmd_result_t *r)
{
    store_err_t err;
    if (strcmp(je->job.status, "posted") == 0 &&
        job_store_set_delist_state(tx->pg, je->pe.job_id, "delisted", NULL, NULL, &err) != 0)
        return job_event_abort(je, &err, r);
    return job_event_close(tx, ev, je, "info", "Delisted", NULL, r);
}

int job_delisted(tx_t *tx, const event_t *ev, cmd_result_t *r)
{
    job_event_t je;
    store_err_t err;
    int rc = result_open(tx, ev, &je, r);
    if (rc != 0)
        return rc > 0 ? 0 : -1;
    if (strcmp(je.job.kind, JOB_POST) == 0)
        return legacy_delisted(tx, ev, &je, r);
    if (kind_check(&je, ev, JOB_DELIST, r) != 0)
        return -1;
    /* Success wins over a failure of the same attempt (a redelivered run that got through). */
    if (je.current && strcmp(je.job.status, "done") != 0 &&
        (job_store_mark_done(tx->pg, je.pe.job_id, &err) != 0 ||
         job_store_set_delist_state(tx->pg, je.job.posting_job_id, "delisted", NULL, NULL, &err) !=
             0))
        return job_event_abort(&je, &err, r);
    if (job_event_close(tx, ev, &je, "info", "Delisted", NULL, r) != 0)
        return -1;
    return je.current ? delist_settle_listing(tx, je.job.listing_id, r) : 0;
}

int job_delisting_failed(tx_t *tx, const event_t *ev, cmd_result_t *r)
{
    job_event_t je;
    store_err_t err;
    char msg[1200];
    int rc = result_open(tx, ev, &je, r);
    if (rc != 0)
        return rc > 0 ? 0 : -1;
    const char *code = je.pe.error_code ? je.pe.error_code : "unknown";
    const char *why = je.pe.error_message ? je.pe.error_message : "unknown error";
    snprintf(msg, sizeof(msg), "Delisting failed: %s (%s)", why, code);
    if (strcmp(je.job.kind, JOB_POST) == 0) /* a request from before 0009: the log says it */
        return job_event_close(tx, ev, &je, "error", msg, je.pe.artifact, r);
    if (kind_check(&je, ev, JOB_DELIST, r) != 0)
        return -1;
    /* The posting stays live: its post job says so, and why, until a retry gets through. */
    if (je.current &&
        (strcmp(je.job.status, "pending") == 0 || strcmp(je.job.status, "running") == 0) &&
        (job_store_mark_failed(tx->pg, je.pe.job_id, code, why, je.pe.retryable, &err) != 0 ||
         job_store_set_delist_state(tx->pg, je.job.posting_job_id, "delist_failed", code, msg,
                                    &err) != 0))
        return job_event_abort(&je, &err, r);
    if (hold_after(tx, &je, code, why, r) != 0)
        return -1;
    if (job_event_close(tx, ev, &je, "error", msg, je.pe.artifact, r) != 0)
        return -1;
    return je.current ? delist_settle_listing(tx, je.job.listing_id, r) : 0;
}

int job_updated(tx_t *tx, const event_t *ev, cmd_result_t *r)
{
    job_event_t je;
    store_err_t err;
    char msg[1200];
    int rc = result_open(tx, ev, &je, r);
    if (rc != 0)
        return rc > 0 ? 0 : -1;
    if (kind_check(&je, ev, JOB_UPDATE, r) != 0)
        return -1;
    if (je.current && strcmp(je.job.status, "done") != 0 &&
        (job_store_mark_done(tx->pg, je.pe.job_id, &err) != 0 ||
         job_store_set_external_url(tx->pg, je.job.posting_job_id, je.pe.external_url, &err) != 0))
        return job_event_abort(&je, &err, r);
    snprintf(msg, sizeof(msg), "Updated%s%s", je.pe.external_url ? ". URL: " : "",
             je.pe.external_url ? je.pe.external_url : "");
    return job_event_close(tx, ev, &je, "info", msg, NULL, r);
}

/* The failure answer of an update or renew job: the job fails when it was still on its way
 * (only the current attempt moves it), the marketplace's limit or block holds the account,
 * and the log says "<what> failed: <why> (<code>)". */
static int job_op_failed(tx_t *tx, const event_t *ev, const char *kind, const char *what,
                         cmd_result_t *r)
{
    job_event_t je;
    store_err_t err;
    char msg[1200];
    int rc = result_open(tx, ev, &je, r);
    if (rc != 0)
        return rc > 0 ? 0 : -1;
    if (kind_check(&je, ev, kind, r) != 0)
        return -1;
    const char *code = je.pe.error_code ? je.pe.error_code : "unknown";
    const char *why = je.pe.error_message ? je.pe.error_message : "unknown error";
    if (je.current &&
        (strcmp(je.job.status, "pending") == 0 || strcmp(je.job.status, "running") == 0) &&
        job_store_mark_failed(tx->pg, je.pe.job_id, code, why, je.pe.retryable, &err) != 0)
        return job_event_abort(&je, &err, r);
    if (hold_after(tx, &je, code, why, r) != 0)
        return -1;
    snprintf(msg, sizeof(msg), "%s failed: %s (%s)", what, why, code);
    return job_event_close(tx, ev, &je, "error", msg, je.pe.artifact, r);
}

int job_update_failed(tx_t *tx, const event_t *ev, cmd_result_t *r)
{
    return job_op_failed(tx, ev, JOB_UPDATE, "Update", r);
}

/* The post job's log says when its renews stop: the sweep renews a posting at most
 * JOB_RENEW_MAX_AUTO times (Facebook's cap, shared/reference/facebook-markup.md §2.2 [S4]). */
static int renew_cap_note(tx_t *tx, const job_event_t *je, int count, cmd_result_t *r)
{
    store_err_t err;
    char msg[300];
    if (count < JOB_RENEW_MAX_AUTO)
        return 0;
    snprintf(msg, sizeof(msg),
             "Renewed %d times: the marketplace allows %d renewals, so it is not renewed on its "
             "own any more (delete and post it again to bring it back to the top)",
             count, JOB_RENEW_MAX_AUTO);
    if (job_store_log(tx->pg, je->job.posting_job_id, 1, "warning", msg, NULL, NULL, &err) != 0)
        return cmd_db_fail(r, "logging the job", &err);
    return 0;
}

int job_renewed(tx_t *tx, const event_t *ev, cmd_result_t *r)
{
    job_event_t je;
    store_err_t err;
    int count = 0;
    char msg[200];
    int rc = result_open(tx, ev, &je, r);
    if (rc != 0)
        return rc > 0 ? 0 : -1;
    if (kind_check(&je, ev, JOB_RENEW, r) != 0)
        return -1;
    /* Only the first success of the current attempt counts as a renewal (a redelivered
     * answer is the same renewal). */
    bool moved = je.current && strcmp(je.job.status, "done") != 0;
    if (moved && (job_store_mark_done(tx->pg, je.pe.job_id, &err) != 0 ||
                  job_store_mark_renewed(tx->pg, je.job.posting_job_id, &count, &err) != 0))
        return job_event_abort(&je, &err, r);
    if (moved)
        snprintf(msg, sizeof(msg), "Renewed (renewal %d)", count);
    else
        snprintf(msg, sizeof(msg), "Renewed");
    job_event_t keep = je; /* the close frees the event; the job row stays */
    if (job_event_close(tx, ev, &je, "info", msg, NULL, r) != 0)
        return -1;
    return moved ? renew_cap_note(tx, &keep, count, r) : 0;
}

int job_renew_failed(tx_t *tx, const event_t *ev, cmd_result_t *r)
{
    return job_op_failed(tx, ev, JOB_RENEW, "Renew", r);
}
