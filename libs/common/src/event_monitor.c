/* Payloads of bb.monitor.commands (monitor.start, monitor.stop, message.send) and
 * bb.monitor.events (message.received/sent/send_failed, monitor.status) (see event.h). */
#include "common/event.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int positive(const char *field, int64_t v, char *errstr, size_t errstr_size)
{
    if (v > 0)
        return 0;
    snprintf(errstr, errstr_size, "%s: must be a positive integer", field);
    return -1;
}

/* ---- commands --------------------------------------------------------------------------- */

cJSON *monitor_command_build(const monitor_command_t *e)
{
    cJSON *data = cJSON_CreateObject();
    ev_add_int64(data, F_ACCOUNT_ID, e->account_id, false);
    if (e->message_id)
        ev_add_int64(data, F_MESSAGE_ID, e->message_id, false);
    if (e->thread_id)
        cJSON_AddStringToObject(data, F_THREAD_ID, e->thread_id);
    if (e->text)
        cJSON_AddStringToObject(data, F_TEXT, e->text);
    if (e->has_occurrence)
        ev_add_int64(data, F_OCCURRENCE, e->occurrence, false);
    return data;
}

int monitor_command_parse(const char *type, const cJSON *data, monitor_command_t *e, char *errstr,
                          size_t errstr_size)
{
    memset(e, 0, sizeof(*e));
    bool send = type && strcmp(type, EV_MESSAGE_SEND) == 0;
    if (!send &&
        !(type && (strcmp(type, EV_MONITOR_START) == 0 || strcmp(type, EV_MONITOR_STOP) == 0))) {
        snprintf(errstr, errstr_size, "type: unknown monitor command \"%s\"", type ? type : "");
        goto fail;
    }
    if (ev_get_int64(data, F_ACCOUNT_ID, true, &e->account_id, errstr, errstr_size) < 0 ||
        positive(F_ACCOUNT_ID, e->account_id, errstr, errstr_size) < 0 ||
        ev_get_int64(data, F_MESSAGE_ID, send, &e->message_id, errstr, errstr_size) < 0 ||
        ev_get_string(data, F_THREAD_ID, send, &e->thread_id, errstr, errstr_size) < 0 ||
        ev_get_string(data, F_TEXT, send, &e->text, errstr, errstr_size) < 0)
        goto fail;
    if (send && (positive(F_MESSAGE_ID, e->message_id, errstr, errstr_size) < 0))
        goto fail;
    if (send && (!e->thread_id[0] || !e->text[0])) {
        snprintf(errstr, errstr_size, "%s: empty", !e->thread_id[0] ? F_THREAD_ID : F_TEXT);
        goto fail;
    }
    /* Optional: commands enqueued before the field have none (unknown). */
    e->has_occurrence = send && cJSON_GetObjectItemCaseSensitive(data, F_OCCURRENCE) &&
                        !cJSON_IsNull(cJSON_GetObjectItemCaseSensitive(data, F_OCCURRENCE));
    if (e->has_occurrence &&
        ev_get_int64(data, F_OCCURRENCE, true, &e->occurrence, errstr, errstr_size) < 0)
        goto fail;
    if (e->has_occurrence && e->occurrence < 0) {
        snprintf(errstr, errstr_size, "%s: must be >= 0", F_OCCURRENCE);
        goto fail;
    }
    return 0;
fail:
    monitor_command_free(e);
    return -1;
}

void monitor_command_free(monitor_command_t *e)
{
    if (!e)
        return;
    free(e->thread_id);
    free(e->text);
    memset(e, 0, sizeof(*e));
}

/* ---- events ----------------------------------------------------------------------------- */

cJSON *monitor_event_build(const monitor_event_t *e)
{
    cJSON *data = cJSON_CreateObject();
    ev_add_int64(data, F_ACCOUNT_ID, e->account_id, false);
    if (e->message_id)
        ev_add_int64(data, F_MESSAGE_ID, e->message_id, false);
    if (e->has_thread) {
        cJSON *t = cJSON_AddObjectToObject(data, F_THREAD);
        ev_add_string(t, F_ID, e->thread.id);
        ev_add_string(t, F_URL, e->thread.url);
        ev_add_string(t, F_LISTING_HINT, e->thread.listing_hint);
    }
    if (e->has_buyer) {
        cJSON *b = cJSON_AddObjectToObject(data, F_BUYER);
        ev_add_string(b, F_ID, e->buyer.id);
        ev_add_string(b, F_NAME, e->buyer.name);
    }
    if (e->has_message) {
        cJSON *m = cJSON_AddObjectToObject(data, F_MESSAGE);
        ev_add_string(m, F_FINGERPRINT, e->message.fingerprint);
        ev_add_string(m, F_TEXT, e->message.text);
        ev_add_string(m, F_SENT_AT, e->message.sent_at);
        ev_add_string(m, F_FROM, e->message.from);
    }
    if (e->has_status) {
        cJSON *s = cJSON_AddObjectToObject(data, F_STATUS);
        cJSON_AddBoolToObject(s, F_RUNNING, e->status.running);
        ev_add_int64(s, F_CYCLE, e->status.cycle, false);
        ev_add_string(s, F_LAST_POLL_AT, e->status.last_poll_at);
        ev_add_string(s, F_LAST_ERROR, e->status.last_error);
        cJSON_AddBoolToObject(s, F_LOGIN_REQUIRED, e->status.login_required);
    }
    return data;
}

/* What each event type requires beyond account_id. */
typedef struct {
    const char *type;
    bool message_id, thread, message, status;
} monitor_event_rule_t;

static const monitor_event_rule_t rules[] = {
    {EV_MESSAGE_RECEIVED, false, true, true, false},
    {EV_MESSAGE_SENT, true, true, true, false},
    {EV_MESSAGE_SEND_FAILED, true, false, false, true},
    {EV_MONITOR_STATUS, false, false, false, true},
};

int monitor_event_parse(const char *type, const cJSON *data, monitor_event_t *e, char *errstr,
                        size_t errstr_size)
{
    static const char *const senders[] = {"buyer", "seller", NULL};
    const monitor_event_rule_t *rule = NULL;
    const cJSON *t = NULL, *b = NULL, *m = NULL, *s = NULL;

    memset(e, 0, sizeof(*e));
    for (size_t i = 0; type && i < sizeof(rules) / sizeof(rules[0]); i++)
        if (strcmp(type, rules[i].type) == 0)
            rule = &rules[i];
    if (!rule) {
        snprintf(errstr, errstr_size, "type: unknown monitor event \"%s\"", type ? type : "");
        goto fail;
    }
    if (ev_get_int64(data, F_ACCOUNT_ID, true, &e->account_id, errstr, errstr_size) < 0 ||
        positive(F_ACCOUNT_ID, e->account_id, errstr, errstr_size) < 0 ||
        ev_get_int64(data, F_MESSAGE_ID, rule->message_id, &e->message_id, errstr, errstr_size) <
            0 ||
        ev_get_object(data, F_THREAD, rule->thread, &t, errstr, errstr_size) < 0 ||
        ev_get_object(data, F_BUYER, false, &b, errstr, errstr_size) < 0 ||
        ev_get_object(data, F_MESSAGE, rule->message, &m, errstr, errstr_size) < 0 ||
        ev_get_object(data, F_STATUS, rule->status, &s, errstr, errstr_size) < 0)
        goto fail;
    if (t) {
        e->has_thread = true;
        if (ev_get_string(t, F_ID, true, &e->thread.id, errstr, errstr_size) < 0 ||
            ev_get_string(t, F_URL, false, &e->thread.url, errstr, errstr_size) < 0 ||
            ev_get_string(t, F_LISTING_HINT, false, &e->thread.listing_hint, errstr, errstr_size) <
                0) {
            ev_errstr_prefix(errstr, errstr_size, F_THREAD);
            goto fail;
        }
    }
    if (b) {
        e->has_buyer = true;
        if (ev_get_string(b, F_ID, false, &e->buyer.id, errstr, errstr_size) < 0 ||
            ev_get_string(b, F_NAME, false, &e->buyer.name, errstr, errstr_size) < 0) {
            ev_errstr_prefix(errstr, errstr_size, F_BUYER);
            goto fail;
        }
    }
    if (m) {
        e->has_message = true;
        /* A received message is identified by its fingerprint; a sent one may not have one. */
        bool received = strcmp(type, EV_MESSAGE_RECEIVED) == 0;
        if (ev_get_string(m, F_FINGERPRINT, received, &e->message.fingerprint, errstr,
                          errstr_size) < 0 ||
            ev_get_string(m, F_TEXT, true, &e->message.text, errstr, errstr_size) < 0 ||
            ev_get_string(m, F_SENT_AT, false, &e->message.sent_at, errstr, errstr_size) < 0 ||
            ev_get_string(m, F_FROM, false, &e->message.from, errstr, errstr_size) < 0) {
            ev_errstr_prefix(errstr, errstr_size, F_MESSAGE);
            goto fail;
        }
        if (e->message.from) {
            bool ok = false;
            for (size_t i = 0; senders[i]; i++)
                ok = ok || strcmp(e->message.from, senders[i]) == 0;
            if (!ok) {
                snprintf(errstr, errstr_size, F_MESSAGE "." F_FROM ": expected buyer or seller");
                goto fail;
            }
        }
    }
    if (s) {
        e->has_status = true;
        /* send_failed carries only the error; monitor.status carries the whole state. */
        bool full = strcmp(type, EV_MONITOR_STATUS) == 0;
        if (ev_get_bool(s, F_RUNNING, full, &e->status.running, errstr, errstr_size) < 0 ||
            ev_get_int64(s, F_CYCLE, full, &e->status.cycle, errstr, errstr_size) < 0 ||
            ev_get_string(s, F_LAST_POLL_AT, false, &e->status.last_poll_at, errstr, errstr_size) <
                0 ||
            ev_get_string(s, F_LAST_ERROR, !full, &e->status.last_error, errstr, errstr_size) < 0 ||
            ev_get_bool(s, F_LOGIN_REQUIRED, full, &e->status.login_required, errstr, errstr_size) <
                0) {
            ev_errstr_prefix(errstr, errstr_size, F_STATUS);
            goto fail;
        }
        if (e->status.cycle < 0) {
            snprintf(errstr, errstr_size, F_STATUS "." F_CYCLE ": must not be negative");
            goto fail;
        }
    }
    return 0;
fail:
    monitor_event_free(e);
    return -1;
}

void monitor_event_free(monitor_event_t *e)
{
    if (!e)
        return;
    free(e->thread.id);
    free(e->thread.url);
    free(e->thread.listing_hint);
    free(e->buyer.id);
    free(e->buyer.name);
    free(e->message.fingerprint);
    free(e->message.text);
    free(e->message.sent_at);
    free(e->message.from);
    free(e->status.last_poll_at);
    free(e->status.last_error);
    memset(e, 0, sizeof(*e));
}
