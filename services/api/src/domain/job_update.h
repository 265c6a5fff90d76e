/* Edits propagate: an edit of a listing's price, title, description or photos gives each of
 * its live postings (post jobs posted) an update job (kind 'update', posting_job_id = the post
 * job) with its update.requested: `changed` names what differs, `listing` is the whole
 * listing now (images as claim checks, as in posting.requested). Edits coalesce: a posting has
 * at most one pending update; a later edit merges its changes into it and rewrites its request
 * while unpublished (same event id), or gives it a new attempt once published. Every function
 * runs inside the caller's tx. */
#ifndef API_JOB_UPDATE_H
#define API_JOB_UPDATE_H

#include <stdint.h>

#include "domain/job_kinds.h"
#include "domain/result.h"
#include "domain/tx.h"
#include "store/job_store.h"

/* Requests the update of every posted job of listing_id for the EDIT_* bits of mask (0: none).
 * Returns 0 or -1 (r). */
int update_listing(tx_t *tx, int64_t listing_id, unsigned mask, cmd_result_t *r)
    __attribute__((warn_unused_result));

/* Another attempt of failed update job job_id (locked as job). Returns 0 or -1 (r). */
int update_retry(tx_t *tx, int64_t job_id, const job_row_t *job, cmd_result_t *r)
    __attribute__((warn_unused_result));

#endif
