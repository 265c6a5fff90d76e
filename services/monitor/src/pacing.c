/* Poll pacing (see pacing.h). */
#include "pacing.h"

int64_t pacing_between(int64_t min, int64_t max, double rnd)
{
    if (max <= min)
        return min;
    if (rnd < 0)
        rnd = 0;
    int64_t span = max - min + 1;
    int64_t off = (int64_t)(rnd * (double)span);
    return min + (off >= span ? span - 1 : off);
}

pace_t pacing_next(const monitor_pacing_t *p, int64_t cycle, bool activity, double rnd)
{
    pace_t r;
    if (p->break_every_cycles > 0 && cycle > 0 && cycle % p->break_every_cycles == 0) {
        r.kind = PACE_BREAK;
        r.delay_ms = pacing_between(p->break_min_ms, p->break_max_ms, rnd);
    } else if (activity) {
        r.kind = PACE_ACTIVE;
        r.delay_ms = pacing_between(p->active_min_ms, p->active_max_ms, rnd);
    } else {
        r.kind = PACE_IDLE;
        r.delay_ms = pacing_between(p->idle_min_ms, p->idle_max_ms, rnd);
    }
    return r;
}

const char *pacing_kind_name(pace_kind_t k)
{
    return k == PACE_ACTIVE ? "active" : k == PACE_IDLE ? "idle" : "break";
}
