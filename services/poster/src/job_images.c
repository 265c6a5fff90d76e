/* Downloads of a job's photos (see job_images.h). */
#include "job_images.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "api_auth.h"
#include "common/httpc.h"
#include "common/util.h"
#include "common/xmalloc.h"

static void fail(job_images_error_t *err, const char *code, bool retryable, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static void fail(job_images_error_t *err, const char *code, bool retryable, const char *fmt, ...)
{
    snprintf(err->code, sizeof(err->code), "%s", code);
    err->retryable = retryable;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err->message, sizeof(err->message), fmt, ap);
    va_end(ap);
}

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

/* The file extension of a content type: the browser and the marketplace see a normal name. */
static const char *type_ext(const char *type)
{
    if (strncasecmp(type, "image/png", 9) == 0)
        return "png";
    if (strncasecmp(type, "image/webp", 10) == 0)
        return "webp";
    return "jpg";
}

/* Whether the response's Content-Type is an image, and the event's type when it names one
 * (parameters after ';' ignored). */
static bool type_ok(const char *got, const char *want)
{
    if (!got || strncasecmp(got, "image/", 6) != 0)
        return false;
    if (!want || !*want)
        return true;
    size_t n = strcspn(got, "; ");
    return strlen(want) == n && strncasecmp(got, want, n) == 0;
}

/* Checks a 200 answer against the claim check. Returns 0 or -1 with err. */
static int verify(const ev_image_t *im, size_t index, const httpc_response_t *resp,
                  job_images_error_t *err)
{
    if (!type_ok(resp->content_type, im->content_type)) {
        fail(err, "image_invalid", false, "image %zu: %s answered %s, not %s", index + 1, im->url,
             resp->content_type ? resp->content_type : "no Content-Type",
             im->content_type && *im->content_type ? im->content_type : "an image");
        return -1;
    }
    if ((int64_t)resp->body_len != im->size) {
        fail(err, "image_invalid", false, "image %zu: %s gave %zu bytes, expected %lld", index + 1,
             im->url, resp->body_len, (long long)im->size);
        return -1;
    }
    char hex[65];
    util_sha256_hex(resp->body, resp->body_len, hex);
    if (strcmp(hex, im->sha256) != 0) {
        fail(err, "image_invalid", false, "image %zu: %s: sha256 %s, expected %s", index + 1,
             im->url, hex, im->sha256);
        return -1;
    }
    return 0;
}

/* GETs one image into dir as "<index>.<ext>". Returns 0 (*path_out set) or -1 with err. */
static int download(const ev_image_t *im, size_t index, const char *dir, int retries,
                    char **path_out, job_images_error_t *err)
{
    if (im->size > JOB_IMAGE_MAX_BYTES) {
        fail(err, "image_invalid", false, "image %zu: %lld bytes, more than the poster takes (%d)",
             index + 1, (long long)im->size, JOB_IMAGE_MAX_BYTES);
        return -1;
    }
    httpc_policy_t pol;
    httpc_policy_default(&pol);
    pol.max_retries = retries;
    pol.max_response = JOB_IMAGE_MAX_BYTES;
    pol.timeout_ms = 60000;
    httpc_response_t resp;
    char herr[256];
    int rc = -1;
    struct curl_slist *headers = api_auth_header(NULL, im->url);
    int got = httpc_request("GET", im->url, headers, NULL, 0, &pol, &resp, herr, sizeof(herr));
    curl_slist_free_all(headers);
    if (got != 0) {
        /* a body over the bound is final; a transport failure may pass */
        bool too_big = resp.status != 0;
        fail(err, too_big ? "image_invalid" : "image_unavailable", !too_big, "image %zu: %s",
             index + 1, herr);
        goto cleanup;
    }
    if (resp.status == 404 || resp.status == 410) {
        fail(err, "image_missing", false,
             "image %zu is gone: %s answered %ld (was it deleted from the listing?)", index + 1,
             im->url, resp.status);
        goto cleanup;
    }
    if (resp.status != 200) {
        bool transient = httpc_should_retry(resp.status, resp.should_retry);
        fail(err, transient ? "image_unavailable" : "image_invalid", transient,
             "image %zu: %s answered %ld", index + 1, im->url, resp.status);
        goto cleanup;
    }
    if (verify(im, index, &resp, err) != 0)
        goto cleanup;
    char *path = xasprintf("%s/%zu.%s", dir, index + 1, type_ext(resp.content_type));
    if (write_file(path, resp.body, resp.body_len) != 0) {
        fail(err, "image_unavailable", true, "image %zu could not be saved in WORK_DIR: %s",
             index + 1, strerror(errno));
        free(path);
        goto cleanup;
    }
    *path_out = path;
    rc = 0;
cleanup:
    httpc_response_free(&resp);
    return rc;
}

int job_images_fetch(const ev_listing_t *listing, int64_t job_id, const char *work_dir, int retries,
                     job_images_t *out, job_images_error_t *err)
{
    memset(out, 0, sizeof(*out));
    memset(err, 0, sizeof(*err));
    out->paths = xcalloc(listing->nimages ? listing->nimages : 1, sizeof(char *));
    if (listing->nimages == 0)
        return 0;
    char *templ = xasprintf("%s/job-%lld-XXXXXX", work_dir, (long long)job_id);
    if (!mkdtemp(templ)) {
        fail(err, "image_unavailable", true, "WORK_DIR is not writable: %s", strerror(errno));
        free(templ);
        goto fail;
    }
    out->dir = templ;
    for (size_t i = 0; i < listing->nimages; i++) {
        char *path = NULL;
        if (download(&listing->images[i], i, out->dir, retries, &path, err) != 0)
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
        unlink(imgs->paths[i]);
        free(imgs->paths[i]);
    }
    free(imgs->paths);
    if (imgs->dir)
        rmdir(imgs->dir);
    free(imgs->dir);
    memset(imgs, 0, sizeof(*imgs));
}
