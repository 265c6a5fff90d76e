/* Recipe templates (see recipe.h): "{{listing.title}}", "{{listing.condition|map:cond}}";
 * checked when the recipe loads, rendered for each job. */
#include "browser/recipe.h"

#include <ctype.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/money.h"
#include "common/sbuf.h"
#include "common/xmalloc.h"

/* ---- templates -------------------------------------------------------------------------- */

/* A posting recipe's variables, with the section scope each needs (0: every section). */
static const struct {
    const char *name;
    unsigned scope;
} template_vars[] = {
    {"base_url", 0},
    {"platform", 0},
    {"account_id", 0},
    {"job.id", 0},
    {"job.attempt", 0},
    {"listing.id", RECIPE_SCOPE_LISTING},
    {"listing.title", RECIPE_SCOPE_LISTING},
    {"listing.description", RECIPE_SCOPE_LISTING},
    {"listing.price", RECIPE_SCOPE_LISTING},
    {"listing.price_cents", RECIPE_SCOPE_LISTING},
    {"listing.currency", RECIPE_SCOPE_LISTING},
    {"listing.condition", RECIPE_SCOPE_LISTING},
    {"listing.category", RECIPE_SCOPE_LISTING},
    {"listing.location", RECIPE_SCOPE_LISTING},
    {"listing.images", RECIPE_SCOPE_LISTING},
    {"posting.external_url", RECIPE_SCOPE_POSTING},
    {"posting.external_id", RECIPE_SCOPE_POSTING},
    {"delist.reason", RECIPE_SCOPE_DELIST},
};

/* An inbox recipe's variables, with the section scope each needs (0: every section). */
static const struct {
    const char *name;
    unsigned scope;
} inbox_vars[] = {
    {"base_url", 0},
    {"platform", 0},
    {"account_id", 0},
    {"thread.id", RECIPE_SCOPE_THREAD},
    {"thread.url", RECIPE_SCOPE_THREAD},
    {"message.text", RECIPE_SCOPE_MESSAGE},
};

/* Whether var may appear in r's templates (for an inbox recipe: in the section being
 * parsed, r->tmpl_scope; 0 after loading means any section's). */
static int var_known(const recipe_t *r, const char *var, char *errstr, size_t errstr_size)
{
    if (r && r->kind == RECIPE_INBOX) {
        for (size_t i = 0; i < sizeof(inbox_vars) / sizeof(inbox_vars[0]); i++) {
            if (strcmp(inbox_vars[i].name, var) != 0)
                continue;
            if (inbox_vars[i].scope && r->tmpl_scope && !(inbox_vars[i].scope & r->tmpl_scope)) {
                snprintf(errstr, errstr_size, "%s is not known in this section", var);
                return -1;
            }
            return 0;
        }
    } else {
        for (size_t i = 0; i < sizeof(template_vars) / sizeof(template_vars[0]); i++) {
            if (strcmp(template_vars[i].name, var) != 0)
                continue;
            if (template_vars[i].scope && r && r->tmpl_scope &&
                !(template_vars[i].scope & r->tmpl_scope)) {
                snprintf(errstr, errstr_size, "%s is not known in this section", var);
                return -1;
            }
            return 0;
        }
        if (strncmp(var, "page.", 5) == 0 && var[5]) {
            /* set by a read_text step before it in the same section */
            for (size_t i = 0; r && i < r->page_vars.n; i++)
                if (strcmp(r->page_vars.names[i], var + 5) == 0)
                    return 0;
            if (r && !r->tmpl_scope)
                return 0; /* rendering: the run's page values decide */
            snprintf(errstr, errstr_size, "%s is not set by a read_text step before this one", var);
            return -1;
        }
    }
    snprintf(errstr, errstr_size, "unknown template variable %s", var);
    return -1;
}

/* One {{ ... }} expression split into its variable and its filters (trimmed, pointing into
 * buf): at most one map:NAME, then optionally urlencode. */
typedef struct {
    char buf[256];
    const char *var;
    const char *map; /* NULL when no map filter */
    bool urlencode;  /* percent-encode the value (after the map) */
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

static int tmpl_expr_parse(const recipe_t *r, const char *start, size_t len, tmpl_expr_t *x,
                           char *errstr, size_t errstr_size)
{
    if (len >= sizeof(x->buf)) {
        snprintf(errstr, errstr_size, "template expression too long");
        return -1;
    }
    memcpy(x->buf, start, len);
    x->buf[len] = '\0';
    x->map = NULL;
    x->urlencode = false;
    char *bar = strchr(x->buf, '|');
    if (bar)
        *bar = '\0';
    while (bar) {
        char *filter = bar + 1;
        bar = strchr(filter, '|');
        if (bar)
            *bar = '\0';
        filter = trim(filter);
        if (strcmp(filter, "urlencode") == 0 && !x->urlencode) {
            x->urlencode = true;
        } else if (strncmp(filter, "map:", 4) == 0 && *trim(filter + 4) && !x->map &&
                   !x->urlencode) {
            x->map = trim(filter + 4);
        } else {
            snprintf(errstr, errstr_size,
                     "unknown template filter \"%s\" (map:NAME, then urlencode, each once)",
                     filter);
            return -1;
        }
    }
    x->var = trim(x->buf);
    return var_known(r, x->var, errstr, errstr_size);
}

/* RFC 3986 percent-encoding of everything but the unreserved characters. */
static void add_urlencoded(sbuf_t *out, const char *s)
{
    static const char hex[] = "0123456789ABCDEF";
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        if (isalnum(*p) || *p == '-' || *p == '.' || *p == '_' || *p == '~') {
            sbuf_addc(out, (char)*p);
        } else {
            char enc[3] = {'%', hex[*p >> 4], hex[*p & 15]};
            sbuf_addn(out, enc, 3);
        }
    }
}

/* Walks a template: calls emit for literal text and expressions. Returns 0 or -1. */
typedef int (*tmpl_emit_fn)(void *ctx, const char *lit, size_t n, const tmpl_expr_t *x,
                            char *errstr, size_t errstr_size);

static int tmpl_walk(const recipe_t *r, const char *tmpl, tmpl_emit_fn emit, void *ctx,
                     char *errstr, size_t errstr_size)
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
        if (tmpl_expr_parse(r, open + 2, (size_t)(close - open - 2), &x, errstr, errstr_size) != 0)
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
    return tmpl_walk(r, tmpl, check_emit, (void *)r, errstr, errstr_size);
}

/* The value of an inbox variable: a NULL one (a thread's URL in a list call) is an error. */
static int inbox_value(const recipe_vars_t *v, const char *var, char *buf, size_t size,
                       const char **out, char *errstr, size_t errstr_size)
{
    const char *val = NULL;
    if (strcmp(var, "account_id") == 0) {
        snprintf(buf, size, "%lld", (long long)v->account_id);
        return 0;
    }
    if (strcmp(var, "thread.id") == 0)
        val = v->thread_id;
    else if (strcmp(var, "thread.url") == 0)
        val = v->thread_url;
    else if (strcmp(var, "message.text") == 0)
        val = v->message_text;
    if (!val) {
        snprintf(errstr, errstr_size, "{{%s}} is not set for this call", var);
        return -1;
    }
    *out = val;
    return 0;
}

/* The value of a delist's or update's variable: a NULL one is an error. */
static int run_value(const recipe_vars_t *v, const char *var, const char **out, char *errstr,
                     size_t errstr_size)
{
    const char *val = NULL;
    if (strcmp(var, "posting.external_url") == 0)
        val = v->external_url;
    else if (strcmp(var, "posting.external_id") == 0)
        val = v->external_id;
    else if (strcmp(var, "delist.reason") == 0)
        val = v->reason;
    else if (strncmp(var, "page.", 5) == 0) {
        const cJSON *p = v->page ? cJSON_GetObjectItemCaseSensitive(v->page, var + 5) : NULL;
        val = cJSON_IsString(p) ? p->valuestring : NULL;
    }
    if (!val) {
        snprintf(errstr, errstr_size, "{{%s}} is not set for this job", var);
        return -1;
    }
    *out = val;
    return 0;
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
    if (r->kind == RECIPE_INBOX)
        return inbox_value(v, var, buf, size, out, errstr, errstr_size);
    if (strncmp(var, "posting.", 8) == 0 || strncmp(var, "delist.", 7) == 0 ||
        strncmp(var, "page.", 5) == 0)
        return run_value(v, var, out, errstr, errstr_size);
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
        if (cJSON_IsNull(hit))
            hit = NULL; /* "*": null: an unmapped value passes as it is */
        else if (!cJSON_IsString(hit)) {
            snprintf(errstr, errstr_size, "map %s has no entry for \"%s\" (and no \"*\")", x->map,
                     val);
            return -1;
        }
        if (hit)
            val = hit->valuestring;
    }
    if (x->urlencode)
        add_urlencoded(&rc->out, val);
    else
        sbuf_add(&rc->out, val);
    return 0;
}

char *recipe_render(const recipe_t *r, const char *tmpl, const recipe_vars_t *vars, char *errstr,
                    size_t errstr_size)
{
    render_ctx_t rc = {.r = r, .vars = vars};
    if (tmpl_walk(r, tmpl, render_emit, &rc, errstr, errstr_size) != 0) {
        sbuf_free(&rc.out);
        return NULL;
    }
    return sbuf_take(&rc.out);
}
