/* /api/listings/{id}/images: add uploaded images, reorder them, remove one. Each answers
 * the listing as it is afterwards. */
#include <stdint.h>
#include <stdlib.h>

#include "app.h"
#include "common/xmalloc.h"
#include "domain/listing_images.h"
#include "handlers.h"
#include "http/listing_body.h"
#include "http/request.h"

/* POST /api/listings/{id}/images: multipart "images" appended to the listing. */
int handle_images_add(http_request_t *req)
{
    listing_body_t body;
    cmd_result_t r;
    int64_t id;
    if (request_path_id(req, 0, "Listing not found", &id) != 0)
        return req->status;
    int status;
    if (listing_body_read_images(req, &body) != 0)
        status = req->status;
    else if (listing_images_add(req->app, id, body.paths, body.nfiles, &r) != 0)
        status = request_fail(req, &r);
    else
        status = listing_send(req, id, 201, NULL);
    listing_body_free(&body);
    return status;
}

/* DELETE /api/listings/{id}/images/{image_id} */
int handle_image_delete(http_request_t *req)
{
    cmd_result_t r;
    int64_t id, image_id;
    if (http_param_id(req, 0, &id) != 0 || http_param_id(req, 1, &image_id) != 0)
        return http_send_problem(req, 404, NULL, "Image not found");
    if (listing_images_remove(req->app, id, image_id, &r) != 0)
        return request_fail(req, &r);
    return listing_send(req, id, 200, NULL);
}

/* Reads {"order": [image ids]} into a new array (caller frees). Returns the count, or -1
 * after answering. */
static int order_read(http_request_t *req, int64_t **ids)
{
    struct app *app = req->app;
    cJSON *root = http_read_json(req, (size_t)app->cfg.max_body_bytes);
    if (!root)
        return -1;
    const cJSON *order = cJSON_GetObjectItemCaseSensitive(root, "order"), *it;
    int n = cJSON_IsArray(order) ? cJSON_GetArraySize(order) : -1;
    *ids = n >= 0 && n <= LISTING_IMAGES_ORDER_MAX ? xcalloc((size_t)n + 1, sizeof(**ids)) : NULL;
    int k = 0;
    const cJSON *items = *ids ? order : NULL;
    cJSON_ArrayForEach(it, items)
    {
        if (!cJSON_IsNumber(it) || it->valuedouble < 1 || it->valuedouble > 9007199254740991.0 ||
            it->valuedouble != (double)(int64_t)it->valuedouble)
            break;
        (*ids)[k++] = (int64_t)it->valuedouble;
    }
    cJSON_Delete(root);
    if (!*ids || k != n) {
        free(*ids);
        *ids = NULL;
        http_send_problem(req, 422, "order", "order: must be an array of image ids");
        return -1;
    }
    return n;
}

/* PUT /api/listings/{id}/images: {"order": [image ids]} - a permutation of the listing's
 * images; positions become 0..n-1 in that order. */
int handle_images_reorder(http_request_t *req)
{
    cmd_result_t r;
    int64_t id, *ids = NULL;
    if (request_path_id(req, 0, "Listing not found", &id) != 0)
        return req->status;
    int n = order_read(req, &ids);
    if (n < 0)
        return req->status;
    int status;
    if (listing_images_reorder(req->app, id, ids, (size_t)n, &r) != 0)
        status = request_fail(req, &r);
    else
        status = listing_send(req, id, 200, NULL);
    free(ids);
    return status;
}
