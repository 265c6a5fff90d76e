/* HTTP client over libcurl (see httpc.h): one easy handle per request, retried with the
 * policy of the Stainless-generated SDKs (OpenAI, Browserbase): retry on network errors,
 * 408/409/429/5xx unless x-should-retry says otherwise, waiting what the server asks. */
#include "common/httpc.h"

#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "common/util.h"
#include "common/xmalloc.h"

#define HTTPC_MAX_BACKOFF_S 8.0
#define HTTPC_INITIAL_BACKOFF_S 0.5

static pthread_once_t curl_once = PTHREAD_ONCE_INIT;

static void curl_init_once(void)
{
    curl_global_init(CURL_GLOBAL_DEFAULT);
}

void httpc_global_init(void)
{
    pthread_once(&curl_once, curl_init_once);
}

void httpc_policy_default(httpc_policy_t *p)
{
    p->max_retries = 2;
    p->connect_timeout_ms = 5000;
    p->timeout_ms = 60000;
    p->max_retry_after_s = 60;
    p->max_response = 8 * 1024 * 1024;
}

void httpc_response_init(httpc_response_t *resp)
{
    memset(resp, 0, sizeof(*resp));
    resp->retry_after_ms = -1;
    resp->should_retry = -1;
}

/* Frees the per-attempt parts, keeping the attempt count. */
static void response_clear(httpc_response_t *resp)
{
    int attempts = resp->attempts;
    free(resp->body);
    free(resp->content_type);
    free(resp->location);
    httpc_response_init(resp);
    resp->attempts = attempts;
}

void httpc_response_free(httpc_response_t *resp)
{
    if (!resp)
        return;
    response_clear(resp);
    resp->attempts = 0;
}

bool httpc_should_retry(long status, int should_retry_header)
{
    if (should_retry_header == 1)
        return true;
    if (should_retry_header == 0)
        return false;
    return status == 0 || status == 408 || status == 409 || status == 429 || status >= 500;
}

int64_t httpc_retry_delay_ms(int attempt, int64_t retry_after_ms, double max_retry_after_s)
{
    if (retry_after_ms >= 0 && (double)retry_after_ms > max_retry_after_s * 1000.0)
        return -1;
    if (retry_after_ms > 0)
        return retry_after_ms;
    if (attempt < 0)
        attempt = 0;
    double s = HTTPC_INITIAL_BACKOFF_S * pow(2.0, attempt > 16 ? 16 : attempt);
    if (s > HTTPC_MAX_BACKOFF_S)
        s = HTTPC_MAX_BACKOFF_S;
    return (int64_t)(s * (1.0 - 0.25 * util_rand01()) * 1000.0);
}

/* Non-negative decimal seconds or milliseconds: digits with at most one '.'. */
static int parse_decimal(const char *s, double *out)
{
    int digits = 0, dots = 0;
    for (const char *p = s; *p; p++) {
        if (*p >= '0' && *p <= '9')
            digits++;
        else if (*p == '.' && dots++ == 0)
            continue;
        else
            return -1;
    }
    if (digits == 0)
        return -1;
    *out = strtod(s, NULL);
    return isfinite(*out) ? 0 : -1;
}

int64_t httpc_parse_retry_after(const char *retry_after_ms, const char *retry_after, int64_t now_s)
{
    double v = 0;
    if (retry_after_ms && parse_decimal(retry_after_ms, &v) == 0)
        return (int64_t)llround(v);
    if (!retry_after || !*retry_after)
        return -1;
    if (parse_decimal(retry_after, &v) == 0)
        return (int64_t)llround(v * 1000.0);
    /* an HTTP date (IMF-fixdate, RFC 850 or asctime: curl_getdate knows all three) */
    time_t t = curl_getdate(retry_after, NULL);
    if (t == (time_t)-1)
        return -1;
    int64_t diff = ((int64_t)t - now_s) * 1000;
    /* a date in the past means "now": 0 falls back to the computed backoff */
    return diff > 0 ? diff : 0;
}

/* Copies a header value without surrounding blanks and the CRLF. */
static void header_value(const char *start, const char *end, char *out, size_t size)
{
    while (start < end && (*start == ' ' || *start == '\t'))
        start++;
    while (end > start && (end[-1] == '\r' || end[-1] == '\n' || end[-1] == ' ' || end[-1] == '\t'))
        end--;
    size_t len = (size_t)(end - start);
    if (len >= size)
        len = size - 1;
    memcpy(out, start, len);
    out[len] = '\0';
}

static bool header_is(const char *buffer, size_t name_len, const char *name)
{
    return strlen(name) == name_len && strncasecmp(buffer, name, name_len) == 0;
}

size_t httpc_header_cb(char *buffer, size_t size, size_t nitems, void *userdata)
{
    httpc_response_t *resp = userdata;
    size_t len = size * nitems;
    if (len >= 5 && strncmp(buffer, "HTTP/", 5) == 0) {
        /* a new response (after 100 Continue): its headers replace the previous ones */
        free(resp->content_type);
        free(resp->location);
        resp->content_type = NULL;
        resp->location = NULL;
        resp->retry_after_ms = -1;
        resp->retry_after_from_ms = 0;
        resp->should_retry = -1;
        return len;
    }
    const char *colon = memchr(buffer, ':', len);
    if (!colon)
        return len;
    size_t name_len = (size_t)(colon - buffer);
    char value[512];
    header_value(colon + 1, buffer + len, value, sizeof(value));
    if (header_is(buffer, name_len, "retry-after-ms")) {
        int64_t ms = httpc_parse_retry_after(value, NULL, 0);
        if (ms >= 0) {
            resp->retry_after_ms = ms;
            resp->retry_after_from_ms = 1;
        }
    } else if (header_is(buffer, name_len, "retry-after")) {
        int64_t ms = httpc_parse_retry_after(NULL, value, util_wall_ms() / 1000);
        if (ms >= 0 && !resp->retry_after_from_ms)
            resp->retry_after_ms = ms;
    } else if (header_is(buffer, name_len, "x-should-retry")) {
        if (strcasecmp(value, "true") == 0)
            resp->should_retry = 1;
        else if (strcasecmp(value, "false") == 0)
            resp->should_retry = 0;
    } else if (header_is(buffer, name_len, "content-type")) {
        free(resp->content_type);
        resp->content_type = xstrdup(value);
    } else if (header_is(buffer, name_len, "location")) {
        free(resp->location);
        resp->location = xstrdup(value);
    }
    return len;
}

size_t httpc_sink_write(char *ptr, size_t size, size_t nmemb, void *userdata)
{
    httpc_sink_t *sink = userdata;
    size_t len = size * nmemb;
    if (len > sink->max - sink->body.len) {
        sink->too_large = true;
        return 0; /* aborts the transfer with CURLE_WRITE_ERROR */
    }
    sbuf_addn(&sink->body, ptr, len);
    return len;
}

void httpc_sink_reset(httpc_sink_t *sink)
{
    sbuf_clear(&sink->body);
    sink->too_large = false;
}

/* The URL without its query string or fragment, for error messages. */
static void url_for_errors(const char *url, char *out, size_t size)
{
    snprintf(out, size, "%.*s", (int)strcspn(url, "?#"), url);
}

static void set_method(CURL *curl, const char *method, const void *body, size_t body_len)
{
    if (strcmp(method, "GET") == 0 && !body) {
        curl_easy_setopt(curl, CURLOPT_HTTPGET, 1L);
        return;
    }
    if (strcmp(method, "HEAD") == 0) {
        curl_easy_setopt(curl, CURLOPT_NOBODY, 1L);
        return;
    }
    if (body || strcmp(method, "POST") == 0) {
        curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)(body ? body_len : 0));
        curl_easy_setopt(curl, CURLOPT_POSTFIELDS, body ? (const char *)body : "");
    }
    if (strcmp(method, "POST") != 0)
        curl_easy_setopt(curl, CURLOPT_CUSTOMREQUEST, method);
}

int httpc_request(const char *method, const char *url, const struct curl_slist *headers,
                  const void *body, size_t body_len, const httpc_policy_t *policy,
                  httpc_response_t *resp, char *errstr, size_t errstr_size)
{
    int rc = -1;
    httpc_policy_t defaults;
    struct curl_slist *hl = NULL;
    char curl_err[CURL_ERROR_SIZE];
    char where[256];
    CURL *curl = NULL;

    httpc_global_init();
    if (!policy) {
        httpc_policy_default(&defaults);
        policy = &defaults;
    }
    httpc_response_init(resp);
    /* 0 would refuse every body: treat it as "not set" */
    httpc_sink_t sink = {.max = policy->max_response ? policy->max_response : 8 * 1024 * 1024};
    if (errstr_size)
        errstr[0] = '\0';
    url_for_errors(url, where, sizeof(where));
    curl = curl_easy_init();
    if (!curl) {
        snprintf(errstr, errstr_size, "%s %s: cannot create a curl handle", method, where);
        goto cleanup;
    }
    for (const struct curl_slist *h = headers; h; h = h->next)
        hl = curl_slist_append(hl, h->data);
    /* without this curl waits up to 1 s for a "100 Continue" before sending a large body */
    hl = curl_slist_append(hl, "Expect:");

    curl_easy_setopt(curl, CURLOPT_URL, url);
    curl_easy_setopt(curl, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT_MS, policy->connect_timeout_ms);
    curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, policy->timeout_ms);
    curl_easy_setopt(curl, CURLOPT_HTTPHEADER, hl);
    curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, httpc_sink_write);
    curl_easy_setopt(curl, CURLOPT_WRITEDATA, &sink);
    curl_easy_setopt(curl, CURLOPT_HEADERFUNCTION, httpc_header_cb);
    curl_easy_setopt(curl, CURLOPT_HEADERDATA, resp);
    curl_easy_setopt(curl, CURLOPT_ERRORBUFFER, curl_err);
    set_method(curl, method, body, body_len);

    for (int attempt = 0;; attempt++) {
        response_clear(resp);
        httpc_sink_reset(&sink);
        curl_err[0] = '\0';
        CURLcode cc = curl_easy_perform(curl);
        resp->attempts++;
        if (cc == CURLE_OK) {
            curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &resp->status);
            resp->body_len = sink.body.len;
            resp->body = sbuf_take(&sink.body);
            if (attempt < policy->max_retries &&
                httpc_should_retry(resp->status, resp->should_retry)) {
                int64_t delay =
                    httpc_retry_delay_ms(attempt, resp->retry_after_ms, policy->max_retry_after_s);
                if (delay >= 0) {
                    util_sleep_ms(delay, NULL);
                    continue;
                }
            }
            rc = 0;
            goto cleanup;
        }
        if (sink.too_large) {
            curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &resp->status);
            snprintf(errstr, errstr_size, "%s %s: response body larger than %zu bytes", method,
                     where, sink.max);
            goto cleanup;
        }
        snprintf(errstr, errstr_size, "%s %s: %s", method, where,
                 curl_err[0] ? curl_err : curl_easy_strerror(cc));
        resp->status = 0;
        if (attempt >= policy->max_retries)
            goto cleanup;
        util_sleep_ms(httpc_retry_delay_ms(attempt, -1, policy->max_retry_after_s), NULL);
    }
cleanup:
    if (rc < 0 && resp->body && resp->status == 0) {
        free(resp->body);
        resp->body = NULL;
        resp->body_len = 0;
    }
    sbuf_free(&sink.body);
    curl_easy_cleanup(curl);
    curl_slist_free_all(hl);
    return rc;
}
