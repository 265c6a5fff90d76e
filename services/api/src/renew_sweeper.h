/* The renew sweeper: a thread that, every RENEW_SWEEP_S seconds, gives each live posting that
 * its account's renew_after_days says is stale a renew job (domain/job_renew.c renew_sweep),
 * so a Facebook listing is renewed instead of sinking, up to the marketplace's 5 renewals. */
#ifndef API_RENEW_SWEEPER_H
#define API_RENEW_SWEEPER_H

#include <stddef.h>

struct app;

/* Starts the thread; it runs until app->workers_stop. Returns 0 or -1 (errstr). */
int renew_sweeper_start(struct app *app, char *errstr, size_t errstr_size)
    __attribute__((warn_unused_result));

/* Joins the thread. Accepts a sweeper that never started. */
void renew_sweeper_join(struct app *app);

#endif
