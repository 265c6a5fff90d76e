/* JSON text checked before parsing (see json_check.h): one pass, no allocation. */
#include "common/json_check.h"

#include <stdio.h>
#include <string.h>

#include "common/utf8.h"

static int refuse(size_t *at, size_t pos, char *why, size_t why_size, const char *reason)
{
    *at = pos;
    snprintf(why, why_size, "%s", reason);
    return -1;
}

int json_check(const char *s, size_t len, int max_depth, size_t *at, char *why, size_t why_size)
{
    const unsigned char *p = (const unsigned char *)s;
    int depth = 0;
    int in_string = 0;
    for (size_t i = 0; i < len;) {
        size_t n = utf8_seq_len(p + i, len - i);
        if (n == 0)
            return refuse(at, i, why, why_size, "not valid UTF-8");
        if (n > 1) {
            i += n;
            continue;
        }
        unsigned char c = p[i];
        if (in_string) {
            if (c == '"') {
                in_string = 0;
            } else if (c == '\\' && i + 1 < len && p[i + 1] < 0x80) {
                if (p[i + 1] == 'u' && i + 6 <= len && memcmp(p + i + 2, "0000", 4) == 0)
                    return refuse(at, i, why, why_size, "a NUL character (\\u0000) in a string");
                i += 2; /* the escaped character: never a quote that ends the string */
                continue;
            }
        } else if (c == '"') {
            in_string = 1;
        } else if (c == '[' || c == '{') {
            if (++depth > max_depth) {
                char msg[64];
                snprintf(msg, sizeof(msg), "nested deeper than %d levels", max_depth);
                return refuse(at, i, why, why_size, msg);
            }
        } else if (c == ']' || c == '}') {
            depth--;
        }
        i++;
    }
    return 0;
}
