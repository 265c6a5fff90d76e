/* POST /api/listings/{id}/sold and the answers of DELETE /api/listings/{id}: a listing (or
 * the deletion's state) with the delist jobs it started (domain/delisting.h). */
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app.h"
#include "common/sbuf.h"
#include "domain/delisting.h"
#include "domain/listing.h"
#include "handlers.h"
#include "http/request.h"
#include "store/job_store.h"
#include "store/listing_store.h"

/* Appends ,"name":[jobs] to b. Returns 0 or -1 (err). */
static int jobs_member(PGconn *pg, sbuf_t *b, const char *name, const job_ids_t *ids,
                       store_err_t *err)
{
    store_json_t jobs;
    if (job_store_json_many(pg, ids->v, ids->n, &jobs, err) != 0)
        return -1;
    sbuf_printf(b, ",\"%s\":", name);
    sbuf_addn(b, jobs.json, jobs.len);
    free(jobs.json);
    return 0;
}

/* Sends the listing with its delist jobs: 202 when there are any, else 200. */
static int listing_with_jobs_send(http_request_t *req, int64_t id, const job_ids_t *created)
{
    store_json_t doc;
    store_err_t err;
    sbuf_t b = {0};
    PGconn *pg = request_db(req);
    if (!pg)
        return req->status;
    int found = listing_store_json(pg, id, &doc, &err);
    if (found == 1) {
        sbuf_addn(&b, doc.json, doc.len - 1); /* the object without its closing brace */
        free(doc.json);
        if (jobs_member(pg, &b, "delist_jobs", created, &err) != 0)
            found = -1;
        sbuf_addc(&b, '}');
    }
    request_db_release(req, pg);
    if (found != 1) {
        sbuf_free(&b);
        return found < 0 ? request_db_error(req, "reading the sold listing", err.msg)
                         : http_send_problem(req, 404, NULL, "Listing not found");
    }
    store_json_t out = {b.s, b.len};
    return request_send_doc(req, created->n ? 202 : 200, &out, NULL);
}

int handle_listing_sold(http_request_t *req)
{
    int64_t id;
    cJSON *body = NULL;
    sold_input_t in;
    char field[64], detail[300];
    cmd_result_t r;
    job_ids_t created = {0};
    if (request_path_id(req, 0, "Listing not found", &id) != 0 ||
        request_json_optional(req, &body) != 0)
        return req->status;
    int bad = sold_input_parse(body, &in, field, detail, sizeof(detail));
    cJSON_Delete(body);
    if (bad)
        return http_send_problem(req, 422, field[0] ? field : NULL, "%s", detail);
    int status = listing_sold(req->app, id, &in, &created, &r) != 0
                     ? request_fail(req, &r)
                     : listing_with_jobs_send(req, id, &created);
    job_ids_free(&created);
    return status;
}

/* 202 {"status":"deleting","listing_id","delist_jobs","waiting_jobs"}. */
static int deleting_send(http_request_t *req, int64_t id, const listing_delete_t *del)
{
    store_err_t err;
    sbuf_t b = {0};
    PGconn *pg = request_db(req);
    if (!pg)
        return req->status;
    sbuf_printf(&b, "{\"status\":\"deleting\",\"listing_id\":%" PRId64, id);
    int rc = jobs_member(pg, &b, "delist_jobs", &del->delist_jobs, &err);
    if (rc == 0)
        rc = jobs_member(pg, &b, "waiting_jobs", &del->waiting_jobs, &err);
    sbuf_addc(&b, '}');
    request_db_release(req, pg);
    if (rc != 0) {
        sbuf_free(&b);
        return request_db_error(req, "reading the delist jobs", err.msg);
    }
    store_json_t out = {b.s, b.len};
    return request_send_doc(req, 202, &out, NULL);
}

int handle_listing_delete(http_request_t *req)
{
    cmd_result_t r;
    listing_delete_t del;
    char force[8] = "";
    int64_t id;
    int nforce = -1;
    if (request_path_id(req, 0, "Listing not found", &id) != 0 ||
        (nforce = request_query(req, "force", force, sizeof(force))) == -2)
        return req->status;
    if (nforce >= 0 && strcmp(force, "true") != 0 && strcmp(force, "false") != 0)
        return http_send_problem(req, 422, "force", "force: must be true or false");
    int status;
    if (listing_delete(req->app, id, strcmp(force, "true") == 0, &del, &r) != 0) {
        status = request_fail(req, &r);
    } else if (del.deleted) {
        cJSON *root = cJSON_CreateObject();
        cJSON_AddStringToObject(root, "status", "deleted");
        status = http_send_json(req, 200, root, NULL);
    } else {
        status = deleting_send(req, id, &del);
    }
    listing_delete_free(&del);
    return status;
}
