/* One message.send carried out by its account's worker (see worker_internal.h): caps and
 * quiet hours first, then the bubble check (a redelivered command was maybe sent already),
 * then type, send and verify; the result event is acknowledged before the command's offset
 * may be stored. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "common/log.h"
#include "common/metrics.h"
#include "common/util.h"
#include "common/xmalloc.h"
#include "worker_internal.h"

typedef struct {
    bool sent;
    char fingerprint[65]; /* of the verified bubble, "" when unknown */
    bool already;         /* the bubble was there before typing (a redelivery) */
    char reason[1200];    /* when !sent */
} send_outcome_t;

/* The thread as scan_msg_t (pointing into msgs); free the array only. */
static scan_msg_t *scan_view(const inbox_messages_t *msgs)
{
    scan_msg_t *sm = xcalloc(msgs->n ? msgs->n : 1, sizeof(*sm));
    for (size_t i = 0; i < msgs->n; i++)
        sm[i] = (scan_msg_t){inbox_from_name(msgs->items[i].from), msgs->items[i].text,
                             msgs->items[i].at};
    return sm;
}

/* The command's occurrence, or -1 when it carries none. */
static int64_t occurrence_of(const send_job_t *j)
{
    return j->cmd.has_occurrence ? j->cmd.occurrence : -1;
}

static void fingerprint_of(const send_job_t *j, const inbox_messages_t *msgs, char out[65])
{
    scan_msg_t *sm = scan_view(msgs);
    if (!scan_sent_fingerprint(j->cmd.thread_id, sm, msgs->n, j->cmd.text, occurrence_of(j), out))
        out[0] = '\0';
    free(sm);
}

/* Whether the send is done already (seen.h: scan_send_done); trailing is the old check's
 * answer (inbox_already_sent), used when the command carries no occurrence. */
static bool send_done(const send_job_t *j, const inbox_messages_t *msgs, bool trailing)
{
    scan_msg_t *sm = scan_view(msgs);
    bool done = scan_send_done(sm, msgs->n, j->cmd.text, occurrence_of(j), trailing);
    free(sm);
    return done;
}

/* The caps of the account at this moment; false with the reason when they forbid a send. */
static bool caps_allow(account_worker_t *w, char *day, char *reason, size_t reason_size)
{
    monitor_desired_t d;
    worker_desired(w, &d);
    int minute = 0;
    char err[256];
    bool ok = true;
    if (caps_local(d.has_caps ? d.caps.timezone : NULL, time(NULL), &minute, day, err,
                   sizeof(err)) != 0) {
        snprintf(reason, reason_size, "bad_caps: %s", err);
        ok = false;
    } else if (caps_check(d.has_caps ? &d.caps : NULL, &w->sent_today, day, minute, reason,
                          reason_size) != CAPS_OK) {
        ok = false;
    }
    monitor_desired_free(&d);
    return ok;
}

static void execute(account_worker_t *w, const send_job_t *j, send_outcome_t *o)
{
    char day[11];
    inbox_error_t err;
    inbox_messages_t msgs = {0};
    memset(o, 0, sizeof(*o));
    memset(&msgs, 0, sizeof(msgs));
    if (!caps_allow(w, day, o->reason, sizeof(o->reason)))
        return;
    if (!worker_ensure_open(w, o->reason, sizeof(o->reason)))
        return;
    bool there = false;
    if (inbox_already_sent(w->ib, j->cmd.thread_id, NULL, j->cmd.text, &there, &msgs, &err) != 0) {
        worker_inbox_error(w, &err, "look for the bubble", o->reason, sizeof(o->reason));
        return;
    }
    if (send_done(j, &msgs, there)) {
        o->sent = o->already = true;
    } else {
        inbox_messages_free(&msgs);
        if (inbox_send(w->ib, j->cmd.thread_id, NULL, j->cmd.text, &msgs, &err) != 0) {
            worker_inbox_error(w, &err, "send", o->reason, sizeof(o->reason));
            return;
        }
        o->sent = true;
        caps_count(&w->sent_today, day);
    }
    fingerprint_of(j, &msgs, o->fingerprint);
    inbox_messages_free(&msgs);
}

/* Publishes the outcome; returns 0 once the broker has it. */
static int publish_outcome(account_worker_t *w, const send_job_t *j, const send_outcome_t *o)
{
    monitor_event_t e = {
        .account_id = w->account_id,
        .message_id = j->cmd.message_id,
        .has_thread = true,
        .thread = {.id = j->cmd.thread_id},
    };
    char at[32];
    if (o->sent) {
        util_time_rfc3339(at);
        e.has_message = true;
        e.message.fingerprint = o->fingerprint[0] ? (char *)o->fingerprint : NULL;
        e.message.text = j->cmd.text;
        e.message.sent_at = at;
        e.message.from = "seller";
        return worker_publish(w, j->cmd.thread_id, EV_MESSAGE_SENT, &e);
    }
    account_state_t st;
    accounts_get(w->deps.accounts, w->account_id, &st);
    e.has_status = true;
    e.status.running = st.running;
    e.status.cycle = st.cycle;
    e.status.login_required = st.login_required;
    e.status.last_error = (char *)o->reason;
    return worker_publish(w, j->cmd.thread_id, EV_MESSAGE_SEND_FAILED, &e);
}

static void run_one(account_worker_t *w, send_job_t *j)
{
    send_outcome_t o;
    execute(w, j, &o);
    if (!o.sent && strncmp(o.reason, "interrupted", 11) == 0) {
        /* Stopping: no verdict; the next owner of the partition redelivers the command. */
        kafka_consumer_complete(*w->deps.consumer, j->token, HANDLE_RETRY, o.reason);
        return;
    }
    if (o.sent)
        w->activity = true;
    if (publish_outcome(w, j, &o) != 0) {
        /* Redelivered later: the bubble check then reports it without typing again. */
        kafka_consumer_complete(*w->deps.consumer, j->token, HANDLE_RETRY,
                                "result event not delivered");
        return;
    }
    char name[96];
    snprintf(name, sizeof(name), "bb_monitor_sends_total{result=\"%s\"}",
             !o.sent     ? "failed"
             : o.already ? "already_sent"
                         : "sent");
    metrics_inc(metrics_counter(name, "message.send commands by result"), 1);
    if (o.sent)
        LOG_CTX(j->where, INFO, "account %lld: message %lld %s in thread %s",
                (long long)w->account_id, (long long)j->cmd.message_id,
                o.already ? "was already sent (bubble found)" : "sent", j->cmd.thread_id);
    else
        LOG_CTX(j->where, WARN, "account %lld: message %lld not sent: %s", (long long)w->account_id,
                (long long)j->cmd.message_id, o.reason);
    kafka_consumer_complete(*w->deps.consumer, j->token, HANDLE_OK, NULL);
}

void worker_run_sends(account_worker_t *w)
{
    for (;;) {
        pthread_mutex_lock(&w->mu);
        send_job_t *j = w->stop ? NULL : w->head;
        if (j) {
            w->head = j->next;
            if (!w->head)
                w->tail = NULL;
        }
        pthread_mutex_unlock(&w->mu);
        if (!j)
            return;
        run_one(w, j);
        monitor_command_free(&j->cmd);
        free(j);
    }
}
