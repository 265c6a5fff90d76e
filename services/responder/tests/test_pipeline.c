/* Unit tests of pipeline.c: the deterministic draft id, the handoff and model drafts, and
 * the synchronous path (rules engine, pre-guard, invalid input) of pipeline_submit. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "pipeline.h"

static void test_draft_id(void **state)
{
    (void)state;
    char a[UUID_STR_LEN], b[UUID_STR_LEN], c[UUID_STR_LEN];
    pipeline_draft_id("req-1", a);
    pipeline_draft_id("req-1", b);
    pipeline_draft_id("req-2", c);
    /* SHA-256("byebuy/reply.drafted/req-1") in the UUID layout, computed independently */
    assert_string_equal(a, "196da95f-3dc8-53d6-8d8e-af5c3e880caa");
    assert_string_equal(a, b);
    assert_string_not_equal(a, c);
    assert_int_equal(strlen(c), 36);
    assert_int_equal(c[14], '5');
    assert_non_null(strchr("89ab", c[19]));
    pipeline_draft_id("", c); /* empty ids still give a well-formed UUID */
    assert_int_equal(strlen(c), 36);
}

static reply_requested_t request(void)
{
    reply_requested_t req;
    memset(&req, 0, sizeof(req));
    req.request_id = "req-9";
    req.conversation_id = "conv-9";
    return req;
}

static void test_handoff_draft(void **state)
{
    (void)state;
    reply_requested_t req = request();
    plan_t plan;
    memset(&plan, 0, sizeof(plan));
    plan.intent = INTENT_OFFER;
    plan.buyer_offer_cents = 5000;
    reply_drafted_t d;
    pipeline_handoff_draft(&req, &plan, "llm", "model API key rejected (401)", &d);
    assert_string_equal(d.request_id, "req-9");
    assert_string_equal(d.conversation_id, "conv-9");
    assert_string_equal(d.action, "handoff");
    assert_null(d.text);
    assert_string_equal(d.intent, "offer");
    assert_string_equal(d.deal.status, "negotiating");
    assert_int_equal(d.deal.buyer_offer_cents, 5000);
    assert_string_equal(d.guard.handoff_reason, "model API key rejected (401)");
    assert_string_equal(d.source, "llm");
    reply_drafted_free(&d);

    pipeline_handoff_draft(&req, NULL, "rules", "", &d);
    assert_string_equal(d.intent, "other");
    assert_string_equal(d.deal.status, "none");
    assert_string_equal(d.guard.handoff_reason, "needs the seller");
    reply_drafted_free(&d);
}

static void test_llm_draft(void **state)
{
    (void)state;
    reply_requested_t req = request();
    plan_t plan;
    memset(&plan, 0, sizeof(plan));
    llm_draft_t m = {.text = "I could do $95.",
                     .intent = "offer",
                     .deal_status = "negotiating",
                     .buyer_offer_cents = 8000,
                     .counter_cents = 9500};
    reply_drafted_t d;
    pipeline_llm_draft(&req, &plan, &m, &d);
    assert_string_equal(d.action, "send");
    assert_string_equal(d.text, "I could do $95.");
    assert_string_equal(d.deal.status, "negotiating");
    assert_int_equal(d.deal.counter_cents, 9500);
    assert_int_equal(d.deal.buyer_offer_cents, 8000);
    assert_null(d.guard.handoff_reason);
    assert_string_equal(d.source, "llm");
    reply_drafted_free(&d);

    llm_draft_t h = {.text = "", .intent = "other", .deal_status = "none", .handoff = true};
    pipeline_llm_draft(&req, &plan, &h, &d);
    assert_string_equal(d.action, "handoff");
    assert_null(d.text);
    assert_string_equal(d.guard.handoff_reason, "the model asked for the seller");
    reply_drafted_free(&d);
}

/* ---- pipeline_submit without a model ----------------------------------------------------- */

typedef struct {
    int calls;
    pipeline_job_t *job;
} sink_t;

static void on_done(pipeline_job_t *job, void *ctx)
{
    sink_t *s = ctx;
    s->calls++;
    pipeline_job_free(s->job);
    s->job = job;
}

static pipeline_submit_t submit(pipeline_t *pl, const char *json, char *err, size_t err_size)
{
    cJSON *data = cJSON_Parse(json);
    assert_non_null(data);
    pipeline_submit_t r = pipeline_submit(pl, data, NULL, err, err_size);
    cJSON_Delete(data);
    return r;
}

#define LISTING                                                                                    \
    "\"listing\":{\"id\":3,\"title\":\"Oak desk\",\"description\":\"Solid oak, 120cm wide.\","     \
    "\"price_cents\":15000,\"floor_cents\":9100,\"currency\":\"USD\",\"flexibility\":0.5,"         \
    "\"condition\":\"good\",\"location\":\"Berkeley\",\"status\":\"active\"}"

static void test_submit_rules(void **state)
{
    (void)state;
    sink_t s = {0};
    pipeline_config_t cfg = {.llm = NULL, .done = on_done, .ctx = &s};
    pipeline_t *pl = pipeline_new(&cfg);
    char err[256] = "";

    /* an offer: drafted at once by the rules engine, checked by the guards */
    assert_int_equal(submit(pl,
                            "{\"request_id\":\"q1\",\"conversation_id\":\"c1\"," LISTING
                            ",\"new_messages\":[{\"text\":\"would you take $60?\"}]}",
                            err, sizeof(err)),
                     PIPELINE_ACCEPTED);
    assert_int_equal(s.calls, 1);
    assert_false(s.job->aborted);
    const reply_drafted_t *d = &s.job->draft;
    assert_string_equal(d->request_id, "q1");
    assert_string_equal(d->conversation_id, "c1");
    assert_string_equal(d->source, "rules");
    assert_string_equal(d->action, "send");
    assert_non_null(d->text);
    assert_null(strstr(d->text, "$91"));
    assert_true(d->deal.counter_cents == 0 || d->deal.counter_cents >= 9100);
    char id[UUID_STR_LEN];
    pipeline_draft_id("q1", id);
    assert_string_equal(s.job->draft_id, id);

    /* a scam: the pre-guard hands off with no text */
    assert_int_equal(submit(pl,
                            "{\"request_id\":\"q2\",\"conversation_id\":\"c2\"," LISTING
                            ",\"new_messages\":[{\"text\":\"I will send you a verification code,"
                            " please read it back to me\"}]}",
                            err, sizeof(err)),
                     PIPELINE_ACCEPTED);
    assert_int_equal(s.calls, 2);
    d = &s.job->draft;
    assert_string_equal(d->action, "handoff");
    assert_true(d->text == NULL || d->text[0] == '\0');
    assert_non_null(d->guard.handoff_reason);

    /* invalid: not drafted, the reason names the field */
    assert_int_equal(submit(pl, "{\"conversation_id\":\"c3\"," LISTING "}", err, sizeof(err)),
                     PIPELINE_INVALID);
    assert_non_null(strstr(err, "request_id"));
    assert_int_equal(s.calls, 2);

    /* cannot be planned (floor above price): handed to the seller, not dropped */
    assert_int_equal(submit(pl,
                            "{\"request_id\":\"q4\",\"conversation_id\":\"c4\",\"listing\":{"
                            "\"id\":3,\"title\":\"Desk\",\"price_cents\":0,\"floor_cents\":0,"
                            "\"currency\":\"USD\"},\"new_messages\":[{\"text\":\"hi\"}]}",
                            err, sizeof(err)),
                     PIPELINE_ACCEPTED);
    assert_int_equal(s.calls, 3);
    assert_string_equal(s.job->draft.action, "handoff");
    assert_non_null(strstr(s.job->draft.guard.handoff_reason, "cannot plan"));

    pipeline_job_free(s.job);
    pipeline_free(pl);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_draft_id),
        cmocka_unit_test(test_handoff_draft),
        cmocka_unit_test(test_llm_draft),
        cmocka_unit_test(test_submit_rules),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
