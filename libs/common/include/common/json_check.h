/* A look at JSON text from outside before cJSON parses it. cJSON recurses once per nesting
 * level on the calling thread's stack, and a civetweb worker's is small: 1.2 KB of '[' took
 * the api down. cJSON also decodes "\u0000" into a C string that silently ends there (a
 * title cut short). And a byte that is not UTF-8 would reach PostgreSQL, which refuses it
 * (a 500 where the client deserves a 400). */
#ifndef COMMON_JSON_CHECK_H
#define COMMON_JSON_CHECK_H

#include <stddef.h>

/* Deeper than any request or event of ours (they nest 4 levels at most), far below what a
 * 64 KiB stack survives. */
#define JSON_MAX_DEPTH 32

/* 0 when s[0..len) nests at most max_depth arrays/objects, is valid UTF-8 and has no
 * \u0000 escape in a string; else -1 with *at the offending byte's offset and why ("nested
 * deeper than 32 levels", "not valid UTF-8", "a NUL character (\u0000) in a string").
 * Syntax is left to the parser. */
int json_check(const char *s, size_t len, int max_depth, size_t *at, char *why, size_t why_size);

#endif
