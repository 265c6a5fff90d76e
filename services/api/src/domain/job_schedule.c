/* The schedule of the accounts' actions (see job_schedule.h). */
#include "domain/job_schedule.h"

#include <inttypes.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "app.h"
#include "common/log.h"
#include "common/util.h"
#include "domain/pacing.h"
#include "store/pacing_store.h"
#include "store/slot_store.h"

static const char *const kind_names[JOB_KIND_COUNT] = {"post", "delist", "update"};

int job_kind_parse(const char *name)
{
    for (int i = 0; name && i < JOB_KIND_COUNT; i++)
        if (strcmp(name, kind_names[i]) == 0)
            return i;
    return -1;
}

const char *job_kind_name(job_kind_t kind)
{
    return kind >= 0 && kind < JOB_KIND_COUNT ? kind_names[kind] : "?";
}

/* 0..max from the xorshift64 state (not for secrets: it only keeps actions from a fixed
 * rhythm). */
static int64_t jitter(uint64_t *s, int64_t max)
{
    if (max <= 0)
        return 0;
    *s ^= *s << 13;
    *s ^= *s >> 7;
    *s ^= *s << 17;
    return (int64_t)(*s % ((uint64_t)max + 1));
}

/* The index d with days[d] <= t < days[d + 1], or -1 when t is outside the known days. */
static long day_of(const int64_t *days, size_t ndays, int64_t t)
{
    for (size_t d = 0; d + 1 < ndays; d++)
        if (days[d] <= t && t < days[d + 1])
            return (long)d;
    return -1;
}

int job_schedule_next(int64_t now_us, const sched_slot_t *slots, size_t n, job_kind_t kind,
                      const sched_rule_t *rule, const int64_t *days, size_t ndays, uint64_t *seed,
                      int64_t *out_us)
{
    int64_t gap = rule->min_gap_us > 0 ? rule->min_gap_us : 0;
    int64_t t = now_us;
    /* Each round moves t strictly forward (past a slot or to a later day), so it ends. */
    for (;;) {
        if (rule->cap_per_day > 0) {
            long d = day_of(days, ndays, t);
            if (d < 0)
                return -1;
            int used = 0;
            for (size_t i = 0; i < n; i++)
                used += slots[i].kind == kind && slots[i].at_us >= days[d] &&
                        slots[i].at_us < days[d + 1];
            if (used >= rule->cap_per_day) {
                t = days[d + 1] + jitter(seed, rule->jitter_us);
                continue;
            }
        }
        bool clash = false;
        int64_t last = 0;
        for (size_t i = 0; i < n && gap > 0; i++) {
            if (slots[i].at_us > t - gap && slots[i].at_us < t + gap) {
                clash = true;
                last = slots[i].at_us > last ? slots[i].at_us : last;
            }
        }
        if (!clash) {
            *out_us = t;
            return 0;
        }
        t = last + gap + jitter(seed, rule->jitter_us);
    }
}

/* The account's slots from since_us on, as sched_slot_t (malloc'ed, caller frees). */
static int slots_read(PGconn *pg, const char *platform, int64_t account_id, int64_t since_us,
                      sched_slot_t **out, size_t *n, store_err_t *err)
{
    PGresult *res = slot_store_since(pg, platform, account_id, since_us, err);
    if (!res)
        return -1;
    *n = (size_t)PQntuples(res);
    *out = calloc(*n + 1, sizeof(**out));
    for (size_t i = 0; *out && i < *n; i++) {
        const char *kind;
        slot_store_row(res, (int)i, &(*out)[i].at_us, &kind);
        int k = job_kind_parse(kind);
        (*out)[i].kind = k < 0 ? JOB_KIND_POST : (job_kind_t)k;
    }
    PQclear(res);
    return *out ? 0 : -1;
}

/* The rule of kind for the account, and its time zone. */
static int rule_read(PGconn *pg, const char *platform, int64_t account_id, job_kind_t kind,
                     sched_rule_t *rule, char tz[64], store_err_t *err)
{
    pacing_row_t plat, acct;
    char fallback_tz[64];
    if (pacing_store_get(pg, platform, account_id, &plat, &acct, fallback_tz, err) != 0)
        return -1;
    pacing_t p;
    pacing_effective(platform, &plat, account_id ? &acct : NULL, fallback_tz, &p);
    rule->min_gap_us = (int64_t)p.min_gap_s * 1000000;
    rule->jitter_us = (int64_t)p.jitter_s * 1000000;
    rule->cap_per_day = p.per_day[kind];
    memcpy(tz, p.timezone, 64);
    return 0;
}

int job_schedule_slot(tx_t *tx, int64_t job_id, const char *platform, int64_t account_id,
                      const char *kind_name, int64_t *run_at_us, cmd_result_t *r)
{
    int k = job_kind_parse(kind_name);
    if (k < 0)
        return cmd_fail(r, CMD_INVALID, "kind", "kind: must be post, delist or update");
    job_kind_t kind = (job_kind_t)k;
    store_err_t err;
    sched_rule_t rule;
    char tz[64];
    int64_t now_us = 0, *days = NULL;
    size_t ndays = 0, n = 0;
    sched_slot_t *slots = NULL;
    int rc = -1;
    if (slot_store_lock(tx->pg, platform, account_id, &err) != 0 ||
        slot_store_release(tx->pg, job_id, kind_name, &err) != 0 ||
        slot_store_prune(tx->pg, platform, account_id, &err) != 0 ||
        rule_read(tx->pg, platform, account_id, kind, &rule, tz, &err) != 0 ||
        slot_store_clock(tx->pg, platform, account_id, tz, &now_us, &days, &ndays, &err) != 0) {
        cmd_db_fail(r, "scheduling the job", &err);
        goto end;
    }
    /* Slots since the day began count against the cap; since now - gap against the gap. */
    int64_t since = now_us - rule.min_gap_us;
    if (ndays > 0 && days[0] < since)
        since = days[0];
    if (slots_read(tx->pg, platform, account_id, since, &slots, &n, &err) != 0) {
        cmd_db_fail(r, "scheduling the job", &err);
        goto end;
    }
    uint64_t seed = ((uint64_t)now_us * 0x9E3779B97F4A7C15ull) ^ (uint64_t)job_id;
    seed = seed ? seed : 1;
    if (job_schedule_next(now_us, slots, n, kind, &rule, days, ndays, &seed, run_at_us) != 0) {
        cmd_fail(r, CMD_REFUSED, NULL,
                 "no free %s slot for the %s account within %zu days (%d per day): wait for "
                 "the scheduled jobs to run or raise %ss_per_day",
                 kind_name, platform, ndays, rule.cap_per_day, kind_name);
        goto end;
    }
    if (slot_store_reserve(tx->pg, platform, account_id, kind_name, job_id, *run_at_us, &err) !=
        0) {
        cmd_db_fail(r, "scheduling the job", &err);
        goto end;
    }
    if (*run_at_us > now_us)
        LOG_DEBUG("job %" PRId64 ": %s on %s account %" PRId64 " scheduled %" PRId64 " s ahead",
                  job_id, kind_name, platform, account_id, (*run_at_us - now_us) / 1000000);
    rc = 0;
end:
    free(days);
    free(slots);
    return rc;
}

int job_schedule_release(tx_t *tx, int64_t job_id, cmd_result_t *r)
{
    store_err_t err;
    if (slot_store_release(tx->pg, job_id, NULL, &err) != 0)
        return cmd_db_fail(r, "releasing the job's slot", &err);
    return 0;
}
