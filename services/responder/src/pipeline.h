/* One reply request -> one draft, the same path for Kafka and `--draft`: parse -> plan ->
 * (pre-guard handoff | rules engine | model call) -> post-guards -> draft. Model calls run
 * asynchronously on the model client's loop (llm_client.c); the rest runs on the submitting thread.
 */
#ifndef RESPONDER_PIPELINE_H
#define RESPONDER_PIPELINE_H

#include <stdbool.h>
#include <stdint.h>

#include <cjson/cJSON.h>

#include "common/event.h"
#include "common/util.h"
#include "llm_client.h"
#include "llm_answer.h"
#include "plan.h"
#include "prompt.h"

typedef struct pipeline pipeline_t;

/* One request on its way through the pipeline. */
typedef struct {
    reply_requested_t req;
    plan_t plan;
    reply_drafted_t draft;       /* final once done is called */
    char draft_id[UUID_STR_LEN]; /* CloudEvents id of the draft, derived from request_id */
    void *user;                  /* the caller's (a Kafka token, a waiter) */
    int64_t received_us;         /* when pipeline_submit took it (monotonic) */
    int64_t model_us;            /* time spent waiting for the model; 0 without one */
    bool aborted;                /* shutdown came first: no draft, publish nothing */
    pipeline_t *pl;
} pipeline_job_t;

/* Called exactly once per accepted request with the final draft; the callee owns the job
 * and frees it with pipeline_job_free. Runs on the submitting thread (pre-guard handoff,
 * rules engine) or on the model client's thread. */
typedef void (*pipeline_done_fn)(pipeline_job_t *job, void *ctx);

typedef struct {
    llm_client_t *llm;       /* NULL: the rules engine drafts every reply */
    prompt_options_t prompt; /* model name, temperature, tokens, reply length */
    pipeline_done_fn done;
    void *ctx;
} pipeline_config_t;

typedef enum {
    PIPELINE_ACCEPTED,    /* done will be called (maybe already was, on this thread) */
    PIPELINE_INVALID,     /* not a valid reply request: errstr says why; done not called */
    PIPELINE_UNAVAILABLE, /* shutting down: try again later; done not called */
} pipeline_submit_t;

/* Creates a pipeline (copies cfg; cfg->llm must outlive it). Caller frees with
 * pipeline_free. */
pipeline_t *pipeline_new(const pipeline_config_t *cfg);

/* Frees the pipeline. Accepts NULL. */
void pipeline_free(pipeline_t *pl);

/* Takes one reply.requested `data` object (not consumed). Thread-safe. */
pipeline_submit_t pipeline_submit(pipeline_t *pl, const cJSON *data, void *user, char *errstr,
                                  size_t errstr_size) __attribute__((warn_unused_result));

/* Frees a job handed to the done callback. Accepts NULL. */
void pipeline_job_free(pipeline_job_t *job);

/* ---- pure steps, exported for tests ----------------------------------------------------- */

/* The CloudEvents id of the draft for a request: a name-based UUID (version 5 layout, from
 * SHA-256 of "byebuy/reply.drafted/" + request_id), so a redelivered request yields the same
 * draft id and consumers can dedupe. Pure and thread-safe. */
void pipeline_draft_id(const char *request_id, char out[UUID_STR_LEN]);

/* A draft that hands the chat to the seller: action "handoff", no text, the reason in
 * guard.handoff_reason, intent and offer from the plan. source is "rules" or "llm". The
 * caller frees out with reply_drafted_free. */
void pipeline_handoff_draft(const reply_requested_t *req, const plan_t *plan, const char *source,
                            const char *reason, reply_drafted_t *out);

/* The model's validated answer as a draft (action send, or handoff when the model asked for
 * it), source "llm", before the post-guards. The caller frees out with reply_drafted_free. */
void pipeline_llm_draft(const reply_requested_t *req, const plan_t *plan, const llm_draft_t *m,
                        reply_drafted_t *out);

#endif
