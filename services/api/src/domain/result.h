/* How a domain command ended, independent of HTTP or Kafka: the http layer maps it onto a
 * status and a problem document, the event applier onto apply / drop / retry. */
#ifndef API_RESULT_H
#define API_RESULT_H

#include "store/store.h"

typedef enum {
    CMD_OK = 0,
    CMD_NOT_FOUND, /* the thing named does not exist */
    CMD_INVALID,   /* input that breaks a rule (field says which) */
    CMD_REFUSED,   /* a valid request the thing's state does not allow (e.g. retry a posted job) */
    CMD_CONFLICT,  /* the listing's state forbids it (e.g. posting a sold listing) */
    CMD_TOO_LARGE, /* an upload above a limit */
    CMD_UNSUPPORTED, /* an upload of a type that is not accepted */
    CMD_UNAVAILABLE, /* no database connection could be had */
    CMD_FAILED,      /* the database failed: detail says during what, cause what it said */
} cmd_status_t;

typedef struct {
    cmd_status_t status;
    char field[64]; /* "" when the whole request is at fault */
    char detail[400];
    store_err_t cause; /* CMD_FAILED / CMD_UNAVAILABLE: for the log, never for the client */
} cmd_result_t;

/* Sets r (status, field may be NULL, detail). Returns -1, so `return cmd_fail(...)` ends a
 * command. */
int cmd_fail(cmd_result_t *r, cmd_status_t status, const char *field, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* CMD_FAILED while doing `what` ("reading the listing"), with the store's error. Returns -1. */
int cmd_db_fail(cmd_result_t *r, const char *what, const store_err_t *err);

/* Maps a store lookup's outcome (1 found, 0 not, -1 failed with err) onto a command result:
 * 0 when found, else -1 with CMD_NOT_FOUND (not_found, e.g. "Listing not found") or
 * CMD_FAILED while doing `what`. */
int cmd_found(cmd_result_t *r, int found, const char *what, const store_err_t *err,
              const char *not_found);

#endif
