/* The responder settings command (PUT /api/settings/responder): a partial update of the
 * global settings, validated as a whole, that re-announces every account's monitor.desired
 * in the same transaction when the pacing or the caps changed. */
#ifndef API_SETTINGS_H
#define API_SETTINGS_H

#include <cjson/cJSON.h>

#include "domain/result.h"
#include "store/settings_store.h"

struct app;

/* Applies body (keys left out keep their value) onto s. Type, range and format errors are
 * CMD_INVALID naming the field ("pacing.idle_min_ms"). Strings in s are replaced
 * (xmalloc'ed). Returns 0 or -1 (r). Pure. */
int settings_apply(const cJSON *body, responder_settings_t *s, cmd_result_t *r)
    __attribute__((warn_unused_result));

/* Updates the settings from body. Returns 0 or -1 (r). */
int settings_update(struct app *app, const cJSON *body, cmd_result_t *r)
    __attribute__((warn_unused_result));

#endif
