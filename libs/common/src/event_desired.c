/* monitor.desired on bb.monitor.desired (see event.h): the state a monitor restores for the
 * accounts of its partitions. */
#include "common/event.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

cJSON *monitor_desired_build(const monitor_desired_t *e)
{
    cJSON *data = cJSON_CreateObject();
    ev_add_int64(data, F_ACCOUNT_ID, e->account_id, false);
    ev_add_string(data, F_PLATFORM, e->platform);
    ev_add_string(data, F_LABEL, e->label);
    cJSON_AddBoolToObject(data, F_RUNNING, e->running);
    ev_add_string(data, F_BROWSER_PROFILE, e->browser_profile);
    if (e->has_pacing) {
        const monitor_pacing_t *p = &e->pacing;
        cJSON *o = cJSON_AddObjectToObject(data, F_PACING);
        ev_add_int64(o, F_ACTIVE_MIN_MS, p->active_min_ms, false);
        ev_add_int64(o, F_ACTIVE_MAX_MS, p->active_max_ms, false);
        ev_add_int64(o, F_IDLE_MIN_MS, p->idle_min_ms, false);
        ev_add_int64(o, F_IDLE_MAX_MS, p->idle_max_ms, false);
        ev_add_int64(o, F_BREAK_EVERY_CYCLES, p->break_every_cycles, false);
        ev_add_int64(o, F_BREAK_MIN_MS, p->break_min_ms, false);
        ev_add_int64(o, F_BREAK_MAX_MS, p->break_max_ms, false);
    } else {
        cJSON_AddNullToObject(data, F_PACING);
    }
    if (e->has_caps) {
        cJSON *o = cJSON_AddObjectToObject(data, F_CAPS);
        ev_add_int64(o, F_MAX_SENDS_PER_DAY, e->caps.max_sends_per_day, true);
        ev_add_string(o, F_QUIET_START, e->caps.quiet_start);
        ev_add_string(o, F_QUIET_END, e->caps.quiet_end);
        ev_add_string(o, F_TIMEZONE, e->caps.timezone);
    } else {
        cJSON_AddNullToObject(data, F_CAPS);
    }
    return data;
}

/* Reads a required non-negative millisecond (or count) field of pacing. */
static int pacing_field(const cJSON *o, const char *field, int64_t *out, char *errstr,
                        size_t errstr_size)
{
    if (ev_get_int64(o, field, true, out, errstr, errstr_size) < 0)
        return -1;
    if (*out < 0) {
        snprintf(errstr, errstr_size, "%s: must not be negative", field);
        return -1;
    }
    return 0;
}

static int range(const char *min_field, int64_t min, const char *max_field, int64_t max,
                 char *errstr, size_t errstr_size)
{
    if (min <= max)
        return 0;
    snprintf(errstr, errstr_size, "%s: %lld is below %s (%lld)", max_field, (long long)max,
             min_field, (long long)min);
    return -1;
}

static int parse_pacing(const cJSON *o, monitor_pacing_t *p, char *errstr, size_t errstr_size)
{
    if (pacing_field(o, F_ACTIVE_MIN_MS, &p->active_min_ms, errstr, errstr_size) < 0 ||
        pacing_field(o, F_ACTIVE_MAX_MS, &p->active_max_ms, errstr, errstr_size) < 0 ||
        pacing_field(o, F_IDLE_MIN_MS, &p->idle_min_ms, errstr, errstr_size) < 0 ||
        pacing_field(o, F_IDLE_MAX_MS, &p->idle_max_ms, errstr, errstr_size) < 0 ||
        pacing_field(o, F_BREAK_EVERY_CYCLES, &p->break_every_cycles, errstr, errstr_size) < 0 ||
        pacing_field(o, F_BREAK_MIN_MS, &p->break_min_ms, errstr, errstr_size) < 0 ||
        pacing_field(o, F_BREAK_MAX_MS, &p->break_max_ms, errstr, errstr_size) < 0)
        return -1;
    if (range(F_ACTIVE_MIN_MS, p->active_min_ms, F_ACTIVE_MAX_MS, p->active_max_ms, errstr,
              errstr_size) < 0 ||
        range(F_IDLE_MIN_MS, p->idle_min_ms, F_IDLE_MAX_MS, p->idle_max_ms, errstr, errstr_size) <
            0 ||
        range(F_BREAK_MIN_MS, p->break_min_ms, F_BREAK_MAX_MS, p->break_max_ms, errstr,
              errstr_size) < 0)
        return -1;
    return 0;
}

bool monitor_hhmm_valid(const char *s)
{
    if (!s || strlen(s) != 5 || s[2] != ':' || !isdigit((unsigned char)s[0]) ||
        !isdigit((unsigned char)s[1]) || !isdigit((unsigned char)s[3]) ||
        !isdigit((unsigned char)s[4]))
        return false;
    int h = (s[0] - '0') * 10 + (s[1] - '0');
    int m = (s[3] - '0') * 10 + (s[4] - '0');
    return h < 24 && m < 60;
}

static int parse_caps(const cJSON *o, monitor_caps_t *c, char *errstr, size_t errstr_size)
{
    if (ev_get_int64(o, F_MAX_SENDS_PER_DAY, false, &c->max_sends_per_day, errstr, errstr_size) <
            0 ||
        ev_get_string(o, F_QUIET_START, false, &c->quiet_start, errstr, errstr_size) < 0 ||
        ev_get_string(o, F_QUIET_END, false, &c->quiet_end, errstr, errstr_size) < 0 ||
        ev_get_string(o, F_TIMEZONE, false, &c->timezone, errstr, errstr_size) < 0)
        return -1;
    const cJSON *cap = cJSON_GetObjectItemCaseSensitive(o, F_MAX_SENDS_PER_DAY);
    if (cap && !cJSON_IsNull(cap) && c->max_sends_per_day < 1) {
        snprintf(errstr, errstr_size, F_MAX_SENDS_PER_DAY ": must be at least 1 (null: no cap)");
        return -1;
    }
    if (!c->quiet_start != !c->quiet_end) {
        snprintf(errstr, errstr_size, "%s: required with %s (both or neither)",
                 c->quiet_start ? F_QUIET_END : F_QUIET_START,
                 c->quiet_start ? F_QUIET_START : F_QUIET_END);
        return -1;
    }
    const char *bad = c->quiet_start && !monitor_hhmm_valid(c->quiet_start) ? F_QUIET_START
                      : c->quiet_end && !monitor_hhmm_valid(c->quiet_end)   ? F_QUIET_END
                                                                            : NULL;
    if (bad) {
        snprintf(errstr, errstr_size, "%s: expected \"HH:MM\" (00:00 to 23:59)", bad);
        return -1;
    }
    if (c->timezone && (!c->timezone[0] || strstr(c->timezone, "..") || c->timezone[0] == '/')) {
        snprintf(errstr, errstr_size, F_TIMEZONE ": expected an IANA name such as Europe/Berlin");
        return -1;
    }
    return 0;
}

int monitor_desired_parse(const cJSON *data, monitor_desired_t *e, char *errstr, size_t errstr_size)
{
    const cJSON *pacing = NULL, *caps = NULL;
    memset(e, 0, sizeof(*e));
    if (ev_get_int64(data, F_ACCOUNT_ID, true, &e->account_id, errstr, errstr_size) < 0 ||
        ev_get_string(data, F_PLATFORM, true, &e->platform, errstr, errstr_size) < 0 ||
        ev_get_string(data, F_LABEL, false, &e->label, errstr, errstr_size) < 0 ||
        ev_get_bool(data, F_RUNNING, true, &e->running, errstr, errstr_size) < 0 ||
        ev_get_string(data, F_BROWSER_PROFILE, false, &e->browser_profile, errstr, errstr_size) <
            0 ||
        ev_get_object(data, F_PACING, false, &pacing, errstr, errstr_size) < 0 ||
        ev_get_object(data, F_CAPS, false, &caps, errstr, errstr_size) < 0)
        goto fail;
    if (e->account_id <= 0) {
        snprintf(errstr, errstr_size, F_ACCOUNT_ID ": must be a positive integer");
        goto fail;
    }
    if (!e->platform[0]) {
        snprintf(errstr, errstr_size, F_PLATFORM ": empty");
        goto fail;
    }
    if (pacing) {
        e->has_pacing = true;
        if (parse_pacing(pacing, &e->pacing, errstr, errstr_size) < 0) {
            ev_errstr_prefix(errstr, errstr_size, F_PACING);
            goto fail;
        }
    }
    if (caps) {
        e->has_caps = true;
        if (parse_caps(caps, &e->caps, errstr, errstr_size) < 0) {
            ev_errstr_prefix(errstr, errstr_size, F_CAPS);
            goto fail;
        }
    }
    return 0;
fail:
    monitor_desired_free(e);
    return -1;
}

void monitor_desired_free(monitor_desired_t *e)
{
    if (!e)
        return;
    free(e->platform);
    free(e->label);
    free(e->browser_profile);
    free(e->caps.quiet_start);
    free(e->caps.quiet_end);
    free(e->caps.timezone);
    memset(e, 0, sizeof(*e));
}
