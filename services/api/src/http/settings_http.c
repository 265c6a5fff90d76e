/* GET/PUT /api/settings/responder: tone, persona, model on/off, the auto-reply default, and
 * the inbox monitor's pacing and caps. PUT is partial: keys left out keep their value. */
#include <stdbool.h>

#include "app.h"
#include "domain/settings.h"
#include "handlers.h"
#include "http/request.h"
#include "store/settings_store.h"

static void add_text(cJSON *o, const char *name, const char *v)
{
    if (v)
        cJSON_AddStringToObject(o, name, v);
    else
        cJSON_AddNullToObject(o, name);
}

static cJSON *settings_json(const responder_settings_t *s)
{
    cJSON *root = cJSON_CreateObject(), *pacing = cJSON_CreateObject();
    cJSON *caps = cJSON_CreateObject();
    add_text(root, "tone", s->tone);
    add_text(root, "persona", s->persona);
    cJSON_AddBoolToObject(root, "use_model", s->use_model);
    add_text(root, "model", s->model);
    cJSON_AddBoolToObject(root, "auto_reply", s->auto_reply);
    for (size_t i = 0; i < settings_nint_fields; i++) {
        const settings_int_field_t *f = &settings_int_fields[i];
        cJSON_AddNumberToObject(f->group[0] == 'p' ? pacing : caps, f->name,
                                *(const int *)((const char *)s + f->offset));
    }
    add_text(caps, "quiet_start", s->quiet_start[0] ? s->quiet_start : NULL);
    add_text(caps, "quiet_end", s->quiet_end[0] ? s->quiet_end : NULL);
    cJSON_AddStringToObject(caps, "timezone", s->timezone);
    cJSON_AddItemToObject(root, "pacing", pacing);
    cJSON_AddItemToObject(root, "caps", caps);
    add_text(root, "updated_at", s->updated_at[0] ? s->updated_at : NULL);
    return root;
}

int handle_settings_get(http_request_t *req)
{
    responder_settings_t s;
    store_err_t err;
    PGconn *pg = request_db(req);
    if (!pg)
        return req->status;
    int rc = settings_store_get(pg, false, &s, &err);
    request_db_release(req, pg);
    if (rc != 0)
        return request_db_error(req, "reading the settings", err.msg);
    int status = http_send_json(req, 200, settings_json(&s), NULL);
    settings_free(&s);
    return status;
}

int handle_settings_put(http_request_t *req)
{
    cJSON *body = NULL;
    cmd_result_t r;
    if (request_json_optional(req, &body) != 0)
        return req->status;
    int rc = settings_update(req->app, body, &r);
    cJSON_Delete(body);
    if (rc != 0)
        return request_fail(req, &r);
    return handle_settings_get(req);
}
