/* eBay's token endpoint and consent URL (see ebay_oauth.h). Secrets (the client secret, codes,
 * tokens) never reach an error message or a log line. */
#include "ebay_oauth.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cjson/cJSON.h>
#include <curl/curl.h>
#include <openssl/evp.h>

#include "common/httpc.h"
#include "common/sbuf.h"
#include "common/util.h"
#include "common/xmalloc.h"

/* Percent-encodes s (caller frees). */
static char *esc(const char *s)
{
    char *e = curl_easy_escape(NULL, s, 0); /* the handle is ignored since curl 7.82 */
    char *out = xstrdup(e ? e : "");
    curl_free(e);
    return out;
}

char *ebay_oauth_consent_url(const char *consent, const char *client_id, const char *ru_name,
                             const char *state)
{
    char *id = esc(client_id), *ru = esc(ru_name), *scope = esc(EBAY_USER_SCOPES);
    char *st = esc(state ? state : "");
    char *url = xasprintf("%s?client_id=%s&redirect_uri=%s&response_type=code&scope=%s&state=%s",
                          consent, id, ru, scope, st);
    free(id);
    free(ru);
    free(scope);
    free(st);
    return url;
}

/* The URL-decoded value of query parameter name in url (NULL when absent). Caller frees. */
static char *query_param(const char *url, const char *name)
{
    const char *q = strchr(url, '?');
    size_t nlen = strlen(name);
    for (const char *p = q ? q + 1 : NULL; p && *p;) {
        size_t len = strcspn(p, "&#");
        if (len > nlen && strncmp(p, name, nlen) == 0 && p[nlen] == '=') {
            /* '+' is a space in a query string; curl's unescape only does %XX */
            char *raw = xstrndup(p + nlen + 1, len - nlen - 1);
            for (char *c = raw; *c; c++)
                if (*c == '+')
                    *c = ' ';
            int outlen = 0;
            char *dec = curl_easy_unescape(NULL, raw, 0, &outlen);
            char *val = dec ? xstrndup(dec, (size_t)outlen) : NULL;
            curl_free(dec);
            free(raw);
            return val;
        }
        p += len;
        p = *p == '&' ? p + 1 : NULL;
    }
    return NULL;
}

char *ebay_oauth_code_from_input(const char *input, const char *state, char *errstr,
                                 size_t errstr_size)
{
    while (*input && isspace((unsigned char)*input))
        input++;
    size_t n = strlen(input);
    while (n > 0 && isspace((unsigned char)input[n - 1]))
        n--;
    char *s = xstrndup(input, n);
    char *code = NULL;
    if (strncmp(s, "http://", 7) == 0 || strncmp(s, "https://", 8) == 0) {
        char *err = query_param(s, "error");
        char *got_state = query_param(s, "state");
        code = query_param(s, "code");
        if (err) {
            snprintf(errstr, errstr_size, "eBay answered error=%s: the consent was not given", err);
            free(code);
            code = NULL;
        } else if (!code || !*code) {
            snprintf(errstr, errstr_size, "the URL has no code= parameter");
            free(code);
            code = NULL;
        } else if (got_state && state && strcmp(got_state, state) != 0) {
            snprintf(errstr, errstr_size,
                     "the URL's state does not match this login's: paste "
                     "the URL of the consent this command printed");
            free(code);
            code = NULL;
        }
        free(err);
        free(got_state);
        free(s);
        return code;
    }
    if (!*s || strchr(s, ' ')) {
        snprintf(errstr, errstr_size,
                 "no code: paste the code or the whole URL eBay sent "
                 "the browser to");
        free(s);
        return NULL;
    }
    if (strchr(s, '%')) {
        /* copied from the URL as it stands (v%5E1.1%23...): eBay's codes hold no '%' */
        int outlen = 0;
        char *dec = curl_easy_unescape(NULL, s, 0, &outlen);
        if (dec) {
            free(s);
            s = xstrndup(dec, (size_t)outlen);
            curl_free(dec);
        }
    }
    return s;
}

/* "Authorization: Basic base64(id:secret)" (caller frees with curl_slist_free_all, together
 * with the other headers). */
static struct curl_slist *grant_headers(const ebay_oauth_t *o)
{
    char *pair = xasprintf("%s:%s", o->client_id, o->client_secret);
    size_t len = strlen(pair);
    unsigned char *b64 = xmalloc(4 * ((len + 2) / 3) + 1);
    EVP_EncodeBlock(b64, (const unsigned char *)pair, (int)len);
    char *auth = xasprintf("Authorization: Basic %s", (const char *)b64);
    struct curl_slist *h = curl_slist_append(NULL, auth);
    h = curl_slist_append(h, "Content-Type: application/x-www-form-urlencoded");
    h = curl_slist_append(h, "Accept: application/json");
    memset(pair, 0, len);
    free(pair);
    free(b64);
    free(auth);
    return h;
}

/* What the token endpoint's error body says ("invalid_grant: ..."), without secrets. */
static void grant_error(const httpc_response_t *resp, char *errstr, size_t errstr_size)
{
    cJSON *root = cJSON_Parse(resp->body ? resp->body : "");
    const cJSON *e = cJSON_GetObjectItemCaseSensitive(root, "error");
    const cJSON *d = cJSON_GetObjectItemCaseSensitive(root, "error_description");
    snprintf(errstr, errstr_size, "eBay's token endpoint answered %ld%s%s%s%s%s", resp->status,
             cJSON_IsString(e) ? ": " : "", cJSON_IsString(e) ? e->valuestring : "",
             cJSON_IsString(d) ? " (" : "", cJSON_IsString(d) ? d->valuestring : "",
             cJSON_IsString(d) ? ")" : "");
    cJSON_Delete(root);
}

/* POSTs form to the token endpoint. On 200 *body is the answer (caller frees). */
static ebay_grant_t grant(const ebay_oauth_t *o, const char *form, char **body, char *errstr,
                          size_t errstr_size)
{
    *body = NULL;
    if (!o->client_id || !o->client_secret) {
        snprintf(errstr, errstr_size, "EBAY_CLIENT_ID and EBAY_CLIENT_SECRET are not set");
        return EBAY_GRANT_REFUSED;
    }
    int64_t left = o->deadline_ms ? o->deadline_ms - util_now_ms() : 30000;
    if (left < 1000)
        left = 1000;
    httpc_policy_t pol;
    httpc_policy_default(&pol);
    pol.max_retries = 2;
    pol.timeout_ms = left < 30000 ? (long)left : 30000;
    pol.max_response = 64 * 1024;
    struct curl_slist *h = grant_headers(o);
    httpc_response_t resp;
    char herr[256];
    ebay_grant_t rc = EBAY_GRANT_TRANSIENT;
    if (httpc_request("POST", o->token_url, h, form, strlen(form), &pol, &resp, herr,
                      sizeof(herr)) != 0) {
        snprintf(errstr, errstr_size, "eBay's token endpoint: %s", herr);
    } else if (resp.status == 200) {
        *body = resp.body;
        resp.body = NULL;
        rc = EBAY_GRANT_OK;
    } else {
        grant_error(&resp, errstr, errstr_size);
        rc = httpc_should_retry(resp.status, resp.should_retry) ? EBAY_GRANT_TRANSIENT
                                                                : EBAY_GRANT_REFUSED;
    }
    curl_slist_free_all(h);
    httpc_response_free(&resp);
    return rc;
}

static ebay_grant_t grant_tokens(const ebay_oauth_t *o, const char *form, ebay_token_t *t,
                                 char *errstr, size_t errstr_size)
{
    char *body = NULL;
    ebay_grant_t rc = grant(o, form, &body, errstr, errstr_size);
    if (rc == EBAY_GRANT_OK &&
        ebay_token_parse_grant(body, (int64_t)time(NULL), t, errstr, errstr_size) != 0)
        rc = EBAY_GRANT_TRANSIENT;
    free(body);
    return rc;
}

ebay_grant_t ebay_oauth_exchange_code(const ebay_oauth_t *o, const char *code, ebay_token_t *t,
                                      char *errstr, size_t errstr_size)
{
    if (!o->ru_name) {
        snprintf(errstr, errstr_size, "EBAY_RU_NAME is not set");
        return EBAY_GRANT_REFUSED;
    }
    char *c = esc(code), *ru = esc(o->ru_name);
    char *form = xasprintf("grant_type=authorization_code&code=%s&redirect_uri=%s", c, ru);
    ebay_grant_t rc = grant_tokens(o, form, t, errstr, errstr_size);
    free(c);
    free(ru);
    free(form);
    return rc;
}

ebay_grant_t ebay_oauth_refresh(const ebay_oauth_t *o, ebay_token_t *t, char *errstr,
                                size_t errstr_size)
{
    if (!t->refresh_token) {
        snprintf(errstr, errstr_size, "no refresh token");
        return EBAY_GRANT_REFUSED;
    }
    char *r = esc(t->refresh_token), *scope = esc(EBAY_USER_SCOPES);
    char *form = xasprintf("grant_type=refresh_token&refresh_token=%s&scope=%s", r, scope);
    ebay_grant_t rc = grant_tokens(o, form, t, errstr, errstr_size);
    free(r);
    free(scope);
    free(form);
    return rc;
}

ebay_grant_t ebay_oauth_app_token(const ebay_oauth_t *o, char **token, int64_t *expires_at,
                                  char *errstr, size_t errstr_size)
{
    char *scope = esc(EBAY_APP_SCOPE);
    char *form = xasprintf("grant_type=client_credentials&scope=%s", scope);
    ebay_token_t t = {0};
    ebay_grant_t rc = grant_tokens(o, form, &t, errstr, errstr_size);
    if (rc == EBAY_GRANT_OK) {
        *token = t.access_token;
        *expires_at = t.access_expires_at;
        t.access_token = NULL;
    }
    ebay_token_free(&t);
    free(scope);
    free(form);
    return rc;
}
