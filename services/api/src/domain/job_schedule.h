/* Account safety for browser marketplaces: every job that makes a marketplace account act
 * (a post, a delist, an update) gets a run time of its own, so that a burst of 100 listings
 * is spread out instead of tripping the marketplace's limits (sellers report accounts
 * restricted for bursts, identical timing and too many posts per day: see
 * docs/pacing.md). The run time is at least the account's min gap (plus a random jitter)
 * away from every other scheduled action of the account, whatever its kind, and within the
 * kind's daily cap (days in the account's time zone); past the cap the job waits for the
 * next day, nothing is dropped. The job's request event goes onto the outbox with that time
 * as its "not before" (outbox_enqueue_at), so the schedule lives in PostgreSQL: global across
 * poster instances and safe across restarts.
 *
 * Usage inside a command's transaction (the delist / update commands do the same with
 * "delist" / "update"):
 *
 *     int64_t run_at;
 *     if (job_schedule_slot(tx, job_id, platform, account_id, "post", &run_at, r) != 0)
 *         goto end;
 *     outbox_enqueue_at(tx->pg, run_at, TOPIC_POSTING_REQUESTS, key, type, subject, data, ...);
 */
#ifndef API_JOB_SCHEDULE_H
#define API_JOB_SCHEDULE_H

#include <stddef.h>
#include <stdint.h>

#include "domain/result.h"
#include "domain/tx.h"
#include "store/hold_store.h"

typedef enum {
    JOB_KIND_POST = 0,
    JOB_KIND_DELIST,
    JOB_KIND_UPDATE,
    JOB_KIND_RENEW,
    JOB_KIND_COUNT
} job_kind_t;

/* "post" / "delist" / "update" -> the kind, or -1 when unknown. Pure. */
int job_kind_parse(const char *name);
const char *job_kind_name(job_kind_t kind);

/* The pacing that applies to one account for one kind (all times in microseconds). */
typedef struct {
    int64_t min_gap_us; /* between any two actions of the account; 0: none */
    int64_t jitter_us;  /* a random 0..jitter added to each gap; 0: none */
    int cap_per_day;    /* actions of this kind per local day; 0: no cap */
} sched_rule_t;

/* One action already scheduled (or done) on the account. */
typedef struct {
    int64_t at_us; /* unix time, microseconds */
    job_kind_t kind;
} sched_slot_t;

/* Pure: the earliest time >= now_us that is at least min_gap_us from every slot of slots
 * (sorted by at_us, any kind; those before the current day only count for the gap) and
 * whose local day holds fewer than cap_per_day slots of kind. A gap that has to be
 * skipped adds a jitter (0..jitter_us, drawn from *seed, an xorshift state that must not be
 * 0); a full day moves to the next day's start plus a jitter. days[0..ndays) are the
 * local-midnight boundaries (unix us, ascending, days[0] <= now_us): with a cap, a time at
 * or past days[ndays-1] has no known day and the call fails (-1); without a cap days may be
 * NULL. Returns 0 with *out_us set, or -1. */
int job_schedule_next(int64_t now_us, const sched_slot_t *slots, size_t n, job_kind_t kind,
                      const sched_rule_t *rule, const int64_t *days, size_t ndays, uint64_t *seed,
                      int64_t *out_us);

/* Reserves the run time of job_id, an action of kind ("post" | "delist" | "update") by
 * account_id (0: the platform's default account) on platform, inside tx: serialises with
 * every other transaction scheduling for the same account (a transaction-level advisory
 * lock, so two requests never get the same slot), reads the account's pacing (per-account
 * override, else the platform's settings, else the built-in default; API platforms such as
 * ebay are unpaced by default), records the slot and sets posting_jobs.scheduled_at of
 * job_id. A post also stays within the account's posts_per_month (local months), and an
 * account on hold (store/hold_store.h) gets nothing before the hold's end. The job's
 * wait_reason says why it waits (NULL when it does not). *run_at_us (unix microseconds) is
 * the time to hand to outbox_enqueue_at; it is the transaction's now() when the account is
 * free. Returns 0 or -1 (r: CMD_INVALID on
 * field "kind" for an unknown kind, CMD_REFUSED when no slot is free within the schedule's
 * horizon of 1000 days, CMD_FAILED when the database failed). */
int job_schedule_slot(tx_t *tx, int64_t job_id, const char *platform, int64_t account_id,
                      const char *kind, int64_t *run_at_us, cmd_result_t *r)
    __attribute__((warn_unused_result));

/* Schedules again every pending job of the account whose request still waits on the
 * outbox (a hold was placed or lifted): their slots are given back, then each job, in the
 * order of its old slot, gets the first slot the pacing, the caps and the account's hold
 * allow, and its request is moved to it. *moved (may be NULL): how many. Returns 0 or -1. */
int job_schedule_reslot(tx_t *tx, const char *platform, int64_t account_id, int *moved,
                        cmd_result_t *r) __attribute__((warn_unused_result));

/* A random 0..max (max <= 0: 0) from the xorshift64 state *seed (not 0), which it advances;
 * not for secrets: it only keeps an account's actions from a fixed rhythm. Pure. */
int64_t job_schedule_jitter(uint64_t *seed, int64_t max);

/* "2027-01-01 00:00 UTC" of unix microseconds. Pure. */
void job_schedule_fmt_time(int64_t us, char out[32]);

/* A hold in the user's words: "account on hold until 2027-01-01 00:00 UTC (blocked by
 * facebook_marketplace: <what it said>)". Pure. */
void job_schedule_hold_text(const char *platform, const hold_row_t *h, char *out, size_t size);

/* Gives back the slots of job_id that have not come yet (a job cancelled before it ran),
 * inside tx, so that they no longer count against the gap or the day's cap. Returns 0 or
 * -1 (r). */
int job_schedule_release(tx_t *tx, int64_t job_id, cmd_result_t *r)
    __attribute__((warn_unused_result));

/* A listing that leaves `active` (sold, deleted) must not be posted later by a request that
 * still waits for its slot: cancels, inside tx, the listing's pending post jobs whose request
 * is still held on the outbox (deleted from it; a request already published is the poster's
 * and the delist flow's business), frees their slots and marks them failed, error_code
 * "cancelled", error_message why (e.g. "cancelled before its scheduled time: the listing was
 * sold"). *cancelled (may be NULL) receives how many. Returns 0 or -1 (r). Call it before
 * deleting the listing's rows. */
int job_schedule_cancel_listing(tx_t *tx, int64_t listing_id, const char *why, int *cancelled,
                                cmd_result_t *r) __attribute__((warn_unused_result));

#endif
