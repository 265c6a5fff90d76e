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

PGresult *store_exec_prepared(PGconn *pg, unsigned slot, const char *sql, int nparams,
                              const char *const *params, store_err_t *err)
{
    return db_exec_prepared(pg, slot, sql, nparams, params, 1, err->msg, sizeof(err->msg),
                            err->sqlstate);
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

int store_columns(const PGresult *res, const char *const *names, int n, int *cols)
{
    for (int i = 0; i < n; i++)
        if ((cols[i] = column(res, names[i])) < 0)
            return -1;
    return 0;
}

/* Network-order bytes of a binary column value as an unsigned integer of their width. */
static uint64_t bin_bits(const PGresult *res, int row, int col, int *len)
{
    const unsigned char *p = (const unsigned char *)PQgetvalue(res, row, col);
    *len = PQgetisnull(res, row, col) ? 0 : PQgetlength(res, row, col);
    uint64_t v = 0;
    for (int i = 0; i < *len && i < 8; i++)
        v = v << 8 | p[i];
    return v;
}

int64_t row_bin_int(const PGresult *res, int row, int col)
{
    int len;
    uint64_t v = bin_bits(res, row, col, &len);
    if (len == 2)
        return (int16_t)v;
    if (len == 4)
        return (int32_t)v;
    return (int64_t)v;
}

double row_bin_float(const PGresult *res, int row, int col)
{
    int len;
    uint64_t v = bin_bits(res, row, col, &len);
    if (len == 4) {
        uint32_t bits = (uint32_t)v;
        float f;
        memcpy(&f, &bits, sizeof(f));
        return f;
    }
    double d = 0;
    if (len == 8)
        memcpy(&d, &v, sizeof(d));
    return d;
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
    /* buf is output only: callers pass uninitialised storage on purpose */
    // cppcheck-suppress ctuuninitvar
    snprintf(buf->s, sizeof(buf->s), "%" PRId64, v);
    return buf->s;
}

/* PostgreSQL's JSON text has blanks around ':' and ',' (about a tenth of a listing page):
 * whitespace outside strings carries nothing. */
size_t store_json_compact(const char *in, size_t len, char *out)
{
    size_t k = 0;
    bool in_string = false;
    for (size_t i = 0; i < len; i++) {
        char c = in[i];
        if (in_string) {
            out[k++] = c;
            if (c == '\\' && i + 1 < len)
                out[k++] = in[++i];
            else if (c == '"')
                in_string = false;
        } else if (c != ' ' && c != '\n' && c != '\r' && c != '\t') {
            out[k++] = c;
            in_string = c == '"';
        }
    }
    out[k] = '\0';
    return k;
}

void store_json_take(const PGresult *res, const char *name, store_json_t *out)
{
    int col = PQfnumber(res, name);
    size_t len = (size_t)PQgetlength(res, 0, col);
    out->json = xmalloc(len + 1);
    out->len = store_json_compact(PQgetvalue(res, 0, col), len, out->json);
}
