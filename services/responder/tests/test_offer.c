/* Unit tests of offer parsing: the buyer phrasings we must read as offers and the numbers we
 * must not (years, sizes, counts, phones, times, addresses), plus the draft scan. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include <cmocka.h>

#include "offer.h"

typedef struct {
    const char *text;
    int64_t price_cents;
    int found;     /* 1 or 0 */
    int64_t cents; /* when found */
} offer_case_t;

static const offer_case_t CASES[] = {
    /* positives */
    {"$80", 10000, 1, 8000},
    {"80?", 10000, 1, 8000},
    {"80 bucks", 10000, 1, 8000},
    {"would you do 75", 10000, 1, 7500},
    {"Would you do 75?", 10000, 1, 7500},
    {"90 and I pick up tonight", 10000, 1, 9000},
    {"€70", 10000, 1, 7000},
    {"70€ ok?", 10000, 1, 7000},
    {"I can pay $1,200 today", 150000, 1, 120000},
    {"would you take 1.2k", 150000, 1, 120000},
    {"75.50", 10000, 1, 7550},
    {"can you do $75.5?", 10000, 1, 7550},
    {"seventy five", 10000, 1, 7500},
    {"would you take seventy-five?", 10000, 1, 7500},
    {"how about eighty", 10000, 1, 8000},
    {"a hundred bucks?", 15000, 1, 10000},
    {"one fifty and it's a deal", 20000, 1, 15000},
    {"can you go 80", 10000, 1, 8000},
    {"I can do 80 cash", 10000, 1, 8000},
    {"80 firm?", 10000, 1, 8000},
    {"Is 120 firm? would you take 90", 12000, 1, 9000},
    {"it's listed at 120 but I can do 95", 12000, 1, 9500},
    {"$120 is too much, $90?", 12000, 1, 9000},
    {"would you take 10% off", 10000, 1, 9000},
    {"I'd give you 2 grand", 250000, 1, 200000},
    {"I'd do 2000 for it", 250000, 1, 200000},
    {"ok 85 then", 10000, 1, 8500},
    {"Hi! Would you take $60 for it? I can pick up at 5pm", 10000, 1, 6000},
    {"can you do 70 dollars", 10000, 1, 7000},
    {"£45 and I'll collect", 6000, 1, 4500},
    {"$1 lol", 10000, 1, 100},
    {"I'll offer 300", 40000, 1, 30000},
    {"would you do 70? ok 80 then", 10000, 1, 8000},
    {"I can do 90, not 120", 12000, 1, 9000},
    {"would you do 90? I saw one for 70 elsewhere", 12000, 1, 9000},
    /* negatives */
    {"would you take 444444444444444k", 10000, 0, 0}, /* thousands beyond int64 (fuzz) */
    {"Is the 2019 model still available?", 10000, 0, 0},
    {"Is this 55 inch TV still for sale?", 30000, 0, 0},
    {"the couch is 10 ft right?", 30000, 0, 0},
    {"can I get 2 of them", 3000, 0, 0},
    {"call me at 555-123-4567", 10000, 0, 0},
    {"my number is 555 123 4567", 10000, 0, 0},
    {"5551234567", 10000, 0, 0},
    {"I can come at 5pm", 10000, 0, 0},
    {"pickup at 5:30 works", 10000, 0, 0},
    {"I can come by at 6", 10000, 0, 0},
    {"I live at 123 Main St", 10000, 0, 0},
    {"10% of people say it's great", 10000, 0, 0},
    {"I'm 20 minutes away", 10000, 0, 0},
    {"is it still available?", 10000, 0, 0},
    {"does it come with 2 controllers", 30000, 0, 0},
    {"would you do 900", 10000, 0, 0},
    {"would you do 3", 10000, 0, 0},
    {"I have two kids", 10000, 0, 0},
    {"I paid 300 for mine", 20000, 0, 0},
    {"it was posted 3 days ago", 10000, 0, 0},
    {"does it do 4k", 50000, 0, 0},
    {"I'll be there in 20", 10000, 0, 0},
    {"plus $10 for gas?", 10000, 0, 0},
    {"is it the 2nd gen?", 10000, 0, 0},
    {"ordered on 12/05", 10000, 0, 0},
    {"version 1.2.3", 10000, 0, 0},
    {"", 10000, 0, 0},
    {"can I come 6 tomorrow", 12000, 0, 0},
    {"saturday at 10 or 11 works", 12000, 0, 0},
    {"around 7 tonight?", 12000, 0, 0},
    {"I can do 20 today", 2500, 1, 2000},
    {"would you do 70-80?", 12000, 1, 8000},
    {"code 0199", 12000, 0, 0},
    {"I can't do 110", 12000, 0, 0},
    {"110 is too much for me", 12000, 0, 0},
    {"$110? that's too much. would you do 90", 12000, 1, 9000},
    {"I won't pay 110 but I'd do 95", 12000, 1, 9500},
};

static void test_offer_table(void **state)
{
    (void)state;
    int failures = 0;
    for (size_t i = 0; i < sizeof(CASES) / sizeof(CASES[0]); i++) {
        int64_t cents = -1;
        int found = offer_parse(CASES[i].text, CASES[i].price_cents, &cents);
        if (found != CASES[i].found || (found == 1 && cents != CASES[i].cents)) {
            print_error("offer_parse(\"%s\", %lld): got %d/%lld, want %d/%lld\n", CASES[i].text,
                        (long long)CASES[i].price_cents, found, (long long)cents, CASES[i].found,
                        (long long)CASES[i].cents);
            failures++;
        }
    }
    assert_int_equal(failures, 0);
    assert_true(sizeof(CASES) / sizeof(CASES[0]) >= 30);
}

static void test_offer_unknown_price_needs_cue(void **state)
{
    (void)state;
    int64_t cents = 0;
    assert_int_equal(offer_parse("would you do 75", 0, &cents), 1);
    assert_int_equal(cents, 7500);
    assert_int_equal(offer_parse("75", 0, &cents), 0);
    assert_int_equal(offer_parse("$75", 0, &cents), 1);
}

static void test_offer_null_text(void **state)
{
    (void)state;
    int64_t cents = 0;
    assert_int_equal(offer_parse(NULL, 10000, &cents), 0);
    assert_int_equal(offer_scan(NULL, 10000, OFFER_SCAN_ALL, NULL, 0), 0);
}

static void test_scan_all_keeps_small_amounts(void **state)
{
    (void)state;
    offer_amount_t a[4];
    /* a draft naming $3 for a $100 item must be seen, whatever the buyer filter says */
    size_t n = offer_scan("I could do 3 if you pick up at 5pm", 10000, OFFER_SCAN_ALL, a, 4);
    assert_int_equal(n, 1);
    assert_int_equal(a[0].cents, 300);
    n = offer_scan("It's $120, but I could do 100 today.", 12000, OFFER_SCAN_ALL, a, 4);
    assert_int_equal(n, 2);
    assert_int_equal(a[0].cents, 12000);
    assert_true(a[0].currency);
    assert_int_equal(a[1].cents, 10000);
    /* a range names two amounts; a phone number with one hyphen names none */
    n = offer_scan("I could do 65-70 for it", 12000, OFFER_SCAN_ALL, a, 4);
    assert_int_equal(n, 2);
    assert_int_equal(a[0].cents, 6500);
    assert_int_equal(a[1].cents, 7000);
    assert_int_equal(offer_scan("call 555-0199", 12000, OFFER_SCAN_ALL, a, 4), 0);
    assert_int_equal(offer_scan("come by 5-6pm", 12000, OFFER_SCAN_ALL, a, 4), 0);
    assert_int_equal(offer_scan("between 5-6 works", 12000, OFFER_SCAN_ALL, a, 4), 0);
    assert_int_equal(offer_scan("I could do sixty-five", 12000, OFFER_SCAN_ALL, a, 4), 1);
    assert_int_equal(offer_scan("USD 65.", 12000, OFFER_SCAN_ALL, a, 4), 1);
    /* a draft gets no benefit of the doubt: refusals, references and odd followers count */
    assert_int_equal(offer_scan("I could go 70 lowest", 12000, OFFER_SCAN_ALL, a, 4), 1);
    assert_int_equal(offer_scan("I can't do $70", 12000, OFFER_SCAN_ALL, a, 4), 1);
    assert_int_equal(offer_scan("plus $10 for gas", 12000, OFFER_SCAN_ALL, a, 4), 1);
    assert_int_equal(offer_scan("It has 6 drawers, 2 shelves and is 3 years old, 19 inches deep",
                                12000, OFFER_SCAN_ALL, a, 4),
                     0);
    /* count beyond max */
    n = offer_scan("$1 $2 $3 $4 $5", 10000, OFFER_SCAN_ALL, a, 2);
    assert_int_equal(n, 0); /* adjacent numbers look like a phone number: none is money */
    n = offer_scan("$1, $2, $3, $4, $5", 10000, OFFER_SCAN_ALL, a, 2);
    assert_int_equal(n, 5);
    assert_int_equal(a[1].cents, 200);
}

static void test_offer_no_overflow(void **state)
{
    (void)state;
    int64_t cents = 0;
    assert_int_equal(offer_parse("$99999999999999999999999", 10000, &cents), 0);
    assert_int_equal(offer_parse("$9,999,999,999,999", 10000, &cents), 1);
    assert_int_equal(cents, INT64_C(999999999999900));
}

/* The listing's title is masked: its numbers are not offers, a bare number still is. */
static void test_title_masked(void **state)
{
    (void)state;
    int64_t offer = 0;
    assert_int_equal(offer_parse("still have the Trek 520?", 60000, &offer), 1); /* unmasked */
    assert_int_equal(
        offer_parse_titled("still have the Trek 520?", "Trek 520 road bike", 60000, &offer), 0);
    assert_int_equal(offer_parse_titled("TREK 520 ROAD BIKE: would you do 450?",
                                        "Trek 520 road bike", 60000, &offer),
                     1);
    assert_int_equal(offer, 45000);
    assert_int_equal(offer_parse_titled("I could do 520", "Trek 520 road bike", 60000, &offer), 1);
    assert_int_equal(offer, 52000);
    char *m = offer_mask_title("The Bench desk lamp 1 is $80, lamp 1 too", " Bench desk lamp 1 ");
    assert_string_equal(m, "The Bench desk lamp x is $80, lamp 1 too");
    free(m);
    assert_null(offer_mask_title("The Trek 450 is $80", "Trek 520 road bike"));
    assert_null(offer_mask_title("lamp 1", "Desk lamp"));
    assert_null(offer_mask_title("lamp 1", NULL));
    /* "Trek 5200" is not "Trek 520": the match ends at a word's end */
    assert_null(offer_mask_title("Trek 5200 is $80", "Trek 520 road bike"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_title_masked),
        cmocka_unit_test(test_offer_table),
        cmocka_unit_test(test_offer_unknown_price_needs_cue),
        cmocka_unit_test(test_offer_null_text),
        cmocka_unit_test(test_scan_all_keeps_small_amounts),
        cmocka_unit_test(test_offer_no_overflow),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
