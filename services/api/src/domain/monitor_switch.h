/* The inbox monitor switch: sets marketplace_accounts.monitoring and enqueues monitor.start
 * or monitor.stop on bb.monitor.commands (key = account id) in the same transaction. */
#ifndef API_MONITOR_SWITCH_H
#define API_MONITOR_SWITCH_H

#include <stdbool.h>
#include <stdint.h>

#include "domain/result.h"

struct app;

typedef struct {
    int64_t account_id;
    bool changed; /* false: it already was in the asked state */
} monitor_switch_t;

/* Switches the monitor of account_id (0: the default facebook_marketplace account, created
 * when missing) on (start) or off. Returns 0 with *out, or -1 (r; CMD_NOT_FOUND on field
 * account_id). */
int monitor_switch(struct app *app, int64_t account_id, bool start, monitor_switch_t *out,
                   cmd_result_t *r) __attribute__((warn_unused_result));

#endif
