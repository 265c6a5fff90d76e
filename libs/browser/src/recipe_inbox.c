/* Inbox recipes (see recipe.h and recipes/inbox/README.md): the shared top-level fields, then
 * the sections list_threads, open_thread, send and verify, each with its steps and script.
 * Errors name the file and the section: "sandbox.json: verify: script: missing". */
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "browser/recipe.h"
#include "common/sbuf.h"
#include "common/xmalloc.h"
#include "recipe_parse.h"

#define MAX_SCRIPT_BYTES (256 * 1024)
#define DEFAULT_VERIFY_TIMEOUT_MS 15000

static const char *const inbox_keys[] = {
    "platform",     "description", "base_url", "base_url_env", "login_url", "maps", "login_detect",
    "list_threads", "open_thread", "send",     "verify",       "$comment",  NULL};

/* What each section holds. */
typedef struct {
    const char *name;
    size_t offset;    /* of its recipe_section_t in recipe_inbox_t */
    unsigned scope;   /* RECIPE_SCOPE_* its templates may use */
    bool steps;       /* "steps" required */
    bool script;      /* "script" required */
    const char *keys; /* allowed keys */
} section_spec_t;

static const section_spec_t sections[] = {
    {"list_threads", offsetof(recipe_inbox_t, list_threads), 0, true, true,
     " steps script $comment "},
    {"open_thread", offsetof(recipe_inbox_t, open_thread), RECIPE_SCOPE_THREAD, true, true,
     " url steps script not_found_selectors $comment "},
    {"send", offsetof(recipe_inbox_t, send), RECIPE_SCOPE_THREAD | RECIPE_SCOPE_MESSAGE, true,
     false, " steps $comment "},
    {"verify", offsetof(recipe_inbox_t, verify), RECIPE_SCOPE_THREAD | RECIPE_SCOPE_MESSAGE, false,
     true, " script timeout_ms error_selectors $comment "},
};

/* "script": a string, or an array of strings (lines, joined with "\n": JSON has no multi-line
 * strings). */
static int parse_script(const cJSON *v, const char *where, char **out, char *errstr,
                        size_t errstr_size)
{
    if (cJSON_IsString(v) && v->valuestring[0]) {
        *out = xstrdup(v->valuestring);
        return 0;
    }
    if (!cJSON_IsArray(v) || cJSON_GetArraySize(v) == 0) {
        snprintf(errstr, errstr_size,
                 "%s: script: must be a non-empty string or array of strings (lines)", where);
        return -1;
    }
    sbuf_t b = {0};
    size_t i = 0;
    const cJSON *line;
    cJSON_ArrayForEach(line, v)
    {
        if (!cJSON_IsString(line)) {
            snprintf(errstr, errstr_size, "%s: script[%zu]: must be a string", where, i);
            sbuf_free(&b);
            return -1;
        }
        sbuf_add(&b, line->valuestring);
        sbuf_add(&b, "\n");
        i++;
    }
    *out = sbuf_take(&b);
    if (strlen(*out) > MAX_SCRIPT_BYTES) {
        snprintf(errstr, errstr_size, "%s: script: longer than %d bytes", where, MAX_SCRIPT_BYTES);
        return -1;
    }
    return 0;
}

/* verify's "error_selectors", open_thread's "not_found_selectors": an array of selector
 * objects (recipe.h). */
static int parse_selectors(const cJSON *obj, const char *field, recipe_selector_t **out, size_t *n,
                           const char *where, char *errstr, size_t errstr_size)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, field);
    if (!v)
        return 0;
    if (!cJSON_IsArray(v) || cJSON_GetArraySize(v) == 0) {
        snprintf(errstr, errstr_size, "%s: %s: must be a non-empty array", where, field);
        return -1;
    }
    *out = xcalloc((size_t)cJSON_GetArraySize(v), sizeof(recipe_selector_t));
    const cJSON *it;
    cJSON_ArrayForEach(it, v)
    {
        char err[256];
        if (recipe_selector_compile(it, &(*out)[*n], err, sizeof(err)) != 0) {
            snprintf(errstr, errstr_size, "%s: %s[%zu]: %s", where, field, *n, err);
            return -1;
        }
        (*n)++;
    }
    return 0;
}

/* The fields of a section other than its steps: url (template), script, timeout_ms. */
static int parse_section_fields(recipe_t *r, const section_spec_t *spec, const cJSON *obj,
                                recipe_section_t *sec, const char *where, char *errstr,
                                size_t errstr_size)
{
    const cJSON *url = cJSON_GetObjectItemCaseSensitive(obj, "url");
    if (url) {
        char err[256];
        if (!cJSON_IsString(url) || !url->valuestring[0]) {
            snprintf(errstr, errstr_size, "%s: url: must be a non-empty string", where);
            return -1;
        }
        if (recipe_template_check(r, url->valuestring, err, sizeof(err)) != 0) {
            snprintf(errstr, errstr_size, "%s: url: %s", where, err);
            return -1;
        }
        sec->url = xstrdup(url->valuestring);
    }
    const cJSON *script = cJSON_GetObjectItemCaseSensitive(obj, "script");
    if (script && parse_script(script, where, &sec->script, errstr, errstr_size) != 0)
        return -1;
    if (spec->script && !script) {
        snprintf(errstr, errstr_size, "%s: script: missing", where);
        return -1;
    }
    if (parse_selectors(obj, "error_selectors", &sec->error_sels, &sec->nerror_sels, where, errstr,
                        errstr_size) != 0 ||
        parse_selectors(obj, "not_found_selectors", &sec->not_found_sels, &sec->nnot_found_sels,
                        where, errstr, errstr_size) != 0)
        return -1;
    const cJSON *t = cJSON_GetObjectItemCaseSensitive(obj, "timeout_ms");
    sec->timeout_ms = DEFAULT_VERIFY_TIMEOUT_MS;
    if (t) {
        if (!cJSON_IsNumber(t) || t->valuedouble < 100 || t->valuedouble > 600000) {
            snprintf(errstr, errstr_size, "%s: timeout_ms: must be a number from 100 to 600000",
                     where);
            return -1;
        }
        sec->timeout_ms = (int)t->valuedouble;
    }
    return 0;
}

static int parse_section(recipe_t *r, const section_spec_t *spec, const cJSON *root, char *errstr,
                         size_t errstr_size)
{
    char where[300];
    snprintf(where, sizeof(where), "%s: %s", recipe_file_name(r), spec->name);
    const cJSON *obj = cJSON_GetObjectItemCaseSensitive(root, spec->name);
    if (!obj) {
        snprintf(errstr, errstr_size,
                 "%s: missing (an inbox recipe has list_threads, "
                 "open_thread, send and verify)",
                 where);
        return -1;
    }
    if (!cJSON_IsObject(obj)) {
        snprintf(errstr, errstr_size, "%s: must be an object", where);
        return -1;
    }
    for (const cJSON *it = obj->child; it; it = it->next) {
        char probe[80];
        snprintf(probe, sizeof(probe), " %s ", it->string);
        if (!strstr(spec->keys, probe)) {
            snprintf(errstr, errstr_size, "%s: unknown field \"%s\" (allowed:%s)", where,
                     it->string, spec->keys);
            return -1;
        }
    }
    recipe_section_t *sec = (recipe_section_t *)((char *)r->inbox + spec->offset);
    r->tmpl_scope = spec->scope | RECIPE_SCOPE_SECTION;
    const cJSON *steps = cJSON_GetObjectItemCaseSensitive(obj, "steps");
    int rc = 0;
    if (steps || spec->steps)
        rc = recipe_parse_steps(r, steps, where, &sec->steps, &sec->nsteps, errstr, errstr_size);
    if (rc == 0)
        rc = parse_section_fields(r, spec, obj, sec, where, errstr, errstr_size);
    r->tmpl_scope = RECIPE_SCOPE_SECTION;
    return rc;
}

recipe_t *recipe_parse_inbox(const char *platform, const char *path, const char *json, size_t len,
                             char *errstr, size_t errstr_size)
{
    recipe_t *r = xcalloc(1, sizeof(*r));
    r->kind = RECIPE_INBOX;
    r->platform = xstrdup(platform);
    r->path = xstrdup(path);
    r->inbox = xcalloc(1, sizeof(*r->inbox));
    r->tmpl_scope = RECIPE_SCOPE_SECTION; /* login_url: base_url, platform, account_id */
    cJSON *root = recipe_parse_head(r, inbox_keys, json, len, errstr, errstr_size);
    if (!root) {
        recipe_free(r);
        return NULL;
    }
    for (size_t i = 0; i < sizeof(sections) / sizeof(sections[0]); i++) {
        if (parse_section(r, &sections[i], root, errstr, errstr_size) != 0) {
            cJSON_Delete(root);
            recipe_free(r);
            return NULL;
        }
    }
    cJSON_Delete(root);
    r->tmpl_scope = 0; /* rendering: every variable the call sets */
    return r;
}

static void section_free(recipe_section_t *sec)
{
    for (size_t i = 0; i < sec->nsteps; i++)
        recipe_step_free(&sec->steps[i]);
    free(sec->steps);
    free(sec->script);
    free(sec->url);
    for (size_t i = 0; i < sec->nerror_sels; i++)
        recipe_selector_free(&sec->error_sels[i]);
    free(sec->error_sels);
    for (size_t i = 0; i < sec->nnot_found_sels; i++)
        recipe_selector_free(&sec->not_found_sels[i]);
    free(sec->not_found_sels);
}

void recipe_inbox_free(recipe_inbox_t *in)
{
    if (!in)
        return;
    section_free(&in->list_threads);
    section_free(&in->open_thread);
    section_free(&in->send);
    section_free(&in->verify);
    free(in);
}
