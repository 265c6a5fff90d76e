/* Daily send caps and quiet hours (see caps.h). */
#include "caps.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define ZONEINFO "/usr/share/zoneinfo/"

static pthread_mutex_t tz_mu = PTHREAD_MUTEX_INITIALIZER;

int caps_local(const char *tz, time_t now, int *minute_of_day, char day[11], char *errstr,
               size_t errstr_size)
{
    struct tm tm;
    if (!tz || !tz[0] || strcmp(tz, "UTC") == 0) {
        gmtime_r(&now, &tm);
    } else {
        /* glibc falls back to UTC for a zone it cannot find: refuse instead. */
        char path[256];
        snprintf(path, sizeof(path), ZONEINFO "%s", tz);
        if (strstr(tz, "..") || access(path, R_OK) != 0) {
            snprintf(errstr, errstr_size, "timezone %s: unknown (no %s)", tz, path);
            return -1;
        }
        pthread_mutex_lock(&tz_mu);
        char *old = getenv("TZ") ? strdup(getenv("TZ")) : NULL;
        setenv("TZ", tz, 1);
        tzset();
        localtime_r(&now, &tm);
        if (old)
            setenv("TZ", old, 1);
        else
            unsetenv("TZ");
        tzset();
        free(old);
        pthread_mutex_unlock(&tz_mu);
    }
    *minute_of_day = tm.tm_hour * 60 + tm.tm_min;
    snprintf(day, 11, "%04d-%02d-%02d", (tm.tm_year + 1900) % 10000, (tm.tm_mon + 1) % 100,
             tm.tm_mday % 100);
    return 0;
}

static int hhmm_minutes(const char *s)
{
    return ((s[0] - '0') * 10 + (s[1] - '0')) * 60 + (s[3] - '0') * 10 + (s[4] - '0');
}

bool caps_quiet(const char *start, const char *end, int minute)
{
    if (!monitor_hhmm_valid(start) || !monitor_hhmm_valid(end))
        return false;
    int s = hhmm_minutes(start), e = hhmm_minutes(end);
    if (s == e)
        return false;
    if (s < e)
        return minute >= s && minute < e;
    return minute >= s || minute < e;
}

caps_verdict_t caps_check(const monitor_caps_t *c, const caps_counter_t *ctr, const char *day,
                          int minute, char *reason, size_t reason_size)
{
    if (!c)
        return CAPS_OK;
    if (caps_quiet(c->quiet_start, c->quiet_end, minute)) {
        snprintf(reason, reason_size,
                 "quiet_hours: no messages are sent between %s and %s (%s); send it later",
                 c->quiet_start, c->quiet_end, c->timezone ? c->timezone : "UTC");
        return CAPS_QUIET;
    }
    int64_t sent = strcmp(ctr->day, day) == 0 ? ctr->sent : 0;
    if (c->max_sends_per_day > 0 && sent >= c->max_sends_per_day) {
        snprintf(reason, reason_size,
                 "cap_reached: %lld of %lld messages sent today (%s, %s); the cap resets at "
                 "local midnight",
                 (long long)sent, (long long)c->max_sends_per_day, day,
                 c->timezone ? c->timezone : "UTC");
        return CAPS_LIMIT;
    }
    return CAPS_OK;
}

void caps_count(caps_counter_t *ctr, const char *day)
{
    if (strcmp(ctr->day, day) != 0) {
        snprintf(ctr->day, sizeof(ctr->day), "%s", day);
        ctr->sent = 0;
    }
    ctr->sent++;
}
