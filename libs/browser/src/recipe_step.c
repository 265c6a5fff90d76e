/* One recipe step parsed and validated (see recipe_parse.h): the allowed fields of each
 * action, their types and defaults; errors name the file, the step and the field. */
#include "recipe_parse.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/xmalloc.h"

#define DEFAULT_TIMEOUT_MS 10000
#define DEFAULT_GOTO_TIMEOUT_MS 30000
#define DEFAULT_MIN_SCORE 0.6
/* An optional step is for a page variant that may not be there: it looks briefly, so that an
 * absent variant costs little (set timeout_ms where it may show up late). */
#define DEFAULT_OPTIONAL_TIMEOUT_MS 1500
#define MAX_LEVELS 5

/* Formats "<file>: step N (kind): <field>: <problem>" into errstr. */
void recipe_step_err(char *errstr, size_t errstr_size, const char *file, size_t index,
                     const char *kind, const char *field, const char *fmt, ...)
{
    char msg[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    snprintf(errstr, errstr_size, "%s: step %zu (%s): %s: %s", file, index + 1, kind ? kind : "?",
             field, msg);
}

/* ---- parsing ---------------------------------------------------------------------------- */

static const struct {
    recipe_step_kind_t kind;
    const char *name;
    const char *keys; /* allowed keys besides action, name, optional, timeout_ms */
} step_kinds[] = {
    {STEP_GOTO, "goto", " url "},
    {STEP_WAIT_FOR, "wait_for", " selector absent "},
    {STEP_FILL, "fill", " selector value clear then_key "},
    {STEP_UPLOAD, "upload", " selector files "},
    {STEP_CHOOSE_OPTION, "choose_option",
     " selector option options fallback type_to_filter first_if_none min_score levels "},
    {STEP_CLICK, "click", " selector all until max_clicks "},
    {STEP_EXPECT_URL, "expect_url", " contains not_contains "},
    {STEP_READ_URL, "read_url", " into extract_id_after id_pattern contains not_contains "},
    {STEP_FIND_EXISTING, "find_existing",
     " url item match match_price ready required extract_id_after id_pattern id_from item_url"
     " open_link url_unknown_ok "},
    {STEP_SCREENSHOT, "screenshot", " name "},
    {STEP_SLEEP, "sleep", " ms "},
    {STEP_READ_TEXT, "read_text", " selector into "},
    {STEP_PRESS, "press", " selector keys "},
};

/* Listing fields an update's "changed" may name (update.requested). */
static const char *const CHANGEABLE =
    " title description price currency condition category location images ";

const char *recipe_step_kind_name(recipe_step_kind_t kind)
{
    for (size_t i = 0; i < sizeof(step_kinds) / sizeof(step_kinds[0]); i++)
        if (step_kinds[i].kind == kind)
            return step_kinds[i].name;
    return "?";
}

/* An optional (or required) template string field, checked. */
static int get_template(step_ctx_t *sc, const cJSON *step, const char *field, bool required,
                        char **out)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(step, field);
    *out = NULL;
    if (!v) {
        if (required) {
            SERR(sc, field, "missing");
            return -1;
        }
        return 0;
    }
    if (!cJSON_IsString(v)) {
        SERR(sc, field, "must be a string");
        return -1;
    }
    char err[256];
    if (recipe_template_check(sc->r, v->valuestring, err, sizeof(err)) != 0) {
        SERR(sc, field, "%s", err);
        return -1;
    }
    if (strstr(v->valuestring, "listing.images") && strcmp(field, "files") != 0) {
        SERR(sc, field, "{{listing.images}} only works in upload.files");
        return -1;
    }
    *out = xstrdup(v->valuestring);
    return 0;
}

static int get_selector(step_ctx_t *sc, const cJSON *step, const char *field, bool required,
                        recipe_selector_t *sel, bool *has)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(step, field);
    *has = false;
    if (!v) {
        if (required) {
            SERR(sc, field, "missing (a selector like {\"label\": \"Title\"})");
            return -1;
        }
        return 0;
    }
    char err[256];
    if (recipe_selector_compile(v, sel, err, sizeof(err)) != 0) {
        SERR(sc, field, "%s", err);
        return -1;
    }
    *has = true;
    int templated = recipe_selector_template_check(sc->r, v, err, sizeof(err));
    if (templated < 0) {
        SERR(sc, field, "%s", err);
        return -1;
    }
    if (templated)
        sel->tmpl = cJSON_Duplicate(v, true);
    return 0;
}

static int get_bool(step_ctx_t *sc, const cJSON *step, const char *field, bool def, bool *out)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(step, field);
    *out = def;
    if (!v)
        return 0;
    if (!cJSON_IsBool(v)) {
        SERR(sc, field, "must be true or false");
        return -1;
    }
    *out = cJSON_IsTrue(v);
    return 0;
}

static int get_number(step_ctx_t *sc, const cJSON *step, const char *field, double def, double min,
                      double max, double *out)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(step, field);
    *out = def;
    if (!v)
        return 0;
    if (!cJSON_IsNumber(v) || v->valuedouble < min || v->valuedouble > max) {
        SERR(sc, field, "must be a number in [%g, %g]", min, max);
        return -1;
    }
    *out = v->valuedouble;
    return 0;
}

/* A plain (non-template) string or array of strings. */
int recipe_string_list_get(step_ctx_t *sc, const cJSON *step, const char *field, char ***out,
                           size_t *n)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(step, field);
    *out = NULL;
    *n = 0;
    if (!v)
        return 0;
    if (cJSON_IsString(v)) {
        if (!v->valuestring[0]) {
            SERR(sc, field, "must not be empty");
            return -1;
        }
        *out = xcalloc(1, sizeof(char *));
        (*out)[0] = xstrdup(v->valuestring);
        *n = 1;
        return 0;
    }
    if (!cJSON_IsArray(v) || cJSON_GetArraySize(v) == 0) {
        SERR(sc, field, "must be a string or a non-empty array of strings");
        return -1;
    }
    size_t cnt = (size_t)cJSON_GetArraySize(v);
    *out = xcalloc(cnt, sizeof(char *));
    const cJSON *it;
    cJSON_ArrayForEach(it, v)
    {
        if (!cJSON_IsString(it) || !it->valuestring[0]) {
            SERR(sc, field, "item %zu must be a non-empty string", *n + 1);
            return -1;
        }
        (*out)[(*n)++] = xstrdup(it->valuestring);
    }
    return 0;
}

void recipe_string_list_free(char **list, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(list[i]);
    free(list);
}

void recipe_step_free(recipe_step_t *st)
{
    free(st->describe);
    recipe_selector_free(&st->sel);
    recipe_selector_free(&st->options);
    free(st->url);
    free(st->value);
    free(st->fallback);
    free(st->files);
    free(st->key_after);
    recipe_string_list_free(st->contains, st->ncontains);
    recipe_string_list_free(st->not_contains, st->nnot_contains);
    free(st->id_after);
    if (st->id_re)
        regfree(st->id_re);
    free(st->id_re);
    recipe_selector_free(&st->id_from);
    free(st->id_attr);
    free(st->item_url);
    free(st->name);
    recipe_string_list_free(st->when_changed, st->nwhen_changed);
    recipe_string_list_free(st->keys, st->nkeys);
    recipe_selector_free(&st->link);
}

/* The WebDriver key code for a key name (UTF-8 of the private-use code point). */
static const char *key_code(const char *name)
{
    if (strcmp(name, "tab") == 0)
        return "\xEE\x80\x84"; /* U+E004 */
    if (strcmp(name, "enter") == 0)
        return "\xEE\x80\x87"; /* U+E007 */
    if (strcmp(name, "escape") == 0)
        return "\xEE\x80\x8C"; /* U+E00C */
    return NULL;
}

/* press: the WebDriver key value of a key name (the DOM's KeyboardEvent.key names). */
static const char *press_key_code(const char *name)
{
    static const struct {
        const char *name, *code;
    } keys[] = {
        {"ArrowDown", "\xEE\x80\x95"}, {"ArrowUp", "\xEE\x80\x93"}, {"Enter", "\xEE\x80\x87"},
        {"Tab", "\xEE\x80\x84"},       {"Escape", "\xEE\x80\x8C"},  {"Backspace", "\xEE\x80\x83"},
        {"Space", "\xEE\x80\x8D"},
    };
    for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
        if (strcmp(keys[i].name, name) == 0)
            return keys[i].code;
    return NULL;
}

static int parse_press(step_ctx_t *sc, const cJSON *step, recipe_step_t *st)
{
    if (get_selector(sc, step, "selector", false, &st->sel, &st->has_sel) != 0)
        return -1;
    char **names = NULL;
    size_t n = 0;
    if (recipe_string_list_get(sc, step, "keys", &names, &n) != 0)
        return -1;
    if (n == 0 || n > 10) {
        recipe_string_list_free(names, n);
        SERR(sc, "keys", "1 to 10 key names like [\"ArrowDown\", \"Enter\"]");
        return -1;
    }
    st->keys = xcalloc(n, sizeof(char *));
    for (size_t i = 0; i < n; i++) {
        const char *code = press_key_code(names[i]);
        if (!code) {
            SERR(sc, "keys",
                 "\"%s\" is not a key name (ArrowDown, ArrowUp, Enter, Tab, Escape, "
                 "Backspace, Space)",
                 names[i]);
            recipe_string_list_free(names, n);
            return -1;
        }
        st->keys[st->nkeys++] = xstrdup(code);
    }
    recipe_string_list_free(names, n);
    return 0;
}

/* Whether a posting recipe's delist or update section refuses an action (with the error):
 * a delist has no listing to upload or match, and neither section posts. */
static bool posting_section_refuses(step_ctx_t *sc, recipe_step_kind_t kind)
{
    unsigned scope = sc->r->tmpl_scope;
    if (sc->r->kind != RECIPE_POSTING || !(scope & RECIPE_SCOPE_POSTING))
        return false;
    bool delist = scope & RECIPE_SCOPE_DELIST;
    /* a renew has no listing either: only an update uploads or reads a new URL */
    bool no_listing = !(scope & RECIPE_SCOPE_LISTING);
    if (kind == STEP_FIND_EXISTING ||
        (no_listing && (kind == STEP_UPLOAD || kind == STEP_READ_URL))) {
        SERR(sc, "action", "%s is not an action of the %s section", sc->kind,
             delist       ? "delist"
             : no_listing ? "renew"
                          : "update");
        return true;
    }
    return false;
}

/* The action: st->kind, sc->kind, and the keys it allows (NULL with the error). */
static const char *step_action(step_ctx_t *sc, const cJSON *step, recipe_step_t *st)
{
    const cJSON *action = cJSON_GetObjectItemCaseSensitive(step, "action");
    if (!cJSON_IsString(action)) {
        SERR(sc, "action",
             "missing (one of goto, wait_for, fill, upload, choose_option, click, "
             "expect_url, read_url, find_existing, screenshot, sleep, read_text, press)");
        return NULL;
    }
    for (size_t i = 0; i < sizeof(step_kinds) / sizeof(step_kinds[0]); i++) {
        if (strcmp(step_kinds[i].name, action->valuestring) == 0) {
            st->kind = step_kinds[i].kind;
            sc->kind = step_kinds[i].name;
            /* these read or post a listing: an inbox has none */
            if (sc->r->kind == RECIPE_INBOX &&
                (st->kind == STEP_UPLOAD || st->kind == STEP_READ_URL ||
                 st->kind == STEP_FIND_EXISTING)) {
                SERR(sc, "action",
                     "%s is a posting action (an inbox section's steps are goto, wait_for, fill, "
                     "choose_option, click, expect_url, screenshot, sleep)",
                     sc->kind);
                return NULL;
            }
            if (posting_section_refuses(sc, st->kind))
                return NULL;
            return step_kinds[i].keys;
        }
    }
    SERR(sc, "action", "unknown action \"%s\"", action->valuestring);
    return NULL;
}

/* "when_changed": only in an update section; each a listing field update.requested names. */
static int parse_when_changed(step_ctx_t *sc, const cJSON *step, recipe_step_t *st)
{
    if (!cJSON_GetObjectItemCaseSensitive(step, "when_changed"))
        return 0;
    unsigned scope = sc->r->tmpl_scope;
    if (!(scope & RECIPE_SCOPE_POSTING) || !(scope & RECIPE_SCOPE_LISTING)) {
        SERR(sc, "when_changed", "only steps of the update section have it");
        return -1;
    }
    if (recipe_string_list_get(sc, step, "when_changed", &st->when_changed, &st->nwhen_changed) !=
        0)
        return -1;
    for (size_t i = 0; i < st->nwhen_changed; i++) {
        char probe[80];
        snprintf(probe, sizeof(probe), " %s ", st->when_changed[i]);
        if (strlen(st->when_changed[i]) > 40 || !strstr(CHANGEABLE, probe)) {
            SERR(sc, "when_changed", "\"%s\" is not a listing field (one of:%s)",
                 st->when_changed[i], CHANGEABLE);
            return -1;
        }
    }
    return 0;
}

/* The fields every step may have: action, name, optional, timeout_ms, retryable; and the
 * selector of the actions that act on one element. */
static int step_common(step_ctx_t *sc, const cJSON *step, recipe_step_t *st)
{
    const char *keys = step_action(sc, step, st);
    if (!keys)
        return -1;
    for (const cJSON *it = step->child; it; it = it->next) {
        char probe[80];
        snprintf(probe, sizeof(probe), " %s ", it->string);
        if (strcmp(it->string, "action") != 0 && strcmp(it->string, "name") != 0 &&
            strcmp(it->string, "optional") != 0 && strcmp(it->string, "timeout_ms") != 0 &&
            strcmp(it->string, "retryable") != 0 && strcmp(it->string, "when_changed") != 0 &&
            !strstr(keys, probe)) {
            SERR(sc, it->string,
                 "not a field of %s (allowed:%s name optional timeout_ms retryable "
                 "when_changed)",
                 sc->kind, keys);
            return -1;
        }
    }
    if (parse_when_changed(sc, step, st) != 0)
        return -1;

    double num;
    if (get_bool(sc, step, "optional", false, &st->optional) != 0)
        return -1;
    st->retryable = -1;
    if (cJSON_GetObjectItemCaseSensitive(step, "retryable")) {
        bool r;
        if (get_bool(sc, step, "retryable", false, &r) != 0)
            return -1;
        st->retryable = r ? 1 : 0;
    }
    int def_timeout = st->kind == STEP_GOTO || st->kind == STEP_FIND_EXISTING
                          ? DEFAULT_GOTO_TIMEOUT_MS
                      : st->optional ? DEFAULT_OPTIONAL_TIMEOUT_MS
                                     : DEFAULT_TIMEOUT_MS;
    if (get_number(sc, step, "timeout_ms", def_timeout, 1, 600000, &num) != 0)
        return -1;
    st->timeout_ms = (int)num;

    bool needs_sel = st->kind == STEP_WAIT_FOR || st->kind == STEP_FILL ||
                     st->kind == STEP_UPLOAD || st->kind == STEP_CHOOSE_OPTION ||
                     st->kind == STEP_CLICK || st->kind == STEP_READ_TEXT;
    if (needs_sel && get_selector(sc, step, "selector", true, &st->sel, &st->has_sel) != 0)
        return -1;
    return 0;
}

static int parse_fill(step_ctx_t *sc, const cJSON *step, recipe_step_t *st)
{
    if (get_template(sc, step, "value", true, &st->value) != 0 ||
        get_bool(sc, step, "clear", true, &st->clear) != 0)
        return -1;
    const cJSON *k = cJSON_GetObjectItemCaseSensitive(step, "then_key");
    if (k) {
        const char *code = cJSON_IsString(k) ? key_code(k->valuestring) : NULL;
        if (!code) {
            SERR(sc, "then_key", "must be \"tab\", \"enter\" or \"escape\"");
            return -1;
        }
        st->key_after = xstrdup(code);
    }
    return 0;
}

static int parse_upload(step_ctx_t *sc, const cJSON *step, recipe_step_t *st)
{
    if (get_template(sc, step, "files", true, &st->files) != 0)
        return -1;
    /* an update brings the images only when it changes them */
    bool images = false;
    for (size_t i = 0; i < st->nwhen_changed; i++)
        images = images || strcmp(st->when_changed[i], "images") == 0;
    if ((sc->r->tmpl_scope & RECIPE_SCOPE_POSTING) && !images) {
        SERR(sc, "when_changed",
             "an upload of the update section needs \"when_changed\": "
             "\"images\" (the images come only with an update that changes them)");
        return -1;
    }
    char *t = recipe_norm_ci(st->files);
    bool ok = strcmp(t, "{{listing.images}}") == 0 || strcmp(t, "{{ listing.images }}") == 0;
    free(t);
    if (!ok) {
        SERR(sc, "files", "must be \"{{listing.images}}\"");
        return -1;
    }
    return 0;
}

static int parse_choose_option(step_ctx_t *sc, const cJSON *step, recipe_step_t *st)
{
    if (get_template(sc, step, "option", true, &st->value) != 0 ||
        get_template(sc, step, "fallback", false, &st->fallback) != 0 ||
        get_selector(sc, step, "options", false, &st->options, &st->has_options) != 0 ||
        get_bool(sc, step, "type_to_filter", false, &st->type_to_filter) != 0 ||
        get_bool(sc, step, "first_if_none", false, &st->first_if_none) != 0 ||
        get_number(sc, step, "min_score", DEFAULT_MIN_SCORE, 0.0, 1.0, &st->min_score) != 0)
        return -1;
    double levels;
    if (get_number(sc, step, "levels", 1, 1, MAX_LEVELS, &levels) != 0)
        return -1;
    st->levels = (int)levels;
    if (st->has_options)
        return 0;
    cJSON *def = cJSON_CreateObject();
    cJSON_AddStringToObject(def, "role", "option");
    char err[128];
    int rc = recipe_selector_compile(def, &st->options, err, sizeof(err));
    cJSON_Delete(def);
    if (rc != 0) {
        SERR(sc, "options", "%s", err);
        return -1;
    }
    st->has_options = true;
    return 0;
}

/* expect_url and read_url. */
static int parse_url_check(step_ctx_t *sc, const cJSON *step, recipe_step_t *st)
{
    if (recipe_string_list_get(sc, step, "contains", &st->contains, &st->ncontains) != 0 ||
        recipe_string_list_get(sc, step, "not_contains", &st->not_contains, &st->nnot_contains) !=
            0)
        return -1;
    if (st->kind == STEP_EXPECT_URL && st->ncontains == 0 && st->nnot_contains == 0) {
        SERR(sc, "contains", "expect_url needs contains and/or not_contains");
        return -1;
    }
    if (st->kind == STEP_READ_URL) {
        const cJSON *into = cJSON_GetObjectItemCaseSensitive(step, "into");
        if (into && (!cJSON_IsString(into) || strcmp(into->valuestring, "external_url") != 0)) {
            SERR(sc, "into", "only \"external_url\" is supported");
            return -1;
        }
    }
    return 0;
}

static int parse_screenshot(step_ctx_t *sc, const cJSON *step, recipe_step_t *st)
{
    const cJSON *n = cJSON_GetObjectItemCaseSensitive(step, "name");
    if (!cJSON_IsString(n) || !n->valuestring[0] || strlen(n->valuestring) > 40) {
        SERR(sc, "name", "a screenshot needs a name (1-40 characters)");
        return -1;
    }
    for (const char *p = n->valuestring; *p; p++) {
        if (!isalnum((unsigned char)*p) && *p != '-' && *p != '_') {
            SERR(sc, "name", "use letters, digits, - and _ only");
            return -1;
        }
    }
    st->name = xstrdup(n->valuestring);
    return 0;
}

/* read_text: "into" names the page.<name> variable later steps of the section may use. */
static int parse_read_text(step_ctx_t *sc, const cJSON *step, recipe_step_t *st)
{
    const cJSON *into = cJSON_GetObjectItemCaseSensitive(step, "into");
    if (!cJSON_IsString(into) || !into->valuestring[0] || strlen(into->valuestring) > 40) {
        SERR(sc, "into", "a name of 1-40 letters, digits and _ (used as {{page.<name>}})");
        return -1;
    }
    for (const char *p = into->valuestring; *p; p++) {
        if (!isalnum((unsigned char)*p) && *p != '_') {
            SERR(sc, "into", "use letters, digits and _ only");
            return -1;
        }
    }
    st->name = xstrdup(into->valuestring);
    recipe_t *r = (recipe_t *)sc->r; /* the parse owns the recipe being built */
    r->page_vars.names = xrealloc(r->page_vars.names, (r->page_vars.n + 1) * sizeof(char *));
    r->page_vars.names[r->page_vars.n++] = xstrdup(into->valuestring);
    return 0;
}

/* The fields of st's action. */
static int step_fields(step_ctx_t *sc, const cJSON *step, recipe_step_t *st)
{
    double num;
    switch (st->kind) {
    case STEP_GOTO:
        return get_template(sc, step, "url", true, &st->url);
    case STEP_WAIT_FOR:
        return get_bool(sc, step, "absent", false, &st->absent);
    case STEP_CLICK:
        if (get_bool(sc, step, "all", false, &st->all) != 0 ||
            get_selector(sc, step, "until", false, &st->options, &st->has_options) != 0 ||
            get_number(sc, step, "max_clicks", 1, 1, 10, &num) != 0)
            return -1;
        st->max_clicks = (int)num;
        if (st->all && st->has_options) {
            SERR(sc, "until", "not with \"all\"");
            return -1;
        }
        return 0;
    case STEP_READ_TEXT:
        return parse_read_text(sc, step, st);
    case STEP_PRESS:
        return parse_press(sc, step, st);
    case STEP_FILL:
        return parse_fill(sc, step, st);
    case STEP_UPLOAD:
        return parse_upload(sc, step, st);
    case STEP_CHOOSE_OPTION:
        return parse_choose_option(sc, step, st);
    case STEP_EXPECT_URL:
    case STEP_READ_URL:
        return parse_url_check(sc, step, st);
    case STEP_FIND_EXISTING:
        if (get_template(sc, step, "url", true, &st->url) != 0 ||
            get_selector(sc, step, "item", true, &st->sel, &st->has_sel) != 0 ||
            get_template(sc, step, "match", true, &st->value) != 0 ||
            get_bool(sc, step, "match_price", false, &st->match_price) != 0 ||
            get_bool(sc, step, "required", false, &st->required) != 0 ||
            get_selector(sc, step, "ready", false, &st->options, &st->has_options) != 0 ||
            get_selector(sc, step, "open_link", false, &st->link, &st->has_link) != 0 ||
            get_bool(sc, step, "url_unknown_ok", false, &st->url_unknown_ok) != 0)
            return -1;
        return 0;
    case STEP_SCREENSHOT:
        return parse_screenshot(sc, step, st);
    case STEP_SLEEP:
        if (get_number(sc, step, "ms", -1, 0, 60000, &num) != 0)
            return -1;
        if (num < 0) {
            SERR(sc, "ms", "missing");
            return -1;
        }
        st->sleep_ms = (int)num;
        return 0;
    }
    return 0;
}

/* id_pattern: compiled here, so a bad pattern stops the poster at start, not a job. */
static int parse_id_pattern(step_ctx_t *sc, const cJSON *v, recipe_step_t *st)
{
    if (!cJSON_IsString(v) || !v->valuestring[0]) {
        SERR(sc, "id_pattern",
             "must be a non-empty POSIX extended regular expression like \"/item/([0-9]+)\"");
        return -1;
    }
    st->id_re = xmalloc(sizeof(*st->id_re));
    int rc = regcomp(st->id_re, v->valuestring, REG_EXTENDED);
    if (rc != 0) {
        char why[160];
        regerror(rc, st->id_re, why, sizeof(why));
        free(st->id_re);
        st->id_re = NULL;
        SERR(sc, "id_pattern", "not a POSIX extended regular expression (%s): %s", why,
             v->valuestring);
        return -1;
    }
    if (st->id_re->re_nsub < 1) {
        SERR(sc, "id_pattern", "needs a capture group around the id, like \"/item/([0-9]+)\": %s",
             v->valuestring);
        return -1;
    }
    return 0;
}

/* id_from: {"selector": <selector>, "attribute": "href" | "data-..."}. */
static int parse_id_from(step_ctx_t *sc, const cJSON *v, recipe_step_t *st)
{
    const cJSON *attr = cJSON_GetObjectItemCaseSensitive(v, "attribute");
    if (!cJSON_IsObject(v) || cJSON_GetArraySize(v) != 2 ||
        !cJSON_GetObjectItemCaseSensitive(v, "selector") || !cJSON_IsString(attr)) {
        SERR(sc, "id_from",
             "must be {\"selector\": <selector>, \"attribute\": \"href\" or \"data-...\"}");
        return -1;
    }
    const char *a = attr->valuestring;
    bool ok = strcmp(a, "href") == 0 || (strncmp(a, "data-", 5) == 0 && a[5]);
    for (const char *p = a; ok && *p; p++)
        ok = islower((unsigned char)*p) || isdigit((unsigned char)*p) || *p == '-' || *p == '_';
    if (!ok) {
        SERR(sc, "id_from", "attribute: must be \"href\" or a \"data-...\" name, not \"%s\"", a);
        return -1;
    }
    if (get_selector(sc, v, "selector", true, &st->id_from, &st->has_id_from) != 0)
        return -1;
    if (st->id_from.tmpl) {
        SERR(sc, "id_from", "selector: templates are not supported here");
        return -1;
    }
    st->id_attr = xstrdup(a);
    return 0;
}

/* How the step takes the listing's external id: extract_id_after (the URL part after a
 * marker) or id_pattern (a regular expression, applied to the URL or, with id_from, to an
 * attribute of a link-less card); item_url makes the listing's URL from that id. Only
 * read_url and find_existing allow these keys (checked before). */
static int parse_id_rule(step_ctx_t *sc, const cJSON *step, recipe_step_t *st)
{
    const cJSON *m = cJSON_GetObjectItemCaseSensitive(step, "extract_id_after");
    const cJSON *pat = cJSON_GetObjectItemCaseSensitive(step, "id_pattern");
    const cJSON *from = cJSON_GetObjectItemCaseSensitive(step, "id_from");
    if (m && pat) {
        SERR(sc, "id_pattern", "use either extract_id_after or id_pattern, not both");
        return -1;
    }
    if (m) {
        if (!cJSON_IsString(m) || !m->valuestring[0]) {
            SERR(sc, "extract_id_after", "must be a non-empty string like \"/item/\"");
            return -1;
        }
        st->id_after = xstrdup(m->valuestring);
    }
    if (pat && parse_id_pattern(sc, pat, st) != 0)
        return -1;
    if (from && parse_id_from(sc, from, st) != 0)
        return -1;
    if (get_template(sc, step, "item_url", false, &st->item_url) != 0)
        return -1;
    if (st->item_url && !strstr(st->item_url, "{id}")) {
        SERR(sc, "item_url", "must contain {id}, where the listing's id goes");
        return -1;
    }
    if ((from || st->item_url) && !(pat && from && st->item_url)) {
        SERR(sc, from ? (pat ? "item_url" : "id_pattern") : "id_from",
             "id_from, id_pattern and item_url go together: the pattern takes the id out of the "
             "attribute, item_url makes the listing's URL of it");
        return -1;
    }
    return 0;
}

int recipe_step_parse(step_ctx_t *sc, const cJSON *step, recipe_step_t *st)
{
    memset(st, 0, sizeof(*st));
    sc->kind = NULL;
    if (!cJSON_IsObject(step)) {
        SERR(sc, "step", "must be an object");
        return -1;
    }
    if (step_common(sc, step, st) != 0 || step_fields(sc, step, st) != 0)
        return -1;

    if (parse_id_rule(sc, step, st) != 0)
        return -1;

    const cJSON *name = cJSON_GetObjectItemCaseSensitive(step, "name");
    if (name && (!cJSON_IsString(name) || !name->valuestring[0])) {
        SERR(sc, "name", "must be a non-empty string");
        return -1;
    }
    if (name)
        st->describe = xasprintf("%s %s", sc->kind, name->valuestring);
    else if (st->kind == STEP_GOTO || st->kind == STEP_FIND_EXISTING)
        st->describe = xasprintf("%s %s", sc->kind, st->url);
    else if (st->has_sel)
        st->describe = xasprintf("%s %s", sc->kind, st->sel.describe);
    else
        st->describe = xstrdup(sc->kind);
    return 0;
}
