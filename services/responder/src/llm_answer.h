/* The pure half of the OpenAI-compatible client: reading a chat.completion (the draft is a JSON
 * string in choices[0].message.content, validated here against the schema of prompt.h),
 * and deciding what an HTTP error means (retry, or hand the chat to the seller with a reason).
 * No I/O: llm_client.c drives the requests. */
#ifndef RESPONDER_LLM_ANSWER_H
#define RESPONDER_LLM_ANSWER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* The model's answer, validated. Strings are owned (free with llm_draft_free). Money is
 * integer cents, 0 when the model gave null. */
typedef struct {
    char *text;
    char *intent;
    char *deal_status; /* none, negotiating, agreed, declined */
    int64_t agreed_price_cents, buyer_offer_cents, counter_cents;
    bool handoff;
    char *handoff_reason; /* NULL when null */
    int64_t prompt_tokens, completion_tokens;
} llm_draft_t;

typedef enum {
    LLM_PARSE_OK,        /* draft filled */
    LLM_PARSE_REFUSAL,   /* message.refusal set: the reason is in errstr */
    LLM_PARSE_MALFORMED, /* not the shape we asked for, truncated, or invalid JSON: errstr */
} llm_parse_t;

/* Parses a 200 response body of /chat/completions. On LLM_PARSE_OK the caller frees `out`
 * with llm_draft_free; otherwise `out` holds only the token usage (when present) and needs
 * no freeing beyond llm_draft_free, which is always safe. Pure and thread-safe. */
llm_parse_t llm_parse_completion(const char *body, size_t len, llm_draft_t *out, char *errstr,
                                 size_t errstr_size);

/* Validates the draft object (the parsed content) against the response schema: every field
 * present with its type, intent and deal_status in their enums, money integral and >= 0, no
 * extra property. (An empty text is valid JSON: the post-guard hands such a draft off.) Fills out
 * on success (caller frees with llm_draft_free). Returns 0 or -1 with "<field>: <problem>" in
 * errstr. */
int llm_draft_validate(const char *content, size_t len, llm_draft_t *out, char *errstr,
                       size_t errstr_size);

/* Frees the strings of a draft and zeroes it. Accepts a zeroed draft. */
void llm_draft_free(llm_draft_t *d);

typedef enum {
    LLM_ERROR_RETRY,     /* transient: retry after a delay (408, 409, 429 rate limit, 5xx) */
    LLM_ERROR_PERMANENT, /* hand the chat off with the reason (401, 403, 400, 404, quota) */
} llm_error_class_t;

/* Classifies a non-200 response. body is the error body (may be NULL); should_retry_header
 * is x-should-retry (1, 0, -1 absent). Writes the seller-facing reason ("model API key
 * rejected (401)") into reason and a metrics kind ("auth", "quota", "rate_limited",
 * "server", "bad_request", "not_found", "forbidden", "http") into *kind. Pure. */
llm_error_class_t llm_classify_error(long status, const char *body, size_t len,
                                     int should_retry_header, char *reason, size_t reason_size,
                                     const char **kind);

#endif
