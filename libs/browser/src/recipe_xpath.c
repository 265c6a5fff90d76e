/* Recipe selectors compiled to WebDriver locators (see recipe.h): label, aria_label, role
 * and text become XPath 1.0 expressions that compare normalised, lower-cased text; css and
 * xpath pass through. */
#include "browser/recipe.h"

#include <ctype.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/sbuf.h"
#include "common/xmalloc.h"
#include "recipe_parse.h"

/* Whitespace collapsed and trimmed, ASCII lower-cased: what XPath's translate(normalize-space())
 * produces on the page side. */
char *recipe_norm_ci(const char *s)
{
    sbuf_t b = {0};
    bool space = false;
    for (const char *p = s; *p; p++) {
        if (isspace((unsigned char)*p)) {
            space = b.len > 0;
            continue;
        }
        if (space)
            sbuf_addc(&b, ' ');
        space = false;
        char c = (char)tolower((unsigned char)*p);
        sbuf_addc(&b, c);
    }
    return sbuf_take(&b);
}

/* ---- XPath ------------------------------------------------------------------------------- */

char *recipe_xpath_literal(const char *s)
{
    if (!strchr(s, '\''))
        return xasprintf("'%s'", s);
    if (!strchr(s, '"'))
        return xasprintf("\"%s\"", s);
    /* Both quote kinds: XPath 1.0 has no escape, so split at each ' and glue with concat(). */
    sbuf_t b = {0};
    sbuf_add(&b, "concat(");
    const char *p = s;
    bool first = true;
    while (*p) {
        const char *q = strchr(p, '\'');
        size_t n = q ? (size_t)(q - p) : strlen(p);
        if (n > 0) {
            if (!first)
                sbuf_add(&b, ",");
            sbuf_add(&b, "'");
            sbuf_addn(&b, p, n);
            sbuf_add(&b, "'");
            first = false;
        }
        if (!q)
            break;
        if (!first)
            sbuf_add(&b, ",");
        sbuf_add(&b, "\"'\"");
        first = false;
        p = q + 1;
    }
    sbuf_add(&b, ")");
    return sbuf_take(&b);
}

/* XPath test: the normalised, lower-cased string value of expr equals lit (already lower). */
static char *xp_eq(const char *expr, const char *lit)
{
    return xasprintf("translate(normalize-space(%s),'ABCDEFGHIJKLMNOPQRSTUVWXYZ',"
                     "'abcdefghijklmnopqrstuvwxyz')=%s",
                     expr, lit);
}

static char *xp_contains(const char *expr, const char *lit)
{
    return xasprintf("contains(translate(normalize-space(%s),'ABCDEFGHIJKLMNOPQRSTUVWXYZ',"
                     "'abcdefghijklmnopqrstuvwxyz'),%s)",
                     expr, lit);
}

/* Elements that take input, for {"label": ...}. */
#define XP_CONTROL                                                                                 \
    "(self::input[not(@type='hidden')] or self::textarea or self::select or @role='combobox' "     \
    "or @role='textbox' or @role='listbox' or @role='spinbutton' or @contenteditable='true' "      \
    "or @contenteditable='')"

/* The predicate of an ARIA role, explicit or implied by the HTML element. */
static const char *role_predicate(const char *role)
{
    static const struct {
        const char *role, *implicit;
    } roles[] = {
        {"button",
         "self::button or self::input[@type='button' or @type='submit' or @type='reset']"},
        {"link", "self::a[@href]"},
        {"textbox", "self::textarea or self::input[not(@type) or @type='text' or @type='email' "
                    "or @type='search' or @type='tel' or @type='url' or @type='number']"},
        {"combobox", "self::select[not(@multiple)]"},
        {"listbox", "self::select[@multiple]"},
        {"option", "self::option"},
        {"checkbox", "self::input[@type='checkbox']"},
        {"radio", "self::input[@type='radio']"},
        {"heading", "self::h1 or self::h2 or self::h3 or self::h4 or self::h5 or self::h6"},
        {"img", "self::img"},
        {"list", "self::ul or self::ol"},
        {"listitem", "self::li"},
    };
    for (size_t i = 0; i < sizeof(roles) / sizeof(roles[0]); i++)
        if (strcmp(roles[i].role, role) == 0)
            return roles[i].implicit;
    return NULL;
}

static bool valid_role(const char *role)
{
    if (!*role)
        return false;
    for (const char *p = role; *p; p++)
        if (!islower((unsigned char)*p) && *p != '-')
            return false;
    return true;
}

/* The selector kinds, with the one key that names each. */
static const char *const selector_keys[] = {"label", "aria_label", "role", "text", "css", "xpath"};

/* A selector object's one kind key and its argument, checked: exactly one of selector_keys,
 * a non-empty string; "name" only with role, "contains" only with text. */
typedef struct {
    const char *kind;
    const char *arg;
    const cJSON *name;
    const cJSON *contains;
} selector_spec_t;

static int selector_spec(const cJSON *obj, selector_spec_t *spec, char *errstr, size_t errstr_size)
{
    const char *kind = NULL;
    const char *arg = NULL;
    for (size_t i = 0; i < sizeof(selector_keys) / sizeof(selector_keys[0]); i++) {
        const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, selector_keys[i]);
        if (!v)
            continue;
        if (kind) {
            snprintf(errstr, errstr_size,
                     "a selector has one of label, aria_label, role, text, "
                     "css, xpath; found both %s and %s",
                     kind, selector_keys[i]);
            return -1;
        }
        if (!cJSON_IsString(v) || !v->valuestring[0]) {
            snprintf(errstr, errstr_size, "%s: must be a non-empty string", selector_keys[i]);
            return -1;
        }
        kind = selector_keys[i];
        arg = v->valuestring;
    }
    if (!kind) {
        snprintf(errstr, errstr_size,
                 "a selector needs one of label, aria_label, role, text, css, xpath");
        return -1;
    }
    const cJSON *name = cJSON_GetObjectItemCaseSensitive(obj, "name");
    const cJSON *contains = cJSON_GetObjectItemCaseSensitive(obj, "contains");
    for (const cJSON *it = obj->child; it; it = it->next) {
        bool known = strcmp(it->string, kind) == 0 ||
                     (strcmp(it->string, "name") == 0 && strcmp(kind, "role") == 0) ||
                     (strcmp(it->string, "contains") == 0 && strcmp(kind, "text") == 0);
        if (!known) {
            snprintf(errstr, errstr_size, "unexpected key \"%s\" in a %s selector", it->string,
                     kind);
            return -1;
        }
    }
    if (name && (!cJSON_IsString(name) || !name->valuestring[0])) {
        snprintf(errstr, errstr_size, "name: must be a non-empty string");
        return -1;
    }
    if (contains && !cJSON_IsBool(contains)) {
        snprintf(errstr, errstr_size, "contains: must be true or false");
        return -1;
    }
    *spec = (selector_spec_t){.kind = kind, .arg = arg, .name = name, .contains = contains};
    return 0;
}

/* {"role": "button", "name": "Next"}: the role, explicit or implied by the element, with an
 * accessible name when given. */
static void compile_role(const selector_spec_t *spec, recipe_selector_t *sel)
{
    const char *arg = spec->arg;
    const char *implicit = role_predicate(arg);
    char *roles =
        implicit ? xasprintf("@role='%s' or %s", arg, implicit) : xasprintf("@role='%s'", arg);
    if (spec->name) {
        char *n = recipe_norm_ci(spec->name->valuestring);
        char *lit = recipe_xpath_literal(n);
        char *a = xp_eq("@aria-label", lit);
        char *b = xp_eq(".", lit);
        char *c = xp_eq("@value", lit);
        char *d = xp_eq("@title", lit);
        sel->value = xasprintf("//*[%s][%s or %s or %s or %s or @aria-labelledby=//*[%s]/@id]",
                               roles, a, b, c, d, b);
        sel->describe = xasprintf("%s \"%s\"", arg, spec->name->valuestring);
        free(n);
        free(lit);
        free(a);
        free(b);
        free(c);
        free(d);
    } else {
        sel->value = xasprintf("//*[%s]", roles);
        sel->describe = xasprintf("role %s", arg);
    }
    free(roles);
}

/* aria_label, text and label: elements found by what they say. */
static void compile_by_text(const selector_spec_t *spec, recipe_selector_t *sel)
{
    const char *kind = spec->kind;
    const char *arg = spec->arg;
    char *n = recipe_norm_ci(arg);
    char *lit = recipe_xpath_literal(n);
    char *a = NULL, *b = NULL, *c = NULL;
    if (strcmp(kind, "aria_label") == 0) {
        a = xp_eq("@aria-label", lit);
        sel->value = xasprintf("//*[%s]", a);
        sel->describe = xasprintf("aria-label \"%s\"", arg);
    } else if (strcmp(kind, "text") == 0) {
        bool sub = spec->contains && cJSON_IsTrue(spec->contains);
        a = sub ? xp_contains(".", lit) : xp_eq(".", lit);
        /* The innermost element with that text, not each of its ancestors. */
        sel->value = xasprintf("//*[not(self::script or self::style or self::head or "
                               "self::title)][%s][not(.//*[%s])]",
                               a, a);
        sel->describe = xasprintf("text%s \"%s\"", sub ? " containing" : "", arg);
    } else { /* label */
        a = xp_eq("@aria-label", lit);
        b = xp_eq(".", lit);
        c = xp_eq("@placeholder", lit);
        /* A control named Title by: its own aria-label; a <label for=id>; an enclosing
         * <label> with that aria-label or text (Facebook: <label aria-label="Title"><span>
         * Title</span><input></label>); aria-labelledby; a placeholder. */
        sel->value =
            xasprintf("//*[%s][%s or @id=//label[%s]/@for or ancestor::label[%s or text()[%s] or "
                      ".//*[not(self::input or self::textarea or self::select)][%s]] or "
                      "@aria-labelledby=//*[%s]/@id or %s]",
                      XP_CONTROL, a, b, a, b, b, b, c);
        sel->describe = xasprintf("label \"%s\"", arg);
    }
    free(n);
    free(lit);
    free(a);
    free(b);
    free(c);
}

int recipe_selector_compile(const cJSON *obj, recipe_selector_t *sel, char *errstr,
                            size_t errstr_size)
{
    memset(sel, 0, sizeof(*sel));
    if (!cJSON_IsObject(obj)) {
        snprintf(errstr, errstr_size, "a selector must be an object like {\"label\": \"Title\"}");
        return -1;
    }
    selector_spec_t spec;
    if (selector_spec(obj, &spec, errstr, errstr_size) != 0)
        return -1;
    if (strcmp(spec.kind, "css") == 0 || strcmp(spec.kind, "xpath") == 0) {
        bool css = strcmp(spec.kind, "css") == 0;
        sel->using = xstrdup(css ? "css selector" : "xpath");
        sel->value = xstrdup(spec.arg);
        sel->describe = xasprintf("%s \"%s\"", spec.kind, spec.arg);
        return 0;
    }
    if (strcmp(spec.kind, "role") == 0 && !valid_role(spec.arg)) {
        snprintf(errstr, errstr_size, "role: \"%s\" is not an ARIA role name", spec.arg);
        return -1;
    }
    sel->using = xstrdup("xpath");
    if (strcmp(spec.kind, "role") == 0)
        compile_role(&spec, sel);
    else
        compile_by_text(&spec, sel);
    return 0;
}

void recipe_selector_free(recipe_selector_t *sel)
{
    if (!sel)
        return;
    free(sel->using);
    free(sel->value);
    free(sel->describe);
    cJSON_Delete(sel->tmpl);
    memset(sel, 0, sizeof(*sel));
}

int recipe_selector_template_check(const recipe_t *r, const cJSON *obj, char *errstr,
                                   size_t errstr_size)
{
    int templated = 0;
    for (const cJSON *it = cJSON_IsObject(obj) ? obj->child : NULL; it; it = it->next) {
        if (!cJSON_IsString(it) || !strstr(it->valuestring, "{{"))
            continue;
        char err[256];
        if (recipe_template_check(r, it->valuestring, err, sizeof(err)) != 0) {
            snprintf(errstr, errstr_size, "%s: %s", it->string, err);
            return -1;
        }
        if (strstr(it->valuestring, "listing.images")) {
            snprintf(errstr, errstr_size, "%s: {{listing.images}} only works in upload.files",
                     it->string);
            return -1;
        }
        templated = 1;
    }
    return templated;
}

int recipe_selector_render(const recipe_t *r, const recipe_selector_t *sel,
                           const recipe_vars_t *vars, recipe_selector_t *out, char *errstr,
                           size_t errstr_size)
{
    memset(out, 0, sizeof(*out));
    cJSON *obj = cJSON_Duplicate(sel->tmpl, true);
    for (cJSON *it = obj ? obj->child : NULL; it; it = it->next) {
        if (!cJSON_IsString(it) || !strstr(it->valuestring, "{{"))
            continue;
        char err[256];
        char *v = recipe_render(r, it->valuestring, vars, err, sizeof(err));
        if (!v) {
            snprintf(errstr, errstr_size, "%s: %s", it->string, err);
            cJSON_Delete(obj);
            return -1;
        }
        cJSON_SetValuestring(it, v);
        free(v);
    }
    int rc = recipe_selector_compile(obj, out, errstr, errstr_size);
    cJSON_Delete(obj);
    return rc;
}
