/* A listing's images: intake of uploaded files (shared with listing create/update) and the
 * endpoints to add, remove and reorder images of an existing listing. Files are written
 * before the transaction and removed again if it fails; files of deleted rows are removed
 * only after the commit. */
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
#include "listings.h"
#include "request.h"

int listing_images_ingest(http_request_t *req, const form_t *form, image_stored_t **out,
                          size_t *n)
{
    struct app *app = req->app;
    *out = NULL;
    *n = 0;
    if (form->nfiles == 0)
        return 0;
    image_limits_t lim = {
        .max_bytes = app->cfg.max_upload_bytes,
        .max_edge = (int)app->cfg.image_max_side,
        .thumb_edge = IMAGE_THUMB_EDGE,
        .max_pixels = app->cfg.max_image_pixels,
    };
    image_stored_t *stored = xcalloc(form->nfiles, sizeof(*stored));
    const char **srcs = xcalloc(form->nfiles, sizeof(*srcs));
    for (size_t i = 0; i < form->nfiles; i++)
        srcs[i] = form->files[i].path;
    char err[300];
    size_t i = 0;
    /* on the image worker pool: this request thread only waits */
    image_result_t r = image_ingest_all(srcs, form->nfiles, app->cfg.upload_dir, &lim, stored,
                                        &i, err, sizeof(err));
    free(srcs);
    if (r != IMAGE_OK) {
        free(stored);
        int status = image_result_status(r);
        if (status >= 500)
            LOG_ERROR("request %s: image %zu: %s", req->request_id, i + 1, err);
        http_send_problem(req, status, "images", "images[%zu]: %s", i, err);
        return -1;
    }
    *out = stored;
    *n = form->nfiles;
    return 0;
}

void listing_images_discard(const struct app *app, image_stored_t *stored, size_t n)
{
    if (!stored)
        return;
    for (size_t i = 0; i < n; i++)
        image_remove(app->cfg.upload_dir, stored[i].name);
    free(stored);
}

int listing_images_insert(PGconn *pg, int64_t listing_id, int first_position,
                          const image_stored_t *stored, size_t n, char *errstr,
                          size_t errstr_size)
{
    char lid[32], pos[16], w[16], h[16], bytes[32];
    snprintf(lid, sizeof(lid), "%" PRId64, listing_id);
    for (size_t i = 0; i < n; i++) {
        const image_stored_t *s = &stored[i];
        snprintf(pos, sizeof(pos), "%d", first_position + (int)i);
        snprintf(w, sizeof(w), "%d", s->width);
        snprintf(h, sizeof(h), "%d", s->height);
        snprintf(bytes, sizeof(bytes), "%" PRId64, s->bytes);
        const char *params[9] = { lid, pos, s->name, s->thumb_name, s->content_type,
                                  w,   h,   bytes,   s->sha256 };
        PGresult *res = db_exec(pg,
                                "INSERT INTO listing_images (listing_id, position, stored_name,"
                                " thumb_name, content_type, width, height, bytes, sha256)"
                                " VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
                                9, params, errstr, errstr_size, NULL);
        if (!res)
            return -1;
        PQclear(res);
    }
    return 0;
}

/* POST /api/listings/{id}/images: multipart "images" appended to the listing. */
int listing_images_add(http_request_t *req)
{
    struct app *app = req->app;
    form_t form;
    image_stored_t *stored = NULL;
    size_t nstored = 0;
    PGconn *pg = NULL;
    PGresult *res = NULL;
    int status = 500;
    int64_t id;
    char err[512], idbuf[32];

    memset(&form, 0, sizeof(form));
    form.fd = -1;
    if (http_param_id(req, 0, &id) != 0) {
        status = http_send_problem(req, 404, NULL, "Listing not found");
        goto cleanup;
    }
    if (!form_is_form_request(req)) {
        status = http_send_problem(req, 415, NULL,
                                   "send the images as multipart/form-data in \"images\"");
        goto cleanup;
    }
    form_limits_t lim;
    listing_form_limits(app, &lim);
    if (form_read(req, &lim, &form) != 0) {
        status = http_send_problem(req, form.status, form.field[0] ? form.field : NULL, "%s",
                                   form.detail);
        goto cleanup;
    }
    if (form.nfields > 0) {
        status = http_send_problem(req, 422, form.fields[0].name,
                                   "%s: unknown field (only \"images\" files are accepted)",
                                   form.fields[0].name);
        goto cleanup;
    }
    if (form.nfiles == 0) {
        status = http_send_problem(req, 422, "images", "images: no file was sent");
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
    snprintf(idbuf, sizeof(idbuf), "%" PRId64, id);
    const char *params[1] = { idbuf };
    if (db_begin(pg, err, sizeof(err)) != 0) {
        status = request_db_error(req, "starting a transaction", err);
        goto cleanup;
    }
    res = db_exec(pg,
                  "SELECT (SELECT count(*) FROM listing_images WHERE listing_id = l.id),"
                  " (SELECT COALESCE(max(position) + 1, 0) FROM listing_images"
                  "  WHERE listing_id = l.id) FROM listings l WHERE id = $1 FOR UPDATE",
                  1, params, err, sizeof(err), NULL);
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
    long existing = strtol(PQgetvalue(res, 0, 0), NULL, 10);
    int next = atoi(PQgetvalue(res, 0, 1));
    if (existing + (long)nstored > app->cfg.max_images) {
        db_rollback(pg);
        status = http_send_problem(req, 422, "images",
                                   "images: a listing has at most %lld images (%ld already)",
                                   app->cfg.max_images, existing);
        goto cleanup;
    }
    if (listing_images_insert(pg, id, next, stored, nstored, err, sizeof(err)) != 0 ||
        db_commit(pg, err, sizeof(err)) != 0) {
        db_rollback(pg);
        status = request_db_error(req, "storing the images", err);
        goto cleanup;
    }
    free(stored);
    stored = NULL;
    nstored = 0;
    listing_cache_bump(app->lcache);
    status = listing_send(req, pg, id, 201, NULL);
cleanup:
    PQclear(res);
    request_db_release(req, pg);
    listing_images_discard(app, stored, nstored);
    form_free(&form);
    return status;
}

/* DELETE /api/listings/{id}/images/{image_id} */
int listing_images_delete(http_request_t *req)
{
    struct app *app = req->app;
    int64_t id, image_id;
    char a[32], b[32], err[512];
    if (http_param_id(req, 0, &id) != 0 || http_param_id(req, 1, &image_id) != 0)
        return http_send_problem(req, 404, NULL, "Image not found");
    PGconn *pg = request_db(req);
    if (!pg)
        return 503;
    snprintf(a, sizeof(a), "%" PRId64, id);
    snprintf(b, sizeof(b), "%" PRId64, image_id);
    const char *params[2] = { a, b };
    int status;
    PGresult *res = db_exec(pg,
                            "DELETE FROM listing_images WHERE listing_id = $1 AND id = $2"
                            " RETURNING stored_name",
                            2, params, err, sizeof(err), NULL);
    if (!res) {
        status = request_db_error(req, "deleting the image", err);
    } else if (PQntuples(res) != 1) {
        status = http_send_problem(req, 404, NULL, "Image not found");
    } else {
        image_remove(app->cfg.upload_dir, PQgetvalue(res, 0, 0)); /* after the commit */
        listing_cache_bump(app->lcache);
        status = listing_send(req, pg, id, 200, NULL);
    }
    PQclear(res);
    request_db_release(req, pg);
    return status;
}

/* PUT /api/listings/{id}/images: {"order": [image ids]} - a permutation of the listing's
 * images; positions become 0..n-1 in that order. */
int listing_images_reorder(http_request_t *req)
{
    struct app *app = req->app;
    int64_t id;
    char idbuf[32], err[512];
    cJSON *root = NULL;
    PGconn *pg = NULL;
    PGresult *res = NULL;
    int status = 500;
    char *ids = NULL;

    if (http_param_id(req, 0, &id) != 0)
        return http_send_problem(req, 404, NULL, "Listing not found");
    root = http_read_json(req, (size_t)app->cfg.max_body_bytes);
    if (!root)
        return req->status;
    const cJSON *order = cJSON_GetObjectItemCaseSensitive(root, "order");
    if (!cJSON_IsArray(order) || cJSON_GetArraySize(order) > 1000) {
        status = http_send_problem(req, 422, "order", "order: must be an array of image ids");
        goto cleanup;
    }
    size_t cap = (size_t)cJSON_GetArraySize(order) * 21 + 3, len = 0;
    ids = xmalloc(cap);
    ids[len++] = '{';
    const cJSON *it;
    cJSON_ArrayForEach(it, order)
    {
        if (!cJSON_IsNumber(it) || it->valuedouble < 1 || it->valuedouble > 9007199254740991.0 ||
            it->valuedouble != (double)(int64_t)it->valuedouble) {
            status = http_send_problem(req, 422, "order", "order: must be an array of image ids");
            goto cleanup;
        }
        len += (size_t)snprintf(ids + len, cap - len, "%s%" PRId64, len > 1 ? "," : "",
                                (int64_t)it->valuedouble);
    }
    ids[len++] = '}';
    ids[len] = '\0';
    pg = request_db(req);
    if (!pg) {
        status = 503;
        goto cleanup;
    }
    snprintf(idbuf, sizeof(idbuf), "%" PRId64, id);
    const char *params[2] = { idbuf, ids };
    if (db_begin(pg, err, sizeof(err)) != 0) {
        status = request_db_error(req, "starting a transaction", err);
        goto cleanup;
    }
    /* The order must name each image of the listing exactly once. */
    res = db_exec(pg,
                  "SELECT (SELECT count(*) FROM (SELECT 1 FROM listings WHERE id = $1 FOR UPDATE) x),"
                  " (SELECT array_agg(id ORDER BY id) FROM listing_images WHERE listing_id = $1)"
                  " IS NOT DISTINCT FROM (SELECT array_agg(x ORDER BY x) FROM"
                  " unnest($2::bigint[]) x)",
                  2, params, err, sizeof(err), NULL);
    if (!res) {
        db_rollback(pg);
        status = request_db_error(req, "reading the images", err);
        goto cleanup;
    }
    if (strcmp(PQgetvalue(res, 0, 0), "1") != 0) {
        db_rollback(pg);
        status = http_send_problem(req, 404, NULL, "Listing not found");
        goto cleanup;
    }
    if (strcmp(PQgetvalue(res, 0, 1), "t") != 0) {
        db_rollback(pg);
        status = http_send_problem(req, 422, "order",
                                   "order: must list every image id of the listing once");
        goto cleanup;
    }
    PQclear(res);
    res = db_exec(pg,
                  "UPDATE listing_images i SET position = o.ord - 1 FROM"
                  " unnest($2::bigint[]) WITH ORDINALITY AS o(id, ord)"
                  " WHERE i.id = o.id AND i.listing_id = $1",
                  2, params, err, sizeof(err), NULL);
    if (!res || db_commit(pg, err, sizeof(err)) != 0) {
        db_rollback(pg);
        status = request_db_error(req, "reordering the images", err);
        goto cleanup;
    }
    listing_cache_bump(app->lcache);
    status = listing_send(req, pg, id, 200, NULL);
cleanup:
    PQclear(res);
    request_db_release(req, pg);
    cJSON_Delete(root);
    free(ids);
    return status;
}
