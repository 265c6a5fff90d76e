/* UTF-8 as the services accept it from outside: well-formed, no overlong forms, no
 * surrogates, nothing above U+10FFFF, and no NUL (which cannot live in a C string). */
#ifndef COMMON_UTF8_H
#define COMMON_UTF8_H

#include <stdbool.h>
#include <stddef.h>

/* Length (1..4) of the valid sequence at s, of which left bytes are readable; 0 when the
 * bytes there are not valid UTF-8 or are a NUL. */
size_t utf8_seq_len(const unsigned char *s, size_t left);

/* Code points in s[0..len), or -1 when it is not valid UTF-8 (or holds a NUL). */
long utf8_count(const char *s, size_t len);

/* Offset of the first invalid byte of s[0..len), or len when all of it is valid. */
size_t utf8_invalid_at(const char *s, size_t len);

#endif
