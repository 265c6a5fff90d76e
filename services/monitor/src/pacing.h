/* How long an account's worker waits between two inbox polls, as the original did: 3-5 s
 * after a cycle that saw activity, 9-11 s after a quiet one, and a 60-120 s break every 75
 * cycles (each bound configurable, per account through monitor.desired). Pure: the caller
 * supplies the random numbers, so tests pin every branch. */
#ifndef MONITOR_PACING_H
#define MONITOR_PACING_H

#include <stdbool.h>
#include <stdint.h>

#include "common/event.h"

typedef enum { PACE_ACTIVE, PACE_IDLE, PACE_BREAK } pace_kind_t;

typedef struct {
    pace_kind_t kind;
    int64_t delay_ms;
} pace_t;

/* The wait after cycle number `cycle` (1 = the first cycle done). activity: the cycle saw a
 * new message or sent one. rnd is a uniform random number in [0, 1). A break comes after
 * every break_every_cycles-th cycle (0 = never) and replaces the usual wait. */
pace_t pacing_next(const monitor_pacing_t *p, int64_t cycle, bool activity, double rnd);

/* A uniform draw in [min, max] from rnd in [0, 1). */
int64_t pacing_between(int64_t min, int64_t max, double rnd);

/* "active", "idle", "break" for logs. */
const char *pacing_kind_name(pace_kind_t k);

#endif
