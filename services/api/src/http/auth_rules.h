/* The pure rules of the auth layer (no I/O, no state): Host and Origin matching, cookie and
 * bearer header parsing, the public path list, loopback listeners. Unit-tested in
 * services/api/tests/test_auth_rules.c; the guard (http/guard.c) applies them per request. */
#ifndef API_AUTH_RULES_H
#define API_AUTH_RULES_H

#include <stdbool.h>
#include <stddef.h>

/* Whether a Host header value is one of list (comma-separated, blanks ignored). An entry
 * "name:port" matches exactly; an entry "name" matches that name with any port or none;
 * "[::1]" style IPv6 entries work the same way; "*" matches any Host. Names compare without
 * case. A NULL or empty host never matches (HTTP/1.1 requires one). Pure. */
bool auth_host_allowed(const char *list, const char *host);

/* Whether origin ("scheme://host[:port]", as browsers send it) may write: the api's own
 * origin (http:// or https:// followed by the request's Host, which the caller has already
 * checked) or an exact entry of list (comma-separated; "*" is ignored here: a wildcard CORS
 * list allows reads, never cookie writes). "null" (opaque origins) never matches. Pure. */
bool auth_origin_allowed(const char *origin, const char *host, const char *list);

/* The origin part of a Referer URL ("http://a:1/x?y" -> "http://a:1") into out. Returns 0,
 * or -1 when referer is not an absolute http(s) URL or does not fit. Pure. */
int auth_referer_origin(const char *referer, char *out, size_t size);

/* Copies the value of cookie `name` from a Cookie header ("a=1; b=2") into out. Returns its
 * length, -1 when absent, -2 when it does not fit. Pure. */
int auth_cookie_get(const char *header, const char *name, char *out, size_t size);

/* Copies the token of an "Authorization: Bearer <token>" header (scheme in any case) into
 * out. Returns its length, -1 when the header is not a bearer one or the token is empty or
 * does not fit. Pure. */
int auth_bearer_get(const char *header, char *out, size_t size);

/* Whether path is in list (comma-separated; an entry ending in "*" is a prefix). Pure. */
bool auth_path_listed(const char *list, const char *path);

/* Whether a listen address is loopback-only: 127.0.0.0/8, ::1 or localhost. Anything else
 * (0.0.0.0, ::, a LAN address, a name) is not. Pure. */
bool auth_listener_loopback(const char *host);

/* POST, PUT, PATCH and DELETE: the methods a cross-site page must not send with our cookie. */
bool auth_method_writes(const char *method);

#endif
