/* monitor.desired and the monitor switch commands (see account_desired.h). */
#include "domain/account_desired.h"

#include <inttypes.h>
#include <stdio.h>

#include "common/event.h"
#include "outbox.h"

#ifndef TOPIC_MONITOR_DESIRED
#define TOPIC_MONITOR_DESIRED "bb.monitor.desired"
#endif
#ifndef EV_MONITOR_DESIRED
#define EV_MONITOR_DESIRED "monitor.desired"
#endif

/* The event's data (contract 1). */
static cJSON *desired_data(const account_row_t *acc, const responder_settings_t *s)
{
    cJSON *d = cJSON_CreateObject(), *pacing = cJSON_CreateObject(), *caps = cJSON_CreateObject();
    cJSON_AddNumberToObject(d, "account_id", (double)acc->id);
    cJSON_AddStringToObject(d, "platform", acc->platform);
    cJSON_AddStringToObject(d, "label", acc->label);
    cJSON_AddBoolToObject(d, "running", acc->monitoring);
    if (acc->browser_profile[0])
        cJSON_AddStringToObject(d, "browser_profile", acc->browser_profile);
    else
        cJSON_AddNullToObject(d, "browser_profile");
    for (size_t i = 0; i < settings_nint_fields; i++) {
        const settings_int_field_t *f = &settings_int_fields[i];
        int v = *(const int *)((const char *)s + f->offset);
        cJSON_AddNumberToObject(f->group[0] == 'p' ? pacing : caps, f->name, v);
    }
    if (s->quiet_start[0]) {
        cJSON_AddStringToObject(caps, "quiet_start", s->quiet_start);
        cJSON_AddStringToObject(caps, "quiet_end", s->quiet_end);
    } else {
        cJSON_AddNullToObject(caps, "quiet_start");
        cJSON_AddNullToObject(caps, "quiet_end");
    }
    cJSON_AddStringToObject(caps, "timezone", s->timezone);
    cJSON_AddItemToObject(d, "pacing", pacing);
    cJSON_AddItemToObject(d, "caps", caps);
    return d;
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
    }
    PQclear(ids);
    return rc;
}
