/* Message fingerprints (see fingerprint.h). */
#include "common/fingerprint.h"

#include <ctype.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "common/sbuf.h"
#include "common/util.h"
#include "common/xmalloc.h"

char *fingerprint_normalize(const char *text)
{
    size_t n = strlen(text);
    char *out = xmalloc(n + 1);
    size_t j = 0;
    bool space = false;
    for (size_t i = 0; i < n; i++) {
        if (isspace((unsigned char)text[i])) {
            space = j > 0;
            continue;
        }
        if (space)
            out[j++] = ' ';
        space = false;
        out[j++] = text[i];
    }
    out[j] = '\0';
    return out;
}

void fingerprint_message(const char *thread_id, const char *from, const char *text, int occurrence,
                         char out[65])
{
    char *norm = fingerprint_normalize(text ? text : "");
    sbuf_t b = {0};
    /* Length prefixes keep ("a|b", "c") and ("a", "b|c") apart. */
    sbuf_printf(&b, "bbfp1|%zu:%s|%zu:%s|%zu:%s|%d", strlen(thread_id), thread_id, strlen(from),
                from, strlen(norm), norm, occurrence);
    util_sha256_hex(b.s, b.len, out);
    sbuf_free(&b);
    free(norm);
}
