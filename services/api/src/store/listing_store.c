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

int listing_store_mark_sold(PGconn *pg, int64_t id, int64_t price_cents, const char *platform,
                            store_err_t *err)
{
    store_num_t idbuf, price;
    const char *params[3] = {store_i64(&idbuf, id),
                             price_cents ? store_i64(&price, price_cents) : NULL,
                             platform && *platform ? platform : NULL};
    return store_run(pg,
                     "UPDATE listings SET status = 'sold', sold_price_cents = $2::bigint,"
                     " sold_platform = $3, sold_at = now() WHERE id = $1",
                     3, params, err);
}

int listing_store_set_status(PGconn *pg, int64_t id, const char *status, store_err_t *err)
{
    store_num_t idbuf;
    const char *params[2] = {store_i64(&idbuf, id), status};
    return store_run(pg, "UPDATE listings SET status = $2 WHERE id = $1", 2, params, err);
}

int listing_store_changes(PGconn *pg, int64_t id, const char *title, const char *description,
                          int64_t price_cents, listing_changes_t *out, store_err_t *err)
{
    store_num_t idbuf, price;
    const char *params[4] = {store_i64(&idbuf, id), title, description,
                             price_cents ? store_i64(&price, price_cents) : NULL};
    PGresult *res = store_exec(pg,
                               "SELECT ($2::text IS NOT NULL AND title IS DISTINCT FROM $2) AS t,"
                               " ($3::text IS NOT NULL AND description IS DISTINCT FROM $3) AS d,"
                               " ($4::bigint IS NOT NULL AND price_cents <> $4::bigint) AS p"
                               " FROM listings WHERE id = $1",
                               4, params, err);
    if (!res)
        return -1;
    memset(out, 0, sizeof(*out));
    if (PQntuples(res) == 1) {
        out->price = row_bool(res, 0, "p");
        out->title = row_bool(res, 0, "t");
        out->description = row_bool(res, 0, "d");
    }
    PQclear(res);
    return 0;
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
 * in their order. The listings come by id from the primary key (one, or the ones of a page
 * that listing_cache.h does not hold; the page itself is KEYS_SQL's) and the images of
 * exactly those listings from (listing_id, position, id), or on small tables one hash join:
 * never a scan per listing. */
#define ROWS_SQL                                                                                   \
    "WITH page AS MATERIALIZED (SELECT * FROM listings l WHERE %s ORDER BY l.id DESC LIMIT $2)"    \
    " SELECT l.id, l.title, l.description, l.price_cents, l.min_price_cents, l.currency,"          \
    " l.flexibility, l.seller_notes, l.condition, l.category, l.location, l.status,"               \
    " l.created_at, l.updated_at, l.version, l.sold_price_cents, l.sold_platform, l.sold_at,"      \
    " NULL::bigint AS image_id, NULL::text AS stored_name,"                                        \
    " NULL::text AS thumb_name, NULL::integer AS position, NULL::integer AS width,"                \
    " NULL::integer AS height, NULL::bigint AS bytes, NULL::text AS sha256,"                       \
    " NULL::timestamptz AS image_created_at FROM page l"                                           \
    " UNION ALL SELECT i.listing_id, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL,"  \
    " NULL, NULL, NULL, NULL, NULL, NULL, NULL, i.id, i.stored_name, i.thumb_name, i.position, "   \
    "i.width, i.height,"                                                                           \
    " i.bytes, i.sha256, i.created_at FROM listing_images i"                                       \
    " WHERE i.listing_id IN (SELECT id FROM page)"                                                 \
    " ORDER BY id DESC, position NULLS FIRST, image_id"

/* Which listings ROWS_SQL renders (a prepared statement each): the ones of an id array (the
 * listings of a page that the cache does not hold), or one by id. */
enum { ROWS_SOME = 0, ROWS_ONE = 1 };

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
    COL_VERSION,
    COL_SOLD_PRICE_CENTS,
    COL_SOLD_PLATFORM,
    COL_SOLD_AT,
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

static const char *const row_column_names[COL_COUNT] = {"id",
                                                        "title",
                                                        "description",
                                                        "price_cents",
                                                        "min_price_cents",
                                                        "currency",
                                                        "flexibility",
                                                        "seller_notes",
                                                        "condition",
                                                        "category",
                                                        "location",
                                                        "status",
                                                        "created_at",
                                                        "updated_at",
                                                        "version",
                                                        "sold_price_cents",
                                                        "sold_platform",
                                                        "sold_at",
                                                        "image_id",
                                                        "stored_name",
                                                        "thumb_name",
                                                        "position",
                                                        "width",
                                                        "height",
                                                        "bytes",
                                                        "sha256",
                                                        "image_created_at"};

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
    put_money(w, ",\"sold_price\":", ",\"sold_price_cents\":", COL_SOLD_PRICE_CENTS);
    put_text(w, ",\"sold_platform\":", COL_SOLD_PLATFORM);
    sbuf_add(w->out, ",\"sold_at\":");
    if (PQgetisnull(w->res, w->row, w->col[COL_SOLD_AT]))
        sbuf_addn(w->out, "null", 4);
    else
        pg_json_timestamp(w->out, row_bin_timestamp(w->res, w->row, w->col[COL_SOLD_AT]));
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

/* Where a listing's JSON object is in a buffer, and which (id, version) it renders. */
typedef struct {
    int64_t id, version;
    size_t start, len;
} listing_span_t;

/* Writes the first `limit` listings of res as JSON objects separated by commas; spans (when
 * not NULL, `limit` of them) receive where each one is. Returns how many listings res holds
 * up to limit + 1, or -1 when a column is missing. */
static int listings_write(const PGresult *res, int limit, sbuf_t *out, listing_span_t *spans)
{
    rows_walk_t w = {.res = res, .out = out};
    if (store_columns(res, row_column_names, COL_COUNT, w.col) != 0)
        return -1;
    int listings = 0;
    int64_t last_id = 0;
    bool first_image = true;
    for (w.row = 0; w.row < PQntuples(res); w.row++) {
        int64_t id = row_bin_int(res, w.row, w.col[COL_ID]);
        if (PQgetisnull(res, w.row, w.col[COL_IMAGE_ID])) { /* a listing's row */
            if (++listings > limit)
                break;
            if (listings > 1)
                sbuf_addn(out, "]},", 3);
            if (spans)
                spans[listings - 1] =
                    (listing_span_t){id, row_bin_int(res, w.row, w.col[COL_VERSION]), out->len, 0};
            listing_open(&w);
            last_id = id;
            first_image = true;
        } else if (listings > 0 && id == last_id) { /* an image of it */
            if (!first_image)
                sbuf_addc(out, ',');
            image_write(&w);
            first_image = false;
        }
        if (spans && listings > 0)
            spans[listings - 1].len = out->len + 2 - spans[listings - 1].start; /* + "]}" */
    }
    if (listings > 0)
        sbuf_addn(out, "]}", 2);
    return listings;
}

/* Runs variant `variant` of ROWS_SQL with its parameters: $1 the id, or an array literal of
 * ids; $2 the row limit. */
static PGresult *rows_query(PGconn *pg, unsigned variant, const char *const *params,
                            store_err_t *err)
{
    char sql[1536];
    snprintf(sql, sizeof(sql), ROWS_SQL, variant == ROWS_ONE ? "l.id = $1" : "l.id = ANY($1)");
    return store_exec_prepared(pg, STORE_STMT_LISTING_ROWS + variant, sql, 2, params, err);
}

int listing_store_json(PGconn *pg, int64_t id, store_json_t *out, store_err_t *err)
{
    store_num_t idbuf;
    const char *params[2] = {store_i64(&idbuf, id), "1"};
    PGresult *res = rows_query(pg, ROWS_ONE, params, err);
    if (!res)
        return -1;
    sbuf_t doc = {0};
    int found = listings_write(res, 1, &doc, NULL);
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

/* A page's listings as PostgreSQL has them now: ids newest first and their versions. */
typedef struct {
    int n;     /* on the page (at most limit) */
    bool more; /* a listing after them matches too */
    int64_t *id, *version;
} page_keys_t;

/* The keys statement: the page's (id, version) pairs only, from the id index (or the status
 * one), filtered as the page is, one more than the page to know whether another follows. Its
 * variants: with a status and/or a title pattern. */
enum { KEYS_STATUS = 1, KEYS_TITLE = 2 };
#define KEYS_SQL "SELECT l.id, l.version FROM listings l WHERE %s ORDER BY l.id DESC LIMIT $2"

static int keys_read(PGconn *pg, const listing_page_query_t *q, page_keys_t *keys, store_err_t *err)
{
    unsigned variant = (q->status ? KEYS_STATUS : 0) | (q->pattern ? KEYS_TITLE : 0);
    store_num_t cursor, rows;
    const char *params[4] = {store_i64(&cursor, q->cursor ? q->cursor : INT64_MAX),
                             store_i64(&rows, (int64_t)q->limit + 1)};
    int nparams = 2;
    if (q->status)
        params[nparams++] = q->status;
    if (q->pattern)
        params[nparams++] = q->pattern;
    char where[128], sql[256];
    /* Without a status, listings being deleted are not shown (migrations/0009_*). */
    snprintf(where, sizeof(where), "l.id < $1%s%s",
             q->status ? " AND l.status = $3" : " AND l.status <> 'deleting'",
             !q->pattern ? ""
             : q->status ? " AND l.title ILIKE $4"
                         : " AND l.title ILIKE $3");
    snprintf(sql, sizeof(sql), KEYS_SQL, where);
    PGresult *res =
        store_exec_prepared(pg, STORE_STMT_LISTING_KEYS + variant, sql, nparams, params, err);
    if (!res)
        return -1;
    static const char *const names[2] = {"id", "version"};
    int col[2];
    if (store_columns(res, names, 2, col) != 0) {
        PQclear(res);
        snprintf(err->msg, sizeof(err->msg), "listing keys without an expected column");
        return -1;
    }
    int rows_n = PQntuples(res);
    keys->more = rows_n > q->limit;
    keys->n = keys->more ? q->limit : rows_n;
    keys->id = xcalloc((size_t)keys->n + 1, sizeof(int64_t));
    keys->version = xcalloc((size_t)keys->n + 1, sizeof(int64_t));
    for (int i = 0; i < keys->n; i++) {
        keys->id[i] = row_bin_int(res, i, col[0]);
        keys->version[i] = row_bin_int(res, i, col[1]);
    }
    PQclear(res);
    return 0;
}

/* The listings of a page the cache did not hold, rendered by ROWS_SQL into fresh (spans say
 * where each is) and stored in the cache. Returns how many were found (a listing deleted
 * since the keys were read is not), or -1 (err). */
static int missing_render(PGconn *pg, listing_cache_t *cache, const int64_t *ids, int n,
                          sbuf_t *fresh, listing_span_t *spans, store_err_t *err)
{
    if (n == 0) /* cached by another request meanwhile */
        return 0;
    sbuf_t list = {0};
    sbuf_addc(&list, '{');
    for (int i = 0; i < n; i++)
        sbuf_printf(&list, "%s%" PRId64, i ? "," : "", ids[i]);
    sbuf_addc(&list, '}');
    store_num_t rows;
    const char *params[2] = {list.s, store_i64(&rows, n)};
    PGresult *res = rows_query(pg, ROWS_SOME, params, err);
    sbuf_free(&list);
    if (!res)
        return -1;
    int found = listings_write(res, n, fresh, spans);
    PQclear(res);
    if (found < 0) {
        snprintf(err->msg, sizeof(err->msg), "listing rows without an expected column");
        return -1;
    }
    for (int i = 0; i < found; i++)
        listing_cache_put(cache, spans[i].id, spans[i].version, fresh->s + spans[i].start,
                          spans[i].len);
    return found;
}

/* Appends a listing's object to the page body, after a comma unless it is the first. */
static void body_add(sbuf_t *body, const char *json, size_t len)
{
    if (body->len > 1)
        sbuf_addc(body, ',');
    sbuf_addn(body, json, len);
}

/* The page from `from` on, once a listing was not cached: the cached ones are copied aside
 * (a later miss must not reorder them), the missing ones rendered in one query, then all
 * appended in page order. Returns 0 or -1 (err). */
static int page_finish(PGconn *pg, listing_cache_t *cache, const page_keys_t *keys, int from,
                       sbuf_t *body, store_err_t *err)
{
    int n = keys->n - from, nmissing = 0, rc = -1;
    sbuf_t aside = {0}, fresh = {0};
    listing_span_t *held = xcalloc((size_t)n, sizeof(*held));
    listing_span_t *made = xcalloc((size_t)n, sizeof(*made));
    int64_t *missing = xcalloc((size_t)n, sizeof(int64_t));
    for (int i = 0; i < n; i++) {
        held[i].start = aside.len;
        if (!listing_cache_copy(cache, keys->id[from + i], keys->version[from + i], &aside))
            missing[nmissing++] = keys->id[from + i];
        held[i].len = aside.len - held[i].start;
    }
    int nmade = missing_render(pg, cache, missing, nmissing, &fresh, made, err);
    if (nmade < 0)
        goto end;
    for (int i = 0, m = 0; i < n; i++) {
        if (held[i].len > 0) {
            body_add(body, aside.s + held[i].start, held[i].len);
            continue;
        }
        /* made is newest first too; one without a row was deleted meanwhile: skipped */
        while (m < nmade && made[m].id > keys->id[from + i])
            m++;
        if (m < nmade && made[m].id == keys->id[from + i])
            body_add(body, fresh.s + made[m].start, made[m].len);
    }
    rc = 0;
end:
    sbuf_free(&aside);
    sbuf_free(&fresh);
    free(held);
    free(made);
    free(missing);
    return rc;
}

int listing_store_page(PGconn *pg, listing_cache_t *cache, const listing_page_query_t *q,
                       store_page_t *out, store_err_t *err)
{
    page_keys_t keys;
    if (keys_read(pg, q, &keys, err) != 0)
        return -1;
    sbuf_t body = {0};
    sbuf_addc(&body, '[');
    int i = 0;
    while (i < keys.n) { /* the cached prefix straight into the body */
        size_t len = body.len;
        if (len > 1)
            sbuf_addc(&body, ',');
        if (!listing_cache_copy(cache, keys.id[i], keys.version[i], &body)) {
            body.len = len;
            body.s[len] = '\0';
            break;
        }
        i++;
    }
    int rc = i < keys.n ? page_finish(pg, cache, &keys, i, &body, err) : 0;
    if (rc == 0) {
        sbuf_addc(&body, ']');
        out->has_more = keys.more;
        out->last_id = keys.n > 0 ? keys.id[keys.n - 1] : 0;
        out->body.len = body.len;
        out->body.json = sbuf_take(&body);
    } else {
        sbuf_free(&body);
    }
    free(keys.id);
    free(keys.version);
    return rc;
}
