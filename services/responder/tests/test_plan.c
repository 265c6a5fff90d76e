/* Unit tests of plan_build: validation, intents, rounds from history, the pre-guard table
 * (every category, and near misses that must not fire), competing offers, agreed state. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <cmocka.h>

#include "fixture.h"
#include "phrase.h"
#include "plan.h"
#include "policy.h"

static void plan_for(const char *text, plan_t *plan)
{
    reply_requested_t req;
    char err[128];
    fixture_request(&req, "r-1", text);
    assert_int_equal(plan_build(&req, plan, err, sizeof(err)), 0);
    reply_requested_free(&req);
}

static void test_plan_validation(void **state)
{
    (void)state;
    reply_requested_t req;
    plan_t plan;
    char err[128];
    fixture_request(&req, "r-1", "hi");
    req.listing.floor_cents = 13000;
    assert_int_equal(plan_build(&req, &plan, err, sizeof(err)), -1);
    assert_non_null(strstr(err, "floor_cents"));
    req.listing.floor_cents = 8000;
    req.listing.price_cents = 0;
    assert_int_equal(plan_build(&req, &plan, err, sizeof(err)), -1);
    assert_non_null(strstr(err, "price_cents"));
    req.listing.price_cents = 12000;
    req.listing.flexibility = 1.5;
    assert_int_equal(plan_build(&req, &plan, err, sizeof(err)), -1);
    assert_non_null(strstr(err, "flexibility"));
    /* an unknown listing needs no money */
    req.listing.flexibility = 0.5;
    req.listing.id = 0;
    req.listing.price_cents = 0;
    assert_int_equal(plan_build(&req, &plan, err, sizeof(err)), 0);
    assert_int_equal(plan.intent, INTENT_WHICH_ITEM);
    assert_false(plan.listing_known);
    reply_requested_free(&req);
}

static void test_plan_intents(void **state)
{
    (void)state;
    static const struct {
        const char *text;
        intent_t intent;
    } cases[] = {
        {"Is this still available?", INTENT_AVAILABILITY},
        {"hi, still have it?", INTENT_AVAILABILITY},
        {"would you do 95", INTENT_OFFER},
        {"what's your lowest?", INTENT_LOWEST},
        {"is the price negotiable", INTENT_LOWEST},
        {"what are the dimensions?", INTENT_DETAILS},
        {"any scratches?", INTENT_DETAILS},
        {"where can I pick it up?", INTENT_PICKUP},
        {"can you deliver?", INTENT_PICKUP},
        {"no thanks, too expensive", INTENT_DECLINE},
        {"never mind", INTENT_DECLINE},
        {"thanks for the info!", INTENT_THANKS},
        {"I'll take it!", INTENT_ACCEPT},
        {"hello", INTENT_OTHER},
        {"?", INTENT_OTHER},
        {"is it available? would you take 100?", INTENT_OFFER},
        {"whats the least you'd take", INTENT_LOWEST},
        {"how much is it?", INTENT_OTHER},
        {"how much does it weigh?", INTENT_DETAILS},
        {"still available? can you deliver?", INTENT_PICKUP},
        {"available? what are the dimensions?", INTENT_DETAILS},
        {"is this still available? is it the 2019 one?", INTENT_AVAILABILITY},
        {"Can I see it first?", INTENT_PICKUP},
        {"sold?", INTENT_AVAILABILITY},
        {"I'd like to buy it", INTENT_ACCEPT},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        plan_t plan;
        plan_for(cases[i].text, &plan);
        if (plan.intent != cases[i].intent) {
            fail_msg("\"%s\": intent %s, want %s", cases[i].text, intent_name(plan.intent),
                     intent_name(cases[i].intent));
        }
    }
    plan_t plan;
    plan_for("is it available? would you take 100?", &plan);
    assert_true(PLAN_HAS_INTENT(&plan, INTENT_AVAILABILITY));
    assert_int_equal(plan.buyer_offer_cents, 10000);
    assert_int_equal(plan.verdict, OFFER_VERDICT_COUNTER);
    assert_int_equal(plan.counter_cents, 11000);
    assert_string_equal(intent_name(INTENT_WHICH_ITEM), "which_item");
}

static void test_plan_rounds_and_accept(void **state)
{
    (void)state;
    reply_requested_t req;
    plan_t plan;
    char err[128];
    fixture_request(&req, "r-1", "ok");
    fixture_history(&req, "buyer", "90?");
    fixture_history(&req, "agent", "I could do $110.");
    fixture_history(&req, "buyer", "95?");
    fixture_history(&req, "seller", "The best I can do is $105, pickup at 5pm.");
    assert_int_equal(plan_build(&req, &plan, err, sizeof(err)), 0);
    assert_int_equal(plan.rounds, 2);
    assert_int_equal(plan.last_counter_cents, 10500);
    assert_int_equal(plan.intent, INTENT_ACCEPT); /* "ok" right after our counter */
    assert_int_equal(plan.agreed_cents, 10500);
    assert_false(plan.nothing_to_answer);
    reply_requested_free(&req);

    /* "ok" after an availability answer (no counter) needs no reply */
    fixture_request(&req, "r-2", "ok");
    fixture_history(&req, "agent", "Yes, it's still available! It's $120.");
    assert_int_equal(plan_build(&req, &plan, err, sizeof(err)), 0);
    assert_int_equal(plan.rounds, 0);
    assert_true(plan.nothing_to_answer);
    reply_requested_free(&req);
}

static void test_plan_competing_and_agreed(void **state)
{
    (void)state;
    reply_requested_t req;
    plan_t plan;
    char err[128];
    fixture_request(&req, "r-1", "would you do 100?");
    req.state.competing_offer_cents = 10500;
    assert_int_equal(plan_build(&req, &plan, err, sizeof(err)), 0);
    assert_int_equal(plan.competing_cents, 10500);
    assert_int_equal(plan.policy.visible_lowest_cents, 10500);
    assert_true(plan.counter_cents >= 10500);
    req.state.competing_offer_cents = 12500; /* above asking: the price holds */
    assert_int_equal(plan_build(&req, &plan, err, sizeof(err)), 0);
    assert_true(plan.policy.firm);
    assert_int_equal(plan.verdict, OFFER_VERDICT_DECLINE);
    assert_int_equal(plan.counter_cents, 12000);
    req.state.competing_offer_cents = 7000; /* below the floor: no leverage */
    assert_int_equal(plan_build(&req, &plan, err, sizeof(err)), 0);
    assert_int_equal(plan.competing_cents, 0);
    assert_int_equal(plan.policy.visible_lowest_cents, 10000);

    fixture_set(&req.state.status, "agreed");
    req.state.agreed_price_cents = 11000;
    req.state.competing_offer_cents = 0;
    assert_int_equal(plan_build(&req, &plan, err, sizeof(err)), 0);
    assert_true(plan.agreed);
    assert_int_equal(plan.agreed_cents, 11000);
    assert_int_equal(plan.verdict, OFFER_VERDICT_NONE); /* no renegotiation */
    reply_requested_free(&req);
}

static void test_plan_times_and_seller_requests(void **state)
{
    (void)state;
    plan_t plan;
    plan_for("can I come at 6?", &plan);
    assert_true(plan.proposes_time);
    plan_for("pickup 5:30 ok?", &plan);
    assert_true(plan.proposes_time);
    plan_for("I can do saturday", &plan);
    assert_false(plan.proposes_time);
    assert_true(plan.mentions_day);
    plan_for("what's the 55 inch one?", &plan);
    assert_false(plan.proposes_time);
    plan_for("can you hold it for me?", &plan);
    assert_string_equal(plan.seller_reason, "asks to hold the item");
    plan_for("would you take 100 if I trade you a lamp?", &plan);
    assert_string_equal(plan.seller_reason, ""); /* an offer is answered by the policy */
    plan_for("I'm here", &plan);
    assert_non_null(strstr(plan.seller_reason, "arrived"));
}

static void test_plan_nothing_to_answer(void **state)
{
    (void)state;
    reply_requested_t req;
    plan_t plan;
    char err[128];
    fixture_request(&req, "r-1", NULL); /* no new messages */
    assert_int_equal(plan_build(&req, &plan, err, sizeof(err)), 0);
    assert_true(plan.nothing_to_answer);
    reply_requested_free(&req);
    fixture_request(&req, "r-1", "\xF0\x9F\x91\x8D"); /* thumbs up */
    assert_int_equal(plan_build(&req, &plan, err, sizeof(err)), 0);
    assert_true(plan.nothing_to_answer);
    reply_requested_free(&req);
    fixture_request(&req, "r-1", "thanks!");
    assert_int_equal(plan_build(&req, &plan, err, sizeof(err)), 0);
    assert_false(plan.nothing_to_answer); /* thanks before a deal gets a short answer */
    req.state.agreed_price_cents = 11000;
    assert_int_equal(plan_build(&req, &plan, err, sizeof(err)), 0);
    assert_true(plan.nothing_to_answer);
    reply_requested_free(&req);
}

static void test_plan_pre_guard_table(void **state)
{
    (void)state;
    static const struct {
        const char *text;
        const char *code; /* NULL: must not fire */
    } cases[] = {
        {"send me the code I just texted you", "verification_code"},
        {"what's your google voice?", "verification_code"},
        {"I need to verify you're real first", "verification_code"},
        {"Can you tell me the 6 digit code", "verification_code"},
        {"I'll zelle you", "payment_app"},
        {"Cash App ok?", "payment_app"},
        {"venmo f&f?", "payment_app"},
        {"paypal friends and family is fine", "payment_app"},
        {"I can do a wire transfer", "payment_app"},
        {"I have Steam gift cards", "payment_app"},
        {"bitcoin ok?", "payment_app"},
        {"I'll send you extra for the mover", "overpayment"},
        {"I overpaid by mistake, refund the difference", "overpayment"},
        {"paying with a cashier's check", "overpayment"},
        {"my movers will pick up", "courier"},
        {"I'll send a shipping agent", "courier"},
        {"I'll pay for the shipping label", "courier"},
        {"I'm out of town, my cousin will grab it", "courier"},
        {"add me on WhatsApp", "off_platform"},
        {"let's talk on telegram", "off_platform"},
        {"text me at my cell", "off_platform"},
        {"email me the details", "off_platform"},
        {"my number is (415) 555-0199", "off_platform"},
        {"reach me: 415.555.0199", "contact_info"},
        {"bob.smith@gmail.com", "contact_info"},
        {"look at https://evil.example/pay", "link"},
        {"you are a fucking scammer", "abuse"},
        {"STUPID price", "abuse"},
        /* near misses */
        {"does it come with the remote code?", NULL},
        {"can I pay cash at pickup?", NULL},
        {"I'll bring exact change", NULL},
        {"my son will pick it up, I'm at work", NULL},
        {"is it still available?", NULL},
        {"can I venmo you at pickup?", NULL},
        {"what's the zip code for pickup?", NULL},
        {"I have a dumbbell set to trade", NULL},
        {"pickup at 5:30 works, see you", NULL},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        char code[32] = "";
        char reason[160] = "";
        bool hit = plan_pre_guard(cases[i].text, code, sizeof(code), reason, sizeof(reason));
        if (cases[i].code == NULL && hit) {
            fail_msg("\"%s\": fired %s, want none", cases[i].text, code);
        }
        if (cases[i].code != NULL && (!hit || strcmp(code, cases[i].code) != 0)) {
            fail_msg("\"%s\": got %s, want %s", cases[i].text, hit ? code : "none", cases[i].code);
        }
        if (hit) {
            assert_true(strlen(reason) > 10);
        }
    }
    /* through plan_build: handoff set, reason kept */
    plan_t plan;
    plan_for("zelle?", &plan);
    assert_true(plan.handoff);
    assert_string_equal(plan.handoff_code, "payment_app");
}

static void test_phrase_patterns(void **state)
{
    (void)state;
    phrase_text_t t;
    phrase_text_init(&t, "I'll SEND you some extra, OK?");
    assert_true(phrase_match(&t, "send * extra"));
    assert_true(phrase_match(&t, "i'll send"));
    assert_true(phrase_match(&t, "ill send"));
    assert_true(phrase_match(&t, "ex*"));
    assert_true(phrase_match(&t, "^ill"));
    assert_false(phrase_match(&t, "^send"));
    assert_true(phrase_match(&t, "ok $"));
    assert_true(phrase_match(&t, "ok$"));
    assert_false(phrase_match(&t, "extra $"));
    assert_false(phrase_match(&t, "send ok"));
    assert_true(phrase_match(&t, "send * ok")); /* a gap of 3 words */
    assert_false(phrase_match(&t, "ill * ok")); /* 4 words: too far */
    assert_false(phrase_match(&t, ""));
    phrase_text_free(&t);
    phrase_text_init(&t, NULL);
    assert_int_equal(t.n, 0);
    assert_false(phrase_match(&t, "x"));
    phrase_text_free(&t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_plan_validation),
        cmocka_unit_test(test_plan_intents),
        cmocka_unit_test(test_plan_rounds_and_accept),
        cmocka_unit_test(test_plan_competing_and_agreed),
        cmocka_unit_test(test_plan_times_and_seller_requests),
        cmocka_unit_test(test_plan_nothing_to_answer),
        cmocka_unit_test(test_plan_pre_guard_table),
        cmocka_unit_test(test_phrase_patterns),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
