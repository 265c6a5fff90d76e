/* Unit tests of the conversation engine's pure parts: the guarded transition function
 * (domain/conversation.c: allowed moves, the floor guard), reply_auto_on (domain/reply.c),
 * buyer names (store/buyer_store.c) and item-link ids (domain/inbound.c). */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "domain/conversation.h"
#include "domain/inbound.h"
#include "domain/reply.h"
#include "store/buyer_store.h"

static conv_verdict_t check(conv_status_t from, int64_t agreed, int64_t floor, conv_status_t to,
                            int64_t price)
{
    conv_state_t st = {.status = from, .agreed_price_cents = agreed, .floor_cents = floor};
    conv_change_t c = {.to = to, .agreed_price_cents = price, .reason = "r"};
    char why[200];
    return conversation_transition_check(&st, &c, why, sizeof(why));
}

static void test_status_names(void **state)
{
    (void)state;
    for (int i = 0; i < CONV_STATUS_COUNT; i++) {
        conv_status_t s;
        assert_int_equal(conv_status_parse(conv_status_name((conv_status_t)i), &s), 0);
        assert_int_equal(s, i);
    }
    conv_status_t s;
    assert_int_equal(conv_status_parse("needs_review", &s), -1);
    assert_int_equal(conv_status_parse("", &s), -1);
    assert_int_equal(conv_status_parse(NULL, &s), -1);
    assert_null(conv_status_name(CONV_STATUS_COUNT));
}

static void test_allowed_moves(void **state)
{
    (void)state;
    /* every pair except agreed (price rules, below) against conversation.h's table */
    static const char *const expect[CONV_STATUS_COUNT][CONV_STATUS_COUNT] = {
        /* to:          active  agreed sold   closed needs_attention */
        [CONV_ACTIVE] = {"noop", NULL, "ok", "ok", "ok"},
        [CONV_AGREED] = {"ok", NULL, "ok", "ok", "ok"},
        [CONV_SOLD] = {"ok", NULL, "noop", "no", "ok"},
        [CONV_CLOSED] = {"ok", NULL, "no", "noop", "ok"},
        [CONV_NEEDS_ATTENTION] = {"ok", NULL, "ok", "ok", "noop"},
    };
    for (int f = 0; f < CONV_STATUS_COUNT; f++)
        for (int t = 0; t < CONV_STATUS_COUNT; t++) {
            if (!expect[f][t])
                continue;
            conv_verdict_t v = check((conv_status_t)f, 0, 5000, (conv_status_t)t, 0);
            const char *got = v == CONV_T_OK ? "ok" : v == CONV_T_NOOP ? "noop" : "no";
            if (strcmp(got, expect[f][t]) != 0)
                fail_msg("%s -> %s: %s, expected %s", conv_status_name((conv_status_t)f),
                         conv_status_name((conv_status_t)t), got, expect[f][t]);
        }
    assert_int_equal(check(CONV_SOLD, 0, 5000, CONV_AGREED, 6000), CONV_T_FORBIDDEN);
    assert_int_equal(check(CONV_CLOSED, 0, 5000, CONV_AGREED, 6000), CONV_T_FORBIDDEN);
}

static void test_floor_guard(void **state)
{
    (void)state;
    /* floor 50.00: at the floor and above are deals, a cent below is refused, from any
     * status that may agree, whoever asks */
    assert_int_equal(check(CONV_ACTIVE, 0, 5000, CONV_AGREED, 5000), CONV_T_OK);
    assert_int_equal(check(CONV_ACTIVE, 0, 5000, CONV_AGREED, 7000), CONV_T_OK);
    assert_int_equal(check(CONV_ACTIVE, 0, 5000, CONV_AGREED, 4999), CONV_T_BELOW_FLOOR);
    assert_int_equal(check(CONV_ACTIVE, 0, 5000, CONV_AGREED, 1), CONV_T_BELOW_FLOOR);
    assert_int_equal(check(CONV_NEEDS_ATTENTION, 0, 5000, CONV_AGREED, 100), CONV_T_BELOW_FLOOR);
    assert_int_equal(check(CONV_AGREED, 6000, 5000, CONV_AGREED, 4000), CONV_T_BELOW_FLOOR);
    /* a new price on an agreed deal, the same price again, no price, no listing */
    assert_int_equal(check(CONV_AGREED, 6000, 5000, CONV_AGREED, 5500), CONV_T_OK);
    assert_int_equal(check(CONV_AGREED, 6000, 5000, CONV_AGREED, 6000), CONV_T_NOOP);
    assert_int_equal(check(CONV_ACTIVE, 0, 5000, CONV_AGREED, 0), CONV_T_NO_PRICE);
    assert_int_equal(check(CONV_ACTIVE, 0, 0, CONV_AGREED, 6000), CONV_T_NO_LISTING);
    /* the kept price is checked too: an old agreed price below a raised floor */
    assert_int_equal(check(CONV_NEEDS_ATTENTION, 4000, 5000, CONV_AGREED, 0), CONV_T_BELOW_FLOOR);
    assert_int_equal(check(CONV_NEEDS_ATTENTION, 6000, 5000, CONV_AGREED, 0), CONV_T_OK);
    /* the reason names the refusal without the floor's amount (the client may show it) */
    conv_state_t st = {.status = CONV_ACTIVE, .floor_cents = 5000};
    conv_change_t c = {.to = CONV_AGREED, .agreed_price_cents = 100};
    char why[200];
    assert_int_equal(conversation_transition_check(&st, &c, why, sizeof(why)), CONV_T_BELOW_FLOOR);
    assert_non_null(strstr(why, "below the listing's floor"));
    assert_null(strstr(why, "5000"));
}

static void test_reply_auto_on(void **state)
{
    (void)state;
    conv_row_t row = {.listing_id = 3, .auto_reply = true, .settings_auto_reply = true};
    snprintf(row.status, sizeof(row.status), "active");
    assert_true(reply_auto_on(&row));
    snprintf(row.status, sizeof(row.status), "agreed");
    assert_true(reply_auto_on(&row));
    static const char *const quiet[] = {"needs_attention", "closed", "sold"};
    for (size_t i = 0; i < 3; i++) {
        snprintf(row.status, sizeof(row.status), "%s", quiet[i]);
        assert_false(reply_auto_on(&row));
    }
    snprintf(row.status, sizeof(row.status), "active");
    row.auto_reply = false;
    assert_false(reply_auto_on(&row));
    row.auto_reply = true;
    row.settings_auto_reply = false;
    assert_false(reply_auto_on(&row));
    row.settings_auto_reply = true;
    row.listing_id = 0;
    assert_false(reply_auto_on(&row));
}

static void test_buyer_names(void **state)
{
    (void)state;
    char out[64];
    buyer_normalize_name("  Sam   O'Neil. ", out, sizeof(out));
    assert_string_equal(out, "sam o'neil");
    buyer_normalize_name("ALEX\t\nB...", out, sizeof(out));
    assert_string_equal(out, "alex b");
    buyer_normalize_name("", out, sizeof(out));
    assert_string_equal(out, "");
    buyer_normalize_name(NULL, out, sizeof(out));
    assert_string_equal(out, "");
    buyer_normalize_name("Abcdefgh", out, 4);
    assert_string_equal(out, "abc");
}

static void test_link_ids(void **state)
{
    (void)state;
    char ids[8][128];
    size_t n =
        inbound_link_ids("https://www.facebook.com/marketplace/item/123456/?ref=inbox", ids, 8);
    assert_int_equal(n, 4);
    assert_string_equal(ids[0], "marketplace");
    assert_string_equal(ids[1], "item");
    assert_string_equal(ids[2], "123456");
    assert_string_equal(ids[3], "inbox");
    n = inbound_link_ids("/marketplace/item/77/", ids, 8);
    assert_int_equal(n, 3);
    assert_string_equal(ids[2], "77");
    assert_int_equal(inbound_link_ids("Desk lamp", ids, 8), 0);
    assert_int_equal(inbound_link_ids("http://host.only", ids, 8), 0);
    assert_int_equal(inbound_link_ids(NULL, ids, 8), 0);
    assert_int_equal(inbound_link_ids("/a/b/c/d/e", ids, 2), 2);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_status_names), cmocka_unit_test(test_allowed_moves),
        cmocka_unit_test(test_floor_guard),  cmocka_unit_test(test_reply_auto_on),
        cmocka_unit_test(test_buyer_names),  cmocka_unit_test(test_link_ids),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
