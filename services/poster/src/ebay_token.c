/* The token file of an eBay account (see ebay_token.h). */
#include "ebay_token.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "common/event.h"
#include "common/xmalloc.h"

/* A token file is a few hundred bytes; anything much larger is not ours. */
#define TOKEN_FILE_MAX 65536

int ebay_token_path(const char *profile_root, int64_t account_id, char *out, size_t size)
{
    int n = snprintf(out, size, "%s/ebay-%lld/oauth.json", profile_root, (long long)account_id);
    return n < 0 || (size_t)n >= size ? -1 : 0;
}

void ebay_token_free(ebay_token_t *t)
{
    if (!t)
        return;
    free(t->refresh_token);
    free(t->access_token);
    free(t->env);
    memset(t, 0, sizeof(*t));
}

/* Reads a whole small file into a new NUL-terminated buffer. Returns NULL with errno. */
static char *read_small(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    char *buf = xmalloc(TOKEN_FILE_MAX + 1);
    size_t n = fread(buf, 1, TOKEN_FILE_MAX + 1, f);
    int bad = ferror(f) || n > TOKEN_FILE_MAX;
    fclose(f);
    if (bad) {
        free(buf);
        errno = EFBIG;
        return NULL;
    }
    buf[n] = '\0';
    return buf;
}

ebay_token_status_t ebay_token_load(const char *path, ebay_token_t *t, char *errstr,
                                    size_t errstr_size)
{
    memset(t, 0, sizeof(*t));
    char *text = read_small(path);
    if (!text) {
        if (errno == ENOENT)
            return EBAY_TOKEN_MISSING;
        snprintf(errstr, errstr_size, "%s: %s", path, strerror(errno));
        return EBAY_TOKEN_ERROR;
    }
    cJSON *root = cJSON_Parse(text);
    free(text);
    char err[256];
    if (!cJSON_IsObject(root)) {
        snprintf(errstr, errstr_size, "%s: not a JSON object", path);
        goto fail;
    }
    if (ev_get_string(root, "refresh_token", true, &t->refresh_token, err, sizeof(err)) != 0 ||
        ev_get_int64(root, "refresh_token_expires_at", false, &t->refresh_expires_at, err,
                     sizeof(err)) != 0 ||
        ev_get_string(root, "access_token", false, &t->access_token, err, sizeof(err)) != 0 ||
        ev_get_int64(root, "access_token_expires_at", false, &t->access_expires_at, err,
                     sizeof(err)) != 0 ||
        ev_get_string(root, "env", false, &t->env, err, sizeof(err)) != 0) {
        snprintf(errstr, errstr_size, "%s: %s", path, err);
        goto fail;
    }
    cJSON_Delete(root);
    return EBAY_TOKEN_OK;
fail:
    cJSON_Delete(root);
    ebay_token_free(t);
    return EBAY_TOKEN_ERROR;
}

/* mkdir -p of the file's directory, 0700 (it holds credentials). Returns 0 or -1 (errno). */
static int make_parent(const char *path)
{
    char *dir = xstrdup(path);
    char *slash = strrchr(dir, '/');
    int rc = 0;
    if (slash && slash != dir) {
        *slash = '\0';
        for (char *p = dir + 1; *p && rc == 0; p++) {
            if (*p != '/')
                continue;
            *p = '\0';
            if (mkdir(dir, 0700) != 0 && errno != EEXIST)
                rc = -1;
            *p = '/';
        }
        if (rc == 0 && mkdir(dir, 0700) != 0 && errno != EEXIST)
            rc = -1;
    }
    free(dir);
    return rc;
}

static int write_all(int fd, const char *s, size_t len)
{
    while (len > 0) {
        ssize_t w = write(fd, s, len);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return -1;
        s += w;
        len -= (size_t)w;
    }
    return 0;
}

static char *token_json(const ebay_token_t *t)
{
    cJSON *root = cJSON_CreateObject();
    ev_add_string(root, "refresh_token", t->refresh_token);
    ev_add_int64(root, "refresh_token_expires_at", t->refresh_expires_at, true);
    ev_add_string(root, "access_token", t->access_token);
    ev_add_int64(root, "access_token_expires_at", t->access_expires_at, true);
    ev_add_string(root, "env", t->env);
    char *json = cJSON_Print(root);
    cJSON_Delete(root);
    return json;
}

int ebay_token_save(const char *path, const ebay_token_t *t, char *errstr, size_t errstr_size)
{
    char *json = token_json(t);
    char *tmp = xasprintf("%s.tmp-%ld", path, (long)getpid());
    int fd = -1, rc = -1;
    if (!json) {
        snprintf(errstr, errstr_size, "%s: could not encode the tokens", path);
        goto cleanup;
    }
    if (make_parent(path) != 0) {
        snprintf(errstr, errstr_size, "%s: cannot create its directory: %s", path, strerror(errno));
        goto cleanup;
    }
    fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fd < 0 || fchmod(fd, 0600) != 0 || write_all(fd, json, strlen(json)) != 0 ||
        write_all(fd, "\n", 1) != 0 || fsync(fd) != 0) {
        snprintf(errstr, errstr_size, "%s: %s", tmp, strerror(errno));
        goto cleanup;
    }
    if (close(fd) != 0) {
        fd = -1;
        snprintf(errstr, errstr_size, "%s: %s", tmp, strerror(errno));
        goto cleanup;
    }
    fd = -1;
    if (rename(tmp, path) != 0) {
        snprintf(errstr, errstr_size, "%s: %s", path, strerror(errno));
        goto cleanup;
    }
    rc = 0;
cleanup:
    if (fd >= 0)
        close(fd);
    if (rc != 0)
        unlink(tmp);
    free(tmp);
    cJSON_free(json);
    return rc;
}

int ebay_token_parse_grant(const char *body, int64_t now_s, ebay_token_t *t, char *errstr,
                           size_t errstr_size)
{
    cJSON *root = cJSON_Parse(body ? body : "");
    char *access = NULL, *refresh = NULL;
    int64_t expires_in = 0, refresh_in = 0;
    char err[256];
    int rc = -1;
    if (!cJSON_IsObject(root)) {
        snprintf(errstr, errstr_size, "the token endpoint's answer is not a JSON object");
        goto cleanup;
    }
    if (ev_get_string(root, "access_token", true, &access, err, sizeof(err)) != 0 ||
        ev_get_int64(root, "expires_in", true, &expires_in, err, sizeof(err)) != 0 ||
        ev_get_string(root, "refresh_token", false, &refresh, err, sizeof(err)) != 0 ||
        ev_get_int64(root, "refresh_token_expires_in", false, &refresh_in, err, sizeof(err)) != 0) {
        snprintf(errstr, errstr_size, "the token endpoint's answer: %s", err);
        goto cleanup;
    }
    if (!*access || expires_in <= 0) {
        snprintf(errstr, errstr_size, "the token endpoint gave an empty or expired token");
        goto cleanup;
    }
    free(t->access_token);
    t->access_token = access;
    access = NULL;
    t->access_expires_at = now_s + expires_in;
    if (refresh && *refresh) {
        free(t->refresh_token);
        t->refresh_token = refresh;
        refresh = NULL;
        t->refresh_expires_at = refresh_in > 0 ? now_s + refresh_in : 0;
    }
    rc = 0;
cleanup:
    free(access);
    free(refresh);
    cJSON_Delete(root);
    return rc;
}

bool ebay_token_fresh(const ebay_token_t *t, int64_t now_s)
{
    return t->access_token && *t->access_token &&
           t->access_expires_at - EBAY_TOKEN_MARGIN_S > now_s;
}

bool ebay_token_refresh_expired(const ebay_token_t *t, int64_t now_s)
{
    return t->refresh_expires_at > 0 && t->refresh_expires_at <= now_s;
}
