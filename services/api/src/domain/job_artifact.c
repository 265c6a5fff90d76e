/* Artifacts of jobs (see job_artifact.h). */
#include "domain/job_artifact.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "app.h"
#include "common/xmalloc.h"
#include "domain/tx.h"
#include "store/job_store.h"

typedef enum { FILE_CREATED, FILE_SAME, FILE_CONFLICT, FILE_ERROR } file_result_t;

const char *job_artifact_type(const char *name, int64_t job_id)
{
    char prefix[40];
    int plen = snprintf(prefix, sizeof(prefix), "poster-%" PRId64 "-", job_id);
    size_t n = strlen(name);
    if (n > JOB_ARTIFACT_NAME_MAX || strncmp(name, prefix, (size_t)plen) != 0)
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
static file_result_t artifact_write(struct app *app, const char *name, const char *body, size_t len,
                                    char *errstr, size_t errstr_size)
{
    char tmp[4400], path[4400];
    snprintf(tmp, sizeof(tmp), "%s/upload-artifact-XXXXXX", app->upload_tmp);
    snprintf(path, sizeof(path), "%s/%s", app->cfg.upload_dir, name);
    int fd = mkstemp(tmp);
    if (fd < 0) {
        snprintf(errstr, errstr_size, "%s: %s", tmp, strerror(errno));
        return FILE_ERROR;
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
    file_result_t rc = FILE_CREATED;
    if (off != len || fchmod(fd, 0644) != 0 || close(fd) != 0) {
        snprintf(errstr, errstr_size, "%s: %s", tmp, strerror(errno));
        if (off != len)
            close(fd);
        rc = FILE_ERROR;
    } else if (link(tmp, path) != 0) {
        if (errno == EEXIST)
            rc = file_equals(path, body, len) ? FILE_SAME : FILE_CONFLICT;
        else {
            snprintf(errstr, errstr_size, "%s: %s", path, strerror(errno));
            rc = FILE_ERROR;
        }
    }
    unlink(tmp);
    return rc;
}

/* CMD_NOT_FOUND unless job job_id exists. Returns 0 or -1 (r). */
static int artifact_job_exists(struct app *app, int64_t job_id, cmd_result_t *r)
{
    tx_t tx;
    store_err_t err;
    int rc = -1;
    if (tx_begin(&tx, app, API_DB_TIMEOUT_MS, r) != 0)
        goto end;
    int found = job_store_exists(tx.pg, job_id, &err);
    if (found < 0)
        cmd_db_fail(r, "reading the job", &err);
    else if (found == 0)
        cmd_fail(r, CMD_NOT_FOUND, NULL, "Job not found");
    else
        rc = 0;
end:
    tx_end(&tx);
    return rc;
}

int job_artifact_store(struct app *app, int64_t job_id, const char *name, const char *type,
                       const char *body, size_t len, bool *created, cmd_result_t *r)
{
    if (artifact_job_exists(app, job_id, r) != 0)
        return -1;
    if (!artifact_magic_ok(type, body, len))
        return cmd_fail(r, CMD_INVALID, NULL, "the body is not a %s image", type);
    char err[512];
    file_result_t written = artifact_write(app, name, body, len, err, sizeof(err));
    if (written == FILE_ERROR) {
        snprintf(r->cause.msg, sizeof(r->cause.msg), "artifact %s: %s", name, err);
        return cmd_fail(r, CMD_FAILED, NULL, "the artifact could not be stored");
    }
    if (written == FILE_CONFLICT)
        return cmd_fail(r, CMD_CONFLICT, "name", "%s already holds other bytes", name);
    *created = written == FILE_CREATED;
    return 0;
}
