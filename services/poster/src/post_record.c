/* Per-job records of what the poster published (see post_record.h). */
#include "post_record.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "common/util.h"
#include "common/xmalloc.h"

#define MAX_RECORD 16384

static char *record_dir(const post_record_key_t *k)
{
    return xasprintf("%s/posted/%s-%lld", k->work_dir, k->platform, (long long)k->account_id);
}

static char *record_path(const post_record_key_t *k)
{
    char *dir = record_dir(k);
    char *path = xasprintf("%s/job-%lld.json", dir, (long long)k->job_id);
    free(dir);
    return path;
}

/* mkdir -p for the two levels below work_dir. */
static int make_dirs(const post_record_key_t *k)
{
    char *top = xasprintf("%s/posted", k->work_dir);
    int rc = mkdir(top, 0700) == 0 || errno == EEXIST ? 0 : -1;
    free(top);
    char *dir = record_dir(k);
    if (rc == 0)
        rc = mkdir(dir, 0700) == 0 || errno == EEXIST ? 0 : -1;
    free(dir);
    return rc;
}

static cJSON *read_json(const char *path, bool *missing)
{
    *missing = false;
    FILE *f = fopen(path, "rb");
    if (!f) {
        *missing = errno == ENOENT;
        return NULL;
    }
    char *buf = xmalloc(MAX_RECORD + 1);
    size_t n = fread(buf, 1, MAX_RECORD, f);
    fclose(f);
    buf[n] = '\0';
    cJSON *root = cJSON_Parse(buf);
    free(buf);
    return root;
}

static char *string_of(const cJSON *root, const char *field)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(root, field);
    return cJSON_IsString(v) && v->valuestring[0] ? xstrdup(v->valuestring) : NULL;
}

int post_record_read(const post_record_key_t *k, post_record_t *out, char *errstr,
                     size_t errstr_size)
{
    memset(out, 0, sizeof(*out));
    char *path = record_path(k);
    bool missing = false;
    cJSON *root = read_json(path, &missing);
    if (!root) {
        if (!missing)
            snprintf(errstr, errstr_size, "the record %s cannot be read: %s", path,
                     errno ? strerror(errno) : "not JSON");
        free(path);
        return missing ? 0 : -1;
    }
    free(path);
    const cJSON *state = cJSON_GetObjectItemCaseSensitive(root, "state");
    out->found = true;
    out->posted = cJSON_IsString(state) && strcmp(state->valuestring, "posted") == 0;
    out->external_url = string_of(root, "external_url");
    out->external_id = string_of(root, "external_id");
    if (out->posted && !out->external_url)
        out->posted = false; /* a posted record without its URL tells nothing more */
    cJSON_Delete(root);
    return 0;
}

int post_record_write(const post_record_key_t *k, bool posted, const char *url, const char *id,
                      char *errstr, size_t errstr_size)
{
    if (make_dirs(k) != 0) {
        snprintf(errstr, errstr_size, "WORK_DIR/posted: %s", strerror(errno));
        return -1;
    }
    cJSON *root = cJSON_CreateObject();
    cJSON_AddNumberToObject(root, "job_id", (double)k->job_id);
    cJSON_AddStringToObject(root, "state", posted ? "posted" : "submitting");
    if (url)
        cJSON_AddStringToObject(root, "external_url", url);
    if (id)
        cJSON_AddStringToObject(root, "external_id", id);
    char at[32];
    util_time_rfc3339(at);
    cJSON_AddStringToObject(root, "at", at);
    char *text = cJSON_PrintUnformatted(root);
    cJSON_Delete(root);
    char *path = record_path(k);
    char *tmp = xasprintf("%s.tmp", path);
    int rc = -1;
    int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    size_t len = strlen(text);
    if (fd >= 0 && write(fd, text, len) == (ssize_t)len && fsync(fd) == 0 && close(fd) == 0) {
        fd = -1;
        rc = rename(tmp, path);
    }
    if (rc != 0)
        snprintf(errstr, errstr_size, "%s: %s", path, strerror(errno));
    if (fd >= 0)
        close(fd);
    if (rc != 0)
        unlink(tmp);
    free(tmp);
    free(path);
    free(text);
    return rc;
}

void post_record_known_urls(const post_record_key_t *k, char ***urls, size_t *n)
{
    *urls = NULL;
    *n = 0;
    char *dir = record_dir(k);
    DIR *d = opendir(dir);
    if (!d) {
        free(dir);
        return;
    }
    char mine[64];
    snprintf(mine, sizeof(mine), "job-%lld.json", (long long)k->job_id);
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        size_t len = strlen(e->d_name);
        if (strncmp(e->d_name, "job-", 4) != 0 || len < 5 ||
            strcmp(e->d_name + len - 5, ".json") != 0 || strcmp(e->d_name, mine) == 0)
            continue;
        char *path = xasprintf("%s/%s", dir, e->d_name);
        bool missing;
        cJSON *root = read_json(path, &missing);
        free(path);
        const cJSON *state = cJSON_GetObjectItemCaseSensitive(root, "state");
        char *url = string_of(root, "external_url");
        if (url && cJSON_IsString(state) && strcmp(state->valuestring, "posted") == 0) {
            *urls = xrealloc(*urls, (*n + 1) * sizeof(char *));
            (*urls)[(*n)++] = url;
        } else {
            free(url);
        }
        cJSON_Delete(root);
    }
    closedir(d);
    free(dir);
}

void post_record_free(post_record_t *r)
{
    if (!r)
        return;
    free(r->external_url);
    free(r->external_id);
    memset(r, 0, sizeof(*r));
}
