/* Statement execution and named columns for the store layer (see store.h). */
#include "store/store.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/db.h"
#include "common/log.h"
#include "common/xmalloc.h"

PGresult *store_exec(PGconn *pg, const char *sql, int nparams, const char *const *params,
                     store_err_t *err)
{
    return db_exec(pg, sql, nparams, params, err->msg, sizeof(err->msg), err->sqlstate);
}

int store_run(PGconn *pg, const char *sql, int nparams, const char *const *params, store_err_t *err)
{
    PGresult *res = store_exec(pg, sql, nparams, params, err);
    if (!res)
        return -1;
    PQclear(res);
    return 0;
}

static int column(const PGresult *res, const char *name)
{
    int col = PQfnumber(res, name);
    if (col < 0)
        LOG_ERROR("store: the result has no column \"%s\"", name);
    return col;
}

const char *row_text(const PGresult *res, int row, const char *name)
{
    int col = column(res, name);
    if (col < 0 || PQgetisnull(res, row, col))
        return NULL;
    return PQgetvalue(res, row, col);
}

int64_t row_i64(const PGresult *res, int row, const char *name)
{
    const char *v = row_text(res, row, name);
    return v ? strtoll(v, NULL, 10) : 0;
}

int row_int(const PGresult *res, int row, const char *name)
{
    return (int)row_i64(res, row, name);
}

bool row_bool(const PGresult *res, int row, const char *name)
{
    const char *v = row_text(res, row, name);
    return v && strcmp(v, "t") == 0;
}

const char *store_i64(store_num_t *buf, int64_t v)
{
    snprintf(buf->s, sizeof(buf->s), "%" PRId64, v);
    return buf->s;
}

void store_json_take(const PGresult *res, const char *name, store_json_t *out)
{
    int col = PQfnumber(res, name);
    out->len = (size_t)PQgetlength(res, 0, col);
    out->json = xmalloc(out->len + 1);
    memcpy(out->json, PQgetvalue(res, 0, col), out->len + 1);
}
