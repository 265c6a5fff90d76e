/* Commands that apply the poster's events (bb.posting.events) to a job, inside the event
 * applier's transaction (which also records the event id). Only the job's current attempt
 * moves its state; every event leaves a log line. One command per event type, all of the
 * event_command_fn shape, so the applier's dispatch table calls them directly. */
#ifndef API_JOB_EVENTS_H
#define API_JOB_EVENTS_H

#include "common/event.h"
#include "domain/result.h"
#include "domain/tx.h"

/* Applies ev inside tx. Returns 0, or -1 with r: CMD_INVALID / CMD_NOT_FOUND (the event can
 * never apply), CMD_FAILED (the database failed; r->cause has the SQLSTATE). */
typedef int (*event_command_fn)(tx_t *tx, const event_t *ev, cmd_result_t *r);

int job_started(tx_t *tx, const event_t *ev, cmd_result_t *r);
int job_logged(tx_t *tx, const event_t *ev, cmd_result_t *r);
int job_succeeded(tx_t *tx, const event_t *ev, cmd_result_t *r);
int job_failed(tx_t *tx, const event_t *ev, cmd_result_t *r);
int job_delisted(tx_t *tx, const event_t *ev, cmd_result_t *r);
int job_delisting_failed(tx_t *tx, const event_t *ev, cmd_result_t *r);
int job_updated(tx_t *tx, const event_t *ev, cmd_result_t *r);
int job_update_failed(tx_t *tx, const event_t *ev, cmd_result_t *r);
int job_renewed(tx_t *tx, const event_t *ev, cmd_result_t *r);
int job_renew_failed(tx_t *tx, const event_t *ev, cmd_result_t *r);

#endif
