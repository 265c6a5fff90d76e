/* Unit tests of the negotiation policy: exact numbers for a few listings, then the invariants
 * over a grid of (price, floor, flexibility, offer, round) rows. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <cmocka.h>

#include "policy.h"

static void test_policy_default_tier_numbers(void **state)
{
    (void)state;
    policy_t p;
    policy_compute(10000, 5000, 0.5, &p);
    assert_int_equal(p.tier, POLICY_TIER_DEFAULT);
    assert_false(p.firm);
    assert_int_equal(p.visible_lowest_cents, 7500);
    assert_int_equal(p.accept_cents, 9000);
    assert_int_equal(p.step_cents, 500);
    assert_int_equal(p.nladder, 3);
    assert_int_equal(p.ladder[0], 9000);
    assert_int_equal(p.ladder[1], 8500);
    assert_int_equal(p.ladder[2], 7500);

    int64_t counter = -1;
    assert_int_equal(policy_verdict(&p, 0, 0, 0, &counter), OFFER_VERDICT_NONE);
    assert_int_equal(counter, 0);
    assert_int_equal(policy_verdict(&p, 9000, 0, 0, &counter), OFFER_VERDICT_ACCEPT);
    assert_int_equal(policy_verdict(&p, 12000, 0, 0, &counter), OFFER_VERDICT_ACCEPT);
    assert_int_equal(policy_verdict(&p, 8000, 0, 0, &counter), OFFER_VERDICT_COUNTER);
    assert_int_equal(counter, 9000);
    assert_int_equal(policy_verdict(&p, 8000, 1, 9000, &counter), OFFER_VERDICT_COUNTER);
    assert_int_equal(counter, 8500);
    /* the offer reaches the next counter: accept rather than ask for less than offered */
    assert_int_equal(policy_verdict(&p, 8600, 1, 9000, &counter), OFFER_VERDICT_ACCEPT);
    assert_int_equal(policy_verdict(&p, 7600, 2, 8500, &counter), OFFER_VERDICT_ACCEPT);
    /* a lowball gets the visible lowest */
    assert_int_equal(policy_verdict(&p, 5000, 0, 0, &counter), OFFER_VERDICT_DECLINE);
    assert_int_equal(counter, 7500);
    /* after three counters, below the lowest: final decline at the lowest */
    assert_int_equal(policy_verdict(&p, 7000, 3, 7500, &counter), OFFER_VERDICT_DECLINE);
    assert_int_equal(counter, 7500);
}

static void test_policy_firm(void **state)
{
    (void)state;
    policy_t p;
    policy_compute(25000, 15000, 0.1, &p);
    assert_true(p.firm);
    assert_int_equal(p.tier, POLICY_TIER_FIRM);
    assert_int_equal(p.visible_lowest_cents, 25000);
    assert_int_equal(p.accept_cents, 25000);
    assert_int_equal(p.nladder, 0);
    int64_t counter = 0;
    assert_int_equal(policy_verdict(&p, 24000, 0, 0, &counter), OFFER_VERDICT_DECLINE);
    assert_int_equal(counter, 25000);
    assert_int_equal(policy_verdict(&p, 25000, 0, 0, &counter), OFFER_VERDICT_ACCEPT);
    assert_int_equal(policy_next_counter(&p, 0, 0), 25000);
}

static void test_policy_no_floor_is_firm(void **state)
{
    (void)state;
    policy_t p;
    policy_compute(8000, 0, 0.9, &p);
    assert_true(p.firm);
    assert_int_equal(p.floor_cents, 8000);
    policy_compute(8000, 9000, 0.9, &p); /* floor above price: taken as the price */
    assert_true(p.firm);
}

static void test_policy_original_contradiction_resolved(void **state)
{
    (void)state;
    /* the original told the model "accept >= 90%" and "never below the lowest" at once; here
     * the visible lowest (95) is above 90% of 100 and the accept threshold follows it */
    policy_t p;
    policy_compute(10000, 9500, 0.5, &p);
    assert_int_equal(p.visible_lowest_cents, 9800);
    assert_true(p.accept_cents >= p.visible_lowest_cents);
    int64_t counter = 0;
    assert_int_not_equal(policy_verdict(&p, 9000, 0, 0, &counter), OFFER_VERDICT_ACCEPT);
}

static void test_policy_clearance_and_rounding(void **state)
{
    (void)state;
    policy_t p;
    policy_compute(7999, 4050, 1.0, &p); /* cents in the floor: visible lowest = the floor */
    assert_int_equal(p.tier, POLICY_TIER_CLEARANCE);
    assert_int_equal(p.visible_lowest_cents, 4100);
    assert_int_equal(p.nladder, 1);
    assert_int_equal(p.ladder[0], 4100);
    policy_compute(80000, 50000, 0.7, &p);
    assert_int_equal(p.tier, POLICY_TIER_FLEXIBLE);
    assert_int_equal(p.step_cents, 1000);
    for (int i = 0; i + 1 < p.nladder; i++) {
        assert_int_equal(p.ladder[i] % 1000, 0);
    }
}

static void test_policy_raise_lowest(void **state)
{
    (void)state;
    policy_t p;
    policy_compute(10000, 5000, 0.5, &p);
    policy_raise_lowest(&p, 8250); /* another buyer offered $82.50 */
    assert_int_equal(p.visible_lowest_cents, 8300);
    assert_true(p.accept_cents >= 8300);
    assert_int_equal(p.ladder[p.nladder - 1], 8300);
    for (int i = 0; i < p.nladder; i++) {
        assert_true(p.ladder[i] >= 8300);
    }
    policy_raise_lowest(&p, 7000); /* lower: no effect */
    assert_int_equal(p.visible_lowest_cents, 8300);
    policy_raise_lowest(&p, 10000); /* at asking: firm */
    assert_true(p.firm);
}

static void test_policy_tiers(void **state)
{
    (void)state;
    assert_int_equal(policy_tier(0.0), POLICY_TIER_FIRM);
    assert_int_equal(policy_tier(0.15), POLICY_TIER_FIRM);
    assert_int_equal(policy_tier(0.2), POLICY_TIER_RELUCTANT);
    assert_int_equal(policy_tier(0.35), POLICY_TIER_RELUCTANT);
    assert_int_equal(policy_tier(0.5), POLICY_TIER_DEFAULT);
    assert_int_equal(policy_tier(0.65), POLICY_TIER_DEFAULT);
    assert_int_equal(policy_tier(0.8), POLICY_TIER_FLEXIBLE);
    assert_int_equal(policy_tier(0.86), POLICY_TIER_CLEARANCE);
    assert_int_equal(policy_tier(7.0), POLICY_TIER_CLEARANCE);
    assert_int_equal(policy_tier(-1.0), POLICY_TIER_FIRM);
    assert_int_equal(policy_step(9999), 100);
    assert_int_equal(policy_step(10000), 500);
    assert_int_equal(policy_step(50000), 1000);
    assert_int_equal(policy_step(500000), 5000);
}

/* The invariants over a grid: counter >= visible_lowest >= floor, accept only >= floor,
 * counters monotone non-increasing over rounds, firm never counters. */
static void test_policy_invariants_grid(void **state)
{
    (void)state;
    static const int64_t prices[] = {500,   999,   2500,  8000,  9999,   10000,
                                     12000, 34999, 50000, 79900, 150000, 999999};
    static const int floor_permille[] = {0, 1, 300, 500, 700, 850, 900, 990, 1000};
    static const double flexes[] = {0.0, 0.1,  0.15, 0.2,  0.3, 0.35, 0.5,
                                    0.6, 0.65, 0.7,  0.85, 0.9, 1.0};
    static const int offer_permille[] = {1,   100, 400, 600, 700,  750, 800,
                                         850, 900, 950, 990, 1000, 1200};
    long rows = 0;

    for (size_t pi = 0; pi < sizeof(prices) / sizeof(prices[0]); pi++) {
        for (size_t fi = 0; fi < sizeof(floor_permille) / sizeof(floor_permille[0]); fi++) {
            for (size_t xi = 0; xi < sizeof(flexes) / sizeof(flexes[0]); xi++) {
                int64_t price = prices[pi];
                int64_t floor_cents = price * floor_permille[fi] / 1000;
                policy_t p;
                policy_compute(price, floor_cents, flexes[xi], &p);
                int64_t real_floor = floor_cents > 0 ? floor_cents : price;

                assert_true(p.floor_cents == real_floor);
                assert_true(p.visible_lowest_cents >= p.floor_cents);
                assert_true(p.visible_lowest_cents <= price);
                assert_true(p.accept_cents >= p.visible_lowest_cents);
                assert_true(p.accept_cents <= price);
                assert_true(p.nladder >= 0 && p.nladder <= 4);
                if (p.firm) {
                    assert_int_equal(p.nladder, 0);
                    assert_int_equal(p.accept_cents, price);
                } else {
                    assert_true(p.nladder >= 1);
                    assert_int_equal(p.ladder[p.nladder - 1], p.visible_lowest_cents);
                    /* the visible lowest is a whole dollar unless it is the price itself */
                    assert_true(p.visible_lowest_cents % 100 == 0);
                }
                for (int i = 0; i < p.nladder; i++) {
                    assert_true(p.ladder[i] >= p.visible_lowest_cents);
                    assert_true(p.ladder[i] < price);
                    if (i > 0) {
                        assert_true(p.ladder[i] < p.ladder[i - 1]);
                    }
                }
                for (size_t oi = 0; oi < sizeof(offer_permille) / sizeof(offer_permille[0]); oi++) {
                    int64_t offer = price * offer_permille[oi] / 1000;
                    if (offer <= 0) {
                        continue;
                    }
                    int64_t last_counter = 0;
                    int64_t prev_counter = INT64_MAX;
                    for (int round = 0; round <= 5; round++) {
                        int64_t counter = -1;
                        offer_verdict_t v =
                            policy_verdict(&p, offer, round, last_counter, &counter);
                        rows++;
                        switch (v) {
                        case OFFER_VERDICT_ACCEPT:
                            assert_true(offer >= p.floor_cents);
                            assert_true(offer >= p.visible_lowest_cents);
                            break;
                        case OFFER_VERDICT_COUNTER:
                            assert_false(p.firm);
                            assert_true(counter >= p.visible_lowest_cents);
                            assert_true(counter > offer);
                            assert_true(counter < price);
                            assert_true(counter <= prev_counter);
                            prev_counter = counter;
                            last_counter = counter;
                            break;
                        case OFFER_VERDICT_DECLINE:
                            assert_true(counter >= p.visible_lowest_cents);
                            assert_true(counter > offer);
                            if (p.firm) {
                                assert_int_equal(counter, price);
                            } else {
                                assert_int_equal(counter, p.visible_lowest_cents);
                                assert_true(counter <= prev_counter);
                            }
                            prev_counter = counter;
                            last_counter = counter;
                            break;
                        case OFFER_VERDICT_NONE:
                            fail_msg("an offer of %lld got no verdict", (long long)offer);
                        }
                    }
                }
            }
        }
    }
    print_message("policy grid: %ld verdict rows checked\n", rows);
    assert_true(rows > 5000);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_policy_default_tier_numbers),
        cmocka_unit_test(test_policy_firm),
        cmocka_unit_test(test_policy_no_floor_is_firm),
        cmocka_unit_test(test_policy_original_contradiction_resolved),
        cmocka_unit_test(test_policy_clearance_and_rounding),
        cmocka_unit_test(test_policy_raise_lowest),
        cmocka_unit_test(test_policy_tiers),
        cmocka_unit_test(test_policy_invariants_grid),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
