/* A posting recipe's optional sections beside its steps (see recipe.h and
 * services/poster/recipes/README.md): "delist" (take a live posting off the marketplace: its
 * delete steps, a mark_sold variant, and how an already-gone listing looks), "update"
 * (bring a live posting in line with its listing) and "renew" (bring it to the top again,
 * and how "not renewable yet" looks). Errors name the file, the section, the
 * step and the field: "sandbox.json: delist: step 2 (click): selector: missing". */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "browser/recipe.h"
#include "common/xmalloc.h"
#include "recipe_parse.h"

void recipe_section_begin(recipe_t *r, unsigned scope)
{
    r->tmpl_scope = scope ? scope | RECIPE_SCOPE_SECTION : 0;
    recipe_string_list_free(r->page_vars.names, r->page_vars.n);
    r->page_vars.names = NULL;
    r->page_vars.n = 0;
}

/* Refuses keys of obj not in allowed (" a b c "). */
static int check_keys(const cJSON *obj, const char *allowed, const char *where, char *errstr,
                      size_t errstr_size)
{
    for (const cJSON *it = obj->child; it; it = it->next) {
        char probe[80];
        snprintf(probe, sizeof(probe), " %s ", it->string);
        if (strlen(it->string) > 60 || !strstr(allowed, probe)) {
            snprintf(errstr, errstr_size, "%s: unknown field \"%s\" (allowed:%s)", where,
                     it->string, allowed);
            return -1;
        }
    }
    return 0;
}

/* An array of plain (non-template) selector objects. */
static int parse_selector_list(const cJSON *obj, const char *field, bool required,
                               recipe_selector_t **out, size_t *n, const char *where, char *errstr,
                               size_t errstr_size)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, field);
    if (!v && !required)
        return 0;
    if (!cJSON_IsArray(v) || cJSON_GetArraySize(v) == 0) {
        snprintf(errstr, errstr_size, "%s: %s: %s", where, field,
                 v ? "must be a non-empty array of selectors"
                   : "missing (selectors of what the marketplace shows for a listing that is "
                     "gone, e.g. [{\"text\": \"This listing isn't available\", \"contains\": "
                     "true}]: a redelivered delist must end in success)");
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
        if (strstr((*out)[*n - 1].value, "{{")) {
            snprintf(errstr, errstr_size, "%s: %s[%zu]: templates are not supported here", where,
                     field, *n - 1);
            return -1;
        }
    }
    return 0;
}

int recipe_parse_delist(recipe_t *r, const cJSON *obj, char *errstr, size_t errstr_size)
{
    if (!obj)
        return 0;
    char where[300];
    snprintf(where, sizeof(where), "%s: delist", recipe_file_name(r));
    if (!cJSON_IsObject(obj)) {
        snprintf(errstr, errstr_size, "%s: must be an object", where);
        return -1;
    }
    if (check_keys(obj, " steps mark_sold gone already_sold $comment ", where, errstr,
                   errstr_size) != 0)
        return -1;
    recipe_delist_t *d = r->delist = xcalloc(1, sizeof(*d));
    if (parse_selector_list(obj, "gone", true, &d->gone, &d->ngone, where, errstr, errstr_size) !=
            0 ||
        parse_selector_list(obj, "already_sold", false, &d->already_sold, &d->nalready_sold, where,
                            errstr, errstr_size) != 0)
        return -1;
    recipe_section_begin(r, RECIPE_SCOPE_POSTING | RECIPE_SCOPE_DELIST);
    if (recipe_parse_steps(r, cJSON_GetObjectItemCaseSensitive(obj, "steps"), where, &d->steps,
                           &d->nsteps, errstr, errstr_size) != 0)
        return -1;
    const cJSON *ms = cJSON_GetObjectItemCaseSensitive(obj, "mark_sold");
    if (ms) {
        char w2[320];
        snprintf(w2, sizeof(w2), "%s.mark_sold", where);
        recipe_section_begin(r, RECIPE_SCOPE_POSTING | RECIPE_SCOPE_DELIST);
        if (recipe_parse_steps(r, ms, w2, &d->mark_sold, &d->nmark_sold, errstr, errstr_size) != 0)
            return -1;
    }
    return 0;
}

int recipe_parse_update(recipe_t *r, const cJSON *obj, char *errstr, size_t errstr_size)
{
    if (!obj)
        return 0;
    char where[300];
    snprintf(where, sizeof(where), "%s: update", recipe_file_name(r));
    if (!cJSON_IsObject(obj)) {
        snprintf(errstr, errstr_size, "%s: must be an object", where);
        return -1;
    }
    if (check_keys(obj, " steps $comment ", where, errstr, errstr_size) != 0)
        return -1;
    recipe_update_t *u = r->update = xcalloc(1, sizeof(*u));
    recipe_section_begin(r, RECIPE_SCOPE_POSTING | RECIPE_SCOPE_LISTING);
    return recipe_parse_steps(r, cJSON_GetObjectItemCaseSensitive(obj, "steps"), where, &u->steps,
                              &u->nsteps, errstr, errstr_size);
}

int recipe_parse_renew(recipe_t *r, const cJSON *obj, char *errstr, size_t errstr_size)
{
    if (!obj)
        return 0;
    char where[300];
    snprintf(where, sizeof(where), "%s: renew", recipe_file_name(r));
    if (!cJSON_IsObject(obj)) {
        snprintf(errstr, errstr_size, "%s: must be an object", where);
        return -1;
    }
    if (check_keys(obj, " steps not_yet not_yet_message $comment ", where, errstr, errstr_size) !=
        0)
        return -1;
    recipe_renew_t *n = r->renew = xcalloc(1, sizeof(*n));
    const cJSON *msg = cJSON_GetObjectItemCaseSensitive(obj, "not_yet_message");
    if (!cJSON_IsString(msg) || !msg->valuestring[0] || strlen(msg->valuestring) > 300) {
        snprintf(errstr, errstr_size, "%s: not_yet_message: %s", where,
                 msg ? "must be a text of 1 to 300 characters"
                     : "missing (what the seller is told when the marketplace does not allow "
                       "the renew yet, e.g. \"Facebook allows a renew every 7 days\")");
        return -1;
    }
    n->not_yet_message = xstrdup(msg->valuestring);
    /* "not_yet" shares the gone list's reader; its missing-field advice is the gone list's */
    const cJSON *ny = cJSON_GetObjectItemCaseSensitive(obj, "not_yet");
    if (!ny) {
        snprintf(errstr, errstr_size,
                 "%s: not_yet: missing (selectors of what the marketplace shows for a listing "
                 "that cannot be renewed yet, e.g. a disabled \"Renew (3 days)\" item)",
                 where);
        return -1;
    }
    if (parse_selector_list(obj, "not_yet", true, &n->not_yet, &n->nnot_yet, where, errstr,
                            errstr_size) != 0)
        return -1;
    recipe_section_begin(r, RECIPE_SCOPE_POSTING);
    return recipe_parse_steps(r, cJSON_GetObjectItemCaseSensitive(obj, "steps"), where, &n->steps,
                              &n->nsteps, errstr, errstr_size);
}

static void steps_free(recipe_step_t *steps, size_t n)
{
    for (size_t i = 0; i < n; i++)
        recipe_step_free(&steps[i]);
    free(steps);
}

static void selectors_free(recipe_selector_t *sels, size_t n)
{
    for (size_t i = 0; i < n; i++)
        recipe_selector_free(&sels[i]);
    free(sels);
}

void recipe_delist_free(recipe_delist_t *d)
{
    if (!d)
        return;
    steps_free(d->steps, d->nsteps);
    steps_free(d->mark_sold, d->nmark_sold);
    selectors_free(d->gone, d->ngone);
    selectors_free(d->already_sold, d->nalready_sold);
    free(d);
}

void recipe_update_free(recipe_update_t *u)
{
    if (!u)
        return;
    steps_free(u->steps, u->nsteps);
    free(u);
}

void recipe_renew_free(recipe_renew_t *n)
{
    if (!n)
        return;
    steps_free(n->steps, n->nsteps);
    selectors_free(n->not_yet, n->nnot_yet);
    free(n->not_yet_message);
    free(n);
}
