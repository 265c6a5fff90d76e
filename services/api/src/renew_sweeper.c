/* The renew sweeper (see renew_sweeper.h). */
#include "renew_sweeper.h"

#include <pthread.h>
#include <stdio.h>
#include <string.h>

#include "app.h"
#include "common/log.h"
#include "common/util.h"
#include "domain/job_renew.h"

static void *renew_sweeper_main(void *arg)
{
    struct app *app = arg;
    while (!app->workers_stop) {
        util_sleep_ms(app->cfg.renew_sweep_s * 1000, &app->workers_stop);
        if (app->workers_stop)
            break;
        cmd_result_t r;
        memset(&r, 0, sizeof(r));
        int n = renew_sweep(app, &r);
        if (n < 0)
            LOG_WARN("renew sweep: %s%s%s", r.detail, r.cause.msg[0] ? ": " : "", r.cause.msg);
        else if (n > 0)
            LOG_INFO("renew sweep: %d posting(s) due for a renew", n);
    }
    return NULL;
}

int renew_sweeper_start(struct app *app, char *errstr, size_t errstr_size)
{
    int err = pthread_create(&app->renew_sweeper_thread, NULL, renew_sweeper_main, app);
    if (err != 0) {
        snprintf(errstr, errstr_size, "renew sweeper thread: %s", strerror(err));
        return -1;
    }
    app->renew_sweeper_started = true;
    return 0;
}

void renew_sweeper_join(struct app *app)
{
    if (app->renew_sweeper_started) {
        pthread_join(app->renew_sweeper_thread, NULL);
        app->renew_sweeper_started = false;
    }
}
