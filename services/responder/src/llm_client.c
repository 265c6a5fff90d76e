/* The libcurl multi loop of the model client (see llm_client.h). One thread owns the multi
 * handle and every call's state; other threads only touch the intake queue under the lock
 * and wake the loop with curl_multi_wakeup. Retry delays are timers of the same loop. */
#include "llm_client.h"

#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <curl/curl.h>

#include "common/httpc.h"
#include "common/log.h"
#include "common/metrics.h"
#include "common/util.h"
#include "common/xmalloc.h"

#define MAX_RESPONSE (4u * 1024 * 1024) /* a chat completion is a few KiB */
#define IDLE_POLL_MS 1000

typedef enum { CALL_WAITING, CALL_ACTIVE } call_state_t;

typedef struct call {
    struct call *next;
    char *body;
    size_t body_len;
    struct curl_slist *headers; /* the engine's plus X-Client-Request-Id */
    llm_client_done_fn done;
    void *user;
    int64_t submitted_ms;
    call_state_t state;
    int64_t due_ms;     /* WAITING: when the next attempt may start */
    int retries;        /* transient retries used */
    int malformed;      /* malformed answers so far */
    int64_t started_us; /* ACTIVE: when the attempt started */
    CURL *curl;
    httpc_sink_t resp;    /* response body of the current attempt, at most MAX_RESPONSE */
    httpc_response_t hdr; /* headers of the current attempt (httpc_header_cb) */
    char curl_err[CURL_ERROR_SIZE];
    llm_result_t result;
} call_t;

struct llm_client {
    llm_client_config_t cfg;
    char *url;
    struct curl_slist *headers;
    CURLM *multi;
    pthread_t thread;
    bool thread_started;

    pthread_mutex_t lock; /* guards the fields down to abort_at_ms */
    call_t *incoming;     /* submitted, not yet seen by the loop (LIFO; order restored) */
    int count;            /* submitted and not yet done */
    bool stopping;
    int64_t abort_at_ms;

    /* loop thread only */
    call_t *calls; /* WAITING and ACTIVE calls */
    int active;
    metric_t *m_active, *m_latency;
};

/* ---- per-attempt plumbing --------------------------------------------------------------- */

static void attempt_reset(call_t *c)
{
    httpc_sink_reset(&c->resp);
    httpc_response_free(&c->hdr);
    memset(&c->hdr, 0, sizeof(c->hdr));
    c->hdr.retry_after_ms = -1;
    c->hdr.should_retry = -1;
    c->curl_err[0] = '\0';
}

static int attempt_start(llm_client_t *in, call_t *c, char *errstr, size_t errstr_size)
{
    attempt_reset(c);
    CURL *curl = curl_easy_init();
    if (!curl) {
        snprintf(errstr, errstr_size, "curl_easy_init failed");
        return -1;
    }
    curl_easy_setopt(curl, CURLOPT_URL, in->url);
    curl_easy_setopt(curl, CURLOPT_HTTPHEADER, c->headers ? c->headers : in->headers);
    curl_easy_setopt(curl, CURLOPT_POST, 1L);
    curl_easy_setopt(curl, CURLOPT_POSTFIELDS, c->body);
    curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)c->body_len);
    curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, in->cfg.timeout_ms);
    curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT_MS, in->cfg.connect_timeout_ms);
    curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(curl, CURLOPT_TCP_KEEPALIVE, 1L);
    curl_easy_setopt(curl, CURLOPT_ACCEPT_ENCODING, "");
    curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, httpc_sink_write);
    curl_easy_setopt(curl, CURLOPT_WRITEDATA, &c->resp);
    curl_easy_setopt(curl, CURLOPT_HEADERFUNCTION, httpc_header_cb);
    curl_easy_setopt(curl, CURLOPT_HEADERDATA, &c->hdr);
    curl_easy_setopt(curl, CURLOPT_ERRORBUFFER, c->curl_err);
    curl_easy_setopt(curl, CURLOPT_PRIVATE, c);
    CURLMcode mc = curl_multi_add_handle(in->multi, curl);
    if (mc != CURLM_OK) {
        snprintf(errstr, errstr_size, "curl_multi_add_handle: %s", curl_multi_strerror(mc));
        curl_easy_cleanup(curl);
        return -1;
    }
    c->curl = curl;
    c->state = CALL_ACTIVE;
    c->started_us = util_now_us();
    c->result.attempts++;
    in->active++;
    return 0;
}

static void count_error(const char *kind)
{
    char name[128];
    snprintf(name, sizeof(name), "bb_responder_llm_errors_total{kind=\"%s\"}", kind);
    metrics_inc(metrics_counter(name, "Model call failures by kind (each attempt)"), 1);
}

/* ---- outcomes --------------------------------------------------------------------------- */

/* Unlinks c from the loop's list, reports its outcome and frees it. */
static void call_finish(llm_client_t *in, call_t *c, llm_outcome_t outcome)
{
    call_t **pp = &in->calls;
    while (*pp && *pp != c)
        pp = &(*pp)->next;
    if (*pp)
        *pp = c->next;
    c->result.outcome = outcome;
    c->result.latency_ms = util_now_ms() - c->submitted_ms;
    c->done(c->user, &c->result);
    llm_draft_free(&c->result.draft);
    attempt_reset(c);
    sbuf_free(&c->resp.body);
    curl_slist_free_all(c->headers);
    free(c->body);
    free(c);
    pthread_mutex_lock(&in->lock);
    in->count--;
    pthread_mutex_unlock(&in->lock);
}

static void call_handoff(llm_client_t *in, call_t *c, const char *reason)
{
    snprintf(c->result.reason, sizeof(c->result.reason), "%s", reason);
    call_finish(in, c, LLM_OUTCOME_HANDOFF);
}

/* A transient failure: wait and retry, or give up with reason. */
static void call_retry_later(llm_client_t *in, call_t *c, const char *reason)
{
    int64_t delay = -1;
    if (c->retries < in->cfg.max_retries)
        delay = httpc_retry_delay_ms(c->retries, c->hdr.retry_after_ms, in->cfg.max_retry_after_s);
    if (c->retries < in->cfg.max_retries && delay < 0) {
        char r[200];
        snprintf(r, sizeof(r), "%s; asked to wait longer than %.0f s", reason,
                 in->cfg.max_retry_after_s);
        call_handoff(in, c, r);
        return;
    }
    if (delay < 0) {
        char r[200];
        snprintf(r, sizeof(r), "%s after %d attempts", reason, c->result.attempts);
        call_handoff(in, c, r);
        return;
    }
    c->retries++;
    c->state = CALL_WAITING;
    c->due_ms = util_now_ms() + delay;
    LOG_DEBUG("model call retry %d in %lld ms (%s)", c->retries, (long long)delay, reason);
}

/* One HTTP attempt ended (curl handle already removed). */
static void attempt_done(llm_client_t *in, call_t *c, CURLcode code)
{
    long status = 0;
    curl_easy_getinfo(c->curl, CURLINFO_RESPONSE_CODE, &status);
    curl_easy_cleanup(c->curl);
    c->curl = NULL;
    in->active--;
    metrics_observe_us(in->m_latency, util_now_us() - c->started_us);

    if (code != CURLE_OK) {
        char reason[200];
        if (c->resp.too_large) {
            count_error("too_large");
            call_handoff(in, c, "model response too large");
            return;
        }
        c->result.error_kind = code == CURLE_OPERATION_TIMEDOUT ? "timeout" : "transport";
        count_error(c->result.error_kind);
        snprintf(reason, sizeof(reason), "model API unreachable (%s)",
                 c->curl_err[0] ? c->curl_err : curl_easy_strerror(code));
        call_retry_later(in, c, reason);
        return;
    }
    if (status == 200) {
        char err[200];
        llm_draft_t d;
        llm_parse_t p =
            llm_parse_completion(c->resp.body.s, c->resp.body.len, &d, err, sizeof(err));
        c->result.prompt_tokens += d.prompt_tokens;
        c->result.completion_tokens += d.completion_tokens;
        if (p == LLM_PARSE_OK) {
            c->result.draft = d;
            call_finish(in, c, LLM_OUTCOME_OK);
            return;
        }
        llm_draft_free(&d);
        if (p == LLM_PARSE_REFUSAL) {
            char reason[200];
            c->result.error_kind = "refused";
            count_error("refused");
            snprintf(reason, sizeof(reason), "model refused: %.150s", err);
            call_handoff(in, c, reason);
            return;
        }
        c->result.error_kind = "malformed";
        count_error("malformed");
        LOG_WARN("model returned malformed output: %s", err);
        if (c->malformed++ == 0) {
            /* One fresh call: sampling often gets it right the second time. */
            c->state = CALL_WAITING;
            c->due_ms = util_now_ms();
            return;
        }
        call_handoff(in, c, "model returned malformed output");
        return;
    }
    char reason[200];
    const char *kind = "http";
    llm_error_class_t cls = llm_classify_error(status, c->resp.body.s, c->resp.body.len,
                                               c->hdr.should_retry, reason, sizeof(reason), &kind);
    c->result.error_kind = kind;
    count_error(kind);
    if (cls == LLM_ERROR_PERMANENT) {
        LOG_WARN("model call failed: %s", reason);
        call_handoff(in, c, reason);
        return;
    }
    call_retry_later(in, c, reason);
}

/* ---- the loop --------------------------------------------------------------------------- */

static void take_incoming(llm_client_t *in, bool *stopping, int64_t *abort_at)
{
    pthread_mutex_lock(&in->lock);
    call_t *list = in->incoming;
    in->incoming = NULL;
    *stopping = in->stopping;
    *abort_at = in->abort_at_ms;
    pthread_mutex_unlock(&in->lock);
    /* incoming is newest first: reverse it and append, so calls start in arrival order. */
    call_t *rev = NULL;
    while (list) {
        call_t *next = list->next;
        list->next = rev;
        rev = list;
        list = next;
    }
    call_t **tail = &in->calls;
    while (*tail)
        tail = &(*tail)->next;
    *tail = rev;
}

static void *loop_main(void *arg)
{
    llm_client_t *in = arg;
    for (;;) {
        bool stopping;
        int64_t abort_at;
        take_incoming(in, &stopping, &abort_at);
        int64_t now = util_now_ms();
        if (stopping && now >= abort_at) {
            while (in->calls) {
                call_t *c = in->calls;
                if (c->curl) {
                    curl_multi_remove_handle(in->multi, c->curl);
                    curl_easy_cleanup(c->curl);
                    c->curl = NULL;
                    in->active--;
                }
                call_finish(in, c, LLM_OUTCOME_ABORTED);
            }
            break;
        }
        if (stopping && !in->calls)
            break;

        /* Start due calls, oldest first, while there is room. */
        int64_t next_due = INT64_MAX;
        for (call_t *c = in->calls, *next; c; c = next) {
            next = c->next;
            if (c->state != CALL_WAITING)
                continue;
            if (c->due_ms > now || in->active >= in->cfg.max_inflight) {
                if (c->due_ms < next_due)
                    next_due = c->due_ms;
                continue;
            }
            char err[200];
            if (attempt_start(in, c, err, sizeof(err)) < 0) {
                LOG_ERROR("model call not started: %s", err);
                call_handoff(in, c, "model client error");
            }
        }
        metrics_set(in->m_active, in->active);

        int running = 0;
        curl_multi_perform(in->multi, &running);
        CURLMsg *msg;
        int left;
        bool finished_any = false;
        while ((msg = curl_multi_info_read(in->multi, &left))) {
            if (msg->msg != CURLMSG_DONE)
                continue;
            CURL *curl = msg->easy_handle;
            CURLcode code = msg->data.result;
            char *priv = NULL;
            curl_easy_getinfo(curl, CURLINFO_PRIVATE, &priv);
            call_t *c = (call_t *)(void *)priv;
            curl_multi_remove_handle(in->multi, curl);
            attempt_done(in, c, code);
            finished_any = true;
        }
        if (finished_any)
            continue; /* a slot freed or a fresh call is due: start it now */

        int64_t timeout = IDLE_POLL_MS;
        now = util_now_ms();
        if (next_due != INT64_MAX && in->active < in->cfg.max_inflight) {
            int64_t wait = next_due - now;
            if (wait < timeout)
                timeout = wait < 0 ? 0 : wait;
        }
        if (stopping && abort_at - now < timeout)
            timeout = abort_at - now < 0 ? 0 : abort_at - now;
        curl_multi_poll(in->multi, NULL, 0, (int)timeout, NULL);
    }
    metrics_set(in->m_active, 0);
    return NULL;
}

/* ---- public ----------------------------------------------------------------------------- */

llm_client_t *llm_client_new(const llm_client_config_t *cfg, char *errstr, size_t errstr_size)
{
    llm_client_t *in = xcalloc(1, sizeof(*in));
    in->cfg = *cfg;
    if (in->cfg.connect_timeout_ms <= 0)
        in->cfg.connect_timeout_ms = 5000;
    if (in->cfg.max_retry_after_s <= 0)
        in->cfg.max_retry_after_s = 120;
    if (in->cfg.max_inflight <= 0)
        in->cfg.max_inflight = 1;
    if (in->cfg.max_retries < 0)
        in->cfg.max_retries = 0;
    pthread_mutex_init(&in->lock, NULL);

    size_t n = strlen(cfg->base_url);
    while (n > 0 && cfg->base_url[n - 1] == '/')
        n--;
    in->url = xasprintf("%.*s/chat/completions", (int)n, cfg->base_url);
    in->cfg.base_url = NULL;
    in->cfg.api_key = NULL;

    struct curl_slist *h = NULL;
    h = curl_slist_append(h, "Content-Type: application/json");
    h = curl_slist_append(h, "Accept: application/json");
    h = curl_slist_append(h, "Expect:"); /* no 100-continue round trip */
    h = curl_slist_append(h, "User-Agent: byebuy-responder/1");
    if (cfg->api_key && *cfg->api_key) {
        char *auth = xasprintf("Authorization: Bearer %s", cfg->api_key);
        h = curl_slist_append(h, auth);
        free(auth);
    }
    in->headers = h;
    if (!h) {
        snprintf(errstr, errstr_size, "curl_slist_append failed");
        goto fail;
    }
    in->multi = curl_multi_init();
    if (!in->multi) {
        snprintf(errstr, errstr_size, "curl_multi_init failed");
        goto fail;
    }
    /* Reuse connections; let the queue, not curl, decide how many run at once. */
    curl_multi_setopt(in->multi, CURLMOPT_MAXCONNECTS, (long)in->cfg.max_inflight);
    in->m_active = metrics_gauge("bb_responder_llm_active", "Model HTTP requests running now");
    in->m_latency = metrics_histogram("bb_responder_llm_request_seconds",
                                      "Latency of one model HTTP request (each attempt)");
    if (pthread_create(&in->thread, NULL, loop_main, in) != 0) {
        snprintf(errstr, errstr_size, "pthread_create failed");
        goto fail;
    }
    in->thread_started = true;
    return in;
fail:
    llm_client_free(in);
    return NULL;
}

/* The engine's headers plus X-Client-Request-Id (printable ASCII only, <= 128 bytes). */
static struct curl_slist *call_headers(const llm_client_t *in, const char *request_id)
{
    if (!request_id || !*request_id)
        return NULL;
    char value[129];
    size_t n = 0;
    for (const char *p = request_id; *p && n < sizeof(value) - 1; p++)
        if (*p > ' ' && *p < 0x7f)
            value[n++] = *p;
    value[n] = '\0';
    if (n == 0)
        return NULL;
    struct curl_slist *h = NULL;
    for (const struct curl_slist *e = in->headers; e; e = e->next)
        h = curl_slist_append(h, e->data);
    char *line = xasprintf("X-Client-Request-Id: %s", value);
    h = curl_slist_append(h, line);
    free(line);
    return h;
}

int llm_client_submit(llm_client_t *in, char *body, const char *request_id, llm_client_done_fn done,
                      void *user)
{
    call_t *c = xcalloc(1, sizeof(*c));
    c->headers = call_headers(in, request_id);
    c->body = body;
    c->body_len = strlen(body);
    c->done = done;
    c->user = user;
    c->submitted_ms = util_now_ms();
    c->state = CALL_WAITING;
    c->due_ms = c->submitted_ms;
    c->hdr.retry_after_ms = -1;
    c->hdr.should_retry = -1;
    c->resp.max = MAX_RESPONSE;
    pthread_mutex_lock(&in->lock);
    if (in->stopping) {
        pthread_mutex_unlock(&in->lock);
        curl_slist_free_all(c->headers);
        free(c->body);
        free(c);
        return -1;
    }
    c->next = in->incoming;
    in->incoming = c;
    in->count++;
    pthread_mutex_unlock(&in->lock);
    curl_multi_wakeup(in->multi);
    return 0;
}

int llm_client_count(llm_client_t *in)
{
    pthread_mutex_lock(&in->lock);
    int n = in->count;
    pthread_mutex_unlock(&in->lock);
    return n;
}

void llm_client_shutdown(llm_client_t *in, int64_t wait_ms)
{
    if (!in || !in->thread_started)
        return;
    pthread_mutex_lock(&in->lock);
    in->stopping = true;
    in->abort_at_ms = util_now_ms() + (wait_ms > 0 ? wait_ms : 0);
    pthread_mutex_unlock(&in->lock);
    curl_multi_wakeup(in->multi);
    pthread_join(in->thread, NULL);
    in->thread_started = false;
}

void llm_client_free(llm_client_t *in)
{
    if (!in)
        return;
    llm_client_shutdown(in, 0);
    if (in->multi)
        curl_multi_cleanup(in->multi);
    curl_slist_free_all(in->headers);
    pthread_mutex_destroy(&in->lock);
    free(in->url);
    free(in);
}
