/* Recipe files and the set of them: reading, the top-level fields, login detection and the
 * list of steps (each parsed by recipe_step.c). The rest of a recipe's work lives beside it:
 * recipe_xpath.c (selectors), recipe_template.c (templates), recipe_match.c (fuzzy matching).
 * See recipe.h and services/poster/recipes/README.md for the format. */
#include "browser/recipe.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/json_check.h"
#include "common/xmalloc.h"
#include "recipe_parse.h"

#define MAX_RECIPE_BYTES (1024 * 1024)
#define MAX_STEPS 200

/* Top-level string field; *out NULL when absent. */
static int top_string(const cJSON *root, const char *field, const char *file, char **out,
                      char *errstr, size_t errstr_size)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(root, field);
    *out = NULL;
    if (!v)
        return 0;
    if (!cJSON_IsString(v) || !v->valuestring[0]) {
        snprintf(errstr, errstr_size, "%s: %s: must be a non-empty string", file, field);
        return -1;
    }
    *out = xstrdup(v->valuestring);
    return 0;
}

static const char *const top_keys[] = {"platform",    "description",  "base_url", "base_url_env",
                                       "login_url",   "price_format", "maps",     "login_detect",
                                       "steps",       "$comment",     "delist",   "update",
                                       "stop_detect", "error_text",   "renew",    NULL};

static int parse_login_detect(recipe_t *r, const cJSON *ld, const char *file, char *errstr,
                              size_t errstr_size)
{
    if (!ld)
        return 0;
    if (!cJSON_IsObject(ld)) {
        snprintf(errstr, errstr_size, "%s: login_detect: must be an object", file);
        return -1;
    }
    for (const cJSON *it = ld->child; it; it = it->next) {
        if (strcmp(it->string, "url_contains") != 0 && strcmp(it->string, "selectors") != 0 &&
            strcmp(it->string, "hint") != 0) {
            snprintf(errstr, errstr_size,
                     "%s: login_detect: unknown field \"%s\" (url_contains, selectors, hint)", file,
                     it->string);
            return -1;
        }
    }
    step_ctx_t sc = {.r = r,
                     .file = file,
                     .index = 0,
                     .kind = "login_detect",
                     .errstr = errstr,
                     .errstr_size = errstr_size};
    if (recipe_string_list_get(&sc, ld, "url_contains", &r->login_url_contains,
                               &r->nlogin_url_contains) != 0) {
        snprintf(errstr, errstr_size,
                 "%s: login_detect: url_contains: must be a string or a "
                 "non-empty array of strings",
                 file);
        return -1;
    }
    const cJSON *sels = cJSON_GetObjectItemCaseSensitive(ld, "selectors");
    if (sels) {
        if (!cJSON_IsArray(sels)) {
            snprintf(errstr, errstr_size, "%s: login_detect: selectors: must be an array", file);
            return -1;
        }
        size_t n = (size_t)cJSON_GetArraySize(sels);
        r->login_selectors = xcalloc(n ? n : 1, sizeof(recipe_selector_t));
        const cJSON *it;
        cJSON_ArrayForEach(it, sels)
        {
            char err[256];
            if (recipe_selector_compile(it, &r->login_selectors[r->nlogin_selectors], err,
                                        sizeof(err)) != 0) {
                snprintf(errstr, errstr_size, "%s: login_detect: selectors[%zu]: %s", file,
                         r->nlogin_selectors, err);
                return -1;
            }
            r->nlogin_selectors++;
        }
    }
    const cJSON *hint = cJSON_GetObjectItemCaseSensitive(ld, "hint");
    if (hint) {
        if (!cJSON_IsString(hint)) {
            snprintf(errstr, errstr_size, "%s: login_detect: hint: must be a string", file);
            return -1;
        }
        r->login_hint = xstrdup(hint->valuestring);
    }
    return 0;
}

/* "stop_detect": [{<selector>, "code": "blocked"|"limit_reached", "remedy": "..."}, ...]: pages
 * that end a job though they are no login wall. */
static int parse_stop_detect(recipe_t *r, const cJSON *sd, const char *file, char *errstr,
                             size_t errstr_size)
{
    if (!sd)
        return 0;
    if (!cJSON_IsArray(sd) || cJSON_GetArraySize(sd) == 0) {
        snprintf(errstr, errstr_size, "%s: stop_detect: must be a non-empty array", file);
        return -1;
    }
    r->stops = xcalloc((size_t)cJSON_GetArraySize(sd), sizeof(recipe_stop_t));
    const cJSON *it;
    cJSON_ArrayForEach(it, sd)
    {
        size_t i = r->nstops;
        const cJSON *code = cJSON_GetObjectItemCaseSensitive(it, "code");
        const cJSON *remedy = cJSON_GetObjectItemCaseSensitive(it, "remedy");
        if (!cJSON_IsString(code) || (strcmp(code->valuestring, "blocked") != 0 &&
                                      strcmp(code->valuestring, "limit_reached") != 0)) {
            snprintf(errstr, errstr_size,
                     "%s: stop_detect[%zu]: code: must be \"blocked\" or \"limit_reached\"", file,
                     i);
            return -1;
        }
        if (!cJSON_IsString(remedy) || !remedy->valuestring[0]) {
            snprintf(errstr, errstr_size,
                     "%s: stop_detect[%zu]: remedy: say what the user can do (a non-empty string)",
                     file, i);
            return -1;
        }
        cJSON *sel = cJSON_Duplicate(it, true);
        cJSON_DeleteItemFromObjectCaseSensitive(sel, "code");
        cJSON_DeleteItemFromObjectCaseSensitive(sel, "remedy");
        char err[256];
        int rc = recipe_selector_compile(sel, &r->stops[i].sel, err, sizeof(err));
        cJSON_Delete(sel);
        if (rc != 0) {
            snprintf(errstr, errstr_size, "%s: stop_detect[%zu]: %s", file, i, err);
            return -1;
        }
        snprintf(r->stops[i].code, sizeof(r->stops[i].code), "%s", code->valuestring);
        r->stops[i].remedy = xstrdup(remedy->valuestring);
        r->nstops++;
    }
    return 0;
}

#define RECIPE_ERROR_TEXT_MAX 8

/* "error_text": ["[role=alert]", ...], 1..8 non-empty CSS selectors. */
static int parse_error_text(recipe_t *r, const cJSON *et, const char *file, char *errstr,
                            size_t errstr_size)
{
    if (!et)
        return 0;
    int n = cJSON_GetArraySize(et);
    if (!cJSON_IsArray(et) || n < 1 || n > RECIPE_ERROR_TEXT_MAX) {
        snprintf(errstr, errstr_size, "%s: error_text: must be an array of 1 to %d CSS selectors",
                 file, RECIPE_ERROR_TEXT_MAX);
        return -1;
    }
    r->error_text = xcalloc((size_t)n, sizeof(*r->error_text));
    const cJSON *it;
    cJSON_ArrayForEach(it, et)
    {
        if (!cJSON_IsString(it) || !it->valuestring[0]) {
            snprintf(errstr, errstr_size, "%s: error_text[%zu]: must be a non-empty string", file,
                     r->nerror_text);
            return -1;
        }
        r->error_text[r->nerror_text++] = xstrdup(it->valuestring);
    }
    return 0;
}

/* "maps": {"name": {"value": "shown", ...}, ...}, kept as given. */
static int parse_maps(recipe_t *r, const cJSON *maps, const char *file, char *errstr,
                      size_t errstr_size)
{
    if (!maps)
        return 0;
    if (!cJSON_IsObject(maps)) {
        snprintf(errstr, errstr_size, "%s: maps: must be an object of objects", file);
        return -1;
    }
    for (const cJSON *m = maps->child; m; m = m->next) {
        if (!cJSON_IsObject(m)) {
            snprintf(errstr, errstr_size, "%s: maps.%s: must be an object of strings", file,
                     m->string);
            return -1;
        }
        for (const cJSON *e = m->child; e; e = e->next) {
            if (!cJSON_IsString(e) && !(cJSON_IsNull(e) && strcmp(e->string, "*") == 0)) {
                snprintf(errstr, errstr_size,
                         "%s: maps.%s.%s: must be a string (only \"*\" may be null: pass "
                         "unmapped values as they are)",
                         file, m->string, e->string);
                return -1;
            }
        }
    }
    r->maps = cJSON_Duplicate(maps, true);
    return 0;
}

int recipe_parse_steps(recipe_t *r, const cJSON *steps, const char *where, recipe_step_t **out,
                       size_t *nout, char *errstr, size_t errstr_size)
{
    if (!cJSON_IsArray(steps) || cJSON_GetArraySize(steps) == 0) {
        snprintf(errstr, errstr_size, "%s: steps: must be a non-empty array", where);
        return -1;
    }
    size_t n = (size_t)cJSON_GetArraySize(steps);
    if (n > MAX_STEPS) {
        snprintf(errstr, errstr_size, "%s: steps: at most %d steps", where, MAX_STEPS);
        return -1;
    }
    *out = xcalloc(n, sizeof(recipe_step_t));
    const cJSON *step;
    cJSON_ArrayForEach(step, steps)
    {
        step_ctx_t sc = {
            .r = r, .file = where, .index = *nout, .errstr = errstr, .errstr_size = errstr_size};
        int rc = recipe_step_parse(&sc, step, &(*out)[*nout]);
        (*nout)++; /* counted even on failure, so recipe_free releases its parts */
        if (rc != 0)
            return -1;
    }
    return 0;
}

cJSON *recipe_parse_head(recipe_t *r, const char *const *keys, const char *json, size_t len,
                         char *errstr, size_t errstr_size)
{
    const char *file = recipe_file_name(r);
    size_t bad_at;
    char why[64];
    if (json_check(json, len, JSON_MAX_DEPTH, &bad_at, why, sizeof(why)) != 0) {
        snprintf(errstr, errstr_size, "%s: %s at byte %zu", file, why, bad_at);
        return NULL;
    }
    cJSON *root = cJSON_ParseWithLength(json, len);
    if (!root) {
        const char *at = cJSON_GetErrorPtr();
        long off = at && at >= json && at <= json + len ? (long)(at - json) : -1;
        snprintf(errstr, errstr_size, "%s: not valid JSON (near byte %ld)", file, off);
        return NULL;
    }
    if (!cJSON_IsObject(root)) {
        snprintf(errstr, errstr_size, "%s: must be a JSON object", file);
        goto fail;
    }
    for (const cJSON *it = root->child; it; it = it->next) {
        bool known = false;
        for (size_t i = 0; keys[i]; i++)
            if (strcmp(keys[i], it->string) == 0)
                known = true;
        if (!known) {
            snprintf(errstr, errstr_size, "%s: unknown top-level field \"%s\"", file, it->string);
            goto fail;
        }
    }
    const cJSON *pf = cJSON_GetObjectItemCaseSensitive(root, "platform");
    if (pf && (!cJSON_IsString(pf) || strcmp(pf->valuestring, r->platform) != 0)) {
        snprintf(errstr, errstr_size, "%s: platform: must equal the file name's \"%s\"", file,
                 r->platform);
        goto fail;
    }
    if (top_string(root, "base_url", file, &r->base_url, errstr, errstr_size) != 0 ||
        top_string(root, "base_url_env", file, &r->base_url_env, errstr, errstr_size) != 0 ||
        top_string(root, "login_url", file, &r->login_url, errstr, errstr_size) != 0)
        goto fail;
    const cJSON *pfmt = cJSON_GetObjectItemCaseSensitive(root, "price_format");
    if (pfmt) {
        if (!cJSON_IsString(pfmt) || (strcmp(pfmt->valuestring, "whole") != 0 &&
                                      strcmp(pfmt->valuestring, "decimal") != 0)) {
            snprintf(errstr, errstr_size, "%s: price_format: must be \"whole\" or \"decimal\"",
                     file);
            goto fail;
        }
        r->price_whole = strcmp(pfmt->valuestring, "whole") == 0;
    }
    if (parse_maps(r, cJSON_GetObjectItemCaseSensitive(root, "maps"), file, errstr, errstr_size) !=
        0)
        goto fail;
    if (r->login_url) {
        char err[256];
        if (recipe_template_check(r, r->login_url, err, sizeof(err)) != 0) {
            snprintf(errstr, errstr_size, "%s: login_url: %s", file, err);
            goto fail;
        }
    }
    if (parse_login_detect(r, cJSON_GetObjectItemCaseSensitive(root, "login_detect"), file, errstr,
                           errstr_size) != 0 ||
        parse_stop_detect(r, cJSON_GetObjectItemCaseSensitive(root, "stop_detect"), file, errstr,
                          errstr_size) != 0 ||
        parse_error_text(r, cJSON_GetObjectItemCaseSensitive(root, "error_text"), file, errstr,
                         errstr_size) != 0)
        goto fail;
    return root;
fail:
    cJSON_Delete(root);
    return NULL;
}

const char *recipe_file_name(const recipe_t *r)
{
    return strrchr(r->path, '/') ? strrchr(r->path, '/') + 1 : r->path;
}

recipe_t *recipe_parse(const char *platform, const char *path, const char *json, size_t len,
                       char *errstr, size_t errstr_size)
{
    recipe_t *r = xcalloc(1, sizeof(*r));
    r->kind = RECIPE_POSTING;
    r->platform = xstrdup(platform);
    r->path = xstrdup(path);
    const char *file = recipe_file_name(r);
    cJSON *root = recipe_parse_head(r, top_keys, json, len, errstr, errstr_size);
    if (!root)
        goto fail;
    recipe_section_begin(r, RECIPE_SCOPE_LISTING);
    if (recipe_parse_steps(r, cJSON_GetObjectItemCaseSensitive(root, "steps"), file, &r->steps,
                           &r->nsteps, errstr, errstr_size) != 0)
        goto fail;
    recipe_section_begin(r, 0);
    bool reads_url = false;
    for (size_t i = 0; i < r->nsteps; i++)
        if (r->steps[i].kind == STEP_READ_URL ||
            (r->steps[i].kind == STEP_FIND_EXISTING && r->steps[i].required))
            reads_url = true;
    if (!reads_url) {
        snprintf(errstr, errstr_size,
                 "%s: steps: no read_url (or required find_existing) step: "
                 "a recipe must read back the listing's URL",
                 file);
        goto fail;
    }
    if (recipe_parse_delist(r, cJSON_GetObjectItemCaseSensitive(root, "delist"), errstr,
                            errstr_size) != 0 ||
        recipe_parse_renew(r, cJSON_GetObjectItemCaseSensitive(root, "renew"), errstr,
                           errstr_size) != 0 ||
        recipe_parse_update(r, cJSON_GetObjectItemCaseSensitive(root, "update"), errstr,
                            errstr_size) != 0)
        goto fail;
    recipe_section_begin(r, 0);
    cJSON_Delete(root);
    return r;

fail:
    cJSON_Delete(root);
    recipe_free(r);
    return NULL;
}

void recipe_free(recipe_t *r)
{
    if (!r)
        return;
    free(r->platform);
    free(r->path);
    free(r->base_url);
    free(r->base_url_env);
    free(r->login_url);
    cJSON_Delete(r->maps);
    recipe_string_list_free(r->login_url_contains, r->nlogin_url_contains);
    for (size_t i = 0; i < r->nlogin_selectors; i++)
        recipe_selector_free(&r->login_selectors[i]);
    free(r->login_selectors);
    free(r->login_hint);
    for (size_t i = 0; i < r->nstops; i++) {
        recipe_selector_free(&r->stops[i].sel);
        free(r->stops[i].remedy);
    }
    free(r->stops);
    for (size_t i = 0; i < r->nerror_text; i++)
        free(r->error_text[i]);
    free(r->error_text);
    for (size_t i = 0; i < r->nsteps; i++)
        recipe_step_free(&r->steps[i]);
    free(r->steps);
    recipe_inbox_free(r->inbox);
    recipe_delist_free(r->delist);
    recipe_update_free(r->update);
    recipe_renew_free(r->renew);
    recipe_section_begin(r, 0);
    free(r);
}

/* Reads a whole file (at most max bytes) into a new NUL-terminated buffer. */
static char *read_file(const char *path, size_t max, size_t *len, char *errstr, size_t errstr_size)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        snprintf(errstr, errstr_size, "%s: %s", path, strerror(errno));
        return NULL;
    }
    char *buf = xmalloc(max + 1);
    size_t n = fread(buf, 1, max + 1, f);
    bool err = ferror(f);
    fclose(f);
    if (err || n > max) {
        snprintf(errstr, errstr_size, "%s: %s", path,
                 err ? "read error" : "too large (limit 1 MiB)");
        free(buf);
        return NULL;
    }
    buf[n] = '\0';
    *len = n;
    return buf;
}

static int name_cmp(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

int recipe_set_load(const char *dir, recipe_set_t *set, char *errstr, size_t errstr_size)
{
    return recipe_set_load_kind(dir, RECIPE_POSTING, "RECIPES_DIR", set, errstr, errstr_size);
}

int recipe_set_load_kind(const char *dir, recipe_kind_t kind, const char *what, recipe_set_t *set,
                         char *errstr, size_t errstr_size)
{
    memset(set, 0, sizeof(*set));
    int rc = -1;
    char **names = NULL;
    size_t nnames = 0;
    DIR *d = opendir(dir);
    if (!d) {
        snprintf(errstr, errstr_size, "%s %s: %s", what, dir, strerror(errno));
        return -1;
    }
    struct dirent *de;
    while ((de = readdir(d)) != NULL) {
        size_t l = strlen(de->d_name);
        if (l > 5 && strcmp(de->d_name + l - 5, ".json") == 0 && de->d_name[0] != '.') {
            names = xrealloc(names, (nnames + 1) * sizeof(char *));
            names[nnames++] = xstrdup(de->d_name);
        }
    }
    closedir(d);
    if (nnames == 0) {
        snprintf(errstr, errstr_size, "%s %s: no *.json recipe", what, dir);
        goto cleanup;
    }
    qsort(names, nnames, sizeof(char *), name_cmp);
    set->items = xcalloc(nnames, sizeof(recipe_t *));
    for (size_t i = 0; i < nnames; i++) {
        char *path = xasprintf("%s/%s", dir, names[i]);
        char *platform = xstrndup(names[i], strlen(names[i]) - 5);
        size_t len = 0;
        char *json = read_file(path, MAX_RECIPE_BYTES, &len, errstr, errstr_size);
        recipe_t *r = NULL;
        if (json && kind == RECIPE_INBOX)
            r = recipe_parse_inbox(platform, path, json, len, errstr, errstr_size);
        else if (json)
            r = recipe_parse(platform, path, json, len, errstr, errstr_size);
        free(json);
        free(path);
        free(platform);
        if (!r)
            goto cleanup;
        if (r->base_url_env) {
            const char *env = getenv(r->base_url_env);
            if (env && *env) {
                free(r->base_url);
                r->base_url = xstrdup(env);
            }
        }
        /* "http://host/" + "/marketplace" would double the slash. */
        if (r->base_url) {
            size_t bl = strlen(r->base_url);
            while (bl > 0 && r->base_url[bl - 1] == '/')
                r->base_url[--bl] = '\0';
        }
        set->items[set->n++] = r;
    }
    rc = 0;

cleanup:
    for (size_t i = 0; i < nnames; i++)
        free(names[i]);
    free(names);
    if (rc != 0)
        recipe_set_free(set);
    return rc;
}

const recipe_t *recipe_set_find(const recipe_set_t *set, const char *platform)
{
    if (!platform)
        return NULL;
    for (size_t i = 0; i < set->n; i++)
        if (strcmp(set->items[i]->platform, platform) == 0)
            return set->items[i];
    return NULL;
}

void recipe_set_free(recipe_set_t *set)
{
    if (!set)
        return;
    for (size_t i = 0; i < set->n; i++)
        recipe_free(set->items[i]);
    free(set->items);
    memset(set, 0, sizeof(*set));
}
