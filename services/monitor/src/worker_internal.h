/* The state an account worker's modules share (account_worker.c: the thread, its queue and
 * waits; worker_poll.c: a poll cycle; worker_send.c: one message.send). Private to them. */
#ifndef MONITOR_WORKER_INTERNAL_H
#define MONITOR_WORKER_INTERNAL_H

#include <signal.h>

#include "account_worker.h"
#include "caps.h"
#include "seen.h"

typedef struct send_job {
    monitor_command_t cmd;
    void *token;
    char where[192];
    struct send_job *next;
} send_job_t;

struct account_worker {
    worker_deps_t deps;
    int64_t account_id;
    int32_t partition;
    pthread_t thread;
    pthread_mutex_t mu; /* guards desired and the queue */
    pthread_cond_t cv;
    monitor_desired_t desired;
    send_job_t *head, *tail;
    bool reopen; /* the platform or profile changed: a new session before the next call */
    volatile sig_atomic_t stop;
    /* the thread's own */
    inbox_t *ib;
    seen_t *seen;
    caps_counter_t sent_today;
    int64_t cycle;
    bool activity;              /* the current cycle saw a new message or sent one */
    int64_t retry_ms;           /* current backoff of a failed open or a login wall */
    int64_t retry_at_ms;        /* no browser before this time (0: now) */
    int64_t step_back_until_ms; /* the profile was handed to a waiting posting job until then */
    int consecutive_errors;     /* failed cycles in a row: the session is reopened after a few */
    unsigned rng;
};

/* A copy of the desired state the thread works with (free with monitor_desired_free). */
void worker_desired(account_worker_t *w, monitor_desired_t *out);

/* Opens the inbox when it is not open and no backoff is running. Returns true when open;
 * otherwise why into reason (for a send_failed). */
bool worker_ensure_open(account_worker_t *w, char *reason, size_t reason_size);

/* Closes the session (the profile lock goes with it). */
void worker_close(account_worker_t *w);

/* After a cycle: when a posting job waits for the account's profile, closes the session so it
 * gets the profile; the next open waits for it to be free again. */
void worker_yield_profile(account_worker_t *w);

/* Records an inbox error: status, backoff, closing the session when it is gone. Writes the
 * reason the api shows ("<code>: <message>") into reason. */
void worker_inbox_error(account_worker_t *w, const inbox_error_t *err, const char *what,
                        char *reason, size_t reason_size);

/* Publishes the account's monitor.status now (after a change of error or login wall). */
void worker_publish_status(account_worker_t *w);

/* Publishes one event on bb.monitor.events and waits for the broker. Returns 0 or -1. */
int worker_publish(account_worker_t *w, const char *key, const char *type,
                   const monitor_event_t *e);

/* Carries out the queued sends. */
void worker_run_sends(account_worker_t *w);

/* One poll cycle: list the threads, read the changed ones, publish the new messages. */
void worker_poll(account_worker_t *w);

#endif
