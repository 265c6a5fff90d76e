/* GET /uploads/{name}: stored images, thumbnails and job screenshots. Only generated names
 * are served (no dot files, no paths), with the type from the stored extension and
 * X-Content-Type-Options: nosniff so a browser never reinterprets the bytes. */
#include <errno.h>
#include <fcntl.h>
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
#include "images.h"

#define UPLOAD_SERVE_MAX (64 * 1024 * 1024)

/* Generated names only: [A-Za-z0-9][A-Za-z0-9._-]{0,127}. */
static bool upload_name_valid(const char *name)
{
    size_t n = strlen(name);
    if (n == 0 || n > 128)
        return false;
    if (!((name[0] >= 'a' && name[0] <= 'z') || (name[0] >= 'A' && name[0] <= 'Z') ||
          (name[0] >= '0' && name[0] <= '9')))
        return false;
    for (size_t i = 0; i < n; i++) {
        char c = name[i];
        bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                  c == '.' || c == '_' || c == '-';
        if (!ok)
            return false;
    }
    return true;
}

static const char *upload_content_type(const char *name)
{
    const char *dot = strrchr(name, '.');
    if (!dot)
        return "application/octet-stream";
    if (strcasecmp(dot, ".jpg") == 0 || strcasecmp(dot, ".jpeg") == 0)
        return "image/jpeg";
    if (strcasecmp(dot, ".png") == 0)
        return "image/png";
    if (strcasecmp(dot, ".webp") == 0)
        return "image/webp";
    return "application/octet-stream";
}

int handle_upload_get(http_request_t *req)
{
    struct app *app = req->app;
    const char *name = req->nparams > 0 ? req->params[0] : "";
    char path[4300];
    char *body = NULL;
    int fd = -1, status;
    if (!upload_name_valid(name))
        return http_send_problem(req, 404, NULL, "no such upload");
    snprintf(path, sizeof(path), "%s/%s", app->cfg.upload_dir, name);
    fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
    /* a thumbnail asked for before the thumbnail thread got to it (images.h) */
    if (fd < 0 && errno == ENOENT &&
        image_thumbnail_ensure(app->cfg.upload_dir, name, IMAGE_THUMB_EDGE) == 0)
        fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
    struct stat st;
    if (fd < 0 || fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        status = http_send_problem(req, 404, NULL, "no such upload");
        goto cleanup;
    }
    if (st.st_size > UPLOAD_SERVE_MAX) {
        LOG_ERROR("upload %s is %lld bytes: not served", name, (long long)st.st_size);
        status = http_send_problem(req, 500, NULL, "the file is too large to serve");
        goto cleanup;
    }
    body = xmalloc((size_t)st.st_size + 1);
    size_t got = 0;
    while (got < (size_t)st.st_size) {
        ssize_t n = read(fd, body + got, (size_t)st.st_size - got);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            break;
        got += (size_t)n;
    }
    if (got != (size_t)st.st_size) {
        status = http_send_problem(req, 500, NULL, "the file could not be read");
        goto cleanup;
    }
    /* nosniff comes with every response (http.c). Names are never reused (UUIDs), so the
     * bytes behind a name never change. */
    status = http_send_body(req, 200, upload_content_type(name), body, got,
                            "Cache-Control: public, max-age=31536000, immutable\r\n"
                            "Content-Security-Policy: default-src 'none'\r\n");
cleanup:
    if (fd >= 0)
        close(fd);
    free(body);
    return status;
}
