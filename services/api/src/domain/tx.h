/* The one transaction of a domain command: a pooled connection, BEGIN, COMMIT, and the
 * effects that must follow the outcome - after a commit, the files of deleted rows are
 * removed; after anything else, the files written for
 * the transaction are removed. tx_end releases the connection (the pool rolls back a
 * transaction left open). Usage:
 *
 *     tx_t tx;
 *     if (tx_begin(&tx, app, r) != 0) return -1;
 *     ... store calls on tx.pg; on failure goto end with r set ...
 *     rc = tx_commit(&tx, r);
 *   end:
 *     tx_end(&tx);
 */
#ifndef API_TX_H
#define API_TX_H

#include <stdbool.h>
#include <stddef.h>

#include <libpq-fe.h>

#include "domain/result.h"

struct app;

typedef struct {
    char **v;
    size_t n, cap;
} tx_files_t;

typedef struct {
    struct app *app;
    PGconn *pg;
    bool committed;
    tx_files_t on_commit; /* stored names to remove once committed */
    tx_files_t on_abort;  /* stored names to remove unless committed */
} tx_t;

/* Takes a pooled connection (waiting at most timeout_ms) and begins. Returns 0, or -1 with
 * r CMD_UNAVAILABLE / CMD_FAILED (tx_end is still safe to call). */
int tx_begin(tx_t *tx, struct app *app, int timeout_ms, cmd_result_t *r)
    __attribute__((warn_unused_result));

/* Commits and runs the post-commit effects. Returns 0 or -1 (r CMD_FAILED). */
int tx_commit(tx_t *tx, cmd_result_t *r) __attribute__((warn_unused_result));

/* Runs the abort effects unless committed, and gives the connection back. */
void tx_end(tx_t *tx);

/* Effects: an upload's file to remove after the commit (its row is gone) or unless
 * committed (its row was never written). */
void tx_remove_on_commit(tx_t *tx, const char *stored_name);
void tx_remove_on_abort(tx_t *tx, const char *stored_name);

#endif
