/* eBay REST calls with retries, token renewal and error envelopes (see ebay_api.h). */
#include "ebay_api.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "common/httpc.h"
#include "common/metrics.h"
#include "common/util.h"
#include "common/xmalloc.h"

/* One call never waits longer than this for its answer (the job's deadline may be longer). */
#define EBAY_CALL_TIMEOUT_MS 60000
/* eBay's answers are small JSON documents. */
#define EBAY_MAX_RESPONSE (4 * 1024 * 1024)

void ebay_fail(ebay_err_t *e, const char *code, bool retryable, const char *fmt, ...)
{
    snprintf(e->code, sizeof(e->code), "%s", code);
    e->retryable = retryable;
    e->stopped = false;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(e->message, sizeof(e->message), fmt, ap);
    va_end(ap);
}

void ebay_reply_free(ebay_reply_t *r)
{
    if (!r)
        return;
    cJSON_Delete(r->root);
    free(r->body);
    free(r->location);
    memset(r, 0, sizeof(*r));
}

int ebay_error_parse(const char *body, ebay_error_info_t *out)
{
    memset(out, 0, sizeof(*out));
    cJSON *root = cJSON_Parse(body ? body : "");
    const cJSON *errs = cJSON_GetObjectItemCaseSensitive(root, "errors");
    const cJSON *first = cJSON_IsArray(errs) ? cJSON_GetArrayItem(errs, 0) : NULL;
    if (!cJSON_IsObject(first)) {
        cJSON_Delete(root);
        return -1;
    }
    const cJSON *id = cJSON_GetObjectItemCaseSensitive(first, "errorId");
    if (cJSON_IsNumber(id))
        out->error_id = (long)id->valuedouble;
    const cJSON *msg = cJSON_GetObjectItemCaseSensitive(first, "message");
    const cJSON *lmsg = cJSON_GetObjectItemCaseSensitive(first, "longMessage");
    if (cJSON_IsString(msg))
        snprintf(out->message, sizeof(out->message), "%s", msg->valuestring);
    else if (cJSON_IsString(lmsg))
        snprintf(out->message, sizeof(out->message), "%s", lmsg->valuestring);
    const cJSON *params = cJSON_GetObjectItemCaseSensitive(first, "parameters");
    const cJSON *p;
    cJSON_ArrayForEach(p, params)
    {
        const cJSON *name = cJSON_GetObjectItemCaseSensitive(p, "name");
        const cJSON *value = cJSON_GetObjectItemCaseSensitive(p, "value");
        if (cJSON_IsString(name) && strcmp(name->valuestring, "offerId") == 0 &&
            cJSON_IsString(value))
            snprintf(out->offer_id, sizeof(out->offer_id), "%s", value->valuestring);
    }
    cJSON_Delete(root);
    return 0;
}

/* What eBay's setup errors ask the seller to do. NULL: not a setup error. */
static const char *setup_remedy(long error_id)
{
    switch (error_id) {
    case 25007:
        return "create a fulfillment (shipping) policy in eBay Seller Hub > Account > Business "
               "policies";
    case 25008:
        return "create a payment policy in eBay Seller Hub > Account > Business policies";
    case 25009:
        return "create a return policy in eBay Seller Hub > Account > Business policies";
    case 25012:
        return "add an inventory location (ship-from address) to the eBay account";
    case 25018:
        return "complete the eBay seller account (Seller Hub > Account: payment and contact "
               "details)";
    default:
        return NULL;
    }
}

void ebay_fail_reply(long status, const char *body, const char *what, int64_t account_id,
                     ebay_err_t *e)
{
    ebay_error_info_t info;
    char detail[640] = "";
    if (ebay_error_parse(body, &info) == 0)
        snprintf(detail, sizeof(detail), ", errorId %ld: %s", info.error_id, info.message);
    else
        info.error_id = 0;
    const char *setup = setup_remedy(info.error_id);
    if (setup) {
        ebay_fail(e, "setup_required", false,
                  "eBay refused %s (HTTP %ld%s): %s; then retry the job", what, status, detail,
                  setup);
    } else if (status == 401 || status == 403) {
        ebay_fail(e, "auth_required", false,
                  "eBay refused the account's token for %s (HTTP %ld%s): " EBAY_LOGIN_REMEDY, what,
                  status, detail, (long long)account_id);
    } else if (status == 429) {
        ebay_fail(e, "rate_limited", true, "eBay rate-limited %s (HTTP 429%s)", what, detail);
    } else {
        ebay_fail(e, "marketplace_error",
                  status >= 500 || status == 0 || info.error_id == 25001 || info.error_id == 25025,
                  "eBay refused %s (HTTP %ld%s)", what, status, detail);
    }
}

static struct curl_slist *call_headers(const ebay_client_t *c, const char *bearer,
                                       const char *ctype)
{
    char *auth = xasprintf("Authorization: Bearer %s", bearer ? bearer : "");
    struct curl_slist *h = curl_slist_append(NULL, auth);
    free(auth);
    h = curl_slist_append(h, "Accept: application/json");
    char line[160];
    snprintf(line, sizeof(line), "Content-Language: %s", c->language ? c->language : "en-US");
    h = curl_slist_append(h, line);
    snprintf(line, sizeof(line), "X-EBAY-C-MARKETPLACE-ID: %s",
             c->marketplace ? c->marketplace : "EBAY_US");
    h = curl_slist_append(h, line);
    if (ctype) {
        snprintf(line, sizeof(line), "Content-Type: %s", ctype);
        h = curl_slist_append(h, line);
    }
    return h;
}

/* Counts a call's outcome: 2xx, 4xx, 401, 429, 5xx, or network (no answer). */
static void count_call(long status)
{
    const char *cls = status == 0     ? "network"
                      : status == 401 ? "401"
                      : status == 429 ? "429"
                      : status >= 500 ? "5xx"
                      : status >= 400 ? "4xx"
                                      : "2xx";
    char name[96];
    snprintf(name, sizeof(name), "bb_poster_ebay_calls_total{status=\"%s\"}", cls);
    metrics_inc(metrics_counter(name, "calls to eBay's APIs by outcome"), 1);
}

static void say(const ebay_client_t *c, const char *level, const char *msg)
{
    if (c->log)
        c->log(c->log_ctx, level, msg, NULL);
}

/* Hands the answer to the caller's reply. */
static void take_reply(httpc_response_t *resp, ebay_reply_t *r)
{
    r->status = resp->status;
    r->body = resp->body ? resp->body : xstrdup("");
    resp->body = NULL;
    r->location = resp->location;
    resp->location = NULL;
    r->root = r->body[0] ? cJSON_Parse(r->body) : NULL;
}

/* Waits before retry number attempt of a 429/5xx/network failure. Returns 0 to retry, or
 * -1 with e (the last answer's error: deadline, retries spent, shutdown). */
static int backoff(const ebay_client_t *c, int attempt, const httpc_response_t *resp,
                   const char *herr, const char *what, ebay_err_t *e)
{
    if (resp->status == 0)
        ebay_fail(e, "marketplace_error", true, "eBay could not be reached for %s: %s", what, herr);
    else
        ebay_fail_reply(resp->status, resp->body, what, c->account_id, e);
    if (attempt >= EBAY_MAX_RETRIES)
        return -1;
    int64_t delay = httpc_retry_delay_ms(attempt, resp->retry_after_ms, EBAY_MAX_RETRY_AFTER_S);
    if (delay < 0 || util_now_ms() + delay >= c->deadline_ms) {
        size_t n = strlen(e->message);
        snprintf(e->message + n, sizeof(e->message) - n,
                 "; %s wait of %.1f s is past the job's deadline", delay < 0 ? "a" : "the next",
                 (double)(resp->retry_after_ms > 0 ? resp->retry_after_ms : delay) / 1000.0);
        return -1;
    }
    char msg[1280];
    snprintf(msg, sizeof(msg), "%s; retrying in %.1f s%s", e->message, (double)delay / 1000.0,
             resp->retry_after_ms >= 0 ? " (Retry-After)" : "");
    say(c, "warning", msg);
    if (util_sleep_ms(delay, c->stop)) {
        e->stopped = true;
        return -1;
    }
    return 0;
}

int ebay_call(ebay_client_t *c, const char *method, const char *url, const char *ctype,
              const void *body, size_t body_len, const char *app_bearer, const char *what,
              ebay_reply_t *r, ebay_err_t *e)
{
    memset(r, 0, sizeof(*r));
    memset(e, 0, sizeof(*e));
    bool renewed = false;
    for (int attempt = 0;; attempt++) {
        if (c->stop && *c->stop) {
            e->stopped = true;
            return -1;
        }
        int64_t left = c->deadline_ms - util_now_ms();
        if (left <= 0) {
            ebay_fail(e, "timeout", true, "the job's time ran out before %s", what);
            return -1;
        }
        httpc_policy_t pol;
        httpc_policy_default(&pol);
        pol.max_retries = 0; /* retried here, within the deadline, with a log line each */
        pol.timeout_ms = left < EBAY_CALL_TIMEOUT_MS ? (long)left : EBAY_CALL_TIMEOUT_MS;
        pol.max_response = EBAY_MAX_RESPONSE;
        struct curl_slist *h = call_headers(c, app_bearer ? app_bearer : c->bearer, ctype);
        httpc_response_t resp;
        char herr[256] = "";
        int rc = httpc_request(method, url, h, body, body_len, &pol, &resp, herr, sizeof(herr));
        curl_slist_free_all(h);
        count_call(rc == 0 ? resp.status : 0);
        if (rc == 0 && resp.status == 401 && !app_bearer && !renewed && c->reauth) {
            /* the token died early (revoked, clock skew): renew once and repeat the call */
            renewed = true;
            say(c, "info", "eBay refused the access token (401): renewing it");
            httpc_response_free(&resp);
            if (c->reauth(c->reauth_ctx, &c->bearer, e) != 0)
                return -1;
            attempt--;
            continue;
        }
        if (rc == 0 && resp.status != 429 && resp.status < 500 &&
            !(resp.status == 401 || resp.status == 403)) {
            take_reply(&resp, r);
            httpc_response_free(&resp);
            return 0;
        }
        if (rc == 0 && (resp.status == 401 || resp.status == 403)) {
            ebay_fail_reply(resp.status, resp.body, what, c->account_id, e);
            httpc_response_free(&resp);
            return -1;
        }
        if (rc != 0 && resp.status != 0) { /* an answer over the size bound */
            ebay_fail(e, "marketplace_error", false, "eBay's answer to %s: %s", what, herr);
            httpc_response_free(&resp);
            return -1;
        }
        int again = backoff(c, attempt, &resp, herr, what, e);
        httpc_response_free(&resp);
        if (again != 0)
            return -1;
    }
}

int ebay_call_json(ebay_client_t *c, const char *method, const char *url, const cJSON *body,
                   const char *what, ebay_reply_t *r, ebay_err_t *e)
{
    char *json = body ? cJSON_PrintUnformatted(body) : NULL;
    if (body && !json) {
        memset(r, 0, sizeof(*r));
        ebay_fail(e, "bad_request", false, "could not encode the request for %s", what);
        return -1;
    }
    int rc = ebay_call(c, method, url, json ? "application/json" : NULL, json,
                       json ? strlen(json) : 0, NULL, what, r, e);
    cJSON_free(json);
    return rc;
}
