/* The pure rules of the auth layer (see auth_rules.h). */
#include "http/auth_rules.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

/* Next comma-separated entry of the list at *list, blanks trimmed: sets start and len, advances;
 * Returns false at the end. */
static bool next_entry(const char **list, const char **start, size_t *len)
{
    const char *p = *list;
    while (*p == ' ' || *p == ',' || *p == '\t')
        p++;
    if (!*p)
        return false;
    size_t n = strcspn(p, ",");
    *list = p + n;
    while (n > 0 && (p[n - 1] == ' ' || p[n - 1] == '\t'))
        n--;
    *start = p;
    *len = n;
    return true;
}

/* Length of the name part of "name[:port]" / "[v6][:port]". */
static size_t host_name_len(const char *s, size_t len)
{
    if (len > 0 && s[0] == '[') {
        const char *close = memchr(s, ']', len);
        return close ? (size_t)(close - s) + 1 : len;
    }
    const char *colon = memchr(s, ':', len);
    return colon ? (size_t)(colon - s) : len;
}

static bool entry_matches_host(const char *e, size_t elen, const char *host, size_t hlen)
{
    if (elen == 1 && e[0] == '*')
        return true;
    size_t ename = host_name_len(e, elen);
    if (ename < elen) /* the entry names a port: the whole value must match */
        return elen == hlen && strncasecmp(e, host, hlen) == 0;
    size_t hname = host_name_len(host, hlen);
    return ename == hname && strncasecmp(e, host, hname) == 0;
}

bool auth_host_allowed(const char *list, const char *host)
{
    if (!list || !host || !*host)
        return false;
    size_t hlen = strlen(host);
    const char *e;
    size_t elen;
    while (next_entry(&list, &e, &elen))
        if (entry_matches_host(e, elen, host, hlen))
            return true;
    return false;
}

bool auth_origin_allowed(const char *origin, const char *host, const char *list)
{
    if (!origin || !*origin || strcmp(origin, "null") == 0)
        return false;
    if (host && *host) {
        const char *rest = NULL;
        if (strncasecmp(origin, "http://", 7) == 0)
            rest = origin + 7;
        else if (strncasecmp(origin, "https://", 8) == 0)
            rest = origin + 8;
        if (rest && strcasecmp(rest, host) == 0)
            return true;
    }
    if (!list)
        return false;
    size_t olen = strlen(origin);
    const char *e;
    size_t elen;
    while (next_entry(&list, &e, &elen))
        if (elen == olen && strncasecmp(e, origin, olen) == 0)
            return true;
    return false;
}

int auth_referer_origin(const char *referer, char *out, size_t size)
{
    if (!referer)
        return -1;
    size_t scheme;
    if (strncasecmp(referer, "http://", 7) == 0)
        scheme = 7;
    else if (strncasecmp(referer, "https://", 8) == 0)
        scheme = 8;
    else
        return -1;
    size_t n = scheme + strcspn(referer + scheme, "/?#");
    if (n == scheme || n >= size)
        return -1;
    memcpy(out, referer, n);
    out[n] = '\0';
    return 0;
}

int auth_cookie_get(const char *header, const char *name, char *out, size_t size)
{
    if (!header || !name)
        return -1;
    size_t nlen = strlen(name);
    const char *p = header;
    while (*p) {
        while (*p == ' ' || *p == ';' || *p == '\t')
            p++;
        size_t pair = strcspn(p, ";");
        const char *eq = memchr(p, '=', pair);
        if (eq && (size_t)(eq - p) == nlen && strncmp(p, name, nlen) == 0) {
            const char *v = eq + 1;
            size_t vlen = pair - (size_t)(v - p);
            while (vlen > 0 && (v[vlen - 1] == ' ' || v[vlen - 1] == '\t'))
                vlen--;
            if (vlen >= 2 && v[0] == '"' && v[vlen - 1] == '"') {
                v++;
                vlen -= 2;
            }
            if (vlen + 1 > size)
                return -2;
            memcpy(out, v, vlen);
            out[vlen] = '\0';
            return (int)vlen;
        }
        p += pair;
    }
    return -1;
}

int auth_bearer_get(const char *header, char *out, size_t size)
{
    if (!header || strncasecmp(header, "Bearer ", 7) != 0)
        return -1;
    const char *t = header + 7;
    while (*t == ' ')
        t++;
    size_t n = strcspn(t, " \t");
    if (n == 0 || n + 1 > size || t[n] != '\0')
        return -1;
    memcpy(out, t, n);
    out[n] = '\0';
    return (int)n;
}

bool auth_path_listed(const char *list, const char *path)
{
    if (!list || !path)
        return false;
    size_t plen = strlen(path);
    const char *e;
    size_t elen;
    while (next_entry(&list, &e, &elen)) {
        if (elen > 0 && e[elen - 1] == '*') {
            if (plen >= elen - 1 && strncmp(path, e, elen - 1) == 0)
                return true;
        } else if (elen == plen && strncmp(path, e, plen) == 0) {
            return true;
        }
    }
    return false;
}

bool auth_listener_loopback(const char *host)
{
    if (!host || !*host)
        return false;
    if (strcasecmp(host, "localhost") == 0 || strcmp(host, "::1") == 0 ||
        strcmp(host, "[::1]") == 0)
        return true;
    unsigned a, b, c, d;
    char extra;
    if (sscanf(host, "%u.%u.%u.%u%c", &a, &b, &c, &d, &extra) == 4)
        return a == 127 && b <= 255 && c <= 255 && d <= 255;
    return false;
}

bool auth_method_writes(const char *method)
{
    return method && (strcmp(method, "POST") == 0 || strcmp(method, "PUT") == 0 ||
                      strcmp(method, "PATCH") == 0 || strcmp(method, "DELETE") == 0);
}
