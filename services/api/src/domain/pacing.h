/* Pacing settings of the accounts' actions (posts, delists, updates, buyer replies): the built-in
 * defaults per platform, the saved platform settings and per-account overrides (store/
 * pacing_store.h), how they combine, and the commands behind GET/PUT
 * /api/settings/pacing/{platform} and /api/accounts/{id}/pacing. Defaults: docs/pacing.md.
 *
 * JSON of a pacing object (all optional in a PUT; null = inherit):
 *   {"min_gap_s": 300, "jitter_s": 180, "posts_per_day": 7, "delists_per_day": 30,
 *    "updates_per_day": 20, "renews_per_day": 10, "posts_per_month": 20,
 *    "hold_blocked_s": 86400, "hold_limit_s": 0, "renew_after_days": 7,
 *    "reply_gap_min_s": 180, "reply_gap_max_s": 300,
 *    "timezone": "Europe/Paris"}
 * caps are actions per local day, 0 = no cap. */
#ifndef API_PACING_H
#define API_PACING_H

#include <stdint.h>

#include <cjson/cJSON.h>

#include "domain/result.h"
#include "store/pacing_store.h"

struct app;

/* The values in force for one account (nothing inherits any more). */
typedef struct {
    int min_gap_s, jitter_s;
    int per_day[PACING_KINDS];
    int posts_per_month;                  /* 0: no cap */
    int hold_blocked_s, hold_limit_s;     /* see pacing_row_t */
    int renew_after_days;                 /* 0: postings are not renewed on their own */
    int reply_gap_min_s, reply_gap_max_s; /* between two sends of the account's messages */
    char timezone[64];
} pacing_t;

/* Turns the built-in pacing of the comma-separated platforms off (config PACING_OFF): demo
 * mode points facebook_marketplace at the sandbox, where Facebook's minutes between posts
 * only make the demo wait. Saved settings still apply. Call once at start, before any
 * thread schedules a job. */
void pacing_builtin_off(const char *platforms);

/* The built-in defaults of platform (unknown platforms, and those of pacing_builtin_off:
 * unpaced, no caps) as a row with every value set (timezone "": the responder
 * settings'). */
void pacing_builtin(const char *platform, pacing_row_t *out);

/* builtin <- plat <- acct (each value that is not "inherit" wins), timezone falling back
 * to fallback_tz. Pure. */
void pacing_effective(const char *platform, const pacing_row_t *plat, const pacing_row_t *acct,
                      const char *fallback_tz, pacing_t *out);

/* Applies body (a pacing object; keys left out keep their value, null = inherit) onto row.
 * Type and range errors are CMD_INVALID naming the field ("posts_per_day"). A timezone is
 * only checked for its form here. Returns 0 or -1 (r). Pure. */
int pacing_apply(const cJSON *body, pacing_row_t *row, cmd_result_t *r)
    __attribute__((warn_unused_result));

/* The pacing JSON of row (null for "inherit"), or of the effective values. */
cJSON *pacing_row_json(const pacing_row_t *row);
cJSON *pacing_json(const pacing_t *p);

/* {"platform", "saved": row, "effective": values} of platform (account_id 0) or of
 * account_id (adds "account_id"; its platform comes from the account). With body, first
 * applies it and saves (a PUT). Unknown platform (not in PLATFORMS) or account:
 * CMD_NOT_FOUND; bad fields: CMD_INVALID. *out is the caller's. Returns 0 or -1 (r). */
int pacing_platform(struct app *app, const char *platform, const cJSON *body, cJSON **out,
                    cmd_result_t *r) __attribute__((warn_unused_result));
/* The same (GET) for every platform of PLATFORMS, as an array. */
int pacing_platforms(struct app *app, cJSON **out, cmd_result_t *r)
    __attribute__((warn_unused_result));
int pacing_account(struct app *app, int64_t account_id, const cJSON *body, cJSON **out,
                   cmd_result_t *r) __attribute__((warn_unused_result));

#endif
