/* What byebuy-monitor does with each command of bb.monitor.commands, as a pure decision:
 * update the account registry and say which events to publish on bb.monitor.events. The
 * Kafka handler in main.c publishes them (and only then lets the offset be stored). */
#ifndef MONITOR_COMMANDS_H
#define MONITOR_COMMANDS_H

#include <stddef.h>
#include <stdint.h>

#include "accounts.h"
#include "common/kafka.h"

/* Until the inbox watcher and its drivers exist (a later issue), message.send cannot be
 * carried out: the monitor reports this instead of pretending it sent anything. */
#define MONITOR_NO_INBOX_DRIVER "inbox driver not configured"

/* One event to publish on bb.monitor.events. */
typedef struct {
    char *key;     /* thread id for message events, account id for monitor.status */
    char *payload; /* CloudEvents JSON */
    size_t len;
} monitor_publish_t;

typedef struct {
    char type[64];      /* the command's type, for the log */
    int64_t account_id; /* the command's account */
    monitor_publish_t items[2];
    size_t n;
} monitor_publish_list_t;

/* Applies one command (the raw Kafka payload). Returns HANDLE_OK with the events to publish
 * in *out, or HANDLE_DROP with the reason in errstr (not JSON, wrong envelope, unknown type,
 * bad field). Caller frees *out with monitor_publish_list_free either way. Thread-safe. */
handle_result_t commands_apply(accounts_t *accounts, const void *payload, size_t len,
                               monitor_publish_list_t *out, char *errstr, size_t errstr_size);

/* The monitor.status event of an account (key: account id) into *out; caller frees with
 * monitor_publish_free. Used by commands_apply and the heartbeat. */
void commands_status_event(const account_state_t *s, monitor_publish_t *out);

void monitor_publish_free(monitor_publish_t *p);
void monitor_publish_list_free(monitor_publish_list_t *l);

#endif
