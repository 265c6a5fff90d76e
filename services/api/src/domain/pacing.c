/* Pacing settings (see pacing.h). */
#include "domain/pacing.h"

#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "app.h"
#include "domain/posting.h"
#include "domain/tx.h"
#include "store/account_store.h"
#include "store/settings_store.h"
#include "store/slot_store.h"

/* Built-in defaults (docs/pacing.md says where the numbers come from). Facebook: public
 * write-ups of Marketplace limits speak of about 50 new listings a week and of temporary
 * limits after many listings in a short time; sellers blame bursts and identical timing
 * (shared/reference/users.md, pain point 3). The open-source automations
 * (shared/reference/facebook-markup.md §2.4) pace listings at least 30-90 s apart [S5],
 * more conservatively 10-60 min [S2], and saw a monthly limit of 20 listings [S3, §2.1].
 * So: 5 to 8 minutes apart (between S5's floor and S2's range), at most 7 posts a day (~50
 * a week) and 20 a month; delists (a seller clearing stock) and edits (price drops) capped
 * too but higher. The sandbox is the demo and test marketplace: unpaced, so that `make up`
 * and the tests stay fast. API platforms (ebay) have their own rate limits, which the
 * driver honours (Retry-After): unpaced. Any other platform: unpaced until configured.
 * Holds (every platform): 24 h after `blocked`, until the next local month after
 * `limit_reached` (the monthly limit is the one limit the evidence shows). Renews: the
 * automations renew a stale listing rather than delete and re-post it; Facebook allows it
 * every 7 days [S5] and 5 times [S4] (§2.2), so a Facebook posting is renewed 7 days after it
 * was posted or last renewed, at most 10 renews a day (cheap, but still an action); other
 * platforms have no renew (0 = never). Buyer replies: the automations wait 3-5 min between
 * messages of an account (facebook-markup.md §2.4, S15), so 180-300 s apart on Facebook;
 * unpaced elsewhere. */
#define HOLD_BLOCKED_S 86400
static const struct {
    const char *platform;
    int min_gap_s, jitter_s, per_day[PACING_KINDS], per_month, renew_after_days;
    int reply_gap_min_s, reply_gap_max_s;
} builtin[] = {
    {"facebook_marketplace", 300, 180, {7, 30, 20, 10}, 20, 7, 180, 300},
    {"sandbox", 0, 0, {0, 0, 0, 0}, 0, 0, 0, 0},
    {"ebay", 0, 0, {0, 0, 0, 0}, 0, 0, 0, 0},
};

static const char *const int_zero_means[PACING_INTS] = {"",
                                                        "",
                                                        "; 0 means no cap",
                                                        "; 0 means no cap",
                                                        "; 0 means no cap",
                                                        "; 0 means no cap",
                                                        "; 0 means no cap",
                                                        "; 0 means no hold",
                                                        "; 0 means until the next month",
                                                        "; 0 means never",
                                                        "",
                                                        ""};
static const int int_max[PACING_INTS] = {86400,  86400,  100000,   100000,   100000, 100000,
                                         100000, 31622400, 31622400, 365,   86400,  86400};

/* ",facebook_marketplace,": each name between commas, for a whole-name search. */
static char builtin_off[512] = ",";

void pacing_builtin_off(const char *platforms)
{
    snprintf(builtin_off, sizeof(builtin_off), ",%s,", platforms ? platforms : "");
}

static bool is_builtin_off(const char *platform)
{
    char needle[80];
    snprintf(needle, sizeof(needle), ",%s,", platform);
    return strstr(builtin_off, needle) != NULL;
}

void pacing_builtin(const char *platform, pacing_row_t *out)
{
    memset(out, 0, sizeof(*out));
    /* A hold is the marketplace's own answer, not our pacing: PACING_OFF keeps it. */
    out->hold_blocked_s = HOLD_BLOCKED_S;
    out->hold_limit_s = 0;
    if (is_builtin_off(platform))
        return;
    for (size_t i = 0; i < sizeof(builtin) / sizeof(builtin[0]); i++) {
        if (strcmp(builtin[i].platform, platform) != 0)
            continue;
        out->min_gap_s = builtin[i].min_gap_s;
        out->jitter_s = builtin[i].jitter_s;
        memcpy(out->per_day, builtin[i].per_day, sizeof(out->per_day));
        out->posts_per_month = builtin[i].per_month;
        out->renew_after_days = builtin[i].renew_after_days;
        out->reply_gap_min_s = builtin[i].reply_gap_min_s;
        out->reply_gap_max_s = builtin[i].reply_gap_max_s;
    }
}

void pacing_effective(const char *platform, const pacing_row_t *plat, const pacing_row_t *acct,
                      const char *fallback_tz, pacing_t *out)
{
    pacing_row_t merged;
    pacing_builtin(platform, &merged);
    const pacing_row_t *layers[2] = {plat, acct};
    for (int l = 0; l < 2; l++) {
        if (!layers[l])
            continue;
        for (int i = 0; i < PACING_INTS; i++) {
            int v = *pacing_int_at((pacing_row_t *)layers[l], i);
            if (v != PACING_INHERIT)
                *pacing_int_at(&merged, i) = v;
        }
        if (layers[l]->timezone[0])
            snprintf(merged.timezone, sizeof(merged.timezone), "%s", layers[l]->timezone);
    }
    out->min_gap_s = merged.min_gap_s;
    out->jitter_s = merged.jitter_s;
    memcpy(out->per_day, merged.per_day, sizeof(out->per_day));
    out->posts_per_month = merged.posts_per_month;
    out->hold_blocked_s = merged.hold_blocked_s;
    out->hold_limit_s = merged.hold_limit_s;
    out->renew_after_days = merged.renew_after_days;
    out->reply_gap_min_s = merged.reply_gap_min_s;
    out->reply_gap_max_s = merged.reply_gap_max_s;
    snprintf(out->timezone, sizeof(out->timezone), "%s",
             merged.timezone[0] ? merged.timezone : (fallback_tz ? fallback_tz : "UTC"));
}

int pacing_apply(const cJSON *body, pacing_row_t *row, cmd_result_t *r)
{
    for (int i = 0; i < PACING_INTS; i++) {
        const cJSON *v = cJSON_GetObjectItemCaseSensitive(body, pacing_int_names[i]);
        if (!v)
            continue;
        if (cJSON_IsNull(v)) {
            *pacing_int_at(row, i) = PACING_INHERIT;
            continue;
        }
        double d = cJSON_IsNumber(v) ? v->valuedouble : -1;
        if (d != (double)(long long)d || d < 0 || d > int_max[i])
            return cmd_fail(r, CMD_INVALID, pacing_int_names[i],
                            "%s: must be an integer from 0 to %d, or null (inherit)%s",
                            pacing_int_names[i], int_max[i], int_zero_means[i]);
        *pacing_int_at(row, i) = (int)d;
    }
    const cJSON *tz = cJSON_GetObjectItemCaseSensitive(body, "timezone");
    if (tz && !cJSON_IsNull(tz) &&
        (!cJSON_IsString(tz) || !tz->valuestring[0] ||
         strlen(tz->valuestring) >= sizeof(row->timezone)))
        return cmd_fail(r, CMD_INVALID, "timezone",
                        "timezone: must be an IANA time zone name such as Europe/Paris, or null");
    if (tz)
        snprintf(row->timezone, sizeof(row->timezone), "%s",
                 cJSON_IsNull(tz) ? "" : tz->valuestring);
    return 0;
}

cJSON *pacing_row_json(const pacing_row_t *row)
{
    cJSON *o = cJSON_CreateObject();
    for (int i = 0; i < PACING_INTS; i++) {
        int v = *pacing_int_at((pacing_row_t *)row, i);
        if (v == PACING_INHERIT)
            cJSON_AddNullToObject(o, pacing_int_names[i]);
        else
            cJSON_AddNumberToObject(o, pacing_int_names[i], v);
    }
    if (row->timezone[0])
        cJSON_AddStringToObject(o, "timezone", row->timezone);
    else
        cJSON_AddNullToObject(o, "timezone");
    return o;
}

cJSON *pacing_json(const pacing_t *p)
{
    pacing_row_t row;
    memset(&row, 0, sizeof(row));
    row.min_gap_s = p->min_gap_s;
    row.jitter_s = p->jitter_s;
    memcpy(row.per_day, p->per_day, sizeof(row.per_day));
    row.posts_per_month = p->posts_per_month;
    row.hold_blocked_s = p->hold_blocked_s;
    row.hold_limit_s = p->hold_limit_s;
    row.renew_after_days = p->renew_after_days;
    row.reply_gap_min_s = p->reply_gap_min_s;
    row.reply_gap_max_s = p->reply_gap_max_s;
    snprintf(row.timezone, sizeof(row.timezone), "%s", p->timezone);
    return pacing_row_json(&row);
}

/* Reads (and with body, changes and saves) the pacing of platform / account_id inside tx,
 * and builds the answer. */
static int pacing_run(tx_t *tx, const char *platform, int64_t account_id, const cJSON *body,
                      cJSON **out, cmd_result_t *r)
{
    pacing_row_t plat, acct;
    char fallback_tz[64];
    store_err_t err;
    /* The scheduling lock of the account (or the platform's default account): a partial
     * update is read-modify-write, and jobs scheduled meanwhile see the old or the new. */
    if (slot_store_lock(tx->pg, platform, account_id, &err) != 0 ||
        pacing_store_get(tx->pg, platform, account_id, &plat, &acct, fallback_tz, &err) != 0)
        return cmd_db_fail(r, "reading the pacing", &err);
    pacing_row_t *mine = account_id ? &acct : &plat;
    if (body) {
        if (pacing_apply(body, mine, r) != 0)
            return -1;
        int known =
            mine->timezone[0] ? settings_store_timezone_known(tx->pg, mine->timezone, &err) : 1;
        if (known == 0)
            return cmd_fail(r, CMD_INVALID, "timezone",
                            "timezone: unknown time zone (an IANA name such as Europe/Paris)");
        if (known < 0 || pacing_store_put(tx->pg, platform, account_id, mine, &err) != 0)
            return cmd_db_fail(r, "saving the pacing", &err);
    }
    pacing_t eff;
    pacing_effective(platform, &plat, account_id ? &acct : NULL, fallback_tz, &eff);
    /* Checked on the values in force: a partial PUT of one bound meets the inherited other. */
    if (body && eff.reply_gap_max_s < eff.reply_gap_min_s)
        return cmd_fail(r, CMD_INVALID, "reply_gap_max_s",
                        "reply_gap_max_s: must be at least reply_gap_min_s (in force: %d and %d)",
                        eff.reply_gap_max_s, eff.reply_gap_min_s);
    *out = cJSON_CreateObject();
    cJSON_AddStringToObject(*out, "platform", platform);
    if (account_id)
        cJSON_AddNumberToObject(*out, "account_id", (double)account_id);
    cJSON_AddItemToObject(*out, "saved", pacing_row_json(mine));
    cJSON_AddItemToObject(*out, "effective", pacing_json(&eff));
    return 0;
}

/* Runs pacing_run in a transaction of its own (committed only for a PUT). */
static int pacing_tx(struct app *app, const char *platform, int64_t account_id, const cJSON *body,
                     cJSON **out, cmd_result_t *r)
{
    tx_t tx;
    int rc = -1;
    *out = NULL;
    if (tx_begin(&tx, app, API_DB_TIMEOUT_MS, r) != 0)
        goto end;
    if (account_id) {
        account_row_t acc;
        store_err_t err;
        if (cmd_found(r, account_store_find(tx.pg, account_id, false, false, &acc, &err),
                      "reading the account", &err, "Account not found") != 0)
            goto end;
        rc = pacing_run(&tx, acc.platform, account_id, body, out, r);
    } else {
        rc = pacing_run(&tx, platform, 0, body, out, r);
    }
    if (rc == 0)
        rc = tx_commit(&tx, r);
end:
    if (rc != 0) {
        cJSON_Delete(*out);
        *out = NULL;
    }
    tx_end(&tx);
    return rc;
}

int pacing_platform(struct app *app, const char *platform, const cJSON *body, cJSON **out,
                    cmd_result_t *r)
{
    if (!platform || strlen(platform) > 50 ||
        !posting_platform_allowed(app->cfg.platforms, platform))
        return cmd_fail(r, CMD_NOT_FOUND, NULL, "Platform not found (platforms: %s)",
                        app->cfg.platforms);
    return pacing_tx(app, platform, 0, body, out, r);
}

int pacing_account(struct app *app, int64_t account_id, const cJSON *body, cJSON **out,
                   cmd_result_t *r)
{
    return pacing_tx(app, NULL, account_id, body, out, r);
}

int pacing_platforms(struct app *app, cJSON **out, cmd_result_t *r)
{
    *out = cJSON_CreateArray();
    const char *p = app->cfg.platforms;
    while (p && *p) {
        while (*p == ' ' || *p == ',')
            p++;
        size_t len = strcspn(p, ",");
        char name[64];
        snprintf(name, sizeof(name), "%.*s", (int)(len < 63 ? len : 63), p);
        for (size_t n = strlen(name); n && name[n - 1] == ' ';)
            name[--n] = '\0';
        p += len;
        cJSON *one = NULL;
        if (!name[0])
            continue;
        if (pacing_platform(app, name, NULL, &one, r) != 0) {
            cJSON_Delete(*out);
            *out = NULL;
            return -1;
        }
        cJSON_AddItemToArray(*out, one);
    }
    return 0;
}
