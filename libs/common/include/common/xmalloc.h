/* Allocation wrappers that abort on out-of-memory, for small internal allocations.
 * Sizes that come from outside (request bodies, uploads) must go through checked paths. */
#ifndef COMMON_XMALLOC_H
#define COMMON_XMALLOC_H

#include <stddef.h>

/* Each returns memory the caller frees with free(); never NULL (aborts on OOM). Thread-safe. */
void *xmalloc(size_t size);
void *xcalloc(size_t nmemb, size_t size);
void *xrealloc(void *ptr, size_t size);
char *xstrdup(const char *s);
char *xstrndup(const char *s, size_t n);
/* printf into a new string; caller frees. */
char *xasprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
