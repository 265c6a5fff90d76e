/* POST /api/listings/{id}/post and /post-batch: {"platform": p} or {"platforms": [...]},
 * optional "account_id". /post answers the job object for "platform" and an array for
 * "platforms"; /post-batch (the original's) always an array. */
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>

#include "app.h"
#include "domain/posting.h"
#include "handlers.h"
#include "http/request.h"
#include "store/job_store.h"

/* A post request's body: the platforms (borrowed from root) and the account. */
typedef struct {
    cJSON *root;
    const char *platforms[POSTING_MAX_PLATFORMS];
    size_t n;
    bool many; /* given as "platforms": [...] */
    int64_t account_id;
} post_body_t;

/* Reads "platforms" (an array of strings) into b. Returns 0 or -1 after answering 422. */
static int post_platforms_read(http_request_t *req, const cJSON *list, post_body_t *b)
{
    const cJSON *it;
    if (!cJSON_IsArray(list) || cJSON_GetArraySize(list) < 1 ||
        cJSON_GetArraySize(list) > POSTING_MAX_PLATFORMS) {
        http_send_problem(req, 422, "platforms",
                          "platforms: must be an array of 1 to %d platform names",
                          POSTING_MAX_PLATFORMS);
        return -1;
    }
    cJSON_ArrayForEach(it, list)
    {
        if (!cJSON_IsString(it)) {
            http_send_problem(req, 422, "platforms", "platforms: must hold strings");
            return -1;
        }
        b->platforms[b->n++] = it->valuestring;
    }
    b->many = true;
    return 0;
}

/* Answers 422 naming field; returns -1. */
static int post_refuse(http_request_t *req, const char *field, const char *detail)
{
    http_send_problem(req, 422, field, "%s", detail);
    return -1;
}

/* Reads the body. Returns 0 or -1 after answering (b->root is freed by the caller). */
static int post_body_read(http_request_t *req, post_body_t *b)
{
    struct app *app = req->app;
    bool has_account = false;
    b->root = http_read_json(req, (size_t)app->cfg.max_body_bytes);
    if (!b->root)
        return -1;
    const cJSON *one = cJSON_GetObjectItemCaseSensitive(b->root, "platform");
    const cJSON *list = cJSON_GetObjectItemCaseSensitive(b->root, "platforms");
    if (one && list)
        return post_refuse(req, "platforms", "give either platform or platforms, not both");
    if (!list && !one)
        return post_refuse(req, "platform", "platform: required (or platforms: [...])");
    if (one && !cJSON_IsString(one))
        return post_refuse(req, "platform", "platform: must be a string");
    if (list && post_platforms_read(req, list, b) != 0)
        return -1;
    if (one)
        b->platforms[b->n++] = one->valuestring;
    return request_json_id(req, b->root, "account_id", &b->account_id, &has_account);
}

/* Creates the jobs and answers them (201, Location of the first): the object itself for a
 * single "platform" unless as_array. */
static int post_and_answer(http_request_t *req, int64_t listing_id, const post_body_t *b,
                           bool as_array)
{
    int64_t ids[POSTING_MAX_PLATFORMS];
    cmd_result_t r;
    int rc = b->many ? posting_post_batch(req->app, listing_id, b->platforms, b->n, b->account_id,
                                          ids, &r)
                     : posting_post(req->app, listing_id, b->platforms[0], b->account_id, ids, &r);
    if (rc != 0)
        return request_fail(req, &r);
    PGconn *pg = request_db(req);
    if (!pg)
        return req->status;
    store_json_t doc;
    store_err_t err = {"the new job is gone", ""};
    if (as_array || b->many)
        rc = job_store_json_many(pg, ids, b->n, &doc, &err);
    else
        rc = job_store_json(pg, ids[0], JOB_VIEW_JOB, &doc, &err) == 1 ? 0 : -1;
    request_db_release(req, pg);
    if (rc != 0)
        return request_db_error(req, "reading the jobs", err.msg);
    char location[80];
    snprintf(location, sizeof(location), "Location: /api/jobs/%" PRId64 "\r\n", ids[0]);
    return request_send_doc(req, 201, &doc, location);
}

static int post_common(http_request_t *req, bool as_array)
{
    post_body_t b = {0};
    int64_t listing_id;
    if (request_path_id(req, 0, "Listing not found", &listing_id) != 0)
        return req->status;
    int status =
        post_body_read(req, &b) != 0 ? req->status : post_and_answer(req, listing_id, &b, as_array);
    cJSON_Delete(b.root);
    return status;
}

int handle_post(http_request_t *req)
{
    return post_common(req, false);
}

int handle_post_batch(http_request_t *req)
{
    return post_common(req, true);
}
