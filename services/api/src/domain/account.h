/* Marketplace accounts: create, rename, change the browser profile, start and stop the
 * inbox monitor (also the original's /api/polling/start|stop, on the default account).
 * Every change enqueues, in its transaction, the account's monitor.desired (and
 * monitor.start / monitor.stop when the switch moved). */
#ifndef API_ACCOUNT_H
#define API_ACCOUNT_H

#include <stdbool.h>
#include <stdint.h>

#include <cjson/cJSON.h>

#include "domain/result.h"

struct app;

/* What a request asks to change. Strings point into the caller's JSON. */
typedef struct {
    const char *platform;        /* create only (required there) */
    const char *label;           /* NULL: unchanged (required on create) */
    bool set_profile;            /* browser_profile was given */
    const char *browser_profile; /* NULL: none */
    int running;                 /* -1 unchanged, 0 stop, 1 start */
} account_patch_t;

/* Reads a JSON body (NULL: empty) into p: types and lengths, field named on 422
 * (CMD_INVALID). The platform is checked by account_create. Returns 0 or -1 (r). */
int account_patch_parse(const cJSON *body, bool create, account_patch_t *p, cmd_result_t *r)
    __attribute__((warn_unused_result));

/* Creates an account (409 CMD_CONFLICT on field label when platform + label exists; 422 on
 * platform when it is not one of PLATFORMS). Returns 0 with *id, or -1 (r). */
int account_create(struct app *app, const account_patch_t *p, int64_t *id, cmd_result_t *r)
    __attribute__((warn_unused_result));

typedef struct {
    int64_t account_id;
    bool switched; /* the monitor switch moved (false: it already was in the asked state) */
} account_change_t;

/* Changes account id (0: the default facebook_marketplace account, created when missing).
 * Returns 0 with *out, or -1 (r; CMD_NOT_FOUND on field account_id). */
int account_update(struct app *app, int64_t id, const account_patch_t *p, account_change_t *out,
                   cmd_result_t *r) __attribute__((warn_unused_result));

#endif
