/* The responder settings command (see settings.h). */
#include "domain/settings.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app.h"
#include "common/utf8.h"
#include "common/xmalloc.h"
#include "domain/account_desired.h"
#include "domain/tx.h"

static const struct {
    const char *name;
    size_t offset;
    long max_chars;
} text_fields[] = {
    {"tone", offsetof(responder_settings_t, tone), 200},
    {"persona", offsetof(responder_settings_t, persona), 2000},
    {"model", offsetof(responder_settings_t, model), 200},
};

static int apply_texts(const cJSON *body, responder_settings_t *s, cmd_result_t *r)
{
    for (size_t i = 0; i < sizeof(text_fields) / sizeof(text_fields[0]); i++) {
        const cJSON *v = cJSON_GetObjectItemCaseSensitive(body, text_fields[i].name);
        char **slot = (char **)((char *)s + text_fields[i].offset);
        if (!v)
            continue;
        long n = cJSON_IsString(v) ? utf8_count(v->valuestring, strlen(v->valuestring)) : -1;
        if (!cJSON_IsNull(v) && (n < 0 || n > text_fields[i].max_chars))
            return cmd_fail(r, CMD_INVALID, text_fields[i].name,
                            "%s: must be a string of at most %ld characters, or null",
                            text_fields[i].name, text_fields[i].max_chars);
        free(*slot);
        *slot = cJSON_IsNull(v) ? NULL : xstrdup(v->valuestring);
    }
    return 0;
}

static int apply_bool(const cJSON *body, const char *name, bool *out, cmd_result_t *r)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(body, name);
    if (v && !cJSON_IsBool(v))
        return cmd_fail(r, CMD_INVALID, name, "%s: must be true or false", name);
    if (v)
        *out = cJSON_IsTrue(v);
    return 0;
}

/* The integers of group ("pacing" / "caps") from that object of body. */
static int apply_ints(const cJSON *group, const char *gname, responder_settings_t *s,
                      cmd_result_t *r)
{
    for (size_t i = 0; i < settings_nint_fields; i++) {
        const settings_int_field_t *f = &settings_int_fields[i];
        const cJSON *v =
            strcmp(f->group, gname) == 0 ? cJSON_GetObjectItemCaseSensitive(group, f->name) : NULL;
        if (!v)
            continue;
        double d = cJSON_IsNumber(v) ? v->valuedouble : -1e18;
        if (d != (double)(long long)d || d < f->min || d > f->max) {
            cmd_fail(r, CMD_INVALID, "", "%s.%s: must be an integer from %d to %d", gname, f->name,
                     f->min, f->max);
            snprintf(r->field, sizeof(r->field), "%s.%s", gname, f->name);
            return -1;
        }
        *(int *)((char *)s + f->offset) = (int)d;
    }
    return 0;
}

/* "HH:MM" (00:00..23:59) or null into out ("" for null). */
static int apply_hhmm(const cJSON *caps, const char *name, char out[6], cmd_result_t *r)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(caps, name);
    if (!v)
        return 0;
    const char *t = cJSON_IsString(v) ? v->valuestring : "";
    bool ok = cJSON_IsNull(v) || (strlen(t) == 5 && t[2] == ':' && t[0] >= '0' && t[0] <= '2' &&
                                  t[1] >= '0' && t[1] <= '9' && (t[0] < '2' || t[1] <= '3') &&
                                  t[3] >= '0' && t[3] <= '5' && t[4] >= '0' && t[4] <= '9');
    if (!ok) {
        cmd_fail(r, CMD_INVALID, "", "caps.%s: must be \"HH:MM\" (00:00 to 23:59) or null", name);
        snprintf(r->field, sizeof(r->field), "caps.%s", name);
        return -1;
    }
    snprintf(out, 6, "%s", cJSON_IsNull(v) ? "" : t);
    return 0;
}

static int field_fail(cmd_result_t *r, const char *field, const char *detail)
{
    cmd_fail(r, CMD_INVALID, "", "%s: %s", field, detail);
    snprintf(r->field, sizeof(r->field), "%s", field);
    return -1;
}

static int apply_group(const cJSON *body, const char *name, const cJSON **out, cmd_result_t *r)
{
    *out = cJSON_GetObjectItemCaseSensitive(body, name);
    if (*out && !cJSON_IsObject(*out))
        return field_fail(r, name, "must be an object");
    return 0;
}

/* The rules between fields, on the merged values. */
static int settings_check(const responder_settings_t *s, cmd_result_t *r)
{
    if (s->active_min_ms > s->active_max_ms)
        return field_fail(r, "pacing.active_max_ms", "must be at least active_min_ms");
    if (s->idle_min_ms > s->idle_max_ms)
        return field_fail(r, "pacing.idle_max_ms", "must be at least idle_min_ms");
    if (s->break_min_ms > s->break_max_ms)
        return field_fail(r, "pacing.break_max_ms", "must be at least break_min_ms");
    if (!s->quiet_start[0] != !s->quiet_end[0])
        return field_fail(r, s->quiet_start[0] ? "caps.quiet_end" : "caps.quiet_start",
                          "quiet_start and quiet_end are both set or both null");
    return 0;
}

int settings_apply(const cJSON *body, responder_settings_t *s, cmd_result_t *r)
{
    const cJSON *pacing, *caps, *tz;
    if (apply_texts(body, s, r) != 0 || apply_bool(body, "use_model", &s->use_model, r) != 0 ||
        apply_bool(body, "auto_reply", &s->auto_reply, r) != 0 ||
        apply_group(body, "pacing", &pacing, r) != 0 || apply_group(body, "caps", &caps, r) != 0 ||
        apply_ints(pacing, "pacing", s, r) != 0 || apply_ints(caps, "caps", s, r) != 0 ||
        apply_hhmm(caps, "quiet_start", s->quiet_start, r) != 0 ||
        apply_hhmm(caps, "quiet_end", s->quiet_end, r) != 0)
        return -1;
    tz = cJSON_GetObjectItemCaseSensitive(caps, "timezone");
    if (tz && (!cJSON_IsString(tz) || !tz->valuestring[0] ||
               strlen(tz->valuestring) >= sizeof(s->timezone)))
        return field_fail(r, "caps.timezone", "must be an IANA time zone name such as UTC");
    if (tz)
        snprintf(s->timezone, sizeof(s->timezone), "%s", tz->valuestring);
    return settings_check(s, r);
}

/* Whether what monitor.desired carries differs between a and b. */
static bool monitor_part_changed(const responder_settings_t *a, const responder_settings_t *b)
{
    for (size_t i = 0; i < settings_nint_fields; i++) {
        size_t off = settings_int_fields[i].offset;
        if (*(const int *)((const char *)a + off) != *(const int *)((const char *)b + off))
            return true;
    }
    return strcmp(a->quiet_start, b->quiet_start) != 0 || strcmp(a->quiet_end, b->quiet_end) != 0 ||
           strcmp(a->timezone, b->timezone) != 0;
}

int settings_update(struct app *app, const cJSON *body, cmd_result_t *r)
{
    tx_t tx;
    store_err_t err;
    responder_settings_t old, s;
    int rc = -1, got = -1;
    memset(&old, 0, sizeof(old));
    if (tx_begin(&tx, app, API_DB_TIMEOUT_MS, r) != 0)
        goto end;
    if ((got = settings_store_get(tx.pg, true, &s, &err)) != 0) {
        cmd_db_fail(r, "reading the settings", &err);
        goto end;
    }
    old = s;
    old.tone = old.persona = old.model = NULL; /* only the monitor part is compared */
    if (body && settings_apply(body, &s, r) != 0)
        goto end;
    int known = settings_store_timezone_known(tx.pg, s.timezone, &err);
    if (known == 0)
        field_fail(r, "caps.timezone", "unknown time zone (an IANA name such as Europe/Paris)");
    else if (known < 0 || settings_store_put(tx.pg, &s, &err) != 0 ||
             (monitor_part_changed(&old, &s) && account_desired_enqueue_all(tx.pg, &s, &err) != 0))
        cmd_db_fail(r, "saving the settings", &err);
    else
        rc = tx_commit(&tx, r);
end:
    if (got == 0)
        settings_free(&s);
    tx_end(&tx);
    return rc;
}
