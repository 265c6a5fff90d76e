/* The global responder settings row (see settings_store.h). */
#include "store/settings_store.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/xmalloc.h"

#define F(name, group, def, min, max)                                                              \
    {                                                                                              \
#name, group, offsetof(responder_settings_t, name), def, min, max                          \
    }
const settings_int_field_t settings_int_fields[] = {
    F(active_min_ms, "pacing", 3000, 100, 3600000),  F(active_max_ms, "pacing", 5000, 100, 3600000),
    F(idle_min_ms, "pacing", 9000, 100, 3600000),    F(idle_max_ms, "pacing", 11000, 100, 3600000),
    F(break_every_cycles, "pacing", 75, 0, 1000000), F(break_min_ms, "pacing", 60000, 0, 86400000),
    F(break_max_ms, "pacing", 120000, 0, 86400000),  F(max_sends_per_day, "caps", 100, 1, 100000),
};
#undef F
const size_t settings_nint_fields = sizeof(settings_int_fields) / sizeof(settings_int_fields[0]);

#define SETTINGS_SELECT                                                                            \
    "SELECT tone, persona, model, COALESCE(use_model, false) AS use_model,"                        \
    " COALESCE(auto_reply, true) AS auto_reply, active_min_ms, active_max_ms, idle_min_ms,"        \
    " idle_max_ms, break_every_cycles, break_min_ms, break_max_ms, max_sends_per_day,"             \
    " to_char(quiet_start, 'HH24:MI') AS quiet_start, to_char(quiet_end, 'HH24:MI') AS quiet_end," \
    " COALESCE(timezone, 'UTC') AS timezone, " DB_TS(                                              \
        "updated_at") " AS updated_at"                                                             \
                      " FROM responder_settings WHERE listing_id IS NULL"

static int *int_at(responder_settings_t *s, size_t i)
{
    return (int *)((char *)s + settings_int_fields[i].offset);
}

static void defaults(responder_settings_t *s)
{
    memset(s, 0, sizeof(*s));
    s->auto_reply = true;
    for (size_t i = 0; i < settings_nint_fields; i++)
        *int_at(s, i) = settings_int_fields[i].def;
    snprintf(s->timezone, sizeof(s->timezone), "UTC");
}

static char *dup_or_null(const char *v)
{
    return v ? xstrdup(v) : NULL;
}

static void read_row(const PGresult *res, responder_settings_t *s)
{
    const char *qs = row_text(res, 0, "quiet_start"), *qe = row_text(res, 0, "quiet_end");
    s->tone = dup_or_null(row_text(res, 0, "tone"));
    s->persona = dup_or_null(row_text(res, 0, "persona"));
    s->model = dup_or_null(row_text(res, 0, "model"));
    s->use_model = row_bool(res, 0, "use_model");
    s->auto_reply = row_bool(res, 0, "auto_reply");
    for (size_t i = 0; i < settings_nint_fields; i++)
        if (row_text(res, 0, settings_int_fields[i].name)) /* NULL: the default stays */
            *int_at(s, i) = row_int(res, 0, settings_int_fields[i].name);
    snprintf(s->quiet_start, sizeof(s->quiet_start), "%s", qs && qe ? qs : "");
    snprintf(s->quiet_end, sizeof(s->quiet_end), "%s", qs && qe ? qe : "");
    snprintf(s->timezone, sizeof(s->timezone), "%s", row_text(res, 0, "timezone"));
    snprintf(s->updated_at, sizeof(s->updated_at), "%s", row_text(res, 0, "updated_at"));
}

int settings_store_get(PGconn *pg, bool lock, responder_settings_t *out, store_err_t *err)
{
    defaults(out);
    /* A row to lock: ON CONFLICT on the partial index of the global row, so two first
     * writers both end up with the same row. */
    if (lock && store_run(pg,
                          "INSERT INTO responder_settings (listing_id) VALUES (NULL)"
                          " ON CONFLICT ((true)) WHERE listing_id IS NULL DO NOTHING",
                          0, NULL, err) != 0)
        return -1;
    PGresult *res =
        store_exec(pg, lock ? SETTINGS_SELECT " FOR UPDATE" : SETTINGS_SELECT, 0, NULL, err);
    if (!res)
        return -1;
    if (PQntuples(res) == 1)
        read_row(res, out);
    PQclear(res);
    return 0;
}

int settings_store_put(PGconn *pg, const responder_settings_t *s, store_err_t *err)
{
    char nums[8][16];
    const char *p[17] = {s->tone, s->persona, s->model, s->use_model ? "true" : "false",
                         s->auto_reply ? "true" : "false"};
    for (size_t i = 0; i < settings_nint_fields && i < 8; i++) {
        snprintf(nums[i], sizeof(nums[i]), "%d",
                 *(const int *)((const char *)s + settings_int_fields[i].offset));
        p[5 + i] = nums[i];
    }
    p[13] = s->quiet_start[0] ? s->quiet_start : NULL;
    p[14] = s->quiet_end[0] ? s->quiet_end : NULL;
    p[15] = s->timezone;
    return store_run(pg,
                     "INSERT INTO responder_settings (listing_id, tone, persona, model, use_model,"
                     " auto_reply, active_min_ms, active_max_ms, idle_min_ms, idle_max_ms,"
                     " break_every_cycles, break_min_ms, break_max_ms, max_sends_per_day,"
                     " quiet_start, quiet_end, timezone) VALUES (NULL, $1, $2, $3, $4, $5, $6,"
                     " $7, $8, $9, $10, $11, $12, $13, $14::time, $15::time, $16)"
                     " ON CONFLICT ((true)) WHERE listing_id IS NULL DO UPDATE SET"
                     " tone = $1, persona = $2, model = $3, use_model = $4, auto_reply = $5,"
                     " active_min_ms = $6, active_max_ms = $7, idle_min_ms = $8,"
                     " idle_max_ms = $9, break_every_cycles = $10, break_min_ms = $11,"
                     " break_max_ms = $12, max_sends_per_day = $13, quiet_start = $14::time,"
                     " quiet_end = $15::time, timezone = $16",
                     16, p, err);
}

int settings_store_timezone_known(PGconn *pg, const char *name, store_err_t *err)
{
    const char *p[1] = {name};
    PGresult *res =
        store_exec(pg, "SELECT 1 FROM pg_timezone_names WHERE name = $1 LIMIT 1", 1, p, err);
    if (!res)
        return -1;
    int found = PQntuples(res) > 0;
    PQclear(res);
    return found;
}

void settings_free(responder_settings_t *s)
{
    free(s->tone);
    free(s->persona);
    free(s->model);
    s->tone = s->persona = s->model = NULL;
}
