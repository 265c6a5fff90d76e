/* monitor.desired build/parse and message fingerprints. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "common/event.h"
#include "common/fingerprint.h"
#include "common/kafka.h"

static monitor_desired_t sample(void)
{
    monitor_desired_t d = {
        .account_id = 7,
        .platform = "sandbox",
        .label = "demo",
        .running = true,
        .has_pacing = true,
        .pacing = {3000, 5000, 9000, 11000, 75, 60000, 120000},
        .has_caps = true,
        .caps = {.max_sends_per_day = 40,
                 .quiet_start = "22:00",
                 .quiet_end = "07:30",
                 .timezone = "Europe/Berlin"},
    };
    return d;
}

static void test_desired_round_trip(void **state)
{
    (void)state;
    monitor_desired_t in = sample();
    char err[256] = "";
    char *text = event_encode("api", EV_MONITOR_DESIRED, "7", NULL, monitor_desired_build(&in));
    event_t ev;
    assert_int_equal(event_decode(text, strlen(text), &ev, err, sizeof(err)), 0);
    monitor_desired_t out;
    if (monitor_desired_parse(ev.data, &out, err, sizeof(err)) != 0)
        fail_msg("%s", err);
    assert_int_equal(out.account_id, 7);
    assert_string_equal(out.platform, "sandbox");
    assert_string_equal(out.label, "demo");
    assert_true(out.running);
    assert_null(out.browser_profile);
    assert_true(out.has_pacing);
    assert_int_equal(out.pacing.idle_max_ms, 11000);
    assert_int_equal(out.pacing.break_every_cycles, 75);
    assert_int_equal(out.pacing.break_max_ms, 120000);
    assert_true(out.has_caps);
    assert_int_equal(out.caps.max_sends_per_day, 40);
    assert_string_equal(out.caps.quiet_start, "22:00");
    assert_string_equal(out.caps.quiet_end, "07:30");
    assert_string_equal(out.caps.timezone, "Europe/Berlin");
    monitor_desired_free(&out);
    event_free(&ev);
    free(text);

    /* pacing and caps null: the monitor's defaults, no cap */
    cJSON *d = cJSON_Parse("{\"account_id\":2,\"platform\":\"facebook\",\"running\":false,"
                           "\"pacing\":null,\"caps\":{\"max_sends_per_day\":null}}");
    assert_int_equal(monitor_desired_parse(d, &out, err, sizeof(err)), 0);
    assert_false(out.running);
    assert_false(out.has_pacing);
    assert_true(out.has_caps);
    assert_int_equal(out.caps.max_sends_per_day, 0);
    assert_null(out.caps.quiet_start);
    monitor_desired_free(&out);
    cJSON_Delete(d);
}

static void expect_error(const char *json, const char *want)
{
    char err[256] = "";
    monitor_desired_t out;
    cJSON *d = cJSON_Parse(json);
    assert_non_null(d);
    assert_int_equal(monitor_desired_parse(d, &out, err, sizeof(err)), -1);
    assert_string_equal(err, want);
    cJSON_Delete(d);
}

#define BASE "\"account_id\":3,\"platform\":\"sandbox\",\"running\":true"
#define PACING(x)                                                                                  \
    "\"pacing\":{\"active_min_ms\":" x ",\"active_max_ms\":5,\"idle_min_ms\":1,"                   \
    "\"idle_max_ms\":2,\"break_every_cycles\":0,\"break_min_ms\":0,\"break_max_ms\":0}"

static void test_desired_errors(void **state)
{
    (void)state;
    expect_error("{\"platform\":\"x\",\"running\":true}", "account_id: missing");
    expect_error("{\"account_id\":0,\"platform\":\"x\",\"running\":true}",
                 "account_id: must be a positive integer");
    expect_error("{\"account_id\":1,\"platform\":\"\",\"running\":true}", "platform: empty");
    expect_error("{\"account_id\":1,\"platform\":\"x\"}", "running: missing");
    expect_error("{" BASE "," PACING("-1") "}", "pacing.active_min_ms: must not be negative");
    expect_error("{" BASE "," PACING("9") "}",
                 "pacing.active_max_ms: 5 is below active_min_ms (9)");
    expect_error("{" BASE ",\"pacing\":{\"active_min_ms\":1}}", "pacing.active_max_ms: missing");
    expect_error("{" BASE ",\"caps\":{\"max_sends_per_day\":0}}",
                 "caps.max_sends_per_day: must be at least 1 (null: no cap)");
    expect_error("{" BASE ",\"caps\":{\"quiet_start\":\"22:00\"}}",
                 "caps.quiet_end: required with quiet_start (both or neither)");
    expect_error("{" BASE ",\"caps\":{\"quiet_start\":\"24:00\",\"quiet_end\":\"07:00\"}}",
                 "caps.quiet_start: expected \"HH:MM\" (00:00 to 23:59)");
    expect_error("{" BASE ",\"caps\":{\"quiet_start\":\"22:00\",\"quiet_end\":\"7:00\"}}",
                 "caps.quiet_end: expected \"HH:MM\" (00:00 to 23:59)");
    expect_error("{" BASE ",\"caps\":{\"timezone\":\"../etc/passwd\"}}",
                 "caps.timezone: expected an IANA name such as Europe/Berlin");
}

static void test_desired_topic_compacted(void **state)
{
    (void)state;
    assert_true(kafka_topic_compacted(TOPIC_MONITOR_DESIRED));
    assert_false(kafka_topic_compacted(TOPIC_MONITOR_COMMANDS));
}

static void test_fingerprint(void **state)
{
    (void)state;
    char a[65], b[65], c[65], d[65];
    /* a buyer who writes "ok" twice is seen twice */
    fingerprint_message("th-1", "buyer", "ok", 1, a);
    fingerprint_message("th-1", "buyer", "ok", 2, b);
    assert_string_not_equal(a, b);
    assert_int_equal(strlen(a), 64);
    assert_int_equal(strspn(a, "0123456789abcdef"), 64);
    /* re-reading gives the same fingerprints, whatever the line breaks around the text */
    fingerprint_message("th-1", "buyer", "  ok\n", 1, c);
    assert_string_equal(a, c);
    fingerprint_message("th-1", "buyer", "is it\n  still there?", 1, c);
    fingerprint_message("th-1", "buyer", "is it still there?", 1, d);
    assert_string_equal(c, d);
    /* sender, thread and the length prefixes keep look-alikes apart */
    fingerprint_message("th-1", "seller", "ok", 1, c);
    assert_string_not_equal(a, c);
    fingerprint_message("th-2", "buyer", "ok", 1, c);
    assert_string_not_equal(a, c);
    fingerprint_message("a|1:b", "buyer", "ok", 1, c);
    fingerprint_message("a", "1:b|buyer", "ok", 1, d);
    assert_string_not_equal(c, d);
    /* a pinned value: the api and any re-implementation must agree */
    fingerprint_message("t", "buyer", "hi", 1, c);
    assert_string_equal(c, "09940204bec5be177606cc4928763a52f9ce9942c44766519d48dea2062dd226");
    char *norm = fingerprint_normalize(" a \t b\n");
    assert_string_equal(norm, "a b");
    free(norm);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_desired_round_trip),
        cmocka_unit_test(test_desired_errors),
        cmocka_unit_test(test_desired_topic_compacted),
        cmocka_unit_test(test_fingerprint),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
