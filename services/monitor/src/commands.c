/* monitor.start / monitor.stop / message.send as decisions on the account registry plus the
 * events that report them (see commands.h). */
#include "commands.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/event.h"
#include "common/xmalloc.h"

#define SOURCE "monitor"

static void publish_set(monitor_publish_t *p, const char *key, const char *type, cJSON *data)
{
    p->key = xstrdup(key);
    p->payload = event_encode(SOURCE, type, key, NULL, data);
    if (!p->payload)
        abort(); /* event_encode fails only on out-of-memory for a well-formed object */
    p->len = strlen(p->payload);
}

/* The status section as the monitor.status event and message.send_failed carry it. */
static void status_fill(const account_state_t *s, monitor_event_t *ev)
{
    ev->account_id = s->account_id;
    ev->has_status = true;
    ev->status.running = s->running;
    ev->status.cycle = s->cycle;
    ev->status.last_poll_at = s->last_poll_at[0] ? (char *)s->last_poll_at : NULL;
    ev->status.last_error = s->last_error[0] ? (char *)s->last_error : NULL;
    ev->status.login_required = s->login_required;
}

void commands_status_event(const account_state_t *s, monitor_publish_t *out)
{
    monitor_event_t ev;
    char key[24];
    memset(&ev, 0, sizeof(ev));
    status_fill(s, &ev);
    snprintf(key, sizeof(key), "%lld", (long long)s->account_id);
    publish_set(out, key, EV_MONITOR_STATUS, monitor_event_build(&ev));
}

handle_result_t commands_apply(accounts_t *accounts, const void *payload, size_t len,
                               monitor_publish_list_t *out, char *errstr, size_t errstr_size)
{
    event_t ev;
    monitor_command_t cmd;
    handle_result_t r = HANDLE_DROP;
    bool have_ev = false, have_cmd = false;

    memset(out, 0, sizeof(*out));
    memset(&cmd, 0, sizeof(cmd));
    if (event_decode(payload, len, &ev, errstr, errstr_size) != 0)
        goto cleanup;
    have_ev = true;
    snprintf(out->type, sizeof(out->type), "%s", ev.type);
    if (monitor_command_parse(ev.type, ev.data, &cmd, errstr, errstr_size) != 0)
        goto cleanup;
    have_cmd = true;
    out->account_id = cmd.account_id;

    account_state_t st;
    if (strcmp(ev.type, EV_MESSAGE_SEND) == 0) {
        /* No inbox driver yet (it comes with the inbox watcher issue): report the failure
         * so the api marks the message failed instead of waiting for it forever. */
        accounts_get(accounts, cmd.account_id, &st);
        monitor_event_t fe;
        memset(&fe, 0, sizeof(fe));
        status_fill(&st, &fe);
        fe.status.last_error = MONITOR_NO_INBOX_DRIVER;
        fe.message_id = cmd.message_id;
        fe.has_thread = true;
        fe.thread.id = cmd.thread_id;
        publish_set(&out->items[out->n++], cmd.thread_id, EV_MESSAGE_SEND_FAILED,
                    monitor_event_build(&fe));
    } else {
        /* monitor.start / monitor.stop (monitor_command_parse refused anything else) */
        accounts_set_running(accounts, cmd.account_id, strcmp(ev.type, EV_MONITOR_START) == 0, &st);
        commands_status_event(&st, &out->items[out->n++]);
    }
    r = HANDLE_OK;
cleanup:
    if (have_cmd)
        monitor_command_free(&cmd);
    if (have_ev)
        event_free(&ev);
    return r;
}

void monitor_publish_free(monitor_publish_t *p)
{
    if (!p)
        return;
    free(p->key);
    free(p->payload);
    memset(p, 0, sizeof(*p));
}

void monitor_publish_list_free(monitor_publish_list_t *l)
{
    if (!l)
        return;
    for (size_t i = 0; i < l->n; i++)
        monitor_publish_free(&l->items[i]);
    l->n = 0;
}
