/* Configuration table loader (see config.h): environment first, then a `.env` file for the
 * variables the environment leaves unset, then the table's defaults. Values are parsed
 * strictly and a bad one is reported as "<VARIABLE>: <what is wrong>". */
#include "common/config.h"

#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "common/log.h"
#include "common/xmalloc.h"

/* One KEY=VALUE pair of the .env file; the list is short, a linear search is fine. */
typedef struct {
    char *key;
    char *value;
} dotenv_pair_t;

typedef struct {
    dotenv_pair_t *pairs;
    size_t n, cap;
} dotenv_t;

static void dotenv_free(dotenv_t *de)
{
    for (size_t i = 0; i < de->n; i++) {
        free(de->pairs[i].key);
        free(de->pairs[i].value);
    }
    free(de->pairs);
    memset(de, 0, sizeof(*de));
}

static const char *dotenv_get(const dotenv_t *de, const char *key)
{
    /* the last assignment wins, as when a shell sources the file */
    for (size_t i = de->n; i > 0; i--)
        if (strcmp(de->pairs[i - 1].key, key) == 0)
            return de->pairs[i - 1].value;
    return NULL;
}

static void dotenv_add(dotenv_t *de, const char *key, size_t key_len, char *value)
{
    if (de->n == de->cap) {
        de->cap = de->cap ? de->cap * 2 : 16;
        de->pairs = xrealloc(de->pairs, de->cap * sizeof(*de->pairs));
    }
    de->pairs[de->n].key = xstrndup(key, key_len);
    de->pairs[de->n].value = value;
    de->n++;
}

static int is_key_char(char c, bool first)
{
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '_' ||
           (!first && c >= '0' && c <= '9');
}

/* Parses the value part of one line (after '='). Returns a new string or NULL with errstr.
 * Single quotes are literal; double quotes know \" \\ \n; unquoted values end at " #". */
static char *dotenv_parse_value(const char *p, const char *where, char *errstr, size_t errstr_size)
{
    while (*p == ' ' || *p == '\t')
        p++;
    if (*p == '\'' || *p == '"') {
        char quote = *p++;
        size_t cap = strlen(p) + 1, n = 0;
        char *out = xmalloc(cap);
        for (; *p && *p != quote; p++) {
            if (quote == '"' && *p == '\\' && (p[1] == '"' || p[1] == '\\' || p[1] == 'n')) {
                p++;
                out[n++] = *p == 'n' ? '\n' : *p;
            } else {
                out[n++] = *p;
            }
        }
        out[n] = '\0';
        if (*p != quote) {
            snprintf(errstr, errstr_size, "%s: unterminated %c quote", where, quote);
            free(out);
            return NULL;
        }
        p++;
        while (*p == ' ' || *p == '\t' || *p == '\r')
            p++;
        if (*p != '\0' && *p != '#') {
            snprintf(errstr, errstr_size, "%s: unexpected text after the closing quote", where);
            free(out);
            return NULL;
        }
        return out;
    }
    const char *end = p;
    for (const char *q = p; *q; q++) {
        if (*q == '#' && (q == p || q[-1] == ' ' || q[-1] == '\t'))
            break;
        end = q + 1;
    }
    while (end > p && (end[-1] == ' ' || end[-1] == '\t' || end[-1] == '\r'))
        end--;
    return xstrndup(p, (size_t)(end - p));
}

/* Reads a .env file. A missing file is fine unless `must_exist`. Returns 0 or -1 (errstr). */
static int dotenv_read(const char *path, bool must_exist, dotenv_t *de, char *errstr,
                       size_t errstr_size)
{
    int rc = -1;
    char *line = NULL;
    size_t line_cap = 0;
    unsigned lineno = 0;
    FILE *f = fopen(path, "r");
    if (!f) {
        if (errno == ENOENT && !must_exist)
            return 0;
        snprintf(errstr, errstr_size, "%s: cannot open: %s", path, strerror(errno));
        return -1;
    }
    while (getline(&line, &line_cap, f) >= 0) {
        char where[300];
        lineno++;
        snprintf(where, sizeof(where), "%s:%u", path, lineno);
        char *p = line;
        p[strcspn(p, "\n")] = '\0';
        while (*p == ' ' || *p == '\t')
            p++;
        if (*p == '\0' || *p == '#' || *p == '\r')
            continue;
        if (strncmp(p, "export", 6) == 0 && (p[6] == ' ' || p[6] == '\t')) {
            p += 6;
            while (*p == ' ' || *p == '\t')
                p++;
        }
        const char *key = p;
        while (is_key_char(*p, p == key))
            p++;
        size_t key_len = (size_t)(p - key);
        while (*p == ' ' || *p == '\t')
            p++;
        if (key_len == 0 || *p != '=') {
            snprintf(errstr, errstr_size, "%s: expected KEY=VALUE", where);
            goto cleanup;
        }
        char *value = dotenv_parse_value(p + 1, where, errstr, errstr_size);
        if (!value)
            goto cleanup;
        dotenv_add(de, key, key_len, value);
    }
    if (ferror(f)) {
        snprintf(errstr, errstr_size, "%s: read error", path);
        goto cleanup;
    }
    rc = 0;
cleanup:
    free(line);
    fclose(f);
    return rc;
}

/* Strict whole-string parses: no leading blanks, no trailing junk. */
static int parse_ll(const char *s, long long *out)
{
    if (*s == '\0' || (*s != '-' && *s != '+' && (*s < '0' || *s > '9')))
        return -1;
    char *end = NULL;
    errno = 0;
    long long v = strtoll(s, &end, 10);
    if (*end != '\0')
        return -1;
    if (errno == ERANGE)
        return -2;
    *out = v;
    return 0;
}

static int parse_double(const char *s, double *out)
{
    if (*s == '\0' || (*s != '-' && *s != '+' && *s != '.' && (*s < '0' || *s > '9')))
        return -1;
    char *end = NULL;
    errno = 0;
    double v = strtod(s, &end);
    if (*end != '\0' || !isfinite(v) || errno == ERANGE)
        return -1;
    /* strtod accepts hex floats and "infinity"; only decimal notation is meant here */
    if (strpbrk(s, "xXnN"))
        return -1;
    *out = v;
    return 0;
}

static int parse_bool(const char *s, bool *out)
{
    static const char *const yes[] = {"1", "true", "yes", "on"};
    static const char *const no[] = {"0", "false", "no", "off"};
    for (size_t i = 0; i < 4; i++) {
        if (strcasecmp(s, yes[i]) == 0) {
            *out = true;
            return 0;
        }
        if (strcasecmp(s, no[i]) == 0) {
            *out = false;
            return 0;
        }
    }
    return -1;
}

/* Bounds apply unless min == max == 0. Returns 0 or -1 with the error text. */
static int check_bounds(const config_entry_t *e, double v, const char *raw, char *errstr,
                        size_t errstr_size)
{
    if (e->min == 0 && e->max == 0)
        return 0;
    if (v < e->min) {
        snprintf(errstr, errstr_size, "%s: %s is below the minimum %.15g", e->name, raw, e->min);
        return -1;
    }
    if (v > e->max) {
        snprintf(errstr, errstr_size, "%s: %s is above the maximum %.15g", e->name, raw, e->max);
        return -1;
    }
    return 0;
}

/* Stores one raw value into its field. Returns 0 or -1 (errstr). */
static int config_store(const config_entry_t *e, const char *raw, void *out, char *errstr,
                        size_t errstr_size)
{
    char *field = (char *)out + e->offset;
    switch (e->type) {
    case CONFIG_STRING:
    case CONFIG_SECRET: {
        char **dst = (char **)(void *)field;
        free(*dst);
        *dst = xstrdup(raw);
        return 0;
    }
    case CONFIG_INT: {
        long long v = 0;
        int prc = parse_ll(raw, &v);
        if (prc == -1) {
            snprintf(errstr, errstr_size, "%s: '%s' is not a whole number", e->name, raw);
            return -1;
        }
        if (prc == -2) {
            snprintf(errstr, errstr_size, "%s: %s is out of range", e->name, raw);
            return -1;
        }
        if (check_bounds(e, (double)v, raw, errstr, errstr_size) < 0)
            return -1;
        memcpy(field, &v, sizeof(v));
        return 0;
    }
    case CONFIG_DOUBLE: {
        double v = 0;
        if (parse_double(raw, &v) < 0) {
            snprintf(errstr, errstr_size, "%s: '%s' is not a number", e->name, raw);
            return -1;
        }
        if (check_bounds(e, v, raw, errstr, errstr_size) < 0)
            return -1;
        memcpy(field, &v, sizeof(v));
        return 0;
    }
    case CONFIG_BOOL: {
        bool v = false;
        if (parse_bool(raw, &v) < 0) {
            snprintf(errstr, errstr_size,
                     "%s: '%s' is not a boolean (use true/false, yes/no, on/off or 1/0)", e->name,
                     raw);
            return -1;
        }
        memcpy(field, &v, sizeof(v));
        return 0;
    }
    }
    snprintf(errstr, errstr_size, "%s: unknown config type %d", e->name, (int)e->type);
    return -1;
}

int config_load(const config_entry_t *table, size_t n, void *out, const char *dotenv_path,
                char *errstr, size_t errstr_size)
{
    int rc = -1;
    dotenv_t de = {0};
    if (dotenv_read(dotenv_path ? dotenv_path : ".env", false, &de, errstr, errstr_size) < 0)
        goto cleanup;
    for (size_t i = 0; i < n; i++) {
        const config_entry_t *e = &table[i];
        /* an empty variable counts as unset: `FOO=` in a compose file means "no value" */
        const char *raw = getenv(e->name);
        if (!raw || !*raw)
            raw = dotenv_get(&de, e->name);
        if (!raw || !*raw)
            raw = e->default_value;
        if (!raw) {
            if (e->required) {
                snprintf(errstr, errstr_size, "%s: required but not set", e->name);
                goto cleanup;
            }
            continue;
        }
        if (config_store(e, raw, out, errstr, errstr_size) < 0)
            goto cleanup;
    }
    /* KAFKA_* pass through to librdkafka from the environment (kafka.c reads environ); a
     * .env file must be able to set them too. Start-up is single-threaded, so setenv is safe. */
    for (size_t i = 0; i < de.n; i++)
        if (strncmp(de.pairs[i].key, "KAFKA_", 6) == 0 && *de.pairs[i].value)
            setenv(de.pairs[i].key, de.pairs[i].value, 0);
    rc = 0;
cleanup:
    dotenv_free(&de);
    return rc;
}

void config_free(const config_entry_t *table, size_t n, void *out)
{
    if (!out)
        return;
    for (size_t i = 0; i < n; i++) {
        if (table[i].type != CONFIG_STRING && table[i].type != CONFIG_SECRET)
            continue;
        char **dst = (char **)(void *)((char *)out + table[i].offset);
        free(*dst);
        *dst = NULL;
    }
}

/* A URL such as postgresql://user:secret@host/db keeps its password out of the logs even when
 * its variable is a plain STRING. Returns s itself or buf. */
static const char *mask_url_password(const char *s, char *buf, size_t size)
{
    if (!s)
        return "";
    const char *scheme = strstr(s, "://");
    if (!scheme)
        return s;
    const char *user = scheme + 3;
    const char *at = strchr(user, '@');
    const char *colon = strchr(user, ':');
    const char *slash = strchr(user, '/');
    if (!at || !colon || colon > at || (slash && slash < at))
        return s;
    snprintf(buf, size, "%.*s:***%s", (int)(colon - s), s, at);
    return buf;
}

void config_log(const config_entry_t *table, size_t n, const void *out)
{
    for (size_t i = 0; i < n; i++) {
        const config_entry_t *e = &table[i];
        const char *field = (const char *)out + e->offset;
        switch (e->type) {
        case CONFIG_STRING: {
            const char *s = *(char *const *)(const void *)field;
            char masked[512];
            LOG_INFO("config %s=%s", e->name, mask_url_password(s, masked, sizeof(masked)));
            break;
        }
        case CONFIG_SECRET: {
            const char *s = *(char *const *)(const void *)field;
            LOG_INFO("config %s=%s", e->name, s && *s ? "***" : "");
            break;
        }
        case CONFIG_INT: {
            long long v;
            memcpy(&v, field, sizeof(v));
            LOG_INFO("config %s=%lld", e->name, v);
            break;
        }
        case CONFIG_DOUBLE: {
            double v;
            memcpy(&v, field, sizeof(v));
            LOG_INFO("config %s=%g", e->name, v);
            break;
        }
        case CONFIG_BOOL: {
            bool v;
            memcpy(&v, field, sizeof(v));
            LOG_INFO("config %s=%s", e->name, v ? "true" : "false");
            break;
        }
        }
    }
}

void config_write_example(const char *service, const config_entry_t *table, size_t n, FILE *out)
{
    fprintf(out, "# ---- %s ----\n", service);
    for (size_t i = 0; i < n; i++) {
        const config_entry_t *e = &table[i];
        fprintf(out, "# %s%s\n", e->help ? e->help : "", e->required ? " (required)" : "");
        if (e->type == CONFIG_INT || e->type == CONFIG_DOUBLE) {
            if (e->min != 0 || e->max != 0)
                fprintf(out, "# range: %g to %g\n", e->min, e->max);
        }
        /* Every line is commented out: the defaults are built in, and several services share
         * one .env, where a per-service key (HEALTH_PORT) must not be set for all of them. */
        fprintf(out, "#%s=%s\n\n", e->name, e->default_value ? e->default_value : "");
    }
}
