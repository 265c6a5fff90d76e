/* Unit tests of the post-guards, one per rule: a draft that breaks it gets the violation
 * code and is repaired or handed off; a clean draft passes untouched. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <cmocka.h>

#include "fixture.h"
#include "guard.h"
#include "offer.h"
#include "plan.h"

typedef struct {
    reply_requested_t req;
    plan_t plan;
    reply_drafted_t draft;
} ctx_t;

/* A request with buyer text and a model-like draft (action send). */
static void setup_ctx(ctx_t *c, const char *buyer_text, const char *draft_text)
{
    char err[128];
    memset(c, 0, sizeof(*c));
    fixture_request(&c->req, "g-1", buyer_text);
    assert_int_equal(plan_build(&c->req, &c->plan, err, sizeof(err)), 0);
    c->draft.request_id = xstrdup("g-1");
    c->draft.conversation_id = xstrdup("conv-test");
    c->draft.action = xstrdup("send");
    c->draft.text = draft_text != NULL ? xstrdup(draft_text) : NULL;
    c->draft.intent = xstrdup(intent_name(c->plan.intent));
    c->draft.deal.status = xstrdup("none");
    c->draft.source = xstrdup("llm");
}

static void teardown_ctx(ctx_t *c)
{
    reply_drafted_free(&c->draft);
    reply_requested_free(&c->req);
}

static void test_clean_draft_passes(void **state)
{
    (void)state;
    ctx_t c;
    setup_ctx(&c, "is it available?", "Yes, it's available! $120, pickup in Oakland.");
    assert_int_equal(guard_check(&c.req, &c.plan, &c.draft), DRAFT_ACTION_SEND);
    assert_int_equal(c.draft.guard.nviolations, 0);
    assert_string_equal(c.draft.text, "Yes, it's available! $120, pickup in Oakland.");
    assert_string_equal(c.draft.action, "send");
    teardown_ctx(&c);
}

static void test_below_floor_agreement_repaired(void **state)
{
    (void)state;
    ctx_t c;
    setup_ctx(&c, "would you do 70?", "Deal at $70!");
    fixture_set(&c.draft.deal.status, "agreed");
    c.draft.deal.agreed_price_cents = 7000;
    c.draft.deal.buyer_offer_cents = 7000;
    assert_int_equal(guard_check(&c.req, &c.plan, &c.draft), DRAFT_ACTION_SEND);
    assert_true(guard_has_violation(&c.draft, GUARD_V_BELOW_FLOOR));
    assert_string_equal(c.draft.deal.status, "negotiating");
    assert_int_equal(c.draft.deal.agreed_price_cents, 0);
    assert_int_equal(c.draft.deal.counter_cents, 11000); /* the policy's counter */
    assert_null(strstr(c.draft.text, "$70"));
    assert_non_null(strstr(c.draft.text, "$110"));
    teardown_ctx(&c);
}

/* A number of the listing's own title is not money: the rules engine's "The <title> is $80"
 * for a "Bench desk lamp 1" was read as $1, below the floor, and every such chat was handed
 * off (found by bench/messaging). An amount outside the title is still seen. */
static void test_title_number_is_not_money(void **state)
{
    (void)state;
    ctx_t c;
    char err[128];
    setup_ctx(&c, "is this still available?",
              "Yes, it's still available! The Hemnes 3 dresser is $120.");
    fixture_set(&c.req.listing.title, "Hemnes 3 dresser");
    assert_int_equal(plan_build(&c.req, &c.plan, err, sizeof(err)), 0);
    assert_int_equal(guard_check(&c.req, &c.plan, &c.draft), DRAFT_ACTION_SEND);
    assert_int_equal(c.draft.guard.nviolations, 0);
    assert_string_equal(c.draft.text, "Yes, it's still available! The Hemnes 3 dresser is $120.");
    teardown_ctx(&c);

    setup_ctx(&c, "is this still available?", "The Hemnes 3 dresser? I could do 3 for it.");
    fixture_set(&c.req.listing.title, "Hemnes 3 dresser");
    assert_int_equal(plan_build(&c.req, &c.plan, err, sizeof(err)), 0);
    guard_check(&c.req, &c.plan, &c.draft);
    assert_true(guard_has_violation(&c.draft, GUARD_V_BELOW_FLOOR));
    teardown_ctx(&c);
}

static void test_below_floor_amount_in_text_only(void **state)
{
    (void)state;
    ctx_t c;
    setup_ctx(&c, "what's your lowest?", "I could go down to 65 if you come today.");
    assert_int_equal(guard_check(&c.req, &c.plan, &c.draft), DRAFT_ACTION_SEND);
    assert_true(guard_has_violation(&c.draft, GUARD_V_BELOW_FLOOR));
    assert_null(strstr(c.draft.text, "65"));
    teardown_ctx(&c);
}

static void test_below_floor_odd_wording(void **state)
{
    (void)state;
    static const char *const texts[] = {
        "I could go 70 lowest.", "Seventy five and it's yours.",
        "ok 65-70 works",        "I can't do less than $79.99",
        "fine, 1 dollar",        "$ 60 then",
    };
    for (size_t i = 0; i < sizeof(texts) / sizeof(texts[0]); i++) {
        ctx_t c;
        setup_ctx(&c, "what's your lowest?", texts[i]);
        (void)guard_check(&c.req, &c.plan, &c.draft);
        if (!guard_has_violation(&c.draft, GUARD_V_BELOW_FLOOR)) {
            fail_msg("\"%s\": below_floor not seen", texts[i]);
        }
        teardown_ctx(&c);
    }
}

static void test_below_visible_lowest(void **state)
{
    (void)state;
    ctx_t c;
    /* floor $80, visible lowest $100: $90 is within the floor but more than the seller lets
     * us give away */
    setup_ctx(&c, "what's your lowest?", "I could do $90.");
    (void)guard_check(&c.req, &c.plan, &c.draft);
    assert_true(guard_has_violation(&c.draft, GUARD_V_BELOW_LOWEST));
    assert_false(guard_has_violation(&c.draft, GUARD_V_BELOW_FLOOR));
    assert_null(strstr(c.draft.text, "$90"));
    assert_int_equal(c.draft.deal.counter_cents, 11000);
    teardown_ctx(&c);

    /* the buyer's own number may be repeated; the counter field is checked too */
    setup_ctx(&c, "would you do 90?", "I can't do $90, but $110 works.");
    (void)guard_check(&c.req, &c.plan, &c.draft);
    assert_int_equal(c.draft.guard.nviolations, 0);
    fixture_set(&c.draft.deal.status, "negotiating");
    c.draft.deal.counter_cents = 9500;
    (void)guard_check(&c.req, &c.plan, &c.draft);
    assert_true(guard_has_violation(&c.draft, GUARD_V_BELOW_LOWEST));
    assert_int_equal(c.draft.deal.counter_cents, 11000);
    teardown_ctx(&c);

    /* a counter we already named stays sayable */
    setup_ctx(&c, "ok deal", "Great, $95 it is!");
    fixture_history(&c.req, "seller", "I could do $95 for you.");
    char err[64];
    assert_int_equal(plan_build(&c.req, &c.plan, err, sizeof(err)), 0);
    assert_int_equal(c.plan.agreed_cents, 9500);
    fixture_set(&c.draft.deal.status, "agreed");
    c.draft.deal.agreed_price_cents = 9500;
    assert_int_equal(guard_check(&c.req, &c.plan, &c.draft), DRAFT_ACTION_SEND);
    assert_int_equal(c.draft.guard.nviolations, 0);
    teardown_ctx(&c);
}

static void test_counter_field_below_floor(void **state)
{
    (void)state;
    ctx_t c;
    setup_ctx(&c, "would you do 90?", "Could you do a bit more?");
    fixture_set(&c.draft.deal.status, "negotiating");
    c.draft.deal.counter_cents = 7500;
    (void)guard_check(&c.req, &c.plan, &c.draft);
    assert_true(guard_has_violation(&c.draft, GUARD_V_BELOW_FLOOR));
    assert_true(c.draft.deal.counter_cents >= 10000);
    teardown_ctx(&c);
}

static void test_floor_disclosed(void **state)
{
    (void)state;
    ctx_t c;
    /* $80 is the floor and below the visible lowest ($100): naming it leaks it */
    setup_ctx(&c, "what's your lowest?", "Honestly I could do $80.");
    (void)guard_check(&c.req, &c.plan, &c.draft);
    assert_true(guard_has_violation(&c.draft, GUARD_V_FLOOR_DISCLOSED));
    assert_null(strstr(c.draft.text, "$80"));
    teardown_ctx(&c);

    /* floor == visible lowest (flexibility 1): "$80" alone is fine, "my minimum is $80" not */
    setup_ctx(&c, "what's your lowest?", "The lowest I can do is $80.");
    c.req.listing.flexibility = 1.0;
    char err[64];
    assert_int_equal(plan_build(&c.req, &c.plan, err, sizeof(err)), 0);
    assert_int_equal(c.plan.policy.visible_lowest_cents, 8000);
    (void)guard_check(&c.req, &c.plan, &c.draft);
    assert_int_equal(c.draft.guard.nviolations, 0);
    fixture_set(&c.draft.text, "The seller's minimum is $80.");
    (void)guard_check(&c.req, &c.plan, &c.draft);
    assert_true(guard_has_violation(&c.draft, GUARD_V_FLOOR_DISCLOSED));
    teardown_ctx(&c);
}

static void test_buyer_offer_at_floor_may_be_repeated(void **state)
{
    (void)state;
    ctx_t c;
    /* the buyer said $80 themselves; accepting it names no secret (and is >= floor) */
    setup_ctx(&c, "$80?", "I can't do $80, but $110 works.");
    (void)guard_check(&c.req, &c.plan, &c.draft);
    assert_false(guard_has_violation(&c.draft, GUARD_V_FLOOR_DISCLOSED));
    assert_false(guard_has_violation(&c.draft, GUARD_V_BELOW_FLOOR));
    teardown_ctx(&c);
}

static void test_contact_info_and_links_hand_off(void **state)
{
    (void)state;
    static const struct {
        const char *text;
        const char *code;
    } cases[] = {
        {"Call me at 415-555-0199.", GUARD_V_CONTACT_INFO},
        {"Text (415) 555 0199 anytime", GUARD_V_CONTACT_INFO},
        {"Email me: seller@example.com", GUARD_V_CONTACT_INFO},
        {"Pay here https://pay.example/abc", GUARD_V_LINK},
        {"Photos at www.example.org", GUARD_V_LINK},
        {"See bit.ly/xyz for more", GUARD_V_LINK},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        ctx_t c;
        setup_ctx(&c, "where do I pick up?", cases[i].text);
        assert_int_equal(guard_check(&c.req, &c.plan, &c.draft), DRAFT_ACTION_HANDOFF);
        if (!guard_has_violation(&c.draft, cases[i].code)) {
            fail_msg("\"%s\": missing %s", cases[i].text, cases[i].code);
        }
        assert_string_equal(c.draft.action, "handoff");
        assert_non_null(c.draft.guard.handoff_reason);
        teardown_ctx(&c);
    }
    /* an address with a house number and a time are not contact info */
    ctx_t c;
    setup_ctx(&c, "where?", "Pickup near 123 Main St, Oakland, after 5:30pm.");
    assert_int_equal(guard_check(&c.req, &c.plan, &c.draft), DRAFT_ACTION_SEND);
    assert_int_equal(c.draft.guard.nviolations, 0);
    teardown_ctx(&c);
}

static void test_claims_human_repaired(void **state)
{
    (void)state;
    ctx_t c;
    setup_ctx(&c, "are you a bot?", "Haha no, I'm a real person!");
    assert_true(c.plan.asks_human);
    assert_int_equal(guard_check(&c.req, &c.plan, &c.draft), DRAFT_ACTION_SEND);
    assert_true(guard_has_violation(&c.draft, GUARD_V_CLAIMS_HUMAN));
    assert_non_null(strstr(c.draft.text, "assistant"));
    assert_null(strstr(c.draft.text, "real person"));
    teardown_ctx(&c);
}

static void test_em_dash_replaced(void **state)
{
    (void)state;
    ctx_t c;
    setup_ctx(&c, "available?",
              "Yes \xE2\x80\x94 still here\xE2\x80\x94"
              "come by 5\xE2\x80\x93"
              "6pm -- thanks");
    assert_int_equal(guard_check(&c.req, &c.plan, &c.draft), DRAFT_ACTION_SEND);
    assert_true(guard_has_violation(&c.draft, GUARD_V_EM_DASH));
    assert_string_equal(c.draft.text, "Yes, still here, come by 5-6pm, thanks");
    teardown_ctx(&c);
}

static void test_too_long_trimmed(void **state)
{
    (void)state;
    ctx_t c;
    char text[1200];
    text[0] = '\0';
    for (int i = 0; i < 20; i++) {
        strcat(text, "It is a very nice dresser indeed. ");
    }
    setup_ctx(&c, "tell me about it", text);
    assert_int_equal(guard_check(&c.req, &c.plan, &c.draft), DRAFT_ACTION_SEND);
    assert_true(guard_has_violation(&c.draft, GUARD_V_TOO_LONG));
    assert_true(strlen(c.draft.text) <= GUARD_MAX_CHARS);
    assert_int_equal(c.draft.text[strlen(c.draft.text) - 1], '.');
    teardown_ctx(&c);

    /* one endless word: cut with a full stop, still within the cap */
    memset(text, 'a', 600);
    text[600] = '\0';
    setup_ctx(&c, "hi", text);
    (void)guard_check(&c.req, &c.plan, &c.draft);
    assert_true(strlen(c.draft.text) <= GUARD_MAX_CHARS);
    teardown_ctx(&c);
}

static void test_empty_send_hands_off(void **state)
{
    (void)state;
    ctx_t c;
    setup_ctx(&c, "hello", "   ");
    assert_int_equal(guard_check(&c.req, &c.plan, &c.draft), DRAFT_ACTION_HANDOFF);
    assert_true(guard_has_violation(&c.draft, GUARD_V_EMPTY_TEXT));
    assert_non_null(c.draft.guard.handoff_reason);
    teardown_ctx(&c);
    setup_ctx(&c, "hello", NULL);
    assert_int_equal(guard_check(&c.req, &c.plan, &c.draft), DRAFT_ACTION_HANDOFF);
    teardown_ctx(&c);
}

static void test_invalid_action_and_deal(void **state)
{
    (void)state;
    ctx_t c;
    setup_ctx(&c, "hello", "Hi there!");
    fixture_set(&c.draft.action, "shout");
    assert_int_equal(guard_check(&c.req, &c.plan, &c.draft), DRAFT_ACTION_HANDOFF);
    assert_true(guard_has_violation(&c.draft, GUARD_V_INVALID_ACTION));
    teardown_ctx(&c);

    setup_ctx(&c, "hello", "Hi there!");
    fixture_set(&c.draft.intent, "greeting");
    (void)guard_check(&c.req, &c.plan, &c.draft);
    assert_string_equal(c.draft.intent, "other");
    teardown_ctx(&c);

    setup_ctx(&c, "hello", "Hi there!");
    fixture_set(&c.draft.deal.status, "sold!!");
    (void)guard_check(&c.req, &c.plan, &c.draft);
    assert_true(guard_has_violation(&c.draft, GUARD_V_INVALID_DEAL));
    assert_string_equal(c.draft.deal.status, "none");
    teardown_ctx(&c);

    setup_ctx(&c, "available?", "Great, deal!");
    fixture_set(&c.draft.deal.status, "agreed"); /* agreed without a price */
    (void)guard_check(&c.req, &c.plan, &c.draft);
    assert_true(guard_has_violation(&c.draft, GUARD_V_INVALID_DEAL));
    assert_string_equal(c.draft.deal.status, "negotiating");
    teardown_ctx(&c);

    /* agreed at a price the buyer neither offered nor accepted: only a proposal */
    setup_ctx(&c, "available?", "Yes! $115 and it's yours.");
    fixture_set(&c.draft.deal.status, "agreed");
    c.draft.deal.agreed_price_cents = 11500;
    (void)guard_check(&c.req, &c.plan, &c.draft);
    assert_true(guard_has_violation(&c.draft, GUARD_V_INVALID_DEAL));
    assert_string_equal(c.draft.deal.status, "negotiating");
    assert_int_equal(c.draft.deal.counter_cents, 11500);
    assert_int_equal(c.draft.deal.agreed_price_cents, 0);
    teardown_ctx(&c);

    /* agreed at the buyer's own offer above the floor: fine */
    setup_ctx(&c, "would you take 110?", "Deal at $110!");
    fixture_set(&c.draft.deal.status, "agreed");
    c.draft.deal.agreed_price_cents = 11000;
    assert_int_equal(guard_check(&c.req, &c.plan, &c.draft), DRAFT_ACTION_SEND);
    assert_int_equal(c.draft.guard.nviolations, 0);
    assert_string_equal(c.draft.deal.status, "agreed");
    teardown_ctx(&c);
}

static void test_pre_guard_forces_handoff(void **state)
{
    (void)state;
    ctx_t c;
    setup_ctx(&c, "can you send me the code I texted you?", "Sure, it's 123456");
    assert_true(c.plan.handoff);
    assert_int_equal(guard_check(&c.req, &c.plan, &c.draft), DRAFT_ACTION_HANDOFF);
    assert_true(guard_has_violation(&c.draft, GUARD_V_PRE_GUARD));
    assert_string_equal(c.draft.text, "");
    assert_non_null(strstr(c.draft.guard.handoff_reason, "verification"));
    teardown_ctx(&c);
}

static void test_handoff_stays_handoff(void **state)
{
    (void)state;
    ctx_t c;
    setup_ctx(&c, "hello", "Let me ask the seller.");
    fixture_set(&c.draft.action, "handoff");
    assert_int_equal(guard_check(&c.req, &c.plan, &c.draft), DRAFT_ACTION_HANDOFF);
    assert_non_null(c.draft.guard.handoff_reason);
    teardown_ctx(&c);
}

static void test_repair_keeps_handoff_and_none(void **state)
{
    (void)state;
    ctx_t c;
    setup_ctx(&c, "would you do 50?", "Maybe $50, ask the seller.");
    fixture_set(&c.draft.action, "handoff");
    assert_int_equal(guard_check(&c.req, &c.plan, &c.draft), DRAFT_ACTION_HANDOFF);
    assert_true(guard_has_violation(&c.draft, GUARD_V_BELOW_FLOOR));
    assert_null(strstr(c.draft.text, "$50")); /* the suggestion shown to the seller is clean */
    teardown_ctx(&c);

    setup_ctx(&c, "would you do 50?", "");
    fixture_set(&c.draft.action, "none");
    fixture_set(&c.draft.deal.status, "agreed");
    c.draft.deal.agreed_price_cents = 5000;
    assert_int_equal(guard_check(&c.req, &c.plan, &c.draft), DRAFT_ACTION_NONE);
    assert_true(guard_has_violation(&c.draft, GUARD_V_BELOW_FLOOR));
    assert_true(c.draft.deal.agreed_price_cents == 0 || c.draft.deal.agreed_price_cents >= 8000);
    teardown_ctx(&c);
}

static void test_violations_not_duplicated(void **state)
{
    (void)state;
    ctx_t c;
    setup_ctx(&c, "hi", "a \xE2\x80\x94 b");
    (void)guard_check(&c.req, &c.plan, &c.draft);
    fixture_set(&c.draft.text, "c \xE2\x80\x94 d");
    (void)guard_check(&c.req, &c.plan, &c.draft);
    assert_int_equal(c.draft.guard.nviolations, 1);
    assert_string_equal(draft_action_name(DRAFT_ACTION_NONE), "none");
    teardown_ctx(&c);
}

/* Deterministic PRNG for the property test (xorshift). */
static uint32_t rng_next(uint32_t *state)
{
    uint32_t x = *state;
    x ^= x << 13;
    x ^= x >> 17;
    x ^= x << 5;
    *state = x;
    return x;
}

/* Random drafts (amounts in every format, deals, dashes, contacts, claims, lengths) for random
 * buyer messages: whatever goes in, a draft that leaves with action send keeps every rule. */
static void test_property_random_drafts(void **state)
{
    (void)state;
    static const char *const buyer[] = {
        "would you do 60?", "what's your lowest?", "is it available?",
        "are you a bot?",   "$30 cash now",        "deal",
        "send me the code", "where do I pick up?", "ok",
    };
    static const char *const fragments[] = {
        "Sure!",
        "I could do %s.",
        "How about %s?",
        "Deal at %s!",
        "My minimum is %s.",
        "It's %s firm.",
        "Call 415-555-0199.",
        "www.example.com",
        "I'm a real person.",
        "Yes \xE2\x80\x94 available.",
        "Pickup at 5pm in Oakland.",
        "%s works for me.",
        "Lowest is %s, floor is %s.",
        "It has 6 drawers.",
        "This is a long sentence that goes on and on about the dresser and its many drawers",
    };
    static const char *const statuses[] = {"none",     "negotiating", "agreed",
                                           "declined", "bogus",       NULL};
    static const char *const actions[] = {"send", "send", "send", "handoff", "none", "x"};
    uint32_t seed = 12345;
    int sends = 0;
    for (int iter = 0; iter < 3000; iter++) {
        ctx_t c;
        setup_ctx(&c, buyer[rng_next(&seed) % (sizeof(buyer) / sizeof(buyer[0]))], NULL);
        char text[2048] = "";
        int nfrag = 1 + (int)(rng_next(&seed) % 5);
        for (int f = 0; f < nfrag; f++) {
            char amount[32];
            int64_t cents = (int64_t)(rng_next(&seed) % 16000);
            switch (rng_next(&seed) % 5) {
            case 0:
                snprintf(amount, sizeof(amount), "$%lld", (long long)(cents / 100));
                break;
            case 1:
                snprintf(amount, sizeof(amount), "%lld dollars", (long long)(cents / 100));
                break;
            case 2:
                snprintf(amount, sizeof(amount), "%lld", (long long)(cents / 100));
                break;
            case 3:
                snprintf(amount, sizeof(amount), "$%lld.%02lld", (long long)(cents / 100),
                         (long long)(cents % 100));
                break;
            default:
                snprintf(amount, sizeof(amount), "%lld bucks", (long long)(cents / 100));
                break;
            }
            char frag[256];
            const char *tpl =
                fragments[rng_next(&seed) % (sizeof(fragments) / sizeof(fragments[0]))];
            snprintf(frag, sizeof(frag), tpl, amount, amount);
            if (strlen(text) + strlen(frag) + 2 < sizeof(text)) {
                strcat(text, frag);
                strcat(text, " ");
            }
        }
        fixture_set(&c.draft.text, text);
        fixture_set(&c.draft.action, actions[rng_next(&seed) % 6]);
        fixture_set(&c.draft.deal.status, statuses[rng_next(&seed) % 6]);
        c.draft.deal.agreed_price_cents = (int64_t)(rng_next(&seed) % 16000);
        c.draft.deal.counter_cents = (rng_next(&seed) % 2) ? (int64_t)(rng_next(&seed) % 16000) : 0;

        draft_action_t action = guard_check(&c.req, &c.plan, &c.draft);
        assert_string_equal(c.draft.action, draft_action_name(action));
        if (action == DRAFT_ACTION_SEND) {
            sends++;
            const int64_t floor_cents = c.plan.policy.floor_cents;
            assert_false(c.plan.handoff);
            assert_true(c.draft.text[0] != '\0');
            assert_null(strstr(c.draft.text, "\xE2\x80\x94"));
            assert_null(strstr(c.draft.text, "555-0199"));
            assert_null(strstr(c.draft.text, "www."));
            assert_null(strstr(c.draft.text, "real person"));
            assert_true(strlen(c.draft.text) <= GUARD_MAX_CHARS);
            assert_true(c.draft.deal.agreed_price_cents == 0 ||
                        c.draft.deal.agreed_price_cents >= floor_cents);
            assert_true(c.draft.deal.counter_cents == 0 ||
                        c.draft.deal.counter_cents >= floor_cents);
            if (c.draft.deal.status != NULL && strcmp(c.draft.deal.status, "agreed") == 0) {
                assert_true(c.draft.deal.agreed_price_cents >= floor_cents);
            }
            offer_amount_t a[32];
            size_t n = offer_scan(c.draft.text, c.plan.policy.price_cents, OFFER_SCAN_ALL, a, 32);
            for (size_t i = 0; i < n && i < 32; i++) {
                bool known = a[i].cents == c.plan.buyer_offer_cents ||
                             a[i].cents == c.plan.agreed_cents ||
                             a[i].cents == c.plan.last_counter_cents;
                if (a[i].cents < floor_cents ||
                    (a[i].cents < c.plan.policy.visible_lowest_cents && !known)) {
                    fail_msg("iteration %d: sent \"%s\" naming %lld (floor %lld)", iter,
                             c.draft.text, (long long)a[i].cents, (long long)floor_cents);
                }
            }
        }
        teardown_ctx(&c);
    }
    print_message("property: 3000 random drafts, %d left with action send, all within the rules\n",
                  sends);
    assert_true(sends > 100);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_clean_draft_passes),
        cmocka_unit_test(test_below_floor_agreement_repaired),
        cmocka_unit_test(test_below_floor_amount_in_text_only),
        cmocka_unit_test(test_title_number_is_not_money),
        cmocka_unit_test(test_below_floor_odd_wording),
        cmocka_unit_test(test_below_visible_lowest),
        cmocka_unit_test(test_counter_field_below_floor),
        cmocka_unit_test(test_floor_disclosed),
        cmocka_unit_test(test_buyer_offer_at_floor_may_be_repeated),
        cmocka_unit_test(test_contact_info_and_links_hand_off),
        cmocka_unit_test(test_claims_human_repaired),
        cmocka_unit_test(test_em_dash_replaced),
        cmocka_unit_test(test_too_long_trimmed),
        cmocka_unit_test(test_empty_send_hands_off),
        cmocka_unit_test(test_invalid_action_and_deal),
        cmocka_unit_test(test_pre_guard_forces_handoff),
        cmocka_unit_test(test_handoff_stays_handoff),
        cmocka_unit_test(test_repair_keeps_handoff_and_none),
        cmocka_unit_test(test_violations_not_duplicated),
        cmocka_unit_test(test_property_random_drafts),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
