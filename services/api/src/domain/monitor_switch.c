/* The inbox monitor switch (see monitor_switch.h). */
#include "domain/monitor_switch.h"

#include <inttypes.h>
#include <stdio.h>

#include "app.h"
#include "common/event.h"
#include "common/log.h"
#include "domain/tx.h"
#include "outbox.h"
#include "store/account_store.h"

int monitor_switch(struct app *app, int64_t account_id, bool start, monitor_switch_t *out,
                   cmd_result_t *r)
{
    account_row_t acc;
    store_err_t err;
    tx_t tx;
    int rc = -1;
    if (tx_begin(&tx, app, API_DB_TIMEOUT_MS, r) != 0)
        goto end;
    int found = account_store_find(tx.pg, account_id, true, true, &acc, &err);
    if (found <= 0) {
        if (found < 0)
            cmd_db_fail(r, "finding the account", &err);
        else
            cmd_fail(r, CMD_NOT_FOUND, "account_id", "account %" PRId64 " not found", account_id);
        goto end;
    }
    out->account_id = acc.id;
    out->changed = acc.monitoring != start;
    if (!out->changed) {
        rc = 0;
        goto end;
    }
    char id[24];
    snprintf(id, sizeof(id), "%" PRId64, acc.id);
    monitor_command_t cmd = {.account_id = acc.id};
    if (account_store_set_monitoring(tx.pg, acc.id, start, &err) != 0 ||
        outbox_enqueue(tx.pg, TOPIC_MONITOR_COMMANDS, id,
                       start ? EV_MONITOR_START : EV_MONITOR_STOP, id, monitor_command_build(&cmd),
                       NULL, err.msg, sizeof(err.msg)) != 0) {
        cmd_db_fail(r, "switching the monitor", &err);
        goto end;
    }
    rc = tx_commit(&tx, r);
    if (rc == 0)
        LOG_INFO("monitor %s for account %s", start ? "started" : "stopped", id);
end:
    tx_end(&tx);
    return rc;
}
