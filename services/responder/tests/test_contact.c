/* Unit tests of contact.c, and the promise that the pre-guard (buyer text, plan.c) and the
 * post-guard (our draft, guard.c) see the same contact info: one table of texts, each run
 * through contact_scan, plan_pre_guard and guard_check. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <cmocka.h>

#include "contact.h"
#include "fixture.h"
#include "guard.h"
#include "plan.h"

#define PHONE CONTACT_PHONE
#define EMAIL CONTACT_EMAIL
#define LINK CONTACT_LINK
#define OFF CONTACT_OFF_PLATFORM

static const struct {
    const char *text;
    unsigned want;
} CASES[] = {
    /* phone numbers */
    {"Call me at 415-555-0199.", OFF | PHONE},
    {"Text (415) 555 0199 anytime", PHONE},
    {"reach me: 415.555.0199", PHONE},
    {"+1 415 555 0199", PHONE},
    {"my cell 555-0199", PHONE},
    {"06.12.34.56.78", PHONE},
    {"4155550199", PHONE},
    /* e-mail addresses */
    {"Email me: seller@example.com", OFF | EMAIL | LINK},
    {"bob.smith@gmail.com", EMAIL | LINK},
    {"write to bob@mail", 0},
    {"bob@localhost..net please", EMAIL},
    /* links, with and without a scheme */
    {"Pay here https://pay.example/abc", LINK},
    {"look at http://evil", LINK},
    {"Photos at www.example.org", LINK},
    {"See bit.ly/xyz for more", LINK},
    {"go to example.com", LINK},
    {"EXAMPLE.COM has it", LINK},
    {"t.co/abc", LINK},
    /* asking to move off the marketplace */
    {"whatsapp me", OFF},
    {"add me on WhatsApp", OFF},
    {"let's talk on telegram", OFF},
    {"text me at my cell", OFF},
    {"my number is 555", OFF},
    /* near misses: amounts, sizes, times, addresses, sentences */
    {"$80.50 is my best", 0},
    {"I can pay $1,200 today", 0},
    {"it is 5.5 inches wide", 0},
    {"Dimensions: 63 x 51 x 19 inches.", 0},
    {"anywhere from 100.50-120.75 works", 0},
    {"1500.00 - 1800.00", 0},
    {"Pickup near 123 Main St, Oakland, after 5:30pm.", 0},
    {"pickup at 5:30 works, see you", 0},
    {"Sounds good.Me and my wife will come", 0},
    {"Thanks.Info on the drawers?", 0},
    {"it's a 2019 model, 3 years old", 0},
    {"i.e. the blue one", 0},
    {"meet @ 5 at the station", 0},
    {"is it still available?", 0},
    {"can I text you when I'm close?", 0},
    {"\xE2\x82\xAC"
     "70 ok?",
     0},
};

static void test_scan(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof(CASES) / sizeof(CASES[0]); i++) {
        unsigned got = contact_scan(CASES[i].text);
        if (got != CASES[i].want) {
            fail_msg("\"%s\": got 0x%x, want 0x%x", CASES[i].text, got, CASES[i].want);
        }
    }
    assert_int_equal(contact_scan(NULL), 0);
    assert_int_equal(contact_scan(""), 0);
}

/* The pre-guard's code for a contact-only text: off_platform first, then contact_info, then
 * link (its table order). */
static const char *pre_guard_code(unsigned kinds)
{
    if (kinds & OFF) {
        return "off_platform";
    }
    if (kinds & (PHONE | EMAIL)) {
        return "contact_info";
    }
    return kinds ? "link" : NULL;
}

static void test_both_guards_see_the_same(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof(CASES) / sizeof(CASES[0]); i++) {
        const char *text = CASES[i].text;
        unsigned want = CASES[i].want;

        char code[32] = "";
        char reason[160] = "";
        bool pre = plan_pre_guard(text, code, sizeof(code), reason, sizeof(reason));
        const char *want_code = pre_guard_code(want);
        if (pre != (want_code != NULL) || (pre && strcmp(code, want_code) != 0)) {
            fail_msg("pre-guard \"%s\": got %s, want %s", text, pre ? code : "none",
                     want_code ? want_code : "none");
        }

        reply_requested_t req;
        plan_t plan;
        char err[128];
        fixture_request(&req, "c-1", "where do I pick up?");
        assert_int_equal(plan_build(&req, &plan, err, sizeof(err)), 0);
        reply_drafted_t d = {0};
        d.request_id = xstrdup("c-1");
        d.conversation_id = xstrdup("conv-test");
        d.action = xstrdup("send");
        d.text = xstrdup(text);
        d.intent = xstrdup(intent_name(plan.intent));
        d.deal.status = xstrdup("none");
        d.source = xstrdup("llm");
        (void)guard_check(&req, &plan, &d);
        bool contact = guard_has_violation(&d, GUARD_V_CONTACT_INFO);
        bool link = guard_has_violation(&d, GUARD_V_LINK);
        if (contact != ((want & (OFF | PHONE | EMAIL)) != 0) || link != ((want & LINK) != 0)) {
            fail_msg("post-guard \"%s\": contact_info %d link %d, want 0x%x", text, contact, link,
                     want);
        }
        if (want != 0) {
            assert_string_equal(d.action, "handoff");
        }
        reply_drafted_free(&d);
        reply_requested_free(&req);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_scan),
        cmocka_unit_test(test_both_guards_see_the_same),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
