/* A W3C WebDriver client (libcurl + cJSON): sessions, navigation, element lookup, typing,
 * file inputs, clicks, scripts, screenshots. Talks to a local chromedriver (Chromium with a
 * persistent profile per account) or to a remote endpoint such as Browserbase's, whose file
 * inputs take paths uploaded through its session uploads API. */
#ifndef COMMON_WEBDRIVER_H
#define COMMON_WEBDRIVER_H

#include <stdbool.h>
#include <stddef.h>

#include <cjson/cJSON.h>

typedef struct wd_session wd_session_t;

typedef enum {
    WD_LOCAL,       /* chromedriver at endpoint, Chromium started with profile_dir */
    WD_BROWSERBASE, /* Browserbase: a session is created through its REST API first */
} wd_backend_t;

typedef struct {
    wd_backend_t backend;
    const char *endpoint;      /* WD_LOCAL: "http://127.0.0.1:9515" */
    const char *chrome_binary; /* NULL: chromedriver's default (/usr/bin/chromium on Debian) */
    const char *profile_dir;   /* WD_LOCAL: --user-data-dir; NULL: a fresh temporary one */
    bool headless;             /* WD_LOCAL: --headless=new */
    int window_width, window_height;
    /* WD_BROWSERBASE */
    const char *bb_api_url; /* "https://api.browserbase.com" */
    const char *bb_api_key;
    const char *bb_project_id;
    const char *bb_context_id; /* persistent login context; NULL for none */
    int command_timeout_ms;    /* per HTTP command; 0 -> 60000 */
} wd_config_t;

/* Error of the last failed call: the W3C error code ("no such element", "timeout", ...,
 * or "transport" when no response came) and message. */
typedef struct {
    char code[48];
    char message[512];
} wd_error_t;

/* Threading: a session may be used from several threads; its commands are serialized (one
 * reused libcurl handle, keep-alive, per session). Different sessions are independent. Call
 * curl_global_init() once at program start, before threads.
 * Timeouts: each HTTP command is bounded by command_timeout_ms; the session is created with
 * pageLoad 30 s, script 30 s, implicit wait 0 (callers poll wd_find to wait).
 * Errors: err->code is the W3C code from the remote end ("no such element", "invalid
 * selector", "javascript error", "invalid session id", ...), "transport" when no response
 * arrived, "invalid argument" for a bad call, "unknown error" for other HTTP failures
 * (Browserbase REST errors keep its status and message in err->message). */

/* Opens a session. WD_LOCAL: New Session on endpoint with goog:chromeOptions args
 * (--headless=new if headless, --no-sandbox, --disable-gpu, --disable-dev-shm-usage, ...,
 * --window-size (default 1280x900), --user-data-dir=profile_dir or a temporary dir removed
 * by wd_session_end). WD_BROWSERBASE: POST {bb_api_url}/v1/sessions (context persisted when
 * given; 408/409/429/5xx retried twice as the SDK does), then New Session on its
 * seleniumRemoteUrl with the signing key, API key and session id headers. Returns NULL and
 * fills err. Caller ends it with wd_session_end. */
wd_session_t *wd_session_new(const wd_config_t *cfg, wd_error_t *err);

/* Deletes the WebDriver session (closing the browser), releases a Browserbase session
 * (REQUEST_RELEASE) and removes a temporary profile. Best effort; frees s. Accepts NULL. */
void wd_session_end(wd_session_t *s);

/* The Browserbase live-view URL (debuggerFullscreenUrl) of a session, for a human to log
 * in; NULL with err ("unsupported operation" for WD_LOCAL). Caller frees. */
char *wd_live_view_url(wd_session_t *s, wd_error_t *err);

/* All return 0 on success, -1 with err filled. Element ids are strings the caller frees.
 * Strings returned (URL, title, text, attribute) are malloc'd; caller frees; NULL on error. */
int wd_navigate(wd_session_t *s, const char *url, wd_error_t *err);
char *wd_current_url(wd_session_t *s, wd_error_t *err);
char *wd_title(wd_session_t *s, wd_error_t *err);

/* using: "css selector", "xpath", "link text", "partial link text", "tag name".
 * wd_find returns NULL with err->code "no such element" when absent. */
char *wd_find(wd_session_t *s, const char *using, const char *value, wd_error_t *err);
/* All matches: *ids receives an array of *n strings; free with wd_free_ids. */
int wd_find_all(wd_session_t *s, const char *using, const char *value, char ***ids, size_t *n,
                wd_error_t *err);
void wd_free_ids(char **ids, size_t n);

int wd_click(wd_session_t *s, const char *element, wd_error_t *err);
int wd_clear(wd_session_t *s, const char *element, wd_error_t *err);
/* Types text into an element; for <input type=file> text is "\n"-joined paths (local
 * backend) or Browserbase upload paths (see wd_upload_file). */
int wd_send_keys(wd_session_t *s, const char *element, const char *text, wd_error_t *err);
/* Presses keys in turn through the Actions API (WebDriver key values: "\xEE\x80\x95" for
 * ArrowDown, ...): trusted key events on the focused element. Returns 0 or -1 with err. */
int wd_key_presses(wd_session_t *s, const char *const *keys, size_t n, wd_error_t *err);
char *wd_element_text(wd_session_t *s, const char *element, wd_error_t *err);
/* An absent attribute gives NULL with err->code "" (empty), not an error code. */
char *wd_element_attribute(wd_session_t *s, const char *element, const char *name, wd_error_t *err);

/* Runs a synchronous script with args (a JSON array, consumed; NULL for none; element ids
 * may be passed as {"element-6066-11e4-a52e-4f735466cecf": id}). Returns the JSON value
 * (caller cJSON_Delete()s; a script returning null/undefined gives a cJSON null, never
 * NULL) or NULL with err ("javascript error" when the script throws). */
cJSON *wd_execute(wd_session_t *s, const char *script, cJSON *args, wd_error_t *err);

/* PNG screenshot of the viewport, base64-decoded; *png is malloc'd (caller frees). */
int wd_screenshot(wd_session_t *s, unsigned char **png, size_t *len, wd_error_t *err);

/* Makes a local file available to the browser and writes into remote_path (size bytes) the
 * path to send to a file input: the same path for WD_LOCAL, "/tmp/.uploads/<name>" after an
 * upload through the Browserbase session uploads API for WD_BROWSERBASE (multipart field
 * "file", named by the local basename: give files distinct names). Fails with "invalid
 * argument" when local_path is not readable. */
int wd_upload_file(wd_session_t *s, const char *local_path, char *remote_path, size_t size,
                   wd_error_t *err);

/* Helper for element references in script args: {"element-6066-11e4-a52e-4f735466cecf": id}.
 * Caller owns the result (usually handing it to an args array). */
cJSON *wd_element_ref(const char *element);

#endif
