/* Transactions of domain commands and their effects (see tx.h). */
#include "domain/tx.h"

#include <stdlib.h>
#include <string.h>

#include "app.h"
#include "common/db.h"
#include "common/xmalloc.h"
#include "images.h"

int tx_begin(tx_t *tx, struct app *app, int timeout_ms, cmd_result_t *r)
{
    memset(tx, 0, sizeof(*tx));
    tx->app = app;
    tx->pg = db_pool_acquire(app->pool, timeout_ms, r->cause.msg, sizeof(r->cause.msg));
    if (!tx->pg)
        return cmd_fail(r, CMD_UNAVAILABLE, NULL, "the database is unavailable");
    store_err_t err = {"", ""};
    if (db_begin(tx->pg, err.msg, sizeof(err.msg)) != 0)
        return cmd_db_fail(r, "starting a transaction", &err);
    return 0;
}

static void files_add(tx_files_t *f, const char *name)
{
    if (f->n == f->cap) {
        f->cap = f->cap ? 2 * f->cap : 4;
        f->v = xrealloc(f->v, f->cap * sizeof(*f->v));
    }
    f->v[f->n++] = xstrdup(name);
}

/* Removes (when remove) and forgets the files. */
static void files_done(tx_t *tx, tx_files_t *f, bool remove)
{
    for (size_t i = 0; i < f->n; i++) {
        if (remove)
            image_remove(tx->app->cfg.upload_dir, f->v[i]);
        free(f->v[i]);
    }
    free(f->v);
    memset(f, 0, sizeof(*f));
}

int tx_commit(tx_t *tx, cmd_result_t *r)
{
    store_err_t err = {"", ""};
    if (db_commit(tx->pg, err.msg, sizeof(err.msg)) != 0)
        return cmd_db_fail(r, "committing", &err);
    tx->committed = true;
    files_done(tx, &tx->on_commit, true);
    files_done(tx, &tx->on_abort, false); /* committed: the files belong to their rows */
    return 0;
}

void tx_end(tx_t *tx)
{
    if (!tx->app)
        return;
    files_done(tx, &tx->on_commit, false);
    files_done(tx, &tx->on_abort, !tx->committed);
    db_pool_release(tx->app->pool, tx->pg); /* rolls back what is still open */
    tx->pg = NULL;
}

void tx_remove_on_commit(tx_t *tx, const char *stored_name)
{
    files_add(&tx->on_commit, stored_name);
}

void tx_remove_on_abort(tx_t *tx, const char *stored_name)
{
    files_add(&tx->on_abort, stored_name);
}
