/* What a browser run reports back to the service that runs it: progress lines, and failure
 * screenshots, which only the service knows where to keep (the poster delivers them to the
 * api as job artifacts). Both hooks are optional. */
#ifndef BROWSER_HOOKS_H
#define BROWSER_HOOKS_H

#include <stddef.h>

/* Receives each progress line: level "info", "warning" or "error"; artifact is the name the
 * screenshot hook gave a screenshot, or NULL. Called on the thread of the run. */
typedef void (*browser_log_fn)(void *ctx, const char *level, const char *message,
                               const char *artifact);

/* Stores a PNG of the page under a fresh name built from tag (a recipe step name: letters,
 * digits, '-', '_'; "failed" for a failure) and writes the name into name. Returns 0, or -1
 * with the reason in errstr (the run then logs a warning and goes on). */
typedef int (*browser_shot_fn)(void *ctx, const char *tag, const unsigned char *png, size_t len,
                               char *name, size_t name_size, char *errstr, size_t errstr_size);

#endif
