/* W3C WebDriver client over libcurl + cJSON (see webdriver.h): one reused easy handle per
 * session (keep-alive to chromedriver), W3C {"value": ...} envelopes, errors mapped into
 * wd_error_t, and the Browserbase REST calls around a remote session. */
#include "common/webdriver.h"

#include <errno.h>
#include <ftw.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <curl/curl.h>
#include <openssl/evp.h>

#include "common/httpc.h"
#include "common/xmalloc.h"

#define WD_ELEMENT_KEY "element-6066-11e4-a52e-4f735466cecf"
#define WD_MAX_RESPONSE (64u * 1024u * 1024u) /* screenshots of big pages are a few MB */
#define WD_CONNECT_TIMEOUT_MS 5000L
#define WD_DEFAULT_TIMEOUT_MS 60000L
#define WD_PAGE_LOAD_TIMEOUT_MS 30000
#define WD_SCRIPT_TIMEOUT_MS 30000
#define BB_MAX_RETRIES 2          /* as the Browserbase SDK */
#define BB_MAX_RETRY_AFTER_S 60.0 /* the SDK honours Retry-After up to 60 s */

struct wd_session {
    wd_backend_t backend;
    pthread_mutex_t mu; /* guards curl: one command at a time per session */
    CURL *curl;
    long timeout_ms;
    char *base;       /* WebDriver endpoint without a trailing '/' */
    char *session_id; /* W3C session id */
    struct curl_slist *wd_headers;
    char *temp_profile; /* a profile dir we created and remove at the end */
    /* WD_BROWSERBASE */
    char *bb_api_url;
    char *bb_api_key;
    char *bb_project_id;
    char *bb_session_id;
};

static void err_set(wd_error_t *err, const char *code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void err_set(wd_error_t *err, const char *code, const char *fmt, ...)
{
    if (err == NULL)
        return;
    snprintf(err->code, sizeof(err->code), "%s", code);
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err->message, sizeof(err->message), fmt, ap);
    va_end(ap);
}

/* One HTTP exchange on the session's handle (caller holds s->mu). body may be NULL; mime
 * (multipart) replaces body when non-NULL; hdrs (may be NULL) receives the retry headers.
 * Returns 0 when a response arrived (*status set, resp filled, caller frees resp->data) or
 * -1 with err "transport". */
static int http_exchange(wd_session_t *s, const char *method, const char *url,
                         const struct curl_slist *headers, const char *body, curl_mime *mime,
                         httpc_response_t *hdrs, long *status, httpc_sink_t *resp, wd_error_t *err)
{
    CURL *curl = s->curl;
    curl_easy_reset(curl); /* keeps the connection cache: keep-alive survives */
    curl_easy_setopt(curl, CURLOPT_URL, url);
    curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT_MS, WD_CONNECT_TIMEOUT_MS);
    curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, s->timeout_ms);
    curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers);
    curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, httpc_sink_write);
    curl_easy_setopt(curl, CURLOPT_WRITEDATA, resp);
    curl_easy_setopt(curl, CURLOPT_PROTOCOLS_STR, "http,https");
    if (hdrs) {
        curl_easy_setopt(curl, CURLOPT_HEADERFUNCTION, httpc_header_cb);
        curl_easy_setopt(curl, CURLOPT_HEADERDATA, hdrs);
    }
    if (mime) {
        curl_easy_setopt(curl, CURLOPT_MIMEPOST, mime);
    } else if (body) {
        curl_easy_setopt(curl, CURLOPT_POSTFIELDS, body);
        curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)strlen(body));
        curl_easy_setopt(curl, CURLOPT_CUSTOMREQUEST, method);
    } else if (strcmp(method, "GET") != 0) {
        curl_easy_setopt(curl, CURLOPT_CUSTOMREQUEST, method);
    }
    CURLcode rc = curl_easy_perform(curl);
    if (rc != CURLE_OK) {
        if (resp->too_large)
            err_set(err, "transport", "%s %s: response larger than %u bytes", method, url,
                    WD_MAX_RESPONSE);
        else
            err_set(err, "transport", "%s %s: %s", method, url, curl_easy_strerror(rc));
        return -1;
    }
    curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, status);
    return 0;
}

/* Copies a W3C error ({"value":{"error","message"}}) or a generic HTTP failure into err. */
static void err_from_response(wd_error_t *err, long status, const cJSON *root, const char *body,
                              const char *what)
{
    const cJSON *value = cJSON_GetObjectItemCaseSensitive(root, "value");
    const cJSON *code = cJSON_GetObjectItemCaseSensitive(value, "error");
    const cJSON *msg = cJSON_GetObjectItemCaseSensitive(value, "message");
    if (cJSON_IsString(code)) {
        /* chromedriver's messages carry a multi-line stack; the first line is the point */
        const char *m = cJSON_IsString(msg) ? msg->valuestring : "";
        size_t n = strcspn(m, "\n");
        err_set(err, code->valuestring, "%s: %.*s", what, (int)(n > 400 ? 400 : n), m);
        return;
    }
    const cJSON *bbmsg = cJSON_GetObjectItemCaseSensitive(root, "message");
    if (cJSON_IsString(bbmsg)) {
        err_set(err, "unknown error", "%s: HTTP %ld: %.400s", what, status, bbmsg->valuestring);
        return;
    }
    err_set(err, "unknown error", "%s: HTTP %ld: %.200s", what, status, body ? body : "");
}

/* The JSON of a response into *root (NULL when not JSON). Returns 0 for a 2xx status, else
 * -1 with err from the body (what names the call: "POST /session"). */
static int read_reply(long status, const httpc_sink_t *resp, const char *what, cJSON **root,
                      wd_error_t *err)
{
    *root = resp->body.s ? cJSON_ParseWithLength(resp->body.s, resp->body.len) : NULL;
    if (status >= 200 && status <= 299)
        return 0;
    err_from_response(err, status, *root, resp->body.s, what);
    return -1;
}

/* A WebDriver command: method on base + path with a JSON body (consumed, may be NULL). On
 * success returns 0 and, when value is non-NULL, stores the detached "value" (caller
 * cJSON_Delete()s; a JSON null is returned as a cJSON null, never NULL). */
static int wd_command(wd_session_t *s, const char *method, const char *path, cJSON *body,
                      cJSON **value, wd_error_t *err)
{
    int rc = -1;
    char *url = xasprintf("%s%s", s->base, path);
    char *text = NULL;
    cJSON *root = NULL;
    httpc_sink_t resp = {.max = WD_MAX_RESPONSE};
    long status = 0;

    if (body) {
        text = cJSON_PrintUnformatted(body);
        if (text == NULL) {
            err_set(err, "invalid argument", "%s %s: could not encode the request", method, path);
            goto cleanup;
        }
    } else if (strcmp(method, "POST") == 0) {
        text = xstrdup("{}"); /* W3C POST commands take a JSON object body */
    }
    pthread_mutex_lock(&s->mu);
    int got = http_exchange(s, method, url, s->wd_headers, text, NULL, NULL, &status, &resp, err);
    pthread_mutex_unlock(&s->mu);
    if (got != 0)
        goto cleanup;
    char *what = xasprintf("%s %s", method, path);
    int answered = read_reply(status, &resp, what, &root, err);
    free(what);
    if (answered != 0)
        goto cleanup;
    cJSON *v = cJSON_DetachItemFromObjectCaseSensitive(root, "value");
    if (root == NULL || v == NULL) {
        err_set(err, "unknown error", "%s %s: HTTP %ld without a JSON value", method, path, status);
        goto cleanup;
    }
    if (value)
        *value = v;
    else
        cJSON_Delete(v);
    rc = 0;
cleanup:
    cJSON_Delete(body);
    cJSON_Delete(root);
    if (text)
        cJSON_free(text);
    sbuf_free(&resp.body);
    free(url);
    return rc;
}

/* A command on the current session: path is relative to /session/{id}. */
static int wd_session_cmd(wd_session_t *s, const char *method, const char *path, cJSON *body,
                          cJSON **value, wd_error_t *err)
{
    char *full = xasprintf("/session/%s%s", s->session_id, path);
    int rc = wd_command(s, method, full, body, value, err);
    free(full);
    return rc;
}

/* A Browserbase REST call: JSON body (consumed, may be NULL) or multipart; expects a 2xx.
 * On success returns 0 and the parsed response (caller cJSON_Delete()s) in *out if wanted. */
static int bb_call(wd_session_t *s, const char *method, const char *path, cJSON *body,
                   curl_mime *mime, cJSON **out, wd_error_t *err)
{
    int rc = -1;
    char *url = xasprintf("%s%s", s->bb_api_url, path);
    char *text = NULL;
    struct curl_slist *headers = NULL;
    httpc_sink_t resp = {.max = WD_MAX_RESPONSE};
    cJSON *root = NULL;
    long status = 0;

    char *key = xasprintf("X-BB-API-Key: %s", s->bb_api_key);
    headers = curl_slist_append(headers, key);
    free(key);
    headers = curl_slist_append(headers, "Accept: application/json");
    headers = curl_slist_append(headers, "Expect:");
    if (body) {
        headers = curl_slist_append(headers, "Content-Type: application/json");
        text = cJSON_PrintUnformatted(body);
        if (text == NULL) {
            err_set(err, "invalid argument", "%s %s: could not encode the request", method, path);
            goto cleanup;
        }
    }
    /* The SDK's policy: retry transport errors, 408, 409, 429 and 5xx (or as x-should-retry
     * says) twice, after retry-after(-ms) or a capped exponential backoff. */
    for (int attempt = 0;; attempt++) {
        httpc_response_t hdrs = {.retry_after_ms = -1, .should_retry = -1};
        httpc_sink_reset(&resp);
        status = 0;
        pthread_mutex_lock(&s->mu);
        int got = http_exchange(s, method, url, headers, text, mime, &hdrs, &status, &resp, err);
        pthread_mutex_unlock(&s->mu);
        int64_t retry_after = hdrs.retry_after_ms;
        bool retry = httpc_should_retry(got == 0 ? status : 0, hdrs.should_retry);
        httpc_response_free(&hdrs);
        if (!retry || attempt >= BB_MAX_RETRIES) {
            if (got != 0)
                goto cleanup;
            break;
        }
        int64_t delay = httpc_retry_delay_ms(attempt, retry_after, BB_MAX_RETRY_AFTER_S);
        if (delay < 0) {
            if (got != 0)
                goto cleanup;
            break;
        }
        usleep((useconds_t)delay * 1000);
    }
    char *what = xasprintf("Browserbase %s %s", method, path);
    int answered = read_reply(status, &resp, what, &root, err);
    free(what);
    if (answered != 0)
        goto cleanup;
    if (out) {
        if (root == NULL) {
            err_set(err, "unknown error", "Browserbase %s %s: HTTP %ld without JSON", method, path,
                    status);
            goto cleanup;
        }
        *out = root;
        root = NULL;
    }
    rc = 0;
cleanup:
    cJSON_Delete(body);
    cJSON_Delete(root);
    if (text)
        cJSON_free(text);
    curl_slist_free_all(headers);
    sbuf_free(&resp.body);
    free(url);
    return rc;
}

static int rm_entry(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
    (void)sb;
    (void)flag;
    (void)ftw;
    remove(path);
    return 0;
}

static char *strip_slash(const char *url)
{
    size_t n = strlen(url);
    while (n > 0 && url[n - 1] == '/')
        n--;
    return xstrndup(url, n);
}

static cJSON *local_capabilities(const wd_config_t *cfg, const char *profile)
{
    int w = cfg->window_width > 0 ? cfg->window_width : 1280;
    int h = cfg->window_height > 0 ? cfg->window_height : 900;
    cJSON *root = cJSON_CreateObject();
    cJSON *caps = cJSON_AddObjectToObject(root, "capabilities");
    cJSON *always = cJSON_AddObjectToObject(caps, "alwaysMatch");
    cJSON_AddStringToObject(always, "browserName", "chrome");
    cJSON *opts = cJSON_AddObjectToObject(always, "goog:chromeOptions");
    if (cfg->chrome_binary && cfg->chrome_binary[0])
        cJSON_AddStringToObject(opts, "binary", cfg->chrome_binary);
    cJSON *args = cJSON_AddArrayToObject(opts, "args");
    if (cfg->headless)
        cJSON_AddItemToArray(args, cJSON_CreateString("--headless=new"));
    /* Chromium runs as root in the containers: it refuses to start with its sandbox on. */
    static const char *const fixed[] = {
        "--no-sandbox",
        "--disable-gpu",
        "--disable-dev-shm-usage",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--no-first-run",
        "--disable-quic",
    };
    for (size_t i = 0; i < sizeof(fixed) / sizeof(fixed[0]); i++)
        cJSON_AddItemToArray(args, cJSON_CreateString(fixed[i]));
    char buf[4200];
    snprintf(buf, sizeof(buf), "--window-size=%d,%d", w, h);
    cJSON_AddItemToArray(args, cJSON_CreateString(buf));
    snprintf(buf, sizeof(buf), "--user-data-dir=%s", profile);
    cJSON_AddItemToArray(args, cJSON_CreateString(buf));
    return root;
}

/* Creates the Browserbase session and points s->base and the WebDriver headers at it. */
static int bb_session_create(wd_session_t *s, const wd_config_t *cfg, wd_error_t *err)
{
    int rc = -1;
    cJSON *resp = NULL;
    cJSON *body = cJSON_CreateObject();
    if (cfg->bb_project_id && cfg->bb_project_id[0])
        cJSON_AddStringToObject(body, "projectId", cfg->bb_project_id);
    cJSON *settings = cJSON_AddObjectToObject(body, "browserSettings");
    if (cfg->bb_context_id && cfg->bb_context_id[0]) {
        cJSON *ctx = cJSON_AddObjectToObject(settings, "context");
        cJSON_AddStringToObject(ctx, "id", cfg->bb_context_id);
        cJSON_AddBoolToObject(ctx, "persist", true);
    }
    if (cfg->window_width > 0 && cfg->window_height > 0) {
        cJSON *vp = cJSON_AddObjectToObject(settings, "viewport");
        cJSON_AddNumberToObject(vp, "width", cfg->window_width);
        cJSON_AddNumberToObject(vp, "height", cfg->window_height);
    }
    if (bb_call(s, "POST", "/v1/sessions", body, NULL, &resp, err) != 0)
        goto cleanup;
    const cJSON *id = cJSON_GetObjectItemCaseSensitive(resp, "id");
    const cJSON *remote = cJSON_GetObjectItemCaseSensitive(resp, "seleniumRemoteUrl");
    const cJSON *signing = cJSON_GetObjectItemCaseSensitive(resp, "signingKey");
    if (!cJSON_IsString(id) || !cJSON_IsString(remote) || id->valuestring[0] == '\0' ||
        remote->valuestring[0] == '\0') {
        err_set(err, "session not created",
                "Browserbase: the session response has no id or seleniumRemoteUrl");
        goto cleanup;
    }
    s->bb_session_id = xstrdup(id->valuestring);
    s->base = strip_slash(remote->valuestring);
    /* The docs send the signing key; the SDK examples send the API key and session id. Both
     * are sent: the endpoint accepts either. */
    if (cJSON_IsString(signing)) {
        char *h = xasprintf("x-bb-signing-key: %s", signing->valuestring);
        s->wd_headers = curl_slist_append(s->wd_headers, h);
        free(h);
    }
    char *h = xasprintf("x-bb-api-key: %s", cfg->bb_api_key);
    s->wd_headers = curl_slist_append(s->wd_headers, h);
    free(h);
    h = xasprintf("session-id: %s", s->bb_session_id);
    s->wd_headers = curl_slist_append(s->wd_headers, h);
    free(h);
    rc = 0;
cleanup:
    cJSON_Delete(resp);
    return rc;
}

static void bb_release(wd_session_t *s)
{
    if (s->bb_session_id == NULL)
        return;
    wd_error_t err;
    cJSON *body = cJSON_CreateObject();
    cJSON_AddStringToObject(body, "status", "REQUEST_RELEASE");
    if (s->bb_project_id)
        cJSON_AddStringToObject(body, "projectId", s->bb_project_id);
    char *path = xasprintf("/v1/sessions/%s", s->bb_session_id);
    (void)bb_call(s, "POST", path, body, NULL, NULL, &err); /* best effort: it also times out */
    free(path);
}

static void session_free(wd_session_t *s)
{
    if (s->curl)
        curl_easy_cleanup(s->curl);
    curl_slist_free_all(s->wd_headers);
    if (s->temp_profile) {
        nftw(s->temp_profile, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
        free(s->temp_profile);
    }
    free(s->base);
    free(s->session_id);
    free(s->bb_api_url);
    free(s->bb_api_key);
    free(s->bb_project_id);
    free(s->bb_session_id);
    pthread_mutex_destroy(&s->mu);
    free(s);
}

wd_session_t *wd_session_new(const wd_config_t *cfg, wd_error_t *err)
{
    wd_session_t *s = xcalloc(1, sizeof(*s));
    cJSON *caps = NULL, *value = NULL;
    bool ok = false;
    pthread_mutex_init(&s->mu, NULL);
    s->backend = cfg->backend;
    s->timeout_ms = cfg->command_timeout_ms > 0 ? cfg->command_timeout_ms : WD_DEFAULT_TIMEOUT_MS;
    s->curl = curl_easy_init();
    if (s->curl == NULL) {
        err_set(err, "transport", "curl_easy_init failed");
        goto cleanup;
    }
    s->wd_headers =
        curl_slist_append(s->wd_headers, "Content-Type: application/json; charset=utf-8");
    s->wd_headers = curl_slist_append(s->wd_headers, "Accept: application/json");
    s->wd_headers = curl_slist_append(s->wd_headers, "Expect:");

    if (cfg->backend == WD_LOCAL) {
        if (cfg->endpoint == NULL || cfg->endpoint[0] == '\0') {
            err_set(err, "invalid argument", "WD_LOCAL needs an endpoint (chromedriver URL)");
            goto cleanup;
        }
        s->base = strip_slash(cfg->endpoint);
        if (cfg->profile_dir != NULL && cfg->profile_dir[0] != '\0') {
            caps = local_capabilities(cfg, cfg->profile_dir);
        } else {
            char tmpl[] = "/tmp/byebuy-wd-profile-XXXXXX";
            if (mkdtemp(tmpl) == NULL) {
                err_set(err, "session not created", "cannot create a temporary profile: %s",
                        strerror(errno));
                goto cleanup;
            }
            s->temp_profile = xstrdup(tmpl);
            caps = local_capabilities(cfg, s->temp_profile);
        }
    } else if (cfg->backend == WD_BROWSERBASE) {
        if (cfg->bb_api_url == NULL || cfg->bb_api_url[0] == '\0' || cfg->bb_api_key == NULL ||
            cfg->bb_api_key[0] == '\0') {
            err_set(err, "invalid argument", "WD_BROWSERBASE needs bb_api_url and bb_api_key");
            goto cleanup;
        }
        s->bb_api_url = strip_slash(cfg->bb_api_url);
        s->bb_api_key = xstrdup(cfg->bb_api_key);
        s->bb_project_id =
            cfg->bb_project_id && cfg->bb_project_id[0] ? xstrdup(cfg->bb_project_id) : NULL;
        if (bb_session_create(s, cfg, err) != 0)
            goto cleanup;
        caps = cJSON_CreateObject();
        cJSON *c = cJSON_AddObjectToObject(caps, "capabilities");
        cJSON *always = cJSON_AddObjectToObject(c, "alwaysMatch");
        cJSON_AddStringToObject(always, "browserName", "chrome");
    } else {
        err_set(err, "invalid argument", "unknown WebDriver backend %d", (int)cfg->backend);
        goto cleanup;
    }

    if (wd_command(s, "POST", "/session", caps, &value, err) != 0) {
        caps = NULL;
        goto cleanup;
    }
    caps = NULL;
    const cJSON *sid = cJSON_GetObjectItemCaseSensitive(value, "sessionId");
    if (!cJSON_IsString(sid)) {
        err_set(err, "session not created", "New Session answered without a sessionId");
        goto cleanup;
    }
    s->session_id = xstrdup(sid->valuestring);

    cJSON *timeouts = cJSON_CreateObject();
    cJSON_AddNumberToObject(timeouts, "pageLoad", WD_PAGE_LOAD_TIMEOUT_MS);
    cJSON_AddNumberToObject(timeouts, "script", WD_SCRIPT_TIMEOUT_MS);
    cJSON_AddNumberToObject(timeouts, "implicit", 0);
    if (wd_session_cmd(s, "POST", "/timeouts", timeouts, NULL, err) != 0)
        goto cleanup;
    ok = true;
cleanup:
    cJSON_Delete(caps);
    cJSON_Delete(value);
    if (!ok) {
        wd_session_end(s);
        return NULL;
    }
    return s;
}

void wd_session_end(wd_session_t *s)
{
    if (s == NULL)
        return;
    if (s->session_id) {
        wd_error_t err;
        /* Best effort: chromedriver also ends the browser when its process goes away. */
        (void)wd_session_cmd(s, "DELETE", "", NULL, NULL, &err);
    }
    bb_release(s);
    session_free(s);
}

char *wd_live_view_url(wd_session_t *s, wd_error_t *err)
{
    if (s->backend != WD_BROWSERBASE || s->bb_session_id == NULL) {
        err_set(err, "unsupported operation", "a live view exists only for Browserbase sessions");
        return NULL;
    }
    cJSON *resp = NULL;
    char *path = xasprintf("/v1/sessions/%s/debug", s->bb_session_id);
    int rc = bb_call(s, "GET", path, NULL, NULL, &resp, err);
    free(path);
    if (rc != 0)
        return NULL;
    const cJSON *url = cJSON_GetObjectItemCaseSensitive(resp, "debuggerFullscreenUrl");
    char *out = NULL;
    if (cJSON_IsString(url))
        out = xstrdup(url->valuestring);
    else
        err_set(err, "unknown error", "Browserbase debug answer has no debuggerFullscreenUrl");
    cJSON_Delete(resp);
    return out;
}

int wd_navigate(wd_session_t *s, const char *url, wd_error_t *err)
{
    cJSON *body = cJSON_CreateObject();
    cJSON_AddStringToObject(body, "url", url);
    return wd_session_cmd(s, "POST", "/url", body, NULL, err);
}

/* Runs a GET command whose value is a string; returns a copy or NULL with err. */
static char *string_command(wd_session_t *s, const char *path, wd_error_t *err)
{
    cJSON *value = NULL;
    if (wd_session_cmd(s, "GET", path, NULL, &value, err) != 0)
        return NULL;
    char *out = NULL;
    if (cJSON_IsString(value))
        out = xstrdup(value->valuestring);
    else
        err_set(err, "unknown error", "GET %s: the value is not a string", path);
    cJSON_Delete(value);
    return out;
}

char *wd_current_url(wd_session_t *s, wd_error_t *err)
{
    return string_command(s, "/url", err);
}

char *wd_title(wd_session_t *s, wd_error_t *err)
{
    return string_command(s, "/title", err);
}

static cJSON *locator(const char *using, const char *value)
{
    cJSON *body = cJSON_CreateObject();
    cJSON_AddStringToObject(body, "using", using);
    cJSON_AddStringToObject(body, "value", value);
    return body;
}

static char *element_id(const cJSON *ref)
{
    const cJSON *id = cJSON_GetObjectItemCaseSensitive(ref, WD_ELEMENT_KEY);
    return cJSON_IsString(id) ? xstrdup(id->valuestring) : NULL;
}

char *wd_find(wd_session_t *s, const char *using, const char *value, wd_error_t *err)
{
    cJSON *ref = NULL;
    if (wd_session_cmd(s, "POST", "/element", locator(using, value), &ref, err) != 0)
        return NULL;
    char *id = element_id(ref);
    if (id == NULL)
        err_set(err, "unknown error", "Find Element answered without an element reference");
    cJSON_Delete(ref);
    return id;
}

int wd_find_all(wd_session_t *s, const char *using, const char *value, char ***ids, size_t *n,
                wd_error_t *err)
{
    cJSON *refs = NULL;
    *ids = NULL;
    *n = 0;
    if (wd_session_cmd(s, "POST", "/elements", locator(using, value), &refs, err) != 0)
        return -1;
    if (!cJSON_IsArray(refs)) {
        cJSON_Delete(refs);
        err_set(err, "unknown error", "Find Elements answered without an array");
        return -1;
    }
    size_t count = (size_t)cJSON_GetArraySize(refs);
    char **out = xcalloc(count ? count : 1, sizeof(*out));
    size_t got = 0;
    const cJSON *ref;
    cJSON_ArrayForEach(ref, refs)
    {
        char *id = element_id(ref);
        if (id)
            out[got++] = id;
    }
    cJSON_Delete(refs);
    *ids = out;
    *n = got;
    return 0;
}

void wd_free_ids(char **ids, size_t n)
{
    for (size_t i = 0; ids && i < n; i++)
        free(ids[i]);
    free(ids);
}

/* "/element/<escaped id><suffix>" */
static char *element_path(wd_session_t *s, const char *element, const char *suffix)
{
    char *esc = curl_easy_escape(s->curl, element, 0);
    char *path = xasprintf("/element/%s%s", esc ? esc : element, suffix);
    curl_free(esc);
    return path;
}

static int element_post(wd_session_t *s, const char *element, const char *suffix, cJSON *body,
                        wd_error_t *err)
{
    pthread_mutex_lock(&s->mu); /* curl_easy_escape uses the handle */
    char *path = element_path(s, element, suffix);
    pthread_mutex_unlock(&s->mu);
    int rc = wd_session_cmd(s, "POST", path, body, NULL, err);
    free(path);
    return rc;
}

int wd_click(wd_session_t *s, const char *element, wd_error_t *err)
{
    return element_post(s, element, "/click", NULL, err);
}

int wd_clear(wd_session_t *s, const char *element, wd_error_t *err)
{
    return element_post(s, element, "/clear", NULL, err);
}

int wd_send_keys(wd_session_t *s, const char *element, const char *text, wd_error_t *err)
{
    cJSON *body = cJSON_CreateObject();
    cJSON_AddStringToObject(body, "text", text);
    return element_post(s, element, "/value", body, err);
}

/* Perform Actions with one key input source: keyDown then keyUp for each key in turn (what
 * a person's keyboard sends to the focused element: trusted events), then Release Actions. */
int wd_key_presses(wd_session_t *s, const char *const *keys, size_t n, wd_error_t *err)
{
    cJSON *body = cJSON_CreateObject();
    cJSON *sources = cJSON_AddArrayToObject(body, "actions");
    cJSON *src = cJSON_CreateObject();
    cJSON_AddStringToObject(src, "type", "key");
    cJSON_AddStringToObject(src, "id", "keyboard");
    cJSON *acts = cJSON_AddArrayToObject(src, "actions");
    for (size_t i = 0; i < n; i++) {
        for (int up = 0; up < 2; up++) {
            cJSON *a = cJSON_CreateObject();
            cJSON_AddStringToObject(a, "type", up ? "keyUp" : "keyDown");
            cJSON_AddStringToObject(a, "value", keys[i]);
            cJSON_AddItemToArray(acts, a);
        }
    }
    cJSON_AddItemToArray(sources, src);
    if (wd_session_cmd(s, "POST", "/actions", body, NULL, err) != 0)
        return -1;
    wd_error_t ignored;
    (void)wd_session_cmd(s, "DELETE", "/actions", NULL, NULL, &ignored);
    return 0;
}

char *wd_element_text(wd_session_t *s, const char *element, wd_error_t *err)
{
    pthread_mutex_lock(&s->mu);
    char *path = element_path(s, element, "/text");
    pthread_mutex_unlock(&s->mu);
    char *out = string_command(s, path, err);
    free(path);
    return out;
}

char *wd_element_attribute(wd_session_t *s, const char *element, const char *name, wd_error_t *err)
{
    pthread_mutex_lock(&s->mu);
    char *esc = curl_easy_escape(s->curl, name, 0);
    char *suffix = xasprintf("/attribute/%s", esc ? esc : name);
    curl_free(esc);
    char *path = element_path(s, element, suffix);
    pthread_mutex_unlock(&s->mu);
    free(suffix);
    cJSON *value = NULL;
    char *out = NULL;
    if (wd_session_cmd(s, "GET", path, NULL, &value, err) == 0) {
        if (cJSON_IsString(value))
            out = xstrdup(value->valuestring);
        else
            err_set(err, "", "attribute %s is absent", name);
    }
    cJSON_Delete(value);
    free(path);
    return out;
}

cJSON *wd_execute(wd_session_t *s, const char *script, cJSON *args, wd_error_t *err)
{
    cJSON *body = cJSON_CreateObject();
    cJSON_AddStringToObject(body, "script", script);
    if (args == NULL)
        args = cJSON_CreateArray();
    cJSON_AddItemToObject(body, "args", args);
    cJSON *value = NULL;
    if (wd_session_cmd(s, "POST", "/execute/sync", body, &value, err) != 0)
        return NULL;
    return value;
}

int wd_screenshot(wd_session_t *s, unsigned char **png, size_t *len, wd_error_t *err)
{
    *png = NULL;
    *len = 0;
    cJSON *value = NULL;
    if (wd_session_cmd(s, "GET", "/screenshot", NULL, &value, err) != 0)
        return -1;
    int rc = -1;
    if (!cJSON_IsString(value)) {
        err_set(err, "unknown error", "Take Screenshot answered without a base64 string");
        goto cleanup;
    }
    const char *b64 = value->valuestring;
    size_t n = strlen(b64);
    if (n == 0 || n % 4 != 0) {
        err_set(err, "unknown error", "screenshot: base64 of length %zu", n);
        goto cleanup;
    }
    unsigned char *out = xmalloc(n / 4 * 3 + 1);
    int got = EVP_DecodeBlock(out, (const unsigned char *)b64, (int)n);
    if (got < 0) {
        free(out);
        err_set(err, "unknown error", "screenshot: invalid base64");
        goto cleanup;
    }
    /* EVP_DecodeBlock counts the '=' padding as zero bytes */
    size_t pad = (b64[n - 1] == '=') + (b64[n - 2] == '=');
    *png = out;
    *len = (size_t)got - pad;
    rc = 0;
cleanup:
    cJSON_Delete(value);
    return rc;
}

int wd_upload_file(wd_session_t *s, const char *local_path, char *remote_path, size_t size,
                   wd_error_t *err)
{
    if (access(local_path, R_OK) != 0) {
        err_set(err, "invalid argument", "%s: %s", local_path, strerror(errno));
        return -1;
    }
    if (s->backend != WD_BROWSERBASE) {
        if ((size_t)snprintf(remote_path, size, "%s", local_path) >= size) {
            err_set(err, "invalid argument", "remote_path buffer too small");
            return -1;
        }
        return 0;
    }
    const char *slash = strrchr(local_path, '/');
    const char *name = slash ? slash + 1 : local_path;
    if ((size_t)snprintf(remote_path, size, "/tmp/.uploads/%s", name) >= size) {
        err_set(err, "invalid argument", "remote_path buffer too small");
        return -1;
    }
    pthread_mutex_lock(&s->mu);
    curl_mime *mime = curl_mime_init(s->curl);
    pthread_mutex_unlock(&s->mu);
    curl_mimepart *part = curl_mime_addpart(mime);
    curl_mime_name(part, "file");
    curl_mime_filedata(part, local_path);
    curl_mime_filename(part, name);
    char *path = xasprintf("/v1/sessions/%s/uploads", s->bb_session_id);
    int rc = bb_call(s, "POST", path, NULL, mime, NULL, err);
    free(path);
    curl_mime_free(mime);
    return rc;
}

cJSON *wd_element_ref(const char *element)
{
    cJSON *ref = cJSON_CreateObject();
    cJSON_AddStringToObject(ref, WD_ELEMENT_KEY, element);
    return ref;
}
