/* The monitor's pure decisions: pacing, caps and quiet hours, the desired-state restore and
 * the thread scan (fingerprints, noise, what is new). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "caps.h"
#include "common/event.h"
#include "common/fingerprint.h"
#include "desired.h"
#include "pacing.h"
#include "seen.h"

/* ---- pacing ---------------------------------------------------------------------------- */

static const monitor_pacing_t original = {3000, 5000, 9000, 11000, 75, 60000, 120000};

static void test_pacing(void **state)
{
    (void)state;
    pace_t p = pacing_next(&original, 1, true, 0.0);
    assert_int_equal(p.kind, PACE_ACTIVE);
    assert_int_equal(p.delay_ms, 3000);
    p = pacing_next(&original, 2, true, 0.999999);
    assert_int_equal(p.delay_ms, 5000);
    p = pacing_next(&original, 3, false, 0.5);
    assert_int_equal(p.kind, PACE_IDLE);
    assert_true(p.delay_ms >= 9000 && p.delay_ms <= 11000);
    /* every 75th cycle a break, whatever the activity */
    p = pacing_next(&original, 75, true, 0.0);
    assert_int_equal(p.kind, PACE_BREAK);
    assert_int_equal(p.delay_ms, 60000);
    p = pacing_next(&original, 150, false, 0.999999);
    assert_int_equal(p.kind, PACE_BREAK);
    assert_int_equal(p.delay_ms, 120000);
    assert_int_equal(pacing_next(&original, 76, false, 0).kind, PACE_IDLE);
    /* 0 = never a break; equal bounds = a fixed wait */
    monitor_pacing_t fast = {50, 50, 100, 100, 0, 0, 0};
    assert_int_equal(pacing_next(&fast, 75, false, 0.7).kind, PACE_IDLE);
    assert_int_equal(pacing_next(&fast, 75, false, 0.7).delay_ms, 100);
    /* the draws cover the range evenly enough */
    int64_t lo = 1 << 30, hi = 0;
    for (int i = 0; i < 1000; i++) {
        int64_t v = pacing_between(9000, 11000, i / 1000.0);
        lo = v < lo ? v : lo;
        hi = v > hi ? v : hi;
    }
    assert_int_equal(lo, 9000);
    assert_true(hi >= 10990 && hi <= 11000);
}

/* ---- caps ------------------------------------------------------------------------------ */

static void test_quiet_hours(void **state)
{
    (void)state;
    /* across midnight */
    assert_true(caps_quiet("22:00", "07:30", 22 * 60));
    assert_true(caps_quiet("22:00", "07:30", 3 * 60));
    assert_true(caps_quiet("22:00", "07:30", 7 * 60 + 29));
    assert_false(caps_quiet("22:00", "07:30", 7 * 60 + 30));
    assert_false(caps_quiet("22:00", "07:30", 12 * 60));
    /* within a day */
    assert_true(caps_quiet("12:00", "13:00", 12 * 60 + 30));
    assert_false(caps_quiet("12:00", "13:00", 13 * 60));
    /* none */
    assert_false(caps_quiet(NULL, NULL, 0));
    assert_false(caps_quiet("05:00", "05:00", 5 * 60));
}

static void test_caps(void **state)
{
    (void)state;
    monitor_caps_t c = {.max_sends_per_day = 2, .quiet_start = "22:00", .quiet_end = "07:00"};
    caps_counter_t ctr = {"", 0};
    char reason[256];
    assert_int_equal(caps_check(&c, &ctr, "2026-12-07", 12 * 60, reason, sizeof(reason)), CAPS_OK);
    caps_count(&ctr, "2026-12-07");
    caps_count(&ctr, "2026-12-07");
    assert_int_equal(caps_check(&c, &ctr, "2026-12-07", 12 * 60, reason, sizeof(reason)),
                     CAPS_LIMIT);
    assert_string_equal(reason, "cap_reached: 2 of 2 messages sent today (2026-12-07, UTC); the "
                                "cap resets at local midnight");
    /* a new local day starts at 0 */
    assert_int_equal(caps_check(&c, &ctr, "2026-12-08", 12 * 60, reason, sizeof(reason)), CAPS_OK);
    caps_count(&ctr, "2026-12-08");
    assert_int_equal(ctr.sent, 1);
    assert_int_equal(caps_check(&c, &ctr, "2026-12-08", 23 * 60, reason, sizeof(reason)),
                     CAPS_QUIET);
    assert_string_equal(
        reason, "quiet_hours: no messages are sent between 22:00 and 07:00 (UTC); send it later");
    /* no caps at all */
    assert_int_equal(caps_check(NULL, &ctr, "2026-12-08", 23 * 60, reason, sizeof(reason)),
                     CAPS_OK);
    monitor_caps_t nocap = {0};
    for (int i = 0; i < 100; i++)
        caps_count(&ctr, "2026-12-08");
    assert_int_equal(caps_check(&nocap, &ctr, "2026-12-08", 0, reason, sizeof(reason)), CAPS_OK);
}

static void test_caps_local(void **state)
{
    (void)state;
    int minute;
    char day[11], err[256];
    /* 2026-12-07 23:30 UTC is 00:30 on the 8th in Berlin (CET, UTC+1) */
    time_t t = 1796686200;
    assert_int_equal(caps_local(NULL, t, &minute, day, err, sizeof(err)), 0);
    assert_string_equal(day, "2026-12-07");
    assert_int_equal(minute, 23 * 60 + 30);
    assert_int_equal(caps_local("Europe/Berlin", t, &minute, day, err, sizeof(err)), 0);
    assert_string_equal(day, "2026-12-08");
    assert_int_equal(minute, 30);
    assert_int_equal(caps_local("Mars/Olympus", t, &minute, day, err, sizeof(err)), -1);
    assert_string_equal(err,
                        "timezone Mars/Olympus: unknown (no /usr/share/zoneinfo/Mars/Olympus)");
}

/* ---- desired-state restore --------------------------------------------------------------- */

static char *desired_record(int64_t id, bool running, int64_t active_min)
{
    monitor_desired_t d = {.account_id = id, .platform = "sandbox", .running = running};
    d.has_pacing = active_min > 0;
    d.pacing = (monitor_pacing_t){active_min, active_min, 100, 100, 0, 0, 0};
    char key[24];
    snprintf(key, sizeof(key), "%lld", (long long)id);
    return event_encode("api", EV_MONITOR_DESIRED, key, NULL, monitor_desired_build(&d));
}

static void apply(desired_map_t *m, int32_t p, const char *key, char *payload)
{
    char err[256];
    int rc = desired_apply(m, p, key, payload, payload ? strlen(payload) : 0, err, sizeof(err));
    if (rc != 0)
        fail_msg("%s", err);
    free(payload);
}

static void test_desired_restore(void **state)
{
    (void)state;
    desired_map_t *m = desired_map_new();
    /* partition 0 as compaction may leave it: several records per account, last one wins */
    apply(m, 0, "1", desired_record(1, true, 10));
    apply(m, 0, "2", desired_record(2, true, 10));
    apply(m, 0, "1", desired_record(1, false, 10));
    apply(m, 0, "3", desired_record(3, true, 10));
    apply(m, 0, "3", NULL); /* tombstone: account 3 deleted */
    apply(m, 0, "1", desired_record(1, true, 20));
    apply(m, 1, "4", desired_record(4, true, 10));
    apply(m, 1, "5", desired_record(5, false, 10));

    int64_t *ids = NULL;
    size_t n = desired_running(m, 0, &ids);
    assert_int_equal(n, 2);
    assert_true((ids[0] == 1 && ids[1] == 2) || (ids[0] == 2 && ids[1] == 1));
    free(ids);
    monitor_desired_t d;
    int32_t part = -1;
    assert_true(desired_get(m, 1, &d, &part));
    assert_int_equal(part, 0);
    assert_int_equal(d.pacing.active_min_ms, 20);
    monitor_desired_free(&d);
    assert_false(desired_get(m, 3, &d, NULL));

    /* bad records are refused and leave the previous state */
    char err[256];
    const char *junk = "{\"not\":\"an event\"}";
    assert_int_equal(desired_apply(m, 0, "2", junk, strlen(junk), err, sizeof(err)), -1);
    char *other = desired_record(9, false, 10);
    assert_int_equal(desired_apply(m, 0, "2", other, strlen(other), err, sizeof(err)), -1);
    assert_string_equal(err, "key 2: data.account_id is 9");
    free(other);
    assert_int_equal(desired_apply(m, 0, "x", NULL, 0, err, sizeof(err)), -1);
    assert_string_equal(err, "key \"x\": expected an account id");
    assert_true(desired_get(m, 2, &d, NULL));
    assert_true(d.running);
    monitor_desired_free(&d);

    /* revoking partition 0 forgets its accounts, not partition 1's */
    desired_forget_partition(m, 0);
    assert_int_equal(desired_running(m, 0, &ids), 0);
    assert_int_equal(desired_running(m, 1, &ids), 1);
    assert_int_equal(ids[0], 4);
    free(ids);
    desired_map_free(m);
}

/* ---- thread scan --------------------------------------------------------------------------- */

static void test_scan(void **state)
{
    (void)state;
    seen_t *s = seen_new();
    scan_msg_t msgs[] = {
        {"buyer", "Beware of common scams using payment apps", NULL},
        {"buyer", "ok", NULL},
        {"seller", "ok", NULL},
        {"buyer", "Sam started this chat.", NULL},
        {"buyer", " ok\n", NULL},
        {"buyer", "is it still available?", NULL},
    };
    scan_new_t out[8];
    size_t n = scan_thread(s, "7", msgs, 6, out, 8);
    /* "ok" twice is seen twice; the seller's "ok" and the noise are not buyer messages */
    assert_int_equal(n, 3);
    assert_int_equal(out[0].index, 1);
    assert_int_equal(out[1].index, 4);
    assert_int_equal(out[2].index, 5);
    char fp[65];
    fingerprint_message("7", "buyer", "ok", 2, fp);
    assert_string_equal(out[1].fingerprint, fp);
    assert_string_not_equal(out[0].fingerprint, out[1].fingerprint);
    /* published ones are not new again; re-reading gives the same fingerprints */
    seen_mark_published(s, out[0].fingerprint);
    seen_mark_published(s, out[1].fingerprint);
    scan_new_t again[8];
    n = scan_thread(s, "7", msgs, 6, again, 8);
    assert_int_equal(n, 1);
    assert_string_equal(again[0].fingerprint, out[2].fingerprint);
    /* the verified bubble of a send */
    assert_true(scan_sent_fingerprint("7", msgs, 6, "ok", -1, fp));
    char want[65];
    fingerprint_message("7", "seller", "ok", 1, want);
    assert_string_equal(fp, want);
    assert_true(scan_sent_fingerprint("7", msgs, 6, "ok", 0, fp));
    assert_string_equal(fp, want);
    assert_false(scan_sent_fingerprint("7", msgs, 6, "never sent", -1, fp));
    assert_false(scan_sent_fingerprint("7", msgs, 6, "never sent", 0, fp));
    seen_free(s);
}

/* A redelivered message.send: the buyer may have written between the first send and the
 * redelivery, so the bubble is no longer trailing; the occurrence count still finds it. */
static void test_send_done_by_occurrence(void **state)
{
    (void)state;
    scan_msg_t first[] = {
        {"buyer", "still available?", NULL},
        {"seller", "Yes, it is", NULL},
    };
    scan_msg_t redelivered[] = {
        {"buyer", "still available?", NULL},
        {"seller", " Yes,  it\nis ", NULL}, /* whitespace as the page shows it */
        {"buyer", "great, when can I come?", NULL},
    };
    assert_int_equal(scan_seller_count(first, 1, "Yes, it is"), 0);
    assert_int_equal(scan_seller_count(redelivered, 3, "Yes, it is"), 1);
    /* first send of the text: not done before typing, done after */
    assert_false(scan_send_done(first, 1, "Yes, it is", 0, false));
    assert_true(scan_send_done(first, 2, "Yes, it is", 0, false));
    /* the bubble is not trailing any more: the old check says "not sent" ... */
    assert_true(scan_send_done(redelivered, 3, "Yes, it is", 0, false));
    /* ... and without an occurrence the old check's answer stands */
    assert_false(scan_send_done(redelivered, 3, "Yes, it is", -1, false));
    assert_true(scan_send_done(redelivered, 3, "Yes, it is", -1, true));
    /* the same text a second time (occurrence 1): one bubble is the earlier message's */
    assert_false(scan_send_done(redelivered, 3, "Yes, it is", 1, false));
    scan_msg_t twice[] = {
        {"seller", "ok", NULL},
        {"buyer", "ok?", NULL},
        {"seller", "ok", NULL},
        {"buyer", "thanks", NULL},
        {"seller", "Beware of common scams", NULL},
    };
    assert_true(scan_send_done(twice, 5, "ok", 1, false));
    assert_false(scan_send_done(twice, 5, "ok", 2, false));
    /* a text that looks like UI noise still counts as a bubble */
    assert_int_equal(scan_seller_count(twice, 5, "Beware of common scams"), 1);
    /* the verified bubble is the (occurrence+1)-th: its fingerprint's occurrence is that */
    char fp[65], want[65];
    assert_true(scan_sent_fingerprint("7", twice, 5, "ok", 0, fp));
    fingerprint_message("7", "seller", "ok", 1, want);
    assert_string_equal(fp, want);
    assert_true(scan_sent_fingerprint("7", twice, 5, "ok", 1, fp));
    fingerprint_message("7", "seller", "ok", 2, want);
    assert_string_equal(fp, want);
    /* more occurrences than bubbles (an earlier message never went out): the last one */
    assert_true(scan_sent_fingerprint("7", twice, 5, "ok", 5, fp));
    assert_string_equal(fp, want);
}

static void test_previews(void **state)
{
    (void)state;
    seen_t *s = seen_new();
    assert_true(seen_thread_changed(s, "7", "hi", false)); /* never seen */
    seen_thread_done(s, "7", "hi");
    assert_false(seen_thread_changed(s, "7", "hi", false));
    assert_true(seen_thread_changed(s, "7", "hi", true)); /* unread */
    assert_true(seen_thread_changed(s, "7", "hi again", false));
    assert_true(scan_is_noise("  "));
    assert_true(scan_is_noise("You can now rate each other"));
    assert_false(scan_is_noise("Can you do 40?"));
    seen_free(s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_pacing),
        cmocka_unit_test(test_quiet_hours),
        cmocka_unit_test(test_caps),
        cmocka_unit_test(test_caps_local),
        cmocka_unit_test(test_desired_restore),
        cmocka_unit_test(test_scan),
        cmocka_unit_test(test_send_done_by_occurrence),
        cmocka_unit_test(test_previews),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
