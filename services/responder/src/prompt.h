/* The chat-completion request the responder sends to an OpenAI-compatible model: the system
 * prompt written from the plan (the seller's policy in numbers, never the real floor unless
 * it equals the visible lowest) and the listing facts, the history as prior turns, the
 * buyer's text fenced as untrusted data, and the strict JSON schema of the answer. */
#ifndef RESPONDER_PROMPT_H
#define RESPONDER_PROMPT_H

#include <stddef.h>
#include <stdint.h>

#include <cjson/cJSON.h>

#include "common/event.h"
#include "plan.h"

/* Name of the response schema sent in response_format.json_schema.name. */
#define PROMPT_SCHEMA_NAME "reply_draft"

/* Opening and closing tags of the fence around buyer text. */
#define PROMPT_FENCE_OPEN "<buyer_messages>"
#define PROMPT_FENCE_CLOSE "</buyer_messages>"

typedef struct {
    const char *model;  /* "gpt-4o-mini" */
    double temperature; /* 0..2; negative: not sent (the model's default) */
    int max_completion_tokens;
    int reply_max_chars; /* length asked of the model (the post-guard enforces it) */
} prompt_options_t;

/* The JSON schema of the model's answer: {text, intent, deal_status, agreed_price_cents,
 * buyer_offer_cents, counter_cents, handoff, handoff_reason}, all required, no other
 * properties (OpenAI strict mode). Returns a new object the caller frees with cJSON_Delete. */
cJSON *prompt_schema(void);

/* The system prompt for this request and plan. Never contains plan->policy.floor_cents
 * unless it equals the visible lowest. Returns a new string the caller frees with free().
 * Pure and thread-safe. */
char *prompt_system(const reply_requested_t *req, const plan_t *plan, int reply_max_chars);

/* Copies buyer text with anything that could close or open the untrusted fence neutralised
 * ("</buyer_messages>" -> "[/buyer_messages]"), so the fence cannot be broken from inside.
 * Returns a new string the caller frees with free(). */
char *prompt_fence_escape(const char *text);

/* Copies text with every money amount below min_cents replaced by "(amount withheld)", so
 * a floor the seller wrote in the description or notes ("won't go below 80") never reaches
 * the model. Amounts are found by offer_scan (OFFER_SCAN_ALL, price_cents for "10% off").
 * Returns a new string the caller frees with free(). Pure and thread-safe. */
char *prompt_redact_amounts(const char *text, int64_t price_cents, int64_t min_cents);

/* The whole request body (model: the request's policy.model, else opt->model): {model, messages,
 * response_format{type: json_schema, json_schema{name, schema, strict: true}}, temperature,
 * max_completion_tokens}. Returns compact JSON text the caller frees with free(). Pure and
 * thread-safe. */
char *prompt_request_body(const reply_requested_t *req, const plan_t *plan,
                          const prompt_options_t *opt);

#endif
