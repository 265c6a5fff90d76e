/* Payloads of bb.posting.requests (posting.requested, delisting.requested, update.requested,
 * renew.requested) and bb.posting.events (posting.*, delisting.*, update.* and renew.*
 * results): build and parse (see
 * event.h). */
#include "common/event.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/xmalloc.h"

/* An int-sized integer field ("attempt", "width"). */
static int get_int(const cJSON *obj, const char *field, bool required, int *out, char *errstr,
                   size_t errstr_size)
{
    int64_t v;
    *out = 0;
    if (ev_get_int64(obj, field, required, &v, errstr, errstr_size) < 0)
        return -1;
    if (v < INT_MIN || v > INT_MAX) {
        snprintf(errstr, errstr_size, "%s: out of range", field);
        return -1;
    }
    *out = (int)v;
    return 0;
}

static int non_negative(const char *field, int64_t v, char *errstr, size_t errstr_size)
{
    if (v >= 0)
        return 0;
    snprintf(errstr, errstr_size, "%s: must not be negative", field);
    return -1;
}

/* ---- posting.requested ------------------------------------------------------------------ */

static cJSON *image_build(const ev_image_t *im)
{
    cJSON *o = cJSON_CreateObject();
    ev_add_string(o, F_URL, im->url);
    ev_add_string(o, F_SHA256, im->sha256);
    ev_add_int64(o, F_SIZE, im->size, false);
    ev_add_string(o, F_CONTENT_TYPE, im->content_type);
    ev_add_int64(o, F_WIDTH, im->width, false);
    ev_add_int64(o, F_HEIGHT, im->height, false);
    return o;
}

static void listing_build(cJSON *data, const ev_listing_t *li)
{
    cJSON *l = cJSON_AddObjectToObject(data, F_LISTING);
    ev_add_int64(l, F_ID, li->id, false);
    ev_add_string(l, F_TITLE, li->title);
    ev_add_string(l, F_DESCRIPTION, li->description);
    ev_add_int64(l, F_PRICE_CENTS, li->price_cents, false);
    ev_add_string(l, F_CURRENCY, li->currency);
    ev_add_string(l, F_CONDITION, li->condition);
    ev_add_string(l, F_CATEGORY, li->category);
    ev_add_string(l, F_LOCATION, li->location);
    cJSON *imgs = cJSON_AddArrayToObject(l, F_IMAGES);
    for (size_t i = 0; i < li->nimages; i++)
        cJSON_AddItemToArray(imgs, image_build(&li->images[i]));
}

cJSON *posting_requested_build(const posting_requested_t *e)
{
    cJSON *data = cJSON_CreateObject();
    ev_add_int64(data, F_JOB_ID, e->job_id, false);
    ev_add_int64(data, F_ATTEMPT, e->attempt, false);
    ev_add_string(data, F_PLATFORM, e->platform);
    ev_add_int64(data, F_ACCOUNT_ID, e->account_id, true);
    listing_build(data, &e->listing);
    return data;
}

static int image_parse(const cJSON *o, ev_image_t *im, char *errstr, size_t errstr_size)
{
    if (!cJSON_IsObject(o)) {
        snprintf(errstr, errstr_size, "expected an object");
        return -1;
    }
    if (ev_get_string(o, F_URL, true, &im->url, errstr, errstr_size) < 0 ||
        ev_get_string(o, F_SHA256, true, &im->sha256, errstr, errstr_size) < 0 ||
        ev_get_int64(o, F_SIZE, true, &im->size, errstr, errstr_size) < 0 ||
        ev_get_string(o, F_CONTENT_TYPE, false, &im->content_type, errstr, errstr_size) < 0 ||
        get_int(o, F_WIDTH, false, &im->width, errstr, errstr_size) < 0 ||
        get_int(o, F_HEIGHT, false, &im->height, errstr, errstr_size) < 0)
        return -1;
    /* The claim check must be usable on a host that shares nothing with the api. */
    if (strncmp(im->url, "http://", 7) != 0 && strncmp(im->url, "https://", 8) != 0) {
        snprintf(errstr, errstr_size, F_URL ": must be an absolute http(s) URL");
        return -1;
    }
    if (strlen(im->sha256) != 64 || strspn(im->sha256, "0123456789abcdef") != 64) {
        snprintf(errstr, errstr_size, F_SHA256 ": must be 64 lowercase hex digits");
        return -1;
    }
    if (im->size <= 0) {
        snprintf(errstr, errstr_size, F_SIZE ": must be positive");
        return -1;
    }
    return 0;
}

static int listing_parse(const cJSON *l, ev_listing_t *li, char *errstr, size_t errstr_size)
{
    const cJSON *imgs = NULL;
    if (ev_get_int64(l, F_ID, true, &li->id, errstr, errstr_size) < 0 ||
        ev_get_string(l, F_TITLE, true, &li->title, errstr, errstr_size) < 0 ||
        ev_get_string(l, F_DESCRIPTION, false, &li->description, errstr, errstr_size) < 0 ||
        ev_get_int64(l, F_PRICE_CENTS, true, &li->price_cents, errstr, errstr_size) < 0 ||
        non_negative(F_PRICE_CENTS, li->price_cents, errstr, errstr_size) < 0 ||
        ev_get_string(l, F_CURRENCY, true, &li->currency, errstr, errstr_size) < 0 ||
        ev_get_string(l, F_CONDITION, false, &li->condition, errstr, errstr_size) < 0 ||
        ev_get_string(l, F_CATEGORY, false, &li->category, errstr, errstr_size) < 0 ||
        ev_get_string(l, F_LOCATION, false, &li->location, errstr, errstr_size) < 0 ||
        ev_get_array(l, F_IMAGES, false, &imgs, errstr, errstr_size) < 0)
        return -1;
    int n = imgs ? cJSON_GetArraySize(imgs) : 0;
    if (n == 0)
        return 0;
    li->images = xcalloc((size_t)n, sizeof(*li->images));
    li->nimages = (size_t)n;
    int i = 0;
    for (const cJSON *o = imgs->child; o; o = o->next, i++) {
        if (image_parse(o, &li->images[i], errstr, errstr_size) < 0) {
            char where[32];
            snprintf(where, sizeof(where), F_IMAGES "[%d]", i);
            if (!cJSON_IsObject(o)) /* "images[2]: expected an object", not "images[2].expected" */
                snprintf(errstr, errstr_size, "%s: expected an object", where);
            else
                ev_errstr_prefix(errstr, errstr_size, where);
            return -1;
        }
    }
    return 0;
}

int posting_requested_parse(const cJSON *data, posting_requested_t *e, char *errstr,
                            size_t errstr_size)
{
    const cJSON *l = NULL;
    memset(e, 0, sizeof(*e));
    if (ev_get_int64(data, F_JOB_ID, true, &e->job_id, errstr, errstr_size) < 0 ||
        get_int(data, F_ATTEMPT, true, &e->attempt, errstr, errstr_size) < 0 ||
        ev_get_string(data, F_PLATFORM, true, &e->platform, errstr, errstr_size) < 0 ||
        ev_get_int64(data, F_ACCOUNT_ID, false, &e->account_id, errstr, errstr_size) < 0 ||
        ev_get_object(data, F_LISTING, true, &l, errstr, errstr_size) < 0)
        goto fail;
    if (listing_parse(l, &e->listing, errstr, errstr_size) < 0) {
        ev_errstr_prefix(errstr, errstr_size, F_LISTING);
        goto fail;
    }
    return 0;
fail:
    posting_requested_free(e);
    return -1;
}

static void listing_free(ev_listing_t *li)
{
    free(li->title);
    free(li->description);
    free(li->currency);
    free(li->condition);
    free(li->category);
    free(li->location);
    for (size_t i = 0; i < li->nimages; i++) {
        free(li->images[i].url);
        free(li->images[i].sha256);
        free(li->images[i].content_type);
    }
    free(li->images);
}

void posting_requested_free(posting_requested_t *e)
{
    if (!e)
        return;
    free(e->platform);
    listing_free(&e->listing);
    memset(e, 0, sizeof(*e));
}

/* ---- delisting.requested / update.requested: a live posting, found by its marketplace id
 * or URL --------------------------------------------------------------------------------- */

static int posting_ref_parse(const cJSON *data, char **external_id, char **external_url,
                             char *errstr, size_t errstr_size)
{
    if (ev_get_string(data, F_EXTERNAL_ID, false, external_id, errstr, errstr_size) < 0 ||
        ev_get_string(data, F_EXTERNAL_URL, false, external_url, errstr, errstr_size) < 0)
        return -1;
    /* The poster finds the live listing by its marketplace id or its URL: one is needed. */
    if (!*external_id && !*external_url) {
        snprintf(errstr, errstr_size, F_EXTERNAL_ID ": missing (or " F_EXTERNAL_URL ")");
        return -1;
    }
    return 0;
}

/* attempt: optional in requests published before it was added; then 1. */
static int attempt_parse(const cJSON *data, int *attempt, char *errstr, size_t errstr_size)
{
    if (get_int(data, F_ATTEMPT, false, attempt, errstr, errstr_size) < 0)
        return -1;
    if (!cJSON_GetObjectItemCaseSensitive(data, F_ATTEMPT))
        *attempt = 1;
    if (*attempt < 1) {
        snprintf(errstr, errstr_size, F_ATTEMPT ": must be at least 1");
        return -1;
    }
    return 0;
}

cJSON *delisting_requested_build(const delisting_requested_t *e)
{
    cJSON *data = cJSON_CreateObject();
    ev_add_int64(data, F_JOB_ID, e->job_id, false);
    ev_add_int64(data, F_ATTEMPT, e->attempt > 0 ? e->attempt : 1, false);
    ev_add_int64(data, F_LISTING_ID, e->listing_id, false);
    ev_add_string(data, F_PLATFORM, e->platform);
    ev_add_int64(data, F_ACCOUNT_ID, e->account_id, true);
    ev_add_string(data, F_EXTERNAL_ID, e->external_id);
    ev_add_string(data, F_EXTERNAL_URL, e->external_url);
    ev_add_string(data, F_REASON, e->reason ? e->reason : DELIST_DELETED);
    return data;
}

int delisting_requested_parse(const cJSON *data, delisting_requested_t *e, char *errstr,
                              size_t errstr_size)
{
    memset(e, 0, sizeof(*e));
    if (ev_get_int64(data, F_JOB_ID, true, &e->job_id, errstr, errstr_size) < 0 ||
        attempt_parse(data, &e->attempt, errstr, errstr_size) < 0 ||
        ev_get_int64(data, F_LISTING_ID, true, &e->listing_id, errstr, errstr_size) < 0 ||
        ev_get_string(data, F_PLATFORM, true, &e->platform, errstr, errstr_size) < 0 ||
        ev_get_int64(data, F_ACCOUNT_ID, false, &e->account_id, errstr, errstr_size) < 0 ||
        posting_ref_parse(data, &e->external_id, &e->external_url, errstr, errstr_size) < 0 ||
        ev_get_string(data, F_REASON, false, &e->reason, errstr, errstr_size) < 0)
        goto fail;
    if (!e->reason) {
        e->reason = xstrdup(DELIST_DELETED);
    } else if (strcmp(e->reason, DELIST_SOLD) != 0 && strcmp(e->reason, DELIST_DELETED) != 0) {
        snprintf(errstr, errstr_size, F_REASON ": expected " DELIST_SOLD " or " DELIST_DELETED);
        goto fail;
    }
    return 0;
fail:
    delisting_requested_free(e);
    return -1;
}

void delisting_requested_free(delisting_requested_t *e)
{
    if (!e)
        return;
    free(e->platform);
    free(e->external_id);
    free(e->external_url);
    free(e->reason);
    memset(e, 0, sizeof(*e));
}

/* ---- renew.requested -------------------------------------------------------------------- */

cJSON *renew_requested_build(const renew_requested_t *e)
{
    cJSON *data = cJSON_CreateObject();
    ev_add_int64(data, F_JOB_ID, e->job_id, false);
    ev_add_int64(data, F_ATTEMPT, e->attempt > 0 ? e->attempt : 1, false);
    ev_add_int64(data, F_POSTING_JOB_ID, e->posting_job_id, false);
    ev_add_int64(data, F_LISTING_ID, e->listing_id, false);
    ev_add_string(data, F_PLATFORM, e->platform);
    ev_add_int64(data, F_ACCOUNT_ID, e->account_id, true);
    ev_add_string(data, F_EXTERNAL_ID, e->external_id);
    ev_add_string(data, F_EXTERNAL_URL, e->external_url);
    return data;
}

int renew_requested_parse(const cJSON *data, renew_requested_t *e, char *errstr, size_t errstr_size)
{
    memset(e, 0, sizeof(*e));
    if (ev_get_int64(data, F_JOB_ID, true, &e->job_id, errstr, errstr_size) < 0 ||
        attempt_parse(data, &e->attempt, errstr, errstr_size) < 0 ||
        ev_get_int64(data, F_POSTING_JOB_ID, true, &e->posting_job_id, errstr, errstr_size) < 0 ||
        ev_get_int64(data, F_LISTING_ID, true, &e->listing_id, errstr, errstr_size) < 0 ||
        ev_get_string(data, F_PLATFORM, true, &e->platform, errstr, errstr_size) < 0 ||
        ev_get_int64(data, F_ACCOUNT_ID, false, &e->account_id, errstr, errstr_size) < 0 ||
        posting_ref_parse(data, &e->external_id, &e->external_url, errstr, errstr_size) < 0) {
        renew_requested_free(e);
        return -1;
    }
    return 0;
}

void renew_requested_free(renew_requested_t *e)
{
    if (!e)
        return;
    free(e->platform);
    free(e->external_id);
    free(e->external_url);
    memset(e, 0, sizeof(*e));
}

bool update_changes(const update_requested_t *u, const char *field)
{
    for (size_t i = 0; i < u->nchanged; i++)
        if (strcmp(u->changed[i], field) == 0)
            return true;
    return false;
}

cJSON *update_requested_build(const update_requested_t *e)
{
    cJSON *data = cJSON_CreateObject();
    ev_add_int64(data, F_JOB_ID, e->job_id, false);
    ev_add_int64(data, F_ATTEMPT, e->attempt, false);
    ev_add_int64(data, F_POSTING_JOB_ID, e->posting_job_id, false);
    ev_add_string(data, F_PLATFORM, e->platform);
    ev_add_int64(data, F_ACCOUNT_ID, e->account_id, true);
    ev_add_string(data, F_EXTERNAL_ID, e->external_id);
    ev_add_string(data, F_EXTERNAL_URL, e->external_url);
    cJSON *changed = cJSON_AddArrayToObject(data, F_CHANGED);
    for (size_t i = 0; i < e->nchanged; i++)
        cJSON_AddItemToArray(changed, cJSON_CreateString(e->changed[i]));
    listing_build(data, &e->listing);
    return data;
}

static int changed_parse(const cJSON *data, update_requested_t *e, char *errstr, size_t errstr_size)
{
    const cJSON *arr = NULL;
    if (ev_get_array(data, F_CHANGED, true, &arr, errstr, errstr_size) < 0)
        return -1;
    int n = cJSON_GetArraySize(arr);
    e->changed = xcalloc(n > 0 ? (size_t)n : 1, sizeof(*e->changed));
    for (const cJSON *it = arr->child; it; it = it->next) {
        if (!cJSON_IsString(it) || !it->valuestring[0]) {
            snprintf(errstr, errstr_size, F_CHANGED "[%zu]: expected a field name", e->nchanged);
            return -1;
        }
        e->changed[e->nchanged++] = xstrdup(it->valuestring);
    }
    return 0;
}

int update_requested_parse(const cJSON *data, update_requested_t *e, char *errstr,
                           size_t errstr_size)
{
    const cJSON *l = NULL;
    memset(e, 0, sizeof(*e));
    if (ev_get_int64(data, F_JOB_ID, true, &e->job_id, errstr, errstr_size) < 0 ||
        attempt_parse(data, &e->attempt, errstr, errstr_size) < 0 ||
        ev_get_int64(data, F_POSTING_JOB_ID, true, &e->posting_job_id, errstr, errstr_size) < 0 ||
        ev_get_string(data, F_PLATFORM, true, &e->platform, errstr, errstr_size) < 0 ||
        ev_get_int64(data, F_ACCOUNT_ID, false, &e->account_id, errstr, errstr_size) < 0 ||
        posting_ref_parse(data, &e->external_id, &e->external_url, errstr, errstr_size) < 0 ||
        changed_parse(data, e, errstr, errstr_size) < 0 ||
        ev_get_object(data, F_LISTING, true, &l, errstr, errstr_size) < 0)
        goto fail;
    if (listing_parse(l, &e->listing, errstr, errstr_size) < 0) {
        ev_errstr_prefix(errstr, errstr_size, F_LISTING);
        goto fail;
    }
    return 0;
fail:
    update_requested_free(e);
    return -1;
}

void update_requested_free(update_requested_t *e)
{
    if (!e)
        return;
    free(e->platform);
    free(e->external_id);
    free(e->external_url);
    for (size_t i = 0; i < e->nchanged; i++)
        free(e->changed[i]);
    free(e->changed);
    listing_free(&e->listing);
    memset(e, 0, sizeof(*e));
}

/* ---- posting.* / delisting.* results ---------------------------------------------------- */

cJSON *posting_event_build(const posting_event_t *e)
{
    cJSON *data = cJSON_CreateObject();
    ev_add_int64(data, F_JOB_ID, e->job_id, false);
    ev_add_int64(data, F_ATTEMPT, e->attempt, false);
    /* Only the members the event uses, so a posting.log does not carry an empty error. */
    if (e->level)
        cJSON_AddStringToObject(data, F_LEVEL, e->level);
    if (e->message)
        cJSON_AddStringToObject(data, F_MESSAGE, e->message);
    if (e->artifact)
        cJSON_AddStringToObject(data, F_ARTIFACT, e->artifact);
    if (e->external_id)
        cJSON_AddStringToObject(data, F_EXTERNAL_ID, e->external_id);
    if (e->external_url)
        cJSON_AddStringToObject(data, F_EXTERNAL_URL, e->external_url);
    if (e->error_code || e->error_message) {
        cJSON *err = cJSON_AddObjectToObject(data, F_ERROR);
        ev_add_string(err, F_CODE, e->error_code);
        ev_add_string(err, F_MESSAGE, e->error_message);
        cJSON_AddBoolToObject(err, F_RETRYABLE, e->retryable);
    }
    return data;
}

int posting_event_parse(const cJSON *data, posting_event_t *e, char *errstr, size_t errstr_size)
{
    const cJSON *err = NULL;
    memset(e, 0, sizeof(*e));
    if (ev_get_int64(data, F_JOB_ID, true, &e->job_id, errstr, errstr_size) < 0 ||
        get_int(data, F_ATTEMPT, true, &e->attempt, errstr, errstr_size) < 0 ||
        ev_get_string(data, F_LEVEL, false, &e->level, errstr, errstr_size) < 0 ||
        ev_get_string(data, F_MESSAGE, false, &e->message, errstr, errstr_size) < 0 ||
        ev_get_string(data, F_ARTIFACT, false, &e->artifact, errstr, errstr_size) < 0 ||
        ev_get_string(data, F_EXTERNAL_ID, false, &e->external_id, errstr, errstr_size) < 0 ||
        ev_get_string(data, F_EXTERNAL_URL, false, &e->external_url, errstr, errstr_size) < 0 ||
        ev_get_object(data, F_ERROR, false, &err, errstr, errstr_size) < 0)
        goto fail;
    if (err && (ev_get_string(err, F_CODE, true, &e->error_code, errstr, errstr_size) < 0 ||
                ev_get_string(err, F_MESSAGE, false, &e->error_message, errstr, errstr_size) < 0 ||
                ev_get_bool(err, F_RETRYABLE, false, &e->retryable, errstr, errstr_size) < 0)) {
        ev_errstr_prefix(errstr, errstr_size, F_ERROR);
        goto fail;
    }
    return 0;
fail:
    posting_event_free(e);
    return -1;
}

void posting_event_free(posting_event_t *e)
{
    if (!e)
        return;
    free(e->level);
    free(e->message);
    free(e->artifact);
    free(e->external_id);
    free(e->external_url);
    free(e->error_code);
    free(e->error_message);
    memset(e, 0, sizeof(*e));
}
