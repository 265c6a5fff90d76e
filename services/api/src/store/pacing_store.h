/* The job_pacing table (migrations/0010_job_pacing.sql): the saved pacing of a platform
 * (account_id 0) or of one account. Every value may be "inherit" (SQL NULL): an account's
 * from its platform's row, a platform's from the built-in defaults (domain/pacing.c). */
#ifndef API_PACING_STORE_H
#define API_PACING_STORE_H

#include <stdint.h>

#include <libpq-fe.h>

#include "store/store.h"

#define PACING_INHERIT (-1) /* an integer column that is NULL */
#define PACING_KINDS 4      /* per_day[]: posts, delists, updates, renews (job_kind_t's order) */
#define PACING_INTS 12      /* the integer settings, in pacing_int_names' order */

typedef struct {
    int min_gap_s; /* PACING_INHERIT or 0.. */
    int jitter_s;
    int per_day[PACING_KINDS]; /* 0: no cap */
    int posts_per_month;       /* per local month, 0: no cap (migrations/0060_*) */
    int hold_blocked_s;        /* an account's hold after `blocked`; 0: none */
    int hold_limit_s;          /* after `limit_reached`; 0: until the next local month */
    int renew_after_days;      /* a posting is renewed this long after it was posted or last
                                * renewed (migrations/0061_*); 0: never */
    int reply_gap_min_s;       /* between two sends of the account's messages (0062_*) */
    int reply_gap_max_s;       /* the gap is random in [min, max] */
    char timezone[64];         /* "" inherit */
    char updated_at[40];       /* "" never saved */
} pacing_row_t;

/* The names of the integer settings (columns and JSON keys), and the address of the i-th
 * (0 <= i < PACING_INTS) in row. Pure. */
extern const char *const pacing_int_names[PACING_INTS];
int *pacing_int_at(pacing_row_t *row, int i);

/* A row of nothing but "inherit". Pure. */
void pacing_row_inherit(pacing_row_t *row);

/* The saved rows of platform (plat) and of account_id on it (acct; account_id 0: none)
 * - all "inherit" when there is none - and fallback_tz, the responder settings' caps
 * timezone ("UTC" when none). Returns 0 or -1 (err). */
int pacing_store_get(PGconn *pg, const char *platform, int64_t account_id, pacing_row_t *plat,
                     pacing_row_t *acct, char fallback_tz[64], store_err_t *err)
    __attribute__((warn_unused_result));

/* Writes row as the saved pacing of platform (account_id 0) or of account_id. Returns 0 or
 * -1 (err). */
int pacing_store_put(PGconn *pg, const char *platform, int64_t account_id, const pacing_row_t *row,
                     store_err_t *err) __attribute__((warn_unused_result));

#endif
