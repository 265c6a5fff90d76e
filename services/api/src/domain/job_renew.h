/* Renew instead of re-post: a live posting (post job posted) gets a renew job (kind 'renew',
 * posting_job_id = the post job) with its renew.requested, asked for by the seller
 * (POST /api/jobs/{id}/renew) or by the api's renew sweep when the posting is older than its
 * account's renew_after_days (docs/pacing.md). Facebook allows a renew every 7 days and 5 in
 * all (shared/reference/facebook-markup.md §2.2): the sweep stops after JOB_RENEW_MAX_AUTO.
 * A renew takes an account slot like a delist or an update (pacing kind "renew"). */
#ifndef API_JOB_RENEW_H
#define API_JOB_RENEW_H

#include <stdint.h>

#include "domain/result.h"
#include "domain/tx.h"
#include "store/job_store.h"

struct app;

/* Requests a renew of post job posting_job_id in a transaction of its own; *renew_job_id gets
 * the renew job (the one already on its way, if any). Unknown job: CMD_NOT_FOUND; not a post
 * job, or not posted: CMD_CONFLICT. Returns 0 or -1 (r). */
int renew_request(struct app *app, int64_t posting_job_id, int64_t *renew_job_id, cmd_result_t *r)
    __attribute__((warn_unused_result));

/* Another attempt of failed renew job job_id (locked as job). Returns 0 or -1 (r). */
int renew_retry(tx_t *tx, int64_t job_id, const job_row_t *job, cmd_result_t *r)
    __attribute__((warn_unused_result));

/* One pass of the renew sweep: every posting due by its account's renew_after_days (and
 * renewed fewer than JOB_RENEW_MAX_AUTO times) gets a renew job, each in a transaction of its
 * own. Returns how many, or -1 (r). */
int renew_sweep(struct app *app, cmd_result_t *r) __attribute__((warn_unused_result));

#endif
