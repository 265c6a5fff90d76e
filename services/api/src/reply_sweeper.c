/* The reply sweeper (see reply_sweeper.h). */
#include "reply_sweeper.h"

#include <pthread.h>
#include <stdio.h>
#include <string.h>

#include "app.h"
#include "common/log.h"
#include "common/util.h"
#include "domain/reply.h"

/* How often to look: a quarter of the timeout, at most every 5 s, at least every 1 s. */
static int64_t sweep_interval_ms(long long timeout_s)
{
    int64_t ms = timeout_s * 1000 / 4;
    return ms > 5000 ? 5000 : ms < 1000 ? 1000 : ms;
}

static void *sweeper_main(void *arg)
{
    struct app *app = arg;
    int64_t interval = sweep_interval_ms(app->cfg.reply_timeout_s);
    while (!app->workers_stop) {
        util_sleep_ms(interval, &app->workers_stop);
        if (app->workers_stop)
            break;
        cmd_result_t r;
        memset(&r, 0, sizeof(r));
        int n = reply_sweep(app, (int)app->cfg.reply_timeout_s, &r);
        if (n < 0)
            LOG_WARN("reply sweep: %s%s%s", r.detail, r.cause.msg[0] ? ": " : "", r.cause.msg);
        else if (n > 0)
            LOG_WARN("reply sweep: %d conversation(s) got no draft within %llds: handed to the "
                     "seller",
                     n, app->cfg.reply_timeout_s);
    }
    return NULL;
}

int reply_sweeper_start(struct app *app, char *errstr, size_t errstr_size)
{
    int err = pthread_create(&app->sweeper_thread, NULL, sweeper_main, app);
    if (err != 0) {
        snprintf(errstr, errstr_size, "reply sweeper thread: %s", strerror(err));
        return -1;
    }
    app->sweeper_started = true;
    return 0;
}

void reply_sweeper_join(struct app *app)
{
    if (app->sweeper_started) {
        pthread_join(app->sweeper_thread, NULL);
        app->sweeper_started = false;
    }
}
