/* PUT /api/jobs/{id}/artifacts/{name}: the poster delivers a job's screenshot here, so the
 * api and the poster share no disk. The file lands in UPLOAD_DIR under its name and is then
 * served at GET /uploads/{name} (the job log's artifact_url).
 *
 * Checks: the job exists; the name is "poster-<id>-<tag>.png|.jpg|.jpeg" (tag: letters,
 * digits, '-', '_'), so artifacts of different jobs never collide and never replace a listing
 * image; Content-Type is image/png or image/jpeg, agrees with the extension and with the
 * body's magic bytes; the body is at most MAX_UPLOAD_BYTES.
 *
 * Names are write-once (GET /uploads answers them as immutable): a retry with the same bytes
 * answers 200 as the first PUT's 201 did; other bytes under an existing name answer 409. */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "app.h"
#include "common/db.h"
#include "common/log.h"
#include "common/xmalloc.h"
#include "handlers.h"
#include "request.h"

#define ARTIFACT_NAME_MAX 128

typedef enum { STORE_CREATED, STORE_SAME, STORE_CONFLICT, STORE_ERROR } store_result_t;

/* The content type the name's extension stands for, or NULL when the name is not an
 * artifact name of job job_id. */
static const char *artifact_name_type(const char *name, int64_t job_id)
{
    char prefix[40];
    int plen = snprintf(prefix, sizeof(prefix), "poster-%" PRId64 "-", job_id);
    size_t n = strlen(name);
    if (n > ARTIFACT_NAME_MAX || strncmp(name, prefix, (size_t)plen) != 0)
        return NULL;
    const char *dot = strrchr(name, '.');
    if (!dot || dot == name + plen)
        return NULL;
    for (const char *p = name + plen; p < dot; p++)
        if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
              *p == '-' || *p == '_'))
            return NULL;
    if (strcmp(dot, ".png") == 0)
        return "image/png";
    if (strcmp(dot, ".jpg") == 0 || strcmp(dot, ".jpeg") == 0)
        return "image/jpeg";
    return NULL;
}

/* Whether the bytes are what type says (PNG signature, JPEG SOI marker). */
static bool artifact_magic_ok(const char *type, const char *body, size_t len)
{
    if (strcmp(type, "image/png") == 0)
        return len >= 8 && memcmp(body, "\x89PNG\r\n\x1a\n", 8) == 0;
    return len >= 3 && memcmp(body, "\xff\xd8\xff", 3) == 0;
}

/* Whether path holds exactly len bytes equal to body. */
static bool file_equals(const char *path, const char *body, size_t len)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
    struct stat st;
    bool same = false;
    if (fd < 0)
        return false;
    if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && (size_t)st.st_size == len) {
        char *old = xmalloc(len + 1);
        size_t got = 0;
        while (got < len) {
            ssize_t r = read(fd, old + got, len - got);
            if (r < 0 && errno == EINTR)
                continue;
            if (r <= 0)
                break;
            got += (size_t)r;
        }
        same = got == len && memcmp(old, body, len) == 0;
        free(old);
    }
    close(fd);
    return same;
}

/* Writes body under UPLOAD_DIR/name without ever replacing a file: written to a temporary
 * file in UPLOAD_DIR/.tmp, then link()ed into place, which fails on an existing name. */
static store_result_t artifact_store(struct app *app, const char *name, const char *body,
                                     size_t len, char *errstr, size_t errstr_size)
{
    char tmp[4400], path[4400];
    snprintf(tmp, sizeof(tmp), "%s/upload-artifact-XXXXXX", app->upload_tmp);
    snprintf(path, sizeof(path), "%s/%s", app->cfg.upload_dir, name);
    int fd = mkstemp(tmp);
    if (fd < 0) {
        snprintf(errstr, errstr_size, "%s: %s", tmp, strerror(errno));
        return STORE_ERROR;
    }
    size_t off = 0;
    while (off < len) {
        ssize_t w = write(fd, body + off, len - off);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            break;
        off += (size_t)w;
    }
    store_result_t rc = STORE_CREATED;
    if (off != len || fchmod(fd, 0644) != 0 || close(fd) != 0) {
        snprintf(errstr, errstr_size, "%s: %s", tmp, strerror(errno));
        if (off != len)
            close(fd);
        rc = STORE_ERROR;
    } else if (link(tmp, path) != 0) {
        if (errno == EEXIST)
            rc = file_equals(path, body, len) ? STORE_SAME : STORE_CONFLICT;
        else {
            snprintf(errstr, errstr_size, "%s: %s", path, strerror(errno));
            rc = STORE_ERROR;
        }
    }
    unlink(tmp);
    return rc;
}

/* 404 unless job job_id exists; 0 when it does. Returns the status sent otherwise. */
static int artifact_job_exists(http_request_t *req, int64_t job_id)
{
    char id[32], err[512];
    snprintf(id, sizeof(id), "%" PRId64, job_id);
    const char *params[1] = {id};
    PGconn *pg = request_db(req);
    if (!pg)
        return 503;
    PGresult *res =
        db_exec(pg, "SELECT 1 FROM posting_jobs WHERE id = $1", 1, params, err, sizeof(err), NULL);
    int status = !res                  ? request_db_error(req, "reading the job", err)
                 : PQntuples(res) != 1 ? http_send_problem(req, 404, NULL, "Job not found")
                                       : 0;
    PQclear(res);
    request_db_release(req, pg);
    return status;
}

int job_artifacts_put(http_request_t *req)
{
    struct app *app = req->app;
    int64_t job_id;
    char *body = NULL, err[512];
    size_t len = 0;
    if (http_param_id(req, 0, &job_id) != 0)
        return http_send_problem(req, 404, NULL, "Job not found");
    const char *name = req->nparams > 1 ? req->params[1] : "";
    const char *type = artifact_name_type(name, job_id);
    if (!type)
        return http_send_problem(req, 422, "name",
                                 "name: must be poster-%" PRId64 "-<tag>.png or .jpg (tag: "
                                 "letters, digits, - and _; at most %d characters in all)",
                                 job_id, ARTIFACT_NAME_MAX);
    const char *ctype = mg_get_header(req->conn, "Content-Type");
    size_t tlen = strlen(type);
    if (!ctype || strncasecmp(ctype, type, tlen) != 0 ||
        (ctype[tlen] != '\0' && ctype[tlen] != ';' && ctype[tlen] != ' '))
        return http_send_problem(req, 415, NULL, "Content-Type must be %s for %s", type, name);
    int status = artifact_job_exists(req, job_id);
    if (status != 0)
        return status;
    if (http_read_body(req, (size_t)app->cfg.max_upload_bytes, &body, &len) != 0)
        return http_send_problem(req, 413, NULL, "an artifact is at most %lld bytes",
                                 app->cfg.max_upload_bytes);
    if (!artifact_magic_ok(type, body, len)) {
        status = http_send_problem(req, 422, NULL, "the body is not a %s image", type);
        goto cleanup;
    }
    store_result_t stored = artifact_store(app, name, body, len, err, sizeof(err));
    if (stored == STORE_ERROR) {
        LOG_ERROR("request %s: artifact %s: %s", req->request_id, name, err);
        status = http_send_problem(req, 500, NULL, "the artifact could not be stored");
        goto cleanup;
    }
    if (stored == STORE_CONFLICT) {
        status = http_send_problem(req, 409, "name", "%s already holds other bytes", name);
        goto cleanup;
    }
    cJSON *out = cJSON_CreateObject();
    cJSON_AddStringToObject(out, "name", name);
    char url[ARTIFACT_NAME_MAX + 64];
    snprintf(url, sizeof(url), "/uploads/%s", name);
    cJSON_AddStringToObject(out, "url", url);
    cJSON_AddNumberToObject(out, "bytes", (double)len);
    char location[ARTIFACT_NAME_MAX + 80];
    snprintf(location, sizeof(location), "Location: %s\r\n", url);
    status = http_send_json(req, stored == STORE_CREATED ? 201 : 200, out, location);
cleanup:
    free(body);
    return status;
}
