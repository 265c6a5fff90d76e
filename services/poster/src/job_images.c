/* Local files for a job's photos (see job_images.h). */
#include "job_images.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/httpc.h"
#include "common/util.h"
#include "common/xmalloc.h"

#define MAX_IMAGE_BYTES (40 * 1024 * 1024)

/* Writes len bytes to a new file path. Returns 0 or -1 (errno). */
static int write_file(const char *path, const char *data, size_t len)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
    if (fd < 0)
        return -1;
    size_t off = 0;
    while (off < len) {
        ssize_t w = write(fd, data + off, len - off);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0) {
            int e = errno;
            close(fd);
            errno = e;
            return -1;
        }
        off += (size_t)w;
    }
    return close(fd);
}

/* The file name part of an image url ("/uploads/ab12.jpg" -> "ab12.jpg"), made safe. */
static void safe_name(const char *url, size_t index, char *out, size_t size)
{
    const char *base = strrchr(url, '/') ? strrchr(url, '/') + 1 : url;
    size_t j = 0;
    for (const char *p = base; *p && *p != '?' && *p != '#' && j + 1 < size; p++) {
        char c = *p;
        bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                  c == '.' || c == '-' || c == '_';
        out[j++] = ok ? c : '_';
    }
    out[j] = '\0';
    if (j == 0 || out[0] == '.')
        snprintf(out, size, "image-%zu", index + 1);
}

static int download(const ev_image_t *im, size_t index, const char *api_base, const char *dir,
                    char **path_out, bool *retryable, char *errstr, size_t errstr_size)
{
    int rc = -1;
    char *url = strncmp(im->url, "http://", 7) == 0 || strncmp(im->url, "https://", 8) == 0
                    ? xstrdup(im->url)
                    : xasprintf("%s%s%s", api_base, im->url[0] == '/' ? "" : "/", im->url);
    httpc_policy_t pol;
    httpc_policy_default(&pol);
    pol.max_response = MAX_IMAGE_BYTES;
    pol.timeout_ms = 60000;
    httpc_response_t resp;
    char err[256];
    if (httpc_request("GET", url, NULL, NULL, 0, &pol, &resp, err, sizeof(err)) != 0) {
        snprintf(errstr, errstr_size, "image %zu: %s: %s", index + 1, url, err);
        *retryable = true;
        goto cleanup;
    }
    if (resp.status != 200) {
        snprintf(errstr, errstr_size, "image %zu: %s answered %ld", index + 1, url, resp.status);
        *retryable = resp.status >= 500 || resp.status == 429;
        goto cleanup;
    }
    if (im->sha256 && *im->sha256) {
        char hex[65];
        util_sha256_hex(resp.body, resp.body_len, hex);
        if (strcmp(hex, im->sha256) != 0) {
            snprintf(errstr, errstr_size, "image %zu: %s: sha256 %s, expected %s", index + 1, url,
                     hex, im->sha256);
            *retryable = false;
            goto cleanup;
        }
    }
    char name[128];
    safe_name(im->url, index, name, sizeof(name));
    /* the index keeps two images with the same name apart */
    char *path = xasprintf("%s/%zu-%s", dir, index + 1, name);
    if (write_file(path, resp.body, resp.body_len) != 0) {
        snprintf(errstr, errstr_size, "image %zu: %s: %s", index + 1, path, strerror(errno));
        *retryable = true;
        free(path);
        goto cleanup;
    }
    *path_out = path;
    rc = 0;
cleanup:
    httpc_response_free(&resp);
    free(url);
    return rc;
}

int job_images_resolve(const ev_listing_t *listing, const char *api_base, job_images_t *out,
                       bool *retryable, char *errstr, size_t errstr_size)
{
    memset(out, 0, sizeof(*out));
    *retryable = false;
    out->paths = xcalloc(listing->nimages ? listing->nimages : 1, sizeof(char *));
    for (size_t i = 0; i < listing->nimages; i++) {
        const ev_image_t *im = &listing->images[i];
        if (im->path && *im->path && access(im->path, R_OK) == 0) {
            out->paths[out->n++] = xstrdup(im->path);
            continue;
        }
        if (!im->url || !*im->url || !api_base || !*api_base) {
            snprintf(errstr, errstr_size, "image %zu: %s%s and no URL to fetch it from", i + 1,
                     im->path && *im->path ? im->path : "no path",
                     im->path && *im->path ? " is not readable here" : "");
            goto fail;
        }
        if (!out->tmp_dir) {
            const char *tmp = getenv("TMPDIR");
            if (!tmp || !*tmp)
                tmp = "/tmp";
            char *templ = xasprintf("%s/byebuy-poster-XXXXXX", tmp);
            if (!mkdtemp(templ)) {
                snprintf(errstr, errstr_size, "%s: %s", templ, strerror(errno));
                free(templ);
                *retryable = true;
                goto fail;
            }
            out->tmp_dir = templ;
        }
        char *path = NULL;
        if (download(im, i, api_base, out->tmp_dir, &path, retryable, errstr, errstr_size) != 0)
            goto fail;
        out->paths[out->n++] = path;
    }
    return 0;
fail:
    job_images_free(out);
    return -1;
}

void job_images_free(job_images_t *imgs)
{
    if (!imgs)
        return;
    for (size_t i = 0; i < imgs->n; i++) {
        if (imgs->tmp_dir && strncmp(imgs->paths[i], imgs->tmp_dir, strlen(imgs->tmp_dir)) == 0)
            unlink(imgs->paths[i]);
        free(imgs->paths[i]);
    }
    free(imgs->paths);
    if (imgs->tmp_dir)
        rmdir(imgs->tmp_dir);
    free(imgs->tmp_dir);
    memset(imgs, 0, sizeof(*imgs));
}
