/* Form bodies through mg_handle_form_request (see form.h): bounded text fields, files
 * streamed to O_EXCL temporary files with a size cap. */
#include "http/form.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "common/util.h"
#include "common/xmalloc.h"

static void form_fail(form_t *form, int status, const char *field, const char *fmt, const char *arg)
{
    if (form->status)
        return; /* the first problem is the one reported */
    form->status = status;
    snprintf(form->field, sizeof(form->field), "%s", field ? field : "");
    snprintf(form->detail, sizeof(form->detail), fmt, arg ? arg : "");
}

bool form_is_form_request(const http_request_t *req)
{
    const char *ct = mg_get_header(req->conn, "Content-Type");
    if (!ct)
        return false;
    while (*ct == ' ')
        ct++;
    return strncasecmp(ct, "multipart/form-data", 19) == 0 ||
           strncasecmp(ct, "application/x-www-form-urlencoded", 33) == 0;
}

/* 408: the body did not arrive whole within the request's body timeout. */
static void form_fail_late(form_t *form)
{
    char ms[32];
    snprintf(ms, sizeof(ms), "%d",
             form->req->body_timeout_ms > 0 ? form->req->body_timeout_ms : 30000);
    form_fail(form, 408, NULL, "the form body did not arrive whole within %s ms", ms);
}

static void file_close(form_t *form)
{
    if (form->fd >= 0) {
        close(form->fd);
        form->fd = -1;
    }
    form->in_file = false;
    form->in_empty_file = false;
}

static int on_field_found(const char *key, const char *filename, char *path, size_t pathlen,
                          void *user_data)
{
    (void)path;
    (void)pathlen;
    form_t *form = user_data;
    const form_limits_t *lim = form->lim;
    file_close(form);
    form->cur = NULL;
    if (form->status)
        return MG_FORM_FIELD_STORAGE_ABORT;
    bool file_key = strcmp(key, lim->file_field) == 0 ||
                    (strncmp(key, lim->file_field, strlen(lim->file_field)) == 0 &&
                     strcmp(key + strlen(lim->file_field), "[]") == 0);
    /* civetweb passes "" (not NULL) as the file name of plain fields; a browser sends a file
     * input left empty as the file field with filename="": read it, refused unless empty (text
     * sent in the file field is a client's mistake, said so rather than ignored). */
    if ((!filename || !*filename) && file_key) {
        form->in_empty_file = true;
        return MG_FORM_FIELD_STORAGE_GET;
    }
    if (filename && *filename) {
        if (!file_key) {
            form_fail(form, 422, key, "%s: files are only accepted in the \"images\" field", key);
            return MG_FORM_FIELD_STORAGE_ABORT;
        }
        if (form->nfiles >= lim->max_files) {
            char n[32];
            snprintf(n, sizeof(n), "%zu", lim->max_files);
            form_fail(form, 422, lim->file_field, "images: at most %s images per listing", n);
            return MG_FORM_FIELD_STORAGE_ABORT;
        }
        form_file_t *f = &form->files[form->nfiles];
        char id[UUID_STR_LEN];
        util_uuid_v4(id);
        /* A generated name: the client's file name is never used as a path. */
        snprintf(f->path, sizeof(f->path), "%s/upload-%s.part", lim->tmp_dir, id);
        f->bytes = 0;
        form->fd = open(f->path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
        if (form->fd < 0) {
            form_fail(form, 500, NULL, "could not store the upload: %s", strerror(errno));
            f->path[0] = '\0';
            return MG_FORM_FIELD_STORAGE_ABORT;
        }
        form->nfiles++;
        form->in_file = true;
        return MG_FORM_FIELD_STORAGE_GET;
    }
    for (size_t i = 0; i < form->nfields; i++) {
        if (strcmp(form->fields[i].name, key) == 0) {
            form_fail(form, 422, key, "%s: given more than once", key);
            return MG_FORM_FIELD_STORAGE_ABORT;
        }
    }
    if (form->nfields >= lim->max_fields) {
        form_fail(form, 422, key, "too many form fields (at %s)", key);
        return MG_FORM_FIELD_STORAGE_ABORT;
    }
    form_field_t *fld = &form->fields[form->nfields++];
    fld->name = xstrdup(key);
    fld->value = xstrdup("");
    fld->len = 0;
    form->cur = fld;
    return MG_FORM_FIELD_STORAGE_GET;
}

static int on_field_get(const char *key, const char *value, size_t valuelen, void *user_data)
{
    (void)key; /* the field is form->cur (civetweb's key is not reliable across chunks) */
    form_t *form = user_data;
    const form_limits_t *lim = form->lim;
    if (form->status)
        return MG_FORM_FIELD_HANDLE_ABORT;
    if (http_body_late(form->req)) {
        /* a trickle: each read returns some bytes before civetweb's per-read timeout */
        form_fail_late(form);
        return MG_FORM_FIELD_HANDLE_ABORT;
    }
    if (form->in_empty_file) {
        if (valuelen == 0)
            return MG_FORM_FIELD_HANDLE_GET;
        form_fail(form, 422, lim->file_field, "%s: must be files (a part with a filename)",
                  lim->file_field);
        return MG_FORM_FIELD_HANDLE_ABORT;
    }
    if (form->in_file) {
        form_file_t *f = &form->files[form->nfiles - 1];
        if (f->bytes + (int64_t)valuelen > lim->max_file_bytes) {
            char limit[32];
            snprintf(limit, sizeof(limit), "%lld", (long long)lim->max_file_bytes);
            form_fail(form, 413, lim->file_field, "images: a file is larger than %s bytes", limit);
            return MG_FORM_FIELD_HANDLE_ABORT;
        }
        size_t off = 0;
        while (off < valuelen) {
            ssize_t n = write(form->fd, value + off, valuelen - off);
            if (n < 0 && errno == EINTR)
                continue;
            if (n <= 0) {
                form_fail(form, 500, NULL, "could not store the upload: %s", strerror(errno));
                return MG_FORM_FIELD_HANDLE_ABORT;
            }
            off += (size_t)n;
        }
        f->bytes += (int64_t)valuelen;
        return MG_FORM_FIELD_HANDLE_GET;
    }
    form_field_t *fld = form->cur;
    if (!fld)
        return MG_FORM_FIELD_HANDLE_NEXT;
    if (fld->len + valuelen > lim->max_field_bytes) {
        char what[200];
        snprintf(what, sizeof(what), "%.64s: larger than %zu bytes", fld->name,
                 lim->max_field_bytes);
        form_fail(form, 413, fld->name, "%s", what);
        return MG_FORM_FIELD_HANDLE_ABORT;
    }
    fld->value = xrealloc(fld->value, fld->len + valuelen + 1);
    memcpy(fld->value + fld->len, value, valuelen);
    fld->len += valuelen;
    fld->value[fld->len] = '\0';
    return MG_FORM_FIELD_HANDLE_GET;
}

static int on_field_store(const char *path, long long file_size, void *user_data)
{
    (void)path;
    (void)file_size;
    (void)user_data;
    return MG_FORM_FIELD_HANDLE_NEXT; /* never used: everything is read through field_get */
}

/* Reads and discards the rest of a body that was refused midway (at most cap bytes), so
 * the client is not reset while it still sends and does see the answer. */
static void form_drain(http_request_t *req, int64_t cap)
{
    char buf[8192];
    int64_t total = 0;
    int n;
    while (total < cap && !http_body_late(req) && (n = mg_read(req->conn, buf, sizeof(buf))) > 0)
        total += n;
}

/* application/x-www-form-urlencoded, parsed here: civetweb 1.15's own parser overflows a
 * buffer on long fields (glibc's fortify aborts the process). Bodies of this type carry no
 * files, so they are small: read whole within max_body. */
static int form_read_urlencoded(http_request_t *req, form_t *form)
{
    const form_limits_t *lim = form->lim;
    char *body = NULL;
    size_t len = 0;
    size_t max = lim->max_fields * (lim->max_field_bytes * 3 + 64);
    int read_rc = http_read_body(req, max, &body, &len);
    if (read_rc == HTTP_BODY_TIMEOUT) {
        form_fail_late(form);
        return -1;
    }
    if (read_rc != 0) {
        char limit[32];
        snprintf(limit, sizeof(limit), "%zu", max);
        form_fail(form, 413, NULL, "request body larger than %s bytes", limit);
        return -1;
    }
    int rc = form_parse_urlencoded(form, body, len);
    free(body);
    return rc;
}

int form_parse_urlencoded(form_t *form, char *body, size_t len)
{
    const form_limits_t *lim = form->lim;
    char *p = body;
    while (p < body + len) {
        size_t plen = strcspn(p, "&");
        p[plen] = '\0';
        if (plen > 0) {
            char *eq = strchr(p, '=');
            size_t klen = eq ? (size_t)(eq - p) : plen;
            const char *val = eq ? eq + 1 : "";
            char key[128];
            if (mg_url_decode(p, (int)klen, key, (int)sizeof(key), 1) < 0) {
                form_fail(form, 422, NULL, "a form field name is longer than %s bytes", "127");
                return -1;
            }
            size_t vlen = strlen(val);
            char *value = xmalloc(vlen + 1);
            int n = mg_url_decode(val, (int)vlen, value, (int)vlen + 1, 1);
            if (n < 0 || (size_t)n > lim->max_field_bytes) {
                char what[200];
                snprintf(what, sizeof(what), "%.64s: larger than %zu bytes", key,
                         lim->max_field_bytes);
                free(value);
                form_fail(form, 413, key, "%s", what);
                return -1;
            }
            for (size_t i = 0; i < form->nfields; i++) {
                if (strcmp(form->fields[i].name, key) == 0) {
                    free(value);
                    form_fail(form, 422, key, "%s: given more than once", key);
                    return -1;
                }
            }
            if (form->nfields >= lim->max_fields) {
                free(value);
                form_fail(form, 422, key, "too many form fields (at %s)", key);
                return -1;
            }
            form_field_t *fld = &form->fields[form->nfields++];
            fld->name = xstrdup(key);
            fld->value = value;
            fld->len = (size_t)n;
        }
        p += plen + 1;
    }
    return 0;
}

static long request_timeout_ms(const http_request_t *req)
{
    const char *v = mg_get_option(mg_get_context(req->conn), "request_timeout_ms");
    return v && *v ? atol(v) : 30000;
}

/* Time since the handler started (the body deadline is set from then). */
static long body_waited_ms(const http_request_t *req)
{
    int64_t start = req->body_deadline_us - (int64_t)req->body_timeout_ms * 1000;
    return (long)((util_now_us() - start) / 1000);
}

int form_read(http_request_t *req, const form_limits_t *lim, form_t *form)
{
    memset(form, 0, sizeof(*form));
    form->lim = lim;
    form->req = req;
    form->fd = -1;
    form->fields = xcalloc(lim->max_fields + 1, sizeof(*form->fields));
    form->files = xcalloc(lim->max_files + 1, sizeof(*form->files));

    long long declared = req->ri->content_length;
    if (declared > lim->max_body_bytes) {
        char limit[32];
        snprintf(limit, sizeof(limit), "%lld", (long long)lim->max_body_bytes);
        form_fail(form, 413, NULL, "request body larger than %s bytes", limit);
        req->close_after = true; /* the body stays unread */
        mg_disable_keep_alive(req->conn);
        return -1;
    }
    if (!req->continue_sent) {
        /* civetweb 1.15 does not answer "Expect: 100-continue" (curl would wait 1 s). */
        const char *expect = mg_get_header(req->conn, "Expect");
        if (expect && strcasecmp(expect, "100-continue") == 0)
            mg_write(req->conn, "HTTP/1.1 100 Continue\r\n\r\n", 25);
        req->continue_sent = true;
    }
    const char *ct = mg_get_header(req->conn, "Content-Type");
    while (ct && *ct == ' ')
        ct++;
    if (ct && strncasecmp(ct, "application/x-www-form-urlencoded", 33) == 0)
        return form_read_urlencoded(req, form);

    http_body_guard(req);
    struct mg_form_data_handler fdh = {
        .field_found = on_field_found,
        .field_get = on_field_get,
        .field_store = on_field_store,
        .user_data = form,
    };
    int n = mg_handle_form_request(req->conn, &fdh);
    file_close(form);
    if (form->status) {
        form_drain(req, lim->max_body_bytes);
        req->close_after = true;
        mg_disable_keep_alive(req->conn);
        return -1;
    }
    if (n < 0) {
        req->close_after = true;
        mg_disable_keep_alive(req->conn);
        /* civetweb's reads give up after request_timeout_ms without data: a body that
         * stopped arriving from a client still connected, not a malformed one */
        if (http_body_late(req) || body_waited_ms(req) >= request_timeout_ms(req))
            form_fail_late(form);
        else
            form_fail(form, 400, NULL, "%smalformed or truncated form body", "");
        return -1;
    }
    return 0;
}

const form_field_t *form_get(const form_t *form, const char *name)
{
    for (size_t i = 0; i < form->nfields; i++)
        if (strcmp(form->fields[i].name, name) == 0)
            return &form->fields[i];
    return NULL;
}

void form_free(form_t *form)
{
    if (!form)
        return;
    file_close(form);
    for (size_t i = 0; i < form->nfields; i++) {
        free(form->fields[i].name);
        free(form->fields[i].value);
    }
    for (size_t i = 0; i < form->nfiles; i++)
        if (form->files[i].path[0])
            unlink(form->files[i].path);
    free(form->fields);
    free(form->files);
    memset(form, 0, sizeof(*form));
    form->fd = -1;
}
