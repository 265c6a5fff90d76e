/* The global row of responder_settings (listing_id NULL): what the responder is told (tone,
 * persona, model on/off, the auto-reply default) and the inbox monitor's pacing and caps,
 * which every account's monitor.desired carries. Defaults (no row yet) are the original's
 * pacing and the column comments of migrations/0006_monitor_settings.sql. */
#ifndef API_SETTINGS_STORE_H
#define API_SETTINGS_STORE_H

#include <stdbool.h>
#include <stddef.h>

#include <libpq-fe.h>

#include "store/store.h"

typedef struct {
    char *tone;      /* NULL when not set (xmalloc'ed) */
    char *persona;   /* NULL when not set */
    char *model;     /* NULL: the responder's configured model */
    bool use_model;  /* false: the rules engine answers */
    bool auto_reply; /* the default of a new conversation */
    int active_min_ms, active_max_ms, idle_min_ms, idle_max_ms;
    int break_every_cycles, break_min_ms, break_max_ms;
    int max_sends_per_day;
    char quiet_start[6]; /* "HH:MM", "" when there are no quiet hours */
    char quiet_end[6];
    char timezone[64];   /* IANA name, "UTC" by default */
    char updated_at[40]; /* "" when never saved */
} responder_settings_t;

/* The integer settings: JSON key = column name, the group they are shown in ("pacing" or
 * "caps"), where they live in the struct, their default and their range. */
typedef struct {
    const char *name;
    const char *group;
    size_t offset;
    int def, min, max;
} settings_int_field_t;

extern const settings_int_field_t settings_int_fields[];
extern const size_t settings_nint_fields;

/* The global settings, or the defaults when none were saved; lock takes the row FOR UPDATE
 * (inside a transaction; creates it first so that there is one to lock). Returns 0 or -1
 * (err). Free with settings_free. */
int settings_store_get(PGconn *pg, bool lock, responder_settings_t *out, store_err_t *err)
    __attribute__((warn_unused_result));

/* Writes s as the global row. Returns 0 or -1 (err). */
int settings_store_put(PGconn *pg, const responder_settings_t *s, store_err_t *err)
    __attribute__((warn_unused_result));

/* Whether PostgreSQL knows the time zone name. Returns 1, 0, or -1 (err). */
int settings_store_timezone_known(PGconn *pg, const char *name, store_err_t *err)
    __attribute__((warn_unused_result));

void settings_free(responder_settings_t *s);

#endif
