/* Status consumer: applies bb.posting.events (and, as they land, bb.monitor.events and
 * bb.reply.drafts) to PostgreSQL. Each event is applied in ONE transaction together with
 * its processed_events row, so a redelivered event is recognised and skipped. */
#include "status_consumer.h"

#include <inttypes.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app.h"
#include "common/db.h"
#include "common/event.h"
#include "common/log.h"
#include "common/xmalloc.h"

#define CONSUMER_DB_TIMEOUT_MS 5000
#define CONSUMER_DRAIN_MS 3000

typedef enum { APPLY_OK, APPLY_DROP, APPLY_RETRY } apply_result_t;

/* Applies one decoded event inside the caller's open transaction. On DROP/RETRY writes
 * the reason into errstr; the caller rolls back. */
typedef apply_result_t (*apply_fn)(struct app *app, PGconn *pg, const event_t *ev,
                                   char *errstr, size_t errstr_size);

/* Classifies a failed statement: broken connection, shutdown, serialization or resource
 * trouble is transient (retry); bad data or a violated constraint will fail again (drop). */
static apply_result_t db_failure(PGconn *pg, const char sqlstate[6])
{
    if (PQstatus(pg) != CONNECTION_OK)
        return APPLY_RETRY;
    if (strncmp(sqlstate, "22", 2) == 0 || strncmp(sqlstate, "23", 2) == 0)
        return APPLY_DROP;
    return APPLY_RETRY;
}

/* ---- bb.posting.events ---------------------------------------------------------------- */

typedef struct {
    char status[16];
    int attempt;
    char platform[64];
} job_row_t;

/* Locks the job row. Returns APPLY_OK with the row, APPLY_DROP when the job is unknown. */
static apply_result_t job_lock(PGconn *pg, int64_t job_id, job_row_t *job, char *errstr,
                               size_t errstr_size)
{
    char id[32], sqlstate[6] = "";
    snprintf(id, sizeof(id), "%" PRId64, job_id);
    const char *params[1] = { id };
    PGresult *res = db_exec(pg,
                            "SELECT status, attempt, platform FROM posting_jobs"
                            " WHERE id = $1 FOR UPDATE",
                            1, params, errstr, errstr_size, sqlstate);
    if (!res)
        return db_failure(pg, sqlstate);
    if (PQntuples(res) != 1) {
        PQclear(res);
        snprintf(errstr, errstr_size, "unknown job %" PRId64, job_id);
        return APPLY_DROP;
    }
    snprintf(job->status, sizeof(job->status), "%s", PQgetvalue(res, 0, 0));
    job->attempt = atoi(PQgetvalue(res, 0, 1));
    snprintf(job->platform, sizeof(job->platform), "%s", PQgetvalue(res, 0, 2));
    PQclear(res);
    return APPLY_OK;
}

/* Maps an event's log level onto job_logs.level; NULL when it is not one. */
static const char *log_level_normalize(const char *level)
{
    static const char *const levels[] = { "debug", "info", "warning", "error" };
    if (!level || !*level)
        return "info";
    if (strcmp(level, "warn") == 0)
        return "warning";
    for (size_t i = 0; i < sizeof(levels) / sizeof(levels[0]); i++)
        if (strcmp(level, levels[i]) == 0)
            return levels[i];
    return NULL;
}

static apply_result_t job_log_insert(PGconn *pg, const event_t *ev, int64_t job_id, int attempt,
                                     const char *level, const char *message,
                                     const char *artifact, char *errstr, size_t errstr_size)
{
    char id[32], att[16], sqlstate[6] = "";
    snprintf(id, sizeof(id), "%" PRId64, job_id);
    snprintf(att, sizeof(att), "%d", attempt);
    /* The event's time, not ours: a log applied late still sorts where it happened. */
    const char *params[6] = { id, att, level, message, artifact, ev->time };
    PGresult *res = db_exec(pg,
                            "INSERT INTO job_logs (job_id, attempt, level, message, artifact,"
                            " created_at) VALUES ($1, $2, $3, $4, $5,"
                            " COALESCE(NULLIF($6, '')::timestamptz, now()))",
                            6, params, errstr, errstr_size, sqlstate);
    if (!res)
        return db_failure(pg, sqlstate);
    PQclear(res);
    return APPLY_OK;
}

/* Runs one UPDATE on the job with $1 = job id and the given extra text parameters. */
static apply_result_t job_update(PGconn *pg, const char *sql, int64_t job_id, int nextra,
                                 const char *const *extra, char *errstr, size_t errstr_size)
{
    char id[32], sqlstate[6] = "";
    snprintf(id, sizeof(id), "%" PRId64, job_id);
    const char *params[6] = { id, NULL, NULL, NULL, NULL, NULL };
    for (int i = 0; i < nextra && i < 5; i++)
        params[i + 1] = extra[i];
    PGresult *res = db_exec(pg, sql, 1 + nextra, params, errstr, errstr_size, sqlstate);
    if (!res)
        return db_failure(pg, sqlstate);
    PQclear(res);
    return APPLY_OK;
}

static apply_result_t apply_posting_event(struct app *app, PGconn *pg, const event_t *ev,
                                          char *errstr, size_t errstr_size)
{
    (void)app;
    posting_event_t pe;
    memset(&pe, 0, sizeof(pe));
    job_row_t job;
    apply_result_t rc = APPLY_DROP;
    char msg[1200];

    if (posting_event_parse(ev->data, &pe, errstr, errstr_size) != 0)
        goto cleanup; /* DROP with the parser's reason */
    if (pe.job_id <= 0) {
        snprintf(errstr, errstr_size, "job_id: must be positive");
        goto cleanup;
    }
    rc = job_lock(pg, pe.job_id, &job, errstr, errstr_size);
    if (rc == APPLY_DROP && strncmp(ev->type, "delisting.", 10) == 0) {
        /* Deleting a listing requests the delistings and deletes its jobs in one
         * transaction: their results have nothing left to update. */
        LOG_INFO("%s for deleted job %" PRId64 ": nothing to update", ev->type, pe.job_id);
        rc = APPLY_OK;
        goto cleanup;
    }
    if (rc != APPLY_OK)
        goto cleanup;

    /* Only the job's current attempt moves its state: a late event of an earlier attempt
     * (redelivered after a retry was requested) must not overwrite the new attempt. Its
     * log lines are kept, tagged with their attempt. */
    bool current = pe.attempt == job.attempt;
    if (!current)
        LOG_INFO("job %" PRId64 ": %s of attempt %d while attempt %d is current: state kept",
                 pe.job_id, ev->type, pe.attempt, job.attempt);

    if (strcmp(ev->type, EV_POSTING_LOG) == 0) {
        const char *level = log_level_normalize(pe.level);
        if (!level) {
            snprintf(errstr, errstr_size, "level: \"%s\" is not debug, info, warning or error",
                     pe.level);
            rc = APPLY_DROP;
            goto cleanup;
        }
        if (!pe.message) {
            snprintf(errstr, errstr_size, "message: required");
            rc = APPLY_DROP;
            goto cleanup;
        }
        rc = job_log_insert(pg, ev, pe.job_id, pe.attempt, level, pe.message, pe.artifact,
                            errstr, errstr_size);
    } else if (strcmp(ev->type, EV_POSTING_STARTED) == 0) {
        /* From failed too: the events of a job share a partition, so a start after a
         * failure of the same attempt is a redelivered job running again. */
        if (current && (strcmp(job.status, "pending") == 0 || strcmp(job.status, "failed") == 0)) {
            rc = job_update(pg,
                            "UPDATE posting_jobs SET status = 'posting', started_at = now(),"
                            " completed_at = NULL, error_code = NULL, error_message = NULL"
                            " WHERE id = $1",
                            pe.job_id, 0, NULL, errstr, errstr_size);
            if (rc != APPLY_OK)
                goto cleanup;
        }
        snprintf(msg, sizeof(msg), "Starting job for platform: %s (attempt %d)", job.platform,
                 pe.attempt);
        rc = job_log_insert(pg, ev, pe.job_id, pe.attempt, "info", msg, NULL, errstr,
                            errstr_size);
    } else if (strcmp(ev->type, EV_POSTING_SUCCEEDED) == 0) {
        /* Never backwards from posted; a success of the current attempt wins over pending,
         * posting and failed (a redelivered run of the same attempt that got through). */
        if (current && strcmp(job.status, "posted") != 0 && strcmp(job.status, "delisted") != 0) {
            const char *extra[2] = { pe.external_id, pe.external_url };
            rc = job_update(pg,
                            "UPDATE posting_jobs SET status = 'posted', external_id = $2,"
                            " external_url = $3, error_code = NULL, error_message = NULL,"
                            " started_at = COALESCE(started_at, now()), completed_at = now()"
                            " WHERE id = $1",
                            pe.job_id, 2, extra, errstr, errstr_size);
            if (rc != APPLY_OK)
                goto cleanup;
        }
        snprintf(msg, sizeof(msg), "Successfully posted. URL: %s",
                 pe.external_url ? pe.external_url : "(none)");
        rc = job_log_insert(pg, ev, pe.job_id, pe.attempt, "info", msg, NULL, errstr,
                            errstr_size);
    } else if (strcmp(ev->type, EV_POSTING_FAILED) == 0) {
        if (current && (strcmp(job.status, "pending") == 0 || strcmp(job.status, "posting") == 0)) {
            const char *extra[2] = { pe.error_code ? pe.error_code : "unknown",
                                     pe.error_message ? pe.error_message : "posting failed" };
            rc = job_update(pg,
                            "UPDATE posting_jobs SET status = 'failed', error_code = $2,"
                            " error_message = $3, started_at = COALESCE(started_at, now()),"
                            " completed_at = now() WHERE id = $1",
                            pe.job_id, 2, extra, errstr, errstr_size);
            if (rc != APPLY_OK)
                goto cleanup;
        }
        snprintf(msg, sizeof(msg), "Failed: %s%s%s%s",
                 pe.error_message ? pe.error_message : "posting failed",
                 pe.error_code ? " (" : "", pe.error_code ? pe.error_code : "",
                 pe.error_code ? ")" : "");
        rc = job_log_insert(pg, ev, pe.job_id, pe.attempt, "error", msg, pe.artifact, errstr,
                            errstr_size);
    } else if (strcmp(ev->type, EV_DELISTING_SUCCEEDED) == 0) {
        if (strcmp(job.status, "posted") == 0) {
            rc = job_update(pg, "UPDATE posting_jobs SET status = 'delisted' WHERE id = $1",
                            pe.job_id, 0, NULL, errstr, errstr_size);
            if (rc != APPLY_OK)
                goto cleanup;
        }
        rc = job_log_insert(pg, ev, pe.job_id, pe.attempt, "info", "Delisted", NULL, errstr,
                            errstr_size);
    } else { /* EV_DELISTING_FAILED: the listing stays up; tell the user through the log */
        snprintf(msg, sizeof(msg), "Delisting failed: %s",
                 pe.error_message ? pe.error_message : "unknown error");
        rc = job_log_insert(pg, ev, pe.job_id, pe.attempt, "error", msg, pe.artifact, errstr,
                            errstr_size);
    }
cleanup:
    posting_event_free(&pe);
    return rc;
}

/* ---- dispatch -------------------------------------------------------------------------- */

/* One row per event type the api applies. bb.monitor.events (message.received,
 * message.sent, message.send_failed, monitor.status) and bb.reply.drafts (reply.drafted)
 * get their rows here, and their topics in consumer_topics, when their appliers land. */
static const struct {
    const char *topic;
    const char *type;
    apply_fn apply;
} dispatch[] = {
    { TOPIC_POSTING_EVENTS, EV_POSTING_STARTED, apply_posting_event },
    { TOPIC_POSTING_EVENTS, EV_POSTING_LOG, apply_posting_event },
    { TOPIC_POSTING_EVENTS, EV_POSTING_SUCCEEDED, apply_posting_event },
    { TOPIC_POSTING_EVENTS, EV_POSTING_FAILED, apply_posting_event },
    { TOPIC_POSTING_EVENTS, EV_DELISTING_SUCCEEDED, apply_posting_event },
    { TOPIC_POSTING_EVENTS, EV_DELISTING_FAILED, apply_posting_event },
};

static const char *const consumer_topics[] = { TOPIC_POSTING_EVENTS, NULL };

static apply_fn dispatch_find(const char *topic, const char *type)
{
    for (size_t i = 0; i < sizeof(dispatch) / sizeof(dispatch[0]); i++)
        if (strcmp(dispatch[i].topic, topic) == 0 && strcmp(dispatch[i].type, type) == 0)
            return dispatch[i].apply;
    return NULL;
}

/* Records the event id; returns 1 when it is new, 0 when already applied, -1 on error. */
static int processed_claim(PGconn *pg, const event_t *ev, const char *topic, char *errstr,
                           size_t errstr_size, char sqlstate[6])
{
    const char *params[2] = { ev->id, topic };
    PGresult *res = db_exec(pg,
                            "INSERT INTO processed_events (event_id, topic) VALUES ($1, $2)"
                            " ON CONFLICT (event_id) DO NOTHING",
                            2, params, errstr, errstr_size, sqlstate);
    if (!res)
        return -1;
    int fresh = atoi(PQcmdTuples(res)) == 1;
    PQclear(res);
    return fresh;
}

handle_result_t status_consumer_handle(const kafka_message_t *msg, void *ctx, char *errstr,
                                       size_t errstr_size)
{
    struct app *app = ctx;
    event_t ev;
    memset(&ev, 0, sizeof(ev));
    PGconn *pg = NULL;
    handle_result_t result = HANDLE_DROP;
    char reason[512] = "";
    char sqlstate[6] = "";

    if (event_decode(msg->payload, msg->len, &ev, reason, sizeof(reason)) != 0) {
        snprintf(errstr, errstr_size, "undecodable event: %s", reason);
        goto cleanup;
    }
    apply_fn apply = dispatch_find(msg->topic, ev.type);
    if (!apply) {
        snprintf(errstr, errstr_size, "unknown event type \"%s\" on %s", ev.type, msg->topic);
        goto cleanup;
    }
    pg = db_pool_acquire(app->pool, CONSUMER_DB_TIMEOUT_MS, reason, sizeof(reason));
    if (!pg) {
        snprintf(errstr, errstr_size, "database unavailable: %s", reason);
        result = HANDLE_RETRY;
        goto cleanup;
    }
    if (db_begin(pg, reason, sizeof(reason)) != 0) {
        snprintf(errstr, errstr_size, "database: %s", reason);
        result = HANDLE_RETRY;
        goto cleanup;
    }
    int fresh = processed_claim(pg, &ev, msg->topic, reason, sizeof(reason), sqlstate);
    if (fresh < 0) {
        snprintf(errstr, errstr_size, "processed_events: %s", reason);
        result = db_failure(pg, sqlstate) == APPLY_DROP ? HANDLE_DROP : HANDLE_RETRY;
        db_rollback(pg);
        goto cleanup;
    }
    if (!fresh) {
        db_rollback(pg);
        metrics_inc(app->m.events_duplicate, 1);
        LOG_MSG(msg, DEBUG, "event %s already applied", ev.id);
        result = HANDLE_OK;
        goto cleanup;
    }
    apply_result_t ar = apply(app, pg, &ev, reason, sizeof(reason));
    if (ar != APPLY_OK) {
        db_rollback(pg);
        snprintf(errstr, errstr_size, "%s %s: %s", ev.type, ev.id, reason);
        result = ar == APPLY_DROP ? HANDLE_DROP : HANDLE_RETRY;
        goto cleanup;
    }
    if (db_commit(pg, reason, sizeof(reason)) != 0) {
        snprintf(errstr, errstr_size, "commit: %s", reason);
        result = HANDLE_RETRY;
        goto cleanup;
    }
    metrics_inc(app->m.events_applied, 1);
    result = HANDLE_OK;
cleanup:
    if (result == HANDLE_DROP)
        metrics_inc(app->m.events_dropped, 1);
    if (result != HANDLE_OK)
        LOG_MSG(msg, WARN, "%s: %s", result == HANDLE_DROP ? "to dlq" : "retrying", errstr);
    db_pool_release(app->pool, pg);
    event_free(&ev);
    return result;
}

static void *consumer_main(void *arg)
{
    struct app *app = arg;
    LOG_INFO("status consumer started (group %s)", app->cfg.svc.kafka_group_id);
    if (kafka_consumer_run(app->consumer, &app->workers_stop, CONSUMER_DRAIN_MS) != 0)
        LOG_ERROR("status consumer ended with an error");
    LOG_INFO("status consumer stopped");
    return NULL;
}

int status_consumer_start(struct app *app, char *errstr, size_t errstr_size)
{
    kafka_consumer_config_t cfg = {
        .bootstrap = app->cfg.svc.kafka_bootstrap,
        .group_id = app->cfg.svc.kafka_group_id,
        .client_id = app->cfg.svc.kafka_client_id,
        .topics = consumer_topics,
        .handler = status_consumer_handle,
        .ctx = app,
        .dlq_producer = app->dlq_producer,
        .max_in_flight_per_partition = 1,
        .poll_timeout_ms = 100,
    };
    app->consumer = kafka_consumer_new(&cfg, errstr, errstr_size);
    if (!app->consumer)
        return -1;
    int err = pthread_create(&app->consumer_thread, NULL, consumer_main, app);
    if (err != 0) {
        snprintf(errstr, errstr_size, "status consumer thread: %s", strerror(err));
        kafka_consumer_free(app->consumer);
        app->consumer = NULL;
        return -1;
    }
    app->consumer_started = true;
    return 0;
}

void status_consumer_join(struct app *app)
{
    if (app->consumer_started) {
        pthread_join(app->consumer_thread, NULL);
        app->consumer_started = false;
    }
    kafka_consumer_free(app->consumer);
    app->consumer = NULL;
}
