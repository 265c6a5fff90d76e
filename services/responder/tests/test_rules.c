/* Unit tests of the rules engine: money formatting, tones, deterministic variants, facts from
 * the description, and the decisions (send / handoff / none) with their deals. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include <cmocka.h>

#include "fixture.h"
#include "guard.h"
#include "plan.h"
#include "prompt.h"
#include "rules.h"

/* Builds plan and rules draft for req into d (zeroed first). */
static void draft_for(const reply_requested_t *req, plan_t *plan, reply_drafted_t *d)
{
    char err[128];
    assert_int_equal(plan_build(req, plan, err, sizeof(err)), 0);
    memset(d, 0, sizeof(*d));
    assert_int_equal(rules_draft(req, plan, d), 0);
    assert_string_equal(d->source, "rules");
    assert_string_equal(d->request_id, req->request_id);
    assert_string_equal(d->conversation_id, req->conversation_id);
}

/* The model's prompt and the rules engine write an amount the same way (money_display's
 * buyer style): a CAD listing is "$120" in both, never "CA$120" in one and "$120" in the
 * other. */
static void test_prompt_and_rules_agree_on_money(void **state)
{
    (void)state;
    static const struct {
        const char *currency;
        int64_t price_cents;
        const char *want;
    } cases[] = {
        {"CAD", 12000, "$120"},
        {"USD", 123450, "$1,234.50"},
        {"EUR", 12000,
         "\xE2\x82\xAC"
         "120"},
        {"CHF", 12000, "120 CHF"},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        reply_requested_t req;
        plan_t plan;
        reply_drafted_t d;
        fixture_request(&req, "m-1", "is it still available?");
        fixture_set(&req.listing.currency, cases[i].currency);
        req.listing.price_cents = cases[i].price_cents;
        req.listing.floor_cents = cases[i].price_cents / 2;
        draft_for(&req, &plan, &d);
        char *sys = prompt_system(&req, &plan, 200);
        char line[96];
        snprintf(line, sizeof(line), "Asking price: %s", cases[i].want);
        if (!strstr(sys, line))
            fail_msg("%s: prompt lacks \"%s\"", cases[i].currency, line);
        if (!strstr(d.text, cases[i].want))
            fail_msg("%s: rules reply \"%s\" lacks %s", cases[i].currency, d.text, cases[i].want);
        assert_null(strstr(sys, "CA$"));
        free(sys);
        reply_drafted_free(&d);
        reply_requested_free(&req);
    }
}

static void test_tones(void **state)
{
    (void)state;
    assert_int_equal(rules_tone(NULL), RULES_TONE_FRIENDLY);
    assert_int_equal(rules_tone("casual"), RULES_TONE_CASUAL);
    assert_int_equal(rules_tone("formal"), RULES_TONE_FORMAL);
    assert_int_equal(rules_tone("pirate"), RULES_TONE_FRIENDLY);

    reply_requested_t req;
    plan_t plan;
    reply_drafted_t d;
    fixture_request(&req, "t-1", "is this available?");
    fixture_set(&req.policy.tone, "casual");
    draft_for(&req, &plan, &d);
    /* casual is lower case, texting style */
    assert_true(d.text[0] >= 'a' && d.text[0] <= 'z');
    reply_drafted_free(&d);
    fixture_set(&req.policy.tone, "formal");
    draft_for(&req, &plan, &d);
    assert_null(strstr(d.text, "lmk"));
    assert_true(d.text[0] >= 'A' && d.text[0] <= 'Z');
    reply_drafted_free(&d);
    reply_requested_free(&req);
}

static void test_deterministic_and_varied(void **state)
{
    (void)state;
    char first[400] = "";
    int different = 0;
    for (int i = 0; i < 12; i++) {
        char id[32];
        snprintf(id, sizeof(id), "req-%d", i);
        reply_requested_t req;
        plan_t plan;
        reply_drafted_t a, b;
        fixture_request(&req, id, "is it still available?");
        draft_for(&req, &plan, &a);
        draft_for(&req, &plan, &b);
        assert_string_equal(a.text, b.text); /* a redelivered request gets the same text */
        if (i == 0) {
            snprintf(first, sizeof(first), "%s", a.text);
        } else if (strcmp(first, a.text) != 0) {
            different++;
        }
        assert_non_null(strstr(a.text, "$120"));
        reply_drafted_free(&a);
        reply_drafted_free(&b);
        reply_requested_free(&req);
    }
    assert_true(different > 0); /* several wordings are in use */
}

static void test_description_facts(void **state)
{
    (void)state;
    static const struct {
        const char *question;
        const char *expect; /* substring of the reply; NULL: handed off */
    } cases[] = {
        {"what are the dimensions?", "63 x 51 x 19"},
        {"how big is it?", "63 x 51 x 19"},
        {"does it come with instructions?", "assembly instructions"},
        {"is it solid wood?", "Solid wood"},
        {"any scratches?", "light scratches"},
        {"what condition is it in?", "good condition"},
        {"does it have soft close hinges?", NULL},
        {"is it from a smoke free home?", NULL},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        reply_requested_t req;
        plan_t plan;
        reply_drafted_t d;
        fixture_request(&req, "d-1", cases[i].question);
        draft_for(&req, &plan, &d);
        if (cases[i].expect != NULL) {
            if (strcmp(d.action, "send") != 0 || strstr(d.text, cases[i].expect) == NULL) {
                fail_msg("\"%s\": %s \"%s\", want \"%s\"", cases[i].question, d.action, d.text,
                         cases[i].expect);
            }
        } else {
            if (strcmp(d.action, "handoff") != 0) {
                fail_msg("\"%s\": %s \"%s\", want a handoff", cases[i].question, d.action, d.text);
            }
            assert_non_null(d.guard.handoff_reason);
            assert_true(strlen(d.text) > 0); /* an honest holding line for the seller */
        }
        reply_drafted_free(&d);
        reply_requested_free(&req);
    }
}

static void test_description_never_leaks_low_amounts(void **state)
{
    (void)state;
    reply_requested_t req;
    plan_t plan;
    reply_drafted_t d;
    fixture_request(&req, "d-2", "does it come with the gift card?");
    fixture_set(&req.listing.description,
                "Comes with a $20 gift card. Call 415-555-0199 about the gift card.");
    draft_for(&req, &plan, &d);
    assert_null(strstr(d.text, "$20"));
    assert_null(strstr(d.text, "555"));
    assert_string_equal(d.action, "handoff");
    reply_drafted_free(&d);
    reply_requested_free(&req);
}

static void test_offer_decisions(void **state)
{
    (void)state;
    reply_requested_t req;
    plan_t plan;
    reply_drafted_t d;

    fixture_request(&req, "o-1", "would you take 110?");
    draft_for(&req, &plan, &d);
    assert_string_equal(d.action, "send");
    assert_string_equal(d.intent, "offer");
    assert_string_equal(d.deal.status, "agreed");
    assert_int_equal(d.deal.agreed_price_cents, 11000);
    assert_int_equal(d.deal.buyer_offer_cents, 11000);
    assert_non_null(strstr(d.text, "$110"));
    reply_drafted_free(&d);
    reply_requested_free(&req);

    fixture_request(&req, "o-2", "$40?");
    draft_for(&req, &plan, &d);
    assert_string_equal(d.deal.status, "negotiating");
    assert_int_equal(d.deal.counter_cents, 10000);
    assert_null(strstr(d.text, "$40")); /* never repeats a lowball */
    reply_drafted_free(&d);
    reply_requested_free(&req);

    /* an agreed conversation is not renegotiated */
    fixture_request(&req, "o-3", "could you do 90 instead?");
    fixture_set(&req.state.status, "agreed");
    req.state.agreed_price_cents = 11000;
    draft_for(&req, &plan, &d);
    assert_string_equal(d.deal.status, "agreed");
    assert_int_equal(d.deal.agreed_price_cents, 11000);
    assert_non_null(strstr(d.text, "$110"));
    assert_null(strstr(d.text, "$90"));
    reply_drafted_free(&d);
    reply_requested_free(&req);
}

static void test_special_cases(void **state)
{
    (void)state;
    reply_requested_t req;
    plan_t plan;
    reply_drafted_t d;

    /* pre-guard: no text at all */
    fixture_request(&req, "s-1", "can I pay with zelle?");
    draft_for(&req, &plan, &d);
    assert_string_equal(d.action, "handoff");
    assert_string_equal(d.text, "");
    assert_non_null(strstr(d.guard.handoff_reason, "outside"));
    reply_drafted_free(&d);
    reply_requested_free(&req);

    /* unknown listing */
    fixture_request(&req, "s-2", "hi, how much?");
    req.listing.id = 0;
    draft_for(&req, &plan, &d);
    assert_string_equal(d.intent, "which_item");
    assert_non_null(strstr(d.text, "hich"));
    reply_drafted_free(&d);
    reply_requested_free(&req);

    /* sold listing */
    fixture_request(&req, "s-3", "would you take 100?");
    fixture_set(&req.listing.status, "sold");
    draft_for(&req, &plan, &d);
    assert_non_null(strstr(d.text, "sold"));
    assert_string_equal(d.deal.status, "none");
    reply_drafted_free(&d);
    reply_requested_free(&req);

    /* no new messages */
    fixture_request(&req, "s-4", NULL);
    draft_for(&req, &plan, &d);
    assert_string_equal(d.action, "none");
    reply_drafted_free(&d);
    reply_requested_free(&req);

    /* honest line, per tone */
    fixture_request(&req, "s-5", "r u a bot");
    char *line = rules_honest_line(&req);
    assert_non_null(strstr(line, "assistant"));
    assert_non_null(strstr(line, "IKEA Hemnes dresser"));
    free(line);
    reply_requested_free(&req);
}

static void test_refill_replaces_fields(void **state)
{
    (void)state;
    reply_requested_t req;
    plan_t plan;
    reply_drafted_t d;
    fixture_request(&req, "f-1", "is it available?");
    draft_for(&req, &plan, &d);
    /* a second draft into the same struct replaces, keeps ids, leaks nothing (ASan) */
    assert_int_equal(rules_draft(&req, &plan, &d), 0);
    assert_string_equal(d.request_id, "f-1");
    reply_drafted_free(&d);
    reply_requested_free(&req);
}

static void test_rules_long_fields_stay_in_cap(void **state)
{
    (void)state;
    reply_requested_t req;
    plan_t plan;
    reply_drafted_t d;
    char big[900];
    memset(big, 'x', sizeof(big) - 1);
    big[sizeof(big) - 1] = '\0';
    fixture_request(&req, "l-1", "hello");
    fixture_set(&req.listing.title, big);
    fixture_set(&req.listing.location, big);
    draft_for(&req, &plan, &d);
    assert_int_equal(guard_check(&req, &plan, &d), DRAFT_ACTION_SEND);
    assert_int_equal(d.guard.nviolations, 0);
    reply_drafted_free(&d);
    reply_requested_free(&req);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_prompt_and_rules_agree_on_money),
        cmocka_unit_test(test_tones),
        cmocka_unit_test(test_deterministic_and_varied),
        cmocka_unit_test(test_description_facts),
        cmocka_unit_test(test_description_never_leaks_low_amounts),
        cmocka_unit_test(test_offer_decisions),
        cmocka_unit_test(test_special_cases),
        cmocka_unit_test(test_refill_replaces_fields),
        cmocka_unit_test(test_rules_long_fields_stay_in_cap),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
