/* Holding an account the marketplace blocked or capped (issue 13; docs/pacing.md "Account
 * holds"). When a job fails with error_code `blocked` or `limit_reached` (the poster's
 * detector of the marketplace's own words, shared/reference/facebook-markup.md §2.4), more
 * jobs on that account would only hammer a marketplace that already said no - and risk the
 * account. So the api records a hold (store/hold_store.h): `blocked` for the account's
 * hold_blocked_s (default 24 h), `limit_reached` until the next local month (or
 * hold_limit_s). While it holds, the account's waiting jobs and new ones are scheduled
 * after it (job_schedule_slot), each saying why in wait_reason; the user can lift it. */
#ifndef API_ACCOUNT_HOLD_H
#define API_ACCOUNT_HOLD_H

#include <stdbool.h>
#include <stdint.h>

#include "domain/result.h"
#include "domain/tx.h"

struct app;

/* Whether error_code is one that holds the account. Pure. */
bool account_hold_code(const char *error_code);

/* A job of platform/account_id (0: the default account) failed with error_code
 * (`blocked` or `limit_reached`; any other code: nothing to do) and message: holds the
 * account, inside tx, and moves its waiting jobs behind the hold. Returns 0 or -1 (r). */
int account_hold_on_failure(tx_t *tx, int64_t job_id, const char *platform, int64_t account_id,
                            const char *error_code, const char *message, cmd_result_t *r)
    __attribute__((warn_unused_result));

/* DELETE /api/accounts/{id}/hold: lifts the account's hold and schedules its waiting jobs
 * again by its pacing. *lifted: whether a hold was in force; *moved: how many jobs were
 * rescheduled. Unknown account: CMD_NOT_FOUND. Returns 0 or -1 (r). */
int account_hold_lift(struct app *app, int64_t account_id, bool *lifted, int *moved,
                      cmd_result_t *r) __attribute__((warn_unused_result));

#endif
