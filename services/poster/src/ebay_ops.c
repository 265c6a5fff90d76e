/* Post, delist and update on eBay through the Sell Inventory and Media APIs (see ebay_ops.h). */
#include "ebay_ops.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <curl/curl.h>

#include "common/money.h"
#include "common/sbuf.h"
#include "common/util.h"
#include "common/xmalloc.h"
#include "job_images.h"

#define INVENTORY "/sell/inventory/v1"

/* ---- results ---------------------------------------------------------------------------- */

static runner_status_t finish_err(const ebay_session_t *s, const ebay_err_t *e,
                                  runner_result_t *res)
{
    if (e->stopped) {
        res->status = RUNNER_INTERRUPTED;
        return res->status;
    }
    res->status = RUNNER_FAILED;
    res->retryable = e->retryable;
    snprintf(res->error_code, sizeof(res->error_code), "%s",
             e->code[0] ? e->code : "marketplace_error");
    snprintf(res->error_message, sizeof(res->error_message), "%s", e->message);
    if (s && s->job->log)
        s->job->log(s->job->log_ctx, "error", res->error_message, NULL);
    return res->status;
}

static runner_status_t finish_ok(const ebay_session_t *s, const char *listing_id, bool existing,
                                 runner_result_t *res)
{
    res->status = RUNNER_OK;
    res->existing = existing;
    if (listing_id && *listing_id) {
        res->external_id = xstrdup(listing_id);
        res->external_url = xasprintf("%s%s", ebay_driver_endpoints(s->drv)->item, listing_id);
    }
    return res->status;
}

/* ---- offers ----------------------------------------------------------------------------- */

/* The SKU's offer on the marketplace: *found false when it has none. Returns 0 or -1. */
static int offer_find(ebay_session_t *s, const char *sku, ebay_offer_ref_t *ref, bool *found,
                      ebay_err_t *e)
{
    *found = false;
    const char *mp = ebay_driver_config(s->drv)->marketplace;
    char *esku = curl_easy_escape(NULL, sku, 0);
    char *url = xasprintf("%s" INVENTORY "/offer?sku=%s&marketplace_id=%s",
                          ebay_driver_endpoints(s->drv)->api, esku ? esku : sku, mp);
    curl_free(esku);
    char what[128];
    snprintf(what, sizeof(what), "the offer lookup of SKU %s", sku);
    ebay_reply_t r;
    int rc = ebay_call_json(&s->client, "GET", url, NULL, what, &r, e);
    free(url);
    if (rc == 0 && r.status == 200)
        *found = ebay_offer_pick(r.root, mp, ref) == 0;
    else if (rc == 0 && r.status != 404) { /* 404 (25713): no offer for the SKU */
        ebay_fail_reply(r.status, r.body, what, s->job->account_id, e);
        rc = -1;
    }
    ebay_reply_free(&r);
    return rc;
}

/* GET offer/{id} into *offer, stripped to updateOffer's fields. Returns 0 or -1. */
static int offer_get(ebay_session_t *s, const char *offer_id, cJSON **offer, ebay_err_t *e)
{
    char *url = xasprintf("%s" INVENTORY "/offer/%s", ebay_driver_endpoints(s->drv)->api, offer_id);
    char what[128];
    snprintf(what, sizeof(what), "reading offer %s", offer_id);
    ebay_reply_t r;
    int rc = ebay_call_json(&s->client, "GET", url, NULL, what, &r, e);
    free(url);
    if (rc == 0 && (r.status != 200 || !cJSON_IsObject(r.root))) {
        ebay_fail_reply(r.status, r.body, what, s->job->account_id, e);
        rc = -1;
    }
    if (rc == 0) {
        /* read-only or creation-only fields are not part of updateOffer's body */
        static const char *const drop[] = {"offerId", "sku",    "marketplaceId",
                                           "format",  "status", "listing"};
        for (size_t i = 0; i < sizeof(drop) / sizeof(drop[0]); i++)
            cJSON_DeleteItemFromObjectCaseSensitive(r.root, drop[i]);
        *offer = r.root;
        r.root = NULL;
    }
    ebay_reply_free(&r);
    return rc;
}

/* PUT offer/{id} (a full replace of the offer; eBay revises a published listing too). */
static int offer_put(ebay_session_t *s, const char *offer_id, cJSON *body, ebay_err_t *e)
{
    static const char *const creation_only[] = {"sku", "marketplaceId", "format"};
    for (size_t i = 0; i < sizeof(creation_only) / sizeof(creation_only[0]); i++)
        cJSON_DeleteItemFromObjectCaseSensitive(body, creation_only[i]);
    char *url = xasprintf("%s" INVENTORY "/offer/%s", ebay_driver_endpoints(s->drv)->api, offer_id);
    char what[128];
    snprintf(what, sizeof(what), "the update of offer %s", offer_id);
    ebay_reply_t r;
    int rc = ebay_call_json(&s->client, "PUT", url, body, what, &r, e);
    free(url);
    if (rc == 0 && r.status != 200 && r.status != 204) {
        ebay_fail_reply(r.status, r.body, what, s->job->account_id, e);
        rc = -1;
    }
    ebay_reply_free(&r);
    return rc;
}

/* Creates the SKU's offer, or (25002: it exists already) updates that one. offer_id out. */
static int offer_create(ebay_session_t *s, cJSON *body, char *offer_id, size_t size, ebay_err_t *e)
{
    char *url = xasprintf("%s" INVENTORY "/offer", ebay_driver_endpoints(s->drv)->api);
    ebay_reply_t r;
    int rc = ebay_call_json(&s->client, "POST", url, body, "the offer creation", &r, e);
    free(url);
    if (rc != 0)
        goto cleanup;
    const cJSON *id = cJSON_GetObjectItemCaseSensitive(r.root, "offerId");
    ebay_error_info_t info;
    if ((r.status == 200 || r.status == 201) && cJSON_IsString(id)) {
        snprintf(offer_id, size, "%s", id->valuestring);
    } else if (r.status == 400 && ebay_error_parse(r.body, &info) == 0 && info.offer_id[0]) {
        /* a create that reached eBay before a crash or a lost answer */
        snprintf(offer_id, size, "%s", info.offer_id);
        ebay_say(s, "info", "eBay: the SKU's offer %s exists already: updating it", offer_id);
        rc = offer_put(s, offer_id, body, e);
    } else {
        ebay_fail_reply(r.status, r.body, "the offer creation", s->job->account_id, e);
        rc = -1;
    }
cleanup:
    ebay_reply_free(&r);
    return rc;
}

/* POST offer/{id}/publish: listing_id out. */
static int offer_publish(ebay_session_t *s, const char *offer_id, char *listing_id, size_t size,
                         ebay_err_t *e)
{
    char *url =
        xasprintf("%s" INVENTORY "/offer/%s/publish", ebay_driver_endpoints(s->drv)->api, offer_id);
    char what[128];
    snprintf(what, sizeof(what), "publishing offer %s", offer_id);
    ebay_reply_t r;
    int rc = ebay_call_json(&s->client, "POST", url, NULL, what, &r, e);
    free(url);
    const cJSON *id = cJSON_GetObjectItemCaseSensitive(r.root, "listingId");
    if (rc == 0 && (r.status != 200 || !cJSON_IsString(id))) {
        ebay_fail_reply(r.status, r.body, what, s->job->account_id, e);
        if (strcmp(e->code, "setup_required") == 0)
            ebay_session_setup_forget(s); /* a policy or the location went away */
        rc = -1;
    }
    if (rc == 0) {
        snprintf(listing_id, size, "%s", id->valuestring);
        const cJSON *warnings = cJSON_GetObjectItemCaseSensitive(r.root, "warnings");
        if (cJSON_GetArraySize(warnings) > 0) {
            const cJSON *m =
                cJSON_GetObjectItemCaseSensitive(cJSON_GetArrayItem(warnings, 0), "message");
            ebay_say(s, "warning", "eBay published with %d warning(s): %s",
                     cJSON_GetArraySize(warnings), cJSON_IsString(m) ? m->valuestring : "?");
        }
    }
    ebay_reply_free(&r);
    return rc;
}

/* ---- photos ----------------------------------------------------------------------------- */

/* Reads a downloaded image (job_images.h bounds its size). Caller frees. */
static char *slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    sbuf_t b = {0};
    char chunk[65536];
    size_t n;
    while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0)
        sbuf_addn(&b, chunk, n);
    int bad = ferror(f);
    fclose(f);
    if (bad) {
        sbuf_free(&b);
        return NULL;
    }
    *len = b.len;
    return b.s ? sbuf_take(&b) : xstrdup("");
}

/* The EPS URL of an upload's answer: imageUrl in the body, else GET its Location. */
static char *image_url_of(ebay_session_t *s, const ebay_reply_t *r, ebay_err_t *e)
{
    const cJSON *u = cJSON_GetObjectItemCaseSensitive(r->root, "imageUrl");
    if (cJSON_IsString(u))
        return xstrdup(u->valuestring);
    if (!r->location) {
        ebay_fail(e, "marketplace_error", true, "eBay's Media API gave no imageUrl nor Location");
        return NULL;
    }
    ebay_reply_t g;
    char *url = NULL;
    if (ebay_call_json(&s->client, "GET", r->location, NULL, "reading an uploaded image", &g, e) ==
        0) {
        u = cJSON_GetObjectItemCaseSensitive(g.root, "imageUrl");
        if (g.status == 200 && cJSON_IsString(u))
            url = xstrdup(u->valuestring);
        else
            ebay_fail_reply(g.status, g.body, "reading an uploaded image", s->job->account_id, e);
    }
    ebay_reply_free(&g);
    return url;
}

/* Uploads one file with createImageFromFile (multipart, part "image"). Returns its EPS URL
 * (caller frees) or NULL with e. */
static char *image_upload(ebay_session_t *s, const char *path, size_t index, const char *ctype,
                          ebay_err_t *e)
{
    size_t len = 0;
    char *data = slurp(path, &len);
    if (!data) {
        ebay_fail(e, "image_unavailable", true, "image %zu could not be read back from WORK_DIR",
                  index + 1);
        return NULL;
    }
    char boundary[64];
    snprintf(boundary, sizeof(boundary), "bb-%016llx%016llx",
             (unsigned long long)(util_rand01() * 1e18), (unsigned long long)util_now_us());
    const char *name = strrchr(path, '/') ? strrchr(path, '/') + 1 : path;
    sbuf_t body = {0};
    sbuf_printf(&body,
                "--%s\r\nContent-Disposition: form-data; name=\"image\"; filename=\"%s\"\r\n"
                "Content-Type: %s\r\n\r\n",
                boundary, name, ctype && *ctype ? ctype : "image/jpeg");
    sbuf_addn(&body, data, len);
    sbuf_printf(&body, "\r\n--%s--\r\n", boundary);
    free(data);
    char *mtype = xasprintf("multipart/form-data; boundary=%s", boundary);
    char *url = xasprintf("%s/image/create_image_from_file", ebay_driver_endpoints(s->drv)->media);
    char what[64];
    snprintf(what, sizeof(what), "the upload of image %zu", index + 1);
    ebay_reply_t r;
    char *eps = NULL;
    if (ebay_call(&s->client, "POST", url, mtype, body.s, body.len, NULL, what, &r, e) == 0) {
        if (r.status == 201 || r.status == 200)
            eps = image_url_of(s, &r, e);
        else
            ebay_fail_reply(r.status, r.body, what, s->job->account_id, e);
    }
    ebay_reply_free(&r);
    free(url);
    free(mtype);
    sbuf_free(&body);
    return eps;
}

typedef struct {
    char **urls;
    size_t n;
} eps_urls_t;

static void eps_free(eps_urls_t *u)
{
    for (size_t i = 0; i < u->n; i++)
        free(u->urls[i]);
    free(u->urls);
    memset(u, 0, sizeof(*u));
}

/* Redeems the listing's claim checks into WORK_DIR and uploads each photo to eBay. */
static int images_upload(ebay_session_t *s, const ev_listing_t *l, eps_urls_t *out, ebay_err_t *e)
{
    memset(out, 0, sizeof(*out));
    if (l->nimages == 0) {
        ebay_fail(e, "bad_request", false, "eBay needs at least one photo to list an item");
        return -1;
    }
    job_images_t imgs;
    job_images_error_t ierr;
    if (job_images_fetch(l, s->job->job_id, ebay_driver_work_dir(s->drv),
                         ebay_driver_image_retries(s->drv), &imgs, &ierr) != 0) {
        ebay_fail(e, ierr.code, ierr.retryable, "%s", ierr.message);
        return -1;
    }
    out->urls = xcalloc(imgs.n, sizeof(char *));
    int rc = 0;
    for (size_t i = 0; i < imgs.n && rc == 0; i++) {
        char *u = image_upload(s, imgs.paths[i], i, l->images[i].content_type, e);
        if (u)
            out->urls[out->n++] = u;
        else
            rc = -1;
    }
    job_images_free(&imgs);
    if (rc != 0)
        eps_free(out);
    else
        ebay_say(s, "info", "eBay: %zu photo%s uploaded", out->n, out->n == 1 ? "" : "s");
    return rc;
}

/* ---- inventory item --------------------------------------------------------------------- */

static int item_put(ebay_session_t *s, const char *sku, const ev_listing_t *l,
                    const eps_urls_t *urls, ebay_err_t *e)
{
    cJSON *item = ebay_inventory_item_build(l, (const char *const *)urls->urls, urls->n);
    char *url =
        xasprintf("%s" INVENTORY "/inventory_item/%s", ebay_driver_endpoints(s->drv)->api, sku);
    char what[128];
    snprintf(what, sizeof(what), "the inventory item %s", sku);
    ebay_reply_t r;
    int rc = ebay_call_json(&s->client, "PUT", url, item, what, &r, e);
    if (rc == 0 && r.status != 204 && r.status != 200 && r.status != 201) {
        ebay_fail_reply(r.status, r.body, what, s->job->account_id, e);
        rc = -1;
    }
    ebay_reply_free(&r);
    free(url);
    cJSON_Delete(item);
    return rc;
}

/* The imageUrls of the SKU's inventory item as eBay has it (an edit without new photos keeps
 * them: the item PUT is a full replace). */
static int item_image_urls(ebay_session_t *s, const char *sku, eps_urls_t *out, ebay_err_t *e)
{
    memset(out, 0, sizeof(*out));
    char *url =
        xasprintf("%s" INVENTORY "/inventory_item/%s", ebay_driver_endpoints(s->drv)->api, sku);
    ebay_reply_t r;
    int rc = ebay_call_json(&s->client, "GET", url, NULL, "reading the inventory item", &r, e);
    free(url);
    if (rc == 0 && r.status == 200) {
        const cJSON *product = cJSON_GetObjectItemCaseSensitive(r.root, "product");
        const cJSON *list = cJSON_GetObjectItemCaseSensitive(product, "imageUrls");
        int n = cJSON_GetArraySize(list);
        out->urls = xcalloc(n > 0 ? (size_t)n : 1, sizeof(char *));
        const cJSON *u;
        cJSON_ArrayForEach(u, list) if (cJSON_IsString(u)) out->urls[out->n++] =
            xstrdup(u->valuestring);
    } else if (rc == 0 && r.status != 404) {
        ebay_fail_reply(r.status, r.body, "reading the inventory item", s->job->account_id, e);
        rc = -1;
    }
    ebay_reply_free(&r);
    return rc;
}

/* ---- post ------------------------------------------------------------------------------- */

/* Photos, category, item and offer of a SKU with no published offer; listing_id out. */
static int post_new(ebay_session_t *s, const char *sku, const ev_listing_t *l,
                    const ebay_offer_ref_t *ref, bool found, char *listing_id, size_t size,
                    ebay_err_t *e)
{
    ebay_setup_t setup;
    if (ebay_session_setup(s, &setup, e) != 0)
        return -1;
    char cat[64], cat_name[160];
    if (ebay_session_category(s, l->title ? l->title : "", cat, sizeof(cat), cat_name,
                              sizeof(cat_name), e) != 0)
        return -1;
    ebay_say(s, "info", "eBay: category %s (%s)", cat, cat_name);
    eps_urls_t urls;
    if (images_upload(s, l, &urls, e) != 0)
        return -1;
    int rc = item_put(s, sku, l, &urls, e);
    eps_free(&urls);
    if (rc != 0)
        return -1;
    cJSON *offer = ebay_offer_build(l, sku, ebay_driver_config(s->drv)->marketplace, cat, &setup);
    char offer_id[64];
    if (found) {
        snprintf(offer_id, sizeof(offer_id), "%s", ref->offer_id);
        rc = offer_put(s, offer_id, offer, e);
    } else {
        rc = offer_create(s, offer, offer_id, sizeof(offer_id), e);
    }
    cJSON_Delete(offer);
    if (rc != 0)
        return -1;
    ebay_say(s, "info", "eBay: offer %s ready for SKU %s", offer_id, sku);
    return offer_publish(s, offer_id, listing_id, size, e);
}

runner_status_t ebay_op_post(ebay_driver_t *d, const ebay_job_t *job,
                             const posting_requested_t *req, runner_result_t *res)
{
    memset(res, 0, sizeof(*res));
    ebay_session_t s;
    ebay_err_t e = {0};
    if (ebay_session_open(d, job, &s, &e) != 0) {
        ebay_session_t quiet = {.drv = d, .job = job};
        return finish_err(&quiet, &e, res);
    }
    char sku[64], listing_id[64] = "";
    ebay_sku(req->listing.id, sku, sizeof(sku));
    ebay_offer_ref_t ref;
    bool found = false;
    runner_status_t st;
    if (offer_find(&s, sku, &ref, &found, &e) != 0)
        goto fail;
    if (found && strcmp(ref.status, "PUBLISHED") == 0) {
        /* a redelivered job: the first attempt published before its answer was lost */
        ebay_say(&s, "info", "eBay: SKU %s is already listed as %s: not listing it again", sku,
                 ref.listing_id);
        st = finish_ok(&s, ref.listing_id, true, res);
        goto cleanup;
    }
    if (post_new(&s, sku, &req->listing, &ref, found, listing_id, sizeof(listing_id), &e) != 0)
        goto fail;
    ebay_say(&s, "info", "eBay: listed as %s", listing_id);
    st = finish_ok(&s, listing_id, false, res);
    goto cleanup;
fail:
    st = finish_err(&s, &e, res);
cleanup:
    ebay_session_close(&s);
    return st;
}

/* ---- delist ----------------------------------------------------------------------------- */

/* Withdraws a published offer; "not available" (already ended) counts as done. */
static int offer_withdraw(ebay_session_t *s, const ebay_offer_ref_t *ref, ebay_err_t *e)
{
    char *url = xasprintf("%s" INVENTORY "/offer/%s/withdraw", ebay_driver_endpoints(s->drv)->api,
                          ref->offer_id);
    char what[128];
    snprintf(what, sizeof(what), "withdrawing offer %s", ref->offer_id);
    ebay_reply_t r;
    int rc = ebay_call_json(&s->client, "POST", url, NULL, what, &r, e);
    free(url);
    ebay_error_info_t info;
    if (rc == 0 && r.status != 200 && r.status != 204) {
        bool gone = r.status == 404 || (ebay_error_parse(r.body, &info) == 0 &&
                                        (info.error_id == 25713 || info.error_id == 25702));
        if (gone) {
            ebay_say(s, "info", "eBay: offer %s is not live any more", ref->offer_id);
        } else {
            ebay_fail_reply(r.status, r.body, what, s->job->account_id, e);
            rc = -1;
        }
    }
    ebay_reply_free(&r);
    return rc;
}

runner_status_t ebay_op_delist(ebay_driver_t *d, const ebay_job_t *job,
                               const delisting_requested_t *req, runner_result_t *res)
{
    memset(res, 0, sizeof(*res));
    ebay_session_t s = {.drv = d, .job = job};
    ebay_err_t e = {0};
    if (req->listing_id <= 0) {
        ebay_fail(&e, "bad_request", false,
                  "the delisting request names no listing: the eBay SKU comes from it");
        return finish_err(&s, &e, res);
    }
    if (ebay_session_open(d, job, &s, &e) != 0)
        return finish_err(&s, &e, res);
    char sku[64];
    ebay_sku(req->listing_id, sku, sizeof(sku));
    ebay_offer_ref_t ref;
    bool found = false;
    runner_status_t st;
    if (offer_find(&s, sku, &ref, &found, &e) != 0)
        goto fail;
    if (!found || strcmp(ref.status, "PUBLISHED") != 0) {
        ebay_say(&s, "info", "eBay: SKU %s has no live offer: already delisted", sku);
        st = finish_ok(&s, req->external_id, true, res);
        goto cleanup;
    }
    if (offer_withdraw(&s, &ref, &e) != 0)
        goto fail;
    ebay_say(&s, "info", "eBay: offer %s withdrawn (listing %s ended)", ref.offer_id,
             ref.listing_id);
    st = finish_ok(&s, ref.listing_id, false, res);
    goto cleanup;
fail:
    st = finish_err(&s, &e, res);
cleanup:
    ebay_session_close(&s);
    return st;
}

/* ---- update ----------------------------------------------------------------------------- */

/* Whether the edit is a price change only (the cheap path: one offer update). */
static bool price_only(const update_requested_t *u)
{
    if (u->nchanged == 0)
        return false;
    for (size_t i = 0; i < u->nchanged; i++)
        if (strcmp(u->changed[i], "price") != 0 && strcmp(u->changed[i], "currency") != 0)
            return false;
    return true;
}

/* Title, description, condition or photos: the inventory item is replaced (new photos
 * uploaded, or eBay's copies kept), then the offer's description and price. */
static int update_item(ebay_session_t *s, const char *sku, const update_requested_t *u,
                       cJSON *offer, ebay_err_t *e)
{
    eps_urls_t urls;
    int rc = update_changes(u, "images") ? images_upload(s, &u->listing, &urls, e)
                                         : item_image_urls(s, sku, &urls, e);
    if (rc == 0 && urls.n == 0) {
        eps_free(&urls);
        rc = images_upload(s, &u->listing, &urls, e);
    }
    if (rc != 0)
        return -1;
    rc = item_put(s, sku, &u->listing, &urls, e);
    eps_free(&urls);
    if (rc != 0)
        return -1;
    cJSON_DeleteItemFromObjectCaseSensitive(offer, "listingDescription");
    cJSON_AddStringToObject(offer, "listingDescription",
                            u->listing.description ? u->listing.description : "");
    return 0;
}

runner_status_t ebay_op_update(ebay_driver_t *d, const ebay_job_t *job,
                               const update_requested_t *req, runner_result_t *res)
{
    memset(res, 0, sizeof(*res));
    ebay_session_t s = {.drv = d, .job = job};
    ebay_err_t e = {0};
    if (ebay_session_open(d, job, &s, &e) != 0)
        return finish_err(&s, &e, res);
    char sku[64];
    ebay_sku(req->listing.id, sku, sizeof(sku));
    ebay_offer_ref_t ref;
    bool found = false;
    cJSON *offer = NULL;
    runner_status_t st;
    if (offer_find(&s, sku, &ref, &found, &e) != 0)
        goto fail;
    if (!found) {
        ebay_fail(&e, "marketplace_error", false,
                  "eBay has no offer for SKU %s: the listing is not on eBay (post it there first)",
                  sku);
        goto fail;
    }
    if (offer_get(&s, ref.offer_id, &offer, &e) != 0)
        goto fail;
    bool cheap = price_only(req);
    if (!cheap && update_item(&s, sku, req, offer, &e) != 0)
        goto fail;
    ebay_offer_set_price(offer, req->listing.price_cents, req->listing.currency);
    if (offer_put(&s, ref.offer_id, offer, &e) != 0)
        goto fail;
    char price[MONEY_STR_LEN];
    ebay_say(&s, "info", "eBay: offer %s updated (%s; price %s %s)", ref.offer_id,
             cheap ? "price only" : "item and offer", money_format(req->listing.price_cents, price),
             req->listing.currency ? req->listing.currency : "USD");
    st = finish_ok(&s, ref.listing_id[0] ? ref.listing_id : req->external_id, false, res);
    goto cleanup;
fail:
    st = finish_err(&s, &e, res);
cleanup:
    cJSON_Delete(offer);
    ebay_session_close(&s);
    return st;
}
