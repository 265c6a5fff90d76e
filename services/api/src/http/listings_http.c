/* /api/listings: create (multipart with images, or JSON), list (filters, cursor pages, each
 * listing's rendering from listing_cache.h when still current), read, update (PUT/PATCH) and
 * delete. The JSON shape is the store's (store/listing_store.c): the original's fields beside ours.
 */
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app.h"
#include "common/utf8.h"
#include "common/xmalloc.h"
#include "domain/listing.h"
#include "handlers.h"
#include "http/listing_body.h"
#include "http/request.h"
#include "store/listing_store.h"

int handle_listings_create(http_request_t *req)
{
    listing_body_t body;
    cmd_result_t r;
    int64_t id;
    int status;
    if (listing_body_read(req, true, &body) != 0)
        status = req->status;
    else if (listing_create(req->app, &body.in, body.paths, body.nfiles, &id, &r) != 0)
        status = request_fail(req, &r);
    else {
        char location[80];
        snprintf(location, sizeof(location), "Location: /api/listings/%" PRId64 "\r\n", id);
        status = listing_send(req, id, 201, location);
    }
    listing_body_free(&body);
    return status;
}

int handle_listing_get(http_request_t *req)
{
    int64_t id;
    if (request_path_id(req, 0, "Listing not found", &id) != 0)
        return req->status;
    return listing_send(req, id, 200, NULL);
}

int handle_listing_update(http_request_t *req)
{
    listing_body_t body;
    cmd_result_t r;
    int64_t id;
    if (request_path_id(req, 0, "Listing not found", &id) != 0)
        return req->status;
    int status;
    if (listing_body_read(req, false, &body) != 0)
        status = req->status;
    else if (listing_update(req->app, id, &body.in, body.paths, body.nfiles, &r) != 0)
        status = request_fail(req, &r);
    else
        status = listing_send(req, id, 200, NULL);
    listing_body_free(&body);
    return status;
}

/* Escapes LIKE wildcards so q matches literally (caller frees). */
static char *like_pattern(const char *q)
{
    size_t n = strlen(q), k = 0;
    char *out = xmalloc(2 * n + 3);
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

/* The parameters of a list request, parsed. */
typedef struct {
    int limit;
    int64_t cursor;
    char status[16]; /* "" when absent */
    char q[256];     /* "" when absent */
} list_params_t;

/* Parses ?limit, ?cursor, ?status, ?q. Returns 0 or -1 after answering 422. */
static int list_params_read(http_request_t *req, list_params_t *p)
{
    memset(p, 0, sizeof(*p));
    if (request_page(req, &p->limit, &p->cursor) != 0)
        return -1;
    int ns = request_query(req, "status", p->status, sizeof(p->status));
    if (ns == -2)
        return -1;
    static const char *const statuses[] = {"active", "sold", "archived", "deleting",
                                           "delete_failed"};
    bool known = false;
    for (size_t i = 0; ns >= 0 && i < sizeof(statuses) / sizeof(statuses[0]); i++)
        known = known || strcmp(p->status, statuses[i]) == 0;
    if (ns >= 0 && !known) {
        http_send_problem(req, 422, "status",
                          "status: must be one of active, sold, archived, deleting, delete_failed");
        return -1;
    }
    int nq = request_query(req, "q", p->q, sizeof(p->q));
    if (nq == -2)
        return -1;
    if (nq > 0 && utf8_count(p->q, (size_t)nq) < 0) {
        http_send_problem(req, 422, "q", "q: must be valid UTF-8 text");
        return -1;
    }
    return 0;
}

int handle_listings_list(http_request_t *req)
{
    struct app *app = req->app;
    list_params_t p;
    char link[1200] = "";
    if (list_params_read(req, &p) != 0)
        return req->status;
    PGconn *pg = request_db(req);
    if (!pg)
        return req->status;
    char *pattern = p.q[0] ? like_pattern(p.q) : NULL;
    listing_page_query_t q = {p.status[0] ? p.status : NULL, pattern, p.cursor, p.limit};
    store_page_t page;
    store_err_t err;
    int rc = listing_store_page(pg, app->lcache, &q, &page, &err);
    request_db_release(req, pg);
    free(pattern);
    if (rc != 0)
        return request_db_error(req, "listing listings", err.msg);
    if (page.has_more) {
        const char *pairs[4] = {"status", p.status[0] ? p.status : NULL, "q", p.q[0] ? p.q : NULL};
        request_link_next(link, sizeof(link), "/api/listings", p.limit, page.last_id, pairs, 2);
    }
    return request_send_doc(req, 200, &page.body, link[0] ? link : NULL);
}
