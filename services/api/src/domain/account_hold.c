/* Account holds (see account_hold.h). */
#include "domain/account_hold.h"

#include <inttypes.h>
#include <string.h>

#include "app.h"
#include "common/log.h"
#include "domain/job_schedule.h"
#include "domain/pacing.h"
#include "store/account_store.h"
#include "store/hold_store.h"
#include "store/pacing_store.h"
#include "store/slot_store.h"

bool account_hold_code(const char *error_code)
{
    return error_code &&
           (strcmp(error_code, "blocked") == 0 || strcmp(error_code, "limit_reached") == 0);
}

int account_hold_on_failure(tx_t *tx, int64_t job_id, const char *platform, int64_t account_id,
                            const char *error_code, const char *message, cmd_result_t *r)
{
    if (!account_hold_code(error_code))
        return 0;
    store_err_t err;
    pacing_row_t plat, acct;
    char fallback_tz[64];
    /* The account's scheduling lock first: no job of it is scheduled half before, half
     * after the hold. */
    if (slot_store_lock(tx->pg, platform, account_id, &err) != 0 ||
        pacing_store_get(tx->pg, platform, account_id, &plat, &acct, fallback_tz, &err) != 0)
        return cmd_db_fail(r, "holding the account", &err);
    pacing_t p;
    pacing_effective(platform, &plat, account_id ? &acct : NULL, fallback_tz, &p);
    bool limit = strcmp(error_code, "limit_reached") == 0;
    int hold_s = limit ? p.hold_limit_s : p.hold_blocked_s;
    if (!limit && hold_s == 0) {
        LOG_INFO("job %" PRId64 ": %s account %" PRId64 " blocked, hold_blocked_s 0: no hold",
                 job_id, platform, account_id);
        return 0;
    }
    int64_t until = 0;
    if (hold_store_put(tx->pg, platform, account_id, error_code, message ? message : "", job_id,
                       hold_s, p.timezone, &until, &err) != 0)
        return cmd_db_fail(r, "holding the account", &err);
    char when[32];
    job_schedule_fmt_time(until, when);
    LOG_WARN("%s account %" PRId64 " on hold until %s: job %" PRId64 " failed %s (%s)", platform,
             account_id, when, job_id, error_code, message ? message : "");
    int moved = 0;
    if (job_schedule_reslot(tx, platform, account_id, &moved, r) != 0)
        return -1;
    if (moved)
        LOG_INFO("%s account %" PRId64 ": %d waiting job(s) moved behind the hold", platform,
                 account_id, moved);
    return 0;
}

int account_hold_lift(struct app *app, int64_t account_id, bool *lifted, int *moved,
                      cmd_result_t *r)
{
    tx_t tx;
    store_err_t err;
    account_row_t acc;
    int rc = -1, n = 0;
    *lifted = false;
    *moved = 0;
    if (tx_begin(&tx, app, API_DB_TIMEOUT_MS, r) != 0)
        goto end;
    if (cmd_found(r, account_store_find(tx.pg, account_id, false, false, &acc, &err),
                  "reading the account", &err, "Account not found") != 0)
        goto end;
    if (slot_store_lock(tx.pg, acc.platform, account_id, &err) != 0 ||
        hold_store_lift(tx.pg, acc.platform, account_id, &n, &err) != 0) {
        cmd_db_fail(r, "lifting the account's hold", &err);
        goto end;
    }
    if (job_schedule_reslot(&tx, acc.platform, account_id, moved, r) != 0)
        goto end;
    rc = tx_commit(&tx, r);
    *lifted = n > 0;
    if (rc == 0)
        LOG_INFO("%s account %" PRId64 ": hold lifted by the user (%s); %d job(s) rescheduled",
                 acc.platform, account_id, n ? "was in force" : "none in force", *moved);
end:
    tx_end(&tx);
    return rc;
}
