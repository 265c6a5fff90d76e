/* Growable string (see sbuf.h). Capacity doubles so appending n bytes one at a time costs
 * O(n) copies in total. */
#include "common/sbuf.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/xmalloc.h"

#define SBUF_MIN_CAP 64

/* Makes room for extra more bytes plus the terminating NUL. */
static void reserve(sbuf_t *b, size_t extra)
{
    if (b->len + extra + 1 <= b->cap)
        return;
    size_t cap = b->cap ? b->cap : SBUF_MIN_CAP;
    while (cap < b->len + extra + 1)
        cap *= 2;
    b->s = xrealloc(b->s, cap);
    b->cap = cap;
}

void sbuf_addn(sbuf_t *b, const char *s, size_t n)
{
    reserve(b, n);
    if (n)
        memcpy(b->s + b->len, s, n);
    b->len += n;
    b->s[b->len] = '\0';
}

void sbuf_add(sbuf_t *b, const char *s)
{
    sbuf_addn(b, s, strlen(s));
}

void sbuf_addc(sbuf_t *b, char c)
{
    sbuf_addn(b, &c, 1);
}

void sbuf_printf(sbuf_t *b, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    va_list again;
    va_copy(again, ap);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n >= 0) {
        reserve(b, (size_t)n);
        vsnprintf(b->s + b->len, (size_t)n + 1, fmt, again);
        b->len += (size_t)n;
    }
    va_end(again);
}

void sbuf_clear(sbuf_t *b)
{
    b->len = 0;
    if (b->s)
        b->s[0] = '\0';
}

char *sbuf_take(sbuf_t *b)
{
    char *s = b->s ? b->s : xstrdup("");
    b->s = NULL;
    b->len = b->cap = 0;
    return s;
}

void sbuf_free(sbuf_t *b)
{
    free(b->s);
    b->s = NULL;
    b->len = b->cap = 0;
}
