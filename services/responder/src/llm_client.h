/* The model's HTTP client: many calls in flight on one thread, a libcurl multi loop fed through a
 * queue and curl_multi_wakeup, with per-attempt timeouts, retries on transport errors,
 * 408/409/429/5xx (honouring retry-after-ms / Retry-After through httpc_retry_delay_ms, capped
 * backoff otherwise) as timers in the same loop, and one fresh call when the model returns
 * malformed output. One slow call never holds up the others. */
#ifndef RESPONDER_LLM_CLIENT_H
#define RESPONDER_LLM_CLIENT_H

#include <stdint.h>

#include "llm_answer.h"

typedef struct llm_client llm_client_t;

typedef struct {
    const char *base_url;     /* "https://api.openai.com/v1" (trailing '/' allowed) */
    const char *api_key;      /* NULL or "": no Authorization header */
    long timeout_ms;          /* per attempt */
    long connect_timeout_ms;  /* 0 -> 5000 */
    int max_retries;          /* transient failures retried this many times */
    int max_inflight;         /* concurrent HTTP requests; the rest wait in a queue */
    double max_retry_after_s; /* advice longer than this is not waited for (0 -> 120) */
} llm_client_config_t;

typedef enum {
    LLM_OUTCOME_OK,      /* draft holds the validated answer */
    LLM_OUTCOME_HANDOFF, /* no usable answer: reason says why (refusal, 401, malformed...) */
    LLM_OUTCOME_ABORTED, /* shut down before an answer: the caller must not publish anything */
} llm_outcome_t;

typedef struct {
    llm_outcome_t outcome;
    llm_draft_t draft;      /* OK: owned by the result; the callback may take it (zero it) */
    char reason[200];       /* HANDOFF: seller-facing reason */
    const char *error_kind; /* last error for metrics ("timeout", "rate_limited"...), or NULL */
    int64_t latency_ms;     /* from submit to outcome, retries and waits included */
    int attempts;           /* HTTP requests made */
    int64_t prompt_tokens, completion_tokens; /* summed over attempts */
} llm_result_t;

/* Called once per submitted call, always on the client's loop thread (also for the calls aborted
 * by llm_client_shutdown). The result is freed after it returns. */
typedef void (*llm_client_done_fn)(void *user, llm_result_t *result);

/* Starts the loop thread. Returns NULL with errstr. Caller frees with llm_client_free. */
llm_client_t *llm_client_new(const llm_client_config_t *cfg, char *errstr, size_t errstr_size);

/* Queues one call with its request body (the engine takes ownership of body, freed with
 * free()). request_id (may be NULL) is sent as X-Client-Request-Id, so the provider's logs
 * and ours name the same call. done is called exactly once, later, unless this returns -1
 * (shutting down: body freed, done not called). Thread-safe. */
int llm_client_submit(llm_client_t *in, char *body, const char *request_id, llm_client_done_fn done,
                      void *user) __attribute__((warn_unused_result));

/* Calls queued or running right now. Thread-safe. */
int llm_client_count(llm_client_t *in);

/* Stops intake, lets the calls finish until wait_ms has passed, aborts the rest (their done
 * gets LLM_OUTCOME_ABORTED) and joins the thread. Call once, from one thread. */
void llm_client_shutdown(llm_client_t *in, int64_t wait_ms);

/* Shuts down (wait 0) if still running, then frees. Accepts NULL. */
void llm_client_free(llm_client_t *in);

#endif
