/* The reply sweeper: a thread that, every few seconds, hands to the seller the
 * conversations whose reply request got no draft within REPLY_TIMEOUT_S (the responder is
 * down, or dropped the request as invalid), so a buyer message never waits unanswered and
 * unseen (domain/reply.c reply_sweep). */
#ifndef API_REPLY_SWEEPER_H
#define API_REPLY_SWEEPER_H

#include <stddef.h>

struct app;

/* Starts the thread; it runs until app->workers_stop. Returns 0 or -1 (errstr). */
int reply_sweeper_start(struct app *app, char *errstr, size_t errstr_size)
    __attribute__((warn_unused_result));

/* Joins the thread. Accepts a sweeper that never started. */
void reply_sweeper_join(struct app *app);

#endif
