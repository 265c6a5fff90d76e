/* Recipe files: parsing and validation (errors name the file, the step and the field),
 * templates, selector compilation to XPath/CSS, fuzzy option matching. See recipe.h and
 * services/poster/recipes/README.md for the format. */
#include "recipe.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/money.h"
#include "common/sbuf.h"
#include "common/xmalloc.h"

#define DEFAULT_TIMEOUT_MS 10000
#define DEFAULT_GOTO_TIMEOUT_MS 30000
#define DEFAULT_MIN_SCORE 0.6
#define MAX_RECIPE_BYTES (1024 * 1024)
#define MAX_STEPS 200

/* ---- small string helpers ------------------------------------------------------------ */

/* Whitespace collapsed and trimmed, ASCII lower-cased: what XPath's translate(normalize-space())
 * produces on the page side. */
static char *norm_ci(const char *s)
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

/* ---- errors ------------------------------------------------------------------------------- */

/* Formats "<file>: step N (kind): <field>: <problem>" into errstr. */
static void step_err(char *errstr, size_t errstr_size, const char *file, size_t index,
                     const char *kind, const char *field, const char *fmt, ...)
    __attribute__((format(printf, 7, 8)));

static void step_err(char *errstr, size_t errstr_size, const char *file, size_t index,
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

int recipe_selector_compile(const cJSON *obj, recipe_selector_t *sel, char *errstr,
                            size_t errstr_size)
{
    memset(sel, 0, sizeof(*sel));
    if (!cJSON_IsObject(obj)) {
        snprintf(errstr, errstr_size, "a selector must be an object like {\"label\": \"Title\"}");
        return -1;
    }
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

    char *n = NULL, *lit = NULL, *a = NULL, *b = NULL, *c = NULL, *d = NULL;
    if (strcmp(kind, "css") == 0) {
        sel->using = xstrdup("css selector");
        sel->value = xstrdup(arg);
        sel->describe = xasprintf("css \"%s\"", arg);
        return 0;
    }
    if (strcmp(kind, "xpath") == 0) {
        sel->using = xstrdup("xpath");
        sel->value = xstrdup(arg);
        sel->describe = xasprintf("xpath \"%s\"", arg);
        return 0;
    }
    sel->using = xstrdup("xpath");
    if (strcmp(kind, "role") == 0) {
        if (!valid_role(arg)) {
            snprintf(errstr, errstr_size, "role: \"%s\" is not an ARIA role name", arg);
            recipe_selector_free(sel);
            return -1;
        }
        const char *implicit = role_predicate(arg);
        char *roles =
            implicit ? xasprintf("@role='%s' or %s", arg, implicit) : xasprintf("@role='%s'", arg);
        if (name) {
            n = norm_ci(name->valuestring);
            lit = recipe_xpath_literal(n);
            a = xp_eq("@aria-label", lit);
            b = xp_eq(".", lit);
            c = xp_eq("@value", lit);
            d = xp_eq("@title", lit);
            sel->value = xasprintf("//*[%s][%s or %s or %s or %s or @aria-labelledby=//*[%s]/@id]",
                                   roles, a, b, c, d, b);
            sel->describe = xasprintf("%s \"%s\"", arg, name->valuestring);
        } else {
            sel->value = xasprintf("//*[%s]", roles);
            sel->describe = xasprintf("role %s", arg);
        }
        free(roles);
        goto cleanup;
    }

    n = norm_ci(arg);
    lit = recipe_xpath_literal(n);
    if (strcmp(kind, "aria_label") == 0) {
        a = xp_eq("@aria-label", lit);
        sel->value = xasprintf("//*[%s]", a);
        sel->describe = xasprintf("aria-label \"%s\"", arg);
    } else if (strcmp(kind, "text") == 0) {
        bool sub = contains && cJSON_IsTrue(contains);
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

cleanup:
    free(n);
    free(lit);
    free(a);
    free(b);
    free(c);
    free(d);
    return 0;
}

void recipe_selector_free(recipe_selector_t *sel)
{
    if (!sel)
        return;
    free(sel->using);
    free(sel->value);
    free(sel->describe);
    memset(sel, 0, sizeof(*sel));
}

/* ---- fuzzy matching --------------------------------------------------------------------- */

char *recipe_fuzzy_normalize(const char *s)
{
    sbuf_t b = {0};
    const unsigned char *p = (const unsigned char *)s;
    while (*p) {
        /* en dash U+2013 and em dash U+2014 are E2 80 93 / E2 80 94 in UTF-8 */
        if (p[0] == 0xE2 && p[1] == 0x80 && (p[2] == 0x93 || p[2] == 0x94)) {
            p += 3;
            continue;
        }
        if (isspace(*p) || *p == '-' || *p == '_' || *p == '.') {
            p++;
            continue;
        }
        char c = (char)tolower(*p);
        sbuf_addc(&b, c);
        p++;
    }
    return sbuf_take(&b);
}

static size_t levenshtein(const char *a, size_t la, const char *b, size_t lb)
{
    size_t *row = xcalloc(lb + 1, sizeof(*row));
    for (size_t j = 0; j <= lb; j++)
        row[j] = j;
    for (size_t i = 1; i <= la; i++) {
        size_t diag = row[0];
        row[0] = i;
        for (size_t j = 1; j <= lb; j++) {
            size_t up = row[j];
            size_t cost = a[i - 1] == b[j - 1] ? 0 : 1;
            size_t best = diag + cost;
            if (up + 1 < best)
                best = up + 1;
            if (row[j - 1] + 1 < best)
                best = row[j - 1] + 1;
            row[j] = best;
            diag = up;
        }
    }
    size_t d = row[lb];
    free(row);
    return d;
}

double recipe_fuzzy_score(const char *a, const char *b)
{
    char *na = recipe_fuzzy_normalize(a);
    char *nb = recipe_fuzzy_normalize(b);
    size_t la = strlen(na), lb = strlen(nb);
    double score = 0.0;
    if (la == 0 || lb == 0) {
        score = (la == 0 && lb == 0) ? 1.0 : 0.0;
        goto cleanup;
    }
    if (strcmp(na, nb) == 0) {
        score = 1.0;
        goto cleanup;
    }
    size_t longest = la > lb ? la : lb;
    size_t shortest = la > lb ? lb : la;
    score = 1.0 - (double)levenshtein(na, la, nb, lb) / (double)longest;
    /* One inside the other ("Furniture" in "Furniture & decor"): at least a half, more
     * the more of the longer text it covers. */
    if (strstr(la > lb ? na : nb, la > lb ? nb : na)) {
        double contain = 0.5 + 0.45 * (double)shortest / (double)longest;
        if (contain > score)
            score = contain;
    }
cleanup:
    free(na);
    free(nb);
    return score;
}

int recipe_fuzzy_best(const char *target, const char *const *options, size_t n, double min_score,
                      double *best_score)
{
    int best = -1;
    double top = -1.0;
    for (size_t i = 0; i < n; i++) {
        if (!options[i])
            continue;
        double s = recipe_fuzzy_score(target, options[i]);
        if (s > top) {
            top = s;
            best = (int)i;
        }
    }
    if (best_score)
        *best_score = top < 0 ? 0.0 : top;
    return top >= min_score ? best : -1;
}

char *recipe_extract_after(const char *url, const char *marker)
{
    if (!url || !marker || !*marker)
        return NULL;
    const char *p = strstr(url, marker);
    if (!p)
        return NULL;
    p += strlen(marker);
    size_t n = strcspn(p, "/?#");
    return n ? xstrndup(p, n) : NULL;
}

/* ---- templates -------------------------------------------------------------------------- */

static const char *const template_vars[] = {
    "base_url",         "listing.id",
    "listing.title",    "listing.description",
    "listing.price",    "listing.price_cents",
    "listing.currency", "listing.condition",
    "listing.category", "listing.location",
    "job.id",           "job.attempt",
    "account_id",       "platform",
    "listing.images",
};

/* One {{ ... }} expression split into its variable and optional map name (both trimmed,
 * pointing into buf). */
typedef struct {
    char buf[256];
    const char *var;
    const char *map; /* NULL when no filter */
} tmpl_expr_t;

static char *trim(char *s)
{
    while (isspace((unsigned char)*s))
        s++;
    size_t n = strlen(s);
    while (n > 0 && isspace((unsigned char)s[n - 1]))
        s[--n] = '\0';
    return s;
}

static int tmpl_expr_parse(const char *start, size_t len, tmpl_expr_t *x, char *errstr,
                           size_t errstr_size)
{
    if (len >= sizeof(x->buf)) {
        snprintf(errstr, errstr_size, "template expression too long");
        return -1;
    }
    memcpy(x->buf, start, len);
    x->buf[len] = '\0';
    x->map = NULL;
    char *bar = strchr(x->buf, '|');
    if (bar) {
        *bar = '\0';
        char *filter = trim(bar + 1);
        if (strncmp(filter, "map:", 4) != 0 || !*trim(filter + 4)) {
            snprintf(errstr, errstr_size, "unknown template filter \"%s\" (only map:NAME)", filter);
            return -1;
        }
        x->map = trim(filter + 4);
    }
    x->var = trim(x->buf);
    bool known = false;
    for (size_t i = 0; i < sizeof(template_vars) / sizeof(template_vars[0]); i++)
        if (strcmp(template_vars[i], x->var) == 0)
            known = true;
    if (!known) {
        snprintf(errstr, errstr_size, "unknown template variable %s", x->var);
        return -1;
    }
    return 0;
}

/* Walks a template: calls emit for literal text and expressions. Returns 0 or -1. */
typedef int (*tmpl_emit_fn)(void *ctx, const char *lit, size_t n, const tmpl_expr_t *x,
                            char *errstr, size_t errstr_size);

static int tmpl_walk(const char *tmpl, tmpl_emit_fn emit, void *ctx, char *errstr,
                     size_t errstr_size)
{
    const char *p = tmpl;
    for (;;) {
        const char *open = strstr(p, "{{");
        if (!open)
            return emit(ctx, p, strlen(p), NULL, errstr, errstr_size);
        if (open > p && emit(ctx, p, (size_t)(open - p), NULL, errstr, errstr_size) != 0)
            return -1;
        const char *close = strstr(open + 2, "}}");
        if (!close) {
            snprintf(errstr, errstr_size, "unclosed {{ in \"%s\"", tmpl);
            return -1;
        }
        tmpl_expr_t x;
        if (tmpl_expr_parse(open + 2, (size_t)(close - open - 2), &x, errstr, errstr_size) != 0)
            return -1;
        if (emit(ctx, NULL, 0, &x, errstr, errstr_size) != 0)
            return -1;
        p = close + 2;
    }
}

typedef struct {
    const recipe_t *r;
    const recipe_vars_t *vars;
    sbuf_t out;
} render_ctx_t;

static int check_emit(void *ctx, const char *lit, size_t n, const tmpl_expr_t *x, char *errstr,
                      size_t errstr_size)
{
    const recipe_t *r = ctx;
    (void)lit;
    (void)n;
    if (x && x->map) {
        const cJSON *m = r->maps ? cJSON_GetObjectItemCaseSensitive(r->maps, x->map) : NULL;
        if (!cJSON_IsObject(m)) {
            snprintf(errstr, errstr_size, "unknown map %s (define it under \"maps\")", x->map);
            return -1;
        }
    }
    if (x && strcmp(x->var, "listing.images") == 0 && x->map) {
        snprintf(errstr, errstr_size, "listing.images cannot go through a map");
        return -1;
    }
    return 0;
}

int recipe_template_check(const recipe_t *r, const char *tmpl, char *errstr, size_t errstr_size)
{
    return tmpl_walk(tmpl, check_emit, (void *)r, errstr, errstr_size);
}

/* The raw value of a template variable into buf (or a pointer into the request). */
static int var_value(const recipe_t *r, const recipe_vars_t *v, const char *var, char *buf,
                     size_t size, const char **out, char *errstr, size_t errstr_size)
{
    const posting_requested_t *q = v->req;
    *out = buf;
    buf[0] = '\0';
    if (strcmp(var, "base_url") == 0) {
        if (!v->base_url || !*v->base_url) {
            snprintf(errstr, errstr_size, "{{base_url}} is not set for this recipe");
            return -1;
        }
        *out = v->base_url;
        return 0;
    }
    if (strcmp(var, "platform") == 0) {
        *out = r->platform;
        return 0;
    }
    if (!q) {
        snprintf(errstr, errstr_size, "{{%s}} needs a job", var);
        return -1;
    }
    const ev_listing_t *l = &q->listing;
    if (strcmp(var, "listing.id") == 0)
        snprintf(buf, size, "%lld", (long long)l->id);
    else if (strcmp(var, "listing.title") == 0)
        *out = l->title ? l->title : "";
    else if (strcmp(var, "listing.description") == 0)
        *out = l->description ? l->description : "";
    else if (strcmp(var, "listing.price") == 0)
        money_display(l->price_cents, NULL, r->price_whole ? MONEY_FIELD_WHOLE : MONEY_FIELD, buf,
                      size);
    else if (strcmp(var, "listing.price_cents") == 0)
        snprintf(buf, size, "%lld", (long long)l->price_cents);
    else if (strcmp(var, "listing.currency") == 0)
        *out = l->currency ? l->currency : "";
    else if (strcmp(var, "listing.condition") == 0)
        *out = l->condition ? l->condition : "";
    else if (strcmp(var, "listing.category") == 0)
        *out = l->category ? l->category : "";
    else if (strcmp(var, "listing.location") == 0)
        *out = l->location ? l->location : "";
    else if (strcmp(var, "job.id") == 0)
        snprintf(buf, size, "%lld", (long long)q->job_id);
    else if (strcmp(var, "job.attempt") == 0)
        snprintf(buf, size, "%d", q->attempt);
    else if (strcmp(var, "account_id") == 0)
        snprintf(buf, size, "%lld", (long long)q->account_id);
    else {
        snprintf(errstr, errstr_size, "{{%s}} cannot be used as text", var);
        return -1;
    }
    return 0;
}

static int render_emit(void *ctx, const char *lit, size_t n, const tmpl_expr_t *x, char *errstr,
                       size_t errstr_size)
{
    render_ctx_t *rc = ctx;
    if (!x) {
        sbuf_addn(&rc->out, lit, n);
        return 0;
    }
    if (check_emit((void *)rc->r, NULL, 0, x, errstr, errstr_size) != 0)
        return -1;
    char buf[64];
    const char *val = NULL;
    if (var_value(rc->r, rc->vars, x->var, buf, sizeof(buf), &val, errstr, errstr_size) != 0)
        return -1;
    if (x->map) {
        const cJSON *m = cJSON_GetObjectItemCaseSensitive(rc->r->maps, x->map);
        const cJSON *hit = cJSON_GetObjectItemCaseSensitive(m, val);
        if (!hit)
            hit = cJSON_GetObjectItemCaseSensitive(m, "*");
        if (!cJSON_IsString(hit)) {
            snprintf(errstr, errstr_size, "map %s has no entry for \"%s\" (and no \"*\")", x->map,
                     val);
            return -1;
        }
        val = hit->valuestring;
    }
    sbuf_add(&rc->out, val);
    return 0;
}

char *recipe_render(const recipe_t *r, const char *tmpl, const recipe_vars_t *vars, char *errstr,
                    size_t errstr_size)
{
    render_ctx_t rc = {.r = r, .vars = vars};
    if (tmpl_walk(tmpl, render_emit, &rc, errstr, errstr_size) != 0) {
        sbuf_free(&rc.out);
        return NULL;
    }
    return sbuf_take(&rc.out);
}

/* ---- parsing ---------------------------------------------------------------------------- */

static const struct {
    recipe_step_kind_t kind;
    const char *name;
    const char *keys; /* allowed keys besides action, name, optional, timeout_ms */
} step_kinds[] = {
    {STEP_GOTO, "goto", " url "},
    {STEP_WAIT_FOR, "wait_for", " selector "},
    {STEP_FILL, "fill", " selector value clear then_key "},
    {STEP_UPLOAD, "upload", " selector files "},
    {STEP_CHOOSE_OPTION, "choose_option",
     " selector option options fallback type_to_filter first_if_none min_score "},
    {STEP_CLICK, "click", " selector "},
    {STEP_EXPECT_URL, "expect_url", " contains not_contains "},
    {STEP_READ_URL, "read_url", " into extract_id_after contains not_contains "},
    {STEP_FIND_EXISTING, "find_existing",
     " url item match match_price ready required extract_id_after "},
    {STEP_SCREENSHOT, "screenshot", " name "},
    {STEP_SLEEP, "sleep", " ms "},
};

const char *recipe_step_kind_name(recipe_step_kind_t kind)
{
    for (size_t i = 0; i < sizeof(step_kinds) / sizeof(step_kinds[0]); i++)
        if (step_kinds[i].kind == kind)
            return step_kinds[i].name;
    return "?";
}

/* Parse context of one step, for error messages. */
typedef struct {
    const recipe_t *r;
    const char *file;
    size_t index;
    const char *kind;
    char *errstr;
    size_t errstr_size;
} step_ctx_t;

#define SERR(sc, field, ...)                                                                       \
    step_err((sc)->errstr, (sc)->errstr_size, (sc)->file, (sc)->index, (sc)->kind, field,          \
             __VA_ARGS__)

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
static int get_string_list(step_ctx_t *sc, const cJSON *step, const char *field, char ***out,
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

static void free_string_list(char **list, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(list[i]);
    free(list);
}

static void step_free(recipe_step_t *st)
{
    free(st->describe);
    recipe_selector_free(&st->sel);
    recipe_selector_free(&st->options);
    free(st->url);
    free(st->value);
    free(st->fallback);
    free(st->files);
    free(st->key_after);
    free_string_list(st->contains, st->ncontains);
    free_string_list(st->not_contains, st->nnot_contains);
    free(st->id_after);
    free(st->name);
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

static int step_parse(step_ctx_t *sc, const cJSON *step, recipe_step_t *st)
{
    memset(st, 0, sizeof(*st));
    sc->kind = NULL;
    if (!cJSON_IsObject(step)) {
        SERR(sc, "step", "must be an object");
        return -1;
    }
    const cJSON *action = cJSON_GetObjectItemCaseSensitive(step, "action");
    if (!cJSON_IsString(action)) {
        SERR(sc, "action",
             "missing (one of goto, wait_for, fill, upload, choose_option, click, "
             "expect_url, read_url, find_existing, screenshot, sleep)");
        return -1;
    }
    const char *keys = NULL;
    for (size_t i = 0; i < sizeof(step_kinds) / sizeof(step_kinds[0]); i++) {
        if (strcmp(step_kinds[i].name, action->valuestring) == 0) {
            st->kind = step_kinds[i].kind;
            keys = step_kinds[i].keys;
            sc->kind = step_kinds[i].name;
        }
    }
    if (!keys) {
        SERR(sc, "action", "unknown action \"%s\"", action->valuestring);
        return -1;
    }
    for (const cJSON *it = step->child; it; it = it->next) {
        char probe[80];
        snprintf(probe, sizeof(probe), " %s ", it->string);
        if (strcmp(it->string, "action") != 0 && strcmp(it->string, "name") != 0 &&
            strcmp(it->string, "optional") != 0 && strcmp(it->string, "timeout_ms") != 0 &&
            strcmp(it->string, "retryable") != 0 && !strstr(keys, probe)) {
            SERR(sc, it->string,
                 "not a field of %s (allowed:%s name optional timeout_ms retryable)", sc->kind,
                 keys);
            return -1;
        }
    }

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
                          : DEFAULT_TIMEOUT_MS;
    if (get_number(sc, step, "timeout_ms", def_timeout, 1, 600000, &num) != 0)
        return -1;
    st->timeout_ms = (int)num;

    bool needs_sel = st->kind == STEP_WAIT_FOR || st->kind == STEP_FILL ||
                     st->kind == STEP_UPLOAD || st->kind == STEP_CHOOSE_OPTION ||
                     st->kind == STEP_CLICK;
    if (needs_sel && get_selector(sc, step, "selector", true, &st->sel, &st->has_sel) != 0)
        return -1;

    switch (st->kind) {
    case STEP_GOTO:
        if (get_template(sc, step, "url", true, &st->url) != 0)
            return -1;
        break;
    case STEP_WAIT_FOR:
    case STEP_CLICK:
        break;
    case STEP_FILL: {
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
        break;
    }
    case STEP_UPLOAD: {
        if (get_template(sc, step, "files", true, &st->files) != 0)
            return -1;
        char *t = norm_ci(st->files);
        bool ok = strcmp(t, "{{listing.images}}") == 0 || strcmp(t, "{{ listing.images }}") == 0;
        free(t);
        if (!ok) {
            SERR(sc, "files", "must be \"{{listing.images}}\"");
            return -1;
        }
        break;
    }
    case STEP_CHOOSE_OPTION:
        if (get_template(sc, step, "option", true, &st->value) != 0 ||
            get_template(sc, step, "fallback", false, &st->fallback) != 0 ||
            get_selector(sc, step, "options", false, &st->options, &st->has_options) != 0 ||
            get_bool(sc, step, "type_to_filter", false, &st->type_to_filter) != 0 ||
            get_bool(sc, step, "first_if_none", false, &st->first_if_none) != 0 ||
            get_number(sc, step, "min_score", DEFAULT_MIN_SCORE, 0.0, 1.0, &st->min_score) != 0)
            return -1;
        if (!st->has_options) {
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
        }
        break;
    case STEP_EXPECT_URL:
    case STEP_READ_URL:
        if (get_string_list(sc, step, "contains", &st->contains, &st->ncontains) != 0 ||
            get_string_list(sc, step, "not_contains", &st->not_contains, &st->nnot_contains) != 0)
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
        break;
    case STEP_FIND_EXISTING:
        if (get_template(sc, step, "url", true, &st->url) != 0 ||
            get_selector(sc, step, "item", true, &st->sel, &st->has_sel) != 0 ||
            get_template(sc, step, "match", true, &st->value) != 0 ||
            get_bool(sc, step, "match_price", false, &st->match_price) != 0 ||
            get_bool(sc, step, "required", false, &st->required) != 0 ||
            get_selector(sc, step, "ready", false, &st->options, &st->has_options) != 0)
            return -1;
        break;
    case STEP_SCREENSHOT: {
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
        break;
    }
    case STEP_SLEEP:
        if (get_number(sc, step, "ms", -1, 0, 60000, &num) != 0)
            return -1;
        if (num < 0) {
            SERR(sc, "ms", "missing");
            return -1;
        }
        st->sleep_ms = (int)num;
        break;
    }

    const cJSON *m = cJSON_GetObjectItemCaseSensitive(step, "extract_id_after");
    if (m) { /* only read_url and find_existing allow the key (checked above) */
        if (!cJSON_IsString(m) || !m->valuestring[0]) {
            SERR(sc, "extract_id_after", "must be a non-empty string like \"/item/\"");
            return -1;
        }
        st->id_after = xstrdup(m->valuestring);
    }

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

static const char *const top_keys[] = {"platform",  "description",  "base_url", "base_url_env",
                                       "login_url", "price_format", "maps",     "login_detect",
                                       "steps",     "$comment"};

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
    if (get_string_list(&sc, ld, "url_contains", &r->login_url_contains, &r->nlogin_url_contains) !=
        0) {
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

recipe_t *recipe_parse(const char *platform, const char *path, const char *json, size_t len,
                       char *errstr, size_t errstr_size)
{
    const char *file = strrchr(path, '/') ? strrchr(path, '/') + 1 : path;
    recipe_t *r = xcalloc(1, sizeof(*r));
    r->platform = xstrdup(platform);
    r->path = xstrdup(path);
    cJSON *root = cJSON_ParseWithLength(json, len);
    if (!root) {
        const char *at = cJSON_GetErrorPtr();
        long off = at && at >= json && at <= json + len ? (long)(at - json) : -1;
        snprintf(errstr, errstr_size, "%s: not valid JSON (near byte %ld)", file, off);
        goto fail;
    }
    if (!cJSON_IsObject(root)) {
        snprintf(errstr, errstr_size, "%s: must be a JSON object", file);
        goto fail;
    }
    for (const cJSON *it = root->child; it; it = it->next) {
        bool known = false;
        for (size_t i = 0; i < sizeof(top_keys) / sizeof(top_keys[0]); i++)
            if (strcmp(top_keys[i], it->string) == 0)
                known = true;
        if (!known) {
            snprintf(errstr, errstr_size, "%s: unknown top-level field \"%s\"", file, it->string);
            goto fail;
        }
    }
    const cJSON *pf = cJSON_GetObjectItemCaseSensitive(root, "platform");
    if (pf && (!cJSON_IsString(pf) || strcmp(pf->valuestring, platform) != 0)) {
        snprintf(errstr, errstr_size, "%s: platform: must equal the file name's \"%s\"", file,
                 platform);
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
    const cJSON *maps = cJSON_GetObjectItemCaseSensitive(root, "maps");
    if (maps) {
        if (!cJSON_IsObject(maps)) {
            snprintf(errstr, errstr_size, "%s: maps: must be an object of objects", file);
            goto fail;
        }
        for (const cJSON *m = maps->child; m; m = m->next) {
            if (!cJSON_IsObject(m)) {
                snprintf(errstr, errstr_size, "%s: maps.%s: must be an object of strings", file,
                         m->string);
                goto fail;
            }
            for (const cJSON *e = m->child; e; e = e->next) {
                if (!cJSON_IsString(e)) {
                    snprintf(errstr, errstr_size, "%s: maps.%s.%s: must be a string", file,
                             m->string, e->string);
                    goto fail;
                }
            }
        }
        r->maps = cJSON_Duplicate(maps, true);
    }
    if (r->login_url) {
        char err[256];
        if (recipe_template_check(r, r->login_url, err, sizeof(err)) != 0) {
            snprintf(errstr, errstr_size, "%s: login_url: %s", file, err);
            goto fail;
        }
    }
    if (parse_login_detect(r, cJSON_GetObjectItemCaseSensitive(root, "login_detect"), file, errstr,
                           errstr_size) != 0)
        goto fail;

    const cJSON *steps = cJSON_GetObjectItemCaseSensitive(root, "steps");
    if (!cJSON_IsArray(steps) || cJSON_GetArraySize(steps) == 0) {
        snprintf(errstr, errstr_size, "%s: steps: must be a non-empty array", file);
        goto fail;
    }
    size_t n = (size_t)cJSON_GetArraySize(steps);
    if (n > MAX_STEPS) {
        snprintf(errstr, errstr_size, "%s: steps: at most %d steps", file, MAX_STEPS);
        goto fail;
    }
    r->steps = xcalloc(n, sizeof(recipe_step_t));
    const cJSON *step;
    cJSON_ArrayForEach(step, steps)
    {
        step_ctx_t sc = {
            .r = r, .file = file, .index = r->nsteps, .errstr = errstr, .errstr_size = errstr_size};
        int rc = step_parse(&sc, step, &r->steps[r->nsteps]);
        r->nsteps++; /* counted even on failure, so recipe_free releases its parts */
        if (rc != 0)
            goto fail;
    }
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
    free_string_list(r->login_url_contains, r->nlogin_url_contains);
    for (size_t i = 0; i < r->nlogin_selectors; i++)
        recipe_selector_free(&r->login_selectors[i]);
    free(r->login_selectors);
    free(r->login_hint);
    for (size_t i = 0; i < r->nsteps; i++)
        step_free(&r->steps[i]);
    free(r->steps);
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
    memset(set, 0, sizeof(*set));
    int rc = -1;
    char **names = NULL;
    size_t nnames = 0;
    DIR *d = opendir(dir);
    if (!d) {
        snprintf(errstr, errstr_size, "RECIPES_DIR %s: %s", dir, strerror(errno));
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
        snprintf(errstr, errstr_size, "RECIPES_DIR %s: no *.json recipe", dir);
        goto cleanup;
    }
    qsort(names, nnames, sizeof(char *), name_cmp);
    set->items = xcalloc(nnames, sizeof(recipe_t *));
    for (size_t i = 0; i < nnames; i++) {
        char *path = xasprintf("%s/%s", dir, names[i]);
        char *platform = xstrndup(names[i], strlen(names[i]) - 5);
        size_t len = 0;
        char *json = read_file(path, MAX_RECIPE_BYTES, &len, errstr, errstr_size);
        recipe_t *r = json ? recipe_parse(platform, path, json, len, errstr, errstr_size) : NULL;
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
