/* monitor.desired and the monitor switch commands (see account_desired.h). */
#include "domain/account_desired.h"

#include <inttypes.h>
#include <stdio.h>

#include "common/event.h"
#include "outbox.h"

/* The event (contract 1): built by libs/common, the monitor parses it with the same module. */
static cJSON *desired_data(const account_row_t *acc, const responder_settings_t *s)
{
    monitor_desired_t d = {
        .account_id = acc->id,
        .platform = (char *)acc->platform,
        .label = (char *)acc->label,
        .running = acc->monitoring,
        .browser_profile = acc->browser_profile[0] ? (char *)acc->browser_profile : NULL,
        .has_pacing = true,
        .pacing = {s->active_min_ms, s->active_max_ms, s->idle_min_ms, s->idle_max_ms,
                   s->break_every_cycles, s->break_min_ms, s->break_max_ms},
        .has_caps = true,
        .caps = {.max_sends_per_day = s->max_sends_per_day,
                 .quiet_start = s->quiet_start[0] ? (char *)s->quiet_start : NULL,
                 .quiet_end = s->quiet_end[0] ? (char *)s->quiet_end : NULL,
                 .timezone = (char *)s->timezone},
    };
    return monitor_desired_build(&d);
}

int account_desired_enqueue(PGconn *pg, const account_row_t *acc, const responder_settings_t *s,
                            store_err_t *err)
{
    char id[24];
    snprintf(id, sizeof(id), "%" PRId64, acc->id);
    return outbox_enqueue(pg, TOPIC_MONITOR_DESIRED, id, EV_MONITOR_DESIRED, id,
                          desired_data(acc, s), NULL, err->msg, sizeof(err->msg));
}

int account_command_enqueue(PGconn *pg, int64_t id, bool start, store_err_t *err)
{
    char key[24];
    snprintf(key, sizeof(key), "%" PRId64, id);
    monitor_command_t cmd = {.account_id = id};
    return outbox_enqueue(pg, TOPIC_MONITOR_COMMANDS, key,
                          start ? EV_MONITOR_START : EV_MONITOR_STOP, key,
                          monitor_command_build(&cmd), NULL, err->msg, sizeof(err->msg));
}

int account_desired_enqueue_all(PGconn *pg, const responder_settings_t *s, store_err_t *err)
{
    PGresult *ids = account_store_ids(pg, err);
    if (!ids)
        return -1;
    int rc = 0;
    for (int i = 0; i < PQntuples(ids) && rc == 0; i++) {
        account_row_t acc;
        int found = account_store_find(pg, row_i64(ids, i, "id"), false, false, &acc, err);
        if (found < 0)
            rc = -1;
        else if (found)
            rc = account_desired_enqueue(pg, &acc, s, err);
        /* a running monitor picks new pacing/caps up on monitor.start (idempotent) */
        if (rc == 0 && found > 0 && acc.monitoring)
            rc = account_command_enqueue(pg, acc.id, true, err);
    }
    PQclear(ids);
    return rc;
}
