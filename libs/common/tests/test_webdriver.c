/* Tests of the WebDriver client against a REAL chromedriver + Chromium, and of its
 * Browserbase path against an in-test fake of the Browserbase REST API (faithful to
 * external-apis.md §1: 201 create with seleniumRemoteUrl, uploads into /tmp/.uploads/<name>
 * of the "remote" machine, debug URLs, REQUEST_RELEASE) whose WebDriver endpoint forwards to
 * the same local chromedriver. Also the pure image probe used with uploads. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <civetweb.h>
#include <curl/curl.h>

#include "common/util.h"
#include "common/webdriver.h"
#include "common/xmalloc.h"

#define API_KEY "bb_test_key_123"

/* A 1x1 PNG. */
static const unsigned char PNG_1X1[] = {
    0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0x00, 0x00, 0x00, 0x0d, 0x49, 0x48,
    0x44, 0x52, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x01, 0x08, 0x06, 0x00, 0x00,
    0x00, 0x1f, 0x15, 0xc4, 0x89, 0x00, 0x00, 0x00, 0x0d, 0x49, 0x44, 0x41, 0x54, 0x78,
    0x9c, 0x63, 0xf8, 0xcf, 0xc0, 0xf0, 0x1f, 0x00, 0x05, 0x00, 0x01, 0xff, 0x89, 0x99,
    0x3d, 0x1d, 0x00, 0x00, 0x00, 0x00, 0x49, 0x45, 0x4e, 0x44, 0xae, 0x42, 0x60, 0x82};

static const char *const TEST_PAGE =
    "<!DOCTYPE html><html><head><meta charset=\"utf-8\"><title>WD test page</title></head>"
    "<body><h1>Form</h1>"
    "<label aria-label=\"Name\"><span>Name</span><input id=\"name\" type=\"text\"></label>"
    "<div id=\"out\"></div>"
    "<button id=\"go\" onclick=\"document.getElementById('out').textContent="
    "'Hello '+document.getElementById('name').value\">Go</button>"
    "<input id=\"files\" type=\"file\" multiple accept=\"image/*\">"
    "<ul><li class=\"item\">one</li><li class=\"item\">two</li><li class=\"item\">three</li></ul>"
    "</body></html>";

/* ------------------------------------------------------------------ fixture */

typedef struct {
    char id[UUID_STR_LEN];
    char signing_key[UUID_STR_LEN];
    char context_id[64];
    bool context_persist;
    bool released;
    int wd_deletes;
    int uploads;
} fake_session_t;

static struct {
    pid_t chromedriver_pid;
    int chromedriver_port;
    char chromedriver_url[64];
    struct mg_context *ctx;
    int http_port;
    char http_url[64];
    char root[64]; /* temp dir: test files and the fake's "remote" file systems */
    char file_a[128], file_b[128];
    pthread_mutex_t mu; /* guards the fake's state */
    fake_session_t sessions[8];
    size_t nsessions;
    int create_401s;
    int create_429s_left; /* the next creates answer 429 (concurrency cap) */
    int create_attempts;
} fx = {.mu = PTHREAD_MUTEX_INITIALIZER};

static int free_port(void)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t len = sizeof(a);
    if (fd < 0 || bind(fd, (struct sockaddr *)&a, sizeof(a)) != 0 ||
        getsockname(fd, (struct sockaddr *)&a, &len) != 0)
        abort();
    close(fd);
    return ntohs(a.sin_port);
}

typedef struct {
    char *data;
    size_t len;
} mem_t;

static size_t mem_write(char *p, size_t sz, size_t n, void *ud)
{
    mem_t *m = ud;
    m->data = xrealloc(m->data, m->len + sz * n + 1);
    memcpy(m->data + m->len, p, sz * n);
    m->len += sz * n;
    m->data[m->len] = '\0';
    return sz * n;
}

/* A plain HTTP call for the fixture itself. Returns the status (0 on transport error). */
static long http_call(const char *method, const char *url, const char *body, mem_t *out)
{
    CURL *curl = curl_easy_init();
    struct curl_slist *h = curl_slist_append(NULL, "Content-Type: application/json");
    curl_easy_setopt(curl, CURLOPT_URL, url);
    curl_easy_setopt(curl, CURLOPT_CUSTOMREQUEST, method);
    curl_easy_setopt(curl, CURLOPT_HTTPHEADER, h);
    curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, 60000L);
    curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, mem_write);
    curl_easy_setopt(curl, CURLOPT_WRITEDATA, out);
    if (body)
        curl_easy_setopt(curl, CURLOPT_POSTFIELDS, body);
    long status = 0;
    if (curl_easy_perform(curl) == CURLE_OK)
        curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &status);
    curl_slist_free_all(h);
    curl_easy_cleanup(curl);
    return status;
}

static void send_json(struct mg_connection *conn, int status, const char *body)
{
    mg_send_http_ok(conn, "application/json", (long long)strlen(body)); /* sets 200 */
    (void)status;
    mg_write(conn, body, strlen(body));
}

static void send_status(struct mg_connection *conn, int status, const char *ctype, const char *body,
                        size_t len)
{
    char clen[32];
    snprintf(clen, sizeof(clen), "%zu", len);
    mg_response_header_start(conn, status);
    mg_response_header_add(conn, "Content-Type", ctype, -1);
    mg_response_header_add(conn, "Content-Length", clen, -1);
    mg_response_header_send(conn);
    mg_write(conn, body, len);
}

static char *read_all(struct mg_connection *conn, size_t *len)
{
    size_t cap = 4096, n = 0;
    char *buf = xmalloc(cap);
    int r;
    while ((r = mg_read(conn, buf + n, cap - n - 1)) > 0) {
        n += (size_t)r;
        if (cap - n < 2)
            buf = xrealloc(buf, cap *= 2);
    }
    buf[n] = '\0';
    *len = n;
    return buf;
}

static fake_session_t *fake_find(const char *id)
{
    for (size_t i = 0; i < fx.nsessions; i++)
        if (strcmp(fx.sessions[i].id, id) == 0)
            return &fx.sessions[i];
    return NULL;
}

static int on_page(struct mg_connection *conn, void *cbdata)
{
    (void)cbdata;
    send_status(conn, 200, "text/html; charset=utf-8", TEST_PAGE, strlen(TEST_PAGE));
    return 200;
}

static int on_bb_upload(struct mg_connection *conn);

/* POST /v1/sessions (create) and POST /v1/sessions/{id} (update), GET .../debug,
 * POST .../uploads. */
static int on_bb_sessions(struct mg_connection *conn, void *cbdata)
{
    (void)cbdata;
    const struct mg_request_info *ri = mg_get_request_info(conn);
    const char *key = mg_get_header(conn, "X-BB-API-Key");
    if (key == NULL || strcmp(key, API_KEY) != 0) {
        pthread_mutex_lock(&fx.mu);
        fx.create_401s++;
        pthread_mutex_unlock(&fx.mu);
        const char *b =
            "{\"statusCode\":401,\"error\":\"Unauthorized\",\"message\":\"Invalid API key\"}";
        send_status(conn, 401, "application/json", b, strlen(b));
        return 401;
    }
    const char *rest = ri->local_uri + strlen("/v1/sessions");
    if (strcmp(rest, "") == 0 && strcmp(ri->request_method, "POST") == 0) {
        pthread_mutex_lock(&fx.mu);
        fx.create_attempts++;
        bool cap = fx.create_429s_left > 0;
        if (cap)
            fx.create_429s_left--;
        pthread_mutex_unlock(&fx.mu);
        if (cap) {
            const char *b = "{\"statusCode\":429,\"error\":\"Too Many Requests\",\"message\":"
                            "\"You've exceeded your max concurrent sessions limit (limit 1, "
                            "currently 1).\"}";
            mg_response_header_start(conn, 429);
            mg_response_header_add(conn, "Content-Type", "application/json", -1);
            mg_response_header_add(conn, "retry-after-ms", "50", -1);
            char clen[16];
            snprintf(clen, sizeof(clen), "%zu", strlen(b));
            mg_response_header_add(conn, "Content-Length", clen, -1);
            mg_response_header_send(conn);
            mg_write(conn, b, strlen(b));
            return 429;
        }
        size_t len = 0;
        char *body = read_all(conn, &len);
        cJSON *root = cJSON_ParseWithLength(body, len);
        free(body);
        pthread_mutex_lock(&fx.mu);
        fake_session_t *fs = &fx.sessions[fx.nsessions++];
        util_uuid_v4(fs->id);
        util_uuid_v4(fs->signing_key);
        const cJSON *ctxo = cJSON_GetObjectItemCaseSensitive(
            cJSON_GetObjectItemCaseSensitive(root, "browserSettings"), "context");
        const cJSON *cid = cJSON_GetObjectItemCaseSensitive(ctxo, "id");
        if (cJSON_IsString(cid))
            snprintf(fs->context_id, sizeof(fs->context_id), "%s", cid->valuestring);
        fs->context_persist = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(ctxo, "persist"));
        char *dir = xasprintf("%s/%s", fx.root, fs->id);
        mkdir(dir, 0755);
        free(dir);
        dir = xasprintf("%s/%s/.uploads", fx.root, fs->id);
        mkdir(dir, 0755);
        free(dir);
        char *resp = xasprintf(
            "{\"id\":\"%s\",\"createdAt\":\"2026-11-27T00:00:00Z\",\"status\":\"RUNNING\","
            "\"projectId\":\"p\",\"keepAlive\":false,\"region\":\"us-west-2\","
            "\"connectUrl\":\"ws://127.0.0.1:%d/cdp?signingKey=%s\","
            "\"seleniumRemoteUrl\":\"http://127.0.0.1:%d/webdriver\",\"signingKey\":\"%s\"}",
            fs->id, fx.http_port, fs->signing_key, fx.http_port, fs->signing_key);
        pthread_mutex_unlock(&fx.mu);
        cJSON_Delete(root);
        send_status(conn, 201, "application/json", resp, strlen(resp));
        free(resp);
        return 201;
    }
    if (rest[0] != '/')
        return 0;
    char id[UUID_STR_LEN] = "";
    snprintf(id, sizeof(id), "%.36s", rest + 1);
    const char *tail = rest + 1 + strlen(id);
    pthread_mutex_lock(&fx.mu);
    fake_session_t *fs = fake_find(id);
    pthread_mutex_unlock(&fx.mu);
    if (fs == NULL) {
        const char *b = "{\"statusCode\":404,\"message\":\"Session not found\"}";
        send_status(conn, 404, "application/json", b, strlen(b));
        return 404;
    }
    if (strcmp(tail, "") == 0 && strcmp(ri->request_method, "POST") == 0) {
        size_t len = 0;
        char *body = read_all(conn, &len);
        cJSON *root = cJSON_ParseWithLength(body, len);
        free(body);
        const cJSON *st = cJSON_GetObjectItemCaseSensitive(root, "status");
        bool release = cJSON_IsString(st) && strcmp(st->valuestring, "REQUEST_RELEASE") == 0;
        cJSON_Delete(root);
        if (!release) {
            const char *b = "{\"statusCode\":400,\"message\":\"status must be REQUEST_RELEASE\"}";
            send_status(conn, 400, "application/json", b, strlen(b));
            return 400;
        }
        pthread_mutex_lock(&fx.mu);
        fs->released = true;
        pthread_mutex_unlock(&fx.mu);
        char *resp = xasprintf("{\"id\":\"%s\",\"status\":\"COMPLETED\","
                               "\"endedAt\":\"2026-11-27T00:01:00Z\"}",
                               id);
        send_json(conn, 200, resp);
        free(resp);
        return 200;
    }
    if (strcmp(tail, "/debug") == 0 && strcmp(ri->request_method, "GET") == 0) {
        char *resp = xasprintf(
            "{\"debuggerFullscreenUrl\":\"https://www.browserbase.com/devtools-fullscreen/"
            "inspector.html?wss=connect.browserbase.com/debug/%s\",\"debuggerUrl\":\"x\","
            "\"wsUrl\":\"wss://x\",\"pages\":[]}",
            id);
        send_json(conn, 200, resp);
        free(resp);
        return 200;
    }
    if (strcmp(tail, "/uploads") == 0 && strcmp(ri->request_method, "POST") == 0)
        return on_bb_upload(conn);
    return 0;
}

typedef struct {
    fake_session_t *fs;
    int stored;
} upload_ctx_t;

static int up_found(const char *key, const char *filename, char *path, size_t pathlen, void *ud)
{
    upload_ctx_t *u = ud;
    if (strcmp(key, "file") != 0 || filename == NULL || filename[0] == '\0' ||
        strchr(filename, '/') != NULL || filename[0] == '.')
        return MG_FORM_FIELD_STORAGE_SKIP;
    snprintf(path, pathlen, "%s/%s/.uploads/%s", fx.root, u->fs->id, filename);
    return MG_FORM_FIELD_STORAGE_STORE;
}

static int up_get(const char *key, const char *value, size_t len, void *ud)
{
    (void)key;
    (void)value;
    (void)len;
    (void)ud;
    return MG_FORM_FIELD_HANDLE_GET;
}

static int up_stored(const char *path, long long size, void *ud)
{
    (void)path;
    (void)size;
    ((upload_ctx_t *)ud)->stored++;
    return MG_FORM_FIELD_HANDLE_NEXT;
}

static int on_bb_upload(struct mg_connection *conn)
{
    const struct mg_request_info *ri = mg_get_request_info(conn);
    const char *key = mg_get_header(conn, "X-BB-API-Key");
    char id[UUID_STR_LEN] = "";
    snprintf(id, sizeof(id), "%.36s", ri->local_uri + strlen("/v1/sessions/"));
    pthread_mutex_lock(&fx.mu);
    fake_session_t *fs = fake_find(id);
    pthread_mutex_unlock(&fx.mu);
    if (key == NULL || strcmp(key, API_KEY) != 0 || fs == NULL) {
        const char *b = "{\"statusCode\":401,\"message\":\"Invalid API key or session\"}";
        send_status(conn, 401, "application/json", b, strlen(b));
        return 401;
    }
    const char *ct = mg_get_header(conn, "Content-Type");
    if (ct == NULL || strncasecmp(ct, "multipart/form-data", 19) != 0) {
        const char *b = "{\"code\":415,\"message\":\"Unsupported Media Type\"}";
        send_status(conn, 415, "application/json", b, strlen(b));
        return 415;
    }
    upload_ctx_t u = {.fs = fs};
    struct mg_form_data_handler fdh = {up_found, up_get, up_stored, &u};
    mg_handle_form_request(conn, &fdh);
    if (u.stored != 1) {
        const char *b = "{\"code\":422,\"message\":\"expected one file in field file\"}";
        send_status(conn, 422, "application/json", b, strlen(b));
        return 422;
    }
    pthread_mutex_lock(&fx.mu);
    fs->uploads++;
    pthread_mutex_unlock(&fx.mu);
    send_json(conn, 200, "{\"message\":\"File uploaded successfully\"}");
    return 200;
}

/* The fake's WebDriver endpoint: checks the signing key, gives the remote browser its
 * settings (as Browserbase configures its own browsers), maps the remote machine's
 * /tmp/.uploads to the session's upload folder, and forwards to chromedriver. */
static int on_webdriver(struct mg_connection *conn, void *cbdata)
{
    (void)cbdata;
    const struct mg_request_info *ri = mg_get_request_info(conn);
    const char *sk = mg_get_header(conn, "x-bb-signing-key");
    const char *sid = mg_get_header(conn, "session-id");
    pthread_mutex_lock(&fx.mu);
    fake_session_t *fs = sid ? fake_find(sid) : NULL;
    bool ok = fs && sk && strcmp(sk, fs->signing_key) == 0 && !fs->released;
    pthread_mutex_unlock(&fx.mu);
    if (!ok) {
        const char *b =
            "{\"value\":{\"error\":\"invalid session id\",\"message\":\"bad signing key\"}}";
        send_status(conn, 401, "application/json", b, strlen(b));
        return 401;
    }
    size_t len = 0;
    char *body = read_all(conn, &len);
    const char *path = ri->local_uri + strlen("/webdriver");
    char *fwd_body = NULL;
    if (strcmp(path, "/session") == 0 && strcmp(ri->request_method, "POST") == 0) {
        cJSON *root = cJSON_ParseWithLength(body, len);
        cJSON *always = cJSON_GetObjectItemCaseSensitive(
            cJSON_GetObjectItemCaseSensitive(root, "capabilities"), "alwaysMatch");
        cJSON *opts = cJSON_AddObjectToObject(always, "goog:chromeOptions");
        cJSON *args = cJSON_AddArrayToObject(opts, "args");
        const char *a[] = {"--headless=new", "--no-sandbox", "--disable-gpu",
                           "--disable-dev-shm-usage", "--no-first-run"};
        for (size_t i = 0; i < sizeof(a) / sizeof(a[0]); i++)
            cJSON_AddItemToArray(args, cJSON_CreateString(a[i]));
        char *udd = xasprintf("--user-data-dir=%s/%s/profile", fx.root, fs->id);
        cJSON_AddItemToArray(args, cJSON_CreateString(udd));
        free(udd);
        fwd_body = cJSON_PrintUnformatted(root);
        cJSON_Delete(root);
    } else if (strstr(path, "/element/") && strlen(path) > 6 &&
               strcmp(path + strlen(path) - 6, "/value") == 0) {
        cJSON *root = cJSON_ParseWithLength(body, len);
        cJSON *text = cJSON_GetObjectItemCaseSensitive(root, "text");
        if (cJSON_IsString(text)) {
            /* "/tmp/.uploads/x\n/tmp/.uploads/y" -> paths in the session's folder */
            char *mapped = xstrdup("");
            char *copy = xstrdup(text->valuestring), *save = NULL;
            for (char *p = strtok_r(copy, "\n", &save); p; p = strtok_r(NULL, "\n", &save)) {
                char *next;
                if (strncmp(p, "/tmp/.uploads/", 14) == 0)
                    next = xasprintf("%s%s%s/%s/.uploads/%s", mapped, mapped[0] ? "\n" : "",
                                     fx.root, fs->id, p + 14);
                else
                    next = xasprintf("%s%s%s", mapped, mapped[0] ? "\n" : "", p);
                free(mapped);
                mapped = next;
            }
            free(copy);
            cJSON_SetValuestring(text, mapped);
            free(mapped);
        }
        fwd_body = cJSON_PrintUnformatted(root);
        cJSON_Delete(root);
    }
    if (strcmp(ri->request_method, "DELETE") == 0) {
        pthread_mutex_lock(&fx.mu);
        fs->wd_deletes++;
        pthread_mutex_unlock(&fx.mu);
    }
    char *url = xasprintf("%s%s", fx.chromedriver_url, path);
    mem_t out = {0};
    const char *send = fwd_body ? fwd_body : (len ? body : NULL);
    long status = http_call(ri->request_method, url,
                            strcmp(ri->request_method, "GET") == 0 ||
                                    strcmp(ri->request_method, "DELETE") == 0
                                ? NULL
                                : (send ? send : "{}"),
                            &out);
    send_status(conn, status ? (int)status : 502, "application/json; charset=utf-8",
                out.data ? out.data : "", out.len);
    free(out.data);
    free(url);
    if (fwd_body)
        cJSON_free(fwd_body);
    free(body);
    return (int)status;
}

static void write_file(const char *path, const void *data, size_t len)
{
    FILE *fp = fopen(path, "wb");
    if (fp == NULL || fwrite(data, 1, len, fp) != len)
        abort();
    fclose(fp);
}

static int setup_all(void **state)
{
    (void)state;
    curl_global_init(CURL_GLOBAL_DEFAULT);
    snprintf(fx.root, sizeof(fx.root), "/tmp/bb-wdtest-XXXXXX");
    if (mkdtemp(fx.root) == NULL)
        return -1;
    snprintf(fx.file_a, sizeof(fx.file_a), "%s/a.png", fx.root);
    snprintf(fx.file_b, sizeof(fx.file_b), "%s/b.png", fx.root);
    write_file(fx.file_a, PNG_1X1, sizeof(PNG_1X1));
    write_file(fx.file_b, PNG_1X1, sizeof(PNG_1X1));

    /* chromedriver on 127.0.0.1 only (no --allowed-ips) */
    fx.chromedriver_port = free_port();
    snprintf(fx.chromedriver_url, sizeof(fx.chromedriver_url), "http://127.0.0.1:%d",
             fx.chromedriver_port);
    char port_arg[32];
    snprintf(port_arg, sizeof(port_arg), "--port=%d", fx.chromedriver_port);
    fx.chromedriver_pid = fork();
    if (fx.chromedriver_pid == 0) {
        prctl(PR_SET_PDEATHSIG, SIGTERM); /* no orphan if the test binary is killed */
        int devnull = open("/dev/null", O_WRONLY);
        dup2(devnull, 1);
        dup2(devnull, 2);
        execl("/usr/bin/chromedriver", "chromedriver", port_arg, (char *)NULL);
        _exit(127);
    }
    bool ready = false;
    for (int i = 0; i < 300 && !ready; i++) { /* 30 s: a loaded CI machine */
        mem_t out = {0};
        char *url = xasprintf("%s/status", fx.chromedriver_url);
        ready = http_call("GET", url, NULL, &out) == 200 && out.data &&
                strstr(out.data, "\"ready\":true") != NULL;
        free(url);
        free(out.data);
        if (!ready)
            usleep(100000);
    }
    if (!ready) {
        fprintf(stderr, "chromedriver did not become ready\n");
        return -1;
    }

    fx.http_port = free_port();
    snprintf(fx.http_url, sizeof(fx.http_url), "http://127.0.0.1:%d", fx.http_port);
    char listen[32];
    snprintf(listen, sizeof(listen), "127.0.0.1:%d", fx.http_port);
    const char *opts[] = {"listening_ports", listen, "num_threads", "8", "enable_keep_alive", "yes",
                          "tcp_nodelay",     "1",    NULL};
    mg_init_library(0);
    fx.ctx = mg_start(NULL, NULL, opts);
    if (fx.ctx == NULL)
        return -1;
    mg_set_request_handler(fx.ctx, "/page", on_page, NULL);
    mg_set_request_handler(fx.ctx, "/v1/sessions", on_bb_sessions, NULL);
    mg_set_request_handler(fx.ctx, "/webdriver", on_webdriver, NULL);
    return 0;
}

static int rm_entry(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
    (void)sb;
    (void)flag;
    (void)ftw;
    remove(path);
    return 0;
}

static int teardown_all(void **state)
{
    (void)state;
    if (fx.ctx)
        mg_stop(fx.ctx);
    if (fx.chromedriver_pid > 0) {
        kill(fx.chromedriver_pid, SIGTERM);
        waitpid(fx.chromedriver_pid, NULL, 0);
    }
    nftw(fx.root, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
    curl_global_cleanup();
    return 0;
}

/* ------------------------------------------------------------------ tests */

static wd_config_t local_config(void)
{
    wd_config_t cfg = {.backend = WD_LOCAL,
                       .endpoint = fx.chromedriver_url,
                       .headless = true,
                       .window_width = 1024,
                       .window_height = 768};
    return cfg;
}

/* The errors of a live session, as W3C error codes. */
static void session_errors(wd_session_t *s, char *remote, size_t remote_size)
{
    wd_error_t err;
    memset(&err, 0, sizeof(err));
    assert_null(wd_find(s, "css selector", "#does-not-exist", &err));
    assert_string_equal(err.code, "no such element");
    assert_null(wd_find(s, "xpath", "//*[", &err));
    assert_string_equal(err.code, "invalid selector");
    assert_null(wd_execute(s, "throw new Error('boom');", NULL, &err));
    assert_string_equal(err.code, "javascript error");
    assert_non_null(strstr(err.message, "boom"));
    assert_int_equal(wd_click(s, "not-an-element-id", &err), -1);
    assert_true(strcmp(err.code, "no such element") == 0 ||
                strcmp(err.code, "stale element reference") == 0);
    assert_int_equal(wd_upload_file(s, "/nonexistent/x.png", remote, remote_size, &err), -1);
    assert_string_equal(err.code, "invalid argument");
    assert_null(wd_live_view_url(s, &err));
    assert_string_equal(err.code, "unsupported operation");
}

static void test_local_session_flow(void **state)
{
    (void)state;
    wd_error_t err = {0};
    wd_config_t cfg = local_config();
    wd_session_t *s = wd_session_new(&cfg, &err);
    assert_non_null(s);

    char *page = xasprintf("%s/page", fx.http_url);
    assert_int_equal(wd_navigate(s, page, &err), 0);
    char *title = wd_title(s, &err);
    assert_string_equal(title, "WD test page");
    free(title);
    char *url = wd_current_url(s, &err);
    assert_string_equal(url, page);
    free(url);

    /* find by css and xpath, fill, click, read text */
    char *name = wd_find(s, "css selector", "label[aria-label=\"Name\"] input", &err);
    assert_non_null(name);
    assert_int_equal(wd_send_keys(s, name, "Ada", &err), 0);
    assert_int_equal(wd_clear(s, name, &err), 0);
    assert_int_equal(wd_send_keys(s, name, "Grace", &err), 0);
    char *go = wd_find(s, "xpath", "//button[text()='Go']", &err);
    assert_non_null(go);
    assert_int_equal(wd_click(s, go, &err), 0);
    char *out = wd_find(s, "css selector", "#out", &err);
    char *text = wd_element_text(s, out, &err);
    assert_string_equal(text, "Hello Grace");
    free(text);
    char *id = wd_element_attribute(s, go, "id", &err);
    assert_string_equal(id, "go");
    free(id);
    assert_null(wd_element_attribute(s, go, "data-missing", &err));
    assert_string_equal(err.code, "");

    char **items = NULL;
    size_t n = 0;
    assert_int_equal(wd_find_all(s, "css selector", "li.item", &items, &n, &err), 0);
    assert_int_equal(n, 3);
    char *t3 = wd_element_text(s, items[2], &err);
    assert_string_equal(t3, "three");
    free(t3);
    wd_free_ids(items, n);
    assert_int_equal(wd_find_all(s, "css selector", "li.none", &items, &n, &err), 0);
    assert_int_equal(n, 0);
    wd_free_ids(items, n);

    /* execute: JSON back, element refs as arguments */
    cJSON *args = cJSON_CreateArray();
    cJSON_AddItemToArray(args, wd_element_ref(name));
    cJSON_AddItemToArray(args, cJSON_CreateNumber(41));
    cJSON *v = wd_execute(s,
                          "return {value: arguments[0].value, n: arguments[1] + 1, "
                          "list: [1, 'two', null], ok: true};",
                          args, &err);
    assert_non_null(v);
    assert_string_equal(cJSON_GetObjectItemCaseSensitive(v, "value")->valuestring, "Grace");
    assert_int_equal(cJSON_GetObjectItemCaseSensitive(v, "n")->valueint, 42);
    assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(v, "list")), 3);
    assert_true(cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(v, "ok")));
    cJSON_Delete(v);
    v = wd_execute(s, "return null;", NULL, &err);
    assert_non_null(v);
    assert_true(cJSON_IsNull(v));
    cJSON_Delete(v);

    /* file input with two files: "\n"-joined paths */
    char *files = wd_find(s, "css selector", "#files", &err);
    char remote_a[256], remote_b[256];
    assert_int_equal(wd_upload_file(s, fx.file_a, remote_a, sizeof(remote_a), &err), 0);
    assert_string_equal(remote_a, fx.file_a);
    assert_int_equal(wd_upload_file(s, fx.file_b, remote_b, sizeof(remote_b), &err), 0);
    char *joined = xasprintf("%s\n%s", remote_a, remote_b);
    assert_int_equal(wd_send_keys(s, files, joined, &err), 0);
    free(joined);
    args = cJSON_CreateArray();
    cJSON_AddItemToArray(args, wd_element_ref(files));
    v = wd_execute(s, "return Array.from(arguments[0].files).map(f => f.name + ':' + f.size);",
                   args, &err);
    assert_non_null(v);
    assert_int_equal(cJSON_GetArraySize(v), 2);
    char expect[32];
    snprintf(expect, sizeof(expect), "a.png:%zu", sizeof(PNG_1X1));
    assert_string_equal(cJSON_GetArrayItem(v, 0)->valuestring, expect);
    snprintf(expect, sizeof(expect), "b.png:%zu", sizeof(PNG_1X1));
    assert_string_equal(cJSON_GetArrayItem(v, 1)->valuestring, expect);
    cJSON_Delete(v);

    /* screenshot is a PNG */
    unsigned char *png = NULL;
    size_t len = 0;
    assert_int_equal(wd_screenshot(s, &png, &len, &err), 0);
    assert_true(len > 1000);
    assert_memory_equal(png, "\x89PNG\r\n\x1a\n", 8);
    assert_memory_equal(png + len - 8, "IEND\xae\x42\x60\x82", 8); /* whole, unpadded */
    free(png);

    session_errors(s, remote_a, sizeof(remote_a));

    free(name);
    free(go);
    free(out);
    free(files);
    free(page);
    wd_session_end(s);
}

static void test_profile_persists_cookies(void **state)
{
    (void)state;
    char profile[] = "/tmp/bb-wdprofile-XXXXXX";
    assert_non_null(mkdtemp(profile));
    wd_error_t err = {0};
    wd_config_t cfg = local_config();
    cfg.profile_dir = profile;
    char *page = xasprintf("%s/page", fx.http_url);

    wd_session_t *s = wd_session_new(&cfg, &err);
    assert_non_null(s);
    assert_int_equal(wd_navigate(s, page, &err), 0);
    cJSON *v =
        wd_execute(s, "document.cookie = 'who=ada; max-age=86400; path=/'; return 1;", NULL, &err);
    cJSON_Delete(v);
    wd_session_end(s);

    s = wd_session_new(&cfg, &err); /* same profile: the persistent cookie is back */
    assert_non_null(s);
    assert_int_equal(wd_navigate(s, page, &err), 0);
    v = wd_execute(s, "return document.cookie;", NULL, &err);
    assert_non_null(v);
    assert_string_equal(v->valuestring, "who=ada");
    cJSON_Delete(v);
    wd_session_end(s);
    free(page);
    nftw(profile, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
}

static void test_transport_error(void **state)
{
    (void)state;
    char endpoint[64];
    snprintf(endpoint, sizeof(endpoint), "http://127.0.0.1:%d", free_port());
    wd_config_t cfg = {
        .backend = WD_LOCAL, .endpoint = endpoint, .headless = true, .command_timeout_ms = 5000};
    wd_error_t err = {0};
    assert_null(wd_session_new(&cfg, &err));
    assert_string_equal(err.code, "transport");

    cfg.endpoint = NULL;
    assert_null(wd_session_new(&cfg, &err));
    assert_string_equal(err.code, "invalid argument");
}

static void test_browserbase_flow(void **state)
{
    (void)state;
    wd_config_t cfg = {.backend = WD_BROWSERBASE,
                       .bb_api_url = fx.http_url,
                       .bb_api_key = API_KEY,
                       .bb_project_id = "proj-1",
                       .bb_context_id = "ctx-42",
                       .window_width = 1024,
                       .window_height = 768};
    wd_error_t err = {0};
    wd_session_t *s = wd_session_new(&cfg, &err);
    if (s == NULL)
        fail_msg("%s: %s", err.code, err.message);
    pthread_mutex_lock(&fx.mu);
    fake_session_t *fs = &fx.sessions[fx.nsessions - 1];
    assert_string_equal(fs->context_id, "ctx-42");
    assert_true(fs->context_persist);
    pthread_mutex_unlock(&fx.mu);

    char *page = xasprintf("%s/page", fx.http_url);
    assert_int_equal(wd_navigate(s, page, &err), 0);
    char *title = wd_title(s, &err);
    assert_string_equal(title, "WD test page");
    free(title);

    char remote_a[256], remote_b[256];
    assert_int_equal(wd_upload_file(s, fx.file_a, remote_a, sizeof(remote_a), &err), 0);
    assert_string_equal(remote_a, "/tmp/.uploads/a.png");
    assert_int_equal(wd_upload_file(s, fx.file_b, remote_b, sizeof(remote_b), &err), 0);
    assert_string_equal(remote_b, "/tmp/.uploads/b.png");
    pthread_mutex_lock(&fx.mu);
    assert_int_equal(fs->uploads, 2);
    pthread_mutex_unlock(&fx.mu);
    char *stored = xasprintf("%s/%s/.uploads/b.png", fx.root, fs->id);
    struct stat st;
    assert_int_equal(stat(stored, &st), 0);
    assert_int_equal((size_t)st.st_size, sizeof(PNG_1X1));
    free(stored);

    char *files = wd_find(s, "css selector", "#files", &err);
    assert_non_null(files);
    char *joined = xasprintf("%s\n%s", remote_a, remote_b);
    assert_int_equal(wd_send_keys(s, files, joined, &err), 0);
    free(joined);
    cJSON *args = cJSON_CreateArray();
    cJSON_AddItemToArray(args, wd_element_ref(files));
    cJSON *v = wd_execute(s, "return Array.from(arguments[0].files).map(f => f.name);", args, &err);
    assert_non_null(v);
    assert_int_equal(cJSON_GetArraySize(v), 2);
    assert_string_equal(cJSON_GetArrayItem(v, 0)->valuestring, "a.png");
    cJSON_Delete(v);
    free(files);

    char *live = wd_live_view_url(s, &err);
    assert_non_null(live);
    assert_non_null(strstr(live, fs->id));
    free(live);

    assert_null(wd_find(s, "css selector", "#nope", &err));
    assert_string_equal(err.code, "no such element");

    wd_session_end(s);
    pthread_mutex_lock(&fx.mu);
    assert_true(fs->released);
    assert_int_equal(fs->wd_deletes, 1);
    pthread_mutex_unlock(&fx.mu);
    free(page);
}

static void test_browserbase_bad_key(void **state)
{
    (void)state;
    wd_config_t cfg = {.backend = WD_BROWSERBASE, .bb_api_url = fx.http_url, .bb_api_key = "wrong"};
    wd_error_t err = {0};
    pthread_mutex_lock(&fx.mu);
    int before = fx.create_401s;
    size_t sessions = fx.nsessions;
    pthread_mutex_unlock(&fx.mu);
    assert_null(wd_session_new(&cfg, &err));
    assert_non_null(strstr(err.message, "401"));
    assert_non_null(strstr(err.message, "Invalid API key"));
    pthread_mutex_lock(&fx.mu);
    assert_int_equal(fx.create_401s, before + 1);
    assert_int_equal(fx.nsessions, sessions);
    pthread_mutex_unlock(&fx.mu);

    cfg.bb_api_key = NULL;
    assert_null(wd_session_new(&cfg, &err));
    assert_string_equal(err.code, "invalid argument");
}

static void test_browserbase_retries_429_like_the_sdk(void **state)
{
    (void)state;
    wd_config_t cfg = {.backend = WD_BROWSERBASE, .bb_api_url = fx.http_url, .bb_api_key = API_KEY};
    wd_error_t err = {0};

    /* one 429 with retry-after-ms: the create is retried and succeeds */
    pthread_mutex_lock(&fx.mu);
    fx.create_429s_left = 1;
    int before = fx.create_attempts;
    pthread_mutex_unlock(&fx.mu);
    wd_session_t *s = wd_session_new(&cfg, &err);
    if (s == NULL)
        fail_msg("%s: %s", err.code, err.message);
    pthread_mutex_lock(&fx.mu);
    assert_int_equal(fx.create_attempts, before + 2);
    pthread_mutex_unlock(&fx.mu);
    wd_session_end(s);

    /* the cap persists: 1 try + 2 retries, then the 429 message is reported */
    pthread_mutex_lock(&fx.mu);
    fx.create_429s_left = 5;
    before = fx.create_attempts;
    pthread_mutex_unlock(&fx.mu);
    assert_null(wd_session_new(&cfg, &err));
    assert_non_null(strstr(err.message, "429"));
    assert_non_null(strstr(err.message, "max concurrent sessions"));
    pthread_mutex_lock(&fx.mu);
    assert_int_equal(fx.create_attempts, before + 3);
    fx.create_429s_left = 0;
    pthread_mutex_unlock(&fx.mu);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_transport_error),
        cmocka_unit_test(test_local_session_flow),
        cmocka_unit_test(test_profile_persists_cookies),
        cmocka_unit_test(test_browserbase_flow),
        cmocka_unit_test(test_browserbase_bad_key),
        cmocka_unit_test(test_browserbase_retries_429_like_the_sdk),
    };
    return cmocka_run_group_tests(tests, setup_all, teardown_all);
}
