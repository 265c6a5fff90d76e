/* The poster's bearer token for the api (see api_auth.h). Set once before the threads start
 * and read-only afterwards, like the rest of the configuration. */
#include "api_auth.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

static char auth_header[256]; /* "Authorization: Bearer <token>", "" when none */
static char auth_base[512];   /* API_PUBLIC_URL without a trailing '/' */

int api_auth_load(const char *token, const char *token_file, const char *api_base, char *errstr,
                  size_t errstr_size)
{
    char buf[200] = "";
    if (token_file && *token_file) {
        FILE *f = fopen(token_file, "r");
        if (!f) {
            snprintf(errstr, errstr_size, "API_TOKEN_FILE: %s: %s", token_file, strerror(errno));
            return -1;
        }
        if (!fgets(buf, sizeof(buf), f))
            buf[0] = '\0';
        fclose(f);
        buf[strcspn(buf, "\r\n \t")] = '\0';
        if (!buf[0]) {
            snprintf(errstr, errstr_size, "API_TOKEN_FILE: %s holds no token", token_file);
            return -1;
        }
    } else if (token && *token) {
        snprintf(buf, sizeof(buf), "%s", token);
    }
    if (strpbrk(buf, "\r\n")) {
        snprintf(errstr, errstr_size, "API_TOKEN: holds a line break");
        return -1;
    }
    auth_header[0] = '\0';
    if (buf[0])
        snprintf(auth_header, sizeof(auth_header), "Authorization: Bearer %s", buf);
    snprintf(auth_base, sizeof(auth_base), "%s", api_base ? api_base : "");
    size_t n = strlen(auth_base);
    while (n > 0 && auth_base[n - 1] == '/')
        auth_base[--n] = '\0';
    return 0;
}

struct curl_slist *api_auth_header(struct curl_slist *headers, const char *url)
{
    size_t n = strlen(auth_base);
    if (!auth_header[0] || n == 0 || !url || strncmp(url, auth_base, n) != 0 ||
        (url[n] != '/' && url[n] != '\0'))
        return headers;
    return curl_slist_append(headers, auth_header);
}
