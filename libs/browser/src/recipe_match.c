/* Matching what a page shows (see recipe.h): fuzzy scores between an option's text and the
 * wanted value, and an id read out of a URL. */
#include "browser/recipe.h"

#include <ctype.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/sbuf.h"
#include "common/xmalloc.h"

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

char *recipe_step_id(const recipe_step_t *st, const char *text)
{
    if (!text)
        return NULL;
    if (!st->id_re)
        return st->id_after ? recipe_extract_after(text, st->id_after) : NULL;
    regmatch_t m[10];
    if (regexec(st->id_re, text, 10, m, 0) != 0)
        return NULL;
    /* The first group that took part: "/item/([0-9]+)|listing_id=([0-9]+)" has one id in
     * each alternative. */
    for (size_t g = 1; g < 10 && g <= st->id_re->re_nsub; g++)
        if (m[g].rm_so >= 0 && m[g].rm_eo > m[g].rm_so)
            return xstrndup(text + m[g].rm_so, (size_t)(m[g].rm_eo - m[g].rm_so));
    return NULL;
}
