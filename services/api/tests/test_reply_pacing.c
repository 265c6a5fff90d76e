/* Unit tests of buyer-reply pacing's pure parts: reply_pacing_next (the first send goes at
 * once, the gap's bounds, a slot never in the past, a max below the min) and the
 * reply_gap_* pacing fields (defaults per platform, PACING_OFF, layering, field errors). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>
#include <cmocka.h>

#include "domain/pacing.h"
#include "domain/reply_pacing.h"

#define S 1000000LL
#define T0 (1796601600LL * S) /* 2026-12-07 00:00 UTC */

static void test_first_send_and_unpaced_go_now(void **state)
{
    (void)state;
    uint64_t seed = 7;
    assert_int_equal(reply_pacing_next(T0, 0, 180, 300, &seed), T0);       /* never sent */
    assert_int_equal(reply_pacing_next(T0, T0 - S, 0, 0, &seed), T0);      /* no gap */
    assert_int_equal(reply_pacing_next(T0, T0 + 60 * S, 0, 0, &seed), T0); /* no gap */
}

static void test_gap_stays_within_bounds(void **state)
{
    (void)state;
    uint64_t seed = 12345;
    int64_t lo = 1000 * 1000 * S, hi = 0; /* extremes seen */
    for (int i = 0; i < 2000; i++) {
        int64_t at = reply_pacing_next(T0, T0, 180, 300, &seed);
        assert_true(at >= T0 + 180 * S);
        assert_true(at <= T0 + 300 * S);
        lo = at - T0 < lo ? at - T0 : lo;
        hi = at - T0 > hi ? at - T0 : hi;
    }
    /* random, not a fixed rhythm: the draws spread over most of the range */
    assert_true(lo < 190 * S);
    assert_true(hi > 290 * S);
}

static void test_gap_counts_from_the_last_send(void **state)
{
    (void)state;
    uint64_t seed = 99;
    /* the last send was long ago: now */
    assert_int_equal(reply_pacing_next(T0, T0 - 600 * S, 180, 300, &seed), T0);
    /* a send 100 s ago with a fixed 180 s gap: 80 s from now */
    assert_int_equal(reply_pacing_next(T0, T0 - 100 * S, 180, 180, &seed), T0 + 80 * S);
    /* a slot already reserved in the future: the gap after it */
    assert_int_equal(reply_pacing_next(T0, T0 + 50 * S, 3, 3, &seed), T0 + 53 * S);
    /* a max below the min counts as the min */
    assert_int_equal(reply_pacing_next(T0, T0, 5, 2, &seed), T0 + 5 * S);
}

/* Applies json onto row; returns the error's field ("" when accepted). */
static const char *apply(const char *json, pacing_row_t *row)
{
    static cmd_result_t r;
    cJSON *body = cJSON_Parse(json);
    assert_non_null(body);
    memset(&r, 0, sizeof(r));
    int rc = pacing_apply(body, row, &r);
    cJSON_Delete(body);
    return rc == 0 ? "" : r.field;
}

static void test_reply_gap_settings(void **state)
{
    (void)state;
    pacing_t eff;
    pacing_effective("facebook_marketplace", NULL, NULL, "UTC", &eff);
    assert_int_equal(eff.reply_gap_min_s, 180);
    assert_int_equal(eff.reply_gap_max_s, 300);
    pacing_effective("sandbox", NULL, NULL, "UTC", &eff);
    assert_int_equal(eff.reply_gap_min_s + eff.reply_gap_max_s, 0);
    pacing_effective("some_other", NULL, NULL, "UTC", &eff);
    assert_int_equal(eff.reply_gap_min_s + eff.reply_gap_max_s, 0);

    pacing_row_t plat, acct;
    pacing_row_inherit(&plat);
    pacing_row_inherit(&acct);
    assert_string_equal(apply("{\"reply_gap_min_s\":-1}", &plat), "reply_gap_min_s");
    assert_string_equal(apply("{\"reply_gap_max_s\":86401}", &plat), "reply_gap_max_s");
    assert_string_equal(apply("{\"reply_gap_max_s\":\"3\"}", &plat), "reply_gap_max_s");
    assert_string_equal(apply("{\"reply_gap_min_s\":60}", &plat), "");
    assert_string_equal(apply("{\"reply_gap_min_s\":2,\"reply_gap_max_s\":3}", &acct), "");
    pacing_effective("facebook_marketplace", &plat, NULL, "UTC", &eff);
    assert_int_equal(eff.reply_gap_min_s, 60);  /* platform row */
    assert_int_equal(eff.reply_gap_max_s, 300); /* built-in */
    pacing_effective("facebook_marketplace", &plat, &acct, "UTC", &eff);
    assert_int_equal(eff.reply_gap_min_s, 2); /* account row */
    assert_int_equal(eff.reply_gap_max_s, 3);
    cJSON *j = pacing_row_json(&acct);
    assert_int_equal(cJSON_GetObjectItemCaseSensitive(j, "reply_gap_max_s")->valueint, 3);
    assert_true(cJSON_IsNull(cJSON_GetObjectItemCaseSensitive(j, "min_gap_s")));
    cJSON_Delete(j);

    /* demo mode: the built-in Facebook reply gap is off, a saved one still applies */
    pacing_builtin_off("facebook_marketplace");
    pacing_effective("facebook_marketplace", NULL, NULL, "UTC", &eff);
    assert_int_equal(eff.reply_gap_min_s + eff.reply_gap_max_s, 0);
    pacing_effective("facebook_marketplace", &plat, &acct, "UTC", &eff);
    assert_int_equal(eff.reply_gap_min_s, 2);
    pacing_builtin_off("");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_first_send_and_unpaced_go_now),
        cmocka_unit_test(test_gap_stays_within_bounds),
        cmocka_unit_test(test_gap_counts_from_the_last_send),
        cmocka_unit_test(test_reply_gap_settings),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
