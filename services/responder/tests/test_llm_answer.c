/* Unit tests of llm_answer.c: reading chat.completion bodies (content as a JSON string, refusal,
 * truncation, malformed output, schema violations) and classifying API errors. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "llm_answer.h"

#define GOOD_CONTENT                                                                               \
    "{\\\"text\\\":\\\"I could do $95, does that work?\\\",\\\"intent\\\":\\\"offer\\\","          \
    "\\\"deal_status\\\":\\\"negotiating\\\",\\\"agreed_price_cents\\\":null,"                     \
    "\\\"buyer_offer_cents\\\":8000,\\\"counter_cents\\\":9500,\\\"handoff\\\":false,"             \
    "\\\"handoff_reason\\\":null}"

/* A chat.completion body as OpenAI sends it, with content (a JSON-encoded string literal,
 * or "null"), refusal and finish_reason. */
static char *completion(const char *content_literal, const char *refusal_literal,
                        const char *finish)
{
    char *out = malloc(8192);
    snprintf(out, 8192,
             "{\"id\":\"chatcmpl-1\",\"object\":\"chat.completion\",\"created\":1726012687,"
             "\"model\":\"gpt-4o-mini\",\"choices\":[{\"index\":0,\"message\":{\"role\":"
             "\"assistant\",\"content\":%s,\"refusal\":%s,\"annotations\":[]},\"logprobs\":null,"
             "\"finish_reason\":\"%s\"}],\"usage\":{\"prompt_tokens\":812,\"completion_tokens\":"
             "41,\"total_tokens\":853}}",
             content_literal, refusal_literal, finish);
    return out;
}

static llm_parse_t parse(const char *body, llm_draft_t *d, char *err, size_t err_size)
{
    return llm_parse_completion(body, strlen(body), d, err, err_size);
}

static void test_good_completion(void **state)
{
    (void)state;
    char *body = completion("\"" GOOD_CONTENT "\"", "null", "stop");
    llm_draft_t d;
    char err[200] = "";
    assert_int_equal(parse(body, &d, err, sizeof(err)), LLM_PARSE_OK);
    assert_string_equal(d.text, "I could do $95, does that work?");
    assert_string_equal(d.intent, "offer");
    assert_string_equal(d.deal_status, "negotiating");
    assert_int_equal(d.agreed_price_cents, 0);
    assert_int_equal(d.buyer_offer_cents, 8000);
    assert_int_equal(d.counter_cents, 9500);
    assert_false(d.handoff);
    assert_null(d.handoff_reason);
    assert_int_equal(d.prompt_tokens, 812);
    assert_int_equal(d.completion_tokens, 41);
    llm_draft_free(&d);
    free(body);
}

static void test_refusal(void **state)
{
    (void)state;
    char *body = completion("null", "\"I'm sorry, I can't help with that.\"", "stop");
    llm_draft_t d;
    char err[200] = "";
    assert_int_equal(parse(body, &d, err, sizeof(err)), LLM_PARSE_REFUSAL);
    assert_string_equal(err, "I'm sorry, I can't help with that.");
    assert_int_equal(d.prompt_tokens, 812); /* usage still counted */
    llm_draft_free(&d);
    free(body);
    body = completion("null", "null", "content_filter");
    assert_int_equal(parse(body, &d, err, sizeof(err)), LLM_PARSE_REFUSAL);
    llm_draft_free(&d);
    free(body);
}

static void test_truncated_is_malformed(void **state)
{
    (void)state;
    /* even a complete-looking JSON is not trusted when the model was cut off */
    char *body = completion("\"" GOOD_CONTENT "\"", "null", "length");
    llm_draft_t d;
    char err[200] = "";
    assert_int_equal(parse(body, &d, err, sizeof(err)), LLM_PARSE_MALFORMED);
    assert_non_null(strstr(err, "length"));
    llm_draft_free(&d);
    free(body);
}

static void test_malformed_content(void **state)
{
    (void)state;
    static const struct {
        const char *content;
        const char *err;
    } cases[] = {
        {"\"{\\\"text\\\": \\\"sure thing\\\", \\\"intent\\\": \"", "not a JSON object"},
        {"\"[1,2]\"", "not a JSON object"},
        {"\"\"", "not a JSON object"},
        {"null", "content: not a string"},
        {"42", "content: not a string"},
        /* a field missing */
        {"\"{\\\"text\\\":\\\"hi\\\",\\\"intent\\\":\\\"other\\\",\\\"deal_status\\\":\\\"none\\\","
         "\\\"agreed_price_cents\\\":null,\\\"buyer_offer_cents\\\":null,\\\"handoff\\\":false,"
         "\\\"handoff_reason\\\":null}\"",
         "counter_cents: missing"},
        /* an extra field */
        {"\"{\\\"text\\\":\\\"hi\\\",\\\"intent\\\":\\\"other\\\",\\\"deal_status\\\":\\\"none\\\","
         "\\\"agreed_price_cents\\\":null,\\\"buyer_offer_cents\\\":null,\\\"counter_cents\\\":"
         "null,"
         "\\\"handoff\\\":false,\\\"handoff_reason\\\":null,\\\"floor\\\":5000}\"",
         "floor: not in the schema"},
        /* wrong types */
        {"\"{\\\"text\\\":\\\"hi\\\",\\\"intent\\\":\\\"other\\\",\\\"deal_status\\\":\\\"none\\\","
         "\\\"agreed_price_cents\\\":null,\\\"buyer_offer_cents\\\":null,\\\"counter_cents\\\":"
         "null,"
         "\\\"handoff\\\":\\\"false\\\",\\\"handoff_reason\\\":null}\"",
         "handoff: not a boolean"},
        {"\"{\\\"text\\\":\\\"hi\\\",\\\"intent\\\":\\\"other\\\",\\\"deal_status\\\":"
         "\\\"agreed\\\","
         "\\\"agreed_price_cents\\\":95.5,\\\"buyer_offer_cents\\\":null,\\\"counter_cents\\\":"
         "null,"
         "\\\"handoff\\\":false,\\\"handoff_reason\\\":null}\"",
         "agreed_price_cents: not a non-negative integer"},
        {"\"{\\\"text\\\":\\\"hi\\\",\\\"intent\\\":\\\"other\\\",\\\"deal_status\\\":\\\"none\\\","
         "\\\"agreed_price_cents\\\":null,\\\"buyer_offer_cents\\\":-100,\\\"counter_cents\\\":"
         "null,"
         "\\\"handoff\\\":false,\\\"handoff_reason\\\":null}\"",
         "buyer_offer_cents: not a non-negative integer"},
        {"\"{\\\"text\\\":\\\"hi\\\",\\\"intent\\\":\\\"other\\\",\\\"deal_status\\\":\\\"none\\\","
         "\\\"agreed_price_cents\\\":null,\\\"buyer_offer_cents\\\":\\\"80\\\",\\\"counter_"
         "cents\\\":"
         "null,\\\"handoff\\\":false,\\\"handoff_reason\\\":null}\"",
         "buyer_offer_cents: not an integer or null"},
        {"\"{\\\"text\\\":7,\\\"intent\\\":\\\"other\\\",\\\"deal_status\\\":\\\"none\\\","
         "\\\"agreed_price_cents\\\":null,\\\"buyer_offer_cents\\\":null,\\\"counter_cents\\\":"
         "null,"
         "\\\"handoff\\\":false,\\\"handoff_reason\\\":null}\"",
         "text: not a string"},
        /* enums */
        {"\"{\\\"text\\\":\\\"hi\\\",\\\"intent\\\":\\\"haggle\\\",\\\"deal_status\\\":"
         "\\\"none\\\","
         "\\\"agreed_price_cents\\\":null,\\\"buyer_offer_cents\\\":null,\\\"counter_cents\\\":"
         "null,"
         "\\\"handoff\\\":false,\\\"handoff_reason\\\":null}\"",
         "intent: \"haggle\" is not one of the intents"},
        {"\"{\\\"text\\\":\\\"hi\\\",\\\"intent\\\":\\\"other\\\",\\\"deal_status\\\":\\\"sold\\\","
         "\\\"agreed_price_cents\\\":null,\\\"buyer_offer_cents\\\":null,\\\"counter_cents\\\":"
         "null,"
         "\\\"handoff\\\":false,\\\"handoff_reason\\\":null}\"",
         "deal_status: \"sold\""},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        char *body = completion(cases[i].content, "null", "stop");
        llm_draft_t d;
        char err[200] = "";
        llm_parse_t r = parse(body, &d, err, sizeof(err));
        if (r != LLM_PARSE_MALFORMED || !strstr(err, cases[i].err))
            fail_msg("case %zu: got %d \"%s\", want malformed \"%s\"", i, (int)r, err,
                     cases[i].err);
        llm_draft_free(&d);
        free(body);
    }
}

static void test_handoff_with_empty_text(void **state)
{
    (void)state;
    char *body = completion(
        "\"{\\\"text\\\":\\\"\\\",\\\"intent\\\":\\\"other\\\",\\\"deal_status\\\":\\\"none\\\","
        "\\\"agreed_price_cents\\\":null,\\\"buyer_offer_cents\\\":null,\\\"counter_cents\\\":null,"
        "\\\"handoff\\\":true,\\\"handoff_reason\\\":\\\"asks to pay with Zelle\\\"}\"",
        "null", "stop");
    llm_draft_t d;
    char err[200] = "";
    assert_int_equal(parse(body, &d, err, sizeof(err)), LLM_PARSE_OK);
    assert_true(d.handoff);
    assert_string_equal(d.handoff_reason, "asks to pay with Zelle");
    assert_string_equal(d.text, "");
    llm_draft_free(&d);
    free(body);
}

static void test_malformed_envelope(void **state)
{
    (void)state;
    static const char *const bodies[] = {
        "",
        "not json",
        "[]",
        "{\"choices\":[]}",
        "{\"choices\":[{\"message\":null}]}",
        "{\"choices\":{\"message\":{}}}",
        "<html><body>502 Bad Gateway</body></html>",
    };
    for (size_t i = 0; i < sizeof(bodies) / sizeof(bodies[0]); i++) {
        llm_draft_t d;
        char err[200] = "";
        assert_int_equal(llm_parse_completion(bodies[i], strlen(bodies[i]), &d, err, sizeof(err)),
                         LLM_PARSE_MALFORMED);
        assert_true(err[0] != '\0');
        llm_draft_free(&d);
    }
    llm_draft_t d;
    char err[200];
    assert_int_equal(llm_parse_completion(NULL, 0, &d, err, sizeof(err)), LLM_PARSE_MALFORMED);
    /* nesting cJSON would recurse into is refused before it parses (issue 11) */
    char deep[1300];
    memset(deep, '[', 600);
    memset(deep + 600, ']', 600);
    deep[1200] = '\0';
    assert_int_equal(llm_parse_completion(deep, strlen(deep), &d, err, sizeof(err)),
                     LLM_PARSE_MALFORMED);
    assert_non_null(strstr(err, "nested deeper than 32 levels"));
    llm_draft_free(&d);
    llm_draft_t v = {0};
    assert_int_equal(llm_draft_validate(deep, strlen(deep), &v, err, sizeof(err)), -1);
    assert_non_null(strstr(err, "nested deeper"));
}

static void test_validate_direct(void **state)
{
    (void)state;
    const char *c = "{\"text\":\"Deal at $100, when can you come?\",\"intent\":\"offer\","
                    "\"deal_status\":\"agreed\",\"agreed_price_cents\":10000,"
                    "\"buyer_offer_cents\":10000,\"counter_cents\":null,\"handoff\":false,"
                    "\"handoff_reason\":null}";
    llm_draft_t d;
    char err[200] = "";
    assert_int_equal(llm_draft_validate(c, strlen(c), &d, err, sizeof(err)), 0);
    assert_int_equal(d.agreed_price_cents, 10000);
    assert_string_equal(d.deal_status, "agreed");
    llm_draft_free(&d);
    llm_draft_free(&d); /* idempotent */
}

static void test_classify(void **state)
{
    (void)state;
    char reason[200];
    const char *kind = NULL;
    const char *quota = "{\"error\":{\"message\":\"You exceeded your current quota\",\"type\":"
                        "\"insufficient_quota\",\"param\":null,\"code\":\"insufficient_quota\"}}";
    const char *rate = "{\"error\":{\"message\":\"Rate limit reached\",\"type\":\"requests\","
                       "\"param\":null,\"code\":\"rate_limit_exceeded\"}}";
    const char *bad = "{\"error\":{\"message\":\"Invalid schema for response_format\",\"type\":"
                      "\"invalid_request_error\",\"param\":\"response_format\",\"code\":null}}";
    const char *vllm = "{\"object\":\"error\",\"message\":\"model xyz does not exist\",\"type\":"
                       "\"NotFoundError\",\"param\":null,\"code\":404}";

    assert_int_equal(llm_classify_error(401, NULL, 0, -1, reason, sizeof(reason), &kind),
                     LLM_ERROR_PERMANENT);
    assert_string_equal(reason, "model API key rejected (401)");
    assert_string_equal(kind, "auth");

    assert_int_equal(llm_classify_error(403, NULL, 0, -1, reason, sizeof(reason), &kind),
                     LLM_ERROR_PERMANENT);
    assert_string_equal(kind, "forbidden");

    assert_int_equal(
        llm_classify_error(429, quota, strlen(quota), -1, reason, sizeof(reason), &kind),
        LLM_ERROR_PERMANENT);
    assert_string_equal(kind, "quota");
    assert_non_null(strstr(reason, "quota"));

    assert_int_equal(llm_classify_error(429, rate, strlen(rate), -1, reason, sizeof(reason), &kind),
                     LLM_ERROR_RETRY);
    assert_string_equal(kind, "rate_limited");

    assert_int_equal(llm_classify_error(400, bad, strlen(bad), -1, reason, sizeof(reason), &kind),
                     LLM_ERROR_PERMANENT);
    assert_string_equal(kind, "bad_request");
    assert_non_null(strstr(reason, "Invalid schema"));

    assert_int_equal(llm_classify_error(404, vllm, strlen(vllm), -1, reason, sizeof(reason), &kind),
                     LLM_ERROR_PERMANENT);
    assert_non_null(strstr(reason, "does not exist"));

    static const long transient[] = {408, 409, 500, 502, 503, 504};
    for (size_t i = 0; i < sizeof(transient) / sizeof(transient[0]); i++)
        assert_int_equal(
            llm_classify_error(transient[i], NULL, 0, -1, reason, sizeof(reason), &kind),
            LLM_ERROR_RETRY);
    /* the server's x-should-retry wins */
    assert_int_equal(llm_classify_error(503, NULL, 0, 0, reason, sizeof(reason), &kind),
                     LLM_ERROR_PERMANENT);
    assert_int_equal(llm_classify_error(400, NULL, 0, 1, reason, sizeof(reason), &kind),
                     LLM_ERROR_RETRY);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_good_completion),         cmocka_unit_test(test_refusal),
        cmocka_unit_test(test_truncated_is_malformed),  cmocka_unit_test(test_malformed_content),
        cmocka_unit_test(test_handoff_with_empty_text), cmocka_unit_test(test_malformed_envelope),
        cmocka_unit_test(test_validate_direct),         cmocka_unit_test(test_classify),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
