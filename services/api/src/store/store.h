/* The store layer's shared pieces: a failed statement's message and SQLSTATE, statement
 * execution that fills them, and columns read by name (never by position), so a SELECT can
 * change its column order without breaking a reader. Every SQL statement of the api lives
 * under store/, one file per table. */
#ifndef API_STORE_H
#define API_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <libpq-fe.h>

#include "common/db.h" /* DB_TS: timestamps as the api shows them */

typedef struct {
    char msg[512];    /* the server's primary message (never DETAIL: it can hold row values) */
    char sqlstate[6]; /* "" when there is none (the connection broke) */
} store_err_t;

/* db_exec with the message and SQLSTATE in err. Returns the result or NULL. */
PGresult *store_exec(PGconn *pg, const char *sql, int nparams, const char *const *params,
                     store_err_t *err);

/* The api's prepared statements (db_exec_prepared), one slot per SQL text. */
enum {
    STORE_STMT_LISTING_ROWS = 0, /* + a variant of 0..1: store/listing_store.c */
    STORE_STMT_LISTING_KEYS = 2, /* + a variant of 0..3: store/listing_store.c */
    STORE_STMT_COUNT = 6
};

/* A hot read: prepared once per connection under slot (STORE_STMT_*), columns in binary (read
 * them with row_bin_*). Returns the result or NULL (err). */
PGresult *store_exec_prepared(PGconn *pg, unsigned slot, const char *sql, int nparams,
                              const char *const *params, store_err_t *err);

/* Runs a statement whose result is not needed. Returns 0 or -1 (err). */
int store_run(PGconn *pg, const char *sql, int nparams, const char *const *params, store_err_t *err)
    __attribute__((warn_unused_result));

/* Column `name` of row `row`: text (NULL when SQL NULL), integers, booleans ("t"). A missing
 * column is a programming error: it is logged and reads as NULL / 0 / false. */
const char *row_text(const PGresult *res, int row, const char *name);
int64_t row_i64(const PGresult *res, int row, const char *name);
int row_int(const PGresult *res, int row, const char *name);
bool row_bool(const PGresult *res, int row, const char *name);

/* Resolves the columns names[0..n) of res into cols[0..n), once per result (PQfnumber is a
 * scan of the column names). Returns 0, or -1 after logging a missing one. */
int store_columns(const PGresult *res, const char *const *names, int n, int *cols);

/* Binary columns (store_exec_prepared) by resolved number: an integer of any width
 * (int2/int4/int8), a float (float4/float8), a timestamptz (microseconds since
 * 2000-01-01 UTC). NULL reads as 0. */
int64_t row_bin_int(const PGresult *res, int row, int col);
double row_bin_float(const PGresult *res, int row, int col);
#define row_bin_timestamp row_bin_int

/* A JSON document (caller frees json). */
typedef struct {
    char *json;
    size_t len;
} store_json_t;

/* One page of a list, newest first. */
typedef struct {
    store_json_t body; /* a JSON array */
    bool has_more;
    int64_t last_id; /* the cursor of the next page */
} store_page_t;

/* Copies JSON text in[0..len) into out (len + 1 bytes) without the whitespace outside
 * strings; returns the new length. Pure. */
size_t store_json_compact(const char *in, size_t len, char *out);

/* Copies the JSON of column name of row 0 into out, without insignificant blanks. */
void store_json_take(const PGresult *res, const char *name, store_json_t *out);

/* Text form of an integer parameter, in the caller's buffer. */
typedef struct {
    char s[24];
} store_num_t;
const char *store_i64(store_num_t *buf, int64_t v);

#endif
