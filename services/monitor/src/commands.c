/* monitor.start / monitor.stop / message.send (see commands.h). */
#include "commands.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/event.h"
#include "common/log.h"
#include "common/xmalloc.h"
#include "owner.h"

#define SOURCE "monitor"
#define PUBLISH_TIMEOUT_MS 10000

static char *encode(const char *key, const char *type, cJSON *data)
{
    char *payload = event_encode(SOURCE, type, key, NULL, data);
    if (!payload)
        abort(); /* event_encode fails only on out-of-memory for a well-formed object */
    return payload;
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
    out->key = xstrdup(key);
    out->payload = encode(key, EV_MONITOR_STATUS, monitor_event_build(&ev));
    out->len = strlen(out->payload);
}

void monitor_publish_free(monitor_publish_t *p)
{
    if (!p)
        return;
    free(p->key);
    free(p->payload);
    memset(p, 0, sizeof(*p));
}

static handle_result_t produce(commands_ctx_t *c, const char *key, const char *payload,
                               char *errstr, size_t errstr_size)
{
    if (kafka_produce_sync(c->producer, TOPIC_MONITOR_EVENTS, key, payload, strlen(payload),
                           PUBLISH_TIMEOUT_MS, errstr, errstr_size) != 0)
        return HANDLE_RETRY;
    return HANDLE_OK;
}

/* start/stop: change what runs here first (without the publish lock: stopping joins a
 * worker that may be publishing), then report the account's state. */
static handle_result_t start_stop(commands_ctx_t *c, const kafka_message_t *msg, bool start,
                                  int64_t account_id, char *errstr, size_t errstr_size)
{
    if (start)
        owner_start(c->owner, account_id, msg->partition);
    else
        owner_stop(c->owner, account_id);
    account_state_t st;
    monitor_publish_t pub;
    pthread_mutex_lock(c->publish_mu);
    accounts_get(c->accounts, account_id, &st);
    commands_status_event(&st, &pub);
    handle_result_t r = produce(c, pub.key, pub.payload, errstr, errstr_size);
    pthread_mutex_unlock(c->publish_mu);
    monitor_publish_free(&pub);
    return r;
}

/* message.send for an account that does not run here: the api shows why. */
static handle_result_t not_running(commands_ctx_t *c, const monitor_command_t *cmd, char *errstr,
                                   size_t errstr_size)
{
    account_state_t st;
    accounts_get(c->accounts, cmd->account_id, &st);
    monitor_event_t fe;
    memset(&fe, 0, sizeof(fe));
    status_fill(&st, &fe);
    fe.status.last_error = "not_running: the account's inbox is not being watched (start it "
                           "first: monitor.start)";
    fe.message_id = cmd->message_id;
    fe.has_thread = true;
    fe.thread.id = cmd->thread_id;
    char *payload = encode(cmd->thread_id, EV_MESSAGE_SEND_FAILED, monitor_event_build(&fe));
    handle_result_t r = produce(c, cmd->thread_id, payload, errstr, errstr_size);
    free(payload);
    return r;
}

handle_result_t commands_handle(const kafka_message_t *msg, void *ctx, char *errstr,
                                size_t errstr_size)
{
    commands_ctx_t *c = ctx;
    event_t ev;
    monitor_command_t cmd;
    memset(&cmd, 0, sizeof(cmd));
    if (event_decode(msg->payload, msg->len, &ev, errstr, errstr_size) != 0)
        return HANDLE_DROP;
    handle_result_t r = HANDLE_DROP;
    if (monitor_command_parse(ev.type, ev.data, &cmd, errstr, errstr_size) != 0)
        goto done;
    if (strcmp(ev.type, EV_MESSAGE_SEND) != 0) {
        bool start = strcmp(ev.type, EV_MONITOR_START) == 0;
        r = start_stop(c, msg, start, cmd.account_id, errstr, errstr_size);
        if (r == HANDLE_OK)
            LOG_MSG(msg, INFO, "%s account %lld", ev.type, (long long)cmd.account_id);
        goto done;
    }
    char where[192];
    kafka_message_context(msg, where, sizeof(where));
    if (owner_send(c->owner, cmd.account_id, &cmd, msg->token, where)) {
        r = HANDLE_DEFERRED;
        goto done;
    }
    r = not_running(c, &cmd, errstr, errstr_size);
    if (r == HANDLE_OK)
        LOG_MSG(msg, WARN, "message.send for account %lld, which does not run here",
                (long long)cmd.account_id);
done:
    monitor_command_free(&cmd);
    event_free(&ev);
    return r;
}
