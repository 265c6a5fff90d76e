/* /api/listings: create (multipart with images, or JSON), list (filters, cursor pages),
 * read, update (PUT/PATCH, partial; new images are appended) and delete. Responses carry
 * the original's field names beside ours (price and price_cents, images with filename,
 * position and a filepath that is only the stored name under uploads/). */
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app.h"
#include "common/db.h"
#include "common/log.h"
#include "common/xmalloc.h"
#include "handlers.h"
#include "listing_cache.h"
#include "listing_input.h"
#include "listings.h"
#include "posting.h"
#include "request.h"

#define TS(col) DB_TS(col) /* common/db.h; store/ code should call DB_TS itself */

const char LISTING_JSON_SQL[] =
    "json_build_object("
    "'id', l.id, 'title', l.title, 'description', l.description,"
    "'price', l.price_cents::float8 / 100, 'price_cents', l.price_cents,"
    "'min_price', l.min_price_cents::float8 / 100, 'min_price_cents', l.min_price_cents,"
    "'currency', l.currency, 'flexibility', l.flexibility,"
    "'willing_to_negotiate', l.flexibility, 'seller_notes', l.seller_notes,"
    "'condition', l.condition, 'category', l.category, 'location', l.location,"
    "'status', l.status, 'created_at', " TS("l.created_at") ","
    "'updated_at', " TS("l.updated_at") ","
    "'images', COALESCE((SELECT json_agg(json_build_object("
    "  'id', i.id, 'listing_id', i.listing_id, 'filename', i.stored_name,"
    "  'filepath', 'uploads/' || i.stored_name, 'url', '/uploads/' || i.stored_name,"
    "  'thumbnail_url', '/uploads/' || i.thumb_name, 'position', i.position,"
    "  'content_type', i.content_type, 'width', i.width, 'height', i.height,"
    "  'bytes', i.bytes, 'sha256', i.sha256, 'created_at', " TS("i.created_at") ")"
    "  ORDER BY i.position, i.id) FROM listing_images i WHERE i.listing_id = l.id), '[]'::json))";

int listing_send(http_request_t *req, PGconn *pg, int64_t id, int status,
                 const char *extra_headers)
{
    char sql[4096], idbuf[32], err[512];
    snprintf(sql, sizeof(sql), "SELECT %s FROM listings l WHERE l.id = $1", LISTING_JSON_SQL);
    snprintf(idbuf, sizeof(idbuf), "%" PRId64, id);
    const char *params[1] = { idbuf };
    PGresult *res = db_exec(pg, sql, 1, params, err, sizeof(err), NULL);
    if (!res)
        return request_db_error(req, "reading the listing", err);
    if (PQntuples(res) != 1) {
        PQclear(res);
        return http_send_problem(req, 404, NULL, "Listing not found");
    }
    int rc = http_send_body(req, status, "application/json", PQgetvalue(res, 0, 0),
                            (size_t)PQgetlength(res, 0, 0), extra_headers);
    PQclear(res);
    return rc;
}

void listing_form_limits(const struct app *app, form_limits_t *lim)
{
    lim->tmp_dir = app->upload_tmp;
    lim->file_field = "images";
    lim->max_fields = 32;
    lim->max_field_bytes = 64 * 1024;
    lim->max_files = (size_t)app->cfg.max_images;
    lim->max_file_bytes = app->cfg.max_upload_bytes;
    lim->max_body_bytes = app->cfg.max_upload_bytes * app->cfg.max_images + 1024 * 1024;
}

/* Reads a listing body: a form (with images) or a JSON object. On success *in holds the
 * parsed fields and *form the uploads (free both). Returns 0, or -1 after answering. */
static int listing_read(http_request_t *req, bool create, listing_input_t *in, form_t *form)
{
    struct app *app = req->app;
    listing_error_t err;
    memset(in, 0, sizeof(*in));
    memset(form, 0, sizeof(*form));
    form->fd = -1;
    if (form_is_form_request(req)) {
        form_limits_t lim;
        listing_form_limits(app, &lim);
        if (form_read(req, &lim, form) != 0) {
            http_send_problem(req, form->status, form->field[0] ? form->field : NULL, "%s",
                              form->detail);
            return -1;
        }
        raw_field_t *fields = xcalloc(form->nfields + 1, sizeof(*fields));
        for (size_t i = 0; i < form->nfields; i++) {
            fields[i].name = form->fields[i].name;
            fields[i].kind = RAW_STRING;
            fields[i].s = form->fields[i].value;
            fields[i].len = form->fields[i].len;
        }
        int rc = listing_input_parse(fields, form->nfields, create, in, &err);
        free(fields);
        if (rc != 0) {
            http_send_problem(req, 422, err.field, "%s", err.detail);
            return -1;
        }
        return 0;
    }
    cJSON *root = http_read_json(req, (size_t)app->cfg.max_body_bytes);
    if (!root)
        return -1; /* answered: 400, 413 or 415 */
    int rc = listing_input_from_json(root, create, in, &err);
    cJSON_Delete(root);
    if (rc != 0) {
        http_send_problem(req, 422, err.field, "%s", err.detail);
        return -1;
    }
    return 0;
}

static const char *opt(bool has, const char *s)
{
    return has ? s : NULL;
}

int listings_create(http_request_t *req)
{
    struct app *app = req->app;
    listing_input_t in;
    form_t form;
    image_stored_t *stored = NULL;
    size_t nstored = 0;
    PGconn *pg = NULL;
    PGresult *res = NULL;
    int status = 500;
    char err[512];

    if (listing_read(req, true, &in, &form) != 0) {
        status = req->status;
        goto cleanup;
    }
    if (listing_images_ingest(req, &form, &stored, &nstored) != 0) {
        status = req->status;
        goto cleanup;
    }
    pg = request_db(req);
    if (!pg) {
        status = 503;
        goto cleanup;
    }
    char price[32], min_price[32], flex[32];
    snprintf(price, sizeof(price), "%" PRId64, in.price_cents);
    snprintf(min_price, sizeof(min_price), "%" PRId64, in.min_price_cents);
    snprintf(flex, sizeof(flex), "%.17g", in.flexibility);
    const char *params[10] = {
        in.title,
        in.description,
        price,
        in.has_min_price && in.min_price_cents > 0 ? min_price : NULL,
        opt(in.has_currency, in.currency),
        opt(in.has_flexibility, flex),
        in.seller_notes,
        opt(in.has_condition, in.condition),
        in.category,
        in.location,
    };
    if (db_begin(pg, err, sizeof(err)) != 0) {
        status = request_db_error(req, "starting a transaction", err);
        goto cleanup;
    }
    res = db_exec(pg,
                  "INSERT INTO listings (title, description, price_cents, min_price_cents,"
                  " currency, flexibility, seller_notes, condition, category, location)"
                  " VALUES ($1, COALESCE($2, ''), $3, $4, COALESCE($5, 'USD'),"
                  " COALESCE($6::float8, 0.5), $7, COALESCE($8, 'good'), $9, $10) RETURNING id",
                  10, params, err, sizeof(err), NULL);
    if (!res) {
        db_rollback(pg);
        status = request_db_error(req, "creating the listing", err);
        goto cleanup;
    }
    int64_t id = strtoll(PQgetvalue(res, 0, 0), NULL, 10);
    if (listing_images_insert(pg, id, 0, stored, nstored, err, sizeof(err)) != 0) {
        db_rollback(pg);
        status = request_db_error(req, "storing the images", err);
        goto cleanup;
    }
    if (db_commit(pg, err, sizeof(err)) != 0) {
        status = request_db_error(req, "committing the listing", err);
        goto cleanup;
    }
    free(stored); /* committed: the files now belong to the rows */
    stored = NULL;
    nstored = 0;
    listing_cache_bump(app->lcache);
    LOG_INFO("request %s: listing %" PRId64 " created with %zu image(s)", req->request_id, id,
             form.nfiles);
    char location[80];
    snprintf(location, sizeof(location), "Location: /api/listings/%" PRId64 "\r\n", id);
    status = listing_send(req, pg, id, 201, location);
cleanup:
    PQclear(res);
    request_db_release(req, pg);
    listing_images_discard(app, stored, nstored);
    listing_input_free(&in);
    form_free(&form);
    return status;
}

/* Escapes LIKE wildcards so q matches literally. */
static char *like_pattern(const char *q)
{
    size_t n = strlen(q);
    char *out = xmalloc(2 * n + 3);
    size_t k = 0;
    out[k++] = '%';
    for (size_t i = 0; i < n; i++) {
        if (q[i] == '%' || q[i] == '_' || q[i] == '\\')
            out[k++] = '\\';
        out[k++] = q[i];
    }
    out[k++] = '%';
    out[k] = '\0';
    return out;
}

int listings_list(http_request_t *req)
{
    struct app *app = req->app;
    PGconn *pg = NULL;
    PGresult *res = NULL;
    char *pattern = NULL;
    int limit, status = 500;
    int64_t cursor;
    char statusf[16], q[256], err[512];

    if (request_page(req, &limit, &cursor) != 0)
        return 422;
    int ns = request_query(req, "status", statusf, sizeof(statusf));
    if (ns == -2)
        return 422;
    if (ns >= 0 && strcmp(statusf, "active") != 0 && strcmp(statusf, "sold") != 0 &&
        strcmp(statusf, "archived") != 0)
        return http_send_problem(req, 422, "status",
                                 "status: must be one of active, sold, archived");
    int nq = request_query(req, "q", q, sizeof(q));
    if (nq == -2)
        return 422;
    if (nq > 0) {
        if (utf8_length(q, (size_t)nq) < 0)
            return http_send_problem(req, 422, "q", "q: must be valid UTF-8 text");
        pattern = like_pattern(q);
    }
    /* Valid parameters: the raw query string keys the cache. Generation first (see
     * listing_cache.h). */
    const char *key = req->ri->query_string ? req->ri->query_string : "";
    uint64_t generation = listing_cache_generation(app->lcache);
    if (listing_cache_send(app->lcache, req, key)) {
        free(pattern);
        return 200;
    }
    pg = request_db(req);
    if (!pg) {
        free(pattern);
        return 503;
    }
    char lim[16], cur[32];
    snprintf(lim, sizeof(lim), "%d", limit);
    snprintf(cur, sizeof(cur), "%" PRId64, cursor);
    const char *params[4] = { ns >= 0 ? statusf : NULL, cursor ? cur : NULL, pattern, lim };
    char sql[4600];
    /* One more row than asked tells whether a next page exists. */
    snprintf(sql, sizeof(sql),
             "SELECT COALESCE(json_agg(j ORDER BY id DESC) FILTER (WHERE rn <= $4), '[]'),"
             " count(*) > $4, min(id) FILTER (WHERE rn <= $4)"
             " FROM (SELECT l.id, row_number() OVER (ORDER BY l.id DESC) AS rn, %s AS j"
             "  FROM listings l WHERE ($1::text IS NULL OR l.status = $1)"
             "  AND ($2::bigint IS NULL OR l.id < $2)"
             "  AND ($3::text IS NULL OR l.title ILIKE $3)"
             "  ORDER BY l.id DESC LIMIT $4::int + 1) s",
             LISTING_JSON_SQL);
    res = db_exec(pg, sql, 4, params, err, sizeof(err), NULL);
    if (!res) {
        status = request_db_error(req, "listing listings", err);
        goto cleanup;
    }
    char link[1200] = "";
    if (strcmp(PQgetvalue(res, 0, 1), "t") == 0) {
        const char *pairs[4] = { "status", ns >= 0 ? statusf : NULL, "q", nq > 0 ? q : NULL };
        request_link_next(link, sizeof(link), "/api/listings", limit,
                          strtoll(PQgetvalue(res, 0, 2), NULL, 10), pairs, 2);
    }
    listing_cache_put(app->lcache, key, generation, PQgetvalue(res, 0, 0),
                      (size_t)PQgetlength(res, 0, 0), link);
    status = http_send_body(req, 200, "application/json", PQgetvalue(res, 0, 0),
                            (size_t)PQgetlength(res, 0, 0), link[0] ? link : NULL);
cleanup:
    PQclear(res);
    request_db_release(req, pg);
    free(pattern);
    return status;
}

int listings_get(http_request_t *req)
{
    int64_t id;
    if (http_param_id(req, 0, &id) != 0)
        return http_send_problem(req, 404, NULL, "Listing not found");
    PGconn *pg = request_db(req);
    if (!pg)
        return 503;
    int status = listing_send(req, pg, id, 200, NULL);
    request_db_release(req, pg);
    return status;
}

/* Appends "col = $n" to the SET list for each given field. */
typedef struct {
    char sql[1024];
    const char *params[16];
    int n;
} update_t;

static void set_col(update_t *u, const char *col, const char *value, const char *cast)
{
    u->params[u->n] = value;
    u->n++;
    size_t len = strlen(u->sql);
    snprintf(u->sql + len, sizeof(u->sql) - len, "%s%s = $%d%s", u->n > 2 ? ", " : "", col, u->n,
             cast ? cast : "");
}

int listings_update(http_request_t *req)
{
    struct app *app = req->app;
    listing_input_t in;
    form_t form;
    image_stored_t *stored = NULL;
    size_t nstored = 0;
    PGconn *pg = NULL;
    PGresult *res = NULL;
    int status = 500;
    int64_t id;
    char err[512], idbuf[32];

    memset(&in, 0, sizeof(in));
    memset(&form, 0, sizeof(form));
    form.fd = -1;
    if (http_param_id(req, 0, &id) != 0) {
        status = http_send_problem(req, 404, NULL, "Listing not found");
        goto cleanup;
    }
    snprintf(idbuf, sizeof(idbuf), "%" PRId64, id);
    if (listing_read(req, false, &in, &form) != 0) {
        status = req->status;
        goto cleanup;
    }
    if (listing_images_ingest(req, &form, &stored, &nstored) != 0) {
        status = req->status;
        goto cleanup;
    }
    pg = request_db(req);
    if (!pg) {
        status = 503;
        goto cleanup;
    }
    if (db_begin(pg, err, sizeof(err)) != 0) {
        status = request_db_error(req, "starting a transaction", err);
        goto cleanup;
    }
    const char *idp[1] = { idbuf };
    res = db_exec(pg,
                  "SELECT price_cents, COALESCE(min_price_cents, 0),"
                  " (SELECT count(*) FROM listing_images WHERE listing_id = l.id),"
                  " (SELECT COALESCE(max(position) + 1, 0) FROM listing_images"
                  "  WHERE listing_id = l.id), status"
                  " FROM listings l WHERE id = $1 FOR UPDATE",
                  1, idp, err, sizeof(err), NULL);
    if (!res) {
        db_rollback(pg);
        status = request_db_error(req, "reading the listing", err);
        goto cleanup;
    }
    if (PQntuples(res) != 1) {
        db_rollback(pg);
        status = http_send_problem(req, 404, NULL, "Listing not found");
        goto cleanup;
    }
    int64_t price = in.has_price ? in.price_cents : strtoll(PQgetvalue(res, 0, 0), NULL, 10);
    int64_t floor_cents =
        in.has_min_price ? in.min_price_cents : strtoll(PQgetvalue(res, 0, 1), NULL, 10);
    long existing = strtol(PQgetvalue(res, 0, 2), NULL, 10);
    int next_position = atoi(PQgetvalue(res, 0, 3));
    /* Leaving "active" (sold elsewhere, archived) takes the listing off the marketplaces. */
    bool delist = in.has_status && strcmp(in.status, "active") != 0 &&
                  strcmp(PQgetvalue(res, 0, 4), "active") == 0;
    PQclear(res);
    res = NULL;
    listing_error_t lerr = {0};
    if (listing_check_floor(price, floor_cents, &lerr) != 0) {
        db_rollback(pg);
        status = http_send_problem(req, 422, lerr.field, "%s", lerr.detail);
        goto cleanup;
    }
    if (existing + (long)nstored > app->cfg.max_images) {
        db_rollback(pg);
        status = http_send_problem(req, 422, "images",
                                   "images: a listing has at most %lld images (%ld already)",
                                   app->cfg.max_images, existing);
        goto cleanup;
    }

    update_t u = { .n = 1 };
    u.params[0] = idbuf;
    snprintf(u.sql, sizeof(u.sql), "UPDATE listings SET ");
    char pbuf[32], mbuf[32], fbuf[32];
    snprintf(pbuf, sizeof(pbuf), "%" PRId64, in.price_cents);
    snprintf(mbuf, sizeof(mbuf), "%" PRId64, in.min_price_cents);
    snprintf(fbuf, sizeof(fbuf), "%.17g", in.flexibility);
    if (in.has_title)
        set_col(&u, "title", in.title, NULL);
    if (in.has_description)
        set_col(&u, "description", in.description ? in.description : "", NULL);
    if (in.has_price)
        set_col(&u, "price_cents", pbuf, "::bigint");
    if (in.has_min_price)
        set_col(&u, "min_price_cents", in.min_price_cents > 0 ? mbuf : NULL, "::bigint");
    if (in.has_flexibility)
        set_col(&u, "flexibility", fbuf, "::float8");
    if (in.has_seller_notes)
        set_col(&u, "seller_notes", in.seller_notes, NULL);
    if (in.has_condition)
        set_col(&u, "condition", in.condition, NULL);
    if (in.has_category)
        set_col(&u, "category", in.category, NULL);
    if (in.has_location)
        set_col(&u, "location", in.location, NULL);
    if (in.has_currency)
        set_col(&u, "currency", in.currency, NULL);
    if (in.has_status)
        set_col(&u, "status", in.status, NULL);
    if (u.n == 1)
        set_col(&u, "updated_at", "now", "::timestamptz"); /* images only: still touched */
    size_t len = strlen(u.sql);
    snprintf(u.sql + len, sizeof(u.sql) - len, " WHERE id = $1");
    res = db_exec(pg, u.sql, u.n, u.params, err, sizeof(err), NULL);
    if (!res ||
        listing_images_insert(pg, id, next_position, stored, nstored, err, sizeof(err)) != 0 ||
        (delist && posting_enqueue_delistings(pg, id, NULL, err, sizeof(err)) != 0)) {
        db_rollback(pg);
        status = request_db_error(req, "updating the listing", err);
        goto cleanup;
    }
    if (db_commit(pg, err, sizeof(err)) != 0) {
        status = request_db_error(req, "committing the listing", err);
        goto cleanup;
    }
    free(stored);
    stored = NULL;
    nstored = 0;
    listing_cache_bump(app->lcache);
    status = listing_send(req, pg, id, 200, NULL);
cleanup:
    PQclear(res);
    request_db_release(req, pg);
    listing_images_discard(app, stored, nstored);
    listing_input_free(&in);
    form_free(&form);
    return status;
}

int listings_delete(http_request_t *req)
{
    struct app *app = req->app;
    PGconn *pg = NULL;
    PGresult *res = NULL;
    int status = 500;
    int64_t id;
    char err[512], idbuf[32];

    if (http_param_id(req, 0, &id) != 0)
        return http_send_problem(req, 404, NULL, "Listing not found");
    snprintf(idbuf, sizeof(idbuf), "%" PRId64, id);
    pg = request_db(req);
    if (!pg)
        return 503;
    const char *params[1] = { idbuf };
    if (db_begin(pg, err, sizeof(err)) != 0) {
        status = request_db_error(req, "starting a transaction", err);
        goto cleanup;
    }
    /* Posted jobs are taken down first; their rows go with the listing (the consumer knows
     * that delisting results of deleted jobs have nothing left to update). */
    if (posting_enqueue_delistings(pg, id, NULL, err, sizeof(err)) != 0) {
        db_rollback(pg);
        status = request_db_error(req, "requesting the delistings", err);
        goto cleanup;
    }
    /* The image rows go with the listing (cascade); their names come back for the files. */
    res = db_exec(pg,
                  "WITH imgs AS (SELECT stored_name FROM listing_images WHERE listing_id = $1),"
                  " del AS (DELETE FROM listings WHERE id = $1 RETURNING id)"
                  " SELECT (SELECT count(*) FROM del), stored_name FROM imgs"
                  " RIGHT JOIN (SELECT 1) one ON true",
                  1, params, err, sizeof(err), NULL);
    if (!res) {
        db_rollback(pg);
        status = request_db_error(req, "deleting the listing", err);
        goto cleanup;
    }
    if (strcmp(PQgetvalue(res, 0, 0), "1") != 0) {
        db_rollback(pg);
        status = http_send_problem(req, 404, NULL, "Listing not found");
        goto cleanup;
    }
    if (db_commit(pg, err, sizeof(err)) != 0) {
        status = request_db_error(req, "committing the delete", err);
        goto cleanup;
    }
    listing_cache_bump(app->lcache);
    /* Committed: remove the files only now, so a failed delete loses nothing. */
    for (int i = 0; i < PQntuples(res); i++)
        if (!PQgetisnull(res, i, 1))
            image_remove(app->cfg.upload_dir, PQgetvalue(res, i, 1));
    LOG_INFO("request %s: listing %" PRId64 " deleted", req->request_id, id);
    cJSON *root = cJSON_CreateObject();
    cJSON_AddStringToObject(root, "status", "deleted");
    status = http_send_json(req, 200, root, NULL);
cleanup:
    PQclear(res);
    request_db_release(req, pg);
    return status;
}
