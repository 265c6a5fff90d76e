/* The listings table (see listing_store.h). */
#include "store/listing_store.h"

#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/sbuf.h"
#include "common/xmalloc.h"
#include "store/pg_json.h"

/* The writable columns: name and parameter cast, indexed by listing_column_t. A new field
 * is one row here, one member of listing_input_t (validation), a column of ROWS_SQL and a key in
 * listing_open. */
static const struct {
    const char *name;
    const char *cast;
} columns[LISTING_NCOLUMNS] = {
    [LISTING_TITLE] = {"title", ""},
    [LISTING_DESCRIPTION] = {"description", ""},
    [LISTING_PRICE_CENTS] = {"price_cents", "::bigint"},
    [LISTING_MIN_PRICE_CENTS] = {"min_price_cents", "::bigint"},
    [LISTING_CURRENCY] = {"currency", ""},
    [LISTING_FLEXIBILITY] = {"flexibility", "::float8"},
    [LISTING_SELLER_NOTES] = {"seller_notes", ""},
    [LISTING_CONDITION] = {"condition", ""},
    [LISTING_CATEGORY] = {"category", ""},
    [LISTING_LOCATION] = {"location", ""},
    [LISTING_STATUS] = {"status", ""},
};

void listing_values_text(listing_values_t *v, listing_column_t c, const char *text)
{
    v->given[c] = true;
    v->text[c] = text;
}

void listing_values_i64(listing_values_t *v, listing_column_t c, int64_t n)
{
    snprintf(v->num[c], sizeof(v->num[c]), "%" PRId64, n);
    listing_values_text(v, c, v->num[c]);
}

void listing_values_f64(listing_values_t *v, listing_column_t c, double d)
{
    snprintf(v->num[c], sizeof(v->num[c]), "%.17g", d);
    listing_values_text(v, c, v->num[c]);
}

int listing_store_insert(PGconn *pg, const listing_values_t *v, int64_t *id, store_err_t *err)
{
    char cols[512] = "", vals[256] = "";
    const char *params[LISTING_NCOLUMNS];
    int n = 0;
    for (int c = 0; c < LISTING_NCOLUMNS; c++) {
        if (!v->given[c])
            continue;
        params[n++] = v->text[c];
        size_t cl = strlen(cols), vl = strlen(vals);
        snprintf(cols + cl, sizeof(cols) - cl, "%s%s", n > 1 ? ", " : "", columns[c].name);
        snprintf(vals + vl, sizeof(vals) - vl, "%s$%d%s", n > 1 ? ", " : "", n, columns[c].cast);
    }
    char sql[1024];
    snprintf(sql, sizeof(sql), "INSERT INTO listings (%s) VALUES (%s) RETURNING id", cols, vals);
    PGresult *res = store_exec(pg, sql, n, params, err);
    if (!res)
        return -1;
    *id = row_i64(res, 0, "id");
    PQclear(res);
    return 0;
}

int listing_store_update(PGconn *pg, int64_t id, const listing_values_t *v, store_err_t *err)
{
    store_num_t idbuf;
    const char *params[LISTING_NCOLUMNS + 1] = {store_i64(&idbuf, id)};
    char sql[1024] = "UPDATE listings SET ";
    int n = 1;
    for (int c = 0; c < LISTING_NCOLUMNS; c++) {
        if (!v->given[c])
            continue;
        params[n++] = v->text[c];
        size_t len = strlen(sql);
        snprintf(sql + len, sizeof(sql) - len, "%s%s = $%d%s", n > 2 ? ", " : "", columns[c].name,
                 n, columns[c].cast);
    }
    size_t len = strlen(sql);
    /* nothing given (images only): the listing is still touched */
    snprintf(sql + len, sizeof(sql) - len, "%s WHERE id = $1", n == 1 ? "updated_at = now()" : "");
    return store_run(pg, sql, n, params, err);
}

int listing_store_lock(PGconn *pg, int64_t id, bool share, listing_row_t *row, store_err_t *err)
{
    store_num_t idbuf;
    const char *params[1] = {store_i64(&idbuf, id)};
    char sql[512];
    snprintf(sql, sizeof(sql),
             "SELECT price_cents, COALESCE(min_price_cents, 0) AS min_price_cents, status,"
             " (SELECT count(*) FROM listing_images WHERE listing_id = l.id) AS image_count,"
             " (SELECT COALESCE(max(position) + 1, 0) FROM listing_images"
             "  WHERE listing_id = l.id) AS next_position"
             " FROM listings l WHERE id = $1 %s",
             share ? "FOR SHARE" : "FOR UPDATE");
    PGresult *res = store_exec(pg, sql, 1, params, err);
    if (!res)
        return -1;
    int found = PQntuples(res) == 1;
    if (found) {
        row->price_cents = row_i64(res, 0, "price_cents");
        row->min_price_cents = row_i64(res, 0, "min_price_cents");
        snprintf(row->status, sizeof(row->status), "%s", row_text(res, 0, "status"));
        row->image_count = (long)row_i64(res, 0, "image_count");
        row->next_position = row_int(res, 0, "next_position");
    }
    PQclear(res);
    return found;
}

int listing_store_delete(PGconn *pg, int64_t id, store_names_t *names, store_err_t *err)
{
    store_num_t idbuf;
    const char *params[1] = {store_i64(&idbuf, id)};
    names->v = NULL;
    names->n = 0;
    /* The image rows go with the listing (cascade); their names come back for the files. */
    PGresult *res = store_exec(pg,
                               "WITH imgs AS (SELECT stored_name FROM listing_images"
                               "  WHERE listing_id = $1),"
                               " del AS (DELETE FROM listings WHERE id = $1 RETURNING id)"
                               " SELECT (SELECT count(*) FROM del) AS deleted, stored_name"
                               " FROM imgs RIGHT JOIN (SELECT 1) one ON true",
                               1, params, err);
    if (!res)
        return -1;
    int found = row_i64(res, 0, "deleted") == 1;
    if (found) {
        names->v = xcalloc((size_t)PQntuples(res) + 1, sizeof(char *));
        for (int i = 0; i < PQntuples(res); i++) {
            const char *name = row_text(res, i, "stored_name");
            if (name)
                names->v[names->n++] = xstrdup(name);
        }
    }
    PQclear(res);
    return found;
}

void store_names_free(store_names_t *names)
{
    for (size_t i = 0; i < names->n; i++)
        free(names->v[i]);
    free(names->v);
    names->v = NULL;
    names->n = 0;
}

/* The listings read path: one prepared statement gives the page's listings and their
 * images as plain typed rows (binary), and the JSON is written here, in C, instead of by
 * json_build_object and to_char in PostgreSQL (which cost several times the scans). A row
 * per listing (image columns NULL), followed by a row per image of it (listing columns NULL
 * but the id), so no listing column travels more than once; newest listing first, images
 * in their order. The page comes from the id index (the cursor) and the images of exactly
 * those listings from (listing_id, position, id), or on small tables one hash join: never
 * a scan per listing. */
#define ROWS_SQL                                                                                   \
    "WITH page AS MATERIALIZED (SELECT * FROM listings l WHERE %s ORDER BY l.id DESC LIMIT $2)"    \
    " SELECT l.id, l.title, l.description, l.price_cents, l.min_price_cents, l.currency,"          \
    " l.flexibility, l.seller_notes, l.condition, l.category, l.location, l.status,"               \
    " l.created_at, l.updated_at, NULL::bigint AS image_id, NULL::text AS stored_name,"            \
    " NULL::text AS thumb_name, NULL::integer AS position, NULL::integer AS width,"                \
    " NULL::integer AS height, NULL::bigint AS bytes, NULL::text AS sha256,"                       \
    " NULL::timestamptz AS image_created_at FROM page l"                                           \
    " UNION ALL SELECT i.listing_id, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL,"  \
    " NULL, NULL, NULL, i.id, i.stored_name, i.thumb_name, i.position, i.width, i.height,"         \
    " i.bytes, i.sha256, i.created_at FROM listing_images i"                                       \
    " WHERE i.listing_id IN (SELECT id FROM page)"                                                 \
    " ORDER BY id DESC, position NULLS FIRST, image_id"

/* The statement's variants (a prepared statement each, so each keeps a plan that fits):
 * one listing by id, or a page below a cursor, filtered by status and/or title. */
enum { ROWS_ONE = 1, ROWS_STATUS = 2, ROWS_TITLE = 4 };

typedef enum {
    COL_ID,
    COL_TITLE,
    COL_DESCRIPTION,
    COL_PRICE_CENTS,
    COL_MIN_PRICE_CENTS,
    COL_CURRENCY,
    COL_FLEXIBILITY,
    COL_SELLER_NOTES,
    COL_CONDITION,
    COL_CATEGORY,
    COL_LOCATION,
    COL_STATUS,
    COL_CREATED_AT,
    COL_UPDATED_AT,
    COL_IMAGE_ID,
    COL_STORED_NAME,
    COL_THUMB_NAME,
    COL_POSITION,
    COL_WIDTH,
    COL_HEIGHT,
    COL_BYTES,
    COL_SHA256,
    COL_IMAGE_CREATED_AT,
    COL_COUNT
} row_column_t;

static const char *const row_column_names[COL_COUNT] = {
    "id",          "title",        "description", "price_cents", "min_price_cents", "currency",
    "flexibility", "seller_notes", "condition",   "category",    "location",        "status",
    "created_at",  "updated_at",   "image_id",    "stored_name", "thumb_name",      "position",
    "width",       "height",       "bytes",       "sha256",      "image_created_at"};

/* A walk over the rows: where the columns are, and the last flexibility written (most
 * listings share one, and float formatting is the dearest part of a listing). */
typedef struct {
    const PGresult *res;
    int row;
    int col[COL_COUNT];
    sbuf_t *out;
    uint64_t flex_bits;
    char flex_text[40];
} rows_walk_t;

static void put_text(rows_walk_t *w, const char *key, row_column_t c)
{
    sbuf_add(w->out, key);
    int col = w->col[c];
    if (PQgetisnull(w->res, w->row, col))
        sbuf_addn(w->out, "null", 4);
    else
        pg_json_string(w->out, PQgetvalue(w->res, w->row, col),
                       (size_t)PQgetlength(w->res, w->row, col));
}

static void put_int(rows_walk_t *w, const char *key, row_column_t c)
{
    sbuf_add(w->out, key);
    pg_json_i64(w->out, row_bin_int(w->res, w->row, w->col[c]));
}

static void put_timestamp(rows_walk_t *w, const char *key, row_column_t c)
{
    sbuf_add(w->out, key);
    pg_json_timestamp(w->out, row_bin_timestamp(w->res, w->row, w->col[c]));
}

/* price and min_price (the original's, cents::float8 / 100) beside the exact cents. */
static void put_money(rows_walk_t *w, const char *key, const char *cents_key, row_column_t c)
{
    sbuf_add(w->out, key);
    if (PQgetisnull(w->res, w->row, w->col[c])) {
        sbuf_addn(w->out, "null", 4);
        sbuf_add(w->out, cents_key);
        sbuf_addn(w->out, "null", 4);
        return;
    }
    int64_t cents = row_bin_int(w->res, w->row, w->col[c]);
    pg_json_cents(w->out, cents);
    sbuf_add(w->out, cents_key);
    pg_json_i64(w->out, cents);
}

/* flexibility, and willing_to_negotiate (the original's name for it). */
static void put_flexibility(rows_walk_t *w)
{
    double flex = row_bin_float(w->res, w->row, w->col[COL_FLEXIBILITY]);
    uint64_t bits; /* compared as bits: 0 and -0 print differently */
    memcpy(&bits, &flex, sizeof(bits));
    if (!w->flex_text[0] || bits != w->flex_bits) {
        sbuf_t text = {0};
        pg_json_float8(&text, flex);
        snprintf(w->flex_text, sizeof(w->flex_text), "%s", text.s);
        sbuf_free(&text);
        w->flex_bits = bits;
    }
    sbuf_add(w->out, ",\"flexibility\":");
    sbuf_add(w->out, w->flex_text);
    sbuf_add(w->out, ",\"willing_to_negotiate\":");
    sbuf_add(w->out, w->flex_text);
}

/* The listing of the current row, up to its open images array. */
static void listing_open(rows_walk_t *w)
{
    put_int(w, "{\"id\":", COL_ID);
    put_text(w, ",\"title\":", COL_TITLE);
    put_text(w, ",\"description\":", COL_DESCRIPTION);
    put_money(w, ",\"price\":", ",\"price_cents\":", COL_PRICE_CENTS);
    put_money(w, ",\"min_price\":", ",\"min_price_cents\":", COL_MIN_PRICE_CENTS);
    put_text(w, ",\"currency\":", COL_CURRENCY);
    put_flexibility(w);
    put_text(w, ",\"seller_notes\":", COL_SELLER_NOTES);
    put_text(w, ",\"condition\":", COL_CONDITION);
    put_text(w, ",\"category\":", COL_CATEGORY);
    put_text(w, ",\"location\":", COL_LOCATION);
    put_text(w, ",\"status\":", COL_STATUS);
    put_timestamp(w, ",\"created_at\":", COL_CREATED_AT);
    put_timestamp(w, ",\"updated_at\":", COL_UPDATED_AT);
    sbuf_add(w->out, ",\"images\":[");
}

/* The image of the current row: the original's fields (filename, filepath under uploads/,
 * position) and ours. Not here, as they repeat other fields and no client reads them: a
 * url ("/" + filepath) and the content type (the stored name's extension says it). */
static void image_write(rows_walk_t *w)
{
    const PGresult *res = w->res;
    int row = w->row;
    put_int(w, "{\"id\":", COL_IMAGE_ID);
    put_int(w, ",\"listing_id\":", COL_ID);
    put_text(w, ",\"filename\":", COL_STORED_NAME);
    sbuf_add(w->out, ",\"filepath\":");
    pg_json_string_after(w->out, "uploads/", PQgetvalue(res, row, w->col[COL_STORED_NAME]),
                         (size_t)PQgetlength(res, row, w->col[COL_STORED_NAME]));
    sbuf_add(w->out, ",\"thumbnail_url\":");
    if (PQgetisnull(res, row, w->col[COL_THUMB_NAME]))
        sbuf_addn(w->out, "null", 4);
    else
        pg_json_string_after(w->out, "/uploads/", PQgetvalue(res, row, w->col[COL_THUMB_NAME]),
                             (size_t)PQgetlength(res, row, w->col[COL_THUMB_NAME]));
    put_int(w, ",\"position\":", COL_POSITION);
    put_int(w, ",\"width\":", COL_WIDTH);
    put_int(w, ",\"height\":", COL_HEIGHT);
    put_int(w, ",\"bytes\":", COL_BYTES);
    put_text(w, ",\"sha256\":", COL_SHA256);
    put_timestamp(w, ",\"created_at\":", COL_IMAGE_CREATED_AT);
    sbuf_addc(w->out, '}');
}

/* Writes the first `limit` listings of res as JSON objects separated by commas. Returns how
 * many listings res holds up to limit + 1 (more than limit: a next page exists), or -1 when
 * a column is missing; *last_id is the id of the last listing written. */
static int listings_write(const PGresult *res, int limit, sbuf_t *out, int64_t *last_id)
{
    rows_walk_t w = {.res = res, .out = out};
    if (store_columns(res, row_column_names, COL_COUNT, w.col) != 0)
        return -1;
    int listings = 0;
    bool first_image = true;
    for (w.row = 0; w.row < PQntuples(res); w.row++) {
        int64_t id = row_bin_int(res, w.row, w.col[COL_ID]);
        if (PQgetisnull(res, w.row, w.col[COL_IMAGE_ID])) { /* a listing's row */
            if (++listings > limit)
                break;
            if (listings > 1)
                sbuf_addn(out, "]},", 3);
            listing_open(&w);
            *last_id = id;
            first_image = true;
        } else if (listings > 0 && id == *last_id) { /* an image of it */
            if (!first_image)
                sbuf_addc(out, ',');
            image_write(&w);
            first_image = false;
        }
    }
    if (listings > 0)
        sbuf_addn(out, "]}", 2);
    return listings;
}

/* Runs variant `variant` of ROWS_SQL with its parameters ($1 the id or cursor, $2 the row
 * limit, then the status and the title pattern when the variant has them). */
static PGresult *rows_query(PGconn *pg, unsigned variant, const char *const *params, int nparams,
                            store_err_t *err)
{
    char where[128], sql[1024];
    snprintf(where, sizeof(where), "%s%s%s", variant & ROWS_ONE ? "l.id = $1" : "l.id < $1",
             variant & ROWS_STATUS ? " AND l.status = $3" : "",
             !(variant & ROWS_TITLE) ? ""
             : variant & ROWS_STATUS ? " AND l.title ILIKE $4"
                                     : " AND l.title ILIKE $3");
    snprintf(sql, sizeof(sql), ROWS_SQL, where);
    return store_exec_prepared(pg, STORE_STMT_LISTING_ROWS + variant, sql, nparams, params, err);
}

int listing_store_json(PGconn *pg, int64_t id, store_json_t *out, store_err_t *err)
{
    store_num_t idbuf;
    const char *params[2] = {store_i64(&idbuf, id), "1"};
    PGresult *res = rows_query(pg, ROWS_ONE, params, 2, err);
    if (!res)
        return -1;
    sbuf_t doc = {0};
    int64_t last_id = 0;
    int found = listings_write(res, 1, &doc, &last_id);
    PQclear(res);
    if (found < 0) {
        sbuf_free(&doc);
        snprintf(err->msg, sizeof(err->msg), "listing rows without an expected column");
        return -1;
    }
    out->len = doc.len;
    out->json = sbuf_take(&doc);
    return found;
}

int listing_store_page(PGconn *pg, const listing_page_query_t *q, store_page_t *out,
                       store_err_t *err)
{
    store_num_t cursor, rows;
    unsigned variant = (q->status ? ROWS_STATUS : 0) | (q->pattern ? ROWS_TITLE : 0);
    const char *params[4] = {store_i64(&cursor, q->cursor ? q->cursor : INT64_MAX),
                             store_i64(&rows, (int64_t)q->limit + 1)}; /* +1: a next page? */
    int nparams = 2;
    if (q->status)
        params[nparams++] = q->status;
    if (q->pattern)
        params[nparams++] = q->pattern;
    PGresult *res = rows_query(pg, variant, params, nparams, err);
    if (!res)
        return -1;
    sbuf_t body = {0};
    sbuf_addc(&body, '[');
    out->last_id = 0;
    int listings = listings_write(res, q->limit, &body, &out->last_id);
    PQclear(res);
    if (listings < 0) {
        sbuf_free(&body);
        snprintf(err->msg, sizeof(err->msg), "listing rows without an expected column");
        return -1;
    }
    sbuf_addc(&body, ']');
    out->has_more = listings > q->limit;
    out->body.len = body.len;
    out->body.json = sbuf_take(&body);
    return 0;
}
