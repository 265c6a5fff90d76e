/* Marketplace accounts (see account.h). */
#include "domain/account.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "app.h"
#include "common/log.h"
#include "common/utf8.h"
#include "domain/account_desired.h"
#include "domain/posting.h"
#include "domain/tx.h"
#include "store/account_store.h"
#include "store/settings_store.h"

/* A string field: absent -> *out untouched; null allowed only when nullable. */
static int text_field(const cJSON *body, const char *name, bool nullable, long max_chars,
                      const char **out, bool *present, cmd_result_t *r)
{
    const cJSON *v = body ? cJSON_GetObjectItemCaseSensitive(body, name) : NULL;
    if (present)
        *present = v != NULL;
    if (!v)
        return 0;
    if (cJSON_IsNull(v) && nullable) {
        *out = NULL;
        return 0;
    }
    long n = cJSON_IsString(v) ? utf8_count(v->valuestring, strlen(v->valuestring)) : -1;
    if (n < 1 || n > max_chars)
        return cmd_fail(r, CMD_INVALID, name, "%s: must be a string of 1 to %ld characters%s", name,
                        max_chars, nullable ? " or null" : "");
    *out = v->valuestring;
    return 0;
}

int account_patch_parse(const cJSON *body, bool create, account_patch_t *p, cmd_result_t *r)
{
    memset(p, 0, sizeof(*p));
    p->running = -1;
    if ((create && text_field(body, "platform", false, 50, &p->platform, NULL, r) != 0) ||
        text_field(body, "label", false, 100, &p->label, NULL, r) != 0 ||
        text_field(body, "browser_profile", true, 1000, &p->browser_profile, &p->set_profile, r) !=
            0)
        return -1;
    if (create && !p->platform)
        return cmd_fail(r, CMD_INVALID, "platform", "platform: required");
    if (create && !p->label)
        return cmd_fail(r, CMD_INVALID, "label", "label: required");
    const cJSON *running = body ? cJSON_GetObjectItemCaseSensitive(body, "running") : NULL;
    if (running && !cJSON_IsBool(running))
        return cmd_fail(r, CMD_INVALID, "running", "running: must be true or false");
    if (running)
        p->running = cJSON_IsTrue(running);
    return 0;
}

/* After a write of platform + label: 409 on the label when the pair exists. */
static int account_write_fail(cmd_result_t *r, const char *what, const store_err_t *err,
                              const account_patch_t *p)
{
    if (strcmp(err->sqlstate, "23505") == 0)
        return cmd_fail(r, CMD_CONFLICT, "label", "label: an account labelled \"%s\" exists",
                        p->label ? p->label : "");
    return cmd_db_fail(r, what, err);
}

/* The switch, the commands and monitor.desired of acc (already changed in memory). */
static int account_announce(tx_t *tx, const account_row_t *acc, bool switched, cmd_result_t *r)
{
    responder_settings_t s;
    store_err_t err;
    int rc = settings_store_get(tx->pg, false, &s, &err);
    if (rc == 0 && switched)
        rc = account_store_set_monitoring(tx->pg, acc->id, acc->monitoring, &err);
    if (rc == 0) /* first: the monitor reads it when the command arrives */
        rc = account_desired_enqueue(tx->pg, acc, &s, &err);
    if (rc == 0 && switched)
        rc = account_command_enqueue(tx->pg, acc->id, acc->monitoring, &err);
    settings_free(&s);
    return rc == 0 ? 0 : cmd_db_fail(r, "announcing the account to the monitor", &err);
}

int account_create(struct app *app, const account_patch_t *p, int64_t *id, cmd_result_t *r)
{
    if (!posting_platform_allowed(app->cfg.platforms, p->platform))
        return cmd_fail(r, CMD_INVALID, "platform", "platform: must be one of %s",
                        app->cfg.platforms);
    tx_t tx;
    store_err_t err;
    account_row_t acc;
    int rc = -1;
    if (tx_begin(&tx, app, API_DB_TIMEOUT_MS, r) != 0)
        goto end;
    if (account_store_insert(tx.pg, p->platform, p->label,
                             p->set_profile ? p->browser_profile : NULL, id, &err) != 0) {
        account_write_fail(r, "creating the account", &err, p);
        goto end;
    }
    if (cmd_found(r, account_store_find(tx.pg, *id, false, true, &acc, &err), "reading the account",
                  &err, "Account not found") != 0)
        goto end;
    acc.monitoring = p->running == 1;
    if (account_announce(&tx, &acc, acc.monitoring, r) != 0)
        goto end;
    rc = tx_commit(&tx, r);
end:
    tx_end(&tx);
    return rc;
}

/* Applies p to acc; returns whether anything but the switch changed. */
static bool account_apply(account_row_t *acc, const account_patch_t *p)
{
    bool changed = false;
    if (p->label && strcmp(p->label, acc->label) != 0) {
        snprintf(acc->label, sizeof(acc->label), "%s", p->label);
        changed = true;
    }
    const char *profile = p->browser_profile ? p->browser_profile : "";
    if (p->set_profile && strcmp(profile, acc->browser_profile) != 0) {
        snprintf(acc->browser_profile, sizeof(acc->browser_profile), "%s", profile);
        changed = true;
    }
    return changed;
}

int account_update(struct app *app, int64_t id, const account_patch_t *p, account_change_t *out,
                   cmd_result_t *r)
{
    tx_t tx;
    store_err_t err;
    account_row_t acc;
    int rc = -1;
    if (tx_begin(&tx, app, API_DB_TIMEOUT_MS, r) != 0)
        goto end;
    int found = account_store_find(tx.pg, id, id == 0, true, &acc, &err);
    if (found <= 0) {
        if (found < 0)
            cmd_db_fail(r, "finding the account", &err);
        else
            cmd_fail(r, CMD_NOT_FOUND, "account_id", "account %" PRId64 " not found", id);
        goto end;
    }
    out->account_id = acc.id;
    bool renamed = account_apply(&acc, p);
    out->switched = p->running >= 0 && acc.monitoring != (p->running == 1);
    acc.monitoring = p->running >= 0 ? p->running == 1 : acc.monitoring;
    if (renamed && account_store_rename(tx.pg, &acc, &err) != 0) {
        account_write_fail(r, "renaming the account", &err, p);
        goto end;
    }
    if ((renamed || out->switched) && account_announce(&tx, &acc, out->switched, r) != 0)
        goto end;
    rc = tx_commit(&tx, r);
    if (rc == 0 && out->switched)
        LOG_INFO("monitor %s for account %" PRId64, acc.monitoring ? "started" : "stopped", acc.id);
end:
    tx_end(&tx);
    return rc;
}
