/* Phrase patterns over chat text, so the pre-guards, intents and post-guards can be plain
 * tables of readable strings. Text and patterns are split into lower-case ASCII words
 * (letters, digits and '&'; apostrophes dropped so "I'm" and "im" match alike). Pure, no I/O. */
#ifndef RESPONDER_PHRASE_H
#define RESPONDER_PHRASE_H

#include <stdbool.h>
#include <stddef.h>

#define PHRASE_WORD_MAX 24

/* A text split into words. */
typedef struct {
    char (*words)[PHRASE_WORD_MAX];
    size_t n;
} phrase_text_t;

/* Splits text (NULL = empty) into words; at most 2,000 words are kept. The caller frees with
 * phrase_text_free. Thread-safe. */
void phrase_text_init(phrase_text_t *t, const char *text);

/* Frees what phrase_text_init allocated; accepts a zeroed struct. */
void phrase_text_free(phrase_text_t *t);

/* True when pattern occurs in t. Pattern syntax, words separated by spaces:
 *   word      that word ("i'll" = "ill");
 *   pre*      any word starting with "pre";
 *   *         any 0 to 3 words ("send * extra" matches "send you extra", "send extra");
 *   ^ first   the pattern must start at the first word; `last $` must end at the last word.
 * Pure and thread-safe. */
bool phrase_match(const phrase_text_t *t, const char *pattern);

/* Byte length of an apostrophe at s (' or U+2019), or 0. Words drop it ("I'm" = "im"); the
 * offer reader keeps one inside a word ("i'll"). */
size_t phrase_apostrophe_len(const char *s);

/* The first pattern of the NULL-terminated list that occurs in t, or NULL. */
const char *phrase_match_any(const phrase_text_t *t, const char *const *patterns);

#endif
