/* Unit tests of the schedule's pure parts: job_schedule_next (the min gap, the jitter's
 * bounds, the daily cap per kind, the day rollover in a time zone with a DST change, a
 * delist slotting into a gap between posts, the horizon) and the pacing settings
 * (pacing_apply's field errors, pacing_effective's layers). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>
#include <cmocka.h>

#include "domain/job_schedule.h"
#include "domain/pacing.h"

#define S 1000000LL /* one second in us */
#define DAY (86400 * S)
#define T0 (1796601600LL * S) /* 2026-12-07 00:00 UTC */

static int64_t next(int64_t now, const sched_slot_t *slots, size_t n, job_kind_t kind,
                    sched_rule_t rule, const int64_t *days, size_t ndays, uint64_t seed)
{
    int64_t out = -1;
    assert_int_equal(job_schedule_next(now, slots, n, kind, &rule, days, ndays, &seed, &out), 0);
    return out;
}

static void test_free_account_runs_now(void **state)
{
    (void)state;
    sched_rule_t unpaced = {0, 0, 0};
    assert_int_equal(next(T0 + 5 * S, NULL, 0, JOB_KIND_POST, unpaced, NULL, 0, 1), T0 + 5 * S);
    sched_slot_t busy[] = {{T0 + 5 * S, JOB_KIND_POST}};
    /* no gap: the same instant is fine */
    assert_int_equal(next(T0 + 5 * S, busy, 1, JOB_KIND_POST, unpaced, NULL, 0, 1), T0 + 5 * S);
    sched_rule_t gap = {60 * S, 0, 0};
    sched_slot_t old[] = {{T0 - 120 * S, JOB_KIND_POST}};
    assert_int_equal(next(T0, old, 1, JOB_KIND_POST, gap, NULL, 0, 1), T0);
}

static void test_gap_from_every_neighbour(void **state)
{
    (void)state;
    sched_rule_t gap = {60 * S, 0, 0};
    /* the previous action 10 s ago: 50 s to wait */
    sched_slot_t recent[] = {{T0 - 10 * S, JOB_KIND_POST}};
    assert_int_equal(next(T0, recent, 1, JOB_KIND_POST, gap, NULL, 0, 1), T0 + 50 * S);
    /* a run of actions one gap apart: after the last one */
    sched_slot_t run[] = {
        {T0, JOB_KIND_POST}, {T0 + 60 * S, JOB_KIND_POST}, {T0 + 120 * S, JOB_KIND_DELIST}};
    assert_int_equal(next(T0, run, 3, JOB_KIND_POST, gap, NULL, 0, 1), T0 + 180 * S);
    /* a hole of two gaps between two future posts takes the delist at once after the first */
    sched_slot_t hole[] = {{T0, JOB_KIND_POST}, {T0 + 200 * S, JOB_KIND_POST}};
    assert_int_equal(next(T0, hole, 2, JOB_KIND_DELIST, gap, NULL, 0, 1), T0 + 60 * S);
    /* a hole too small (90 s) is skipped */
    sched_slot_t tight[] = {{T0, JOB_KIND_POST}, {T0 + 90 * S, JOB_KIND_POST}};
    assert_int_equal(next(T0, tight, 2, JOB_KIND_DELIST, gap, NULL, 0, 1), T0 + 150 * S);
}

static void test_jitter_stays_within_bounds(void **state)
{
    (void)state;
    sched_rule_t rule = {60 * S, 30 * S, 0};
    sched_slot_t prev[] = {{T0, JOB_KIND_POST}};
    int64_t lo = INT64_MAX, hi = 0;
    uint64_t seed = 12345;
    for (int i = 0; i < 2000; i++) {
        int64_t out = 0;
        assert_int_equal(job_schedule_next(T0, prev, 1, JOB_KIND_POST, &rule, NULL, 0, &seed, &out),
                         0);
        assert_true(out >= T0 + 60 * S && out <= T0 + 90 * S);
        lo = out < lo ? out : lo;
        hi = out > hi ? out : hi;
    }
    /* it does vary: no fixed rhythm */
    assert_true(hi - lo > 20 * S);
}

/* Schedules n actions of kind one after the other, as n requests would. */
static sched_slot_t *burst(int n, job_kind_t kind, sched_rule_t rule, const int64_t *days,
                           size_t ndays)
{
    sched_slot_t *slots = calloc((size_t)n, sizeof(*slots));
    uint64_t seed = 7;
    for (int i = 0; i < n; i++) {
        int64_t out = 0;
        assert_int_equal(job_schedule_next(T0 + 3600 * S, slots, (size_t)i, kind, &rule, days,
                                           ndays, &seed, &out),
                         0);
        /* keep the array sorted (each new slot is the latest here) */
        slots[i].at_us = out;
        slots[i].kind = kind;
        if (i > 0)
            assert_true(out >= slots[i - 1].at_us);
    }
    return slots;
}

static void test_hundred_posts_gap_and_cap_per_day(void **state)
{
    (void)state;
    int64_t days[6];
    for (int i = 0; i < 6; i++)
        days[i] = T0 + i * DAY;
    sched_rule_t rule = {1 * S, 0, 30};
    sched_slot_t *s = burst(100, JOB_KIND_POST, rule, days, 6);
    int per_day[5] = {0};
    for (int i = 0; i < 100; i++) {
        if (i > 0)
            assert_true(s[i].at_us - s[i - 1].at_us >= 1 * S);
        per_day[(s[i].at_us - T0) / DAY]++;
    }
    assert_int_equal(per_day[0], 30);
    assert_int_equal(per_day[1], 30);
    assert_int_equal(per_day[2], 30);
    assert_int_equal(per_day[3], 10);
    /* the first slot of a new day is its midnight */
    assert_int_equal(s[30].at_us, T0 + DAY);
    assert_int_equal(s[60].at_us, T0 + 2 * DAY);
    free(s);
}

static void test_day_rollover_in_a_time_zone_with_dst(void **state)
{
    (void)state;
    /* Europe/Paris, 2026-03-29 (clocks go forward: a 23-hour day). Local midnights: 28th
     * 00:00 CET = 27th 23:00 UTC; 29th 00:00 CET = 28th 23:00 UTC; 30th 00:00 CEST = 29th
     * 22:00 UTC. */
    const int64_t d28 = 1774652400LL * S; /* 2026-03-27 23:00 UTC */
    int64_t days[5] = {d28, d28 + DAY, d28 + DAY + 23 * 3600 * S, d28 + 2 * DAY + 23 * 3600 * S,
                       d28 + 3 * DAY + 23 * 3600 * S};
    sched_rule_t rule = {0, 0, 1};
    /* 2026-03-29 22:30 UTC is already the 30th in Paris (00:30 CEST): day index 2 */
    int64_t now = d28 + 2 * DAY - 30 * 60 * S;
    sched_slot_t today[] = {{days[2] + 10 * 60 * S, JOB_KIND_POST}};
    /* the 30th (local) has its one post: the next is on the 31st, local midnight */
    assert_int_equal(next(now, today, 1, JOB_KIND_POST, rule, days, 5, 1), days[3]);
    /* at 21:30 UTC on the 29th it is still the 29th (CEST, 23:30) there: that day is free */
    int64_t before = days[2] - 30 * 60 * S;
    assert_int_equal(next(before, today, 1, JOB_KIND_POST, rule, days, 5, 1), before);
    /* the 23-hour day holds its cap: slots on it are counted by local day */
    sched_slot_t short_day[] = {{days[1] + 22 * 3600 * S, JOB_KIND_POST}};
    assert_int_equal(next(days[1] + 3600 * S, short_day, 1, JOB_KIND_POST, rule, days, 5, 1),
                     days[2]);
}

static void test_cap_is_per_kind(void **state)
{
    (void)state;
    int64_t days[3] = {T0, T0 + DAY, T0 + 2 * DAY};
    sched_rule_t posts = {10 * S, 0, 2};
    sched_slot_t s[] = {{T0 + 100 * S, JOB_KIND_POST}, {T0 + 200 * S, JOB_KIND_POST}};
    /* the day's posts are used up; a delist with its own cap still runs today */
    assert_int_equal(next(T0 + 300 * S, s, 2, JOB_KIND_POST, posts, days, 3, 1), T0 + DAY);
    assert_int_equal(next(T0 + 300 * S, s, 2, JOB_KIND_DELIST, posts, days, 3, 1), T0 + 300 * S);
    /* next day's first slot plus a jitter within bounds, and still a gap from a slot there */
    sched_rule_t jit = {10 * S, 5 * S, 2};
    sched_slot_t s2[] = {{T0 + 100 * S, JOB_KIND_POST},
                         {T0 + 200 * S, JOB_KIND_POST},
                         {T0 + DAY + 2 * S, JOB_KIND_DELIST}};
    int64_t t = next(T0 + 300 * S, s2, 3, JOB_KIND_POST, jit, days, 3, 99);
    assert_true(t >= T0 + DAY + 12 * S && t <= T0 + DAY + 17 * S);
}

static void test_past_the_horizon_fails(void **state)
{
    (void)state;
    int64_t days[2] = {T0, T0 + DAY};
    sched_rule_t rule = {0, 0, 1};
    sched_slot_t s[] = {{T0 + S, JOB_KIND_POST}};
    int64_t out = 0;
    uint64_t seed = 1;
    assert_int_equal(
        job_schedule_next(T0 + 2 * S, s, 1, JOB_KIND_POST, &rule, days, 2, &seed, &out), -1);
}

static void test_kinds(void **state)
{
    (void)state;
    assert_int_equal(job_kind_parse("post"), JOB_KIND_POST);
    assert_int_equal(job_kind_parse("delist"), JOB_KIND_DELIST);
    assert_int_equal(job_kind_parse("update"), JOB_KIND_UPDATE);
    assert_int_equal(job_kind_parse("edit"), -1);
    assert_int_equal(job_kind_parse(NULL), -1);
    assert_string_equal(job_kind_name(JOB_KIND_DELIST), "delist");
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
    if (rc == 0)
        return "";
    assert_int_equal(r.status, CMD_INVALID);
    assert_non_null(strstr(r.detail, r.field));
    return r.field;
}

static void test_pacing_apply_and_layers(void **state)
{
    (void)state;
    pacing_row_t plat, acct;
    pacing_row_inherit(&plat);
    pacing_row_inherit(&acct);
    assert_string_equal(apply("{\"min_gap_s\":1,\"posts_per_day\":30}", &plat), "");
    assert_string_equal(apply("{\"min_gap_s\":-1}", &plat), "min_gap_s");
    assert_string_equal(apply("{\"jitter_s\":1.5}", &plat), "jitter_s");
    assert_string_equal(apply("{\"delists_per_day\":\"5\"}", &plat), "delists_per_day");
    assert_string_equal(apply("{\"updates_per_day\":100001}", &plat), "updates_per_day");
    assert_string_equal(apply("{\"timezone\":\"\"}", &plat), "timezone");
    assert_string_equal(apply("{\"timezone\":7}", &plat), "timezone");
    assert_int_equal(plat.min_gap_s, 1); /* refused values are not applied */
    assert_string_equal(apply("{\"posts_per_day\":2,\"timezone\":\"Europe/Paris\"}", &acct), "");

    pacing_t eff;
    pacing_effective("facebook_marketplace", &plat, &acct, "UTC", &eff);
    assert_int_equal(eff.min_gap_s, 1);   /* platform row */
    assert_int_equal(eff.per_day[0], 2);  /* account row */
    assert_int_equal(eff.per_day[1], 30); /* built-in delists */
    assert_true(eff.jitter_s > 0);        /* built-in jitter */
    assert_string_equal(eff.timezone, "Europe/Paris");
    /* null resets to inherit */
    assert_string_equal(apply("{\"posts_per_day\":null,\"timezone\":null}", &acct), "");
    pacing_effective("facebook_marketplace", &plat, &acct, "America/Chicago", &eff);
    assert_int_equal(eff.per_day[0], 30);
    assert_string_equal(eff.timezone, "America/Chicago");
    /* the sandbox and API platforms are unpaced by default */
    pacing_effective("sandbox", NULL, NULL, "UTC", &eff);
    assert_int_equal(eff.min_gap_s + eff.jitter_s + eff.per_day[0] + eff.per_day[1], 0);
    pacing_effective("ebay", NULL, NULL, "UTC", &eff);
    assert_int_equal(eff.min_gap_s + eff.per_day[0], 0);
}

/* Renews: Facebook's postings are renewed after 7 days (every 7 days is what it allows), at
 * most 10 a day; other platforms never on their own; both are settings like the caps. */
static void test_pacing_renew(void **state)
{
    (void)state;
    pacing_t eff;
    pacing_effective("facebook_marketplace", NULL, NULL, "UTC", &eff);
    assert_int_equal(eff.renew_after_days, 7);
    assert_int_equal(eff.per_day[JOB_KIND_RENEW], 10);
    pacing_effective("sandbox", NULL, NULL, "UTC", &eff);
    assert_int_equal(eff.renew_after_days + eff.per_day[JOB_KIND_RENEW], 0);
    pacing_effective("ebay", NULL, NULL, "UTC", &eff);
    assert_int_equal(eff.renew_after_days, 0);

    pacing_row_t plat, acct;
    pacing_row_inherit(&plat);
    pacing_row_inherit(&acct);
    assert_string_equal(apply("{\"renew_after_days\":366}", &plat), "renew_after_days");
    assert_string_equal(apply("{\"renews_per_day\":-1}", &plat), "renews_per_day");
    assert_string_equal(apply("{\"renew_after_days\":3,\"renews_per_day\":2}", &plat), "");
    assert_string_equal(apply("{\"renew_after_days\":0}", &acct), "");
    pacing_effective("sandbox", &plat, NULL, "UTC", &eff);
    assert_int_equal(eff.renew_after_days, 3);
    assert_int_equal(eff.per_day[JOB_KIND_RENEW], 2);
    pacing_effective("facebook_marketplace", &plat, &acct, "UTC", &eff);
    assert_int_equal(eff.renew_after_days, 0); /* the account: never */
    assert_int_equal(eff.per_day[JOB_KIND_RENEW], 2);
    assert_int_equal(eff.posts_per_month, 20); /* the other settings keep their place */
    assert_int_equal(eff.hold_blocked_s, 86400);
    assert_int_equal(job_kind_parse("renew"), JOB_KIND_RENEW);
}

/* PACING_OFF (demo mode): the built-in pacing of the named platforms is off, whole names
 * only, and what the seller saved still applies. */
static void test_builtin_pacing_off(void **state)
{
    (void)state;
    pacing_t eff;
    pacing_builtin_off("sandbox,facebook_marketplace");
    pacing_effective("facebook_marketplace", NULL, NULL, "UTC", &eff);
    assert_int_equal(eff.min_gap_s + eff.jitter_s + eff.per_day[0] + eff.per_day[1], 0);
    pacing_row_t plat;
    pacing_row_inherit(&plat);
    assert_string_equal(apply("{\"min_gap_s\":60}", &plat), "");
    pacing_effective("facebook_marketplace", &plat, NULL, "UTC", &eff);
    assert_int_equal(eff.min_gap_s, 60);
    assert_int_equal(eff.per_day[0], 0);
    pacing_builtin_off("facebook"); /* not a prefix match */
    pacing_effective("facebook_marketplace", NULL, NULL, "UTC", &eff);
    assert_int_equal(eff.min_gap_s, 300);
    pacing_builtin_off("");
    pacing_effective("facebook_marketplace", NULL, NULL, "UTC", &eff);
    assert_int_equal(eff.per_day[0], 7);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_free_account_runs_now),
        cmocka_unit_test(test_gap_from_every_neighbour),
        cmocka_unit_test(test_jitter_stays_within_bounds),
        cmocka_unit_test(test_hundred_posts_gap_and_cap_per_day),
        cmocka_unit_test(test_day_rollover_in_a_time_zone_with_dst),
        cmocka_unit_test(test_cap_is_per_kind),
        cmocka_unit_test(test_past_the_horizon_fails),
        cmocka_unit_test(test_kinds),
        cmocka_unit_test(test_pacing_apply_and_layers),
        cmocka_unit_test(test_pacing_renew),
        cmocka_unit_test(test_builtin_pacing_off),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
