/* POST /api/listings/{id}/post: creates one job per platform and, in the same transaction,
 * a posting.requested event per job on the outbox (no dual write). {"platform": p} answers
 * the job object, {"platforms": [...]} an array of jobs, as the original's post and
 * post-batch did. */
#include "posting.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app.h"
#include "common/db.h"
#include "common/event.h"
#include "common/log.h"
#include "common/xmalloc.h"
#include "handlers.h"
#include "outbox.h"
#include "request.h"

#define TS(col) "to_char(" col " AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"')"
#define MAX_PLATFORMS 10

const char JOB_JSON_SQL[] =
    "json_build_object("
    "'id', j.id, 'listing_id', j.listing_id, 'platform', j.platform,"
    "'account_id', j.account_id, 'status', j.status, 'attempt', j.attempt,"
    "'max_attempts', j.max_attempts,"
    "'retry_count', CASE WHEN j.status = 'pending' THEN j.attempt - 1 ELSE j.attempt END,"
    "'external_id', j.external_id, 'external_url', j.external_url,"
    "'error_code', j.error_code, 'error_message', j.error_message,"
    "'scheduled_at', " TS("j.scheduled_at") ", 'started_at', " TS("j.started_at") ","
    "'completed_at', " TS("j.completed_at") ", 'created_at', " TS("j.created_at") ","
    "'updated_at', " TS("j.updated_at") ")";

bool posting_platform_allowed(const char *platforms, const char *platform)
{
    size_t n = strlen(platform);
    const char *p = platforms;
    while (p && *p) {
        while (*p == ' ' || *p == ',')
            p++;
        size_t len = strcspn(p, ",");
        size_t trimmed = len;
        while (trimmed && p[trimmed - 1] == ' ')
            trimmed--;
        if (trimmed == n && n > 0 && strncmp(p, platform, n) == 0)
            return true;
        p += len;
    }
    return false;
}

int posting_enqueue(struct app *app, PGconn *pg, int64_t job_id, char *errstr,
                    size_t errstr_size)
{
    PGresult *job = NULL, *imgs = NULL;
    posting_requested_t ev;
    memset(&ev, 0, sizeof(ev));
    int rc = -1;
    char idbuf[32];
    snprintf(idbuf, sizeof(idbuf), "%" PRId64, job_id);
    const char *params[1] = { idbuf };

    job = db_exec(pg,
                  "SELECT j.attempt, j.platform, COALESCE(j.account_id, 0), l.id, l.title,"
                  " l.description, l.currency, l.condition, l.category, l.location,"
                  " l.price_cents FROM posting_jobs j JOIN listings l ON l.id = j.listing_id"
                  " WHERE j.id = $1",
                  1, params, errstr, errstr_size, NULL);
    if (!job)
        goto cleanup;
    if (PQntuples(job) != 1) {
        snprintf(errstr, errstr_size, "job %" PRId64 " not found", job_id);
        goto cleanup;
    }
    const char *lid = PQgetvalue(job, 0, 3);
    const char *lparams[1] = { lid };
    imgs = db_exec(pg,
                   "SELECT stored_name, sha256, content_type, width, height, bytes"
                   " FROM listing_images"
                   " WHERE listing_id = $1 ORDER BY position, id",
                   1, lparams, errstr, errstr_size, NULL);
    if (!imgs)
        goto cleanup;

    /* The event borrows the result's strings: build before PQclear. */
    ev.job_id = job_id;
    ev.attempt = atoi(PQgetvalue(job, 0, 0));
    ev.platform = PQgetvalue(job, 0, 1);
    ev.account_id = strtoll(PQgetvalue(job, 0, 2), NULL, 10);
    ev.listing.id = strtoll(lid, NULL, 10);
    ev.listing.title = PQgetvalue(job, 0, 4);
    ev.listing.description = PQgetvalue(job, 0, 5);
    ev.listing.currency = PQgetvalue(job, 0, 6);
    ev.listing.condition = PQgetvalue(job, 0, 7);
    ev.listing.category = PQgetisnull(job, 0, 8) ? NULL : PQgetvalue(job, 0, 8);
    ev.listing.location = PQgetisnull(job, 0, 9) ? NULL : PQgetvalue(job, 0, 9);
    ev.listing.price_cents = strtoll(PQgetvalue(job, 0, 10), NULL, 10);
    ev.listing.nimages = (size_t)PQntuples(imgs);
    ev.listing.images = xcalloc(ev.listing.nimages + 1, sizeof(ev_image_t));
    for (size_t i = 0; i < ev.listing.nimages; i++) {
        ev_image_t *im = &ev.listing.images[i];
        const char *name = PQgetvalue(imgs, (int)i, 0);
        im->url = xasprintf("%s/uploads/%s", app->cfg.public_url, name); /* a claim check */
        im->sha256 = PQgetvalue(imgs, (int)i, 1);
        im->size = strtoll(PQgetvalue(imgs, (int)i, 5), NULL, 10);
        im->content_type = PQgetvalue(imgs, (int)i, 2);
        im->width = atoi(PQgetvalue(imgs, (int)i, 3));
        im->height = atoi(PQgetvalue(imgs, (int)i, 4));
    }
    cJSON *data = posting_requested_build(&ev);
    if (!data) {
        snprintf(errstr, errstr_size, "could not build posting.requested");
        goto cleanup;
    }
    if (outbox_enqueue(pg, TOPIC_POSTING_REQUESTS, lid, EV_POSTING_REQUESTED, idbuf, data, NULL,
                       errstr, errstr_size) != 0)
        goto cleanup;
    rc = 0;
cleanup:
    if (ev.listing.images) {
        for (size_t i = 0; i < ev.listing.nimages; i++)
            free(ev.listing.images[i].url);
        free(ev.listing.images);
    }
    PQclear(imgs);
    PQclear(job);
    return rc;
}

int posting_enqueue_delistings(PGconn *pg, int64_t listing_id, int *count, char *errstr,
                               size_t errstr_size)
{
    char lid[32];
    snprintf(lid, sizeof(lid), "%" PRId64, listing_id);
    const char *params[1] = { lid };
    if (count)
        *count = 0;
    PGresult *res = db_exec(pg,
                            "SELECT id, platform, external_id, external_url FROM posting_jobs"
                            " WHERE listing_id = $1 AND status = 'posted' ORDER BY id",
                            1, params, errstr, errstr_size, NULL);
    if (!res)
        return -1;
    int rc = 0;
    for (int i = 0; i < PQntuples(res) && rc == 0; i++) {
        delisting_requested_t ev = {
            .job_id = strtoll(PQgetvalue(res, i, 0), NULL, 10),
            .listing_id = listing_id,
            .platform = PQgetvalue(res, i, 1),
            .external_id = PQgetisnull(res, i, 2) ? NULL : PQgetvalue(res, i, 2),
            .external_url = PQgetisnull(res, i, 3) ? NULL : PQgetvalue(res, i, 3),
        };
        cJSON *data = delisting_requested_build(&ev);
        if (!data) {
            snprintf(errstr, errstr_size, "could not build delisting.requested");
            rc = -1;
            break;
        }
        rc = outbox_enqueue(pg, TOPIC_POSTING_REQUESTS, lid, EV_DELISTING_REQUESTED,
                            PQgetvalue(res, i, 0), data, NULL, errstr, errstr_size);
        if (rc == 0 && count)
            (*count)++;
    }
    PQclear(res);
    return rc;
}

/* Collects the platforms of the body into out (at most MAX_PLATFORMS, borrowed from
 * root). Returns the count, or -1 after sending 422. *many tells which form was used. */
static int read_platforms(http_request_t *req, const cJSON *root, const char **out, bool *many)
{
    struct app *app = req->app;
    const cJSON *one = cJSON_GetObjectItemCaseSensitive(root, "platform");
    const cJSON *list = cJSON_GetObjectItemCaseSensitive(root, "platforms");
    int n = 0;
    *many = list != NULL;
    if (one && list) {
        http_send_problem(req, 422, "platforms", "give either platform or platforms, not both");
        return -1;
    }
    if (one) {
        if (!cJSON_IsString(one)) {
            http_send_problem(req, 422, "platform", "platform: must be a string");
            return -1;
        }
        out[n++] = one->valuestring;
    } else if (list) {
        if (!cJSON_IsArray(list) || cJSON_GetArraySize(list) < 1 ||
            cJSON_GetArraySize(list) > MAX_PLATFORMS) {
            http_send_problem(req, 422, "platforms",
                              "platforms: must be an array of 1 to %d platform names",
                              MAX_PLATFORMS);
            return -1;
        }
        const cJSON *it;
        cJSON_ArrayForEach(it, list)
        {
            if (!cJSON_IsString(it)) {
                http_send_problem(req, 422, "platforms", "platforms: must hold strings");
                return -1;
            }
            out[n++] = it->valuestring;
        }
    } else {
        http_send_problem(req, 422, "platform", "platform: required (or platforms: [...])");
        return -1;
    }
    for (int i = 0; i < n; i++) {
        if (strlen(out[i]) > 50 || !posting_platform_allowed(app->cfg.platforms, out[i])) {
            char safe[64];
            snprintf(safe, sizeof(safe), "%.50s", out[i]);
            for (char *c = safe; *c; c++)
                if ((unsigned char)*c < 0x20 || *c == '"')
                    *c = '?';
            http_send_problem(req, 422, *many ? "platforms" : "platform",
                              "Invalid platform(s): %s (supported: %s)", safe,
                              app->cfg.platforms);
            return -1;
        }
    }
    return n;
}

int posting_post(http_request_t *req)
{
    struct app *app = req->app;
    cJSON *root = NULL;
    PGconn *pg = NULL;
    PGresult *res = NULL;
    int status = 500;
    int64_t listing_id, account_id = 0;
    bool has_account = false, many = false;
    const char *platforms[MAX_PLATFORMS];
    char lid[32], aid[32], err[512];
    char ids[MAX_PLATFORMS * 21 + 3] = "{";

    if (http_param_id(req, 0, &listing_id) != 0)
        return http_send_problem(req, 404, NULL, "Listing not found");
    root = http_read_json(req, (size_t)app->cfg.max_body_bytes);
    if (!root)
        return req->status;
    int n = read_platforms(req, root, platforms, &many);
    if (n < 0) {
        status = 422;
        goto cleanup;
    }
    if (request_json_id(req, root, "account_id", &account_id, &has_account) != 0) {
        status = 422;
        goto cleanup;
    }
    /* "/post-batch" (the original's) always answers an array. */
    const char *uri = req->ri->local_uri ? req->ri->local_uri : "";
    if (strstr(uri, "/post-batch"))
        many = true;

    pg = request_db(req);
    if (!pg) {
        status = 503;
        goto cleanup;
    }
    snprintf(lid, sizeof(lid), "%" PRId64, listing_id);
    snprintf(aid, sizeof(aid), "%" PRId64, account_id);
    if (db_begin(pg, err, sizeof(err)) != 0) {
        status = request_db_error(req, "starting a transaction", err);
        goto cleanup;
    }
    const char *lparams[1] = { lid };
    /* FOR SHARE: the listing cannot be deleted or changed under the new jobs. */
    res = db_exec(pg, "SELECT status FROM listings WHERE id = $1 FOR SHARE", 1, lparams, err,
                  sizeof(err), NULL);
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
    if (strcmp(PQgetvalue(res, 0, 0), "active") != 0) {
        db_rollback(pg);
        status = http_send_problem(req, 409, NULL, "listing %" PRId64 " is %s; only active "
                                   "listings are posted", listing_id, PQgetvalue(res, 0, 0));
        goto cleanup;
    }
    PQclear(res);
    res = NULL;
    size_t idlen = 1;
    for (int i = 0; i < n; i++) {
        if (has_account) {
            const char *ap[2] = { aid, platforms[i] };
            res = db_exec(pg, "SELECT 1 FROM marketplace_accounts WHERE id = $1 AND platform = $2",
                          2, ap, err, sizeof(err), NULL);
            if (!res) {
                db_rollback(pg);
                status = request_db_error(req, "reading the account", err);
                goto cleanup;
            }
            if (PQntuples(res) != 1) {
                db_rollback(pg);
                status = http_send_problem(req, 422, "account_id",
                                           "account_id: no %s account %" PRId64, platforms[i],
                                           account_id);
                goto cleanup;
            }
            PQclear(res);
        }
        const char *jp[3] = { lid, platforms[i], has_account ? aid : NULL };
        res = db_exec(pg,
                      "INSERT INTO posting_jobs (listing_id, platform, account_id)"
                      " VALUES ($1, $2, $3) RETURNING id",
                      3, jp, err, sizeof(err), NULL);
        if (!res) {
            db_rollback(pg);
            status = request_db_error(req, "creating the job", err);
            goto cleanup;
        }
        int64_t job_id = strtoll(PQgetvalue(res, 0, 0), NULL, 10);
        PQclear(res);
        res = NULL;
        if (posting_enqueue(app, pg, job_id, err, sizeof(err)) != 0) {
            db_rollback(pg);
            status = request_db_error(req, "requesting the posting", err);
            goto cleanup;
        }
        idlen += (size_t)snprintf(ids + idlen, sizeof(ids) - idlen, "%s%" PRId64,
                                  i ? "," : "", job_id);
    }
    snprintf(ids + idlen, sizeof(ids) - idlen, "}");
    if (db_commit(pg, err, sizeof(err)) != 0) {
        status = request_db_error(req, "committing the jobs", err);
        goto cleanup;
    }
    LOG_INFO("request %s: listing %" PRId64 ": %d posting job(s) %s", req->request_id,
             listing_id, n, ids);

    char sql[2048];
    snprintf(sql, sizeof(sql),
             "SELECT COALESCE(json_agg(%s ORDER BY j.id), '[]'), min(j.id) FROM posting_jobs j"
             " WHERE j.id = ANY($1::bigint[])",
             JOB_JSON_SQL);
    const char *rp[1] = { ids };
    res = db_exec(pg, sql, 1, rp, err, sizeof(err), NULL);
    if (!res) {
        status = request_db_error(req, "reading the jobs", err);
        goto cleanup;
    }
    char location[80];
    snprintf(location, sizeof(location), "Location: /api/jobs/%s\r\n", PQgetvalue(res, 0, 1));
    if (many) {
        status = http_send_body(req, 201, "application/json", PQgetvalue(res, 0, 0),
                                (size_t)PQgetlength(res, 0, 0), location);
    } else {
        /* One job: the object itself, as the original's /post answered. */
        cJSON *arr = cJSON_ParseWithLength(PQgetvalue(res, 0, 0), (size_t)PQgetlength(res, 0, 0));
        cJSON *obj = arr ? cJSON_DetachItemFromArray(arr, 0) : NULL;
        cJSON_Delete(arr);
        if (!obj) {
            status = request_db_error(req, "rendering the job", "empty result");
            goto cleanup;
        }
        status = http_send_json(req, 201, obj, location);
    }
cleanup:
    PQclear(res);
    request_db_release(req, pg);
    cJSON_Delete(root);
    return status;
}
