/* The schedule of the accounts' actions (see job_schedule.h). */
#include "domain/job_schedule.h"

#include <inttypes.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "app.h"
#include "common/log.h"
#include "common/xmalloc.h"
#include "domain/pacing.h"
#include "store/hold_store.h"
#include "store/pacing_store.h"
#include "store/slot_store.h"

static const char *const kind_names[JOB_KIND_COUNT] = {"post", "delist", "update", "renew"};

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

int64_t job_schedule_jitter(uint64_t *seed, int64_t max)
{
    return jitter(seed, max);
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
    *out = xcalloc(*n + 1, sizeof(**out));
    for (size_t i = 0; i < *n; i++) {
        const char *kind;
        slot_store_row(res, (int)i, &(*out)[i].at_us, &kind);
        int k = job_kind_parse(kind);
        (*out)[i].kind = k < 0 ? JOB_KIND_POST : (job_kind_t)k;
    }
    PQclear(res);
    return 0;
}

/* The rule of kind for the account, its monthly post cap and its time zone. */
static int rule_read(PGconn *pg, const char *platform, int64_t account_id, job_kind_t kind,
                     sched_rule_t *rule, int *month_cap, char tz[64], store_err_t *err)
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
    *month_cap = kind == JOB_KIND_POST ? p.posts_per_month : 0;
    memcpy(tz, p.timezone, 64);
    return 0;
}

void job_schedule_fmt_time(int64_t us, char out[32])
{
    time_t t = (time_t)(us / 1000000);
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(out, 32, "%Y-%m-%d %H:%M UTC", &tm);
}

void job_schedule_hold_text(const char *platform, const hold_row_t *h, char *out, size_t size)
{
    char until[32];
    job_schedule_fmt_time(h->until_us, until);
    bool limit = strcmp(h->reason, "limit_reached") == 0;
    snprintf(out, size, "account on hold until %s (%s %s%s%s)", until,
             limit ? "posting limit reached on" : "blocked by", platform, h->detail[0] ? ": " : "",
             h->detail);
}

/* What the schedule decided, to say why a job waits. */
typedef struct {
    const hold_row_t *hold; /* the account's hold that applies, or NULL */
    int month_cap;          /* posts per local month, 0: none */
    bool month_full;        /* the slot was moved past a full month */
} sched_ctx_t;

/* The slot of the job from start on (a hold's end or now): the first that keeps the gap and
 * the day's cap (job_schedule_next) and, for a post, lies in a local month with room. */
static int slot_find(tx_t *tx, int64_t job_id, const char *platform, int64_t account_id,
                     job_kind_t kind, const sched_rule_t *rule, const char *tz, sched_ctx_t *c,
                     int64_t *now_us, int64_t *run_at_us, cmd_result_t *r)
{
    store_err_t err;
    int64_t from = c->hold ? c->hold->until_us : 0;
    uint64_t seed = 0;
    /* A month is skipped per round; 40 rounds pass the schedule's 1000-day horizon. */
    for (int round = 0; round < 40; round++) {
        int64_t *days = NULL;
        size_t ndays = 0, n = 0;
        sched_slot_t *slots = NULL;
        if (slot_store_clock(tx->pg, platform, account_id, tz, from, now_us, &days, &ndays, &err) !=
            0)
            return cmd_db_fail(r, "scheduling the job", &err);
        int64_t start = from > *now_us ? from : *now_us;
        /* Slots since the day began count against the cap; since start - gap for the gap. */
        int64_t since = start - rule->min_gap_us;
        if (ndays > 0 && days[0] < since)
            since = days[0];
        if (!seed) {
            seed = ((uint64_t)*now_us * 0x9E3779B97F4A7C15ull) ^ (uint64_t)job_id;
            seed = seed ? seed : 1;
        }
        int rc = slots_read(tx->pg, platform, account_id, since, &slots, &n, &err);
        if (rc == 0)
            rc = job_schedule_next(start, slots, n, kind, rule, days, ndays, &seed, run_at_us) == 0
                     ? 0
                     : 1;
        free(days);
        free(slots);
        if (rc < 0)
            return cmd_db_fail(r, "scheduling the job", &err);
        if (rc > 0)
            break;
        if (c->month_cap <= 0)
            return 0;
        int used = 0;
        int64_t next_month = 0;
        if (slot_store_month(tx->pg, platform, account_id, tz, *run_at_us, &used, &next_month,
                             &err) != 0)
            return cmd_db_fail(r, "scheduling the job", &err);
        if (used < c->month_cap)
            return 0;
        c->month_full = true;
        from = next_month + jitter(&seed, rule->jitter_us);
    }
    return cmd_fail(r, CMD_REFUSED, NULL,
                    "no free %s slot for the %s account within the schedule's horizon (%d per "
                    "day, %d posts per month): wait for the scheduled jobs to run or raise the "
                    "caps",
                    job_kind_name(kind), platform, rule->cap_per_day, c->month_cap);
}

/* Why a job whose slot is at run_at (> now) waits, in the user's words. */
static void wait_text(const char *platform, job_kind_t kind, const sched_rule_t *rule,
                      const sched_ctx_t *c, int64_t now_us, int64_t run_at_us, char *out,
                      size_t size)
{
    if (c->hold && c->hold->until_us > now_us) {
        job_schedule_hold_text(platform, c->hold, out, size);
    } else if (c->month_full) {
        snprintf(out, size,
                 "monthly cap: %d posts a month on this account (posts_per_month) already "
                 "scheduled; waits for the next month",
                 c->month_cap);
    } else if (rule->cap_per_day > 0 && run_at_us - now_us >= 86400LL * 1000000 / 2 &&
               run_at_us - now_us > rule->min_gap_us + rule->jitter_us) {
        snprintf(out, size, "daily cap: %d %ss a day on this account (%ss_per_day) reached",
                 rule->cap_per_day, job_kind_name(kind), job_kind_name(kind));
    } else {
        snprintf(out, size, "account pacing: at least %" PRId64 " s between the account's actions",
                 rule->min_gap_us / 1000000);
    }
}

/* The paced (or held) case, under the account's lock. */
static int slot_paced(tx_t *tx, int64_t job_id, const char *platform, int64_t account_id,
                      job_kind_t kind, const sched_rule_t *rule, const char *tz, sched_ctx_t *c,
                      int64_t *run_at_us, cmd_result_t *r)
{
    store_err_t err;
    int64_t now_us = 0;
    const char *kind_name = job_kind_name(kind);
    if (slot_store_lock(tx->pg, platform, account_id, &err) != 0 ||
        slot_store_release(tx->pg, job_id, kind_name, &err) != 0)
        return cmd_db_fail(r, "scheduling the job", &err);
    if (slot_find(tx, job_id, platform, account_id, kind, rule, tz, c, &now_us, run_at_us, r) != 0)
        return -1;
    if (slot_store_reserve(tx->pg, platform, account_id, kind_name, job_id, run_at_us, &err) != 0)
        return cmd_db_fail(r, "scheduling the job", &err);
    char why[900];
    if (*run_at_us > now_us) {
        wait_text(platform, kind, rule, c, now_us, *run_at_us, why, sizeof(why));
        LOG_DEBUG("job %" PRId64 ": %s on %s account %" PRId64 " scheduled %" PRId64 " s ahead: %s",
                  job_id, kind_name, platform, account_id, (*run_at_us - now_us) / 1000000, why);
    }
    if (slot_store_wait_reason(tx->pg, job_id, *run_at_us > now_us ? why : NULL, &err) != 0)
        return cmd_db_fail(r, "scheduling the job", &err);
    return 0;
}

int job_schedule_slot(tx_t *tx, int64_t job_id, const char *platform, int64_t account_id,
                      const char *kind_name, int64_t *run_at_us, cmd_result_t *r)
{
    int k = job_kind_parse(kind_name);
    if (k < 0)
        return cmd_fail(r, CMD_INVALID, "kind", "kind: must be post, delist, update or renew");
    store_err_t err;
    sched_rule_t rule;
    hold_row_t hold;
    sched_ctx_t c = {NULL, 0, false};
    char tz[64];
    if (rule_read(tx->pg, platform, account_id, (job_kind_t)k, &rule, &c.month_cap, tz, &err) != 0)
        return cmd_db_fail(r, "scheduling the job", &err);
    int held = hold_store_active(tx->pg, platform, account_id, kind_name, &hold, &err);
    if (held < 0)
        return cmd_db_fail(r, "reading the account's hold", &err);
    c.hold = held ? &hold : NULL;
    if (held || rule.min_gap_us > 0 || rule.cap_per_day > 0 || c.month_cap > 0)
        return slot_paced(tx, job_id, platform, account_id, (job_kind_t)k, &rule, tz, &c, run_at_us,
                          r);
    /* Unpaced (API platforms, the sandbox): at once, no lock; the slot is still recorded so
     * that caps set later count today's actions. */
    *run_at_us = 0;
    if (slot_store_reserve(tx->pg, platform, account_id, kind_name, job_id, run_at_us, &err) != 0 ||
        slot_store_wait_reason(tx->pg, job_id, NULL, &err) != 0)
        return cmd_db_fail(r, "scheduling the job", &err);
    return 0;
}

int job_schedule_reslot(tx_t *tx, const char *platform, int64_t account_id, int *moved,
                        cmd_result_t *r)
{
    store_err_t err;
    int n = 0, rc = -1;
    if (slot_store_lock(tx->pg, platform, account_id, &err) != 0)
        return cmd_db_fail(r, "rescheduling the account's jobs", &err);
    PGresult *res = hold_store_waiting(tx->pg, platform, account_id, &err);
    if (!res)
        return cmd_db_fail(r, "rescheduling the account's jobs", &err);
    /* Every waiting slot is given back first, so the jobs line up again in their order. */
    for (int i = 0; i < PQntuples(res); i++)
        if (slot_store_release(tx->pg, row_i64(res, i, "id"), NULL, &err) != 0) {
            cmd_db_fail(r, "rescheduling the account's jobs", &err);
            goto end;
        }
    for (int i = 0; i < PQntuples(res); i++) {
        int64_t job_id = row_i64(res, i, "id"), run_at = 0;
        if (job_schedule_slot(tx, job_id, platform, account_id, row_text(res, i, "kind"), &run_at,
                              r) != 0)
            goto end;
        if (hold_store_move(tx->pg, job_id, run_at, &err) != 0) {
            cmd_db_fail(r, "rescheduling the account's jobs", &err);
            goto end;
        }
        n++;
    }
    if (moved)
        *moved = n;
    rc = 0;
end:
    PQclear(res);
    return rc;
}

int job_schedule_release(tx_t *tx, int64_t job_id, cmd_result_t *r)
{
    store_err_t err;
    if (slot_store_release(tx->pg, job_id, NULL, &err) != 0)
        return cmd_db_fail(r, "releasing the job's slot", &err);
    return 0;
}

int job_schedule_cancel_listing(tx_t *tx, int64_t listing_id, const char *why, int *cancelled,
                                cmd_result_t *r)
{
    store_err_t err;
    int n = 0;
    if (slot_store_cancel_listing(tx->pg, listing_id, why, &n, &err) != 0)
        return cmd_db_fail(r, "cancelling the listing's scheduled jobs", &err);
    if (n > 0)
        LOG_INFO("listing %" PRId64 ": %d scheduled post job(s) cancelled (%s)", listing_id, n,
                 why);
    if (cancelled)
        *cancelled = n;
    return 0;
}
