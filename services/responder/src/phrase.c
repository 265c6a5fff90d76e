/* Phrase patterns over chat text (see phrase.h): a word splitter and a small backtracking
 * matcher; patterns are a few words long and messages a few hundred, so this is cheap. */
#include "phrase.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "common/xmalloc.h"

#define PHRASE_TEXT_MAX_WORDS 2000
#define PHRASE_PATTERN_MAX_TOKENS 16
#define PHRASE_GAP_MAX 3

static bool is_word_char(unsigned char c)
{
    return isalnum(c) || c == '&';
}

size_t phrase_apostrophe_len(const char *s)
{
    const unsigned char *u = (const unsigned char *)s;
    if (u[0] == '\'') {
        return 1;
    }
    if (u[0] == 0xE2 && u[1] == 0x80 && u[2] == 0x99) {
        return 3;
    }
    return 0;
}

void phrase_text_init(phrase_text_t *t, const char *text)
{
    size_t cap = 16;
    t->words = xmalloc(cap * sizeof(*t->words));
    t->n = 0;
    if (text == NULL) {
        return;
    }
    const char *p = text;
    while (*p != '\0' && t->n < PHRASE_TEXT_MAX_WORDS) {
        if (!is_word_char((unsigned char)*p)) {
            p++;
            continue;
        }
        if (t->n == cap) {
            cap *= 2;
            t->words = xrealloc(t->words, cap * sizeof(*t->words));
        }
        size_t len = 0;
        for (;;) {
            size_t ap = phrase_apostrophe_len(p);
            if (is_word_char((unsigned char)*p)) {
                if (len + 1 < PHRASE_WORD_MAX) {
                    t->words[t->n][len++] = (char)tolower((unsigned char)*p);
                }
                p++;
            } else if (ap > 0 && len > 0 && is_word_char((unsigned char)p[ap])) {
                p += ap; /* "i'm" -> "im" */
            } else {
                break;
            }
        }
        t->words[t->n][len] = '\0';
        t->n++;
    }
}

void phrase_text_free(phrase_text_t *t)
{
    if (t == NULL) {
        return;
    }
    free(t->words);
    t->words = NULL;
    t->n = 0;
}

typedef struct {
    char tok[PHRASE_WORD_MAX];
    bool prefix; /* "pre*" */
    bool gap;    /* "*" */
} ptok_t;

/* Splits a pattern into tokens; returns how many, and the anchors. */
static size_t pattern_split(const char *pattern, ptok_t *toks, bool *anchor_start, bool *anchor_end)
{
    size_t n = 0;
    const char *p = pattern;
    *anchor_start = false;
    *anchor_end = false;
    while (*p != '\0' && n < PHRASE_PATTERN_MAX_TOKENS) {
        if (*p == ' ') {
            p++;
            continue;
        }
        const char *end = p;
        while (*end != '\0' && *end != ' ') {
            end++;
        }
        size_t len = (size_t)(end - p);
        if (len > 1 && *p == '^' && n == 0) {
            *anchor_start = true; /* "^deal" */
            p++;
            len--;
        }
        if (len > 1 && end[-1] == '$') {
            *anchor_end = true; /* "ok$" */
            end--;
            len--;
        }
        if (len == 1 && *p == '^' && n == 0) {
            *anchor_start = true;
        } else if (len == 1 && *p == '$') {
            *anchor_end = true;
        } else {
            ptok_t *t = &toks[n++];
            memset(t, 0, sizeof(*t));
            if (len == 1 && *p == '*') {
                t->gap = true;
            } else {
                size_t k = 0;
                for (const char *q = p; q < end; q++) {
                    if (*q == '*' && q + 1 == end) {
                        t->prefix = true;
                    } else if (*q != '\'' && k + 1 < sizeof(t->tok)) {
                        t->tok[k++] = (char)tolower((unsigned char)*q);
                    }
                }
                t->tok[k] = '\0';
            }
        }
        p = *end == '$' ? end + 1 : end;
    }
    return n;
}

static bool tok_matches(const ptok_t *pt, const char *word)
{
    if (pt->prefix) {
        return strncmp(word, pt->tok, strlen(pt->tok)) == 0;
    }
    return strcmp(word, pt->tok) == 0;
}

/* Matches toks[ti..] at word wi; end anchor checks that all words were used. */
static bool match_at(const phrase_text_t *t, const ptok_t *toks, size_t ntoks, size_t ti, size_t wi,
                     bool anchor_end)
{
    if (ti == ntoks) {
        return !anchor_end || wi == t->n;
    }
    if (toks[ti].gap) {
        for (size_t skip = 0; skip <= PHRASE_GAP_MAX && wi + skip <= t->n; skip++) {
            if (match_at(t, toks, ntoks, ti + 1, wi + skip, anchor_end)) {
                return true;
            }
        }
        return false;
    }
    if (wi >= t->n || !tok_matches(&toks[ti], t->words[wi])) {
        return false;
    }
    return match_at(t, toks, ntoks, ti + 1, wi + 1, anchor_end);
}

bool phrase_match(const phrase_text_t *t, const char *pattern)
{
    ptok_t toks[PHRASE_PATTERN_MAX_TOKENS];
    bool anchor_start = false;
    bool anchor_end = false;
    size_t ntoks = pattern_split(pattern, toks, &anchor_start, &anchor_end);
    if (ntoks == 0) {
        return false;
    }
    size_t last_start = anchor_start ? 0 : t->n;
    for (size_t wi = 0; wi <= last_start && wi <= t->n; wi++) {
        if (match_at(t, toks, ntoks, 0, wi, anchor_end)) {
            return true;
        }
    }
    return false;
}

const char *phrase_match_any(const phrase_text_t *t, const char *const *patterns)
{
    for (size_t i = 0; patterns[i] != NULL; i++) {
        if (phrase_match(t, patterns[i])) {
            return patterns[i];
        }
    }
    return NULL;
}
