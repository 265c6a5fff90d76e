/* An account's send limits from monitor.desired caps: at most max_sends_per_day messages per
 * local day, none during quiet hours (quiet_start to quiet_end, across midnight when start >
 * end), both in the account's timezone. The decision is pure (local time passed in); only
 * caps_local reads the clock's zone. */
#ifndef MONITOR_CAPS_H
#define MONITOR_CAPS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "common/event.h"

/* Sends counted for one local day; the count restarts when the day changes. In memory: a
 * restarted monitor starts the day at 0 again. */
typedef struct {
    char day[11]; /* "YYYY-MM-DD", "" before the first send */
    int64_t sent;
} caps_counter_t;

typedef enum { CAPS_OK, CAPS_QUIET, CAPS_LIMIT } caps_verdict_t;

/* The wall clock in timezone tz (IANA name; NULL or "" = UTC) at now: minutes since local
 * midnight and the local date. Returns 0, or -1 with errstr for an unknown zone.
 * Thread-safe (the process's TZ is switched under a lock). */
int caps_local(const char *tz, time_t now, int *minute_of_day, char day[11], char *errstr,
               size_t errstr_size);

/* true when minute (since local midnight) lies in [start, end) of "HH:MM" bounds; a window
 * with start > end spans midnight; start == end or NULL bounds: never quiet. */
bool caps_quiet(const char *start, const char *end, int minute);

/* May one more message be sent now (local day and minute)? CAPS_QUIET or CAPS_LIMIT write
 * the reason the api shows into reason. c may be NULL (no caps). */
caps_verdict_t caps_check(const monitor_caps_t *c, const caps_counter_t *ctr, const char *day,
                          int minute, char *reason, size_t reason_size);

/* Counts one sent message on local day `day`. */
void caps_count(caps_counter_t *ctr, const char *day);

#endif
