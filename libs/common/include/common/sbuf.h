/* A growable, always NUL-terminated string for building text of unknown length (prompts,
 * metrics pages, XPath expressions, HTTP bodies). Aborts on out-of-memory, like xmalloc:
 * for text we build ourselves; cap what comes from outside before appending it (see
 * httpc_sink_t). Not thread-safe: one owner at a time. */
#ifndef COMMON_SBUF_H
#define COMMON_SBUF_H

#include <stddef.h>

/* Zero-initialise ({0}) before use. s is NULL until the first append, then always
 * NUL-terminated at s[len]. */
typedef struct {
    char *s;
    size_t len;
    size_t cap;
} sbuf_t;

/* Appends n bytes of s (which may hold NULs; the buffer stays terminated after them). */
void sbuf_addn(sbuf_t *b, const char *s, size_t n);
/* Appends a NUL-terminated string. */
void sbuf_add(sbuf_t *b, const char *s);
/* Appends one byte. */
void sbuf_addc(sbuf_t *b, char c);
/* Appends printf-formatted text. */
void sbuf_printf(sbuf_t *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Drops the text but keeps the memory for reuse. */
void sbuf_clear(sbuf_t *b);
/* Hands over the text (never NULL: "" when nothing was appended; caller frees) and leaves
 * b empty. */
char *sbuf_take(sbuf_t *b);
/* Frees the text; b is empty and reusable afterwards. */
void sbuf_free(sbuf_t *b);

#endif
