/* The eBay driver's shared state and a job's account session (see ebay_driver.h). */
#include "ebay_driver.h"

#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <curl/curl.h>

#include "common/log.h"
#include "common/util.h"
#include "common/xmalloc.h"
#include "ebay_oauth.h"

typedef struct {
    int64_t account_id;
    ebay_setup_t setup;
} setup_entry_t;

struct ebay_driver {
    const ebay_config_t *cfg;
    ebay_endpoints_t ep;
    char *profile_root, *work_dir;
    int image_retries;
    pthread_mutex_t token_mu; /* token files: one refresh at a time, read-modify-write */
    pthread_mutex_t mu;       /* the caches below */
    setup_entry_t *setups;
    size_t nsetups;
    char *app_token;
    int64_t app_expires_at;
    char *tree_id; /* the marketplace's default category tree */
};

ebay_driver_t *ebay_driver_new(const ebay_config_t *cfg, const char *profile_root,
                               const char *work_dir, int image_retries)
{
    ebay_driver_t *d = xcalloc(1, sizeof(*d));
    d->cfg = cfg;
    ebay_endpoints_init(cfg, &d->ep);
    d->profile_root = xstrdup(profile_root);
    d->work_dir = xstrdup(work_dir);
    d->image_retries = image_retries;
    pthread_mutex_init(&d->token_mu, NULL);
    pthread_mutex_init(&d->mu, NULL);
    return d;
}

void ebay_driver_free(void *drv)
{
    ebay_driver_t *d = drv;
    if (!d)
        return;
    ebay_endpoints_free(&d->ep);
    free(d->profile_root);
    free(d->work_dir);
    free(d->setups);
    free(d->app_token);
    free(d->tree_id);
    pthread_mutex_destroy(&d->token_mu);
    pthread_mutex_destroy(&d->mu);
    free(d);
}

const ebay_endpoints_t *ebay_driver_endpoints(const ebay_driver_t *d)
{
    return &d->ep;
}

const ebay_config_t *ebay_driver_config(const ebay_driver_t *d)
{
    return d->cfg;
}

const char *ebay_driver_work_dir(const ebay_driver_t *d)
{
    return d->work_dir;
}

int ebay_driver_image_retries(const ebay_driver_t *d)
{
    return d->image_retries;
}

void ebay_say(const ebay_session_t *s, const char *level, const char *fmt, ...)
{
    char msg[1280];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    if (s->job->log)
        s->job->log(s->job->log_ctx, level, msg, NULL);
}

static ebay_oauth_t oauth_of(const ebay_driver_t *d, int64_t deadline_ms)
{
    ebay_oauth_t o = {
        .token_url = d->ep.token,
        .client_id = d->cfg->client_id,
        .client_secret = d->cfg->client_secret,
        .ru_name = d->cfg->ru_name,
        .deadline_ms = deadline_ms,
    };
    return o;
}

/* Renews tok with its refresh token and writes the file. Holds token_mu. */
static int token_renew(ebay_session_t *s, ebay_token_t *tok, ebay_err_t *e)
{
    ebay_driver_t *d = s->drv;
    long long account = (long long)s->job->account_id;
    char err[512];
    if (ebay_token_refresh_expired(tok, (int64_t)time(NULL))) {
        ebay_fail(
            e, "auth_required", false,
            "the eBay login of account %lld has expired (about 18 months): " EBAY_LOGIN_REMEDY,
            account, account);
        return -1;
    }
    ebay_oauth_t o = oauth_of(d, s->job->deadline_ms);
    switch (ebay_oauth_refresh(&o, tok, err, sizeof(err))) {
    case EBAY_GRANT_OK:
        break;
    case EBAY_GRANT_REFUSED:
        ebay_fail(e, "auth_required", false,
                  "eBay refused to renew the access token of account %lld (%s): " EBAY_LOGIN_REMEDY,
                  account, err, account);
        return -1;
    case EBAY_GRANT_TRANSIENT:
        ebay_fail(e, "marketplace_error", true, "renewing the eBay access token: %s", err);
        return -1;
    }
    if (ebay_token_save(s->token_path, tok, err, sizeof(err)) != 0) {
        /* the new token works for this job; the next one renews again */
        LOG_WARN("job %lld: eBay token file not rewritten: %s", (long long)s->job->job_id, err);
    }
    char until[32];
    time_t t = (time_t)tok->access_expires_at;
    struct tm tm;
    strftime(until, sizeof(until), "%Y-%m-%dT%H:%M:%SZ", gmtime_r(&t, &tm));
    ebay_say(s, "info", "eBay access token renewed (valid until %s)", until);
    return 0;
}

/* Loads the account's token file (token_mu held). Returns 0 or -1 with e. */
static int token_load(ebay_session_t *s, ebay_token_t *tok, ebay_err_t *e)
{
    long long account = (long long)s->job->account_id;
    char err[1024];
    switch (ebay_token_load(s->token_path, tok, err, sizeof(err))) {
    case EBAY_TOKEN_OK:
        break;
    case EBAY_TOKEN_MISSING:
        ebay_fail(e, "auth_required", false,
                  "eBay account %lld is not connected: " EBAY_LOGIN_REMEDY, account, account);
        return -1;
    case EBAY_TOKEN_ERROR:
        LOG_WARN("job %lld: %s", (long long)s->job->job_id, err);
        ebay_fail(e, "auth_required", false,
                  "the eBay token file of account %lld is unreadable (the poster's log says "
                  "why): " EBAY_LOGIN_REMEDY,
                  account, account);
        return -1;
    }
    if (tok->env && strcmp(tok->env, s->drv->cfg->env) != 0) {
        ebay_fail(e, "auth_required", false,
                  "eBay account %lld was connected for EBAY_ENV=%s, the poster runs %s: "
                  "" EBAY_LOGIN_REMEDY,
                  account, tok->env, s->drv->cfg->env, account);
        ebay_token_free(tok);
        return -1;
    }
    return 0;
}

/* ebay_reauth_fn: after a 401. Another job may have renewed the file meanwhile: its token is
 * taken when it differs from the refused one; otherwise this one renews. */
static int session_reauth(void *ctx, char **bearer, ebay_err_t *e)
{
    ebay_session_t *s = ctx;
    ebay_token_t tok;
    pthread_mutex_lock(&s->drv->token_mu);
    int rc = token_load(s, &tok, e);
    if (rc == 0 && (!tok.access_token || (*bearer && strcmp(tok.access_token, *bearer) == 0) ||
                    !ebay_token_fresh(&tok, (int64_t)time(NULL))))
        rc = token_renew(s, &tok, e);
    pthread_mutex_unlock(&s->drv->token_mu);
    if (rc == 0) {
        free(*bearer);
        *bearer = xstrdup(tok.access_token);
    }
    ebay_token_free(&tok);
    return rc;
}

int ebay_session_open(ebay_driver_t *d, const ebay_job_t *job, ebay_session_t *s, ebay_err_t *e)
{
    memset(s, 0, sizeof(*s));
    memset(e, 0, sizeof(*e));
    s->drv = d;
    s->job = job;
    long long account = (long long)job->account_id;
    if (!ebay_config_has_keys(d->cfg)) {
        ebay_fail(
            e, "auth_required", false,
            "the eBay app keys are not configured on this poster (EBAY_CLIENT_ID, "
            "EBAY_CLIENT_SECRET, EBAY_RU_NAME; services/poster/README.md); then " EBAY_LOGIN_REMEDY,
            account);
        return -1;
    }
    if (ebay_token_path(d->profile_root, job->account_id, s->token_path, sizeof(s->token_path)) !=
        0) {
        ebay_fail(e, "bad_request", false, "PROFILE_DIR is too long for a token path");
        return -1;
    }
    ebay_token_t tok;
    pthread_mutex_lock(&d->token_mu);
    int rc = token_load(s, &tok, e);
    if (rc == 0 && !ebay_token_fresh(&tok, (int64_t)time(NULL)))
        rc = token_renew(s, &tok, e);
    pthread_mutex_unlock(&d->token_mu);
    if (rc != 0) {
        ebay_token_free(&tok);
        return -1;
    }
    s->client = (ebay_client_t){
        .marketplace = d->cfg->marketplace,
        .language = d->cfg->language,
        .account_id = job->account_id,
        .bearer = xstrdup(tok.access_token),
        .reauth = session_reauth,
        .reauth_ctx = s,
        .deadline_ms = job->deadline_ms,
        .stop = job->stop,
        .log = job->log,
        .log_ctx = job->log_ctx,
    };
    ebay_token_free(&tok);
    return 0;
}

void ebay_session_close(ebay_session_t *s)
{
    if (!s)
        return;
    free(s->client.bearer);
    s->client.bearer = NULL;
}

/* ---- business policies and location, once per account ---------------------------------- */

static bool setup_cached(ebay_driver_t *d, int64_t account_id, ebay_setup_t *out)
{
    bool found = false;
    pthread_mutex_lock(&d->mu);
    for (size_t i = 0; i < d->nsetups && !found; i++)
        if (d->setups[i].account_id == account_id) {
            *out = d->setups[i].setup;
            found = true;
        }
    pthread_mutex_unlock(&d->mu);
    return found;
}

static void setup_remember(ebay_driver_t *d, int64_t account_id, const ebay_setup_t *setup)
{
    pthread_mutex_lock(&d->mu);
    size_t i = 0;
    while (i < d->nsetups && d->setups[i].account_id != account_id)
        i++;
    if (i == d->nsetups) {
        d->setups = xrealloc(d->setups, (d->nsetups + 1) * sizeof(*d->setups));
        d->nsetups++;
    }
    d->setups[i].account_id = account_id;
    d->setups[i].setup = *setup;
    pthread_mutex_unlock(&d->mu);
}

void ebay_session_setup_forget(ebay_session_t *s)
{
    ebay_driver_t *d = s->drv;
    pthread_mutex_lock(&d->mu);
    for (size_t i = 0; i < d->nsetups; i++)
        if (d->setups[i].account_id == s->job->account_id) {
            d->setups[i] = d->setups[--d->nsetups];
            break;
        }
    pthread_mutex_unlock(&d->mu);
}

/* GETs one list of the account (a policy list or the locations). Returns 0 with *root
 * (caller deletes; NULL when eBay has none), or -1 with e. */
static int get_list(ebay_session_t *s, const char *path, bool by_marketplace, const char *what,
                    cJSON **root, ebay_err_t *e)
{
    *root = NULL;
    char *url = by_marketplace ? xasprintf("%s%s?marketplace_id=%s", s->drv->ep.api, path,
                                           s->drv->cfg->marketplace)
                               : xasprintf("%s%s", s->drv->ep.api, path);
    ebay_reply_t r;
    int rc = ebay_call_json(&s->client, "GET", url, NULL, what, &r, e);
    free(url);
    if (rc == 0 && r.status == 200) {
        *root = r.root;
        r.root = NULL;
    } else if (rc == 0 && r.status != 404) {
        ebay_fail_reply(r.status, r.body, what, s->job->account_id, e);
        rc = -1;
    }
    ebay_reply_free(&r);
    return rc;
}

typedef struct {
    const char *path, *array, *field, *what;
    size_t offset;
} policy_kind_t;

int ebay_session_setup(ebay_session_t *s, ebay_setup_t *out, ebay_err_t *e)
{
    if (setup_cached(s->drv, s->job->account_id, out))
        return 0;
    memset(out, 0, sizeof(*out));
    static const policy_kind_t kinds[] = {
        {"/sell/account/v1/fulfillment_policy", "fulfillmentPolicies", "fulfillmentPolicyId",
         "a fulfillment (shipping) policy", offsetof(ebay_setup_t, fulfillment)},
        {"/sell/account/v1/payment_policy", "paymentPolicies", "paymentPolicyId",
         "a payment policy", offsetof(ebay_setup_t, payment)},
        {"/sell/account/v1/return_policy", "returnPolicies", "returnPolicyId", "a return policy",
         offsetof(ebay_setup_t, ret)},
    };
    char missing[512] = "";
    size_t n = 0;
    for (size_t i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++) {
        cJSON *root = NULL;
        char what[128];
        snprintf(what, sizeof(what), "reading the account's %s", kinds[i].what + 2);
        if (get_list(s, kinds[i].path, true, what, &root, e) != 0)
            return -1;
        if (ebay_policy_pick(root, kinds[i].array, kinds[i].field, (char *)out + kinds[i].offset,
                             sizeof(out->fulfillment)) != 0)
            n += (size_t)snprintf(missing + n, sizeof(missing) - n, "%s%s", n ? ", " : "",
                                  kinds[i].what);
        cJSON_Delete(root);
    }
    char locmsg[300] = "";
    cJSON *locs = NULL;
    if (get_list(s, "/sell/inventory/v1/location", false, "reading the inventory locations", &locs,
                 e) != 0)
        return -1;
    if (ebay_location_pick(locs, out->location, sizeof(out->location)) != 0)
        snprintf(locmsg, sizeof(locmsg),
                 "%sadd an inventory location (the ship-from address: postal code and country) "
                 "with POST /sell/inventory/v1/location/{merchantLocationKey}, or by listing one "
                 "item by hand in Seller Hub",
                 missing[0] ? "; and " : "");
    cJSON_Delete(locs);
    if (missing[0] || locmsg[0]) {
        char pol[700] = "";
        if (missing[0])
            snprintf(pol, sizeof(pol),
                     "create %s for %s in eBay Seller Hub > Account > Business policies (opt in "
                     "to business policies first if eBay asks)",
                     missing, s->drv->cfg->marketplace);
        ebay_fail(e, "setup_required", false,
                  "eBay account %lld is not ready to list: %s%s; then retry the job",
                  (long long)s->job->account_id, pol, locmsg);
        return -1;
    }
    setup_remember(s->drv, s->job->account_id, out);
    ebay_say(s, "info", "eBay account ready: policies %s/%s/%s, location %s", out->fulfillment,
             out->payment, out->ret, out->location);
    return 0;
}

/* ---- taxonomy (application token) ----------------------------------------------------- */

/* The application token (cached until EBAY_TOKEN_MARGIN_S before it expires). Caller frees. */
static char *app_token(ebay_session_t *s, ebay_err_t *e)
{
    ebay_driver_t *d = s->drv;
    char *tok = NULL;
    pthread_mutex_lock(&d->mu);
    if (d->app_token && d->app_expires_at - EBAY_TOKEN_MARGIN_S > (int64_t)time(NULL))
        tok = xstrdup(d->app_token);
    pthread_mutex_unlock(&d->mu);
    if (tok)
        return tok;
    ebay_oauth_t o = oauth_of(d, s->job->deadline_ms);
    int64_t exp = 0;
    char err[512];
    ebay_grant_t g = ebay_oauth_app_token(&o, &tok, &exp, err, sizeof(err));
    if (g != EBAY_GRANT_OK) {
        ebay_fail(e, g == EBAY_GRANT_REFUSED ? "auth_required" : "marketplace_error",
                  g != EBAY_GRANT_REFUSED,
                  "no eBay application token for the category lookup: %s%s", err,
                  g == EBAY_GRANT_REFUSED ? " (check EBAY_CLIENT_ID and EBAY_CLIENT_SECRET)" : "");
        return NULL;
    }
    pthread_mutex_lock(&d->mu);
    free(d->app_token);
    d->app_token = xstrdup(tok);
    d->app_expires_at = exp;
    pthread_mutex_unlock(&d->mu);
    return tok;
}

/* The marketplace's default category tree id into out. */
static int tree_id(ebay_session_t *s, const char *bearer, char *out, size_t size, ebay_err_t *e)
{
    ebay_driver_t *d = s->drv;
    pthread_mutex_lock(&d->mu);
    bool cached = d->tree_id != NULL;
    if (cached)
        snprintf(out, size, "%s", d->tree_id);
    pthread_mutex_unlock(&d->mu);
    if (cached)
        return 0;
    char *url = xasprintf("%s/commerce/taxonomy/v1/get_default_category_tree_id?marketplace_id=%s",
                          d->ep.api, d->cfg->marketplace);
    ebay_reply_t r;
    const char *what = "the default category tree lookup";
    int rc = ebay_call(&s->client, "GET", url, NULL, NULL, 0, bearer, what, &r, e);
    free(url);
    const cJSON *id = cJSON_GetObjectItemCaseSensitive(r.root, "categoryTreeId");
    if (rc == 0 && (r.status != 200 || !cJSON_IsString(id))) {
        ebay_fail_reply(r.status, r.body, what, s->job->account_id, e);
        rc = -1;
    }
    if (rc == 0) {
        snprintf(out, size, "%s", id->valuestring);
        pthread_mutex_lock(&d->mu);
        if (!d->tree_id)
            d->tree_id = xstrdup(id->valuestring);
        pthread_mutex_unlock(&d->mu);
    }
    ebay_reply_free(&r);
    return rc;
}

int ebay_session_category(ebay_session_t *s, const char *query, char *id, size_t id_size,
                          char *name, size_t name_size, ebay_err_t *e)
{
    char *bearer = app_token(s, e);
    if (!bearer)
        return -1;
    char tree[64];
    int rc = tree_id(s, bearer, tree, sizeof(tree), e);
    if (rc != 0) {
        free(bearer);
        return -1;
    }
    char *q = curl_easy_escape(NULL, query, 0);
    char *url = xasprintf("%s/commerce/taxonomy/v1/category_tree/%s/get_category_suggestions?q=%s",
                          s->drv->ep.api, tree, q ? q : "");
    curl_free(q);
    ebay_reply_t r;
    const char *what = "the category suggestion";
    rc = ebay_call(&s->client, "GET", url, NULL, NULL, 0, bearer, what, &r, e);
    free(url);
    free(bearer);
    if (rc == 0 && r.status != 200) {
        ebay_fail_reply(r.status, r.body, what, s->job->account_id, e);
        rc = -1;
    } else if (rc == 0 && ebay_category_pick(r.root, id, id_size, name, name_size) != 0) {
        ebay_fail(e, "marketplace_error", false,
                  "eBay suggested no category for \"%s\": give the listing a more specific title",
                  query);
        rc = -1;
    }
    ebay_reply_free(&r);
    return rc;
}
