/* byebuy-responder: drafts replies to buyers. Consumes reply.requested from bb.reply.requests,
 * runs each through the pipeline (plan, rules engine or model, post-guards) with many in
 * flight, and publishes reply.drafted to bb.reply.drafts; `--draft` does one from stdin. */
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <curl/curl.h>

#include "common/event.h"
#include "common/kafka.h"
#include "common/log.h"
#include "common/metrics.h"
#include "common/service_main.h"
#include "common/util.h"
#include "common/xmalloc.h"
#include "convq.h"
#include "llm_client.h"
#include "pipeline.h"
#include "responder_config.h"

#define SERVICE "responder"
#define MAX_STDIN (1024 * 1024)

struct app {
    responder_config_t cfg;
    kafka_producer_t *producer; /* the skeleton's */
    kafka_consumer_t *consumer;
    llm_client_t *llm;
    pipeline_t *pl;
    convq_t *convq; /* one request at a time per conversation (Kafka key) */
    /* kafka_consumer_complete must not run once kafka_consumer_run has returned. */
    pthread_mutex_t lock;
    bool consumer_open;
    atomic_int inflight;
    metric_t *m_inflight, *m_overhead, *m_total;
    /* --draft: the one result */
    pthread_cond_t cond;
    pipeline_job_t *result;
};

/* What travels with one Kafka message from the handler to the delivery report. */
typedef struct {
    void *token;
    char *key;
    bool serial; /* entered in app->convq under key */
    cJSON *data; /* while it waits behind an earlier request of its conversation */
    char request_id[80];
    char where[192]; /* the message's context (kafka_message_context), for logs */
} delivery_t;

static void delivery_free(delivery_t *d)
{
    if (!d)
        return;
    cJSON_Delete(d->data);
    free(d->key);
    free(d);
}

static void delivery_free_item(void *item)
{
    delivery_free(item);
}

static void inflight_dec(struct app *app)
{
    metrics_set(app->m_inflight, atomic_fetch_sub(&app->inflight, 1) - 1);
}

static void consumer_complete(struct app *app, void *token, handle_result_t result,
                              const char *reason)
{
    pthread_mutex_lock(&app->lock);
    if (app->consumer_open)
        kafka_consumer_complete(app->consumer, token, result, reason);
    pthread_mutex_unlock(&app->lock);
}

/* A request the pipeline cannot read, but that names its request and conversation, is
 * answered with a handoff draft that says why: the api then shows the conversation to the
 * seller at once (instead of after its sweep of unanswered requests), and the buyer is not
 * left waiting unseen. Returns true when the draft was queued (its delivery report completes
 * d), false when the request names neither (it goes to the DLQ, as any poison message). */
static bool publish_refusal(struct app *app, delivery_t *d, const cJSON *data, const char *why)
{
    const cJSON *rid = cJSON_GetObjectItemCaseSensitive(data, F_REQUEST_ID);
    const cJSON *cid = cJSON_GetObjectItemCaseSensitive(data, F_CONVERSATION_ID);
    if (!cJSON_IsString(rid) || !rid->valuestring[0] || !cJSON_IsString(cid) ||
        !cid->valuestring[0])
        return false;
    char reason[400], id[UUID_STR_LEN], err[256];
    snprintf(reason, sizeof(reason), "the responder could not read the reply request (%s)", why);
    reply_drafted_t draft = {.request_id = rid->valuestring,
                             .conversation_id = cid->valuestring,
                             .action = "handoff",
                             .source = "rules"};
    draft.guard.handoff_reason = reason;
    pipeline_draft_id(rid->valuestring, id);
    char *payload =
        event_encode(SERVICE, EV_REPLY_DRAFTED, cid->valuestring, id, reply_drafted_build(&draft));
    int rc = payload ? kafka_produce(app->producer, TOPIC_REPLY_DRAFTS, d->key, payload,
                                     strlen(payload), d, err, sizeof(err))
                     : -1;
    free(payload);
    if (rc < 0)
        return false;
    LOG_CTX(d->where, WARN, "request %s: invalid reply.requested (%s): handed off",
            rid->valuestring, why);
    return true;
}

/* The request of a conversation that was running is over: start the next one waiting. */
static void run_next(struct app *app, const char *key)
{
    delivery_t *next;
    while ((next = convq_leave(app->convq, key))) {
        char err[256];
        pipeline_submit_t r = pipeline_submit(app->pl, next->data, next, err, sizeof(err));
        if (r == PIPELINE_ACCEPTED) {
            cJSON_Delete(next->data);
            next->data = NULL;
            return; /* its completion calls run_next again */
        }
        if (r == PIPELINE_INVALID && publish_refusal(app, next, next->data, err))
            return; /* its completion calls run_next again */
        if (r == PIPELINE_INVALID) {
            char reason[300];
            snprintf(reason, sizeof(reason), "invalid reply.requested: %s", err);
            consumer_complete(app, next->token, HANDLE_DROP, reason);
        } else {
            consumer_complete(app, next->token, HANDLE_RETRY, err);
        }
        inflight_dec(app);
        delivery_free(next);
    }
}

static void complete(struct app *app, delivery_t *d, handle_result_t result, const char *reason)
{
    consumer_complete(app, d->token, result, reason);
    inflight_dec(app);
    if (d->serial)
        run_next(app, d->key);
    delivery_free(d);
}

/* Producer poll thread: the draft is durable (or not); only now is the request done. */
static void on_delivery(void *msg_opaque, int err, const char *errstr, void *ctx)
{
    struct app *app = ctx;
    delivery_t *d = msg_opaque;
    if (err) {
        LOG_CTX(d->where, WARN, "request %s: draft not delivered (%s); the request will be retried",
                d->request_id, errstr ? errstr : "unknown error");
        complete(app, d, HANDLE_RETRY, errstr);
        return;
    }
    complete(app, d, HANDLE_OK, NULL);
}

static void log_draft(const pipeline_job_t *job, const char *where, int64_t overhead_us)
{
    const reply_drafted_t *d = &job->draft;
    LOG_CTX(where, INFO,
            "request %s conversation %s: draft %s action=%s source=%s intent=%s%s%s "
            "model_ms=%lld overhead_us=%lld",
            d->request_id, d->conversation_id, job->draft_id, d->action, d->source,
            d->intent ? d->intent : "-", d->guard.handoff_reason ? " reason=" : "",
            d->guard.handoff_reason ? d->guard.handoff_reason : "",
            (long long)(job->model_us / 1000), (long long)overhead_us);
}

/* Pipeline callback in Kafka mode (consumer thread or inflight thread). */
static void on_draft(pipeline_job_t *job, void *ctx)
{
    struct app *app = ctx;
    delivery_t *d = job->user;
    char *payload = NULL;
    if (job->aborted) {
        /* Shutdown: leave the request unacknowledged; it is redelivered after restart. */
        complete(app, d, HANDLE_RETRY, "shutting down");
        goto cleanup;
    }
    int64_t now = util_now_us();
    int64_t overhead = now - job->received_us - job->model_us;
    if (overhead < 0)
        overhead = 0;
    metrics_observe_us(app->m_overhead, overhead);
    metrics_observe_us(app->m_total, now - job->received_us);
    log_draft(job, d->where, overhead);
    payload = event_encode(SERVICE, EV_REPLY_DRAFTED, job->draft.conversation_id, job->draft_id,
                           reply_drafted_build(&job->draft));
    char err[256];
    if (!payload) {
        LOG_CTX(d->where, ERROR, "request %s: draft could not be encoded", d->request_id);
        complete(app, d, HANDLE_RETRY, "draft could not be encoded");
        goto cleanup;
    }
    if (kafka_produce(app->producer, TOPIC_REPLY_DRAFTS, d->key, payload, strlen(payload), d, err,
                      sizeof(err)) < 0) {
        LOG_CTX(d->where, WARN, "request %s: draft not queued: %s", d->request_id, err);
        complete(app, d, HANDLE_RETRY, err);
    }
cleanup:
    free(payload);
    pipeline_job_free(job);
}

/* Consumer thread: one reply.requested. */
static handle_result_t on_request(const kafka_message_t *msg, void *ctx, char *errstr,
                                  size_t errstr_size)
{
    struct app *app = ctx;
    event_t ev;
    char err[256];
    if (event_decode(msg->payload, msg->len, &ev, err, sizeof(err)) < 0) {
        snprintf(errstr, errstr_size, "not a CloudEvent: %s", err);
        return HANDLE_DROP;
    }
    if (strcmp(ev.type, EV_REPLY_REQUESTED) != 0) {
        snprintf(errstr, errstr_size, "unexpected event type \"%s\" on %s", ev.type, msg->topic);
        event_free(&ev);
        return HANDLE_DROP;
    }
    delivery_t *d = xcalloc(1, sizeof(*d));
    d->token = msg->token;
    d->key = xstrdup(msg->key);
    kafka_message_context(msg, d->where, sizeof(d->where));
    snprintf(d->request_id, sizeof(d->request_id), "%s", ev.id);
    const cJSON *rid = cJSON_GetObjectItemCaseSensitive(ev.data, "request_id");
    if (cJSON_IsString(rid) && rid->valuestring)
        snprintf(d->request_id, sizeof(d->request_id), "%s", rid->valuestring);
    metrics_set(app->m_inflight, atomic_fetch_add(&app->inflight, 1) + 1);
    /* Requests of one conversation run one after the other, in their Kafka order. */
    d->serial = msg->key_len > 0;
    if (d->serial && !convq_enter(app->convq, d->key, d)) {
        d->data = cJSON_Duplicate(ev.data, 1);
        event_free(&ev);
        return HANDLE_DEFERRED;
    }
    /* The callback may run before pipeline_submit returns (rules engine): the delivery then
     * completes the message through the token, which the consumer allows for deferred
     * messages as soon as the handler has taken them. */
    pipeline_submit_t r = pipeline_submit(app->pl, ev.data, d, err, sizeof(err));
    bool refused = r == PIPELINE_INVALID && publish_refusal(app, d, ev.data, err);
    event_free(&ev);
    if (r == PIPELINE_ACCEPTED || refused)
        return HANDLE_DEFERRED;
    inflight_dec(app);
    if (d->serial)
        run_next(app, d->key);
    delivery_free(d);
    if (r == PIPELINE_INVALID) {
        snprintf(errstr, errstr_size, "invalid reply.requested: %s", err);
        return HANDLE_DROP;
    }
    snprintf(errstr, errstr_size, "%s", err);
    return HANDLE_RETRY;
}

/* ---- setup shared by both modes ---------------------------------------------------------- */

static int start_llm(struct app *app, char *errstr, size_t errstr_size)
{
    if (!app->cfg.openai_base_url)
        return 0;
    llm_client_config_t ic = {
        .base_url = app->cfg.openai_base_url,
        .api_key = app->cfg.openai_api_key,
        .timeout_ms = (long)app->cfg.llm_timeout_ms,
        .max_retries = (int)app->cfg.llm_max_retries,
        .max_inflight = (int)app->cfg.llm_max_inflight,
        .max_retry_after_s = app->cfg.llm_max_retry_after_s,
    };
    app->llm = llm_client_new(&ic, errstr, errstr_size);
    return app->llm ? 0 : -1;
}

static void start_pipeline(struct app *app, pipeline_done_fn done)
{
    pipeline_config_t pc = {
        .llm = app->llm,
        .prompt = {.model = app->cfg.openai_model,
                   .temperature = app->cfg.llm_temperature,
                   .max_completion_tokens = (int)app->cfg.llm_max_tokens,
                   .reply_max_chars = (int)app->cfg.reply_max_chars},
        .done = done,
        .ctx = app,
    };
    app->pl = pipeline_new(&pc);
}

/* ---- --draft ----------------------------------------------------------------------------- */

static void on_draft_stdin(pipeline_job_t *job, void *ctx)
{
    struct app *app = ctx;
    pthread_mutex_lock(&app->lock);
    app->result = job;
    pthread_cond_signal(&app->cond);
    pthread_mutex_unlock(&app->lock);
}

static char *read_stdin(size_t *len, char *errstr, size_t errstr_size)
{
    size_t cap = 64 * 1024, n = 0;
    char *buf = xmalloc(cap + 1);
    for (;;) {
        if (n == cap) {
            if (cap >= MAX_STDIN) {
                snprintf(errstr, errstr_size, "stdin: more than %d bytes", MAX_STDIN);
                free(buf);
                return NULL;
            }
            cap *= 2;
            buf = xrealloc(buf, cap + 1);
        }
        size_t got = fread(buf + n, 1, cap - n, stdin);
        n += got;
        if (got == 0)
            break;
    }
    if (ferror(stdin)) {
        snprintf(errstr, errstr_size, "stdin: read error");
        free(buf);
        return NULL;
    }
    buf[n] = '\0';
    *len = n;
    return buf;
}

static int run_draft(struct app *app)
{
    int rc = 1;
    char err[512];
    size_t len = 0;
    cJSON *root = NULL;
    char *out = NULL;
    char *in = read_stdin(&len, err, sizeof(err));
    if (!in) {
        fprintf(stderr, "byebuy-responder --draft: %s\n", err);
        goto cleanup;
    }
    root = cJSON_ParseWithLength(in, len);
    if (!root) {
        fprintf(stderr, "byebuy-responder --draft: stdin is not valid JSON (expected one "
                        "reply.requested data object)\n");
        goto cleanup;
    }
    if (!cJSON_IsObject(root)) {
        fprintf(stderr, "byebuy-responder --draft: stdin must be a JSON object (the "
                        "reply.requested data)\n");
        goto cleanup;
    }
    /* A whole CloudEvent is accepted too: its data is the request. */
    const cJSON *data = root;
    const cJSON *inner = cJSON_GetObjectItemCaseSensitive(root, "data");
    if (cJSON_GetObjectItemCaseSensitive(root, "specversion") && cJSON_IsObject(inner))
        data = inner;
    if (start_llm(app, err, sizeof(err)) < 0) {
        fprintf(stderr, "byebuy-responder --draft: model client: %s\n", err);
        goto cleanup;
    }
    start_pipeline(app, on_draft_stdin);
    pipeline_submit_t r = pipeline_submit(app->pl, data, NULL, err, sizeof(err));
    if (r != PIPELINE_ACCEPTED) {
        fprintf(stderr, "byebuy-responder --draft: bad request: %s\n", err);
        goto cleanup;
    }
    pthread_mutex_lock(&app->lock);
    while (!app->result)
        pthread_cond_wait(&app->cond, &app->lock);
    pthread_mutex_unlock(&app->lock);
    if (app->result->aborted) {
        fprintf(stderr, "byebuy-responder --draft: interrupted\n");
        goto cleanup;
    }
    cJSON *draft = reply_drafted_build(&app->result->draft);
    out = cJSON_Print(draft);
    cJSON_Delete(draft);
    if (!out) {
        fprintf(stderr, "byebuy-responder --draft: out of memory\n");
        goto cleanup;
    }
    printf("%s\n", out);
    fflush(stdout);
    rc = 0;
cleanup:
    pipeline_job_free(app->result);
    app->result = NULL;
    cJSON_free(out);
    cJSON_Delete(root);
    free(in);
    return rc;
}

/* ---- service ----------------------------------------------------------------------------- */

static int run_service(struct app *app, service_t *svc)
{
    char err[512];
    static const char *const topics[] = {TOPIC_REPLY_REQUESTS, TOPIC_REPLY_DRAFTS, TOPIC_DLQ, NULL};
    static const char *const consume[] = {TOPIC_REPLY_REQUESTS, NULL};

    if (start_llm(app, err, sizeof(err)) < 0) {
        LOG_ERROR("model client: %s", err);
        return 1;
    }
    if (service_kafka_start(svc, topics, on_delivery, app) != 0)
        return 1;
    app->producer = svc->producer;
    start_pipeline(app, on_draft);
    app->convq = convq_new();
    kafka_consumer_config_t cc = {
        .topics = consume,
        .handler = on_request,
        .ctx = app,
        .max_in_flight_per_partition = (int)app->cfg.kafka_max_in_flight,
        .poll_timeout_ms = 100,
    };
    if (service_consumer_start(svc, &cc) != 0)
        return 1;
    app->consumer = svc->consumer;
    app->consumer_open = true;
    const service_probe_t probes[] = {{"kafka", kafka_probe, app->producer}};
    if (service_health_start(svc, probes, 1) != 0)
        return 1;
    LOG_INFO("drafting with %s; consuming %s as group %s; health on http://%s:%lld",
             app->llm ? app->cfg.openai_model : "the rules engine", TOPIC_REPLY_REQUESTS,
             app->cfg.svc.kafka_group_id, app->cfg.svc.health_host, app->cfg.svc.health_port);

    /* The shutdown budget: most of it for drafts in flight, the rest for the producer. */
    int64_t drain = app->cfg.shutdown_ms - 1000;
    return service_run(svc, drain < 0 ? 0 : (int)drain);
}

/* After the consumer's loop: no completion reaches the consumer any more, and whatever the
 * model has not answered by now is redelivered after a restart. */
static void app_drain(void *ctx)
{
    struct app *app = ctx;
    int unfinished = atomic_load(&app->inflight);
    if (app->consumer)
        LOG_INFO("%d draft%s still in flight", unfinished, unfinished == 1 ? "" : "s");
    pthread_mutex_lock(&app->lock);
    app->consumer_open = false;
    pthread_mutex_unlock(&app->lock);
    llm_client_shutdown(app->llm, 0);
    if (app->consumer && unfinished > 0)
        LOG_WARN("%d request%s unanswered; they will be redelivered", unfinished,
                 unfinished == 1 ? "" : "s");
}

static void app_release(void *ctx)
{
    struct app *app = ctx;
    convq_free(app->convq, delivery_free_item);
    pipeline_free(app->pl);
    llm_client_free(app->llm);
    curl_global_cleanup();
    pthread_cond_destroy(&app->cond);
    pthread_mutex_destroy(&app->lock);
}

int main(int argc, char **argv)
{
    static struct app app;
    service_t svc;
    int rc = service_begin(&svc, &responder_service, &app.cfg, argc, argv);
    if (rc >= 0)
        return rc;
    pthread_mutex_init(&app.lock, NULL);
    pthread_cond_init(&app.cond, NULL);
    app.m_inflight = metrics_gauge("bb_responder_inflight", "Reply requests being drafted now");
    app.m_overhead = metrics_histogram("bb_responder_overhead_seconds",
                                       "Time per draft outside the model call (parse, plan, "
                                       "guards, encode), request taken to draft queued");
    app.m_total = metrics_histogram("bb_responder_draft_seconds",
                                    "Time per draft from request taken to draft queued");
    curl_global_init(CURL_GLOBAL_DEFAULT);

    int status = service_option(&svc, "--draft") ? run_draft(&app) : run_service(&app, &svc);

    const service_shutdown_t shutdown = {
        .drain = app_drain,
        .release = app_release,
        .ctx = &app,
        .flush_timeout_ms = 800,
    };
    return service_end(&svc, &shutdown, status);
}
