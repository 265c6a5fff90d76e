/* Posting, delisting and update jobs on worker threads (see worker.h). The consumer thread
 * only parses and queues; a job thread runs the driver's op and publishes each event with
 * kafka_produce_sync, so the final event is on the broker before the Kafka message is
 * completed (at-least-once). */
#include "worker.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "common/event.h"
#include "common/log.h"
#include "common/metrics.h"
#include "common/util.h"
#include "common/xmalloc.h"

#define PUBLISH_TIMEOUT_MS 15000

/* One request as the pool holds it: the parsed request of its op, and the fields every op
 * has, copied out of it (dj below points into the request). */
typedef struct job {
    driver_op_t op;
    posting_requested_t post;
    delisting_requested_t delist;
    update_requested_t update;
    renew_requested_t renew;
    int64_t job_id;
    int attempt;
    const char *platform; /* the request's */
    int64_t account_id;
    int64_t listing_id;
    void *token;
    char where[192]; /* the message's context (kafka_message_context), for logs */
    struct job *next;
} job_t;

struct worker_pool {
    worker_deps_t deps;
    kafka_consumer_t *consumer;
    pthread_t *threads;
    int nthreads;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    job_t *head, *tail;
    int busy;
    bool quit;
};

/* What each op publishes at its end, and how its logs and metrics name it. */
static const struct {
    const char *succeeded, *failed;
    const char *done;        /* "job 7: posted: <url>" */
    const char *unsupported; /* the failure when the platform's driver cannot do it */
} OPS[] = {
    [DRIVER_POST] = {EV_POSTING_SUCCEEDED, EV_POSTING_FAILED, "posted", NULL},
    [DRIVER_DELIST] = {EV_DELISTING_SUCCEEDED, EV_DELISTING_FAILED, "delisted",
                       "removing a listing from %s is not automated yet: mark it sold or "
                       "delete it on the marketplace by hand"},
    [DRIVER_UPDATE] = {EV_UPDATE_SUCCEEDED, EV_UPDATE_FAILED, "updated",
                       "updating a listing on %s is not automated yet: edit it on the "
                       "marketplace by hand"},
    [DRIVER_RENEW] = {EV_RENEW_SUCCEEDED, EV_RENEW_FAILED, "renewed",
                      "renewing a listing on %s is not automated: renew it on the marketplace "
                      "by hand, if it has renewing at all"},
};

/* The job log sink: one posting.log event per line. */
typedef struct {
    worker_pool_t *pool;
    const job_t *job;
    bool broken; /* a log line was not delivered: the rest go to stderr only */
} log_ctx_t;

static int publish(worker_pool_t *p, const char *type, const posting_event_t *e)
{
    char key[32];
    char errstr[256];
    snprintf(key, sizeof(key), "%lld", (long long)e->job_id);
    char *json = event_encode("poster", type, key, NULL, posting_event_build(e));
    if (!json) {
        LOG_ERROR("job %s: could not encode %s", key, type);
        return -1;
    }
    int rc = kafka_produce_sync(p->deps.producer, TOPIC_POSTING_EVENTS, key, json, strlen(json),
                                PUBLISH_TIMEOUT_MS, errstr, sizeof(errstr));
    if (rc != 0)
        LOG_ERROR("job %s: %s not delivered: %s", key, type, errstr);
    else
        metrics_inc(metrics_counter("bb_poster_events_published_total",
                                    "events the poster wrote to bb.posting.events"),
                    1);
    free(json);
    return rc;
}

static void job_log(void *ctx, const char *level, const char *message, const char *artifact)
{
    log_ctx_t *lc = ctx;
    const job_t *job = lc->job;
    if (strcmp(level, "error") == 0)
        LOG_WARN("job %lld: %s", (long long)job->job_id, message);
    else
        LOG_INFO("job %lld: %s", (long long)job->job_id, message);
    posting_event_t e = {
        .job_id = job->job_id,
        .attempt = job->attempt,
        .level = (char *)level,
        .message = (char *)message,
        .artifact = (char *)artifact,
    };
    /* A lost log line is not worth failing the job for, nor waiting PUBLISH_TIMEOUT_MS per
     * step while Kafka is away: after one failure only the final event is tried again. */
    if (!lc->broken && publish(lc->pool, EV_POSTING_LOG, &e) != 0) {
        lc->broken = true;
        LOG_WARN("job %lld: posting.log not delivered; further log lines stay local",
                 (long long)job->job_id);
    }
}

/* Posts keep their unlabelled-op series (dashboards read them); delists, updates, renews are
 * counted under op="...". */
static void count_result(driver_op_t op, const char *result, const char *code)
{
    char name[160];
    char opl[32] = "";
    if (op != DRIVER_POST)
        snprintf(opl, sizeof(opl), "op=\"%s\",", driver_op_name(op));
    snprintf(name, sizeof(name), "bb_poster_jobs_total{%sresult=\"%s\"}", opl, result);
    metrics_inc(metrics_counter(name, "poster jobs by result"), 1);
    if (code) {
        snprintf(name, sizeof(name), "bb_poster_jobs_failed_total{%scode=\"%s\"}", opl, code);
        metrics_inc(metrics_counter(name, "failed poster jobs by error code"), 1);
    }
}

static void result_fail(runner_result_t *res, const char *code, const char *message)
{
    res->status = RUNNER_FAILED;
    res->retryable = false;
    snprintf(res->error_code, sizeof(res->error_code), "%s", code);
    snprintf(res->error_message, sizeof(res->error_message), "%s", message);
}

/* Runs the job's op on its platform's driver, or fails it: no driver, or one that cannot do
 * this op. */
static void job_drive(worker_pool_t *p, job_t *job, log_ctx_t *lc, runner_result_t *res)
{
    const driver_t *d = driver_find(p->deps.drivers, job->platform);
    driver_fn fn = d ? driver_op_fn(d, job->op) : NULL;
    char msg[512];
    if (!d) {
        char names[256];
        driver_registry_names(p->deps.drivers, names, sizeof(names));
        snprintf(msg, sizeof(msg), "no driver for platform %s: this poster posts to %s",
                 job->platform, names);
        result_fail(res, "no_driver", msg);
        job_log(lc, "error", msg, NULL);
        return;
    }
    if (!fn) {
        snprintf(msg, sizeof(msg), OPS[job->op].unsupported, job->platform);
        result_fail(res, "not_supported", msg);
        job_log(lc, "error", msg, NULL);
        return;
    }
    driver_job_t dj = {
        .op = job->op,
        .post = job->op == DRIVER_POST ? &job->post : NULL,
        .delist = job->op == DRIVER_DELIST ? &job->delist : NULL,
        .update = job->op == DRIVER_UPDATE ? &job->update : NULL,
        .renew = job->op == DRIVER_RENEW ? &job->renew : NULL,
        .job_id = job->job_id,
        .attempt = job->attempt,
        .account_id = job->account_id,
        .deadline_ms = util_now_ms() + p->deps.job_timeout_ms,
        .stop = p->deps.stop,
        .log = job_log,
        .log_ctx = lc,
    };
    metric_t *running = metrics_gauge("bb_poster_jobs_running", "poster jobs running now");
    metrics_inc(running, 1);
    fn(d, p->deps.env, &dj, res);
    metrics_inc(running, -1);
}

/* Runs one job end to end and completes its message. */
static void job_run(worker_pool_t *p, job_t *job)
{
    int64_t t0 = util_now_us();
    handle_result_t done = HANDLE_RETRY;
    const char *reason = NULL;
    runner_result_t res;
    memset(&res, 0, sizeof(res));
    log_ctx_t lc = {.pool = p, .job = job};

    LOG_CTX(job->where, INFO, "job %lld attempt %d: %s %s listing %lld account %lld",
            (long long)job->job_id, job->attempt, driver_op_name(job->op), job->platform,
            (long long)job->listing_id, (long long)job->account_id);
    posting_event_t started = {.job_id = job->job_id, .attempt = job->attempt};
    if (publish(p, EV_POSTING_STARTED, &started) != 0) {
        reason = "posting.started not delivered";
        goto complete;
    }
    job_drive(p, job, &lc, &res);

    if (res.status == RUNNER_INTERRUPTED) {
        /* Nothing final: the message is redelivered, and the driver finds what this attempt
         * may already have done (a post's find_existing, a delist's "already gone"). */
        LOG_WARN("job %lld: interrupted by shutdown; left for redelivery", (long long)job->job_id);
        count_result(job->op, "interrupted", NULL);
        reason = "interrupted by shutdown";
        goto complete;
    }
    posting_event_t fin = {.job_id = job->job_id, .attempt = job->attempt};
    const char *type;
    if (res.status == RUNNER_OK) {
        type = OPS[job->op].succeeded;
        fin.external_id = res.external_id;
        fin.external_url = res.external_url;
    } else {
        type = OPS[job->op].failed;
        fin.error_code = res.error_code;
        fin.error_message = res.error_message;
        fin.retryable = res.retryable;
    }
    if (publish(p, type, &fin) != 0) {
        reason = "final event not delivered";
        goto complete;
    }
    done = HANDLE_OK;
    if (res.status == RUNNER_OK) {
        LOG_INFO("job %lld: %s%s%s%s", (long long)job->job_id, OPS[job->op].done,
                 res.existing ? " (already)" : "", res.external_url ? ": " : "",
                 res.external_url ? res.external_url : "");
        count_result(job->op, "succeeded", NULL);
    } else {
        LOG_WARN("job %lld: %s failed: %s: %s", (long long)job->job_id, driver_op_name(job->op),
                 res.error_code, res.error_message);
        count_result(job->op, "failed", res.error_code);
    }
    metrics_observe_us(metrics_histogram("bb_poster_job_duration_seconds",
                                         "time from job start to its final event"),
                       util_now_us() - t0);

complete:
    if (done != HANDLE_OK)
        LOG_WARN("job %lld: not completed (%s): the message will be delivered again",
                 (long long)job->job_id, reason ? reason : "?");
    kafka_consumer_complete(p->consumer, job->token, done, reason);
    runner_result_free(&res);
}

static void job_free(job_t *job)
{
    if (!job)
        return;
    posting_requested_free(&job->post);
    delisting_requested_free(&job->delist);
    update_requested_free(&job->update);
    renew_requested_free(&job->renew);
    free(job);
}

/* Hands the jobs that never started back to Kafka (unstored: redelivered later). */
static void queue_give_back(worker_pool_t *p, const char *why)
{
    pthread_mutex_lock(&p->mu);
    job_t *q = p->head;
    p->head = p->tail = NULL;
    pthread_mutex_unlock(&p->mu);
    while (q) {
        job_t *next = q->next;
        if (p->consumer)
            kafka_consumer_complete(p->consumer, q->token, HANDLE_RETRY, why);
        job_free(q);
        pthread_mutex_lock(&p->mu);
        p->busy--;
        pthread_mutex_unlock(&p->mu);
        q = next;
    }
}

static void *worker_main(void *arg)
{
    worker_pool_t *p = arg;
    for (;;) {
        pthread_mutex_lock(&p->mu);
        while (!p->head && !p->quit && !*p->deps.stop) {
            /* The stop flag is set by the signal thread, which cannot signal p->cv. */
            struct timespec ts;
            clock_gettime(CLOCK_REALTIME, &ts);
            ts.tv_nsec += 200 * 1000000L;
            ts.tv_sec += ts.tv_nsec / 1000000000L;
            ts.tv_nsec %= 1000000000L;
            pthread_cond_timedwait(&p->cv, &p->mu, &ts);
        }
        if (p->quit || *p->deps.stop) {
            pthread_mutex_unlock(&p->mu);
            /* So that the consumer's drain does not wait for jobs nobody will run. */
            queue_give_back(p, "shutting down");
            return NULL;
        }
        job_t *job = p->head;
        p->head = job->next;
        if (!p->head)
            p->tail = NULL;
        pthread_mutex_unlock(&p->mu);

        job_run(p, job);
        job_free(job);

        pthread_mutex_lock(&p->mu);
        p->busy--;
        pthread_mutex_unlock(&p->mu);
    }
}

worker_pool_t *worker_pool_new(int nthreads, const worker_deps_t *deps, char *errstr,
                               size_t errstr_size)
{
    worker_pool_t *p = xcalloc(1, sizeof(*p));
    p->deps = *deps;
    pthread_mutex_init(&p->mu, NULL);
    pthread_cond_init(&p->cv, NULL);
    p->threads = xcalloc((size_t)nthreads, sizeof(pthread_t));
    for (int i = 0; i < nthreads; i++) {
        int rc = pthread_create(&p->threads[i], NULL, worker_main, p);
        if (rc != 0) {
            snprintf(errstr, errstr_size, "worker thread: %s", strerror(rc));
            worker_pool_free(p);
            return NULL;
        }
        p->nthreads++;
    }
    return p;
}

void worker_pool_set_consumer(worker_pool_t *p, kafka_consumer_t *c)
{
    p->consumer = c;
}

int worker_pool_busy(worker_pool_t *p)
{
    pthread_mutex_lock(&p->mu);
    int n = p->busy;
    pthread_mutex_unlock(&p->mu);
    return n;
}

/* Parses the request of ev (one of the four request types) into a new job; NULL with
 * errstr when the type is not a request or its data is malformed. */
static job_t *job_parse(const event_t *ev, const char *topic, char *errstr, size_t errstr_size)
{
    job_t *job = xcalloc(1, sizeof(*job));
    char err[256];
    int rc;
    if (strcmp(ev->type, EV_POSTING_REQUESTED) == 0) {
        job->op = DRIVER_POST;
        rc = posting_requested_parse(ev->data, &job->post, err, sizeof(err));
        job->job_id = job->post.job_id;
        job->attempt = job->post.attempt;
        job->platform = job->post.platform;
        job->account_id = job->post.account_id;
        job->listing_id = job->post.listing.id;
    } else if (strcmp(ev->type, EV_DELISTING_REQUESTED) == 0) {
        job->op = DRIVER_DELIST;
        rc = delisting_requested_parse(ev->data, &job->delist, err, sizeof(err));
        job->job_id = job->delist.job_id;
        job->attempt = job->delist.attempt;
        job->platform = job->delist.platform;
        job->account_id = job->delist.account_id;
        job->listing_id = job->delist.listing_id;
    } else if (strcmp(ev->type, EV_UPDATE_REQUESTED) == 0) {
        job->op = DRIVER_UPDATE;
        rc = update_requested_parse(ev->data, &job->update, err, sizeof(err));
        job->job_id = job->update.job_id;
        job->attempt = job->update.attempt;
        job->platform = job->update.platform;
        job->account_id = job->update.account_id;
        job->listing_id = job->update.listing.id;
    } else if (strcmp(ev->type, EV_RENEW_REQUESTED) == 0) {
        job->op = DRIVER_RENEW;
        rc = renew_requested_parse(ev->data, &job->renew, err, sizeof(err));
        job->job_id = job->renew.job_id;
        job->attempt = job->renew.attempt;
        job->platform = job->renew.platform;
        job->account_id = job->renew.account_id;
        job->listing_id = job->renew.listing_id;
    } else {
        snprintf(errstr, errstr_size, "unexpected event type %s on %s", ev->type, topic);
        free(job);
        return NULL;
    }
    if (rc != 0) {
        snprintf(errstr, errstr_size, "bad %s: %s", ev->type, err);
        job_free(job);
        return NULL;
    }
    return job;
}

handle_result_t worker_on_message(const kafka_message_t *msg, void *ctx, char *errstr,
                                  size_t errstr_size)
{
    worker_pool_t *p = ctx;
    event_t ev;
    char err[256];
    if (event_decode(msg->payload, msg->len, &ev, err, sizeof(err)) != 0) {
        snprintf(errstr, errstr_size, "not a CloudEvent: %s", err);
        return HANDLE_DROP;
    }
    job_t *job = job_parse(&ev, msg->topic, errstr, errstr_size);
    event_free(&ev);
    if (!job)
        return HANDLE_DROP;
    job->token = msg->token;
    kafka_message_context(msg, job->where, sizeof(job->where));
    pthread_mutex_lock(&p->mu);
    if (p->tail)
        p->tail->next = job;
    else
        p->head = job;
    p->tail = job;
    p->busy++;
    pthread_cond_signal(&p->cv);
    pthread_mutex_unlock(&p->mu);
    return HANDLE_DEFERRED;
}

void worker_pool_free(worker_pool_t *p)
{
    if (!p)
        return;
    pthread_mutex_lock(&p->mu);
    p->quit = true;
    pthread_cond_broadcast(&p->cv);
    pthread_mutex_unlock(&p->mu);
    for (int i = 0; i < p->nthreads; i++)
        pthread_join(p->threads[i], NULL);
    queue_give_back(p, "shutting down");
    pthread_mutex_destroy(&p->mu);
    pthread_cond_destroy(&p->cv);
    free(p->threads);
    free(p);
}
