/* The dashboard: the built single-page app (SPA_DIR, frontend/dist) at "/". It is the
 * router's fallback, so it sees only GET/HEAD paths that no api route matches:
 *   /api/..., /uploads/...            -> 404 problem (an api path, not a page)
 *   an existing file under SPA_DIR    -> the file; files under /assets (content-hashed) cached
 *                                        for a year, immutable; others revalidated
 *   /assets/..., or a name with an extension that is missing -> 404 problem
 *   anything else (/, /listings/12)   -> index.html, no-cache (the app routes it)
 * Paths with "." or ".." segments, dot files, backslashes or NULs get 404; files are opened
 * below the realpath of SPA_DIR and must resolve inside it (no symlink escapes). No directory
 * is ever listed. Without a built index.html, pages answer a short HTML note saying how to
 * build the app. /docs is dist/docs.html, the API reference (Swagger UI, bundled by the same
 * build as a second entry, frontend/src/docs.ts) that renders /api/openapi.json. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "app.h"
#include "common/log.h"
#include "common/xmalloc.h"
#include "handlers.h"

#define SPA_FILE_MAX (32 * 1024 * 1024)
#define SPA_IMMUTABLE "Cache-Control: public, max-age=31536000, immutable\r\n"
#define SPA_REVALIDATE "Cache-Control: no-cache\r\n"

static const struct {
    const char *ext;
    const char *type;
} spa_types[] = {
    {".html", "text/html; charset=utf-8"},
    {".js", "text/javascript; charset=utf-8"},
    {".mjs", "text/javascript; charset=utf-8"},
    {".css", "text/css; charset=utf-8"},
    {".json", "application/json"},
    {".map", "application/json"},
    {".webmanifest", "application/manifest+json"},
    {".svg", "image/svg+xml"},
    {".png", "image/png"},
    {".jpg", "image/jpeg"},
    {".jpeg", "image/jpeg"},
    {".gif", "image/gif"},
    {".webp", "image/webp"},
    {".avif", "image/avif"},
    {".ico", "image/x-icon"},
    {".woff", "font/woff"},
    {".woff2", "font/woff2"},
    {".ttf", "font/ttf"},
    {".txt", "text/plain; charset=utf-8"},
    {".wasm", "application/wasm"},
};

static const char *spa_content_type(const char *path)
{
    const char *slash = strrchr(path, '/');
    const char *dot = strrchr(slash ? slash : path, '.');
    for (size_t i = 0; dot && i < sizeof(spa_types) / sizeof(spa_types[0]); i++)
        if (strcasecmp(dot, spa_types[i].ext) == 0)
            return spa_types[i].type;
    return "application/octet-stream";
}

static bool has_prefix_dir(const char *path, const char *dir)
{
    size_t n = strlen(dir);
    return strncmp(path, dir, n) == 0 && (path[n] == '\0' || path[n] == '/');
}

/* Every segment is a plain name: no empty one ("//"), no leading dot (".", "..", dot files),
 * no backslash. The router's path is decoded, so "%2e%2e" arrives here as "..". */
static bool spa_path_safe(const char *path)
{
    if (path[0] != '/' || strchr(path, '\\') || strstr(path, "//"))
        return false;
    for (const char *seg = path + 1; *seg;) {
        size_t n = strcspn(seg, "/");
        if (n > 0 && seg[0] == '.')
            return false;
        seg += n;
        if (*seg == '/')
            seg++;
    }
    return true;
}

/* The last segment names a file (has an extension): a missing one is a 404, not a page. */
static bool looks_like_file(const char *path)
{
    const char *last = strrchr(path, '/');
    return last && strchr(last, '.') != NULL;
}

/* Reads root/rel when it is a regular file that resolves inside root. 1 = read, 0 = none
 * (missing, a directory, outside), -1 = error (logged). */
static int spa_read(const char *root, const char *rel, char **body, size_t *len)
{
    char path[PATH_MAX * 2], real[PATH_MAX];
    snprintf(path, sizeof(path), "%s/%s", root, rel);
    if (!realpath(path, real) || !has_prefix_dir(real, root))
        return 0;
    int fd = open(real, O_RDONLY | O_CLOEXEC);
    struct stat st;
    if (fd < 0 || fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) || st.st_size > SPA_FILE_MAX) {
        if (fd >= 0)
            close(fd);
        return 0;
    }
    *body = xmalloc((size_t)st.st_size + 1);
    size_t got = 0;
    while (got < (size_t)st.st_size) {
        ssize_t n = read(fd, *body + got, (size_t)st.st_size - got);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            break;
        got += (size_t)n;
    }
    close(fd);
    if (got != (size_t)st.st_size) {
        LOG_ERROR("spa: %s: short read", real);
        free(*body);
        return -1;
    }
    *len = got;
    return 1;
}

static const char spa_missing_html[] =
    "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>Bye-Buy</title>"
    "<style>body{font:16px/1.5 system-ui,sans-serif;max-width:720px;margin:3em auto;"
    "padding:0 1em;color:#222}code,pre{background:#f3f3f3;border-radius:4px;padding:2px 5px}"
    "</style></head><body><h1>Bye-Buy API</h1>"
    "<p>The api is running, but the dashboard has not been built, so there is nothing to show "
    "here yet.</p><p>Build it (Node.js 20+), then reload this page:</p>"
    "<pre>cd frontend &amp;&amp; npm ci &amp;&amp; npm run build</pre>"
    "<p>(<code>make up</code> does it when the app's sources changed.)</p>"
    "<p>The api serves the files of <code>SPA_DIR</code> (default <code>frontend/dist</code>, "
    "relative to the api's working directory).</p>"
    "<p>Meanwhile: <a href=\"/docs\">API documentation</a>, "
    "<a href=\"/api/listings\">/api/listings</a>, <a href=\"/healthz\">/healthz</a>.</p>"
    "</body></html>";

static const char docs_missing_html[] =
    "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\">"
    "<title>Bye-Buy API</title></head><body><h1>Bye-Buy API</h1>"
    "<p>The API reference page is part of the dashboard's build, which has not been made "
    "(<code>cd frontend &amp;&amp; npm ci &amp;&amp; npm run build</code>, or <code>make "
    "up</code>).</p><p>The machine-readable description: "
    "<a href=\"/api/openapi.json\">/api/openapi.json</a>.</p></body></html>";

/* One of the build's HTML pages (never cached: it names the current hashed assets), or the
 * note saying how to build it. */
static int spa_send_page(http_request_t *req, const char *root, const char *name,
                         const char *missing, size_t missing_len)
{
    char *body = NULL;
    size_t len = 0;
    int rc = root ? spa_read(root, name, &body, &len) : 0;
    if (rc < 0)
        return http_send_problem(req, 500, NULL, "the page could not be read");
    if (rc == 0)
        return http_send_body(req, 200, "text/html; charset=utf-8", missing, missing_len,
                              SPA_REVALIDATE);
    int status = http_send_body(req, 200, "text/html; charset=utf-8", body, len, SPA_REVALIDATE);
    free(body);
    return status;
}

static int spa_send_index(http_request_t *req, const char *root)
{
    return spa_send_page(req, root, "index.html", spa_missing_html, sizeof(spa_missing_html) - 1);
}

int handle_docs(http_request_t *req)
{
    struct app *app = req->app;
    char real_root[PATH_MAX];
    const char *root = realpath(app->cfg.spa_dir, real_root) ? real_root : NULL;
    return spa_send_page(req, root, "docs.html", docs_missing_html, sizeof(docs_missing_html) - 1);
}

int handle_spa(http_request_t *req)
{
    struct app *app = req->app;
    /* local_uri has dot segments resolved by civetweb; a request that needed that (or that
     * hides a separator) is an attempt at something, not a page */
    const char *path = req->ri->local_uri;
    const char *raw = req->ri->local_uri_raw ? req->ri->local_uri_raw : path;
    if (has_prefix_dir(path, "/api") || has_prefix_dir(path, "/uploads") || !spa_path_safe(path) ||
        !spa_path_safe(raw))
        return http_send_problem(req, 404, NULL, "no such resource");
    /* resolved per request: a build made while the api runs is picked up */
    char real_root[PATH_MAX];
    const char *root = realpath(app->cfg.spa_dir, real_root) ? real_root : NULL;
    const char *rel = path + 1;
    if (!*rel || strcmp(rel, "index.html") == 0)
        return spa_send_index(req, root);
    char *body = NULL;
    size_t len = 0;
    int rc = root ? spa_read(root, rel, &body, &len) : 0;
    if (rc < 0)
        return http_send_problem(req, 500, NULL, "the file could not be read");
    if (rc == 0 && (has_prefix_dir(path, "/assets") || looks_like_file(path)))
        return http_send_problem(req, 404, NULL, "no such file");
    if (rc == 0)
        return spa_send_index(req, root); /* a deep link: the app routes it */
    int status = http_send_body(req, 200, spa_content_type(path), body, len,
                                has_prefix_dir(path, "/assets") ? SPA_IMMUTABLE : SPA_REVALIDATE);
    free(body);
    return status;
}
