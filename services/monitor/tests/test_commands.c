/* Unit tests of byebuy-monitor's commands (commands.c: the status event, what is refused
 * before anything runs) and account registry (accounts.c). Start, stop and send with a
 * broker and a browser are in tests/integration/test_monitor_*.py. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "accounts.h"
#include "commands.h"
#include "common/event.h"

/* Decodes one published event and parses it as a monitor event of the expected type. */
static void published(const monitor_publish_t *p, const char *type, monitor_event_t *out)
{
    event_t ev;
    char err[256];
    assert_int_equal(event_decode(p->payload, p->len, &ev, err, sizeof(err)), 0);
    assert_string_equal(ev.type, type);
    assert_string_equal(ev.source, "byebuy/monitor");
    assert_string_equal(ev.subject, p->key);
    if (monitor_event_parse(ev.type, ev.data, out, err, sizeof(err)) != 0)
        fail_msg("published event does not parse: %s", err);
    event_free(&ev);
}

static void test_status_event(void **state)
{
    (void)state;
    accounts_t *a = accounts_new();
    account_state_t st;
    accounts_set_running(a, 42, true, &st);
    monitor_publish_t pub;
    commands_status_event(&st, &pub);
    assert_string_equal(pub.key, "42");
    monitor_event_t ev;
    published(&pub, EV_MONITOR_STATUS, &ev);
    assert_int_equal(ev.account_id, 42);
    assert_true(ev.has_status && ev.status.running);
    assert_int_equal(ev.status.cycle, 0);
    assert_false(ev.status.login_required);
    assert_null(ev.status.last_error);
    assert_null(ev.status.last_poll_at);
    monitor_event_free(&ev);
    monitor_publish_free(&pub);

    /* a login wall, then a good cycle: the state the next status reports */
    assert_true(accounts_set_error(a, 42, "login_required: log in with byebuy-login", true));
    assert_false(accounts_set_error(a, 42, "login_required: log in with byebuy-login", true));
    accounts_get(a, 42, &st);
    commands_status_event(&st, &pub);
    published(&pub, EV_MONITOR_STATUS, &ev);
    assert_true(ev.status.login_required);
    assert_string_equal(ev.status.last_error, "login_required: log in with byebuy-login");
    monitor_event_free(&ev);
    monitor_publish_free(&pub);
    assert_true(accounts_poll_done(a, 42, 7, "2026-12-07T05:00:00Z"));
    assert_false(accounts_poll_done(a, 42, 8, "2026-12-07T05:00:03Z"));
    accounts_get(a, 42, &st);
    assert_int_equal(st.cycle, 8);
    assert_string_equal(st.last_poll_at, "2026-12-07T05:00:03Z");
    assert_string_equal(st.last_error, "");
    assert_false(st.login_required);
    /* unknown accounts are not created by a worker's late report */
    assert_false(accounts_set_error(a, 43, "x", false));
    assert_false(accounts_get(a, 43, &st));
    accounts_free(a);
}

/* Applies a raw payload that must be dropped and returns the reason. */
static void expect_drop(accounts_t *a, const char *payload, const char *reason)
{
    /* No owner and no producer: a command refused this early touches neither. */
    commands_ctx_t ctx = {.accounts = a};
    kafka_message_t msg = {
        .topic = "bb.monitor.commands", .key = "", .payload = payload, .len = strlen(payload)};
    char err[256] = "";
    assert_int_equal(commands_handle(&msg, &ctx, err, sizeof(err)), HANDLE_DROP);
    assert_string_equal(err, reason);
}

static void test_malformed_commands_are_dropped(void **state)
{
    (void)state;
    accounts_t *a = accounts_new();
    expect_drop(a, "this is not json {", "not JSON");
    expect_drop(a,
                "{\"specversion\":\"0.3\",\"id\":\"1\",\"source\":\"s\",\"type\":\"monitor.start\","
                "\"data\":{\"account_id\":1}}",
                "specversion: expected \"1.0\"");
    expect_drop(a,
                "{\"specversion\":\"1.0\",\"id\":\"1\",\"source\":\"s\",\"type\":\"monitor.start\","
                "\"data\":{}}",
                "account_id: missing");
    expect_drop(a,
                "{\"specversion\":\"1.0\",\"id\":\"1\",\"source\":\"s\",\"type\":\"monitor.start\","
                "\"data\":{\"account_id\":\"7\"}}",
                "account_id: expected an integer");
    expect_drop(
        a,
        "{\"specversion\":\"1.0\",\"id\":\"1\",\"source\":\"s\",\"type\":\"monitor.reboot\","
        "\"data\":{\"account_id\":7}}",
        "type: unknown monitor command \"monitor.reboot\"");
    expect_drop(a,
                "{\"specversion\":\"1.0\",\"id\":\"1\",\"source\":\"s\",\"type\":\"message.send\","
                "\"data\":{\"account_id\":7,\"message_id\":5,\"thread_id\":\"t\"}}",
                "text: missing");
    account_state_t *running = NULL;
    assert_int_equal(accounts_running(a, &running), 0); /* nothing half-applied */
    accounts_free(a);
}

static void test_accounts_registry(void **state)
{
    (void)state;
    accounts_t *a = accounts_new();
    account_state_t st;
    for (int64_t id = 1; id <= 20; id++) /* grows past its first allocation */
        accounts_set_running(a, id, id % 2 == 0, &st);
    assert_int_equal(st.account_id, 20);
    assert_true(st.running);
    account_state_t *running = NULL;
    assert_int_equal(accounts_running(a, &running), 10);
    for (size_t i = 0; i < 10; i++)
        assert_int_equal(running[i].account_id % 2, 0);
    free(running);
    assert_true(accounts_get(a, 3, &st));
    assert_false(st.running);
    assert_false(accounts_get(a, 99, &st));
    assert_int_equal(st.account_id, 99);
    accounts_free(a);
    accounts_free(NULL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_status_event),
        cmocka_unit_test(test_malformed_commands_are_dropped),
        cmocka_unit_test(test_accounts_registry),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
