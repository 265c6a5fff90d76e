/* The listings table (see listing_store.h). */
#include "store/listing_store.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/xmalloc.h"

/* The writable columns: name and parameter cast, indexed by listing_column_t. A new field
 * is one row here, one member of listing_input_t (validation) and one key in LISTING_JSON. */
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

/* One image of listing_images i as JSON: the original's fields (filename, filepath under
 * uploads/, position) and ours. Not here, as they repeat other fields and no client reads
 * them: a url ("/" + filepath) and the content type (the stored name's extension says it). */
#define IMAGE_JSON                                                                                 \
    "json_build_object('id', i.id, 'listing_id', i.listing_id, 'filename', i.stored_name,"         \
    " 'filepath', 'uploads/' || i.stored_name, 'thumbnail_url', '/uploads/' || i.thumb_name,"      \
    " 'position', i.position, 'width', i.width,"                                                   \
    " 'height', i.height, 'bytes', i.bytes, 'sha256', i.sha256,"                                   \
    " 'created_at', " DB_TS("i.created_at") ")"

/* The images of the listings in "page", aggregated in one pass over listing_images (its
 * (listing_id, position, id) index): never a scan per listing. */
#define IMAGES_CTE                                                                                 \
    "imgs AS (SELECT i.listing_id, json_agg(" IMAGE_JSON " ORDER BY i.position, i.id) AS images"   \
    " FROM listing_images i WHERE i.listing_id IN (SELECT id FROM page) GROUP BY i.listing_id)"

/* One listing of "page l" LEFT JOIN "imgs g" as JSON. price and min_price (the original's)
 * beside the exact cents; willing_to_negotiate (the original's) is flexibility. */
#define LISTING_JSON                                                                               \
    "json_build_object('id', l.id, 'title', l.title, 'description', l.description,"                \
    " 'price', l.price_cents::float8 / 100, 'price_cents', l.price_cents,"                         \
    " 'min_price', l.min_price_cents::float8 / 100, 'min_price_cents', l.min_price_cents,"         \
    " 'currency', l.currency, 'flexibility', l.flexibility,"                                       \
    " 'willing_to_negotiate', l.flexibility, 'seller_notes', l.seller_notes,"                      \
    " 'condition', l.condition, 'category', l.category, 'location', l.location,"                   \
    " 'status', l.status, 'created_at', " DB_TS(                                                \
        "l.created_at") ","                                                                        \
                        " 'updated_at', " DB_TS(                                                \
                            "l.updated_at") ", 'images', COALESCE(g.images, '[]'::json))"

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

int listing_store_json(PGconn *pg, int64_t id, store_json_t *out, store_err_t *err)
{
    store_num_t idbuf;
    const char *params[1] = {store_i64(&idbuf, id)};
    PGresult *res = store_exec(pg,
                               "WITH page AS (SELECT * FROM listings WHERE id = $1), " IMAGES_CTE
                               " SELECT " LISTING_JSON " AS listing"
                               " FROM page l LEFT JOIN imgs g ON g.listing_id = l.id",
                               1, params, err);
    if (!res)
        return -1;
    int found = PQntuples(res) == 1;
    if (found)
        store_json_take(res, "listing", out);
    PQclear(res);
    return found;
}

int listing_store_page(PGconn *pg, const listing_page_query_t *q, store_page_t *out,
                       store_err_t *err)
{
    char lim[16];
    store_num_t cur;
    snprintf(lim, sizeof(lim), "%d", q->limit);
    const char *params[4] = {q->status, q->cursor ? store_i64(&cur, q->cursor) : NULL, q->pattern,
                             lim};
    /* One more row than asked tells whether a next page exists. */
    PGresult *res = store_exec(
        pg,
        "WITH page AS (SELECT * FROM listings l WHERE ($1::text IS NULL OR l.status = $1)"
        "  AND ($2::bigint IS NULL OR l.id < $2) AND ($3::text IS NULL OR l.title ILIKE $3)"
        "  ORDER BY l.id DESC LIMIT $4::int + 1), " IMAGES_CTE ","
        " ranked AS (SELECT l.id, row_number() OVER (ORDER BY l.id DESC) AS rn, " LISTING_JSON
        "  AS j FROM page l LEFT JOIN imgs g ON g.listing_id = l.id)"
        " SELECT COALESCE(json_agg(j ORDER BY id DESC) FILTER (WHERE rn <= $4), '[]') AS body,"
        " count(*) > $4 AS has_more, min(id) FILTER (WHERE rn <= $4) AS last_id FROM ranked",
        4, params, err);
    if (!res)
        return -1;
    store_json_take(res, "body", &out->body);
    out->has_more = row_bool(res, 0, "has_more");
    out->last_id = row_i64(res, 0, "last_id");
    PQclear(res);
    return 0;
}
