/* What the recipe modules share while parsing a recipe file: the context of one step for
 * error messages ("<file>: step N (kind): <field>: <problem>"), one step's parser, string
 * lists, and the text normalisation the XPath selectors compare with. Private to
 * libs/browser/src/recipe*.c. */
#ifndef BROWSER_RECIPE_PARSE_H
#define BROWSER_RECIPE_PARSE_H

#include <stdbool.h>
#include <stddef.h>

#include <cjson/cJSON.h>

#include "browser/recipe.h"

/* Parse context of one step, for error messages. */
typedef struct {
    const recipe_t *r;
    const char *file;
    size_t index;
    const char *kind;
    char *errstr;
    size_t errstr_size;
} step_ctx_t;

/* An error about field of the step in sc. */
#define SERR(sc, field, ...)                                                                       \
    recipe_step_err((sc)->errstr, (sc)->errstr_size, (sc)->file, (sc)->index, (sc)->kind, field,   \
                    __VA_ARGS__)

/* Formats "<file>: step N (kind): <field>: <problem>" into errstr. */
void recipe_step_err(char *errstr, size_t errstr_size, const char *file, size_t index,
                     const char *kind, const char *field, const char *fmt, ...)
    __attribute__((format(printf, 7, 8)));

/* Parses one element of "steps" into st (zeroed first). Returns 0, or -1 with sc's errstr;
 * either way st is released with recipe_step_free. */
int recipe_step_parse(step_ctx_t *sc, const cJSON *step, recipe_step_t *st);
void recipe_step_free(recipe_step_t *st);

/* The file name of r's path, for messages. */
const char *recipe_file_name(const recipe_t *r);

/* Parses the JSON text and the fields every recipe kind shares (platform, base_url,
 * base_url_env, login_url, price_format, maps, login_detect), refusing top-level keys not in
 * keys (NULL-terminated). Returns the parsed root (caller deletes) or NULL with errstr. */
cJSON *recipe_parse_head(recipe_t *r, const char *const *keys, const char *json, size_t len,
                         char *errstr, size_t errstr_size);

/* "steps": a non-empty array of steps into *out / *nout (which the caller frees with
 * recipe_step_free each, even on failure). where prefixes errors ("sandbox.json: send"). */
int recipe_parse_steps(recipe_t *r, const cJSON *steps, const char *where, recipe_step_t **out,
                       size_t *nout, char *errstr, size_t errstr_size);

/* Starts parsing a section whose templates may use scope (RECIPE_SCOPE_* bits; 0: after
 * parsing, anything): sets r->tmpl_scope and forgets the page.* names of the last section. */
void recipe_section_begin(recipe_t *r, unsigned scope);

/* A posting recipe's optional "delist" and "update" sections (recipe_sections.c). Absent:
 * r->delist / r->update stay NULL. Return 0 or -1 with errstr ("sandbox.json: delist: ..."). */
int recipe_parse_delist(recipe_t *r, const cJSON *obj, char *errstr, size_t errstr_size);
int recipe_parse_update(recipe_t *r, const cJSON *obj, char *errstr, size_t errstr_size);
void recipe_delist_free(recipe_delist_t *d);
void recipe_update_free(recipe_update_t *u);
/* The optional "renew" section (recipe_sections.c); absent: r->renew stays NULL. */
int recipe_parse_renew(recipe_t *r, const cJSON *obj, char *errstr, size_t errstr_size);
void recipe_renew_free(recipe_renew_t *n);

/* Frees an inbox recipe's sections. Accepts NULL. */
void recipe_inbox_free(recipe_inbox_t *in);

/* field as a string or a non-empty array of strings (absent: *out NULL, *n 0). Returns 0 or
 * -1 with sc's errstr. Free with recipe_string_list_free. */
int recipe_string_list_get(step_ctx_t *sc, const cJSON *obj, const char *field, char ***out,
                           size_t *n);
void recipe_string_list_free(char **list, size_t n);

/* Whitespace collapsed and trimmed, ASCII lower-cased (new string, caller frees). */
char *recipe_norm_ci(const char *s);

#endif
