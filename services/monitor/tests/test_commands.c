/* Unit tests of byebuy-monitor's command decisions (commands.c) and account registry
 * (accounts.c): which events each command yields, and what is refused. */
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

/* A command envelope as the api writes it. Caller frees. */
static char *command(const char *type, monitor_command_t *cmd)
{
    char *text = event_encode("api", type, NULL, NULL, monitor_command_build(cmd));
    assert_non_null(text);
    return text;
}

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

static void test_start_and_stop_publish_status(void **state)
{
    (void)state;
    accounts_t *a = accounts_new();
    monitor_publish_list_t out;
    char err[256];
    monitor_command_t cmd = {.account_id = 42};

    char *start = command(EV_MONITOR_START, &cmd);
    assert_int_equal(commands_apply(a, start, strlen(start), &out, err, sizeof(err)), HANDLE_OK);
    assert_string_equal(out.type, EV_MONITOR_START);
    assert_int_equal(out.account_id, 42);
    assert_int_equal(out.n, 1);
    assert_string_equal(out.items[0].key, "42");
    monitor_event_t ev;
    published(&out.items[0], EV_MONITOR_STATUS, &ev);
    assert_int_equal(ev.account_id, 42);
    assert_true(ev.has_status && ev.status.running);
    assert_int_equal(ev.status.cycle, 0);
    assert_false(ev.status.login_required);
    assert_null(ev.status.last_error);
    assert_null(ev.status.last_poll_at);
    monitor_event_free(&ev);
    monitor_publish_list_free(&out);

    account_state_t *running = NULL;
    assert_int_equal(accounts_running(a, &running), 1);
    assert_int_equal(running[0].account_id, 42);
    free(running);

    /* a redelivered start is harmless: same state, same status */
    assert_int_equal(commands_apply(a, start, strlen(start), &out, err, sizeof(err)), HANDLE_OK);
    assert_int_equal(accounts_running(a, &running), 1);
    free(running);
    monitor_publish_list_free(&out);

    char *stop = command(EV_MONITOR_STOP, &cmd);
    assert_int_equal(commands_apply(a, stop, strlen(stop), &out, err, sizeof(err)), HANDLE_OK);
    published(&out.items[0], EV_MONITOR_STATUS, &ev);
    assert_false(ev.status.running);
    monitor_event_free(&ev);
    monitor_publish_list_free(&out);
    assert_int_equal(accounts_running(a, &running), 0);
    assert_null(running);

    free(start);
    free(stop);
    accounts_free(a);
}

static void test_send_reports_no_driver(void **state)
{
    (void)state;
    accounts_t *a = accounts_new();
    monitor_publish_list_t out;
    char err[256];
    monitor_command_t cmd = {
        .account_id = 7, .message_id = 1234, .thread_id = "th-88", .text = "Yes, still available"};
    char *send = command(EV_MESSAGE_SEND, &cmd);
    assert_int_equal(commands_apply(a, send, strlen(send), &out, err, sizeof(err)), HANDLE_OK);
    assert_int_equal(out.n, 1);
    assert_string_equal(out.items[0].key, "th-88"); /* ordered with the thread's messages */
    monitor_event_t ev;
    published(&out.items[0], EV_MESSAGE_SEND_FAILED, &ev);
    assert_int_equal(ev.account_id, 7);
    assert_int_equal(ev.message_id, 1234);
    assert_true(ev.has_thread);
    assert_string_equal(ev.thread.id, "th-88");
    assert_string_equal(ev.status.last_error, MONITOR_NO_INBOX_DRIVER);
    monitor_event_free(&ev);
    monitor_publish_list_free(&out);
    /* sending does not start watching the account */
    account_state_t st;
    assert_false(accounts_get(a, 7, &st));
    assert_false(st.running);
    free(send);
    accounts_free(a);
}

/* Applies a raw payload that must be dropped and returns the reason. */
static void expect_drop(accounts_t *a, const char *payload, const char *reason)
{
    monitor_publish_list_t out;
    char err[256] = "";
    assert_int_equal(commands_apply(a, payload, strlen(payload), &out, err, sizeof(err)),
                     HANDLE_DROP);
    assert_int_equal(out.n, 0);
    assert_string_equal(err, reason);
    monitor_publish_list_free(&out);
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
        cmocka_unit_test(test_start_and_stop_publish_status),
        cmocka_unit_test(test_send_reports_no_driver),
        cmocka_unit_test(test_malformed_commands_are_dropped),
        cmocka_unit_test(test_accounts_registry),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
