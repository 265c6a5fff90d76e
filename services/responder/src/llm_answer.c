/* Reads chat.completion responses and error bodies of OpenAI-compatible servers (see llm_answer.h).
 * Everything the model says is checked here in C: the servers that do not enforce the schema
 * (or a model that drifts) must not get an unchecked draft through. */
#include "llm_answer.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "common/json_check.h"
#include "common/httpc.h"
#include "common/xmalloc.h"
#include "plan.h"

/* Largest integer a double holds exactly: money beyond it is nonsense anyway. */
#define MAX_SAFE_INT 9007199254740991.0

void llm_draft_free(llm_draft_t *d)
{
    if (!d)
        return;
    free(d->text);
    free(d->intent);
    free(d->deal_status);
    free(d->handoff_reason);
    memset(d, 0, sizeof(*d));
}

static bool is_intent(const char *s)
{
    for (int i = 0; i <= (int)INTENT_OTHER; i++)
        if (strcmp(s, intent_name((intent_t)i)) == 0)
            return true;
    return false;
}

static bool is_deal_status(const char *s)
{
    return strcmp(s, "none") == 0 || strcmp(s, "negotiating") == 0 || strcmp(s, "agreed") == 0 ||
           strcmp(s, "declined") == 0;
}

/* Reads a nullable money field: null -> 0; otherwise a non-negative integer. */
static int get_money(const cJSON *obj, const char *field, int64_t *out, char *errstr,
                     size_t errstr_size)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, field);
    if (!v) {
        snprintf(errstr, errstr_size, "%s: missing", field);
        return -1;
    }
    if (cJSON_IsNull(v)) {
        *out = 0;
        return 0;
    }
    if (!cJSON_IsNumber(v)) {
        snprintf(errstr, errstr_size, "%s: not an integer or null", field);
        return -1;
    }
    double d = v->valuedouble;
    if (d != floor(d) || d < 0 || d > MAX_SAFE_INT) {
        snprintf(errstr, errstr_size, "%s: not a non-negative integer of cents", field);
        return -1;
    }
    *out = (int64_t)d;
    return 0;
}

static int get_string(const cJSON *obj, const char *field, bool nullable, char **out, char *errstr,
                      size_t errstr_size)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, field);
    if (!v) {
        snprintf(errstr, errstr_size, "%s: missing", field);
        return -1;
    }
    if (nullable && cJSON_IsNull(v)) {
        *out = NULL;
        return 0;
    }
    if (!cJSON_IsString(v) || !v->valuestring) {
        snprintf(errstr, errstr_size, "%s: not a string%s", field, nullable ? " or null" : "");
        return -1;
    }
    *out = xstrdup(v->valuestring);
    return 0;
}

int llm_draft_validate(const char *content, size_t len, llm_draft_t *out, char *errstr,
                       size_t errstr_size)
{
    static const char *const fields[] = {
        "text",          "intent",  "deal_status",   "agreed_price_cents", "buyer_offer_cents",
        "counter_cents", "handoff", "handoff_reason"};
    int rc = -1;
    llm_draft_t d = {0};
    size_t at;
    char why[64];
    cJSON *root = NULL;
    /* the model's text is outside input: no deep nesting reaches cJSON's recursion */
    if (json_check(content, len, JSON_MAX_DEPTH, &at, why, sizeof(why)) != 0) {
        snprintf(errstr, errstr_size, "content: %s at byte %zu", why, at);
        goto cleanup;
    }
    root = cJSON_ParseWithLength(content, len);
    if (!root || !cJSON_IsObject(root)) {
        snprintf(errstr, errstr_size, "content: not a JSON object");
        goto cleanup;
    }
    const cJSON *item = NULL;
    cJSON_ArrayForEach(item, root)
    {
        bool known = false;
        for (size_t i = 0; i < sizeof(fields) / sizeof(fields[0]); i++)
            if (item->string && strcmp(item->string, fields[i]) == 0)
                known = true;
        if (!known) {
            snprintf(errstr, errstr_size, "%s: not in the schema",
                     item->string ? item->string : "(unnamed)");
            goto cleanup;
        }
    }
    if (get_string(root, "text", false, &d.text, errstr, errstr_size) < 0 ||
        get_string(root, "intent", false, &d.intent, errstr, errstr_size) < 0 ||
        get_string(root, "deal_status", false, &d.deal_status, errstr, errstr_size) < 0 ||
        get_string(root, "handoff_reason", true, &d.handoff_reason, errstr, errstr_size) < 0 ||
        get_money(root, "agreed_price_cents", &d.agreed_price_cents, errstr, errstr_size) < 0 ||
        get_money(root, "buyer_offer_cents", &d.buyer_offer_cents, errstr, errstr_size) < 0 ||
        get_money(root, "counter_cents", &d.counter_cents, errstr, errstr_size) < 0)
        goto cleanup;
    const cJSON *handoff = cJSON_GetObjectItemCaseSensitive(root, "handoff");
    if (!handoff) {
        snprintf(errstr, errstr_size, "handoff: missing");
        goto cleanup;
    }
    if (!cJSON_IsBool(handoff)) {
        snprintf(errstr, errstr_size, "handoff: not a boolean");
        goto cleanup;
    }
    d.handoff = cJSON_IsTrue(handoff);
    if (!is_intent(d.intent)) {
        snprintf(errstr, errstr_size, "intent: \"%.40s\" is not one of the intents", d.intent);
        goto cleanup;
    }
    if (!is_deal_status(d.deal_status)) {
        snprintf(errstr, errstr_size,
                 "deal_status: \"%.40s\" is not none, negotiating, "
                 "agreed or declined",
                 d.deal_status);
        goto cleanup;
    }
    *out = d;
    memset(&d, 0, sizeof(d));
    rc = 0;
cleanup:
    llm_draft_free(&d);
    cJSON_Delete(root);
    return rc;
}

static int64_t usage_field(const cJSON *usage, const char *field)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(usage, field);
    return (cJSON_IsNumber(v) && v->valuedouble >= 0 && v->valuedouble < MAX_SAFE_INT)
               ? (int64_t)v->valuedouble
               : 0;
}

llm_parse_t llm_parse_completion(const char *body, size_t len, llm_draft_t *out, char *errstr,
                                 size_t errstr_size)
{
    llm_parse_t rc = LLM_PARSE_MALFORMED;
    memset(out, 0, sizeof(*out));
    size_t at;
    char why[64];
    cJSON *root = NULL;
    if (body && json_check(body, len, JSON_MAX_DEPTH, &at, why, sizeof(why)) != 0) {
        snprintf(errstr, errstr_size, "response: %s at byte %zu", why, at);
        goto cleanup;
    }
    root = body ? cJSON_ParseWithLength(body, len) : NULL;
    if (!root || !cJSON_IsObject(root)) {
        snprintf(errstr, errstr_size, "response: not a JSON object");
        goto cleanup;
    }
    const cJSON *usage = cJSON_GetObjectItemCaseSensitive(root, "usage");
    int64_t prompt_tokens = 0, completion_tokens = 0;
    if (cJSON_IsObject(usage)) {
        prompt_tokens = usage_field(usage, "prompt_tokens");
        completion_tokens = usage_field(usage, "completion_tokens");
    }
    out->prompt_tokens = prompt_tokens;
    out->completion_tokens = completion_tokens;

    const cJSON *choices = cJSON_GetObjectItemCaseSensitive(root, "choices");
    const cJSON *choice = cJSON_IsArray(choices) ? cJSON_GetArrayItem(choices, 0) : NULL;
    const cJSON *message =
        cJSON_IsObject(choice) ? cJSON_GetObjectItemCaseSensitive(choice, "message") : NULL;
    if (!cJSON_IsObject(message)) {
        snprintf(errstr, errstr_size, "choices[0].message: missing");
        goto cleanup;
    }
    const cJSON *refusal = cJSON_GetObjectItemCaseSensitive(message, "refusal");
    if (cJSON_IsString(refusal) && refusal->valuestring && *refusal->valuestring) {
        snprintf(errstr, errstr_size, "%s", refusal->valuestring);
        rc = LLM_PARSE_REFUSAL;
        goto cleanup;
    }
    const cJSON *finish = cJSON_GetObjectItemCaseSensitive(choice, "finish_reason");
    if (cJSON_IsString(finish) && finish->valuestring &&
        strcmp(finish->valuestring, "length") == 0) {
        /* The JSON may be cut anywhere: never parse a truncated draft. */
        snprintf(errstr, errstr_size, "finish_reason: length (truncated output)");
        goto cleanup;
    }
    if (cJSON_IsString(finish) && finish->valuestring &&
        strcmp(finish->valuestring, "content_filter") == 0) {
        snprintf(errstr, errstr_size, "the provider's content filter stopped the reply");
        rc = LLM_PARSE_REFUSAL;
        goto cleanup;
    }
    const cJSON *content = cJSON_GetObjectItemCaseSensitive(message, "content");
    if (!cJSON_IsString(content) || !content->valuestring) {
        snprintf(errstr, errstr_size, "choices[0].message.content: not a string");
        goto cleanup;
    }
    char verr[200];
    llm_draft_t d = {0};
    if (llm_draft_validate(content->valuestring, strlen(content->valuestring), &d, verr,
                           sizeof(verr)) < 0) {
        snprintf(errstr, errstr_size, "content: %s", verr);
        goto cleanup;
    }
    d.prompt_tokens = prompt_tokens;
    d.completion_tokens = completion_tokens;
    *out = d;
    rc = LLM_PARSE_OK;
cleanup:
    cJSON_Delete(root);
    return rc;
}

/* error.code / error.message of an OpenAI error envelope, or of vLLM's older flat one. */
static void error_fields(const char *body, size_t len, char *code, size_t code_size, char *message,
                         size_t message_size)
{
    code[0] = '\0';
    message[0] = '\0';
    cJSON *root = body ? cJSON_ParseWithLength(body, len) : NULL;
    if (!cJSON_IsObject(root))
        goto cleanup;
    const cJSON *err = cJSON_GetObjectItemCaseSensitive(root, "error");
    if (!cJSON_IsObject(err))
        err = root;
    const cJSON *c = cJSON_GetObjectItemCaseSensitive(err, "code");
    if (cJSON_IsString(c) && c->valuestring)
        snprintf(code, code_size, "%s", c->valuestring);
    const cJSON *m = cJSON_GetObjectItemCaseSensitive(err, "message");
    if (cJSON_IsString(m) && m->valuestring)
        snprintf(message, message_size, "%s", m->valuestring);
cleanup:
    cJSON_Delete(root);
}

llm_error_class_t llm_classify_error(long status, const char *body, size_t len,
                                     int should_retry_header, char *reason, size_t reason_size,
                                     const char **kind)
{
    char code[64], message[120];
    error_fields(body, len, code, sizeof(code), message, sizeof(message));
    if (status == 429 && strcmp(code, "insufficient_quota") == 0) {
        *kind = "quota";
        snprintf(reason, reason_size, "model API quota exhausted (429 insufficient_quota)");
        return LLM_ERROR_PERMANENT;
    }
    if (httpc_should_retry(status, should_retry_header)) {
        *kind = status == 429 ? "rate_limited" : status >= 500 ? "server" : "http";
        snprintf(reason, reason_size, "model API unavailable (%ld%s%s)", status, code[0] ? " " : "",
                 code);
        return LLM_ERROR_RETRY;
    }
    switch (status) {
    case 401:
        *kind = "auth";
        snprintf(reason, reason_size, "model API key rejected (401)");
        break;
    case 403:
        *kind = "forbidden";
        snprintf(reason, reason_size, "model API access forbidden (403)");
        break;
    case 404:
        *kind = "not_found";
        snprintf(reason, reason_size, "model or endpoint not found (404)%s%.80s",
                 message[0] ? ": " : "", message);
        break;
    case 400:
    case 422:
        *kind = "bad_request";
        snprintf(reason, reason_size, "model API rejected the request (%ld)%s%.80s", status,
                 message[0] ? ": " : "", message);
        break;
    default:
        *kind = "http";
        snprintf(reason, reason_size, "model API error (%ld)%s%.80s", status,
                 message[0] ? ": " : "", message);
        break;
    }
    return LLM_ERROR_PERMANENT;
}
